/* sequence_fwd.c — one cell's forward run over a sequence: the input
 * projection hoisted out of the time loop (one GEMM over all T*B rows, or a
 * row gather for one-hot inputs), then per step only the recurrent product
 * and the fused gate kernel.
 *
 * Two threads: the projection splits by rows. The time loop splits the
 * batch rows when B >= 4 (each thread runs every step on its rows, no
 * barrier). Below that (rnn_split_columns) it splits each recurrent product
 * by panels of columns: there the weights' stream, not the FMAs, bounds a
 * step, and a share of one row would take the GEMV path and change the
 * bits. The gate kernels index their gates at g*H and so run whole on
 * thread 0, between barriers. Barriers per step: rnn_tanh 1 (its gate is
 * elementwise, so each thread applies it to its own columns), lstm and
 * lbr_gru 2, gru 4 (two products, each before a gate kernel). */
#include <string.h>
#include "plan_internal.h"

void rnn_project_input(const rnn_plan *p, const cell_pack *w, size_t rows, const float *x,
                       const int32_t *x_index, float *dst, const rnn_thread *th)
{
    const size_t GH = p->GH, I = (size_t)p->desc.I;
    if (!x_index) {
        rnn_par_packed_nt(p, th, rows, GH, I, x, I, w->ih_packed, w->b_ih, 0.0f, dst, GH);
        return;
    }
    /* W_ih onehot(j) is column j of W_ih, a contiguous row of its transpose. */
    size_t r0, r1;
    rnn_share(rows, 1, th, &r0, &r1);
    for (size_t r = r0; r < r1; r++) {
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

/* Small batches on two threads: products by columns, gates between
 * barriers. */
/* A state of all zeros (h0 not given: the first step of every sequence, and
 * all of a one-to-one call) makes the recurrent product its bias: skip
 * streaming W_hh. Exact up to the sign of a zero result when W_hh is finite;
 * a NaN or infinite weight makes 0 * w NaN, and then the product runs. The
 * scan stops at the first nonzero, so on later steps it costs a compare. */
static int zero_state(const cell_pack *w, size_t n, const float *a)
{
    if (!w->hh_finite)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != 0.0f)
            return 0;
    return 1;
}

/* C (M x N rows of ldc) = bias, or the packed product of A when A is not
 * all zeros: this thread's rows. */
static void product_rows(const rnn_plan *p, const cell_pack *w, size_t M, size_t N, size_t K,
                         const float *A, const float *packed, const float *bias, float *C,
                         size_t ldc)
{
    if (!zero_state(w, M * K, A)) {
        p->k->gemm_packed_nt(M, N, K, A, K, packed, bias, 0.0f, C, ldc);
        return;
    }
    for (size_t m = 0; m < M; m++)
        memcpy(C + m * ldc, bias, N * sizeof *C);
}

/* The same for this thread's share of the columns (both threads see the
 * same A, so they take the same branch). */
static void product_cols(const rnn_plan *p, const cell_pack *w, const rnn_thread *th, size_t M,
                         size_t N, size_t K, const float *A, const float *packed,
                         const float *bias, float *C, size_t ldc)
{
    if (!zero_state(w, M * K, A)) {
        rnn_par_packed_cols(p, th, M, N, K, A, K, packed, bias, 0.0f, C, ldc);
        return;
    }
    size_t c0, c1;
    rnn_share(N, p->nr ? p->nr : N, th, &c0, &c1);
    for (size_t m = 0; m < M && c1 > c0; m++)
        memcpy(C + m * ldc + c0, bias + c0, (c1 - c0) * sizeof *C);
}

static void forward_cols(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                         size_t T, const float *xp_later, int keep_cache, const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    const int gate_thread = th->tid == 0;
    float *hp = ws->hp;
    for (size_t t = 0; t < T; t++) {
        const size_t s = s0 + t;
        const float *xp = (xp_later && t > 0) ? xp_later : ws->xp + s * B * GH;
        const float *h_prev = ws->hs + s * BH;
        float *h = ws->hs + (s + 1) * BH;
        float *gates = keep_cache && ws->gates ? ws->gates + s * B * WH : NULL;
        switch (p->desc.cell) {
        case RNN_TANH: {
            size_t c0, c1;
            rnn_share(H, p->nr, th, &c0, &c1);
            product_cols(p, w, th, B, GH, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            for (size_t b = 0; b < B && c1 > c0; b++)
                k->rnn_tanh_fwd(1, c1 - c0, xp + b * GH + c0, hp + b * GH + c0, h + b * H + c0);
            rnn_sync(th);
            break;
        }
        case RNN_LSTM:
            product_cols(p, w, th, B, GH, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            rnn_sync(th);
            if (gate_thread)
                k->lstm_fwd(B, H, xp, hp, ws->cs + s * BH, gates, ws->cs + (s + 1) * BH, h);
            rnn_sync(th);
            break;
        case RNN_GRU: {
            float *g = gates ? gates : ws->gates_one;
            float *rh = keep_cache ? ws->rh + s * BH : ws->rh_one;
            product_cols(p, w, th, B, 2 * H, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            rnn_sync(th);
            if (gate_thread)
                k->gru_fwd_rz(B, H, xp, hp, h_prev, g, rh);
            rnn_sync(th);
            product_cols(p, w, th, B, H, H, rh, w->hn_packed, w->b_hh + 2 * H, hp + 2 * H, GH);
            rnn_sync(th);
            if (gate_thread)
                k->gru_fwd_n(B, H, xp, hp, h_prev, g, h);
            rnn_sync(th);
            break;
        }
        case RNN_LBR_GRU:
            product_cols(p, w, th, B, GH, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            rnn_sync(th);
            if (gate_thread)
                k->lbr_gru_fwd(B, H, xp, hp, h_prev, gates, h);
            rnn_sync(th);
            break;
        default:
            break;
        }
    }
}

void rnn_seq_forward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                         size_t T, const float *xp_later, int keep_cache, const rnn_thread *th)
{
    const rnn_kernels *k = p->k;
    const size_t B = (size_t)p->desc.B, H = (size_t)p->desc.H, GH = p->GH;
    const size_t BH = B * H, WH = p->W * H;
    if (th->n > 1 && rnn_split_columns(p)) {
        forward_cols(p, ws, w, s0, T, xp_later, keep_cache, th);
        return;
    }
    /* This thread's rows [b0, b0 + nb) of every B-row block. */
    size_t b0, b1;
    rnn_share(B, 1, th, &b0, &b1);
    const size_t nb = b1 - b0;
    if (!nb)
        return;
    float *hp = ws->hp + b0 * GH;
    for (size_t t = 0; t < T; t++) {
        const size_t s = s0 + t;
        const float *xp = ((xp_later && t > 0) ? xp_later : ws->xp + s * B * GH) + b0 * GH;
        const float *h_prev = ws->hs + s * BH + b0 * H;
        float *h = ws->hs + (s + 1) * BH + b0 * H;
        float *gates = keep_cache && ws->gates ? ws->gates + s * B * WH + b0 * WH : NULL;
        const float *c_prev = ws->cs ? ws->cs + s * BH + b0 * H : NULL;
        float *c = ws->cs ? ws->cs + (s + 1) * BH + b0 * H : NULL;
        switch (p->desc.cell) {
        case RNN_TANH:
            product_rows(p, w, nb, GH, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            k->rnn_tanh_fwd(nb, H, xp, hp, h);
            break;
        case RNN_LSTM:
            product_rows(p, w, nb, GH, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            k->lstm_fwd(nb, H, xp, hp, c_prev, gates, c, h);
            break;
        case RNN_GRU: {
            /* r,z first: W_hn multiplies r*h_prev, known only after them. */
            float *g = gates ? gates : ws->gates_one + b0 * WH;
            float *rh = (keep_cache ? ws->rh + s * BH : ws->rh_one) + b0 * H;
            product_rows(p, w, nb, 2 * H, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            k->gru_fwd_rz(nb, H, xp, hp, h_prev, g, rh);
            product_rows(p, w, nb, H, H, rh, w->hn_packed, w->b_hh + 2 * H, hp + 2 * H, GH);
            k->gru_fwd_n(nb, H, xp, hp, h_prev, g, h);
            break;
        }
        case RNN_LBR_GRU:
            product_rows(p, w, nb, GH, H, h_prev, w->hh_packed, w->b_hh, hp, GH);
            k->lbr_gru_fwd(nb, H, xp, hp, h_prev, gates, h);
            break;
        default:
            break;
        }
    }
}
