/* Whole models with mutated weight files: header and tensor data both change,
   then load, 4 steps and a 5-token forward. Non-finite logits are fine;
   crashes, sanitizer reports and step/forward disagreement are not.
   Input: byte 0 picks the model, byte 1 the prefill chunk (1..8, bits 0-2)
   and validate_weights (bit 7), then edits,
   each 4 bytes + data: offset (24 bits, little endian) and a control byte
       bits 0-4  length - 1 (1..32 data bytes follow)
       bit 5     instead truncate the file at the offset (no data follows)
       bit 6     XOR the data in (else overwrite)
       bit 7     the offset falls in the 8-byte length + JSON header */
#define FUZZ_NAME "model"
#include "fuzz.h"

/* every single-file golden model; the last one lives in tests/data/shared */
static const char *const names[] = {"falcon-f32", "m1-f16-untied-bias", "m1-f32-mixed", "m1-odd-f32",
                                    "m1-unaligned-f32", "m2-g1-tied", "m2-g2-untied", "m2-g4-original",
                                    "reference/m1-tiny"};
#define N_MODELS (sizeof names / sizeof names[0])
typedef struct { unsigned char *w; char *cfg; size_t n, n_cfg, header; } fuzz_model;
static fuzz_model models[N_MODELS];

static void fuzz_init(void) {
    size_t i;
    for (i = 0; i < N_MODELS; i++) {
        fuzz_model *f = &models[i];
        const char *dir = i + 1 < N_MODELS ? fuzz_test_dir : fuzz_data_dir;
        char path[1024];
        uint64_t hlen = 0;
        int b;
        snprintf(path, sizeof path, "%s/model.safetensors", names[i]);
        f->w = fuzz_read(dir, path, &f->n);
        snprintf(path, sizeof path, "%s/config.json", names[i]);
        f->cfg = (char *)fuzz_read(dir, path, &f->n_cfg);
        for (b = 7; b >= 0 && f->n >= 8; b--) hlen = hlen << 8 | f->w[b];
        f->header = hlen < f->n - 8 ? 8 + (size_t)hlen : f->n;
    }
}

/* The step and sequence paths promise identical logits; NaN payloads and the
   sign of zero are allowed to differ. */
static int same(float a, float b) { return a == b || (a != a && b != b); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const fuzz_model *f;
    unsigned char *w, *exact;
    size_t n, rest, i, k;
    const uint8_t *p;
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    mamba_options opts;
    int chunk, V, toks[5];
    float *step_logits, *fwd_logits;
    if (size < 2) return 0;
    f = &models[data[0] % N_MODELS];
    chunk = 1 + data[1] % 8;
    w = fuzz_dup(f->w, f->n);
    n = f->n;
    for (p = data + 2, rest = size - 2; rest >= 4;) {
        size_t off = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16, len = (p[3] & 31) + 1, span;
        unsigned ctl = p[3];
        p += 4; rest -= 4;
        if (ctl & 0x20) { n = n ? off % (n + 1) : 0; continue; }
        if (len > rest) len = rest;
        span = ctl & 0x80 && f->header < n ? f->header : n;
        if (span) {
            off %= span;
            for (k = 0; k < len && off + k < n; k++) w[off + k] = ctl & 0x40 ? w[off + k] ^ p[k] : p[k];
        }
        p += len; rest -= len;
    }
    if (n == f->n) exact = w;   /* w is exactly n bytes already */
    else { exact = fuzz_dup(w, n); free(w); }   /* exactly n bytes, so reads past a truncated end are caught */
    memset(&opts, 0, sizeof opts);
    opts.validate_weights = data[1] >> 7;   /* NaN/inf in the weights: refused, or run */
    if (mamba_model_load_memory(&m, exact, n, f->cfg, f->n_cfg, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(m == NULL && err.status != MAMBA_OK && err.message[0]);
        free(exact);
        return 0;
    }
    V = mamba_model_config(m)->vocab_size;
    toks[0] = 0; toks[1] = 1 % V; toks[2] = V - 1; toks[3] = V / 2; toks[4] = 3 % V;
    step_logits = (float *)malloc(4 * (size_t)V * sizeof(float));
    fwd_logits = (float *)malloc(5 * (size_t)V * sizeof(float));
    if (step_logits && fwd_logits && mamba_state_new(&s, m, chunk) == MAMBA_OK) {
        FUZZ_CHECK(mamba_step(m, s, -1, step_logits) != MAMBA_OK && mamba_step(m, s, V, step_logits) != MAMBA_OK);
        for (i = 0; i < 4; i++) FUZZ_CHECK(mamba_step(m, s, toks[i], step_logits + i * (size_t)V) == MAMBA_OK);
        mamba_state_reset(s);
        FUZZ_CHECK(mamba_forward(m, s, toks, 5, fwd_logits, MAMBA_LOGITS_ALL) == MAMBA_OK);
        for (i = 0; i < 4 * (size_t)V; i++) FUZZ_CHECK(same(step_logits[i], fwd_logits[i]));
        mamba_state_free(s);
    }
    free(step_logits);
    free(fwd_logits);
    mamba_model_free(m);
    free(exact);
    return 0;
}
