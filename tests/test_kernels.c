/* Kernel tests: every vector kernel against its scalar reference twin, on odd
   and even sizes, and the vector exp/softplus/silu accuracy over the ranges the
   forward pass produces. In a build without vector kernels (MAMBA_NO_SIMD, or
   an ISA we have none for) the reference kernels are checked for the property
   the forward pass relies on (matmul == matvec bit for bit).

   build/test_kernels       (no arguments needed) */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

static uint64_t rng = 0x1234567887654321ull;
static float frand(void) {   /* uniform in [-1, 1) */
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)(rng >> 40) / 8388608.0f - 1.0f;
}
/* to_f16, to_bf16 (tests/test.h): the library's own rounding */

#ifdef MAMBA__SIMD
/* ulp distance between two finite floats of the same sign */
static double ulps(float a, float b) {
    int32_t ia, ib;
    memcpy(&ia, &a, 4); memcpy(&ib, &b, 4);
    if (ia < 0) ia = (int32_t)0x80000000 - ia;
    if (ib < 0) ib = (int32_t)0x80000000 - ib;
    return fabs((double)ia - (double)ib);
}
#endif

/* |got - want| <= tol * (scale[i], or |want[i]| + rms(want) when scale is
   NULL): relative error, with the array's own magnitude as the floor so that
   values that cancel to near zero do not make the tolerance meaningless. */
static void near(const char *what, const float *got, const float *want, const float *scale, int n, double tol) {
    double worst = 0, rms = 0;
    int i, bad = 0;
    for (i = 0; i < n; i++) rms += (double)want[i] * want[i];
    rms = sqrt(rms / (n > 0 ? n : 1));
    for (i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]) / (scale ? scale[i] + 1e-30 : fabs(want[i]) + rms + 1e-30);
        if (!(e <= tol)) bad++;
        if (e > worst || e != e) worst = e;
    }
    CHECK(bad == 0, "%s: %d of %d outside %.1e (worst %.3g)", what, bad, n, tol, worst);
}

static void test_matrix_kernels(void) {
    /* rows past 16 with short 16-bit rows take the streaming matvec's prefetch
       path (issue 21); 8k + 4 + 1..3 rows its 8-, 4- and 1-row kernels */
    static const int shapes[][2] = {{1, 1}, {3, 5}, {4, 16}, {5, 17}, {13, 31}, {16, 64}, {9, 67}, {33, 130}, {7, 768},
                                    {40, 768}, {31, 1536}, {23, 1030}, {17, 2048}};
    int si, dt, T = 7;
    for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
        int rows = shapes[si][0], cols = shapes[si][1], i, t;
        float *wf = (float *)malloc(sizeof(float) * rows * cols), *x = (float *)malloc(sizeof(float) * cols * T);
        uint16_t *wh = (uint16_t *)malloc(2 * (size_t)rows * cols);
        float *y1 = (float *)malloc(sizeof(float) * rows * T), *y2 = (float *)malloc(sizeof(float) * rows * T);
        float *ys = (float *)malloc(sizeof(float) * rows * T), *bias = (float *)malloc(sizeof(float) * rows);
        float *rowbuf = (float *)malloc(sizeof(float) * cols);
        for (i = 0; i < cols * T; i++) x[i] = frand();
        for (i = 0; i < rows; i++) bias[i] = frand();
        for (dt = MAMBA_DTYPE_F32; dt <= MAMBA_DTYPE_BF16; dt++) {
            mamba__mat W;
            char what[96];
            for (i = 0; i < rows * cols; i++) {
                float v = frand();
                if (dt == MAMBA_DTYPE_F16) { wh[i] = to_f16(v); wf[i] = mamba__f16_f32(wh[i]); }
                else if (dt == MAMBA_DTYPE_BF16) { wh[i] = to_bf16(v); wf[i] = mamba__bf16_f32(wh[i]); }
                else wf[i] = v;
            }
            W.data = dt == MAMBA_DTYPE_F32 ? (const void *)wf : (const void *)wh;
            W.dtype = (mamba_dtype)dt; W.rows = rows; W.cols = cols;
            /* scale: sum |w x| per output */
            for (t = 0; t < T; t++)
                for (i = 0; i < rows; i++) {
                    int k; float sc = fabsf(bias[i]);
                    for (k = 0; k < cols; k++) sc += fabsf(wf[i * cols + k] * x[t * cols + k]);
                    ys[t * rows + i] = sc;
                }
            /* matmul must equal T matvecs bit for bit (the step/sequence property) */
            for (t = 0; t < T; t++) mamba__linear(y1 + t * rows, rows, &W, bias, x + t * cols, cols, 1, rowbuf, NULL);
            mamba__linear(y2, rows, &W, bias, x, cols, T, rowbuf, NULL);
            sprintf(what, "matmul vs matvec %s %dx%d", dt == 1 ? "F32" : dt == 2 ? "F16" : "BF16", rows, cols);
            CHECK(!memcmp(y1, y2, sizeof(float) * rows * T), "%s: not bit-identical", what);
#ifdef MAMBA__SIMD
            /* the streaming matvec (8 rows, prefetch) against the 4-row one it replaced */
            for (t = 0; t < T; t++) mamba__matvec_v(y2 + t * rows, &W, bias, x + t * cols);
            sprintf(what, "streaming vs 4-row matvec %s %dx%d", dt == 1 ? "F32" : dt == 2 ? "F16" : "BF16", rows, cols);
            CHECK(!memcmp(y1, y2, sizeof(float) * rows * T), "%s: not bit-identical", what);
#endif
            /* the vector kernels against the scalar reference */
            mamba__matmul_ref(y2, rows, &W, bias, x, cols, T, rowbuf);
            sprintf(what, "linear vs reference %s %dx%d", dt == 1 ? "F32" : dt == 2 ? "F16" : "BF16", rows, cols);
            near(what, y1, y2, ys, rows * T, 1e-6);
            mamba__matvec_ref(y2, &W, NULL, x, rowbuf);
            for (i = 0; i < rows; i++) y2[i] += bias[i];
            near("matvec_ref vs matmul_ref row 0", y2, y1, ys, rows, 1e-6);
        }
        free(wf); free(x); free(wh); free(y1); free(y2); free(ys); free(bias); free(rowbuf);
    }
}

/* The prefill tiles' cache blocking (issue 21): strips of rows run 8 tiles
   (32 tokens) at a time over column blocks (1024 columns; F16/BF16 blocks
   widened to f32 first), keeping partial accumulators between blocks.
   Every (row, token) result must still be the matrix-vector one bit for bit:
   rows not a multiple of the strip, columns over several blocks with and
   without a tail shorter than a vector, token counts over several token
   blocks and odd, several token super-blocks (1 MB of activations: 32
   tokens at 4115 and 8200 columns), and strided X and Y (ldx > cols,
   ldy > rows). */
