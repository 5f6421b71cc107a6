/* test_tune.c — the planner (core/tune.h): every tunable is bit-neutral,
 * ESTIMATE keeps today's rules, and the wisdom round-trips and refuses
 * what it should.
 *
 * Bits: for every table this CPU runs, at one and two threads, on shapes
 * that reach every tunable (batch 1 long enough for the fused step in
 * blocks of 8 and of 16 rows, gru's two phases, batch 3, seq2seq at batch 1, a three-layer stack at batch 2
 * whose two-thread forward is the wavefront, a bidirectional stack), the
 * forward outputs and the train outputs and gradients of
 *   - a MEASURE plan,
 *   - the ESTIMATE plan forced to every candidate of every tunable (one at
 *     a time: the ride off, forward only, dx only, both at any size, both
 *     in blocks of 8 and of 16 rows; the
 *     stream front to back, back to front in each candidate chunk; the
 *     wavefront's chunks 1, the candidates and T, the decoder's too)
 * must equal the ESTIMATE plan's bit for bit (same table, same threads:
 * tables need not agree with each other at two threads).
 *
 * A stack's cells stream as every candidate set on the stack says (stream,
 * chunk, panels).
 *
 * Wisdom: a MEASURE plan's choice exported, forgotten, imported, is what
 * the next MEASURE plan of that shape takes without timing (source
 * wisdom); another machine's line is skipped; malformed text (and every
 * truncation of valid text that is not itself valid) is RNN_ERR_ARG with
 * the wisdom unchanged; plans that differ in one field of the key (each
 * of the problem's, the threads, the fused-step options, the data type)
 * have keys of their own; concurrent MEASURE plans and imports on two
 * threads. Options: tuning out of range is RNN_ERR_ARG; zero options are
 * ESTIMATE with the rules' values for this machine's model (a stack's
 * wavefront from three layers on); a one-cell MEASURE plan at batch 2 to
 * 4 times nothing and keeps them; what a plan records of MEASURE's groups
 * (the candidates each listed, the two copies of W_hh among them where
 * they fit, a stack's wavefront chunks; nothing for rules or wisdom) and
 * describe's `measured=`; with the
 * model forced to each answer (split, full-width FMAs) the ride's limits
 * and rows follow it, T and the copies of W_hh, and fused_step_always
 * overrides it; fused_step_always with
 * no_fused_step, or out of range, is RNN_ERR_ARG. rnn_machine_describe at
 * its buffer's boundary. rnn_workspace_poison, which every comparison
 * runs on, reaches every float of a workspace, a stack's cells' too.
 * Nothing here measures time. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "drivers.h"
#include "cpu_model.h"

/* ---- problems ---- */

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    size_t cells, per; /* weight blocks (the decoder's too) and floats each */
    float *w, *x, *x_dec, *h0, *c0;
    int32_t *targets;
    rnn_cell_weights *cw;
    rnn_params prm;
    size_t n_out; /* floats of one run's outputs and gradients */
    int zero_state; /* h0 and c0 not given: the first step's state is zeros */
} problem;

static float *floats(size_t n, uint64_t stream, float scale)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (p)
        rnn_fill_uniform(p, n, 7, stream, -scale, scale);
    return p;
}

static int problem_make(problem *pb, rnn_desc d)
{
    memset(pb, 0, sizeof *pb);
    pb->d = d;
    if (rnn_desc_check(&pb->d, &pb->s) != RNN_OK)
        return -1;
    const rnn_sizes *s = &pb->s;
    const size_t wih = s->weight_ih > s->weight_ih_upper ? s->weight_ih : s->weight_ih_upper;
    pb->per = wih + s->weight_hh + 2 * s->bias;
    pb->cells = s->cells + (d.topology == RNN_SEQ2SEQ ? s->layers : 0);
    pb->w = floats(pb->cells * pb->per + s->W_hy + s->b_y, 1, 0.3f);
    pb->x = floats(s->x, 2, 1.0f);
    pb->x_dec = floats(s->x_dec, 3, 1.0f);
    pb->h0 = floats(s->state, 4, 0.5f);
    pb->c0 = floats(s->state, 5, 0.5f);
    pb->targets = calloc(s->targets ? s->targets : 1, sizeof *pb->targets);
    pb->cw = calloc(pb->cells, sizeof *pb->cw);
    if (!pb->w || !pb->x || !pb->x_dec || !pb->h0 || !pb->c0 || !pb->targets || !pb->cw)
        return -1;
    for (size_t i = 0; i < s->targets; i++)
        pb->targets[i] = (int32_t)(i * 3 % (size_t)d.V);
    for (size_t c = 0; c < pb->cells; c++) {
        float *q = pb->w + c * pb->per;
        pb->cw[c] = (rnn_cell_weights){q, q + wih, q + wih + s->weight_hh,
                                       q + wih + s->weight_hh + s->bias};
    }
    const float *head = pb->w + pb->cells * pb->per;
    const int s2s = d.topology == RNN_SEQ2SEQ;
    pb->prm = (rnn_params){pb->cw[0], s2s ? pb->cw[s->cells] : pb->cw[0], head, head + s->W_hy,
                           pb->cw, s2s ? pb->cw + s->cells : NULL};
    /* h, c, logits, loss; then dx, dx_dec, dh0, dc0, every cell's four
     * gradients (the largest block each), dW_hy, db_y. */
    pb->n_out = 2 * s->h + s->logits + 1 + s->x + s->x_dec + 2 * s->state +
                pb->cells * pb->per + s->W_hy + s->b_y;
    return 0;
}

static void problem_free(problem *pb)
{
    free(pb->w), free(pb->x), free(pb->x_dec), free(pb->h0), free(pb->c0);
    free(pb->targets), free(pb->cw);
}

/* Forward (mode 0) or train (1) into out (pb->n_out floats, zeroed first),
 * on a poisoned workspace: without it, what an earlier candidate's call
 * left in xp hid a wrapped step that rode too few of the next block's
 * projection columns. */
static rnn_status run(const problem *pb, const rnn_plan *p, rnn_workspace *ws, int mode,
                      float *out)
{
    const rnn_sizes *s = &pb->s;
    memset(out, 0, pb->n_out * sizeof *out);
    if (rnn_workspace_poison(ws) != RNN_OK)
        return RNN_ERR_NULL;
    float *q = out;
    const int lstm = pb->d.cell == RNN_LSTM, s2s = pb->d.topology == RNN_SEQ2SEQ;
    rnn_outputs o = {q, lstm ? q + s->h : NULL, q + 2 * s->h, q + 2 * s->h + s->logits};
    q += 2 * s->h + s->logits + 1;
    const rnn_inputs in = {pb->x, NULL, s2s ? pb->x_dec : NULL, NULL,
                           pb->zero_state ? NULL : pb->h0,
                           lstm && !pb->zero_state ? pb->c0 : NULL, pb->targets};
    if (mode == 0)
        return rnn_plan_forward(p, ws, &in, &o);
    rnn_cell_grads cg[64];
    if (pb->cells > 64)
        return RNN_ERR_SIZE;
    rnn_grads g = {q, s2s ? q + s->x : NULL, q + s->x + s->x_dec,
                   lstm ? q + s->x + s->x_dec + s->state : NULL};
    q += s->x + s->x_dec + 2 * s->state;
    const size_t wih = pb->per - s->weight_hh - 2 * s->bias;
    for (size_t c = 0; c < pb->cells; c++, q += pb->per)
        cg[c] = (rnn_cell_grads){q, q + wih, q + wih + s->weight_hh,
                                 q + wih + s->weight_hh + s->bias};
    g.W_hy = q;
    g.b_y = q + s->W_hy;
    g.layers = cg;
    g.decoder_layers = s2s ? cg + s->cells : NULL;
    return rnn_plan_train(p, ws, &in, &o, &g);
}

/* ---- bits ---- */

static char label[200];

/* Runs both modes on plan p and compares with want[mode] (filled when
 * fill). */
static void compare(const problem *pb, const rnn_plan *p, rnn_workspace *ws, float *want[2],
                    float *got, int fill, const char *what)
{
    for (int mode = 0; mode < 2; mode++) {
        float *dst = fill ? want[mode] : got;
        const rnn_status st = run(pb, p, ws, mode, dst);
        CHECK(st == RNN_OK, "%s %s: %s call failed: %s", label, what, mode ? "train" : "forward",
              rnn_strerror(st));
        if (!fill && st == RNN_OK)
            CHECK(memcmp(got, want[mode], pb->n_out * sizeof *got) == 0,
                  "%s %s: %s differs from the ESTIMATE plan's bits", label, what,
                  mode ? "train" : "forward");
    }
}

