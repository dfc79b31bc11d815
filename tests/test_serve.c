/* Serving-core tests (issue 16): mamba_forward_batch against each sequence
   run alone (bit for bit) on every golden model in tests/data, the prefix
   cache (verified keys, forced collisions, LRU eviction, budgets) and the
   rollback ring, and the bad-input contract of all three.

   build/test_serve        (run from the repository root; reads tests/data only) */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
#include <omp.h>
#endif

/* tokens.txt / logits.txt of a golden directory */
typedef struct golden { int tokens[256]; int n; float *logits; size_t n_logits; } golden;
static int golden_read(golden *g, const char *dir) {
    char p[512];
    size_t n;
    unsigned char *t, *l;
    char *s, *end;
    memset(g, 0, sizeof *g);
    snprintf(p, sizeof p, "%s/tokens.txt", dir);
    t = read_all(p, &n);
    snprintf(p, sizeof p, "%s/logits.txt", dir);
    l = read_all(p, &n);
    if (!t || !l) { free(t); free(l); return 0; }
    for (s = (char *)t; g->n < 256;) {
        long v = strtol(s, &end, 10);
        if (end == s) break;
        g->tokens[g->n++] = (int)v;
        s = end;
    }
    g->logits = (float *)malloc(sizeof(float) * (n / 2 + 1));
    for (s = (char *)l; g->logits;) {
        double v = strtod(s, &end);
        if (end == s) break;
        g->logits[g->n_logits++] = (float)v;
        s = end;
    }
    free(t); free(l);
    return g->n > 0 && g->logits;
}

/* ---- states without scratch, their floats ---------------------------------- */

static size_t state_floats(const mamba_config *c) { return mamba_state_bytes(c) / sizeof(float); }
static mamba_state *bare_state(const mamba_config *c) {   /* no scratch: what a batch needs */
    mamba_state *s = (mamba_state *)malloc(sizeof *s);
    void *mem = malloc(mamba_state_bytes(c));
    if (!s || !mem || mamba_state_init(s, c, mem, mamba_state_bytes(c), NULL, 0, 0, NULL) != MAMBA_OK) { free(s); free(mem); return NULL; }
    return s;
}
static void bare_free(mamba_state *s) { if (s) { free(s->conv); free(s); } }
static void snap(const mamba_state *s, float *out) {   /* conv then ssm */
    size_t nc = (size_t)s->shape.n_layer * (size_t)s->shape.conv_dim * (size_t)(s->shape.d_conv - 1);
    size_t nss = (size_t)s->shape.n_layer * (size_t)s->shape.d_inner * (size_t)s->shape.d_state;
    memcpy(out, s->conv, nc * sizeof(float));
    memcpy(out + nc, s->ssm, nss * sizeof(float));
}
static int state_is(const mamba_state *s, const float *want, size_t nf) {
    float *tmp = (float *)malloc(nf * sizeof(float));
    int same;
    snap(s, tmp);
    same = !memcmp(tmp, want, nf * sizeof(float));
    free(tmp);
    return same;
}

/* A sequence run alone with mamba_step: logits and state after each position. */
typedef struct ref_seq {
    int *tok;
    size_t n;
    float *logits;   /* (n, V) */
    float *snaps;    /* (n + 1, SF): state after 0..n tokens */
} ref_seq;
static void ref_run(const mamba_model *m, ref_seq *r, const int *tok, size_t n) {
    const mamba_config *c = mamba_model_config(m);
    size_t V = (size_t)c->vocab_size, SF = state_floats(c), i;
    mamba_state *s = NULL;
    r->tok = (int *)malloc(sizeof(int) * (n ? n : 1));
    memcpy(r->tok, tok, sizeof(int) * n);
    r->n = n;
    r->logits = (float *)malloc(sizeof(float) * V * (n ? n : 1));
    r->snaps = (float *)malloc(sizeof(float) * SF * (n + 1));
    mamba_state_new(&s, m, 4);
    snap(s, r->snaps);
    for (i = 0; i < n; i++) {
        mamba_step(m, s, tok[i], r->logits + i * V);
        snap(s, r->snaps + (i + 1) * SF);
    }
    mamba_state_free(s);
}
static void ref_free(ref_seq *r) { free(r->tok); free(r->logits); free(r->snaps); }

/* ---- batched == alone on one golden model -------------------------------- */

#define NSEQ 8
static const char *cur;   /* the model being tested, for messages */

/* Runs the sequences of refs through mamba_forward_batch in calls whose
   per-sequence token counts come from `plan` (plan(call, seq) -> count, -1
   when that sequence has no more calls). Checks every logit row asked for and
   the final states. mode per sequence; max_rows for the batch. */
