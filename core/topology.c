/* topology.c — rnn_plan_forward and rnn_plan_train: the five topologies
 * composed from sequence runs and the head (semantics in rnnsimd.h and
 * docs/design.md, "The math").
 *
 * In every topology the scored steps are the last P of the S steps run
 * (one2one, many2one: the last; one2many, many2many: all; seq2seq: the
 * decoder's), so the head reads one contiguous block of hs and its gradient
 * enters BPTT as the upstream gradient of the last run's last P steps.
 *
 * A stack (docs/design.md §7) runs its layers through stack.c in the same
 * regions; the head reads its top layer.
 *
 * Aliasing: every output (forward outputs and gradients) is checked, as a
 * byte range, against every input the call reads (x or x_index, x_dec or
 * x_dec_index, h0, c0 for lstm, targets when used); an overlap is
 * RNN_ERR_ALIAS and nothing is written. Outputs may overlap each other (the
 * result is then unspecified) and the caller's weights (the plan has its
 * own copies).
 *
 * Threads: each call's work after validation is one function (a "region")
 * that rnn_team_run runs on the caller alone or on the caller and the
 * workspace's helper; its stages meet at rnn_sync where one reads what the
 * other thread wrote. */
#include <string.h>
#include "drivers.h"
#include "timing.h"
#include "validate.h"

/* One call's arguments, shared by the threads that run it. */
typedef struct {
    const rnn_plan *p;
    rnn_workspace *ws;
    const rnn_inputs *in;
    rnn_outputs *out;
    rnn_grads *g;
    int want_head, want_loss;
    rnn_dh_pair dh; /* train: where the gradient on h0 ended up (thread 0's copy) */
} call_args;

/* The whole forward pass of the cell(s) into the workspace. */
static void run_cells(const call_args *c, int keep_cache, const rnn_thread *th)
{
    const rnn_plan *p = c->p;
    rnn_workspace *ws = c->ws;
    const rnn_inputs *in = c->in;
    const rnn_desc *d = &p->desc;
    const size_t T = (size_t)d->T, B = (size_t)d->B, I = (size_t)d->I;
    const int seq2seq = d->topology == RNN_SEQ2SEQ;
    const size_t rows = p->sizes.x / I, rows_dec = seq2seq ? p->sizes.x_dec / I : 0;
    RNN_TIMED(ws, projection, rnn_project_input(p, &p->cell, rows, in->x, in->x_index, ws->xp, th));
    if (seq2seq)
        RNN_TIMED(ws, projection,
                  rnn_project_input(p, &p->decoder, rows_dec, in->x_dec, in->x_dec_index,
                                    ws->xp + T * B * p->GH, th));
    rnn_sync(th);
    /* Where the projection left rows to the loop, the loop reads x. */
    const float *x = rnn_fused_projection(p, rows, !in->x_index, th) ? in->x : NULL;
    const float *x_dec =
        seq2seq && rnn_fused_projection(p, rows_dec, !in->x_dec_index, th) ? in->x_dec : NULL;
    rnn_seq_forward_run(p, ws, &p->cell, 0, T, x,
                        d->topology == RNN_ONE2MANY ? p->xp_bias : NULL, keep_cache, th);
    if (seq2seq)
        rnn_seq_forward_run(p, ws, &p->decoder, T, (size_t)d->T_out, x_dec, NULL, keep_cache,
                            th);
}

static void store_states(const rnn_plan *p, const rnn_workspace *ws, const rnn_outputs *out)
{
    const size_t BH = p->sizes.state, n = p->sizes.h * sizeof(float);
    if (out->h)
        memcpy(out->h, ws->hs + BH, n);
    if (out->c && p->ops->has_c)
        memcpy(out->c, ws->cs + BH, n);
}

static const float *scored_h(const rnn_plan *p, const rnn_workspace *ws)
{
    if (p->cells) {
        /* The top layer's output: the encoder's (its last P steps), or the
         * decoder's (all of it). */
        const int seq2seq = p->desc.topology == RNN_SEQ2SEQ;
        const size_t first = seq2seq ? 0 : (size_t)p->desc.T - p->sizes.scored;
        return rnn_stack_top(p, ws, seq2seq) + first * (size_t)p->desc.B * p->sizes.head_in;
    }
    return ws->hs + (p->sizes.steps - p->sizes.scored + 1) * p->sizes.state;
}

static void forward_region(void *arg, const rnn_thread *th)
{
    const call_args *c = arg;
    if (c->p->cells)
        rnn_stack_run(c->p, c->ws, c->in, 0, th);
    else
        run_cells(c, 0, th);
    if (c->want_head) {
        rnn_sync(th);
        RNN_TIMED(c->ws, head,
                  rnn_head_forward(c->p, c->ws, scored_h(c->p, c->ws), c->p->sizes.scored,
                                   c->want_loss ? c->in->targets : NULL, c->out->logits,
                                   c->out->loss, 0, th));
    }
}

