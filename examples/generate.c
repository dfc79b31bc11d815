/* mamba-generate: generate text with a Mamba model.

   build/mamba-generate [-m MODEL] [-p PROMPT | -f FILE | -i "IDS"] [-n N]
                        [--temp T] [--top-k K] [--top-p P] [--seed S] [--chunk N]
                        [-t THREADS] [--ids] [--prompt-cache FILE] [--long CAL]

   Streams the generated text to stdout as it is produced (never a split UTF-8
   sequence), and prints the load time, prompt tok/s and generation tok/s to
   stderr. The same seed gives the same output. MODEL is a model directory
   (config.json, weights, tokenizer.json), a .safetensors file beside them or
   a .gguf file. -f - reads the prompt from standard input.
   --prompt-cache FILE keeps the state after the prompt in FILE (the prompt's
   ids, then the state in mamba.h's versioned saved-state format); when the
   next prompt starts with those ids, it resumes from the state instead of
   recomputing them. The output is the same bits either way.
   Exit status: 0, 1 for a failure at run time, 2 for bad usage. */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MODEL "models/shakespeare-tiny"

static void usage(FILE *f) {
    fprintf(f,
        "usage: mamba-generate [options]\n"
        "  -m MODEL      model directory, .safetensors or .gguf file (default " DEFAULT_MODEL ")\n"
        "  -p PROMPT     prompt text\n"
        "  -f FILE       read the prompt text from FILE (- = standard input)\n"
        "  -i \"IDS\"      prompt as token ids separated by spaces (no tokenizer needed)\n"
        "  -n N          tokens to generate, 0 to 1000000000 (default 200)\n"
        "  --temp T      temperature, 0 to 1000000; 0 = greedy (default 0.8)\n"
        "  --top-k K     keep the K most likely tokens, 0 to 1000000000; 0 = off (default 40)\n"
        "  --top-p P     nucleus sampling, 0 to 1; 1 = off (default 0.95)\n"
        "  --seed S      RNG seed, 0 to 1.8e19 (default 42); the same seed gives the same output\n"
        "  --chunk N     prompt tokens per prefill chunk, 1 to 1048576 (default 64)\n"
        "  -t THREADS    threads, 1 to 1024 (default: all cores, when built with OpenMP)\n"
        "  --ids         print token ids instead of text\n"
        "  --prompt-cache FILE  save the state after the prompt in FILE; resume from\n"
        "                it when the next prompt starts with the same tokens\n"
        "  --long CAL    LongMamba calibration (mamba-longcal) for a prompt longer\n"
        "                than the model's training length; decode is unfiltered\n"
        "                (not with --prompt-cache: the file does not record it)\n"
        "  -h, --help    this text\n");
}

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads a whole file; NULL if it cannot (an absent prompt cache is not an error). */
static char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0, got;
    if (!f) return NULL;
    do {
        if (len + 65536 > cap) {
            char *nb = (char *)realloc(buf, cap = 2 * cap + 65536 + 1);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
    } while (got > 0);
    fclose(f);
    buf[len] = 0;
    *n = len;
    return buf;
}

/* ---- --prompt-cache FILE ---------------------------------------------------
   File: "MBPC", u32 version 1, u32 n (ids), u32 FNV-1a of the ids' bytes, the
   n ids (u32 little-endian), then a saved state (mamba_state_write: its own
   header, version and checksum) after exactly those ids. The ids kept are the
   prompt minus its last token, so a repeated prompt still computes one token
   and gets its logits. Written to FILE.tmp, then renamed over FILE. */
static void put32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t fnv1a(const unsigned char *p, size_t n) { uint32_t h = 2166136261u; while (n--) h = (h ^ *p++) * 16777619u; return h; }

/* Loads FILE into s when its ids are a prefix of prompt[0..n-1); returns how
   many ids it covers (0: not used; why goes to stderr unless the file is absent). */
