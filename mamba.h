/* mamba.h - run Mamba-family selective state-space language models on a CPU.
   Single-header C11 library, no dependencies beyond the C standard library.

   USAGE
     In exactly one C or C++ file:
         #define MAMBA_IMPLEMENTATION
         #include "mamba.h"
     Everywhere else just #include "mamba.h". Link with -lm.

   TEN-LINE EXAMPLE (token ids in, logits out)
         mamba_model *m; mamba_state *s; mamba_error err;
         if (mamba_load_file(&m, "models/shakespeare-tiny", NULL, &err) != MAMBA_OK) {
             fprintf(stderr, "%s\n", err.message); return 1; }
         mamba_state_new(&s, m, 0);
         float *logits = malloc(sizeof(float) * mamba_get_config(m)->vocab_size);
         int prompt[] = {72, 101, 108, 108, 111};
         mamba_forward(m, s, prompt, 5, logits, MAMBA_LOGITS_LAST); // prefill
         int next = mamba_argmax(logits, mamba_get_config(m)->vocab_size);
         mamba_step(m, s, next, logits);                             // one token
         mamba_state_free(s); mamba_free(m); free(logits);

   WHAT IS SUPPORTED
     Models:   Mamba-1 (model_type "mamba", HF or original state-spaces config),
               Falcon Mamba (model_type "falcon_mamba").
     Weights:  Hugging Face safetensors, single file or sharded
               (model.safetensors.index.json), tensors in F32, F16 or BF16
               (each tensor may have its own dtype). Large matrices are used in
               place, in their stored dtype (mmap'd file or caller's buffer);
               only small per-channel vectors are converted to F32 at load.
               Tensors need no particular alignment: a misaligned matrix is
               copied once into an aligned buffer.

   API IN ONE PARAGRAPH
     mamba_load_file() opens a model directory (config.json + model.safetensors
     or model.safetensors.index.json) or a .safetensors file next to its
     config.json; mamba_load_memory() takes the bytes of one safetensors file and
     the text of its config.json, and never copies aligned weights.
     A mamba_state holds one sequence: its recurrent state
     (mamba_state_size() bytes, fixed, from the config alone) and a scratch area
     (mamba_scratch_size(), proportional to the prefill chunk, never to the
     prompt length). mamba_step() feeds one token; mamba_forward() feeds many
     (batched matrix products, chunked), continues from whatever the state holds
     and returns the logits of the last token, of every token, or none.
     Every function that can fail returns a mamba_status; loaders also fill an
     optional mamba_error with a message naming the file, tensor or key at fault.
     A failing call leaves nothing allocated and nothing half-built.

   THREADS
     A loaded model is immutable and may be shared by any number of threads; a
     mamba_state belongs to one thread at a time. The library has no global
     mutable state.

   CONFIGURATION MACROS (define before the implementation include)
     MAMBA_MALLOC(sz), MAMBA_FREE(p)   allocator (define both or neither)
     MAMBA_ASSERT(x)                   internal assertions (default: none)
     MAMBA_EXPF, MAMBA_LOGF, MAMBA_LOG1PF, MAMBA_SQRTF   libm replacements
     MAMBA_NO_STDIO                    compile out every file function
                                       (mamba_load_memory still works)
     MAMBA_NO_MMAP                     read files with fread instead of mmap
     MAMBA_STATIC                      make every API function static
     MAMBA_DLL                         export the API from a shared library
     MAMBA_MAX_DIM                     cap on any model dimension (default 1<<20)

   NUMERICS
     fp32 residual stream, fp32 state, fp32 accumulation. Weights in F16/BF16
     are widened on the fly inside the dot products. The step path and the
     sequence path use the same dot product, so they give bit-identical logits.

   LICENSE: MIT, see the end of this file.
*/
#ifndef MAMBA_H
#define MAMBA_H

#include <stddef.h>
#include <stdint.h>

#define MAMBA_VERSION_MAJOR 0
#define MAMBA_VERSION_MINOR 1
#define MAMBA_VERSION_PATCH 0
#define MAMBA__STR2(x) #x
#define MAMBA__STR(x) MAMBA__STR2(x)
#define MAMBA_VERSION_STRING MAMBA__STR(MAMBA_VERSION_MAJOR) "." MAMBA__STR(MAMBA_VERSION_MINOR) "." MAMBA__STR(MAMBA_VERSION_PATCH)

#if defined(MAMBA_STATIC)
#define MAMBA_API static
#elif defined(MAMBA_DLL) && defined(_WIN32)
#define MAMBA_API __declspec(dllexport)
#elif defined(MAMBA_DLL)
#define MAMBA_API __attribute__((visibility("default")))
#else
#define MAMBA_API extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: the list yields both the enum and its text. */
#define MAMBA_STATUS_LIST(X)                                                    \
    X(MAMBA_OK,              "ok")                                              \
    X(MAMBA_ERR_IO,          "file could not be opened or read")                \
    X(MAMBA_ERR_FORMAT,      "malformed file")                                  \
    X(MAMBA_ERR_UNSUPPORTED, "unsupported model, dtype or feature")             \
    X(MAMBA_ERR_NOMEM,       "out of memory")                                   \
    X(MAMBA_ERR_BADARG,      "invalid argument")                                \
    X(MAMBA_ERR_MISSING,     "required tensor or key missing")                  \
    X(MAMBA_ERR_SHAPE,       "tensor shape or size does not match the config")  \
    X(MAMBA_ERR_CONFIG,      "invalid model configuration")                     \
    X(MAMBA_ERR_RANGE,       "value out of range")                              \
    X(MAMBA_ERR_LIMIT,       "a size limit was exceeded")

typedef enum mamba_status {
#define MAMBA__ENUM(id, text) id,
    MAMBA_STATUS_LIST(MAMBA__ENUM)
#undef MAMBA__ENUM
    MAMBA_STATUS_COUNT
} mamba_status;

/* Detail of a failed load: status plus a message naming the file/tensor/key. */
typedef struct mamba_error {
    mamba_status status;
    char message[256];
} mamba_error;

typedef enum mamba_arch {
    MAMBA_ARCH_AUTO = 0,        /* options: take it from the config */
    MAMBA_ARCH_MAMBA1,
    MAMBA_ARCH_FALCON_MAMBA,    /* Mamba-1 + weightless RMS norms on dt, B, C */
    MAMBA_ARCH_MAMBA2           /* SSD block: scalar decay per head, grouped B/C */
} mamba_arch;

typedef enum mamba_dtype {
    MAMBA_DTYPE_UNKNOWN = 0, MAMBA_DTYPE_F32, MAMBA_DTYPE_F16, MAMBA_DTYPE_BF16
} mamba_dtype;

/* Everything the forward pass needs to know about a model's shape. */
typedef struct mamba_config {
    mamba_arch arch;
    int d_model;        /* residual width (hidden_size)                      */
    int n_layer;        /* blocks                                            */
    int d_inner;        /* expand * d_model (intermediate_size)              */
    int d_state;        /* N: SSM state per channel                          */
    int d_conv;         /* K: causal conv kernel width                       */
    int dt_rank;        /* R: rank of the dt projection (Mamba-1; 0 for 2)   */
    int n_heads;        /* Mamba-2: H = d_inner / head_dim (0 for Mamba-1)   */
    int head_dim;       /* Mamba-2: P                                        */
    int n_groups;       /* Mamba-2: G groups of heads sharing B and C        */
    int conv_dim;       /* conv channels: d_inner, or d_inner + 2*G*N        */
    int d_in_proj;      /* rows of in_proj: 2*d_inner, or 2*d_inner+2GN+H    */
    float dt_min, dt_max; /* Mamba-2 time_step_limit clamp of dt             */
    int gated_norm;     /* Mamba-2: gated RMSNorm before out_proj (rmsnorm)  */
    int norm_before_gate; /* Mamba-2: normalise y, then multiply by silu(z)  */
    int d_per_channel;  /* Mamba-2: D has d_inner entries (D_has_hdim)       */
    int vocab_size;     /* logits produced: vocab_size from the config       */
    int n_embd_rows;    /* rows of the embedding (>= vocab_size when padded) */
    float norm_eps;     /* block and final RMSNorm epsilon                   */
    float mixer_rms_eps;/* Falcon Mamba's dt/B/C norm epsilon                */
    int has_in_bias, has_out_bias, has_conv_bias, tied_embeddings;
    int bos_token_id, eos_token_id, pad_token_id;   /* -1 when not given     */
} mamba_config;

/* Load options. A zeroed struct (or NULL) means "defaults" everywhere. */
typedef struct mamba_options {
    size_t max_header_bytes;    /* safetensors JSON header cap; 0 = 100 MB    */
    int    max_json_depth;      /* 0 = 64                                     */
    size_t max_tensors;         /* 0 = 1,000,000                              */
} mamba_options;

typedef enum mamba_logits_mode {
    MAMBA_LOGITS_LAST = 0,  /* logits of the last token: vocab_size floats    */
    MAMBA_LOGITS_ALL,       /* logits of every token: n * vocab_size floats   */
    MAMBA_LOGITS_NONE       /* only advance the state                         */
} mamba_logits_mode;

typedef struct mamba_model mamba_model;

/* One sequence. Fields are read-only for the caller; use the functions. */
typedef struct mamba_state {
    uint32_t magic;
    int d_inner, d_state, d_conv, n_layer, conv_dim;   /* shape, checked on use */
    float *conv;        /* (n_layer, conv_dim, d_conv-1): past raw conv inputs  */
    float *ssm;         /* (n_layer, d_inner, d_state): recurrent SSM state     */
    void  *scratch;     /* working memory, NULL for a snapshot-only state       */
    size_t scratch_bytes;
    int    chunk;       /* tokens per prefill chunk the scratch was sized for  */
    uint64_t n_tokens;  /* tokens consumed since the last reset                */
    void  *owned;       /* allocation to free (mamba_state_new), else NULL     */
} mamba_state;

MAMBA_API const char  *mamba_version_string(void);
MAMBA_API const char  *mamba_status_string(mamba_status st);

/* Loading. err may be NULL. On failure *out is NULL and nothing is leaked. */
#ifndef MAMBA_NO_STDIO
MAMBA_API mamba_status mamba_load_file(mamba_model **out, const char *path,
                                       const mamba_options *opt, mamba_error *err);
#endif
/* `weights`: the bytes of one .safetensors file, used in place (keep them alive
   until mamba_free). `config_json`: the text of config.json (len bytes). */
MAMBA_API mamba_status mamba_load_memory(mamba_model **out, const void *weights, size_t weights_len,
                                         const char *config_json, size_t config_len,
                                         const mamba_options *opt, mamba_error *err);
MAMBA_API void mamba_free(mamba_model *m);
MAMBA_API const mamba_config *mamba_get_config(const mamba_model *m);
/* Bytes of weights the forward pass reads per token (for bandwidth figures). */
MAMBA_API size_t mamba_weight_bytes(const mamba_model *m);

/* State. */
MAMBA_API size_t mamba_state_size(const mamba_config *c);            /* recurrent bytes */
MAMBA_API size_t mamba_scratch_size(const mamba_config *c, int chunk); /* 0 chunk = 64 */
/* Caller-provided memory: state_mem >= mamba_state_size(c) bytes, scratch_mem
   >= mamba_scratch_size(c, chunk) bytes (or NULL/0 for a snapshot that can be
   copied to and from but not run). Both aligned to 16 bytes at least. */
MAMBA_API mamba_status mamba_state_init(mamba_state *s, const mamba_config *c,
                                        void *state_mem, size_t state_bytes,
                                        void *scratch_mem, size_t scratch_bytes, int chunk);
/* Allocating convenience: state + scratch for `chunk` tokens (0 = 64). */
MAMBA_API mamba_status mamba_state_new(mamba_state **out, const mamba_model *m, int chunk);
MAMBA_API void         mamba_state_free(mamba_state *s);   /* only for mamba_state_new */
MAMBA_API void         mamba_state_reset(mamba_state *s);  /* back to the empty sequence */
MAMBA_API mamba_status mamba_state_copy(mamba_state *dst, const mamba_state *src);

/* Forward. logits: vocab_size floats (step, LAST) or n*vocab_size (ALL). */
MAMBA_API mamba_status mamba_step(const mamba_model *m, mamba_state *s, int token, float *logits);
MAMBA_API mamba_status mamba_forward(const mamba_model *m, mamba_state *s, const int *tokens,
                                     size_t n, float *logits, mamba_logits_mode mode);

/* Index of the largest value; NaN never wins; -1 if n <= 0. */
MAMBA_API int mamba_argmax(const float *x, int n);

/* Sampler: greedy (temperature <= 0), temperature, top-k (k <= 0: off), top-p
   (p >= 1 or <= 0: off), seeded xorshift RNG. Work memory is set up once at
   init (caller's `mem` of mamba_sampler_size(n_vocab) bytes, or allocated when
   mem is NULL); sampling never allocates. mamba_sample always returns an id in
   [0, n_vocab), even when logits hold NaN or infinities. */
typedef struct mamba_sampler {
    float temperature;
    int   top_k;
    float top_p;
    uint64_t rng;
    int   n_vocab;
    void *work;
    void *owned;
} mamba_sampler;
MAMBA_API size_t       mamba_sampler_size(int n_vocab);
MAMBA_API mamba_status mamba_sampler_init(mamba_sampler *s, int n_vocab, float temperature, int top_k, float top_p,
                                          uint64_t seed, void *mem, size_t mem_bytes);
MAMBA_API void         mamba_sampler_free(mamba_sampler *s);
MAMBA_API int          mamba_sample(mamba_sampler *s, const float *logits);

#ifdef __cplusplus
}
#endif
#endif /* MAMBA_H */

/* ======================================================================== */
/*                              IMPLEMENTATION                              */
/* ======================================================================== */
#ifdef MAMBA_IMPLEMENTATION
#ifndef MAMBA_IMPLEMENTATION_INCLUDED
#define MAMBA_IMPLEMENTATION_INCLUDED

#include <string.h>
#include <math.h>
#include <limits.h>

/* ---- a. platform ------------------------------------------------------- */

#if defined(MAMBA_MALLOC) != defined(MAMBA_FREE)
#error "define both MAMBA_MALLOC and MAMBA_FREE, or neither"
#endif
#ifndef MAMBA_MALLOC
#include <stdlib.h>
#define MAMBA_MALLOC(sz) malloc(sz)
#define MAMBA_FREE(p) free(p)
#endif
#ifndef MAMBA_ASSERT
#define MAMBA_ASSERT(x) ((void)0)
#endif
#ifndef MAMBA_EXPF
#define MAMBA_EXPF(x) expf(x)
#endif
#ifndef MAMBA_LOGF
#define MAMBA_LOGF(x) logf(x)
#endif
#ifndef MAMBA_LOG1PF
#define MAMBA_LOG1PF(x) log1pf(x)
#endif
#ifndef MAMBA_SQRTF
#define MAMBA_SQRTF(x) sqrtf(x)
#endif
#ifndef MAMBA_MAX_DIM
#define MAMBA_MAX_DIM (1 << 20)
#endif
#define MAMBA__STATE_MAGIC 0x4d424153u   /* "SABM" */
#define MAMBA__ALIGN 64
#define MAMBA__DEFAULT_CHUNK 64
#define MAMBA__SCAN_BLOCK 256   /* channels per thread work item in the scan */

#ifndef MAMBA_NO_STDIO
#include <stdio.h>
#if !defined(MAMBA_NO_MMAP) && (defined(__unix__) || defined(__APPLE__))
#define MAMBA__MMAP 1
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#endif
#endif

#ifdef __cplusplus
#define MAMBA__CAST(T, p) static_cast<T>(p)
#else
#define MAMBA__CAST(T, p) (p)
#endif
#define MAMBA__UNCONST(p) ((void *)(uintptr_t)(p))
/* Scalar reference kernels stay compiled in vector builds: they are the
   oracles the tests compare against. */
#if defined(__GNUC__) || defined(__clang__)
#define MAMBA__UNUSED __attribute__((unused))
#else
#define MAMBA__UNUSED
#endif

static void *mamba__alloc(size_t n) { return n ? MAMBA_MALLOC(n) : NULL; }
static void *mamba__calloc(size_t n) {
    void *p = mamba__alloc(n);
    if (p) memset(p, 0, n);
    return p;
}

/* Overflow-checked size arithmetic: model files are hostile. */
static int mamba__mul(size_t a, size_t b, size_t *out) {
    if (a && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}
static int mamba__add(size_t a, size_t b, size_t *out) {
    if (b > (size_t)-1 - a) return 0;
    *out = a + b;
    return 1;
}
static size_t mamba__round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* A minimal formatter for error messages: %s %d %u %zu %llu (no stdio needed). */
static void mamba__vfmt(char *dst, size_t cap, const char *fmt, const void *const *args) {
    size_t o = 0;
    int ai = 0;
    if (!cap) return;
    while (*fmt && o + 1 < cap) {
        if (*fmt != '%') { dst[o++] = *fmt++; continue; }
        fmt++;
        if (*fmt == 's') {
            const char *s = (const char *)args[ai++];
            if (!s) s = "(null)";
            while (*s && o + 1 < cap) dst[o++] = *s++;
            fmt++;
        } else if (*fmt == 'd') {
            long long v = *(const long long *)args[ai++];
            char tmp[24]; int n = 0;
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
            if (v < 0) tmp[n++] = '-';
            while (n && o + 1 < cap) dst[o++] = tmp[--n];
            fmt++;
        } else if (*fmt) {
            dst[o++] = *fmt++;
        }
    }
    dst[o] = 0;
}

/* Record an error. The format takes %s and %d only: strings are s1 then s2,
   integers d1 then d2 (no varargs, no stdio). Returns st. */
static mamba_status mamba__err(mamba_error *e, mamba_status st, const char *fmt,
                               const char *s1, const char *s2, long long d1, long long d2) {
    if (e) {
        const void *args[4];
        long long dv[2];
        const char *p;
        int k = 0, si = 0, ii = 0;
        dv[0] = d1; dv[1] = d2;
        for (p = fmt; *p && k < 4; p++) {
            if (*p != '%') continue;
            if (p[1] == 's') args[k++] = si++ == 0 ? (const void *)s1 : (const void *)s2;
            else if (p[1] == 'd' && ii < 2) { args[k++] = &dv[ii]; ii++; }
            p++;
        }
        e->status = st;
        mamba__vfmt(e->message, sizeof e->message, fmt, args);
    }
    return st;
}

/* Same, with three strings and no integers. */
static mamba_status mamba__err3(mamba_error *e, mamba_status st, const char *fmt, const char *s1, const char *s2, const char *s3) {
    if (e) {
        const void *args[3];
        args[0] = s1; args[1] = s2; args[2] = s3;
        e->status = st;
        mamba__vfmt(e->message, sizeof e->message, fmt, args);
    }
    return st;
}

/* ---- b. readers: bounded JSON --------------------------------------------
   jsmn-style: the text is scanned twice by one iterative state machine (no
   recursion): first to validate and count tokens, then to fill exactly that
   many. A token is a value or an object key; `next` is the index just past
   its subtree, so skipping a value is O(1). Strings point between quotes,
   still escaped (see mamba__json_str). Accepts the Infinity, -Infinity and NaN
   literals that Python writes into config files. */

enum { MAMBA__J_OBJ = 1, MAMBA__J_ARR, MAMBA__J_STR, MAMBA__J_NUM, MAMBA__J_TRUE,
       MAMBA__J_FALSE, MAMBA__J_NULL };

typedef struct mamba__jtok {
    uint8_t  type;
    uint8_t  escaped;  /* string holds a backslash escape */
    uint32_t start, end; /* byte range; strings exclude the quotes */
    uint32_t size;     /* objects: keys; arrays: elements */
    uint32_t next;     /* index of the token after this one's subtree */
} mamba__jtok;

typedef struct mamba__json {
    const char  *js;
    mamba__jtok *tok;
    uint32_t     ntok;
} mamba__json;

static int mamba__is_digit(int c) { return c >= '0' && c <= '9'; }

/* Scans a number or literal starting at s[i]; returns its end, or 0 if invalid. */
static size_t mamba__json_scan_num(const char *s, size_t n, size_t i) {
    size_t j = i;
    if (j < n && s[j] == '-') j++;
    if (n - j >= 8 && !memcmp(s + j, "Infinity", 8)) return j + 8;
    if (j == i && n - j >= 3 && !memcmp(s + j, "NaN", 3)) return j + 3;
    if (j >= n || !mamba__is_digit((unsigned char)s[j])) return 0;
    if (s[j] == '0') j++;
    else while (j < n && mamba__is_digit((unsigned char)s[j])) j++;
    if (j < n && s[j] == '.') {
        j++;
        if (j >= n || !mamba__is_digit((unsigned char)s[j])) return 0;
        while (j < n && mamba__is_digit((unsigned char)s[j])) j++;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j >= n || !mamba__is_digit((unsigned char)s[j])) return 0;
        while (j < n && mamba__is_digit((unsigned char)s[j])) j++;
    }
    return j;
}