/* Forward with the cache, the head and its backward, BPTT (the decoder's
 * then the encoder's: the decoder hands the encoder its gradient on the
 * initial state), then the weight gradients of both cells. */
static void train_region(void *arg, const rnn_thread *th)
{
    call_args *c = arg;
    const rnn_plan *p = c->p;
    rnn_workspace *ws = c->ws;
    const rnn_inputs *in = c->in;
    rnn_grads *g = c->g;
    const rnn_desc *d = &p->desc;
    const size_t T = (size_t)d->T, I = (size_t)d->I, P = p->sizes.scored;
    if (p->cells)
        rnn_stack_run(p, ws, in, 1, th);
    else
        run_cells(c, 1, th);
    rnn_sync(th);
    const float *hsc = scored_h(p, ws);
    RNN_TIMED(ws, head, {
        rnn_head_forward(p, ws, hsc, P, in->targets, c->out->logits, c->out->loss, 1, th);
        rnn_head_backward(p, ws, hsc, P, g->W_hy, g->b_y, th);
    });
    rnn_sync(th);
    if (p->cells) {
        rnn_stack_train(p, ws, in, g, th);
        return;
    }
    rnn_dh_pair dh = {ws->dh, ws->dh_next};
    /* Where the fused step applies, BPTT computes most of dx (and dx_dec). */
    const size_t rows = p->sizes.x / I, rows_dec = p->sizes.x_dec / I;
    const int dx = g->x && rows == T && rnn_fused_dx(p, rows, !in->x_index, th);
    const int dx_dec = d->topology == RNN_SEQ2SEQ && g->x_dec && rows_dec == (size_t)d->T_out &&
                       rnn_fused_dx(p, rows_dec, !in->x_dec_index, th);
    if (d->topology == RNN_SEQ2SEQ) {
        rnn_seq_backward_run(p, ws, &p->decoder, T, (size_t)d->T_out, ws->dhs, P, &dh,
                             dx_dec ? g->x_dec : NULL, th);
        rnn_seq_backward_run(p, ws, &p->cell, 0, T, NULL, 0, &dh, dx ? g->x : NULL, th);
    } else {
        rnn_seq_backward_run(p, ws, &p->cell, 0, T, ws->dhs, P, &dh, dx ? g->x : NULL, th);
    }
    rnn_sync(th);
    if (d->topology == RNN_SEQ2SEQ)
        RNN_TIMED(ws, weight_grads,
                  rnn_seq_weight_grads(p, ws, &p->decoder, T, (size_t)d->T_out, rows_dec,
                                       in->x_dec, in->x_dec_index, &g->decoder, g->x_dec,
                                       dx_dec, th));
    RNN_TIMED(ws, weight_grads,
              rnn_seq_weight_grads(p, ws, &p->cell, 0, T, rows, in->x, in->x_index, &g->cell,
                                   g->x, dx, th));
    if (th->tid == 0)
        c->dh = dh;
}

static size_t output_spans(const rnn_plan *p, const rnn_outputs *out, rnn_span *s)
{
    const size_t f = sizeof(float);
    size_t n = 0;
    s[n++] = (rnn_span){out->h, p->sizes.h * f};
    if (p->ops->has_c)
        s[n++] = (rnn_span){out->c, p->sizes.h * f};
    s[n++] = (rnn_span){out->logits, p->sizes.logits * f};
    s[n++] = (rnn_span){out->loss, f};
    return n;
}

static size_t cell_grad_spans(const rnn_plan *p, const rnn_cell_grads *g, rnn_span *s)
{
    const size_t f = sizeof(float);
    if (!g)
        return 0;
    s[0] = (rnn_span){g->weight_ih, p->sizes.weight_ih * f};
    s[1] = (rnn_span){g->weight_hh, p->sizes.weight_hh * f};
    s[2] = (rnn_span){g->bias_ih, p->sizes.bias * f};
    s[3] = (rnn_span){g->bias_hh, p->sizes.bias * f};
    return 4;
}

