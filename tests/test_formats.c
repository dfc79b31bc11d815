/* Checkpoint formats: PyTorch torch.save zips (state-spaces' layout),
   Mistral's params.json + consolidated.safetensors, and hostile archives.

   build/test_formats [SHARED_DATA_DIR]     (run from the repository root)

   tests/data/pt-* were written by tests/ref/gen_torch.py (Debian's
   python3-torch) from the safetensors goldens: each must give the same logits,
   bit for bit, as its twin, and the twin's float64 goldens within tolerance.
   build/tmp/codestral{,-small} come from tests/ref/make_codestral_shape.py
   (make test writes them): one random model in the HF and the Mistral layout.
   Hostile archives are built here: a small zip writer and hand-assembled
   pickles. $MAMBA_TEST_QUICK (valgrind) leaves out the 1 GB Codestral-shaped
   model and thins the truncation sweep. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"

static int quick;

static int file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static void expect(const char *what, mamba_status got, mamba_status want, const mamba_error *err, const char *needle) {
    CHECK(got == want, "%s: status %s, want %s (%s)", what, mamba_status_string(got), mamba_status_string(want), err->message);
    if (needle) CHECK(strstr(err->message, needle) != NULL, "%s: message '%s' lacks '%s'", what, err->message, needle);
}

/* tokens.txt of a golden dir; logits.txt too when logits != NULL */
static int read_tokens(const char *dir, int *tok, int cap) {
    char path[512];
    size_t n;
    unsigned char *s;
    int k = 0;
    char *p, *end;
    sprintf(path, "%s/tokens.txt", dir);
    s = read_all(path, &n);
    if (!s) return 0;
    for (p = (char *)s; *p && k < cap;) {
        long v = strtol(p, &end, 10);
        if (end == p) { p++; continue; }
        tok[k++] = (int)v;
        p = end;
    }
    free(s);
    return k;
}

static float *read_logits(const char *dir, size_t want) {
    char path[512];
    size_t n, k = 0;
    unsigned char *s;
    char *p, *end;
    float *out = (float *)malloc(sizeof(float) * want);
    sprintf(path, "%s/logits.txt", dir);
    s = read_all(path, &n);
    if (!s) { free(out); return NULL; }
    for (p = (char *)s; *p && k < want;) {
        double v = strtod(p, &end);
        if (end == p) { p++; continue; }
        out[k++] = (float)v;
        p = end;
    }
    free(s);
    if (k != want) { free(out); return NULL; }
    return out;
}

/* step logits of every token (T * vocab floats), or NULL */
static float *run(const mamba_model *m, const int *tok, int T) {
    int V = mamba_model_config(m)->vocab_size, i;
    float *lg = (float *)malloc(sizeof(float) * (size_t)V * (size_t)T);
    mamba_state *s = NULL;
    if (mamba_state_new(&s, m, 4) != MAMBA_OK) { free(lg); return NULL; }
    for (i = 0; i < T; i++)
        if (mamba_step(m, s, tok[i], lg + (size_t)i * V) != MAMBA_OK) { free(lg); mamba_state_free(s); return NULL; }
    mamba_state_free(s);
    return lg;
}

static int same_config(const mamba_config *a, const mamba_config *b) {
    return a->arch == b->arch && a->d_model == b->d_model && a->n_layer == b->n_layer && a->vocab_size == b->vocab_size &&
           a->d_inner == b->d_inner && a->d_state == b->d_state && a->d_conv == b->d_conv && a->dt_rank == b->dt_rank &&
           a->n_groups == b->n_groups && a->head_dim == b->head_dim && a->n_heads == b->n_heads &&
           a->norm_before_gate == b->norm_before_gate && a->gated_norm == b->gated_norm && a->dt_min == b->dt_min &&
           a->dt_max == b->dt_max && a->norm_eps == b->norm_eps && a->has_in_bias == b->has_in_bias &&
           a->has_out_bias == b->has_out_bias && a->has_conv_bias == b->has_conv_bias;
}

/* ---- torch.save models against their safetensors twins ------------------ */

