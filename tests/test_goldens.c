/* Golden logits: every golden model (tests/data/, the public m1-tiny) in every
   path (step; sequence at several chunk sizes; prefill then step), from a file
   and from memory; the public greedy continuation; the bundled model's
   held-out perplexity; the same bits for any thread count.

   build/test_goldens [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
#include <omp.h>
#endif

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
    CHECK(mamba_model_load_file(&m, dir, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
    if (m) golden_model(m, dir, &g);
    mamba_model_free(m);
    m = NULL;
#endif
    if (w && cfg) {   /* the same model from memory (weights used in place) */
        char what[512];
        sprintf(what, "%s (memory)", dir);
        CHECK(mamba_model_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
        if (m) golden_model(m, what, &g);
        mamba_model_free(m);
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
            CHECK(mamba_model_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s", err.message);
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
    mamba_model_free(m);
    free(txt); free(w); free(cfg); free(gp); free(wp); free(cp); free(dir);
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
    CHECK(mamba_model_load_file(&m, dir, NULL, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_tokenizer_load_file(&tk, dir, NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!eval || !corpus || !m || !tk) goto done;
    V = mamba_model_config(m)->vocab_size;
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
    mamba_model_free(m);
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
        CHECK(mamba_model_load_file(&m, p ? p : dir, NULL, &err) == MAMBA_OK, "%s", err.message);
        free(p);
    }
#endif
    if (!m) { free(g.logits); return; }
    V = mamba_model_config(m)->vocab_size;
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
    {   /* per-model threads (issue 21), whatever omp_set_num_threads says: fixed and adaptive, same bits */
        int i, fl;
        CHECK(mamba_model_set_threads(NULL, 2, 0) == MAMBA_ERR_BADARG && mamba_model_set_threads(m, -1, 0) == MAMBA_ERR_BADARG &&
              mamba_model_set_threads(m, 2, 7) == MAMBA_ERR_BADARG, "mamba_model_set_threads: bad arguments refused");
        omp_set_num_threads(1);
        for (fl = 0; fl <= 1; fl++) {
            CHECK(mamba_model_set_threads(m, 3, fl ? MAMBA_THREADS_FIXED : MAMBA_THREADS_ADAPTIVE) == MAMBA_OK && mamba_model_threads(m) == 3, "set 3 threads");
            mamba_state_new(&s, m, 8);
            mamba_forward(m, s, g.tokens, (size_t)g.n_tokens, b, MAMBA_LOGITS_ALL);
            CHECK(!memcmp(a, b, sizeof(float) * (size_t)V * g.n_tokens), "model threads 3 (%s) differ from 1", fl ? "fixed" : "adaptive");
            mamba_state_reset(s);
            for (i = 0; i < g.n_tokens; i++) mamba_step(m, s, g.tokens[i], b + (size_t)i * V);
            CHECK(!memcmp(a, b, sizeof(float) * (size_t)V * g.n_tokens), "model threads 3 (%s): steps differ from 1-thread forward", fl ? "fixed" : "adaptive");
            if (!fl) CHECK(s->threads.sec_per_token[0][0] > 0 && s->threads.sec_per_token[0][1] > 0, "adaptive: both thread counts timed");
            mamba_state_free(s);
        }
        mamba_model_set_threads(m, 0, 0);
        printf("  mamba_model_set_threads 3 (fixed, adaptive) over omp_set_num_threads(1): identical logits\n");
    }
    omp_set_num_threads(2);
    free(a); free(b); free(g.logits);
    mamba_model_free(m);
#else
    (void)dir; (void)file;
#endif
}

int main(int argc, char **argv) {
    char *tiny;
    int i;
    suite_start(argc, argv);
    printf("goldens (tolerance 1e-4 + 1e-3*|ref|):\n");
    tiny = path2(shared_dir, "reference/m1-tiny");
    golden_dir(tiny);
    for (i = 0; golden_dirs(i); i++) golden_dir(golden_dirs(i));
    printf("  worst error over all goldens: %.4f of tolerance\n", worst_ratio_all);
    greedy_public();
    bundled_model();
    threads_deterministic("tests/data/m1-f32-mixed", NULL);
    threads_deterministic("tests/data/m1-q4k-q6k-gguf", "model.gguf");
    free(tiny);
    return test_summary();
}
