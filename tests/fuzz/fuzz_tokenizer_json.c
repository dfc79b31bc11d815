/* tokenizer.json loading and table building; a tokenizer that loads must then
   encode and decode a fixed text without trouble. */
#define FUZZ_NAME "tokenizer_json"
#include "fuzz.h"

static void fuzz_init(void) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* ASCII, digits, a special token, combining accent (NFC), CJK, emoji, a bad byte */
    static const char text[] = "Hello  world 12345 <|endoftext|> e\xcc\x81t\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \xff!";
    mamba_tokenizer *tok;
    mamba_error err;
    int ids[256], i, nv;
    size_t n, len;
    char out[4096];
    mamba_options opts;
    memset(&opts, 0, sizeof opts);   /* caps the seeds (400 ids) fit, so mutations reach them */
    opts.max_vocab = 1024;
    opts.max_merges = 1024;
    opts.max_json_depth = 16;
    if (mamba_tokenizer_load_json(&tok, (const char *)data, size, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(tok == NULL && err.status != MAMBA_OK && err.message[0]);
        return 0;
    }
    nv = mamba_tokenizer_n_vocab(tok);
    FUZZ_CHECK(nv > 0);
    /* (post-processor ids need not name tokens: decode may refuse them) */
    if (mamba_tokenizer_encode(tok, text, sizeof text - 1, ids, 256, &n) == MAMBA_OK) {
        (void)mamba_tokenizer_decode(tok, ids, n, 0, out, sizeof out, &len);
        (void)mamba_tokenizer_decode(tok, ids, n, MAMBA_DECODE_SKIP_SPECIAL, out, sizeof out, &len);
    }
    for (i = -1; i <= nv && i < 300; i++) {   /* every query, valid ids and not */
        const char *b = mamba_tokenizer_token_bytes(tok, i, &len);
        if (b) FUZZ_CHECK(mamba_tokenizer_token_id(tok, b, len) >= 0);
        (void)mamba_tokenizer_is_special(tok, i);
    }
    (void)mamba_tokenizer_bos_id(tok);
    (void)mamba_tokenizer_eos_id(tok);
    (void)mamba_tokenizer_table_bytes(tok);
    mamba_tokenizer_free(tok);
    return 0;
}
