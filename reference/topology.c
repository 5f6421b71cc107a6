/* topology.c — the five topologies and the output head, forward and BPTT,
 * in double (the semantics of docs/design.md §4-§5 and §7 and rnnsimd.h),
 * each over a stack of L layers and D directions (stack.c; one cell when
 * L*D = 1):
 *   one2one    x is 1 x B x I; one step; that step scored.
 *   one2many   x at step 1, zero inputs at steps 2..T; every step scored.
 *   many2one   x is T x B x I; step T scored.
 *   seq2seq    encoder T steps over x; decoder (own weights, L layers, one
 *              direction) T_out steps over x_dec, its layer l from the
 *              encoder's final h (and c) of layer l, the two directions'
 *              summed; decoder steps scored.
 *   many2many  x is T x B x I; every step scored.
 * Head: logits = W_hy y + b_y (y the top layer's output, D*H wide); loss = mean over the P*B scored positions of
 * -log softmax(logits)[target]. Positions are visited p ascending, b
 * ascending, in forward and backward alike. */
#include <stdlib.h>
#include <string.h>
#include "reference_internal.h"

static int weights_given(const ref_weights *w)
{
    return w->weight_ih && w->weight_hh && w->bias_ih && w->bias_hh;
}

/* Scored position p of the run it reads: step p + offset (0-based). */
static size_t scored_offset(const rnn_desc *d)
{
    return d->topology == RNN_MANY2ONE ? (size_t)d->T - 1 : 0;
}

/* A product's other operand as the plan reads it (ref_params.bf16). */
static double opnd(int bf16, double v)
{
    return bf16 ? rnn_ref_bf16_operand(v) : v;
}

/* One scored position: logits z = W_hy h + b_y, its cross-entropy against
 * target t, and (if dz is not NULL) dloss/dz = (softmax(z) - onehot(t)) / N.
 * bf16: h rounded as read (W_hy already is). */
static double head_position(int bf16, size_t V, size_t H, const double *W_hy,
                            const double *b_y, const double *h, int32_t t, double n_scored,
                            double *z, double *dz)
{
    for (size_t v = 0; v < V; v++) {
        double acc = 0.0;
        for (size_t k = 0; k < H; k++)
            acc += W_hy[v * H + k] * opnd(bf16, h[k]);
        z[v] = acc + b_y[v];
    }
    if (t < 0)
        return 0.0;
    double m = z[0];
    for (size_t v = 1; v < V; v++)
        if (z[v] > m)
            m = z[v];
    double se = 0.0;
    for (size_t v = 0; v < V; v++)
        se += rnn_ref_exp(z[v] - m);
    const double nll = rnn_ref_log(se) - (z[t] - m);
    if (dz)
        for (size_t v = 0; v < V; v++) {
            const double pv = rnn_ref_exp(z[v] - m) / se;
            dz[v] = (pv - (v == (size_t)t ? 1.0 : 0.0)) / n_scored;
        }
    return nll;
}

/* Runs the head over every scored position of the top layer's output Y
 * (steps x B x W, time order); writes logits and the mean loss where wanted;
 * with gradients, adds dloss/dY into dY (like Y) and writes dW_hy, db_y (if
 * not NULL). */
