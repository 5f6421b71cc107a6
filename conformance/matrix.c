/* matrix.c — the default case matrix (see matrix.h).
 *
 * Each shape row is applied to all 4 cells x 5 topologies (one2one forces
 * T = 1; To is used by seq2seq only). Sizes 1, 15, 16, 17, 31, 32, 33, 63,
 * 64, 65 sit just below, at and above the vector widths (8 and 16 floats)
 * and are spread over H, I, B and V. The cost of a row is about
 * 6 T B (I+H) 4H flops per cell for the naive double reference's training
 * pass, kept near 3e7 so the whole matrix runs in the time budget; the long
 * sequences (T 100..300) therefore have small B. The seed is the row's
 * number, so one row's recurrent blocks are shared (and measured once) by
 * every cell.
 *
 * Kind rows, after the shape rows, add the data kinds of case.h to every
 * cell x topology: states zero in some batch rows and not in others, zero
 * h0 with non-zero c0 and the reverse, no state at all, wide logits and
 * gate-saturating inputs in some rows. Their quick ones also carry the
 * quick subset's batch-1 sequences of T >= 16 (the fused batch-1 step runs
 * from two blocks of 8 steps; of 16 where the planner picks 16-row
 * blocks, which the full matrix's longer batch-1 rows reach) and shapes where two threads
 * split the work: by hidden units (B < 4, H a multiple of the panel width)
 * and by batch rows (B >= 4).
 *
 * Stack rows, last, give every cell x topology small stacks of
 * docs/design.md §7: two bidirectional layers, three layers of one
 * direction at batch 1 (two threads split hidden units, H a multiple of
 * both panel widths), one bidirectional layer at batch 5 (two threads split
 * batch rows). They are small, since a stack costs L*D cells. */
#include "matrix.h"

typedef struct {
    int T, To, B, I, H, V;
    double rho;
    int quick;
} shape;

static const shape shapes[] = {
    /*  T   To   B   I   H   V   rho  quick */
    {   1,   1,  1,  1,  1,  2, 1.0, 1},
    {  17,   9,  3,  7, 33,  5, 1.0, 1},
    {   5,   3, 16, 17, 15, 31, 0.5, 1},
    {  33,  17, 17, 33, 31, 16, 1.5, 1},
    { 100,  50,  1, 63, 64, 65, 1.0, 0},
    { 300, 100,  2, 15, 16, 17, 0.5, 0},
    {  65,  31, 15, 65, 17,  1, 1.5, 0},
    {   2,   1, 65, 64, 65, 63, 1.0, 0},
    { 200,  33,  1, 32, 63, 15, 0.5, 0},
    {   9, 200,  4, 16, 32, 64, 1.0, 0},
    { 300,  65,  3, 17, 15, 33, 1.5, 0},
    { 150, 150, 16, 31, 33, 17, 1.0, 0},
    {  40,  20, 64, 32, 64, 16, 0.5, 0},
};

typedef struct {
    int T, To, B, I, H, V;
    double rho;
    int quick;
    conf_state_kind state_lstm, state_other; /* c0 exists for lstm only */
    int wide_head, x_sat;
} kind_row;

static const kind_row kinds[] = {
    /* T  To  B   I   H   V  rho  quick  state (lstm, others)               wide sat */
    {21, 17, 1, 24, 32, 16, 1.0, 1, CONF_STATE_H0_ZERO, CONF_STATE_H0_ZERO, 1, 1},
    { 6,  4, 5, 16, 16, 33, 1.0, 1, CONF_STATE_MIXED, CONF_STATE_MIXED, 1, 1},
    { 9,  5, 2, 17, 32,  8, 1.5, 0, CONF_STATE_C0_ZERO, CONF_STATE_NONE, 0, 1},
    {40, 20, 3, 16, 48, 64, 0.5, 0, CONF_STATE_MIXED, CONF_STATE_MIXED, 1, 0},
};

