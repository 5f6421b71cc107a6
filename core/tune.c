/* tune.c — a plan's tunables (tune.h): today's rules (ESTIMATE), the
 * MEASURE flow (the wisdom's choice, else timing and then the wisdom), and
 * rnn_plan_describe.
 *
 * The rules: the fused batch-1 step unless no_fused_step, up to 8 MiB of
 * W_hh + W_ih forward, at any size with fused_step_always. Where the
 * table's FMAs are split (Zen 4) in blocks of 8 rows, and BPTT's dx too up
 * to 4 MiB (docs/performance.md, "The fused batch-1 step"); where they are
 * full width (cpu_model.h: Zen 5, whose hoisted GEMM runs at twice the
 * speed and beat 8-row blocks by 4-14%, §5.18) in blocks of 16 rows, which
 * read half the W_ih a step and won 2-7% where W_hh is larger than L2
 * (§5.25), the forward only, and only there: a W_hh that fits L2 (up to
 * its size) streams mostly from it, and the ride's W_ih would share it;
 * odd steps
 * streamed back to front in chunks of L2 / 16 bytes (16384 floats for a
 * 1 MiB L2) for every cell of one phase, and for gru where its packed
 * W_hh fits L2 (step_product.c says why not beyond), its update gate's
 * rows wrapped around the step where W_hh is over twice L2
 * (step_wrap.c), front to back elsewhere; a stack's two threads below
 * batch 4 as a wavefront of ceil(sqrt(T))-step chunks when it has three
 * layers or more and a layer's W_hh is at most 4 MiB, else stages split
 * with a barrier a step (docs/performance.md §5.16). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "drivers.h"
#include "cpu_model.h"

#define RULE_RIDE_MAX (8u << 20)
#define RULE_RIDE_DX_MAX (4u << 20)
#define RULE_RIDE_MAX_BF16 (4u << 20)
/* The stream chunk: L2 / 16 bytes (16384 floats for a 1 MiB L2), within
 * these bounds. Why L2 / 16: reversing the order on odd steps reuses what
 * the last step left in L2, about L2's size less one chunk, so a chunk of a
 * sixteenth loses at most that share of the reuse, while a chunk of four
 * panels or more keeps the loop from being latency-bound (performance.md
 * §5.7, §5.14). */
#define RULE_CHUNK_FLOATS 16384
#define RULE_CHUNK_MIN 4096
#define RULE_CHUNK_MAX 65536
#define RULE_COPIES_GAIN 1.1
#define RULE_WRAP_MIN_L2 2
/* Placements of a batch-1 stream over L2 / 2 and within 7/8 of L2
 * (placement.c): on the Zen 5 host the best of 8 ran float32 gru and
 * lbr_gru H 256's calls (768 KiB) 6-8% faster than the allocator's
 * placement (the best of 4: 0-8%); streams of L2 / 2 or less (bf16 at H
 * 256, two float32 copies of 256 KiB) and of L2's size gained nothing.
 * Each placement costs about 2.4 ms a MiB there, mostly the first touch of
 * fresh pages (performance.md §5.40). */
#define RULE_PLACES 8
#define RULE_WAVE_MIN_LAYERS 3
#define RULE_WAVE_MAX_BYTES (4u << 20)

const size_t rnn_tune_chunks[RNN_TUNE_N_CHUNKS] = {RULE_CHUNK_MIN, RULE_CHUNK_FLOATS,
                                                   RULE_CHUNK_MAX};

static size_t ceil_sqrt(size_t T)
{
    size_t c = 1;
    while (c * c < T)
        c++;
    return c;
}

size_t rnn_tune_wave_candidates(size_t T, size_t rule, size_t out[RNN_TUNE_N_WAVE])
{
    const size_t r = ceil_sqrt(T ? T : 1);
    const size_t want[RNN_TUNE_N_WAVE + 1] = {rule, r, (r + 1) / 2, 2 * r, 0};
    size_t n = 0;
    for (size_t i = 0; i < RNN_TUNE_N_WAVE + 1 && n < RNN_TUNE_N_WAVE; i++) {
        const size_t c = want[i] == 0 ? 0 : want[i] > T ? T : want[i];
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= out[j] == c;
        if (!dup)
            out[n++] = c;
    }
    return n;
}

