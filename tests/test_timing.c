/* test_timing.c — rnn_workspace_timing: off by default (the sums stay zero);
 * on, a forward call adds to total, the projection, the products, the gates
 * and the head, a train call to the backward's parts too, and the named
 * parts never add up to more than total; a call that fails on its
 * arguments counts nothing; turning it on or off zeroes the sums; the
 * results are the same bits with it on; a stack's cells add to their
 * stack's sums; a two-thread call counts once; the plain sequence calls;
 * bad arguments. Times are not compared with anything but each other. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *mem;
    rnn_params p;
    rnn_cell_weights cw[8];
    rnn_inputs in;
    int32_t *targets;
    rnn_outputs out;
    float loss, *logits, *h;
    rnn_grads g;
    rnn_cell_grads cg[8];
    float *gmem;
} problem;

static int setup(problem *q, rnn_cell cell, rnn_topology top, int64_t B, int64_t L, int bi)
{
    memset(q, 0, sizeof *q);
    q->d = (rnn_desc){cell, top, 6, top == RNN_SEQ2SEQ ? 3 : 0, B, 5, 8, 7, L, bi};
    if (rnn_desc_check(&q->d, &q->s) != RNN_OK)
        return 0;
    const rnn_sizes *s = &q->s;
    const size_t wih = s->weight_ih > s->weight_ih_upper ? s->weight_ih : s->weight_ih_upper;
    const size_t per = wih + s->weight_hh + 2 * s->bias;
    const size_t cells = s->cells + (top == RNN_SEQ2SEQ ? s->layers : 0);
    const size_t n = cells * per + s->W_hy + s->b_y + s->x + s->x_dec + s->logits + s->h;
    q->mem = malloc(n * sizeof *q->mem);
    q->gmem = calloc(cells * per + s->W_hy + s->b_y + s->x + s->x_dec, sizeof *q->gmem);
    q->targets = malloc(s->targets * sizeof *q->targets);
    if (!q->mem || !q->gmem || !q->targets || cells > 8)
        return 0;
    rnn_fill_uniform(q->mem, n, 7, 1, -0.3f, 0.3f);
    float *m = q->mem, *gm = q->gmem;
    for (size_t c = 0; c < cells; c++, m += per, gm += per) {
        q->cw[c] = (rnn_cell_weights){m, m + wih, m + wih + s->weight_hh,
                                      m + wih + s->weight_hh + s->bias};
        q->cg[c] = (rnn_cell_grads){gm, gm + wih, gm + wih + s->weight_hh,
                                    gm + wih + s->weight_hh + s->bias};
    }
    const int stack = s->cells > 1;
    q->p = (rnn_params){q->cw[0], top == RNN_SEQ2SEQ ? q->cw[s->cells] : q->cw[0], m,
                        m + s->W_hy, stack ? q->cw : NULL,
                        stack && top == RNN_SEQ2SEQ ? q->cw + s->cells : NULL};
    m += s->W_hy + s->b_y;
    q->in.x = m;
    m += s->x;
    q->in.x_dec = top == RNN_SEQ2SEQ ? m : NULL;
    m += s->x_dec;
    q->logits = m;
    q->h = m + s->logits;
    for (size_t i = 0; i < s->targets; i++)
        q->targets[i] = (int32_t)(i % (size_t)q->d.V);
    q->in.targets = q->targets;
    q->out = (rnn_outputs){NULL, NULL, q->logits, &q->loss};
    q->g = (rnn_grads){gm + s->W_hy + s->b_y, top == RNN_SEQ2SEQ ? gm + s->W_hy + s->b_y + s->x
                                                                 : NULL,
                       NULL, NULL, q->cg[0], top == RNN_SEQ2SEQ ? q->cg[s->cells] : q->cg[0],
                       gm, gm + s->W_hy, stack ? q->cg : NULL,
                       stack && top == RNN_SEQ2SEQ ? q->cg + s->cells : NULL};
    return 1;
}

static void teardown(problem *q)
{
    free(q->mem);
    free(q->gmem);
    free(q->targets);
}

/* The problem, its plan and a workspace; 0 (after a failed check) if any fails. */
static int make(problem *q, rnn_cell cell, rnn_topology top, int64_t B, int64_t L, int bi,
                int threads, rnn_plan **p, rnn_workspace **ws, const char *what)
{
    rnn_plan_options o = {.threads = threads};
    const int ok = setup(q, cell, top, B, L, bi) && rnn_plan_create(p, &q->d, &q->p, &o) == RNN_OK &&
                   rnn_workspace_create(ws, *p) == RNN_OK;
    CHECK(ok, "%s: setup failed", what);
    return ok;
}