/* Every candidate of every tunable, one at a time from the rules. */
static size_t candidates(const rnn_plan *p, rnn_tunables *out, const char **name)
{
    const rnn_tunables base = p->tune.v;
    size_t n = 0;
#define ADD(what, field, value)                                                \
    do {                                                                       \
        out[n] = base;                                                         \
        out[n].field = (value);                                                \
        name[n++] = what;                                                      \
    } while (0)
    ADD("ride 0", ride, 0);
    ADD("ride_max 0", ride_max, 0);
    ADD("ride_max any", ride_max, RNN_TUNE_ANY);
    ADD("ride_dx_max 0", ride_dx_max, 0);
    ADD("ride_dx_max any", ride_dx_max, RNN_TUNE_ANY);
    out[n] = base, out[n].ride_max = out[n].ride_dx_max = RNN_TUNE_ANY;
    name[n++] = "ride both any";
    out[n] = base, out[n].ride_max = out[n].ride_dx_max = RNN_TUNE_ANY;
    out[n].ride_rows = RNN_RIDE_ROWS_MIN;
    name[n++] = "ride both any, 8 rows";
    out[n] = base, out[n].ride_max = out[n].ride_dx_max = RNN_TUNE_ANY;
    out[n].ride_rows = RNN_RIDE_ROWS_MAX;
    name[n++] = "ride both any, 16 rows";
    ADD("stream forward", stream, RNN_STREAM_FORWARD);
    ADD("stream wrap", stream, RNN_STREAM_WRAP);
    out[n] = base, out[n].stream = RNN_STREAM_WRAP, out[n].ride = 1;
    out[n].ride_max = out[n].ride_dx_max = RNN_TUNE_ANY;
    name[n++] = "stream wrap, ride both any";
    static const char *const cn[RNN_TUNE_N_CHUNKS] = {"stream alt chunk 0", "stream alt chunk 1",
                                                      "stream alt chunk 2"};
    for (size_t i = 0; i < RNN_TUNE_N_CHUNKS; i++) {
        out[n] = base, out[n].stream = RNN_STREAM_ALT, out[n].chunk_floats = rnn_tune_chunks[i];
        name[n++] = cn[i];
    }
    const size_t T = (size_t)p->desc.T, To = (size_t)p->desc.T_out;
    size_t w[RNN_TUNE_N_WAVE];
    const size_t nw = rnn_tune_wave_candidates(T, base.wave_chunk, w);
    static const char *const wn[RNN_TUNE_N_WAVE] = {"wave cand 0", "wave cand 1", "wave cand 2",
                                                    "wave cand 3"};
    for (size_t i = 0; i < nw; i++)
        ADD(wn[i], wave_chunk, w[i]);
    ADD("gemv panels 2", gemv_panels, 2);
    ADD("gemv panels 4", gemv_panels, 4);
    ADD("hh copies 1", hh_copies, 1);
    out[n] = base, out[n].hh_copies = 2, out[n].gemv_panels = 2;
    name[n++] = "hh copies 2 panels 2";
    out[n] = base, out[n].hh_copies = 2, out[n].gemv_panels = 4;
    name[n++] = "hh copies 2 panels 4";
    ADD("wave 1", wave_chunk, 1);
    ADD("wave T", wave_chunk, T);
    ADD("wave 0 (stages split)", wave_chunk, 0);
    if (To) {
        ADD("wave_dec 1", wave_chunk_dec, 1);
        ADD("wave_dec T_out", wave_chunk_dec, To);
    }
#undef ADD
    return n;
}

static int forced_tests(void)
{
    /* zero_state: h0 (and c0) not given, so the first step's products are
     * their biases (rnn_zero_state), in the wrapped step's runs too. */
    const struct {
        rnn_desc d;
        int zero_state;
    } shapes[] = {
        {{RNN_LSTM, RNN_MANY2ONE, 20, 0, 1, 24, 64, 5}, 0},
        {{RNN_GRU, RNN_MANY2MANY, 17, 0, 1, 16, 48, 3}, 0},
        {{RNN_GRU, RNN_MANY2ONE, 33, 0, 1, 16, 48, 3}, 0},
        /* H a multiple of every table's panels: the wrapped stream's runs
         * (step_wrap.c) are whole panels, with z's middle between them. */
        {{RNN_GRU, RNN_MANY2ONE, 35, 0, 1, 16, 96, 3}, 1},
        {{RNN_GRU, RNN_MANY2MANY, 12, 0, 1, 16, 64, 3}, 0},
        {{RNN_TANH, RNN_MANY2ONE, 18, 0, 3, 20, 32, 4}, 0},
        {{RNN_LSTM, RNN_SEQ2SEQ, 16, 17, 1, 16, 32, 3}, 0},
        {{RNN_LBR_GRU, RNN_MANY2MANY, 12, 0, 2, 16, 32, 3, 3, 0}, 0},
        {{RNN_LSTM, RNN_MANY2ONE, 9, 0, 1, 8, 32, 3, 2, 1}, 1},
    };
    int plans = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        if (rnn_isa_check((*t)->isa, NULL) != RNN_OK)
            continue;
        for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
            problem pb;
            if (problem_make(&pb, shapes[si].d)) {
                CHECK(0, "problem setup");
                problem_free(&pb);
                continue;
            }
            pb.zero_state = shapes[si].zero_state;
            float *want[2] = {malloc(pb.n_out * sizeof(float)), malloc(pb.n_out * sizeof(float))};
            float *got = malloc(pb.n_out * sizeof(float));
            /* bf16 on one thread, where the table has it. */
            for (int run_i = 0; run_i < 3 && want[0] && want[1] && got; run_i++) {
                const int threads = run_i == 1 ? 2 : 1;
                const rnn_dtype dt = run_i == 2 ? RNN_DTYPE_BF16 : RNN_DTYPE_F32;
                if (dt == RNN_DTYPE_BF16 && rnn_dtype_check(dt, (*t)->isa, NULL) != RNN_OK)
                    continue;
                snprintf(label, sizeof label, "%s %s %s %s T%lld B%lld H%lld L%lld%s%s %d thread%s",
                         (*t)->name, rnn_dtype_name(dt), rnn_cell_name(pb.d.cell),
                         rnn_topology_name(pb.d.topology), (long long)pb.d.T, (long long)pb.d.B,
                         (long long)pb.d.H, (long long)(pb.d.L ? pb.d.L : 1),
                         pb.d.bidirectional ? " bi" : "", pb.zero_state ? " h0=0" : "", threads,
                         threads == 2 ? "s" : "");
                rnn_plan_options o = {(*t)->isa, threads, 0, RNN_TUNE_ESTIMATE};
                o.dtype = dt;
                rnn_plan *p = NULL, *m = NULL;
                rnn_workspace *ws = NULL, *mws = NULL;
                if (rnn_plan_create(&p, &pb.d, &pb.prm, &o) != RNN_OK ||
                    rnn_workspace_create(&ws, p) != RNN_OK) {
                    CHECK(0, "%s: ESTIMATE plan", label);
                } else {
                    compare(&pb, p, ws, want, got, 1, "ESTIMATE");
                    rnn_tunables cand[32];
                    const char *name[32];
                    const rnn_tunables rules = p->tune.v;
                    /* The rules keep the second copy of W_hh only where
                     * they stream it; hold it for the candidates that do. */
                    CHECK((rules.hh_copies == 2) == (p->cell.hh_copy[0] != NULL) &&
                              (rules.hh_copies == 1 || rules.gemv_panels == 2),
                          "%s: rules hh_copies %zu (panels %zu) but %s copy held", label,
                          rules.hh_copies, rules.gemv_panels, p->cell.hh_copy[0] ? "a" : "no");
                    for (size_t k = 0; p->cells && k < p->n_cells; k++)
                        CHECK(p->cells[k]->tune.v.hh_copies == 1 && !p->cells[k]->cell.hh_copy[0],
                              "%s: a stack's cell %zu holds a second copy of W_hh", label, k);
                    /* Placed by the rules only at batch 1 in one cell. */
                    const int one_cell = pb.d.L <= 1 && !pb.d.bidirectional;
                    CHECK(rules.hh_places == 1 || (pb.d.B == 1 && one_cell),
                          "%s: the rules try %zu placements", label, rules.hh_places);
                    if (rnn_tune_copies_fit(p))
                        CHECK(rnn_hh_copies(p, 1) == RNN_OK && p->cell.hh_copy[0] &&
                                  (pb.d.topology != RNN_SEQ2SEQ || p->decoder.hh_copy[0]),
                              "%s: no second copy of W_hh", label);
                    const size_t nc = candidates(p, cand, name);
                    for (size_t c = 0; c < nc; c++) {
                        rnn_tune_set(p, &cand[c]);
                        /* A stack's time loops are its cells': each streams
                         * as the stack was told. */
                        for (size_t k = 0; p->cells && k < p->n_cells; k++) {
                            const rnn_tunables *cv = &p->cells[k]->tune.v;
                            CHECK(cv->stream == cand[c].stream &&
                                      cv->chunk_floats == cand[c].chunk_floats &&
                                      cv->gemv_panels == cand[c].gemv_panels,
                                  "%s %s: cell %zu streams %s, chunk %zu, panels %zu", label,
                                  name[c], k, rnn_stream_name(cv->stream), cv->chunk_floats,
                                  cv->gemv_panels);
                        }
                        compare(&pb, p, ws, want, got, 0, name[c]);
                        plans++;
                    }
                    rnn_tune_set(p, &rules);
                    o.tuning = RNN_TUNE_MEASURE;
                    if (rnn_plan_create(&m, &pb.d, &pb.prm, &o) != RNN_OK ||
                        rnn_workspace_create(&mws, m) != RNN_OK)
                        CHECK(0, "%s: MEASURE plan", label);
                    else
                        compare(&pb, m, mws, want, got, 0, "MEASURE");
                    plans++;
                }
                rnn_workspace_destroy(mws);
                rnn_plan_destroy(m);
                rnn_workspace_destroy(ws);
                rnn_plan_destroy(p);
            }
            free(want[0]), free(want[1]), free(got);
            problem_free(&pb);
        }
    }
    return plans;
}

/* ---- placement ---- */

/* Cell w's batch-1 stream (hh_packed, then hh_copy where held), as
 * placement.c sees it: its buffers and their floats; how many. */
