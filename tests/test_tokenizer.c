/* Tokenizer tests: every public golden (Hugging Face `tokenizers` 0.22 ids and
   decodes for GPT-NeoX-20B and Falcon), an independent naive BPE as oracle,
   hard cases (invalid UTF-8, empty and 10 MB texts, malformed tokenizer.json,
   streaming decode, bad ids, small buffers) and a byte-vocabulary tokenizer.

     build/test_tokenizer [DATA_DIR [NormalizationTest.txt]]

   DATA_DIR defaults to tests/data/shared (run from the repository root). Given
   Unicode's NormalizationTest.txt (uncompressed, e.g. from
   /usr/share/unicode/NormalizationTest.txt.bz2), the NFC of every line is
   checked, and every code point outside its part 1 must be its own NFC.
   Prints one line per failed check and ends with "N passed, N failed"; exit
   status 1 if anything failed. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#include <unistd.h>
#define HAVE_MKDIR 1
#endif

/* $MAMBA_TEST_QUICK (the valgrind run, tests/run.sh): the 10 MB and 1 MB
   round trips shrink to 256 KB and 64 KB (the same code paths, less text). */
static int quick;

/* Streaming decode (stream_ok, tests/test.h) as a check. */
static void check_stream(const mamba_tokenizer *t, const int *ids, size_t n, int flags, const char *whole, size_t wlen,
                         const char *what) {
    CHECK(stream_ok(t, ids, n, flags, whole, wlen), "%s: streaming decode differs (%zu bytes)", what, wlen);
}

/* ---- goldens ------------------------------------------------------------- */

static void run_goldens(const mamba_tokenizer *t, const char *path, const char *name, int *enc_ok, int *dec_ok, int *lines) {
    size_t len, pos = 0;
    char *all = slurp(path, &len);
    int line = 0, r;
    mamba__json j;
    mamba_error err;
    *enc_ok = *dec_ok = *lines = 0;
    CHECK(all != NULL, "cannot read %s", path);
    if (!all) return;
    while ((r = jsonl_next(all, len, &pos, &line, &j, &err)) != 0) {
        size_t tl, dl, sl, n_ids, got, outl;
        char *text, *dec, *dsk, *out;
        int *want, *ids;
        mamba_status st;
        int enc_match, dec_match;
        if (r < 0) { CHECK(0, "%s line %d: %s", name, line, err.message); continue; }
        text = jstr(&j, mamba__json_get(&j, 0, "text"), &tl);
        dec = jstr(&j, mamba__json_get(&j, 0, "decoded"), &dl);
        dsk = jstr(&j, mamba__json_get(&j, 0, "decoded_skip_special"), &sl);
        want = jids(&j, mamba__json_get(&j, 0, "ids"), &n_ids);
        (*lines)++;
        /* encode */
        ids = encode_all(t, text, tl, &got, &st);
        enc_match = check_encode(name, line, text, tl, st, ids, got, want, n_ids);
        *enc_ok += enc_match;
        /* decode of the golden ids */
        out = decode_all(t, want, n_ids, 0, &outl, &st);
        dec_match = st == MAMBA_OK && outl == dl && !memcmp(out, dec, dl);
        CHECK(dec_match, "%s line %d decode: got \"%s\" (%zu bytes), want %zu bytes", name, line, snip(out ? out : "", outl), outl, dl);
        if (dec_match) check_stream(t, want, n_ids, 0, out, outl, name);
        free(out);
        /* skip_special_tokens: the golden when present, else the same as decoded */
        out = decode_all(t, want, n_ids, MAMBA_DECODE_SKIP_SPECIAL, &outl, &st);
        if (dsk) {
            int m = st == MAMBA_OK && outl == sl && !memcmp(out, dsk, sl);
            CHECK(m, "%s line %d decode skip-special: got \"%s\"", name, line, snip(out ? out : "", outl));
            dec_match &= m;
            if (m) check_stream(t, want, n_ids, MAMBA_DECODE_SKIP_SPECIAL, out, outl, name);
        } else {
            int m = st == MAMBA_OK && outl == dl && !memcmp(out, dec, dl);
            CHECK(m, "%s line %d decode skip-special differs from decoded: \"%s\"", name, line, snip(out ? out : "", outl));
            dec_match &= m;
        }
        *dec_ok += dec_match;
        free(out);
        free(ids);
        free(want);
        free(text);
        free(dec);
        free(dsk);
        mamba__json_free(&j);
    }
    free(all);
}

/* ---- an independent BPE: strings, the merges list, no tables ------------- */

typedef struct naive_merge { char *pair; size_t rank; } naive_merge;   /* "left right" */
typedef struct naive_bpe {
    naive_merge *m;   /* sorted by pair */
    size_t n;
} naive_bpe;

static int naive_cmp(const void *a, const void *b) {
    return strcmp(((const naive_merge *)a)->pair, ((const naive_merge *)b)->pair);
}

static void naive_load(naive_bpe *nb, const char *json, size_t len) {
    mamba__json j;
    mamba_error err;
    uint32_t model, m, q;
    size_t k;
    memset(nb, 0, sizeof *nb);
    if (mamba__json_parse(&j, json, len, 64, 0, &err, "naive") != MAMBA_OK) return;
    model = mamba__json_get(&j, 0, "model");
    m = mamba__json_get(&j, model, "merges");
    nb->n = j.tok[m].size;
    nb->m = (naive_merge *)malloc((nb->n + 1) * sizeof(naive_merge));
    for (q = m + 1, k = 0; k < nb->n; k++, q = j.tok[q].next) {
        size_t l;
        nb->m[k].pair = jstr(&j, q, &l);
        nb->m[k].rank = k;
    }
    qsort(nb->m, nb->n, sizeof(naive_merge), naive_cmp);
    mamba__json_free(&j);
}

