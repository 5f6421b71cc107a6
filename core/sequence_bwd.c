/* sequence_bwd.c — BPTT of one cell's run over a sequence. The time loop
 * does only what must be sequential: per phase of the cell (cells.h) the
 * gate backward kernel and the product dh_prev += dG W_hh (through W_hh^T
 * packed by the plan, so it streams like the forward product). Every step's gate gradients stay in the
 * workspace, so afterwards dW_ih, dW_hh and dX are each one GEMM over all
 * T*B rows and the bias gradients are column sums.
 *
 * Two threads: the time loop splits like the forward's (batch rows without
 * barriers; below batch 4 the hidden units, sequence_units.c). The
 * gradients after it split their outputs: rows of dW, columns of the bias
 * sums, rows of dX. */
#include <string.h>
#include "drivers.h"
#include "timing.h"

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
    const rnn_cell_ops *ops = p->ops;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    if (th->n > 1 && rnn_split_units(p)) {
        rnn_units_backward(p, ws, w, s0, T, dy, P, pair, th);
        return;
    }
    size_t b0, b1;
    rnn_share(B, 1, th, &b0, &b1);
    const size_t nb = b1 - b0;
    for (size_t j = T; j-- > 0;) {
        const size_t t = rnn_step_time(p, j, T), s = s0 + t;
        const size_t sp = rnn_state_prev(p, s), so = rnn_state_out(p, s);
        /* Both threads swap the pair alike; each uses its own rows of it. */
        float *dh_base = pair->dh, *dh_prev_base = pair->dh_next;
        pair->dh = dh_prev_base;
        pair->dh_next = dh_base;
        if (!nb)
            continue;
        add_dy(dh_base + b0 * H, dy, t, T, P, BH, b0 * H, nb * H);
        rnn_bwd_io io = {NULL, ws->hs + sp * BH + b0 * H, ws->hs + so * BH + b0 * H, NULL,
                         NULL, dh_base + b0 * H, ws->drh + b0 * H, ws->dc + b0 * H,
                         ws->dgx + s * B * GH + b0 * GH, ws->dgh + s * B * GH + b0 * GH,
                         dh_prev_base + b0 * H};
        if (ws->gates)
            io.gates = ws->gates + s * B * WH + b0 * WH;
        if (ws->cs) {
            io.c_prev = ws->cs + sp * BH + b0 * H;
            io.c = ws->cs + so * BH + b0 * H;
        }
        rnn_ride rbuf, rest = {0};
        const rnn_ride *ride = dx ? rnn_dx_ride_for_step(p, ws, w, s0, j, T, dx, &rbuf) : NULL;
        if (ride)
            rest = *ride;
        /* Each phase's gate kernel, then the product back through the rows
         * of the forward phases in reverse order. */
        for (size_t i = 0; i < ops->phases; i++) {
            const size_t ph = ops->phases - 1 - i;
            const rnn_cell_phase *f = &ops->phase[ph];
            RNN_TIMED(ws, bwd_gates, ops->phase[i].bwd(k, nb, H, &io));
            /* The ride's columns split between the products as their sizes
             * (phases 0..ph hold gates [0, g1)). */
            rnn_ride mine = rest;
            if (ride && i + 1 < ops->phases)
                rnn_ride_split(&rest, f->g1 - f->g0, f->g1, &mine, &rest);
            float *dst = f->reads_rh ? ws->drh + b0 * H : io.dh_prev;
            const float beta = !f->reads_rh && ops->bwd_writes_dh_prev ? 1.0f : 0.0f;
            RNN_TIMED(ws, bwd_products,
                      product(p, s, nb, H, (f->g1 - f->g0) * H, io.dgh + f->g0 * H, GH,
                              w->hh_t_packed[ph], beta, dst, H, ride ? &mine : NULL));
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
    /* The states the steps read, in time order: hs[s0..] forward, one
     * further for a reverse cell (drivers.h). */
    const float *h_prev = ws->hs + rnn_state_prev(p, s0) * B * H;
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
    /* dW_hh by the phases' rows: each the product of its gates' dG with what
     * the forward multiplied them by (h_prev, or r * h_prev). */
    for (size_t ph = 0; g && g->weight_hh && ph < p->ops->phases; ph++) {
        const rnn_cell_phase *f = &p->ops->phase[ph];
        rnn_par_gemm(p, th, 1, (f->g1 - f->g0) * H, H, rows, dgh + f->g0 * H, GH,
                     f->reads_rh ? ws->rh + s0 * B * H : h_prev, H,
                     g->weight_hh + f->g0 * H * H, H);
    }
    if (g && g->bias_hh && j1 > j0) {
        /* Where dgh is dgx, the sums are equal. */
        if (dgh == dgx && g->bias_ih)
            memmove(g->bias_hh + j0, g->bias_ih + j0, (j1 - j0) * sizeof *g->bias_hh);
        else
            rnn_column_sums(rows, j1 - j0, dgh + j0, GH, g->bias_hh + j0);
    }
    /* The rows the BPTT loop's rides left: the first block it ran last. */
    const size_t dx_rows = dx_ridden ? in_rows - rnn_dx_ridden_rows(p, in_rows) : in_rows;
    if (dx && !x_index)
        rnn_par_packed_nt(p, th, dx_rows, I, GH, dgx, GH, w->ih_t_packed, NULL, 0.0f, dx, I);
}
