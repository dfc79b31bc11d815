/* mamba-longcal: a LongMamba calibration (docs/longmamba.md) for a model.

   build/mamba-longcal -m MODEL -f TEXT --train-len L -o FILE
                       [--windows W] [--channel-threshold C] [--scale B] [-t THREADS]

   Cuts W windows of L tokens (L = the length the model was trained at),
   evenly spaced, from the tokenized TEXT, runs each from an empty state
   recording every layer's Δt (mamba_forward_dt), and per layer and channel
   (Mamba-1) or head (Mamba-2) averages over the windows:
     decay = the cumulative decay over the window (mamba_long_decay of ΣΔt),
     thr[Lt] = the Δt threshold for a target length Lt: the sorted Δt curve
               linearly interpolated to Lt points, cut where its running sum
               first passes the window's ΣΔt (0 for Lt <= L), times B.
   A channel is global when its mean decay > C (default 0.5). Writes the
   sidecar mamba.h reads (mamba_long_load_file); the table lengths are
   L x {0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 18, 22, 27, 32,
   40, 48, 60, 72, 84, 96} (the paper's 1k..192k for L = 2000). The last line
   of output is   global=G channels=N lengths=K windows=W   */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static const double mults[] = {0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 18, 22, 27, 32, 40, 48, 60, 72, 84, 96};
#define NMULT (int)(sizeof mults / sizeof mults[0])

static int desc(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* value i of v[0..L) (descending) linearly resized to Lt points
   (torch interpolate, mode linear, align_corners False) */
static double resized(const float *v, int L, long Lt, long i) {
    double src = (i + 0.5) * (double)L / (double)Lt - 0.5, w;
    long i0, i1;
    if (src < 0) src = 0;
    i0 = (long)src; if (i0 > L - 1) i0 = L - 1;
    i1 = i0 + 1 < L ? i0 + 1 : L - 1;
    w = src - (double)i0;
    return (1 - w) * v[i0] + w * v[i1];
}

static double threshold(const float *v, int L, long Lt, double dtsum) {
    double cum = 0;
    long i, k = 0;
    for (i = 0; i < Lt; i++) {
        cum += resized(v, L, Lt, i);
        if (cum > dtsum) { k = i + 1; break; }
    }
    if (i == Lt) k = 1;           /* never passed: as argmax of all-false + 1 */
    if (k > Lt - 1) k = Lt - 1;
    return resized(v, L, Lt, k);
}

static void put32(FILE *f, uint32_t v, uint64_t *h, int sum) {
    unsigned char b[4];
    int i;
    b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24);
    if (sum) for (i = 0; i < 4; i++) *h = (*h ^ b[i]) * 1099511628211u;
    fwrite(b, 1, 4, f);
}
static uint32_t fbits(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }

int main(int argc, char **argv) {
    const char *model = NULL, *text_path = NULL, *out_path = NULL;
    long L = 0, W = 32, threads = 0;
    double cthr = 0.5, scale = 1.0;
    int i, rc = 1, nl, C, nlen = 0, l, c, nglob = 0;
    long lengths[NMULT];
    char *text = NULL, *dir = NULL;
    size_t len = 0, n = 0, need;
    int *ids = NULL;
    float *dt = NULL, *col = NULL;
    double *thr = NULL, *decay = NULL;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_tokenizer *tk = NULL;
    mamba_error err;
    mamba_status st;
    tool_name = "mamba-longcal";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: mamba-longcal -m MODEL -f TEXT --train-len L -o FILE [--windows W] [--channel-threshold C] [--scale B] [-t THREADS]\n"
                   "  -m MODEL               model directory, .safetensors or .gguf file\n"
                   "  -f TEXT                calibration text (- = standard input), at least L tokens\n"
                   "  --train-len L          the model's training length, 2 to 1000000\n"
                   "  -o FILE                the calibration sidecar to write\n"
                   "  --windows W            windows of L tokens to average over, 1 to 100000 (default 32)\n"
                   "  --channel-threshold C  a channel is global when its decay over L exceeds C, 0 to 1 (default 0.5)\n"
                   "  --scale B              the threshold scale b, above 0 (default 1)\n"
                   "  -t THREADS             threads, 1 to 1024 (default: all cores, when built with OpenMP)\n"
                   "  -h, --help             this text\n");
            return 0;
        } else if (!strcmp(a, "-m")) model = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-f")) text_path = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-o")) out_path = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--train-len")) L = (long)tool_number(a, tool_value(argc, argv, &i), 2, 1000000, 1);
        else if (!strcmp(a, "--windows")) W = (long)tool_number(a, tool_value(argc, argv, &i), 1, 100000, 1);
        else if (!strcmp(a, "--channel-threshold")) cthr = tool_number(a, tool_value(argc, argv, &i), 0, 1, 0);
        else if (!strcmp(a, "--scale")) scale = tool_number(a, tool_value(argc, argv, &i), 1e-6, 1e6, 0);
        else if (!strcmp(a, "-t")) threads = (long)tool_number(a, tool_value(argc, argv, &i), 1, 1024, 1);
        else tool_usage_error("unknown argument '%s'", a);
    }
    if (!model || !text_path || !out_path || L <= 0) tool_usage_error("-m MODEL, -f TEXT, --train-len L and -o FILE are required");
    if (!(text = tool_read_file(text_path, &len))) return 1;
    if ((st = mamba_model_load_file(&m, model, NULL, &err)) != MAMBA_OK) { fprintf(stderr, "mamba-longcal: %s\n", err.message); goto out; }
    if (threads > 0) mamba_model_set_threads(m, (int)threads, MAMBA_THREADS_ADAPTIVE);   /* no effect without OpenMP */
    dir = (char *)malloc(strlen(model) + 2);
    if (!dir) goto oom;
    strcpy(dir, model);
    if (strstr(dir, ".safetensors")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
    if ((st = mamba_tokenizer_load_file(&tk, dir, NULL, &err)) != MAMBA_OK) { fprintf(stderr, "mamba-longcal: %s\n", err.message); goto out; }
    mamba_tokenizer_encode(tk, text ? text : "", len, NULL, 0, &need);
    if (!(ids = (int *)malloc(sizeof(int) * (need + 1)))) goto oom;
    if ((st = mamba_tokenizer_encode(tk, text ? text : "", len, ids, need + 1, &n)) != MAMBA_OK) {
        fprintf(stderr, "mamba-longcal: cannot tokenize: %s\n", mamba_status_string(st));
        goto out;
    }
    if (n < (size_t)L) { fprintf(stderr, "mamba-longcal: the text has %zu tokens, fewer than --train-len %ld\n", n, L); goto out; }
    for (i = 0; i < (int)n; i++)
        if (ids[i] >= mamba_model_config(m)->vocab_size) { fprintf(stderr, "mamba-longcal: token id %d beyond the model's vocabulary\n", ids[i]); goto out; }
    nl = mamba_model_config(m)->n_layer;
    C = mamba_long_channels(m);
    for (i = 0; i < NMULT; i++) {
        long v = (long)(mults[i] * (double)L + 0.5);
        if (v > 0 && (nlen == 0 || v > lengths[nlen - 1]) && v <= 0xffffffffL) lengths[nlen++] = v;
    }
    dt = (float *)malloc(sizeof(float) * (size_t)L * (size_t)nl * (size_t)C);
    col = (float *)malloc(sizeof(float) * (size_t)L);
    thr = (double *)calloc((size_t)nl * (size_t)C * (size_t)nlen, sizeof(double));
    decay = (double *)calloc((size_t)nl * (size_t)C, sizeof(double));
    if (!dt || !col || !thr || !decay) goto oom;
    if ((st = mamba_state_new(&s, m, 64)) != MAMBA_OK) { fprintf(stderr, "mamba-longcal: %s\n", mamba_status_string(st)); goto out; }
    for (i = 0; i < W; i++) {
        size_t start = W > 1 ? (size_t)((double)(n - (size_t)L) * i / (double)(W - 1)) : 0;
        int k;
        mamba_state_reset(s);
        if ((st = mamba_forward_dt(m, s, ids + start, (size_t)L, dt)) != MAMBA_OK) { fprintf(stderr, "mamba-longcal: %s\n", mamba_status_string(st)); goto out; }
        for (l = 0; l < nl; l++)
            for (c = 0; c < C; c++) {
                double sum = 0;
                long t;
                for (t = 0; t < L; t++) { col[t] = dt[((size_t)t * nl + l) * C + c]; sum += col[t]; }
                qsort(col, (size_t)L, sizeof(float), desc);
                decay[(size_t)l * C + c] += mamba_long_decay(m, l, c, sum) / (double)W;
                for (k = 0; k < nlen; k++)
                    if (lengths[k] > L) thr[((size_t)l * nlen + k) * C + c] += threshold(col, (int)L, lengths[k], sum) / (double)W;
            }
    }
    {   /* the sidecar: header, then the payload (lengths, per layer class, decay, thr) */
        FILE *f = fopen(out_path, "wb");
        uint64_t h = 14695981039346656037u, dummy = 0, npay = 4 * ((uint64_t)nlen + (uint64_t)nl * C * (2 + (uint64_t)nlen));
        unsigned char hdr[64];
        const mamba_config *cf = mamba_model_config(m);
        if (!f) { fprintf(stderr, "mamba-longcal: cannot write %s\n", out_path); goto out; }
        memset(hdr, 0, sizeof hdr);
        fwrite(hdr, 1, 64, f);
        for (i = 0; i < nlen; i++) put32(f, (uint32_t)lengths[i], &h, 1);
        for (l = 0; l < nl; l++) {
            for (c = 0; c < C; c++) {
                int g = decay[(size_t)l * C + c] > cthr;
                nglob += g;
                put32(f, (uint32_t)g, &h, 1);
            }
            for (c = 0; c < C; c++) put32(f, fbits((float)decay[(size_t)l * C + c]), &h, 1);
            for (i = 0; i < nlen; i++)
                for (c = 0; c < C; c++) put32(f, fbits((float)(thr[((size_t)l * nlen + i) * C + c] * scale)), &h, 1);
        }
        rewind(f);
        fwrite("MBLC", 1, 4, f);
        put32(f, MAMBA_LONG_FORMAT_VERSION, &dummy, 0); put32(f, (uint32_t)cf->arch, &dummy, 0);
        put32(f, (uint32_t)nl, &dummy, 0); put32(f, (uint32_t)C, &dummy, 0);
        put32(f, (uint32_t)cf->d_model, &dummy, 0); put32(f, (uint32_t)cf->d_state, &dummy, 0);
        put32(f, (uint32_t)L, &dummy, 0); put32(f, (uint32_t)nlen, &dummy, 0);
        put32(f, fbits((float)cthr), &dummy, 0); put32(f, fbits((float)scale), &dummy, 0); put32(f, 0, &dummy, 0);
        put32(f, (uint32_t)npay, &dummy, 0); put32(f, (uint32_t)(npay >> 32), &dummy, 0);
        put32(f, (uint32_t)h, &dummy, 0); put32(f, (uint32_t)(h >> 32), &dummy, 0);
        if (fclose(f) != 0) { fprintf(stderr, "mamba-longcal: error writing %s\n", out_path); goto out; }
    }
    for (l = 0; l < nl; l++) {
        int g = 0;
        for (c = 0; c < C; c++) g += decay[(size_t)l * C + c] > cthr;
        fprintf(stderr, "layer %d: %d of %d %s global\n", l, g, C, mamba_model_config(m)->arch == MAMBA_ARCH_MAMBA2 ? "heads" : "channels");
    }
    printf("global=%d channels=%d lengths=%d windows=%ld\n", nglob, nl * C, nlen, W);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "mamba-longcal: out of memory\n");
out:
    mamba_state_free(s);
    mamba_tokenizer_free(tk);
    mamba_model_free(m);
    free(ids); free(text); free(dir); free(dt); free(col); free(thr); free(decay);
    return rc;
}