static double named(const rnn_timing *t)
{
    return t->projection + t->products + t->gates + t->head + t->bwd_gates + t->bwd_products +
           t->weight_grads;
}

static int all_zero(const rnn_timing *t)
{
    return t->calls == 0 && t->total == 0.0 && named(t) == 0.0;
}

/* One problem: off, on (forward, then train), same bits, off again. */
static void one(const char *what, rnn_cell cell, rnn_topology top, int64_t B, int64_t L, int bi,
                int threads)
{
    problem q;
    rnn_plan *p = NULL;
    rnn_workspace *ws = NULL;
    if (!make(&q, cell, top, B, L, bi, threads, &p, &ws, what))
        goto done;
    rnn_timing t;
    CHECK(rnn_plan_forward(p, ws, &q.in, &q.out) == RNN_OK, "%s: forward", what);
    CHECK(rnn_workspace_timing_read(ws, &t) == RNN_OK && all_zero(&t),
          "%s: timing off by default, yet %ld calls, total %g", what, t.calls, t.total);
    const size_t nl = q.s.logits;
    float *ref = malloc(nl * sizeof *ref);
    memcpy(ref, q.logits, nl * sizeof *ref);
    const float ref_loss = q.loss;

    /* A part as short as a clock's tick may read 0 in one call: calls
     * repeat until every part has read more (a part never timed stays 0). */
    CHECK(rnn_workspace_timing(ws, 1) == RNN_OK, "%s: on", what);
    long calls = 0;
    do {
        CHECK(rnn_plan_forward(p, ws, &q.in, &q.out) == RNN_OK, "%s: forward on", what);
        calls++;
        rnn_workspace_timing_read(ws, &t);
    } while (calls < 100 && !(t.projection > 0 && t.products > 0 && t.gates > 0 && t.head > 0));
    CHECK(t.calls == calls && t.total > 0, "%s: forward counted (%ld calls of %ld, total %g)",
          what, t.calls, calls, t.total);
    CHECK(t.projection > 0 && t.products > 0 && t.gates > 0 && t.head > 0,
          "%s: forward parts projection %g products %g gates %g head %g", what, t.projection,
          t.products, t.gates, t.head);
    CHECK(t.bwd_gates == 0 && t.bwd_products == 0 && t.weight_grads == 0,
          "%s: a forward call has no backward parts", what);
    CHECK(named(&t) <= t.total, "%s: parts %g > total %g", what, named(&t), t.total);
    CHECK(memcmp(ref, q.logits, nl * sizeof *ref) == 0 && ref_loss == q.loss,
          "%s: timing on changed the logits' bits", what);
    free(ref);

    /* A call refused on its arguments counts nothing. */
    rnn_inputs bad = q.in;
    bad.x = NULL;
    CHECK(rnn_plan_forward(p, ws, &bad, &q.out) != RNN_OK, "%s: NULL x refused", what);
    rnn_timing t2;
    rnn_workspace_timing_read(ws, &t2);
    CHECK(t2.calls == calls && t2.total == t.total, "%s: a refused call was counted", what);

    long trains = 0;
    do {
        CHECK(rnn_plan_train(p, ws, &q.in, &q.out, &q.g) == RNN_OK, "%s: train on", what);
        trains++;
        rnn_workspace_timing_read(ws, &t);
    } while (trains < 100 && !(t.bwd_gates > 0 && t.bwd_products > 0 && t.weight_grads > 0));
    CHECK(t.calls == calls + trains, "%s: %ld calls after %ld forward and %ld train", what,
          t.calls, calls, trains);
    CHECK(t.bwd_gates > 0 && t.bwd_products > 0 && t.weight_grads > 0,
          "%s: train parts bwd gates %g bwd products %g weight grads %g", what, t.bwd_gates,
          t.bwd_products, t.weight_grads);
    CHECK(named(&t) <= t.total, "%s: parts %g > total %g after train", what, named(&t),
          t.total);

    CHECK(rnn_workspace_timing(ws, 1) == RNN_OK && rnn_workspace_timing_read(ws, &t) == RNN_OK &&
              all_zero(&t),
          "%s: turning it on again zeroes the sums", what);
    CHECK(rnn_plan_forward(p, ws, &q.in, &q.out) == RNN_OK, "%s: forward", what);
    CHECK(rnn_workspace_timing(ws, 0) == RNN_OK && rnn_workspace_timing_read(ws, &t) == RNN_OK &&
              all_zero(&t),
          "%s: turning it off zeroes the sums", what);
    CHECK(rnn_plan_forward(p, ws, &q.in, &q.out) == RNN_OK &&
              rnn_workspace_timing_read(ws, &t) == RNN_OK && all_zero(&t),
          "%s: off, a call adds nothing", what);
done:
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(p);
    teardown(&q);
}

