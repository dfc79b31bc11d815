/* mamba-logits: print the logits after each input token.

   build/mamba-logits [--mode step|prefill] [--chunk N] MODEL TOKEN_ID...
   build/mamba-logits [--mode step|prefill] [--chunk N] -m MODEL TOKEN_ID...
   build/mamba-logits --batch FILE [--mode step|prefill] [--chunk N] [-m] MODEL

   MODEL is a model directory, a .safetensors file next to its config.json,
   or a .gguf file.
   Prints one line per input token: vocab_size numbers (%.9g, single spaces).
   step feeds the tokens one at a time; prefill runs the sequence path with N
   tokens per chunk (default 64). Errors: message on stderr, nothing on
   stdout, exit status 1 (2 for bad usage).
   --batch FILE runs many sequences at once through mamba_forward_batch: one
   space-separated token list per line of FILE (an empty line is a sequence of
   no tokens). step advances every sequence one token per call (sequences
   leave as they run out); prefill gives each sequence all its tokens in one
   call, N rows per round. Prints each sequence's logit lines in order, a blank
   line between sequences: the same lines as one run per sequence. */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: mamba-logits [--mode step|prefill] [--chunk N] [-m] MODEL TOKEN_ID...\n"
               "       mamba-logits --batch FILE [--mode step|prefill] [--chunk N] [-m] MODEL\n"
               "  -m MODEL      model directory, .safetensors or .gguf file (or MODEL as the first argument)\n"
               "  --mode M      step: one token at a time (default); prefill: the sequence path\n"
               "  --chunk N     tokens per prefill chunk, 1 to 1048576 (default 64)\n"
               "  --batch FILE  one token list per line of FILE, run as one batch (mamba_forward_batch)\n"
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

/* ---- --batch FILE --------------------------------------------------------- */

/* Reads FILE: one sequence per line. Returns the number of sequences (-1 on a
   bad id or read error, message printed); *tok gets all ids, *off (n + 1)
   offsets into it. */
static long read_batch(const char *path, int **tok, size_t **off) {
    FILE *f = fopen(path, "rb");
    size_t cap_t = 0, n_t = 0, cap_s = 0, n_s = 0;
    int c, at_line_start = 1;
    long v = -1;
    *tok = NULL; *off = NULL;
    if (!f) { fprintf(stderr, "mamba-logits: cannot read %s: %s\n", path, strerror(errno)); return -1; }
    for (;;) {
        c = fgetc(f);
        if (c >= '0' && c <= '9') {
            v = (v < 0 ? 0 : v * 10) + (c - '0');
            if (v > 0x7fffffffL) { fprintf(stderr, "mamba-logits: %s line %zu: token id too large\n", path, n_s + 1); goto bad; }
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == EOF) {
            if (v >= 0) {   /* end of an id */
                if (n_t == cap_t) { int *nt = (int *)realloc(*tok, sizeof(int) * (cap_t = 2 * cap_t + 256)); if (!nt) goto oom; *tok = nt; }
                (*tok)[n_t++] = (int)v;
                v = -1;
            }
            if (c == '\n' || (c == EOF && !at_line_start)) {   /* end of a sequence */
                if (n_s + 2 > cap_s) { size_t *no = (size_t *)realloc(*off, sizeof(size_t) * (cap_s = 2 * cap_s + 64)); if (!no) goto oom; *off = no; }
                if (!n_s) (*off)[0] = 0;
                (*off)[++n_s] = n_t;
                at_line_start = 1;
            } else if (c != '\r' && c != EOF) at_line_start = 0;
            if (c == EOF) break;
        } else {
            fprintf(stderr, "mamba-logits: %s line %zu: not a token id list\n", path, n_s + 1);
            goto bad;
        }
        if (c >= '0' && c <= '9') at_line_start = 0;
    }
    fclose(f);
    if (!n_s) { fprintf(stderr, "mamba-logits: %s holds no sequence\n", path); free(*tok); free(*off); *tok = NULL; *off = NULL; return -1; }
    return (long)n_s;
oom:
    fprintf(stderr, "mamba-logits: out of memory\n");
bad:
    fclose(f);
    free(*tok); free(*off);
    *tok = NULL; *off = NULL;
    return -1;
}

