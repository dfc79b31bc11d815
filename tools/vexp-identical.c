/* Exhaustive check that mamba__vexp (AVX-512 build) returns, for every one of
   the 2^32 float bit patterns, the same bits as the formula it had before
   issue 21's qprefill round (a multiply by 2^n built in the exponent bits;
   now _mm512_scalef_ps). A one-off proof for that change, not a test (about
   4 s of one core):
     cc -O2 -march=native -I. tools/vexp-identical.c -o /tmp/vexp-identical -lm && /tmp/vexp-identical
   Needs AVX-512F. Exit status 1 if any pattern differs. */
#define MAMBA_IMPLEMENTATION
#include "mamba.h"
#include <stdio.h>
static __m512 old_exp(__m512 x) {
    __m512 lim = _mm512_set1_ps(-87.3f), hi = _mm512_set1_ps(88.7228394f), n, r, p;
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, lim), hi);
    n = _mm512_min_ps(_mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), _mm512_set1_ps(127.0f));
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), xc);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    p = _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23)));
    p = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(hi, x, _CMP_LT_OQ), p, _mm512_set1_ps(HUGE_VALF));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, lim, _CMP_LT_OQ), p, _mm512_set1_ps(0.0f));
}
int main(void) {
    unsigned long long bad = 0; uint64_t i;
    const __m512i step = _mm512_set1_epi32(16);
    __m512i v = _mm512_setr_epi32(0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15);
    for (i = 0; i < (1ull << 32); i += 16) {
        __m512 x = _mm512_castsi512_ps(v);
        __m512i a = _mm512_castps_si512(mamba__vexp(x)), b = _mm512_castps_si512(old_exp(x));
        bad += (unsigned)__builtin_popcount(_mm512_cmpneq_epi32_mask(a, b));
        v = _mm512_add_epi32(v, step);
    }
    printf("vexp vs the old formula: %llu of 4294967296 bit patterns differ\n", bad);
    return bad != 0;
}
