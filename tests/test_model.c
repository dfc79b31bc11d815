/* Model tests: goldens in every path, loaders, state, and bad input.

   build/test_model [SHARED_DATA_DIR]     (default ../shared/data)
   Run from the repository root. Built in several configurations by `make test`
   (default, MAMBA_NO_STDIO, C++, sanitizers); under MAMBA_NO_STDIO only the
   memory loader is exercised and sharded models are skipped. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

static const char *shared_dir = "../shared/data";
/* $MAMBA_TEST_QUICK (set for the valgrind run by tests/run.sh): leave out the
   long numeric checks that exercise no code the rest does not (the bundled
   model's held-out perplexity, all but 25 lines of the GGUF tokenizer goldens). */
static int quick;

/* ---- small helpers (test code may use stdio even when the library doesn't) */

static unsigned char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[len] = 0; *n = (size_t)len; }
    return buf;
}

static char *path2(const char *a, const char *b) {
    char *p = (char *)malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

/* Parses whitespace-separated numbers; returns count. */
static size_t parse_floats(const char *s, float *out, size_t cap) {
    size_t n = 0;
    char *end;
    while (*s) {
        double v = strtod(s, &end);
        if (end == s) { s++; continue; }
        if (n < cap) out[n] = (float)v;
        n++;
        s = end;
    }
    return n;
}

typedef struct golden {
    int tokens[256];
    int n_tokens;
    float *logits;      /* n_tokens * vocab */
    int vocab;
} golden;

/* Reads tokens.txt-style ids and logits.txt-style rows from dir/tokens_file
   and dir/logits_file; 1 if both are consistent. */
static int golden_read_files(golden *g, const char *dir, const char *tokens_file, const char *logits_file) {
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

static int golden_read(golden *g, const char *dir) { return golden_read_files(g, dir, "tokens.txt", "logits.txt"); }

/* ---- goldens: step, sequence at several chunk sizes, prefill-then-step ----- */

static double worst_ratio_all = 0;
/* The golden tolerance: 1e-4 + 1e-3|ref| for exact f32 math. Quantized
   weights are multiplied with 8-bit activations (as llama.cpp does), which
   costs up to ~1e-2 on m1-tiny (llama.cpp itself: 1.1e-2); the issue's
   requirement for those files is 3e-2 absolute with the same top token almost
   everywhere (here: at least 95% of rows). */
static double tol_abs = 1e-4, tol_rel = 1e-3;
static int tol_quant = 0;

static void check_rows(const char *what, const char *dir, const float *got, const float *want, size_t n) {
    double ratio, err = test_max_err(got, want, n, tol_abs, tol_rel, &ratio);
    CHECK(ratio <= 1.0, "%s %s: max abs err %.3g (%.3g x tolerance)", dir, what, err, ratio);
    if (ratio > worst_ratio_all) worst_ratio_all = ratio;
}

static void golden_model(mamba_model *m, const char *dir, const golden *g) {
    const mamba_config *c = mamba_get_config(m);
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

/* Loads DIR by file (when stdio exists) and, for single-file models, from memory. */
static void golden_dir(const char *dir) {
    golden g;
    mamba_model *m = NULL;
    mamba_error err;
    char *wpath = path2(dir, "model.safetensors"), *cpath = path2(dir, "config.json");
    size_t wn, cn;
    unsigned char *w = read_all(wpath, &wn), *cfg = read_all(cpath, &cn);
    CHECK(golden_read(&g, dir), "%s: cannot read golden", dir);
#ifndef MAMBA_NO_STDIO
    CHECK(mamba_load_file(&m, dir, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
    if (m) golden_model(m, dir, &g);
    mamba_free(m);
    m = NULL;
#endif
    if (w && cfg) {   /* the same model from memory (weights used in place) */
        char what[512];
        sprintf(what, "%s (memory)", dir);
        CHECK(mamba_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
        if (m) golden_model(m, what, &g);
        mamba_free(m);
    }
    free(g.logits); free(w); free(cfg); free(wpath); free(cpath);
}

/* The public golden's greedy continuation. */
static void greedy_public(void) {
    char *dir = path2(shared_dir, "reference/m1-tiny");
    char *gp = path2(dir, "greedy.txt"), *wp = path2(dir, "model.safetensors"), *cp = path2(dir, "config.json");
    size_t n, wn, cn;
    unsigned char *txt = read_all(gp, &n), *w = read_all(wp, &wn), *cfg = read_all(cp, &cn);
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_error err;
    float nums[64], logits[256];
    int prompt[5], i, ok = 1;
    CHECK(txt && w && cfg, "read %s", gp);
    if (txt && w && cfg) {
        const char *p = strstr((const char *)txt, "prompt:"), *q = strstr((const char *)txt, "continuation:");
        CHECK(p && q, "greedy.txt format");
        if (p && q && parse_floats(p + 7, nums, 5) >= 5) {
            for (i = 0; i < 5; i++) prompt[i] = (int)nums[i];
            CHECK(parse_floats(q + 13, nums, 64) == 20, "20 continuation ids");
            CHECK(mamba_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s", err.message);
            if (m && mamba_state_new(&s, m, 0) == MAMBA_OK) {
                int next;
                mamba_forward(m, s, prompt, 5, logits, MAMBA_LOGITS_LAST);
                for (i = 0; i < 20; i++) {
                    next = mamba_argmax(logits, 256);
                    if (next != (int)nums[i]) ok = 0;
                    mamba_step(m, s, next, logits);
                }
                CHECK(ok, "greedy continuation of m1-tiny differs from greedy.txt");
            }
        }
    }
    mamba_state_free(s);
    mamba_free(m);
    free(txt); free(w); free(cfg); free(gp); free(wp); free(cp); free(dir);
}

/* ---- GGUF: llama.cpp's own files of m1-tiny, and hostile variants -------- */

static void expect(const char *what, mamba_status got, mamba_status want, const mamba_error *err, const char *needle);

static void gguf_golden(const char *file, const char *logits_file) {
    char *dir = path2(shared_dir, "reference/m1-tiny"), *gp = path2(dir, file);
    size_t n;
    unsigned char *bytes = read_all(gp, &n);
    golden g;
    mamba_model *m = NULL;
    mamba_error err;
    int ok = golden_read_files(&g, dir, "tokens.txt", logits_file);
    CHECK(bytes && ok, "read %s and its golden", gp);
    if (bytes && ok) {
#ifndef MAMBA_NO_STDIO
        CHECK(mamba_load_file(&m, gp, NULL, &err) == MAMBA_OK, "%s: %s", gp, err.message);
        if (m) golden_model(m, gp, &g);
        mamba_free(m);
        m = NULL;
#endif
        CHECK(mamba_load_memory(&m, bytes, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s (memory): %s", gp, err.message);
        if (m) golden_model(m, file, &g);
        mamba_free(m);
    }
    free(g.logits); free(bytes); free(dir); free(gp);
}

static unsigned char *gguf_bytes(const mamba_model *m, const mamba_tokenizer *tok, mamba_dtype type, int pure, size_t *n,
                                 mamba_status *st, mamba_error *err);

/* Our quantized GGUF goldens (tests/ref/gen_quant_goldens.py): against the
   exact math on the dequantized weights (logits.txt) within tolerance.txt,
   twice the simulated effect of 8-bit activations, same top token in >= 95%
   of rows; against that simulation (logits-act8.txt) within the core
   tolerance. Loaded from the file and from memory. */
static void quant_golden(const char *dir) {
    char *gp = path2(dir, "model.gguf"), *tp = path2(dir, "tolerance.txt");
    size_t n, tn;
    unsigned char *bytes = read_all(gp, &n), *tt = read_all(tp, &tn);
    golden g, g8;
    mamba_model *m = NULL;
    mamba_error err;
    float tol = 0;
    int ok = golden_read(&g, dir), ok8 = golden_read_files(&g8, dir, "tokens.txt", "logits-act8.txt");
    CHECK(bytes && tt && ok && ok8 && parse_floats((const char *)tt, &tol, 1) == 1 && tol > 0, "read %s, its goldens and tolerance", gp);
    if (bytes && tt && ok && ok8 && tol > 0) {
        char what[600];
#ifndef MAMBA_NO_STDIO
        CHECK(mamba_load_file(&m, gp, NULL, &err) == MAMBA_OK, "%s: %s", gp, err.message);
        if (m) {
            tol_abs = tol; tol_rel = 0; tol_quant = 1;
            golden_model(m, gp, &g);
            tol_abs = 1e-4; tol_rel = 1e-3; tol_quant = 0;
            sprintf(what, "%s vs 8-bit-activation reference", gp);
            golden_model(m, what, &g8);
        }
        mamba_free(m);
        m = NULL;
#endif
        sprintf(what, "%s (memory)", gp);
        CHECK(mamba_load_memory(&m, bytes, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
        if (m) {
            tol_abs = tol; tol_rel = 0; tol_quant = 1;
            golden_model(m, what, &g);
            tol_abs = 1e-4; tol_rel = 1e-3; tol_quant = 0;
            sprintf(what, "%s (memory) vs 8-bit-activation reference", gp);
            golden_model(m, what, &g8);
        }
        if (m) {   /* the writer reads quantized sources: written out as F32, the weights are the dequantized ones, exact math */
            size_t fn = 0;
            mamba_status wst;
            unsigned char *f32 = gguf_bytes(m, NULL, MAMBA_DTYPE_F32, 0, &fn, &wst, &err);
            mamba_model *mf = NULL;
            CHECK(f32 != NULL, "%s written as F32 GGUF: %s", gp, err.message);
            if (f32) {
                CHECK(mamba_load_memory(&mf, f32, fn, NULL, 0, NULL, &err) == MAMBA_OK, "%s as F32 GGUF: reload: %s", gp, err.message);
                sprintf(what, "%s rewritten as F32 GGUF", gp);
                if (mf) golden_model(mf, what, &g);
                mamba_free(mf);
                free(f32);
            }
        }
        {   /* the same bytes at an odd address: quantized blocks are read in place, any alignment */
            unsigned char *odd = (unsigned char *)malloc(n + 1);
            mamba_model *m2 = NULL;
            mamba_state *s1 = NULL, *s2 = NULL;
            int V = g.vocab, i, same = 1;
            float *l1 = (float *)malloc(sizeof(float) * (size_t)V), *l2 = (float *)malloc(sizeof(float) * (size_t)V);
            memcpy(odd + 1, bytes, n);
            CHECK(mamba_load_memory(&m2, odd + 1, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s at an odd address: %s", gp, err.message);
            if (m && m2 && mamba_state_new(&s1, m, 0) == MAMBA_OK && mamba_state_new(&s2, m2, 0) == MAMBA_OK)
                for (i = 0; i < g.n_tokens; i++) {
                    mamba_step(m, s1, g.tokens[i], l1);
                    mamba_step(m2, s2, g.tokens[i], l2);
                    if (memcmp(l1, l2, sizeof(float) * (size_t)V)) same = 0;
                }
            CHECK(same, "%s at an odd address: logits differ", gp);
            mamba_state_free(s1); mamba_state_free(s2);
            mamba_free(m2);
            free(odd); free(l1); free(l2);
        }
        mamba_free(m);
    }
    free(g.logits); free(g8.logits); free(bytes); free(tt); free(gp); free(tp);
}

static mamba_status load_gguf(const unsigned char *w, size_t n, mamba_error *err) {
    mamba_model *m = (mamba_model *)(uintptr_t)1;
    mamba_status st = mamba_load_memory(&m, w, n, NULL, 0, NULL, err);
    if (st == MAMBA_OK) mamba_free(m);
    else CHECK(m == NULL, "*out not NULL after a failed GGUF load");
    return st;
}

static long find_bytes(const unsigned char *h, size_t n, const char *needle);

/* A K-quant tensor whose rows are not a multiple of 256 values. */
static void gguf_bad_kquant(void) {
    char *p = path2("tests/data/m1-q4k-q6k-gguf", "model.gguf");
    size_t n;
    unsigned char *w = read_all(p, &n);
    mamba_error err;
    long at;
    CHECK(w != NULL, "read %s", p);
    if (!w) { free(p); return; }
    at = find_bytes(w, n, "blk.0.ssm_in.weight");   /* u64 len, name, u32 n_dims, u64 ne[0] = 256 */
    CHECK(at > 0 && w[at + 19 + 4] == 0 && w[at + 19 + 5] == 1, "find blk.0.ssm_in.weight with ne[0] 256");
    if (at > 0) {
        w[at + 19 + 4] = 128; w[at + 19 + 5] = 0;   /* ne[0] 256 -> 128 */
        expect("GGUF Q4_K rows of 128", load_gguf(w, n, &err), MAMBA_ERR_FORMAT, &err, "Q4_K tensor's rows are not a multiple of 256");
    }
    free(w); free(p);
}

/* Offset of the first occurrence of a byte string in buf (or -1). */
static long find_bytes(const unsigned char *buf, size_t n, const char *s) {
    size_t k = strlen(s), i;
    for (i = 0; i + k <= n; i++) if (!memcmp(buf + i, s, k)) return (long)i;
    return -1;
}

static void gguf_bad(void) {
    char *p = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf");
    size_t n, i;
    unsigned char *w = read_all(p, &n), *x;
    mamba_error err;
    long at;
    static const size_t cuts[] = {0, 3, 4, 8, 16, 24, 100, 1000, 5000, 5907, 5908, 6000, 50000};
    CHECK(w != NULL, "read %s", p);
    if (!w) { free(p); return; }
    x = (unsigned char *)malloc(n);
    for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[64];
        sprintf(what, "GGUF truncated at %zu", cuts[i]);
        expect(what, load_gguf(w, cuts[i], &err), cuts[i] < 4 ? MAMBA_ERR_BADARG : MAMBA_ERR_FORMAT, &err, NULL);
    }
    expect("GGUF truncated by one byte", load_gguf(w, n - 1, &err), MAMBA_ERR_FORMAT, &err, "outside");
#define RESET() memcpy(x, w, n)
    RESET(); x[4] = 9;
    expect("GGUF version 9", load_gguf(x, n, &err), MAMBA_ERR_UNSUPPORTED, &err, "version");
    RESET(); memset(x + 8, 0xff, 8);
    expect("GGUF absurd tensor count", load_gguf(x, n, &err), MAMBA_ERR_LIMIT, &err, NULL);
    RESET(); memset(x + 16, 0x7f, 8);
    expect("GGUF absurd metadata count", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, NULL);
    /* a string whose length runs past the end: general.architecture's value */
    RESET(); at = find_bytes(x, n, "general.architecture");
    CHECK(at > 0, "find key");
    if (at > 0) {
        memset(x + at + 20 + 4, 0x7f, 8);
        expect("GGUF string without end", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, NULL);
    }
    /* an array (tokenizer.ggml.tokens) with an absurd length */
    RESET(); at = find_bytes(x, n, "tokenizer.ggml.tokens");
    CHECK(at > 0, "find key");
    if (at > 0) {
        memset(x + at + 21 + 4 + 4, 0x7f, 8);
        expect("GGUF absurd array length", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, "array");
    }
    /* a value type that does not exist */
    RESET(); at = find_bytes(x, n, "general.architecture");
    if (at > 0) { x[at + 20] = 99; expect("GGUF unknown value type", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, NULL); }
    /* the architecture is not ours */
    RESET(); at = find_bytes(x, n, "mamba");
    if (at > 0) { x[at] = 'l'; expect("GGUF other architecture", load_gguf(x, n, &err), MAMBA_ERR_UNSUPPORTED, &err, "architecture"); }
    /* a needed tensor of an unknown ggml type (token_embd's type field, after its 2 dims) */
    RESET(); at = find_bytes(x, n, "token_embd.weight");
    CHECK(at > 0, "find tensor");
    if (at > 0) {
        x[at + 17 + 4 + 16] = 77;
        expect("GGUF unknown tensor type", load_gguf(x, n, &err), MAMBA_ERR_UNSUPPORTED, &err, "tensor token_embd.weight has dtype ggml type 77");
        x[at + 17 + 4 + 16] = 16;   /* a type ggml names but we do not compute with: the file's name and ggml's */
        expect("GGUF IQ2_XXS tensor", load_gguf(x, n, &err), MAMBA_ERR_UNSUPPORTED, &err, "tensor token_embd.weight has dtype IQ2_XXS (ggml type 16)");
        RESET();
        x[at + 17 + 4] = 48;   /* ne[0] 64 -> 48: Q8_0 rows must be multiples of 32 */
        expect("GGUF block-misaligned rows", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, "multiple of 32");
        RESET();
        x[at + 17 + 4 + 16 + 4 + 7] = 0x40;   /* offset far beyond the file */
        expect("GGUF offset outside", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, "outside");
    }
    /* two tensors with one name */
    RESET(); at = find_bytes(x, n, "blk.1.ssm_d");
    if (at > 0) { x[at + 4] = '0'; expect("GGUF duplicate tensor", load_gguf(x, n, &err), MAMBA_ERR_FORMAT, &err, "twice"); }
    /* a needed tensor missing */
    RESET(); at = find_bytes(x, n, "blk.1.ssm_out.weight");
    if (at > 0) { x[at + 6] = 'q'; expect("GGUF missing tensor", load_gguf(x, n, &err), MAMBA_ERR_MISSING, &err, "out_proj"); }
    /* metadata that disagrees with the tensors */
    RESET(); at = find_bytes(x, n, "mamba.ssm.inner_size");
    if (at > 0) { x[at + 20 + 4] = 100; expect("GGUF inner size vs tensors", load_gguf(x, n, &err), MAMBA_ERR_SHAPE, &err, NULL); }
#undef RESET
    free(x); free(w); free(p);
}

/* The tokenizer read from GGUF metadata (written from the tokenizer.json files
   by tests/ref/tokenizer_to_gguf.py, as llama.cpp lays it out) must give
   Hugging Face's ids and text on every public golden, like the JSON one. */
static void gguf_tokenizer_goldens(const char *gguf_path, const char *jsonl) {
#ifndef MAMBA_NO_STDIO
    size_t n, gn, off = 0;
    char *gp = path2(shared_dir, jsonl);
    unsigned char *lines = read_all(gp, &n), *g = read_all(gguf_path, &gn);
    mamba_tokenizer *tk = NULL;
    mamba_error err;
    int enc_ok = 0, dec_ok = 0, total = 0;
    CHECK(lines && g, "read %s and %s (make test writes the GGUF)", gp, gguf_path);
    if (lines && g) CHECK(mamba_tokenizer_load_gguf(&tk, g, gn, &err) == MAMBA_OK, "%s: %s", gguf_path, err.message);
    while (tk && off < n && !(quick && total >= 25)) {
        size_t end = off, k, got, tl, dl;
        mamba__json j;
        uint32_t tt, it, dt, q;
        int ids[8192], want[8192], nw = 0;
        char *text, *dec, *out;
        while (end < n && lines[end] != '\n') end++;
        if (end > off && mamba__json_parse(&j, (const char *)lines + off, end - off, 16, 0, NULL, "golden") == MAMBA_OK) {
            tt = mamba__json_get(&j, 0, "text"); it = mamba__json_get(&j, 0, "ids"); dt = mamba__json_get(&j, 0, "decoded");
            if (tt && it && dt && j.tok[it].size < 8192) {
                tl = mamba__json_str(&j, tt, NULL, 0); text = (char *)malloc(tl + 1); mamba__json_str(&j, tt, text, tl + 1);
                dl = mamba__json_str(&j, dt, NULL, 0); dec = (char *)malloc(dl + 1); mamba__json_str(&j, dt, dec, dl + 1);
                for (q = it + 1, k = 0; k < j.tok[it].size; k++, q = j.tok[q].next) { double v; mamba__json_num(&j, q, &v); want[nw++] = (int)v; }
                total++;
                if (mamba_tokenizer_encode(tk, text, tl, ids, 8192, &got) == MAMBA_OK && got == (size_t)nw && !memcmp(ids, want, sizeof(int) * got)) enc_ok++;
                out = (char *)malloc(dl * 2 + 64);
                if (mamba_tokenizer_decode(tk, want, (size_t)nw, 0, out, dl * 2 + 64, &got) == MAMBA_OK && got == dl && !memcmp(out, dec, dl)) dec_ok++;
                free(out); free(text); free(dec);
            }
            mamba__json_free(&j);
        }
        off = end + 1;
    }
    printf("  GGUF tokenizer %s: encode %d/%d, decode %d/%d golden lines exact\n", gguf_path, enc_ok, total, dec_ok, total);
    CHECK(total > (quick ? 20 : 100) && enc_ok == total && dec_ok == total, "%s: encode %d/%d, decode %d/%d", gguf_path, enc_ok, total, dec_ok, total);
    mamba_tokenizer_free(tk);
    free(lines); free(g); free(gp);
#else
    (void)gguf_path; (void)jsonl;
#endif
}

/* ---- the bundled model ---------------------------------------------------- */

#ifndef MAMBA_NO_STDIO
/* A number after "key": in a small JSON file (enough for eval.json). */
static double json_number(const char *text, const char *key) {
    const char *p = strstr(text, key);
    if (!p) return -1;
    p = strchr(p + strlen(key), ':');
    return p ? strtod(p + 1, NULL) : -1;
}
#endif

static void bundled_model(void) {
#ifndef MAMBA_NO_STDIO
    static const char *dir = "models/shakespeare-tiny";
    mamba_model *m = NULL;
    mamba_tokenizer *tk = NULL;
    mamba_state *s = NULL;
    mamba_error err;
    size_t n_eval, n_corpus, n_ids = 0, i;
    unsigned char *eval = read_all("models/shakespeare-tiny/eval.json", &n_eval);
    unsigned char *corpus = read_all("models/tinyshakespeare.txt", &n_corpus);
    int *ids = NULL, V;
    float *logits;
    double want, start, len, nll = 0, bpb;
    CHECK(eval && corpus, "read eval.json and the corpus");
    CHECK(mamba_load_file(&m, dir, NULL, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_tokenizer_load_file(&tk, dir, &err) == MAMBA_OK, "%s", err.message);
    if (!eval || !corpus || !m || !tk) goto done;
    V = mamba_get_config(m)->vocab_size;
    want = json_number((const char *)eval, "\"bits_per_byte\"");
    start = json_number((const char *)eval, "\"slice_start\"");
    len = json_number((const char *)eval, "\"slice_len\"");
    CHECK(want > 0 && start >= 0 && len > 1 && start + len <= (double)n_corpus, "eval.json fields");
    if (!(want > 0 && start >= 0 && len > 1 && start + len <= (double)n_corpus)) goto done;
    /* held-out perplexity through the sequence path, against what training reported */
    if (quick) { printf("  bundled model: held-out perplexity left out (MAMBA_TEST_QUICK)\n"); len = 64; }
    ids = (int *)malloc(sizeof(int) * (size_t)len);
    CHECK(mamba_tokenizer_encode(tk, (const char *)corpus + (size_t)start, (size_t)len, ids, (size_t)len, &n_ids) == MAMBA_OK, "encode");
    logits = (float *)malloc(sizeof(float) * (size_t)V * 64);
    mamba_state_new(&s, m, 64);
    for (i = 0; i + 1 < n_ids; i += 64) {
        size_t T = n_ids - 1 - i < 64 ? n_ids - 1 - i : 64, t;
        mamba_forward(m, s, ids + i, T, logits, MAMBA_LOGITS_ALL);
        for (t = 0; t < T; t++) {
            const float *row = logits + t * (size_t)V;
            double mx = row[0], sum = 0;
            int k;
            for (k = 1; k < V; k++) if (row[k] > mx) mx = row[k];
            for (k = 0; k < V; k++) sum += exp((double)row[k] - mx);
            nll += log(sum) + mx - row[ids[i + t + 1]];
        }
    }
    bpb = nll / log(2.0) / (double)(n_ids - 1);
    CHECK(n_ids == (size_t)len, "byte vocabulary: one token per byte (%zu for %g)", n_ids, len);
    if (!quick) {
        printf("  bundled model: held-out bits/byte %.6f, training reported %.6f\n", bpb, want);
        CHECK(fabs(bpb - want) <= 0.02 * want, "held-out bits/byte %.6f vs %.6f reported by training", bpb, want);
    }
    mamba_state_free(s);
    /* greedy text: the step path and the sequence path agree token for token */
    {
        int gen[160], n_p = 0, k, agree = 1;
        size_t np;
        float *all;
        CHECK(mamba_tokenizer_encode(tk, "ROMEO:", 6, gen, 160, &np) == MAMBA_OK, "encode prompt");
        n_p = (int)np;
        mamba_state_new(&s, m, 16);
        mamba_forward(m, s, gen, np, logits, MAMBA_LOGITS_LAST);
        for (k = n_p; k < 160; k++) { gen[k] = mamba_argmax(logits, V); mamba_step(m, s, gen[k], logits); }
        mamba_state_free(s);
        all = (float *)malloc(sizeof(float) * (size_t)V * 160);
        mamba_state_new(&s, m, 64);
        mamba_forward(m, s, gen, 159, all, MAMBA_LOGITS_ALL);
        for (k = n_p; k < 160; k++) if (mamba_argmax(all + (size_t)(k - 1) * V, V) != gen[k]) agree = 0;
        CHECK(agree, "greedy text differs between the step and sequence paths");
        mamba_state_free(s);
        free(all);
    }
    free(logits);
done:
    free(ids); free(eval); free(corpus);
    mamba_tokenizer_free(tk);
    mamba_free(m);
#endif
}

/* ---- threads: the same bits for any thread count -------------------------- */
static void threads_deterministic(const char *dir, const char *file) {
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    /* a model big enough that the kernels do split their work */
    golden g;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_error err;
    float *a, *b;
    int nt, V;
    CHECK(golden_read(&g, dir), "read golden");
#ifndef MAMBA_NO_STDIO
    {
        char *p = file ? path2(dir, file) : NULL;
        CHECK(mamba_load_file(&m, p ? p : dir, NULL, &err) == MAMBA_OK, "%s", err.message);
        free(p);
    }
#endif
    if (!m) { free(g.logits); return; }
    V = mamba_get_config(m)->vocab_size;
    a = (float *)malloc(sizeof(float) * (size_t)V * g.n_tokens);
    b = (float *)malloc(sizeof(float) * (size_t)V * g.n_tokens);
    for (nt = 1; nt <= 3; nt++) {
        omp_set_num_threads(nt);
        mamba_state_new(&s, m, 8);
        mamba_forward(m, s, g.tokens, (size_t)g.n_tokens, nt == 1 ? a : b, MAMBA_LOGITS_ALL);
        mamba_state_free(s);
        if (nt > 1) CHECK(!memcmp(a, b, sizeof(float) * (size_t)V * g.n_tokens), "%d threads differ from 1", nt);
    }
    printf("  threads 1, 2, 3: identical logits (%s)\n", dir);
    omp_set_num_threads(2);
    free(a); free(b); free(g.logits);
    mamba_free(m);
#else
    (void)dir; (void)file;
#endif
}

/* ---- state API ----------------------------------------------------------- */

static void state_api(const unsigned char *w, size_t wn, const char *cfg, size_t cn) {
    mamba_model *m = NULL;
    mamba_error err;
    mamba_state a, b, snap, *s = NULL;
    const mamba_config *c;
    void *ma, *sa, *mb, *sb, *msnap;
    float l1[256], l2[256];
    int toks[6] = {1, 2, 3, 4, 5, 6};
    size_t ssz, scz;
    CHECK(mamba_load_memory(&m, w, wn, cfg, cn, NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m) return;
    c = mamba_get_config(m);
    ssz = mamba_state_size(c);
    scz = mamba_scratch_size(c, 8);
    /* m1-tiny: 2 layers x 128 x (3 + 16) floats */
    CHECK(ssz == (size_t)2 * 128 * (3 + 16) * 4, "state size %zu", ssz);
    CHECK(scz > 0 && scz < mamba_scratch_size(c, 64), "scratch grows with the chunk");
    ma = malloc(ssz); sa = malloc(scz); mb = malloc(ssz); sb = malloc(scz); msnap = malloc(ssz);
    CHECK(mamba_state_init(&a, c, ma, ssz, sa, scz, 8) == MAMBA_OK, "init a");
    CHECK(mamba_state_init(&b, c, mb, ssz, sb, scz, 8) == MAMBA_OK, "init b");
    CHECK(mamba_state_init(&snap, c, msnap, ssz, NULL, 0, 0) == MAMBA_OK, "init snapshot");
    CHECK(mamba_state_init(&b, c, mb, ssz - 4, sb, scz, 8) == MAMBA_ERR_BADARG, "too small state memory");
    CHECK(mamba_state_init(&b, c, mb, ssz, sb, scz - 1, 8) == MAMBA_ERR_BADARG, "too small scratch");
    CHECK(mamba_state_init(&b, c, mb, ssz, sb, scz, 8) == MAMBA_OK, "init b again");
    CHECK(mamba_step(m, &snap, 1, l1) == MAMBA_ERR_BADARG, "a snapshot cannot run");
    /* branch: a snapshot after 3 tokens, continue two ways, roll back */
    mamba_forward(m, &a, toks, 3, NULL, MAMBA_LOGITS_NONE);
    CHECK(mamba_state_copy(&snap, &a) == MAMBA_OK, "copy to snapshot");
    mamba_step(m, &a, 7, l1);
    CHECK(mamba_state_copy(&b, &snap) == MAMBA_OK, "copy from snapshot");
    mamba_step(m, &b, 7, l2);
    CHECK(!memcmp(l1, l2, sizeof l1), "restored branch gives the same logits");
    mamba_step(m, &b, 9, l2);
    mamba_state_copy(&a, &snap);
    mamba_step(m, &a, 7, l1);
    mamba_step(m, &a, 9, l1);
    CHECK(!memcmp(l1, l2, sizeof l1), "rolled-back state replays identically");
    /* reset gives the fresh-sequence result */
    mamba_state_reset(&a);
    mamba_step(m, &a, 5, l1);
    CHECK(mamba_state_new(&s, m, 1) == MAMBA_OK, "new");
    mamba_step(m, s, 5, l2);
    CHECK(!memcmp(l1, l2, sizeof l1), "reset == new state");
    CHECK(a.n_tokens == 1, "n_tokens after reset");
    /* token ids out of range, bad arguments: clean errors, state untouched */
    {
        int bad[3] = {1, 256, 2};
        uint64_t before = s->n_tokens;
        memcpy(msnap, s->ssm, 64);
        CHECK(mamba_step(m, s, -1, l1) == MAMBA_ERR_RANGE, "token -1");
        CHECK(mamba_step(m, s, 256, l1) == MAMBA_ERR_RANGE, "token == vocab_size");
        CHECK(mamba_step(m, s, 1 << 30, l1) == MAMBA_ERR_RANGE, "huge token");
        CHECK(mamba_forward(m, s, bad, 3, l1, MAMBA_LOGITS_LAST) == MAMBA_ERR_RANGE, "bad token in a sequence");
        CHECK(s->n_tokens == before && !memcmp(msnap, s->ssm, 64), "state unchanged by a rejected call");
        CHECK(mamba_forward(m, s, NULL, 2, l1, MAMBA_LOGITS_LAST) == MAMBA_ERR_BADARG, "NULL tokens");
        CHECK(mamba_forward(m, s, bad, 1, NULL, MAMBA_LOGITS_LAST) == MAMBA_ERR_BADARG, "NULL logits");
        CHECK(mamba_forward(m, s, bad, 0, l1, MAMBA_LOGITS_NONE) == MAMBA_OK, "empty sequence");
        CHECK(mamba_forward(m, s, bad, 1, l1, (mamba_logits_mode)7) == MAMBA_ERR_BADARG, "bad mode");
        CHECK(mamba_step(NULL, s, 1, l1) == MAMBA_ERR_BADARG, "NULL model");
        CHECK(mamba_step(m, NULL, 1, l1) == MAMBA_ERR_BADARG, "NULL state");
    }
    mamba_state_free(s);
    free(ma); free(sa); free(mb); free(sb); free(msnap);
    mamba_free(m);
    CHECK(!strcmp(mamba_status_string(MAMBA_ERR_RANGE), "value out of range"), "status string");
    CHECK(!strcmp(mamba_status_string((mamba_status)999), "unknown status"), "unknown status string");
    CHECK(!strcmp(mamba_version_string(), MAMBA_VERSION_STRING), "version");
}

/* Saved states: round trip continues bit-identically; another shape, every
   truncation, every single-bit flip and other versions fail cleanly and leave
   the state as it was. */
static void state_save(const unsigned char *w, size_t wn, const char *cfg, size_t cn) {
    mamba_model *m = NULL;
    mamba_error err;
    mamba_state a, b, o;
    mamba_config c2;
    const mamba_config *c;
    unsigned char *buf, *bad, *mb_copy;
    void *ma, *sa, *mb, *sb, *mo;
    float l1[256], l2[256];
    int toks[5] = {3, 1, 4, 1, 5};
    size_t ssz, scz, n = 0, n2 = 0, i, refused = 0, flips = 0;
    int ok_all;
    CHECK(mamba_load_memory(&m, w, wn, cfg, cn, NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m) return;
    c = mamba_get_config(m);
    ssz = mamba_state_size(c);
    scz = mamba_scratch_size(c, 4);
    ma = malloc(ssz); sa = malloc(scz); mb = malloc(ssz); sb = malloc(scz); mo = malloc(ssz + 64);
    mamba_state_init(&a, c, ma, ssz, sa, scz, 4);
    mamba_state_init(&b, c, mb, ssz, sb, scz, 4);
    mamba_forward(m, &a, toks, 5, NULL, MAMBA_LOGITS_NONE);
    n = mamba_state_save_size(&a);
    CHECK(n == 64 + ssz, "save size %zu = 64 + %zu", n, ssz);
    buf = (unsigned char *)malloc(n);
    bad = (unsigned char *)malloc(n);
    CHECK(mamba_state_save(&a, buf, n - 1, &n2) == MAMBA_ERR_RANGE && n2 == n, "short buffer: RANGE and the size");
    CHECK(mamba_state_save(&a, NULL, 0, &n2) == MAMBA_ERR_RANGE && n2 == n, "NULL buffer measures");
    CHECK(mamba_state_save(&a, buf, n, &n2) == MAMBA_OK && n2 == n, "save");
    CHECK(!memcmp(buf, "MBST", 4) && buf[4] == MAMBA_STATE_SAVE_VERSION && buf[44] == 5, "header: magic, version, n_tokens");
    /* restore into a fresh state: continues exactly like the original */
    CHECK(mamba_state_load(&b, buf, n) == MAMBA_OK, "load");
    CHECK(b.n_tokens == 5, "n_tokens restored");
    mamba_step(m, &a, 7, l1);
    mamba_step(m, &b, 7, l2);
    CHECK(!memcmp(l1, l2, sizeof l1), "restored state continues bit-identically");
    mamba_step(m, &a, 9, l1);
    mamba_step(m, &b, 9, l2);
    CHECK(!memcmp(l1, l2, sizeof l1) && !memcmp(ma, mb, ssz), "and stays identical");
    /* failures leave b untouched */
    mb_copy = (unsigned char *)malloc(ssz);
    memcpy(mb_copy, mb, ssz);
    ok_all = 1;
    for (i = 0; i < n; i++) {   /* every truncation */
        mamba_status st = mamba_state_load(&b, buf, i);
        if (st == MAMBA_OK || (st != MAMBA_ERR_FORMAT && st != MAMBA_ERR_SHAPE && st != MAMBA_ERR_UNSUPPORTED)) ok_all = 0;
        else refused++;
    }
    CHECK(ok_all && refused == n, "every truncation refused (%zu of %zu)", refused, n);
    ok_all = 1;
    for (i = 0; i < n * 8; i += (i < 64 * 8 ? 1 : 61)) {   /* bit flips: all of the header, a spread over the payload */
        mamba_status st;
        memcpy(bad, buf, n);
        bad[i / 8] ^= (unsigned char)(1u << (i % 8));
        st = mamba_state_load(&b, bad, n);
        if (st == MAMBA_OK) ok_all = 0;
        flips++;
    }
    CHECK(ok_all, "every one of %zu bit flips refused", flips);
    CHECK(!memcmp(mb, mb_copy, ssz) && b.n_tokens == 7, "refused loads left the state as it was");
    memcpy(bad, buf, n);
    bad[4] = 2;
    CHECK(mamba_state_load(&b, bad, n) == MAMBA_ERR_UNSUPPORTED, "other version");
    memcpy(bad, buf, n);
    bad[0] = 'X';
    CHECK(mamba_state_load(&b, bad, n) == MAMBA_ERR_FORMAT, "bad magic");
    CHECK(mamba_state_load(&b, NULL, n) == MAMBA_ERR_BADARG, "NULL buffer");
    /* another model shape: same payload size (d_model differs), and a larger one */
    c2 = *c;
    c2.d_model += 32;
    CHECK(mamba_state_init(&o, &c2, mo, ssz, NULL, 0, 0) == MAMBA_OK, "init other");
    CHECK(mamba_state_load(&o, buf, n) == MAMBA_ERR_SHAPE, "other d_model refused");
    c2 = *c;
    c2.d_state *= 2;
    free(mo);
    mo = malloc(mamba_state_size(&c2));
    CHECK(mamba_state_init(&o, &c2, mo, mamba_state_size(&c2), NULL, 0, 0) == MAMBA_OK, "init bigger");
    CHECK(mamba_state_load(&o, buf, n) == MAMBA_ERR_SHAPE, "other d_state refused");
    c2 = *c;
    c2.arch = MAMBA_ARCH_FALCON_MAMBA;
    CHECK(mamba_state_init(&o, &c2, mo, ssz, NULL, 0, 0) == MAMBA_OK, "init falcon");
    CHECK(mamba_state_load(&o, buf, n) == MAMBA_ERR_SHAPE, "other arch refused");
    free(buf); free(bad); free(mb_copy);
    free(ma); free(sa); free(mb); free(sb); free(mo);
    mamba_free(m);
}

/* Loads from a caller's arena: the measured peak is exactly enough, one byte
   less fails cleanly and gives the arena back, the model computes the same
   bits; model and tokenizer can share one arena; max_alloc_bytes is enforced. */
static void arena_loads(const unsigned char *w, size_t wn, const char *cfg, size_t cn) {
    mamba_model *m = NULL, *ma = NULL;
    mamba_tokenizer *tok = NULL, *tok2 = NULL;
    mamba_error err;
    mamba_options o;
    mamba_arena ar, meas;
    mamba_state *s1 = NULL, *s2 = NULL;
    unsigned char *mem, *g;
    float l1[256], l2[256];
    int ids1[64], ids2[64];
    size_t need, gn, n1 = 0, n2 = 0;
    char *gp = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf");
    static const char text[] = "Hello, world! <|endoftext|> caf\xc3\xa9";
    memset(&o, 0, sizeof o);
    memset(&meas, 0, sizeof meas);
    o.arena = &meas;   /* base NULL: measure */
    CHECK(mamba_load_memory(&m, w, wn, cfg, cn, &o, &err) == MAMBA_OK, "measuring load: %s", err.message);
    need = meas.peak;
    CHECK(need > 0 && meas.used > 0 && meas.used <= need, "measured %zu bytes (used %zu)", need, meas.used);
    mem = (unsigned char *)malloc(need + 64);
    memset(&ar, 0, sizeof ar);
    ar.base = mem + 16; ar.size = need - 1;   /* 16-byte aligned base: the measure assumed that */
    o.arena = &ar;
    CHECK(mamba_load_memory(&ma, w, wn, cfg, cn, &o, &err) == MAMBA_ERR_NOMEM && !ma, "arena one byte short: %s", err.message);
    CHECK(ar.used == 0, "a failed load leaves the arena as it was (%zu)", ar.used);
    ar.size = need;
    CHECK(mamba_load_memory(&ma, w, wn, cfg, cn, &o, &err) == MAMBA_OK, "arena of the measured size: %s", err.message);
    CHECK(ar.used == meas.used && ar.peak == need, "arena used %zu/%zu, measured %zu/%zu", ar.used, ar.peak, meas.used, need);
    if (m && ma) {
        int toks[4] = {9, 200, 31, 7};
        mamba_state_new(&s1, m, 4);
        mamba_state_new(&s2, ma, 4);
        mamba_forward(m, s1, toks, 4, l1, MAMBA_LOGITS_LAST);
        mamba_forward(ma, s2, toks, 4, l2, MAMBA_LOGITS_LAST);
        CHECK(!memcmp(l1, l2, sizeof l1), "arena model gives the same logits");
        mamba_state_free(s1); mamba_state_free(s2);
    }
    mamba_free(ma);   /* frees nothing: the arena is the caller's */
    mamba_free(m);
    free(mem);
    /* GGUF model + its tokenizer in one arena */
    g = read_all(gp, &gn);
    CHECK(g != NULL, "read %s", gp);
    if (g) {
        memset(&meas, 0, sizeof meas);
        o.arena = &meas;
        CHECK(mamba_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "GGUF measure: %s", err.message);
        CHECK(mamba_tokenizer_load_gguf_ex(&tok, g, gn, &o, &err) == MAMBA_OK, "GGUF tokenizer measure: %s", err.message);
        need = meas.peak;
        mem = (unsigned char *)malloc(need + 16);
        memset(&ar, 0, sizeof ar);
        ar.base = mem; ar.size = need;
        o.arena = &ar;
        CHECK(mamba_load_memory(&ma, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "GGUF in arena: %s", err.message);
        CHECK(mamba_tokenizer_load_gguf_ex(&tok2, g, gn, &o, &err) == MAMBA_OK, "GGUF tokenizer in arena: %s", err.message);
        CHECK(ar.peak == need, "shared arena peak %zu, measured %zu", ar.peak, need);
        if (tok && tok2) {
            mamba_arena work;
            unsigned char wmem[8192];
            CHECK(mamba_tokenizer_encode(tok, text, sizeof text - 1, ids1, 64, &n1) == MAMBA_OK, "encode");
            memset(&work, 0, sizeof work);
            work.base = wmem; work.size = sizeof wmem;
            CHECK(mamba_tokenizer_encode_ex(tok2, text, sizeof text - 1, ids2, 64, &n2, &work) == MAMBA_OK, "encode_ex");
            CHECK(n1 == n2 && n1 > 0 && !memcmp(ids1, ids2, n1 * sizeof(int)), "arena tokenizer encodes the same ids");
            CHECK(work.used == 0 && work.peak > 0 && work.peak <= sizeof wmem, "encode work memory given back (peak %zu)", work.peak);
            work.size = 16;
            CHECK(mamba_tokenizer_encode_ex(tok2, text, sizeof text - 1, ids2, 64, &n2, &work) == MAMBA_ERR_NOMEM, "encode_ex, tiny arena");
            CHECK(work.used == 0, "and the arena is given back");
        }
        mamba_tokenizer_free(tok2); mamba_tokenizer_free(tok);
        mamba_free(ma); mamba_free(m);
        free(mem);
        tok = NULL;
        /* the cap on what one load allocates */
        memset(&o, 0, sizeof o);
        o.max_alloc_bytes = 1000;
        CHECK(mamba_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_ERR_LIMIT && !m && strstr(err.message, "max_alloc_bytes"),
              "max_alloc_bytes on a model: %s", err.message);
        CHECK(mamba_tokenizer_load_gguf_ex(&tok, g, gn, &o, &err) == MAMBA_ERR_LIMIT && !tok, "max_alloc_bytes on a tokenizer: %s", err.message);
        CHECK(mamba_load_memory(&m, w, wn, cfg, cn, &o, &err) == MAMBA_ERR_LIMIT && !m, "max_alloc_bytes on safetensors: %s", err.message);
        o.max_alloc_bytes = (size_t)64 << 20;
        CHECK(mamba_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "a generous cap: %s", err.message);
        mamba_free(m);
    }
    free(g);
    free(gp);
}

/* ---- bad input ------------------------------------------------------------ */

/* Rebuilds a safetensors file with `from` replaced by `to` (first match) in its
   header; the data section is kept. Returns a malloc'd buffer. */
static unsigned char *st_edit(const unsigned char *w, size_t wn, const char *from, const char *to, size_t *out_n) {
    uint64_t hl = 0;
    int b;
    char *hdr, *pos;
    size_t nh, fl = strlen(from), tl = strlen(to), rest;
    unsigned char *out;
    for (b = 7; b >= 0; b--) hl = hl << 8 | w[b];
    hdr = (char *)malloc((size_t)hl + 1);
    memcpy(hdr, w + 8, (size_t)hl);
    hdr[hl] = 0;
    pos = strstr(hdr, from);
    if (!pos) { printf("st_edit: '%s' not found\n", from); free(hdr); *out_n = 0; return NULL; }
    nh = (size_t)hl - fl + tl;
    rest = wn - 8 - (size_t)hl;
    out = (unsigned char *)malloc(8 + nh + rest);
    for (b = 0; b < 8; b++) out[b] = (unsigned char)((uint64_t)nh >> (8 * b));
    memcpy(out + 8, hdr, (size_t)(pos - hdr));
    memcpy(out + 8 + (pos - hdr), to, tl);
    memcpy(out + 8 + (pos - hdr) + tl, pos + fl, (size_t)hl - (size_t)(pos - hdr) - fl);
    memcpy(out + 8 + nh, w + 8 + hl, rest);
    free(hdr);
    *out_n = 8 + nh + rest;
    return out;
}

static mamba_status load_mem(const unsigned char *w, size_t wn, const char *cfg, mamba_error *err) {
    mamba_model *m = (mamba_model *)(uintptr_t)1;   /* must be reset to NULL on failure */
    mamba_status st = mamba_load_memory(&m, w, wn, cfg, strlen(cfg), NULL, err);
    if (st == MAMBA_OK) mamba_free(m);
    else CHECK(m == NULL, "*out not NULL after a failed load");
    return st;
}

/* Expects status `want` and a message containing `needle`. */
static void expect(const char *what, mamba_status got, mamba_status want, const mamba_error *err, const char *needle) {
    CHECK(got == want, "%s: got %s (%s), want %s", what, mamba_status_string(got), err->message, mamba_status_string(want));
    if (got == want && needle) CHECK(strstr(err->message, needle) != NULL, "%s: message '%s' lacks '%s'", what, err->message, needle);
}

static void bad_weights(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_error err;
    size_t n, cut[] = {0, 4, 7, 8, 100, 2199, 2200, 1000, 200000};
    unsigned char *x, *y;
    int i;
    /* truncated at many points: header, JSON, data */
    for (i = 0; i < (int)(sizeof cut / sizeof cut[0]); i++) {
        char what[64];
        sprintf(what, "truncated at %zu", cut[i]);
        expect(what, load_mem(w, cut[i], cfg, &err), MAMBA_ERR_FORMAT, &err, NULL);
    }
    expect("truncated by one byte", load_mem(w, wn - 1, cfg, &err), MAMBA_ERR_FORMAT, &err, "outside");
    /* header length past the end */
    x = (unsigned char *)malloc(wn);
    memcpy(x, w, wn);
    x[5] = 0x7f;
    expect("header length past end", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, "past the end");
    memset(x, 0xff, 8);
    expect("header length 2^64-1", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, "past the end");
    /* malformed JSON header */
    memcpy(x, w, wn);
    x[8 + 15] = ',';   /* '{"__metadata__":' -> '{"__metadata__",' */
    expect("malformed header JSON", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, "weights");
    memcpy(x, w, wn);
    x[8] = '[';
    expect("header not an object", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL);
    free(x);
#define EDIT(from, to) (y = st_edit(w, wn, from, to, &n))
    /* unknown dtype, unsupported dtype, wrong dtype size */
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\"", "\"backbone.norm_f.weight\":{\"dtype\":\"Q9\"");
    expect("unknown dtype", load_mem(y, n, cfg, &err), MAMBA_ERR_UNSUPPORTED, &err, "unknown dtype 'Q9'"); free(y);
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\",\"shape\":[64]", "\"backbone.norm_f.weight\":{\"dtype\":\"I32\",\"shape\":[64]");
    expect("unsupported dtype I32", load_mem(y, n, cfg, &err), MAMBA_ERR_UNSUPPORTED, &err, "backbone.norm_f.weight has dtype I32"); free(y);
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\"", "\"backbone.norm_f.weight\":{\"dtype\":\"F16\"");
    expect("dtype size vs offsets", load_mem(y, n, cfg, &err), MAMBA_ERR_SHAPE, &err, "backbone.norm_f.weight"); free(y);
    /* tensor missing */
    EDIT("\"backbone.layers.1.mixer.D\"", "\"backbone.layers.1.mixer.Q\"");
    expect("tensor missing", load_mem(y, n, cfg, &err), MAMBA_ERR_MISSING, &err, "backbone.layers.1.mixer.D"); free(y);
    EDIT("\"backbone.embeddings.weight\"", "\"backbone.embeddingz.weight\"");
    expect("embedding missing", load_mem(y, n, cfg, &err), MAMBA_ERR_MISSING, &err, "embedding"); free(y);
    /* duplicate name */
    EDIT("\"backbone.layers.1.mixer.D\"", "\"backbone.layers.0.mixer.D\"");
    expect("duplicate tensor", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "twice"); free(y);
    /* wrong shape (same byte size, so only the shape check can catch it) */
    EDIT("\"shape\":[128,16]", "\"shape\":[16,128]");
    expect("wrong shape", load_mem(y, n, cfg, &err), MAMBA_ERR_SHAPE, &err, "expected [128, 16]"); free(y);
    EDIT("\"shape\":[256,64]", "\"shape\":[64,256]");
    expect("wrong embedding shape", load_mem(y, n, cfg, &err), MAMBA_ERR_SHAPE, &err, "embeddings"); free(y);
    /* offsets outside the file, reversed, overlapping, absurd */
    EDIT("[327168,327424]", "[327168,999999999]");
    expect("offsets outside", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "outside"); free(y);
    EDIT("[327168,327424]", "[327424,327168]");
    expect("offsets reversed", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("[327168,327424]", "[326912,327168]");
    expect("offsets overlap", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "overlap"); free(y);
    EDIT("[327168,327424]", "[-256,0]");
    expect("negative offset", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("[327168,327424]", "[1e300,1e301]");
    expect("huge offsets", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"data_offsets\":[327168,327424]", "\"data_offsets\":[327168]");
    expect("one offset", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    /* shapes whose byte size overflows, and absurd ranks */
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[1099511627776,1099511627776],\"data_offsets\":[327168");
    expect("shape overflow", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "overflow"); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[327168");
    expect("shape overflow 3d", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[1,1,1,1,1,1,1,1,1,64],\"data_offsets\":[327168");
    expect("too many dims", load_mem(y, n, cfg, &err), MAMBA_ERR_UNSUPPORTED, &err, NULL); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[-64],\"data_offsets\":[327168");
    expect("negative dim", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[6.5],\"data_offsets\":[327168");
    expect("fractional dim", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\",", "\"backbone.norm_f.weight\":{");
    expect("no dtype", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"backbone.norm_f.weight\":{", "\"backbone.norm_f.weight\":7,\"x\":{");
    expect("entry not an object", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
#undef EDIT
}

static void bad_json_and_config(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_error err;
    char *deep, buf[4096];
    int i;
    static const struct { const char *from, *to; mamba_status want; const char *needle; } cases[] = {
        {"\"hidden_size\": 64", "\"hidden_size\": 0", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": -5", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": 1e12", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": 64.5", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": \"64\"", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": 65", MAMBA_ERR_SHAPE, "expected"},
        {"\"hidden_size\": 64", "\"hidden_size\": 1048576", MAMBA_ERR_SHAPE, NULL},
        {"\"hidden_size\": 64", "\"hidden_sizes\": 64", MAMBA_ERR_CONFIG, "hidden_size is missing"},
        {"\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3", MAMBA_ERR_MISSING, "backbone.layers.2"},
        {"\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0", MAMBA_ERR_CONFIG, "num_hidden_layers"},
        {"\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000", MAMBA_ERR_CONFIG, "num_hidden_layers"},
        {"\"state_size\": 16", "\"state_size\": 0", MAMBA_ERR_CONFIG, "state_size"},
        {"\"state_size\": 16", "\"state_size\": 17", MAMBA_ERR_SHAPE, NULL},
        {"\"conv_kernel\": 4", "\"conv_kernel\": -1", MAMBA_ERR_CONFIG, "conv_kernel"},
        {"\"conv_kernel\": 4", "\"conv_kernel\": 1000", MAMBA_ERR_CONFIG, "conv_kernel"},
        {"\"vocab_size\": 256", "\"vocab_size\": 0", MAMBA_ERR_CONFIG, "vocab_size"},
        {"\"vocab_size\": 256", "\"vocab_size\": 257", MAMBA_ERR_SHAPE, "embeddings"},
        {"\"vocab_size\": 256", "\"vocab_size\": 99999999999", MAMBA_ERR_CONFIG, "vocab_size"},
        {"\"intermediate_size\": 128", "\"intermediate_size\": 4000000", MAMBA_ERR_CONFIG, "intermediate_size"},
        {"\"time_step_rank\": 4", "\"time_step_rank\": \"bogus\"", MAMBA_ERR_CONFIG, "time_step_rank"},
        {"\"time_step_rank\": 4", "\"time_step_rank\": 0", MAMBA_ERR_CONFIG, "time_step_rank"},
        {"\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": -1", MAMBA_ERR_CONFIG, "layer_norm_epsilon"},
        {"\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": NaN", MAMBA_ERR_CONFIG, "layer_norm_epsilon"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"llama\"", MAMBA_ERR_UNSUPPORTED, "llama"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"mamba3\"", MAMBA_ERR_UNSUPPORTED, "mamba3"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"mamba2\"", MAMBA_ERR_CONFIG, "n_groups"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"mamba2\", \"n_groups\": 1", MAMBA_ERR_SHAPE, "expected [290, 64]"},
        {"\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false", MAMBA_ERR_MISSING, "lm_head"},
        {"\"use_bias\": false", "\"use_bias\": fals", MAMBA_ERR_FORMAT, "config.json"},
        {"\"vocab_size\": 256\n}", "\"vocab_size\": 256\n", MAMBA_ERR_FORMAT, "truncated"},
        {"\"vocab_size\": 256\n}", "\"vocab_size\": 256\n}}", MAMBA_ERR_FORMAT, "config.json"},
        {"{", "[", MAMBA_ERR_FORMAT, NULL},
        {"\"bos_token_id\": 0", "\"bos_token_id\": 0,", MAMBA_ERR_FORMAT, NULL},
        {"\"bos_token_id\": 0", "\"bos_token_id\": \"\\x\"", MAMBA_ERR_FORMAT, "escape"},
    };
    for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        const char *pos = strstr(cfg, cases[i].from);
        char what[160];
        CHECK(pos != NULL, "config case %d: '%s' not in config", i, cases[i].from);
        if (!pos) continue;
        sprintf(buf, "%.*s%s%s", (int)(pos - cfg), cfg, cases[i].to, pos + strlen(cases[i].from));
        sprintf(what, "config %s", cases[i].to);
        expect(what, load_mem(w, wn, buf, &err), cases[i].want, &err, cases[i].needle);
    }
    /* the Infinity/NaN literals Python writes are accepted where a number is free-form */
    {
        const char *pos = strstr(cfg, "\"time_step_floor\": 0.0001");
        CHECK(pos != NULL, "time_step_floor in config");
        if (pos) {
            sprintf(buf, "%.*s%s%s", (int)(pos - cfg), cfg, "\"time_step_floor\": -Infinity, \"x\": [0.0, Infinity, NaN]", pos + strlen("\"time_step_floor\": 0.0001"));
            expect("Infinity literals", load_mem(w, wn, buf, &err), MAMBA_OK, &err, NULL);
        }
    }
    /* JSON nested absurdly deep: a clean limit, no stack overflow */
    deep = (char *)malloc(2000020);
    strcpy(deep, "{\"a\":");
    for (i = 0; i < 1000000; i++) deep[5 + i] = '[';
    for (i = 0; i < 1000000; i++) deep[1000005 + i] = ']';
    strcpy(deep + 2000005, "}");
    expect("deep JSON config", load_mem(w, wn, deep, &err), MAMBA_ERR_LIMIT, &err, "deeper");
    free(deep);
    expect("empty config", load_mem(w, wn, "", &err), MAMBA_ERR_FORMAT, &err, NULL);
    expect("config not an object", load_mem(w, wn, "42", &err), MAMBA_ERR_CONFIG, &err, NULL);
    expect("config control char", load_mem(w, wn, "{\"a\":\"\x01\"}", &err), MAMBA_ERR_FORMAT, &err, "control");
    expect("config lone surrogate ok", load_mem(w, wn, "{\"a\":\"\\ud800\"}", &err), MAMBA_ERR_CONFIG, &err, "model_type is missing");
    {
        mamba_model *m = NULL;
        CHECK(mamba_load_memory(NULL, w, wn, cfg, strlen(cfg), NULL, &err) == MAMBA_ERR_BADARG, "NULL out");
        CHECK(mamba_load_memory(&m, NULL, 0, cfg, strlen(cfg), NULL, NULL) == MAMBA_ERR_BADARG, "NULL weights, NULL err");
        CHECK(mamba_load_memory(&m, w, wn, NULL, 0, NULL, &err) == MAMBA_ERR_BADARG, "NULL config");
    }
    {   /* caller limits */
        mamba_options o;
        mamba_model *m = NULL;
        memset(&o, 0, sizeof o);
        o.max_header_bytes = 1000;
        CHECK(mamba_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_ERR_LIMIT, "header limit: %s", err.message);
        o.max_header_bytes = 0;
        o.max_tensors = 5;
        CHECK(mamba_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_ERR_LIMIT, "tensor limit: %s", err.message);
        o.max_tensors = 0;
        o.max_json_depth = 1;
        CHECK(mamba_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_ERR_LIMIT, "depth limit: %s", err.message);
        CHECK(m == NULL, "no model after limit errors");
    }
}

#ifndef MAMBA_NO_STDIO
static void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f) { fwrite(data, 1, n, f); fclose(f); }
}

static void bad_files(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_model *m = NULL;
    mamba_error err;
    char idx[512];
    expect("missing directory", mamba_load_file(&m, "build/no/such/model", NULL, &err), MAMBA_ERR_IO, &err, "build/no/such/model/config.json");
    expect("missing file", mamba_load_file(&m, "build/no/such.safetensors", NULL, &err), MAMBA_ERR_IO, &err, "config.json");
    expect("empty path", mamba_load_file(&m, "", NULL, &err), MAMBA_ERR_BADARG, &err, NULL);
    /* a directory with a config but no weights (left over from an earlier run?) */
    remove("build/tmp/bad1/model.safetensors");
    remove("build/tmp/bad1/model.safetensors.index.json");
    write_file("build/tmp/bad1/config.json", cfg, strlen(cfg));
    expect("missing weights", mamba_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_IO, &err, "model.safetensors");
    /* truncated weights file on disk */
    write_file("build/tmp/bad1/model.safetensors", w, wn / 2);
    expect("truncated file", mamba_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_FORMAT, &err, "build/tmp/bad1/model.safetensors");
    write_file("build/tmp/bad1/model.safetensors", w, 0);
    expect("empty file", mamba_load_file(&m, "build/tmp/bad1/model.safetensors", NULL, &err), MAMBA_ERR_FORMAT, &err, "too short");
    write_file("build/tmp/bad1/model.safetensors", w, wn);
    CHECK(mamba_load_file(&m, "build/tmp/bad1/model.safetensors", NULL, &err) == MAMBA_OK, "a .safetensors path: %s", err.message);
    mamba_free(m);
    m = NULL;
    /* index files: path traversal, missing shard, no weight_map */
    sprintf(idx, "{\"weight_map\": {\"backbone.norm_f.weight\": \"../../etc/passwd\"}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    expect("shard path traversal", mamba_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_FORMAT, &err, "shard file name");
    sprintf(idx, "{\"weight_map\": {\"backbone.norm_f.weight\": \"nope.safetensors\"}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    expect("missing shard", mamba_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_IO, &err, "nope.safetensors");
    sprintf(idx, "{\"metadata\": {}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    expect("no weight_map", mamba_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_FORMAT, &err, "weight_map");
    sprintf(idx, "{\"weight_map\": {\"a\": \"model.safetensors\", \"b\": \"model.safetensors\"}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    CHECK(mamba_load_file(&m, "build/tmp/bad1", NULL, &err) == MAMBA_OK, "index naming one shard twice: %s", err.message);
    mamba_free(m);
    remove("build/tmp/bad1/model.safetensors.index.json");
}
#endif

/* ---- GGUF writer ------------------------------------------------------------ */

typedef struct membuf { unsigned char *p; size_t n, cap; } membuf;

static int membuf_put(void *user, const void *bytes, size_t n) {
    membuf *b = (membuf *)user;
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2 + 4096;
        unsigned char *q = (unsigned char *)realloc(b->p, cap);
        if (!q) return 1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, bytes, n);
    b->n += n;
    return 0;
}

/* The model as a GGUF of `type`, in memory (NULL and *st set on failure). */
static unsigned char *gguf_bytes(const mamba_model *m, const mamba_tokenizer *tok, mamba_dtype type, int pure, size_t *n,
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

/* A golden directory's model: from the file system, or (MAMBA_NO_STDIO) from
   memory when it is one safetensors file; NULL to skip. *keep holds the bytes. */
static mamba_model *load_dir_model(const char *dir, unsigned char **keep) {
    mamba_model *m = NULL;
    mamba_error err;
    *keep = NULL;
#ifndef MAMBA_NO_STDIO
    CHECK(mamba_load_file(&m, dir, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
#else
    {
        char *wp = path2(dir, "model.safetensors"), *cp = path2(dir, "config.json");
        size_t wn, cn;
        unsigned char *w = read_all(wp, &wn), *cfg = read_all(cp, &cn);
        if (w && cfg) CHECK(mamba_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
        if (m) *keep = w; else free(w);
        free(cfg); free(wp); free(cp);
    }
#endif
    return m;
}

/* Logits of every token, one step at a time, first V of each row. */
static float *step_logits(const mamba_model *m, const golden *g, int V) {
    int Vm = mamba_get_config(m)->vocab_size, i;
    float *row = (float *)malloc(sizeof(float) * (size_t)Vm), *all = (float *)malloc(sizeof(float) * (size_t)V * (size_t)g->n_tokens);
    mamba_state *s = NULL;
    CHECK(mamba_state_new(&s, m, 4) == MAMBA_OK, "state");
    for (i = 0; s && i < g->n_tokens; i++) {
        CHECK(mamba_step(m, s, g->tokens[i], row) == MAMBA_OK, "step");
        memcpy(all + (size_t)i * V, row, sizeof(float) * (size_t)V);
    }
    mamba_state_free(s);
    free(row);
    return all;
}

/* Every weight matrix of a model, for comparing two loads of one model. */
static int model_mats(const mamba_model *m, const mamba__mat **out) {
    int n = 0, l;
    out[n++] = &m->embed;
    if (!m->cfg.tied_embeddings) out[n++] = &m->lm_head;
    for (l = 0; l < m->cfg.n_layer; l++) {
        out[n++] = &m->layers[l].in_proj;
        out[n++] = &m->layers[l].out_proj;
        if (m->cfg.arch != MAMBA_ARCH_MAMBA2) { out[n++] = &m->layers[l].x_proj; out[n++] = &m->layers[l].dt_proj; }
    }
    return n;
}

static float mat_elem(const mamba__mat *W, size_t r, size_t c) {
    const unsigned char *row = (const unsigned char *)W->data + r * mamba__row_bytes(W->dtype, (size_t)W->cols);
    if (mamba__is_quant(W->dtype)) {
        float blk[32];
        mamba__dequant_block(row + c / 32 * mamba__block_bytes(W->dtype), W->dtype, blk);
        return blk[c % 32];
    }
    return mamba__load_elem(row, W->dtype, c);
}

/* 1 if half/bf16 `h` is a nearest representable value to x (neighbours h-1, h+1). */
static int nearest16(float x, uint16_t h, int bf) {
    float v = bf ? mamba__bf16_f32(h) : mamba__f16_f32(h);
    double d = fabs((double)v - x);
    int k;
    for (k = -1; k <= 1; k += 2) {
        uint16_t nb = (uint16_t)(h + k);
        float w;
        if ((nb & 0x7fff) == 0x7fff || (h & 0x7fff) == 0 || ((nb ^ h) & 0x8000)) continue;
        w = bf ? mamba__bf16_f32(nb) : mamba__f16_f32(nb);
        if (w != w || fabs((double)w - x) < d) return 0;
    }
    return 1;
}

/* safetensors -> GGUF -> load, for one golden: F32 gives the same logits bit
   for bit; F16/BF16 store the nearest values; Q8_0/Q4_0 blocks decode to
   within their step and re-writing them reproduces the file. */
static void writer_roundtrip(const char *dir) {
    unsigned char *keep, *f32 = NULL, *q = NULL, *q2 = NULL;
    mamba_model *a = load_dir_model(dir, &keep), *b = NULL;
    mamba_error err;
    mamba_status st;
    golden g;
    size_t n, n2;
    int t, identical_src = 1, i;
    const mamba__mat *ma[64], *mb[64];
    if (!a) { free(keep); return; }
    CHECK(golden_read(&g, dir), "%s: golden", dir);
    f32 = gguf_bytes(a, NULL, MAMBA_DTYPE_F32, 0, &n, &st, &err);
    if (strstr(dir, "m2-g2-untied")) {   /* time_step_limit [0.001, 0.2]: GGUF has no key for it */
        expect("writer: Mamba-2 with a dt limit", st, MAMBA_ERR_UNSUPPORTED, &err, "dt limit");
        mamba_free(a); free(keep); free(g.logits);
        return;
    }
    CHECK(st == MAMBA_OK, "%s: write F32: %s", dir, err.message);
    if (f32) CHECK(mamba_load_memory(&b, f32, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: reload F32 GGUF: %s", dir, err.message);
    if (b) {
        int V = g.vocab;
        float *la = step_logits(a, &g, V), *lb = step_logits(b, &g, V);
        double ratio, e = test_max_err(lb, g.logits, (size_t)V * g.n_tokens, 1e-4, 1e-3, &ratio);
        int na = model_mats(a, ma);
        for (i = 0; i < na; i++) if (ma[i]->dtype != MAMBA_DTYPE_F32) identical_src = 0;
        CHECK(ratio <= 1.0, "%s via GGUF F32: max err %.3g (%.3g x tolerance)", dir, e, ratio);
        /* widened weights in F32 kernels vs F16/BF16 kernels may round
           differently; an all-F32 model must give the very same bits */
        if (identical_src) CHECK(!memcmp(la, lb, sizeof(float) * (size_t)V * g.n_tokens), "%s: GGUF F32 logits differ from the safetensors ones", dir);
        printf("  %-38s GGUF F32 round trip: %s (golden err %.3g x tol)\n", dir,
               !memcmp(la, lb, sizeof(float) * (size_t)V * g.n_tokens) ? "bit-identical logits" : "logits within tolerance", ratio);
        free(la); free(lb);
        mamba_free(b); b = NULL;
    }
    free(f32);
    for (t = 0; t < 4; t++) {   /* F16, BF16, Q8_0, Q4_0 */
        static const mamba_dtype types[4] = {MAMBA_DTYPE_F16, MAMBA_DTYPE_BF16, MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0};
        size_t bad = 0, total = 0;
        int k, nm;
        q = gguf_bytes(a, NULL, types[t], 1, &n, &st, &err);
        CHECK(st == MAMBA_OK, "%s: write type %d: %s", dir, (int)types[t], err.message);
        if (q) CHECK(mamba_load_memory(&b, q, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: reload type %d: %s", dir, (int)types[t], err.message);
        if (!b) { free(q); continue; }
        nm = model_mats(a, ma);
        CHECK(model_mats(b, mb) == nm, "%s: matrices", dir);
        for (k = 0; k < nm; k++) {
            const mamba__mat *A = ma[k], *B = mb[k];
            size_t r, c, rows = (size_t)(A->rows < B->rows ? A->rows : B->rows);
            int want = mamba__is_quant(types[t]) && A->cols % 32 ? MAMBA_DTYPE_F16 : (int)types[t];
            CHECK(B->dtype == want, "%s: matrix %d is dtype %d, want %d", dir, k, B->dtype, want);
            for (r = 0; r < rows; r++)
                for (c = 0; c < (size_t)A->cols; c++) {
                    float x = mat_elem(A, r, c);
                    total++;
                    if (B->dtype == MAMBA_DTYPE_F16 || B->dtype == MAMBA_DTYPE_BF16) {
                        uint16_t h;
                        memcpy(&h, (const unsigned char *)B->data + (r * (size_t)A->cols + c) * 2, 2);
                        if (!nearest16(x, h, B->dtype == MAMBA_DTYPE_BF16)) bad++;
                    } else {   /* within half a step (Q8_0), one step (Q4_0: the far end clamps to +7) */
                        const unsigned char *blk = (const unsigned char *)B->data + r * mamba__row_bytes(B->dtype, (size_t)A->cols) + c / 32 * mamba__block_bytes(B->dtype);
                        uint16_t hd;
                        double d, lim;
                        memcpy(&hd, blk, 2);
                        d = fabs((double)mamba__f16_f32(hd));
                        /* rounding to the step (Q8_0: half a step; Q4_0: one, as the far end
                           clamps to +7) plus |q| times the f16 rounding of the scale */
                        lim = B->dtype == MAMBA_DTYPE_Q8_0 ? (0.5 + 127.0 / 2048) * d * 1.001 + 127 * 3e-8
                                                           : (1.0 + 8.0 / 2048) * d * 1.001 + 8 * 3e-8;
                        if (fabs((double)mat_elem(B, r, c) - x) > lim) bad++;
                    }
                }
        }
        CHECK(bad == 0 && total > 0, "%s type %d: %zu of %zu values not the nearest / outside the step", dir, (int)types[t], bad, total);
        /* what was read back is written back the same */
        q2 = gguf_bytes(b, NULL, types[t], 1, &n2, &st, &err);
        CHECK(q2 && n2 == n && !memcmp(q, q2, n), "%s type %d: re-writing the read-back model changes the file", dir, (int)types[t]);
        free(q2);
        mamba_free(b); b = NULL;
        free(q);
    }
    mamba_free(a);
    free(keep);
    free(g.logits);
}

/* llama.cpp's own m1-tiny files: our writer reproduces the F32 file byte for
   byte from itself, its tensors from the safetensors model, and
   llama-quantize's Q8_0 tensors (types, F16 fallback, blocks) exactly. */
static int same_tensors(const char *what, const unsigned char *x, size_t xn, const unsigned char *y, size_t yn) {
    mamba__tensors tx, ty;
    mamba__gguf gx, gy;
    mamba__heap hp;
    size_t i, k, diff = 0;
    mamba__heap_plain(&hp);
    memset(&tx, 0, sizeof tx); memset(&ty, 0, sizeof ty);
    tx.hp = ty.hp = &hp;
    CHECK(mamba__gguf_read(&tx, &gx, x, xn, "ours", NULL, NULL) == MAMBA_OK && mamba__gguf_read(&ty, &gy, y, yn, "llama.cpp", NULL, NULL) == MAMBA_OK, "%s: parse", what);
    CHECK(tx.n == ty.n && tx.n > 0, "%s: %zu tensors vs %zu", what, tx.n, ty.n);
    for (i = 0; i < tx.n; i++) {
        const mamba__tensor *a = &tx.t[i], *b = NULL;
        for (k = 0; k < ty.n; k++) if (!strcmp(ty.t[k].name, a->name)) b = &ty.t[k];
        if (!b || a->dtype != b->dtype || a->ndim != b->ndim || a->nbytes != b->nbytes || memcmp(a->data, b->data, a->nbytes) ||
            memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim)) {
            diff++;
            printf("    %s: tensor %s differs\n", what, a->name);
        }
    }
    CHECK(diff == 0, "%s: %zu tensors differ", what, diff);
    if (gx.kv) mamba__hfree(&hp, gx.kv);
    if (gy.kv) mamba__hfree(&hp, gy.kv);
    mamba__tensors_free(&tx); mamba__tensors_free(&ty);
    return diff == 0;
}

static int fail_after_100(void *user, const void *bytes, size_t n) {
    size_t *left = (size_t *)user;
    (void)bytes;
    if (n > *left) return 1;
    *left -= n;
    return 0;
}

static void writer_llama_files(void) {
    char *dir = path2(shared_dir, "reference/m1-tiny"), *fp = path2(dir, "m1-tiny-F32.gguf"), *qp = path2(dir, "m1-tiny-Q8_0.gguf");
    char *wp = path2(dir, "model.safetensors"), *cp = path2(dir, "config.json");
    size_t fn, qn, wn, cn, n;
    unsigned char *f = read_all(fp, &fn), *q = read_all(qp, &qn), *w = read_all(wp, &wn), *cfg = read_all(cp, &cn), *out;
    mamba_model *m = NULL;
    mamba_tokenizer *tok = NULL;
    mamba_error err;
    mamba_status st;
    CHECK(f && q && w && cfg, "read m1-tiny files");
    if (!(f && q && w && cfg)) goto done;
    CHECK(mamba_load_memory(&m, f, fn, NULL, 0, NULL, &err) == MAMBA_OK, "m1-tiny F32 GGUF: %s", err.message);
    CHECK(mamba_tokenizer_load_gguf(&tok, f, fn, &err) == MAMBA_OK, "m1-tiny GGUF tokenizer: %s", err.message);
    out = gguf_bytes(m, tok, MAMBA_DTYPE_F32, 0, &n, &st, &err);
    CHECK(out && n == fn && !memcmp(out, f, fn), "re-writing llama.cpp's m1-tiny-F32.gguf: %zu bytes, want the same %zu", n, fn);
    if (out && n == fn && !memcmp(out, f, fn)) printf("  writer: llama.cpp's m1-tiny-F32.gguf re-written byte for byte (%zu bytes)\n", n);
    free(out);
    out = gguf_bytes(m, tok, MAMBA_DTYPE_Q8_0, 0, &n, &st, &err);
    if (out && same_tensors("Q8_0 vs llama-quantize", out, n, q, qn)) printf("  writer: Q8_0 tensors = llama-quantize's m1-tiny-Q8_0.gguf (types, F16 fallback, blocks)\n");
    free(out);
    mamba_free(m); m = NULL;
    CHECK(mamba_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "m1-tiny: %s", err.message);
    out = gguf_bytes(m, NULL, MAMBA_DTYPE_F32, 0, &n, &st, &err);
    if (out && same_tensors("safetensors -> F32 vs convert_hf_to_gguf.py", out, n, f, fn)) printf("  writer: safetensors -> F32 tensors = convert_hf_to_gguf.py's (ssm_a = -exp(A_log) included)\n");
    free(out);
    /* bad arguments */
    expect("writer: NULL model", mamba_gguf_write(NULL, NULL, NULL, membuf_put, NULL, &err), MAMBA_ERR_BADARG, &err, NULL);
    {
        mamba_gguf_options o;
        membuf b = {NULL, 0, 0};
        memset(&o, 0, sizeof o);
        o.type = (mamba_dtype)77;
        expect("writer: bad type", mamba_gguf_write(m, NULL, &o, membuf_put, &b, &err), MAMBA_ERR_BADARG, &err, "type");
        free(b.p);
    }
    {   /* a write function that fails part way: an error, not a crash */
        size_t left = 100;
        expect("writer: failing write function", mamba_gguf_write(m, NULL, NULL, fail_after_100, &left, &err), MAMBA_ERR_IO, &err, "write");
    }
done:
    mamba_free(m);
    mamba_tokenizer_free(tok);
    free(f); free(q); free(w); free(cfg); free(dir); free(fp); free(qp); free(wp); free(cp);
}

/* f32 -> f16 against every half: exact values come back, midpoints go to the even neighbour. */
static void writer_numbers(void) {
    uint32_t h;
    size_t bad = 0, bad_bf = 0;
    for (h = 0; h < 0x10000; h++) {   /* every half and bf16 value, and the midpoint above it */
        int bf;
        for (bf = 0; bf < 2; bf++) {
            uint16_t u = (uint16_t)h;
            float v = bf ? mamba__bf16_f32(u) : mamba__f16_f32(u), hi, mid;
            uint16_t (*conv)(float) = bf ? mamba__f32_bf16 : mamba__f32_f16;
            size_t *cnt = bf ? &bad_bf : &bad;
            if ((h & (bf ? 0x7f80u : 0x7c00u)) == (bf ? 0x7f80u : 0x7c00u)) continue;   /* inf, NaN */
            if (conv(v) != u) (*cnt)++;
            if (((h + 1) & (bf ? 0x7f80u : 0x7c00u)) == (bf ? 0x7f80u : 0x7c00u)) continue;   /* the next one is inf */
            hi = bf ? mamba__bf16_f32((uint16_t)(h + 1)) : mamba__f16_f32((uint16_t)(h + 1));
            mid = v + (hi - v) / 2;   /* exact in f32 (and no overflow) */
            if (conv(mid) != ((h & 1) ? (uint16_t)(h + 1) : u)) (*cnt)++;
        }
    }
    CHECK(bad == 0, "f32 -> f16: %zu of the halves or midpoints wrong", bad);
    CHECK(bad_bf == 0, "f32 -> bf16: %zu of the values or midpoints wrong", bad_bf);
    CHECK(mamba__f32_f16(65520.0f) == 0x7c00 && mamba__f32_f16(65519.99f) == 0x7bff && mamba__f32_f16(-1e9f) == 0xfc00, "f16 overflow");
    CHECK(mamba__f32_f16(2.9802322e-08f) == 0 && mamba__f32_f16(2.9802326e-08f) == 1, "f16 smallest subnormal rounding");
    {
        float nan = mamba__bits_f32(0x7fc00001u);
        uint16_t hn = mamba__f32_f16(nan), bn = mamba__f32_bf16(nan);
        CHECK((hn & 0x7c00) == 0x7c00 && (hn & 0x3ff), "f16 NaN stays NaN");
        CHECK((bn & 0x7f80) == 0x7f80 && (bn & 0x7f), "bf16 NaN stays NaN");
        CHECK(mamba__f32_bf16(mamba__bits_f32(0x3f808000u)) == 0x3f80 && mamba__f32_bf16(mamba__bits_f32(0x3f818000u)) == 0x3f82, "bf16 ties to even");
    }
    {   /* Q8_0 and Q4_0 of hand-checked blocks (ggml-quants.c's reference formulas) */
        float x[32];
        unsigned char y[34];
        int j;
        uint16_t d;
        for (j = 0; j < 32; j++) x[j] = (float)(j - 16) * 0.25f;   /* amax 4 at j = 0 */
        mamba__quant_q8_0(x, y);
        memcpy(&d, y, 2);
        CHECK(d == mamba__f32_f16(4.0f / 127), "q8_0 scale");
        /* x * 127/4: j=0 -> -127, j=17 -> 7.9375 -> 8, j=18 -> 15.875 -> 16, j=2 -> -111.125 -> -111 */
        CHECK((signed char)y[2] == -127 && (signed char)y[2 + 16] == 0 && (signed char)y[2 + 17] == 8 && (signed char)y[2 + 18] == 16 && (signed char)y[2 + 2] == -111, "q8_0 values");
        mamba__quant_q4_0(x, y);   /* max = -4 (j = 0): d = 0.5, q = x/0.5 + 8.5 truncated */
        memcpy(&d, y, 2);
        CHECK(d == mamba__f32_f16(0.5f), "q4_0 scale");
        /* j=0: -8+8.5 -> 0; j=16: 0+8.5 -> 8; j=31: 7.5+8.5=16 -> 15 (clamped); j=1: -7.5+8.5 -> 1 */
        CHECK(y[2] == (0 | 8 << 4) && (y[2 + 15] >> 4) == 15 && (y[2 + 1] & 15) == 1, "q4_0 nibbles");
        for (j = 0; j < 32; j++) x[j] = 0;
        mamba__quant_q4_0(x, y);
        CHECK(y[0] == 0 && y[1] == 0x80 && y[2] == 0x88, "q4_0 of zeros: d = 0/-8 = -0 (as ggml), q 8");
    }
}

/* The golden models written as GGUF by tests/ref/gguf_write.py (from the GGUF
   spec, not from our writer; `make test` runs it into build/tmp) give the
   logits of their safetensors versions. */
static void writer_python_ref(const char *dir) {
#ifndef MAMBA_NO_STDIO
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char path[512];
    unsigned char *keep;
    mamba_model *a, *b = NULL;
    mamba_error err;
    golden g;
    sprintf(path, "build/tmp/ref-%s.gguf", base);
    a = load_dir_model(dir, &keep);
    CHECK(golden_read(&g, dir), "%s: golden", dir);
    CHECK(mamba_load_file(&b, path, NULL, &err) == MAMBA_OK, "%s (make test writes it with tests/ref/gguf_write.py): %s", path, err.message);
    if (a && b) {
        int V = g.vocab, same;
        float *la = step_logits(a, &g, V), *lb = step_logits(b, &g, V);
        double ratio, e = test_max_err(lb, g.logits, (size_t)V * g.n_tokens, 1e-4, 1e-3, &ratio);
        same = !memcmp(la, lb, sizeof(float) * (size_t)V * g.n_tokens);
        if (strstr(dir, "m2-g2-untied")) {   /* GGUF cannot carry time_step_limit: the clamp is lost */
            printf("  %-38s Python GGUF: time_step_limit lost, golden err %.3g x tol (expected > 1)\n", path, ratio);
            CHECK(ratio > 1.0, "%s: the dt clamp should matter for this golden", path);
        } else {
            /* Python rounds -exp(A_log) correctly; expf is sometimes one ulp
               off (m1-bf16-sharded: 2 of 1536 A values), so allow that much */
            double r2, d2 = test_max_err(lb, la, (size_t)V * g.n_tokens, 1e-6, 1e-5, &r2);
            CHECK(ratio <= 1.0 && r2 <= 1.0, "%s: logits differ from the safetensors model's by %.3g (golden err %.3g, %.3g x tol)", path, d2, e, ratio);
            if (same) printf("  %-38s Python GGUF: bit-identical logits to safetensors\n", path);
            else printf("  %-38s Python GGUF: logits within %.3g of safetensors (A = -exp(A_log) rounded 1 ulp apart)\n", path, d2);
        }
        free(la); free(lb);
    }
    mamba_free(a); mamba_free(b); free(keep); free(g.logits);
#else
    (void)dir;
#endif
}

/* The tokenizer keys we write hold exactly what tests/ref/tokenizer_to_gguf.py
   (which follows llama.cpp) writes from the same tokenizer.json; and the
   tokenizer read back from our file encodes like the original. */
static void writer_tokenizer(const char *json_name, const char *ref_gguf) {
#ifndef MAMBA_NO_STDIO
    /* not tokenizer.ggml.pre: the script takes it as an argument (make test
       passes gpt-neox); we write "mpt", the name llama.cpp's converter gives
       the GPT-NeoX tokenizer (m1-tiny-F32.gguf has it), and llama.cpp knows */
    static const char *keys[] = {"tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
                                 "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"};
    char *jp = path2(shared_dir, json_name);
    size_t rn, n, k;
    unsigned char *ref = read_all(ref_gguf, &rn), *out = NULL;
    mamba_tokenizer *tj = NULL, *tg = NULL;
    mamba_model *m = NULL;
    mamba_error err;
    mamba_status st;
    mamba__tensors ts;
    mamba__heap hp;
    mamba__gguf g1, g2;
    char *tiny = path2(shared_dir, "reference/m1-tiny");
    CHECK(ref != NULL, "%s (make test writes it)", ref_gguf);
    CHECK(mamba_tokenizer_load_file(&tj, jp, &err) == MAMBA_OK, "%s: %s", jp, err.message);
    CHECK(mamba_load_file(&m, tiny, NULL, &err) == MAMBA_OK, "m1-tiny: %s", err.message);
    if (ref && tj && m) {
        /* m1-tiny's config ids (bos = eos = pad = 0) would override the
           tokenizer's: compare with a copy of the model without them */
        int bos = m->cfg.bos_token_id, eos = m->cfg.eos_token_id;
        m->cfg.bos_token_id = m->cfg.eos_token_id = -1;
        out = gguf_bytes(m, tj, MAMBA_DTYPE_F32, 0, &n, &st, &err);
        m->cfg.bos_token_id = bos; m->cfg.eos_token_id = eos;
        mamba__heap_plain(&hp);
        memset(&ts, 0, sizeof ts);
        ts.hp = &hp;
        CHECK(out && mamba__gguf_read(&ts, &g1, out, n, "ours", NULL, NULL) == MAMBA_OK, "parse our GGUF");
        mamba__tensors_free(&ts);
        CHECK(mamba__gguf_read(&ts, &g2, ref, rn, "ref", NULL, NULL) == MAMBA_OK, "parse %s", ref_gguf);
        mamba__tensors_free(&ts);
        for (k = 0; out && k < sizeof keys / sizeof keys[0]; k++) {
            const mamba__gguf_kv *x = mamba__gguf_find(&g1, keys[k]), *y = mamba__gguf_find(&g2, keys[k]);
            int same = x && y && x->type == y->type && x->val_end - x->val == y->val_end - y->val && !memcmp(x->val, y->val, (size_t)(x->val_end - x->val));
            if (x && y && x->type == 4 && y->type == 4) same = !memcmp(x->val, y->val, 4);
            CHECK(same || (!x && !y), "%s: key %s differs from tokenizer_to_gguf.py's", json_name, keys[k]);
        }
        CHECK(out && mamba__gguf_streq(&g1, "tokenizer.ggml.pre", strstr(json_name, "falcon") ? "falcon" : "mpt"), "%s: tokenizer.ggml.pre", json_name);
        printf("  writer: %s tokenizer keys = tokenizer_to_gguf.py's\n", json_name);
        CHECK(mamba_tokenizer_load_gguf(&tg, out, n, &err) == MAMBA_OK, "reload tokenizer: %s", err.message);
        if (tg) {
            static const char *texts[] = {"Hello world! 123456 don't", "  spaces   and\ttabs\n\n", "caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd <|endoftext|>"};
            for (k = 0; k < 3; k++) {
                int a[256], b[256];
                size_t na, nb;
                CHECK(mamba_tokenizer_encode(tj, texts[k], strlen(texts[k]), a, 256, &na) == MAMBA_OK &&
                      mamba_tokenizer_encode(tg, texts[k], strlen(texts[k]), b, 256, &nb) == MAMBA_OK && na == nb &&
                      !memcmp(a, b, na * sizeof(int)), "%s: text %d encodes differently after the GGUF round trip", json_name, (int)k);
            }
        }
        if (g1.kv) mamba__hfree(&hp, g1.kv);
        if (g2.kv) mamba__hfree(&hp, g2.kv);
    }
    mamba_tokenizer_free(tj); mamba_tokenizer_free(tg); mamba_free(m);
    free(out); free(ref); free(jp); free(tiny);
#else
    (void)json_name; (void)ref_gguf;
#endif
}

/* A vocabulary shorter than the embedding (original checkpoints pad it): the
   token list is padded with "[PADn]" entries of type 5 (unused), as
   convert_hf_to_gguf.py does, and survives a second round trip unchanged. */
static void writer_tokenizer_padding(void) {
#ifndef MAMBA_NO_STDIO
    static const char json[] = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]},"
                               " \"added_tokens\": [{\"id\": 3, \"content\": \"<|end|>\", \"special\": true}],"
                               " \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true},"
                               " \"decoder\": {\"type\": \"ByteLevel\"}}";
    mamba_tokenizer *tj = NULL, *tg = NULL;
    mamba_model *m = NULL;
    mamba_error err;
    mamba_status st;
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, len;
    const char *s;
    CHECK(mamba_tokenizer_load_json(&tj, json, sizeof json - 1, &err) == MAMBA_OK, "tiny tokenizer: %s", err.message);
    CHECK(mamba_load_file(&m, "tests/data/m1-bf16-sharded", NULL, &err) == MAMBA_OK, "m1-bf16-sharded: %s", err.message);
    if (tj && m) {
        a = gguf_bytes(m, tj, MAMBA_DTYPE_F32, 0, &na, &st, &err);
        CHECK(a && mamba_tokenizer_load_gguf(&tg, a, na, &err) == MAMBA_OK, "tokenizer from the padded GGUF: %s", err.message);
    }
    if (tg) {
        int ids[8];
        size_t n;
        CHECK(mamba_tokenizer_vocab_size(tg) == 104, "padded vocabulary: %d ids, want the 104 embedding rows", mamba_tokenizer_vocab_size(tg));
        s = mamba_tokenizer_token_bytes(tg, 57, &len);
        CHECK(s && len == 7 && !memcmp(s, "[PAD57]", 7), "id 57 is [PAD57]");
        CHECK(mamba_tokenizer_is_special(tg, 3), "<|end|> stays special");
        CHECK(mamba_tokenizer_encode(tg, "ab<|end|>b", 10, ids, 8, &n) == MAMBA_OK && n == 3 && ids[0] == 2 && ids[1] == 3 && ids[2] == 1,
              "encode after the round trip");
        b = gguf_bytes(m, tg, MAMBA_DTYPE_F32, 0, &nb, &st, &err);
        CHECK(b && na == nb && !memcmp(a, b, na), "a GGUF tokenizer with [PAD] entries writes back the same file");
    }
    free(a); free(b);
    mamba_tokenizer_free(tj); mamba_tokenizer_free(tg); mamba_free(m);
#endif
}

/* ---- limits, and hostile numbers ------------------------------------------ */

/* What a GGUF file's metadata holds, walked here independently of the library:
   key count, section bytes, longest array and string, and where tensor data
   starts. 0 if the walk fails. */
typedef struct gguf_stats { uint64_t n_kv, n_tensors, meta_bytes, max_arr, max_str; size_t info, data; } gguf_stats;
static uint64_t rd64(const unsigned char *p) { uint64_t v = 0; int b; for (b = 7; b >= 0; b--) v = v << 8 | p[b]; return v; }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static int gguf_walk(const unsigned char *w, size_t n, gguf_stats *s) {
    static const int sz[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    size_t o = 24, meta0;
    uint64_t i, k;
    memset(s, 0, sizeof *s);
    if (n < 24) return 0;
    s->n_tensors = rd64(w + 8);
    s->n_kv = rd64(w + 16);
    meta0 = o;
    for (i = 0; i < s->n_kv; i++) {
        uint64_t kl = rd64(w + o);
        uint32_t t;
        if (kl > s->max_str) s->max_str = kl;
        o += 8 + kl;
        t = rd32(w + o);
        o += 4;
        if (t == 8) { uint64_t l = rd64(w + o); if (l > s->max_str) s->max_str = l; o += 8 + l; }
        else if (t == 9) {
            uint32_t et = rd32(w + o);
            uint64_t an = rd64(w + o + 4);
            o += 12;
            if (an > s->max_arr) s->max_arr = an;
            if (et == 8) for (k = 0; k < an; k++) { uint64_t l = rd64(w + o); if (l > s->max_str) s->max_str = l; o += 8 + l; }
            else if (et < 13 && sz[et]) o += (size_t)an * (size_t)sz[et];
            else return 0;
        } else if (t < 13 && sz[t]) o += (size_t)sz[t];
        else return 0;
        if (o > n) return 0;
    }
    s->meta_bytes = o - meta0;
    s->info = o;
    for (i = 0; i < s->n_tensors; i++) {
        uint32_t nd;
        o += 8 + rd64(w + o);
        nd = rd32(w + o);
        o += 4 + 8 * (size_t)nd + 4 + 8;
        if (o > n) return 0;
    }
    s->data = (o + 31) / 32 * 32;   /* general.alignment is absent: 32 */
    return 1;
}

/* Offset of tensor `name`'s data in a GGUF file (or 0). */
static size_t gguf_tensor_at(const unsigned char *w, const gguf_stats *s, const char *name, uint32_t *type) {
    size_t o = s->info;
    uint64_t i;
    for (i = 0; i < s->n_tensors; i++) {
        uint64_t nl = rd64(w + o);
        uint32_t nd;
        int hit = nl == strlen(name) && !memcmp(w + o + 8, name, (size_t)nl);
        o += 8 + nl;
        nd = rd32(w + o);
        o += 4 + 8 * (size_t)nd;
        if (hit) { *type = rd32(w + o); return s->data + (size_t)rd64(w + o + 4); }
        o += 12;
    }
    return 0;
}

static void limits(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_options o;
    mamba_error err;
    mamba_model *m = NULL;
    char *gp = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf"), *pad;
    size_t gn, cn = strlen(cfg), hlen = (size_t)rd64(w);
    unsigned char *g = read_all(gp, &gn);
    gguf_stats s;
    CHECK(g && gguf_walk(g, gn, &s), "walk %s", gp);
    if (g && gguf_walk(g, gn, &s)) {
        printf("  m1-tiny Q8_0 GGUF metadata: %llu keys, %llu bytes, longest array %llu, longest string %llu\n",
               (unsigned long long)s.n_kv, (unsigned long long)s.meta_bytes, (unsigned long long)s.max_arr, (unsigned long long)s.max_str);
        CHECK(mamba_load_memory(&m, g, gn, NULL, 0, NULL, &err) == MAMBA_OK, "GGUF defaults: %s", err.message);
        mamba_free(m); m = NULL;
#define GLIM(field, value, want, needle) do { memset(&o, 0, sizeof o); o.field = (size_t)(value); \
        expect("GGUF " #field " = " #value, mamba_load_memory(&m, g, gn, NULL, 0, &o, &err), want, &err, needle); \
        mamba_free(m); m = NULL; } while (0)
        GLIM(max_metadata_kv, s.n_kv, MAMBA_OK, NULL);
        GLIM(max_metadata_kv, s.n_kv - 1, MAMBA_ERR_LIMIT, "max_metadata_kv");
        GLIM(max_metadata_bytes, s.meta_bytes, MAMBA_OK, NULL);
        GLIM(max_metadata_bytes, s.meta_bytes - 1, MAMBA_ERR_LIMIT, "max_metadata_bytes");
        GLIM(max_array_len, s.max_arr, MAMBA_OK, NULL);
        GLIM(max_array_len, s.max_arr - 1, MAMBA_ERR_LIMIT, "max_array_len");
        GLIM(max_string_bytes, s.max_str, MAMBA_OK, NULL);
        GLIM(max_string_bytes, s.max_str - 1, MAMBA_ERR_LIMIT, "max_string_bytes");
        GLIM(max_tensors, s.n_tensors, MAMBA_OK, NULL);
        GLIM(max_tensors, s.n_tensors - 1, MAMBA_ERR_LIMIT, "max_tensors");
#undef GLIM
    }
    /* config.json is held to max_header_bytes too: pad it past the safetensors header's size */
    pad = (char *)malloc(hlen + 2);
    memcpy(pad, cfg, cn);
    memset(pad + cn, ' ', hlen + 1 - cn);
    pad[hlen + 1] = 0;
    memset(&o, 0, sizeof o);
    o.max_header_bytes = hlen;
    CHECK(cn < hlen, "config shorter than the safetensors header");
    expect("config at the header limit", mamba_load_memory(&m, w, wn, pad, hlen, &o, &err), MAMBA_OK, &err, NULL);
    mamba_free(m); m = NULL;
    expect("config over the header limit", mamba_load_memory(&m, w, wn, pad, hlen + 1, &o, &err), MAMBA_ERR_LIMIT, &err, "config.json");
    if (err.status == MAMBA_ERR_LIMIT) CHECK(strstr(err.message, "max_header_bytes") != NULL, "message names the limit: %s", err.message);
    o.max_header_bytes = hlen - 1;
    expect("safetensors header over the limit", mamba_load_memory(&m, w, wn, cfg, cn, &o, &err), MAMBA_ERR_LIMIT, &err, "max_header_bytes");
#ifndef MAMBA_NO_STDIO
    {   /* the same through files: config.json and the index are read with the limit */
        char idx[4096];
        int k;
        write_file("build/tmp/bad1/model.safetensors", w, wn);
        write_file("build/tmp/bad1/config.json", pad, hlen + 1);
        o.max_header_bytes = hlen;
        expect("config.json file over the limit", mamba_load_file(&m, "build/tmp/bad1", &o, &err), MAMBA_ERR_LIMIT, &err, "config.json");
        write_file("build/tmp/bad1/config.json", pad, hlen);
        CHECK(mamba_load_file(&m, "build/tmp/bad1", &o, &err) == MAMBA_OK, "config.json file at the limit: %s", err.message);
        mamba_free(m); m = NULL;
        /* an index of 40 entries naming one shard, padded to hlen + 1 bytes */
        strcpy(idx, "{\"weight_map\": {");
        for (k = 0; k < 40; k++) sprintf(idx + strlen(idx), "%s\"t%d\": \"model.safetensors\"", k ? ", " : "", k);
        strcat(idx, "}}");
        CHECK(strlen(idx) < hlen, "index shorter than the header");
        memset(idx + strlen(idx), ' ', hlen + 1 - strlen(idx));
        idx[hlen + 1] = 0;
        write_file("build/tmp/bad1/model.safetensors.index.json", idx, hlen + 1);
        expect("index over the limit", mamba_load_file(&m, "build/tmp/bad1", &o, &err), MAMBA_ERR_LIMIT, &err, "index.json");
        write_file("build/tmp/bad1/model.safetensors.index.json", idx, hlen);
        CHECK(mamba_load_file(&m, "build/tmp/bad1", &o, &err) == MAMBA_OK, "index at the limit: %s", err.message);
        mamba_free(m); m = NULL;
        memset(&o, 0, sizeof o);
        o.max_tensors = 39;
        expect("index entries over max_tensors", mamba_load_file(&m, "build/tmp/bad1", &o, &err), MAMBA_ERR_LIMIT, &err, "weight_map");
        remove("build/tmp/bad1/model.safetensors.index.json");
        write_file("build/tmp/bad1/config.json", cfg, cn);
    }
#endif
    free(pad); free(g); free(gp);
}

/* Every draw of every sampler setting, and argmax, names a token in range. */
static void sample_all_ways(const float *logits, int V, const char *what) {
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
                void *mp = mamba_sampler_size(V) <= sizeof mem ? (void *)mem : NULL;
                if (mamba_sampler_init(&smp, V, temps[t], ks[k], ps[p], 7 + t, mp, sizeof mem) != MAMBA_OK) { bad++; continue; }
                for (d = 0; d < 8; d++) {
                    int id = mamba_sample(&smp, logits);
                    if (id < 0 || id >= V) bad++;
                }
                mamba_sampler_free(&smp);
            }
    CHECK(bad == 0, "%s: %d draws out of range", what, bad);
}

static void sampler_hostile(void) {
    float x[16];
    int i, V = 16;
    mamba_sampler smp;
    for (i = 0; i < V; i++) x[i] = NAN;
    sample_all_ways(x, V, "all NaN");
    for (i = 0; i < V; i++) x[i] = -HUGE_VALF;
    sample_all_ways(x, V, "all -inf");
    for (i = 0; i < V; i++) x[i] = i % 3 ? NAN : (float)i;
    sample_all_ways(x, V, "mixed NaN");
    CHECK(mamba_argmax(x, V) == 15, "argmax skips NaN: %d", mamba_argmax(x, V));
    for (i = 0; i < V; i++) x[i] = i % 2 ? 3e38f : -3e38f;
    sample_all_ways(x, V, "+-3e38");
    for (i = 0; i < V; i++) x[i] = (float)i;
    x[9] = HUGE_VALF;
    sample_all_ways(x, V, "one +inf");
    x[3] = NAN; x[4] = -HUGE_VALF;
    sample_all_ways(x, V, "+inf, -inf and NaN");
    /* a +inf logit is certain; with huge logits and a tiny temperature the
       largest dominates (the limit of softmax(x / T) as T -> 0) */
    mamba_sampler_init(&smp, V, 0.7f, 0, 1.0f, 3, NULL, 0);
    CHECK(mamba_sample(&smp, x) == 9, "+inf wins");
    for (i = 0; i < V; i++) x[i] = i == 6 ? 3.4e38f : i == 2 ? NAN : -3.4e38f + (float)i * 1e37f;
    smp.temperature = 1e-3f;
    for (i = 0; i < 50; i++) if (mamba_sample(&smp, x) != 6) break;
    CHECK(i == 50, "huge logits, tiny temperature: the largest every time (%d of 50)", i);
    smp.top_k = 4; smp.top_p = 0.5f;
    for (i = 0; i < 50; i++) if (mamba_sample(&smp, x) != 6) break;
    CHECK(i == 50, "... also with top-k and top-p (%d of 50)", i);
    smp.temperature = NAN;   /* set by hand, past init's check: greedy */
    CHECK(mamba_sample(&smp, x) == 6, "NaN temperature");
    mamba_sampler_free(&smp);
}

/* Runs a loaded model every way (step, chunked forward with every logits
   mode, argmax, every sampler) and checks that only in-range tokens come out. */
static void run_hostile(mamba_model *m, const char *what) {
    int V = mamba_get_config(m)->vocab_size, toks[7], i, chunk;
    float *all = (float *)malloc(sizeof(float) * 7 * (size_t)V), *one = (float *)malloc(sizeof(float) * (size_t)V);
    mamba_state *s;
    char w2[128];
    for (i = 0; i < 7; i++) toks[i] = (i * 37 + 1) % V;
    for (chunk = 1; chunk <= 4; chunk += 3) {
        CHECK(mamba_state_new(&s, m, chunk) == MAMBA_OK, "%s: state", what);
        CHECK(mamba_step(m, s, toks[0], one) == MAMBA_OK, "%s: step", what);
        sprintf(w2, "%s, step", what);
        if (chunk == 1) sample_all_ways(one, V, w2);
        CHECK(mamba_forward(m, s, toks, 7, all, MAMBA_LOGITS_ALL) == MAMBA_OK, "%s: forward ALL", what);
        sprintf(w2, "%s, chunk %d, last token", what, chunk);
        sample_all_ways(all + (size_t)6 * V, V, w2);
        CHECK(mamba_forward(m, s, toks, 7, one, MAMBA_LOGITS_LAST) == MAMBA_OK, "%s: forward LAST", what);
        CHECK(mamba_forward(m, s, toks, 7, NULL, MAMBA_LOGITS_NONE) == MAMBA_OK, "%s: forward NONE", what);
        mamba_state_free(s);
    }
    free(all); free(one);
}

/* Offset of a tensor's data in a safetensors file (from its data_offsets). */
static size_t st_tensor_at(const unsigned char *w, const char *name, size_t *nbytes) {
    size_t hlen = (size_t)rd64(w);
    char *hdr = (char *)malloc(hlen + 1), key[200], *p;
    unsigned long long a = 0, b = 0;
    memcpy(hdr, w + 8, hlen);
    hdr[hlen] = 0;
    sprintf(key, "\"%s\":", name);
    p = strstr(hdr, key);
    if (p) p = strstr(p, "\"data_offsets\":[");
    if (p) sscanf(p + 16, "%llu,%llu", &a, &b);
    free(hdr);
    *nbytes = (size_t)(b - a);
    return p ? 8 + hlen + (size_t)a : 0;
}

static void numeric_hostility(const unsigned char *w, size_t wn, const char *cfg) {
    static const struct { const char *tensor; long first, count; float value; const char *shown; } cases[] = {
        {"backbone.layers.1.mixer.in_proj.weight", 5, 1, NAN, "NaN"},
        {"backbone.layers.0.mixer.x_proj.weight", 100, 1, HUGE_VALF, "+inf"},
        {"backbone.layers.0.mixer.dt_proj.bias", 3, 1, -HUGE_VALF, "-inf"},
        {"backbone.layers.0.mixer.A_log", 0, -1, 1e38f, NULL},          /* A = -exp(1e38) = -inf */
        {"backbone.layers.1.mixer.out_proj.weight", 0, -1, 1e38f, NULL}, /* the residual overflows */
        {"backbone.norm_f.weight", 0, -1, NAN, "NaN"},                    /* every logit NaN */
        {"backbone.embeddings.weight", 64 * 37, 64, HUGE_VALF, "+inf"},   /* token 37's row (and a logit) */
        {"backbone.layers.0.mixer.D", 0, -1, -3e38f, NULL},
    };
    size_t c;
    mamba_options o;
    mamba_error err;
    mamba_model *m;
    unsigned char *x = (unsigned char *)malloc(wn);
    memset(&o, 0, sizeof o);
    o.validate_weights = 1;
    CHECK(mamba_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_OK, "clean weights validate: %s", err.message);
    mamba_free(m);
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t nb, at = st_tensor_at(w, cases[c].tensor, &nb), k, n;
        char what[200], needle[240];
        CHECK(at > 0 && nb % 4 == 0, "find %s", cases[c].tensor);
        if (!at) continue;
        n = cases[c].count < 0 ? nb / 4 : (size_t)cases[c].count;
        memcpy(x, w, wn);
        for (k = 0; k < n; k++) memcpy(x + at + 4 * ((size_t)cases[c].first + k), &cases[c].value, 4);
        sprintf(what, "%s[%ld..] = %g", cases[c].tensor, cases[c].first, (double)cases[c].value);
        o.validate_weights = 1;
        if (cases[c].shown) {
            sprintf(needle, "tensor %s holds %s at element %ld", cases[c].tensor, cases[c].shown, cases[c].first);
            expect(what, mamba_load_memory(&m, x, wn, cfg, strlen(cfg), &o, &err), MAMBA_ERR_RANGE, &err, needle);
        } else {
            CHECK(mamba_load_memory(&m, x, wn, cfg, strlen(cfg), &o, &err) == MAMBA_OK, "%s: finite, validates: %s", what, err.message);
            mamba_free(m);
        }
        o.validate_weights = 0;
        CHECK(mamba_load_memory(&m, x, wn, cfg, strlen(cfg), &o, &err) == MAMBA_OK, "%s: loads unvalidated: %s", what, err.message);
        if (m) run_hostile(m, what);
        mamba_free(m);
    }
    free(x);
    {   /* F16 weights: a NaN and a -inf half */
        static const struct { const char *tensor; size_t at; unsigned short bits; const char *shown; } h[] = {
            {"backbone.layers.1.mixer.in_proj.weight", 30, 0x7E00, "NaN"},
            {"backbone.layers.0.mixer.conv1d.weight", 5, 0xFC00, "-inf"}};
        size_t fn, fc, k;
        unsigned char *fw = read_all("tests/data/m1-f16-untied-bias/model.safetensors", &fn);
        char *fcfg = (char *)read_all("tests/data/m1-f16-untied-bias/config.json", &fc);
        CHECK(fw && fcfg, "read m1-f16-untied-bias");
        for (k = 0; fw && fcfg && k < 2; k++) {
            size_t nb, at = st_tensor_at(fw, h[k].tensor, &nb);
            unsigned char *y = (unsigned char *)malloc(fn);
            char needle[200];
            CHECK(at > 0 && nb > 2 * h[k].at, "find %s", h[k].tensor);
            memcpy(y, fw, fn);
            y[at + 2 * h[k].at] = (unsigned char)(h[k].bits & 0xFF);
            y[at + 2 * h[k].at + 1] = (unsigned char)(h[k].bits >> 8);
            o.validate_weights = 1;
            sprintf(needle, "tensor %s holds %s at element %zu", h[k].tensor, h[k].shown, h[k].at);
            expect("F16 non-finite", mamba_load_memory(&m, y, fn, fcfg, fc, &o, &err), MAMBA_ERR_RANGE, &err, needle);
            o.validate_weights = 0;
            CHECK(mamba_load_memory(&m, y, fn, fcfg, fc, &o, &err) == MAMBA_OK, "F16 non-finite, unvalidated: %s", err.message);
            if (m) run_hostile(m, needle);
            mamba_free(m);
            free(y);
        }
        free(fw); free(fcfg);
    }
    {   /* a quantized tensor: an infinite f16 block scale in the Q8_0 GGUF */
        char *gp = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf");
        size_t gn, at;
        unsigned char *g = read_all(gp, &gn);
        gguf_stats s;
        uint32_t type = 0;
        CHECK(g && gguf_walk(g, gn, &s), "walk %s", gp);
        at = g && gguf_walk(g, gn, &s) ? gguf_tensor_at(g, &s, "blk.1.ssm_in.weight", &type) : 0;
        CHECK(at > 0 && type == 8, "find blk.1.ssm_in.weight (Q8_0)");
        if (at > 0 && type == 8) {
            g[at + 34 * 3] = 0x00; g[at + 34 * 3 + 1] = 0x7C;   /* block 3's scale: f16 +inf */
            o.validate_weights = 1;
            expect("Q8_0 scale +inf", mamba_load_memory(&m, g, gn, NULL, 0, &o, &err), MAMBA_ERR_RANGE, &err,
                   "backbone.layers.1.mixer.in_proj.weight holds");
            CHECK(strstr(err.message, "element 96") != NULL, "first element of block 3: %s", err.message);
            o.validate_weights = 0;
            CHECK(mamba_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "Q8_0 inf scale, unvalidated: %s", err.message);
            if (m) run_hostile(m, "Q8_0 inf scale");
            mamba_free(m);
        }
        free(g); free(gp);
    }
    {   /* issue 19's types: an infinite or NaN f16 scale (or min) in one block of each */
        static const struct { const char *dir, *gname, *hname; uint32_t type; int bb, be, off; uint16_t bits; } hq[] = {
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "token_embd.weight", "backbone.embeddings.weight", 10, 84, 256, 80, 0x7C00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "blk.1.ssm_in.weight", "backbone.layers.1.mixer.in_proj.weight", 13, 176, 256, 2, 0xFC00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "blk.1.ssm_x.weight", "backbone.layers.1.mixer.x_proj.weight", 11, 110, 256, 108, 0x7E00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "blk.0.ssm_out.weight", "backbone.layers.0.mixer.out_proj.weight", 23, 136, 256, 0, 0x7C00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "output.weight", "lm_head.weight", 13, 176, 256, 0, 0x7E00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "token_embd.weight", "backbone.embeddings.weight", 20, 18, 32, 0, 0xFC00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.1.ssm_in.weight", "backbone.layers.1.mixer.in_proj.weight", 7, 24, 32, 2, 0x7C00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.1.ssm_x.weight", "backbone.layers.1.mixer.x_proj.weight", 6, 22, 32, 0, 0x7E00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.0.ssm_dt.weight", "backbone.layers.0.mixer.dt_proj.weight", 3, 20, 32, 2, 0xFC00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.1.ssm_out.weight", "backbone.layers.1.mixer.out_proj.weight", 20, 18, 32, 0, 0x7C00}};
        size_t k;
        for (k = 0; k < sizeof hq / sizeof hq[0]; k++) {
            char *gp = path2(hq[k].dir, "model.gguf"), needle[160];
            size_t gn, at;
            unsigned char *g = read_all(gp, &gn);
            gguf_stats s;
            uint32_t type = 0;
            at = g && gguf_walk(g, gn, &s) ? gguf_tensor_at(g, &s, hq[k].gname, &type) : 0;
            CHECK(at > 0 && type == hq[k].type, "find %s (ggml type %u) in %s", hq[k].gname, hq[k].type, gp);
            if (at > 0 && type == hq[k].type) {
                g[at + (size_t)hq[k].bb * 3 + (size_t)hq[k].off] = (unsigned char)(hq[k].bits & 0xFF);
                g[at + (size_t)hq[k].bb * 3 + (size_t)hq[k].off + 1] = (unsigned char)(hq[k].bits >> 8);
                o.validate_weights = 1;
                sprintf(needle, "%s holds", hq[k].hname);
                expect(hq[k].gname, mamba_load_memory(&m, g, gn, NULL, 0, &o, &err), MAMBA_ERR_RANGE, &err, needle);
                sprintf(needle, "at element %d", 3 * hq[k].be);
                CHECK(strstr(err.message, needle) != NULL, "%s: first element of block 3: %s", hq[k].gname, err.message);
                o.validate_weights = 0;
                CHECK(mamba_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "%s non-finite scale, unvalidated: %s", hq[k].gname, err.message);
                if (m) run_hostile(m, hq[k].gname);
                mamba_free(m);
            }
            free(g); free(gp);
        }
    }
}

int main(int argc, char **argv) {
    static const char *dirs[] = {"tests/data/m1-odd-f32", "tests/data/m1-f16-untied-bias", "tests/data/m1-bf16-sharded",
                                 "tests/data/m1-unaligned-f32", "tests/data/falcon-f32", "tests/data/m1-f32-mixed",
                                 "tests/data/falcon-bf16-sharded-untied", "tests/data/m2-g1-tied", "tests/data/m2-g2-untied",
                                 "tests/data/m2-g4-original"};
    char *tiny, *wp, *cp;
    unsigned char *w, *cfg;
    size_t wn, cn;
    int i;
    if (argc > 1) shared_dir = argv[1];
    quick = getenv("MAMBA_TEST_QUICK") != NULL;
    printf("kernels: %s\n", MAMBA__SIMD_NAME);
    printf("goldens (tolerance 1e-4 + 1e-3*|ref|):\n");
    tiny = path2(shared_dir, "reference/m1-tiny");
    golden_dir(tiny);
    for (i = 0; i < (int)(sizeof dirs / sizeof dirs[0]); i++) golden_dir(dirs[i]);
    printf("  worst error over all goldens: %.4f of tolerance\n", worst_ratio_all);
    greedy_public();
    gguf_golden("m1-tiny-F32.gguf", "logits.txt");
    tol_abs = 3e-2; tol_rel = 0; tol_quant = 1;
    gguf_golden("m1-tiny-Q8_0.gguf", "logits-q8_0-dequant.txt");
    tol_abs = 1e-4; tol_rel = 1e-3; tol_quant = 0;
    quant_golden("tests/data/m1-q4k-q6k-gguf");
    quant_golden("tests/data/m1-q4_0-q8_0-gguf");
    quant_golden("tests/data/m1-q2k-q3k-q5k-iq4xs-gguf");
    quant_golden("tests/data/m1-q4_1-q5-iq4nl-gguf");
    gguf_bad();
    gguf_bad_kquant();
    printf("GGUF writer:\n");
    writer_numbers();
    writer_llama_files();
    for (i = 0; i < (int)(sizeof dirs / sizeof dirs[0]); i++) writer_roundtrip(dirs[i]);
    for (i = 0; i < (int)(sizeof dirs / sizeof dirs[0]); i++) writer_python_ref(dirs[i]);
    writer_tokenizer("tokenizer-gpt-neox-20b.json", "build/tmp/neox-tok.gguf");
    writer_tokenizer("tokenizer-falcon.json", "build/tmp/falcon-tok.gguf");
    writer_tokenizer_padding();
    gguf_tokenizer_goldens("build/tmp/neox-tok.gguf", "tokenizer-goldens/neox-public.jsonl");
    gguf_tokenizer_goldens("build/tmp/falcon-tok.gguf", "tokenizer-goldens/falcon-public.jsonl");
    bundled_model();
    threads_deterministic("tests/data/m1-f32-mixed", NULL);
    threads_deterministic("tests/data/m1-q4k-q6k-gguf", "model.gguf");
    wp = path2(tiny, "model.safetensors");
    cp = path2(tiny, "config.json");
    w = read_all(wp, &wn);
    cfg = read_all(cp, &cn);
    CHECK(w && cfg, "read m1-tiny");
    if (w && cfg) {
        state_api(w, wn, (const char *)cfg, cn);
        state_save(w, wn, (const char *)cfg, cn);
        arena_loads(w, wn, (const char *)cfg, cn);
        bad_weights(w, wn, (const char *)cfg);
        bad_json_and_config(w, wn, (const char *)cfg);
#ifndef MAMBA_NO_STDIO
        bad_files(w, wn, (const char *)cfg);
#endif
        limits(w, wn, (const char *)cfg);
        numeric_hostility(w, wn, (const char *)cfg);
    }
    sampler_hostile();
    free(w); free(cfg); free(wp); free(cp); free(tiny);
    return test_summary();
}
