/* LongMamba (issue 20, docs/longmamba.md): the filtered scan against the numpy
   reference's goldens (tests/ref/longmamba_ref.py), on the step path and the
   sequence path at several chunk sizes; off = the same bits as before; bad
   calibration sidecars get clean errors. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"

#define PROMPT 18   /* the goldens' prompt length (table length 16) */

static unsigned char *keep[16];
static int nkeep;
static mamba_model *load_dir(const char *dir) {
    char *wp = path2(dir, "model.safetensors"), *cp = path2(dir, "config.json");
    size_t wn, cn;
    unsigned char *w = read_all(wp, &wn), *c = read_all(cp, &cn);
    mamba_model *m = NULL;
    mamba_error err;
    CHECK(w && c, "%s: files", dir);
    if (w && c) CHECK(mamba_model_load_memory(&m, w, wn, (const char *)c, cn, NULL, &err) == MAMBA_OK, "%s: load: %s", dir, err.message);
    free(c); free(wp); free(cp);
    if (nkeep < 16) keep[nkeep++] = w; else free(w);   /* in use by m: freed at exit */
    return m;
}

static void long_goldens(const char *dir) {
    golden g, plain;
    mamba_model *m = load_dir(dir);
    char *sp = path2(dir, "long.bin");
    size_t sn;
    unsigned char *side = read_all(sp, &sn);
    mamba_long *cal = NULL;
    mamba_error err;
    static const int chunks[] = {1, 2, 5, 7, 64};
    int V, T, i, k;
    float *lg, *ref_lg;
    mamba_state *s = NULL;
    if (!m || !side) { CHECK(0, "%s: model or long.bin", dir); free(sp); free(side); mamba_model_free(m); return; }
    CHECK(golden_read_files(&g, dir, "tokens.txt", "long_logits.txt"), "%s: long goldens", dir);
    CHECK(golden_read(&plain, dir), "%s: goldens", dir);
    CHECK(mamba_long_load_memory(&cal, m, side, sn, &err) == MAMBA_OK, "%s: calibration: %s", dir, err.message);
    V = mamba_model_config(m)->vocab_size; T = g.n_tokens;
    lg = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    ref_lg = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    /* step path */
    CHECK(mamba_state_new(&s, m, 4) == MAMBA_OK, "state");
    CHECK(mamba_state_set_long(s, cal, PROMPT) == MAMBA_OK, "set_long");
    for (i = 0; i < T; i++) mamba_step(m, s, g.tokens[i], ref_lg + (size_t)i * V);
    check_rows("long step", dir, ref_lg, g.logits, (size_t)V * T);
    {   /* the filter matters: the goldens are far from the plain logits */
        double r;
        test_max_err(ref_lg, plain.logits, (size_t)V * T, tol_abs, tol_rel, &r);
        CHECK(r > 10, "%s: filtered logits only %.3g x tolerance from plain", dir, r);
        printf("  %-24s long step ok; filtered vs plain %.0f x tolerance\n", dir, r);
    }
    /* reset keeps the setting: the same run again */
    mamba_state_reset(s);
    for (i = 0; i < T; i++) mamba_step(m, s, g.tokens[i], lg + (size_t)i * V);
    CHECK(!memcmp(lg, ref_lg, sizeof(float) * (size_t)V * T), "%s: after reset", dir);
    mamba_state_free(s);
    for (k = 0; k < (int)(sizeof chunks / sizeof chunks[0]); k++) {   /* sequence path: same bits */
        CHECK(mamba_state_new(&s, m, chunks[k]) == MAMBA_OK, "state");
        CHECK(mamba_state_set_long(s, cal, PROMPT) == MAMBA_OK, "set_long");
        CHECK(mamba_forward(m, s, g.tokens, (size_t)T, lg, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward");
        CHECK(!memcmp(lg, ref_lg, sizeof(float) * (size_t)V * T), "%s chunk %d: step and sequence differ", dir, chunks[k]);
        mamba_state_free(s);
    }
    /* prefill PROMPT tokens then decode by steps, and a copied state */
    {
        mamba_state *s2 = NULL;
        CHECK(mamba_state_new(&s, m, 5) == MAMBA_OK && mamba_state_new(&s2, m, 3) == MAMBA_OK, "state");
        mamba_state_set_long(s, cal, PROMPT);
        CHECK(mamba_forward(m, s, g.tokens, PROMPT, lg, MAMBA_LOGITS_LAST) == MAMBA_OK, "prefill");
        CHECK(!memcmp(lg, ref_lg + (size_t)(PROMPT - 1) * V, sizeof(float) * (size_t)V), "%s: prefill last", dir);
        CHECK(mamba_state_copy(s2, s) == MAMBA_OK, "copy");
        for (i = PROMPT; i < T; i++) {
            mamba_step(m, s, g.tokens[i], lg);
            CHECK(!memcmp(lg, ref_lg + (size_t)i * V, sizeof(float) * (size_t)V), "%s: decode %d", dir, i);
            mamba_step(m, s2, g.tokens[i], lg);
            CHECK(!memcmp(lg, ref_lg + (size_t)i * V, sizeof(float) * (size_t)V), "%s: copied decode %d", dir, i);
        }
        mamba_state_free(s); mamba_state_free(s2);
    }
    /* off: NULL, or a prompt within the training length: the plain bits */
    {
        float *off = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
        CHECK(mamba_state_new(&s, m, 7) == MAMBA_OK, "state");
        CHECK(mamba_forward(m, s, g.tokens, (size_t)T, off, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward");
        check_rows("plain", dir, off, plain.logits, (size_t)V * T);
        mamba_state_reset(s);
        CHECK(mamba_state_set_long(s, cal, 4) == MAMBA_OK, "set_long at the training length");
        CHECK(s->long_thr == NULL, "off at the training length");
        CHECK(mamba_forward(m, s, g.tokens, (size_t)T, lg, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward");
        CHECK(!memcmp(lg, off, sizeof(float) * (size_t)V * T), "%s: off at the training length changes bits", dir);
        mamba_state_set_long(s, cal, PROMPT);
        CHECK(mamba_state_set_long(s, NULL, PROMPT) == MAMBA_OK && s->long_thr == NULL, "NULL turns it off");
        mamba_state_reset(s);
        CHECK(mamba_forward(m, s, g.tokens, (size_t)T, lg, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward");
        CHECK(!memcmp(lg, off, sizeof(float) * (size_t)V * T), "%s: off after NULL changes bits", dir);
        mamba_state_free(s);
        free(off);
    }
    /* table choice: prompt 11 is nearest 8 (thresholds 1e30: every global token filtered) */
    CHECK(mamba_state_new(&s, m, 7) == MAMBA_OK, "state");
    mamba_state_set_long(s, cal, 11);
    CHECK(s->long_thr && s->long_until == 11, "set for 11");
    mamba_state_set_long(s, cal, 12);   /* tie between 8 and 16: the shorter */
    CHECK(s->long_thr && s->long_thr[0] != (float)ref_lg[0] && s->long_until == 12, "set for 12");
    {
        const float *t12 = s->long_thr;
        mamba_state_set_long(s, cal, 13);
        CHECK(s->long_thr != t12, "13 picks 16, 12 picks 8");
        mamba_state_set_long(s, cal, 100000);
        CHECK(s->long_thr != t12, "100000 picks 32");
    }
    mamba_state_free(s);
    {   /* mamba_forward_dt: the unfiltered Δt, the same on every chunk size, filter or not */
        int C = mamba_long_channels(m), nl = mamba_model_config(m)->n_layer;
        size_t nd = (size_t)T * (size_t)nl * (size_t)C;
        float *d1 = (float *)malloc(sizeof(float) * nd), *d2 = (float *)malloc(sizeof(float) * nd);
        mamba_state *s2 = NULL;
        CHECK(mamba_state_new(&s, m, 1) == MAMBA_OK && mamba_state_new(&s2, m, 64) == MAMBA_OK, "state");
        CHECK(mamba_forward_dt(m, s, g.tokens, (size_t)T, d1) == MAMBA_OK, "forward_dt");
        mamba_state_set_long(s2, cal, PROMPT);
        CHECK(mamba_forward_dt(m, s2, g.tokens, (size_t)T, d2) == MAMBA_OK, "forward_dt, filter on");
        CHECK(s2->long_rec == NULL && s->n_tokens == (uint64_t)T, "recorder off afterwards");
        for (i = 0; i < (int)nd; i++) if (!(d1[i] >= 0.0f)) break;
        CHECK(i == (int)nd, "%s: Δt %d is not >= 0", dir, i);
        /* layer 0 sees no filter below it: the same Δt; later layers differ when on */
        for (i = 0; i < T; i++) CHECK(!memcmp(d1 + (size_t)i * nl * C, d2 + (size_t)i * nl * C, sizeof(float) * (size_t)C), "%s: layer 0 Δt token %d", dir, i);
        CHECK(mamba_forward_dt(m, s, g.tokens, 1, d1) == MAMBA_ERR_BADARG, "forward_dt on a used state");
        CHECK(mamba_forward_dt(m, s, g.tokens, 1, NULL) == MAMBA_ERR_BADARG, "forward_dt NULL");
        CHECK(mamba_long_decay(m, nl, 0, 1.0) == -1 && mamba_long_decay(m, 0, C, 1.0) == -1 && mamba_long_decay(NULL, 0, 0, 1) == -1, "decay range");
        CHECK(mamba_long_decay(m, 0, 0, 0.0) == 1.0 && mamba_long_decay(m, 0, 0, 1.0) < 1.0, "decay values");
        mamba_state_free(s); mamba_state_free(s2); free(d1); free(d2);
    }
    {   /* mamba_forward_batch: the filtered sequence A, in company, gives the bits it gives
           alone (ref_lg, the step path), in every round split and row position; B
           beside it is unfiltered (or filtered with its own table) and also keeps
           its alone bits. Two calls: the filter counts each state's own tokens. */
        static const int rows[] = {1, 3, 7, 64};
        int nb = T - 2, *tb = (int *)malloc(sizeof(int) * (size_t)T), r, bset;
        float *la = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
        float *lb = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
        float *lb_alone = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
        mamba_state *sa = NULL, *sb = NULL;
        for (i = 0; i < nb; i++) tb[i] = g.tokens[(i + 3) % T];
        CHECK(mamba_state_new(&sa, m, 0) == MAMBA_OK && mamba_state_new(&sb, m, 0) == MAMBA_OK, "batch states");
        for (bset = 0; bset < 2; bset++) {   /* B: off, then filtered for 11 tokens (table 8: all global tokens) */
            mamba_state_reset(sb);
            mamba_state_set_long(sb, bset ? cal : NULL, 11);
            CHECK(mamba_forward(m, sb, tb, (size_t)nb, lb_alone, MAMBA_LOGITS_ALL) == MAMBA_OK, "B alone");
            for (r = 0; r < (int)(sizeof rows / sizeof rows[0]); r++) {
                int order, cut = PROMPT - 5;
                mamba_batch *b = NULL;
                CHECK(mamba_batch_new(&b, m, 2, rows[r], &err) == MAMBA_OK, "batch: %s", err.message);
                for (order = 0; order < 2 && b; order++) {   /* A first, then B first (A's rows not at 0) */
                    mamba_batch_seq q[2];
                    int ia = order, ib = 1 - order;
                    mamba_state_reset(sa); mamba_state_reset(sb);
                    mamba_state_set_long(sa, cal, PROMPT);
                    mamba_state_set_long(sb, bset ? cal : NULL, 11);
                    memset(q, 0, sizeof q);
                    q[ia].state = sa; q[ia].tokens = g.tokens; q[ia].n = (size_t)cut; q[ia].logits = la; q[ia].mode = MAMBA_LOGITS_ALL;
                    q[ib].state = sb; q[ib].tokens = tb; q[ib].n = (size_t)cut + 2; q[ib].logits = lb; q[ib].mode = MAMBA_LOGITS_ALL;
                    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_OK, "forward_batch: %s", err.message);
                    q[ia].tokens = g.tokens + cut; q[ia].n = (size_t)(T - cut); q[ia].logits = la + (size_t)cut * V;
                    q[ib].tokens = tb + cut + 2; q[ib].n = (size_t)(nb - cut - 2); q[ib].logits = lb + (size_t)(cut + 2) * V;
                    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_OK, "forward_batch: %s", err.message);
                    CHECK(!memcmp(la, ref_lg, sizeof(float) * (size_t)V * T),
                          "%s: filtered sequence batched (rows %d, %s first, B %s) differs from alone", dir, rows[r], order ? "B" : "A", bset ? "filtered" : "plain");
                    CHECK(!memcmp(lb, lb_alone, sizeof(float) * (size_t)V * nb),
                          "%s: B batched (rows %d, %s first, B %s) differs from alone", dir, rows[r], order ? "B" : "A", bset ? "filtered" : "plain");
                }
                mamba_batch_free(b);
            }
        }
        printf("  %-24s long batched (rows 1/3/7/64, both orders, beside a plain and a filtered B) = alone\n", dir);
        mamba_state_free(sa); mamba_state_free(sb);
        free(tb); free(la); free(lb); free(lb_alone);
    }
    mamba_long_free(cal);
    free(lg); free(ref_lg); free(g.logits); free(plain.logits); free(side); free(sp);
    mamba_model_free(m);
}

/* A calibration for m1-odd-f32 bent in every way the reader checks. */
static void put32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
static void reseal(unsigned char *b, size_t n) {
    uint64_t h = 14695981039346656037u;
    size_t i;
    for (i = 64; i < n; i++) h = (h ^ b[i]) * 1099511628211u;
    put32(b + 56, (uint32_t)h); put32(b + 60, (uint32_t)(h >> 32));
}
static void bad_sidecars(void) {
    const char *dir = "tests/data/m1-odd-f32";
    mamba_model *m = load_dir(dir), *m2 = load_dir("tests/data/m2-g1-tied");
    char *sp = path2(dir, "long.bin");
    size_t n;
    unsigned char *good = read_all(sp, &n), *b;
    mamba_long *cal = (mamba_long *)1;
    mamba_error err;
    size_t cut;
    if (!m || !m2 || !good) { CHECK(0, "bad_sidecars: files"); free(sp); free(good); mamba_model_free(m); mamba_model_free(m2); return; }
    b = (unsigned char *)malloc(n);
#define BENT(what, edit, want, needle) do { memcpy(b, good, n); edit; \
        expect(what, mamba_long_load_memory(&cal, m, b, n, &err), want, &err, needle); CHECK(cal == NULL, "%s: out not NULL", what); } while (0)
    BENT("magic", b[0] = 'X', MAMBA_ERR_FORMAT, "magic");
    BENT("version", put32(b + 4, 2), MAMBA_ERR_UNSUPPORTED, "version 2");
    BENT("layers", put32(b + 12, 3), MAMBA_ERR_SHAPE, "another model");
    BENT("channels", put32(b + 16, 75), MAMBA_ERR_SHAPE, "another model");
    BENT("arch", put32(b + 8, 3), MAMBA_ERR_SHAPE, "another model");
    BENT("n_len 0", put32(b + 32, 0), MAMBA_ERR_FORMAT, "target lengths");
    BENT("n_len huge", put32(b + 32, 0xffffffffu), MAMBA_ERR_FORMAT, "target lengths");
    BENT("n_len 2", put32(b + 32, 2), MAMBA_ERR_FORMAT, "payload");
    BENT("payload size", put32(b + 48, 7), MAMBA_ERR_FORMAT, "payload");
    BENT("checksum", b[100] ^= 1, MAMBA_ERR_FORMAT, "checksum");
    BENT("train_len 0", put32(b + 28, 0), MAMBA_ERR_RANGE, "training length");
    BENT("lengths order", (put32(b + 68, 8), reseal(b, n)), MAMBA_ERR_RANGE, "target length");
    BENT("class 2", (put32(b + 76, 2), reseal(b, n)), MAMBA_ERR_RANGE, "class");
    BENT("threshold NaN", (put32(b + 76 + 8 * 74 + 4, 0x7fc00000u), reseal(b, n)), MAMBA_ERR_RANGE, "threshold");
    BENT("threshold -1", (put32(b + 76 + 8 * 74, 0xbf800000u), reseal(b, n)), MAMBA_ERR_RANGE, "threshold");
    for (cut = 0; cut < n; cut += (cut < 80 ? 1 : 97)) {   /* every short prefix */
        mamba_status st = mamba_long_load_memory(&cal, m, good, cut, &err);
        CHECK(st == MAMBA_ERR_FORMAT && cal == NULL, "cut at %zu: %s", cut, mamba_status_string(st));
    }
    expect("other model", mamba_long_load_memory(&cal, m2, good, n, &err), MAMBA_ERR_SHAPE, &err, "another model");
    CHECK(mamba_long_load_memory(NULL, m, good, n, &err) == MAMBA_ERR_BADARG, "NULL out");
    CHECK(mamba_long_load_memory(&cal, NULL, good, n, &err) == MAMBA_ERR_BADARG, "NULL model");
    CHECK(mamba_long_load_memory(&cal, m, good, n, &err) == MAMBA_OK, "good: %s", err.message);
    CHECK(mamba_long_train_len(cal) == 4 && mamba_long_train_len(NULL) == 0, "train_len");
    {
        mamba_state *s = NULL;
        CHECK(mamba_state_new(&s, m2, 4) == MAMBA_OK, "state");
        CHECK(mamba_state_set_long(s, cal, 100) == MAMBA_ERR_SHAPE && s->long_thr == NULL, "state of another shape");
        CHECK(mamba_state_set_long(NULL, cal, 100) == MAMBA_ERR_BADARG, "NULL state");
        mamba_state_free(s);
    }
#ifndef MAMBA_NO_STDIO
    {
        mamba_long *c2 = NULL;
        expect("missing file", mamba_long_load_file(&c2, m, "tests/data/no-such-long.bin", &err), MAMBA_ERR_IO, &err, "no-such-long.bin");
        write_file("build/test_long_bent.bin", b, n);
        expect("file names itself", mamba_long_load_file(&c2, m, "build/test_long_bent.bin", &err), MAMBA_ERR_RANGE, &err, "test_long_bent.bin");
        CHECK(mamba_long_load_file(&c2, m, sp, &err) == MAMBA_OK, "file: %s", err.message);
        mamba_long_free(c2);
    }
#endif
    mamba_long_free(cal);
    mamba_long_free(NULL);
    free(b); free(good); free(sp);
    mamba_model_free(m); mamba_model_free(m2);
}

int main(int argc, char **argv) {
    suite_start(argc, argv);
    printf("long (LongMamba):\n");
    long_goldens("tests/data/m1-odd-f32");
    long_goldens("tests/data/m1-f32-mixed");
    long_goldens("tests/data/m2-g1-tied");
    long_goldens("tests/data/m2-g2-untied");
    bad_sidecars();
    while (nkeep) free(keep[--nkeep]);
    return test_summary();
}
