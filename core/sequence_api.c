/* sequence_api.c — rnn_plan_seq_forward / rnn_plan_seq_backward: the plain
 * PyTorch-like sequence on a many2many plan, without the head. Backward gets
 * no forward cache from its caller, so it reruns the forward with the cache
 * kept, then BPTT from the upstream gradients. Aliasing is checked as in
 * topology.c: outputs against every input the call reads. */
#include <string.h>
#include "plan_internal.h"
#include "validate.h"

static rnn_status check_call(const rnn_plan *p, const rnn_workspace *ws, const float *x)
{
    if (!p || !ws || !x)
        return RNN_ERR_NULL;
    if (p->desc.topology != RNN_MANY2MANY)
        return RNN_ERR_TOPOLOGY;
    return rnn_check_workspace(p, ws);
}

static void forward(const rnn_plan *p, rnn_workspace *ws, const float *x, const float *h0,
                    const float *c0, int keep_cache)
{
    rnn_load_state(p, ws, h0, c0);
    rnn_project_input(p, &p->cell, p->sizes.x / (size_t)p->desc.I, x, NULL, ws->xp);
    rnn_seq_forward_run(p, ws, &p->cell, 0, (size_t)p->desc.T, NULL, keep_cache);
}

rnn_status rnn_plan_seq_forward(const rnn_plan *p, rnn_workspace *ws, const float *x,
                                const float *h0, const float *c0, float *output, float *hn,
                                float *cn)
{
    rnn_status st = check_call(p, ws, x);
    if (st != RNN_OK)
        return st;
    const size_t f = sizeof(float), BH = p->sizes.state, T = (size_t)p->desc.T;
    const int lstm = p->desc.cell == RNN_LSTM;
    rnn_span ins[3] = {{x, p->sizes.x * f}, {h0, BH * f}, {lstm ? c0 : NULL, BH * f}};
    rnn_span outs[3] = {{output, p->sizes.h * f}, {hn, BH * f}, {lstm ? cn : NULL, BH * f}};
    if ((st = rnn_check_alias(outs, 3, ins, 3)) != RNN_OK)
        return st;
    forward(p, ws, x, h0, c0, 0);
    if (output)
        memcpy(output, ws->hs + BH, p->sizes.h * f);
    if (hn)
        memcpy(hn, ws->hs + T * BH, BH * f);
    if (cn && lstm)
        memcpy(cn, ws->cs + T * BH, BH * f);
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
    const size_t f = sizeof(float), BH = p->sizes.state, T = (size_t)p->desc.T;
    const int lstm = p->desc.cell == RNN_LSTM;
    rnn_span ins[6] = {{x, p->sizes.x * f},           {h0, BH * f},
                       {lstm ? c0 : NULL, BH * f},    {grad_output, p->sizes.h * f},
                       {grad_hn, BH * f},             {lstm ? grad_cn : NULL, BH * f}};
    rnn_span outs[7] = {{g->x, p->sizes.x * f},
                        {g->h0, BH * f},
                        {lstm ? g->c0 : NULL, BH * f},
                        {g->cell.weight_ih, p->sizes.weight_ih * f},
                        {g->cell.weight_hh, p->sizes.weight_hh * f},
                        {g->cell.bias_ih, p->sizes.bias * f},
                        {g->cell.bias_hh, p->sizes.bias * f}};
    if ((st = rnn_check_alias(outs, 7, ins, 6)) != RNN_OK)
        return st;
    forward(p, ws, x, h0, c0, 1);
    if (grad_hn)
        memcpy(ws->dh, grad_hn, BH * f);
    else
        memset(ws->dh, 0, BH * f);
    if (grad_cn && lstm)
        memcpy(ws->dc, grad_cn, BH * f);
    else
        memset(ws->dc, 0, BH * f);
    rnn_seq_backward_run(p, ws, &p->cell, 0, T, grad_output, grad_output ? T : 0);
    rnn_seq_weight_grads(p, ws, &p->cell, 0, T, T * (size_t)p->desc.B, x, NULL, &g->cell, g->x);
    if (g->h0)
        memcpy(g->h0, ws->dh, BH * f);
    if (g->c0 && lstm)
        memcpy(g->c0, ws->dc, BH * f);
    return RNN_OK;
}