static void test_matmul_blocking(void) {
    static const int shapes[][3] = {{13, 1077, 37}, {9, 2048, 70}, {8, 4115, 33}, {6, 3072, 5}, {5, 1031, 64}, {12, 2061, 41}, {7, 8200, 45}};
    int si, dt;
    long same = 0, total = 0;
    for (si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
        int rows = shapes[si][0], cols = shapes[si][1], T = shapes[si][2], ldx = cols + 7, ldy = rows + 3, i, t;
        float *wf = (float *)malloc(sizeof(float) * rows * cols), *x = (float *)malloc(sizeof(float) * (size_t)ldx * T);
        uint16_t *wh = (uint16_t *)malloc(2 * (size_t)rows * cols);
        float *y1 = (float *)malloc(sizeof(float) * (size_t)ldy * T), *y2 = (float *)malloc(sizeof(float) * (size_t)ldy * T);
        float *bias = (float *)malloc(sizeof(float) * rows), *rowbuf = (float *)malloc(sizeof(float) * cols);
        for (i = 0; i < ldx * T; i++) x[i] = frand();
        for (i = 0; i < rows; i++) bias[i] = frand();
        for (dt = MAMBA_DTYPE_F32; dt <= MAMBA_DTYPE_BF16; dt++) {
            mamba__mat W;
            for (i = 0; i < rows * cols; i++) {
                float v = frand();
                if (dt == MAMBA_DTYPE_F16) wh[i] = to_f16(v);
                else if (dt == MAMBA_DTYPE_BF16) wh[i] = to_bf16(v);
                else wf[i] = v;
            }
            W.data = dt == MAMBA_DTYPE_F32 ? (const void *)wf : (const void *)wh;
            W.dtype = (mamba_dtype)dt; W.rows = rows; W.cols = cols;
            for (i = 0; i < ldy * T; i++) y1[i] = y2[i] = 12345.0f;   /* the gaps between strided rows stay untouched */
            for (t = 0; t < T; t++) mamba__linear(y1 + (size_t)t * ldy, rows, &W, bias, x + (size_t)t * ldx, cols, 1, rowbuf, NULL);
            mamba__linear(y2, ldy, &W, bias, x, ldx, T, rowbuf, NULL);
            for (i = 0; i < ldy * T; i++) same += !memcmp(y1 + i, y2 + i, sizeof(float));
            total += ldy * T;
            CHECK(!memcmp(y1, y2, sizeof(float) * (size_t)ldy * T), "blocked matmul vs matvec %s %dx%d T %d (ldx %d, ldy %d): not bit-identical",
                  mamba__dtype_name((mamba_dtype)dt), rows, cols, T, ldx, ldy);
        }
        free(wf); free(x); free(wh); free(y1); free(y2); free(bias); free(rowbuf);
    }
    printf("  blocked matmul (strips, column and token blocks): %ld of %ld outputs == matvec bit for bit\n", same, total);
}

static void test_elementwise(void) {
    int i;
#ifdef MAMBA__SIMD
    {   /* vector exp against expf: ulps where the result is normal, 0 below -87.3 */
        double worst = 0, worst_x = 0;
        int bad_zero = 0, n = 0;
        float xs[MAMBA__EPR], out[MAMBA__EPR];
        double x;
        for (x = -110.0; x < 88.3; x += 0.000731) {
            int k;
            for (k = 0; k < MAMBA__EPR; k++) xs[k] = (float)(x + k * 1e-5);
            MAMBA__VSTORE(out, mamba__vexp(MAMBA__VLOAD(xs)));
            for (k = 0; k < MAMBA__EPR; k++, n++) {
                float want = expf(xs[k]);
                if (xs[k] < -87.3f) { if (out[k] != 0.0f) bad_zero++; continue; }
                if (want >= 1.17549435e-38f) {
                    double u = ulps(out[k], want);
                    if (u > worst) { worst = u; worst_x = xs[k]; }
                }
            }
        }
        printf("  vector exp: max error %.0f ulp (at x = %.4f) over %d points in [-87.3, 88.3]\n", worst, worst_x, n);
        CHECK(worst <= 2, "vector exp error %.0f ulp > documented 2 ulp", worst);
        CHECK(bad_zero == 0, "vector exp not 0 below -87.3 (%d cases)", bad_zero);
    }
    {   /* softplus and silu, vector vs scalar, over the whole range incl. the threshold */
        int n = 200003;
        float *a = (float *)malloc(sizeof(float) * n), *b = (float *)malloc(sizeof(float) * n);
        float *z = (float *)malloc(sizeof(float) * n), *one = (float *)malloc(sizeof(float) * n);
        double worst = 0;
        for (i = 0; i < n; i++) { a[i] = b[i] = -100.0f + 200.0f * i / (n - 1); one[i] = 1.0f; }
        a[7] = b[7] = 20.0f; a[8] = b[8] = 20.000002f; a[9] = b[9] = 19.999998f;
        mamba__softplus_v(a, n);
        mamba__softplus_ref(b, n);
        for (i = 0; i < n; i++) {
            double e = fabs((double)a[i] - b[i]) / (fabs(b[i]) + 1e-30);
            if (b[i] > 1e-30 && e > worst) worst = e;
        }
        printf("  vector softplus: max relative error %.3g\n", worst);
        CHECK(worst < 4e-7, "vector softplus relative error %.3g", worst);
        for (i = 0; i < n; i++) { a[i] = b[i] = 1.0f; z[i] = -100.0f + 200.0f * i / (n - 1); }
        mamba__mul_silu_v(a, z, n);
        mamba__mul_silu_ref(b, z, n);
        worst = 0;
        for (i = 0; i < n; i++) {   /* relative, with an absolute floor of 1e-35 */
            double e = fabs((double)a[i] - b[i]) / (fabs(b[i]) + 1e-35 / 4e-7);
            if (e > worst) worst = e;
        }
        printf("  vector silu: max relative error %.3g (absolute floor 1e-35)\n", worst);
        CHECK(worst < 4e-7, "vector silu relative error %.3g", worst);
        free(a); free(b); free(z); free(one);
    }
#else
    printf("  no vector kernels in this build (%s)\n", MAMBA__SIMD_NAME);
#endif
    {   /* rmsnorm (dispatched) vs reference, weighted and weightless */
        static const int ns[] = {1, 7, 16, 37, 768};
        int k;
        for (k = 0; k < 5; k++) {
            int n = ns[k];
            float *x = (float *)malloc(sizeof(float) * n), *w = (float *)malloc(sizeof(float) * n);
            float *o1 = (float *)malloc(sizeof(float) * n), *o2 = (float *)malloc(sizeof(float) * n);
            for (i = 0; i < n; i++) { x[i] = 3 * frand(); w[i] = 1 + 0.2f * frand(); }
            mamba__rmsnorm(o1, x, w, n, 1e-5f);
            mamba__rmsnorm_ref(o2, x, w, n, 1e-5f);
            near("rmsnorm", o1, o2, NULL, n, 1e-5);
            mamba__rmsnorm(o1, x, NULL, n, 1e-6f);
            mamba__rmsnorm_ref(o2, x, NULL, n, 1e-6f);
            near("rmsnorm weightless", o1, o2, NULL, n, 1e-5);
            free(x); free(w); free(o1); free(o2);
        }
    }
}

