/* mamba-bench: speed of mamba.h measured against this machine's own limits.

   build/mamba-bench [--quick] [--big] [--decode N] [--long N] [--dtype LIST] [--serve] [--help]

   Everything is measured in the same run, so the ratios mean something on a
   noisy machine even when the absolute numbers move:
   - machine limits, measured at the start, after every model and at the end
     (interleaved with the model runs; the best of them is the in-run limit):
     read bandwidth (1 and 2 threads, STREAM-style reads of one stream and of 8
     side by side, the faster), peak FMA
     rate (12 independent FMA chains held in registers per thread) and peak
     int8 multiply-add rate (12 chains of the integer dot instruction the
     quantized kernels use: VNNI dpbusd, or AVX2 maddubs+madd, or NEON);
     a fraction of a limit above 100 % means the limit was measured low
     (noise) and is printed with "noise";
   - kernels: each vector kernel's speed-up over its scalar twin (1 thread);
   - models: random weights of real shapes (mamba-130m, mamba-1.4b; with --big
     also falcon-mamba-7b in BF16), built in memory as safetensors bytes and
     loaded with mamba_model_load_memory; F32, BF16 and F16, and Q8_0, Q4_0,
     Q4_K, Q6_K (the BF16 model with every projection and the lm_head quantized
     in memory where the row length allows; --dtype picks, e.g. F16,Q4_0); 1 and 2 threads: decode tok/s
     and bandwidth use (= weight bytes read per token x tok/s / bandwidth),
     prefill tok/s for a 512-token prompt and its GFLOP/s (GOP/s of int8
     multiply-adds for the quantized types) as a fraction of the peak;
   - a busy core: 2-thread decode while a busy-loop child process (started
     and ended by the benchmark) is pinned to one core, over 1-thread decode
     without it (bundled model and 130m shape);
   - a long generation: per-token time at token 1,000 and at token 100,000 and
     the state bytes at both.
   - serving: aggregate decode tok/s of B = 1..64 sequences in one batched
     call per step (130m and 1.4b; F32, Q8_0, Q4_0), state bytes per sequence,
     and a prefix-cache hit's time to first token (--serve: this part only).
   The last line is key=value pairs for scripts (--help explains each).
   --help: usage on stdout, exit 0; a bad argument: usage on stderr, exit 2.
   --quick (under 30 s on an idle 2-core machine): the 130m shape only, a
   128-token prompt and half the decode steps, the model table in F32, BF16,
   F16, Q8_0, Q4_0, Q4_K and Q6_K (the other eight quantized types are in the
   kernel table; --dtype names them), prefill at the highest thread count only, a short long run (tokens ~100 vs ~500), a 512-token prefix
   hit, batched decode of Q8_0 only at B = 1, 4, 16 in shorter runs. No test
   depends on it. */
#if !defined(_WIN32)
#define _GNU_SOURCE 1   /* sched_setaffinity for the busy-core child */
#endif
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define BENCH_HAVE_FORK 1
#endif
#if defined(__linux__)
#include <sched.h>
#endif

/* the benchmark's prompts and first tokens: token i of a fixed pseudo-random
   sequence, spread over the vocabulary */
static int synth_token(int i, int vocab) { return (int)(((unsigned)i * 7919u + 13u) % (unsigned)vocab); }

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Where the run's time goes: wall and process CPU seconds since the last
   call, one line on stderr per phase (the progress lines). */
static void phase(const char *what) {
    static double w0 = -1, c0;
    double w = now_s(), c = (double)clock() / CLOCKS_PER_SEC;
    if (w0 >= 0 && what) fprintf(stderr, "  [phase] %-28s wall %6.2f s  cpu %6.2f s\n", what, w - w0, c - c0);
    w0 = w; c0 = c;
}

static void set_threads(int n) {
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}
static int max_threads(void) {
#if defined(_OPENMP) && !defined(MAMBA_NO_OPENMP)
    return omp_get_num_procs() < 2 ? 1 : 2;
#else
    return 1;
#endif
}

static uint64_t rng = 88172645463325252ull;
static float frand(void) {   /* uniform in [-1, 1) */
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)(rng >> 40) / 8388608.0f - 1.0f;
}
static uint16_t to_bf16(float f) { uint32_t u; memcpy(&u, &f, 4); return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16); }

/* ---- machine limits ------------------------------------------------------- */

/* Read bandwidth: sum the buffer (256 MiB of floats, allocated and paged in
   once) with vector loads into eight independent accumulators (so neither
   latency nor the core limits it), each thread a contiguous part, in two
   patterns: one stream (256 KiB blocks in order) and 8 streams (each 2 MiB
   piece as 8 blocks of 256 KiB read side by side, as the decode kernels
   read 4 or 8 rows at once). The best of `reps` of each: on this project's
   VM one stream read 12.5 GB/s in a run where the 8-row F32 decode streamed
   14.9, so a one-stream probe alone put decode above 100 % of "the limit". */
static float *bw_buf;
static size_t bw_n;
static double read_pattern(size_t n, const float *buf, int streams) {
    float total = 0;
    double t0 = now_s();
    size_t i;
    volatile float sink;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static) reduction(+ : total)
#endif
    for (i = 0; i < n; i += (size_t)8 << 16) {   /* 2 MiB pieces */
        size_t j, k;
        for (k = 0; k < 8; k += (size_t)(streams > 1 ? 8 : 1)) {
            const float *b0 = buf + i + (k << 16);
            const size_t sb = streams > 1 ? (size_t)1 << 16 : 0, blk = (size_t)1 << 16;   /* 256 KiB */
#ifdef MAMBA__SIMD
            mamba__v a0 = MAMBA__VSET1(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            float out[MAMBA__EPR];
            if (streams > 1)
                for (j = 0; j < blk; j += MAMBA__EPR) {   /* 8 blocks side by side */
                    a0 = MAMBA__VADD(a0, MAMBA__VLOAD(b0 + j));
                    a1 = MAMBA__VADD(a1, MAMBA__VLOAD(b0 + sb + j));
                    a2 = MAMBA__VADD(a2, MAMBA__VLOAD(b0 + 2 * sb + j));
                    a3 = MAMBA__VADD(a3, MAMBA__VLOAD(b0 + 3 * sb + j));
                    a4 = MAMBA__VADD(a4, MAMBA__VLOAD(b0 + 4 * sb + j));
                    a5 = MAMBA__VADD(a5, MAMBA__VLOAD(b0 + 5 * sb + j));
                    a6 = MAMBA__VADD(a6, MAMBA__VLOAD(b0 + 6 * sb + j));
                    a7 = MAMBA__VADD(a7, MAMBA__VLOAD(b0 + 7 * sb + j));
                }
            else
                for (j = 0; j < blk; j += 8 * MAMBA__EPR) {   /* one block in order */
                    a0 = MAMBA__VADD(a0, MAMBA__VLOAD(b0 + j));
                    a1 = MAMBA__VADD(a1, MAMBA__VLOAD(b0 + j + MAMBA__EPR));
                    a2 = MAMBA__VADD(a2, MAMBA__VLOAD(b0 + j + 2 * MAMBA__EPR));
                    a3 = MAMBA__VADD(a3, MAMBA__VLOAD(b0 + j + 3 * MAMBA__EPR));
                    a4 = MAMBA__VADD(a4, MAMBA__VLOAD(b0 + j + 4 * MAMBA__EPR));
                    a5 = MAMBA__VADD(a5, MAMBA__VLOAD(b0 + j + 5 * MAMBA__EPR));
                    a6 = MAMBA__VADD(a6, MAMBA__VLOAD(b0 + j + 6 * MAMBA__EPR));
                    a7 = MAMBA__VADD(a7, MAMBA__VLOAD(b0 + j + 7 * MAMBA__EPR));
                }
            a0 = MAMBA__VADD(MAMBA__VADD(MAMBA__VADD(a0, a1), MAMBA__VADD(a2, a3)), MAMBA__VADD(MAMBA__VADD(a4, a5), MAMBA__VADD(a6, a7)));
            MAMBA__VSTORE(out, a0);
            total += out[0];
#else
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            if (streams > 1)
                for (j = 0; j < blk; j++) { s0 += b0[j] + b0[sb + j]; s1 += b0[2 * sb + j] + b0[3 * sb + j]; s2 += b0[4 * sb + j] + b0[5 * sb + j]; s3 += b0[6 * sb + j] + b0[7 * sb + j]; }
            else
                for (j = 0; j < blk; j += 4) { s0 += b0[j]; s1 += b0[j + 1]; s2 += b0[j + 2]; s3 += b0[j + 3]; }
            total += s0 + s1 + s2 + s3;
#endif
        }
    }
    sink = total;
    (void)sink;
    return n * sizeof(float) / (now_s() - t0);
}
/* the best of `reps` rounds, each round both patterns */
static double read_bandwidth(int threads, int reps) {
    double best = 0, v;
    int r, p;
    if (!bw_buf) {
        size_t i;
        bw_n = (size_t)64 << 20;
        bw_buf = (float *)malloc(bw_n * sizeof(float));
        if (!bw_buf) return 0;
#if defined(_OPENMP)
#pragma omp parallel for schedule(static)
#endif
        for (i = 0; i < bw_n; i++) bw_buf[i] = (float)(i & 1023);
    }
    set_threads(threads);
    for (r = 0; r < reps; r++)
        for (p = 0; p < 2; p++) {
            v = read_pattern(bw_n, bw_buf, p ? 8 : 1);
            if (v > best) best = v;
        }
    return best;
}

/* Twelve independent chains, each a plain local variable (so they stay in
   registers: an array indexed in a loop went through memory at -O2 and
   measured a quarter of the real rate). OP(a) is one step of chain a. */
#define BENCH_CHAINS12(OP) do { OP(a0); OP(a1); OP(a2); OP(a3); OP(a4); OP(a5); OP(a6); OP(a7); OP(a8); OP(a9); OP(a10); OP(a11); } while (0)

/* Peak FMA rate per thread: 12 chains of vector FMAs (12 >= latency x ports
   on current x86 and Arm cores), counted as 2 FLOPs per lane. */