static void torch_twin(const char *pt, const char *twin, int want_tied) {
    char ptdir[256], twdir[256], what[400];
    mamba_model *a = NULL, *b = NULL;
    mamba_error err;
    int tok[256], T;
    float *la = NULL, *lb = NULL, *gold = NULL;
    sprintf(ptdir, "tests/data/%s", pt);
    sprintf(twdir, "tests/data/%s", twin);
    T = read_tokens(twdir, tok, 256);
    CHECK(T > 0, "%s: no tokens", twdir);
    CHECK(mamba_model_load_file(&a, ptdir, NULL, &err) == MAMBA_OK, "%s: %s", ptdir, err.message);
    CHECK(mamba_model_load_file(&b, twdir, NULL, &err) == MAMBA_OK, "%s: %s", twdir, err.message);
    if (a && b && T > 0) {
        const mamba_config *ca = mamba_model_config(a), *cb = mamba_model_config(b);
        size_t V = (size_t)cb->vocab_size;
        double ratio, e;
        CHECK(same_config(ca, cb), "%s: config differs from %s's", pt, twin);
        CHECK(ca->tied_embeddings == want_tied, "%s: tied_embeddings %d, want %d", pt, ca->tied_embeddings, want_tied);
        CHECK(mamba_model_weight_bytes(a) == mamba_model_weight_bytes(b) || !want_tied, "%s: weight bytes %zu vs %zu", pt, mamba_model_weight_bytes(a), mamba_model_weight_bytes(b));
        la = run(a, tok, T);
        lb = run(b, tok, T);
        gold = read_logits(twdir, V * (size_t)T);
        CHECK(la && lb && gold, "%s: logits", pt);
        if (la && lb) CHECK(!memcmp(la, lb, sizeof(float) * V * (size_t)T), "%s: logits differ from %s's", pt, twin);
        if (la && gold) {
            e = test_max_err(la, gold, V * (size_t)T, 1e-4, 1e-3, &ratio);
            CHECK(ratio <= 1.0, "%s: max err %.3g (%.3g x tolerance)", pt, e, ratio);
            printf("  %-20s = %-20s bit for bit; vs float64 goldens max abs err %.3g (%.4f of tolerance)\n", pt, twin, e, ratio);
        }
        {   /* the sequence path on the same model */
            mamba_state *s = NULL;
            float *lf = (float *)malloc(sizeof(float) * V * (size_t)T);
            CHECK(mamba_state_new(&s, a, 5) == MAMBA_OK, "state");
            CHECK(mamba_forward(a, s, tok, (size_t)T, lf, MAMBA_LOGITS_ALL) == MAMBA_OK, "forward");
            if (la) CHECK(!memcmp(lf, la, sizeof(float) * V * (size_t)T), "%s: forward and step differ", pt);
            mamba_state_free(s);
            free(lf);
        }
    }
    mamba_model_free(a);
    a = NULL;
    {   /* a single .bin: as a file path, and from memory (the memory loader sniffs the zip) */
        char bin[300], cfgp[300];
        size_t wn, cn;
        unsigned char *w, *cfg;
        sprintf(bin, "%s/pytorch_model.bin", ptdir);
        sprintf(cfgp, "%s/config.json", ptdir);
        w = read_all(bin, &wn);
        cfg = read_all(cfgp, &cn);
        if (w && cfg && la) {
            float *lm;
            sprintf(what, "%s (file path)", bin);
            CHECK(mamba_model_load_file(&a, bin, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
            if (a) { lm = run(a, tok, T); CHECK(lm && !memcmp(lm, la, sizeof(float) * (size_t)mamba_model_config(a)->vocab_size * (size_t)T), "%s: logits", what); free(lm); }
            mamba_model_free(a); a = NULL;
            sprintf(what, "%s (memory)", ptdir);
            CHECK(mamba_model_load_memory(&a, w, wn, (const char *)cfg, cn, NULL, &err) == MAMBA_OK, "%s: %s", what, err.message);
            if (a) { lm = run(a, tok, T); CHECK(lm && !memcmp(lm, la, sizeof(float) * (size_t)mamba_model_config(a)->vocab_size * (size_t)T), "%s: logits", what); free(lm); }
            if (a) {   /* contiguous matrices are used in place; the strided x_proj of pt-m1-tied-f32 is the one copy */
#define IN_FILE(p) ((const unsigned char *)(p) >= w && (const unsigned char *)(p) < w + wn)
                int strided = !strcmp(pt, "pt-m1-tied-f32"), m1 = a->cfg.arch == MAMBA_ARCH_MAMBA1;
                CHECK(IN_FILE(a->embed.data) && IN_FILE(a->layers[0].in_proj.data) && IN_FILE(a->layers[0].out_proj.data) &&
                      (!m1 || IN_FILE(a->layers[0].dt_proj.data)) && a->n_copies == 0, "%s: a contiguous matrix was copied", what);
                if (m1) CHECK(IN_FILE(a->layers[0].x_proj.data) == !strided, "%s: x_proj in place %d", what, IN_FILE(a->layers[0].x_proj.data));
                if (want_tied) CHECK(a->lm_head.data == a->embed.data, "%s: the tied head is not the embedding", what);
#undef IN_FILE
            }
            mamba_model_free(a); a = NULL;
            {   /* an arena: measure, then load into exactly that */
                mamba_arena ar;
                mamba_options o;
                memset(&ar, 0, sizeof ar);
                memset(&o, 0, sizeof o);
                o.arena = &ar;
                CHECK(mamba_model_load_memory(&a, w, wn, (const char *)cfg, cn, &o, &err) == MAMBA_OK, "%s arena measure: %s", ptdir, err.message);
                mamba_model_free(a); a = NULL;
                ar.size = ar.peak; ar.used = 0;
                ar.base = malloc(ar.size ? ar.size : 1);
                CHECK(mamba_model_load_memory(&a, w, wn, (const char *)cfg, cn, &o, &err) == MAMBA_OK, "%s arena: %s", ptdir, err.message);
                if (a) { lm = run(a, tok, T); CHECK(lm && !memcmp(lm, la, sizeof(float) * (size_t)mamba_model_config(a)->vocab_size * (size_t)T), "%s arena: logits", ptdir); free(lm); }
                mamba_model_free(a); a = NULL;
                free(ar.base);
            }
        }
        free(w); free(cfg);
    }
    mamba_model_free(b);
    free(la); free(lb); free(gold);
}

/* ---- a zip writer for the hostile cases ----------------------------------- */

typedef struct zin { const char *name; const void *data; size_t n; } zin;
typedef struct buf { unsigned char *p; size_t n, cap; } buf;

static void b_put(buf *b, const void *s, size_t n) {
    if (b->n + n > b->cap) { b->cap = (b->n + n) * 2 + 64; b->p = (unsigned char *)realloc(b->p, b->cap); }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void b_u8(buf *b, unsigned v) { unsigned char c = (unsigned char)v; b_put(b, &c, 1); }
static void b_u16(buf *b, unsigned v) { b_u8(b, v & 255); b_u8(b, (v >> 8) & 255); }
static void b_u32(buf *b, uint32_t v) { b_u16(b, v & 0xFFFF); b_u16(b, v >> 16); }
static void b_u64(buf *b, uint64_t v) { b_u32(b, (uint32_t)v); b_u32(b, (uint32_t)(v >> 32)); }

/* Stored entries, each data start aligned to 64 as torch does (an "FB" extra
   field); zip64 = 1: the central directory saturates sizes and offsets into
   zip64 extras and the archive ends with a zip64 end record + locator. */
static unsigned char *zip_make(const zin *e, int ne, int zip64, size_t *out_n) {
    buf b = {0, 0, 0}, cd = {0, 0, 0};
    uint64_t *off = (uint64_t *)malloc(sizeof(uint64_t) * (size_t)(ne + 1));
    uint64_t cd_off, cd_size;
    int i;
    for (i = 0; i < ne; i++) {
        size_t nl = strlen(e[i].name), pad;
        off[i] = b.n;
        b_u32(&b, 0x04034b50); b_u16(&b, 20); b_u16(&b, 0); b_u16(&b, 0); b_u16(&b, 0); b_u16(&b, 0);
        b_u32(&b, 0); b_u32(&b, (uint32_t)e[i].n); b_u32(&b, (uint32_t)e[i].n);
        pad = (64 - (b.n + 4 + nl + 4) % 64) % 64;
        b_u16(&b, (unsigned)nl); b_u16(&b, (unsigned)(4 + pad));
        b_put(&b, e[i].name, nl);
        b_u16(&b, 0x4246); b_u16(&b, (unsigned)pad);
        while (pad--) b_u8(&b, 'Z');
        b_put(&b, e[i].data, e[i].n);
    }
    cd_off = b.n;
    for (i = 0; i < ne; i++) {
        size_t nl = strlen(e[i].name);
        b_u32(&cd, 0x02014b50); b_u16(&cd, 45); b_u16(&cd, 45); b_u16(&cd, 0); b_u16(&cd, 0); b_u16(&cd, 0); b_u16(&cd, 0);
        b_u32(&cd, 0);
        b_u32(&cd, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].n); b_u32(&cd, zip64 ? 0xFFFFFFFFu : (uint32_t)e[i].n);
        b_u16(&cd, (unsigned)nl); b_u16(&cd, zip64 ? 28 : 0); b_u16(&cd, 0); b_u16(&cd, 0); b_u16(&cd, 0); b_u32(&cd, 0);
        b_u32(&cd, zip64 ? 0xFFFFFFFFu : (uint32_t)off[i]);
        b_put(&cd, e[i].name, nl);
        if (zip64) { b_u16(&cd, 1); b_u16(&cd, 24); b_u64(&cd, e[i].n); b_u64(&cd, e[i].n); b_u64(&cd, off[i]); }
    }
    cd_size = cd.n;
    b_put(&b, cd.p, cd.n);
    if (zip64) {
        uint64_t z = b.n;
        b_u32(&b, 0x06064b50); b_u64(&b, 44); b_u16(&b, 45); b_u16(&b, 45); b_u32(&b, 0); b_u32(&b, 0);
        b_u64(&b, (uint64_t)ne); b_u64(&b, (uint64_t)ne); b_u64(&b, cd_size); b_u64(&b, cd_off);
        b_u32(&b, 0x07064b50); b_u32(&b, 0); b_u64(&b, z); b_u32(&b, 1);
    }
    b_u32(&b, 0x06054b50); b_u16(&b, 0); b_u16(&b, 0);
    b_u16(&b, zip64 ? 0xFFFF : (unsigned)ne); b_u16(&b, zip64 ? 0xFFFF : (unsigned)ne);
    b_u32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_size); b_u32(&b, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_off);
    b_u16(&b, 0);
    free(cd.p);
    free(off);
    *out_n = b.n;
    return b.p;
}

/* The entries of a real torch zip, re-emitted by zip_make (zip64 or not). */
static unsigned char *zip_rewrite(const unsigned char *w, size_t wn, int zip64, size_t *out_n) {
    mamba__heap h;
    mamba__zent *ent = NULL;
    size_t n = 0, i;
    mamba_error err;
    zin *e;
    char **names;
    unsigned char *out;
    mamba__heap_plain(&h);
    if (mamba__zip_read(&h, w, wn, "x", 1000, &ent, &n, &err) != MAMBA_OK) return NULL;
    e = (zin *)calloc(n + 1, sizeof(zin));
    names = (char **)malloc(sizeof(char *) * n);
    for (i = 0; i < n; i++) {
        names[i] = (char *)malloc(ent[i].name_len + 1);
        memcpy(names[i], ent[i].name, ent[i].name_len);
        names[i][ent[i].name_len] = 0;
        e[i].name = names[i]; e[i].data = ent[i].data; e[i].n = (size_t)ent[i].size;
    }
    out = zip_make(e, (int)n, zip64, out_n);
    for (i = 0; i < n; i++) free(names[i]);
    free(names); free(e);
    mamba__hfree(&h, ent);
    return out;
}

/* ---- pickles by hand ------------------------------------------------------ */

static void pk_str(buf *b, const char *s) { b_u8(b, 'X'); b_u32(b, (uint32_t)strlen(s)); b_put(b, s, strlen(s)); }
static void pk_int(buf *b, long long v) {
    if (v >= 0 && v < 256) { b_u8(b, 'K'); b_u8(b, (unsigned)v); }
    else if (v >= -2147483647LL - 1 && v <= 2147483647LL) { b_u8(b, 'J'); b_u32(b, (uint32_t)v); }
    else { int k; b_u8(b, 0x8a); b_u8(b, 8); for (k = 0; k < 8; k++) b_u8(b, (unsigned)((unsigned long long)v >> (8 * k)) & 255); }
}
static void pk_global(buf *b, const char *mod, const char *name) { b_u8(b, 'c'); b_put(b, mod, strlen(mod)); b_u8(b, '\n'); b_put(b, name, strlen(name)); b_u8(b, '\n'); }
static void pk_tuple(buf *b, const long long *v, int n) { int i; b_u8(b, '('); for (i = 0; i < n; i++) pk_int(b, v[i]); b_u8(b, 't'); }

typedef struct pk_tensor {
    const char *name, *stype, *key;
    long long numel, offset;
    int nd;
    long long size[4], stride[4];
} pk_tensor;

/* OrderedDict{name: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} as torch writes it */
static void pk_state_dict(buf *b, const pk_tensor *t, int n) {
    int i;
    b_u8(b, 0x80); b_u8(b, 2);
    pk_global(b, "collections", "OrderedDict"); b_u8(b, ')'); b_u8(b, 'R');
    b_u8(b, '(');
    for (i = 0; i < n; i++) {
        pk_str(b, t[i].name);
        pk_global(b, "torch._utils", "_rebuild_tensor_v2");
        b_u8(b, '(');
        b_u8(b, '('); pk_str(b, "storage"); pk_global(b, "torch", t[i].stype); pk_str(b, t[i].key); pk_str(b, "cpu"); pk_int(b, t[i].numel); b_u8(b, 't');
        b_u8(b, 'Q');
        pk_int(b, t[i].offset);
        pk_tuple(b, t[i].size, t[i].nd);
        pk_tuple(b, t[i].stride, t[i].nd);
        b_u8(b, 0x89);
        pk_global(b, "collections", "OrderedDict"); b_u8(b, ')'); b_u8(b, 'R');
        b_u8(b, 't');
        b_u8(b, 'R');
    }
    b_u8(b, 'u');
    b_u8(b, '.');
}

static const char *cfg_text = "{\"d_model\": 8, \"n_layer\": 1, \"vocab_size\": 4}";

/* An archive "a/data.pkl" = pkl, "a/data/0" = 64 bytes, "a/version"; loaded from memory. */
static mamba_status load_pickle(const buf *pkl, mamba_error *err) {
    static unsigned char store[64];
    zin e[3];
    size_t n;
    unsigned char *z;
    mamba_model *m = NULL;
    mamba_status st;
    e[0].name = "a/data.pkl"; e[0].data = pkl->p; e[0].n = pkl->n;
    e[1].name = "a/data/0"; e[1].data = store; e[1].n = sizeof store;
    e[2].name = "a/version"; e[2].data = "3\n"; e[2].n = 2;
    z = zip_make(e, 3, 0, &n);
    st = mamba_model_load_memory(&m, z, n, cfg_text, strlen(cfg_text), NULL, err);
    mamba_model_free(m);
    free(z);
    return st;
}

static mamba_status load_tensor(const pk_tensor *t, mamba_error *err) {
    buf b = {0, 0, 0};
    mamba_status st;
    pk_state_dict(&b, t, 1);
    st = load_pickle(&b, err);
    free(b.p);
    return st;
}

/* the reader got through: the binder misses the model's tensors */
#define READ_OK MAMBA_ERR_MISSING, &err, "backbone.embeddings"

static void hostile_pickles(void) {
    mamba_error err;
    pk_tensor t = {"w", "FloatStorage", "0", 16, 0, 2, {4, 4}, {4, 1}};
    buf b = {0, 0, 0};
    static const char *const bad_globals[][2] = {{"os", "system"}, {"builtins", "eval"}, {"builtins", "exec"}, {"posix", "system"},
                                                 {"subprocess", "Popen"}, {"__builtin__", "getattr"}, {"torch", "load"},
                                                 {"torch._utils", "_rebuild_tensor"}, {"torch.serialization", "_load"}, {"numpy.core.multiarray", "_reconstruct"}};
    int i;
    expect("crafted state dict", load_tensor(&t, &err), READ_OK);
    t.stride[0] = 1; t.stride[1] = 4;   /* column-major: gathered */
    expect("strided tensor", load_tensor(&t, &err), READ_OK);
    t.stride[0] = 4; t.stride[1] = 1;
    t.size[0] = 5;
    expect("tensor extent past its storage", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "reaches element 19 of a storage of 16");
    t.size[0] = 4; t.offset = 1;
    expect("storage offset pushes it past", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "reaches element 16");
    t.offset = 0; t.stride[0] = 5;
    expect("stride pushes it past", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "reaches element");
    t.stride[0] = 4; t.numel = 17;
    expect("storage bigger than its entry", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "needs 68 bytes, its entry holds 64");
    t.numel = 1LL << 60;
    expect("absurd storage size", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "absurd element count");
    t.numel = 16; t.size[0] = 1LL << 41;
    expect("absurd tensor size", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "absurd size");
    t.size[0] = 1LL << 40; t.size[1] = 1LL << 40;
    expect("size product overflows", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "overflows");
    t.size[0] = 4; t.size[1] = 4; t.stride[0] = -4;
    expect("negative stride", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "stride");
    t.stride[0] = 4; t.offset = -1;
    expect("negative offset", load_tensor(&t, &err), MAMBA_ERR_FORMAT, &err, "storage offset");
    t.offset = 0; t.key = "7";
    expect("storage key missing", load_tensor(&t, &err), MAMBA_ERR_MISSING, &err, "storage 7 has no data/ entry");
    t.key = "0"; t.stype = "LongStorage"; t.numel = 8; t.size[0] = 2;
    expect("int64 tensor (read, refused when bound)", load_tensor(&t, &err), READ_OK);
    t.stype = "FloatStorage"; t.numel = 16; t.size[0] = 4;
    t.nd = 0;
    expect("a scalar", load_tensor(&t, &err), READ_OK);
    t.nd = 2;
    t.size[0] = 0;
    expect("an empty tensor", load_tensor(&t, &err), READ_OK);
    t.size[0] = 4;

    /* forbidden globals, named in the message; nothing runs */
    remove("build/tmp/pwned");
    for (i = 0; i < (int)(sizeof bad_globals / sizeof bad_globals[0]); i++) {
        char what[128], name[96];
        b.n = 0;
        b_u8(&b, 0x80); b_u8(&b, 2);
        pk_global(&b, bad_globals[i][0], bad_globals[i][1]);
        pk_str(&b, "touch build/tmp/pwned"); b_u8(&b, 0x85); b_u8(&b, 'R'); b_u8(&b, '.');
        sprintf(what, "forbidden global %s.%s", bad_globals[i][0], bad_globals[i][1]);
        sprintf(name, "global %s.%s,", bad_globals[i][0], bad_globals[i][1]);
        expect(what, load_pickle(&b, &err), MAMBA_ERR_UNSUPPORTED, &err, name);
    }
    b.n = 0;   /* the protocol-4 form: STACK_GLOBAL */
    b_u8(&b, 0x80); b_u8(&b, 4); b_u8(&b, 0x8c); b_u8(&b, 2); b_put(&b, "os", 2); b_u8(&b, 0x8c); b_u8(&b, 6); b_put(&b, "system", 6);
    b_u8(&b, 0x93); pk_str(&b, "touch build/tmp/pwned"); b_u8(&b, 0x85); b_u8(&b, 'R'); b_u8(&b, '.');
    expect("forbidden STACK_GLOBAL os.system", load_pickle(&b, &err), MAMBA_ERR_UNSUPPORTED, &err, "global os.system,");
    CHECK(!file_exists("build/tmp/pwned"), "a pickle ran a command");

    /* opcodes a state dict never holds */
    {
        static const unsigned char ops[] = {'i', 'o', 0x81, 0x92, 'P', 0x82, 'S', 'I', 'L', 'F', 'V', 'g', 'p'};
        for (i = 0; i < (int)sizeof ops; i++) {
            char what[64];
            b.n = 0;
            b_u8(&b, 0x80); b_u8(&b, 2); b_u8(&b, ops[i]); b_put(&b, "0\n0\n", 4); b_u8(&b, '.');
            sprintf(what, "opcode 0x%02x", ops[i]);
            expect(what, load_pickle(&b, &err), MAMBA_ERR_UNSUPPORTED, &err, "is not part of a torch.save state dict");
        }
    }
#define RAW(what, bytes, st, needle) do { b.n = 0; b_put(&b, bytes, sizeof(bytes) - 1); expect(what, load_pickle(&b, &err), st, &err, needle); } while (0)
    RAW("empty pickle", "", MAMBA_ERR_FORMAT, "without STOP");
    RAW("no STOP", "\x80\x02}", MAMBA_ERR_FORMAT, "without STOP");
    RAW("stack underflow", "\x80\x02R.", MAMBA_ERR_FORMAT, "underflow");
    RAW("two values at STOP", "\x80\x02}}.", MAMBA_ERR_FORMAT, "2 values");
    RAW("BINGET of nothing", "\x80\x02h\x05.", MAMBA_ERR_FORMAT, "never stored");
    RAW("LONG_BINPUT far ahead", "\x80\x02}r\x40\x42\x0f\x00.", MAMBA_ERR_FORMAT, "skips ahead");
    RAW("BINPUT on an empty stack", "\x80\x02q\x00.", MAMBA_ERR_FORMAT, "empty stack");
    RAW("LONG1 of 9 bytes", "\x80\x02\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.", MAMBA_ERR_RANGE, "9 bytes");
    RAW("string past the end", "\x80\x02X\xf0\xff\xff\xff" "abc.", MAMBA_ERR_FORMAT, "runs past the end");
    RAW("truncated BININT", "\x80\x02J\x01\x02", MAMBA_ERR_FORMAT, "truncated");
    RAW("unterminated GLOBAL", "\x80\x02" "ccollections\nOrderedDict", MAMBA_ERR_FORMAT, "unterminated");
    RAW("protocol 9", "\x80\x09}.", MAMBA_ERR_UNSUPPORTED, "protocol 9");
    RAW("a list, not a dict", "\x80\x02].", MAMBA_ERR_FORMAT, "no state dict");
    RAW("non-tensor value", "\x80\x02}(X\x05\x00\x00\x00model}u.", MAMBA_ERR_FORMAT, "entry model is not a tensor");
    RAW("non-string key", "\x80\x02}(K\x01}u.", MAMBA_ERR_FORMAT, "not a tensor name");
    RAW("SETITEMS odd", "\x80\x02}(K\x01u.", MAMBA_ERR_FORMAT, "wrong kind");
    RAW("SETITEMS on a list", "\x80\x02](K\x01K\x02u.", MAMBA_ERR_FORMAT, "wrong kind");
    RAW("TUPLE without MARK", "\x80\x02K\x01t.", MAMBA_ERR_FORMAT, "without its MARK");
    RAW("TUPLE2 over a MARK", "\x80\x02(K\x01\x86.", MAMBA_ERR_FORMAT, "MARK inside");
    RAW("OrderedDict with arguments", "\x80\x02" "ccollections\nOrderedDict\n(K\x01tR.", MAMBA_ERR_FORMAT, "from arguments");
    RAW("calling a storage class", "\x80\x02" "ctorch\nFloatStorage\n)R.", MAMBA_ERR_FORMAT, "not a state-dict constructor");
    RAW("calling a string", "\x80\x02X\x01\x00\x00\x00x)R.", MAMBA_ERR_FORMAT, "not a state-dict constructor");
    RAW("rebuild with wrong arguments", "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n(K\x01tR.", MAMBA_ERR_FORMAT, "arguments torch never writes");
    RAW("persistent id not a tuple", "\x80\x02K\x01Q.", MAMBA_ERR_FORMAT, "persistent id");
    RAW("persistent id, wrong type", "\x80\x02(X\x07\x00\x00\x00storageK\x01X\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x04tQ.", MAMBA_ERR_FORMAT, "not a torch storage class");
    RAW("BUILD on an int", "\x80\x02K\x01}b.", MAMBA_ERR_FORMAT, "BUILD");
    {   /* deep nesting of MARKs and a long flat run of values: bounded, clean */
        b.n = 0;
        b_u8(&b, 0x80); b_u8(&b, 2);
        for (i = 0; i < 200000; i++) b_u8(&b, '(');
        b_u8(&b, '.');
        expect("200000 MARKs", load_pickle(&b, &err), MAMBA_ERR_FORMAT, &err, "values on its stack");
        b.n = 0;
        b_u8(&b, 0x80); b_u8(&b, 2); b_u8(&b, '}'); b_u8(&b, 'q'); b_u8(&b, 0);
        for (i = 0; i < 200000; i++) { b_u8(&b, 'h'); b_u8(&b, 0); }
        b_u8(&b, '.');
        expect("200000 BINGETs", load_pickle(&b, &err), MAMBA_ERR_FORMAT, &err, "values on its stack");
    }
#undef RAW
    free(b.p);
}

static void hostile_zips(const char *bin_path) {
    mamba_error err;
    size_t wn, n, i;
    unsigned char *w = read_all(bin_path, &wn), *z;
    char cfgp[300];
    size_t cn;
    unsigned char *cfg;
    mamba_model *m = NULL;
    int fails = 0, tries = 0;
    char *slash;
    strcpy(cfgp, bin_path);
    slash = strrchr(cfgp, '/');
    strcpy(slash + 1, "config.json");
    cfg = read_all(cfgp, &cn);
    CHECK(w && cfg, "%s", bin_path);
    if (!w || !cfg) { free(w); free(cfg); return; }
#define LOADZ(bytes, len) mamba_model_load_memory(&m, (bytes), (len), (const char *)cfg, cn, NULL, &err)
    /* zip64 as torch writes it for files over 4 GB: same model */
    z = zip_rewrite(w, wn, 1, &n);
    CHECK(z && LOADZ(z, n) == MAMBA_OK, "zip64 archive: %s", err.message);
    mamba_model_free(m); m = NULL;
    free(z);
    z = zip_rewrite(w, wn, 0, &n);
    CHECK(z && LOADZ(z, n) == MAMBA_OK, "re-written archive: %s", err.message);
    mamba_model_free(m); m = NULL;
    free(z);
    /* truncated anywhere: a clean error */
    for (i = 0; i < wn; i += (i < 200 || wn - i < 400) ? 1 : (quick ? 997 : 61)) {
        mamba_status st = LOADZ(w, i);
        tries++;
        if (st == MAMBA_OK) fails++;
        mamba_model_free(m); m = NULL;
    }
    CHECK(fails == 0, "%d of %d truncations loaded", fails, tries);
    printf("  %d truncations of %s: every one refused\n", tries, bin_path);
    expect("truncated zip", LOADZ(w, wn - 10), MAMBA_ERR_FORMAT, &err, "end-of-central-directory");
    {   /* the central directory, damaged: torch 1.13 always ends with a zip64
           end record + locator (whose numbers the reader uses); the classic
           end record is checked on the same entries re-written without them */
        unsigned char *c = (unsigned char *)malloc(wn), *w2;
        size_t eocd = wn - 22, cdo, cdn, z64, n2, e2;
        uint32_t flip;
        CHECK(mamba__le32(w + eocd) == 0x06054b50 && mamba__le32(w + eocd - 20) == 0x07064b50, "torch writes a zip64 locator and no comment");
        z64 = (size_t)mamba__le64(w + eocd - 20 + 8);
        CHECK(mamba__le32(w + z64) == 0x06064b50, "zip64 end record");
        cdo = (size_t)mamba__le64(w + z64 + 48); cdn = (size_t)mamba__le64(w + z64 + 40);
#define EDIT(what, code, st, needle) do { memcpy(c, w, wn); code; expect(what, LOADZ(c, wn), st, &err, needle); mamba_model_free(m); m = NULL; } while (0)
        EDIT("central directory signature", c[cdo] ^= 1, MAMBA_ERR_FORMAT, "is damaged");
        EDIT("zip64: directory offset past the end", c[z64 + 48 + 5] = 1, MAMBA_ERR_FORMAT, "outside the file");
        EDIT("zip64: directory size past the end", c[z64 + 40 + 4] = 1, MAMBA_ERR_FORMAT, "outside the file");
        EDIT("zip64: directory runs into the zip64 record", c[z64 + 40] += 1, MAMBA_ERR_FORMAT, "outside the file");
        EDIT("zip64: absurd entry count", c[z64 + 32 + 7] = 0x7f, MAMBA_ERR_LIMIT, "max_tensors");
        EDIT("zip64: entry count too large for the directory", c[z64 + 32 + 1] = 0x40, MAMBA_ERR_FORMAT, "too small for");
        EDIT("zip64: entry count one more", c[z64 + 32] += 1, MAMBA_ERR_FORMAT, "damaged");
        EDIT("zip64: locator offset wrong", c[eocd - 20 + 8] ^= 8, MAMBA_ERR_FORMAT, "zip64 end record offset");
        EDIT("zip64: locator offset past the end", c[eocd - 20 + 8 + 6] = 1, MAMBA_ERR_FORMAT, "zip64 end record offset");
        EDIT("zip64: multi-disk", c[z64 + 16] = 1, MAMBA_ERR_UNSUPPORTED, "multi-disk");
        EDIT("compressed entry", c[cdo + 10] = 8, MAMBA_ERR_UNSUPPORTED, "is compressed (method 8)");
        EDIT("encrypted entry", c[cdo + 8] |= 1, MAMBA_ERR_UNSUPPORTED, "encrypted");
        EDIT("packed size differs", c[cdo + 20] ^= 1, MAMBA_ERR_FORMAT, "different packed");
        EDIT("local header offset wrong", c[cdo + 42] ^= 4, MAMBA_ERR_FORMAT, "local header");
        EDIT("local header name differs", c[30 + 1] ^= 1, MAMBA_ERR_FORMAT, "local header");
        EDIT("entry runs into the directory", (c[cdo + 24] = 0xff, c[cdo + 25] = 0xff, c[cdo + 26] = 0xff, c[cdo + 20] = 0xff, c[cdo + 21] = 0xff, c[cdo + 22] = 0xff), MAMBA_ERR_FORMAT, "run past");
        EDIT("saturated size without a zip64 extra", (memset(c + cdo + 20, 0xff, 8)), MAMBA_ERR_FORMAT, "lacks its zip64 sizes");
        w2 = zip_rewrite(w, wn, 0, &n2);
        e2 = n2 - 22;
        CHECK(w2 && mamba__le32(w2 + e2) == 0x06054b50 && mamba__le32(w2 + e2 - 20) != 0x07064b50, "classic end record");
        c = (unsigned char *)realloc(c, n2 > wn ? n2 : wn);
#define EDIT2(what, code, st, needle) do { memcpy(c, w2, n2); code; expect(what, LOADZ(c, n2), st, &err, needle); mamba_model_free(m); m = NULL; } while (0)
        EDIT2("directory offset past the end", c[e2 + 19] = 0x7f, MAMBA_ERR_FORMAT, "outside the file");
        EDIT2("directory size past the end", c[e2 + 15] = 0x7f, MAMBA_ERR_FORMAT, "outside the file");
        EDIT2("entry count too large for the directory", (c[e2 + 10] = 0xfe, c[e2 + 8] = 0xfe), MAMBA_ERR_FORMAT, "too small for");
        EDIT2("entry count one more", (c[e2 + 10]++, c[e2 + 8]++), MAMBA_ERR_FORMAT, "damaged");
        EDIT2("zip64 asked for, no locator", memset(c + e2 + 16, 0xff, 4), MAMBA_ERR_FORMAT, "no zip64 locator");
        EDIT2("zero entries", (c[e2 + 10] = 0, c[e2 + 8] = 0, c[e2 + 9] = 0, c[e2 + 11] = 0), MAMBA_ERR_FORMAT, "empty zip");
        EDIT2("multi-disk", c[e2 + 4] = 1, MAMBA_ERR_UNSUPPORTED, "multi-disk");
        EDIT2("comment length wrong", c[e2 + 20] = 5, MAMBA_ERR_FORMAT, "end-of-central-directory");
        free(w2);
#undef EDIT2
        {   /* rename the first storage entry (".../data/0" -> ".../data/Q") in both headers */
            size_t p = cdo, q;
            memcpy(c, w, wn);
            for (q = 0; q + 7 < wn; q++) if (!memcmp(c + q, "/data/0", 7) && (c[q + 7] < '0' || c[q + 7] > '9')) c[q + 6] = 'Q';
            (void)p;
            expect("missing storage key", LOADZ(c, wn), MAMBA_ERR_MISSING, &err, "storage 0 has no data/ entry");
            mamba_model_free(m); m = NULL;
        }
        /* every byte of the directory and the pickle flipped, one at a time: never a crash */
        tries = 0;
        for (i = cdo; i < cdo + cdn; i += quick ? 7 : 1) {
            memcpy(c, w, wn);
            c[i] ^= (unsigned char)(0x5a + i);
            (void)LOADZ(c, wn);
            mamba_model_free(m); m = NULL;
            tries++;
        }
        for (i = 0; i < 1500 && i < cdo; i += quick ? 11 : 1) {
            memcpy(c, w, wn);
            flip = (uint32_t)(i * 2654435761u);
            c[i] ^= (unsigned char)(flip >> 24 | 1);
            (void)LOADZ(c, wn);
            mamba_model_free(m); m = NULL;
            tries++;
        }
        printf("  %d single-byte corruptions of the central directory and the pickle: no crash\n", tries);
        CHECK(1, "corruptions survived");
#undef EDIT
        free(c);
    }
    {   /* archive-level oddities built from scratch */
        buf pkl = {0, 0, 0};
        pk_tensor t = {"w", "FloatStorage", "0", 16, 0, 2, {4, 4}, {4, 1}};
        static unsigned char store[64];
        zin e[4];
        mamba_options o;
        pk_tensor t2[2];
        t2[0] = t; t2[1] = t; t2[1].name = "v";
        pk_state_dict(&pkl, t2, 2);
        e[0].name = "a/data.pkl"; e[0].data = pkl.p; e[0].n = pkl.n;
        e[1].name = "a/data/0"; e[1].data = store; e[1].n = 64;
        e[2].name = "a/byteorder"; e[2].data = "big"; e[2].n = 3;
        e[3].name = "b/data.pkl"; e[3].data = pkl.p; e[3].n = pkl.n;
#define ZIPCASE(what, ne, st, needle) do { z = zip_make(e, ne, 0, &n); expect(what, mamba_model_load_memory(&m, z, n, cfg_text, strlen(cfg_text), NULL, &err), st, &err, needle); mamba_model_free(m); m = NULL; free(z); } while (0)
        ZIPCASE("big-endian byteorder record", 3, MAMBA_ERR_UNSUPPORTED, "byteorder");
        e[2].data = "little"; e[2].n = 6;
        ZIPCASE("little-endian byteorder record", 3, MAMBA_ERR_MISSING, "backbone.embeddings");
        ZIPCASE("two data.pkl", 4, MAMBA_ERR_FORMAT, "more than one data.pkl");
        e[3].name = "a/data/0";
        ZIPCASE("an entry twice", 4, MAMBA_ERR_FORMAT, "appears twice");
        e[0].name = "a/other.pkl";
        ZIPCASE("no data.pkl", 2, MAMBA_ERR_FORMAT, "without <name>/data.pkl");
        e[0].name = "a/data.pkl";
        memset(&o, 0, sizeof o);
        o.max_tensors = 1;
        z = zip_make(e, 3, 0, &n);
        expect("tensors over max_tensors", mamba_model_load_memory(&m, z, n, cfg_text, strlen(cfg_text), &o, &err), MAMBA_ERR_LIMIT, &err, "max_tensors");
        mamba_model_free(m); m = NULL;
        o.max_tensors = 0;
        o.max_json_bytes = 100;
        expect("data.pkl over max_json_bytes", mamba_model_load_memory(&m, z, n, cfg_text, strlen(cfg_text), &o, &err), MAMBA_ERR_LIMIT, &err, "max_json_bytes");
        mamba_model_free(m); m = NULL;
        free(z);
        free(pkl.p);
#undef ZIPCASE
    }
    {   /* the real file under small caps: LIMIT, not a crash */
        mamba_options o;
        memset(&o, 0, sizeof o);
        o.max_tensors = 3;
        expect("real file, max_tensors 3", mamba_model_load_memory(&m, w, wn, (const char *)cfg, cn, &o, &err), MAMBA_ERR_LIMIT, &err, "max_tensors");
        mamba_model_free(m); m = NULL;
        o.max_tensors = 0;
        o.max_alloc_bytes = 2000;
        expect("real file, max_alloc_bytes 2000", mamba_model_load_memory(&m, w, wn, (const char *)cfg, cn, &o, &err), MAMBA_ERR_LIMIT, &err, "max_alloc_bytes");
        mamba_model_free(m); m = NULL;
    }
#undef LOADZ
    free(w);
    free(cfg);
}

/* ---- files: legacy torch, a .bin next to its config, state-spaces dirs ---- */

static void torch_files(void) {
    mamba_model *m = NULL;
    mamba_error err;
    static const unsigned char legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
    const char *cfg = "{\"d_model\": 8, \"n_layer\": 1, \"vocab_size\": 4}";
    (void)!system("mkdir -p build/tmp/pt-legacy build/tmp/pt-empty build/tmp/pt-index");
    write_file("build/tmp/pt-legacy/config.json", cfg, strlen(cfg));
    write_file("build/tmp/pt-legacy/pytorch_model.bin", legacy, sizeof legacy);
    expect("legacy torch.save file", mamba_model_load_file(&m, "build/tmp/pt-legacy", NULL, &err), MAMBA_ERR_UNSUPPORTED, &err, "re-save it with a current torch");
    expect("legacy, as a .bin path", mamba_model_load_file(&m, "build/tmp/pt-legacy/pytorch_model.bin", NULL, &err), MAMBA_ERR_UNSUPPORTED, &err, "legacy");
    write_file("build/tmp/pt-legacy/pytorch_model.bin", "hello", 5);
    expect("not a zip", mamba_model_load_file(&m, "build/tmp/pt-legacy", NULL, &err), MAMBA_ERR_FORMAT, &err, "not a torch.save zip");
    write_file("build/tmp/pt-empty/config.json", cfg, strlen(cfg));
    expect("no weights at all", mamba_model_load_file(&m, "build/tmp/pt-empty", NULL, &err), MAMBA_ERR_IO, &err, "model.safetensors");
    write_file("build/tmp/pt-index/config.json", cfg, strlen(cfg));
    write_file("build/tmp/pt-index/pytorch_model.bin.index.json", "{\"weight_map\": {\"a\": \"../../etc/passwd\"}}", 42);
    expect("index escaping the directory", mamba_model_load_file(&m, "build/tmp/pt-index", NULL, &err), MAMBA_ERR_FORMAT, &err, "invalid shard file name");
    write_file("build/tmp/pt-index/pytorch_model.bin.index.json", "{\"weight_map\": {\"a\": \"pytorch_model-1.bin\"}}", 44);
    expect("index naming a missing shard", mamba_model_load_file(&m, "build/tmp/pt-index", NULL, &err), MAMBA_ERR_IO, &err, "pytorch_model-1.bin");
    CHECK(m == NULL, "failed loads leave nothing");
}

/* ---- Mistral's layout ------------------------------------------------------ */

static void mistral_pair(const char *root, int real_dims) {
    char hf[256], mi[256];
    mamba_model *a = NULL, *b = NULL;
    mamba_error err;
    sprintf(hf, "%s/hf", root);
    sprintf(mi, "%s/mistral", root);
    CHECK(mamba_model_load_file(&a, hf, NULL, &err) == MAMBA_OK, "%s: %s (make test writes it with tests/ref/make_codestral_shape.py)", hf, err.message);
    CHECK(mamba_model_load_file(&b, mi, NULL, &err) == MAMBA_OK, "%s: %s", mi, err.message);
    if (a && b) {
        const mamba_config *ca = mamba_model_config(a), *cb = mamba_model_config(b);
        int V = ca->vocab_size, tok[6], T = 6, i;
        float *la, *lb;
        CHECK(same_config(ca, cb), "%s: the two layouts give different configs", root);
        CHECK(ca->arch == MAMBA_ARCH_MAMBA2 && ca->n_groups == 8 && ca->head_dim == 64 && ca->d_state == 128 && ca->d_conv == 4 &&
              ca->norm_before_gate == 0 && ca->gated_norm == 1 && !ca->tied_embeddings && !cb->tied_embeddings,
              "%s: not Codestral's block (groups %d, head_dim %d, state %d, norm_before_gate %d)", root, ca->n_groups, ca->head_dim, ca->d_state, ca->norm_before_gate);
        if (real_dims)
            CHECK(ca->d_model == 4096 && ca->d_inner == 8192 && ca->n_heads == 128 && ca->vocab_size == 32768 && ca->conv_dim == 10240 &&
                  ca->d_in_proj == 18560 && ca->n_layer == 2, "%s: not Codestral's dimensions", root);
        tok[0] = 1; tok[1] = V - 1; tok[2] = 0; tok[3] = V / 2; tok[4] = V - 1; tok[5] = 7;
        la = run(a, tok, T);
        lb = run(b, tok, T);
        CHECK(la && lb && !memcmp(la, lb, sizeof(float) * (size_t)V * (size_t)T), "%s: the HF and Mistral layouts give different logits", root);
        for (i = 0; la && i < V * T; i++) if (!(la[i] - la[i] == 0)) break;
        CHECK(la && i == V * T, "%s: non-finite logits", root);
        printf("  %-24s HF layout = Mistral layout, %d tokens x %d logits bit for bit (d_model %d, %d groups)\n", root, T, V, ca->d_model, ca->n_groups);
        free(la); free(lb);
    }
    mamba_model_free(a);
    mamba_model_free(b);
}

static void mistral_bad(void) {
    mamba_model *m = NULL;
    mamba_error err;
    const char *d = "build/tmp/mistral-bad";
    (void)!system("mkdir -p build/tmp/mistral-bad && rm -f build/tmp/mistral-bad/*");
#define PARAMS(text, st, needle) do { write_file("build/tmp/mistral-bad/params.json", text, strlen(text)); \
        expect("params.json " text, mamba_model_load_file(&m, d, NULL, &err), st, &err, needle); } while (0)
    PARAMS("{\"dim\": 4096, \"n_layers\": 32, \"head_dim\": 128, \"hidden_dim\": 14336, \"n_heads\": 32, \"n_kv_heads\": 8, \"norm_eps\": 1e-05, \"vocab_size\": 32768}",
           MAMBA_ERR_UNSUPPORTED, "does not describe a Mamba model");
    PARAMS("{\"dim\": 64, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 1, \"model_type\": \"transformer\"}", MAMBA_ERR_UNSUPPORTED, "does not describe a Mamba model");
    PARAMS("{\"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 1}", MAMBA_ERR_CONFIG, "dim is missing");
    PARAMS("{\"dim\": 99999999999, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 1}", MAMBA_ERR_CONFIG, "dim is missing or out of range");
    PARAMS("{\"dim\": 64, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": \"8\"}", MAMBA_ERR_CONFIG, "n_groups");
    PARAMS("[1, 2]", MAMBA_ERR_CONFIG, "not a JSON object");
    PARAMS("{\"dim\": 64,", MAMBA_ERR_FORMAT, "params.json");
    PARAMS("{\"dim\": 64, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 1}", MAMBA_ERR_IO, "consolidated.safetensors");
    write_file("build/tmp/mistral-bad/consolidated.safetensors", "\x08\0\0\0\0\0\0\0{}      ", 16);
    PARAMS("{\"dim\": 64, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 1}", MAMBA_ERR_MISSING, "embedding");
    PARAMS("{\"dim\": 64, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 3}", MAMBA_ERR_CONFIG, "multiple of n_groups");
    PARAMS("{\"dim\": 64, \"n_layers\": 2, \"vocab_size\": 10, \"n_groups\": 1, \"pad_vocab_size_multiple\": 100000}", MAMBA_ERR_CONFIG, "pad_vocab_size_multiple");
#undef PARAMS
    CHECK(m == NULL, "failed loads leave nothing");
}

