/* bench_qmatvec (issue 21): decode's quantized matrix-vector product, A/B in
   one run. The one-row-per-call loop (mamba__qdot per row: mamba__qlinear's
   T = 1 path before the 4-row kernels) against mamba__qmatvec4_run (4 rows
   in flight: what decode uses), over NMAT matrices in turn (more bytes than
   the caches, as decode reads them), in interleaved passes (which goes first
   alternates); both quantize the activation once per product. Threads: the
   library's OpenMP loop in both (OMP_NUM_THREADS / the default). Prints the
   best wall time per matrix of each, the summed process CPU time of each,
   and checks that both give the same bits.

   build/bench_qmatvec DTYPE ROWS COLS NMAT PASSES   (DTYPE Q8_0, Q4_0, Q4_K, Q6_K, Q5_0 or Q5_K;
   build/bench_qmatvec_omp is the same built with OpenMP: OMP_NUM_THREADS=2)
   e.g. OMP_NUM_THREADS=1 build/bench_qmatvec Q4_K 3072 768 128 16   (130m in_proj, 170 MB)
   A 6th argument `ymm`: kernel 0 is the 256-bit 4-row kernel instead of the
   one-row loop, where this build has a 512-bit one (Q4_0 with AVX-512 VBMI).
   Exit 0, 1 if the bits differ, 2 on bad arguments. POSIX clocks (bench only). */
#define _GNU_SOURCE 1
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include <stdio.h>
#include "ab.h"

/* the T = 1 path of mamba__qlinear before the 4-row kernels */
static void one_row(float *y, const mamba__mat *W, const float *x, unsigned char *qbuf) {
    mamba_dtype dt = W->dtype;
    int rows = W->rows, cols = W->cols, r, nb = cols / mamba__block_elems(dt);
    mamba__qdot_fn dot = mamba__qdot_pick(dt);
    size_t rb = mamba__row_bytes(dt, (size_t)cols), omp_work = (size_t)rows * (size_t)cols;
    mamba__qact a;
    (void)omp_work;
    mamba__qmm_quantize(x, cols, 1, cols, mamba__block_elems(dt), qbuf);   /* the library's quantizer (decode's) */
    mamba__qact_at(qbuf, (size_t)cols, &a);
    MAMBA__OMP_FOR
    for (r = 0; r < rows; r++) y[r] = dot((const unsigned char *)W->data + (size_t)r * rb, &a, nb) + 0.0f;
}
static void four_rows(float *y, const mamba__mat *W, const float *x, unsigned char *qbuf) {
    mamba__qmm_quantize(x, W->cols, 1, W->cols, mamba__block_elems(W->dtype), qbuf);
    if (!mamba__qmatvec4_run(y, W, NULL, qbuf)) one_row(y, W, x, qbuf);
}

/* the 256-bit 4-row kernel where a 512-bit one replaced it (qdecode3), else NULL */
static mamba__qdot4_fn ymm_kernel(mamba_dtype dt) {
#ifdef MAMBA__Q4_0_Z
    if (dt == MAMBA_DTYPE_Q4_0) return mamba__qdot4_q4_0_x86;
#endif
#ifdef MAMBA__Q4_K_Z
    if (dt == MAMBA_DTYPE_Q4_K) return mamba__qdot4_q4_k_x86;
#endif
    (void)dt;
    return NULL;
}
/* mamba__qmatvec4_run's loop with that kernel (no bias) */
static void four_rows_ymm(float *y, const mamba__mat *W, const float *x, unsigned char *qbuf) {
    mamba_dtype dt = W->dtype;
    int rows = W->rows, cols = W->cols, ng = rows / 4, g, r, nb = cols / mamba__block_elems(dt);
    mamba__qdot4_fn dot4 = ymm_kernel(dt);
    mamba__qdot_fn dot = mamba__qdot_pick(dt);
    size_t rb = mamba__row_bytes(dt, (size_t)cols), omp_work = (size_t)rows * (size_t)cols;
    mamba__qact a;
    (void)omp_work;
    mamba__qmm_quantize(x, cols, 1, cols, mamba__block_elems(dt), qbuf);
    mamba__qact_at(qbuf, (size_t)cols, &a);
    MAMBA__OMP_FOR
    for (g = 0; g < ng; g++) dot4(y + 4 * g, (const unsigned char *)W->data + (size_t)4 * (size_t)g * rb, rb, &a, nb);
    for (r = 4 * ng; r < rows; r++) y[r] = dot((const unsigned char *)W->data + (size_t)r * rb, &a, nb);
}

/* kernel 0: one row per call (or with `ymm`: the 256-bit 4-row kernel); 1: 4 rows in flight */
typedef struct { unsigned char **w; int dt, rows, cols, ymm; const float *x; float *y; unsigned char *qbuf; } ctx_t;
static void run(int v, int i, void *p) {
    ctx_t *c = (ctx_t *)p;
    mamba__mat W;
    W.data = c->w[i]; W.dtype = (mamba_dtype)c->dt; W.rows = c->rows; W.cols = c->cols;
    if (v == 0 && c->ymm) four_rows_ymm(c->y, &W, c->x, c->qbuf);
    else if (v == 0) one_row(c->y, &W, c->x, c->qbuf);
    else four_rows(c->y, &W, c->x, c->qbuf);
}

