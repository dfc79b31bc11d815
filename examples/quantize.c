/* mamba-quantize: convert a model to GGUF, optionally quantized.

   build/mamba-quantize [--pure] [--name NAME] IN OUT TYPE

   IN is a Hugging Face model directory (config.json + safetensors, tokenizer.json
   when present), state-spaces' layout (config.json + pytorch_model.bin or its
   shards), Mistral's (params.json + consolidated.safetensors), a .safetensors
   or .bin file next to its config.json, or a .gguf file.
   OUT is the GGUF file to write; TYPE is F32, F16, BF16, Q8_0, Q4_0, Q4_1,
   Q5_0, Q5_1, IQ4_NL, or a llama-quantize preset: Q2_K, Q3_K_S, Q3_K_M, Q3_K_L,
   Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K. The file is laid out as llama.cpp's
   convert_hf_to_gguf.py + llama-quantize write it (see mamba_gguf_write in
   mamba.h), with llama-quantize's reference quantization and per-tensor
   rules: norms, conv weights, A, D and biases stay F32; the output matrix
   (token_embd when tied) is Q6_K, or Q8_0 when its rows are not a multiple of
   256; rows that are not a multiple of 256 fall back (Q4_K -> Q5_0, Q5_K ->
   Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> IQ4_NL), and to F16 when not
   a multiple of 32 (--pure: no output rule). The per-tensor type table lists
   every matrix ("kept" and the reason where the type differs from TYPE),
   then a summary line:  in=BYTES out=BYTES tensors=N kept=K
   OUT is never one of the files the load reads (compared by device and inode,
   so another spelling, a symbolic or a hard link is caught), and it is only
   replaced once the new file is complete: the GGUF goes to a temporary file
   in OUT's directory, is flushed to disk (fsync) and then renamed over OUT. On
   any failure OUT is as it was and the temporary file is removed.
   Errors: message on stderr, exit status 1 (2 for bad usage). */
#define _POSIX_C_SOURCE 200809L   /* fsync, mkstemp, fchmod, opendir under -std=c11 */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

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

/* ---- OUT is none of the inputs ---------------------------------------------
   What mamba_model_load_file and mamba_tokenizer_load_file read for IN: IN itself;
   for a directory (or the directory of a .safetensors or .bin file) its
   config.json, tokenizer.json, tokenizer.model*, model.safetensors,
   pytorch_model.bin, Mistral's params.json and consolidated.safetensors,
   both index files and every shard either index names (the loader takes
   shard names only inside that directory: any entry whose quoted name occurs
   in an index counts). */
static int same_file(const struct stat *a, const char *path) {
    struct stat b;
    return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* The input OUT is (a path into buf), or NULL when it is none of them. */
static const char *out_is_input(const char *in, const char *out, char *buf, size_t cap) {
    static const char *const fixed[] = {"config.json", "tokenizer.json", "model.safetensors", "model.safetensors.index.json",
                                        "pytorch_model.bin", "pytorch_model.bin.index.json", "params.json", "consolidated.safetensors",
                                        "tokenizer.model", "tokenizer.model.v3", "tokenizer.model.v2", "tokenizer.model.v1", "tokenizer.model.v7"};
    static const char *const indexes[] = {"model.safetensors.index.json", "pytorch_model.bin.index.json"};
    size_t x;
    struct stat so, si;
    char dir[4096];
    size_t k;
    char *index = NULL;
    long n = 0;
    FILE *f;
    DIR *d;
    struct dirent *de;
    if (stat(out, &so) != 0) return NULL;   /* a new file cannot be an input */
    if (same_file(&so, in)) { snprintf(buf, cap, "%s", in); return buf; }
    if (stat(in, &si) != 0) return NULL;    /* the load reports it */
    if (strlen(in) >= sizeof dir) return NULL;   /* longer than any path the load can open */
    if (S_ISDIR(si.st_mode)) snprintf(dir, sizeof dir, "%s", in);
    else if (ends_with(in, ".gguf")) return NULL;   /* one file: the model, its config and tokenizer */
    else {
        const char *sl = strrchr(in, '/');
        if (sl) snprintf(dir, sizeof dir, "%.*s", (int)(sl - in), in); else strcpy(dir, ".");
        if (!dir[0]) strcpy(dir, "/");
    }
    for (k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        if (snprintf(buf, cap, "%s/%s", dir, fixed[k]) >= (int)cap) continue;
        if (same_file(&so, buf)) return buf;
    }
    for (x = 0; x < sizeof indexes / sizeof indexes[0]; x++) {
        index = NULL;
        if (snprintf(buf, cap, "%s/%s", dir, indexes[x]) >= (int)cap || !(f = fopen(buf, "rb"))) continue;
        if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 && (index = (char *)malloc((size_t)n + 1)) &&
            fread(index, 1, (size_t)n, f) == (size_t)n) index[n] = 0;
        else { free(index); index = NULL; }
        fclose(f);
        if (!index || !(d = opendir(dir))) { free(index); continue; }
        while ((de = readdir(d)) != NULL) {
            char quoted[1024];
            if (strlen(de->d_name) + 3 > sizeof quoted) continue;
            if (snprintf(quoted, sizeof quoted, "\"%s\"", de->d_name) >= (int)sizeof quoted ||
                snprintf(buf, cap, "%s/%s", dir, de->d_name) >= (int)cap) continue;
            if (strstr(index, quoted) && same_file(&so, buf)) { closedir(d); free(index); return buf; }
        }
        closedir(d);
        free(index);
    }
    return NULL;
}

/* ---- writing: a temporary file, flushed, then renamed over OUT ------------- */
typedef struct sink { FILE *f; int err; } sink;

