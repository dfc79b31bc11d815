/* The state API: caller-memory states, copy/reset/branching, rejected calls
   leave the state untouched; saved states round-trip bit-identically and every
   truncation, bit flip, other version and other shape is refused.

   build/test_state [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"

/* ---- state API ----------------------------------------------------------- */

static void state_api(const unsigned char *w, size_t wn, const char *cfg, size_t cn) {
    mamba_model *m = NULL;
    mamba_error err;
    mamba_state a, b, snap, *s = NULL;
    const mamba_config *c;
    void *ma, *sa, *mb, *sb, *msnap;
    float l1[256], l2[256];
    int toks[6] = {1, 2, 3, 4, 5, 6};
    size_t ssz, scz;
    CHECK(mamba_model_load_memory(&m, w, wn, cfg, cn, NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m) return;
    c = mamba_model_config(m);
    ssz = mamba_state_bytes(c);
    scz = mamba_scratch_bytes(c, 8);
    /* m1-tiny: 2 layers x 128 x (3 + 16) floats */
    CHECK(ssz == (size_t)2 * 128 * (3 + 16) * 4, "state size %zu", ssz);
    CHECK(scz > 0 && scz < mamba_scratch_bytes(c, 64), "scratch grows with the chunk");
    ma = malloc(ssz); sa = malloc(scz); mb = malloc(ssz); sb = malloc(scz); msnap = malloc(ssz);
    CHECK(mamba_state_init(&a, c, ma, ssz, sa, scz, 8, NULL) == MAMBA_OK, "init a");
    CHECK(mamba_state_init(&b, c, mb, ssz, sb, scz, 8, NULL) == MAMBA_OK, "init b");
    CHECK(mamba_state_init(&snap, c, msnap, ssz, NULL, 0, 0, NULL) == MAMBA_OK, "init snapshot");
    CHECK(mamba_state_init(&b, c, mb, ssz - 4, sb, scz, 8, NULL) == MAMBA_ERR_BADARG, "too small state memory");
    CHECK(mamba_state_init(&b, c, mb, ssz, sb, scz - 1, 8, NULL) == MAMBA_ERR_BADARG, "too small scratch");
    CHECK(mamba_state_init(&b, c, mb, ssz, sb, scz, 8, NULL) == MAMBA_OK, "init b again");
    CHECK(mamba_step(m, &snap, 1, l1) == MAMBA_ERR_SHAPE, "a snapshot cannot run");
    /* branch: a snapshot after 3 tokens, continue two ways, roll back */
    mamba_forward(m, &a, toks, 3, NULL, MAMBA_LOGITS_NONE);
    CHECK(mamba_state_copy(&snap, &a) == MAMBA_OK, "copy to snapshot");
    mamba_step(m, &a, 7, l1);
    CHECK(mamba_state_copy(&b, &snap) == MAMBA_OK, "copy from snapshot");
    mamba_step(m, &b, 7, l2);
    CHECK(!memcmp(l1, l2, sizeof l1), "restored branch gives the same logits");
    mamba_step(m, &b, 9, l2);
    mamba_state_copy(&a, &snap);
    mamba_step(m, &a, 7, l1);
    mamba_step(m, &a, 9, l1);
    CHECK(!memcmp(l1, l2, sizeof l1), "rolled-back state replays identically");
    /* reset gives the fresh-sequence result */
    mamba_state_reset(&a);
    mamba_step(m, &a, 5, l1);
    CHECK(mamba_state_new(&s, m, 1) == MAMBA_OK, "new");
    mamba_step(m, s, 5, l2);
    CHECK(!memcmp(l1, l2, sizeof l1), "reset == new state");
    CHECK(a.n_tokens == 1, "n_tokens after reset");
    /* token ids out of range, bad arguments: clean errors, state untouched */
    {
        int bad[3] = {1, 256, 2};
        uint64_t before = s->n_tokens;
        memcpy(msnap, s->ssm, 64);
        CHECK(mamba_step(m, s, -1, l1) == MAMBA_ERR_RANGE, "token -1");
        CHECK(mamba_step(m, s, 256, l1) == MAMBA_ERR_RANGE, "token == vocab_size");
        CHECK(mamba_step(m, s, 1 << 30, l1) == MAMBA_ERR_RANGE, "huge token");
        CHECK(mamba_forward(m, s, bad, 3, l1, MAMBA_LOGITS_LAST) == MAMBA_ERR_RANGE, "bad token in a sequence");
        CHECK(s->n_tokens == before && !memcmp(msnap, s->ssm, 64), "state unchanged by a rejected call");
        CHECK(mamba_forward(m, s, NULL, 2, l1, MAMBA_LOGITS_LAST) == MAMBA_ERR_BADARG, "NULL tokens");
        CHECK(mamba_forward(m, s, bad, 1, NULL, MAMBA_LOGITS_LAST) == MAMBA_ERR_BADARG, "NULL logits");
        CHECK(mamba_forward(m, s, bad, 0, l1, MAMBA_LOGITS_NONE) == MAMBA_OK, "empty sequence");
        CHECK(mamba_forward(m, s, bad, 1, l1, (mamba_logits_mode)7) == MAMBA_ERR_BADARG, "bad mode");
        CHECK(mamba_step(NULL, s, 1, l1) == MAMBA_ERR_BADARG, "NULL model");
        CHECK(mamba_step(m, NULL, 1, l1) == MAMBA_ERR_BADARG, "NULL state");
    }
    mamba_state_free(s);
    free(ma); free(sa); free(mb); free(sb); free(msnap);
    mamba_model_free(m);
    CHECK(!strcmp(mamba_status_string(MAMBA_ERR_RANGE), "value out of range"), "status string");
    CHECK(!strcmp(mamba_status_string((mamba_status)999), "unknown status"), "unknown status string");
    CHECK(!strcmp(mamba_version_string(), MAMBA_VERSION_STRING), "version");
}

/* Saved states: round trip continues bit-identically; another shape, every
   truncation, every single-bit flip and other versions fail cleanly and leave
   the state as it was. */
static void state_save(const unsigned char *w, size_t wn, const char *cfg, size_t cn) {
    mamba_model *m = NULL;
    mamba_error err;
    mamba_state a, b, o;
    mamba_config c2;
    const mamba_config *c;
    unsigned char *buf, *bad, *mb_copy;
    void *ma, *sa, *mb, *sb, *mo;
    float l1[256], l2[256];
    int toks[5] = {3, 1, 4, 1, 5};
    size_t ssz, scz, n = 0, n2 = 0, i, refused = 0, flips = 0;
    int ok_all;
    CHECK(mamba_model_load_memory(&m, w, wn, cfg, cn, NULL, &err) == MAMBA_OK, "%s", err.message);
    if (!m) return;
    c = mamba_model_config(m);
    ssz = mamba_state_bytes(c);
    scz = mamba_scratch_bytes(c, 4);
    ma = malloc(ssz); sa = malloc(scz); mb = malloc(ssz); sb = malloc(scz); mo = malloc(ssz + 64);
    mamba_state_init(&a, c, ma, ssz, sa, scz, 4, NULL);
    mamba_state_init(&b, c, mb, ssz, sb, scz, 4, NULL);
    mamba_forward(m, &a, toks, 5, NULL, MAMBA_LOGITS_NONE);
    n = mamba_state_write_bytes(&a);
    CHECK(n == 64 + ssz, "save size %zu = 64 + %zu", n, ssz);
    buf = (unsigned char *)malloc(n);
    bad = (unsigned char *)malloc(n);
    CHECK(mamba_state_write(&a, buf, n - 1, &n2) == MAMBA_ERR_RANGE && n2 == n, "short buffer: RANGE and the size");
    CHECK(mamba_state_write(&a, NULL, 0, &n2) == MAMBA_ERR_RANGE && n2 == n, "NULL buffer measures");
    CHECK(mamba_state_write(&a, buf, n, &n2) == MAMBA_OK && n2 == n, "save");
    CHECK(!memcmp(buf, "MBST", 4) && buf[4] == MAMBA_STATE_FORMAT_VERSION && buf[44] == 5, "header: magic, version, n_tokens");
    /* restore into a fresh state: continues exactly like the original */
    CHECK(mamba_state_read(&b, buf, n) == MAMBA_OK, "load");
    CHECK(b.n_tokens == 5, "n_tokens restored");
    mamba_step(m, &a, 7, l1);
    mamba_step(m, &b, 7, l2);
    CHECK(!memcmp(l1, l2, sizeof l1), "restored state continues bit-identically");
    mamba_step(m, &a, 9, l1);
    mamba_step(m, &b, 9, l2);
    CHECK(!memcmp(l1, l2, sizeof l1) && !memcmp(ma, mb, ssz), "and stays identical");
    /* failures leave b untouched */
    mb_copy = (unsigned char *)malloc(ssz);
    memcpy(mb_copy, mb, ssz);
    ok_all = 1;
    for (i = 0; i < n; i++) {   /* every truncation */
        mamba_status st = mamba_state_read(&b, buf, i);
        if (st == MAMBA_OK || (st != MAMBA_ERR_FORMAT && st != MAMBA_ERR_SHAPE && st != MAMBA_ERR_UNSUPPORTED)) ok_all = 0;
        else refused++;
    }
    CHECK(ok_all && refused == n, "every truncation refused (%zu of %zu)", refused, n);
    ok_all = 1;
    for (i = 0; i < n * 8; i += (i < 64 * 8 ? 1 : 61)) {   /* bit flips: all of the header, a spread over the payload */
        mamba_status st;
        memcpy(bad, buf, n);
        bad[i / 8] ^= (unsigned char)(1u << (i % 8));
        st = mamba_state_read(&b, bad, n);
        if (st == MAMBA_OK) ok_all = 0;
        flips++;
    }
    CHECK(ok_all, "every one of %zu bit flips refused", flips);
    CHECK(!memcmp(mb, mb_copy, ssz) && b.n_tokens == 7, "refused loads left the state as it was");
    memcpy(bad, buf, n);
    bad[4] = 2;
    CHECK(mamba_state_read(&b, bad, n) == MAMBA_ERR_UNSUPPORTED, "other version");
    memcpy(bad, buf, n);
    bad[0] = 'X';
    CHECK(mamba_state_read(&b, bad, n) == MAMBA_ERR_FORMAT, "bad magic");
    CHECK(mamba_state_read(&b, NULL, n) == MAMBA_ERR_BADARG, "NULL buffer");
    /* another model shape: same payload size (d_model differs), and a larger one */
    c2 = *c;
    c2.d_model += 32;
    CHECK(mamba_state_init(&o, &c2, mo, ssz, NULL, 0, 0, NULL) == MAMBA_OK, "init other");
    CHECK(mamba_state_read(&o, buf, n) == MAMBA_ERR_SHAPE, "other d_model refused");
    c2 = *c;
    c2.d_state *= 2;
    free(mo);
    mo = malloc(mamba_state_bytes(&c2));
    CHECK(mamba_state_init(&o, &c2, mo, mamba_state_bytes(&c2), NULL, 0, 0, NULL) == MAMBA_OK, "init bigger");
    CHECK(mamba_state_read(&o, buf, n) == MAMBA_ERR_SHAPE, "other d_state refused");
    c2 = *c;
    c2.arch = MAMBA_ARCH_FALCON_MAMBA;
    CHECK(mamba_state_init(&o, &c2, mo, ssz, NULL, 0, 0, NULL) == MAMBA_OK, "init falcon");
    CHECK(mamba_state_read(&o, buf, n) == MAMBA_ERR_SHAPE, "other arch refused");
    free(buf); free(bad); free(mb_copy);
    free(ma); free(sa); free(mb); free(sb); free(mo);
    mamba_model_free(m);
}

int main(int argc, char **argv) {
    unsigned char *w, *cfg;
    size_t wn, cn;
    suite_start(argc, argv);
    printf("state:\n");
    if (read_tiny(&w, &wn, &cfg, &cn)) {
        state_api(w, wn, (const char *)cfg, cn);
        state_save(w, wn, (const char *)cfg, cn);
    }
    free(w); free(cfg);
    return test_summary();
}