static void naive_free(naive_bpe *nb) {
    size_t k;
    for (k = 0; k < nb->n; k++) free(nb->m[k].pair);
    free(nb->m);
}

static size_t naive_rank(const naive_bpe *nb, const char *a, const char *b) {
    char buf[1024];
    size_t la = strlen(a), lb = strlen(b);
    naive_merge key, *hit;
    if (la + lb + 2 > sizeof buf) return (size_t)-1;
    memcpy(buf, a, la);
    buf[la] = ' ';
    memcpy(buf + la + 1, b, lb + 1);
    key.pair = buf;
    hit = (naive_merge *)bsearch(&key, nb->m, nb->n, sizeof(naive_merge), naive_cmp);
    return hit ? hit->rank : (size_t)-1;
}

/* Byte-level string of bytes s[0..n), one symbol per character; repeatedly
   merge the adjacent pair that comes first in the merges list (leftmost on
   ties); return the symbols' strings joined by '\x01'. */
static char *naive_encode(const naive_bpe *nb, const unsigned char *s, size_t n) {
    char **sym = (char **)malloc(n * sizeof(char *)), *out;
    size_t m = n, i, o = 0;
    for (i = 0; i < n; i++) {
        unsigned char u[5];
        int l = mamba__utf8_put(u, mamba__b2c(s[i]));
        sym[i] = (char *)malloc(8);
        memcpy(sym[i], u, (size_t)l);
        sym[i][l] = 0;
    }
    for (;;) {
        size_t best = (size_t)-1, at = 0, r;
        for (i = 0; i + 1 < m; i++) {
            r = naive_rank(nb, sym[i], sym[i + 1]);
            if (r < best) { best = r; at = i; }
        }
        if (best == (size_t)-1) break;
        {
            char *c = (char *)malloc(strlen(sym[at]) + strlen(sym[at + 1]) + 1);
            strcpy(c, sym[at]);
            strcat(c, sym[at + 1]);
            free(sym[at]);
            free(sym[at + 1]);
            sym[at] = c;
            memmove(sym + at + 1, sym + at + 2, (m - at - 2) * sizeof(char *));
            m--;
        }
    }
    for (i = 0; i < m; i++) o += strlen(sym[i]) + 1;
    out = (char *)malloc(o + 1);
    for (i = 0, o = 0; i < m; i++) { strcpy(out + o, sym[i]); o += strlen(sym[i]); out[o++] = 1; free(sym[i]); }
    out[o] = 0;
    free(sym);
    return out;
}

/* The ids' token strings in byte-level form, joined by '\x01'. */
static char *ids_as_strings(const mamba_tokenizer *t, const int *ids, size_t n) {
    size_t i, o = 0, cap = 64;
    char *out = (char *)malloc(cap);
    for (i = 0; i < n; i++) {
        size_t l, k;
        const char *b = mamba_tokenizer_token_bytes(t, ids[i], &l);
        if (o + 2 * l + 2 > cap) { cap = 2 * (o + 2 * l + 2); out = (char *)realloc(out, cap); }
        for (k = 0; k < l; k++) o += (size_t)mamba__utf8_put((unsigned char *)out + o, mamba__b2c((unsigned char)b[k]));
        out[o++] = 1;
    }
    out[o] = 0;
    return out;
}

static unsigned long long rng_state = 88172645463325252ull;
static unsigned rnd(unsigned n) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* Random one-piece words (letters only, so the pre-tokenizer keeps them whole)
   of 1..300 bytes: both BPE paths (quadratic scan, heap) against the oracle. */
static void check_naive(const mamba_tokenizer *t, const char *json, size_t len, const char *name) {
    naive_bpe nb;
    static const char *alpha[] = {"ab", "aeiou", "thes", "abcdefghijklmnopqrstuvwxyz", "eeee"};
    int r, bad = 0;
    naive_load(&nb, json, len);
    CHECK(nb.n > 0, "%s: naive BPE could not load the merges", name);
    for (r = 0; r < 300 && nb.n; r++) {
        const char *a = alpha[r % 5];
        size_t n = r < 100 ? 1 + rnd(12) : r < 200 ? 30 + rnd(40) : 100 + rnd(200), i, got;
        char *w = (char *)malloc(n + 1), *want, *have;
        int ids[512];
        mamba_status st;
        for (i = 0; i < n; i++) w[i] = a[rnd((unsigned)strlen(a))];
        st = mamba_tokenizer_encode(t, w, n, ids, 512, &got);
        want = naive_encode(&nb, (const unsigned char *)w, n);
        have = ids_as_strings(t, ids, got);
        if (st != MAMBA_OK || strcmp(want, have)) { bad++; CHECK(0, "%s: BPE differs from the naive oracle on \"%s\"", name, snip(w, n)); }
        free(w); free(want); free(have);
    }
    CHECK(!bad, "%s: naive-oracle words", name);
    naive_free(&nb);
}

/* ---- hard cases ------------------------------------------------------------ */

static void same_ids(const mamba_tokenizer *t, const char *a, size_t na, const char *b, size_t nb, const char *what) {
    size_t ga, gb;
    mamba_status sa, sb;
    int *ia = encode_all(t, a, na, &ga, &sa), *ib = encode_all(t, b, nb, &gb, &sb);
    CHECK(sa == MAMBA_OK && sb == MAMBA_OK && ga == gb && !memcmp(ia, ib, ga * sizeof(int)), "%s: ids differ (%zu vs %zu)", what, ga, gb);
    free(ia);
    free(ib);
}