static double peak_flops_thread(long iters) {
#ifdef MAMBA__SIMD
    mamba__v a0 = MAMBA__VSET1(0.5f), a1 = MAMBA__VSET1(1.0f), a2 = MAMBA__VSET1(1.5f), a3 = MAMBA__VSET1(2.0f),
             a4 = MAMBA__VSET1(2.5f), a5 = MAMBA__VSET1(3.0f), a6 = MAMBA__VSET1(3.5f), a7 = MAMBA__VSET1(4.0f),
             a8 = MAMBA__VSET1(4.5f), a9 = MAMBA__VSET1(5.0f), a10 = MAMBA__VSET1(5.5f), a11 = MAMBA__VSET1(6.0f);
    mamba__v m = MAMBA__VSET1(0.999999f), c = MAMBA__VSET1(1e-7f);
    float out[MAMBA__EPR];
    long i;
#define BENCH_FMA(a) a = MAMBA__VFMA(a, m, c)
    for (i = 0; i < iters; i++) BENCH_CHAINS12(BENCH_FMA);
#undef BENCH_FMA
    a0 = MAMBA__VADD(MAMBA__VADD(MAMBA__VADD(a0, a1), MAMBA__VADD(a2, a3)), MAMBA__VADD(MAMBA__VADD(a4, a5), MAMBA__VADD(a6, a7)));
    a0 = MAMBA__VADD(a0, MAMBA__VADD(MAMBA__VADD(a8, a9), MAMBA__VADD(a10, a11)));
    MAMBA__VSTORE(out, a0);
    return (double)out[0];
#else
    float a0 = 0.5f, a1 = 1, a2 = 1.5f, a3 = 2, a4 = 2.5f, a5 = 3, a6 = 3.5f, a7 = 4, a8 = 4.5f, a9 = 5, a10 = 5.5f, a11 = 6;
    long i;
#define BENCH_FMA(a) a = a * 0.999999f + 1e-7f
    for (i = 0; i < iters; i++) BENCH_CHAINS12(BENCH_FMA);
#undef BENCH_FMA
    return (double)(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
#endif
}
static double bench_flop_lanes(void) {
#ifdef MAMBA__SIMD
    return MAMBA__EPR;
#else
    return 1;
#endif
}

/* Peak int8 multiply-add rate per thread, with the instruction the quantized
   kernels use (MAMBA__QDOT_NAME): 12 chains; returns the sum (to keep it),
   *macs_per_iter the int8 multiply-adds of one iteration. With AVX-512 VNNI
   also a 512-bit variant (wide = 1), the machine's own int8 peak. */
#if defined(__AVX512VNNI__) && defined(__AVX512F__) && !defined(MAMBA_NO_SIMD)
#define BENCH_HAVE_I8_512 1
#endif
static double peak_int8_thread(long iters, int wide, double *macs_per_iter) {
#if defined(MAMBA__QDOT_V) && (defined(__x86_64__) || defined(__i386__) || defined(_M_X64))
    long i;
    int32_t out[16];
    double t = 0;
    int k;
#ifdef BENCH_HAVE_I8_512
    if (wide) {
        __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-5);
        __m512i a0 = _mm512_set1_epi32(0), a1 = _mm512_set1_epi32(1), a2 = _mm512_set1_epi32(2), a3 = _mm512_set1_epi32(3),
                a4 = _mm512_set1_epi32(4), a5 = _mm512_set1_epi32(5), a6 = _mm512_set1_epi32(6), a7 = _mm512_set1_epi32(7),
                a8 = _mm512_set1_epi32(8), a9 = _mm512_set1_epi32(9), a10 = _mm512_set1_epi32(10), a11 = _mm512_set1_epi32(11);
#define BENCH_I8(a) a = _mm512_dpbusd_epi32(a, u, s)
        for (i = 0; i < iters; i++) BENCH_CHAINS12(BENCH_I8);
#undef BENCH_I8
        a0 = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)), _mm512_add_epi32(_mm512_add_epi32(a4, a5), _mm512_add_epi32(a6, a7)));
        a0 = _mm512_add_epi32(a0, _mm512_add_epi32(_mm512_add_epi32(a8, a9), _mm512_add_epi32(a10, a11)));
        _mm512_storeu_si512((void *)out, a0);
        *macs_per_iter = 12.0 * 64;
        for (k = 0; k < 16; k++) t += out[k];
        return t;
    }
#else
    (void)wide;
#endif
    {
        __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-5), ones = _mm256_set1_epi16(1);
        __m256i a0 = _mm256_set1_epi32(0), a1 = _mm256_set1_epi32(1), a2 = _mm256_set1_epi32(2), a3 = _mm256_set1_epi32(3),
                a4 = _mm256_set1_epi32(4), a5 = _mm256_set1_epi32(5), a6 = _mm256_set1_epi32(6), a7 = _mm256_set1_epi32(7),
                a8 = _mm256_set1_epi32(8), a9 = _mm256_set1_epi32(9), a10 = _mm256_set1_epi32(10), a11 = _mm256_set1_epi32(11);
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define BENCH_I8(a) a = _mm256_dpbusd_epi32(a, u, s)
#elif defined(__AVXVNNI__)
#define BENCH_I8(a) a = _mm256_dpbusd_avx_epi32(a, u, s)
#else
#define BENCH_I8(a) a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones))
#endif
        for (i = 0; i < iters; i++) BENCH_CHAINS12(BENCH_I8);
#undef BENCH_I8
        a0 = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)), _mm256_add_epi32(_mm256_add_epi32(a4, a5), _mm256_add_epi32(a6, a7)));
        a0 = _mm256_add_epi32(a0, _mm256_add_epi32(_mm256_add_epi32(a8, a9), _mm256_add_epi32(a10, a11)));
        _mm256_storeu_si256((__m256i *)(void *)out, a0);
        (void)ones;
        *macs_per_iter = 12.0 * 32;
        for (k = 0; k < 8; k++) t += out[k];
        return t;
    }
#elif defined(MAMBA__QDOT_V) && defined(__aarch64__)
    long i;
    int8x16_t u = vdupq_n_s8(3), s = vdupq_n_s8(-5);
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    (void)wide;
#define BENCH_I8(a) a = mamba__dot16_neon(a, u, s)
    for (i = 0; i < iters; i++) BENCH_CHAINS12(BENCH_I8);
#undef BENCH_I8
    *macs_per_iter = 12.0 * 16;
    return (double)vaddvq_s32(vaddq_s32(vaddq_s32(vaddq_s32(a0, a1), vaddq_s32(a2, a3)), vaddq_s32(vaddq_s32(vaddq_s32(a4, a5), vaddq_s32(a6, a7)), vaddq_s32(vaddq_s32(a8, a9), vaddq_s32(a10, a11)))));
#else
    long i;
    int32_t a0 = 0, a1 = 1, a2 = 2, a3 = 3, a4 = 4, a5 = 5, a6 = 6, a7 = 7, a8 = 8, a9 = 9, a10 = 10, a11 = 11;
    volatile int32_t vs = -5;
    int32_t s = vs;
    (void)wide;
#define BENCH_I8(a) a += 3 * s
    for (i = 0; i < iters; i++) BENCH_CHAINS12(BENCH_I8);
#undef BENCH_I8
    *macs_per_iter = 12.0;
    return (double)(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
#endif
}

/* Best-of-3 rate of `threads` threads each running fn; kind 0: FMA (FLOP/s),
   1: int8 at the kernels' width, 2: int8 512-bit (op/s = 2 per multiply-add). */
static double peak_rate(int threads, int kind, long iters) {
    double best = 0;
    int r;
    set_threads(threads);
    for (r = 0; r < 3; r++) {
        double t0 = now_s(), dt, total = 0, per_iter = 12.0 * bench_flop_lanes();
#if defined(_OPENMP)
#pragma omp parallel reduction(+ : total)
#endif
        {
            double mpi = 0, v = kind == 0 ? peak_flops_thread(iters) : peak_int8_thread(iters, kind == 2, &mpi);
            total += v;
#if defined(_OPENMP)
#pragma omp master
#endif
            if (kind) per_iter = mpi;
        }
        dt = now_s() - t0;
        if (2.0 * per_iter * (double)iters * threads / dt > best && total == total) best = 2.0 * per_iter * (double)iters * threads / dt;
    }
    return best;
}

/* The in-run limits: the best of every probe so far, per thread count. */
typedef struct { double bw, flops, i8, i8w; int probes; } limits;
static limits lim[3];
static void probe_limits(int nthr, int quick) {
    int ti;
    for (ti = 1; ti <= nthr; ti++) {
        double v;
        limits *l = &lim[ti];
        v = read_bandwidth(ti, quick ? 2 : 3); if (v > l->bw) l->bw = v;
        v = peak_rate(ti, 0, 2000000); if (v > l->flops) l->flops = v;
        v = peak_rate(ti, 1, 2000000); if (v > l->i8) l->i8 = v;
#ifdef BENCH_HAVE_I8_512
        v = peak_rate(ti, 2, 2000000); if (v > l->i8w) l->i8w = v;
#endif
        if (l->i8w < l->i8) l->i8w = l->i8;
        l->probes++;
    }
}
/* "12.3%" or "103.2% noise" */
static const char *frac_str(double f, char *buf) {
    sprintf(buf, "%5.1f%%%s", 100 * f, f > 1.0 ? " noise" : "");
    return buf;
}

/* ---- kernel speed-ups (1 thread) ---------------------------------------- */

typedef struct { const char *name; double scalar, vector; } kspeed;

static double time_it(void (*fn)(void *), void *arg, double min_s) {
    int reps = 0;
    double t0 = now_s(), dt;
    do { fn(arg); reps++; dt = now_s() - t0; } while (dt < min_s);
    return dt / reps;
}

