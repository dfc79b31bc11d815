/* Loads from a caller's arena: the measured peak is exactly enough, one byte
   less fails cleanly, model and tokenizer share an arena, max_alloc_bytes.

   build/test_arena [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"

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
    CHECK(mamba_model_load_memory(&m, w, wn, cfg, cn, &o, &err) == MAMBA_OK, "measuring load: %s", err.message);
    need = meas.peak;
    CHECK(need > 0 && meas.used > 0 && meas.used <= need, "measured %zu bytes (used %zu)", need, meas.used);
    mem = (unsigned char *)malloc(need + 64);
    memset(&ar, 0, sizeof ar);
    ar.base = mem + 16; ar.size = need - 1;   /* 16-byte aligned base: the measure assumed that */
    o.arena = &ar;
    CHECK(mamba_model_load_memory(&ma, w, wn, cfg, cn, &o, &err) == MAMBA_ERR_NOMEM && !ma, "arena one byte short: %s", err.message);
    CHECK(ar.used == 0, "a failed load leaves the arena as it was (%zu)", ar.used);
    ar.size = need;
    CHECK(mamba_model_load_memory(&ma, w, wn, cfg, cn, &o, &err) == MAMBA_OK, "arena of the measured size: %s", err.message);
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
    mamba_model_free(ma);   /* frees nothing: the arena is the caller's */
    mamba_model_free(m);
    free(mem);
    /* GGUF model + its tokenizer in one arena */
    g = read_all(gp, &gn);
    CHECK(g != NULL, "read %s", gp);
    if (g) {
        memset(&meas, 0, sizeof meas);
        o.arena = &meas;
        CHECK(mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "GGUF measure: %s", err.message);
        CHECK(mamba_tokenizer_load_gguf(&tok, g, gn, &o, &err) == MAMBA_OK, "GGUF tokenizer measure: %s", err.message);
        need = meas.peak;
        mem = (unsigned char *)malloc(need + 16);
        memset(&ar, 0, sizeof ar);
        ar.base = mem; ar.size = need;
        o.arena = &ar;
        CHECK(mamba_model_load_memory(&ma, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "GGUF in arena: %s", err.message);
        CHECK(mamba_tokenizer_load_gguf(&tok2, g, gn, &o, &err) == MAMBA_OK, "GGUF tokenizer in arena: %s", err.message);
        CHECK(ar.peak == need, "shared arena peak %zu, measured %zu", ar.peak, need);
        if (tok && tok2) {
            mamba_arena work;
            unsigned char wmem[8192];
            CHECK(mamba_tokenizer_encode(tok, text, sizeof text - 1, ids1, 64, &n1) == MAMBA_OK, "encode");
            memset(&work, 0, sizeof work);
            work.base = wmem; work.size = sizeof wmem;
            CHECK(mamba_tokenizer_encode_arena(tok2, text, sizeof text - 1, ids2, 64, &n2, &work) == MAMBA_OK, "encode_ex");
            CHECK(n1 == n2 && n1 > 0 && !memcmp(ids1, ids2, n1 * sizeof(int)), "arena tokenizer encodes the same ids");
            CHECK(work.used == 0 && work.peak > 0 && work.peak <= sizeof wmem, "encode work memory given back (peak %zu)", work.peak);
            work.size = 16;
            CHECK(mamba_tokenizer_encode_arena(tok2, text, sizeof text - 1, ids2, 64, &n2, &work) == MAMBA_ERR_NOMEM, "encode_ex, tiny arena");
            CHECK(work.used == 0, "and the arena is given back");
        }
        mamba_tokenizer_free(tok2); mamba_tokenizer_free(tok);
        mamba_model_free(ma); mamba_model_free(m);
        free(mem);
        tok = NULL;
        /* the cap on what one load allocates */
        memset(&o, 0, sizeof o);
        o.max_alloc_bytes = 1000;
        CHECK(mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_ERR_LIMIT && !m && strstr(err.message, "max_alloc_bytes"),
              "max_alloc_bytes on a model: %s", err.message);
        CHECK(mamba_tokenizer_load_gguf(&tok, g, gn, &o, &err) == MAMBA_ERR_LIMIT && !tok, "max_alloc_bytes on a tokenizer: %s", err.message);
        CHECK(mamba_model_load_memory(&m, w, wn, cfg, cn, &o, &err) == MAMBA_ERR_LIMIT && !m, "max_alloc_bytes on safetensors: %s", err.message);
        o.max_alloc_bytes = (size_t)64 << 20;
        CHECK(mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "a generous cap: %s", err.message);
        mamba_model_free(m);
    }
    free(g);
    free(gp);
}

int main(int argc, char **argv) {
    unsigned char *w, *cfg;
    size_t wn, cn;
    suite_start(argc, argv);
    printf("arena:\n");
    if (read_tiny(&w, &wn, &cfg, &cn)) {
        arena_loads(w, wn, (const char *)cfg, cn);
    }
    free(w); free(cfg);
    return test_summary();
}
