/* tune_measure.c — RNN_TUNE_MEASURE's timing: candidates of each tunable
 * that matters for the plan's shape, timed on the finished plan with
 * synthetic inputs in a private workspace, the fastest kept.
 *
 * What is timed (tune.h lists the tunables):
 *   stream  batch 1, a table with panels (nr): a few steps of the forward
 *           time loop (the projection done before the clock starts) with
 *           odd steps streamed front to back, or back to front in chunks of
 *           rnn_tune_chunks floats, and gru's update gate wrapped around the
 *           step where it can (rnn_wrap_columns). A stack times its first
 *           cell and gives the choice to all.
 *   panels  batch 1, a table with gemv_ride: the same steps with the GEMV
 *           streaming 2 or 4 panels at once, each with one copy of W_hh
 *           and, where two fit (rnn_tune_copies_fit), two (odd steps
 *           streaming the second).
 *   ride    where the fused batch-1 step can apply (one cell, batch 1,
 *           T >= 2 ride blocks, a table with gemv_ride, no no_fused_step):
 *           the projection and up to 32 steps (the first block's steps
 *           ride the next's projection), hoisted against fused with 8-
 *           and with 16-row blocks.
 *   dx      where BPTT's dx can ride (the same conditions, ride_dx_max):
 *           after an untimed forward of the run's steps with the cache,
 *           BPTT over them and the input gradient's rows its rides left
 *           (every row when hoisted), fused against hoisted.
 *   wave    a stack whose forward runs the two-thread wavefront (threads
 *           2, one direction, L >= 2, B < 4): whole forward calls (the
 *           wavefront's chunk is a schedule of the whole sequence) with
 *           the encoder's chunk about sqrt(T)/2, sqrt(T), 2 sqrt(T) and 0
 *           (split stages), then the decoder's likewise (seq2seq).
 * Nothing else depends on the tunables (B >= 2 never runs the batch-1
 * stream or the ride), so such plans time nothing.
 *
 * How: a warm-up run sizes the runs (steps for about RUN_MS each) and the
 * cost; the candidates then run in interleaved rounds (a drift of the
 * machine's load hits them alike) and each keeps its fastest run. The
 * stream group may use half of the budget left, the next group all that
 * remains, as many rounds as fit (MIN_ROUNDS to MAX_ROUNDS); a group for
 * which MIN_ROUNDS do not fit in BUDGET_MS is not timed and keeps the
 * rule; rounds stop early once the budget is spent (when the machine is
 * slower than the warm-up said). The rule's candidate comes first and another must beat it by
 * MARGIN, so noise does not flip a choice back and forth. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "drivers.h"

#define BUDGET_MS 30.0
#define RUN_MS 0.4
#define MIN_ROUNDS 2
#define MAX_ROUNDS 9
#define MARGIN 0.03
#define RIDE_NONE ((size_t)-1)
#define MAX_CAND 6 /* the rule's stream, front to back, wrap, and the RNN_TUNE_N_CHUNKS chunks */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

typedef struct {
    rnn_plan *p;       /* the single-cell plan whose steps are timed */
    rnn_workspace *ws; /* its private workspace */
    const float *x;    /* T x I synthetic input rows (B = 1) */
    double t0;         /* when timing began */
    rnn_plan_tune *rep; /* the tuned plan's record of each group (a stack's, for its cell) */
} cell_bench;

/* One forward run of n steps from a fixed non-zero state (a zero state
 * would skip the product). With project, the projection is timed too (the
 * ride moves it into the loop). */