static void test_mixer_kernels(void) {
    static const int Es[] = {5, 16, 37, 64, 100};
    int ei, i, step;
    for (ei = 0; ei < 5; ei++) {
        int E = Es[ei], N = 7 + ei * 3, K = 4, n = E * N;
        float *h1 = (float *)calloc((size_t)n, 4), *h2 = (float *)calloc((size_t)n, 4), *A = (float *)malloc(4 * (size_t)n);
        float *x = (float *)malloc(4 * (size_t)E), *dt = (float *)malloc(4 * (size_t)E), *z = (float *)malloc(4 * (size_t)E);
        float *D = (float *)malloc(4 * (size_t)E), *B = (float *)malloc(4 * (size_t)N), *C = (float *)malloc(4 * (size_t)N);
        float *y1 = (float *)malloc(4 * (size_t)E), *y2 = (float *)malloc(4 * (size_t)E);
        float *w = (float *)malloc(4 * (size_t)E * K), *cb = (float *)malloc(4 * (size_t)E);
        float *win1 = (float *)calloc((size_t)E * (K - 1), 4), *win2 = (float *)calloc((size_t)E * (K - 1), 4);
        for (i = 0; i < n; i++) A[i] = -expf(2.5f * frand() + 1.0f);
        for (i = 0; i < E; i++) { D[i] = 1 + frand(); cb[i] = 0.1f * frand(); }
        for (i = 0; i < E * K; i++) w[i] = 0.5f * frand();
        for (step = 0; step < 6; step++) {   /* several tokens: the state carries */
            for (i = 0; i < E; i++) { x[i] = 2 * frand(); dt[i] = expf(3 * frand() - 4); z[i] = 3 * frand(); }
            for (i = 0; i < N; i++) { B[i] = frand(); C[i] = frand(); }
            mamba__scan_step(y1, h1, x, dt, A, B, C, D, z, E, N, 0, E);
            mamba__scan_step_ref(y2, h2, x, dt, A, B, C, D, z, E, N, 0, E);
            near("scan state", h1, h2, NULL, n, 2e-5);
            near("scan output", y1, y2, NULL, E, 2e-5);
            mamba__conv_step(y1, win1, x, w, step & 1 ? cb : NULL, E, K);
            mamba__conv_step_ref(y2, win2, x, w, step & 1 ? cb : NULL, E, K);
            near("conv output", y1, y2, NULL, E, 2e-5);
            CHECK(!memcmp(win1, win2, 4 * (size_t)E * (K - 1)), "conv window differs (E=%d)", E);
        }
        free(h1); free(h2); free(A); free(x); free(dt); free(z); free(D); free(B); free(C);
        free(y1); free(y2); free(w); free(cb); free(win1); free(win2);
    }
    {   /* SSD, groups 1 and 2, N with and without a vector tail */
        static const int cfg[][4] = {{4, 8, 16, 1}, {6, 5, 13, 2}, {8, 4, 128, 2}};   /* H, P, N, G */
        int k;
        for (k = 0; k < 3; k++) {
            int H = cfg[k][0], P = cfg[k][1], N = cfg[k][2], G = cfg[k][3], E = H * P;
            float *S1 = (float *)calloc((size_t)E * N, 4), *S2 = (float *)calloc((size_t)E * N, 4);
            float *x = (float *)malloc(4 * (size_t)E), *B = (float *)malloc(4 * (size_t)G * N), *C = (float *)malloc(4 * (size_t)G * N);
            float *dt = (float *)malloc(4 * (size_t)H), *A = (float *)malloc(4 * (size_t)H), *D = (float *)malloc(4 * (size_t)E);
            float *y1 = (float *)malloc(4 * (size_t)E), *y2 = (float *)malloc(4 * (size_t)E);
            for (i = 0; i < H; i++) { A[i] = -expf(frand()); }
            for (i = 0; i < E; i++) D[i] = frand();
            for (step = 0; step < 5; step++) {
                for (i = 0; i < E; i++) x[i] = frand();
                for (i = 0; i < G * N; i++) { B[i] = frand(); C[i] = frand(); }
                for (i = 0; i < H; i++) dt[i] = expf(2 * frand() - 3);
                mamba__ssd_step(y1, S1, x, B, C, dt, A, D, step & 1, H, P, N, G, 0, H);
                mamba__ssd_step_ref(y2, S2, x, B, C, dt, A, D, step & 1, H, P, N, G, 0, H);
                near("ssd state", S1, S2, NULL, E * N, 2e-5);
                near("ssd output", y1, y2, NULL, E, 2e-5);
            }
            free(S1); free(S2); free(x); free(B); free(C); free(dt); free(A); free(D); free(y1); free(y2);
        }
    }
}

/* Q8_0 and Q4_0: blocks built by hand against SPEC E.5's layout, then the
   quantized matvec/matmul against dequantize-then-F32. */
static void test_quant(void) {
    unsigned char q8[2 * 34], q4[2 * 18];
    float out[32];
    uint16_t d = to_f16(0.5f);
    int j, ok8 = 1, ok4 = 1;
    memcpy(q8, &d, 2);
    for (j = 0; j < 32; j++) q8[2 + j] = (unsigned char)(signed char)(j - 16);
    mamba__dequant_block(q8, MAMBA_DTYPE_Q8_0, out);
    for (j = 0; j < 32; j++) if (out[j] != 0.5f * (float)(j - 16)) ok8 = 0;
    CHECK(ok8, "Q8_0 block: v[j] = d * q[j]");
    memcpy(q4, &d, 2);
    for (j = 0; j < 16; j++) q4[2 + j] = (unsigned char)((j & 15) | ((15 - j) << 4));
    mamba__dequant_block(q4, MAMBA_DTYPE_Q4_0, out);
    for (j = 0; j < 16; j++) {
        if (out[j] != 0.5f * (float)(j - 8)) ok4 = 0;              /* low nibbles: first half */
        if (out[j + 16] != 0.5f * (float)((15 - j) - 8)) ok4 = 0;  /* high nibbles: second half */
    }
    CHECK(ok4, "Q4_0 block: low nibbles first, offset 8");
}

/* ---- K-quants: blocks packed here from the layout (ggml-common.h), so the
   library's unpacking is checked against an independent packer ------------- */

static unsigned irand(unsigned n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (unsigned)(rng >> 33) % n; }

/* Q4_K: 8 six-bit scales/mins packed as get_scale_min_k4 unpacks them. */
static void pack_q4k(unsigned char *b, uint16_t d, uint16_t dmin, const int *sc, const int *mn, const int *q) {
    int j, l;
    memcpy(b, &d, 2); memcpy(b + 2, &dmin, 2);
    memset(b + 4, 0, 12);
    for (j = 0; j < 4; j++) {
        b[4 + j] = (unsigned char)((sc[j] & 63) | (sc[j + 4] >> 4) << 6);
        b[8 + j] = (unsigned char)((mn[j] & 63) | (mn[j + 4] >> 4) << 6);
        b[12 + j] = (unsigned char)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
    }
    for (j = 0; j < 4; j++)   /* 64 values per 32 bytes: low nibbles first */
        for (l = 0; l < 32; l++) b[16 + 32 * j + l] = (unsigned char)(q[64 * j + l] | q[64 * j + 32 + l] << 4);
}
/* Q6_K: value v = 128h + 32g + l has its low 4 bits in ql[64h + l + 32(g&1)]
   (low nibble for g < 2), its high 2 bits in qh[32h + l] at bit 2g. */