/* mamba-quantize (the tool, as a user runs it) from a torch.save directory
   and from Mistral's layout: F32 gives the source's logits bit for bit. */
static void quantize_from(const char *dir, const char *out, int tied) {
    char cmd[600];
    mamba_model *a = NULL, *b = NULL;
    mamba_error err;
    int tok[5] = {0, 3, 1, 2, 3}, rc;
    if (!file_exists("build/mamba-quantize")) { CHECK(0, "build/mamba-quantize is not built (make test builds it)"); return; }
    sprintf(cmd, "build/mamba-quantize %s %s F32 > build/tmp/formats-quantize.out 2>&1", dir, out);
    rc = system(cmd);
    CHECK(rc == 0, "%s: exit status %d", cmd, rc);
    CHECK(mamba_model_load_file(&a, dir, NULL, &err) == MAMBA_OK, "%s: %s", dir, err.message);
    CHECK(mamba_model_load_file(&b, out, NULL, &err) == MAMBA_OK, "%s: %s", out, err.message);
    if (a && b) {   /* the GGUF's vocabulary is the padded embedding's rows (as llama.cpp's converter): compare the first V */
        size_t V = (size_t)mamba_model_config(a)->vocab_size, VB = (size_t)mamba_model_config(b)->vocab_size, r;
        float *la = run(a, tok, 5), *lb = run(b, tok, 5);
        int same = la && lb && VB >= V;
        for (r = 0; same && r < 5; r++) same = !memcmp(la + r * V, lb + r * VB, sizeof(float) * V);
        CHECK(same, "%s: the F32 GGUF's logits differ from %s's", out, dir);
        CHECK(mamba_model_config(b)->tied_embeddings == tied, "%s: tied %d, want %d", out, mamba_model_config(b)->tied_embeddings, tied);
        if (same) printf("  mamba-quantize %s -> %s F32: the same logits (vocab %zu of %zu), tied %d\n", dir, out, V, VB, tied);
        free(la); free(lb);
    }
    mamba_model_free(a);
    mamba_model_free(b);
}

