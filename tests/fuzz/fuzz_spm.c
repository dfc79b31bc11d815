/* SentencePiece tokenizer.model loading (the protobuf reader, the tables);
   a model that loads must then encode fixed texts (spaces, a user-defined
   piece, control-token text, invalid UTF-8, a long run) and decode the ids
   and every id below 300, whole and streaming (fuzz_check_decode). */
#define FUZZ_NAME "spm"
#include "fuzz.h"

static void fuzz_init(void) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const texts[] = {
        "Hello  world 12345", "  leading\tand\ntrailing  ", "[REFERENCE_DOC_0]x<s>[INST]", "\xe2\x96\x81 \xc3\xa9t\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
        "\xff\xfe a\xc3(", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""};
    mamba_tokenizer *tok;
    mamba_error err;
    mamba_options opts;
    int ids[512], nv, i, k;
    size_t n, len;
    unsigned char *copy = fuzz_dup(data, size);
    memset(&opts, 0, sizeof opts);   /* caps the seeds (up to 1700 pieces) fit */
    opts.max_vocab = 4096;
    if (mamba_tokenizer_load_spm(&tok, copy, size, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(tok == NULL && err.status != MAMBA_OK && err.message[0]);
        free(copy);
        return 0;
    }
    free(copy);   /* the tokenizer keeps copies */
    nv = mamba_tokenizer_n_vocab(tok);
    FUZZ_CHECK(nv > 0);
    for (k = 0; k < (int)(sizeof texts / sizeof texts[0]); k++) {
        mamba_status st = mamba_tokenizer_encode(tok, texts[k], strlen(texts[k]), ids, 512, &n);
        FUZZ_CHECK(st == MAMBA_OK || st == MAMBA_ERR_RANGE);
        if (st != MAMBA_OK) continue;
        for (i = 0; i < (int)n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < nv);
        fuzz_check_decode(tok, ids, n, 0, 2);
        fuzz_check_decode(tok, ids, n, MAMBA_DECODE_SKIP_SPECIAL, 0);
    }
    for (i = 0; i < 300 && i < nv; i++) ids[i] = i;
    fuzz_check_decode(tok, ids, (size_t)i, 0, 1);
    for (i = -1; i <= nv && i < 300; i++) {
        const char *b = mamba_tokenizer_token_bytes(tok, i, &len);
        if (b && len) FUZZ_CHECK(mamba_tokenizer_token_id(tok, b, len) >= 0);
        (void)mamba_tokenizer_is_special(tok, i);
    }
    (void)mamba_tokenizer_bos_id(tok);
    (void)mamba_tokenizer_eos_id(tok);
    mamba_tokenizer_free(tok);
    return 0;
}