static void pack_q6k(unsigned char *b, uint16_t d, const int *sc, const int *q) {
    int v;
    memset(b, 0, 210);
    for (v = 0; v < 256; v++) {
        int h = v / 128, g = v % 128 / 32, l = v % 32, u = q[v] + 32;
        b[64 * h + l + 32 * (g & 1)] |= (unsigned char)((u & 15) << (g < 2 ? 0 : 4));
        b[128 + 32 * h + l] |= (unsigned char)((u >> 4) << (2 * g));
    }
    for (v = 0; v < 16; v++) b[192 + v] = (unsigned char)(signed char)sc[v];
    memcpy(b + 208, &d, 2);
}

/* Fills a row of `cols` values of dtype dt with random blocks; block kinds
   cycle through normal, all-zero, large and tiny scales. */
/* issue 19's types: where their f16 scales sit (-1: none), the second one a
   min (Q4_1/Q5_1, the Q2_K/Q5_K dmin) unless it is -1 */
static void xq_f16_fields(mamba_dtype dt, int *d, int *m) {
    *d = 0; *m = -1;
    if (dt == MAMBA_DTYPE_Q4_1 || dt == MAMBA_DTYPE_Q5_1 || dt == MAMBA_DTYPE_Q5_K) *m = 2;
    if (dt == MAMBA_DTYPE_Q2_K) { *d = 80; *m = 82; }
    if (dt == MAMBA_DTYPE_Q3_K) *d = 108;
}
static void random_qrow(unsigned char *row, mamba_dtype dt, int cols, int kind0) {
    int nb = cols / mamba__block_elems(dt), b, j;
    static const float scales[] = {0.01f, 0.0f, 300.0f, 3e-6f};
    for (b = 0; b < nb; b++) {
        int kind = (kind0 + b) % 4;
        float sd = scales[kind];
        uint16_t d = kind == 3 ? (uint16_t)(1 + irand(1023)) : to_f16(sd * (0.5f + 0.5f * (frand() + 1)));   /* kind 3: f16 subnormal */
        if (dt >= MAMBA_DTYPE_Q4_1) {   /* issue 19's types: random bits everywhere, then the scales */
            size_t bb = mamba__block_bytes(dt);
            unsigned char *p = row + bb * b;
            int od, om;
            for (j = 0; j < (int)bb; j++) p[j] = (unsigned char)(kind == 1 && j % 3 ? 0 : irand(256));
            xq_f16_fields(dt, &od, &om);
            memcpy(p + od, &d, 2);
            if (om >= 0) { uint16_t m = kind == 1 ? 0 : to_f16(sd * 4 * frand()); memcpy(p + om, &m, 2); }
        } else if (dt == MAMBA_DTYPE_Q8_0) {
            unsigned char *p = row + 34 * b;
            memcpy(p, &d, 2);
            for (j = 0; j < 32; j++) p[2 + j] = (unsigned char)(signed char)(kind == 1 ? 0 : (int)irand(256) - 128);
        } else if (dt == MAMBA_DTYPE_Q4_0) {
            unsigned char *p = row + 18 * b;
            memcpy(p, &d, 2);
            for (j = 0; j < 16; j++) p[2 + j] = (unsigned char)irand(256);
        } else if (dt == MAMBA_DTYPE_Q4_K) {
            int sc[8], mn[8], q[256];
            for (j = 0; j < 8; j++) { sc[j] = (int)irand(64); mn[j] = (int)irand(64); }
            if (b % 3 == 0) { sc[0] = 63; mn[7] = 63; sc[7] = 0; }
            for (j = 0; j < 256; j++) q[j] = kind == 1 ? 0 : (int)irand(16);
            pack_q4k(row + 144 * b, d, kind == 1 ? 0 : to_f16(0.003f * (frand() + 1.5f)), sc, mn, q);
        } else {
            int sc[16], q[256];
            for (j = 0; j < 16; j++) sc[j] = (int)irand(256) - 128;
            for (j = 0; j < 256; j++) q[j] = kind == 1 ? 0 : (int)irand(64) - 32;
            pack_q6k(row + 210 * b, d, sc, q);
        }
    }
}

static void test_kquant_layout(void) {
    unsigned char b[210];
    float out[256];
    int sc[16], mn[8], q[256], j, ok = 1;
    float d = 0.25f, dmin = 0.125f;
    for (j = 0; j < 8; j++) { sc[j] = 5 * j + 27; mn[j] = 63 - 7 * j; }
    for (j = 0; j < 256; j++) q[j] = (j * 7 + j / 32) % 16;
    pack_q4k(b, to_f16(d), to_f16(dmin), sc, mn, q);
    mamba__dequant_block(b, MAMBA_DTYPE_Q4_K, out);
    for (j = 0; j < 256; j++) if (out[j] != d * (float)sc[j / 32] * (float)q[j] - dmin * (float)mn[j / 32]) ok = 0;
    CHECK(ok, "Q4_K block: v = d*scale[j/32]*q - dmin*min[j/32], 6-bit scales packed as get_scale_min_k4");
    for (j = 0; j < 16; j++) sc[j] = j * 17 % 256 - 128;
    for (j = 0; j < 256; j++) q[j] = (j * 5 + j / 16) % 64 - 32;
    pack_q6k(b, to_f16(d), sc, q);
    mamba__dequant_block(b, MAMBA_DTYPE_Q6_K, out);
    ok = 1;
    for (j = 0; j < 256; j++) if (out[j] != d * (float)sc[j / 16] * (float)q[j]) ok = 0;
    CHECK(ok, "Q6_K block: v = d*scale[j/16]*(q6 - 32), ql/qh split as in ggml");
}

/* For types with a min (v = s*q - m): an upper bound of |s*q| + |m| at
   element j, the size the f32 rounding of the two terms scales with; -1 for
   the others. */
static double xq_minmag(mamba_dtype dt, const unsigned char *row, int j) {
    const unsigned char *b = row + mamba__block_bytes(dt) * (size_t)(j / mamba__block_elems(dt));
    int sc[8], mn[8];
    switch (dt) {
    case MAMBA_DTYPE_Q4_1: return fabs(mamba__f16_at(b)) * 15 + fabs(mamba__f16_at(b + 2));
    case MAMBA_DTYPE_Q5_1: return fabs(mamba__f16_at(b)) * 31 + fabs(mamba__f16_at(b + 2));
    case MAMBA_DTYPE_Q2_K: return fabs(mamba__f16_at(b + 80) * (b[j % 256 / 16] & 15)) * 3 + fabs(mamba__f16_at(b + 82) * (b[j % 256 / 16] >> 4));
    case MAMBA_DTYPE_Q5_K:
        mamba__q4k_unpack(b + 4, sc, mn);
        return fabs(mamba__f16_at(b) * sc[j % 256 / 32]) * 31 + fabs(mamba__f16_at(b + 2) * mn[j % 256 / 32]);
    default: return -1;
    }
}

/* Every quantized type: the scalar dot against dequantize-then-f64 with the
   bound of the activation rounding, the vector dot against the scalar one
   bit for bit, and matmul == matvec bit for bit. Bound per row: the exact
   dot uses x, the kernel x' = d_b * round(x / d_b) with |x - x'| <= d_b / 2
   (d_b = max|x| / 127 of x's block), so |err| <= sum_j |w_j| d_b(j) / 2; plus
   f32 rounding of the block results and their sum, below 1e-5 of
   sum_j (|w_j| or, for Q4_K, |d sc q| + |dmin m|) |x_j|. */
