/* mamba-perplexity: how well a model predicts a text.

   build/mamba-perplexity [-m MODEL] -f TEXT [--chunk N] [-t THREADS] [--long CAL]

   MODEL is a directory, a .safetensors file or a .gguf file (its tokenizer
   from the metadata). Tokenizes TEXT with the model's tokenizer, runs it through the sequence
   path (mamba_forward, every position's logits, N tokens per chunk, one state
   carried through the whole text) and scores each token after the first:
   bits per byte = total -log2 p(token) / bytes those tokens decode to, and
   perplexity = exp(mean -ln p(token)). The last line of output is
       bits_per_byte=X perplexity=Y tokens=N
   where N is the number of tokens scored. -f - reads standard input.
   --long CAL applies a LongMamba calibration (mamba-longcal; docs/longmamba.md)
   with the whole text as the prompt: the filter is on for every token when the
   text is longer than the calibration's training length.
   Exit status: 0, 1 for a failure at run time, 2 for bad usage. */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

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
    tool_name = "mamba-perplexity";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("usage: mamba-perplexity [-m MODEL] -f TEXT [--chunk N] [-t THREADS] [--long CAL]\n"
                   "  -m MODEL      model directory, .safetensors or .gguf file (default " DEFAULT_MODEL ")\n"
                   "  -f TEXT       the text to score (- = standard input)\n"
                   "  --chunk N     tokens per forward call, 1 to 65536 (default 256)\n"
                   "  -t THREADS    threads, 1 to 1024 (default: all cores, when built with OpenMP)\n"
                   "  --long CAL    LongMamba calibration (mamba-longcal) applied to the whole text\n"
                   "  -h, --help    this text\n"
                   "the last line: bits_per_byte=X perplexity=Y tokens=N\n");
            return 0;
        } else if (!strcmp(a, "-m")) model = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-f")) text_path = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--chunk")) chunk = (long)tool_number(a, tool_value(argc, argv, &i), 1, 65536, 1);
        else if (!strcmp(a, "-t")) threads = (long)tool_number(a, tool_value(argc, argv, &i), 1, 1024, 1);
        else if (!strcmp(a, "--long")) long_path = tool_value(argc, argv, &i);
        else tool_usage_error("unknown argument '%s'", a);
    }
    if (!text_path) tool_usage_error("-f TEXT is required");
    if (!(text = tool_read_file(text_path, &len))) return 1;
    st = mamba_model_load_file(&m, model, NULL, &err);
    if (st == MAMBA_OK && threads > 0) mamba_model_set_threads(m, (int)threads, MAMBA_THREADS_ADAPTIVE);   /* no effect without OpenMP */
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
