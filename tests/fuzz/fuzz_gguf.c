/* GGUF (llama.cpp) files: header, metadata, tensor infos, the config taken
   from the metadata, quantized blocks, and the tokenizer in the metadata. The
   input is the whole file, loaded with mamba_load_memory(..., NULL config) and
   mamba_tokenizer_load_gguf; a model that loads then runs, a tokenizer that
   loads encodes and decodes a fixed text. Seeds: tiny generated models
   (tests/fuzz/tiny_gguf.py, a few KB each) and the first 64 KB of the real
   files; run.sh caps inputs at 64 KB, so mutations land in the header and
   metadata rather than in megabytes of weights. */
#define FUZZ_NAME "gguf"
#include "fuzz.h"

static void fuzz_init(void) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int toks[3] = {0, 1, 2};
    mamba_options opts;
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    float *logits;
    int V, ids[3], i;
    static const char text[] = "Hello world <|endoftext|> abc \xe4\xb8\xad \xff";
    mamba_tokenizer *tok;
    /* small caps, so the limits are reached too; validation on every other input */
    memset(&opts, 0, sizeof opts);
    opts.max_json_depth = 16;
    opts.max_tensors = 4096;
    opts.max_metadata_kv = 1024;
    opts.max_array_len = 1 << 16;
    opts.max_string_bytes = 1 << 14;
    opts.max_vocab = 1 << 16;
    opts.max_merges = 1 << 16;
    opts.validate_weights = (int)(size & 1);
    if (mamba_tokenizer_load_gguf_ex(&tok, data, size, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(tok == NULL && err.status != MAMBA_OK && err.message[0]);
    } else {
        int tids[64];
        size_t n, k;
        char out[1024];
        FUZZ_CHECK(mamba_tokenizer_vocab_size(tok) > 0);
        if (mamba_tokenizer_encode(tok, text, sizeof text - 1, tids, 64, &n) == MAMBA_OK)
            (void)mamba_tokenizer_decode(tok, tids, n, 0, out, sizeof out, &k);
        mamba_tokenizer_free(tok);
    }
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