static double run_steps(const cell_bench *b, size_t n, int project, float *dx)
{
    const rnn_plan *p = b->p;
    const rnn_thread one = {0, 1, NULL};
    const size_t H = (size_t)p->desc.H;
    for (size_t j = 0; j < H; j++)
        b->ws->hs[j] = 0.25f;
    if (b->ws->cs)
        memset(b->ws->cs, 0, H * sizeof(float));
    if (!project)
        rnn_project_input(p, &p->cell, n, b->x, NULL, b->ws->xp, &one);
    const double t0 = now_ms();
    if (project)
        rnn_project_input(p, &p->cell, n, b->x, NULL, b->ws->xp, &one);
    const float *x = rnn_fused_projection(p, n, 1, &one) ? b->x : NULL;
    rnn_seq_forward_run(p, b->ws, &p->cell, 0, n, x, NULL, dx != NULL, &one);
    if (!dx)
        return now_ms() - t0;
    /* BPTT from a fixed gradient on the last h, and dx: the rows the
     * loop's rides left, or all of them (no weight gradients: the ride does
     * not move those). */
    const size_t BH = H;
    for (size_t j = 0; j < BH; j++)
        b->ws->dh[j] = 0.01f;
    memset(b->ws->dc, 0, BH * sizeof(float));
    rnn_dh_pair pair = {b->ws->dh, b->ws->dh_next};
    const int ride = rnn_fused_dx(p, n, 1, &one);
    const double t1 = now_ms();
    rnn_seq_backward_run(p, b->ws, &p->cell, 0, n, NULL, 0, &pair, ride ? dx : NULL, &one);
    rnn_seq_weight_grads(p, b->ws, &p->cell, 0, n, n, b->x, NULL, NULL, dx, ride, &one);
    const double e = now_ms() - t1;
    b->ws->dh = pair.dh;
    b->ws->dh_next = pair.dh_next;
    return e;
}

/* How many rounds of nc runs of est ms each fit in share of what is left
 * of the budget: up to MAX_ROUNDS, 0 if not even MIN_ROUNDS. */
static int rounds_for(double t0, double share, size_t nc, double est)
{
    const double left = (BUDGET_MS - (now_ms() - t0)) * share;
    const double fit = est > 0 ? left / ((double)nc * est) : MAX_ROUNDS;
    return fit >= MAX_ROUNDS ? MAX_ROUNDS : fit >= MIN_ROUNDS ? (int)fit : 0;
}

/* Times cand[0..nc) (cand[0] the rule's) in interleaved rounds of n-step
 * runs, as many as fit in share of the budget left; the index of the one
 * to keep, or -1 if not timed. est: the estimated ms of one run. */
static int pick(const cell_bench *b, int group, const rnn_tunables *cand, size_t nc, size_t n,
                int project, float *dx, double est, double share)
{
    b->rep->listed[group] = (unsigned char)nc;
    const int rounds = rounds_for(b->t0, share, nc, est);
    if (!rounds)
        return -1;
    b->rep->timed[group] = 1;
    double best[MAX_CAND];
    for (size_t c = 0; c < nc; c++)
        best[c] = 1e300;
    for (int r = 0; r < rounds && (r < MIN_ROUNDS || now_ms() - b->t0 < BUDGET_MS); r++)
        for (size_t c = 0; c < nc; c++) {
            rnn_tune_set(b->p, &cand[c]);
            const double t = run_steps(b, n, project, dx);
            if (t < best[c])
                best[c] = t;
        }
    size_t win = 0;
    for (size_t c = 1; c < nc; c++)
        if (best[c] < best[win] && best[c] < (1.0 - MARGIN) * best[0])
            win = c;
    return (int)win;
}

/* The ride of the forward (dx NULL) or of BPTT's dx (dx: a T x I buffer),
 * where it can apply to b's plan: the fastest of "any" and 0 for the limit
 * at offset lim of the tunables, the rule's first, and for the forward
 * "any" with the other ride_rows too (BPTT keeps the forward's choice). A
 * run: the projection (about one step's work) and up to 32 steps (two or
 * four blocks), so that most of them ride as in a long call; with dx, BPTT
 * over them after an untimed forward (about three forwards' work). 1 and
 * the winner in *t if timed, else 0. */
