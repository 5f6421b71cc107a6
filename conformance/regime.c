/* regime.c — LAPACKE measurement of the recurrent weights (see regime.h). */
/* Our own complex types stop lapack.h from including <complex.h>, whose
 * macro I would clash with rnn_desc's field I. */
#define lapack_complex_float float _Complex
#define lapack_complex_double double _Complex
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "regime.h"
#include "clock.h"

/* OpenBLAS's own; its threads only fight the other job on a busy 2-core
 * machine (a 1024 x 1024 dgeev: 1.3 s on one thread, 3 s on two). */
void openblas_set_num_threads(int n);

/* LAPACKE's own allocation failures (its work and transposed copies). */
static int lapacke_nomem(lapack_int info)
{
    return info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR;
}

/* Largest singular value and spectral radius of the n x n float block (NaN
 * where LAPACKE fails on the numbers). Returns 0 when memory ran out, ours or
 * LAPACKE's: that is no measurement, not a regime other than claimed. */
static int measure(const float *w, size_t n, double *sigma_max, double *radius)
{
    *sigma_max = *radius = NAN;
    double *a = malloc(n * n * sizeof *a), *s = malloc(n * sizeof *s);
    double *wr = malloc(n * sizeof *wr), *wi = malloc(n * sizeof *wi);
    double *superb = malloc((n > 1 ? n : 2) * sizeof *superb);
    int ok = a && s && wr && wi && superb;
    if (ok) {
        lapack_int N = (lapack_int)n;
        double dummy[1];
        for (size_t i = 0; i < n * n; i++)
            a[i] = w[i];
        lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', N, N, a, N, s, dummy, 1,
                                         dummy, 1, superb);
        if (info == 0)
            *sigma_max = s[0]; /* dgesvd sorts descending */
        ok = !lapacke_nomem(info);
        for (size_t i = 0; i < n * n; i++)
            a[i] = w[i]; /* dgesvd destroyed it */
        info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', N, a, N, wr, wi, dummy, 1, dummy, 1);
        if (info == 0) {
            double r = 0;
            for (size_t i = 0; i < n; i++) {
                double m = hypot(wr[i], wi[i]);
                if (m > r)
                    r = m;
            }
            *radius = r;
        }
        ok = ok && !lapacke_nomem(info);
    }
    free(a);
    free(s);
    free(wr);
    free(wi);
    free(superb);
    return ok;
}

static int find_or_measure(conf_regime_cache *c, const float *block, size_t H, double rho,
                           uint64_t seed, uint64_t stream, size_t *index)
{
    for (size_t i = 0; i < c->n; i++) {
        const conf_regime_block *b = &c->b[i];
        if (b->H == H && b->rho == rho && b->seed == seed && b->stream == stream) {
            *index = i;
            return 1;
        }
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        conf_regime_block *nb = realloc(c->b, cap * sizeof *nb);
        if (!nb)
            return 0;
        c->b = nb;
        c->cap = cap;
    }
    conf_regime_block *b = &c->b[c->n];
    static int single;
    if (!single) {
        openblas_set_num_threads(1);
        single = 1;
    }
    double t0 = rnn_seconds_now();
    b->H = H;
    b->rho = rho;
    b->seed = seed;
    b->stream = stream;
    if (!measure(block, H, &b->sigma_max, &b->radius))
        return 0; /* not cached: a later case measures it again */
    b->seconds = rnn_seconds_now() - t0;
    c->seconds += b->seconds;
    *index = c->n++;
    return 1;
}

int conf_regime_measure(conf_regime_cache *cache, const conf_problem *p, size_t *idx, int max)
{
    const size_t H = (size_t)p->kase.desc.H;
    int n = 0;
    const conf_cell_tensors *cells[2] = {&p->cell, &p->decoder};
    const uint64_t offsets[2] = {0, CONF_STREAM_DECODER};
    for (int k = 0; k < 2; k++) {
        if (!cells[k]->weight_hh)
            continue;
        for (int g = 0; g < p->G && n < max; g++) {
            size_t i;
            if (!find_or_measure(cache, cells[k]->weight_hh + (size_t)g * H * H, H,
                                 p->kase.rho, p->kase.seed,
                                 offsets[k] + CONF_STREAM_WEIGHT_HH + (uint64_t)g, &i))
                return -1;
            idx[n++] = i;
        }
    }
    return n;
}

int conf_regime_ok(const conf_regime_block *b)
{
    const double lim = CONF_REGIME_RTOL * b->rho;
    return fabs(b->sigma_max - b->rho) <= lim && fabs(b->radius - b->rho) <= lim;
}

void conf_regime_free(conf_regime_cache *cache)
{
    free(cache->b);
    memset(cache, 0, sizeof *cache);
}
