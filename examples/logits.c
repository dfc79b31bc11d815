/* mamba-logits: print the logits after each input token.

   build/mamba-logits [--mode step|prefill] [--chunk N] MODEL TOKEN_ID...

   MODEL is a model directory, a .safetensors file next to its config.json,
   or a .gguf file.
   Prints one line per input token: vocab_size numbers (%.9g, single spaces).
   step feeds the tokens one at a time; prefill runs the sequence path with N
   tokens per chunk (default 64). Errors: message on stderr, exit status 1,
   nothing on stdout. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: mamba-logits [--mode step|prefill] [--chunk N] MODEL TOKEN_ID...\n");
    return 1;
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

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "step")) prefill = 0;
            else if (!strcmp(argv[i], "prefill")) prefill = 1;
            else return usage();
        } else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) {
            if (!parse_int(argv[++i], &chunk) || chunk < 1 || chunk > 1 << 20) { fprintf(stderr, "mamba-logits: bad --chunk\n"); return 1; }
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage();
            return 0;
        } else if (!model_path) {
            model_path = argv[i];
        } else break;
    }
    if (!model_path || i >= argc) return usage();
    tokens = (int *)malloc(sizeof(int) * (size_t)(argc - i));
    if (!tokens) { fprintf(stderr, "mamba-logits: out of memory\n"); return 1; }
    for (; i < argc; i++) {
        if (!parse_int(argv[i], &v)) { fprintf(stderr, "mamba-logits: bad token id '%s'\n", argv[i]); goto out; }
        tokens[n++] = (int)v;
    }
    st = mamba_model_load_file(&m, model_path, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-logits: %s\n", err.message); goto out; }
    c = mamba_model_config(m);
    for (i = 0; i < (int)n; i++)
        if (tokens[i] >= c->vocab_size) {
            fprintf(stderr, "mamba-logits: token id %d is out of range (vocab_size %d)\n", tokens[i], c->vocab_size);
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
