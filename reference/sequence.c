/* sequence.c — the time loop of one cell: forward over S steps keeping what
 * the backward needs, and BPTT back over them. Steps run k = 1..S, batch rows
 * b = 0..B-1 inside; the backward visits k = S..1 and b ascending, so weight
 * gradients are summed in that fixed order. Step k reads time t = k, or
 * t = S-1-k in a reverse run (reference_internal.h): the input, the upstream
 * gradient and the input gradient are indexed by t, the rest by k. */
#include <stdlib.h>
#include <string.h>
#include "reference_internal.h"

static double *alloc_zeros(size_t n)
{
    return calloc(n ? n : 1, sizeof(double));
}

rnn_status rnn_ref_run_alloc(ref_run *r, rnn_cell cell, size_t S, size_t B, size_t I, size_t H,
                             const ref_weights *w, const double *x)
{
    memset(r, 0, sizeof *r);
    r->cell = cell;
    r->S = S;
    r->B = B;
    r->I = I;
    r->H = H;
    r->G = rnn_ref_gates(cell);
    r->w = w;
    r->x = x;
    /* Sizes were checked by rnn_ref_check_desc: none of these products overflows. */
    r->h = alloc_zeros((S + 1) * B * H);
    r->c = alloc_zeros((S + 1) * B * H);
    r->gates = alloc_zeros(S * B * r->G * H);
    r->aux = alloc_zeros(S * B * H);
    r->scratch = alloc_zeros(rnn_ref_cell_scratch(r->G, H));
    if (!r->h || !r->c || !r->gates || !r->aux || !r->scratch) {
        rnn_ref_run_free(r);
        return RNN_ERR_NOMEM;
    }
    return RNN_OK;
}

void rnn_ref_run_free(ref_run *r)
{
    free(r->h);
    free(r->c);
    free(r->gates);
    free(r->aux);
    free(r->scratch);
    r->h = r->c = r->gates = r->aux = r->scratch = NULL;
}

void rnn_ref_run_forward(ref_run *r)
{
    const size_t B = r->B, I = r->I, H = r->H, GH = r->G * H, BH = B * H;
    for (size_t k = 0; k < r->S; k++)
        for (size_t b = 0; b < B; b++) {
            const size_t row = k * B + b, in_row = rnn_ref_run_time(r, k) * B + b;
            rnn_ref_cell_forward(r->cell, r->w, I, H, r->x + in_row * I, r->h + k * BH + b * H,
                                 r->c + k * BH + b * H, r->gates + row * GH, r->aux + row * H,
                                 r->h + (k + 1) * BH + b * H, r->c + (k + 1) * BH + b * H,
                                 r->scratch);
        }
}

static void zero_if(double *p, size_t n)
{
    if (p)
        memset(p, 0, n * sizeof *p);
}

rnn_status rnn_ref_run_backward(const ref_run *r, const double *dH, const double *dh_S,
                                const double *dc_S, double *dx, double *dh0, double *dc0,
                                const ref_cell_grads *dw)
{
    const size_t S = r->S, B = r->B, I = r->I, H = r->H, GH = r->G * H, BH = B * H;
    /* dh, dc: the gradient on the state after the step being visited;
     * dh_next: that plus the upstream gradient on h_t. */
    double *dh = alloc_zeros(BH), *dc = alloc_zeros(BH), *dh_next = alloc_zeros(H),
           *dh_prev = alloc_zeros(H), *dc_prev = alloc_zeros(H);
    if (!dh || !dc || !dh_next || !dh_prev || !dc_prev) {
        free(dh);
        free(dc);
        free(dh_next);
        free(dh_prev);
        free(dc_prev);
        return RNN_ERR_NOMEM;
    }
    if (dh_S)
        memcpy(dh, dh_S, BH * sizeof *dh);
    if (dc_S && r->cell == RNN_LSTM)
        memcpy(dc, dc_S, BH * sizeof *dc);
    zero_if(dw->weight_ih, GH * I);
    zero_if(dw->weight_hh, GH * H);
    zero_if(dw->bias_ih, GH);
    zero_if(dw->bias_hh, GH);

    for (size_t k = S; k-- > 0;)
        for (size_t b = 0; b < B; b++) {
            const size_t row = k * B + b, in_row = rnn_ref_run_time(r, k) * B + b;
            for (size_t j = 0; j < H; j++)
                dh_next[j] = dH ? dh[b * H + j] + dH[in_row * H + j] : dh[b * H + j];
            rnn_ref_cell_backward(r->cell, r->w, I, H, r->x + in_row * I, r->h + k * BH + b * H,
                                  r->c + k * BH + b * H, r->gates + row * GH, r->aux + row * H,
                                  dh_next, dc + b * H, dh_prev, dc_prev,
                                  dx ? dx + in_row * I : NULL, dw, r->scratch);
            memcpy(dh + b * H, dh_prev, H * sizeof *dh);
            if (r->cell == RNN_LSTM)
                memcpy(dc + b * H, dc_prev, H * sizeof *dc);
        }

    if (dh0)
        memcpy(dh0, dh, BH * sizeof *dh);
    if (dc0)
        memcpy(dc0, dc, BH * sizeof *dc);
    free(dh);
    free(dc);
    free(dh_next);
    free(dh_prev);
    free(dc_prev);
    return RNN_OK;
}
