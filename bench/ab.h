/* bench/ab.h: the A/B timing loop of bench_matvec.c and bench_qmatvec.c.
   `passes` passes, each timing kernel 0 and kernel 1 over the nmat matrices
   in alternating order (ABBA...); best[v] is the best wall time per matrix
   of kernel v, tc[v] its summed CPU time on clock `cpu_clock`. Kernel 1's
   result for the last matrix is compared with kernel 0's (from the second
   pass on); returns the number of passes whose bits differ. run(v, i, ctx)
   computes y for matrix i with kernel v. */
#ifndef MAMBA_BENCH_AB_H
#define MAMBA_BENCH_AB_H
#include <string.h>
#include <time.h>

static double ab_clock(clockid_t id) { struct timespec t; clock_gettime(id, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static int ab_run(int passes, int nmat, const float *y, float *y0, size_t rows,
                  void (*run)(int v, int i, void *ctx), void *ctx, clockid_t cpu_clock, double best[2], double tc[2]) {
    int p, k, i, bad = 0;
    best[0] = best[1] = 1e9;
    tc[0] = tc[1] = 0;
    for (p = 0; p < passes; p++)
        for (k = 0; k < 2; k++) {
            int v = (p & 1) ? 1 - k : k;
            double t0 = ab_clock(CLOCK_MONOTONIC), c0 = ab_clock(cpu_clock), t;
            for (i = 0; i < nmat; i++) run(v, i, ctx);
            tc[v] += ab_clock(cpu_clock) - c0;
            t = (ab_clock(CLOCK_MONOTONIC) - t0) / nmat;
            if (t < best[v]) best[v] = t;
            if (v == 0) memcpy(y0, y, 4 * rows);   /* the last matrix's result */
            else if (p > 0 && memcmp(y0, y, 4 * rows)) bad++;
        }
    return bad;
}
#endif
