/* test_step_columns.c — every step's recurrent product computes each column
 * exactly once: forward, each column of W_hh; backward (training), each
 * column of every phase's product dh_prev += dG W_hh. A column skipped gives wrong values, which
 * conformance sees; a column computed twice (a run of the wrapped stream
 * overlapping its neighbour, a chunk visited again) gives the same bits
 * and only costs time, which no value test can see. So here the plan's
 * kernel table is swapped for a copy whose product entries first count,
 * for each column of the packed W_hh (and of its second copy, and of each
 * phase's transposed W_hh) that a call computes, one visit, then call the
 * real entry. Each column must be visited once a step: T times in a run.
 *
 * At batch 1 the input projection xp = x W_ih^T + b_ih is counted too, per
 * row and column, whether hoisted or riding a step's product: each at least
 * once, and at most one row computed twice in a run (a last block of one
 * row is projected with the row before it, by design: projection_ride.c).
 *
 * And every call's products together, every entry that multiplies (the
 * weight gradients', the head's, both threads'), must do exactly the
 * multiply-adds of the benchmark's GFLOP/s model (docs/benchmarks.md) plus
 * those twice-projected rows: a weight gradient computed twice, or both
 * threads computing one share, writes the same values and only shows here.
 *
 * For every table this CPU runs: the four cells, batch 1 and 3, one and
 * two threads, float32 and bf16 (where the table has it), at batch 1 in
 * each stream order a plan can take (forward, back and forth in each chunk size,
 * wrapped where gru's step wraps), with the ride on and off; forward alone
 * and training. Nothing here measures time. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "counting_table.h"
#include "drivers.h"

/* The plan's packed recurrent weights: each phase's W_hh and its copy
 * (forward: the G*H columns), each phase's transposed W_hh (backward: H
 * columns a phase, counted after the G*H). */
typedef struct {
    const uint32_t *base; /* float or bf16 pair words: 4 bytes either way */
    size_t words, K, stride, col0; /* stride: words a column (K, or (K + 1) / 2) */
} hh_range;

static hh_range g_ranges[3 * RNN_MAX_PHASES];
static size_t g_nranges;
static unsigned *g_visits;

/* The projection at batch 1: W_ih's packed columns, the rows' outputs. */
static const uint32_t *g_ih;
static size_t g_ih_words, g_ih_stride, g_I, g_GH, g_rows;
static const float *g_xp;
static unsigned *g_proj; /* rows x G*H; NULL: not counted */

/* Rows [r0, r0 + M) of xp (row r at g_xp + r * G*H), columns [c0, c1). */
static void count_rows(const float *row0, size_t M, size_t c0, size_t c1)
{
    if (!g_proj || row0 < g_xp || row0 >= g_xp + g_rows * g_GH)
        return;
    const size_t r0 = (size_t)(row0 - g_xp) / g_GH;
    for (size_t r = r0; r < r0 + M && r < g_rows; r++)
        for (size_t c = c0; c < c1 && c < g_GH; c++)
            __atomic_fetch_add(&g_proj[r * g_GH + c], 1u, __ATOMIC_RELAXED);
}

/* A product with W_ih: C's rows of xp, from packed's column on. */
static void count_projection(size_t M, size_t N, size_t K, const void *packed, const float *C)
{
    const uint32_t *w = packed;
    if (K != g_I || !g_ih || w < g_ih || w >= g_ih + g_ih_words)
        return;
    const size_t c0 = (size_t)(w - g_ih) / g_ih_stride;
    count_rows(C - c0, M, c0, c0 + N);
}

static void count_ride_rows(const rnn_ride *r)
{
    if (r && r->rows && (const uint32_t *)(const void *)r->packed == g_ih)
        count_rows(r->Y, r->rows, r->c0, r->c1);
}

static void count(size_t N, size_t K, const void *packed)
{
    const uint32_t *w = packed;
    for (size_t i = 0; i < g_nranges && N; i++) {
        const hh_range *r = &g_ranges[i];
        if (K != r->K || w < r->base || w >= r->base + r->words)
            continue; /* the projection's, the head's, dx's products are elsewhere */
        const size_t c0 = r->col0 + (size_t)(w - r->base) / r->stride;
        for (size_t c = c0; c < c0 + N; c++)
            __atomic_fetch_add(&g_visits[c], 1u, __ATOMIC_RELAXED);
        return;
    }
}

/* A packed product: its columns of W_hh, or its rows and columns of xp. */
static void count_columns(size_t M, size_t N, size_t K, const void *packed, const float *C)
{
    count(N, K, packed);
    count_projection(M, N, K, packed, C);
}

