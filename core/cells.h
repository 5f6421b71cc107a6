/* cells.h — the cells as data: what the drivers need to know of a cell,
 * chosen once by the plan (rnn_cell_ops_of), so the time loops, the
 * packing, the workspace and the checks ask the descriptor instead of
 * naming cells. Private to core/.
 *
 * A step of a cell is one or two phases. Forward, phase ph multiplies the
 * gate rows [g0*H, g1*H) of W_hh by h_prev (or, where reads_rh, by the
 * r * h_prev its previous phase wrote: gru's W_hn) into those
 * columns of hp, then runs its gate kernel. Backward runs the gate kernels
 * in order, and after backward phase i the product back through the rows of
 * forward phase phases-1-i: dG of those gates times W_hh (its packed
 * transpose) into dh_prev, or into drh where that phase read rh. */
#ifndef RNNSIMD_CELLS_H
#define RNNSIMD_CELLS_H

#include <stddef.h>
#include "kernels.h"

#define RNN_MAX_PHASES 2

/* The buffers of one block of rows of a step, as the gate kernels take
 * them (entries.inc); those a cell does not use may be NULL. */
typedef struct {
    const float *xp, *hp, *h_prev, *c_prev;
    float *gates, *c, *h, *rh;
} rnn_fwd_io;

typedef struct {
    const float *gates, *h_prev, *h, *c_prev, *c, *dh, *drh;
    float *dc, *dg, *dgh, *dh_prev;
} rnn_bwd_io;

typedef void (*rnn_fwd_gates)(const rnn_kernels *k, size_t B, size_t H, const rnn_fwd_io *io);
typedef void (*rnn_bwd_gates)(const rnn_kernels *k, size_t B, size_t H, const rnn_bwd_io *io);

typedef struct {
    size_t g0, g1;       /* the gate rows of W_hh the phase's product computes */
    int reads_rh;        /* its product multiplies r * h_prev, not h_prev */
    rnn_fwd_gates fwd;   /* the gate kernel after the product */
    rnn_bwd_gates bwd;   /* backward phase of the same index: its gate kernel */
    size_t dg0, dg1;     /* the gates whose gradients that kernel writes */
} rnn_cell_phase;

typedef struct {
    size_t gates;        /* G: gate blocks of weight_ih and weight_hh */
    size_t cache_width;  /* W: floats per hidden unit of the gate cache */
    int has_c;           /* a c state beside h (c0, c outputs, dc) */
    int dgh_differs;     /* the gradient into hp differs from that into xp */
    int bwd_writes_dh_prev; /* the backward gate kernels write dh_prev, so the
                             * product into it adds */
    size_t phases;
    rnn_cell_phase phase[RNN_MAX_PHASES];
    /* A gate of the first of two phases whose activation is sigma(xp + hp)
     * and which only the last phase's gate kernel reads (gru's z): its
     * product may run at either end of the step (step_wrap.c). */
    int wraps;
    size_t wrap_gate;
} rnn_cell_ops;

/* The descriptor of a cell; NULL for a value out of range. */
const rnn_cell_ops *rnn_cell_ops_of(rnn_cell c);

/* Whether some phase multiplies r * h_prev (the workspace keeps rh). */
static inline int rnn_cell_reads_rh(const rnn_cell_ops *ops)
{
    for (size_t ph = 0; ph < ops->phases; ph++)
        if (ops->phase[ph].reads_rh)
            return 1;
    return 0;
}

#endif
