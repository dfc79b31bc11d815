/* mamba-tokenize: text to token ids and back.

     mamba-tokenize [-f FILE] TOKENIZER < text.txt           ids on one line, space-separated
     mamba-tokenize --decode [-f FILE] TOKENIZER < ids.txt   the text bytes

   TOKENIZER is a tokenizer.json (byte-level BPE, or SentencePiece-style), a
   SentencePiece tokenizer.model (Mistral's tokenizer.model.v3 too), a GGUF
   file (its tokenizer.ggml.* metadata: "gpt2" or "llama"), or a model
   directory holding one of them. Encoding reads all of standard input as one
   text and adds no special tokens beyond what the tokenizer adds itself (the
   tokenizer.json's post-processor; <s> for a SentencePiece model or a GGUF
   with add_bos_token). -f FILE reads FILE instead of standard input
   (- = standard input). Errors go to stderr, with exit status 1 (2 for bad
   usage). */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *detail) {
    fprintf(stderr, "mamba-tokenize: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

static int encode(const mamba_tokenizer *t, const char *text, size_t len) {
    size_t n = 0, i;
    int *ids;
    mamba_status st = mamba_tokenizer_encode(t, text, len, NULL, 0, &n);
    if (st != MAMBA_OK && st != MAMBA_ERR_RANGE) return fail("encode failed", mamba_status_string(st));
    ids = (int *)malloc((n ? n : 1) * sizeof(int));
    if (!ids) return fail("out of memory", NULL);
    st = mamba_tokenizer_encode(t, text, len, ids, n, &n);
    if (st != MAMBA_OK) { free(ids); return fail("encode failed", mamba_status_string(st)); }
    for (i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[i]);
    printf("\n");
    free(ids);
    return 0;
}

static int decode(const mamba_tokenizer *t, const char *text, size_t len) {
    size_t n = 0, cap = 1024, i = 0, out_n = 0;
    int *ids = (int *)malloc(cap * sizeof(int));
    char *out;
    mamba_status st;
    if (!ids) return fail("out of memory", NULL);
    while (i < len) {
        long v = 0;
        int neg = 0, digits = 0;
        size_t start = i;
        if (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r' || text[i] == '\v' || text[i] == '\f') { i++; continue; }
        if (text[i] == '-') { neg = 1; i++; }
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            if (v < 1000000000L) v = v * 10 + (text[i] - '0');
            i++;
            digits++;
        }
        if (!digits || (i < len && !strchr(" \n\t\r\v\f", text[i]))) { free(ids); return fail("input is not whitespace-separated integer ids", NULL); }
        if (neg) v = -v;
        if (v < 0 || v >= mamba_tokenizer_n_vocab(t) || !mamba_tokenizer_token_bytes(t, (int)v, NULL)) {
            char msg[32];
            size_t m = i - start < sizeof msg - 1 ? i - start : sizeof msg - 1;
            memcpy(msg, text + start, m);
            msg[m] = 0;
            free(ids);
            return fail("no token has the id", msg);
        }
        if (n == cap) {
            int *nb = (int *)realloc(ids, cap * 2 * sizeof(int));
            if (!nb) { free(ids); return fail("out of memory", NULL); }
            ids = nb;
            cap *= 2;
        }
        ids[n++] = (int)v;
    }
    st = mamba_tokenizer_decode(t, ids, n, 0, NULL, 0, &out_n);
    if (st != MAMBA_OK && st != MAMBA_ERR_RANGE) { free(ids); return fail("decode failed", mamba_status_string(st)); }
    out = (char *)malloc(out_n ? out_n : 1);
    if (!out) { free(ids); return fail("out of memory", NULL); }
    st = mamba_tokenizer_decode(t, ids, n, 0, out, out_n, &out_n);
    if (st == MAMBA_OK && fwrite(out, 1, out_n, stdout) != out_n) st = MAMBA_ERR_IO;
    free(out);
    free(ids);
    return st == MAMBA_OK ? 0 : fail("decode failed", mamba_status_string(st));
}

static void usage(FILE *f) {
    fprintf(f, "usage: mamba-tokenize [--decode] [-f FILE] TOKENIZER\n"
               "  TOKENIZER     a tokenizer.json, a SentencePiece tokenizer.model, a GGUF file,\n"
               "                or a model directory holding one\n"
               "  (encode)      text -> ids on one line, space-separated\n"
               "  --decode      ids -> text\n"
               "  -f FILE       read FILE instead of standard input (- = standard input)\n"
               "  -h, --help    this text\n");
}

int main(int argc, char **argv) {
    int dec = 0, rc, i;
    const char *path = NULL, *in = "-";
    mamba_tokenizer *t;
    mamba_error err;
    size_t len = 0;
    char *text;
    tool_name = "mamba-tokenize";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--decode")) dec = 1;
        else if (!strcmp(a, "-f")) in = tool_value(argc, argv, &i);
        else if (a[0] == '-' && a[1]) tool_usage_error("unknown argument '%s'", a);
        else if (!path) path = a;
        else tool_usage_error("one TOKENIZER, not '%s' and '%s'", path, a);
    }
    if (!path) tool_usage_error("no TOKENIZER");
    if (mamba_tokenizer_load_file(&t, path, NULL, &err) != MAMBA_OK) return fail(path, err.message);
    text = tool_read_file(in, &len);
    if (!text) { mamba_tokenizer_free(t); return 1; }
    rc = dec ? decode(t, text, len) : encode(t, text, len);
    if (fflush(stdout) != 0 && !rc) rc = fail("cannot write standard output", NULL);
    free(text);
    mamba_tokenizer_free(t);
    return rc;
}
