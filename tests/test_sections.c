/* The library with sections compiled out (issue 15): MAMBA_NO_TOKENIZER,
   MAMBA_NO_WRITER, MAMBA_NO_SAFETENSORS, alone or together (the Makefile
   builds this file once per configuration). What stays must work as in the
   full library: GGUF models (tests/data/ *-gguf, the goldens written as GGUF
   by tests/ref/gguf_write.py: make build/tmp/ref-NAME.gguf) load from memory
   and from a path and give their golden logits (step and prefill); the
   sections left in (safetensors, tokenizer, writer) still work; what was
   compiled out fails with MAMBA_ERR_UNSUPPORTED, never a crash.
   build/test_sections_* [SHARED_DATA_DIR] */
#include <assert.h>
#define MAMBA_ASSERT(x) assert(x)   /* the library's internal invariants, checked */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

/* numbers of a text file, up to cap */
static size_t numbers(const char *path, float *out, size_t cap) {
    size_t n;
    char *s = slurp(path, &n);
    if (!s) return 0;
    n = parse_floats(s, out, cap);
    free(s);
    return n < cap ? n : cap;
}

/* The golden of tests/data/NAME: step logits of every token in f32 math
   (the first G of each row: a GGUF model's vocabulary is its padded
   embedding, G = the golden's vocab_size). */
/* logits: the golden's file of logits (logits.txt; the quantized goldens'
   logits-act8.txt is the numpy model of 8-bit activations, at the same
   core tolerance) */
static void check_golden_file(mamba_model *m, const char *name, const char *logits, const char *what) {
    char path[512];
    static float toks_f[512], want[1 << 16];
    int toks[512], T, V, G, i;
    size_t nt, nl;
    float *got, *all, *cut;
    mamba_state *s = NULL;
    double ratio, err;
    V = mamba_model_config(m)->vocab_size;
    snprintf(path, sizeof path, "tests/data/%s/tokens.txt", name);
    nt = numbers(path, toks_f, 512);
    snprintf(path, sizeof path, "tests/data/%s/%s", name, logits);
    nl = numbers(path, want, sizeof want / sizeof want[0]);
    T = (int)nt;
    G = T > 0 ? (int)(nl / (size_t)T) : 0;
    CHECK(T > 0 && G > 0 && G <= V && nl == (size_t)T * (size_t)G, "%s: golden of %s (%d tokens, %d logits)", what, name, T, (int)nl);
    if (T <= 0 || G <= 0 || G > V || nl != (size_t)T * (size_t)G) return;
    for (i = 0; i < T; i++) toks[i] = (int)toks_f[i];
    got = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    all = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    CHECK(mamba_state_new(&s, m, 3) == MAMBA_OK, "%s: state", what);
    for (i = 0; i < T; i++) CHECK(mamba_step(m, s, toks[i], got + (size_t)i * V) == MAMBA_OK, "%s: step %d", what, i);
    cut = (float *)malloc(sizeof(float) * (size_t)G * (size_t)T);
    for (i = 0; i < T; i++) memcpy(cut + (size_t)i * G, got + (size_t)i * V, sizeof(float) * (size_t)G);
    err = test_max_err(cut, want, (size_t)G * (size_t)T, 1e-4, 1e-3, &ratio);
    free(cut);
    CHECK(ratio <= 1.0, "%s: step logits, max abs err %.3g (%.3g x tolerance)", what, err, ratio);
    mamba_state_reset(s);
    CHECK(mamba_forward(m, s, toks, (size_t)T, all, MAMBA_LOGITS_ALL) == MAMBA_OK, "%s: prefill", what);
    CHECK(!memcmp(all, got, sizeof(float) * (size_t)V * (size_t)T), "%s: prefill (chunk 3) == step, bit for bit", what);
    mamba_state_free(s);
    free(got); free(all);
}
static void check_golden(mamba_model *m, const char *name, const char *what) { check_golden_file(m, name, "logits.txt", what); }

/* (m2-g2-untied is left out: GGUF has no key for its time_step_limit, see
   writer_python_ref in tests/test_model.c) */
static const char *const golden_dirs[] = {"m1-odd-f32", "m1-f16-untied-bias", "m1-bf16-sharded", "m1-unaligned-f32",
                                          "falcon-f32", "m1-f32-mixed", "falcon-bf16-sharded-untied", "m2-g1-tied",
                                          "m2-g4-original"};
#define N_GOLDEN (sizeof golden_dirs / sizeof golden_dirs[0])

