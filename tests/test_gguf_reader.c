/* The GGUF reader: llama.cpp's own m1-tiny files (F32, Q8_0) and our
   quantized goldens give their logits, from a file, from memory and at an odd
   address; truncated and hostile GGUF files fail cleanly; the tokenizer read
   from GGUF metadata matches Hugging Face on every public golden.

   build/test_gguf_reader [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"

/* ---- GGUF: llama.cpp's own files of m1-tiny, and hostile variants -------- */

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
        CHECK(mamba_model_load_file(&m, gp, NULL, &err) == MAMBA_OK, "%s: %s", gp, err.message);
        if (m) golden_model(m, gp, &g);
        mamba_model_free(m);
        m = NULL;
#endif
        CHECK(mamba_model_load_memory(&m, bytes, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s (memory): %s", gp, err.message);
        if (m) golden_model(m, file, &g);
        mamba_model_free(m);
    }
    free(g.logits); free(bytes); free(dir); free(gp);
}

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
        CHECK(mamba_model_load_file(&m, gp, NULL, &err) == MAMBA_OK, "%s: %s", gp, err.message);
        if (m) {
            tol_abs = tol; tol_rel = 0; tol_quant = 1;
            golden_model(m, gp, &g);
            tol_abs = 1e-4; tol_rel = 1e-3; tol_quant = 0;
            sprintf(what, "%s vs 8-bit-activation reference", gp);
            golden_model(m, what, &g8);
        }
        mamba_model_free(m);
        m = NULL;
#endif
        sprintf(what, "%s (memory)", gp);
        CHECK(mamba_model_load_memory(&m, bytes, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
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
                CHECK(mamba_model_load_memory(&mf, f32, fn, NULL, 0, NULL, &err) == MAMBA_OK, "%s as F32 GGUF: reload: %s", gp, err.message);
                sprintf(what, "%s rewritten as F32 GGUF", gp);
                if (mf) golden_model(mf, what, &g);
                mamba_model_free(mf);
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
            CHECK(mamba_model_load_memory(&m2, odd + 1, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s at an odd address: %s", gp, err.message);
            if (m && m2 && mamba_state_new(&s1, m, 0) == MAMBA_OK && mamba_state_new(&s2, m2, 0) == MAMBA_OK)
                for (i = 0; i < g.n_tokens; i++) {
                    mamba_step(m, s1, g.tokens[i], l1);
                    mamba_step(m2, s2, g.tokens[i], l2);
                    if (memcmp(l1, l2, sizeof(float) * (size_t)V)) same = 0;
                }
            CHECK(same, "%s at an odd address: logits differ", gp);
            mamba_state_free(s1); mamba_state_free(s2);
            mamba_model_free(m2);
            free(odd); free(l1); free(l2);
        }
        mamba_model_free(m);
    }
    free(g.logits); free(g8.logits); free(bytes); free(tt); free(gp); free(tp);
}

/* Offset of the first occurrence of a byte string in buf (or -1). */
static long find_bytes(const unsigned char *buf, size_t n, const char *s) {
    size_t k = strlen(s), i;
    for (i = 0; i + k <= n; i++) if (!memcmp(buf + i, s, k)) return (long)i;
    return -1;
}

static mamba_status load_gguf(const unsigned char *w, size_t n, mamba_error *err) {
    mamba_model *m = (mamba_model *)(uintptr_t)1;
    mamba_status st = mamba_model_load_memory(&m, w, n, NULL, 0, NULL, err);
    if (st == MAMBA_OK) mamba_model_free(m);
    else CHECK(m == NULL, "*out not NULL after a failed GGUF load");
    return st;
}

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
    if (lines && g) CHECK(mamba_tokenizer_load_gguf(&tk, g, gn, NULL, &err) == MAMBA_OK, "%s: %s", gguf_path, err.message);
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

int main(int argc, char **argv) {
    suite_start(argc, argv);
    printf("GGUF reader:\n");
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
    gguf_tokenizer_goldens("build/tmp/neox-tok.gguf", "tokenizer-goldens/neox-public.jsonl");
    gguf_tokenizer_goldens("build/tmp/falcon-tok.gguf", "tokenizer-goldens/falcon-public.jsonl");
    return test_summary();
}
