/* drivers.h — what a plan and a workspace hold, and the drivers that
 * share them (sequence runs, the head, the topologies). Private to core/.
 *
 * Step-major buffers. A call runs S steps in all (T, or T + T_out for
 * seq2seq: the encoder's steps first, then the decoder's). Every per-step
 * buffer of the workspace is indexed by that global step s in [0, S), so the
 * encoder and the decoder of seq2seq use disjoint rows of the same buffers and
 * the decoder's first h_prev is the encoder's last h without a copy:
 *   hs    (S+1) x B x H   hs[0] = h0, hs[s+1] = h after step s
 *   cs    (S+1) x B x H   the same for lstm's c
 *   xp    S x B x G*H     input projections (bias_ih included), hoisted
 *   gates S x B x W*H     the gate cache of entries.inc (W: the cell's cache width)
 *   rh    S x B x H       where a phase reads it (gru): r * h_prev
 *   dgx   S x B x G*H     gate gradients flowing into xp
 *   dgh   S x B x G*H     where they differ (lbr_gru): those flowing into hp (else dgh = dgx)
 * With hs laid out this way, h_prev over all steps of a run is one contiguous
 * block, so dW_hh is a single GEMM over T*B rows. */
#ifndef RNNSIMD_DRIVERS_H
#define RNNSIMD_DRIVERS_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd.h"
#include "cells.h"
#include "kernels.h"
#include "threads.h"
#include "tune.h"

/* One cell's weights as the drivers use them. */
typedef struct {
    float *w_ih;      /* G*H x I, plain: dX = dG W_ih */
    float *onehot_xp; /* I x G*H: row i = W_ih onehot(i) + b_ih, a one-hot input's
                       * projection (W_ih^T with the bias folded in at plan time) */
    float *w_hh;      /* G*H x H, plain: dh_prev = dG W_hh */
    float *b_ih;      /* G*H */
    float *b_hh;      /* G*H */
    float *ih_packed; /* pack_nt of w_ih (N = G*H, K = I) */
    /* pack_nt of each phase's rows of w_hh (cells.h), N = (g1-g0)*H, K = H */
    float *hh_packed[RNN_MAX_PHASES];
    /* A second copy of hh_packed, or NULL: the batch-1 forward's odd steps
     * stream it when the plan's tunables say hh_copies 2 (tune.h). */
    float *hh_copy[RNN_MAX_PHASES];
    /* Backward's products with W itself, packed like the forward so that
     * dh_prev = dG W_hh and dX = dG W_ih stream the weights front to back
     * (a plain GEMM would walk W_hh's columns with a stride of H floats). */
    float *ih_t_packed; /* pack_nt of w_ih^T (N = I, K = G*H) */
    /* pack_nt of each phase's rows of w_hh, transposed (N = H, K = (g1-g0)*H) */
    float *hh_t_packed[RNN_MAX_PHASES];
    /* Every weight_hh entry is finite: then a product with an all-zero state
     * is exactly the bias (0 * w = +-0), and the forward skips it. */
    int hh_finite;
} cell_pack;