static size_t stream_buffers(const rnn_plan *p, const cell_pack *w, float **buf, size_t *n)
{
    size_t m = 0;
    for (size_t ph = 0; ph < p->ops->phases; ph++) {
        buf[m] = w->hh_packed[ph];
        n[m++] = rnn_hh_phase_floats(p, ph);
    }
    for (size_t ph = 0; ph < p->ops->phases; ph++)
        if (w->hh_copy[ph]) {
            buf[m] = w->hh_copy[ph];
            n[m++] = rnn_hh_phase_floats(p, ph);
        }
    return m;
}

/* Every bit comparison here runs on a poisoned workspace (run above), so
 * the poison must reach every float: of a one-cell plan's workspace, and
 * of each cell's workspace of a stack's. */
static int all_poisoned(const rnn_workspace *ws)
{
    const unsigned char *m = ws->mem;
    for (size_t i = 0; i < ws->mem_floats; i++) {
        uint32_t u;
        memcpy(&u, m + i * sizeof(float), sizeof u);
        if (u != 0xffffffffu)
            return 0;
    }
    for (size_t k = 0; ws->cells && k < ws->n_cells; k++)
        if (ws->cells[k] && !all_poisoned(ws->cells[k]))
            return 0;
    return 1;
}

static void poison_tests(void)
{
    const rnn_desc shapes[] = {
        {RNN_LSTM, RNN_MANY2ONE, 7, 0, 3, 5, 9, 4},
        {RNN_GRU, RNN_SEQ2SEQ, 6, 4, 2, 5, 8, 3, 2, 1},
    };
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        problem pb;
        rnn_plan *p = NULL;
        rnn_workspace *ws = NULL;
        if (problem_make(&pb, shapes[si]) || rnn_plan_create(&p, &pb.d, &pb.prm, NULL) != RNN_OK ||
            rnn_workspace_create(&ws, p) != RNN_OK) {
            CHECK(0, "poison: no plan of shape %zu", si);
        } else {
            CHECK(ws->mem_floats > 0 || ws->n_cells > 0, "poison: shape %zu: an empty workspace", si);
            CHECK(shapes[si].L < 2 || ws->n_cells > 0, "poison: shape %zu: a stack without cells", si);
            CHECK(rnn_workspace_poison(ws) == RNN_OK && all_poisoned(ws),
                  "poison: shape %zu: a float of the workspace left as it was", si);
        }
        rnn_workspace_destroy(ws);
        rnn_plan_destroy(p);
        problem_free(&pb);
    }
}

/* Placing a plan's stream again and again moves its buffers (now and then:
 * the fastest of 16 is seldom the first) and never their bytes, nor any
 * result, on every table, float32 and bf16, with two phases, two copies
 * (the read gain forced) and a seq2seq decoder; a plan at batch 3 is not
 * placed, whatever it is told. */
static void placement_tests(void)
{
    const rnn_desc shapes[] = {
        {RNN_GRU, RNN_MANY2ONE, 20, 0, 1, 16, 48, 3},
        {RNN_TANH, RNN_MANY2MANY, 12, 0, 1, 16, 32, 3},
        {RNN_LSTM, RNN_SEQ2SEQ, 10, 9, 1, 16, 32, 3},
    };
    rnn_cpu_read_gain_force(2.0);
    int moved = 0, placements = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        if (rnn_isa_check((*t)->isa, NULL) != RNN_OK)
            continue;
        for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
            for (int bf = 0; bf < 2; bf++) {
                const rnn_dtype dt = bf ? RNN_DTYPE_BF16 : RNN_DTYPE_F32;
                if (rnn_dtype_check(dt, (*t)->isa, NULL) != RNN_OK)
                    continue;
                problem pb;
                rnn_plan *p = NULL;
                rnn_workspace *ws = NULL;
                float *want[2] = {NULL, NULL}, *got = NULL;
                rnn_plan_options o = {(*t)->isa, 1, 0, RNN_TUNE_ESTIMATE};
                o.dtype = dt;
                if (problem_make(&pb, shapes[si]) ||
                    rnn_plan_create(&p, &pb.d, &pb.prm, &o) != RNN_OK ||
                    rnn_workspace_create(&ws, p) != RNN_OK) {
                    CHECK(0, "placement: no plan");
                    goto next;
                }
                snprintf(label, sizeof label, "placement: %s %s %s %s", (*t)->name,
                         rnn_dtype_name(dt), rnn_cell_name(pb.d.cell),
                         rnn_topology_name(pb.d.topology));
                want[0] = malloc(pb.n_out * sizeof(float));
                want[1] = malloc(pb.n_out * sizeof(float));
                got = malloc(pb.n_out * sizeof(float));
                if (!want[0] || !want[1] || !got)
                    goto next;
                compare(&pb, p, ws, want, got, 1, "placed by the rules");
                cell_pack *cells[2] = {&p->cell, &p->decoder};
                const size_t n_cells = pb.d.topology == RNN_SEQ2SEQ ? 2 : 1;
                float *before[2][2 * RNN_MAX_PHASES], *saved[2][2 * RNN_MAX_PHASES];
                size_t n[2][2 * RNN_MAX_PHASES], m[2];
                for (size_t c = 0; c < n_cells; c++) {
                    m[c] = stream_buffers(p, cells[c], before[c], n[c]);
                    for (size_t i = 0; i < m[c]; i++) {
                        saved[c][i] = malloc(n[c][i] * sizeof(float));
                        if (saved[c][i])
                            memcpy(saved[c][i], before[c][i], n[c][i] * sizeof(float));
                    }
                }
                CHECK(bf || (*t)->gemv_ride == NULL || p->cell.hh_copy[0],
                      "%s: no second copy with the read gain forced", label);
                for (int rep = 0; rep < 4; rep++) {
                    p->tune.v.hh_places = 16;
                    rnn_place_stream(p);
                    placements++;
                    CHECK(p->tune.place_gbs[0] > 0 && p->tune.place_gbs[1] >= p->tune.place_gbs[0],
                          "%s: placement read %.1f then %.1f GB/s", label, p->tune.place_gbs[0],
                          p->tune.place_gbs[1]);
                    for (size_t c = 0; c < n_cells; c++) {
                        float *now[2 * RNN_MAX_PHASES];
                        size_t nn[2 * RNN_MAX_PHASES];
                        CHECK(stream_buffers(p, cells[c], now, nn) == m[c],
                              "%s: the stream's buffers changed in number", label);
                        for (size_t i = 0; i < m[c]; i++) {
                            CHECK(saved[c][i] &&
                                      memcmp(now[i], saved[c][i], n[c][i] * sizeof(float)) == 0,
                                  "%s: cell %zu buffer %zu changed bytes when placed", label, c, i);
                            moved += now[i] != before[c][i];
                            before[c][i] = now[i];
                        }
                    }
                }
                compare(&pb, p, ws, want, got, 0, "placed again");
                for (size_t c = 0; c < n_cells; c++)
                    for (size_t i = 0; i < m[c]; i++)
                        free(saved[c][i]);
            next:
                free(want[0]), free(want[1]), free(got);
                rnn_workspace_destroy(ws);
                rnn_plan_destroy(p);
                problem_free(&pb);
            }
    }
    rnn_cpu_read_gain_force(0.0);
    CHECK(placements > 0 && moved > 0, "%d placements, none moved a buffer", placements);
    problem pb;
    rnn_plan *p = NULL;
    if (problem_make(&pb, (rnn_desc){RNN_GRU, RNN_MANY2ONE, 20, 0, 3, 16, 48, 3}) == 0 &&
        rnn_plan_create(&p, &pb.d, &pb.prm, NULL) == RNN_OK) {
        float *was = p->cell.hh_packed[0];
        p->tune.v.hh_places = 16;
        rnn_place_stream(p);
        CHECK(p->cell.hh_packed[0] == was && p->tune.place_gbs[1] == 0.0,
              "a plan at batch 3 was placed");
    } else {
        CHECK(0, "placement: no batch-3 plan");
    }
    rnn_plan_destroy(p);
    problem_free(&pb);
}

/* ---- options and rules ---- */

/* What a plan records of MEASURE's groups (tune.h: listed, timed) and
 * describe's `measured=`: nothing for rules or wisdom; for a one-cell
 * float32 MEASURE plan at batch 1, the stream's candidates and, on a table
 * with gemv_ride, the GEMV's panels 2 and 4 with one copy of W_hh and, where
 * two fit (rnn_tune_copies_fit), with two: 4 candidates. Counts, never
 * times: a group may or may not have been timed within the budget, but a
 * timed one listed at least two. H = 40 (W_hh 25 KiB) fits two copies in
 * any L2 this test meets; no other test makes this shape, and the wisdom
 * is forgotten first. */