static size_t prompt_cache_load(const char *path, mamba_state *s, const int *prompt, size_t n) {
    size_t len = 0, k, i;
    unsigned char *b = (unsigned char *)read_file(path, &len);
    const char *why = NULL;
    if (!b) return 0;
    if (len < 16 || memcmp(b, "MBPC", 4)) why = "not a prompt cache file";
    else if (get32(b + 4) != 1) why = "another version";
    else if ((k = get32(b + 8)) > (len - 16) / 4 || fnv1a(b + 16, 4 * k) != get32(b + 12)) why = "damaged";
    else if (k == 0 || k >= n) why = "the prompt does not extend the cached one";
    else {
        for (i = 0; i < k && (int)get32(b + 16 + 4 * i) == prompt[i]; i++) {}
        if (i < k) why = "the prompt does not start with the cached tokens";
        else if (mamba_state_read(s, b + 16 + 4 * k, len - 16 - 4 * k) != MAMBA_OK) why = "its state is damaged or of another model";
        else if (s->n_tokens != k) { why = "its state does not match its tokens"; mamba_state_reset(s); }
    }
    free(b);
    if (why) { fprintf(stderr, "mamba-generate: prompt cache %s not used: %s\n", path, why); return 0; }
    return k;
}

static void prompt_cache_save(const char *path, const mamba_state *s, const int *prompt, size_t k) {
    size_t sn = mamba_state_write_bytes(s), total = 16 + 4 * k + sn, i, tl = strlen(path);
    unsigned char *b = (unsigned char *)malloc(total);
    char *tmp = (char *)malloc(tl + 5);
    FILE *f;
    int ok = 0;
    if (b && tmp && sn) {
        memcpy(b, "MBPC", 4);
        put32(b + 4, 1);
        put32(b + 8, (uint32_t)k);
        for (i = 0; i < k; i++) put32(b + 16 + 4 * i, (uint32_t)prompt[i]);
        put32(b + 12, fnv1a(b + 16, 4 * k));
        memcpy(tmp, path, tl);
        memcpy(tmp + tl, ".tmp", 5);
        if (mamba_state_write(s, b + 16 + 4 * k, sn, NULL) == MAMBA_OK && (f = fopen(tmp, "wb"))) {
            ok = fwrite(b, 1, total, f) == total;
            ok = fclose(f) == 0 && ok;
            ok = ok && rename(tmp, path) == 0;
            if (!ok) remove(tmp);
        }
    }
    if (!ok) fprintf(stderr, "mamba-generate: could not write the prompt cache %s\n", path);
    free(b); free(tmp);
}

/* The prompt through the cache file: resume, compute the rest but the last
   token, save, then the last token for its logits. Same bits as one
   mamba_forward of the whole prompt. */
static mamba_status prompt_with_cache(const char *path, const mamba_model *m, mamba_state *s, const int *prompt, size_t n,
                                      float *logits) {
    size_t k = prompt_cache_load(path, s, prompt, n);
    mamba_status st = MAMBA_OK;
    if (k) fprintf(stderr, "mamba-generate: prompt cache: %zu of %zu prompt tokens reused\n", k, n);
    if (n - 1 > k) {
        st = mamba_forward(m, s, prompt + k, n - 1 - k, NULL, MAMBA_LOGITS_NONE);
        if (st == MAMBA_OK) prompt_cache_save(path, s, prompt, n - 1);
    }
    return st == MAMBA_OK ? mamba_step(m, s, prompt[n - 1], logits) : st;
}

