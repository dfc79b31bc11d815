/* SentencePiece BPE tests (issue 18): Mistral's v1 and v3 tokenizers read
   three ways each, against the goldens of their own reference
   (tests/data/tokenizer-spm/README.md: Python sentencepiece for tokenizer.model
   and the GGUF, npm tokenizers for tokenizer.json), encode and decode; an
   independent quadratic score-driven BPE as oracle for the heap encoder;
   hostile protobufs (truncated, wrong wire types, absurd lengths, groups,
   unsupported models); the GGUF writer's round trip.

     build/test_spm

   The data are in tests/data/tokenizer-spm (run from the repository root;
   $MAMBA_SPM_DATA overrides). Ends with "N passed, N failed"; exit status 1 if anything failed. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#define HAVE_MKDIR 1
#endif

static const char *data_dir = "tests/data/tokenizer-spm";
static char *path_of(const char *name) {
    static char buf[4][1024];
    static int k;
    k = (k + 1) & 3;
    snprintf(buf[k], sizeof buf[k], "%s/%s", data_dir, name);
    return buf[k];
}

/* ---- goldens ------------------------------------------------------------------ */

typedef struct gstat { int lines, enc, dec, dec_skip, stream, with_special; } gstat;

static int same_ids(const int *a, size_t na, const int *b, size_t nb) { return na == nb && (!na || !memcmp(a, b, na * sizeof(int))); }
static int same_str(const char *a, size_t na, const char *b, size_t nb) { return a && b && na == nb && (!na || !memcmp(a, b, na)); }

/* hf: the tokenizer.json goldens (ids_with_special, decoded_with_special...);
   else the sentencepiece ones, whose ids have no BOS: encode gives [bos] + ids. */
static void run_goldens(const mamba_tokenizer *t, const char *golden, const char *name, int hf, gstat *g) {
    size_t len, pos = 0;
    char *all = slurp(path_of(golden), &len);
    int line = 0, r;
    mamba__json j;
    mamba_error err;
    memset(g, 0, sizeof *g);
    CHECK(all != NULL, "cannot read %s", path_of(golden));
    if (!all) return;
    while ((r = jsonl_next(all, len, &pos, &line, &j, &err)) != 0) {
        size_t tl, dl, sl, wl, wsl, n_ids, n_ws, got, outl;
        char *text, *dec, *dsk, *dws, *dwss, *out;
        int *want, *want_ws, *ids, ok;
        mamba_status st;
        if (r < 0) { CHECK(0, "%s line %d: %s", name, line, err.message); continue; }
        text = jstr(&j, mamba__json_get(&j, 0, "text"), &tl);
        dec = jstr(&j, mamba__json_get(&j, 0, "decoded"), &dl);
        dsk = jstr(&j, mamba__json_get(&j, 0, "decoded_skip_special"), &sl);
        dws = jstr(&j, mamba__json_get(&j, 0, "decoded_with_special"), &wl);
        dwss = jstr(&j, mamba__json_get(&j, 0, "decoded_with_special_skip"), &wsl);
        want = jids(&j, mamba__json_get(&j, 0, "ids"), &n_ids);
        if (hf) want_ws = jids(&j, mamba__json_get(&j, 0, "ids_with_special"), &n_ws);
        else {   /* [bos] + ids */
            n_ws = n_ids + 1;
            want_ws = (int *)malloc((n_ws + 1) * sizeof(int));
            want_ws[0] = mamba_tokenizer_bos_id(t);
            if (n_ids) memcpy(want_ws + 1, want, n_ids * sizeof(int));
        }
        g->lines++;
        ids = encode_all(t, text, tl, &got, &st);
        ok = check_encode(name, line, text, tl, st, ids, got, want_ws, n_ws);
        g->enc += ok;
        free(ids);
        out = decode_all(t, want, n_ids, 0, &outl, &st);
        ok = st == MAMBA_OK && same_str(out, outl, dec, dl);
        CHECK(ok, "%s line %d decode: got \"%s\" (%zu bytes), want \"%s\" (%zu bytes)", name, line, snip(out ? out : "", outl), outl,
              snip(dec, dl), dl);
        g->dec += ok;
        if (ok) { int s = stream_ok(t, want, n_ids, 0, out, outl); CHECK(s, "%s line %d: streaming decode differs", name, line); g->stream += s; }
        free(out);
        out = decode_all(t, want, n_ids, MAMBA_DECODE_SKIP_SPECIAL, &outl, &st);
        ok = st == MAMBA_OK && (dsk ? same_str(out, outl, dsk, sl) : same_str(out, outl, dec, dl));
        CHECK(ok, "%s line %d decode skip-special: got \"%s\"", name, line, snip(out ? out : "", outl));
        g->dec_skip += ok;
        free(out);
        if (hf) {   /* with the post-processor's <s> */
            char *o2;
            size_t l2;
            out = decode_all(t, want_ws, n_ws, 0, &outl, &st);
            o2 = decode_all(t, want_ws, n_ws, MAMBA_DECODE_SKIP_SPECIAL, &l2, &st);
            ok = same_str(out, outl, dws, wl) && same_str(o2, l2, dwss, wsl);
            CHECK(ok, "%s line %d decode with <s>: got \"%s\"", name, line, snip(out ? out : "", outl));
            if (!ok) printf("   (skip-special: \"%s\")\n", snip(o2 ? o2 : "", l2));
            if (ok) ok = stream_ok(t, want_ws, n_ws, 0, out, outl) && stream_ok(t, want_ws, n_ws, MAMBA_DECODE_SKIP_SPECIAL, o2, l2);
            g->with_special += ok;
            free(out);
            free(o2);
        }
        free(text); free(dec); free(dsk); free(dws); free(dwss); free(want); free(want_ws);
        mamba__json_free(&j);
    }
    free(all);
}