typedef struct {
    mamba__mat W; float *x, *y, *rowbuf, *X, *Y;
    unsigned char *qbuf;
    float *h, *A, *dt, *B, *C, *D, *z, *w, *win, *e;
    int E, N, T, n;
} kargs;
static void k_matvec_ref(void *p) { kargs *a = (kargs *)p; mamba__matvec_ref(a->y, &a->W, NULL, a->x, a->rowbuf); }
static void k_matvec(void *p) { kargs *a = (kargs *)p; mamba__linear(a->y, a->W.rows, &a->W, NULL, a->x, a->W.cols, 1, a->rowbuf, a->qbuf); }
static void k_matmul_ref(void *p) { kargs *a = (kargs *)p; mamba__matmul_ref(a->Y, a->W.rows, &a->W, NULL, a->X, a->W.cols, a->T, a->rowbuf); }
static void k_matmul(void *p) { kargs *a = (kargs *)p; mamba__linear(a->Y, a->W.rows, &a->W, NULL, a->X, a->W.cols, a->T, a->rowbuf, a->qbuf); }
/* quantized matvec, scalar twin: the same activation quantization, then mamba__qdot_ref per row */
static void k_qmatvec_ref(void *p) {
    kargs *a = (kargs *)p;
    int r;
    size_t rb = mamba__row_bytes(a->W.dtype, (size_t)a->W.cols);
    mamba__qact q;
    mamba__quantize_act(a->x, a->W.cols, mamba__block_elems(a->W.dtype), a->qbuf);
    mamba__qact_at(a->qbuf, (size_t)a->W.cols, &q);
    for (r = 0; r < a->W.rows; r++) a->y[r] = mamba__qdot_ref((const unsigned char *)a->W.data + rb * (size_t)r, a->W.dtype, &q, a->W.cols);
}
/* quantized matmul (T tokens), scalar twin: per-token quantization, then mamba__qdot_ref per (row, token) */
static void k_qmatmul_ref(void *p) {
    kargs *a = (kargs *)p;
    int r, t;
    size_t rb = mamba__row_bytes(a->W.dtype, (size_t)a->W.cols), qs = mamba__qact_bytes((size_t)a->W.cols);
    for (t = 0; t < a->T; t++) mamba__quantize_act(a->X + (size_t)t * a->W.cols, a->W.cols, mamba__block_elems(a->W.dtype), a->qbuf + qs * t);
    for (r = 0; r < a->W.rows; r++)
        for (t = 0; t < a->T; t++) {
            mamba__qact q;
            mamba__qact_at(a->qbuf + qs * t, (size_t)a->W.cols, &q);
            a->Y[(size_t)t * a->W.rows + r] = mamba__qdot_ref((const unsigned char *)a->W.data + rb * (size_t)r, a->W.dtype, &q, a->W.cols);
        }
}
static void k_scan_ref(void *p) { kargs *a = (kargs *)p; mamba__scan_step_ref(a->y, a->h, a->x, a->dt, a->A, a->B, a->C, a->D, a->z, a->E, a->N, 0, a->E); }
static void k_scan(void *p) { kargs *a = (kargs *)p; mamba__scan_step(a->y, a->h, a->x, a->dt, a->A, a->B, a->C, a->D, a->z, a->E, a->N, 0, a->E); }
static void k_conv_ref(void *p) { kargs *a = (kargs *)p; mamba__conv_step_ref(a->y, a->win, a->x, a->w, a->D, a->E, 4); }
static void k_conv(void *p) { kargs *a = (kargs *)p; mamba__conv_step(a->y, a->win, a->x, a->w, a->D, a->E, 4); }
static void k_norm_ref(void *p) { kargs *a = (kargs *)p; mamba__rmsnorm_ref(a->y, a->x, a->D, a->E, 1e-5f); }
static void k_norm(void *p) { kargs *a = (kargs *)p; mamba__rmsnorm(a->y, a->x, a->D, a->E, 1e-5f); }
static void k_exp_ref(void *p) { kargs *a = (kargs *)p; int i; for (i = 0; i < a->n; i++) a->y[i] = expf(a->e[i]); }
static void k_exp(void *p) {
#ifdef MAMBA__SIMD
    kargs *a = (kargs *)p;
    int i;
    for (i = 0; i + MAMBA__EPR <= a->n; i += MAMBA__EPR) MAMBA__VSTORE(a->y + i, mamba__vexp(MAMBA__VLOAD(a->e + i)));
#else
    k_exp_ref(p);
#endif
}

static void quant_row(const float *x, int n, int dt, unsigned char *o);

static int kernel_speedups(kspeed *out, double min_s) {
    kargs a;
    int n = 0, i, E = 1536, N = 16, D = 768;
    float *wf;
    uint16_t *wb;
    memset(&a, 0, sizeof a);
    a.E = E; a.N = N; a.T = 64; a.n = E * N;
    wf = (float *)malloc(sizeof(float) * 2 * E * D);
    wb = (uint16_t *)malloc(2 * (size_t)2 * E * D);
    for (i = 0; i < 2 * E * D; i++) { wf[i] = 0.05f * frand(); wb[i] = to_bf16(wf[i]); }
#define ALLOC(p, cnt) do { int q_; p = (float *)malloc(sizeof(float) * (size_t)(cnt)); for (q_ = 0; q_ < (cnt); q_++) p[q_] = frand(); } while (0)
    ALLOC(a.x, 2 * E); ALLOC(a.y, E * N); ALLOC(a.rowbuf, 2 * E); ALLOC(a.X, 64 * D); ALLOC(a.Y, 64 * 2 * E);
    ALLOC(a.h, E * N); ALLOC(a.A, E * N); ALLOC(a.dt, E); ALLOC(a.B, N); ALLOC(a.C, N); ALLOC(a.D, E);
    ALLOC(a.z, E); ALLOC(a.w, 4 * E); ALLOC(a.win, 3 * E); ALLOC(a.e, E * N);
    for (i = 0; i < E * N; i++) { a.A[i] = -expf(2 * a.A[i] + 1); a.e[i] = 30 * a.e[i] - 10; }
    for (i = 0; i < E; i++) a.dt[i] = 0.05f * (a.dt[i] + 1.1f);
    set_threads(1);
    a.W.data = wf; a.W.dtype = MAMBA_DTYPE_F32; a.W.rows = 2 * E; a.W.cols = D;
#define MEASURE(label, ref, vec) do { out[n].name = label; out[n].scalar = time_it(ref, &a, min_s); out[n].vector = time_it(vec, &a, min_s); n++; } while (0)
    MEASURE("matvec F32 3072x768", k_matvec_ref, k_matvec);
    MEASURE("matmul F32 3072x768 x64", k_matmul_ref, k_matmul);
    a.W.data = wb; a.W.dtype = MAMBA_DTYPE_BF16;
    MEASURE("matvec BF16 3072x768", k_matvec_ref, k_matvec);
    MEASURE("matmul BF16 3072x768 x64", k_matmul_ref, k_matmul);
    {   /* quantized matvec: scalar integer twin vs vector (and the dequantize-then-f32 oracle) */
        static const int qd[] = {MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0, MAMBA_DTYPE_Q4_K, MAMBA_DTYPE_Q6_K, MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0,
                                 MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL, MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_IQ4_XS};
        static const char *const qn[] = {"matvec Q8_0 3072x768", "matvec Q4_0 3072x768", "matvec Q4_K 3072x768", "matvec Q6_K 3072x768",
                                         "matvec Q4_1 3072x768", "matvec Q5_0 3072x768", "matvec Q5_1 3072x768", "matvec IQ4_NL 3072x768",
                                         "matvec Q2_K 3072x768", "matvec Q3_K 3072x768", "matvec Q5_K 3072x768", "matvec IQ4_XS 3072x768"};
        static const char *const qm[] = {"matmul Q8_0 3072x768 x64", "matmul Q4_0 3072x768 x64", "matmul Q4_K 3072x768 x64", "matmul Q6_K 3072x768 x64",
                                         "matmul Q4_1 3072x768 x64", "matmul Q5_0 3072x768 x64", "matmul Q5_1 3072x768 x64", "matmul IQ4_NL 3072x768 x64",
                                         "matmul Q2_K 3072x768 x64", "matmul Q3_K 3072x768 x64", "matmul Q5_K 3072x768 x64", "matmul IQ4_XS 3072x768 x64"};
        unsigned char *qw = (unsigned char *)malloc(mamba__row_bytes(MAMBA_DTYPE_Q8_0, (size_t)D) * 2 * (size_t)E);
        int q, r;
        a.qbuf = (unsigned char *)malloc(mamba__qbuf_bytes((size_t)D, 64));
        for (q = 0; q < (int)(sizeof qd / sizeof qd[0]); q++) {
            size_t rb = mamba__row_bytes(qd[q], (size_t)D);
            for (r = 0; r < 2 * E; r++) quant_row(wf + (size_t)r * D, D, qd[q], qw + rb * (size_t)r);
            a.W.data = qw; a.W.dtype = qd[q];
            MEASURE(qn[q], k_qmatvec_ref, k_matvec);
            MEASURE(qm[q], k_qmatmul_ref, k_matmul);
        }
        a.W.data = wb; a.W.dtype = MAMBA_DTYPE_BF16;
        free(qw);
        free(a.qbuf);
    }
    MEASURE("scan step E=1536 N=16", k_scan_ref, k_scan);
    MEASURE("conv step E=1536 K=4", k_conv_ref, k_conv);
    MEASURE("rmsnorm 1536", k_norm_ref, k_norm);
    MEASURE("exp x24576", k_exp_ref, k_exp);
    free(wf); free(wb); free(a.x); free(a.y); free(a.rowbuf); free(a.X); free(a.Y); free(a.h); free(a.A);
    free(a.dt); free(a.B); free(a.C); free(a.D); free(a.z); free(a.w); free(a.win); free(a.e);
    return n;
}

/* ---- models ------------------------------------------------------------- */

typedef struct { const char *name; int d_model, n_layer, vocab; const char *arch; } shape;
/* the model shapes the benchmark runs (the 7B with --big only) */
static const shape bench_shapes[3] = {{"mamba-130m", 768, 24, 50280, "mamba"}, {"mamba-1.4b", 2048, 48, 50280, "mamba"},
                                      {"falcon-mamba-7b", 4096, 64, 65024, "falcon_mamba"}};

static uint16_t to_f16(float f);
/* A safetensors blob of random weights for `s`, the matrices in F32 (half 0),
   BF16 (1) or F16 (2); A_log and the per-channel vectors stay F32 as in real
   checkpoints. */
