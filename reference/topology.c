/* topology.c — the five topologies and the output head, forward and BPTT,
 * in double (the semantics of docs/design.md §4-§5 and rnnsimd.h):
 *   one2one    x is 1 x B x I; one step; that step scored.
 *   one2many   x at step 1, zero inputs at steps 2..T; every step scored.
 *   many2one   x is T x B x I; step T scored.
 *   seq2seq    encoder T steps over x; decoder (own weights) T_out steps over
 *              x_dec from the encoder's final h (and c); decoder steps scored.
 *   many2many  x is T x B x I; every step scored.
 * Head: logits = W_hy h + b_y; loss = mean over the P*B scored positions of
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

/* One scored position: logits z = W_hy h + b_y, its cross-entropy against
 * target t, and (if dz is not NULL) dloss/dz = (softmax(z) - onehot(t)) / N. */
static double head_position(size_t V, size_t H, const double *W_hy, const double *b_y,
                            const double *h, int32_t t, double n_scored, double *z,
                            double *dz)
{
    for (size_t v = 0; v < V; v++) {
        double acc = 0.0;
        for (size_t k = 0; k < H; k++)
            acc += W_hy[v * H + k] * h[k];
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

/* Runs the head over every scored position of run r; writes logits and the
 * mean loss where wanted; with gradients, adds dloss/dh into dH (S x B x H
 * of run r) and writes dW_hy, db_y (if not NULL). */
static rnn_status head(const rnn_desc *d, const rnn_sizes *s, const ref_params *p,
                       const ref_run *r, const int32_t *targets, double *logits, double *loss,
                       double *dH, double *dW_hy, double *db_y)
{
    const size_t P = s->scored, B = (size_t)d->B, H = (size_t)d->H, V = (size_t)d->V;
    const size_t off = scored_offset(d);
    const double N = (double)(P * B);
    double *z = calloc(V, sizeof *z), *dz = calloc(V, sizeof *dz);
    if (!z || !dz) {
        free(z);
        free(dz);
        return RNN_ERR_NOMEM;
    }
    if (dW_hy)
        memset(dW_hy, 0, V * H * sizeof *dW_hy);
    if (db_y)
        memset(db_y, 0, V * sizeof *db_y);
    double total = 0.0;
    for (size_t pos = 0; pos < P; pos++)
        for (size_t b = 0; b < B; b++) {
            const size_t step = pos + off;
            const double *h = r->h + (step + 1) * B * H + b * H;
            const int32_t t = targets ? targets[pos * B + b] : -1;
            total += head_position(V, H, p->W_hy, p->b_y, h, t, N, z, dH ? dz : NULL);
            if (logits)
                memcpy(logits + (pos * B + b) * V, z, V * sizeof *z);
            if (!dH)
                continue;
            double *dh = dH + step * B * H + b * H;
            for (size_t k = 0; k < H; k++) {
                double acc = 0.0;
                for (size_t v = 0; v < V; v++)
                    acc += p->W_hy[v * H + k] * dz[v];
                dh[k] += acc;
            }
            for (size_t v = 0; v < V; v++) {
                if (dW_hy)
                    for (size_t k = 0; k < H; k++)
                        dW_hy[v * H + k] += dz[v] * h[k];
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

static void set_initial_state(ref_run *r, const double *h0, const double *c0)
{
    const size_t BH = r->B * r->H;
    if (h0)
        memcpy(r->h, h0, BH * sizeof *h0);
    if (c0 && r->cell == RNN_LSTM)
        memcpy(r->c, c0, BH * sizeof *c0);
}

/* Copies steps 1..S of a run's states (h or c) to dst. */
static void copy_states(double *dst, const double *states, const ref_run *r)
{
    const size_t BH = r->B * r->H;
    memcpy(dst, states + BH, r->S * BH * sizeof *dst);
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
    if (!weights_given(&p->cell) || (seq2seq && !weights_given(&p->decoder)))
        return RNN_ERR_NULL;
    if (want_head && (!p->W_hy || !p->b_y))
        return RNN_ERR_NULL;
    if (!in->x || (seq2seq && !in->x_dec) || (want_loss && !in->targets))
        return RNN_ERR_NULL;
    if (want_loss && (st = rnn_ref_check_indices(in->targets, s.targets, d->V)) != RNN_OK)
        return st;

    const size_t T = (size_t)d->T, B = (size_t)d->B, I = (size_t)d->I, H = (size_t)d->H;
    const size_t BH = B * H;
    ref_run enc, dec;
    memset(&dec, 0, sizeof dec);
    double *dH = NULL; /* the loss's gradient on the scored run's states */
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
    if ((st = rnn_ref_run_alloc(&enc, d->cell, T, B, I, H, &p->cell, x_enc)) != RNN_OK) {
        free(x_full);
        return st;
    }
    set_initial_state(&enc, in->h0, in->c0);
    rnn_ref_run_forward(&enc);
    if (seq2seq) {
        st = rnn_ref_run_alloc(&dec, d->cell, (size_t)d->T_out, B, I, H, &p->decoder, in->x_dec);
        if (st != RNN_OK)
            goto done;
        set_initial_state(&dec, enc.h + T * BH, enc.c + T * BH);
        rnn_ref_run_forward(&dec);
    }
    const ref_run *scored = seq2seq ? &dec : &enc;

    if (g && !(dH = calloc(scored->S * BH, sizeof *dH))) {
        st = RNN_ERR_NOMEM;
        goto done;
    }
    if (want_head) {
        st = head(d, &s, p, scored, want_loss ? in->targets : NULL, out ? out->logits : NULL,
                  out ? out->loss : NULL, dH, g ? g->W_hy : NULL, g ? g->b_y : NULL);
        if (st != RNN_OK)
            goto done;
    }
    if (out && out->h) {
        copy_states(out->h, enc.h, &enc);
        if (seq2seq)
            copy_states(out->h + T * BH, dec.h, &dec);
    }
    if (out && out->c && lstm) {
        copy_states(out->c, enc.c, &enc);
        if (seq2seq)
            copy_states(out->c + T * BH, dec.c, &dec);
    }
    if (!g)
        goto done;

    if (seq2seq) {
        /* The decoder's initial state is the encoder's final one: its
         * gradient flows into the encoder's last step. */
        double *dh_T = calloc(BH, sizeof *dh_T), *dc_T = calloc(BH, sizeof *dc_T);
        if (!dh_T || !dc_T)
            st = RNN_ERR_NOMEM;
        if (st == RNN_OK)
            st = rnn_ref_run_backward(&dec, dH, NULL, NULL, g->x_dec, dh_T, dc_T, &g->decoder);
        if (st == RNN_OK)
            st = rnn_ref_run_backward(&enc, NULL, dh_T, dc_T, g->x, g->h0, lstm ? g->c0 : NULL,
                                      &g->cell);
        free(dh_T);
        free(dc_T);
    } else if (d->topology == RNN_ONE2MANY && g->x) {
        /* Only step 1's input is an input; the zeros after it are not. */
        double *dx = calloc(T * B * I, sizeof *dx);
        if (!dx)
            st = RNN_ERR_NOMEM;
        if (st == RNN_OK)
            st = rnn_ref_run_backward(&enc, dH, NULL, NULL, dx, g->h0, lstm ? g->c0 : NULL,
                                      &g->cell);
        if (st == RNN_OK)
            memcpy(g->x, dx, B * I * sizeof *dx);
        free(dx);
    } else {
        st = rnn_ref_run_backward(&enc, dH, NULL, NULL, g->x, g->h0, lstm ? g->c0 : NULL, &g->cell);
    }

done:
    free(dH);
    rnn_ref_run_free(&enc);
    rnn_ref_run_free(&dec);
    free(x_full);
    return st;
}

rnn_status rnn_ref_seq_run(const rnn_desc *d, const ref_weights *w, const double *x,
                           const double *h0, const double *c0, double *output, double *hn,
                           double *cn, const double *grad_output, const double *grad_hn,
                           const double *grad_cn, const ref_grads *g)
{
    rnn_status st = rnn_ref_check_desc(d, NULL);
    if (st != RNN_OK)
        return st;
    if (d->topology != RNN_MANY2MANY)
        return RNN_ERR_TOPOLOGY;
    if (!w || !weights_given(w) || !x)
        return RNN_ERR_NULL;
    const size_t T = (size_t)d->T, B = (size_t)d->B, H = (size_t)d->H, BH = B * H;
    const int lstm = d->cell == RNN_LSTM;
    ref_run r;
    if ((st = rnn_ref_run_alloc(&r, d->cell, T, B, (size_t)d->I, H, w, x)) != RNN_OK)
        return st;
    set_initial_state(&r, h0, c0);
    rnn_ref_run_forward(&r);
    if (output)
        copy_states(output, r.h, &r);
    if (hn)
        memcpy(hn, r.h + T * BH, BH * sizeof *hn);
    if (cn && lstm)
        memcpy(cn, r.c + T * BH, BH * sizeof *cn);
    if (g)
        st = rnn_ref_run_backward(&r, grad_output, grad_hn, lstm ? grad_cn : NULL, g->x, g->h0,
                                  lstm ? g->c0 : NULL, &g->cell);
    rnn_ref_run_free(&r);
    return st;
}
