/* bf16_round_avx512.h — float32 to bf16 pair words, exactly
 * rnn_bf16_from_float's rounding (kernels/bf16.h: nearest even, denormals
 * kept, NaN quieted), for the avx512 table's bf16 products.
 *
 * vcvtne2ps2bf16 rounds 32 floats in one instruction, with the same
 * nearest-even rounding and the same quieted NaN (the top half with bit 6
 * set), but reads a denormal as a zero of its sign. So pairs32 uses it
 * when none of its 32 floats is a denormal, and the integer rounding
 * (round_bits, AVX-512F only) when one is; both give the same bits for
 * every other float. Callers of pairs32 are compiled for AVX512-BF16 (the
 * avx512bf16 target attribute). */
#ifndef RNNSIMD_BF16_ROUND_AVX512_H
#define RNNSIMD_BF16_ROUND_AVX512_H

#include <immintrin.h>
#include "blocking_avx512.h"
#include "kernels.h"

/* bf16(x) in the high half of each lane (the low half is left over):
 * rnn_bf16_from_float's integer rounding, lane by lane. */
static inline __m512i round_bits(__m512 x)
{
    const __m512i u = _mm512_castps_si512(x);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(
        _mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
    const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    const __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff)));
    return _mm512_mask_or_epi32(r, nan, u, _mm512_set1_epi32(0x00400000));
}

/* Word indices (vpermt2w over lo:hi, 64 words) of the pair words of 32
 * rounded floats: pair j's low word is float 2j+1's high half (word
 * 4j+3), its high word float 2j's (word 4j+1). */
static const uint16_t pair_words[32] = {3,  1,  7,  5,  11, 9,  15, 13, 19, 17, 23,
                                        21, 27, 25, 31, 29, 35, 33, 39, 37, 43, 41,
                                        47, 45, 51, 49, 55, 53, 59, 57, 63, 61};

/* The 16 pair words of floats lo[0..15], hi[0..15] (k = 0..31): pair j
 * holds bf16(float 2j) in its high half, bf16(float 2j+1) in its low. */
static inline __attribute__((always_inline, target("avx512bf16"))) __m512i pairs32(__m512 lo,
                                                                                   __m512 hi)
{
    const __mmask16 denormal = _mm512_fpclass_ps_mask(lo, 0x20) | _mm512_fpclass_ps_mask(hi, 0x20);
    if (__builtin_expect(denormal == 0, 1)) /* words k = 0..31 in order, then k even up */
        return _mm512_rol_epi32((__m512i)_mm512_cvtne2ps_pbh(hi, lo), 16);
    return _mm512_permutex2var_epi16(round_bits(lo), _mm512_loadu_si512(pair_words),
                                     round_bits(hi));
}

/* x2[j] = the pair word of a[2j], a[2j+1] for j < ceil(n/2) (an odd n's
 * last pair has +0 low), as rnn_bf16_pairs. */
static inline __attribute__((target("avx512bf16"))) void bf16_row_pairs(size_t n, const float *a,
                                                                        rnn_bf16x2 *x2)
{
    for (size_t k0 = 0; k0 < n; k0 += 32) {
        const size_t left = n - k0;
        const __mmask16 ml = lanes(left), mh = left > 16 ? lanes(left - 16) : 0;
        const __m512i r = pairs32(_mm512_maskz_loadu_ps(ml, a + k0),
                                  _mm512_maskz_loadu_ps(mh, a + k0 + 16));
        const size_t pairs = (left + 1) / 2;
        _mm512_mask_storeu_epi32(x2 + k0 / 2, lanes(pairs), r);
    }
}

#endif
