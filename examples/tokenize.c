/* mamba-tokenize: text to token ids and back with a tokenizer.json.

     mamba-tokenize TOKENIZER < text.txt           ids on one line, space-separated
     mamba-tokenize --decode TOKENIZER < ids.txt   the text bytes

   TOKENIZER is a tokenizer.json or a model directory holding one. Encoding
   reads all of standard input as one text and adds no special tokens beyond
   what the tokenizer.json's post-processor adds. Errors go to stderr, with
   exit status 1. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_stdin(size_t *len) {
    size_t cap = 1 << 16, n = 0, got;
    char *buf = (char *)malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = (char *)realloc(buf, cap * 2);
            if (!nb) { free(buf); return NULL; }
            buf = nb;
            cap *= 2;
        }
    }
    if (buf && ferror(stdin)) { free(buf); return NULL; }
    *len = n;
    return buf;
}

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

int main(int argc, char **argv) {
    int dec = argc == 3 && !strcmp(argv[1], "--decode"), rc;
    const char *path = argv[argc - 1];
    mamba_tokenizer *t;
    mamba_error err;
    size_t len = 0;
    char *text;
    if (!(argc == 2 && argv[1][0] != '-') && !dec) {
        fprintf(stderr, "usage: mamba-tokenize [--decode] TOKENIZER\n"
                        "  TOKENIZER: a tokenizer.json, or a model directory holding one\n"
                        "  encode: stdin text -> ids on one line; --decode: stdin ids -> text\n");
        return 1;
    }
    if (mamba_tokenizer_load_file(&t, path, NULL, &err) != MAMBA_OK) return fail(path, err.message);
    text = read_stdin(&len);
    if (!text) { mamba_tokenizer_free(t); return fail("cannot read standard input", NULL); }
    rc = dec ? decode(t, text, len) : encode(t, text, len);
    if (fflush(stdout) != 0 && !rc) rc = fail("cannot write standard output", NULL);
    free(text);
    mamba_tokenizer_free(t);
    return rc;
}
