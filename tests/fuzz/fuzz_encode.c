/* Encoding arbitrary bytes (invalid UTF-8 included) with the real tokenizers,
   then decoding the ids back whole and streaming. Input: one byte of options
   (bit 0: NeoX or Falcon; bits 1-3: a small first output cap for streaming),
   then the text. */
#define FUZZ_NAME "encode"
#include "fuzz.h"

static void fuzz_init(void) { fuzz_load_tokenizers(); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const mamba_tokenizer *tok;
    const char *text;
    size_t len, n, n2, i;
    int *ids, nv;
    if (size < 1) return 0;
    text = (const char *)data + 1;
    len = size - 1;
    tok = fuzz_tokenizers[data[0] & 1];
    nv = mamba_tokenizer_vocab_size(tok);
    /* measure, then fill: the count must agree */
    FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, NULL, 0, &n) == (n ? MAMBA_ERR_RANGE : MAMBA_OK));
    if (!(ids = (int *)malloc((n + 1) * sizeof *ids))) abort();
    FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, ids, n, &n2) == MAMBA_OK && n2 == n);
    for (i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < nv && mamba_tokenizer_token_bytes(tok, ids[i], &n2));
    if (n > 1) {   /* one short: MAMBA_ERR_RANGE, and the first n-1 ids as before */
        int *part = (int *)malloc((n - 1) * sizeof *part);
        if (!part) abort();
        FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, part, n - 1, &n2) == MAMBA_ERR_RANGE && n2 == n);
        FUZZ_CHECK(!memcmp(part, ids, (n - 1) * sizeof *part));
        free(part);
    }
    fuzz_check_decode(tok, ids, n, 0, (size_t)(data[0] >> 1 & 7));
    fuzz_check_decode(tok, ids, n, MAMBA_DECODE_SKIP_SPECIAL, (size_t)(data[0] >> 1 & 7));
    free(ids);
    return 0;
}