typedef size_t (*plan_fn)(int call, int seq, size_t done, size_t n);
static void run_plan(const mamba_model *m, ref_seq *refs, int ns, int max_rows, plan_fn plan,
                     const mamba_logits_mode *modes, int with_rings, const char *what) {
    const mamba_config *c = mamba_model_config(m);
    size_t V = (size_t)c->vocab_size, SF = state_floats(c), done[NSEQ] = {0};
    mamba_state *st[NSEQ];
    mamba_ring *rings[NSEQ] = {0};
    mamba_batch *b = NULL;
    mamba_batch_seq q[NSEQ];
    mamba_error err;
    float *lg[NSEQ];
    int i, call, bad_logits = 0, bad_state = 0, bad_ring = 0, calls = 0;
    size_t need = mamba_batch_bytes(c, ns, max_rows);
    unsigned char *mem = (unsigned char *)malloc(need + 3);
    CHECK(mamba_batch_init(&b, c, ns, max_rows, mem + 3, need, &err) == MAMBA_OK, "%s %s: batch init: %s", cur, what, err.message);
    for (i = 0; i < ns; i++) {
        st[i] = bare_state(c);
        lg[i] = (float *)malloc(sizeof(float) * V * (refs[i].n ? refs[i].n : 1));
        if (with_rings && i % 2 == 0) CHECK(mamba_ring_new(&rings[i], m, 3 + i, &err) == MAMBA_OK, "ring: %s", err.message);
    }
    for (call = 0; b; call++) {
        int any = 0;
        for (i = 0; i < ns; i++) {
            size_t k = done[i] < refs[i].n ? plan(call, i, done[i], refs[i].n) : 0;
            if (k > refs[i].n - done[i]) k = refs[i].n - done[i];
            q[i].state = st[i];
            q[i].tokens = refs[i].tok + done[i];
            q[i].n = k;
            q[i].mode = modes[i];
            q[i].logits = modes[i] == MAMBA_LOGITS_ALL ? lg[i] : modes[i] == MAMBA_LOGITS_LAST ? lg[i] : NULL;
            q[i].ring = rings[i];
            if (modes[i] == MAMBA_LOGITS_LAST && k) lg[i][0] = -12345.0f;   /* must be overwritten */
            any |= done[i] < refs[i].n;
        }
        if (!any) break;
        CHECK(mamba_forward_batch(m, b, q, (size_t)ns, &err) == MAMBA_OK, "%s %s: call %d: %s", cur, what, call, err.message);
        calls++;
        for (i = 0; i < ns; i++) {
            size_t k = q[i].n;
            if (!k) continue;
            if (modes[i] == MAMBA_LOGITS_ALL && memcmp(lg[i], refs[i].logits + done[i] * V, sizeof(float) * V * k)) bad_logits++;
            if (modes[i] == MAMBA_LOGITS_LAST && memcmp(lg[i], refs[i].logits + (done[i] + k - 1) * V, sizeof(float) * V)) bad_logits++;
            done[i] += k;
            if (st[i]->n_tokens != done[i] || !state_is(st[i], refs[i].snaps + done[i] * SF, SF)) bad_state++;
        }
        if (call > 10000) break;
    }
    for (i = 0; i < ns; i++) {
        if (done[i] != refs[i].n) bad_state++;
        if (rings[i]) {   /* the ring holds the last k positions (or all there were): restore each */
            uint64_t lo, hi, p;
            int held = mamba_ring_count(rings[i], &lo, &hi), k = 3 + i;
            int want = refs[i].n < (size_t)k ? (int)refs[i].n : k;
            if (held != want || (held && hi != refs[i].n)) bad_ring++;
            for (p = hi + 1; held && p-- > lo;) {   /* newest first: restore drops newer ones */
                mamba_state *t = bare_state(c);
                if (mamba_ring_restore(rings[i], t, p) != MAMBA_OK || t->n_tokens != p || !state_is(t, refs[i].snaps + p * SF, SF)) bad_ring++;
                bare_free(t);
            }
        }
    }
    CHECK(!bad_logits && !bad_state && !bad_ring, "%s %s (max_rows %d): %d logit mismatches, %d state mismatches, %d ring mismatches",
          cur, what, max_rows, bad_logits, bad_state, bad_ring);
    for (i = 0; i < ns; i++) { bare_free(st[i]); free(lg[i]); mamba_ring_free(rings[i]); }
    free(mem);
}

static size_t plan_all(int call, int seq, size_t done, size_t n) { (void)seq; (void)done; return call == 0 ? n : 0; }
static size_t plan_step(int call, int seq, size_t done, size_t n) { (void)call; (void)seq; (void)done; (void)n; return 1; }
/* sequences join late (seq i starts at call i) and leave when done */
static size_t plan_join(int call, int seq, size_t done, size_t n) { (void)done; (void)n; return call >= seq ? 1 : 0; }
/* ragged chunks: prompt-sized pieces interleaved with single steps */
static size_t plan_mixed(int call, int seq, size_t done, size_t n) {
    unsigned h = (unsigned)(call * 7 + seq * 13 + (int)done);
    (void)n;
    return (size_t)(h % 5 == 0 ? 0 : h % 3 == 0 ? 1 + h % 9 : 1);
}