static void goldens(void) {
    static const struct { const char *file, *golden, *name; int hf; } r[] = {
        {"mistral-v3.model", "mistral-v3-spm-public.jsonl", "v3 tokenizer.model", 0},
        {"mistral-v1.model", "mistral-v1-spm-public.jsonl", "v1 tokenizer.model", 0},
        {"mistral-v3-vocab.gguf", "mistral-v3-spm-public.jsonl", "v3 GGUF", 0},
        {"mistral-v3-tokenizer.json", "mistral-v3-hf-public.jsonl", "v3 tokenizer.json", 1},
        {"mistral-v1-tokenizer.json", "mistral-v1-hf-public.jsonl", "v1 tokenizer.json", 1},
    };
    size_t i;
    for (i = 0; i < sizeof r / sizeof r[0]; i++) {
        mamba_tokenizer *t = NULL;
        mamba_error err;
        gstat g;
        mamba_status st = mamba_tokenizer_load_file(&t, path_of(r[i].file), NULL, &err);
        CHECK(st == MAMBA_OK, "%s: load: %s", r[i].name, err.message);
        if (st != MAMBA_OK) continue;
        CHECK(mamba_tokenizer_bos_id(t) == 1 && mamba_tokenizer_eos_id(t) == 2, "%s: bos %d eos %d", r[i].name, mamba_tokenizer_bos_id(t),
              mamba_tokenizer_eos_id(t));
        run_goldens(t, r[i].golden, r[i].name, r[i].hf, &g);
        printf("# %s goldens: encode %d/%d, decode %d/%d, skip-special %d/%d, streaming %d/%d", r[i].name, g.enc, g.lines, g.dec,
               g.lines, g.dec_skip, g.lines, g.stream, g.lines);
        if (r[i].hf) printf(", with <s> %d/%d", g.with_special, g.lines);
        printf("\n");
        mamba_tokenizer_free(t);
    }
}

/* ---- normalizer settings Mistral does not use (tests/ref/gen_spm_goldens.py) ------- */

static void variants(void) {
    size_t mlen, len, pos = 0;
    char *model = slurp(path_of("mistral-v1.model"), &mlen), *all = slurp(path_of("variants-spm.jsonl"), &len);
    char last[64] = "";
    mamba_tokenizer *t = NULL;
    int lines = 0, enc = 0, dec = 0, line = 0, r;
    mamba__json j;
    mamba_error err;
    CHECK(model && all, "variants: cannot read the files");
    while (model && all && (r = jsonl_next(all, len, &pos, &line, &j, &err)) != 0) {
        size_t tl, dl, hl, vl, n_ids, got, outl, k;
        char *text, *want_dec, *hex, *var, *out;
        int *want, *ids, ok;
        mamba_status st;
        if (r < 0) continue;
        var = jstr(&j, mamba__json_get(&j, 0, "variant"), &vl);
        hex = jstr(&j, mamba__json_get(&j, 0, "suffix"), &hl);
        text = jstr(&j, mamba__json_get(&j, 0, "text"), &tl);
        want_dec = jstr(&j, mamba__json_get(&j, 0, "decoded"), &dl);
        want = jids(&j, mamba__json_get(&j, 0, "ids"), &n_ids);
        if (strcmp(var, last)) {   /* the model with the NormalizerSpec bytes appended */
            char *m2 = (char *)malloc(mlen + hl / 2 + 1);
            memcpy(m2, model, mlen);
            for (k = 0; k < hl / 2; k++) { unsigned v; sscanf(hex + 2 * k, "%2x", &v); m2[mlen + k] = (char)v; }
            mamba_tokenizer_free(t);
            t = NULL;
            st = mamba_tokenizer_load_spm(&t, m2, mlen + hl / 2, NULL, &err);
            CHECK(st == MAMBA_OK, "variant %s: %s", var, err.message);
            free(m2);
            snprintf(last, sizeof last, "%s", var);
        }
        if (t) {
            int *w1 = (int *)malloc((n_ids + 2) * sizeof(int));
            w1[0] = 1;
            if (n_ids) memcpy(w1 + 1, want, n_ids * sizeof(int));
            ids = encode_all(t, text, tl, &got, &st);
            ok = st == MAMBA_OK && same_ids(ids, got, w1, n_ids + 1);
            CHECK(ok, "variant %s line %d encode \"%s\": %zu ids, want %zu", var, line, snip(text, tl), got, n_ids + 1);
            enc += ok;
            out = decode_all(t, want, n_ids, 0, &outl, &st);
            ok = st == MAMBA_OK && same_str(out, outl, want_dec, dl) && stream_ok(t, want, n_ids, 0, out, outl);
            CHECK(ok, "variant %s line %d decode: \"%s\" want \"%s\"", var, line, snip(out ? out : "", outl), snip(want_dec, dl));
            dec += ok;
            lines++;
            free(out); free(ids); free(w1);
        }
        free(var); free(hex); free(text); free(want_dec); free(want);
        mamba__json_free(&j);
    }
    printf("# normalizer variants (remove_extra_whitespaces, no dummy prefix, both, no escaping) vs sentencepiece: encode %d/%d, decode %d/%d\n",
           enc, lines, dec, lines);
    mamba_tokenizer_free(t);
    free(model);
    free(all);
}

