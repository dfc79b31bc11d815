/* mamba-generate: generate tokens from a model.

   build/mamba-generate [-m MODEL] [-i "ID ID ..."] [-n N] [--temp T] [--top-k K]
                        [--top-p P] [--seed S] [--chunk N] [-t THREADS]

   Prints the generated token ids to stdout as they are produced, and the load
   time, prompt tok/s and generation tok/s to stderr. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MODEL "models/shakespeare-tiny"

static void usage(FILE *f) {
    fprintf(f,
        "usage: mamba-generate [options]\n"
        "  -m MODEL      model directory or .safetensors file (default " DEFAULT_MODEL ")\n"
        "  -i \"IDS\"      prompt as token ids separated by spaces (default: the bos id, else 0)\n"
        "  -n N          tokens to generate (default 64)\n"
        "  --temp T      temperature; 0 = greedy (default 0.8)\n"
        "  --top-k K     keep the K most likely tokens; 0 = off (default 40)\n"
        "  --top-p P     nucleus sampling; 1 = off (default 0.95)\n"
        "  --seed S      RNG seed (default 42); the same seed gives the same output\n"
        "  --chunk N     prompt tokens per prefill chunk (default 64)\n"
        "  -t THREADS    accepted for compatibility; threads come with the speed work\n"
        "  -h, --help    this text\n");
}

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int num_arg(const char *s, double lo, double hi, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return 0;
    *out = v;
    return 1;
}

int main(int argc, char **argv) {
    const char *model = DEFAULT_MODEL, *ids_arg = NULL;
    double n_gen = 64, temp = 0.8, top_k = 40, top_p = 0.95, seed = 42, chunk = 64, threads = 1, v;
    int *prompt = NULL, n_prompt = 0, i, rc = 1, tok;
    float *logits = NULL;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_sampler smp;
    mamba_error err;
    mamba_status st;
    const mamba_config *c;
    double t0, t1, t2, t3;
    memset(&smp, 0, sizeof smp);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
#define NUM(flag, lo, hi, dst) else if (!strcmp(a, flag)) { if (!val || !num_arg(val, lo, hi, &v)) { fprintf(stderr, "mamba-generate: bad value for %s\\n", flag); return 1; } dst = v; i++; }
        NUM("-n", 0, 1e9, n_gen)
        NUM("--temp", 0, 1e6, temp)
        NUM("--top-k", 0, 1e9, top_k)
        NUM("--top-p", 0, 1, top_p)
        NUM("--seed", 0, 1.8e19, seed)
        NUM("--chunk", 1, 1 << 20, chunk)
        NUM("-t", 1, 1024, threads)
#undef NUM
        else if (!strcmp(a, "-m") && val) { model = val; i++; }
        else if (!strcmp(a, "-i") && val) { ids_arg = val; i++; }
        else { fprintf(stderr, "mamba-generate: unknown argument '%s'\n", a); usage(stderr); return 1; }
    }
    (void)threads;
    t0 = now_s();
    st = mamba_load_file(&m, model, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-generate: %s\n", err.message); return 1; }
    c = mamba_get_config(m);
    t1 = now_s();
    prompt = (int *)malloc(sizeof(int) * (ids_arg ? strlen(ids_arg) / 2 + 2 : 1));
    logits = (float *)malloc(sizeof(float) * (size_t)c->vocab_size);
    if (!prompt || !logits) { fprintf(stderr, "mamba-generate: out of memory\n"); goto out; }
    if (ids_arg) {
        const char *p = ids_arg;
        char *end;
        while (*p) {
            long id = strtol(p, &end, 10);
            if (end == p) { if (*p == ' ' || *p == ',') { p++; continue; } fprintf(stderr, "mamba-generate: bad id list\n"); goto out; }
            if (id < 0 || id >= c->vocab_size) { fprintf(stderr, "mamba-generate: token id %ld out of range\n", id); goto out; }
            prompt[n_prompt++] = (int)id;
            p = end;
        }
    }
    if (!n_prompt) prompt[n_prompt++] = c->bos_token_id >= 0 && c->bos_token_id < c->vocab_size ? c->bos_token_id : 0;
    if ((st = mamba_state_new(&s, m, (int)chunk)) != MAMBA_OK ||
        (st = mamba_sampler_init(&smp, c->vocab_size, (float)temp, (int)top_k, (float)top_p, (uint64_t)seed, NULL, 0)) != MAMBA_OK) {
        fprintf(stderr, "mamba-generate: %s\n", mamba_status_string(st));
        goto out;
    }
    st = mamba_forward(m, s, prompt, (size_t)n_prompt, logits, MAMBA_LOGITS_LAST);
    t2 = now_s();
    for (i = 0; i < (int)n_gen && st == MAMBA_OK; i++) {
        tok = mamba_sample(&smp, logits);
        printf(i ? " %d" : "%d", tok);
        fflush(stdout);
        st = mamba_step(m, s, tok, logits);
    }
    printf("\n");
    t3 = now_s();
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-generate: %s\n", mamba_status_string(st)); goto out; }
    fprintf(stderr, "load %.3f s | prompt %d tok, %.1f tok/s | generated %d tok, %.1f tok/s\n",
            t1 - t0, n_prompt, n_prompt / (t2 - t1 > 1e-9 ? t2 - t1 : 1e-9), (int)n_gen,
            n_gen / (t3 - t2 > 1e-9 ? t3 - t2 : 1e-9));
    rc = 0;
out:
    mamba_sampler_free(&smp);
    mamba_state_free(s);
    mamba_free(m);
    free(prompt);
    free(logits);
    return rc;
}
