/* sequence_bwd.c — BPTT of one cell's run over a sequence. The time loop
 * does only what must be sequential: the gate backward kernel and the
 * product dh_prev += dG W_hh (through W_hh^T packed by the plan, so it
 * streams like the forward product). Every step's gate gradients stay in the
 * workspace, so afterwards dW_ih, dW_hh and dX are each one GEMM over all
 * T*B rows and the bias gradients are column sums. */
#include <string.h>
#include "plan_internal.h"

void rnn_seq_backward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                          size_t T, const float *dy, size_t P)
{
    const rnn_kernels *k = p->k;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    for (size_t t = T; t-- > 0;) {
        const size_t s = s0 + t;
        float *dh = ws->dh, *dh_prev = ws->dh_next;
        if (dy && t + P >= T) {
            const float *d = dy + (t + P - T) * BH;
            for (size_t i = 0; i < BH; i++)
                dh[i] += d[i];
        }
        const float *h_prev = ws->hs + s * BH, *h = ws->hs + (s + 1) * BH;
        const float *gates = ws->gates ? ws->gates + s * B * WH : NULL;
        float *dg = ws->dgx + s * B * GH;
        switch (p->desc.cell) {
        case RNN_TANH:
            k->rnn_tanh_bwd(B, H, h, dh, dg);
            k->gemm_packed_nt(B, H, GH, dg, GH, w->hh_t_packed, NULL, 0.0f, dh_prev, H);
            break;
        case RNN_LSTM:
            k->lstm_bwd(B, H, gates, ws->cs + s * BH, ws->cs + (s + 1) * BH, dh, ws->dc, dg);
            k->gemm_packed_nt(B, H, GH, dg, GH, w->hh_t_packed, NULL, 0.0f, dh_prev, H);
            break;
        case RNN_GRU:
            /* n's pre-activation saw W_hn (r*h): its gradient reaches r and
             * h_prev through drh = dg_n W_hn before the r,z rows' share. */
            k->gru_bwd_zn(B, H, gates, h_prev, dh, dg, dh_prev);
            k->gemm_packed_nt(B, H, H, dg + 2 * H, GH, w->hn_t_packed, NULL, 0.0f, ws->drh, H);
            k->gru_bwd_r(B, H, gates, h_prev, ws->drh, dg, dh_prev);
            k->gemm_packed_nt(B, H, 2 * H, dg, GH, w->hh_t_packed, NULL, 1.0f, dh_prev, H);
            break;
        case RNN_LBR_GRU: {
            float *dgh = ws->dgh + s * B * GH;
            k->lbr_gru_bwd(B, H, gates, h_prev, dh, dg, dgh, dh_prev);
            k->gemm_packed_nt(B, H, GH, dgh, GH, w->hh_t_packed, NULL, 1.0f, dh_prev, H);
            break;
        }
        default:
            break;
        }
        ws->dh = dh_prev;
        ws->dh_next = dh;
    }
}

void rnn_seq_weight_grads(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                          size_t T, size_t in_rows, const float *x, const int32_t *x_index,
                          const rnn_cell_grads *g, float *dx)
{
    const rnn_kernels *k = p->k;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, I = (size_t)p->desc.I;
    const size_t GH = p->GH, rows = T * B;
    const float *dgx = ws->dgx + s0 * B * GH, *dgh = ws->dgh + s0 * B * GH;
    const float *h_prev = ws->hs + s0 * B * H;
    if (g && g->weight_ih) {
        if (x_index) {
            /* dG^T onehot: each row adds to one column of dW_ih; accumulate
             * the transpose so those adds are contiguous. */
            float *acc = ws->dw_t;
            memset(acc, 0, I * GH * sizeof *acc);
            for (size_t r = 0; r < in_rows; r++) {
                float *a = acc + (size_t)x_index[r] * GH;
                const float *d = dgx + r * GH;
                for (size_t j = 0; j < GH; j++)
                    a[j] += d[j];
            }
            for (size_t j = 0; j < GH; j++)
                for (size_t i = 0; i < I; i++)
                    g->weight_ih[j * I + i] = acc[i * GH + j];
        } else {
            k->gemm(1, 0, GH, I, in_rows, dgx, GH, x, I, 0.0f, g->weight_ih, I);
        }
    }
    if (g && g->bias_ih)
        rnn_column_sums(rows, GH, dgx, GH, g->bias_ih);
    if (g && g->weight_hh) {
        if (p->desc.cell == RNN_GRU) {
            k->gemm(1, 0, 2 * H, H, rows, dgh, GH, h_prev, H, 0.0f, g->weight_hh, H);
            k->gemm(1, 0, H, H, rows, dgh + 2 * H, GH, ws->rh + s0 * B * H, H, 0.0f,
                    g->weight_hh + 2 * H * H, H);
        } else {
            k->gemm(1, 0, GH, H, rows, dgh, GH, h_prev, H, 0.0f, g->weight_hh, H);
        }
    }
    if (g && g->bias_hh) {
        /* Only lbr_gru's dgh differs from dgx: otherwise the sums are equal. */
        if (dgh == dgx && g->bias_ih)
            memmove(g->bias_hh, g->bias_ih, GH * sizeof *g->bias_hh);
        else
            rnn_column_sums(rows, GH, dgh, GH, g->bias_hh);
    }
    if (dx && !x_index)
        k->gemm_packed_nt(in_rows, I, GH, dgx, GH, w->ih_t_packed, NULL, 0.0f, dx, I);
}
