/* desc.c — validation of a problem descriptor and the sizes of its tensors.
 * Every product is checked against SIZE_MAX / sizeof(float) before it is
 * formed, so no later allocation size can wrap. */
#include <stdint.h>
#include "rnnsimd.h"

#define MAX_ELEMS (SIZE_MAX / sizeof(float))

/* *acc *= v, failing on overflow of the float-element budget. */
static int mul_ok(size_t *acc, int64_t v)
{
    if (v < 0 || (uint64_t)v > MAX_ELEMS)
        return 0;
    if (v != 0 && *acc > MAX_ELEMS / (size_t)v)
        return 0;
    *acc *= (size_t)v;
    return 1;
}

static int prod(size_t *out, int64_t a, int64_t b, int64_t c)
{
    size_t r = 1;
    if (!mul_ok(&r, a) || !mul_ok(&r, b) || !mul_ok(&r, c))
        return 0;
    *out = r;
    return 1;
}

rnn_status rnn_desc_check(const rnn_desc *d, rnn_sizes *sizes)
{
    if (!d)
        return RNN_ERR_NULL;
    if ((unsigned)d->cell >= RNN_CELL_COUNT)
        return RNN_ERR_CELL;
    if ((unsigned)d->topology >= RNN_TOPOLOGY_COUNT)
        return RNN_ERR_TOPOLOGY;
    if (d->T < 1 || d->B < 1 || d->I < 1 || d->H < 1 || d->V < 1)
        return RNN_ERR_SIZE;
    if (d->topology == RNN_ONE2ONE && d->T != 1)
        return RNN_ERR_SIZE;
    if ((d->topology == RNN_SEQ2SEQ) != (d->T_out >= 1) || d->T_out < 0)
        return RNN_ERR_SIZE;

    rnn_sizes s = {0};
    const int64_t G = rnn_cell_gates(d->cell);
    int64_t steps = d->T;
    if (d->topology == RNN_SEQ2SEQ) {
        if (d->T_out > INT64_MAX - d->T)
            return RNN_ERR_OVERFLOW;
        steps += d->T_out;
    }
    int64_t in_steps = (d->topology == RNN_ONE2ONE || d->topology == RNN_ONE2MANY) ? 1 : d->T;
    int64_t scored;
    switch (d->topology) {
    case RNN_ONE2ONE: case RNN_MANY2ONE: scored = 1; break;
    case RNN_SEQ2SEQ: scored = d->T_out; break;
    default: scored = d->T; break;
    }
    if (!prod(&s.x, in_steps, d->B, d->I) ||
        !prod(&s.x_dec, d->topology == RNN_SEQ2SEQ ? d->T_out : 0, d->B, d->I) ||
        !prod(&s.state, 1, d->B, d->H) || !prod(&s.h, steps, d->B, d->H) ||
        !prod(&s.targets, 1, scored, d->B) || !prod(&s.logits, scored, d->B, d->V) ||
        !prod(&s.weight_ih, G, d->H, d->I) || !prod(&s.weight_hh, G, d->H, d->H) ||
        !prod(&s.bias, 1, G, d->H) || !prod(&s.W_hy, 1, d->V, d->H) ||
        !prod(&s.b_y, 1, 1, d->V))
        return RNN_ERR_OVERFLOW;
    /* Drivers hold T*B rows of G*H pre-activations (and of gate caches, up to
     * 4H wide): make sure those fit too. */
    size_t ws;
    if (!prod(&ws, steps, d->B, 4 * d->H) || !prod(&ws, steps, d->B, G * d->H + d->I))
        return RNN_ERR_OVERFLOW;
    s.steps = (size_t)steps;
    s.scored = (size_t)scored;
    if (sizes)
        *sizes = s;
    return RNN_OK;
}
