/* panels.h — the packed weight layout the avx2 and avx512 tables share:
 * W (N x K, row stride ldw) as column panels of nr floats, panel p0 at
 * packed + p0*K, row k of a panel at k*nr, the last panel zero-padded to nr
 * so the micro-kernels load whole panels without masks. Packing runs once
 * per plan, so it is plain C compiled into each table. */
#ifndef RNNSIMD_PANELS_H
#define RNNSIMD_PANELS_H

#include <stddef.h>

static inline size_t panels_size(size_t nr, size_t N, size_t K)
{
    return (N + nr - 1) / nr * nr * K;
}

static inline void panels_pack_nt(size_t nr, size_t N, size_t K, const float *W, size_t ldw,
                                  float *packed)
{
    for (size_t p0 = 0; p0 < N; p0 += nr) {
        size_t w = N - p0 < nr ? N - p0 : nr;
        float *dst = packed + p0 * K;
        for (size_t k = 0; k < K; k++) {
            size_t c = 0;
            for (; c < w; c++)
                dst[k * nr + c] = W[(p0 + c) * ldw + k];
            for (; c < nr; c++)
                dst[k * nr + c] = 0.0f;
        }
    }
}

#endif
