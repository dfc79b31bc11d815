/* GGUF (llama.cpp) files: header, metadata, tensor infos, the config taken
   from the metadata, quantized blocks. The input is the whole file, loaded
   with mamba_load_memory(..., NULL config); one that loads then runs. */
#define FUZZ_NAME "gguf"
#include "fuzz.h"

static void fuzz_init(void) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int toks[3] = {0, 1, 2};
    mamba_options opts = {0, 16, 4096, NULL, 0};
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    float *logits;
    int V, ids[3], i;
    if (mamba_load_memory(&m, data, size, NULL, 0, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(m == NULL && err.status != MAMBA_OK && err.message[0]);
        return 0;
    }
    V = mamba_get_config(m)->vocab_size;
    for (i = 0; i < 3; i++) ids[i] = toks[i] % V;
    logits = (float *)malloc(3 * sizeof(float) * (size_t)V);
    if (logits && mamba_state_new(&s, m, 2) == MAMBA_OK) {
        FUZZ_CHECK(mamba_step(m, s, ids[0], logits) == MAMBA_OK);
        FUZZ_CHECK(mamba_forward(m, s, ids, 3, logits, MAMBA_LOGITS_ALL) == MAMBA_OK);
        mamba_state_free(s);
    }
    free(logits);
    mamba_free(m);
    return 0;
}
