/* Passkey retrieval accuracy (issue 20): for each line "PROMPT\tANSWER" of a
   file (tools/train_passkey.py prompts), feed the prompt's bytes (a byte
   vocabulary model) from an empty state, decode greedily as many tokens as the
   answer has, and count exact answers. With --long CAL the LongMamba filter
   is on for the prompt (mamba_state_set_long(s, cal, prompt length)).

   build/passkey-eval -m MODEL -f PROMPTS [--long CAL] [-t THREADS] [-v]
   -v prints one line per trial: "trial I ok|bad GENERATED ANSWER".
   last line: correct=K trials=N accuracy=K/N digits=D/M digit_accuracy=D/M
   (digits: answer positions where the greedy output equals the answer, the
   output being fed back as usual, so one early miss does not shift the rest) */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *model = NULL, *path = NULL, *long_path = NULL;
    mamba_model *m = NULL;
    mamba_long *cal = NULL;
    mamba_state *s = NULL;
    mamba_error err;
    FILE *f;
    char *line = NULL;
    size_t cap = 1 << 22;
    int *ids = NULL, i, correct = 0, trials = 0, verbose = 0;
    long digits = 0, digit_total = 0;
    char got[64];
    float logits[256];
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "-f") && i + 1 < argc) path = argv[++i];
        else if (!strcmp(argv[i], "--long") && i + 1 < argc) long_path = argv[++i];
        else if (!strcmp(argv[i], "-v")) verbose = 1;
        else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
            int t = atoi(argv[++i]);
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
            if (t > 0) omp_set_num_threads(t);
#else
            (void)t;
#endif
        } else { fprintf(stderr, "usage: passkey-eval -m MODEL -f PROMPTS [--long CAL] [-t THREADS] [-v]\n"); return 1; }
    }
    if (!model || !path) { fprintf(stderr, "passkey-eval: -m and -f are required\n"); return 1; }
    if (mamba_model_load_file(&m, model, NULL, &err) != MAMBA_OK) { fprintf(stderr, "passkey-eval: %s\n", err.message); return 1; }
    if (mamba_model_config(m)->vocab_size != 256) { fprintf(stderr, "passkey-eval: not a byte-vocabulary model\n"); return 1; }
    if (long_path && mamba_long_load_file(&cal, m, long_path, &err) != MAMBA_OK) { fprintf(stderr, "passkey-eval: %s\n", err.message); return 1; }
    if (mamba_state_new(&s, m, 256) != MAMBA_OK) return 1;
    line = (char *)malloc(cap);
    ids = (int *)malloc(sizeof(int) * cap);
    if (!line || !ids || !(f = fopen(path, "rb"))) { fprintf(stderr, "passkey-eval: cannot read %s\n", path); return 1; }
    while (fgets(line, (int)cap, f)) {
        char *tab = strchr(line, '\t'), *ans;
        size_t n, k, alen;
        int ok = 1;
        if (!tab) continue;
        *tab = 0; ans = tab + 1;
        alen = strcspn(ans, "\r\n");
        n = strlen(line);
        for (k = 0; k < n; k++) ids[k] = (unsigned char)line[k];
        mamba_state_reset(s);
        if (cal) mamba_state_set_long(s, cal, n);
        if (mamba_forward(m, s, ids, n, logits, MAMBA_LOGITS_LAST) != MAMBA_OK) return 1;
        for (k = 0; k < alen; k++) {
            int tok = mamba_argmax(logits, 256);
            if (tok != (unsigned char)ans[k]) ok = 0;
            else digits++;
            digit_total++;
            if (k < sizeof got - 1) got[k] = (char)(tok >= 32 && tok < 127 ? tok : '?');
            mamba_step(m, s, tok, logits);
        }
        got[alen < sizeof got - 1 ? alen : sizeof got - 1] = 0;
        if (verbose) printf("trial %d %s %s %.*s\n", trials, ok ? "ok" : "bad", got, (int)alen, ans);
        correct += ok; trials++;
    }
    fclose(f);
    printf("correct=%d trials=%d accuracy=%.3f digits=%ld/%ld digit_accuracy=%.3f\n", correct, trials,
           trials ? (double)correct / trials : 0.0, digits, digit_total, digit_total ? (double)digits / digit_total : 0.0);
    mamba_state_free(s); mamba_long_free(cal); mamba_model_free(m); free(line); free(ids);
    return 0;
}
