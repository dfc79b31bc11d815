/* The consumer project's program: greedy text from a model, and the version.
   consumer MODEL   (prints "mamba.h X.Y.Z" and 40 greedy tokens' text) */
#define MAMBA_IMPLEMENTATION
#include "mamba.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    mamba_model *m = NULL;
    mamba_tokenizer *tok = NULL;
    mamba_state *s = NULL;
    mamba_decoder dec;
    mamba_error err;
    float *logits;
    int ids[16], i, rc = 1;
    size_t n;
    char out[256];
    if (argc < 2) { fprintf(stderr, "usage: consumer MODEL\n"); return 2; }
    printf("mamba.h %s\n", mamba_version_string());
    if (strcmp(mamba_version_string(), MAMBA_VERSION_STRING)) { fprintf(stderr, "version mismatch\n"); return 1; }
    if (mamba_model_load_file(&m, argv[1], NULL, &err) != MAMBA_OK ||
        mamba_tokenizer_load_file(&tok, argv[1], NULL, &err) != MAMBA_OK) { fprintf(stderr, "%s\n", err.message); goto done; }
    logits = (float *)malloc(sizeof(float) * (size_t)mamba_model_config(m)->vocab_size);
    if (!logits || mamba_tokenizer_encode(tok, "ROMEO:", 6, ids, 16, &n) != MAMBA_OK || n == 0 ||
        mamba_state_new(&s, m, 0) != MAMBA_OK || mamba_forward(m, s, ids, n, logits, MAMBA_LOGITS_LAST) != MAMBA_OK) {
        fprintf(stderr, "setup failed\n");
        free(logits);
        goto done;
    }
    mamba_decoder_init(&dec, 0);
    fputs("ROMEO:", stdout);
    for (i = 0; i < 40; i++) {
        int id = mamba_argmax(logits, mamba_model_config(m)->vocab_size);
        if (mamba_decoder_token(&dec, tok, id, out, sizeof out, &n) == MAMBA_OK) fwrite(out, 1, n, stdout);
        if (mamba_step(m, s, id, logits) != MAMBA_OK) break;
    }
    putchar('\n');
    rc = i == 40 ? 0 : 1;
    free(logits);
done:
    mamba_state_free(s);
    mamba_tokenizer_free(tok);
    mamba_model_free(m);
    return rc;
}