struct rnn_plan {
    rnn_desc desc;
    rnn_sizes sizes;
    const rnn_kernels *k;
    const rnn_cell_ops *ops; /* the cell (cells.h) */
    size_t G, GH, W; /* gates, G*H, cache width */
    cell_pack cell, decoder;
    int has_head;     /* W_hy and b_y were given */
    float *b_y;         /* V */
    float *hy_packed;   /* pack_nt of W_hy (N = V, K = H): the logits */
    float *hy_t_packed; /* pack_nt of W_hy^T (N = H, K = V): dH = dlogits W_hy */
    float *xp_bias;   /* one2many: B x G*H, bias_ih on every row (steps >= 2) */
    int threads;      /* 1 or 2: how many threads a call may use */
    /* A stack's reverse cell (docs/design.md §7): its time loops run t = T-1
     * down to 0 (rnn_step_time). Every per-step buffer stays indexed by the
     * time s = s0 + t, so inputs, gate caches and gradients line up with the
     * layer's input rows; the states shift by one: step t reads its previous
     * state at hs[s+1] and writes hs[s], so hs[s0+T] holds the initial
     * state and hs[s0] the final one (rnn_state_prev, rnn_state_out). */
    int reverse;
    /* rnn_plan_options.dtype. bf16: every packed weight above holds
     * rnn_bf16_pack's pair words (kernels.h) instead of pack_nt's floats,
     * the plain copies (w_ih, w_hh, onehot_xp) hold the weights rounded to
     * bf16, and the products go through rnn_packed_nt and rnn_weight_gemm. */
    rnn_dtype dtype;
    /* rnn_plan_options.no_fused_step: 1 keeps the projection hoisted (also
     * on a bf16 plan whose table has no bf16_gemv_ride) */
    int no_fused_step;
    int fused_always;  /* rnn_plan_options.fused_step_always: 1 rides at any size */
    rnn_plan_tune tune; /* the schedule's tunables (tune.h); set last by rnn_plan_create */
    /* Columns per panel of the table's packed format (packed_size(1, 1)),
     * when plan_create verified that columns [c0, c0 + n) of a packed W^T,
     * c0 a multiple of it, are the packed W^T of those rows of W at
     * packed + c0*K: then one product splits by columns. 0 otherwise (the
     * generic table packs all columns as one panel). */
    size_t nr;
    /* A stack (L*D > 1; stack.c): one single-cell plan per cell, the
     * encoder's L*D (index l*D + d) then the decoder's L; this plan then
     * keeps the head only (cell and decoder are unused). NULL otherwise. */
    rnn_plan **cells;
    size_t n_cells;
};

struct rnn_workspace {
    rnn_desc desc;    /* of the plan it was made for (which it may outlive) */
    int has_head;
    void *mem;
    size_t mem_floats; /* mem's size: a call must not rely on what it holds */
    float *hs, *cs, *xp, *gates, *rh, *dgx, *dgh;
    float *hp;        /* B x G*H: one step's recurrent product */
    float *gates_one; /* B x 4H: gate scratch of a step when no cache is kept */
    float *unit_xp;   /* B x G*H, batch below 4: sequence_units.c's scratch */
    float *rh_one;    /* B x H */
    float *ride_x;    /* batch 1: RNN_RIDE_ROWS_MAX x max(I, G*H), the fused step's packed rows */
    float *dh, *dh_next, *dc, *drh; /* B x H each */
    float *logits, *dlogits; /* P*B x V */
    float *dhs;       /* P*B x H: the head's gradient on the scored h */
    float *dw_t;      /* I x G*H: dW_ih of a one-hot input, accumulated by rows */
    int threads;      /* 2 when team runs: the helper thread of two-thread calls */
    rnn_team *team;
    double loss_part[2]; /* each thread's sum of row losses in the head */
    /* A stack's workspace (stack.c): one workspace per cell of the plan; the
     * layers' outputs ys (the encoder's L, T x B x D*H each, then the
     * decoder's L, T_out x B x H); sdy, the gradient on a layer's output;
     * du[d], direction d's gradient on the layer's input; dcol, one
     * direction's columns of sdy; dstart, the gradients on the decoder's
     * initial h and c (L x B x H each); wave_done, per layer the chunks of
     * steps the two-thread wavefront has finished (read and written with
     * acquire and release atomics). The single-cell buffers above are NULL
     * then, except the head's. */
    /* rnn_workspace_timing: the sums (timing.h), and where the calls add:
     * &timing_sums while on, NULL while off; a stack's cells point at their
     * stack workspace's sums. */
    rnn_timing *timing, timing_sums;
    rnn_workspace **cells;
    size_t n_cells;
    float *ys, *sdy, *du[2], *dcol, *dstart;
    size_t *wave_done;
};

/* The time read by the j-th step a run takes (j = 0..T-1). */
static inline size_t rnn_step_time(const rnn_plan *p, size_t j, size_t T)
{
    return p->reverse ? T - 1 - j : j;
}
/* The hs (cs) index of the state a step at time index s reads, and writes. */
static inline size_t rnn_state_prev(const rnn_plan *p, size_t s)
{
    return p->reverse ? s + 1 : s;
}
static inline size_t rnn_state_out(const rnn_plan *p, size_t s)
{
    return p->reverse ? s : s + 1;
}