int main(int argc, char **argv) {
    int dt = -1, rows, cols, nmat, passes, i, k, bad = 0;
    size_t rb, n, j, bb, be;
    unsigned char **w, *qbuf;
    float *x, *y, *y0;
    double best[2], tc[2];
    uint32_t s = 12345;
    int ymm = argc == 7 && !strcmp(argv[6], "ymm");
    if (argc == 6 || ymm) {
        if (!strcmp(argv[1], "Q8_0")) dt = MAMBA_DTYPE_Q8_0;
        else if (!strcmp(argv[1], "Q4_0")) dt = MAMBA_DTYPE_Q4_0;
        else if (!strcmp(argv[1], "Q4_K")) dt = MAMBA_DTYPE_Q4_K;
        else if (!strcmp(argv[1], "Q6_K")) dt = MAMBA_DTYPE_Q6_K;
        else if (!strcmp(argv[1], "Q5_0")) dt = MAMBA_DTYPE_Q5_0;   /* Q5_0, Q5_K: a 4-row kernel with AVX-512 VBMI only (else both are one-row) */
        else if (!strcmp(argv[1], "Q5_K")) dt = MAMBA_DTYPE_Q5_K;
    }
    if (dt < 0 || (rows = atoi(argv[2])) < 1 || (cols = atoi(argv[3])) < 1 || (nmat = atoi(argv[4])) < 1 || (passes = atoi(argv[5])) < 1 ||
        cols % mamba__block_elems(dt) != 0 || (ymm && !ymm_kernel((mamba_dtype)dt))) {
        fprintf(stderr, "usage: bench_qmatvec DTYPE(Q8_0 Q4_0 Q4_K Q6_K Q5_0 Q5_K) ROWS COLS(a multiple of the block) NMAT PASSES [ymm]\n"
                        "  ymm: kernel 0 is the 256-bit 4-row kernel that a 512-bit one replaced in this build (Q4_0 with AVX-512 VBMI)\n");
        return 2;
    }
    bb = mamba__block_bytes(dt);
    be = (size_t)mamba__block_elems(dt);
    rb = mamba__row_bytes(dt, (size_t)cols);
    n = rb * (size_t)rows;
    w = (unsigned char **)malloc(sizeof(void *) * (size_t)nmat);
    x = (float *)malloc(4 * (size_t)cols); y = (float *)malloc(4 * (size_t)rows); y0 = (float *)malloc(4 * (size_t)rows);
    qbuf = (unsigned char *)malloc(mamba__qact_bytes((size_t)cols));
    if (!w || !x || !y || !y0 || !qbuf) return 2;
    for (k = 0; k < nmat; k++) {
        if (!(w[k] = (unsigned char *)malloc(n))) { fprintf(stderr, "out of memory\n"); return 2; }
        for (j = 0; j < n; j++) { s = s * 1664525u + 1013904223u; w[k][j] = (unsigned char)(s >> 24); }
        for (j = 0; j < n; j += bb) {   /* finite block scales */
            s = s * 1664525u + 1013904223u;
            if (dt == MAMBA_DTYPE_Q6_K) { w[k][j + 208] = (unsigned char)(s >> 24); w[k][j + 209] = 0x1c; }
            else { w[k][j] = (unsigned char)(s >> 24); w[k][j + 1] = 0x1c; }
            if (dt == MAMBA_DTYPE_Q4_K || dt == MAMBA_DTYPE_Q5_K) { w[k][j + 2] = (unsigned char)(s >> 16); w[k][j + 3] = 0x18; }
        }
    }
    (void)be;
    for (i = 0; i < cols; i++) x[i] = (float)(i % 7) * 0.1f - 0.3f;
    {
        ctx_t c;
        c.w = w; c.dt = dt; c.ymm = ymm; c.rows = rows; c.cols = cols; c.x = x; c.y = y; c.qbuf = qbuf;
        bad = ab_run(passes, nmat, y, y0, (size_t)rows, run, &c, CLOCK_PROCESS_CPUTIME_ID, best, tc);
    }
    printf("%s %5dx%-5d x%d mats, %d passes: %s best %.1f us (%.2f GB/s), 4-row best %.1f us (%.2f GB/s): "
           "4-row/kernel 0 wall %.3f, cpu %.2f s / %.2f s = %.3f, bits %s\n",
           argv[1], rows, cols, nmat, passes, ymm ? "4-row ymm" : "1-row", best[0] * 1e6, (double)n / best[0] / 1e9,
           best[1] * 1e6, (double)n / best[1] / 1e9, best[1] / best[0], tc[0], tc[1], tc[1] / tc[0], bad ? "DIFFER" : "identical");
    for (k = 0; k < nmat; k++) free(w[k]);
    free(w); free(x); free(y); free(y0); free(qbuf);
    return bad != 0;
}