static void measured_record_tests(void)
{
    problem g;
    if (problem_make(&g, (rnn_desc){RNN_LSTM, RNN_MANY2ONE, 20, 0, 1, 12, 40, 3})) {
        CHECK(0, "measured record: no problem");
        problem_free(&g);
        return;
    }
    rnn_wisdom_forget();
    const rnn_plan_options mo = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_MEASURE};
    const rnn_plan_options eo = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_ESTIMATE};
    rnn_plan *m = NULL, *w = NULL, *e = NULL;
    char line[1024];
    if (rnn_plan_create(&e, &g.d, &g.prm, &eo) == RNN_OK) {
        static const unsigned char none[RNN_TUNE_GROUPS];
        CHECK(!memcmp(e->tune.listed, none, sizeof none) &&
                  !memcmp(e->tune.timed, none, sizeof none),
              "an ESTIMATE plan records MEASURE's groups");
        CHECK(rnn_plan_describe(e, line, sizeof line) == RNN_OK && strstr(line, " measured=-"),
              "ESTIMATE describe without ' measured=-': '%s'", line);
    } else {
        CHECK(0, "measured record: no ESTIMATE plan");
    }
    if (rnn_plan_create(&m, &g.d, &g.prm, &mo) == RNN_OK) {
        const rnn_plan_tune *t = &m->tune;
        const int gemv = m->k->gemv_ride != NULL, two = rnn_tune_copies_fit(m);
        CHECK(t->source == RNN_TUNED_MEASURED || !t->timed[RNN_TUNE_G_STREAM],
              "a timed MEASURE plan says source %d", (int)t->source);
        CHECK(t->listed[RNN_TUNE_G_STREAM] >= 2, "the stream group listed %u candidates",
              (unsigned)t->listed[RNN_TUNE_G_STREAM]);
        CHECK(t->listed[RNN_TUNE_G_PANELS] == (gemv ? (two ? 4 : 2) : 0),
              "%s: the panels group listed %u candidates, not %d (two copies fit: %d)",
              m->k->name, (unsigned)t->listed[RNN_TUNE_G_PANELS], gemv ? (two ? 4 : 2) : 0,
              two);
        rnn_cpu_caches cc;
        if (gemv && rnn_cpu_caches_get(&cc) == RNN_OK && cc.l2 >= (64u << 10))
            CHECK(two, "%s: two copies of a 25 KiB W_hh do not fit an L2 of %zu bytes",
                  m->k->name, (size_t)cc.l2);
        for (int k = 0; k < RNN_TUNE_GROUPS; k++)
            CHECK(!t->timed[k] || t->listed[k] >= 2, "group %s timed with %u candidates",
                  rnn_tune_group_name(k), (unsigned)t->listed[k]);
        CHECK(!t->listed[RNN_TUNE_G_WAVE] && !t->listed[RNN_TUNE_G_WAVE_DEC],
              "a one-cell plan listed wavefront chunks");
        char want[48];
        snprintf(want, sizeof want, " measured=stream:%u", (unsigned)t->listed[RNN_TUNE_G_STREAM]);
        CHECK(rnn_plan_describe(m, line, sizeof line) == RNN_OK && strstr(line, want),
              "MEASURE describe without '%s': '%s'", want, line);
        if (gemv) {
            snprintf(want, sizeof want, ",panels:%u%s", (unsigned)t->listed[RNN_TUNE_G_PANELS],
                     t->timed[RNN_TUNE_G_PANELS] ? "!" : "");
            CHECK(strstr(line, want) != NULL, "MEASURE describe without '%s': '%s'", want,
                  line);
        }
        /* The next plan of this key takes the wisdom's choice: nothing timed. */
        if (rnn_plan_create(&w, &g.d, &g.prm, &mo) == RNN_OK) {
            static const unsigned char none[RNN_TUNE_GROUPS];
            CHECK(w->tune.source == RNN_TUNED_WISDOM && !memcmp(w->tune.listed, none, sizeof none),
                  "the wisdom's plan records MEASURE's groups (source %d)", (int)w->tune.source);
        } else {
            CHECK(0, "measured record: no second MEASURE plan");
        }
    } else {
        CHECK(0, "measured record: no MEASURE plan");
    }
    rnn_plan_destroy(m);
    rnn_plan_destroy(w);
    rnn_plan_destroy(e);
    problem_free(&g);
    /* A three-layer stack's two-thread forward at batch 2 runs as a
     * wavefront: the wave group lists rnn_tune_wave_candidates for T from
     * the rule's chunk (the ESTIMATE plan's). */
    if (problem_make(&g, (rnn_desc){RNN_GRU, RNN_MANY2ONE, 22, 0, 2, 12, 24, 3, 3, 0})) {
        CHECK(0, "measured record: no stack problem");
        problem_free(&g);
        return;
    }
    const rnn_plan_options m2 = {RNN_ISA_AUTO, 2, 0, RNN_TUNE_MEASURE};
    const rnn_plan_options e2 = {RNN_ISA_AUTO, 2, 0, RNN_TUNE_ESTIMATE};
    m = e = NULL;
    if (rnn_plan_create(&m, &g.d, &g.prm, &m2) == RNN_OK &&
        rnn_plan_create(&e, &g.d, &g.prm, &e2) == RNN_OK) {
        size_t cw[RNN_TUNE_N_WAVE];
        const size_t nw = rnn_tune_wave_candidates(22, e->tune.v.wave_chunk, cw);
        CHECK(nw >= 2 && m->tune.listed[RNN_TUNE_G_WAVE] == nw &&
                  !m->tune.listed[RNN_TUNE_G_WAVE_DEC],
              "the stack's wave group listed %u chunks, not %zu (decoder %u)",
              (unsigned)m->tune.listed[RNN_TUNE_G_WAVE], nw,
              (unsigned)m->tune.listed[RNN_TUNE_G_WAVE_DEC]);
        CHECK(!m->tune.listed[RNN_TUNE_G_PANELS] || m->tune.listed[RNN_TUNE_G_PANELS] == 2,
              "a stack's cell listed %u panel candidates (its cells keep one copy)",
              (unsigned)m->tune.listed[RNN_TUNE_G_PANELS]);
    } else {
        CHECK(0, "measured record: no stack plans");
    }
    rnn_plan_destroy(m);
    rnn_plan_destroy(e);
    problem_free(&g);
}

