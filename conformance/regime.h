/* regime.h — LAPACKE measures the recurrent weights' regime: for each gate
 * block of weight_hh, its largest singular value (dgesvd) and spectral radius
 * (dgeev), so the rho a case claims is checked, not assumed.
 *
 * Blocks are O(H^3) to measure, so each distinct block, keyed by (H, rho,
 * seed, stream), is measured once per run and cached (the generator gives the
 * same block for the same key in every cell). */
#ifndef CONF_REGIME_H
#define CONF_REGIME_H

#include <stddef.h>
#include <stdint.h>
#include "generate.h"

/* Claimed and measured may differ by this relative amount: float rounding of
 * rho*Q moves singular values by about sqrt(H) 2^-24 rho, far below it. */
#define CONF_REGIME_RTOL 1e-3

typedef struct {
    size_t H;
    double rho;
    uint64_t seed, stream;
    double sigma_max, radius; /* NaN if LAPACKE failed */
    double seconds;
} conf_regime_block;

typedef struct {
    conf_regime_block *b;
    size_t n, cap;
    double seconds; /* total measuring time */
} conf_regime_cache;

/* Measures (or finds) every gate block of p's weight_hh (and the decoder's).
 * Writes into *first and *count the blocks' indices in the cache (they are
 * contiguous only when freshly measured, so it writes the indices into idx,
 * up to max). Returns the number of blocks, or -1 when memory ran out (ours
 * or LAPACKE's). */
int conf_regime_measure(conf_regime_cache *cache, const conf_problem *p, size_t *idx, int max);
/* 1 if the block's measurements agree with its claimed rho. */
int conf_regime_ok(const conf_regime_block *b);
void conf_regime_free(conf_regime_cache *cache);

#endif