/* sentencepiece's decode of random id sequences (bad bytes, cut characters,
   control and unknown pieces, the leading U+2581): whole and streaming. */
static void decode_random(void) {
    size_t len, pos = 0;
    char *all = slurp(path_of("decode-spm.jsonl"), &len);
    mamba_tokenizer *t = NULL;
    mamba_error err;
    int lines = 0, ok_n = 0, line = 0, r;
    mamba__json j;
    if (!all || mamba_tokenizer_load_file(&t, path_of("mistral-v3.model"), NULL, &err) != MAMBA_OK) { CHECK(0, "decode goldens: cannot load"); free(all); return; }
    while ((r = jsonl_next(all, len, &pos, &line, &j, &err)) != 0) {
        size_t dl, n_ids, outl;
        char *want, *out;
        int *ids, ok;
        mamba_status st;
        if (r > 0) {
            want = jstr(&j, mamba__json_get(&j, 0, "decoded"), &dl);
            ids = jids(&j, mamba__json_get(&j, 0, "ids"), &n_ids);
            out = decode_all(t, ids, n_ids, 0, &outl, &st);
            ok = st == MAMBA_OK && same_str(out, outl, want, dl) && stream_ok(t, ids, n_ids, 0, out, outl);
            CHECK(ok, "decode line %d: \"%s\", want \"%s\"", lines + 1, snip(out ? out : "", outl), snip(want, dl));
            ok_n += ok;
            lines++;
            free(want); free(ids); free(out);
            mamba__json_free(&j);
        }
    }
    printf("# random id sequences decoded as sentencepiece does (whole and streaming): %d/%d\n", ok_n, lines);
    mamba_tokenizer_free(t);
    free(all);
}

/* ---- an independent score-driven BPE (quadratic, strings only) ------------------ */

/* sentencepiece's algorithm written the slow, obvious way from the piece list:
   normalize (dummy prefix, ' ' -> U+2581), one symbol per character, then
   again and again merge the adjacent pair whose concatenation is a piece of
   the highest score, leftmost on ties; unknown symbols -> <0xNN> bytes. No
   user-defined pieces in the texts used here. */
static const mamba__spm *naive_sp;
static int *naive_sorted;   /* ids sorted by piece text */
static int naive_cmp_text(const mamba__spm *sp, int id, const char *s, size_t n) {
    size_t l = sp->off[id + 1] - sp->off[id], m = l < n ? l : n;
    int c = m ? memcmp(sp->text + sp->off[id], s, m) : 0;
    return c ? c : l < n ? -1 : l > n;
}
static int naive_cmp(const void *a, const void *b) {
    int y = *(const int *)b;
    return -naive_cmp_text(naive_sp, y, (const char *)naive_sp->text + naive_sp->off[*(const int *)a],
                           naive_sp->off[*(const int *)a + 1] - naive_sp->off[*(const int *)a]);
}
static int naive_find(const mamba__spm *sp, const char *s, size_t n) {
    size_t lo = 0, hi = (size_t)sp->n;
    if (naive_sp != sp) {
        int i;
        free(naive_sorted);
        naive_sp = sp;
        naive_sorted = (int *)malloc(sizeof(int) * (size_t)sp->n);
        for (i = 0; i < sp->n; i++) naive_sorted[i] = i;
        qsort(naive_sorted, (size_t)sp->n, sizeof(int), naive_cmp);
    }
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = naive_cmp_text(sp, naive_sorted[mid], s, n);
        if (!c) return naive_sorted[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}
static size_t naive_encode(const mamba_tokenizer *t, const char *text, size_t len, int *out) {
    const mamba__spm *sp = t->spm;
    char *nb = (char *)malloc(3 * len + 4);
    size_t nn = 0, i, ns = 0, o = 0, *st = (size_t *)malloc((3 * len + 4) * sizeof(size_t)), *ln = (size_t *)malloc((3 * len + 4) * sizeof(size_t));
    memcpy(nb, "\xE2\x96\x81", 3); nn = 3;
    for (i = 0; i < len; i++) { if (text[i] == ' ') { memcpy(nb + nn, "\xE2\x96\x81", 3); nn += 3; } else nb[nn++] = text[i]; }
    for (i = 0; i < nn;) {
        int tr, l = mamba__utf8_check((const unsigned char *)nb + i, nn - i, &tr);
        st[ns] = i; ln[ns] = (size_t)l; ns++; i += (size_t)l;
    }
    for (;;) {
        size_t best = 0;
        int found = 0;
        float bs = 0;
        for (i = 0; i + 1 < ns; i++) {
            int id = naive_find(sp, nb + st[i], ln[i] + ln[i + 1]);
            if (id < 0 || sp->type[id] != MAMBA__SPT_NORMAL) continue;
            if (!found || sp->score[id] > bs) { found = 1; bs = sp->score[id]; best = i; }
        }
        if (!found) break;
        ln[best] += ln[best + 1];
        memmove(st + best + 1, st + best + 2, (ns - best - 2) * sizeof(size_t));
        memmove(ln + best + 1, ln + best + 2, (ns - best - 2) * sizeof(size_t));
        ns--;
    }
    out[o++] = 1;
    for (i = 0; i < ns; i++) {
        int id = naive_find(sp, nb + st[i], ln[i]);
        if (id >= 0) out[o++] = id;
        else { size_t k; for (k = 0; k < ln[i]; k++) out[o++] = sp->byte_id[(unsigned char)nb[st[i] + k]]; }
    }
    free(nb); free(st); free(ln);
    return o;
}

static unsigned long long rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (unsigned)(rng % n); }

