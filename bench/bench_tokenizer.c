/* bench_tokenizer: encode speed and table memory of the tokenizer.

     build/bench_tokenizer [TEXT [TOKENIZER ...]]

   TEXT defaults to tests/data/shared/tinyshakespeare.txt (models/tinyshakespeare.txt); the tokenizers to the
   GPT-NeoX-20B and Falcon tokenizer.json files beside it, then Mistral's v3
   SentencePiece tokenizer of tests/data/tokenizer-spm read three ways
   (tokenizer.model, the vocab-only GGUF, tokenizer.json). A TOKENIZER is any
   file mamba_tokenizer_load_file takes. For each tokenizer: MB/s and ids/s
   encoding TEXT as one whole text and as 100-line chunks (one encode call
   per chunk), best of 5 runs, one thread, and the ratio to the first
   tokenizer's speed in the same run; then the bytes of the loaded tables
   (against the bytes of the vocab object and merges array for a JSON).
   For reference, Hugging Face tokenizers measured 0.8-1.0 MB/s whole and
   1.7-2.4 MB/s chunked for NeoX, 0.5-0.9 and 1.0-1.7 for Falcon. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "../tests/test.h"   /* slurp: the file helpers the tests use */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Bytes of JSON text of the value token t (an object or array): from its
   opening bracket to its closing one. */
static size_t json_span(const mamba__json *j, uint32_t t, size_t text_len) {
    const char *s = j->js;
    size_t end = j->tok[t].next < j->ntok ? j->tok[j->tok[t].next].start : text_len;
    char close = j->tok[t].type == MAMBA__J_OBJ ? '}' : ']';
    while (end > j->tok[t].start && s[end - 1] != close) end--;
    return end - j->tok[t].start;
}

static double first_whole, first_chunk;   /* MB/s of the first tokenizer, for the ratios */

static void bench(const char *tok_path, const char *text, size_t len) {
    size_t jlen, n = 0, cap, vm = 0, i, nch = 0, *ch, total = 0;
    char *json = slurp(tok_path, &jlen);
    mamba_tokenizer *t;
    mamba_error err;
    mamba__json j;
    int *ids, run;
    double best_whole = 1e30, best_chunk = 1e30, t0;
    if (!json) { printf("%s: cannot read\n", tok_path); return; }
    t0 = now_s();
    if (mamba_tokenizer_load_file(&t, tok_path, NULL, &err) != MAMBA_OK) { printf("%s: %s\n", tok_path, err.message); free(json); return; }
    printf("%s\n  load %.0f ms\n", tok_path, (now_s() - t0) * 1e3);
    if (jlen && json[0] == '{' && mamba__json_parse(&j, json, jlen, 64, 0, &err, "tokenizer.json") == MAMBA_OK) {
        uint32_t model = mamba__json_get(&j, 0, "model"), v = mamba__json_get(&j, model, "vocab"), m = mamba__json_get(&j, model, "merges");
        if (v) vm += json_span(&j, v, jlen);
        if (m) vm += json_span(&j, m, jlen);
        mamba__json_free(&j);
    }
    /* chunk boundaries: every 100 lines */
    ch = (size_t *)malloc((len / 2 + 2) * sizeof(size_t));
    ch[nch++] = 0;
    for (i = 0, run = 0; i < len; i++)
        if (text[i] == '\n' && ++run == 100) { ch[nch++] = i + 1; run = 0; }
    if (ch[nch - 1] != len) ch[nch++] = len;
    mamba_tokenizer_encode(t, text, len, NULL, 0, &cap);
    ids = (int *)malloc((cap + 16) * sizeof(int));
    for (run = 0; run < 5; run++) {
        double a = now_s();
        mamba_tokenizer_encode(t, text, len, ids, cap + 16, &n);
        a = now_s() - a;
        if (a < best_whole) best_whole = a;
    }
    for (run = 0; run < 5; run++) {
        double a = now_s();
        size_t k, got;
        total = 0;
        for (k = 0; k + 1 < nch; k++) {
            mamba_tokenizer_encode(t, text + ch[k], ch[k + 1] - ch[k], ids, cap + 16, &got);
            total += got;
        }
        a = now_s() - a;
        if (a < best_chunk) best_chunk = a;
        if (run == 0) printf("  %zu ids whole, %zu ids in %zu chunks\n", n, total, nch - 1);
    }
    if (!first_whole) { first_whole = len / best_whole / 1e6; first_chunk = len / best_chunk / 1e6; }
    printf("  encode whole text   %7.2f MB/s  %9.0f ids/s  (%.2fx the first tokenizer)\n", len / best_whole / 1e6, n / best_whole,
           len / best_whole / 1e6 / first_whole);
    printf("  encode 100-line     %7.2f MB/s  %9.0f ids/s  (%.2fx)\n", len / best_chunk / 1e6, total / best_chunk,
           len / best_chunk / 1e6 / first_chunk);
    if (vm) printf("  tables %zu bytes; vocab+merges in the JSON %zu bytes (%.2fx)\n", mamba_tokenizer_table_bytes(t), vm,
                   (double)mamba_tokenizer_table_bytes(t) / (double)vm);
    else printf("  tables %zu bytes; the file %zu bytes\n", mamba_tokenizer_table_bytes(t), jlen);
    free(ids);
    free(ch);
    mamba_tokenizer_free(t);
    free(json);
}

int main(int argc, char **argv) {
    const char *text_path = argc > 1 ? argv[1] : "tests/data/shared/tinyshakespeare.txt";
    size_t len, dl;
    char *text = slurp(text_path, &len);
    int k;
    if (!text) { fprintf(stderr, "cannot read %s\n", text_path); return 1; }
    printf("%s: %zu bytes\n", text_path, len);
    if (argc > 2) {
        for (k = 2; k < argc; k++) bench(argv[k], text, len);
    } else {
        static const char *const names[2] = {"tokenizer-gpt-neox-20b.json", "tokenizer-falcon.json"};
        const char *slash = strrchr(text_path, '/');
        dl = slash ? (size_t)(slash - text_path + 1) : 0;
        static const char *const spm[3] = {"tests/data/tokenizer-spm/mistral-v3.model", "tests/data/tokenizer-spm/mistral-v3-vocab.gguf",
                                           "tests/data/tokenizer-spm/mistral-v3-tokenizer.json"};
        for (k = 0; k < 2; k++) {
            char *p = (char *)malloc(dl + strlen(names[k]) + 1);
            memcpy(p, text_path, dl);
            strcpy(p + dl, names[k]);
            bench(p, text, len);
            free(p);
        }
        for (k = 0; k < 3; k++) bench(spm[k], text, len);
    }
    free(text);
    return 0;
}