static int sink_put(void *user, const void *bytes, size_t n) {
    sink *k = (sink *)user;
    if (fwrite(bytes, 1, n, k->f) == n) return 0;
    k->err = errno ? errno : EIO;
    return 1;
}

/* Writes the GGUF to OUT through OUT.tmp.XXXXXX; 0 on success, else 1 with a
   message on stderr, OUT untouched and no temporary file left. */
static int write_atomic(const mamba_model *m, const mamba_tokenizer *tok, const mamba_gguf_options *o, const char *out) {
    char tmp[4200];
    mamba_error err;
    mamba_status st;
    sink k = {NULL, 0};
    int fd, e = 0;
    mode_t mask = umask(0);
    umask(mask);
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", out) >= (int)sizeof tmp) {
        fprintf(stderr, "mamba-quantize: %s: the path is too long\n", out);
        return 1;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        fprintf(stderr, "mamba-quantize: cannot create a temporary file beside %s: %s\n", out, strerror(errno));
        return 1;
    }
    if (fchmod(fd, 0666 & ~mask) != 0 || !(k.f = fdopen(fd, "wb"))) {
        e = errno;
        close(fd);
        unlink(tmp);
        fprintf(stderr, "mamba-quantize: %s: %s\n", tmp, strerror(e));
        return 1;
    }
    st = mamba_gguf_write(m, tok, o, sink_put, &k, &err);
    if (st != MAMBA_OK) e = k.err;
    else if (fflush(k.f) != 0 || fsync(fileno(k.f)) != 0) { e = errno; st = MAMBA_ERR_IO; }
    if (fclose(k.f) != 0 && st == MAMBA_OK) { e = errno; st = MAMBA_ERR_IO; }
    if (st == MAMBA_OK && rename(tmp, out) != 0) { e = errno; st = MAMBA_ERR_IO; }
    if (st != MAMBA_OK) {
        unlink(tmp);
        if (e) fprintf(stderr, "mamba-quantize: writing %s: %s (%s left as it was)\n", out, strerror(e), out);
        else fprintf(stderr, "mamba-quantize: %s (%s left as it was)\n", err.message, out);
        return 1;
    }
    return 0;
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
    if (ends_with(base, ".safetensors") || ends_with(base, ".bin")) {   /* a file: name the directory it sits in */
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
    tool_name = "mamba-quantize";
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: mamba-quantize [--pure] [--name NAME] IN OUT TYPE\n"
                   "  IN            model directory (Hugging Face, state-spaces or Mistral layout),\n"
                   "                .safetensors or .bin beside its config.json, or .gguf\n"
                   "  OUT           the GGUF file to write (replaced only once complete; never one of IN's files)\n"
                   "  TYPE          F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 IQ4_NL, or a llama-quantize preset:\n"
                   "                Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_K_S Q4_K_M Q5_K_S Q5_K_M Q6_K (Q3_K, Q4_K, Q5_K: the _M)\n"
                   "  --pure        every matrix in TYPE (no output-matrix rule; rows still fall back)\n"
                   "  --name NAME   general.name (default: from IN's directory name)\n"
                   "  -h, --help    this text\n"
                   "the last line: in=BYTES out=BYTES tensors=N kept=K\n");
            return 0;
        } else if (!strcmp(argv[i], "--pure")) o.pure = 1;
        else if (!strcmp(argv[i], "--name")) name = tool_value(argc, argv, &i);
        else if (argv[i][0] == '-' && argv[i][1]) tool_usage_error("unknown option '%s'", argv[i]);
        else if (pos == 0) { in = argv[i]; pos++; }
        else if (pos == 1) { out = argv[i]; pos++; }
        else if (pos == 2) { type = argv[i]; pos++; }
        else tool_usage_error("too many arguments ('%s')", argv[i]);
    }
    if (pos != 3) tool_usage_error("need IN, OUT and TYPE");
    {   /* the preset names, upper case (q4_k_m works too) */
        static const char *const presets[] = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K_S",
                                              "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",
                                              "Q3_K", "Q4_K", "Q5_K"};   /* llama-quantize's aliases of the _M mixes */
        static const mamba_dtype types[] = {MAMBA_DTYPE_F32, MAMBA_DTYPE_F16, MAMBA_DTYPE_BF16, MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0,
                                            MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL, MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K,
                                            MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q5_K,
                                            MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_Q6_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q5_K};
        char up[16];
        size_t k;
        for (k = 0; k < sizeof up - 1 && type[k]; k++) up[k] = (char)toupper((unsigned char)type[k]);
        up[k] = 0;
        for (k = 0; k < sizeof presets / sizeof presets[0]; k++)
            if (!strcmp(up, presets[k])) { o.preset = presets[k]; o.type = types[k]; type = presets[k]; break; }
        if (!o.preset)
            tool_usage_error("unknown type '%s': expected F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K_S, Q3_K_M, "
                             "Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M or Q6_K", type);
        r.f32 = o.type == MAMBA_DTYPE_F32;
    }
    {
        char which[4200];
        if (out_is_input(in, out, which, sizeof which)) {
            fprintf(stderr, "mamba-quantize: OUT %s is %s, which the load reads: write the GGUF elsewhere\n", out, which);
            return 1;
        }
    }
#ifdef SIGXFSZ
    signal(SIGXFSZ, SIG_IGN);   /* over the file size limit: a write error (EFBIG), not a kill */
#endif

    st = mamba_model_load_file(&m, in, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-quantize: %s\n", err.message); goto done; }
    {   /* the tokenizer: the GGUF's metadata, or tokenizer.json beside the weights */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", in);
        if (ends_with(dir, ".safetensors") || ends_with(dir, ".bin")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
        st = mamba_tokenizer_load_file(&tok, dir, NULL, &err);
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
    if (write_atomic(m, tok, &o, out) != 0) goto done;
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
