/* mamba-quantize: convert a model to GGUF, optionally quantized.

   build/mamba-quantize [--pure] [--name NAME] IN OUT TYPE

   IN is a Hugging Face model directory (config.json + safetensors, tokenizer.json
   when present), a .safetensors file next to its config.json, or a .gguf file.
   OUT is the GGUF file to write; TYPE is F32, F16, BF16, Q8_0, Q4_0, Q4_1,
   Q5_0, Q5_1, or a llama-quantize preset: Q2_K, Q3_K_S, Q3_K_M, Q3_K_L,
   Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K. The file is laid out as llama.cpp's
   convert_hf_to_gguf.py + llama-quantize write it (see mamba_gguf_write in
   mamba.h), with llama-quantize's reference quantization and per-tensor
   rules: norms, conv weights, A, D and biases stay F32; the output matrix
   (token_embd when tied) is Q6_K, or Q8_0 when its rows are not a multiple of
   the type's block; rows that are not a multiple of 256 fall back (Q4_K ->
   Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> Q4_0), and to F16 when not
   a multiple of 32 (--pure: no output rule). The per-tensor type table lists
   every matrix ("kept" and the reason where the type differs from TYPE),
   then a summary line:  in=BYTES out=BYTES tensors=N kept=K
   Errors: message on stderr, exit status 1 (2 for bad usage). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static const char *type_name(mamba_dtype t) {
    static const char *const names[] = {"?", "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K",
                                        "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q5_K", "IQ4_NL", "IQ4_XS"};
    return (int)t > 0 && (int)t <= MAMBA_DTYPE_IQ4_XS ? names[t] : "?";
}

typedef struct report { size_t n, kept, small, bytes; int f32; } report;

/* Matrices kept at another type are listed one by one; the small F32
   tensors (A, D, conv, norms, biases) are counted. */
static void on_tensor(void *user, const char *name, mamba_dtype type, size_t bytes, const char *why) {
    report *r = (report *)user;
    r->n++;
    r->bytes += bytes;
    if (!why) {   /* at the type asked for: a row of the table unless a small F32 tensor */
        if (type != MAMBA_DTYPE_F32 || !r->f32) printf("       %-24s %-6s %9zu bytes\n", name, type_name(type), bytes);
        return;
    }
    r->kept++;
    if (type == MAMBA_DTYPE_F32 && strstr(why, ": F32")) r->small++;
    else printf("  kept %-24s %-6s %9zu bytes  (%s)\n", name, type_name(type), bytes, why);
}

static long long file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    long long n;
    if (!f) return -1;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return -1; }
    n = (long long)ftell(f);
    fclose(f);
    return n;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Bytes of the weight files IN names: the file itself, or a directory's
   model.safetensors, or its model-0000K-of-0000N.safetensors shards. */
static long long input_bytes(const char *in) {
    char path[4096];
    long long n, total = 0;
    int k, of;
    if (ends_with(in, ".gguf") || ends_with(in, ".safetensors")) return file_size(in);
    snprintf(path, sizeof path, "%s/model.safetensors", in);
    if ((n = file_size(path)) >= 0) return n;
    for (of = 1; of < 100; of++) {
        snprintf(path, sizeof path, "%s/model-%05d-of-%05d.safetensors", in, 1, of);
        if (file_size(path) < 0) continue;
        for (k = 1; k <= of; k++) {
            snprintf(path, sizeof path, "%s/model-%05d-of-%05d.safetensors", in, k, of);
            if ((n = file_size(path)) < 0) return -1;
            total += n;
        }
        return total;
    }
    return -1;
}

/* general.name the way convert_hf_to_gguf.py makes it from the directory name
   (Metadata.id_to_title): '-' becomes ' ', lowercase words are capitalised
   unless they start with a digit or are versions like v2. */
static void title_from_path(const char *in, char *out, size_t cap) {
    char base[512];
    const char *s;
    size_t n, o = 0, i;
    n = strlen(in);
    while (n > 1 && in[n - 1] == '/') n--;
    s = in + n;
    while (s > in && s[-1] != '/') s--;
    n = (size_t)(in + n - s);
    if (n >= sizeof base) n = sizeof base - 1;
    memcpy(base, s, n);
    base[n] = 0;
    if (ends_with(base, ".safetensors")) {   /* a file: name the directory it sits in */
        out[0] = 0;
        return;
    }
    if (ends_with(base, ".gguf")) base[n - 5] = 0;
    for (i = 0; base[i] && o + 2 < cap;) {
        size_t j = i, k;
        int lower = 1, cased = 0, digit_or_ver;
        while (base[i] == '-' || base[i] == ' ') i++;
        j = i;
        while (base[j] && base[j] != '-' && base[j] != ' ') j++;
        if (j == i) break;
        for (k = i; k < j; k++) {
            if (isupper((unsigned char)base[k])) lower = 0;
            if (isalpha((unsigned char)base[k])) cased = 1;
        }
        digit_or_ver = isdigit((unsigned char)base[i]) || (base[i] == 'v' && j > i + 1 && isdigit((unsigned char)base[i + 1]));
        if (o) out[o++] = ' ';
        for (k = i; k < j && o + 1 < cap; k++) {
            char ch = base[k];
            if (lower && cased && !digit_or_ver) /* str.title(): upper after a non-letter */
                ch = (char)((k == i || !isalpha((unsigned char)base[k - 1])) ? toupper((unsigned char)ch) : ch);
            out[o++] = ch;
        }
        i = j;
    }
    out[o] = 0;
}