static void option_tests(void)
{
    problem pb;
    if (problem_make(&pb, (rnn_desc){RNN_LSTM, RNN_MANY2ONE, 20, 0, 1, 8, 16, 3})) {
        CHECK(0, "problem setup");
        problem_free(&pb);
        return;
    }
    const int bad[] = {-1, 2, 99};
    for (size_t i = 0; i < 3; i++) {
        rnn_plan *p = (rnn_plan *)&pb; /* must be set to NULL */
        rnn_plan_options o = {RNN_ISA_AUTO, 1, 0, (rnn_tuning)bad[i]};
        CHECK(rnn_plan_create(&p, &pb.d, &pb.prm, &o) == RNN_ERR_ARG && p == NULL,
              "tuning %d: not RNN_ERR_ARG", bad[i]);
    }
    /* Zero options and NULL options: ESTIMATE with the constants the
     * drivers had. */
    rnn_plan_options zero;
    memset(&zero, 0, sizeof zero);
    for (int k = 0; k < 2; k++) {
        rnn_plan *p = NULL;
        if (rnn_plan_create(&p, &pb.d, &pb.prm, k ? &zero : NULL) != RNN_OK) {
            CHECK(0, "default plan");
            continue;
        }
        const rnn_tunables *v = &p->tune.v;
        CHECK(p->tune.mode == RNN_TUNE_ESTIMATE && p->tune.source == RNN_TUNED_RULES,
              "default options are not ESTIMATE from the rules");
        /* The ride's limits follow the machine model (cpu_model.h): none
         * where the table's FMAs are full width. */
        const int full = p->k->gemv_ride && rnn_cpu_fma_width(p->k) == RNN_FMA_FULL;
        /* The stream chunk: L2 / 16 bytes, 4096 to 65536 floats. */
        rnn_cpu_caches cc;
        CHECK(rnn_cpu_caches_get(&cc) == RNN_OK && cc.l2 > 0, "no L2 size");
        size_t chunk = cc.l2 / 64;
        chunk = chunk < 4096 ? 4096 : chunk > 65536 ? 65536 : chunk;
        CHECK(v->ride == 1 && v->ride_max == (full ? 0 : 8u << 20) &&
                  v->ride_dx_max == (full ? 0 : 4u << 20) && v->stream == RNN_STREAM_ALT &&
                  v->chunk_floats == chunk && v->wave_chunk == 0 && v->wave_chunk_dec == 0,
              "the rules' values changed");
        char want[48];
        snprintf(want, sizeof want, " stream=alt chunk=%zu ", chunk);
        char line[512], small[16];
        CHECK(rnn_plan_describe(p, line, sizeof line) == RNN_OK &&
                  strstr(line, "tuning=estimate source=rules ") == line &&
                  strstr(line, want) && !strchr(line, '\n'),
              "describe: '%s'", line);
        CHECK(rnn_plan_describe(p, small, sizeof small) == RNN_ERR_SIZE &&
                  strlen(small) == sizeof small - 1,
              "describe into 16 bytes: not RNN_ERR_SIZE, or not NUL-terminated");
        CHECK(rnn_plan_describe(NULL, line, sizeof line) == RNN_ERR_NULL, "describe NULL");
        rnn_plan_destroy(p);
    }
    /* The model's two answers, forced: the ride's limits where the table's
     * FMAs are split (Zen 4) and none where they are full width; and
     * fused_step_always rides at any size, whatever the model says, and
     * refuses what it should. */
    static const rnn_fma_width widths[] = {RNN_FMA_SPLIT, RNN_FMA_FULL};
    for (size_t i = 0; i < 2; i++) {
        rnn_cpu_fma_width_force(widths[i]);
        for (int always = 0; always < 2; always++) {
            rnn_plan *p = NULL;
            const rnn_plan_options o = {.isa = RNN_ISA_AUTO, .fused_step_always = always};
            if (rnn_plan_create(&p, &pb.d, &pb.prm, &o) != RNN_OK) {
                CHECK(0, "plan with fused_step_always %d", always);
                continue;
            }
            const rnn_tunables *v = &p->tune.v;
            const int model = p->k->gemv_ride != NULL; /* only those tables ask */
            const size_t fwd = always ? RNN_TUNE_ANY
                               : model && widths[i] == RNN_FMA_FULL ? 0 : (size_t)8 << 20;
            const size_t dx = always ? RNN_TUNE_ANY
                              : model && widths[i] == RNN_FMA_FULL ? 0 : (size_t)4 << 20;
            CHECK(v->ride_max == fwd && v->ride_dx_max == dx,
                  "fma %s, fused_step_always %d: ride_max %zu ride_dx_max %zu",
                  rnn_fma_width_name(widths[i]), always, v->ride_max, v->ride_dx_max);
            char line[512];
            CHECK(rnn_plan_describe(p, line, sizeof line) == RNN_OK &&
                      strstr(line, model ? (widths[i] == RNN_FMA_FULL ? " fma=full " : " fma=split ")
                                         : " fma=unknown "),
                  "describe does not name the model: '%s'", line);
            rnn_plan_destroy(p);
        }
    }
    /* rnn_machine_describe names the model's answer, and refuses what it
     * should. */
    {
        char line[160], small[8];
        rnn_cpu_fma_width_force(RNN_FMA_SPLIT);
        const rnn_status st = rnn_machine_describe(RNN_ISA_AUTO, line, sizeof line);
        const rnn_kernels *k = NULL;
        CHECK(rnn_kernels_get(RNN_ISA_AUTO, &k, NULL) == RNN_OK && st == RNN_OK &&
                  strstr(line, "isa=") == line && strstr(line, " l2_bytes=") &&
                  strstr(line, k->gemv_ride ? " fma=split " : " fma=unknown "),
              "rnn_machine_describe: '%s'", line);
        CHECK(rnn_machine_describe(RNN_ISA_AUTO, small, sizeof small) == RNN_ERR_SIZE &&
                  strlen(small) == sizeof small - 1,
              "rnn_machine_describe into 8 bytes: not RNN_ERR_SIZE or not terminated");
        /* The boundary, where an off-by-one hides: strlen + 1 bytes hold the
         * whole line, one byte fewer loses its last character and must say
         * so. (The line is the same on every call: the model is forced, the
         * ratio and the caches are probed once per process.) */
        const size_t len = strlen(line);
        char exact[160];
        CHECK(rnn_machine_describe(RNN_ISA_AUTO, exact, len + 1) == RNN_OK &&
                  strcmp(exact, line) == 0,
              "rnn_machine_describe into strlen + 1 = %zu bytes: not RNN_OK or not the line",
              len + 1);
        CHECK(rnn_machine_describe(RNN_ISA_AUTO, exact, len) == RNN_ERR_SIZE &&
                  strlen(exact) == len - 1,
              "rnn_machine_describe into strlen = %zu bytes: truncated without RNN_ERR_SIZE", len);
        CHECK(rnn_machine_describe(RNN_ISA_AUTO, NULL, 10) == RNN_ERR_NULL,
              "rnn_machine_describe NULL");
        CHECK(rnn_machine_describe((rnn_isa)99, line, sizeof line) != RNN_OK,
              "rnn_machine_describe of isa 99");
    }
    /* The ride's rows and limits by model, length, size and copies: where
     * the FMAs are full width the forward rides in blocks of 16 rows from T
     * 32 on where W_hh is larger than L2 (so never beside two copies;
     * below T 32 only when forced, in blocks of 8), BPTT's dx not at all;
     * where split, both in blocks of 8. T 20 and 40 at H 16 (W_hh in L2),
     * T 40 at H 512 (4 MiB); the read gain forced to 1 (one copy) and 2
     * (two, where they fit). */
    {
        problem lp, bp;
        rnn_cpu_caches cc;
        const size_t l2 = rnn_cpu_caches_get(&cc) == RNN_OK ? cc.l2 : 0;
        if (problem_make(&lp, (rnn_desc){RNN_LSTM, RNN_MANY2ONE, 40, 0, 1, 8, 16, 3}) ||
            problem_make(&bp, (rnn_desc){RNN_LSTM, RNN_MANY2ONE, 40, 0, 1, 8, 512, 3})) {
            CHECK(0, "problem setup (T 40)");
        } else {
            const problem *pbs[3] = {&pb, &lp, &bp};
            static const double gains[] = {1.0, 2.0};
            for (size_t i = 0; i < 2; i++)
                for (size_t g = 0; g < 2; g++)
                    for (size_t q = 0; q < 3; q++) {
                        rnn_cpu_fma_width_force(widths[i]);
                        rnn_cpu_read_gain_force(gains[g]);
                        rnn_plan *p = NULL;
                        if (rnn_plan_create(&p, &pbs[q]->d, &pbs[q]->prm, NULL) != RNN_OK) {
                            CHECK(0, "plan T %lld", (long long)pbs[q]->d.T);
                            continue;
                        }
                        const rnn_tunables *v = &p->tune.v;
                        const int full = p->k->gemv_ride != NULL && widths[i] == RNN_FMA_FULL;
                        const int long_t = pbs[q]->d.T >= 32;
                        const int beyond = l2 && rnn_hh_packed_bytes(p) > l2;
                        CHECK(!beyond || v->hh_copies == 1, "two copies of a W_hh beyond L2");
                        const size_t rows = full && long_t ? 16 : 8;
                        const size_t fwd = !full ? (size_t)8 << 20
                                           : long_t && beyond ? (size_t)8 << 20
                                                              : 0;
                        const size_t dx = full ? 0 : (size_t)4 << 20;
                        CHECK(v->ride_rows == rows && v->ride_max == fwd && v->ride_dx_max == dx,
                              "fma %s, read gain %.0f, T %lld (copies %zu): ride_rows %zu "
                              "ride_max %zu ride_dx_max %zu, want %zu %zu %zu",
                              rnn_fma_width_name(widths[i]), gains[g], (long long)pbs[q]->d.T,
                              v->hh_copies, v->ride_rows, v->ride_max, v->ride_dx_max, rows, fwd,
                              dx);
                        char line[512], want[32];
                        snprintf(want, sizeof want, " ride_rows=%zu", rows);
                        CHECK(rnn_plan_describe(p, line, sizeof line) == RNN_OK &&
                                  strstr(line, want),
                              "describe does not show %s: '%s'", want, line);
                        rnn_plan_destroy(p);
                    }
            rnn_cpu_read_gain_force(0.0);
            CHECK(l2 > 0 && l2 < (size_t)4 << 20,
                  "L2 %zu: the H 512 problem's 4 MiB W_hh does not exceed it", l2);
        }
        problem_free(&lp);
        problem_free(&bp);
    }
    rnn_cpu_fma_width_force(RNN_FMA_UNKNOWN);
    /* The wavefront's rule (a stack's two threads below batch 4): chunks of
     * ceil(sqrt(T)) steps from three layers on (a small W_hh), none for two;
     * the decoder's by T_out likewise. */
    for (int64_t L = 2; L <= 4; L++)
        for (int s2s = 0; s2s < 2; s2s++) {
            problem sp;
            const rnn_desc d = {RNN_LBR_GRU, s2s ? RNN_SEQ2SEQ : RNN_MANY2MANY, 12, s2s ? 5 : 0,
                                2, 16, 32, 3, L, 0};
            rnn_plan *p = NULL;
            if (problem_make(&sp, d) || rnn_plan_create(&p, &sp.d, &sp.prm, NULL) != RNN_OK) {
                CHECK(0, "stack L %lld: no plan", (long long)L);
            } else {
                const size_t want = L >= 3 ? 4 : 0, want_dec = L >= 3 && s2s ? 3 : 0;
                CHECK(p->tune.v.wave_chunk == want && p->tune.v.wave_chunk_dec == want_dec,
                      "a %lld-layer stack%s: the rules' wavefront chunks %zu, %zu, want %zu, %zu",
                      (long long)L, s2s ? " (seq2seq)" : "", p->tune.v.wave_chunk,
                      p->tune.v.wave_chunk_dec, want, want_dec);
            }
            rnn_plan_destroy(p);
            problem_free(&sp);
        }
    /* ... and none where a layer's W_hh passes 4 MiB (a step then long
     * enough to stream at both cores' bandwidth with the stages split):
     * lbr_gru's 3H x H floats are 4 190 K at H 591, 4 206 K at H 592. */
    for (int64_t H = 591; H <= 592; H++) {
        problem sp;
        const rnn_desc d = {RNN_LBR_GRU, RNN_MANY2MANY, 12, 0, 2, 16, H, 3, 3, 0};
        rnn_plan *p = NULL;
        if (problem_make(&sp, d) || rnn_plan_create(&p, &sp.d, &sp.prm, NULL) != RNN_OK) {
            CHECK(0, "stack H %lld: no plan", (long long)H);
        } else {
            const size_t want = H == 591 ? 4 : 0;
            CHECK(p->tune.v.wave_chunk == want,
                  "a 3-layer stack of H %lld (W_hh %lld bytes): the rule's wavefront chunk %zu, "
                  "want %zu", (long long)H, (long long)(3 * H * H * 4), p->tune.v.wave_chunk, want);
        }
        rnn_plan_destroy(p);
        problem_free(&sp);
    }
    {
        static const int bad_always[][2] = {{1, 1}, {0, 2}, {0, -1}};
        for (size_t i = 0; i < 3; i++) {
            rnn_plan *p = (rnn_plan *)&pb;
            const rnn_plan_options o = {.no_fused_step = bad_always[i][0],
                                        .fused_step_always = bad_always[i][1]};
            CHECK(rnn_plan_create(&p, &pb.d, &pb.prm, &o) == RNN_ERR_ARG && p == NULL,
                  "no_fused_step %d with fused_step_always %d: not RNN_ERR_ARG",
                  bad_always[i][0], bad_always[i][1]);
        }
    }
    /* gru: back to front where its W_hh fits L2, front to back up to twice
     * L2, z's rows wrapped around the step beyond (H chosen so that 3 H x H
     * floats are within L2, just over it and over twice its size, multiples
     * of 64 so that z splits into whole panels); placed where they are over
     * L2 / 2 and within 7/8 of it, at batch 1 only (not at batch 3, nor at
     * the largest H within L2, over 7/8 of it on a 1 MiB L2, nor at the
     * largest within L2 / 2); no_fused_step: no ride,
     * whatever the tuning. One copy of W_hh throughout: the read gain forced
     * to 1, since the probe's answer near the 1.1 bar (H 192's 432 KiB on a
     * 1 MiB L2, whose two copies fit) varies with the machine's load, and
     * two copies double the bytes these places are chosen by (the placement
     * of two copies: placement_tests). */
    problem g;
    rnn_cpu_read_gain_force(1.0);
    rnn_cpu_caches gc;
    const size_t l2 = rnn_cpu_caches_get(&gc) == RNN_OK ? gc.l2 : 0;
    int place_h = 16, full_h = 16, half_h = 64, mid_h = 64, wrap_h = 64;
    /* half_h: a multiple of 64 (whole panels, no padding) within L2 / 2 */
    while ((size_t)(half_h + 64) * (size_t)(half_h + 64) * 12 <= l2 / 2 && half_h < 4096)
        half_h += 64;
    while ((size_t)place_h * (size_t)place_h * 12 <= l2 / 2 && place_h < 4096)
        place_h += 16;
    while ((size_t)(full_h + 16) * (size_t)(full_h + 16) * 12 <= l2 && full_h < 4096)
        full_h += 16;
    while ((size_t)mid_h * (size_t)mid_h * 12 <= l2 && mid_h < 4096)
        mid_h += 64;
    while ((size_t)wrap_h * (size_t)wrap_h * 12 <= 2 * l2 && wrap_h < 4096)
        wrap_h += 64;
    const int gru_h[7] = {16, mid_h, wrap_h, place_h, place_h, full_h, half_h};
    for (int i = 0; i < 7; i++) {
        const int64_t B = i == 4 ? 3 : 1;
        if (problem_make(&g, (rnn_desc){RNN_GRU, RNN_MANY2ONE, 20, 0, B, 8, gru_h[i], 3})) {
            CHECK(0, "gru H %d: no problem", gru_h[i]);
            problem_free(&g);
            continue;
        }
        rnn_plan *p = NULL;
        if (rnn_plan_create(&p, &g.d, &g.prm, NULL) == RNN_OK) {
            const size_t hh = rnn_hh_packed_bytes(p);
            const rnn_stream want = i == 0 || i >= 3 ? RNN_STREAM_ALT
                                    : i == 2 && rnn_wrap_columns(p) ? RNN_STREAM_WRAP
                                                                    : RNN_STREAM_FORWARD;
            /* Placed only where the stream is over L2 / 2 and within 7/8
             * of it (the fourth H). */
            const int placed = i == 3 && hh <= l2 / 8 * 7;
            CHECK(i != 5 || hh <= l2, "gru H %d's W_hh is larger than L2", full_h);
            CHECK(i != 6 || (hh > l2 / 4 && hh <= l2 / 2),
                  "gru H %d's W_hh is not over L2 / 4 and within L2 / 2", half_h);
            CHECK(p->tune.v.hh_places == (placed ? 8u : 1u) &&
                      placed == (p->tune.place_gbs[1] > 0),
                  "gru H %d (W_hh %zu bytes, L2 %zu): places %zu", gru_h[i], hh, l2,
                  p->tune.v.hh_places);
            CHECK(i != 3 || hh > l2 / 2, "gru H %d's W_hh is within L2 / 2", place_h);
            CHECK(p->tune.v.stream == want,
                  "gru H %d (W_hh %zu bytes, L2 %zu): the rule streams %s, not %s", gru_h[i], hh,
                  l2, rnn_stream_name(p->tune.v.stream), rnn_stream_name(want));
            CHECK(i != 0 || hh <= l2, "gru H 16's W_hh is not within L2 (%zu bytes)", l2);
            CHECK(i != 1 || (hh > l2 && hh <= 2 * l2),
                  "gru H %d's W_hh (%zu bytes) is not 1 to 2 times L2 (%zu bytes)", mid_h, hh, l2);
            CHECK(i != 2 || hh > 2 * l2, "gru H %d's W_hh is within twice L2 (%zu bytes)", wrap_h,
                  l2);
            /* Where the table has panels, a wrap run is whole panels. */
            const size_t a = rnn_wrap_columns(p);
            CHECK(!p->nr || (a % p->nr == 0 && a <= (size_t)gru_h[i] / 2),
                  "gru H %d: wrap runs of %zu columns (panels of %zu)", gru_h[i], a, p->nr);
        } else {
            CHECK(0, "gru H %d: no plan", gru_h[i]);
        }
        rnn_plan_destroy(p);
        problem_free(&g);
    }
    rnn_cpu_read_gain_force(0.0);
    if (!problem_make(&g, (rnn_desc){RNN_GRU, RNN_MANY2ONE, 20, 0, 1, 8, 16, 3})) {
        rnn_plan *p = NULL;
        rnn_plan_options o = {RNN_ISA_AUTO, 1, 1, RNN_TUNE_MEASURE};
        p = NULL;
        if (rnn_plan_create(&p, &g.d, &g.prm, &o) == RNN_OK) {
            const rnn_thread one = {0, 1, NULL};
            CHECK(p->tune.v.ride == 0 && !rnn_fused_projection(p, 20, 1, &one),
                  "MEASURE with no_fused_step rides");
        }
        rnn_plan_destroy(p);
    }
    problem_free(&g);
    /* A one-cell plan at batch 2 to 4 runs neither the batch-1 stream nor
     * the ride, so MEASURE has nothing to time (tune_measure.c): the
     * plan keeps the rules, as the ESTIMATE plan of its shape has them.
     * No wisdom of these keys exists yet (main forgot it; no other test
     * makes these shapes). */
    for (int64_t B = 2; B <= 4; B++) {
        if (problem_make(&g, (rnn_desc){RNN_GRU, RNN_MANY2MANY, 12, 0, B, 8, 48, 3})) {
            CHECK(0, "batch %d: no problem", (int)B);
            continue;
        }
        rnn_plan *m = NULL, *e = NULL;
        const rnn_plan_options mo = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_MEASURE};
        const rnn_plan_options eo = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_ESTIMATE};
        if (rnn_plan_create(&m, &g.d, &g.prm, &mo) == RNN_OK &&
            rnn_plan_create(&e, &g.d, &g.prm, &eo) == RNN_OK)
            CHECK(m->tune.source == RNN_TUNED_RULES &&
                      memcmp(&m->tune.v, &e->tune.v, sizeof m->tune.v) == 0,
                  "batch %d: a MEASURE plan timed something (source %d) or left the rules",
                  (int)B, (int)m->tune.source);
        else
            CHECK(0, "batch %d: no plan", (int)B);
        rnn_plan_destroy(m);
        rnn_plan_destroy(e);
        problem_free(&g);
    }
    measured_record_tests();
    problem_free(&pb);
}

