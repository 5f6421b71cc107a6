/* sequence_api.c — rnn_plan_seq_forward / rnn_plan_seq_backward: the plain
 * PyTorch-like sequence on a many2many plan, without the head; a stack's
 * (docs/design.md §7) through stack.c, its output the top layer's and its
 * final states every cell's, (L*D) x B x H. Backward gets
 * no forward cache from its caller, so it reruns the forward with the cache
 * kept, then BPTT from the upstream gradients. Aliasing is checked as in
 * topology.c: outputs against every input the call reads. */
#include <string.h>
#include "drivers.h"
#include "timing.h"
#include "validate.h"

static rnn_status check_call(const rnn_plan *p, const rnn_workspace *ws, const float *x)
{
    if (!p || !ws || !x)
        return RNN_ERR_NULL;
    if (p->desc.topology != RNN_MANY2MANY)
        return RNN_ERR_TOPOLOGY;
    return rnn_check_workspace(p, ws);
}

typedef struct {
    const rnn_plan *p;
    rnn_workspace *ws;
    const float *x, *grad_output;
    rnn_grads *g;
    rnn_dh_pair dh; /* backward: where the gradient on h0 ended up (thread 0's copy) */
} seq_args;

/* A stack (stack.c): grad_hn, grad_cn and h0, c0 travel in the args. */
typedef struct {
    const rnn_plan *p;
    rnn_workspace *ws;
    const float *x, *h0, *c0, *grad_output, *grad_hn, *grad_cn;
    const rnn_grads *g;
} stack_args;

static void stack_region(void *arg, const rnn_thread *th)
{
    const stack_args *a = arg;
    rnn_stack_seq(a->p, a->ws, a->x, a->h0, a->c0, a->grad_output, a->grad_hn, a->grad_cn, a->g,
                  th);
}

/* A stack's cells' gradients, each against the inputs. */
static rnn_status stack_grad_alias(const rnn_plan *p, const rnn_grads *g, const rnn_span *ins,
                                   size_t ni)
{
    const size_t f = sizeof(float);
    for (size_t k = 0; k < p->sizes.cells; k++) {
        const rnn_cell_grads *cg = g->layers ? &g->layers[k] : k == 0 ? &g->cell : NULL;
        if (!cg)
            continue;
        const rnn_sizes *s = &p->cells[k]->sizes;
        rnn_span o[4] = {{cg->weight_ih, s->weight_ih * f},
                         {cg->weight_hh, s->weight_hh * f},
                         {cg->bias_ih, s->bias * f},
                         {cg->bias_hh, s->bias * f}};
        rnn_status st = rnn_check_alias(o, 4, ins, ni);
        if (st != RNN_OK)
            return st;
    }
    return RNN_OK;
}

static void forward(const seq_args *a, int keep_cache, const rnn_thread *th)
{
    const rnn_plan *p = a->p;
    const size_t rows = p->sizes.x / (size_t)p->desc.I;
    RNN_TIMED(a->ws, projection, rnn_project_input(p, &p->cell, rows, a->x, NULL, a->ws->xp, th));
    rnn_sync(th);
    rnn_seq_forward_run(p, a->ws, &p->cell, 0, (size_t)p->desc.T,
                        rnn_fused_projection(p, rows, 1, th) ? a->x : NULL, NULL, keep_cache, th);
}

static void forward_region(void *arg, const rnn_thread *th)
{
    forward(arg, 0, th);
}

static void backward_region(void *arg, const rnn_thread *th)
{
    seq_args *a = arg;
    const rnn_plan *p = a->p;
    rnn_workspace *ws = a->ws;
    const size_t T = (size_t)p->desc.T;
    forward(a, 1, th);
    rnn_dh_pair dh = {ws->dh, ws->dh_next};
    /* Batch rows need no barrier here (each thread reads back only its own
     * rows); batch 1's time loops end every step with one. */
    /* With dx wanted and the fused step's conditions, BPTT computes most of it. */
    const int dx = a->g->x && rnn_fused_dx(p, T * (size_t)p->desc.B, 1, th);
    rnn_seq_backward_run(p, ws, &p->cell, 0, T, a->grad_output, a->grad_output ? T : 0, &dh,
                         dx ? a->g->x : NULL, th);
    rnn_sync(th);
    RNN_TIMED(ws, weight_grads,
              rnn_seq_weight_grads(p, ws, &p->cell, 0, T, T * (size_t)p->desc.B, a->x, NULL,
                                   &a->g->cell, a->g->x, dx, th));
    if (th->tid == 0)
        a->dh = dh;
}