static unsigned char *build_model_new(const shape *s, int half, size_t *out_n, char *cfg) {
    int D = s->d_model, L = s->n_layer, V = s->vocab, E = 2 * D, N = 16, K = 4, R = (D + 15) / 16, l, k;
    int falcon = !strcmp(s->arch, "falcon_mamba");
    char *hdr = (char *)malloc((size_t)L * 2048 + 4096);
    size_t hl = 0, off = 0, total, i;
    unsigned char *blob, *p;
    struct { char name[96]; size_t numel; int mat; float scale, offset; } *t;
    int nt = 0;
    t = calloc((size_t)L * 12 + 4, sizeof *t);
#define T_ADD(nm, cnt, ismat, sc, of) do { strcpy(t[nt].name, nm); t[nt].numel = (cnt); t[nt].mat = ismat; t[nt].scale = sc; t[nt].offset = of; nt++; } while (0)
    T_ADD("backbone.embeddings.weight", (size_t)V * D, 1, 1.0f, 0);
    for (l = 0; l < L; l++) {
        char nm[96];
#define L_ADD(suffix, cnt, ismat, sc, of) do { sprintf(nm, "backbone.layers.%d.%s", l, suffix); T_ADD(nm, cnt, ismat, sc, of); } while (0)
        L_ADD("norm.weight", (size_t)D, 0, 0.1f, 1.0f);
        L_ADD("mixer.in_proj.weight", (size_t)2 * E * D, 1, 1.7f / sqrtf((float)D), 0);
        L_ADD("mixer.conv1d.weight", (size_t)E * K, 0, 0.5f, 0);
        L_ADD("mixer.conv1d.bias", (size_t)E, 0, 0.1f, 0);
        L_ADD("mixer.x_proj.weight", (size_t)(R + 2 * N) * E, 1, 1.7f / sqrtf((float)E), 0);
        L_ADD("mixer.dt_proj.weight", (size_t)E * R, 1, 1.7f / sqrtf((float)R), 0);
        L_ADD("mixer.dt_proj.bias", (size_t)E, 0, 1.0f, -4.0f);
        L_ADD("mixer.A_log", (size_t)E * N, 0, 1.0f, 1.5f);
        L_ADD("mixer.D", (size_t)E, 0, 0.1f, 1.0f);
        L_ADD("mixer.out_proj.weight", (size_t)D * E, 1, 0.5f / sqrtf((float)E), 0);
    }
    T_ADD("backbone.norm_f.weight", (size_t)D, 0, 0.1f, 1.0f);
    T_ADD("lm_head.weight", (size_t)V * D, 1, 1.0f / sqrtf((float)D), 0);
    hl += (size_t)sprintf(hdr + hl, "{");
    for (k = 0; k < nt; k++) {
        size_t bytes = t[k].numel * (t[k].mat && half ? 2 : 4);
        const char *nm = t[k].name;
        int is_conv = strstr(nm, "conv1d.weight") != NULL, is_mat = t[k].mat;
        char shp[64];
        if (!strcmp(nm, "backbone.embeddings.weight") || !strcmp(nm, "lm_head.weight")) sprintf(shp, "%d,%d", V, D);
        else if (strstr(nm, "in_proj")) sprintf(shp, "%d,%d", 2 * E, D);
        else if (strstr(nm, "x_proj")) sprintf(shp, "%d,%d", R + 2 * N, E);
        else if (strstr(nm, "dt_proj.weight")) sprintf(shp, "%d,%d", E, R);
        else if (strstr(nm, "out_proj")) sprintf(shp, "%d,%d", D, E);
        else if (strstr(nm, "A_log")) sprintf(shp, "%d,%d", E, N);
        else if (is_conv) sprintf(shp, "%d,1,%d", E, K);
        else sprintf(shp, "%zu", t[k].numel);
        hl += (size_t)sprintf(hdr + hl, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],\"data_offsets\":[%zu,%zu]}",
                              k ? "," : "", nm, is_mat && half ? (half == 1 ? "BF16" : "F16") : "F32", shp, off, off + bytes);
        off += bytes;
    }
    hl += (size_t)sprintf(hdr + hl, "}");
    while (hl % 8) hdr[hl++] = ' ';
    total = 8 + hl + off;
    blob = (unsigned char *)malloc(total);
    if (!blob) { free(hdr); free(t); return NULL; }
    for (k = 0; k < 8; k++) blob[k] = (unsigned char)((uint64_t)hl >> (8 * k));
    memcpy(blob + 8, hdr, hl);
    p = blob + 8 + hl;
    for (k = 0; k < nt; k++) {
        for (i = 0; i < t[k].numel; i++) {
            float v = t[k].offset + t[k].scale * frand();
            if (t[k].mat && half) { uint16_t h = half == 1 ? to_bf16(v) : to_f16(v); memcpy(p, &h, 2); p += 2; }
            else { memcpy(p, &v, 4); p += 4; }
        }
    }
    sprintf(cfg, "{\"model_type\":\"%s\",\"hidden_size\":%d,\"num_hidden_layers\":%d,\"vocab_size\":%d,"
                 "\"state_size\":%d,\"conv_kernel\":%d,\"expand\":2,\"time_step_rank\":\"auto\",\"tie_word_embeddings\":false}",
            falcon ? "falcon_mamba" : "mamba", D, L, V, N, K);
    free(hdr); free(t);
    *out_n = total;
    return blob;
}

/* The 130m blobs (F32, BF16, F16) are built once and shared by every part of
   the run that loads that shape (the table, the busy core, the long run,
   serving, the prefix hit): building 170 M random weights costs more than
   many of the measurements. blob_free frees only blobs not kept here. */
static struct { unsigned char *p; size_t n; char cfg[512]; } blob_cache[3];
static unsigned char *build_model(const shape *s, int half, size_t *out_n, char *cfg) {
    if (strcmp(s->name, "mamba-130m")) return build_model_new(s, half, out_n, cfg);
    if (!blob_cache[half].p) blob_cache[half].p = build_model_new(s, half, &blob_cache[half].n, blob_cache[half].cfg);
    *out_n = blob_cache[half].n;
    memcpy(cfg, blob_cache[half].cfg, sizeof blob_cache[half].cfg);
    return blob_cache[half].p;
}
static void blob_free(unsigned char *p) {
    if (p && p != blob_cache[0].p && p != blob_cache[1].p && p != blob_cache[2].p) free(p);
}
static void blobs_free(void) { free(blob_cache[0].p); free(blob_cache[1].p); free(blob_cache[2].p); }

/* ---- quantized weights, made in memory from a loaded model --------------
   Round-to-nearest blocks in ggml's layouts (bench-only code: the values only
   need to be valid, the speed does not depend on them). */
static uint16_t to_f16(float f) {   /* round to nearest; |f| < 65504, subnormals flushed */
    uint32_t u, m; int e; uint16_t h;
    memcpy(&u, &f, 4);
    h = (uint16_t)((u >> 16) & 0x8000);
    e = (int)((u >> 23) & 0xff) - 127 + 15;
    m = (u & 0x7fffff) + 0x1000;
    if (m & 0x800000) { m = 0; e++; }
    if (e <= 0) return h;
    return (uint16_t)(h | (uint16_t)(e << 10) | (uint16_t)(m >> 13));
}
static int clampi(float v, int lo, int hi) { int i = (int)lrintf(v); return i < lo ? lo : i > hi ? hi : i; }
static void quant_row(const float *x, int n, int dt, unsigned char *o) {
    int b, j, k;
    if (dt >= MAMBA_DTYPE_Q4_1) {   /* issue 19's types: the writer's quantizer, or (IQ4) bits from the weights, small f16 scales */
        int be = mamba__block_elems(dt);
        size_t bb = mamba__block_bytes(dt);
        uint16_t h = to_f16(0.002f);
        for (b = 0; b < n; b += be, o += bb) {
            if (mamba__quant_block(x + b, dt, o)) continue;
            for (j = 0; j < (int)bb; j++) { float v = x[b + j % be] * 1000.0f; o[j] = (unsigned char)((int)(v < 0 ? -v : v) * 37 + j); }
            memcpy(o, &h, 2);
        }
        return;
    }
    if (dt == MAMBA_DTYPE_Q8_0 || dt == MAMBA_DTYPE_Q4_0) {
        for (b = 0; b < n; b += 32, o += dt == MAMBA_DTYPE_Q8_0 ? 34 : 18) {
            float amax = 0, d; uint16_t h;
            for (j = 0; j < 32; j++) amax = fabsf(x[b + j]) > amax ? fabsf(x[b + j]) : amax;
            d = dt == MAMBA_DTYPE_Q8_0 ? amax / 127 : amax / 7;
            h = to_f16(d); d = mamba__f16_f32(h); memcpy(o, &h, 2);
            for (j = 0; j < 32; j++) {
                int q = d > 0 ? clampi(x[b + j] / d, dt == MAMBA_DTYPE_Q8_0 ? -127 : -8, dt == MAMBA_DTYPE_Q8_0 ? 127 : 7) : 0;
                if (dt == MAMBA_DTYPE_Q8_0) o[2 + j] = (unsigned char)(signed char)q;
                else if (j < 16) o[2 + j] = (unsigned char)(q + 8);
                else o[2 + j - 16] |= (unsigned char)((q + 8) << 4);
            }
        }
    } else if (dt == MAMBA_DTYPE_Q4_K) {   /* scales 6-bit of max/15 per 32, no mins (all 0) */
        for (b = 0; b < n; b += 256, o += 144) {
            float sc[8], smax = 0, d; uint16_t h; int isc[8];
            for (k = 0; k < 8; k++) {
                float amax = 0;
                for (j = 0; j < 32; j++) amax = fabsf(x[b + 32 * k + j]) > amax ? fabsf(x[b + 32 * k + j]) : amax;
                sc[k] = amax / 7; smax = sc[k] > smax ? sc[k] : smax;
            }
            h = to_f16(smax / 63); d = mamba__f16_f32(h); memcpy(o, &h, 2);
            h = 0; memcpy(o + 2, &h, 2);   /* dmin 0: v = d*sc*q, q 0..15 around 8 is not needed for speed */
            for (k = 0; k < 8; k++) isc[k] = d > 0 ? clampi(sc[k] / d, 0, 63) : 0;
            for (k = 0; k < 4; k++) {
                o[4 + k] = (unsigned char)((isc[k] & 63) | (isc[k + 4] >> 4) << 6);
                o[8 + k] = 0;
                o[12 + k] = (unsigned char)(isc[k + 4] & 15);
            }
            for (k = 0; k < 4; k++)
                for (j = 0; j < 32; j++) {
                    float D0 = d * (float)isc[2 * k], D1 = d * (float)isc[2 * k + 1];
                    int q0 = D0 > 0 ? clampi(fabsf(x[b + 64 * k + j]) / D0, 0, 15) : 0;
                    int q1 = D1 > 0 ? clampi(fabsf(x[b + 64 * k + 32 + j]) / D1, 0, 15) : 0;
                    o[16 + 32 * k + j] = (unsigned char)(q0 | q1 << 4);
                }
        }
    } else {   /* Q6_K */
        for (b = 0; b < n; b += 256, o += 210) {
            float sc[16], smax = 0, d; uint16_t h; int v;
            memset(o, 0, 210);
            for (k = 0; k < 16; k++) {
                float amax = 0;
                for (j = 0; j < 16; j++) amax = fabsf(x[b + 16 * k + j]) > amax ? fabsf(x[b + 16 * k + j]) : amax;
                sc[k] = amax / 31; smax = sc[k] > smax ? sc[k] : smax;
            }
            h = to_f16(smax / 127); d = mamba__f16_f32(h); memcpy(o + 208, &h, 2);
            for (k = 0; k < 16; k++) o[192 + k] = (unsigned char)(signed char)(d > 0 ? clampi(sc[k] / d, 0, 127) : 0);
            for (v = 0; v < 256; v++) {
                float D = d * (float)(signed char)o[192 + v / 16];
                int u = (D > 0 ? clampi(x[b + v] / D, -32, 31) : 0) + 32, hh = v / 128, g = v % 128 / 32, l = v % 32;
                o[64 * hh + l + 32 * (g & 1)] |= (unsigned char)((u & 15) << (g < 2 ? 0 : 4));
                o[128 + 32 * hh + l] |= (unsigned char)((u >> 4) << (2 * g));
            }
        }
    }
}
/* Replaces every projection and the lm_head of m by a quantized copy (where
   the row length allows; others keep their dtype) and recounts the weight
   bytes read per token. Returns the buffers to free. */