/* ---- wisdom ---- */

/* Imports the wisdom line "key fields", then makes pb's plan with o (which
 * reads it where o says MEASURE); NULL, and a failed check, if either fails. */
static rnn_plan *plan_after_line(const problem *pb, const rnn_plan_options *o, const char *key,
                                 const char *fields, const char *what)
{
    char line[1024];
    snprintf(line, sizeof line, "rnnsimd-wisdom 2\n%s %s\n", key, fields);
    CHECK(rnn_wisdom_import(line) == RNN_OK, "import of %s", what);
    rnn_plan *p = NULL;
    if (rnn_plan_create(&p, &pb->d, &pb->prm, o) != RNN_OK) {
        CHECK(0, "%s: no plan", what);
        return NULL;
    }
    return p;
}

static char *export_all(void)
{
    size_t len = 0;
    CHECK(rnn_wisdom_export(NULL, 0, &len) == RNN_ERR_SIZE && len > 0,
          "export sizing: not RNN_ERR_SIZE with the length");
    char *text = malloc(len + 1);
    if (!text)
        return NULL;
    size_t len2 = 0;
    CHECK(rnn_wisdom_export(text, len + 1, &len2) == RNN_OK && len2 == len &&
              strlen(text) == len,
          "export into its own size");
    return text;
}

