/* What the model suites (tests/test_goldens.c, test_gguf_reader.c, ...) share:
   the data directory, the golden files and the golden check, expect(), the
   in-memory GGUF writer, and the in-range check of every sampler setting.
   Include after mamba.h (with MAMBA_IMPLEMENTATION) and test.h. */
#ifndef MAMBA_TEST_FIXTURES_H
#define MAMBA_TEST_FIXTURES_H

static const char *shared_dir = "tests/data/shared";
/* $MAMBA_TEST_QUICK (set for the valgrind run by tests/run.sh): leave out the
   long numeric checks that exercise no code the rest does not (the bundled
   model's held-out perplexity, all but 25 lines of the GGUF tokenizer goldens). */
static int quick;

/* The golden models of tests/data/ (tests/ref/gen_goldens.py), i-th or NULL. */
static inline const char *golden_dirs(int i) {
    static const char *const dirs[] = {"tests/data/m1-odd-f32", "tests/data/m1-f16-untied-bias", "tests/data/m1-bf16-sharded",
                                       "tests/data/m1-unaligned-f32", "tests/data/falcon-f32", "tests/data/m1-f32-mixed",
                                       "tests/data/falcon-bf16-sharded-untied", "tests/data/m2-g1-tied", "tests/data/m2-g2-untied",
                                       "tests/data/m2-g4-original"};
    return i >= 0 && i < (int)(sizeof dirs / sizeof dirs[0]) ? dirs[i] : NULL;
}

/* argv[1] is the shared data directory; prints the kernels compiled in. */
static inline void suite_start(int argc, char **argv) {
    if (argc > 1) shared_dir = argv[1];
    quick = getenv("MAMBA_TEST_QUICK") != NULL;
    printf("kernels: %s\n", MAMBA__SIMD_NAME);
}

typedef struct golden {
    int tokens[256];
    int n_tokens;
    float *logits;      /* n_tokens * vocab */
    int vocab;
} golden;

/* Reads tokens.txt-style ids and logits.txt-style rows from dir/tokens_file
   and dir/logits_file; 1 if both are consistent. */
static inline int golden_read_files(golden *g, const char *dir, const char *tokens_file, const char *logits_file) {
    char *p = path2(dir, tokens_file), *q = path2(dir, logits_file);
    size_t n1, n2, cnt, i;
    unsigned char *t = read_all(p, &n1), *l = read_all(q, &n2);
    float tmp[256];
    int ok = 0;
    memset(g, 0, sizeof *g);
    if (t && l) {
        cnt = parse_floats((const char *)t, tmp, 256);
        g->n_tokens = (int)cnt;
        for (i = 0; i < cnt; i++) g->tokens[i] = (int)tmp[i];
        g->logits = (float *)malloc(sizeof(float) * (n2 / 2 + 1));
        cnt = parse_floats((const char *)l, g->logits, n2 / 2 + 1);
        g->vocab = g->n_tokens ? (int)(cnt / (size_t)g->n_tokens) : 0;
        ok = g->n_tokens > 0 && cnt == (size_t)g->vocab * (size_t)g->n_tokens;
    }
    free(t); free(l); free(p); free(q);
    return ok;
}

static inline int golden_read(golden *g, const char *dir) { return golden_read_files(g, dir, "tokens.txt", "logits.txt"); }

/* ---- goldens: step, sequence at several chunk sizes, prefill-then-step ----- */

static double worst_ratio_all = 0;
/* The golden tolerance: 1e-4 + 1e-3|ref| for exact f32 math. Quantized
   weights are multiplied with 8-bit activations (as llama.cpp does), which
   costs up to ~1e-2 on m1-tiny (llama.cpp itself: 1.1e-2); the issue's
   requirement for those files is 3e-2 absolute with the same top token almost
   everywhere (here: at least 95% of rows). */
static double tol_abs = 1e-4, tol_rel = 1e-3;
static int tol_quant = 0;

static inline void check_rows(const char *what, const char *dir, const float *got, const float *want, size_t n) {
    double ratio, err = test_max_err(got, want, n, tol_abs, tol_rel, &ratio);
    CHECK(ratio <= 1.0, "%s %s: max abs err %.3g (%.3g x tolerance)", dir, what, err, ratio);
    if (ratio > worst_ratio_all) worst_ratio_all = ratio;
}