static rnn_status head(const rnn_desc *d, const rnn_sizes *s, const ref_params *p,
                       const double *Y, size_t W, const int32_t *targets, double *logits,
                       double *loss, double *dY, double *dW_hy, double *db_y)
{
    const size_t P = s->scored, B = (size_t)d->B, V = (size_t)d->V;
    const size_t off = scored_offset(d);
    const double N = (double)(P * B);
    double *z = calloc(V, sizeof *z), *dz = calloc(V, sizeof *dz);
    if (!z || !dz) {
        free(z);
        free(dz);
        return RNN_ERR_NOMEM;
    }
    if (dW_hy)
        memset(dW_hy, 0, V * W * sizeof *dW_hy);
    if (db_y)
        memset(db_y, 0, V * sizeof *db_y);
    double total = 0.0;
    for (size_t pos = 0; pos < P; pos++)
        for (size_t b = 0; b < B; b++) {
            const size_t step = pos + off;
            const double *h = Y + (step * B + b) * W;
            const int32_t t = targets ? targets[pos * B + b] : -1;
            total += head_position(p->bf16, V, W, p->W_hy, p->b_y, h, t, N, z, dY ? dz : NULL);
            if (logits)
                memcpy(logits + (pos * B + b) * V, z, V * sizeof *z);
            if (!dY)
                continue;
            double *dh = dY + (step * B + b) * W;
            for (size_t k = 0; k < W; k++) {
                double acc = 0.0;
                for (size_t v = 0; v < V; v++)
                    acc += p->W_hy[v * W + k] * opnd(p->bf16, dz[v]);
                dh[k] += acc;
            }
            for (size_t v = 0; v < V; v++) {
                if (dW_hy)
                    for (size_t k = 0; k < W; k++)
                        dW_hy[v * W + k] += opnd(p->bf16, dz[v]) * opnd(p->bf16, h[k]);
                if (db_y)
                    db_y[v] += dz[v];
            }
        }
    if (loss)
        *loss = total / N;
    free(z);
    free(dz);
    return RNN_OK;
}

/* The encoder's cells (L*D) and the decoder's (L): the layers arrays, or the
 * single cell. */
static const ref_weights *enc_weights(const ref_params *p)
{
    return p->layers ? p->layers : &p->cell;
}

static const ref_weights *dec_weights(const ref_params *p)
{
    return p->dec_layers ? p->dec_layers : &p->decoder;
}

static int all_given(const ref_weights *w, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!weights_given(&w[k]))
            return 0;
    return 1;
}

/* The seq2seq decoder's layer l starts from the encoder's final state of
 * layer l: with two directions, the sum of the forward cell's h_T and the
 * reverse cell's h at t = 0 (c likewise), forward first (docs/design.md §7).
 * With one direction, a copy. */
static void decoder_start(const ref_stack *enc, double *h0, double *c0)
{
    const size_t L = enc->L, D = enc->D, BH = enc->B * enc->H;
    for (size_t l = 0; l < L; l++)
        for (size_t i = 0; i < BH; i++) {
            double h = rnn_ref_stack_final_h(enc, l * D)[i];
            double c = rnn_ref_stack_final_c(enc, l * D)[i];
            if (D == 2) {
                h += rnn_ref_stack_final_h(enc, l * D + 1)[i];
                c += rnn_ref_stack_final_c(enc, l * D + 1)[i];
            }
            h0[l * BH + i] = h;
            c0[l * BH + i] = c;
        }
}

/* The gradients of the decoder's start, d(dh0_dec), reach every encoder
 * direction of the same layer unchanged (the start is their sum). */
static void start_grads(size_t L, size_t D, size_t BH, const double *ddec, double *denc)
{
    for (size_t l = 0; l < L; l++)
        for (size_t d = 0; d < D; d++)
            memcpy(denc + (l * D + d) * BH, ddec + l * BH, BH * sizeof *denc);
}

/* One cell's gradients per cell of a stack: the layers array, or the single
 * cell's. */
static const ref_cell_grads *grads_of(const ref_cell_grads *layers,
                                      const ref_cell_grads *single)
{
    return layers ? layers : single;
}

