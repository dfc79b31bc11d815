/* The 0.2 API contract (issue 15): every function taking a mamba_error sets it
   at entry; mamba_state_init names the wrong argument; mamba_forward and
   mamba_step give distinct statuses for wrong arguments (BADARG), a state of
   another shape or without scratch (SHAPE) and token ids (RANGE); mamba_sample
   returns -1 on bad arguments; the sampler's zero parameters are the
   documented defaults (greedy).
   build/test_api [SHARED_DATA_DIR]   (uses tests/data/ and models/) */
#include <assert.h>
#define MAMBA_ASSERT(x) assert(x)   /* the library's internal invariants, checked */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

static void errors_cleared(void) {
    mamba_model *m = NULL;
    mamba_tokenizer *tok = NULL;
    mamba_error err;
    /* a failed model load, then a successful tokenizer load: err is clean */
    CHECK(mamba_model_load_file(&m, "tests/data/no-such-model", NULL, &err) != MAMBA_OK && err.status != MAMBA_OK &&
          err.message[0], "a missing model fails with a message");
    CHECK(mamba_tokenizer_load_file(&tok, "models/shakespeare-tiny", NULL, &err) == MAMBA_OK, "tokenizer: %s", err.message);
    CHECK(err.status == MAMBA_OK && err.message[0] == 0, "err cleared by the successful tokenizer load: %d '%s'",
          (int)err.status, err.message);
    /* and the other way round: a failed tokenizer load, a successful model load */
    mamba_tokenizer_free(tok);
    tok = NULL;
    CHECK(mamba_tokenizer_load_json(&tok, "{", 1, NULL, &err) != MAMBA_OK && err.status != MAMBA_OK, "bad JSON fails");
    CHECK(mamba_model_load_file(&m, "models/shakespeare-tiny", NULL, &err) == MAMBA_OK, "model: %s", err.message);
    CHECK(err.status == MAMBA_OK && err.message[0] == 0, "err cleared by the successful model load");
    if (m) {
        mamba_state s;
        const mamba_config *c = mamba_model_config(m);
        size_t sb = mamba_state_bytes(c);
        float *mem = (float *)malloc(sb);
        CHECK(mamba_tokenizer_load_json(&tok, "[", 1, NULL, &err) != MAMBA_OK, "bad JSON fails");
        CHECK(mamba_state_init(&s, c, mem, sb, NULL, 0, 0, &err) == MAMBA_OK && err.status == MAMBA_OK &&
              !err.message[0], "state_init clears err");
        free(mem);
    }
    mamba_model_free(m);
}

static void state_init_says_which(void) {
    mamba_model *m = NULL;
    mamba_error err;
    mamba_state s;
    float *state_mem, *scratch;
    const mamba_config *c;
    size_t sb, scb;
    CHECK(mamba_model_load_file(&m, "models/shakespeare-tiny", NULL, &err) == MAMBA_OK, "model: %s", err.message);
    if (!m) return;
    c = mamba_model_config(m);
    sb = mamba_state_bytes(c);
    scb = mamba_scratch_bytes(c, 4);
    state_mem = (float *)malloc(sb + 64);
    scratch = (float *)malloc(scb + 64);
    CHECK(mamba_state_init(NULL, c, state_mem, sb, NULL, 0, 0, &err) == MAMBA_ERR_BADARG && strstr(err.message, "s is NULL"),
          "NULL state: %s", err.message);
    CHECK(mamba_state_init(&s, NULL, state_mem, sb, NULL, 0, 0, &err) == MAMBA_ERR_BADARG && strstr(err.message, "config"),
          "NULL config: %s", err.message);
    CHECK(mamba_state_init(&s, c, NULL, sb, NULL, 0, 0, &err) == MAMBA_ERR_BADARG && strstr(err.message, "state_mem"),
          "NULL state_mem: %s", err.message);
    CHECK(mamba_state_init(&s, c, state_mem, sb - 1, NULL, 0, 0, &err) == MAMBA_ERR_BADARG && strstr(err.message, "state_bytes"),
          "short state: %s", err.message);
    CHECK(mamba_state_init(&s, c, (char *)state_mem + 1, sb, NULL, 0, 0, &err) == MAMBA_ERR_BADARG &&
          strstr(err.message, "aligned"), "misaligned state: %s", err.message);
    CHECK(mamba_state_init(&s, c, state_mem, sb, scratch, scb - 1, 4, &err) == MAMBA_ERR_BADARG &&
          strstr(err.message, "scratch_bytes"), "short scratch: %s", err.message);
    CHECK(mamba_state_init(&s, c, state_mem, sb, (char *)scratch + 4, scb, 4, &err) == MAMBA_ERR_BADARG &&
          strstr(err.message, "scratch_mem"), "misaligned scratch: %s", err.message);
    CHECK(mamba_state_init(&s, c, state_mem, sb, scratch, scb, 4, NULL) == MAMBA_OK, "err may be NULL");
    CHECK(mamba_state_init(&s, c, state_mem, sb - 1, scratch, scb, 4, NULL) == MAMBA_ERR_BADARG, "err may be NULL (failing)");
    free(state_mem); free(scratch);
    mamba_model_free(m);
}

