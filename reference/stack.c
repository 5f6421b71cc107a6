/* stack.c — L layers of D directions over one sequence, forward and BPTT, in
 * double (docs/design.md §7, literally):
 *   layer 0 reads x; layer l > 0 reads y_{l-1}, layer l-1's output;
 *   y_l[t] = [h_t of the forward cell, h_t of the reverse cell] (D*H wide);
 *   the reverse cell runs t = T-1 down to 0 over the same input (a reverse
 *   run, sequence.c), with its own weights and initial state.
 * BPTT visits the layers top down: the gradient on y_l splits into each
 * direction's H columns, each cell's BPTT gives the gradient on its input,
 * and the directions' input gradients add (forward first) into the gradient
 * on y_{l-1}, or on x for layer 0. With one direction nothing is added, so a
 * one-layer, one-direction stack is exactly the single cell's run. */
#include <stdlib.h>
#include <string.h>
#include "reference_internal.h"

static double *zeros(size_t n)
{
    return calloc(n ? n : 1, sizeof(double));
}

void rnn_ref_stack_free(ref_stack *st)
{
    if (st->run)
        for (size_t k = 0; k < st->L * st->D; k++)
            rnn_ref_run_free(&st->run[k]);
    free(st->run);
    free(st->y);
    st->run = NULL;
    st->y = NULL;
}

static double *layer_out(const ref_stack *st, size_t l)
{
    return st->y + l * st->T * st->B * st->D * st->H;
}

rnn_status rnn_ref_stack_forward(ref_stack *st, rnn_cell cell, size_t L, size_t D, size_t T,
                                 size_t B, size_t I, size_t H, const ref_weights *w,
                                 const double *x, const double *h0, const double *c0)
{
    memset(st, 0, sizeof *st);
    st->cell = cell;
    st->L = L;
    st->D = D;
    st->T = T;
    st->B = B;
    st->I = I;
    st->H = H;
    const size_t BH = B * H, DH = D * H;
    st->run = calloc(L * D, sizeof *st->run);
    st->y = zeros(L * T * B * DH);
    if (!st->run || !st->y) {
        rnn_ref_stack_free(st);
        return RNN_ERR_NOMEM;
    }
    for (size_t l = 0; l < L; l++) {
        const double *in = l ? layer_out(st, l - 1) : x;
        const size_t width = l ? DH : I;
        double *y = layer_out(st, l);
        for (size_t d = 0; d < D; d++) {
            const size_t k = l * D + d;
            ref_run *r = &st->run[k];
            rnn_status s = rnn_ref_run_alloc(r, cell, T, B, width, H, &w[k], in);
            if (s != RNN_OK) {
                rnn_ref_stack_free(st);
                return s;
            }
            r->reverse = d == 1;
            if (h0)
                memcpy(r->h, h0 + k * BH, BH * sizeof *h0);
            if (c0 && cell == RNN_LSTM)
                memcpy(r->c, c0 + k * BH, BH * sizeof *c0);
            rnn_ref_run_forward(r);
            for (size_t t = 0; t < T; t++)
                for (size_t b = 0; b < B; b++)
                    memcpy(y + (t * B + b) * DH + d * H, rnn_ref_run_h_at(r, t) + b * H,
                           H * sizeof *y);
        }
    }
    return RNN_OK;
}

const double *rnn_ref_stack_top(const ref_stack *st)
{
    return layer_out(st, st->L - 1);
}

const double *rnn_ref_stack_final_h(const ref_stack *st, size_t k)
{
    return st->run[k].h + st->T * st->B * st->H;
}

const double *rnn_ref_stack_final_c(const ref_stack *st, size_t k)
{
    return st->run[k].c + st->T * st->B * st->H;
}

void rnn_ref_stack_top_c(const ref_stack *st, double *dst)
{
    const size_t B = st->B, H = st->H, DH = st->D * H;
    for (size_t d = 0; d < st->D; d++) {
        const ref_run *r = &st->run[(st->L - 1) * st->D + d];
        for (size_t t = 0; t < st->T; t++)
            for (size_t b = 0; b < B; b++)
                memcpy(dst + (t * B + b) * DH + d * H, rnn_ref_run_c_at(r, t) + b * H,
                       H * sizeof *dst);
    }
}

rnn_status rnn_ref_stack_backward(const ref_stack *st, const double *dY, const double *dh_fin,
                                  const double *dc_fin, double *dx, double *dh0, double *dc0,
                                  const ref_cell_grads *dw)
{
    const size_t L = st->L, D = st->D, T = st->T, B = st->B, H = st->H;
    const size_t BH = B * H, DH = D * H, rows = T * B;
    const int lstm = st->cell == RNN_LSTM;
    /* dy: the gradient on the output of the layer being visited; dcol: one
     * direction's H columns of it; din, din_rev: the gradient on the layer's
     * input from the forward and the reverse cell. */
    double *dy = zeros(rows * DH), *dcol = zeros(rows * H);
    double *din = zeros(rows * (DH > st->I ? DH : st->I));
    double *din_rev = zeros(rows * (DH > st->I ? DH : st->I));
    rnn_status s = RNN_OK;
    if (!dy || !dcol || !din || !din_rev)
        s = RNN_ERR_NOMEM;
    if (s == RNN_OK && dY)
        memcpy(dy, dY, rows * DH * sizeof *dy);
    for (size_t l = L; s == RNN_OK && l-- > 0;) {
        const size_t width = l ? DH : st->I;
        for (size_t d = 0; s == RNN_OK && d < D; d++) {
            const size_t k = l * D + d;
            for (size_t r = 0; r < rows; r++)
                memcpy(dcol + r * H, dy + r * DH + d * H, H * sizeof *dcol);
            /* No gradient on the top output: NULL, not zeros, so that a state
             * gradient of -0.0 keeps its sign as in the single cell's run. */
            s = rnn_ref_run_backward(&st->run[k], (dY || l + 1 < L) ? dcol : NULL, dh_fin ? dh_fin + k * BH : NULL,
                                     dc_fin ? dc_fin + k * BH : NULL, d ? din_rev : din,
                                     dh0 ? dh0 + k * BH : NULL,
                                     dc0 && lstm ? dc0 + k * BH : NULL, &dw[k]);
        }
        if (s != RNN_OK)
            break;
        if (D == 2)
            for (size_t i = 0; i < rows * width; i++)
                din[i] += din_rev[i];
        if (l)
            memcpy(dy, din, rows * DH * sizeof *dy);
        else if (dx)
            memcpy(dx, din, rows * width * sizeof *dx);
    }
    free(dy);
    free(dcol);
    free(din);
    free(din_rev);
    return s;
}
