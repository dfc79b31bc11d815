/* A thirty-line test harness: CHECK counts, CHECK_NEAR reports the max error. */
#ifndef MAMBA_TEST_H
#define MAMBA_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static int test_passed, test_failed;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (cond) test_passed++;                                                \
        else {                                                                  \
            test_failed++;                                                      \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            printf(__VA_ARGS__);                                                \
            printf("\n");                                                       \
        }                                                                       \
    } while (0)

/* |a-b| <= atol + rtol*|b| for all n; returns the max abs error seen. */
static inline double test_max_err(const float *a, const float *b, size_t n, double atol, double rtol, double *worst_ratio) {
    double m = 0, r = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        double q = d / (atol + rtol * fabs((double)b[i]));
        if (!(d <= m)) m = d;           /* NaN propagates */
        if (!(q <= r)) r = q;
    }
    if (worst_ratio) *worst_ratio = r;
    return m;
}

static inline int test_summary(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
#endif
