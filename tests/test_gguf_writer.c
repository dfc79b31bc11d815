/* The GGUF writer: f32 -> f16/bf16/Q8_0/Q4_0 conversions; llama.cpp's m1-tiny
   files re-written byte for byte / tensor for tensor; every golden through
   safetensors -> GGUF -> load; the Python reference writer's files; the
   tokenizer keys against tests/ref/tokenizer_to_gguf.py.

   build/test_gguf_writer [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"

/* A golden directory's model: from the file system, or (MAMBA_NO_STDIO) from
   memory when it is one safetensors file; NULL to skip. *keep holds the bytes. */
static mamba_model *load_dir_model(const char *dir, unsigned char **keep) {
    mamba_model *m = NULL;
    mamba_error err;
    *keep = NULL;
#ifndef MAMBA_NO_STDIO
    CHECK(mamba_model_load_file(&m, dir, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
#else
    {
        char *wp = path2(dir, "model.safetensors"), *cp = path2(dir, "config.json");
        size_t wn, cn;
        unsigned char *w = read_all(wp, &wn), *cfg = read_all(cp, &cn);
        if (w && cfg) CHECK(mamba_model_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
        if (m) *keep = w; else free(w);
        free(cfg); free(wp); free(cp);
    }
#endif
    return m;
}

/* Logits of every token, one step at a time, first V of each row. */
static float *step_logits(const mamba_model *m, const golden *g, int V) {
    int Vm = mamba_model_config(m)->vocab_size, i;
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
        mamba_model_free(a); free(keep); free(g.logits);
        return;
    }
    CHECK(st == MAMBA_OK, "%s: write F32: %s", dir, err.message);
    if (f32) CHECK(mamba_model_load_memory(&b, f32, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: reload F32 GGUF: %s", dir, err.message);
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
        mamba_model_free(b); b = NULL;
    }
    free(f32);
    for (t = 0; t < 4; t++) {   /* F16, BF16, Q8_0, Q4_0 */
        static const mamba_dtype types[4] = {MAMBA_DTYPE_F16, MAMBA_DTYPE_BF16, MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0};
        size_t bad = 0, total = 0;
        int k, nm;
        q = gguf_bytes(a, NULL, types[t], 1, &n, &st, &err);
        CHECK(st == MAMBA_OK, "%s: write type %d: %s", dir, (int)types[t], err.message);
        if (q) CHECK(mamba_model_load_memory(&b, q, n, NULL, 0, NULL, &err) == MAMBA_OK, "%s: reload type %d: %s", dir, (int)types[t], err.message);
        if (!b) { free(q); continue; }
        nm = model_mats(a, ma);
        CHECK(model_mats(b, mb) == nm, "%s: matrices", dir);
        for (k = 0; k < nm; k++) {
            const mamba__mat *A = ma[k], *B = mb[k];
            size_t r, c, rows = (size_t)(A->rows < B->rows ? A->rows : B->rows);
            mamba_dtype want = mamba__is_quant(types[t]) && A->cols % 32 ? MAMBA_DTYPE_F16 : types[t];
            CHECK(B->dtype == want, "%s: matrix %d is dtype %d, want %d", dir, k, (int)B->dtype, (int)want);
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
        mamba_model_free(b); b = NULL;
        free(q);
    }
    mamba_model_free(a);
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
    CHECK(mamba_model_load_memory(&m, f, fn, NULL, 0, NULL, &err) == MAMBA_OK, "m1-tiny F32 GGUF: %s", err.message);
    CHECK(mamba_tokenizer_load_gguf(&tok, f, fn, NULL, &err) == MAMBA_OK, "m1-tiny GGUF tokenizer: %s", err.message);
    out = gguf_bytes(m, tok, MAMBA_DTYPE_F32, 0, &n, &st, &err);
    CHECK(out && n == fn && !memcmp(out, f, fn), "re-writing llama.cpp's m1-tiny-F32.gguf: %zu bytes, want the same %zu", n, fn);
    if (out && n == fn && !memcmp(out, f, fn)) printf("  writer: llama.cpp's m1-tiny-F32.gguf re-written byte for byte (%zu bytes)\n", n);
    free(out);
    out = gguf_bytes(m, tok, MAMBA_DTYPE_Q8_0, 0, &n, &st, &err);
    if (out && same_tensors("Q8_0 vs llama-quantize", out, n, q, qn)) printf("  writer: Q8_0 tensors = llama-quantize's m1-tiny-Q8_0.gguf (types, F16 fallback, blocks)\n");
    free(out);
    mamba_model_free(m); m = NULL;
    CHECK(mamba_model_load_memory(&m, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "m1-tiny: %s", err.message);
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
    mamba_model_free(m);
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
    CHECK(mamba_model_load_file(&b, path, NULL, &err) == MAMBA_OK, "%s (make test writes it with tests/ref/gguf_write.py): %s", path, err.message);
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
    mamba_model_free(a); mamba_model_free(b); free(keep); free(g.logits);
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
    CHECK(mamba_tokenizer_load_file(&tj, jp, NULL, &err) == MAMBA_OK, "%s: %s", jp, err.message);
    CHECK(mamba_model_load_file(&m, tiny, NULL, &err) == MAMBA_OK, "m1-tiny: %s", err.message);
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
        CHECK(mamba_tokenizer_load_gguf(&tg, out, n, NULL, &err) == MAMBA_OK, "reload tokenizer: %s", err.message);
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
    mamba_tokenizer_free(tj); mamba_tokenizer_free(tg); mamba_model_free(m);
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
    CHECK(mamba_tokenizer_load_json(&tj, json, sizeof json - 1, NULL, &err) == MAMBA_OK, "tiny tokenizer: %s", err.message);
    CHECK(mamba_model_load_file(&m, "tests/data/m1-bf16-sharded", NULL, &err) == MAMBA_OK, "m1-bf16-sharded: %s", err.message);
    if (tj && m) {
        a = gguf_bytes(m, tj, MAMBA_DTYPE_F32, 0, &na, &st, &err);
        CHECK(a && mamba_tokenizer_load_gguf(&tg, a, na, NULL, &err) == MAMBA_OK, "tokenizer from the padded GGUF: %s", err.message);
    }
    if (tg) {
        int ids[8];
        size_t n;
        CHECK(mamba_tokenizer_n_vocab(tg) == 104, "padded vocabulary: %d ids, want the 104 embedding rows", mamba_tokenizer_n_vocab(tg));
        s = mamba_tokenizer_token_bytes(tg, 57, &len);
        CHECK(s && len == 7 && !memcmp(s, "[PAD57]", 7), "id 57 is [PAD57]");
        CHECK(mamba_tokenizer_is_special(tg, 3), "<|end|> stays special");
        CHECK(mamba_tokenizer_encode(tg, "ab<|end|>b", 10, ids, 8, &n) == MAMBA_OK && n == 3 && ids[0] == 2 && ids[1] == 3 && ids[2] == 1,
              "encode after the round trip");
        b = gguf_bytes(m, tg, MAMBA_DTYPE_F32, 0, &nb, &st, &err);
        CHECK(b && na == nb && !memcmp(a, b, na), "a GGUF tokenizer with [PAD] entries writes back the same file");
    }
    free(a); free(b);
    mamba_tokenizer_free(tj); mamba_tokenizer_free(tg); mamba_model_free(m);
#endif
}

int main(int argc, char **argv) {
    int i;
    suite_start(argc, argv);
    printf("GGUF writer:\n");
    writer_numbers();
    writer_llama_files();
    for (i = 0; golden_dirs(i); i++) writer_roundtrip(golden_dirs(i));
    for (i = 0; golden_dirs(i); i++) writer_python_ref(golden_dirs(i));
    writer_tokenizer("tokenizer-gpt-neox-20b.json", "build/tmp/neox-tok.gguf");
    writer_tokenizer("tokenizer-falcon.json", "build/tmp/falcon-tok.gguf");
    writer_tokenizer_padding();
    return test_summary();
}