static void **quantize_model(mamba_model *m, int dt, int *n_bufs) {
    int L = m->cfg.n_layer, l, k, be = mamba__block_elems(dt);
    void **bufs = (void **)calloc((size_t)L * 4 + 1, sizeof(void *));
    *n_bufs = 0;
    m->weight_bytes = mamba__row_bytes(m->embed.dtype, (size_t)m->cfg.d_model);
    for (l = 0; l <= L; l++)
        for (k = 0; k < 4; k++) {
            mamba__mat *W = l == L ? (k ? NULL : &m->lm_head) : k == 0 ? &m->layers[l].in_proj : k == 1 ? &m->layers[l].x_proj : k == 2 ? &m->layers[l].dt_proj : &m->layers[l].out_proj;
            if (!W || !W->data) continue;
            if (W->cols % be == 0) {
                size_t rb = mamba__row_bytes(dt, (size_t)W->cols);
                unsigned char *q = (unsigned char *)malloc(rb * (size_t)W->rows);
                /* rows in parallel (the writer's searching quantizers of issue 19's
                   types take seconds per 130m model); each row alone, same bytes */
#ifdef _OPENMP
#pragma omp parallel
#endif
                {
                    float *rt = (float *)malloc(sizeof(float) * (size_t)W->cols);
                    int rr;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
                    for (rr = 0; rr < W->rows; rr++) {
                        if (!rt) continue;   /* out of memory: the row stays as malloc left it */
                        mamba__row_f32(W, rr, rt);
                        quant_row(rt, W->cols, dt, q + rb * (size_t)rr);
                    }
                    free(rt);
                }
                W->data = q; W->dtype = dt;
                bufs[(*n_bufs)++] = q;
            }
            m->weight_bytes += (size_t)W->rows * mamba__row_bytes(W->dtype, (size_t)W->cols);
        }
    return bufs;
}

typedef struct { double decode, prefill; } result;

static int run_flags = MAMBA_THREADS_FIXED;   /* the busy core: exactly `threads`, or the default, adaptive */
/* > 0: a decode run stops after this many seconds (at least 2 steps): a
   run that collapses (2 fixed threads beside a busy core ran at 1/40 of the
   1-thread speed) costs seconds, not minutes */
static double run_cap_s = 0;
/* up to n greedy decode steps on s; stops early (*capped = 1) once cap > 0
   seconds have passed since `since`, after at least 2 steps. Returns the
   steps done. */
static int decode_steps(mamba_model *m, mamba_state *s, float *logits, int n, double since, double cap, int *capped) {
    int vocab = mamba_model_config(m)->vocab_size, i;
    *capped = 0;
    for (i = 0; i < n; i++) {
        mamba_step(m, s, mamba_argmax(logits, vocab), logits);
        if (cap > 0 && i >= 1 && now_s() - since > cap) { *capped = 1; return i + 1; }
    }
    return n;
}
/* a new state, paged-in weights: two warm-up steps */
static mamba_state *warm_state(mamba_model *m, float *logits) {
    mamba_state *s;
    mamba_state_new(&s, m, 64);
    mamba_step(m, s, 1, logits);
    mamba_step(m, s, 2, logits);
    return s;
}
/* decode tok/s over n_decode steps at `threads` threads (run_flags), the
   busy core's runs: the n_decode steps in 3 segments (1 when fewer than 6),
   the fastest segment's rate, so that a pause of the host in one segment
   does not decide the ratio. Adaptive threads are timed over the whole run:
   their probing is part of what a user gets. */
static double run_decode(mamba_model *m, int threads, int n_decode) {
    float *logits = (float *)malloc(sizeof(float) * (size_t)mamba_model_config(m)->vocab_size);
    mamba_state *s;
    int seg = n_decode >= 6 && run_flags == MAMBA_THREADS_FIXED ? 3 : 1, per = n_decode / seg, k, stop = 0, done;
    double t_run, ts, best = 0;
    mamba_model_set_threads(m, threads, run_flags);
    s = warm_state(m, logits);
    t_run = now_s();
    for (k = 0; k < seg && !stop; k++) {
        ts = now_s();
        done = decode_steps(m, s, logits, per, t_run, run_cap_s, &stop);
        if (done / (now_s() - ts) > best) best = done / (now_s() - ts);
    }
    mamba_state_free(s);
    free(logits);
    return best;
}

/* The table's rows of one model, 1 .. nthr threads (fixed), into out[1 .. nthr]:
   decode in 3 segments per thread count (1 when n_decode < 6), the thread
   counts taking turns segment by segment on one state (1t, 2t, 1t, 2t, ...),
   each row the fastest of its segments; then prefill of an n_prompt-token
   prompt (n_prompt > 0; below nthr only when prefill_all), the thread counts
   again taking turns, twice for prompts of 256 tokens or more, the faster run
   of each. Why the turns: the host's speed drifts by 20-30 % within a
   minute (2-thread 1.4b Q4_0 decode read 16-28 tok/s in consecutive idle
   runs of one binary), so rows timed one after the other put that drift
   into the thread gain and prefill/decode; taking turns gives every thread
   count the same stretch of the run. */
static void run_rows(mamba_model *m, int nthr, int n_decode, int n_prompt, int prefill_all, result *out) {
    const mamba_config *c = mamba_model_config(m);
    mamba_state *s;
    float *logits = (float *)malloc(sizeof(float) * (size_t)c->vocab_size);
    int *prompt = (int *)malloc(sizeof(int) * (size_t)(n_prompt > 0 ? n_prompt : 1));
    int seg = n_decode >= 6 ? 3 : 1, per = n_decode / seg, reps = n_prompt >= 256 ? 2 : 1, i, k, ti;
    for (i = 0; i < n_prompt; i++) prompt[i] = synth_token(i, c->vocab_size);
    for (ti = 1; ti <= nthr; ti++) out[ti].decode = out[ti].prefill = 0;
    mamba_model_set_threads(m, nthr, MAMBA_THREADS_FIXED);
    s = warm_state(m, logits);
    for (k = 0; k < seg; k++)
        for (ti = 1; ti <= nthr; ti++) {
            double ts = now_s(), rate;
            int capped;
            mamba_model_set_threads(m, ti, MAMBA_THREADS_FIXED);
            i = decode_steps(m, s, logits, per, ts, run_cap_s / seg, &capped);
            rate = i / (now_s() - ts);
            if (rate > out[ti].decode) out[ti].decode = rate;
        }
    for (k = 0; n_prompt > 0 && k < reps; k++)
        for (ti = 1; ti <= nthr; ti++) {
            double t0, rate;
            if (!prefill_all && ti < nthr) continue;
            mamba_model_set_threads(m, ti, MAMBA_THREADS_FIXED);
            mamba_state_reset(s);
            t0 = now_s();
            mamba_forward(m, s, prompt, (size_t)n_prompt, logits, MAMBA_LOGITS_LAST);
            rate = n_prompt / (now_s() - t0);
            if (rate > out[ti].prefill) out[ti].prefill = rate;
        }
    mamba_state_free(s);
    free(logits); free(prompt);
}

/* matrix multiply-adds per prompt token x 2: 2 per weight of in/x/dt/out_proj
   (the lm_head runs once per prompt, for the last token only) */
static double ops_per_token(const mamba_config *c) {
    size_t E = (size_t)c->d_inner, D = (size_t)c->d_model, R = (size_t)c->dt_rank, N = (size_t)c->d_state;
    return 2.0 * (double)c->n_layer * (double)(2 * E * D + (R + 2 * N) * E + E * R + D * E);
}

/* ---- a busy core: a child process spinning on one core ------------------ */
#ifdef BENCH_HAVE_FORK
static pid_t busy_start(void) {
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned long x = 0;
#if defined(__linux__)
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof set, &set);
#endif
        alarm(120);   /* never outlives a stuck parent by long */
        for (;;) x++;
    }
    return pid;
}
static void busy_stop(pid_t pid) {
    if (pid > 0) { kill(pid, SIGKILL); waitpid(pid, NULL, 0); }
}
#endif
/* 2-thread decode with the busy child over 1-thread decode without it
   (0 when there is no fork or only one thread): with the library's default
   (adaptive) threads, the ratio returned; with exactly 2 threads, *t2f_out */
static double busy_core_ratio(mamba_model *m, int nthr, int n, double *t1_out, double *t2_out, double *t2f_out) {
    double t1, t2 = 0, t2f = 0;
    *t1_out = *t2_out = *t2f_out = 0;
    if (nthr < 2) return 0;
    t1 = run_decode(m, 1, n);
#ifdef BENCH_HAVE_FORK
    {
        pid_t pid = busy_start();
        if (pid < 0) return 0;
        run_flags = MAMBA_THREADS_ADAPTIVE;
        t2 = run_decode(m, 2, n);
        run_flags = MAMBA_THREADS_FIXED;
        {
            double cap = run_cap_s;
            if (run_cap_s <= 0 || run_cap_s > 2) run_cap_s = 2;   /* exactly 2 threads beside the busy core: at most ~2 s */
            t2f = run_decode(m, 2, n);
            run_cap_s = cap;
        }
        busy_stop(pid);
    }
#endif
    *t1_out = t1; *t2_out = t2; *t2f_out = t2f;
    return t2 / t1;
}