static void oracle(void) {
    static const char *const bits[] = {"the", " ", "  ", "   ", "state", "space", "model", "\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80",
                                       "12", "7", ",", ".", "\n", "\t", "Mamba", "ing", "er", "tion", "\xd0\x9f\xd1\x80\xd0\xb8", "\xe2\x96\x81", "q", "zx"};
    mamba_tokenizer *t = NULL;
    mamba_error err;
    int k, agree = 0, total = 0;
    if (mamba_tokenizer_load_file(&t, path_of("mistral-v3.model"), NULL, &err) != MAMBA_OK) { CHECK(0, "oracle: %s", err.message); return; }
    for (k = 0; k < 60; k++) {
        char text[512];
        size_t n = 0, got, m;
        int *ids, want[2048];
        mamba_status st;
        while (n < 200) {
            const char *b = bits[rnd(sizeof bits / sizeof bits[0])];
            size_t l = strlen(b);
            memcpy(text + n, b, l);
            n += l;
        }
        ids = encode_all(t, text, n, &got, &st);
        m = naive_encode(t, text, n, want);
        total++;
        agree += st == MAMBA_OK && same_ids(ids, got, want, m);
        CHECK(st == MAMBA_OK && same_ids(ids, got, want, m), "oracle: heap BPE differs from the quadratic one on \"%s\"", snip(text, n));
        free(ids);
    }
    printf("# score-driven BPE: %d/%d random texts equal to the quadratic oracle\n", agree, total);
    free(naive_sorted);
    naive_sorted = NULL;
    naive_sp = NULL;
    mamba_tokenizer_free(t);
}

/* ---- hostile protobufs ------------------------------------------------------------ */

