/* mamba.h - run Mamba-family selective state-space language models on a CPU.
   Single-header C11 library, no dependencies beyond the C standard library.

   USAGE
     In exactly one C or C++ file:
         #define MAMBA_IMPLEMENTATION
         #include "mamba.h"
     Everywhere else just #include "mamba.h". Link with -lm (and -fopenmp for
     threads). Build with -march=native (or -mavx2 -mfma -mf16c, or for
     AArch64) to get the vector kernels.

   EXAMPLE (greedy text after `prompt` from the model at `path`: every buffer
   sized from the model, every status checked; `make test` runs this block)
         mamba_model *m = NULL; mamba_tokenizer *tok = NULL; mamba_state *s = NULL;
         mamba_decoder dec; mamba_error err; mamba_status st; size_t n = 0, k;
         int *ids = NULL, V, nv, rc = 1; float *logits = NULL; char out[1024];
         if (mamba_model_load_file(&m, path, NULL, &err) != MAMBA_OK ||
             mamba_tokenizer_load_file(&tok, path, NULL, &err) != MAMBA_OK) { puts(err.message); goto done; }
         V = mamba_model_config(m)->vocab_size;                  // logits: V floats
         nv = mamba_tokenizer_n_vocab(tok) < V ? mamba_tokenizer_n_vocab(tok) : V;   // no padding ids
         st = mamba_tokenizer_encode(tok, prompt, strlen(prompt), NULL, 0, &n);     // measures n
         if ((st != MAMBA_OK && st != MAMBA_ERR_RANGE) || !(ids = (int *)malloc(sizeof(int) * (n + 1))) ||
             !(logits = (float *)malloc(sizeof(float) * (size_t)V)) || mamba_state_new(&s, m, 0) != MAMBA_OK ||
             mamba_tokenizer_encode(tok, prompt, strlen(prompt), ids, n, &n) != MAMBA_OK) goto done;
         if (n == 0) ids[n++] = 0;                               // an empty prompt starts from id 0
         if (mamba_forward(m, s, ids, n, logits, MAMBA_LOGITS_LAST) != MAMBA_OK) goto done;
         mamba_decoder_init(&dec, 0);                            // streams UTF-8 without splitting it
         for (int i = 0; i < 100; i++) {                         // greedy
             int next = mamba_argmax(logits, nv);
             if (mamba_decoder_token(&dec, tok, next, out, sizeof out, &k) == MAMBA_OK) fwrite(out, 1, k, stdout);
             if (mamba_step(m, s, next, logits) != MAMBA_OK) goto done;
         }
         rc = 0;
     done:
         free(ids); free(logits); mamba_state_free(s); mamba_tokenizer_free(tok); mamba_model_free(m);
         return rc;

   WHAT IS SUPPORTED
     Models:   Mamba-1 (model_type "mamba", HF or original state-spaces config),
               Falcon Mamba (model_type "falcon_mamba"), Mamba-2 (model_type
               "mamba2" or ssm_cfg.layer "Mamba2"; gated norm per group).
     Weights:  Hugging Face safetensors, single file or sharded
               (model.safetensors.index.json), tensors in F32, F16 or BF16
               (each tensor may have its own dtype). PyTorch torch.save
               checkpoints (the zip format of torch >= 1.6, zip64 too):
               state-spaces' pytorch_model.bin or its shards with
               pytorch_model.bin.index.json; the pickle is read, never run
               (only a state dict's objects; any other global is refused by
               name). Mistral's params.json + consolidated.safetensors. Large matrices are used in
               place, in their stored dtype (mmap'd file or caller's buffer) and
               widened inside the kernels: a 14.5 GB BF16 model needs 14.5 GB,
               not 29. Only small per-channel vectors are converted to F32 at
               load. No alignment is assumed: a misaligned matrix is copied once.
               GGUF files as llama.cpp writes them (v2/v3): F32, F16, BF16,
               Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
               IQ4_NL and IQ4_XS tensors, each tensor its own type (every
               llama-quantize preset without an importance matrix: Q2_K,
               Q3_K_S/M/L, Q4_K_S/M, Q5_K_S/M...), config and tokenizer from the
               metadata; mamba_model_load_file on a .gguf path, or
               mamba_model_load_memory with config_json NULL. Quantized matrices
               stay quantized in memory; the vector they multiply is rounded
               to 8-bit blocks (per 32 values for the 32-blocks, per 256 for the
               K-quants, scale max|x|/127) and each block is an exact integer
               dot product, as llama.cpp does: logits land within ~1e-2 of
               exact math on the dequantized weights for m1-tiny Q8_0
               (llama.cpp: 1.1e-2). Conv, A, D, dt bias, norms and the state
               are always F32.
               Writes GGUF too (mamba_gguf_write): F32, F16, BF16, Q8_0,
               Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K..Q6_K and llama-quantize's presets
               (Q4_K_M, Q5_K_M, ...), laid out as llama.cpp's converter and
               llama-quantize write them, with llama.cpp's reference
               quantization and per-tensor rules (its m1-tiny F32 file is
               reproduced byte for byte, its llama-quantize Q8_0 tensors
               exactly).
     Tokens:   byte-level BPE from tokenizer.json or GGUF metadata, matching Hugging Face
               `tokenizers` exactly (GPT-NeoX, Falcon, byte vocabularies):
               NFC, added tokens, the GPT-2 and Falcon pre-tokenizers; a
               streaming decoder that never splits a UTF-8 sequence.
               SentencePiece BPE with byte fallback (Mistral's v1 and v3, as
               Mamba-Codestral-7B uses; Llama-style vocabularies) from a
               tokenizer.model (mamba_tokenizer_load_spm), GGUF metadata
               (model "llama") or a SentencePiece-style tokenizer.json: each
               gives its own reference's ids (sentencepiece for the first
               two, HF `tokenizers` for the JSON), <0xNN> pieces decode to
               bytes and stream as whole characters; written back to GGUF.

   API IN ONE PARAGRAPH
     mamba_model_load_file() opens a model directory (config.json + model.safetensors
     or model.safetensors.index.json; config.json + pytorch_model.bin or
     pytorch_model.bin.index.json; params.json + consolidated.safetensors) or a
     .safetensors / .bin file next to its config.json; mamba_model_load_memory()
     takes the bytes of one safetensors file (or torch.save zip) and the text of
     its config.json, and never copies aligned weights.
     A mamba_state holds one sequence: its recurrent state
     (mamba_state_bytes() bytes, fixed, from the config alone) and a scratch area
     (mamba_scratch_bytes(), proportional to the prefill chunk, never to the
     prompt length). mamba_step() feeds one token; mamba_forward() feeds many
     (batched matrix products, chunked), continues from whatever the state holds
     and returns the logits of the last token, of every token, or none.
     mamba_gguf_write() streams a loaded model (plus tokenizer) out as GGUF
     through a write callback (mamba_gguf_write_file: to a file), converting
     or quantizing a row at a time.
     mamba_state_set_long() turns on LongMamba for a long prompt (a calibration
     sidecar from mamba-longcal, mamba_long_load_file; docs/longmamba.md).
     mamba_state_copy() branches a sequence; mamba_state_write()/_read() turn a
     state into versioned, checksummed bytes and back (refused for another
     model shape). mamba_sampler_*() samples (greedy,
     temperature, top-k, top-p, seeded; no allocation per token).
     No heap: mamba_options.arena (a mamba_arena) makes a load take all its
     memory from a caller's buffer (measure its size once with base NULL);
     the tokenizer loaders take the same options, and
     mamba_tokenizer_encode_arena takes its work memory from an arena;
     mamba_options.max_alloc_bytes caps what one load allocates.
     Every function that can fail returns a mamba_status; loaders also fill an
     optional mamba_error with a message naming the file, tensor or key at fault.
     A failing call leaves nothing allocated and nothing half-built.

   THREADS
     A loaded model is immutable and may be shared by any number of threads; a
     mamba_state belongs to one thread at a time. The library has no global
     mutable state (one thread-local: the thread count of the call in
     progress). Built with OpenMP, each call splits its matrix rows and scan
     channels over mamba_model_set_threads' n (default omp_get_max_threads())
     threads, or over 1 when the state measured that faster (a core held by
     another process: MAMBA_THREADS_ADAPTIVE, the default); the results are the
     same bits for any thread count.
     Those same-bits promises hold under any C or C++ dialect and -march: the
     implementation turns floating-point contraction off for itself (GCC's
     gnu modes and C++ would otherwise fuse a*b+c where the code does not
     say so). clang's -ffp-contract=fast overrides that pragma: don't build
     the implementation with it.
     A mamba_batch or mamba_ring belongs to one thread at a time; a
     mamba_cache has no lock: serialise every call on it (lookups too, they
     update its LRU order).

   MANY SEQUENCES, PROMPT REUSE, ROLLBACK
     mamba_forward_batch() advances many sequences in one call, each its own
     state and its own number of new tokens (0 allowed), logits LAST, ALL or
     NONE each: every weight matrix runs once over the rows of all of them,
     conv and scan per sequence, and each ends bit for bit as mamba_forward
     alone would leave it. Its workspace is sized once (mamba_batch_bytes,
     caller memory or mamba_batch_new); states in a batch need no scratch.
         mamba_batch *b; mamba_batch_new(&b, m, 16, 64, &err);
         mamba_batch_seq q[2] = {{ s1, &next, 1, lg1, MAMBA_LOGITS_LAST, NULL },
                                 { s2, prompt, n, lg2, MAMBA_LOGITS_LAST, NULL }};
         mamba_forward_batch(m, b, q, 2, &err);   // a decode step and a prompt
     mamba_cache keeps state snapshots keyed by the tokens that made them in
     a byte budget (LRU; keys compared token by token, never trusted from a
     hash); mamba_cache_prefill() restores the longest cached prefix of a
     prompt, computes the rest and snapshots it for next time:
         mamba_cache *c; size_t reused;
         mamba_cache_new(&c, m, (size_t)256 << 20, NULL, &err);
         mamba_cache_prefill(c, m, s, ids, n, logits, &reused, &err);
     mamba_ring keeps the states of the last K positions of a sequence (push
     after each step, or give it to a batch sequence: one per token) and
     returns to any of them (speculative decoding, stop strings):
         mamba_ring_push(r, s);  ...  mamba_ring_restore(r, s, pos);

   HOSTILE INPUT
     Model files and prompts may come from strangers. Every parser (JSON,
     safetensors, GGUF, zip, pickle, config.json, params.json, tokenizer.json)
     checks bounds, sizes and overflow before it forms a pointer. mamba_options
     caps what a file can make a loader parse or allocate (JSON bytes and depth, tensor count, GGUF
     metadata bytes, keys, array and string lengths, tokenizer size,
     vocabulary, merges), each with a safe default; a file over one fails with
     MAMBA_ERR_LIMIT naming the limit (the tokenizer loaders take the options
     too). Weights holding NaN or infinities load and run
     (logits may be NaN; mamba_argmax and mamba_sample still return an id in
     range); with validate_weights set the loader refuses them instead
     (MAMBA_ERR_RANGE naming the tensor and element). Each parser has a
     libFuzzer driver in tests/fuzz/.

   CONFIGURATION MACROS (define before the implementation include)
     MAMBA_MALLOC(sz), MAMBA_FREE(p)   allocator (define both or neither)
     MAMBA_NO_MALLOC                   never reference an allocator: loads need
                                       an arena (see examples/firmware/)
     MAMBA_ASSERT(x)                   internal invariants (default: none;
                                       tests/test_api.c builds with assert)
     MAMBA_EXPF, MAMBA_LOGF, MAMBA_LOG1PF, MAMBA_SQRTF   libm replacements
     MAMBA_NO_STDIO                    compile out every file function
                                       (mamba_model_load_memory still works)
     MAMBA_NO_MMAP                     read files with fread instead of mmap
     MAMBA_NO_TOKENIZER                compile out the tokenizer (and with it
                                       the GGUF writer): token ids in and out
     MAMBA_NO_WRITER                   compile out the GGUF writer
     MAMBA_NO_SAFETENSORS              compile out safetensors, config.json,
                                       tokenizer.json and the JSON reader: GGUF
                                       only (other inputs: MAMBA_ERR_UNSUPPORTED)
     MAMBA_NO_EXTRA_QUANTS             read only F32/F16/BF16/Q8_0/Q4_0/Q4_K/Q6_K
                                       (a tensor of another type is refused,
                                       named); their dequantizers and dots go
                                       All four: the Cortex-M4 image of
                                       examples/firmware/minimal.c, ~32 KB of
                                       library code (make firmware)
     MAMBA_NO_SIMD                     scalar kernels only
     MAMBA_NO_AVX512, MAMBA_NO_AVX2, MAMBA_NO_NEON   skip one vector ISA
     MAMBA_NO_OPENMP                   no threads even when built with -fopenmp
     MAMBA_STATIC                      make every API function static
     MAMBA_DLL                         export the API from a shared library
     MAMBA_MAX_DIM                     cap on any model dimension (default 1<<20)

   NUMERICS
     fp32 residual stream, fp32 state, fp32 accumulation, -O2 without
     fast-math. Every vector kernel has a scalar twin (`_ref`) that the tests
     compare it with; the quantized dot products (integer per block, block
     results combined in one fixed float order) equal their twin bit for bit
     on every ISA, so quantized matrix products give the same bits with or
     without MAMBA_NO_SIMD. Each (row, token) dot product is computed in one fixed
     order whatever the path, so the step and sequence paths, and any thread
     count, give identical logits. The vector exp is within 2 ulp of expf
     (1 ulp measured) and exactly 0 below -87.3, so no subnormals reach the scan.

   LICENSE: MIT, see the end of this file.
*/
#ifndef MAMBA_H
#define MAMBA_H

#include <stddef.h>
#include <stdint.h>

#define MAMBA_VERSION_MAJOR 0
#define MAMBA_VERSION_MINOR 2
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
    MAMBA_DTYPE_UNKNOWN = 0, MAMBA_DTYPE_F32, MAMBA_DTYPE_F16, MAMBA_DTYPE_BF16,
    MAMBA_DTYPE_Q8_0,   /* GGUF: blocks of 32: f16 scale + 32 int8          */
    MAMBA_DTYPE_Q4_0,   /* GGUF: blocks of 32: f16 scale + 16 bytes nibbles  */
    MAMBA_DTYPE_Q4_K,   /* GGUF: super-blocks of 256, 144 bytes (8 x 32 with
                           6-bit scales and mins)                           */
    MAMBA_DTYPE_Q6_K,   /* GGUF: super-blocks of 256, 210 bytes (16 x 16 with
                           int8 scales, 6-bit values)                       */
    /* read (and, for the K-quants, written) as ggml lays them out: */
    MAMBA_DTYPE_Q4_1,   /* 32: f16 d, f16 m, 16 B nibbles (20 B); v = d*q + m */
    MAMBA_DTYPE_Q5_0,   /* 32: f16 d, 4 B high bits, 16 B nibbles (22 B)     */
    MAMBA_DTYPE_Q5_1,   /* 32: f16 d, f16 m, 4 B high bits, 16 B (24 B)      */
    MAMBA_DTYPE_Q2_K,   /* 256: 16 x 16 with 4-bit scale+min, 2-bit (84 B)   */
    MAMBA_DTYPE_Q3_K,   /* 256: 16 x 16 with 6-bit scales, 3-bit (110 B)     */
    MAMBA_DTYPE_Q5_K,   /* 256: 8 x 32 as Q4_K plus a high bit (176 B)       */
    MAMBA_DTYPE_IQ4_NL, /* 32: f16 d, 16 B of 4-bit indices into a fixed
                           non-linear table (18 B)                          */
    MAMBA_DTYPE_IQ4_XS  /* 256: f16 d, 8 x 32 with 6-bit scales, IQ4_NL's
                           table (136 B)                                    */
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

/* Caller-owned memory that loads take their allocations from, in order (a
   bump allocator; a load gives back its temporaries when they are the latest
   block). One arena may serve several loads (model, then tokenizer): each
   advances `used`. What a load builds lives in the arena until the caller
   drops it; mamba_model_free / mamba_tokenizer_free then free nothing. base NULL
   measures instead: memory comes from MAMBA_MALLOC as usual and `peak` becomes
   the size a real arena needs for the same loads (the model must then be
   freed as usual). Too small an arena: MAMBA_ERR_NOMEM, nothing kept. */
typedef struct mamba_arena {
    void  *base;        /* caller's memory, or NULL to measure (the measure is
                           exact for a 16-byte aligned base; else add 15)     */
    size_t size;        /* bytes at base                                      */
    size_t used;        /* bytes taken so far                                 */
    size_t peak;        /* most bytes ever taken at once                      */
} mamba_arena;
/* Load options. A zeroed struct (or NULL) means "defaults" everywhere. The
   limits bound what a hostile file can make the loader parse or allocate; a
   file over one fails with MAMBA_ERR_LIMIT and a message naming the limit. */
typedef struct mamba_options {
    size_t max_json_bytes;    /* any JSON the model loader parses: the      */
                                /* safetensors header, config.json and        */
                                /* model.safetensors.index.json; 0 = 100 MB   */
    int    max_json_depth;      /* 0 = 64                                     */
    size_t max_tensors;         /* per model (all shards, index weight_map    */
                                /* entries, GGUF tensor infos); 0 = 1,000,000 */
    mamba_arena *arena;         /* allocate from here; NULL = MAMBA_MALLOC    */
    size_t max_alloc_bytes;     /* total bytes one load may allocate (temporaries
                                   included), else MAMBA_ERR_LIMIT; 0 = 256 MB
                                   + 2x the bytes of the input              */
    /* GGUF metadata (the key/value section before the tensor infos) */
    size_t max_metadata_bytes;  /* bytes of the whole section; 0 = 256 MB     */
    size_t max_metadata_kv;     /* number of keys; 0 = 65,536                 */
    size_t max_array_len;       /* elements of one metadata array; 0 = 1<<24  */
    size_t max_string_bytes;    /* bytes of one metadata string or key        */
                                /* (array elements included); 0 = 16 MB       */
    /* tokenizers (mamba_tokenizer_load_*) */
    size_t max_tokenizer_bytes; /* tokenizer.json size; 0 = 64 MB             */
    size_t max_vocab;           /* vocabulary entries, added tokens (each)    */
                                /* and the id space; 0 = 1<<22                */
    size_t max_merges;          /* BPE merges; 0 = 1<<22                      */
    /* numerics */
    int    validate_weights;    /* nonzero: scan every tensor the model binds */
                                /* (quantized ones through their dequantized  */
                                /* values) and fail with MAMBA_ERR_RANGE      */
                                /* naming the tensor and element index of the */
                                /* first NaN or infinity. Off: such weights   */
                                /* load and give NaN/inf logits, never a crash*/
} mamba_options;

typedef enum mamba_logits_mode {
    MAMBA_LOGITS_LAST = 0,  /* logits of the last token: vocab_size floats    */
    MAMBA_LOGITS_ALL,       /* logits of every token: n * vocab_size floats   */
    MAMBA_LOGITS_NONE       /* only advance the state                         */
} mamba_logits_mode;

typedef struct mamba_model mamba_model;

/* What a state was sized for (from the model's config), in the order saved
   states store it; a state runs, copies and restores only with this shape. */
typedef struct mamba_state_shape {
    int arch, d_model, n_layer, d_inner, d_state, d_conv, conv_dim, n_heads, n_groups;
} mamba_state_shape;

/* One sequence. Fields are read-only for the caller; use the functions. */
/* What a state measured of its calls' threads (mamba_model_set_threads):
   seconds per token with 1 thread and with n, for single steps [0] and
   sequences [1]; the library reads and writes it, 0 = not measured yet. */
typedef struct mamba_thread_stats {
    float sec_per_token[2][2];
    uint32_t calls[2], gap[2];
    int pick[2], probe[2];
} mamba_thread_stats;

typedef struct mamba_state {
    uint32_t magic;
    mamba_state_shape shape;   /* checked on use */
    float *conv;        /* (n_layer, conv_dim, d_conv-1): past raw conv inputs  */
    float *ssm;         /* (n_layer, d_inner, d_state): recurrent SSM state     */
    void  *scratch;     /* working memory, NULL for a snapshot-only state       */
    size_t scratch_bytes;
    int    chunk;       /* tokens per prefill chunk the scratch was sized for  */
    uint64_t n_tokens;  /* tokens consumed since the last reset                */
    void  *owned;       /* allocation to free (mamba_state_new), else NULL     */
    const float *long_thr;  /* LongMamba thresholds in use (mamba_state_set_long), NULL: off */
    uint64_t long_until;    /* LongMamba: filter tokens [0, long_until) since reset */
    float *long_rec;        /* mamba_forward_dt: where the unfiltered Δt goes, else NULL */
    mamba_thread_stats threads;   /* 1 thread or n: measured per state      */
} mamba_state;

MAMBA_API const char  *mamba_version_string(void);
MAMBA_API const char  *mamba_status_string(mamba_status st);

/* Loading. err may be NULL. On failure *out is NULL and nothing is leaked.
   mamba_model_load_file's path: a model directory (Hugging Face config.json +
   safetensors, state-spaces config.json + pytorch_model.bin, or Mistral's
   params.json + consolidated.safetensors), a .safetensors or .bin file next to
   its config.json, or a .gguf file; a GGUF, safetensors or torch.save file is
   also known by its first bytes whatever its name. A failure names the path
   and the reason (the system's, for a file that cannot be opened). */
#ifndef MAMBA_NO_STDIO
MAMBA_API mamba_status mamba_model_load_file(mamba_model **out, const char *path,
                                             const mamba_options *opt, mamba_error *err);
#endif
/* `weights`: the bytes of one .safetensors file, used in place (keep them alive
   until mamba_model_free). `config_json`: the text of config.json (len bytes). */
MAMBA_API mamba_status mamba_model_load_memory(mamba_model **out, const void *weights, size_t weights_len,
                                               const char *config_json, size_t config_len,
                                               const mamba_options *opt, mamba_error *err);
MAMBA_API void mamba_model_free(mamba_model *m);
MAMBA_API const mamba_config *mamba_model_config(const mamba_model *m);
/* Bytes of weights the forward pass reads per token (for bandwidth figures). */
MAMBA_API size_t mamba_model_weight_bytes(const mamba_model *m);

/* State. */
MAMBA_API size_t mamba_state_bytes(const mamba_config *c);            /* recurrent bytes */
MAMBA_API size_t mamba_scratch_bytes(const mamba_config *c, int chunk); /* 0 chunk = 64 */
/* Caller-provided memory: state_mem >= mamba_state_bytes(c) bytes, scratch_mem
   >= mamba_scratch_bytes(c, chunk) bytes (or NULL/0 for a snapshot that can be
   copied to and from but not run). state_mem aligned to 4 bytes at least,
   scratch_mem to 16. MAMBA_ERR_BADARG for any argument out of order; err
   (may be NULL) names which. */
MAMBA_API mamba_status mamba_state_init(mamba_state *s, const mamba_config *c,
                                        void *state_mem, size_t state_bytes,
                                        void *scratch_mem, size_t scratch_bytes, int chunk, mamba_error *err);
/* Allocating convenience: state + scratch for `chunk` tokens (0 = 64). */
MAMBA_API mamba_status mamba_state_new(mamba_state **out, const mamba_model *m, int chunk);
MAMBA_API void         mamba_state_free(mamba_state *s);   /* only for mamba_state_new */
MAMBA_API void         mamba_state_reset(mamba_state *s);  /* back to the empty sequence */
MAMBA_API mamba_status mamba_state_copy(mamba_state *dst, const mamba_state *src);
/* Saved states: the recurrent state as bytes the application owns (flash,
   a file, a network). A 64-byte little-endian header (magic "MBST", format
   version, arch, every shape number, n_tokens, payload size, FNV-1a checksum)
   then the floats as little-endian IEEE bits. Reading checks everything before
   it writes: a buffer that is short, corrupted (checksum), of another version
   or of another model's shape is refused and the state is left as it was.
   The checksum finds accidents, not tampering; same-shape models with other
   weights cannot be told apart. */
#define MAMBA_STATE_FORMAT_VERSION 1
MAMBA_API size_t       mamba_state_write_bytes(const mamba_state *s);   /* 0 for a bad state */
/* Writes mamba_state_write_bytes(s) bytes; *n_out gets that size (also when cap
   is too small: MAMBA_ERR_RANGE, nothing written). */
MAMBA_API mamba_status mamba_state_write(const mamba_state *s, void *buf, size_t cap, size_t *n_out);
/* MAMBA_ERR_FORMAT (not a saved state, truncated, checksum), MAMBA_ERR_UNSUPPORTED
   (other version), MAMBA_ERR_SHAPE (other model shape), MAMBA_ERR_BADARG. */
MAMBA_API mamba_status mamba_state_read(mamba_state *s, const void *buf, size_t len);

/* LongMamba (docs/longmamba.md): longer prompts than the model was trained on,
   without retraining. A calibration (a sidecar file written by mamba-longcal)
   marks per layer the "global" channels (Mamba-1) or heads (Mamba-2) and gives
   each a Δt threshold per target length; while a long prompt is prefilled, a
   token whose Δt in a global channel is not above the threshold gets Δt = 0
   there (it neither writes nor decays that channel's state). Decode is plain.
   mamba_state_set_long(s, cal, prompt_len) turns it on for the next prompt_len
   tokens fed to s since its last reset (mamba_step, mamba_forward and
   mamba_forward_batch alike, each state counting its own tokens, so every
   path, chunk size and batch gives the same bits), using the table length
   nearest prompt_len (ties: the shorter); it stays set across mamba_state_reset
   and is copied by mamba_state_copy, never saved by mamba_state_write. It is
   off when prompt_len <= the calibration's training length, or cal is NULL
   (the default: the same bits as without this feature). cal must outlive its
   use by s; nothing is allocated per token. A saved or cached state (state
   write/read, mamba_cache, mamba_ring) does not record whether it was
   filtered: do not share one cache between filtered and plain runs.
   Sidecar, little-endian: 0 "MBLC"  4 u32 version (1)  8 u32 arch (mamba_arch)
   12 u32 n_layer  16 u32 channels C (d_inner, or n_heads for Mamba-2)
   20 u32 d_model  24 u32 d_state  28 u32 train_len  32 u32 n_len (1..64)
   36 f32 channel threshold and 40 f32 scale used at calibration (information)
   44 u32 0  48 u64 payload bytes  56 u64 FNV-1a-64 of the payload; payload:
   u32 lengths[n_len] (increasing), then per layer u32 class[C] (1 global,
   0 local), f32 decay[C], f32 thr[n_len][C] (finite, >= 0).
   Load errors: MAMBA_ERR_FORMAT (magic, truncated, sizes, checksum),
   MAMBA_ERR_UNSUPPORTED (version), MAMBA_ERR_SHAPE (another model's shape),
   MAMBA_ERR_RANGE (a bad class, threshold or length), MAMBA_ERR_NOMEM. */
#define MAMBA_LONG_FORMAT_VERSION 1
typedef struct mamba_long mamba_long;
MAMBA_API mamba_status mamba_long_load_memory(mamba_long **out, const mamba_model *m, const void *bytes, size_t len,
                                              mamba_error *err);
#ifndef MAMBA_NO_STDIO
MAMBA_API mamba_status mamba_long_load_file(mamba_long **out, const mamba_model *m, const char *path, mamba_error *err);
#endif
MAMBA_API void         mamba_long_free(mamba_long *cal);
MAMBA_API int          mamba_long_train_len(const mamba_long *cal);   /* 0 for NULL */
/* MAMBA_ERR_BADARG: s not a state; MAMBA_ERR_SHAPE: cal is for another shape. */
MAMBA_API mamba_status mamba_state_set_long(mamba_state *s, const mamba_long *cal, uint64_t prompt_len);
/* For calibration (mamba-longcal): mamba_forward(..., MAMBA_LOGITS_NONE) from
   a reset state that also writes every layer's Δt as the scan receives it
   before any LongMamba filter: dt_out[(t * n_layer + l) * C + c] for the n
   tokens, C = mamba_long_channels(m). mamba_long_decay is the channel's
   cumulative decay over a stretch whose Δt sum is dtsum: exp(A * dtsum) for a
   Mamba-2 head, the mean over the state of exp(A[n] * dtsum) for a Mamba-1
   channel (docs/longmamba.md L.1); -1 for an index out of range. */
MAMBA_API mamba_status mamba_forward_dt(const mamba_model *m, mamba_state *s, const int *tokens, size_t n, float *dt_out);
MAMBA_API int          mamba_long_channels(const mamba_model *m);
MAMBA_API double       mamba_long_decay(const mamba_model *m, int layer, int channel, double dtsum);

/* Forward. logits: vocab_size floats (step, LAST) or n*vocab_size (ALL); for
   mamba_step logits may be NULL (only advance the state). Statuses:
   MAMBA_ERR_BADARG  m, s or tokens NULL, an unknown mode, logits NULL for a
                     mode that returns them, or n == 0 with MAMBA_LOGITS_LAST;
   MAMBA_ERR_SHAPE   s was made for another model's shape, or has no scratch
                     (a snapshot state) or too little for its chunk;
   MAMBA_ERR_RANGE   a token id outside [0, vocab_size).
   A failing call leaves the state as it was. */
MAMBA_API mamba_status mamba_step(const mamba_model *m, mamba_state *s, int token, float *logits);
MAMBA_API mamba_status mamba_forward(const mamba_model *m, mamba_state *s, const int *tokens,
                                     size_t n, float *logits, mamba_logits_mode mode);
/* Threads (OpenMP builds; issue 21). Each call of mamba_step / mamba_forward
   with this model uses up to n threads (0, the default: omp_get_max_threads()),
   whatever omp_set_num_threads says. flags 0 (MAMBA_THREADS_ADAPTIVE): each
   state times its calls with 1 thread and with n and runs the faster, timing
   the other again after 16 calls, then 32, ... up to 1024 while it stays
   slower, and never before the calls since the last probe took 32 times the
   probe's expected time, so a core that another process holds costs a few
   slow calls (at most ~3 % of the time), not every call; MAMBA_THREADS_FIXED:
   always n. Results are the same bits for any
   thread count. Set it before sharing the model between threads. Without
   OpenMP it is stored and has no effect. MAMBA_ERR_BADARG: m NULL, n < 0 or
   unknown flags. */
#define MAMBA_THREADS_ADAPTIVE 0
#define MAMBA_THREADS_FIXED 1
MAMBA_API mamba_status mamba_model_set_threads(mamba_model *m, int n, int flags);
MAMBA_API int          mamba_model_threads(const mamba_model *m);   /* the n in use (>= 1) */

/* Index of the largest value; NaN never wins; -1 if n <= 0. */
MAMBA_API int mamba_argmax(const float *x, int n);

/* Sampler: greedy (temperature <= 0), temperature, top-k (k <= 0: off), top-p
   (p >= 1 or <= 0: off), seeded xorshift RNG. The parameters come in a
   mamba_sampler_params whose zero value (or NULL) means the defaults: greedy,
   top-k and top-p off, seed 0 (a valid fixed seed like any other: the same
   seed gives the same tokens). Work memory is set up once at init (caller's
   `mem` of mamba_sampler_bytes(n_vocab) bytes, or allocated when mem is NULL);
   sampling never allocates. mamba_sample returns an id in [0, n_vocab), even
   when logits hold NaN or infinities, and -1 for bad arguments (a NULL
   sampler or logits, a sampler not initialised). */
typedef struct mamba_sampler_params {
    float temperature;  /* <= 0: greedy (argmax)                              */
    int   top_k;        /* keep the k most likely; <= 0: off                  */
    float top_p;        /* keep the smallest set with mass >= p; <= 0, >= 1: off */
    uint64_t seed;      /* RNG seed; every value, 0 included, is a fixed seed */
} mamba_sampler_params;
typedef struct mamba_sampler {
    float temperature;
    int   top_k;
    float top_p;
    uint64_t rng;
    int   n_vocab;
    void *work;
    void *owned;
} mamba_sampler;
MAMBA_API size_t       mamba_sampler_bytes(int n_vocab);
MAMBA_API mamba_status mamba_sampler_init(mamba_sampler *s, int n_vocab, const mamba_sampler_params *p,
                                          void *mem, size_t mem_bytes);
MAMBA_API void         mamba_sampler_free(mamba_sampler *s);
MAMBA_API int          mamba_sample(mamba_sampler *s, const float *logits);

/* ---- serving: batched forward, prefix cache, rollback ring ---------------
   Three opaque objects, each usable from caller memory (measure with *_bytes,
   pass the buffer: any alignment, up to 63 bytes go to aligning it; nothing to
   free) or from the heap (*_new / *_free). None allocates after it is made.
   A failing call has changed nothing (no state advanced, nothing evicted or
   dropped). A state's position is s->n_tokens (tokens since the last reset).
   "Another model" is told by shape (MAMBA_ERR_SHAPE): a state carries no
   weights fingerprint, so two models of identical shape look alike to a state;
   a cache is also bound to one mamba_model pointer. */
typedef struct mamba_batch mamba_batch;
typedef struct mamba_ring mamba_ring;
typedef struct mamba_cache mamba_cache;

/* One sequence of a batched call. */
typedef struct mamba_batch_seq {
    mamba_state *state;      /* advanced in place; needs no scratch (a state made
                                with scratch NULL will do), so memory per extra
                                sequence is mamba_state_bytes() bytes           */
    const int   *tokens;     /* n new tokens                                    */
    size_t       n;          /* may be 0: state and logits are left alone       */
    float       *logits;     /* LAST: vocab_size floats, ALL: n * vocab_size,
                                NONE: ignored                                  */
    mamba_logits_mode mode;
    mamba_ring  *ring;       /* optional: the state after each of the n tokens is
                                pushed here (as mamba_ring_push does), e.g. to
                                roll back rejected speculative tokens          */
} mamba_batch_seq;

/* Workspace for up to max_seqs sequences per call and max_rows token rows per
   round (max_rows <= 0: 64; raised to max_seqs when smaller). 0 on bad input. */
MAMBA_API size_t       mamba_batch_bytes(const mamba_config *c, int max_seqs, int max_rows);
MAMBA_API mamba_status mamba_batch_init(mamba_batch **out, const mamba_config *c, int max_seqs, int max_rows,
                                        void *mem, size_t bytes, mamba_error *err);
MAMBA_API mamba_status mamba_batch_new(mamba_batch **out, const mamba_model *m, int max_seqs, int max_rows,
                                       mamba_error *err);
MAMBA_API void         mamba_batch_free(mamba_batch *b);   /* no-op for caller memory */
/* Advances seqs[0..n_seqs) together: each round takes up to max_rows token
   rows from the sequences, runs every weight matrix once over all of them and
   the conv, scan and norms per sequence on its own state; rounds repeat until
   every sequence has taken its n tokens. Each sequence ends bit for bit as
   mamba_forward (or mamba_step, token by token) would leave it alone, for any
   lengths, max_rows or thread count. n_seqs == 0: MAMBA_OK, nothing done.
   Checked first (then nothing changes): MAMBA_ERR_BADARG for NULL m/b/seqs or
   a NULL state, one state (or its memory) or ring twice, tokens or logits NULL
   where needed, a bad mode; MAMBA_ERR_SHAPE for a batch, state or ring made
   for another model shape; MAMBA_ERR_RANGE for n_seqs > max_seqs or a token id
   out of range. err names the sequence and field.
   One call at a time per batch; the model may serve other threads meanwhile. */
MAMBA_API mamba_status mamba_forward_batch(const mamba_model *m, mamba_batch *b, const mamba_batch_seq *seqs,
                                           size_t n_seqs, mamba_error *err);

/* Prefix cache: state snapshots keyed by the tokens that produced them, in a
   fixed byte budget, least recently used evicted first. Keys are verified
   token by token; the hash only finds candidates. Thread contract: no lock;
   every call on one cache, lookups included (they update the LRU order and
   stats), must be serialised by the caller. A restored state is a copy. */
typedef struct mamba_cache_params {   /* zero value = defaults */
    size_t interval;   /* mamba_cache_prefill snapshots at multiples of it; 0 = 256 */
    /* prefix hash, one token at a time from h = 0; NULL = built in. For tests:
       a constant function makes every key collide (lookups stay correct). */
    uint64_t (*hash)(uint64_t h, int token);
} mamba_cache_params;
typedef struct mamba_cache_stats {
    size_t   entries, bytes_used, bytes_budget;
    uint64_t lookups, hits, hit_tokens, inserts, evictions;
    uint64_t collisions;   /* hash matches whose tokens differed */
} mamba_cache_stats;
/* Budget bytes one snapshot of an n_tokens-long prefix takes (0 on overflow). */
MAMBA_API size_t       mamba_cache_entry_bytes(const mamba_config *c, size_t n_tokens);
/* The cache lives in mem[0..bytes), bound to m (which must outlive it).
   MAMBA_ERR_NOMEM when the budget cannot hold one snapshot. */
MAMBA_API mamba_status mamba_cache_init(mamba_cache **out, const mamba_model *m, void *mem, size_t bytes,
                                        const mamba_cache_params *p, mamba_error *err);
MAMBA_API mamba_status mamba_cache_new(mamba_cache **out, const mamba_model *m, size_t budget_bytes,
                                       const mamba_cache_params *p, mamba_error *err);
MAMBA_API void         mamba_cache_free(mamba_cache *c);   /* no-op for caller memory */
MAMBA_API void         mamba_cache_clear(mamba_cache *c);  /* drops every entry, keeps the stats */
/* Restores into s the longest held prefix tokens[0..k), k <= n, and sets
   *n_hit = k; on a miss k = 0 and s is reset. After MAMBA_OK s holds the state
   after tokens[0..k): feed tokens[k..n) next (pass n - 1 to keep a token to
   compute logits from). s needs no scratch. MAMBA_ERR_SHAPE: s is of another
   model shape (s unchanged). */
MAMBA_API mamba_status mamba_cache_lookup(mamba_cache *c, const int *tokens, size_t n, mamba_state *s, size_t *n_hit);
/* Stores s as the state after tokens[0..n): needs n >= 1 and s->n_tokens == n
   (else BADARG), s of this model's shape (else SHAPE). A key already held is
   only refreshed. MAMBA_ERR_NOMEM (nothing evicted) when one entry exceeds the
   whole budget. */
MAMBA_API mamba_status mamba_cache_insert(mamba_cache *c, const int *tokens, size_t n, const mamba_state *s);
/* A prompt through the cache: lookup (up to n - 1 tokens), forward the rest,
   inserting at each multiple of the interval and after tokens[0..n-1), then
   the last token, whose logits land in logits (vocab_size floats). s needs
   scratch (else SHAPE, as mamba_forward); m must be the cache's model (else
   BADARG). *n_hit (may be NULL): tokens reused. */
MAMBA_API mamba_status mamba_cache_prefill(mamba_cache *c, const mamba_model *m, mamba_state *s, const int *tokens,
                                           size_t n, float *logits, size_t *n_hit, mamba_error *err);
MAMBA_API void         mamba_cache_get_stats(const mamba_cache *c, mamba_cache_stats *out);

/* Rollback ring: the last k states of one sequence (one thread at a time). */
MAMBA_API size_t       mamba_ring_bytes(const mamba_config *c, int k);   /* 0 for k < 1 */
MAMBA_API mamba_status mamba_ring_init(mamba_ring **out, const mamba_config *c, int k, void *mem, size_t bytes,
                                       mamba_error *err);
MAMBA_API mamba_status mamba_ring_new(mamba_ring **out, const mamba_model *m, int k, mamba_error *err);
MAMBA_API void         mamba_ring_free(mamba_ring *r);     /* no-op for caller memory */
MAMBA_API void         mamba_ring_clear(mamba_ring *r);
/* Copies s in at position s->n_tokens, first dropping held positions >= it
   (an abandoned branch); when full the oldest is overwritten. MAMBA_ERR_SHAPE
   for a state of another model shape (push and restore). */
MAMBA_API mamba_status mamba_ring_push(mamba_ring *r, const mamba_state *s);
/* Copies the snapshot at position pos into s and drops those after it (pos
   stays). MAMBA_ERR_RANGE when pos is not held. */
MAMBA_API mamba_status mamba_ring_restore(mamba_ring *r, mamba_state *s, uint64_t pos);
/* Snapshots held; oldest and newest positions (0 when empty; may be NULL). */
MAMBA_API int          mamba_ring_count(const mamba_ring *r, uint64_t *oldest, uint64_t *newest);

/* ---- tokenizer -------------------------------------------------------------
   Byte-level BPE that gives the ids of Hugging Face `tokenizers` for the same
   tokenizer.json: GPT-NeoX-20B (state-spaces Mamba), Falcon (Falcon Mamba), and
   byte vocabularies without merges. What a tokenizer.json may contain:
     normalizer     null, NFC (or a Sequence of NFC)
     pre_tokenizer  ByteLevel, or a Sequence of ByteLevel, Punctuation, Digits,
                    and Split with a literal, "[0-9][0-9][0-9]" or the GPT-2 regex
     model          BPE (unk_token, fuse_unk, byte_fallback, ignore_merges; no
                    dropout, no subword prefix/suffix)
     decoder        ByteLevel
     post_processor null, ByteLevel, TemplateProcessing (its "single" template)
     added_tokens   all flags (special, normalized, lstrip, rstrip, single_word)
   Anything else is refused with MAMBA_ERR_UNSUPPORTED naming the part.
   Text is UTF-8. HF accepts only valid strings, so invalid input is first
   repaired the way Rust's String::from_utf8_lossy does: every maximal invalid
   sequence becomes one U+FFFD. A loaded tokenizer is immutable and may be used
   by any number of threads at once; a mamba_decoder belongs to one thread.

   SentencePiece BPE (byte fallback) is read three ways, each encoding and
   decoding as its own reference does:
     tokenizer.model  (mamba_tokenizer_load_spm; load_file takes the file, or
                      a directory with tokenizer.model or tokenizer.model.v1/2/3/7
                      and no tokenizer.json): sentencepiece's Encode/Decode.
                      model_type BPE; byte_fallback; CONTROL, USER_DEFINED
                      (matched in the text), UNUSED and BYTE pieces; the
                      normalizer's add_dummy_prefix, remove_extra_whitespaces,
                      escape_whitespaces (a precompiled NFKC charsmap and
                      treat_whitespace_as_suffix are refused). Invalid UTF-8:
                      each bad byte becomes U+FFFD, as sentencepiece does.
     GGUF "llama"     tokens, scores, token_type, add_bos_token (default on),
                      add_eos_token, add_space_prefix: the same encoder.
     tokenizer.json   BPE with byte_fallback, a Prepend/Replace normalizer or
                      a Metaspace pre-tokenizer, the decoder Sequence Replace,
                      ByteFallback, Fuse, Strip: HF `tokenizers`' ids (control
                      tokens written in the text are matched, unlike
                      sentencepiece; leading spaces differ as HF's do).
   BOS: the two sentencepiece readings put <s> first (the GGUF's
   add_bos_token; for a tokenizer.model always, as Llama and Mistral expect),
   the JSON its post-processor's. Control pieces decode to nothing in the
   sentencepiece readings (and are "special"), to their text in the JSON one.
   Bytes that are not UTF-8 decode as sentencepiece does in its readings (one
   U+FFFD per bad byte). Not modelled: HF's ByteFallback turning a whole
   invalid run of byte tokens into one U+FFFD per token (the JSON reading uses
   the lossy UTF-8 rule, one per maximal invalid sequence: a streaming decoder
   cannot wait for the end of a run), sentencepiece's unigram models and
   sampling. */
typedef struct mamba_tokenizer mamba_tokenizer;

/* Loaders, in the model loaders' argument order (out, path or bytes, options,
   error). opt may be NULL (defaults): opt->arena (tables in the caller's
   arena, see mamba_arena) and opt->max_alloc_bytes, and the limits
   max_tokenizer_bytes (JSON size), max_vocab (vocabulary entries, added
   tokens, highest id + 1), max_merges, max_json_depth, and for GGUF the
   metadata limits; a tokenizer over one fails with MAMBA_ERR_LIMIT. err may
   be NULL. On failure *out is NULL. */
#ifndef MAMBA_NO_STDIO
/* path: a tokenizer.json, a SentencePiece tokenizer.model, a .gguf file, a
   model directory holding tokenizer.json (else tokenizer.model, else
   tokenizer.model.v3 / .v2 / .v1 / .v7), or a .safetensors file with one of
   those beside it. A failure names the path and the system's reason. */
MAMBA_API mamba_status mamba_tokenizer_load_file(mamba_tokenizer **out, const char *path,
                                                 const mamba_options *opt, mamba_error *err);
#endif
/* json: the bytes of a tokenizer.json. Everything is copied: json may be freed
   as soon as this returns. */
MAMBA_API mamba_status mamba_tokenizer_load_json(mamba_tokenizer **out, const char *json, size_t len,
                                                 const mamba_options *opt, mamba_error *err);
/* The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*, model
   "gpt2": byte-level BPE; pre-tokenizer from tokenizer.ggml.pre). Copies what
   it needs: the bytes may be freed afterwards. */
MAMBA_API mamba_status mamba_tokenizer_load_gguf(mamba_tokenizer **out, const void *gguf, size_t len,
                                                 const mamba_options *opt, mamba_error *err);
/* SentencePiece BPE from the bytes of a tokenizer.model (the protobuf
   ModelProto that sentencepiece and Mistral's tokenizer.model.v3 are): model
   type BPE, byte_fallback, user-defined and control pieces, an identity
   normalizer (a precompiled NFKC charsmap is refused). Encodes as the
   sentencepiece library does (scores, not merge ranks) and puts the BOS id
   first, as Llama and Mistral models expect. Copies what it keeps. */
MAMBA_API mamba_status mamba_tokenizer_load_spm(mamba_tokenizer **out, const void *model, size_t len,
                                                const mamba_options *opt, mamba_error *err);
MAMBA_API void mamba_tokenizer_free(mamba_tokenizer *tok);

/* Encodes text[0..len) into ids[0..cap). *n_out is set to the number of ids the
   text needs; when that is more than cap the call returns MAMBA_ERR_RANGE (ids
   then holds the first cap of them), so ids = NULL, cap = 0 measures. Added and
   special tokens written in the text ("<|endoftext|>") become their ids; ids the
   post-processor adds (none for NeoX or Falcon) are included. */
MAMBA_API mamba_status mamba_tokenizer_encode(const mamba_tokenizer *tok, const char *text, size_t len,
                                              int *ids, size_t cap, size_t *n_out);
/* The same with its work memory (about 40 bytes per byte of text, more for
   long texts) taken from `work` and given back before it returns; NULL work:
   MAMBA_MALLOC. Too small an arena: MAMBA_ERR_NOMEM. */
MAMBA_API mamba_status mamba_tokenizer_encode_arena(const mamba_tokenizer *tok, const char *text, size_t len,
                                                    int *ids, size_t cap, size_t *n_out, mamba_arena *work);

/* Decoding. Ids are turned into bytes, and bytes into UTF-8 text where an
   invalid sequence becomes U+FFFD, exactly as HF's ByteLevel decoder followed by
   String::from_utf8_lossy. Output is not NUL-terminated. An id that names no
   token is MAMBA_ERR_BADARG; an output buffer too small is MAMBA_ERR_RANGE with
   the bytes needed in *n_out (and nothing consumed, so the call can be retried). */
#define MAMBA_DECODE_SKIP_SPECIAL 1   /* leave out special tokens (skip_special_tokens) */

/* Streaming decoder: feed ids one at a time, get only complete UTF-8 sequences.
   Holds the up to 3 bytes of a sequence still waiting for its end. The text of
   all calls plus the final flush is byte for byte mamba_tokenizer_decode's. */
typedef struct mamba_decoder {
    unsigned char pending[4];
    int n_pending;
    int flags;                        /* MAMBA_DECODE_* (bits 27-30: the decoder's own state) */
} mamba_decoder;
MAMBA_API void mamba_decoder_init(mamba_decoder *dec, int flags);
/* Writes at most 3 * (token bytes + 3) bytes. */
MAMBA_API mamba_status mamba_decoder_token(mamba_decoder *dec, const mamba_tokenizer *tok, int id,
                                           char *out, size_t cap, size_t *n_out);
/* End of stream: an unfinished sequence becomes U+FFFD (at most 3 bytes; 9
   for a tokenizer.model / GGUF "llama" tokenizer, which, as sentencepiece,
   gives one U+FFFD per byte of it). */
MAMBA_API mamba_status mamba_decoder_flush(mamba_decoder *dec, char *out, size_t cap, size_t *n_out);
/* Whole sequence: ids[0..n) to text. */
MAMBA_API mamba_status mamba_tokenizer_decode(const mamba_tokenizer *tok, const int *ids, size_t n, int flags,
                                              char *out, size_t cap, size_t *n_out);

/* Queries. Ids run from 0 to vocab_size - 1 (there may be unused ids). */
MAMBA_API int mamba_tokenizer_n_vocab(const mamba_tokenizer *tok);
/* The bytes decoding this one id produces before UTF-8 repair (may be part of a
   character); NULL for an id that names no token. */
MAMBA_API const char *mamba_tokenizer_token_bytes(const mamba_tokenizer *tok, int id, size_t *len);
/* Id of the token whose bytes are text[0..len) (added tokens first), or -1.
   A SentencePiece tokenizer also finds a piece by its text as the vocabulary
   writes it ("[INST]", "<0x0A>", "\xE2\x96\x81the"). */
MAMBA_API int mamba_tokenizer_token_id(const mamba_tokenizer *tok, const char *text, size_t len);
MAMBA_API int mamba_tokenizer_is_special(const mamba_tokenizer *tok, int id); /* added with special: true */
/* Beginning/end of text ids, -1 if unknown. From a tokenizer.json these are
   guessed from the special tokens: <|endoftext|> (both), <s> </s>, <|begin_of_text|> ... */
MAMBA_API int mamba_tokenizer_bos_id(const mamba_tokenizer *tok);
MAMBA_API int mamba_tokenizer_eos_id(const mamba_tokenizer *tok);
/* Bytes of memory the loaded tables use. */
MAMBA_API size_t mamba_tokenizer_table_bytes(const mamba_tokenizer *tok);

/* ---- GGUF writer ------------------------------------------------------------
   Writes a loaded model (and its tokenizer, when given) as a GGUF v3 file laid
   out as llama.cpp's convert_hf_to_gguf.py writes it: the same metadata keys in
   the same order, tensor names and ggml shapes, 32-byte alignment; ssm_a holds
   A = -exp(A_log). Tensor types follow llama.cpp's policy unless `pure`:
   1-D tensors, norms, conv1d weights, A, D and the dt bias stay F32; matrices
   (embeddings, in/x/dt/out projections, output) take `type` (or `preset`'s),
   with llama-quantize's rules for Mamba tensors: the output matrix
   (token_embd when tied) is Q6_K, or Q8_0 when its rows are not a multiple of
   256 (not with `pure`); a matrix whose rows are not a multiple of its block
   falls back (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K ->
   IQ4_NL), to F16 if not a multiple of 32. Quantization is llama.cpp's
   reference quantization (quantize_row_*_ref: round-to-nearest for Q8_0,
   Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL's scale search, the make_qkx2/qx/q3_quants
   scale searches for the K-quants, no fused multiply-adds); F16 and BF16 round to nearest even.
   Data is produced a row at a time: the writer allocates only a few rows of
   scratch, never the file. */
typedef struct mamba_gguf_options {
    mamba_dtype type;   /* F32 (also 0), F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
                           IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K or Q6_K                  */
    int pure;           /* 1: every matrix in `type` (rows permitting), no output rule */
    const char *name;   /* general.name; NULL: the GGUF source's name, else none  */
    /* Called for each tensor in file order: its GGUF name, the type written,
       its bytes, and why the type differs from `type` (NULL if it does not). */
    void (*on_tensor)(void *user, const char *name, mamba_dtype type, size_t bytes, const char *why);
    void *user;
    /* A llama-quantize preset ("Q4_K_M", "Q5_K_M", "Q2_K", "Q3_K_S/M/L",
       "Q4_K_S", "Q5_K_S", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q8_0",
       "F16", "BF16", "F32"): sets `type` and general.file_type (NULL: none). */
    const char *preset;
} mamba_gguf_options;
/* write(user, bytes, n) returns 0 on success; anything else stops the writer
   with MAMBA_ERR_IO. tok may be NULL (no tokenizer.ggml.* keys). */
MAMBA_API mamba_status mamba_gguf_write(const mamba_model *m, const mamba_tokenizer *tok, const mamba_gguf_options *opt,
                                        int (*write)(void *user, const void *bytes, size_t n), void *user,
                                        mamba_error *err);
#ifndef MAMBA_NO_STDIO
/* The same into a file (removed again if writing fails). */
MAMBA_API mamba_status mamba_gguf_write_file(const mamba_model *m, const mamba_tokenizer *tok,
                                             const mamba_gguf_options *opt, const char *path, mamba_error *err);
#endif


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

/* How mamba.h is laid out (python3 tools/layout-map.py keeps this map true).
   Lines 1-882: the documentation block and the public API. Below
   #ifdef MAMBA_IMPLEMENTATION, sections in one direction of dependency:
   each uses only what is above it (the "uses" column).
     lines        count  section
     966-1372       407  A. base: platform, allocation, errors, limits, files
                         uses: the C library only
       974-1246     273    A.1 platform, allocation, errors, limits
       1247-1372    126    A.2 files
     1373-1653      281  B. numbers: dtypes and conversions
                         uses: nothing (pure functions on bytes)
     1654-5202     3549  C. kernels
                         uses: A, B; the ISA intrinsics it chose
       1656-1830    175    C.1 vector vocabulary and threads
       1831-1846     16    C.2 weights: a matrix in its stored dtype
       1847-1890     44    C.3 dot: row . x in f32
       1891-2289    399    C.4 matrix-vector and matrix-matrix, F32/F16/BF16 weights
       2290-4908   2619    C.5 quantized dot products (every block type of the dtype table)
       4909-4926     18    C.6 linear: Y = X W^T (+ bias), any weight dtype
       4927-4964     38    C.7 RMSNorm
       4965-5009     45    C.8 activations: SiLU, softplus, y * silu(z)
       5010-5022     13    C.9 gated RMSNorm (Mamba-2)
       5023-5081     59    C.10 causal depthwise conv1d, one token
       5082-5137     56    C.11 Mamba-1 selective scan, one token
       5138-5202     65    C.12 Mamba-2 (SSD) recurrence, one token
     5203-6855     1653  D. model core: structs, config, scratch, forward, state, sampler
                         uses: A-C
       5205-5277     73    D.1 the model
       5278-5348     71    D.2 sizes from the config: state, scratch
       5349-5842    494    D.3 forward
       5843-6032    190    D.4 state
       6033-6158    126    D.5 sampler (argmax, temperature, top-k, top-p)
       6159-6855    697    D.6 serving: rollback ring, prefix cache, batch workspace
     6856-10119    3264  E. tokenizer
                         uses: A only (no model, no kernels)
       6858-7879   1022    E.1 the pipeline; the generated Unicode tables
       7880-7954     75    E.2 UTF-8
       7955-7994     40    E.3 scratch
       7995-8114    120    E.4 NFC
       8115-8660    546    E.5 tables
       8661-9172    512    E.6 encoding
       9173-9873    701    E.7 SentencePiece BPE: tables, encoder, decoder rules
       9874-9958     85    E.8 encoding: the entry points
       9959-10076   118    E.9 decoding
       10077-10119    43    E.10 queries
     10120-14405   4286  F. formats: bytes -> config, tensor table, tokenizer description
                         uses: A-E (a reader fills a mamba__desc; see F.2)
       10123-10476   354    F.1 bounded JSON
       10477-10596   120    F.2 tensor table and the model description (the format seam)
       10597-11556   960    F.3 Hugging Face files: safetensors, config.json, tokenizer.json
       11557-13323  1767    F.4 GGUF (llama.cpp): reader, config, tokenizer metadata, writer
       13324-13522   199    F.5 SentencePiece tokenizer.model (protobuf)
       13523-14405   883    F.6 PyTorch checkpoints (zip + pickle), Mistral's params.json
     14406-15060    655  G. loaders: the builder, the format table, the public loaders
                         uses: A-F
       14408-14757   350    G.1 binding tensors to layers
       14758-15060   303    G.2 loaders */


/* Floating-point contraction off for the whole implementation, whatever the
   including file's flags: every "same bits" promise (threads, step vs
   sequence, batched vs alone, vector kernels vs their one-row twins) rests on
   each a*b+c being rounded where the code says, an FMA only where an FMA
   intrinsic is written. GCC contracts across statements in its default
   modes (gnu11/gnu17, C++), and whether it does so in a given loop depends on
   -march/-mtune (a Zen 5 build turned F16 matmul vs matvec and Q8_0 step vs
   sequence apart); only -std=c11 turns that off. GCC ignores the STDC
   pragma, so it gets its own. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <string.h>
#include <math.h>
#include <limits.h>

/* ==== A. base: platform, allocation, errors, limits, files =============== */

/* Sections a small image can leave out (see CONFIGURATION MACROS). The GGUF
   writer copies a tokenizer's tables, so it goes with the tokenizer. */
#if defined(MAMBA_NO_TOKENIZER) && !defined(MAMBA_NO_WRITER)
#define MAMBA_NO_WRITER
#endif

/* ---- A.1 platform, allocation, errors, limits --------------------------- */

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
#include <errno.h>   /* the system's reason in file errors (strerror) */
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

/* -- allocation ------------------------------------------------------------
   Every allocation of the library goes through a mamba__heap: MAMBA_MALLOC, or
   the caller's mamba_arena (bump allocation, 16-byte granules; freeing the
   latest block gives it back, any other free is a no-op), with a running total
   checked against a cap (max_alloc_bytes). A heap with a == NULL and arena == 0
   is plain MAMBA_MALLOC; a model or tokenizer keeps its heap so that freeing it
   does the right thing. No global state: each load has its own heap. */
typedef struct mamba__heap {
    mamba_arena *a;         /* during a load: the caller's arena (base NULL: measure) */
    int arena;              /* blocks live in an arena: frees are no-ops */
    int over;               /* the cap refused an allocation */
    size_t total, cap;      /* bytes allocated so far; cap (0: none) */
    size_t input;           /* bytes of input seen (for the default cap) */
    void *last;             /* the latest arena block and the `used` before it */
    size_t last_used;
} mamba__heap;

#define MAMBA__ARENA_GRAIN 16
#define MAMBA__DEFAULT_ALLOC_CAP ((size_t)256 << 20)

static void mamba__heap_init(mamba__heap *h, const mamba_options *o) {
    memset(h, 0, sizeof *h);
    if (o) { h->a = o->arena; h->cap = o->max_alloc_bytes; }
}

/* MAMBA_MALLOC without a cap: conveniences that allocate outside a load. */
static void mamba__heap_plain(mamba__heap *h) {
    memset(h, 0, sizeof *h);
    h->cap = (size_t)-1;
}

static void *mamba__halloc(mamba__heap *h, size_t n) {
    size_t lim, at, end;
    void *p;
    if (!n) return NULL;
    lim = h->cap;
    if (!lim) lim = h->input > ((size_t)-1 - MAMBA__DEFAULT_ALLOC_CAP) / 2 ? (size_t)-1 : MAMBA__DEFAULT_ALLOC_CAP + 2 * h->input;
    if (n > lim - (h->total < lim ? h->total : lim) || h->total >= lim) { h->over = 1; return NULL; }
    if (h->a) {
        mamba_arena *a = h->a;
        unsigned char *base = (unsigned char *)a->base;
        /* align the address (not just the offset): the caller's base may be anywhere */
        size_t mis = base ? (size_t)((uintptr_t)(base + a->used) % MAMBA__ARENA_GRAIN) : a->used % MAMBA__ARENA_GRAIN;
        at = a->used + (mis ? MAMBA__ARENA_GRAIN - mis : 0);
        if (at < a->used || n > (size_t)-1 - at) return NULL;
        end = at + n;
        if (end > a->peak) a->peak = end;
        if (base) {
            if (at > a->size || n > a->size - at) return NULL;
            p = base + at;
        } else {
#ifdef MAMBA_NO_MALLOC
            return NULL;
#else
            if (!(p = MAMBA_MALLOC(n))) return NULL;
#endif
        }
        h->last = p;
        h->last_used = a->used;
        a->used = end;
    } else {
#ifdef MAMBA_NO_MALLOC
        return NULL;
#else
        if (h->arena || !(p = MAMBA_MALLOC(n))) return NULL;
#endif
    }
    h->total += n;
    return p;
}
static void *mamba__hcalloc(mamba__heap *h, size_t n) {
    void *p = mamba__halloc(h, n);
    if (p) memset(p, 0, n);
    return p;
}
static void mamba__hfree(mamba__heap *h, void *p) {
    if (!p) return;
    if (h->a) {
        if (p == h->last) { h->a->used = h->last_used; h->last = NULL; }
        if (h->a->base) return;
    } else if (h->arena) return;
#ifndef MAMBA_NO_MALLOC
    MAMBA_FREE(p);
#endif
}
/* End of a load: the arena's blocks stay, the heap forgets the arena struct. */
static void mamba__heap_done(mamba__heap *h) {
    if (h->a) { h->arena = h->a->base != NULL; h->a = NULL; }
    h->last = NULL;
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

/* FNV-1a (32-bit) of p[0..n), continuing from h (MAMBA__FNV_INIT to start):
   the saved-state checksum and the tokenizer's string hash. */
#define MAMBA__FNV_INIT 2166136261u
MAMBA__UNUSED static uint32_t mamba__fnv1a(uint32_t h, const unsigned char *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The decimal digits of u at out (no NUL); returns how many (1 to 20). */
static int mamba__utoa(unsigned long long u, char *out) {
    char tmp[20];
    int n = 0, k = 0;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (n) out[k++] = tmp[--n];
    return k;
}

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
            char tmp[24];
            int n = 0, k = 0;
            if (v < 0) tmp[n++] = '-';
            n += mamba__utoa(v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, tmp + n);
            while (k < n && o + 1 < cap) dst[o++] = tmp[k++];
            fmt++;
        } else if (*fmt) {
            dst[o++] = *fmt++;
        }
    }
    dst[o] = 0;
}

/* Every public function that takes a mamba_error calls this first, so that a
   successful call leaves status MAMBA_OK and an empty message. */
static void mamba__err_clear(mamba_error *e) {
    if (e) { e->status = MAMBA_OK; e->message[0] = 0; }
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

/* A failed load: MAMBA_ERR_NOMEM caused by the cap becomes MAMBA_ERR_LIMIT. */
static mamba_status mamba__heap_status(const mamba__heap *h, mamba_status st, mamba_error *e) {
    if (st == MAMBA_OK || !h->over) return st;
    return mamba__err(e, MAMBA_ERR_LIMIT, "the load would allocate more than %d bytes (mamba_options.max_alloc_bytes)", 0, 0,
                      (long long)(h->cap ? h->cap : MAMBA__DEFAULT_ALLOC_CAP + 2 * h->input), 0);
}

/* Same, with three strings and no integers. */
MAMBA__UNUSED static mamba_status mamba__err3(mamba_error *e, mamba_status st, const char *fmt, const char *s1, const char *s2, const char *s3) {
    if (e) {
        const void *args[3];
        args[0] = s1; args[1] = s2; args[2] = s3;
        e->status = st;
        mamba__vfmt(e->message, sizeof e->message, fmt, args);
    }
    return st;
}

/* The goto-on-error of the library: st = x, and on failure jump to the
   function's `done:` label, where it frees what it holds. */
#define MAMBA__TRY(x) do { if ((st = (x)) != MAMBA_OK) goto done; } while (0)

/* Limits in force: the caller's option, or its default where zero. */
#define MAMBA__OPT(o, field, def) ((o) && (o)->field ? (o)->field : (def))
#define MAMBA__DEF_HEADER ((size_t)100 << 20)
#define MAMBA__DEF_TENSORS ((size_t)1000000)
#define MAMBA__DEF_META_BYTES ((size_t)256 << 20)
#define MAMBA__DEF_META_KV ((size_t)65536)
#define MAMBA__DEF_ARRAY_LEN ((size_t)1 << 24)
#define MAMBA__DEF_STRING ((size_t)16 << 20)
#define MAMBA__DEF_TOK_BYTES ((size_t)64 << 20)
#define MAMBA__DEF_VOCAB ((size_t)1 << 22)
#define MAMBA__DEF_MERGES ((size_t)1 << 22)

MAMBA__UNUSED static int mamba__is_digit(int c) { return c >= '0' && c <= '9'; }

/* ---- A.2 files ---------------------------------------------------------- */

/* A byte range the model keeps alive: mmap'd, malloc'd, or borrowed. */
typedef struct mamba__blob {
    const unsigned char *data;
    size_t size;
    int kind;           /* 0 borrowed, 1 malloc, 2 mmap */
} mamba__blob;

static void mamba__blob_release(mamba__heap *hp, mamba__blob *b) {
#ifdef MAMBA__MMAP
    if (b->kind == 2 && b->data) munmap(MAMBA__UNCONST(b->data), b->size);
#endif
    if (b->kind == 1 && b->data) mamba__hfree(hp, MAMBA__UNCONST(b->data));
    memset(b, 0, sizeof *b);
}

#ifndef MAMBA_NO_STDIO
/* Joins dir and name with a '/', allocated; NULL on overflow or no memory. */
MAMBA__UNUSED static char *mamba__path_join(mamba__heap *hp, const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name), n;
    char *p;
    if (!mamba__add(a, b, &n) || !mamba__add(n, 2, &n)) return NULL;
    p = MAMBA__CAST(char *, mamba__halloc(hp, n));
    if (!p) return NULL;
    memcpy(p, dir, a);
    if (a && dir[a - 1] != '/') p[a++] = '/';
    memcpy(p + a, name, b + 1);
    return p;
}

/* The one whole-file reader: path -> a NUL-terminated buffer from hp (*len
   bytes and the NUL); it stops reading once past limit. No message, the
   callers word it: MAMBA_ERR_IO with *eno = errno (*in_read: fopen worked,
   reading failed, as for a directory), MAMBA_ERR_NOMEM, MAMBA_ERR_LIMIT.
   An empty file is MAMBA_OK with *len = 0. */
MAMBA__UNUSED static mamba_status mamba__slurp(mamba__heap *hp, const char *path, size_t limit, unsigned char **out, size_t *len,
                                 int *eno, int *in_read) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, input0 = hp->input;
    *out = NULL;
    *len = 0;
    *in_read = 0;
    if (!f) { *eno = errno; return MAMBA_ERR_IO; }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *nb;
            hp->input = input0 + n;   /* the default cap grows with what was read */
            if (cap > limit) { fclose(f); mamba__hfree(hp, buf); return MAMBA_ERR_LIMIT; }
            nb = ncap < cap ? NULL : MAMBA__CAST(unsigned char *, mamba__halloc(hp, ncap + 1));
            if (!nb) { fclose(f); if (buf) mamba__hfree(hp, buf); return MAMBA_ERR_NOMEM; }
            if (buf) { memcpy(nb, buf, n); mamba__hfree(hp, buf); }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
        if (n > limit) { fclose(f); mamba__hfree(hp, buf); return MAMBA_ERR_LIMIT; }   /* stop reading early */
    }
    if (ferror(f)) { *eno = errno; *in_read = 1; fclose(f); mamba__hfree(hp, buf); return MAMBA_ERR_IO; }
    fclose(f);
    buf[n] = 0;
    *out = buf;
    *len = n;
    return MAMBA_OK;
}

/* A whole (small) file as a malloc'd blob, failures worded (the limit is max_json_bytes). */
MAMBA__UNUSED static mamba_status mamba__read_file(mamba__heap *hp, mamba__blob *b, const char *path, size_t limit, mamba_error *e) {
    unsigned char *buf;
    size_t n;
    int en = 0, in_read;
    mamba_status st = mamba__slurp(hp, path, limit, &buf, &n, &en, &in_read);
    memset(b, 0, sizeof *b);
    if (st == MAMBA_ERR_IO) return mamba__err(e, st, in_read ? "cannot read %s: %s" : "cannot open %s: %s", path, strerror(en), 0, 0);
    if (st == MAMBA_ERR_NOMEM) return mamba__err(e, st, "out of memory reading %s", path, 0, 0, 0);
    if (st != MAMBA_OK) return mamba__err(e, st, "%s is larger than the limit of %d bytes (max_json_bytes)", path, 0, (long long)limit, 0);
    b->data = buf;
    b->size = n;
    b->kind = 1;
    return MAMBA_OK;
}

/* Maps a weights file read-only (or reads it where mmap is unavailable). */
static mamba_status mamba__map_file(mamba__heap *hp, mamba__blob *b, const char *path, mamba_error *e) {
    (void)hp;   /* only the read fallback allocates */
#ifdef MAMBA__MMAP
    struct stat st;
    void *p;
    int fd = open(path, O_RDONLY);
    memset(b, 0, sizeof *b);
    if (fd < 0) return mamba__err(e, MAMBA_ERR_IO, "cannot open %s: %s", path, strerror(errno), 0, 0);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mamba__err(e, MAMBA_ERR_IO, S_ISDIR(st.st_mode) ? "%s is a directory, not a weights file" : "%s is not a regular file", path, 0, 0, 0);
    }
    if (st.st_size == 0) { close(fd); b->kind = 0; return MAMBA_OK; } /* empty: caught as truncated */
    if ((unsigned long long)st.st_size > (size_t)-1) { close(fd); return mamba__err(e, MAMBA_ERR_LIMIT, "%s does not fit in memory", path, 0, 0, 0); }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return mamba__err(e, MAMBA_ERR_IO, "cannot mmap %s: %s", path, strerror(errno), 0, 0);
    b->data = (const unsigned char *)p;
    b->size = (size_t)st.st_size;
    b->kind = 2;
    return MAMBA_OK;
#else
    return mamba__read_file(hp, b, path, (size_t)-1 / 2, e);
#endif
}

MAMBA__UNUSED static int mamba__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

MAMBA__UNUSED static int mamba__file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}
#endif /* MAMBA_NO_STDIO */

/* ==== B. numbers: dtypes and conversions ================================= */

/* dtype facts, widening to f32, block dequantization. */

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

/* ---- the dtype table (issues 15, 19): one row per mamba_dtype ------------
   name, values per block (1 for a plain float), bytes per block (per value
   for a plain float), its ggml type id, its safetensors name, and the block
   dequantization. The block types are laid out as ggml-common.h's block_*
   structs (all fields little-endian, no padding) and dequantized as
   ggml-quants.c's dequantize_row_* do it, the same float operations in the
   same order (d, m, dmin are f16):
     Q8_0   32 / 34 B: d, qs[32] int8                 v = d*q
     Q4_0   32 / 18 B: d, qs[16]                      v = d*(q - 8)
     Q4_1   32 / 20 B: d, m, qs[16]                   v = q*d + m
     Q5_0   32 / 22 B: d, qh[4], qs[16]               v = (q5 - 16)*d
     Q5_1   32 / 24 B: d, m, qh[4], qs[16]            v = q5*d + m
            (value j < 16: low nibble of qs[j], bit j of qh; value j + 16:
            high nibble of qs[j], bit j + 16 of qh, qh read as a LE u32)
     IQ4_NL 32 / 18 B: d, qs[16]                      v = d*kvalues[nibble]
     Q2_K  256 / 84 B: scales[16] (low nibble scale, high nibble min), qs[64],
            d, dmin; value v = 128h + 32j + l (l < 32) is bits 2j..2j+1 of
            qs[32h + l], sub-block v/16;  v = (d*sc)*q - dmin*m
     Q3_K  256 / 110 B: hmask[32], qs[64], scales[12] (16 six-bit scales, low
            nibbles in bytes 0..7, high 2 bits in bytes 8..11), d; value
            v = 128h + 32j + l: low 2 bits as Q2_K, high bit is bit 4h + j of
            hmask[l] (clear means -4);  v = (d*(sc - 32))*(q3 - 4)
     Q4_K  256 / 144 B: d, dmin, scales[12] (8 six-bit scales and mins,
            mamba__q4k_unpack), qs[128]: 64 values per 32 bytes of qs, the
            low nibbles first (sub-block 2i), then the high (2i + 1);
            v = (d*sc)*q - dmin*m
     Q5_K  256 / 176 B: d, dmin, scales[12] (as Q4_K), qh[32], qs[128]; value
            v = 64i + 32k + l (sub-block 2i + k) is nibble k of qs[32i + l]
            plus bit 2i + k of qh[l] as 16;  v = (d*sc)*q - dmin*m
     Q6_K  256 / 210 B: ql[128] low 4 bits, qh[64] high 2 bits, int8
            scales[16], d; per half of 128: value l from ql[l] low | qh[l]
            bits 0-1, l+32 from ql[l+32] low | bits 2-3, l+64 from ql[l] high
            | bits 4-5, l+96 from ql[l+32] high | bits 6-7;
            v = d * scale[v/16] * (q - 32)
     IQ4_XS 256 / 136 B: d, u16 scales_h, scales_l[4], qs[128]; sub-block ib
            (32 values, 16 bytes of qs, low nibbles first) has the 6-bit
            scale ls = nibble ib%2 of scales_l[ib/2] | bits 2ib..2ib+1 of
            scales_h << 4;  v = (d*(ls - 32))*kvalues[nibble]
   kvalues is ggml's kvalues_iq4nl. --------------------------------------- */
#define MAMBA__QK 32    /* values per 32-block (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL) */
#define MAMBA__QKK 256  /* values per K-quant super-block (Q2_K .. Q6_K, IQ4_XS) */
static float mamba__f16_at(const unsigned char *b) { uint16_t h; memcpy(&h, b, 2); return mamba__f16_f32(h); }
static const signed char mamba__iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
/* the 12 packed bytes of Q4_K and Q5_K -> 8 six-bit scales and 8 mins
   (llama.cpp get_scale_min_k4): j < 4 in the low 6 bits of bytes j and j+4;
   j >= 4 from the nibbles of byte j+4 plus the top 2 bits of bytes j-4 / j.
   The one unpacker of this format (the AVX2 dots do the same with 32-bit
   masks, mamba__q4k_unpack_u32). */
static void mamba__q4k_unpack(const unsigned char *q, int *sc, int *mn) {
    int j;
    for (j = 0; j < 4; j++) {
        sc[j] = q[j] & 63; mn[j] = q[j + 4] & 63;
        sc[j + 4] = (q[j + 8] & 0xF) | (q[j] >> 6) << 4; mn[j + 4] = (q[j + 8] >> 4) | (q[j + 4] >> 6) << 4;
    }
}
/* Q3_K's 16 six-bit scales, minus 32 */
MAMBA__UNUSED static void mamba__q3k_scales(const unsigned char *s, int *sc) {
    int j;
    for (j = 0; j < 16; j++) {
        int lo = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
        sc[j] = (lo | ((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4) - 32;
    }
}
/* IQ4_XS's 8 six-bit scales, minus 32 */
MAMBA__UNUSED static void mamba__iq4xs_scales(const unsigned char *b, int *sc) {
    int ib, sh = b[2] | b[3] << 8;
    for (ib = 0; ib < 8; ib++) sc[ib] = (((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xF) | ((sh >> (2 * ib)) & 3) << 4) - 32;
}
static void mamba__dq_q8_0(const unsigned char *b, float *out) {
    float d = mamba__f16_at(b);
    int j;
    for (j = 0; j < 32; j++) out[j] = d * (float)(signed char)b[2 + j];
}
static void mamba__dq_q4_0(const unsigned char *b, float *out) {
    float d = mamba__f16_at(b);
    int j;
    for (j = 0; j < 16; j++) {
        out[j] = d * (float)((b[2 + j] & 0x0F) - 8);
        out[j + 16] = d * (float)((b[2 + j] >> 4) - 8);
    }
}
/* Q4_1 (five 0, has_m 1), Q5_0 (1, 0), Q5_1 (1, 1) */
MAMBA__UNUSED static void mamba__dq_q451(const unsigned char *b, float *out, int five, int has_m) {
    float d = mamba__f16_at(b), m = has_m ? mamba__f16_at(b + 2) : 0.0f;
    const unsigned char *qh = b + (has_m ? 4 : 2), *qs = qh + (five ? 4 : 0);
    uint32_t h = five ? (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24 : 0;
    int j;
    for (j = 0; j < 16; j++) {
        int x0 = (qs[j] & 0xF) | (int)((h >> j) & 1) << 4, x1 = (qs[j] >> 4) | (int)((h >> (j + 16)) & 1) << 4;
        if (!has_m) { out[j] = (float)(x0 - 16) * d; out[j + 16] = (float)(x1 - 16) * d; }
        else { out[j] = (float)x0 * d + m; out[j + 16] = (float)x1 * d + m; }
    }
}
MAMBA__UNUSED static void mamba__dq_q4_1(const unsigned char *b, float *out) { mamba__dq_q451(b, out, 0, 1); }
MAMBA__UNUSED static void mamba__dq_q5_0(const unsigned char *b, float *out) { mamba__dq_q451(b, out, 1, 0); }
MAMBA__UNUSED static void mamba__dq_q5_1(const unsigned char *b, float *out) { mamba__dq_q451(b, out, 1, 1); }
MAMBA__UNUSED static void mamba__dq_iq4_nl(const unsigned char *b, float *out) {
    float d = mamba__f16_at(b);
    int j;
    for (j = 0; j < 16; j++) {
        out[j] = d * (float)mamba__iq4nl_values[b[2 + j] & 0xF];
        out[j + 16] = d * (float)mamba__iq4nl_values[b[2 + j] >> 4];
    }
}
MAMBA__UNUSED static void mamba__dq_q2_k(const unsigned char *b, float *out) {
    float d = mamba__f16_at(b + 80), dmin = mamba__f16_at(b + 82);
    int j, l;
    for (j = 0; j < 16; j++) {   /* sub-block j: values 16j .. 16j+15 */
        float dl = d * (float)(b[j] & 0xF), ml = dmin * (float)(b[j] >> 4);
        int h = j / 8, sh = 2 * (j % 8 / 2), l0 = 16 * (j & 1);
        for (l = 0; l < 16; l++) out[16 * j + l] = dl * (float)((b[16 + 32 * h + l0 + l] >> sh) & 3) - ml;
    }
}
MAMBA__UNUSED static void mamba__dq_q3_k(const unsigned char *b, float *out) {
    float d = mamba__f16_at(b + 108);
    int sc[16], j, l;
    mamba__q3k_scales(b + 96, sc);
    for (j = 0; j < 16; j++) {
        float dl = d * (float)sc[j];
        int h = j / 8, g = j % 8 / 2, l0 = 16 * (j & 1);
        for (l = 0; l < 16; l++) {
            int q = (b[32 + 32 * h + l0 + l] >> (2 * g)) & 3, hb = b[l0 + l] >> (4 * h + g) & 1;
            out[16 * j + l] = dl * (float)(q - (hb ? 0 : 4));
        }
    }
}
/* Q4_K (five 0) and Q5_K (five 1) */
static void mamba__dq_q45_k(const unsigned char *b, float *out, int five) {
    float d = mamba__f16_at(b), dmin = mamba__f16_at(b + 2);
    int sc[8], mn[8], j, l;
    mamba__q4k_unpack(b + 4, sc, mn);
    for (j = 0; j < 8; j++) {
        float d1 = d * (float)sc[j], m1 = dmin * (float)mn[j];
        const unsigned char *qs = b + (five ? 48 : 16) + 32 * (j / 2);
        for (l = 0; l < 32; l++) {
            int q = (qs[l] >> (4 * (j & 1))) & 0xF;
            if (five) q += (b[16 + l] >> j & 1) ? 16 : 0;
            out[32 * j + l] = d1 * (float)q - m1;
        }
    }
}
static void mamba__dq_q4_k(const unsigned char *b, float *out) { mamba__dq_q45_k(b, out, 0); }
MAMBA__UNUSED static void mamba__dq_q5_k(const unsigned char *b, float *out) { mamba__dq_q45_k(b, out, 1); }
static void mamba__dq_q6_k(const unsigned char *b, float *out) {
    const unsigned char *ql = b, *qh = b + 128;
    const signed char *sc = (const signed char *)(b + 192);
    float d = mamba__f16_at(b + 208);
    int j, l;
    for (j = 0; j < 2; j++, ql += 64, qh += 32, sc += 8, out += 128)
        for (l = 0; l < 32; l++) {
            int is = l / 16;
            out[l] = d * (float)sc[is] * (float)(((ql[l] & 0xF) | (qh[l] & 3) << 4) - 32);
            out[l + 32] = d * (float)sc[is + 2] * (float)(((ql[l + 32] & 0xF) | (qh[l] >> 2 & 3) << 4) - 32);
            out[l + 64] = d * (float)sc[is + 4] * (float)(((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) - 32);
            out[l + 96] = d * (float)sc[is + 6] * (float)(((ql[l + 32] >> 4) | (qh[l] >> 6 & 3) << 4) - 32);
        }
}
MAMBA__UNUSED static void mamba__dq_iq4_xs(const unsigned char *b, float *out) {
    float d = mamba__f16_at(b);
    int sc[8], j, l;
    mamba__iq4xs_scales(b, sc);
    for (j = 0; j < 8; j++) {
        float dl = d * (float)sc[j];
        for (l = 0; l < 16; l++) {
            out[32 * j + l] = dl * (float)mamba__iq4nl_values[b[8 + 16 * j + l] & 0xF];
            out[32 * j + 16 + l] = dl * (float)mamba__iq4nl_values[b[8 + 16 * j + l] >> 4];
        }
    }
}
/* ggml's type ids (ggml.h enum ggml_type): the one list of them; the dtype
   table below maps ours onto it, mamba__ggml_names (F.4) names them all */
enum {
    MAMBA__GGML_F32 = 0, MAMBA__GGML_F16 = 1, MAMBA__GGML_Q4_0 = 2, MAMBA__GGML_Q4_1 = 3, MAMBA__GGML_Q5_0 = 6,
    MAMBA__GGML_Q5_1 = 7, MAMBA__GGML_Q8_0 = 8, MAMBA__GGML_Q8_1 = 9, MAMBA__GGML_Q2_K = 10, MAMBA__GGML_Q3_K = 11,
    MAMBA__GGML_Q4_K = 12, MAMBA__GGML_Q5_K = 13, MAMBA__GGML_Q6_K = 14, MAMBA__GGML_Q8_K = 15, MAMBA__GGML_IQ2_XXS = 16,
    MAMBA__GGML_IQ2_XS = 17, MAMBA__GGML_IQ3_XXS = 18, MAMBA__GGML_IQ1_S = 19, MAMBA__GGML_IQ4_NL = 20, MAMBA__GGML_IQ3_S = 21,
    MAMBA__GGML_IQ2_S = 22, MAMBA__GGML_IQ4_XS = 23, MAMBA__GGML_I8 = 24, MAMBA__GGML_I16 = 25, MAMBA__GGML_I32 = 26,
    MAMBA__GGML_I64 = 27, MAMBA__GGML_F64 = 28, MAMBA__GGML_IQ1_M = 29, MAMBA__GGML_BF16 = 30, MAMBA__GGML_TQ1_0 = 34,
    MAMBA__GGML_TQ2_0 = 35, MAMBA__GGML_MXFP4 = 39
};
typedef struct mamba__dtype_info {
    const char *name;   /* ggml's name of the type (also the safetensors name of the floats) */
    int blk;            /* values per block; 1 for a plain float */
    int bytes;          /* bytes per block (per value for a plain float) */
    int ggml;           /* ggml type id (GGUF tensor info) */
    int st;             /* 1: a safetensors dtype */
    void (*dequant)(const unsigned char *b, float *out);   /* one block; NULL for the floats */
} mamba__dtype_info;
/* indexed by mamba_dtype, in its order */
/* MAMBA_NO_EXTRA_QUANTS: only F32/F16/BF16/Q8_0/Q4_0/Q4_K/Q6_K are read (a
   file with another type is refused, naming it): their dequantizers and dots
   are not linked, for the smallest firmware image. */
#ifdef MAMBA_NO_EXTRA_QUANTS
#define MAMBA__XQ_ID(id) (-1)
#define MAMBA__XQ_FN(f) NULL
#else
#define MAMBA__XQ_ID(id) (id)
#define MAMBA__XQ_FN(f) f
#endif
static const mamba__dtype_info mamba__dtypes[] = {
    {"?", 0, 0, -1, 0, NULL},
    {"F32", 1, 4, MAMBA__GGML_F32, 1, NULL}, {"F16", 1, 2, MAMBA__GGML_F16, 1, NULL}, {"BF16", 1, 2, MAMBA__GGML_BF16, 1, NULL},
    {"Q8_0", MAMBA__QK, 34, MAMBA__GGML_Q8_0, 0, mamba__dq_q8_0}, {"Q4_0", MAMBA__QK, 18, MAMBA__GGML_Q4_0, 0, mamba__dq_q4_0},
    {"Q4_K", MAMBA__QKK, 144, MAMBA__GGML_Q4_K, 0, mamba__dq_q4_k}, {"Q6_K", MAMBA__QKK, 210, MAMBA__GGML_Q6_K, 0, mamba__dq_q6_k},
    {"Q4_1", MAMBA__QK, 20, MAMBA__XQ_ID(MAMBA__GGML_Q4_1), 0, MAMBA__XQ_FN(mamba__dq_q4_1)}, {"Q5_0", MAMBA__QK, 22, MAMBA__XQ_ID(MAMBA__GGML_Q5_0), 0, MAMBA__XQ_FN(mamba__dq_q5_0)},
    {"Q5_1", MAMBA__QK, 24, MAMBA__XQ_ID(MAMBA__GGML_Q5_1), 0, MAMBA__XQ_FN(mamba__dq_q5_1)}, {"Q2_K", MAMBA__QKK, 84, MAMBA__XQ_ID(MAMBA__GGML_Q2_K), 0, MAMBA__XQ_FN(mamba__dq_q2_k)},
    {"Q3_K", MAMBA__QKK, 110, MAMBA__XQ_ID(MAMBA__GGML_Q3_K), 0, MAMBA__XQ_FN(mamba__dq_q3_k)}, {"Q5_K", MAMBA__QKK, 176, MAMBA__XQ_ID(MAMBA__GGML_Q5_K), 0, MAMBA__XQ_FN(mamba__dq_q5_k)},
    {"IQ4_NL", MAMBA__QK, 18, MAMBA__XQ_ID(MAMBA__GGML_IQ4_NL), 0, MAMBA__XQ_FN(mamba__dq_iq4_nl)}, {"IQ4_XS", MAMBA__QKK, 136, MAMBA__XQ_ID(MAMBA__GGML_IQ4_XS), 0, MAMBA__XQ_FN(mamba__dq_iq4_xs)}};
#define MAMBA__NDTYPES ((int)(sizeof mamba__dtypes / sizeof mamba__dtypes[0]))
static const mamba__dtype_info *mamba__dt(mamba_dtype dt) { return &mamba__dtypes[(int)dt > 0 && (int)dt < MAMBA__NDTYPES ? (int)dt : 0]; }
/* bytes per value of a plain float dtype (0 for the block types) */
static size_t mamba__dtype_size(mamba_dtype dt) { const mamba__dtype_info *i = mamba__dt(dt); return i->blk == 1 ? (size_t)i->bytes : 0; }
static int mamba__is_quant(mamba_dtype dt) { return mamba__dt(dt)->blk > 1; }
/* Values per block: 32, or 256 for the K-quants (0 for non-block types). */
static int mamba__block_elems(mamba_dtype dt) { int b = mamba__dt(dt)->blk; return b > 1 ? b : 0; }
static size_t mamba__block_bytes(mamba_dtype dt) { return mamba__is_quant(dt) ? (size_t)mamba__dt(dt)->bytes : 0; }
static const char *mamba__dtype_name(mamba_dtype dt) { return mamba__dt(dt)->name; }
/* Bytes of one row of `cols` values (cols a multiple of the block for quants). */
static size_t mamba__row_bytes(mamba_dtype dt, size_t cols) {
    return mamba__is_quant(dt) ? cols / (size_t)mamba__block_elems(dt) * mamba__block_bytes(dt) : cols * mamba__dtype_size(dt);
}
/* Dequantizes one block (32 values, or 256 for the K-quants) of a block dtype. */
static void mamba__dequant_block(const unsigned char *b, mamba_dtype dt, float *out) { mamba__dt(dt)->dequant(b, out); }

/* Element i of a tensor in its stored dtype, as float (data needs no alignment). */
static float mamba__load_elem(const void *data, mamba_dtype dtype, size_t i) {
    const unsigned char *p = (const unsigned char *)data;
    if (dtype == MAMBA_DTYPE_F32) { float f; memcpy(&f, p + 4 * i, 4); return f; }
    { uint16_t h; memcpy(&h, p + 2 * i, 2); return dtype == MAMBA_DTYPE_F16 ? mamba__f16_f32(h) : mamba__bf16_f32(h); }
}

/* f32 -> IEEE half, round to nearest even (F16C's vcvtps2ph, ggml's scalar
   path; the writer's conversion, and the tests'); overflow gives infinity, NaN stays a quiet NaN. */
static inline uint16_t mamba__f32_f16(float f) {
    uint32_t u, sign, a, m, r, rem, half;
    int shift;
    memcpy(&u, &f, 4);
    sign = u >> 16 & 0x8000u;
    a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | (a >> 13 & 0x3ffu));
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);          /* >= 65520: infinity */
    if (a >= 0x38800000u) {                                             /* normal half */
        r = a - 0x38000000u;                                            /* exponent bias 127 -> 15 */
        return (uint16_t)(sign | (r + 0xfffu + (r >> 13 & 1u)) >> 13);
    }
    if (a < 0x33000000u) return (uint16_t)sign;                         /* <= 2^-25: zero */
    m = (a & 0x7fffffu) | 0x800000u;                                    /* subnormal half */
    shift = 126 - (int)(a >> 23);                                       /* 14 .. 24 */
    r = m >> shift;
    rem = m & ((1u << shift) - 1u);
    half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) r++;
    return (uint16_t)(sign | r);
}

/* f32 -> bfloat16, round to nearest even, NaN quieted (ggml_compute_fp32_to_bf16). */
static inline uint16_t mamba__f32_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)(u >> 16 | 64u);
    return (uint16_t)((u + (0x7fffu + (u >> 16 & 1u))) >> 16);
}

/* ==== C. kernels ========================================================= */

/* ---- C.1 vector vocabulary and threads -----------------------------------
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
/* p * 2^n for an integral n in [-126, 127]: scalef rounds the same exact product
   as the multiply by the exact 2^n does (one uop instead of four; issue 21) */
#define MAMBA__VSCALE2(p, n) _mm512_scalef_ps(p, n)
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
#define MAMBA__VSCALE2(p, n) MAMBA__VMUL(p, MAMBA__VPOW2I(n))
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
#define MAMBA__VSCALE2(p, n) MAMBA__VMUL(p, MAMBA__VPOW2I(n))
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
    p = MAMBA__VSCALE2(p, n);
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
#include <time.h>   /* timespec_get: the per-state choice of threads */
/* Parallel loop when the local variable omp_work (multiply-adds) is large,
   over the threads the call in progress on this thread chose (issue 21:
   mamba_model_set_threads; 0 outside a call = OpenMP's default). */
#if defined(__cplusplus)
#define MAMBA__TLS thread_local
#else
#define MAMBA__TLS _Thread_local
#endif
static MAMBA__TLS int mamba__omp_nt;
static int mamba__nt(void) { return mamba__omp_nt > 0 ? mamba__omp_nt : omp_get_max_threads(); }
#define MAMBA__OMP_FOR _Pragma("omp parallel for schedule(static) if (omp_work > 100000) num_threads(mamba__nt())")
#else
#define MAMBA__OMP_FOR
#endif

/* ---- C.2 weights: a matrix in its stored dtype -----------------------------
   Scalar reference kernels. Narrow signatures so that a vector version can
   replace each one; the scalar version stays as the oracle. Dimension legend:
   T tokens in a chunk, D d_model, E d_inner, N d_state, K d_conv, R dt_rank. */

typedef struct mamba__mat {      /* a row-major [rows][cols] weight, any dtype */
    const void *data;
    mamba_dtype dtype;
    int rows, cols;
} mamba__mat;

#ifdef MAMBA__SIMD
#define MAMBA__NV(n) ((n) / MAMBA__EPR * MAMBA__EPR)

#endif

/* ---- C.3 dot: row . x in f32 -------------------------------------------- */

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

#ifdef MAMBA__SIMD
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

#endif

MAMBA__UNUSED static inline float mamba__dot_f32(const float *w, const float *x, int n) {
#ifdef MAMBA__SIMD
    return mamba__dot_f32_v(w, x, n);
#else
    return mamba__dot_f32_ref(w, x, n);
#endif
}

/* ---- C.4 matrix-vector and matrix-matrix, F32/F16/BF16 weights ---------- */

/* Widens row r of W into f32 (exact for every supported dtype). */
static void mamba__row_f32(const mamba__mat *W, int r, float *out) {
    size_t base = (size_t)r * (size_t)W->cols;
    int i;
    if (mamba__is_quant(W->dtype)) {
        const unsigned char *p = (const unsigned char *)W->data + mamba__row_bytes(W->dtype, (size_t)W->cols) * (size_t)r;
        int be = mamba__block_elems(W->dtype);
        for (i = 0; i < W->cols; i += be) mamba__dequant_block(p + (size_t)(i / be) * mamba__block_bytes(W->dtype), W->dtype, out + i);
        return;
    }
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

#ifdef MAMBA__SIMD
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

/* The 4-row matrix-vector product. Decode uses mamba__matvec_s (the streaming
   block below, same bits); this one stays as its A/B baseline (bench/). */
MAMBA__UNUSED static void mamba__matvec_v(float *y, const mamba__mat *W, const float *bias, const float *x) {
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

/* -- register tiles for the F32/F16/BF16 sequence path --------------------
   The tiles above keep acc[4][4] in an array that gcc -O2 leaves in memory
   (a load and a store around every FMA). These hold every accumulator in a
   named variable: 4 rows x 4 tokens (16 accumulators + 4 weight vectors + 1
   activation: 21 of the 32 registers of AVX-512 or NEON) or, with the 16
   ymm registers of AVX2, 3 rows x 4 tokens (12 + 3 + 1 = 16). Each (row,
   token) dot is accumulated in the canonical order (mamba__dot_f32_v: one
   vector chain, the fixed horizontal sum, the scalar tail), so the bits are
   those of the matrix-vector path. Only full tiles; the edges go through the
   tiles above. */
#if MAMBA__EPR == 8
#define MAMBA__RT 3   /* AVX2: 16 vector registers */
#else
#define MAMBA__RT 4
#endif
#define MAMBA__RT_FIN(TOF, r, t, a) do {                                                          \
        float tail_ = 0, v_ = MAMBA__VREDUCE(a);                                             \
        for (i = nv; i < n; i++) tail_ += TOF(w##r[i]) * x##t[i];                            \
        Y[(size_t)(t0 + (t)) * ldy + r0 + (r)] = v_ + tail_;                                  \
    } while (0)
#define MAMBA__RT_STEP(t) do {                                                               \
        mamba__v xv = MAMBA__VLOAD(x##t + i);                                                \
        a0##t = MAMBA__VFMA(v0, xv, a0##t); a1##t = MAMBA__VFMA(v1, xv, a1##t);              \
        a2##t = MAMBA__VFMA(v2, xv, a2##t); MAMBA__RT_ROW3(a3##t = MAMBA__VFMA(v3, xv, a3##t)); \
    } while (0)
#if MAMBA__RT == 4
#define MAMBA__RT_ROW3(s) s
#else
#define MAMBA__RT_ROW3(s) (void)0
#endif
/* Blocked over the columns (issue 21, prefill): a call runs the vector
   columns [k0, k1) of one tile. acc holds the tile's MAMBA__RT x 4 partial
   vector accumulators between calls: loaded when k0 > 0, stored when k1 < nv,
   and the tile finished (the fixed horizontal sum, the scalar tail) when
   k1 == nv. Storing and reloading a float is exact and every lane still
   sees its FMAs in the canonical order, so the bits do not depend on the
   blocking. pf/pfn: cache lines of the next strip to prefetch into L2,
   spread over this call's loop steps (no effect on the results). */
#if defined(__GNUC__) || defined(__clang__)
#define MAMBA__PREFETCH_L2(p) __builtin_prefetch((const void *)(p), 0, 2)
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#define MAMBA__PREFETCH_L2(p) _mm_prefetch((const char *)(p), _MM_HINT_T1)
#else
#define MAMBA__PREFETCH_L2(p) ((void)(p))
#endif
#define MAMBA__RT_LD(j, a) a = MAMBA__VLOAD(acc + (j) * MAMBA__EPR)
#define MAMBA__RT_ST(j, a) MAMBA__VSTORE(acc + (j) * MAMBA__EPR, a)
#define MAMBA__RT_ALL(OP)                                                                    \
    OP(0, a00); OP(1, a01); OP(2, a02); OP(3, a03); OP(4, a10); OP(5, a11); OP(6, a12); OP(7, a13); \
    OP(8, a20); OP(9, a21); OP(10, a22); OP(11, a23);                                        \
    if (MAMBA__RT == 4) { OP(12, a30); OP(13, a31); OP(14, a32); OP(15, a33); }
#define MAMBA__DEFINE_RTILE(name, T, LOAD, TOF)                                              \
    static void name(float *Y, int ldy, const T *w, size_t ldw, const float *X, int ldx, int n, int t0, int r0, \
                     int k0, int k1, int first, int last, float *acc, const char *pf, int pfn) { \
        const T *w0 = w, *w1 = w + ldw, *w2 = w + 2 * ldw, *w3 = MAMBA__RT == 4 ? w + 3 * ldw : w; \
        const float *x0 = X + (size_t)t0 * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx; \
        mamba__v a00 = MAMBA__VSET1(0.0f), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00; \
        mamba__v a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00; \
        int i, nv = MAMBA__NV(n), pfq = pfn > 0 ? ((k1 - k0) / MAMBA__EPR) / pfn : 0, pfc;  \
        if (pfq < 1) pfq = 1;                                                                \
        pfc = pfq;                                                                           \
        if (!first) { MAMBA__RT_ALL(MAMBA__RT_LD) }                                          \
        for (i = k0; i < k1; i += MAMBA__EPR) {                                              \
            mamba__v v0 = LOAD(w0 + i), v1 = LOAD(w1 + i), v2 = LOAD(w2 + i), v3;            \
            MAMBA__RT_ROW3(v3 = LOAD(w3 + i));                                               \
            (void)v3;                                                                        \
            if (pfn > 0 && --pfc == 0) { MAMBA__PREFETCH_L2(pf); pf += 64; pfn--; pfc = pfq; } \
            MAMBA__RT_STEP(0); MAMBA__RT_STEP(1); MAMBA__RT_STEP(2); MAMBA__RT_STEP(3);      \
        }                                                                                    \
        if (!last) { MAMBA__RT_ALL(MAMBA__RT_ST) return; }                                   \
        MAMBA__RT_FIN(TOF, 0, 0, a00); MAMBA__RT_FIN(TOF, 0, 1, a01); MAMBA__RT_FIN(TOF, 0, 2, a02); MAMBA__RT_FIN(TOF, 0, 3, a03); \
        MAMBA__RT_FIN(TOF, 1, 0, a10); MAMBA__RT_FIN(TOF, 1, 1, a11); MAMBA__RT_FIN(TOF, 1, 2, a12); MAMBA__RT_FIN(TOF, 1, 3, a13); \
        MAMBA__RT_FIN(TOF, 2, 0, a20); MAMBA__RT_FIN(TOF, 2, 1, a21); MAMBA__RT_FIN(TOF, 2, 2, a22); MAMBA__RT_FIN(TOF, 2, 3, a23); \
        if (MAMBA__RT == 4) { MAMBA__RT_FIN(TOF, 3, 0, a30); MAMBA__RT_FIN(TOF, 3, 1, a31); MAMBA__RT_FIN(TOF, 3, 2, a32); MAMBA__RT_FIN(TOF, 3, 3, a33); } \
        (void)a30; (void)a31; (void)a32; (void)a33;                                          \
    }
MAMBA__DEFINE_RTILE(mamba__rtile_f32, float, MAMBA__VLOAD, MAMBA__ID)
/* Cache blocking of mamba__matmul_v (issue 21). A strip of MAMBA__RT rows
   runs its full tiles MAMBA__TB at a time (8 tiles x 4 = 32 tokens), over
   the columns in blocks of MAMBA__KC (1024): the strip's block of weights
   (16 KB F32 with 4 rows) stays in L1 while the tiles' activations stream
   from L2, and the next strip is prefetched into L2 meanwhile. F16/BF16
   blocks are first widened to f32 (exact) into a stack buffer and run
   through the F32 tile: the conversion is done once per block and token
   block instead of once per tile (on AVX-512 it shares ports with the
   FMAs). Stack: partial accumulators MAMBA__TB x MAMBA__RT x 4 vectors
   (8 KB with AVX-512) and the widened block (MAMBA__RT x (MAMBA__KC +
   MAMBA__EPR) floats, 16.25 KB). */
#ifndef MAMBA__KC
#define MAMBA__KC 1024
#endif
#ifndef MAMBA__TB
#define MAMBA__TB 8
#endif
/* the strip at row r: its full tiles */
static void mamba__rstrip(float *Y, int ldy, const mamba__mat *W, const float *X, int ldx, int T, int r) {
    float acc[MAMBA__TB * MAMBA__RT * 4 * MAMBA__EPR], wb[MAMBA__RT * (MAMBA__KC + MAMBA__EPR)];
    size_t es = mamba__dtype_size(W->dtype), ld = (size_t)W->cols, sb = (size_t)MAMBA__RT * ld * es;
    int n = W->cols, nv = MAMBA__NV(n), kc = MAMBA__KC / MAMBA__EPR * MAMBA__EPR, T4 = T / 4 * 4, tb, t, k0, k1, j, i;
    int nkb = nv > kc ? (nv + kc - 1) / kc : 1, calls = (T4 / 4) * nkb;
    int lines = r + 2 * MAMBA__RT <= W->rows ? (int)((sb + 63) / 64) : 0, per = calls ? (lines + calls - 1) / calls : 0;
    const char *pf = (const char *)W->data + sb / MAMBA__RT * (size_t)(r + MAMBA__RT);   /* the next strip */
    const float *wf = W->dtype == MAMBA_DTYPE_F32 ? (const float *)W->data + (size_t)r * ld : NULL;
    const uint16_t *wh = wf ? NULL : (const uint16_t *)W->data + (size_t)r * ld;
    for (tb = 0; tb < T4; tb += 4 * MAMBA__TB) {
        int te = tb + 4 * MAMBA__TB < T4 ? tb + 4 * MAMBA__TB : T4;
        for (k0 = 0;; k0 = k1) {
            int last, len;
            k1 = nv - k0 > kc ? k0 + kc : nv;
            last = k1 >= nv; len = last ? n - k0 : k1 - k0;   /* the last block has the scalar tail */
            if (wh)   /* widen rows [r, r + MAMBA__RT), columns [k0, k0 + len) */
                for (j = 0; j < MAMBA__RT; j++) {
                    const uint16_t *src = wh + (size_t)j * ld + k0;
                    float *dst = wb + j * (MAMBA__KC + MAMBA__EPR);
                    if (W->dtype == MAMBA_DTYPE_F16) {
                        for (i = 0; i + MAMBA__EPR <= len; i += MAMBA__EPR) MAMBA__VSTORE(dst + i, MAMBA__VLOAD_F16(src + i));
                        for (; i < len; i++) dst[i] = mamba__f16_f32(src[i]);
                    } else {
                        for (i = 0; i + MAMBA__EPR <= len; i += MAMBA__EPR) MAMBA__VSTORE(dst + i, MAMBA__VLOAD_BF16(src + i));
                        for (; i < len; i++) dst[i] = mamba__bf16_f32(src[i]);
                    }
                }
            for (t = tb; t < te; t += 4) {
                int pn = lines < per ? lines : per;
                float *a = acc + (t - tb) / 4 * (MAMBA__RT * 4 * MAMBA__EPR);
                if (wf) mamba__rtile_f32(Y, ldy, wf, ld, X, ldx, n, t, r, k0, k1, k0 == 0, last, a, pf, pn);
                else mamba__rtile_f32(Y, ldy, wb, MAMBA__KC + MAMBA__EPR, X + k0, ldx, len, t, r, 0, k1 - k0, k0 == 0, last, a, pf, pn);
                pf += 64 * (size_t)pn; lines -= pn;
            }
            if (last) break;
        }
    }
}

/* ==== decode streaming: F32/F16/BF16 matrix-vector (issue 21) ==============
   Decode reads every weight once per token, so the matrix-vector product
   should run at the memory's speed. mamba__matvec_v keeps 4 rows in flight;
   this keeps 8 (8 independent FMA chains, 8 streams) and, per dtype and row
   length, prefetches the next block of 8 rows while the current one is
   summed: with short rows (the 130m shape's 768 columns: 1.5 KB a BF16 row)
   each row stream ends before the hardware prefetcher has ramped up, so the
   next block's lines are requested in step with the loads of this one (the
   whole next block over the loop, at the rate the loop consumes this one).
   Each row's dot is the canonical one (mamba__dot_f32_v: one vector chain,
   the fixed horizontal sum, then the scalar tail), so the bits are those of
   mamba__matvec_v, mamba__matmul_v and every thread count. Measured choices
   (bench/bench.c kernel table, matvec rows "4-row" vs "stream"; the note of
   issue 21): see mamba__stream_pf. */
#if defined(__GNUC__) || defined(__clang__)
#define MAMBA__PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#define MAMBA__PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define MAMBA__PREFETCH(p) ((void)(p))
#endif
/* cache lines of the next block to request per loop step: 8 rows x one vector of T */
#define MAMBA__PF_LINES(T) ((int)((8 * MAMBA__EPR * sizeof(T) + 63) / 64))
#define MAMBA__DEFINE_DOT8(name, T, LOAD, TOF)                                             \
    static void name(const T *w, size_t ld, const float *x, int n, float *out, const char *pf) { \
        mamba__v a0 = MAMBA__VSET1(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, xv; \
        int i, nv = MAMBA__NV(n), r, k;                                                    \
        for (i = 0; i < nv; i += MAMBA__EPR) {                                             \
            if (pf)                                                                        \
                for (k = 0; k < MAMBA__PF_LINES(T); k++) MAMBA__PREFETCH(pf + 8 * sizeof(T) * (size_t)i + 64 * (size_t)k); \
            xv = MAMBA__VLOAD(x + i);                                                      \
            a0 = MAMBA__VFMA(LOAD(w + i), xv, a0);                                         \
            a1 = MAMBA__VFMA(LOAD(w + ld + i), xv, a1);                                    \
            a2 = MAMBA__VFMA(LOAD(w + 2 * ld + i), xv, a2);                                \
            a3 = MAMBA__VFMA(LOAD(w + 3 * ld + i), xv, a3);                                \
            a4 = MAMBA__VFMA(LOAD(w + 4 * ld + i), xv, a4);                                \
            a5 = MAMBA__VFMA(LOAD(w + 5 * ld + i), xv, a5);                                \
            a6 = MAMBA__VFMA(LOAD(w + 6 * ld + i), xv, a6);                                \
            a7 = MAMBA__VFMA(LOAD(w + 7 * ld + i), xv, a7);                                \
        }                                                                                  \
        out[0] = MAMBA__VREDUCE(a0); out[1] = MAMBA__VREDUCE(a1);                          \
        out[2] = MAMBA__VREDUCE(a2); out[3] = MAMBA__VREDUCE(a3);                          \
        out[4] = MAMBA__VREDUCE(a4); out[5] = MAMBA__VREDUCE(a5);                          \
        out[6] = MAMBA__VREDUCE(a6); out[7] = MAMBA__VREDUCE(a7);                          \
        for (r = 0; r < 8; r++) {                                                          \
            float tail = 0;                                                                \
            for (i = nv; i < n; i++) tail += TOF(w[r * ld + i]) * x[i];                    \
            out[r] += tail;                                                                \
        }                                                                                  \
    }
MAMBA__DEFINE_DOT8(mamba__dot8_f32_v, float, MAMBA__VLOAD, MAMBA__ID)
MAMBA__DEFINE_DOT8(mamba__dot8_f16_v, uint16_t, MAMBA__VLOAD_F16, mamba__f16_f32)
MAMBA__DEFINE_DOT8(mamba__dot8_bf16_v, uint16_t, MAMBA__VLOAD_BF16, mamba__bf16_f32)
/* Prefetch the next block for this dtype and row length? */
static int mamba__stream_pf(mamba_dtype dtype, int cols) {
    size_t row_bytes = (size_t)cols * mamba__dtype_size(dtype);
    return dtype != MAMBA_DTYPE_F32 && row_bytes <= 2048;
}
/* y = W x (+ bias): blocks of 8 rows, then the 4-row and 1-row kernels above
   for the last rows */
static void mamba__matvec_s(float *y, const mamba__mat *W, const float *bias, const float *x) {
    int rows = W->rows, cols = W->cols, r8 = rows / 8 * 8, r, pf = mamba__stream_pf(W->dtype, cols);
    size_t omp_work = (size_t)rows * (size_t)cols, ld = (size_t)cols, es = mamba__dtype_size(W->dtype);
    const char *base = (const char *)W->data;
    (void)omp_work;
    MAMBA__OMP_FOR
    for (r = 0; r < r8; r += 8) {
        const char *w = base + es * ld * (size_t)r;
        const char *next = pf && r + 16 <= rows ? w + es * ld * 8 : NULL;   /* within the matrix */
        if (W->dtype == MAMBA_DTYPE_F32) mamba__dot8_f32_v((const float *)(const void *)w, ld, x, cols, y + r, next);
        else if (W->dtype == MAMBA_DTYPE_F16) mamba__dot8_f16_v((const uint16_t *)(const void *)w, ld, x, cols, y + r, next);
        else mamba__dot8_bf16_v((const uint16_t *)(const void *)w, ld, x, cols, y + r, next);
    }
    r = r8;
    if (rows - r >= 4) {
        if (W->dtype == MAMBA_DTYPE_F32) mamba__dot4_f32_v((const float *)W->data + (size_t)r * ld, ld, x, cols, y + r);
        else if (W->dtype == MAMBA_DTYPE_F16) mamba__dot4_f16_v((const uint16_t *)W->data + (size_t)r * ld, ld, x, cols, y + r);
        else mamba__dot4_bf16_v((const uint16_t *)W->data + (size_t)r * ld, ld, x, cols, y + r);
        r += 4;
    }
    for (; r < rows; r++) {
        if (W->dtype == MAMBA_DTYPE_F32) y[r] = mamba__dot_f32_v((const float *)W->data + (size_t)r * ld, x, cols);
        else if (W->dtype == MAMBA_DTYPE_F16) y[r] = mamba__dot_f16_v((const uint16_t *)W->data + (size_t)r * ld, x, cols);
        else y[r] = mamba__dot_bf16_v((const uint16_t *)W->data + (size_t)r * ld, x, cols);
    }
    if (bias) for (r = 0; r < rows; r++) y[r] += bias[r];
}
/* ==== end of decode streaming ============================================== */

/* tokens [0, T) of mamba__matmul_v */
static void mamba__matmul_vt(float *Y, int ldy, const mamba__mat *W, const float *bias,
                             const float *X, int ldx, int T) {
    int rows = W->rows, cols = W->cols, r;
    size_t omp_work = (size_t)rows * (size_t)cols * (size_t)T, ld = (size_t)cols;
    (void)omp_work;
    MAMBA__OMP_FOR
    for (r = 0; r < rows; r += MAMBA__RT) {   /* issue 21: strips of MAMBA__RT rows, full tiles in registers */
        int nr = rows - r < MAMBA__RT ? rows - r : MAMBA__RT, t, k;
        if (nr == MAMBA__RT) mamba__rstrip(Y, ldy, W, X, ldx, T, r);   /* the full tiles */
        for (t = 0; t < T; t += 4) {
            int nt = T - t < 4 ? T - t : 4;
            if (nr == MAMBA__RT && nt == 4) continue;
            else if (W->dtype == MAMBA_DTYPE_F32) mamba__tile_f32(Y, ldy, (const float *)W->data + (size_t)r * ld, ld, X, ldx, cols, t, nt, r, nr);
            else if (W->dtype == MAMBA_DTYPE_F16) mamba__tile_f16(Y, ldy, (const uint16_t *)W->data + (size_t)r * ld, ld, X, ldx, cols, t, nt, r, nr);
            else mamba__tile_bf16(Y, ldy, (const uint16_t *)W->data + (size_t)r * ld, ld, X, ldx, cols, t, nt, r, nr);
        }
        if (bias)
            for (t = 0; t < T; t++)
                for (k = 0; k < nr; k++) Y[(size_t)t * ldy + r + k] += bias[r + k];
    }
}
/* Token super-blocks (issue 21): every strip of rows reads all the chunk's
   activations, so they should stay in L2 (2 MB a core on the machines
   measured) while the strips go by: the tokens run MAMBA__XB bytes of
   activations (1 MB) at a time, a multiple of 32 tokens and at least 32
   (64 tokens of 1.4b's out_proj, 4096 columns; 128 of its in_proj). Larger
   chunks then cost no more than the super-block size in the kernel. */
#ifndef MAMBA__XB
#define MAMBA__XB (1 << 20)
#endif
static void mamba__matmul_v(float *Y, int ldy, const mamba__mat *W, const float *bias,
                            const float *X, int ldx, int T) {
    int ts = (int)(MAMBA__XB / (4 * (size_t)(W->cols > 0 ? W->cols : 1))) / (4 * MAMBA__TB) * (4 * MAMBA__TB), t0;
    if (ts < 4 * MAMBA__TB) ts = 4 * MAMBA__TB;
    for (t0 = 0; t0 < T; t0 += ts)
        mamba__matmul_vt(Y + (size_t)t0 * ldy, ldy, W, bias, X + (size_t)t0 * ldx, ldx, T - t0 < ts ? T - t0 : ts);
}

#endif

/* ---- C.5 quantized dot products (every block type of the dtype table) ---
   As llama.cpp does: the activation vector is quantized once per matrix
   product into int8 blocks with an f32 scale (per 32 values for the 32-blocks,
   like Q8_0; per 256 for the K-quants, like Q8_K, with the sums of each 16),
   each weight block is dotted with it in int32 (exact), and the blocks'
   float results are combined in one fixed order that every path (scalar,
   AVX2, AVX-512 VNNI, NEON) follows operation for operation, so they agree
   bit for bit. Rounding x to int8 costs at most |x|max/254 per value, i.e.
   |dot - exact| <= sum over blocks of (amax_b / 254) * sum_j |w_j| plus f32
   rounding (tests/test_kernels.c checks this bound).
   Token layout (mamba__qact_bytes(n) bytes, 64-byte multiple): int8 q[n];
   float d[n/32] (scales: one per 32, or one per 256 for the K-quants);
   int32 s[n/16] (sums of q: per 32, or per 16 for the K-quants). */
typedef struct mamba__qact { const signed char *q; const float *d; const int32_t *s; } mamba__qact;
/* f16 -> f32 of a block scale: exact either way, F16C's instruction when there */
#if defined(MAMBA__SIMD) && defined(__F16C__) && (defined(__x86_64__) || defined(__i386__) || defined(_M_X64))
static float mamba__qf16(const unsigned char *b) { uint16_t h; memcpy(&h, b, 2); return _cvtsh_ss(h); }
#else
#define mamba__qf16 mamba__f16_at
#endif
/* A product that is then added (or subtracted) is passed through
   MAMBA__OPAQUE: an empty asm the compiler cannot see through, so it cannot
   fuse the two into one multiply-add. GCC does that in C++ and GNU C modes
   (-ffp-contract=fast) and may do it in one path and not in another; every
   float combination below is then rounded operation by operation as written,
   in every build, and all paths keep agreeing bit for bit. No instruction. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(_M_X64) || (defined(__i386__) && defined(__SSE2__)))
#define MAMBA__OPAQUE(v) __asm__("" : "+x"(v))
#elif defined(__GNUC__) && defined(__aarch64__)
#define MAMBA__OPAQUE(v) __asm__("" : "+w"(v))
#elif defined(__GNUC__)
#define MAMBA__OPAQUE(v) __asm__("" : "+m"(v))
#else
#define MAMBA__OPAQUE(v) ((void)0)
#endif
static size_t mamba__qact_bytes(size_t n) {
    size_t b = n + 4 * ((n + 31) / 32) + 4 * ((n + 15) / 16);
    return (b + 63) / 64 * 64;
}
static void mamba__qact_at(const unsigned char *buf, size_t n, mamba__qact *a) {
    a->q = (const signed char *)buf;
    a->d = (const float *)(const void *)(buf + n);
    a->s = (const int32_t *)(const void *)(buf + n + 4 * ((n + 31) / 32));
}
/* Quantizes n values (n a multiple of blk, 32 or 256): q = round(x / d),
   d = max|x| / 127 per block; NaN becomes 0, +-inf saturates. */
static void mamba__quantize_act(const float *x, int n, int blk, unsigned char *buf) {
    signed char *q = (signed char *)buf;
    float *dd = (float *)(void *)(buf + n);
    int32_t *s = (int32_t *)(void *)(buf + (size_t)n + 4 * (((size_t)n + 31) / 32));
    int b, i, sub = blk == MAMBA__QKK ? 16 : 32;
    for (b = 0; b < n; b += blk) {
        float amax = 0, d, id;
        for (i = 0; i < blk; i++) { float v = x[b + i] < 0 ? -x[b + i] : x[b + i]; if (v > amax) amax = v; }
        d = amax / 127.0f;
        id = d > 0 ? 1.0f / d : 0.0f;
        dd[b / blk] = d;
        for (i = 0; i < blk; i++) {
            float v = roundf(x[b + i] * id);
            q[b + i] = (signed char)(v >= -127.0f && v <= 127.0f ? (int)v : v > 0 ? 127 : v < 0 ? -127 : 0);
        }
    }
    for (b = 0; b < n; b += sub) {
        int32_t t = 0;
        for (i = 0; i < sub; i++) t += q[b + i];
        s[b / sub] = t;
    }
}

/* ---- the quantized dots' shared parts: float order, block walkers ---------
   Every path (scalar, AVX2, AVX-512 VNNI, NEON) computes the same exact
   int32 dots and combines them in one float order, operation for operation:
   32-blocks, per block k with the activation's dx = d[k], sx = s[k] (the sum
   of its 32 int8 values):
     Q8_0   isum = sum q*x                     p = (d*dx)*isum
     Q4_0   isum = sum q*x - 8 sx              p = (d*dx)*isum
     Q5_0   isum = sum q5*x - 16 sx            p = (d*dx)*isum
     IQ4_NL isum = sum kvalues[q]*x            p = (d*dx)*isum
     Q4_1 / Q5_1  isum = sum q*x               p = (d*dx)*isum + (m*dx)*sx
   and 8 blocks at a time are added as ((p0+p4)+(p2+p6)) + ((p1+p5)+(p3+p7))
   (mamba__qgroup), the groups in row order.
   256-blocks, per super-block with dx = d[i], s16 (the 16 sums of 16) and
   the integer dots t_j of its sub-blocks (mamba__qwalk256):
     Q2_K   A = sum_j sc_j t_j, B = sum_j m_j s16_j        (16 sub-blocks)
            r = (d*dx)*A - (dmin*dx)*B       (mamba__q4k_combine)
     Q3_K   A = sum_j (sc_j - 32) (t_j - 4 s16_j)          r = (d*dx)*A
     Q4_K / Q5_K  A = sum_j sc_j t_j, B = sum_j m_j (s16_2j + s16_2j+1)
            r = (d*dx)*A - (dmin*dx)*B       (8 sub-blocks of 32)
     Q6_K   A = sum_j sc_j (t_j - 32 s16_j)                r = (d*dx)*A
     IQ4_XS A = sum_j (ls_j - 32) t_j                      r = (d*dx)*A
   the super-blocks' r added in row order. |A| stays below 2^27 for all.
   The walkers below hold the loop over a row's blocks and the float
   combination once; each ISA supplies only the integer dot of one 32-block
   (mamba__isum32_*) or the sub-block dots of one super-block
   (mamba__subdots_*). A walker is inlined into one function per type and
   ISA (mamba__qdot_<type>_<isa>, MAMBA__QDOT_DEF), the dtype and the inner
   function constants in it; mamba__qdot_pick chooses one per matrix. */
/* always inlined (the walkers): their function-pointer argument becomes a
   direct, inlined call. MAMBA_NO_EXTRA_QUANTS (the smallest firmware image)
   leaves mamba__qgroup to the compiler: one copy, not one per type. */
#if defined(__GNUC__)
#define MAMBA__INLINE static inline __attribute__((always_inline))
#else
#define MAMBA__INLINE static inline
#endif
#if defined(__GNUC__)
#define MAMBA__NOINLINE __attribute__((noinline))
#else
#define MAMBA__NOINLINE
#endif
#ifdef MAMBA_NO_EXTRA_QUANTS
#define MAMBA__QGROUP_INLINE static
#else
#define MAMBA__QGROUP_INLINE MAMBA__INLINE
#endif
static float mamba__xq_p1(const unsigned char *b, float dx, int32_t isum) {
    float t = mamba__qf16(b) * dx;
    t = t * (float)isum;
    MAMBA__OPAQUE(t);
    return t;
}
static float mamba__xq_pm(const unsigned char *b, float dx, int32_t isum, int32_t sx) {
    float t1 = mamba__qf16(b) * dx, t2 = mamba__qf16(b + 2) * dx;
    t1 = t1 * (float)isum;
    t2 = t2 * (float)sx;
    MAMBA__OPAQUE(t1);
    MAMBA__OPAQUE(t2);
    return t1 + t2;
}
/* nb (<= 8) 32-blocks from block b0 with integer dots isum[]: the 8 p's above
   (0 past nb), added in their tree */
MAMBA__QGROUP_INLINE float mamba__qgroup(const unsigned char *w, mamba_dtype dt, const mamba__qact *a, int b0, int nb, const int32_t *isum) {
    float p[8];
    size_t bb = mamba__block_bytes(dt);
#ifdef MAMBA_NO_EXTRA_QUANTS
    const int has_m = 0;   /* Q4_1, Q5_1 are not read */
#else
    const int has_m = dt == MAMBA_DTYPE_Q4_1 || dt == MAMBA_DTYPE_Q5_1;
#endif
    int k;
    for (k = 0; k < 8; k++) {
        const unsigned char *b = w + (size_t)(b0 + k) * bb;
        if (k >= nb) { p[k] = 0.0f; continue; }
        p[k] = has_m ? mamba__xq_pm(b, a->d[b0 + k], isum[k], a->s[b0 + k]) : mamba__xq_p1(b, a->d[b0 + k], isum[k]);
    }
    return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
}
/* K-quant super-block combinations: (d*dx)*A - (dmin*dx)*B (Q2_K, Q4_K,
   Q5_K; b at d), (d*dx)*A (Q6_K) */
static float mamba__q4k_combine(const unsigned char *b, float dx, int32_t A, int32_t B) {
    float t1 = mamba__qf16(b) * dx, t2 = mamba__qf16(b + 2) * dx;
    t1 = t1 * (float)A;
    t2 = t2 * (float)B;
    MAMBA__OPAQUE(t1);
    MAMBA__OPAQUE(t2);
    return t1 - t2;
}
static float mamba__q6k_combine(const unsigned char *b, float dx, int32_t A) {
    float t = mamba__qf16(b + 208) * dx;
    t = t * (float)A;
    MAMBA__OPAQUE(t);
    return t;
}
static int32_t mamba__q4k_mins(const int *mn, const int32_t *s16) {
    int32_t B = 0;
    int j;
    for (j = 0; j < 8; j++) B += mn[j] * (s16[2 * j] + s16[2 * j + 1]);
    return B;
}
static int32_t mamba__q6k_offset(const unsigned char *b, const int32_t *s16) {
    int32_t t = 0;
    int j;
    for (j = 0; j < 16; j++) t += (signed char)b[192 + j] * s16[j];
    return 32 * t;
}
/* Q2_K's B = sum m_j s16_j; Q3_K's 4 * sum (sc_j - 32) s16_j */
static int32_t mamba__q2k_mins(const unsigned char *b, const int32_t *s16) {
    int32_t B = 0;
    int j;
    for (j = 0; j < 16; j++) B += (b[j] >> 4) * s16[j];
    return B;
}
static int32_t mamba__q3k_offset(const int *sc, const int32_t *s16) {
    int32_t t = 0;
    int j;
    for (j = 0; j < 16; j++) t += sc[j] * s16[j];
    return 4 * t;
}
typedef int32_t (*mamba__isum32_fn)(const unsigned char *b, mamba_dtype dt, const signed char *x, int32_t sx);
typedef void (*mamba__subdots_fn)(const unsigned char *b, mamba_dtype dt, const signed char *x, int32_t *t);
/* the dot of one row of nb blocks (32-blocks or super-blocks) */
typedef float (*mamba__qdot_fn)(const unsigned char *w, const mamba__qact *a, int nb);
/* blocks [b0, nb) of a 32-block row, 8 at a time (the vector paths' tails
   start at b0 > 0) */
MAMBA__INLINE float mamba__qwalk32(const unsigned char *w, mamba_dtype dt, const mamba__qact *a, int b0, int nb, mamba__isum32_fn isum32) {
    size_t bb = mamba__block_bytes(dt);
    float acc = 0.0f;
    int i, k;
    for (i = b0; i < nb; i += 8) {
        int32_t isum[8];
        int nk = nb - i < 8 ? nb - i : 8;
        for (k = 0; k < nk; k++) isum[k] = isum32(w + (size_t)(i + k) * bb, dt, a->q + (size_t)(i + k) * 32, a->s[i + k]);
        acc += mamba__qgroup(w, dt, a, i, nk, isum);
    }
    return acc;
}
/* the nsb super-blocks of a K-quant (or IQ4_XS) row */
MAMBA__INLINE float mamba__qwalk256(const unsigned char *w, mamba_dtype dt, const mamba__qact *a, int nsb, mamba__subdots_fn subdots) {
    size_t bb = mamba__block_bytes(dt);
    float acc = 0.0f;
    int i, j;
    for (i = 0; i < nsb; i++) {
        const unsigned char *b = w + (size_t)i * bb;
        const int32_t *s16 = a->s + (size_t)i * 16;
        float dx = a->d[i];
        int32_t t[16], A = 0;
        int sc[16], mn[8];
        subdots(b, dt, a->q + (size_t)i * MAMBA__QKK, t);
        switch (dt) {
        case MAMBA_DTYPE_Q2_K:
            for (j = 0; j < 16; j++) A += (b[j] & 0xF) * t[j];
            acc += mamba__q4k_combine(b + 80, dx, A, mamba__q2k_mins(b, s16));
            break;
        case MAMBA_DTYPE_Q3_K:
            mamba__q3k_scales(b + 96, sc);
            for (j = 0; j < 16; j++) A += sc[j] * t[j];
            acc += mamba__xq_p1(b + 108, dx, A - mamba__q3k_offset(sc, s16));
            break;
        case MAMBA_DTYPE_Q4_K: case MAMBA_DTYPE_Q5_K:
            mamba__q4k_unpack(b + 4, sc, mn);
            for (j = 0; j < 8; j++) A += sc[j] * t[j];
            acc += mamba__q4k_combine(b, dx, A, mamba__q4k_mins(mn, s16));
            break;
        case MAMBA_DTYPE_Q6_K:
            for (j = 0; j < 16; j++) A += (signed char)b[192 + j] * t[j];
            acc += mamba__q6k_combine(b, dx, A - mamba__q6k_offset(b, s16));
            break;
        default:   /* IQ4_XS */
            mamba__iq4xs_scales(b, sc);
            for (j = 0; j < 8; j++) A += sc[j] * t[j];
            acc += mamba__xq_p1(b, dx, A);
        }
    }
    return acc;
}
/* the block types: X(name, MAMBA_DTYPE_ suffix, values per block, isa);
   MAMBA_NO_EXTRA_QUANTS keeps the four the loaders then accept */
#define MAMBA__QTYPES_BASE(X, isa) X(q8_0, Q8_0, 32, isa) X(q4_0, Q4_0, 32, isa) X(q4_k, Q4_K, 256, isa) X(q6_k, Q6_K, 256, isa)
#define MAMBA__QTYPES_ALL(X, isa) MAMBA__QTYPES_BASE(X, isa) X(q4_1, Q4_1, 32, isa) X(q5_0, Q5_0, 32, isa) X(q5_1, Q5_1, 32, isa) \
    X(iq4_nl, IQ4_NL, 32, isa) X(q2_k, Q2_K, 256, isa) X(q3_k, Q3_K, 256, isa) X(q5_k, Q5_K, 256, isa) X(iq4_xs, IQ4_XS, 256, isa)
#ifdef MAMBA_NO_EXTRA_QUANTS
#define MAMBA__QTYPES(X, isa) MAMBA__QTYPES_BASE(X, isa)
#else
#define MAMBA__QTYPES(X, isa) MAMBA__QTYPES_ALL(X, isa)
#endif
/* mamba__qdot_<name>_<isa>: the walker of its block size, the ISA's inner dot */
#ifdef MAMBA_NO_EXTRA_QUANTS   /* the smallest image: Q8_0 and Q4_0 share one walker, the type tested per block */
#define MAMBA__QWALK_32(w, dt, a, nb, isa) mamba__qwalk32_any_##isa(w, dt, a, nb)
#define MAMBA__QWALK32_ANY(isa) MAMBA__NOINLINE static float mamba__qwalk32_any_##isa(const unsigned char *w, mamba_dtype dt, const mamba__qact *a, int nb) \
    { return mamba__qwalk32(w, dt, a, 0, nb, mamba__isum32_##isa); }
#else
#define MAMBA__QWALK_32(w, dt, a, nb, isa) mamba__qwalk32(w, dt, a, 0, nb, mamba__isum32_##isa)
#define MAMBA__QWALK32_ANY(isa)
#endif
#define MAMBA__QWALK_256(w, dt, a, nb, isa) mamba__qwalk256(w, dt, a, nb, mamba__subdots_##isa)
#define MAMBA__QDOT_DEF(name, T, K, isa) \
    static float mamba__qdot_##name##_##isa(const unsigned char *w, const mamba__qact *a, int nb) { return MAMBA__QWALK_##K(w, MAMBA_DTYPE_##T, a, nb, isa); }
#define MAMBA__QDOT_CASE(name, T, K, isa) case MAMBA_DTYPE_##T: return mamba__qdot_##name##_##isa;

/* ---- quantized dots, scalar: the integer dots of one block ---------------- */
/* one 32-block: its isum (above) */
static inline int32_t mamba__isum32_ref(const unsigned char *b, mamba_dtype dt, const signed char *x, int32_t sx) {
    int32_t t = 0;
    int j;
    switch (dt) {
    case MAMBA_DTYPE_Q8_0:
#if defined(__GNUC__) && !defined(__clang__) && (defined(__AVX512VNNI__) || defined(__AVXVNNI__))
        /* (q + 128) . x - 128 sx, the same int32: GCC 12 at -O2 -march=native
           with VNNI miscompiles the signed x signed loop below once the walker
           is inlined (seen on Sapphire Rapids: test_kernels' vector == scalar
           fails); unsigned x signed is the instruction's own form */
        for (j = 0; j < 32; j++) t += (b[2 + j] ^ 0x80) * x[j];
        return t - 128 * sx;
#else
        for (j = 0; j < 32; j++) t += (signed char)b[2 + j] * x[j];
        return t;
#endif
    case MAMBA_DTYPE_Q4_0:
        for (j = 0; j < 16; j++) t += (b[2 + j] & 0xF) * x[j] + (b[2 + j] >> 4) * x[j + 16];
        return t - 8 * sx;
    case MAMBA_DTYPE_IQ4_NL:
        for (j = 0; j < 16; j++) t += mamba__iq4nl_values[b[2 + j] & 0xF] * x[j] + mamba__iq4nl_values[b[2 + j] >> 4] * x[j + 16];
        return t;
    case MAMBA_DTYPE_Q4_1:
        for (j = 0; j < 16; j++) t += (b[4 + j] & 0xF) * x[j] + (b[4 + j] >> 4) * x[j + 16];
        return t;
    default: {   /* Q5_0, Q5_1 */
        const unsigned char *qh = b + (dt == MAMBA_DTYPE_Q5_1 ? 4 : 2), *qs = qh + 4;
        uint32_t h = (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
        for (j = 0; j < 16; j++)
            t += ((qs[j] & 0xF) | (int)((h >> j) & 1) << 4) * x[j] + ((qs[j] >> 4) | (int)((h >> (j + 16)) & 1) << 4) * x[j + 16];
        return dt == MAMBA_DTYPE_Q5_0 ? t - 16 * sx : t;
    }
    }
}
/* one super-block: t[j], the dot of sub-block j's integer values with x
   (16 of 16 values: Q2_K, Q3_K, Q6_K; 8 of 32: Q4_K, Q5_K, IQ4_XS) */
static inline void mamba__subdots_ref(const unsigned char *b, mamba_dtype dt, const signed char *x, int32_t *t) {
    int j, l, h;
    switch (dt) {
    case MAMBA_DTYPE_Q2_K: case MAMBA_DTYPE_Q3_K:
        for (j = 0; j < 16; j++) {   /* sub-block j: values 16j.., bits 2g of qs[32h + l0 + l] */
            const unsigned char *qs = b + (dt == MAMBA_DTYPE_Q3_K ? 32 : 16) + 32 * (j / 8) + 16 * (j & 1);
            const unsigned char *hm = b + 16 * (j & 1);
            int g = j % 8 / 2, hb = 4 * (j / 8) + g;
            int32_t s = 0;
            for (l = 0; l < 16; l++) {
                int q = (qs[l] >> (2 * g)) & 3;
                if (dt == MAMBA_DTYPE_Q3_K) q |= (hm[l] >> hb & 1) << 2;
                s += q * x[16 * j + l];
            }
            t[j] = s;
        }
        return;
    case MAMBA_DTYPE_Q4_K: case MAMBA_DTYPE_Q5_K:
        for (j = 0; j < 8; j++) {
            const unsigned char *qs = b + (dt == MAMBA_DTYPE_Q5_K ? 48 : 16) + 32 * (j / 2);
            int32_t s = 0;
            for (l = 0; l < 32; l++) {
                int q = qs[l] >> (4 * (j & 1)) & 0xF;
                if (dt == MAMBA_DTYPE_Q5_K) q |= (b[16 + l] >> j & 1) << 4;
                s += q * x[32 * j + l];
            }
            t[j] = s;
        }
        return;
    case MAMBA_DTYPE_Q6_K:
        memset(t, 0, 16 * sizeof *t);
        for (h = 0; h < 2; h++) {   /* value 128h + 32g + l is in sub-block 8h + 2g + l/16 */
            const unsigned char *ql = b + 64 * h, *qh = b + 128 + 32 * h;
            const signed char *xh = x + 128 * h;
            int32_t *th = t + 8 * h;
            for (l = 0; l < 32; l++) {
                th[l / 16] += ((ql[l] & 0xF) | (qh[l] & 3) << 4) * xh[l];
                th[2 + l / 16] += ((ql[l + 32] & 0xF) | (qh[l] >> 2 & 3) << 4) * xh[l + 32];
                th[4 + l / 16] += ((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) * xh[l + 64];
                th[6 + l / 16] += ((ql[l + 32] >> 4) | (qh[l] >> 6) << 4) * xh[l + 96];
            }
        }
        return;
    default:   /* IQ4_XS */
        for (j = 0; j < 8; j++) {
            const unsigned char *qs = b + 8 + 16 * j;
            int32_t s = 0;
            for (l = 0; l < 16; l++) s += mamba__iq4nl_values[qs[l] & 0xF] * x[32 * j + l] + mamba__iq4nl_values[qs[l] >> 4] * x[32 * j + 16 + l];
            t[j] = s;
        }
    }
}
MAMBA__QWALK32_ANY(ref)
MAMBA__QTYPES(MAMBA__QDOT_DEF, ref)
/* the scalar dot of a row of dtype dt (NULL: not a block type of this build) */
static mamba__qdot_fn mamba__qdot_pick_ref(mamba_dtype dt) {
    switch (dt) {
    MAMBA__QTYPES(MAMBA__QDOT_CASE, ref)
    default: return NULL;
    }
}
/* Row w (n values in dtype dt) dotted with the quantized activation, scalar
   (the tests' and benchmarks' oracle; the library picks once per matrix). */
MAMBA__UNUSED static float mamba__qdot_ref(const unsigned char *w, mamba_dtype dt, const mamba__qact *a, int n) {
    mamba__qdot_fn f = mamba__qdot_pick_ref(dt);
    return f ? f(w, a, n / mamba__block_elems(dt)) : 0.0f;
}

/* ---- quantized dot products, vector: integer dots in vector registers, the
   float combination exactly as mamba__qgroup / mamba__q*k_combine do it ---- */
#if defined(MAMBA__SIMD) && (defined(__x86_64__) || defined(__i386__) || defined(_M_X64)) && defined(__AVX2__) && defined(__F16C__)
#define MAMBA__QDOT_NAME "avx2"
/* signed x signed and unsigned x signed int8 dots, 4 products per int32 lane;
   AVX-512 VNNI (256-bit, EVEX) or AVX-VNNI when present, else maddubs+madd
   (no saturation: |pair| <= 2*128*127 for Q8_0, 2*63*127 for the others) */
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#undef MAMBA__QDOT_NAME
#define MAMBA__QDOT_NAME "avx512-vnni"
#define MAMBA__DPBUSD(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s)
#elif defined(__AVXVNNI__)
#undef MAMBA__QDOT_NAME
#define MAMBA__QDOT_NAME "avx-vnni"
#define MAMBA__DPBUSD(u, s) _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s)
#else
#define MAMBA__DPBUSD(u, s) _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
#endif
#define MAMBA__DOT_I8(w, x) MAMBA__DPBUSD(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w))
#define MAMBA__LOADI(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
static int32_t mamba__hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}
/* software prefetch of the weight stream MAMBA__QPF bytes ahead, one per line
   of the `len` bytes about to be read (rows are contiguous, so ahead of the
   end of one row is the next row) */
#ifndef MAMBA__QPF
#define MAMBA__QPF 4096
#endif
#define MAMBA__QPREFETCH(p, len) do { int pf_; for (pf_ = 0; pf_ < (len); pf_ += 64) _mm_prefetch((const char *)(p) + MAMBA__QPF + pf_, _MM_HINT_T0); } while (0)
static int mamba__u16(const unsigned char *p) { uint16_t h; memcpy(&h, p, 2); return h; }   /* any alignment */
/* 8 int32x8 block dots -> one int32x8 of the 8 block sums */
static __m256i mamba__sum8_i32(__m256i v0, __m256i v1, __m256i v2, __m256i v3, __m256i v4, __m256i v5, __m256i v6, __m256i v7) {
    __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
    __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(v4, v5), _mm256_hadd_epi32(v6, v7));
    return _mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20), _mm256_permute2x128_si256(h0, h1, 0x31));
}
/* (dw * dx) * isum for 8 blocks, added as ((p0+p4)+(p2+p6)) + ((p1+p5)+(p3+p7)):
   mamba__qgroup's operations, lane for lane */
static float mamba__group8_f32(const unsigned char *w, size_t bb, const float *dx, __m256i isum) {
    __m128i h = _mm_cvtsi32_si128(mamba__u16(w));
    __m256 p;
    __m128 lo;
    h = _mm_insert_epi16(h, mamba__u16(w + bb), 1);
    h = _mm_insert_epi16(h, mamba__u16(w + 2 * bb), 2);
    h = _mm_insert_epi16(h, mamba__u16(w + 3 * bb), 3);
    h = _mm_insert_epi16(h, mamba__u16(w + 4 * bb), 4);
    h = _mm_insert_epi16(h, mamba__u16(w + 5 * bb), 5);
    h = _mm_insert_epi16(h, mamba__u16(w + 6 * bb), 6);
    h = _mm_insert_epi16(h, mamba__u16(w + 7 * bb), 7);
    p = _mm256_mul_ps(_mm256_cvtph_ps(h), _mm256_loadu_ps(dx));
    p = _mm256_mul_ps(p, _mm256_cvtepi32_ps(isum));
    MAMBA__OPAQUE(p);
    lo = _mm_add_ps(_mm256_castps256_ps128(p), _mm256_extractf128_ps(p, 1));   /* p_i + p_{i+4} */
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));                                /* + lane i+2    */
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}
#define MAMBA__Q8B(k) MAMBA__DOT_I8(MAMBA__LOADI(w + (k) * 34 + 2), MAMBA__LOADI(x + 32 * (k)))
#define MAMBA__Q4B(k) MAMBA__DPBUSD(_mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(_mm_loadu_si128((const __m128i *)(const void *)(w + (k) * 18 + 2)), 4), \
                                    _mm_loadu_si128((const __m128i *)(const void *)(w + (k) * 18 + 2))), m4), MAMBA__LOADI(x + 32 * (k)))
static float mamba__qdot_q8_0_x86(const unsigned char *w, const mamba__qact *a, int nb) {
    float acc = 0.0f;
    int i;
    for (i = 0; i + 8 <= nb; i += 8, w += 8 * 34) {
        const signed char *x = a->q + (size_t)i * 32;
        __m256i isum;
        MAMBA__QPREFETCH(w, 8 * 34);
        isum = mamba__sum8_i32(MAMBA__Q8B(0), MAMBA__Q8B(1), MAMBA__Q8B(2), MAMBA__Q8B(3),
                                       MAMBA__Q8B(4), MAMBA__Q8B(5), MAMBA__Q8B(6), MAMBA__Q8B(7));
        acc += mamba__group8_f32(w, 34, a->d + i, isum);
    }
    if (i < nb) acc += mamba__qwalk32(w - (size_t)i * 34, MAMBA_DTYPE_Q8_0, a, i, nb, mamba__isum32_ref);
    return acc;
}
static float mamba__qdot_q4_0_x86(const unsigned char *w, const mamba__qact *a, int nb) {
    float acc = 0.0f;
    int i;
    __m256i m4 = _mm256_set1_epi8(0x0F);
    for (i = 0; i + 8 <= nb; i += 8, w += 8 * 18) {
        const signed char *x = a->q + (size_t)i * 32;
        __m256i isum;
        MAMBA__QPREFETCH(w, 8 * 18);
        isum = mamba__sum8_i32(MAMBA__Q4B(0), MAMBA__Q4B(1), MAMBA__Q4B(2), MAMBA__Q4B(3),
                                       MAMBA__Q4B(4), MAMBA__Q4B(5), MAMBA__Q4B(6), MAMBA__Q4B(7));
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(MAMBA__LOADI(a->s + i), 3));
        acc += mamba__group8_f32(w, 18, a->d + i, isum);
    }
    if (i < nb) acc += mamba__qwalk32(w - (size_t)i * 18, MAMBA_DTYPE_Q4_0, a, i, nb, mamba__isum32_ref);
    return acc;
}
/* int16 lane pairs of a 128-bit vector of 8 int16, broadcast: lane 2p in the
   low half, lane 2p+1 in the high half (p = 0..3), or lane p everywhere */
static __m256i mamba__bcast_pair16(__m256i v, int p) {
    char lo = (char)(4 * p), hi = (char)(4 * p + 2);
    return _mm256_shuffle_epi8(v, _mm256_setr_epi8(lo, (char)(lo + 1), lo, (char)(lo + 1), lo, (char)(lo + 1), lo, (char)(lo + 1),
                                                   lo, (char)(lo + 1), lo, (char)(lo + 1), lo, (char)(lo + 1), lo, (char)(lo + 1),
                                                   hi, (char)(hi + 1), hi, (char)(hi + 1), hi, (char)(hi + 1), hi, (char)(hi + 1),
                                                   hi, (char)(hi + 1), hi, (char)(hi + 1), hi, (char)(hi + 1), hi, (char)(hi + 1)));
}
static __m256i mamba__bcast16(__m256i v, int p) {
    char c = (char)(2 * p), d = (char)(2 * p + 1);
    return _mm256_shuffle_epi8(v, _mm256_setr_epi8(c, d, c, d, c, d, c, d, c, d, c, d, c, d, c, d,
                                                   c, d, c, d, c, d, c, d, c, d, c, d, c, d, c, d));
}
/* the 12 packed scale bytes of Q4_K / Q5_K -> 16 bytes: scales 0..7 in
   u[0..1], mins 0..7 in u[2..3] (mamba__q4k_unpack with 32-bit masks) */
MAMBA__INLINE void mamba__q4k_bytes(const unsigned char *q, uint32_t u[4]) {
    uint32_t t;
    memcpy(u, q, 12);
    u[3] = ((u[2] >> 4) & 0x0f0f0f0fu) | ((u[1] >> 6) & 0x03030303u) << 4;   /* mins 4..7 */
    t = u[1] & 0x3f3f3f3fu;                                                     /* mins 0..3 */
    u[1] = (u[2] & 0x0f0f0f0fu) | ((u[0] >> 6) & 0x03030303u) << 4;           /* scales 4..7 */
    u[2] = t;
    u[0] &= 0x3f3f3f3fu;                                                        /* scales 0..3 */
}
/* ... as scales (int16, the 8 scales in both halves) and mins (int32 x 8) */
static void mamba__q4k_unpack_v(const unsigned char *q, __m256i *scales, __m256i *mins) {
    uint32_t u[4];
    __m256i v;
    mamba__q4k_bytes(q, u);
    v = _mm256_cvtepu8_epi16(_mm_set_epi32((int)u[3], (int)u[2], (int)u[1], (int)u[0]));   /* 8 scales, 8 mins */
    *mins = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1));
    *scales = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(v));
}
/* Q4_K / Q5_K's B = sum of min_j * (s16[2j] + s16[2j+1]) (mamba__q4k_mins):
   hadd gives the pair sums in the order 0 1 4 5 | 2 3 6 7 */
static int32_t mamba__q4k_mins_v(__m256i mins, const int32_t *s16) {
    __m256i msum = _mm256_hadd_epi32(MAMBA__LOADI(s16), MAMBA__LOADI(s16 + 8));
    return mamba__hsum_i32(_mm256_mullo_epi32(msum, _mm256_permutevar8x32_epi32(mins, _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7))));
}
static float mamba__qdot_q4_k_x86(const unsigned char *b, const mamba__qact *a, int nsb) {
    float acc = 0.0f;
    int i, j;
    __m256i m4 = _mm256_set1_epi8(0x0F);
    for (i = 0; i < nsb; i++, b += 144) {
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        const int32_t *s16 = a->s + (size_t)i * 16;
        MAMBA__QPREFETCH(b, 144);
        __m256i s = _mm256_setzero_si256(), scales, mins;
        mamba__q4k_unpack_v(b + 4, &scales, &mins);
        for (j = 0; j < 4; j++) {
            __m256i q = MAMBA__LOADI(b + 16 + 32 * j);
            __m256i p0 = _mm256_maddubs_epi16(_mm256_and_si256(q, m4), MAMBA__LOADI(x + 64 * j));
            __m256i p1 = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), MAMBA__LOADI(x + 64 * j + 32));
            s = _mm256_add_epi32(s, _mm256_madd_epi16(p0, mamba__bcast16(scales, 2 * j)));
            s = _mm256_add_epi32(s, _mm256_madd_epi16(p1, mamba__bcast16(scales, 2 * j + 1)));
        }
        acc += mamba__q4k_combine(b, a->d[i], mamba__hsum_i32(s), mamba__q4k_mins_v(mins, s16));
    }
    return acc;
}
/* the scaled sub-block dots of one Q6_K super-block (6-bit values 0..63,
   without the -32) in int32 lanes: the one-row and the 4-row AVX2 kernels */
MAMBA__INLINE __m256i mamba__q6k_dots_x86(const unsigned char *b, const signed char *x) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(0x03), m30 = _mm256_set1_epi8(0x30);
    __m128i sc8 = _mm_loadu_si128((const __m128i *)(const void *)(b + 192));
    __m256i s = _mm256_setzero_si256();
    int j;
    for (j = 0; j < 2; j++) {
        __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(j ? _mm_srli_si128(sc8, 8) : sc8));
        __m256i qa = MAMBA__LOADI(b + 64 * j), qb = MAMBA__LOADI(b + 64 * j + 32), qh = MAMBA__LOADI(b + 128 + 32 * j);
        __m256i q0 = _mm256_or_si256(_mm256_and_si256(qa, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m3), 4));
        __m256i q1 = _mm256_or_si256(_mm256_and_si256(qb, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
        __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qa, 4), m4), _mm256_and_si256(qh, m30));
        __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qb, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
        const signed char *xj = x + 128 * j;
        s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q0, MAMBA__LOADI(xj)), mamba__bcast_pair16(sc, 0)));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q1, MAMBA__LOADI(xj + 32)), mamba__bcast_pair16(sc, 1)));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q2, MAMBA__LOADI(xj + 64)), mamba__bcast_pair16(sc, 2)));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q3, MAMBA__LOADI(xj + 96)), mamba__bcast_pair16(sc, 3)));
    }
    return s;
}
static float mamba__qdot_q6_k_x86(const unsigned char *b, const mamba__qact *a, int nsb) {
    float acc = 0.0f;
    int i;
    for (i = 0; i < nsb; i++, b += 210) {
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        const int32_t *s16 = a->s + (size_t)i * 16;
        MAMBA__QPREFETCH(b, 210);
        __m128i sc8 = _mm_loadu_si128((const __m128i *)(const void *)(b + 192));
        /* the -32: 32 * sum of scale_j * s16[j] */
        __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvtepi8_epi32(sc8), MAMBA__LOADI(s16)),
                                       _mm256_mullo_epi32(_mm256_cvtepi8_epi32(_mm_srli_si128(sc8, 8)), MAMBA__LOADI(s16 + 8)));
        acc += mamba__q6k_combine(b, a->d[i], mamba__hsum_i32(_mm256_sub_epi32(mamba__q6k_dots_x86(b, x), _mm256_slli_epi32(off, 5))));
    }
    return acc;
}
/* ---- quantized dots of the block types of issue 19, AVX2 (+VNNI): integer
   dots in vector registers (exact, so any summation order gives the same
   int32), then the float combination of the scalar twin: the very same
   functions (mamba__qgroup, mamba__q4k_combine, ...) or mamba__group8_f32,
   its lane-for-lane mirror ---------------------------------------------------- */
/* 32 bits -> 32 bytes, byte j = 0x10 if bit j is set, else 0 */
static __m256i mamba__bits32_x10(uint32_t h) {
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h), _mm256_setr_epi64x(0, 0x0101010101010101LL, 0x0202020202020202LL, 0x0303030303030303LL));
    __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit), _mm256_set1_epi8(0x10));
}
static uint32_t mamba__u32le(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
/* the 32 nibbles of 16 bytes as 32 bytes, low nibbles first */
static __m256i mamba__nib32(const unsigned char *qs) {
    __m128i q = _mm_loadu_si128((const __m128i *)(const void *)qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(0x0F));
}
/* int32x8 whose lanes add up to the block's isum (without Q5_0's -16 sx) */
static inline __m256i mamba__xq_block_x86(const unsigned char *b, mamba_dtype dt, const signed char *x) {
    __m256i xv = MAMBA__LOADI(x);
    if (dt == MAMBA_DTYPE_IQ4_NL) {
        __m256i tab = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)mamba__iq4nl_values));
        __m256i w = _mm256_shuffle_epi8(tab, mamba__nib32(b + 2));
        return MAMBA__DOT_I8(w, xv);
    }
    if (dt == MAMBA_DTYPE_Q4_1) return MAMBA__DPBUSD(mamba__nib32(b + 4), xv);
    {
        const unsigned char *qh = b + (dt == MAMBA_DTYPE_Q5_1 ? 4 : 2);
        return MAMBA__DPBUSD(_mm256_or_si256(mamba__nib32(qh + 4), mamba__bits32_x10(mamba__u32le(qh))), xv);
    }
}
/* (d*dx)*isum + (m*dx)*sx for 8 blocks, added as mamba__qgroup does: its
   operations lane for lane (the reduction tree of mamba__group8_f32) */
static float mamba__group8m_f32(const unsigned char *w, size_t bb, const float *dx, __m256i isum, __m256i sx) {
    __m128i hd = _mm_cvtsi32_si128(mamba__u16(w)), hm = _mm_cvtsi32_si128(mamba__u16(w + 2));
    __m256 vdx = _mm256_loadu_ps(dx), t1, t2, p;
    __m128 lo;
    hd = _mm_insert_epi16(hd, mamba__u16(w + bb), 1); hm = _mm_insert_epi16(hm, mamba__u16(w + bb + 2), 1);
    hd = _mm_insert_epi16(hd, mamba__u16(w + 2 * bb), 2); hm = _mm_insert_epi16(hm, mamba__u16(w + 2 * bb + 2), 2);
    hd = _mm_insert_epi16(hd, mamba__u16(w + 3 * bb), 3); hm = _mm_insert_epi16(hm, mamba__u16(w + 3 * bb + 2), 3);
    hd = _mm_insert_epi16(hd, mamba__u16(w + 4 * bb), 4); hm = _mm_insert_epi16(hm, mamba__u16(w + 4 * bb + 2), 4);
    hd = _mm_insert_epi16(hd, mamba__u16(w + 5 * bb), 5); hm = _mm_insert_epi16(hm, mamba__u16(w + 5 * bb + 2), 5);
    hd = _mm_insert_epi16(hd, mamba__u16(w + 6 * bb), 6); hm = _mm_insert_epi16(hm, mamba__u16(w + 6 * bb + 2), 6);
    hd = _mm_insert_epi16(hd, mamba__u16(w + 7 * bb), 7); hm = _mm_insert_epi16(hm, mamba__u16(w + 7 * bb + 2), 7);
    t1 = _mm256_mul_ps(_mm256_cvtph_ps(hd), vdx);
    t2 = _mm256_mul_ps(_mm256_cvtph_ps(hm), vdx);
    t1 = _mm256_mul_ps(t1, _mm256_cvtepi32_ps(isum));
    t2 = _mm256_mul_ps(t2, _mm256_cvtepi32_ps(sx));
    MAMBA__OPAQUE(t1);
    MAMBA__OPAQUE(t2);
    p = _mm256_add_ps(t1, t2);
    lo = _mm_add_ps(_mm256_castps256_ps128(p), _mm256_extractf128_ps(p, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}
/* one function per 32-block type, the type a constant inside */
#define MAMBA__XQ_DOT32(fname, DT, BB)                                                                                          \
static float fname(const unsigned char *w, const mamba__qact *a, int nb) {                                                    \
    float acc = 0.0f;                                                                                                         \
    const size_t bb = BB;                                                                                                     \
    int i;                                                                                                                    \
    for (i = 0; i + 8 <= nb; i += 8) {                                                                                        \
        const unsigned char *b = w + (size_t)i * bb;                                                                          \
        const signed char *x = a->q + (size_t)i * 32;                                                                         \
        __m256i isum;                                                                                                         \
        MAMBA__QPREFETCH(b, 8 * (int)bb);                                                                                     \
        isum = mamba__sum8_i32(mamba__xq_block_x86(b, DT, x), mamba__xq_block_x86(b + bb, DT, x + 32),                        \
                               mamba__xq_block_x86(b + 2 * bb, DT, x + 64), mamba__xq_block_x86(b + 3 * bb, DT, x + 96),      \
                               mamba__xq_block_x86(b + 4 * bb, DT, x + 128), mamba__xq_block_x86(b + 5 * bb, DT, x + 160),    \
                               mamba__xq_block_x86(b + 6 * bb, DT, x + 192), mamba__xq_block_x86(b + 7 * bb, DT, x + 224));   \
        if (DT == MAMBA_DTYPE_Q5_0) isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(MAMBA__LOADI(a->s + i), 4));             \
        if (DT == MAMBA_DTYPE_Q4_1 || DT == MAMBA_DTYPE_Q5_1) acc += mamba__group8m_f32(b, bb, a->d + i, isum, MAMBA__LOADI(a->s + i)); \
        else acc += mamba__group8_f32(b, bb, a->d + i, isum);                                                                 \
    }                                                                                                                         \
    if (i < nb) acc += mamba__qwalk32(w, DT, a, i, nb, mamba__isum32_ref);                                                \
    return acc;                                                                                                               \
}
MAMBA__XQ_DOT32(mamba__qdot_q4_1_x86, MAMBA_DTYPE_Q4_1, 20)
MAMBA__XQ_DOT32(mamba__qdot_q5_0_x86, MAMBA_DTYPE_Q5_0, 22)
MAMBA__XQ_DOT32(mamba__qdot_q5_1_x86, MAMBA_DTYPE_Q5_1, 24)
MAMBA__XQ_DOT32(mamba__qdot_iq4_nl_x86, MAMBA_DTYPE_IQ4_NL, 18)
#undef MAMBA__XQ_DOT32
/* Q2_K / Q3_K: 16 sub-blocks of 16, int16 scales in vector lanes */
#define MAMBA__Q23_STEP(j, DT) {                                                                                                  \
    __m256i q_ = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * (j)), m3);                                                        \
    if (DT == MAMBA_DTYPE_Q3_K) q_ = _mm256_or_si256(q_, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + (j)), one), 2)); \
    s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q_, MAMBA__LOADI(x + 128 * h + 32 * (j))), mamba__bcast_pair16(sch, j))); }
#define MAMBA__XQ_DOT23(fname, DT, BB)                                                                                          \
static float fname(const unsigned char *w, const mamba__qact *a, int nsb) {                                                   \
    float acc = 0.0f;                                                                                                         \
    const size_t bb = BB;                                                                                                     \
    int i, h;                                                                                                                 \
    __m256i m3 = _mm256_set1_epi8(0x03), one = _mm256_set1_epi8(0x01);                                                        \
    for (i = 0; i < nsb; i++) {                                                                                               \
        const unsigned char *b = w + (size_t)i * bb;                                                                          \
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;                                                                 \
        const int32_t *s16 = a->s + (size_t)i * 16;                                                                           \
        __m256i s = _mm256_setzero_si256(), scv, hm = _mm256_setzero_si256();                                                 \
        __m128i sc8;                                                                                                          \
        MAMBA__QPREFETCH(b, (int)bb);                                                                                         \
        if (DT == MAMBA_DTYPE_Q3_K) {   /* the 16 six-bit scales - 32, as mamba__q3k_scales (ggml's aux trick) */             \
            uint32_t u[4], t;                                                                                                 \
            memcpy(u, b + 96, 12);                                                                                            \
            t = u[2];                                                                                                         \
            u[2] = ((u[0] >> 4) & 0x0f0f0f0fu) | (((t >> 4) & 0x03030303u) << 4);                                             \
            u[3] = ((u[1] >> 4) & 0x0f0f0f0fu) | (((t >> 6) & 0x03030303u) << 4);                                             \
            u[0] = (u[0] & 0x0f0f0f0fu) | (((t >> 0) & 0x03030303u) << 4);                                                    \
            u[1] = (u[1] & 0x0f0f0f0fu) | (((t >> 2) & 0x03030303u) << 4);                                                    \
            sc8 = _mm_sub_epi8(_mm_set_epi32((int)u[3], (int)u[2], (int)u[1], (int)u[0]), _mm_set1_epi8(32));                 \
            scv = _mm256_cvtepi8_epi16(sc8);                                                                                  \
            hm = MAMBA__LOADI(b);                                                                                             \
        } else {                                                                                                              \
            sc8 = _mm_loadu_si128((const __m128i *)(const void *)b);                                                          \
            scv = _mm256_cvtepu8_epi16(_mm_and_si128(sc8, _mm_set1_epi8(0x0F)));                                              \
        }                                                                                                                     \
        for (h = 0; h < 2; h++) {                                                                                             \
            __m256i qs = MAMBA__LOADI(b + (DT == MAMBA_DTYPE_Q3_K ? 32 : 16) + 32 * h);                                       \
            __m256i sch = h ? _mm256_permute4x64_epi64(scv, 0xEE) : _mm256_permute4x64_epi64(scv, 0x44);                      \
            /* values 128h + 32j + l: sub-blocks 8h + 2j (l < 16), 8h + 2j + 1; j unrolled (constant shuffles) */          \
            MAMBA__Q23_STEP(0, DT) MAMBA__Q23_STEP(1, DT) MAMBA__Q23_STEP(2, DT) MAMBA__Q23_STEP(3, DT)                                       \
        }                                                                                                                     \
        if (DT == MAMBA_DTYPE_Q2_K) {   /* B = sum m_j s16_j */                                                               \
            __m128i mn = _mm_and_si128(_mm_srli_epi16(sc8, 4), _mm_set1_epi8(0x0F));                                          \
            __m256i B = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvtepu8_epi32(mn), MAMBA__LOADI(s16)),                     \
                                         _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(mn, 8)), MAMBA__LOADI(s16 + 8))); \
            acc += mamba__q4k_combine(b + 80, a->d[i], mamba__hsum_i32(s), mamba__hsum_i32(B));                             \
        } else {   /* the -4: 4 * sum (sc_j - 32) s16_j */                                                                    \
            __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvtepi8_epi32(sc8), MAMBA__LOADI(s16)),                  \
                                           _mm256_mullo_epi32(_mm256_cvtepi8_epi32(_mm_srli_si128(sc8, 8)), MAMBA__LOADI(s16 + 8))); \
            acc += mamba__xq_p1(b + 108, a->d[i], mamba__hsum_i32(_mm256_sub_epi32(s, _mm256_slli_epi32(off, 2))));           \
        }                                                                                                                     \
    }                                                                                                                         \
    return acc;                                                                                                               \
}
MAMBA__XQ_DOT23(mamba__qdot_q2_k_x86, MAMBA_DTYPE_Q2_K, 84)
MAMBA__XQ_DOT23(mamba__qdot_q3_k_x86, MAMBA_DTYPE_Q3_K, 110)
#undef MAMBA__XQ_DOT23
#undef MAMBA__Q23_STEP
static float mamba__qdot_q5_k_x86(const unsigned char *w, const mamba__qact *a, int nsb) {
    float acc = 0.0f;
    int i;
    __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(0x01);
    for (i = 0; i < nsb; i++) {
        const unsigned char *b = w + (size_t)i * 176;
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        const int32_t *s16 = a->s + (size_t)i * 16;
        __m256i s = _mm256_setzero_si256(), scales, mins, qh = MAMBA__LOADI(b + 16);
        MAMBA__QPREFETCH(b, 176);
        mamba__q4k_unpack_v(b + 4, &scales, &mins);
#define MAMBA__Q5K_STEP(j) {                                                                                                          \
            __m256i q_ = MAMBA__LOADI(b + 48 + 32 * (j));                                                                             \
            __m256i q0_ = _mm256_or_si256(_mm256_and_si256(q_, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * (j)), one), 4)); \
            __m256i q1_ = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q_, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * (j) + 1), one), 4)); \
            s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q0_, MAMBA__LOADI(x + 64 * (j))), mamba__bcast16(scales, 2 * (j)))); \
            s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(q1_, MAMBA__LOADI(x + 64 * (j) + 32)), mamba__bcast16(scales, 2 * (j) + 1))); }
        MAMBA__Q5K_STEP(0) MAMBA__Q5K_STEP(1) MAMBA__Q5K_STEP(2) MAMBA__Q5K_STEP(3)
#undef MAMBA__Q5K_STEP
        acc += mamba__q4k_combine(b, a->d[i], mamba__hsum_i32(s), mamba__q4k_mins_v(mins, s16));
    }
    return acc;
}
static float mamba__qdot_iq4_xs_x86(const unsigned char *w, const mamba__qact *a, int nsb) {
    float acc = 0.0f;
    int i, j;
    __m256i tab = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)mamba__iq4nl_values));
    for (i = 0; i < nsb; i++) {
        const unsigned char *b = w + (size_t)i * 136;
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        __m256i s = _mm256_setzero_si256();
        int sc[8];
        MAMBA__QPREFETCH(b, 136);
        mamba__iq4xs_scales(b, sc);
        for (j = 0; j < 8; j++) {   /* |v| <= 127: maddubs pairs <= 32258, times |scale| <= 32 */
            __m256i v = _mm256_shuffle_epi8(tab, mamba__nib32(b + 8 + 16 * j)), xv = MAMBA__LOADI(x + 32 * j);
            __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(v, v), _mm256_sign_epi8(xv, v));
            s = _mm256_add_epi32(s, _mm256_madd_epi16(p, _mm256_set1_epi16((short)sc[j])));
        }
        acc += mamba__xq_p1(b, a->d[i], mamba__hsum_i32(s));
    }
    return acc;
}
/* ---- end of the AVX2 dots of issue 19 ---- */
/* ==== quantized matrix-vector product, 4 rows in flight (issue 21, qdecode) ====
   Decode's T = 1 product for Q8_0 / Q4_0 / Q4_K / Q6_K (and Q5_0 / Q5_K with
   AVX-512 VBMI + VNNI, whose Q4_0 / Q4_K kernels are 512-bit: qdecode3): one call computes 4
   consecutive rows (stride rb). Each row's integer dots are exact (any order
   gives the same int32), and the 4 rows' float combinations run in the 4
   lanes of one vector (lane r is row r), operation for operation as
   mamba__qgroup / mamba__q4k_combine / mamba__q6k_combine and the `acc +=`
   chain of mamba__qdot_ref, so each row equals mamba__qdot_ref bit for bit
   (tests/test_kernels.c, test_qrows). The 4 rows share the activation loads,
   one horizontal-sum tree, the scale conversions and one vector add per
   group (or super-block) for the 4 serial chains. Q4_0's nibbles come from a
   128-bit broadcast load and a per-half shift (no cross-lane insert); Q4_K's
   packed 6-bit scales are unpacked in a vector register. */
#if defined(__GNUC__)
#define MAMBA__QINLINE inline __attribute__((always_inline))
#else
#define MAMBA__QINLINE inline
#endif
/* prefetch distance of the 4-row kernels: the same bytes of the rows
   MAMBA__QPF4 groups of 4 ahead (rows are contiguous); prefetched once per
   64-byte step of the bytes about to be read */
#ifndef MAMBA__QPF4
#define MAMBA__QPF4 2
#endif
static size_t mamba__qpf4(size_t rb) { return (size_t)MAMBA__QPF4 * 4 * rb; }
#define MAMBA__QPREFETCH4(p, len) do { int pf_; for (pf_ = 0; pf_ < (len); pf_ += 64) _mm_prefetch((const char *)(p) + pf_, _MM_HINT_T0); } while (0)
/* lane r = the sum of the 8 int32 lanes of v_r (exact) */
static MAMBA__QINLINE __m128i mamba__hsum4_i32(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
    __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}
/* 4 rows' block products p_r -> lane r = ((p0+p4)+(p2+p6)) + ((p1+p5)+(p3+p7))
   of p_r, each add as mamba__group8_f32 does it (same operands, same order) */
static MAMBA__QINLINE __m128 mamba__fsum8x4(__m256 p0, __m256 p1, __m256 p2, __m256 p3) {
    __m128 q0 = _mm_add_ps(_mm256_castps256_ps128(p0), _mm256_extractf128_ps(p0, 1));   /* p_i + p_{i+4} */
    __m128 q1 = _mm_add_ps(_mm256_castps256_ps128(p1), _mm256_extractf128_ps(p1, 1));
    __m128 q2 = _mm_add_ps(_mm256_castps256_ps128(p2), _mm256_extractf128_ps(p2, 1));
    __m128 q3 = _mm_add_ps(_mm256_castps256_ps128(p3), _mm256_extractf128_ps(p3, 1));
    __m128 a = _mm_unpacklo_ps(q0, q1), b = _mm_unpackhi_ps(q0, q1), c = _mm_unpacklo_ps(q2, q3), d = _mm_unpackhi_ps(q2, q3);
    __m128 t0 = _mm_movelh_ps(a, c), t1 = _mm_movehl_ps(c, a), t2 = _mm_movelh_ps(b, d), t3 = _mm_movehl_ps(d, b);   /* t_k lane r = q_r[k] */
    return _mm_add_ps(_mm_add_ps(t0, t2), _mm_add_ps(t1, t3));
}
/* the 8 f16 block scales of a group of 8 blocks of bb bytes (a 512-bit
   AVX-512BW word permute measured slower: the 512-bit uops take port 1 from
   the 256-bit rest; the 256-bit one is faster for Q4_0) */
static MAMBA__QINLINE __m128i mamba__qscales8(const unsigned char *w, size_t bb) {
    __m128i h;
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    if (bb == 18) {   /* 256-bit word permutes of bytes 0..127 (words 9k): no port-5 inserts */
        const __m256i i0 = _mm256_setr_epi16(0, 9, 18, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        const __m256i i1 = _mm256_setr_epi16(0, 0, 0, 0, 4, 13, 22, 31, 0, 0, 0, 0, 0, 0, 0, 0);
        __m256i v0 = _mm256_permutex2var_epi16(MAMBA__LOADI(w), i0, MAMBA__LOADI(w + 32));
        __m256i v1 = _mm256_permutex2var_epi16(MAMBA__LOADI(w + 64), i1, MAMBA__LOADI(w + 96));
        return _mm256_castsi256_si128(_mm256_mask_blend_epi16(0xF0, v0, v1));
    }
    /* Q8_0 (bb 34) the same way (4 permutes, 3 blends) measured slower: 84.7 -> 92 us */
#endif
    h = _mm_cvtsi32_si128(mamba__u16(w));
    h = _mm_insert_epi16(h, mamba__u16(w + bb), 1);
    h = _mm_insert_epi16(h, mamba__u16(w + 2 * bb), 2);
    h = _mm_insert_epi16(h, mamba__u16(w + 3 * bb), 3);
    h = _mm_insert_epi16(h, mamba__u16(w + 4 * bb), 4);
    h = _mm_insert_epi16(h, mamba__u16(w + 5 * bb), 5);
    h = _mm_insert_epi16(h, mamba__u16(w + 6 * bb), 6);
    return _mm_insert_epi16(h, mamba__u16(w + 7 * bb), 7);
}
/* (dw * dx) * isum of 8 blocks: mamba__qgroup's products */
static MAMBA__QINLINE __m256 mamba__qgroup_p(const unsigned char *w, size_t bb, __m256 dx, __m256i isum) {
    __m256 p = _mm256_mul_ps(_mm256_cvtph_ps(mamba__qscales8(w, bb)), dx);
    p = _mm256_mul_ps(p, _mm256_cvtepi32_ps(isum));
    MAMBA__OPAQUE(p);
    return p;
}
/* the f16 at byte off of 4 rows -> 4 floats */
static MAMBA__QINLINE __m128 mamba__qf16x4(const unsigned char *w, size_t rb, size_t off) {
    __m128i h = _mm_cvtsi32_si128(mamba__u16(w + off));
    h = _mm_insert_epi16(h, mamba__u16(w + rb + off), 1);
    h = _mm_insert_epi16(h, mamba__u16(w + 2 * rb + off), 2);
    h = _mm_insert_epi16(h, mamba__u16(w + 3 * rb + off), 3);
    return _mm_cvtph_ps(h);
}
/* The 32-block rows' last partial group (nb % 8 blocks; all of a row of fewer
   than 8, as the 1.4b shape's dt_proj, 4 blocks), for the 256-bit kernels
   (the 512-bit one reads it with masks instead). Its blocks of the 4 rows
   and of the activation are copied into 8-block buffers of zero bytes, and
   the kernel's own group loop runs once on them. A zero block has d = dx = +0
   and isum = 0 (x = 0, sum x = 0), so its p = (0 * 0) * 0 = +0, the value
   mamba__qgroup puts past nb: the same tree, the same bits as the scalar
   walker this replaces (issue 21: that tail took 7 % of the 1.4b Q4_0 decode
   at 2 threads). bb is a constant at each call, so the copies are a few
   vector moves, not library calls. */
typedef __m128 (*mamba__qgroups4_fn)(__m128 acc, const unsigned char *w, size_t rb, const mamba__qact *a, int nb);
static MAMBA__QINLINE void mamba__qdot4_run32(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb, const size_t bb,
                                              mamba__qgroups4_fn groups) {
    __m128 acc = groups(_mm_setzero_ps(), w, rb, a, nb);
    int i = nb / 8 * 8, n = nb - i, r, k;
    if (n > 0) {
        unsigned char pw[4 * 8 * 34];   /* 4 rows x 8 blocks of at most Q8_0's 34 bytes */
        signed char pq[8 * 32];
        float pd[8];
        int32_t ps[8];
        mamba__qact pa;
        memset(pw, 0, 4 * 8 * bb);
        memset(pq, 0, sizeof pq);
        for (r = 0; r < 4; r++)
            for (k = 0; k < n; k++) memcpy(pw + (size_t)r * 8 * bb + (size_t)k * bb, w + (size_t)r * rb + (size_t)(i + k) * bb, bb);
        for (k = 0; k < 8; k++) {
            if (k < n) memcpy(pq + 32 * k, a->q + (size_t)(i + k) * 32, 32);
            pd[k] = k < n ? a->d[i + k] : 0.0f;
            ps[k] = k < n ? a->s[i + k] : 0;
        }
        pa.q = pq; pa.d = pd; pa.s = ps;
        acc = groups(acc, pw, 8 * bb, &pa, 8);
    }
    _mm_storeu_ps(y, acc);
}
/* Q4_0, 8 blocks of one row: blocks 2p and 2p+1 in the two halves of one
   vector (their 16 nibble bytes: two loads, no shuffle port), the halves'
   low nibbles against xl[p] = [x_2p 0..15 | x_2p+1 0..15], the high ones
   against xh[p] (the 16..31); 4 vectors of [block 2p | block 2p+1] lanes,
   3 hadds to [b0 b2 b4 b6 | b1 b3 b5 b7], one permute to block order */
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define MAMBA__DPBUSD_ACC(c, u, s) _mm256_dpbusd_epi32(c, u, s)
#elif defined(__AVXVNNI__)
#define MAMBA__DPBUSD_ACC(c, u, s) _mm256_dpbusd_avx_epi32(c, u, s)
#else
#define MAMBA__DPBUSD_ACC(c, u, s) _mm256_add_epi32(c, MAMBA__DPBUSD(u, s))
#endif
#define MAMBA__Q4PAIR(p) MAMBA__DPBUSD_ACC(MAMBA__DPBUSD(_mm256_and_si256(v##p, m4), xl[p]), _mm256_and_si256(_mm256_srli_epi16(v##p, 4), m4), xh[p])
#define MAMBA__Q4LD(p) _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(b + 36 * (p) + 2))), \
                                               _mm_loadu_si128((const __m128i *)(const void *)(b + 36 * (p) + 20)), 1)
static MAMBA__QINLINE __m256 mamba__q4_0_g8(const unsigned char *b, const __m256i *xl, const __m256i *xh, __m256 dx, __m256i s8, size_t pf) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256i v0 = MAMBA__Q4LD(0), v1 = MAMBA__Q4LD(1), v2 = MAMBA__Q4LD(2), v3 = MAMBA__Q4LD(3), isum;
    MAMBA__QPREFETCH4(b + pf, 8 * 18);
    isum = _mm256_hadd_epi32(_mm256_hadd_epi32(MAMBA__Q4PAIR(0), MAMBA__Q4PAIR(1)), _mm256_hadd_epi32(MAMBA__Q4PAIR(2), MAMBA__Q4PAIR(3)));
    isum = _mm256_permutevar8x32_epi32(isum, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    return mamba__qgroup_p(b, 18, dx, _mm256_sub_epi32(isum, s8));
}
#undef MAMBA__Q4PAIR
#undef MAMBA__Q4LD
/* Q8_0, 8 blocks of one row; s128 = 128 * the blocks' sums of x. With VNNI
   (no maddubs saturation) the weights are made unsigned with ^0x80 and the
   exact 128 * sum(x) taken off: one xor per block instead of two signs */
#if (defined(__AVX512VNNI__) && defined(__AVX512VL__)) || defined(__AVXVNNI__)
#define MAMBA__Q8BU(k) MAMBA__DPBUSD(_mm256_xor_si256(MAMBA__LOADI(w + (k) * 34 + 2), _mm256_set1_epi8((char)0x80)), MAMBA__LOADI(x + 32 * (k)))
#else
#define MAMBA__Q8BU(k) MAMBA__Q8B(k)
#endif
static MAMBA__QINLINE __m256 mamba__q8_0_g8(const unsigned char *w, const signed char *x, __m256 dx, __m256i s128, size_t pf) {
    __m256i isum;
    MAMBA__QPREFETCH4(w + pf, 8 * 34);
    isum = mamba__sum8_i32(MAMBA__Q8BU(0), MAMBA__Q8BU(1), MAMBA__Q8BU(2), MAMBA__Q8BU(3),
                           MAMBA__Q8BU(4), MAMBA__Q8BU(5), MAMBA__Q8BU(6), MAMBA__Q8BU(7));
#if (defined(__AVX512VNNI__) && defined(__AVX512VL__)) || defined(__AVXVNNI__)
    isum = _mm256_sub_epi32(isum, s128);
#else
    (void)s128;
#endif
    return mamba__qgroup_p(w, 34, dx, isum);
}
#undef MAMBA__Q8BU
static __m128 mamba__q8_0_x4g(__m128 acc, const unsigned char *w, size_t rb, const mamba__qact *a, int nb) {
    const size_t pf = mamba__qpf4(rb);
    int i;
    for (i = 0; i + 8 <= nb; i += 8) {
        const unsigned char *b = w + (size_t)i * 34;
        const signed char *x = a->q + (size_t)i * 32;
        __m256 dx = _mm256_loadu_ps(a->d + i);
        __m256i s128 = _mm256_slli_epi32(MAMBA__LOADI(a->s + i), 7);
        __m256 p0 = mamba__q8_0_g8(b, x, dx, s128, pf), p1 = mamba__q8_0_g8(b + rb, x, dx, s128, pf);
        __m256 p2 = mamba__q8_0_g8(b + 2 * rb, x, dx, s128, pf), p3 = mamba__q8_0_g8(b + 3 * rb, x, dx, s128, pf);
        acc = _mm_add_ps(acc, mamba__fsum8x4(p0, p1, p2, p3));
    }
    return acc;
}
static void mamba__qdot4_q8_0_x86(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb) { mamba__qdot4_run32(y, w, rb, a, nb, 34, mamba__q8_0_x4g); }
static __m128 mamba__q4_0_x4g(__m128 acc, const unsigned char *w, size_t rb, const mamba__qact *a, int nb) {
    const size_t pf = mamba__qpf4(rb);
    int i;
    for (i = 0; i + 8 <= nb; i += 8) {
        const unsigned char *b = w + (size_t)i * 18;
        const signed char *x = a->q + (size_t)i * 32;
        __m256 dx = _mm256_loadu_ps(a->d + i);
        __m256i s8 = _mm256_slli_epi32(MAMBA__LOADI(a->s + i), 3);   /* the -8 of the nibbles: 8 * sum(x) */
        __m256i xl[4], xh[4];
        __m256 p0, p1, p2, p3;
        int k;
        for (k = 0; k < 4; k++) {   /* x of blocks 2k, 2k+1 as [lo | lo], [hi | hi]: shared by the 4 rows */
            __m256i x0 = MAMBA__LOADI(x + 64 * k), x1 = MAMBA__LOADI(x + 64 * k + 32);
            xl[k] = _mm256_permute2x128_si256(x0, x1, 0x20);
            xh[k] = _mm256_permute2x128_si256(x0, x1, 0x31);
        }
        p0 = mamba__q4_0_g8(b, xl, xh, dx, s8, pf); p1 = mamba__q4_0_g8(b + rb, xl, xh, dx, s8, pf);
        p2 = mamba__q4_0_g8(b + 2 * rb, xl, xh, dx, s8, pf); p3 = mamba__q4_0_g8(b + 3 * rb, xl, xh, dx, s8, pf);
        acc = _mm_add_ps(acc, mamba__fsum8x4(p0, p1, p2, p3));
    }
    return acc;
}
MAMBA__UNUSED static void mamba__qdot4_q4_0_x86(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb) { mamba__qdot4_run32(y, w, rb, a, nb, 18, mamba__q4_0_x4g); }
/* ---- Q4_0, 4 rows, 512-bit (issue 21, qdecode3): AVX-512 VBMI + VNNI ----
   The ymm kernel above is compute-bound on the 1.4b rows (about 19 GB/s of
   weights on one core, hot in cache, where 2-thread decode asks ~14 per
   core from DRAM with little slack to overlap). Here a group of 8 blocks of
   one row (144 bytes) is 3 zmm loads; two vpermt2b gather the 16 nibble
   bytes of blocks 0-3 and 4-7 into the four 128-bit lanes of two vectors
   (no insert per pair), one vpermt2w the 8 f16 scales (words 9k of bytes
   0..127). x of the group is rearranged once for the 4 rows to match
   ([x_k 0..15] / [x_k 16..31] per lane k); the -8 of the nibbles
   (-8 sum x, exact) is the dots' starting value. Per row the two vectors'
   16 int32 lanes (4 per block) are reduced with the other rows' by unpacks
   to lane k = [row r block k, row r block k+4, ...], then one permute per row
   to block order: the same exact int32 block sums as the ymm kernel, and
   the same float operations after (mamba__qgroup_p, mamba__fsum8x4), so
   each row is still mamba__qdot_ref bit for bit. Bytes read: 0..143 of the
   group only (the third load is bytes 80..143). */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VBMI__) && defined(__AVX512VNNI__)
#define MAMBA__Q4_0_Z 1
static const unsigned char mamba__q40z_ia[64] = {   /* byte 16k + i of blocks 0..3: byte 18k + 2 + i of [z0 | z1] */
    2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
    38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71};
static const unsigned char mamba__q40z_ib[64] = {   /* blocks 4..7 (bytes 74..143) of [z1 = 64..127 | z2 = 80..143] */
    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127};
/* the high nibble of every byte: with GFNI one affine op (bit i of the result = bit i + 4 of the byte) */
#ifdef __GFNI__
#define MAMBA__HI4Z(v) _mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(0x1020408000000000LL), 0)
#else
#define MAMBA__HI4Z(v) _mm512_and_si512(_mm512_srli_epi16(v, 4), m4)
#endif
/* Q5_0 (22-byte blocks: d, qh, 16 nibble bytes) the same way: a group is bytes 0..175, loads at 0, 64, 112 */
static const unsigned char mamba__q50z_ia[64] = {   /* blocks 0..3: byte 22k + 6 + i of [z0 | z1] */
    6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87};
static const unsigned char mamba__q50z_ib[64] = {   /* blocks 4..7 (bytes 94..175) of [z1 = 64..127 | z2 = 112..175] */
    30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 80, 81, 82, 83,
    90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127};
/* 64 bytes at p; with masks wm (a partial group), only the bytes of mask wm[k] (the others 0, never read) */
static MAMBA__QINLINE __m512i mamba__zld(const unsigned char *p, const __mmask64 *wm, int k) {
    return wm ? _mm512_maskz_loadu_epi8(wm[k], (const void *)p) : _mm512_loadu_si512((const void *)p);
}
/* the first n of 64 bytes (n clamped to 0..64) */
static __mmask64 mamba__zmask(long n) { return n <= 0 ? 0 : n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1; }
/* one row's group: *da, *db = the dots of blocks 0-3 / 4-7 (4 int32 lanes per block, plus ca / cb), *sc = its 8 f16
   scales as words 4k + j = block k (j even) / k + 4 (j odd), k = 0..3: the layout of mamba__q4_0_zred2's lanes */
static MAMBA__QINLINE void mamba__q4_0_z8(const unsigned char *b, __m512i ia, __m512i ib, __m512i xla, __m512i xha, __m512i xlb, __m512i xhb,
                                         __m512i ca, __m512i cb, __m512i *da, __m512i *db, __m512i *sc, size_t pf, const int q5,
                                         const __mmask64 *wm) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i is = _mm512_setr_epi32(0 | 36 << 16, 0 | 36 << 16, 9 | 45 << 16, 9 | 45 << 16, 18 | 54 << 16, 18 | 54 << 16, 27 | 63 << 16, 27 | 63 << 16,
                                         0, 0, 0, 0, 0, 0, 0, 0);
    const size_t bb = q5 ? 22 : 18;
    __m512i z0 = mamba__zld(b, wm, 0), z1 = mamba__zld(b + 64, wm, 1);
    __m512i z2 = mamba__zld(b + 8 * bb - 64, wm, 2);   /* the group's last 64 bytes */
    __m512i na = _mm512_permutex2var_epi8(z0, ia, z1), nb = _mm512_permutex2var_epi8(z1, ib, z2);
    __m512i la = _mm512_and_si512(na, m4), ha = MAMBA__HI4Z(na), lb = _mm512_and_si512(nb, m4), hb = MAMBA__HI4Z(nb);
    MAMBA__QPREFETCH4(b + pf, 8 * (int)bb);
    if (q5) {
        /* qh of block k: words 11k+1 (bits 0-15: the low nibbles' 5th bits), 11k+2 (16-31); as 4 mask words per 4 blocks,
           through a GPR (AVX512-BITALG vpshufbitqmb straight to the masks measured slower: 42.1 -> 45.1 us, 512 x 2048) */
        const __m512i iha = _mm512_setr_epi32(1 | 12 << 16, 23 | 34 << 16, 2 | 13 << 16, 24 | 35 << 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        const __m512i ihb = _mm512_setr_epi32(13 | 24 << 16, 43 | 54 << 16, 14 | 25 << 16, 44 | 55 << 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        /* d of blocks 0-5 (words 11k of [z0 | z1]) and of blocks 6, 7 (bytes 132, 154: words 42, 53 of [z1 | z2]) */
        const __m512i is5 = _mm512_setr_epi32(0 | 44 << 16, 0 | 44 << 16, 11 | 55 << 16, 11 | 55 << 16, 22, 22, 33, 33, 0, 0, 0, 0, 0, 0, 0, 0);
        const __m512i is6 = _mm512_setr_epi32(0, 0, 0, 0, 42 << 16, 42 << 16, 53 << 16, 53 << 16, 0, 0, 0, 0, 0, 0, 0, 0);
        const __m512i bit = _mm512_set1_epi8(0x10);
        __m128i qa = _mm512_castsi512_si128(_mm512_permutex2var_epi16(z0, iha, z1)), qb = _mm512_castsi512_si128(_mm512_permutex2var_epi16(z1, ihb, z2));
        la = _mm512_mask_add_epi8(la, _cvtu64_mask64((unsigned long long)_mm_cvtsi128_si64(qa)), la, bit);
        ha = _mm512_mask_add_epi8(ha, _cvtu64_mask64((unsigned long long)_mm_extract_epi64(qa, 1)), ha, bit);
        lb = _mm512_mask_add_epi8(lb, _cvtu64_mask64((unsigned long long)_mm_cvtsi128_si64(qb)), lb, bit);
        hb = _mm512_mask_add_epi8(hb, _cvtu64_mask64((unsigned long long)_mm_extract_epi64(qb, 1)), hb, bit);
        *sc = _mm512_mask_blend_epi16(0xAA00, _mm512_permutex2var_epi16(z0, is5, z1), _mm512_permutex2var_epi16(z1, is6, z2));
    } else
        *sc = _mm512_permutex2var_epi16(z0, is, z1);
    *da = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(ca, la, xla), ha, xha);
    *db = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(cb, lb, xlb), hb, xhb);
}
/* two rows' (da, db) -> lane k = [r block k, r block k+4, s block k, s block k+4] */
static MAMBA__QINLINE __m512i mamba__q4_0_zred2(__m512i da0, __m512i db0, __m512i da1, __m512i db1) {
    __m512i u0 = _mm512_add_epi32(_mm512_unpacklo_epi32(da0, db0), _mm512_unpackhi_epi32(da0, db0));   /* [a0+a2 b0+b2 a1+a3 b1+b3] */
    __m512i u1 = _mm512_add_epi32(_mm512_unpacklo_epi32(da1, db1), _mm512_unpackhi_epi32(da1, db1));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(u0, u1), _mm512_unpackhi_epi64(u0, u1));
}
/* mamba__qgroup_p's products (dw * dx) * isum of two rows in that layout (dx2 = dx in it) */
static MAMBA__QINLINE __m512 mamba__q4_0_zp(__m512i w, __m512i sr, __m512i ss, __m512 dx2) {
    __m512 p = _mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_mask_blend_epi16(0xCCCC, sr, ss))), dx2);
    p = _mm512_mul_ps(p, _mm512_cvtepi32_ps(w));
    MAMBA__OPAQUE(p);
    return p;
}
/* one group of 8 blocks (nk = 8) of the 4 rows, or the row's last nk < 8
   blocks, read with masks: the bytes past them are zeros, which give
   p = (0 * 0) * 0 = +0, the value mamba__qgroup puts past the row's end (the
   same tree, the same bits; the 1.4b shape's dt_proj rows are 4 blocks) */
static MAMBA__QINLINE __m128 mamba__q40z_step(__m128 acc, const unsigned char *b, size_t rb, const mamba__qact *a, int i, int nk, size_t pf, const int q5) {
    const size_t bb = q5 ? 22 : 18;
    const __m512i ia = _mm512_loadu_si512((const void *)(q5 ? mamba__q50z_ia : mamba__q40z_ia));
    const __m512i ib = _mm512_loadu_si512((const void *)(q5 ? mamba__q50z_ib : mamba__q40z_ib));
    const __m512i dxi = _mm512_setr_epi32(0, 4, 0, 4, 1, 5, 1, 5, 2, 6, 2, 6, 3, 7, 3, 7);
    const __m512i ka = _mm512_setr_epi32(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0), kb = _mm512_add_epi32(ka, _mm512_set1_epi32(4));
    const signed char *x = a->q + (size_t)i * 32;
    const int part = nk < 8;
    const __mmask8 m8 = (__mmask8)((1u << nk) - 1u);
    long nw = (long)nk * (long)bb, nx = 32L * nk;
    __mmask64 wm[3];
    __m512 dx2 = _mm512_permutexvar_ps(dxi, _mm512_castps256_ps512(part ? _mm256_maskz_loadu_ps(m8, a->d + i) : _mm256_loadu_ps(a->d + i)));
    __m512 p01, p23, q;
    __m256 h;
    /* -8 sum(x) (Q5_0: -16) of block k in lane 4k (blocks 0-3) / of block 4+k (4-7), 0 in the others */
    __m256i sv = part ? _mm256_maskz_loadu_epi32(m8, a->s + i) : MAMBA__LOADI(a->s + i);
    __m512i s8 = _mm512_castsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(sv, q5 ? 4 : 3)));
    __m512i ca = _mm512_maskz_permutexvar_epi32(0x1111, ka, s8), cb = _mm512_maskz_permutexvar_epi32(0x1111, kb, s8);
    __m512i x0 = part ? _mm512_maskz_loadu_epi8(mamba__zmask(nx), (const void *)x) : _mm512_loadu_si512((const void *)x);
    __m512i x1 = part ? _mm512_maskz_loadu_epi8(mamba__zmask(nx - 64), (const void *)(x + 64)) : _mm512_loadu_si512((const void *)(x + 64));
    __m512i x2 = part ? _mm512_maskz_loadu_epi8(mamba__zmask(nx - 128), (const void *)(x + 128)) : _mm512_loadu_si512((const void *)(x + 128));
    __m512i x3 = part ? _mm512_maskz_loadu_epi8(mamba__zmask(nx - 192), (const void *)(x + 192)) : _mm512_loadu_si512((const void *)(x + 192));
    __m512i xla = _mm512_shuffle_i64x2(x0, x1, _MM_SHUFFLE(2, 0, 2, 0)), xha = _mm512_shuffle_i64x2(x0, x1, _MM_SHUFFLE(3, 1, 3, 1));
    __m512i xlb = _mm512_shuffle_i64x2(x2, x3, _MM_SHUFFLE(2, 0, 2, 0)), xhb = _mm512_shuffle_i64x2(x2, x3, _MM_SHUFFLE(3, 1, 3, 1));
    __m512i da0, db0, da1, db1, da2, db2, da3, db3, w01, w23;
    __m512i sc0, sc1, sc2, sc3;
    const __mmask64 *m = part ? wm : NULL;
    wm[0] = mamba__zmask(nw); wm[1] = mamba__zmask(nw - 64); wm[2] = mamba__zmask(nw - (long)(8 * bb - 64));
    mamba__q4_0_z8(b, ia, ib, xla, xha, xlb, xhb, ca, cb, &da0, &db0, &sc0, pf, q5, m);
    mamba__q4_0_z8(b + rb, ia, ib, xla, xha, xlb, xhb, ca, cb, &da1, &db1, &sc1, pf, q5, m);
    mamba__q4_0_z8(b + 2 * rb, ia, ib, xla, xha, xlb, xhb, ca, cb, &da2, &db2, &sc2, pf, q5, m);
    mamba__q4_0_z8(b + 3 * rb, ia, ib, xla, xha, xlb, xhb, ca, cb, &da3, &db3, &sc3, pf, q5, m);
    w01 = mamba__q4_0_zred2(da0, db0, da1, db1);
    w23 = mamba__q4_0_zred2(da2, db2, da3, db3);
    p01 = mamba__q4_0_zp(w01, sc0, sc1, dx2);
    p23 = mamba__q4_0_zp(w23, sc2, sc3, dx2);
    /* mamba__fsum8x4's adds: q_k = p_k + p_k+4 (lane k, rows in its 4 floats), then (q0 + q2) + (q1 + q3) */
    q = _mm512_add_ps(_mm512_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1)));
    h = _mm256_add_ps(_mm512_castps512_ps256(q), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(q), 1)));
    return _mm_add_ps(acc, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}
static MAMBA__QINLINE void mamba__qdot4_q40z_body(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb, const int q5) {
    const size_t pf = mamba__qpf4(rb), bb = q5 ? 22 : 18;
    __m128 acc = _mm_setzero_ps();
    int i;
    for (i = 0; i + 8 <= nb; i += 8) acc = mamba__q40z_step(acc, w + (size_t)i * bb, rb, a, i, 8, pf, q5);
    if (i < nb) acc = mamba__q40z_step(acc, w + (size_t)i * bb, rb, a, i, nb - i, pf, q5);
    _mm_storeu_ps(y, acc);
}
static void mamba__qdot4_q4_0_z(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb) { mamba__qdot4_q40z_body(y, w, rb, a, nb, 0); }
static void mamba__qdot4_q5_0_z(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb) { mamba__qdot4_q40z_body(y, w, rb, a, nb, 1); }
#endif
/* ---- end of the 512-bit Q4_0 / Q5_0 kernel ---- */
/* Q4_K super-block of one row: *s (lanes add up to A = sum sc_j (q.x)_j) and
   *m (lanes add up to B = sum mn_j (s16_2j + s16_2j+1)); p16 = those 8 pair
   sums as int16 (|pair| <= 32 * 127), shared by the rows. The 12 packed
   scale bytes are unpacked as mamba__q4k_unpack in one 128-bit register:
   dwords u0 u1 u2 -> [u0 & 3f, (u2 & 0f) | (u0 >> 6 & 3) << 4, u1 & 3f,
   (u2 >> 4 & 0f) | (u1 >> 6 & 3) << 4] per byte = 8 scales, then 8 mins. */
#if defined(__AVX512F__) && defined(__AVX512BW__)
/* AVX-512BW: 64 values per 512-bit dot: the 32 bytes of qs broadcast to both
   halves, the upper shifted by 4 (sub-blocks 2a | 2a+1, x contiguous) */
/* s + the int16 pair products of p and sc: with AVX-512 VNNI one vpdpwssd (the same exact int32 sums, |each| <= 2 * 32 * 127 * 63) */
#ifdef __AVX512VNNI__
#define MAMBA__Q4K_DPWSSD(s, p, sc) _mm512_dpwssd_epi32(s, p, sc)
#else
#define MAMBA__Q4K_DPWSSD(s, p, sc) _mm512_add_epi32(s, _mm512_madd_epi16(p, sc))
#endif
static MAMBA__QINLINE void mamba__q4k_sb(const unsigned char *b, const signed char *x, __m128i p16, __m256i *s_out, __m128i *m_out, size_t pf) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), sh = _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4);
    __m128i u = _mm_loadu_si128((const __m128i *)(const void *)(b + 4));   /* bytes 4..19 of the 144 */
    __m128i P = _mm_shuffle_epi32(u, _MM_SHUFFLE(2, 1, 2, 0)), Q = _mm_shuffle_epi32(u, _MM_SHUFFLE(1, 1, 0, 0));
    __m128i sm = _mm_or_si128(_mm_and_si128(_mm_srlv_epi32(P, _mm_setr_epi32(0, 0, 0, 4)), _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f)),
                              _mm_and_si128(_mm_srli_epi32(Q, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030)));
    __m512i scz = _mm512_broadcast_i32x4(sm), s = _mm512_setzero_si512();
    MAMBA__QPREFETCH4(b + pf, 144);
#define MAMBA__Q4K_STEP(j) {                                                                                                  \
        __m512i q_ = _mm512_and_si512(_mm512_srlv_epi64(_mm512_broadcast_i64x4(MAMBA__LOADI(b + 16 + 32 * (j))), sh), m4);   \
        __m512i i_ = _mm512_mask_blend_epi16(0xFFFF0000u, _mm512_set1_epi16((short)(2 * (j) | 0x8000)), _mm512_set1_epi16((short)((2 * (j) + 1) | 0x8000))); \
        s = MAMBA__Q4K_DPWSSD(s, _mm512_maddubs_epi16(q_, _mm512_loadu_si512((const void *)(x + 64 * (j)))), _mm512_shuffle_epi8(scz, i_)); }
    MAMBA__Q4K_STEP(0) MAMBA__Q4K_STEP(1) MAMBA__Q4K_STEP(2) MAMBA__Q4K_STEP(3)
#undef MAMBA__Q4K_STEP
    *s_out = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
    *m_out = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), p16);
}
#else
static MAMBA__QINLINE void mamba__q4k_sb(const unsigned char *b, const signed char *x, __m128i p16, __m256i *s_out, __m128i *m_out, size_t pf) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m128i u = _mm_loadu_si128((const __m128i *)(const void *)(b + 4));   /* bytes 4..19 of the 144 */
    __m128i P = _mm_shuffle_epi32(u, _MM_SHUFFLE(2, 1, 2, 0)), Q = _mm_shuffle_epi32(u, _MM_SHUFFLE(1, 1, 0, 0));
    __m128i sm = _mm_or_si128(_mm_and_si128(_mm_srlv_epi32(P, _mm_setr_epi32(0, 0, 0, 4)), _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f)),
                              _mm_and_si128(_mm_srli_epi32(Q, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030)));
    __m256i scb = _mm256_broadcastsi128_si256(sm), s = _mm256_setzero_si256();
    MAMBA__QPREFETCH4(b + pf, 144);
    /* sub-blocks 2j, 2j+1: low and high nibbles of qs[32j..]; scale byte k as int16 in every lane: pshufb (k, zero) */
#define MAMBA__Q4K_STEP(j) {                                                                                                  \
        __m256i q_ = MAMBA__LOADI(b + 16 + 32 * (j));                                                                         \
        __m256i p0_ = _mm256_maddubs_epi16(_mm256_and_si256(q_, m4), MAMBA__LOADI(x + 64 * (j)));                             \
        __m256i p1_ = _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q_, 4), m4), MAMBA__LOADI(x + 64 * (j) + 32)); \
        s = _mm256_add_epi32(s, _mm256_madd_epi16(p0_, _mm256_shuffle_epi8(scb, _mm256_set1_epi16((short)(2 * (j) | 0x8000)))));       \
        s = _mm256_add_epi32(s, _mm256_madd_epi16(p1_, _mm256_shuffle_epi8(scb, _mm256_set1_epi16((short)((2 * (j) + 1) | 0x8000))))); }
    MAMBA__Q4K_STEP(0) MAMBA__Q4K_STEP(1) MAMBA__Q4K_STEP(2) MAMBA__Q4K_STEP(3)
#undef MAMBA__Q4K_STEP
    *s_out = s;
    *m_out = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), p16);
}
#endif
/* the 8 pair sums s16_2j + s16_2j+1 of a super-block as int16 (|pair| <= 32 * 127), shared by the rows */
static MAMBA__QINLINE __m128i mamba__q4k_p16(const int32_t *s16) {
    __m256i pr = _mm256_hadd_epi32(MAMBA__LOADI(s16), MAMBA__LOADI(s16 + 8));   /* pairs 0 1 4 5 | 2 3 6 7 */
    return _mm_shuffle_epi32(_mm_packs_epi32(_mm256_castsi256_si128(pr), _mm256_extracti128_si256(pr, 1)), _MM_SHUFFLE(3, 1, 2, 0));
}
/* mamba__q4k_combine of 4 rows in lanes: t1 = (d * dx) * A, t2 = (dmin * dx) * B, t1 - t2 */
static MAMBA__QINLINE __m128 mamba__q4k_comb4(const unsigned char *b, size_t rb, float dx, __m128i A, __m128i B) {
    /* d, dmin halves of 4 rows [d0 dm0 d1 dm1 ...] -> [d0 d1 d2 d3 dm0 dm1 dm2 dm3] */
    const __m128i dsel = _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
    __m128i dd = _mm_setr_epi32((int)mamba__u32le(b), (int)mamba__u32le(b + rb), (int)mamba__u32le(b + 2 * rb), (int)mamba__u32le(b + 3 * rb));
    __m256 f = _mm256_mul_ps(_mm256_cvtph_ps(_mm_shuffle_epi8(dd, dsel)), _mm256_set1_ps(dx));
    f = _mm256_mul_ps(f, _mm256_cvtepi32_ps(_mm256_set_m128i(B, A)));
    MAMBA__OPAQUE(f);
    return _mm_sub_ps(_mm256_castps256_ps128(f), _mm256_extractf128_ps(f, 1));
}
MAMBA__UNUSED static void mamba__qdot4_q4_k_x86(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nsb) {
    const size_t pf = mamba__qpf4(rb);
    __m128 acc = _mm_setzero_ps();
    int i;
    for (i = 0; i < nsb; i++) {
        const unsigned char *b = w + (size_t)i * 144;
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        __m128i p16 = mamba__q4k_p16(a->s + (size_t)i * 16);
        __m256i s0, s1, s2, s3;
        __m128i m0, m1, m2, m3, A, B;
        mamba__q4k_sb(b, x, p16, &s0, &m0, pf);
        mamba__q4k_sb(b + rb, x, p16, &s1, &m1, pf);
        mamba__q4k_sb(b + 2 * rb, x, p16, &s2, &m2, pf);
        mamba__q4k_sb(b + 3 * rb, x, p16, &s3, &m3, pf);
        A = mamba__hsum4_i32(s0, s1, s2, s3);
        B = _mm_hadd_epi32(_mm_hadd_epi32(m0, m1), _mm_hadd_epi32(m2, m3));
        acc = _mm_add_ps(acc, mamba__q4k_comb4(b, rb, a->d[i], A, B));
    }
    _mm_storeu_ps(y, acc);
}
/* ---- Q4_K, 4 rows, AVX-512 VBMI + VNNI (issue 21, qdecode3) ----
   As mamba__qdot4_q4_k_x86 (same int32 A and B per row, same float
   operations after), with the per-row shuffles moved to once per 4 rows: the
   4 rows' 12 packed scale bytes are unpacked together in one zmm (lane r =
   row r's 8 scales, 8 mins), each step's int16 scale vector is one vpermb of
   it (no per-row broadcast), and the mins term B of the 4 rows is one vpermb
   to int16 + one madd against the shared pair sums + a lane reduction (was a
   shift, a widening and a madd per row and three hadds). */
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VBMI__) && defined(__AVX512VNNI__)
#define MAMBA__Q4_K_Z 1
/* lane r = row r's [8 scales, 8 mins] as bytes (the unpack of mamba__q4k_sb, on 4 rows at once) */
static MAMBA__QINLINE __m512i mamba__q4k_sm4(const unsigned char *b, size_t rb) {
    __m512i u = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(const void *)(b + 4)));   /* bytes 4..19 of the 144 */
    __m512i P, Q;
    u = _mm512_inserti32x4(u, _mm_loadu_si128((const __m128i *)(const void *)(b + rb + 4)), 1);
    u = _mm512_inserti32x4(u, _mm_loadu_si128((const __m128i *)(const void *)(b + 2 * rb + 4)), 2);
    u = _mm512_inserti32x4(u, _mm_loadu_si128((const __m128i *)(const void *)(b + 3 * rb + 4)), 3);
    P = _mm512_shuffle_epi32(u, (_MM_PERM_ENUM)_MM_SHUFFLE(2, 1, 2, 0));
    Q = _mm512_shuffle_epi32(u, (_MM_PERM_ENUM)_MM_SHUFFLE(1, 1, 0, 0));
    return _mm512_or_si512(_mm512_and_si512(_mm512_srlv_epi32(P, _mm512_broadcast_i32x4(_mm_setr_epi32(0, 0, 0, 4))),
                                            _mm512_broadcast_i32x4(_mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f))),
                           _mm512_and_si512(_mm512_srli_epi32(Q, 2), _mm512_broadcast_i32x4(_mm_setr_epi32(0, 0x30303030, 0, 0x30303030))));
}
/* byte 2l = 16r + 8 + k for int16 lane l = 8r + k: min k of row r (the odd bytes are masked off) */
static const unsigned char mamba__q4kz_imn[64] = {8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0, 15, 0, 24, 0, 25, 0, 26, 0, 27, 0, 28, 0, 29, 0, 30, 0, 31, 0,
    40, 0, 41, 0, 42, 0, 43, 0, 44, 0, 45, 0, 46, 0, 47, 0, 56, 0, 57, 0, 58, 0, 59, 0, 60, 0, 61, 0, 62, 0, 63, 0};
/* one row's super-block: lanes add up to A; isc[j] picks its scales 2j | 2j+1 out of sm4 as int16 */
/* Q5_K (q5, 176-byte blocks, qs at 48): + bit 2j (low half) / 2j+1 (high half) of qh[l] as 16, rotated to bit 4 of its byte */
static MAMBA__QINLINE __m256i mamba__q4k_zsb(const unsigned char *b, const signed char *x, __m512i sm4, const __m512i *isc, size_t pf, const int q5) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), sh = _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4);
    __m512i s = _mm512_setzero_si512(), qh = q5 ? _mm512_broadcast_i64x4(MAMBA__LOADI(b + 16)) : _mm512_setzero_si512();
    int j;
    MAMBA__QPREFETCH4(b + pf, q5 ? 176 : 144);
    for (j = 0; j < 4; j++) {
        __m512i q = _mm512_and_si512(_mm512_srlv_epi64(_mm512_broadcast_i64x4(MAMBA__LOADI(b + (q5 ? 48 : 16) + 32 * j)), sh), m4);
        if (q5) {
            const __m512i rot = _mm512_setr_epi64((4 - 2 * j) & 63, (4 - 2 * j) & 63, (4 - 2 * j) & 63, (4 - 2 * j) & 63,
                                                  (3 - 2 * j) & 63, (3 - 2 * j) & 63, (3 - 2 * j) & 63, (3 - 2 * j) & 63);
            q = _mm512_or_si512(q, _mm512_and_si512(_mm512_rolv_epi64(qh, rot), _mm512_set1_epi8(0x10)));
        }
        s = _mm512_dpwssd_epi32(s, _mm512_maddubs_epi16(q, _mm512_loadu_si512((const void *)(x + 64 * j))),
                                _mm512_maskz_permutexvar_epi8(0x5555555555555555ULL, isc[j], sm4));
    }
    return _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
}
static MAMBA__QINLINE void mamba__qdot4_q4kz_body(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nsb, const int q5) {
    const size_t pf = mamba__qpf4(rb), bb = q5 ? 176 : 144;
    /* int16 lane 8r + k = min k of row r (byte 16r + 8 + k), high bytes zero */
    const __m512i imn = _mm512_loadu_si512((const void *)mamba__q4kz_imn);
    const __m512i ib = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    __m512i isc[4][4];
    __m128 acc = _mm_setzero_ps();
    int i, r, j;
    for (r = 0; r < 4; r++)   /* row r, step j: int16 lanes 0..15 = scale 2j, 16..31 = scale 2j+1 (byte 16r + ...) */
        for (j = 0; j < 4; j++)
            isc[r][j] = _mm512_mask_blend_epi8(0xFFFFFFFF00000000ULL, _mm512_set1_epi8((char)(16 * r + 2 * j)), _mm512_set1_epi8((char)(16 * r + 2 * j + 1)));
    for (i = 0; i < nsb; i++) {
        const unsigned char *b = w + (size_t)i * bb;
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        __m128i p16 = mamba__q4k_p16(a->s + (size_t)i * 16);
        __m512i sm4 = mamba__q4k_sm4(b, rb), m;
        __m128i A, B;
        A = mamba__hsum4_i32(mamba__q4k_zsb(b, x, sm4, isc[0], pf, q5), mamba__q4k_zsb(b + rb, x, sm4, isc[1], pf, q5),
                             mamba__q4k_zsb(b + 2 * rb, x, sm4, isc[2], pf, q5), mamba__q4k_zsb(b + 3 * rb, x, sm4, isc[3], pf, q5));
        /* B of row r = the 4 int32 of lane r added (exact) */
        m = _mm512_madd_epi16(_mm512_maskz_permutexvar_epi8(0x5555555555555555ULL, imn, sm4), _mm512_broadcast_i32x4(p16));
        m = _mm512_add_epi32(m, _mm512_shuffle_epi32(m, (_MM_PERM_ENUM)_MM_SHUFFLE(1, 0, 3, 2)));
        m = _mm512_add_epi32(m, _mm512_shuffle_epi32(m, (_MM_PERM_ENUM)_MM_SHUFFLE(2, 3, 0, 1)));
        B = _mm512_castsi512_si128(_mm512_permutexvar_epi32(ib, m));
        acc = _mm_add_ps(acc, mamba__q4k_comb4(b, rb, a->d[i], A, B));
    }
    _mm_storeu_ps(y, acc);
}
static void mamba__qdot4_q4_k_z(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nsb) { mamba__qdot4_q4kz_body(y, w, rb, a, nsb, 0); }
static void mamba__qdot4_q5_k_z(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nsb) { mamba__qdot4_q4kz_body(y, w, rb, a, nsb, 1); }
#endif
/* ---- end of the VBMI Q4_K / Q5_K kernel ---- */
/* Q6_K super-block of one row: lanes add up to A - 32 sum sc_j s16_j; s16i = the 16 sums as int16, shared */
#if defined(__AVX512F__) && defined(__AVX512BW__)
/* AVX-512BW: a half (128 values) per two 512-bit dots. ql bytes 64h.. are
   [qa | qb]; qh (32 bytes) broadcast to both halves, the upper shifted by 2,
   so that q0|q1 = (ql & 0f) | (qh & 3) << 4 and q2|q3 = (ql >> 4 & 0f) |
   (qh & 30); their x are 64 contiguous bytes, and 128-bit lane k of
   q0|q1 (q2|q3) is sub-block 8h + k (8h + 4 + k) */
static MAMBA__QINLINE __m256i mamba__q6k_sb(const unsigned char *b, const signed char *x, __m256i s16i, size_t pf) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(0x03), m30 = _mm512_set1_epi8(0x30);
    const __m512i hsh = _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2);
    __m128i sc8 = _mm_loadu_si128((const __m128i *)(const void *)(b + 192));
    __m256i sc16 = _mm256_cvtepi8_epi16(sc8), off = _mm256_madd_epi16(sc16, s16i);
    __m512i scz = _mm512_castsi256_si512(sc16), s = _mm512_setzero_si512();
    int h;
    MAMBA__QPREFETCH4(b + pf, 210);
    for (h = 0; h < 2; h++) {
        /* int16 word 8h + k (8h + 4 + k) in every lane of 128-bit lane k */
        const __m512i i0 = _mm512_add_epi16(_mm512_set1_epi16((short)(8 * h)), _mm512_setr_epi64(0, 0, 0x0001000100010001LL, 0x0001000100010001LL,
                                            0x0002000200020002LL, 0x0002000200020002LL, 0x0003000300030003LL, 0x0003000300030003LL));
        const __m512i i1 = _mm512_add_epi16(i0, _mm512_set1_epi16(4));
        __m512i za = _mm512_loadu_si512((const void *)(b + 64 * h));
        __m512i zh = _mm512_srlv_epi64(_mm512_broadcast_i64x4(MAMBA__LOADI(b + 128 + 32 * h)), hsh);
        __m512i z0 = _mm512_or_si512(_mm512_and_si512(za, m4), _mm512_slli_epi16(_mm512_and_si512(zh, m3), 4));
        __m512i z1 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(za, 4), m4), _mm512_and_si512(zh, m30));
        s = _mm512_add_epi32(s, _mm512_madd_epi16(_mm512_maddubs_epi16(z0, _mm512_loadu_si512((const void *)(x + 128 * h))), _mm512_permutexvar_epi16(i0, scz)));
        s = _mm512_add_epi32(s, _mm512_madd_epi16(_mm512_maddubs_epi16(z1, _mm512_loadu_si512((const void *)(x + 128 * h + 64))), _mm512_permutexvar_epi16(i1, scz)));
    }
    return _mm256_sub_epi32(_mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1)), _mm256_slli_epi32(off, 5));
}
#else
static MAMBA__QINLINE __m256i mamba__q6k_sb(const unsigned char *b, const signed char *x, __m256i s16i, size_t pf) {
    __m128i sc8 = _mm_loadu_si128((const __m128i *)(const void *)(b + 192));
    __m256i off = _mm256_madd_epi16(_mm256_cvtepi8_epi16(sc8), s16i);
    MAMBA__QPREFETCH4(b + pf, 210);
    return _mm256_sub_epi32(mamba__q6k_dots_x86(b, x), _mm256_slli_epi32(off, 5));
}
#endif
static void mamba__qdot4_q6_k_x86(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nsb) {
    const size_t pf = mamba__qpf4(rb);
    __m128 acc = _mm_setzero_ps();
    int i;
    for (i = 0; i < nsb; i++) {
        const unsigned char *b = w + (size_t)i * 210;
        const signed char *x = a->q + (size_t)i * MAMBA__QKK;
        const int32_t *s16 = a->s + (size_t)i * 16;
        /* s16 as int16 in order (|s16| <= 16 * 127): packs gives 0-3 8-11 | 4-7 12-15 */
        __m256i s16i = _mm256_permute4x64_epi64(_mm256_packs_epi32(MAMBA__LOADI(s16), MAMBA__LOADI(s16 + 8)), 0xD8);
        __m128i A = mamba__hsum4_i32(mamba__q6k_sb(b, x, s16i, pf), mamba__q6k_sb(b + rb, x, s16i, pf),
                                     mamba__q6k_sb(b + 2 * rb, x, s16i, pf), mamba__q6k_sb(b + 3 * rb, x, s16i, pf));
        /* mamba__q6k_combine in lanes: (d * dx) * A */
        __m128 t = _mm_mul_ps(mamba__qf16x4(b, rb, 208), _mm_set1_ps(a->d[i]));
        t = _mm_mul_ps(t, _mm_cvtepi32_ps(A));
        MAMBA__OPAQUE(t);
        acc = _mm_add_ps(acc, t);
    }
    _mm_storeu_ps(y, acc);
}
/* the 4-row kernel of dt, or NULL: picked once per matrix (mamba__qmatvec4_run) */
typedef void (*mamba__qdot4_fn)(float *y, const unsigned char *w, size_t rb, const mamba__qact *a, int nb);
static mamba__qdot4_fn mamba__qdot4_pick(mamba_dtype dt) {
    switch (dt) {
    case MAMBA_DTYPE_Q8_0: return mamba__qdot4_q8_0_x86;
#ifdef MAMBA__Q4_0_Z
    case MAMBA_DTYPE_Q4_0: return mamba__qdot4_q4_0_z;
    case MAMBA_DTYPE_Q5_0: return mamba__qdot4_q5_0_z;   /* the same kernel with the 5th bits */
#else
    case MAMBA_DTYPE_Q4_0: return mamba__qdot4_q4_0_x86;
#endif
#ifdef MAMBA__Q4_K_Z
    case MAMBA_DTYPE_Q4_K: return mamba__qdot4_q4_k_z;
    case MAMBA_DTYPE_Q5_K: return mamba__qdot4_q5_k_z;   /* the same kernel with qh's 5th bits */
#else
    case MAMBA_DTYPE_Q4_K: return mamba__qdot4_q4_k_x86;
#endif
    case MAMBA_DTYPE_Q6_K: return mamba__qdot4_q6_k_x86;
    default: return NULL;
    }
}
#define MAMBA__QDOT4_V 1
/* ==== end of the 4-row matrix-vector kernels ==== */
/* the x86 kernels above are written per type already: no extra quants
   switch here (MAMBA_NO_EXTRA_QUANTS only narrows what the loaders accept) */
static mamba__qdot_fn mamba__qdot_pick_v(mamba_dtype dt) {
    switch (dt) {
    MAMBA__QTYPES_ALL(MAMBA__QDOT_CASE, x86)
    default: return NULL;
    }
}
#define MAMBA__QDOT_V 1
#elif defined(MAMBA__SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#define MAMBA__QDOT_NAME "neon"
/* 16 int8 x 16 int8 products added pairwise into int32 lanes */
static int32x4_t mamba__dot16_neon(int32x4_t acc, int8x16_t w, int8x16_t x) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(w), vget_low_s8(x)));
    return vpadalq_s16(acc, vmull_high_s8(w, x));
}
/* ---- quantized dots, NEON: the integer dots of one block, 16 lanes at a
   time; the walkers and the float combination are the scalar twin's ------ */
static uint8x16_t mamba__shr_u8(uint8x16_t v, int s) { return vshlq_u8(v, vdupq_n_s8((int8_t)-s)); }
/* bytes 0..15: 0x10 where bit j of the 16 bits (two bytes lo, hi) is set */
static uint8x16_t mamba__bits16_x10(unsigned lo, unsigned hi) {
    static const uint8_t bit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t v = vcombine_u8(vdup_n_u8((uint8_t)lo), vdup_n_u8((uint8_t)hi));
    return vandq_u8(vtstq_u8(v, vld1q_u8(bit)), vdupq_n_u8(0x10));
}
static int32_t mamba__dot32_neon(int8x16_t lo, int8x16_t hi, const signed char *x) {
    return vaddvq_s32(mamba__dot16_neon(mamba__dot16_neon(vdupq_n_s32(0), lo, vld1q_s8(x)), hi, vld1q_s8(x + 16)));
}
/* one 32-block: mamba__isum32_ref's integer */
static inline int32_t mamba__isum32_neon(const unsigned char *b, mamba_dtype dt, const signed char *x, int32_t sx) {
    uint8x16_t m4 = vdupq_n_u8(0x0F), qs;
    int8x16_t lo, hi;
    switch (dt) {
    case MAMBA_DTYPE_Q8_0:
        lo = vld1q_s8((const int8_t *)(b + 2)); hi = vld1q_s8((const int8_t *)(b + 18));
        return mamba__dot32_neon(lo, hi, x);
    case MAMBA_DTYPE_Q4_0:
        qs = vld1q_u8(b + 2);
        return mamba__dot32_neon(vreinterpretq_s8_u8(vandq_u8(qs, m4)), vreinterpretq_s8_u8(vshrq_n_u8(qs, 4)), x) - 8 * sx;
    case MAMBA_DTYPE_IQ4_NL: {
        int8x16_t tab = vld1q_s8(mamba__iq4nl_values);
        qs = vld1q_u8(b + 2);
        return mamba__dot32_neon(vqtbl1q_s8(tab, vandq_u8(qs, m4)), vqtbl1q_s8(tab, vshrq_n_u8(qs, 4)), x);
    }
    case MAMBA_DTYPE_Q4_1:
        qs = vld1q_u8(b + 4);
        return mamba__dot32_neon(vreinterpretq_s8_u8(vandq_u8(qs, m4)), vreinterpretq_s8_u8(vshrq_n_u8(qs, 4)), x);
    default: {   /* Q5_0, Q5_1 */
        const unsigned char *qh = b + (dt == MAMBA_DTYPE_Q5_1 ? 4 : 2);
        qs = vld1q_u8(qh + 4);
        lo = vreinterpretq_s8_u8(vorrq_u8(vandq_u8(qs, m4), mamba__bits16_x10(qh[0], qh[1])));
        hi = vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(qs, 4), mamba__bits16_x10(qh[2], qh[3])));
        return mamba__dot32_neon(lo, hi, x) - (dt == MAMBA_DTYPE_Q5_0 ? 16 * sx : 0);
    }
    }
}
/* one super-block: mamba__subdots_ref's t[] */
static inline void mamba__subdots_neon(const unsigned char *b, mamba_dtype dt, const signed char *x, int32_t *t) {
    uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(0x03), one = vdupq_n_u8(0x01);
    int j, k, g, h;
    switch (dt) {
    case MAMBA_DTYPE_Q2_K: case MAMBA_DTYPE_Q3_K: {
        const unsigned char *qs0 = b + (dt == MAMBA_DTYPE_Q3_K ? 32 : 16);
        for (h = 0; h < 2; h++)
            for (k = 0; k < 2; k++) {
                uint8x16_t qs = vld1q_u8(qs0 + 32 * h + 16 * k), hm = vld1q_u8(b + 16 * k);
                for (g = 0; g < 4; g++) {   /* values 128h + 32g + 16k + l: sub-block 8h + 2g + k */
                    uint8x16_t q = vandq_u8(mamba__shr_u8(qs, 2 * g), m3);
                    if (dt == MAMBA_DTYPE_Q3_K) q = vorrq_u8(q, vshlq_n_u8(vandq_u8(mamba__shr_u8(hm, 4 * h + g), one), 2));
                    t[8 * h + 2 * g + k] = vaddvq_s32(mamba__dot16_neon(vdupq_n_s32(0), vreinterpretq_s8_u8(q), vld1q_s8(x + 128 * h + 32 * g + 16 * k)));
                }
            }
        return;
    }
    case MAMBA_DTYPE_Q4_K:
        for (j = 0; j < 8; j++) {
            const unsigned char *q = b + 16 + 32 * (j / 2);
            uint8x16_t q0 = vld1q_u8(q), q1 = vld1q_u8(q + 16);
            if (j & 1) { q0 = vshrq_n_u8(q0, 4); q1 = vshrq_n_u8(q1, 4); }
            else { q0 = vandq_u8(q0, m4); q1 = vandq_u8(q1, m4); }
            t[j] = mamba__dot32_neon(vreinterpretq_s8_u8(q0), vreinterpretq_s8_u8(q1), x + 32 * j);
        }
        return;
    case MAMBA_DTYPE_Q5_K:
        for (j = 0; j < 8; j++) {
            int32x4_t s = vdupq_n_s32(0);
            for (k = 0; k < 2; k++) {
                uint8x16_t q = vandq_u8(mamba__shr_u8(vld1q_u8(b + 48 + 32 * (j / 2) + 16 * k), 4 * (j & 1)), m4);
                q = vorrq_u8(q, vshlq_n_u8(vandq_u8(mamba__shr_u8(vld1q_u8(b + 16 + 16 * k), j), one), 4));
                s = mamba__dot16_neon(s, vreinterpretq_s8_u8(q), vld1q_s8(x + 32 * j + 16 * k));
            }
            t[j] = vaddvq_s32(s);
        }
        return;
    case MAMBA_DTYPE_Q6_K: {
        uint8x16_t m30 = vdupq_n_u8(0x30);
        for (j = 0; j < 2; j++)
            for (k = 0; k < 2; k++) {   /* 16 of the 32 l's at a time */
                uint8x16_t qa = vld1q_u8(b + 64 * j + 16 * k), qb = vld1q_u8(b + 64 * j + 32 + 16 * k);
                uint8x16_t qh = vld1q_u8(b + 128 + 32 * j + 16 * k), q[4];
                q[0] = vorrq_u8(vandq_u8(qa, m4), vshlq_n_u8(vandq_u8(qh, m3), 4));
                q[1] = vorrq_u8(vandq_u8(qb, m4), vandq_u8(vshlq_n_u8(qh, 2), m30));
                q[2] = vorrq_u8(vshrq_n_u8(qa, 4), vandq_u8(qh, m30));
                q[3] = vorrq_u8(vshrq_n_u8(qb, 4), vandq_u8(vshrq_n_u8(qh, 2), m30));
                for (g = 0; g < 4; g++)   /* values 32g + 16k .. +15 of this half: sub-block 8j + 2g + k */
                    t[8 * j + 2 * g + k] = vaddvq_s32(mamba__dot16_neon(vdupq_n_s32(0), vreinterpretq_s8_u8(q[g]), vld1q_s8(x + 128 * j + 32 * g + 16 * k)));
            }
        return;
    }
    default: {   /* IQ4_XS */
        int8x16_t tab = vld1q_s8(mamba__iq4nl_values);
        for (j = 0; j < 8; j++) {
            uint8x16_t qs = vld1q_u8(b + 8 + 16 * j);
            t[j] = mamba__dot32_neon(vqtbl1q_s8(tab, vandq_u8(qs, m4)), vqtbl1q_s8(tab, vshrq_n_u8(qs, 4)), x + 32 * j);
        }
    }
    }
}
MAMBA__QWALK32_ANY(neon)
MAMBA__QTYPES(MAMBA__QDOT_DEF, neon)
static mamba__qdot_fn mamba__qdot_pick_v(mamba_dtype dt) {
    switch (dt) {
    MAMBA__QTYPES(MAMBA__QDOT_CASE, neon)
    default: return NULL;
    }
}
/* ---- end of the NEON dots ---- */
#define MAMBA__QDOT_V 1
#else
#define MAMBA__QDOT_NAME "scalar"
#endif

/* The dot for the rows of a matrix of dtype dt in this build: chosen once
   per matrix, then called per row with the row's block count (NULL: dt is
   not a block type of this build; the loaders refuse those). */
static mamba__qdot_fn mamba__qdot_pick(mamba_dtype dt) {
#ifdef MAMBA__QDOT_V
    return mamba__qdot_pick_v(dt);
#else
    return mamba__qdot_pick_ref(dt);
#endif
}
#ifdef MAMBA__QDOT_V
/* one row through the vector path (the tests' view of it) */
MAMBA__UNUSED static float mamba__qdot_v(const unsigned char *w, mamba_dtype dt, const mamba__qact *a, int n) {
    mamba__qdot_fn f = mamba__qdot_pick_v(dt);
    return f ? f(w, a, n / mamba__block_elems(dt)) : 0.0f;
}
#endif

/* ==== int8 matrix-matrix kernels (issue 21) ================================
   The sequence path (T > 1) of a quantized W: the chunk's activations are
   quantized once per token exactly as for the matrix-vector path
   (mamba__quantize_act, or its vector twin mamba__quantize_act_v: the same
   bytes), then copied into groups of G = MAMBA__QMM_G tokens (16 on AVX-512
   VNNI, token lanes in zmm; 8 elsewhere: ymm, NEON's two q registers)
   interleaved by 4 bytes, so that one 32-bit broadcast of 4 weight bytes
   against one vector of G tokens x 4 activation bytes is a dpbusd / maddubs
   / sdot whose int32 lanes are the G tokens: no horizontal sums in the inner
   loop, each weight byte loaded once per G tokens, each activation vector
   once per MAMBA__QMM_R = 4 rows.
   Group layout (mamba__qil_bytes(n) = G * mamba__qact_bytes(n) bytes; the
   token-major arrays of mamba__qact, each element widened to G tokens):
     q: int8 [n/4][G tokens][4]   value 4c+i of token t at q[4Gc + 4t + i]
     d: f32 [ceil(n/32)][G]       the tokens' block scales
     s: int32 [ceil(n/16)][G]     the tokens' block sums
   KERNEL SHAPE (follow it for a new type): mamba__qmm_<type>(out, wr, x, n)
   computes the 4 rows wr[0..3] (row pointers, duplicates allowed) against
   the G tokens of group x and writes out[r][t] = the (row, token) dot, with
   the integer parts exact in any order (any ISA, any tiling) and the float
   parts the SAME operations in the SAME order as the type's branch of
   mamba__qdot_ref (lane t of a float vector is token t), so that every
   result equals mamba__qdot bit for bit. Unsigned-times-signed dots take the
   weights (nibbles: 0..15, 6-bit: 0..63) as the unsigned side; a signed
   8-bit weight is made unsigned with ^0x80 and the exact 128 * sum(x)
   correction (the block sums in s) is the dots' starting value
   (mamba__qmm_corr), as are Q4_0's -8, Q5_0's -16 and Q6_K's -32. Without
   VNNI, maddubs must not saturate: |pair| <= 32767 (Q8_0 uses the sign
   trick). A thread takes MAMBA__QMM_RB = 16 rows (4 tiles) at a time and
   writes Y 64 bytes per token. A last group at least half full is padded
   with copies of its last token (lanes are independent; the copies are not
   written); tokens past the groups go through mamba__qdot, one by one. The oracle is mamba__qdot_ref
   (tests/test_kernels.c, test_qmm; test_qact for the activations). */
#if defined(MAMBA__QDOT_V) && (defined(__x86_64__) || defined(_M_X64)) && defined(__AVX512F__) && defined(__AVX512BW__) && \
    defined(__AVX512VL__) && defined(__AVX512VNNI__)
#define MAMBA__QMM_Z 1   /* token lanes in zmm: 16 tokens per group, 512-bit dpbusd */
#define MAMBA__QMM_G 16
#else
#define MAMBA__QMM_G 8
#endif
#define MAMBA__QMM_R 4
static size_t mamba__qil_bytes(size_t n) { return MAMBA__QMM_G * mamba__qact_bytes(n); }
/* qbuf bytes of mamba__qlinear for T tokens of n values: the token-major
   activations, then (T >= 8) the interleaved groups */
/* groups of a chunk of T tokens: the full ones, and a last one padded with
   copies of the last token when at least half of it is real */
#define MAMBA__QMM_NG(T) ((T) / MAMBA__QMM_G + ((T) % MAMBA__QMM_G >= MAMBA__QMM_G / 2))
typedef struct mamba__qil { const signed char *q; const float *d; const int32_t *s; } mamba__qil;
#if defined(MAMBA__QDOT_V) && (defined(__x86_64__) || defined(__i386__) || defined(_M_X64))
#define MAMBA__QMM_V 1
/* Token lanes: mamba__qvi (int32) and mamba__qvf (float) hold one value per
   token of a group, MAMBA__QMM_G of them: zmm on AVX-512 VNNI, else ymm.
   The weights are unpacked in ymm either way (32 values per block).
   MAMBA__QMM_DP: acc + (unsigned u) . (signed s), 4 products per int32 lane, exact */
#ifdef MAMBA__QMM_Z
typedef __m512i mamba__qvi;
typedef __m512 mamba__qvf;
#define MAMBA__QV_LOADI(p) _mm512_loadu_si512((const void *)(p))
#define MAMBA__QV_SET1I(v) _mm512_set1_epi32(v)
#define MAMBA__QV_ZEROI() _mm512_setzero_si512()
#define MAMBA__QV_ADDI(a, b) _mm512_add_epi32(a, b)
#define MAMBA__QV_SUBI(a, b) _mm512_sub_epi32(a, b)
#define MAMBA__QV_MULLO(a, b) _mm512_mullo_epi32(a, b)
#define MAMBA__QV_SLLI(a, n) _mm512_slli_epi32(a, n)
#define MAMBA__QV_SLL(a, n) _mm512_sll_epi32(a, _mm_cvtsi32_si128(n))
#define MAMBA__QV_CVT(a) _mm512_cvtepi32_ps(a)
#define MAMBA__QV_MADD16(a, b) _mm512_madd_epi16(a, b)
#define MAMBA__QV_PACK16(lo, hi) _mm512_or_si512(_mm512_and_si512(lo, _mm512_set1_epi32(0xFFFF)), _mm512_slli_epi32(hi, 16))
#define MAMBA__QF_SET1(v) _mm512_set1_ps(v)
#define MAMBA__QF_LOAD(p) _mm512_loadu_ps(p)
#define MAMBA__QF_STORE(p, v) _mm512_storeu_ps(p, v)
#define MAMBA__QF_ZERO() _mm512_setzero_ps()
#define MAMBA__QF_MUL(a, b) _mm512_mul_ps(a, b)
#define MAMBA__QF_ADD(a, b) _mm512_add_ps(a, b)
#define MAMBA__QF_SUB(a, b) _mm512_sub_ps(a, b)
#define MAMBA__QMM_DP(acc, u, s) _mm512_dpbusd_epi32(acc, u, s)
#define MAMBA__QMM_VNNI 1
#else
typedef __m256i mamba__qvi;
typedef __m256 mamba__qvf;
#define MAMBA__QV_LOADI(p) MAMBA__LOADI(p)
#define MAMBA__QV_SET1I(v) _mm256_set1_epi32(v)
#define MAMBA__QV_ZEROI() _mm256_setzero_si256()
#define MAMBA__QV_ADDI(a, b) _mm256_add_epi32(a, b)
#define MAMBA__QV_SUBI(a, b) _mm256_sub_epi32(a, b)
#define MAMBA__QV_MULLO(a, b) _mm256_mullo_epi32(a, b)
#define MAMBA__QV_SLLI(a, n) _mm256_slli_epi32(a, n)
#define MAMBA__QV_SLL(a, n) _mm256_sll_epi32(a, _mm_cvtsi32_si128(n))
#define MAMBA__QV_CVT(a) _mm256_cvtepi32_ps(a)
#define MAMBA__QV_MADD16(a, b) _mm256_madd_epi16(a, b)
#define MAMBA__QV_PACK16(lo, hi) _mm256_or_si256(_mm256_and_si256(lo, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(hi, 16))
#define MAMBA__QF_SET1(v) _mm256_set1_ps(v)
#define MAMBA__QF_LOAD(p) _mm256_loadu_ps(p)
#define MAMBA__QF_STORE(p, v) _mm256_storeu_ps(p, v)
#define MAMBA__QF_ZERO() _mm256_setzero_ps()
#define MAMBA__QF_MUL(a, b) _mm256_mul_ps(a, b)
#define MAMBA__QF_ADD(a, b) _mm256_add_ps(a, b)
#define MAMBA__QF_SUB(a, b) _mm256_sub_ps(a, b)
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define MAMBA__QMM_DP(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#define MAMBA__QMM_VNNI 1
#elif defined(__AVXVNNI__)
#define MAMBA__QMM_DP(acc, u, s) _mm256_dpbusd_avx_epi32(acc, u, s)
#define MAMBA__QMM_VNNI 1
#else
#define MAMBA__QMM_DP(acc, u, s) _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)))
#endif
#endif
static mamba__qvi mamba__bcast32(const unsigned char *p) { int32_t v; memcpy(&v, p, 4); return MAMBA__QV_SET1I(v); }
#define MAMBA__QMM_U 256   /* bytes of unpacked weights per row and step (8 blocks of 32, or a super-block) */
/* d[r] (r < 4) = dots of nc (a multiple of 4) 4-byte columns: unpacked rows
   u + r * MAMBA__QMM_U (unsigned) against the group's activation columns xq
   (signed); with x2, e[r] the same against a second group x2. With s8 (Q8_0
   without VNNI) u holds |w| and s8 w, and the sign moves onto x. */
#ifdef MAMBA__QMM_VNNI
#define MAMBA__QMM_SIGNED(c) ((void)0)   /* VNNI: signed weights are +128 (s8 NULL) */
#else
#define MAMBA__QMM_SIGNED(c) do {                                                                  \
        a0 = MAMBA__QMM_DP(a0, w0, _mm256_sign_epi8(xv, mamba__bcast32(s8 + 4 * (c))));            \
        a1 = MAMBA__QMM_DP(a1, w1, _mm256_sign_epi8(xv, mamba__bcast32(s8 + MAMBA__QMM_U + 4 * (c)))); \
        a2 = MAMBA__QMM_DP(a2, w2, _mm256_sign_epi8(xv, mamba__bcast32(s8 + 2 * MAMBA__QMM_U + 4 * (c)))); \
        a3 = MAMBA__QMM_DP(a3, w3, _mm256_sign_epi8(xv, mamba__bcast32(s8 + 3 * MAMBA__QMM_U + 4 * (c)))); \
    } while (0)
#endif
#define MAMBA__QMM_COL(c) do {                                                                     \
        mamba__qvi xv = MAMBA__QV_LOADI(xq + 4 * MAMBA__QMM_G * (c)), w0, w1, w2, w3;               \
        w0 = mamba__bcast32(u + 4 * (c)); w1 = mamba__bcast32(u + MAMBA__QMM_U + 4 * (c));           \
        w2 = mamba__bcast32(u + 2 * MAMBA__QMM_U + 4 * (c)); w3 = mamba__bcast32(u + 3 * MAMBA__QMM_U + 4 * (c)); \
        if (s8) {                                                                                  \
            MAMBA__QMM_SIGNED(c);                                                                  \
        } else {                                                                                   \
            a0 = MAMBA__QMM_DP(a0, w0, xv); a1 = MAMBA__QMM_DP(a1, w1, xv);                        \
            a2 = MAMBA__QMM_DP(a2, w2, xv); a3 = MAMBA__QMM_DP(a3, w3, xv);                        \
            if (x2) {                                                                              \
                xv = MAMBA__QV_LOADI(x2 + 4 * MAMBA__QMM_G * (c));                                 \
                b0 = MAMBA__QMM_DP(b0, w0, xv); b1 = MAMBA__QMM_DP(b1, w1, xv);                    \
                b2 = MAMBA__QMM_DP(b2, w2, xv); b3 = MAMBA__QMM_DP(b3, w3, xv);                    \
            }                                                                                      \
        }                                                                                          \
    } while (0)
/* the accumulators start at i0 (group xq) and i1 (group x2): a correction
   that is the same for the 4 rows costs no subtraction per row */
static inline void mamba__qmm_dots(mamba__qvi *d, mamba__qvi *e, const unsigned char *u, const unsigned char *s8,
                            const signed char *xq, const signed char *x2, int nc, mamba__qvi i0, mamba__qvi i1) {
    mamba__qvi a0 = i0, a1 = i0, a2 = i0, a3 = i0, b0 = i1, b1 = i1, b2 = i1, b3 = i1;
    int c;
    for (c = 0; c < nc; c += 4) {
        MAMBA__QMM_COL(c); MAMBA__QMM_COL(c + 1); MAMBA__QMM_COL(c + 2); MAMBA__QMM_COL(c + 3);
    }
    d[0] = a0; d[1] = a1; d[2] = a2; d[3] = a3;
    if (x2) { e[0] = b0; e[1] = b1; e[2] = b2; e[3] = b3; }
}
/* 32-block float part of one group of 8 blocks (nk of them real) for one
   row and 8 tokens: mamba__qgroup's operations in token lanes; with dm (the
   blocks' f16 mins, Q4_1 / Q5_1) mamba__xq_group's: (d*dx)*isum + (m*dx)*sx */
static mamba__qvf mamba__qmm_block(const float *dw, const float *dm, const float *dx, const int32_t *sx, const mamba__qvi *isum, int k, int nk) {
    mamba__qvf p, t2;
    if (k >= nk) return MAMBA__QF_ZERO();
    p = MAMBA__QF_MUL(MAMBA__QF_SET1(dw[k]), MAMBA__QF_LOAD(dx + MAMBA__QMM_G * k));
    p = MAMBA__QF_MUL(p, MAMBA__QV_CVT(isum[4 * k]));
    MAMBA__OPAQUE(p);
    if (!dm) return p;
    t2 = MAMBA__QF_MUL(MAMBA__QF_SET1(dm[k]), MAMBA__QF_LOAD(dx + MAMBA__QMM_G * k));
    t2 = MAMBA__QF_MUL(t2, MAMBA__QV_CVT(MAMBA__QV_LOADI(sx + MAMBA__QMM_G * k)));
    MAMBA__OPAQUE(t2);
    return MAMBA__QF_ADD(p, t2);
}
static mamba__qvf mamba__qmm_group(const float *dw, const float *dm, const float *dx, const int32_t *sx, const mamba__qvi *isum, int nk) {
#define MAMBA__QMM_B(k) mamba__qmm_block(dw, dm, dx, sx, isum, k, nk)
    mamba__qvf a = MAMBA__QF_ADD(MAMBA__QF_ADD(MAMBA__QMM_B(0), MAMBA__QMM_B(4)), MAMBA__QF_ADD(MAMBA__QMM_B(2), MAMBA__QMM_B(6)));
    mamba__qvf b = MAMBA__QF_ADD(MAMBA__QF_ADD(MAMBA__QMM_B(1), MAMBA__QMM_B(5)), MAMBA__QF_ADD(MAMBA__QMM_B(3), MAMBA__QMM_B(7)));
#undef MAMBA__QMM_B
    return MAMBA__QF_ADD(a, b);   /* ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)) */
}
/* -(s << shift), the correction the dots of a block start from (3: Q4_0's
   -8, 4: Q5_0's -16, 5: Q6_K's -32, 7: a signed weight made unsigned with
   ^0x80); shift -1: none */
static mamba__qvi mamba__qmm_corr(const int32_t *s, int shift) {
    return shift < 0 ? MAMBA__QV_ZEROI() : MAMBA__QV_SUBI(MAMBA__QV_ZEROI(), MAMBA__QV_SLL(MAMBA__QV_LOADI(s), shift));
}
/* the int dots of blocks kb.. (nk) of one group (corrected) -> acc (4 rows x G tokens) */
static void mamba__qmm_q32_finish(float *acc, const float *dw, const float *dm, const mamba__qil *x, int kb, int nk, const mamba__qvi *isum) {
    int r;
    for (r = 0; r < 4; r++)
        MAMBA__QF_STORE(acc + MAMBA__QMM_G * r, MAMBA__QF_ADD(MAMBA__QF_LOAD(acc + MAMBA__QMM_G * r),
                         mamba__qmm_group(dw + 8 * r, dm ? dm + 8 * r : NULL, x->d + (size_t)kb * MAMBA__QMM_G, x->s + (size_t)kb * MAMBA__QMM_G, isum + r, nk)));
}
/* the 32-block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL), nb blocks of
   32; acc [ng][4 rows][8 tokens]. Weights unpacked to their values in order:
   unsigned (nibbles, 5-bit) as they are; signed (Q8_0, IQ4_NL's table
   values) +128 with VNNI, else as |w| with the sign moved onto x */
static void mamba__qmm_q32(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nb, mamba_dtype dt) {
    size_t bb = mamba__block_bytes(dt);
    unsigned char u[4 * MAMBA__QMM_U], s8[4 * MAMBA__QMM_U];
    float dw[4 * 8], dm[4 * 8];   /* the weight scales (and mins) of the 8 blocks, per row */
    mamba__qvi isum[8 * 4], isum2[8 * 4];
    __m256i tab = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)mamba__iq4nl_values));
    int kb, k, r, g, sign = 0, two = 0, signed8 = dt == MAMBA_DTYPE_Q8_0 || dt == MAMBA_DTYPE_IQ4_NL;
    int has_m = dt == MAMBA_DTYPE_Q4_1 || dt == MAMBA_DTYPE_Q5_1;
    int shift = dt == MAMBA_DTYPE_Q4_0 ? 3 : dt == MAMBA_DTYPE_Q5_0 ? 4 : -1;
#ifdef MAMBA__QMM_VNNI
    __m256i flip = _mm256_set1_epi8((char)0x80);
    if (signed8) shift = 7;   /* (w + 128) . x - 128 sum(x) */
#else
    sign = signed8;
#endif
    for (kb = 0; kb < nb; kb += 8) {
        int nk = nb - kb < 8 ? nb - kb : 8;
        /* unpack: values in order (the type's case outside the loops) */
#ifdef MAMBA__QMM_VNNI
#define MAMBA__QMM_SIGN8(v) v = _mm256_xor_si256(v, flip)   /* w + 128 */
#else
#define MAMBA__QMM_SIGN8(v) do { _mm256_storeu_si256((__m256i *)(void *)(s8 + MAMBA__QMM_U * r + 32 * k), v); v = _mm256_sign_epi8(v, v); } while (0)   /* |w| */
#endif
#define MAMBA__QMM_UNPACK(expr, sgn) do {                                                               \
        for (r = 0; r < 4; r++)                                                                         \
            for (k = 0; k < nk; k++) {                                                                  \
                const unsigned char *b = wr[r] + (size_t)(kb + k) * bb;                                 \
                __m256i v = expr;                                                                       \
                dw[8 * r + k] = mamba__qf16(b);                                                         \
                if (has_m) dm[8 * r + k] = mamba__qf16(b + 2);                                          \
                if (sgn) MAMBA__QMM_SIGN8(v);                                                           \
                _mm256_storeu_si256((__m256i *)(void *)(u + MAMBA__QMM_U * r + 32 * k), v);             \
            }                                                                                           \
    } while (0)
        switch (dt) {
        case MAMBA_DTYPE_Q8_0: MAMBA__QMM_UNPACK(MAMBA__LOADI(b + 2), 1); break;
        case MAMBA_DTYPE_IQ4_NL: MAMBA__QMM_UNPACK(_mm256_shuffle_epi8(tab, mamba__nib32(b + 2)), 1); break;
        case MAMBA_DTYPE_Q4_0: MAMBA__QMM_UNPACK(mamba__nib32(b + 2), 0); break;
        case MAMBA_DTYPE_Q4_1: MAMBA__QMM_UNPACK(mamba__nib32(b + 4), 0); break;
        case MAMBA_DTYPE_Q5_0: MAMBA__QMM_UNPACK(_mm256_or_si256(mamba__nib32(b + 6), mamba__bits32_x10(mamba__u32le(b + 2))), 0); break;
        default: MAMBA__QMM_UNPACK(_mm256_or_si256(mamba__nib32(b + 8), mamba__bits32_x10(mamba__u32le(b + 4))), 0); break;   /* Q5_1 */
        }
#undef MAMBA__QMM_UNPACK
#undef MAMBA__QMM_SIGN8
        for (g = 0; g < ng; g += 1 + two) {
            two = !sign && g + 1 < ng;
            for (k = 0; k < nk; k++)
                mamba__qmm_dots(isum + 4 * k, isum2 + 4 * k, u + 32 * k, sign ? s8 + 32 * k : NULL, x[g].q + (size_t)(kb + k) * 32 * MAMBA__QMM_G,
                                two ? x[g + 1].q + (size_t)(kb + k) * 32 * MAMBA__QMM_G : NULL, 8,
                                mamba__qmm_corr(x[g].s + (size_t)(kb + k) * MAMBA__QMM_G, shift),
                                two ? mamba__qmm_corr(x[g + 1].s + (size_t)(kb + k) * MAMBA__QMM_G, shift) : MAMBA__QV_ZEROI());
            mamba__qmm_q32_finish(acc + 4 * MAMBA__QMM_G * g, dw, has_m ? dm : NULL, &x[g], kb, nk, isum);
            if (two) mamba__qmm_q32_finish(acc + 4 * MAMBA__QMM_G * (g + 1), dw, has_m ? dm : NULL, &x[g + 1], kb, nk, isum2);
        }
    }
}
/* The K types' sub-block dots times their scales, for 4 rows and one or two
   groups, with the 8 dot and the 8 scaled-sum accumulators in registers:
   A[r] (group x0) and A[4 + r] (group x1; x1 NULL: A[4..7] untouched) +=
   sum over the nsub sub-blocks j of sc[sstr * r + j] * dot_j, dot_j the dot
   of the nc (a multiple of 4) 4-byte columns of sub-block j (unpacked rows
   u + r * MAMBA__QMM_U, 4 * nc bytes each) with the group's activations,
   started at -(s_j << shift) (s0 / s1: the groups' block sums of the
   sub-blocks; shift -1: at 0). Integers only: exact in any order, the same
   A as the per-sub-block mullo into memory it replaces. */
static inline void mamba__qmm_ksub(mamba__qvi *A, const unsigned char *ub, const signed char *x0, const signed char *x1,
                                   const int32_t *s0, const int32_t *s1, int shift, int nsub, int nc, const int *sc, int sstr) {
    const unsigned char *s8 = NULL;   /* MAMBA__QMM_COL's unsigned weights */
    mamba__qvi A0 = A[0], A1 = A[1], A2 = A[2], A3 = A[3], A4 = MAMBA__QV_ZEROI(), A5 = A4, A6 = A4, A7 = A4;
    int j, c;
    if (x1) { A4 = A[4]; A5 = A[5]; A6 = A[6]; A7 = A[7]; }
    for (j = 0; j < nsub; j++) {
        const unsigned char *u = ub + 4 * nc * j;
        const signed char *xq = x0 + (size_t)4 * MAMBA__QMM_G * nc * j, *x2 = x1 ? x1 + (size_t)4 * MAMBA__QMM_G * nc * j : NULL;
        mamba__qvi i0 = shift < 0 ? MAMBA__QV_ZEROI() : mamba__qmm_corr(s0 + MAMBA__QMM_G * j, shift);
        mamba__qvi i1 = shift < 0 || !x1 ? MAMBA__QV_ZEROI() : mamba__qmm_corr(s1 + MAMBA__QMM_G * j, shift);
        mamba__qvi a0 = i0, a1 = i0, a2 = i0, a3 = i0, b0 = i1, b1 = i1, b2 = i1, b3 = i1;
        for (c = 0; c < nc; c += 4) {
            MAMBA__QMM_COL(c); MAMBA__QMM_COL(c + 1); MAMBA__QMM_COL(c + 2); MAMBA__QMM_COL(c + 3);
        }
        A0 = MAMBA__QV_ADDI(A0, MAMBA__QV_MULLO(a0, MAMBA__QV_SET1I(sc[j])));
        A1 = MAMBA__QV_ADDI(A1, MAMBA__QV_MULLO(a1, MAMBA__QV_SET1I(sc[sstr + j])));
        A2 = MAMBA__QV_ADDI(A2, MAMBA__QV_MULLO(a2, MAMBA__QV_SET1I(sc[2 * sstr + j])));
        A3 = MAMBA__QV_ADDI(A3, MAMBA__QV_MULLO(a3, MAMBA__QV_SET1I(sc[3 * sstr + j])));
        if (x1) {
            A4 = MAMBA__QV_ADDI(A4, MAMBA__QV_MULLO(b0, MAMBA__QV_SET1I(sc[j])));
            A5 = MAMBA__QV_ADDI(A5, MAMBA__QV_MULLO(b1, MAMBA__QV_SET1I(sc[sstr + j])));
            A6 = MAMBA__QV_ADDI(A6, MAMBA__QV_MULLO(b2, MAMBA__QV_SET1I(sc[2 * sstr + j])));
            A7 = MAMBA__QV_ADDI(A7, MAMBA__QV_MULLO(b3, MAMBA__QV_SET1I(sc[3 * sstr + j])));
        }
    }
    A[0] = A0; A[1] = A1; A[2] = A2; A[3] = A3;
    if (x1) { A[4] = A4; A[5] = A5; A[6] = A6; A[7] = A7; }
}
#undef MAMBA__QMM_COL
#undef MAMBA__QMM_SIGNED
/* mamba__q4k_unpack's 8 scales as int32 (sc) and its 8 mins as int16 pairs
   (mn2[k] = min 2k | min 2k+1 << 16, little-endian x86), the same values:
   the 6-bit fields rearranged into bytes (as mamba__q4k_unpack_v), widened */
static void mamba__qmm_q4k_scales(const unsigned char *q, int *sc, int32_t *mn2) {
    uint32_t u[4];
    mamba__q4k_bytes(q, u);
    _mm256_storeu_si256((__m256i *)(void *)sc, _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)u)));
    _mm_storeu_si128((__m128i *)(void *)mn2, _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(u + 2))));
}
/* Q4_K and (five) Q5_K, nsb super-blocks of 256 */
static void mamba__qmm_q4_k(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb, int five) {
    unsigned char u[4 * MAMBA__QMM_U];
    __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(0x01);
    size_t bb = five ? 176 : 144;
    int i, j, r, g;
    for (i = 0; i < nsb; i++) {
        int sc[4][8];
        int32_t mn2[4][4];   /* the mins as int16 pairs: mn2[r][k] = min 2k | min 2k+1 << 16 */
        float dd[4], dmin[4];
        for (r = 0; r < 4; r++) {
            const unsigned char *b = wr[r] + (size_t)i * bb;
            mamba__qmm_q4k_scales(b + 4, sc[r], mn2[r]);
            dd[r] = mamba__qf16(b); dmin[r] = mamba__qf16(b + 2);
            for (j = 0; j < 4; j++) {   /* sub-blocks 2j, 2j+1: the low and high nibbles of 32 bytes (Q5_K: + bit 2j, 2j+1 of qh as 16) */
                __m256i q = MAMBA__LOADI(b + (five ? 48 : 16) + 32 * j), lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                if (five) {
                    __m256i qh = MAMBA__LOADI(b + 16);
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j)), one), 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j + 1)), one), 4));
                }
                _mm256_storeu_si256((__m256i *)(void *)(u + MAMBA__QMM_U * r + 64 * j), lo);
                _mm256_storeu_si256((__m256i *)(void *)(u + MAMBA__QMM_U * r + 64 * j + 32), hi);
            }
        }
        for (g = 0; g < ng; g += 2) {
            int two = g + 1 < ng, gg;
            mamba__qvi A[2][4], B[2][4];
            for (gg = 0; gg <= two; gg++) {   /* B = sum_j min_j * s32_j: int16 pairs (|s32| <= 32 * 127, min <= 63), one madd per 2 j */
                const int32_t *s16 = x[g + gg].s + (size_t)i * 16 * MAMBA__QMM_G;
                mamba__qvi P[4];
                for (j = 0; j < 4; j++) {
                    const int32_t *p = s16 + 4 * MAMBA__QMM_G * j;
                    mamba__qvi lo = MAMBA__QV_ADDI(MAMBA__QV_LOADI(p), MAMBA__QV_LOADI(p + MAMBA__QMM_G));
                    mamba__qvi hi = MAMBA__QV_ADDI(MAMBA__QV_LOADI(p + 2 * MAMBA__QMM_G), MAMBA__QV_LOADI(p + 3 * MAMBA__QMM_G));
                    P[j] = MAMBA__QV_PACK16(lo, hi);
                }
                for (r = 0; r < 4; r++) {
                    A[gg][r] = MAMBA__QV_ZEROI();
                    B[gg][r] = MAMBA__QV_ADDI(MAMBA__QV_ADDI(MAMBA__QV_MADD16(P[0], MAMBA__QV_SET1I(mn2[r][0])), MAMBA__QV_MADD16(P[1], MAMBA__QV_SET1I(mn2[r][1]))),
                                              MAMBA__QV_ADDI(MAMBA__QV_MADD16(P[2], MAMBA__QV_SET1I(mn2[r][2])), MAMBA__QV_MADD16(P[3], MAMBA__QV_SET1I(mn2[r][3]))));
                }
            }
            mamba__qmm_ksub(&A[0][0], u, x[g].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G, two ? x[g + 1].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G : NULL,
                            NULL, NULL, -1, 8, 8, &sc[0][0], 8);
            for (gg = 0; gg <= two; gg++) {
                mamba__qvf dx = MAMBA__QF_LOAD(x[g + gg].d + (size_t)i * MAMBA__QMM_G);
                for (r = 0; r < 4; r++) {   /* mamba__q4k_combine in token lanes */
                    float *a = acc + 4 * MAMBA__QMM_G * (g + gg) + MAMBA__QMM_G * r;
                    mamba__qvf t1 = MAMBA__QF_MUL(MAMBA__QF_SET1(dd[r]), dx), t2 = MAMBA__QF_MUL(MAMBA__QF_SET1(dmin[r]), dx);
                    t1 = MAMBA__QF_MUL(t1, MAMBA__QV_CVT(A[gg][r]));
                    t2 = MAMBA__QF_MUL(t2, MAMBA__QV_CVT(B[gg][r]));
                    MAMBA__OPAQUE(t1);
                    MAMBA__OPAQUE(t2);
                    MAMBA__QF_STORE(a, MAMBA__QF_ADD(MAMBA__QF_LOAD(a), MAMBA__QF_SUB(t1, t2)));
                }
            }
        }
    }
}
/* Q6_K, nsb super-blocks of 256; value 128h + 32g + l is in sub-block 8h + 2g + l/16 */
static void mamba__qmm_q6_k(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb) {
    unsigned char u[4 * MAMBA__QMM_U];
    __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(0x03), m30 = _mm256_set1_epi8(0x30);
    int i, j, r, g, h;
    for (i = 0; i < nsb; i++) {
        int sc[4][16];
        for (r = 0; r < 4; r++) {   /* unpack as mamba__qdot_q6_k_x86: q0..q3 are values 32g + l of half h */
            const unsigned char *b = wr[r] + (size_t)i * 210;
            unsigned char *o = u + MAMBA__QMM_U * r;
            for (j = 0; j < 16; j++) sc[r][j] = (signed char)b[192 + j];
            for (h = 0; h < 2; h++) {
                __m256i qa = MAMBA__LOADI(b + 64 * h), qb = MAMBA__LOADI(b + 64 * h + 32), qh = MAMBA__LOADI(b + 128 + 32 * h);
                _mm256_storeu_si256((__m256i *)(void *)(o + 128 * h), _mm256_or_si256(_mm256_and_si256(qa, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m3), 4)));
                _mm256_storeu_si256((__m256i *)(void *)(o + 128 * h + 32), _mm256_or_si256(_mm256_and_si256(qb, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30)));
                _mm256_storeu_si256((__m256i *)(void *)(o + 128 * h + 64), _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qa, 4), m4), _mm256_and_si256(qh, m30)));
                _mm256_storeu_si256((__m256i *)(void *)(o + 128 * h + 96), _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qb, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30)));
            }
        }
        for (g = 0; g < ng; g += 2) {
            int two = g + 1 < ng, gg;
            mamba__qvi A[2][4];
            for (r = 0; r < 4; r++) A[0][r] = A[1][r] = MAMBA__QV_ZEROI();
            /* sub-block j: values 16j .. 16j+15, the dots started at the -32 of q6 */
            mamba__qmm_ksub(&A[0][0], u, x[g].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G, two ? x[g + 1].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G : NULL,
                            x[g].s + (size_t)i * 16 * MAMBA__QMM_G, two ? x[g + 1].s + (size_t)i * 16 * MAMBA__QMM_G : NULL, 5, 16, 4, &sc[0][0], 16);
            for (gg = 0; gg <= two; gg++) {
                mamba__qvf dx = MAMBA__QF_LOAD(x[g + gg].d + (size_t)i * MAMBA__QMM_G);
                for (r = 0; r < 4; r++) {   /* mamba__q6k_combine in token lanes */
                    float *a = acc + 4 * MAMBA__QMM_G * (g + gg) + MAMBA__QMM_G * r;
                    mamba__qvf t = MAMBA__QF_MUL(MAMBA__QF_SET1(mamba__qf16(wr[r] + (size_t)i * 210 + 208)), dx);
                    t = MAMBA__QF_MUL(t, MAMBA__QV_CVT(A[gg][r]));
                    MAMBA__OPAQUE(t);
                    MAMBA__QF_STORE(a, MAMBA__QF_ADD(MAMBA__QF_LOAD(a), t));
                }
            }
        }
    }
}
/* Q2_K and (q3) Q3_K, nsb super-blocks of 256: 16 sub-blocks of 16 as Q6_K;
   values 128h + 32k + l are bits 2k of qs[32h + l] (Q3_K: | bit 4h + k of
   hmask[l] << 2, i.e. q3 + 4); the mins (Q2_K) and Q3_K's -4 through the
   block sums of 16 */
static void mamba__qmm_q23_k(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb, int q3) {
    unsigned char u[4 * MAMBA__QMM_U];
    __m256i m3 = _mm256_set1_epi8(0x03), one = _mm256_set1_epi8(0x01);
    size_t bb = q3 ? 110 : 84;
    int i, j, r, g, h, k;
    for (i = 0; i < nsb; i++) {
        int sc[4][16], mn[4][16];
        for (r = 0; r < 4; r++) {
            const unsigned char *b = wr[r] + (size_t)i * bb;
            unsigned char *o = u + MAMBA__QMM_U * r;
            __m256i hm = q3 ? MAMBA__LOADI(b) : _mm256_setzero_si256();
            if (q3) mamba__q3k_scales(b + 96, sc[r]);
            else for (j = 0; j < 16; j++) { sc[r][j] = b[j] & 0xF; mn[r][j] = b[j] >> 4; }
            for (h = 0; h < 2; h++) {
                __m256i qs = MAMBA__LOADI(b + (q3 ? 32 : 16) + 32 * h);
                for (k = 0; k < 4; k++) {
                    __m256i q = _mm256_and_si256(_mm256_srl_epi16(qs, _mm_cvtsi32_si128(2 * k)), m3);
                    if (q3) q = _mm256_or_si256(q, _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(hm, _mm_cvtsi32_si128(4 * h + k)), one), 2));
                    _mm256_storeu_si256((__m256i *)(void *)(o + 128 * h + 32 * k), q);
                }
            }
        }
        for (g = 0; g < ng; g += 2) {
            int two = g + 1 < ng, gg;
            mamba__qvi A[2][4], B[2][4];
            for (gg = 0; gg <= two; gg++) {   /* B = sum_j m_j * s16_j: int16 pairs (|s16| <= 16 * 127, |m| <= 32), one madd per 2 j */
                const int32_t *s16 = x[g + gg].s + (size_t)i * 16 * MAMBA__QMM_G;
                mamba__qvi P[8];
                for (j = 0; j < 8; j++) P[j] = MAMBA__QV_PACK16(MAMBA__QV_LOADI(s16 + 2 * MAMBA__QMM_G * j), MAMBA__QV_LOADI(s16 + 2 * MAMBA__QMM_G * j + MAMBA__QMM_G));
                for (r = 0; r < 4; r++) {
                    mamba__qvi t = MAMBA__QV_ZEROI();
                    for (j = 0; j < 8; j++) {
                        uint32_t pk = ((uint32_t)(q3 ? sc[r][2 * j] : mn[r][2 * j]) & 0xFFFFu) | (uint32_t)(q3 ? sc[r][2 * j + 1] : mn[r][2 * j + 1]) << 16;
                        int32_t m2;
                        memcpy(&m2, &pk, 4);
                        t = MAMBA__QV_ADDI(t, MAMBA__QV_MADD16(P[j], MAMBA__QV_SET1I(m2)));
                    }
                    A[gg][r] = MAMBA__QV_ZEROI();
                    B[gg][r] = t;
                }
            }
            /* sub-block j: values 16j .. 16j+15 */
            mamba__qmm_ksub(&A[0][0], u, x[g].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G, two ? x[g + 1].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G : NULL,
                            NULL, NULL, -1, 16, 4, &sc[0][0], 16);
            for (gg = 0; gg <= two; gg++) {
                mamba__qvf dx = MAMBA__QF_LOAD(x[g + gg].d + (size_t)i * MAMBA__QMM_G);
                for (r = 0; r < 4; r++) {
                    const unsigned char *b = wr[r] + (size_t)i * bb;
                    float *a = acc + 4 * MAMBA__QMM_G * (g + gg) + MAMBA__QMM_G * r;
                    mamba__qvf v;
                    if (q3) {   /* mamba__xq_p1(b + 108, dx, A - 4 B) in token lanes */
                        mamba__qvf t = MAMBA__QF_MUL(MAMBA__QF_SET1(mamba__qf16(b + 108)), dx);
                        v = MAMBA__QF_MUL(t, MAMBA__QV_CVT(MAMBA__QV_SUBI(A[gg][r], MAMBA__QV_SLLI(B[gg][r], 2))));
                        MAMBA__OPAQUE(v);
                    } else {    /* mamba__q4k_combine(b + 80, ...) in token lanes */
                        mamba__qvf t1 = MAMBA__QF_MUL(MAMBA__QF_SET1(mamba__qf16(b + 80)), dx), t2 = MAMBA__QF_MUL(MAMBA__QF_SET1(mamba__qf16(b + 82)), dx);
                        t1 = MAMBA__QF_MUL(t1, MAMBA__QV_CVT(A[gg][r]));
                        t2 = MAMBA__QF_MUL(t2, MAMBA__QV_CVT(B[gg][r]));
                        MAMBA__OPAQUE(t1);
                        MAMBA__OPAQUE(t2);
                        v = MAMBA__QF_SUB(t1, t2);
                    }
                    MAMBA__QF_STORE(a, MAMBA__QF_ADD(MAMBA__QF_LOAD(a), v));
                }
            }
        }
    }
}
/* IQ4_XS, nsb super-blocks of 256: 8 sub-blocks of 32, signed table values
   (+128 with VNNI, the 128 * sum(x) taken off; else |w| with the sign on x) */
static void mamba__qmm_iq4_xs(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb) {
    unsigned char u[4 * MAMBA__QMM_U], s8[4 * MAMBA__QMM_U];
    __m256i tab = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)mamba__iq4nl_values));
    int i, j, r, g, sign = 1;
#ifdef MAMBA__QMM_VNNI
    __m256i flip = _mm256_set1_epi8((char)0x80);
    sign = 0;
#endif
    for (i = 0; i < nsb; i++) {
        int sc[4][8];
        for (r = 0; r < 4; r++) {
            const unsigned char *b = wr[r] + (size_t)i * 136;
            mamba__iq4xs_scales(b, sc[r]);
            for (j = 0; j < 8; j++) {
                __m256i v = _mm256_shuffle_epi8(tab, mamba__nib32(b + 8 + 16 * j));
#ifdef MAMBA__QMM_VNNI
                v = _mm256_xor_si256(v, flip);
#else
                _mm256_storeu_si256((__m256i *)(void *)(s8 + MAMBA__QMM_U * r + 32 * j), v);
                v = _mm256_sign_epi8(v, v);
#endif
                _mm256_storeu_si256((__m256i *)(void *)(u + MAMBA__QMM_U * r + 32 * j), v);
            }
        }
        for (g = 0; g < ng; g += 2 - sign) {
            int two = !sign && g + 1 < ng, gg;
            mamba__qvi A[2][4], d[2][4];
            for (r = 0; r < 4; r++) A[0][r] = A[1][r] = MAMBA__QV_ZEROI();
            for (j = 0; j < 8; j++) {
                mamba__qmm_dots(d[0], d[1], u + 32 * j, sign ? s8 + 32 * j : NULL, x[g].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G + 32 * MAMBA__QMM_G * j,
                                two ? x[g + 1].q + (size_t)i * MAMBA__QKK * MAMBA__QMM_G + 32 * MAMBA__QMM_G * j : NULL, 8, MAMBA__QV_ZEROI(), MAMBA__QV_ZEROI());
                for (gg = 0; gg <= two; gg++) {
#ifdef MAMBA__QMM_VNNI
                    const int32_t *s16 = x[g + gg].s + (size_t)i * 16 * MAMBA__QMM_G;
                    mamba__qvi corr = MAMBA__QV_SLLI(MAMBA__QV_ADDI(MAMBA__QV_LOADI(s16 + 2 * MAMBA__QMM_G * j), MAMBA__QV_LOADI(s16 + 2 * MAMBA__QMM_G * j + MAMBA__QMM_G)), 7);
#else
                    mamba__qvi corr = MAMBA__QV_ZEROI();
#endif
                    for (r = 0; r < 4; r++)
                        A[gg][r] = MAMBA__QV_ADDI(A[gg][r], MAMBA__QV_MULLO(MAMBA__QV_SUBI(d[gg][r], corr), MAMBA__QV_SET1I(sc[r][j])));
                }
            }
            for (gg = 0; gg <= two; gg++) {
                mamba__qvf dx = MAMBA__QF_LOAD(x[g + gg].d + (size_t)i * MAMBA__QMM_G);
                for (r = 0; r < 4; r++) {   /* mamba__xq_p1(b, dx, A) in token lanes */
                    float *a = acc + 4 * MAMBA__QMM_G * (g + gg) + MAMBA__QMM_G * r;
                    mamba__qvf t = MAMBA__QF_MUL(MAMBA__QF_SET1(mamba__qf16(wr[r] + (size_t)i * 136)), dx);
                    t = MAMBA__QF_MUL(t, MAMBA__QV_CVT(A[gg][r]));
                    MAMBA__OPAQUE(t);
                    MAMBA__QF_STORE(a, MAMBA__QF_ADD(MAMBA__QF_LOAD(a), t));
                }
            }
        }
    }
}
/* mamba__quantize_act's vector twin, the same bits: amax by max (NaN lanes
   skipped as its `v > amax` skips them; a max is a max in any order), the
   same d and id in scalar code, x * id rounded half away from zero as roundf
   does it (t = trunc(y); y - t is exact; |y - t| >= 0.5 steps t away from
   zero, exact below 2^24, and y is an integer above 2^23), then clamped to
   [-127, 127] with NaN -> 0; the block sums in scalar code as there. */
#define MAMBA__QACT_V 1
static void mamba__quantize_act_v(const float *x, int n, int blk, unsigned char *buf) {
    signed char *q = (signed char *)buf;
    float *dd = (float *)(void *)(buf + n);
    int32_t *s = (int32_t *)(void *)(buf + (size_t)n + 4 * (((size_t)n + 31) / 32));
    const __m256 sgn = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int b, i, k, sub = blk == MAMBA__QKK ? 16 : 32;
    for (b = 0; b < n; b += blk) {
        __m256 m = _mm256_setzero_ps(), idv;
        __m128 m4;
        float amax, d, id;
        for (i = 0; i < blk; i += 8) m = _mm256_max_ps(_mm256_andnot_ps(sgn, _mm256_loadu_ps(x + b + i)), m);
        m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
        amax = _mm_cvtss_f32(m4);
        d = amax / 127.0f;
        id = d > 0 ? 1.0f / d : 0.0f;
        dd[b / blk] = d;
        idv = _mm256_set1_ps(id);
        for (i = 0; i < blk; i += 32) {
            __m256i v[4];
            for (k = 0; k < 4; k++) {
                __m256 y = _mm256_mul_ps(_mm256_loadu_ps(x + b + i + 8 * k), idv);
                __m256 t = _mm256_round_ps(y, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
                __m256 ge = _mm256_cmp_ps(_mm256_andnot_ps(sgn, _mm256_sub_ps(y, t)), half, _CMP_GE_OQ);
                __m256 r = _mm256_add_ps(t, _mm256_and_ps(ge, _mm256_or_ps(_mm256_and_ps(y, sgn), one)));
                r = _mm256_and_ps(_mm256_min_ps(hi, _mm256_max_ps(lo, r)), _mm256_cmp_ps(r, r, _CMP_ORD_Q));
                v[k] = _mm256_cvtps_epi32(r);
            }
            _mm256_storeu_si256((__m256i *)(void *)(q + b + i),
                                _mm256_permutevar8x32_epi32(_mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3])), perm));
        }
    }
    for (b = 0; b < n; b += sub) {
        int32_t t = 0;
        for (i = 0; i < sub; i++) t += q[b + i];
        s[b / sub] = t;
    }
}
#elif defined(MAMBA__QDOT_V) && defined(__aarch64__) && defined(__ARM_NEON)
#define MAMBA__QMM_V 1
#define MAMBA__QMM_U 256   /* bytes of unpacked weights per row and step (8 blocks of 32, or a super-block) */
/* acc + signed . signed, 4 products per int32 lane (sdot, or smull + pairwise adds:
   |pair| <= 2 * 128 * 127 fits int16 since the activations stay in [-127, 127]) */
#if defined(__ARM_FEATURE_DOTPROD)
#define MAMBA__QMM_NDOT(acc, w, x) vdotq_s32(acc, w, x)
#else
#define MAMBA__QMM_NDOT(acc, w, x) vpadalq_s16(acc, vpaddq_s16(vmull_s8(vget_low_s8(w), vget_low_s8(x)), vmull_high_s8(w, x)))
#endif
static int8x16_t mamba__bcast32_neon(const unsigned char *p) { int32_t v; memcpy(&v, p, 4); return vreinterpretq_s8_s32(vdupq_n_s32(v)); }
/* d[2r + h] (row r < 4, tokens 4h..4h+3) = dots of nc 4-byte columns of the
   unpacked rows u + r * MAMBA__QMM_U against the group's columns xq */
static inline void mamba__qmm_dots_neon(int32x4_t *d, const unsigned char *u, const signed char *xq, int nc) {
    int32x4_t a[8];
    int c, r;
    for (r = 0; r < 8; r++) a[r] = vdupq_n_s32(0);
    for (c = 0; c < nc; c++) {
        int8x16_t x0 = vld1q_s8(xq + 32 * c), x1 = vld1q_s8(xq + 32 * c + 16);
        for (r = 0; r < 4; r++) {
            int8x16_t w = mamba__bcast32_neon(u + MAMBA__QMM_U * r + 4 * c);
            a[2 * r] = MAMBA__QMM_NDOT(a[2 * r], w, x0);
            a[2 * r + 1] = MAMBA__QMM_NDOT(a[2 * r + 1], w, x1);
        }
    }
    for (r = 0; r < 8; r++) d[r] = a[r];
}
/* the 32-block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL), nb blocks of
   32; acc [ng][4 rows][8 tokens]. Weights unpacked to their signed values
   (IQ4_NL's through the table; nibbles and 5-bit as they are, the -8 / -16
   of Q4_0 / Q5_0 taken off with the block sums) */
static void mamba__qmm_q32(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nb, mamba_dtype dt) {
    size_t bb = mamba__block_bytes(dt);
    unsigned char u[4 * MAMBA__QMM_U];
    float dw[4 * 8], dm[4 * 8];
    int32x4_t isum[8 * 8];   /* [block][row][half] */
    uint8x16_t m4 = vdupq_n_u8(0x0F);
    int8x16_t tab = vld1q_s8(mamba__iq4nl_values);
    int kb, k, r, g, h, has_m = dt == MAMBA_DTYPE_Q4_1 || dt == MAMBA_DTYPE_Q5_1;
    int shift = dt == MAMBA_DTYPE_Q4_0 ? 3 : dt == MAMBA_DTYPE_Q5_0 ? 4 : 0;
    for (kb = 0; kb < nb; kb += 8) {
        int nk = nb - kb < 8 ? nb - kb : 8;
        for (r = 0; r < 4; r++)
            for (k = 0; k < nk; k++) {
                const unsigned char *b = wr[r] + (size_t)(kb + k) * bb;
                unsigned char *o = u + MAMBA__QMM_U * r + 32 * k;
                dw[8 * r + k] = mamba__qf16(b);
                if (has_m) dm[8 * r + k] = mamba__qf16(b + 2);
                switch (dt) {
                case MAMBA_DTYPE_Q8_0: memcpy(o, b + 2, 32); break;
                case MAMBA_DTYPE_IQ4_NL: {
                    uint8x16_t v = vld1q_u8(b + 2);
                    vst1q_s8((int8_t *)o, vqtbl1q_s8(tab, vandq_u8(v, m4))); vst1q_s8((int8_t *)(o + 16), vqtbl1q_s8(tab, vshrq_n_u8(v, 4)));
                } break;
                case MAMBA_DTYPE_Q4_0: case MAMBA_DTYPE_Q4_1: {
                    uint8x16_t v = vld1q_u8(b + (dt == MAMBA_DTYPE_Q4_0 ? 2 : 4));
                    vst1q_u8(o, vandq_u8(v, m4)); vst1q_u8(o + 16, vshrq_n_u8(v, 4));
                } break;
                default: {   /* Q5_0, Q5_1 */
                    const unsigned char *qh = b + (dt == MAMBA_DTYPE_Q5_1 ? 4 : 2);
                    uint8x16_t v = vld1q_u8(qh + 4);
                    vst1q_u8(o, vorrq_u8(vandq_u8(v, m4), mamba__bits16_x10(qh[0], qh[1])));
                    vst1q_u8(o + 16, vorrq_u8(vshrq_n_u8(v, 4), mamba__bits16_x10(qh[2], qh[3])));
                } break;
                }
            }
        for (g = 0; g < ng; g++) {
            for (k = 0; k < nk; k++) {
                int32x4_t c0 = vld1q_s32(x[g].s + (size_t)(kb + k) * 8), c1 = vld1q_s32(x[g].s + (size_t)(kb + k) * 8 + 4);
                mamba__qmm_dots_neon(isum + 8 * k, u + 32 * k, x[g].q + (size_t)(kb + k) * 256, 8);
                if (shift)   /* the -8 / -16 of the unsigned values */
                    for (r = 0; r < 4; r++) {
                        isum[8 * k + 2 * r] = vsubq_s32(isum[8 * k + 2 * r], vshlq_s32(c0, vdupq_n_s32(shift)));
                        isum[8 * k + 2 * r + 1] = vsubq_s32(isum[8 * k + 2 * r + 1], vshlq_s32(c1, vdupq_n_s32(shift)));
                    }
            }
            for (r = 0; r < 4; r++)   /* mamba__qgroup's (mamba__xq_group's) operations in token lanes */
                for (h = 0; h < 2; h++) {
                    float32x4_t p[8], t;
                    float *a = acc + 32 * g + 8 * r + 4 * h;
                    for (k = 0; k < 8; k++) {
                        float32x4_t dx;
                        if (k >= nk) { p[k] = vdupq_n_f32(0.0f); continue; }
                        dx = vld1q_f32(x[g].d + (size_t)(kb + k) * 8 + 4 * h);
                        p[k] = vmulq_f32(vdupq_n_f32(dw[8 * r + k]), dx);
                        p[k] = vmulq_f32(p[k], vcvtq_f32_s32(isum[8 * k + 2 * r + h]));
                        MAMBA__OPAQUE(p[k]);
                        if (has_m) {
                            float32x4_t t2 = vmulq_f32(vdupq_n_f32(dm[8 * r + k]), dx);
                            t2 = vmulq_f32(t2, vcvtq_f32_s32(vld1q_s32(x[g].s + (size_t)(kb + k) * 8 + 4 * h)));
                            MAMBA__OPAQUE(t2);
                            p[k] = vaddq_f32(p[k], t2);
                        }
                    }
                    t = vaddq_f32(vaddq_f32(vaddq_f32(p[0], p[4]), vaddq_f32(p[2], p[6])), vaddq_f32(vaddq_f32(p[1], p[5]), vaddq_f32(p[3], p[7])));
                    vst1q_f32(a, vaddq_f32(vld1q_f32(a), t));
                }
        }
    }
}
/* Q4_K and (five) Q5_K, nsb super-blocks of 256 */
static void mamba__qmm_q4_k(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb, int five) {
    unsigned char u[4 * MAMBA__QMM_U];
    uint8x16_t m4 = vdupq_n_u8(0x0F), one = vdupq_n_u8(0x01);
    size_t bb = five ? 176 : 144;
    int i, j, r, g, h;
    for (i = 0; i < nsb; i++) {
        int sc[4][8], mn[4][8];
        for (r = 0; r < 4; r++) {
            const unsigned char *b = wr[r] + (size_t)i * bb;
            mamba__q4k_unpack(b + 4, sc[r], mn[r]);
            for (j = 0; j < 8; j++) {   /* 16 bytes: low nibbles -> sub-block 2(j/2), high -> 2(j/2)+1 (Q5_K: + their qh bit as 16) */
                uint8x16_t q = vld1q_u8(b + (five ? 48 : 16) + 16 * j), lo = vandq_u8(q, m4), hi = vshrq_n_u8(q, 4);
                if (five) {
                    uint8x16_t qh = vld1q_u8(b + 16 + 16 * (j & 1));
                    lo = vorrq_u8(lo, vshlq_n_u8(vandq_u8(mamba__shr_u8(qh, 2 * (j / 2)), one), 4));
                    hi = vorrq_u8(hi, vshlq_n_u8(vandq_u8(mamba__shr_u8(qh, 2 * (j / 2) + 1), one), 4));
                }
                vst1q_u8(u + MAMBA__QMM_U * r + 64 * (j / 2) + 16 * (j & 1), lo);
                vst1q_u8(u + MAMBA__QMM_U * r + 64 * (j / 2) + 32 + 16 * (j & 1), hi);
            }
        }
        for (g = 0; g < ng; g++) {
            int32x4_t A[8], B[8], d[8];
            for (r = 0; r < 8; r++) A[r] = B[r] = vdupq_n_s32(0);
            for (j = 0; j < 8; j++) {
                const int32_t *s16 = x[g].s + (size_t)i * 16 * 8 + 16 * j;
                int32x4_t s0 = vaddq_s32(vld1q_s32(s16), vld1q_s32(s16 + 8)), s1 = vaddq_s32(vld1q_s32(s16 + 4), vld1q_s32(s16 + 12));
                mamba__qmm_dots_neon(d, u + 32 * j, x[g].q + (size_t)i * MAMBA__QKK * 8 + 256 * j, 8);
                for (r = 0; r < 4; r++) {
                    A[2 * r] = vaddq_s32(A[2 * r], vmulq_n_s32(d[2 * r], sc[r][j]));
                    A[2 * r + 1] = vaddq_s32(A[2 * r + 1], vmulq_n_s32(d[2 * r + 1], sc[r][j]));
                    B[2 * r] = vaddq_s32(B[2 * r], vmulq_n_s32(s0, mn[r][j]));
                    B[2 * r + 1] = vaddq_s32(B[2 * r + 1], vmulq_n_s32(s1, mn[r][j]));
                }
            }
            for (r = 0; r < 4; r++)   /* mamba__q4k_combine in token lanes */
                for (h = 0; h < 2; h++) {
                    const unsigned char *b = wr[r] + (size_t)i * bb;
                    float *a = acc + 32 * g + 8 * r + 4 * h;
                    float32x4_t dx = vld1q_f32(x[g].d + (size_t)i * 8 + 4 * h);
                    float32x4_t t1 = vmulq_f32(vdupq_n_f32(mamba__qf16(b)), dx), t2 = vmulq_f32(vdupq_n_f32(mamba__qf16(b + 2)), dx);
                    t1 = vmulq_f32(t1, vcvtq_f32_s32(A[2 * r + h]));
                    t2 = vmulq_f32(t2, vcvtq_f32_s32(B[2 * r + h]));
                    MAMBA__OPAQUE(t1);
                    MAMBA__OPAQUE(t2);
                    vst1q_f32(a, vaddq_f32(vld1q_f32(a), vsubq_f32(t1, t2)));
                }
        }
    }
}
/* Q6_K, nsb super-blocks of 256; value 128h + 32g + l is in sub-block 8h + 2g + l/16 */
static void mamba__qmm_q6_k(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb) {
    unsigned char u[4 * MAMBA__QMM_U];
    uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(0x03), m30 = vdupq_n_u8(0x30);
    int i, j, r, g, h, k;
    for (i = 0; i < nsb; i++) {
        for (r = 0; r < 4; r++) {   /* unpack as mamba__qdot_v (NEON): values in order */
            const unsigned char *b = wr[r] + (size_t)i * 210;
            unsigned char *o = u + MAMBA__QMM_U * r;
            for (h = 0; h < 2; h++)
                for (k = 0; k < 2; k++) {
                    uint8x16_t qa = vld1q_u8(b + 64 * h + 16 * k), qb = vld1q_u8(b + 64 * h + 32 + 16 * k), qh = vld1q_u8(b + 128 + 32 * h + 16 * k);
                    vst1q_u8(o + 128 * h + 16 * k, vorrq_u8(vandq_u8(qa, m4), vshlq_n_u8(vandq_u8(qh, m3), 4)));
                    vst1q_u8(o + 128 * h + 32 + 16 * k, vorrq_u8(vandq_u8(qb, m4), vandq_u8(vshlq_n_u8(qh, 2), m30)));
                    vst1q_u8(o + 128 * h + 64 + 16 * k, vorrq_u8(vshrq_n_u8(qa, 4), vandq_u8(qh, m30)));
                    vst1q_u8(o + 128 * h + 96 + 16 * k, vorrq_u8(vshrq_n_u8(qb, 4), vandq_u8(vshrq_n_u8(qh, 2), m30)));
                }
        }
        for (g = 0; g < ng; g++) {
            int32x4_t A[8], d[8];
            for (r = 0; r < 8; r++) A[r] = vdupq_n_s32(0);
            for (j = 0; j < 16; j++) {
                const int32_t *s16 = x[g].s + (size_t)i * 16 * 8 + 8 * j;
                int32x4_t o0 = vshlq_n_s32(vld1q_s32(s16), 5), o1 = vshlq_n_s32(vld1q_s32(s16 + 4), 5);   /* the -32 of q6 */
                mamba__qmm_dots_neon(d, u + 16 * j, x[g].q + (size_t)i * MAMBA__QKK * 8 + 128 * j, 4);
                for (r = 0; r < 4; r++) {
                    int s = (signed char)wr[r][(size_t)i * 210 + 192 + j];
                    A[2 * r] = vaddq_s32(A[2 * r], vmulq_n_s32(vsubq_s32(d[2 * r], o0), s));
                    A[2 * r + 1] = vaddq_s32(A[2 * r + 1], vmulq_n_s32(vsubq_s32(d[2 * r + 1], o1), s));
                }
            }
            for (r = 0; r < 4; r++)   /* mamba__q6k_combine in token lanes */
                for (h = 0; h < 2; h++) {
                    float *a = acc + 32 * g + 8 * r + 4 * h;
                    float32x4_t t = vmulq_f32(vdupq_n_f32(mamba__qf16(wr[r] + (size_t)i * 210 + 208)), vld1q_f32(x[g].d + (size_t)i * 8 + 4 * h));
                    t = vmulq_f32(t, vcvtq_f32_s32(A[2 * r + h]));
                    MAMBA__OPAQUE(t);
                    vst1q_f32(a, vaddq_f32(vld1q_f32(a), t));
                }
        }
    }
}
/* Q2_K and (q3) Q3_K, nsb super-blocks of 256: 16 sub-blocks of 16 as Q6_K
   (values in order as mamba__qmm_q23_k on x86) */
static void mamba__qmm_q23_k(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb, int q3) {
    unsigned char u[4 * MAMBA__QMM_U];
    uint8x16_t m3 = vdupq_n_u8(0x03), one = vdupq_n_u8(0x01);
    size_t bb = q3 ? 110 : 84;
    int i, j, r, g, h, k, c;
    for (i = 0; i < nsb; i++) {
        int sc[4][16], mn[4][16];
        for (r = 0; r < 4; r++) {
            const unsigned char *b = wr[r] + (size_t)i * bb;
            unsigned char *o = u + MAMBA__QMM_U * r;
            if (q3) mamba__q3k_scales(b + 96, sc[r]);
            else for (j = 0; j < 16; j++) { sc[r][j] = b[j] & 0xF; mn[r][j] = b[j] >> 4; }
            for (h = 0; h < 2; h++)
                for (c = 0; c < 2; c++) {
                    uint8x16_t qs = vld1q_u8(b + (q3 ? 32 : 16) + 32 * h + 16 * c), hm = vld1q_u8(b + 16 * c);
                    for (k = 0; k < 4; k++) {   /* values 128h + 32k + 16c + l */
                        uint8x16_t q = vandq_u8(mamba__shr_u8(qs, 2 * k), m3);
                        if (q3) q = vorrq_u8(q, vshlq_n_u8(vandq_u8(mamba__shr_u8(hm, 4 * h + k), one), 2));
                        vst1q_u8(o + 128 * h + 32 * k + 16 * c, q);
                    }
                }
        }
        for (g = 0; g < ng; g++) {
            int32x4_t A[8], B[8], d[8];
            for (r = 0; r < 8; r++) A[r] = B[r] = vdupq_n_s32(0);
            for (j = 0; j < 16; j++) {
                const int32_t *s16 = x[g].s + (size_t)i * 16 * 8 + 8 * j;
                int32x4_t s0 = vld1q_s32(s16), s1 = vld1q_s32(s16 + 4);
                mamba__qmm_dots_neon(d, u + 16 * j, x[g].q + (size_t)i * MAMBA__QKK * 8 + 128 * j, 4);
                for (r = 0; r < 4; r++) {
                    int m = q3 ? sc[r][j] : mn[r][j];
                    A[2 * r] = vaddq_s32(A[2 * r], vmulq_n_s32(d[2 * r], sc[r][j]));
                    A[2 * r + 1] = vaddq_s32(A[2 * r + 1], vmulq_n_s32(d[2 * r + 1], sc[r][j]));
                    B[2 * r] = vaddq_s32(B[2 * r], vmulq_n_s32(s0, m));
                    B[2 * r + 1] = vaddq_s32(B[2 * r + 1], vmulq_n_s32(s1, m));
                }
            }
            for (r = 0; r < 4; r++)
                for (h = 0; h < 2; h++) {
                    const unsigned char *b = wr[r] + (size_t)i * bb;
                    float *a = acc + 32 * g + 8 * r + 4 * h;
                    float32x4_t dx = vld1q_f32(x[g].d + (size_t)i * 8 + 4 * h), v;
                    if (q3) {   /* mamba__xq_p1(b + 108, dx, A - 4 B) in token lanes */
                        float32x4_t t = vmulq_f32(vdupq_n_f32(mamba__qf16(b + 108)), dx);
                        v = vmulq_f32(t, vcvtq_f32_s32(vsubq_s32(A[2 * r + h], vshlq_n_s32(B[2 * r + h], 2))));
                        MAMBA__OPAQUE(v);
                    } else {    /* mamba__q4k_combine(b + 80, ...) in token lanes */
                        float32x4_t t1 = vmulq_f32(vdupq_n_f32(mamba__qf16(b + 80)), dx), t2 = vmulq_f32(vdupq_n_f32(mamba__qf16(b + 82)), dx);
                        t1 = vmulq_f32(t1, vcvtq_f32_s32(A[2 * r + h]));
                        t2 = vmulq_f32(t2, vcvtq_f32_s32(B[2 * r + h]));
                        MAMBA__OPAQUE(t1);
                        MAMBA__OPAQUE(t2);
                        v = vsubq_f32(t1, t2);
                    }
                    vst1q_f32(a, vaddq_f32(vld1q_f32(a), v));
                }
        }
    }
}
/* IQ4_XS, nsb super-blocks of 256: 8 sub-blocks of 32, the signed table values */
static void mamba__qmm_iq4_xs(float *acc, const unsigned char *const *wr, const mamba__qil *x, int ng, int nsb) {
    unsigned char u[4 * MAMBA__QMM_U];
    uint8x16_t m4 = vdupq_n_u8(0x0F);
    int8x16_t tab = vld1q_s8(mamba__iq4nl_values);
    int i, j, r, g, h;
    for (i = 0; i < nsb; i++) {
        int sc[4][8];
        for (r = 0; r < 4; r++) {
            const unsigned char *b = wr[r] + (size_t)i * 136;
            mamba__iq4xs_scales(b, sc[r]);
            for (j = 0; j < 8; j++) {
                uint8x16_t v = vld1q_u8(b + 8 + 16 * j);
                vst1q_s8((int8_t *)(u + MAMBA__QMM_U * r + 32 * j), vqtbl1q_s8(tab, vandq_u8(v, m4)));
                vst1q_s8((int8_t *)(u + MAMBA__QMM_U * r + 32 * j + 16), vqtbl1q_s8(tab, vshrq_n_u8(v, 4)));
            }
        }
        for (g = 0; g < ng; g++) {
            int32x4_t A[8], d[8];
            for (r = 0; r < 8; r++) A[r] = vdupq_n_s32(0);
            for (j = 0; j < 8; j++) {
                mamba__qmm_dots_neon(d, u + 32 * j, x[g].q + (size_t)i * MAMBA__QKK * 8 + 256 * j, 8);
                for (r = 0; r < 4; r++) {
                    A[2 * r] = vaddq_s32(A[2 * r], vmulq_n_s32(d[2 * r], sc[r][j]));
                    A[2 * r + 1] = vaddq_s32(A[2 * r + 1], vmulq_n_s32(d[2 * r + 1], sc[r][j]));
                }
            }
            for (r = 0; r < 4; r++)   /* mamba__xq_p1(b, dx, A) in token lanes */
                for (h = 0; h < 2; h++) {
                    float *a = acc + 32 * g + 8 * r + 4 * h;
                    float32x4_t t = vmulq_f32(vdupq_n_f32(mamba__qf16(wr[r] + (size_t)i * 136)), vld1q_f32(x[g].d + (size_t)i * 8 + 4 * h));
                    t = vmulq_f32(t, vcvtq_f32_s32(A[2 * r + h]));
                    MAMBA__OPAQUE(t);
                    vst1q_f32(a, vaddq_f32(vld1q_f32(a), t));
                }
        }
    }
}
#endif /* x86, NEON */

/* the groups qbuf holds for T tokens: none in a build without the tiles
   (scalar, firmware), whose mamba__qlinear uses the T activations only */
#ifdef MAMBA__QMM_V
#define MAMBA__QMM_NGBUF(T) MAMBA__QMM_NG(T)
#else
#define MAMBA__QMM_NGBUF(T) 0
#endif
MAMBA__UNUSED static size_t mamba__qbuf_bytes(size_t n, size_t T) {
    return mamba__qact_bytes(n) * T + MAMBA__QMM_NGBUF(T) * mamba__qil_bytes(n);
}

/* The T activations of mamba__qlinear, token-major at qbuf (qs bytes each):
   mamba__quantize_act or its vector twin, threads over tokens. */
static void mamba__qmm_quantize(const float *X, int ldx, int T, int cols, int blk, unsigned char *qbuf) {
    size_t qs = mamba__qact_bytes((size_t)cols), omp_work = (size_t)cols * (size_t)T * 8;
    int t;
    (void)omp_work;
    MAMBA__OMP_FOR
    for (t = 0; t < T; t++) {
#ifdef MAMBA__QACT_V
        (void)mamba__quantize_act;   /* the scalar twin: the tests' oracle */
        mamba__quantize_act_v(X + (size_t)t * (size_t)ldx, cols, blk, qbuf + (size_t)t * qs);
#else
        mamba__quantize_act(X + (size_t)t * (size_t)ldx, cols, blk, qbuf + (size_t)t * qs);
#endif
    }
}

#ifdef MAMBA__QMM_V
static void mamba__qil_at(const unsigned char *buf, size_t n, mamba__qil *x) {
    x->q = (const signed char *)buf;
    x->d = (const float *)(const void *)(buf + MAMBA__QMM_G * n);
    x->s = (const int32_t *)(const void *)(buf + MAMBA__QMM_G * n + 4 * MAMBA__QMM_G * ((n + 31) / 32));
}
/* G token-major activations (qs bytes apart; nt of them, the rest copies
   of the last) -> one interleaved group */
static void mamba__qil_make(unsigned char *dst, const unsigned char *src, size_t qs, size_t n, int nt) {
    size_t nd = (n + 31) / 32, ns = (n + 15) / 16, c, k;
    int t;
    for (t = 0; t < MAMBA__QMM_G; t++) {
        mamba__qact a;
        float *d = (float *)(void *)(dst + MAMBA__QMM_G * n);
        int32_t *s = (int32_t *)(void *)(dst + MAMBA__QMM_G * n + 4 * MAMBA__QMM_G * nd);
        mamba__qact_at(src + (size_t)(t < nt ? t : nt - 1) * qs, n, &a);
        for (c = 0; c < n / 4; c++) memcpy(dst + 4 * MAMBA__QMM_G * c + 4 * (size_t)t, a.q + 4 * c, 4);
        for (k = 0; k < nd; k++) d[MAMBA__QMM_G * k + (size_t)t] = a.d[k];
        for (k = 0; k < ns; k++) s[MAMBA__QMM_G * k + (size_t)t] = a.s[k];
    }
}

/* MAMBA__QMM_PASS token groups at a time: the weights are unpacked once per
   pass; acc [ng][4][8] (zeroed by the caller) gets the dots of the rows wr
   with ng token groups, n values per row. One kernel per dtype, chosen once
   per matrix by mamba__qmm_pick. */
#define MAMBA__QMM_PASS 8
typedef void (*mamba__qmm_fn)(float *acc, const unsigned char *const *wr, mamba_dtype dt, const mamba__qil *x, int ng, int n);
static void mamba__qmm_t32(float *acc, const unsigned char *const *wr, mamba_dtype dt, const mamba__qil *x, int ng, int n) { mamba__qmm_q32(acc, wr, x, ng, n / 32, dt); }
#define MAMBA__QMM_T(name, call) \
    static void name(float *acc, const unsigned char *const *wr, mamba_dtype dt, const mamba__qil *x, int ng, int n) { (void)dt; call; }
MAMBA__QMM_T(mamba__qmm_t4k, mamba__qmm_q4_k(acc, wr, x, ng, n / MAMBA__QKK, 0))
MAMBA__QMM_T(mamba__qmm_t5k, mamba__qmm_q4_k(acc, wr, x, ng, n / MAMBA__QKK, 1))
MAMBA__QMM_T(mamba__qmm_t6k, mamba__qmm_q6_k(acc, wr, x, ng, n / MAMBA__QKK))
MAMBA__QMM_T(mamba__qmm_t2k, mamba__qmm_q23_k(acc, wr, x, ng, n / MAMBA__QKK, 0))
MAMBA__QMM_T(mamba__qmm_t3k, mamba__qmm_q23_k(acc, wr, x, ng, n / MAMBA__QKK, 1))
MAMBA__QMM_T(mamba__qmm_tiq4xs, mamba__qmm_iq4_xs(acc, wr, x, ng, n / MAMBA__QKK))
#undef MAMBA__QMM_T
static mamba__qmm_fn mamba__qmm_pick(mamba_dtype dt) {
    switch (dt) {
    case MAMBA_DTYPE_Q8_0: case MAMBA_DTYPE_Q4_0: case MAMBA_DTYPE_Q4_1: case MAMBA_DTYPE_Q5_0: case MAMBA_DTYPE_Q5_1:
    case MAMBA_DTYPE_IQ4_NL: return mamba__qmm_t32;
    case MAMBA_DTYPE_Q4_K: return mamba__qmm_t4k;
    case MAMBA_DTYPE_Q5_K: return mamba__qmm_t5k;
    case MAMBA_DTYPE_Q6_K: return mamba__qmm_t6k;
    case MAMBA_DTYPE_Q2_K: return mamba__qmm_t2k;
    case MAMBA_DTYPE_Q3_K: return mamba__qmm_t3k;
    case MAMBA_DTYPE_IQ4_XS: return mamba__qmm_tiq4xs;
    default: return NULL;
    }
}
/* y[t * ldy + r] = a[G * r + t] + b[r] for 4 rows x 4 tokens */
static void mamba__qmm_put4(float *y, size_t ldy, const float *a, const float *b) {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
    __m128 r0 = _mm_loadu_ps(a), r1 = _mm_loadu_ps(a + MAMBA__QMM_G), r2 = _mm_loadu_ps(a + 2 * MAMBA__QMM_G), r3 = _mm_loadu_ps(a + 3 * MAMBA__QMM_G);
    __m128 bv = _mm_loadu_ps(b);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(y, _mm_add_ps(r0, bv));
    _mm_storeu_ps(y + ldy, _mm_add_ps(r1, bv));
    _mm_storeu_ps(y + 2 * ldy, _mm_add_ps(r2, bv));
    _mm_storeu_ps(y + 3 * ldy, _mm_add_ps(r3, bv));
#else   /* NEON */
    float32x4x2_t p = vtrnq_f32(vld1q_f32(a), vld1q_f32(a + MAMBA__QMM_G)), q = vtrnq_f32(vld1q_f32(a + 2 * MAMBA__QMM_G), vld1q_f32(a + 3 * MAMBA__QMM_G));
    float32x4_t bv = vld1q_f32(b);
    vst1q_f32(y, vaddq_f32(vcombine_f32(vget_low_f32(p.val[0]), vget_low_f32(q.val[0])), bv));
    vst1q_f32(y + ldy, vaddq_f32(vcombine_f32(vget_low_f32(p.val[1]), vget_low_f32(q.val[1])), bv));
    vst1q_f32(y + 2 * ldy, vaddq_f32(vcombine_f32(vget_high_f32(p.val[0]), vget_high_f32(q.val[0])), bv));
    vst1q_f32(y + 3 * ldy, vaddq_f32(vcombine_f32(vget_high_f32(p.val[1]), vget_high_f32(q.val[1])), bv));
#endif
}
/* Rows [r0, r0+nr) (nr <= MAMBA__QMM_RB: up to 4 tiles of 4) x the tokens
   of the MAMBA__QMM_NG(T) groups at ilbuf (only the T real ones written). Y is written a row block at a time (64
   bytes per token): tokens are ldy floats apart, often a multiple of 4 KB,
   and 16-byte pieces of many such lines thrash the L1 sets. `tile`: the
   kernel mamba__qmm_pick chose for the matrix. */
#define MAMBA__QMM_RB 16
/* The columns go through the tiles in slices of MAMBA__QMM_KS values (a
   multiple of every block and super-block): each slice of the activations
   (up to MAMBA__QMM_PASS groups) is read by all the row block's tiles while
   it is in L1, instead of all the activations once per tile from L2. acc
   gets each tile's blocks in the same order as in one call (slices in
   order), so the float sums are unchanged. */
#define MAMBA__QMM_KS 256
static void mamba__qmm_rows(float *Y, int ldy, const mamba__mat *W, const float *bias, const unsigned char *ilbuf,
                            int T, int r0, int nr, mamba__qmm_fn tile) {
    mamba_dtype dt = W->dtype;
    int cols = W->cols, ng = MAMBA__QMM_NG(T), g0, g, r, t, k, nt = (nr + MAMBA__QMM_R - 1) / MAMBA__QMM_R;
    size_t rb = mamba__row_bytes(dt, (size_t)cols), ib = mamba__qil_bytes((size_t)cols);
    const unsigned char *wr[MAMBA__QMM_R];
    float acc[MAMBA__QMM_RB / MAMBA__QMM_R][MAMBA__QMM_PASS * MAMBA__QMM_R * MAMBA__QMM_G], b[MAMBA__QMM_RB];
    mamba__qil x[MAMBA__QMM_PASS], xs[MAMBA__QMM_PASS];
    int blk = mamba__block_elems(dt), sub = blk == MAMBA__QKK ? 16 : 32, c0;   /* values per d and per s of the activations */
    size_t bb = mamba__block_bytes(dt);
    for (r = 0; r < nr; r++) b[r] = bias ? bias[r0 + r] : 0.0f;
    for (g0 = 0; g0 < ng; g0 += MAMBA__QMM_PASS) {
        int np = ng - g0 < MAMBA__QMM_PASS ? ng - g0 : MAMBA__QMM_PASS;
        for (g = 0; g < np; g++) mamba__qil_at(ilbuf + (size_t)(g0 + g) * ib, (size_t)cols, &x[g]);
        for (k = 0; k < nt; k++) memset(acc[k], 0, sizeof(float) * MAMBA__QMM_R * MAMBA__QMM_G * (size_t)np);
        for (c0 = 0; c0 < cols; c0 += MAMBA__QMM_KS) {   /* a column slice for all the tiles: its activations stay in L1 */
            int nc = cols - c0 < MAMBA__QMM_KS ? cols - c0 : MAMBA__QMM_KS;
            for (g = 0; g < np; g++) {
                xs[g].q = x[g].q + (size_t)c0 * MAMBA__QMM_G;
                xs[g].d = x[g].d + (size_t)(c0 / blk) * MAMBA__QMM_G;
                xs[g].s = x[g].s + (size_t)(c0 / sub) * MAMBA__QMM_G;
            }
            for (k = 0; k < nt; k++) {
                int rk = r0 + MAMBA__QMM_R * k, nk = nr - MAMBA__QMM_R * k < MAMBA__QMM_R ? nr - MAMBA__QMM_R * k : MAMBA__QMM_R;
                for (r = 0; r < MAMBA__QMM_R; r++)
                    wr[r] = (const unsigned char *)W->data + rb * (size_t)(rk + (r < nk ? r : nk - 1)) + bb * (size_t)(c0 / blk);
                tile(acc[k], wr, dt, xs, np, nc);
            }
        }
        for (g = 0; g < np; g++)
            for (t = 0; t < MAMBA__QMM_G; t += 4)
                for (k = 0; k < nt; k++) {   /* 4 tokens x 4 rows: a 4x4 transpose, 4 16-byte stores */
                    const float *a = acc[k] + MAMBA__QMM_R * MAMBA__QMM_G * g + t;
                    float *y = Y + (size_t)((g0 + g) * MAMBA__QMM_G + t) * (size_t)ldy + (size_t)(r0 + MAMBA__QMM_R * k);
                    int nk = nr - MAMBA__QMM_R * k < MAMBA__QMM_R ? nr - MAMBA__QMM_R * k : MAMBA__QMM_R, tt;
                    int nv = T - (g0 + g) * MAMBA__QMM_G - t;   /* real tokens from t on (a padded last group) */
                    if (nv <= 0) break;
                    if (nk == 4 && nv >= 4) { mamba__qmm_put4(y, (size_t)ldy, a, b + MAMBA__QMM_R * k); continue; }
                    for (tt = 0; tt < 4 && tt < nv; tt++)
                        for (r = 0; r < nk; r++) y[(size_t)tt * (size_t)ldy + (size_t)r] = a[MAMBA__QMM_G * r + tt] + b[MAMBA__QMM_R * k + r];
                }
    }
}
#endif
/* 1 if dt has int8 matrix-matrix tiles in this build (the others: per-token
   mamba__qdot for every token) */
MAMBA__UNUSED static int mamba__qmm_has_tile(mamba_dtype dt) {
#ifdef MAMBA__QMM_V
    return mamba__qmm_pick(dt) != NULL;
#else
    (void)dt;
    return 0;
#endif
}
/* Tokens [0, T/8*8) of mamba__qlinear through the tiles (threads over row
   tiles); qbuf holds the T token-major activations (mamba__qbuf_bytes).
   Returns the tokens done. */
static int mamba__qmm_run(float *Y, int ldy, const mamba__mat *W, const float *bias, unsigned char *qbuf, int T) {
#ifdef MAMBA__QMM_V
    mamba_dtype dt = W->dtype;
    int rows = W->rows, cols = W->cols, ng = MAMBA__QMM_NG(T), g, r;
    size_t qs = mamba__qact_bytes((size_t)cols), ib = mamba__qil_bytes((size_t)cols);
    size_t omp_work = (size_t)rows * (size_t)cols * (size_t)T;
    unsigned char *il = qbuf + qs * (size_t)T;
    mamba__qmm_fn tile = mamba__qmm_pick(dt);   /* the one choice on the dtype */
    (void)omp_work;
    if (ng == 0 || !tile) return 0;
    {   /* the groups, threads over groups */
        size_t omp_work = (size_t)cols * (size_t)T * 8;
        (void)omp_work;
        MAMBA__OMP_FOR
        for (g = 0; g < ng; g++)
            mamba__qil_make(il + ib * (size_t)g, qbuf + qs * (size_t)(g * MAMBA__QMM_G), qs, (size_t)cols,
                            T - g * MAMBA__QMM_G < MAMBA__QMM_G ? T - g * MAMBA__QMM_G : MAMBA__QMM_G);
    }
    MAMBA__OMP_FOR
    for (r = 0; r < rows; r += MAMBA__QMM_RB) mamba__qmm_rows(Y, ldy, W, bias, il, T, r, rows - r < MAMBA__QMM_RB ? rows - r : MAMBA__QMM_RB, tile);
    return ng * MAMBA__QMM_G < T ? ng * MAMBA__QMM_G : T;
#else
    (void)Y; (void)ldy; (void)W; (void)bias; (void)qbuf; (void)T;
    return 0;
#endif
}
/* ==== end of the int8 matrix-matrix kernels ================================ */

/* ==== quantized matrix-vector product, rows in flight (issue 21, qdecode) ====
   T = 1 of mamba__qlinear: threads over groups of 4 rows, one call of the
   type's 4-row kernel (mamba__qdot4_pick, chosen once per matrix) per group;
   the rows past the last full 4 one by one (the type's mamba__qdot_pick).
   Every row is the value mamba__qdot gives, whatever the grouping or thread
   count. Returns 0 (nothing done) when this build or dtype has no 4-row kernel;
   qa is the quantized activation. */
static int mamba__qmatvec4_run(float *y, const mamba__mat *W, const float *bias, const unsigned char *qa) {
#ifdef MAMBA__QDOT4_V
    mamba_dtype dt = W->dtype;
    int rows = W->rows, cols = W->cols, ng = rows / 4, g, r, nb = cols / mamba__block_elems(dt);
    mamba__qdot4_fn dot4 = mamba__qdot4_pick(dt);   /* the one choice on the dtype */
    mamba__qdot_fn dot = mamba__qdot_pick(dt);
    size_t rb = mamba__row_bytes(dt, (size_t)cols);
    size_t omp_work = (size_t)rows * (size_t)cols;
    mamba__qact a;
    (void)omp_work;
    if (!dot4 || !dot) return 0;
    mamba__qact_at(qa, (size_t)cols, &a);
    MAMBA__OMP_FOR
    for (g = 0; g < ng; g++) {
        float o[4];
        int k;
        dot4(o, (const unsigned char *)W->data + (size_t)4 * (size_t)g * rb, rb, &a, nb);
        for (k = 0; k < 4; k++) y[4 * g + k] = o[k] + (bias ? bias[4 * g + k] : 0.0f);
    }
    for (r = 4 * ng; r < rows; r++) y[r] = dot((const unsigned char *)W->data + (size_t)r * rb, &a, nb) + (bias ? bias[r] : 0.0f);
    return 1;
#else
    (void)y; (void)W; (void)bias; (void)qa;
    return 0;
#endif
}
/* ==== end of the rows-in-flight matrix-vector product ==== */

/* Y[t] = W X[t] (+ bias) for a quantized W: each token's activation is
   quantized once into qbuf (mamba__qbuf_bytes(cols, T)), then every (row,
   token) dot is the same function call whatever T or the thread count. */
static void mamba__qlinear(float *Y, int ldy, const mamba__mat *W, const float *bias,
                           const float *X, int ldx, int T, unsigned char *qbuf) {
    mamba_dtype dt = W->dtype;
    int rows = W->rows, cols = W->cols, r, blk = mamba__block_elems(dt), tq, nb;
    mamba__qdot_fn dot = mamba__qdot_pick(dt);   /* the one choice on the dtype */
    MAMBA_ASSERT(blk > 0 && cols % blk == 0 && dot);   /* checked when the matrix was bound */
    size_t qs = mamba__qact_bytes((size_t)cols), rb = mamba__row_bytes(dt, (size_t)cols);
    size_t omp_work = (size_t)rows * (size_t)cols * (size_t)T;
    (void)omp_work;
    nb = cols / blk;
    mamba__qmm_quantize(X, ldx, T, cols, blk, qbuf);   /* issue 21: vector twin, threads over tokens */
    if ((tq = mamba__qmm_run(Y, ldy, W, bias, qbuf, T)) == T) return;   /* issue 21: the int8 tiles */
    if (T == 1 && mamba__qmatvec4_run(Y, W, bias, qbuf)) return;   /* issue 21: 4 rows in flight */
    MAMBA__OMP_FOR
    for (r = 0; r < rows; r++) {
        const unsigned char *w = (const unsigned char *)W->data + (size_t)r * rb;
        float b = bias ? bias[r] : 0.0f;
        int u;
        for (u = tq; u < T; u++) {
            mamba__qact a;
            mamba__qact_at(qbuf + (size_t)u * qs, (size_t)cols, &a);
            Y[(size_t)u * (size_t)ldy + (size_t)r] = dot(w, &a, nb) + b;
        }
    }
}

/* ---- C.6 linear: Y = X W^T (+ bias), any weight dtype ------------------- */

/* rowbuf (cols floats) is used by the scalar path for F16/BF16 rows; qbuf
   (mamba__qbuf_bytes(cols, T) bytes) holds the quantized activations for
   quantized W. */
static void mamba__linear(float *Y, int ldy, const mamba__mat *W, const float *bias,
                          const float *X, int ldx, int T, float *rowbuf, unsigned char *qbuf) {
    if (mamba__is_quant(W->dtype)) { mamba__qlinear(Y, ldy, W, bias, X, ldx, T, qbuf); return; }
#ifdef MAMBA__SIMD
    (void)rowbuf;
    if (T == 1) mamba__matvec_s(Y, W, bias, X);   /* issue 21: the streaming matrix-vector product */
    else mamba__matmul_v(Y, ldy, W, bias, X, ldx, T);
#else
    if (T == 1) mamba__matvec_ref(Y, W, bias, X, rowbuf);
    else mamba__matmul_ref(Y, ldy, W, bias, X, ldx, T, rowbuf);
#endif
}

/* ---- C.7 RMSNorm -------------------------------------------------------- */

/* out = x / sqrt(mean(x^2) + eps) * w   (w may be NULL: weightless norm) */
MAMBA__UNUSED static void mamba__rmsnorm_ref(float *out, const float *x, const float *w, int n, float eps) {
    float ss = 0, scale;
    int i;
    for (i = 0; i < n; i++) ss += x[i] * x[i];
    scale = 1.0f / MAMBA_SQRTF(ss / (float)n + eps);
    for (i = 0; i < n; i++) out[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

#ifdef MAMBA__SIMD
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

#endif

MAMBA__UNUSED static inline void mamba__rmsnorm(float *out, const float *x, const float *w, int n, float eps) {
#ifdef MAMBA__SIMD
    mamba__rmsnorm_v(out, x, w, n, eps);
#else
    mamba__rmsnorm_ref(out, x, w, n, eps);
#endif
}

/* ---- C.8 activations: SiLU, softplus, y * silu(z) ----------------------- */

static float mamba__silu(float x) { return x / (1.0f + MAMBA_EXPF(-x)); }
/* PyTorch softplus with threshold 20 (beta 1). */
static float mamba__softplus(float x) { return x > 20.0f ? x : MAMBA_LOG1PF(MAMBA_EXPF(x)); }

MAMBA__UNUSED static void mamba__softplus_ref(float *x, int n) { int i; for (i = 0; i < n; i++) x[i] = mamba__softplus(x[i]); }

#ifdef MAMBA__SIMD
static void mamba__softplus_v(float *x, int n) {
    int i, nv = MAMBA__NV(n);
    for (i = 0; i < nv; i += MAMBA__EPR) MAMBA__VSTORE(x + i, mamba__vsoftplus(MAMBA__VLOAD(x + i)));
    for (; i < n; i++) x[i] = mamba__softplus(x[i]);
}

#endif

MAMBA__UNUSED static inline void mamba__softplus_n(float *x, int n) {
#ifdef MAMBA__SIMD
    mamba__softplus_v(x, n);
#else
    mamba__softplus_ref(x, n);
#endif
}

/* y *= silu(z) */
MAMBA__UNUSED static void mamba__mul_silu_ref(float *y, const float *z, int n) { int i; for (i = 0; i < n; i++) y[i] *= mamba__silu(z[i]); }

#ifdef MAMBA__SIMD
static void mamba__mul_silu_v(float *y, const float *z, int n) {
    int i, nv = MAMBA__NV(n);
    for (i = 0; i < nv; i += MAMBA__EPR) MAMBA__VSTORE(y + i, MAMBA__VMUL(MAMBA__VLOAD(y + i), mamba__vsilu(MAMBA__VLOAD(z + i))));
    for (; i < n; i++) y[i] *= mamba__silu(z[i]);
}

#endif

MAMBA__UNUSED static inline void mamba__mul_silu(float *y, const float *z, int n) {
#ifdef MAMBA__SIMD
    mamba__mul_silu_v(y, z, n);
#else
    mamba__mul_silu_ref(y, z, n);
#endif
}

/* ---- C.9 gated RMSNorm (Mamba-2) ---------------------------------------- */

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

/* ---- C.10 causal depthwise conv1d, one token ---------------------------- */

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

#ifdef MAMBA__SIMD
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

#endif

MAMBA__UNUSED static inline void mamba__conv_step(float *xc, float *win, const float *x, const float *w,
                                    const float *b, int C, int K) {
#ifdef MAMBA__SIMD
    mamba__conv_step_v(xc, win, x, w, b, C, K);
#else
    mamba__conv_step_ref(xc, win, x, w, b, C, K);
#endif
}

/* ---- C.11 Mamba-1 selective scan, one token ----------------------------- */

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

#ifdef MAMBA__SIMD
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

#endif

MAMBA__UNUSED static inline void mamba__scan_step(float *y, float *h, const float *xc, const float *dt, const float *A,
                                    const float *B, const float *C, const float *D, const float *z,
                                    int E, int N, int c0, int c1) {
#ifdef MAMBA__SIMD
    mamba__scan_step_v(y, h, xc, dt, A, B, C, D, z, E, N, c0, c1);
#else
    mamba__scan_step_ref(y, h, xc, dt, A, B, C, D, z, E, N, c0, c1);
#endif
}

/* ---- C.12 Mamba-2 (SSD) recurrence, one token --------------------------- */

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

#endif

MAMBA__UNUSED static inline void mamba__ssd_step(float *y, float *S, const float *x, const float *B, const float *C,
                                   const float *dt, const float *A, const float *D, int d_per_channel,
                                   int H, int P, int N, int G, int h0, int h1) {
#ifdef MAMBA__SIMD
    mamba__ssd_step_v(y, S, x, B, C, dt, A, D, d_per_channel, H, P, N, G, h0, h1);
#else
    mamba__ssd_step_ref(y, S, x, B, C, dt, A, D, d_per_channel, H, P, N, G, h0, h1);
#endif
}

/* ==== D. model core: structs, config, scratch, forward, state, sampler ==== */

/* ---- D.1 the model ------------------------------------------------------ */

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
    mamba__heap heap;        /* where every block of the model came from */
    int n_copies;
    size_t weight_bytes;
    float *tmp;              /* load-time scratch for transposes      */
    int lm_head_rows;        /* rows lm_head.weight has in the file   */
    char name[96];           /* GGUF general.name, "" if none         */
    int n_threads, thread_flags;   /* mamba_model_set_threads (issue 21) */
};

MAMBA_API const char *mamba_version_string(void) { return MAMBA_VERSION_STRING; }

MAMBA_API const char *mamba_status_string(mamba_status st) {
    static const char *const text[] = {
#define MAMBA__TEXT(id, t) t,
        MAMBA_STATUS_LIST(MAMBA__TEXT)
#undef MAMBA__TEXT
    };
    if ((unsigned)st >= (unsigned)MAMBA_STATUS_COUNT) return "unknown status";   /* negative too */
    return text[st];
}

MAMBA_API void mamba_model_free(mamba_model *m) {
    mamba__heap h, *hp;
    int i;
    if (!m) return;
    h = m->heap;   /* m itself goes last, from a copy */
    hp = &m->heap;
    for (i = 0; i < m->n_blobs; i++) mamba__blob_release(hp, &m->blobs[i]);
    if (m->blobs) mamba__hfree(hp, m->blobs);
    if (m->paths) { for (i = 0; i < m->n_blobs; i++) if (m->paths[i]) mamba__hfree(hp, m->paths[i]); mamba__hfree(hp, m->paths); }
    for (i = 0; i < m->n_copies; i++) mamba__hfree(hp, m->copies[i]);
    if (m->copies) mamba__hfree(hp, m->copies);
    if (m->layers) mamba__hfree(hp, m->layers);
    if (m->f32) mamba__hfree(hp, m->f32);
    if (m->tmp) mamba__hfree(hp, m->tmp);
    h.last = hp->last; h.last_used = hp->last_used;
    mamba__hfree(&h, m);
}

MAMBA_API const mamba_config *mamba_model_config(const mamba_model *m) { return m ? &m->cfg : NULL; }
MAMBA_API size_t mamba_model_weight_bytes(const mamba_model *m) { return m ? m->weight_bytes : 0; }

/* ---- D.2 sizes from the config: state, scratch -------------------------- */

/* Bytes of the recurrent state: conv (conv_dim*(K-1)) + ssm (E*N, which is
   H*P*N for Mamba-2) floats per layer. Returns 0 when the product overflows. */
MAMBA_API size_t mamba_state_bytes(const mamba_config *c) {
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
   dt (T,E); y (T,E); out (T,D); rowbuf (max cols); qbuf: T quantized
   activation rows of the widest matrix input (mamba__qact_bytes bytes each),
   then the int8 tiles' groups (mamba__qbuf_bytes, MAMBA__QMM_NGBUF). */
typedef struct mamba__scratch {
    float *res, *u, *xz, *xc, *xdbl, *dt, *y, *out, *rowbuf;
    unsigned char *qbuf;
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
    {   /* quantized activations: T rows of the widest input */
        size_t n;
        if (!mamba__mul(mamba__qact_bytes(cols), (size_t)T + (size_t)MAMBA__QMM_NGBUF(T) * MAMBA__QMM_G, &n)) return 0;   /* = mamba__qbuf_bytes */
        if (mem && sc) sc->qbuf = (unsigned char *)mem + off;
        if (!mamba__add(off, n, &off)) return 0;
    }
    return off;
}

MAMBA_API size_t mamba_scratch_bytes(const mamba_config *c, int chunk) {
    if (!c || c->d_model <= 0 || c->d_inner <= 0 || c->d_state <= 0 || c->dt_rank < 0 || c->conv_dim <= 0 || c->d_in_proj <= 0) return 0;
    if (chunk <= 0) chunk = MAMBA__DEFAULT_CHUNK;
    return mamba__scratch_layout(c, chunk, NULL, NULL);
}

/* Checks the config's numbers before anything is sized from them. */
static mamba_status mamba__config_check(const mamba_config *c, mamba_error *e) {
    size_t s;
    if (c->d_inner <= 0 || c->d_state <= 0 || (c->dt_rank <= 0 && c->arch != MAMBA_ARCH_MAMBA2) || c->d_conv <= 0)
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: dimensions must be positive", 0, 0, 0, 0);
    if (!mamba_state_bytes(c) || !mamba_scratch_bytes(c, MAMBA__DEFAULT_CHUNK) ||
        !mamba__mul((size_t)c->d_inner, (size_t)c->d_state, &s) || s > ((size_t)1 << 31))
        return mamba__err(e, MAMBA_ERR_CONFIG, "config.json: dimensions are too large", 0, 0, 0, 0);
    return MAMBA_OK;
}

/* ---- D.3 forward -------------------------------------------------------- */

static void mamba__shape_of(const mamba_config *c, mamba_state_shape *sh) {
    sh->arch = (int)c->arch; sh->d_model = c->d_model; sh->n_layer = c->n_layer; sh->d_inner = c->d_inner;
    sh->d_state = c->d_state; sh->d_conv = c->d_conv; sh->conv_dim = c->conv_dim; sh->n_heads = c->n_heads;
    sh->n_groups = c->n_groups;
}
static int mamba__shape_eq(const mamba_state_shape *a, const mamba_state_shape *b) {
    return a->arch == b->arch && a->d_model == b->d_model && a->n_layer == b->n_layer && a->d_inner == b->d_inner &&
           a->d_state == b->d_state && a->d_conv == b->d_conv && a->conv_dim == b->conv_dim &&
           a->n_heads == b->n_heads && a->n_groups == b->n_groups;
}
/* A state made for this model's shape, with scratch enough for its chunk. */
static int mamba__state_fits(const mamba_model *m, const mamba_state *s) {
    mamba_state_shape sh;
    mamba__shape_of(&m->cfg, &sh);
    return s->magic == MAMBA__STATE_MAGIC && mamba__shape_eq(&s->shape, &sh) && s->scratch &&
           s->scratch_bytes >= mamba_scratch_bytes(&m->cfg, s->chunk);
}



/* -- LongMamba: calibration sidecar, token filter ------------------------- */

struct mamba_long {
    int arch, n_layer, C, train_len, n_len;
    uint32_t *lengths;   /* (n_len)                                            */
    float *thr;          /* (n_len, n_layer, C): global channels' thresholds,  */
                         /* -1 for local channels (never filters a Δt >= 0)    */
};

/* Δt = 0 where a prompt token's Δt in a global channel is not above its
   threshold; tokens from s->long_until on (decode) are left alone. */
static void mamba__long_filter(const mamba_state *s, int l, float *dt, int C, int T) {
    const float *thr;
    int t, c;
    if (s->long_rec) {   /* calibration: record, (token, layer, channel) */
        for (t = 0; t < T; t++)
            memcpy(s->long_rec + ((size_t)(s->n_tokens + (uint64_t)t) * (size_t)s->shape.n_layer + (size_t)l) * (size_t)C,
                   dt + (size_t)t * (size_t)C, sizeof(float) * (size_t)C);
    }
    if (!s->long_thr) return;
    thr = s->long_thr + (size_t)l * (size_t)C;
    for (t = 0; t < T && s->n_tokens + (uint64_t)t < s->long_until; t++) {
        float *d = dt + (size_t)t * (size_t)C;
        for (c = 0; c < C; c++)
            if (d[c] <= thr[c]) d[c] = 0.0f;
    }
}

static uint32_t mamba__long_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static float mamba__long_f32(const unsigned char *p) {
    uint32_t u = mamba__long_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static uint64_t mamba__long_u64(const unsigned char *p) {
    return (uint64_t)mamba__long_u32(p) | (uint64_t)mamba__long_u32(p + 4) << 32;
}

MAMBA_API mamba_status mamba_long_load_memory(mamba_long **out, const mamba_model *m, const void *bytes, size_t len,
                                              mamba_error *err) {
    const unsigned char *p = (const unsigned char *)bytes, *q;
    uint32_t ver, arch, nl, C, dm, ds, tl, nlen, i, l, c;
    uint64_t npay, ck, h = 14695981039346656037u;
    size_t per, need, total, k;
    mamba__heap hp;
    mamba_long *cal;
    unsigned char *mem;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_long_load_memory: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!m || (!bytes && len)) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_long_load_memory: model or bytes NULL", 0, 0, 0, 0);
    if (len < 64 || memcmp(p, "MBLC", 4) != 0)
        return mamba__err(err, MAMBA_ERR_FORMAT, "LongMamba calibration: not a calibration file (magic MBLC, 64-byte header)", 0, 0, 0, 0);
    ver = mamba__long_u32(p + 4); arch = mamba__long_u32(p + 8); nl = mamba__long_u32(p + 12); C = mamba__long_u32(p + 16);
    dm = mamba__long_u32(p + 20); ds = mamba__long_u32(p + 24); tl = mamba__long_u32(p + 28); nlen = mamba__long_u32(p + 32);
    npay = mamba__long_u64(p + 48); ck = mamba__long_u64(p + 56);
    if (ver != MAMBA_LONG_FORMAT_VERSION)
        return mamba__err(err, MAMBA_ERR_UNSUPPORTED, "LongMamba calibration: format version %d, this library reads %d", 0, 0, ver, MAMBA_LONG_FORMAT_VERSION);
    if (arch != (uint32_t)m->cfg.arch || nl != (uint32_t)m->cfg.n_layer || dm != (uint32_t)m->cfg.d_model ||
        ds != (uint32_t)m->cfg.d_state ||
        C != (uint32_t)(m->cfg.arch == MAMBA_ARCH_MAMBA2 ? m->cfg.n_heads : m->cfg.d_inner))
        return mamba__err(err, MAMBA_ERR_SHAPE, "LongMamba calibration: made for another model shape (%d layers, %d channels)", 0, 0, nl, C);
    if (nlen < 1 || nlen > 64) return mamba__err(err, MAMBA_ERR_FORMAT, "LongMamba calibration: %d target lengths (1..64)", 0, 0, nlen, 0);
    if (tl < 1) return mamba__err(err, MAMBA_ERR_RANGE, "LongMamba calibration: training length 0", 0, 0, 0, 0);
    /* payload: lengths, then per layer class[C], decay[C], thr[n_len][C]: 4-byte words */
    if (!mamba__mul((size_t)C, (size_t)nlen + 2, &per) || !mamba__mul(per, (size_t)nl, &need) ||
        !mamba__add(need, (size_t)nlen, &need) || !mamba__mul(need, 4, &need))
        return mamba__err(err, MAMBA_ERR_FORMAT, "LongMamba calibration: sizes overflow", 0, 0, 0, 0);
    if (npay != (uint64_t)need || len - 64 != need)
        return mamba__err(err, MAMBA_ERR_FORMAT, "LongMamba calibration: payload is %d bytes, the header implies %d", 0, 0, (long long)(len - 64), (long long)need);
    for (k = 64; k < len; k++) h = (h ^ p[k]) * 1099511628211u;
    if (h != ck) return mamba__err(err, MAMBA_ERR_FORMAT, "LongMamba calibration: checksum mismatch (damaged file)", 0, 0, 0, 0);
    q = p + 64;
    for (i = 0; i < nlen; i++) {
        uint32_t v = mamba__long_u32(q + 4 * (size_t)i);
        if (v == 0 || (i && v <= mamba__long_u32(q + 4 * (size_t)(i - 1))))
            return mamba__err(err, MAMBA_ERR_RANGE, "LongMamba calibration: target length %d is not above the one before", 0, 0, v, 0);
    }
    for (l = 0; l < nl; l++) {
        const unsigned char *L = q + 4 * (size_t)nlen + 4 * per * (size_t)l;
        for (c = 0; c < C; c++) {
            uint32_t cls = mamba__long_u32(L + 4 * (size_t)c);
            if (cls > 1) return mamba__err(err, MAMBA_ERR_RANGE, "LongMamba calibration: layer %d channel %d: class not 0 or 1", 0, 0, l, c);
        }
        for (k = 0; k < (size_t)C * nlen; k++) {
            float t = mamba__long_f32(L + 8 * (size_t)C + 4 * k);
            if (!(t >= 0.0f && t <= 3.0e38f))
                return mamba__err(err, MAMBA_ERR_RANGE, "LongMamba calibration: layer %d: threshold %d is not finite and >= 0", 0, 0, l, (long long)k);
        }
    }
    mamba__heap_plain(&hp);
    {
        size_t a = mamba__round_up(sizeof(mamba_long), MAMBA__ALIGN), b = mamba__round_up(4 * (size_t)nlen, MAMBA__ALIGN), t;
        if (!mamba__mul((size_t)nlen * nl, (size_t)C * 4, &t) || !mamba__add(a + b, t, &total))
            return mamba__err(err, MAMBA_ERR_NOMEM, "LongMamba calibration: too large", 0, 0, 0, 0);
        mem = MAMBA__CAST(unsigned char *, mamba__halloc(&hp, total));
        if (!mem) return mamba__err(err, MAMBA_ERR_NOMEM, "LongMamba calibration: out of memory", 0, 0, 0, 0);
        cal = (mamba_long *)(void *)mem;
        cal->lengths = (uint32_t *)(void *)(mem + a);
        cal->thr = (float *)(void *)(mem + a + b);
    }
    cal->arch = (int)arch; cal->n_layer = (int)nl; cal->C = (int)C; cal->train_len = (int)tl; cal->n_len = (int)nlen;
    for (i = 0; i < nlen; i++) cal->lengths[i] = mamba__long_u32(q + 4 * (size_t)i);
    for (l = 0; l < nl; l++) {
        const unsigned char *L = q + 4 * (size_t)nlen + 4 * per * (size_t)l;
        for (i = 0; i < nlen; i++)
            for (c = 0; c < C; c++)
                cal->thr[((size_t)i * nl + l) * C + c] = mamba__long_u32(L + 4 * (size_t)c)
                    ? mamba__long_f32(L + 8 * (size_t)C + 4 * ((size_t)i * C + c)) : -1.0f;
    }
    *out = cal;
    return MAMBA_OK;
}

#ifndef MAMBA_NO_STDIO
MAMBA_API mamba_status mamba_long_load_file(mamba_long **out, const mamba_model *m, const char *path, mamba_error *err) {
    mamba__heap hp;
    mamba__blob b;
    mamba_status st;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_long_load_file: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!m || !path) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_long_load_file: model or path NULL", 0, 0, 0, 0);
    mamba__heap_plain(&hp);
    st = mamba__read_file(&hp, &b, path, (size_t)1 << 30, err);
    if (st != MAMBA_OK) return st;
    st = mamba_long_load_memory(out, m, b.data, b.size, err);
    if (st != MAMBA_OK && err) {   /* name the file */
        char msg[sizeof err->message];
        memcpy(msg, err->message, sizeof msg);
        msg[sizeof msg - 1] = 0;
        mamba__err3(err, st, "%s: %s%s", path, msg, "");
    }
    mamba__blob_release(&hp, &b);
    return st;
}
#endif

MAMBA_API void mamba_long_free(mamba_long *cal) {
    mamba__heap hp;
    if (!cal) return;
    mamba__heap_plain(&hp);
    mamba__hfree(&hp, cal);
}

MAMBA_API int mamba_long_train_len(const mamba_long *cal) { return cal ? cal->train_len : 0; }

MAMBA_API mamba_status mamba_state_set_long(mamba_state *s, const mamba_long *cal, uint64_t prompt_len) {
    int i, best = 0;
    if (!s || s->magic != MAMBA__STATE_MAGIC) return MAMBA_ERR_BADARG;
    if (!cal || prompt_len <= (uint64_t)cal->train_len) { s->long_thr = NULL; s->long_until = 0; return MAMBA_OK; }
    if (cal->arch != s->shape.arch || cal->n_layer != s->shape.n_layer ||
        cal->C != (cal->arch == MAMBA_ARCH_MAMBA2 ? s->shape.n_heads : s->shape.d_inner))
        return MAMBA_ERR_SHAPE;
    for (i = 1; i < cal->n_len; i++) {   /* nearest table length; ties: the shorter */
        uint64_t a = cal->lengths[i], bb = cal->lengths[best];
        uint64_t da = a > prompt_len ? a - prompt_len : prompt_len - a, db = bb > prompt_len ? bb - prompt_len : prompt_len - bb;
        if (da < db) best = i;
    }
    s->long_thr = cal->thr + (size_t)best * (size_t)cal->n_layer * (size_t)cal->C;
    s->long_until = prompt_len;
    return MAMBA_OK;
}

MAMBA_API int mamba_long_channels(const mamba_model *m) {
    return !m ? 0 : m->cfg.arch == MAMBA_ARCH_MAMBA2 ? m->cfg.n_heads : m->cfg.d_inner;
}

MAMBA_API double mamba_long_decay(const mamba_model *m, int layer, int channel, double dtsum) {
    const float *A;
    double acc = 0;
    int n, N;
    if (!m || layer < 0 || layer >= m->cfg.n_layer || channel < 0 || channel >= mamba_long_channels(m)) return -1;
    A = m->layers[layer].A;
    if (m->cfg.arch == MAMBA_ARCH_MAMBA2) return exp((double)A[channel] * dtsum);
    N = m->cfg.d_state;   /* A is state-major (N, E) */
    for (n = 0; n < N; n++) acc += exp((double)A[(size_t)n * (size_t)m->cfg.d_inner + (size_t)channel] * dtsum);
    return acc / N;
}

MAMBA_API mamba_status mamba_forward_dt(const mamba_model *m, mamba_state *s, const int *tokens, size_t n, float *dt_out) {
    mamba_status st;
    if (!dt_out || !s || s->magic != MAMBA__STATE_MAGIC || s->n_tokens) return MAMBA_ERR_BADARG;
    s->long_rec = dt_out;
    st = mamba_forward(m, s, tokens, n, NULL, MAMBA_LOGITS_NONE);
    s->long_rec = NULL;
    return st;
}

/* The forward pass over a round of rows: one or many sequences.
   A round is T rows: the next tokens of several sequences, each sequence's
   rows consecutive (a segment). Every matrix product runs over all T rows at
   once (each weight read once); the conv and the scan walk each segment's
   tokens in order on its own state. Each (row, token) dot product, norm and
   scan step is the same call as on the single-sequence path, so the bits are
   the same whatever the company a sequence keeps. */
typedef struct mamba__seg {
    mamba_state *s;
    const int *tok;          /* this round's tokens                               */
    int row0, n;             /* rows [row0, row0 + n) of the round                */
    float **snap;            /* NULL, or per row: ring slot for the state after
                                that token (NULL: not kept)                       */
} mamba__seg;

/* One Mamba-1 block over the rows of ns segments (T rows in all). */
static void mamba__block(const mamba_model *m, int l, const mamba__seg *sg, int ns, mamba__scratch *sc, int T) {
    const mamba_config *c = &m->cfg;
    const mamba__layer *L = &m->layers[l];
    int D = c->d_model, E = c->d_inner, N = c->d_state, K = c->d_conv, R = c->dt_rank, X = R + 2 * N, t, q;
    size_t conv_per = (size_t)c->conv_dim * (size_t)(K - 1), ssm_per = (size_t)E * (size_t)N;
    size_t conv_all = conv_per * (size_t)c->n_layer;
    for (t = 0; t < T; t++)                                            /* u = norm(r) */
        mamba__rmsnorm(sc->u + (size_t)t * D, sc->res + (size_t)t * D, L->norm, D, c->norm_eps);
    /* xz = in_proj(u): x = xz[:, :E], z = xz[:, E:] */
    mamba__linear(sc->xz, 2 * E, &L->in_proj, L->in_bias, sc->u, D, T, sc->rowbuf, sc->qbuf);
    for (q = 0; q < ns; q++) {                                         /* xc = silu(conv1d(x)), per sequence */
        float *conv = sg[q].s->conv + (size_t)l * conv_per;            /* (K-1, E) */
        for (t = 0; t < sg[q].n; t++) {
            size_t r = (size_t)(sg[q].row0 + t);
            mamba__conv_step(sc->xc + r * E, conv, sc->xz + r * 2 * E, L->conv_w, L->conv_b, E, K);
            if (sg[q].snap && sg[q].snap[t]) memcpy(sg[q].snap[t] + (size_t)l * conv_per, conv, conv_per * sizeof(float));
        }
    }
    /* x_dbl = x_proj(xc) -> dlow (R) | B (N) | C (N) */
    mamba__linear(sc->xdbl, X, &L->x_proj, NULL, sc->xc, E, T, sc->rowbuf, sc->qbuf);
    if (c->arch == MAMBA_ARCH_FALCON_MAMBA) {                          /* weightless rms norms */
        for (t = 0; t < T; t++) {
            float *xd = sc->xdbl + (size_t)t * X;
            mamba__rmsnorm(xd, xd, NULL, R, c->mixer_rms_eps);
            mamba__rmsnorm(xd + R, xd + R, NULL, N, c->mixer_rms_eps);
            mamba__rmsnorm(xd + R + N, xd + R + N, NULL, N, c->mixer_rms_eps);
        }
    }
    /* dt = softplus(dt_proj(dlow) + dt_bias) */
    mamba__linear(sc->dt, E, &L->dt_proj, L->dt_bias, sc->xdbl, X, T, sc->rowbuf, sc->qbuf);
    for (t = 0; t < T; t++) mamba__softplus_n(sc->dt + (size_t)t * E, E);
    for (q = 0; q < ns; q++)                                           /* LongMamba: per sequence, its own rows */
        if (sg[q].s->long_thr || sg[q].s->long_rec) mamba__long_filter(sg[q].s, l, sc->dt + (size_t)sg[q].row0 * E, E, sg[q].n);
    {   /* selective scan: (sequence, channel block) items in parallel, tokens in order within each */
        int nblk = (E + MAMBA__SCAN_BLOCK - 1) / MAMBA__SCAN_BLOCK, w;
        size_t omp_work = (size_t)E * (size_t)N * (size_t)T * 8;
        (void)omp_work;
        MAMBA__OMP_FOR
        for (w = 0; w < ns * nblk; w++) {
            const mamba__seg *g = &sg[w / nblk];
            int cb = w % nblk, c0 = cb * MAMBA__SCAN_BLOCK, c1 = c0 + MAMBA__SCAN_BLOCK < E ? c0 + MAMBA__SCAN_BLOCK : E, tt;
            float *h = g->s->ssm + (size_t)l * ssm_per;                  /* (E, N) */
            for (tt = 0; tt < g->n; tt++) {
                size_t r = (size_t)(g->row0 + tt);
                const float *xd = sc->xdbl + r * X;
                mamba__scan_step(sc->y + r * E, h, sc->xc + r * E, sc->dt + r * E, L->A, xd + R, xd + R + N, L->D,
                                 sc->xz + r * 2 * E + E, E, N, c0, c1);
                if (g->snap && g->snap[tt])
                    memcpy(g->snap[tt] + conv_all + (size_t)l * ssm_per + (size_t)c0 * N, h + (size_t)c0 * N,
                           (size_t)(c1 - c0) * (size_t)N * sizeof(float));
            }
        }
    }
    /* out = out_proj(y); r = r + out */
    mamba__linear(sc->out, D, &L->out_proj, L->out_bias, sc->y, E, T, sc->rowbuf, sc->qbuf);
    for (t = 0; t < (int)((size_t)T * D); t++) sc->res[t] += sc->out[t];
}

/* One Mamba-2 block over the rows of ns segments. */
static void mamba__block2(const mamba_model *m, int l, const mamba__seg *sg, int ns, mamba__scratch *sc, int T) {
    const mamba_config *c = &m->cfg;
    const mamba__layer *L = &m->layers[l];
    int D = c->d_model, E = c->d_inner, N = c->d_state, K = c->d_conv, G = c->n_groups, H = c->n_heads;
    int CD = c->conv_dim, NP = c->d_in_proj, P = c->head_dim, t, q;
    size_t conv_per = (size_t)CD * (size_t)(K - 1), ssm_per = (size_t)E * (size_t)N, conv_all = conv_per * (size_t)c->n_layer;
    for (t = 0; t < T; t++)
        mamba__rmsnorm(sc->u + (size_t)t * D, sc->res + (size_t)t * D, L->norm, D, c->norm_eps);
    /* zxbcdt = in_proj(u) -> z (E) | xBC (conv_dim) | dt (H) */
    mamba__linear(sc->xz, NP, &L->in_proj, L->in_bias, sc->u, D, T, sc->rowbuf, sc->qbuf);
    for (q = 0; q < ns; q++) {   /* xBC = silu(conv1d(xBC)); dt = clamp(softplus(dt + dt_bias)), per sequence */
        float *conv = sg[q].s->conv + (size_t)l * conv_per;           /* (K-1, conv_dim) */
        for (t = 0; t < sg[q].n; t++) {
            size_t r = (size_t)(sg[q].row0 + t);
            const float *zx = sc->xz + r * NP;
            float *dt = sc->dt + r * H;
            int i;
            mamba__conv_step(sc->xc + r * CD, conv, zx + E, L->conv_w, L->conv_b, CD, K);
            if (sg[q].snap && sg[q].snap[t]) memcpy(sg[q].snap[t] + (size_t)l * conv_per, conv, conv_per * sizeof(float));
            for (i = 0; i < H; i++) dt[i] = zx[E + CD + i] + L->dt_bias[i];
            mamba__softplus_n(dt, H);
            for (i = 0; i < H; i++) dt[i] = dt[i] < c->dt_min ? c->dt_min : dt[i] > c->dt_max ? c->dt_max : dt[i];
        }
    }
    for (q = 0; q < ns; q++)   /* LongMamba: per sequence, its own rows */
        if (sg[q].s->long_thr || sg[q].s->long_rec) mamba__long_filter(sg[q].s, l, sc->dt + (size_t)sg[q].row0 * H, H, sg[q].n);
    {   /* SSD recurrence: (sequence, head block) items in parallel, tokens in order within each */
        int per = H / G > 0 ? H / G : 1, nblk = (H + per - 1) / per, w;
        size_t omp_work = (size_t)E * (size_t)N * (size_t)T * 2;
        (void)omp_work;
        MAMBA__OMP_FOR
        for (w = 0; w < ns * nblk; w++) {
            const mamba__seg *g = &sg[w / nblk];
            int hb = w % nblk, h0 = hb * per, h1 = h0 + per < H ? h0 + per : H, tt;
            float *S = g->s->ssm + (size_t)l * ssm_per;                   /* (H, P, N) */
            for (tt = 0; tt < g->n; tt++) {
                size_t r = (size_t)(g->row0 + tt);
                const float *xbc = sc->xc + r * CD;
                mamba__ssd_step(sc->y + r * E, S, xbc, xbc + E, xbc + E + (size_t)G * N, sc->dt + r * H,
                                L->A, L->D, c->d_per_channel, H, P, N, G, h0, h1);
                if (g->snap && g->snap[tt]) {
                    size_t o = (size_t)h0 * (size_t)P * (size_t)N;
                    memcpy(g->snap[tt] + conv_all + (size_t)l * ssm_per + o, S + o, (size_t)(h1 - h0) * (size_t)P * (size_t)N * sizeof(float));
                }
            }
        }
    }
    for (t = 0; t < T; t++) {   /* gated RMSNorm with z */
        const float *zx = sc->xz + (size_t)t * NP;
        float *y = sc->y + (size_t)t * E;
        if (c->gated_norm) mamba__gated_norm(y, zx, L->gnorm, E, G, c->norm_eps, c->norm_before_gate);
        else mamba__mul_silu(y, zx, E);
    }
    mamba__linear(sc->out, D, &L->out_proj, L->out_bias, sc->y, E, T, sc->rowbuf, sc->qbuf);
    for (t = 0; t < (int)((size_t)T * D); t++) sc->res[t] += sc->out[t];
}

/* The rows of a round through every layer; each state advances by its n. */
static void mamba__forward_rows(const mamba_model *m, const mamba__seg *sg, int ns, int T, mamba__scratch *sc) {
    const mamba_config *c = &m->cfg;
    int D = c->d_model, q, t, l;
    for (q = 0; q < ns; q++)
        for (t = 0; t < sg[q].n; t++) mamba__row_f32(&m->embed, sg[q].tok[t], sc->res + (size_t)(sg[q].row0 + t) * D);
    for (l = 0; l < c->n_layer; l++) {
        if (c->arch == MAMBA_ARCH_MAMBA2) mamba__block2(m, l, sg, ns, sc, T);
        else mamba__block(m, l, sg, ns, sc, T);
    }
    for (q = 0; q < ns; q++) sg[q].s->n_tokens += (uint64_t)sg[q].n;
}

/* Logits of n residual rows (rows[0..n), ascending, or row0 .. row0 + n - 1
   when rows is NULL): final norm into u, then one lm_head product into Y
   (rows vocab_size floats apart). */
static void mamba__logits_rows(const mamba_model *m, mamba__scratch *sc, const int *rows, int row0, int n, float *Y) {
    int D = m->cfg.d_model, t;
    for (t = 0; t < n; t++)
        mamba__rmsnorm(sc->u + (size_t)t * D, sc->res + (size_t)(rows ? rows[t] : row0 + t) * D, m->norm_f, D, m->cfg.norm_eps);
    mamba__linear(Y, m->cfg.vocab_size, &m->lm_head, NULL, sc->u, D, n, sc->rowbuf, sc->qbuf);
}

/* Runs T tokens of one sequence, the one-sequence case of the rounds above;
   writes logits for rows [first, T) into logits (one row of vocab_size
   each), or none when first == T. */
static void mamba__forward_chunk(const mamba_model *m, mamba_state *s, const int *tok, int T, float *logits, int first) {
    mamba__scratch sc;
    mamba__seg g;
    mamba__scratch_layout(&m->cfg, s->chunk, s->scratch, &sc);
    g.s = s; g.tok = tok; g.row0 = 0; g.n = T; g.snap = NULL;
    mamba__forward_rows(m, &g, 1, T, &sc);
    if (first < T) mamba__logits_rows(m, &sc, NULL, first, T - first, logits);
}

static mamba_status mamba__check_run(const mamba_model *m, const mamba_state *s, const int *tokens, size_t n) {
    size_t i;
    if (!m || !s || (!tokens && n)) return MAMBA_ERR_BADARG;
    if (!mamba__state_fits(m, s)) return MAMBA_ERR_SHAPE;
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.vocab_size) return MAMBA_ERR_RANGE;
    return MAMBA_OK;
}

/* -- threads per model and per call ---------------------------------------
   mamba_model_set_threads; the choice between 1 thread and n per state (see
   the API comment), timed with timespec_get around each call. */
MAMBA_API mamba_status mamba_model_set_threads(mamba_model *m, int n, int flags) {
    if (!m || n < 0 || (flags != MAMBA_THREADS_ADAPTIVE && flags != MAMBA_THREADS_FIXED)) return MAMBA_ERR_BADARG;
    m->n_threads = n;
    m->thread_flags = flags;
    return MAMBA_OK;
}
MAMBA_API int mamba_model_threads(const mamba_model *m) {
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    return m && m->n_threads > 0 ? m->n_threads : omp_get_max_threads();
#else
    return m && m->n_threads > 0 ? m->n_threads : 1;
#endif
}
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
static double mamba__now(void) {
    struct timespec ts;
    if (!timespec_get(&ts, TIME_UTC)) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#endif
/* Before a call of n_tokens: sets the threads of this call; returns the start time (0: not timed). */
static double mamba__threads_begin(const mamba_model *m, mamba_state *s, size_t n_tokens) {
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    mamba_thread_stats *ts = &s->threads;
    int n = mamba_model_threads(m), k = n_tokens > 1, pick;
    const float *t = ts->sec_per_token[k];
    if (n <= 1 || m->thread_flags == MAMBA_THREADS_FIXED) { mamba__omp_nt = n; return 0; }
    ts->probe[k] = 0;
    if (t[1] == 0) pick = 1;          /* measure n threads first, */
    else if (t[0] == 0) pick = 0;     /* then 1 */
    else {
        pick = t[1] <= t[0];
        if (ts->gap[k] < 16) ts->gap[k] = 16;
        /* time the other again after gap calls (16, doubling up to 1024 while
           it stays slower) and once the calls since the last probe took 32
           times what the probe is expected to cost: a probe is at most ~3 % */
        if (++ts->calls[k] >= ts->gap[k] && (double)ts->calls[k] * t[pick] >= 32.0 * t[!pick]) {
            pick = !pick; ts->calls[k] = 0; ts->probe[k] = 1;
        }
    }
    ts->pick[k] = pick;
    mamba__omp_nt = pick ? n : 1;
    return mamba__now();
#else
    (void)m; (void)s; (void)n_tokens;
    return 0;
#endif
}
static void mamba__threads_end(mamba_state *s, size_t n_tokens, double t0) {
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    mamba_thread_stats *ts = &s->threads;
    int k = n_tokens > 1, p = ts->pick[k];
    float *t = ts->sec_per_token[k], dt;
    mamba__omp_nt = 0;
    if (t0 == 0) return;
    dt = (float)((mamba__now() - t0) / (double)n_tokens);
    if (!(dt > 0)) return;   /* a clock that did not move */
    if (ts->probe[k] || t[p] == 0) {   /* a probe replaces the old number */
        t[p] = dt;
        if (ts->probe[k]) ts->gap[k] = (t[p] <= t[!p]) ? 16 : ts->gap[k] < 1024 ? 2 * ts->gap[k] : 1024;
    } else t[p] = 0.75f * t[p] + 0.25f * dt;
#else
    (void)s; (void)n_tokens; (void)t0;
#endif
}

MAMBA_API mamba_status mamba_step(const mamba_model *m, mamba_state *s, int token, float *logits) {
    mamba_status st = mamba__check_run(m, s, &token, 1);
    double t0;
    if (st != MAMBA_OK) return st;
    t0 = mamba__threads_begin(m, s, 1);   /* issue 21 */
    mamba__forward_chunk(m, s, &token, 1, logits, logits ? 0 : 1);
    mamba__threads_end(s, 1, t0);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_forward(const mamba_model *m, mamba_state *s, const int *tokens, size_t n,
                                     float *logits, mamba_logits_mode mode) {
    mamba_status st = mamba__check_run(m, s, tokens, n);
    size_t done = 0;
    double t0;
    if (st != MAMBA_OK) return st;
    if (mode != MAMBA_LOGITS_LAST && mode != MAMBA_LOGITS_ALL && mode != MAMBA_LOGITS_NONE) return MAMBA_ERR_BADARG;
    if (mode != MAMBA_LOGITS_NONE && !logits) return MAMBA_ERR_BADARG;
    if (n == 0) return mode == MAMBA_LOGITS_LAST ? MAMBA_ERR_BADARG : MAMBA_OK;
    t0 = mamba__threads_begin(m, s, n);   /* issue 21 */
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
    mamba__threads_end(s, n, t0);
    return MAMBA_OK;
}

/* ---- D.4 state ---------------------------------------------------------- */

static size_t mamba__conv_floats(const mamba_state *s) {
    return (size_t)s->shape.n_layer * (size_t)s->shape.conv_dim * (size_t)(s->shape.d_conv - 1);
}
static size_t mamba__ssm_floats(const mamba_state *s) {
    return (size_t)s->shape.n_layer * (size_t)s->shape.d_inner * (size_t)s->shape.d_state;
}

MAMBA_API mamba_status mamba_state_init(mamba_state *s, const mamba_config *c, void *state_mem, size_t state_bytes,
                                        void *scratch_mem, size_t scratch_bytes, int chunk, mamba_error *err) {
    size_t need;
    mamba__err_clear(err);
    if (!s) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: s is NULL", 0, 0, 0, 0);
    if (!c) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: config is NULL", 0, 0, 0, 0);
    memset(s, 0, sizeof *s);
    need = mamba_state_bytes(c);
    if (!need) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: the config's dimensions are invalid", 0, 0, 0, 0);
    if (!state_mem) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: state_mem is NULL", 0, 0, 0, 0);
    if (state_bytes < need)
        return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: state_bytes is %d, the state needs %d", 0, 0,
                          (long long)state_bytes, (long long)need);
    if ((uintptr_t)state_mem % sizeof(float))
        return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: state_mem is not 4-byte aligned", 0, 0, 0, 0);
    if (chunk <= 0) chunk = MAMBA__DEFAULT_CHUNK;
    if (scratch_mem) {
        size_t sneed = mamba_scratch_bytes(c, chunk);
        if (!sneed) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: chunk %d is too large", 0, 0, chunk, 0);
        if (scratch_bytes < sneed)
            return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: scratch_bytes is %d, chunk %d needs more", 0, 0,
                              (long long)scratch_bytes, chunk);
        if ((uintptr_t)scratch_mem % 16)
            return mamba__err(err, MAMBA_ERR_BADARG, "mamba_state_init: scratch_mem is not 16-byte aligned", 0, 0, 0, 0);
    }
    s->magic = MAMBA__STATE_MAGIC;
    mamba__shape_of(c, &s->shape);
    s->conv = (float *)state_mem;
    s->ssm = s->conv + mamba__conv_floats(s);
    s->scratch = scratch_mem;
    s->scratch_bytes = scratch_mem ? scratch_bytes : 0;
    s->chunk = scratch_mem ? chunk : 0;
    mamba_state_reset(s);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_state_new(mamba_state **out, const mamba_model *m, int chunk) {
    mamba__heap h, *hp = &h;
    size_t a, b, total;
    unsigned char *mem;
    mamba_state *s;
    mamba_status st;
    if (!out) return MAMBA_ERR_BADARG;
    *out = NULL;
    if (!m) return MAMBA_ERR_BADARG;
    if (chunk <= 0) chunk = MAMBA__DEFAULT_CHUNK;
    mamba__heap_plain(hp);
    a = mamba__round_up(sizeof(mamba_state), MAMBA__ALIGN);
    b = mamba__round_up(mamba_state_bytes(&m->cfg), MAMBA__ALIGN);
    if (!mamba__add(a, b, &total) || !mamba__add(total, mamba_scratch_bytes(&m->cfg, chunk), &total) ||
        !mamba__add(total, MAMBA__ALIGN, &total) || !mamba_scratch_bytes(&m->cfg, chunk))
        return MAMBA_ERR_BADARG;
    mem = MAMBA__CAST(unsigned char *, mamba__halloc(hp, total));
    if (!mem) return MAMBA_ERR_NOMEM;
    {   /* align the carve-out to 64 bytes whatever malloc returned */
        unsigned char *p = mem + (MAMBA__ALIGN - (uintptr_t)mem % MAMBA__ALIGN) % MAMBA__ALIGN;
        s = (mamba_state *)(void *)p;
        st = mamba_state_init(s, &m->cfg, p + a, b, p + a + b, total - a - b - MAMBA__ALIGN, chunk, NULL);
    }
    if (st != MAMBA_OK) { mamba__hfree(hp, mem); return st; }
    s->owned = mem;
    *out = s;
    return MAMBA_OK;
}

MAMBA_API void mamba_state_free(mamba_state *s) {
    if (s && s->magic == MAMBA__STATE_MAGIC && s->owned) {
        void *mem = s->owned;
        mamba__heap h;
        mamba__heap_plain(&h);
        s->magic = 0;
        mamba__hfree(&h, mem);
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
    if (!mamba__shape_eq(&dst->shape, &src->shape)) return MAMBA_ERR_BADARG;
    if (dst == src) return MAMBA_OK;
    memmove(dst->conv, src->conv, mamba__conv_floats(src) * sizeof(float));
    memmove(dst->ssm, src->ssm, mamba__ssm_floats(src) * sizeof(float));
    dst->n_tokens = src->n_tokens;
    dst->long_thr = src->long_thr; dst->long_until = src->long_until;   /* LongMamba */
    return MAMBA_OK;
}

/* -- saved states ---------------------------------------------------------
   offset  0 "MBST"   4 u32 version   8 u32 arch   12..44 u32 d_model, n_layer,
   d_inner, d_state, d_conv, conv_dim, n_heads, n_groups   44 u64 n_tokens
   52 u64 payload bytes   60 u32 FNV-1a of bytes 0..60 and the payload
   64 payload: conv then ssm floats, little-endian. */
#define MAMBA__SAVE_HDR 64
static void mamba__put32(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24); }
static uint32_t mamba__get32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static int mamba__state_ok(const mamba_state *s) {
    return s && s->magic == MAMBA__STATE_MAGIC && s->conv && s->ssm && s->shape.n_layer > 0 && s->shape.d_conv > 0;
}

MAMBA_API size_t mamba_state_write_bytes(const mamba_state *s) {
    size_t n;
    if (!mamba__state_ok(s) || !mamba__add(mamba__conv_floats(s), mamba__ssm_floats(s), &n) ||
        !mamba__mul(n, 4, &n) || !mamba__add(n, MAMBA__SAVE_HDR, &n))
        return 0;
    return n;
}

static void mamba__save_header(const mamba_state *s, unsigned char *h, uint64_t payload) {
    const mamba_state_shape *sh = &s->shape;
    uint32_t dims[8];
    int i;
    dims[0] = (uint32_t)sh->d_model; dims[1] = (uint32_t)sh->n_layer; dims[2] = (uint32_t)sh->d_inner; dims[3] = (uint32_t)sh->d_state;
    dims[4] = (uint32_t)sh->d_conv; dims[5] = (uint32_t)sh->conv_dim; dims[6] = (uint32_t)sh->n_heads; dims[7] = (uint32_t)sh->n_groups;
    memcpy(h, "MBST", 4);
    mamba__put32(h + 4, MAMBA_STATE_FORMAT_VERSION);
    mamba__put32(h + 8, (uint32_t)sh->arch);
    for (i = 0; i < 8; i++) mamba__put32(h + 12 + 4 * i, dims[i]);
    mamba__put32(h + 44, (uint32_t)s->n_tokens); mamba__put32(h + 48, (uint32_t)(s->n_tokens >> 32));
    mamba__put32(h + 52, (uint32_t)payload); mamba__put32(h + 56, (uint32_t)(payload >> 32));
    mamba__put32(h + 60, 0);
}

MAMBA_API mamba_status mamba_state_write(const mamba_state *s, void *buf, size_t cap, size_t *n_out) {
    size_t need = mamba_state_write_bytes(s), i, nf;
    unsigned char *o = (unsigned char *)buf;
    const float *src[2];
    size_t cnt[2];
    int part;
    uint32_t h;
    if (n_out) *n_out = need;
    if (!need) return MAMBA_ERR_BADARG;
    if (!buf || cap < need) return MAMBA_ERR_RANGE;
    nf = (need - MAMBA__SAVE_HDR) / 4;
    mamba__save_header(s, o, (uint64_t)nf * 4);
    src[0] = s->conv; cnt[0] = mamba__conv_floats(s);
    src[1] = s->ssm; cnt[1] = mamba__ssm_floats(s);
    o += MAMBA__SAVE_HDR;
    for (part = 0; part < 2; part++)
        for (i = 0; i < cnt[part]; i++, o += 4) {
            uint32_t v;
            memcpy(&v, &src[part][i], 4);
            mamba__put32(o, v);
        }
    h = mamba__fnv1a(MAMBA__FNV_INIT, (const unsigned char *)buf, 60);
    h = mamba__fnv1a(h, (const unsigned char *)buf + MAMBA__SAVE_HDR, need - MAMBA__SAVE_HDR);
    mamba__put32((unsigned char *)buf + 60, h);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_state_read(mamba_state *s, const void *buf, size_t len) {
    const unsigned char *p = (const unsigned char *)buf;
    unsigned char want[MAMBA__SAVE_HDR];
    size_t need = mamba_state_write_bytes(s), i, nc;
    uint32_t h;
    if (!need || !buf) return MAMBA_ERR_BADARG;
    if (len < 8 || memcmp(p, "MBST", 4)) return MAMBA_ERR_FORMAT;
    if (mamba__get32(p + 4) != MAMBA_STATE_FORMAT_VERSION) return MAMBA_ERR_UNSUPPORTED;
    if (len < MAMBA__SAVE_HDR) return MAMBA_ERR_FORMAT;
    mamba__save_header(s, want, (uint64_t)(need - MAMBA__SAVE_HDR));
    if (memcmp(p + 8, want + 8, 36) || memcmp(p + 52, want + 52, 8)) return MAMBA_ERR_SHAPE;   /* arch, dims, payload size */
    if (len != need) return MAMBA_ERR_FORMAT;
    h = mamba__fnv1a(MAMBA__FNV_INIT, p, 60);
    h = mamba__fnv1a(h, p + MAMBA__SAVE_HDR, need - MAMBA__SAVE_HDR);
    if (h != mamba__get32(p + 60)) return MAMBA_ERR_FORMAT;
    nc = mamba__conv_floats(s);
    for (i = 0, p += MAMBA__SAVE_HDR; i < (need - MAMBA__SAVE_HDR) / 4; i++, p += 4) {
        uint32_t v = mamba__get32(p);
        memcpy(i < nc ? &s->conv[i] : &s->ssm[i - nc], &v, 4);
    }
    p = (const unsigned char *)buf;
    s->n_tokens = (uint64_t)mamba__get32(p + 44) | (uint64_t)mamba__get32(p + 48) << 32;
    return MAMBA_OK;
}

/* ---- D.5 sampler (argmax, temperature, top-k, top-p) -------------------- */

MAMBA_API int mamba_argmax(const float *x, int n) {
    int i, best = 0;
    if (!x || n <= 0) return -1;
    for (i = 1; i < n; i++)
        if (x[i] > x[best] || (x[best] != x[best] && x[i] == x[i])) best = i;   /* NaN never wins */
    return best;
}




typedef struct mamba__cand { float v; int id; } mamba__cand;

MAMBA_API size_t mamba_sampler_bytes(int n_vocab) { return n_vocab > 0 ? sizeof(mamba__cand) * (size_t)n_vocab : 0; }

MAMBA_API mamba_status mamba_sampler_init(mamba_sampler *s, int n_vocab, const mamba_sampler_params *p,
                                          void *mem, size_t mem_bytes) {
    mamba_sampler_params def;
    if (!s) return MAMBA_ERR_BADARG;
    memset(s, 0, sizeof *s);
    if (!p) { memset(&def, 0, sizeof def); p = &def; }
    if (n_vocab <= 0 || !(p->temperature == p->temperature)) return MAMBA_ERR_BADARG;
    if (mem) {
        if (mem_bytes < mamba_sampler_bytes(n_vocab) || (uintptr_t)mem % sizeof(float)) return MAMBA_ERR_BADARG;
        s->work = mem;
    } else {
        mamba__heap h;
        mamba__heap_plain(&h);
        s->work = s->owned = mamba__halloc(&h, mamba_sampler_bytes(n_vocab));
        if (!s->work) return MAMBA_ERR_NOMEM;
    }
    s->n_vocab = n_vocab;
    s->temperature = p->temperature;
    s->top_k = p->top_k;
    s->top_p = p->top_p;
    s->rng = p->seed ? p->seed : 0x9E3779B97F4A7C15ull;   /* xorshift needs a nonzero state */
    return MAMBA_OK;
}

MAMBA_API void mamba_sampler_free(mamba_sampler *s) {
    mamba__heap h;
    mamba__heap_plain(&h);
    if (s && s->owned) mamba__hfree(&h, s->owned);
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
    if (!s || !logits || !s->work || s->n_vocab <= 0) return -1;
    /* greedy; also for a NaN temperature set in the struct by hand */
    if (!(s->temperature > 0)) { i = mamba_argmax(logits, s->n_vocab); return i < 0 ? 0 : i; }
    c = (mamba__cand *)s->work;
    for (i = 0; i < s->n_vocab; i++) {
        float v = logits[i];
        if (v != v || v == -HUGE_VALF) continue;          /* NaN and -inf never sampled */
        if (v == HUGE_VALF) return i;                      /* +inf: certain */
        c[n].v = v;
        c[n].id = i;
        n++;
    }
    if (n == 0) return 0;
    /* Scale by 1/T. Where the largest logit / T overflows (huge logits, tiny
       T) scale the distance to the largest instead, so no value is +inf and
       exp() below never sees inf - inf: the best token keeps weight 1 and the
       sum stays in [1, n], whatever the logits. */
    maxv = c[0].v;
    for (i = 1; i < n; i++) if (c[i].v > maxv) maxv = c[i].v;
    r = maxv / s->temperature;
    if (r - r == 0.0f) { for (i = 0; i < n; i++) c[i].v = c[i].v / s->temperature; }
    else { for (i = 0; i < n; i++) c[i].v = (c[i].v - maxv) / s->temperature; }
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

/* ---- D.6 serving: rollback ring, prefix cache, batch workspace -----------
   (issue 16; the forward itself is D.3's, over segments) Snapshots are the raw recurrent floats (conv then ssm, as a state
   holds them). Objects made in caller memory carve themselves out of it,
   64-byte aligned; nothing here allocates after init. */

#define MAMBA__CACHE_MAGIC 0x4d424343u   /* "CCBM" */
#define MAMBA__RING_MAGIC  0x4d424352u   /* "RCBM" */
#define MAMBA__BATCH_MAGIC 0x4d424342u   /* "BCBM" */

/* Does state s belong to a model of config c (every shape number it holds)? */
static int mamba__state_shape_is(const mamba_state *s, const mamba_config *c) {
    mamba_state_shape sh;
    mamba__shape_of(c, &sh);
    return s && s->magic == MAMBA__STATE_MAGIC && s->conv && s->ssm && mamba__shape_eq(&s->shape, &sh);
}
/* The shape numbers a state is checked against, copied from a config. */
static void mamba__shape_copy(mamba_config *dst, const mamba_config *c) {
    memset(dst, 0, sizeof *dst);
    dst->arch = c->arch; dst->d_model = c->d_model; dst->n_layer = c->n_layer; dst->d_inner = c->d_inner;
    dst->d_state = c->d_state; dst->d_conv = c->d_conv; dst->conv_dim = c->conv_dim; dst->n_heads = c->n_heads;
    dst->n_groups = c->n_groups; dst->vocab_size = c->vocab_size;
}
static int mamba__same_shape(const mamba_config *a, const mamba_config *b) {
    return a->arch == b->arch && a->d_model == b->d_model && a->n_layer == b->n_layer && a->d_inner == b->d_inner &&
           a->d_state == b->d_state && a->d_conv == b->d_conv && a->conv_dim == b->conv_dim &&
           a->n_heads == b->n_heads && a->n_groups == b->n_groups && a->vocab_size == b->vocab_size;
}
/* A state's floats to a snapshot (conv then ssm) and back. */
static void mamba__snap_save(float *dst, const mamba_state *s) {
    size_t nc = mamba__conv_floats(s);
    memcpy(dst, s->conv, nc * sizeof(float));
    memcpy(dst + nc, s->ssm, mamba__ssm_floats(s) * sizeof(float));
}
static void mamba__snap_load(mamba_state *s, const float *src, uint64_t pos) {
    size_t nc = mamba__conv_floats(s);
    memcpy(s->conv, src, nc * sizeof(float));
    memcpy(s->ssm, src + nc, mamba__ssm_floats(s) * sizeof(float));
    s->n_tokens = pos;
}
/* Aligns caller memory to 64 bytes: the usable start, or NULL when fewer than
   `need` bytes remain. */
static unsigned char *mamba__carve(void *mem, size_t bytes, size_t need) {
    size_t skip;
    if (!mem) return NULL;
    skip = (MAMBA__ALIGN - (uintptr_t)mem % MAMBA__ALIGN) % MAMBA__ALIGN;
    if (bytes < skip || bytes - skip < need) return NULL;
    return (unsigned char *)mem + skip;
}
/* The heap forms: allocate, init, mark owned (the object's `owned` field). */
static void *mamba__serve_alloc(size_t bytes) {
    mamba__heap h;
    mamba__heap_plain(&h);
    return bytes ? mamba__halloc(&h, bytes) : NULL;
}
static void mamba__serve_free(void *p) {
    mamba__heap h;
    mamba__heap_plain(&h);
    mamba__hfree(&h, p);
}

/* -- rollback ring -----------------------------------------------------------
   k slots of state floats in a circle: `first` is the oldest held, `count`
   held, positions strictly increasing from first. */
struct mamba_ring {
    uint32_t magic;
    mamba_config shape;
    int k, first, count;
    size_t snap_floats;      /* floats per slot                     */
    uint64_t *pos;           /* (k) position of each slot           */
    float *slots;            /* (k, snap_floats)                    */
    void *owned;
};

static size_t mamba__ring_head(void) { return mamba__round_up(sizeof(struct mamba_ring), MAMBA__ALIGN); }

MAMBA_API size_t mamba_ring_bytes(const mamba_config *c, int k) {
    size_t sb = mamba_state_bytes(c), n, p;
    if (!sb || k < 1) return 0;
    if (!mamba__mul(sb, (size_t)k, &n) || !mamba__mul(sizeof(uint64_t), (size_t)k, &p)) return 0;
    p = mamba__round_up(p, MAMBA__ALIGN);
    if (!mamba__add(n, p, &n) || !mamba__add(n, mamba__ring_head() + MAMBA__ALIGN, &n)) return 0;
    return n;
}

MAMBA_API mamba_status mamba_ring_init(mamba_ring **out, const mamba_config *c, int k, void *mem, size_t bytes,
                                       mamba_error *err) {
    size_t need = mamba_ring_bytes(c, k);
    unsigned char *p;
    mamba_ring *r;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_ring_init: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!c || k < 1) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_ring_init: a ring needs k >= 1 snapshots (k = %d)", 0, 0, k, 0);
    if (!need) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_ring_init: bad config or k too large", 0, 0, 0, 0);
    p = mamba__carve(mem, bytes, need - MAMBA__ALIGN);
    if (!p) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_ring_init: %d bytes given, %d needed", 0, 0, (long long)bytes, (long long)need);
    r = (mamba_ring *)(void *)p;
    memset(r, 0, sizeof *r);
    r->magic = MAMBA__RING_MAGIC;
    mamba__shape_copy(&r->shape, c);
    r->k = k;
    r->snap_floats = mamba_state_bytes(c) / sizeof(float);
    r->pos = (uint64_t *)(void *)(p + mamba__ring_head());
    r->slots = (float *)(void *)(p + mamba__ring_head() + mamba__round_up(sizeof(uint64_t) * (size_t)k, MAMBA__ALIGN));
    *out = r;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_ring_new(mamba_ring **out, const mamba_model *m, int k, mamba_error *err) {
    size_t need;
    void *mem;
    mamba_status st;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_ring_new: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!m) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_ring_new: model is NULL", 0, 0, 0, 0);
    need = mamba_ring_bytes(&m->cfg, k);
    if (!need) return mamba_ring_init(out, &m->cfg, k, NULL, 0, err);   /* its message */
    if (!(mem = mamba__serve_alloc(need))) return mamba__err(err, MAMBA_ERR_NOMEM, "mamba_ring_new: %d bytes", 0, 0, (long long)need, 0);
    st = mamba_ring_init(out, &m->cfg, k, mem, need, err);
    if (st != MAMBA_OK) { mamba__serve_free(mem); return st; }
    (*out)->owned = mem;
    return MAMBA_OK;
}

MAMBA_API void mamba_ring_free(mamba_ring *r) {
    if (r && r->magic == MAMBA__RING_MAGIC && r->owned) { void *mem = r->owned; r->magic = 0; mamba__serve_free(mem); }
}

MAMBA_API void mamba_ring_clear(mamba_ring *r) {
    if (r && r->magic == MAMBA__RING_MAGIC) r->first = r->count = 0;
}

static int mamba__ring_ok(const mamba_ring *r) { return r && r->magic == MAMBA__RING_MAGIC; }

/* Makes room for position pos (dropping held positions >= pos, then the
   oldest when full) and returns its slot, already marked as held. */
static float *mamba__ring_slot(mamba_ring *r, uint64_t pos) {
    int idx;
    while (r->count > 0 && r->pos[(r->first + r->count - 1) % r->k] >= pos) r->count--;
    if (r->count == r->k) { r->first = (r->first + 1) % r->k; r->count--; }
    idx = (r->first + r->count) % r->k;
    r->pos[idx] = pos;
    r->count++;
    return r->slots + (size_t)idx * r->snap_floats;
}

MAMBA_API mamba_status mamba_ring_push(mamba_ring *r, const mamba_state *s) {
    if (!mamba__ring_ok(r) || !s) return MAMBA_ERR_BADARG;
    if (!mamba__state_shape_is(s, &r->shape)) return MAMBA_ERR_SHAPE;
    mamba__snap_save(mamba__ring_slot(r, s->n_tokens), s);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_ring_restore(mamba_ring *r, mamba_state *s, uint64_t pos) {
    int i;
    if (!mamba__ring_ok(r) || !s) return MAMBA_ERR_BADARG;
    if (!mamba__state_shape_is(s, &r->shape)) return MAMBA_ERR_SHAPE;
    for (i = 0; i < r->count; i++) {
        int idx = (r->first + i) % r->k;
        if (r->pos[idx] == pos) {
            mamba__snap_load(s, r->slots + (size_t)idx * r->snap_floats, pos);
            r->count = i + 1;
            return MAMBA_OK;
        }
    }
    return MAMBA_ERR_RANGE;
}

MAMBA_API int mamba_ring_count(const mamba_ring *r, uint64_t *oldest, uint64_t *newest) {
    int held = mamba__ring_ok(r) ? r->count : 0;
    if (oldest) *oldest = held ? r->pos[r->first] : 0;
    if (newest) *newest = held ? r->pos[(r->first + r->count - 1) % r->k] : 0;
    return held;
}

/* -- prefix cache --------------------------------------------------------------
   Budget layout: the cache struct, the bucket array, then the pool. The pool
   is tiled by blocks (64-byte multiples) that are free or hold one entry: a
   header, its tokens, then its snapshot. Free blocks merge with free
   neighbours; allocation is first fit over the blocks (there are few: each
   holds a whole state). Used entries sit on a doubly linked LRU list (most
   recent at the head) and in a hash chain. */
typedef struct mamba__centry {
    size_t size, prev_size;          /* block bytes; the previous block's (0: first) */
    int used;
    uint64_t hash;
    size_t n_tokens;
    struct mamba__centry *lru_prev, *lru_next, *hnext;
} mamba__centry;

struct mamba_cache {
    uint32_t magic;
    const mamba_model *model;
    mamba_config shape;
    size_t snap_floats, interval;
    uint64_t (*hash)(uint64_t h, int token);
    mamba__centry **buckets;
    size_t n_buckets;
    unsigned char *pool;
    size_t pool_bytes, pool_used;
    mamba__centry *lru_head, *lru_tail;
    mamba_cache_stats st;
    void *owned;
};

#define MAMBA__CENTRY_HEAD mamba__round_up(sizeof(mamba__centry), MAMBA__ALIGN)
#define MAMBA__CACHE_HEAD mamba__round_up(sizeof(struct mamba_cache), MAMBA__ALIGN)
#define MAMBA__CACHE_INTERVAL 256

/* Default prefix hash: a splitmix64 finaliser over the running hash and the
   token, so the result depends on every token and its place. */
static uint64_t mamba__cache_hash(uint64_t h, int token) {
    uint64_t x = h ^ ((uint64_t)(uint32_t)token + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static size_t mamba__centry_bytes(size_t snap_bytes, size_t n_tokens) {
    size_t t, n;
    if (!snap_bytes || !mamba__mul(n_tokens, sizeof(int), &t) || !mamba__add(t, MAMBA__ALIGN - 1, &t)) return 0;
    t = t / MAMBA__ALIGN * MAMBA__ALIGN;
    if (!mamba__add(MAMBA__CENTRY_HEAD, t, &n) || !mamba__add(n, snap_bytes, &n) || !mamba__add(n, MAMBA__ALIGN - 1, &n)) return 0;
    return n / MAMBA__ALIGN * MAMBA__ALIGN;
}
static int *mamba__centry_tokens(mamba__centry *e) { return (int *)(void *)((unsigned char *)e + MAMBA__CENTRY_HEAD); }
static float *mamba__centry_snap(mamba__centry *e) {
    return (float *)(void *)((unsigned char *)e + MAMBA__CENTRY_HEAD + mamba__round_up(e->n_tokens * sizeof(int), MAMBA__ALIGN));
}

MAMBA_API size_t mamba_cache_entry_bytes(const mamba_config *c, size_t n_tokens) {
    return mamba__centry_bytes(mamba_state_bytes(c), n_tokens);
}

static void mamba__cache_reset_pool(mamba_cache *c) {
    mamba__centry *b = (mamba__centry *)(void *)c->pool;
    memset(c->buckets, 0, c->n_buckets * sizeof *c->buckets);
    memset(b, 0, sizeof *b);
    b->size = c->pool_bytes;
    c->pool_used = 0;
    c->lru_head = c->lru_tail = NULL;
    c->st.entries = 0;
}

MAMBA_API mamba_status mamba_cache_init(mamba_cache **out, const mamba_model *m, void *mem, size_t bytes,
                                        const mamba_cache_params *p, mamba_error *err) {
    size_t sb, one, nb = 8, bucket_bytes, avail;
    unsigned char *base;
    mamba_cache *c;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_init: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!m || !mem) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_init: model or memory is NULL", 0, 0, 0, 0);
    sb = mamba_state_bytes(&m->cfg);
    one = mamba__centry_bytes(sb, 1);
    if (!one) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_init: bad model config", 0, 0, 0, 0);
    while (nb < ((size_t)1 << 20) && nb < bytes / sb) nb *= 2;   /* about two buckets per entry that fits */
    bucket_bytes = mamba__round_up(nb * sizeof(mamba__centry *), MAMBA__ALIGN);
    base = mamba__carve(mem, bytes, MAMBA__CACHE_HEAD + bucket_bytes);
    avail = base ? bytes - (size_t)(base - (unsigned char *)mem) - MAMBA__CACHE_HEAD - bucket_bytes : 0;
    avail = avail / MAMBA__ALIGN * MAMBA__ALIGN;
    if (!base || avail < one)
        return mamba__err(err, MAMBA_ERR_NOMEM, "mamba_cache_init: a budget of %d bytes holds no snapshot (one needs %d)", 0, 0,
                          (long long)bytes, (long long)(one + MAMBA__CACHE_HEAD + bucket_bytes + MAMBA__ALIGN));
    c = (mamba_cache *)(void *)base;
    memset(c, 0, sizeof *c);
    c->magic = MAMBA__CACHE_MAGIC;
    c->model = m;
    mamba__shape_copy(&c->shape, &m->cfg);
    c->snap_floats = sb / sizeof(float);
    c->interval = p && p->interval ? p->interval : MAMBA__CACHE_INTERVAL;
    c->hash = p && p->hash ? p->hash : mamba__cache_hash;
    c->buckets = (mamba__centry **)(void *)(base + MAMBA__CACHE_HEAD);
    c->n_buckets = nb;
    c->pool = base + MAMBA__CACHE_HEAD + bucket_bytes;
    c->pool_bytes = avail;
    c->st.bytes_budget = bytes;
    mamba__cache_reset_pool(c);
    *out = c;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_cache_new(mamba_cache **out, const mamba_model *m, size_t budget_bytes,
                                       const mamba_cache_params *p, mamba_error *err) {
    void *mem;
    mamba_status st;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_new: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!m) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_new: model is NULL", 0, 0, 0, 0);
    {   /* refuse a budget that cannot hold one snapshot before allocating it */
        size_t one = mamba__centry_bytes(mamba_state_bytes(&m->cfg), 1);
        if (!one) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_new: bad model config", 0, 0, 0, 0);
        if (budget_bytes < one)
            return mamba__err(err, MAMBA_ERR_NOMEM, "mamba_cache_new: a budget of %d bytes holds no snapshot (one needs %d)", 0, 0,
                              (long long)budget_bytes, (long long)one);
    }
    if (!(mem = mamba__serve_alloc(budget_bytes)))
        return mamba__err(err, MAMBA_ERR_NOMEM, "mamba_cache_new: could not allocate %d bytes", 0, 0, (long long)budget_bytes, 0);
    st = mamba_cache_init(out, m, mem, budget_bytes, p, err);
    if (st != MAMBA_OK) { mamba__serve_free(mem); return st; }
    (*out)->owned = mem;
    return MAMBA_OK;
}

static int mamba__cache_ok(const mamba_cache *c) { return c && c->magic == MAMBA__CACHE_MAGIC; }

MAMBA_API void mamba_cache_free(mamba_cache *c) {
    if (mamba__cache_ok(c) && c->owned) { void *mem = c->owned; c->magic = 0; mamba__serve_free(mem); }
}

MAMBA_API void mamba_cache_clear(mamba_cache *c) {
    if (mamba__cache_ok(c)) mamba__cache_reset_pool(c);
}

MAMBA_API void mamba_cache_get_stats(const mamba_cache *c, mamba_cache_stats *out) {
    if (!out) return;
    if (!mamba__cache_ok(c)) { memset(out, 0, sizeof *out); return; }
    *out = c->st;
    out->bytes_used = c->pool_used + (size_t)(c->pool - (const unsigned char *)c);
}

static mamba__centry *mamba__cblock_next(const mamba_cache *c, mamba__centry *b) {
    unsigned char *n = (unsigned char *)b + b->size;
    return n < c->pool + c->pool_bytes ? (mamba__centry *)(void *)n : NULL;
}

/* First fit: a used block of exactly `need` bytes (the rest split off), or NULL. */
static mamba__centry *mamba__cblock_alloc(mamba_cache *c, size_t need) {
    mamba__centry *b = (mamba__centry *)(void *)c->pool, *n;
    for (; b; b = mamba__cblock_next(c, b)) {
        if (b->used || b->size < need) continue;
        if (b->size - need >= MAMBA__CENTRY_HEAD) {   /* split: the tail stays free */
            n = (mamba__centry *)(void *)((unsigned char *)b + need);
            memset(n, 0, sizeof *n);
            n->size = b->size - need;
            n->prev_size = need;
            b->size = need;
            if (mamba__cblock_next(c, n)) mamba__cblock_next(c, n)->prev_size = n->size;
        }
        b->used = 1;
        c->pool_used += b->size;
        return b;
    }
    return NULL;
}

static void mamba__cblock_release(mamba_cache *c, mamba__centry *b) {
    mamba__centry *n = mamba__cblock_next(c, b);
    c->pool_used -= b->size;
    b->used = 0;
    if (n && !n->used) b->size += n->size;                                   /* merge the next */
    if (b->prev_size) {
        mamba__centry *p = (mamba__centry *)(void *)((unsigned char *)b - b->prev_size);
        if (!p->used) { p->size += b->size; b = p; }                          /* into the previous */
    }
    if ((n = mamba__cblock_next(c, b))) n->prev_size = b->size;
}

static void mamba__lru_unlink(mamba_cache *c, mamba__centry *e) {
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next; else c->lru_head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev; else c->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}
static void mamba__lru_front(mamba_cache *c, mamba__centry *e) {
    e->lru_prev = NULL;
    e->lru_next = c->lru_head;
    if (c->lru_head) c->lru_head->lru_prev = e; else c->lru_tail = e;
    c->lru_head = e;
}

static void mamba__cache_drop(mamba_cache *c, mamba__centry *e) {
    mamba__centry **pp = &c->buckets[e->hash & (c->n_buckets - 1)];
    while (*pp && *pp != e) pp = &(*pp)->hnext;
    if (*pp) *pp = e->hnext;
    mamba__lru_unlink(c, e);
    mamba__cblock_release(c, e);
    c->st.entries--;
}

/* The held entry for exactly tokens[0..n) with prefix hash h, or NULL. */
static mamba__centry *mamba__cache_find(mamba_cache *c, const int *tokens, size_t n, uint64_t h, int count) {
    mamba__centry *e;
    for (e = c->buckets[h & (c->n_buckets - 1)]; e; e = e->hnext) {
        if (e->hash != h || e->n_tokens != n) continue;
        if (!memcmp(mamba__centry_tokens(e), tokens, n * sizeof(int))) return e;
        if (count) c->st.collisions++;
    }
    return NULL;
}

MAMBA_API mamba_status mamba_cache_lookup(mamba_cache *c, const int *tokens, size_t n, mamba_state *s, size_t *n_hit) {
    mamba__centry *best = NULL, *e;
    uint64_t h = 0;
    size_t L;
    if (n_hit) *n_hit = 0;
    if (!mamba__cache_ok(c) || !n_hit || !s || (!tokens && n)) return MAMBA_ERR_BADARG;
    if (!mamba__state_shape_is(s, &c->shape)) return MAMBA_ERR_SHAPE;
    c->st.lookups++;
    for (L = 1; L <= n && c->st.entries; L++) {
        h = c->hash(h, tokens[L - 1]);
        if ((e = mamba__cache_find(c, tokens, L, h, 1))) best = e;
    }
    if (!best) { mamba_state_reset(s); return MAMBA_OK; }
    mamba__snap_load(s, mamba__centry_snap(best), best->n_tokens);
    mamba__lru_unlink(c, best);
    mamba__lru_front(c, best);
    c->st.hits++;
    c->st.hit_tokens += best->n_tokens;
    *n_hit = best->n_tokens;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_cache_insert(mamba_cache *c, const int *tokens, size_t n, const mamba_state *s) {
    mamba__centry *e;
    uint64_t h = 0;
    size_t i, need;
    if (!mamba__cache_ok(c) || !tokens || n < 1 || !s) return MAMBA_ERR_BADARG;
    if (!mamba__state_shape_is(s, &c->shape)) return MAMBA_ERR_SHAPE;
    if (s->n_tokens != (uint64_t)n) return MAMBA_ERR_BADARG;
    for (i = 0; i < n; i++) h = c->hash(h, tokens[i]);
    if ((e = mamba__cache_find(c, tokens, n, h, 0))) {   /* held: refresh only */
        mamba__lru_unlink(c, e);
        mamba__lru_front(c, e);
        return MAMBA_OK;
    }
    need = mamba__centry_bytes(c->snap_floats * sizeof(float), n);
    if (!need || need > c->pool_bytes) return MAMBA_ERR_NOMEM;
    while (!(e = mamba__cblock_alloc(c, need))) {   /* terminates: an empty pool is one free block >= need */
        mamba__cache_drop(c, c->lru_tail);
        c->st.evictions++;
    }
    e->hash = h;
    e->n_tokens = n;
    e->lru_prev = e->lru_next = NULL;
    memcpy(mamba__centry_tokens(e), tokens, n * sizeof(int));
    mamba__snap_save(mamba__centry_snap(e), s);
    e->hnext = c->buckets[h & (c->n_buckets - 1)];
    c->buckets[h & (c->n_buckets - 1)] = e;
    mamba__lru_front(c, e);
    c->st.entries++;
    c->st.inserts++;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_cache_prefill(mamba_cache *c, const mamba_model *m, mamba_state *s, const int *tokens,
                                           size_t n, float *logits, size_t *n_hit, mamba_error *err) {
    size_t k = 0, pos, end;
    mamba_status st;
    mamba__err_clear(err);
    if (n_hit) *n_hit = 0;
    if (!mamba__cache_ok(c) || !m || m != c->model)
        return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_prefill: no cache, or the model is not the cache's", 0, 0, 0, 0);
    if (n < 1 || !logits) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_cache_prefill: needs n >= 1 tokens and logits", 0, 0, 0, 0);
    st = mamba__check_run(m, s, tokens, n);
    if (st != MAMBA_OK)
        return mamba__err(err, st, st == MAMBA_ERR_RANGE ? "mamba_cache_prefill: a token id is out of range"
                                   : "mamba_cache_prefill: the state is not this model's or has no scratch", 0, 0, 0, 0);
    mamba_cache_lookup(c, tokens, n - 1, s, &k);
    pos = k; end = n - 1;
    while (pos < end) {
        size_t next = (pos / c->interval + 1) * c->interval;
        if (next > end || next < pos) next = end;
        st = mamba_forward(m, s, tokens + pos, next - pos, NULL, MAMBA_LOGITS_NONE);
        if (st != MAMBA_OK) break;
        pos = next;
        mamba_cache_insert(c, tokens, pos, s);   /* best effort: a key larger than the budget is not kept */
    }
    if (st == MAMBA_OK) st = mamba_step(m, s, tokens[n - 1], logits);
    if (st != MAMBA_OK) { mamba_state_reset(s); return mamba__err(err, st, "mamba_cache_prefill: forward failed", 0, 0, 0, 0); }
    if (n_hit) *n_hit = k;
    return MAMBA_OK;
}

/* Workspace layout (each part 64-byte aligned): the struct, the scratch of
   max_rows rows, `stage` (logit_rows, vocab) for logits that go to scattered
   rows, done (max_seqs) tokens taken per sequence this call, segs (max_seqs),
   lrow (max_rows) + ldst (max_rows) logit rows of a round, snap (max_rows). */
struct mamba_batch {
    uint32_t magic;
    mamba_config shape;
    int max_seqs, max_rows, logit_rows;
    void *scratch;
    float *stage;
    size_t *done;
    mamba__seg *segs;
    int *lrow;
    float **ldst, **snap;
    void *owned;
};

static size_t mamba__batch_layout(const mamba_config *c, int max_seqs, int max_rows, unsigned char *base, mamba_batch *b) {
    size_t sizes[8], off = 0, V, lr;
    int i;
    if (!c || max_seqs < 1 || c->vocab_size <= 0 || !mamba_state_bytes(c) || !mamba_scratch_bytes(c, 1)) return 0;
    if (max_rows <= 0) max_rows = MAMBA__DEFAULT_CHUNK;
    if (max_rows < max_seqs) max_rows = max_seqs;
    V = (size_t)c->vocab_size;
    lr = (size_t)(max_seqs < max_rows ? max_seqs : max_rows);
    sizes[0] = sizeof(struct mamba_batch);
    sizes[1] = mamba__scratch_layout(c, max_rows, NULL, NULL);
    if (!sizes[1] || !mamba__mul(lr, V, &sizes[2]) || !mamba__mul(sizes[2], sizeof(float), &sizes[2])) return 0;
    sizes[3] = sizeof(size_t) * (size_t)max_seqs;
    sizes[4] = sizeof(mamba__seg) * (size_t)max_seqs;
    sizes[5] = sizeof(int) * (size_t)max_rows;
    sizes[6] = sizeof(float *) * (size_t)max_rows;
    sizes[7] = sizeof(float *) * (size_t)max_rows;
    for (i = 0; i < 8; i++) {
        size_t at = off, n;
        if (!mamba__add(sizes[i], MAMBA__ALIGN - 1, &n)) return 0;
        n = n / MAMBA__ALIGN * MAMBA__ALIGN;
        if (!mamba__add(off, n, &off)) return 0;
        if (!base) continue;
        switch (i) {
        case 0: b = (mamba_batch *)(void *)base; memset(b, 0, sizeof *b); break;
        case 1: b->scratch = base + at; break;
        case 2: b->stage = (float *)(void *)(base + at); break;
        case 3: b->done = (size_t *)(void *)(base + at); break;
        case 4: b->segs = (mamba__seg *)(void *)(base + at); break;
        case 5: b->lrow = (int *)(void *)(base + at); break;
        case 6: b->ldst = (float **)(void *)(base + at); break;
        default: b->snap = (float **)(void *)(base + at); break;
        }
    }
    if (base) {
        b->magic = MAMBA__BATCH_MAGIC;
        mamba__shape_copy(&b->shape, c);
        b->max_seqs = max_seqs; b->max_rows = max_rows; b->logit_rows = (int)lr;
    }
    return off;
}

MAMBA_API size_t mamba_batch_bytes(const mamba_config *c, int max_seqs, int max_rows) {
    size_t n = mamba__batch_layout(c, max_seqs, max_rows, NULL, NULL);
    return n && mamba__add(n, MAMBA__ALIGN, &n) ? n : 0;
}

MAMBA_API mamba_status mamba_batch_init(mamba_batch **out, const mamba_config *c, int max_seqs, int max_rows,
                                        void *mem, size_t bytes, mamba_error *err) {
    size_t need = mamba__batch_layout(c, max_seqs, max_rows, NULL, NULL);
    unsigned char *p;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_batch_init: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!need) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_batch_init: bad config or sizes (max_seqs %d, max_rows %d)", 0, 0, max_seqs, max_rows);
    if (!(p = mamba__carve(mem, bytes, need)))
        return mamba__err(err, MAMBA_ERR_BADARG, "mamba_batch_init: %d bytes given, mamba_batch_bytes says %d", 0, 0, (long long)bytes,
                          (long long)(need + MAMBA__ALIGN));
    mamba__batch_layout(c, max_seqs, max_rows, p, NULL);
    *out = (mamba_batch *)(void *)p;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_batch_new(mamba_batch **out, const mamba_model *m, int max_seqs, int max_rows, mamba_error *err) {
    size_t need;
    void *mem;
    mamba_status st;
    mamba__err_clear(err);
    if (!out) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_batch_new: out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!m) return mamba__err(err, MAMBA_ERR_BADARG, "mamba_batch_new: model is NULL", 0, 0, 0, 0);
    need = mamba_batch_bytes(&m->cfg, max_seqs, max_rows);
    if (!need) return mamba_batch_init(out, &m->cfg, max_seqs, max_rows, NULL, 0, err);   /* its message */
    if (!(mem = mamba__serve_alloc(need))) return mamba__err(err, MAMBA_ERR_NOMEM, "mamba_batch_new: %d bytes", 0, 0, (long long)need, 0);
    st = mamba_batch_init(out, &m->cfg, max_seqs, max_rows, mem, need, err);
    if (st != MAMBA_OK) { mamba__serve_free(mem); return st; }
    (*out)->owned = mem;
    return MAMBA_OK;
}

MAMBA_API void mamba_batch_free(mamba_batch *b) {
    if (b && b->magic == MAMBA__BATCH_MAGIC && b->owned) { void *mem = b->owned; b->magic = 0; mamba__serve_free(mem); }
}

/* Bytes a state's recurrent floats span, for the overlap check. */
static void mamba__state_span(const mamba_state *s, uintptr_t *lo, uintptr_t *hi) {
    uintptr_t a = (uintptr_t)s->conv, b = (uintptr_t)s->ssm;
    uintptr_t ae = a + mamba__conv_floats(s) * sizeof(float), be = b + mamba__ssm_floats(s) * sizeof(float);
    *lo = a < b ? a : b;
    *hi = ae > be ? ae : be;
}

static mamba_status mamba__batch_check(const mamba_model *m, const mamba_batch *b, const mamba_batch_seq *seqs, size_t ns,
                                       mamba_error *e) {
    size_t i, j, k;
    if (!m || !b || b->magic != MAMBA__BATCH_MAGIC)
        return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: model or batch is NULL or not initialised", 0, 0, 0, 0);
    if (!mamba__same_shape(&b->shape, &m->cfg))
        return mamba__err(e, MAMBA_ERR_SHAPE, "mamba_forward_batch: the batch was made for another model shape", 0, 0, 0, 0);
    if (!ns) return MAMBA_OK;
    if (!seqs) return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs is NULL", 0, 0, 0, 0);
    if (ns > (size_t)b->max_seqs)
        return mamba__err(e, MAMBA_ERR_RANGE, "mamba_forward_batch: %d sequences, the batch takes at most %d", 0, 0, (long long)ns, b->max_seqs);
    for (i = 0; i < ns; i++) {
        const mamba_batch_seq *q = &seqs[i];
        if (!q->state) return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d].state is NULL", 0, 0, (long long)i, 0);
        if (!mamba__state_shape_is(q->state, &m->cfg))
            return mamba__err(e, MAMBA_ERR_SHAPE, "mamba_forward_batch: seqs[%d].state is of another model shape", 0, 0, (long long)i, 0);
        if (q->mode != MAMBA_LOGITS_LAST && q->mode != MAMBA_LOGITS_ALL && q->mode != MAMBA_LOGITS_NONE)
            return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d].mode is not a mamba_logits_mode", 0, 0, (long long)i, 0);
        if (q->ring && !mamba__ring_ok(q->ring))
            return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d].ring is not a ring", 0, 0, (long long)i, 0);
        if (q->ring && !mamba__same_shape(&q->ring->shape, &m->cfg))
            return mamba__err(e, MAMBA_ERR_SHAPE, "mamba_forward_batch: seqs[%d].ring is of another model shape", 0, 0, (long long)i, 0);
        if (!q->n) continue;
        if (!q->tokens) return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d].tokens is NULL", 0, 0, (long long)i, 0);
        if (q->mode != MAMBA_LOGITS_NONE && !q->logits)
            return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d].logits is NULL", 0, 0, (long long)i, 0);
        for (k = 0; k < q->n; k++)
            if (q->tokens[k] < 0 || q->tokens[k] >= m->cfg.vocab_size)
                return mamba__err(e, MAMBA_ERR_RANGE, "mamba_forward_batch: seqs[%d].tokens[%d] is out of range", 0, 0, (long long)i, (long long)k);
    }
    for (i = 0; i < ns; i++) {   /* every state, its memory and every ring once */
        uintptr_t lo, hi;
        mamba__state_span(seqs[i].state, &lo, &hi);
        for (j = i + 1; j < ns; j++) {
            uintptr_t lo2, hi2;
            mamba__state_span(seqs[j].state, &lo2, &hi2);
            if (seqs[i].state == seqs[j].state || (lo < hi2 && lo2 < hi))
                return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d] and seqs[%d] share a state", 0, 0, (long long)i, (long long)j);
            if (seqs[i].ring && seqs[i].ring == seqs[j].ring)
                return mamba__err(e, MAMBA_ERR_BADARG, "mamba_forward_batch: seqs[%d] and seqs[%d] share a ring", 0, 0, (long long)i, (long long)j);
        }
    }
    return MAMBA_OK;
}

/* The logits of one round: rows lrow[0..nl) (ascending) go to ldst[]. A run of
   consecutive rows with consecutive destinations (a sequence in ALL mode) is
   written in place; the single rows left over (at most one per sequence) go
   through `stage` in one product and are copied out. */
static void mamba__batch_logits(const mamba_model *m, mamba_batch *b, mamba__scratch *sc, int nl) {
    size_t V = (size_t)m->cfg.vocab_size;
    int i = 0, j, ns = 0;
    while (i < nl) {
        for (j = i + 1; j < nl && b->lrow[j] == b->lrow[j - 1] + 1 && b->ldst[j] == b->ldst[j - 1] + V; j++) {}
        if (j - i >= 2 || (i == 0 && j == nl)) mamba__logits_rows(m, sc, b->lrow + i, 0, j - i, b->ldst[i]);
        else { b->lrow[ns] = b->lrow[i]; b->ldst[ns] = b->ldst[i]; ns++; }   /* ns <= i: compaction in place */
        i = j;
    }
    if (ns) {
        mamba__logits_rows(m, sc, b->lrow, 0, ns, b->stage);
        for (i = 0; i < ns; i++) memcpy(b->ldst[i], b->stage + (size_t)i * V, V * sizeof(float));
    }
}

MAMBA_API mamba_status mamba_forward_batch(const mamba_model *m, mamba_batch *b, const mamba_batch_seq *seqs, size_t n_seqs,
                                           mamba_error *err) {
    mamba__scratch sc;
    size_t i, V;
    mamba_status st;
    mamba__err_clear(err);
    st = mamba__batch_check(m, b, seqs, n_seqs, err);
    if (st != MAMBA_OK || !n_seqs) return st;
    V = (size_t)m->cfg.vocab_size;
    mamba__scratch_layout(&m->cfg, b->max_rows, b->scratch, &sc);
    for (i = 0; i < n_seqs; i++) b->done[i] = 0;
    for (;;) {   /* rounds: fill up to max_rows rows from the sequences in order */
        int rows = 0, ns = 0, nl = 0;
        for (i = 0; i < n_seqs && rows < b->max_rows; i++) {
            const mamba_batch_seq *p = &seqs[i];
            size_t left = p->n - b->done[i];
            int take = left < (size_t)(b->max_rows - rows) ? (int)left : b->max_rows - rows, t;
            mamba__seg *g = &b->segs[ns];
            if (!take) continue;
            g->s = p->state; g->tok = p->tokens + b->done[i]; g->row0 = rows; g->n = take; g->snap = NULL;
            if (p->ring) {   /* slots for positions +1 .. +take; only the last k survive the round */
                uint64_t pos0 = p->state->n_tokens;
                g->snap = b->snap + rows;
                for (t = 0; t < take; t++) {
                    float *slot = mamba__ring_slot(p->ring, pos0 + (uint64_t)t + 1);
                    g->snap[t] = take - t <= p->ring->k ? slot : NULL;
                }
            }
            if (p->mode == MAMBA_LOGITS_ALL)
                for (t = 0; t < take; t++) { b->lrow[nl] = rows + t; b->ldst[nl++] = p->logits + (b->done[i] + (size_t)t) * V; }
            else if (p->mode == MAMBA_LOGITS_LAST && b->done[i] + (size_t)take == p->n) { b->lrow[nl] = rows + take - 1; b->ldst[nl++] = p->logits; }
            b->done[i] += (size_t)take;
            rows += take;
            ns++;
        }
        if (!rows) break;
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
        mamba__omp_nt = mamba_model_threads(m);   /* issue 21: the model's count, no per-state choice */
#endif
        mamba__forward_rows(m, b->segs, ns, rows, &sc);
        if (nl) mamba__batch_logits(m, b, &sc, nl);
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
        mamba__omp_nt = 0;
#endif
    }
    return MAMBA_OK;
}


#ifndef MAMBA_NO_TOKENIZER   /* section E */
/* ==== E. tokenizer ======================================================= */

/* ---- E.1 the pipeline; the generated Unicode tables ------------------------
   Pipeline of HF's Tokenizer::encode, one stage feeding the next piece by piece
   (nothing is materialised but the ids):
     1. added tokens with normalized: false are found in the raw text
        (leftmost-longest, as AddedVocabulary's Aho-Corasick);
     2. every stretch between them is normalized (NFC), then added tokens with
        normalized: true are found in it;
     3. the stretches left go through the pre-tokenizer steps (split after
        split, recursively: a piece of step k is split by step k+1);
     4. each final piece is byte-level BPE'd: merges by rank, lowest first, the
        leftmost on ties (HF's word.rs priority queue gives exactly this).
   After the ByteLevel step a piece is a string of byte-level characters, one
   per byte, so later steps (Digits, Split) look at bytes through the table of
   those characters' properties. */

/* BEGIN GENERATED UNICODE TABLES */
/* Generated by tools/gen_unicode.py from the Unicode Character Database 15.0.0
   (UnicodeData.txt, PropList.txt, DerivedNormalizationProps.txt,
   CompositionExclusions.txt). Do not edit: re-run the script.
   Sizes: properties 12222 B, decompositions 18370 B, combining classes 1940 B;
   32532 bytes in all. */
#define MAMBA__UNICODE_VERSION "15.0.0"
#define MAMBA__UC_L 1   /* \p{L} */
#define MAMBA__UC_N 2   /* \p{N} */
#define MAMBA__UC_P 4   /* \p{P} */
#define MAMBA__UC_S 8   /* White_Space */
#define MAMBA__UC_W 16  /* \w of Rust's regex crate */
#define MAMBA__UC_U 32  /* ccc != 0 or NFC_QC != Yes */
#define MAMBA__UC_LIMIT 0xE0400 /* code points from here up have no property */
#define MAMBA__UC_NDECOMP 2061
#define MAMBA__UC_NCOMP 941
#define MAMBA__UC_NCCC 388
/* 4-bit code -> MAMBA__UC_* flags */
static const uint8_t mamba__uc_code[13] = {
    0,2,4,8,16,17,18,20,32,36,40,48,49,
};
/* cp >> 10 -> chunk of mamba__uc_mid */
static const uint8_t mamba__uc_top[897] = {
    0,1,2,3,4,5,6,7,8,9,10,11,12,13,13,13,13,13,13,14,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,
    13,13,13,13,13,15,16,13,13,13,13,13,13,13,13,13,13,17,18,18,18,18,18,18,18,18,19,20,21,22,23,24,25,26,27,28,
    29,30,18,31,13,32,18,18,18,33,18,18,18,18,18,18,18,18,34,35,13,13,13,13,13,36,13,37,18,18,18,18,18,18,18,38,
    39,18,18,40,18,18,18,41,42,43,44,45,46,47,48,49,50,18,51,18,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,
    13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,13,52,13,13,13,53,54,13,13,13,13,55,
    13,13,13,13,13,13,56,18,18,18,57,18,13,13,13,13,58,13,13,13,59,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,
    18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,18,60,
};
/* chunk*32 + (cp >> 5 & 31) -> block of mamba__uc_leaf */
static const uint16_t mamba__uc_mid[1952] = {
    0,1,2,3,4,5,6,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,9,
    10,10,11,12,13,14,7,15,7,7,7,7,16,7,7,7,7,17,18,7,19,20,21,22,
    23,7,24,25,7,7,26,27,28,29,30,7,7,31,32,33,34,35,36,37,38,7,39,40,
    41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,
    65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,84,
    88,89,90,91,92,93,94,84,7,95,96,97,98,7,99,100,7,7,7,101,7,102,103,7,
    7,7,104,7,105,106,107,7,108,7,109,110,111,7,7,112,113,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,114,115,7,7,116,117,118,119,120,7,121,122,123,
    124,7,7,125,126,127,7,128,129,130,131,132,7,133,134,84,135,7,136,137,138,139,140,84,
    141,142,143,144,145,146,7,147,7,148,149,150,151,152,153,154,7,7,7,7,7,7,10,10,
    7,7,7,7,7,7,7,7,112,7,155,156,7,157,158,159,160,161,162,163,164,84,165,166,
    167,168,169,170,171,84,84,84,84,84,84,84,84,84,84,84,172,173,84,84,84,84,84,84,
    84,84,84,174,175,176,177,178,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,179,180,84,181,182,84,84,84,84,84,84,84,84,84,84,84,84,183,84,184,185,
    84,84,84,84,84,84,186,84,84,84,84,84,84,84,84,84,7,7,7,7,7,7,7,187,
    7,99,7,188,189,190,190,10,191,192,193,84,84,84,84,84,84,84,84,84,84,84,84,84,
    194,195,81,7,196,113,7,100,197,17,7,7,198,7,84,199,84,200,201,84,200,202,84,84,
    84,84,84,84,84,84,84,84,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,84,84,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,203,84,199,150,7,7,7,7,7,7,7,7,204,205,7,206,207,7,7,208,
    209,210,7,7,211,7,212,213,214,215,7,216,217,121,218,219,32,220,221,222,41,223,224,225,
    7,226,227,228,7,229,230,231,232,233,234,235,7,7,7,236,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,237,238,239,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,240,240,240,240,240,240,240,240,
    241,242,240,243,240,240,244,84,245,246,247,7,7,248,249,7,7,7,7,7,7,7,7,7,
    7,150,199,7,250,7,251,252,253,254,255,256,7,7,7,222,257,2,258,259,7,129,260,84,
    261,262,263,84,7,7,7,264,265,180,170,266,267,84,84,268,84,84,84,84,222,7,269,270,
    7,271,272,273,274,7,275,84,7,7,7,7,276,277,278,239,7,279,7,280,281,282,84,84,
    7,7,7,7,7,7,7,7,7,189,128,251,283,284,84,84,285,286,287,288,129,289,84,290,
    291,292,84,84,7,293,294,174,295,296,297,298,299,84,300,301,7,302,303,304,305,306,84,84,
    7,7,307,84,7,308,7,309,7,310,84,84,84,84,84,84,84,84,84,311,7,312,84,313,
    299,314,315,199,316,199,317,189,145,318,319,320,145,321,322,323,324,325,326,327,145,328,329,330,
    331,332,333,84,334,335,336,337,338,339,340,341,84,84,84,84,7,342,343,344,7,345,346,84,
    84,84,84,84,7,347,348,84,7,349,350,351,7,352,353,84,354,355,356,84,84,84,84,84,
    7,357,84,84,84,7,7,358,359,360,361,84,84,362,363,364,365,366,367,7,368,369,7,125,
    370,84,84,84,84,84,84,84,371,372,373,374,375,376,84,84,377,378,379,380,381,353,84,84,
    84,84,84,84,84,84,84,382,383,384,385,84,84,386,387,388,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,389,84,84,84,
    170,170,170,390,7,7,7,7,7,7,391,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,199,7,7,392,7,111,393,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,356,84,84,84,84,84,
    84,84,84,84,84,84,84,84,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,125,129,394,7,129,277,395,7,396,397,398,111,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,7,7,399,84,84,84,7,7,400,177,401,84,84,402,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,403,7,7,7,7,7,7,128,84,307,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,404,
    7,7,7,7,7,7,7,7,7,405,406,407,7,7,7,7,7,7,7,7,7,7,7,239,
    84,84,84,84,84,84,84,84,7,7,7,408,409,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,177,410,411,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,412,413,414,415,416,84,84,84,417,84,84,84,180,180,
    84,84,84,418,84,84,84,84,7,7,419,7,420,421,422,7,423,424,425,7,7,7,7,7,
    7,7,7,7,7,426,427,234,419,419,428,428,371,371,429,170,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,177,430,177,431,432,433,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    129,434,84,84,84,84,84,84,435,436,7,437,438,84,84,84,7,439,440,84,84,84,84,84,
    84,84,84,84,199,441,7,442,84,84,84,84,84,84,84,84,84,84,84,84,84,84,199,442,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,443,
    7,7,7,7,7,7,444,84,7,7,445,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,202,174,446,84,84,447,448,84,84,84,84,84,84,
    422,449,450,451,452,453,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    454,455,456,456,457,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,458,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,84,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,389,7,7,7,7,7,7,
    276,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,459,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,460,
    240,240,240,240,240,240,240,240,240,240,240,240,240,240,240,240,461,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,37,7,7,7,7,7,7,7,7,7,7,7,7,7,
    7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,111,84,84,
    84,84,84,84,84,84,84,84,177,177,177,177,177,177,177,462,84,84,84,84,84,84,84,84,
    84,84,84,84,84,84,84,84,
};
/* block*16 + (cp & 31)/2 -> codes of two code points (low nibble: even cp) */
static const uint8_t mamba__uc_leaf[7408] = {
    0,0,0,0,48,51,51,0,0,0,0,0,0,0,0,0,35,34,32,34,34,2,34,34,102,102,102,102,
    102,34,0,32,82,85,85,85,85,85,85,85,85,85,85,85,85,37,34,112,80,85,85,85,85,85,85,85,
    85,85,85,85,85,37,32,0,0,0,48,0,0,0,0,0,0,0,0,0,0,0,0,0,35,0,0,32,
    0,37,0,0,0,17,80,34,16,37,17,33,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,85,85,85,85,85,85,0,0,0,
    0,0,0,0,85,85,5,0,0,0,5,5,0,0,0,0,0,0,0,0,187,187,187,187,187,187,187,187,
    187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,75,187,187,187,187,187,187,187,187,187,187,187,187,
    187,187,187,187,85,85,12,85,0,85,85,89,0,0,0,149,85,5,5,85,85,85,85,85,85,85,85,85,
    85,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,80,
    85,85,85,85,85,176,187,187,68,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,80,34,34,34,85,85,85,85,
    37,2,0,0,176,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,187,178,
    178,43,187,178,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,5,0,80,85,37,2,0,
    0,0,0,0,0,0,0,0,32,2,34,0,187,187,187,187,187,43,32,34,85,85,85,85,85,181,187,187,
    187,187,187,187,187,187,187,187,102,102,102,102,102,34,34,85,91,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,82,187,187,187,11,176,187,187,91,181,11,187,187,85,102,102,102,102,102,85,5,80,
    34,34,34,34,34,34,34,0,181,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,187,187,187,187,
    187,187,187,187,187,187,187,187,187,11,80,85,85,85,85,85,85,85,85,85,85,85,85,68,68,68,68,68,
    84,0,0,0,0,0,0,0,102,102,102,102,102,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,181,187,187,187,187,85,32,34,5,176,0,85,85,85,85,85,85,85,85,85,85,85,187,187,181,187,187,
    187,187,181,187,181,187,187,0,34,34,34,34,34,34,34,2,85,85,85,85,85,85,85,85,85,85,85,85,
    181,187,0,2,85,85,85,85,85,5,0,0,85,85,85,85,85,85,85,85,85,85,85,85,80,85,85,5,
    0,0,0,0,187,187,187,187,85,85,85,85,85,187,187,187,187,187,187,187,187,187,187,187,187,176,187,187,
    187,187,187,187,187,187,187,187,187,187,187,187,68,68,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,68,91,68,68,68,68,68,68,68,180,68,181,187,75,68,
    204,204,204,204,85,68,34,102,102,102,102,102,82,85,85,85,85,85,85,85,69,68,80,85,85,85,5,80,
    5,80,85,85,85,85,85,85,85,85,85,85,5,85,85,85,5,5,0,85,85,0,91,75,68,68,4,64,
    4,64,180,5,0,0,0,176,0,0,204,192,85,68,0,102,102,102,102,102,85,0,17,17,17,0,37,11,
    64,68,80,85,85,5,0,80,5,80,85,85,85,85,85,85,85,85,85,85,5,85,85,85,5,197,80,12,
    85,0,11,68,68,4,0,64,4,64,180,0,64,0,0,0,192,204,5,12,0,0,0,102,102,102,102,102,
    68,85,69,2,0,0,0,0,64,68,80,85,85,85,85,80,85,80,85,85,85,85,85,85,85,85,85,85,
    5,85,85,85,5,85,80,85,85,0,91,68,68,68,68,64,68,64,180,0,5,0,0,0,0,0,0,0,
    85,68,0,102,102,102,102,102,2,0,0,0,80,68,68,68,64,68,80,85,85,85,5,80,5,80,85,85,
    85,85,85,85,85,85,85,85,5,85,85,85,5,85,80,85,85,0,91,75,68,68,4,64,4,64,180,0,
    0,0,64,187,0,0,204,80,85,68,0,102,102,102,102,102,80,17,17,17,0,0,0,0,0,84,80,85,
    85,5,0,85,5,85,85,0,80,5,5,85,0,80,5,0,85,5,0,85,85,85,85,85,85,0,0,75,
    68,4,0,68,4,68,180,0,5,0,0,176,0,0,0,0,0,0,0,102,102,102,102,102,17,1,0,0,
    0,0,0,0,68,68,84,85,85,85,5,85,5,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,
    85,85,85,85,85,0,91,68,68,68,4,68,4,68,180,0,0,0,176,11,85,5,80,0,85,68,0,102,
    102,102,102,102,0,0,0,32,17,17,17,1,69,68,82,85,85,85,5,85,5,85,85,85,85,85,85,85,
    85,85,85,85,5,85,85,85,85,85,80,85,85,0,91,68,68,75,4,68,4,68,180,0,0,0,176,11,
    0,0,80,5,85,68,0,102,102,102,102,102,80,69,0,0,0,0,0,0,68,68,85,85,85,85,5,85,
    5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,181,91,75,68,68,4,68,
    4,68,180,5,0,0,85,181,17,17,17,81,85,68,0,102,102,102,102,102,17,17,17,17,1,85,85,85,
    64,68,80,85,85,85,85,85,85,85,85,5,0,85,85,85,85,85,85,85,85,85,85,85,85,80,85,85,
    85,85,80,0,85,85,85,5,0,11,0,176,68,68,4,4,68,68,68,180,0,0,0,102,102,102,102,102,
    0,68,2,0,0,0,0,0,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,69,85,68,68,187,11,0,0,85,85,85,69,187,187,68,36,102,102,102,102,102,34,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,80,5,5,85,85,5,85,85,85,85,85,85,
    85,85,85,85,85,85,80,80,85,85,85,85,69,85,68,68,187,75,84,0,85,85,5,5,187,187,68,4,
    102,102,102,102,102,0,85,85,5,0,34,34,34,34,34,34,34,2,2,0,187,0,0,0,102,102,102,102,
    102,17,17,17,17,17,176,176,176,34,34,68,85,197,85,85,80,85,197,85,85,92,85,197,85,85,92,85,
    85,85,85,85,197,85,5,0,176,187,187,75,75,187,187,68,187,187,43,187,85,85,69,68,68,180,68,68,
    64,68,180,68,68,75,68,180,68,68,75,68,68,68,68,68,180,68,4,0,0,0,0,11,0,0,0,0,
    34,34,2,0,32,2,0,0,85,85,85,85,85,69,68,75,68,68,68,180,180,75,68,84,102,102,102,102,
    102,34,34,34,85,85,85,68,68,85,85,68,84,68,84,69,68,68,68,85,69,68,84,85,85,85,85,85,
    85,68,68,68,68,68,180,69,102,102,102,102,102,68,68,0,85,85,85,80,0,0,80,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,37,85,85,197,204,204,204,204,204,204,204,
    204,204,204,85,85,85,85,85,85,85,85,85,204,204,204,204,204,204,204,204,204,204,204,204,204,92,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,0,85,85,85,5,5,85,85,0,
    85,85,85,85,5,85,85,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,0,
    85,85,85,5,5,85,85,0,85,85,85,85,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,
    5,85,85,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,176,187,34,34,34,34,
    18,17,17,17,17,17,17,17,17,17,1,0,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,85,85,0,85,85,85,0,82,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,5,82,85,85,85,85,85,85,85,85,83,85,85,85,85,85,85,85,
    85,85,85,85,85,37,2,0,85,85,85,85,85,37,34,102,86,85,85,85,5,0,0,0,85,85,85,85,
    85,85,85,85,85,68,187,0,0,0,0,80,85,85,85,85,85,85,85,85,85,68,43,2,0,0,0,0,
    85,85,85,85,85,85,85,85,85,68,0,0,0,0,0,0,85,85,85,85,85,85,5,85,5,68,0,0,
    0,0,0,0,85,85,85,85,85,85,85,85,85,85,68,68,68,68,68,68,68,68,68,68,68,68,68,68,
    68,75,34,82,34,2,181,0,102,102,102,102,102,0,0,0,17,17,17,17,17,0,0,0,34,34,34,34,
    34,66,68,64,102,102,102,102,102,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,0,
    85,85,69,84,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,181,5,0,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,5,68,68,68,68,68,68,0,0,68,68,68,68,180,187,0,0,0,0,34,102,
    102,102,102,102,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,85,85,5,0,0,0,0,0,
    85,85,85,85,85,85,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,102,102,102,102,
    102,1,0,0,85,85,85,85,85,85,85,85,85,85,85,181,75,68,0,34,85,85,85,85,85,85,85,85,
    85,85,69,68,68,68,68,4,75,68,68,68,68,68,68,68,68,68,180,187,187,187,11,176,102,102,102,102,
    102,0,0,0,102,102,102,102,102,0,0,0,34,34,34,82,34,34,34,0,187,187,187,187,187,187,187,180,
    187,187,187,187,187,187,187,11,0,0,0,0,0,0,0,0,68,68,84,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,187,68,68,68,68,68,68,68,91,85,85,85,5,0,
    102,102,102,102,102,34,34,34,2,0,0,0,0,176,187,187,187,187,0,0,0,0,32,2,68,84,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,69,68,68,68,68,187,68,85,102,102,102,102,102,85,85,85,
    85,85,85,75,68,68,68,68,68,187,0,0,0,0,34,34,85,85,68,68,68,68,68,68,68,68,68,180,
    0,32,34,34,102,102,102,102,102,0,80,85,102,102,102,102,102,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,34,85,85,85,85,5,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,5,80,85,34,34,34,34,0,0,0,0,187,43,187,187,187,187,187,187,
    75,187,187,187,91,85,181,85,85,85,91,69,187,5,0,0,85,85,85,0,85,85,85,0,85,85,85,85,
    80,80,80,80,85,85,85,85,85,85,85,85,197,197,197,197,197,197,197,0,85,85,85,85,85,85,85,85,
    85,85,5,85,85,197,5,12,0,85,5,85,197,197,5,0,85,197,0,85,85,197,0,0,85,197,85,85,
    85,197,5,136,0,85,5,85,197,197,133,0,170,51,51,51,51,3,68,0,34,34,34,34,34,34,34,34,
    34,34,34,34,51,0,0,48,34,34,34,34,34,34,34,114,39,34,32,34,34,34,34,34,34,32,39,34,
    34,34,34,50,0,0,0,0,0,0,0,0,81,0,17,17,17,0,32,82,17,17,17,17,17,0,32,2,
    85,85,85,85,85,85,5,0,0,0,0,0,0,0,0,0,187,187,187,187,187,187,75,68,180,68,180,187,
    187,187,187,187,11,0,0,0,0,0,0,0,0,5,0,80,0,85,85,85,85,85,80,0,80,85,85,0,
    0,0,5,12,5,204,85,80,85,85,85,85,85,0,85,85,0,0,80,85,85,0,0,5,17,17,17,17,
    17,17,17,17,102,102,102,102,102,102,102,102,102,102,102,102,102,102,102,102,102,86,101,102,22,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,34,34,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    144,9,0,0,0,0,0,0,0,0,0,0,17,17,17,17,17,17,17,17,17,17,17,17,17,17,17,17,
    17,17,17,17,17,17,17,17,17,17,17,17,17,17,0,0,0,0,0,0,0,0,0,0,0,0,0,68,
    68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,68,17,17,17,
    17,17,17,17,17,17,17,17,0,0,0,0,34,34,34,34,34,34,34,17,17,17,17,17,17,17,17,17,
    17,17,17,17,17,17,0,0,0,0,0,0,0,0,32,2,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,34,34,34,34,34,0,0,0,0,0,0,0,0,0,32,34,34,34,34,34,34,34,34,34,34,
    2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,34,34,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,34,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,8,0,85,85,5,0,
    0,80,85,181,187,85,0,0,32,34,18,34,85,85,85,85,0,0,0,80,2,0,0,0,0,0,0,176,
    85,85,85,85,85,85,85,85,85,85,85,5,0,0,0,0,85,85,85,5,85,85,85,5,85,85,85,5,
    85,85,85,5,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,82,
    34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,0,34,34,34,34,34,34,0,35,34,80,101,
    34,34,34,34,34,0,34,34,34,34,34,34,96,102,102,102,102,187,187,187,82,85,85,0,102,86,37,0,
    85,85,85,85,85,85,85,85,85,85,85,5,176,11,80,85,0,0,80,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,5,0,17,17,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,17,17,17,17,17,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    17,17,17,17,16,17,17,17,17,17,17,17,0,0,0,0,0,0,0,0,16,17,17,17,17,17,17,17,
    85,85,85,85,85,85,5,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,37,34,85,85,85,85,
    85,85,85,85,102,102,102,102,102,85,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,181,
    68,36,187,187,187,187,187,82,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,187,85,85,85,102,
    102,102,102,102,187,34,34,34,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,80,85,85,85,85,
    0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,80,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,5,0,0,85,80,80,85,85,0,0,0,0,0,0,0,0,0,0,0,
    0,85,85,85,85,85,85,85,85,84,85,91,85,69,85,85,85,85,85,85,85,85,85,85,85,69,68,68,
    0,0,11,0,17,17,17,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,34,34,0,0,0,0,
    68,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,68,68,75,0,0,0,0,34,102,102,102,102,
    102,0,0,0,187,187,187,187,187,187,187,187,187,85,85,85,34,82,82,69,85,85,85,68,68,180,187,34,
    85,85,85,85,85,85,85,85,85,85,85,69,68,68,68,68,68,180,0,0,0,0,0,32,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,5,0,85,85,85,85,85,85,85,85,85,181,68,68,68,68,68,68,
    43,34,34,34,34,34,34,80,102,102,102,102,102,0,0,34,85,85,69,85,85,85,85,85,102,102,102,102,
    102,85,85,5,85,85,85,85,69,68,68,68,68,68,68,4,0,0,0,0,85,69,85,85,85,85,68,0,
    102,102,102,102,102,0,34,34,85,85,85,85,85,85,85,85,85,85,85,5,0,69,68,85,85,85,85,85,
    85,85,85,85,91,187,91,181,91,85,85,187,181,5,0,0,0,0,0,0,0,0,0,0,0,80,85,34,
    85,85,85,85,85,69,68,68,34,85,69,11,0,0,0,0,80,85,85,5,80,85,85,5,80,85,85,5,
    0,0,0,0,85,85,85,5,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,5,85,85,85,85,85,85,85,0,0,0,85,85,85,85,85,85,85,85,85,69,68,68,
    68,36,180,0,102,102,102,102,102,0,0,0,85,85,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,5,0,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,0,0,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,85,
    92,92,197,204,204,204,204,92,92,92,197,92,85,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,
    204,204,204,0,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,0,0,0,
    85,85,85,5,0,0,0,0,0,80,85,85,0,0,192,203,85,85,85,85,5,204,204,204,204,204,204,12,
    204,204,12,12,204,192,12,204,204,204,204,92,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,
    85,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,80,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,0,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,0,0,68,68,68,68,68,68,68,68,34,34,34,34,
    34,0,0,0,187,187,187,187,187,187,187,187,34,114,39,34,34,34,34,34,34,34,34,34,34,34,114,119,
    34,2,34,34,34,34,34,34,34,32,0,0,2,34,0,0,85,85,5,85,85,85,85,85,32,34,32,34,
    34,2,34,34,102,102,102,102,102,34,0,32,80,85,85,85,85,85,85,85,85,85,85,85,85,37,32,32,
    34,34,34,85,85,85,85,85,85,85,85,85,85,85,85,85,0,85,85,85,0,85,85,85,0,85,85,85,
    0,85,5,0,85,85,85,85,85,85,80,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,
    85,85,85,85,85,5,85,80,85,85,85,85,85,85,85,0,85,85,85,85,85,85,85,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,5,0,0,34,2,0,16,17,17,17,17,17,17,17,17,17,17,17,17,
    102,102,102,102,102,102,102,102,102,102,22,17,1,0,0,0,0,0,0,0,0,17,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,176,0,85,85,85,85,85,85,85,85,
    5,0,0,0,0,0,0,0,27,17,17,17,17,17,17,17,17,17,17,17,17,17,0,0,17,17,0,0,
    0,0,80,85,85,85,85,85,85,85,85,85,101,85,85,85,85,6,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,187,187,11,0,0,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,32,85,85,0,0,85,85,85,85,98,102,102,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,0,102,102,102,102,102,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,0,0,85,85,85,85,85,85,85,85,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,0,0,0,0,0,32,85,85,85,85,85,5,85,85,85,85,85,85,85,5,85,85,85,5,85,80,
    85,85,85,85,85,80,85,85,85,85,85,85,85,80,85,85,85,80,5,0,85,85,85,80,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,5,0,0,85,85,85,0,
    5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,80,5,0,5,80,
    85,85,85,85,85,85,85,85,85,85,85,32,17,17,17,17,85,85,85,85,85,85,85,85,85,85,85,5,
    16,17,17,17,0,0,0,16,17,17,17,17,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,5,85,0,0,16,17,17,85,85,85,85,85,85,85,85,85,85,85,17,17,17,0,32,85,85,85,85,
    85,85,85,85,85,85,85,85,85,0,0,32,85,85,85,85,85,85,85,85,85,85,85,85,0,0,17,85,
    17,17,17,17,17,17,17,17,0,17,17,17,17,17,17,17,69,68,64,4,0,0,180,180,85,85,80,85,
    80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,187,11,0,176,17,17,17,17,1,0,0,0,
    34,34,34,34,2,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,21,33,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,21,17,85,85,85,85,80,85,85,85,85,85,85,85,85,85,85,85,
    85,85,181,11,0,16,17,17,34,34,34,2,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,0,
    32,34,34,34,85,85,85,85,85,85,85,85,85,85,85,0,17,17,17,17,85,85,85,85,85,85,85,85,
    85,5,0,0,17,17,17,17,85,85,85,85,85,85,85,85,85,0,0,0,32,34,2,0,0,0,0,0,
    16,17,17,17,0,0,0,0,0,0,0,0,85,85,85,85,5,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,85,5,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,5,0,0,
    0,17,17,17,85,85,187,187,0,0,0,0,102,102,102,102,102,0,0,0,17,17,17,17,17,17,17,17,
    17,17,17,17,17,17,17,1,85,85,85,85,85,176,43,0,85,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,176,187,17,17,17,81,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,187,187,187,187,187,27,17,33,34,34,0,0,0,85,187,187,34,34,0,0,0,0,0,0,0,
    0,0,0,0,85,85,21,17,17,17,0,0,0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,68,68,68,68,68,68,68,43,34,34,34,0,0,17,17,17,17,17,17,17,17,17,17,102,
    102,102,102,102,91,69,84,0,0,0,0,176,85,85,85,85,85,85,85,85,68,68,68,68,180,43,2,34,
    34,4,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,5,0,0,0,102,102,102,102,
    102,0,0,0,187,91,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,181,68,68,68,68,
    68,180,11,102,102,102,102,102,34,34,69,84,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,181,34,5,0,0,0,0,85,85,85,85,85,85,85,85,85,69,68,68,68,68,68,68,
    91,85,37,34,66,75,36,68,102,102,102,102,102,37,37,34,16,17,17,17,17,17,17,17,17,17,1,0,
    0,0,0,0,85,85,85,85,85,85,85,85,85,80,85,85,85,85,85,85,85,85,85,85,85,85,68,68,
    68,68,180,75,34,34,34,84,69,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,85,85,85,5,
    5,85,85,80,85,85,85,85,85,85,85,80,85,85,85,85,37,0,0,0,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,69,68,68,68,68,180,11,0,0,102,102,102,102,
    102,0,0,0,68,68,80,85,85,85,5,80,5,80,85,85,85,85,85,85,85,85,85,85,5,85,85,85,
    5,85,80,85,85,176,91,75,68,68,4,64,4,64,180,0,5,0,0,176,0,0,80,85,85,68,0,187,
    187,187,11,0,187,187,11,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,69,68,68,68,68,68,
    68,75,68,91,85,37,34,34,102,102,102,102,102,34,32,91,85,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,85,85,85,85,85,85,85,85,75,68,68,68,68,75,180,68,68,187,85,82,0,0,0,0,
    102,102,102,102,102,0,0,0,85,85,85,85,85,85,85,181,68,68,68,0,68,68,68,180,43,34,34,34,
    34,34,34,34,34,34,34,34,85,85,68,0,85,85,85,85,85,85,85,85,68,68,68,68,68,68,68,180,
    36,34,5,0,0,0,0,0,102,102,102,102,102,0,0,0,34,34,34,34,34,34,2,0,0,0,0,0,
    0,0,0,0,85,85,85,85,85,69,68,68,68,68,68,187,37,0,0,0,102,102,102,102,102,0,0,0,
    0,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,5,64,68,68,68,68,68,
    68,180,0,0,102,102,102,102,102,17,34,2,85,85,85,5,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,68,68,68,68,68,68,180,43,0,0,102,102,102,102,102,17,17,17,17,1,0,0,
    0,0,0,80,85,85,85,5,80,0,85,85,85,85,80,5,85,85,85,85,85,85,85,85,85,85,85,85,
    75,68,68,64,4,64,180,91,84,180,34,2,0,0,0,0,102,102,102,102,102,0,0,0,85,85,85,85,
    0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,69,68,68,68,0,68,68,68,
    91,82,4,0,0,0,0,0,0,0,0,0,0,0,0,0,69,68,68,68,68,84,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,69,75,68,68,69,68,36,34,34,34,178,0,0,0,0,
    69,68,68,68,68,68,85,85,85,85,85,85,85,68,68,68,68,68,68,68,180,34,82,34,34,2,0,0,
    0,0,0,0,85,85,85,85,85,85,85,85,34,34,34,34,34,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,69,68,68,68,4,
    68,68,68,180,37,34,34,0,0,0,0,0,102,102,102,102,102,17,17,17,17,17,17,17,17,17,1,0,
    34,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,68,68,68,68,68,68,68,68,68,68,68,
    64,68,68,68,68,68,68,4,0,0,0,0,85,85,85,5,85,80,85,85,85,85,85,85,85,85,85,85,
    85,85,85,85,85,85,85,85,69,68,68,4,0,4,68,64,68,75,187,69,0,0,0,0,102,102,102,102,
    102,0,0,0,85,85,85,80,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,68,68,4,
    68,64,68,180,5,0,0,0,85,85,85,85,85,85,85,85,85,69,68,36,2,0,0,0,68,69,85,85,
    85,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,68,68,68,4,0,68,
    180,43,34,34,34,34,34,34,102,102,102,102,102,0,0,0,0,0,0,0,0,0,0,0,5,0,0,0,
    0,0,0,0,17,17,17,17,17,17,17,17,17,17,1,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,32,85,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,102,102,102,102,
    102,102,102,6,34,34,2,0,0,0,0,0,85,85,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,85,37,2,0,0,0,0,0,0,84,85,85,69,68,68,68,68,68,68,68,0,
    0,0,0,0,102,102,102,102,102,0,0,34,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,
    187,187,43,0,0,0,0,0,85,85,85,85,85,85,85,85,187,187,187,43,34,34,0,0,85,85,2,0,
    0,0,0,0,102,102,102,102,102,16,17,17,17,80,85,85,85,85,85,85,85,85,85,85,0,0,80,85,
    17,17,17,17,17,17,17,17,17,17,17,33,34,2,0,0,85,85,85,85,85,5,0,64,69,68,68,68,
    68,68,68,68,68,68,68,68,0,0,0,64,68,84,85,85,85,85,85,85,85,82,4,0,0,0,0,0,
    187,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,85,85,85,85,0,0,0,0,0,0,0,0,
    0,0,0,0,85,85,80,85,85,85,80,5,85,5,0,0,0,0,0,0,0,5,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,85,5,80,0,0,0,0,0,0,0,85,85,0,0,0,0,85,85,85,85,
    85,85,85,85,85,85,85,85,85,5,0,0,85,85,85,85,85,85,5,0,85,85,85,85,5,0,0,0,
    85,85,85,85,85,0,64,43,68,68,68,68,68,68,68,0,68,68,68,68,68,68,68,68,68,68,68,4,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,136,
    136,136,184,187,187,0,176,187,187,11,0,0,0,176,187,187,187,11,176,187,187,187,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,187,187,0,0,0,0,0,0,128,136,136,8,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,187,11,0,0,0,0,0,0,0,0,0,0,0,0,0,17,17,17,17,
    17,17,17,17,17,17,17,17,1,0,0,0,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,85,
    85,85,85,85,85,85,85,85,85,85,85,85,85,85,5,85,0,5,80,5,80,85,5,85,85,85,85,85,
    85,80,80,85,85,85,80,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,80,85,5,80,85,
    85,85,5,85,85,85,5,85,85,85,85,85,85,85,85,85,85,85,85,85,85,80,85,5,85,85,5,5,
    0,85,85,85,5,85,85,85,85,85,85,85,85,85,85,0,85,85,85,85,85,85,85,85,85,85,85,85,
    5,85,85,85,85,85,85,85,85,85,85,85,85,5,85,85,85,85,85,85,85,85,85,5,85,85,85,85,
    85,85,85,85,85,5,85,85,85,85,0,102,102,102,102,102,102,102,102,102,68,68,68,68,68,68,68,68,
    68,68,68,4,0,64,68,68,68,68,68,68,68,68,4,0,0,0,64,0,0,0,0,0,0,0,4,32,
    34,34,0,0,0,0,0,0,0,64,68,68,64,68,68,68,68,68,68,68,0,0,0,0,0,0,0,0,
    0,0,80,85,85,5,0,0,0,0,0,0,0,0,0,0,187,187,187,11,187,187,187,187,187,187,187,187,
    11,176,187,187,187,176,11,187,187,11,0,0,85,85,85,85,85,85,85,85,85,85,85,85,85,85,85,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,176,0,0,0,0,0,0,0,0,85,85,85,85,
    85,85,5,0,187,187,187,91,85,85,85,0,102,102,102,102,102,0,0,5,0,0,0,0,0,0,0,0,
    85,85,85,85,85,85,85,11,0,0,0,0,0,0,0,0,85,85,85,85,85,85,187,187,102,102,102,102,
    102,0,0,0,85,85,85,5,85,85,80,5,85,85,85,85,85,85,85,5,85,85,5,16,17,17,17,17,
    187,187,187,11,0,0,0,0,85,85,187,187,187,91,0,0,102,102,102,102,102,0,0,34,17,17,17,17,
    17,17,16,17,16,17,1,0,0,0,0,0,16,17,17,17,17,17,17,17,17,17,17,17,17,17,17,17,
    17,17,17,17,17,17,17,16,17,17,17,17,17,17,17,0,80,5,5,80,80,85,85,85,85,5,85,85,
    80,80,0,0,0,5,0,80,80,80,80,85,80,5,5,80,80,80,80,80,80,5,5,80,85,5,85,85,
    85,5,85,85,80,85,5,5,85,85,85,85,85,80,85,85,85,85,85,85,85,85,0,0,80,85,80,85,
    85,80,85,85,85,85,85,85,85,85,0,0,17,17,17,17,17,17,1,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,68,68,68,68,68,68,68,68,68,68,68,68,68,0,0,0,68,68,68,68,
    68,68,68,68,68,68,68,68,68,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    102,102,102,102,102,0,0,0,85,0,0,0,0,0,0,0,85,85,85,85,85,85,85,85,5,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,204,204,204,204,204,204,204,204,204,204,204,204,204,204,204,0,
    68,68,68,68,68,68,68,68,0,0,0,0,0,0,0,0,
};
/* canonical decompositions sorted by cp: bit 63 primary composite,
   cp << 42 | first << 21 | second (0 for singletons) */
static const uint64_t mamba__uc_decomp[2061] = {
    0x8003000008200300u,0x8003040008200301u,0x8003080008200302u,0x80030c0008200303u,0x8003100008200308u,
    0x800314000820030au,0x80031c0008600327u,0x8003200008a00300u,0x8003240008a00301u,0x8003280008a00302u,
    0x80032c0008a00308u,0x8003300009200300u,0x8003340009200301u,0x8003380009200302u,0x80033c0009200308u,
    0x8003440009c00303u,0x8003480009e00300u,0x80034c0009e00301u,0x8003500009e00302u,0x8003540009e00303u,
    0x8003580009e00308u,0x800364000aa00300u,0x800368000aa00301u,0x80036c000aa00302u,0x800370000aa00308u,
    0x800374000b200301u,0x800380000c200300u,0x800384000c200301u,0x800388000c200302u,0x80038c000c200303u,
    0x800390000c200308u,0x800394000c20030au,0x80039c000c600327u,0x8003a0000ca00300u,0x8003a4000ca00301u,
    0x8003a8000ca00302u,0x8003ac000ca00308u,0x8003b0000d200300u,0x8003b4000d200301u,0x8003b8000d200302u,
    0x8003bc000d200308u,0x8003c4000dc00303u,0x8003c8000de00300u,0x8003cc000de00301u,0x8003d0000de00302u,
    0x8003d4000de00303u,0x8003d8000de00308u,0x8003e4000ea00300u,0x8003e8000ea00301u,0x8003ec000ea00302u,
    0x8003f0000ea00308u,0x8003f4000f200301u,0x8003fc000f200308u,0x8004000008200304u,0x800404000c200304u,
    0x8004080008200306u,0x80040c000c200306u,0x8004100008200328u,0x800414000c200328u,0x8004180008600301u,
    0x80041c000c600301u,0x8004200008600302u,0x800424000c600302u,0x8004280008600307u,0x80042c000c600307u,
    0x800430000860030cu,0x800434000c60030cu,0x800438000880030cu,0x80043c000c80030cu,0x8004480008a00304u,
    0x80044c000ca00304u,0x8004500008a00306u,0x800454000ca00306u,0x8004580008a00307u,0x80045c000ca00307u,
    0x8004600008a00328u,0x800464000ca00328u,0x8004680008a0030cu,0x80046c000ca0030cu,0x8004700008e00302u,
    0x800474000ce00302u,0x8004780008e00306u,0x80047c000ce00306u,0x8004800008e00307u,0x800484000ce00307u,
    0x8004880008e00327u,0x80048c000ce00327u,0x8004900009000302u,0x800494000d000302u,0x8004a00009200303u,
    0x8004a4000d200303u,0x8004a80009200304u,0x8004ac000d200304u,0x8004b00009200306u,0x8004b4000d200306u,
    0x8004b80009200328u,0x8004bc000d200328u,0x8004c00009200307u,0x8004d00009400302u,0x8004d4000d400302u,
    0x8004d80009600327u,0x8004dc000d600327u,0x8004e40009800301u,0x8004e8000d800301u,0x8004ec0009800327u,
    0x8004f0000d800327u,0x8004f4000980030cu,0x8004f8000d80030cu,0x80050c0009c00301u,0x800510000dc00301u,
    0x8005140009c00327u,0x800518000dc00327u,0x80051c0009c0030cu,0x800520000dc0030cu,0x8005300009e00304u,
    0x800534000de00304u,0x8005380009e00306u,0x80053c000de00306u,0x8005400009e0030bu,0x800544000de0030bu,
    0x800550000a400301u,0x800554000e400301u,0x800558000a400327u,0x80055c000e400327u,0x800560000a40030cu,
    0x800564000e40030cu,0x800568000a600301u,0x80056c000e600301u,0x800570000a600302u,0x800574000e600302u,
    0x800578000a600327u,0x80057c000e600327u,0x800580000a60030cu,0x800584000e60030cu,0x800588000a800327u,
    0x80058c000e800327u,0x800590000a80030cu,0x800594000e80030cu,0x8005a0000aa00303u,0x8005a4000ea00303u,
    0x8005a8000aa00304u,0x8005ac000ea00304u,0x8005b0000aa00306u,0x8005b4000ea00306u,0x8005b8000aa0030au,
    0x8005bc000ea0030au,0x8005c0000aa0030bu,0x8005c4000ea0030bu,0x8005c8000aa00328u,0x8005cc000ea00328u,
    0x8005d0000ae00302u,0x8005d4000ee00302u,0x8005d8000b200302u,0x8005dc000f200302u,0x8005e0000b200308u,
    0x8005e4000b400301u,0x8005e8000f400301u,0x8005ec000b400307u,0x8005f0000f400307u,0x8005f4000b40030cu,
    0x8005f8000f40030cu,0x8006800009e0031bu,0x800684000de0031bu,0x8006bc000aa0031bu,0x8006c0000ea0031bu,
    0x800734000820030cu,0x800738000c20030cu,0x80073c000920030cu,0x800740000d20030cu,0x8007440009e0030cu,
    0x800748000de0030cu,0x80074c000aa0030cu,0x800750000ea0030cu,0x800754001b800304u,0x800758001f800304u,
    0x80075c001b800301u,0x800760001f800301u,0x800764001b80030cu,0x800768001f80030cu,0x80076c001b800300u,
    0x800770001f800300u,0x8007780018800304u,0x80077c001c800304u,0x8007800044c00304u,0x8007840044e00304u,
    0x8007880018c00304u,0x80078c001cc00304u,0x8007980008e0030cu,0x80079c000ce0030cu,0x8007a0000960030cu,
    0x8007a4000d60030cu,0x8007a80009e00328u,0x8007ac000de00328u,0x8007b0003d400304u,0x8007b4003d600304u,
    0x8007b80036e0030cu,0x8007bc005240030cu,0x8007c0000d40030cu,0x8007d00008e00301u,0x8007d4000ce00301u,
    0x8007e00009c00300u,0x8007e4000dc00300u,0x8007e80018a00301u,0x8007ec001ca00301u,0x8007f00018c00301u,
    0x8007f4001cc00301u,0x8007f8001b000301u,0x8007fc001f000301u,0x800800000820030fu,0x800804000c20030fu,
    0x8008080008200311u,0x80080c000c200311u,0x8008100008a0030fu,0x800814000ca0030fu,0x8008180008a00311u,
    0x80081c000ca00311u,0x800820000920030fu,0x800824000d20030fu,0x8008280009200311u,0x80082c000d200311u,
    0x8008300009e0030fu,0x800834000de0030fu,0x8008380009e00311u,0x80083c000de00311u,0x800840000a40030fu,
    0x800844000e40030fu,0x800848000a400311u,0x80084c000e400311u,0x800850000aa0030fu,0x800854000ea0030fu,
    0x800858000aa00311u,0x80085c000ea00311u,0x800860000a600326u,0x800864000e600326u,0x800868000a800326u,
    0x80086c000e800326u,0x800878000900030cu,0x80087c000d00030cu,0x8008980008200307u,0x80089c000c200307u,
    0x8008a00008a00327u,0x8008a4000ca00327u,0x8008a8001ac00304u,0x8008ac001ec00304u,0x8008b0001aa00304u,
    0x8008b4001ea00304u,0x8008b80009e00307u,0x8008bc000de00307u,0x8008c00045c00304u,0x8008c40045e00304u,
    0x8008c8000b200304u,0x8008cc000f200304u,0xd000060000000u,0xd040060200000u,0xd0c0062600000u,
    0xd100061000301u,0xdd00057200000u,0xdf80007600000u,0x800e140015000301u,0x800e180072200301u,
    0xe1c0016e00000u,0x800e200072a00301u,0x800e240072e00301u,0x800e280073200301u,0x800e300073e00301u,
    0x800e380074a00301u,0x800e3c0075200301u,0x800e400079400301u,0x800ea80073200308u,0x800eac0074a00308u,
    0x800eb00076200301u,0x800eb40076a00301u,0x800eb80076e00301u,0x800ebc0077200301u,0x800ec00079600301u,
    0x800f280077200308u,0x800f2c0078a00308u,0x800f300077e00301u,0x800f340078a00301u,0x800f380079200301u,
    0x800f4c007a400301u,0x800f50007a400308u,0x8010000082a00300u,0x8010040082a00308u,0x80100c0082600301u,
    0x80101c0080c00308u,0x8010300083400301u,0x8010340083000300u,0x8010380084600306u,0x8010640083000306u,
    0x8010e40087000306u,0x8011400086a00300u,0x8011440086a00308u,0x80114c0086600301u,0x80115c008ac00308u,
    0x8011700087400301u,0x8011740087000300u,0x8011780088600306u,0x8011d8008e80030fu,0x8011dc008ea0030fu,
    0x8013040082c00306u,0x8013080086c00306u,0x8013400082000306u,0x8013440086000306u,0x8013480082000308u,
    0x80134c0086000308u,0x8013580082a00306u,0x80135c0086a00306u,0x801368009b000308u,0x80136c009b200308u,
    0x8013700082c00308u,0x8013740086c00308u,0x8013780082e00308u,0x80137c0086e00308u,0x8013880083000304u,
    0x80138c0087000304u,0x8013900083000308u,0x8013940087000308u,0x8013980083c00308u,0x80139c0087c00308u,
    0x8013a8009d000308u,0x8013ac009d200308u,0x8013b00085a00308u,0x8013b40089a00308u,0x8013b80084600304u,
    0x8013bc0088600304u,0x8013c00084600308u,0x8013c40088600308u,0x8013c8008460030bu,0x8013cc008860030bu,
    0x8013d00084e00308u,0x8013d40088e00308u,0x8013e00085600308u,0x8013e40089600308u,0x80188800c4e00653u,
    0x80188c00c4e00654u,0x80189000c9000654u,0x80189400c4e00655u,0x80189800c9400654u,0x801b0000daa00654u,
    0x801b0800d8200654u,0x801b4c00da400654u,0x8024a4012500093cu,0x8024c4012600093cu,0x8024d0012660093cu,
    0x25600122a0093cu,0x25640122c0093cu,0x25680122e0093cu,0x256c012380093cu,0x2570012420093cu,
    0x2574012440093cu,0x2578012560093cu,0x257c0125e0093cu,0x80272c0138e009beu,0x8027300138e009d7u,
    0x277001342009bcu,0x277401344009bcu,0x277c0135e009bcu,0x28cc0146400a3cu,0x28d80147000a3cu,
    0x29640142c00a3cu,0x29680142e00a3cu,0x296c0143800a3cu,0x29780145600a3cu,0x802d200168e00b56u,
    0x802d2c0168e00b3eu,0x802d300168e00b57u,0x2d700164200b3cu,0x2d740164400b3cu,0x802e500172400bd7u,
    0x802f280178c00bbeu,0x802f2c0178e00bbeu,0x802f300178c00bd7u,0x8031200188c00c56u,0x8033000197e00cd5u,
    0x80331c0198c00cd5u,0x8033200198c00cd6u,0x8033280198c00cc2u,0x80332c0199400cd5u,0x80352801a8c00d3eu,
    0x80352c01a8e00d3eu,0x80353001a8c00d57u,0x80376801bb200dcau,0x80377001bb200dcfu,0x80377401bb800dcau,
    0x80377801bb200ddfu,0x3d0c01e8400fb7u,0x3d3401e9800fb7u,0x3d4801ea200fb7u,0x3d5c01eac00fb7u,
    0x3d7001eb600fb7u,0x3da401e8000fb5u,0x3dcc01ee200f72u,0x3dd401ee200f74u,0x3dd801f6400f80u,
    0x3de001f6600f80u,0x3e0401ee200f80u,0x3e4c01f2400fb7u,0x3e7401f3800fb7u,0x3e8801f4200fb7u,
    0x3e9c01f4c00fb7u,0x3eb001f5600fb7u,0x3ee401f2000fb5u,0x8040980204a0102eu,0x806c180360a01b35u,
    0x806c200360e01b35u,0x806c280361201b35u,0x806c300361601b35u,0x806c380361a01b35u,0x806c480362201b35u,
    0x806cec0367401b35u,0x806cf40367801b35u,0x806d000367c01b35u,0x806d040367e01b35u,0x806d0c0368401b35u,
    0x8078000008200325u,0x807804000c200325u,0x8078080008400307u,0x80780c000c400307u,0x8078100008400323u,
    0x807814000c400323u,0x8078180008400331u,0x80781c000c400331u,0x8078200018e00301u,0x807824001ce00301u,
    0x8078280008800307u,0x80782c000c800307u,0x8078300008800323u,0x807834000c800323u,0x8078380008800331u,
    0x80783c000c800331u,0x8078400008800327u,0x807844000c800327u,0x807848000880032du,0x80784c000c80032du,
    0x8078500022400300u,0x8078540022600300u,0x8078580022400301u,0x80785c0022600301u,0x8078600008a0032du,
    0x807864000ca0032du,0x8078680008a00330u,0x80786c000ca00330u,0x8078700045000306u,0x8078740045200306u,
    0x8078780008c00307u,0x80787c000cc00307u,0x8078800008e00304u,0x807884000ce00304u,0x8078880009000307u,
    0x80788c000d000307u,0x8078900009000323u,0x807894000d000323u,0x8078980009000308u,0x80789c000d000308u,
    0x8078a00009000327u,0x8078a4000d000327u,0x8078a8000900032eu,0x8078ac000d00032eu,0x8078b00009200330u,
    0x8078b4000d200330u,0x8078b80019e00301u,0x8078bc001de00301u,0x8078c00009600301u,0x8078c4000d600301u,
    0x8078c80009600323u,0x8078cc000d600323u,0x8078d00009600331u,0x8078d4000d600331u,0x8078d80009800323u,
    0x8078dc000d800323u,0x8078e003c6c00304u,0x8078e403c6e00304u,0x8078e80009800331u,0x8078ec000d800331u,
    0x8078f0000980032du,0x8078f4000d80032du,0x8078f80009a00301u,0x8078fc000da00301u,0x8079000009a00307u,
    0x807904000da00307u,0x8079080009a00323u,0x80790c000da00323u,0x8079100009c00307u,0x807914000dc00307u,
    0x8079180009c00323u,0x80791c000dc00323u,0x8079200009c00331u,0x807924000dc00331u,0x8079280009c0032du,
    0x80792c000dc0032du,0x807930001aa00301u,0x807934001ea00301u,0x807938001aa00308u,0x80793c001ea00308u,
    0x8079400029800300u,0x8079440029a00300u,0x8079480029800301u,0x80794c0029a00301u,0x807950000a000301u,
    0x807954000e000301u,0x807958000a000307u,0x80795c000e000307u,0x807960000a400307u,0x807964000e400307u,
    0x807968000a400323u,0x80796c000e400323u,0x80797003cb400304u,0x80797403cb600304u,0x807978000a400331u,
    0x80797c000e400331u,0x807980000a600307u,0x807984000e600307u,0x807988000a600323u,0x80798c000e600323u,
    0x807990002b400307u,0x807994002b600307u,0x807998002c000307u,0x80799c002c200307u,0x8079a003cc400307u,
    0x8079a403cc600307u,0x8079a8000a800307u,0x8079ac000e800307u,0x8079b0000a800323u,0x8079b4000e800323u,
    0x8079b8000a800331u,0x8079bc000e800331u,0x8079c0000a80032du,0x8079c4000e80032du,0x8079c8000aa00324u,
    0x8079cc000ea00324u,0x8079d0000aa00330u,0x8079d4000ea00330u,0x8079d8000aa0032du,0x8079dc000ea0032du,
    0x8079e0002d000301u,0x8079e4002d200301u,0x8079e8002d400308u,0x8079ec002d600308u,0x8079f0000ac00303u,
    0x8079f4000ec00303u,0x8079f8000ac00323u,0x8079fc000ec00323u,0x807a00000ae00300u,0x807a04000ee00300u,
    0x807a08000ae00301u,0x807a0c000ee00301u,0x807a10000ae00308u,0x807a14000ee00308u,0x807a18000ae00307u,
    0x807a1c000ee00307u,0x807a20000ae00323u,0x807a24000ee00323u,0x807a28000b000307u,0x807a2c000f000307u,
    0x807a30000b000308u,0x807a34000f000308u,0x807a38000b200307u,0x807a3c000f200307u,0x807a40000b400302u,
    0x807a44000f400302u,0x807a48000b400323u,0x807a4c000f400323u,0x807a50000b400331u,0x807a54000f400331u,
    0x807a58000d000331u,0x807a5c000e800308u,0x807a60000ee0030au,0x807a64000f20030au,0x807a6c002fe00307u,
    0x807a800008200323u,0x807a84000c200323u,0x807a880008200309u,0x807a8c000c200309u,0x807a900018400301u,
    0x807a94001c400301u,0x807a980018400300u,0x807a9c001c400300u,0x807aa00018400309u,0x807aa4001c400309u,
    0x807aa80018400303u,0x807aac001c400303u,0x807ab003d4000302u,0x807ab403d4200302u,0x807ab80020400301u,
    0x807abc0020600301u,0x807ac00020400300u,0x807ac40020600300u,0x807ac80020400309u,0x807acc0020600309u,
    0x807ad00020400303u,0x807ad40020600303u,0x807ad803d4000306u,0x807adc03d4200306u,0x807ae00008a00323u,
    0x807ae4000ca00323u,0x807ae80008a00309u,0x807aec000ca00309u,0x807af00008a00303u,0x807af4000ca00303u,
    0x807af80019400301u,0x807afc001d400301u,0x807b000019400300u,0x807b04001d400300u,0x807b080019400309u,
    0x807b0c001d400309u,0x807b100019400303u,0x807b14001d400303u,0x807b1803d7000302u,0x807b1c03d7200302u,
    0x807b200009200309u,0x807b24000d200309u,0x807b280009200323u,0x807b2c000d200323u,0x807b300009e00323u,
    0x807b34000de00323u,0x807b380009e00309u,0x807b3c000de00309u,0x807b40001a800301u,0x807b44001e800301u,
    0x807b48001a800300u,0x807b4c001e800300u,0x807b50001a800309u,0x807b54001e800309u,0x807b58001a800303u,
    0x807b5c001e800303u,0x807b6003d9800302u,0x807b6403d9a00302u,0x807b680034000301u,0x807b6c0034200301u,
    0x807b700034000300u,0x807b740034200300u,0x807b780034000309u,0x807b7c0034200309u,0x807b800034000303u,
    0x807b840034200303u,0x807b880034000323u,0x807b8c0034200323u,0x807b90000aa00323u,0x807b94000ea00323u,
    0x807b98000aa00309u,0x807b9c000ea00309u,0x807ba00035e00301u,0x807ba40036000301u,0x807ba80035e00300u,
    0x807bac0036000300u,0x807bb00035e00309u,0x807bb40036000309u,0x807bb80035e00303u,0x807bbc0036000303u,
    0x807bc00035e00323u,0x807bc40036000323u,0x807bc8000b200300u,0x807bcc000f200300u,0x807bd0000b200323u,
    0x807bd4000f200323u,0x807bd8000b200309u,0x807bdc000f200309u,0x807be0000b200303u,0x807be4000f200303u,
    0x807c000076200313u,0x807c040076200314u,0x807c0803e0000300u,0x807c0c03e0200300u,0x807c1003e0000301u,
    0x807c1403e0200301u,0x807c1803e0000342u,0x807c1c03e0200342u,0x807c200072200313u,0x807c240072200314u,
    0x807c2803e1000300u,0x807c2c03e1200300u,0x807c3003e1000301u,0x807c3403e1200301u,0x807c3803e1000342u,
    0x807c3c03e1200342u,0x807c400076a00313u,0x807c440076a00314u,0x807c4803e2000300u,0x807c4c03e2200300u,
    0x807c5003e2000301u,0x807c5403e2200301u,0x807c600072a00313u,0x807c640072a00314u,0x807c6803e3000300u,
    0x807c6c03e3200300u,0x807c7003e3000301u,0x807c7403e3200301u,0x807c800076e00313u,0x807c840076e00314u,
    0x807c8803e4000300u,0x807c8c03e4200300u,0x807c9003e4000301u,0x807c9403e4200301u,0x807c9803e4000342u,
    0x807c9c03e4200342u,0x807ca00072e00313u,0x807ca40072e00314u,0x807ca803e5000300u,0x807cac03e5200300u,
    0x807cb003e5000301u,0x807cb403e5200301u,0x807cb803e5000342u,0x807cbc03e5200342u,0x807cc00077200313u,
    0x807cc40077200314u,0x807cc803e6000300u,0x807ccc03e6200300u,0x807cd003e6000301u,0x807cd403e6200301u,
    0x807cd803e6000342u,0x807cdc03e6200342u,0x807ce00073200313u,0x807ce40073200314u,0x807ce803e7000300u,
    0x807cec03e7200300u,0x807cf003e7000301u,0x807cf403e7200301u,0x807cf803e7000342u,0x807cfc03e7200342u,
    0x807d000077e00313u,0x807d040077e00314u,0x807d0803e8000300u,0x807d0c03e8200300u,0x807d1003e8000301u,
    0x807d1403e8200301u,0x807d200073e00313u,0x807d240073e00314u,0x807d2803e9000300u,0x807d2c03e9200300u,
    0x807d3003e9000301u,0x807d3403e9200301u,0x807d400078a00313u,0x807d440078a00314u,0x807d4803ea000300u,
    0x807d4c03ea200300u,0x807d5003ea000301u,0x807d5403ea200301u,0x807d5803ea000342u,0x807d5c03ea200342u,
    0x807d640074a00314u,0x807d6c03eb200300u,0x807d7403eb200301u,0x807d7c03eb200342u,0x807d800079200313u,
    0x807d840079200314u,0x807d8803ec000300u,0x807d8c03ec200300u,0x807d9003ec000301u,0x807d9403ec200301u,
    0x807d9803ec000342u,0x807d9c03ec200342u,0x807da00075200313u,0x807da40075200314u,0x807da803ed000300u,
    0x807dac03ed200300u,0x807db003ed000301u,0x807db403ed200301u,0x807db803ed000342u,0x807dbc03ed200342u,
    0x807dc00076200300u,0x7dc40075800000u,0x807dc80076a00300u,0x7dcc0075a00000u,0x807dd00076e00300u,
    0x7dd40075c00000u,0x807dd80077200300u,0x7ddc0075e00000u,0x807de00077e00300u,0x7de40079800000u,
    0x807de80078a00300u,0x7dec0079a00000u,0x807df00079200300u,0x7df40079c00000u,0x807e0003e0000345u,
    0x807e0403e0200345u,0x807e0803e0400345u,0x807e0c03e0600345u,0x807e1003e0800345u,0x807e1403e0a00345u,
    0x807e1803e0c00345u,0x807e1c03e0e00345u,0x807e2003e1000345u,0x807e2403e1200345u,0x807e2803e1400345u,
    0x807e2c03e1600345u,0x807e3003e1800345u,0x807e3403e1a00345u,0x807e3803e1c00345u,0x807e3c03e1e00345u,
    0x807e4003e4000345u,0x807e4403e4200345u,0x807e4803e4400345u,0x807e4c03e4600345u,0x807e5003e4800345u,
    0x807e5403e4a00345u,0x807e5803e4c00345u,0x807e5c03e4e00345u,0x807e6003e5000345u,0x807e6403e5200345u,
    0x807e6803e5400345u,0x807e6c03e5600345u,0x807e7003e5800345u,0x807e7403e5a00345u,0x807e7803e5c00345u,
    0x807e7c03e5e00345u,0x807e8003ec000345u,0x807e8403ec200345u,0x807e8803ec400345u,0x807e8c03ec600345u,
    0x807e9003ec800345u,0x807e9403eca00345u,0x807e9803ecc00345u,0x807e9c03ece00345u,0x807ea003ed000345u,
    0x807ea403ed200345u,0x807ea803ed400345u,0x807eac03ed600345u,0x807eb003ed800345u,0x807eb403eda00345u,
    0x807eb803edc00345u,0x807ebc03ede00345u,0x807ec00076200306u,0x807ec40076200304u,0x807ec803ee000345u,
    0x807ecc0076200345u,0x807ed00075800345u,0x807ed80076200342u,0x807edc03f6c00345u,0x807ee00072200306u,
    0x807ee40072200304u,0x807ee80072200300u,0x7eec0070c00000u,0x807ef00072200345u,0x7ef80077200000u,
    0x807f040015000342u,0x807f0803ee800345u,0x807f0c0076e00345u,0x807f100075c00345u,0x807f180076e00342u,
    0x807f1c03f8c00345u,0x807f200072a00300u,0x7f240071000000u,0x807f280072e00300u,0x7f2c0071200000u,
    0x807f300072e00345u,0x807f3403f7e00300u,0x807f3803f7e00301u,0x807f3c03f7e00342u,0x807f400077200306u,
    0x807f440077200304u,0x807f480079400300u,0x7f4c0072000000u,0x807f580077200342u,0x807f5c0079400342u,
    0x807f600073200306u,0x807f640073200304u,0x807f680073200300u,0x7f6c0071400000u,0x807f7403ffc00300u,
    0x807f7803ffc00301u,0x807f7c03ffc00342u,0x807f800078a00306u,0x807f840078a00304u,0x807f880079600300u,
    0x7f8c0076000000u,0x807f900078200313u,0x807f940078200314u,0x807f980078a00342u,0x807f9c0079600342u,
    0x807fa00074a00306u,0x807fa40074a00304u,0x807fa80074a00300u,0x7fac0071c00000u,0x807fb00074200314u,
    0x807fb40015000300u,0x7fb80070a00000u,0x7fbc000c000000u,0x807fc803ef800345u,0x807fcc0079200345u,
    0x807fd00079c00345u,0x807fd80079200342u,0x807fdc03fec00345u,0x807fe00073e00300u,0x7fe40071800000u,
    0x807fe80075200300u,0x7fec0071e00000u,0x807ff00075200345u,0x7ff40016800000u,0x80000400400000u,
    0x80040400600000u,0x84980075200000u,0x84a80009600000u,0x84ac0018a00000u,0x8086680432000338u,
    0x80866c0432400338u,0x8086b80432800338u,0x808734043a000338u,0x808738043a800338u,0x80873c043a400338u,
    0x8088100440600338u,0x8088240441000338u,0x8088300441600338u,0x8088900444600338u,0x8088980444a00338u,
    0x8089040447800338u,0x8089100448600338u,0x80891c0448a00338u,0x8089240449000338u,0x8089800007a00338u,
    0x808988044c200338u,0x8089b40449a00338u,0x8089b80007800338u,0x8089bc0007c00338u,0x8089c0044c800338u,
    0x8089c4044ca00338u,0x8089d0044e400338u,0x8089d4044e600338u,0x8089e0044ec00338u,0x8089e4044ee00338u,
    0x808a00044f400338u,0x808a04044f600338u,0x808a100450400338u,0x808a140450600338u,0x808a200450c00338u,
    0x808a240450e00338u,0x808ab00454400338u,0x808ab40455000338u,0x808ab80455200338u,0x808abc0455600338u,
    0x808b80044f800338u,0x808b84044fa00338u,0x808b880452200338u,0x808b8c0452400338u,0x808ba80456400338u,
    0x808bac0456600338u,0x808bb00456800338u,0x808bb40456a00338u,0x8ca40601000000u,0x8ca80601200000u,
    0xab70055ba00338u,0x80c1300609603099u,0x80c1380609a03099u,0x80c1400609e03099u,0x80c148060a203099u,
    0x80c150060a603099u,0x80c158060aa03099u,0x80c160060ae03099u,0x80c168060b203099u,0x80c170060b603099u,
    0x80c178060ba03099u,0x80c180060be03099u,0x80c188060c203099u,0x80c194060c803099u,0x80c19c060cc03099u,
    0x80c1a4060d003099u,0x80c1c0060de03099u,0x80c1c4060de0309au,0x80c1cc060e403099u,0x80c1d0060e40309au,
    0x80c1d8060ea03099u,0x80c1dc060ea0309au,0x80c1e4060f003099u,0x80c1e8060f00309au,0x80c1f0060f603099u,
    0x80c1f4060f60309au,0x80c2500608c03099u,0x80c2780613a03099u,0x80c2b00615603099u,0x80c2b80615a03099u,
    0x80c2c00615e03099u,0x80c2c80616203099u,0x80c2d00616603099u,0x80c2d80616a03099u,0x80c2e00616e03099u,
    0x80c2e80617203099u,0x80c2f00617603099u,0x80c2f80617a03099u,0x80c3000617e03099u,0x80c3080618203099u,
    0x80c3140618803099u,0x80c31c0618c03099u,0x80c3240619003099u,0x80c3400619e03099u,0x80c3440619e0309au,
    0x80c34c061a403099u,0x80c350061a40309au,0x80c358061aa03099u,0x80c35c061aa0309au,0x80c364061b003099u,
    0x80c368061b00309au,0x80c370061b603099u,0x80c374061b60309au,0x80c3d00614c03099u,0x80c3dc061de03099u,
    0x80c3e0061e003099u,0x80c3e4061e203099u,0x80c3e8061e403099u,0x80c3f8061fa03099u,0x3e4001189000000u,
    0x3e4040cde800000u,0x3e40811d9400000u,0x3e40c1199000000u,0x3e4100dda200000u,0x3e41409c6400000u,
    0x3e4180a7ca00000u,0x3e41c13f3800000u,0x3e42013f3800000u,0x3e4240b2a200000u,0x3e428123a200000u,
    0x3e42c0ab0e00000u,0x3e4300b29000000u,0x3e4340c3ec00000u,0x3e4380ecd200000u,0x3e43c0ff0a00000u,
    0x3e44010c7e00000u,0x3e44410f7400000u,0x3e448111f000000u,0x3e44c1211e00000u,0x3e4500d40400000u,
    0x3e4540da3600000u,0x3e4580e1b200000u,0x3e45c0e7bc00000u,0x3e4601087a00000u,0x3e464122d400000u,
    0x3e468133e200000u,0x3e46c09d0400000u,0x3e4700a6ea00000u,0x3e4740d60800000u,0x3e4780e43600000u,
    0x3e47c10c5a00000u,0x3e48013c3c00000u,0x3e4840baa000000u,0x3e4880dfd600000u,0x3e48c10b9a00000u,
    0x3e490112c800000u,0x3e4940c59200000u,0x3e498103b000000u,0x3e49c1103e00000u,0x3e4a00bd9400000u,
    0x3e4a40ce2e00000u,0x3e4a80dad400000u,0x3e4ac0e5f800000u,0x3e4b01219c00000u,0x3e4b409f0c00000u,
    0x3e4b80a36e00000u,0x3e4bc0a5bc00000u,0x3e4c00c98800000u,0x3e4c40d5a600000u,0x3e4c80e42000000u,
    0x3e4cc0edce00000u,0x3e4d01000200000u,0x3e4d410c0c00000u,0x3e4d810cb800000u,0x3e4dc11bde00000u,
    0x3e4e012e6400000u,0x3e4e4136de00000u,0x3e4e813bf400000u,0x3e4ec0f11800000u,0x3e4f00f2fe00000u,
    0x3e4f40fb4000000u,0x3e4f81079200000u,0x3e4fc1260800000u,0x3e50013cfe00000u,0x3e504115ac00000u,
    0x3e5080b1be00000u,0x3e50c0be0800000u,0x3e5100f8c000000u,0x3e514100fc00000u,0x3e5180e4c400000u,
    0x3e51c0f19400000u,0x3e5201198400000u,0x3e52412dee00000u,0x3e5280b1b000000u,0x3e52c0b8c400000u,
    0x3e5300d42600000u,0x3e5340dbb400000u,0x3e5380de1e00000u,0x3e53c0fa5e00000u,0x3e5400fc6e00000u,
    0x3e54412c9600000u,0x3e5480a5a400000u,0x3e54c1011600000u,0x3e5500a3b800000u,0x3e5540a39800000u,
    0x3e5580f43800000u,0x3e55c0fb7c00000u,0x3e560107e200000u,0x3e56412cea00000u,0x3e5681170000000u,
    0x3e56c0c59e00000u,0x3e5700d40400000u,0x3e574115fc00000u,0x3e57809c7200000u,0x3e57c0b7ce00000u,
    0x3e5800c02400000u,0x3e5840e70e00000u,0x3e5880eae000000u,0x3e58c0a62e00000u,0x3e5900f1f600000u,
    0x3e59409f7e00000u,0x3e5980bf5200000u,0x3e59c09c1a00000u,0x3e5a00d99800000u,0x3e5a40caf000000u,
    0x3e5a80fa4400000u,0x3e5ac0a78600000u,0x3e5b00b0bc00000u,0x3e5b40ee0200000u,0x3e5b81089200000u,
    0x3e5bc1155400000u,0x3e5c00d77400000u,0x3e5c411f6000000u,0x3e5c80d91000000u,0x3e5cc0c5fc00000u,
    0x3e5d0105ca00000u,0x3e5d40c74000000u,0x3e5d80eaca00000u,0x3e5dc09d5c00000u,0x3e5e00a2d200000u,
    0x3e5e40a39200000u,0x3e5e80d10200000u,0x3e5ec0f9ce00000u,0x3e5f0104de00000u,0x3e5f4115a400000u,
    0x3e5f81239e00000u,0x3e5fc0a5ea00000u,0x3e6000a88400000u,0x3e6040b2e600000u,0x3e6080bdd800000u,
    0x3e60c0cb8a00000u,0x3e6100dffc00000u,0x3e6140f25400000u,0x3e61812b5a00000u,0x3e61c134d400000u,
    0x3e62013d2e00000u,0x3e62413d9c00000u,0x3e6280a53600000u,0x3e62c0cd8c00000u,0x3e6300d6ee00000u,
    0x3e63411ec400000u,0x3e6380bce800000u,0x3e63c0c32000000u,0x3e6400c40000000u,0x3e6440c93400000u,
    0x3e6480de4600000u,0x3e64c0e29200000u,0x3e6500e91200000u,0x3e6540f39400000u,0x3e6580fbe800000u,
    0x3e65c100de00000u,0x3e66011e4c00000u,0x3e664109dc00000u,0x3e6681204600000u,0x3e66c1269400000u,
    0x3e6700a42e00000u,0x3e6740a54600000u,0x3e6780a97a00000u,0x3e67c0e19000000u,0x3e6801118400000u,
    0x3e6841155400000u,0x3e6880bd9200000u,0x3e68c0bfea00000u,0x3e6900c6f600000u,0x3e6940d75c00000u,
    0x3e6980f87c00000u,0x3e69c0e6ea00000u,0x3e6a009dc800000u,0x3e6a40adf200000u,0x3e6a80b7ce00000u,
    0x3e6ac0bb7400000u,0x3e6b00c03800000u,0x3e6b40e76400000u,0x3e6b80e8d200000u,0x3e6bc0ff3400000u,
    0x3e6c01008c00000u,0x3e6c41246800000u,0x3e6c812dec00000u,0x3e6cc12e9000000u,0x3e6d01303000000u,
    0x3e6d409f1600000u,0x3e6d80f35c00000u,0x3e6dc1236800000u,0x3e6e012d7000000u,0x3e6e40c1c200000u,
    0x3e6e809d0c00000u,0x3e6ec0a1b400000u,0x3e6f00b7dc00000u,0x3e6f40b87e00000u,0x3e6f80cb3200000u,
    0x3e6fc0d40400000u,0x3e7000e39c00000u,0x3e7040ec8400000u,0x3e708109f800000u,0x3e70c120f800000u,
    0x3e71013f1a00000u,0x3e7140cd1000000u,0x3e71812c5c00000u,0x3e71c0a51200000u,0x3e7200cef600000u,
    0x3e7240cfe600000u,0x3e7280da8200000u,0x3e72c0dd3800000u,0x3e7300e81200000u,0x3e7340eab200000u,
    0x3e7380f0d600000u,0x3e73c0fa2000000u,0x3e740130bc00000u,0x3e7440a2da00000u,0x3e7480c45c00000u,
    0x3e74c12cf000000u,0x3e7500a05600000u,0x3e7540ba3200000u,0x3e7580dbd400000u,0x3e75c11e5400000u,
    0x3e7600bf1600000u,0x3e7640c28800000u,0x3e7680d02e00000u,0x3e76c0e70e00000u,0x3e77012d0c00000u,
    0x3e7740a45200000u,0x3e7780a81e00000u,0x3e77c0b8ca00000u,0x3e7800cc2600000u,0x3e7840ce9c00000u,
    0x3e7880d15000000u,0x3e78c0d9ca00000u,0x3e7900e80c00000u,0x3e7940ebc400000u,0x3e7980fef200000u,
    0x3e79c1119e00000u,0x3e7a0111c200000u,0x3e7a41239800000u,0x3e7a812dc400000u,0x3e7ac0a67e00000u,
    0x3e7b00dd7400000u,0x3e7b40a83a00000u,0x3e7b80e3a000000u,0x3e7bc0e93000000u,0x3e7c010bf400000u,
    0x3e7c412d4600000u,0x3e7c8138ae00000u,0x3e7cc13d3e00000u,0x3e7d00cf2e00000u,0x3e7d40db9600000u,
    0x3e7d8103d000000u,0x3e7dc0f59600000u,0x3e7e00f64000000u,0x3e7e40f92400000u,0x3e7e80e58000000u,
    0x3e7ec0e13200000u,0x3e7f0116b000000u,0x3e7f409d8000000u,0x3e7f81066c00000u,0x3e7fc0a47400000u,
    0x3e8000a40e00000u,0x3e8040bd4c00000u,0x3e8080c5a600000u,0x3e80c0f9ac00000u,0x3e8100b70a00000u,
    0x3e8140da3c00000u,0x3e8180cd6800000u,0x3e81c11e7600000u,0x3e8201109800000u,0x3e82412c9a00000u,
    0x3e8281131600000u,0x3e82c0bda600000u,0x3e8300a28000000u,0x3e8340ab8000000u,0x3e8400b0b400000u,
    0x3e8480cce800000u,0x3e8540a3bc00000u,0x3e8580e65400000u,0x3e85c0ed9400000u,0x3e8600f27800000u,
    0x3e8640f2bc00000u,0x3e8680f2ca00000u,0x3e86c0f31e00000u,0x3e87012eac00000u,0x3e8740f97c00000u,
    0x3e8780ff7a00000u,0x3e88010c2400000u,0x3e888115f000000u,0x3e8941207000000u,0x3e898121fa00000u,
    0x3e8a8131de00000u,0x3e8ac131f800000u,0x3e8b01325000000u,0x3e8b413b6800000u,0x3e8b8121bc00000u,
    0x3e8bc12d6e00000u,0x3e8c009f5c00000u,0x3e8c40a1ce00000u,0x3e8c80a29a00000u,0x3e8cc0a59200000u,
    0x3e8d00a5c800000u,0x3e8d40a6a200000u,0x3e8d80ab3a00000u,0x3e8dc0ac0c00000u,0x3e8e00acd000000u,
    0x3e8e40b08000000u,0x3e8e80b15000000u,0x3e8ec0b8c800000u,0x3e8f00b8dc00000u,0x3e8f40c12800000u,
    0x3e8f80c2d000000u,0x3e8fc0c31c00000u,0x3e9000c3e400000u,0x3e9040ca9e00000u,0x3e9080cbc400000u,
    0x3e90c0cd2200000u,0x3e9100d10a00000u,0x3e9140daee00000u,0x3e9180dc3400000u,0x3e91c0de4400000u,
    0x3e9200e2dc00000u,0x3e9240e45600000u,0x3e9280e84400000u,0x3e92c0f12200000u,0x3e9300f27c00000u,
    0x3e9340f29200000u,0x3e9380f29000000u,0x3e93c0f2a000000u,0x3e9400f2ac00000u,0x3e9440f2ba00000u,
    0x3e9480f31a00000u,0x3e94c0f31c00000u,0x3e9500f48000000u,0x3e9540f50200000u,0x3e9580f78000000u,
    0x3e95c0fbe800000u,0x3e9600fc1200000u,0x3e9640fc8200000u,0x3e9680fee400000u,0x3e96c1000a00000u,
    0x3e970103da00000u,0x3e974104f200000u,0x3e978104f200000u,0x3e97c108ae00000u,0x3e9801122000000u,
    0x3e9841132c00000u,0x3e9881160200000u,0x3e98c1167200000u,0x3e990119a600000u,0x3e99411a1000000u,
    0x3e99811f6c00000u,0x3e99c1207000000u,0x3e9a012dc600000u,0x3e9a412ffe00000u,0x3e9a81307600000u,
    0x3e9ac0c0ea00000u,0x3e9b0485dc00000u,0x3e9b41043000000u,0x3e9c009c4c00000u,0x3e9c40a36a00000u,
    0x3e9c80a2d000000u,0x3e9cc09f0000000u,0x3e9d00a28a00000u,0x3e9d40a30000000u,0x3e9d80a58e00000u,
    0x3e9dc0a5f400000u,0x3e9e00ab3a00000u,0x3e9e40aaaa00000u,0x3e9e80ab3200000u,0x3e9ec0abc400000u,
    0x3e9f00b0b400000u,0x3e9f40b16600000u,0x3e9f80b28800000u,0x3e9fc0b2a800000u,0x3ea000b4c400000u,
    0x3ea040b65000000u,0x3ea080bda400000u,0x3ea0c0bdb200000u,0x3ea100bed200000u,0x3ea140bf5a00000u,
    0x3ea180c1b000000u,0x3ea1c0c29c00000u,0x3ea200c21000000u,0x3ea240c31c00000u,0x3ea280c2c000000u,
    0x3ea2c0c3e400000u,0x3ea300c46800000u,0x3ea340c78800000u,0x3ea380c83800000u,0x3ea3c0c8a400000u,
    0x3ea400caac00000u,0x3ea440cce800000u,0x3ea480ce2e00000u,0x3ea4c0ce3600000u,0x3ea500ceac00000u,
    0x3ea540d6f200000u,0x3ea580d77400000u,0x3ea5c0da8200000u,0x3ea600ddb600000u,0x3ea640dd9600000u,
    0x3ea680de4400000u,0x3ea6c0e03c00000u,0x3ea700e2dc00000u,0x3ea740ef4e00000u,0x3ea780e46a00000u,
    0x3ea7c0e55e00000u,0x3ea800e65400000u,0x3ea840e8e200000u,0x3ea880ea0c00000u,0x3ea8c0ea7600000u,
    0x3ea900ec3a00000u,0x3ea940ec3e00000u,0x3ea980ed9400000u,0x3ea9c0edb600000u,0x3eaa00ede800000u,
    0x3eaa40ee9400000u,0x3eaa80ee8000000u,0x3eaac0f19800000u,0x3eab00f56200000u,0x3eab40f78000000u,
    0x3eab80f8f600000u,0x3eabc0fab600000u,0x3eac00fbe800000u,0x3eac40fe7c00000u,0x3eac81000a00000u,
    0x3eacc106a400000u,0x3ead0107de00000u,0x3ead410ef200000u,0x3ead81128200000u,0x3eadc1130c00000u,
    0x3eae01132c00000u,0x3eae41157e00000u,0x3eae8115f000000u,0x3eaec1159600000u,0x3eaf01160200000u,
    0x3eaf4115fc00000u,0x3eaf8115da00000u,0x3eafc1167200000u,0x3eb001171400000u,0x3eb0411a1000000u,
    0x3eb0811e7000000u,0x3eb0c120e400000u,0x3eb101233200000u,0x3eb14124ec00000u,0x3eb1812cf800000u,
    0x3eb1c12dc600000u,0x3eb2012eac00000u,0x3eb2412fb600000u,0x3eb2812ffe00000u,0x3eb2c1301600000u,
    0x3eb301307600000u,0x3eb341362400000u,0x3eb3813f3800000u,0x3eb3c4509400000u,0x3eb404508800000u,
    0x3eb44467aa00000u,0x3eb480773a00000u,0x3eb4c0803000000u,0x3eb500807200000u,0x3eb544a49200000u,
    0x3eb584b9a000000u,0x3eb5c4fda600000u,0x3eb6013e8600000u,0x3eb6413f1c00000u,0x3ec7400bb2005b4u,
    0x3ec7c00be4005b7u,0x3eca800bd2005c1u,0x3ecac00bd2005c2u,0x3ecb01f692005c1u,0x3ecb41f692005c2u,
    0x3ecb800ba0005b7u,0x3ecbc00ba0005b8u,0x3ecc000ba0005bcu,0x3ecc400ba2005bcu,0x3ecc800ba4005bcu,
    0x3eccc00ba6005bcu,0x3ecd000ba8005bcu,0x3ecd400baa005bcu,0x3ecd800bac005bcu,0x3ece000bb0005bcu,
    0x3ece400bb2005bcu,0x3ece800bb4005bcu,0x3ecec00bb6005bcu,0x3ecf000bb8005bcu,0x3ecf800bbc005bcu,
    0x3ed0000bc0005bcu,0x3ed0400bc2005bcu,0x3ed0c00bc6005bcu,0x3ed1000bc8005bcu,0x3ed1800bcc005bcu,
    0x3ed1c00bce005bcu,0x3ed2000bd0005bcu,0x3ed2400bd2005bcu,0x3ed2800bd4005bcu,0x3ed2c00baa005b9u,
    0x3ed3000ba2005bfu,0x3ed3400bb6005bfu,0x3ed3800bc8005bfu,0x84426822132110bau,0x84427022136110bau,
    0x8442ac2214a110bau,0x8444b82226211127u,0x8444bc2226411127u,0x844d2c2268e1133eu,0x844d302268e11357u,
    0x8452ec22972114bau,0x8452f022972114b0u,0x8452f822972114bdu,0x8456e822b70115afu,0x8456ec22b72115afu,
    0x8464e02326a11930u,0x745783a2ae1d165u,0x7457c3a2b01d165u,0x745803a2be1d16eu,0x745843a2be1d16fu,
    0x745883a2be1d170u,0x7458c3a2be1d171u,0x745903a2be1d172u,0x746ec3a3721d165u,0x746f03a3741d165u,
    0x746f43a3761d16eu,0x746f83a3781d16eu,0x746fc3a3761d16fu,0x747003a3781d16fu,0xbe00009c7a00000u,
    0xbe00409c7000000u,0xbe00809c8200000u,0xbe00c4024400000u,0xbe01009ec000000u,0xbe01409f5c00000u,
    0xbe01809f7600000u,0xbe01c0a00400000u,0xbe0200a0f400000u,0xbe0240a13200000u,0xbe0280a1ce00000u,
    0xbe02c0a19e00000u,0xbe0300693c00000u,0xbe03440c7400000u,0xbe0380a29a00000u,0xbe03c0a2a800000u,
    0xbe0400a2c800000u,0xbe0440a2ee00000u,0xbe04840a3800000u,0xbe04c0697200000u,0xbe0500a2ce00000u,
    0xbe0540a31a00000u,0xbe05840a9600000u,0xbe05c0a32e00000u,0xbe0600a34800000u,0xbe06409d9800000u,
    0xbe0680a35800000u,0xbe06c0a36a00000u,0xbe070523be00000u,0xbe0740a3ea00000u,0xbe0780a40600000u,
    0xbe07c069be00000u,0xbe0800a47600000u,0xbe0840a48c00000u,0xbe0880a4e400000u,0xbe08c0a4ee00000u,
    0xbe09006a2a00000u,0xbe0940a58e00000u,0xbe0980a59200000u,0xbe09c0a5c800000u,0xbe0a00a5f400000u,
    0xbe0a40a60a00000u,0xbe0a80a60c00000u,0xbe0ac0a62e00000u,0xbe0b00a69200000u,0xbe0b40a6a200000u,
    0xbe0b80a6b400000u,0xbe0bc0a6e600000u,0xbe0c00a6fa00000u,0xbe0c40a6fe00000u,0xbe0c80a6fe00000u,
    0xbe0cc0a6fe00000u,0xbe0d04145800000u,0xbe0d40e0e000000u,0xbe0d80a79400000u,0xbe0dc0a7be00000u,
    0xbe0e0416c600000u,0xbe0e40a7d600000u,0xbe0e80a7e200000u,0xbe0ec0a80c00000u,0xbe0f00a93c00000u,
    0xbe0f40a87000000u,0xbe0f80a89000000u,0xbe0fc0a8d000000u,0xbe1000a94400000u,0xbe1040a9ec00000u,
    0xbe1080aa2000000u,0xbe10c0aaa600000u,0xbe1100aac600000u,0xbe1140ab0800000u,0xbe1180ab0800000u,
    0xbe11c0ab3200000u,0xbe1200ab5600000u,0xbe1240ab6600000u,0xbe1280ab8400000u,0xbe12c0ae2c00000u,
    0xbe1300ac0c00000u,0xbe1340ae2e00000u,0xbe1380aca200000u,0xbe13c0ace800000u,0xbe1400a40e00000u,
    0xbe1440b1dc00000u,0xbe1480af9c00000u,0xbe14c0afe800000u,0xbe1500b01a00000u,0xbe1540af1600000u,
    0xbe1580b06400000u,0xbe15c0b06200000u,0xbe1600b15800000u,0xbe164429c800000u,0xbe1680b1e400000u,
    0xbe16c0b1ee00000u,0xbe1700b20c00000u,0xbe1740b23400000u,0xbe1780b24400000u,0xbe17c0b2c400000u,
    0xbe18042d5000000u,0xbe18442dd400000u,0xbe1880b3d800000u,0xbe18c0b43600000u,0xbe1900b44e00000u,
    0xbe1940b3b000000u,0xbe1980b4cc00000u,0xbe19c06ddc00000u,0xbe1a006df800000u,0xbe1a40b61000000u,
    0xbe1a80b67c00000u,0xbe1ac0b67c00000u,0xbe1b04339000000u,0xbe1b40b78600000u,0xbe1b80b7b000000u,
    0xbe1bc0b7ce00000u,0xbe1c00b7e600000u,0xbe1c44363000000u,0xbe1c80b7fe00000u,0xbe1cc0b80c00000u,
    0xbe1d00bea600000u,0xbe1d40b84400000u,0xbe1d806f0200000u,0xbe1dc0b8c000000u,0xbe1e00b8dc00000u,
    0xbe1e40b98000000u,0xbe1e80b91a00000u,0xbe1ec43bc800000u,0xbe1f00ba8600000u,0xbe1f443bcc00000u,
    0xbe1f80badc00000u,0xbe1fc0bad600000u,0xbe2000baf800000u,0xbe2040bbc200000u,0xbe2080bbc400000u,
    0xbe20c0705e00000u,0xbe2100bbfa00000u,0xbe2140bc5000000u,0xbe2180bc7a00000u,0xbe21c0bcd200000u,
    0xbe220070c400000u,0xbe2244430600000u,0xbe228070f800000u,0xbe22c0bd6000000u,0xbe2300bd6600000u,
    0xbe2340bd6c00000u,0xbe2380bd9400000u,0xbe23c5472400000u,0xbe2400bdfc00000u,0xbe2444466200000u,
    0xbe2484466200000u,0xbe24c1040200000u,0xbe2500be4400000u,0xbe2540be4400000u,0xbe2580718e00000u,
    0xbe25c4657000000u,0xbe2604c3b400000u,0xbe2640bec400000u,0xbe2680bed600000u,0xbe26c071c600000u,
    0xbe2700bf3400000u,0xbe2740bf9a00000u,0xbe2780bfae00000u,0xbe27c0bff200000u,0xbe2800c10200000u,
    0xbe2840727400000u,0xbe2880723800000u,0xbe28c0c12800000u,0xbe29044da800000u,0xbe2940c18e00000u,
    0xbe2980c29000000u,0xbe29c0c29800000u,0xbe2a00c29c00000u,0xbe2a40c29800000u,0xbe2a80c2f400000u,
    0xbe2ac0c31c00000u,0xbe2b00c36400000u,0xbe2b40c34800000u,0xbe2b80c35e00000u,0xbe2bc0c3bc00000u,
    0xbe2c00c3e400000u,0xbe2c40c3ec00000u,0xbe2c80c42000000u,0xbe2cc0c43600000u,0xbe2d00c4ba00000u,
    0xbe2d40c56200000u,0xbe2d80c5a800000u,0xbe2dc0c6a000000u,0xbe2e04561800000u,0xbe2e40c67a00000u,
    0xbe2e80c5f800000u,0xbe2ec0c6d000000u,0xbe2f00c70600000u,0xbe2f40c7c800000u,0xbe2f8457e200000u,
    0xbe2fc0c84400000u,0xbe3000c78a00000u,0xbe3040c75200000u,0xbe3080745c00000u,0xbe30c0c8d200000u,
    0xbe3100c8fc00000u,0xbe3140c93a00000u,0xbe3180c8ee00000u,0xbe31c074d800000u,0xbe3200ca9e00000u,
    0xbe3240cad800000u,0xbe3284601400000u,0xbe32c0cbc600000u,0xbe3300cdf000000u,0xbe3340cc9200000u,
    0xbe3380763200000u,0xbe33c0cd2200000u,0xbe3400761000000u,0xbe344075c800000u,0xbe3480a32400000u,
    0xbe34c0a32a00000u,0xbe3500ce0000000u,0xbe3540cd3800000u,0xbe3581015a00000u,0xbe35c087b200000u,
    0xbe3600ce2e00000u,0xbe3640ce3600000u,0xbe3680ce4200000u,0xbe36c0cebc00000u,0xbe3700cea600000u,
    0xbe3744678600000u,0xbe3780769200000u,0xbe37c0cff400000u,0xbe3800cf0a00000u,0xbe3840d0a400000u,
    0xbe3880d10a00000u,0xbe38c468da00000u,0xbe3900d11c00000u,0xbe3940d03e00000u,0xbe3980d22800000u,
    0xbe39c0773a00000u,0xbe3a00d28400000u,0xbe3a40d34600000u,0xbe3a80d3d400000u,0xbe3ac0d55000000u,
    0xbe3b046d4600000u,0xbe3b40d5b600000u,0xbe3b80783000000u,0xbe3bc0d64200000u,0xbe3c04714e00000u,
    0xbe3c40d6a800000u,0xbe3c80789c00000u,0xbe3cc0d6e400000u,0xbe3d00d73e00000u,0xbe3d40d77400000u,
    0xbe3d80d77600000u,0xbe3dc4751a00000u,0xbe3e043a1600000u,0xbe3e4475f400000u,0xbe3e80d89c00000u,
    0xbe3ec4797800000u,0xbe3f00d97e00000u,0xbe3f40d99a00000u,0xbe3f80d8ce00000u,0xbe3fc0da2c00000u,
    0xbe4000da7c00000u,0xbe4040daee00000u,0xbe4080da8200000u,0xbe40c0dad200000u,0xbe4100daf000000u,
    0xbe4140db0a00000u,0xbe41847a3c00000u,0xbe41c0da6800000u,0xbe4200dc5e00000u,0xbe4240dcdc00000u,
    0xbe42807a6600000u,0xbe42c0dd9600000u,0xbe4300dd8e00000u,0xbe43447da200000u,0xbe4380dbf200000u,
    0xbe43c0dedc00000u,0xbe44047ebc00000u,0xbe44447f1c00000u,0xbe4480df8c00000u,0xbe44c0e07200000u,
    0xbe4500e03c00000u,0xbe4540e03600000u,0xbe45807b2c00000u,0xbe45c0e09400000u,0xbe4600e0fa00000u,
    0xbe4640e0ee00000u,0xbe4680e15a00000u,0xbe46c40a4a00000u,0xbe4700e28a00000u,0xbe474484c600000u,
    0xbe4780e33800000u,0xbe47c4875600000u,0xbe4800e45000000u,0xbe4840e46a00000u,0xbe4880e4a000000u,
    0xbe48c48c1000000u,0xbe4900e50000000u,0xbe4940e52a00000u,0xbe49848e6a00000u,0xbe49c4902800000u,
    0xbe4a00e6f400000u,0xbe4a40e71600000u,0xbe4a807d5800000u,0xbe4ac0e74a00000u,0xbe4b007d7000000u,
    0xbe4b407d7000000u,0xbe4b80e88e00000u,0xbe4bc0e8b800000u,0xbe4c00e8e200000u,0xbe4c40e90a00000u,
    0xbe4c80e99400000u,0xbe4cc07e3600000u,0xbe4d00ea4800000u,0xbe4d44986c00000u,0xbe4d80ea7c00000u,
    0xbe4dc4992400000u,0xbe4e00eae000000u,0xbe4e44433e00000u,0xbe4e80ec2000000u,0xbe4ec49f4200000u,
    0xbe4f049f7000000u,0xbe4f44a08800000u,0xbe4f807ff800000u,0xbe4fc0801000000u,0xbe5000ede800000u,
    0xbe5044a1e600000u,0xbe5084a1e400000u,0xbe50c4a23200000u,0xbe5104a26600000u,0xbe5140ee3c00000u,
    0xbe5180ee3e00000u,0xbe51c0ee3e00000u,0xbe5200ee9400000u,0xbe5240807200000u,0xbe5280ef1600000u,
    0xbe52c0808c00000u,0xbe5300812c00000u,0xbe5344a83a00000u,0xbe5380f09c00000u,0xbe53c0f11800000u,
    0xbe5400f19800000u,0xbe544081c600000u,0xbe5484ac4c00000u,0xbe54c0f2ac00000u,0xbe5504ad3400000u,
    0xbe5544ad8a00000u,0xbe5580f31e00000u,0xbe55c0f3d600000u,0xbe5600825e00000u,0xbe5640f48000000u,
    0xbe5680f49400000u,0xbe56c0f49e00000u,0xbe5704b2f800000u,0xbe5744b54e00000u,0xbe5784b54e00000u,
    0xbe57c0f5dc00000u,0xbe5800840400000u,0xbe5844b75600000u,0xbe5880f78c00000u,0xbe58c0f79200000u,
    0xbe5900844e00000u,0xbe5944b90000000u,0xbe5980f9a400000u,0xbe59c0854000000u,0xbe5a00f9d000000u,
    0xbe5a40f9c600000u,0xbe5a80fa0000000u,0xbe5ac4bf0c00000u,0xbe5b00fac600000u,0xbe5b40860200000u,
    0xbe5b80fb8e00000u,0xbe5bc0fc0400000u,0xbe5c00fc8a00000u,0xbe5c40866800000u,0xbe5c84c45000000u,
    0xbe5cc4c48e00000u,0xbe5d0086b200000u,0xbe5d44c5b200000u,0xbe5d80fef400000u,0xbe5dc4c67c00000u,
    0xbe5e00ff2a00000u,0xbe5e40fff400000u,0xbe5e81000a00000u,0xbe5ec4c9b400000u,0xbe5f04ca4600000u,
    0xbe5f4100c000000u,0xbe5f84cb5000000u,0xbe5fc100e000000u,0xbe600466be00000u,0xbe604087aa00000u,
    0xbe6081016400000u,0xbe60c1020600000u,0xbe6100881600000u,0xbe6141027c00000u,0xbe6180b56a00000u,
    0xbe61c4cf4e00000u,0xbe6204cf6a00000u,0xbe6244672600000u,0xbe6284673800000u,0xbe62c1040200000u,
    0xbe6301040800000u,0xbe63411f3c00000u,0xbe638088d600000u,0xbe63c1052200000u,0xbe6401051600000u,
    0xbe6441053a00000u,0xbe6480a56600000u,0xbe64c1056200000u,0xbe6501056600000u,0xbe6541057a00000u,
    0xbe658105cc00000u,0xbe65c4d67800000u,0xbe660105ca00000u,0xbe6641063a00000u,0xbe668106c600000u,
    0xbe66c1075a00000u,0xbe6701064600000u,0xbe6741077a00000u,0xbe678107ce00000u,0xbe67c108ae00000u,
    0xbe680106a600000u,0xbe6841079400000u,0xbe6881079800000u,0xbe68c107b800000u,0xbe6904d86c00000u,
    0xbe6944dad600000u,0xbe6984d9aa00000u,0xbe69c08a5600000u,0xbe6a0109e200000u,0xbe6a4109e600000u,
    0xbe6a810a2c00000u,0xbe6ac4e79400000u,0xbe6b010ac800000u,0xbe6b44de5800000u,0xbe6b808aba00000u,
    0xbe6bc08ac200000u,0xbe6c04df6200000u,0xbe6c44e1a400000u,0xbe6c808ad600000u,0xbe6cc10ca000000u,
    0xbe6d010cb800000u,0xbe6d410cce00000u,0xbe6d810cd200000u,0xbe6dc10d5200000u,0xbe6e010d1000000u,
    0xbe6e410e1c00000u,0xbe6e810dc400000u,0xbe6ec10ef200000u,0xbe6f010e5000000u,0xbe6f410ed600000u,
    0xbe6f810f0c00000u,0xbe6fc08bae00000u,0xbe70010fc200000u,0xbe7041100200000u,0xbe70808bf200000u,
    0xbe70c110c000000u,0xbe710110c600000u,0xbe7144ecce00000u,0xbe718111ae00000u,0xbe71c111bc00000u,
    0xbe72008c6a00000u,0xbe724111f400000u,0xbe7280697600000u,0xbe72c4f15c00000u,0xbe7304f2cc00000u,
    0xbe73408d7c00000u,0xbe73808d8e00000u,0xbe73c1154000000u,0xbe740115da00000u,0xbe7441171400000u,
    0xbe748118aa00000u,0xbe74c4f95000000u,0xbe7501195600000u,0xbe7541198200000u,0xbe75811a3600000u,
    0xbe75c11aee00000u,0xbe7604fe5e00000u,0xbe7644100800000u,0xbe76811b9600000u,0xbe76c11b7800000u,
    0xbe77011be000000u,0xbe774411bc00000u,0xbe77811da800000u,0xbe77c11e7000000u,0xbe78050ba400000u,
    0xbe78450bda00000u,0xbe7881212800000u,0xbe78c121e200000u,0xbe7901222200000u,0xbe79450e5c00000u,
    0xbe7981223600000u,0xbe79c1247000000u,0xbe7a0125ae00000u,0xbe7a4125b000000u,0xbe7a8124f800000u,
    0xbe7ac127f200000u,0xbe7b01282a00000u,0xbe7b4517f400000u,0xbe7b812b1600000u,0xbe7bc0932a00000u,
    0xbe7c012b6e00000u,0xbe7c451aee00000u,0xbe7c8093cc00000u,0xbe7cc12d8600000u,0xbe7d00bb6400000u,
    0xbe7d412e4600000u,0xbe7d85228a00000u,0xbe7dc5243400000u,0xbe7e0094dc00000u,0xbe7e4094ec00000u,
    0xbe7e812fc000000u,0xbe7ec5281400000u,0xbe7f00956400000u,0xbe7f45292c00000u,0xbe7f81301600000u,
    0xbe7fc1301600000u,0xbe8001305200000u,0xbe80452b6c00000u,0xbe808131c400000u,0xbe80c0966600000u,
    0xbe8101325200000u,0xbe8141334e00000u,0xbe8181338400000u,0xbe81c133fc00000u,0xbe8200979c00000u,
    0xbe8245366000000u,0xbe8281362400000u,0xbe82c1388000000u,0xbe830139fa00000u,0xbe8340999c00000u,
    0xbe838099da00000u,0xbe83c13ace00000u,0xbe8405419c00000u,0xbe844099f000000u,0xbe8485420a00000u,
    0xbe84c5441c00000u,0xbe8505452200000u,0xbe85413d7600000u,0xbe85809aac00000u,0xbe85c13df200000u,
    0xbe86013dfc00000u,0xbe86413e0a00000u,0xbe86813e1e00000u,0xbe86c13e2c00000u,0xbe87013e7600000u,
    0xbe87454c0000000u,
};
/* primary composites (indices into mamba__uc_decomp) sorted by (first, second) */
static const uint16_t mamba__uc_comp[941] = {
    912,909,913,0,1,2,3,53,55,238,4,572,5,165,208,210,570,415,57,417,
    419,421,59,61,63,65,6,425,67,427,431,433,429,7,8,9,598,69,71,73,
    10,596,77,212,214,594,240,75,439,441,445,198,79,447,81,83,187,85,87,449,
    453,236,451,455,457,11,12,13,89,91,93,97,14,610,167,216,218,612,95,459,
    98,463,189,465,100,467,102,106,469,104,475,473,477,479,481,200,108,15,483,112,
    485,110,489,487,16,17,18,19,114,116,246,20,616,118,169,220,222,161,614,191,
    499,501,120,503,124,224,226,505,122,509,126,128,511,132,513,232,130,521,136,523,
    234,134,527,525,21,22,23,138,140,142,24,640,144,146,171,228,230,163,638,529,
    148,533,531,539,541,543,545,150,549,547,551,553,555,652,25,152,658,250,557,154,
    656,654,155,559,157,159,561,563,26,27,28,29,54,56,239,30,573,31,166,209,
    211,571,416,58,418,420,422,60,62,64,66,32,426,68,428,432,434,430,33,34,
    35,599,70,72,74,36,597,78,213,215,595,241,76,440,442,446,199,80,448,82,
    84,188,86,88,450,454,237,452,456,458,565,37,38,39,90,92,94,40,611,168,
    217,219,613,96,460,99,197,464,190,466,101,468,103,107,470,105,476,474,478,480,
    482,201,109,41,484,113,486,111,490,488,42,43,44,45,115,117,247,46,617,119,
    170,221,223,162,615,192,500,502,121,504,125,225,227,506,123,510,127,129,512,133,
    514,233,131,522,566,137,524,235,135,528,526,47,48,49,139,141,143,50,641,145,
    147,172,229,231,164,639,530,149,534,532,540,542,544,546,151,550,548,567,552,554,
    556,653,51,153,659,251,558,52,657,568,655,156,560,158,160,562,564,875,258,835,
    576,574,580,578,181,202,204,185,423,602,600,606,604,461,620,618,624,622,491,244,
    493,242,206,179,175,173,177,577,575,581,579,182,203,205,186,424,603,601,607,605,
    462,621,619,625,623,492,245,494,243,207,180,176,174,178,586,584,590,588,587,585,
    591,589,435,437,436,438,495,497,496,498,515,516,517,518,535,536,537,538,569,630,
    628,634,632,636,631,629,635,633,637,644,642,648,646,650,645,643,649,647,651,195,
    193,194,183,184,443,444,248,249,196,831,259,830,829,668,669,833,841,261,682,683,
    843,262,696,697,845,857,263,856,855,268,712,713,883,264,726,727,874,872,265,871,
    870,269,740,885,266,752,753,887,826,838,760,270,823,822,660,661,827,825,762,271,
    676,677,764,272,688,689,839,837,766,273,850,849,275,704,705,853,768,277,720,721,
    866,867,770,278,863,862,276,732,733,868,772,279,744,745,881,879,851,267,854,864,
    274,869,880,280,281,285,302,304,284,282,306,283,300,310,312,287,314,289,316,286,
    318,324,288,326,328,330,332,322,303,305,293,291,307,292,301,311,313,296,315,290,
    317,295,319,325,297,327,329,331,333,323,294,298,299,308,309,320,321,334,335,337,
    336,338,340,341,339,342,343,344,353,354,365,364,366,369,370,372,371,373,374,377,
    375,376,378,379,381,380,382,383,385,384,403,404,405,406,407,408,409,410,411,412,
    413,414,471,472,507,508,519,520,582,592,583,593,608,609,626,627,662,664,666,774,
    663,665,667,775,776,777,778,779,780,781,670,672,674,782,671,673,675,783,784,785,
    786,787,788,789,678,680,679,681,684,686,685,687,690,692,694,790,691,693,695,791,
    792,793,794,795,796,797,698,700,702,798,699,701,703,799,800,801,802,803,804,805,
    706,708,710,707,709,711,714,716,718,715,717,719,722,724,723,725,728,730,729,731,
    734,736,738,735,737,739,741,742,743,746,748,750,806,747,749,751,807,808,809,810,
    811,812,813,754,756,758,814,755,757,759,815,816,817,818,819,820,821,824,836,878,
    828,846,847,848,840,882,859,860,861,894,895,896,897,899,898,900,901,902,903,904,
    905,906,907,908,911,910,914,915,916,917,918,919,920,921,930,931,922,923,924,925,
    932,933,926,927,928,929,934,935,936,937,966,941,942,943,944,945,946,947,948,949,
    950,951,952,953,954,955,956,957,958,959,960,961,962,963,964,965,967,993,968,969,
    970,971,972,973,974,975,976,977,978,979,980,981,982,983,984,985,986,987,988,989,
    990,991,992,994,995,996,997,998,1493,1494,1495,1496,1497,1498,1499,1501,1500,1502,1503,1504,
    1505,
};
/* runs of equal non-zero ccc: start << 8 | (length - 1) */
static const uint32_t mamba__uc_ccc_run[388] = {
    0x30014,0x31500,0x31603,0x31a00,0x31b00,0x31c04,0x32101,0x32303,
    0x32701,0x3290a,0x33404,0x33903,0x33d07,0x34500,0x34600,0x34702,
    0x34a02,0x34d01,0x35002,0x35303,0x35700,0x35800,0x35901,0x35b00,
    0x35c00,0x35d01,0x35f00,0x36001,0x36200,0x3630c,0x48304,0x59100,
    0x59203,0x59600,0x59702,0x59a00,0x59b00,0x59c05,0x5a205,0x5a801,
    0x5aa00,0x5ab01,0x5ad00,0x5ae00,0x5af00,0x5b000,0x5b100,0x5b200,
    0x5b300,0x5b400,0x5b500,0x5b600,0x5b700,0x5b800,0x5b901,0x5bb00,
    0x5bc00,0x5bd00,0x5bf00,0x5c100,0x5c200,0x5c400,0x5c500,0x5c700,
    0x61007,0x61800,0x61900,0x61a00,0x64b00,0x64c00,0x64d00,0x64e00,
    0x64f00,0x65000,0x65100,0x65200,0x65301,0x65501,0x65704,0x65c00,
    0x65d01,0x65f00,0x67000,0x6d606,0x6df03,0x6e300,0x6e400,0x6e701,
    0x6ea00,0x6eb01,0x6ed00,0x71100,0x73000,0x73100,0x73201,0x73400,
    0x73501,0x73702,0x73a00,0x73b01,0x73d00,0x73e00,0x73f02,0x74200,
    0x74300,0x74400,0x74500,0x74600,0x74700,0x74800,0x74901,0x7eb06,
    0x7f200,0x7f300,0x7fd00,0x81603,0x81b08,0x82502,0x82904,0x85902,
    0x89800,0x89902,0x89c03,0x8ca04,0x8cf04,0x8d40d,0x8e300,0x8e401,
    0x8e600,0x8e701,0x8e900,0x8ea02,0x8ed02,0x8f000,0x8f100,0x8f200,
    0x8f302,0x8f600,0x8f701,0x8f901,0x8fb04,0x93c00,0x94d00,0x95100,
    0x95200,0x95301,0x9bc00,0x9cd00,0x9fe00,0xa3c00,0xa4d00,0xabc00,
    0xacd00,0xb3c00,0xb4d00,0xbcd00,0xc3c00,0xc4d00,0xc5500,0xc5600,
    0xcbc00,0xccd00,0xd3b01,0xd4d00,0xdca00,0xe3801,0xe3a00,0xe4803,
    0xeb801,0xeba00,0xec803,0xf1801,0xf3500,0xf3700,0xf3900,0xf7100,
    0xf7200,0xf7400,0xf7a03,0xf8000,0xf8201,0xf8400,0xf8601,0xfc600,
    0x103700,0x103901,0x108d00,0x135d02,0x171401,0x173400,0x17d200,0x17dd00,
    0x18a900,0x193900,0x193a00,0x193b00,0x1a1700,0x1a1800,0x1a6000,0x1a7507,
    0x1a7f00,0x1ab004,0x1ab505,0x1abb01,0x1abd00,0x1abf01,0x1ac101,0x1ac301,
    0x1ac504,0x1aca00,0x1acb03,0x1b3400,0x1b4400,0x1b6b00,0x1b6c00,0x1b6d06,
    0x1baa01,0x1be600,0x1bf201,0x1c3700,0x1cd002,0x1cd400,0x1cd504,0x1cda01,
    0x1cdc03,0x1ce000,0x1ce206,0x1ced00,0x1cf400,0x1cf801,0x1dc001,0x1dc200,
    0x1dc306,0x1dca00,0x1dcb01,0x1dcd00,0x1dce00,0x1dcf00,0x1dd000,0x1dd124,
    0x1df600,0x1df701,0x1df900,0x1dfa00,0x1dfb00,0x1dfc00,0x1dfd00,0x1dfe00,
    0x1dff00,0x20d001,0x20d201,0x20d403,0x20d802,0x20db01,0x20e100,0x20e501,
    0x20e700,0x20e800,0x20e900,0x20ea01,0x20ec03,0x20f000,0x2cef02,0x2d7f00,
    0x2de01f,0x302a00,0x302b00,0x302c00,0x302d00,0x302e01,0x309901,0xa66f00,
    0xa67409,0xa69e01,0xa6f001,0xa80600,0xa82c00,0xa8c400,0xa8e011,0xa92b02,
    0xa95300,0xa9b300,0xa9c000,0xaab000,0xaab201,0xaab400,0xaab701,0xaabe01,
    0xaac100,0xaaf600,0xabed00,0xfb1e00,0xfe2006,0xfe2706,0xfe2e01,0x101fd00,
    0x102e000,0x1037604,0x10a0d00,0x10a0f00,0x10a3800,0x10a3900,0x10a3a00,0x10a3f00,
    0x10ae500,0x10ae600,0x10d2403,0x10eab01,0x10efd02,0x10f4601,0x10f4802,0x10f4b00,
    0x10f4c00,0x10f4d03,0x10f8200,0x10f8300,0x10f8400,0x10f8500,0x1104600,0x1107000,
    0x1107f00,0x110b900,0x110ba00,0x1110002,0x1113301,0x1117300,0x111c000,0x111ca00,
    0x1123500,0x1123600,0x112e900,0x112ea00,0x1133b01,0x1134d00,0x1136606,0x1137004,
    0x1144200,0x1144600,0x1145e00,0x114c200,0x114c300,0x115bf00,0x115c000,0x1163f00,
    0x116b600,0x116b700,0x1172b00,0x1183900,0x1183a00,0x1193d01,0x1194300,0x119e000,
    0x11a3400,0x11a4700,0x11a9900,0x11c3f00,0x11d4200,0x11d4401,0x11d9700,0x11f4101,
    0x16af004,0x16b3006,0x16ff001,0x1bc9e00,0x1d16501,0x1d16702,0x1d16d00,0x1d16e04,
    0x1d17b07,0x1d18504,0x1d18a01,0x1d1aa03,0x1d24202,0x1e00006,0x1e00810,0x1e01b06,
    0x1e02301,0x1e02604,0x1e08f00,0x1e13006,0x1e2ae00,0x1e2ec03,0x1e4ec01,0x1e4ee00,
    0x1e4ef00,0x1e8d006,0x1e94405,0x1e94a00,
};
/* their ccc */
static const uint8_t mamba__uc_ccc_val[388] = {
    230,232,220,232,216,220,202,220,202,220,1,220,230,240,230,220,230,220,230,220,230,232,220,230,
    233,234,233,234,233,230,230,220,230,220,230,222,220,230,220,230,220,230,222,228,230,10,11,12,
    13,14,15,16,17,18,19,20,21,22,23,24,25,230,220,18,230,30,31,32,27,28,29,30,
    31,32,33,34,230,220,230,220,230,220,35,230,230,220,230,230,220,230,220,36,230,220,230,220,
    230,220,230,220,230,220,230,220,230,220,230,220,230,220,230,230,220,230,220,230,230,230,230,220,
    230,220,230,230,220,230,220,230,220,230,220,230,220,27,28,29,230,220,230,220,230,7,9,230,
    220,230,7,9,230,7,9,7,9,7,9,9,7,9,84,91,7,9,9,9,9,103,9,107,
    118,9,122,220,220,220,216,129,130,132,130,130,230,9,230,220,7,9,220,230,9,9,9,230,
    228,222,230,220,230,220,9,230,220,230,220,230,220,220,230,220,230,220,230,7,9,230,220,230,
    9,7,9,7,230,1,220,230,220,230,1,220,230,230,230,220,230,220,230,234,214,220,202,230,
    232,228,220,218,230,233,220,230,220,230,1,230,1,230,230,1,230,220,230,1,220,230,230,9,
    230,218,228,232,222,224,8,230,230,230,230,9,9,9,230,220,9,7,9,230,230,220,230,230,
    230,9,9,26,230,220,230,220,220,230,220,230,230,1,220,9,230,220,230,230,220,220,230,220,
    230,220,230,220,230,220,9,9,9,9,7,230,9,7,9,7,9,7,7,9,7,9,230,230,
    9,7,230,9,7,9,7,9,9,7,9,9,7,9,7,9,9,9,9,9,7,9,9,9,
    1,230,6,1,216,1,226,216,220,230,220,230,230,230,230,230,230,230,230,230,230,230,232,220,
    230,220,230,7,
};
/* END GENERATED UNICODE TABLES */

/* Properties of a code point: MAMBA__UC_* flags. */
static unsigned mamba__uc_props(uint32_t cp) {
    unsigned blk, b;
    if (cp >= MAMBA__UC_LIMIT) return 0;
    blk = mamba__uc_mid[(unsigned)mamba__uc_top[cp >> 10] * 32u + (cp >> 5 & 31u)];
    b = mamba__uc_leaf[blk * 16u + (cp & 31u) / 2u];
    return mamba__uc_code[(cp & 1u) ? b >> 4 : b & 15u];
}

static unsigned mamba__uc_ccc(uint32_t cp) {
    size_t lo = 0, hi = MAMBA__UC_NCCC;
    if (cp < 0x300) return 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t s = mamba__uc_ccc_run[mid] >> 8;
        if (cp < s) hi = mid;
        else if (cp > s + (mamba__uc_ccc_run[mid] & 255u)) lo = mid + 1;
        else return mamba__uc_ccc_val[mid];
    }
    return 0;
}

/* Canonical decomposition of cp (one level): returns 0 if none. */
static int mamba__uc_decomp1(uint32_t cp, uint32_t *d1, uint32_t *d2) {
    size_t lo = 0, hi = MAMBA__UC_NDECOMP;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t v = mamba__uc_decomp[mid];
        uint32_t c = (uint32_t)(v >> 42) & 0x1FFFFFu;
        if (cp < c) hi = mid;
        else if (cp > c) lo = mid + 1;
        else { *d1 = (uint32_t)(v >> 21) & 0x1FFFFFu; *d2 = (uint32_t)v & 0x1FFFFFu; return 1; }
    }
    return 0;
}

/* Hangul syllables compose and decompose by arithmetic (Unicode ch. 3.12). */
#define MAMBA__HS 0xAC00u
#define MAMBA__HL 0x1100u
#define MAMBA__HV 0x1161u
#define MAMBA__HT 0x11A7u
#define MAMBA__HN 588u
#define MAMBA__HCOUNT 11172u

/* Primary composite of (a, b), or 0. */
static uint32_t mamba__uc_compose(uint32_t a, uint32_t b) {
    size_t lo = 0, hi = MAMBA__UC_NCOMP;
    uint64_t key = (uint64_t)a << 21 | b;
    if (a - MAMBA__HL < 19u && b - MAMBA__HV < 21u)
        return MAMBA__HS + ((a - MAMBA__HL) * 21u + (b - MAMBA__HV)) * 28u;
    if (a - MAMBA__HS < MAMBA__HCOUNT && (a - MAMBA__HS) % 28u == 0 && b - MAMBA__HT - 1u < 27u)
        return a + (b - MAMBA__HT);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint64_t v = mamba__uc_decomp[mamba__uc_comp[mid]];
        uint64_t k = v & 0x3FFFFFFFFFFull;
        if (key < k) hi = mid;
        else if (key > k) lo = mid + 1;
        else return (uint32_t)(v >> 42) & 0x1FFFFFu;
    }
    return 0;
}

/* ---- E.2 UTF-8 ---------------------------------------------------------------- */

/* Looks at the sequence starting s[0] (n >= 1 bytes available). Returns its
   length if it is complete and valid; otherwise -k, where k >= 1 is the length
   of the maximal invalid subpart that one U+FFFD replaces (Unicode ch. 3.9, as
   String::from_utf8_lossy); *trunc is set when the subpart was cut only by
   the end of the input (more bytes might complete it). */
static int mamba__utf8_check(const unsigned char *s, size_t n, int *trunc) {
    unsigned b = s[0], lo = 0x80, hi = 0xBF;
    int need, k;
    *trunc = 0;
    if (b < 0x80) return 1;
    if (b < 0xC2) return -1;
    if (b < 0xE0) need = 2;
    else if (b < 0xF0) { need = 3; if (b == 0xE0) lo = 0xA0; if (b == 0xED) hi = 0x9F; }
    else if (b < 0xF5) { need = 4; if (b == 0xF0) lo = 0x90; if (b == 0xF4) hi = 0x8F; }
    else return -1;
    if (n < 2) { *trunc = 1; return -1; }
    if (s[1] < lo || s[1] > hi) return -1;
    for (k = 2; k < need; k++) {
        if ((size_t)k >= n) { *trunc = 1; return -k; }
        if ((s[k] & 0xC0) != 0x80) return -k;
    }
    return need;
}

/* Index of the first byte >= 0x80 in s[i..n), or n; eight bytes at a time. */
static size_t mamba__ascii_run(const unsigned char *s, size_t i, size_t n) {
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
    }
    while (i < n && s[i] < 0x80) i++;
    return i;
}

/* Decodes the valid sequence at s (length from the lead byte). */
static uint32_t mamba__utf8_get(const unsigned char *s, int *len) {
    uint32_t c = s[0];
    if (c < 0x80) { *len = 1; return c; }
    if (c < 0xE0) { *len = 2; return (c & 0x1F) << 6 | (s[1] & 0x3Fu); }
    if (c < 0xF0) { *len = 3; return (c & 0x0F) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu); }
    *len = 4;
    return (c & 0x07) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
}

static int mamba__utf8_put(unsigned char *o, uint32_t c) {
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) { o[0] = (unsigned char)(0xC0 | c >> 6); o[1] = (unsigned char)(0x80 | (c & 63)); return 2; }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12); o[1] = (unsigned char)(0x80 | (c >> 6 & 63));
        o[2] = (unsigned char)(0x80 | (c & 63)); return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18); o[1] = (unsigned char)(0x80 | (c >> 12 & 63));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 63)); o[3] = (unsigned char)(0x80 | (c & 63));
    return 4;
}

/* GPT-2's byte <-> character map: the 188 printable bytes stand for themselves,
   the other 68 (0x00-0x20, 0x7F-0xA0, 0xAD) for U+0100.. in byte order. */
static uint32_t mamba__b2c(unsigned b) {
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) return b;
    if (b <= 0x20) return 0x100 + b;
    if (b <= 0xA0) return 0x100 + 33 + (b - 0x7F);
    return 0x100 + 67; /* 0xAD */
}
static int mamba__c2b(uint32_t c) {
    if (c < 0x100) return ((c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE) ? (int)c : -1;
    if (c < 0x100 + 33) return (int)(c - 0x100);
    if (c < 0x100 + 67) return (int)(c - 0x100 - 33 + 0x7F);
    return c == 0x100 + 67 ? 0xAD : -1;
}

/* ---- E.3 scratch ---------------------------------------------------------------- */

/* Grows the array whose pointer is at pp (elements of size es) to hold at least
   need, keeping its contents. The pointer is read and written with memcpy, so
   one helper serves every element type without aliasing trouble. */
static int mamba__tok_grow(mamba__heap *hp, void *pp, size_t *cap, size_t need, size_t es) {
    mamba__heap plain;
    size_t nc, bytes;
    void *old, *q;
    if (need <= *cap) return 1;
    if (!hp) { mamba__heap_plain(&plain); hp = &plain; }   /* a zeroed buffer struct: MAMBA_MALLOC */
    nc = *cap ? *cap : 64;
    while (nc < need) { if (nc > (size_t)-1 / 4) { nc = need; break; } nc *= 2; }
    if (!mamba__mul(nc, es, &bytes)) return 0;
    q = mamba__halloc(hp, bytes);
    if (!q) return 0;
    memcpy(&old, pp, sizeof old);
    if (old) { memcpy(q, old, *cap * es); mamba__hfree(hp, old); }
    memcpy(pp, &q, sizeof q);
    *cap = nc;
    return 1;
}
#define MAMBA__GROW(T, p, cap, need) mamba__tok_grow(hp, &(p), &(cap), (need), sizeof(T))   /* hp in scope */

/* Byte buffer with a length. */
typedef struct mamba__tbuf {
    unsigned char *p;
    size_t n, cap;
    mamba__heap *hp;
} mamba__tbuf;

static int mamba__tbuf_put(mamba__tbuf *b, const void *s, size_t n) {
    mamba__heap *hp = b->hp;
    size_t need;
    if (!mamba__add(b->n, n, &need) || !MAMBA__GROW(unsigned char, b->p, b->cap, need)) return 0;
    if (n) memcpy(b->p + b->n, s, n);
    b->n = need;
    return 1;
}

/* ---- E.4 NFC ---------------------------------------------------------------------
   Text without an "unstable" character (ccc != 0 or NFC_QC != Yes) is NFC
   already and is copied through. Around each unstable run, the span from the
   character before it up to the next stable character is decomposed, put in
   canonical order and recomposed (UAX #15); stable starters on both sides make
   the span independent of the rest. */
typedef struct mamba__nfc_scr {
    uint32_t *cp; size_t cp_cap;    /* ccc << 24 | code point */
    uint32_t *tmp; size_t tmp_cap;
    mamba__heap *hp;
} mamba__nfc_scr;

static int mamba__nfc_push(mamba__nfc_scr *w, size_t *m, uint32_t c) {
    mamba__heap *hp = w->hp;
    if (!MAMBA__GROW(uint32_t, w->cp, w->cp_cap, *m + 1)) return 0;
    w->cp[(*m)++] = (mamba__uc_ccc(c) << 24) | c;
    return 1;
}

static int mamba__nfc_decompose(mamba__nfc_scr *w, size_t *m, uint32_t c, int depth) {
    uint32_t d1, d2;
    if (c - MAMBA__HS < MAMBA__HCOUNT) {
        uint32_t s = c - MAMBA__HS, t = s % 28u;
        if (!mamba__nfc_push(w, m, MAMBA__HL + s / MAMBA__HN)) return 0;
        if (!mamba__nfc_push(w, m, MAMBA__HV + s % MAMBA__HN / 28u)) return 0;
        return t ? mamba__nfc_push(w, m, MAMBA__HT + t) : 1;
    }
    if (c < 0xC0 || depth > 8 || !mamba__uc_decomp1(c, &d1, &d2)) return mamba__nfc_push(w, m, c);
    if (!mamba__nfc_decompose(w, m, d1, depth + 1)) return 0;
    return d2 ? mamba__nfc_decompose(w, m, d2, depth + 1) : 1;
}

/* Stable sort of a run of non-starters by ccc (the top byte). */
static int mamba__nfc_sort(mamba__nfc_scr *w, uint32_t *a, size_t n) {
    mamba__heap *hp = w->hp;
    size_t i, j, cnt[256];
    if (n <= 32) {
        for (i = 1; i < n; i++) {
            uint32_t x = a[i];
            for (j = i; j > 0 && (a[j - 1] >> 24) > (x >> 24); j--) a[j] = a[j - 1];
            a[j] = x;
        }
        return 1;
    }
    if (!MAMBA__GROW(uint32_t, w->tmp, w->tmp_cap, n)) return 0;
    memset(cnt, 0, sizeof cnt);
    for (i = 0; i < n; i++) cnt[a[i] >> 24]++;
    for (i = 0, j = 0; i < 256; i++) { size_t c = cnt[i]; cnt[i] = j; j += c; }
    for (i = 0; i < n; i++) w->tmp[cnt[a[i] >> 24]++] = a[i];
    memcpy(a, w->tmp, n * sizeof *a);
    return 1;
}

/* Appends NFC(s[0..n)) (valid UTF-8) to out. */
static int mamba__nfc_span(mamba__nfc_scr *w, const unsigned char *s, size_t n, mamba__tbuf *out) {
    size_t i = 0, m = 0, k, r, wr;
    long si = -1;
    unsigned last = 0;
    while (i < n) {
        int l;
        uint32_t c = mamba__utf8_get(s + i, &l);
        if (!mamba__nfc_decompose(w, &m, c, 0)) return 0;
        i += (size_t)l;
    }
    for (k = 0; k < m;) {                     /* canonical ordering */
        if (!(w->cp[k] >> 24)) { k++; continue; }
        for (r = k; r < m && (w->cp[r] >> 24); r++) {}
        if (r - k > 1 && !mamba__nfc_sort(w, w->cp + k, r - k)) return 0;
        k = r;
    }
    for (k = 0, wr = 0; k < m; k++) {         /* canonical composition */
        uint32_t c = w->cp[k] & 0xFFFFFFu;
        unsigned cc = w->cp[k] >> 24;
        if (si >= 0 && ((size_t)si + 1 == wr || (last && last < cc))) {
            uint32_t p = mamba__uc_compose(w->cp[si] & 0xFFFFFFu, c);
            if (p) { w->cp[si] = p; continue; }  /* composites are starters */
        }
        if (!cc) { si = (long)wr; last = 0; } else last = cc;
        w->cp[wr++] = w->cp[k];
    }
    for (k = 0; k < wr; k++) {
        unsigned char u[4];
        if (!mamba__tbuf_put(out, u, (size_t)mamba__utf8_put(u, w->cp[k] & 0xFFFFFFu))) return 0;
    }
    return 1;
}

/* NFC of valid UTF-8 s[0..n). Returns s itself when it is NFC already,
   else out->p (out is cleared first); NULL when out of memory. */
static const unsigned char *mamba__nfc(mamba__nfc_scr *w, const unsigned char *s, size_t n, mamba__tbuf *out,
                                       size_t *out_n) {
    size_t i = 0, done = 0;
    int any = 0;
    out->n = 0;
    while (i < n) {
        int l;
        uint32_t c;
        size_t a, b;
        if (s[i] < 0x80) { i = mamba__ascii_run(s, i, n); continue; }
        if (s[i] < 0xCC) { i += 2; continue; }  /* below U+0300: stable */
        c = mamba__utf8_get(s + i, &l);
        if (!(mamba__uc_props(c) & MAMBA__UC_U)) { i += (size_t)l; continue; }
        a = i;
        if (a > done) { a--; while (a > done && (s[a] & 0xC0) == 0x80) a--; }
        b = i + (size_t)l;
        while (b < n && s[b] >= 0xCC) {
            c = mamba__utf8_get(s + b, &l);
            if (!(mamba__uc_props(c) & MAMBA__UC_U)) break;
            b += (size_t)l;
        }
        if (!mamba__tbuf_put(out, s + done, a - done) || !mamba__nfc_span(w, s + a, b - a, out)) return NULL;
        done = i = b;
        any = 1;
    }
    if (!any) { *out_n = n; return s; }
    if (!mamba__tbuf_put(out, s + done, n - done)) return NULL;
    *out_n = out->n;
    return out->p;
}

/* ---- E.5 tables ------------------------------------------------------------------ */

#define MAMBA__TOK_MAX_VOCAB (1 << 24)
#define MAMBA__TOK_MAX_STEPS 8
#define MAMBA__TOK_MAX_AFFIX 8

/* per-id attributes */
#define MAMBA__TA_EXISTS  1   /* the id names a token */
#define MAMBA__TA_BPE     2   /* model token made of byte-level characters */
#define MAMBA__TA_ADDED   4
#define MAMBA__TA_SPECIAL 8
#define MAMBA__TA_UNUSED  16  /* GGUF token_type 5 (padding entries) */

/* added-token flags */
#define MAMBA__AT_SPECIAL     1
#define MAMBA__AT_NORMALIZED  2
#define MAMBA__AT_LSTRIP      4
#define MAMBA__AT_RSTRIP      8
#define MAMBA__AT_SINGLE_WORD 16

/* pre-tokenizer steps, split patterns, split behaviours (HF SplitDelimiterBehavior) */
enum { MAMBA__PT_BYTELEVEL = 1, MAMBA__PT_PUNCT, MAMBA__PT_DIGITS, MAMBA__PT_SPLIT };
enum { MAMBA__PAT_GPT2 = 1, MAMBA__PAT_DIGIT3, MAMBA__PAT_LITERAL };
enum { MAMBA__BEH_REMOVED = 1, MAMBA__BEH_ISOLATED, MAMBA__BEH_PREV, MAMBA__BEH_NEXT, MAMBA__BEH_CONTIGUOUS };
enum { MAMBA__NORM_NONE = 0, MAMBA__NORM_NFC };

/* "is_ascii_punctuation() || \p{P}", the Punctuation pre-tokenizer's test, kept
   in byte_props beside the MAMBA__UC_* flags */
#define MAMBA__BP_PUNCT 0x80

typedef struct mamba__str { const char *p; size_t n; } mamba__str;

typedef struct mamba__tok_step {
    int kind;
    int behavior;           /* MAMBA__BEH_* */
    int invert;             /* Split */
    int pattern;            /* Split: MAMBA__PAT_* */
    mamba__str literal;     /* Split with a literal; owned by the tokenizer */
    int add_prefix_space;   /* ByteLevel */
    int use_regex;          /* ByteLevel */
} mamba__tok_step;

typedef struct mamba__tok_added {
    mamba__str content;
    int id;
    int flags;              /* MAMBA__AT_* */
} mamba__tok_added;

/* Everything the tables are built from, whatever the file format: the
   tokenizer.json reader (F.3) and the GGUF metadata reader (F.4) both fill
   it. Strings are views, valid during mamba__tok_build only. */
typedef struct mamba__tok_desc {
    size_t n_vocab;                 /* model vocabulary */
    const mamba__str *vocab;        /* token strings in byte-level form */
    const int *vocab_id;            /* their ids; NULL: id = index */
    size_t n_merges;
    const mamba__str *merges;       /* 2 * n_merges: left, right; rank = index */
    size_t n_added;
    const mamba__tok_added *added;
    int normalizer;                 /* MAMBA__NORM_* */
    int n_steps;
    mamba__tok_step steps[MAMBA__TOK_MAX_STEPS];
    int unk_id;                     /* -1: unknown bytes are dropped */
    int fuse_unk, byte_fallback, ignore_merges;
    int n_prefix, n_suffix;         /* post-processor: ids around the text */
    int prefix[MAMBA__TOK_MAX_AFFIX], suffix[MAMBA__TOK_MAX_AFFIX];
    int bos_id, eos_id;             /* -1 unknown, -2: guess from the added tokens */
    const mamba__str *dec, *dec_added; /* SentencePiece: what each vocab / added entry decodes to (NULL: byte-level) */
} mamba__tok_desc;

/* Added tokens are found with a byte trie (first-child / next-sibling). */
typedef struct mamba__trie {
    uint32_t root[256];             /* node of each first byte, 0 none */
    int n_first;                    /* distinct first bytes of the contents */
    uint8_t first[3];               /* them, when there are at most 3 */
    uint32_t *child, *sib;          /* node -> node, 0 none; node 0 unused */
    int32_t *tok;                   /* node -> index into tok->added, -1 */
    uint8_t *byte;
    size_t n, cap;
} mamba__trie;

typedef struct mamba__merge { int32_t a, b; uint32_t rank; int32_t id; } mamba__merge;

struct mamba_tokenizer {
    int n_vocab;
    uint32_t *tok_off;              /* (n_vocab + 1) offsets into tok_bytes */
    unsigned char *tok_bytes;       /* each id's decoded bytes */
    uint8_t *tok_attr;              /* (n_vocab) MAMBA__TA_* */
    uint32_t *vhash;                /* decoded bytes -> id + 1; open addressing */
    uint32_t vhash_mask;
    mamba__merge *merge;            /* (left, right) -> rank, result; a = -1 empty */
    uint32_t merge_mask, merge_shift;
    int32_t byte_id[256];           /* BPE symbol of each byte, -1 missing */
    int32_t byte_fb[256][2];        /* byte_fallback ids <0xXX> of its character */
    uint8_t byte_props[256];        /* MAMBA__UC_* | MAMBA__BP_PUNCT of its character */
    mamba__tok_added *added;        /* contents point into added_text */
    char *added_text;
    size_t n_added;
    mamba__trie trie[2];            /* [0] normalized: false, [1] normalized: true */
    int normalizer;
    int n_steps;
    mamba__tok_step steps[MAMBA__TOK_MAX_STEPS];
    int unk_id, fuse_unk, byte_fallback, ignore_merges;
    int n_prefix, n_suffix;
    int prefix[MAMBA__TOK_MAX_AFFIX], suffix[MAMBA__TOK_MAX_AFFIX];
    int bos_id, eos_id;
    size_t table_bytes;
    mamba__heap heap;               /* where the tables came from */
    /* kept only to write the tokenizer back out as GGUF metadata */
    char gguf_pre[24];              /* tokenizer.ggml.pre */
    int meta_unk, meta_pad;         /* unknown/padding_token_id, -1 none */
    struct mamba__spm *spm;         /* SentencePiece tables (one block), NULL for byte-level BPE */
};

static uint32_t mamba__tok_hash(const unsigned char *s, size_t n) {
    uint32_t h = mamba__fnv1a(MAMBA__FNV_INIT, s, n);
    return h ^ h >> 15;
}

/* Hash of a short piece (the word cache), eight bytes at a time. */
static uint32_t mamba__hash_short(const unsigned char *s, size_t n) {
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull, w;
    size_t k;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 29;
    }
    for (w = 0, k = 0; k < n; k++) w |= (uint64_t)s[k] << (8 * k);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    return (uint32_t)(h ^ h >> 32);
}

static uint32_t mamba__pair_slot(const mamba_tokenizer *t, int32_t a, int32_t b) {
    uint64_t k = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(k >> t->merge_shift) & t->merge_mask;
}

/* Merge of the pair (a, b): its rank and result; 0 if there is none. */
static int mamba__merge_get(const mamba_tokenizer *t, int32_t a, int32_t b, uint32_t *rank, int32_t *id) {
    uint32_t h = mamba__pair_slot(t, a, b);
    for (;;) {
        const mamba__merge *m = &t->merge[h];
        if (m->a == a && m->b == b) { *rank = m->rank; *id = m->id; return 1; }
        if (m->a < 0) return 0;
        h = (h + 1) & t->merge_mask;
    }
}

static void mamba__trie_free(mamba__heap *hp, mamba__trie *tr) {
    if (tr->child) mamba__hfree(hp, tr->child);
    if (tr->sib) mamba__hfree(hp, tr->sib);
    if (tr->tok) mamba__hfree(hp, tr->tok);
    if (tr->byte) mamba__hfree(hp, tr->byte);
    memset(tr, 0, sizeof *tr);
}

/* Inserts s[0..n) (n >= 1) for added token `which`; a duplicate overwrites. */
static int mamba__trie_add(mamba__heap *hp, mamba__trie *tr, const unsigned char *s, size_t n, int which) {
    uint32_t node = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        uint32_t *link = node ? &tr->child[node] : &tr->root[s[i]];
        uint32_t x = *link;
        if (node) while (x && tr->byte[x] != s[i]) { link = &tr->sib[x]; x = *link; }
        if (!x) {
            size_t c0 = tr->cap, c1 = tr->cap, c2 = tr->cap, c3 = tr->cap;
            x = (uint32_t)(tr->n ? tr->n : 1);
            if (x >= 0x7FFFFFFFu) return 0;
            if (!MAMBA__GROW(uint32_t, tr->child, c0, (size_t)x + 1) ||
                !MAMBA__GROW(uint32_t, tr->sib, c1, (size_t)x + 1) ||
                !MAMBA__GROW(int32_t, tr->tok, c2, (size_t)x + 1) ||
                !MAMBA__GROW(uint8_t, tr->byte, c3, (size_t)x + 1)) return 0;
            if (c0 != c1 || c0 != c2 || c0 != c3) return 0;
            tr->cap = c0;
            tr->n = (size_t)x + 1;
            tr->child[x] = tr->sib[x] = 0;
            tr->tok[x] = -1;
            tr->byte[x] = s[i];
            /* `link` may point into a grown array: find it again */
            link = node ? &tr->child[node] : &tr->root[s[i]];
            while (*link) link = &tr->sib[*link];
            *link = x;
        }
        node = x;
    }
    tr->tok[node] = which;
    return 1;
}

MAMBA_API void mamba_tokenizer_free(mamba_tokenizer *t) {
    mamba__heap h, *hp = &h;
    int i;
    if (!t) return;
    h = t->heap;
    if (t->tok_off) mamba__hfree(hp, t->tok_off);
    if (t->tok_bytes) mamba__hfree(hp, t->tok_bytes);
    if (t->tok_attr) mamba__hfree(hp, t->tok_attr);
    if (t->vhash) mamba__hfree(hp, t->vhash);
    if (t->merge) mamba__hfree(hp, t->merge);
    if (t->added) mamba__hfree(hp, t->added);
    if (t->added_text) mamba__hfree(hp, t->added_text);
    mamba__trie_free(hp, &t->trie[0]);
    mamba__trie_free(hp, &t->trie[1]);
    if (t->spm) mamba__hfree(hp, t->spm);
    for (i = 0; i < t->n_steps; i++)
        if (t->steps[i].literal.p) mamba__hfree(hp, MAMBA__CAST(void *, (char *)(size_t)t->steps[i].literal.p));
    mamba__hfree(hp, t);
}

/* A string -> index hash used while building (id lookups of merge tokens). */
typedef struct mamba__shash { uint32_t *slot; uint32_t mask; } mamba__shash;

static int mamba__shash_find(const mamba__shash *h, const mamba__str *keys, const char *s, size_t n) {
    uint32_t i = mamba__tok_hash((const unsigned char *)s, n) & h->mask;
    for (;;) {
        uint32_t v = h->slot[i];
        if (!v) return -1;
        if (keys[v - 1].n == n && !memcmp(keys[v - 1].p, s, n)) return (int)(v - 1);
        i = (i + 1) & h->mask;
    }
}

/* Decoded bytes of a token string, as HF's ByteLevel decoder maps one token:
   byte-level characters to their bytes if all of them are, else the string's
   own UTF-8. Writes into out (n bytes at most); returns the length and sets
   *bpe when the string was all byte-level characters. */
static size_t mamba__tok_decode_str(const mamba__str *s, unsigned char *out, int *bpe) {
    size_t i = 0, o = 0;
    const unsigned char *p = (const unsigned char *)s->p;
    while (i < s->n) {
        int l, tr, b;
        if (mamba__utf8_check(p + i, s->n - i, &tr) < 0) break;
        b = mamba__c2b(mamba__utf8_get(p + i, &l));
        if (b < 0) break;
        out[o++] = (unsigned char)b;
        i += (size_t)l;
    }
    *bpe = i == s->n && s->n > 0;
    if (*bpe) return o;
    if (s->n) memcpy(out, p, s->n);
    return s->n;
}

static int mamba__tok_is_ascii_punct(uint32_t c) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

/* Builds the tables from d. */
static mamba_status mamba__tok_build(mamba__heap *hp, mamba_tokenizer **out, const mamba__tok_desc *d, mamba_error *e) {
    mamba_tokenizer *t = NULL;
    mamba_status st = MAMBA_OK;
    int32_t *vidx = NULL;             /* id -> vocab entry, -1 */
    int32_t *aidx = NULL;             /* id -> added entry, -1 */
    mamba__shash sh;
    mamba__nfc_scr nfc;
    mamba__tbuf tb, nb;
    size_t i, n_ids = 0, nbytes = 0, cap, mem = sizeof(mamba_tokenizer);
    char *cat = NULL;
    size_t cat_cap = 0;
    memset(&sh, 0, sizeof sh);
    memset(&nfc, 0, sizeof nfc);
    memset(&tb, 0, sizeof tb);
    memset(&nb, 0, sizeof nb);
    nfc.hp = tb.hp = nb.hp = hp;
    *out = NULL;

#define MAMBA__NOMEM() MAMBA__TRY(mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0))
    /* ids */
    for (i = 0; i < d->n_vocab; i++) {
        long long id = d->vocab_id ? d->vocab_id[i] : (long long)i;
        if (id < 0 || id >= MAMBA__TOK_MAX_VOCAB)
            MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: token id %d out of range", 0, 0, id, 0));
        if ((size_t)id + 1 > n_ids) n_ids = (size_t)id + 1;
    }
    for (i = 0; i < d->n_added; i++) {
        long long id = d->added[i].id;
        if (id < 0 || id >= MAMBA__TOK_MAX_VOCAB)
            MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: added token id %d out of range", 0, 0, id, 0));
        if (!d->added[i].content.n)
            MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: added token %d is empty", 0, 0, id, 0));
        if ((size_t)id + 1 > n_ids) n_ids = (size_t)id + 1;
    }
    if (!n_ids) MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: empty vocabulary", 0, 0, 0, 0));
    /* tables are per id: refuse an id space mostly made of holes */
    if (n_ids > 4 * (d->n_vocab + d->n_added) + 1024)
        MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: ids up to %d for only %d tokens", 0, 0, (long long)n_ids - 1,
                               (long long)(d->n_vocab + d->n_added)));
    t = MAMBA__CAST(mamba_tokenizer *, mamba__hcalloc(hp, sizeof *t));
    vidx = MAMBA__CAST(int32_t *, mamba__halloc(hp, n_ids * sizeof *vidx));
    aidx = MAMBA__CAST(int32_t *, mamba__halloc(hp, n_ids * sizeof *aidx));
    if (t) t->heap = *hp;   /* for mamba_tokenizer_free on failure; the loader sets the final one */
    if (!t || !vidx || !aidx) MAMBA__NOMEM();
    t->n_vocab = (int)n_ids;
    memset(vidx, 0xFF, n_ids * sizeof *vidx);
    memset(aidx, 0xFF, n_ids * sizeof *aidx);
    for (i = 0; i < d->n_vocab; i++) {
        size_t id = d->vocab_id ? (size_t)d->vocab_id[i] : i;
        if (vidx[id] >= 0)
            MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: id %d is given to two tokens", 0, 0, (long long)id, 0));
        vidx[id] = (int32_t)i;
        if (!mamba__add(nbytes, d->dec ? d->dec[i].n : d->vocab[i].n, &nbytes)) MAMBA__NOMEM();
    }
    for (i = 0; i < d->n_added; i++) {
        aidx[d->added[i].id] = (int32_t)i;   /* the last one with an id wins */
        if (!mamba__add(nbytes, d->dec_added ? d->dec_added[i].n : d->added[i].content.n, &nbytes)) MAMBA__NOMEM();
    }

    /* string -> vocab entry, for the merges */
    for (cap = 16; cap < 2 * d->n_vocab + 2; cap *= 2) {}
    sh.mask = (uint32_t)(cap - 1);
    sh.slot = MAMBA__CAST(uint32_t *, mamba__hcalloc(hp, cap * sizeof(uint32_t)));
    if (!sh.slot) MAMBA__NOMEM();
    for (i = 0; i < d->n_vocab; i++) {
        const mamba__str *s = &d->vocab[i];
        uint32_t h = mamba__tok_hash((const unsigned char *)s->p, s->n) & sh.mask;
        while (sh.slot[h]) {
            const mamba__str *o = &d->vocab[sh.slot[h] - 1];
            if (o->n == s->n && !memcmp(o->p, s->p, s->n)) {
                char shown[64];   /* the token is a view, not NUL-terminated */
                size_t k = s->n < sizeof shown - 1 ? s->n : sizeof shown - 1;
                memcpy(shown, s->p, k);
                shown[k] = 0;
                MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: token '%s' appears twice in the vocabulary", shown, 0, 0, 0));
            }
            h = (h + 1) & sh.mask;
        }
        sh.slot[h] = (uint32_t)i + 1;
    }

    /* each id's bytes; byte symbols */
    t->tok_off = MAMBA__CAST(uint32_t *, mamba__halloc(hp, (n_ids + 1) * sizeof(uint32_t)));
    t->tok_bytes = MAMBA__CAST(unsigned char *, mamba__halloc(hp, nbytes + 1));
    t->tok_attr = MAMBA__CAST(uint8_t *, mamba__hcalloc(hp, n_ids));
    if (!t->tok_off || !t->tok_bytes || !t->tok_attr) MAMBA__NOMEM();
    if (nbytes > 0xFFFFFFFFu) MAMBA__TRY(mamba__err(e, MAMBA_ERR_LIMIT, "tokenizer: vocabulary too large", 0, 0, 0, 0));
    mem += (n_ids + 1) * sizeof(uint32_t) + nbytes + 1 + n_ids;
    for (i = 0, nbytes = 0; i < n_ids; i++) {
        int bpe = 0;
        t->tok_off[i] = (uint32_t)nbytes;
        if (vidx[i] >= 0) {
            size_t m = d->dec ? d->dec[vidx[i]].n : mamba__tok_decode_str(&d->vocab[vidx[i]], t->tok_bytes + nbytes, &bpe);
            if (d->dec && m) memcpy(t->tok_bytes + nbytes, d->dec[vidx[i]].p, m);
            t->tok_attr[i] = (uint8_t)(MAMBA__TA_EXISTS | (bpe ? MAMBA__TA_BPE : 0));
            if (aidx[i] < 0) nbytes += m;
        }
        if (aidx[i] >= 0) {
            int dummy;
            if (d->dec_added) {
                if (d->dec_added[aidx[i]].n) memcpy(t->tok_bytes + nbytes, d->dec_added[aidx[i]].p, d->dec_added[aidx[i]].n);
                nbytes += d->dec_added[aidx[i]].n;
            } else nbytes += mamba__tok_decode_str(&d->added[aidx[i]].content, t->tok_bytes + nbytes, &dummy);
            t->tok_attr[i] |= MAMBA__TA_EXISTS | MAMBA__TA_ADDED |
                              ((d->added[aidx[i]].flags & MAMBA__AT_SPECIAL) ? MAMBA__TA_SPECIAL : 0);
        }
    }
    t->tok_off[n_ids] = (uint32_t)nbytes;
    for (i = 0; i < 256; i++) {
        unsigned char u[4];
        int l = mamba__utf8_put(u, mamba__b2c((unsigned)i)), k;
        uint32_t c = mamba__b2c((unsigned)i);
        t->byte_id[i] = mamba__shash_find(&sh, d->vocab, (const char *)u, (size_t)l);
        if (t->byte_id[i] >= 0) t->byte_id[i] = d->vocab_id ? d->vocab_id[t->byte_id[i]] : t->byte_id[i];
        t->byte_props[i] = (uint8_t)(mamba__uc_props(c) |
                                     ((c < 0x80 ? mamba__tok_is_ascii_punct(c) : (mamba__uc_props(c) & MAMBA__UC_P) != 0)
                                          ? MAMBA__BP_PUNCT : 0));
        t->byte_fb[i][0] = t->byte_fb[i][1] = -1;
        if (d->byte_fallback) {   /* "<0xXX>" for each UTF-8 byte of the byte's character */
            for (k = 0; k < l; k++) {
                char name[7];
                int f;
                static const char hx[] = "0123456789ABCDEF";
                name[0] = '<'; name[1] = '0'; name[2] = 'x'; name[3] = hx[u[k] >> 4]; name[4] = hx[u[k] & 15]; name[5] = '>';
                f = mamba__shash_find(&sh, d->vocab, name, 6);
                if (f < 0) { t->byte_fb[i][0] = t->byte_fb[i][1] = -1; break; }
                t->byte_fb[i][k] = d->vocab_id ? d->vocab_id[f] : f;
            }
            if (l == 1) t->byte_fb[i][1] = -2;
        }
    }

    /* merges: (left id, right id) -> (rank, id of left+right); a later duplicate
       pair replaces an earlier one, as HF's HashMap collect does */
    for (cap = 16; cap < 2 * d->n_merges + 2; cap *= 2) {}
    t->merge_mask = (uint32_t)(cap - 1);
    for (t->merge_shift = 64; (1ull << (64 - t->merge_shift)) < cap; t->merge_shift--) {}
    t->merge = MAMBA__CAST(mamba__merge *, mamba__halloc(hp, cap * sizeof(mamba__merge)));
    if (!t->merge) MAMBA__NOMEM();
    mem += cap * sizeof(mamba__merge);
    for (i = 0; i < cap; i++) { t->merge[i].a = t->merge[i].b = -1; t->merge[i].rank = 0; t->merge[i].id = -1; }
    for (i = 0; i < d->n_merges; i++) {
        const mamba__str *l = &d->merges[2 * i], *r = &d->merges[2 * i + 1];
        int a = mamba__shash_find(&sh, d->vocab, l->p, l->n), b = mamba__shash_find(&sh, d->vocab, r->p, r->n), c;
        size_t need = 0;
        uint32_t h;
        if (!mamba__add(l->n, r->n, &need) || !MAMBA__GROW(char, cat, cat_cap, need + 1)) MAMBA__NOMEM();
        if (l->n) memcpy(cat, l->p, l->n);
        if (r->n) memcpy(cat + l->n, r->p, r->n);
        c = mamba__shash_find(&sh, d->vocab, cat, need);
        if (a < 0 || b < 0 || c < 0) {
            const mamba__str *bad = a < 0 ? l : b < 0 ? r : NULL;
            cat[need < 60 ? need : 60] = 0;
            if (bad && bad->n < 60) { memcpy(cat, bad->p, bad->n); cat[bad->n] = 0; }
            MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: merge %d uses '%s', which is not in the vocabulary",
                                   cat, 0, (long long)i, 0));
        }
        if (d->vocab_id) { a = d->vocab_id[a]; b = d->vocab_id[b]; c = d->vocab_id[c]; }
        h = mamba__pair_slot(t, a, b);
        while (t->merge[h].a >= 0 && !(t->merge[h].a == a && t->merge[h].b == b)) h = (h + 1) & t->merge_mask;
        t->merge[h].a = a; t->merge[h].b = b; t->merge[h].rank = (uint32_t)i; t->merge[h].id = c;
    }

    /* decoded bytes -> id, added tokens first */
    for (cap = 16; cap < 2 * n_ids + 2; cap *= 2) {}
    t->vhash_mask = (uint32_t)(cap - 1);
    t->vhash = MAMBA__CAST(uint32_t *, mamba__hcalloc(hp, cap * sizeof(uint32_t)));
    if (!t->vhash) MAMBA__NOMEM();
    mem += cap * sizeof(uint32_t);
    {
        int pass;
        for (pass = 0; pass < 2; pass++) {
            for (i = 0; i < n_ids; i++) {
                const unsigned char *p = t->tok_bytes + t->tok_off[i];
                size_t n = t->tok_off[i + 1] - t->tok_off[i];
                uint32_t h;
                if (!(t->tok_attr[i] & MAMBA__TA_EXISTS) || (!(t->tok_attr[i] & MAMBA__TA_ADDED)) != pass) continue;
                h = mamba__tok_hash(p, n) & t->vhash_mask;
                for (;;) {
                    uint32_t v = t->vhash[h];
                    if (!v) { t->vhash[h] = (uint32_t)i + 1; break; }
                    if (t->tok_off[v] - t->tok_off[v - 1] == n && !memcmp(t->tok_bytes + t->tok_off[v - 1], p, n)) break;
                    h = (h + 1) & t->vhash_mask;
                }
            }
        }
    }

    /* pipeline */
    t->normalizer = d->normalizer;
    t->n_steps = d->n_steps;
    t->unk_id = d->unk_id;
    t->fuse_unk = d->fuse_unk;
    t->byte_fallback = d->byte_fallback;
    t->ignore_merges = d->ignore_merges;
    if (t->unk_id >= (int)n_ids || (t->unk_id >= 0 && !(t->tok_attr[t->unk_id] & MAMBA__TA_EXISTS)))
        MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: unk_token id %d names no token", 0, 0, t->unk_id, 0));
    for (i = 0; i < (size_t)d->n_steps; i++) {
        t->steps[i] = d->steps[i];
        t->steps[i].literal.p = NULL;
        if (d->steps[i].pattern == MAMBA__PAT_LITERAL) {
            char *p = MAMBA__CAST(char *, mamba__halloc(hp, d->steps[i].literal.n + 1));
            if (!p) MAMBA__NOMEM();
            memcpy(p, d->steps[i].literal.p, d->steps[i].literal.n);
            t->steps[i].literal.p = p;
            mem += d->steps[i].literal.n + 1;
        }
    }
    t->n_prefix = d->n_prefix;
    t->n_suffix = d->n_suffix;
    for (i = 0; i < (size_t)d->n_prefix + (size_t)d->n_suffix; i++) {
        int id = i < (size_t)d->n_prefix ? d->prefix[i] : d->suffix[i - (size_t)d->n_prefix];
        if (id < 0 || id >= (int)n_ids || !(t->tok_attr[id] & MAMBA__TA_EXISTS))
            MAMBA__TRY(mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: post-processor id %d names no token", 0, 0, id, 0));
        if (i < (size_t)d->n_prefix) t->prefix[i] = id; else t->suffix[i - (size_t)d->n_prefix] = id;
    }

    /* added tokens: contents (normalized ones through the normalizer) into tries */
    if (d->n_added) {
        size_t o = 0;
        t->added = MAMBA__CAST(mamba__tok_added *, mamba__halloc(hp, d->n_added * sizeof(mamba__tok_added)));
        if (!t->added) MAMBA__NOMEM();
        t->n_added = d->n_added;
        for (i = 0; i < d->n_added; i++) {
            const mamba__tok_added *a = &d->added[i];
            const unsigned char *s = (const unsigned char *)a->content.p;
            size_t n = a->content.n, k;
            int which = (a->flags & MAMBA__AT_NORMALIZED) ? 1 : 0, valid = 1;
            t->added[i] = *a;
            for (k = 0; k < n;) {
                int tr, l = mamba__utf8_check(s + k, n - k, &tr);
                if (l < 0) { valid = 0; break; }
                k += (size_t)l;
            }
            if (which && valid && t->normalizer == MAMBA__NORM_NFC) {
                s = mamba__nfc(&nfc, s, n, &nb, &n);
                if (!s) MAMBA__NOMEM();
            }
            if (!mamba__tbuf_put(&tb, s, n)) MAMBA__NOMEM();
            t->added[i].content.n = n;
            if (!mamba__trie_add(hp, &t->trie[which], s, n, (int)i)) MAMBA__NOMEM();
        }
        t->added_text = MAMBA__CAST(char *, mamba__halloc(hp, tb.n + 1));
        if (!t->added_text) MAMBA__NOMEM();
        memcpy(t->added_text, tb.p, tb.n);
        for (i = 0; i < d->n_added; i++) { t->added[i].content.p = t->added_text + o; o += t->added[i].content.n; }
        mem += d->n_added * sizeof(mamba__tok_added) + tb.n + 1;
        for (i = 0; i < 2; i++)
            mem += t->trie[i].cap * (2 * sizeof(uint32_t) + sizeof(int32_t) + 1);
    }

    for (i = 0; i < 2; i++) {   /* few possible first bytes: the scan can skip 8 bytes at a time */
        int b;
        for (b = 0; b < 256; b++)
            if (t->trie[i].root[b]) {
                if (t->trie[i].n_first < 3) t->trie[i].first[t->trie[i].n_first] = (uint8_t)b;
                t->trie[i].n_first++;
            }
        for (b = t->trie[i].n_first; b > 0 && b < 3; b++) t->trie[i].first[b] = t->trie[i].first[0];
    }

    /* bos / eos */
    t->bos_id = d->bos_id;
    t->eos_id = d->eos_id;
    if (d->bos_id == -2 || d->eos_id == -2) {
        static const char *const bos[] = {"<|endoftext|>", "<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>"};
        static const char *const eos[] = {"<|endoftext|>", "</s>", "<|end_of_text|>", "<eos>", "<|im_end|>"};
        int k;
        if (d->bos_id == -2) t->bos_id = -1;
        if (d->eos_id == -2) t->eos_id = -1;
        for (k = 4; k >= 0; k--) {
            for (i = 0; i < t->n_added; i++) {
                const mamba__tok_added *a = &t->added[i];
                if (!(a->flags & MAMBA__AT_SPECIAL)) continue;
                if (d->bos_id == -2 && a->content.n == strlen(bos[k]) && !memcmp(a->content.p, bos[k], a->content.n)) t->bos_id = a->id;
                if (d->eos_id == -2 && a->content.n == strlen(eos[k]) && !memcmp(a->content.p, eos[k], a->content.n)) t->eos_id = a->id;
            }
        }
    }
    t->table_bytes = mem;
    *out = t;
    t = NULL;
done:
#undef MAMBA__NOMEM
    if (t) mamba_tokenizer_free(t);
    if (vidx) mamba__hfree(hp, vidx);
    if (aidx) mamba__hfree(hp, aidx);
    if (sh.slot) mamba__hfree(hp, sh.slot);
    if (cat) mamba__hfree(hp, cat);
    if (nfc.cp) mamba__hfree(hp, nfc.cp);
    if (nfc.tmp) mamba__hfree(hp, nfc.tmp);
    if (tb.p) mamba__hfree(hp, tb.p);
    if (nb.p) mamba__hfree(hp, nb.p);
    return st;
}

/* ---- E.6 encoding ------------------------------------------------------------------ */

typedef struct mamba__heap_ent { uint32_t rank, pos; int32_t id; } mamba__heap_ent;

/* Per-call cache of short pieces and their ids (direct-mapped, overwritten on
   collision). The tokenizer stays immutable, so the cache lives in the call;
   texts under MAMBA__WC_MIN bytes do without. */
#define MAMBA__WC_KEY 24
#define MAMBA__WC_IDS 8
#ifndef MAMBA__WC_MIN   /* (the encode fuzzer lowers it to reach the cache with short inputs) */
#define MAMBA__WC_MIN 2048
#endif
typedef struct mamba__wc_ent {
    uint32_t hash;
    uint8_t len, n_ids;          /* len 0: empty */
    unsigned char key[MAMBA__WC_KEY];
    int32_t ids[MAMBA__WC_IDS];
} mamba__wc_ent;

typedef struct mamba__enc {
    const mamba_tokenizer *t;
    int *ids;
    size_t cap, n;                  /* n counts past cap */
    mamba_status st;
    mamba__nfc_scr nfc;
    mamba__tbuf norm;               /* normalized stretch */
    mamba__tbuf pre[MAMBA__TOK_MAX_STEPS]; /* ByteLevel add_prefix_space copies */
    int32_t *sym; size_t sym_cap;   /* BPE symbols */
    uint32_t *rk; size_t rk_cap;    /* small BPE: rank of the pair at i */
    int32_t *nid; size_t nid_cap;   /* small BPE: result of the pair at i */
    int32_t *prv, *nxt; size_t prv_cap, nxt_cap;   /* heap BPE links */
    mamba__heap_ent *heap; size_t heap_cap;
    mamba__wc_ent *wc; uint32_t wc_mask;
    mamba__heap *hp;                /* work memory of this call */
    const unsigned char *spm_base, *spm_first; /* SentencePiece (HF): the text, the stretch at its start */
} mamba__enc;

static void mamba__emit(mamba__enc *e, int id) {
    if (e->n < e->cap) e->ids[e->n] = id;
    e->n++;
}

#ifndef MAMBA__BPE_SMALL
#define MAMBA__BPE_SMALL 48   /* words up to this many symbols: quadratic scan, else the heap */
#endif

static int mamba__heap_less(const mamba__heap_ent *a, const mamba__heap_ent *b) {
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}
static int mamba__heap_push(mamba__enc *e, size_t *hn, uint32_t rank, uint32_t pos, int32_t id) {
    mamba__heap *hp = e->hp;
    size_t i = *hn;
    mamba__heap_ent x;
    if (!MAMBA__GROW(mamba__heap_ent, e->heap, e->heap_cap, i + 1)) return 0;
    x.rank = rank; x.pos = pos; x.id = id;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!mamba__heap_less(&x, &e->heap[p])) break;
        e->heap[i] = e->heap[p];
        i = p;
    }
    e->heap[i] = x;
    (*hn)++;
    return 1;
}
static mamba__heap_ent mamba__heap_pop(mamba__enc *e, size_t *hn) {
    mamba__heap_ent top = e->heap[0], x = e->heap[--*hn];
    size_t i = 0, n = *hn;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && mamba__heap_less(&e->heap[c + 1], &e->heap[c])) c++;
        if (!mamba__heap_less(&e->heap[c], &x)) break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n) e->heap[i] = x;
    return top;
}

/* Merges e->sym[0..m) in place; returns the new count. Both paths give what
   HF's Word::merge_all gives: always the pair of lowest rank, leftmost first.
   The quadratic scan is faster for ordinary words; the heap (HF's own method)
   keeps huge pieces (a megabyte of one letter) O(n log n). */
static size_t mamba__bpe_merge(mamba__enc *e, size_t m) {
    const mamba_tokenizer *t = e->t;
    int32_t *s = e->sym;
    size_t i;
    if (m <= MAMBA__BPE_SMALL) {
        uint32_t *rk = e->rk;
        int32_t *nid = e->nid;
        for (i = 0; i + 1 < m; i++)
            if (!mamba__merge_get(t, s[i], s[i + 1], &rk[i], &nid[i])) rk[i] = 0xFFFFFFFFu;
        while (m > 1) {
            size_t best = 0;
            uint32_t br = rk[0];
            for (i = 1; i + 1 < m; i++) if (rk[i] < br) { br = rk[i]; best = i; }
            if (br == 0xFFFFFFFFu) break;
            s[best] = nid[best];
            for (i = best + 1; i + 1 < m; i++) { s[i] = s[i + 1]; rk[i] = rk[i + 1]; nid[i] = nid[i + 1]; }
            m--;
            if (best > 0 && !mamba__merge_get(t, s[best - 1], s[best], &rk[best - 1], &nid[best - 1]))
                rk[best - 1] = 0xFFFFFFFFu;
            if (best + 1 < m && !mamba__merge_get(t, s[best], s[best + 1], &rk[best], &nid[best]))
                rk[best] = 0xFFFFFFFFu;
        }
        return m;
    } else {
        int32_t *prv = e->prv, *nxt = e->nxt;
        size_t hn = 0, w;
        for (i = 0; i < m; i++) { prv[i] = (int32_t)i - 1; nxt[i] = i + 1 < m ? (int32_t)i + 1 : -1; }
        for (i = 0; i + 1 < m; i++) {
            uint32_t r;
            int32_t id;
            if (mamba__merge_get(t, s[i], s[i + 1], &r, &id) && !mamba__heap_push(e, &hn, r, (uint32_t)i, id)) goto nomem;
        }
        while (hn) {
            mamba__heap_ent top = mamba__heap_pop(e, &hn);
            uint32_t r;
            int32_t id, p = (int32_t)top.pos, q;
            if (s[p] < 0 || nxt[p] < 0) continue;          /* merged away, or last */
            q = nxt[p];
            if (!mamba__merge_get(t, s[p], s[q], &r, &id) || id != top.id) continue;  /* stale */
            s[p] = top.id;
            s[q] = -1;
            nxt[p] = nxt[q];
            if (nxt[q] >= 0) prv[nxt[q]] = p;
            if (prv[p] >= 0 && mamba__merge_get(t, s[prv[p]], s[p], &r, &id) &&
                !mamba__heap_push(e, &hn, r, (uint32_t)prv[p], id)) goto nomem;
            if (nxt[p] >= 0 && mamba__merge_get(t, s[p], s[nxt[p]], &r, &id) &&
                !mamba__heap_push(e, &hn, r, (uint32_t)p, id)) goto nomem;
        }
        for (i = 0, w = 0; i < m; i++) if (s[i] >= 0) s[w++] = s[i];
        return w;
    }
nomem:
    e->st = MAMBA_ERR_NOMEM;
    return 0;
}

/* The word cache: 1 if the n bytes at s are there (their ids emitted), else
   0 with *c the entry to fill when the word is done (NULL: no cache, or a
   word too long for it). */
static int mamba__wc_hit(mamba__enc *e, const unsigned char *s, size_t n, mamba__wc_ent **c) {
    size_t i;
    uint32_t h;
    *c = NULL;
    if (!e->wc || n > MAMBA__WC_KEY) return 0;
    h = mamba__hash_short(s, n);
    *c = &e->wc[h & e->wc_mask];
    if ((*c)->hash == h && (*c)->len == n && !memcmp((*c)->key, s, n)) {
        for (i = 0; i < (*c)->n_ids; i++) mamba__emit(e, (*c)->ids[i]);
        return 1;
    }
    (*c)->len = 0;
    (*c)->hash = h;
    return 0;
}
/* The end of a word's encoding (byte-level BPE and SentencePiece's HF
   reading): its m symbols in e->sym merged by rank, emitted, and kept in the
   word-cache entry c (NULL: none) under the n bytes at s. */
static void mamba__bpe_finish(mamba__enc *e, size_t m, mamba__wc_ent *c, const unsigned char *s, size_t n) {
    size_t i;
    if (m <= MAMBA__BPE_SMALL ? !mamba__tok_grow(e->hp, &e->rk, &e->rk_cap, m, sizeof(uint32_t)) || !mamba__tok_grow(e->hp, &e->nid, &e->nid_cap, m, sizeof(int32_t))
                              : !mamba__tok_grow(e->hp, &e->prv, &e->prv_cap, m, sizeof(int32_t)) || !mamba__tok_grow(e->hp, &e->nxt, &e->nxt_cap, m, sizeof(int32_t))) {
        e->st = MAMBA_ERR_NOMEM;
        return;
    }
    m = mamba__bpe_merge(e, m);
    if (e->st) return;
    for (i = 0; i < m; i++) mamba__emit(e, e->sym[i]);
    if (c && m <= MAMBA__WC_IDS) {
        c->len = (uint8_t)n;
        c->n_ids = (uint8_t)m;
        memcpy(c->key, s, n);
        memcpy(c->ids, e->sym, m * sizeof(int32_t));
    }
}

/* One pre-tokenized piece (byte-level: one symbol per byte) to ids. */
static void mamba__bpe(mamba__enc *e, const unsigned char *s, size_t n) {
    const mamba_tokenizer *t = e->t;
    size_t i, m = 0;
    int unk = 0;   /* the last symbol is an unk that a following one may fuse into */
    mamba__wc_ent *c = NULL;
    if (n == 1 && t->byte_id[s[0]] >= 0) { mamba__emit(e, t->byte_id[s[0]]); return; }
    if (t->ignore_merges) {
        uint32_t h = mamba__tok_hash(s, n) & t->vhash_mask, v;
        while ((v = t->vhash[h]) != 0) {
            if ((t->tok_attr[v - 1] & MAMBA__TA_BPE) && t->tok_off[v] - t->tok_off[v - 1] == n &&
                !memcmp(t->tok_bytes + t->tok_off[v - 1], s, n)) { mamba__emit(e, (int)v - 1); return; }
            h = (h + 1) & t->vhash_mask;
        }
    }
    if (mamba__wc_hit(e, s, n, &c)) return;
    if (n > 0x3FFFFFF0u) { e->st = MAMBA_ERR_LIMIT; return; }
    if (!mamba__tok_grow(e->hp, &e->sym, &e->sym_cap, 2 * n, sizeof(int32_t))) { e->st = MAMBA_ERR_NOMEM; return; }
    for (i = 0; i < n; i++) {
        int32_t id = t->byte_id[s[i]];
        if (id >= 0) { e->sym[m++] = id; unk = 0; continue; }
        if (t->byte_fallback && t->byte_fb[s[i]][0] >= 0) {
            e->sym[m++] = t->byte_fb[s[i]][0];
            if (t->byte_fb[s[i]][1] >= 0) e->sym[m++] = t->byte_fb[s[i]][1];
            unk = 0;
            continue;
        }
        if (t->unk_id >= 0) {
            if (!(unk && t->fuse_unk)) e->sym[m++] = t->unk_id;
            unk = 1;
        }
        /* else: HF drops a character its vocabulary lacks */
    }
    mamba__bpe_finish(e, m, c, s, n);
}

static void mamba__pt_run(mamba__enc *e, int k, const unsigned char *s, size_t n, int bm);

/* A split's spans go through its behaviour (HF SplitDelimiterBehavior) and on
   to the next step. Spans arrive in order and cover the piece; consecutive
   non-matches arrive as one span. */
typedef struct mamba__sink {
    mamba__enc *e;
    int k, bm, beh, inv;
    const unsigned char *s;
    size_t pa, pb;       /* pending span */
    int pm, has, prev_m;
} mamba__sink;

static void mamba__sink_out(mamba__sink *k, size_t a, size_t b) {
    if (b > a) mamba__pt_run(k->e, k->k + 1, k->s + a, b - a, k->bm);
}
static void mamba__sink_push(mamba__sink *k, size_t a, size_t b, int m) {
    if (k->inv) m = !m;
    switch (k->beh) {
    case MAMBA__BEH_REMOVED: if (!m) mamba__sink_out(k, a, b); break;
    case MAMBA__BEH_ISOLATED: mamba__sink_out(k, a, b); break;
    case MAMBA__BEH_CONTIGUOUS:
        if (k->has && k->pm == m) { k->pb = b; break; }
        if (k->has) mamba__sink_out(k, k->pa, k->pb);
        k->pa = a; k->pb = b; k->pm = m; k->has = 1;
        break;
    case MAMBA__BEH_PREV:      /* a match joins the span before it, unless that was a match too */
        if (m && !k->prev_m && k->has) k->pb = b;
        else {
            if (k->has) mamba__sink_out(k, k->pa, k->pb);
            k->pa = a; k->pb = b; k->has = 1;
        }
        k->prev_m = m;
        break;
    default:                   /* MAMBA__BEH_NEXT: a match joins a following non-match */
        if (k->has) {
            if (!m) { mamba__sink_out(k, k->pa, b); k->has = 0; break; }
            mamba__sink_out(k, k->pa, k->pb);
            k->has = 0;
        }
        if (m) { k->pa = a; k->pb = b; k->has = 1; }
        else mamba__sink_out(k, a, b);
        break;
    }
}
static void mamba__sink_end(mamba__sink *k) {
    if (k->has) mamba__sink_out(k, k->pa, k->pb);
    k->has = 0;
}

/* Properties of the character at s[i]: a code point in text mode, a byte-level
   character (one per byte) in byte mode. */
static unsigned mamba__pt_props(const mamba_tokenizer *t, const unsigned char *s, size_t i, int bm, int *len) {
    if (bm) { *len = 1; return t->byte_props[s[i]]; }
    if (s[i] < 0x80) {
        static const uint8_t a[128] = {
            0,0,0,0,0,0,0,0,0,8,8,8,8,8,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
            8,4,4,4,0,4,4,4,4,4,4,0,4,4,4,4, 2,2,2,2,2,2,2,2,2,2,4,4,0,0,0,4,
            4,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,4,4,4,0,4,
            0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,4,0,4,0,0};
        *len = 1;
        return a[s[i]];
    }
    return mamba__uc_props(mamba__utf8_get(s + i, len));
}

/* The GPT-2 pattern
     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
   as Oniguruma runs it (first alternative that matches, greedy runs), by hand.
   Its matches cover the whole text. */
static void mamba__pt_gpt2(mamba__enc *e, mamba__sink *k, const unsigned char *s, size_t n, int bm) {
    const mamba_tokenizer *t = e->t;
    size_t i = 0;
    while (i < n && !e->st) {
        size_t j = i, end;
        unsigned p, cls;
        int l;
        if (s[i] == '\'' && i + 1 < n) {
            unsigned c1 = s[i + 1], c2 = i + 2 < n ? s[i + 2] : 0;
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { end = i + 2; goto emit; }
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) { end = i + 3; goto emit; }
        }
        if (!bm && s[i] == ' ' && i + 1 < n) j = i + 1;   /* the optional leading space */
        p = mamba__pt_props(t, s, j, bm, &l);
        if (!(p & MAMBA__UC_S)) {
            cls = p & MAMBA__UC_L ? MAMBA__UC_L : p & MAMBA__UC_N ? MAMBA__UC_N : 0;
            end = j + (size_t)l;
            while (end < n) {
                p = mamba__pt_props(t, s, end, bm, &l);
                if (cls ? !(p & cls) : (p & (MAMBA__UC_L | MAMBA__UC_N | MAMBA__UC_S)) != 0) break;
                end += (size_t)l;
            }
        } else {                                          /* whitespace from i */
            size_t last = i, cnt = 0;
            end = i;
            while (end < n) {
                p = mamba__pt_props(t, s, end, bm, &l);
                if (!(p & MAMBA__UC_S)) break;
                last = end;
                end += (size_t)l;
                cnt++;
            }
            if (end < n && cnt > 1) end = last;           /* \s+(?!\S) leaves the last one */
        }
    emit:
        mamba__sink_push(k, i, end, 1);
        i = end;
    }
}

static void mamba__pt_run(mamba__enc *e, int k, const unsigned char *s, size_t n, int bm) {
    const mamba_tokenizer *t = e->t;
    const mamba__tok_step *st;
    mamba__sink sk;
    size_t i, gap;
    if (!n || e->st) return;
    if (k == t->n_steps) { mamba__bpe(e, s, n); return; }
    st = &t->steps[k];
    if (st->kind == MAMBA__PT_BYTELEVEL) {
        if (st->add_prefix_space && s[0] != ' ') {
            mamba__tbuf *b = &e->pre[k];
            b->n = 0;
            if (!mamba__tbuf_put(b, " ", 1) || !mamba__tbuf_put(b, s, n)) { e->st = MAMBA_ERR_NOMEM; return; }
            s = b->p; n = b->n;
        }
        if (!st->use_regex) { mamba__pt_run(e, k + 1, s, n, 1); return; }
    }
    sk.e = e; sk.k = k; sk.s = s; sk.bm = bm; sk.beh = st->behavior; sk.inv = st->invert;
    sk.pa = sk.pb = 0; sk.pm = sk.has = sk.prev_m = 0;
    switch (st->kind) {
    case MAMBA__PT_BYTELEVEL:
        sk.bm = 1;
        sk.beh = MAMBA__BEH_ISOLATED;
        sk.inv = 0;
        mamba__pt_gpt2(e, &sk, s, n, bm);
        return;
    case MAMBA__PT_PUNCT:
    case MAMBA__PT_DIGITS:
        if (bm && !(st->invert && st->behavior == MAMBA__BEH_REMOVED)) {   /* nothing to split: pass it on */
            unsigned want = st->kind == MAMBA__PT_PUNCT ? MAMBA__BP_PUNCT : MAMBA__UC_N;
            for (i = 0; i < n && !(t->byte_props[s[i]] & want); i++) {}
            if (i == n) { mamba__pt_run(e, k + 1, s, n, bm); return; }
        }
        for (i = 0, gap = 0; i < n;) {
            int l;
            unsigned p;
            int hit;
            if (bm) { l = 1; p = t->byte_props[s[i]]; }
            else if (s[i] < 0x80) { l = 1; p = t->byte_props[s[i]]; }   /* printable ASCII is its own byte-level
                                                                      character, the rest map to letters: right for P and N */
            else {
                uint32_t c = mamba__utf8_get(s + i, &l);
                p = mamba__uc_props(c);
                if (p & MAMBA__UC_P) p |= MAMBA__BP_PUNCT;
            }
            hit = (p & (st->kind == MAMBA__PT_PUNCT ? MAMBA__BP_PUNCT : MAMBA__UC_N)) != 0;
            if (hit) {
                if (i > gap) mamba__sink_push(&sk, gap, i, 0);
                mamba__sink_push(&sk, i, i + (size_t)l, 1);
                gap = i + (size_t)l;
            }
            i += (size_t)l;
        }
        if (n > gap) mamba__sink_push(&sk, gap, n, 0);
        break;
    default: /* MAMBA__PT_SPLIT */
        if (st->pattern == MAMBA__PAT_GPT2) { mamba__pt_gpt2(e, &sk, s, n, bm); break; }
        if (st->pattern == MAMBA__PAT_DIGIT3 && !(st->invert && st->behavior == MAMBA__BEH_REMOVED)) {
            for (i = 0; i + 2 < n && !(mamba__is_digit(s[i]) && mamba__is_digit(s[i + 1]) && mamba__is_digit(s[i + 2])); i++) {}
            if (i + 2 >= n) { mamba__pt_run(e, k + 1, s, n, bm); return; }
        }
        for (i = 0, gap = 0; i < n;) {
            size_t mlen = 0;
            if (st->pattern == MAMBA__PAT_DIGIT3) {
                if (i + 3 <= n && mamba__is_digit(s[i]) && mamba__is_digit(s[i + 1]) && mamba__is_digit(s[i + 2])) mlen = 3;
            } else if (st->literal.n && n - i >= st->literal.n && !memcmp(s + i, st->literal.p, st->literal.n)) {
                mlen = st->literal.n;
            }
            if (mlen) {
                if (i > gap) mamba__sink_push(&sk, gap, i, 0);
                mamba__sink_push(&sk, i, i + mlen, 1);
                i = gap = i + mlen;
            } else i++;   /* both patterns start with an ASCII byte or a lead byte */
        }
        if (n > gap) mamba__sink_push(&sk, gap, n, 0);
        break;
    }
    mamba__sink_end(&sk);
}

/* Width of the White_Space run ending at s[n) / starting at s[0]. */
static size_t mamba__ws_before(const unsigned char *s, size_t n) {
    size_t i = n;
    while (i > 0) {
        size_t j = i - 1;
        int l;
        while (j > 0 && (s[j] & 0xC0) == 0x80) j--;
        if (!(mamba__uc_props(mamba__utf8_get(s + j, &l)) & MAMBA__UC_S)) break;
        i = j;
    }
    return n - i;
}
static size_t mamba__ws_after(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        int l;
        if (!(mamba__uc_props(mamba__utf8_get(s + i, &l)) & MAMBA__UC_S)) break;
        i += (size_t)l;
    }
    return i;
}
static int mamba__is_word_at(const unsigned char *s, size_t n, size_t i, int before) {
    int l;
    if (before) { if (!i) return 0; i--; while (i > 0 && (s[i] & 0xC0) == 0x80) i--; }
    else if (i >= n) return 0;
    return (mamba__uc_props(mamba__utf8_get(s + i, &l)) & MAMBA__UC_W) != 0;
}

static void mamba__enc_stretch(mamba__enc *e, int which, const unsigned char *s, size_t n);

/* SentencePiece's HF reading (E.7) recurses through the stretches too */
static void mamba__spm_hf_between(mamba__enc *e, int which, const unsigned char *s, size_t n);

/* Text between added tokens: stage 1 -> normalize -> stage 2; stage 2 -> steps. */
static void mamba__enc_between(mamba__enc *e, int which, const unsigned char *s, size_t n) {
    if (!n || e->st) return;
    if (e->t->spm) { mamba__spm_hf_between(e, which, s, n); return; }
    if (which == 0) {
        if (e->t->normalizer == MAMBA__NORM_NFC) {
            size_t m;
            const unsigned char *p = mamba__nfc(&e->nfc, s, n, &e->norm, &m);
            if (!p) { e->st = MAMBA_ERR_NOMEM; return; }
            s = p;   /* e->norm, which stage 2 and the steps leave alone */
            n = m;
        }
        mamba__enc_stretch(e, 1, s, n);
    } else {
        mamba__pt_run(e, 0, s, n, 0);
    }
}

/* Finds the added tokens of trie `which` (leftmost-longest, as HF's
   Aho-Corasick) and hands the stretches between them on. */
static void mamba__enc_stretch(mamba__enc *e, int which, const unsigned char *s, size_t n) {
    const mamba_tokenizer *t = e->t;
    const mamba__trie *tr = &t->trie[which];
    size_t pos = 0, from = 0;
    if (!tr->n) { mamba__enc_between(e, which, s, n); return; }
    while (pos < n && !e->st) {
        uint32_t node;
        size_t j, stop = 0, start;
        int best = -1, fl;
        if (tr->n_first == 1) {
            const void *q = memchr(s + pos, tr->first[0], n - pos);
            if (!q) break;
            pos = (size_t)((const unsigned char *)q - s);
        } else {
            if (tr->n_first <= 3) {
#define MAMBA__HASZERO(v) (((v) - 0x0101010101010101ull) & ~(v) & 0x8080808080808080ull)
                const uint64_t m0 = tr->first[0] * 0x0101010101010101ull, m1 = tr->first[1] * 0x0101010101010101ull,
                               m2 = tr->first[2] * 0x0101010101010101ull;
                while (pos + 8 <= n) {
                    uint64_t w;
                    memcpy(&w, s + pos, 8);
                    if (MAMBA__HASZERO(w ^ m0) | MAMBA__HASZERO(w ^ m1) | MAMBA__HASZERO(w ^ m2)) break;
                    pos += 8;
                }
#undef MAMBA__HASZERO
            }
            while (pos < n && !tr->root[s[pos]]) pos++;
            if (pos == n) break;
        }
        node = tr->root[s[pos]];
        j = pos;
        while (node) {
            j++;
            if (tr->tok[node] >= 0) { best = tr->tok[node]; stop = j; }
            if (j >= n) break;
            node = tr->child[node];
            while (node && tr->byte[node] != s[j]) node = tr->sib[node];
        }
        if (best < 0) { pos++; continue; }
        fl = t->added[best].flags;
        if ((fl & MAMBA__AT_SINGLE_WORD) && (mamba__is_word_at(s, n, pos, 1) || mamba__is_word_at(s, n, stop, 0))) {
            pos = stop;   /* HF skips the match and searches on after it */
            continue;
        }
        start = pos;
        if (fl & MAMBA__AT_LSTRIP) { start -= mamba__ws_before(s, start); if (start < from) start = from; }
        if (fl & MAMBA__AT_RSTRIP) stop += mamba__ws_after(s + stop, n - stop);
        mamba__enc_between(e, which, s + from, start - from);
        mamba__emit(e, t->added[best].id);
        pos = from = stop;
    }
    mamba__enc_between(e, which, s + from, n - from);
}

/* ---- E.7 SentencePiece BPE: tables, encoder, decoder rules --------------
   One set of tables, two readings:
     MAMBA__SPM_MODEL  sentencepiece's own semantics, for a tokenizer.model
                       protobuf and for GGUF "llama" metadata: the normalizer
                       (dummy prefix, spaces escaped as U+2581), user-defined
                       pieces matched in the text, then BPE that repeatedly
                       merges the adjacent pair whose merged piece has the
                       highest score (the leftmost on ties: sentencepiece's
                       bpe_model.cc agenda), a heap over a linked list of
                       symbols; a final piece not in the vocabulary becomes
                       its UTF-8 bytes (<0xNN> pieces) with byte_fallback.
     MAMBA__SPM_HF     a Hugging Face tokenizer.json of that kind: added
                       tokens (the common pipeline), a Prepend/Replace
                       normalizer or a Metaspace pre-tokenizer, then HF's BPE:
                       one symbol per character (byte_fallback, fuse_unk),
                       merges by rank (mamba__bpe_merge).
   mamba__tok_build makes the common tables (tok_bytes holds what each id
   decodes to: U+2581 as a space, <0xNN> as its byte, control pieces empty in
   the MODEL reading); the raw piece texts, scores and types live here. */

#define MAMBA__SPM_MODEL 1
#define MAMBA__SPM_HF 2
/* piece types: sentencepiece's ModelProto.SentencePiece.Type = GGUF token_type */
#define MAMBA__SPT_NORMAL 1
#define MAMBA__SPT_UNKNOWN 2
#define MAMBA__SPT_CONTROL 3
#define MAMBA__SPT_USER 4
#define MAMBA__SPT_UNUSED 5
#define MAMBA__SPT_BYTE 6
/* decoder state kept in the high bits of mamba_decoder.flags */
#define MAMBA__DEC_SPM_PERBYTE 0x08000000 /* U+FFFD per bad byte (sentencepiece) */
#define MAMBA__DEC_SPM_NOBOS 0x10000000   /* no leading U+2581 to drop any more */
#define MAMBA__DEC_SPM_WS    0x20000000   /* the previous piece had it dropped */
#define MAMBA__DEC_SPM_OUT   0x40000000   /* something was written (or is pending) */

typedef struct mamba__spm {
    int mode;                       /* MAMBA__SPM_* */
    int n;                          /* ids */
    uint32_t *off;                  /* n + 1 offsets of the raw piece texts */
    unsigned char *text;
    float *score;
    uint8_t *type;                  /* MAMBA__SPT_*, 0 for an id without a piece */
    uint32_t *hash, hash_mask;      /* raw text -> id + 1 */
    int32_t byte_id[256];           /* the <0xNN> piece of each byte, -1 */
    int unk_id;
    size_t max_len;                 /* longest piece a merge can make, bytes */
    int add_dummy_prefix, remove_extra_ws, escape_ws, byte_fallback;
    int add_bos, add_eos, bos_id, eos_id;
    int has_user;                   /* user-defined pieces are in the tokenizer's trie[0] */
    int split_ws;                   /* no piece has U+2581 after another character: BPE may run word by word */
    uint8_t iso[128];               /* ASCII characters in no longer piece: words end on both sides of them */
    int has_unused;                 /* UNUSED pieces (resegmented: the short-word path leaves those to the agenda) */
    int hf_prepend, hf_replace;     /* HF normalizer: Prepend U+2581, Replace ' ' -> U+2581 */
    int hf_meta;                    /* Metaspace pre-tokenizer: 0 none, 1 always, 2 first, 3 never */
    int hf_split;                   /* Metaspace split */
    int dec_strip;                  /* HF Strip decoder: leading spaces removed (0 or 1) */
} mamba__spm;

static uint32_t mamba__spm_hash(const unsigned char *s, size_t n) { return mamba__tok_hash(s, n); }
static int mamba__spm_is_model(const mamba_tokenizer *t) { return t->spm->mode == MAMBA__SPM_MODEL; }

/* Id of the piece whose raw text is s[0..n), or -1. */
static int mamba__spm_find(const mamba__spm *sp, const unsigned char *s, size_t n) {
    uint32_t h = mamba__spm_hash(s, n) & sp->hash_mask, v;
    while ((v = sp->hash[h]) != 0) {
        if (sp->off[v] - sp->off[v - 1] == n && !memcmp(sp->text + sp->off[v - 1], s, n)) return (int)v - 1;
        h = (h + 1) & sp->hash_mask;
    }
    return -1;
}

static int mamba__spm_find_text(const mamba_tokenizer *t, const char *s, size_t n) {
    return mamba__spm_find(t->spm, (const unsigned char *)s, n);
}

/* "<0xNN>" (either case of hex digits) -> NN, else -1. upper: only "<0x%02X>". */
static int mamba__spm_byte_name(const unsigned char *p, size_t n, int upper) {
    int v = 0, k;
    if (n != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
    for (k = 3; k < 5; k++) {
        int c = p[k];
        if (c >= '0' && c <= '9') v = v * 16 + c - '0';
        else if (c >= 'A' && c <= 'F') v = v * 16 + c - 'A' + 10;
        else if (!upper && c >= 'a' && c <= 'f') v = v * 16 + c - 'a' + 10;
        else return -1;
    }
    return v;
}

/* Length of the longest user-defined piece at s[0..n) (trie of the tokenizer), 0 if none. */
static size_t mamba__spm_user_match(const mamba__trie *tr, const unsigned char *s, size_t n) {
    uint32_t node;
    size_t j = 0, best = 0;
    if (!n || !tr->n) return 0;
    node = tr->root[s[0]];
    while (node) {
        j++;
        if (tr->tok[node] >= 0) best = j;
        if (j >= n) break;
        node = tr->child[node];
        while (node && tr->byte[node] != s[j]) node = tr->sib[node];
    }
    return best;
}

/* Where the word that starts at s[i] ends (split_ws): before a U+2581 that
   follows another character, and on both sides of an isolated ASCII
   character. No merge crosses such a place, so BPE word by word gives what
   BPE over the whole text gives. */
static size_t mamba__spm_word_end(const mamba__spm *sp, const unsigned char *s, size_t i, size_t n) {
    size_t q;
    if (i < n && s[i] < 0x80 && sp->iso[s[i]]) return i + 1;
    for (q = i + 1; q < n; q++) {
        unsigned c = s[q];
        if (c < 0x80) { if (sp->iso[c]) return q; continue; }
        if (c == 0xE2 && q + 3 <= n && s[q + 1] == 0x96 && s[q + 2] == 0x81 &&
            !(q >= i + 3 && s[q - 3] == 0xE2 && s[q - 2] == 0x96 && s[q - 1] == 0x81)) return q;
    }
    return n;
}

/* What piece text p[0..n) of type ty decodes to, into out (at most n + extra
   bytes, extra = unk surface length); returns the length. */
static size_t mamba__spm_dec_text(int mode, int ty, const unsigned char *p, size_t n, const mamba__str *unk_surface,
                                  unsigned char *out) {
    size_t i, o = 0;
    int b = mamba__spm_byte_name(p, n, 0);
    if (mode == MAMBA__SPM_MODEL) {
        if (ty == MAMBA__SPT_CONTROL) return 0;
        if (ty == MAMBA__SPT_UNKNOWN) { if (unk_surface->n) memcpy(out, unk_surface->p, unk_surface->n); return unk_surface->n; }
        if (ty == MAMBA__SPT_BYTE && b >= 0) { out[0] = (unsigned char)b; return 1; }
    } else if (b >= 0) {             /* HF's ByteFallback decoder: any <0xNN> token */
        out[0] = (unsigned char)b;
        return 1;
    }
    for (i = 0; i < n;) {           /* U+2581 -> ' ' (sentencepiece; HF's Replace decoder) */
        if (n - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x96 && p[i + 2] == 0x81) { out[o++] = ' '; i += 3; }
        else out[o++] = p[i++];
    }
    return o;
}

/* Builds a SentencePiece tokenizer from d (vocabulary entries with raw piece
   texts, and for the HF reading merges and added tokens), each entry's score
   and type (NULL: 0 and NORMAL), and cfg (mode and flags). */
static mamba_status mamba__spm_build(mamba__heap *hp, mamba_tokenizer **out, mamba__tok_desc *d, const float *score,
                                     const uint8_t *type, const mamba__spm *cfg, const mamba__str *unk_surface, mamba_error *e) {
    mamba_status st = MAMBA_OK;
    mamba__str *dec = NULL, *dec_added = NULL, none;
    unsigned char *dbuf = NULL;
    size_t i, n_ids = 0, total = 0, dn = 0, hcap, bytes, o;
    mamba__spm *sp = NULL;
    mamba_tokenizer *t;
    unsigned char *blk;
    none.p = ""; none.n = 0;
    if (!unk_surface) unk_surface = &none;
    *out = NULL;
    for (i = 0; i < d->n_vocab; i++) {
        size_t id = d->vocab_id ? (size_t)d->vocab_id[i] : i;
        if (id + 1 > n_ids) n_ids = id + 1;
        if (!mamba__add(total, d->vocab[i].n + unk_surface->n, &total)) return mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0);
    }
    for (i = 0; i < d->n_added; i++) {
        if ((size_t)d->added[i].id + 1 > n_ids) n_ids = (size_t)d->added[i].id + 1;
        if (!mamba__add(total, d->added[i].content.n, &total)) return mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0);
    }
    if (!n_ids || n_ids > MAMBA__TOK_MAX_VOCAB) return mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer: empty or absurd vocabulary", 0, 0, 0, 0);
    dec = MAMBA__CAST(mamba__str *, mamba__halloc(hp, sizeof(mamba__str) * (d->n_vocab + 1)));
    dec_added = MAMBA__CAST(mamba__str *, mamba__halloc(hp, sizeof(mamba__str) * (d->n_added + 1)));
    dbuf = MAMBA__CAST(unsigned char *, mamba__halloc(hp, total + 1));
    if (!dec || !dec_added || !dbuf) { st = mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0); goto done; }
    for (i = 0; i < d->n_vocab; i++) {
        int ty = type ? type[i] : MAMBA__SPT_NORMAL;
        dec[i].p = (const char *)dbuf + dn;
        dec[i].n = mamba__spm_dec_text(cfg->mode, ty, (const unsigned char *)d->vocab[i].p, d->vocab[i].n, unk_surface, dbuf + dn);
        dn += dec[i].n;
    }
    for (i = 0; i < d->n_added; i++) {
        dec_added[i].p = (const char *)dbuf + dn;
        dec_added[i].n = mamba__spm_dec_text(cfg->mode, MAMBA__SPT_USER, (const unsigned char *)d->added[i].content.p,
                                             d->added[i].content.n, unk_surface, dbuf + dn);
        dn += dec_added[i].n;
    }
    d->dec = dec;
    d->dec_added = dec_added;
    st = mamba__tok_build(hp, out, d, e);
    if (st != MAMBA_OK) goto done;
    t = *out;
    n_ids = (size_t)t->n_vocab;

    /* the piece tables: one block (struct, offsets, scores, hash, types, texts) */
    for (total = 0, i = 0; i < d->n_vocab; i++) total += d->vocab[i].n;
    for (hcap = 16; hcap < 2 * n_ids + 2; hcap *= 2) {}
    bytes = mamba__round_up(sizeof(mamba__spm), 16) + (n_ids + 1) * 4 + n_ids * 4 + hcap * 4 + n_ids + total + 1;
    blk = MAMBA__CAST(unsigned char *, mamba__hcalloc(hp, bytes));
    if (!blk) { st = mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0); goto done; }
    sp = MAMBA__CAST(mamba__spm *, (void *)blk);
    *sp = *cfg;
    o = mamba__round_up(sizeof(mamba__spm), 16);
    sp->off = MAMBA__CAST(uint32_t *, (void *)(blk + o)); o += (n_ids + 1) * 4;
    sp->score = MAMBA__CAST(float *, (void *)(blk + o)); o += n_ids * 4;
    sp->hash = MAMBA__CAST(uint32_t *, (void *)(blk + o)); o += hcap * 4;
    sp->type = blk + o; o += n_ids;
    sp->text = blk + o;
    sp->hash_mask = (uint32_t)(hcap - 1);
    sp->n = (int)n_ids;
    t->spm = sp;
    t->table_bytes += bytes;
    {   /* texts by id: vocabulary entries, in id order */
        int32_t *vidx = MAMBA__CAST(int32_t *, mamba__halloc(hp, n_ids * sizeof(int32_t)));
        if (!vidx) { st = mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0); goto done; }
        memset(vidx, 0xFF, n_ids * sizeof(int32_t));
        for (i = 0; i < d->n_vocab; i++) vidx[d->vocab_id ? (size_t)d->vocab_id[i] : i] = (int32_t)i;
        for (i = 0, o = 0; i < n_ids; i++) {
            sp->off[i] = (uint32_t)o;
            if (vidx[i] < 0) continue;
            memcpy(sp->text + o, d->vocab[vidx[i]].p, d->vocab[vidx[i]].n);
            o += d->vocab[vidx[i]].n;
            sp->score[i] = score ? score[vidx[i]] : 0.0f;
            sp->type[i] = type ? type[vidx[i]] : (uint8_t)MAMBA__SPT_NORMAL;
        }
        sp->off[n_ids] = (uint32_t)o;
        mamba__hfree(hp, vidx);
    }
    for (i = 0; i < d->n_added && cfg->mode == MAMBA__SPM_HF; i++) {   /* HF: added tokens as control / user pieces */
        int id = d->added[i].id;
        if (sp->type[id] != MAMBA__SPT_NORMAL) continue;
        sp->type[id] = (uint8_t)((d->added[i].flags & MAMBA__AT_SPECIAL) ? MAMBA__SPT_CONTROL : MAMBA__SPT_USER);
    }
    for (i = 0; i < 256; i++) sp->byte_id[i] = -1;
    sp->max_len = 0;
    for (i = 0; i < n_ids; i++) {
        const unsigned char *p = sp->text + sp->off[i];
        size_t n = sp->off[i + 1] - sp->off[i];
        uint32_t h;
        int b;
        if (!sp->type[i]) continue;
        h = mamba__spm_hash(p, n) & sp->hash_mask;
        while (sp->hash[h]) h = (h + 1) & sp->hash_mask;   /* the vocabulary has no duplicates (mamba__tok_build) */
        sp->hash[h] = (uint32_t)i + 1;
        b = mamba__spm_byte_name(p, n, cfg->mode == MAMBA__SPM_HF);
        if (b >= 0 && (cfg->mode == MAMBA__SPM_HF || sp->type[i] == MAMBA__SPT_BYTE) && sp->byte_id[b] < 0) sp->byte_id[b] = (int32_t)i;
        if ((sp->type[i] == MAMBA__SPT_NORMAL || sp->type[i] == MAMBA__SPT_USER || sp->type[i] == MAMBA__SPT_UNUSED) && n > sp->max_len)
            sp->max_len = n;
        if (sp->type[i] == MAMBA__SPT_UNUSED) sp->has_unused = 1;
        if (cfg->mode == MAMBA__SPM_MODEL) {
            if (sp->type[i] == MAMBA__SPT_CONTROL) t->tok_attr[i] |= MAMBA__TA_SPECIAL;
            if (sp->type[i] == MAMBA__SPT_USER && n) {
                if (!mamba__trie_add(hp, &t->trie[0], p, n, (int)i)) { st = mamba__err(e, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0); goto done; }
                sp->has_user = 1;
            }
        }
    }
    {   /* a merge never makes a piece with U+2581 after another character: then
           the text splits before each such U+2581 into words that BPE can take
           one at a time (and cache), with the same result as the whole text */
        int ws = mamba__spm_find(sp, (const unsigned char *)"\xE2\x96\x81", 3);
        sp->split_ws = ws >= 0 && sp->type[ws] != MAMBA__SPT_CONTROL && sp->type[ws] != MAMBA__SPT_BYTE &&
                       sp->type[ws] != MAMBA__SPT_UNKNOWN && (cfg->mode == MAMBA__SPM_HF || cfg->escape_ws);
        for (i = 0; i < n_ids && sp->split_ws; i++) {
            const unsigned char *p = sp->text + sp->off[i];
            size_t n = sp->off[i + 1] - sp->off[i], q;
            if (!sp->type[i] || sp->type[i] == MAMBA__SPT_CONTROL || sp->type[i] == MAMBA__SPT_UNKNOWN || sp->type[i] == MAMBA__SPT_BYTE) continue;
            for (q = 1; q + 3 <= n; q++)   /* (UTF-8: 0xE2 here starts a character) */
                if (p[q] == 0xE2 && p[q + 1] == 0x96 && p[q + 2] == 0x81 && !(q >= 3 && p[q - 3] == 0xE2 && p[q - 2] == 0x96 && p[q - 1] == 0x81)) {
                    sp->split_ws = 0;
                    break;
                }
        }
    }
    if (sp->split_ws) {   /* ASCII characters no merge can take in ('\n' for Mistral) */
        int full = 1;
        for (i = 0; i < 256; i++) full &= sp->byte_id[i] >= 0;
        for (i = 0; i < 128; i++) sp->iso[i] = (uint8_t)(cfg->mode == MAMBA__SPM_MODEL || (full && t->byte_fallback));
        for (i = 0; i < n_ids; i++) {
            const unsigned char *p = sp->text + sp->off[i];
            size_t n = sp->off[i + 1] - sp->off[i], q;
            if (!sp->type[i] || sp->type[i] == MAMBA__SPT_CONTROL || sp->type[i] == MAMBA__SPT_UNKNOWN || sp->type[i] == MAMBA__SPT_BYTE || n < 2) continue;
            for (q = 0; q < n; q++) if (p[q] < 0x80) sp->iso[p[q]] = 0;
        }
        sp->iso[(unsigned char)' '] = 0;   /* (' ' stays ' ' without escaping: not worth the case) */
    }
    if (cfg->mode == MAMBA__SPM_MODEL) {
        if (sp->unk_id < 0 || sp->unk_id >= (int)n_ids || sp->type[sp->unk_id] != MAMBA__SPT_UNKNOWN) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "SentencePiece: unk id %d is not an UNKNOWN piece", 0, 0, sp->unk_id, 0);
            goto done;
        }
        if (sp->bos_id >= (int)n_ids || (sp->bos_id >= 0 && sp->type[sp->bos_id] != MAMBA__SPT_CONTROL)) sp->bos_id = -1;
        if (sp->eos_id >= (int)n_ids || (sp->eos_id >= 0 && sp->type[sp->eos_id] != MAMBA__SPT_CONTROL)) sp->eos_id = -1;
        t->bos_id = sp->bos_id;
        t->eos_id = sp->eos_id;
        t->n_prefix = t->n_suffix = 0;
        if (sp->add_bos && sp->bos_id >= 0) t->prefix[t->n_prefix++] = sp->bos_id;
        if (sp->add_eos && sp->eos_id >= 0) t->suffix[t->n_suffix++] = sp->eos_id;
        t->meta_unk = sp->unk_id;
    } else {
        sp->unk_id = t->unk_id;
        sp->bos_id = t->bos_id;
        sp->eos_id = t->eos_id;
        sp->add_bos = t->n_prefix == 1 && t->prefix[0] == t->bos_id;
        t->meta_unk = t->unk_id;
    }
    t->meta_pad = -1;
    strcpy(t->gguf_pre, "default");
    for (i = 0; i < 2; i++) {   /* (mamba__tok_build counted the first bytes before the user pieces went in) */
        int b;
        t->trie[i].n_first = 0;
        for (b = 0; b < 256; b++)
            if (t->trie[i].root[b]) {
                if (t->trie[i].n_first < 3) t->trie[i].first[t->trie[i].n_first] = (uint8_t)b;
                t->trie[i].n_first++;
            }
        for (b = t->trie[i].n_first; b > 0 && b < 3; b++) t->trie[i].first[b] = t->trie[i].first[0];
    }
done:
    d->dec = d->dec_added = NULL;
    if (dec) mamba__hfree(hp, dec);
    if (dec_added) mamba__hfree(hp, dec_added);
    if (dbuf) mamba__hfree(hp, dbuf);
    if (st != MAMBA_OK && *out) { mamba_tokenizer_free(*out); *out = NULL; }
    return st;
}

/* -- the MODEL reading's encoder ------------------------------------------ */

typedef struct mamba__spm_sym { uint32_t start, len; int32_t prev, next; int frozen; } mamba__spm_sym;
typedef struct mamba__spm_pair { float score; int32_t left, right; uint32_t size; } mamba__spm_pair;

typedef struct mamba__spm_enc {
    const mamba__spm *sp;
    const unsigned char *nb;        /* normalized text */
    mamba__spm_sym *sym;
    mamba__spm_pair *heap;
    size_t hn, hcap;
    uint32_t *rev;                  /* UNUSED pieces: left length of the merge that made them */
    mamba__heap *hp;
    int *ids;
    size_t cap, n;
    mamba_status st;
    mamba__wc_ent *wc;              /* words already seen (split_ws), or NULL */
    uint32_t wc_mask;
    int32_t rec[MAMBA__WC_IDS];     /* the ids of the current word, while they fit */
    size_t n_rec;
} mamba__spm_enc;

/* a below b in the agenda: lower score, or the same score further right */
static int mamba__spm_below(const mamba__spm_pair *a, const mamba__spm_pair *b) {
    return a->score < b->score || (a->score == b->score && a->left > b->left);
}

static void mamba__spm_pair_add(mamba__spm_enc *x, int32_t l, int32_t r) {
    const mamba__spm *sp = x->sp;
    mamba__spm_pair p;
    size_t size, i;
    int id, ty;
    if (l < 0 || r < 0 || x->sym[l].frozen || x->sym[r].frozen) return;
    size = (size_t)x->sym[l].len + x->sym[r].len;
    if (size > sp->max_len) return;
    id = mamba__spm_find(sp, x->nb + x->sym[l].start, size);
    if (id < 0) return;
    ty = sp->type[id];
    if (ty != MAMBA__SPT_NORMAL && ty != MAMBA__SPT_USER && ty != MAMBA__SPT_UNUSED) return;
    if (ty == MAMBA__SPT_UNUSED) {
        if (!x->rev && !(x->rev = MAMBA__CAST(uint32_t *, mamba__hcalloc(x->hp, sizeof(uint32_t) * (size_t)sp->n)))) { x->st = MAMBA_ERR_NOMEM; return; }
        x->rev[id] = x->sym[l].len;
    }
    if (!mamba__tok_grow(x->hp, &x->heap, &x->hcap, x->hn + 1, sizeof(mamba__spm_pair))) { x->st = MAMBA_ERR_NOMEM; return; }
    p.score = sp->score[id]; p.left = l; p.right = r; p.size = (uint32_t)size;
    for (i = x->hn++; i > 0; ) {
        size_t q = (i - 1) / 2;
        if (!mamba__spm_below(&x->heap[q], &p)) break;
        x->heap[i] = x->heap[q];
        i = q;
    }
    x->heap[i] = p;
}

static mamba__spm_pair mamba__spm_pop(mamba__spm_enc *x) {
    mamba__spm_pair top = x->heap[0], last = x->heap[--x->hn];
    size_t i = 0, n = x->hn;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && mamba__spm_below(&x->heap[c], &x->heap[c + 1])) c++;
        if (!mamba__spm_below(&last, &x->heap[c])) break;
        x->heap[i] = x->heap[c];
        i = c;
    }
    if (n) x->heap[i] = last;
    return top;
}

static void mamba__spm_emit(mamba__spm_enc *x, int id) {
    if (x->n < x->cap) x->ids[x->n] = id;
    x->n++;
    if (x->n_rec < MAMBA__WC_IDS) x->rec[x->n_rec] = id;
    x->n_rec++;
}

/* A final symbol to ids: UNUSED pieces split back into the merge that made
   them, unknown ones into their bytes (byte_fallback) or the unk id. */
static void mamba__spm_resegment(mamba__spm_enc *x, const unsigned char *p, size_t n) {
    const mamba__spm *sp = x->sp;
    int id = mamba__spm_find(sp, p, n);
    size_t k;
    if (id >= 0 && sp->type[id] == MAMBA__SPT_UNUSED && x->rev && x->rev[id] && x->rev[id] < n) {
        size_t l = x->rev[id];
        mamba__spm_resegment(x, p, l);
        mamba__spm_resegment(x, p + l, n - l);
        return;
    }
    if (id < 0) id = sp->unk_id;
    if (sp->type[id] == MAMBA__SPT_UNKNOWN && sp->byte_fallback) {
        for (k = 0; k < n; k++) mamba__spm_emit(x, sp->byte_id[p[k]] >= 0 ? sp->byte_id[p[k]] : sp->unk_id);
        return;
    }
    mamba__spm_emit(x, id);
}

#ifndef MAMBA__SPM_SMALL
#define MAMBA__SPM_SMALL 24   /* words up to this many symbols: a quadratic scan, else the agenda */
#endif

/* BPE over the normalized text nb[a..b): symbols (user-defined pieces frozen,
   else characters), the agenda, then the final pieces to ids. */
static void mamba__spm_word(mamba__spm_enc *x, const mamba_tokenizer *t, size_t a, size_t b) {
    const mamba__spm *sp = x->sp;
    const unsigned char *nb = x->nb;
    mamba__wc_ent *c = NULL;
    size_t i, ns = 0;
    int32_t h;
    if (x->wc && b - a <= MAMBA__WC_KEY) {
        uint32_t hs = mamba__hash_short(nb + a, b - a);
        c = &x->wc[hs & x->wc_mask];
        if (c->hash == hs && c->len == b - a && !memcmp(c->key, nb + a, b - a)) {
            for (i = 0; i < c->n_ids; i++) mamba__spm_emit(x, c->ids[i]);
            return;
        }
        c->len = 0;
        c->hash = hs;
    }
    x->n_rec = 0;
    x->hn = 0;
    for (i = a; i < b;) {
        size_t l = sp->has_user ? mamba__spm_user_match(&t->trie[0], nb + i, b - i) : 0;
        mamba__spm_sym *y = &x->sym[ns];
        y->frozen = l > 0;
        if (!l) {
            int tr, k = mamba__utf8_check(nb + i, b - i, &tr);
            l = k > 0 ? (size_t)k : 1;
        }
        y->start = (uint32_t)i; y->len = (uint32_t)l;
        y->prev = (int32_t)ns - 1;
        i += l;
        y->next = i < b ? (int32_t)ns + 1 : -1;
        ns++;
    }
    if (ns <= MAMBA__SPM_SMALL && !sp->has_unused) {   /* a short word: scan for the best pair, no agenda */
        uint32_t st[MAMBA__SPM_SMALL], ln[MAMBA__SPM_SMALL];
        float sc[MAMBA__SPM_SMALL];
        uint8_t fr[MAMBA__SPM_SMALL], ok[MAMBA__SPM_SMALL];
        size_t m = ns, k;
        for (i = 0; i < ns; i++) { st[i] = x->sym[i].start; ln[i] = x->sym[i].len; fr[i] = (uint8_t)x->sym[i].frozen; }
#define MAMBA__SPM_PAIR(q) do { ok[q] = 0; \
            if (!fr[q] && !fr[(q) + 1] && (size_t)ln[q] + ln[(q) + 1] <= sp->max_len) { \
                int id_ = mamba__spm_find(sp, nb + st[q], (size_t)ln[q] + ln[(q) + 1]); \
                if (id_ >= 0 && (sp->type[id_] == MAMBA__SPT_NORMAL || sp->type[id_] == MAMBA__SPT_USER)) { ok[q] = 1; sc[q] = sp->score[id_]; } \
            } } while (0)
        for (i = 0; i + 1 < m; i++) MAMBA__SPM_PAIR(i);
        for (;;) {   /* the highest score, the leftmost of equal ones: the agenda's order */
            size_t best = m;
            for (i = 0; i + 1 < m; i++) if (ok[i] && (best == m || sc[i] > sc[best])) best = i;
            if (best == m) break;
            ln[best] += ln[best + 1];
            for (k = best + 1; k + 1 < m; k++) { st[k] = st[k + 1]; ln[k] = ln[k + 1]; fr[k] = fr[k + 1]; ok[k] = ok[k + 1]; sc[k] = sc[k + 1]; }
            m--;
            if (best > 0) MAMBA__SPM_PAIR(best - 1);
            if (best + 1 < m) MAMBA__SPM_PAIR(best);
        }
#undef MAMBA__SPM_PAIR
        for (i = 0; i < m && x->st == MAMBA_OK; i++) mamba__spm_resegment(x, nb + st[i], ln[i]);
        ns = 0;   /* (done) */
    }
    for (i = 1; i < ns && x->st == MAMBA_OK; i++) mamba__spm_pair_add(x, (int32_t)i - 1, (int32_t)i);
    while (x->hn && x->st == MAMBA_OK) {
        mamba__spm_pair top = mamba__spm_pop(x);
        mamba__spm_sym *l = &x->sym[top.left], *r = &x->sym[top.right];
        if (!l->len || !r->len || l->len + r->len != top.size) continue;   /* stale */
        l->len += r->len;
        l->next = r->next;
        if (r->next >= 0) x->sym[r->next].prev = top.left;
        r->len = 0;
        mamba__spm_pair_add(x, l->prev, top.left);
        mamba__spm_pair_add(x, top.left, l->next);
    }
    for (h = 0; ns && h != -1 && x->st == MAMBA_OK; h = x->sym[h].next) mamba__spm_resegment(x, nb + x->sym[h].start, x->sym[h].len);
    if (c && x->st == MAMBA_OK && x->n_rec <= MAMBA__WC_IDS) {
        c->len = (uint8_t)(b - a);
        c->n_ids = (uint8_t)x->n_rec;
        memcpy(c->key, nb + a, b - a);
        memcpy(c->ids, x->rec, x->n_rec * sizeof(int32_t));
    }
}

static mamba_status mamba__spm_encode_model(const mamba_tokenizer *t, const unsigned char *s, size_t len, int *ids,
                                            size_t cap, size_t *n_out, mamba__heap *hp) {
    const mamba__spm *sp = t->spm;
    static const unsigned char ws[3] = {0xE2, 0x96, 0x81}, rep[3] = {0xEF, 0xBF, 0xBD};
    mamba__spm_enc x;
    unsigned char *nb = NULL;
    size_t nn = 0, i = 0, ncap;
    int k;
    memset(&x, 0, sizeof x);
    x.sp = sp; x.hp = hp; x.ids = ids; x.cap = cap; x.st = MAMBA_OK;
    for (k = 0; k < t->n_prefix; k++) mamba__spm_emit(&x, t->prefix[k]);
    if (len > ((size_t)0x7FFFFFF0u - 3) / 3) return MAMBA_ERR_LIMIT;   /* symbol offsets are 32-bit */
    if (sp->remove_extra_ws) while (i < len && s[i] == ' ') i++;
    if (i < len) {
        int prev_space = sp->remove_extra_ws;
        ncap = 3 * (len - i) + 3;
        if (!(nb = MAMBA__CAST(unsigned char *, mamba__halloc(hp, ncap)))) return MAMBA_ERR_NOMEM;
        if (sp->add_dummy_prefix) { if (sp->escape_ws) { memcpy(nb, ws, 3); nn = 3; } else nb[nn++] = ' '; }
        while (i < len) {   /* normalize_prefix: a user-defined piece as it is, else one character */
            const unsigned char *p = s + i;
            size_t pl = sp->has_user ? mamba__spm_user_match(&t->trie[0], s + i, len - i) : 0, used, q;
            if (pl) used = pl;
            else {
                int tr, l = mamba__utf8_check(s + i, len - i, &tr);
                if (l > 0) { pl = used = (size_t)l; }
                else { p = rep; pl = 3; used = 1; }   /* a malformed byte: U+FFFD, one byte consumed */
            }
            if (sp->remove_extra_ws && prev_space) while (pl && *p == ' ') { p++; pl--; }
            if (pl) {
                for (q = 0; q < pl; q++) {
                    if (p[q] == ' ' && sp->escape_ws) { memcpy(nb + nn, ws, 3); nn += 3; }
                    else nb[nn++] = p[q];
                }
                prev_space = p[pl - 1] == ' ';
            }
            i += used;
        }
        if (sp->remove_extra_ws) {
            if (sp->escape_ws) while (nn >= 3 && !memcmp(nb + nn - 3, ws, 3)) nn -= 3;
            else while (nn && nb[nn - 1] == ' ') nn--;
        }
    }
    if (nn) {
        x.nb = nb;
        if (!(x.sym = MAMBA__CAST(mamba__spm_sym *, mamba__halloc(hp, sizeof(mamba__spm_sym) * nn)))) { mamba__hfree(hp, nb); return MAMBA_ERR_NOMEM; }
        if (nn >= MAMBA__WC_MIN && sp->split_ws) {   /* a cache of words, as the byte-level path has */
            size_t n_wc = 256;
            while (n_wc < 16384 && n_wc * 16 < nn) n_wc *= 2;
            x.wc = MAMBA__CAST(mamba__wc_ent *, mamba__hcalloc(hp, n_wc * sizeof(mamba__wc_ent)));
            x.wc_mask = (uint32_t)n_wc - 1;   /* no memory for it: go without */
        }
        if (!sp->split_ws) mamba__spm_word(&x, t, 0, nn);
        else
            for (i = 0; i < nn && x.st == MAMBA_OK;) {
                size_t e2 = mamba__spm_word_end(sp, nb, i, nn);
                mamba__spm_word(&x, t, i, e2);
                i = e2;
            }
    }
    for (k = 0; k < t->n_suffix; k++) mamba__spm_emit(&x, t->suffix[k]);
    if (x.sym) mamba__hfree(hp, x.sym);
    if (x.wc) mamba__hfree(hp, x.wc);
    if (x.heap) mamba__hfree(hp, x.heap);
    if (x.rev) mamba__hfree(hp, x.rev);
    if (nb) mamba__hfree(hp, nb);
    if (x.st != MAMBA_OK) return x.st;
    if (n_out) *n_out = x.n;
    return x.n > cap ? MAMBA_ERR_RANGE : MAMBA_OK;
}

/* -- the HF reading's stretches between added tokens ---------------------- */

/* One word: a symbol per character (its piece, else its <0xNN> bytes, else
   unk, fused when fuse_unk), then merges by rank. As HF's BPE::merge_word. */
static void mamba__spm_hf_word(mamba__enc *e, const unsigned char *s, size_t n) {
    const mamba_tokenizer *t = e->t;
    const mamba__spm *sp = t->spm;
    size_t i = 0, m = 0, k;
    int unk = 0;
    mamba__wc_ent *c = NULL;
    if (!n || e->st) return;
    if (mamba__wc_hit(e, s, n, &c)) return;
    if (n > 0x3FFFFFF0u) { e->st = MAMBA_ERR_LIMIT; return; }
    if (!mamba__tok_grow(e->hp, &e->sym, &e->sym_cap, n + 1, sizeof(int32_t))) { e->st = MAMBA_ERR_NOMEM; return; }
    while (i < n) {
        int tr, l = mamba__utf8_check(s + i, n - i, &tr), id, ok;
        if (l < 0) l = 1;   /* (the text was made valid UTF-8 before) */
        id = mamba__spm_find(sp, s + i, (size_t)l);
        if (id >= 0 && sp->type[id]) {
            if (unk) { e->sym[m++] = t->unk_id; unk = 0; }
            e->sym[m++] = id;
        } else {
            ok = t->byte_fallback;
            for (k = 0; ok && k < (size_t)l; k++) ok = sp->byte_id[s[i + k]] >= 0;
            if (ok) {   /* (HF leaves a pending unk pending here) */
                for (k = 0; k < (size_t)l; k++) e->sym[m++] = sp->byte_id[s[i + k]];
            } else if (t->unk_id >= 0) {
                if (unk && !t->fuse_unk) e->sym[m++] = t->unk_id;
                unk = 1;
            }
        }
        i += (size_t)l;
    }
    if (unk) e->sym[m++] = t->unk_id;
    mamba__bpe_finish(e, m, c, s, n);
}

/* A piece for HF's BPE: word by word where no merge can cross a word (split_ws). */
static void mamba__spm_hf_bpe(mamba__enc *e, const unsigned char *s, size_t n) {
    size_t i;
    if (!e->t->spm->split_ws) { mamba__spm_hf_word(e, s, n); return; }
    for (i = 0; i < n && !e->st;) {
        size_t e2 = mamba__spm_word_end(e->t->spm, s, i, n);
        mamba__spm_hf_word(e, s + i, e2 - i);
        i = e2;
    }
}

/* The Metaspace pre-tokenizer: ' ' -> U+2581, U+2581 prepended (always, or
   only at the start of the text: prepend_scheme first), split before each
   U+2581 when split is set. */
static void mamba__spm_hf_pretok(mamba__enc *e, const unsigned char *s, size_t n, int first) {
    const mamba__spm *sp = e->t->spm;
    mamba__tbuf *b = &e->pre[0];
    size_t i, from;
    if (!sp->hf_meta) { mamba__spm_hf_bpe(e, s, n); return; }
    b->n = 0;
    if ((sp->hf_meta == 1 || (sp->hf_meta == 2 && first)) && !(n >= 3 && s[0] == 0xE2 && s[1] == 0x96 && s[2] == 0x81) &&
        !(n && s[0] == ' ') && !mamba__tbuf_put(b, "\xE2\x96\x81", 3)) { e->st = MAMBA_ERR_NOMEM; return; }
    for (i = 0, from = 0; i <= n; i++) {
        if (i < n && s[i] != ' ') continue;
        if (!mamba__tbuf_put(b, s + from, i - from) || (i < n && !mamba__tbuf_put(b, "\xE2\x96\x81", 3))) { e->st = MAMBA_ERR_NOMEM; return; }
        from = i + 1;
    }
    if (!sp->hf_split) { mamba__spm_hf_bpe(e, b->p, b->n); return; }
    for (i = 0, from = 0; i + 3 <= b->n; i++)
        if (b->p[i] == 0xE2 && b->p[i + 1] == 0x96 && b->p[i + 2] == 0x81 && i > from) {
            mamba__spm_hf_bpe(e, b->p + from, i - from);
            from = i;
        }
    mamba__spm_hf_bpe(e, b->p + from, b->n - from);
}

/* Hooked into mamba__enc_between: stage 1 (between raw-matched added tokens)
   -> Prepend/Replace normalizer -> stage 2 -> Metaspace -> BPE. */
static void mamba__spm_hf_between(mamba__enc *e, int which, const unsigned char *s, size_t n) {
    const mamba__spm *sp = e->t->spm;
    if (which == 0) {
        int first = s == e->spm_base;
        if (sp->hf_prepend || sp->hf_replace) {
            mamba__tbuf *b = &e->norm;
            size_t i, from;
            b->n = 0;
            if (sp->hf_prepend && !mamba__tbuf_put(b, "\xE2\x96\x81", 3)) { e->st = MAMBA_ERR_NOMEM; return; }
            for (i = 0, from = 0; i <= n; i++) {
                if (i < n && (s[i] != ' ' || !sp->hf_replace)) continue;
                if (!mamba__tbuf_put(b, s + from, i - from) || (i < n && !mamba__tbuf_put(b, "\xE2\x96\x81", 3))) { e->st = MAMBA_ERR_NOMEM; return; }
                from = i + 1;
            }
            s = b->p;
            n = b->n;
        }
        e->spm_first = first ? s : NULL;
        mamba__enc_stretch(e, 1, s, n);
    } else {
        mamba__spm_hf_pretok(e, s, n, e->spm_first == s);
    }
}

/* -- decoding: the leading space ------------------------------------------ */

/* Hooked into both decoders before a token's bytes p[0..n) are written:
   sentencepiece drops the U+2581 that starts the first piece (the dummy
   prefix; byte and control pieces aside); HF's Strip decoder drops the
   first character of the output if it is a space. *flags carries the state. */
static void mamba__spm_dec_adjust(const mamba_tokenizer *t, int id, int *flags, int pending, const unsigned char **p, size_t *n) {
    const mamba__spm *sp = t->spm;
    if (sp->mode == MAMBA__SPM_MODEL) *flags |= MAMBA__DEC_SPM_PERBYTE;
    if (sp->mode == MAMBA__SPM_HF) {
        if (sp->dec_strip && !(*flags & MAMBA__DEC_SPM_OUT) && !pending && *n && **p == ' ') { (*p)++; (*n)--; *flags |= MAMBA__DEC_SPM_OUT; }
        if (*n) *flags |= MAMBA__DEC_SPM_OUT;   /* (Strip looks at the first character of the whole output only) */
        return;
    }
    if (id < sp->n && sp->type[id] == MAMBA__SPT_BYTE) { *flags |= MAMBA__DEC_SPM_OUT; return; }
    if ((*flags & (MAMBA__DEC_SPM_WS | MAMBA__DEC_SPM_OUT)) || pending) *flags |= MAMBA__DEC_SPM_NOBOS;
    *flags &= ~MAMBA__DEC_SPM_WS;
    if (id < sp->n && sp->type[id] != MAMBA__SPT_CONTROL && sp->type[id] != MAMBA__SPT_UNKNOWN &&
        !(*flags & MAMBA__DEC_SPM_NOBOS) && (sp->add_dummy_prefix || sp->remove_extra_ws)) {
        const unsigned char *raw = sp->text + sp->off[id];
        if (sp->off[id + 1] - sp->off[id] >= 3 && raw[0] == 0xE2 && raw[1] == 0x96 && raw[2] == 0x81 && *n && **p == ' ') {
            (*p)++; (*n)--;
            if (!sp->remove_extra_ws) *flags |= MAMBA__DEC_SPM_WS;
        }
    }
    if (*n) *flags |= MAMBA__DEC_SPM_OUT;
}

/* ---- E.8 encoding: the entry points ---------------------------------------- */

static void mamba__enc_free(mamba__enc *e) {
    mamba__heap *hp = e->hp;
    int i;
    if (e->nfc.cp) mamba__hfree(hp, e->nfc.cp);
    if (e->nfc.tmp) mamba__hfree(hp, e->nfc.tmp);
    if (e->norm.p) mamba__hfree(hp, e->norm.p);
    for (i = 0; i < MAMBA__TOK_MAX_STEPS; i++) if (e->pre[i].p) mamba__hfree(hp, e->pre[i].p);
    if (e->sym) mamba__hfree(hp, e->sym);
    if (e->rk) mamba__hfree(hp, e->rk);
    if (e->nid) mamba__hfree(hp, e->nid);
    if (e->prv) mamba__hfree(hp, e->prv);
    if (e->nxt) mamba__hfree(hp, e->nxt);
    if (e->heap) mamba__hfree(hp, e->heap);
    if (e->wc) mamba__hfree(hp, e->wc);
}

MAMBA_API mamba_status mamba_tokenizer_encode(const mamba_tokenizer *t, const char *text, size_t len, int *ids,
                                              size_t cap, size_t *n_out) {
    return mamba_tokenizer_encode_arena(t, text, len, ids, cap, n_out, NULL);
}

MAMBA_API mamba_status mamba_tokenizer_encode_arena(const mamba_tokenizer *t, const char *text, size_t len, int *ids,
                                                    size_t cap, size_t *n_out, mamba_arena *work) {
    mamba__enc e;
    mamba__heap h, *hp = &h;
    const unsigned char *s = (const unsigned char *)text;
    unsigned char *fixed = NULL;
    size_t i, used0 = work ? work->used : 0;
    int k;
    mamba_status st;
    if (n_out) *n_out = 0;
    if (!t || (!text && len) || (!ids && cap)) return MAMBA_ERR_BADARG;
    mamba__heap_plain(hp);
    h.a = work;
    if (t->spm && mamba__spm_is_model(t)) {
        st = mamba__spm_encode_model(t, s ? s : (const unsigned char *)"", len, ids, cap, n_out, hp);
        if (work) work->used = used0;
        return st;
    }
    memset(&e, 0, sizeof e);
    e.t = t; e.ids = ids; e.cap = cap; e.st = MAMBA_OK;
    e.hp = e.nfc.hp = e.norm.hp = hp;
    for (k = 0; k < MAMBA__TOK_MAX_STEPS; k++) e.pre[k].hp = hp;
    if (!s) s = (const unsigned char *)"";   /* NULL, 0: no pointer arithmetic on NULL */
    /* invalid UTF-8: each maximal invalid subpart -> U+FFFD */
    for (i = 0; i < len;) {
        int tr, l;
        if (s[i] < 0x80) { i = mamba__ascii_run(s, i, len); continue; }
        l = mamba__utf8_check(s + i, len - i, &tr);
        if (l < 0) break;
        i += (size_t)l;
    }
    if (i < len) {
        size_t o = i, cap3;
        if (!mamba__mul(len, 3, &cap3) || !(fixed = MAMBA__CAST(unsigned char *, mamba__halloc(hp, cap3)))) return MAMBA_ERR_NOMEM;
        memcpy(fixed, s, i);
        while (i < len) {
            int tr, l = mamba__utf8_check(s + i, len - i, &tr);
            if (l > 0) { memcpy(fixed + o, s + i, (size_t)l); o += (size_t)l; i += (size_t)l; }
            else { fixed[o++] = 0xEF; fixed[o++] = 0xBF; fixed[o++] = 0xBD; i += (size_t)-l; }
        }
        s = fixed;
        len = o;
    }
    if (len >= MAMBA__WC_MIN) {   /* about one entry per 16 bytes of text, 256 to 16384 */
        size_t n_wc = 256;
        while (n_wc < 16384 && n_wc * 16 < len) n_wc *= 2;
        e.wc = MAMBA__CAST(mamba__wc_ent *, mamba__hcalloc(hp, n_wc * sizeof(mamba__wc_ent)));
        e.wc_mask = (uint32_t)n_wc - 1;   /* no memory for it: go without */
    }
    for (k = 0; k < t->n_prefix; k++) mamba__emit(&e, t->prefix[k]);
    e.spm_base = s;
    mamba__enc_stretch(&e, 0, s, len);
    for (k = 0; k < t->n_suffix; k++) mamba__emit(&e, t->suffix[k]);
    mamba__enc_free(&e);
    if (fixed) mamba__hfree(hp, fixed);
    if (work) work->used = used0;   /* everything was temporary */
    st = e.st;
    if (st != MAMBA_OK) return st;
    if (n_out) *n_out = e.n;
    return e.n > cap ? MAMBA_ERR_RANGE : MAMBA_OK;
}

/* ---- E.9 decoding ---------------------------------------------------------------- */

MAMBA_API void mamba_decoder_init(mamba_decoder *d, int flags) {
    if (!d) return;
    memset(d, 0, sizeof *d);
    d->flags = flags;
}

/* Runs bytes p[0..n) through the lossy UTF-8 assembler of d, writing what is
   complete to out at *o while it fits in cap (always counting in *o). */
static void mamba__dec_feed(mamba_decoder *d, const unsigned char *p, size_t n, char *out, size_t cap, size_t *o) {
    static const unsigned char rep[3] = {0xEF, 0xBF, 0xBD};
    size_t i = 0;
#define MAMBA__OUT(src, len) do { if (*o + (len) <= cap) memcpy(out + *o, (src), (len)); *o += (len); } while (0)
    if (d->n_pending && n) {
        unsigned char tmp[8];
        size_t np = (size_t)d->n_pending, take = n < 4 - np ? n : 4 - np;
        int tr, l;
        memcpy(tmp, d->pending, np);
        memcpy(tmp + np, p, take);
        l = mamba__utf8_check(tmp, np + take, &tr);
        if (l > 0) { MAMBA__OUT(tmp, (size_t)l); i = (size_t)l - np; d->n_pending = 0; }
        else if (tr) { memcpy(d->pending, tmp, np + take); d->n_pending = (int)(np + take); return; }
        else {
            int r = (d->flags & MAMBA__DEC_SPM_PERBYTE) ? -l : 1;   /* sentencepiece: one U+FFFD per bad byte */
            while (r--) MAMBA__OUT(rep, 3);
            i = (size_t)-l > np ? (size_t)-l - np : 0;
            d->n_pending = 0;
        }
    }
    while (i < n) {
        size_t j = i;
        int tr, l;
        while (j < n && p[j] < 0x80) j++;
        if (j > i) { MAMBA__OUT(p + i, j - i); i = j; if (i == n) break; }
        l = mamba__utf8_check(p + i, n - i, &tr);
        if (l > 0) { MAMBA__OUT(p + i, (size_t)l); i += (size_t)l; }
        else if (tr) { memcpy(d->pending, p + i, n - i); d->n_pending = (int)(n - i); break; }
        else {
            int r = (d->flags & MAMBA__DEC_SPM_PERBYTE) ? -l : 1;
            while (r--) MAMBA__OUT(rep, 3);
            i += (size_t)-l;
        }
    }
#undef MAMBA__OUT
}

static int mamba__tok_valid_id(const mamba_tokenizer *t, int id) {
    return t && id >= 0 && id < t->n_vocab && (t->tok_attr[id] & MAMBA__TA_EXISTS);
}

MAMBA_API mamba_status mamba_decoder_token(mamba_decoder *d, const mamba_tokenizer *t, int id, char *out, size_t cap,
                                           size_t *n_out) {
    mamba_decoder probe;
    size_t o = 0, pn;
    const unsigned char *p;
    if (n_out) *n_out = 0;
    if (!d || !t || (!out && cap)) return MAMBA_ERR_BADARG;
    if (!mamba__tok_valid_id(t, id)) return MAMBA_ERR_BADARG;
    if ((d->flags & MAMBA_DECODE_SKIP_SPECIAL) && (t->tok_attr[id] & MAMBA__TA_SPECIAL)) return MAMBA_OK;
    p = t->tok_bytes + t->tok_off[id];
    pn = t->tok_off[id + 1] - t->tok_off[id];
    probe = *d;
    if (t->spm) mamba__spm_dec_adjust(t, id, &probe.flags, d->n_pending, &p, &pn);
    mamba__dec_feed(&probe, p, pn, NULL, 0, &o);
    if (n_out) *n_out = o;
    if (o > cap) return MAMBA_ERR_RANGE;
    o = 0;
    d->flags = probe.flags;
    mamba__dec_feed(d, p, pn, out, cap, &o);
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_decoder_flush(mamba_decoder *d, char *out, size_t cap, size_t *n_out) {
    if (n_out) *n_out = 0;
    if (!d || (!out && cap)) return MAMBA_ERR_BADARG;
    if (!d->n_pending) return MAMBA_OK;
    {
        size_t k, r = (d->flags & MAMBA__DEC_SPM_PERBYTE) ? (size_t)d->n_pending : 1;   /* sentencepiece: per byte */
        if (n_out) *n_out = 3 * r;
        if (cap < 3 * r) return MAMBA_ERR_RANGE;
        for (k = 0; k < r; k++) { out[3 * k] = (char)0xEF; out[3 * k + 1] = (char)0xBF; out[3 * k + 2] = (char)0xBD; }
    }
    d->n_pending = 0;
    return MAMBA_OK;
}

MAMBA_API mamba_status mamba_tokenizer_decode(const mamba_tokenizer *t, const int *ids, size_t n, int flags,
                                              char *out, size_t cap, size_t *n_out) {
    mamba_decoder d;
    size_t i, o = 0;
    if (n_out) *n_out = 0;
    if (!t || (!ids && n) || (!out && cap)) return MAMBA_ERR_BADARG;
    mamba_decoder_init(&d, flags);
    for (i = 0; i < n; i++) {
        int id = ids[i];
        if (!mamba__tok_valid_id(t, id)) return MAMBA_ERR_BADARG;
        if ((flags & MAMBA_DECODE_SKIP_SPECIAL) && (t->tok_attr[id] & MAMBA__TA_SPECIAL)) continue;
        if (t->spm) {
            const unsigned char *p = t->tok_bytes + t->tok_off[id];
            size_t pn = t->tok_off[id + 1] - t->tok_off[id];
            mamba__spm_dec_adjust(t, id, &d.flags, d.n_pending, &p, &pn);
            mamba__dec_feed(&d, p, pn, out, cap, &o);
            continue;
        }
        mamba__dec_feed(&d, t->tok_bytes + t->tok_off[id], t->tok_off[id + 1] - t->tok_off[id], out, cap, &o);
    }
    if (d.n_pending) {
        int r = (d.flags & MAMBA__DEC_SPM_PERBYTE) ? d.n_pending : 1;   /* sentencepiece: per byte */
        while (r--) {
            if (o + 3 <= cap) { out[o] = (char)0xEF; out[o + 1] = (char)0xBF; out[o + 2] = (char)0xBD; }
            o += 3;
        }
    }
    if (n_out) *n_out = o;
    return o > cap ? MAMBA_ERR_RANGE : MAMBA_OK;
}

/* ---- E.10 queries ------------------------------------------------------------------- */

MAMBA_API int mamba_tokenizer_n_vocab(const mamba_tokenizer *t) { return t ? t->n_vocab : 0; }
MAMBA_API int mamba_tokenizer_bos_id(const mamba_tokenizer *t) { return t ? t->bos_id : -1; }
MAMBA_API int mamba_tokenizer_eos_id(const mamba_tokenizer *t) { return t ? t->eos_id : -1; }
MAMBA_API size_t mamba_tokenizer_table_bytes(const mamba_tokenizer *t) { return t ? t->table_bytes : 0; }
MAMBA_API int mamba_tokenizer_is_special(const mamba_tokenizer *t, int id) {
    return mamba__tok_valid_id(t, id) && (t->tok_attr[id] & MAMBA__TA_SPECIAL) != 0;
}
MAMBA_API const char *mamba_tokenizer_token_bytes(const mamba_tokenizer *t, int id, size_t *len) {
    if (len) *len = 0;
    if (!mamba__tok_valid_id(t, id)) return NULL;
    if (len) *len = t->tok_off[id + 1] - t->tok_off[id];
    return (const char *)t->tok_bytes + t->tok_off[id];
}
MAMBA_API int mamba_tokenizer_token_id(const mamba_tokenizer *t, const char *text, size_t len) {
    uint32_t h, v;
    if (!t || (!text && len)) return -1;
    h = mamba__tok_hash((const unsigned char *)text, len) & t->vhash_mask;
    while ((v = t->vhash[h]) != 0) {
        if (t->tok_off[v] - t->tok_off[v - 1] == len && (!len || !memcmp(t->tok_bytes + t->tok_off[v - 1], text, len)))
            return (int)v - 1;
        h = (h + 1) & t->vhash_mask;
    }
    if (t->spm && len) return mamba__spm_find_text(t, text, len);   /* a piece as written: "[INST]", "\xE2\x96\x81the" */
    return -1;
}

/* End of a tokenizer load: the heap moves into the tokenizer, or a failed
   load gives back its arena bytes. */
static mamba_status mamba__tok_finish(mamba_tokenizer **out, mamba__heap *hp, size_t used0, mamba_status st, mamba_error *e) {
    if (st != MAMBA_OK) {
        if (*out) { mamba_tokenizer_free(*out); *out = NULL; }
        st = mamba__heap_status(hp, st, e);
        if (hp->a) hp->a->used = used0;
        return st;
    }
    mamba__heap_done(hp);
    (*out)->heap = *hp;
    return MAMBA_OK;
}
#endif /* MAMBA_NO_TOKENIZER */

/* ==== F. formats: bytes -> config, tensor table, tokenizer description === */

#ifndef MAMBA_NO_SAFETENSORS   /* F.1: JSON is read only for the Hugging Face files */
/* ---- F.1 bounded JSON ------------------------------------------------------
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
    struct mamba__heap *hp;   /* where tok came from */
} mamba__json;

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
                    return mamba__err(e, MAMBA_ERR_LIMIT, "%s: JSON nested deeper than %d (max_json_depth)", what, 0, (long long)max_depth, 0);
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

/* Parses s[0..n) into j (tokens allocated from hp; NULL: MAMBA_MALLOC). `what`
   names the input in error messages. On failure nothing is allocated. */
static mamba_status mamba__json_parse_h(mamba__heap *hp, mamba__json *j, const char *s, size_t n, int max_depth,
                                        size_t max_tokens, mamba_error *e, const char *what) {
    uint32_t count = 0, count2 = 0;
    uint32_t *stack;
    mamba_status st;
    mamba__heap plain;
    mamba__heap *owner = hp;
    if (!hp) { mamba__heap_plain(&plain); hp = &plain; }
    memset(j, 0, sizeof *j);
    if (max_depth <= 0) max_depth = 64;
    if (max_depth > 4096) max_depth = 4096;
    stack = MAMBA__CAST(uint32_t *, mamba__halloc(hp, sizeof(uint32_t) * (size_t)max_depth));
    if (!stack) return mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory", what, 0, 0, 0);
    st = mamba__json_pass(s, n, NULL, 0, &count, stack, max_depth, e, what);
    if (st == MAMBA_OK && max_tokens && count > max_tokens)
        st = mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d JSON tokens exceed the limit", what, 0, (long long)count, 0);
    if (st == MAMBA_OK) {
        j->tok = MAMBA__CAST(mamba__jtok *, mamba__halloc(hp, sizeof(mamba__jtok) * (size_t)count));
        if (!j->tok) st = mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory for JSON tokens", what, 0, 0, 0);
        else st = mamba__json_pass(s, n, j->tok, count, &count2, stack, max_depth, e, what);
    }
    mamba__hfree(hp, stack);
    if (st != MAMBA_OK) { if (j->tok) mamba__hfree(hp, j->tok); memset(j, 0, sizeof *j); return st; }
    j->js = s;
    j->ntok = count2;
    j->hp = owner;
    return MAMBA_OK;
}

static MAMBA__UNUSED mamba_status mamba__json_parse(mamba__json *j, const char *s, size_t n, int max_depth,
                                                    size_t max_tokens, mamba_error *e, const char *what) {
    return mamba__json_parse_h(NULL, j, s, n, max_depth, max_tokens, e, what);
}

static void mamba__json_free(mamba__json *j) {
    mamba__heap plain;
    mamba__heap_plain(&plain);
    if (j->tok) mamba__hfree(j->hp ? j->hp : &plain, j->tok);
    memset(j, 0, sizeof *j);
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

/* Does string token t equal the NUL-terminated key? (Escaped keys compare decoded.) */
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

#endif /* MAMBA_NO_SAFETENSORS */

/* ---- F.2 tensor table and the model description (the format seam) ------ */

#define MAMBA__MAX_NDIM 8

typedef struct mamba__tensor {
    char *name;
    mamba_dtype dtype;          /* MAMBA_DTYPE_*, 0 if not one we compute with */
    char dtype_name[32];        /* "F32", ..., "Q5_0 (ggml type 6)" or "ggml type N" */
    const char *gname;          /* the GGUF tensor's own name (blk.0.ssm_dt.weight), NULL for the other formats */
    int ndim;
    int64_t shape[MAMBA__MAX_NDIM];
    const unsigned char *data;
    size_t nbytes;
    const char *file;           /* for messages */
    int used;
    int a_is_final;             /* GGUF ssm_a: stores A = -exp(A_log) already */
} mamba__tensor;

typedef struct mamba__tensors {
    mamba__tensor *t;
    size_t n, cap;
    mamba__heap *hp;    /* the table and names come from here (set by the caller) */
} mamba__tensors;

static void mamba__tensors_free(mamba__tensors *ts) {
    mamba__heap *hp = ts->hp;
    size_t i;
    for (i = 0; i < ts->n; i++) mamba__hfree(hp, ts->t[i].name);
    if (ts->t) mamba__hfree(hp, ts->t);
    memset(ts, 0, sizeof *ts);
    ts->hp = hp;
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
    mamba__heap *hp = ts->hp;
    const char **names;
    size_t i;
    mamba_status st = MAMBA_OK;
    if (ts->n < 2) return MAMBA_OK;
    names = MAMBA__CAST(const char **, mamba__halloc(hp, sizeof(char *) * ts->n));
    if (!names) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    for (i = 0; i < ts->n; i++) names[i] = ts->t[i].name;
    qsort(names, ts->n, sizeof *names, mamba__name_cmp);
    for (i = 1; i < ts->n; i++)
        if (!strcmp(names[i], names[i - 1])) { st = mamba__err(e, MAMBA_ERR_FORMAT, "tensor %s appears twice", names[i], 0, 0, 0); break; }
    mamba__hfree(hp, names);
    return st;
}

/* Tensor data ranges, sorted to find overlaps (every reader checks them). */
typedef struct mamba__range { uint64_t b, e; const char *name; } mamba__range;
static int mamba__range_cmp(const void *a, const void *b) {
    const mamba__range *x = (const mamba__range *)a, *y = (const mamba__range *)b;
    return x->b < y->b ? -1 : x->b > y->b ? 1 : (x->e < y->e ? -1 : x->e > y->e);
}

/* -- the seam between formats and the model ------------------------------
   Every model format is one reader that fills a mamba__desc: the config, the
   tensor table under Hugging Face names and shapes (data pointing into bytes
   the model keeps alive, see mamba__add_blob), and the model's name. One
   builder (mamba__build, section G) then checks the config, binds the tensors
   to layers and validates them, whatever the format. A reader has two entry
   points, from memory and from a path, and a claim for each (may it read
   these bytes / this path?); section G lists the readers in mamba__formats.
   A reader may allocate from m->heap and register input bytes with
   mamba__add_blob; it must not touch the rest of the model. To add a format
   (as F.6's PyTorch and Mistral readers): write its reader in section F, add
   one line to mamba__formats, and nothing else changes. */
typedef struct mamba__desc {
    mamba_config cfg;       /* complete: the builder only checks it           */
    int tie_explicit;       /* config.json says tie_word_embeddings itself    */
    char name[96];          /* e.g. GGUF general.name; "" if none             */
    mamba__tensors ts;      /* ts.hp = &m->heap (set by the loader)           */
    int as_file;            /* the path is a weights file whatever its suffix  */
} mamba__desc;

/* Keeps bytes alive for the model's lifetime (mmap'd or read file, or the
   caller's buffer) and counts them as input for the default allocation cap.
   path: for messages, copied; NULL for memory. */
static mamba_status mamba__add_blob(mamba_model *m, const mamba__blob *b, const char *path, mamba_error *e) {
    mamba__heap *hp = &m->heap;
    mamba__blob *nb = MAMBA__CAST(mamba__blob *, mamba__halloc(hp, sizeof(mamba__blob) * (size_t)(m->n_blobs + 1)));
    char **np = MAMBA__CAST(char **, mamba__halloc(hp, sizeof(char *) * (size_t)(m->n_blobs + 1)));
    char *p = NULL;
    if (path) {
        size_t n = strlen(path) + 1;
        p = MAMBA__CAST(char *, mamba__halloc(hp, n));
        if (p) memcpy(p, path, n);
    }
    if (!nb || !np || (path && !p)) {
        if (nb) mamba__hfree(hp, nb);
        if (np) mamba__hfree(hp, np);
        if (p) mamba__hfree(hp, p);
        return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    }
    if (m->n_blobs) { memcpy(nb, m->blobs, sizeof(mamba__blob) * (size_t)m->n_blobs); memcpy(np, m->paths, sizeof(char *) * (size_t)m->n_blobs); }
    if (m->blobs) mamba__hfree(hp, m->blobs);
    if (m->paths) mamba__hfree(hp, m->paths);
    nb[m->n_blobs] = *b;
    np[m->n_blobs] = p;
    m->blobs = nb;
    m->paths = np;
    m->n_blobs++;
    hp->input += b->size;
    return MAMBA_OK;
}

#ifndef MAMBA_NO_SAFETENSORS   /* F.3 */
/* ---- F.3 Hugging Face files: safetensors, config.json, tokenizer.json ---- */

static int mamba__dtype_parse(const char *s, size_t *esize) {
    static const struct { const char *name; int dt; size_t sz; } tab[] = {   /* those we do not compute with */
        {"F64", 0, 8}, {"I64", 0, 8}, {"U64", 0, 8}, {"I32", 0, 4}, {"U32", 0, 4},
        {"I16", 0, 2}, {"U16", 0, 2}, {"I8", 0, 1}, {"U8", 0, 1}, {"BOOL", 0, 1},
        {"F8_E4M3", 0, 1}, {"F8_E5M2", 0, 1}};
    size_t i;
    int dt;
    for (dt = 1; dt < MAMBA__NDTYPES; dt++)   /* the dtype table's safetensors dtypes */
        if (mamba__dtypes[dt].st && !strcmp(s, mamba__dtypes[dt].name)) { *esize = (size_t)mamba__dtypes[dt].bytes; return dt; }
    for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].name)) { *esize = tab[i].sz; return tab[i].dt; }
    *esize = 0;
    return -1;
}


/* Parses one safetensors file held in `blob` and appends its tensors. */
static mamba_status mamba__safetensors_read(mamba__tensors *ts, const unsigned char *data, size_t size,
                                            const char *fname, const mamba_options *o, mamba_error *e) {
    mamba__heap *hp = ts->hp;
    uint64_t hlen = 0;
    size_t max_header = MAMBA__OPT(o, max_json_bytes, MAMBA__DEF_HEADER);
    size_t max_tensors = MAMBA__OPT(o, max_tensors, MAMBA__DEF_TENSORS);
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
        return mamba__err(e, MAMBA_ERR_LIMIT, "%s: header of %d bytes exceeds the limit (max_json_bytes)", fname, 0, (long long)hlen, 0);
    st = mamba__json_parse_h(hp, &j, (const char *)data + 8, (size_t)hlen, o ? o->max_json_depth : 0, 0, e, fname);
    if (st != MAMBA_OK) return st;
    if (j.tok[0].type != MAMBA__J_OBJ) { mamba__json_free(&j); return mamba__err(e, MAMBA_ERR_FORMAT, "%s: header is not a JSON object", fname, 0, 0, 0); }
    base = data + 8 + hlen;
    data_len = size - 8 - (size_t)hlen;
    if (j.tok[0].size > max_tensors || ts->n + j.tok[0].size > max_tensors) {
        long long count = (long long)j.tok[0].size;
        mamba__json_free(&j);
        return mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d tensors exceed the limit (max_tensors)", fname, 0, count, 0);
    }
    /* grow the table once for this file */
    if (ts->n + j.tok[0].size > ts->cap) {
        size_t ncap = ts->n + j.tok[0].size, bytes;
        mamba__tensor *nt2;
        if (!mamba__mul(ncap, sizeof(mamba__tensor), &bytes) || !(nt2 = MAMBA__CAST(mamba__tensor *, mamba__hcalloc(hp, bytes)))) {
            mamba__json_free(&j);
            return mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory for the tensor table", fname, 0, 0, 0);
        }
        if (ts->t) { memcpy(nt2, ts->t, ts->n * sizeof(mamba__tensor)); mamba__hfree(hp, ts->t); }
        ts->t = nt2;
        ts->cap = ncap;
    }
    ranges = MAMBA__CAST(mamba__range *, mamba__halloc(hp, sizeof(mamba__range) * (j.tok[0].size + 1)));
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
        t->name = MAMBA__CAST(char *, mamba__halloc(hp, namelen + 1));
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
        {
            int dtp = mamba__dtype_parse(dts, &esize);   /* -1: not a safetensors dtype */
            if (dtp < 0) { st = mamba__err3(e, MAMBA_ERR_UNSUPPORTED, "%s: tensor %s has unknown dtype '%s'", fname, t->name, dts); break; }
            t->dtype = (mamba_dtype)dtp;
        }
        memcpy(t->dtype_name, dts, sizeof dts);   /* NUL-terminated (json_str) */
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
    mamba__hfree(hp, ranges);
    mamba__json_free(&j);
    return st;
}

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

static mamba_status mamba__config_parse(mamba__heap *hp, mamba_config *c, const char *text, size_t len, int *tie_explicit,
                                        const mamba_options *o, mamba_error *e) {
    mamba__json j;
    mamba_status st;
    uint32_t root = 0, ssm, v;
    int original, expand = 2, pad_multiple = 8, auto_rank = 1;
    char mt[32] = "";
    memset(c, 0, sizeof *c);
    if (len > MAMBA__OPT(o, max_json_bytes, MAMBA__DEF_HEADER))
        return mamba__err(e, MAMBA_ERR_LIMIT, "config.json: %d bytes exceed the limit (max_json_bytes)", 0, 0, (long long)len, 0);
    st = mamba__json_parse_h(hp, &j, text, len, o ? o->max_json_depth : 0, 1000000, e, "config.json");
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
#define MAMBA__FAIL(status, msg, s1) MAMBA__TRY(mamba__err(e, status, msg, s1, 0, 0, 0))
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
            c->norm_before_gate = 0;   /* ignored, as transformers' Mamba2 does (Codestral's config.json says true; it runs gate-then-norm) */
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
#undef MAMBA__FAIL
    mamba__json_free(&j);
    return st;
}

#ifndef MAMBA_NO_TOKENIZER
/* -- tokenizer.json ------------------------------------------------------- */

/* String views of JSON string tokens: unescaped ones point into the JSON text,
   escaped ones are decoded into a pool sized for all of them up front. */
typedef struct mamba__tj {
    mamba__json j;
    char *pool;
    size_t pool_n, pool_cap;
    mamba_error *e;
} mamba__tj;

static int mamba__tj_str(mamba__tj *x, uint32_t t, mamba__str *out) {
    const mamba__jtok *k;
    if (!t || t >= x->j.ntok || x->j.tok[t].type != MAMBA__J_STR) return 0;
    k = &x->j.tok[t];
    if (!k->escaped) { out->p = x->j.js + k->start; out->n = k->end - k->start; return 1; }
    {
        size_t room = x->pool_cap - x->pool_n, n;
        n = mamba__json_str(&x->j, t, x->pool + x->pool_n, room);
        if (n + 1 > room) return 0;   /* cannot happen: decoding never grows a string */
        out->p = x->pool + x->pool_n;
        out->n = n;
        x->pool_n += n + 1;
    }
    return 1;
}

/* Does string token t decode to the bytes s? Uses no pool space (a key may be
   compared many times; the pool holds one decode per escaped token). */
static int mamba__tj_eq_str(mamba__tj *x, uint32_t t, const mamba__str *s) {
    const mamba__jtok *k;
    char small[256], *buf = small;
    size_t raw, n;
    int eq;
    if (!t || t >= x->j.ntok || x->j.tok[t].type != MAMBA__J_STR) return 0;
    k = &x->j.tok[t];
    raw = k->end - k->start;
    if (!k->escaped) return raw == s->n && !memcmp(x->j.js + k->start, s->p, s->n);
    if (raw + 1 > sizeof small && !(buf = MAMBA__CAST(char *, mamba__halloc(x->j.hp, raw + 1)))) return 0;
    n = mamba__json_str(&x->j, t, buf, raw + 1);   /* decoding never grows a string */
    eq = n == s->n && !memcmp(buf, s->p, n);
    if (buf != small) mamba__hfree(x->j.hp, buf);
    return eq;
}

/* Is string token t equal to s? */
static int mamba__tj_is(mamba__tj *x, uint32_t t, const char *s) {
    return t && t < x->j.ntok && x->j.tok[t].type == MAMBA__J_STR && mamba__json_eq(&x->j, t, s);
}
/* "type" of object t, or 0 */
static uint32_t mamba__tj_type(mamba__tj *x, uint32_t t) {
    if (!t || t >= x->j.ntok || x->j.tok[t].type != MAMBA__J_OBJ) return 0;
    return mamba__json_get(&x->j, t, "type");
}
static int mamba__tj_null(mamba__tj *x, uint32_t t) { return !t || x->j.tok[t].type == MAMBA__J_NULL; }
/* Boolean member (absent or null: def); -1 if it is not a boolean. */
static int mamba__tj_bool(mamba__tj *x, uint32_t obj, const char *key, int def) {
    uint32_t v = mamba__json_get(&x->j, obj, key);
    if (mamba__tj_null(x, v)) return def;
    if (x->j.tok[v].type == MAMBA__J_TRUE) return 1;
    if (x->j.tok[v].type == MAMBA__J_FALSE) return 0;
    return -1;
}
/* Error with a message whose %s is string token t's text ("" if t is not one). */
static mamba_status mamba__tj_fail(mamba__tj *x, mamba_status st, const char *fmt, uint32_t t) {
    char name[48];
    name[0] = 0;
    if (t && t < x->j.ntok && x->j.tok[t].type == MAMBA__J_STR) mamba__json_str(&x->j, t, name, sizeof name);
    return mamba__err(x->e, st, fmt, name, 0, 0, 0);
}

static int mamba__tj_behavior(mamba__tj *x, uint32_t v, int def) {
    if (!v) return def;
    if (mamba__tj_is(x, v, "Removed")) return MAMBA__BEH_REMOVED;
    if (mamba__tj_is(x, v, "Isolated")) return MAMBA__BEH_ISOLATED;
    if (mamba__tj_is(x, v, "MergedWithPrevious")) return MAMBA__BEH_PREV;
    if (mamba__tj_is(x, v, "MergedWithNext")) return MAMBA__BEH_NEXT;
    if (mamba__tj_is(x, v, "Contiguous")) return MAMBA__BEH_CONTIGUOUS;
    return -1;
}

#define MAMBA__GPT2_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

/* One pre-tokenizer object into d->steps. */
static mamba_status mamba__tj_pretok(mamba__tj *x, uint32_t p, mamba__tok_desc *d, int depth) {
    uint32_t ty = mamba__tj_type(x, p);
    mamba__tok_step *s;
    if (!ty) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: pre_tokenizer without a type%s", 0);
    if (mamba__tj_is(x, ty, "Sequence")) {
        uint32_t a = mamba__json_get(&x->j, p, "pretokenizers"), i, k;
        if (!a || x->j.tok[a].type != MAMBA__J_ARR || depth > 4) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s pre_tokenizer", ty);
        for (i = a + 1, k = 0; k < x->j.tok[a].size; k++, i = x->j.tok[i].next) {
            mamba_status st = mamba__tj_pretok(x, i, d, depth + 1);
            if (st != MAMBA_OK) return st;
        }
        return MAMBA_OK;
    }
    if (d->n_steps >= MAMBA__TOK_MAX_STEPS) return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: more than 8 pre_tokenizers%s", 0);
    s = &d->steps[d->n_steps];
    memset(s, 0, sizeof *s);
    if (mamba__tj_is(x, ty, "ByteLevel")) {
        int i;
        for (i = 0; i < d->n_steps; i++)
            if (d->steps[i].kind == MAMBA__PT_BYTELEVEL) return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: a second %s pre_tokenizer is not supported", ty);
        s->kind = MAMBA__PT_BYTELEVEL;
        s->add_prefix_space = mamba__tj_bool(x, p, "add_prefix_space", 1);
        s->use_regex = mamba__tj_bool(x, p, "use_regex", 1);
        if (s->add_prefix_space < 0 || s->use_regex < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s pre_tokenizer", ty);
    } else if (mamba__tj_is(x, ty, "Punctuation")) {
        s->kind = MAMBA__PT_PUNCT;
        s->behavior = mamba__tj_behavior(x, mamba__json_get(&x->j, p, "behavior"), MAMBA__BEH_ISOLATED);
    } else if (mamba__tj_is(x, ty, "Digits")) {
        int ind = mamba__tj_bool(x, p, "individual_digits", 0);
        if (ind < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s pre_tokenizer", ty);
        s->kind = MAMBA__PT_DIGITS;
        s->behavior = ind ? MAMBA__BEH_ISOLATED : MAMBA__BEH_CONTIGUOUS;
    } else if (mamba__tj_is(x, ty, "Split")) {
        uint32_t pat = mamba__json_get(&x->j, p, "pattern"), v;
        mamba__str str;
        s->kind = MAMBA__PT_SPLIT;
        s->behavior = mamba__tj_behavior(x, mamba__json_get(&x->j, p, "behavior"), -1);
        s->invert = mamba__tj_bool(x, p, "invert", 0);
        if (!pat || x->j.tok[pat].type != MAMBA__J_OBJ || s->invert < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s pre_tokenizer", ty);
        if ((v = mamba__json_get(&x->j, pat, "String")) != 0) {
            if (!mamba__tj_str(x, v, &str)) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s pre_tokenizer", ty);
            s->pattern = MAMBA__PAT_LITERAL;
            s->literal = str;
        } else if ((v = mamba__json_get(&x->j, pat, "Regex")) != 0) {
            if (mamba__tj_is(x, v, "[0-9][0-9][0-9]")) s->pattern = MAMBA__PAT_DIGIT3;
            else if (mamba__tj_is(x, v, MAMBA__GPT2_PATTERN)) s->pattern = MAMBA__PAT_GPT2;
            else return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported Split regex %s", v);
        } else return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s pre_tokenizer", ty);
    } else {
        return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported pre_tokenizer %s", ty);
    }
    if (s->behavior < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: bad split behavior in %s pre_tokenizer", ty);
    d->n_steps++;
    return MAMBA_OK;
}

static mamba_status mamba__tj_normalizer(mamba__tj *x, uint32_t p, mamba__tok_desc *d, int depth) {
    uint32_t ty;
    if (mamba__tj_null(x, p)) return MAMBA_OK;
    ty = mamba__tj_type(x, p);
    if (mamba__tj_is(x, ty, "NFC")) { d->normalizer = MAMBA__NORM_NFC; return MAMBA_OK; }
    if (mamba__tj_is(x, ty, "Sequence") && depth < 4) {
        uint32_t a = mamba__json_get(&x->j, p, "normalizers"), i, k;
        if (!a || x->j.tok[a].type != MAMBA__J_ARR) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s normalizer", ty);
        for (i = a + 1, k = 0; k < x->j.tok[a].size; k++, i = x->j.tok[i].next) {
            mamba_status st = mamba__tj_normalizer(x, i, d, depth + 1);
            if (st != MAMBA_OK) return st;
        }
        return MAMBA_OK;
    }
    return mamba__tj_fail(x, ty ? MAMBA_ERR_UNSUPPORTED : MAMBA_ERR_FORMAT, ty ? "tokenizer.json: unsupported normalizer %s" : "tokenizer.json: normalizer without a type%s", ty);
}

/* Looks token content s up among vocab and added tokens (for post-processors). */
static int mamba__tj_find_id(const mamba__tok_desc *d, const mamba__str *s) {
    size_t i;
    for (i = 0; i < d->n_added; i++)
        if (d->added[i].content.n == s->n && !memcmp(d->added[i].content.p, s->p, s->n)) return d->added[i].id;
    for (i = 0; i < d->n_vocab; i++)
        if (d->vocab[i].n == s->n && !memcmp(d->vocab[i].p, s->p, s->n)) return d->vocab_id ? d->vocab_id[i] : (int)i;
    return -1;
}

static mamba_status mamba__tj_post(mamba__tj *x, uint32_t p, mamba__tok_desc *d, int depth) {
    uint32_t ty;
    if (mamba__tj_null(x, p)) return MAMBA_OK;
    ty = mamba__tj_type(x, p);
    if (mamba__tj_is(x, ty, "ByteLevel")) return MAMBA_OK;    /* offsets only */
    if (mamba__tj_is(x, ty, "Sequence") && depth < 4) {
        uint32_t a = mamba__json_get(&x->j, p, "processors"), i, k;
        if (!a || x->j.tok[a].type != MAMBA__J_ARR) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s post_processor", ty);
        for (i = a + 1, k = 0; k < x->j.tok[a].size; k++, i = x->j.tok[i].next) {
            mamba_status st = mamba__tj_post(x, i, d, depth + 1);
            if (st != MAMBA_OK) return st;
        }
        return MAMBA_OK;
    }
    if (mamba__tj_is(x, ty, "TemplateProcessing")) {
        uint32_t single = mamba__json_get(&x->j, p, "single"), sp = mamba__json_get(&x->j, p, "special_tokens"), i, k;
        int seen = 0;
        if (!single || x->j.tok[single].type != MAMBA__J_ARR) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s post_processor", ty);
        for (i = single + 1, k = 0; k < x->j.tok[single].size; k++, i = x->j.tok[i].next) {
            uint32_t it = mamba__json_get(&x->j, i, "SpecialToken"), name, arr, q, r;
            mamba__str s;
            if (mamba__json_get(&x->j, i, "Sequence")) { seen = 1; continue; }
            if (!it || !(name = mamba__json_get(&x->j, it, "id")) || !mamba__tj_str(x, name, &s))
                return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s post_processor", ty);
            /* ids from special_tokens[name].ids, else the token itself */
            arr = 0;
            if (sp && x->j.tok[sp].type == MAMBA__J_OBJ) {
                uint32_t ent = 0, kk, ii;
                for (ii = sp + 1, kk = 0; kk < x->j.tok[sp].size; kk++, ii = x->j.tok[ii + 1].next) {
                    if (mamba__tj_eq_str(x, ii, &s)) { ent = ii + 1; break; }
                }
                if (ent) arr = mamba__json_get(&x->j, ent, "ids");
            }
            if (arr && x->j.tok[arr].type == MAMBA__J_ARR) {
                for (q = arr + 1, r = 0; r < x->j.tok[arr].size; r++, q = x->j.tok[q].next) {
                    long long v;
                    int *n = seen ? &d->n_suffix : &d->n_prefix;
                    if (!mamba__json_int(&x->j, q, 0, MAMBA__TOK_MAX_VOCAB - 1, &v)) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed %s post_processor", ty);
                    if (*n >= MAMBA__TOK_MAX_AFFIX) return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: %s post_processor adds more than 8 ids", ty);
                    (seen ? d->suffix : d->prefix)[(*n)++] = (int)v;
                }
            } else {
                int id = mamba__tj_find_id(d, &s), *n = seen ? &d->n_suffix : &d->n_prefix;
                if (id < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: post_processor token %s is not in the vocabulary", name);
                if (*n >= MAMBA__TOK_MAX_AFFIX) return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: %s post_processor adds more than 8 ids", ty);
                (seen ? d->suffix : d->prefix)[(*n)++] = id;
            }
        }
        return MAMBA_OK;
    }
    return mamba__tj_fail(x, ty ? MAMBA_ERR_UNSUPPORTED : MAMBA_ERR_FORMAT, ty ? "tokenizer.json: unsupported post_processor %s" : "tokenizer.json: post_processor without a type%s", ty);
}

/* -- SentencePiece: the tokenizer.json reading ---------------------------- */

static int mamba__spm_is_ws_str(mamba__tj *x, uint32_t t) { return mamba__tj_is(x, t, "\xE2\x96\x81"); }

/* Is this tokenizer.json SentencePiece-style (Metaspace, or the legacy
   Prepend/Replace normalizer, or a ByteFallback/Metaspace decoder)? */
static int mamba__spm_json_kind(mamba__tj *x) {
    uint32_t p = mamba__json_get(&x->j, 0, "pre_tokenizer"), dec = mamba__json_get(&x->j, 0, "decoder"), ty, a, i, k;
    if (mamba__tj_is(x, mamba__tj_type(x, p), "Metaspace")) return 1;
    ty = mamba__tj_type(x, dec);
    if (mamba__tj_is(x, ty, "Metaspace")) return 1;
    if (mamba__tj_is(x, ty, "Sequence") && (a = mamba__json_get(&x->j, dec, "decoders")) != 0 && x->j.tok[a].type == MAMBA__J_ARR)
        for (i = a + 1, k = 0; k < x->j.tok[a].size; k++, i = x->j.tok[i].next)
            if (mamba__tj_is(x, mamba__tj_type(x, i), "ByteFallback") || mamba__tj_is(x, mamba__tj_type(x, i), "Replace")) return 1;
    return 0;
}

static mamba_status mamba__spm_json_norm(mamba__tj *x, uint32_t p, mamba__spm *cfg, int depth) {
    uint32_t ty, a, i, k, pat;
    if (mamba__tj_null(x, p)) return MAMBA_OK;
    ty = mamba__tj_type(x, p);
    if (mamba__tj_is(x, ty, "Sequence") && depth < 4 && (a = mamba__json_get(&x->j, p, "normalizers")) != 0 && x->j.tok[a].type == MAMBA__J_ARR) {
        for (i = a + 1, k = 0; k < x->j.tok[a].size; k++, i = x->j.tok[i].next) {
            mamba_status st = mamba__spm_json_norm(x, i, cfg, depth + 1);
            if (st != MAMBA_OK) return st;
        }
        return MAMBA_OK;
    }
    if (mamba__tj_is(x, ty, "Prepend") && mamba__spm_is_ws_str(x, mamba__json_get(&x->j, p, "prepend")) && !cfg->hf_replace) {
        cfg->hf_prepend = 1;
        return MAMBA_OK;
    }
    if (mamba__tj_is(x, ty, "Replace") && (pat = mamba__json_get(&x->j, p, "pattern")) != 0 &&
        mamba__tj_is(x, mamba__json_get(&x->j, pat, "String"), " ") && mamba__spm_is_ws_str(x, mamba__json_get(&x->j, p, "content"))) {
        cfg->hf_replace = 1;
        return MAMBA_OK;
    }
    return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported normalizer %s for a SentencePiece-style tokenizer (Prepend then Replace of U+2581 only)", ty);
}

/* Called by mamba_tokenizer_load_json once model and added tokens are in d. */
static mamba_status mamba__spm_load_json(mamba__heap *hp, mamba__tj *x, mamba__tok_desc *d, mamba_tokenizer **out, mamba_error *err) {
    mamba__spm cfg;
    uint32_t p, ty, a, i, k;
    size_t z;
    mamba_status st;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = MAMBA__SPM_HF;
    if (d->ignore_merges) return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: ignore_merges in a SentencePiece-style BPE is not supported%s", 0);
    if ((st = mamba__spm_json_norm(x, mamba__json_get(&x->j, 0, "normalizer"), &cfg, 0)) != MAMBA_OK) return st;
    p = mamba__json_get(&x->j, 0, "pre_tokenizer");
    if (!mamba__tj_null(x, p)) {
        uint32_t sch;
        ty = mamba__tj_type(x, p);
        if (!mamba__tj_is(x, ty, "Metaspace") || (cfg.hf_prepend || cfg.hf_replace) ||
            !mamba__spm_is_ws_str(x, mamba__json_get(&x->j, p, "replacement")))
            return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported pre_tokenizer %s for a SentencePiece-style tokenizer (Metaspace with U+2581 only)", ty);
        sch = mamba__json_get(&x->j, p, "prepend_scheme");
        if (sch) {
            cfg.hf_meta = mamba__tj_is(x, sch, "always") ? 1 : mamba__tj_is(x, sch, "first") ? 2 : mamba__tj_is(x, sch, "never") ? 3 : 0;
            if (!cfg.hf_meta) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: Metaspace prepend_scheme %s is unknown", sch);
        } else {   /* older files: add_prefix_space */
            int ap = mamba__tj_bool(x, p, "add_prefix_space", 1);
            if (ap < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed Metaspace pre_tokenizer%s", 0);
            cfg.hf_meta = ap ? 1 : 3;
        }
        cfg.hf_split = mamba__tj_bool(x, p, "split", 1);
        if (cfg.hf_split < 0) return mamba__tj_fail(x, MAMBA_ERR_FORMAT, "tokenizer.json: malformed Metaspace pre_tokenizer%s", 0);
    }
    /* decoder: Sequence of Replace(U+2581 -> ' '), ByteFallback, Fuse, Strip(' ', start 0 or 1, stop 0) */
    p = mamba__json_get(&x->j, 0, "decoder");
    ty = mamba__tj_type(x, p);
    if (!mamba__tj_is(x, ty, "Sequence") || !(a = mamba__json_get(&x->j, p, "decoders")) || x->j.tok[a].type != MAMBA__J_ARR)
        return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported decoder %s for a SentencePiece-style tokenizer (a Sequence of Replace, ByteFallback, Fuse, Strip)", ty);
    {
        int replace = 0, bytes = 0;
        for (i = a + 1, k = 0; k < x->j.tok[a].size; k++, i = x->j.tok[i].next) {
            uint32_t dt = mamba__tj_type(x, i), pat;
            if (mamba__tj_is(x, dt, "Replace") && (pat = mamba__json_get(&x->j, i, "pattern")) != 0 &&
                mamba__spm_is_ws_str(x, mamba__json_get(&x->j, pat, "String")) && mamba__tj_is(x, mamba__json_get(&x->j, i, "content"), " ")) replace = 1;
            else if (mamba__tj_is(x, dt, "ByteFallback")) bytes = 1;
            else if (mamba__tj_is(x, dt, "Fuse")) {}
            else if (mamba__tj_is(x, dt, "Strip") && mamba__tj_is(x, mamba__json_get(&x->j, i, "content"), " ")) {
                long long s0, s1;
                if (!mamba__json_int(&x->j, mamba__json_get(&x->j, i, "start"), 0, 1, &s0) || !mamba__json_int(&x->j, mamba__json_get(&x->j, i, "stop"), 0, 0, &s1))
                    return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: only Strip(' ', start 0 or 1, stop 0) decoders are supported%s", 0);
                cfg.dec_strip = (int)s0;
            } else return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported decoder %s in a SentencePiece-style Sequence", dt);
        }
        if (!replace || !bytes)
            return mamba__tj_fail(x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: a SentencePiece-style decoder needs Replace(U+2581 -> ' ') and ByteFallback%s", 0);
    }
    for (z = 0; z < d->n_added; z++)   /* normalized added tokens would need the normalizer's view of their content */
        if ((d->added[z].flags & MAMBA__AT_NORMALIZED) && (cfg.hf_prepend || (cfg.hf_replace && memchr(d->added[z].content.p, ' ', d->added[z].content.n))))
            return mamba__err(err, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: a normalized: true added token with a Prepend/Replace normalizer is not supported", 0, 0, 0, 0);
    if ((st = mamba__tj_post(x, mamba__json_get(&x->j, 0, "post_processor"), d, 0)) != MAMBA_OK) return st;
    d->normalizer = MAMBA__NORM_NONE;
    d->n_steps = 0;
    return mamba__spm_build(hp, out, d, NULL, NULL, &cfg, NULL, err);
}

MAMBA_API mamba_status mamba_tokenizer_load_json(mamba_tokenizer **out, const char *json, size_t len,
                                                 const mamba_options *opt, mamba_error *err) {
    mamba__heap h, *hp = &h;
    size_t used0;
    size_t max_vocab = MAMBA__OPT(opt, max_vocab, MAMBA__DEF_VOCAB), max_merges = MAMBA__OPT(opt, max_merges, MAMBA__DEF_MERGES);
    mamba__tj x;
    mamba__tok_desc d;
    mamba_status st;
    mamba__str *vocab = NULL, *merges = NULL;
    int *vocab_id = NULL;
    mamba__tok_added *added = NULL;
    uint32_t model, v, m, a, i, k, q;
    size_t pool = 0, nm;
    mamba__err_clear(err);
    if (out) *out = NULL;
    if (!out || (!json && len)) return mamba__err(err, MAMBA_ERR_BADARG, "tokenizer: bad argument", 0, 0, 0, 0);
    if (len > MAMBA__OPT(opt, max_tokenizer_bytes, MAMBA__DEF_TOK_BYTES))
        return mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.json: %d bytes exceed the limit (max_tokenizer_bytes)", 0, 0, (long long)len, 0);
    memset(&x, 0, sizeof x);
    memset(&d, 0, sizeof d);
    mamba__heap_init(hp, opt);
    hp->input = len;
    used0 = hp->a ? hp->a->used : 0;
    x.e = err;
    st = mamba__json_parse_h(hp, &x.j, json, len, opt ? opt->max_json_depth : 0, (size_t)1 << 28, err, "tokenizer.json");
    if (st != MAMBA_OK) return mamba__tok_finish(out, hp, used0, st, err);
#define MAMBA__TJ_BAD(what, tk) MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_FORMAT, what, tk))
    if (!x.j.ntok || x.j.tok[0].type != MAMBA__J_OBJ) MAMBA__TJ_BAD("tokenizer.json: the top level is not an object%s", 0);
    for (i = 0; i < x.j.ntok; i++)
        if (x.j.tok[i].type == MAMBA__J_STR && x.j.tok[i].escaped) pool += x.j.tok[i].end - x.j.tok[i].start + 1;
    if (pool) {
        x.pool = MAMBA__CAST(char *, mamba__halloc(hp, pool));
        if (!x.pool) MAMBA__TRY(mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0));
        x.pool_cap = pool;
    }
    d.unk_id = -1;
    d.bos_id = d.eos_id = -2;

    /* model */
    model = mamba__json_get(&x.j, 0, "model");
    if (!model || x.j.tok[model].type != MAMBA__J_OBJ) MAMBA__TJ_BAD("tokenizer.json: \"model\" is missing or not an object%s", 0);
    if ((v = mamba__json_get(&x.j, model, "type")) != 0 && !mamba__tj_is(&x, v, "BPE"))
        MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported model type %s (only BPE)", v));
    v = mamba__json_get(&x.j, model, "vocab");
    m = mamba__json_get(&x.j, model, "merges");
    if (!v || x.j.tok[v].type != MAMBA__J_OBJ) MAMBA__TJ_BAD("tokenizer.json: model.vocab is missing or not an object%s", 0);
    if (m && x.j.tok[m].type != MAMBA__J_ARR) MAMBA__TJ_BAD("tokenizer.json: model.merges is not an array%s", 0);
    if (!mamba__tj_null(&x, mamba__json_get(&x.j, model, "continuing_subword_prefix")) ||
        !mamba__tj_null(&x, mamba__json_get(&x.j, model, "end_of_word_suffix")))
        MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: BPE continuing_subword_prefix/end_of_word_suffix are not supported%s", 0));
    if (!mamba__tj_null(&x, (q = mamba__json_get(&x.j, model, "dropout")))) {
        double p;
        if (!mamba__json_num(&x.j, q, &p) || p != 0.0) MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: BPE dropout is not supported%s", 0));
    }
    d.fuse_unk = mamba__tj_bool(&x, model, "fuse_unk", 0);
    d.byte_fallback = mamba__tj_bool(&x, model, "byte_fallback", 0);
    d.ignore_merges = mamba__tj_bool(&x, model, "ignore_merges", 0);
    if (d.fuse_unk < 0 || d.byte_fallback < 0 || d.ignore_merges < 0) MAMBA__TJ_BAD("tokenizer.json: model.vocab is missing or not an object%s", 0);
    d.n_vocab = x.j.tok[v].size;
    if (d.n_vocab > max_vocab)
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.json: %d vocabulary entries exceed the limit (max_vocab)", 0, 0, (long long)d.n_vocab, 0));
    if (m && x.j.tok[m].size > max_merges)
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.json: %d merges exceed the limit (max_merges)", 0, 0, (long long)x.j.tok[m].size, 0));
    vocab = MAMBA__CAST(mamba__str *, mamba__halloc(hp, (d.n_vocab + 1) * sizeof(mamba__str)));
    vocab_id = MAMBA__CAST(int *, mamba__halloc(hp, (d.n_vocab + 1) * sizeof(int)));
    if (!vocab || !vocab_id) MAMBA__TRY(mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0));
    for (i = v + 1, k = 0; k < x.j.tok[v].size; k++, i = x.j.tok[i + 1].next) {
        long long id = 0;
        if (!mamba__tj_str(&x, i, &vocab[k]) || !mamba__json_int(&x.j, i + 1, 0, MAMBA__TOK_MAX_VOCAB - 1, &id))
            MAMBA__TJ_BAD("tokenizer.json: bad vocabulary entry %s (id must be an integer)", i);
        if ((size_t)id >= max_vocab)
            MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.json: token id %d is over the limit (max_vocab)", 0, 0, id, 0));
        vocab_id[k] = (int)id;
    }
    d.vocab = vocab;
    d.vocab_id = vocab_id;
    nm = m ? x.j.tok[m].size : 0;
    merges = MAMBA__CAST(mamba__str *, mamba__halloc(hp, (2 * nm + 1) * sizeof(mamba__str)));
    if (!merges) MAMBA__TRY(mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0));
    for (i = m + 1, k = 0; k < nm; k++, i = x.j.tok[i].next) {
        mamba__str s, *l = &merges[2 * k], *r = &merges[2 * k + 1];
        if (x.j.tok[i].type == MAMBA__J_ARR) {          /* ["left", "right"] */
            if (x.j.tok[i].size != 2 || !mamba__tj_str(&x, i + 1, l) || !mamba__tj_str(&x, x.j.tok[i + 1].next, r))
                MAMBA__TJ_BAD("tokenizer.json: a merge is not a string or a pair of strings%s", 0);
        } else {                                          /* "left right": exactly one space */
            const char *sp;
            if (!mamba__tj_str(&x, i, &s)) MAMBA__TJ_BAD("tokenizer.json: a merge is not a string or a pair of strings%s", 0);
            sp = s.n ? MAMBA__CAST(const char *, memchr(s.p, ' ', s.n)) : NULL;
            if (!sp || memchr(sp + 1, ' ', s.n - (size_t)(sp + 1 - s.p))) MAMBA__TJ_BAD("tokenizer.json: merge \"%s\" is not two tokens separated by one space", i);
            l->p = s.p; l->n = (size_t)(sp - s.p);
            r->p = sp + 1; r->n = s.n - l->n - 1;
        }
    }
    d.merges = merges;
    d.n_merges = nm;
    if (!mamba__tj_null(&x, (q = mamba__json_get(&x.j, model, "unk_token")))) {
        mamba__str s;
        size_t z;
        if (!mamba__tj_str(&x, q, &s)) MAMBA__TJ_BAD("tokenizer.json: unk_token is not a string%s", 0);
        for (z = 0; z < d.n_vocab; z++)
            if (vocab[z].n == s.n && !memcmp(vocab[z].p, s.p, s.n)) { d.unk_id = vocab_id[z]; break; }
        if (d.unk_id < 0) MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_FORMAT, "tokenizer.json: unk_token %s is not in the vocabulary", q));
    }

    /* added tokens */
    a = mamba__json_get(&x.j, 0, "added_tokens");
    if (a && x.j.tok[a].type != MAMBA__J_ARR && x.j.tok[a].type != MAMBA__J_NULL) MAMBA__TJ_BAD("tokenizer.json: added_tokens is not an array%s", 0);
    if (a && x.j.tok[a].type == MAMBA__J_ARR && x.j.tok[a].size > max_vocab)
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.json: %d added tokens exceed the limit (max_vocab)", 0, 0, (long long)x.j.tok[a].size, 0));
    if (a && x.j.tok[a].type == MAMBA__J_ARR && x.j.tok[a].size) {
        added = MAMBA__CAST(mamba__tok_added *, mamba__halloc(hp, x.j.tok[a].size * sizeof(mamba__tok_added)));
        if (!added) MAMBA__TRY(mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0));
        for (i = a + 1, k = 0; k < x.j.tok[a].size; k++, i = x.j.tok[i].next) {
            mamba__tok_added *t = &added[k];
            long long id;
            int sp, nz, ls, rs, sw;
            if (x.j.tok[i].type != MAMBA__J_OBJ || !mamba__json_int(&x.j, mamba__json_get(&x.j, i, "id"), 0, MAMBA__TOK_MAX_VOCAB - 1, &id) ||
                !mamba__tj_str(&x, mamba__json_get(&x.j, i, "content"), &t->content))
                MAMBA__TJ_BAD("tokenizer.json: an added token lacks an integer id or a string content%s", 0);
            sp = mamba__tj_bool(&x, i, "special", 0);
            nz = mamba__tj_bool(&x, i, "normalized", !sp);
            ls = mamba__tj_bool(&x, i, "lstrip", 0);
            rs = mamba__tj_bool(&x, i, "rstrip", 0);
            sw = mamba__tj_bool(&x, i, "single_word", 0);
            if (sp < 0 || nz < 0 || ls < 0 || rs < 0 || sw < 0) MAMBA__TJ_BAD("tokenizer.json: added token %s has a flag that is not a boolean", mamba__json_get(&x.j, i, "content"));
            if ((size_t)id >= max_vocab)
                MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.json: added token id %d is over the limit (max_vocab)", 0, 0, id, 0));
            t->id = (int)id;
            t->flags = (sp ? MAMBA__AT_SPECIAL : 0) | (nz ? MAMBA__AT_NORMALIZED : 0) | (ls ? MAMBA__AT_LSTRIP : 0) |
                       (rs ? MAMBA__AT_RSTRIP : 0) | (sw ? MAMBA__AT_SINGLE_WORD : 0);
        }
        d.added = added;
        d.n_added = x.j.tok[a].size;
    }

    if (mamba__spm_json_kind(&x)) { st = mamba__spm_load_json(hp, &x, &d, out, err); goto done; }   /* SentencePiece-style */
    MAMBA__TRY(mamba__tj_normalizer(&x, mamba__json_get(&x.j, 0, "normalizer"), &d, 0));
    q = mamba__json_get(&x.j, 0, "pre_tokenizer");
    if (mamba__tj_null(&x, q)) MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: no pre_tokenizer (a ByteLevel one is needed)%s", 0));
    MAMBA__TRY(mamba__tj_pretok(&x, q, &d, 0));
    for (i = 0; i < (uint32_t)d.n_steps && d.steps[i].kind != MAMBA__PT_BYTELEVEL; i++) {}
    if (i == (uint32_t)d.n_steps) MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: pre_tokenizer without a ByteLevel step%s", 0));
    q = mamba__json_get(&x.j, 0, "decoder");
    {
        uint32_t ty = mamba__tj_type(&x, q);
        if (mamba__tj_is(&x, ty, "Sequence")) {      /* [ByteLevel] */
            uint32_t arr = mamba__json_get(&x.j, q, "decoders");
            if (arr && x.j.tok[arr].type == MAMBA__J_ARR && x.j.tok[arr].size == 1) ty = mamba__tj_type(&x, arr + 1);
        }
        if (!mamba__tj_is(&x, ty, "ByteLevel")) MAMBA__TRY(mamba__tj_fail(&x, MAMBA_ERR_UNSUPPORTED, "tokenizer.json: unsupported decoder %s (only ByteLevel)", ty));
    }
    MAMBA__TRY(mamba__tj_post(&x, mamba__json_get(&x.j, 0, "post_processor"), &d, 0));

    st = mamba__tok_build(hp, out, &d, err);
    if (st == MAMBA_OK) {   /* the name llama.cpp's GGUF reader knows this pipeline by */
        mamba_tokenizer *t = *out;
        strcpy(t->gguf_pre, t->n_steps == 4 && t->steps[0].kind == MAMBA__PT_PUNCT ? "falcon" :
                            t->normalizer == MAMBA__NORM_NFC ? "mpt" : "gpt-2");
        t->meta_unk = t->unk_id;
        t->meta_pad = -1;
    }
done:
#undef MAMBA__TJ_BAD
    if (vocab) mamba__hfree(hp, vocab);
    if (vocab_id) mamba__hfree(hp, vocab_id);
    if (merges) mamba__hfree(hp, merges);
    if (added) mamba__hfree(hp, added);
    if (x.pool) mamba__hfree(hp, x.pool);
    mamba__json_free(&x.j);
    return mamba__tok_finish(out, hp, used0, st, err);
}

#endif /* MAMBA_NO_TOKENIZER */

/* -- the safetensors reader (config.json + one file, or shards) ----------- */

/* Memory: the bytes of one .safetensors file and the text of its config.json. */
static int mamba__st_claims_memory(const unsigned char *p, size_t n, const char *config_json) {
    (void)p; (void)n;
    return config_json != NULL;
}
static mamba_status mamba__st_read_memory(mamba_model *m, mamba__desc *d, const unsigned char *p, size_t n,
                                          const char *config_json, size_t config_len, const mamba_options *o, mamba_error *e) {
    mamba_status st = mamba__safetensors_read(&d->ts, p, n, "weights", o, e);
    if (st == MAMBA_OK) st = mamba__config_parse(&m->heap, &d->cfg, config_json, config_len, &d->tie_explicit, o, e);
    return st;
}

#ifndef MAMBA_NO_STDIO
/* Maps one shard and appends its tensors. */
static mamba_status mamba__load_shard(mamba_model *m, mamba__tensors *ts, const char *path, const mamba_options *o, mamba_error *e) {
    mamba__blob b;
    mamba_status st = mamba__map_file(&m->heap, &b, path, e);
    if (st != MAMBA_OK) return st;
    if ((st = mamba__add_blob(m, &b, path, e)) != MAMBA_OK) { mamba__blob_release(&m->heap, &b); return st; }
    return mamba__safetensors_read(ts, b.data, b.size, m->paths[m->n_blobs - 1], o, e);
}

/* A shard name from an index file must be a plain file name inside the model directory. */
static int mamba__safe_shard_name(const char *s) {
    size_t n = strlen(s);
    return n > 0 && n < 1024 && !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") && strcmp(s, "..");
}

/* How one weights file is read into the table: mamba__load_shard (safetensors),
   or F.6's mamba__pt_load_shard (torch.save). */
typedef mamba_status (*mamba__shard_fn)(mamba_model *m, mamba__tensors *ts, const char *path, const mamba_options *o, mamba_error *e);

static mamba_status mamba__load_index(mamba_model *m, mamba__tensors *ts, const char *dir, const char *index_path,
                                      mamba__shard_fn shard, const mamba_options *o, mamba_error *e) {
    mamba__heap *hp = &m->heap;
    mamba__blob ib;
    mamba__json j;
    mamba_status st = mamba__read_file(hp, &ib, index_path, MAMBA__OPT(o, max_json_bytes, MAMBA__DEF_HEADER), e);
    uint32_t map, i, k, q, *shards = NULL, n_shards = 0;
    if (st != MAMBA_OK) return st;
    st = mamba__json_parse_h(hp, &j, (const char *)ib.data, ib.size, o ? o->max_json_depth : 0, 0, e, "model.safetensors.index.json");
    if (st != MAMBA_OK) { mamba__blob_release(hp, &ib); return st; }
    map = mamba__json_get(&j, 0, "weight_map");
    if (!map || j.tok[map].type != MAMBA__J_OBJ) {
        st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: no weight_map object", index_path, 0, 0, 0);
    } else if (j.tok[map].size > MAMBA__OPT(o, max_tensors, MAMBA__DEF_TENSORS)) {
        st = mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d weight_map entries exceed the limit (max_tensors)", index_path, 0, (long long)j.tok[map].size, 0);
    } else if (!(shards = MAMBA__CAST(uint32_t *, mamba__halloc(hp, sizeof(uint32_t) * ((size_t)j.tok[map].size + 1))))) {
        st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    }
    /* load each distinct shard once, in order of first mention (compared with
       the shards loaded so far, not every earlier entry: no quadratic walk) */
    for (i = map + 1, k = 0; st == MAMBA_OK && map && k < j.tok[map].size; k++, i = j.tok[i + 1].next) {
        char fname[1024], *path;
        int seen = 0;
        uint32_t v = i + 1;
        if (j.tok[v].type != MAMBA__J_STR || mamba__json_str(&j, v, fname, sizeof fname) >= sizeof fname || !mamba__safe_shard_name(fname)) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: weight_map holds an invalid shard file name", index_path, 0, 0, 0);
            break;
        }
        for (q = 0; q < n_shards && !seen; q++) {
            char prev[1024];
            mamba__json_str(&j, shards[q], prev, sizeof prev);
            seen = !strcmp(prev, fname);
        }
        if (seen) continue;
        shards[n_shards++] = v;
        path = mamba__path_join(hp, dir, fname);
        if (!path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); break; }
        st = shard(m, ts, path, o, e);
        mamba__hfree(hp, path);
    }
    if (shards) mamba__hfree(hp, shards);
    mamba__json_free(&j);
    mamba__blob_release(hp, &ib);
    return st;
}

/* A config.json layout's files: a weights file's suffix, the index's and the
   single file's names in a directory, and the reader of one weights file
   (safetensors here; F.6 reads state-spaces' pytorch_model.bin the same way). */
typedef struct mamba__layout { const char *suffix, *index, *single; mamba__shard_fn shard; } mamba__layout;

/* MODEL is a directory (config.json + L->index or L->single), or a weights
   file (ending in L->suffix) next to its config.json. */
static mamba_status mamba__layout_read(mamba_model *m, mamba__desc *d, const char *path, const mamba__layout *L,
                                       const mamba_options *opt, mamba_error *e) {
    mamba__heap *hp = &m->heap;
    mamba__tensors *ts = &d->ts;
    mamba__blob cfg;
    mamba_status st;
    char *dir = NULL, *cfg_path = NULL, *w_path = NULL;
    int as_file = mamba__ends_with(path, L->suffix) || d->as_file;   /* d->as_file: first contact (issue 14) */
    memset(&cfg, 0, sizeof cfg);
    if (as_file) {
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : 0;
        dir = MAMBA__CAST(char *, mamba__halloc(hp, n + 2));
        if (dir) { if (n) memcpy(dir, path, n); else dir[n++] = '.'; dir[n] = 0; }
    } else {
        size_t n = strlen(path) + 1;
        dir = MAMBA__CAST(char *, mamba__halloc(hp, n));
        if (dir) memcpy(dir, path, n);
    }
    cfg_path = dir ? mamba__path_join(hp, dir, "config.json") : NULL;
    if (!cfg_path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); goto done; }
    st = mamba__read_file(hp, &cfg, cfg_path, MAMBA__OPT(opt, max_json_bytes, MAMBA__DEF_HEADER), e);
    if (st != MAMBA_OK) goto done;
    hp->input += cfg.size;
    if (as_file) {
        st = L->shard(m, ts, path, opt, e);
    } else {
        w_path = mamba__path_join(hp, dir, L->index);
        if (!w_path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); goto done; }
        if (mamba__file_exists(w_path)) {
            st = mamba__load_index(m, ts, dir, w_path, L->shard, opt, e);
        } else {
            mamba__hfree(hp, w_path);
            w_path = mamba__path_join(hp, dir, L->single);
            if (!w_path) { st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); goto done; }
            st = L->shard(m, ts, w_path, opt, e);
        }
    }
    if (st == MAMBA_OK) st = mamba__config_parse(hp, &d->cfg, (const char *)cfg.data, cfg.size, &d->tie_explicit, opt, e);
done:
    mamba__blob_release(hp, &cfg);
    if (dir) mamba__hfree(hp, dir);
    if (cfg_path) mamba__hfree(hp, cfg_path);
    if (w_path) mamba__hfree(hp, w_path);
    return st;
}

/* A path: the fallback claim (a directory, or a .safetensors file next to its
   config.json). */
static int mamba__st_claims_path(const char *path) { (void)path; return 1; }

static mamba_status mamba__st_read_file(mamba_model *m, mamba__desc *d, const char *path, const mamba_options *opt,
                                        mamba_error *e) {
    static const mamba__layout hf = {".safetensors", "model.safetensors.index.json", "model.safetensors", mamba__load_shard};
    return mamba__layout_read(m, d, path, &hf, opt, e);
}
#endif /* MAMBA_NO_STDIO */

#endif /* MAMBA_NO_SAFETENSORS */

/* ---- F.4 GGUF (llama.cpp): reader, config, tokenizer metadata, writer -----
   Version 2 and 3: header, metadata (every value type, arrays included),
   tensor infos, alignment (general.alignment, default 32). Tensors are renamed
   to the Hugging Face names and shapes (ggml's ne[] reversed) so that one
   binder serves both formats; ssm_a holds A = -exp(A_log) already. Every
   length is checked against the bytes that remain before it is used. */

/* The metadata value types (ggml's enum gguf_type). An array value starts
   with its element type (u32) and count (u64): MAMBA__GGUF_ARR_HEAD bytes. */
enum {
    MAMBA__GGUF_UINT8 = 0, MAMBA__GGUF_INT8 = 1, MAMBA__GGUF_UINT16 = 2, MAMBA__GGUF_INT16 = 3,
    MAMBA__GGUF_UINT32 = 4, MAMBA__GGUF_INT32 = 5, MAMBA__GGUF_FLOAT32 = 6, MAMBA__GGUF_BOOL = 7,
    MAMBA__GGUF_STRING = 8, MAMBA__GGUF_ARRAY = 9, MAMBA__GGUF_UINT64 = 10, MAMBA__GGUF_INT64 = 11,
    MAMBA__GGUF_FLOAT64 = 12, MAMBA__GGUF_N_TYPES = 13
};
#define MAMBA__GGUF_ARR_HEAD 12

typedef struct mamba__gguf_kv {
    const char *key; size_t key_len;
    uint32_t type;
    const unsigned char *val;       /* the value's bytes (arrays: from their type+count) */
    const unsigned char *val_end;   /* just past the value */
    uint32_t arr_type; uint64_t arr_n;
} mamba__gguf_kv;

typedef struct mamba__gguf {
    mamba__gguf_kv *kv;
    size_t n_kv;
} mamba__gguf;

typedef struct mamba__rd { const unsigned char *p, *end; } mamba__rd;
/* GGUF tensor type ids: ours from the dtype table (section B); ggml's names
   of every id a reader may meet (ggml.c type_traits), for messages */
static const struct { int id; const char *name; } mamba__ggml_names[] = {
    {MAMBA__GGML_F32, "F32"}, {MAMBA__GGML_F16, "F16"}, {MAMBA__GGML_Q4_0, "Q4_0"}, {MAMBA__GGML_Q4_1, "Q4_1"},
    {MAMBA__GGML_Q5_0, "Q5_0"}, {MAMBA__GGML_Q5_1, "Q5_1"}, {MAMBA__GGML_Q8_0, "Q8_0"}, {MAMBA__GGML_Q8_1, "Q8_1"},
    {MAMBA__GGML_Q2_K, "Q2_K"}, {MAMBA__GGML_Q3_K, "Q3_K"}, {MAMBA__GGML_Q4_K, "Q4_K"}, {MAMBA__GGML_Q5_K, "Q5_K"},
    {MAMBA__GGML_Q6_K, "Q6_K"}, {MAMBA__GGML_Q8_K, "Q8_K"}, {MAMBA__GGML_IQ2_XXS, "IQ2_XXS"}, {MAMBA__GGML_IQ2_XS, "IQ2_XS"},
    {MAMBA__GGML_IQ3_XXS, "IQ3_XXS"}, {MAMBA__GGML_IQ1_S, "IQ1_S"}, {MAMBA__GGML_IQ4_NL, "IQ4_NL"}, {MAMBA__GGML_IQ3_S, "IQ3_S"},
    {MAMBA__GGML_IQ2_S, "IQ2_S"}, {MAMBA__GGML_IQ4_XS, "IQ4_XS"}, {MAMBA__GGML_I8, "I8"}, {MAMBA__GGML_I16, "I16"},
    {MAMBA__GGML_I32, "I32"}, {MAMBA__GGML_I64, "I64"}, {MAMBA__GGML_F64, "F64"}, {MAMBA__GGML_IQ1_M, "IQ1_M"},
    {MAMBA__GGML_BF16, "BF16"}, {MAMBA__GGML_TQ1_0, "TQ1_0"}, {MAMBA__GGML_TQ2_0, "TQ2_0"}, {MAMBA__GGML_MXFP4, "MXFP4"}};
/* MAMBA_DTYPE_* of a ggml type id, 0 if not one we compute with */
static mamba_dtype mamba__dtype_of_ggml(uint32_t id) {
    int dt;
    for (dt = 1; dt < MAMBA__NDTYPES; dt++)
        if ((uint32_t)mamba__dtypes[dt].ggml == id) return (mamba_dtype)dt;
    return MAMBA_DTYPE_UNKNOWN;
}
/* a tensor's type for messages: ours by name, else "IQ2_XXS (ggml type 16)",
   or "ggml type 99" for an id ggml does not name */
static void mamba__ggml_type_label(uint32_t id, char *out, size_t cap) {
    const char *nm = NULL;
    size_t i, o = 0;
    mamba_dtype dt = mamba__dtype_of_ggml(id);
    if (cap < 32) { if (cap) out[0] = 0; return; }
    if (dt) { strcpy(out, mamba__dtype_name(dt)); return; }
    for (i = 0; i < sizeof mamba__ggml_names / sizeof mamba__ggml_names[0]; i++)
        if ((uint32_t)mamba__ggml_names[i].id == id) nm = mamba__ggml_names[i].name;
    if (nm) { while (*nm) out[o++] = *nm++; out[o++] = ' '; out[o++] = '('; }
    memcpy(out + o, "ggml type ", 10); o += 10;
    o += (size_t)mamba__utoa(id, out + o);
    if (out[0] != 'g') out[o++] = ')';
    out[o] = 0;
}

static int mamba__rd_u32(mamba__rd *r, uint32_t *v) {
    if (r->end - r->p < 4) return 0;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return 1;
}
static int mamba__rd_u64(mamba__rd *r, uint64_t *v) {
    uint32_t lo, hi;
    if (!mamba__rd_u32(r, &lo) || !mamba__rd_u32(r, &hi)) return 0;
    *v = (uint64_t)hi << 32 | lo;
    return 1;
}
static int mamba__rd_str(mamba__rd *r, const char **s, size_t *n) {
    uint64_t len;
    if (!mamba__rd_u64(r, &len) || len > (uint64_t)(r->end - r->p)) return 0;
    *s = (const char *)r->p;
    *n = (size_t)len;
    r->p += len;
    return 1;
}
static size_t mamba__gguf_scalar_size(uint32_t t) {
    static const unsigned char sz[MAMBA__GGUF_N_TYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};   /* strings, arrays: 0 */
    return t < MAMBA__GGUF_N_TYPES ? sz[t] : 0;
}
/* Skips one value of type t (arrays of strings are walked). Returns 1, or 0
   for a malformed value, -1 for a string over max_str bytes, -2 for an array
   over max_arr elements. */
static int mamba__gguf_skip(mamba__rd *r, uint32_t t, int depth, size_t max_str, size_t max_arr) {
    size_t sz = mamba__gguf_scalar_size(t);
    if (t == MAMBA__GGUF_STRING) {
        const char *s;
        size_t n;
        if (!mamba__rd_str(r, &s, &n)) return 0;
        return n > max_str ? -1 : 1;
    }
    if (t == MAMBA__GGUF_ARRAY) {
        uint32_t et;
        uint64_t n, i;
        if (depth > 2 || !mamba__rd_u32(r, &et) || !mamba__rd_u64(r, &n)) return 0;
        if (et == MAMBA__GGUF_STRING || et == MAMBA__GGUF_ARRAY) {
            if (n > (uint64_t)(r->end - r->p) / 8) return 0;   /* each element takes >= 8 bytes */
            if (n > max_arr) return -2;
            for (i = 0; i < n; i++) {
                int k = mamba__gguf_skip(r, et, depth + 1, max_str, max_arr);
                if (k != 1) return k;
            }
            return 1;
        }
        sz = mamba__gguf_scalar_size(et);
        if (!sz || n > (uint64_t)(r->end - r->p) / sz) return 0;
        if (n > max_arr) return -2;
        r->p += sz * n;
        return 1;
    }
    if (!sz || (size_t)(r->end - r->p) < sz) return 0;
    r->p += sz;
    return 1;
}

static const mamba__gguf_kv *mamba__gguf_find(const mamba__gguf *g, const char *key) {
    size_t i, n = strlen(key);
    for (i = 0; i < g->n_kv; i++)
        if (g->kv[i].key_len == n && !memcmp(g->kv[i].key, key, n)) return &g->kv[i];
    return NULL;
}
/* An integer of any integer type (or bool); 0 if absent or not an integer. */
static int mamba__gguf_int(const mamba__gguf *g, const char *key, long long *out) {
    const mamba__gguf_kv *kv = mamba__gguf_find(g, key);
    const unsigned char *v;
    uint64_t u = 0;
    size_t sz, i;
    if (!kv || kv->type >= MAMBA__GGUF_N_TYPES || kv->type == MAMBA__GGUF_FLOAT32 || kv->type == MAMBA__GGUF_STRING ||
        kv->type == MAMBA__GGUF_ARRAY || kv->type == MAMBA__GGUF_FLOAT64)
        return 0;
    v = kv->val;
    sz = mamba__gguf_scalar_size(kv->type);
    for (i = 0; i < sz; i++) u |= (uint64_t)v[i] << (8 * i);
    switch (kv->type) {
    case MAMBA__GGUF_INT8: *out = (signed char)u; break;
    case MAMBA__GGUF_INT16: *out = (int16_t)u; break;
    case MAMBA__GGUF_INT32: *out = (int32_t)u; break;
    case MAMBA__GGUF_INT64: *out = (long long)u; break;
    case MAMBA__GGUF_UINT64: if (u > (uint64_t)LLONG_MAX) return 0; *out = (long long)u; break;
    default: *out = (long long)u; break;
    }
    return 1;
}
static int mamba__gguf_float(const mamba__gguf *g, const char *key, double *out) {
    const mamba__gguf_kv *kv = mamba__gguf_find(g, key);
    long long iv;
    if (kv && kv->type == MAMBA__GGUF_FLOAT32) { float f; memcpy(&f, kv->val, 4); *out = f; return 1; }
    if (kv && kv->type == MAMBA__GGUF_FLOAT64) { double d; memcpy(&d, kv->val, 8); *out = d; return 1; }
    if (mamba__gguf_int(g, key, &iv)) { *out = (double)iv; return 1; }
    return 0;
}
/* The one string getter: string metadata `key` as a view into the file; 0
   if absent or not a string. (Its length was checked on reading.) */
static int mamba__gguf_str(const mamba__gguf *g, const char *key, const char **s, size_t *n) {
    const mamba__gguf_kv *kv = mamba__gguf_find(g, key);
    mamba__rd r;
    if (!kv || kv->type != MAMBA__GGUF_STRING) return 0;
    r.p = kv->val; r.end = kv->val_end;
    return mamba__rd_str(&r, s, n);
}
/* Does string metadata `key` equal `want`? */
static int mamba__gguf_streq(const mamba__gguf *g, const char *key, const char *want) {
    const char *s;
    size_t n;
    return mamba__gguf_str(g, key, &s, &n) && n == strlen(want) && !memcmp(s, want, n);
}
/* String metadata `key` into out[cap] with its NUL, if present and it fits; else out is untouched. */
MAMBA__UNUSED static void mamba__gguf_str_copy(const mamba__gguf *g, const char *key, char *out, size_t cap) {
    const char *s;
    size_t n;
    if (mamba__gguf_str(g, key, &s, &n) && n < cap) { memcpy(out, s, n); out[n] = 0; }
}

/* ggml tensor names -> Hugging Face names (per layer: blk.N.X -> backbone.layers.N.mixer.Y) */
static int mamba__gguf_hf_name(const char *gname, size_t glen, int mamba2, char *out, size_t cap, int *is_a) {
    static const char *const top[][2] = {
        {"token_embd.weight", "backbone.embeddings.weight"}, {"output_norm.weight", "backbone.norm_f.weight"},
        {"output.weight", "lm_head.weight"}};
    static const char *const layer[][2] = {
        {"attn_norm.weight", "norm.weight"}, {"ssm_in.weight", "mixer.in_proj.weight"},
        {"ssm_in.bias", "mixer.in_proj.bias"}, {"ssm_conv1d.weight", "mixer.conv1d.weight"},
        {"ssm_conv1d.bias", "mixer.conv1d.bias"}, {"ssm_x.weight", "mixer.x_proj.weight"},
        {"ssm_dt.weight", "mixer.dt_proj.weight"}, {"ssm_a", "mixer.A_log"}, {"ssm_d", "mixer.D"},
        {"ssm_norm.weight", "mixer.norm.weight"}, {"ssm_out.weight", "mixer.out_proj.weight"},
        {"ssm_out.bias", "mixer.out_proj.bias"}};
    size_t i, k;
    *is_a = 0;
    for (i = 0; i < 3; i++)
        if (glen == strlen(top[i][0]) && !memcmp(gname, top[i][0], glen)) {
            if (strlen(top[i][1]) + 1 > cap) return 0;
            strcpy(out, top[i][1]);
            return 1;
        }
    if (glen > 4 && !memcmp(gname, "blk.", 4)) {
        size_t p = 4;
        unsigned long lay = 0;
        const char *suffix;
        while (p < glen && gname[p] >= '0' && gname[p] <= '9' && p < 12) lay = lay * 10 + (unsigned long)(gname[p++] - '0');
        if (p == 4 || p >= glen || gname[p] != '.') return 0;
        p++;
        if (glen - p == 11 && !memcmp(gname + p, "ssm_dt.bias", 11)) suffix = mamba2 ? "mixer.dt_bias" : "mixer.dt_proj.bias";
        else {
            suffix = NULL;
            for (k = 0; k < sizeof layer / sizeof layer[0]; k++)
                if (glen - p == strlen(layer[k][0]) && !memcmp(gname + p, layer[k][0], glen - p)) suffix = layer[k][1];
        }
        if (!suffix || cap < 40 + strlen(suffix)) return 0;
        {
            int o;
            strcpy(out, "backbone.layers.");
            o = (int)strlen(out);
            o += mamba__utoa(lay, out + o);
            out[o++] = '.';
            out[o] = 0;
            strcat(out, suffix);
        }
        *is_a = !strcmp(suffix, "mixer.A_log");
        return 1;
    }
    return 0;   /* a tensor we do not use: keep it out of the table */
}

/* Parses a GGUF file in data[0..size): fills the tensor table (HF names) and
   the metadata index g (pointing into data). */
static mamba_status mamba__gguf_read(mamba__tensors *ts, mamba__gguf *g, const unsigned char *data, size_t size,
                                     const char *fname, const mamba_options *o, mamba_error *e) {
    mamba__heap *hp = ts->hp;
    mamba__rd r;
    uint32_t magic, version = 0;
    uint64_t n_tensors, n_kv, i;
    long long align = 32;
    size_t max_tensors = MAMBA__OPT(o, max_tensors, MAMBA__DEF_TENSORS), header_end, data_start, data_len, nt = 0, k;
    size_t max_meta = MAMBA__OPT(o, max_metadata_bytes, MAMBA__DEF_META_BYTES), max_kv = MAMBA__OPT(o, max_metadata_kv, MAMBA__DEF_META_KV);
    size_t max_str = MAMBA__OPT(o, max_string_bytes, MAMBA__DEF_STRING), max_arr = MAMBA__OPT(o, max_array_len, MAMBA__DEF_ARRAY_LEN);
    const unsigned char *meta_start;
    mamba__range *ranges = NULL;
    mamba_status st = MAMBA_OK;
    int mamba2;
    memset(g, 0, sizeof *g);
    r.p = data; r.end = data + size;
#define MAMBA__GERR(status, msg) MAMBA__TRY(mamba__err(e, status, msg, fname, 0, 0, 0))
    if (!mamba__rd_u32(&r, &magic) || magic != 0x46554747u) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: not a GGUF file (bad magic)");
    if (!mamba__rd_u32(&r, &version) || !mamba__rd_u64(&r, &n_tensors) || !mamba__rd_u64(&r, &n_kv))
        MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: truncated GGUF header");
    if (version != 2 && version != 3) MAMBA__GERR(MAMBA_ERR_UNSUPPORTED, "%s: GGUF version is not 2 or 3");
    if (n_tensors > max_tensors) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: tensor count exceeds the limit (max_tensors)");
    if (n_tensors > (uint64_t)(r.end - r.p) / 24) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: tensor count exceeds what the file holds (truncated?)");
    if (n_kv > (uint64_t)(r.end - r.p) / 12) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: metadata count exceeds the file");
    if (n_kv > max_kv) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: metadata key count exceeds the limit (max_metadata_kv)");
    g->kv = MAMBA__CAST(mamba__gguf_kv *, mamba__hcalloc(hp, sizeof(mamba__gguf_kv) * (size_t)(n_kv + 1)));
    if (!g->kv) MAMBA__GERR(MAMBA_ERR_NOMEM, "%s: out of memory");
    meta_start = r.p;
    for (i = 0; i < n_kv; i++) {
        mamba__gguf_kv *kv = &g->kv[i];
        int sk;
        if (!mamba__rd_str(&r, &kv->key, &kv->key_len) || !mamba__rd_u32(&r, &kv->type) || kv->type >= MAMBA__GGUF_N_TYPES)
            MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: malformed or truncated metadata");
        if (kv->key_len > max_str) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: a metadata key is longer than the limit (max_string_bytes)");
        kv->val = r.p;
        if (kv->type == MAMBA__GGUF_ARRAY) {
            mamba__rd a = r;
            if (!mamba__rd_u32(&a, &kv->arr_type) || !mamba__rd_u64(&a, &kv->arr_n)) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: truncated metadata array");
        }
        sk = mamba__gguf_skip(&r, kv->type, 0, max_str, max_arr);
        if (sk == -1) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: a metadata string is longer than the limit (max_string_bytes)");
        if (sk == -2) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: a metadata array is longer than the limit (max_array_len)");
        if (!sk) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: metadata value runs past the end of the file (or an array length is absurd)");
        kv->val_end = r.p;
        g->n_kv++;
        if ((size_t)(r.p - meta_start) > max_meta) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: metadata is larger than the limit (max_metadata_bytes)");
    }
    if (mamba__gguf_find(g, "general.alignment") && (!mamba__gguf_int(g, "general.alignment", &align) || align < 1 || align > 65536 || (align & (align - 1))))
        MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: general.alignment is not a power of two");
    mamba2 = mamba__gguf_streq(g, "general.architecture", "mamba2");
    if (ts->n + n_tensors > ts->cap) {
        mamba__tensor *nt2 = MAMBA__CAST(mamba__tensor *, mamba__hcalloc(hp, sizeof(mamba__tensor) * (size_t)(ts->n + n_tensors + 1)));
        if (!nt2) MAMBA__GERR(MAMBA_ERR_NOMEM, "%s: out of memory");
        if (ts->t) { memcpy(nt2, ts->t, ts->n * sizeof(mamba__tensor)); mamba__hfree(hp, ts->t); }
        ts->t = nt2;
        ts->cap = ts->n + (size_t)n_tensors + 1;
    }
    ranges = MAMBA__CAST(mamba__range *, mamba__halloc(hp, sizeof(mamba__range) * (size_t)(n_tensors + 1)));
    if (!ranges) MAMBA__GERR(MAMBA_ERR_NOMEM, "%s: out of memory");
    {   /* tensor infos first; their data offsets are checked once the data start is known */
        const unsigned char *info = r.p;
        mamba__rd pass = r;
        for (i = 0; i < n_tensors; i++) {
            const char *nm; size_t nl; uint32_t nd = 0, ty = 0; uint64_t off, ne;
            int q;
            if (!mamba__rd_str(&pass, &nm, &nl) || !mamba__rd_u32(&pass, &nd) || nd > MAMBA__MAX_NDIM) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: malformed tensor info");
            if (nl > max_str) MAMBA__GERR(MAMBA_ERR_LIMIT, "%s: a tensor name is longer than the limit (max_string_bytes)");
            for (q = 0; q < (int)nd; q++) if (!mamba__rd_u64(&pass, &ne)) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: truncated tensor info");
            if (!mamba__rd_u32(&pass, &ty) || !mamba__rd_u64(&pass, &off)) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: truncated tensor info");
        }
        header_end = (size_t)(pass.p - data);
        data_start = (header_end + (size_t)align - 1) / (size_t)align * (size_t)align;
        if (data_start > size) {   /* fine for a file with no tensors (a tokenizer alone) */
            if (n_tensors) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: no tensor data (truncated?)");
            data_start = size;
        }
        data_len = size - data_start;
        r.p = info;
    }
    for (i = 0; i < n_tensors; i++) {
        const char *nm; size_t nl, numel = 1, nbytes, esz;
        uint32_t nd = 0, ty = 0;
        uint64_t ne[MAMBA__MAX_NDIM], off;
        char hf[160];
        int q, is_a;
        mamba_dtype dt;
        mamba__tensor *t;
        mamba__rd_str(&r, &nm, &nl);
        mamba__rd_u32(&r, &nd);
        for (q = 0; q < (int)nd; q++) mamba__rd_u64(&r, &ne[q]);
        mamba__rd_u32(&r, &ty);
        mamba__rd_u64(&r, &off);
        dt = mamba__dtype_of_ggml(ty);
        for (q = 0; q < (int)nd; q++) {
            if (ne[q] > ((uint64_t)1 << 40) || !mamba__mul(numel, (size_t)ne[q], &numel))
                { st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: a tensor's shape byte size overflows", fname, 0, 0, 0); goto done; }
        }
        if (dt == 0) {   /* a type we cannot compute with: fine unless the model needs it */
            nbytes = 0;
        } else if (mamba__is_quant(dt)) {
            if (nd == 0 || ne[0] % (uint64_t)mamba__block_elems(dt)) {
                st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: a %s tensor's rows are not a multiple of %d", fname, mamba__dtype_name(dt),
                                mamba__block_elems(dt), 0);
                goto done;
            }
            nbytes = numel / (size_t)mamba__block_elems(dt) * mamba__block_bytes(dt);
        } else {
            esz = mamba__dtype_size(dt);
            if (!mamba__mul(numel, esz, &nbytes)) { st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: a tensor's shape byte size overflows", fname, 0, 0, 0); goto done; }
        }
        if (off % (uint64_t)align || off > data_len || nbytes > data_len - off) {
            char nmb[96];
            size_t c = nl < sizeof nmb - 1 ? nl : sizeof nmb - 1;
            memcpy(nmb, nm, c); nmb[c] = 0;
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: tensor %s: data offset is misaligned or outside the file (truncated?)", fname, nmb, 0, 0);
            goto done;
        }
        ranges[nt].b = off; ranges[nt].e = off + nbytes; ranges[nt].name = "a GGUF tensor"; nt++;
        if (!mamba__gguf_hf_name(nm, nl, mamba2, hf, sizeof hf, &is_a)) continue;   /* unused tensor */
        t = &ts->t[ts->n];
        memset(t, 0, sizeof *t);
        t->name = MAMBA__CAST(char *, mamba__halloc(hp, strlen(hf) + 1 + nl + 1));
        if (!t->name) MAMBA__GERR(MAMBA_ERR_NOMEM, "%s: out of memory");
        strcpy(t->name, hf);
        memcpy(t->name + strlen(hf) + 1, nm, nl);   /* the GGUF name, after the HF one */
        t->name[strlen(hf) + 1 + nl] = 0;
        t->gname = t->name + strlen(hf) + 1;
        ts->n++;
        t->file = fname;
        t->dtype = dt;
        mamba__ggml_type_label(ty, t->dtype_name, sizeof t->dtype_name);   /* "Q5_0 (ggml type 6)" */
        t->ndim = (int)nd;
        for (q = 0; q < (int)nd; q++) t->shape[q] = (int64_t)ne[nd - 1 - q];   /* ne[0] is PyTorch's last dim */
        t->data = data + data_start + off;
        t->nbytes = nbytes;
        t->a_is_final = is_a;
    }
    if (nt > 1) {
        qsort(ranges, nt, sizeof *ranges, mamba__range_cmp);
        for (k = 1; k < nt; k++)
            if (ranges[k].b < ranges[k - 1].e && ranges[k].e > ranges[k].b) MAMBA__GERR(MAMBA_ERR_FORMAT, "%s: the data of two tensors overlap");
    }
    mamba__hfree(hp, ranges);
    return MAMBA_OK;
done:
#undef MAMBA__GERR
    if (ranges) mamba__hfree(hp, ranges);
    if (g->kv) mamba__hfree(hp, g->kv);
    memset(g, 0, sizeof *g);
    return st;
}

/* The model config from GGUF metadata ({arch}.* keys as llama.cpp writes them). */

/* key = arch + suffix, cut to fit (every key here is a short literal; a cut
   key finds nothing). memcpy with the lengths: GCC 12's -Warray-bounds saw a
   strcpy/strcat pair past the shorter of the two literal arch names. */
static const char *mamba__gguf_key(char *key, size_t cap, const char *arch, const char *suffix) {
    size_t a = strlen(arch), b = strlen(suffix);
    if (a > cap - 1) a = cap - 1;
    if (b > cap - 1 - a) b = cap - 1 - a;
    memcpy(key, arch, a);
    memcpy(key + a, suffix, b);
    key[a + b] = 0;
    return key;
}
static mamba_status mamba__gguf_config(mamba_config *c, const mamba__gguf *g, const mamba__tensors *ts, mamba_error *e) {
    char key[96];
    const char *arch;
    long long v;
    double eps;
    const mamba__tensor *emb = NULL;
    size_t i;
    memset(c, 0, sizeof *c);
    if (mamba__gguf_streq(g, "general.architecture", "mamba")) { arch = "mamba"; c->arch = MAMBA_ARCH_MAMBA1; }
    else if (mamba__gguf_streq(g, "general.architecture", "mamba2")) { arch = "mamba2"; c->arch = MAMBA_ARCH_MAMBA2; }
    else return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "GGUF: general.architecture is not mamba or mamba2", 0, 0, 0, 0);
#define MAMBA__GKEY(suffix) mamba__gguf_key(key, sizeof key, arch, suffix)
#define MAMBA__GINT(suffix, lo, hi, dst) do { \
        if (!mamba__gguf_int(g, MAMBA__GKEY(suffix), &v) || v < (lo) || v > (hi)) \
            return mamba__err(e, MAMBA_ERR_CONFIG, "GGUF: %s is missing or out of range", key, 0, 0, 0); \
        dst = (int)v; } while (0)
    MAMBA__GINT(".embedding_length", 1, MAMBA_MAX_DIM, c->d_model);
    MAMBA__GINT(".block_count", 1, 4096, c->n_layer);
    MAMBA__GINT(".ssm.conv_kernel", 1, 64, c->d_conv);
    MAMBA__GINT(".ssm.inner_size", 1, MAMBA_MAX_DIM, c->d_inner);
    MAMBA__GINT(".ssm.state_size", 1, 4096, c->d_state);
    MAMBA__GINT(".ssm.time_step_rank", 1, MAMBA_MAX_DIM, c->dt_rank);
    c->norm_eps = 1e-5f;
    if (mamba__gguf_float(g, MAMBA__GKEY(".attention.layer_norm_rms_epsilon"), &eps)) {
        if (!(eps > 0 && eps < 1)) return mamba__err(e, MAMBA_ERR_CONFIG, "GGUF: layer_norm_rms_epsilon out of range", 0, 0, 0, 0);
        c->norm_eps = (float)eps;
    }
    c->mixer_rms_eps = 1e-6f;   /* HF's default; llama.cpp uses the block eps here (a 0.3-tolerance difference) */
    c->dt_min = 0; c->dt_max = HUGE_VALF; c->gated_norm = 1;
    if (c->arch == MAMBA_ARCH_MAMBA1) {
        const mamba__gguf_kv *kv = mamba__gguf_find(g, "mamba.ssm.dt_b_c_rms");
        if (kv && kv->type == MAMBA__GGUF_BOOL && kv->val[0]) c->arch = MAMBA_ARCH_FALCON_MAMBA;
        c->conv_dim = c->d_inner;
        c->d_in_proj = 2 * c->d_inner;
        c->n_groups = 1;
    } else {
        c->n_heads = c->dt_rank;   /* llama.cpp stores the head count under time_step_rank */
        c->dt_rank = 0;
        c->n_groups = 1;
        if (mamba__gguf_find(g, "mamba2.ssm.group_count")) MAMBA__GINT(".ssm.group_count", 1, MAMBA_MAX_DIM, c->n_groups);
        if (c->d_inner % c->n_heads || c->n_heads % c->n_groups)
            return mamba__err(e, MAMBA_ERR_CONFIG, "GGUF: inner size, head count and group count do not divide", 0, 0, 0, 0);
        c->head_dim = c->d_inner / c->n_heads;
        if ((long long)c->d_inner * 2 + 2LL * c->n_groups * c->d_state + c->n_heads > MAMBA_MAX_DIM)
            return mamba__err(e, MAMBA_ERR_CONFIG, "GGUF: dimensions are too large", 0, 0, 0, 0);
        c->conv_dim = c->d_inner + 2 * c->n_groups * c->d_state;
        c->d_in_proj = c->conv_dim + c->d_inner + c->n_heads;
    }
#undef MAMBA__GINT
#undef MAMBA__GKEY
    for (i = 0; i < ts->n; i++) if (!strcmp(ts->t[i].name, "backbone.embeddings.weight")) emb = &ts->t[i];
    if (!emb || emb->ndim != 2 || emb->shape[0] < 1 || emb->shape[0] > (1 << 24))
        return mamba__err(e, MAMBA_ERR_MISSING, "GGUF: token_embd.weight is missing or malformed", 0, 0, 0, 0);
    c->vocab_size = c->n_embd_rows = (int)emb->shape[0];
    c->bos_token_id = mamba__gguf_int(g, "tokenizer.ggml.bos_token_id", &v) && v >= 0 && v < c->vocab_size ? (int)v : -1;
    c->eos_token_id = mamba__gguf_int(g, "tokenizer.ggml.eos_token_id", &v) && v >= 0 && v < c->vocab_size ? (int)v : -1;
    c->pad_token_id = mamba__gguf_int(g, "tokenizer.ggml.padding_token_id", &v) && v >= 0 && v < c->vocab_size ? (int)v : -1;
    c->tied_embeddings = 1;   /* the converter omits output.weight when it equals token_embd */
    return MAMBA_OK;
}

/* -- the GGUF reader behind the seam: bytes -> mamba__desc ----------------- */

static mamba_status mamba__gguf_describe(mamba_model *m, mamba__desc *d, const unsigned char *p, size_t n,
                                         const char *label, const mamba_options *o, mamba_error *e) {
    mamba__gguf g;
    mamba_status st;
    memset(&g, 0, sizeof g);
    st = mamba__gguf_read(&d->ts, &g, p, n, label, o, e);
    if (st == MAMBA_OK) st = mamba__gguf_config(&d->cfg, &g, &d->ts, e);
    if (st == MAMBA_OK) mamba__gguf_str_copy(&g, "general.name", d->name, sizeof d->name);   /* kept for a GGUF writer */
    if (g.kv) mamba__hfree(&m->heap, g.kv);
    return st;
}

/* Memory: self-describing, no config_json. */
static int mamba__gguf_claims_memory(const unsigned char *p, size_t n, const char *config_json) {
    return !config_json && n >= 4 && !memcmp(p, "GGUF", 4);
}
static mamba_status mamba__gguf_read_memory(mamba_model *m, mamba__desc *d, const unsigned char *p, size_t n,
                                            const char *config_json, size_t config_len, const mamba_options *o, mamba_error *e) {
    (void)config_json; (void)config_len;
    return mamba__gguf_describe(m, d, p, n, "weights", o, e);
}

#ifndef MAMBA_NO_STDIO
static int mamba__gguf_claims_path(const char *path) { return mamba__ends_with(path, ".gguf"); }
static mamba_status mamba__gguf_read_file(mamba_model *m, mamba__desc *d, const char *path, const mamba_options *o,
                                          mamba_error *e) {
    mamba__blob b;
    mamba_status st = mamba__map_file(&m->heap, &b, path, e);
    if (st == MAMBA_OK && (st = mamba__add_blob(m, &b, path, e)) != MAMBA_OK) mamba__blob_release(&m->heap, &b);
    if (st == MAMBA_OK) st = mamba__gguf_describe(m, d, b.data, b.size, m->paths[m->n_blobs - 1], o, e);
    return st;
}
#endif

#ifndef MAMBA_NO_TOKENIZER
/* -- GGUF tokenizer metadata ---------------------------------------------- */

/* A metadata array of strings as views into the file. */
static mamba_status mamba__gguf_str_array(mamba__heap *hp, const mamba__gguf *g, const char *key, mamba__str **out, size_t *n, mamba_error *e) {
    const mamba__gguf_kv *kv = mamba__gguf_find(g, key);
    mamba__rd r;
    size_t i;
    *out = NULL; *n = 0;
    if (!kv) return MAMBA_OK;
    if (kv->type != MAMBA__GGUF_ARRAY || kv->arr_type != MAMBA__GGUF_STRING) return mamba__err(e, MAMBA_ERR_FORMAT, "GGUF: %s is not an array of strings", key, 0, 0, 0);
    if (kv->arr_n == 0) return MAMBA_OK;
    *out = MAMBA__CAST(mamba__str *, mamba__halloc(hp, sizeof(mamba__str) * (size_t)kv->arr_n));
    if (!*out) return mamba__err(e, MAMBA_ERR_NOMEM, "GGUF: out of memory for %s", key, 0, 0, 0);
    r.p = kv->val + MAMBA__GGUF_ARR_HEAD;
    r.end = kv->val_end;
    for (i = 0; i < (size_t)kv->arr_n; i++)
        if (!mamba__rd_str(&r, &(*out)[i].p, &(*out)[i].n)) {
            mamba__hfree(hp, *out); *out = NULL;
            return mamba__err(e, MAMBA_ERR_FORMAT, "GGUF: %s is malformed", key, 0, 0, 0);
        }
    *n = (size_t)kv->arr_n;
    return MAMBA_OK;
}

/* -- SentencePiece: the GGUF "llama" vocabulary --------------------------- */

/* GGUF tokenizer.ggml.model "llama": tokens, scores, token_type (the same
   types as sentencepiece's), add_bos_token / add_eos_token /
   add_space_prefix / remove_extra_whitespaces, bos/eos/unknown ids. Called
   by mamba_tokenizer_load_gguf (which finishes the load). */
static mamba_status mamba__spm_load_gguf(mamba__heap *hp, const mamba__gguf *g, const mamba_options *opt, mamba_tokenizer **out,
                                         mamba_error *err) {
    mamba__str *tokens = NULL;
    float *score = NULL;
    uint8_t *type = NULL;
    size_t n = 0, i;
    const mamba__gguf_kv *sk, *tk;
    mamba__spm cfg;
    mamba__tok_desc d;
    long long v;
    mamba_status st;
    memset(&cfg, 0, sizeof cfg);
    memset(&d, 0, sizeof d);
    st = mamba__gguf_str_array(hp, g, "tokenizer.ggml.tokens", &tokens, &n, err);
    if (st != MAMBA_OK) return st;
    if (!n || n > (1u << 24)) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: tokenizer.ggml.tokens is missing or absurd", 0, 0, 0, 0); goto done; }
    if (n > MAMBA__OPT(opt, max_vocab, MAMBA__DEF_VOCAB)) { st = mamba__err(err, MAMBA_ERR_LIMIT, "GGUF: %d tokens exceed the limit (max_vocab)", 0, 0, (long long)n, 0); goto done; }
    sk = mamba__gguf_find(g, "tokenizer.ggml.scores");
    tk = mamba__gguf_find(g, "tokenizer.ggml.token_type");
    if (!sk || sk->type != MAMBA__GGUF_ARRAY || sk->arr_type != MAMBA__GGUF_FLOAT32 || sk->arr_n != n) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: tokenizer.ggml.scores is missing or does not match the tokens (a \"llama\" vocabulary needs them)", 0, 0, 0, 0); goto done; }
    if (tk && (tk->type != MAMBA__GGUF_ARRAY || (tk->arr_type != MAMBA__GGUF_INT32 && tk->arr_type != MAMBA__GGUF_UINT32) || tk->arr_n != n)) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: tokenizer.ggml.token_type does not match the tokens", 0, 0, 0, 0); goto done; }
    score = MAMBA__CAST(float *, mamba__halloc(hp, sizeof(float) * n));
    type = MAMBA__CAST(uint8_t *, mamba__halloc(hp, n));
    if (!score || !type) { st = mamba__err(err, MAMBA_ERR_NOMEM, "GGUF tokenizer: out of memory", 0, 0, 0, 0); goto done; }
    cfg.mode = MAMBA__SPM_MODEL;
    cfg.unk_id = -1;
    for (i = 0; i < n; i++) {
        int32_t ty = MAMBA__SPT_NORMAL;
        memcpy(&score[i], sk->val + MAMBA__GGUF_ARR_HEAD + 4 * i, 4);
        if (tk) memcpy(&ty, tk->val + MAMBA__GGUF_ARR_HEAD + 4 * i, 4);
        if (ty < MAMBA__SPT_NORMAL || ty > MAMBA__SPT_BYTE) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: token %d has token_type %d (1-6 expected)", 0, 0, (long long)i, ty); goto done; }
        if (!tokens[i].n) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: token %d is empty", 0, 0, (long long)i, 0); goto done; }
        type[i] = (uint8_t)ty;
        if (ty == MAMBA__SPT_UNKNOWN && cfg.unk_id < 0) cfg.unk_id = (int)i;
        if (ty == MAMBA__SPT_BYTE) {
            cfg.byte_fallback = 1;
            if (mamba__spm_byte_name((const unsigned char *)tokens[i].p, tokens[i].n, 0) < 0) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: byte token %d is not named <0xNN>", 0, 0, (long long)i, 0); goto done; }
        }
    }
    if (mamba__gguf_int(g, "tokenizer.ggml.unknown_token_id", &v) && v >= 0 && v < (long long)n) cfg.unk_id = (int)v;
    if (cfg.unk_id < 0) { st = mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: a \"llama\" vocabulary without an unknown token%s", "", 0, 0, 0); goto done; }
    cfg.bos_id = mamba__gguf_int(g, "tokenizer.ggml.bos_token_id", &v) && v >= 0 && v < (long long)n ? (int)v : -1;
    cfg.eos_id = mamba__gguf_int(g, "tokenizer.ggml.eos_token_id", &v) && v >= 0 && v < (long long)n ? (int)v : -1;
    cfg.add_bos = mamba__gguf_int(g, "tokenizer.ggml.add_bos_token", &v) ? v != 0 : 1;   /* llama.cpp's defaults */
    cfg.add_eos = mamba__gguf_int(g, "tokenizer.ggml.add_eos_token", &v) ? v != 0 : 0;
    cfg.add_dummy_prefix = mamba__gguf_int(g, "tokenizer.ggml.add_space_prefix", &v) ? v != 0 : 1;
    cfg.remove_extra_ws = mamba__gguf_int(g, "tokenizer.ggml.remove_extra_whitespaces", &v) ? v != 0 : 0;
    cfg.escape_ws = 1;
    d.n_vocab = n;
    d.vocab = tokens;
    d.unk_id = -1;
    d.bos_id = d.eos_id = -1;
    {
        mamba__str surf;   /* GGUF has no unk_surface: sentencepiece's default */
        surf.p = " \xE2\x81\x87 "; surf.n = 5;
        st = mamba__spm_build(hp, out, &d, score, type, &cfg, &surf, err);
    }
done:
    if (tokens) mamba__hfree(hp, tokens);
    if (score) mamba__hfree(hp, score);
    if (type) mamba__hfree(hp, type);
    return st;
}

MAMBA_API mamba_status mamba_tokenizer_load_gguf(mamba_tokenizer **out, const void *gguf, size_t len,
                                                 const mamba_options *opt, mamba_error *err) {
    mamba__heap h, *hp = &h;
    size_t used0;
    mamba__tensors ts;
    mamba__gguf g;
    mamba__tok_desc d;
    mamba__str *tokens = NULL, *merges_raw = NULL, *merges = NULL, *vocab = NULL;
    mamba__tok_added *added = NULL;
    int *vocab_id = NULL;
    size_t n_tok = 0, n_merge = 0, i, nv = 0, na = 0;
    const mamba__gguf_kv *types;
    long long v;
    mamba_status st;
    mamba__err_clear(err);
    if (out) *out = NULL;
    if (!out || !gguf) return mamba__err(err, MAMBA_ERR_BADARG, "tokenizer: bad argument", 0, 0, 0, 0);
    memset(&ts, 0, sizeof ts);
    memset(&d, 0, sizeof d);
    mamba__heap_init(hp, opt);
    hp->input = len;
    used0 = hp->a ? hp->a->used : 0;
    ts.hp = hp;
    st = mamba__gguf_read(&ts, &g, (const unsigned char *)gguf, len, "GGUF", opt, err);
    mamba__tensors_free(&ts);
    if (st != MAMBA_OK) return mamba__tok_finish(out, hp, used0, st, err);
    if (mamba__gguf_streq(&g, "tokenizer.ggml.model", "llama")) { st = mamba__spm_load_gguf(hp, &g, opt, out, err); goto done; }   /* SentencePiece */
    if (!mamba__gguf_streq(&g, "tokenizer.ggml.model", "gpt2"))
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_UNSUPPORTED, "GGUF: tokenizer.ggml.model is missing or not gpt2 (byte-level BPE)", 0, 0, 0, 0));
    MAMBA__TRY(mamba__gguf_str_array(hp, &g, "tokenizer.ggml.tokens", &tokens, &n_tok, err));
    MAMBA__TRY(mamba__gguf_str_array(hp, &g, "tokenizer.ggml.merges", &merges_raw, &n_merge, err));
    if (!n_tok || n_tok > (1u << 24)) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: tokenizer.ggml.tokens is missing or absurd", 0, 0, 0, 0));
    if (n_tok > MAMBA__OPT(opt, max_vocab, MAMBA__DEF_VOCAB))
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "GGUF: %d tokens exceed the limit (max_vocab)", 0, 0, (long long)n_tok, 0));
    if (n_merge > MAMBA__OPT(opt, max_merges, MAMBA__DEF_MERGES))
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "GGUF: %d merges exceed the limit (max_merges)", 0, 0, (long long)n_merge, 0));
    types = mamba__gguf_find(&g, "tokenizer.ggml.token_type");
    if (types && (types->type != MAMBA__GGUF_ARRAY || (types->arr_type != MAMBA__GGUF_INT32 && types->arr_type != MAMBA__GGUF_UINT32) ||
                  types->arr_n != n_tok))
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: tokenizer.ggml.token_type does not match the tokens", 0, 0, 0, 0));
    vocab = MAMBA__CAST(mamba__str *, mamba__halloc(hp, sizeof(mamba__str) * n_tok));
    vocab_id = MAMBA__CAST(int *, mamba__halloc(hp, sizeof(int) * n_tok));
    added = MAMBA__CAST(mamba__tok_added *, mamba__hcalloc(hp, sizeof(mamba__tok_added) * n_tok));
    merges = MAMBA__CAST(mamba__str *, mamba__halloc(hp, sizeof(mamba__str) * (2 * n_merge + 1)));
    if (!vocab || !vocab_id || !added || !merges) MAMBA__TRY(mamba__err(err, MAMBA_ERR_NOMEM, "GGUF tokenizer: out of memory", 0, 0, 0, 0));
    for (i = 0; i < n_tok; i++) {   /* control and user-defined tokens are matched before BPE */
        int32_t ty = MAMBA__SPT_NORMAL;
        if (types) memcpy(&ty, types->val + MAMBA__GGUF_ARR_HEAD + 4 * i, 4);
        if (ty == MAMBA__SPT_CONTROL || ty == MAMBA__SPT_USER) {
            added[na].content = tokens[i];
            added[na].id = (int)i;
            added[na].flags = ty == MAMBA__SPT_CONTROL ? MAMBA__AT_SPECIAL : MAMBA__AT_NORMALIZED;
            na++;
        } else {
            vocab[nv] = tokens[i];
            vocab_id[nv] = (int)i;
            nv++;
        }
    }
    for (i = 0; i < n_merge; i++) {   /* "left right": byte-level strings hold no space */
        const char *sp = (const char *)memchr(merges_raw[i].p, ' ', merges_raw[i].n);
        if (!sp) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "GGUF: a merge is not \"left right\"", 0, 0, 0, 0));
        merges[2 * i].p = merges_raw[i].p;
        merges[2 * i].n = (size_t)(sp - merges_raw[i].p);
        merges[2 * i + 1].p = sp + 1;
        merges[2 * i + 1].n = merges_raw[i].n - merges[2 * i].n - 1;
    }
    d.n_vocab = nv; d.vocab = vocab; d.vocab_id = vocab_id;
    d.n_merges = n_merge; d.merges = merges;
    d.n_added = na; d.added = added;
    d.unk_id = -1;
    if (mamba__gguf_streq(&g, "tokenizer.ggml.pre", "falcon")) {   /* Falcon's four steps */
        d.n_steps = 4;
        d.steps[0].kind = MAMBA__PT_PUNCT; d.steps[0].behavior = MAMBA__BEH_CONTIGUOUS;
        d.steps[1].kind = MAMBA__PT_BYTELEVEL; d.steps[1].use_regex = 1;
        d.steps[2].kind = MAMBA__PT_DIGITS; d.steps[2].behavior = MAMBA__BEH_CONTIGUOUS;
        d.steps[3].kind = MAMBA__PT_SPLIT; d.steps[3].behavior = MAMBA__BEH_ISOLATED; d.steps[3].pattern = MAMBA__PAT_DIGIT3;
    } else {   /* gpt-2, mpt, gpt-neox, olmo, ...: the GPT-2 regex */
        d.n_steps = 1;
        d.steps[0].kind = MAMBA__PT_BYTELEVEL; d.steps[0].use_regex = 1;
        /* the GPT-NeoX tokenizer (mpt, gpt-neox, olmo) normalises to NFC */
        if (mamba__gguf_streq(&g, "tokenizer.ggml.pre", "mpt") || mamba__gguf_streq(&g, "tokenizer.ggml.pre", "gpt-neox") ||
            mamba__gguf_streq(&g, "tokenizer.ggml.pre", "olmo"))
            d.normalizer = MAMBA__NORM_NFC;
    }
    d.bos_id = mamba__gguf_int(&g, "tokenizer.ggml.bos_token_id", &v) && v >= 0 && v < (long long)n_tok ? (int)v : -1;
    d.eos_id = mamba__gguf_int(&g, "tokenizer.ggml.eos_token_id", &v) && v >= 0 && v < (long long)n_tok ? (int)v : -1;
    st = mamba__tok_build(hp, out, &d, err);
    if (st == MAMBA_OK) {   /* what a GGUF writer needs to give the metadata back */
        mamba_tokenizer *t = *out;
        mamba__gguf_str_copy(&g, "tokenizer.ggml.pre", t->gguf_pre, sizeof t->gguf_pre);
        t->meta_unk = mamba__gguf_int(&g, "tokenizer.ggml.unknown_token_id", &v) && v >= 0 && v < t->n_vocab ? (int)v : -1;
        t->meta_pad = mamba__gguf_int(&g, "tokenizer.ggml.padding_token_id", &v) && v >= 0 && v < t->n_vocab ? (int)v : -1;
        for (i = 0; types && i < n_tok && i < (size_t)t->n_vocab; i++) {
            int32_t ty;
            memcpy(&ty, types->val + MAMBA__GGUF_ARR_HEAD + 4 * i, 4);
            if (ty == MAMBA__SPT_UNUSED) t->tok_attr[i] |= MAMBA__TA_UNUSED;
        }
    }
done:
    if (tokens) mamba__hfree(hp, tokens);
    if (merges_raw) mamba__hfree(hp, merges_raw);
    if (merges) mamba__hfree(hp, merges);
    if (vocab) mamba__hfree(hp, vocab);
    if (vocab_id) mamba__hfree(hp, vocab_id);
    if (added) mamba__hfree(hp, added);
    if (g.kv) mamba__hfree(hp, g.kv);
    return mamba__tok_finish(out, hp, used0, st, err);
}

#endif /* MAMBA_NO_TOKENIZER */

#ifndef MAMBA_NO_WRITER
/* -- GGUF writer ------------------------------------------------------------
   The inverse of the GGUF reader above. It sits after the tokenizer (E)
   because it reads the tables of both a loaded model and a tokenizer. Layout
   and key order are those of llama.cpp's convert_hf_to_gguf.py (checked key
   by key against its m1-tiny file); tensor types follow llama-quantize (see
   mamba_gguf_options). Nothing here needs stdio but mamba_gguf_write_file. */

/* roundf: half away from zero, for |x| < 2^23 (no libm needed). */
static int mamba__round_half_away(float x) {
    int i = (int)x;
    float frac = x - (float)i;
    if (frac >= 0.5f) i++;
    else if (frac <= -0.5f) i--;
    return i;
}

/* One block of 32 values -> Q8_0, as quantize_row_q8_0_ref: d = amax/127,
   q = roundf(x/d) computed as x * (1/d); d stored as f16. */
static void mamba__quant_q8_0(const float *x, unsigned char *y) {
    float amax = 0.0f, d, id;
    uint16_t h;
    int j;
    for (j = 0; j < 32; j++) { float v = x[j] < 0 ? -x[j] : x[j]; amax = amax > v ? amax : v; }
    d = amax / 127;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    h = mamba__f32_f16(d);
    memcpy(y, &h, 2);
    for (j = 0; j < 32; j++) {
        float v = x[j] * id;
        int q = v >= 127.0f ? 127 : v <= -128.0f ? -128 : v == v ? mamba__round_half_away(v) : 0;
        y[2 + j] = (unsigned char)(q & 0xff);
    }
}

/* One block of 32 values -> Q4_0, as quantize_row_q4_0_ref: d = (the value of
   largest magnitude) / -8, q = min(15, (int8)(x/d + 8.5)); values j and j+16
   share byte j (low nibble first). */
static void mamba__quant_q4_0(const float *x, unsigned char *y) {
    float amax = 0.0f, max = 0.0f, d, id;
    uint16_t h;
    int j;
    for (j = 0; j < 32; j++) {
        float v = x[j], a = v < 0 ? -v : v;
        if (amax < a) { amax = a; max = v; }
    }
    d = max / -8;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    h = mamba__f32_f16(d);
    memcpy(y, &h, 2);
    for (j = 0; j < 16; j++) {
        float t0 = x[j] * id + 8.5f, t1 = x[j + 16] * id + 8.5f;   /* in [0.5, 16.5] for finite x */
        int q0 = t0 >= 15.0f ? 15 : t0 > 0.0f ? (int)t0 : 0;
        int q1 = t1 >= 15.0f ? 15 : t1 > 0.0f ? (int)t1 : 0;
        y[2 + j] = (unsigned char)(q0 | q1 << 4);
    }
}

/* ---- the writer's quantizers of issue 19: llama.cpp's reference
   quantization (ggml-quants.c quantize_row_*_ref, what llama-quantize runs
   without an importance matrix), the same rounding (nearest_int), scale
   searches (make_qx_quants, make_q3_quants, make_qkx2_quants) and float
   operations in the same order, one IEEE operation at a time: no fused
   multiply-add (GCC does not contract in ISO C mode; clang is told not to).
   A llama.cpp built with -ffp-contract=fast on an FMA machine can differ in
   rare last-bit ties; tests/ref/gguf_kquant_ref.py is the unfused reference. */
#if defined(__clang__)
#define MAMBA__NO_FMA _Pragma("clang fp contract(off)")
#else
#define MAMBA__NO_FMA
#endif
#if defined(__GNUC__) && !defined(__clang__)   /* g++ contracts even in ISO mode; gcc too outside it */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
static int mamba__nearest_int(float f) {   /* ggml's nearest_int: |f| <= 4194303, else garbage (never UB) */
    float v = f + 12582912.0f;
    int32_t i;
    memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}
static int mamba__clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static float mamba__fabsf(float x) { return x < 0 ? -x : x; }
/* (int8_t)(v) of a float that a finite source keeps in range; NaN -> 0 */
static int mamba__trunc_i8(float v) { return v >= 127.0f ? 127 : v <= -128.0f ? -128 : v == v ? (int)v : 0; }
static void mamba__put_f16(unsigned char *p, float f) { uint16_t h = mamba__f32_f16(f); memcpy(p, &h, 2); }

static float mamba__make_qx_quants(int n, int nmax, const float *x, signed char *L, int rmse_type) {
    MAMBA__NO_FMA
    float max = 0, amax = 0, iscale, sumlx = 0, suml2 = 0, scale, best;
    int i, is;
    for (i = 0; i < n; i++) { float ax = mamba__fabsf(x[i]); if (ax > amax) { amax = ax; max = x[i]; } }
    if (amax < 1e-15f) { for (i = 0; i < n; i++) L[i] = 0; return 0.0f; }
    iscale = (float)-nmax / max;
    for (i = 0; i < n; i++) {   /* rmse_type 1 (the only one used here): w = x^2 */
        int l = mamba__clampi(mamba__nearest_int(iscale * x[i]), -nmax, nmax - 1);
        float w = x[i] * x[i], t = w * x[i];
        L[i] = (signed char)(l + nmax);
        t = t * (float)l; sumlx += t;
        t = w * (float)l; t = t * (float)l; suml2 += t;
    }
    (void)rmse_type;
    scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    best = scale * sumlx;
    for (is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = (float)nmax + 0.1f * (float)is;
        iscale = -iscale / max;
        sumlx = suml2 = 0;
        for (i = 0; i < n; i++) {
            int l = mamba__clampi(mamba__nearest_int(iscale * x[i]), -nmax, nmax - 1);
            float w = x[i] * x[i], t = w * x[i];
            t = t * (float)l; sumlx += t;
            t = w * (float)l; t = t * (float)l; suml2 += t;
        }
        if (suml2 > 0) {
            float a = sumlx * sumlx, b = best * suml2;
            if (a > b) {
                for (i = 0; i < n; i++) L[i] = (signed char)(nmax + mamba__clampi(mamba__nearest_int(iscale * x[i]), -nmax, nmax - 1));
                scale = sumlx / suml2; best = scale * sumlx;
            }
        }
    }
    return scale;
}

static float mamba__make_q3_quants(int n, int nmax, const float *x, signed char *L) {
    MAMBA__NO_FMA
    float max = 0, amax = 0, iscale, sumlx = 0, suml2 = 0;
    int i, itry;
    for (i = 0; i < n; i++) { float ax = mamba__fabsf(x[i]); if (ax > amax) { amax = ax; max = x[i]; } }
    if (amax < 1e-15f) { for (i = 0; i < n; i++) L[i] = 0; return 0.0f; }
    iscale = (float)-nmax / max;
    for (i = 0; i < n; i++) {   /* do_rmse */
        int l = mamba__clampi(mamba__nearest_int(iscale * x[i]), -nmax, nmax - 1);
        float w = x[i] * x[i], t = w * x[i];
        L[i] = (signed char)l;
        t = t * (float)l; sumlx += t;
        t = w * (float)l; t = t * (float)l; suml2 += t;
    }
    for (itry = 0; itry < 5; itry++) {
        int n_changed = 0;
        for (i = 0; i < n; i++) {
            float w = x[i] * x[i], t = w * x[i], slx;
            t = t * (float)L[i];
            slx = sumlx - t;
            if (slx > 0) {
                float sl2, u = w * (float)L[i];
                int new_l;
                u = u * (float)L[i];
                sl2 = suml2 - u;
                u = x[i] * sl2;
                new_l = mamba__clampi(mamba__nearest_int(u / slx), -nmax, nmax - 1);
                if (new_l != L[i]) {
                    float a, b;
                    t = w * x[i]; t = t * (float)new_l; slx += t;
                    u = w * (float)new_l; u = u * (float)new_l; sl2 += u;
                    a = slx * slx; a = a * suml2;
                    b = sumlx * sumlx; b = b * sl2;
                    if (sl2 > 0 && a > b) { L[i] = (signed char)new_l; sumlx = slx; suml2 = sl2; n_changed++; }
                }
            }
        }
        if (!n_changed) break;
    }
    for (i = 0; i < n; i++) L[i] = (signed char)(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

static float mamba__make_qkx2_quants(int n, int nmax, const float *x, const float *weights, unsigned char *L, float *the_min,
                                     unsigned char *Laux, float rmin, float rdelta, int nstep, int use_mad) {
    MAMBA__NO_FMA
    float min = x[0], max = x[0], sum_w = weights[0], sum_x = sum_w * x[0], iscale, scale, best_error = 0;
    int i, is;
    for (i = 1; i < n; i++) {
        float t;
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += weights[i];
        t = weights[i] * x[i]; sum_x += t;
    }
    if (min > 0) min = 0;
    if (max == min) { for (i = 0; i < n; i++) L[i] = 0; *the_min = -min; return 0.0f; }
    iscale = (float)nmax / (max - min);
    scale = 1 / iscale;
    for (i = 0; i < n; i++) {
        float t = iscale * (x[i] - min), diff;
        L[i] = (unsigned char)mamba__clampi(mamba__nearest_int(t), 0, nmax);
        diff = scale * (float)L[i]; diff = diff + min; diff = diff - x[i];
        diff = use_mad ? mamba__fabsf(diff) : diff * diff;
        diff = weights[i] * diff; best_error += diff;
    }
    for (is = 0; is <= nstep; is++) {
        float sum_l = 0, sum_l2 = 0, sum_xl = 0, D, t, u;
        t = rdelta * (float)is; t = rmin + t; t = t + (float)nmax;
        iscale = t / (max - min);
        for (i = 0; i < n; i++) {
            int l = mamba__clampi(mamba__nearest_int(iscale * (x[i] - min)), 0, nmax);
            float w = weights[i], wl = w * (float)l;
            Laux[i] = (unsigned char)l;
            sum_l += wl;
            t = wl * (float)l; sum_l2 += t;
            t = wl * x[i]; sum_xl += t;
        }
        t = sum_w * sum_l2; u = sum_l * sum_l; D = t - u;
        if (D > 0) {
            float this_scale, this_min, cur_error = 0;
            t = sum_w * sum_xl; u = sum_x * sum_l; this_scale = (t - u) / D;
            t = sum_l2 * sum_x; u = sum_l * sum_xl; this_min = (t - u) / D;
            if (this_min > 0) { this_min = 0; this_scale = sum_xl / sum_l2; }
            for (i = 0; i < n; i++) {
                float diff = this_scale * (float)Laux[i];
                diff = diff + this_min; diff = diff - x[i];
                diff = use_mad ? mamba__fabsf(diff) : diff * diff;
                diff = weights[i] * diff; cur_error += diff;
            }
            if (cur_error < best_error) {
                for (i = 0; i < n; i++) L[i] = Laux[i];
                best_error = cur_error; scale = this_scale; min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

/* 12 bytes of 8 six-bit scales and mins, as quantize_row_q4_K_ref packs them */
static void mamba__pack_k4_scales(unsigned char *s, const float *scales, const float *mins, float max_scale, float max_min) {
    MAMBA__NO_FMA
    float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f, inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    int j;
    for (j = 0; j < 8; j++) {
        int ls = mamba__nearest_int(inv_scale * scales[j]) & 0xFF, lm = mamba__nearest_int(inv_min * mins[j]) & 0xFF;
        ls = ls < 63 ? ls : 63; lm = lm < 63 ? lm : 63;
        if (j < 4) { s[j] = (unsigned char)ls; s[j + 4] = (unsigned char)lm; }
        else {
            s[j + 4] = (unsigned char)((ls & 0xF) | (lm & 0xF) << 4);
            s[j - 4] |= (unsigned char)((ls >> 4) << 6);
            s[j] |= (unsigned char)((lm >> 4) << 6);
        }
    }
}
/* Q4_K (nmax 15) or Q5_K (31): one super-block of 256 */
static void mamba__quant_q45_k(const float *x, unsigned char *y, int five) {
    MAMBA__NO_FMA
    unsigned char L[256], Laux[32];
    float weights[32], mins[8], scales[8], max_scale = 0, max_min = 0, d, dmin;
    int j, l, nmax = five ? 31 : 15, sc[8], mn[8];
    for (j = 0; j < 8; j++) {
        float sum_x2 = 0, av_x;
        for (l = 0; l < 32; l++) { float t = x[32 * j + l] * x[32 * j + l]; sum_x2 += t; }
        av_x = MAMBA_SQRTF(sum_x2 / 32);
        for (l = 0; l < 32; l++) weights[l] = av_x + mamba__fabsf(x[32 * j + l]);
        scales[j] = mamba__make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux,
                                            five ? -0.5f : -1.f, 0.1f, five ? 15 : 20, 0);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    memset(y, 0, five ? 176 : 144);
    mamba__pack_k4_scales(y + 4, scales, mins, max_scale, max_min);
    mamba__put_f16(y, max_scale / 63.f);
    mamba__put_f16(y + 2, max_min / 63.f);
    d = mamba__f16_at(y); dmin = mamba__f16_at(y + 2);
    mamba__q4k_unpack(y + 4, sc, mn);
    for (j = 0; j < 8; j++) {
        float dd, dm;
        dd = d * (float)sc[j];
        if (dd == 0.0f) continue;
        dm = dmin * (float)mn[j];
        for (l = 0; l < 32; l++) { float t = x[32 * j + l] + dm; L[32 * j + l] = (unsigned char)mamba__clampi(mamba__nearest_int(t / dd), 0, nmax); }
    }
    if (five) {
        unsigned char *qh = y + 16, *ql = y + 48;
        int n;
        for (n = 0; n < 4; n++)
            for (j = 0; j < 32; j++) {
                int l1 = L[64 * n + j], l2 = L[64 * n + 32 + j];
                if (l1 > 15) { l1 -= 16; qh[j] |= (unsigned char)(1 << (2 * n)); }
                if (l2 > 15) { l2 -= 16; qh[j] |= (unsigned char)(2 << (2 * n)); }
                ql[32 * n + j] = (unsigned char)(l1 | l2 << 4);
            }
    } else {
        for (j = 0; j < 4; j++)
            for (l = 0; l < 32; l++) y[16 + 32 * j + l] = (unsigned char)(L[64 * j + l] | L[64 * j + 32 + l] << 4);
    }
}
static void mamba__quant_q6_k(const float *x, unsigned char *y) {
    MAMBA__NO_FMA
    signed char L[256];
    float scales[16], max_scale = 0, max_abs_scale = 0, iscale, d;
    int ib, j, l;
    for (ib = 0; ib < 16; ib++) {
        float scale = mamba__make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1), as = mamba__fabsf(scale);
        scales[ib] = scale;
        if (as > max_abs_scale) { max_abs_scale = as; max_scale = scale; }
    }
    memset(y, 0, 210);
    if (max_abs_scale < 1e-15f) return;   /* all zero, d = 0 */
    iscale = -128.f / max_scale;
    mamba__put_f16(y + 208, 1 / iscale);
    for (ib = 0; ib < 16; ib++) { int v = mamba__nearest_int(iscale * scales[ib]); y[192 + ib] = (unsigned char)((v < 127 ? v : 127) & 0xFF); }
    d = mamba__f16_at(y + 208);
    for (j = 0; j < 16; j++) {
        float dd = d * (float)(signed char)y[192 + j];
        if (dd == 0.0f) continue;
        for (l = 0; l < 16; l++) L[16 * j + l] = (signed char)(mamba__clampi(mamba__nearest_int(x[16 * j + l] / dd), -32, 31) + 32);
    }
    for (j = 0; j < 2; j++) {
        unsigned char *ql = y + 64 * j, *qh = y + 128 + 32 * j;
        const signed char *Lj = L + 128 * j;
        for (l = 0; l < 32; l++) {
            int q1 = Lj[l] & 0xF, q2 = Lj[l + 32] & 0xF, q3 = Lj[l + 64] & 0xF, q4 = Lj[l + 96] & 0xF;
            ql[l] = (unsigned char)(q1 | q3 << 4);
            ql[l + 32] = (unsigned char)(q2 | q4 << 4);
            qh[l] = (unsigned char)((Lj[l] >> 4) | (Lj[l + 32] >> 4) << 2 | (Lj[l + 64] >> 4) << 4 | (Lj[l + 96] >> 4) << 6);
        }
    }
}
static void mamba__pack_q2(const int *L, unsigned char *qs) {   /* value 128h + 32g + l -> bits 2g of qs[32h + l] */
    int h, l;
    for (h = 0; h < 2; h++)
        for (l = 0; l < 32; l++)
            qs[32 * h + l] = (unsigned char)(L[128 * h + l] | L[128 * h + l + 32] << 2 | L[128 * h + l + 64] << 4 | L[128 * h + l + 96] << 6);
}
static void mamba__quant_q2_k(const float *x, unsigned char *y) {
    MAMBA__NO_FMA
    unsigned char Lq[256], Laux[16];
    int L[256];
    float weights[16], mins[16], scales[16], max_scale = 0, max_min = 0, d, dmin;
    int j, l;
    for (j = 0; j < 16; j++) {
        for (l = 0; l < 16; l++) weights[l] = mamba__fabsf(x[16 * j + l]);
        scales[j] = mamba__make_qkx2_quants(16, 3, x + 16 * j, weights, Lq + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, 1);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    memset(y, 0, 84);
    if (max_scale > 0) {
        float iscale = 15.f / max_scale;
        for (j = 0; j < 16; j++) y[j] = (unsigned char)(mamba__nearest_int(iscale * scales[j]) & 0xFF);
        mamba__put_f16(y + 80, max_scale / 15.f);
    }
    if (max_min > 0) {
        float iscale = 15.f / max_min;
        for (j = 0; j < 16; j++) y[j] |= (unsigned char)((mamba__nearest_int(iscale * mins[j]) << 4) & 0xFF);
        mamba__put_f16(y + 82, max_min / 15.f);
    }
    d = mamba__f16_at(y + 80); dmin = mamba__f16_at(y + 82);
    for (j = 0; j < 16; j++) {
        float dd = d * (float)(y[j] & 0xF), dm;
        if (dd == 0.0f) continue;
        dm = dmin * (float)(y[j] >> 4);
        for (l = 0; l < 16; l++) { float t = x[16 * j + l] + dm; Lq[16 * j + l] = (unsigned char)mamba__clampi(mamba__nearest_int(t / dd), 0, 3); }
    }
    for (j = 0; j < 256; j++) L[j] = Lq[j];
    mamba__pack_q2(L, y + 16);
}
static void mamba__quant_q3_k(const float *x, unsigned char *y) {
    MAMBA__NO_FMA
    signed char Ls[256];
    int L[256], j, l, sc[16];
    float scales[16], max_scale = 0, amax = 0, d;
    for (j = 0; j < 16; j++) {
        float s;
        scales[j] = mamba__make_q3_quants(16, 4, x + 16 * j, Ls + 16 * j);
        s = mamba__fabsf(scales[j]);
        if (s > amax) { amax = s; max_scale = scales[j]; }
    }
    memset(y, 0, 110);
    if (max_scale != 0.0f) {
        float iscale = -32.f / max_scale;
        for (j = 0; j < 16; j++) {
            int v = mamba__nearest_int(iscale * scales[j]), q;
            v = ((v & 0xFF) ^ 0x80) - 0x80;   /* (int8_t) */
            q = mamba__clampi(v, -32, 31) + 32;
            if (j < 8) y[96 + j] = (unsigned char)(q & 0xF);
            else y[96 + j - 8] |= (unsigned char)((q & 0xF) << 4);
            y[96 + 8 + j % 4] |= (unsigned char)((q >> 4) << (2 * (j / 4)));
        }
        mamba__put_f16(y + 108, 1 / iscale);
    }
    d = mamba__f16_at(y + 108);
    mamba__q3k_scales(y + 96, sc);
    for (j = 0; j < 16; j++) {
        float dd = d * (float)sc[j];
        if (dd == 0.0f) continue;
        for (l = 0; l < 16; l++) Ls[16 * j + l] = (signed char)(mamba__clampi(mamba__nearest_int(x[16 * j + l] / dd), -4, 3) + 4);
    }
    for (j = 0; j < 256; j++) {   /* high bit of value j: bit j/32 of hmask[j%32] */
        L[j] = Ls[j];
        if (L[j] > 3) { y[j % 32] |= (unsigned char)(1 << (j / 32)); L[j] -= 4; }
    }
    mamba__pack_q2(L, y + 32);
}
/* Q4_1 (bits 4) / Q5_1 (5) / Q5_0: quantize_row_q4_1_ref / _q5_1_ref / _q5_0_ref */
static void mamba__quant_q_1(const float *x, unsigned char *y, int bits) {
    MAMBA__NO_FMA
    float min = x[0], max = x[0], d, id;
    uint32_t qh = 0;
    int j, top = (1 << bits) - 1;
    for (j = 1; j < 32; j++) { if (x[j] < min) min = x[j]; if (x[j] > max) max = x[j]; }
    d = (max - min) / (float)top;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    mamba__put_f16(y, d);
    mamba__put_f16(y + 2, min);
    for (j = 0; j < 16; j++) {
        float t0 = x[j] - min, t1 = x[j + 16] - min;
        int q0, q1;
        t0 = t0 * id; t0 = t0 + 0.5f;
        t1 = t1 * id; t1 = t1 + 0.5f;
        q0 = mamba__trunc_i8(t0); q1 = mamba__trunc_i8(t1);
        if (bits == 4) { q0 = q0 < 15 ? q0 : 15; q1 = q1 < 15 ? q1 : 15; y[4 + j] = (unsigned char)((q0 & 0xF) | (q1 & 0xF) << 4); }
        else {   /* (uint8_t), no clamp in ggml */
            q0 &= 0xFF; q1 &= 0xFF;
            y[8 + j] = (unsigned char)((q0 & 0xF) | (q1 & 0xF) << 4);
            qh |= (uint32_t)((q0 & 0x10) >> 4) << j;
            qh |= (uint32_t)((q1 & 0x10) >> 4) << (j + 16);
        }
    }
    if (bits == 5) mamba__put32(y + 4, qh);
}
static void mamba__quant_q5_0(const float *x, unsigned char *y) {
    MAMBA__NO_FMA
    float amax = 0.0f, max = 0.0f, d, id;
    uint32_t qh = 0;
    int j;
    for (j = 0; j < 32; j++) { float a = mamba__fabsf(x[j]); if (amax < a) { amax = a; max = x[j]; } }
    d = max / -16;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    mamba__put_f16(y, d);
    for (j = 0; j < 16; j++) {
        float t0 = x[j] * id, t1 = x[j + 16] * id;
        int q0, q1;
        t0 = t0 + 16.5f; t1 = t1 + 16.5f;
        q0 = mamba__trunc_i8(t0); q1 = mamba__trunc_i8(t1);
        q0 = (q0 < 31 ? q0 : 31) & 0xFF; q1 = (q1 < 31 ? q1 : 31) & 0xFF;
        y[6 + j] = (unsigned char)((q0 & 0xF) | (q1 & 0xF) << 4);
        qh |= (uint32_t)((q0 & 0x10) >> 4) << j;
        qh |= (uint32_t)((q1 & 0x10) >> 4) << (j + 16);
    }
    mamba__put32(y + 2, qh);
}
/* IQ4_NL: quantize_row_iq4_nl_ref (ggml's quantize_row_iq4_nl_impl for one
   block of 32 without an importance matrix: weights x^2, the scale searched
   over 2 * 7 + 1 tries, values by best_index_int8) */
/* ggml's best_index_int8 for id * x[j], j < 32, into L[j], without its
   branches (its binary search over the 16 values, a mispredicted branch a
   step, was over 3/4 of the IQ4_NL writer's time). For y = id * x[j]
   clamped to [v[0], v[15]] (NaN to v[15]), c counts the v[1..14] <= y, so
   v[c] <= y < v[c + 1] inside the table, and ggml's tie test picks v[c] or
   v[c + 1]; at the ends it gives ggml's answers too (y <= v[0]: c = 0 and
   y - v[0] <= 0 < v[1] - y, 0; y >= v[15]: c = 14, 15; NaN: c = 14 and the
   test fails, 15). The values are integers, so v[k] <= y exactly when
   v[k] <= floor(y): c is cnt[floor(y) + 127]. (int)(y + 128) is
   floor(y) + 128, or one more when the sum rounds up to the next integer,
   which counts one v[k] too many only for y a rounding error below that
   v[k], the nearest value either way: the test picks v[c] = v[k]. The binary search's index for every float (tests/test_kernels.c:
   dense over all floats, every table value and tie point, infinities, NaNs,
   denormals; all 2^32 checked once by hand). */
static void mamba__best_index_iq4_32(float id, const float *x, unsigned char *L) {
    static const float v[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    static const unsigned char cnt[241] = {   /* cnt[i]: how many of v[1..14] are <= i - 127 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4,
        4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10,
        10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13,
        13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
        14};
    int j;
    for (j = 0; j < 32; j++) {
        float al = id * x[j], y = al < v[15] ? al : v[15];
        int c;
        y = y > v[0] ? y : v[0];
        c = cnt[(int)(y + 128.0f) - 1];
        L[j] = (unsigned char)(c + !(al - v[c] < v[c + 1] - al));
    }
}
static void mamba__quant_iq4_nl(const float *x, unsigned char *y) {
    MAMBA__NO_FMA
    unsigned char L[32];
    float amax = 0, max = 0, d, id, sumqx = 0, sumq2 = 0, best;
    int j, itry;
    memset(y, 0, 18);
    for (j = 0; j < 32; j++) { float ax = mamba__fabsf(x[j]); if (ax > amax) { amax = ax; max = x[j]; } }
    if (amax < 1e-15f) d = 0;   /* ggml's scale 0: every index best_index(0) = 8 */
    else {
        d = -max / (float)mamba__iq4nl_values[0];
        id = 1 / d;
        mamba__best_index_iq4_32(id, x, L);
        for (j = 0; j < 32; j++) {
            float q = (float)mamba__iq4nl_values[L[j]], w = x[j] * x[j], t;
            t = w * q; t = t * x[j]; sumqx += t;
            t = w * q; t = t * q; sumq2 += t;
        }
        d = sumqx / sumq2;
        best = d * sumqx;
        for (itry = -7; itry <= 7; itry++) {
            id = (float)(itry + mamba__iq4nl_values[0]) / max;
            sumqx = sumq2 = 0;
            mamba__best_index_iq4_32(id, x, L);
            for (j = 0; j < 32; j++) {
                float q = (float)mamba__iq4nl_values[L[j]], w = x[j] * x[j], t;
                t = w * q; t = t * x[j]; sumqx += t;
                t = w * q; t = t * q; sumq2 += t;
            }
            if (sumq2 > 0) {
                float a = sumqx * sumqx, b = best * sumq2;
                if (a > b) { d = sumqx / sumq2; best = d * sumqx; }
            }
        }
    }
    mamba__put_f16(y, d);
    id = d != 0.0f ? 1 / d : 0;
    mamba__best_index_iq4_32(id, x, L);
    for (j = 0; j < 16; j++) y[2 + j] = (unsigned char)(L[j] | L[16 + j] << 4);
}
/* one block of dtype dt from its values: the writer's one dispatch on the
   type (0: no quantizer for dt: IQ4_XS) */
static int mamba__quant_block(const float *x, mamba_dtype dt, unsigned char *y) {
#ifdef MAMBA_NO_EXTRA_QUANTS
    if (mamba__dt(dt)->ggml < 0) return 0;   /* a type this build does not read */
#endif
    switch (dt) {
    case MAMBA_DTYPE_Q8_0: if (y) mamba__quant_q8_0(x, y); return 1;
    case MAMBA_DTYPE_Q4_0: if (y) mamba__quant_q4_0(x, y); return 1;
    case MAMBA_DTYPE_Q4_1: if (y) mamba__quant_q_1(x, y, 4); return 1;
    case MAMBA_DTYPE_Q5_1: if (y) mamba__quant_q_1(x, y, 5); return 1;
    case MAMBA_DTYPE_Q5_0: if (y) mamba__quant_q5_0(x, y); return 1;
    case MAMBA_DTYPE_IQ4_NL: if (y) mamba__quant_iq4_nl(x, y); return 1;
    case MAMBA_DTYPE_Q2_K: if (y) mamba__quant_q2_k(x, y); return 1;
    case MAMBA_DTYPE_Q3_K: if (y) mamba__quant_q3_k(x, y); return 1;
    case MAMBA_DTYPE_Q4_K: if (y) mamba__quant_q45_k(x, y, 0); return 1;
    case MAMBA_DTYPE_Q5_K: if (y) mamba__quant_q45_k(x, y, 1); return 1;
    case MAMBA_DTYPE_Q6_K: if (y) mamba__quant_q6_k(x, y); return 1;
    default: return 0;
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif
static int mamba__has_quantizer(mamba_dtype dt) { return mamba__quant_block(NULL, dt, NULL); }
/* ---- end of the writer's quantizers of issue 19 ---- */

/* Bytes out, counted; a NULL function only counts (the sizing pass). */
typedef struct mamba__gw {
    int (*fn)(void *user, const void *bytes, size_t n);
    void *user;
    uint64_t n;
    size_t n_kv;
    int fail;
} mamba__gw;

static void mamba__gw_put(mamba__gw *w, const void *p, size_t n) {
    if (w->fail || !n) return;
    if (w->fn && w->fn(w->user, p, n) != 0) { w->fail = 1; return; }
    w->n += n;
}
static void mamba__gw_u32(mamba__gw *w, uint32_t v) {
    unsigned char b[4];
    b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); b[2] = (unsigned char)(v >> 16); b[3] = (unsigned char)(v >> 24);
    mamba__gw_put(w, b, 4);
}
static void mamba__gw_u64(mamba__gw *w, uint64_t v) { mamba__gw_u32(w, (uint32_t)v); mamba__gw_u32(w, (uint32_t)(v >> 32)); }
static void mamba__gw_str(mamba__gw *w, const void *s, size_t n) { mamba__gw_u64(w, n); mamba__gw_put(w, s, n); }
static void mamba__gw_key(mamba__gw *w, const char *key, uint32_t type) { mamba__gw_str(w, key, strlen(key)); mamba__gw_u32(w, type); w->n_kv++; }
static void mamba__gw_kv_u32(mamba__gw *w, const char *key, uint32_t v) { mamba__gw_key(w, key, MAMBA__GGUF_UINT32); mamba__gw_u32(w, v); }
static void mamba__gw_kv_str(mamba__gw *w, const char *key, const char *v) { mamba__gw_key(w, key, MAMBA__GGUF_STRING); mamba__gw_str(w, v, strlen(v)); }
static void mamba__gw_kv_f32(mamba__gw *w, const char *key, float v) { uint32_t u; memcpy(&u, &v, 4); mamba__gw_key(w, key, MAMBA__GGUF_FLOAT32); mamba__gw_u32(w, u); }
static void mamba__gw_kv_bool(mamba__gw *w, const char *key, int v) { unsigned char b = (unsigned char)(v != 0); mamba__gw_key(w, key, MAMBA__GGUF_BOOL); mamba__gw_put(w, &b, 1); }
/* The head of an array value: key, element type, count. */
static void mamba__gw_kv_arr(mamba__gw *w, const char *key, uint32_t type, uint64_t n) { mamba__gw_key(w, key, MAMBA__GGUF_ARRAY); mamba__gw_u32(w, type); mamba__gw_u64(w, n); }
static void mamba__gw_pad(mamba__gw *w, unsigned align) {
    static const unsigned char zero[64] = {0};
    size_t k = (size_t)((align - w->n % align) % align);
    mamba__gw_put(w, zero, k);
}

/* One tensor of the file: where its values come from and what it becomes. */
typedef struct mamba__wt {
    char name[48];
    int nd;
    uint64_t ne[2];          /* ggml order: ne[0] is the contiguous (row) length */
    mamba_dtype type;        /* MAMBA_DTYPE_* written */
    const char *why;         /* why type differs from the one asked for */
    mamba__mat mat;          /* a matrix in its stored dtype (mat.data != NULL), or */
    const float *f;          /* f32 values: element (r, c) at f[r*ne0 + c], or */
    int trans;               /* at f[c*ne1 + r] (the model keeps conv and A channel-major) */
    uint64_t off;
    size_t bytes;
} mamba__wt;

static int mamba__ggml_type(mamba_dtype dt) { return mamba__dt(dt)->ggml < 0 ? 0 : mamba__dt(dt)->ggml; }

/* "blk.<l>.<suffix>" or the suffix alone (l < 0). */
static void mamba__wt_name(char *out, int l, const char *suffix) {
    size_t o = 0;
    if (l >= 0) {
        memcpy(out, "blk.", 4); o = 4;
        o += (size_t)mamba__utoa((unsigned long long)l, out + o);
        out[o++] = '.';
    }
    strcpy(out + o, suffix);
}

/* A small f32 tensor: always F32 (llama.cpp computes norms, conv, scan in f32). */
static void mamba__wt_vec(mamba__wt *t, int l, const char *suffix, const float *f, uint64_t ne0, uint64_t ne1, int trans,
                          mamba_dtype want, const char *why) {
    memset(t, 0, sizeof *t);
    mamba__wt_name(t->name, l, suffix);
    t->nd = ne1 ? 2 : 1;
    t->ne[0] = ne0; t->ne[1] = ne1 ? ne1 : 1;
    t->f = f;
    t->trans = trans;
    t->type = MAMBA_DTYPE_F32;
    t->why = want != MAMBA_DTYPE_F32 ? why : NULL;
}

/* ---- llama-quantize's per-tensor type for a Mamba matrix (issue 19; read
   from llama.cpp src/llama-quant.cpp llama_tensor_get_type): Mamba tensors
   are none of the categories its mixes treat specially (attn_v, ffn_down,
   ...), so only two rules apply. The output matrix (token_embd when tied):
   Q8_0 if its rows are not a multiple of 256, else Q6_K unless the type is
   Q8_0 (not with --pure). Then any quantized matrix whose rows are not a
   multiple of its block falls back: Q2_K/Q3_K -> IQ4_NL, Q4_K -> Q5_0, Q5_K
   -> Q5_1, Q6_K -> Q8_0, and to F16 if not a multiple of 32 either. So the S/M/L variants of a K mix give the same Mamba file. ---- */
static mamba_dtype mamba__wt_pick(mamba_dtype want, int pure, int is_output, int cols, const char **why) {
    mamba_dtype type = want;
    *why = NULL;
    if (!mamba__is_quant(want)) return want;
    if (!pure && is_output) {
        if (cols % MAMBA__QKK) { if (want != MAMBA_DTYPE_Q8_0) { type = MAMBA_DTYPE_Q8_0; *why = "output matrix: Q8_0, as llama-quantize (rows not a multiple of 256)"; } }
        else if (want != MAMBA_DTYPE_Q8_0) { type = MAMBA_DTYPE_Q6_K; *why = "output matrix: Q6_K, as llama-quantize"; }
    }
    if (cols % mamba__block_elems(type)) {
        mamba_dtype fb = type == MAMBA_DTYPE_Q2_K || type == MAMBA_DTYPE_Q3_K ? MAMBA_DTYPE_IQ4_NL : type == MAMBA_DTYPE_Q4_K ? MAMBA_DTYPE_Q5_0 :
                 type == MAMBA_DTYPE_Q5_K ? MAMBA_DTYPE_Q5_1 : type == MAMBA_DTYPE_Q6_K ? MAMBA_DTYPE_Q8_0 : MAMBA_DTYPE_F16;
        if (cols % MAMBA__QK) { type = MAMBA_DTYPE_F16; *why = "rows are not a multiple of 32 values: F16, as llama.cpp"; }
        else {
            *why = fb == MAMBA_DTYPE_IQ4_NL ? "rows are not a multiple of 256 values: IQ4_NL, as llama-quantize" :
                   fb == MAMBA_DTYPE_Q5_0 ? "rows are not a multiple of 256 values: Q5_0, as llama-quantize" :
                   fb == MAMBA_DTYPE_Q5_1 ? "rows are not a multiple of 256 values: Q5_1, as llama-quantize" :
                   "rows are not a multiple of 256 values: Q8_0, as llama-quantize";
            type = fb;
        }
    }
    return type;
}
/* llama-quantize presets (llama_ftype): name, the type asked for, general.file_type */
static const struct { const char *name; mamba_dtype type; unsigned char ftype; } mamba__presets[] = {
    {"F32", MAMBA_DTYPE_F32, 0}, {"F16", MAMBA_DTYPE_F16, 1}, {"BF16", MAMBA_DTYPE_BF16, 32}, {"Q8_0", MAMBA_DTYPE_Q8_0, 7},
    {"Q4_0", MAMBA_DTYPE_Q4_0, 2}, {"Q4_1", MAMBA_DTYPE_Q4_1, 3}, {"Q5_0", MAMBA_DTYPE_Q5_0, 8}, {"Q5_1", MAMBA_DTYPE_Q5_1, 9},
    {"Q2_K", MAMBA_DTYPE_Q2_K, 10}, {"Q3_K_S", MAMBA_DTYPE_Q3_K, 11}, {"Q3_K_M", MAMBA_DTYPE_Q3_K, 12}, {"Q3_K_L", MAMBA_DTYPE_Q3_K, 13},
    {"Q4_K_S", MAMBA_DTYPE_Q4_K, 14}, {"Q4_K_M", MAMBA_DTYPE_Q4_K, 15}, {"Q5_K_S", MAMBA_DTYPE_Q5_K, 16}, {"Q5_K_M", MAMBA_DTYPE_Q5_K, 17},
    {"Q6_K", MAMBA_DTYPE_Q6_K, 18}, {"IQ4_NL", MAMBA_DTYPE_IQ4_NL, 25}, {"Q3_K", MAMBA_DTYPE_Q3_K, 12}, {"Q4_K", MAMBA_DTYPE_Q4_K, 15},
    {"Q5_K", MAMBA_DTYPE_Q5_K, 17}};
/* ---- end of the per-tensor types of issue 19 ---- */

static void mamba__wt_mat(mamba__wt *t, int l, const char *suffix, const mamba__mat *W, int rows, mamba_dtype want, int pure, int is_output) {
    memset(t, 0, sizeof *t);
    mamba__wt_name(t->name, l, suffix);
    t->nd = 2;
    t->mat = *W;
    t->mat.rows = rows;
    t->ne[0] = (uint64_t)W->cols; t->ne[1] = (uint64_t)rows;
    t->type = mamba__wt_pick(want, pure, is_output, W->cols, &t->why);
}

/* Row r of a tensor as f32 into row[0..ne0). */
static void mamba__wt_row(const mamba__wt *t, uint64_t r, float *row) {
    size_t c, n0 = (size_t)t->ne[0];
    if (t->mat.data) {
        const unsigned char *p = (const unsigned char *)t->mat.data + (size_t)r * mamba__row_bytes(t->mat.dtype, n0);
        if (mamba__is_quant(t->mat.dtype)) {
            size_t qk = (size_t)mamba__block_elems(t->mat.dtype);
            for (c = 0; c < n0; c += qk) mamba__dequant_block(p + c / qk * mamba__block_bytes(t->mat.dtype), t->mat.dtype, row + c);
        } else {
            for (c = 0; c < n0; c++) row[c] = mamba__load_elem(p, t->mat.dtype, c);
        }
    } else if (t->trans) {
        for (c = 0; c < n0; c++) row[c] = t->f[c * (size_t)t->ne[1] + (size_t)r];
    } else {
        memcpy(row, t->f + (size_t)r * n0, n0 * sizeof(float));
    }
}

/* The tensors of a model, in convert_hf_to_gguf.py's order (the Hugging Face
   names sorted within a layer). Returns the count; t has room for 3 + 12 L. */
static size_t mamba__wt_plan(const mamba_model *m, const mamba_gguf_options *o, mamba__wt *t) {
    const mamba_config *c = &m->cfg;
    mamba_dtype want = o && o->type ? o->type : MAMBA_DTYPE_F32;
    int pure = o && o->pure, l;
    int m2 = c->arch == MAMBA_ARCH_MAMBA2, tied = c->tied_embeddings;
    uint64_t D = (uint64_t)c->d_model, E = (uint64_t)c->d_inner, N = (uint64_t)c->d_state, K = (uint64_t)c->d_conv;
    uint64_t H = (uint64_t)c->n_heads, C = (uint64_t)c->conv_dim, G = (uint64_t)c->n_groups;
    size_t n = 0;
    mamba__wt_mat(&t[n++], -1, "token_embd.weight", &m->embed, m->embed.rows, want, pure, tied);
    for (l = 0; l < c->n_layer; l++) {
        const mamba__layer *L = &m->layers[l];
        if (m2) {
            mamba__wt_vec(&t[n++], l, "ssm_a", L->A, 1, H, 0, want, "A: F32");
            mamba__wt_vec(&t[n++], l, "ssm_d", L->D, 1, H, 0, want, "D: F32");
        } else {
            mamba__wt_vec(&t[n++], l, "ssm_a", L->A, N, E, 1, want, "A: F32");
            mamba__wt_vec(&t[n++], l, "ssm_d", L->D, E, 0, 0, want, "D: F32");
        }
        if (L->conv_b) mamba__wt_vec(&t[n++], l, "ssm_conv1d.bias", L->conv_b, C, 0, 0, want, "bias: F32");
        mamba__wt_vec(&t[n++], l, "ssm_conv1d.weight", L->conv_w, K, C, 1, want, "conv1d weight: F32");
        mamba__wt_vec(&t[n++], l, "ssm_dt.bias", L->dt_bias, m2 ? H : E, 0, 0, want, "bias: F32");
        if (!m2) mamba__wt_mat(&t[n++], l, "ssm_dt.weight", &L->dt_proj, L->dt_proj.rows, want, pure, 0);
        if (L->in_bias) mamba__wt_vec(&t[n++], l, "ssm_in.bias", L->in_bias, (uint64_t)c->d_in_proj, 0, 0, want, "bias: F32");
        mamba__wt_mat(&t[n++], l, "ssm_in.weight", &L->in_proj, L->in_proj.rows, want, pure, 0);
        if (m2 && L->gnorm) mamba__wt_vec(&t[n++], l, "ssm_norm.weight", L->gnorm, E / G, G, 0, want, "norm: F32");
        if (L->out_bias) mamba__wt_vec(&t[n++], l, "ssm_out.bias", L->out_bias, D, 0, 0, want, "bias: F32");
        mamba__wt_mat(&t[n++], l, "ssm_out.weight", &L->out_proj, L->out_proj.rows, want, pure, 0);
        if (!m2) mamba__wt_mat(&t[n++], l, "ssm_x.weight", &L->x_proj, L->x_proj.rows, want, pure, 0);
        mamba__wt_vec(&t[n++], l, "attn_norm.weight", L->norm, D, 0, 0, want, "norm: F32");
    }
    mamba__wt_vec(&t[n++], -1, "output_norm.weight", m->norm_f, D, 0, 0, want, "norm: F32");
    if (!tied) mamba__wt_mat(&t[n++], -1, "output.weight", &m->lm_head, m->lm_head_rows, want, pure, 1);
    return n;
}

/* general.size_label as gguf-py writes it: 2 significant digits at least
   (model_weight_count_rounded_notation). */
static void mamba__size_label(uint64_t count, char *out) {
    double x = (double)count, p10 = 1;
    char suffix = 'K', tmp[32];
    int fix, nd, o = 0, n, i;
    long long r;
    if (x > 1e12) { x *= 1e-12; suffix = 'T'; }
    else if (x > 1e9) { x *= 1e-9; suffix = 'B'; }
    else if (x > 1e6) { x *= 1e-6; suffix = 'M'; }
    else x *= 1e-3;
    r = (long long)(x + 0.5);
    nd = r > 0 ? mamba__utoa((unsigned long long)r, tmp) : 0;   /* digits of round(x), 0 for 0 */
    fix = nd >= 2 ? 0 : 2 - nd;
    for (i = 0; i < fix; i++) p10 *= 10;
    r = (long long)(x * p10 + 0.5);                          /* x with `fix` decimals */
    n = mamba__utoa((unsigned long long)r, tmp);            /* r >= 0 */
    if (n <= fix) {                                          /* a digit before the point: 5 -> "005" -> 0.05 */
        memmove(tmp + fix + 1 - n, tmp, (size_t)n);
        memset(tmp, '0', (size_t)(fix + 1 - n));
        n = fix + 1;
    }
    for (i = 0; i < n; i++) {
        out[o++] = tmp[i];
        if (n - 1 - i == fix && fix > 0) out[o++] = '.';
    }
    out[o++] = suffix;
    out[o] = 0;
}

/* A token as tokenizer.ggml.tokens holds it: byte-level characters for BPE
   tokens, the text itself for added tokens, [PADn] for ids without one.
   out needs 2 * (token bytes) + 24. */
static size_t mamba__tok_gguf_text(const mamba_tokenizer *t, int id, const int32_t *added_of, unsigned char *out) {
    size_t o = 0, i, n;
    const unsigned char *p;
    if (id >= t->n_vocab || !(t->tok_attr[id] & MAMBA__TA_EXISTS)) {
        memcpy(out, "[PAD", 4); o = 4;
        o += (size_t)mamba__utoa((unsigned long long)id, (char *)out + o);
        out[o++] = ']';
        return o;
    }
    if ((t->tok_attr[id] & MAMBA__TA_ADDED) && added_of[id] >= 0) {
        const mamba__str *s = &t->added[added_of[id]].content;
        memcpy(out, s->p, s->n);
        return s->n;
    }
    p = t->tok_bytes + t->tok_off[id];
    n = t->tok_off[id + 1] - t->tok_off[id];
    if (!(t->tok_attr[id] & MAMBA__TA_BPE)) { memcpy(out, p, n); return n; }
    for (i = 0; i < n; i++) o += (size_t)mamba__utf8_put(out + o, mamba__b2c(p[i]));
    return o;
}

static int mamba__merge_rank_cmp(const void *a, const void *b) {
    uint32_t x = ((const mamba__merge *)a)->rank, y = ((const mamba__merge *)b)->rank;
    return x < y ? -1 : x > y;
}

/* -- SentencePiece: GGUF tokenizer metadata -------------------------------
   What llama.cpp's converter writes for a SentencePiece vocabulary: model
   "llama", the raw pieces, their scores and types, no merges. */
static void mamba__spm_gw_meta(mamba__gw *w, const mamba_model *m, const mamba_tokenizer *tok, int n_ids) {
    const mamba__spm *sp = tok->spm;
    const mamba_config *c = &m->cfg;
    /* the config's ids where they name control pieces (a config copied from
       another model may say 0, sentencepiece's <unk>), else the tokenizer's */
    int bos = c->bos_token_id >= 0 && c->bos_token_id < sp->n && sp->type[c->bos_token_id] == MAMBA__SPT_CONTROL ? c->bos_token_id : tok->bos_id;
    int eos = c->eos_token_id >= 0 && c->eos_token_id < sp->n && sp->type[c->eos_token_id] == MAMBA__SPT_CONTROL ? c->eos_token_id : tok->eos_id;
    int pad = c->pad_token_id >= 0 && c->pad_token_id < sp->n && sp->type[c->pad_token_id] == MAMBA__SPT_CONTROL ? c->pad_token_id : tok->meta_pad;
    int i;
    mamba__gw_kv_str(w, "tokenizer.ggml.model", "llama");
    mamba__gw_kv_str(w, "tokenizer.ggml.pre", "default");
    mamba__gw_kv_arr(w, "tokenizer.ggml.tokens", MAMBA__GGUF_STRING, (uint64_t)n_ids);
    for (i = 0; i < n_ids; i++) {
        if (i < sp->n && sp->type[i]) mamba__gw_str(w, sp->text + sp->off[i], sp->off[i + 1] - sp->off[i]);
        else {
            char name[32];
            int o = 4;
            memcpy(name, "[PAD", 4);
            o += mamba__utoa((unsigned long long)i, name + o);
            name[o++] = ']';
            mamba__gw_str(w, name, (size_t)o);
        }
    }
    mamba__gw_kv_arr(w, "tokenizer.ggml.scores", MAMBA__GGUF_FLOAT32, (uint64_t)n_ids);
    for (i = 0; i < n_ids; i++) {
        float s = i < sp->n ? sp->score[i] : 0.0f;
        uint32_t u;
        memcpy(&u, &s, 4);
        mamba__gw_u32(w, u);
    }
    mamba__gw_kv_arr(w, "tokenizer.ggml.token_type", MAMBA__GGUF_INT32, (uint64_t)n_ids);
    for (i = 0; i < n_ids; i++) mamba__gw_u32(w, i < sp->n && sp->type[i] ? sp->type[i] : (uint32_t)MAMBA__SPT_UNUSED);
    if (bos >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)bos);
    if (eos >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos);
    if (sp->unk_id >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)sp->unk_id);
    if (pad >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)pad);
    mamba__gw_kv_bool(w, "tokenizer.ggml.add_bos_token", sp->add_bos);
    mamba__gw_kv_bool(w, "tokenizer.ggml.add_eos_token", sp->add_eos);
    if (!sp->add_dummy_prefix) mamba__gw_kv_bool(w, "tokenizer.ggml.add_space_prefix", 0);
    if (sp->remove_extra_ws) mamba__gw_kv_bool(w, "tokenizer.ggml.remove_extra_whitespaces", 1);
}

typedef struct mamba__wtok {     /* what the tokenizer keys need, prepared once */
    int n_ids;                    /* tokens written: max(vocabulary, embedding rows) */
    int32_t *added_of;            /* id -> index into tok->added, -1 */
    mamba__merge *merges;         /* sorted by rank */
    size_t n_merges;
    unsigned char *buf;           /* one token or merge as text */
} mamba__wtok;

static void mamba__gw_metadata(mamba__gw *w, const mamba_model *m, const mamba_tokenizer *tok, const mamba__wtok *wt,
                               const char *name, const char *size_label, int file_type) {
    const mamba_config *c = &m->cfg;
    int m2 = c->arch == MAMBA_ARCH_MAMBA2, i;
    const char *a = m2 ? "mamba2" : "mamba";
    char key[64];
#define MAMBA__K(suffix) (strcpy(key, a), strcat(key, suffix), key)
    mamba__gw_kv_str(w, "general.architecture", a);
    mamba__gw_kv_str(w, "general.type", "model");
    if (name && *name) mamba__gw_kv_str(w, "general.name", name);
    mamba__gw_kv_str(w, "general.size_label", size_label);
    mamba__gw_kv_u32(w, MAMBA__K(".context_length"), 1u << 20);   /* the converter's placeholder */
    mamba__gw_kv_u32(w, MAMBA__K(".embedding_length"), (uint32_t)c->d_model);
    mamba__gw_kv_u32(w, MAMBA__K(".feed_forward_length"), 0);
    mamba__gw_kv_u32(w, MAMBA__K(".attention.head_count"), 0);
    mamba__gw_kv_u32(w, MAMBA__K(".block_count"), (uint32_t)c->n_layer);
    mamba__gw_kv_u32(w, MAMBA__K(".ssm.conv_kernel"), (uint32_t)c->d_conv);
    mamba__gw_kv_u32(w, MAMBA__K(".ssm.inner_size"), (uint32_t)c->d_inner);
    mamba__gw_kv_u32(w, MAMBA__K(".ssm.state_size"), (uint32_t)c->d_state);
    mamba__gw_kv_u32(w, MAMBA__K(".ssm.time_step_rank"), (uint32_t)(m2 ? c->n_heads : c->dt_rank));
    if (m2) {
        mamba__gw_kv_u32(w, MAMBA__K(".ssm.group_count"), (uint32_t)c->n_groups);
        mamba__gw_kv_f32(w, MAMBA__K(".attention.layer_norm_rms_epsilon"), c->norm_eps);
    } else {
        mamba__gw_kv_f32(w, MAMBA__K(".attention.layer_norm_rms_epsilon"), c->norm_eps);
        mamba__gw_kv_bool(w, MAMBA__K(".ssm.dt_b_c_rms"), c->arch == MAMBA_ARCH_FALCON_MAMBA);
    }
#undef MAMBA__K
    mamba__gw_kv_u32(w, "general.file_type", (uint32_t)file_type);
    if (tok && tok->spm) mamba__spm_gw_meta(w, m, tok, wt->n_ids);   /* SentencePiece: model "llama" */
    else if (tok) {
        int bos = c->bos_token_id >= 0 ? c->bos_token_id : tok->bos_id;
        int eos = c->eos_token_id >= 0 ? c->eos_token_id : tok->eos_id;
        int pad = c->pad_token_id >= 0 ? c->pad_token_id : tok->meta_pad;
        size_t k;
        mamba__gw_kv_str(w, "tokenizer.ggml.model", "gpt2");
        mamba__gw_kv_str(w, "tokenizer.ggml.pre", tok->gguf_pre[0] ? tok->gguf_pre : "gpt-2");
        mamba__gw_kv_arr(w, "tokenizer.ggml.tokens", MAMBA__GGUF_STRING, (uint64_t)wt->n_ids);
        for (i = 0; i < wt->n_ids; i++) mamba__gw_str(w, wt->buf, mamba__tok_gguf_text(tok, i, wt->added_of, wt->buf));
        mamba__gw_kv_arr(w, "tokenizer.ggml.token_type", MAMBA__GGUF_INT32, (uint64_t)wt->n_ids);
        for (i = 0; i < wt->n_ids; i++) {
            uint8_t at = i < tok->n_vocab ? tok->tok_attr[i] : 0;
            mamba__gw_u32(w, !(at & MAMBA__TA_EXISTS) || (at & MAMBA__TA_UNUSED) ? MAMBA__SPT_UNUSED : (at & MAMBA__TA_SPECIAL) ? MAMBA__SPT_CONTROL
                             : (at & MAMBA__TA_ADDED) ? MAMBA__SPT_USER : MAMBA__SPT_NORMAL);
        }
        mamba__gw_kv_arr(w, "tokenizer.ggml.merges", MAMBA__GGUF_STRING, (uint64_t)wt->n_merges);
        for (k = 0; k < wt->n_merges; k++) {
            size_t n = mamba__tok_gguf_text(tok, wt->merges[k].a, wt->added_of, wt->buf);
            wt->buf[n++] = ' ';
            n += mamba__tok_gguf_text(tok, wt->merges[k].b, wt->added_of, wt->buf + n);
            mamba__gw_str(w, wt->buf, n);
        }
        if (bos >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)bos);
        if (eos >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos);
        if (tok->meta_unk >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)tok->meta_unk);
        if (pad >= 0) mamba__gw_kv_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)pad);
    }
    mamba__gw_kv_u32(w, "general.quantization_version", 2);
}

MAMBA_API mamba_status mamba_gguf_write(const mamba_model *m, const mamba_tokenizer *tok, const mamba_gguf_options *opt,
                                        int (*write)(void *user, const void *bytes, size_t n), void *user, mamba_error *e) {
    const mamba_config *c;
    mamba__wt *t = NULL;
    mamba__wtok wt;
    mamba__gw w;
    size_t nt, i, maxcols = 1, maxtok = 0;
    uint64_t off = 0, params = 0, r;
    float *row = NULL;
    unsigned char *orow = NULL;
    char label[32];
    const char *name;
    mamba_dtype want;
    int file_type;
    mamba_status st = MAMBA_OK;
    mamba__heap hp;   /* plain MAMBA_MALLOC (none under MAMBA_NO_MALLOC: out of memory) */
    mamba__heap_plain(&hp);
    mamba__err_clear(e);
    memset(&wt, 0, sizeof wt);
    if (!m || !write) return mamba__err(e, MAMBA_ERR_BADARG, "GGUF writer: model or write function is NULL", 0, 0, 0, 0);
    c = &m->cfg;
    if (tok && tok->spm && tok->spm->mode != MAMBA__SPM_MODEL)
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "GGUF writer: a SentencePiece tokenizer read from tokenizer.json has no piece scores; load its tokenizer.model instead", 0, 0, 0, 0);
    want = opt && opt->type ? opt->type : MAMBA_DTYPE_F32;
    file_type = -1;
    if (opt && opt->preset) {   /* a llama-quantize preset name sets the type and general.file_type */
        size_t k;
        for (k = 0; k < sizeof mamba__presets / sizeof mamba__presets[0]; k++)
            if (!strcmp(opt->preset, mamba__presets[k].name)) { want = mamba__presets[k].type; file_type = mamba__presets[k].ftype; break; }
        if (file_type < 0) return mamba__err(e, MAMBA_ERR_BADARG, "GGUF writer: unknown preset '%s'", opt->preset, 0, 0, 0);
    }
    if (want != MAMBA_DTYPE_F32 && want != MAMBA_DTYPE_F16 && want != MAMBA_DTYPE_BF16 && !(mamba__is_quant(want) && mamba__has_quantizer(want)))
        return mamba__err(e, MAMBA_ERR_BADARG, "GGUF writer: type must be F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K or Q6_K", 0, 0, 0, 0);
    if (file_type < 0) {   /* a type alone: its preset (the K types: the _M mix, the same file for Mamba) */
        size_t k;
        for (k = 0; k < sizeof mamba__presets / sizeof mamba__presets[0]; k++)
            if (mamba__presets[k].type == want) file_type = mamba__presets[k].ftype;
    }
    /* what GGUF's mamba metadata cannot say (llama.cpp would compute another model) */
    if (c->arch == MAMBA_ARCH_MAMBA2 && (!c->gated_norm || c->norm_before_gate || c->d_per_channel || c->dt_min != 0 || c->dt_max < HUGE_VALF))
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "GGUF writer: this Mamba-2 variant (no gated norm, norm_before_gate, per-channel D or a dt limit) has no GGUF metadata", 0, 0, 0, 0);
    if (c->arch == MAMBA_ARCH_FALCON_MAMBA && c->mixer_rms_eps != 1e-6f)
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "GGUF writer: GGUF has no key for Falcon Mamba's mixer_rms_eps (only 1e-6 round-trips)", 0, 0, 0, 0);
    t = MAMBA__CAST(mamba__wt *, mamba__halloc(&hp, sizeof(mamba__wt) * (3 + 12 * (size_t)c->n_layer)));
    if (!t) return mamba__err(e, MAMBA_ERR_NOMEM, "GGUF writer: out of memory", 0, 0, 0, 0);
    {   /* the plan reads the type from the options: hand it the preset's */
        mamba_gguf_options po;
        if (opt) po = *opt; else memset(&po, 0, sizeof po);
        po.type = (mamba_dtype)want;
        nt = mamba__wt_plan(m, &po, t);
    }
    for (i = 0; i < nt; i++) {   /* sources this writer can read a row of */
        mamba_dtype d = t[i].mat.dtype;
        if (t[i].mat.data && d != MAMBA_DTYPE_F32 && d != MAMBA_DTYPE_F16 && d != MAMBA_DTYPE_BF16 && !mamba__is_quant(d)) {
            st = mamba__err(e, MAMBA_ERR_UNSUPPORTED, "GGUF writer: %s is stored in a type the writer cannot read", t[i].name, 0, 0, 0);
            goto done;
        }
    }
    for (i = 0; i < nt; i++) {   /* sizes and offsets, 32-byte aligned */
        uint64_t numel = t[i].ne[0] * t[i].ne[1];
        t[i].bytes = (size_t)t[i].ne[1] * mamba__row_bytes(t[i].type, (size_t)t[i].ne[0]);
        t[i].off = off;
        off += (t[i].bytes + 31) / 32 * 32;
        params += numel;
        if (t[i].ne[0] > maxcols) maxcols = (size_t)t[i].ne[0];
    }
    mamba__size_label(params, label);
    name = opt && opt->name ? opt->name : m->name;
    if (tok) {   /* tokens, their added-token entries, merges by rank */
        size_t cap = (size_t)tok->merge_mask + 1, k;
        wt.n_ids = tok->n_vocab > c->n_embd_rows ? tok->n_vocab : c->n_embd_rows;
        wt.added_of = MAMBA__CAST(int32_t *, mamba__halloc(&hp, sizeof(int32_t) * (size_t)tok->n_vocab));
        wt.merges = MAMBA__CAST(mamba__merge *, mamba__halloc(&hp, sizeof(mamba__merge) * cap));
        if (!wt.added_of || !wt.merges) { st = mamba__err(e, MAMBA_ERR_NOMEM, "GGUF writer: out of memory", 0, 0, 0, 0); goto done; }
        memset(wt.added_of, 0xFF, sizeof(int32_t) * (size_t)tok->n_vocab);
        for (k = 0; k < tok->n_added; k++) {
            int id = tok->added[k].id;
            if (id >= 0 && id < tok->n_vocab) wt.added_of[id] = (int32_t)k;
            if (tok->added[k].content.n > maxtok) maxtok = tok->added[k].content.n;
        }
        for (k = 0; k < (size_t)tok->n_vocab; k++)
            if (tok->tok_off[k + 1] - tok->tok_off[k] > maxtok) maxtok = tok->tok_off[k + 1] - tok->tok_off[k];
        for (k = 0; k < cap; k++) if (tok->merge[k].a >= 0) wt.merges[wt.n_merges++] = tok->merge[k];
        qsort(wt.merges, wt.n_merges, sizeof(mamba__merge), mamba__merge_rank_cmp);
        wt.buf = MAMBA__CAST(unsigned char *, mamba__halloc(&hp, 4 * maxtok + 64));
        if (!wt.buf) { st = mamba__err(e, MAMBA_ERR_NOMEM, "GGUF writer: out of memory", 0, 0, 0, 0); goto done; }
    }
    row = MAMBA__CAST(float *, mamba__halloc(&hp, maxcols * sizeof(float)));
    orow = MAMBA__CAST(unsigned char *, mamba__halloc(&hp, maxcols * 4));
    if (!row || !orow) { st = mamba__err(e, MAMBA_ERR_NOMEM, "GGUF writer: out of memory", 0, 0, 0, 0); goto done; }

    memset(&w, 0, sizeof w);   /* counting pass: the number of keys */
    mamba__gw_metadata(&w, m, tok, &wt, name, label, file_type);
    {
        size_t n_kv = w.n_kv;
        memset(&w, 0, sizeof w);
        w.fn = write; w.user = user;
        mamba__gw_put(&w, "GGUF", 4);
        mamba__gw_u32(&w, 3);
        mamba__gw_u64(&w, nt);
        mamba__gw_u64(&w, n_kv);
    }
    mamba__gw_metadata(&w, m, tok, &wt, name, label, file_type);
    for (i = 0; i < nt; i++) {
        int q;
        mamba__gw_str(&w, t[i].name, strlen(t[i].name));
        mamba__gw_u32(&w, (uint32_t)t[i].nd);
        for (q = 0; q < t[i].nd; q++) mamba__gw_u64(&w, t[i].ne[q]);
        mamba__gw_u32(&w, (uint32_t)mamba__ggml_type(t[i].type));
        mamba__gw_u64(&w, t[i].off);
    }
    mamba__gw_pad(&w, 32);
    for (i = 0; i < nt && !w.fail; i++) {
        size_t n0 = (size_t)t[i].ne[0], rb = mamba__row_bytes(t[i].type, n0), cidx;
        int same = t[i].mat.data && t[i].mat.dtype == t[i].type;   /* stored as written: copy the bytes */
        if (opt && opt->on_tensor) opt->on_tensor(opt->user, t[i].name, (mamba_dtype)t[i].type, t[i].bytes, t[i].why);
        for (r = 0; r < t[i].ne[1] && !w.fail; r++) {
            if (same) { mamba__gw_put(&w, (const unsigned char *)t[i].mat.data + (size_t)r * rb, rb); continue; }
            mamba__wt_row(&t[i], r, row);
            switch (t[i].type) {
            case MAMBA_DTYPE_F32: memcpy(orow, row, n0 * 4); break;
            case MAMBA_DTYPE_F16: for (cidx = 0; cidx < n0; cidx++) { uint16_t h = mamba__f32_f16(row[cidx]); memcpy(orow + 2 * cidx, &h, 2); } break;
            case MAMBA_DTYPE_BF16: for (cidx = 0; cidx < n0; cidx++) { uint16_t h = mamba__f32_bf16(row[cidx]); memcpy(orow + 2 * cidx, &h, 2); } break;
            default: {   /* the block types */
                size_t be = (size_t)mamba__block_elems(t[i].type), bb = mamba__block_bytes(t[i].type);
                for (cidx = 0; cidx < n0; cidx += be) mamba__quant_block(row + cidx, t[i].type, orow + cidx / be * bb);
            } break;
            }
            mamba__gw_put(&w, orow, rb);
        }
        mamba__gw_pad(&w, 32);
    }
    if (w.fail) st = mamba__err(e, MAMBA_ERR_IO, "GGUF writer: the write function failed", 0, 0, 0, 0);
done:
    if (t) mamba__hfree(&hp, t);
    if (row) mamba__hfree(&hp, row);
    if (orow) mamba__hfree(&hp, orow);
    if (wt.added_of) mamba__hfree(&hp, wt.added_of);
    if (wt.merges) mamba__hfree(&hp, wt.merges);
    if (wt.buf) mamba__hfree(&hp, wt.buf);
    return st;
}

#ifndef MAMBA_NO_STDIO
static int mamba__gw_fwrite(void *user, const void *bytes, size_t n) {
    return fwrite(bytes, 1, n, (FILE *)user) == n ? 0 : -1;
}

MAMBA_API mamba_status mamba_gguf_write_file(const mamba_model *m, const mamba_tokenizer *tok,
                                             const mamba_gguf_options *opt, const char *path, mamba_error *e) {
    FILE *f;
    mamba_status st;
    mamba__err_clear(e);
    if (!path || !*path) return mamba__err(e, MAMBA_ERR_BADARG, "GGUF writer: empty path", 0, 0, 0, 0);
    if (!m) return mamba__err(e, MAMBA_ERR_BADARG, "GGUF writer: model is NULL", 0, 0, 0, 0);
    f = fopen(path, "wb");
    if (!f) return mamba__err(e, MAMBA_ERR_IO, "cannot create %s", path, 0, 0, 0);
    st = mamba_gguf_write(m, tok, opt, mamba__gw_fwrite, f, e);
    if (fclose(f) != 0 && st == MAMBA_OK) st = mamba__err(e, MAMBA_ERR_IO, "error writing %s", path, 0, 0, 0);
    else if (st == MAMBA_ERR_IO) mamba__err(e, st, "error writing %s (disk full?)", path, 0, 0, 0);
    if (st != MAMBA_OK) remove(path);
    return st;
}
#endif

#endif /* MAMBA_NO_WRITER */

#ifndef MAMBA_NO_TOKENIZER   /* F.5 */
/* ---- F.5 SentencePiece tokenizer.model (protobuf) ----------------------------------
   (issue 18)
   A bounded protobuf reader for exactly what sentencepiece_model.proto's
   ModelProto needs: every length is checked against the bytes left, varints
   are at most 10 bytes, a known field with the wrong wire type is an error,
   unknown fields are skipped, groups (wire types 3, 4) are refused. */

typedef struct mamba__pb { const unsigned char *p, *end; } mamba__pb;
typedef struct mamba__pb_field { uint32_t num; int wire; uint64_t v; const unsigned char *p; size_t n; } mamba__pb_field;

static int mamba__pb_varint(mamba__pb *r, uint64_t *v) {
    uint64_t x = 0;
    int s;
    for (s = 0; s < 70; s += 7) {
        unsigned b;
        if (r->p >= r->end) return 0;
        b = *r->p++;
        if (s == 63 && b > 1) return 0;
        x |= (uint64_t)(b & 0x7F) << s;
        if (b < 0x80) { *v = x; return 1; }
    }
    return 0;
}

/* The next field of r into f. 0 and *why on malformed input. */
static int mamba__pb_next(mamba__pb *r, mamba__pb_field *f, const char **why) {
    uint64_t key, len;
    if (!mamba__pb_varint(r, &key)) { *why = "a field key is truncated or longer than 10 bytes"; return 0; }
    if ((key >> 3) == 0 || (key >> 3) > 0x1FFFFFFFu) { *why = "a field number is 0 or out of range"; return 0; }
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    f->p = NULL; f->n = 0; f->v = 0;
    switch (f->wire) {
    case 0:
        if (!mamba__pb_varint(r, &f->v)) { *why = "a varint is truncated or longer than 10 bytes"; return 0; }
        return 1;
    case 1:
        if (r->end - r->p < 8) { *why = "a 64-bit field is truncated"; return 0; }
        { int k; for (k = 7; k >= 0; k--) f->v = f->v << 8 | r->p[k]; }
        r->p += 8;
        return 1;
    case 2:
        if (!mamba__pb_varint(r, &len)) { *why = "a length is truncated or longer than 10 bytes"; return 0; }
        if (len > (uint64_t)(r->end - r->p)) { *why = "a length runs past the end of its message"; return 0; }
        f->p = r->p; f->n = (size_t)len;
        r->p += len;
        return 1;
    case 5:
        if (r->end - r->p < 4) { *why = "a 32-bit field is truncated"; return 0; }
        f->v = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 | (uint64_t)r->p[2] << 16 | (uint64_t)r->p[3] << 24;
        r->p += 4;
        return 1;
    default:
        *why = "a field has wire type 3, 4, 6 or 7 (groups or invalid)";
        return 0;
    }
}

static mamba_status mamba__pb_bad(mamba_error *e, const char *where, const char *why) {
    return mamba__err(e, MAMBA_ERR_FORMAT, "tokenizer.model: %s: %s", where, why, 0, 0);
}
static mamba_status mamba__pb_wire(mamba_error *e, const char *where, const mamba__pb_field *f, int want) {
    return mamba__err(e, MAMBA_ERR_FORMAT, want == 0 ? "tokenizer.model: %s field %d has wire type %d, not 0 (varint)" :
                      want == 2 ? "tokenizer.model: %s field %d has wire type %d, not 2 (length-delimited)" :
                      "tokenizer.model: %s field %d has wire type %d, not 5 (32-bit)", where, 0, f->num, f->wire);
}

MAMBA_API mamba_status mamba_tokenizer_load_spm(mamba_tokenizer **out, const void *model, size_t len,
                                                const mamba_options *opt, mamba_error *err) {
    static const char dflt_unk[] = " \xE2\x81\x87 ";
    mamba__heap h, *hp = &h;
    size_t used0, n = 0, k, max_vocab = MAMBA__OPT(opt, max_vocab, MAMBA__DEF_VOCAB);
    mamba__pb r, q;
    mamba__pb_field f, g;
    const char *why = NULL;
    mamba__str *pieces = NULL, unk_surface;
    float *score = NULL;
    uint8_t *type = NULL;
    mamba__spm cfg;
    mamba__tok_desc d;
    mamba_status st = MAMBA_OK;
    long long model_type = 1, unk_id = 0, bos_id = 1, eos_id = 2;
    int byte_fallback = 0, suffix = 0, has_norm = 0;
    mamba__err_clear(err);
    if (out) *out = NULL;
    if (!out || (!model && len)) return mamba__err(err, MAMBA_ERR_BADARG, "tokenizer: bad argument", 0, 0, 0, 0);
    if (len > MAMBA__OPT(opt, max_tokenizer_bytes, MAMBA__DEF_TOK_BYTES))
        return mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.model: %d bytes exceed the limit (max_tokenizer_bytes)", 0, 0, (long long)len, 0);
    memset(&cfg, 0, sizeof cfg);
    memset(&d, 0, sizeof d);
    cfg.mode = MAMBA__SPM_MODEL;
    cfg.add_dummy_prefix = cfg.remove_extra_ws = cfg.escape_ws = 1;   /* NormalizerSpec defaults */
    cfg.add_bos = 1;   /* Llama and Mistral prepend <s>: what their configs and mistral-common say */
    unk_surface.p = dflt_unk; unk_surface.n = sizeof dflt_unk - 1;
    mamba__heap_init(hp, opt);
    hp->input = len;
    used0 = hp->a ? hp->a->used : 0;
    /* pass 1: the top level; count the pieces */
    r.p = (const unsigned char *)model; r.end = r.p + len;
    if (!len) MAMBA__TRY(mamba__pb_bad(err, "ModelProto", "the file is empty"));
    while (r.p < r.end) {
        if (!mamba__pb_next(&r, &f, &why)) MAMBA__TRY(mamba__pb_bad(err, "ModelProto", why));
        if (f.num >= 1 && f.num <= 5 && f.wire != 2) MAMBA__TRY(mamba__pb_wire(err, "ModelProto", &f, 2));
        if (f.num == 1 && ++n > max_vocab)
            MAMBA__TRY(mamba__err(err, MAMBA_ERR_LIMIT, "tokenizer.model: more than %d pieces (max_vocab)", 0, 0, (long long)max_vocab, 0));
        if (f.num == 2) {   /* TrainerSpec */
            q.p = f.p; q.end = f.p + f.n;
            while (q.p < q.end) {
                if (!mamba__pb_next(&q, &g, &why)) MAMBA__TRY(mamba__pb_bad(err, "TrainerSpec", why));
                if ((g.num == 3 || g.num == 24 || g.num == 35 || (g.num >= 40 && g.num <= 43)) && g.wire != 0) MAMBA__TRY(mamba__pb_wire(err, "TrainerSpec", &g, 0));
                if (g.num == 44 && g.wire != 2) MAMBA__TRY(mamba__pb_wire(err, "TrainerSpec", &g, 2));
                if (g.num == 3) model_type = (long long)g.v;
                else if (g.num == 24) suffix = g.v != 0;
                else if (g.num == 35) byte_fallback = g.v != 0;
                else if (g.num == 40) unk_id = (int32_t)(uint32_t)g.v;
                else if (g.num == 41) bos_id = (int32_t)(uint32_t)g.v;
                else if (g.num == 42) eos_id = (int32_t)(uint32_t)g.v;
                else if (g.num == 44) { unk_surface.p = (const char *)g.p; unk_surface.n = g.n; }
            }
        } else if (f.num == 3 || f.num == 5) {   /* NormalizerSpec, denormalizer */
            q.p = f.p; q.end = f.p + f.n;
            if (f.num == 3) has_norm = 1;
            while (q.p < q.end) {
                if (!mamba__pb_next(&q, &g, &why)) MAMBA__TRY(mamba__pb_bad(err, "NormalizerSpec", why));
                if ((g.num == 1 || g.num == 2) && g.wire != 2) MAMBA__TRY(mamba__pb_wire(err, "NormalizerSpec", &g, 2));
                if (g.num >= 3 && g.num <= 5 && g.wire != 0) MAMBA__TRY(mamba__pb_wire(err, "NormalizerSpec", &g, 0));
                if (g.num == 2 && g.n)
                    MAMBA__TRY(mamba__err(err, MAMBA_ERR_UNSUPPORTED, "tokenizer.model: a %s with a precompiled charsmap (NFKC-style normalization) is not supported",
                                         f.num == 3 ? "normalizer" : "denormalizer", 0, 0, 0));
                if (f.num == 5) continue;
                if (g.num == 3) cfg.add_dummy_prefix = g.v != 0;
                else if (g.num == 4) cfg.remove_extra_ws = g.v != 0;
                else if (g.num == 5) cfg.escape_ws = g.v != 0;
            }
        }
    }
    (void)has_norm;
    if (model_type != 2)
        MAMBA__TRY(mamba__err(err, MAMBA_ERR_UNSUPPORTED, "tokenizer.model: model_type %d is not BPE (2); unigram, word and char models are not supported", 0, 0, model_type, 0));
    if (suffix) MAMBA__TRY(mamba__err(err, MAMBA_ERR_UNSUPPORTED, "tokenizer.model: treat_whitespace_as_suffix is not supported%s", "", 0, 0, 0));
    if (!n) MAMBA__TRY(mamba__pb_bad(err, "ModelProto", "no pieces"));
    pieces = MAMBA__CAST(mamba__str *, mamba__halloc(hp, sizeof(mamba__str) * n));
    score = MAMBA__CAST(float *, mamba__halloc(hp, sizeof(float) * n));
    type = MAMBA__CAST(uint8_t *, mamba__halloc(hp, n));
    if (!pieces || !score || !type) MAMBA__TRY(mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0));
    /* pass 2: the pieces */
    cfg.unk_id = -1;
    r.p = (const unsigned char *)model;
    for (k = 0; r.p < r.end;) {
        mamba__pb_next(&r, &f, &why);   /* (checked in pass 1) */
        if (f.num != 1) continue;
        pieces[k].p = NULL; pieces[k].n = 0; score[k] = 0.0f; type[k] = MAMBA__SPT_NORMAL;
        q.p = f.p; q.end = f.p + f.n;
        while (q.p < q.end) {
            if (!mamba__pb_next(&q, &g, &why)) MAMBA__TRY(mamba__pb_bad(err, "SentencePiece", why));
            if (g.num == 1) {
                if (g.wire != 2) MAMBA__TRY(mamba__pb_wire(err, "SentencePiece", &g, 2));
                pieces[k].p = (const char *)g.p; pieces[k].n = g.n;
            } else if (g.num == 2) {
                uint32_t u = (uint32_t)g.v;
                if (g.wire != 5) MAMBA__TRY(mamba__pb_wire(err, "SentencePiece", &g, 5));
                memcpy(&score[k], &u, 4);
            } else if (g.num == 3) {
                if (g.wire != 0) MAMBA__TRY(mamba__pb_wire(err, "SentencePiece", &g, 0));
                if (g.v < 1 || g.v > 6) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "tokenizer.model: piece %d has type %d (1-6 expected)", 0, 0, (long long)k, (long long)(g.v > 99 ? 99 : g.v)));
                type[k] = (uint8_t)g.v;
            }
        }
        if (!pieces[k].p || !pieces[k].n) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "tokenizer.model: piece %d is empty", 0, 0, (long long)k, 0));
        if (type[k] == MAMBA__SPT_UNKNOWN) {
            if (cfg.unk_id >= 0) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "tokenizer.model: pieces %d and %d are both UNKNOWN", 0, 0, cfg.unk_id, (long long)k));
            cfg.unk_id = (int)k;
        }
        if (type[k] == MAMBA__SPT_BYTE) {
            if (!byte_fallback) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "tokenizer.model: byte piece %d without byte_fallback", 0, 0, (long long)k, 0));
            if (mamba__spm_byte_name((const unsigned char *)pieces[k].p, pieces[k].n, 0) < 0)
                MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "tokenizer.model: byte piece %d is not named <0xNN>", 0, 0, (long long)k, 0));
        }
        k++;
    }
    if (cfg.unk_id < 0) MAMBA__TRY(mamba__err(err, MAMBA_ERR_FORMAT, "tokenizer.model: no UNKNOWN piece (unk_id %d)", 0, 0, unk_id, 0));
    cfg.byte_fallback = byte_fallback;
    cfg.bos_id = (int)(bos_id >= 0 && bos_id < (long long)n ? bos_id : -1);
    cfg.eos_id = (int)(eos_id >= 0 && eos_id < (long long)n ? eos_id : -1);
    d.n_vocab = n;
    d.vocab = pieces;
    d.unk_id = -1;
    d.bos_id = d.eos_id = -1;
    st = mamba__spm_build(hp, out, &d, score, type, &cfg, &unk_surface, err);
done:
    if (pieces) mamba__hfree(hp, pieces);
    if (score) mamba__hfree(hp, score);
    if (type) mamba__hfree(hp, type);
    return mamba__tok_finish(out, hp, used0, st, err);
}

#endif /* MAMBA_NO_TOKENIZER */

#ifndef MAMBA_NO_SAFETENSORS   /* F.6: params.json and config.json are JSON */
/* ---- F.6 PyTorch checkpoints (zip + pickle), Mistral's params.json ------
   torch.save has written a zip archive since torch 1.6: <stem>/data.pkl (a
   pickle of the state dict), <stem>/data/<key> (one stored entry per storage,
   aligned to 64 bytes by torch), <stem>/version and, since 2.1,
   <stem>/byteorder. The zip reader takes stored entries only (torch never
   compresses), reads zip64 as torch writes it for large files, checks the
   central directory against the local headers and every offset and size
   against the file. The pickle reader is not a Python: it knows exactly the
   objects a state dict pickles to (dict / collections.OrderedDict, tuples,
   lists, ints, strings, torch._utils._rebuild_tensor_v2 and
   _rebuild_parameter, persistent-id storages torch.FloatStorage, HalfStorage,
   BFloat16Storage and the other typed storages) and refuses every other
   global by name. Nothing is called: REDUCE of an allowed global builds a
   plain record. Tensors point into the mapped file when contiguous; a strided
   tensor is gathered into one copy the model keeps. Tensors may share a
   storage (a tied lm_head.weight). */

/* Where a strided tensor's gathered copy goes: the caller keeps it alive (a
   load's keeper, mamba__keep_copy below, hands it to the model being built). */
typedef mamba_status (*mamba__keep_fn)(void *user, const mamba__blob *b, mamba_error *e);

static uint32_t mamba__le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t mamba__le32(const unsigned char *p) { return mamba__le16(p) | mamba__le16(p + 2) << 16; }
static uint64_t mamba__le64(const unsigned char *p) { return (uint64_t)mamba__le32(p) | (uint64_t)mamba__le32(p + 4) << 32; }

typedef struct mamba__zent {
    const char *name;            /* not NUL-terminated */
    size_t name_len;
    const unsigned char *data;
    uint64_t size;
} mamba__zent;

static int mamba__zent_cmp(const void *a, const void *b) {
    const mamba__zent *x = (const mamba__zent *)a, *y = (const mamba__zent *)b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->name_len < y->name_len ? -1 : x->name_len > y->name_len);
}

/* The entry named prefix+name, or NULL (entries sorted by name). */
static const mamba__zent *mamba__zip_find(const mamba__zent *ent, size_t n, const char *prefix, size_t plen,
                                          const char *name, size_t nlen) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, ml = ent[mid].name_len, k;
        int c = 0;
        for (k = 0; k < ml && k < plen + nlen && !c; k++) {
            unsigned char want = (unsigned char)(k < plen ? prefix[k] : name[k - plen]);
            c = (int)(unsigned char)ent[mid].name[k] - (int)want;
        }
        if (!c) c = ml < plen + nlen ? -1 : ml > plen + nlen;
        if (!c) return &ent[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

/* Reads the central directory of the zip archive d[0..n) into *out (sorted by name). */
static mamba_status mamba__zip_read(mamba__heap *hp, const unsigned char *d, size_t n, const char *fname, size_t max_entries,
                                    mamba__zent **out, size_t *n_out, mamba_error *e) {
    size_t eocd = 0, i, p, cd_end, stop;
    uint64_t entries, cd_size, cd_off;
    int found = 0;
    mamba__zent *ent;
    *out = NULL; *n_out = 0;
    if (n < 22) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: too short for a zip archive (%d bytes; truncated?)", fname, 0, (long long)n, 0);
    /* the end record: 22 bytes + a comment of up to 65535 that must end the file */
    for (i = n - 22 + 1; i-- > 0 && n - i <= 22 + 65535;)
        if (mamba__le32(d + i) == 0x06054b50 && i + 22 + mamba__le16(d + i + 20) == n) { eocd = i; found = 1; break; }
    if (!found) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: no zip end-of-central-directory record (truncated?)", fname, 0, 0, 0);
    if (mamba__le16(d + eocd + 4) || mamba__le16(d + eocd + 6))
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported", fname, 0, 0, 0);
    entries = mamba__le16(d + eocd + 10);
    cd_size = mamba__le32(d + eocd + 12);
    cd_off = mamba__le32(d + eocd + 16);
    stop = eocd;
    if (eocd >= 20 && mamba__le32(d + eocd - 20) == 0x07064b50) {   /* zip64 locator, then its end record */
        uint64_t z = mamba__le64(d + eocd - 20 + 8);
        if (z > eocd - 20 || eocd - 20 - z < 56 || mamba__le32(d + z) != 0x06064b50)
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip64 end record offset %d is invalid", fname, 0, (long long)(z > (uint64_t)LLONG_MAX ? -1 : (long long)z), 0);
        if (mamba__le32(d + z + 16) || mamba__le32(d + z + 20))
            return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported", fname, 0, 0, 0);
        entries = mamba__le64(d + z + 32);
        cd_size = mamba__le64(d + z + 40);
        cd_off = mamba__le64(d + z + 48);
        stop = (size_t)z;
    } else if (entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip end record asks for zip64 but there is no zip64 locator", fname, 0, 0, 0);
    }
    if (cd_off > stop || cd_size > stop - cd_off)
        return mamba__err(e, MAMBA_ERR_FORMAT, "%s: central directory (offset %d) lies outside the file (truncated?)", fname, 0, (long long)(cd_off > (uint64_t)LLONG_MAX ? -1 : (long long)cd_off), 0);
    if (entries > max_entries)
        return mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d zip entries exceed the limit (max_tensors)", fname, 0, (long long)(entries > (uint64_t)LLONG_MAX ? -1 : (long long)entries), 0);
    if (entries > cd_size / 46)
        return mamba__err(e, MAMBA_ERR_FORMAT, "%s: central directory too small for %d entries", fname, 0, (long long)entries, 0);
    if (!entries) return mamba__err(e, MAMBA_ERR_FORMAT, "%s: empty zip archive", fname, 0, 0, 0);
    ent = MAMBA__CAST(mamba__zent *, mamba__halloc(hp, sizeof(mamba__zent) * (size_t)entries));
    if (!ent) return mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory for the zip directory", fname, 0, 0, 0);
    p = (size_t)cd_off;
    cd_end = (size_t)(cd_off + cd_size);
    for (i = 0; i < (size_t)entries; i++) {
        const unsigned char *c = d + p;
        uint32_t flags, method, nlen, xlen, clen;
        uint64_t csize, usize, loff, dstart;
        size_t q, xend;
        if (cd_end - p < 46 || mamba__le32(c) != 0x02014b50) {
            mamba__hfree(hp, ent);
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip central directory entry %d is damaged", fname, 0, (long long)i, 0);
        }
        flags = mamba__le16(c + 8); method = mamba__le16(c + 10);
        csize = mamba__le32(c + 20); usize = mamba__le32(c + 24);
        nlen = mamba__le16(c + 28); xlen = mamba__le16(c + 30); clen = mamba__le16(c + 32);
        loff = mamba__le32(c + 42);
        if ((size_t)46 + nlen + xlen + clen > cd_end - p) {
            mamba__hfree(hp, ent);
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip central directory entry %d runs past the directory", fname, 0, (long long)i, 0);
        }
        ent[i].name = (const char *)c + 46;
        ent[i].name_len = nlen;
        /* zip64 extended information: the saturated fields, in this order */
        for (q = 46 + nlen, xend = 46 + nlen + xlen; q + 4 <= xend;) {
            uint32_t id = mamba__le16(c + q), sz = mamba__le16(c + q + 2);
            size_t f = q + 4;
            if (sz > xend - q - 4) break;
            if (id == 1) {
                if (usize == 0xFFFFFFFFu) { if (f + 8 > q + 4 + sz) break; usize = mamba__le64(c + f); f += 8; }
                if (csize == 0xFFFFFFFFu) { if (f + 8 > q + 4 + sz) break; csize = mamba__le64(c + f); f += 8; }
                if (loff == 0xFFFFFFFFu) { if (f + 8 > q + 4 + sz) break; loff = mamba__le64(c + f); }
            }
            q += 4 + sz;
        }
        if (usize == 0xFFFFFFFFu || csize == 0xFFFFFFFFu || loff == 0xFFFFFFFFu) {
            mamba__hfree(hp, ent);
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip entry %d lacks its zip64 sizes", fname, 0, (long long)i, 0);
        }
        {
            char nm[96];
            size_t k = nlen < sizeof nm - 1 ? nlen : sizeof nm - 1;
            memcpy(nm, c + 46, k); nm[k] = 0;
            if (flags & 1) { mamba__hfree(hp, ent); return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: zip entry %s is encrypted", fname, nm, 0, 0); }
            if (method != 0) {
                mamba__hfree(hp, ent);
                return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: zip entry %s is compressed (method %d); torch.save stores entries uncompressed: re-save the checkpoint with torch.save", fname, nm, method, 0);
            }
            if (csize != usize) { mamba__hfree(hp, ent); return mamba__err(e, MAMBA_ERR_FORMAT, "%s: stored zip entry %s has different packed and unpacked sizes", fname, nm, 0, 0); }
            /* the local header must match and the data must end before the directory */
            if (loff > cd_off || cd_off - loff < 30 || mamba__le32(d + loff) != 0x04034b50 ||
                mamba__le16(d + loff + 26) != nlen ||
                (uint64_t)30 + nlen + mamba__le16(d + loff + 28) > cd_off - loff || memcmp(d + loff + 30, c + 46, nlen) != 0) {
                mamba__hfree(hp, ent);
                return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip entry %s: local header missing or different from the central directory", fname, nm, 0, 0);
            }
            dstart = loff + 30 + nlen + mamba__le16(d + loff + 28);
            if (usize > cd_off - dstart) {
                mamba__hfree(hp, ent);
                return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip entry %s: its %d bytes run past the archive's data (truncated?)", fname, nm, (long long)(usize > (uint64_t)LLONG_MAX ? -1 : (long long)usize), 0);
            }
        }
        ent[i].data = d + dstart;
        ent[i].size = usize;
        p += 46 + nlen + xlen + clen;
    }
    qsort(ent, (size_t)entries, sizeof *ent, mamba__zent_cmp);
    for (i = 1; i < (size_t)entries; i++)
        if (!mamba__zent_cmp(&ent[i - 1], &ent[i])) {
            char nm[96];
            size_t k = ent[i].name_len < sizeof nm - 1 ? ent[i].name_len : sizeof nm - 1;
            memcpy(nm, ent[i].name, k); nm[k] = 0;
            mamba__hfree(hp, ent);
            return mamba__err(e, MAMBA_ERR_FORMAT, "%s: zip entry %s appears twice", fname, nm, 0, 0);
        }
    *out = ent;
    *n_out = (size_t)entries;
    return MAMBA_OK;
}

/* -- the pickle subset ---------------------------------------------------- */

enum { MAMBA__PV_MARK, MAMBA__PV_NONE, MAMBA__PV_BOOL, MAMBA__PV_INT, MAMBA__PV_FLOAT, MAMBA__PV_STR, MAMBA__PV_TUPLE,
       MAMBA__PV_LIST, MAMBA__PV_DICT, MAMBA__PV_GLOBAL, MAMBA__PV_STORAGE, MAMBA__PV_TENSOR };
/* the globals a state dict may name */
enum { MAMBA__PG_ODICT = 100, MAMBA__PG_REBUILD, MAMBA__PG_PARAM, MAMBA__PG_STORAGE };

typedef struct mamba__pval {
    int type;
    int g;                       /* GLOBAL: MAMBA__PG_*; STORAGE / storage GLOBAL: index in mamba__pt_stypes */
    int64_t i;                   /* INT, BOOL; STORAGE: numel; TENSOR: its argument tuple */
    const char *s;               /* STR (not NUL-terminated); STORAGE: key */
    size_t len;
    uint32_t head, tail, count;  /* containers: a chain of items */
    const mamba__zent *ent;      /* STORAGE: its data/<key> entry */
} mamba__pval;

typedef struct mamba__pitem { uint32_t v, next; } mamba__pitem;

#define MAMBA__PT_NONE MAMBA_DTYPE_UNKNOWN   /* a storage we do not compute with */
static const struct { const char *name; mamba_dtype dtype; const char *dtype_name; unsigned esize; } mamba__pt_stypes[] = {
    {"FloatStorage", MAMBA_DTYPE_F32, "F32", 4}, {"HalfStorage", MAMBA_DTYPE_F16, "F16", 2},
    {"BFloat16Storage", MAMBA_DTYPE_BF16, "BF16", 2}, {"DoubleStorage", MAMBA__PT_NONE, "F64", 8},
    {"LongStorage", MAMBA__PT_NONE, "I64", 8}, {"IntStorage", MAMBA__PT_NONE, "I32", 4}, {"ShortStorage", MAMBA__PT_NONE, "I16", 2},
    {"CharStorage", MAMBA__PT_NONE, "I8", 1}, {"ByteStorage", MAMBA__PT_NONE, "U8", 1}, {"BoolStorage", MAMBA__PT_NONE, "BOOL", 1},
    {"UntypedStorage", MAMBA__PT_NONE, "U8", 1}};

typedef struct mamba__pk {
    mamba__heap *hp;
    mamba_error *e;
    const char *fname;
    mamba__pval *v; size_t nv, capv;
    mamba__pitem *it; size_t nit, capit;
    uint32_t *stack; size_t sp, caps;
    uint32_t *memo; size_t nmemo, capm;
    const mamba__zent *ent; size_t n_ent;
    const char *prefix; size_t plen;
    size_t max_tensors;
    mamba__keep_fn keep;
    void *keep_user;
} mamba__pk;

static int mamba__pk_grow(mamba__heap *hp, void **p, size_t *cap, size_t need, size_t es) {
    size_t nc, bytes;
    void *np;
    if (need <= *cap) return 1;
    nc = *cap ? *cap : 64;
    while (nc < need) { if (nc > ((size_t)-1 >> 2)) return 0; nc *= 2; }
    if (!mamba__mul(nc, es, &bytes) || !(np = mamba__halloc(hp, bytes))) return 0;
    if (*p) { memcpy(np, *p, *cap * es); mamba__hfree(hp, *p); }
    *p = np;
    *cap = nc;
    return 1;
}

static mamba_status mamba__pk_fail(mamba__pk *k, mamba_status st, const char *msg, const char *s, long long d) {
    return mamba__err(k->e, st, msg, k->fname, s, d, 0);
}
#define MAMBA__PK_NOMEM(k) mamba__pk_fail(k, MAMBA_ERR_NOMEM, "%s: out of memory reading the pickle", 0, 0)

/* A new value; its index in *out. */
static mamba_status mamba__pk_new(mamba__pk *k, int type, uint32_t *out) {
    if (k->nv >= 0xFFFFFFF0u) return mamba__pk_fail(k, MAMBA_ERR_LIMIT, "%s: pickle has too many objects", 0, 0);
    if (!mamba__pk_grow(k->hp, (void **)&k->v, &k->capv, k->nv + 1, sizeof(mamba__pval))) return MAMBA__PK_NOMEM(k);
    memset(&k->v[k->nv], 0, sizeof(mamba__pval));
    k->v[k->nv].type = type;
    k->v[k->nv].head = k->v[k->nv].tail = (uint32_t)-1;
    *out = (uint32_t)k->nv++;
    return MAMBA_OK;
}

static mamba_status mamba__pk_push(mamba__pk *k, uint32_t v) {
    if (k->sp >= ((size_t)1 << 24)) return mamba__pk_fail(k, MAMBA_ERR_LIMIT, "%s: pickle stack deeper than %d", 0, 1 << 24);
    if (!mamba__pk_grow(k->hp, (void **)&k->stack, &k->caps, k->sp + 1, sizeof(uint32_t))) return MAMBA__PK_NOMEM(k);
    k->stack[k->sp++] = v;
    return MAMBA_OK;
}

static mamba_status mamba__pk_append(mamba__pk *k, uint32_t c, uint32_t v) {
    mamba__pval *cv;
    if (!mamba__pk_grow(k->hp, (void **)&k->it, &k->capit, k->nit + 1, sizeof(mamba__pitem))) return MAMBA__PK_NOMEM(k);
    k->it[k->nit].v = v;
    k->it[k->nit].next = (uint32_t)-1;
    cv = &k->v[c];
    if (cv->tail == (uint32_t)-1) cv->head = (uint32_t)k->nit; else k->it[cv->tail].next = (uint32_t)k->nit;
    cv->tail = (uint32_t)k->nit++;
    cv->count++;
    return MAMBA_OK;
}

/* The index of the topmost MARK on the stack, or (size_t)-1. */
static size_t mamba__pk_mark(const mamba__pk *k) {
    size_t i = k->sp;
    while (i-- > 0) if (k->v[k->stack[i]].type == MAMBA__PV_MARK) return i;
    return (size_t)-1;
}

/* The n-th item of a container (n < count). */
static uint32_t mamba__pk_item(const mamba__pk *k, uint32_t c, uint32_t n) {
    uint32_t q = k->v[c].head;
    while (n--) q = k->it[q].next;
    return k->it[q].v;
}

static int mamba__pk_streq(const mamba__pval *v, const char *s) {
    return v->type == MAMBA__PV_STR && v->len == strlen(s) && !memcmp(v->s, s, v->len);
}

/* GLOBAL module/name: the allowed ones become a GLOBAL value, anything else is refused by name. */
static mamba_status mamba__pk_global(mamba__pk *k, const char *mod, size_t ml, const char *name, size_t nl) {
    uint32_t v;
    int g = -1, si = 0;
    mamba_status st;
#define MAMBA__IS(s, l, lit) ((l) == sizeof(lit) - 1 && !memcmp((s), (lit), sizeof(lit) - 1))
    if (MAMBA__IS(mod, ml, "collections") && MAMBA__IS(name, nl, "OrderedDict")) g = MAMBA__PG_ODICT;
    else if (MAMBA__IS(mod, ml, "torch._utils") && MAMBA__IS(name, nl, "_rebuild_tensor_v2")) g = MAMBA__PG_REBUILD;
    else if (MAMBA__IS(mod, ml, "torch._utils") && MAMBA__IS(name, nl, "_rebuild_parameter")) g = MAMBA__PG_PARAM;
    else if (MAMBA__IS(mod, ml, "torch") || MAMBA__IS(mod, ml, "torch.storage")) {
        for (si = 0; si < (int)(sizeof mamba__pt_stypes / sizeof mamba__pt_stypes[0]); si++)
            if (nl == strlen(mamba__pt_stypes[si].name) && !memcmp(name, mamba__pt_stypes[si].name, nl)) { g = MAMBA__PG_STORAGE; break; }
    }
#undef MAMBA__IS
    if (g < 0) {
        char full[128];
        size_t a = ml < 60 ? ml : 60, b = nl < 60 ? nl : 60, i;
        memcpy(full, mod, a); full[a] = '.'; memcpy(full + a + 1, name, b); full[a + 1 + b] = 0;
        for (i = 0; full[i]; i++) if ((unsigned char)full[i] < 32 || (unsigned char)full[i] > 126) full[i] = '?';
        return mamba__pk_fail(k, MAMBA_ERR_UNSUPPORTED, "%s: the pickle names the global %s, which a torch.save state dict never holds: refused (nothing in a checkpoint is executed)", full, 0);
    }
    if ((st = mamba__pk_new(k, MAMBA__PV_GLOBAL, &v)) != MAMBA_OK) return st;
    k->v[v].g = g == MAMBA__PG_STORAGE ? MAMBA__PG_STORAGE + si : g;
    return mamba__pk_push(k, v);
}

static int mamba__pk_int(const mamba__pk *k, uint32_t v, int64_t lo, int64_t hi, int64_t *out) {
    const mamba__pval *p = &k->v[v];
    if (p->type != MAMBA__PV_INT && p->type != MAMBA__PV_BOOL) return 0;
    if (p->i < lo || p->i > hi) return 0;
    *out = p->i;
    return 1;
}

/* BINPERSID: ('storage', <storage type>, key, location, numel) -> a STORAGE. */
static mamba_status mamba__pk_persid(mamba__pk *k, uint32_t pid, uint32_t *out) {
    const mamba__pval *t = &k->v[pid];
    uint32_t ty, key, nel;
    int64_t numel;
    size_t bytes;
    int si;
    const mamba__zent *z;
    char ks[64];
    mamba_status st;
    if (t->type != MAMBA__PV_TUPLE || t->count != 5 || !mamba__pk_streq(&k->v[mamba__pk_item(k, pid, 0)], "storage"))
        return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: a persistent id is not a ('storage', type, key, location, size) tuple", 0, 0);
    ty = mamba__pk_item(k, pid, 1); key = mamba__pk_item(k, pid, 2); nel = mamba__pk_item(k, pid, 4);
    if (k->v[ty].type != MAMBA__PV_GLOBAL || k->v[ty].g < MAMBA__PG_STORAGE)
        return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: a storage's type is not a torch storage class", 0, 0);
    if (k->v[key].type != MAMBA__PV_STR || k->v[key].len == 0 || k->v[key].len >= sizeof ks)
        return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: a storage key is not a short string", 0, 0);
    memcpy(ks, k->v[key].s, k->v[key].len); ks[k->v[key].len] = 0;
    si = k->v[ty].g - MAMBA__PG_STORAGE;
    if (!mamba__pk_int(k, nel, 0, (int64_t)1 << 48, &numel) || (uint64_t)numel > (uint64_t)((size_t)-1) ||
        !mamba__mul((size_t)numel, mamba__pt_stypes[si].esize, &bytes))
        return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: storage %s has an invalid or absurd element count", ks, 0);
    {
        char nm[80];
        memcpy(nm, "data/", 5); memcpy(nm + 5, ks, k->v[key].len + 1);
        z = mamba__zip_find(k->ent, k->n_ent, k->prefix, k->plen, nm, 5 + k->v[key].len);
    }
    if (!z) return mamba__pk_fail(k, MAMBA_ERR_MISSING, "%s: storage %s has no data/ entry in the archive", ks, 0);
    if (z->size < bytes)
        return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: storage %s needs %d bytes, its entry holds %d", k->fname, ks, (long long)bytes, (long long)z->size);
    if ((st = mamba__pk_new(k, MAMBA__PV_STORAGE, out)) != MAMBA_OK) return st;
    k->v[*out].g = si;
    k->v[*out].i = numel;
    k->v[*out].s = k->v[key].s;
    k->v[*out].len = k->v[key].len;
    k->v[*out].ent = z;
    return MAMBA_OK;
}

/* REDUCE: callable(args) for the three callables a state dict uses. */
static mamba_status mamba__pk_reduce(mamba__pk *k, uint32_t fn, uint32_t args, uint32_t *out) {
    const mamba__pval *f = &k->v[fn], *a = &k->v[args];
    mamba_status st;
    if (f->type != MAMBA__PV_GLOBAL || f->g >= MAMBA__PG_STORAGE || a->type != MAMBA__PV_TUPLE)
        return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: the pickle calls something that is not a state-dict constructor", 0, 0);
    if (f->g == MAMBA__PG_ODICT) {
        if (a->count != 0) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: OrderedDict built from arguments (only OrderedDict() is read)", 0, 0);
        return mamba__pk_new(k, MAMBA__PV_DICT, out);
    }
    if (f->g == MAMBA__PG_PARAM) {   /* _rebuild_parameter(data, requires_grad, hooks) */
        uint32_t t;
        if (a->count != 3 || k->v[t = mamba__pk_item(k, args, 0)].type != MAMBA__PV_TENSOR)
            return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: _rebuild_parameter without a tensor", 0, 0);
        *out = t;
        return MAMBA_OK;
    }
    /* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]) */
    if ((a->count != 6 && a->count != 7) || k->v[mamba__pk_item(k, args, 0)].type != MAMBA__PV_STORAGE ||
        k->v[mamba__pk_item(k, args, 2)].type != MAMBA__PV_TUPLE || k->v[mamba__pk_item(k, args, 3)].type != MAMBA__PV_TUPLE)
        return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: _rebuild_tensor_v2 called with arguments torch never writes", 0, 0);
    if ((st = mamba__pk_new(k, MAMBA__PV_TENSOR, out)) != MAMBA_OK) return st;
    k->v[*out].i = args;
    return MAMBA_OK;
}

/* Runs the pickle p[0..n) to its STOP; *root is the value left on the stack. */
static mamba_status mamba__pk_run(mamba__pk *k, const unsigned char *p, size_t n, uint32_t *root) {
    size_t i = 0;
    mamba_status st = MAMBA_OK;
    uint32_t v;
#define MAMBA__NEED(c) do { if (n - i < (size_t)(c)) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: the pickle ends inside an opcode (truncated?)", 0, 0); } while (0)
#define MAMBA__POP(x) do { if (!k->sp || k->v[k->stack[k->sp - 1]].type == MAMBA__PV_MARK) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: pickle stack underflow at byte %d", 0, (long long)i); (x) = k->stack[--k->sp]; } while (0)
#define MAMBA__TRYP(x) do { if ((st = (x)) != MAMBA_OK) return st; } while (0)
    while (i < n) {
        unsigned op = p[i++];
        switch (op) {
        case 0x80: MAMBA__NEED(1); if (p[i] < 2 || p[i] > 5) return mamba__pk_fail(k, MAMBA_ERR_UNSUPPORTED, "%s: pickle protocol %d is not read", 0, p[i]); i++; break;
        case 0x95: MAMBA__NEED(8); i += 8; break;   /* FRAME: framing only */
        case '.':  /* STOP */
            if (k->sp != 1 || k->v[k->stack[0]].type == MAMBA__PV_MARK) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: the pickle stops with %d values on its stack", 0, (long long)k->sp);
            *root = k->stack[0];
            return MAMBA_OK;
        case '(': MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_MARK, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case ')': MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_TUPLE, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case ']': MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_LIST, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case '}': MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_DICT, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case 'N': MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_NONE, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case 0x88: case 0x89:
            MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_BOOL, &v)); k->v[v].i = op == 0x88; MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case 'K': case 'M': case 'J': case 0x8a: {   /* BININT1, BININT2, BININT, LONG1 */
            int64_t x = 0;
            if (op == 'K') { MAMBA__NEED(1); x = p[i]; i += 1; }
            else if (op == 'M') { MAMBA__NEED(2); x = (int64_t)mamba__le16(p + i); i += 2; }
            else if (op == 'J') { MAMBA__NEED(4); x = (int64_t)(int32_t)mamba__le32(p + i); i += 4; }
            else {
                size_t nb, b;
                uint64_t u = 0;
                MAMBA__NEED(1); nb = p[i++];
                if (nb > 8) return mamba__pk_fail(k, MAMBA_ERR_RANGE, "%s: pickle integer of %d bytes is too large", 0, (long long)nb);
                MAMBA__NEED(nb);
                for (b = nb; b-- > 0;) u = u << 8 | p[i + b];
                if (nb && nb < 8 && (p[i + nb - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * nb);   /* sign-extend */
                memcpy(&x, &u, sizeof x);
                i += nb;
            }
            MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_INT, &v)); k->v[v].i = x; MAMBA__TRYP(mamba__pk_push(k, v));
            break;
        }
        case 'G': MAMBA__NEED(8); i += 8; MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_FLOAT, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break;
        case 'X': case 0x8c: case 0x8d: case 'T': case 'U': case 'B': case 'C': {   /* strings and bytes */
            uint64_t len;
            if (op == 0x8c || op == 'U' || op == 'C') { MAMBA__NEED(1); len = p[i]; i += 1; }
            else if (op == 0x8d) { MAMBA__NEED(8); len = mamba__le64(p + i); i += 8; }
            else { MAMBA__NEED(4); len = mamba__le32(p + i); i += 4; }
            if (len > n - i) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: a pickle string of %d bytes runs past the end", 0, (long long)(len > (uint64_t)LLONG_MAX ? -1 : (long long)len));
            MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_STR, &v));
            k->v[v].s = (const char *)p + i; k->v[v].len = (size_t)len;
            i += (size_t)len;
            MAMBA__TRYP(mamba__pk_push(k, v));
            break;
        }
        case 'c': {   /* GLOBAL "module\nname\n" */
            const unsigned char *m0 = p + i, *m1 = (const unsigned char *)memchr(m0, '\n', n - i), *n1;
            if (!m1 || !(n1 = (const unsigned char *)memchr(m1 + 1, '\n', (size_t)(p + n - m1 - 1))))
                return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: an unterminated GLOBAL in the pickle", 0, 0);
            MAMBA__TRYP(mamba__pk_global(k, (const char *)m0, (size_t)(m1 - m0), (const char *)m1 + 1, (size_t)(n1 - m1 - 1)));
            i = (size_t)(n1 + 1 - p);
            break;
        }
        case 0x93: {  /* STACK_GLOBAL: module and name from the stack */
            uint32_t a, b;
            MAMBA__POP(b); MAMBA__POP(a);
            if (k->v[a].type != MAMBA__PV_STR || k->v[b].type != MAMBA__PV_STR) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: STACK_GLOBAL without two strings", 0, 0);
            MAMBA__TRYP(mamba__pk_global(k, k->v[a].s, k->v[a].len, k->v[b].s, k->v[b].len));
            break;
        }
        case 'q': case 'r': case 0x94: {   /* BINPUT, LONG_BINPUT, MEMOIZE */
            size_t idx;
            if (op == 'q') { MAMBA__NEED(1); idx = p[i]; i += 1; }
            else if (op == 'r') { MAMBA__NEED(4); idx = mamba__le32(p + i); i += 4; }
            else idx = k->nmemo;
            if (!k->sp) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: memo store with an empty stack", 0, 0);
            if (idx > k->nmemo) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: memo index %d skips ahead (a pickler numbers them in order)", 0, (long long)idx);
            if (idx == k->nmemo) {
                if (!mamba__pk_grow(k->hp, (void **)&k->memo, &k->capm, k->nmemo + 1, sizeof(uint32_t))) return MAMBA__PK_NOMEM(k);
                k->nmemo++;
            }
            k->memo[idx] = k->stack[k->sp - 1];
            break;
        }
        case 'h': case 'j': {   /* BINGET, LONG_BINGET */
            size_t idx;
            if (op == 'h') { MAMBA__NEED(1); idx = p[i]; i += 1; } else { MAMBA__NEED(4); idx = mamba__le32(p + i); i += 4; }
            if (idx >= k->nmemo) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: memo index %d was never stored", 0, (long long)idx);
            MAMBA__TRYP(mamba__pk_push(k, k->memo[idx]));
            break;
        }
        case '0': { uint32_t x; MAMBA__POP(x); (void)x; break; }   /* POP */
        case '2': if (!k->sp) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: DUP on an empty stack", 0, 0); MAMBA__TRYP(mamba__pk_push(k, k->stack[k->sp - 1])); break;
        case '1': case 't': case 'l': case 'd': case 'e': case 'u': {   /* POP_MARK, TUPLE, LIST, DICT, APPENDS, SETITEMS */
            size_t mk = mamba__pk_mark(k), q;
            uint32_t c;
            if (mk == (size_t)-1) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: pickle opcode without its MARK at byte %d", 0, (long long)i);
            if (op == '1') { k->sp = mk; break; }
            if (op == 'e' || op == 'u') {
                if (mk == 0) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: APPENDS/SETITEMS without a container", 0, 0);
                c = k->stack[mk - 1];
                if (k->v[c].type != (op == 'e' ? MAMBA__PV_LIST : MAMBA__PV_DICT) || (op == 'u' && (k->sp - mk - 1) % 2))
                    return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: APPENDS/SETITEMS on the wrong kind of object at byte %d", 0, (long long)i);
            } else {
                if (op == 'd' && (k->sp - mk - 1) % 2) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: DICT with an odd number of items", 0, 0);
                MAMBA__TRYP(mamba__pk_new(k, op == 't' ? MAMBA__PV_TUPLE : op == 'l' ? MAMBA__PV_LIST : MAMBA__PV_DICT, &c));
            }
            for (q = mk + 1; q < k->sp; q++) MAMBA__TRYP(mamba__pk_append(k, c, k->stack[q]));
            k->sp = mk;
            if (op == 't' || op == 'l' || op == 'd') MAMBA__TRYP(mamba__pk_push(k, c));
            break;
        }
        case 0x85: case 0x86: case 0x87: {   /* TUPLE1..3 */
            size_t cnt = op - 0x84, q;
            if (k->sp < cnt) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: pickle stack underflow at byte %d", 0, (long long)i);
            for (q = k->sp - cnt; q < k->sp; q++)
                if (k->v[k->stack[q]].type == MAMBA__PV_MARK) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: a MARK inside a short tuple", 0, 0);
            MAMBA__TRYP(mamba__pk_new(k, MAMBA__PV_TUPLE, &v));
            for (q = k->sp - cnt; q < k->sp; q++) MAMBA__TRYP(mamba__pk_append(k, v, k->stack[q]));
            k->sp -= cnt;
            MAMBA__TRYP(mamba__pk_push(k, v));
            break;
        }
        case 'a': case 's': {   /* APPEND, SETITEM */
            uint32_t x, y = 0, c;
            MAMBA__POP(x);
            if (op == 's') { y = x; MAMBA__POP(x); }
            if (!k->sp) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: APPEND/SETITEM without a container", 0, 0);
            c = k->stack[k->sp - 1];
            if (k->v[c].type != (op == 'a' ? MAMBA__PV_LIST : MAMBA__PV_DICT)) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: APPEND/SETITEM on the wrong kind of object", 0, 0);
            MAMBA__TRYP(mamba__pk_append(k, c, x));
            if (op == 's') MAMBA__TRYP(mamba__pk_append(k, c, y));
            break;
        }
        case 'Q': { uint32_t pid; MAMBA__POP(pid); MAMBA__TRYP(mamba__pk_persid(k, pid, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break; }
        case 'R': { uint32_t fn, args; MAMBA__POP(args); MAMBA__POP(fn); MAMBA__TRYP(mamba__pk_reduce(k, fn, args, &v)); MAMBA__TRYP(mamba__pk_push(k, v)); break; }
        case 'b': {   /* BUILD: a state dict's _metadata (or a tensor's state): read, not applied */
            uint32_t state, obj;
            MAMBA__POP(state); (void)state;
            if (!k->sp) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: BUILD without an object", 0, 0);
            obj = k->stack[k->sp - 1];
            if (k->v[obj].type != MAMBA__PV_DICT && k->v[obj].type != MAMBA__PV_TENSOR) return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: BUILD on an object a state dict does not hold", 0, 0);
            break;
        }
        default: {
            char hex[8];
            static const char digits[] = "0123456789abcdef";
            hex[0] = '0'; hex[1] = 'x'; hex[2] = digits[op >> 4]; hex[3] = digits[op & 15]; hex[4] = 0;
            return mamba__pk_fail(k, MAMBA_ERR_UNSUPPORTED, "%s: pickle opcode %s is not part of a torch.save state dict: refused", hex, 0);
        }
        }
    }
#undef MAMBA__NEED
#undef MAMBA__POP
#undef MAMBA__TRYP
    return mamba__pk_fail(k, MAMBA_ERR_FORMAT, "%s: the pickle ends without STOP (truncated?)", 0, 0);
}

/* One TENSOR value -> a table entry named name (a strided one gathered into a kept copy). */
static mamba_status mamba__pk_tensor(mamba__pk *k, uint32_t tv, const char *name, mamba__tensor *t) {
    uint32_t args = (uint32_t)k->v[tv].i, sv = mamba__pk_item(k, args, 0), szv = mamba__pk_item(k, args, 2), stv = mamba__pk_item(k, args, 3);
    const mamba__pval *s = &k->v[sv];
    int64_t off, size[MAMBA__MAX_NDIM], stride[MAMBA__MAX_NDIM];
    size_t esize = mamba__pt_stypes[s->g].esize, numel = 1, nbytes;
    int nd = (int)k->v[szv].count, d, contiguous = 1;
    if (k->v[szv].count > MAMBA__MAX_NDIM || k->v[stv].count != k->v[szv].count)
        return mamba__err(k->e, MAMBA_ERR_UNSUPPORTED, "%s: tensor %s has too many dimensions or a stride per dimension missing", k->fname, name, 0, 0);
    if (!mamba__pk_int(k, mamba__pk_item(k, args, 1), 0, (int64_t)1 << 48, &off) || (uint64_t)off > (uint64_t)((size_t)-1))
        return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: tensor %s has an invalid storage offset", k->fname, name, 0, 0);
    for (d = 0; d < nd; d++) {
        if (!mamba__pk_int(k, mamba__pk_item(k, szv, (uint32_t)d), 0, (int64_t)1 << 40, &size[d]) ||
            !mamba__pk_int(k, mamba__pk_item(k, stv, (uint32_t)d), 0, (int64_t)1 << 48, &stride[d]) ||
            (uint64_t)size[d] > (uint64_t)((size_t)-1) || (uint64_t)stride[d] > (uint64_t)((size_t)-1))
            return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: tensor %s has an invalid or absurd size or stride", k->fname, name, 0, 0);
        if (!mamba__mul(numel, (size_t)size[d], &numel)) return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: tensor %s: size overflows", k->fname, name, 0, 0);
    }
    if (!mamba__mul(numel, esize, &nbytes)) return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: tensor %s: size overflows", k->fname, name, 0, 0);
    if (numel) {   /* the last element it reaches must lie inside its storage */
        size_t ext = (size_t)off, x;
        for (d = 0; d < nd; d++) {
            if (!mamba__mul((size_t)(size[d] - 1), (size_t)stride[d], &x) || !mamba__add(ext, x, &ext))
                return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: tensor %s: extent overflows", k->fname, name, 0, 0);
        }
        if (ext >= (size_t)s->i)
            return mamba__err(k->e, MAMBA_ERR_FORMAT, "%s: tensor %s reaches element %d of a storage of %d", k->fname, name, (long long)ext, (long long)s->i);
    }
    {   /* row-major? (dimensions of size 1 may have any stride) */
        int64_t want = 1;
        for (d = nd; d-- > 0;) {
            if (size[d] != 1 && stride[d] != want) contiguous = 0;
            want *= size[d];
        }
    }
    memset(t, 0, sizeof *t);
    t->dtype = mamba__pt_stypes[s->g].dtype;
    memcpy(t->dtype_name, mamba__pt_stypes[s->g].dtype_name, strlen(mamba__pt_stypes[s->g].dtype_name) + 1);
    t->ndim = nd;
    for (d = 0; d < nd; d++) t->shape[d] = size[d];
    t->nbytes = nbytes;
    t->file = k->fname;
    if (!numel) {
        t->data = s->ent->data;
    } else if (contiguous) {
        t->data = s->ent->data + (size_t)off * esize;
    } else {   /* gather once, in row-major order */
        unsigned char *copy = MAMBA__CAST(unsigned char *, mamba__halloc(k->hp, nbytes));
        int64_t idx[MAMBA__MAX_NDIM];
        size_t q, src;
        mamba__blob b;
        mamba_status st;
        if (!copy) return mamba__err(k->e, MAMBA_ERR_NOMEM, "%s: out of memory copying strided tensor %s", k->fname, name, 0, 0);
        memset(idx, 0, sizeof idx);
        for (q = 0; q < numel; q++) {
            src = (size_t)off;
            for (d = 0; d < nd; d++) src += (size_t)idx[d] * (size_t)stride[d];
            memcpy(copy + q * esize, s->ent->data + src * esize, esize);
            for (d = nd; d-- > 0;) { if (++idx[d] < size[d]) break; idx[d] = 0; }
        }
        b.data = copy; b.size = nbytes; b.kind = 1;
        if ((st = k->keep(k->keep_user, &b, k->e)) != MAMBA_OK) { mamba__hfree(k->hp, copy); return st; }
        t->data = copy;
    }
    return MAMBA_OK;
}

/* Reads one torch.save zip (d[0..n)) and appends its tensors to ts. A tensor
   that is an exact alias of the embedding (state-spaces' tied lm_head.weight
   shares the embedding's storage) is left out, so the model is tied as
   trained and a GGUF written from it has no separate output.weight. */
static mamba_status mamba__torch_read(mamba__tensors *ts, const unsigned char *d, size_t n, const char *fname,
                                      const mamba_options *o, mamba__keep_fn keep, void *keep_user, mamba_error *e) {
    mamba__heap *hp = ts->hp;
    mamba__pk k;
    mamba__zent *ent = NULL;
    size_t n_ent = 0, i, max_tensors = MAMBA__OPT(o, max_tensors, MAMBA__DEF_TENSORS);
    const mamba__zent *pkl = NULL, *bo;
    mamba_status st;
    uint32_t root = 0, q;
    if (n >= 2 && d[0] == 0x80 && d[1] <= 5)
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: a legacy (pre-1.6) torch.save file: re-save it with a current torch (torch.save(torch.load(f), f)) or convert it to safetensors", fname, 0, 0, 0);
    if (n < 4 || memcmp(d, "PK\003\004", 4) != 0)
        return mamba__err(e, MAMBA_ERR_FORMAT, "%s: not a torch.save zip archive", fname, 0, 0, 0);
    if ((st = mamba__zip_read(hp, d, n, fname, max_tensors + 64, &ent, &n_ent, e)) != MAMBA_OK) return st;
    memset(&k, 0, sizeof k);
    k.hp = hp; k.e = e; k.fname = fname; k.ent = ent; k.n_ent = n_ent; k.max_tensors = max_tensors;
    k.keep = keep; k.keep_user = keep_user;
    /* exactly one <stem>/data.pkl at the top */
    for (i = 0; i < n_ent; i++) {
        const char *s = ent[i].name, *slash = (const char *)memchr(s, '/', ent[i].name_len);
        if (slash && (size_t)(slash - s) + 1 + 8 == ent[i].name_len && !memcmp(slash + 1, "data.pkl", 8)) {
            if (pkl) { mamba__hfree(hp, ent); return mamba__err(e, MAMBA_ERR_FORMAT, "%s: the archive holds more than one data.pkl", fname, 0, 0, 0); }
            pkl = &ent[i];
            k.prefix = s; k.plen = (size_t)(slash - s) + 1;
        }
    }
    if (!pkl) {
        mamba__hfree(hp, ent);
        return mamba__err(e, MAMBA_ERR_FORMAT, "%s: a zip archive without <name>/data.pkl: not a torch.save checkpoint", fname, 0, 0, 0);
    }
    if (pkl->size > MAMBA__OPT(o, max_json_bytes, MAMBA__DEF_HEADER)) {
        long long big = (long long)pkl->size;
        mamba__hfree(hp, ent);
        return mamba__err(e, MAMBA_ERR_LIMIT, "%s: data.pkl of %d bytes exceeds the limit (max_json_bytes)", fname, 0, big, 0);
    }
    bo = mamba__zip_find(ent, n_ent, k.prefix, k.plen, "byteorder", 9);
    if (bo && !(bo->size == 6 && !memcmp(bo->data, "little", 6))) {
        mamba__hfree(hp, ent);
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: the checkpoint's byteorder record is not 'little'", fname, 0, 0, 0);
    }
    st = mamba__pk_run(&k, pkl->data, (size_t)pkl->size, &root);
    if (st == MAMBA_OK && k.v[root].type != MAMBA__PV_DICT)
        st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: the pickle holds no state dict (its top object is not a dict)", fname, 0, 0, 0);
    if (st == MAMBA_OK && (k.v[root].count / 2 > max_tensors || ts->n + k.v[root].count / 2 > max_tensors))
        st = mamba__err(e, MAMBA_ERR_LIMIT, "%s: %d tensors exceed the limit (max_tensors)", fname, 0, (long long)(k.v[root].count / 2), 0);
    if (st == MAMBA_OK && ts->n + k.v[root].count / 2 > ts->cap) {   /* grow the table once */
        size_t ncap = ts->n + k.v[root].count / 2, bytes;
        mamba__tensor *nt;
        if (!mamba__mul(ncap, sizeof(mamba__tensor), &bytes) || !(nt = MAMBA__CAST(mamba__tensor *, mamba__hcalloc(hp, bytes)))) {
            st = mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory for the tensor table", fname, 0, 0, 0);
        } else {
            if (ts->t) { memcpy(nt, ts->t, ts->n * sizeof(mamba__tensor)); mamba__hfree(hp, ts->t); }
            ts->t = nt;
            ts->cap = ncap;
        }
    }
    for (q = st == MAMBA_OK ? k.v[root].head : (uint32_t)-1; q != (uint32_t)-1 && st == MAMBA_OK; q = k.it[k.it[q].next].next) {
        uint32_t kv = k.it[q].v, vv = k.it[k.it[q].next].v;
        char name[160];
        mamba__tensor *t;
        if (k.v[kv].type != MAMBA__PV_STR || k.v[kv].len == 0 || k.v[kv].len >= sizeof name || memchr(k.v[kv].s, 0, k.v[kv].len)) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: a state dict key is not a tensor name", fname, 0, 0, 0);
            break;
        }
        memcpy(name, k.v[kv].s, k.v[kv].len); name[k.v[kv].len] = 0;
        if (k.v[vv].type != MAMBA__PV_TENSOR) {
            st = mamba__err(e, MAMBA_ERR_FORMAT, "%s: state dict entry %s is not a tensor (a training checkpoint? save model.state_dict())", fname, name, 0, 0);
            break;
        }
        t = &ts->t[ts->n];
        if ((st = mamba__pk_tensor(&k, vv, name, t)) != MAMBA_OK) break;
        if (!(t->name = MAMBA__CAST(char *, mamba__halloc(hp, k.v[kv].len + 1)))) { st = mamba__err(e, MAMBA_ERR_NOMEM, "%s: out of memory", fname, 0, 0, 0); break; }
        memcpy(t->name, name, k.v[kv].len + 1);
        ts->n++;
    }
    if (st == MAMBA_OK) {   /* drop lm_head.weight when it is the embedding itself */
        mamba__tensor *h = NULL, *emb = NULL;
        for (i = 0; i < ts->n; i++) {
            const char *nm = ts->t[i].name;
            if (!strncmp(nm, "model.", 6)) nm += 6;
            if (!strcmp(nm, "lm_head.weight")) h = &ts->t[i];
            if (!strcmp(nm, "backbone.embedding.weight") || !strcmp(nm, "backbone.embeddings.weight")) emb = &ts->t[i];
        }
        if (h && emb && h->data == emb->data && h->nbytes == emb->nbytes && h->dtype == emb->dtype && h->ndim == emb->ndim &&
            !memcmp(h->shape, emb->shape, sizeof h->shape) && h->file == emb->file) {
            mamba__hfree(hp, h->name);
            *h = ts->t[--ts->n];
        }
    }
    if (k.v) mamba__hfree(hp, k.v);
    if (k.it) mamba__hfree(hp, k.it);
    if (k.stack) mamba__hfree(hp, k.stack);
    if (k.memo) mamba__hfree(hp, k.memo);
    mamba__hfree(hp, ent);
    return st;
}

/* -- Mistral's layout: params.json + consolidated.safetensors -------------
   mistral-inference's MambaArgs (dim, n_layers, vocab_size, n_groups, rms_norm,
   residual_in_fp32, fused_add_norm, pad_vocab_size_multiple, tie_embeddings,
   model_type "mamba") build a state-spaces MambaConfig with ssm_cfg
   {"layer": "Mamba2", "ngroups": n_groups}, every other Mamba2 argument at its
   default; the weights are that MambaLMHeadModel's state dict under "model.".
   params.json is rewritten as that original-format config.json. */

static int mamba__pt_bool(const mamba__json *j, const char *key, int def) {
    uint32_t v = mamba__json_get(j, 0, key);
    return !v ? def : j->tok[v].type == MAMBA__J_TRUE ? 1 : j->tok[v].type == MAMBA__J_FALSE ? 0 : def;
}

static size_t mamba__put_int(char *o, long long v) {
    size_t k = 0;
    if (v < 0) o[k++] = '-';
    return k + (size_t)mamba__utoa(v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, o + k);
}

/* params.json text -> the equivalent state-spaces config.json text in out (>= 512 bytes). */
static MAMBA__UNUSED mamba_status mamba__mistral_config(mamba__heap *hp, const char *text, size_t len, char *out, size_t cap,
                                          size_t *out_len, const mamba_options *o, mamba_error *e) {
    mamba__json j;
    mamba_status st;
    static const char *const ints[] = {"dim", "n_layers", "vocab_size", "n_groups", "pad_vocab_size_multiple"};
    static const char *const outk[] = {"d_model", "n_layer", "vocab_size", "ngroups", "pad_vocab_size_multiple"};
    long long val[5];
    size_t w = 0, q;
    uint32_t v;
    if (cap < 512) return mamba__err(e, MAMBA_ERR_BADARG, "params.json: buffer too small", 0, 0, 0, 0);
    if (len > MAMBA__OPT(o, max_json_bytes, MAMBA__DEF_HEADER))
        return mamba__err(e, MAMBA_ERR_LIMIT, "params.json: %d bytes exceed the limit (max_json_bytes)", 0, 0, (long long)len, 0);
    st = mamba__json_parse_h(hp, &j, text, len, o ? o->max_json_depth : 0, 1000000, e, "params.json");
    if (st != MAMBA_OK) return st;
    if (j.tok[0].type != MAMBA__J_OBJ) { mamba__json_free(&j); return mamba__err(e, MAMBA_ERR_CONFIG, "params.json is not a JSON object", 0, 0, 0, 0); }
    v = mamba__json_get(&j, 0, "model_type");
    if ((v && !mamba__json_eq(&j, v, "mamba")) || !mamba__json_get(&j, 0, "n_groups")) {
        mamba__json_free(&j);
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "params.json does not describe a Mamba model (model_type \"mamba\" with n_groups): Mistral's transformers are not supported", 0, 0, 0, 0);
    }
    for (q = 0; q < 5; q++) {
        v = mamba__json_get(&j, 0, ints[q]);
        val[q] = 1;
        if (!v && q == 4) continue;   /* no padding */
        if (!v || !mamba__json_int(&j, v, 1, q == 1 ? 4096 : q == 2 ? 1 << 24 : MAMBA_MAX_DIM, &val[q])) {
            mamba__json_free(&j);
            return mamba__err(e, MAMBA_ERR_CONFIG, "params.json: %s is missing or out of range", ints[q], 0, 0, 0);
        }
    }
#define MAMBA__PUT(s) do { size_t l_ = strlen(s); memcpy(out + w, s, l_); w += l_; } while (0)
    MAMBA__PUT("{");
    for (q = 0; q < 5; q++) {
        if (q == 3) continue;
        MAMBA__PUT("\""); MAMBA__PUT(outk[q]); MAMBA__PUT("\": ");
        w += mamba__put_int(out + w, val[q]);
        MAMBA__PUT(", ");
    }
    MAMBA__PUT("\"ssm_cfg\": {\"layer\": \"Mamba2\", \"ngroups\": ");
    w += mamba__put_int(out + w, val[3]);
    MAMBA__PUT("}, \"rms_norm\": ");
    MAMBA__PUT(mamba__pt_bool(&j, "rms_norm", 1) ? "true" : "false");
    if ((v = mamba__json_get(&j, 0, "tie_embeddings")) != 0) {
        MAMBA__PUT(", \"tie_embeddings\": ");
        MAMBA__PUT(mamba__pt_bool(&j, "tie_embeddings", 1) ? "true" : "false");
    }
    MAMBA__PUT("}");
#undef MAMBA__PUT
    out[w] = 0;
    *out_len = w;
    mamba__json_free(&j);
    return MAMBA_OK;
}

/* -- the PyTorch and Mistral readers (their lines in mamba__formats, G.2) --
   state-spaces' layout is the Hugging Face one with torch.save weights
   (config.json + pytorch_model.bin or its shards with
   pytorch_model.bin.index.json): F.3's mamba__layout_read walks it with
   mamba__pt_load_shard. Mistral's layout has its own config, params.json. */

/* mamba__torch_read's keeper during a load: a strided tensor's copy lives as
   long as the model. */
static mamba_status mamba__keep_copy(void *m, const mamba__blob *b, mamba_error *e) {
    return mamba__add_blob((mamba_model *)m, b, NULL, e);
}

/* Memory: the bytes of one torch.save zip and the text of its config.json. */
static int mamba__pt_claims_memory(const unsigned char *p, size_t n, const char *config_json) {
    return config_json != NULL && n >= 4 && !memcmp(p, "PK\003\004", 4);
}
static mamba_status mamba__pt_read_memory(mamba_model *m, mamba__desc *d, const unsigned char *p, size_t n,
                                          const char *config_json, size_t config_len, const mamba_options *o, mamba_error *e) {
    mamba_status st = mamba__torch_read(&d->ts, p, n, "weights", o, mamba__keep_copy, m, e);
    if (st == MAMBA_OK) st = mamba__config_parse(&m->heap, &d->cfg, config_json, config_len, &d->tie_explicit, o, e);
    return st;
}

#ifndef MAMBA_NO_STDIO
/* Whether dir/name exists. Claims get no heap: a path too long for the
   buffer is not probed (reads as absent). */
static int mamba__pt_probe(const char *dir, const char *name) {
    char buf[1024];
    size_t a = strlen(dir), b = strlen(name);
    if (a + b + 2 > sizeof buf) return 0;
    memcpy(buf, dir, a);
    if (a && dir[a - 1] != '/') buf[a++] = '/';
    memcpy(buf + a, name, b + 1);
    return mamba__file_exists(buf);
}

/* Maps one torch.save file and appends its tensors (mamba__load_shard's twin). */
static mamba_status mamba__pt_load_shard(mamba_model *m, mamba__tensors *ts, const char *path, const mamba_options *o, mamba_error *e) {
    mamba__blob b;
    mamba_status st = mamba__map_file(&m->heap, &b, path, e);
    if (st != MAMBA_OK) return st;
    if ((st = mamba__add_blob(m, &b, path, e)) != MAMBA_OK) { mamba__blob_release(&m->heap, &b); return st; }
    return mamba__torch_read(ts, b.data, b.size, m->paths[m->n_blobs - 1], o, mamba__keep_copy, m, e);
}

/* A path: a .bin file next to its config.json, or a directory with
   pytorch_model.bin.index.json or pytorch_model.bin and no
   model.safetensors(.index.json) (a directory with both reads as safetensors). */
static int mamba__pt_claims_path(const char *path) {
    if (mamba__ends_with(path, ".bin")) return 1;
    if (mamba__pt_probe(path, "model.safetensors.index.json") || mamba__pt_probe(path, "model.safetensors")) return 0;
    return mamba__pt_probe(path, "pytorch_model.bin.index.json") || mamba__pt_probe(path, "pytorch_model.bin");
}
static mamba_status mamba__pt_read_file(mamba_model *m, mamba__desc *d, const char *path, const mamba_options *o, mamba_error *e) {
    static const mamba__layout ss = {".bin", "pytorch_model.bin.index.json", "pytorch_model.bin", mamba__pt_load_shard};
    return mamba__layout_read(m, d, path, &ss, o, e);
}

/* Mistral's layout is a directory: no bytes in memory are claimed (pass
   consolidated.safetensors with a config.json instead). */
static int mamba__mistral_claims_memory(const unsigned char *p, size_t n, const char *config_json) {
    (void)p; (void)n; (void)config_json;
    return 0;
}

/* A path: a directory with params.json and no config.json (with both, the
   Hugging Face layout is read). */
static int mamba__mistral_claims_path(const char *path) {
    return !mamba__pt_probe(path, "config.json") && mamba__pt_probe(path, "params.json");
}

/* params.json rewritten as a state-spaces config.json, then consolidated.safetensors. */
static mamba_status mamba__mistral_read_file(mamba_model *m, mamba__desc *d, const char *dir, const mamba_options *o,
                                             mamba_error *e) {
    mamba__heap *hp = &m->heap;
    mamba__blob pj;
    mamba_status st;
    char *path, *text;
    size_t len = 0;
    if (!(path = mamba__path_join(hp, dir, "params.json"))) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    st = mamba__read_file(hp, &pj, path, MAMBA__OPT(o, max_json_bytes, MAMBA__DEF_HEADER), e);
    mamba__hfree(hp, path);
    if (st != MAMBA_OK) return st;
    hp->input += pj.size;
    if (!(text = MAMBA__CAST(char *, mamba__halloc(hp, 1024)))) { mamba__blob_release(hp, &pj); return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); }
    st = mamba__mistral_config(hp, (const char *)pj.data, pj.size, text, 1024, &len, o, e);
    mamba__blob_release(hp, &pj);
    if (st == MAMBA_OK && !(path = mamba__path_join(hp, dir, "consolidated.safetensors"))) st = mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    if (st == MAMBA_OK) {
        st = mamba__load_shard(m, &d->ts, path, o, e);
        mamba__hfree(hp, path);
    }
    if (st == MAMBA_OK) st = mamba__config_parse(hp, &d->cfg, text, len, &d->tie_explicit, o, e);
    mamba__hfree(hp, text);
    return st;
}
#endif /* MAMBA_NO_STDIO */

#endif /* MAMBA_NO_SAFETENSORS */

/* ==== G. loaders: the builder, the format table, the public loaders ====== */

/* ---- G.1 binding tensors to layers -------------------------------------- */

typedef struct mamba__binder {
    mamba_model *m;
    mamba__tensors *ts;
    mamba_error *e;
    const char *prefix;      /* "backbone.layers.<i>." built here */
    char name[160];
} mamba__binder;

static void mamba__bname(mamba__binder *b, int layer, const char *suffix) {
    int k;
    if (layer < 0) { strcpy(b->name, suffix); return; }
    strcpy(b->name, "backbone.layers.");
    k = (int)strlen(b->name);
    k += mamba__utoa((unsigned)layer, b->name + k);
    b->name[k++] = '.';
    b->name[k] = 0;
    strcat(b->name, suffix);
}

/* Checks that tensor t has exactly shape dims[0..nd) (trailing 1-dims of the
   expectation may be absent, so [E,1,K] also accepts [E,K]). */
static int mamba__shape_is(const mamba__tensor *t, const long long *dims, int nd) {
    int i;
    if (nd == 1) {   /* a vector may come as [n], [1, n] or, in GGUF, [G, n/G] (Mamba-2 norms) */
        long long numel = 1;
        for (i = 0; i < t->ndim; i++) numel *= t->shape[i];
        return t->ndim >= 1 && t->ndim <= 2 && numel == dims[0];
    }
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
            if (i) { dst[o][k++] = ','; dst[o][k++] = ' '; }
            k += mamba__utoa((unsigned long long)src[o][i], dst[o] + k);
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
        return mamba__err(b->e, MAMBA_ERR_UNSUPPORTED, "tensor %s has dtype %s; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                          "Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS", t->gname ? t->gname : t->name, t->dtype_name, 0, 0);
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
    if (!mamba__is_quant(t->dtype) && (uintptr_t)t->data % mamba__dtype_size(t->dtype) != 0) {
        mamba_model *m = b->m;
        mamba__heap *hp = &m->heap;
        void *copy = mamba__halloc(hp, t->nbytes), **nc;
        if (!copy) return mamba__err(b->e, MAMBA_ERR_NOMEM, "out of memory copying misaligned tensor %s", t->name, 0, 0, 0);
        nc = MAMBA__CAST(void **, mamba__halloc(hp, sizeof(void *) * (size_t)(m->n_copies + 1)));
        if (!nc) { mamba__hfree(hp, copy); return mamba__err(b->e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0); }
        if (m->copies) { memcpy(nc, m->copies, sizeof(void *) * (size_t)m->n_copies); mamba__hfree(hp, m->copies); }
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
    if (mamba__is_quant(t->dtype))
        return mamba__err(b->e, MAMBA_ERR_UNSUPPORTED, "tensor %s is quantized (%s); per-channel tensors must be F32, F16 or BF16", t->gname ? t->gname : t->name, t->dtype_name, 0, 0);
    for (k = 0; k < nd; k++) n *= (size_t)dims[k];
    for (i = 0; i < n; i++) dst[i] = mamba__load_elem(t->data, t->dtype, i);
    *out = dst;
    return MAMBA_OK;
}

static mamba_status mamba__bind(mamba_model *m, mamba__tensors *ts, int tie_explicit, mamba_error *e) {
    mamba__heap *hp = &m->heap;
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
        m->lm_head_rows = (int)t->shape[0];
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
    m->f32 = MAMBA__CAST(float *, mamba__halloc(hp, total));
    m->layers = MAMBA__CAST(mamba__layer *, mamba__hcalloc(hp, sizeof(mamba__layer) * (size_t)c->n_layer));
    {
        size_t nt = (size_t)c->conv_dim * (size_t)K > (size_t)(E * N) ? (size_t)c->conv_dim * (size_t)K : (size_t)(E * N);
        m->tmp = MAMBA__CAST(float *, mamba__halloc(hp, nt * sizeof(float)));
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
        {   /* A = -exp(A_log), once; GGUF's ssm_a is A already */
            const mamba__tensor *ta;
            mamba__bname(&b, l, "mixer.A_log");
            ta = mamba__tensor_find(ts, b.name);
            if (!ta || !ta->a_is_final) for (i = 0; i < (size_t)NA; i++) A[i] = -MAMBA_EXPF(A[i]);
        }
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
        m->weight_bytes += L->in_proj.rows * mamba__row_bytes(L->in_proj.dtype, (size_t)L->in_proj.cols)
                         + L->out_proj.rows * mamba__row_bytes(L->out_proj.dtype, (size_t)L->out_proj.cols);
        if (!m2)
            m->weight_bytes += L->x_proj.rows * mamba__row_bytes(L->x_proj.dtype, (size_t)L->x_proj.cols)
                             + L->dt_proj.rows * mamba__row_bytes(L->dt_proj.dtype, (size_t)L->dt_proj.cols);
    }
    if ((st = mamba__bind_vec(&b, -1, "backbone.norm_f.weight", MAMBA__V1(D), 1, 1, f, &m->norm_f)) != MAMBA_OK) return st;
#undef MAMBA__V1
    m->weight_bytes += (size_t)m->lm_head.rows * mamba__row_bytes(m->lm_head.dtype, (size_t)D) +
                       mamba__row_bytes(m->embed.dtype, (size_t)D);
    return MAMBA_OK;
}

/* validate_weights: every tensor the model bound, widened row by row with
   mamba__row_f32 (so quantized blocks are checked through their dequantized
   values, whatever the type), must be finite. Checks the stored values, before
   any load-time transform (A = -exp(A_log) may overflow legitimately). */
static mamba_status mamba__validate(const mamba__tensors *ts, mamba_error *e) {
    size_t i, cap = 0;
    float *row = NULL;
    mamba_status st = MAMBA_OK;
    for (i = 0; i < ts->n && st == MAMBA_OK; i++) {
        const mamba__tensor *t = &ts->t[i];
        mamba__mat W;
        size_t numel = 1, rows, r;
        int k, c;
        if (!t->used || t->dtype <= 0) continue;
        for (k = 0; k < t->ndim; k++) numel *= (size_t)t->shape[k];
        if (!numel) continue;
        W.data = t->data;
        W.dtype = t->dtype;
        W.cols = t->ndim ? (int)t->shape[t->ndim - 1] : 1;   /* the bound shape is checked: this fits an int */
        rows = numel / (size_t)W.cols;
        W.rows = (int)rows;
        if ((size_t)W.cols > cap) {
            if (row) mamba__hfree(ts->hp, row);
            cap = (size_t)W.cols;
            if (!(row = MAMBA__CAST(float *, mamba__halloc(ts->hp, cap * sizeof(float)))))
                return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory validating %s", t->name, 0, 0, 0);
        }
        for (r = 0; r < rows && st == MAMBA_OK; r++) {
            if (mamba__dtype_size(t->dtype))   /* plain floats: memcpy loads, any alignment */
                for (c = 0; c < W.cols; c++) row[c] = mamba__load_elem(t->data, t->dtype, r * (size_t)W.cols + (size_t)c);
            else                               /* block types: the kernels' own dequantizer */
                mamba__row_f32(&W, (int)r, row);
            for (c = 0; c < W.cols; c++) {
                float v = row[c];
                if (v - v != 0.0f) {   /* NaN or +-inf */
                    st = mamba__err(e, MAMBA_ERR_RANGE, "tensor %s holds %s at element %d", t->name,
                                    v != v ? "NaN" : v > 0 ? "+inf" : "-inf", (long long)(r * (size_t)W.cols + (size_t)c), 0);
                    break;
                }
            }
        }
    }
    if (row) mamba__hfree(ts->hp, row);
    return st;
}

/* The builder, the same for every format: a reader's description -> model. */
static mamba_status mamba__build(mamba_model *m, mamba__desc *d, const mamba_options *o, mamba_error *e) {
    mamba__heap *hp = &m->heap;
    mamba_status st;
    m->cfg = d->cfg;
    st = mamba__config_check(&m->cfg, e);
    if (st == MAMBA_OK) st = mamba__tensors_check_unique(&d->ts, e);
    if (st == MAMBA_OK) st = mamba__bind(m, &d->ts, d->tie_explicit, e);
    if (st == MAMBA_OK && o && o->validate_weights) st = mamba__validate(&d->ts, e);
    if (m->tmp) { mamba__hfree(hp, m->tmp); m->tmp = NULL; }
    if (st == MAMBA_OK) memcpy(m->name, d->name, sizeof m->name);
    return st;
}

/* A model allocated from a fresh heap for options o; its heap moves into it. */
static mamba_model *mamba__model_new(const mamba_options *o, mamba__desc *d, size_t *used0) {
    mamba__heap h;
    mamba_model *m;
    mamba__heap_init(&h, o);
    *used0 = h.a ? h.a->used : 0;
    memset(d, 0, sizeof *d);
    m = MAMBA__CAST(mamba_model *, mamba__hcalloc(&h, sizeof *m));
    if (m) { m->heap = h; d->ts.hp = &m->heap; }
    return m;
}

static mamba_status mamba__finish_load(mamba_model **out, mamba_model *m, mamba__desc *d, mamba_status st,
                                       size_t used0, mamba_error *e) {
    mamba_arena *a = m->heap.a;
    mamba__tensors_free(&d->ts);
    if (st != MAMBA_OK) {
        st = mamba__heap_status(&m->heap, st, e);
        mamba_model_free(m);
        if (a) a->used = used0;   /* nothing of a failed load stays in the arena */
        *out = NULL;
        return st;
    }
    mamba__heap_done(&m->heap);
    *out = m;
    return MAMBA_OK;
}

/* ---- G.2 loaders -------------------------------------------------------- */

/* The model formats, tried in order: the first reader whose claim accepts
   the bytes (or the path) reads them. See mamba__desc for the contract. */
typedef struct mamba__format {
    const char *name;
    int (*claims_memory)(const unsigned char *p, size_t n, const char *config_json);
    mamba_status (*read_memory)(mamba_model *m, mamba__desc *d, const unsigned char *p, size_t n,
                                const char *config_json, size_t config_len, const mamba_options *o, mamba_error *e);
#ifndef MAMBA_NO_STDIO
    int (*claims_path)(const char *path);
    mamba_status (*read_file)(mamba_model *m, mamba__desc *d, const char *path, const mamba_options *o, mamba_error *e);
#endif
} mamba__format;
#ifndef MAMBA_NO_STDIO
#define MAMBA__FORMAT(name, pre) {name, pre##_claims_memory, pre##_read_memory, pre##_claims_path, pre##_read_file}
#else
#define MAMBA__FORMAT(name, pre) {name, pre##_claims_memory, pre##_read_memory}
#endif
static const mamba__format mamba__formats[] = {
    MAMBA__FORMAT("GGUF", mamba__gguf),
#ifndef MAMBA_NO_SAFETENSORS
#ifndef MAMBA_NO_STDIO
    {"Mistral params.json", mamba__mistral_claims_memory, NULL, mamba__mistral_claims_path, mamba__mistral_read_file},   /* claims no memory */
#endif
    MAMBA__FORMAT("PyTorch torch.save", mamba__pt),
    MAMBA__FORMAT("safetensors", mamba__st),   /* claims every path: keep it last */
#endif
};
#undef MAMBA__FORMAT
#define MAMBA__N_FORMATS (sizeof mamba__formats / sizeof mamba__formats[0])

MAMBA_API mamba_status mamba_model_load_memory(mamba_model **out, const void *weights, size_t weights_len,
                                               const char *config_json, size_t config_len,
                                               const mamba_options *opt, mamba_error *e) {
    mamba_model *m;
    mamba__desc d;
    mamba__blob b;
    mamba_status st;
    size_t used0, f;
    mamba__err_clear(e);
    if (!out) return mamba__err(e, MAMBA_ERR_BADARG, "out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!weights) return mamba__err(e, MAMBA_ERR_BADARG, "weights is NULL", 0, 0, 0, 0);
    for (f = 0; f < MAMBA__N_FORMATS; f++)
        if (mamba__formats[f].claims_memory((const unsigned char *)weights, weights_len, config_json)) break;
    if (f == MAMBA__N_FORMATS && config_json)
        return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "no reader for these weights (safetensors is compiled out: MAMBA_NO_SAFETENSORS)", 0, 0, 0, 0);
    if (f == MAMBA__N_FORMATS)
        return mamba__err(e, MAMBA_ERR_BADARG, "config_json is NULL and the weights are not a GGUF file", 0, 0, 0, 0);
    m = mamba__model_new(opt, &d, &used0);
    if (!m) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    b.data = (const unsigned char *)weights; b.size = weights_len; b.kind = 0;
    m->heap.input = config_len;
    st = mamba__add_blob(m, &b, NULL, e);
    if (st == MAMBA_OK) st = mamba__formats[f].read_memory(m, &d, b.data, b.size, config_json, config_len, opt, e);
    if (st == MAMBA_OK) st = mamba__build(m, &d, opt, e);
    return mamba__finish_load(out, m, &d, st, used0, e);
}

#ifndef MAMBA_NO_STDIO
/* -- what a model path is (first contact) ---------------------------------
   A path that is neither .gguf nor .safetensors by name is looked at before
   config.json is joined to it: a directory is a model directory; a file
   starting with the GGUF magic is GGUF, one starting with a safetensors
   header (u64 length, '{') is safetensors, a zip (PK) is torch.save; anything else, an empty file or a
   path that cannot be opened gets a message naming the path and the reason. */
enum { MAMBA__PATH_DIR, MAMBA__PATH_GGUF, MAMBA__PATH_ST, MAMBA__PATH_PT };
#ifndef MAMBA_NO_TOKENIZER   /* used by the tokenizer file loader */
/* Appends text to the message mamba__err wrote (for a third string). */
static void mamba__append(mamba_error *e, const char *text) {
    size_t n, k;
    if (!e) return;
    n = strlen(e->message);
    k = strlen(text);
    if (n + k >= sizeof e->message) k = sizeof e->message - 1 - n;
    memcpy(e->message + n, text, k);
    e->message[n + k] = 0;
}
#endif
static mamba_status mamba__path_kind(const char *path, int *kind, mamba_error *e) {
    unsigned char head[9];
    size_t n;
    FILE *f;
#ifdef MAMBA__MMAP
    struct stat st;
    if (stat(path, &st) != 0) return mamba__err(e, MAMBA_ERR_IO, "cannot open %s: %s", path, strerror(errno), 0, 0);
    if (S_ISDIR(st.st_mode)) { *kind = MAMBA__PATH_DIR; return MAMBA_OK; }
#endif
    if (!(f = fopen(path, "rb"))) return mamba__err(e, MAMBA_ERR_IO, "cannot open %s: %s", path, strerror(errno), 0, 0);
    n = fread(head, 1, sizeof head, f);
    if (n == 0 && ferror(f)) {
        int en = errno;
        fclose(f);
        if (en == EISDIR) { *kind = MAMBA__PATH_DIR; return MAMBA_OK; }
        return mamba__err(e, MAMBA_ERR_IO, "cannot read %s: %s", path, strerror(en), 0, 0);
    }
    fclose(f);
    if (n == 0) return mamba__err(e, MAMBA_ERR_FORMAT, "%s is empty (expected a model directory, a .gguf, .safetensors or torch.save file)", path, 0, 0, 0);
    if (n >= 4 && !memcmp(head, "GGUF", 4)) { *kind = MAMBA__PATH_GGUF; return MAMBA_OK; }
    if (n >= 4 && !memcmp(head, "PK\003\004", 4)) { *kind = MAMBA__PATH_PT; return MAMBA_OK; }   /* torch.save zip */
    if (n == sizeof head && head[8] == '{' && !head[7] && !head[6] && !head[5]) { *kind = MAMBA__PATH_ST; return MAMBA_OK; }
    return mamba__err(e, MAMBA_ERR_FORMAT, "%s is not a model: expected a model directory (config.json, or Mistral's params.json), a .gguf, .safetensors or torch.save file", path, 0, 0, 0);
}

/* The index of the format called name in mamba__formats (it is there). */
static size_t mamba__format_named(const char *name) {
    size_t f = 0;
    while (f + 1 < MAMBA__N_FORMATS && strcmp(mamba__formats[f].name, name)) f++;
    return f;
}

MAMBA_API mamba_status mamba_model_load_file(mamba_model **out, const char *path, const mamba_options *opt, mamba_error *e) {
    mamba_model *m;
    mamba__desc d;
    mamba_status st;
    size_t used0, f;
    int kind = MAMBA__PATH_DIR;
    mamba__err_clear(e);
    if (!out) return mamba__err(e, MAMBA_ERR_BADARG, "out is NULL", 0, 0, 0, 0);
    *out = NULL;
    if (!path || !*path) return mamba__err(e, MAMBA_ERR_BADARG, "empty model path", 0, 0, 0, 0);
#ifdef MAMBA_NO_SAFETENSORS
    for (f = 0; f < MAMBA__N_FORMATS && !mamba__formats[f].claims_path(path); f++) {}
    if (f == MAMBA__N_FORMATS) {   /* a GGUF file by its magic whatever its name; nothing else */
        if ((st = mamba__path_kind(path, &kind, e)) != MAMBA_OK) return st;
        if (kind != MAMBA__PATH_GGUF)
            return mamba__err(e, MAMBA_ERR_UNSUPPORTED, "%s: only GGUF files can be loaded (MAMBA_NO_SAFETENSORS)", path, 0, 0, 0);
        f = mamba__format_named("GGUF");
    }
#else
    /* a GGUF or safetensors file is known by its first
       bytes whatever its name; otherwise the first claim; the fallback claim
       looks at the path first (and names what is wrong with it) */
    if (!mamba__ends_with(path, ".gguf") && !mamba__ends_with(path, ".safetensors") &&
        mamba__path_kind(path, &kind, NULL) == MAMBA_OK && (kind == MAMBA__PATH_GGUF || kind == MAMBA__PATH_ST)) {
        f = kind == MAMBA__PATH_GGUF ? mamba__format_named("GGUF") : MAMBA__N_FORMATS - 1;
    } else {
        kind = MAMBA__PATH_DIR;
        for (f = 0; f + 1 < MAMBA__N_FORMATS && !mamba__formats[f].claims_path(path); f++) {}
        if (f + 1 == MAMBA__N_FORMATS && !mamba__ends_with(path, ".safetensors")) {
            if ((st = mamba__path_kind(path, &kind, e)) != MAMBA_OK) return st;
            if (kind == MAMBA__PATH_PT) f = mamba__format_named("PyTorch torch.save");
        }
    }
#endif
    m = mamba__model_new(opt, &d, &used0);
    if (!m) return mamba__err(e, MAMBA_ERR_NOMEM, "out of memory", 0, 0, 0, 0);
    d.as_file = kind != MAMBA__PATH_DIR;   /* a weights file whatever its name */
    st = mamba__formats[f].read_file(m, &d, path, opt, e);
    if (st == MAMBA_OK) st = mamba__build(m, &d, opt, e);
    return mamba__finish_load(out, m, &d, st, used0, e);
}
#endif /* MAMBA_NO_STDIO */

#ifndef MAMBA_NO_TOKENIZER   /* the tokenizer file loader */
#ifndef MAMBA_NO_STDIO
/* A tokenizer file via mamba__slurp; an empty one counts as missing (IO, *eno 0). */
static mamba_status mamba__tok_slurp(mamba__heap *hp, const char *path, size_t limit, char **buf, size_t *len, int *eno) {
    unsigned char *b;
    int in_read;
    mamba_status st = mamba__slurp(hp, path, limit, &b, len, eno, &in_read);
    *buf = (char *)b;
    if (st == MAMBA_OK && !*len) { mamba__hfree(hp, b); *buf = NULL; *eno = 0; st = MAMBA_ERR_IO; }
    return st;
}

/* -- SentencePiece: tokenizer.model files --------------------------------- */

/* Does this file look like a protobuf ModelProto rather than JSON? */
static int mamba__spm_sniff(const char *buf, size_t len) {
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')) i++;
    if (i < len && (buf[i] == '{' || buf[i] == '[')) return 0;
    return len > 0 && buf[0] == 0x0A;
}

/* A model directory without tokenizer.json: its SentencePiece model, under
   the names Hugging Face and Mistral use. MAMBA_ERR_IO when there is none. */
static mamba_status mamba__spm_load_dir(mamba_tokenizer **out, const char *dir, const mamba_options *opt, mamba_error *err) {
    static const char *const names[] = {"tokenizer.model", "tokenizer.model.v3", "tokenizer.model.v2", "tokenizer.model.v1",
                                        "tokenizer.model.v7"};
    mamba__heap h, *hp = &h;
    size_t pl = strlen(dir), k, limit = MAMBA__OPT(opt, max_tokenizer_bytes, MAMBA__DEF_TOK_BYTES);
    char *joined;
    mamba_status st = MAMBA_ERR_IO;
    int eno;
    mamba__heap_plain(hp);
    joined = MAMBA__CAST(char *, mamba__halloc(hp, pl + 24));
    if (!joined) return mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0);
    for (k = 0; k < sizeof names / sizeof names[0] && st == MAMBA_ERR_IO; k++) {
        char *buf = NULL;
        size_t len = 0, o = pl;
        memcpy(joined, dir, pl);
        if (o && dir[o - 1] != '/') joined[o++] = '/';
        strcpy(joined + o, names[k]);
        st = mamba__tok_slurp(hp, joined, limit, &buf, &len, &eno);
        if (st == MAMBA_ERR_LIMIT) st = mamba__err(err, st, "%s is larger than the limit (max_tokenizer_bytes)", joined, 0, 0, 0);
        else if (st == MAMBA_OK) st = mamba_tokenizer_load_spm(out, buf, len, opt, err);
        if (buf) mamba__hfree(hp, buf);
    }
    mamba__hfree(hp, joined);
    return st;
}

MAMBA_API mamba_status mamba_tokenizer_load_file(mamba_tokenizer **out, const char *path, const mamba_options *opt,
                                                 mamba_error *err) {
    mamba__heap h, *hp = &h;
    char *buf = NULL, *joined = NULL;
    size_t len = 0, pl, limit = MAMBA__OPT(opt, max_tokenizer_bytes, MAMBA__DEF_TOK_BYTES);
    mamba_status st;
    int eno = 0, eno2 = 0;
    mamba__heap_plain(hp);
    mamba__err_clear(err);
    if (out) *out = NULL;
    if (!out || !path) return mamba__err(err, MAMBA_ERR_BADARG, "tokenizer: bad argument", 0, 0, 0, 0);
    pl = strlen(path);
    if (pl >= 5 && !strcmp(path + pl - 5, ".gguf")) {   /* map it: the weights may be gigabytes */
        mamba__blob b;
        st = mamba__map_file(hp, &b, path, err);
        if (st != MAMBA_OK) return st;
        st = mamba_tokenizer_load_gguf(out, b.data ? b.data : (const unsigned char *)"", b.size, opt, err);
        mamba__blob_release(hp, &b);
        return st;
    }
    if (mamba__ends_with(path, ".safetensors")) {   /* the tokenizer.json beside it */
        const char *slash = strrchr(path, '/');
        size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
        joined = MAMBA__CAST(char *, mamba__halloc(hp, dl + 15));
        if (!joined) return mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0);
        memcpy(joined, path, dl);
        memcpy(joined + dl, "tokenizer.json", 15);
        st = mamba__tok_slurp(hp, joined, limit, &buf, &len, &eno);
        if (st == MAMBA_ERR_IO) {                   /* no tokenizer.json: a tokenizer.model* beside it? */
            mamba_status s2;
            int eno_json = eno;
            joined[dl] = 0;
            s2 = mamba__spm_load_dir(out, dl ? joined : ".", opt, err);
            memcpy(joined + dl, "tokenizer.json", 15);
            eno = eno_json;
            if (s2 != MAMBA_ERR_IO) { mamba__hfree(hp, joined); return s2; }
        }
        if (st == MAMBA_ERR_IO) {
            mamba__err(err, st, eno ? "cannot open %s (the tokenizer beside %s): " : "%s (the tokenizer beside %s) is empty", joined, path, 0, 0);
            if (eno) mamba__append(err, strerror(eno));
            mamba__hfree(hp, joined);
            return st;
        }
    } else st = mamba__tok_slurp(hp, path, limit, &buf, &len, &eno);
    if (st == MAMBA_OK && len >= 4 && !memcmp(buf, "GGUF", 4)) {   /* a GGUF file: its metadata */
        st = mamba_tokenizer_load_gguf(out, buf, len, opt, err);
        mamba__hfree(hp, buf);
        return st;
    }
    if (st == MAMBA_OK && mamba__spm_sniff(buf, len)) {   /* a SentencePiece tokenizer.model (protobuf) */
        st = mamba_tokenizer_load_spm(out, buf, len, opt, err);
        mamba__hfree(hp, buf);
        return st;
    }
    if (st == MAMBA_ERR_IO && !joined) {      /* a directory (or nothing): try DIR/tokenizer.json */
        pl = strlen(path);
        joined = MAMBA__CAST(char *, mamba__halloc(hp, pl + 16));
        if (!joined) return mamba__err(err, MAMBA_ERR_NOMEM, "tokenizer: out of memory", 0, 0, 0, 0);
        memcpy(joined, path, pl);
        if (pl && path[pl - 1] != '/') joined[pl++] = '/';
        memcpy(joined + pl, "tokenizer.json", 15);
        st = mamba__tok_slurp(hp, joined, limit, &buf, &len, &eno2);
        if (st == MAMBA_ERR_IO && (st = mamba__spm_load_dir(out, path, opt, err)) != MAMBA_ERR_IO) {   /* DIR/tokenizer.model* */
            mamba__hfree(hp, joined);
            return st;
        }
        if (st == MAMBA_ERR_IO) {
            if (eno == EISDIR) {   /* a directory: what is wrong with its tokenizer.json */
                mamba__err(err, st, eno2 ? "cannot read %s: " : "%s is empty", joined, 0, 0, 0);
                if (eno2) mamba__append(err, strerror(eno2));
            } else if (eno) {
                mamba__err(err, st, "cannot read %s: ", path, 0, 0, 0);
                mamba__append(err, strerror(eno));
            } else mamba__err(err, st, "%s is empty (expected a tokenizer.json, a .gguf file or a model directory)", path, 0, 0, 0);
            mamba__hfree(hp, joined);
            return st;
        }
    }
    if (st == MAMBA_ERR_LIMIT) st = mamba__err(err, st, "%s is larger than the limit (max_tokenizer_bytes)", joined ? joined : path, 0, 0, 0);
    else if (st != MAMBA_OK) st = mamba__err(err, st, "out of memory reading %s", path, 0, 0, 0);
#ifndef MAMBA_NO_SAFETENSORS
    else st = mamba_tokenizer_load_json(out, buf, len, opt, err);
#else
    else st = mamba__err(err, MAMBA_ERR_UNSUPPORTED, "%s: tokenizer.json support is compiled out (MAMBA_NO_SAFETENSORS)", joined ? joined : path, 0, 0, 0);
#endif
    if (buf) mamba__hfree(hp, buf);
    if (joined) mamba__hfree(hp, joined);
    return st;
}
#endif /* MAMBA_NO_STDIO */
#endif /* MAMBA_NO_TOKENIZER */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#elif defined(__clang__)
#pragma STDC FP_CONTRACT DEFAULT
#endif

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