/* The rule for a stack's two threads over T steps: the wavefront pays
 * where a step is short (a barrier a step costs about as much as a small
 * layer's step) and each thread gets two layers or more of the pipeline;
 * a long step streams at both cores' bandwidth when the stages split. */
static size_t wave_rule(const rnn_plan *p, size_t T)
{
    const size_t w_hh = p->GH * (size_t)p->desc.H * sizeof(float);
    if (!T || p->sizes.layers < RULE_WAVE_MIN_LAYERS || w_hh > RULE_WAVE_MAX_BYTES)
        return 0;
    return ceil_sqrt(T);
}

int rnn_tune_copies_fit(const rnn_plan *p)
{
    if (p->cells || p->desc.B != 1 || p->dtype != RNN_DTYPE_F32 || !p->k->gemv_ride || !p->nr)
        return 0;
    rnn_cpu_caches c;
    const size_t l2 = rnn_cpu_caches_get(&c) == RNN_OK ? c.l2 : 0;
    return l2 && 2 * rnn_hh_packed_bytes(p) <= l2 / 8 * 7;
}

int rnn_tune_places_fit(const rnn_plan *p, const rnn_tunables *t)
{
    if (p->cells || p->desc.B != 1)
        return 0;
    rnn_cpu_caches c;
    const size_t l2 = rnn_cpu_caches_get(&c) == RNN_OK ? c.l2 : 0;
    const size_t bytes = (t->hh_copies == 2 ? 2 : 1) * rnn_hh_packed_bytes(p);
    return l2 && bytes > l2 / 2 && bytes <= l2 / 8 * 7;
}

void rnn_tune_estimate(const rnn_plan *p, rnn_tunables *t)
{
    memset(t, 0, sizeof *t);
    rnn_cpu_caches c;
    const size_t l2 = rnn_cpu_caches_get(&c) == RNN_OK ? c.l2 : 0;
    /* gru streams two products a step: back to front only pays where both
     * stay in L2 (performance.md §5.24); a larger stream lost on Zen 4.
     * Over twice L2 its update gate's rows wrap around the step instead
     * (step_wrap.c); closer to L2 that lost 2-4% (Zen 5, §5.39). */
    const size_t hh = rnn_hh_packed_bytes(p);
    t->stream = p->ops->phases == 1 || (l2 && hh <= l2)              ? RNN_STREAM_ALT
                : l2 && hh > RULE_WRAP_MIN_L2 * l2 && rnn_wrap_columns(p) ? RNN_STREAM_WRAP
                                                                        : RNN_STREAM_FORWARD;
    const size_t chunk = l2 ? l2 / 16 / sizeof(float) : RULE_CHUNK_FLOATS;
    t->chunk_floats = chunk < RULE_CHUNK_MIN ? RULE_CHUNK_MIN
                      : chunk > RULE_CHUNK_MAX ? RULE_CHUNK_MAX : chunk;
    /* Four panels at once: two ran faster in a GEMV alone on Zen 5 but not
     * in whole calls (performance.md §5.20); MEASURE times both. */
    t->gemv_panels = 4;
    /* Two copies where reading twice the bytes runs faster per byte (the
     * machine model's read gain; Zen 5 at 256 KiB: about 1.3), and then
     * two panels a group: with four the copies ran slower than one
     * (performance.md §5.22). */
    t->hh_copies = 1;
    if (rnn_tune_copies_fit(p) &&
        rnn_cpu_read_gain(p->k, rnn_hh_packed_bytes(p)) >= RULE_COPIES_GAIN) {
        t->hh_copies = 2;
        t->gemv_panels = 2;
    }
    /* The ride, after the copies: only tables with gemv_ride ask the model
     * (its probe costs a millisecond, once per process). */
    t->ride = !p->no_fused_step;
    const int full = p->k->gemv_ride && rnn_cpu_fma_width(p->k) == RNN_FMA_FULL;
    /* Sixteen rows need two blocks of steps: a shorter sequence rides
     * (where told to) in blocks of 8. On a full-width core the ride pays
     * only where W_hh is larger than L2 and streams from beyond it (so
     * never beside two copies, which fit in 7/8 of it together). */
    const int sixteen = full && (size_t)p->desc.T >= 2 * RNN_RIDE_ROWS_MAX;
    const int beyond_l2 = l2 && rnn_hh_packed_bytes(p) > l2;
    t->ride_rows = sixteen ? RNN_RIDE_ROWS_MAX : RNN_RIDE_ROWS_MIN;
    t->ride_max = p->fused_always            ? RNN_TUNE_ANY
                  : full && !(sixteen && beyond_l2) ? 0
                                                    : RULE_RIDE_MAX;
    t->ride_dx_max = p->fused_always ? RNN_TUNE_ANY : full ? 0 : RULE_RIDE_DX_MAX;
    /* bf16 (bf16_gemv_ride; its dx never rides): where W_hh + W_ih are at
     * most 4 MiB of bf16 and W_hh larger than a quarter of L2. A smaller
     * W_hh streams from L2 fast enough to keep the dot-product pipes busy,
     * and beyond 4 MiB the ride's share of W_ih slowed the stream (Zen 5,
     * performance.md §5.36; the split cores' rule is the same, unmeasured). */
    if (p->dtype == RNN_DTYPE_BF16 && !p->fused_always)
        t->ride_max = l2 && rnn_hh_packed_bytes(p) > l2 / 4 ? RULE_RIDE_MAX_BF16 : 0;
    t->wave_chunk = wave_rule(p, (size_t)p->desc.T);
    t->wave_chunk_dec = wave_rule(p, (size_t)p->desc.T_out);
    t->hh_places = rnn_tune_places_fit(p, t) ? RULE_PLACES : 1;
}