/* A one-cell plan's gradients as the drivers read them: g's cell and
 * decoder, or layers[0] and decoder_layers[0] when the caller gave those
 * arrays instead (rnnsimd.h). */
static inline rnn_grads rnn_single_cell_grads(const rnn_grads *g)
{
    rnn_grads s = *g;
    if (g->layers)
        s.cell = g->layers[0];
    if (g->decoder_layers)
        s.decoder = g->decoder_layers[0];
    s.layers = s.decoder_layers = NULL;
    return s;
}

/* The threads a call runs on: both the plan and the workspace must allow
 * two, and a batch below 4 needs rnn_split_units. */
int rnn_call_threads(const rnn_plan *p, const rnn_workspace *ws);
/* Whether two threads split a time loop by hidden units (batch below 4;
 * each gate's columns must start on a panel of the table's packed format)
 * rather than by batch rows. */
static inline int rnn_split_units(const rnn_plan *p)
{
    return p->desc.B < 4 && p->nr && p->desc.H % p->nr == 0;
}

/* A state of all zeros (h0 not given: the first step of every sequence, and
 * all of a one-to-one call) makes the recurrent product its bias: the
 * forward skips streaming W_hh. Exact up to the sign of a zero result when
 * W_hh is finite; a NaN or infinite weight makes 0 * w NaN, and then the
 * product runs. The scan stops at the first nonzero, so on later steps it
 * costs a compare. */
static inline int rnn_zero_state(const cell_pack *w, size_t n, const float *a)
{
    if (!w->hh_finite)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != 0.0f)
            return 0;
    return 1;
}

/* The plan's packed product C = beta*C + A W^T + bias, as the table's
 * gemm_packed_nt states it: that entry on a float32 plan, bf16_gemm_packed_nt
 * on a bf16 one (the packed weights are then pair words). */
static inline void rnn_packed_nt(const rnn_plan *p, size_t M, size_t N, size_t K, const float *A,
                                 size_t lda, const float *packed, const float *bias, float beta,
                                 float *C, size_t ldc)
{
    if (p->dtype == RNN_DTYPE_BF16)
        p->k->bf16_gemm_packed_nt(M, N, K, A, lda, (const rnn_bf16x2 *)(const void *)packed,
                                  bias, beta, C, ldc);
    else
        p->k->gemm_packed_nt(M, N, K, A, lda, packed, bias, beta, C, ldc);
}
/* Where column c0 (a multiple of p->nr) of a packed W^T, K deep, starts. */
static inline const float *rnn_panel_at(const rnn_plan *p, const float *packed, size_t c0,
                                        size_t K)
{
    return packed + c0 * (p->dtype == RNN_DTYPE_BF16 ? (K + 1) / 2 : K);
}
/* C (M x N) = op(A) B with beta 0, a weight gradient's product: the table's
 * gemm, or on a bf16 plan its bf16_gemm (operands rounded to bf16). */
static inline void rnn_weight_gemm(const rnn_plan *p, int trans_a, size_t M, size_t N, size_t K,
                                   const float *A, size_t lda, const float *B, size_t ldb,
                                   float *C, size_t ldc)
{
    if (p->dtype == RNN_DTYPE_BF16)
        p->k->bf16_gemm(trans_a, M, N, K, A, lda, B, ldb, C, ldc);
    else
        p->k->gemm(trans_a, 0, M, N, K, A, lda, B, ldb, 0.0f, C, ldc);
}

/* A packed product C = A W^T + bias (as gemm_packed_nt), each thread doing
 * its share: rows when both get at least two (one row takes the GEMV path,
 * whose sums are ordered differently), else whole panels of columns, else
 * thread 0 all of it. No barrier inside. */
