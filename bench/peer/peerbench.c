/* mamba-peerbench: llama-bench's two measurements, done the same way with mamba.h,
   for bench/peer/run.sh (the side-by-side with llama.cpp on the same GGUF files).

   usage: mamba-peerbench -m MODEL [-p N_PROMPT] [-n N_GEN] [-t THREADS] [-r REPS] [--chunk C]

   Like llama-bench: a warm-up that is not counted (64 prompt tokens and a step: it
   faults the mmap'd weights in and starts the threads; llama-bench's warm-up is a
   whole run), then REPS timed runs from an empty state; prints one line per run,
   "pp N tok/s X" for a prompt of N tokens processed in one mamba_forward call
   (MAMBA_LOGITS_LAST), or "tg N tok/s X" for N mamba_step calls that each return
   the logits (the tokens fed are fixed pseudo-random ids, no sampling: llama-bench
   does not sample either). Threads: exactly THREADS (MAMBA_THREADS_FIXED), as
   llama-bench -t. The prompt ids are spread over the vocabulary; a Mamba's work
   does not depend on which ids they are. Exit status 0, 1 on an error. */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../../mamba.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(const mamba_model *m, mamba_state *s, const int *ids, int np, int ng, float *logits) {
    int i;
    mamba_state_reset(s);
    if (np > 0 && mamba_forward(m, s, ids, (size_t)np, logits, MAMBA_LOGITS_LAST) != MAMBA_OK) return 1;
    for (i = 0; i < ng; i++)
        if (mamba_step(m, s, ids[i], logits) != MAMBA_OK) return 1;
    return 0;
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int np = 512, ng = 0, threads = 1, reps = 1, chunk = 0, i, n_ids, rc = 1;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_error err;
    int *ids = NULL;
    float *logits = NULL;
    for (i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { fprintf(stderr, "mamba-peerbench: %s needs a value\n", a); return 1; }
        if (!strcmp(a, "-m")) path = v;
        else if (!strcmp(a, "-p")) np = atoi(v);
        else if (!strcmp(a, "-n")) ng = atoi(v);
        else if (!strcmp(a, "-t")) threads = atoi(v);
        else if (!strcmp(a, "-r")) reps = atoi(v);
        else if (!strcmp(a, "--chunk")) chunk = atoi(v);
        else { fprintf(stderr, "mamba-peerbench: unknown argument %s\n", a); return 1; }
    }
    if (!path || np < 0 || ng < 0 || np + ng == 0 || np > 1 << 20 || ng > 1 << 20 || threads < 1 || reps < 1 || chunk < 0) {
        fprintf(stderr, "usage: mamba-peerbench -m MODEL [-p N_PROMPT] [-n N_GEN] [-t THREADS] [-r REPS] [--chunk C]\n");
        return 1;
    }
    if (mamba_model_load_file(&m, path, NULL, &err) != MAMBA_OK) { fprintf(stderr, "mamba-peerbench: %s\n", err.message); return 1; }
    mamba_model_set_threads(m, threads, MAMBA_THREADS_FIXED);
    n_ids = np > ng ? np : ng;
    ids = (int *)malloc(sizeof(int) * (size_t)n_ids);
    logits = (float *)malloc(sizeof(float) * (size_t)mamba_model_config(m)->vocab_size);
    if (!ids || !logits || mamba_state_new(&s, m, chunk) != MAMBA_OK) { fprintf(stderr, "mamba-peerbench: out of memory\n"); goto out; }
    for (i = 0; i < n_ids; i++) ids[i] = 1 + (int)((i * 7919L) % (mamba_model_config(m)->vocab_size - 1));
    /* warm-up: one chunk of the prompt (it reads every weight) and a step */
    if (run(m, s, ids, np < 64 ? np : 64, ng ? 1 : 0, logits)) { fprintf(stderr, "mamba-peerbench: forward failed\n"); goto out; }
    for (i = 0; i < reps; i++) {
        double t0;
        if (np) {
            t0 = now_s();
            if (run(m, s, ids, np, 0, logits)) goto out;
            printf("pp %d tok/s %.3f\n", np, np / (now_s() - t0));
        }
        if (ng) {
            mamba_state_reset(s);
            t0 = now_s();
            if (run(m, s, ids, 0, ng, logits)) goto out;
            printf("tg %d tok/s %.3f\n", ng, ng / (now_s() - t0));
        }
        fflush(stdout);
    }
    rc = 0;
out:
    mamba_state_free(s);
    mamba_model_free(m);
    free(ids);
    free(logits);
    return rc;
}