typedef struct pbuf { unsigned char *p; size_t n, cap; } pbuf;
static void pb_put(pbuf *b, const void *s, size_t n) {
    if (b->n + n > b->cap) { b->cap = (b->n + n) * 2 + 64; b->p = (unsigned char *)realloc(b->p, b->cap); }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void pb_varint(pbuf *b, unsigned long long v) {
    unsigned char c[10];
    int k = 0;
    do { c[k] = (unsigned char)(v & 0x7F); v >>= 7; if (v) c[k] |= 0x80; k++; } while (v);
    pb_put(b, c, (size_t)k);
}
static void pb_key(pbuf *b, unsigned f, unsigned w) { pb_varint(b, (unsigned long long)f << 3 | w); }
static void pb_bytes(pbuf *b, unsigned f, const void *s, size_t n) { pb_key(b, f, 2); pb_varint(b, n); pb_put(b, s, n); }
static void pb_piece(pbuf *b, const char *s, float score, int type) {
    pbuf q = {0, 0, 0};
    uint32_t u;
    pb_bytes(&q, 1, s, strlen(s));
    memcpy(&u, &score, 4);
    pb_key(&q, 2, 5);
    pb_put(&q, &u, 4);
    if (type != 1) { pb_key(&q, 3, 0); pb_varint(&q, (unsigned)type); }
    pb_bytes(b, 1, q.p, q.n);
    free(q.p);
}
/* A small valid model: <unk> <s> </s>, 256 bytes, a few pieces. */
static pbuf tiny_model(int model_type, const char *charsmap) {
    pbuf b = {0, 0, 0}, tr = {0, 0, 0}, no = {0, 0, 0};
    static const char *const normal[] = {"\xe2\x96\x81", "a", "b", "ab", "\xe2\x96\x81" "a", "\xe2\x96\x81" "ab", "c", "bc"};
    int i;
    pb_piece(&b, "<unk>", 0, 2);
    pb_piece(&b, "<s>", 0, 3);
    pb_piece(&b, "</s>", 0, 3);
    pb_piece(&b, "[U]", 0, 4);
    for (i = 0; i < 256; i++) { char nm[8]; sprintf(nm, "<0x%02X>", i); pb_piece(&b, nm, 0, 6); }
    for (i = 0; i < 8; i++) pb_piece(&b, normal[i], -(float)i, 1);
    pb_key(&tr, 3, 0); pb_varint(&tr, (unsigned)model_type);
    pb_key(&tr, 35, 0); pb_varint(&tr, 1);
    pb_key(&tr, 43, 0); pb_varint(&tr, 0xFFFFFFFFFFFFFFFFull);   /* pad_id -1, as a 10-byte varint */
    pb_bytes(&b, 2, tr.p, tr.n);
    pb_bytes(&no, 1, "identity", 8);
    if (charsmap) pb_bytes(&no, 2, charsmap, strlen(charsmap));
    pb_key(&no, 3, 0); pb_varint(&no, 1);
    pb_key(&no, 4, 0); pb_varint(&no, 0);
    pb_bytes(&b, 3, no.p, no.n);
    free(tr.p);
    free(no.p);
    return b;
}

static void expect_fail(const void *p, size_t n, mamba_status want, const char *what) {
    mamba_tokenizer *t = (mamba_tokenizer *)1;
    mamba_error err;
    mamba_status st;
    err.message[0] = 0;
    st = mamba_tokenizer_load_spm(&t, p, n, NULL, &err);
    CHECK(st != MAMBA_OK && (!want || st == want) && t == NULL && err.message[0], "%s: status %d (want %d), message \"%s\"", what, st, want,
          err.message);
    if (st == MAMBA_OK) mamba_tokenizer_free(t);
}

static void hostile(void) {
    pbuf b = tiny_model(2, NULL), x = {0, 0, 0};
    mamba_tokenizer *t = NULL;
    mamba_error err;
    size_t i, got;
    int ids[64], nfail = 0, nok = 0;
    mamba_status st = mamba_tokenizer_load_spm(&t, b.p, b.n, NULL, &err);
    CHECK(st == MAMBA_OK, "tiny model: %s", err.message);
    if (st == MAMBA_OK) {
        /* "ab ab [U]c": dummy prefix, user piece frozen, byte fallback for c? (c is a piece) */
        st = mamba_tokenizer_encode(t, "ab ab[U]c\xc3\xa9", 11, ids, 64, &got);
        CHECK(st == MAMBA_OK && got == 7 && ids[0] == 1 && ids[1] == 4 + 256 + 5 && ids[2] == 4 + 256 + 5 && ids[3] == 3 &&
              ids[4] == 4 + 256 + 6 && ids[5] == 4 + 0xC3 && ids[6] == 4 + 0xA9,
              "tiny model encode: %d ids %d %d %d %d %d %d %d", (int)got, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
        mamba_tokenizer_free(t);
    }
    /* every truncation fails cleanly (the trainer spec comes last: none is a valid model) */
    for (i = 0; i < b.n; i += (i < 64 ? 1 : 7)) {
        t = NULL;
        st = mamba_tokenizer_load_spm(&t, b.p, i, NULL, &err);
        if (st != MAMBA_OK && t == NULL && err.message[0]) nfail++;
        else { nok++; if (t) mamba_tokenizer_free(t); }
    }
    CHECK(nok == 0, "truncated models: %d loaded", nok);
    printf("# hostile: %d truncations refused\n", nfail);
    /* wrong wire types */
    x.n = 0; pb_key(&x, 1, 0); pb_varint(&x, 5); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "pieces as a varint");
    x.n = 0; { pbuf q = {0, 0, 0}; pb_key(&q, 1, 0); pb_varint(&q, 3); pb_bytes(&x, 1, q.p, q.n); free(q.p); }
    pb_put(&x, b.p, b.n); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "piece text as a varint");
    x.n = 0; { pbuf q = {0, 0, 0}; pb_bytes(&q, 1, "a", 1); pb_key(&q, 2, 0); pb_varint(&q, 3); pb_bytes(&x, 1, q.p, q.n); free(q.p); }
    pb_put(&x, b.p, b.n); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "score as a varint");
    x.n = 0; { pbuf q = {0, 0, 0}; pb_bytes(&q, 1, "a", 1); pb_key(&q, 3, 0); pb_varint(&q, 77); pb_bytes(&x, 1, q.p, q.n); free(q.p); }
    pb_put(&x, b.p, b.n); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "piece type 77");
    x.n = 0; pb_put(&x, b.p, b.n); { pbuf q = {0, 0, 0}; pb_bytes(&q, 3, "x", 1); pb_bytes(&x, 2, q.p, q.n); free(q.p); }
    expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "model_type as bytes");
    x.n = 0; pb_put(&x, b.p, b.n); pb_key(&x, 3, 0); pb_varint(&x, 1); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "normalizer as a varint");
    /* absurd lengths, long varints, groups */
    x.n = 0; pb_key(&x, 1, 2); pb_varint(&x, 1ull << 40); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "length 2^40");
    x.n = 0; pb_key(&x, 1, 2); pb_varint(&x, 0xFFFFFFFFFFFFFFFFull); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "length 2^64-1");
    x.n = 0; pb_key(&x, 9, 0); pb_put(&x, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "11-byte varint");
    x.n = 0; pb_key(&x, 9, 0); pb_put(&x, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "varint over 64 bits");
    x.n = 0; pb_key(&x, 7, 3); pb_key(&x, 7, 4); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "a group");
    x.n = 0; pb_put(&x, "\x00", 1); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "field number 0");
    x.n = 0; pb_key(&x, 9, 1); pb_put(&x, "\1\2\3", 3); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "truncated fixed64");
    expect_fail("", 0, MAMBA_ERR_FORMAT, "empty file");
    x.n = 0; pb_piece(&x, "", 0, 1); pb_put(&x, b.p, b.n); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "an empty piece");
    x.n = 0; pb_piece(&x, "<unk>", 0, 2); pb_put(&x, b.p, b.n); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "a duplicate piece");
    x.n = 0; pb_piece(&x, "<0xZZ>", 0, 6); pb_put(&x, b.p, b.n); expect_fail(x.p, x.n, MAMBA_ERR_FORMAT, "a byte piece not <0xNN>");
    free(x.p);
    free(b.p);
    b = tiny_model(1, NULL); expect_fail(b.p, b.n, MAMBA_ERR_UNSUPPORTED, "a unigram model"); free(b.p);
    b = tiny_model(2, "\x01\x02"); expect_fail(b.p, b.n, MAMBA_ERR_UNSUPPORTED, "a precompiled charsmap"); free(b.p);
    {   /* limits */
        mamba_options o;
        memset(&o, 0, sizeof o);
        o.max_vocab = 100;
        b = tiny_model(2, NULL);
        t = NULL;
        st = mamba_tokenizer_load_spm(&t, b.p, b.n, &o, &err);
        CHECK(st == MAMBA_ERR_LIMIT && !t && strstr(err.message, "max_vocab"), "max_vocab: %d %s", st, err.message);
        o.max_vocab = 0;
        o.max_tokenizer_bytes = 100;
        st = mamba_tokenizer_load_spm(&t, b.p, b.n, &o, &err);
        CHECK(st == MAMBA_ERR_LIMIT && !t, "max_tokenizer_bytes: %d %s", st, err.message);
        free(b.p);
    }
    {   /* real files cut short */
        size_t len, k;
        char *m = slurp(path_of("mistral-v3.model"), &len);
        nok = 0;
        for (k = 1; m && k < 40; k++) {
            t = NULL;
            st = mamba_tokenizer_load_spm(&t, m, len * k / 40, NULL, &err);
            if (st == MAMBA_OK || t || !err.message[0]) { nok++; mamba_tokenizer_free(t); }
        }
        CHECK(m && nok == 0, "v3 model cut short: %d loaded", nok);
        free(m);
    }
}