static void test_quant_dots(void) {
    static const int dts[] = {MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q6_K,
                              MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL,
                              MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_IQ4_XS};
    static const int cols32[] = {32, 64, 224, 256, 288, 800}, colsK[] = {256, 512, 1280};
    static const int rows_list[] = {1, 3, 7};
    int di, ci, ri, T = 5;
    long checked = 0, bad_bound = 0;
#ifdef MAMBA__QDOT_V
    long vec_same = 0, vec_total = 0;
#endif
    double worst = 0;
    for (di = 0; di < (int)(sizeof dts / sizeof dts[0]); di++) {
        mamba_dtype dt = (mamba_dtype)dts[di];
        int K = mamba__block_elems(dt) == 256;
        int nc = K ? 3 : 6;
        for (ci = 0; ci < nc; ci++)
            for (ri = 0; ri < 3; ri++) {
                int cols = K ? colsK[ci] : cols32[ci], rows = rows_list[ri], r, t, j, blk = K ? 256 : 32;
                size_t rb = mamba__row_bytes(dt, (size_t)cols);
                unsigned char *w = (unsigned char *)malloc(rb * rows), *qbuf = (unsigned char *)malloc(mamba__qbuf_bytes((size_t)cols, (size_t)T));
                float *X = (float *)malloc(sizeof(float) * cols * T), *wf = (float *)malloc(sizeof(float) * cols);
                float *Y = (float *)malloc(sizeof(float) * rows * T), *Y1 = (float *)malloc(sizeof(float) * rows * T);
                mamba__mat W;
                for (r = 0; r < rows; r++) random_qrow(w + rb * r, dt, cols, r + ci);
                for (t = 0; t < T; t++)
                    for (j = 0; j < cols; j++) {   /* blocks of x: normal, zero, huge, tiny */
                        int kind = (j / blk + t) % 5;
                        X[t * cols + j] = kind == 1 ? 0.0f : kind == 2 ? 1e4f * frand() : kind == 3 ? 1e-30f * frand() : frand();
                    }
                W.data = w; W.dtype = dt; W.rows = rows; W.cols = cols;
                mamba__qlinear(Y, rows, &W, NULL, X, cols, T, qbuf);   /* matmul: all tokens quantized at once */
                for (t = 0; t < T; t++) {
                    mamba__qlinear(Y1 + t * rows, rows, &W, NULL, X + t * cols, cols, 1, qbuf);
                    for (r = 0; r < rows; r++) {
                        const unsigned char *wr = w + rb * r;
                        double exact = 0, bound = 0, mag = 0;
                        float ref;
                        mamba__qact a;
                        mamba__qact_at(qbuf, (size_t)cols, &a);
                        ref = mamba__qdot_ref(wr, dt, &a, cols);
#ifdef MAMBA__QDOT_V
                        { float v = mamba__qdot_v(wr, dt, &a, cols); vec_total++; if (!memcmp(&v, &ref, 4)) vec_same++; }
#endif
                        CHECK(!memcmp(&ref, &Y1[t * rows + r], 4), "dot == matvec");
                        W.rows = rows; mamba__row_f32(&W, r, wf);
                        for (j = 0; j < cols; j++) {
                            float amax = 0;
                            int b0 = j / blk * blk, k;
                            for (k = b0; k < b0 + blk; k++) amax = fabsf(X[t * cols + k]) > amax ? fabsf(X[t * cols + k]) : amax;
                            exact += (double)wf[j] * X[t * cols + j];
                            bound += fabs(wf[j]) * (amax / 127.0) / 2 * 1.0001;
                            if (dt == MAMBA_DTYPE_Q4_K) {
                                const unsigned char *b = wr + 144 * (j / 256);
                                int sc[8], mn[8];
                                mamba__q4k_unpack(b + 4, sc, mn);
                                mag += (fabs(mamba__f16_f32(*(const uint16_t *)(const void *)b) * sc[j % 256 / 32] * 15.0) + fabs(mamba__f16_f32(*(const uint16_t *)(const void *)(b + 2)) * mn[j % 256 / 32])) * fabs(X[t * cols + j]);
                            } else if (xq_minmag(dt, wr, j) >= 0) mag += xq_minmag(dt, wr, j) * fabs(X[t * cols + j]);
                            else mag += fabs(wf[j] * X[t * cols + j]);
                        }
                        bound += 1e-5 * mag + 1e-35;
                        checked++;
                        if (!(fabs(ref - exact) <= bound)) {
                            bad_bound++;
                            if (bad_bound < 5) printf("  %s %dx%d t%d r%d: got %.9g exact %.9g bound %.3g\n", mamba__dtype_name(dt), rows, cols, t, r, ref, exact, bound);
                        }
                        if (bound > 0 && fabs(ref - exact) / bound > worst) worst = fabs(ref - exact) / bound;
                    }
                }
                CHECK(!memcmp(Y, Y1, sizeof(float) * rows * T), "%s %dx%d: quantized matmul == matvec bit for bit", mamba__dtype_name(dt), rows, cols);
                free(w); free(qbuf); free(X); free(wf); free(Y); free(Y1);
            }
    }
    printf("  quantized dots (%s): %ld rows x tokens; scalar within the activation-rounding bound: worst %.3f of it\n", MAMBA__QDOT_NAME, checked, worst);
    CHECK(bad_bound == 0, "%ld quantized dots outside the activation-rounding bound", bad_bound);
#ifdef MAMBA__QDOT_V
    printf("  vector == scalar bit for bit: %ld of %ld\n", vec_same, vec_total);
    CHECK(vec_same == vec_total && vec_total == checked, "vector quantized dot differs from scalar in %ld of %ld", vec_total - vec_same, vec_total);
#endif
}

/* The int8 matrix-matrix tiles (issue 21): mamba__qlinear over T tokens,
   T across the token groups (8, or 16 on AVX-512 VNNI), the passes of 8
   groups and their remainder, and rows across the 4-row
   tiles, with and without a bias; every (row, token) result against the
   scalar twin mamba__qdot_ref (+ bias) on the same activation quantization,
   bit for bit. */