rnn_status rnn_ref_model_run(const rnn_desc *d, const ref_params *p, const ref_inputs *in,
                             const ref_outputs *out, const ref_grads *g)
{
    rnn_sizes s;
    rnn_status st = rnn_ref_check_desc(d, &s);
    if (st != RNN_OK)
        return st;
    if (!p || !in || (!out && !g))
        return RNN_ERR_NULL;
    const int seq2seq = d->topology == RNN_SEQ2SEQ, lstm = d->cell == RNN_LSTM;
    const int want_loss = g || (out && out->loss);
    const int want_head = want_loss || (out && out->logits);
    const size_t L = s.layers, D = s.directions, cells = s.cells;
    if ((cells > 1 && !p->layers) || (seq2seq && L > 1 && !p->dec_layers))
        return RNN_ERR_NULL;
    if (!all_given(enc_weights(p), cells) || (seq2seq && !all_given(dec_weights(p), L)))
        return RNN_ERR_NULL;
    if (want_head && (!p->W_hy || !p->b_y))
        return RNN_ERR_NULL;
    if (!in->x || (seq2seq && !in->x_dec) || (want_loss && !in->targets))
        return RNN_ERR_NULL;
    if (want_loss && (st = rnn_ref_check_indices(in->targets, s.targets, d->V)) != RNN_OK)
        return st;

    const size_t T = (size_t)d->T, B = (size_t)d->B, I = (size_t)d->I, H = (size_t)d->H;
    const size_t BH = B * H, DH = D * H, T_out = (size_t)d->T_out;
    ref_stack enc, dec;
    memset(&enc, 0, sizeof enc);
    memset(&dec, 0, sizeof dec);
    double *dY = NULL;            /* the loss's gradient on the scored stack's top output */
    double *h0_dec = NULL, *c0_dec = NULL, *dh_start = NULL, *dc_start = NULL;
    /* one2many: step 1 reads x, steps 2..T a zero input. */
    double *x_full = NULL;
    const double *x_enc = in->x;
    if (d->topology == RNN_ONE2MANY) {
        x_full = calloc(T * B * I, sizeof *x_full);
        if (!x_full)
            return RNN_ERR_NOMEM;
        memcpy(x_full, in->x, B * I * sizeof *x_full);
        x_enc = x_full;
    }
    st = rnn_ref_stack_forward(&enc, d->cell, L, D, T, B, I, H, enc_weights(p), x_enc, in->h0,
                               in->c0);
    if (st != RNN_OK)
        goto done;
    if (seq2seq) {
        h0_dec = calloc(L * BH, sizeof *h0_dec);
        c0_dec = calloc(L * BH, sizeof *c0_dec);
        if (!h0_dec || !c0_dec) {
            st = RNN_ERR_NOMEM;
            goto done;
        }
        decoder_start(&enc, h0_dec, c0_dec);
        st = rnn_ref_stack_forward(&dec, d->cell, L, 1, T_out, B, I, H, dec_weights(p),
                                   in->x_dec, h0_dec, c0_dec);
        if (st != RNN_OK)
            goto done;
    }
    const ref_stack *scored = seq2seq ? &dec : &enc;
    const size_t W = seq2seq ? H : DH; /* the head's input width */

    if (g && !(dY = calloc(scored->T * B * W, sizeof *dY))) {
        st = RNN_ERR_NOMEM;
        goto done;
    }
    if (want_head) {
        st = head(d, &s, p, rnn_ref_stack_top(scored), W, want_loss ? in->targets : NULL,
                  out ? out->logits : NULL, out ? out->loss : NULL, dY, g ? g->W_hy : NULL,
                  g ? g->b_y : NULL);
        if (st != RNN_OK)
            goto done;
    }
    if (out && out->h) {
        memcpy(out->h, rnn_ref_stack_top(&enc), T * B * DH * sizeof *out->h);
        if (seq2seq)
            memcpy(out->h + T * B * DH, rnn_ref_stack_top(&dec), T_out * BH * sizeof *out->h);
    }
    if (out && out->c && lstm) {
        rnn_ref_stack_top_c(&enc, out->c);
        if (seq2seq)
            rnn_ref_stack_top_c(&dec, out->c + T * B * DH);
    }
    if (!g)
        goto done;

    const ref_cell_grads *dw = grads_of(g->layers, &g->cell);
    if (seq2seq) {
        /* The decoder's initial states come from the encoder's final ones:
         * their gradients flow into the encoder's last steps. */
        const ref_cell_grads *dw_dec = grads_of(g->dec_layers, &g->decoder);
        double *dh0_dec = calloc(L * BH, sizeof *dh0_dec), *dc0_dec = calloc(L * BH, sizeof *dc0_dec);
        dh_start = calloc(L * D * BH, sizeof *dh_start);
        dc_start = calloc(L * D * BH, sizeof *dc_start);
        if (!dh0_dec || !dc0_dec || !dh_start || !dc_start)
            st = RNN_ERR_NOMEM;
        if (st == RNN_OK)
            st = rnn_ref_stack_backward(&dec, dY, NULL, NULL, g->x_dec, dh0_dec, dc0_dec, dw_dec);
        if (st == RNN_OK) {
            start_grads(L, D, BH, dh0_dec, dh_start);
            start_grads(L, D, BH, dc0_dec, dc_start);
            st = rnn_ref_stack_backward(&enc, NULL, dh_start, lstm ? dc_start : NULL, g->x,
                                        g->h0, lstm ? g->c0 : NULL, dw);
        }
        free(dh0_dec);
        free(dc0_dec);
    } else if (d->topology == RNN_ONE2MANY && g->x) {
        /* Only step 1's input is an input; the zeros after it are not. */
        double *dx = calloc(T * B * I, sizeof *dx);
        if (!dx)
            st = RNN_ERR_NOMEM;
        if (st == RNN_OK)
            st = rnn_ref_stack_backward(&enc, dY, NULL, NULL, dx, g->h0, lstm ? g->c0 : NULL, dw);
        if (st == RNN_OK)
            memcpy(g->x, dx, B * I * sizeof *dx);
        free(dx);
    } else {
        st = rnn_ref_stack_backward(&enc, dY, NULL, NULL, g->x, g->h0, lstm ? g->c0 : NULL, dw);
    }

done:
    free(dY);
    free(h0_dec);
    free(c0_dec);
    free(dh_start);
    free(dc_start);
    rnn_ref_stack_free(&enc);
    rnn_ref_stack_free(&dec);
    free(x_full);
    return st;
}

