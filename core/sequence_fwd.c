/* sequence_fwd.c — one cell's forward run over a sequence: the input
 * projection hoisted out of the time loop (one GEMM over all T*B rows, or a
 * row gather for one-hot inputs), then per step only the cell's phases
 * (cells.h): each a recurrent product and a fused gate kernel (at batch 1,
 * gru's wrapped order interleaves them: step_wrap.c).
 *
 * A stack's reverse cell walks the steps from the last time to the first
 * (drivers.h, rnn_step_time); nothing is copied reversed.
 *
 * Two threads: the projection splits by rows. The time loop splits the
 * batch rows when B >= 4 (each thread runs every step on its rows, no
 * barrier); below that, the hidden units (sequence_units.c). */
#include <string.h>
#include "drivers.h"
#include "timing.h"

void rnn_project_input(const rnn_plan *p, const cell_pack *w, size_t rows, const float *x,
                       const int32_t *x_index, float *dst, const rnn_thread *th)
{
    const size_t GH = p->GH, I = (size_t)p->desc.I;
    if (rnn_fused_projection(p, rows, !x_index, th))
        rows = rnn_ride_rows(p);
    if (!x_index) {
        rnn_par_packed_nt(p, th, rows, GH, I, x, I, w->ih_packed, w->b_ih, 0.0f, dst, GH);
        return;
    }
    /* W_ih onehot(j) + b_ih is row j of onehot_xp (plan.c folds the bias
     * in): a copy, at memcpy's speed, instead of an add per float. */
    size_t r0, r1;
    rnn_share(rows, 1, th, &r0, &r1);
    for (size_t r = r0; r < r1; r++)
        memcpy(dst + r * GH, w->onehot_xp + (size_t)x_index[r] * GH, GH * sizeof *dst);
}

void rnn_load_state(const rnn_plan *p, rnn_workspace *ws, const float *h0, const float *c0)
{
    const size_t n = p->sizes.state * sizeof(float);
    if (h0)
        memcpy(ws->hs, h0, n);
    else
        memset(ws->hs, 0, n);
    if (p->ops->has_c) {
        if (c0)
            memcpy(ws->cs, c0, n);
        else
            memset(ws->cs, 0, n);
    }
}

/* C (M x N rows of ldc) = bias, or the packed product of A when A is not
 * all zeros: this thread's rows; and the step's ride, if any (M is 1). */
static void product_rows(const rnn_plan *p, const cell_pack *w, size_t s, size_t M, size_t N,
                         size_t K, const float *A, const float *packed, const float *bias,
                         float *C, size_t ldc, const rnn_ride *ride)
{
    const int zero = rnn_zero_state(w, M * K, A);
    if (ride)
        rnn_step_product_ride(p, s, zero ? 0 : N, K, A, packed, bias, 0.0f, C, ride);
    else if (!zero)
        rnn_step_product(p, s, M, N, K, A, K, packed, bias, 0.0f, C, ldc);
    if (zero)
        for (size_t m = 0; m < M; m++)
            memcpy(C + m * ldc, bias, N * sizeof *C);
}

/* Phase ph's packed W_hh rows at step s: odd steps stream the second copy
 * where the plan keeps one. */
static const float *hh_of(const rnn_plan *p, const cell_pack *w, size_t s, size_t ph)
{
    return (s & 1) && p->tune.v.hh_copies == 2 && w->hh_copy[ph] ? w->hh_copy[ph]
                                                                  : w->hh_packed[ph];
}

void rnn_seq_forward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                         size_t T, const float *x, const float *xp_later, int keep_cache,
                         const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const rnn_cell_ops *ops = p->ops;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    if (th->n > 1 && rnn_split_units(p)) {
        rnn_units_forward(p, ws, w, s0, T, xp_later, keep_cache, th);
        return;
    }
    /* This thread's rows [b0, b0 + nb) of every B-row block. */
    size_t b0, b1;
    rnn_share(B, 1, th, &b0, &b1);
    const size_t nb = b1 - b0;
    if (!nb)
        return;
    float *hp = ws->hp + b0 * GH;
    const size_t wrap = nb == 1 && p->tune.v.stream == RNN_STREAM_WRAP ? rnn_wrap_columns(p) : 0;
    for (size_t j = 0; j < T; j++) {
        const size_t t = rnn_step_time(p, j, T), s = s0 + t;
        const size_t sp = rnn_state_prev(p, s), so = rnn_state_out(p, s);
        rnn_fwd_io io = {((xp_later && s > 0) ? xp_later : ws->xp + s * B * GH) + b0 * GH, hp,
                         ws->hs + sp * BH + b0 * H, NULL, NULL, NULL,
                         ws->hs + so * BH + b0 * H, NULL};
        if (keep_cache && ws->gates)
            io.gates = ws->gates + s * B * WH + b0 * WH;
        else if (ops->phases > 1) /* a later phase reads the gates of an earlier one */
            io.gates = ws->gates_one + b0 * WH;
        if (ws->cs) {
            io.c_prev = ws->cs + sp * BH + b0 * H;
            io.c = ws->cs + so * BH + b0 * H;
        }
        if (ws->rh)
            io.rh = (keep_cache ? ws->rh + s * BH : ws->rh_one) + b0 * H;
        rnn_ride rbuf, rest = {0};
        /* Rides (the fused step) run forward in time only: a stack's cells
         * have no_fused_step set, so x is NULL there. */
        const rnn_ride *ride = x ? rnn_ride_for_step(p, ws, w, x, s0, j, T, &rbuf) : NULL;
        if (ride)
            rest = *ride;
        if (wrap) {
            const float *hh[RNN_MAX_PHASES];
            for (size_t ph = 0; ph < ops->phases; ph++)
                hh[ph] = hh_of(p, w, s, ph);
            rnn_wrapped_step(p, ws, w, j, wrap, hh, hp, &io, ride);
            continue;
        }
        for (size_t ph = 0; ph < ops->phases; ph++) {
            const rnn_cell_phase *f = &ops->phase[ph];
            /* The ride's columns split between the products as their sizes. */
            rnn_ride mine = rest;
            if (ride && ph + 1 < ops->phases)
                rnn_ride_split(&rest, f->g1 - f->g0, p->G - f->g0, &mine, &rest);
            const float *hh = hh_of(p, w, s, ph);
            RNN_TIMED(ws, products,
                      product_rows(p, w, s, nb, (f->g1 - f->g0) * H, H,
                                   f->reads_rh ? io.rh : io.h_prev, hh, w->b_hh + f->g0 * H,
                                   hp + f->g0 * H, GH, ride ? &mine : NULL));
            RNN_TIMED(ws, gates, f->fwd(k, nb, H, &io));
        }
    }
}
