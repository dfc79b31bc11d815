/* The sampler and argmax on hostile logits (NaN, +-inf, +-3e38): every draw
   of every setting names a token in range; +inf and huge logits win.

   build/test_sampler [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"

static void sampler_hostile(void) {
    float x[16];
    int i, V = 16;
    mamba_sampler smp;
    for (i = 0; i < V; i++) x[i] = NAN;
    sample_all_ways(x, V, "all NaN");
    for (i = 0; i < V; i++) x[i] = -HUGE_VALF;
    sample_all_ways(x, V, "all -inf");
    for (i = 0; i < V; i++) x[i] = i % 3 ? NAN : (float)i;
    sample_all_ways(x, V, "mixed NaN");
    CHECK(mamba_argmax(x, V) == 15, "argmax skips NaN: %d", mamba_argmax(x, V));
    for (i = 0; i < V; i++) x[i] = i % 2 ? 3e38f : -3e38f;
    sample_all_ways(x, V, "+-3e38");
    for (i = 0; i < V; i++) x[i] = (float)i;
    x[9] = HUGE_VALF;
    sample_all_ways(x, V, "one +inf");
    x[3] = NAN; x[4] = -HUGE_VALF;
    sample_all_ways(x, V, "+inf, -inf and NaN");
    /* a +inf logit is certain; with huge logits and a tiny temperature the
       largest dominates (the limit of softmax(x / T) as T -> 0) */
    { mamba_sampler_params sp = {0.7f, 0, 1.0f, 3}; mamba_sampler_init(&smp, V, &sp, NULL, 0); }
    CHECK(mamba_sample(&smp, x) == 9, "+inf wins");
    for (i = 0; i < V; i++) x[i] = i == 6 ? 3.4e38f : i == 2 ? NAN : -3.4e38f + (float)i * 1e37f;
    smp.temperature = 1e-3f;
    for (i = 0; i < 50; i++) if (mamba_sample(&smp, x) != 6) break;
    CHECK(i == 50, "huge logits, tiny temperature: the largest every time (%d of 50)", i);
    smp.top_k = 4; smp.top_p = 0.5f;
    for (i = 0; i < 50; i++) if (mamba_sample(&smp, x) != 6) break;
    CHECK(i == 50, "... also with top-k and top-p (%d of 50)", i);
    smp.temperature = NAN;   /* set by hand, past init's check: greedy */
    CHECK(mamba_sample(&smp, x) == 6, "NaN temperature");
    mamba_sampler_free(&smp);
}

int main(int argc, char **argv) {
    suite_start(argc, argv);
    printf("sampler:\n");
    sampler_hostile();
    return test_summary();
}
