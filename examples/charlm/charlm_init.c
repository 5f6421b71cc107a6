/* charlm_init.c — initial weights. Orthogonal recurrent blocks are the usual
 * remedy for vanishing and exploding gradients: every singular
 * value of an orthogonal W_hh is 1, so at the start a gradient is neither
 * shrunk nor blown up by the repeated product with it (Saxe et al. 2014).
 * Q comes from the QR factorisation of a Gaussian PRNG matrix (sgeqrf, then
 * sorgqr to form Q); multiplying column j by sign(R_jj) makes Q uniformly
 * (Haar) distributed instead of biased by the factorisation's sign choice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "charlm.h"
/* Complex types as structs: <complex.h> would define the macro I, which is a
 * field name in rnnsimd.h. */
#define LAPACK_COMPLEX_STRUCTURE
#include <lapacke.h>

/* PRNG streams of the initial tensors, so each is independent of the others. */
enum { STREAM_IH = 101, STREAM_HH, STREAM_BIH, STREAM_BHH, STREAM_HY, STREAM_ORTHO = 200 };

static rnn_status orthogonal_block(float *dst, size_t H, size_t ld, uint64_t seed, uint64_t stream,
                                   char *err, size_t errlen)
{
    float *a = malloc(H * H * sizeof *a), *tau = malloc(H * sizeof *tau);
    if (!a || !tau) {
        free(a);
        free(tau);
        snprintf(err, errlen, "charlm: out of memory for a %zu x %zu orthogonal block", H, H);
        return RNN_ERR_NOMEM;
    }
    rnn_fill_normal(a, H * H, seed, stream, 1.0f);
    lapack_int n = (lapack_int)H, info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, n, n, a, n, tau);
    float *sign = NULL;
    if (info == 0) {
        sign = malloc(H * sizeof *sign);
        if (sign)
            for (size_t j = 0; j < H; j++)
                sign[j] = a[j * H + j] < 0 ? -1.0f : 1.0f;
        info = sign ? LAPACKE_sorgqr(LAPACK_ROW_MAJOR, n, n, n, a, n, tau) : LAPACK_WORK_MEMORY_ERROR;
    }
    if (info == 0)
        for (size_t i = 0; i < H; i++)
            for (size_t j = 0; j < H; j++)
                dst[i * ld + j] = a[i * H + j] * sign[j];
    free(a);
    free(tau);
    free(sign);
    const int nomem = info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR;
    if (nomem) {
        snprintf(err, errlen, "charlm: out of memory for a %zu x %zu orthogonal block", H, H);
        return RNN_ERR_NOMEM;
    }
    if (info != 0) {
        snprintf(err, errlen, "charlm: LAPACKE sgeqrf/sorgqr failed (info %d)", (int)info);
        return RNN_ERR_ARG;
    }
    return RNN_OK;
}

rnn_status charlm_model_init(charlm_model *m, charlm_init init, uint64_t seed, char *err,
                             size_t errlen)
{
    const size_t G = (size_t)rnn_cell_gates(m->cell), H = (size_t)m->H, V = (size_t)m->V;
    const float k = (float)(1.0 / sqrt((double)H));
    float *t = m->theta;
    rnn_fill_uniform(t + m->at.weight_ih, G * H * V, seed, STREAM_IH, -k, k);
    rnn_fill_uniform(t + m->at.W_hy, V * H, seed, STREAM_HY, -k, k);
    memset(t + m->at.b_y, 0, V * sizeof *t);
    if (init == CHARLM_INIT_UNIFORM) {
        rnn_fill_uniform(t + m->at.weight_hh, G * H * H, seed, STREAM_HH, -k, k);
        rnn_fill_uniform(t + m->at.bias_ih, G * H, seed, STREAM_BIH, -k, k);
        rnn_fill_uniform(t + m->at.bias_hh, G * H, seed, STREAM_BHH, -k, k);
        return RNN_OK;
    }
    memset(t + m->at.bias_ih, 0, G * H * sizeof *t);
    memset(t + m->at.bias_hh, 0, G * H * sizeof *t);
    for (size_t g = 0; g < G; g++) {
        rnn_status st = orthogonal_block(t + m->at.weight_hh + g * H * H, H, H, seed,
                                         STREAM_ORTHO + g, err, errlen);
        if (st != RNN_OK)
            return st;
    }
    return RNN_OK;
}