static void check_invalid_utf8(const mamba_tokenizer *t, const char *name) {
    /* each maximal invalid subpart -> one U+FFFD (String::from_utf8_lossy) */
    static const struct { const char *bad; size_t nb; const char *fixed; } cases[] = {
        {"a\xff" "b", 3, "a\xEF\xBF\xBD" "b"},
        {"\x80\x80", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xC0\x80x", 3, "\xEF\xBF\xBD\xEF\xBF\xBDx"},                     /* overlong */
        {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},       /* surrogate */
        {"hi \xF0\x9F\x98", 6, "hi \xEF\xBF\xBD"},                         /* truncated emoji */
        {"\xF0\x9F\x98 x", 5, "\xEF\xBF\xBD x"},
        {"\xE2\x82\xE2\x82\xAC", 5, "\xEF\xBF\xBD\xE2\x82\xAC"},
        {"\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* > U+10FFFF */
        {"<|endoftext|>\xfe", 14, "<|endoftext|>\xEF\xBF\xBD"},
    };
    size_t i;
    char what[64];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sprintf(what, "%s invalid UTF-8 case %zu", name, i);
        same_ids(t, cases[i].bad, cases[i].nb, cases[i].fixed, strlen(cases[i].fixed), what);
    }
}

static void check_basics(const mamba_tokenizer *t, const char *name) {
    size_t n = 99, l;
    int ids[8], v = mamba_tokenizer_n_vocab(t);
    char out[64];
    mamba_status st;
    mamba_decoder d;
    /* empty text */
    st = mamba_tokenizer_encode(t, "", 0, ids, 8, &n);
    CHECK(st == MAMBA_OK && n == 0, "%s: empty text gives %zu ids (status %d)", name, n, (int)st);
    st = mamba_tokenizer_encode(t, NULL, 0, NULL, 0, &n);
    CHECK(st == MAMBA_OK && n == 0, "%s: NULL empty text", name);
    /* too small a buffer: RANGE, and the count */
    st = mamba_tokenizer_encode(t, "Hello world, hello tokenizer", 28, ids, 2, &n);
    CHECK(st == MAMBA_ERR_RANGE && n > 2, "%s: small id buffer gives status %d, n %zu", name, (int)st, n);
    st = mamba_tokenizer_decode(t, ids, 2, 0, out, 1, &l);
    CHECK(st == MAMBA_ERR_RANGE && l > 1, "%s: small text buffer gives status %d, n %zu", name, (int)st, l);
    /* bad ids */
    ids[0] = -1;
    CHECK(mamba_tokenizer_decode(t, ids, 1, 0, out, sizeof out, &l) == MAMBA_ERR_BADARG, "%s: id -1 accepted", name);
    ids[0] = v;
    CHECK(mamba_tokenizer_decode(t, ids, 1, 0, out, sizeof out, &l) == MAMBA_ERR_BADARG, "%s: id %d accepted", name, v);
    mamba_decoder_init(&d, 0);
    CHECK(mamba_decoder_token(&d, t, v + 1000, out, sizeof out, &l) == MAMBA_ERR_BADARG, "%s: decode_token of a bad id", name);
    CHECK(mamba_tokenizer_token_bytes(t, v, &l) == NULL && mamba_tokenizer_token_bytes(t, -5, &l) == NULL, "%s: token_bytes of a bad id", name);
    CHECK(!mamba_tokenizer_is_special(t, -1) && !mamba_tokenizer_is_special(t, v), "%s: is_special of a bad id", name);
    /* streaming decoder: a split character waits; a small buffer leaves it intact */
    {
        int e = mamba_tokenizer_token_id(t, "\xE2", 1), f = mamba_tokenizer_token_id(t, "\x82", 1), g = mamba_tokenizer_token_id(t, "\xAC", 1);
        CHECK(e >= 0 && f >= 0 && g >= 0, "%s: single-byte tokens not found", name);
        if (e >= 0 && f >= 0 && g >= 0) {
            mamba_decoder_init(&d, 0);
            CHECK(mamba_decoder_token(&d, t, e, out, sizeof out, &l) == MAMBA_OK && l == 0, "%s: lead byte emitted early", name);
            CHECK(mamba_decoder_token(&d, t, f, out, sizeof out, &l) == MAMBA_OK && l == 0, "%s: 2nd byte emitted early", name);
            CHECK(mamba_decoder_token(&d, t, g, out, 2, &l) == MAMBA_ERR_RANGE && l == 3, "%s: small buffer: status/l %zu", name, l);
            CHECK(mamba_decoder_token(&d, t, g, out, sizeof out, &l) == MAMBA_OK && l == 3 && !memcmp(out, "\xE2\x82\xAC", 3),
                  "%s: euro sign not assembled", name);
            /* an interrupted sequence: U+FFFD then the new character */
            mamba_decoder_token(&d, t, e, out, sizeof out, &l);
            CHECK(mamba_decoder_token(&d, t, mamba_tokenizer_token_id(t, "A", 1), out, sizeof out, &l) == MAMBA_OK && l == 4 &&
                  !memcmp(out, "\xEF\xBF\xBD" "A", 4), "%s: interrupted sequence", name);
            mamba_decoder_token(&d, t, e, out, sizeof out, &l);
            CHECK(mamba_decoder_flush(&d, out, sizeof out, &l) == MAMBA_OK && l == 3 && !memcmp(out, "\xEF\xBF\xBD", 3),
                  "%s: flush of a pending lead byte", name);
            CHECK(mamba_decoder_flush(&d, out, sizeof out, &l) == MAMBA_OK && l == 0, "%s: second flush", name);
        }
    }
}

/* Random id sequences: whole decode is valid UTF-8 and streaming agrees. */
static void check_random_decode(const mamba_tokenizer *t, const char *name) {
    int r, ids[64], v = mamba_tokenizer_n_vocab(t);
    for (r = 0; r < 200; r++) {
        size_t n = 1 + rnd(40), i, l;
        char *out;
        mamba_status st;
        for (i = 0; i < n; i++) {
            do ids[i] = (int)rnd((unsigned)v); while (!mamba_tokenizer_token_bytes(t, ids[i], &l));
            if (rnd(3) == 0) {   /* a lone high byte: split and invalid sequences */
                char b = (char)(0x80 + rnd(128));
                int id = mamba_tokenizer_token_id(t, &b, 1);
                if (id >= 0) ids[i] = id;
            }
        }
        out = decode_all(t, ids, n, 0, &l, &st);
        CHECK(st == MAMBA_OK && utf8_valid(out, l), "%s: random decode %d not valid UTF-8", name, r);
        check_stream(t, ids, n, 0, out, l, name);
        free(out);
    }
}

/* Random bytes (mostly invalid UTF-8, NULs, special-token fragments): encode
   succeeds and the ids decode to valid UTF-8. */
static void check_random_text(const mamba_tokenizer *t, const char *name) {
    static const char *const frag[] = {"<|endoftext|>", ">>TITLE<<", "  ", "'s", "123", "\xC3\xA9", "e\xCC\x81", "\xF0\x9F", " \n", "\xE2\x80\x8B"};
    int r, bad = 0;
    for (r = 0; r < 300; r++) {
        char buf[400];
        size_t n = 0, got, l;
        int *ids;
        char *out;
        mamba_status st;
        while (n < 300) {
            if (rnd(4) == 0) { const char *f = frag[rnd(10)]; memcpy(buf + n, f, strlen(f)); n += strlen(f); }
            else buf[n++] = (char)(r < 150 ? rnd(256) : 32 + rnd(96));
        }
        ids = encode_all(t, buf, n, &got, &st);
        if (st != MAMBA_OK) bad++;
        out = decode_all(t, ids, got, 0, &l, &st);
        if (st != MAMBA_OK || !utf8_valid(out, l)) bad++;
        free(out);
        free(ids);
    }
    CHECK(!bad, "%s: %d failures on random text", name, bad);
}

/* 10 MB of text: whole encode, timed, and it decodes back to the text. */
static void check_big(const mamba_tokenizer *t, const char *data_dir, const char *name) {
    char *path = path2(data_dir, "tinyshakespeare.txt"), *big, *back;
    size_t len, n, l, i, reps;
    char *txt = slurp(path, &len);
    int *ids;
    mamba_status st;
    clock_t c0;
    free(path);
    CHECK(txt != NULL, "cannot read tinyshakespeare.txt");
    if (!txt) return;
    reps = 10 * 1000 * 1000 / len + 1;
    if (quick && len > 256 * 1024) { len = 256 * 1024; reps = 1; }
    big = (char *)malloc(reps * len > (1 << 20) ? reps * len : (1 << 20));
    for (i = 0; i < reps; i++) memcpy(big + i * len, txt, len);
    st = mamba_tokenizer_encode(t, big, reps * len, NULL, 0, &n);
    ids = (int *)malloc((n + 1) * sizeof(int));
    c0 = clock();
    st = mamba_tokenizer_encode(t, big, reps * len, ids, n, &n);
    CHECK(st == MAMBA_OK && n > reps * len / 8, "%s: 10 MB encode: status %d, %zu ids", name, (int)st, n);
    printf("# %s: %.1f MB encoded in %.2f s, %zu ids\n", name, reps * len / 1e6, (double)(clock() - c0) / CLOCKS_PER_SEC, n);
    back = decode_all(t, ids, n, 0, &l, &st);
    CHECK(st == MAMBA_OK && l == reps * len && !memcmp(back, big, l), "%s: 10 MB does not decode back to itself", name);
    free(back);
    free(ids);
    /* one 1 MB piece of a single letter: the heap path of the BPE */
    i = quick ? 1 << 16 : 1 << 20;
    memset(big, 'a', i);
    ids = encode_all(t, big, i, &n, &st);
    back = decode_all(t, ids, n, 0, &l, &st);
    CHECK(st == MAMBA_OK && l == i && !memcmp(back, big, l), "%s: %zu bytes of 'a' round trip", name, i);
    free(back);
    free(ids);
    free(big);
    free(txt);
}

/* ---- NFC ---------------------------------------------------------------------- */

static void check_nfc_cases(const mamba_tokenizer *t) {
    /* NeoX normalizes with NFC: these pairs must tokenize alike */
    same_ids(t, "e\xCC\x81t\xC3\xA9", 7, "\xC3\xA9t\xC3\xA9", 6, "NFC e+acute");
    same_ids(t, "\xE2\x84\xAB", 3, "\xC3\x85", 2, "NFC angstrom sign");
    same_ids(t, "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", 9, "\xEA\xB0\x81", 3, "NFC Hangul jamo");
    same_ids(t, "a\xCC\x81\xCC\xA3", 5, "\xE1\xBA\xA1\xCC\x81", 5, "NFC canonical order");   /* a + acute + dot below */
    same_ids(t, "q\xCC\x87\xCC\xA3", 5, "q\xCC\xA3\xCC\x87", 5, "NFC reorder, no composite");
}

/* NormalizationTest.txt: NFC(c1) == c2 (and NFC of c2..c5 as the file says). */
static void check_nfc_file(const char *path) {
    size_t len, pos = 0, bad = 0, lines = 0;
    char *all = slurp(path, &len);
    mamba__nfc_scr w;
    mamba__tbuf out;
    CHECK(all != NULL, "cannot read %s", path);
    if (!all) return;
    memset(&w, 0, sizeof w);
    memset(&out, 0, sizeof out);
    while (pos < len) {
        size_t end = pos;
        unsigned char col[5][128];
        size_t cl[5];
        int c = 0;
        const char *p;
        while (end < len && all[end] != '\n') end++;
        if (all[pos] == '#' || all[pos] == '@' || end == pos) { pos = end + 1; continue; }
        p = all + pos;
        for (c = 0; c < 5; c++) {
            cl[c] = 0;
            while (*p != ';') {
                unsigned long cp = strtoul(p, (char **)&p, 16);
                cl[c] += (size_t)mamba__utf8_put(col[c] + cl[c], (uint32_t)cp);
                while (*p == ' ') p++;
            }
            p++;
        }
        {
            /* NFC(c1) = NFC(c2) = NFC(c3) = c2 and NFC(c4) = NFC(c5) = c4 */
            static const int src[5] = {0, 1, 2, 3, 4}, dst[5] = {1, 1, 1, 3, 3};
            for (c = 0; c < 5; c++) {
                size_t m;
                const unsigned char *r = mamba__nfc(&w, col[src[c]], cl[src[c]], &out, &m);
                if (!r || m != cl[dst[c]] || memcmp(r, col[dst[c]], m)) {
                    if (bad < 10) printf("FAIL NFC line \"%.*s\" column %d\n", (int)(end - pos > 60 ? 60 : end - pos), all + pos, c + 1);
                    bad++;
                }
            }
        }
        lines++;
        pos = end + 1;
    }
    /* Part 1 lists every character that normalization changes or that
       decomposes: every other code point is its own NFC */
    {
        unsigned char *part1 = (unsigned char *)calloc(0x110000, 1);
        const char *p = strstr(all, "@Part1"), *e = p ? strstr(p + 1, "@Part2") : NULL;
        uint32_t cp;
        size_t bad1 = 0;
        while (p && p < e) {
            p = strchr(p, '\n');
            if (!p || p >= e) break;
            p++;
            if (*p != '#' && *p != '@') part1[strtoul(p, NULL, 16)] = 1;
        }
        for (cp = 0; cp < 0x110000 && e; cp++) {
            unsigned char u[4];
            size_t m;
            int l;
            const unsigned char *r;
            if ((cp >= 0xD800 && cp < 0xE000) || part1[cp]) continue;
            l = mamba__utf8_put(u, cp);
            r = mamba__nfc(&w, u, (size_t)l, &out, &m);
            if (!r || m != (size_t)l || memcmp(r, u, m)) bad1++;
        }
        CHECK(e && bad1 == 0, "NormalizationTest: %zu characters outside part 1 changed by NFC", bad1);
        free(part1);
    }
    CHECK(bad == 0, "NormalizationTest: %zu of %zu lines wrong", bad, lines);
    printf("# NormalizationTest: %zu lines, %zu wrong\n", lines, bad);
    free(w.cp);
    free(w.tmp);
    free(out.p);
    free(all);
}

/* ---- malformed tokenizer.json ---------------------------------------------------- */

static void check_malformed(void) {
    static const char *const bad[] = {
        "",
        "not json",
        "[1,2,3]",
        "{}",
        "{\"model\": 5}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": [\"a\"], \"merges\": []}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a c\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"ab\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 99999999999}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0.5}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 9000000}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"normalizer\": {\"type\": \"NFKD\"}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": null, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"WordPiece\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\d+\"}, \"behavior\": \"Isolated\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}, \"added_tokens\": [{\"id\": 1}]}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}, \"added_tokens\": [{\"id\": 1, \"content\": \"\"}]}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], \"dropout\": 0.1}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], \"unk_token\": \"<unk>\"}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}, \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}]}}",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []",
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}} ",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mamba_tokenizer *t = (mamba_tokenizer *)(size_t)1;
        mamba_error err;
        mamba_status st;
        memset(&err, 0, sizeof err);
        st = mamba_tokenizer_load_json(&t, bad[i], strlen(bad[i]), NULL, &err);
        CHECK(st != MAMBA_OK && t == NULL && err.status == st && err.message[0], "malformed tokenizer.json %zu loaded (status %d)", i, (int)st);
        if (st != MAMBA_OK) printf("#   malformed %2zu -> %s: %s\n", i, mamba_status_string(st), err.message);
        if (st == MAMBA_OK) mamba_tokenizer_free(t);
    }
    /* every prefix of a small valid file fails cleanly (or loads, for the full one) */
    {
        const char *good = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}, "
                           "\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"decoder\": {\"type\": \"ByteLevel\"}}";
        size_t n = strlen(good), bad_prefix = 0;
        for (i = 0; i <= n; i++) {
            mamba_tokenizer *t = NULL;
            mamba_status st = mamba_tokenizer_load_json(&t, good, i, NULL, NULL);
            if ((st == MAMBA_OK) != (i == n)) bad_prefix++;
            if (t) mamba_tokenizer_free(t);
        }
        CHECK(bad_prefix == 0, "%zu truncated tokenizer.json prefixes misbehaved", bad_prefix);
    }
    {
        mamba_tokenizer *t = (mamba_tokenizer *)(size_t)1;
        mamba_error err;
        CHECK(mamba_tokenizer_load_file(&t, "/nonexistent/dir", NULL, &err) == MAMBA_ERR_IO && t == NULL, "missing file: %s", err.message);
    }
}