/* ---- a long generation --------------------------------------------------- */
/* Per-token time at token ~early and ~late. The state at each position is
   kept, and the two are timed in alternating rounds (`steps` single steps in
   all per position, from a copy of the kept state each round), so a drift of
   the machine's speed between the start and the end of the long prefill (an
   earlier version timed early before it and late after it: 1.085 on an idle
   machine whose interleaved ratio was 0.99-1.01) falls on both alike. State
   bytes at both. Returns late / early of the fastest rounds. */
/* one round of the long run: `per` greedy steps from a copy of `from` (in
   `st`), seconds per step */
static double round_s(const mamba_model *m, mamba_state *st, const mamba_state *from, int per, float *logits, int vocab) {
    int k, tok = 1;
    double t0;
    mamba_state_copy(st, from);
    t0 = now_s();
    for (k = 0; k < per; k++) { mamba_step(m, st, tok, logits); tok = mamba_argmax(logits, vocab); }
    return (now_s() - t0) / per;
}
static double long_run(const shape *sh, int nthr, int early, int late, int steps) {
    size_t blob_n;
    char cfg[512];
    unsigned char *blob = build_model(sh, 0, &blob_n, cfg);
    mamba_model *m;
    mamba_state *s, *se, *st;
    mamba_error err;
    float *logits = (float *)malloc(sizeof(float) * (size_t)sh->vocab);
    int *fill = (int *)malloc(sizeof(int) * 4096), k, rd, rounds = steps >= 60 ? 6 : 4, per = (steps + rounds - 1) / rounds;
    double t_early = 1e30, t_late = 1e30, sum_early = 0, sum_late = 0, x;
    size_t st_early, st_late;
    if (mamba_model_load_memory(&m, blob, blob_n, cfg, strlen(cfg), NULL, &err) != MAMBA_OK) { fprintf(stderr, "load: %s\n", err.message); exit(1); }
    mamba_model_set_threads(m, nthr, MAMBA_THREADS_FIXED);
    mamba_state_new(&s, m, 64);
    mamba_state_new(&se, m, 64);
    mamba_state_new(&st, m, 64);
    for (k = 0; k < 4096; k++) fill[k] = (k * 31 + 7) % sh->vocab;
    mamba_forward(m, s, fill, (size_t)(early - 30), NULL, MAMBA_LOGITS_NONE);
    mamba_state_copy(se, s);
    st_early = mamba_state_bytes(mamba_model_config(m));
    while (s->n_tokens + 30 < (uint64_t)late) {
        size_t step = (size_t)late - 30 - (size_t)s->n_tokens;
        mamba_forward(m, s, fill, step < 4096 ? step : 4096, NULL, MAMBA_LOGITS_NONE);
    }
    st_late = mamba_state_bytes(mamba_model_config(m));
    for (rd = 0; rd < rounds; rd++) {
        x = round_s(m, st, se, per, logits, sh->vocab);
        sum_early += x;
        if (x < t_early) t_early = x;
        x = round_s(m, st, s, per, logits, sh->vocab);
        sum_late += x;
        if (x < t_late) t_late = x;
    }
    printf("\nlong generation (%s F32, %d threads; %d alternating rounds of %d steps at each position, fastest round):"
           " token ~%d: %.2f ms/token, state %zu bytes; token ~%llu: %.2f ms/token, state %zu bytes (ratio %.3f; of the means %.3f)\n",
           sh->name, nthr, rounds, per, early, t_early * 1e3, st_early, (unsigned long long)s->n_tokens, t_late * 1e3, st_late,
           t_late / t_early, sum_late / sum_early);
    mamba_state_free(st);
    mamba_state_free(se);
    mamba_state_free(s);
    mamba_model_free(m);
    blob_free(blob); free(logits); free(fill);
    return t_late / t_early;
}

/* ---- the model table ----------------------------------------------------- */
typedef struct { int shape, dtype, threads; double wbytes, ops, decode, prefill; } row;
static const char *const dnames[] = {"F32", "BF16", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL",
                                     "Q2_K", "Q3_K", "Q5_K", "IQ4_XS"};
static const int dtypes[] = {MAMBA_DTYPE_F32, MAMBA_DTYPE_BF16, MAMBA_DTYPE_F16, MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0, MAMBA_DTYPE_Q4_K,
                             MAMBA_DTYPE_Q6_K, MAMBA_DTYPE_Q4_1, MAMBA_DTYPE_Q5_0, MAMBA_DTYPE_Q5_1, MAMBA_DTYPE_IQ4_NL,
                             MAMBA_DTYPE_Q2_K, MAMBA_DTYPE_Q3_K, MAMBA_DTYPE_Q5_K, MAMBA_DTYPE_IQ4_XS};
/* which blob a table type is read or quantized from: build_model's half
   (0 F32, 1 BF16, 2 F16); the quantized types are made from BF16 */
static int blob_half(int dtype) { return dtype == MAMBA_DTYPE_F32 ? 0 : dtype == MAMBA_DTYPE_F16 ? 2 : 1; }
#define N_DTYPES ((int)(sizeof dtypes / sizeof dtypes[0]))
#define DT_FIRST_Q 3    /* dnames[3 ..]: the quantized types (made from the BF16 weights) */
#define DT_ISSUE19 7    /* dnames[7 ..]: issue 19's types (with --quick in the kernel table only) */

/* name is one of the comma-separated names of list (exactly: "BF16" is not "F16") */
static int in_list(const char *list, const char *name) {
    size_t n = strlen(name);
    const char *p = list;
    while (*p) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, name, n)) return 1;
        p += k;
        if (*p) p++;
    }
    return 0;
}

/* peak for a row: FMA for the float types, int8 (the machine's widest) for the quantized */
static double row_peak(const row *r) { return r->dtype >= DT_FIRST_Q ? lim[r->threads].i8w : lim[r->threads].flops; }

static int prompt_len = 512;   /* the prefill prompt (128 with --quick) */
static void print_table(const shape *shapes, const row *rows, int n) {
    int i;
    char b1[32], b2[32], ph[32];
    sprintf(ph, "prefill(%d)", prompt_len);
    printf("\nmodel            dtype thr  weights/tok   decode tok/s  bw use        %-12s tok/s  G(FL)OP/s  of peak       prefill/decode\n", ph);
    for (i = 0; i < n; i++) {
        const row *r = &rows[i];
        double bwu = r->decode * r->wbytes / lim[r->threads].bw;
        if (r->prefill > 0) {
            double g = r->prefill * r->ops;
            printf("%-16s %-5s %3d  %8.1f MB  %12.2f  %-12s  %12.1f        %7.1f    %-12s  %8.2fx\n", shapes[r->shape].name, dnames[r->dtype], r->threads,
                   r->wbytes / 1e6, r->decode, frac_str(bwu, b1), r->prefill, g / 1e9, frac_str(g / row_peak(r), b2), r->prefill / r->decode);
        } else {
            printf("%-16s %-5s %3d  %8.1f MB  %12.2f  %-12s  %12s        %7s    %-12s  %9s\n", shapes[r->shape].name, dnames[r->dtype], r->threads,
                   r->wbytes / 1e6, r->decode, frac_str(bwu, b1), "-", "-", "-", "-");
        }
    }
    printf("(decode: the fastest of 3 equal segments per thread count, the thread counts taking turns on one state; prefill: the faster of 2 runs (1 under 256 tokens), taking turns too)\n");
}

/* ---- serving (issue 16): batched decode, prefix-cache hit ------------------
   Kept apart from the rest of the file. Aggregate decode tok/s of B sequences
   advanced together by mamba_forward_batch (one call per step, each weight
   read once per step for all B), states without scratch (memory per extra
   sequence = mamba_state_bytes); and the time to first token of a 4,096-token
   prompt whose first 4,000 tokens are in a mamba_cache, against cold. */

static double serve_b16_over_b1 = 0, serve_b16_over_b1_cpu = 0, serve_prefix_speedup = 0;

/* tok/s of B sequences decoding together, over at least min_s seconds; *cpu_tps:
   the same per second of process CPU time (clock(): both threads' time summed),
   which other processes' load disturbs far less than the wall clock. */
static double batch_decode(const mamba_model *m, int B, double min_s, double *cpu_tps) {
    const mamba_config *c = mamba_model_config(m);
    size_t sb = (mamba_state_bytes(c) + 63) / 64 * 64, V = (size_t)c->vocab_size;
    unsigned char *mem = (unsigned char *)malloc(sb * (size_t)B + 64), *base;
    mamba_state *st = (mamba_state *)calloc((size_t)B, sizeof *st);
    mamba_batch_seq *q = (mamba_batch_seq *)calloc((size_t)B, sizeof *q);
    int *tok = (int *)malloc(sizeof(int) * (size_t)B), i, steps = 0;
    float *logits = (float *)malloc(sizeof(float) * V * (size_t)B);
    mamba_batch *b = NULL;
    double t0, dt = 0;
    clock_t c0;
    *cpu_tps = 0;
    if (!mem || !st || !q || !tok || !logits || mamba_batch_new(&b, m, B, B, NULL) != MAMBA_OK) { dt = -1; goto out; }
    base = mem + (64 - (uintptr_t)mem % 64) % 64;
    for (i = 0; i < B; i++) {
        mamba_state_init(&st[i], c, base + (size_t)i * sb, sb, NULL, 0, 0, NULL);
        tok[i] = synth_token(i, c->vocab_size);
        q[i].state = &st[i]; q[i].tokens = &tok[i]; q[i].n = 1; q[i].logits = logits + (size_t)i * V; q[i].mode = MAMBA_LOGITS_LAST;
    }
    mamba_forward_batch(m, b, q, (size_t)B, NULL);   /* warm-up: page in the weights */
    t0 = now_s();
    c0 = clock();
    do {
        for (i = 0; i < B; i++) tok[i] = mamba_argmax(logits + (size_t)i * V, (int)V);
        mamba_forward_batch(m, b, q, (size_t)B, NULL);
        steps++;
        dt = now_s() - t0;
    } while (dt < min_s || steps < 2);
    if (clock() > c0) *cpu_tps = (double)B * steps / ((double)(clock() - c0) / CLOCKS_PER_SEC);
out:
    mamba_batch_free(b);
    free(mem); free(st); free(q); free(tok); free(logits);
    return dt > 0 ? (double)B * steps / dt : 0;
}