int main(int argc, char **argv) {
    const char *model = DEFAULT_MODEL, *prompt_text = NULL, *prompt_file = NULL, *ids_arg = NULL, *cache_path = NULL;
    const char *long_path = NULL;
    mamba_long *cal = NULL;
    double n_gen = 200, temp = 0.8, top_k = 40, top_p = 0.95, seed = 42, chunk = 64, threads = 0;
    int *prompt = NULL, n_prompt = 0, i, rc = 1, tok, print_ids = 0, V;
    float *logits = NULL;
    char *file_text = NULL, out[256];
    size_t file_len = 0, n_out, cap;
    mamba_model *m = NULL;
    mamba_state *s = NULL;
    mamba_tokenizer *tk = NULL;
    mamba_decoder dec;
    mamba_sampler smp;
    mamba_sampler_params sp;
    mamba_error err;
    mamba_status st;
    const mamba_config *c;
    double t0, t1, t2, t3;
    memset(&smp, 0, sizeof smp);
    tool_name = "mamba-generate";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "-n")) n_gen = tool_number(a, tool_value(argc, argv, &i), 0, 1e9, 1);
        else if (!strcmp(a, "--temp")) temp = tool_number(a, tool_value(argc, argv, &i), 0, 1e6, 0);
        else if (!strcmp(a, "--top-k")) top_k = tool_number(a, tool_value(argc, argv, &i), 0, 1e9, 1);
        else if (!strcmp(a, "--top-p")) top_p = tool_number(a, tool_value(argc, argv, &i), 0, 1, 0);
        else if (!strcmp(a, "--seed")) seed = tool_number(a, tool_value(argc, argv, &i), 0, 1.8e19, 1);
        else if (!strcmp(a, "--chunk")) chunk = tool_number(a, tool_value(argc, argv, &i), 1, 1 << 20, 1);
        else if (!strcmp(a, "-t")) threads = tool_number(a, tool_value(argc, argv, &i), 1, 1024, 1);
        else if (!strcmp(a, "-m")) model = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-p")) prompt_text = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-f")) prompt_file = tool_value(argc, argv, &i);
        else if (!strcmp(a, "-i")) ids_arg = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--ids")) print_ids = 1;
        else if (!strcmp(a, "--prompt-cache")) cache_path = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--long")) long_path = tool_value(argc, argv, &i);
        else tool_usage_error("unknown argument '%s'", a);
    }
    if (!!prompt_text + !!prompt_file + !!ids_arg > 1) tool_usage_error("give one of -p, -f and -i");
    /* a cached state does not say whether (or how far) it was filtered */
    if (long_path && cache_path) tool_usage_error("--long and --prompt-cache cannot be used together");
    if (prompt_file) {
        file_text = tool_read_file(prompt_file, &file_len);
        if (!file_text) return 1;
    }
    t0 = now_s();
    st = mamba_model_load_file(&m, model, NULL, &err);
    if (st == MAMBA_OK && threads > 0) mamba_model_set_threads(m, (int)threads, MAMBA_THREADS_ADAPTIVE);   /* no effect without OpenMP */
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-generate: %s\n", err.message); goto out; }
    c = mamba_model_config(m);
    if (long_path && (st = mamba_long_load_file(&cal, m, long_path, &err)) != MAMBA_OK) {
        fprintf(stderr, "mamba-generate: %s\n", err.message);
        goto out;
    }
    V = c->vocab_size;
    if (!ids_arg) {   /* the tokenizer beside the weights */
        char *dir = (char *)malloc(strlen(model) + 1);
        strcpy(dir, model);
        if (strstr(dir, ".safetensors")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
        st = mamba_tokenizer_load_file(&tk, dir, NULL, &err);
        free(dir);
        if (st != MAMBA_OK) { fprintf(stderr, "mamba-generate: %s (give the prompt as ids with -i)\n", err.message); goto out; }
        /* ids the tokenizer cannot decode (padded vocabulary rows) are never sampled */
        if (mamba_tokenizer_n_vocab(tk) < V) V = mamba_tokenizer_n_vocab(tk);
    }
    t1 = now_s();
    if (ids_arg) {
        const char *p = ids_arg;
        char *end;
        prompt = (int *)malloc(sizeof(int) * (strlen(ids_arg) / 2 + 2));
        if (!prompt) goto oom;
        while (*p) {
            long id = strtol(p, &end, 10);
            if (end == p) { if (*p == ' ' || *p == ',') { p++; continue; } fprintf(stderr, "mamba-generate: bad id list for -i at '%.20s' (ids separated by spaces)\n", p); goto out; }
            if (id < 0 || id >= c->vocab_size) { fprintf(stderr, "mamba-generate: token id %ld out of range (0 to %d: vocab_size %d)\n", id, c->vocab_size - 1, c->vocab_size); goto out; }
            prompt[n_prompt++] = (int)id;
            p = end;
        }
    } else {
        const char *text = file_text ? file_text : prompt_text ? prompt_text : "";
        size_t len = file_text ? file_len : strlen(text), need = 0;
        mamba_tokenizer_encode(tk, text, len, NULL, 0, &need);   /* measure */
        prompt = (int *)malloc(sizeof(int) * (need + 1));
        if (!prompt) goto oom;
        if ((st = mamba_tokenizer_encode(tk, text, len, prompt, need + 1, &need)) != MAMBA_OK) {
            fprintf(stderr, "mamba-generate: cannot tokenize the prompt: %s\n", mamba_status_string(st));
            goto out;
        }
        n_prompt = (int)need;
        for (i = 0; i < n_prompt; i++)
            if (prompt[i] >= c->vocab_size) { fprintf(stderr, "mamba-generate: the tokenizer gives id %d, beyond the model's vocabulary\n", prompt[i]); goto out; }
        fwrite(text, 1, len, stdout);   /* echo the prompt, then continue it */
    }
    if (!n_prompt) {   /* an empty prompt starts from the bos token (else id 0) */
        int bos = tk ? mamba_tokenizer_bos_id(tk) : c->bos_token_id;
        if (!prompt) prompt = (int *)malloc(sizeof(int));
        if (!prompt) goto oom;
        prompt[n_prompt++] = bos >= 0 && bos < c->vocab_size ? bos : 0;
    }
    logits = (float *)malloc(sizeof(float) * (size_t)c->vocab_size);
    if (!logits) goto oom;
    sp.temperature = (float)temp; sp.top_k = (int)top_k; sp.top_p = (float)top_p; sp.seed = (uint64_t)seed;
    if ((st = mamba_state_new(&s, m, (int)chunk)) != MAMBA_OK ||
        (st = mamba_sampler_init(&smp, V, &sp, NULL, 0)) != MAMBA_OK) {
        fprintf(stderr, "mamba-generate: %s\n", mamba_status_string(st));
        goto out;
    }
    if (cal) mamba_state_set_long(s, cal, (uint64_t)n_prompt);   /* LongMamba: the prompt is the filtered stretch */
    mamba_decoder_init(&dec, 0);
    st = cache_path ? prompt_with_cache(cache_path, m, s, prompt, (size_t)n_prompt, logits)
                    : mamba_forward(m, s, prompt, (size_t)n_prompt, logits, MAMBA_LOGITS_LAST);
    t2 = now_s();
    for (i = 0; i < (int)n_gen && st == MAMBA_OK; i++) {
        tok = mamba_sample(&smp, logits);
        if (print_ids || !tk) printf(i ? " %d" : "%d", tok);
        else if (mamba_decoder_token(&dec, tk, tok, out, sizeof out, &n_out) == MAMBA_OK) fwrite(out, 1, n_out, stdout);
        fflush(stdout);
        st = mamba_step(m, s, tok, logits);
    }
    if (tk && !print_ids && mamba_decoder_flush(&dec, out, sizeof out, &n_out) == MAMBA_OK) fwrite(out, 1, n_out, stdout);
    printf("\n");
    t3 = now_s();
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-generate: %s\n", mamba_status_string(st)); goto out; }
    cap = (size_t)n_gen;
    fprintf(stderr, "load %.3f s | prompt %d tokens, %.1f tok/s | generated %zu tokens, %.1f tok/s\n",
            t1 - t0, n_prompt, n_prompt / (t2 - t1 > 1e-9 ? t2 - t1 : 1e-9), cap, (double)cap / (t3 - t2 > 1e-9 ? t3 - t2 : 1e-9));
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "mamba-generate: out of memory\n");
out:
    mamba_sampler_free(&smp);
    mamba_state_free(s);
    mamba_long_free(cal);
    mamba_tokenizer_free(tk);
    mamba_model_free(m);
    free(prompt);
    free(logits);
    free(file_text);
    return rc;
}