/* ---- small in-memory tokenizers ---------------------------------------------- */

/* The bundled model's kind: 256 byte tokens, id = byte, no merges. */
static char *byte_vocab_json(const char *extra) {
    size_t cap = 16384, o = 0;
    char *s = (char *)malloc(cap);
    int b;
    o += (size_t)sprintf(s + o, "{\"version\": \"1.0\", \"added_tokens\": [], \"normalizer\": null, "
                                "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}, "
                                "\"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true}, %s"
                                "\"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"fuse_unk\": false, \"byte_fallback\": false, \"vocab\": {",
                         extra);
    for (b = 0; b < 256; b++) {
        unsigned char u[4];
        int l = mamba__utf8_put(u, mamba__b2c((unsigned)b));
        s[o++] = '"';
        if (b == '"' || b == '\\') s[o++] = '\\';
        memcpy(s + o, u, (size_t)l);
        o += (size_t)l;
        o += (size_t)sprintf(s + o, "\": %d%s", b, b < 255 ? ", " : "");
    }
    o += (size_t)sprintf(s + o, "}, \"merges\": []}}");
    return s;
}

static void check_byte_vocab(const char *repo_model_dir) {
    char *json = byte_vocab_json("");
    mamba_tokenizer *t = NULL;
    mamba_error err;
    mamba_status st = mamba_tokenizer_load_json(&t, json, strlen(json), NULL, &err);
    CHECK(st == MAMBA_OK, "byte vocabulary: %s", err.message);
    if (st == MAMBA_OK) {
        const char *text = "Hello, World!\n  \t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 12345 <|endoftext|>";
        size_t n = strlen(text), got, i, l;
        int ids[128], ok = 1;
        char out[256];
        st = mamba_tokenizer_encode(t, text, n, ids, 128, &got);
        for (i = 0; i < got && i < n; i++) ok &= ids[i] == (unsigned char)text[i];
        CHECK(st == MAMBA_OK && got == n && ok, "byte vocabulary: ids are not the bytes");
        st = mamba_tokenizer_decode(t, ids, got, 0, out, sizeof out, &l);
        CHECK(st == MAMBA_OK && l == n && !memcmp(out, text, n), "byte vocabulary: round trip");
        CHECK(mamba_tokenizer_n_vocab(t) == 256 && mamba_tokenizer_bos_id(t) == -1, "byte vocabulary: size/bos");
        mamba_tokenizer_free(t);
    }
    /* any bytes: decode(encode(x)) is x with each maximal invalid sequence -> U+FFFD */
    if (mamba_tokenizer_load_json(&t, json, strlen(json), NULL, &err) == MAMBA_OK) {
        int r, bad = 0;
        for (r = 0; r < 300; r++) {
            char x[200], want[600], *back;
            size_t n = 1 + rnd(199), i, w = 0, got, l;
            int *ids;
            for (i = 0; i < n; i++) x[i] = (char)(rnd(3) ? rnd(256) : 0x80 + rnd(64));
            for (i = 0; i < n;) {
                int tr, k = mamba__utf8_check((const unsigned char *)x + i, n - i, &tr);
                if (k > 0) { memcpy(want + w, x + i, (size_t)k); w += (size_t)k; i += (size_t)k; }
                else { memcpy(want + w, "\xEF\xBF\xBD", 3); w += 3; i += (size_t)-k; }
            }
            ids = encode_all(t, x, n, &got, &st);
            back = decode_all(t, ids, got, 0, &l, &st);
            if (st != MAMBA_OK || l != w || memcmp(back, want, w)) bad++;
            free(ids);
            free(back);
        }
        CHECK(!bad, "byte vocabulary: %d random byte strings do not round-trip as from_utf8_lossy", bad);
        mamba_tokenizer_free(t);
    }
    /* mutated tokenizer.json files load or fail cleanly (run under ASan) */
    {
        size_t n = strlen(json), r, loaded = 0;
        char *m = (char *)malloc(n + 1);
        for (r = 0; r < 3000; r++) {
            size_t k, edits = 1 + rnd(4);
            memcpy(m, json, n + 1);
            for (k = 0; k < edits; k++) {
                static const char pool[] = "{}[]\":,0123456789 -\\unlltrue";
                m[rnd((unsigned)n)] = rnd(2) ? pool[rnd(sizeof pool - 1)] : (char)rnd(256);
            }
            t = NULL;
            st = mamba_tokenizer_load_json(&t, m, n, NULL, &err);
            if (st == MAMBA_OK) {
                size_t got;
                int ids[64];
                loaded++;
                mamba_tokenizer_encode(t, "fuzz <s> text \xC3\xA9", 16, ids, 64, &got);
                mamba_tokenizer_free(t);
            } else if (t) { CHECK(0, "failed load left a tokenizer"); }
        }
        printf("# mutated byte-vocabulary JSON: %zu of 3000 still loaded\n", loaded);
        free(m);
    }
    free(json);
    /* a TemplateProcessing post-processor adds its ids; an added token with lstrip/rstrip */
    json = byte_vocab_json("\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, "
                           "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"</s>\", \"type_id\": 0}}], "
                           "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [256], \"tokens\": [\"<s>\"]}}}, ");
    {
        /* splice added tokens in: <s>=256 special, </s>=257 special, <m>=258 lstrip+rstrip */
        const char *at = "\"added_tokens\": []";
        char *p = strstr(json, at), *j2 = (char *)malloc(strlen(json) + 512);
        size_t pre = (size_t)(p - json);
        memcpy(j2, json, pre);
        sprintf(j2 + pre, "\"added_tokens\": [{\"id\": 256, \"content\": \"<s>\", \"special\": true}, "
                          "{\"id\": 257, \"content\": \"</s>\", \"special\": true}, "
                          "{\"id\": 258, \"content\": \"<m>\", \"lstrip\": true, \"rstrip\": true, \"special\": false, \"normalized\": false}, "
                          "{\"id\": 259, \"content\": \"w\", \"single_word\": true, \"special\": false}]%s", p + strlen(at));
        free(json);
        json = j2;
    }
    st = mamba_tokenizer_load_json(&t, json, strlen(json), NULL, &err);
    CHECK(st == MAMBA_OK, "template post-processor: %s", err.message);
    if (st == MAMBA_OK) {
        int ids[32];
        size_t got;
        /* "a", <m> eating "  " and " \t", "b", " ", w (a single word), " xwy" (its w is inside a word) */
        static const int want[] = {256, 'a', 258, 'b', ' ', 259, ' ', 'x', 'w', 'y', 257};
        st = mamba_tokenizer_encode(t, "a  <m> \tb w xwy", 15, ids, 32, &got);
        CHECK(st == MAMBA_OK && got == sizeof want / sizeof want[0] && !memcmp(ids, want, sizeof want),
              "lstrip/rstrip/single_word/template: got %zu ids: %d %d %d %d %d %d %d %d %d %d %d", got, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8], ids[9], ids[10]);
        CHECK(mamba_tokenizer_bos_id(t) == 256 && mamba_tokenizer_eos_id(t) == 257 && mamba_tokenizer_is_special(t, 256) &&
              !mamba_tokenizer_is_special(t, 258), "bos/eos guess");
        mamba_tokenizer_free(t);
    }
    free(json);
    /* the bundled model's tokenizer.json, when it is there; also by directory */
    {
        char *path = path2(repo_model_dir, "tokenizer.json");
        FILE *f = fopen(path, "rb");
        if (f) {
            fclose(f);
            st = mamba_tokenizer_load_file(&t, repo_model_dir, NULL, &err);
            CHECK(st == MAMBA_OK && mamba_tokenizer_n_vocab(t) == 256, "%s: %s", repo_model_dir, err.message);
            if (st == MAMBA_OK) {
                int ids[16];
                size_t got;
                mamba_tokenizer_encode(t, "Hi you", 6, ids, 16, &got);
                CHECK(got == 6 && ids[0] == 'H' && ids[2] == ' ', "%s: ids are not bytes", repo_model_dir);
                mamba_tokenizer_free(t);
            }
        } else printf("# %s not present yet: skipped\n", path);
        free(path);
    }
}

