/* gradflow_setup.c — the default gradient-flow experiment's tensors, from
 * the portable fills (the same bits on every machine), and LAPACKE's check
 * that every gate block of weight_hh really is rho times an orthogonal matrix.
 *
 *   weight_hh  gate block g = rho * Q_g, rnn_fill_orthogonal on stream 16 + g:
 *              the conformance generator's construction and streams
 *   weight_ih  U(-1/sqrt(I), 1/sqrt(I)) (stream 1, as the generator)
 *   bias_ih    0;  bias_hh 0 except the carry gate's block (below)
 *   x          U(-x_scale, x_scale) (stream 300): small, so tanh starts near-linear
 *   u          U(-1, 1) normalized (stream 400): a generic direction
 *
 * The carry gate is the one that keeps the old state: lstm's f (h-path
 * c' = f*c + ...: bias +b opens it), gru's z (h' = (1-z)*h + z*n:
 * bias -b), lbr_gru's z (h' = (1-z)*n + z*h: bias +b). One number opens all
 * three by the same amount, so the gated cells are compared on equal terms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gradflow.h"

enum {
    GF_STREAM_WEIGHT_IH = 1,
    GF_STREAM_WEIGHT_HH = 16, /* + gate block */
    GF_STREAM_X = 300,
    GF_STREAM_U = 400
};

void gf_tensors_free(gf_tensors *t)
{
    free(t->weight_ih);
    free(t->weight_hh);
    free(t->bias_ih);
    free(t->bias_hh);
    free(t->x);
    free(t->u);
    memset(t, 0, sizeof *t);
}

rnn_status gf_build(const gf_setup *s, gf_tensors *t, gf_problem *p)
{
    memset(t, 0, sizeof *t);
    memset(p, 0, sizeof *p);
    rnn_desc d = {s->cell, RNN_MANY2MANY, s->T, 0, 1, s->I, s->H, 1};
    rnn_sizes sz;
    rnn_status st = rnn_desc_check(&d, &sz);
    if (st != RNN_OK)
        return st;
    const size_t H = (size_t)s->H, G = (size_t)rnn_cell_gates(s->cell);
    t->weight_ih = malloc(sz.weight_ih * sizeof(float));
    t->weight_hh = malloc(sz.weight_hh * sizeof(float));
    t->bias_ih = calloc(sz.bias, sizeof(float));
    t->bias_hh = calloc(sz.bias, sizeof(float));
    t->x = malloc(sz.x * sizeof(float));
    t->u = malloc(H * sizeof(float));
    if (!t->weight_ih || !t->weight_hh || !t->bias_ih || !t->bias_hh || !t->x || !t->u) {
        gf_tensors_free(t);
        return RNN_ERR_NOMEM;
    }
    const float a = (float)(1.0 / sqrt((double)s->I));
    rnn_fill_uniform(t->weight_ih, sz.weight_ih, s->seed, GF_STREAM_WEIGHT_IH, -a, a);
    for (size_t g = 0; g < G && st == RNN_OK; g++)
        st = rnn_fill_orthogonal(t->weight_hh + g * H * H, H, H, s->seed,
                                 GF_STREAM_WEIGHT_HH + g, s->rho);
    if (st != RNN_OK) {
        gf_tensors_free(t);
        return st;
    }
    const float b = (float)s->carry_bias;
    float *z_block = t->bias_hh + H; /* lstm f, both GRUs' z: gate block 1 */
    for (size_t j = 0; s->cell != RNN_TANH && j < H; j++)
        z_block[j] = s->cell == RNN_GRU ? -b : b;
    const float xs = (float)s->x_scale;
    rnn_fill_uniform(t->x, sz.x, s->seed, GF_STREAM_X, -xs, xs);
    rnn_fill_uniform(t->u, H, s->seed, GF_STREAM_U, -1.0f, 1.0f);
    double n2 = 0;
    for (size_t j = 0; j < H; j++)
        n2 += (double)t->u[j] * t->u[j];
    for (size_t j = 0; j < H; j++)
        t->u[j] = n2 > 0 ? (float)(t->u[j] / sqrt(n2)) : (j == 0 ? 1.0f : 0.0f);

    p->cell = s->cell;
    p->H = s->H;
    p->I = s->I;
    p->T = s->T;
    p->w.weight_ih = t->weight_ih;
    p->w.weight_hh = t->weight_hh;
    p->w.bias_ih = t->bias_ih;
    p->w.bias_hh = t->bias_hh;
    p->x = t->x;
    p->u = t->u;
    return RNN_OK;
}

rnn_status gf_weight_hh_sigmas(const gf_problem *p, double *smin, double *smax)
{
    const size_t H = (size_t)p->H, G = (size_t)rnn_cell_gates(p->cell);
    double *a = malloc(H * H * sizeof *a);
    if (!a)
        return RNN_ERR_NOMEM;
    rnn_status st = RNN_OK;
    *smin = INFINITY;
    *smax = 0;
    for (size_t g = 0; g < G && st == RNN_OK; g++) {
        for (size_t i = 0; i < H * H; i++)
            a[i] = p->w.weight_hh[g * H * H + i];
        double hi, lo;
        if ((st = gf_singular_range(a, H, H, &hi, &lo)) == RNN_OK) {
            *smax = hi > *smax ? hi : *smax;
            *smin = lo < *smin ? lo : *smin;
        }
    }
    free(a);
    return st;
}
