/* mamba-quantize: convert a model to GGUF, optionally quantized.

   build/mamba-quantize [--pure] [--name NAME] IN OUT TYPE

   IN is a Hugging Face model directory (config.json + safetensors, tokenizer.json
   when present), state-spaces' layout (config.json + pytorch_model.bin or its
   shards), Mistral's (params.json + consolidated.safetensors), a .safetensors
   or .bin file next to its config.json, or a .gguf file.
   OUT is the GGUF file to write; TYPE is F32, F16, BF16, Q8_0 or Q4_0. The file
   is laid out as llama.cpp's convert_hf_to_gguf.py + llama-quantize write it
   (see mamba_gguf_write in mamba.h): norms, conv weights, A, D and biases stay
   F32; matrices whose rows are not a multiple of 32 values fall back to F16;
   with Q4_0 the output matrix is Q8_0 (--pure: no such rule). Every tensor
   kept at another type than TYPE is listed with the reason, then a summary
   line:  in=BYTES out=BYTES tensors=N kept=K
   Errors: message on stderr, exit status 1 (2 for bad usage). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static const char *type_name(mamba_dtype t) {
    switch (t) {
    case MAMBA_DTYPE_F32: return "F32";
    case MAMBA_DTYPE_F16: return "F16";
    case MAMBA_DTYPE_BF16: return "BF16";
    case MAMBA_DTYPE_Q8_0: return "Q8_0";
    case MAMBA_DTYPE_Q4_0: return "Q4_0";
    default: return "?";
    }
}

typedef struct report { size_t n, kept, small, bytes; } report;

/* Matrices kept at another type are listed one by one; the small F32
   tensors (A, D, conv, norms, biases) are counted. */
static void on_tensor(void *user, const char *name, mamba_dtype type, size_t bytes, const char *why) {
    report *r = (report *)user;
    r->n++;
    r->bytes += bytes;
    if (!why) return;
    r->kept++;
    if (type == MAMBA_DTYPE_F32 && strstr(why, ": F32")) r->small++;
    else printf("  kept %-24s %-5s %9zu bytes  (%s)\n", name, type_name(type), bytes, why);
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
   model.safetensors / pytorch_model.bin / consolidated.safetensors, or its
   model-0000K-of-0000N.safetensors / pytorch_model-0000K-of-0000N.bin shards. */
static long long input_bytes(const char *in) {
    static const char *const single[] = {"model.safetensors", "pytorch_model.bin", "consolidated.safetensors"};
    static const char *const shard[] = {"%s/model-%05d-of-%05d.safetensors", "%s/pytorch_model-%05d-of-%05d.bin"};
    char path[4096];
    long long n, total = 0;
    int k, of, i;
    if (ends_with(in, ".gguf") || ends_with(in, ".safetensors") || ends_with(in, ".bin")) return file_size(in);
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", in, single[i]);
        if ((n = file_size(path)) >= 0) return n;
    }
    for (i = 0; i < 2; i++)
        for (of = 1; of < 100; of++) {
            snprintf(path, sizeof path, shard[i], in, 1, of);
            if (file_size(path) < 0) continue;
            for (k = 1; k <= of; k++) {
                snprintf(path, sizeof path, shard[i], in, k, of);
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
    report r = {0, 0, 0, 0};
    long long in_bytes, out_bytes;
    int i, pos = 0, rc = 1;
    memset(&o, 0, sizeof o);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: mamba-quantize [--pure] [--name NAME] IN OUT F32|F16|BF16|Q8_0|Q4_0\n");
            return 0;
        } else if (!strcmp(argv[i], "--pure")) o.pure = 1;
        else if (!strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "mamba-quantize: unknown option '%s'\n", argv[i]); return 2; }
        else if (pos == 0) { in = argv[i]; pos++; }
        else if (pos == 1) { out = argv[i]; pos++; }
        else if (pos == 2) { type = argv[i]; pos++; }
        else { fprintf(stderr, "mamba-quantize: too many arguments\n"); return 2; }
    }
    if (pos != 3) { fprintf(stderr, "usage: mamba-quantize [--pure] [--name NAME] IN OUT F32|F16|BF16|Q8_0|Q4_0\n"); return 2; }
    if (!strcmp(type, "F32") || !strcmp(type, "f32")) o.type = MAMBA_DTYPE_F32;
    else if (!strcmp(type, "F16") || !strcmp(type, "f16")) o.type = MAMBA_DTYPE_F16;
    else if (!strcmp(type, "BF16") || !strcmp(type, "bf16")) o.type = MAMBA_DTYPE_BF16;
    else if (!strcmp(type, "Q8_0") || !strcmp(type, "q8_0")) o.type = MAMBA_DTYPE_Q8_0;
    else if (!strcmp(type, "Q4_0") || !strcmp(type, "q4_0")) o.type = MAMBA_DTYPE_Q4_0;
    else { fprintf(stderr, "mamba-quantize: unknown type '%s' (F32, F16, BF16, Q8_0, Q4_0)\n", type); return 2; }
    if (!strcmp(in, out)) { fprintf(stderr, "mamba-quantize: IN and OUT are the same file\n"); return 1; }

    st = mamba_model_load_file(&m, in, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-quantize: %s\n", err.message); goto done; }
    {   /* the tokenizer: the GGUF's metadata, or tokenizer.json beside the weights */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", in);
        if (ends_with(dir, ".safetensors")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
        st = mamba_tokenizer_load_file(&tok, dir, NULL, &err);
        if (st != MAMBA_OK) {
            if (ends_with(in, ".gguf") || st != MAMBA_ERR_IO) { fprintf(stderr, "mamba-quantize: tokenizer: %s\n", err.message); goto done; }
            printf("no tokenizer.json: writing the model without tokenizer metadata\n");
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
    printf("%s -> %s (%s)\n", in, out, type_name(o.type));
    st = mamba_gguf_write_file(m, tok, &o, out, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-quantize: %s\n", err.message); goto done; }
    in_bytes = input_bytes(in);
    out_bytes = file_size(out);
    if (r.small) printf("  kept %zu small tensors F32 (A, D, conv1d, norms, biases: the scan stays precise)\n", r.small);
    printf("in=%lld out=%lld tensors=%zu kept=%zu\n", in_bytes, out_bytes, r.n, r.kept);
    rc = 0;
done:
    mamba_tokenizer_free(tok);
    mamba_model_free(m);
    return rc;
}
