/* A small test harness: CHECK counts, test_max_err reports the max error;
   and the file helpers every suite uses. */
#ifndef MAMBA_TEST_H
#define MAMBA_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdint.h>

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

/* ---- files and text (test code may use stdio even when the library doesn't) */

/* The whole file, NUL-terminated (so text can be parsed in place); NULL and
   *n = 0 when it cannot be read. */
static inline unsigned char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;
    *n = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[len] = 0; *n = (size_t)len; }
    return buf;
}
static inline char *slurp(const char *path, size_t *n) { return (char *)read_all(path, n); }

/* "a/b", malloc'd. */
static inline char *path2(const char *a, const char *b) {
    char *p = (char *)malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

static inline void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f) { fwrite(data, 1, n, f); fclose(f); }
}

/* Parses whitespace-separated numbers into out[0..cap); returns how many there were. */
static inline size_t parse_floats(const char *s, float *out, size_t cap) {
    size_t n = 0;
    char *end;
    while (*s) {
        double v = strtod(s, &end);
        if (end == s) { s++; continue; }
        if (n < cap) out[n] = (float)v;
        n++;
        s = end;
    }
    return n;
}

/* MAMBA__SIMD_NAME is defined by mamba.h's implementation: it is in this
   file. A suite the Makefile links to the library compiled apart
   (tests/impl.c, build/obj/<config>/mamba.o) asks that object instead. */
#ifdef MAMBA__SIMD_NAME
/* f32 -> f16 / bf16 as the library rounds them (to nearest even, the writer's
   conversion, checked against every half in tests/test_gguf_writer.c). */
static inline uint16_t to_f16(float f) { return mamba__f32_f16(f); }
static inline uint16_t to_bf16(float f) { return mamba__f32_bf16(f); }
#define TEST_SIMD_NAME MAMBA__SIMD_NAME   /* the kernels this build uses */
#else
#ifdef __cplusplus
extern "C"
#endif
const char *test_simd_name(void);
#define TEST_SIMD_NAME test_simd_name()
#endif

static inline int test_summary(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
#endif
