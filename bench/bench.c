/* mamba-bench: speed of the forward paths on random-weight models of real shapes.

   build/mamba-bench [--model 130m|370m|1.4b] [--dtype f32|bf16|f16] [--decode N] [--prompt N]

   Builds the model in memory as a safetensors blob (nothing is written to disk),
   loads it with mamba_load_memory, and reports decode tok/s (mamba_step), prefill
   tok/s (mamba_forward over a prompt), the bytes of weights read per decoded token,
   and the machine's read bandwidth measured in the same run, so that the decode
   figure can be read as a fraction of what memory allows. Noisy machines: compare
   the ratios, not the absolute numbers. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 88172645463325252ull;
static float frand(void) {   /* uniform in [-1, 1) */
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)(rng >> 40) / 8388608.0f - 1.0f;
}

typedef struct { const char *name; long long shape[3]; int nd; float scale, offset; int keep_f32; } tdesc;

/* Writes a safetensors blob with the given tensors in `dtype`. */
static unsigned char *build_blob(tdesc *t, int n, const char *dtype, size_t *out_n) {
    size_t esz = strcmp(dtype, "F32") ? 2 : 4, off = 0, hl, total, i;
    char *hdr = (char *)malloc(1 << 20);
    unsigned char *blob, *p;
    int k, q;
    hl = (size_t)sprintf(hdr, "{");
    for (k = 0; k < n; k++) {
        size_t numel = 1, sz;
        const char *dt = t[k].keep_f32 ? "F32" : dtype;
        for (q = 0; q < t[k].nd; q++) numel *= (size_t)t[k].shape[q];
        sz = numel * (t[k].keep_f32 ? 4 : esz);
        hl += (size_t)sprintf(hdr + hl, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", k ? "," : "", t[k].name, dt);
        for (q = 0; q < t[k].nd; q++) hl += (size_t)sprintf(hdr + hl, q ? ",%lld" : "%lld", t[k].shape[q]);
        hl += (size_t)sprintf(hdr + hl, "],\"data_offsets\":[%zu,%zu]}", off, off + sz);
        off += sz;
    }
    hl += (size_t)sprintf(hdr + hl, "}");
    while (hl % 8) hdr[hl++] = ' ';
    total = 8 + hl + off;
    blob = (unsigned char *)malloc(total);
    for (k = 0; k < 8; k++) blob[k] = (unsigned char)((uint64_t)hl >> (8 * k));
    memcpy(blob + 8, hdr, hl);
    p = blob + 8 + hl;
    for (k = 0; k < n; k++) {
        size_t numel = 1;
        for (q = 0; q < t[k].nd; q++) numel *= (size_t)t[k].shape[q];
        for (i = 0; i < numel; i++) {
            float v = t[k].offset + t[k].scale * frand();
            if (t[k].keep_f32 || esz == 4) { memcpy(p, &v, 4); p += 4; }
            else {
                uint32_t u; uint16_t h;
                memcpy(&u, &v, 4);
                if (!strcmp(dtype, "BF16")) h = (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
                else {  /* f16, values here are small and normal: round to nearest */
                    int e = (int)((u >> 23) & 0xff) - 127 + 15;
                    uint32_t mant = (u & 0x7fffff) + 0x1000;
                    if (mant & 0x800000) { mant = 0; e++; }
                    h = (uint16_t)((u >> 16) & 0x8000);
                    if (e > 0) h = (uint16_t)(h | (uint16_t)(e << 10) | (uint16_t)(mant >> 13));
                }
                memcpy(p, &h, 2); p += 2;
            }
        }
    }
    free(hdr);
    *out_n = total;
    return blob;
}

/* Read bandwidth: sum 1 GiB as 64-bit integers (integer adds are associative,
   so the compiler vectorises them and the loop is bound by memory), best of 5. */
static double read_bandwidth(void) {
    size_t n = (size_t)128 << 20, i;
    uint64_t *buf = (uint64_t *)malloc(n * sizeof(uint64_t));
    double best = 0;
    int r;
    volatile uint64_t sink;
    for (i = 0; i < n; i++) buf[i] = i;
    for (r = 0; r < 5; r++) {
        uint64_t acc = 0;
        double t0 = now_s(), dt;
        for (i = 0; i < n; i++) acc += buf[i];
        dt = now_s() - t0;
        sink = acc;
        (void)sink;
        if (n * sizeof(uint64_t) / dt > best) best = n * sizeof(uint64_t) / dt;
    }
    free(buf);
    return best;
}

int main(int argc, char **argv) {
    const char *model = "130m", *dtype = "F32";
    int n_decode = 16, n_prompt = 512, i, D = 768, L = 24, V = 50280, E, N = 16, K = 4, R, nt = 0;
    char cfg[1024], (*names)[96];
    tdesc *t;
    unsigned char *blob;
    size_t blob_n;
    mamba_model *m;
    mamba_state *s;
    mamba_error err;
    float *logits;
    int *prompt;
    double t0, dec, pre, bw;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--dtype") && i + 1 < argc) { i++; dtype = !strcmp(argv[i], "bf16") ? "BF16" : !strcmp(argv[i], "f16") ? "F16" : "F32"; }
        else if (!strcmp(argv[i], "--decode") && i + 1 < argc) n_decode = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--prompt") && i + 1 < argc) n_prompt = atoi(argv[++i]);
        else { fprintf(stderr, "usage: mamba-bench [--model 130m|370m|1.4b] [--dtype f32|bf16|f16] [--decode N] [--prompt N]\n"); return 1; }
    }
    if (!strcmp(model, "370m")) { D = 1024; L = 48; }
    else if (!strcmp(model, "1.4b")) { D = 2048; L = 48; }
    else model = "130m";
    if (n_decode < 1) n_decode = 1;
    if (n_prompt < 1) n_prompt = 1;
    E = 2 * D; R = (D + 15) / 16;
    t = (tdesc *)calloc((size_t)(L * 10 + 2), sizeof *t);
    names = (char (*)[96])calloc((size_t)(L * 10 + 2), 96);
#define ADD(nm, a, b, c, nd_, sc, of, f32) do { strcpy(names[nt], nm); t[nt].name = names[nt]; t[nt].shape[0] = a; t[nt].shape[1] = b; t[nt].shape[2] = c; t[nt].nd = nd_; t[nt].scale = sc; t[nt].offset = of; t[nt].keep_f32 = f32; nt++; } while (0)
    ADD("backbone.embeddings.weight", V, D, 0, 2, 1.0f, 0, 0);
    for (i = 0; i < L; i++) {
        char p[64], nm[96];
        sprintf(p, "backbone.layers.%d.", i);
#define LAYER(suffix, a, b, c, nd_, sc, of, f32) do { sprintf(nm, "%s%s", p, suffix); ADD(nm, a, b, c, nd_, sc, of, f32); } while (0)
        LAYER("norm.weight", D, 0, 0, 1, 0.1f, 1.0f, 0);
        LAYER("mixer.in_proj.weight", 2 * E, D, 0, 2, 0.05f, 0, 0);
        LAYER("mixer.conv1d.weight", E, 1, K, 3, 0.5f, 0, 0);
        LAYER("mixer.conv1d.bias", E, 0, 0, 1, 0.1f, 0, 0);
        LAYER("mixer.x_proj.weight", R + 2 * N, E, 0, 2, 0.05f, 0, 0);
        LAYER("mixer.dt_proj.weight", E, R, 0, 2, 0.1f, 0, 0);
        LAYER("mixer.dt_proj.bias", E, 0, 0, 1, 1.0f, -4.0f, 0);
        LAYER("mixer.A_log", E, N, 0, 2, 1.0f, 1.5f, 1);
        LAYER("mixer.D", E, 0, 0, 1, 0.1f, 1.0f, 0);
        LAYER("mixer.out_proj.weight", D, E, 0, 2, 0.03f, 0, 0);
    }
    ADD("backbone.norm_f.weight", D, 0, 0, 1, 0.1f, 1.0f, 0);
    sprintf(cfg, "{\"model_type\":\"mamba\",\"hidden_size\":%d,\"num_hidden_layers\":%d,\"vocab_size\":%d,"
                 "\"state_size\":%d,\"conv_kernel\":%d,\"expand\":2,\"time_step_rank\":\"auto\",\"tie_word_embeddings\":true}", D, L, V, N, K);
    fprintf(stderr, "building a random mamba-%s (%s) in memory...\n", model, dtype);
    blob = build_blob(t, nt, dtype, &blob_n);
    if (mamba_load_memory(&m, blob, blob_n, cfg, strlen(cfg), NULL, &err) != MAMBA_OK) { fprintf(stderr, "load: %s\n", err.message); return 1; }
    mamba_state_new(&s, m, 64);
    logits = (float *)malloc(sizeof(float) * (size_t)V);
    prompt = (int *)malloc(sizeof(int) * (size_t)n_prompt);
    for (i = 0; i < n_prompt; i++) prompt[i] = (int)((unsigned)(i * 7919) % (unsigned)V);

    bw = read_bandwidth();
    mamba_step(m, s, 1, logits);   /* warm-up */
    t0 = now_s();
    for (i = 0; i < n_decode; i++) mamba_step(m, s, mamba_argmax(logits, V), logits);
    dec = n_decode / (now_s() - t0);
    mamba_state_reset(s);
    t0 = now_s();
    mamba_forward(m, s, prompt, (size_t)n_prompt, logits, MAMBA_LOGITS_LAST);
    pre = n_prompt / (now_s() - t0);

    printf("model mamba-%s  dtype %s  kernels %s\n", model, dtype, MAMBA__SIMD_NAME);
    printf("weights read per token  %.1f MB\n", mamba_weight_bytes(m) / 1e6);
    printf("state per sequence      %.2f MiB (fixed)\n", mamba_state_size(mamba_get_config(m)) / 1048576.0);
    printf("memory read bandwidth   %.2f GB/s (measured, 1 thread)\n", bw / 1e9);
    printf("decode                  %.2f tok/s  = %.2f GB/s of weights = %.1f%% of bandwidth\n",
           dec, dec * mamba_weight_bytes(m) / 1e9, 100.0 * dec * mamba_weight_bytes(m) / bw);
    printf("prefill (%d tokens)    %.2f tok/s  (%.2fx decode)\n", n_prompt, pre, pre / dec);
    free(logits); free(prompt); free(blob); free(t); free(names);
    mamba_state_free(s);
    mamba_free(m);
    return 0;
}