static void gguf_models(void) {
    size_t k, n;
    char path[512], what[600];
    for (k = 0; k < N_GOLDEN; k++) {
        mamba_model *m = NULL;
        mamba_error err;
        unsigned char *bytes;
        snprintf(path, sizeof path, "build/tmp/ref-%s.gguf", golden_dirs[k]);
        bytes = read_all(path, &n);
        CHECK(bytes != NULL, "read %s (make build/tmp/ref-%s.gguf writes it)", path, golden_dirs[k]);
        if (!bytes) continue;
        snprintf(what, sizeof what, "%s from memory", path);
        CHECK(mamba_model_load_memory(&m, bytes, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
        if (m) { check_golden(m, golden_dirs[k], what); mamba_model_free(m); m = NULL; }
        snprintf(what, sizeof what, "%s from its path", path);
        CHECK(mamba_model_load_file(&m, path, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
        if (m) {
            check_golden(m, golden_dirs[k], what);
#ifndef MAMBA_NO_WRITER
            {   /* the writer left in: written as F32 GGUF and read back, still the golden */
                mamba_gguf_options go;
                mamba_model *m2 = NULL;
                membuf mb;
                memset(&go, 0, sizeof go);
                memset(&mb, 0, sizeof mb);
                go.type = MAMBA_DTYPE_F32;
                CHECK(mamba_gguf_write(m, NULL, &go, membuf_put, &mb, &err) == MAMBA_OK, "%s: write: %s", what, err.message);
                CHECK(mamba_model_load_memory(&m2, mb.p, mb.n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: reload: %s", what, err.message);
                snprintf(what, sizeof what, "%s, written and read back", path);
                if (m2) { check_golden(m2, golden_dirs[k], what); mamba_model_free(m2); }
                free(mb.p);
            }
#endif
            mamba_model_free(m);
        }
        free(bytes);
    }
}

/* The GGUF goldens of issue 19's types (Q4_1, Q5_0, Q5_1, IQ4_NL; Q2_K, Q3_K,
   Q5_K, IQ4_XS): read with every type compiled in, refused naming the
   tensor's type with MAMBA_NO_EXTRA_QUANTS. */
static void extra_quant_models(void) {
    static const char *const dirs[] = {"m1-q4_1-q5-iq4nl-gguf", "m1-q2k-q3k-q5k-iq4xs-gguf"};
    size_t k;
    char path[512];
    for (k = 0; k < 2; k++) {
        mamba_model *m = NULL;
        mamba_error err;
        mamba_status st;
        snprintf(path, sizeof path, "tests/data/%s/model.gguf", dirs[k]);
#ifndef MAMBA_NO_STDIO
        st = mamba_model_load_file(&m, path, NULL, &err);
#ifdef MAMBA_NO_EXTRA_QUANTS
        CHECK(st != MAMBA_OK && m == NULL && strstr(err.message, "has dtype") &&
              (strstr(err.message, "Q4_1") || strstr(err.message, "Q5_") || strstr(err.message, "IQ4_") || strstr(err.message, "Q2_K") || strstr(err.message, "Q3_K")),
              "%s: with MAMBA_NO_EXTRA_QUANTS, status %d: %s", path, (int)st, err.message);
#else
        CHECK(st == MAMBA_OK, "%s: %s", path, err.message);
        if (m) { check_golden_file(m, dirs[k], "logits-act8.txt", path); mamba_model_free(m); }
#endif
#else
        (void)m; (void)err; (void)st;
#endif
    }
}

static void safetensors_models(void) {
    size_t k;
    char path[512];
    for (k = 0; k < N_GOLDEN; k++) {
        mamba_model *m = NULL;
        mamba_error err;
        mamba_status st;
        snprintf(path, sizeof path, "tests/data/%s", golden_dirs[k]);
        st = mamba_model_load_file(&m, path, NULL, &err);
#ifdef MAMBA_NO_SAFETENSORS
        CHECK(st == MAMBA_ERR_UNSUPPORTED && m == NULL && strstr(err.message, "MAMBA_NO_SAFETENSORS"),
              "%s: compiled out, status %d: %s", path, (int)st, err.message);
#else
        CHECK(st == MAMBA_OK, "%s: %s", path, err.message);
        if (m) { check_golden(m, golden_dirs[k], path); mamba_model_free(m); }
#endif
    }
    {   /* from memory: the bytes of one safetensors file and its config.json */
        size_t nw, nc;
        unsigned char *w = read_all("tests/data/m1-f32-mixed/model.safetensors", &nw);
        unsigned char *c = read_all("tests/data/m1-f32-mixed/config.json", &nc);
        mamba_model *m = NULL;
        mamba_error err;
        mamba_status st = w && c ? mamba_model_load_memory(&m, w, nw, (const char *)c, nc, NULL, &err) : MAMBA_ERR_IO;
#ifdef MAMBA_NO_SAFETENSORS
        CHECK(st == MAMBA_ERR_UNSUPPORTED && !m, "safetensors from memory: compiled out, status %d", (int)st);
#else
        CHECK(st == MAMBA_OK, "safetensors from memory: status %d", (int)st);
        if (m) { check_golden(m, "m1-f32-mixed", "m1-f32-mixed from memory"); mamba_model_free(m); }
#endif
        free(w); free(c);
    }
}

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    printf("sections compiled out:%s%s%s%s\n",
#ifdef MAMBA_NO_TOKENIZER
           " tokenizer",
#else
           "",
#endif
#ifdef MAMBA_NO_WRITER
           " writer",
#else
           "",
#endif
#ifdef MAMBA_NO_SAFETENSORS
           " safetensors+JSON",
#else
           "",
#endif
#ifdef MAMBA_NO_EXTRA_QUANTS
           " extra-quants"
#else
           ""
#endif
    );
    gguf_models();
    extra_quant_models();
    safetensors_models();
#ifndef MAMBA_NO_TOKENIZER
    {
        mamba_tokenizer *tok = NULL;
        mamba_error err;
        mamba_status st = mamba_tokenizer_load_file(&tok, "models/shakespeare-tiny", NULL, &err);
#ifdef MAMBA_NO_SAFETENSORS
        CHECK(st == MAMBA_ERR_UNSUPPORTED && !tok, "tokenizer.json: compiled out, status %d: %s", (int)st, err.message);
#else
        int ids[16];
        size_t n = 0;
        char out[16];
        CHECK(st == MAMBA_OK, "tokenizer: %s", err.message);
        if (tok) {
            CHECK(mamba_tokenizer_encode(tok, "ROMEO:", 6, ids, 16, &n) == MAMBA_OK && n > 0, "encode");
            CHECK(mamba_tokenizer_decode(tok, ids, n, 0, out, sizeof out, &n) == MAMBA_OK && n == 6 && !memcmp(out, "ROMEO:", 6),
                  "decode gives the text back");
            mamba_tokenizer_free(tok);
        }
#endif
    }
#endif
    return test_summary();
}
