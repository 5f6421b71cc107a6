/* desc.c — validation of a problem descriptor and the sizes of its tensors.
 * Every product is checked against SIZE_MAX / sizeof(float) before it is
 * formed, so no later allocation size can wrap. A stack (docs/design.md §7)
 * multiplies the state by L*D and widens the outputs to D*H; with L*D = 1
 * every count is the single cell's. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
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
    if (d->L < 0 || d->L > RNN_MAX_LAYERS)
        return RNN_ERR_SIZE;
    if (d->bidirectional != 0 && d->bidirectional != 1)
        return RNN_ERR_ARG;

    rnn_sizes s = {0};
    const int64_t G = rnn_cell_gates(d->cell);
    const int64_t L = d->L ? d->L : 1, D = d->bidirectional ? 2 : 1, DH = D * d->H;
    const int seq2seq = d->topology == RNN_SEQ2SEQ;
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
    if (d->H > INT64_MAX / 8)
        return RNN_ERR_OVERFLOW;
    size_t enc_h, dec_h;
    if (!prod(&s.x, in_steps, d->B, d->I) ||
        !prod(&s.x_dec, seq2seq ? d->T_out : 0, d->B, d->I) ||
        !prod(&s.state, L * D, d->B, d->H) || !prod(&enc_h, d->T, d->B, DH) ||
        !prod(&dec_h, seq2seq ? d->T_out : 0, d->B, d->H) ||
        !prod(&s.targets, 1, scored, d->B) || !prod(&s.logits, scored, d->B, d->V) ||
        !prod(&s.weight_ih, G, d->H, d->I) || !prod(&s.weight_hh, G, d->H, d->H) ||
        !prod(&s.weight_ih_upper, L > 1 ? G : 0, d->H, DH) ||
        !prod(&s.bias, 1, G, d->H) || !prod(&s.W_hy, 1, d->V, seq2seq ? d->H : DH) ||
        !prod(&s.b_y, 1, 1, d->V) || enc_h > MAX_ELEMS - dec_h)
        return RNN_ERR_OVERFLOW;
    s.h = enc_h + dec_h;
    /* Drivers hold T*B rows of G*H pre-activations (and of gate caches, up to
     * 4H wide) per cell, and a layer's D*H-wide outputs: make sure those fit too. */
    size_t ws;
    if (!prod(&ws, steps, d->B, 4 * d->H) || !prod(&ws, steps, d->B, G * d->H + d->I) ||
        !prod(&ws, steps, d->B, G * d->H + DH) || !prod(&ws, L * D, steps, d->B) ||
        !mul_ok(&ws, 4 * d->H))
        return RNN_ERR_OVERFLOW;
    s.layers = (size_t)L;
    s.directions = (size_t)D;
    s.cells = (size_t)(L * D);
    s.out_width = (size_t)DH;
    s.head_in = (size_t)(seq2seq ? d->H : DH);
    s.steps = (size_t)steps;
    s.scored = (size_t)scored;
    if (sizes)
        *sizes = s;
    return RNN_OK;
}

const char *rnn_desc_problem(const rnn_desc *d)
{
    static char msg[160];
    if (!d)
        return "the descriptor is NULL";
    if ((unsigned)d->cell >= RNN_CELL_COUNT) {
        snprintf(msg, sizeof msg, "cell is %d; expected 0 to %d (rnn_tanh, lstm, gru, lbr_gru)",
                 (int)d->cell, (int)RNN_CELL_COUNT - 1);
        return msg;
    }
    if ((unsigned)d->topology >= RNN_TOPOLOGY_COUNT) {
        snprintf(msg, sizeof msg, "topology is %d; expected 0 to %d", (int)d->topology,
                 (int)RNN_TOPOLOGY_COUNT - 1);
        return msg;
    }
    const struct {
        const char *name;
        int64_t v;
    } pos[] = {{"T", d->T}, {"B", d->B}, {"I", d->I}, {"H", d->H}, {"V", d->V}};
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
        if (pos[i].v < 1) {
            snprintf(msg, sizeof msg, "%s is %" PRId64 "; expected at least 1", pos[i].name,
                     pos[i].v);
            return msg;
        }
    if (d->topology == RNN_ONE2ONE && d->T != 1) {
        snprintf(msg, sizeof msg, "T is %" PRId64 "; one2one expects 1", d->T);
        return msg;
    }
    if (d->topology == RNN_SEQ2SEQ && d->T_out < 1) {
        snprintf(msg, sizeof msg, "T_out is %" PRId64 "; seq2seq expects at least 1", d->T_out);
        return msg;
    }
    if (d->topology != RNN_SEQ2SEQ && d->T_out != 0) {
        snprintf(msg, sizeof msg, "T_out is %" PRId64 "; %s expects 0", d->T_out,
                 rnn_topology_name(d->topology));
        return msg;
    }
    if (d->L < 0 || d->L > RNN_MAX_LAYERS) {
        snprintf(msg, sizeof msg, "L is %" PRId64 "; expected 0 (one layer) to %d", d->L,
                 RNN_MAX_LAYERS);
        return msg;
    }
    if (d->bidirectional != 0 && d->bidirectional != 1) {
        snprintf(msg, sizeof msg, "bidirectional is %d; expected 0 or 1", d->bidirectional);
        return msg;
    }
    if (rnn_desc_check(d, NULL) == RNN_ERR_OVERFLOW)
        return "the tensors' sizes overflow size_t";
    return NULL;
}