static int mamba__hex(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One pass. tok == NULL: count only. Returns MAMBA_OK and sets *count. */
static mamba_status mamba__json_pass(const char *s, size_t n, mamba__jtok *tok, uint32_t cap,
                                     uint32_t *count, uint32_t *stack, int max_depth,
                                     mamba_error *e, const char *what) {
    enum { V_VALUE, V_KEY_OR_END, V_KEY, V_COLON, V_COMMA_OR_END, V_VALUE_OR_END, V_DONE };
    int expect = V_VALUE, depth = 0;
    uint32_t nt = 0;
    size_t i = 0;
    if (n > 0xFFFFFFF0u) return mamba__err(e, MAMBA_ERR_LIMIT, "%s: JSON text too large", what, 0, 0, 0);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t parent = depth ? stack[depth - 1] : 0xFFFFFFFFu;
        int in_obj = depth && (tok ? tok[parent].type == MAMBA__J_OBJ : (stack[depth - 1] & 0x80000000u) != 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { i++; continue; }
        if (expect == V_DONE) break;
        if (c == '}' || c == ']') {
            int want_obj = c == '}';
            if (!depth || in_obj != want_obj ||
                !(expect == V_COMMA_OR_END || (want_obj ? expect == V_KEY_OR_END : expect == V_VALUE_OR_END)))
                return mamba__err(e, MAMBA_ERR_FORMAT, "%s: unexpected '%s' at byte %d", what, c == '}' ? "}" : "]", (long long)i, 0);
            if (tok) tok[stack[depth - 1]].next = nt;
            depth--;
            expect = depth ? V_COMMA_OR_END : V_DONE;
            i++;
            continue;
        }
        if (c == ',') {
            if (expect != V_COMMA_OR_END) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: unexpected ',' at byte %d", what, 0, (long long)i, 0);
            expect = in_obj ? V_KEY : V_VALUE;
            i++;
            continue;
        }
        if (c == ':') {
            if (expect != V_COLON) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: unexpected ':' at byte %d", what, 0, (long long)i, 0);
            expect = V_VALUE;
            i++;
            continue;
        }
        /* a key or a value */
        if (expect == V_KEY || expect == V_KEY_OR_END) {
            if (c != '"') return mamba__err(e, MAMBA_ERR_FORMAT, "%s: expected a key string at byte %d", what, 0, (long long)i, 0);
        } else if (expect != V_VALUE && expect != V_VALUE_OR_END) {
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: unexpected character at byte %d", what, 0, (long long)i, 0);
        }
        if (nt == 0xFFFFFFF0u || (tok && nt >= cap))
            return mamba__err(e, MAMBA_ERR_LIMIT, "%s: too many JSON tokens", what, 0, 0, 0);
        {
            int is_key = expect == V_KEY || expect == V_KEY_OR_END;
            uint32_t me = nt++;
            mamba__jtok t;
            memset(&t, 0, sizeof t);
            if (c == '"') {
                size_t j = i + 1;
                t.type = MAMBA__J_STR;
                while (j < n && s[j] != '"') {
                    unsigned char d = (unsigned char)s[j];
                    if (d < 0x20) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: control character in string at byte %d", what, 0, (long long)j, 0);
                    if (d == '\\') {
                        t.escaped = 1;
                        if (j + 1 >= n) break;
                        d = (unsigned char)s[j + 1];
                        if (d == 'u') {
                            int k;
                            if (j + 5 >= n) break;
                            for (k = 2; k < 6; k++)
                                if (mamba__hex((unsigned char)s[j + k]) < 0)
                                    return mamba__err(e, MAMBA_ERR_FORMAT, "%s: bad \\u escape at byte %d", what, 0, (long long)j, 0);
                            j += 6;
                            continue;
                        }
                        if (!strchr("\"\\/bfnrt", d) || !d)
                            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: bad escape at byte %d", what, 0, (long long)j, 0);
                        j += 2;
                        continue;
                    }
                    j++;
                }
                if (j >= n) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: unterminated string at byte %d", what, 0, (long long)i, 0);
                t.start = (uint32_t)(i + 1);
                t.end = (uint32_t)j;
                i = j + 1;
            } else if (c == '{' || c == '[') {
                if (depth >= max_depth)
                    return mamba__err(e, MAMBA_ERR_LIMIT, "%s: JSON nested deeper than %d", what, 0, (long long)max_depth, 0);
                t.type = c == '{' ? MAMBA__J_OBJ : MAMBA__J_ARR;
                t.start = (uint32_t)i;
                i++;
            } else if (c == 't' && n - i >= 4 && !memcmp(s + i, "true", 4)) {
                t.type = MAMBA__J_TRUE; t.start = (uint32_t)i; i += 4; t.end = (uint32_t)i;
            } else if (c == 'f' && n - i >= 5 && !memcmp(s + i, "false", 5)) {
                t.type = MAMBA__J_FALSE; t.start = (uint32_t)i; i += 5; t.end = (uint32_t)i;
            } else if (c == 'n' && n - i >= 4 && !memcmp(s + i, "null", 4)) {
                t.type = MAMBA__J_NULL; t.start = (uint32_t)i; i += 4; t.end = (uint32_t)i;
            } else {
                size_t j = mamba__json_scan_num(s, n, i);
                if (!j) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: invalid value at byte %d", what, 0, (long long)i, 0);
                t.type = MAMBA__J_NUM; t.start = (uint32_t)i; t.end = (uint32_t)j; i = j;
            }
            if (is_key && t.type != MAMBA__J_STR)
                return mamba__err(e, MAMBA_ERR_FORMAT, "%s: expected a key string at byte %d", what, 0, (long long)i, 0);
            t.next = me + 1;
            if (tok) {
                tok[me] = t;
                if (depth && (is_key || !in_obj)) tok[parent].size++;
            }
            if (t.type == MAMBA__J_OBJ || t.type == MAMBA__J_ARR) {
                stack[depth++] = tok ? me : (t.type == MAMBA__J_OBJ ? 0x80000000u : 0u);
                expect = t.type == MAMBA__J_OBJ ? V_KEY_OR_END : V_VALUE_OR_END;
            } else if (is_key) {
                expect = V_COLON;
            } else {
                expect = depth ? V_COMMA_OR_END : V_DONE;
            }
        }
    }
    if (expect != V_DONE) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: JSON ends early (truncated?)", what, 0, 0, 0);
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != 0)
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: trailing bytes after JSON at byte %d", what, 0, (long long)i, 0);
    }
    *count = nt;
    return MAMBA_OK;
}

/* Parses s[0..n) into j (tokens allocated with MAMBA_MALLOC). `what` names the
   input in error messages. On failure nothing is allocated. */
static mamba_status mamba__json_parse(mamba__json *j, const char *s, size_t n, int max_depth,
                                      size_t max_tokens, mamba_error *e, const char *what) {
    uint32_t count = 0, count2 = 0;
    uint32_t *stack;
    mamba_status st;
    memset(j, 0, sizeof *j);
    if (max_depth <= 0) max_depth = 64;
    if (max_depth > 4096) max_depth = 4096;
    stack = MAMBA__CAST(uint32_t *, mamba__alloc(sizeof(uint32_t) * (size_t)max_depth));
    if (!stack) return mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory", what, 0, 0, 0);
    st = mamba__json_pass(s, n, NULL, 0, &count, stack, max_depth, e, what);
    if (st == MAMBA_OK && max_tokens && count > max_tokens)
        st = mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d JSON tokens exceed the limit", what, 0, (long long)count, 0);
    if (st == MAMBA_OK) {
        j->tok = MAMBA__CAST(mamba__jtok *, mamba__alloc(sizeof(mamba__jtok) * (size_t)count));
        if (!j->tok) st = mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory for JSON tokens", what, 0, 0, 0);
        else st = mamba__json_pass(s, n, j->tok, count, &count2, stack, max_depth, e, what);
    }
    MAMBA_FREE(stack);
    if (st != MAMBA_OK) { if (j->tok) MAMBA_FREE(j->tok); memset(j, 0, sizeof *j); return st; }
    j->js = s;
    j->ntok = count2;
    return MAMBA_OK;
}

static void mamba__json_free(mamba__json *j) {
    if (j->tok) MAMBA_FREE(j->tok);
    memset(j, 0, sizeof *j);
}

/* Does string token t equal the NUL-terminated key? (Escaped keys compare decoded.) */
static size_t mamba__json_str(const mamba__json *j, uint32_t t, char *out, size_t cap);
static int mamba__json_eq(const mamba__json *j, uint32_t t, const char *key) {
    const mamba__jtok *k = &j->tok[t];
    size_t n = strlen(key);
    if (k->type != MAMBA__J_STR) return 0;
    if (!k->escaped) return k->end - k->start == n && !memcmp(j->js + k->start, key, n);
    {
        char buf[256];
        size_t m;
        if (n >= sizeof buf) return 0;
        m = mamba__json_str(j, t, buf, sizeof buf);
        return m == n && !memcmp(buf, key, n);
    }
}

/* Value token of `key` in object token `obj`, or 0 (the root is never a value). */
static uint32_t mamba__json_get(const mamba__json *j, uint32_t obj, const char *key) {
    uint32_t i, k;
    if (!j->tok || obj >= j->ntok || j->tok[obj].type != MAMBA__J_OBJ) return 0;
    for (i = obj + 1, k = 0; k < j->tok[obj].size; k++) {
        if (mamba__json_eq(j, i, key)) return i + 1;
        i = j->tok[i + 1].next;
    }
    return 0;
}

/* Decodes string token t (escapes, \uXXXX with surrogate pairs) into UTF-8.
   Writes at most cap-1 bytes plus a NUL when cap > 0; returns the full decoded
   length (so a call with cap 0 measures). Lone surrogates become U+FFFD. */
static size_t mamba__json_str(const mamba__json *j, uint32_t t, char *out, size_t cap) {
    const char *s = j->js + j->tok[t].start;
    size_t n = j->tok[t].end - j->tok[t].start, i = 0, o = 0;
#define MAMBA__PUT(ch) do { if (o + 1 < cap) out[o] = (char)(ch); o++; } while (0)
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\\') { MAMBA__PUT(c); i++; continue; }
        c = (unsigned char)s[i + 1];
        i += 2;
        switch (c) {
        case 'b': MAMBA__PUT('\b'); break;
        case 'f': MAMBA__PUT('\f'); break;
        case 'n': MAMBA__PUT('\n'); break;
        case 'r': MAMBA__PUT('\r'); break;
        case 't': MAMBA__PUT('\t'); break;
        case 'u': {
            uint32_t cp = (uint32_t)(mamba__hex(s[i]) << 12 | mamba__hex(s[i + 1]) << 8 |
                                     mamba__hex(s[i + 2]) << 4 | mamba__hex(s[i + 3]));
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (i + 5 < n + 0 && s[i] == '\\' && s[i + 1] == 'u') {
                    uint32_t lo = (uint32_t)(mamba__hex(s[i + 2]) << 12 | mamba__hex(s[i + 3]) << 8 |
                                             mamba__hex(s[i + 4]) << 4 | mamba__hex(s[i + 5]));
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    } else cp = 0xFFFD;
                } else cp = 0xFFFD;
            } else if (cp >= 0xDC00 && cp < 0xE000) cp = 0xFFFD;
            if (cp < 0x80) MAMBA__PUT(cp);
            else if (cp < 0x800) { MAMBA__PUT(0xC0 | cp >> 6); MAMBA__PUT(0x80 | (cp & 63)); }
            else if (cp < 0x10000) { MAMBA__PUT(0xE0 | cp >> 12); MAMBA__PUT(0x80 | (cp >> 6 & 63)); MAMBA__PUT(0x80 | (cp & 63)); }
            else { MAMBA__PUT(0xF0 | cp >> 18); MAMBA__PUT(0x80 | (cp >> 12 & 63)); MAMBA__PUT(0x80 | (cp >> 6 & 63)); MAMBA__PUT(0x80 | (cp & 63)); }
            break;
        }
        default: MAMBA__PUT(c); break; /* \" \\ \/ */
        }
    }
#undef MAMBA__PUT
    if (cap) out[o < cap ? o : cap - 1] = 0;
    return o;
}

/* Number token -> double, locale-independent. Exact for integers below 2^53
   and for short decimals (Clinger's fast path); otherwise within a few ulp. */
static int mamba__json_num(const mamba__json *j, uint32_t t, double *out) {
    const mamba__jtok *k;
    const char *s;
    size_t n, i = 0;
    int neg = 0, digits = 0;
    long exp10 = 0, e2 = 0;
    uint64_t mant = 0;
    double v;
    if (!t || t >= j->ntok) return 0;
    k = &j->tok[t];
    if (k->type != MAMBA__J_NUM) return 0;
    s = j->js + k->start;
    n = k->end - k->start;
    if (s[0] == '-') { neg = 1; i++; }
    if (n - i == 8 && s[i] == 'I') { *out = neg ? -HUGE_VAL : HUGE_VAL; return 1; }
    if (n - i == 3 && s[i] == 'N') { *out = NAN; return 1; }
    for (; i < n && mamba__is_digit((unsigned char)s[i]); i++) {
        if (digits < 19) { mant = mant * 10 + (uint64_t)(s[i] - '0'); if (mant) digits++; }
        else exp10++;
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && mamba__is_digit((unsigned char)s[i]); i++)
            if (digits < 19) { mant = mant * 10 + (uint64_t)(s[i] - '0'); if (mant) digits++; exp10--; }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        i++;
        if (s[i] == '+' || s[i] == '-') eneg = s[i++] == '-';
        for (; i < n && mamba__is_digit((unsigned char)s[i]); i++) if (e2 < 100000) e2 = e2 * 10 + (s[i] - '0');
        exp10 += eneg ? -e2 : e2;
    }
    v = (double)mant;
    if (mant == 0) v = 0;
    else if (exp10 >= 0 && exp10 <= 22 && mant < (1ull << 53)) {
        static const double p10[] = {1e0,1e1,1e2,1e3,1e4,1e5,1e6,1e7,1e8,1e9,1e10,1e11,1e12,1e13,1e14,1e15,1e16,1e17,1e18,1e19,1e20,1e21,1e22};
        v *= p10[exp10];
    } else if (exp10 < 0 && exp10 >= -22 && mant < (1ull << 53)) {
        static const double p10[] = {1e0,1e1,1e2,1e3,1e4,1e5,1e6,1e7,1e8,1e9,1e10,1e11,1e12,1e13,1e14,1e15,1e16,1e17,1e18,1e19,1e20,1e21,1e22};
        v /= p10[-exp10];
    } else {
        v = v * pow(10.0, (double)exp10);
    }
    *out = neg ? -v : v;
    return 1;
}

/* Integer value of number token t, if it is an integer within [lo, hi]. */
static int mamba__json_int(const mamba__json *j, uint32_t t, long long lo, long long hi, long long *out) {
    double v;
    if (!mamba__json_num(j, t, &v) || !(v >= (double)lo && v <= (double)hi) || v != floor(v)) return 0;
    *out = (long long)v;
    return 1;
}

/* ---- c. numbers -------------------------------------------------------- */

static float mamba__bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* IEEE half -> float, exact, with subnormals, inf and NaN. */
static float mamba__f16_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = h >> 10 & 0x1f, m = h & 0x3ff;
    if (e == 0x1f) return mamba__bits_f32(sign | 0x7f800000u | m << 13);
    if (e == 0) {
        float v = (float)m * (1.0f / 16777216.0f); /* m * 2^-24 */
        return sign ? -v : v;
    }
    return mamba__bits_f32(sign | (e + 112) << 23 | m << 13);
}
static float mamba__bf16_f32(uint16_t b) { return mamba__bits_f32((uint32_t)b << 16); }

static size_t mamba__dtype_size(int dt) { return dt == MAMBA_DTYPE_F32 ? 4 : dt == MAMBA_DTYPE_F16 || dt == MAMBA_DTYPE_BF16 ? 2 : 0; }

/* Element i of a tensor in its stored dtype, as float (data needs no alignment). */
static float mamba__load_elem(const void *data, int dtype, size_t i) {
    const unsigned char *p = (const unsigned char *)data;
    if (dtype == MAMBA_DTYPE_F32) { float f; memcpy(&f, p + 4 * i, 4); return f; }
    { uint16_t h; memcpy(&h, p + 2 * i, 2); return dtype == MAMBA_DTYPE_F16 ? mamba__f16_f32(h) : mamba__bf16_f32(h); }
}


/* ---- c'. vector vocabulary ----------------------------------------------
   One small set of macros per ISA (ggml's GGML_F32_VEC idea); the kernels
   below are written once against it. Chosen at compile time from the
   compiler's target macros; MAMBA_NO_SIMD, MAMBA_NO_AVX512, MAMBA_NO_AVX2 and
   MAMBA_NO_NEON opt out. MAMBA__EPR is the number of floats in a vector. */