static void fill(float *v, size_t n, unsigned *seed, float scale)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        v[i] = scale * ((float)(*seed >> 8 & 0xffff) / 32768.0f - 1.0f);
    }
}

static size_t words_a_column(const rnn_plan *p, size_t K)
{
    return p->dtype == RNN_DTYPE_BF16 ? (K + 1) / 2 : K;
}

/* The ranges of p's packed W_hh: phase ph's columns start at gate g0; its
 * transposed product's H columns at GH + ph * H. */
static void set_ranges(const rnn_plan *p)
{
    const size_t H = (size_t)p->desc.H, sH = words_a_column(p, H);
    g_nranges = 0;
    for (size_t ph = 0; ph < p->ops->phases; ph++) {
        const rnn_cell_phase *f = &p->ops->phase[ph];
        const size_t words = rnn_hh_phase_floats(p, ph), col0 = f->g0 * H;
        const size_t Kt = (f->g1 - f->g0) * H, sKt = words_a_column(p, Kt);
        if (p->cell.hh_packed[ph])
            g_ranges[g_nranges++] =
                (hh_range){(const uint32_t *)p->cell.hh_packed[ph], words, H, sH, col0};
        if (p->cell.hh_copy[ph])
            g_ranges[g_nranges++] =
                (hh_range){(const uint32_t *)p->cell.hh_copy[ph], words, H, sH, col0};
        if (p->cell.hh_t_packed[ph])
            g_ranges[g_nranges++] = (hh_range){(const uint32_t *)p->cell.hh_t_packed[ph],
                                               H * sKt, Kt, sKt, p->GH + ph * H};
    }
}

/* One forward (g NULL) or training call with p's table counting: every
 * forward column visited T times, and in training every backward one. */
static void check_run(rnn_plan *p, rnn_workspace *ws, const rnn_inputs *in, rnn_outputs *out,
                      rnn_grads *g, const char *label)
{
    const size_t GH = p->GH, H = (size_t)p->desc.H, T = (size_t)p->desc.T;
    const size_t n = GH + p->ops->phases * H;
    const rnn_kernels *real = p->k;
    rnn_kernels counting = counting_table(real);
    count_packed_hook = count_columns;
    count_ride_hook = count_ride_rows;
    set_ranges(p);
    memset(g_visits, 0, n * sizeof *g_visits);
    const size_t I = (size_t)p->desc.I;
    g_ih = (const uint32_t *)p->cell.ih_packed, g_I = I, g_GH = GH, g_rows = T;
    g_ih_stride = words_a_column(p, I), g_ih_words = GH * g_ih_stride;
    g_xp = ws->xp;
    g_proj = p->desc.B == 1 ? calloc(T * GH, sizeof *g_proj) : NULL;
    p->k = &counting;
    counted_macs = 0;
    const rnn_status s = g ? rnn_plan_train(p, ws, in, out, g) : rnn_plan_forward(p, ws, in, out);
    p->k = real;
    unsigned *proj = g_proj;
    g_proj = NULL;
    if (s != RNN_OK) {
        CHECK(0, "%s: %s: %s", label, g ? "train" : "forward", rnn_strerror(s));
        free(proj);
        return;
    }
    size_t extra = 0; /* row-columns of xp computed twice, by design (batch 1) */
    if (proj) {
        size_t missed = 0, total = 0;
        for (size_t i = 0; i < T * GH; i++)
            missed += !proj[i], total += proj[i];
        CHECK(!missed && total <= (T + 1) * GH,
              "%s, %s: the projection computed %zu row-columns for %zu (at most %zu), %zu never",
              label, g ? "train" : "forward", total, T * GH, (T + 1) * GH, missed);
        extra = total > T * GH ? total - T * GH : 0;
        free(proj);
    }
    /* The call's products, all of them: benchmarks.md's GFLOP/s model of
     * many2many from a nowhere-zero h0, 2 flops a multiply-add. Forward:
     * the projection T*B x G*H x I, the steps T*B x G*H x H, the head T*B x
     * V x H (where logits or the loss are asked for). Training adds dh_prev
     * (every step's, h0's gradient included) and dW_hh, T*B x G*H x H each,
     * dW_ih T*B x G*H x I (dx is not asked for), the head's dh and dW_hy, T*B
     * x V x H each. Plus the projection's rows computed twice, counted above. */
    const uint64_t TB = T * (uint64_t)p->desc.B, V = (uint64_t)p->desc.V;
    const uint64_t fwd = TB * GH * (I + H) + (out->logits || out->loss ? TB * V * H : 0);
    const uint64_t want = (g ? fwd + TB * (2 * GH * H + GH * I + 2 * V * H) : fwd) + extra * I;
    CHECK(counted_macs == want,
          "%s, %s: the products did %llu multiply-adds, the model %llu (%+lld)", label,
          g ? "train" : "forward", (unsigned long long)counted_macs, (unsigned long long)want,
          (long long)(counted_macs - want));
    for (int part = 0; part < (g ? 2 : 1); part++) {
        const size_t c0 = part ? GH : 0, c1 = part ? n : GH;
        size_t bad = 0, first = c0;
        for (size_t c = c0; c < c1; c++)
            if (g_visits[c] != T && !bad++)
                first = c;
        CHECK(!bad, "%s, %s: %zu of %zu columns of %s not computed once a step (column %zu: "
                    "%u times in %zu steps)", label, g ? "train" : "forward", bad, c1 - c0,
              part ? "dG W_hh (backward)" : "W_hh", first - c0, g_visits[first], T);
    }
}

