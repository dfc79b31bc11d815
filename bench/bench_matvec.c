/* bench_matvec (issue 21): decode's matrix-vector product, A/B in one run.
   mamba__matvec_v (4 rows in flight, the kernel before) against
   mamba__matvec_s (8 rows, per-dtype prefetch: what decode uses), over NMAT
   matrices in turn (more bytes than the caches, as decode reads them),
   1 thread, in interleaved passes (which goes first alternates). Prints the
   best wall time per matrix of each, and the summed thread CPU time of each
   (the task-clock of that kernel's calls: less at the mercy of other load
   than the wall clock), and checks that both give the same bits.

   build/bench_matvec DTYPE ROWS COLS NMAT PASSES   (DTYPE 1 F32, 2 F16, 3 BF16)
   e.g. build/bench_matvec 3 3072 768 64 16        (130m in_proj, BF16, 300 MB)
   Exit 0, 1 if the bits differ, 2 on bad arguments. POSIX clocks (bench only). */
#define _GNU_SOURCE 1
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include <stdio.h>
#include "ab.h"

/* kernel 0: the 4-row matrix-vector product; 1: the streaming one */
typedef struct { unsigned char **w; int dt, rows, cols; const float *x; float *y; } ctx_t;
static void run(int v, int i, void *p) {
    ctx_t *c = (ctx_t *)p;
    mamba__mat W;
    W.data = c->w[i]; W.dtype = (mamba_dtype)c->dt; W.rows = c->rows; W.cols = c->cols;
    if (v == 0) mamba__matvec_v(c->y, &W, NULL, c->x);
    else mamba__matvec_s(c->y, &W, NULL, c->x);
}

int main(int argc, char **argv) {
    int dt, rows, cols, nmat, passes, i, k, bad = 0;
    size_t es, n, j;
    unsigned char **w;
    float *x, *y, *y0;
    double best[2], tc[2];
    uint32_t s = 12345;
    if (argc != 6 || (dt = atoi(argv[1])) < 1 || dt > 3 || (rows = atoi(argv[2])) < 1 || (cols = atoi(argv[3])) < 1 ||
        (nmat = atoi(argv[4])) < 1 || (passes = atoi(argv[5])) < 1) {
        fprintf(stderr, "usage: bench_matvec DTYPE(1 F32, 2 F16, 3 BF16) ROWS COLS NMAT PASSES\n");
        return 2;
    }
#ifndef MAMBA__SIMD
    printf("no vector kernels in this build: nothing to compare\n");
    return 0;
#else
    es = dt == MAMBA_DTYPE_F32 ? 4 : 2;
    n = (size_t)rows * (size_t)cols;
    w = (unsigned char **)malloc(sizeof(void *) * (size_t)nmat);
    x = (float *)malloc(4 * (size_t)cols); y = (float *)malloc(4 * (size_t)rows); y0 = (float *)malloc(4 * (size_t)rows);
    if (!w || !x || !y || !y0) return 2;
    for (k = 0; k < nmat; k++) {
        if (!(w[k] = (unsigned char *)malloc(n * es))) { fprintf(stderr, "out of memory\n"); return 2; }
        for (j = 0; j < n; j++) {
            float v;
            uint32_t u;
            uint16_t h;
            s = s * 1664525u + 1013904223u;
            v = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.1f;
            memcpy(&u, &v, 4);
            if (es == 4) { memcpy(w[k] + 4 * j, &v, 4); continue; }
            h = dt == MAMBA_DTYPE_BF16 ? (uint16_t)(u >> 16) : (uint16_t)(0x2000 | (s >> 16 & 0x83ff));
            memcpy(w[k] + 2 * j, &h, 2);
        }
    }
    for (i = 0; i < cols; i++) x[i] = (float)(i % 7) * 0.1f - 0.3f;
    {
        ctx_t c;
        c.w = w; c.dt = dt; c.rows = rows; c.cols = cols; c.x = x; c.y = y;
        bad = ab_run(passes, nmat, y, y0, (size_t)rows, run, &c, CLOCK_THREAD_CPUTIME_ID, best, tc);
    }
    printf("%s %5dx%-5d x%d mats, %d passes: 4-row best %.3f ms (%.2f GB/s), stream best %.3f ms (%.2f GB/s): "
           "stream/4-row wall %.3f, cpu %.2f s / %.2f s = %.3f, bits %s\n",
           dt == 1 ? "F32 " : dt == 2 ? "F16 " : "BF16", rows, cols, nmat, passes, best[0] * 1e3, (double)(n * es) / best[0] / 1e9,
           best[1] * 1e3, (double)(n * es) / best[1] / 1e9, best[1] / best[0], tc[0], tc[1], tc[1] / tc[0], bad ? "DIFFER" : "identical");
    for (k = 0; k < nmat; k++) free(w[k]);
    free(w); free(x); free(y); free(y0);
    return bad != 0;
#endif
}
