/* mamba-logits: print the logits after each input token.

   build/mamba-logits [--mode step|prefill] [--chunk N] MODEL TOKEN_ID...
   build/mamba-logits [--mode step|prefill] [--chunk N] -m MODEL TOKEN_ID...

   MODEL is a model directory, a .safetensors file next to its config.json,
   or a .gguf file.
   Prints one line per input token: vocab_size numbers (%.9g, single spaces).
   step feeds the tokens one at a time; prefill runs the sequence path with N
   tokens per chunk (default 64). Errors: message on stderr, nothing on
   stdout, exit status 1 (2 for bad usage). */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: mamba-logits [--mode step|prefill] [--chunk N] [-m] MODEL TOKEN_ID...\n"
               "  -m MODEL      model directory, .safetensors or .gguf file (or MODEL as the first argument)\n"
               "  --mode M      step: one token at a time (default); prefill: the sequence path\n"
               "  --chunk N     tokens per prefill chunk, 1 to 1048576 (default 64)\n"
               "  -h, --help    this text\n"
               "prints one line per token: its vocab_size logits\n");
}

/* Parses a non-negative decimal int; 0 on failure. */
static int parse_int(const char *s, long *out) {
    char *end;
    long v;
    if (!*s) return 0;
    v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 0x7fffffffL) return 0;
    *out = v;
    return 1;
}

int main(int argc, char **argv) {
    int prefill = 0, i, rc = 1;
    long chunk = 64, v;
    const char *model_path = NULL;
    int *tokens = NULL;
    size_t n = 0;
    float *logits = NULL;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_error err;
    mamba_status st;
    const mamba_config *c;

    tool_name = "mamba-logits";
    tokens = (int *)malloc(sizeof(int) * (size_t)argc);
    if (!tokens) { fprintf(stderr, "mamba-logits: out of memory\n"); return 1; }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); free(tokens); return 0; }
        else if (!strcmp(a, "--mode")) {
            const char *mode = tool_value(argc, argv, &i);
            if (!strcmp(mode, "step")) prefill = 0;
            else if (!strcmp(mode, "prefill")) prefill = 1;
            else tool_usage_error("bad value '%s' for --mode: expected step or prefill", mode);
        } else if (!strcmp(a, "--chunk")) chunk = (long)tool_number(a, tool_value(argc, argv, &i), 1, 1 << 20, 1);
        else if (!strcmp(a, "-m")) {
            if (model_path) tool_usage_error("two models: '%s' and '%s'", model_path, argv[i + 1 < argc ? i + 1 : i]);
            model_path = tool_value(argc, argv, &i);
        } else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) tool_usage_error("unknown argument '%s'", a);
        else if (!model_path) model_path = a;
        else if (!parse_int(a, &v)) tool_usage_error("bad token id '%s': expected an integer from 0 to vocab_size - 1", a);
        else tokens[n++] = (int)v;
    }
    if (!model_path) tool_usage_error("no MODEL");
    if (!n) tool_usage_error("no TOKEN_ID");
    st = mamba_model_load_file(&m, model_path, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-logits: %s\n", err.message); goto out; }
    c = mamba_model_config(m);
    for (i = 0; i < (int)n; i++)
        if (tokens[i] >= c->vocab_size) {
            fprintf(stderr, "mamba-logits: token id %d is out of range: 0 to %d (vocab_size %d)\n", tokens[i], c->vocab_size - 1, c->vocab_size);
            goto out;
        }
    st = mamba_state_new(&s, m, (int)chunk);
    logits = (float *)malloc(sizeof(float) * (size_t)c->vocab_size * n);
    if (st != MAMBA_OK || !logits) { fprintf(stderr, "mamba-logits: %s\n", st != MAMBA_OK ? mamba_status_string(st) : "out of memory"); goto out; }
    if (prefill) {
        st = mamba_forward(m, s, tokens, n, logits, MAMBA_LOGITS_ALL);
    } else {
        for (i = 0; i < (int)n && st == MAMBA_OK; i++) st = mamba_step(m, s, tokens[i], logits + (size_t)i * (size_t)c->vocab_size);
    }
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-logits: %s\n", mamba_status_string(st)); goto out; }
    for (i = 0; i < (int)n; i++) {
        int k;
        const float *row = logits + (size_t)i * (size_t)c->vocab_size;
        for (k = 0; k < c->vocab_size; k++) printf(k ? " %.9g" : "%.9g", row[k]);
        putchar('\n');
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    free(tokens);
    free(logits);
    mamba_state_free(s);
    mamba_model_free(m);
    return rc;
}
