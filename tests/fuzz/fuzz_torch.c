/* torch.save checkpoints: the zip reader and the pickle reader, then binding
   and a few steps. The config is fixed (tests/data/pt-m1-tied-f32's: 37 wide,
   2 layers, vocab 61 padded to 64, tied).
   Input, by its first byte:
     'P'     the whole input is the archive (a zip: "PK\3\4...")
     other   the rest is a data.pkl: the driver stores it in an archive beside
             the storages of tests/data/pt-m1-tied-f32/pytorch_model.bin
             (data/0, data/1, ...), so a pickle naming them loads and runs.
   Every load must succeed or fail cleanly; a loaded model steps and runs a
   3-token forward with identical logits on both paths. */
#define FUZZ_NAME "torch"
#include "fuzz.h"

static unsigned char *base_bin;     /* the real archive */
static size_t base_n;
static char *config;
static size_t config_n;
static mamba__zent *ents;           /* its entries, data/ ones reused */
static size_t n_ents;

typedef struct { unsigned char *p; size_t n, cap; } zbuf;
static void zput(zbuf *b, const void *s, size_t n) {
    if (b->n + n > b->cap) { b->cap = (b->n + n) * 2 + 64; if (!(b->p = (unsigned char *)realloc(b->p, b->cap))) abort(); }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void z16(zbuf *b, unsigned v) { unsigned char c[2]; c[0] = (unsigned char)v; c[1] = (unsigned char)(v >> 8); zput(b, c, 2); }
static void z32(zbuf *b, uint32_t v) { z16(b, v & 0xFFFF); z16(b, v >> 16); }

static void fuzz_init(void) {
    mamba__heap h;
    mamba_error err;
    base_bin = fuzz_read(fuzz_test_dir, "pt-m1-tied-f32/pytorch_model.bin", &base_n);
    config = (char *)fuzz_read(fuzz_test_dir, "pt-m1-tied-f32/config.json", &config_n);
    mamba__heap_plain(&h);
    if (mamba__zip_read(&h, base_bin, base_n, "base", 4096, &ents, &n_ents, &err) != MAMBA_OK) {
        fprintf(stderr, "fuzz_torch: %s\n", err.message);
        exit(2);
    }
}

/* an archive: "m/data.pkl" = pkl, then every data/ entry of the base, stored, 64-aligned */
static unsigned char *wrap(const uint8_t *pkl, size_t n, size_t *out_n) {
    zbuf b = {0, 0, 0}, cd = {0, 0, 0};
    size_t i, count = 0;
    for (i = 0; i <= n_ents; i++) {
        const char *name;
        size_t nl, pad, len;
        const unsigned char *data;
        char nm[128];
        uint32_t off = (uint32_t)b.n;
        if (i == 0) { name = "m/data.pkl"; data = pkl; len = n; }
        else {
            const mamba__zent *e = &ents[i - 1];
            const char *slash = (const char *)memchr(e->name, '/', e->name_len);
            size_t rest;
            if (!slash) continue;
            rest = e->name_len - (size_t)(slash - e->name);
            if (rest < 6 || memcmp(slash, "/data/", 6) != 0 || rest + 2 > sizeof nm) continue;
            nm[0] = 'm'; memcpy(nm + 1, slash, rest); nm[1 + rest] = 0;
            name = nm; data = e->data; len = (size_t)e->size;
        }
        nl = strlen(name);
        z32(&b, 0x04034b50); z16(&b, 20); z16(&b, 0); z16(&b, 0); z16(&b, 0); z16(&b, 0);
        z32(&b, 0); z32(&b, (uint32_t)len); z32(&b, (uint32_t)len);
        pad = (64 - (b.n + 4 + nl + 4) % 64) % 64;
        z16(&b, (unsigned)nl); z16(&b, (unsigned)(4 + pad)); zput(&b, name, nl);
        z16(&b, 0x4246); z16(&b, (unsigned)pad);
        while (pad--) zput(&b, "Z", 1);
        zput(&b, data, len);
        z32(&cd, 0x02014b50); z16(&cd, 20); z16(&cd, 20); z16(&cd, 0); z16(&cd, 0); z16(&cd, 0); z16(&cd, 0);
        z32(&cd, 0); z32(&cd, (uint32_t)len); z32(&cd, (uint32_t)len);
        z16(&cd, (unsigned)nl); z16(&cd, 0); z16(&cd, 0); z16(&cd, 0); z16(&cd, 0); z32(&cd, 0); z32(&cd, off);
        zput(&cd, name, nl);
        count++;
    }
    {
        uint32_t cd_off = (uint32_t)b.n;
        zput(&b, cd.p, cd.n);
        z32(&b, 0x06054b50); z16(&b, 0); z16(&b, 0); z16(&b, (unsigned)count); z16(&b, (unsigned)count);
        z32(&b, (uint32_t)cd.n); z32(&b, cd_off); z16(&b, 0);
    }
    free(cd.p);
    *out_n = b.n;
    return b.p;
}

static int same(float a, float b) { return a == b || (a != a && b != b); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int toks[3] = {0, 5, 60};
    unsigned char *w;
    size_t n, i;
    mamba_options opts;
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    float step[3 * 61], fwd[3 * 61];
    if (size < 1) return 0;
    if (data[0] == 'P') w = fuzz_dup(data, size), n = size;
    else w = wrap(data + 1, size - 1, &n);
    memset(&opts, 0, sizeof opts);
    opts.max_json_bytes = 1 << 20;
    opts.max_tensors = 4096;
    opts.max_alloc_bytes = (size_t)64 << 20;
    opts.validate_weights = (int)(size & 1);
    if (n < 4 || memcmp(w, "PK\003\004", 4) != 0) { free(w); return 0; }   /* the safetensors driver has the rest */
    if (mamba_model_load_memory(&m, w, n, config, config_n, &opts, &err) != MAMBA_OK) {
        FUZZ_CHECK(m == NULL && err.status != MAMBA_OK && err.message[0]);
        free(w);
        return 0;
    }
    FUZZ_CHECK(mamba_model_config(m)->vocab_size == 61);
    if (mamba_state_new(&s, m, 2) == MAMBA_OK) {
        for (i = 0; i < 3; i++) FUZZ_CHECK(mamba_step(m, s, toks[i], step + 61 * i) == MAMBA_OK);
        mamba_state_reset(s);
        FUZZ_CHECK(mamba_forward(m, s, toks, 3, fwd, MAMBA_LOGITS_ALL) == MAMBA_OK);
        for (i = 0; i < 3 * 61; i++) FUZZ_CHECK(same(step[i], fwd[i]));
        mamba_state_free(s);
    }
    mamba_model_free(m);
    free(w);
    return 0;
}