static void batch_model(const char *path, const char *golden_dir, int check_golden) {
    mamba_model *m = NULL;
    mamba_error err;
    golden g;
    ref_seq refs[NSEQ];
    const mamba_config *c;
    static const size_t lens_of[NSEQ] = {999, 0, 1, 5, 999, 2, 17, 9};   /* 999: the golden's length */
    static const int rows_of[] = {1, 3, 8, 64};
    mamba_logits_mode all[NSEQ], last[NSEQ], mixed[NSEQ];
    int i, r, T;
    cur = path;
    CHECK(golden_read(&g, golden_dir), "%s: golden", golden_dir);
    CHECK(mamba_model_load_file(&m, path, NULL, &err) == MAMBA_OK, "%s: %s", path, err.message);
    if (!m || !g.n) { mamba_model_free(m); free(g.logits); return; }
    c = mamba_model_config(m);
    T = g.n;
    for (i = 0; i < NSEQ; i++) {
        int tok[256], j;
        size_t n = lens_of[i] == 999 ? (size_t)T : lens_of[i];
        for (j = 0; j < (int)n; j++) tok[j] = g.tokens[(j + 3 * i) % T];
        if (i == 0) memcpy(tok, g.tokens, sizeof(int) * (size_t)T);
        ref_run(m, &refs[i], tok, n);
        all[i] = MAMBA_LOGITS_ALL;
        last[i] = MAMBA_LOGITS_LAST;
        mixed[i] = (mamba_logits_mode)(i % 3);
    }
    if (check_golden) {   /* the alone reference itself against the numpy golden */
        double ratio, e = test_max_err(refs[0].logits, g.logits, g.n_logits, 1e-4, 1e-3, &ratio);
        CHECK(g.n_logits == (size_t)T * (size_t)c->vocab_size && ratio <= 1.0, "%s: alone vs golden: %.3g (%.3g x tol)", path, e, ratio);
    }
    for (r = 0; r < (int)(sizeof rows_of / sizeof rows_of[0]); r++) {
        run_plan(m, refs, NSEQ, rows_of[r], plan_all, all, 0, "prefill ALL");
        run_plan(m, refs, NSEQ, rows_of[r], plan_all, last, 0, "prefill LAST");
        run_plan(m, refs, NSEQ, rows_of[r], plan_mixed, mixed, 1, "ragged, mixed modes, rings");
    }
    run_plan(m, refs, NSEQ, 0, plan_step, all, 1, "decode steps, ALL");
    run_plan(m, refs, NSEQ, 0, plan_step, last, 0, "decode steps, LAST");
    run_plan(m, refs, NSEQ, 8, plan_join, mixed, 1, "join late, leave early");
    run_plan(m, refs, 1, 5, plan_mixed, all, 1, "one sequence");
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    {
        int nt;
        for (nt = 1; nt <= 3; nt++) {
            omp_set_num_threads(nt);
            run_plan(m, refs, NSEQ, 64, plan_all, all, 1, nt == 1 ? "1 thread" : nt == 2 ? "2 threads" : "3 threads");
            run_plan(m, refs, NSEQ, 8, plan_mixed, mixed, 0, "threads, mixed");
        }
        omp_set_num_threads(2);
    }
#endif
    printf("  %-44s batched == alone (B %d, lengths 0..%d)\n", path, NSEQ, T);
    for (i = 0; i < NSEQ; i++) ref_free(&refs[i]);
    free(g.logits);
    mamba_model_free(m);
}

/* Speculative decoding: verify 5 drafts in one call, keep 2, go on. */
static void speculative(const char *path) {
    mamba_model *m = NULL;
    mamba_error err;
    const mamba_config *c;
    ref_seq ref;
    int tok[40], i, wrong[5];
    size_t V, SF;
    mamba_state *s;
    mamba_ring *r = NULL;
    mamba_batch *b = NULL;
    float *lg;
    mamba_batch_seq q;
    if (mamba_model_load_file(&m, path, NULL, &err) != MAMBA_OK) { CHECK(0, "%s: %s", path, err.message); return; }
    c = mamba_model_config(m);
    V = (size_t)c->vocab_size; SF = state_floats(c);
    for (i = 0; i < 40; i++) tok[i] = (i * 7 + 3) % c->vocab_size;
    ref_run(m, &ref, tok, 40);
    s = bare_state(c);
    lg = (float *)malloc(sizeof(float) * V * 5);
    CHECK(mamba_ring_new(&r, m, 6, &err) == MAMBA_OK && mamba_batch_new(&b, m, 1, 0, &err) == MAMBA_OK, "%s", err.message);
    memset(&q, 0, sizeof q);
    q.state = s; q.tokens = tok; q.n = 10; q.mode = MAMBA_LOGITS_NONE;
    CHECK(mamba_forward_batch(m, b, &q, 1, &err) == MAMBA_OK, "prompt");
    CHECK(mamba_ring_push(r, s) == MAMBA_OK, "push pos 10");
    for (i = 0; i < 5; i++) wrong[i] = (tok[12 + i] + 1) % c->vocab_size;
    {   /* drafts: 2 right, 3 wrong */
        int draft[5];
        draft[0] = tok[10]; draft[1] = tok[11]; draft[2] = wrong[2]; draft[3] = wrong[3]; draft[4] = wrong[4];
        q.tokens = draft; q.n = 5; q.mode = MAMBA_LOGITS_ALL; q.logits = lg; q.ring = r;
        CHECK(mamba_forward_batch(m, b, &q, 1, &err) == MAMBA_OK, "verify");
        CHECK(!memcmp(lg, ref.logits + 10 * V, 2 * V * sizeof(float)), "verified logits of the accepted drafts");
    }
    CHECK(mamba_ring_count(r, NULL, NULL) == 6, "ring holds 10..15");
    CHECK(mamba_ring_restore(r, s, 12) == MAMBA_OK && s->n_tokens == 12 && state_is(s, ref.snaps + 12 * SF, SF), "back to 12");
    {
        uint64_t lo, hi;
        CHECK(mamba_ring_count(r, &lo, &hi) == 3 && lo == 10 && hi == 12, "rejected positions dropped (%llu..%llu)",
              (unsigned long long)lo, (unsigned long long)hi);
    }
    q.tokens = tok + 12; q.n = 28; q.mode = MAMBA_LOGITS_ALL; q.logits = (float *)realloc(lg, sizeof(float) * V * 28); lg = q.logits;
    CHECK(mamba_forward_batch(m, b, &q, 1, &err) == MAMBA_OK && !memcmp(lg, ref.logits + 12 * V, 28 * V * sizeof(float)) &&
          state_is(s, ref.snaps + 40 * SF, SF), "continuing after the rollback equals the plain run");
    free(lg);
    bare_free(s);
    mamba_ring_free(r);
    mamba_batch_free(b);
    ref_free(&ref);
    mamba_model_free(m);
}

