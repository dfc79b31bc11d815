/* Encoding arbitrary bytes (invalid UTF-8 included) with the real tokenizers,
   then decoding the ids back whole and streaming. Input: one byte of options
   (bit 0: NeoX or Falcon; bits 1-3: a small first output cap for streaming;
   bit 4: which encode property to check; bit 5: decode with or without
   MAMBA_DECODE_SKIP_SPECIAL), then the text.

   Speed: the tokenizers are loaded once (fuzz_init); each input is encoded
   twice and decoded once, the properties checked picked by the option bits
   rather than all of them on every input; run.sh caps inputs at 1 KB,
   and the per-call word cache starts at 64 bytes here (2 KB in the library)
   so short inputs reach it too. */
#define FUZZ_NAME "encode"
#define MAMBA__WC_MIN 64
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
    nv = mamba_tokenizer_n_vocab(tok);
    if (!(data[0] & 16)) {   /* measure, then fill: the count must agree */
        FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, NULL, 0, &n) == (n ? MAMBA_ERR_RANGE : MAMBA_OK));
        if (!(ids = (int *)malloc((n + 1) * sizeof *ids))) abort();
        FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, ids, n, &n2) == MAMBA_OK && n2 == n);
    } else {   /* fill with room to spare (repaired text <= 3 bytes per byte, one id per byte at most), then one short */
        size_t cap = 3 * len + 64;
        if (!(ids = (int *)malloc(cap * sizeof *ids))) abort();
        FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, ids, cap, &n) == MAMBA_OK && n <= cap);
        if (n > 1) {   /* MAMBA_ERR_RANGE, the full count, and the same first n-1 ids */
            int *part = (int *)malloc((n - 1) * sizeof *part);
            if (!part) abort();
            FUZZ_CHECK(mamba_tokenizer_encode(tok, text, len, part, n - 1, &n2) == MAMBA_ERR_RANGE && n2 == n);
            FUZZ_CHECK(!memcmp(part, ids, (n - 1) * sizeof *part));
            free(part);
        }
    }
    for (i = 0; i < n; i++) FUZZ_CHECK(ids[i] >= 0 && ids[i] < nv && mamba_tokenizer_token_bytes(tok, ids[i], &n2));
    fuzz_check_decode(tok, ids, n, data[0] & 32 ? MAMBA_DECODE_SKIP_SPECIAL : 0, (size_t)(data[0] >> 1 & 7));
    free(ids);
    return 0;
}