/* Realistic sizes, a few only: each costs as much as a whole shape row. */
static const struct {
    rnn_cell cell;
    rnn_topology topo;
    int T, To, B, I, H, V;
    double rho;
} realistic[] = {
    {RNN_LSTM, RNN_MANY2MANY, 50, 0, 1, 64, 256, 32, 1.0},
    {RNN_LSTM, RNN_MANY2MANY, 8, 0, 64, 64, 256, 32, 1.0},
    {RNN_GRU, RNN_MANY2ONE, 8, 0, 64, 64, 256, 16, 1.0},
    {RNN_LBR_GRU, RNN_SEQ2SEQ, 10, 10, 1, 128, 512, 64, 0.5},
    {RNN_LSTM, RNN_MANY2ONE, 100, 0, 1, 32, 512, 8, 0.5},
    {RNN_TANH, RNN_MANY2MANY, 4, 0, 64, 128, 512, 32, 1.5},
    {RNN_LSTM, RNN_ONE2MANY, 20, 0, 1, 32, 1024, 16, 0.5},
    {RNN_TANH, RNN_ONE2ONE, 1, 0, 64, 256, 1024, 64, 0.5},
};

static const struct {
    int T, To, B, I, H, L, bi, V;
    double rho;
} stack_rows[] = {
    /* T  To  B   I   H  L  bi  V  rho */
    {6, 4, 3, 7, 13, 2, 1, 5, 1.0},
    {5, 3, 1, 16, 32, 3, 0, 8, 0.5},
    {4, 3, 5, 9, 16, 1, 1, 6, 1.5},
};

/* bf16 rows, last: every cell x topology with bf16 plans (case.h's bf16).
 * Small, since generic's bf16 products are an exact emulation of
 * vdpbf16ps, lane by lane (slow): odd sizes across a 32-column panel edge
 * and an odd K, batch 1 over 21 steps, a stack of two bidirectional
 * layers, and (full matrix only) the data kinds that reach the products
 * (zero states, a wide head) and an expanding and a vanishing regime at
 * larger batch. Not x=sat: it tests the element-wise float32 work, which
 * bf16 plans share with float32 ones, and its saturated gates leave
 * weight-gradient rows so alike that the swap control (kernel_check.c)
 * hides inside bf16's wider tolerance. */
typedef struct {
    int T, To, B, I, H, L, bi, V;
    double rho;
    int quick;
    conf_state_kind state_lstm, state_other;
    int wide_head, x_sat;
} bf16_row;

static const bf16_row bf16_rows[] = {
    /* T  To  B   I   H  L bi   V  rho quick state (lstm, others)        wide sat */
    { 9,  5, 2, 17, 33, 0, 0,  8, 1.0, 1, CONF_STATE_RANDOM, CONF_STATE_RANDOM, 0, 0},
    {21, 17, 1, 24, 32, 0, 0, 16, 1.0, 1, CONF_STATE_RANDOM, CONF_STATE_RANDOM, 0, 0},
    { 5,  3, 3,  7, 13, 2, 1,  5, 1.0, 1, CONF_STATE_RANDOM, CONF_STATE_RANDOM, 0, 0},
    { 6,  4, 5, 16, 16, 0, 0, 33, 1.0, 0, CONF_STATE_MIXED, CONF_STATE_MIXED, 1, 0},
    {12,  6, 4, 31, 64, 0, 0, 17, 1.5, 0, CONF_STATE_RANDOM, CONF_STATE_RANDOM, 0, 0},
    {40, 20, 3, 15, 31, 0, 0, 65, 0.5, 0, CONF_STATE_C0_ZERO, CONF_STATE_NONE, 0, 0},
};