static void test_qmm(void) {
    static const int dts[] = {MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q6_K,
                              MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL,
                              MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_IQ4_XS};
    static const int cols32[] = {32, 96, 288, 544}, colsK[] = {256, 768};
    static const int rows_list[] = {1, 4, 6, 9, 37}, T_list[] = {4, 8, 12, 13, 16, 27, 40, 150};   /* 150: 9 groups of 16 (2 passes), 18 of 8 (3); 4, 12, 13, 27, 40: a padded last group */
    int di, ci, ri, ti;
    long same = 0, total = 0;
    char tiled[160] = "";
    for (di = 0; di < (int)(sizeof dts / sizeof dts[0]); di++) {
        mamba_dtype dt = (mamba_dtype)dts[di];
        int K = mamba__block_elems(dt) == 256, blk = K ? 256 : 32;
        if (mamba__qmm_has_tile(dt)) { strcat(tiled, " "); strcat(tiled, mamba__dtype_name(dt)); }
        for (ci = 0; ci < (K ? 2 : 4); ci++)
            for (ri = 0; ri < (int)(sizeof rows_list / sizeof rows_list[0]); ri++)
                for (ti = 0; ti < (int)(sizeof T_list / sizeof T_list[0]); ti++) {
                    int cols = K ? colsK[ci] : cols32[ci], rows = rows_list[ri], T = T_list[ti], r, t, j, use_bias = (ri + ti) & 1;
                    size_t rb = mamba__row_bytes(dt, (size_t)cols), qs = mamba__qact_bytes((size_t)cols);
                    unsigned char *w = (unsigned char *)malloc(rb * rows), *qbuf = (unsigned char *)malloc(mamba__qbuf_bytes((size_t)cols, (size_t)T));
                    unsigned char *q1 = (unsigned char *)malloc(qs);
                    float *X = (float *)malloc(sizeof(float) * cols * T), *Y = (float *)malloc(sizeof(float) * rows * T);
                    float *bias = (float *)malloc(sizeof(float) * rows);
                    mamba__mat W;
                    for (r = 0; r < rows; r++) { random_qrow(w + rb * r, dt, cols, r + ci + ti); bias[r] = r == 0 ? -0.0f : frand(); }
                    for (t = 0; t < T; t++)
                        for (j = 0; j < cols; j++) {   /* blocks of x: normal, zero, huge, tiny, +-127 steps */
                            int kind = (j / blk + t + ri) % 6;
                            X[t * cols + j] = kind == 1 ? 0.0f : kind == 2 ? 1e4f * frand() : kind == 3 ? 1e-30f * frand() : kind == 4 ? (j % 2 ? -1.0f : 1.0f) : frand();
                        }
                    W.data = w; W.dtype = dt; W.rows = rows; W.cols = cols;
                    mamba__qlinear(Y, rows, &W, use_bias ? bias : NULL, X, cols, T, qbuf);
                    for (t = 0; t < T; t++) {
                        mamba__qact a;
                        mamba__quantize_act(X + t * cols, cols, blk, q1);
                        mamba__qact_at(q1, (size_t)cols, &a);
                        for (r = 0; r < rows; r++) {
                            float ref = mamba__qdot_ref(w + rb * r, dt, &a, cols) + (use_bias ? bias[r] : 0.0f);
                            total++;
                            if (!memcmp(&ref, &Y[t * rows + r], 4)) same++;
                            else if (total - same < 4) printf("  %s %dx%d T=%d t%d r%d: tile %.9g, scalar %.9g\n", mamba__dtype_name(dt), rows, cols, T, t, r, Y[t * rows + r], ref);
                        }
                    }
                    free(w); free(qbuf); free(q1); free(X); free(Y); free(bias);
                }
    }
#ifdef MAMBA__QMM_V
    printf("  int8 matmul tiles (%s): %ld of %ld (row, token) results over 12 types == scalar dot bit for bit\n", tiled, same, total);
#else
    printf("  int8 matmul (no tiles in this build: per-token dots): %ld of %ld == scalar bit for bit\n", same, total);
#endif
    CHECK(same == total, "int8 matmul differs from the scalar dot in %ld of %ld", total - same, total);
}

/* The activation quantizer's vector twin (issue 21, mamba__qmm_quantize):
   every byte of the quantized activations (q, block scales, block sums)
   equal to mamba__quantize_act's, for blocks of 32 and 256, on values that
   round half away from zero (a block with max |x| = 127 has d = 1, so
   x * id = x: +-k.5, 0.49999997, 126.5), zeros and -0, NaN and +-inf, huge,
   tiny and denormal values. */
static void test_qact(void) {
    static const float edge[] = {2.5f, -2.5f, 0.5f, -0.5f, 1.5f, -1.5f, 0.49999997f, -0.49999997f, 126.5f, -126.5f, 3.4999998f, -0.0f, 0.0f, 1.0f};
    int blks[2] = {32, 256}, bi, kind, j, bad = 0, cases = 0;
    for (bi = 0; bi < 2; bi++)
        for (kind = 0; kind < 10; kind++) {
            int blk = blks[bi], n = 4 * blk;
            size_t qs = mamba__qact_bytes((size_t)n);
            float *x = (float *)malloc(sizeof(float) * n);
            unsigned char *a = (unsigned char *)calloc(1, qs), *b = (unsigned char *)calloc(1, qs);
            for (j = 0; j < n; j++) {
                float v = frand();
                switch (kind) {
                case 0: break;
                case 1: v = j % blk == 0 ? 127.0f : edge[j % 14]; break;               /* d = 1: ties */
                case 2: v = j % blk == 5 ? -127.0f : (float)(j % 255 - 127) + 0.5f * (j % 3 == 0); break;
                case 3: v = 0.0f; break;
                case 4: v = j % 7 == 0 ? -0.0f : 0.0f; break;
                case 5: v = j % 11 == 0 ? (j % 2 ? NAN : -NAN) : v; break;             /* NaN ignored by amax, -> 0 */
                case 6: v = j % 13 == 0 ? (j % 2 ? INFINITY : -INFINITY) : v; break;   /* id 0: inf * 0 = NaN -> 0 */
                case 7: v *= 3e38f; break;
                case 8: v *= 1e-39f; break;                                            /* denormals */
                default: v = j % blk == 0 ? 1e-30f : v * 1e-38f; break;
                }
                x[j] = v;
            }
            mamba__quantize_act(x, n, blk, a);
#ifdef MAMBA__QACT_V
            mamba__quantize_act_v(x, n, blk, b);
#else
            mamba__qmm_quantize(x, n, 1, n, blk, b);
#endif
            cases++;
            if (memcmp(a, b, qs)) { bad++; printf("  qact blk %d kind %d differs\n", blk, kind); }
            free(x); free(a); free(b);
        }
    printf("  activation quantizer (%s): %d of %d cases byte-identical to mamba__quantize_act\n",
#ifdef MAMBA__QACT_V
           "vector twin",
#else
           "scalar only",
#endif
           cases - bad, cases);
    CHECK(bad == 0, "vector activation quantizer differs in %d of %d cases", bad, cases);
}

/* Decode's 4-rows-in-flight quantized matrix-vector product (issue 21):
   mamba__qlinear with T = 1 over rows 1..9 (full groups of 4 and the rows
   past them), widths with and without a partial group of 8 blocks, with and
   without a bias, activation blocks normal/zero/huge/tiny/+-1; every row
   against the scalar twin mamba__qdot_ref (+ bias), bit for bit. */