/* ---- the GGUF writer: a SentencePiece tokenizer out and back ----------------------- */

static void round_trip(const char *model_dir) {
    mamba_model *m = NULL;
    mamba_tokenizer *a = NULL, *b = NULL, *h = NULL, *ref = NULL;
    mamba_error err;
    membuf buf = {0, 0, 0};
    mamba_gguf_options go;
    mamba_status st;
    size_t len, pos = 0;
    char *all;
    int lines = 0, same = 0, line = 0, r;
    mamba__json j;
    memset(&go, 0, sizeof go);
    st = mamba_model_load_file(&m, model_dir, NULL, &err);
    CHECK(st == MAMBA_OK, "round trip: model %s: %s", model_dir, err.message);
    if (st != MAMBA_OK) return;
    CHECK(mamba_tokenizer_load_file(&a, path_of("mistral-v3.model"), NULL, &err) == MAMBA_OK, "round trip: %s", err.message);
    CHECK(mamba_tokenizer_load_file(&ref, path_of("mistral-v3-vocab.gguf"), NULL, &err) == MAMBA_OK, "round trip: %s", err.message);
    CHECK(mamba_tokenizer_load_file(&h, path_of("mistral-v3-tokenizer.json"), NULL, &err) == MAMBA_OK, "round trip: %s", err.message);
    if (!a || !ref || !h) goto out;
    /* (the golden model's config names GPT-NeoX's ids, 0: sentencepiece's
       <unk>, so the writer takes the tokenizer's <s> and </s>) */
    st = mamba_gguf_write(m, a, &go, membuf_put, &buf, &err);
    CHECK(st == MAMBA_OK, "round trip: write: %s", err.message);
    if (st != MAMBA_OK) goto out;
    st = mamba_tokenizer_load_gguf(&b, buf.p, buf.n, NULL, &err);
    CHECK(st == MAMBA_OK, "round trip: read back: %s", err.message);
    if (st != MAMBA_OK) goto out;
    CHECK(mamba_tokenizer_n_vocab(b) == 32768 && mamba_tokenizer_bos_id(b) == 1 && mamba_tokenizer_eos_id(b) == 2,
          "round trip: vocab %d bos %d eos %d", mamba_tokenizer_n_vocab(b), mamba_tokenizer_bos_id(b), mamba_tokenizer_eos_id(b));
    {   /* every piece, score and type comes back, and equals the independent GGUF */
        int i, diff = 0;
        for (i = 0; i < 32768; i++) {
            const mamba__spm *x = a->spm, *y = b->spm, *z = ref->spm;
            size_t n = x->off[i + 1] - x->off[i];
            if (y->off[i + 1] - y->off[i] != n || memcmp(x->text + x->off[i], y->text + y->off[i], n) || x->score[i] != y->score[i] ||
                x->type[i] != y->type[i] || z->off[i + 1] - z->off[i] != n || memcmp(x->text + x->off[i], z->text + z->off[i], n) ||
                x->score[i] != z->score[i] || x->type[i] != z->type[i]) diff++;
        }
        CHECK(diff == 0, "round trip: %d pieces differ", diff);
    }
    all = slurp(path_of("mistral-v3-spm-public.jsonl"), &len);
    while (all && (r = jsonl_next(all, len, &pos, &line, &j, &err)) != 0) {   /* identical encodings and decodes on every golden text */
        size_t tl, n1, n2, l1, l2;
        char *text, *d1, *d2;
        int *i1, *i2;
        mamba_status s1, s2;
        if (r > 0) {
            text = jstr(&j, mamba__json_get(&j, 0, "text"), &tl);
            i1 = encode_all(a, text, tl, &n1, &s1);
            i2 = encode_all(b, text, tl, &n2, &s2);
            d1 = decode_all(a, i1, n1, 0, &l1, &s1);
            d2 = decode_all(b, i1, n1, 0, &l2, &s2);
            lines++;
            same += same_ids(i1, n1, i2, n2) && same_str(d1, l1, d2, l2);
            free(text); free(i1); free(i2); free(d1); free(d2);
            mamba__json_free(&j);
        }
    }
    free(all);
    CHECK(lines > 0 && same == lines, "round trip: %d/%d texts encode and decode the same", same, lines);
    printf("# GGUF writer round trip (v3 tokenizer.model -> GGUF -> reader): %d/%d golden texts identical\n", same, lines);
    buf.n = 0;
    st = mamba_gguf_write(m, h, &go, membuf_put, &buf, &err);
    CHECK(st == MAMBA_ERR_UNSUPPORTED && strstr(err.message, "tokenizer.model"), "writer with a tokenizer.json SentencePiece: %d %s", st, err.message);
out:
    free(buf.p);
    mamba_tokenizer_free(a);
    mamba_tokenizer_free(b);
    mamba_tokenizer_free(h);
    mamba_tokenizer_free(ref);
    mamba_model_free(m);
}

