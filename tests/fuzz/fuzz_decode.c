/* Decoding arbitrary ids (negative, out of range, special) whole and
   streaming. Input: one byte of options (bit 0: NeoX or Falcon; bit 1: skip
   special tokens; bits 2-4: a small first output cap for streaming), then
   int32 ids in host byte order. */
#define FUZZ_NAME "decode"
#include "fuzz.h"

static void fuzz_init(void) { fuzz_load_tokenizers(); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t n;
    int *ids;
    if (size < 1) return 0;
    n = (size - 1) / sizeof(int);
    if (!(ids = (int *)malloc((n + 1) * sizeof *ids))) abort();
    memcpy(ids, data + 1, n * sizeof *ids);   /* the input need not be aligned */
    fuzz_check_decode(fuzz_tokenizers[data[0] & 1], ids, n, data[0] & 2 ? MAMBA_DECODE_SKIP_SPECIAL : 0,
                      (size_t)(data[0] >> 2 & 7));
    free(ids);
    return 0;
}
