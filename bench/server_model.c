/* server_model: write a model directory of random weights in a real shape,
   for bench/server.sh (mamba-quantize then turns it into Q8_0 GGUF).

   build/server_model DIR [SHAPE]      SHAPE: 130m (default) or tiny

   DIR gets config.json, model.safetensors (BF16 matrices, F32 vectors, tied
   embeddings, the shapes of state-spaces/mamba-130m: d_model 768, 24 layers,
   vocab 50280) and a copy of models/shakespeare-tiny/tokenizer.json (a byte
   vocabulary: ids 0..255 are what the server samples from; the lm_head still
   computes all 50280 rows, so the cost per token is the 130m's). The values
   follow bench/bench.c's scales; only the speed matters here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void) {   /* uniform in [-1, 1) */
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((rng >> 40) * (1.0 / 8388608.0) - 1.0);
}
static uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7fff + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

typedef struct { char name[96]; char shape[32]; size_t numel; int mat; float scale, offset; } tensor;

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : NULL, *shape = argc > 2 ? argv[2] : "130m";
    int D = 768, L = 24, V = 50280, N = 16, K = 4, E, R, l, k, nt = 0;
    tensor *t;
    char path[4096], *hdr;
    size_t hl = 0, off = 0, i;
    FILE *f, *in;
    if (!dir) { fprintf(stderr, "usage: server_model DIR [130m|tiny]\n"); return 2; }
    if (!strcmp(shape, "tiny")) { D = 192; L = 6; V = 256; }
    else if (strcmp(shape, "130m")) { fprintf(stderr, "server_model: unknown shape %s\n", shape); return 2; }
    E = 2 * D;
    R = (D + 15) / 16;
    t = (tensor *)calloc((size_t)L * 12 + 4, sizeof *t);
    hdr = (char *)malloc((size_t)L * 2048 + 4096);
    if (!t || !hdr) return 1;
#define ADD(nm, shp, cnt, ismat, sc, of) do { snprintf(t[nt].name, sizeof t[nt].name, "%s", nm); snprintf(t[nt].shape, sizeof t[nt].shape, "%s", shp); \
        t[nt].numel = (cnt); t[nt].mat = ismat; t[nt].scale = sc; t[nt].offset = of; nt++; } while (0)
    {
        char shp[32], nm[96];
        snprintf(shp, sizeof shp, "%d,%d", V, D);
        ADD("backbone.embeddings.weight", shp, (size_t)V * D, 1, 1.0f, 0);
        for (l = 0; l < L; l++) {
#define LADD(suffix, fmt, a, b, c, cnt, ismat, sc, of) do { snprintf(nm, sizeof nm, "backbone.layers.%d.%s", l, suffix); \
            snprintf(shp, sizeof shp, fmt, a, b, c); ADD(nm, shp, cnt, ismat, sc, of); } while (0)
            LADD("norm.weight", "%d%.0d%.0d", D, 0, 0, (size_t)D, 0, 0.1f, 1.0f);
            LADD("mixer.in_proj.weight", "%d,%d%.0d", 2 * E, D, 0, (size_t)2 * E * D, 1, 1.7f / sqrtf((float)D), 0);
            LADD("mixer.conv1d.weight", "%d,%d,%d", E, 1, K, (size_t)E * K, 0, 0.5f, 0);
            LADD("mixer.conv1d.bias", "%d%.0d%.0d", E, 0, 0, (size_t)E, 0, 0.1f, 0);
            LADD("mixer.x_proj.weight", "%d,%d%.0d", R + 2 * N, E, 0, (size_t)(R + 2 * N) * E, 1, 1.7f / sqrtf((float)E), 0);
            LADD("mixer.dt_proj.weight", "%d,%d%.0d", E, R, 0, (size_t)E * R, 1, 1.7f / sqrtf((float)R), 0);
            LADD("mixer.dt_proj.bias", "%d%.0d%.0d", E, 0, 0, (size_t)E, 0, 1.0f, -4.0f);
            LADD("mixer.A_log", "%d,%d%.0d", E, N, 0, (size_t)E * N, 0, 1.0f, 1.5f);
            LADD("mixer.D", "%d%.0d%.0d", E, 0, 0, (size_t)E, 0, 0.1f, 1.0f);
            LADD("mixer.out_proj.weight", "%d,%d%.0d", D, E, 0, (size_t)D * E, 1, 0.5f / sqrtf((float)E), 0);
        }
        snprintf(shp, sizeof shp, "%d", D);
        ADD("backbone.norm_f.weight", shp, (size_t)D, 0, 0.1f, 1.0f);
    }
    hl += (size_t)sprintf(hdr + hl, "{");
    for (k = 0; k < nt; k++) {
        size_t bytes = t[k].numel * (t[k].mat ? 2 : 4);
        hl += (size_t)sprintf(hdr + hl, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],\"data_offsets\":[%zu,%zu]}", k ? "," : "", t[k].name,
                              t[k].mat ? "BF16" : "F32", t[k].shape, off, off + bytes);
        off += bytes;
    }
    hl += (size_t)sprintf(hdr + hl, "}");
    while (hl % 8) hdr[hl++] = ' ';
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (!(f = fopen(path, "wb"))) { perror(path); return 1; }
    for (k = 0; k < 8; k++) fputc((int)(((uint64_t)hl >> (8 * k)) & 0xff), f);
    fwrite(hdr, 1, hl, f);
    for (k = 0; k < nt; k++)
        for (i = 0; i < t[k].numel; i++) {
            float v = t[k].offset + t[k].scale * frand();
            if (t[k].mat) { uint16_t h = to_bf16(v); fwrite(&h, 2, 1, f); }
            else fwrite(&v, 4, 1, f);
        }
    if (fclose(f)) { perror(path); return 1; }
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (!(f = fopen(path, "w"))) { perror(path); return 1; }
    fprintf(f, "{\"model_type\":\"mamba\",\"hidden_size\":%d,\"num_hidden_layers\":%d,\"vocab_size\":%d,\"state_size\":%d,"
               "\"conv_kernel\":%d,\"expand\":2,\"time_step_rank\":%d,\"tie_word_embeddings\":true,\"use_bias\":false,"
               "\"use_conv_bias\":true,\"layer_norm_epsilon\":1e-05}\n", D, L, V, N, K, R);
    fclose(f);
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    if (!(in = fopen("models/shakespeare-tiny/tokenizer.json", "rb")) || !(f = fopen(path, "wb"))) { perror("tokenizer.json"); return 1; }
    {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, f);
    }
    fclose(in);
    fclose(f);
    printf("%s: %d layers, d_model %d, vocab %d, %.1f MB of weights\n", dir, L, D, V, off / 1e6);
    free(t);
    free(hdr);
    return 0;
}