#if !defined(MAMBA_NO_SIMD) && !defined(MAMBA_NO_AVX512) && defined(__AVX512F__)
#if defined(__GNUC__) && !defined(__clang__) && defined(__cplusplus) && __GNUC__ < 13
/* g++ 12's avx512fintrin.h self-initialises its "undefined" vectors and warns
   about it in C++ (GCC bug 105593, fixed in GCC 13). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
#define MAMBA__SIMD_NAME "avx512"
#define MAMBA__EPR 16
typedef __m512 mamba__v;
#define MAMBA__VLOAD(p) _mm512_loadu_ps(p)
#define MAMBA__VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define MAMBA__VSET1(x) _mm512_set1_ps(x)
#define MAMBA__VADD(a, b) _mm512_add_ps(a, b)
#define MAMBA__VSUB(a, b) _mm512_sub_ps(a, b)
#define MAMBA__VMUL(a, b) _mm512_mul_ps(a, b)
#define MAMBA__VDIV(a, b) _mm512_div_ps(a, b)
#define MAMBA__VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)   /* a*b + c */
#define MAMBA__VMIN(a, b) _mm512_min_ps(a, b)
#define MAMBA__VMAX(a, b) _mm512_max_ps(a, b)
#define MAMBA__VABS(a) _mm512_abs_ps(a)
#define MAMBA__VROUND(a) _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define MAMBA__VPOW2I(n) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
#define MAMBA__VSEL_LT(a, b, x, y) _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x)
/* fixed-order horizontal sum (not _mm512_reduce_add_ps: g++ 12 warns inside it) */
static float mamba__hsum(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_castps512_ps256(_mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2))));
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}
#define MAMBA__VREDUCE(v) mamba__hsum(v)
#define MAMBA__VLOAD_F16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(p)))
#define MAMBA__VLOAD_BF16(p) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(p))), 16))
#elif !defined(MAMBA_NO_SIMD) && !defined(MAMBA_NO_AVX2) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include <immintrin.h>
#define MAMBA__SIMD_NAME "avx2"
#define MAMBA__EPR 8
typedef __m256 mamba__v;
#define MAMBA__VLOAD(p) _mm256_loadu_ps(p)
#define MAMBA__VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define MAMBA__VSET1(x) _mm256_set1_ps(x)
#define MAMBA__VADD(a, b) _mm256_add_ps(a, b)
#define MAMBA__VSUB(a, b) _mm256_sub_ps(a, b)
#define MAMBA__VMUL(a, b) _mm256_mul_ps(a, b)
#define MAMBA__VDIV(a, b) _mm256_div_ps(a, b)
#define MAMBA__VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define MAMBA__VMIN(a, b) _mm256_min_ps(a, b)
#define MAMBA__VMAX(a, b) _mm256_max_ps(a, b)
#define MAMBA__VABS(a) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a)
#define MAMBA__VROUND(a) _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define MAMBA__VPOW2I(n) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
#define MAMBA__VSEL_LT(a, b, x, y) _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ))
static float mamba__hsum(__m256 v) {
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}
#define MAMBA__VREDUCE(v) mamba__hsum(v)
#define MAMBA__VLOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define MAMBA__VLOAD_BF16(p) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p))), 16))
#elif !defined(MAMBA_NO_SIMD) && !defined(MAMBA_NO_NEON) && defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define MAMBA__SIMD_NAME "neon"
#define MAMBA__EPR 4
typedef float32x4_t mamba__v;
#define MAMBA__VLOAD(p) vld1q_f32(p)
#define MAMBA__VSTORE(p, v) vst1q_f32((p), (v))
#define MAMBA__VSET1(x) vdupq_n_f32(x)
#define MAMBA__VADD(a, b) vaddq_f32(a, b)
#define MAMBA__VSUB(a, b) vsubq_f32(a, b)
#define MAMBA__VMUL(a, b) vmulq_f32(a, b)
#define MAMBA__VDIV(a, b) vdivq_f32(a, b)
#define MAMBA__VFMA(a, b, c) vfmaq_f32(c, a, b)
#define MAMBA__VMIN(a, b) vminq_f32(a, b)
#define MAMBA__VMAX(a, b) vmaxq_f32(a, b)
#define MAMBA__VABS(a) vabsq_f32(a)
#define MAMBA__VROUND(a) vrndnq_f32(a)
#define MAMBA__VPOW2I(n) vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23))
#define MAMBA__VSEL_LT(a, b, x, y) vbslq_f32(vcltq_f32(a, b), x, y)
#define MAMBA__VREDUCE(v) vaddvq_f32(v)
#define MAMBA__VLOAD_F16(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)(const void *)(p))))
#define MAMBA__VLOAD_BF16(p) vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t *)(const void *)(p)), 16))
#else
#define MAMBA__SIMD_NAME "scalar"
#endif

#ifdef MAMBA__EPR
#define MAMBA__SIMD 1
/* exp(x), Cephes-style: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, 2^n
   built in the exponent bits. Documented bound: 2 ulp against expf over
   [-87.3, 88.3]; exactly 0 below -87.3, so the scan never
   produces subnormals (no slow paths, no FTZ flag to set); +inf above
   ln(FLT_MAX). tests/test_kernels.c measures the error: 1 ulp. */
static mamba__v mamba__vexp(mamba__v x) {
    mamba__v lim = MAMBA__VSET1(-87.3f), hi = MAMBA__VSET1(88.7228394f), n, r, p;
    mamba__v xc = MAMBA__VMIN(MAMBA__VMAX(x, lim), hi);
    /* n <= 127 keeps 2^n a normal float; near the top r grows past ln2/2 and
       the error with it, but only where exp is within 1.4x of FLT_MAX */
    n = MAMBA__VMIN(MAMBA__VROUND(MAMBA__VMUL(xc, MAMBA__VSET1(1.44269504088896341f))), MAMBA__VSET1(127.0f));
    r = MAMBA__VFMA(n, MAMBA__VSET1(-0.693359375f), xc);
    r = MAMBA__VFMA(n, MAMBA__VSET1(2.12194440e-4f), r);
    p = MAMBA__VSET1(1.9875691500e-4f);
    p = MAMBA__VFMA(p, r, MAMBA__VSET1(1.3981999507e-3f));
    p = MAMBA__VFMA(p, r, MAMBA__VSET1(8.3334519073e-3f));
    p = MAMBA__VFMA(p, r, MAMBA__VSET1(4.1665795894e-2f));
    p = MAMBA__VFMA(p, r, MAMBA__VSET1(1.6666665459e-1f));
    p = MAMBA__VFMA(p, r, MAMBA__VSET1(5.0000001201e-1f));
    p = MAMBA__VADD(MAMBA__VFMA(MAMBA__VMUL(p, r), r, r), MAMBA__VSET1(1.0f));
    p = MAMBA__VMUL(p, MAMBA__VPOW2I(n));
    p = MAMBA__VSEL_LT(hi, x, MAMBA__VSET1(HUGE_VALF), p);   /* overflow: +inf, as expf */
    return MAMBA__VSEL_LT(x, lim, MAMBA__VSET1(0.0f), p);
}
/* silu(x) = x / (1 + exp(-x)) */
static mamba__v mamba__vsilu(mamba__v x) {
    return MAMBA__VDIV(x, MAMBA__VADD(MAMBA__VSET1(1.0f), mamba__vexp(MAMBA__VSUB(MAMBA__VSET1(0.0f), x))));
}
/* softplus(x) = x for x > 20, else max(x, 0) + log1p(exp(-|x|)), with
   log1p(t) = 2 atanh(t / (2 + t)) by its odd series: t <= 1 so s <= 1/3, and
   terms to s^15 leave < 1e-8 relative error; no cancellation for small t. */
static mamba__v mamba__vsoftplus(mamba__v x) {
    mamba__v t = mamba__vexp(MAMBA__VSUB(MAMBA__VSET1(0.0f), MAMBA__VABS(x)));
    mamba__v s = MAMBA__VDIV(t, MAMBA__VADD(MAMBA__VSET1(2.0f), t)), s2 = MAMBA__VMUL(s, s), p;
    p = MAMBA__VSET1(1.0f / 15);
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f / 13));
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f / 11));
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f / 9));
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f / 7));
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f / 5));
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f / 3));
    p = MAMBA__VFMA(p, s2, MAMBA__VSET1(1.0f));
    p = MAMBA__VADD(MAMBA__VMAX(x, MAMBA__VSET1(0.0f)), MAMBA__VMUL(MAMBA__VMUL(MAMBA__VSET1(2.0f), s), p));
    return MAMBA__VSEL_LT(MAMBA__VSET1(20.0f), x, x, p);
}
#endif

/* Threads: OpenMP inside a call only, when compiled with it (-fopenmp) and not
   disabled (MAMBA_NO_OPENMP). Rows and channels are split between threads;
   each output is computed by one thread in a fixed order, so the results are
   the same bits for any thread count. */
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
#include <omp.h>
/* Parallel loop when the local variable omp_work (multiply-adds) is large. */
#define MAMBA__OMP_FOR _Pragma("omp parallel for schedule(static) if (omp_work > 100000)")
#else
#define MAMBA__OMP_FOR
#endif

/* ---- a'. files ----------------------------------------------------------- */

/* A byte range the model keeps alive: mmap'd, malloc'd, or borrowed. */
typedef struct mamba__blob {
    const unsigned char *data;
    size_t size;
    int kind;           /* 0 borrowed, 1 malloc, 2 mmap */
} mamba__blob;

static void mamba__blob_release(mamba__blob *b) {
#ifdef MAMBA__MMAP
    if (b->kind == 2 && b->data) munmap(MAMBA__UNCONST(b->data), b->size);
#endif
    if (b->kind == 1 && b->data) MAMBA_FREE(MAMBA__UNCONST(b->data));
    memset(b, 0, sizeof *b);
}

#ifndef MAMBA_NO_STDIO
/* Joins dir and name with a '/', allocated; NULL on overflow or no memory. */
static char *mamba__path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name), n;
    char *p;
    if (!mamba__add(a, b, &n) || !mamba__add(n, 2, &n)) return NULL;
    p = MAMBA__CAST(char *, mamba__alloc(n));
    if (!p) return NULL;
    memcpy(p, dir, a);
    if (a && dir[a - 1] != '/') p[a++] = '/';
    memcpy(p + a, name, b + 1);
    return p;
}

/* Reads a whole (small) file into a NUL-terminated malloc'd buffer. */
static mamba_status mamba__read_file(mamba__blob *b, const char *path, size_t limit, mamba_error *e) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    memset(b, 0, sizeof *b);
    if (!f) return mamba__err(e, MAMBA_ERR_IO, "cannot open %s", path, 0, 0, 0);
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *nb;
            if (cap > limit) { fclose(f); MAMBA_FREE(buf); return mamba__err(e, MAMBA_ERR_LIMIT, "%s is larger than %d bytes", path, 0, (long long)limit, 0); }
            nb = MAMBA__CAST(unsigned char *, mamba__alloc(ncap + 1));
            if (!nb) { fclose(f); if (buf) MAMBA_FREE(buf); return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory reading %s", path, 0, 0, 0); }
            if (buf) { memcpy(nb, buf, n); MAMBA_FREE(buf); }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) { fclose(f); MAMBA_FREE(buf); return mamba__err(e, MAMBA_ERR_IO, "error reading %s", path, 0, 0, 0); }
    fclose(f);
    buf[n] = 0;
    b->data = buf;
    b->size = n;
    b->kind = 1;
    return MAMBA_OK;
}

/* Maps a weights file read-only (or reads it where mmap is unavailable). */
static mamba_status mamba__map_file(mamba__blob *b, const char *path, mamba_error *e) {
#ifdef MAMBA__MMAP
    struct stat st;
    void *p;
    int fd = open(path, O_RDONLY);
    memset(b, 0, sizeof *b);
    if (fd < 0) return mamba__err(e, MAMBA_ERR_IO, "cannot open %s", path, 0, 0, 0);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); return mamba__err(e, MAMBA_ERR_IO, "%s is not a regular file", path, 0, 0, 0); }
    if (st.st_size == 0) { close(fd); b->kind = 0; return MAMBA_OK; } /* empty: caught as truncated */
    if ((unsigned long long)st.st_size > (size_t)-1) { close(fd); return mamba__err(e, MAMBA_ERR_LIMIT, "%s does not fit in memory", path, 0, 0, 0); }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return mamba__err(e, MAMBA_ERR_IO, "cannot mmap %s", path, 0, 0, 0);
    b->data = (const unsigned char *)p;
    b->size = (size_t)st.st_size;
    b->kind = 2;
    return MAMBA_OK;
#else
    return mamba__read_file(b, path, (size_t)-1 / 2, e);
#endif
}
#endif /* MAMBA_NO_STDIO */

/* ---- b'. safetensors ----------------------------------------------------- */

#define MAMBA__MAX_NDIM 8

typedef struct mamba__tensor {
    char *name;
    int dtype;                  /* MAMBA_DTYPE_*, 0 if not one we compute with */
    char dtype_name[12];
    int ndim;
    int64_t shape[MAMBA__MAX_NDIM];
    const unsigned char *data;
    size_t nbytes;
    const char *file;           /* for messages */
    int used;
} mamba__tensor;

typedef struct mamba__tensors {
    mamba__tensor *t;
    size_t n, cap;
} mamba__tensors;

static void mamba__tensors_free(mamba__tensors *ts) {
    size_t i;
    for (i = 0; i < ts->n; i++) MAMBA_FREE(ts->t[i].name);
    if (ts->t) MAMBA_FREE(ts->t);
    memset(ts, 0, sizeof *ts);
}

static int mamba__dtype_parse(const char *s, size_t *esize) {
    static const struct { const char *name; int dt; size_t sz; } tab[] = {
        {"F32", MAMBA_DTYPE_F32, 4}, {"F16", MAMBA_DTYPE_F16, 2}, {"BF16", MAMBA_DTYPE_BF16, 2},
        {"F64", 0, 8}, {"I64", 0, 8}, {"U64", 0, 8}, {"I32", 0, 4}, {"U32", 0, 4},
        {"I16", 0, 2}, {"U16", 0, 2}, {"I8", 0, 1}, {"U8", 0, 1}, {"BOOL", 0, 1},
        {"F8_E4M3", 0, 1}, {"F8_E5M2", 0, 1}};
    size_t i;
    for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].name)) { *esize = tab[i].sz; return tab[i].dt; }
    *esize = 0;
    return -1;
}

typedef struct mamba__range { uint64_t b, e; const char *name; } mamba__range;
static int mamba__range_cmp(const void *a, const void *b) {
    const mamba__range *x = (const mamba__range *)a, *y = (const mamba__range *)b;
    return x->b < y->b ? -1 : x->b > y->b ? 1 : (x->e < y->e ? -1 : x->e > y->e);
}

