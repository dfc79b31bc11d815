/* Saved states (mamba_state_read) against a fixed model (reference/m1-tiny).
   Byte 0, bit 0 clear: the rest of the input is the saved state as is.
   Bit 0 set: the rest are edits of a valid save (after 3 tokens), each 3 bytes:
   offset (16 bits, little endian, modulo the save's size) and a byte to XOR in
   (0 means: truncate the save at that offset). Properties: a refused load
   leaves the state as it was; an accepted one saves back to the same bytes
   and the state still runs. */
#define FUZZ_NAME "state"
#include "fuzz.h"

static mamba_model *model;
static mamba_state st;
static unsigned char *valid, *before;
static size_t n_valid, n_state;

static void fuzz_init(void) {
    size_t n, cn;
    unsigned char *w = fuzz_read(fuzz_data_dir, "reference/m1-tiny/model.safetensors", &n);
    char *cfg = (char *)fuzz_read(fuzz_data_dir, "reference/m1-tiny/config.json", &cn);
    static const int toks[3] = {5, 80, 200};
    const mamba_config *c;
    size_t sc;
    mamba_error err;
    if (mamba_model_load_memory(&model, w, n, cfg, cn, NULL, &err) != MAMBA_OK) { fprintf(stderr, "fuzz: %s\n", err.message); exit(2); }
    free(cfg);   /* the config text is parsed; the weights stay alive for the model */
    c = mamba_model_config(model);
    n_state = mamba_state_bytes(c);
    sc = mamba_scratch_bytes(c, 4);
    if (mamba_state_init(&st, c, malloc(n_state), n_state, malloc(sc), sc, 4, NULL) != MAMBA_OK) exit(2);
    mamba_forward(model, &st, toks, 3, NULL, MAMBA_LOGITS_NONE);
    n_valid = mamba_state_write_bytes(&st);
    valid = (unsigned char *)malloc(n_valid);
    before = (unsigned char *)malloc(n_state);
    if (!valid || !before || mamba_state_write(&st, valid, n_valid, &n) != MAMBA_OK) exit(2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *buf, *again;
    size_t n, i, n2;
    uint64_t tokens_before;
    float logits[256];
    mamba_status s;
    if (size < 1) return 0;
    if (data[0] & 1) {
        buf = fuzz_dup(valid, n_valid);
        n = n_valid;
        for (i = 1; i + 3 <= size; i += 3) {
            size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % n_valid;
            if (data[i + 2]) { if (off < n) buf[off] ^= data[i + 2]; }
            else if (off < n) n = off;
        }
        if (n < n_valid) {   /* exact size, so ASan sees a read past the end */
            unsigned char *cut = fuzz_dup(buf, n);
            free(buf);
            buf = cut;
        }
    } else {
        buf = fuzz_dup(data + 1, size - 1);
        n = size - 1;
    }
    mamba_state_reset(&st);
    mamba_step(model, &st, 42, logits);
    memcpy(before, st.conv, n_state);
    tokens_before = st.n_tokens;
    s = mamba_state_read(&st, buf, n);
    if (s != MAMBA_OK) {
        FUZZ_CHECK(s == MAMBA_ERR_FORMAT || s == MAMBA_ERR_SHAPE || s == MAMBA_ERR_UNSUPPORTED);
        FUZZ_CHECK(!memcmp(before, st.conv, n_state) && st.n_tokens == tokens_before);
    } else {
        FUZZ_CHECK(n == n_valid);
        again = (unsigned char *)malloc(n);
        FUZZ_CHECK(again && mamba_state_write(&st, again, n, &n2) == MAMBA_OK && n2 == n && !memcmp(again, buf, n));
        free(again);
        FUZZ_CHECK(mamba_step(model, &st, 7, logits) == MAMBA_OK);
    }
    free(buf);
    return 0;
}