static int time_ride(const cell_bench *b, rnn_tunables *t, size_t lim, float *dx, double step,
                     double share)
{
    rnn_plan *c = b->p;
    const rnn_thread one = {0, 1, NULL};
    const size_t T = (size_t)c->desc.T, rows = c->sizes.x / (size_t)c->desc.I;
    int (*const applies)(const rnn_plan *, size_t, int, const rnn_thread *) =
        dx ? rnn_fused_dx : rnn_fused_projection;
    if (!t->ride || c->fused_always)
        return 0;
    const int rule_on = applies(c, T, 1, &one);
    rnn_tunables cand[3];
    size_t nc = 0, rmin = RIDE_NONE;
    /* The rule's own choice first, then the ride with each tile the forward
     * may choose, then hoisted; those that cannot apply to this shape (the
     * rows one call projects: T, but B for one2many, never ridden) left out. */
    const size_t rows_of[2] = {t->ride_rows, dx ? t->ride_rows
                                                 : t->ride_rows == RNN_RIDE_ROWS_MAX
                                                       ? RNN_RIDE_ROWS_MIN
                                                       : RNN_RIDE_ROWS_MAX};
    rnn_tunables hoisted = *t;
    *(size_t *)((char *)&hoisted + lim) = 0;
    if (!rule_on)
        cand[nc++] = hoisted;
    for (int i = 0; i < (dx ? 1 : 2); i++) {
        rnn_tunables on = *t;
        on.ride_rows = rows_of[i];
        *(size_t *)((char *)&on + lim) = RNN_TUNE_ANY;
        rnn_tune_set(c, &on);
        if (rows >= 2 * rnn_ride_rows(c) && applies(c, rows, 1, &one)) {
            cand[nc++] = on;
            rmin = rmin < rnn_ride_rows(c) ? rmin : rnn_ride_rows(c);
        }
    }
    rnn_tune_set(c, t);
    if (rule_on)
        cand[nc++] = hoisted;
    if (rmin == RIDE_NONE || nc < 2)
        return 0;
    /* Whole blocks of every candidate's tile, up to 32 steps. */
    size_t nr = T / RNN_RIDE_ROWS_MAX * RNN_RIDE_ROWS_MAX;
    if (nr < 2 * RNN_RIDE_ROWS_MAX)
        nr = T / rmin * rmin;
    nr = nr > 32 ? 32 : nr;
    const int w = pick(b, dx ? RNN_TUNE_G_DX : RNN_TUNE_G_RIDE, cand, nc, nr, !dx, dx,
                       (dx ? 3.0 : 1.0) * step * (double)(nr + 1), share);
    if (w < 0)
        return 0;
    *t = cand[w];
    return 1;
}

/* The stream and ride groups on plan c (one cell, B = 1): updates *t.
 * own: c is the plan being tuned, not a stack's cell (stack.c keeps its
 * cells at one copy of W_hh). */
