/* sequence_fwd.c — one cell's forward run over a sequence: the input
 * projection hoisted out of the time loop (one GEMM over all T*B rows, or a
 * row gather for one-hot inputs), then per step only the recurrent product
 * and the fused gate kernel. */
#include <string.h>
#include "plan_internal.h"

void rnn_project_input(const rnn_plan *p, const cell_pack *w, size_t rows, const float *x,
                       const int32_t *x_index, float *dst)
{
    const size_t GH = p->GH, I = (size_t)p->desc.I;
    if (!x_index) {
        p->k->gemm_packed_nt(rows, GH, I, x, I, w->ih_packed, w->b_ih, 0.0f, dst, GH);
        return;
    }
    /* W_ih onehot(j) is column j of W_ih, a contiguous row of its transpose. */
    for (size_t r = 0; r < rows; r++) {
        const float *col = w->w_ih_t + (size_t)x_index[r] * GH;
        float *o = dst + r * GH;
        for (size_t g = 0; g < GH; g++)
            o[g] = col[g] + w->b_ih[g];
    }
}

void rnn_load_state(const rnn_plan *p, rnn_workspace *ws, const float *h0, const float *c0)
{
    const size_t n = p->sizes.state * sizeof(float);
    if (h0)
        memcpy(ws->hs, h0, n);
    else
        memset(ws->hs, 0, n);
    if (p->desc.cell == RNN_LSTM) {
        if (c0)
            memcpy(ws->cs, c0, n);
        else
            memset(ws->cs, 0, n);
    }
}

void rnn_seq_forward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                         size_t T, const float *xp_later, int keep_cache)
{
    const rnn_kernels *k = p->k;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    float *hp = ws->hp;
    for (size_t t = 0; t < T; t++) {
        const size_t s = s0 + t;
        const float *xp = (xp_later && t > 0) ? xp_later : ws->xp + s * B * GH;
        const float *h_prev = ws->hs + s * BH;
        float *h = ws->hs + (s + 1) * BH;
        float *gates = keep_cache && ws->gates ? ws->gates + s * B * WH : NULL;
        switch (p->desc.cell) {
        case RNN_TANH:
            k->gemm_packed_nt(B, GH, H, h_prev, H, w->hh_packed, w->b_hh, 0.0f, hp, GH);
            k->rnn_tanh_fwd(B, H, xp, hp, h);
            break;
        case RNN_LSTM:
            k->gemm_packed_nt(B, GH, H, h_prev, H, w->hh_packed, w->b_hh, 0.0f, hp, GH);
            k->lstm_fwd(B, H, xp, hp, ws->cs + s * BH, gates, ws->cs + (s + 1) * BH, h);
            break;
        case RNN_GRU: {
            /* r,z first: W_hn multiplies r*h_prev, known only after them. */
            float *g = gates ? gates : ws->gates_one;
            float *rh = keep_cache ? ws->rh + s * BH : ws->rh_one;
            k->gemm_packed_nt(B, 2 * H, H, h_prev, H, w->hh_packed, w->b_hh, 0.0f, hp, GH);
            k->gru_fwd_rz(B, H, xp, hp, h_prev, g, rh);
            k->gemm_packed_nt(B, H, H, rh, H, w->hn_packed, w->b_hh + 2 * H, 0.0f, hp + 2 * H,
                              GH);
            k->gru_fwd_n(B, H, xp, hp, h_prev, g, h);
            break;
        }
        case RNN_LBR_GRU:
            k->gemm_packed_nt(B, GH, H, h_prev, H, w->hh_packed, w->b_hh, 0.0f, hp, GH);
            k->lbr_gru_fwd(B, H, xp, hp, h_prev, gates, h);
            break;
        default:
            break;
        }
    }
}
