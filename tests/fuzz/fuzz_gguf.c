/* GGUF (llama.cpp) files: header, metadata, tensor infos, the config taken
   from the metadata, quantized blocks, and the tokenizer in the metadata. The
   input is the whole file, loaded with mamba_model_load_memory(..., NULL config) and
   mamba_tokenizer_load_gguf; a model that loads then runs and is written back
   out by the GGUF writer (with its tokenizer, when the metadata holds one that
   loads), and what was written must load again; a tokenizer that loads
   encodes and decodes a fixed text. Seeds: tiny generated models
   (tests/fuzz/tiny_gguf.py, a few KB each) and the first 64 KB of the real
   files; run.sh caps inputs at 64 KB, so mutations land in the header and
   metadata rather than in megabytes of weights. */
#define FUZZ_NAME "gguf"
#include "fuzz.h"

static void fuzz_init(void) {}

typedef struct fuzz_buf { unsigned char *p; size_t n, cap; } fuzz_buf;
static int fuzz_put(void *user, const void *bytes, size_t n) {
    fuzz_buf *b = (fuzz_buf *)user;
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
        unsigned char *q = (unsigned char *)realloc(b->p, cap);
        if (!q) return 1;
        b->p = q; b->cap = cap;
    }
    memcpy(b->p + b->n, bytes, n);
    b->n += n;
    return 0;
}

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
    if (mamba_tokenizer_load_gguf(&tok, data, size, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(tok == NULL && err.status != MAMBA_OK && err.message[0]);
    } else {
        int tids[64];
        size_t n, k;
        char out[1024];
        FUZZ_CHECK(mamba_tokenizer_n_vocab(tok) > 0);
        if (mamba_tokenizer_encode(tok, text, sizeof text - 1, tids, 64, &n) == MAMBA_OK)
            (void)mamba_tokenizer_decode(tok, tids, n, 0, out, sizeof out, &k);
        mamba_tokenizer_free(tok);
    }
    if (mamba_model_load_memory(&m, data, size, NULL, 0, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(m == NULL && err.status != MAMBA_OK && err.message[0]);
        return 0;
    }
    V = mamba_model_config(m)->vocab_size;
    for (i = 0; i < 3; i++) ids[i] = toks[i] % V;
    logits = (float *)malloc(3 * sizeof(float) * (size_t)V);
    if (logits && mamba_state_new(&s, m, 2) == MAMBA_OK) {
        FUZZ_CHECK(mamba_step(m, s, ids[0], logits) == MAMBA_OK);
        FUZZ_CHECK(mamba_forward(m, s, ids, 3, logits, MAMBA_LOGITS_ALL) == MAMBA_OK);
        mamba_state_free(s);
    }
    free(logits);
    {   /* write it back (Q4_0: every conversion path), then read that */
        fuzz_buf b = {NULL, 0, 0};
        mamba_gguf_options o;
        mamba_tokenizer *tok = NULL, *tok2 = NULL;
        mamba_model *m2 = NULL;
        memset(&o, 0, sizeof o);
        o.type = MAMBA_DTYPE_Q4_0;
        if (mamba_tokenizer_load_gguf(&tok, data, size, NULL, &err) != MAMBA_OK) tok = NULL;
        if (mamba_gguf_write(m, tok, &o, fuzz_put, &b, &err) == MAMBA_OK) {
            FUZZ_CHECK(mamba_model_load_memory(&m2, b.p, b.n, NULL, 0, NULL, &err) == MAMBA_OK);
            if (tok) FUZZ_CHECK(mamba_tokenizer_load_gguf(&tok2, b.p, b.n, NULL, &err) == MAMBA_OK);
        } else {
            FUZZ_CHECK(err.message[0]);
        }
        mamba_model_free(m2);
        mamba_tokenizer_free(tok);
        mamba_tokenizer_free(tok2);
        free(b.p);
    }
    mamba_model_free(m);
    return 0;
}