/* ---- bad input to the batch: a clean status and nothing changed ------------ */

static void batch_bad(void) {
    mamba_model *m = NULL, *m2 = NULL;
    mamba_error err;
    const mamba_config *c;
    mamba_batch *b = NULL, *b2 = NULL;
    mamba_state *s1, *s2, *o;
    mamba_ring *r = NULL, *r2 = NULL;
    mamba_batch_seq q[3];
    float *lg, *before1, *before2;
    int tok[4] = {1, 2, 3, 4}, badtok[2] = {1, 1 << 20};
    size_t SF, V;
    unsigned char small[64];
    CHECK(mamba_model_load_file(&m, "tests/data/m1-odd-f32", NULL, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_model_load_file(&m2, "tests/data/falcon-f32", NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m || !m2) { mamba_model_free(m); mamba_model_free(m2); return; }
    c = mamba_model_config(m);
    SF = state_floats(c); V = (size_t)c->vocab_size;
    s1 = bare_state(c); s2 = bare_state(c); o = bare_state(mamba_model_config(m2));
    lg = (float *)malloc(sizeof(float) * V * 4);
    before1 = (float *)malloc(sizeof(float) * SF); before2 = (float *)malloc(sizeof(float) * SF);
    CHECK(mamba_batch_new(&b, m, 2, 4, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_batch_new(&b2, m2, 2, 4, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_ring_new(&r, m, 2, &err) == MAMBA_OK && mamba_ring_new(&r2, m2, 2, &err) == MAMBA_OK, "%s", err.message);
    memset(q, 0, sizeof q);
    q[0].state = s1; q[0].tokens = tok; q[0].n = 4; q[0].logits = lg; q[0].mode = MAMBA_LOGITS_LAST;
    q[1] = q[0]; q[1].state = s2;
    strcpy(err.message, "stale");
    err.status = MAMBA_ERR_IO;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_OK && err.status == MAMBA_OK && !err.message[0],
          "a good call first, err cleared: %s", err.message);
    snap(s1, before1); snap(s2, before2);
#define UNCHANGED (state_is(s1, before1, SF) && state_is(s2, before2, SF) && s1->n_tokens == 4 && s2->n_tokens == 4)
    CHECK(mamba_forward_batch(m, b, q, 0, &err) == MAMBA_OK && UNCHANGED, "B = 0: ok, nothing done");
    CHECK(mamba_forward_batch(m, b, NULL, 0, &err) == MAMBA_OK, "B = 0, seqs NULL");
    CHECK(mamba_forward_batch(m, b, NULL, 1, &err) == MAMBA_ERR_BADARG, "seqs NULL");
    CHECK(mamba_forward_batch(NULL, b, q, 2, &err) == MAMBA_ERR_BADARG && mamba_forward_batch(m, NULL, q, 2, &err) == MAMBA_ERR_BADARG, "NULL");
    CHECK(mamba_forward_batch(m, b, q, 3, &err) == MAMBA_ERR_RANGE && UNCHANGED, "more sequences than max_seqs");
    q[1].state = s1;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_BADARG && UNCHANGED && strstr(err.message, "share a state"),
          "the same state twice: %s", err.message);
    {   /* two structs over one memory */
        mamba_state alias = *s1;
        q[1].state = &alias;
        CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_BADARG && UNCHANGED, "two states over the same memory");
    }
    q[1].state = o;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_SHAPE && UNCHANGED && strstr(err.message, "seqs[1]"),
          "another model's state: %s", err.message);
    CHECK(mamba_forward_batch(m2, b, q, 1, &err) == MAMBA_ERR_SHAPE && UNCHANGED, "a batch of another model");
    CHECK(mamba_forward_batch(m, b2, q, 1, &err) == MAMBA_ERR_SHAPE && UNCHANGED, "the batch of another model");
    q[1].state = s2;
    q[1].tokens = badtok; q[1].n = 2;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_RANGE && UNCHANGED && strstr(err.message, "seqs[1].tokens[1]"),
          "token out of range (seq 0 must not have advanced): %s", err.message);
    badtok[1] = -1;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_RANGE && UNCHANGED, "negative token");
    q[1].tokens = NULL;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_BADARG && UNCHANGED, "tokens NULL");
    q[1].tokens = tok; q[1].logits = NULL;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_BADARG && UNCHANGED, "logits NULL");
    q[1].mode = MAMBA_LOGITS_NONE;
    q[0].mode = (mamba_logits_mode)7;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_BADARG && UNCHANGED, "bad mode");
    q[0].mode = MAMBA_LOGITS_LAST;
    q[0].ring = r2;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_SHAPE && UNCHANGED, "a ring of another model");
    q[0].ring = r; q[1].ring = r;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_ERR_BADARG && UNCHANGED && mamba_ring_count(r, NULL, NULL) == 0, "one ring twice");
    q[1].ring = NULL;
    q[0].n = 0; q[1].n = 0;
    lg[0] = 42.0f;
    CHECK(mamba_forward_batch(m, b, q, 2, &err) == MAMBA_OK && UNCHANGED && lg[0] == 42.0f && mamba_ring_count(r, NULL, NULL) == 0,
          "0 tokens each: nothing changes, LAST logits untouched");