static inline void golden_model(mamba_model *m, const char *dir, const golden *g) {
    const mamba_config *c = mamba_model_config(m);
    int V = c->vocab_size, T = g->n_tokens, i, k;
    float *lg = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    float *step_lg = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    static const int chunks[] = {1, 2, 3, 7, 64};
    mamba_state *s = NULL;
    double ratio, err;
    CHECK(V == g->vocab, "%s: vocab_size %d, golden has %d", dir, V, g->vocab);
    if (V != g->vocab) { free(lg); free(step_lg); return; }
    /* step path */
    CHECK(mamba_state_new(&s, m, 4) == MAMBA_OK, "%s: state", dir);
    for (i = 0; i < T; i++) CHECK(mamba_step(m, s, g->tokens[i], step_lg + (size_t)i * V) == MAMBA_OK, "step");
    err = test_max_err(step_lg, g->logits, (size_t)V * T, tol_abs, tol_rel, &ratio);
    printf("  %-28s step: max abs err %.3g (%.4f of tolerance)\n", dir, err, ratio);
    if (tol_quant) {   /* same top token almost everywhere */
        int same = 0;
        for (i = 0; i < T; i++) same += mamba_argmax(step_lg + (size_t)i * V, V) == mamba_argmax(g->logits + (size_t)i * V, V);
        printf("  %-28s same top token in %d of %d rows\n", dir, same, T);
        CHECK(same * 20 >= T * 19, "%s: same top token in only %d of %d rows", dir, same, T);
    }
    check_rows("step", dir, step_lg, g->logits, (size_t)V * T);
    mamba_state_free(s);
    /* sequence path, every position, several chunk sizes */
    for (k = 0; k < (int)(sizeof chunks / sizeof chunks[0]); k++) {
        char what[64];
        sprintf(what, "forward chunk %d", chunks[k]);
        CHECK(mamba_state_new(&s, m, chunks[k]) == MAMBA_OK, "state");
        CHECK(mamba_forward(m, s, g->tokens, (size_t)T, lg, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward");
        check_rows(what, dir, lg, g->logits, (size_t)V * T);
        /* the two paths share one dot product: identical bits */
        CHECK(!memcmp(lg, step_lg, sizeof(float) * (size_t)V * T), "%s %s: step and sequence differ", dir, what);
        mamba_state_free(s);
    }
    /* prefill the first p tokens (LAST), then step the rest; also prefill in two calls */
    for (k = 1; k < T; k += (T > 8 ? T / 4 : 1)) {
        int j;
        CHECK(mamba_state_new(&s, m, 3) == MAMBA_OK, "state");
        CHECK(mamba_forward(m, s, g->tokens, (size_t)k, lg, MAMBA_LOGITS_LAST) == MAMBA_OK, "prefill");
        check_rows("prefill last", dir, lg, g->logits + (size_t)(k - 1) * V, (size_t)V);
        for (j = k; j < T; j++) {
            CHECK(mamba_step(m, s, g->tokens[j], lg) == MAMBA_OK, "step after prefill");
            check_rows("prefill-then-step", dir, lg, g->logits + (size_t)j * V, (size_t)V);
        }
        mamba_state_free(s);
        CHECK(mamba_state_new(&s, m, 5) == MAMBA_OK, "state");
        CHECK(mamba_forward(m, s, g->tokens, (size_t)k, NULL, MAMBA_LOGITS_NONE) == MAMBA_OK, "prefill none");
        CHECK(mamba_forward(m, s, g->tokens + k, (size_t)(T - k), lg, MAMBA_LOGITS_ALL) == MAMBA_OK, "continue");
        check_rows("prefill-then-prefill", dir, lg, g->logits + (size_t)k * V, (size_t)V * (size_t)(T - k));
        CHECK(s->n_tokens == (uint64_t)T, "n_tokens %llu", (unsigned long long)s->n_tokens);
        mamba_state_free(s);
    }
    free(lg);
    free(step_lg);
}

/* Expects status `want` and a message containing `needle`. */
static inline void expect(const char *what, mamba_status got, mamba_status want, const mamba_error *err, const char *needle) {
    CHECK(got == want, "%s: got %s (%s), want %s", what, mamba_status_string(got), err->message, mamba_status_string(want));
    if (got == want && needle) CHECK(strstr(err->message, needle) != NULL, "%s: message '%s' lacks '%s'", what, err->message, needle);
}

/* ---- the GGUF writer into memory ---- */

/* (membuf and membuf_put are in test.h) */

/* The model as a GGUF of `type`, in memory (NULL and *st set on failure). */
static inline unsigned char *gguf_bytes(const mamba_model *m, const mamba_tokenizer *tok, mamba_dtype type, int pure, size_t *n,
                                 mamba_status *st, mamba_error *err) {
    membuf b = {NULL, 0, 0};
    mamba_gguf_options o;
    memset(&o, 0, sizeof o);
    o.type = type;
    o.pure = pure;
    *st = mamba_gguf_write(m, tok, &o, membuf_put, &b, err);
    *n = b.n;
    if (*st != MAMBA_OK) { free(b.p); return NULL; }
    return b.p;
}

/* Every draw of every sampler setting, and argmax, names a token in range. */
static inline void sample_all_ways(const float *logits, int V, const char *what) {
    static const float temps[] = {0.0f, 1e-30f, 1e-3f, 0.8f, 1.0f, 1e30f, HUGE_VALF};
    static const int ks[] = {0, 1, 5};
    static const float ps[] = {1.0f, 0.9f, 1e-6f};
    size_t t, k, p;
    int d, bad = 0, a = mamba_argmax(logits, V);
    unsigned char mem[4096];
    CHECK(a >= 0 && a < V, "%s: argmax %d", what, a);
    for (t = 0; t < sizeof temps / sizeof temps[0]; t++)
        for (k = 0; k < 3; k++)
            for (p = 0; p < 3; p++) {
                mamba_sampler smp;
                mamba_sampler_params sp;
                void *mp = mamba_sampler_bytes(V) <= sizeof mem ? (void *)mem : NULL;
                sp.temperature = temps[t]; sp.top_k = ks[k]; sp.top_p = ps[p]; sp.seed = (uint64_t)(7 + t);
                if (mamba_sampler_init(&smp, V, &sp, mp, sizeof mem) != MAMBA_OK) { bad++; continue; }
                for (d = 0; d < 8; d++) {
                    int id = mamba_sample(&smp, logits);
                    if (id < 0 || id >= V) bad++;
                }
                mamba_sampler_free(&smp);
            }
    CHECK(bad == 0, "%s: %d draws out of range", what, bad);
}

/* The public m1-tiny's weights and config.json (several suites edit them). */
static inline int read_tiny(unsigned char **w, size_t *wn, unsigned char **cfg, size_t *cn) {
    char *wp = path2(shared_dir, "reference/m1-tiny/model.safetensors"), *cp = path2(shared_dir, "reference/m1-tiny/config.json");
    *w = read_all(wp, wn);
    *cfg = read_all(cp, cn);
    CHECK(*w && *cfg, "read m1-tiny");
    free(wp); free(cp);
    return *w && *cfg;
}
#endif
