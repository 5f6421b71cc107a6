/* tune.h — a plan's tunables: the schedule choices the drivers used to take
 * from constants, now held per plan, filled by rules (RNN_TUNE_ESTIMATE) or
 * by timing candidates (RNN_TUNE_MEASURE), and remembered per machine in
 * the wisdom. Private to core/ (docs/design.md §12, "Tuning").
 *
 * Invariant: every value of every tunable gives the same bits. Each one
 * only reorders whole independent work (the panels of a batch-1 product,
 * the chunks of a wavefront) or moves where the same computation happens
 * (the input projection inside or before the time loop, whose rides are
 * bit-identical to the hoisted GEMM: kernels/table/entries.inc). So the
 * planner may pick any of them on timing alone, and the tests force every
 * candidate and compare bits (tests/test_tune.c). */
#ifndef RNNSIMD_TUNE_H
#define RNNSIMD_TUNE_H

#include <stddef.h>
#include "rnnsimd.h"

/* A byte limit that every problem is under: the ride "always" where it
 * applies. */
#define RNN_TUNE_ANY ((size_t)-1)

/* The most placements of a batch-1 stream a plan tries (hh_places). */
#define RNN_TUNE_PLACES_MAX 16

/* The order of a batch-1 step's stream (step_product.c, step_wrap.c):
 * every step front to back; odd steps back to front; or, for a cell of two
 * phases, its wrap gate's columns at both ends of the step (cells.h). */
typedef enum { RNN_STREAM_FORWARD = 0, RNN_STREAM_ALT, RNN_STREAM_WRAP } rnn_stream;

typedef struct {
    /* The fused batch-1 step (projection_ride.c): allowed at all (0 when
     * rnn_plan_options.no_fused_step), and the largest W_hh + W_ih in bytes
     * for which the forward's projection (ride_max) and BPTT's dx
     * (ride_dx_max) ride in the time loop. */
    int ride;
    size_t ride_max, ride_dx_max;
    /* The rows of the ride's register tile, RNN_RIDE_ROWS_MIN (8) or
     * RNN_RIDE_ROWS_MAX (16) (kernels.h): the steps of a block, whose
     * projection (or dx) the block before it computes. Sixteen read half the
     * W_ih bytes a step for twice the rows left to the hoisted GEMM (the
     * first block). rnn_ride_rows reads it. */
    size_t ride_rows;
    /* The batch-1 step's stream order (rnn_stream); what streams back to
     * front does so in chunks of about chunk_floats floats of packed
     * weights (at least 4 panels). WRAP applies only where rnn_wrap_columns
     * is not 0; elsewhere it streams front to back. */
    rnn_stream stream;
    size_t chunk_floats;
    /* The batch-1 GEMV of a table with gemv_ride: panels streamed at once,
     * 2 or 4 (kernels/table/entries.inc). */
    size_t gemv_panels;
    /* The batch-1 forward's packed W_hh: 1, or 2 copies, odd steps
     * streaming the second (plan.c, rnn_hh_copies), for a one-cell
     * float32 plan at batch 1 on a table with gemv_ride whose two copies
     * take at most 7/8 of L2 (rnn_tune_copies_fit). A plan holds the copy
     * only where its choice is 2 (or a test asked rnn_hh_copies for it);
     * without it, calls stream the one whatever this says. */
    size_t hh_copies;
    /* Placements of that stream (its phases' packed W_hh and their second
     * copies) the plan tries, keeping the one that reads fastest
     * (placement.c); 1 keeps the allocator's. Tried once, at the end of
     * rnn_tune_plan, by a one-cell plan at batch 1; moving bytes changes
     * no result. */
    size_t hh_places;
    /* A stack's two-thread forward of one direction below batch 4
     * (stack.c): 0 splits every stage between the threads (a barrier every
     * step); otherwise the layers run as a wavefront in chunks of this many
     * steps (clamped to T). The encoder's and the decoder's (seq2seq). */
    size_t wave_chunk, wave_chunk_dec;
} rnn_tunables;

/* MEASURE's groups of candidates (tune_measure.c), in describe's order. */
enum {
    RNN_TUNE_G_STREAM,   /* the batch-1 stream's order and chunk */
    RNN_TUNE_G_PANELS,   /* the GEMV's panels at once, with one or two copies of W_hh */
    RNN_TUNE_G_RIDE,     /* the forward's ride (each tile) against the hoisted projection */
    RNN_TUNE_G_DX,       /* BPTT's dx ride against the hoisted product */
    RNN_TUNE_G_WAVE,     /* a stack's wavefront chunk: the encoder's */
    RNN_TUNE_G_WAVE_DEC, /* and the decoder's */
    RNN_TUNE_GROUPS
};