static void wisdom_tests(void)
{
    problem pb;
    if (problem_make(&pb, (rnn_desc){RNN_LSTM, RNN_MANY2ONE, 24, 0, 1, 32, 64, 3})) {
        CHECK(0, "problem setup");
        problem_free(&pb);
        return;
    }
    rnn_wisdom_forget();
    char *empty = export_all();
    CHECK(empty && strcmp(empty, "rnnsimd-wisdom 2\n") == 0, "empty wisdom: '%s'",
          empty ? empty : "");
    rnn_plan_options o = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_MEASURE};
    rnn_plan *a = NULL, *b = NULL;
    CHECK(rnn_plan_create(&a, &pb.d, &pb.prm, &o) == RNN_OK, "MEASURE plan");
    char *text = export_all();
    char key[512];
    if (a && text) {
        rnn_wisdom_key(a, key, sizeof key);
        CHECK(strstr(text, key) != NULL, "export lacks the plan's key %s:\n%s", key, text);
        CHECK(a->tune.source != RNN_TUNED_WISDOM, "the first MEASURE plan came from wisdom");
        /* Round trip: forget, import, the next plan takes it. */
        rnn_wisdom_forget();
        CHECK(rnn_wisdom_import(text) == RNN_OK, "import of the export");
        char *again = export_all();
        CHECK(again && strcmp(again, text) == 0, "export after import differs");
        free(again);
        /* Blank lines (one after the header, one at the end, as a file an
         * editor touched) are skipped: the same entries, nothing refused. */
        const size_t tl = strlen(text);
        const char *nl = strchr(text, '\n');
        char *blank = malloc(tl + 3);
        if (blank && nl) {
            const size_t h = (size_t)(nl + 1 - text);
            memcpy(blank, text, h);
            blank[h] = '\n';
            memcpy(blank + h + 1, text + h, tl - h);
            memcpy(blank + tl + 1, "\n", 2);
            rnn_wisdom_forget();
            CHECK(rnn_wisdom_import(blank) == RNN_OK, "import with blank lines:\n%s", blank);
            char *same = export_all();
            CHECK(same && strcmp(same, text) == 0, "export after an import with blank lines "
                  "differs:\n%s", same ? same : "");
            free(same);
        } else {
            CHECK(0, "no memory for the text with blank lines");
        }
        free(blank);
        CHECK(rnn_plan_create(&b, &pb.d, &pb.prm, &o) == RNN_OK, "MEASURE plan again");
        CHECK(b && b->tune.source == RNN_TUNED_WISDOM &&
                  memcmp(&b->tune.v, &a->tune.v, sizeof a->tune.v) == 0,
              "the second MEASURE plan did not take the wisdom's choice");
        /* A plan that forces the fused step has a key of its own
         * (unfused2), which round-trips too. */
        rnn_plan *f = NULL;
        rnn_plan_options fo = o;
        fo.fused_step_always = 1;
        char fkey[512];
        if (rnn_plan_create(&f, &pb.d, &pb.prm, &fo) == RNN_OK) {
            rnn_wisdom_key(f, fkey, sizeof fkey);
            char *with = export_all();
            CHECK(strstr(fkey, ":unfused2") && strcmp(fkey, key) != 0 && with &&
                      strstr(with, fkey),
                  "the forced plan's key %s is not its own, or not exported", fkey);
            rnn_wisdom_forget();
            CHECK(with && rnn_wisdom_import(with) == RNN_OK, "import of a forced plan's line");
            free(with);
            CHECK(f->tune.v.ride_max == RNN_TUNE_ANY && f->tune.v.ride_dx_max == RNN_TUNE_ANY,
                  "MEASURE changed a forced plan's ride");
        } else {
            CHECK(0, "MEASURE plan with fused_step_always");
        }
        rnn_plan_destroy(f);
        /* ESTIMATE never reads it. */
        rnn_plan *e = NULL;
        rnn_plan_options eo = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_ESTIMATE};
        CHECK(rnn_plan_create(&e, &pb.d, &pb.prm, &eo) == RNN_OK &&
                  e->tune.source == RNN_TUNED_RULES,
              "an ESTIMATE plan read the wisdom");
        rnn_plan_destroy(e);

        /* A line for this key with another value is taken as it says. */
        char *colon = strchr(key, ':');
        char line[1024];
        rnn_plan *c = plan_after_line(&pb, &o, key,
                                      "ride=1 ride_max=0 ride_dx_max=any stream=alt chunk=4096 "
                                      "wave_chunk=3 wave_chunk_dec=0 panels=2",
                                      "a hand-written line");
        CHECK(c && c->tune.v.ride_max == 0 && c->tune.v.ride_dx_max == RNN_TUNE_ANY &&
                  c->tune.v.chunk_floats == 4096 && c->tune.v.wave_chunk == 3 &&
                  c->tune.v.gemv_panels == 2 && c->tune.v.hh_copies == 1,
              "the hand-written line (no copies: one) was not taken");
        CHECK(c && c->tune.v.ride_rows == RNN_RIDE_ROWS_MIN,
              "a line without ride_rows did not read as 8 rows");
        rnn_plan_destroy(c);
        c = plan_after_line(&pb, &o, key,
                            "ride=1 ride_max=0 ride_dx_max=any stream=wrap chunk=4096 "
                            "wave_chunk=3 wave_chunk_dec=0 panels=2",
                            "a line with stream=wrap");
        CHECK(c && c->tune.v.stream == RNN_STREAM_WRAP, "stream=wrap was not taken");
        rnn_plan_destroy(c);
        c = plan_after_line(&pb, &o, key,
                            "ride=1 ride_max=0 ride_dx_max=any stream=alt chunk=4096 "
                            "wave_chunk=3 wave_chunk_dec=0 panels=2 copies=1 ride_rows=16",
                            "a line with ride_rows=16");
        CHECK(c && c->tune.v.ride_rows == RNN_RIDE_ROWS_MAX, "ride_rows=16 was not taken");
        rnn_plan_destroy(c);
        c = plan_after_line(&pb, &o, key,
                            "ride=1 ride_max=0 ride_dx_max=any stream=alt chunk=4096 "
                            "wave_chunk=3 wave_chunk_dec=0 panels=2 copies=2",
                            "a line with copies=2");
        CHECK(c && c->tune.v.hh_copies == (rnn_tune_copies_fit(c) ? 2u : 1u) &&
                  (c->tune.v.hh_copies == 2) == (c->cell.hh_copy[0] != NULL),
              "copies=2 was not taken where two copies fit, or the copy not held");
        rnn_plan_destroy(c);
        /* places: taken as it says; a line without it keeps the
         * allocator's placement (checked above: hh_places 1). */
        c = plan_after_line(&pb, &o, key,
                            "ride=1 ride_max=0 ride_dx_max=any stream=alt chunk=4096 "
                            "wave_chunk=3 wave_chunk_dec=0 panels=2 copies=1 ride_rows=16 places=3",
                            "a line with places=3");
        CHECK(c && c->tune.v.hh_places == 3, "places=3 was not taken");
        rnn_plan_destroy(c);
        c = plan_after_line(&pb, &o, key,
                            "ride=1 ride_max=0 ride_dx_max=any stream=alt chunk=4096 "
                            "wave_chunk=3 wave_chunk_dec=0 panels=2",
                            "a line without places");
        CHECK(c && c->tune.v.hh_places == 1 && c->tune.place_gbs[1] == 0.0,
              "a line without places was placed (places %zu)", c ? c->tune.v.hh_places : 0);
        rnn_plan_destroy(c);
        /* Another machine's: skipped (the plan measures instead). */
        rnn_wisdom_forget();
        snprintf(line, sizeof line,
                 "rnnsimd-wisdom 2\nx86/SomeoneElse/1/2/3%s ride=1 ride_max=0 ride_dx_max=0 "
                 "stream=forward chunk=4096 wave_chunk=3 wave_chunk_dec=0 panels=4\n", colon);
        c = NULL;
        CHECK(rnn_wisdom_import(line) == RNN_OK, "import of another machine's line");
        char *after = export_all();
        CHECK(after && strcmp(after, "rnnsimd-wisdom 2\n") == 0,
              "another machine's line was kept:\n%s", after ? after : "");
        free(after);
        CHECK(rnn_plan_create(&c, &pb.d, &pb.prm, &o) == RNN_OK &&
                  c->tune.source != RNN_TUNED_WISDOM,
              "another machine's line was used");
        rnn_plan_destroy(c);

        /* Malformed: refused, nothing imported. */
        char *before = export_all();
        const char *tail = " ride=1 ride_max=0 ride_dx_max=0 stream=alt chunk=4096 wave_chunk=3 "
                           "wave_chunk_dec=0 panels=4";
        char bad[32][1024];
        int nb = 0;
        snprintf(bad[nb++], 1024, "%s", "");
        snprintf(bad[nb++], 1024, "%s", "rnnsimd-wisdom 1\n"); /* before data types */
        snprintf(bad[nb++], 1024, "%s", "garbage");
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s\nnot a line\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s extra=1\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=2%s\n", key, tail + 7);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=1 ride_max=-1%s\n", key, tail + 18);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=1 ride_max=0 ride_dx_max=0 "
                                  "stream=sideways chunk=4096 wave_chunk=3 wave_chunk_dec=0 panels=4\n",
                 key);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=1 ride_max=0 ride_dx_max=0 "
                                  "stream=alt chunk=0 wave_chunk=3 wave_chunk_dec=0 panels=4\n", key);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=1 ride_max=0 ride_dx_max=0 "
                                  "stream=alt chunk=99999999999999999999999 wave_chunk=3 "
                                  "wave_chunk_dec=0 panels=4\n", key);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=1 ride_max=0 ride_dx_max=0 "
                                  "stream=alt chunk=4096 wave_chunk=3 wave_chunk_dec=0 panels=3\n",
                 key);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s ride=1 ride_max=0 ride_dx_max=0 "
                                  "stream=alt chunk=4096 wave_chunk=3 wave_chunk_dec=0\n", key);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\nx86:auto:lstm:many2one:T1:To0:B1:I1:H1:L1:D1:"
                                  "threads1:unfused0:f32%s\n", tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\nx86:avx2:lstn:many2one:T1:To0:B1:I1:H1:L1:D1:"
                                  "threads1:unfused0:f32%s\n", tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\nx86:avx2:lstm:many2one:T1:To0:B1:I1:H1:L1:D1:"
                                  "threads1%s\n", tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s  %s\n", key, tail + 1);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=3\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=0\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 extra=1\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 ride_rows=12\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 ride_rows=0\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s ride_rows=16\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 ride_rows=16 extra=1\n", key,
                 tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 ride_rows=16 places=0\n", key,
                 tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 ride_rows=16 places=17\n", key,
                 tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\n%s%s copies=1 places=8\n", key, tail);
        snprintf(bad[nb++], 1024,
                 "rnnsimd-wisdom 2\n%s%s copies=1 ride_rows=16 places=8 extra=1\n", key, tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\nx86:avx2:lstm:many2one:T1:To0:B1:I1:H1:L1:D1:"
                                  "threads1:unfused0:f16%s\n", tail);
        snprintf(bad[nb++], 1024, "rnnsimd-wisdom 2\nx86:avx2:lstm:many2one:T1:To0:B1:I1:H1:L1:D1:"
                                  "threads1:unfused0%s\n", tail);
        for (int i = 0; i < nb; i++) {
            CHECK(rnn_wisdom_import(bad[i]) == RNN_ERR_ARG, "malformed wisdom %d accepted:\n%s",
                  i, bad[i]);
            char *now = export_all();
            CHECK(now && before && strcmp(now, before) == 0,
                  "malformed wisdom %d changed the wisdom", i);
            free(now);
        }
        CHECK(rnn_wisdom_import(NULL) == RNN_ERR_NULL, "import NULL");
        /* Every truncation of valid text: RNN_OK or RNN_ERR_ARG, never a
         * crash; RNN_OK only at a line's end. */
        snprintf(line, sizeof line, "rnnsimd-wisdom 2\n%s%s\n", key, tail);
        const size_t L = strlen(line);
        char cut[1024];
        int odd = 0;
        for (size_t n = 0; n <= L; n++) {
            memcpy(cut, line, n);
            cut[n] = '\0';
            const rnn_status st = rnn_wisdom_import(cut);
            const int line_end = n == L || n == L - 1 || n == 16 || n == 17;
            odd += !(st == RNN_ERR_ARG || (st == RNN_OK && line_end));
        }
        CHECK(odd == 0, "%d truncations of a valid line gave an unexpected status", odd);
        free(before);
    }
    free(empty);
    free(text);
    rnn_plan_destroy(a);
    rnn_plan_destroy(b);
    problem_free(&pb);
}

