/* config.json parsing and the checks between config and tensors: the input is
   the config text, the weights are fixed (reference/m1-tiny: 64 wide, 2 layers,
   vocab 256, F32), so configs that agree with them load and then run. */
#define FUZZ_NAME "config"
#include "fuzz.h"

static unsigned char *weights;
static size_t n_weights;

static void fuzz_init(void) {
    weights = fuzz_read(fuzz_data_dir, "reference/m1-tiny/model.safetensors", &n_weights);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int toks[3] = {1, 100, 255};
    mamba_options opts;
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    const mamba_config *c;
    float *logits;
    memset(&opts, 0, sizeof opts);
    opts.max_json_depth = 16;
    if (mamba_model_load_memory(&m, weights, n_weights, (const char *)data, size, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(m == NULL && err.status != MAMBA_OK && err.message[0]);
        return 0;
    }
    c = mamba_model_config(m);
    FUZZ_CHECK(c->vocab_size >= 1 && c->vocab_size <= c->n_embd_rows);
    /* the config may declare a vocabulary smaller than the embedding: use its ids */
    logits = (float *)malloc(3 * sizeof(float) * (size_t)c->vocab_size);
    if (logits && mamba_state_new(&s, m, 2) == MAMBA_OK) {
        int ids[3], i;
        for (i = 0; i < 3; i++) ids[i] = toks[i] % c->vocab_size;
        FUZZ_CHECK(mamba_step(m, s, ids[0], logits) == MAMBA_OK);
        FUZZ_CHECK(mamba_forward(m, s, ids, 3, logits, MAMBA_LOGITS_ALL) == MAMBA_OK);
        FUZZ_CHECK(mamba_step(m, s, c->vocab_size, logits) != MAMBA_OK);   /* out of range */
        mamba_state_free(s);
    }
    free(logits);
    mamba_model_free(m);
    return 0;
}