void rnn_par_packed_nt(const rnn_plan *p, const rnn_thread *th, size_t M, size_t N, size_t K,
                       const float *A, size_t lda, const float *packed, const float *bias,
                       float beta, float *C, size_t ldc);
/* The same product split by panels of columns only (batch 1 in a time loop,
 * where every thread must take part the same way each step). */
void rnn_par_packed_cols(const rnn_plan *p, const rnn_thread *th, size_t M, size_t N, size_t K,
                         const float *A, size_t lda, const float *packed, const float *bias,
                         float beta, float *C, size_t ldc);
/* The packed product of step `step` of a time loop, as gemm_packed_nt: at
 * batch 1, odd steps stream the weights' panels back to front (same bits;
 * step_product.c says why). */
void rnn_step_product(const rnn_plan *p, size_t step, size_t M, size_t N, size_t K,
                      const float *A, size_t lda, const float *packed, const float *bias,
                      float beta, float *C, size_t ldc);
/* rnn_step_product at batch 1 with a ride (kernels.h's gemv_ride, or
 * bf16_gemv_ride on a bf16 plan): C (1 x N) = a W^T + bias in the same
 * order and bits, and the ride's columns in the same loop. */
void rnn_step_product_ride(const rnn_plan *p, size_t step, size_t N, size_t K, const float *a,
                           const float *packed, const float *bias, float beta, float *C,
                           const rnn_ride *ride);
/* Columns [0, N) of the batch-1 product a W^T + bias into C, streamed back
 * to front in the plan's chunks if reverse, with ride's columns if not NULL
 * (rnn_step_product_ride's bits either way). */
void rnn_step_run(const rnn_plan *p, int reverse, size_t N, size_t K, const float *a,
                  const float *packed, const float *bias, float *C, const rnn_ride *ride);
/* step_wrap.c: the columns of each end run of a wrapping step (the cell's
 * wrap gate at batch 1, whole panels, at most half the gate, about half of
 * L2), 0 where p cannot wrap; and one such step j: both phases' products
 * (hh[ph] the packed rows streamed) and gate kernels into io, hp the
 * step's product buffer (io->hp), with the step's ride if not NULL. */
size_t rnn_wrap_columns(const rnn_plan *p);
void rnn_wrapped_step(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t j,
                      size_t a, const float *const hh[RNN_MAX_PHASES], float *hp,
                      const rnn_fwd_io *io, const rnn_ride *ride);
/* Whether p's table has the fused step for p's data type (gemv_ride, or
 * bf16_gemv_ride on a bf16 plan). */
int rnn_has_ride(const rnn_plan *p);
/* The rows of p's ride blocks (tune.h ride_rows): 8 or 16. */
size_t rnn_ride_rows(const rnn_plan *p);
/* The fused batch-1 step (projection_ride.c): whether a forward run over
 * `rows` input rows (dense: not one-hot, not one2many's later steps)
 * projects all but its first rnn_ride_rows(p) rows inside its time loop. */
int rnn_fused_projection(const rnn_plan *p, size_t rows, int dense, const rnn_thread *th);
/* Whether BPTT over `rows` steps computes most of dx = dG W_ih inside its
 * time loop (given dx, rows = steps). */
int rnn_fused_dx(const rnn_plan *p, size_t rows, int dense, const rnn_thread *th);
/* Step t's ride of a fused run over steps s0..s0+T-1 with input x (T x I),
 * in r; NULL when the step has none. Packs the next block's rows and
 * projects a partial last block as the steps reach them. */
const rnn_ride *rnn_ride_for_step(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w,
                                  const float *x, size_t s0, size_t t, size_t T, rnn_ride *r);
/* The same for BPTT's step t: rows of dx = dG W_ih whose dG are complete. */
const rnn_ride *rnn_dx_ride_for_step(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w,
                                     size_t s0, size_t t, size_t T, float *dx, rnn_ride *r);
/* r's columns in two rides: the first num/den of its 16-column vectors
 * (rounded down) and the rest (gru's two products a step). */
void rnn_ride_split(const rnn_ride *r, size_t num, size_t den, rnn_ride *first,
                    rnn_ride *rest);