int main(int argc, char **argv) {
    (void)argc; (void)argv;
    quick = getenv("MAMBA_TEST_QUICK") != NULL;
    (void)!system("mkdir -p build/tmp");
    printf("torch.save checkpoints (tests/data/pt-*) against their safetensors twins:\n");
    torch_twin("pt-m1-tied-f32", "m1-odd-f32", 1);
    torch_twin("pt-m1-f16-untied", "m1-f16-untied-bias", 0);
    torch_twin("pt-m2-f32-tied", "m2-g1-tied", 1);
    torch_twin("pt-m2-f16-untied", "m2-g2-untied", 0);
    torch_twin("pt-m1-bf16-sharded", "m1-bf16-sharded", 1);
    printf("hostile archives:\n");
    hostile_zips("tests/data/pt-m1-tied-f32/pytorch_model.bin");
    hostile_pickles();
    torch_files();
    printf("Mistral's layout (params.json + consolidated.safetensors):\n");
    mistral_pair("build/tmp/codestral-small", 0);
    if (!quick) mistral_pair("build/tmp/codestral", 1);
    else printf("  build/tmp/codestral (1 GB) left out (MAMBA_TEST_QUICK)\n");
    mistral_bad();
    printf("mamba-quantize from these layouts:\n");
    quantize_from("tests/data/pt-m1-tied-f32", "build/tmp/formats-pt.gguf", 1);
    quantize_from("tests/data/pt-m1-bf16-sharded", "build/tmp/formats-pt-sharded.gguf", 1);
    quantize_from("build/tmp/codestral-small/mistral", "build/tmp/formats-mistral.gguf", 0);
    return test_summary();
}