static void check_load_dir(const char *neox_json, size_t len) {
#ifdef HAVE_MKDIR
    char dir[64], *path;
    FILE *f;
    mamba_tokenizer *t = NULL;
    mamba_error err;
    sprintf(dir, "/tmp/test_tokenizer_%d", (int)getpid());
    mkdir(dir, 0700);
    path = path2(dir, "tokenizer.json");
    f = fopen(path, "wb");
    if (f) { fwrite(neox_json, 1, len, f); fclose(f); }
    CHECK(mamba_tokenizer_load_file(&t, dir, NULL, &err) == MAMBA_OK && mamba_tokenizer_n_vocab(t) == 50277, "load from a directory: %s", err.message);
    mamba_tokenizer_free(t);
    t = NULL;
    CHECK(mamba_tokenizer_load_file(&t, path, NULL, &err) == MAMBA_OK, "load a file path: %s", err.message);
    mamba_tokenizer_free(t);
    remove(path);
    rmdir(dir);
    free(path);
#else
    (void)neox_json; (void)len;
#endif
}

/* Limits: each just over what the real NeoX tokenizer needs is MAMBA_ERR_LIMIT
   naming the limit; exactly what it needs loads. */
static void expect_limit(mamba_status st, const mamba_error *err, const char *what, const char *limit_name) {
    CHECK(st == MAMBA_ERR_LIMIT, "%s: got %s (%s), want the limit", what, mamba_status_string(st), err->message);
    if (st == MAMBA_ERR_LIMIT) CHECK(strstr(err->message, limit_name) != NULL, "%s: message '%s' lacks '%s'", what, err->message, limit_name);
}
static void check_limits(const char *json, size_t len) {
    mamba__json j;
    mamba_options o;
    mamba_error err;
    mamba_tokenizer *t = NULL;
    uint32_t model, v, m, a;
    size_t n_vocab = 0, n_merges = 0, n_added = 0, n_ids = 0;
    if (mamba__json_parse(&j, json, len, 64, 0, NULL, "test") != MAMBA_OK) { CHECK(0, "parse the NeoX tokenizer"); return; }
    model = mamba__json_get(&j, 0, "model");
    v = mamba__json_get(&j, model, "vocab");
    m = mamba__json_get(&j, model, "merges");
    a = mamba__json_get(&j, 0, "added_tokens");
    if (v) n_vocab = j.tok[v].size;
    if (m) n_merges = j.tok[m].size;
    if (a) n_added = j.tok[a].size;
    mamba__json_free(&j);
    CHECK(n_vocab > 1000 && n_merges > 1000 && n_added > 1, "NeoX counts: %zu %zu %zu", n_vocab, n_merges, n_added);
    CHECK(mamba_tokenizer_load_json(&t, json, len, NULL, &err) == MAMBA_OK, "defaults: %s", err.message);
    n_ids = (size_t)mamba_tokenizer_n_vocab(t);
    mamba_tokenizer_free(t);
    printf("# NeoX: %zu bytes, %zu vocabulary entries, %zu merges, %zu added tokens, %zu ids\n", len, n_vocab, n_merges, n_added, n_ids);
#define TLIM(field, value, ok) do { memset(&o, 0, sizeof o); o.field = (value); t = NULL; \
        if (ok) { CHECK(mamba_tokenizer_load_json(&t, json, len, &o, &err) == MAMBA_OK, #field " = %zu: %s", (size_t)(value), err.message); } \
        else expect_limit(mamba_tokenizer_load_json(&t, json, len, &o, &err), &err, #field " one under", #field); \
        CHECK(ok || t == NULL, "no tokenizer after a limit"); \
        mamba_tokenizer_free(t); } while (0)
    TLIM(max_tokenizer_bytes, len, 1);
    TLIM(max_tokenizer_bytes, len - 1, 0);
    TLIM(max_merges, n_merges, 1);
    TLIM(max_merges, n_merges - 1, 0);
    /* max_vocab holds the entries, the added tokens and the id space: here the
       ids (50277) are the most */
    TLIM(max_vocab, n_ids, 1);
    TLIM(max_vocab, n_ids - 1, 0);
    TLIM(max_vocab, n_added - 1, 0);
    TLIM(max_json_depth, 3, 1);   /* objects in objects in the root: 3 deep */
    TLIM(max_json_depth, 2, 0);
#undef TLIM
#ifdef HAVE_MKDIR
    {   /* a file bigger than the limit is not read whole */
        char dir[64], *path;
        FILE *f;
        sprintf(dir, "/tmp/test_tokenizer_lim_%d", (int)getpid());
        mkdir(dir, 0700);
        path = path2(dir, "tokenizer.json");
        f = fopen(path, "wb");
        if (f) { fwrite(json, 1, len, f); fclose(f); }
        memset(&o, 0, sizeof o);
        o.max_tokenizer_bytes = len - 1;
        expect_limit(mamba_tokenizer_load_file(&t, dir, &o, &err), &err, "file over max_tokenizer_bytes", "max_tokenizer_bytes");
        o.max_tokenizer_bytes = len;
        CHECK(mamba_tokenizer_load_file(&t, dir, &o, &err) == MAMBA_OK, "file at max_tokenizer_bytes: %s", err.message);
        mamba_tokenizer_free(t);
        t = NULL;
        remove(path);
        rmdir(dir);
        free(path);
    }
#endif
    {   /* the same tokenizer from GGUF metadata (make test writes it) */
        size_t gn;
        char *g = slurp("build/tmp/neox-tok.gguf", &gn);
        CHECK(g != NULL, "read build/tmp/neox-tok.gguf (make test writes it)");
        if (g) {
            memset(&o, 0, sizeof o);
            CHECK(mamba_tokenizer_load_gguf(&t, g, gn, &o, &err) == MAMBA_OK, "GGUF tokenizer defaults: %s", err.message);
            mamba_tokenizer_free(t);
            t = NULL;
            o.max_vocab = n_ids - 1;
            expect_limit(mamba_tokenizer_load_gguf(&t, g, gn, &o, &err), &err, "GGUF max_vocab", "max_vocab");
            memset(&o, 0, sizeof o);
            o.max_merges = n_merges - 1;
            expect_limit(mamba_tokenizer_load_gguf(&t, g, gn, &o, &err), &err, "GGUF max_merges", "max_merges");
            memset(&o, 0, sizeof o);
            o.max_array_len = n_merges - 1;   /* the merges array is the longest */
            expect_limit(mamba_tokenizer_load_gguf(&t, g, gn, &o, &err), &err, "GGUF max_array_len", "max_array_len");
            memset(&o, 0, sizeof o);
            o.max_metadata_bytes = 1000;
            expect_limit(mamba_tokenizer_load_gguf(&t, g, gn, &o, &err), &err, "GGUF max_metadata_bytes", "max_metadata_bytes");
            free(g);
        }
    }
}

int main(int argc, char **argv) {
    const char *data = argc > 1 ? argv[1] : "tests/data/shared";
    static const char *const names[2] = {"neox", "falcon"};
    static const char *const files[2] = {"tokenizer-gpt-neox-20b.json", "tokenizer-falcon.json"};
    int k;
    quick = getenv("MAMBA_TEST_QUICK") != NULL;
    for (k = 0; k < 2; k++) {
        char *path = path2(data, files[k]), *gpath;
        size_t len;
        char *json = slurp(path, &len);
        mamba_tokenizer *t = NULL;
        mamba_error err;
        mamba_status st;
        int enc_ok, dec_ok, lines;
        char gname[64];
        CHECK(json != NULL, "cannot read %s", path);
        if (!json) { free(path); continue; }
        st = mamba_tokenizer_load_json(&t, json, len, NULL, &err);
        CHECK(st == MAMBA_OK, "%s: %s", path, err.message);
        if (st != MAMBA_OK) { free(json); free(path); continue; }
        printf("# %s: %d ids, bos %d, eos %d, tables %zu bytes (tokenizer.json %zu bytes)\n", names[k], mamba_tokenizer_n_vocab(t),
               mamba_tokenizer_bos_id(t), mamba_tokenizer_eos_id(t), mamba_tokenizer_table_bytes(t), len);
        sprintf(gname, "tokenizer-goldens/%s-public.jsonl", names[k]);
        gpath = path2(data, gname);
        run_goldens(t, gpath, names[k], &enc_ok, &dec_ok, &lines);
        printf("# %s goldens: encode %d/%d exact, decode %d/%d exact\n", names[k], enc_ok, lines, dec_ok, lines);
        check_naive(t, json, len, names[k]);
        check_invalid_utf8(t, names[k]);
        check_basics(t, names[k]);
        check_random_decode(t, names[k]);
        check_random_text(t, names[k]);
        if (k == 0) { check_nfc_cases(t); check_load_dir(json, len); check_limits(json, len); }
        check_big(t, data, names[k]);
        mamba_tokenizer_free(t);
        free(gpath);
        free(json);
        free(path);
    }
    check_malformed();
    check_byte_vocab("models/shakespeare-tiny");
    if (argc > 2) check_nfc_file(argv[2]);
    else {   /* make test leaves Unicode's conformance file here when unicode-data is installed */
        FILE *f = fopen("build/NormalizationTest.txt", "rb");
        if (f) { fclose(f); check_nfc_file("build/NormalizationTest.txt"); }
        else printf("# NormalizationTest.txt not found (Debian package unicode-data): NFC conformance not checked\n");
    }
    return test_summary();
}