/* Where a plan's tunables came from. */
typedef enum { RNN_TUNED_RULES = 0, RNN_TUNED_MEASURED, RNN_TUNED_WISDOM } rnn_tune_source;

typedef struct {
    rnn_tunables v;
    rnn_tuning mode;
    rnn_tune_source source;
    double cost_ms; /* what MEASURE spent at plan creation (timing, or the wisdom look-up) */
    /* The batch-1 stream's read rate in GB/s as allocated and as placed
     * (placement.c), the cell's, and what placing took (in both modes);
     * 0 where nothing was placed. */
    double place_gbs[2], place_ms;
    /* What MEASURE did when it timed this plan (zeros for rules and
     * wisdom): how many candidates each group listed for the plan's shape
     * (0: the group has no choice to make here), and whether it timed them
     * (a group whose rounds do not fit in the budget keeps the rule's). */
    unsigned char listed[RNN_TUNE_GROUPS], timed[RNN_TUNE_GROUPS];
} rnn_plan_tune;

struct rnn_plan;

/* The candidates MEASURE times, and the tests force: chunk_floats values;
 * the wave_chunk values for T steps: rule (the plan's rule) first, then
 * about sqrt(T), sqrt(T)/2, 2 sqrt(T) (in [1, T]) and 0 (no wavefront),
 * distinct; returns how many, at most RNN_TUNE_N_WAVE. */
#define RNN_TUNE_N_CHUNKS 3
#define RNN_TUNE_N_WAVE 4
extern const size_t rnn_tune_chunks[RNN_TUNE_N_CHUNKS];
size_t rnn_tune_wave_candidates(size_t T, size_t rule, size_t out[RNN_TUNE_N_WAVE]);

/* 1 where plan p may hold two copies of W_hh (hh_copies 2), else 0. */
int rnn_tune_copies_fit(const struct rnn_plan *p);

/* 1 where the rules place plan p's batch-1 stream (placement.c): one
 * cell at batch 1 whose packed W_hh (with the copies t says) is over L2 / 2
 * and within 7/8 of L2; else 0. */
int rnn_tune_places_fit(const struct rnn_plan *p, const rnn_tunables *t);

/* placement.c: tries p->tune.v.hh_places placements of the batch-1
 * stream's buffers (every cell's: a seq2seq plan's decoder too) of a
 * one-cell plan at batch 1, keeps the fastest to read, and records the
 * read rates in p->tune.place_gbs. Never fails: out of memory it tries
 * fewer. */
void rnn_place_stream(struct rnn_plan *p);

/* Today's rules for plan p (its desc, table and no_fused_step). */
void rnn_tune_estimate(const struct rnn_plan *p, rnn_tunables *t);

/* Fills p->tune at the end of rnn_plan_create (every weight packed):
 * ESTIMATE's rules, or MEASURE's choice (the wisdom's, or timed now and
 * added to the wisdom). RNN_ERR_NOMEM if MEASURE's workspace cannot be
 * allocated. */
rnn_status rnn_tune_plan(struct rnn_plan *p, rnn_tuning mode);

/* Sets p's tunables, and a stack's cells' batch-1 stream (their plans run
 * the time loops; they never ride). The tests use it to force candidates;
 * the planner to try them. */
void rnn_tune_set(struct rnn_plan *p, const rnn_tunables *t);

/* MEASURE's timing (tune_measure.c): from p's rules in *t, replaces the
 * tunables that matter for p's shape by the fastest candidate within the
 * time budget, and records each group's candidates and whether it timed
 * them in p->tune.listed and p->tune.timed. 0 if nothing was timed
 * (nothing to choose for this shape), 1 if something was, -1 when out of
 * memory. p's tunables are *t again on return. */
int rnn_tune_measure(struct rnn_plan *p, rnn_tunables *t);

/* ---- wisdom.c ---- */
/* The wisdom's key for p (machine, table, problem), a single token. */
void rnn_wisdom_key(const struct rnn_plan *p, char *buf, size_t n);
/* 1 and *t if the wisdom holds key; else 0. */
int rnn_wisdom_lookup(const char *key, rnn_tunables *t);
/* Adds (or replaces) key's choice. RNN_ERR_NOMEM if it cannot. */
rnn_status rnn_wisdom_store(const char *key, const rnn_tunables *t);

/* The stream's word in describe and wisdom lines: forward, alt, wrap. */
const char *rnn_stream_name(rnn_stream s);

/* The group's word in describe lines: stream, panels, ride, dx, wave,
 * wave_dec. */
const char *rnn_tune_group_name(int g);

/* Writes t as the `key=value` pairs of describe and wisdom lines. */
int rnn_tunables_print(const rnn_tunables *t, char *buf, size_t n);

#endif