static int run_batch(const char *path, const char *model_path, int prefill, long chunk) {
    int *tok = NULL, rc = 1;
    size_t *off = NULL, total, i, k, step;
    long ns = read_batch(path, &tok, &off);
    mamba_model *m = NULL;
    mamba_batch *b = NULL;
    mamba_batch_seq *q = NULL;
    mamba_state *st = NULL;
    unsigned char *state_mem = NULL;
    float *logits = NULL;
    mamba_error err;
    mamba_status s;
    const mamba_config *c;
    size_t V, sb;
    if (ns < 0) return 1;
    if ((s = mamba_model_load_file(&m, model_path, NULL, &err)) != MAMBA_OK) { fprintf(stderr, "mamba-logits: %s\n", err.message); goto out; }
    c = mamba_model_config(m);
    V = (size_t)c->vocab_size;
    total = off[ns];
    for (i = 0; i < total; i++)
        if (tok[i] >= c->vocab_size) { fprintf(stderr, "mamba-logits: token id %d is out of range (vocab_size %d)\n", tok[i], c->vocab_size); goto out; }
    sb = (mamba_state_bytes(c) + 63) / 64 * 64;   /* states without scratch: the batch has the work memory */
    q = (mamba_batch_seq *)calloc((size_t)ns, sizeof *q);
    st = (mamba_state *)calloc((size_t)ns, sizeof *st);
    state_mem = (unsigned char *)malloc(sb * (size_t)ns + 64);
    logits = (float *)malloc(sizeof(float) * V * (total ? total : 1));
    if (!q || !st || !state_mem || !logits) { fprintf(stderr, "mamba-logits: out of memory\n"); goto out; }
    for (i = 0; i < (size_t)ns; i++) {
        unsigned char *p = state_mem + (64 - (uintptr_t)state_mem % 64) % 64 + i * sb;
        if ((s = mamba_state_init(&st[i], c, p, sb, NULL, 0, 0, NULL)) != MAMBA_OK) { fprintf(stderr, "mamba-logits: %s\n", mamba_status_string(s)); goto out; }
    }
    if ((s = mamba_batch_new(&b, m, (int)ns, prefill ? (int)chunk : (int)ns, &err)) != MAMBA_OK) {
        fprintf(stderr, "mamba-logits: %s\n", err.message);
        goto out;
    }
    for (i = 0; i < (size_t)ns; i++) { q[i].state = &st[i]; q[i].mode = MAMBA_LOGITS_ALL; }
    for (step = 0;; step++) {   /* prefill: one call; step: one token per sequence per call */
        int any = 0;
        for (i = 0; i < (size_t)ns; i++) {
            size_t len = off[i + 1] - off[i], at = prefill ? 0 : step;
            q[i].tokens = tok + off[i] + at;
            q[i].n = prefill ? len : at < len ? 1 : 0;
            q[i].logits = logits + (off[i] + at) * V;
            any |= q[i].n > 0;
        }
        if (!any) break;
        if ((s = mamba_forward_batch(m, b, q, (size_t)ns, &err)) != MAMBA_OK) { fprintf(stderr, "mamba-logits: %s\n", err.message); goto out; }
        if (prefill) break;
    }
    for (i = 0; i < (size_t)ns; i++) {
        if (i) putchar('\n');
        for (k = off[i]; k < off[i + 1]; k++) {
            const float *row = logits + k * V;
            size_t j;
            for (j = 0; j < V; j++) printf(j ? " %.9g" : "%.9g", row[j]);
            putchar('\n');
        }
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    mamba_batch_free(b);
    free(q); free(st); free(state_mem); free(logits); free(tok); free(off);
    mamba_model_free(m);
    return rc;
}

int main(int argc, char **argv) {
    int prefill = 0, i, rc = 1;
    long chunk = 64, v;
    const char *model_path = NULL, *batch_path = NULL;
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
        else if (!strcmp(a, "--batch")) batch_path = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-m")) {
            if (model_path) tool_usage_error("two models: '%s' and '%s'", model_path, argv[i + 1 < argc ? i + 1 : i]);
            model_path = tool_value(argc, argv, &i);
        } else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) tool_usage_error("unknown argument '%s'", a);
        else if (!model_path) model_path = a;
        else if (!parse_int(a, &v)) tool_usage_error("bad token id '%s': expected an integer from 0 to vocab_size - 1", a);
        else tokens[n++] = (int)v;
    }
    if (!model_path) tool_usage_error("no MODEL");
    if (batch_path) {   /* the token lists come from FILE */
        if (n) tool_usage_error("--batch FILE takes no TOKEN_ID arguments");
        free(tokens);
        return run_batch(batch_path, model_path, prefill, chunk);
    }
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