int main(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *type = NULL, *name = NULL;
    char title[256];
    mamba_gguf_options o;
    mamba_model *m = NULL;
    mamba_tokenizer *tok = NULL;
    mamba_error err;
    mamba_status st;
    report r = {0, 0, 0, 0, 0};
    long long in_bytes, out_bytes;
    int i, pos = 0, rc = 1;
    memset(&o, 0, sizeof o);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: mamba-quantize [--pure] [--name NAME] IN OUT TYPE\n"
                   "  TYPE: F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_K_S Q4_K_M Q5_K_S Q5_K_M Q6_K\n");
            return 0;
        } else if (!strcmp(argv[i], "--pure")) o.pure = 1;
        else if (!strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "mamba-quantize: unknown option '%s'\n", argv[i]); return 2; }
        else if (pos == 0) { in = argv[i]; pos++; }
        else if (pos == 1) { out = argv[i]; pos++; }
        else if (pos == 2) { type = argv[i]; pos++; }
        else { fprintf(stderr, "mamba-quantize: too many arguments\n"); return 2; }
    }
    if (pos != 3) { fprintf(stderr, "usage: mamba-quantize [--pure] [--name NAME] IN OUT TYPE (mamba-quantize -h)\n"); return 2; }
    {   /* the preset names, upper case (q4_k_m works too) */
        static const char *const presets[] = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S",
                                              "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K"};
        static const mamba_dtype types[] = {MAMBA_DTYPE_F32, MAMBA_DTYPE_F16, MAMBA_DTYPE_BF16, MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0,
                                            MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K,
                                            MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q5_K,
                                            MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_Q6_K};
        char up[16];
        size_t k;
        for (k = 0; k < sizeof up - 1 && type[k]; k++) up[k] = (char)toupper((unsigned char)type[k]);
        up[k] = 0;
        for (k = 0; k < sizeof presets / sizeof presets[0]; k++)
            if (!strcmp(up, presets[k])) { o.preset = presets[k]; o.type = types[k]; type = presets[k]; break; }
        if (!o.preset) {
            fprintf(stderr, "mamba-quantize: unknown type '%s' (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_S, Q3_K_M, "
                            "Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K)\n", type);
            return 2;
        }
        r.f32 = o.type == MAMBA_DTYPE_F32;
    }
    if (!strcmp(in, out)) { fprintf(stderr, "mamba-quantize: IN and OUT are the same file\n"); return 1; }

    st = mamba_load_file(&m, in, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-quantize: %s\n", err.message); goto done; }
    {   /* the tokenizer: the GGUF's metadata, or tokenizer.json beside the weights */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", in);
        if (ends_with(dir, ".safetensors")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
        st = mamba_tokenizer_load_file(&tok, dir, &err);
        if (st != MAMBA_OK) {
            int gguf_none = ends_with(in, ".gguf") && strstr(err.message, "tokenizer.ggml.model is missing") != NULL;
            if (!gguf_none && (ends_with(in, ".gguf") || st != MAMBA_ERR_IO)) { fprintf(stderr, "mamba-quantize: tokenizer: %s\n", err.message); goto done; }
            printf("no tokenizer %s: writing the model without tokenizer metadata\n", gguf_none ? "in the GGUF" : "tokenizer.json");
            tok = NULL;
        }
    }
    if (!name && !ends_with(in, ".gguf")) {
        title_from_path(in, title, sizeof title);
        if (title[0]) name = title;
    }
    o.name = name;
    o.on_tensor = on_tensor;
    o.user = &r;
    printf("%s -> %s (%s)\n", in, out, type);
    st = mamba_gguf_write_file(m, tok, &o, out, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-quantize: %s\n", err.message); goto done; }
    in_bytes = input_bytes(in);
    out_bytes = file_size(out);
    if (r.small) printf("  kept %zu small tensors F32 (A, D, conv1d, norms, biases: the scan stays precise)\n", r.small);
    printf("in=%lld out=%lld tensors=%zu kept=%zu\n", in_bytes, out_bytes, r.n, r.kept);
    rc = 0;
done:
    mamba_tokenizer_free(tok);
    mamba_free(m);
    return rc;
}