/* How many of a T-step run's dx rows (the last ones) its BPTT rides compute. */
size_t rnn_dx_ridden_rows(const rnn_plan *p, size_t T);
/* C (M x N) = op(A) B with beta 0, split by rows of C (the output, so each
 * element's sum over K stays whole on one thread), or by columns when M is
 * small. */
void rnn_par_gemm(const rnn_plan *p, const rnn_thread *th, int trans_a, size_t M, size_t N,
                  size_t K, const float *A, size_t lda, const float *B, size_t ldb, float *C,
                  size_t ldc);
/* rnn_column_sums split by columns. */
void rnn_par_column_sums(const rnn_thread *th, size_t rows, size_t n, const float *a, size_t ld,
                         float *dst);

/* n floats, 64-byte aligned; from 2 MiB on, on huge pages where the OS
 * allows (memory.c). Freed with free(). NULL when out of memory. */
float *rnn_alloc_floats(size_t n);

/* plan.c: the floats of phase ph's packed W_hh (cell_pack.hh_packed[ph],
 * and of its copy); the bytes of one cell's packed W_hh, every phase; and the second
 * copy of it (cell_pack.hh_copy) in the plan's cell and seq2seq decoder:
 * packed (on 1; RNN_ERR_NOMEM, and none kept, if it cannot be) or freed
 * (on 0). The tunable hh_copies says whether calls stream it. */
size_t rnn_hh_phase_floats(const rnn_plan *p, size_t ph);
size_t rnn_hh_packed_bytes(const rnn_plan *p);
rnn_status rnn_hh_copies(rnn_plan *p, int on);

/* hs[0] = h0 and, where the cell has a c state, cs[0] = c0 (zeros where NULL). */
void rnn_load_state(const rnn_plan *p, rnn_workspace *ws, const float *h0, const float *c0);

/* The projection of rows inputs (x, or the one-hot x_index when not NULL)
 * into dst (rows x G*H, bias_ih included); of the first rnn_ride_rows(p) only
 * when rnn_fused_projection holds (the forward run projects the rest). */
void rnn_project_input(const rnn_plan *p, const cell_pack *w, size_t rows, const float *x,
                       const int32_t *x_index, float *dst, const rnn_thread *th);

/* Every driver below takes the thread running it and does that thread's
 * share; callers put an rnn_sync between stages that read each other's
 * results. In the time loops, batch >= 4 splits the batch rows (rows are
 * independent through time: no barrier per step), smaller batches the
 * hidden units (one or two barriers every step).
 *
 * Runs steps s0 .. s0+T-1 of cell w. xp rows of those steps must be ready,
 * except when xp_later is not NULL: then the steps at times s > 0 read it
 * (one B x G*H block) instead (one2many: only time 0 has an input). hs[s0] (and cs[s0]) hold the initial state.
 * x: the run's dense input (T x I) when rnn_project_input left its rows
 * past the first block to the loop (rnn_fused_projection), else NULL.
 * keep_cache: store what backward needs (gates, rh). */
void rnn_seq_forward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                         size_t T, const float *x, const float *xp_later, int keep_cache,
                         const rnn_thread *th);

/* BPTT over the same steps after a forward run with keep_cache. dy, when not
 * NULL, is the gradient on h of the run's last P steps (P x B x H). On entry
 * dh->dh (and ws->dc for lstm) hold the gradient reaching the run's last h
 * (and c) from beyond the run; on return, the one reaching hs[s0] (cs[s0]).
 * dh is each thread's own copy of the two B x H buffers that take turns as
 * dh and dh_prev (ws->dh, ws->dh_next at the start of a call): both threads
 * swap theirs alike, and the caller stores them back after the join.
 * Fills dgx (and dgh) of every step. dx: the run's input gradient (T x I)
 * when rnn_fused_projection holds for it: the loop's rides compute all but
 * its first T - rnn_dx_ridden_rows(p, T) rows; else NULL. */
typedef struct {
    float *dh, *dh_next;
} rnn_dh_pair;
void rnn_seq_backward_run(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                          size_t T, const float *dy, size_t P, rnn_dh_pair *dh, float *dx,
                          const rnn_thread *th);