void rnn_tune_set(rnn_plan *p, const rnn_tunables *t)
{
    p->tune.v = *t;
    /* The fused step is the plan's own choice: a stack's cells never ride
     * (stack.c gives them no_fused_step). */
    p->tune.v.ride = t->ride && !p->no_fused_step;
    for (size_t k = 0; p->cells && k < p->n_cells; k++) {
        rnn_tunables *c = &p->cells[k]->tune.v;
        c->stream = t->stream;
        c->chunk_floats = t->chunk_floats;
        c->gemv_panels = t->gemv_panels;
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The plan keeps the second copy of W_hh only where its tunables stream
 * it; out of memory, it streams one. */
static void hold_copies(rnn_plan *p)
{
    const int two = p->tune.v.hh_copies == 2 && rnn_tune_copies_fit(p);
    if (rnn_hh_copies(p, two) != RNN_OK || !two)
        p->tune.v.hh_copies = 1;
}

rnn_status rnn_tune_plan(rnn_plan *p, rnn_tuning mode)
{
    rnn_tunables t;
    rnn_tune_estimate(p, &t);
    p->tune.mode = mode;
    p->tune.source = RNN_TUNED_RULES;
    p->tune.cost_ms = 0.0;
    rnn_tune_set(p, &t);
    if (mode != RNN_TUNE_MEASURE) {
        hold_copies(p);
        rnn_place_stream(p);
        return RNN_OK;
    }
    const double t0 = now_ms();
    char key[512];
    rnn_wisdom_key(p, key, sizeof key);
    if (rnn_wisdom_lookup(key, &t)) {
        rnn_tune_set(p, &t);
        p->tune.source = RNN_TUNED_WISDOM;
    } else {
        const int r = rnn_tune_measure(p, &t);
        if (r < 0)
            return RNN_ERR_NOMEM;
        rnn_tune_set(p, &t);
        if (r > 0)
            p->tune.source = RNN_TUNED_MEASURED;
        /* Kept even when nothing was timed: the next plan of this key skips
         * the look at its shape as well. Out of memory here only costs the
         * next plan a measurement. */
        (void)rnn_wisdom_store(key, &p->tune.v);
    }
    p->tune.cost_ms = now_ms() - t0;
    hold_copies(p);
    rnn_place_stream(p);
    return RNN_OK;
}

const char *rnn_stream_name(rnn_stream s)
{
    static const char *const names[] = {"forward", "alt", "wrap"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

static void print_limit(char *buf, size_t n, size_t v)
{
    if (v == RNN_TUNE_ANY)
        snprintf(buf, n, "any");
    else
        snprintf(buf, n, "%zu", v);
}

int rnn_tunables_print(const rnn_tunables *t, char *buf, size_t n)
{
    char a[24], b[24];
    print_limit(a, sizeof a, t->ride_max);
    print_limit(b, sizeof b, t->ride_dx_max);
    return snprintf(buf, n,
                    "ride=%d ride_max=%s ride_dx_max=%s stream=%s chunk=%zu wave_chunk=%zu "
                    "wave_chunk_dec=%zu panels=%zu copies=%zu ride_rows=%zu places=%zu",
                    t->ride, a, b, rnn_stream_name(t->stream), t->chunk_floats,
                    t->wave_chunk, t->wave_chunk_dec, t->gemv_panels, t->hh_copies,
                    t->ride_rows, t->hh_places);
}

const char *rnn_tune_group_name(int g)
{
    static const char *const names[RNN_TUNE_GROUPS] = {"stream", "panels", "ride",
                                                       "dx",     "wave",   "wave_dec"};
    return g >= 0 && g < RNN_TUNE_GROUPS ? names[g] : "?";
}

/* " measured=" and each group MEASURE listed candidates for, as
 * NAME:COUNT, with "!" where it timed them; "-" for none. */
static void print_measured(const rnn_plan_tune *t, char *buf, size_t n)
{
    size_t w = (size_t)snprintf(buf, n, " measured=");
    int any = 0;
    for (int g = 0; g < RNN_TUNE_GROUPS && w < n; g++)
        if (t->listed[g]) {
            w += (size_t)snprintf(buf + w, n - w, "%s%s:%u%s", any ? "," : "",
                                  rnn_tune_group_name(g), (unsigned)t->listed[g],
                                  t->timed[g] ? "!" : "");
            any = 1;
        }
    if (!any && w < n)
        snprintf(buf + w, n - w, "-");
}

rnn_status rnn_plan_describe(const rnn_plan *p, char *buf, size_t n)
{
    if (!p || !buf)
        return RNN_ERR_NULL;
    static const char *const src[] = {"rules", "measured", "wisdom"};
    char tv[256], mv[160];
    rnn_tunables_print(&p->tune.v, tv, sizeof tv);
    print_measured(&p->tune, mv, sizeof mv);
    /* What a one-thread call with a dense input does on this problem (a
     * stack's cells never ride). */
    const rnn_thread one = {0, 1, NULL};
    const size_t rows = p->sizes.x / (size_t)p->desc.I;
    const int fwd = !p->cells && rnn_fused_projection(p, rows, 1, &one);
    const int dx = !p->cells && rnn_fused_dx(p, rows, 1, &one);
    const int w = snprintf(buf, n, "tuning=%s source=%s isa=%s dtype=%s fma=%s %s fused_fwd=%d "
                                   "fused_dx=%d cost_ms=%.2f placed_gbs=%.0f/%.0f place_ms=%.2f%s",
                           p->tune.mode == RNN_TUNE_MEASURE ? "measure" : "estimate",
                           src[p->tune.source], p->k->name, rnn_dtype_name(p->dtype),
                           rnn_fma_width_name(p->k->gemv_ride ? rnn_cpu_fma_width(p->k)
                                                              : RNN_FMA_UNKNOWN),
                           tv, fwd, dx, p->tune.cost_ms, p->tune.place_gbs[0],
                           p->tune.place_gbs[1], p->tune.place_ms, mv);
    return w < 0 || (size_t)w >= n ? RNN_ERR_SIZE : RNN_OK;
}