/* The stream orders to try on p, from its rules' tunables. */
static size_t stream_orders(const rnn_plan *p, rnn_tunables *out, const char **name)
{
    const rnn_tunables base = p->tune.v;
    static const char *const alt[RNN_TUNE_N_CHUNKS] = {"alt chunk 0", "alt chunk 1",
                                                       "alt chunk 2"};
    size_t n = 0;
    out[n] = base, name[n++] = "the rules'";
    if (p->desc.B > 1)
        return n; /* the stream orders are batch 1's */
    out[n] = base, out[n].stream = RNN_STREAM_FORWARD, name[n++] = "forward";
    for (size_t i = 0; i < RNN_TUNE_N_CHUNKS; i++) {
        out[n] = base, out[n].stream = RNN_STREAM_ALT, out[n].chunk_floats = rnn_tune_chunks[i];
        name[n++] = alt[i];
    }
    if (rnn_wrap_columns(p)) {
        out[n] = base, out[n].stream = RNN_STREAM_WRAP, name[n++] = "wrap";
        out[n] = base, out[n].stream = RNN_STREAM_WRAP, out[n].ride = 1;
        out[n].ride_max = out[n].ride_dx_max = RNN_TUNE_ANY;
        name[n++] = "wrap, ride any";
    }
    out[n] = base, out[n].ride = 1, out[n].ride_max = out[n].ride_dx_max = RNN_TUNE_ANY;
    name[n++] = "ride any";
    out[n] = base, out[n].ride = 0, name[n++] = "no ride";
    return n;
}

/* Every stream order on one shape; returns the runs counted, *wrapped 1
 * when the plan's step can wrap. */