static int measure_cell(rnn_plan *c, rnn_tunables *t, double t0, int own, rnn_plan_tune *rep)
{
    const size_t T = (size_t)c->desc.T, I = (size_t)c->desc.I;
    if (c->desc.B != 1 || !c->nr || T < 2)
        return 0;
    float *x = rnn_alloc_floats(T * I);
    rnn_workspace *ws = NULL;
    if (!x || rnn_workspace_create(&ws, c) != RNN_OK) {
        free(x);
        return -1;
    }
    for (size_t i = 0; i < T * I; i++)
        x[i] = (float)((int)(i * 7 % 13) - 6) * 0.05f;
    const cell_bench b = {c, ws, x, t0, rep};
    int timed = 0;

    /* Warm-up (the weights into cache as a call would find them), then
     * the time of one step without the ride. */
    rnn_tunables base = *t;
    base.ride = 0;
    rnn_tune_set(c, &base);
    (void)run_steps(&b, 2, 0, NULL);
    const double step = run_steps(&b, 2, 0, NULL) / 2.0;
    size_t n = step > 0 ? (size_t)(RUN_MS / step) + 1 : 16;
    n = n < 2 ? 2 : n > 16 ? 16 : n;
    n &= ~(size_t)1; /* whole pairs of even and odd steps */
    if (n > T)
        n = T & ~(size_t)1;

    /* stream: the rule's first, then the others. */
    rnn_tunables cand[MAX_CAND];
    size_t nc = 0;
    cand[nc++] = base;
    rnn_tunables other = base;
    other.stream = RNN_STREAM_FORWARD;
    if (base.stream != RNN_STREAM_FORWARD)
        cand[nc++] = other;
    other.stream = RNN_STREAM_WRAP;
    if (base.stream != RNN_STREAM_WRAP && rnn_wrap_columns(c))
        cand[nc++] = other;
    for (size_t i = 0; i < RNN_TUNE_N_CHUNKS; i++) {
        rnn_tunables on = base;
        on.stream = RNN_STREAM_ALT;
        on.chunk_floats = rnn_tune_chunks[i];
        if (!(base.stream == RNN_STREAM_ALT && base.chunk_floats == on.chunk_floats) &&
            nc < MAX_CAND)
            cand[nc++] = on;
    }
    int w = pick(&b, RNN_TUNE_G_STREAM, cand, nc, n, 0, NULL, step * (double)n, 0.5);
    if (w >= 0) {
        t->stream = cand[w].stream;
        t->chunk_floats = cand[w].chunk_floats;
        timed = 1;
    }

    /* panels and copies: the GEMV's group with one copy of W_hh, and with
     * two where they fit (the copies held while timed), the rule's first
     * (tables with gemv_ride; not bf16 plans, whose GEMV has one group). */
    if (c->k->gemv_ride && c->dtype == RNN_DTYPE_F32) {
        const int copies = own && rnn_tune_copies_fit(c) && rnn_hh_copies(c, 1) == RNN_OK;
        cand[0] = base;
        cand[0].stream = t->stream;
        cand[0].chunk_floats = t->chunk_floats;
        nc = 1;
        for (size_t k = 1; k <= (copies ? 2u : 1u); k++)
            for (size_t g = 2; g <= 4; g += 2) {
                cand[nc] = cand[0];
                cand[nc].hh_copies = k;
                cand[nc].gemv_panels = g;
                if (k != base.hh_copies || g != base.gemv_panels)
                    nc++;
            }
        w = pick(&b, RNN_TUNE_G_PANELS, cand, nc, n, 0, NULL, step * (double)n, 0.3);
        if (w >= 0) {
            t->gemv_panels = cand[w].gemv_panels;
            t->hh_copies = cand[w].hh_copies;
            timed = 1;
        }
    }

    /* ride, then dx: where the fused step can apply to this plan's calls. */
    timed |= time_ride(&b, t, offsetof(rnn_tunables, ride_max), NULL, step, 0.5);
    float *dx = rnn_alloc_floats(T * I);
    if (dx)
        timed |= time_ride(&b, t, offsetof(rnn_tunables, ride_dx_max), dx, step, 1.0);
    free(dx);
    rnn_tune_set(c, t);
    rnn_workspace_destroy(ws);
    free(x);
    return timed;
}

/* Times the wavefront chunks cw[0..nw) (cw[0] the rule's) of the encoder
 * (dec 0) or the decoder (dec 1) on whole forward calls of p, from *t, as
 * many rounds as fit in share of the budget left; 1 and the winner in *t
 * if timed, else 0. */