static void test_qrows(void) {
    static const int dts[] = {MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q6_K, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_K};   /* Q5_0, Q5_K: qdecode3's VBMI kernels */
    static const int cols32[] = {32, 128, 224, 256, 288, 800, 1536}, colsK[] = {256, 768, 1280};
    int di, ci, rows, kind0;
    long same = 0, total = 0;
    for (di = 0; di < 6; di++) {
        mamba_dtype dt = (mamba_dtype)dts[di];
        int K = mamba__block_elems(dt) == 256, blk = K ? 256 : 32;
        for (ci = 0; ci < (K ? 3 : 7); ci++)
            for (rows = 1; rows <= 9; rows++)
                for (kind0 = 0; kind0 < 2; kind0++) {
                    int cols = K ? colsK[ci] : cols32[ci], r, j, use_bias = kind0;
                    size_t rb = mamba__row_bytes(dt, (size_t)cols), qs = mamba__qact_bytes((size_t)cols);
                    unsigned char *w = (unsigned char *)malloc(rb * rows), *qbuf = (unsigned char *)malloc(qs), *q1 = (unsigned char *)malloc(qs);
                    float *x = (float *)malloc(sizeof(float) * cols), *y = (float *)malloc(sizeof(float) * rows);
                    float *bias = (float *)malloc(sizeof(float) * rows);
                    mamba__mat W;
                    mamba__qact a;
                    for (r = 0; r < rows; r++) { random_qrow(w + rb * r, dt, cols, 7 * r + ci + rows); bias[r] = r == 1 ? -0.0f : frand(); }
                    for (j = 0; j < cols; j++) {
                        int kind = (j / blk + rows + kind0) % 6;
                        x[j] = kind == 1 ? 0.0f : kind == 2 ? 1e4f * frand() : kind == 3 ? 1e-30f * frand() : kind == 4 ? (j % 2 ? -1.0f : 1.0f) : frand();
                    }
                    W.data = w; W.dtype = dt; W.rows = rows; W.cols = cols;
                    mamba__qlinear(y, rows, &W, use_bias ? bias : NULL, x, cols, 1, qbuf);
                    mamba__quantize_act(x, cols, blk, q1);
                    mamba__qact_at(q1, (size_t)cols, &a);
                    for (r = 0; r < rows; r++) {
                        float ref = mamba__qdot_ref(w + rb * r, dt, &a, cols) + (use_bias ? bias[r] : 0.0f);
                        total++;
                        if (!memcmp(&ref, &y[r], 4)) same++;
                        else if (total - same < 4) printf("  %s %dx%d r%d: matvec %.9g, scalar %.9g\n", mamba__dtype_name(dt), rows, cols, r, y[r], ref);
                    }
                    free(w); free(qbuf); free(q1); free(x); free(y); free(bias);
                }
    }
#ifdef MAMBA__QDOT4_V
    printf("  quantized matvec, 4 rows in flight: %ld of %ld rows == scalar dot bit for bit\n", same, total);
#else
    printf("  quantized matvec (no 4-row kernel in this build): %ld of %ld rows == scalar dot bit for bit\n", same, total);
#endif
    CHECK(same == total, "quantized matvec differs from the scalar dot in %ld of %ld rows", total - same, total);
}

/* Issue 19's types: blocks of random bits (finite scales) packed and
   dequantized by tests/ref/gguf_quant.py from ggml's layouts; the library
   must decode every one bit for bit. Then non-finite scales: the values are
   non-finite (so weight validation sees them) and every dot path gives a
   non-finite result, no crash. */
static void test_xq_blocks(void) {
    static const int dts[] = {MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL,
                              MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_IQ4_XS};
    size_t di;
    for (di = 0; di < sizeof dts / sizeof dts[0]; di++) {
        mamba_dtype dt = (mamba_dtype)dts[di];
        int be = mamba__block_elems(dt), k, j, bad = 0, od, om;
        size_t bb = mamba__block_bytes(dt), nb = 0, nv = 0;
        char pb[96], pf[96];
        unsigned char *raw, *want;
        FILE *f;
        sprintf(pb, "tests/data/qblocks/%s.bin", mamba__dtype_name(dt));
        sprintf(pf, "tests/data/qblocks/%s.f32", mamba__dtype_name(dt));
        raw = (unsigned char *)malloc(64 * bb); want = (unsigned char *)malloc(64 * 256 * 4);
        if ((f = fopen(pb, "rb"))) { nb = fread(raw, 1, 64 * bb, f); fclose(f); }
        if ((f = fopen(pf, "rb"))) { nv = fread(want, 1, 64 * 256 * 4, f); fclose(f); }
        CHECK(nb == 64 * bb && nv == (size_t)64 * be * 4, "read %s and %s", pb, pf);
        if (nb == 64 * bb && nv == (size_t)64 * be * 4) {
            float out[256];
            for (k = 0; k < 64; k++) {
                mamba__dequant_block(raw + bb * k, dt, out);
                for (j = 0; j < be; j++) if (memcmp(&out[j], want + 4 * ((size_t)k * be + j), 4)) bad++;
            }
            CHECK(bad == 0, "%s: %d of %d values differ from tests/ref's dequantization", mamba__dtype_name(dt), bad, 64 * be);
        }
        /* hostile: each f16 field +inf, -inf or NaN in block 1 of a 4-block row */
        xq_f16_fields(dt, &od, &om);
        for (k = 0; k < 6; k++) {
            static const uint16_t bits[3] = {0x7C00, 0xFC00, 0x7E01};
            int cols = 4 * be, l, nonfin = 0, off = k < 3 ? od : om;
            size_t qs = mamba__qact_bytes((size_t)cols);
            unsigned char *row = (unsigned char *)malloc(4 * bb), *qb = (unsigned char *)malloc(qs);
            float *x = (float *)malloc(sizeof(float) * cols), v[256], r;
            mamba__qact a;
            if (off < 0) { free(row); free(qb); free(x); continue; }
            random_qrow(row, dt, cols, 0);
            memcpy(row + bb + off, &bits[k % 3], 2);
            for (l = 0; l < cols; l++) x[l] = frand();
            mamba__dequant_block(row + bb, dt, v);
            for (l = 0; l < be; l++) nonfin += !(v[l] - v[l] == 0.0f);
            CHECK(nonfin == be, "%s with a non-finite f16 at %d: all %d values non-finite (%d)", mamba__dtype_name(dt), off, be, nonfin);
            mamba__quantize_act(x, cols, be, qb);
            mamba__qact_at(qb, (size_t)cols, &a);
            r = mamba__qdot_ref(row, dt, &a, cols);
            CHECK(!(r - r == 0.0f), "%s non-finite f16 at %d: scalar dot non-finite (%g)", mamba__dtype_name(dt), off, r);
#ifdef MAMBA__QDOT_V
            r = mamba__qdot_v(row, dt, &a, cols);
            CHECK(!(r - r == 0.0f), "%s non-finite f16 at %d: vector dot non-finite (%g)", mamba__dtype_name(dt), off, r);
#endif
            free(row); free(qb); free(x);
        }
        free(raw); free(want);
    }
}

/* The writer's K-quantization against tests/ref/gguf_kquant_ref.py (llama.cpp's
   quantize_row_*_ref re-implemented in numpy float32): byte for byte. */