static void forward_statuses(void) {
    mamba_model *m = NULL, *m2 = NULL;
    mamba_state *s = NULL, *s2 = NULL, snap;
    mamba_error err;
    float *logits, *snap_mem;
    int toks[2] = {1, 2}, bad[2] = {1, 0};
    const mamba_config *c;
    CHECK(mamba_model_load_file(&m, "models/shakespeare-tiny", NULL, &err) == MAMBA_OK, "model: %s", err.message);
    CHECK(mamba_model_load_file(&m2, "tests/data/m1-f32-mixed", NULL, &err) == MAMBA_OK, "model 2: %s", err.message);
    if (!m || !m2) { mamba_model_free(m); mamba_model_free(m2); return; }
    c = mamba_model_config(m);
    logits = (float *)malloc(sizeof(float) * 2 * (size_t)c->vocab_size);
    bad[1] = c->vocab_size;
    CHECK(mamba_state_new(&s, m, 4) == MAMBA_OK && mamba_state_new(&s2, m2, 4) == MAMBA_OK, "states");
    snap_mem = (float *)malloc(mamba_state_bytes(c));
    CHECK(mamba_state_init(&snap, c, snap_mem, mamba_state_bytes(c), NULL, 0, 0, NULL) == MAMBA_OK, "snapshot");
    /* BADARG: NULLs, mode, n */
    CHECK(mamba_step(NULL, s, 1, logits) == MAMBA_ERR_BADARG, "step: NULL model");
    CHECK(mamba_step(m, NULL, 1, logits) == MAMBA_ERR_BADARG, "step: NULL state");
    CHECK(mamba_forward(m, s, NULL, 2, logits, MAMBA_LOGITS_LAST) == MAMBA_ERR_BADARG, "forward: NULL tokens");
    CHECK(mamba_forward(m, s, toks, 2, NULL, MAMBA_LOGITS_ALL) == MAMBA_ERR_BADARG, "forward: NULL logits");
    CHECK(mamba_forward(m, s, toks, 2, logits, (mamba_logits_mode)9) == MAMBA_ERR_BADARG, "forward: bad mode");
    CHECK(mamba_forward(m, s, toks, 0, logits, MAMBA_LOGITS_LAST) == MAMBA_ERR_BADARG, "forward: n = 0, LAST");
    CHECK(mamba_forward(m, s, toks, 0, NULL, MAMBA_LOGITS_NONE) == MAMBA_OK, "forward: n = 0, NONE");
    /* SHAPE: another model's state, a snapshot */
    CHECK(mamba_step(m, s2, 1, logits) == MAMBA_ERR_SHAPE, "step: state of another model");
    CHECK(mamba_forward(m, s2, toks, 2, logits, MAMBA_LOGITS_LAST) == MAMBA_ERR_SHAPE, "forward: state of another model");
    CHECK(mamba_step(m, &snap, 1, logits) == MAMBA_ERR_SHAPE, "step: snapshot (no scratch)");
    CHECK(mamba_forward(m, &snap, toks, 2, logits, MAMBA_LOGITS_LAST) == MAMBA_ERR_SHAPE, "forward: snapshot");
    /* RANGE: token ids; the state is left as it was */
    CHECK(mamba_step(m, s, -1, logits) == MAMBA_ERR_RANGE, "step: id -1");
    CHECK(mamba_step(m, s, c->vocab_size, logits) == MAMBA_ERR_RANGE, "step: id vocab_size");
    CHECK(mamba_forward(m, s, bad, 2, logits, MAMBA_LOGITS_ALL) == MAMBA_ERR_RANGE, "forward: id vocab_size");
    CHECK(s->n_tokens == 0, "failed calls consumed nothing (%d tokens)", (int)s->n_tokens);
    CHECK(mamba_forward(m, s, toks, 2, logits, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward ok");
    mamba_state_free(s); mamba_state_free(s2);
    mamba_model_free(m); mamba_model_free(m2);
    free(logits); free(snap_mem);
}

static void sampler_params(void) {
    mamba_sampler a, b;
    mamba_sampler_params zero, p;
    float x[8] = {0.5f, 2.0f, -1.0f, 7.0f, 3.0f, 0.0f, 6.9f, 1.0f};
    int i, same = 1;
    memset(&zero, 0, sizeof zero);
    CHECK(mamba_sampler_init(&a, 8, &zero, NULL, 0) == MAMBA_OK, "zero params");
    CHECK(mamba_sampler_init(&b, 8, NULL, NULL, 0) == MAMBA_OK, "NULL params");
    for (i = 0; i < 20; i++) same &= mamba_sample(&a, x) == 3 && mamba_sample(&b, x) == 3;
    CHECK(same, "zero value and NULL: greedy");
    mamba_sampler_free(&a); mamba_sampler_free(&b);
    /* seed 0 is a fixed seed: two samplers with it draw the same ids */
    memset(&p, 0, sizeof p);
    p.temperature = 5.0f;
    CHECK(mamba_sampler_init(&a, 8, &p, NULL, 0) == MAMBA_OK && mamba_sampler_init(&b, 8, &p, NULL, 0) == MAMBA_OK, "seed 0");
    for (i = 0, same = 1; i < 50; i++) same &= mamba_sample(&a, x) == mamba_sample(&b, x);
    CHECK(same, "seed 0: the same ids twice");
    mamba_sampler_free(&a); mamba_sampler_free(&b);
    /* -1 on bad arguments */
    CHECK(mamba_sample(NULL, x) == -1, "NULL sampler");
    CHECK(mamba_sampler_init(&a, 8, &p, NULL, 0) == MAMBA_OK, "init");
    CHECK(mamba_sample(&a, NULL) == -1, "NULL logits");
    mamba_sampler_free(&a);
    CHECK(mamba_sample(&a, x) == -1, "freed sampler");
    memset(&a, 0, sizeof a);
    CHECK(mamba_sample(&a, x) == -1, "zeroed, never initialised sampler");
    CHECK(mamba_sampler_init(&a, 0, &p, NULL, 0) == MAMBA_ERR_BADARG, "n_vocab 0");
}

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    errors_cleared();
    state_init_says_which();
    forward_statuses();
    sampler_params();
    return test_summary();
}
