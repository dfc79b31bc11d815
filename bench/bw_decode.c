/* bw_decode: decode against the read bandwidth measured right beside it.

   build/mamba-bench takes the best of its 16 bandwidth probes as the limit,
   which is the honest ceiling but, on a host whose memory other tenants
   share, a rare moment: on one 2-vCPU Zen 5 VM the 2-thread probe read 62 GB/s
   once in a run and 30-45 GB/s in most rounds. This tool shows what the
   machine gave in the same minute: each round is a 1-thread probe, 1-thread
   decode, a 2-thread probe, 2-thread decode and another 2-thread probe, so
   a thread gain below 2 can be told apart from a machine whose second core
   brings little bandwidth.

     build/bw_decode SHAPE DTYPE [STEPS [ROUNDS]]
       SHAPE  130m or 1.4b (random weights, the bench's shapes)
       DTYPE  any of the bench's table types (F32, BF16, F16, Q8_0, Q4_0,
              Q4_K, Q6_K, Q4_1, ...)
   Each rate is tok/s x the weight bytes read per token; the probes are one
   round each of both of the benchmark's read patterns. */
#define main bench_main
#include "bench.c"
#undef main

int main(int argc, char **argv) {
    const shape *shapes = bench_shapes;   /* the bench's tables: shapes, dnames, dtypes */
    int si, di, steps, rounds, r, nq = 0;
    size_t n;
    char cfg[512];
    unsigned char *blob;
    mamba_model *m;
    mamba_error err;
    void **q = NULL;
    double wb;
    if (argc < 3) { fprintf(stderr, "usage: %s 130m|1.4b DTYPE (F32, BF16, F16, Q8_0, Q4_0, Q4_K, Q6_K, ...) [steps [rounds]]\n", argv[0]); return 2; }
    si = !strcmp(argv[1], "130m") ? 0 : !strcmp(argv[1], "1.4b") ? 1 : -1;
    for (di = 0; di < N_DTYPES && strcmp(argv[2], dnames[di]); di++) {}
    steps = argc > 3 ? atoi(argv[3]) : 12;
    rounds = argc > 4 ? atoi(argv[4]) : 4;
    if (si < 0 || di == N_DTYPES || steps < 1 || rounds < 1) { fprintf(stderr, "%s: unknown shape or dtype, or a count below 1\n", argv[0]); return 2; }
    blob = build_model(&shapes[si], blob_half(dtypes[di]), &n, cfg);
    if (!blob) { fprintf(stderr, "out of memory\n"); return 1; }
    if (mamba_model_load_memory(&m, blob, n, cfg, strlen(cfg), NULL, &err) != MAMBA_OK) { fprintf(stderr, "load: %s\n", err.message); return 1; }
    if (di >= DT_FIRST_Q) q = quantize_model(m, dtypes[di], &nq);
    wb = (double)mamba_model_weight_bytes(m);
    read_bandwidth(1, 1);   /* pages in the probe's buffer */
    printf("%s %s, %d decode steps per run (GB/s: weight bytes per token x tok/s; probes: the faster of 1 and 8 streams)\n", shapes[si].name, dnames[di], steps);
    for (r = 0; r < rounds; r++) {
        double p1 = read_bandwidth(1, 1), a = run_decode(m, 1, steps), p2 = read_bandwidth(2, 1), b = run_decode(m, 2, steps), p3 = read_bandwidth(2, 1);
        printf("probe 1t %5.1f | decode 1t %8.2f tok/s %5.1f GB/s | probe 2t %5.1f | decode 2t %8.2f tok/s %5.1f GB/s | probe 2t %5.1f | gain %.3f, probes 2t/1t %.2f\n",
               p1 / 1e9, a, a * wb / 1e9, p2 / 1e9, b, b * wb / 1e9, p3 / 1e9, b / a, (p2 > p3 ? p2 : p3) / p1);
        fflush(stdout);
    }
    mamba_model_free(m);
    while (nq) free(q[--nq]);
    free(q);
    blob_free(blob);
    blobs_free();
    return 0;
}
