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

/* A growing memory buffer and a writer callback for it (mamba_gguf_write). */
typedef struct membuf { unsigned char *p; size_t n, cap; } membuf;
static inline int membuf_put(void *user, const void *bytes, size_t n) {
    membuf *b = (membuf *)user;
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2 + 4096;
        unsigned char *q = (unsigned char *)realloc(b->p, cap);
        if (!q) return 1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, bytes, n);
    b->n += n;
    return 0;
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

#ifdef MAMBA_IMPLEMENTATION
/* f32 -> f16 / bf16 as the library rounds them (to nearest even, the writer's
   conversion, checked against every half in tests/test_gguf_writer.c). */
static inline uint16_t to_f16(float f) { return mamba__f32_f16(f); }
static inline uint16_t to_bf16(float f) { return mamba__f32_bf16(f); }
#endif

#if defined(MAMBA_IMPLEMENTATION) && !defined(MAMBA_NO_TOKENIZER)
/* ---- tokenizer helpers (test_tokenizer.c, test_spm.c) -------------------- */

static inline int utf8_valid(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        int tr, l = mamba__utf8_check((const unsigned char *)s + i, n - i, &tr);
        if (l < 0) return 0;
        i += (size_t)l;
    }
    return 1;
}

/* A printable snippet of a text for failure lines (one static buffer). */
static inline const char *snip(const char *s, size_t n) {
    static char buf[96];
    size_t i, o = 0;
    for (i = 0; i < n && o < 60; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F) buf[o++] = (char)c;
        else { sprintf(buf + o, "\\x%02x", c); o += 4; }
    }
    if (i < n) { buf[o++] = '.'; buf[o++] = '.'; }
    buf[o] = 0;
    return buf;
}

/* The whole encode of s (malloc'd ids, *count of them), measured first. */
static inline int *encode_all(const mamba_tokenizer *t, const char *s, size_t n, size_t *count, mamba_status *st) {
    size_t need = 0;
    int *ids;
    *st = mamba_tokenizer_encode(t, s, n, NULL, 0, &need);
    if (*st != MAMBA_OK && *st != MAMBA_ERR_RANGE) { *count = 0; return NULL; }
    ids = (int *)malloc((need + 1) * sizeof(int));
    *st = mamba_tokenizer_encode(t, s, n, ids, need, count);
    return ids;
}

/* The whole decode of ids (malloc'd text, *len bytes), measured first. */
static inline char *decode_all(const mamba_tokenizer *t, const int *ids, size_t n, int flags, size_t *len, mamba_status *st) {
    size_t need = 0;
    char *out;
    *st = mamba_tokenizer_decode(t, ids, n, flags, NULL, 0, &need);
    if (*st != MAMBA_OK && *st != MAMBA_ERR_RANGE) { *len = 0; return NULL; }
    out = (char *)malloc(need + 1);
    *st = mamba_tokenizer_decode(t, ids, n, flags, out, need, len);
    return out;
}

/* An encode (status st, ids[0..got)) against the golden want[0..n) of line
   `line` of golden file `name`: one check, naming the first difference. */
static inline int check_encode(const char *name, int line, const char *text, size_t tl, mamba_status st, const int *ids,
                               size_t got, const int *want, size_t n) {
    int ok = st == MAMBA_OK && got == n && (!n || !memcmp(ids, want, n * sizeof(int)));
    if (!ok) {
        size_t f = 0;
        while (f < got && f < n && ids[f] == want[f]) f++;
        CHECK(0, "%s line %d encode \"%s\": %zu ids, want %zu; first difference at %zu (%d vs %d)", name, line, snip(text, tl),
              got, n, f, f < got ? ids[f] : -1, f < n ? want[f] : -1);
    } else test_passed++;
    return ok;
}

/* Streaming decode, one id at a time: 1 if every chunk is valid UTF-8 on its
   own and all chunks together are whole[0..wlen). */
static inline int stream_ok(const mamba_tokenizer *t, const int *ids, size_t n, int flags, const char *whole, size_t wlen) {
    mamba_decoder d;
    char *acc = (char *)malloc(wlen + 64), chunk[4096];
    size_t o = 0, i, got;
    int ok = 1;
    mamba_decoder_init(&d, flags);
    for (i = 0; i < n && ok; i++) {
        size_t tl = 0;
        mamba_tokenizer_token_bytes(t, ids[i], &tl);
        if (3 * (tl + 3) > sizeof chunk || mamba_decoder_token(&d, t, ids[i], chunk, sizeof chunk, &got) != MAMBA_OK ||
            !utf8_valid(chunk, got) || o + got > wlen + 64) { ok = 0; break; }
        memcpy(acc + o, chunk, got);
        o += got;
    }
    if (ok && mamba_decoder_flush(&d, chunk, sizeof chunk, &got) == MAMBA_OK && o + got <= wlen + 64) { memcpy(acc + o, chunk, got); o += got; }
    else ok = 0;
    ok = ok && o == wlen && !memcmp(acc, whole, wlen);
    free(acc);
    return ok;
}
#endif

#if defined(MAMBA_IMPLEMENTATION) && !defined(MAMBA_NO_SAFETENSORS)
/* ---- golden files: JSON Lines read with the library's own JSON ----------- */

/* The next non-empty line of all[0..len) from *pos, parsed into j: 1, or -1
   for a line that does not parse (err says why; nothing to free), 0 at the
   end. *line counts the non-empty lines. */
static inline int jsonl_next(const char *all, size_t len, size_t *pos, int *line, mamba__json *j, mamba_error *err) {
    size_t end;
    while (*pos < len && all[*pos] == '\n') (*pos)++;
    if (*pos >= len) return 0;
    for (end = *pos; end < len && all[end] != '\n'; end++) {}
    (*line)++;
    {
        int ok = mamba__json_parse(j, all + *pos, end - *pos, 16, 0, err, "golden") == MAMBA_OK;
        *pos = end + 1;
        return ok ? 1 : -1;
    }
}

/* String token t decoded (malloc'd, *len bytes); NULL and 0 if t is not a string. */
static inline char *jstr(const mamba__json *j, uint32_t t, size_t *len) {
    size_t n;
    char *s;
    *len = 0;
    if (!t || j->tok[t].type != MAMBA__J_STR) return NULL;
    n = mamba__json_str(j, t, NULL, 0);
    s = (char *)malloc(n + 1);
    mamba__json_str(j, t, s, n + 1);
    *len = n;
    return s;
}

/* Array token a of integers (malloc'd, *n of them; -1 for a non-integer). */
static inline int *jids(const mamba__json *j, uint32_t a, size_t *n) {
    size_t k;
    uint32_t q;
    int *v;
    *n = a ? j->tok[a].size : 0;
    v = (int *)malloc((*n + 1) * sizeof(int));
    for (q = a + 1, k = 0; k < *n; k++, q = j->tok[q].next) {
        long long x = -1;
        mamba__json_int(j, q, 0, 1 << 30, &x);
        v[k] = (int)x;
    }
    return v;
}
#endif

static inline int test_summary(void) {
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}
#endif
