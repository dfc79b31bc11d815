/* Memory a Mamba-1 model needs on a microcontroller, per model size, from the
   library's own size functions (mamba_state_bytes, mamba_scratch_bytes) and the
   tensor shapes: weights at Q8_0 and Q4_0 (matrices whose rows are a multiple
   of 32 quantized, the rest F32, as `mamba-quantize --pure` and llama.cpp lay
   them out; dt_proj F32 here where both keep F16), the per-channel F32
   vectors a load converts (the bulk of the arena; the tokenizer's tables and
   the tensor table come on top: measure with mamba_arena.base = NULL), the
   recurrent state and the scratch for a prefill chunk of 1 and 8 tokens.
       cc -O2 -I. tools/memtable.c -o build/memtable -lm && build/memtable */
#define MAMBA_IMPLEMENTATION
#define MAMBA_NO_STDIO
#include "mamba.h"
#include <stdio.h>

static double q(double rows, double cols, int bits) {   /* bytes of one matrix */
    if ((long long)cols % 32) return rows * cols * 4;
    return rows * cols / 32 * (bits == 8 ? 34 : 18);
}

int main(void) {
    static const struct { const char *name; int d, L, V; } m[] = {
        {"shakespeare-tiny (bundled)", 192, 6, 256}, {"mamba-130m", 768, 24, 50280}, {"mamba-370m", 1024, 48, 50280},
        {"mamba-790m", 1536, 48, 50280}, {"mamba-1.4b", 2048, 48, 50280}, {"mamba-2.8b", 2560, 64, 50280}};
    size_t i;
    printf("| model | d_model x layers | weights Q8_0 | weights Q4_0 | F32 vectors (arena) | state | scratch, chunk 1 | scratch, chunk 8 |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (i = 0; i < sizeof m / sizeof m[0]; i++) {
        mamba_config c;
        double D = m[i].d, E = 2.0 * m[i].d, N = 16, K = 4, R = (m[i].d + 15) / 16, w[2];
        int b;
        memset(&c, 0, sizeof c);
        c.arch = MAMBA_ARCH_MAMBA1; c.d_model = m[i].d; c.n_layer = m[i].L; c.d_inner = 2 * m[i].d; c.d_state = 16;
        c.d_conv = 4; c.dt_rank = (int)R; c.n_groups = 1; c.conv_dim = c.d_inner; c.d_in_proj = 2 * c.d_inner;
        c.vocab_size = c.n_embd_rows = m[i].V;
        for (b = 0; b < 2; b++) {
            int bits = b ? 4 : 8;
            double layer = q(2 * E, D, bits) + q(R + 2 * N, E, bits) + q(D, E, bits)   /* in, x, out proj */
                         + (E * R + E) * 4 + (E * K + E) * 4 + (E * N + E + D) * 4;    /* dt_proj, conv, A, D, norm */
            w[b] = m[i].L * layer + q(m[i].V, D, bits) + D * 4;                        /* tied embedding, norm_f */
        }
        {   /* the F32 block of the binder: (2D + P + C(K+1) + E*N + 4E + 2H) per layer + D */
            double f32 = ((2 * D + 2 * E + E * (K + 1) + E * N + 4 * E) * m[i].L + D) * 4;
            printf("| %s | %d x %d | %.2f MB | %.2f MB | %.0f KB | %.0f KB | %.0f KB | %.0f KB |\n", m[i].name, m[i].d, m[i].L,
                   w[0] / 1e6, w[1] / 1e6, f32 / 1024, mamba_state_bytes(&c) / 1024.0, mamba_scratch_bytes(&c, 1) / 1024.0,
                   mamba_scratch_bytes(&c, 8) / 1024.0);
        }
    }
    return 0;
}