/* rnn_plan_seq_forward and rnn_plan_seq_backward count too (no head). */
static void sequence_calls(void)
{
    problem q;
    rnn_plan *p = NULL;
    rnn_workspace *ws = NULL;
    if (!make(&q, RNN_GRU, RNN_MANY2MANY, 3, 1, 0, 1, &p, &ws, "sequence"))
        goto done;
    rnn_workspace_timing(ws, 1);
    rnn_timing t;
    long calls = 0;
    do {
        CHECK(rnn_plan_seq_forward(p, ws, q.in.x, NULL, NULL, q.h, NULL, NULL) == RNN_OK,
              "sequence: forward");
        CHECK(rnn_plan_seq_backward(p, ws, q.in.x, NULL, NULL, q.h, NULL, NULL, &q.g) == RNN_OK,
              "sequence: backward");
        calls += 2;
        rnn_workspace_timing_read(ws, &t);
    } while (calls < 200 && !(t.projection > 0 && t.products > 0 && t.gates > 0 &&
                              t.bwd_gates > 0 && t.bwd_products > 0 && t.weight_grads > 0));
    CHECK(t.calls == calls && t.projection > 0 && t.products > 0 && t.gates > 0 && t.head == 0 &&
              t.bwd_gates > 0 && t.bwd_products > 0 && t.weight_grads > 0 &&
              named(&t) <= t.total,
          "sequence: calls %ld projection %g products %g gates %g head %g bwd %g %g dW %g "
          "total %g",
          t.calls, t.projection, t.products, t.gates, t.head, t.bwd_gates, t.bwd_products,
          t.weight_grads, t.total);
done:
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(p);
    teardown(&q);
}

static void bad_arguments(void)
{
    problem q;
    rnn_plan *p = NULL;
    rnn_workspace *ws = NULL;
    rnn_timing t;
    CHECK(rnn_workspace_timing(NULL, 1) == RNN_ERR_NULL, "NULL workspace, on");
    CHECK(rnn_workspace_timing_read(NULL, &t) == RNN_ERR_NULL, "NULL workspace, read");
    if (!make(&q, RNN_TANH, RNN_MANY2ONE, 2, 1, 0, 1, &p, &ws, "bad arguments"))
        goto done;
    CHECK(rnn_workspace_timing(ws, 2) == RNN_ERR_ARG, "on = 2");
    CHECK(rnn_workspace_timing(ws, -1) == RNN_ERR_ARG, "on = -1");
    CHECK(rnn_workspace_timing_read(ws, NULL) == RNN_ERR_NULL, "NULL out");
done:
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(p);
    teardown(&q);
}

int main(void)
{
    static const rnn_cell cells[] = {RNN_TANH, RNN_LSTM, RNN_GRU, RNN_LBR_GRU};
    static const char *const names[] = {"rnn_tanh", "lstm", "gru", "lbr_gru"};
    char what[96];
    for (int c = 0; c < 4; c++)
        for (int64_t B = 1; B <= 4; B += 3) {
            snprintf(what, sizeof what, "%s many2one B%lld", names[c], (long long)B);
            one(what, cells[c], RNN_MANY2ONE, B, 1, 0, 1);
        }
    one("lstm many2many B4, 2 threads", RNN_LSTM, RNN_MANY2MANY, 4, 1, 0, 2);
    one("gru many2one B1, 2 threads", RNN_GRU, RNN_MANY2ONE, 1, 1, 0, 2);
    one("lstm seq2seq B2", RNN_LSTM, RNN_SEQ2SEQ, 2, 1, 0, 1);
    one("gru stack L2 bi many2many B2", RNN_GRU, RNN_MANY2MANY, 2, 2, 1, 1);
    one("lstm stack L2 seq2seq B2, 2 threads", RNN_LSTM, RNN_SEQ2SEQ, 2, 2, 0, 2);
    sequence_calls();
    bad_arguments();
    return check_summary();
}