rnn_status rnn_ref_seq_run(const rnn_desc *d, const ref_weights *w, const double *x,
                           const double *h0, const double *c0, double *output, double *hn,
                           double *cn, const double *grad_output, const double *grad_hn,
                           const double *grad_cn, const ref_grads *g)
{
    rnn_sizes s;
    rnn_status st = rnn_ref_check_desc(d, &s);
    if (st != RNN_OK)
        return st;
    if (d->topology != RNN_MANY2MANY)
        return RNN_ERR_TOPOLOGY;
    if (!w || !all_given(w, s.cells) || !x)
        return RNN_ERR_NULL;
    const size_t T = (size_t)d->T, B = (size_t)d->B, H = (size_t)d->H, BH = B * H;
    const int lstm = d->cell == RNN_LSTM;
    ref_stack stack;
    st = rnn_ref_stack_forward(&stack, d->cell, s.layers, s.directions, T, B, (size_t)d->I, H,
                               w, x, h0, lstm ? c0 : NULL);
    if (st != RNN_OK)
        return st;
    if (output)
        memcpy(output, rnn_ref_stack_top(&stack), T * B * s.out_width * sizeof *output);
    for (size_t k = 0; k < s.cells; k++) {
        if (hn)
            memcpy(hn + k * BH, rnn_ref_stack_final_h(&stack, k), BH * sizeof *hn);
        if (cn && lstm)
            memcpy(cn + k * BH, rnn_ref_stack_final_c(&stack, k), BH * sizeof *cn);
    }
    if (g)
        st = rnn_ref_stack_backward(&stack, grad_output, grad_hn, lstm ? grad_cn : NULL, g->x,
                                    g->h0, lstm ? g->c0 : NULL, grads_of(g->layers, &g->cell));
    rnn_ref_stack_free(&stack);
    return st;
}
