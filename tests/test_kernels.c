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
static uint16_t to_f16(float f) {   /* round to nearest, normal range only (|f| < 2) */
    uint32_t u; int e; uint32_t m; uint16_t h;
    memcpy(&u, &f, 4);
    h = (uint16_t)((u >> 16) & 0x8000);
    e = (int)((u >> 23) & 0xff) - 127 + 15;
    m = (u & 0x7fffff) + 0x1000;
    if (m & 0x800000) { m = 0; e++; }
    if (e <= 0) return h;
    return (uint16_t)(h | (uint16_t)(e << 10) | (uint16_t)(m >> 13));
}
static uint16_t to_bf16(float f) { uint32_t u; memcpy(&u, &f, 4); return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16); }

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
    static const int shapes[][2] = {{1, 1}, {3, 5}, {4, 16}, {5, 17}, {13, 31}, {16, 64}, {9, 67}, {33, 130}, {7, 768}};
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
            W.dtype = dt; W.rows = rows; W.cols = cols;
            /* scale: sum |w x| per output */
            for (t = 0; t < T; t++)
                for (i = 0; i < rows; i++) {
                    int k; float sc = fabsf(bias[i]);
                    for (k = 0; k < cols; k++) sc += fabsf(wf[i * cols + k] * x[t * cols + k]);
                    ys[t * rows + i] = sc;
                }
            /* matmul must equal T matvecs bit for bit (the step/sequence property) */
            for (t = 0; t < T; t++) mamba__linear(y1 + t * rows, rows, &W, bias, x + t * cols, cols, 1, rowbuf);
            mamba__linear(y2, rows, &W, bias, x, cols, T, rowbuf);
            sprintf(what, "matmul vs matvec %s %dx%d", dt == 1 ? "F32" : dt == 2 ? "F16" : "BF16", rows, cols);
            CHECK(!memcmp(y1, y2, sizeof(float) * rows * T), "%s: not bit-identical", what);
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
    float out[32], x[64], wf[64], y1[1], y2[1], y3[3];
    uint16_t d = to_f16(0.5f);
    int j, ok8 = 1, ok4 = 1, dt;
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
    for (dt = MAMBA_DTYPE_Q8_0; dt <= MAMBA_DTYPE_Q4_0; dt++) {   /* a 1 x 64 row, 2 blocks */
        unsigned char *row = dt == MAMBA_DTYPE_Q8_0 ? q8 : q4;
        size_t bb = dt == MAMBA_DTYPE_Q8_0 ? 34 : 18;
        mamba__mat W;
        float rowbuf[64], X[3 * 64], Y[3];
        int t;
        memcpy(row + bb, row, bb);
        row[bb] ^= 0x40;   /* a different scale for the second block */
        W.data = row; W.dtype = dt; W.rows = 1; W.cols = 64;
        for (j = 0; j < 64; j++) x[j] = frand();
        mamba__row_f32(&W, 0, wf);
        y2[0] = mamba__dot_f32_ref(wf, x, 64);
        mamba__linear(y1, 1, &W, NULL, x, 64, 1, rowbuf);
        near(dt == MAMBA_DTYPE_Q8_0 ? "Q8_0 matvec vs dequantized" : "Q4_0 matvec vs dequantized", y1, y2, NULL, 1, 1e-6);
        for (j = 0; j < 3 * 64; j++) X[j] = j < 64 ? x[j] : frand();
        mamba__linear(Y, 1, &W, NULL, X, 64, 3, rowbuf);
        for (t = 0; t < 3; t++) mamba__linear(y3 + t, 1, &W, NULL, X + 64 * t, 64, 1, rowbuf);
        CHECK(!memcmp(Y, y3, sizeof Y), "quantized matmul == matvec bit for bit");
    }
}

int main(void) {
    printf("kernels: %s\n", MAMBA__SIMD_NAME);
    test_matrix_kernels();
    test_elementwise();
    test_mixer_kernels();
    test_quant();
    return test_summary();
}
