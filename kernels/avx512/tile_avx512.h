/* tile_avx512.h — the two ends of the avx512 table's micro-kernels, float32
 * (gemm_avx512.c) and bf16 (gemm_bf16_ukernel_avx512.h): an mr x 32 tile of
 * C, rows ldc apart, held as acc0[i] (columns 0-15, under mask m0) and
 * acc1[i] (columns 16-31, under mask m1) for i < mr, started from its
 * initial value and stored. The two kernels differ only in the k loop
 * between, so their chains start from the same values (docs/design.md
 * §9.2: C + bias, C, bias or +0).
 *
 * Both are always inlined with mr a compile-time constant (TILE_MR_CASES),
 * so the accumulators stay in registers: 2*mr of the 32 zmm. */
#ifndef RNNSIMD_TILE_AVX512_H
#define RNNSIMD_TILE_AVX512_H

#include <stddef.h>
#include <immintrin.h>

/* acc = C + bias, C, bias or +0 (load_c, bias given or not). */
static inline __attribute__((always_inline)) void
tile_start(const int mr, const float *C, size_t ldc, int load_c, const float *bias, __mmask16 m0,
           __mmask16 m1, __m512 *acc0, __m512 *acc1)
{
    const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    const __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    if (load_c) {
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            const float *c = C + (size_t)i * ldc;
            acc0[i] = _mm512_maskz_loadu_ps(m0, c);
            acc1[i] = _mm512_maskz_loadu_ps(m1, c + 16);
            if (bias) {
                acc0[i] = _mm512_add_ps(acc0[i], bias0);
                acc1[i] = _mm512_add_ps(acc1[i], bias1);
            }
        }
    } else {
        /* A tile only written is fetched for write into L1 while the k
         * loop runs: its stores then find their lines owned (this matters
         * where K is short: the batch-1 weight gradients, K = T*B). */
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            const char *c = (const char *)(C + (size_t)i * ldc);
            _mm_prefetch(c, _MM_HINT_ET0);
            if (m1)
                _mm_prefetch(c + 64, _MM_HINT_ET0);
            acc0[i] = bias0;
            acc1[i] = bias1;
        }
    }
}

/* C = acc under the masks. */
static inline __attribute__((always_inline)) void
tile_store(const int mr, float *C, size_t ldc, __mmask16 m0, __mmask16 m1, const __m512 *acc0,
           const __m512 *acc1)
{
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        _mm512_mask_storeu_ps(c, m0, acc0[i]);
        _mm512_mask_storeu_ps(c + 16, m1, acc1[i]);
    }
}

/* The cases of a switch on a tile's rows that call UK(r) with r a constant,
 * 1 to 12 (anything else as 12); UK(r) ends its case. */
#define TILE_MR_CASES(UK)                                                                          \
    case 1: UK(1);                                                                                 \
    case 2: UK(2);                                                                                 \
    case 3: UK(3);                                                                                 \
    case 4: UK(4);                                                                                 \
    case 5: UK(5);                                                                                 \
    case 6: UK(6);                                                                                 \
    case 7: UK(7);                                                                                 \
    case 8: UK(8);                                                                                 \
    case 9: UK(9);                                                                                 \
    case 10: UK(10);                                                                               \
    case 11: UK(11);                                                                               \
    default: UK(12)

#endif /* RNNSIMD_TILE_AVX512_H */