#undef UNCHANGED
    {   /* workspace sizes */
        mamba_batch *t = NULL;
        size_t need = mamba_batch_bytes(c, 4, 16);
        unsigned char *mem = (unsigned char *)malloc(need);
        CHECK(mamba_batch_bytes(c, 0, 16) == 0 && mamba_batch_bytes(NULL, 1, 1) == 0, "bytes of bad sizes: 0");
        CHECK(mamba_batch_bytes(c, 4, 0) == mamba_batch_bytes(c, 4, 64) && mamba_batch_bytes(c, 8, 2) == mamba_batch_bytes(c, 8, 8),
              "max_rows defaults and is raised to max_seqs");
        CHECK(mamba_batch_init(&t, c, 4, 16, mem, need - 65, &err) == MAMBA_ERR_BADARG && !t, "too small: %s", err.message);
        CHECK(mamba_batch_init(&t, c, 0, 16, mem, need, &err) == MAMBA_ERR_BADARG && !t, "max_seqs 0");
        CHECK(mamba_batch_init(&t, c, 4, 16, small, sizeof small, &err) == MAMBA_ERR_BADARG && !t, "tiny buffer");
        CHECK(mamba_batch_init(&t, c, 4, 16, mem, need, &err) == MAMBA_OK && t, "exact size: %s", err.message);
        mamba_batch_free(t);   /* caller memory: nothing to free */
        free(mem);
    }
    bare_free(s1); bare_free(s2); bare_free(o);
    free(lg); free(before1); free(before2);
    mamba_batch_free(b); mamba_batch_free(b2);
    mamba_ring_free(r); mamba_ring_free(r2);
    mamba_model_free(m); mamba_model_free(m2);
}

/* ---- rollback ring ------------------------------------------------------------ */