static void serving_bench(const shape *shapes, int quick, int nthr, const char *dtype_only) {
    static const int Bs[] = {1, 2, 4, 8, 16, 32, 64};
    static const char *const dnames[] = {"F32", "Q8_0", "Q4_0"};
    static const int dtypes[] = {MAMBA_DTYPE_F32, MAMBA_DTYPE_Q8_0, MAMBA_DTYPE_Q4_0};
    int si, di, bi;
    set_threads(nthr);
    printf("\nbatched decode, %d threads: aggregate tok/s of B sequences in one mamba_forward_batch per step\n", nthr);
    printf("model            dtype  state/seq    ws64     ");
    for (bi = 0; bi < 7; bi++) printf("  B=%-6d", Bs[bi]);
    printf(" B16/B1\n");
    for (si = 0; si < (quick ? 1 : 2); si++)
        for (di = 0; di < 3; di++) {
            size_t blob_n;
            char cfg[512];
            unsigned char *blob;
            mamba_model *m;
            mamba_error err;
            void **qbufs = NULL;
            int nq = 0, nb = quick ? 5 : 7;
            double tps[7] = {0}, cpu[7] = {0}, c1, c16;
            if (quick && di != 1) continue;   /* --quick: 130m Q8_0 only */
            if (dtype_only && !in_list(dtype_only, dnames[di])) continue;
            blob = build_model(&shapes[si], di != 0, &blob_n, cfg);
            if (!blob) { printf("%-16s %-5s  out of memory\n", shapes[si].name, dnames[di]); continue; }
            if (mamba_model_load_memory(&m, blob, blob_n, cfg, strlen(cfg), NULL, &err) != MAMBA_OK) { printf("load: %s\n", err.message); blob_free(blob); continue; }
            mamba_model_set_threads(m, nthr, MAMBA_THREADS_FIXED);
            if (di >= 1) qbufs = quantize_model(m, dtypes[di], &nq);
            printf("%-16s %-5s %7.2f MB %6.1f MB", shapes[si].name, dnames[di], mamba_state_bytes(mamba_model_config(m)) / 1e6,
                   mamba_batch_bytes(mamba_model_config(m), 64, 64) / 1e6);
            for (bi = 0; bi < 7; bi++) {
                int run = bi < nb && (!quick || Bs[bi] == 1 || Bs[bi] == 4 || Bs[bi] == 16);   /* --quick: B = 1, 4, 16 */
                if (run) tps[bi] = batch_decode(m, Bs[bi], quick ? 0.15 : si == 0 ? 1.0 : 2.0, &cpu[bi]);
                if (run) printf("  %8.1f", tps[bi]); else printf("  %8s", "-");
                fflush(stdout);
            }
            {   /* B=1 and B=16 once more, alternating, best of two each: the ratio is less at the mercy of other load */
                double a = batch_decode(m, 1, quick ? 0.15 : si == 0 ? 1.0 : 2.0, &c1), b16 = batch_decode(m, 16, quick ? 0.15 : si == 0 ? 1.0 : 2.0, &c16);
                if (a > tps[0]) tps[0] = a;
                if (b16 > tps[4]) tps[4] = b16;
                if (c1 > cpu[0]) cpu[0] = c1;
                if (c16 > cpu[4]) cpu[4] = c16;
            }
            printf("  %5.2fx   (per CPU-second: B=1 %.1f, B=16 %.1f: %.2fx)\n", tps[4] / tps[0], cpu[0], cpu[4], cpu[4] / cpu[0]);
            if (di == 1 && (quick ? si == 0 : si == 1)) { serve_b16_over_b1 = tps[4] / tps[0]; serve_b16_over_b1_cpu = cpu[4] / cpu[0]; }
            mamba_model_free(m);
            blob_free(blob);
            while (nq) free(qbufs[--nq]);
            free(qbufs);
        }
    phase("batched decode");
    printf("(memory per extra sequence = state/seq: a state needs no scratch in a batch; ws64 = mamba_batch_bytes for 64\n"
           " sequences, 64 rows, allocated once; quantized: every projection and the lm_head)\n");
    if (!dtype_only || in_list(dtype_only, "F32")) {   /* prefix hit: 4,096-token prompt, first 4,000 cached, time to first token vs cold (130m F32);
           --quick: 512 tokens, 500 cached */
        size_t blob_n, hit = 0;
        char cfg[512];
        unsigned char *blob = build_model(&shapes[0], 0, &blob_n, cfg);
        mamba_model *m;
        mamba_state *s;
        mamba_cache *ch = NULL;
        mamba_error err;
        float *logits = (float *)malloc(sizeof(float) * 50280), *l2 = (float *)malloc(sizeof(float) * 50280);
        int n = quick ? 512 : 4096, nc = quick ? 500 : 4000, k;
        int *prompt = (int *)malloc(sizeof(int) * (size_t)n);
        double cold, warm = 1e30, t0, t1;
        mamba_model_load_memory(&m, blob, blob_n, cfg, strlen(cfg), NULL, &err);
        mamba_model_set_threads(m, nthr, MAMBA_THREADS_FIXED);
        mamba_state_new(&s, m, 64);
        for (k = 0; k < n; k++) prompt[k] = synth_token(k, 50280);
        mamba_cache_new(&ch, m, (size_t)64 << 20, NULL, &err);
        /* cold: the whole prompt (in two calls, the same bits as one), caching the first nc tokens on the way */
        t0 = now_s();
        mamba_forward(m, s, prompt, (size_t)nc, NULL, MAMBA_LOGITS_NONE);
        t1 = now_s();
        mamba_cache_insert(ch, prompt, (size_t)nc, s);
        cold = now_s();
        mamba_forward(m, s, prompt + nc, (size_t)(n - nc), logits, MAMBA_LOGITS_LAST);
        cold = (t1 - t0) + (now_s() - cold);
        for (k = 0; k < (quick ? 3 : 5); k++) {   /* hit: best of runs */
            double t;
            t0 = now_s();
            mamba_cache_lookup(ch, prompt, (size_t)n - 1, s, &hit);
            mamba_forward(m, s, prompt + hit, (size_t)n - hit, l2, MAMBA_LOGITS_LAST);
            t = now_s() - t0;
            if (t < warm) warm = t;
        }
        serve_prefix_speedup = cold / warm;
        printf("prefix hit (mamba-130m F32, %d threads): %d-token prompt, %zu tokens from the cache: time to first token %.1f ms"
               " vs %.1f ms cold (%.1fx), logits %s\n", nthr, n, hit, warm * 1e3, cold * 1e3, serve_prefix_speedup,
               memcmp(logits, l2, sizeof(float) * 50280) ? "DIFFER" : "identical");
        mamba_cache_free(ch);
        mamba_state_free(s);
        mamba_model_free(m);
        blob_free(blob); free(logits); free(l2); free(prompt);
    }
}

static void usage(FILE *f) {
    fprintf(f,
        "usage: mamba-bench [--quick] [--big] [--decode N] [--long N] [--dtype LIST] [--serve]\n"
        "  --quick       130m shape only, 128-token prompt, prefill at the highest thread count only,\n"
        "                fewer decode steps, a short long run, model rows in F32 BF16 Q8_0 Q4_0 Q4_K Q6_K\n"
        "                (the other types in the kernel table; --dtype names them) (under 30 s idle, 2 cores)\n"
        "  --big         also falcon-mamba-7b (BF16) and a long run to token ~100,000\n"
        "  --decode N    decode steps per run (default 24; 130m runs 2N)\n"
        "  --long N      position of the late long-run measurement (default 100,000; 500 with --quick)\n"
        "  --dtype LIST  only these weight types, e.g. F32,Q4_0 (of F32 BF16 Q8_0 Q4_0 Q4_K Q6_K Q4_1 Q5_0 Q5_1 IQ4_NL Q2_K Q3_K Q5_K IQ4_XS)\n"
        "  --serve       only the serving part: batched decode B=1..64, a prefix-cache hit\n"
        "  -h, --help    this text\n"
        "Measures the machine (read bandwidth, peak FMA rate, peak int8 rate: probed at the\n"
        "start, between models and at the end, the best probe is the limit), each vector\n"
        "kernel against its scalar twin, and random-weight models of real shapes (decode and\n"
        "prefill tok/s, the share of bandwidth and peak they reach), all in the same run.\n"
        "The last line is key=value pairs for scripts (measured in this run):\n"
        "  kernels, qdot       the vector kernels and quantized dot product compiled in\n"
        "  threads             the most threads used\n"
        "  bw1_gbs, bw2_gbs    read bandwidth in GB/s with 1 thread and with all of them\n"
        "  peak_gflops         the FMA peak in GFLOP/s, all threads\n"
        "  peak_int8_gops      the int8 dot peak in GOP/s (the widest instruction), all threads\n"
        "  decode_bw_min       lowest decode bandwidth use (0..1) of the F32/BF16/F16 130m and 1.4b models, all threads\n"
        "  qdecode_bw_min      the same for their quantized versions\n"
        "  prefill_over_decode prefill tok/s over decode tok/s (130m F32, all threads)\n"
        "  prefill_fma_frac    that prefill's GFLOP/s as a fraction of peak_gflops\n"
        "  qprefill_over_decode_min  the lowest prefill/decode of the quantized types (130m, all threads)\n"
        "  thread_gain_min     lowest 2-thread over 1-thread decode (1.4b shape, over dtypes; 0 when not run)\n"
        "  busy_core_ratio     2-thread decode beside a busy child pinned to core 0 over 1-thread decode without it\n"
        "                      (the library's default adaptive threads; lower of the bundled-size and 130m models)\n"
        "  late_over_early     ms per token late in the long generation over early in it (alternating rounds, fastest of each)\n"
        "  exp_speedup         the vector exp over its scalar twin (1 thread)\n"
        "  seconds             the run's wall time\n"
        "  cpu_seconds         the process's CPU time (all threads; a loaded machine inflates seconds far more)\n"
        "  batch16_over_batch1 16 sequences decoding in one mamba_forward_batch over 1, tok/s (1.4b Q8_0; 130m with --quick)\n"
        "  batch16_over_batch1_cpu  the same per second of process CPU time\n"
        "  prefix_hit_speedup  time to first token of a 4,096-token prompt cold over with 4,000 tokens cached\n"
        "                      (--quick: 512 and 500)\n");
}