static void test_kquant_writer(void) {
    static const int dts[] = {MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_Q6_K,
                              MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL};
    float x[16 * 256];
    size_t di, nx = 0;
    FILE *f = fopen("tests/data/qblocks/kref-in.f32", "rb");
    if (f) { nx = fread(x, 4, 16 * 256, f); fclose(f); }
    CHECK(nx == 16 * 256, "read tests/data/qblocks/kref-in.f32");
    if (nx != 16 * 256) return;
    for (di = 0; di < sizeof dts / sizeof dts[0]; di++) {
        mamba_dtype dt = (mamba_dtype)dts[di];
        int k, bad = 0, first = -1, be = mamba__block_elems(dt), nb = 16 * 256 / be;
        size_t bb = mamba__block_bytes(dt), n = 0, j;
        unsigned char want[4096], got[210];   /* the largest: Q6_K 16 x 210, Q5_1 128 x 24 */
        char path[96];
        sprintf(path, "tests/data/qblocks/%s-ref.bin", mamba__dtype_name(dt));
        if ((f = fopen(path, "rb"))) { n = fread(want, 1, sizeof want, f); fclose(f); }
        CHECK(n == (size_t)nb * bb, "read %s", path);
        if (n != (size_t)nb * bb) continue;
        for (k = 0; k < nb; k++) {
            mamba__quant_block(x + (size_t)be * k, dt, got);
            for (j = 0; j < bb; j++) if (got[j] != want[bb * k + j]) { bad++; if (first < 0) first = k; }
        }
        CHECK(bad == 0, "%s writer vs llama.cpp's reference quantization (tests/ref): %d bytes differ (first in block %d)",
              mamba__dtype_name(dt), bad, first);
    }
    {   /* hostile values (a NaN or inf weight, a requantized NaN block): every writer type returns, no UB (the san build) */
        static const int wdt[] = {MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K,
                                  MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_Q6_K, MAMBA_DTYPE_IQ4_NL};
        float v[256];
        unsigned char out[256];
        int k, j, ok = 1;
        for (di = 0; di < sizeof wdt / sizeof wdt[0]; di++)
            for (k = 0; k < 4; k++) {
                for (j = 0; j < 256; j++) v[j] = x[j];
                if (k == 0) v[7] = NAN;
                if (k == 1) v[100] = INFINITY;
                if (k == 2) for (j = 0; j < 256; j++) v[j] = NAN;
                if (k == 3) { v[3] = -INFINITY; v[200] = 3e38f; }
                ok &= mamba__quant_block(v, (mamba_dtype)wdt[di], out);
            }
        CHECK(ok, "writer quantizers on NaN/inf values");
    }
}

/* IQ4_NL's value index: the library's branch-free mamba__best_index_iq4_32
   against the binary search it replaced (ggml's best_index_int8, kept here as
   the reference), index for index. Dense over all 2^32 bit patterns (every
   1021st; every 65521st under valgrind, MAMBA_TEST_QUICK), and every float
   within 4096 steps of each table value and of each tie point between two
   neighbours, plus the infinities, NaNs, zeros, denormals and the extremes. */
static int iq4_index_ref(float x) {
    const signed char *v = mamba__iq4nl_values;
    int ml = 0, mu = 15;
    if (x <= (float)v[0]) return 0;
    if (x >= (float)v[15]) return 15;
    while (mu - ml > 1) {
        int mav = (ml + mu) / 2;
        if (x < (float)v[mav]) mu = mav; else ml = mav;
    }
    return x - (float)v[mu - 1] < (float)v[mu] - x ? mu - 1 : mu;
}
static long iq4_index_bad, iq4_index_n;
static float iq4_pending[32];
static int iq4_npending;
/* x into the next block of 32 for mamba__best_index_iq4_32 (id 1: the same x) */
static void iq4_index_check(float x) {
    iq4_pending[iq4_npending++] = x;
    iq4_index_n++;
    if (iq4_npending == 32) {
        unsigned char L[32];
        int j, b;
        mamba__best_index_iq4_32(1.0f, iq4_pending, L);
        for (j = 0; j < 32; j++) {
            uint32_t u;
            b = iq4_index_ref(iq4_pending[j]);
            memcpy(&u, &iq4_pending[j], 4);
            if (L[j] != b && iq4_index_bad++ < 5)
                printf("  best_index_iq4_32(%.9g = 0x%08x): %d, the binary search says %d\n", (double)iq4_pending[j], (unsigned)u, L[j], b);
        }
        iq4_npending = 0;
    }
}
static void test_iq4_index(void) {
    static const uint32_t special[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x80000001u, 0x007fffffu, 0x807fffffu, 0x00800000u,
                                       0x80800000u, 0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u,
                                       0x7f800001u, 0xff800001u, 0x7fffffffu, 0xffffffffu, 0x3f800000u, 0xbf800000u};
    uint32_t stride = getenv("MAMBA_TEST_QUICK") ? 65521u : 1021u, u;
    uint64_t w;
    int k;
    for (k = 0; k < (int)(sizeof special / sizeof special[0]); k++) { float x; memcpy(&x, &special[k], 4); iq4_index_check(x); }
    for (w = 0; w < 0x100000000ull; w += stride) { float x; u = (uint32_t)w; memcpy(&x, &u, 4); iq4_index_check(x); }
    for (k = 0; k < 31; k++) {   /* the 16 values (k even) and the 15 points between neighbours (k odd) */
        float c = k % 2 ? 0.5f * ((float)mamba__iq4nl_values[k / 2] + (float)mamba__iq4nl_values[k / 2 + 1]) : (float)mamba__iq4nl_values[k / 2];
        float up = c, down = c;
        int s;
        for (s = 0; s < 4096; s++) { iq4_index_check(up); iq4_index_check(down); up = nextafterf(up, INFINITY); down = nextafterf(down, -INFINITY); }
    }
    while (iq4_npending) iq4_index_check(0.0f);   /* the last block */
    for (k = 0; k < 2000; k++) {   /* and the product id * x[j] it forms */
        float xs[32], id = 300.0f * frand();
        unsigned char L[32];
        int j;
        for (j = 0; j < 32; j++) xs[j] = frand();
        mamba__best_index_iq4_32(id, xs, L);
        for (j = 0; j < 32; j++, iq4_index_n++)
            if (L[j] != iq4_index_ref(id * xs[j]) && iq4_index_bad++ < 5) printf("  best_index_iq4_32(%g * %g): %d\n", (double)id, (double)xs[j], L[j]);
    }
    {
        float t[32];
        unsigned char L[32];
        for (k = 0; k < 32; k++) t[k] = k < 16 ? (float)mamba__iq4nl_values[k] : k == 16 ? NAN : k == 17 ? INFINITY : k == 18 ? -INFINITY : 0.0f;
        mamba__best_index_iq4_32(1.0f, t, L);
        for (k = 0; k < 16; k++) CHECK(L[k] == k, "best_index_iq4_32 of table value %d: %d", k, L[k]);
        CHECK(L[16] == 15 && L[17] == 15 && L[18] == 0 && L[19] == 8, "best_index_iq4_32: NaN 15, +inf 15, -inf 0, 0 8 (ggml's): %d %d %d %d",
              L[16], L[17], L[18], L[19]);
    }
    CHECK(iq4_index_bad == 0, "best_index_iq4_32 differs from the binary search on %ld of %ld floats", iq4_index_bad, iq4_index_n);
    printf("  best_index_iq4_32: the binary search's index on %ld floats\n", iq4_index_n);
}

int main(void) {
    printf("kernels: %s\n", MAMBA__SIMD_NAME);
    test_matrix_kernels();
    test_matmul_blocking();
    test_elementwise();
    test_mixer_kernels();
    test_quant();
    test_kquant_layout();
    test_quant_dots();
    test_xq_blocks();
    test_kquant_writer();
    test_iq4_index();
    test_qmm();
    test_qact();
    test_qrows();
    return test_summary();
}