rnn_status rnn_plan_seq_forward(const rnn_plan *p, rnn_workspace *ws, const float *x,
                                const float *h0, const float *c0, float *output, float *hn,
                                float *cn)
{
    rnn_status st = check_call(p, ws, x);
    if (st != RNN_OK)
        return st;
    const size_t f = sizeof(float), BH = p->sizes.state, T = (size_t)p->desc.T;
    const int has_c = p->ops->has_c;
    rnn_span ins[3] = {{x, p->sizes.x * f}, {h0, BH * f}, {has_c ? c0 : NULL, BH * f}};
    rnn_span outs[3] = {{output, p->sizes.h * f}, {hn, BH * f}, {has_c ? cn : NULL, BH * f}};
    if ((st = rnn_check_alias(outs, 3, ins, 3)) != RNN_OK)
        return st;
    const double t0 = rnn_timing_call_begin(ws);
    if (p->cells) {
        stack_args sa = {p, ws, x, h0, c0, NULL, NULL, NULL, NULL};
        rnn_team_run(ws->team, rnn_call_threads(p, ws), stack_region, &sa);
        rnn_stack_seq_store(p, ws, output, hn, has_c ? cn : NULL);
        rnn_timing_call_end(ws, t0);
        return RNN_OK;
    }
    seq_args a = {p, ws, x, NULL, NULL, {NULL, NULL}};
    rnn_load_state(p, ws, h0, c0);
    rnn_team_run(ws->team, rnn_call_threads(p, ws), forward_region, &a);
    if (output)
        memcpy(output, ws->hs + BH, p->sizes.h * f);
    if (hn)
        memcpy(hn, ws->hs + T * BH, BH * f);
    if (cn && has_c)
        memcpy(cn, ws->cs + T * BH, BH * f);
    rnn_timing_call_end(ws, t0);
    return RNN_OK;
}

rnn_status rnn_plan_seq_backward(const rnn_plan *p, rnn_workspace *ws, const float *x,
                                 const float *h0, const float *c0, const float *grad_output,
                                 const float *grad_hn, const float *grad_cn, rnn_grads *g)
{
    rnn_status st = check_call(p, ws, x);
    if (st != RNN_OK)
        return st;
    if (!g)
        return RNN_ERR_NULL;
    rnn_grads single;
    if (!p->cells && g->layers) {
        single = rnn_single_cell_grads(g);
        g = &single;
    }
    const size_t f = sizeof(float), BH = p->sizes.state;
    const int has_c = p->ops->has_c;
    rnn_span ins[6] = {{x, p->sizes.x * f},           {h0, BH * f},
                       {has_c ? c0 : NULL, BH * f},    {grad_output, p->sizes.h * f},
                       {grad_hn, BH * f},             {has_c ? grad_cn : NULL, BH * f}};
    rnn_span outs[7] = {{g->x, p->sizes.x * f},
                        {g->h0, BH * f},
                        {has_c ? g->c0 : NULL, BH * f},
                        {g->cell.weight_ih, p->sizes.weight_ih * f},
                        {g->cell.weight_hh, p->sizes.weight_hh * f},
                        {g->cell.bias_ih, p->sizes.bias * f},
                        {g->cell.bias_hh, p->sizes.bias * f}};
    if (p->cells) {
        /* outs[3..6] are the single cell's: a stack checks each cell's own. */
        if ((st = rnn_check_alias(outs, 3, ins, 6)) != RNN_OK ||
            (st = stack_grad_alias(p, g, ins, 6)) != RNN_OK)
            return st;
        stack_args sa = {p, ws, x, h0, c0, grad_output, grad_hn, grad_cn, g};
        const double t0 = rnn_timing_call_begin(ws);
        rnn_team_run(ws->team, rnn_call_threads(p, ws), stack_region, &sa);
        rnn_timing_call_end(ws, t0);
        return RNN_OK;
    }
    if ((st = rnn_check_alias(outs, 7, ins, 6)) != RNN_OK)
        return st;
    const double t0 = rnn_timing_call_begin(ws);
    rnn_load_state(p, ws, h0, c0);
    if (grad_hn)
        memcpy(ws->dh, grad_hn, BH * f);
    else
        memset(ws->dh, 0, BH * f);
    if (grad_cn && has_c)
        memcpy(ws->dc, grad_cn, BH * f);
    else
        memset(ws->dc, 0, BH * f);
    seq_args a = {p, ws, x, grad_output, g, {NULL, NULL}};
    rnn_team_run(ws->team, rnn_call_threads(p, ws), backward_region, &a);
    ws->dh = a.dh.dh;
    ws->dh_next = a.dh.dh_next;
    if (g->h0)
        memcpy(g->h0, ws->dh, BH * f);
    if (g->c0 && has_c)
        memcpy(g->c0, ws->dc, BH * f);
    rnn_timing_call_end(ws, t0);
    return RNN_OK;
}
