/* mamba-perplexity: how well a model predicts a text.

   build/mamba-perplexity [-m MODEL] -f TEXT [--chunk N] [-t THREADS] [--long CAL]

   MODEL is a directory, a .safetensors file or a .gguf file (its tokenizer
   from the metadata). Tokenizes TEXT with the model's tokenizer, runs it through the sequence
   path (mamba_forward, every position's logits, N tokens per chunk, one state
   carried through the whole text) and scores each token after the first:
   bits per byte = total -log2 p(token) / bytes those tokens decode to, and
   perplexity = exp(mean -ln p(token)). The last line of output is
       bits_per_byte=X perplexity=Y tokens=N
   where N is the number of tokens scored. --long CAL applies a LongMamba
   calibration (mamba-longcal; docs/longmamba.md) with the whole text as the
   prompt: the filter is on for every token when the text is longer than the
   calibration's training length. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#define DEFAULT_MODEL "models/shakespeare-tiny"

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const char *model = DEFAULT_MODEL, *text_path = NULL, *long_path = NULL;
    mamba_long *cal = NULL;
    long chunk = 256, threads = 0;
    int i, rc = 1, V;
    char *text = NULL, *dir = NULL;
    size_t len = 0, n = 0, need, done, scored = 0, bytes = 0;
    int *ids = NULL;
    float *logits = NULL;
    double nll = 0, t0;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_tokenizer *tk = NULL;
    mamba_error err;
    mamba_status st;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: mamba-perplexity [-m MODEL] -f TEXT [--chunk N] [-t THREADS] [--long CAL]\n");
            return 0;
        } else if (!strcmp(a, "-m") && val) { model = val; i++; }
        else if (!strcmp(a, "-f") && val) { text_path = val; i++; }
        else if (!strcmp(a, "--chunk") && val) { chunk = strtol(val, NULL, 10); i++; }
        else if (!strcmp(a, "-t") && val) { threads = strtol(val, NULL, 10); i++; }
        else if (!strcmp(a, "--long") && val) { long_path = val; i++; }
        else { fprintf(stderr, "mamba-perplexity: unknown or incomplete argument '%s'\n", a); return 1; }
    }
    if (!text_path) { fprintf(stderr, "mamba-perplexity: -f TEXT is required\n"); return 1; }
    if (chunk < 1 || chunk > 65536) { fprintf(stderr, "mamba-perplexity: bad --chunk\n"); return 1; }
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    if (threads > 0) omp_set_num_threads((int)threads);
#else
    (void)threads;
#endif
    {   /* the whole text */
        FILE *f = fopen(text_path, "rb");
        size_t cap = 0, got;
        if (!f) { fprintf(stderr, "mamba-perplexity: cannot read %s\n", text_path); return 1; }
        do {
            if (len + 65536 > cap) { char *nb = (char *)realloc(text, cap = 2 * cap + 65536); if (!nb) { fclose(f); goto oom; } text = nb; }
            got = fread(text + len, 1, cap - len, f);
            len += got;
        } while (got > 0);
        fclose(f);
    }
    st = mamba_model_load_file(&m, model, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-perplexity: %s\n", err.message); goto out; }
    dir = (char *)malloc(strlen(model) + 2);
    if (!dir) goto oom;
    strcpy(dir, model);
    if (strstr(dir, ".safetensors")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
    st = mamba_tokenizer_load_file(&tk, dir, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-perplexity: %s\n", err.message); goto out; }
    V = mamba_model_config(m)->vocab_size;
    mamba_tokenizer_encode(tk, text ? text : "", len, NULL, 0, &need);
    ids = (int *)malloc(sizeof(int) * (need + 1));
    if (!ids) goto oom;
    if ((st = mamba_tokenizer_encode(tk, text ? text : "", len, ids, need + 1, &n)) != MAMBA_OK) {
        fprintf(stderr, "mamba-perplexity: cannot tokenize: %s\n", mamba_status_string(st));
        goto out;
    }
    if (n < 2) { fprintf(stderr, "mamba-perplexity: the text has fewer than two tokens\n"); goto out; }
    for (i = 0; i < (int)n; i++)
        if (ids[i] >= V) { fprintf(stderr, "mamba-perplexity: token id %d beyond the model's vocabulary\n", ids[i]); goto out; }
    logits = (float *)malloc(sizeof(float) * (size_t)V * (size_t)chunk);
    if (!logits) goto oom;
    if ((st = mamba_state_new(&s, m, (int)chunk)) != MAMBA_OK) { fprintf(stderr, "mamba-perplexity: %s\n", mamba_status_string(st)); goto out; }
    if (long_path) {
        if ((st = mamba_long_load_file(&cal, m, long_path, &err)) != MAMBA_OK) { fprintf(stderr, "mamba-perplexity: %s\n", err.message); goto out; }
        mamba_state_set_long(s, cal, n - 1);
    }
    t0 = now_s();
    /* logits at position t predict token t+1: feed tokens [0, n-1) */
    for (done = 0; done < n - 1; done += (size_t)chunk) {
        size_t T = n - 1 - done < (size_t)chunk ? n - 1 - done : (size_t)chunk, t;
        if ((st = mamba_forward(m, s, ids + done, T, logits, MAMBA_LOGITS_ALL)) != MAMBA_OK) {
            fprintf(stderr, "mamba-perplexity: %s\n", mamba_status_string(st));
            goto out;
        }
        for (t = 0; t < T; t++) {   /* log-softmax in double */
            const float *row = logits + t * (size_t)V;
            int next = ids[done + t + 1], k;
            double mx = row[0], sum = 0;
            size_t nb = 0;
            for (k = 1; k < V; k++) if (row[k] > mx) mx = row[k];
            for (k = 0; k < V; k++) sum += exp((double)row[k] - mx);
            nll += log(sum) + mx - (double)row[next];
            mamba_tokenizer_token_bytes(tk, next, &nb);
            bytes += nb;
            scored++;
        }
    }
    fprintf(stderr, "%zu tokens in %.2f s (%.1f tok/s)\n", scored, now_s() - t0, scored / (now_s() - t0 + 1e-9));
    printf("bits_per_byte=%.6f perplexity=%.6f tokens=%zu\n", nll / log(2.0) / (double)(bytes ? bytes : 1),
           exp(nll / (double)scored), scored);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "mamba-perplexity: out of memory\n");
out:
    mamba_state_free(s);
    mamba_long_free(cal);
    mamba_tokenizer_free(tk);
    mamba_model_free(m);
    free(ids); free(logits); free(text); free(dir);
    return rc;
}
