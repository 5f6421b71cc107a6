/* sequence_bwd.c — BPTT of one cell's run over a sequence. The time loop
 * does only what must be sequential: the gate backward kernel and the
 * product dh_prev += dG W_hh (through W_hh^T packed by the plan, so it
 * streams like the forward product). Every step's gate gradients stay in the
 * workspace, so afterwards dW_ih, dW_hh and dX are each one GEMM over all
 * T*B rows and the bias gradients are column sums.
 *
 * Two threads: the time loop splits like the forward's (batch rows without
 * barriers; below batch 4 the hidden units, sequence_units.c). The
 * gradients after it split their outputs: rows of dW, columns of the bias
 * sums, rows of dX. */
#include <string.h>
#include "plan_internal.h"

/* Adds the upstream gradient of step t (if it is one of the last P) to n
 * floats of dh starting at element e0 of the step's B x H block. */
static void add_dy(float *dh, const float *dy, size_t t, size_t T, size_t P, size_t BH,
                   size_t e0, size_t n)
{
    if (!dy || t + P < T)
        return;
    const float *d = dy + (t + P - T) * BH + e0;
    for (size_t i = 0; i < n; i++)
        dh[i] += d[i];
}

/* dh_prev (1 x N) = beta*dh_prev + a W^T at batch 1, with the step's ride
 * when it has one; any batch without. */
static void product(const rnn_plan *p, size_t s, size_t M, size_t N, size_t K, const float *A,
                    size_t lda, const float *packed, float beta, float *C, size_t ldc,
                    const rnn_ride *ride)
{
    if (ride)
        rnn_step_product_ride(p, s, N, K, A, packed, NULL, beta, C, ride);
    else
        rnn_step_product(p, s, M, N, K, A, lda, packed, NULL, beta, C, ldc);
}

void rnn_seq_backward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                          size_t T, const float *dy, size_t P, rnn_dh_pair *pair, float *dx,
                          const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    if (th->n > 1 && rnn_split_units(p)) {
        rnn_units_backward(p, ws, w, s0, T, dy, P, pair, th);
        return;
    }
    size_t b0, b1;
    rnn_share(B, 1, th, &b0, &b1);
    const size_t nb = b1 - b0;
    float *dc = ws->dc + b0 * H, *drh = ws->drh + b0 * H;
    for (size_t t = T; t-- > 0;) {
        const size_t s = s0 + t;
        /* Both threads swap the pair alike; each uses its own rows of it. */
        float *dh_base = pair->dh, *dh_prev_base = pair->dh_next;
        pair->dh = dh_prev_base;
        pair->dh_next = dh_base;
        if (!nb)
            continue;
        float *dh = dh_base + b0 * H, *dh_prev = dh_prev_base + b0 * H;
        add_dy(dh, dy, t, T, P, BH, b0 * H, nb * H);
        const float *h_prev = ws->hs + s * BH + b0 * H, *h = ws->hs + (s + 1) * BH + b0 * H;
        const float *gates = ws->gates ? ws->gates + s * B * WH + b0 * WH : NULL;
        float *dg = ws->dgx + s * B * GH + b0 * GH;
        rnn_ride rbuf;
        const rnn_ride *ride = dx ? rnn_dx_ride_for_step(p, ws, w, s0, t, T, dx, &rbuf) : NULL;
        switch (p->desc.cell) {
        case RNN_TANH:
            k->rnn_tanh_bwd(nb, H, h, dh, dg);
            product(p, s, nb, H, GH, dg, GH, w->hh_t_packed, 0.0f, dh_prev, H, ride);
            break;
        case RNN_LSTM:
            k->lstm_bwd(nb, H, gates, ws->cs + s * BH + b0 * H, ws->cs + (s + 1) * BH + b0 * H,
                        dh, dc, dg);
            product(p, s, nb, H, GH, dg, GH, w->hh_t_packed, 0.0f, dh_prev, H, ride);
            break;
        case RNN_GRU: {
            /* n's pre-activation saw W_hn (r*h): its gradient reaches r and
             * h_prev through drh = dg_n W_hn before the r,z rows' share.
             * A ride splits 1:2 between the two products, as their sizes. */
            rnn_ride r1, r2;
            if (ride)
                rnn_ride_split(ride, 1, 3, &r1, &r2);
            k->gru_bwd_zn(nb, H, gates, h_prev, dh, dg, dh_prev);
            product(p, s, nb, H, H, dg + 2 * H, GH, w->hn_t_packed, 0.0f, drh, H,
                    ride ? &r1 : NULL);
            k->gru_bwd_r(nb, H, gates, h_prev, drh, dg, dh_prev);
            product(p, s, nb, H, 2 * H, dg, GH, w->hh_t_packed, 1.0f, dh_prev, H,
                    ride ? &r2 : NULL);
            break;
        }
        case RNN_LBR_GRU: {
            float *dgh = ws->dgh + s * B * GH + b0 * GH;
            k->lbr_gru_bwd(nb, H, gates, h_prev, dh, dg, dgh, dh_prev);
            product(p, s, nb, H, GH, dgh, GH, w->hh_t_packed, 1.0f, dh_prev, H, ride);
            break;
        }
        default:
            break;
        }
    }
}

