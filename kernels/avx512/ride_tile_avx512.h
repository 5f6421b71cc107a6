/* ride_tile_avx512.h — the fused batch-1 step's R x 16 tile of Y, shared by
 * the float32 ride (gemv_avx512.c) and the bf16 one (gemv_bf16_avx512.c):
 * where its chains start and how they are stored. R is a compile-time
 * constant where these are inlined, so the tile stays in registers. */
#ifndef RNNSIMD_RIDE_TILE_AVX512_H
#define RNNSIMD_RIDE_TILE_AVX512_H

#include "kernels.h"
#include "blocking_avx512.h"

/* The tile's chains start from vector v's bias (or +0 when v is past the
 * ride's last vector vend, or there is no bias). */
static inline __attribute__((always_inline)) void
ride_tile_start(const int R, const rnn_ride *r, size_t v, size_t vend, __m512 *c)
{
    const __m512 b = v < vend && r->bias
                         ? _mm512_maskz_loadu_ps(lanes(r->c1 - v * 16), r->bias + v * 16)
                         : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
        c[i] = b;
}

/* Vector v's chains are done: row i to Y + i*ldy, columns 16v.. up to c1. */
static inline __attribute__((always_inline)) void ride_tile_store(const int R, const rnn_ride *r,
                                                                  size_t v, const __m512 *c)
{
    const size_t col = v * 16;
    const __mmask16 m = lanes(r->c1 - col);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
        _mm512_mask_storeu_ps(r->Y + (size_t)i * r->ldy + col, m, c[i]);
}

#endif