/* The two time loops above on two threads when rnn_split_units (same
 * contracts; sequence_units.c). */
void rnn_units_forward(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                       size_t T, const float *xp_later, int keep_cache, const rnn_thread *th);
void rnn_units_backward(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                        size_t T, const float *dy, size_t P, rnn_dh_pair *pair,
                        const rnn_thread *th);

/* After rnn_seq_backward_run: the weight and input gradients as GEMMs over
 * all steps. in_rows is how many rows of the input exist (B for one2many,
 * T*B otherwise); x or x_index is that input; dx (in_rows x I) may be NULL.
 * dx_ridden: the backward run was given dx and computed its later rows. */
void rnn_seq_weight_grads(const rnn_plan *p, rnn_workspace *ws, const cell_pack *w, size_t s0,
                          size_t T, size_t in_rows, const float *x, const int32_t *x_index,
                          const rnn_cell_grads *g, float *dx, int dx_ridden,
                          const rnn_thread *th);

/* Head forward over the last P steps' h: logits (into logits_out or the
 * workspace), and, if targets is not NULL, the mean loss (and dlogits in the
 * workspace when want_grad); with targets it ends with a barrier (the loss
 * adds both threads' rows). */
void rnn_head_forward(const rnn_plan *p, rnn_workspace *ws, const float *h_scored, size_t P,
                      const int32_t *targets, float *logits_out, float *loss_out, int want_grad,
                      const rnn_thread *th);
/* Head backward: ws->dhs = dlogits W_hy; dW_hy, db_y when not NULL. */
void rnn_head_backward(const rnn_plan *p, rnn_workspace *ws, const float *h_scored, size_t P,
                       float *dW_hy, float *db_y, const rnn_thread *th);

/* ---- stack.c: stacks of layers and directions (docs/design.md §7) ---- */
rnn_status rnn_stack_plan_build(rnn_plan *p, const rnn_params *params);
void rnn_stack_plan_free(rnn_plan *p);
rnn_status rnn_stack_workspace_build(rnn_workspace *ws, const rnn_plan *p);
void rnn_stack_workspace_free(rnn_workspace *ws);
/* The forward of every layer (and the decoder's, seq2seq); keep_cache as
 * rnn_seq_forward_run's. */
void rnn_stack_run(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, int keep_cache,
                   const rnn_thread *th);
/* The top layer's output, every time: the encoder's, or (dec) the decoder's. */
const float *rnn_stack_top(const rnn_plan *p, const rnn_workspace *ws, int dec);
/* After rnn_stack_run with the cache and the head's backward (ws->dhs):
 * BPTT of the whole network into g (not W_hy, b_y: the head's). */
void rnn_stack_train(const rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in,
                     const rnn_grads *g, const rnn_thread *th);
/* out->h and out->c (one thread, after the call's region). */
void rnn_stack_store(const rnn_plan *p, const rnn_workspace *ws, const rnn_outputs *out);
/* The plain sequence of a stack (rnn_plan_seq_*): forward from h0, c0
 * ((L*D) x B x H; NULL = zeros), and with g BPTT from grad_output (T x B x
 * D*H), grad_hn, grad_cn ((L*D) x B x H; each NULL = zero) into g (g->x,
 * g->h0, g->c0, g->layers or g->cell). Then, on one thread,
 * rnn_stack_seq_store: the top layer's output, and every cell's final h, c. */
void rnn_stack_seq(const rnn_plan *p, rnn_workspace *ws, const float *x, const float *h0,
                   const float *c0, const float *grad_output, const float *grad_hn,
                   const float *grad_cn, const rnn_grads *g, const rnn_thread *th);
void rnn_stack_seq_store(const rnn_plan *p, const rnn_workspace *ws, float *output, float *hn,
                         float *cn);

/* dst[j] = sum over rows of a[r*ld + j], j < n. */
void rnn_column_sums(size_t rows, size_t n, const float *a, size_t ld, float *dst);

#endif