static size_t grad_spans(const rnn_plan *p, const rnn_inputs *in, const rnn_grads *g, rnn_span *s)
{
    const size_t f = sizeof(float);
    const int seq2seq = p->desc.topology == RNN_SEQ2SEQ;
    size_t n = 0;
    if (!in->x_index)
        s[n++] = (rnn_span){g->x, p->sizes.x * f};
    if (seq2seq && !in->x_dec_index)
        s[n++] = (rnn_span){g->x_dec, p->sizes.x_dec * f};
    s[n++] = (rnn_span){g->h0, p->sizes.state * f};
    if (p->ops->has_c)
        s[n++] = (rnn_span){g->c0, p->sizes.state * f};
    if (!p->cells) {
        n += cell_grad_spans(p, &g->cell, s + n);
        if (seq2seq)
            n += cell_grad_spans(p, &g->decoder, s + n);
    }
    s[n++] = (rnn_span){g->W_hy, p->sizes.W_hy * f};
    s[n++] = (rnn_span){g->b_y, p->sizes.b_y * f};
    return n;
}

rnn_status rnn_plan_forward(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in,
                            rnn_outputs *out)
{
    if (!p || !ws || !in || !out)
        return RNN_ERR_NULL;
    rnn_status st = rnn_check_workspace(p, ws);
    if (st != RNN_OK)
        return st;
    const int want_head = out->logits || out->loss, want_loss = out->loss != NULL;
    if (want_head && !p->has_head)
        return RNN_ERR_NULL;
    if ((st = rnn_check_inputs(p, in, want_loss)) != RNN_OK)
        return st;
    rnn_span ins[8], outs[8];
    size_t ni = rnn_input_spans(p, in, want_loss, ins), no = output_spans(p, out, outs);
    if ((st = rnn_check_alias(outs, no, ins, ni)) != RNN_OK)
        return st;

    call_args c = {p, ws, in, out, NULL, want_head, want_loss, {NULL, NULL}};
    const double t0 = rnn_timing_call_begin(ws);
    if (!p->cells)
        rnn_load_state(p, ws, in->h0, in->c0);
    rnn_team_run(ws->team, rnn_call_threads(p, ws), forward_region, &c);
    if (p->cells)
        rnn_stack_store(p, ws, out);
    else
        store_states(p, ws, out);
    rnn_timing_call_end(ws, t0);
    return RNN_OK;
}

rnn_status rnn_plan_train(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in,
                          rnn_outputs *out, rnn_grads *g)
{
    if (!p || !ws || !in || !g)
        return RNN_ERR_NULL;
    rnn_grads single;
    if (!p->cells && (g->layers || g->decoder_layers)) {
        single = rnn_single_cell_grads(g);
        g = &single;
    }
    rnn_status st = rnn_check_workspace(p, ws);
    if (st != RNN_OK)
        return st;
    if (!p->has_head)
        return RNN_ERR_NULL;
    if ((st = rnn_check_inputs(p, in, 1)) != RNN_OK)
        return st;
    rnn_outputs none = {0};
    if (!out)
        out = &none;
    rnn_span ins[8], outs[32];
    size_t ni = rnn_input_spans(p, in, 1, ins), no = output_spans(p, out, outs);
    no += grad_spans(p, in, g, outs + no);
    if ((st = rnn_check_alias(outs, no, ins, ni)) != RNN_OK)
        return st;
    /* A stack's cells' gradients, each against the inputs (its own sizes). */
    for (size_t k = 0; p->cells && k < p->n_cells; k++) {
        const int dec = k >= p->sizes.cells;
        const size_t j = dec ? k - p->sizes.cells : k;
        const rnn_cell_grads *cg = dec ? (g->decoder_layers ? &g->decoder_layers[j]
                                                            : j == 0 ? &g->decoder : NULL)
                                       : (g->layers ? &g->layers[j] : j == 0 ? &g->cell : NULL);
        rnn_span cs[4];
        const size_t nc = cell_grad_spans(p->cells[k], cg, cs);
        if ((st = rnn_check_alias(cs, nc, ins, ni)) != RNN_OK)
            return st;
    }

    const size_t state_bytes = p->sizes.state * sizeof(float);
    call_args c = {p, ws, in, out, g, 1, 1, {NULL, NULL}};
    const double t0 = rnn_timing_call_begin(ws);
    if (p->cells) {
        rnn_team_run(ws->team, rnn_call_threads(p, ws), train_region, &c);
        rnn_stack_store(p, ws, out);
        rnn_timing_call_end(ws, t0);
        return RNN_OK;
    }
    rnn_load_state(p, ws, in->h0, in->c0);
    memset(ws->dh, 0, state_bytes);
    memset(ws->dc, 0, state_bytes);
    rnn_team_run(ws->team, rnn_call_threads(p, ws), train_region, &c);
    ws->dh = c.dh.dh;
    ws->dh_next = c.dh.dh_next;
    if (g->h0)
        memcpy(g->h0, ws->dh, state_bytes);
    if (g->c0 && p->ops->has_c)
        memcpy(g->c0, ws->dc, state_bytes);
    store_states(p, ws, out);
    rnn_timing_call_end(ws, t0);
    return RNN_OK;
}