/* Parses one safetensors file held in `blob` and appends its tensors. */
static mamba_status mamba__safetensors_read(mamba__tensors *ts, const unsigned char *data, size_t size,
                                            const char *fname, const mamba_options *o, mamba_error *e) {
    uint64_t hlen = 0;
    size_t max_header = o && o->max_header_bytes ? o->max_header_bytes : (size_t)100 << 20;
    size_t max_tensors = o && o->max_tensors ? o->max_tensors : 1000000;
    const unsigned char *base;
    size_t data_len, i, k, nt = 0;
    mamba__json j;
    mamba__range *ranges = NULL;
    mamba_status st = MAMBA_OK;
    int b;
    if (size < 8) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: file too short for a safetensors header (%d bytes)", fname, 0, (long long)size, 0);
    for (b = 7; b >= 0; b--) hlen = hlen << 8 | data[b];
    if (hlen > size - 8)
        return mamba__err(e, MAMBA_ERR_FORMAT, "%s: header length %d runs past the end of the file (truncated?)", fname, 0, (long long)(hlen > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)hlen), 0);
    if (hlen > max_header)
        return mamba__err(e, MAMBA_ERR_LIMIT, "%s: header of %d bytes exceeds the limit", fname, 0, (long long)hlen, 0);
    st = mamba__json_parse(&j, (const char *)data + 8, (size_t)hlen, o ? o->max_json_depth : 0, 0, e, fname);
    if (st != MAMBA_OK) return st;
    if (j.tok[0].type != MAMBA__J_OBJ) { mamba__json_free(&j); return mamba__err(e, MAMBA_ERR_FORMAT, "%s: header is not a JSON object", fname, 0, 0, 0); }
    base = data + 8 + hlen;
    data_len = size - 8 - (size_t)hlen;
    if (j.tok[0].size > max_tensors || ts->n + j.tok[0].size > max_tensors) {
        long long count = (long long)j.tok[0].size;
        mamba__json_free(&j);
        return mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d tensors exceed the limit", fname, 0, count, 0);
    }
    /* grow the table once for this file */
    if (ts->n + j.tok[0].size > ts->cap) {
        size_t ncap = ts->n + j.tok[0].size, bytes;
        mamba__tensor *nt2;
        if (!mamba__mul(ncap, sizeof(mamba__tensor), &bytes) || !(nt2 = MAMBA__CAST(mamba__tensor *, mamba__calloc(bytes)))) {
            mamba__json_free(&j);
            return mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory for the tensor table", fname, 0, 0, 0);
        }
        if (ts->t) { memcpy(nt2, ts->t, ts->n * sizeof(mamba__tensor)); MAMBA_FREE(ts->t); }
        ts->t = nt2;
        ts->cap = ncap;
    }
    ranges = MAMBA__CAST(mamba__range *, mamba__alloc(sizeof(mamba__range) * (j.tok[0].size + 1)));
    if (!ranges) { mamba__json_free(&j); return mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory", fname, 0, 0, 0); }
    for (i = 1, k = 0; k < j.tok[0].size && st == MAMBA_OK; k++, i = j.tok[i + 1].next) {
        uint32_t v = (uint32_t)i + 1, tdt, tsh, toff;
        mamba__tensor *t;
        char dts[16];
        size_t esize, numel = 1, nbytes, namelen;
        long long off0, off1;
        if (mamba__json_eq(&j, (uint32_t)i, "__metadata__")) continue;
        t = &ts->t[ts->n];
        memset(t, 0, sizeof *t);
        t->file = fname;
        namelen = mamba__json_str(&j, (uint32_t)i, NULL, 0);
        t->name = MAMBA__CAST(char *, mamba__alloc(namelen + 1));
        if (!t->name) { st = mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory", fname, 0, 0, 0); break; }
        mamba__json_str(&j, (uint32_t)i, t->name, namelen + 1);
        ts->n++;
        if (j.tok[v].type != MAMBA__J_OBJ) { st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: entry for tensor %s is not an object", fname, t->name, 0, 0); break; }
        tdt = mamba__json_get(&j, v, "dtype");
        tsh = mamba__json_get(&j, v, "shape");
        toff = mamba__json_get(&j, v, "data_offsets");
        if (!tdt || j.tok[tdt].type != MAMBA__J_STR || !tsh || j.tok[tsh].type != MAMBA__J_ARR || !toff || j.tok[toff].type != MAMBA__J_ARR || j.tok[toff].size != 2) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s lacks a valid dtype, shape or data_offsets", fname, t->name, 0, 0);
            break;
        }
        if (mamba__json_str(&j, tdt, dts, sizeof dts) >= sizeof dts) dts[0] = 0;
        t->dtype = mamba__dtype_parse(dts, &esize);
        if (t->dtype < 0) { st = mamba__err3(e, MAMBA_ERR_UNSUPPORTED, "%s: tensor %s has unknown dtype '%s'", fname, t->name, dts); break; }
        memcpy(t->dtype_name, dts, sizeof t->dtype_name - 1);
        if (j.tok[tsh].size > MAMBA__MAX_NDIM) { st = mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: tensor %s has too many dimensions", fname, t->name, 0, 0); break; }
        t->ndim = (int)j.tok[tsh].size;
        {
            uint32_t d = tsh + 1;
            int q;
            for (q = 0; q < t->ndim; q++, d = j.tok[d].next) {
                long long dim;
                if (!mamba__json_int(&j, d, 0, (long long)1 << 40, &dim)) { st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s has an invalid dimension", fname, t->name, 0, 0); break; }
                t->shape[q] = dim;
                if (!mamba__mul(numel, (size_t)dim, &numel)) { st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s: shape byte size overflows", fname, t->name, 0, 0); break; }
            }
            if (st != MAMBA_OK) break;
        }
        if (!mamba__mul(numel, esize, &nbytes)) { st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s: shape byte size overflows", fname, t->name, 0, 0); break; }
        if (!mamba__json_int(&j, toff + 1, 0, LLONG_MAX, &off0) || !mamba__json_int(&j, j.tok[toff + 1].next, 0, LLONG_MAX, &off1)) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s has invalid data_offsets", fname, t->name, 0, 0);
            break;
        }
        if (off0 > off1 || (unsigned long long)off1 > data_len) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s: data_offsets end %d is outside the file's data (truncated?)", fname, t->name, off1, 0);
            break;
        }
        if ((unsigned long long)(off1 - off0) != nbytes) {
            st = mamba__err(e, MAMBA_ERR_SHAPE, "%s: tensor %s: data_offsets span %d bytes, shape and dtype need %d", fname, t->name, off1 - off0, (long long)nbytes);
            break;
        }
        t->data = base + off0;
        t->nbytes = nbytes;
        ranges[nt].b = (uint64_t)off0;
        ranges[nt].e = (uint64_t)off1;
        ranges[nt].name = t->name;
        nt++;
    }
    if (st == MAMBA_OK && nt > 1) {
        qsort(ranges, nt, sizeof *ranges, mamba__range_cmp);
        for (k = 1; k < nt; k++)
            if (ranges[k].b < ranges[k - 1].e && ranges[k].e > ranges[k].b) {
                st = mamba__err(e, MAMBA_ERR_FORMAT, "data of tensors %s and %s overlap", ranges[k - 1].name, ranges[k].name, 0, 0);
                break;
            }
    }
    MAMBA_FREE(ranges);
    mamba__json_free(&j);
    return st;
}

/* Finds a tensor by name; also under a "model." prefix (Mamba-Codestral files). */
static mamba__tensor *mamba__tensor_find(mamba__tensors *ts, const char *name) {
    size_t i;
    for (i = 0; i < ts->n; i++)
        if (!strcmp(ts->t[i].name, name)) return &ts->t[i];
    for (i = 0; i < ts->n; i++)
        if (!strncmp(ts->t[i].name, "model.", 6) && !strcmp(ts->t[i].name + 6, name)) return &ts->t[i];
    return NULL;
}

/* Rejects a table in which one name appears twice (also across shards). */
static int mamba__name_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }
static mamba_status mamba__tensors_check_unique(mamba__tensors *ts, mamba_error *e) {
    const char **names;
    size_t i;
    mamba_status st = MAMBA_OK;
    if (ts->n < 2) return MAMBA_OK;
    names = MAMBA__CAST(const char **, mamba__alloc(sizeof(char *) * ts->n));
    if (!names) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    for (i = 0; i < ts->n; i++) names[i] = ts->t[i].name;
    qsort(names, ts->n, sizeof *names, mamba__name_cmp);
    for (i = 1; i < ts->n; i++)
        if (!strcmp(names[i], names[i - 1])) { st = mamba__err(e, MAMBA_ERR_FORMAT, "tensor %s appears twice", names[i], 0, 0, 0); break; }
    MAMBA_FREE(names);
    return st;
}

/* ---- d. kernels ---------------------------------------------------------
   Scalar reference kernels. Narrow signatures so that a vector version can
   replace each one; the scalar version stays as the oracle. Dimension legend:
   T tokens in a chunk, D d_model, E d_inner, N d_state, K d_conv, R dt_rank. */

typedef struct mamba__mat {      /* a row-major [rows][cols] weight, any dtype */
    const void *data;
    int dtype;
    int rows, cols;
} mamba__mat;

/* Dot product of an f32 weight row with x. The scalar reference uses four
   partial sums; the vector version one vector accumulator, then a fixed
   horizontal sum, then the scalar tail. Every path that computes a row . x
   (matvec, matmul, any thread count) uses the same one, so the step and
   sequence paths give identical bits. */
MAMBA__UNUSED static float mamba__dot_f32_ref(const float *w, const float *x, int n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += w[i] * x[i]; s1 += w[i + 1] * x[i + 1];
        s2 += w[i + 2] * x[i + 2]; s3 += w[i + 3] * x[i + 3];
    }
    for (; i < n; i++) s0 += w[i] * x[i];
    return (s0 + s1) + (s2 + s3);
}

/* Widens row r of W into f32 (exact for every supported dtype). */
static void mamba__row_f32(const mamba__mat *W, int r, float *out) {
    size_t base = (size_t)r * (size_t)W->cols;
    int i;
    if (W->dtype == MAMBA_DTYPE_F32) { memcpy(out, (const float *)W->data + base, sizeof(float) * (size_t)W->cols); return; }
    if (W->dtype == MAMBA_DTYPE_F16) {
        const uint16_t *p = (const uint16_t *)W->data + base;
        for (i = 0; i < W->cols; i++) out[i] = mamba__f16_f32(p[i]);
    } else {
        const uint16_t *p = (const uint16_t *)W->data + base;
        for (i = 0; i < W->cols; i++) out[i] = mamba__bf16_f32(p[i]);
    }
}

/* y = W x (+ bias), one token, scalar: each weight read once. rowbuf: cols floats. */
MAMBA__UNUSED static void mamba__matvec_ref(float *y, const mamba__mat *W, const float *bias, const float *x, float *rowbuf) {
    int r;
    for (r = 0; r < W->rows; r++) {
        const float *w = rowbuf;
        if (W->dtype == MAMBA_DTYPE_F32) w = (const float *)W->data + (size_t)r * (size_t)W->cols;
        else mamba__row_f32(W, r, rowbuf);
        y[r] = mamba__dot_f32_ref(w, x, W->cols) + (bias ? bias[r] : 0.0f);
    }
}

/* Y[t] = W X[t] (+ bias) for T tokens, scalar; X rows ldx apart, Y rows ldy apart. */
MAMBA__UNUSED static void mamba__matmul_ref(float *Y, int ldy, const mamba__mat *W, const float *bias,
                              const float *X, int ldx, int T, float *rowbuf) {
    int r, t;
    for (r = 0; r < W->rows; r++) {
        const float *w = rowbuf;
        float b = bias ? bias[r] : 0.0f;
        if (W->dtype == MAMBA_DTYPE_F32) w = (const float *)W->data + (size_t)r * (size_t)W->cols;
        else mamba__row_f32(W, r, rowbuf);
        for (t = 0; t < T; t++)
            Y[(size_t)t * (size_t)ldy + (size_t)r] = mamba__dot_f32_ref(w, X + (size_t)t * (size_t)ldx, W->cols) + b;
    }
}

/* out = x / sqrt(mean(x^2) + eps) * w   (w may be NULL: weightless norm) */
MAMBA__UNUSED static void mamba__rmsnorm_ref(float *out, const float *x, const float *w, int n, float eps) {
    float ss = 0, scale;
    int i;
    for (i = 0; i < n; i++) ss += x[i] * x[i];
    scale = 1.0f / MAMBA_SQRTF(ss / (float)n + eps);
    for (i = 0; i < n; i++) out[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

static float mamba__silu(float x) { return x / (1.0f + MAMBA_EXPF(-x)); }
/* PyTorch softplus with threshold 20 (beta 1). */
static float mamba__softplus(float x) { return x > 20.0f ? x : MAMBA_LOG1PF(MAMBA_EXPF(x)); }

MAMBA__UNUSED static void mamba__softplus_ref(float *x, int n) { int i; for (i = 0; i < n; i++) x[i] = mamba__softplus(x[i]); }
/* y *= silu(z) */
MAMBA__UNUSED static void mamba__mul_silu_ref(float *y, const float *z, int n) { int i; for (i = 0; i < n; i++) y[i] *= mamba__silu(z[i]); }

/* Causal depthwise conv, one token, then SiLU, over C channels. Layouts are
   tap-major so that every loop runs across channels: win (K-1, C) holds the
   past raw inputs, oldest first; w (K, C); tap K-1 multiplies the newest input.
   (PyTorch's conv1d.weight [C, 1, K] is transposed at load.) */
static void mamba__conv_shift(float *win, const float *x, int C, int K) {
    if (K > 1) {   /* drop the oldest input, store the raw new one */
        memmove(win, win + C, sizeof(float) * (size_t)C * (size_t)(K - 2));
        memcpy(win + (size_t)(K - 2) * (size_t)C, x, sizeof(float) * (size_t)C);
    }
}
MAMBA__UNUSED static void mamba__conv_step_ref(float *xc, float *win, const float *x, const float *w,
                                 const float *b, int C, int K) {
    int c, k;
    for (c = 0; c < C; c++) xc[c] = b ? b[c] : 0.0f;
    for (k = 0; k < K - 1; k++) {
        const float *wk = w + (size_t)k * (size_t)C, *sk = win + (size_t)k * (size_t)C;
        for (c = 0; c < C; c++) xc[c] += wk[c] * sk[c];
    }
    {
        const float *wk = w + (size_t)(K - 1) * (size_t)C;
        for (c = 0; c < C; c++) xc[c] += wk[c] * x[c];
    }
    mamba__conv_shift(win, x, C, K);
    for (c = 0; c < C; c++) xc[c] = mamba__silu(xc[c]);
}

/* Mamba-1 selective scan, one token, fused (dA, dB never materialised):
   h = exp(dt*A) * h + dt*B*x;  y = (h.C + D*x) * silu(z).
   h and A are state-major, (N, E), so the work runs across channels.
   Channels [c0, c1) only, so that threads can share the work. */
MAMBA__UNUSED static void mamba__scan_step_ref(float *y, float *h, const float *xc, const float *dt, const float *A,
                                 const float *B, const float *C, const float *D, const float *z,
                                 int E, int N, int c0, int c1) {
    int c, n;
    for (c = c0; c < c1; c++) y[c] = 0;
    for (n = 0; n < N; n++) {
        float *hn = h + (size_t)n * (size_t)E, bn = B[n], cn = C[n];
        const float *An = A + (size_t)n * (size_t)E;
        for (c = c0; c < c1; c++) {
            hn[c] = MAMBA_EXPF(dt[c] * An[c]) * hn[c] + dt[c] * xc[c] * bn;
            y[c] += hn[c] * cn;
        }
    }
    for (c = c0; c < c1; c++) y[c] = (y[c] + D[c] * xc[c]) * mamba__silu(z[c]);
}

/* Mamba-2 (SSD) recurrence, one token, heads [h0, h1). Scalar decay per head,
   B and C shared by the H/G heads of a group: S = exp(dt*A) * S + dt*x*B;
   y = S.C + D*x. x: (H, P); B, C: (G, N); S: (H, P, N); dt: (H), already
   softplus'd and clamped. */
MAMBA__UNUSED static void mamba__ssd_step_ref(float *y, float *S, const float *x, const float *B, const float *C, const float *dt,
                                const float *A, const float *D, int d_per_channel, int H, int P, int N, int G,
                                int h0, int h1) {
    int h, p, n, per_group = H / G;
    for (h = h0; h < h1; h++) {
        const float *Bg = B + (size_t)(h / per_group) * (size_t)N, *Cg = C + (size_t)(h / per_group) * (size_t)N;
        float d = dt[h], dA = MAMBA_EXPF(d * A[h]);
        for (p = 0; p < P; p++) {
            size_t hp = (size_t)h * (size_t)P + (size_t)p;
            float *s = S + hp * (size_t)N, xv = x[hp], dx = d * xv, acc = 0;
            for (n = 0; n < N; n++) {
                s[n] = dA * s[n] + dx * Bg[n];
                acc += s[n] * Cg[n];
            }
            y[hp] = acc + (d_per_channel ? D[hp] : D[h]) * xv;
        }
    }
}

#ifdef MAMBA__SIMD
/* ---- vector kernels: each has the _ref twin above as its oracle ---------- */

#define MAMBA__NV(n) ((n) / MAMBA__EPR * MAMBA__EPR)

/* The canonical row dot in vector builds (see mamba__dot_f32_ref). */
#define MAMBA__DEFINE_DOT(name, T, LOAD, TOF)                                    \
    static float name(const T *w, const float *x, int n) {                      \
        mamba__v acc = MAMBA__VSET1(0.0f);                                      \
        int i, nv = MAMBA__NV(n);                                               \
        float tail = 0;                                                         \
        for (i = 0; i < nv; i += MAMBA__EPR) acc = MAMBA__VFMA(LOAD(w + i), MAMBA__VLOAD(x + i), acc); \
        for (; i < n; i++) tail += TOF(w[i]) * x[i];                            \
        return MAMBA__VREDUCE(acc) + tail;                                      \
    }
#define MAMBA__ID(v) (v)
MAMBA__DEFINE_DOT(mamba__dot_f32_v, float, MAMBA__VLOAD, MAMBA__ID)
MAMBA__DEFINE_DOT(mamba__dot_f16_v, uint16_t, MAMBA__VLOAD_F16, mamba__f16_f32)
MAMBA__DEFINE_DOT(mamba__dot_bf16_v, uint16_t, MAMBA__VLOAD_BF16, mamba__bf16_f32)

/* Four rows against one x: the same per-row arithmetic as the dot above,
   four independent chains so that one core keeps several loads in flight. */
#define MAMBA__DEFINE_DOT4(name, T, LOAD, TOF)                                  \
    static void name(const T *w, size_t ld, const float *x, int n, float *out) { \
        mamba__v a0 = MAMBA__VSET1(0.0f), a1 = a0, a2 = a0, a3 = a0, xv;        \
        int i, nv = MAMBA__NV(n), r;                                            \
        for (i = 0; i < nv; i += MAMBA__EPR) {                                  \
            xv = MAMBA__VLOAD(x + i);                                           \
            a0 = MAMBA__VFMA(LOAD(w + i), xv, a0);                              \
            a1 = MAMBA__VFMA(LOAD(w + ld + i), xv, a1);                         \
            a2 = MAMBA__VFMA(LOAD(w + 2 * ld + i), xv, a2);                     \
            a3 = MAMBA__VFMA(LOAD(w + 3 * ld + i), xv, a3);                     \
        }                                                                       \
        out[0] = MAMBA__VREDUCE(a0); out[1] = MAMBA__VREDUCE(a1);               \
        out[2] = MAMBA__VREDUCE(a2); out[3] = MAMBA__VREDUCE(a3);               \
        for (r = 0; r < 4; r++) {                                               \
            float tail = 0;                                                     \
            for (i = nv; i < n; i++) tail += TOF(w[r * ld + i]) * x[i];         \
            out[r] += tail;                                                     \
        }                                                                       \
    }
MAMBA__DEFINE_DOT4(mamba__dot4_f32_v, float, MAMBA__VLOAD, MAMBA__ID)
MAMBA__DEFINE_DOT4(mamba__dot4_f16_v, uint16_t, MAMBA__VLOAD_F16, mamba__f16_f32)
MAMBA__DEFINE_DOT4(mamba__dot4_bf16_v, uint16_t, MAMBA__VLOAD_BF16, mamba__bf16_f32)

static void mamba__matvec_v(float *y, const mamba__mat *W, const float *bias, const float *x) {
    int rows = W->rows, cols = W->cols, r4 = rows / 4 * 4, r;
    size_t omp_work = (size_t)rows * (size_t)cols, ld = (size_t)cols;
    (void)omp_work;
    MAMBA__OMP_FOR
    for (r = 0; r < r4; r += 4) {
        if (W->dtype == MAMBA_DTYPE_F32) mamba__dot4_f32_v((const float *)W->data + (size_t)r * ld, ld, x, cols, y + r);
        else if (W->dtype == MAMBA_DTYPE_F16) mamba__dot4_f16_v((const uint16_t *)W->data + (size_t)r * ld, ld, x, cols, y + r);
        else mamba__dot4_bf16_v((const uint16_t *)W->data + (size_t)r * ld, ld, x, cols, y + r);
    }
    for (r = r4; r < rows; r++) {
        if (W->dtype == MAMBA_DTYPE_F32) y[r] = mamba__dot_f32_v((const float *)W->data + (size_t)r * ld, x, cols);
        else if (W->dtype == MAMBA_DTYPE_F16) y[r] = mamba__dot_f16_v((const uint16_t *)W->data + (size_t)r * ld, x, cols);
        else y[r] = mamba__dot_bf16_v((const uint16_t *)W->data + (size_t)r * ld, x, cols);
    }
    if (bias) for (r = 0; r < rows; r++) y[r] += bias[r];
}

/* Y = X W^T for T tokens: tiles of 4 rows x 4 tokens, 16 accumulators, each
   (row, token) dot in the canonical order. F16/BF16 weights are widened in
   registers as they are loaded (exactly), so no buffer is needed. */
#define MAMBA__DEFINE_TILE(name, T, LOAD, TOF)                                           \
    static void name(float *Y, int ldy, const T *w, size_t ldw, const float *X, int ldx,  \
                     int n, int t0, int nt, int r0, int nr) {                             \
        mamba__v acc[4][4];                                                               \
        int i, r, t, nv = MAMBA__NV(n);                                                   \
        for (r = 0; r < 4; r++) for (t = 0; t < 4; t++) acc[r][t] = MAMBA__VSET1(0.0f);   \
        if (nr == 4 && nt == 4) {                                                         \
            const float *x0 = X + (size_t)t0 * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx; \
            for (i = 0; i < nv; i += MAMBA__EPR) {                                        \
                mamba__v xv0 = MAMBA__VLOAD(x0 + i), xv1 = MAMBA__VLOAD(x1 + i);          \
                mamba__v xv2 = MAMBA__VLOAD(x2 + i), xv3 = MAMBA__VLOAD(x3 + i);          \
                for (r = 0; r < 4; r++) {                                                 \
                    mamba__v wv = LOAD(w + r * ldw + i);                                  \
                    acc[r][0] = MAMBA__VFMA(wv, xv0, acc[r][0]);                          \
                    acc[r][1] = MAMBA__VFMA(wv, xv1, acc[r][1]);                          \
                    acc[r][2] = MAMBA__VFMA(wv, xv2, acc[r][2]);                          \
                    acc[r][3] = MAMBA__VFMA(wv, xv3, acc[r][3]);                          \
                }                                                                         \
            }                                                                             \
        } else {                                                                          \
            for (i = 0; i < nv; i += MAMBA__EPR)                                          \
                for (r = 0; r < nr; r++) {                                                \
                    mamba__v wv = LOAD(w + r * ldw + i);                                  \
                    for (t = 0; t < nt; t++)                                              \
                        acc[r][t] = MAMBA__VFMA(wv, MAMBA__VLOAD(X + (size_t)(t0 + t) * ldx + i), acc[r][t]); \
                }                                                                         \
        }                                                                                 \
        for (r = 0; r < nr; r++)                                                          \
            for (t = 0; t < nt; t++) {                                                    \
                const float *x = X + (size_t)(t0 + t) * ldx;                              \
                float tail = 0, v = MAMBA__VREDUCE(acc[r][t]);                            \
                for (i = nv; i < n; i++) tail += TOF(w[r * ldw + i]) * x[i];              \
                Y[(size_t)(t0 + t) * ldy + r0 + r] = v + tail;                            \
            }                                                                             \
    }
MAMBA__DEFINE_TILE(mamba__tile_f32, float, MAMBA__VLOAD, MAMBA__ID)
MAMBA__DEFINE_TILE(mamba__tile_f16, uint16_t, MAMBA__VLOAD_F16, mamba__f16_f32)
MAMBA__DEFINE_TILE(mamba__tile_bf16, uint16_t, MAMBA__VLOAD_BF16, mamba__bf16_f32)

static void mamba__matmul_v(float *Y, int ldy, const mamba__mat *W, const float *bias,
                            const float *X, int ldx, int T) {
    int rows = W->rows, cols = W->cols, r;
    size_t omp_work = (size_t)rows * (size_t)cols * (size_t)T, ld = (size_t)cols;
    (void)omp_work;
    MAMBA__OMP_FOR
    for (r = 0; r < rows; r += 4) {
        int nr = rows - r < 4 ? rows - r : 4, t, k;
        for (t = 0; t < T; t += 4) {
            int nt = T - t < 4 ? T - t : 4;
            if (W->dtype == MAMBA_DTYPE_F32) mamba__tile_f32(Y, ldy, (const float *)W->data + (size_t)r * ld, ld, X, ldx, cols, t, nt, r, nr);
            else if (W->dtype == MAMBA_DTYPE_F16) mamba__tile_f16(Y, ldy, (const uint16_t *)W->data + (size_t)r * ld, ld, X, ldx, cols, t, nt, r, nr);
            else mamba__tile_bf16(Y, ldy, (const uint16_t *)W->data + (size_t)r * ld, ld, X, ldx, cols, t, nt, r, nr);
        }
        if (bias)
            for (t = 0; t < T; t++)
                for (k = 0; k < nr; k++) Y[(size_t)t * ldy + r + k] += bias[r + k];
    }
}

static void mamba__rmsnorm_v(float *out, const float *x, const float *w, int n, float eps) {
    mamba__v acc = MAMBA__VSET1(0.0f), sc;
    int i, nv = MAMBA__NV(n);
    float ss, scale;
    for (i = 0; i < nv; i += MAMBA__EPR) { mamba__v v = MAMBA__VLOAD(x + i); acc = MAMBA__VFMA(v, v, acc); }
    ss = MAMBA__VREDUCE(acc);
    for (; i < n; i++) ss += x[i] * x[i];
    scale = 1.0f / MAMBA_SQRTF(ss / (float)n + eps);
    sc = MAMBA__VSET1(scale);
    for (i = 0; i < nv; i += MAMBA__EPR) {
        mamba__v v = MAMBA__VMUL(MAMBA__VLOAD(x + i), sc);
        MAMBA__VSTORE(out + i, w ? MAMBA__VMUL(v, MAMBA__VLOAD(w + i)) : v);
    }
    for (; i < n; i++) out[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

static void mamba__softplus_v(float *x, int n) {
    int i, nv = MAMBA__NV(n);
    for (i = 0; i < nv; i += MAMBA__EPR) MAMBA__VSTORE(x + i, mamba__vsoftplus(MAMBA__VLOAD(x + i)));
    for (; i < n; i++) x[i] = mamba__softplus(x[i]);
}

static void mamba__mul_silu_v(float *y, const float *z, int n) {
    int i, nv = MAMBA__NV(n);
    for (i = 0; i < nv; i += MAMBA__EPR) MAMBA__VSTORE(y + i, MAMBA__VMUL(MAMBA__VLOAD(y + i), mamba__vsilu(MAMBA__VLOAD(z + i))));
    for (; i < n; i++) y[i] *= mamba__silu(z[i]);
}

static void mamba__conv_step_v(float *xc, float *win, const float *x, const float *w,
                               const float *b, int C, int K) {
    int c, k, nv = MAMBA__NV(C);
    for (c = 0; c < nv; c += MAMBA__EPR) {
        mamba__v acc = b ? MAMBA__VLOAD(b + c) : MAMBA__VSET1(0.0f);
        for (k = 0; k < K - 1; k++)
            acc = MAMBA__VFMA(MAMBA__VLOAD(w + (size_t)k * C + c), MAMBA__VLOAD(win + (size_t)k * C + c), acc);
        acc = MAMBA__VFMA(MAMBA__VLOAD(w + (size_t)(K - 1) * C + c), MAMBA__VLOAD(x + c), acc);
        MAMBA__VSTORE(xc + c, mamba__vsilu(acc));
    }
    for (; c < C; c++) {
        float acc = b ? b[c] : 0.0f;
        for (k = 0; k < K - 1; k++) acc += w[(size_t)k * C + c] * win[(size_t)k * C + c];
        acc += w[(size_t)(K - 1) * C + c] * x[c];
        xc[c] = mamba__silu(acc);
    }
    mamba__conv_shift(win, x, C, K);
}

/* The Mamba-1 scan across channels: one vector exp per (state, EPR channels). */
static void mamba__scan_step_v(float *y, float *h, const float *xc, const float *dt, const float *A,
                               const float *B, const float *C, const float *D, const float *z,
                               int E, int N, int c0, int c1) {
    int c, n, cv = c0 + MAMBA__NV(c1 - c0);
    for (c = c0; c < cv; c += MAMBA__EPR) {
        mamba__v d = MAMBA__VLOAD(dt + c), xv = MAMBA__VLOAD(xc + c), dx = MAMBA__VMUL(d, xv);
        mamba__v acc = MAMBA__VSET1(0.0f);
        for (n = 0; n < N; n++) {
            float *hn = h + (size_t)n * (size_t)E + c;
            mamba__v dA = mamba__vexp(MAMBA__VMUL(d, MAMBA__VLOAD(A + (size_t)n * (size_t)E + c)));
            mamba__v hv = MAMBA__VFMA(dA, MAMBA__VLOAD(hn), MAMBA__VMUL(dx, MAMBA__VSET1(B[n])));
            MAMBA__VSTORE(hn, hv);
            acc = MAMBA__VFMA(hv, MAMBA__VSET1(C[n]), acc);
        }
        acc = MAMBA__VFMA(MAMBA__VLOAD(D + c), xv, acc);
        MAMBA__VSTORE(y + c, MAMBA__VMUL(acc, mamba__vsilu(MAMBA__VLOAD(z + c))));
    }
    if (cv < c1) mamba__scan_step_ref(y, h, xc, dt, A, B, C, D, z, E, N, cv, c1);
}

/* The Mamba-2 recurrence, vectorised along the state (N is 128 in released models). */
static void mamba__ssd_step_v(float *y, float *S, const float *x, const float *B, const float *C, const float *dt,
                              const float *A, const float *D, int d_per_channel, int H, int P, int N, int G,
                              int h0, int h1) {
    int h, p, n, per_group = H / G, nv = MAMBA__NV(N);
    for (h = h0; h < h1; h++) {
        const float *Bg = B + (size_t)(h / per_group) * (size_t)N, *Cg = C + (size_t)(h / per_group) * (size_t)N;
        float d = dt[h], dA = MAMBA_EXPF(d * A[h]);
        mamba__v dAv = MAMBA__VSET1(dA);
        for (p = 0; p < P; p++) {
            size_t hp = (size_t)h * (size_t)P + (size_t)p;
            float *s = S + hp * (size_t)N, xv = x[hp], dx = d * xv, tail = 0;
            mamba__v dxv = MAMBA__VSET1(dx), acc = MAMBA__VSET1(0.0f);
            for (n = 0; n < nv; n += MAMBA__EPR) {
                mamba__v sv = MAMBA__VFMA(dAv, MAMBA__VLOAD(s + n), MAMBA__VMUL(dxv, MAMBA__VLOAD(Bg + n)));
                MAMBA__VSTORE(s + n, sv);
                acc = MAMBA__VFMA(sv, MAMBA__VLOAD(Cg + n), acc);
            }
            for (; n < N; n++) {
                s[n] = dA * s[n] + dx * Bg[n];
                tail += s[n] * Cg[n];
            }
            y[hp] = MAMBA__VREDUCE(acc) + tail + (d_per_channel ? D[hp] : D[h]) * xv;
        }
    }
}
#endif /* MAMBA__SIMD */

/* ---- dispatch: the vector kernel where there is one, else the reference ---- */
#ifdef MAMBA__SIMD
#define mamba__dot_f32 mamba__dot_f32_v
#define mamba__rmsnorm mamba__rmsnorm_v
#define mamba__softplus_n mamba__softplus_v
#define mamba__mul_silu mamba__mul_silu_v
#define mamba__conv_step mamba__conv_step_v
#define mamba__scan_step mamba__scan_step_v
#define mamba__ssd_step mamba__ssd_step_v
#else
#define mamba__dot_f32 mamba__dot_f32_ref
#define mamba__rmsnorm mamba__rmsnorm_ref
#define mamba__softplus_n mamba__softplus_ref
#define mamba__mul_silu mamba__mul_silu_ref
#define mamba__conv_step mamba__conv_step_ref
#define mamba__scan_step mamba__scan_step_ref
#define mamba__ssd_step mamba__ssd_step_ref
#endif

/* rowbuf (cols floats) is used by the scalar path for F16/BF16 rows. */
static void mamba__linear(float *Y, int ldy, const mamba__mat *W, const float *bias,
                          const float *X, int ldx, int T, float *rowbuf) {
#ifdef MAMBA__SIMD
    (void)rowbuf;
    if (T == 1) mamba__matvec_v(Y, W, bias, X);
    else mamba__matmul_v(Y, ldy, W, bias, X, ldx, T);
#else
    if (T == 1) mamba__matvec_ref(Y, W, bias, X, rowbuf);
    else mamba__matmul_ref(Y, ldy, W, bias, X, ldx, T, rowbuf);
#endif
}

/* Gated RMSNorm of Mamba-2, normalised per group of E/G channels as the
   original checkpoints were trained (HF's module normalises over all of E,
   which differs when G > 1): y <- norm(y * silu(z)) * w, or, with
   norm_before_gate, norm(y) * w * silu(z). */
static void mamba__gated_norm(float *y, const float *z, const float *w, int E, int G, float eps, int before_gate) {
    int g, gs = E / G;
    if (!before_gate) mamba__mul_silu(y, z, E);
    for (g = 0; g < G; g++) mamba__rmsnorm(y + (size_t)g * gs, y + (size_t)g * gs, w + (size_t)g * gs, gs, eps);
    if (before_gate) mamba__mul_silu(y, z, E);
}

/* ---- e. model ------------------------------------------------------------ */

typedef struct mamba__layer {
    const float *norm;       /* (D)                                   */
    mamba__mat in_proj;      /* (2E, D)                               */
    const float *in_bias;    /* (2E) or NULL                          */
    const float *conv_w;     /* (E, K)                                */
    const float *conv_b;     /* (E) or NULL                           */
    mamba__mat x_proj;       /* (R + 2N, E)                           */
    mamba__mat dt_proj;      /* (E, R)                                */
    const float *dt_bias;    /* (E)                                   */
    const float *A;          /* (E, N) = -exp(A_log); Mamba-2: (H)    */
    const float *D;          /* (E); Mamba-2: (H), or (E) per channel */
    const float *gnorm;      /* Mamba-2 gated RMSNorm weight (E)      */
    mamba__mat out_proj;     /* (D, E)                                */
    const float *out_bias;   /* (D) or NULL                           */
} mamba__layer;
/* Mamba-2 reuses the fields: in_proj (d_in_proj, D) = z | xBC | dt rows,
   conv_w (conv_dim, K), dt_bias (H); x_proj and dt_proj are unused. */

struct mamba_model {
    mamba_config cfg;
    mamba__mat embed;        /* (n_embd_rows, D)                      */
    mamba__mat lm_head;      /* (vocab_size, D): first rows only      */
    const float *norm_f;     /* (D)                                   */
    mamba__layer *layers;    /* (n_layer)                             */
    float *f32;              /* small tensors converted at load       */
    mamba__blob *blobs;      /* weight files / buffers kept alive     */
    int n_blobs;
    char **paths;            /* shard paths, for messages             */
    void **copies;           /* aligned copies of misaligned matrices */
    int n_copies;
    size_t weight_bytes;
    float *tmp;              /* load-time scratch for transposes      */
};

MAMBA_API const char *mamba_version_string(void) { return MAMBA_VERSION_STRING; }

MAMBA_API const char *mamba_status_string(mamba_status st) {
    static const char *const text[] = {
#define MAMBA__TEXT(id, t) t,
        MAMBA_STATUS_LIST(MAMBA__TEXT)
#undef MAMBA__TEXT
    };
    if ((int)st < 0 || (int)st >= (int)MAMBA_STATUS_COUNT) return "unknown status";
    return text[st];
}

MAMBA_API void mamba_free(mamba_model *m) {
    int i;
    if (!m) return;
    for (i = 0; i < m->n_blobs; i++) mamba__blob_release(&m->blobs[i]);
    if (m->blobs) MAMBA_FREE(m->blobs);
    if (m->paths) { for (i = 0; i < m->n_blobs; i++) if (m->paths[i]) MAMBA_FREE(m->paths[i]); MAMBA_FREE(m->paths); }
    for (i = 0; i < m->n_copies; i++) MAMBA_FREE(m->copies[i]);
    if (m->copies) MAMBA_FREE(m->copies);
    if (m->layers) MAMBA_FREE(m->layers);
    if (m->f32) MAMBA_FREE(m->f32);
    if (m->tmp) MAMBA_FREE(m->tmp);
    MAMBA_FREE(m);
}

MAMBA_API const mamba_config *mamba_get_config(const mamba_model *m) { return m ? &m->cfg : NULL; }
MAMBA_API size_t mamba_weight_bytes(const mamba_model *m) { return m ? m->weight_bytes : 0; }

/* -- config.json ---------------------------------------------------------- */

/* Reads an optional integer key into *out (unchanged when absent or null). */
static mamba_status mamba__cfg_int(const mamba__json *j, uint32_t obj, const char *key, long long lo, long long hi,
                                   int *out, mamba_error *e) {
    uint32_t v = mamba__json_get(j, obj, key);
    long long x;
    if (!v || j->tok[v].type == MAMBA__J_NULL) return MAMBA_OK;
    if (!mamba__json_int(j, v, LLONG_MIN / 2, LLONG_MAX / 2, &x))
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: %s is not an integer", key, 0, 0, 0);
    if (x < lo || x > hi)
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: %s = %d is out of range (max %d)", key, 0, x, hi);
    *out = (int)x;
    return MAMBA_OK;
}

static mamba_status mamba__cfg_float(const mamba__json *j, uint32_t obj, const char *key, double lo, double hi,
                                     float *out, mamba_error *e) {
    uint32_t v = mamba__json_get(j, obj, key);
    double x;
    if (!v || j->tok[v].type == MAMBA__J_NULL) return MAMBA_OK;
    if (!mamba__json_num(j, v, &x) || !(x >= lo && x <= hi))
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: %s is not a number in the valid range", key, 0, 0, 0);
    *out = (float)x;
    return MAMBA_OK;
}

static int mamba__cfg_bool(const mamba__json *j, uint32_t obj, const char *key, int def) {
    uint32_t v = mamba__json_get(j, obj, key);
    if (!v) return def;
    if (j->tok[v].type == MAMBA__J_TRUE) return 1;
    if (j->tok[v].type == MAMBA__J_FALSE) return 0;
    return def;
}

/* time_step_limit / dt_limit: a two-number array, Infinity allowed. */
static mamba_status mamba__cfg_limit(const mamba__json *j, uint32_t obj, const char *key, mamba_config *c, mamba_error *e) {
    uint32_t v = mamba__json_get(j, obj, key);
    double lo, hi;
    if (!v || j->tok[v].type == MAMBA__J_NULL) return MAMBA_OK;
    if (j->tok[v].type != MAMBA__J_ARR || j->tok[v].size != 2 || !mamba__json_num(j, v + 1, &lo) ||
        !mamba__json_num(j, j->tok[v + 1].next, &hi) || !(lo >= 0) || !(hi >= lo))
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: %s must be [low, high] with 0 <= low <= high", key, 0, 0, 0);
    c->dt_min = (float)lo;
    c->dt_max = (float)hi;
    return MAMBA_OK;
}

static mamba_status mamba__config_parse(mamba_config *c, const char *text, size_t len, int *tie_explicit,
                                        const mamba_options *o, mamba_error *e) {
    mamba__json j;
    mamba_status st;
    uint32_t root = 0, ssm, v;
    int original, expand = 2, pad_multiple = 8, auto_rank = 1;
    char mt[32] = "";
    memset(c, 0, sizeof *c);
    st = mamba__json_parse(&j, text, len, o ? o->max_json_depth : 0, 1000000, e, "config.json");
    if (st != MAMBA_OK) return st;
    if (j.tok[0].type != MAMBA__J_OBJ) { mamba__json_free(&j); return mamba__err(e, MAMBA_ERR_CONFIG, "config.json is not a JSON object", 0, 0, 0, 0); }
    original = mamba__json_get(&j, root, "d_model") != 0;
    c->arch = MAMBA_ARCH_MAMBA1;
    c->d_state = 16; c->d_conv = 4; c->norm_eps = 1e-5f; c->mixer_rms_eps = 1e-6f;
    c->bos_token_id = c->eos_token_id = c->pad_token_id = -1;
    c->dt_min = 0; c->dt_max = HUGE_VALF; c->gated_norm = 1;
    v = mamba__json_get(&j, root, "model_type");
    if (v && j.tok[v].type == MAMBA__J_STR) mamba__json_str(&j, v, mt, sizeof mt);
    ssm = mamba__json_get(&j, root, "ssm_cfg");
    if (ssm && j.tok[ssm].type != MAMBA__J_OBJ) ssm = 0;
#define MAMBA__TRY(x) do { if ((st = (x)) != MAMBA_OK) goto done; } while (0)
#define MAMBA__FAIL(status, msg, s1) do { st = mamba__err(e, status, msg, s1, 0, 0, 0); goto done; } while (0)
    if (original) {
        uint32_t lay = ssm ? mamba__json_get(&j, ssm, "layer") : 0;
        if (lay && mamba__json_eq(&j, lay, "Mamba2")) c->arch = MAMBA_ARCH_MAMBA2;
        else if (lay && !mamba__json_eq(&j, lay, "Mamba1")) MAMBA__FAIL(MAMBA_ERR_UNSUPPORTED, "config.json: ssm_cfg.layer is neither Mamba1 nor Mamba2", 0);
    } else {
        if (!mt[0]) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: model_type is missing", 0);
        if (!strcmp(mt, "falcon_mamba")) c->arch = MAMBA_ARCH_FALCON_MAMBA;
        else if (!strcmp(mt, "mamba2")) c->arch = MAMBA_ARCH_MAMBA2;
        else if (strcmp(mt, "mamba") != 0) MAMBA__FAIL(MAMBA_ERR_UNSUPPORTED, "config.json: model_type '%s' is not supported (mamba, falcon_mamba, mamba2)", mt);
    }
    if (c->arch == MAMBA_ARCH_MAMBA2) {   /* module defaults: state-spaces Mamba2 / HF Mamba2Config */
        c->d_state = 128; c->head_dim = 64; c->n_groups = original ? 1 : 8;
    }
    c->d_model = c->n_layer = c->vocab_size = -1;
    if (original) {
        MAMBA__TRY(mamba__cfg_int(&j, root, "d_model", 1, MAMBA_MAX_DIM, &c->d_model, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "n_layer", 1, 4096, &c->n_layer, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "vocab_size", 1, 1 << 24, &c->vocab_size, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "pad_vocab_size_multiple", 1, 1 << 16, &pad_multiple, e));
        MAMBA__TRY(mamba__cfg_float(&j, root, "norm_epsilon", 1e-12, 1.0, &c->norm_eps, e));
        if (ssm) {
            MAMBA__TRY(mamba__cfg_int(&j, ssm, "d_state", 1, 4096, &c->d_state, e));
            MAMBA__TRY(mamba__cfg_int(&j, ssm, "d_conv", 1, 64, &c->d_conv, e));
            MAMBA__TRY(mamba__cfg_int(&j, ssm, "expand", 1, 64, &expand, e));
            if (c->arch == MAMBA_ARCH_MAMBA2) {
                MAMBA__TRY(mamba__cfg_int(&j, ssm, "headdim", 1, MAMBA_MAX_DIM, &c->head_dim, e));
                MAMBA__TRY(mamba__cfg_int(&j, ssm, "ngroups", 1, MAMBA_MAX_DIM, &c->n_groups, e));
                MAMBA__TRY(mamba__cfg_limit(&j, ssm, "dt_limit", c, e));
                c->gated_norm = mamba__cfg_bool(&j, ssm, "rmsnorm", 1);
                c->norm_before_gate = mamba__cfg_bool(&j, ssm, "norm_before_gate", 0);
                c->d_per_channel = mamba__cfg_bool(&j, ssm, "D_has_hdim", 0);
            } else {
                v = mamba__json_get(&j, ssm, "dt_rank");
                if (v && j.tok[v].type == MAMBA__J_NUM) { auto_rank = 0; MAMBA__TRY(mamba__cfg_int(&j, ssm, "dt_rank", 1, MAMBA_MAX_DIM, &c->dt_rank, e)); }
            }
        }
        {   /* hybrid or norm variants this library does not implement */
            uint32_t attn = mamba__json_get(&j, root, "attn_layer_idx");
            int d_int = 0;
            MAMBA__TRY(mamba__cfg_int(&j, root, "d_intermediate", 0, MAMBA_MAX_DIM, &d_int, e));
            if (!mamba__cfg_bool(&j, root, "rms_norm", 1) || d_int > 0 || (attn && j.tok[attn].type == MAMBA__J_ARR && j.tok[attn].size > 0))
                MAMBA__FAIL(MAMBA_ERR_UNSUPPORTED, "config.json: LayerNorm, MLP or attention layers (rms_norm false, d_intermediate, attn_layer_idx) are not supported", 0);
        }
        c->tied_embeddings = mamba__cfg_bool(&j, root, "tie_embeddings", 1);
        *tie_explicit = mamba__json_get(&j, root, "tie_embeddings") != 0;
    } else {
        MAMBA__TRY(mamba__cfg_int(&j, root, "hidden_size", 1, MAMBA_MAX_DIM, &c->d_model, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "num_hidden_layers", 1, 4096, &c->n_layer, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "vocab_size", 1, 1 << 24, &c->vocab_size, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "state_size", 1, 4096, &c->d_state, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "conv_kernel", 1, 64, &c->d_conv, e));
        MAMBA__TRY(mamba__cfg_int(&j, root, "expand", 1, 64, &expand, e));
        MAMBA__TRY(mamba__cfg_float(&j, root, "layer_norm_epsilon", 1e-12, 1.0, &c->norm_eps, e));
        if (c->arch == MAMBA_ARCH_MAMBA2) {
            MAMBA__TRY(mamba__cfg_int(&j, root, "head_dim", 1, MAMBA_MAX_DIM, &c->head_dim, e));
            MAMBA__TRY(mamba__cfg_int(&j, root, "num_heads", 1, MAMBA_MAX_DIM, &c->n_heads, e));
            MAMBA__TRY(mamba__cfg_int(&j, root, "n_groups", 1, MAMBA_MAX_DIM, &c->n_groups, e));
            MAMBA__TRY(mamba__cfg_limit(&j, root, "time_step_limit", c, e));
            c->gated_norm = mamba__cfg_bool(&j, root, "rms_norm", 1);
            c->norm_before_gate = mamba__cfg_bool(&j, root, "norm_before_gate", 0);
        } else {
            MAMBA__TRY(mamba__cfg_int(&j, root, "intermediate_size", 1, MAMBA_MAX_DIM, &c->d_inner, e));
            MAMBA__TRY(mamba__cfg_float(&j, root, "mixer_rms_eps", 1e-12, 1.0, &c->mixer_rms_eps, e));
            v = mamba__json_get(&j, root, "time_step_rank");
            if (v && j.tok[v].type == MAMBA__J_STR) {
                if (!mamba__json_eq(&j, v, "auto")) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: time_step_rank must be an integer or \"auto\"", 0);
            } else if (v && j.tok[v].type != MAMBA__J_NULL) {
                auto_rank = 0;
                MAMBA__TRY(mamba__cfg_int(&j, root, "time_step_rank", 1, MAMBA_MAX_DIM, &c->dt_rank, e));
            }
        }
        c->tied_embeddings = mamba__cfg_bool(&j, root, "tie_word_embeddings", 1);
        *tie_explicit = mamba__json_get(&j, root, "tie_word_embeddings") != 0;
        pad_multiple = 1;
    }
    MAMBA__TRY(mamba__cfg_int(&j, root, "bos_token_id", -1, 1 << 24, &c->bos_token_id, e));
    MAMBA__TRY(mamba__cfg_int(&j, root, "eos_token_id", -1, 1 << 24, &c->eos_token_id, e));
    MAMBA__TRY(mamba__cfg_int(&j, root, "pad_token_id", -1, 1 << 24, &c->pad_token_id, e));
    if (c->d_model < 0) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: %s is missing", original ? "d_model" : "hidden_size");
    if (c->n_layer < 0) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: %s is missing", original ? "n_layer" : "num_hidden_layers");
    if (c->vocab_size < 0) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: vocab_size is missing", 0);
    if (!c->d_inner) {
        if ((long long)expand * c->d_model > MAMBA_MAX_DIM) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: expand * hidden size is too large", 0);
        c->d_inner = expand * c->d_model;
    }
    if (c->arch == MAMBA_ARCH_MAMBA2) {
        long long gn = (long long)c->n_groups * c->d_state, conv = c->d_inner + 2 * gn;
        if (c->d_inner % c->head_dim) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: d_inner is not a multiple of head_dim", 0);
        if (c->n_heads && c->n_heads != c->d_inner / c->head_dim) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: num_heads * head_dim differs from expand * hidden_size", 0);
        c->n_heads = c->d_inner / c->head_dim;
        if (c->n_heads % c->n_groups) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: the number of heads is not a multiple of n_groups", 0);
        if (conv + c->d_inner + c->n_heads > MAMBA_MAX_DIM) MAMBA__FAIL(MAMBA_ERR_CONFIG, "config.json: dimensions are too large", 0);
        c->conv_dim = (int)conv;
        c->d_in_proj = (int)(conv + c->d_inner + c->n_heads);
        c->dt_rank = 0;
    } else {
        if (auto_rank) c->dt_rank = (c->d_model + 15) / 16;
        c->conv_dim = c->d_inner;
        c->d_in_proj = 2 * c->d_inner;
        c->n_groups = 1;
    }
    /* the embedding of original checkpoints is padded to a multiple */
    c->n_embd_rows = (int)(((long long)c->vocab_size + pad_multiple - 1) / pad_multiple * pad_multiple);
done:
#undef MAMBA__TRY
#undef MAMBA__FAIL
    mamba__json_free(&j);
    return st;
}

/* Bytes of the recurrent state: conv (conv_dim*(K-1)) + ssm (E*N, which is
   H*P*N for Mamba-2) floats per layer. Returns 0 when the product overflows. */
MAMBA_API size_t mamba_state_size(const mamba_config *c) {
    size_t per, a, b, total;
    if (!c || c->d_inner <= 0 || c->d_state <= 0 || c->d_conv <= 0 || c->n_layer <= 0 || c->conv_dim <= 0) return 0;
    if (!mamba__mul((size_t)c->conv_dim, (size_t)(c->d_conv - 1), &a) || !mamba__mul((size_t)c->d_inner, (size_t)c->d_state, &b) ||
        !mamba__add(a, b, &per) || !mamba__mul(per, (size_t)c->n_layer, &total) || !mamba__mul(total, sizeof(float), &total))
        return 0;
    return total;
}

/* Scratch layout for a chunk of T tokens (floats, each block 64-byte aligned):
   res (T,D) residual; u (T,D) normed input; xz (T,d_in_proj) in_proj output;
   xc (T,conv_dim) conv output; xdbl (T,R+2N) x_proj output (Mamba-1);
   dt (T,E); y (T,E); out (T,D); rowbuf (max cols). */
typedef struct mamba__scratch {
    float *res, *u, *xz, *xc, *xdbl, *dt, *y, *out, *rowbuf;
} mamba__scratch;

static size_t mamba__scratch_layout(const mamba_config *c, int T, void *mem, mamba__scratch *sc) {
    size_t D = (size_t)c->d_model, E = (size_t)c->d_inner;
    size_t X = c->arch == MAMBA_ARCH_MAMBA2 ? 1 : (size_t)c->dt_rank + 2 * (size_t)c->d_state;
    size_t cols = D > E ? D : E, sizes[9], off = 0, i;
    float **dst[9];
    if (cols < (size_t)c->dt_rank) cols = (size_t)c->dt_rank;
    sizes[0] = D; sizes[1] = D; sizes[2] = (size_t)c->d_in_proj; sizes[3] = (size_t)c->conv_dim; sizes[4] = X;
    sizes[5] = E; sizes[6] = E; sizes[7] = D;
    if (sc) {
        dst[0] = &sc->res; dst[1] = &sc->u; dst[2] = &sc->xz; dst[3] = &sc->xc; dst[4] = &sc->xdbl;
        dst[5] = &sc->dt; dst[6] = &sc->y; dst[7] = &sc->out; dst[8] = &sc->rowbuf;
    }
    for (i = 0; i < 9; i++) {
        size_t n;
        if (i < 8) { if (!mamba__mul(sizes[i], (size_t)T, &n)) return 0; }
        else n = cols;
        if (!mamba__mul(n, sizeof(float), &n) || !mamba__add(n, MAMBA__ALIGN - 1, &n)) return 0;
        n = n / MAMBA__ALIGN * MAMBA__ALIGN;
        if (mem && sc) *dst[i] = (float *)(void *)((unsigned char *)mem + off);
        if (!mamba__add(off, n, &off)) return 0;
    }
    return off;
}

MAMBA_API size_t mamba_scratch_size(const mamba_config *c, int chunk) {
    if (!c || c->d_model <= 0 || c->d_inner <= 0 || c->d_state <= 0 || c->dt_rank < 0 || c->conv_dim <= 0 || c->d_in_proj <= 0) return 0;
    if (chunk <= 0) chunk = MAMBA__DEFAULT_CHUNK;
    return mamba__scratch_layout(c, chunk, NULL, NULL);
}

/* -- binding tensors to layers -------------------------------------------- */

typedef struct mamba__binder {
    mamba_model *m;
    mamba__tensors *ts;
    mamba_error *e;
    const char *prefix;      /* "backbone.layers.<i>." built here */
    char name[160];
} mamba__binder;

static void mamba__bname(mamba__binder *b, int layer, const char *suffix) {
    char num[16];
    int n = 0, k = 0;
    unsigned u = (unsigned)layer;
    if (layer < 0) { strcpy(b->name, suffix); return; }
    do { num[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    strcpy(b->name, "backbone.layers.");
    k = (int)strlen(b->name);
    while (n) b->name[k++] = num[--n];
    b->name[k++] = '.';
    b->name[k] = 0;
    strcat(b->name, suffix);
}

/* Checks that tensor t has exactly shape dims[0..nd) (trailing 1-dims of the
   expectation may be absent, so [E,1,K] also accepts [E,K]). */
static int mamba__shape_is(const mamba__tensor *t, const long long *dims, int nd) {
    int i;
    if (t->ndim == nd) {
        for (i = 0; i < nd; i++) if (t->shape[i] != dims[i]) return 0;
        return 1;
    }
    if (nd == 3 && t->ndim == 2 && dims[1] == 1) return t->shape[0] == dims[0] && t->shape[1] == dims[2];
    return 0;
}

static mamba_status mamba__shape_err(mamba__binder *b, const mamba__tensor *t, const long long *dims, int nd) {
    char got[96], want[96];
    int i, o;
    const long long *src[2];
    char *dst[2];
    long long gd[MAMBA__MAX_NDIM];
    int cnt[2];
    for (i = 0; i < t->ndim; i++) gd[i] = t->shape[i];
    src[0] = gd; src[1] = dims; dst[0] = got; dst[1] = want; cnt[0] = t->ndim; cnt[1] = nd;
    for (o = 0; o < 2; o++) {
        int k = 0;
        dst[o][k++] = '[';
        for (i = 0; i < cnt[o] && k < 80; i++) {
            char tmp[24]; int n = 0; unsigned long long u = (unsigned long long)src[o][i];
            if (i) { dst[o][k++] = ','; dst[o][k++] = ' '; }
            do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
            while (n) dst[o][k++] = tmp[--n];
        }
        dst[o][k++] = ']';
        dst[o][k] = 0;
    }
    mamba__err(b->e, MAMBA_ERR_SHAPE, "tensor %s has shape %s", t->name, got, 0, 0);
    if (b->e) {
        size_t l = strlen(b->e->message);
        const void *args[1];
        args[0] = want;
        mamba__vfmt(b->e->message + l, sizeof b->e->message - l, ", expected %s", args);
    }
    return MAMBA_ERR_SHAPE;
}

/* Finds a tensor with the given shape and a computable dtype. required = 0:
   a missing tensor gives *out = NULL and MAMBA_OK. */
static mamba_status mamba__bind_tensor(mamba__binder *b, int layer, const char *suffix, const long long *dims, int nd,
                                       int required, const mamba__tensor **out) {
    mamba__tensor *t;
    mamba__bname(b, layer, suffix);
    t = mamba__tensor_find(b->ts, b->name);
    *out = NULL;
    if (!t) return required ? mamba__err(b->e, MAMBA_ERR_MISSING, "tensor %s is missing from the weights", b->name, 0, 0, 0) : MAMBA_OK;
    if (t->dtype <= 0)
        return mamba__err(b->e, MAMBA_ERR_UNSUPPORTED, "tensor %s has dtype %s; supported: F32, F16, BF16", t->name, t->dtype_name, 0, 0);
    if (!mamba__shape_is(t, dims, nd)) return mamba__shape_err(b, t, dims, nd);
    t->used = 1;
    *out = t;
    return MAMBA_OK;
}

/* A matrix used in place in its stored dtype; copied only if misaligned. */
static mamba_status mamba__bind_mat(mamba__binder *b, int layer, const char *suffix, long long rows, long long cols,
                                    int required, mamba__mat *W) {
    const mamba__tensor *t;
    long long dims[2];
    mamba_status st;
    dims[0] = rows; dims[1] = cols;
    memset(W, 0, sizeof *W);
    st = mamba__bind_tensor(b, layer, suffix, dims, 2, required, &t);
    if (st != MAMBA_OK || !t) return st;
    W->dtype = t->dtype;
    W->rows = (int)rows;
    W->cols = (int)cols;
    W->data = t->data;
    if ((uintptr_t)t->data % mamba__dtype_size(t->dtype) != 0) {
        mamba_model *m = b->m;
        void *copy = mamba__alloc(t->nbytes), **nc;
        if (!copy) return mamba__err(b->e, MAMBA_ERR_NOMEM, "out of memory copying misaligned tensor %s", t->name, 0, 0, 0);
        nc = MAMBA__CAST(void **, mamba__alloc(sizeof(void *) * (size_t)(m->n_copies + 1)));
        if (!nc) { MAMBA_FREE(copy); return mamba__err(b->e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); }
        if (m->copies) { memcpy(nc, m->copies, sizeof(void *) * (size_t)m->n_copies); MAMBA_FREE(m->copies); }
        memcpy(copy, t->data, t->nbytes);
        nc[m->n_copies++] = copy;
        m->copies = nc;
        W->data = copy;
    }
    return MAMBA_OK;
}

/* In-place transpose of a (rows, cols) f32 matrix, through `tmp` (rows*cols floats). */
static void mamba__transpose(float *a, int rows, int cols, float *tmp) {
    int r, c;
    for (r = 0; r < rows; r++)
        for (c = 0; c < cols; c++) tmp[(size_t)c * (size_t)rows + (size_t)r] = a[(size_t)r * (size_t)cols + (size_t)c];
    memcpy(a, tmp, sizeof(float) * (size_t)rows * (size_t)cols);
}

/* A small tensor converted to f32 into dst (n = product of dims). */
static mamba_status mamba__bind_vec(mamba__binder *b, int layer, const char *suffix, const long long *dims, int nd,
                                    int required, float *dst, const float **out) {
    const mamba__tensor *t;
    mamba_status st = mamba__bind_tensor(b, layer, suffix, dims, nd, required, &t);
    size_t i, n = 1;
    int k;
    *out = NULL;
    if (st != MAMBA_OK || !t) return st;
    for (k = 0; k < nd; k++) n *= (size_t)dims[k];
    for (i = 0; i < n; i++) dst[i] = mamba__load_elem(t->data, t->dtype, i);
    *out = dst;
    return MAMBA_OK;
}

static mamba_status mamba__bind(mamba_model *m, mamba__tensors *ts, int tie_explicit, mamba_error *e) {
    mamba_config *c = &m->cfg;
    mamba__binder b;
    mamba_status st;
    const mamba__tensor *t;
    long long D = c->d_model, E = c->d_inner, N = c->d_state, K = c->d_conv, R = c->dt_rank, dims[3];
    size_t per_layer, total, i;
    float *f;
    int l;
    memset(&b, 0, sizeof b);
    b.m = m; b.ts = ts; b.e = e;
    /* embedding: HF "embeddings", original state-spaces "embedding" */
    t = mamba__tensor_find(ts, "backbone.embeddings.weight");
    if (!t) t = mamba__tensor_find(ts, "backbone.embedding.weight");
    if (!t) return mamba__err(e, MAMBA_ERR_MISSING, "tensor backbone.embeddings.weight (or backbone.embedding.weight) is missing", 0, 0, 0, 0);
    if (t->ndim != 2 || t->shape[1] != D || t->shape[0] < c->vocab_size) {
        dims[0] = c->n_embd_rows; dims[1] = D;
        return mamba__shape_err(&b, t, dims, 2);
    }
    c->n_embd_rows = (int)t->shape[0];
    if ((st = mamba__bind_mat(&b, -1, t->name, t->shape[0], D, 1, &m->embed)) != MAMBA_OK) return st;
    /* lm_head: present means untied; absent means tied unless the config says otherwise */
    t = mamba__tensor_find(ts, "lm_head.weight");
    if (t) {
        if (t->ndim != 2 || t->shape[1] != D || t->shape[0] < c->vocab_size) {
            dims[0] = c->n_embd_rows; dims[1] = D;
            return mamba__shape_err(&b, t, dims, 2);
        }
        if ((st = mamba__bind_mat(&b, -1, "lm_head.weight", t->shape[0], D, 1, &m->lm_head)) != MAMBA_OK) return st;
        c->tied_embeddings = 0;
    } else {
        if (tie_explicit && !c->tied_embeddings)
            return mamba__err(e, MAMBA_ERR_MISSING, "config says the embeddings are untied but lm_head.weight is missing", 0, 0, 0, 0);
        m->lm_head = m->embed;
        c->tied_embeddings = 1;
    }
    m->lm_head.rows = c->vocab_size;   /* padded rows are never computed */

    /* one f32 block for the per-channel tensors, carved layer by layer: an
       upper bound for both families of norm, in_bias, conv_w, conv_b, dt_bias,
       A, D, gnorm, out_bias */
    {
        size_t P = (size_t)c->d_in_proj, C = (size_t)c->conv_dim, H = (size_t)c->n_heads;
        per_layer = 2 * (size_t)D + P + C * ((size_t)K + 1) + (size_t)(E * N) + 4 * (size_t)E + 2 * H;
    }
    if (!mamba__mul(per_layer, (size_t)c->n_layer, &total) || !mamba__add(total, (size_t)D, &total) ||
        !mamba__mul(total, sizeof(float), &total))
        return mamba__err(e, MAMBA_ERR_CONFIG, "model dimensions overflow", 0, 0, 0, 0);
    m->f32 = MAMBA__CAST(float *, mamba__alloc(total));
    m->layers = MAMBA__CAST(mamba__layer *, mamba__calloc(sizeof(mamba__layer) * (size_t)c->n_layer));
    {
        size_t nt = (size_t)c->conv_dim * (size_t)K > (size_t)(E * N) ? (size_t)c->conv_dim * (size_t)K : (size_t)(E * N);
        m->tmp = MAMBA__CAST(float *, mamba__alloc(nt * sizeof(float)));
    }
    if (!m->f32 || !m->layers || !m->tmp) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory for %d layers", 0, 0, c->n_layer, 0);
    f = m->f32;
    c->has_in_bias = c->has_out_bias = c->has_conv_bias = 0;
    for (l = 0; l < c->n_layer; l++) {
        mamba__layer *L = &m->layers[l];
        float *cur = f, *A;
        const float *Alog;
        int m2 = c->arch == MAMBA_ARCH_MAMBA2;
        long long H = c->n_heads, CD = c->conv_dim, NA = m2 ? H : E * N;
#define MAMBA__V1(n) (dims[0] = (n), dims)
#define MAMBA__VEC(name, n, req, dst) do { if ((st = mamba__bind_vec(&b, l, name, MAMBA__V1(n), 1, req, cur, &(dst))) != MAMBA_OK) return st; cur += (n); } while (0)
        MAMBA__VEC("norm.weight", D, 1, L->norm);
        if ((st = mamba__bind_mat(&b, l, "mixer.in_proj.weight", c->d_in_proj, D, 1, &L->in_proj)) != MAMBA_OK) return st;
        MAMBA__VEC("mixer.in_proj.bias", c->d_in_proj, 0, L->in_bias);
        dims[0] = CD; dims[1] = 1; dims[2] = K;
        if ((st = mamba__bind_vec(&b, l, "mixer.conv1d.weight", dims, 3, 1, cur, &L->conv_w)) != MAMBA_OK) return st;
        mamba__transpose(cur, (int)CD, (int)K, m->tmp);   /* [C][K] -> (K, C) */
        cur += CD * K;
        MAMBA__VEC("mixer.conv1d.bias", CD, 0, L->conv_b);
        if (m2) {
            MAMBA__VEC("mixer.dt_bias", H, 1, L->dt_bias);
            A = cur;
            MAMBA__VEC("mixer.A_log", H, 1, Alog);
            MAMBA__VEC("mixer.D", c->d_per_channel ? E : H, 1, L->D);
            if (c->gated_norm) MAMBA__VEC("mixer.norm.weight", E, 1, L->gnorm);
        } else {
            if ((st = mamba__bind_mat(&b, l, "mixer.x_proj.weight", R + 2 * N, E, 1, &L->x_proj)) != MAMBA_OK) return st;
            if ((st = mamba__bind_mat(&b, l, "mixer.dt_proj.weight", E, R, 1, &L->dt_proj)) != MAMBA_OK) return st;
            MAMBA__VEC("mixer.dt_proj.bias", E, 1, L->dt_bias);
            A = cur;
            dims[0] = E; dims[1] = N;
            if ((st = mamba__bind_vec(&b, l, "mixer.A_log", dims, 2, 1, cur, &Alog)) != MAMBA_OK) return st;
            mamba__transpose(cur, (int)E, (int)N, m->tmp);     /* [E][N] -> (N, E) */
            cur += E * N;
            MAMBA__VEC("mixer.D", E, 1, L->D);
        }
        for (i = 0; i < (size_t)NA; i++) A[i] = -MAMBA_EXPF(A[i]);   /* A = -exp(A_log), once */
        L->A = A;
        if ((st = mamba__bind_mat(&b, l, "mixer.out_proj.weight", D, E, 1, &L->out_proj)) != MAMBA_OK) return st;
        MAMBA__VEC("mixer.out_proj.bias", D, 0, L->out_bias);
#undef MAMBA__VEC
        /* biases are all-or-none across layers */
        if (l == 0) { c->has_in_bias = L->in_bias != NULL; c->has_out_bias = L->out_bias != NULL; c->has_conv_bias = L->conv_b != NULL; }
        else if (c->has_in_bias != (L->in_bias != NULL) || c->has_out_bias != (L->out_bias != NULL) || c->has_conv_bias != (L->conv_b != NULL)) {
            mamba__bname(&b, l, "mixer");
            return mamba__err(e, MAMBA_ERR_MISSING, "%s: biases differ from layer 0's", b.name, 0, 0, 0);
        }
        f += per_layer;
        m->weight_bytes += L->in_proj.rows * (size_t)L->in_proj.cols * mamba__dtype_size(L->in_proj.dtype)
                         + L->out_proj.rows * (size_t)L->out_proj.cols * mamba__dtype_size(L->out_proj.dtype);
        if (!m2)
            m->weight_bytes += L->x_proj.rows * (size_t)L->x_proj.cols * mamba__dtype_size(L->x_proj.dtype)
                             + L->dt_proj.rows * (size_t)L->dt_proj.cols * mamba__dtype_size(L->dt_proj.dtype);
    }
    if ((st = mamba__bind_vec(&b, -1, "backbone.norm_f.weight", MAMBA__V1(D), 1, 1, f, &m->norm_f)) != MAMBA_OK) return st;
#undef MAMBA__V1
    m->weight_bytes += (size_t)m->lm_head.rows * (size_t)D * mamba__dtype_size(m->lm_head.dtype) +
                       (size_t)D * mamba__dtype_size(m->embed.dtype);
    return MAMBA_OK;
}

/* Checks the config's numbers before anything is sized from them. */
static mamba_status mamba__config_check(const mamba_config *c, mamba_error *e) {
    size_t s;
    if (c->d_inner <= 0 || c->d_state <= 0 || (c->dt_rank <= 0 && c->arch != MAMBA_ARCH_MAMBA2) || c->d_conv <= 0)
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: dimensions must be positive", 0, 0, 0, 0);
    if (!mamba_state_size(c) || !mamba_scratch_size(c, MAMBA__DEFAULT_CHUNK) ||
        !mamba__mul((size_t)c->d_inner, (size_t)c->d_state, &s) || s > ((size_t)1 << 31))
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: dimensions are too large", 0, 0, 0, 0);
    return MAMBA_OK;
}

/* Shared tail of both loaders: config text + the tensor table -> model. */
static mamba_status mamba__build(mamba_model *m, const char *cfg_text, size_t cfg_len, mamba__tensors *ts,
                                 const mamba_options *o, mamba_error *e) {
    int tie_explicit = 0;
    mamba_status st = mamba__config_parse(&m->cfg, cfg_text, cfg_len, &tie_explicit, o, e);
    if (st == MAMBA_OK) st = mamba__config_check(&m->cfg, e);
    if (st == MAMBA_OK) st = mamba__tensors_check_unique(ts, e);
    if (st == MAMBA_OK) st = mamba__bind(m, ts, tie_explicit, e);
    if (m->tmp) { MAMBA_FREE(m->tmp); m->tmp = NULL; }
    return st;
}

static mamba_status mamba__add_blob(mamba_model *m, const mamba__blob *b, const char *path, mamba_error *e) {
    mamba__blob *nb = MAMBA__CAST(mamba__blob *, mamba__alloc(sizeof(mamba__blob) * (size_t)(m->n_blobs + 1)));
    char **np = MAMBA__CAST(char **, mamba__alloc(sizeof(char *) * (size_t)(m->n_blobs + 1)));
    char *p = NULL;
    if (path) {
        size_t n = strlen(path) + 1;
        p = MAMBA__CAST(char *, mamba__alloc(n));
        if (p) memcpy(p, path, n);
    }
    if (!nb || !np || (path && !p)) {
        if (nb) MAMBA_FREE(nb);
        if (np) MAMBA_FREE(np);
        if (p) MAMBA_FREE(p);
        return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    }
    if (m->n_blobs) { memcpy(nb, m->blobs, sizeof(mamba__blob) * (size_t)m->n_blobs); memcpy(np, m->paths, sizeof(char *) * (size_t)m->n_blobs); }
    if (m->blobs) MAMBA_FREE(m->blobs);
    if (m->paths) MAMBA_FREE(m->paths);
    nb[m->n_blobs] = *b;
    np[m->n_blobs] = p;
    m->blobs = nb;
    m->paths = np;
    m->n_blobs++;
    return MAMBA_OK;
}

static mamba_status mamba__finish_load(mamba_model **out, mamba_model *m, mamba__tensors *ts, mamba_status st) {
    mamba__tensors_free(ts);
    if (st != MAMBA_OK) { mamba_free(m); *out = NULL; return st; }
    *out = m;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_load_memory(mamba_model **out, const void *weights, size_t weights_len,
                                         const char *config_json, size_t config_len,
                                         const mamba_options *opt, mamba_error *e) {
    mamba_model *m;
    mamba__tensors ts;
    mamba__blob b;
    mamba_status st;
    if (e) { e->status = MAMBA_OK; e->message[0] = 0; }
    if (!out) return mamba__err(e, MAMBA_ERR_BADARG, "out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!weights || !config_json) return mamba__err(e, MAMBA_ERR_BADARG, "weights or config_json is NULL", 0, 0, 0, 0);
    memset(&ts, 0, sizeof ts);
    m = MAMBA__CAST(mamba_model *, mamba__calloc(sizeof *m));
    if (!m) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    b.data = (const unsigned char *)weights; b.size = weights_len; b.kind = 0;
    st = mamba__add_blob(m, &b, NULL, e);
    if (st == MAMBA_OK) st = mamba__safetensors_read(&ts, b.data, b.size, "weights", opt, e);
    if (st == MAMBA_OK) st = mamba__build(m, config_json, config_len, &ts, opt, e);
    return mamba__finish_load(out, m, &ts, st);
}

#ifndef MAMBA_NO_STDIO
static int mamba__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static int mamba__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* Maps one shard and appends its tensors. */
static mamba_status mamba__load_shard(mamba_model *m, mamba__tensors *ts, const char *path, const mamba_options *o, mamba_error *e) {
    mamba__blob b;
    mamba_status st = mamba__map_file(&b, path, e);
    if (st != MAMBA_OK) return st;
    if ((st = mamba__add_blob(m, &b, path, e)) != MAMBA_OK) { mamba__blob_release(&b); return st; }
    return mamba__safetensors_read(ts, b.data, b.size, m->paths[m->n_blobs - 1], o, e);
}

/* A shard name from an index file must be a plain file name inside the model directory. */
static int mamba__safe_shard_name(const char *s) {
    size_t n = strlen(s);
    return n > 0 && n < 1024 && !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") && strcmp(s, "..");
}

static mamba_status mamba__load_index(mamba_model *m, mamba__tensors *ts, const char *dir, const char *index_path,
                                      const mamba_options *o, mamba_error *e) {
    mamba__blob ib;
    mamba__json j;
    mamba_status st = mamba__read_file(&ib, index_path, (size_t)64 << 20, e);
    uint32_t map, i, k, q;
    if (st != MAMBA_OK) return st;
    st = mamba__json_parse(&j, (const char *)ib.data, ib.size, o ? o->max_json_depth : 0, 0, e, "model.safetensors.index.json");
    if (st != MAMBA_OK) { mamba__blob_release(&ib); return st; }
    map = mamba__json_get(&j, 0, "weight_map");
    if (!map || j.tok[map].type != MAMBA__J_OBJ) {
        st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: no weight_map object", index_path, 0, 0, 0);
    }
    /* load each distinct shard once, in order of first mention */
    for (i = map + 1, k = 0; st == MAMBA_OK && map && k < j.tok[map].size; k++, i = j.tok[i + 1].next) {
        char fname[1024], *path;
        int seen = 0;
        uint32_t v = i + 1;
        if (j.tok[v].type != MAMBA__J_STR || mamba__json_str(&j, v, fname, sizeof fname) >= sizeof fname || !mamba__safe_shard_name(fname)) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: weight_map holds an invalid shard file name", index_path, 0, 0, 0);
            break;
        }
        for (q = map + 1; q < i; q = j.tok[q + 1].next) {
            char prev[1024];
            mamba__json_str(&j, q + 1, prev, sizeof prev);
            if (!strcmp(prev, fname)) { seen = 1; break; }
        }
        if (seen) continue;
        path = mamba__path_join(dir, fname);
        if (!path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); break; }
        st = mamba__load_shard(m, ts, path, o, e);
        MAMBA_FREE(path);
    }
    mamba__json_free(&j);
    mamba__blob_release(&ib);
    return st;
}

MAMBA_API mamba_status mamba_load_file(mamba_model **out, const char *path, const mamba_options *opt, mamba_error *e) {
    mamba_model *m;
    mamba__tensors ts;
    mamba__blob cfg;
    mamba_status st;
    char *dir = NULL, *cfg_path = NULL, *w_path = NULL;
    if (e) { e->status = MAMBA_OK; e->message[0] = 0; }
    if (!out) return mamba__err(e, MAMBA_ERR_BADARG, "out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!path || !*path) return mamba__err(e, MAMBA_ERR_BADARG, "empty model path", 0, 0, 0, 0);
    memset(&ts, 0, sizeof ts);
    memset(&cfg, 0, sizeof cfg);
    m = MAMBA__CAST(mamba_model *, mamba__calloc(sizeof *m));
    if (!m) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    /* MODEL is a directory, or a .safetensors file next to its config.json */
    if (mamba__ends_with(path, ".safetensors")) {
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : 0;
        dir = MAMBA__CAST(char *, mamba__alloc(n + 2));
        if (dir) { if (n) memcpy(dir, path, n); else dir[n++] = '.'; dir[n] = 0; }
    } else {
        size_t n = strlen(path) + 1;
        dir = MAMBA__CAST(char *, mamba__alloc(n));
        if (dir) memcpy(dir, path, n);
    }
    cfg_path = dir ? mamba__path_join(dir, "config.json") : NULL;
    if (!cfg_path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); goto done; }
    st = mamba__read_file(&cfg, cfg_path, (size_t)16 << 20, e);
    if (st != MAMBA_OK) goto done;
    if (mamba__ends_with(path, ".safetensors")) {
        st = mamba__load_shard(m, &ts, path, opt, e);
    } else {
        w_path = mamba__path_join(dir, "model.safetensors.index.json");
        if (!w_path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); goto done; }
        if (mamba__file_exists(w_path)) {
            st = mamba__load_index(m, &ts, dir, w_path, opt, e);
        } else {
            MAMBA_FREE(w_path);
            w_path = mamba__path_join(dir, "model.safetensors");
            if (!w_path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); goto done; }
            st = mamba__load_shard(m, &ts, w_path, opt, e);
        }
    }
    if (st == MAMBA_OK) st = mamba__build(m, (const char *)cfg.data, cfg.size, &ts, opt, e);
done:
    mamba__blob_release(&cfg);
    if (dir) MAMBA_FREE(dir);
    if (cfg_path) MAMBA_FREE(cfg_path);
    if (w_path) MAMBA_FREE(w_path);
    return mamba__finish_load(out, m, &ts, st);
}
#endif /* MAMBA_NO_STDIO */

/* ---- f. state ------------------------------------------------------------ */

static size_t mamba__conv_floats(const mamba_state *s) { return (size_t)s->n_layer * (size_t)s->conv_dim * (size_t)(s->d_conv - 1); }
static size_t mamba__ssm_floats(const mamba_state *s) { return (size_t)s->n_layer * (size_t)s->d_inner * (size_t)s->d_state; }

MAMBA_API mamba_status mamba_state_init(mamba_state *s, const mamba_config *c, void *state_mem, size_t state_bytes,
                                        void *scratch_mem, size_t scratch_bytes, int chunk) {
    size_t need = mamba_state_size(c);
    if (!s || !c) return MAMBA_ERR_BADARG;
    memset(s, 0, sizeof *s);
    if (!need || !state_mem || state_bytes < need || (uintptr_t)state_mem % sizeof(float)) return MAMBA_ERR_BADARG;
    if (chunk <= 0) chunk = MAMBA__DEFAULT_CHUNK;
    if (scratch_mem) {
        size_t sneed = mamba_scratch_size(c, chunk);
        if (!sneed || scratch_bytes < sneed || (uintptr_t)scratch_mem % 16) return MAMBA_ERR_BADARG;
    }
    s->magic = MAMBA__STATE_MAGIC;
    s->d_inner = c->d_inner; s->d_state = c->d_state; s->d_conv = c->d_conv; s->n_layer = c->n_layer; s->conv_dim = c->conv_dim;
    s->conv = (float *)state_mem;
    s->ssm = s->conv + mamba__conv_floats(s);
    s->scratch = scratch_mem;
    s->scratch_bytes = scratch_mem ? scratch_bytes : 0;
    s->chunk = scratch_mem ? chunk : 0;
    mamba_state_reset(s);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_state_new(mamba_state **out, const mamba_model *m, int chunk) {
    size_t a, b, total;
    unsigned char *mem;
    mamba_state *s;
    mamba_status st;
    if (!out) return MAMBA_ERR_BADARG;
    *out = NULL;
    if (!m) return MAMBA_ERR_BADARG;
    if (chunk <= 0) chunk = MAMBA__DEFAULT_CHUNK;
    a = mamba__round_up(sizeof(mamba_state), MAMBA__ALIGN);
    b = mamba__round_up(mamba_state_size(&m->cfg), MAMBA__ALIGN);
    if (!mamba__add(a, b, &total) || !mamba__add(total, mamba_scratch_size(&m->cfg, chunk), &total) ||
        !mamba__add(total, MAMBA__ALIGN, &total) || !mamba_scratch_size(&m->cfg, chunk))
        return MAMBA_ERR_BADARG;
    mem = MAMBA__CAST(unsigned char *, mamba__alloc(total));
    if (!mem) return MAMBA_ERR_NOMEM;
    {   /* align the carve-out to 64 bytes whatever malloc returned */
        unsigned char *p = mem + (MAMBA__ALIGN - (uintptr_t)mem % MAMBA__ALIGN) % MAMBA__ALIGN;
        s = (mamba_state *)(void *)p;
        st = mamba_state_init(s, &m->cfg, p + a, b, p + a + b, total - a - b - MAMBA__ALIGN, chunk);
    }
    if (st != MAMBA_OK) { MAMBA_FREE(mem); return st; }
    s->owned = mem;
    *out = s;
    return MAMBA_OK;
}

MAMBA_API void mamba_state_free(mamba_state *s) {
    if (s && s->magic == MAMBA__STATE_MAGIC && s->owned) {
        void *mem = s->owned;
        s->magic = 0;
        MAMBA_FREE(mem);
    }
}

MAMBA_API void mamba_state_reset(mamba_state *s) {
    if (!s || s->magic != MAMBA__STATE_MAGIC) return;
    memset(s->conv, 0, mamba__conv_floats(s) * sizeof(float));
    memset(s->ssm, 0, mamba__ssm_floats(s) * sizeof(float));
    s->n_tokens = 0;
}

/* Copies the recurrent state (not the scratch): an independent branch. */
MAMBA_API mamba_status mamba_state_copy(mamba_state *dst, const mamba_state *src) {
    if (!dst || !src || dst->magic != MAMBA__STATE_MAGIC || src->magic != MAMBA__STATE_MAGIC) return MAMBA_ERR_BADARG;
    if (dst->d_inner != src->d_inner || dst->d_state != src->d_state || dst->d_conv != src->d_conv || dst->n_layer != src->n_layer ||
        dst->conv_dim != src->conv_dim)
        return MAMBA_ERR_BADARG;
    if (dst == src) return MAMBA_OK;
    memmove(dst->conv, src->conv, mamba__conv_floats(src) * sizeof(float));
    memmove(dst->ssm, src->ssm, mamba__ssm_floats(src) * sizeof(float));
    dst->n_tokens = src->n_tokens;
    return MAMBA_OK;
}

static int mamba__state_fits(const mamba_model *m, const mamba_state *s) {
    const mamba_config *c = &m->cfg;
    return s->magic == MAMBA__STATE_MAGIC && s->d_inner == c->d_inner && s->d_state == c->d_state &&
           s->d_conv == c->d_conv && s->n_layer == c->n_layer && s->conv_dim == c->conv_dim;
}

/* ---- e'. forward ----------------------------------------------------------- */

/* One Mamba-1 block for T tokens whose residual stream is in sc->res (T, D).
   T == 1 is the recurrent step (matrix-vector); T > 1 batches the projections
   (matrix-matrix) and then walks the conv and scan token by token. */
static void mamba__block(const mamba_model *m, int l, mamba_state *s, mamba__scratch *sc, int T) {
    const mamba_config *c = &m->cfg;
    const mamba__layer *L = &m->layers[l];
    int D = c->d_model, E = c->d_inner, N = c->d_state, K = c->d_conv, R = c->dt_rank, X = R + 2 * N, t;
    float *conv = s->conv + (size_t)l * (size_t)E * (size_t)(K - 1);   /* (E, K-1) */
    float *h = s->ssm + (size_t)l * (size_t)E * (size_t)N;             /* (E, N)   */
    for (t = 0; t < T; t++)                                            /* u = norm(r) */
        mamba__rmsnorm(sc->u + (size_t)t * D, sc->res + (size_t)t * D, L->norm, D, c->norm_eps);
    /* xz = in_proj(u): x = xz[:, :E], z = xz[:, E:] */
    mamba__linear(sc->xz, 2 * E, &L->in_proj, L->in_bias, sc->u, D, T, sc->rowbuf);
    for (t = 0; t < T; t++)                                            /* xc = silu(conv1d(x)) */
        mamba__conv_step(sc->xc + (size_t)t * E, conv, sc->xz + (size_t)t * 2 * E, L->conv_w, L->conv_b, E, K);
    /* x_dbl = x_proj(xc) -> dlow (R) | B (N) | C (N) */
    mamba__linear(sc->xdbl, X, &L->x_proj, NULL, sc->xc, E, T, sc->rowbuf);
    if (c->arch == MAMBA_ARCH_FALCON_MAMBA) {                          /* weightless rms norms */
        for (t = 0; t < T; t++) {
            float *xd = sc->xdbl + (size_t)t * X;
            mamba__rmsnorm(xd, xd, NULL, R, c->mixer_rms_eps);
            mamba__rmsnorm(xd + R, xd + R, NULL, N, c->mixer_rms_eps);
            mamba__rmsnorm(xd + R + N, xd + R + N, NULL, N, c->mixer_rms_eps);
        }
    }
    /* dt = softplus(dt_proj(dlow) + dt_bias) */
    mamba__linear(sc->dt, E, &L->dt_proj, L->dt_bias, sc->xdbl, X, T, sc->rowbuf);
    for (t = 0; t < T; t++) mamba__softplus_n(sc->dt + (size_t)t * E, E);   /* per token: same lanes as the step path */
    {   /* selective scan: channel blocks in parallel, tokens in order within each */
        int nblk = (E + MAMBA__SCAN_BLOCK - 1) / MAMBA__SCAN_BLOCK, cb;
        size_t omp_work = (size_t)E * (size_t)N * (size_t)T * 8;
        (void)omp_work;
        MAMBA__OMP_FOR
        for (cb = 0; cb < nblk; cb++) {
            int c0 = cb * MAMBA__SCAN_BLOCK, c1 = c0 + MAMBA__SCAN_BLOCK < E ? c0 + MAMBA__SCAN_BLOCK : E, tt;
            for (tt = 0; tt < T; tt++) {
                const float *xd = sc->xdbl + (size_t)tt * X;
                mamba__scan_step(sc->y + (size_t)tt * E, h, sc->xc + (size_t)tt * E, sc->dt + (size_t)tt * E, L->A,
                                 xd + R, xd + R + N, L->D, sc->xz + (size_t)tt * 2 * E + E, E, N, c0, c1);
            }
        }
    }
    /* out = out_proj(y); r = r + out */
    mamba__linear(sc->out, D, &L->out_proj, L->out_bias, sc->y, E, T, sc->rowbuf);
    for (t = 0; t < (int)((size_t)T * D); t++) sc->res[t] += sc->out[t];
}

/* One Mamba-2 block for T tokens (same conventions as mamba__block). */
static void mamba__block2(const mamba_model *m, int l, mamba_state *s, mamba__scratch *sc, int T) {
    const mamba_config *c = &m->cfg;
    const mamba__layer *L = &m->layers[l];
    int D = c->d_model, E = c->d_inner, N = c->d_state, K = c->d_conv, G = c->n_groups, H = c->n_heads;
    int CD = c->conv_dim, NP = c->d_in_proj, t;
    float *conv = s->conv + (size_t)l * (size_t)CD * (size_t)(K - 1);  /* (conv_dim, K-1) */
    float *S = s->ssm + (size_t)l * (size_t)E * (size_t)N;             /* (H, P, N) */
    for (t = 0; t < T; t++)
        mamba__rmsnorm(sc->u + (size_t)t * D, sc->res + (size_t)t * D, L->norm, D, c->norm_eps);
    /* zxbcdt = in_proj(u) -> z (E) | xBC (conv_dim) | dt (H) */
    mamba__linear(sc->xz, NP, &L->in_proj, L->in_bias, sc->u, D, T, sc->rowbuf);
    for (t = 0; t < T; t++) {   /* xBC = silu(conv1d(xBC)); dt = clamp(softplus(dt + dt_bias)) */
        const float *zx = sc->xz + (size_t)t * NP;
        float *dt = sc->dt + (size_t)t * H;
        int i;
        mamba__conv_step(sc->xc + (size_t)t * CD, conv, zx + E, L->conv_w, L->conv_b, CD, K);
        for (i = 0; i < H; i++) dt[i] = zx[E + CD + i] + L->dt_bias[i];
        mamba__softplus_n(dt, H);
        for (i = 0; i < H; i++) dt[i] = dt[i] < c->dt_min ? c->dt_min : dt[i] > c->dt_max ? c->dt_max : dt[i];
    }
    {   /* SSD recurrence: head blocks in parallel, tokens in order within each */
        int per = H / G > 0 ? H / G : 1, nblk = (H + per - 1) / per, hb;
        size_t omp_work = (size_t)E * (size_t)N * (size_t)T * 2;
        (void)omp_work;
        MAMBA__OMP_FOR
        for (hb = 0; hb < nblk; hb++) {
            int h0 = hb * per, h1 = h0 + per < H ? h0 + per : H, tt;
            for (tt = 0; tt < T; tt++) {
                const float *xbc = sc->xc + (size_t)tt * CD;
                mamba__ssd_step(sc->y + (size_t)tt * E, S, xbc, xbc + E, xbc + E + (size_t)G * N, sc->dt + (size_t)tt * H,
                                L->A, L->D, c->d_per_channel, H, c->head_dim, N, G, h0, h1);
            }
        }
    }
    for (t = 0; t < T; t++) {   /* gated RMSNorm with z */
        const float *zx = sc->xz + (size_t)t * NP;
        float *y = sc->y + (size_t)t * E;
        if (c->gated_norm) mamba__gated_norm(y, zx, L->gnorm, E, G, c->norm_eps, c->norm_before_gate);
        else mamba__mul_silu(y, zx, E);
    }
    mamba__linear(sc->out, D, &L->out_proj, L->out_bias, sc->y, E, T, sc->rowbuf);
    for (t = 0; t < (int)((size_t)T * D); t++) sc->res[t] += sc->out[t];
}

/* Runs T tokens through the model; writes logits for rows [first, T) into
   logits (one row of vocab_size each), or none when first == T. */
static void mamba__forward_chunk(const mamba_model *m, mamba_state *s, const int *tok, int T, float *logits, int first) {
    const mamba_config *c = &m->cfg;
    mamba__scratch sc;
    int D = c->d_model, t, l;
    mamba__scratch_layout(c, s->chunk, s->scratch, &sc);
    for (t = 0; t < T; t++) mamba__row_f32(&m->embed, tok[t], sc.res + (size_t)t * D);
    for (l = 0; l < c->n_layer; l++) {
        if (c->arch == MAMBA_ARCH_MAMBA2) mamba__block2(m, l, s, &sc, T);
        else mamba__block(m, l, s, &sc, T);
    }
    if (first < T) {
        int n = T - first;
        for (t = 0; t < n; t++) mamba__rmsnorm(sc.u + (size_t)t * D, sc.res + (size_t)(first + t) * D, m->norm_f, D, c->norm_eps);
        mamba__linear(logits, c->vocab_size, &m->lm_head, NULL, sc.u, D, n, sc.rowbuf);
    }
    s->n_tokens += (uint64_t)T;
}

static mamba_status mamba__check_run(const mamba_model *m, const mamba_state *s, const int *tokens, size_t n) {
    size_t i;
    if (!m || !s || (!tokens && n)) return MAMBA_ERR_BADARG;
    if (!mamba__state_fits(m, s) || !s->scratch) return MAMBA_ERR_BADARG;
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.vocab_size) return MAMBA_ERR_RANGE;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_step(const mamba_model *m, mamba_state *s, int token, float *logits) {
    mamba_status st = mamba__check_run(m, s, &token, 1);
    if (st != MAMBA_OK) return st;
    mamba__forward_chunk(m, s, &token, 1, logits, logits ? 0 : 1);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_forward(const mamba_model *m, mamba_state *s, const int *tokens, size_t n,
                                     float *logits, mamba_logits_mode mode) {
    mamba_status st = mamba__check_run(m, s, tokens, n);
    size_t done = 0;
    if (st != MAMBA_OK) return st;
    if (mode != MAMBA_LOGITS_LAST && mode != MAMBA_LOGITS_ALL && mode != MAMBA_LOGITS_NONE) return MAMBA_ERR_BADARG;
    if (mode != MAMBA_LOGITS_NONE && !logits) return MAMBA_ERR_BADARG;
    if (n == 0) return mode == MAMBA_LOGITS_LAST ? MAMBA_ERR_BADARG : MAMBA_OK;
    while (done < n) {   /* fixed-size chunks: scratch never depends on n */
        int T = (int)(n - done < (size_t)s->chunk ? n - done : (size_t)s->chunk);
        int last_chunk = done + (size_t)T == n;
        if (mode == MAMBA_LOGITS_ALL)
            mamba__forward_chunk(m, s, tokens + done, T, logits + done * (size_t)m->cfg.vocab_size, 0);
        else if (mode == MAMBA_LOGITS_LAST && last_chunk)
            mamba__forward_chunk(m, s, tokens + done, T, logits, T - 1);
        else
            mamba__forward_chunk(m, s, tokens + done, T, NULL, T);
        done += (size_t)T;
    }
    return MAMBA_OK;
}

MAMBA_API int mamba_argmax(const float *x, int n) {
    int i, best = 0;
    if (!x || n <= 0) return -1;
    for (i = 1; i < n; i++)
        if (x[i] > x[best] || (x[best] != x[best] && x[i] == x[i])) best = i;   /* NaN never wins */
    return best;
}

/* ---- h. sampler ------------------------------------------------------------ */

typedef struct mamba__cand { float v; int id; } mamba__cand;

MAMBA_API size_t mamba_sampler_size(int n_vocab) { return n_vocab > 0 ? sizeof(mamba__cand) * (size_t)n_vocab : 0; }

MAMBA_API mamba_status mamba_sampler_init(mamba_sampler *s, int n_vocab, float temperature, int top_k, float top_p,
                                          uint64_t seed, void *mem, size_t mem_bytes) {
    if (!s) return MAMBA_ERR_BADARG;
    memset(s, 0, sizeof *s);
    if (n_vocab <= 0 || !(temperature == temperature)) return MAMBA_ERR_BADARG;
    if (mem) {
        if (mem_bytes < mamba_sampler_size(n_vocab) || (uintptr_t)mem % sizeof(float)) return MAMBA_ERR_BADARG;
        s->work = mem;
    } else {
        s->work = s->owned = mamba__alloc(mamba_sampler_size(n_vocab));
        if (!s->work) return MAMBA_ERR_NOMEM;
    }
    s->n_vocab = n_vocab;
    s->temperature = temperature;
    s->top_k = top_k;
    s->top_p = top_p;
    s->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
    return MAMBA_OK;
}

MAMBA_API void mamba_sampler_free(mamba_sampler *s) {
    if (s && s->owned) MAMBA_FREE(s->owned);
    if (s) s->owned = s->work = NULL;
}

static float mamba__uniform(uint64_t *state) {   /* xorshift64*, 24 random bits in [0, 1) */
    uint64_t x = *state;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    *state = x;
    return (float)((x * 0x2545F4914F6CDD1Dull) >> 40) * (1.0f / 16777216.0f);
}

static int mamba__cand_desc(const void *a, const void *b) {
    const mamba__cand *x = (const mamba__cand *)a, *y = (const mamba__cand *)b;
    return x->v > y->v ? -1 : x->v < y->v ? 1 : (x->id > y->id) - (x->id < y->id);
}

/* Moves the k largest candidates to the front (iterative quickselect). */
static void mamba__select_top(mamba__cand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = c[lo + (hi - lo) / 2].v;
        int i = lo, j = hi;
        while (i <= j) {
            while (c[i].v > pivot) i++;
            while (c[j].v < pivot) j--;
            if (i <= j) { mamba__cand t = c[i]; c[i] = c[j]; c[j] = t; i++; j--; }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

MAMBA_API int mamba_sample(mamba_sampler *s, const float *logits) {
    mamba__cand *c;
    int n = 0, i;
    float maxv, sum = 0, r, acc;
    if (!s || !logits || !s->work || s->n_vocab <= 0) return 0;
    if (s->temperature <= 0) { i = mamba_argmax(logits, s->n_vocab); return i < 0 ? 0 : i; }
    c = (mamba__cand *)s->work;
    for (i = 0; i < s->n_vocab; i++) {
        float v = logits[i];
        if (v != v || v == -HUGE_VALF) continue;          /* NaN and -inf never sampled */
        if (v == HUGE_VALF) return i;                      /* +inf: certain */
        c[n].v = v / s->temperature;
        c[n].id = i;
        n++;
    }
    if (n == 0) return 0;
    if (s->top_k > 0 && s->top_k < n) { mamba__select_top(c, n, s->top_k); n = s->top_k; }
    maxv = c[0].v;
    for (i = 1; i < n; i++) if (c[i].v > maxv) maxv = c[i].v;
    for (i = 0; i < n; i++) { c[i].v = MAMBA_EXPF(c[i].v - maxv); sum += c[i].v; }
    for (i = 0; i < n; i++) c[i].v /= sum;                 /* probabilities */
    if (s->top_p > 0 && s->top_p < 1) {
        /* only candidates above (1-p)/(n-1) can be in the nucleus: sort those */
        float cut = (1.0f - s->top_p) / (float)(n > 1 ? n - 1 : 1), mass = 0;
        int m = 0;
        for (i = 0; i < n; i++) if (c[i].v >= cut) c[m++] = c[i];
        if (m == 0) m = n;
        qsort(c, (size_t)m, sizeof *c, mamba__cand_desc);
        for (i = 0; i < m; i++) { mass += c[i].v; if (mass >= s->top_p) { i++; break; } }
        n = i < m ? i : m;
        sum = 0;
        for (i = 0; i < n; i++) sum += c[i].v;
    } else sum = 1;
    r = mamba__uniform(&s->rng) * sum;
    acc = 0;
    for (i = 0; i < n; i++) { acc += c[i].v; if (r < acc) return c[i].id; }
    return c[n - 1].id;                                    /* rounding: the last one */
}

#endif /* MAMBA_IMPLEMENTATION_INCLUDED */
#endif /* MAMBA_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
LICENSE (MIT)
Copyright (c) 2026 the mamba.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