static int shape_tests(const rnn_kernels *t, rnn_desc d, rnn_dtype dt, int threads, int *wrapped)
{
    rnn_sizes s;
    *wrapped = 0;
    if (rnn_desc_check(&d, &s) != RNN_OK) {
        CHECK(0, "desc");
        return 0;
    }
    const size_t nw = s.weight_ih + s.weight_hh + 2 * s.bias + s.W_hy + s.b_y;
    float *w = malloc(nw * sizeof *w), *x = malloc(s.x * sizeof *x),
          *h0 = malloc(s.state * sizeof *h0), *c0 = malloc(s.state * sizeof *c0),
          *h = malloc(s.h * sizeof *h), *logits = malloc(s.logits * sizeof *logits);
    /* The forward's G*H columns, then the backward's H a phase (at most G). */
    g_visits = calloc(2 * (size_t)rnn_cell_gates(d.cell) * (size_t)d.H, sizeof *g_visits);
    float *gw = malloc(nw * sizeof *gw), *gh0 = malloc(s.state * sizeof *gh0),
          *gc0 = malloc(s.state * sizeof *gc0), *loss = malloc(sizeof *loss);
    int32_t *tg = calloc(s.targets, sizeof *tg);
    rnn_plan *p = NULL;
    rnn_workspace *ws = NULL;
    int runs = 0;
    char label[200];
    snprintf(label, sizeof label, "%s %s %s T%lld B%lld H%lld, %d thread%s", t->name,
             rnn_dtype_name(dt), rnn_cell_name(d.cell), (long long)d.T, (long long)d.B,
             (long long)d.H, threads, threads > 1 ? "s" : "");
    if (!w || !x || !h0 || !c0 || !h || !logits || !g_visits || !tg || !gw || !gh0 || !gc0 || !loss) {
        CHECK(0, "%s: out of memory", label);
        goto done;
    }
    unsigned seed = 7;
    const float k = 1.0f / (float)d.H;
    fill(w, nw, &seed, k);
    fill(x, s.x, &seed, 1.0f);
    /* A state nowhere zero: no step's product is skipped as its bias. */
    fill(h0, s.state, &seed, 0.5f);
    for (size_t i = 0; i < s.state; i++)
        h0[i] = h0[i] >= 0 ? h0[i] + 0.25f : h0[i] - 0.25f;
    fill(c0, s.state, &seed, 0.5f);
    const float *q = w;
    rnn_params prm = {{0}, {0}, NULL, NULL, NULL, NULL};
    prm.cell.weight_ih = q, q += s.weight_ih;
    prm.cell.weight_hh = q, q += s.weight_hh;
    prm.cell.bias_ih = q, q += s.bias;
    prm.cell.bias_hh = q, q += s.bias;
    prm.W_hy = q, q += s.W_hy;
    prm.b_y = q;
    rnn_plan_options o = {t->isa, threads, 0, RNN_TUNE_ESTIMATE};
    o.dtype = dt;
    if (rnn_plan_create(&p, &d, &prm, &o) != RNN_OK || rnn_workspace_create(&ws, p) != RNN_OK) {
        CHECK(0, "%s: plan", label);
        goto done;
    }
    const rnn_inputs in = {x, NULL, NULL, NULL, h0, d.cell == RNN_LSTM ? c0 : NULL, tg};
    rnn_outputs out = {h, NULL, logits, NULL}, train_out = {NULL, NULL, NULL, loss};
    rnn_grads g = {NULL, NULL, gh0, d.cell == RNN_LSTM ? gc0 : NULL, {0}, {0}, NULL, NULL,
                   NULL, NULL};
    float *gq = gw;
    g.cell.weight_ih = gq, gq += s.weight_ih;
    g.cell.weight_hh = gq, gq += s.weight_hh;
    g.cell.bias_ih = gq, gq += s.bias;
    g.cell.bias_hh = gq, gq += s.bias;
    g.W_hy = gq, gq += s.W_hy;
    g.b_y = gq;
    rnn_tunables orders[16];
    const char *names[16];
    const size_t n = stream_orders(p, orders, names);
    *wrapped = rnn_wrap_columns(p) > 0;
    for (size_t i = 0; i < n; i++) {
        char what[260];
        snprintf(what, sizeof what, "%s, stream %s", label, names[i]);
        rnn_tune_set(p, &orders[i]);
        if (orders[i].hh_copies == 2 && rnn_hh_copies(p, 1) != RNN_OK) {
            CHECK(0, "%s: no second copy of W_hh", what);
            continue;
        }
        check_run(p, ws, &in, &out, NULL, what);
        check_run(p, ws, &in, &train_out, &g, what);
        runs += 2;
    }
done:
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(p);
    free(w), free(x), free(h0), free(c0), free(h), free(logits), free(tg), free(g_visits);
    free(gw), free(gh0), free(gc0), free(loss);
    g_visits = NULL;
    return runs;
}

int main(void)
{
    /* H 96: whole panels of every table (gru's wrapped runs need them) and
     * the wrapped runs shorter than half of z's block. T 17: blocks of 8 or
     * 16 rows riding the steps, then a last block of one row. */
    static const rnn_cell cells[] = {RNN_TANH, RNN_LSTM, RNN_GRU, RNN_LBR_GRU};
    int runs = 0, wraps = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        if (rnn_isa_check((*t)->isa, NULL) != RNN_OK)
            continue;
        for (size_t c = 0; c < sizeof cells / sizeof *cells; c++)
            for (int B = 1; B <= 3; B += 2)
                for (int threads = 1; threads <= 2; threads++)
                    for (int bf = 0; bf < 2; bf++) {
                        const rnn_dtype dt = bf ? RNN_DTYPE_BF16 : RNN_DTYPE_F32;
                        if (bf && rnn_dtype_check(dt, (*t)->isa, NULL) != RNN_OK)
                            continue;
                        const rnn_desc d = {cells[c], RNN_MANY2MANY, 17, 0, B, 16, 96, 3, 0, 0};
                        int wrapped = 0;
                        runs += shape_tests(*t, d, dt, threads, &wrapped);
                        wraps += wrapped;
                    }
    }
    printf("%d runs counted (forward and training), %d with gru's wrapped stream\n", runs, wraps);
    CHECK(wraps > 0, "no plan took gru's wrapped stream: the wrap's runs went unchecked");
    return check_summary();
}