void rnn_seq_weight_grads(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                          size_t T, size_t in_rows, const float *x, const int32_t *x_index,
                          const rnn_cell_grads *g, float *dx, int dx_ridden,
                          const rnn_thread *th)
{
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, I = (size_t)p->desc.I;
    const size_t GH = p->GH, rows = T * B;
    const float *dgx = ws->dgx + s0 * B * GH, *dgh = ws->dgh + s0 * B * GH;
    const float *h_prev = ws->hs + s0 * B * H;
    /* The gate columns this thread owns: rows of dW_ih, entries of the
     * bias sums (the same split in both, so bias_hh may copy bias_ih). */
    size_t j0, j1;
    rnn_share(GH, 16, th, &j0, &j1);
    if (g && g->weight_ih) {
        if (x_index) {
            /* dG^T onehot: each row adds to one column of dW_ih; accumulate
             * the transpose so those adds are contiguous. Each thread sums
             * its own gate columns over all rows. */
            float *acc = ws->dw_t;
            for (size_t i = 0; i < I; i++)
                memset(acc + i * GH + j0, 0, (j1 - j0) * sizeof *acc);
            for (size_t r = 0; r < in_rows; r++) {
                float *a = acc + (size_t)x_index[r] * GH;
                const float *d = dgx + r * GH;
                for (size_t j = j0; j < j1; j++)
                    a[j] += d[j];
            }
            for (size_t j = j0; j < j1; j++)
                for (size_t i = 0; i < I; i++)
                    g->weight_ih[j * I + i] = acc[i * GH + j];
        } else {
            rnn_par_gemm(p, th, 1, GH, I, in_rows, dgx, GH, x, I, g->weight_ih, I);
        }
    }
    if (g && g->bias_ih && j1 > j0)
        rnn_column_sums(rows, j1 - j0, dgx + j0, GH, g->bias_ih + j0);
    if (g && g->weight_hh) {
        if (p->desc.cell == RNN_GRU) {
            rnn_par_gemm(p, th, 1, 2 * H, H, rows, dgh, GH, h_prev, H, g->weight_hh, H);
            rnn_par_gemm(p, th, 1, H, H, rows, dgh + 2 * H, GH, ws->rh + s0 * B * H, H,
                         g->weight_hh + 2 * H * H, H);
        } else {
            rnn_par_gemm(p, th, 1, GH, H, rows, dgh, GH, h_prev, H, g->weight_hh, H);
        }
    }
    if (g && g->bias_hh && j1 > j0) {
        /* Only lbr_gru's dgh differs from dgx: otherwise the sums are equal. */
        if (dgh == dgx && g->bias_ih)
            memmove(g->bias_hh + j0, g->bias_ih + j0, (j1 - j0) * sizeof *g->bias_hh);
        else
            rnn_column_sums(rows, j1 - j0, dgh + j0, GH, g->bias_hh + j0);
    }
    /* The rows the BPTT loop's rides left: the first block it ran last. */
    const size_t dx_rows = dx_ridden ? in_rows - rnn_dx_ridden_rows(in_rows) : in_rows;
    if (dx && !x_index)
        rnn_par_packed_nt(p, th, dx_rows, I, GH, dgx, GH, w->ih_t_packed, NULL, 0.0f, dx, I);
}
