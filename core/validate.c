/* validate.c — see validate.h. Overlap is decided on byte ranges as
 * addresses (uintptr_t), the only portable way to compare pointers into
 * unrelated objects. */
#include <stdint.h>
#include <string.h>
#include "validate.h"

static int overlap(rnn_span a, rnn_span b)
{
    if (!a.ptr || !b.ptr || !a.bytes || !b.bytes)
        return 0;
    uintptr_t a0 = (uintptr_t)a.ptr, b0 = (uintptr_t)b.ptr;
    return a0 < b0 + b.bytes && b0 < a0 + a.bytes;
}

rnn_status rnn_check_alias(const rnn_span *outs, size_t n_out, const rnn_span *ins, size_t n_in)
{
    for (size_t i = 0; i < n_out; i++)
        for (size_t j = 0; j < n_in; j++)
            if (overlap(outs[i], ins[j]))
                return RNN_ERR_ALIAS;
    return RNN_OK;
}

rnn_status rnn_check_workspace(const rnn_plan *p, const rnn_workspace *ws)
{
    const rnn_desc *a = &p->desc, *b = &ws->desc;
    if (a->cell != b->cell || a->topology != b->topology || a->T != b->T ||
        a->T_out != b->T_out || a->B != b->B || a->I != b->I || a->H != b->H ||
        a->V != b->V || a->L != b->L || a->bidirectional != b->bidirectional ||
        (p->has_head && !ws->has_head))
        return RNN_ERR_ARG;
    return RNN_OK;
}

static int indices_ok(const int32_t *v, size_t n, int64_t limit)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0 || v[i] >= limit)
            return 0;
    return 1;
}

rnn_status rnn_check_inputs(const rnn_plan *p, const rnn_inputs *in, int need_targets)
{
    const rnn_desc *d = &p->desc;
    const size_t x_rows = p->sizes.x / (size_t)d->I, dec_rows = p->sizes.x_dec / (size_t)d->I;
    if (!in->x && !in->x_index)
        return RNN_ERR_NULL;
    if (d->topology == RNN_SEQ2SEQ && !in->x_dec && !in->x_dec_index)
        return RNN_ERR_NULL;
    if (need_targets && !in->targets)
        return RNN_ERR_NULL;
    if (in->x_index && !indices_ok(in->x_index, x_rows, d->I))
        return RNN_ERR_VALUE;
    if (d->topology == RNN_SEQ2SEQ && in->x_dec_index &&
        !indices_ok(in->x_dec_index, dec_rows, d->I))
        return RNN_ERR_VALUE;
    if (need_targets && !indices_ok(in->targets, p->sizes.targets, d->V))
        return RNN_ERR_VALUE;
    return RNN_OK;
}

size_t rnn_input_spans(const rnn_plan *p, const rnn_inputs *in, int use_targets, rnn_span *s)
{
    const rnn_desc *d = &p->desc;
    const size_t f = sizeof(float), i32 = sizeof(int32_t), I = (size_t)d->I;
    size_t n = 0;
    if (in->x_index)
        s[n++] = (rnn_span){in->x_index, p->sizes.x / I * i32};
    else
        s[n++] = (rnn_span){in->x, p->sizes.x * f};
    if (d->topology == RNN_SEQ2SEQ) {
        if (in->x_dec_index)
            s[n++] = (rnn_span){in->x_dec_index, p->sizes.x_dec / I * i32};
        else
            s[n++] = (rnn_span){in->x_dec, p->sizes.x_dec * f};
    }
    s[n++] = (rnn_span){in->h0, p->sizes.state * f};
    if (p->ops->has_c)
        s[n++] = (rnn_span){in->c0, p->sizes.state * f};
    if (use_targets)
        s[n++] = (rnn_span){in->targets, p->sizes.targets * i32};
    return n;
}