/* ---- odds and ends ------------------------------------------------------------------ */

static size_t big_n = 1 << 20;

/* Loads from a caller's arena (measured first), encode with a work arena. */
static void arenas(void) {
    size_t len, got, got2, k;
    char *m = slurp(path_of("mistral-v3.model"), &len), *j = NULL;
    static const char text[] = "Hello  world, [INST] caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 12345";
    int pass;
    for (k = 0; k < 2; k++) {   /* tokenizer.model, tokenizer.json */
        mamba_arena a;
        mamba_options o;
        mamba_tokenizer *t = NULL, *plain = NULL;
        mamba_error err;
        mamba_status st = MAMBA_OK;
        size_t jl = 0;
        if (k == 1) { free(m); m = slurp(path_of("mistral-v3-tokenizer.json"), &len); j = m; jl = len; }
        memset(&o, 0, sizeof o);
        memset(&a, 0, sizeof a);
        o.arena = &a;
        for (pass = 0; pass < 2; pass++) {   /* measure, then the real thing */
            if (pass) { a.base = malloc(a.peak + 16); a.size = a.peak + 16; a.used = a.peak = 0; }
            st = k ? mamba_tokenizer_load_json(&t, j, jl, &o, &err) : mamba_tokenizer_load_spm(&t, m, len, &o, &err);
            CHECK(st == MAMBA_OK, "arena load %zu pass %d: %s", k, pass, err.message);
            if (!pass && t) { mamba_tokenizer_free(t); t = NULL; a.used = 0; }
        }
        st = k ? mamba_tokenizer_load_json(&plain, j, jl, NULL, &err) : mamba_tokenizer_load_spm(&plain, m, len, NULL, &err);
        if (t && plain) {
            int x[128], y[128];
            mamba_arena w;
            unsigned char *wb = (unsigned char *)malloc(1 << 20);
            memset(&w, 0, sizeof w);
            w.base = wb; w.size = 1 << 20;
            st = mamba_tokenizer_encode_arena(t, text, sizeof text - 1, x, 128, &got, &w);
            CHECK(st == MAMBA_OK && w.used == 0, "encode_arena with a work arena: %d (used %zu)", st, w.used);
            mamba_tokenizer_encode(plain, text, sizeof text - 1, y, 128, &got2);
            CHECK(got == got2 && !memcmp(x, y, got * sizeof(int)), "arena tokenizer %zu encodes as the plain one", k);
            free(wb);
        }
        mamba_tokenizer_free(t);
        mamba_tokenizer_free(plain);
        free(a.base);
        {   /* max_alloc_bytes too small: a clean MAMBA_ERR_LIMIT */
            mamba_options o2;
            memset(&o2, 0, sizeof o2);
            o2.max_alloc_bytes = 100000;
            t = NULL;
            st = k ? mamba_tokenizer_load_json(&t, j, jl, &o2, &err) : mamba_tokenizer_load_spm(&t, m, len, &o2, &err);
            CHECK(st == MAMBA_ERR_LIMIT && !t, "max_alloc_bytes: %d %s", st, err.message);
        }
    }
    free(m);
}