/* The key names every field of the problem a choice can depend on (and
 * the plan's threads, fused-step option and data type): plans that differ
 * in one of them have keys of their own, so none takes another's choice. */
/* The machine a wisdom key should name, read here from /proc/cpuinfo's
 * first processor as docs/design.md §12 says: x86/vendor/family/model/
 * stepping, arm/implementer/architecture/variant/part/revision, each value
 * with characters outside [A-Za-z0-9._-] as '_'; "unknown" with neither. */
static void expected_machine(char *out, size_t n)
{
    static const char *const x86[4] = {"vendor_id", "cpu family", "model", "stepping"};
    static const char *const arm[5] = {"CPU implementer", "CPU architecture", "CPU variant",
                                       "CPU part", "CPU revision"};
    char xv[4][24] = {{0}}, av[5][24] = {{0}};
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '\n' && (xv[0][0] || av[0][0]))
            break;
        char key[64], *colon = strchr(line, ':');
        if (!colon || (size_t)(colon - line) >= sizeof key)
            continue;
        memcpy(key, line, (size_t)(colon - line));
        size_t k = (size_t)(colon - line);
        while (k && (key[k - 1] == ' ' || key[k - 1] == '\t'))
            k--;
        key[k] = '\0';
        const char *v = colon + 1 + strspn(colon + 1, " \t");
        for (int set = 0; set < 2; set++)
            for (int i = 0; i < (set ? 5 : 4); i++) {
                char *dst = set ? av[i] : xv[i];
                if (strcmp(key, set ? arm[i] : x86[i]) || dst[0])
                    continue;
                size_t j = 0;
                for (; v[j] && v[j] != '\n' && j + 1 < 24; j++)
                    dst[j] = isalnum((unsigned char)v[j]) || strchr("._-", v[j]) ? v[j] : '_';
                dst[j] = '\0';
            }
    }
    if (f)
        fclose(f);
    if (xv[0][0])
        snprintf(out, n, "x86/%s/%s/%s/%s", xv[0], xv[1], xv[2], xv[3]);
    else if (av[0][0])
        snprintf(out, n, "arm/%s/%s/%s/%s/%s", av[0], av[1], av[2], av[3], av[4]);
    else
        snprintf(out, n, "unknown");
}

static void key_tests(void)
{
    const rnn_desc base = {RNN_LSTM, RNN_MANY2ONE, 24, 0, 1, 32, 64, 3};
    rnn_desc d[12];
    for (size_t i = 0; i < 12; i++)
        d[i] = base;
    d[1].T = 25, d[2].B = 2, d[3].I = 33, d[4].H = 48, d[5].cell = RNN_GRU;
    d[6].topology = RNN_MANY2MANY, d[7].L = 2, d[8].bidirectional = 1;
    d[9].topology = RNN_SEQ2SEQ, d[9].T_out = 5;
    d[10] = d[9], d[10].T_out = 6;
    char keys[16][512];
    size_t n = 0;
    for (size_t i = 0; i < 12; i++) {
        problem pb;
        if (problem_make(&pb, d[i])) {
            CHECK(0, "key %zu: problem setup", i);
            problem_free(&pb);
            continue;
        }
        /* d[11]: two threads, no fused step, the fused step always, and
         * generic's float32 and bf16 (the data type alone differs). */
        rnn_plan_options o[5] = {{RNN_ISA_AUTO, 1, 0, RNN_TUNE_ESTIMATE}};
        size_t no = 1;
        if (i == 11) {
            o[0].threads = 2;
            o[1] = (rnn_plan_options){RNN_ISA_AUTO, 1, 1, RNN_TUNE_ESTIMATE};
            o[2] = (rnn_plan_options){.isa = RNN_ISA_AUTO, .threads = 1, .fused_step_always = 1};
            o[3] = (rnn_plan_options){.isa = RNN_ISA_GENERIC, .threads = 1};
            o[4] = o[3], o[4].dtype = RNN_DTYPE_BF16;
            no = 5;
        }
        for (size_t j = 0; j < no; j++) {
            rnn_plan *p = NULL;
            if (rnn_plan_create(&p, &pb.d, &pb.prm, &o[j]) != RNN_OK) {
                CHECK(0, "key %zu.%zu: no plan", i, j);
                continue;
            }
            rnn_wisdom_key(p, keys[n], sizeof keys[n]);
            for (size_t k = 0; k < n; k++)
                CHECK(strcmp(keys[k], keys[n]) != 0, "two problems share the wisdom key %s",
                      keys[n]);
            n++;
            rnn_plan_destroy(p);
        }
        problem_free(&pb);
    }
    CHECK(n == 16, "%zu keys made, want 16", n);
    /* Every key starts with this machine, as /proc/cpuinfo names it. */
    char machine[160], want[168];
    expected_machine(machine, sizeof machine);
    snprintf(want, sizeof want, "%s:", machine);
    for (size_t k = 0; k < n; k++)
        CHECK(strncmp(keys[k], want, strlen(want)) == 0, "wisdom key %s does not start with %s",
              keys[k], want);
    printf("wisdom keys name the machine %s\n", machine);
}

/* Two threads creating MEASURE plans (same key and others) while one
 * imports and exports: no crash, no lost plan (run under TSan too). */
typedef struct {
    problem *pb;
    int id, ok;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *w = arg;
    w->ok = 1;
    for (int i = 0; i < 4; i++) {
        rnn_plan *p = NULL;
        rnn_plan_options o = {RNN_ISA_AUTO, 1, 0, RNN_TUNE_MEASURE};
        w->ok &= rnn_plan_create(&p, &w->pb[(i + w->id) % 2].d, &w->pb[(i + w->id) % 2].prm,
                                 &o) == RNN_OK;
        rnn_plan_destroy(p);
        size_t len = 0;
        (void)rnn_wisdom_export(NULL, 0, &len);
        char *t = malloc(len + 64);
        if (t && rnn_wisdom_export(t, len + 64, NULL) == RNN_OK)
            w->ok &= rnn_wisdom_import(t) == RNN_OK;
        free(t);
        if (i == 2 && w->id == 1)
            rnn_wisdom_forget();
    }
    return NULL;
}

static void concurrency_tests(void)
{
    problem pb[2];
    if (problem_make(&pb[0], (rnn_desc){RNN_TANH, RNN_MANY2ONE, 18, 0, 1, 8, 32, 3}) ||
        problem_make(&pb[1], (rnn_desc){RNN_GRU, RNN_MANY2ONE, 18, 0, 1, 8, 32, 3})) {
        CHECK(0, "problem setup");
    } else {
        pthread_t th[2];
        worker_arg wa[2] = {{pb, 0, 0}, {pb, 1, 0}};
        int started = 0;
        for (int i = 0; i < 2; i++)
            started += pthread_create(&th[i], NULL, worker, &wa[i]) == 0;
        CHECK(started == 2, "threads not started");
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        CHECK(started < 2 || (wa[0].ok && wa[1].ok), "a concurrent plan or wisdom call failed");
    }
    problem_free(&pb[0]);
    problem_free(&pb[1]);
}

int main(void)
{
    rnn_wisdom_forget();
    poison_tests();
    option_tests();
    wisdom_tests();
    key_tests();
    concurrency_tests();
    placement_tests();
    rnn_wisdom_forget();
    int plans = forced_tests();
    /* Again with the read gain forced high, so the rules take two copies
     * wherever they fit, whatever this machine's probe reads. */
    rnn_cpu_read_gain_force(2.0);
    rnn_wisdom_forget();
    plans += forced_tests();
    rnn_cpu_read_gain_force(0.0);
    printf("%d forced or measured plans compared\n", plans);
    CHECK(plans > 0, "no table ran");
    rnn_wisdom_forget();
    return check_summary();
}