static void ring_tests(void) {
    mamba_model *m = NULL, *m2 = NULL;
    mamba_error err;
    const mamba_config *c;
    mamba_ring *r = NULL;
    mamba_state *s, *o;
    ref_seq ref;
    int tok[20], i;
    size_t SF, need;
    uint64_t lo, hi;
    unsigned char *mem;
    CHECK(mamba_model_load_file(&m, "tests/data/m2-g2-untied", NULL, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_model_load_file(&m2, "tests/data/m1-odd-f32", NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m || !m2) { mamba_model_free(m); mamba_model_free(m2); return; }
    c = mamba_model_config(m);
    SF = state_floats(c);
    for (i = 0; i < 20; i++) tok[i] = (i * 5 + 1) % c->vocab_size;
    ref_run(m, &ref, tok, 20);
    CHECK(mamba_ring_bytes(c, 0) == 0 && mamba_ring_bytes(c, -1) == 0 && mamba_ring_bytes(NULL, 4) == 0, "bytes for K = 0: 0");
    CHECK(mamba_ring_new(&r, m, 0, &err) == MAMBA_ERR_BADARG && !r && strstr(err.message, "k >= 1"), "K = 0: %s", err.message);
    need = mamba_ring_bytes(c, 4);
    mem = (unsigned char *)malloc(need + 1);
    CHECK(mamba_ring_init(&r, c, 4, mem + 1, need - 65, &err) == MAMBA_ERR_BADARG && !r, "too small: %s", err.message);
    CHECK(mamba_ring_init(&r, c, 4, mem + 1, need, &err) == MAMBA_OK && r, "odd address, exact size: %s", err.message);
    CHECK(mamba_ring_count(r, &lo, &hi) == 0 && lo == 0 && hi == 0, "empty");
    s = bare_state(c); o = bare_state(mamba_model_config(m2));
    CHECK(mamba_ring_restore(r, s, 0) == MAMBA_ERR_RANGE, "restore from an empty ring");
    for (i = 0; i < 20; i++) {   /* push after each step */
        mamba_state *w = NULL;
        mamba_state_new(&w, m, 1);
        mamba_state_copy(w, s);
        mamba_step(m, w, tok[i], NULL);
        mamba_state_copy(s, w);
        mamba_state_free(w);
        CHECK(mamba_ring_push(r, s) == MAMBA_OK, "push");
    }
    CHECK(mamba_ring_count(r, &lo, &hi) == 4 && lo == 17 && hi == 20, "holds 17..20 (%llu..%llu)", (unsigned long long)lo, (unsigned long long)hi);
    CHECK(mamba_ring_push(r, o) == MAMBA_ERR_SHAPE && mamba_ring_count(r, NULL, NULL) == 4, "push another model's state");
    CHECK(mamba_ring_restore(r, o, 18) == MAMBA_ERR_SHAPE && mamba_ring_count(r, NULL, NULL) == 4, "restore into another model's state");
    CHECK(mamba_ring_restore(r, s, 16) == MAMBA_ERR_RANGE && s->n_tokens == 20 && state_is(s, ref.snaps + 20 * SF, SF), "16 is gone: unchanged");
    CHECK(mamba_ring_restore(r, s, 20) == MAMBA_OK && state_is(s, ref.snaps + 20 * SF, SF) && mamba_ring_count(r, NULL, NULL) == 4, "restore newest");
    CHECK(mamba_ring_restore(r, s, 18) == MAMBA_OK && s->n_tokens == 18 && state_is(s, ref.snaps + 18 * SF, SF), "restore 18");
    CHECK(mamba_ring_count(r, &lo, &hi) == 2 && lo == 17 && hi == 18, "19, 20 dropped");
    CHECK(mamba_ring_restore(r, s, 17) == MAMBA_OK && state_is(s, ref.snaps + 17 * SF, SF), "restore 17");
    CHECK(mamba_ring_restore(r, s, 18) == MAMBA_ERR_RANGE && s->n_tokens == 17, "18 was dropped by going back to 17");
    {   /* a push at a position already held replaces that branch */
        mamba_state *w = NULL;
        s->n_tokens = 17;
        mamba_state_new(&w, m, 1);
        mamba_state_copy(w, s);
        mamba_step(m, w, tok[17], NULL);
        CHECK(mamba_ring_push(r, w) == MAMBA_OK && mamba_ring_push(r, w) == MAMBA_OK && mamba_ring_count(r, &lo, &hi) == 2 && hi == 18,
              "pushing 18 twice keeps one");
        mamba_state_free(w);
    }
    mamba_ring_clear(r);
    CHECK(mamba_ring_count(r, NULL, NULL) == 0, "clear");
    mamba_ring_free(r);   /* caller memory: no-op */
    free(mem);
    bare_free(s); bare_free(o);
    ref_free(&ref);
    mamba_model_free(m); mamba_model_free(m2);
}

/* ---- prefix cache ------------------------------------------------------------- */

static uint64_t hash_zero(uint64_t h, int t) { (void)h; (void)t; return 0; }
static uint64_t hash_len(uint64_t h, int t) { (void)t; return h + 1; }   /* depends on the length only */

static void cache_tests(void) {
    mamba_model *m = NULL, *m2 = NULL;
    mamba_error err;
    const mamba_config *c;
    mamba_cache *ch = NULL;
    mamba_cache_params par;
    mamba_cache_stats cs;
    mamba_state *s, *o;
    ref_seq ref, ref2;
    int tok[200], tok2[200], i, h;
    size_t SF, hit, one, need;
    unsigned char *mem;
    CHECK(mamba_model_load_file(&m, "tests/data/m1-odd-f32", NULL, &err) == MAMBA_OK, "%s", err.message);
    CHECK(mamba_model_load_file(&m2, "tests/data/falcon-f32", NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m || !m2) { mamba_model_free(m); mamba_model_free(m2); return; }
    c = mamba_model_config(m);
    SF = state_floats(c);
    for (i = 0; i < 200; i++) { tok[i] = (i * 37 + 11) % c->vocab_size; tok2[i] = i < 30 ? tok[i] : (i * 13 + 5) % c->vocab_size; }
    tok2[30] = (tok[30] + 1) % c->vocab_size;   /* shares exactly 30 tokens with tok */
    ref_run(m, &ref, tok, 200);
    ref_run(m, &ref2, tok2, 200);
    s = bare_state(c); o = bare_state(mamba_model_config(m2));
    one = mamba_cache_entry_bytes(c, 1);
    CHECK(one > mamba_state_bytes(c) && mamba_cache_entry_bytes(c, 100) > one, "entry bytes grow with the tokens");
    /* budgets */
    CHECK(mamba_cache_new(&ch, m, one - 1, NULL, &err) == MAMBA_ERR_NOMEM && !ch && strstr(err.message, "holds no snapshot"),
          "budget below one snapshot: %s", err.message);
    mem = (unsigned char *)malloc(1 << 20);
    CHECK(mamba_cache_init(&ch, m, mem, mamba_state_bytes(c), NULL, &err) == MAMBA_ERR_NOMEM && !ch, "budget of one bare state");
    CHECK(mamba_cache_init(&ch, m, mem, one, NULL, &err) == MAMBA_ERR_NOMEM && !ch, "budget of one entry without bookkeeping");
    CHECK(mamba_cache_init(&ch, NULL, mem, 1 << 20, NULL, &err) == MAMBA_ERR_BADARG, "no model");
    /* the smallest budget that works holds one entry */
    for (need = one; need < (size_t)(1 << 20); need += 64)
        if (mamba_cache_init(&ch, m, mem + 5, need, NULL, NULL) == MAMBA_OK) break;
    CHECK(ch != NULL && need < one + 2048, "smallest working budget %zu (entry %zu)", need, one);
    if (ch) {
        mamba_state_reset(s);
        memcpy(s->conv, ref.snaps + 3 * SF, SF * sizeof(float)); s->n_tokens = 3;
        CHECK(mamba_cache_insert(ch, tok, 3, s) == MAMBA_OK, "insert into the smallest cache");
        memcpy(s->conv, ref.snaps + 5 * SF, SF * sizeof(float)); s->n_tokens = 5;
        CHECK(mamba_cache_insert(ch, tok, 5, s) == MAMBA_OK, "second insert evicts the first");
        mamba_cache_get_stats(ch, &cs);
        CHECK(cs.entries == 1 && cs.evictions == 1 && cs.bytes_used <= cs.bytes_budget, "one entry held");
        CHECK(mamba_cache_insert(ch, tok, 100, s) == MAMBA_ERR_BADARG, "n_tokens != n");
        s->n_tokens = 100;
        CHECK(mamba_cache_insert(ch, tok, 100, s) == MAMBA_ERR_NOMEM, "an entry larger than the budget");
        mamba_cache_get_stats(ch, &cs);
        CHECK(cs.entries == 1 && cs.evictions == 1, "... evicted nothing");
        CHECK(mamba_cache_lookup(ch, tok, 10, s, &hit) == MAMBA_OK && hit == 5 && state_is(s, ref.snaps + 5 * SF, SF), "hit 5");
    }
    free(mem);
    /* a roomy cache in caller memory at an odd address, interval 8 */
    memset(&par, 0, sizeof par);
    par.interval = 8;
    mem = (unsigned char *)malloc(1 << 20);
    CHECK(mamba_cache_init(&ch, m, mem + 1, (1 << 20) - 1, &par, &err) == MAMBA_OK, "%s", err.message);
    {
        float *lg = (float *)malloc(sizeof(float) * (size_t)c->vocab_size);
        mamba_state *w = NULL;
        mamba_state_new(&w, m, 4);
        CHECK(mamba_cache_prefill(ch, m, w, tok, 50, lg, &hit, &err) == MAMBA_OK && hit == 0, "cold prompt: %s", err.message);
        CHECK(!memcmp(lg, ref.logits + 49 * (size_t)c->vocab_size, sizeof(float) * (size_t)c->vocab_size) &&
              state_is(w, ref.snaps + 50 * SF, SF), "cold prefill == alone");
        mamba_cache_get_stats(ch, &cs);
        CHECK(cs.entries == 7, "snapshots at 8, 16, .., 48 and 49: %zu", cs.entries);
        CHECK(mamba_cache_prefill(ch, m, w, tok, 50, lg, &hit, &err) == MAMBA_OK && hit == 49 &&
              !memcmp(lg, ref.logits + 49 * (size_t)c->vocab_size, sizeof(float) * (size_t)c->vocab_size), "the same prompt again: 49 reused");
        CHECK(mamba_cache_prefill(ch, m, w, tok, 120, lg, &hit, &err) == MAMBA_OK && hit == 49 &&
              !memcmp(lg, ref.logits + 119 * (size_t)c->vocab_size, sizeof(float) * (size_t)c->vocab_size) &&
              state_is(w, ref.snaps + 120 * SF, SF), "an extended prompt: 49 reused");
        CHECK(mamba_cache_prefill(ch, m, w, tok2, 60, lg, &hit, &err) == MAMBA_OK && hit == 24 &&
              !memcmp(lg, ref2.logits + 59 * (size_t)c->vocab_size, sizeof(float) * (size_t)c->vocab_size), "diverging at 30: 24 reused (%zu)", hit);
        CHECK(mamba_cache_prefill(ch, m2, w, tok, 50, lg, &hit, &err) == MAMBA_ERR_BADARG, "another model");
        CHECK(mamba_cache_prefill(ch, m, o, tok, 50, lg, &hit, &err) == MAMBA_ERR_SHAPE, "another model's state");
        mamba_state_free(w);
        free(lg);
    }
    CHECK(mamba_cache_lookup(ch, tok, 200, o, &hit) == MAMBA_ERR_SHAPE && hit == 0, "lookup into another model's state");
    CHECK(mamba_cache_insert(ch, tok, 1, o) == MAMBA_ERR_SHAPE, "insert another model's state");
    CHECK(mamba_cache_lookup(ch, tok, 200, s, &hit) == MAMBA_OK && hit == 119 && s->n_tokens == 119 && state_is(s, ref.snaps + 119 * SF, SF),
          "longest prefix 119");
    CHECK(mamba_cache_lookup(ch, tok, 7, s, &hit) == MAMBA_OK && hit == 0 && s->n_tokens == 0 && state_is(s, ref.snaps, SF), "miss: reset");
    mamba_cache_get_stats(ch, &cs);
    CHECK(cs.collisions == 0 && cs.hits >= 4, "stats: %llu hits", (unsigned long long)cs.hits);
    mamba_cache_clear(ch);
    mamba_cache_get_stats(ch, &cs);
    CHECK(cs.entries == 0 && mamba_cache_lookup(ch, tok, 200, s, &hit) == MAMBA_OK && hit == 0, "clear");
    free(mem);
    /* forced collisions: every key (zero) or many keys (parity) hash alike */
    for (h = 0; h < 2; h++) {
        memset(&par, 0, sizeof par);
        par.hash = h ? hash_len : hash_zero;
        CHECK(mamba_cache_new(&ch, m, 1 << 20, &par, &err) == MAMBA_OK, "%s", err.message);
        for (i = 10; i <= 60; i += 10) {   /* same lengths, different tokens after 30 */
            memcpy(s->conv, ref.snaps + (size_t)i * SF, SF * sizeof(float)); s->n_tokens = (uint64_t)i;
            CHECK(mamba_cache_insert(ch, tok, (size_t)i, s) == MAMBA_OK, "insert");
            memcpy(s->conv, ref2.snaps + (size_t)i * SF, SF * sizeof(float)); s->n_tokens = (uint64_t)i;
            CHECK(mamba_cache_insert(ch, tok2, (size_t)i, s) == MAMBA_OK, "insert 2");
        }
        mamba_cache_get_stats(ch, &cs);
        CHECK(cs.entries == 9, "shared prefixes 10..30 are one key each: %zu entries", cs.entries);
        CHECK(mamba_cache_lookup(ch, tok, 55, s, &hit) == MAMBA_OK && hit == 50 && state_is(s, ref.snaps + 50 * SF, SF), "tok: 50");
        CHECK(mamba_cache_lookup(ch, tok2, 200, s, &hit) == MAMBA_OK && hit == 60 && state_is(s, ref2.snaps + 60 * SF, SF), "tok2: 60");
        {
            int mix[200];
            memcpy(mix, tok, sizeof mix);
            mix[45] = tok2[45];   /* matches tok up to 45 only */
            CHECK(mamba_cache_lookup(ch, mix, 200, s, &hit) == MAMBA_OK && hit == 40 && state_is(s, ref.snaps + 40 * SF, SF), "mixed: 40");
        }
        mamba_cache_get_stats(ch, &cs);
        CHECK(cs.collisions > 0, "%s hash: %llu collisions seen and refused", h ? "length-only" : "zero", (unsigned long long)cs.collisions);
        mamba_cache_free(ch);
    }
    /* LRU: room for three entries of 40 tokens */
    need = 0;
    for (i = 1; i < 64 && !need; i++) {   /* the smallest budget holding 3 such entries */
        size_t bud = 3 * mamba_cache_entry_bytes(c, 40) + (size_t)i * 64;
        mamba_cache *t = NULL;
        if (mamba_cache_new(&t, m, bud, NULL, NULL) == MAMBA_OK) {
            int k, ok = 1;
            for (k = 1; k <= 3 && ok; k++) {
                memcpy(s->conv, ref.snaps + (size_t)(37 + k) * SF, SF * sizeof(float)); s->n_tokens = (uint64_t)(37 + k);
                ok = mamba_cache_insert(t, tok, (size_t)(37 + k), s) == MAMBA_OK;
            }
            mamba_cache_get_stats(t, &cs);
            if (ok && cs.entries == 3 && cs.evictions == 0) need = bud;
            mamba_cache_free(t);
        }
    }
    CHECK(need > 0, "a budget for three entries");
    if (need && mamba_cache_new(&ch, m, need, NULL, &err) == MAMBA_OK) {
        size_t L[3] = {38, 39, 40};
        for (i = 0; i < 3; i++) {
            memcpy(s->conv, ref.snaps + L[i] * SF, SF * sizeof(float)); s->n_tokens = L[i];
            mamba_cache_insert(ch, tok, L[i], s);
        }
        CHECK(mamba_cache_lookup(ch, tok, 38, s, &hit) == MAMBA_OK && hit == 38, "touch 38");
        memcpy(s->conv, ref2.snaps + 39 * SF, SF * sizeof(float)); s->n_tokens = 39;
        CHECK(mamba_cache_insert(ch, tok2, 39, s) == MAMBA_OK, "a fourth entry");
        mamba_cache_get_stats(ch, &cs);
        CHECK(cs.entries == 3 && cs.evictions == 1, "one eviction");
        CHECK(mamba_cache_lookup(ch, tok, 39, s, &hit) == MAMBA_OK && hit == 38, "39 (least recently used) was evicted, 38 kept: %zu", hit);
        CHECK(mamba_cache_lookup(ch, tok, 40, s, &hit) == MAMBA_OK && hit == 40 && state_is(s, ref.snaps + 40 * SF, SF), "40 kept");
        CHECK(mamba_cache_lookup(ch, tok2, 39, s, &hit) == MAMBA_OK && hit == 39 && state_is(s, ref2.snaps + 39 * SF, SF), "the new one");
        mamba_cache_free(ch);
    }
    /* churn: random inserts of prefixes of every length, small budget; every hit must restore the right state */
    if (mamba_cache_new(&ch, m, 7 * mamba_cache_entry_bytes(c, 100), NULL, &err) == MAMBA_OK) {
        unsigned x = 12345;
        int bad = 0, hits = 0;
        for (i = 0; i < 3000; i++) {
            size_t n;
            const ref_seq *rr;
            x = x * 1103515245u + 12345u;
            n = 1 + (x >> 8) % 200;
            rr = (x >> 20) & 1 ? &ref : &ref2;
            if ((x >> 4) % 3) {
                memcpy(s->conv, rr->snaps + n * SF, SF * sizeof(float)); s->n_tokens = n;
                if (mamba_cache_insert(ch, rr->tok, n, s) != MAMBA_OK) bad++;
            } else {
                if (mamba_cache_lookup(ch, rr->tok, n, s, &hit) != MAMBA_OK || hit > n || s->n_tokens != hit ||
                    !state_is(s, rr->snaps + hit * SF, SF)) bad++;
                hits += hit > 0;
            }
            mamba_cache_get_stats(ch, &cs);
            if (cs.bytes_used > cs.bytes_budget) bad++;
        }
        mamba_cache_get_stats(ch, &cs);
        CHECK(!bad && hits > 100 && cs.evictions > 100, "churn: %d errors, %d hits, %llu evictions, %zu entries", bad, hits,
              (unsigned long long)cs.evictions, cs.entries);
        mamba_cache_free(ch);
    }
    mamba_cache_free(NULL);
    bare_free(s); bare_free(o);
    ref_free(&ref); ref_free(&ref2);
    mamba_model_free(m); mamba_model_free(m2);
}

int main(void) {
    static const char *dirs[] = {"tests/data/m1-odd-f32", "tests/data/m1-f16-untied-bias", "tests/data/m1-bf16-sharded",
                                 "tests/data/m1-unaligned-f32", "tests/data/falcon-f32", "tests/data/m1-f32-mixed",
                                 "tests/data/falcon-bf16-sharded-untied", "tests/data/m2-g1-tied", "tests/data/m2-g2-untied",
                                 "tests/data/m2-g4-original"};
    int i;
    printf("kernels: %s\n", TEST_SIMD_NAME);
    printf("batched forward:\n");
    for (i = 0; i < (int)(sizeof dirs / sizeof dirs[0]); i++) batch_model(dirs[i], dirs[i], 1);
    batch_model("tests/data/m1-q4_0-q8_0-gguf/model.gguf", "tests/data/m1-q4_0-q8_0-gguf", 0);
    batch_model("tests/data/m1-q4k-q6k-gguf/model.gguf", "tests/data/m1-q4k-q6k-gguf", 0);
    speculative("tests/data/m1-f32-mixed");
    speculative("tests/data/m2-g1-tied");
    batch_bad();
    printf("rollback ring:\n");
    ring_tests();
    printf("prefix cache:\n");
    cache_tests();
    return test_summary();
}