static void misc(void) {
    mamba_tokenizer *t = NULL, *u = NULL;
    mamba_error err;
    size_t len, got, n2;
    char *m = slurp(path_of("mistral-v3.model"), &len), *big, *dec;
    int *ids, *ids2;
    mamba_status st;
    size_t i;
    err.status = MAMBA_ERR_IO;
    strcpy(err.message, "stale");
    CHECK(m && mamba_tokenizer_load_spm(&t, m, len, NULL, &err) == MAMBA_OK, "load_spm from memory: %s", err.message);
    CHECK(err.status == MAMBA_OK && !err.message[0], "load_spm clears err on success (the 0.2 contract)");
    free(m);
    if (!t) return;
    /* a long text (1 MB, one piece to sentencepiece; 64 KB under valgrind) */
    big = (char *)malloc(1 << 20);
    for (i = 0; i < big_n; i++) big[i] = "abcdefgh ijklmnop qrstu vwxyz  \n"[rnd(32)];
    ids = encode_all(t, big, big_n, &got, &st);
    dec = decode_all(t, ids, got, 0, &len, &st);
    CHECK(st == MAMBA_OK && len == big_n && !memcmp(dec, big, len), "long text round trip (%zu ids, %zu bytes back)", got, len);
    free(dec);
    /* word by word (split_ws) gives what the whole text as one piece gives */
    {
        mamba_tokenizer *j = NULL;
        int *w2;
        size_t g2;
        CHECK(t->spm->split_ws, "v3: no piece has U+2581 after another character, so split_ws");
        t->spm->split_ws = 0;
        w2 = encode_all(t, big, big_n, &g2, &st);
        t->spm->split_ws = 1;
        CHECK(st == MAMBA_OK && same_ids(ids, got, w2, g2), "word by word differs from the whole text (%zu vs %zu ids)", got, g2);
        free(w2);
        if (mamba_tokenizer_load_file(&j, path_of("mistral-v1-tokenizer.json"), NULL, &err) == MAMBA_OK) {
            int *w1 = encode_all(j, big, big_n, &got, &st);
            CHECK(j->spm->split_ws, "v1 tokenizer.json: split_ws");
            j->spm->split_ws = 0;
            w2 = encode_all(j, big, big_n, &g2, &st);
            CHECK(st == MAMBA_OK && same_ids(w1, got, w2, g2), "tokenizer.json: word by word differs from the whole text");
            free(w1);
            free(w2);
            mamba_tokenizer_free(j);
        }
    }
    /* a megabyte of one letter (worst case for the agenda) */
    memset(big, 'a', big_n);
    ids2 = encode_all(t, big, big_n, &n2, &st);
    dec = decode_all(t, ids2, n2, 0, &len, &st);
    CHECK(st == MAMBA_OK && len == big_n && !memcmp(dec, big, len), "a long run of 'a' round trip");
    free(dec); free(ids); free(ids2); free(big);
    /* invalid UTF-8: each bad byte is U+FFFD (sentencepiece), and the buffer protocol */
    {
        int v[16];
        st = mamba_tokenizer_encode(t, "a\xff\xfe", 3, v, 16, &got);
        CHECK(st == MAMBA_OK && got >= 3, "invalid UTF-8 encode: %d", st);
        dec = decode_all(t, v, got, 0, &len, &st);
        CHECK(st == MAMBA_OK && len == 7 && !memcmp(dec, "a\xef\xbf\xbd\xef\xbf\xbd", 7), "invalid UTF-8: \"%s\"", dec ? snip(dec, len) : "");
        free(dec);
        st = mamba_tokenizer_encode(t, "Hello world", 11, v, 1, &got);
        CHECK(st == MAMBA_ERR_RANGE && got == 3 && v[0] == 1, "small buffer: %d %zu", st, got);   /* <s> Hello world */
        st = mamba_tokenizer_encode(t, "", 0, v, 16, &got);
        CHECK(st == MAMBA_OK && got == 1 && v[0] == 1, "empty text: [bos] (%zu ids)", got);
        v[0] = 40000;
        CHECK(mamba_tokenizer_decode(t, v, 1, 0, NULL, 0, &got) == MAMBA_ERR_BADARG, "bad id");
        /* byte pieces alone: streaming assembles <0xE4><0xB8><0xAD> into one character */
        {
            mamba_decoder d;
            char out[64];
            size_t a1, a2, a3;
            int b3[3] = {771 + 0xE4, 771 + 0xB8, 771 + 0xAD};
            mamba_decoder_init(&d, 0);
            mamba_decoder_token(&d, t, b3[0], out, sizeof out, &a1);
            mamba_decoder_token(&d, t, b3[1], out, sizeof out, &a2);
            mamba_decoder_token(&d, t, b3[2], out, sizeof out, &a3);
            CHECK(a1 == 0 && a2 == 0 && a3 == 3 && !memcmp(out, "\xe4\xb8\xad", 3), "byte pieces stream: %zu %zu %zu", a1, a2, a3);
        }
    }
    CHECK(mamba_tokenizer_is_special(t, 3) && !mamba_tokenizer_is_special(t, 1100), "control pieces are special");
    CHECK(mamba_tokenizer_token_id(t, "[INST]", 6) == 3 && mamba_tokenizer_token_id(t, "</s>", 4) == 2 &&
          mamba_tokenizer_token_id(t, "<0x0A>", 6) == 781 && mamba_tokenizer_token_id(t, "\xE2\x96\x81is", 5) == 1117 &&
          mamba_tokenizer_token_id(t, " is", 3) == 1117,
          "token_id by piece text: %d %d %d %d", mamba_tokenizer_token_id(t, "[INST]", 6), mamba_tokenizer_token_id(t, "</s>", 4),
          mamba_tokenizer_token_id(t, "<0x0A>", 6), mamba_tokenizer_token_id(t, "\xE2\x96\x81is", 5));
#ifdef HAVE_MKDIR
    {   /* a directory with only tokenizer.model.v3 (Mistral's naming) loads it */
        size_t ml;
        char *mb = slurp(path_of("mistral-v3.model"), &ml);
        FILE *f;
        mkdir("build", 0755);
        mkdir("build/tmp", 0755);
        mkdir("build/tmp/spm-dir", 0755);
        remove("build/tmp/spm-dir/tokenizer.json");
        f = fopen("build/tmp/spm-dir/tokenizer.model.v3", "wb");
        if (f && mb) { fwrite(mb, 1, ml, f); fclose(f); }
        u = NULL;
        st = mamba_tokenizer_load_file(&u, "build/tmp/spm-dir", NULL, &err);
        CHECK(st == MAMBA_OK && mamba_tokenizer_n_vocab(u) == 32768 && u->spm && u->spm->mode == MAMBA__SPM_MODEL,
              "directory with tokenizer.model.v3: %s", st == MAMBA_OK ? "wrong tokenizer" : err.message);
        mamba_tokenizer_free(u);
        free(mb);
    }
#endif
    mamba_tokenizer_free(t);
    (void)u;
}

int main(int argc, char **argv) {
    (void)argc; (void)argv;   /* (tests/run.sh passes the shared directory: everything here is in tests/data) */
    if (getenv("MAMBA_SPM_DATA")) data_dir = getenv("MAMBA_SPM_DATA");
    goldens();
    variants();
    decode_random();
    oracle();
    hostile();
    round_trip("tests/data/m2-g1-tied");
    if (getenv("MAMBA_TEST_QUICK")) big_n = 1 << 16;
    arenas();
    misc();
    return test_summary();
}