size_t conf_matrix_default(conf_matrix_case *out, size_t max)
{
    size_t n = 0;
    const size_t nshapes = sizeof shapes / sizeof shapes[0];
    for (size_t s = 0; s < nshapes; s++)
        for (int cell = 0; cell < RNN_CELL_COUNT; cell++)
            for (int topo = 0; topo < RNN_TOPOLOGY_COUNT; topo++) {
                if (n < max) {
                    conf_case c = {0};
                    c.desc.cell = (rnn_cell)cell;
                    c.desc.topology = (rnn_topology)topo;
                    c.desc.T = topo == RNN_ONE2ONE ? 1 : shapes[s].T;
                    c.desc.T_out = topo == RNN_SEQ2SEQ ? shapes[s].To : 0;
                    c.desc.B = shapes[s].B;
                    c.desc.I = shapes[s].I;
                    c.desc.H = shapes[s].H;
                    c.desc.V = shapes[s].V;
                    c.rho = shapes[s].rho;
                    c.seed = s + 1;
                    out[n].c = c;
                    out[n].quick = shapes[s].quick;
                }
                n++;
            }
    const size_t nkinds = sizeof kinds / sizeof kinds[0];
    for (size_t k = 0; k < nkinds; k++)
        for (int cell = 0; cell < RNN_CELL_COUNT; cell++)
            for (int topo = 0; topo < RNN_TOPOLOGY_COUNT; topo++, n++) {
                if (n >= max)
                    continue;
                const kind_row *r = &kinds[k];
                conf_case c = {0};
                c.desc = (rnn_desc){(rnn_cell)cell, (rnn_topology)topo,
                                    topo == RNN_ONE2ONE ? 1 : r->T,
                                    topo == RNN_SEQ2SEQ ? r->To : 0, r->B, r->I, r->H, r->V};
                c.rho = r->rho;
                c.seed = nshapes + 1 + k;
                c.state = cell == RNN_LSTM ? r->state_lstm : r->state_other;
                c.wide_head = r->wide_head;
                c.x_sat = r->x_sat;
                out[n].c = c;
                out[n].quick = r->quick;
            }
    const size_t nreal = sizeof realistic / sizeof realistic[0];
    for (size_t r = 0; r < nreal; r++, n++) {
        if (n >= max)
            continue;
        conf_case c = {0};
        c.desc.cell = realistic[r].cell;
        c.desc.topology = realistic[r].topo;
        c.desc.T = realistic[r].T;
        c.desc.T_out = realistic[r].To;
        c.desc.B = realistic[r].B;
        c.desc.I = realistic[r].I;
        c.desc.H = realistic[r].H;
        c.desc.V = realistic[r].V;
        c.rho = realistic[r].rho;
        /* Rows of one H share a PRNG seed (and mostly rho), so their common
         * gate blocks (a second of LAPACKE each at H = 1024) are measured
         * once. */
        c.seed = 1000 + (uint64_t)realistic[r].H;
        out[n].c = c;
        out[n].quick = 0;
    }
    const size_t nstack = sizeof stack_rows / sizeof stack_rows[0];
    for (size_t k = 0; k < nstack; k++)
        for (int cell = 0; cell < RNN_CELL_COUNT; cell++)
            for (int topo = 0; topo < RNN_TOPOLOGY_COUNT; topo++, n++) {
                if (n >= max)
                    continue;
                conf_case c = {0};
                c.desc = (rnn_desc){(rnn_cell)cell, (rnn_topology)topo,
                                    topo == RNN_ONE2ONE ? 1 : stack_rows[k].T,
                                    topo == RNN_SEQ2SEQ ? stack_rows[k].To : 0, stack_rows[k].B,
                                    stack_rows[k].I, stack_rows[k].H, stack_rows[k].V,
                                    stack_rows[k].L > 1 ? stack_rows[k].L : 0, stack_rows[k].bi};
                c.rho = stack_rows[k].rho;
                c.seed = 2000 + k;
                out[n].c = c;
                out[n].quick = 1;
            }
    const size_t nbf = sizeof bf16_rows / sizeof bf16_rows[0];
    for (size_t k = 0; k < nbf; k++)
        for (int cell = 0; cell < RNN_CELL_COUNT; cell++)
            for (int topo = 0; topo < RNN_TOPOLOGY_COUNT; topo++, n++) {
                if (n >= max)
                    continue;
                const bf16_row *r = &bf16_rows[k];
                conf_case c = {0};
                c.desc = (rnn_desc){(rnn_cell)cell, (rnn_topology)topo,
                                    topo == RNN_ONE2ONE ? 1 : r->T,
                                    topo == RNN_SEQ2SEQ ? r->To : 0, r->B, r->I, r->H, r->V,
                                    r->L > 1 ? r->L : 0, r->bi};
                c.rho = r->rho;
                c.seed = 3000 + k;
                c.state = cell == RNN_LSTM ? r->state_lstm : r->state_other;
                c.wide_head = r->wide_head;
                c.x_sat = r->x_sat;
                c.bf16 = 1;
                out[n].c = c;
                out[n].quick = r->quick;
            }
    return n;
}