int main(int argc, char **argv) {
    int quick = 0, big = 0, serve_only = 0, n_decode = 24, n_long = -1, i, ti, di, si, nk, nthr = max_threads(), nrows = 0;
    const shape *shapes = bench_shapes;
    const char *dtype_only = NULL;
    double exp_speedup = 0, decode_bw_min = 1e9, qdecode_bw_min = 1e9, pod = 0, fma_frac = 0, late_over_early = 0;
    double qpod_min = 1e9, thread_gain_min = 1e9, busy_min = 1e9, t_start = now_s();
    double dec[3][N_DTYPES][3];   /* decode tok/s by shape, dtype, threads (for the thread gain) */
    result res[3];   /* one model's rows by threads (run_rows) */
    row rows[64];
    kspeed ks[32];
    memset(dec, 0, sizeof dec);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--big")) big = 1;
        else if (!strcmp(argv[i], "--decode") && i + 1 < argc) n_decode = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--long") && i + 1 < argc) n_long = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dtype") && i + 1 < argc) dtype_only = argv[++i];
        else if (!strcmp(argv[i], "--serve")) serve_only = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        else { usage(stderr); return 2; }
    }
    if (n_long < 0) n_long = quick ? 500 : 100000;
    if (quick) { n_decode = 6; prompt_len = 128; run_cap_s = 1.0; }
    if (n_decode < 1) n_decode = 1;
    if (n_long < 200) n_long = 200;
    printf("mamba.h %s  kernels %s  qdot %s  threads up to %d\n\n", MAMBA_VERSION_STRING, MAMBA__SIMD_NAME, MAMBA__QDOT_NAME, nthr);
    if (serve_only) {   /* --serve: the serving part alone */
        serving_bench(shapes, quick, nthr, dtype_only);
        printf("\nbatch16_over_batch1=%.2f batch16_over_batch1_cpu=%.2f prefix_hit_speedup=%.2f\n", serve_b16_over_b1, serve_b16_over_b1_cpu,
               serve_prefix_speedup);
        blobs_free();
        return 0;
    }
    phase(NULL);
    probe_limits(nthr, quick);
    phase("limits (first probe)");
    printf("kernel (1 thread)             scalar us   vector us   speed-up\n");
    nk = kernel_speedups(ks, quick ? 0.03 : 0.2);
    for (i = 0; i < nk; i++) {
        printf("%-28s %10.1f  %10.1f  %8.2fx\n", ks[i].name, ks[i].scalar * 1e6, ks[i].vector * 1e6, ks[i].scalar / ks[i].vector);
        if (!strncmp(ks[i].name, "exp", 3)) exp_speedup = ks[i].scalar / ks[i].vector;
    }
    fflush(stdout);
    phase("kernel speed-ups");
    for (si = 0; si < (quick ? 1 : big ? 3 : 2); si++) {
        unsigned char *bf16_blob = NULL;
        size_t bf16_n = 0;
        char bf16_cfg[512];
        for (di = 0; di < N_DTYPES; di++) {
            size_t blob_n;
            char cfg[512];
            unsigned char *blob;
            mamba_model *m;
            mamba_error err;
            void **qbufs = NULL;
            int nq = 0, half;
            if (si == 2 && dtypes[di] != MAMBA_DTYPE_BF16) continue;   /* 7B in F32 is 29 GB: BF16 only */
            if (dtype_only && !in_list(dtype_only, dnames[di])) continue;
            if (quick && !dtype_only && di >= DT_ISSUE19) continue;   /* --quick: issue 19's eight types in the kernel table only */
            half = blob_half(dtypes[di]);
            if (half != 1) blob = build_model(&shapes[si], half, &blob_n, cfg);   /* F32, F16: their own blobs */
            else {   /* BF16 and the quantized types (made from BF16): one blob */
                if (!bf16_blob) bf16_blob = build_model(&shapes[si], 1, &bf16_n, bf16_cfg);
                blob = bf16_blob; blob_n = bf16_n; memcpy(cfg, bf16_cfg, sizeof cfg);
            }
            if (!blob) { printf("%-16s %-5s   out of memory\n", shapes[si].name, dnames[di]); continue; }
            phase("build model blob");
            if (mamba_model_load_memory(&m, blob, blob_n, cfg, strlen(cfg), NULL, &err) != MAMBA_OK) { fprintf(stderr, "load: %s\n", err.message); return 1; }
            if (di >= DT_FIRST_Q) qbufs = quantize_model(m, dtypes[di], &nq);
            phase("load (+ quantize)");
            {
                int nd = si == 0 ? n_decode * 2 : si == 1 ? n_decode + 6 : 4;
                run_rows(m, nthr, nd, si == 2 ? 64 : prompt_len, !quick, res);
            }
            for (ti = 1; ti <= nthr; ti++) {
                result r = res[ti];
                row *w = &rows[nrows++];
                w->shape = si; w->dtype = di; w->threads = ti; w->wbytes = (double)mamba_model_weight_bytes(m);
                w->ops = ops_per_token(mamba_model_config(m)); w->decode = r.decode; w->prefill = r.prefill;
                dec[si][di][ti] = r.decode;
                fprintf(stderr, "  %s %s %dt: decode %.2f tok/s, prefill %.1f tok/s\n", shapes[si].name, dnames[di], ti, r.decode, r.prefill);
            }
            phase("decode + prefill runs");
            mamba_model_free(m);
            if (half != 1) blob_free(blob);
            while (nq) free(qbufs[--nq]);
            free(qbufs);
            probe_limits(nthr, quick);   /* interleaved with the model runs */
            phase("limits (interleaved probe)");
        }
        blob_free(bf16_blob);
    }
    {   /* a busy core: the bundled model and the 130m shape (F32) */
        mamba_model *m;
        mamba_error err;
        double t1, t2, t2f, r;
        if (mamba_model_load_file(&m, "models/shakespeare-tiny", NULL, &err) == MAMBA_OK) {
            r = busy_core_ratio(m, nthr, quick ? 400 : 2000, &t1, &t2, &t2f);
            printf("\nbusy core (bundled model): 1 thread %.0f tok/s; beside a busy process on core 0: 2 threads adaptive (the default) %.0f tok/s (ratio %.3f), exactly 2 %.0f tok/s (ratio %.3f)\n",
                   t1, t2, r, t2f, t2f / t1);
            if (nthr > 1 && r < busy_min) busy_min = r;
            mamba_model_free(m);
        } else printf("\nbusy core: models/shakespeare-tiny not found (run from the repository root): %s\n", err.message);
        {
            size_t blob_n;
            char cfg[512];
            unsigned char *blob = build_model(&shapes[0], 0, &blob_n, cfg);
            if (blob && mamba_model_load_memory(&m, blob, blob_n, cfg, strlen(cfg), NULL, &err) == MAMBA_OK) {
                r = busy_core_ratio(m, nthr, quick ? 12 : 24, &t1, &t2, &t2f);
                printf("busy core (mamba-130m F32): 1 thread %.2f tok/s; beside a busy process on core 0: 2 threads adaptive (the default) %.2f tok/s (ratio %.3f), exactly 2 %.2f tok/s (ratio %.3f)\n",
                       t1, t2, r, t2f, t2f / t1);
                if (nthr > 1 && r < busy_min) busy_min = r;
                mamba_model_free(m);
            }
            blob_free(blob);
        }
    }
    phase("busy core");
    late_over_early = long_run(&shapes[0], nthr, quick ? 100 : 1000, n_long, quick ? 20 : 60);
    phase("long run");
    probe_limits(nthr, quick);
    phase("limits (last probe)");
    for (ti = 1; ti <= nthr; ti++)
        printf("\nmachine, %d thread%s (best of %d probes in this run): read bandwidth %6.2f GB/s (1 or 8 streams), peak FMA %7.1f GFLOP/s, peak int8 %7.1f GOP/s (%s) / %7.1f GOP/s (widest)",
               ti, ti > 1 ? "s" : " ", lim[ti].probes, lim[ti].bw / 1e9, lim[ti].flops / 1e9, lim[ti].i8 / 1e9, MAMBA__QDOT_NAME, lim[ti].i8w / 1e9);
    printf("\n");
    print_table(shapes, rows, nrows);
    for (i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        double bwu = r->decode * r->wbytes / lim[r->threads].bw;
        if (r->threads != nthr) continue;
        if (r->shape < 2 && r->dtype < DT_FIRST_Q && bwu < decode_bw_min) decode_bw_min = bwu;
        if (r->shape < 2 && r->dtype >= DT_FIRST_Q && bwu < qdecode_bw_min) qdecode_bw_min = bwu;
        if (r->shape == 0 && r->dtype == 0 && r->prefill > 0) { pod = r->prefill / r->decode; fma_frac = r->prefill * r->ops / row_peak(r); }
        if (r->shape == 0 && r->dtype >= DT_FIRST_Q && r->prefill > 0 && r->prefill / r->decode < qpod_min) qpod_min = r->prefill / r->decode;
        if (r->shape == 1 && nthr > 1 && dec[1][r->dtype][1] > 0 && r->decode / dec[1][r->dtype][1] < thread_gain_min) thread_gain_min = r->decode / dec[1][r->dtype][1];
    }
    serving_bench(shapes, quick, nthr, dtype_only);
    phase("serving + prefix hit");
#define KEYV(v) ((v) < 1e8 ? (v) : 0.0)
    printf("\nkernels=%s qdot=%s threads=%d bw1_gbs=%.2f bw2_gbs=%.2f peak_gflops=%.1f peak_int8_gops=%.1f decode_bw_min=%.3f qdecode_bw_min=%.3f prefill_over_decode=%.2f "
           "prefill_fma_frac=%.3f qprefill_over_decode_min=%.2f thread_gain_min=%.3f busy_core_ratio=%.3f late_over_early=%.3f exp_speedup=%.2f seconds=%.1f cpu_seconds=%.1f "
           "batch16_over_batch1=%.2f batch16_over_batch1_cpu=%.2f prefix_hit_speedup=%.2f\n",
           MAMBA__SIMD_NAME, MAMBA__QDOT_NAME, nthr, lim[1].bw / 1e9, lim[nthr].bw / 1e9, lim[nthr].flops / 1e9, lim[nthr].i8w / 1e9,
           KEYV(decode_bw_min), KEYV(qdecode_bw_min), pod, fma_frac, KEYV(qpod_min), KEYV(thread_gain_min), KEYV(busy_min), late_over_early, exp_speedup,
           now_s() - t_start, (double)clock() / CLOCKS_PER_SEC, serve_b16_over_b1, serve_b16_over_b1_cpu, serve_prefix_speedup);
    free(bw_buf);
    blobs_free();
    return 0;
}
