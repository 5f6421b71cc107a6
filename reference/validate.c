/* validate.c — the reference's own check of a problem descriptor and of index
 * ranges. Written apart from core's rnn_desc_check on purpose: the oracle
 * must not trust the code it judges. The rules are rnnsimd.h's: sizes >= 1,
 * T = 1 for one2one, T_out >= 1 exactly for seq2seq, 0 <= L <=
 * RNN_MAX_LAYERS (0 reads as 1), bidirectional 0 or 1, every tensor's byte
 * size fits in size_t; in the same order of precedence (NULL, cell,
 * topology, sizes, layers, direction, overflow). The reference keeps doubles, so a tensor counts
 * 8 bytes an element here. */
#include <stdint.h>
#include "reference_internal.h"

#define MAX_DOUBLES (SIZE_MAX / sizeof(double))

size_t rnn_ref_gates(rnn_cell cell)
{
    switch (cell) {
    case RNN_TANH: return 1;
    case RNN_LSTM: return 4;
    case RNN_GRU: return 3;
    case RNN_LBR_GRU: return 3;
    default: return 0;
    }
}

/* a * b * c * d elements of 8 bytes, or 0 (with *ok cleared) when that
 * overflows. */
static size_t count4(uint64_t a, uint64_t b, uint64_t c, uint64_t d, int *ok)
{
    uint64_t n = a;
    const uint64_t f[3] = {b, c, d};
    for (int i = 0; i < 3; i++) {
        if (f[i] != 0 && n > MAX_DOUBLES / f[i]) {
            *ok = 0;
            return 0;
        }
        n *= f[i];
    }
    if (n > MAX_DOUBLES) {
        *ok = 0;
        return 0;
    }
    return (size_t)n;
}

static size_t count3(uint64_t a, uint64_t b, uint64_t c, int *ok)
{
    return count4(a, b, c, 1, ok);
}

rnn_status rnn_ref_check_desc(const rnn_desc *d, rnn_sizes *s)
{
    if (!d)
        return RNN_ERR_NULL;
    if ((int)d->cell < 0 || (int)d->cell >= (int)RNN_CELL_COUNT)
        return RNN_ERR_CELL;
    if ((int)d->topology < 0 || (int)d->topology >= (int)RNN_TOPOLOGY_COUNT)
        return RNN_ERR_TOPOLOGY;
    if (d->T < 1 || d->B < 1 || d->I < 1 || d->H < 1 || d->V < 1)
        return RNN_ERR_SIZE;
    if (d->topology == RNN_ONE2ONE && d->T != 1)
        return RNN_ERR_SIZE;
    if (d->topology == RNN_SEQ2SEQ ? d->T_out < 1 : d->T_out != 0)
        return RNN_ERR_SIZE;
    if (d->L < 0 || d->L > RNN_MAX_LAYERS)
        return RNN_ERR_SIZE;
    if (d->bidirectional != 0 && d->bidirectional != 1)
        return RNN_ERR_ARG;

    const uint64_t T = (uint64_t)d->T, T_out = (uint64_t)d->T_out, B = (uint64_t)d->B,
                   I = (uint64_t)d->I, H = (uint64_t)d->H, V = (uint64_t)d->V,
                   G = rnn_ref_gates(d->cell);
    const uint64_t L = d->L ? (uint64_t)d->L : 1, D = d->bidirectional ? 2 : 1;
    const int seq2seq = d->topology == RNN_SEQ2SEQ;
    if (H > MAX_DOUBLES / 2)
        return RNN_ERR_OVERFLOW;
    if (T > MAX_DOUBLES || T_out > MAX_DOUBLES - T)
        return RNN_ERR_OVERFLOW;
    const uint64_t steps = T + T_out;
    uint64_t in_steps = T, scored = T;
    switch (d->topology) {
    case RNN_ONE2ONE: in_steps = 1; scored = 1; break;
    case RNN_ONE2MANY: in_steps = 1; break;
    case RNN_MANY2ONE: scored = 1; break;
    case RNN_SEQ2SEQ: scored = T_out; break;
    default: break;
    }
    int ok = 1;
    rnn_sizes z;
    z.x = count3(in_steps, B, I, &ok);
    z.x_dec = count3(T_out, B, I, &ok);
    z.state = count4(L, D, B, H, &ok);
    z.steps = (size_t)steps;
    const size_t enc_h = count4(T, B, D, H, &ok), dec_h = count3(T_out, B, H, &ok);
    if (enc_h > MAX_DOUBLES - dec_h)
        ok = 0;
    z.h = enc_h + dec_h;
    z.scored = (size_t)scored;
    z.targets = count3(1, scored, B, &ok);
    z.logits = count3(scored, B, V, &ok);
    z.weight_ih = count3(G, H, I, &ok);
    z.weight_hh = count3(G, H, H, &ok);
    z.bias = count3(1, G, H, &ok);
    z.W_hy = count3(V, seq2seq ? 1 : D, H, &ok);
    z.b_y = count3(1, 1, V, &ok);
    z.weight_ih_upper = L > 1 ? count4(G, H, D, H, &ok) : 0;
    z.layers = (size_t)L;
    z.directions = (size_t)D;
    z.cells = (size_t)(L * D);
    z.out_width = (size_t)(D * H);
    z.head_in = (size_t)(seq2seq ? H : D * H);
    /* The reference's own buffers: every step's input (one2many expands its
     * zero inputs), states with the initial one, gate activations. */
    (void)count3(steps, B, I, &ok);
    (void)count3(steps + 1, B, H, &ok);
    (void)count4(steps, B, G, H, &ok);
    (void)count4(L * D, steps + 1, B, G * H + 3 * H, &ok); /* every cell's run */
    (void)count4(L, steps, B, D * H, &ok);                 /* every layer's output */
    (void)count3(2 * G + 1, H, 1, &ok); /* cell scratch */
    if (!ok)
        return RNN_ERR_OVERFLOW;
    if (s)
        *s = z;
    return RNN_OK;
}

rnn_status rnn_ref_check_indices(const int32_t *v, size_t n, int64_t limit)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0 || (int64_t)v[i] >= limit)
            return RNN_ERR_VALUE;
    return RNN_OK;
}