static int time_wave(rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, rnn_tunables *t,
                     const size_t *cw, size_t nw, int dec, double t0, double share)
{
    const int group = dec ? RNN_TUNE_G_WAVE_DEC : RNN_TUNE_G_WAVE;
    p->tune.listed[group] = (unsigned char)nw;
    rnn_tunables cand[RNN_TUNE_N_WAVE];
    for (size_t i = 0; i < nw; i++) {
        cand[i] = *t;
        *(dec ? &cand[i].wave_chunk_dec : &cand[i].wave_chunk) = cw[i];
    }
    rnn_outputs out = {NULL, NULL, NULL, NULL};
    rnn_tune_set(p, &cand[0]);
    (void)rnn_plan_forward(p, ws, in, &out);
    double a = now_ms();
    (void)rnn_plan_forward(p, ws, in, &out);
    const int rounds = rounds_for(t0, share, nw, now_ms() - a);
    if (!rounds)
        return 0;
    p->tune.timed[group] = 1;
    double best[RNN_TUNE_N_WAVE] = {1e300, 1e300, 1e300, 1e300};
    for (int r = 0; r < rounds && (r < MIN_ROUNDS || now_ms() - t0 < BUDGET_MS); r++)
        for (size_t i = 0; i < nw; i++) {
            rnn_tune_set(p, &cand[i]);
            a = now_ms();
            (void)rnn_plan_forward(p, ws, in, &out);
            const double e = now_ms() - a;
            best[i] = e < best[i] ? e : best[i];
        }
    size_t win = 0;
    for (size_t i = 1; i < nw; i++)
        if (best[i] < best[win] && best[i] < (1.0 - MARGIN) * best[0])
            win = i;
    *t = cand[win];
    return 1;
}

/* The wave group: whole two-thread forwards of stack plan p, the
 * encoder's chunk first (with half of the budget left when a decoder
 * follows), then the decoder's. */
static int measure_wave(rnn_plan *p, rnn_tunables *t, double t0)
{
    const rnn_desc *d = &p->desc;
    if (p->threads != 2 || p->sizes.directions != 1 || p->sizes.layers < 2 || d->B >= 4)
        return 0;
    size_t cw[RNN_TUNE_N_WAVE], cd[RNN_TUNE_N_WAVE];
    const size_t nw = rnn_tune_wave_candidates((size_t)d->T, t->wave_chunk, cw);
    const size_t nd =
        d->T_out ? rnn_tune_wave_candidates((size_t)d->T_out, t->wave_chunk_dec, cd) : 0;
    if (nw < 2 && nd < 2)
        return 0;
    float *x = rnn_alloc_floats(p->sizes.x + p->sizes.x_dec);
    rnn_workspace *ws = NULL;
    if (!x || rnn_workspace_create(&ws, p) != RNN_OK) {
        free(x);
        return -1;
    }
    for (size_t i = 0; i < p->sizes.x + p->sizes.x_dec; i++)
        x[i] = (float)((int)(i * 7 % 13) - 6) * 0.05f;
    const rnn_inputs in = {x, NULL, p->sizes.x_dec ? x + p->sizes.x : NULL, NULL,
                           NULL, NULL, NULL};
    int timed = 0;
    if (nw >= 2)
        timed |= time_wave(p, ws, &in, t, cw, nw, 0, t0, nd >= 2 ? 0.5 : 1.0);
    if (nd >= 2)
        timed |= time_wave(p, ws, &in, t, cd, nd, 1, t0, 1.0);
    rnn_tune_set(p, t);
    rnn_workspace_destroy(ws);
    free(x);
    return timed;
}

int rnn_tune_measure(rnn_plan *p, rnn_tunables *t)
{
    const double t0 = now_ms();
    /* A stack's time loops are its cells': the first cell stands for all. */
    rnn_plan *c = p->cells ? p->cells[0] : p;
    rnn_tunables ct = c->tune.v;
    if (p->cells) {
        ct.stream = t->stream;
        ct.chunk_floats = t->chunk_floats;
    } else {
        ct = *t;
    }
    memset(p->tune.listed, 0, sizeof p->tune.listed);
    memset(p->tune.timed, 0, sizeof p->tune.timed);
    const int a = measure_cell(c, &ct, t0, !p->cells, &p->tune);
    if (a < 0)
        return -1;
    if (p->cells) {
        t->stream = ct.stream;
        t->chunk_floats = ct.chunk_floats;
    } else {
        *t = ct;
    }
    rnn_tune_set(p, t);
    const int w = p->cells ? measure_wave(p, t, t0) : 0;
    if (w < 0)
        return -1;
    rnn_tune_set(p, t);
    return a || w;
}
