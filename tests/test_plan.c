/* test_plan.c — the plans (core/) against the reference: every kernel table
 * this CPU runs x every cell x every topology, forward outputs (h, c, logits,
 * loss) and every gradient, on odd and even shapes, within the tolerance
 * policy of support/tolerance.h; the plain sequence calls; determinism (a plan
 * used twice gives the same bits); an ISA the CPU is told to lack; and the
 * misuse statuses (NULL, alias, out-of-range values, topology).
 * TEST_PLAN_VERBOSE=1 in the environment lists every check above 5% of its
 * tolerance. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"
#include "rnnsimd_reference.h"
#include "tolerance.h"

/* ---- shapes: widths 1 7 8 9 15 16 17 33 64 100 spread over B I H V, T in {1 2 5 9} ---- */
typedef struct {
    int64_t B, I, H, V, T, T_out;
} shape;

static const shape shapes[] = {
    {1, 1, 1, 1, 1, 2},    {7, 9, 8, 15, 5, 1},   {8, 16, 17, 7, 2, 5},
    {9, 33, 15, 16, 9, 2}, {16, 7, 33, 17, 5, 9}, {1, 64, 64, 33, 9, 5},
    {17, 15, 100, 9, 2, 1}, {2, 100, 16, 64, 5, 2}, {3, 17, 9, 100, 1, 9},
};
enum { N_SHAPES = sizeof shapes / sizeof shapes[0], MAX_TABLES = 8 };

/* ---- per-table worst fractions, per tensor name ---- */
static const char *const tensor_names[] = {
    "h", "c", "logits", "loss", "dx", "dx_dec", "dh0", "dc0", "dW_ih", "dW_hh",
    "db_ih", "db_hh", "dec.dW_ih", "dec.dW_hh", "dec.db_ih", "dec.db_hh", "dW_hy", "db_y",
    "seq.out", "seq.hn", "seq.cn", "seq.dx", "seq.dh0", "seq.dc0", "seq.dW_ih", "seq.dW_hh",
    "seq.db_ih", "seq.db_hh",
};
enum { N_TENSORS = sizeof tensor_names / sizeof tensor_names[0] };

typedef struct {
    int cases;
    double worst[N_TENSORS];
} table_summary;

static int tensor_id(const char *name)
{
    for (int i = 0; i < N_TENSORS; i++)
        if (strcmp(tensor_names[i], name) == 0)
            return i;
    return -1;
}

static void compare(table_summary *sum, const char *what, const char *name, const float *got,
                    const float *ref, size_t n, double tol)
{
    rnn_compare_result r = rnn_compare(got, ref, n, tol);
    int id = tensor_id(name);
    if (getenv("TEST_PLAN_VERBOSE") && r.frac > 0.05) printf("  %s %s %.3f\n", what, name, r.frac);
    if (id >= 0 && r.frac > sum->worst[id])
        sum->worst[id] = r.frac;
    CHECK(r.frac < 1.0, "%s %s: fraction %.3g of tol %.3g (worst [%zu] got %.9g ref %.9g)",
          what, name, r.frac, tol, r.worst, got[r.worst], ref[r.worst]);
}

static float *alloc_f(size_t n);

/* States are judged together with the initial state they grew from: a step
 * can cancel to a value far below its inputs ((1-z)*n + z*h_prev with the two
 * terms nearly opposite), and its float error is relative to those inputs,
 * not to the result. In a tensor of many states the others carry that scale;
 * in a one-element, one-step tensor only the initial state does. */
static void compare_states(table_summary *sum, const char *what, const char *name,
                           const float *got, const float *ref, size_t n, const float *init,
                           size_t n_init, double tol)
{
    size_t m = (init ? n_init : 0) + n;
    float *g = alloc_f(m), *r = alloc_f(m);
    if (init) {
        memcpy(g, init, n_init * sizeof *g);
        memcpy(r, init, n_init * sizeof *r);
    }
    memcpy(g + (m - n), got, n * sizeof *g);
    memcpy(r + (m - n), ref, n * sizeof *r);
    compare(sum, what, name, g, r, m, tol);
    free(g);
    free(r);
}

static float *alloc_f(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static int32_t *alloc_i(size_t n)
{
    int32_t *p = calloc(n ? n : 1, sizeof(int32_t));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static void fill_index(int32_t *dst, size_t n, uint64_t seed, uint64_t stream, int64_t limit)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (int32_t)(rnn_prng_u64(seed, stream, i) % (uint64_t)limit);
}

/* One cell's weights, PyTorch's init U(-1/sqrt(H), 1/sqrt(H)). */
typedef struct {
    float *w_ih, *w_hh, *b_ih, *b_hh;
} cell_buf;

static void cell_alloc(cell_buf *c, const rnn_sizes *s, uint64_t seed, uint64_t stream0, float a)
{
    c->w_ih = alloc_f(s->weight_ih);
    c->w_hh = alloc_f(s->weight_hh);
    c->b_ih = alloc_f(s->bias);
    c->b_hh = alloc_f(s->bias);
    rnn_fill_uniform(c->w_ih, s->weight_ih, seed, stream0 + 0, -a, a);
    rnn_fill_uniform(c->w_hh, s->weight_hh, seed, stream0 + 1, -a, a);
    rnn_fill_uniform(c->b_ih, s->bias, seed, stream0 + 2, -a, a);
    rnn_fill_uniform(c->b_hh, s->bias, seed, stream0 + 3, -a, a);
}

static void cell_free(cell_buf *c)
{
    free(c->w_ih);
    free(c->w_hh);
    free(c->b_ih);
    free(c->b_hh);
}

static rnn_cell_weights cell_view(const cell_buf *c)
{
    return (rnn_cell_weights){c->w_ih, c->w_hh, c->b_ih, c->b_hh};
}

/* Every output and gradient of a train call. */
typedef struct {
    float *h, *c, *logits, loss;
    float *dx, *dx_dec, *dh0, *dc0, *dW_hy, *db_y;
    cell_buf dcell, ddec;
} result;

static void result_alloc(result *r, const rnn_sizes *s)
{
    memset(r, 0, sizeof *r);
    r->h = alloc_f(s->h);
    r->c = alloc_f(s->h);
    r->logits = alloc_f(s->logits);
    r->dx = alloc_f(s->x);
    r->dx_dec = alloc_f(s->x_dec);
    r->dh0 = alloc_f(s->state);
    r->dc0 = alloc_f(s->state);
    r->dW_hy = alloc_f(s->W_hy);
    r->db_y = alloc_f(s->b_y);
    cell_buf *cs[2] = {&r->dcell, &r->ddec};
    for (int i = 0; i < 2; i++) {
        cs[i]->w_ih = alloc_f(s->weight_ih);
        cs[i]->w_hh = alloc_f(s->weight_hh);
        cs[i]->b_ih = alloc_f(s->bias);
        cs[i]->b_hh = alloc_f(s->bias);
    }
}

static void result_free(result *r)
{
    free(r->h);
    free(r->c);
    free(r->logits);
    free(r->dx);
    free(r->dx_dec);
    free(r->dh0);
    free(r->dc0);
    free(r->dW_hy);
    free(r->db_y);
    cell_free(&r->dcell);
    cell_free(&r->ddec);
}

static void result_views(result *r, const rnn_desc *d, const rnn_inputs *in, rnn_outputs *o,
                         rnn_grads *g)
{
    int lstm = d->cell == RNN_LSTM, s2s = d->topology == RNN_SEQ2SEQ;
    *o = (rnn_outputs){r->h, lstm ? r->c : NULL, r->logits, &r->loss};
    memset(g, 0, sizeof *g);
    g->x = in->x_index ? NULL : r->dx;
    g->x_dec = s2s && !in->x_dec_index ? r->dx_dec : NULL;
    g->h0 = r->dh0;
    g->c0 = lstm ? r->dc0 : NULL;
    g->cell = (rnn_cell_grads){r->dcell.w_ih, r->dcell.w_hh, r->dcell.b_ih, r->dcell.b_hh};
    if (s2s)
        g->decoder = (rnn_cell_grads){r->ddec.w_ih, r->ddec.w_hh, r->ddec.b_ih, r->ddec.b_hh};
    g->W_hy = r->dW_hy;
    g->b_y = r->db_y;
}

/* ---- one problem: desc, parameters, inputs ---- */
typedef struct {
    rnn_desc d;
    rnn_sizes s;
    cell_buf cell, dec;
    float *W_hy, *b_y, *x, *x_dec, *h0, *c0;
    int32_t *x_index, *x_dec_index, *targets;
    rnn_params p;
    rnn_inputs in;
    char what[160];
} problem;

static int problem_make(problem *pr, rnn_cell cell, rnn_topology topo, const shape *sh,
                        uint64_t seed, int one_hot, int given_state, int no_bias)
{
    memset(pr, 0, sizeof *pr);
    rnn_desc d = {cell, topo, sh->T, 0, sh->B, sh->I, sh->H, sh->V};
    if (topo == RNN_ONE2ONE)
        d.T = 1;
    if (topo == RNN_SEQ2SEQ)
        d.T_out = sh->T_out;
    pr->d = d;
    if (rnn_desc_check(&d, &pr->s) != RNN_OK)
        return 0;
    const rnn_sizes *s = &pr->s;
    const float a = (float)(1.0 / sqrt((double)d.H));
    cell_alloc(&pr->cell, s, seed, 10, a);
    cell_alloc(&pr->dec, s, seed, 20, a);
    pr->W_hy = alloc_f(s->W_hy);
    pr->b_y = alloc_f(s->b_y);
    rnn_fill_uniform(pr->W_hy, s->W_hy, seed, 30, -a, a);
    rnn_fill_uniform(pr->b_y, s->b_y, seed, 31, -a, a);
    pr->x = alloc_f(s->x);
    pr->x_dec = alloc_f(s->x_dec);
    pr->h0 = alloc_f(s->state);
    pr->c0 = alloc_f(s->state);
    rnn_fill_uniform(pr->x, s->x, seed, 40, -1, 1);
    rnn_fill_uniform(pr->x_dec, s->x_dec, seed, 41, -1, 1);
    rnn_fill_uniform(pr->h0, s->state, seed, 42, -1, 1);
    rnn_fill_uniform(pr->c0, s->state, seed, 43, -1, 1);
    pr->x_index = alloc_i(s->x / (size_t)d.I);
    pr->x_dec_index = alloc_i(s->x_dec / (size_t)d.I);
    pr->targets = alloc_i(s->targets);
    fill_index(pr->x_index, s->x / (size_t)d.I, seed, 50, d.I);
    fill_index(pr->x_dec_index, s->x_dec / (size_t)d.I, seed, 51, d.I);
    fill_index(pr->targets, s->targets, seed, 52, d.V);
    pr->p.cell = cell_view(&pr->cell);
    if (topo == RNN_SEQ2SEQ)
        pr->p.decoder = cell_view(&pr->dec);
    pr->p.W_hy = pr->W_hy;
    pr->p.b_y = pr->b_y;
    if (no_bias) { /* NULL biases are zeros */
        pr->p.cell.bias_ih = pr->p.cell.bias_hh = NULL;
        pr->p.decoder.bias_ih = pr->p.decoder.bias_hh = NULL;
        pr->p.b_y = NULL;
    }
    pr->in.x = one_hot ? NULL : pr->x;
    pr->in.x_index = one_hot ? pr->x_index : NULL;
    if (topo == RNN_SEQ2SEQ) {
        pr->in.x_dec = one_hot ? NULL : pr->x_dec;
        pr->in.x_dec_index = one_hot ? pr->x_dec_index : NULL;
    }
    pr->in.h0 = given_state ? pr->h0 : NULL;
    pr->in.c0 = given_state && cell == RNN_LSTM ? pr->c0 : NULL;
    pr->in.targets = pr->targets;
    char tout[24] = "";
    if (topo == RNN_SEQ2SEQ)
        snprintf(tout, sizeof tout, " Tout%lld", (long long)d.T_out);
    snprintf(pr->what, sizeof pr->what, "%s/%s T%lld%s B%lld I%lld H%lld V%lld%s%s%s",
             rnn_cell_name(cell), rnn_topology_name(topo), (long long)d.T, tout, (long long)d.B,
             (long long)d.I, (long long)d.H, (long long)d.V, one_hot ? " one-hot" : "",
             given_state ? " h0" : "", no_bias ? " no-bias" : "");
    return 1;
}

static void problem_free(problem *pr)
{
    cell_free(&pr->cell);
    cell_free(&pr->dec);
    free(pr->W_hy);
    free(pr->b_y);
    free(pr->x);
    free(pr->x_dec);
    free(pr->h0);
    free(pr->c0);
    free(pr->x_index);
    free(pr->x_dec_index);
    free(pr->targets);
}

/* Compares every tensor of a train (or, with grads 0, forward) result. */
static void compare_result(table_summary *sum, const char *what, const problem *pr,
                           const result *got, const result *ref, int grads)
{
    const rnn_desc *d = &pr->d;
    const rnn_sizes *s = &pr->s;
    const double S = (double)s->steps, K = (double)(d->I + d->H), KV = K + (double)d->V;
    const double tf = rnn_tolerance(RNN_TOL_FORWARD, K, S);
    const double tl = rnn_tolerance(RNN_TOL_FORWARD, KV, S);
    const double tg = rnn_tolerance(RNN_TOL_GRADIENT, KV, S);
    compare_states(sum, what, "h", got->h, ref->h, s->h, pr->in.h0, s->state, tf);
    if (d->cell == RNN_LSTM)
        compare_states(sum, what, "c", got->c, ref->c, s->h, pr->in.c0, s->state, tf);
    compare(sum, what, "logits", got->logits, ref->logits, s->logits, tl);
    compare(sum, what, "loss", &got->loss, &ref->loss, 1, tl);
    if (!grads)
        return;
    if (!pr->in.x_index)
        compare(sum, what, "dx", got->dx, ref->dx, s->x, tg);
    if (d->topology == RNN_SEQ2SEQ && !pr->in.x_dec_index)
        compare(sum, what, "dx_dec", got->dx_dec, ref->dx_dec, s->x_dec, tg);
    compare(sum, what, "dh0", got->dh0, ref->dh0, s->state, tg);
    if (d->cell == RNN_LSTM)
        compare(sum, what, "dc0", got->dc0, ref->dc0, s->state, tg);
    compare(sum, what, "dW_ih", got->dcell.w_ih, ref->dcell.w_ih, s->weight_ih, tg);
    compare(sum, what, "dW_hh", got->dcell.w_hh, ref->dcell.w_hh, s->weight_hh, tg);
    compare(sum, what, "db_ih", got->dcell.b_ih, ref->dcell.b_ih, s->bias, tg);
    compare(sum, what, "db_hh", got->dcell.b_hh, ref->dcell.b_hh, s->bias, tg);
    if (d->topology == RNN_SEQ2SEQ) {
        compare(sum, what, "dec.dW_ih", got->ddec.w_ih, ref->ddec.w_ih, s->weight_ih, tg);
        compare(sum, what, "dec.dW_hh", got->ddec.w_hh, ref->ddec.w_hh, s->weight_hh, tg);
        compare(sum, what, "dec.db_ih", got->ddec.b_ih, ref->ddec.b_ih, s->bias, tg);
        compare(sum, what, "dec.db_hh", got->ddec.b_hh, ref->ddec.b_hh, s->bias, tg);
    }
    compare(sum, what, "dW_hy", got->dW_hy, ref->dW_hy, s->W_hy, tg);
    compare(sum, what, "db_y", got->db_y, ref->db_y, s->b_y, tg);
}

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* Train twice on one plan and workspace: every output bit-identical. */
static void check_determinism(const char *what, const rnn_plan *plan, rnn_workspace *ws,
                              const problem *pr, const result *first)
{
    result again;
    result_alloc(&again, &pr->s);
    rnn_outputs o;
    rnn_grads g;
    result_views(&again, &pr->d, &pr->in, &o, &g);
    rnn_status st = rnn_plan_train(plan, ws, &pr->in, &o, &g);
    const rnn_sizes *s = &pr->s;
    int same = st == RNN_OK && same_bits(again.h, first->h, s->h) &&
               same_bits(again.logits, first->logits, s->logits) &&
               same_bits(&again.loss, &first->loss, 1) &&
               same_bits(again.dh0, first->dh0, s->state) &&
               same_bits(again.dcell.w_ih, first->dcell.w_ih, s->weight_ih) &&
               same_bits(again.dcell.w_hh, first->dcell.w_hh, s->weight_hh) &&
               same_bits(again.dcell.b_hh, first->dcell.b_hh, s->bias) &&
               same_bits(again.dW_hy, first->dW_hy, s->W_hy);
    CHECK(same, "%s: a second train call on the same plan gave different bits", what);
    result_free(&again);
}

/* The plain sequence calls of a many2many plan vs the reference's. */
static void check_sequence(table_summary *sum, const char *what, const rnn_plan *plan,
                           rnn_workspace *ws, const problem *pr)
{
    const rnn_desc *d = &pr->d;
    const rnn_sizes *s = &pr->s;
    const size_t BH = s->state;
    const int lstm = d->cell == RNN_LSTM;
    const float *h0 = pr->in.h0, *c0 = pr->in.c0;
    float *go = alloc_f(s->h), *ghn = alloc_f(BH), *gcn = alloc_f(BH);
    rnn_fill_uniform(go, s->h, 7, 60, -1, 1);
    rnn_fill_uniform(ghn, BH, 7, 61, -1, 1);
    rnn_fill_uniform(gcn, BH, 7, 62, -1, 1);
    float *buf[2][3];
    result gr[2];
    for (int k = 0; k < 2; k++) {
        buf[k][0] = alloc_f(s->h);
        buf[k][1] = alloc_f(BH);
        buf[k][2] = alloc_f(BH);
        result_alloc(&gr[k], s);
    }
    rnn_cell_weights w = pr->p.cell;
    rnn_status st = rnn_reference_seq_forward(d, &w, pr->x, h0, c0, buf[0][0], buf[0][1],
                                              lstm ? buf[0][2] : NULL);
    CHECK(st == RNN_OK, "%s: reference seq_forward: %s", what, rnn_strerror(st));
    st = rnn_plan_seq_forward(plan, ws, pr->x, h0, c0, buf[1][0], buf[1][1],
                              lstm ? buf[1][2] : NULL);
    CHECK(st == RNN_OK, "%s: plan seq_forward: %s", what, rnn_strerror(st));
    const double S = (double)d->T, K = (double)(d->I + d->H);
    const double tf = rnn_tolerance(RNN_TOL_FORWARD, K, S), tg = rnn_tolerance(RNN_TOL_GRADIENT, K, S);
    compare_states(sum, what, "seq.out", buf[1][0], buf[0][0], s->h, h0, BH, tf);
    compare_states(sum, what, "seq.hn", buf[1][1], buf[0][1], BH, h0, BH, tf);
    if (lstm)
        compare_states(sum, what, "seq.cn", buf[1][2], buf[0][2], BH, c0, BH, tf);

    rnn_grads g[2];
    for (int k = 0; k < 2; k++) {
        memset(&g[k], 0, sizeof g[k]);
        g[k].x = gr[k].dx;
        g[k].h0 = gr[k].dh0;
        g[k].c0 = lstm ? gr[k].dc0 : NULL;
        g[k].cell = (rnn_cell_grads){gr[k].dcell.w_ih, gr[k].dcell.w_hh, gr[k].dcell.b_ih,
                                     gr[k].dcell.b_hh};
    }
    st = rnn_reference_seq_backward(d, &w, pr->x, h0, c0, go, ghn, lstm ? gcn : NULL, &g[0]);
    CHECK(st == RNN_OK, "%s: reference seq_backward: %s", what, rnn_strerror(st));
    st = rnn_plan_seq_backward(plan, ws, pr->x, h0, c0, go, ghn, lstm ? gcn : NULL, &g[1]);
    CHECK(st == RNN_OK, "%s: plan seq_backward: %s", what, rnn_strerror(st));
    compare(sum, what, "seq.dx", gr[1].dx, gr[0].dx, s->x, tg);
    compare(sum, what, "seq.dh0", gr[1].dh0, gr[0].dh0, BH, tg);
    if (lstm)
        compare(sum, what, "seq.dc0", gr[1].dc0, gr[0].dc0, BH, tg);
    compare(sum, what, "seq.dW_ih", gr[1].dcell.w_ih, gr[0].dcell.w_ih, s->weight_ih, tg);
    compare(sum, what, "seq.dW_hh", gr[1].dcell.w_hh, gr[0].dcell.w_hh, s->weight_hh, tg);
    compare(sum, what, "seq.db_ih", gr[1].dcell.b_ih, gr[0].dcell.b_ih, s->bias, tg);
    compare(sum, what, "seq.db_hh", gr[1].dcell.b_hh, gr[0].dcell.b_hh, s->bias, tg);
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 3; j++)
            free(buf[k][j]);
        result_free(&gr[k]);
    }
    free(go);
    free(ghn);
    free(gcn);
}

/* One problem on every runnable table. */
static void check_case(const problem *pr, const rnn_kernels *const *tables, int n_tables,
                       table_summary *sums, int case_no)
{
    result ref;
    result_alloc(&ref, &pr->s);
    rnn_outputs ro;
    rnn_grads rg;
    result_views(&ref, &pr->d, &pr->in, &ro, &rg);
    rnn_status st = rnn_reference_train(&pr->d, &pr->p, &pr->in, &ro, &rg);
    CHECK(st == RNN_OK, "%s: reference train: %s", pr->what, rnn_strerror(st));
    for (int t = 0; t < n_tables; t++) {
        char what[200];
        snprintf(what, sizeof what, "%s [%s]", pr->what, tables[t]->name);
        rnn_plan_options opt = {.isa = tables[t]->isa, .threads = 1};
        rnn_plan *plan = NULL;
        rnn_workspace *ws = NULL;
        st = rnn_plan_create(&plan, &pr->d, &pr->p, &opt);
        CHECK(st == RNN_OK, "%s: plan_create: %s", what, rnn_strerror(st));
        if (st != RNN_OK)
            continue;
        st = rnn_workspace_create(&ws, plan);
        CHECK(st == RNN_OK, "%s: workspace_create: %s", what, rnn_strerror(st));
        if (st != RNN_OK) {
            rnn_plan_destroy(plan);
            continue;
        }
        CHECK(rnn_plan_isa(plan) == tables[t]->isa, "%s: plan isa %s", what,
              rnn_isa_name(rnn_plan_isa(plan)));
        sums[t].cases++;

        result fw, tr;
        result_alloc(&fw, &pr->s);
        result_alloc(&tr, &pr->s);
        rnn_outputs o;
        rnn_grads g;
        result_views(&fw, &pr->d, &pr->in, &o, &g);
        st = rnn_plan_forward(plan, ws, &pr->in, &o);
        CHECK(st == RNN_OK, "%s: forward: %s", what, rnn_strerror(st));
        compare_result(&sums[t], what, pr, &fw, &ref, 0);
        result_views(&tr, &pr->d, &pr->in, &o, &g);
        st = rnn_plan_train(plan, ws, &pr->in, &o, &g);
        CHECK(st == RNN_OK, "%s: train: %s", what, rnn_strerror(st));
        compare_result(&sums[t], what, pr, &tr, &ref, 1);
        if (case_no % 4 == 0)
            check_determinism(what, plan, ws, pr, &tr);
        if (pr->d.topology == RNN_MANY2MANY)
            check_sequence(&sums[t], what, plan, ws, pr);
        result_free(&fw);
        result_free(&tr);
        rnn_workspace_destroy(ws);
        rnn_plan_destroy(plan);
    }
    result_free(&ref);
}

/* ---- misuse: every status a caller can provoke ---- */
static void check_misuse(void)
{
    const shape sh = {2, 3, 4, 5, 3, 2};
    problem pr;
    problem_make(&pr, RNN_LSTM, RNN_MANY2MANY, &sh, 99, 0, 1, 0);
    rnn_plan *plan = NULL, *other = NULL;
    rnn_workspace *ws = NULL, *ws_other = NULL;
    rnn_plan_options two = {.isa = RNN_ISA_AUTO, .threads = 3},
                     zero = {.isa = RNN_ISA_AUTO, .threads = 0};
    CHECK(rnn_plan_create(NULL, &pr.d, &pr.p, NULL) == RNN_ERR_NULL, "create: NULL out");
    CHECK(rnn_plan_create(&plan, NULL, &pr.p, NULL) == RNN_ERR_NULL, "create: NULL desc");
    CHECK(rnn_plan_create(&plan, &pr.d, NULL, NULL) == RNN_ERR_NULL, "create: NULL params");
    rnn_params bad = pr.p;
    bad.cell.weight_hh = NULL;
    CHECK(rnn_plan_create(&plan, &pr.d, &bad, NULL) == RNN_ERR_NULL, "create: NULL weight_hh");
    CHECK(rnn_plan_create(&plan, &pr.d, &pr.p, &two) == RNN_ERR_ARG, "create: threads 3");
    rnn_plan_options fused2 = {.isa = RNN_ISA_AUTO, .threads = 1, .no_fused_step = 2};
    CHECK(rnn_plan_create(&plan, &pr.d, &pr.p, &fused2) == RNN_ERR_ARG,
          "create: no_fused_step 2");
    rnn_desc dbad = pr.d;
    dbad.H = 0;
    CHECK(rnn_plan_create(&plan, &dbad, &pr.p, NULL) == RNN_ERR_SIZE, "create: H = 0");
    CHECK(plan == NULL, "create: a failed create leaves *plan NULL");
    rnn_status st = rnn_plan_create(&plan, &pr.d, &pr.p, &zero);
    CHECK(st == RNN_OK, "create: threads 0 means 1: %s", rnn_strerror(st));
    if (st != RNN_OK) {
        problem_free(&pr);
        return;
    }
    CHECK(rnn_plan_desc(plan)->H == pr.d.H, "plan_desc");
    CHECK(rnn_workspace_create(NULL, plan) == RNN_ERR_NULL, "workspace: NULL out");
    CHECK(rnn_workspace_create(&ws, NULL) == RNN_ERR_NULL, "workspace: NULL plan");
    CHECK(rnn_workspace_create(&ws, plan) == RNN_OK, "workspace");
    CHECK(rnn_workspace_poison(NULL) == RNN_ERR_NULL, "poison: NULL workspace");
    CHECK(rnn_workspace_poison(ws) == RNN_OK, "poison");

    result r;
    result_alloc(&r, &pr.s);
    rnn_outputs o;
    rnn_grads g;
    result_views(&r, &pr.d, &pr.in, &o, &g);
    rnn_inputs in = pr.in;
    CHECK(rnn_plan_forward(NULL, ws, &in, &o) == RNN_ERR_NULL, "forward: NULL plan");
    CHECK(rnn_plan_forward(plan, NULL, &in, &o) == RNN_ERR_NULL, "forward: NULL workspace");
    CHECK(rnn_plan_forward(plan, ws, NULL, &o) == RNN_ERR_NULL, "forward: NULL inputs");
    CHECK(rnn_plan_forward(plan, ws, &in, NULL) == RNN_ERR_NULL, "forward: NULL outputs");
    CHECK(rnn_plan_train(plan, ws, &in, &o, NULL) == RNN_ERR_NULL, "train: NULL grads");
    in.x = NULL;
    CHECK(rnn_plan_forward(plan, ws, &in, &o) == RNN_ERR_NULL, "forward: no x");
    in = pr.in;
    in.targets = NULL;
    CHECK(rnn_plan_forward(plan, ws, &in, &o) == RNN_ERR_NULL, "forward: loss without targets");
    CHECK(rnn_plan_train(plan, ws, &in, &o, &g) == RNN_ERR_NULL, "train: no targets");
    rnn_outputs only_h = {r.h, NULL, r.logits, NULL};
    CHECK(rnn_plan_forward(plan, ws, &in, &only_h) == RNN_OK, "forward: logits need no targets");

    in = pr.in;
    pr.targets[3] = (int32_t)pr.d.V;
    CHECK(rnn_plan_train(plan, ws, &in, &o, &g) == RNN_ERR_VALUE, "train: target = V");
    CHECK(rnn_plan_forward(plan, ws, &in, &o) == RNN_ERR_VALUE, "forward: target = V");
    pr.targets[3] = -1;
    CHECK(rnn_plan_train(plan, ws, &in, &o, &g) == RNN_ERR_VALUE, "train: target = -1");
    pr.targets[3] = 0;
    in.x = NULL;
    in.x_index = pr.x_index;
    pr.x_index[5] = (int32_t)pr.d.I;
    CHECK(rnn_plan_forward(plan, ws, &in, &o) == RNN_ERR_VALUE, "forward: x_index = I");
    pr.x_index[5] = 0;
    CHECK(rnn_plan_forward(plan, ws, &in, &o) == RNN_OK, "forward: one-hot input");

    /* Aliases: whole, partial (one float), and a gradient over an int input. */
    in = pr.in;
    float *x_copy = alloc_f(pr.s.x);
    memcpy(x_copy, pr.x, pr.s.x * sizeof(float));
    rnn_outputs oa = o;
    oa.h = pr.x;
    CHECK(rnn_plan_forward(plan, ws, &in, &oa) == RNN_ERR_ALIAS, "forward: h over x");
    CHECK(same_bits(pr.x, x_copy, pr.s.x), "forward: an alias failure wrote into x");
    oa = o;
    oa.logits = pr.x + pr.s.x - 1;
    CHECK(rnn_plan_forward(plan, ws, &in, &oa) == RNN_ERR_ALIAS, "forward: logits over x's last float");
    oa = o;
    oa.loss = pr.c0;
    CHECK(rnn_plan_forward(plan, ws, &in, &oa) == RNN_ERR_ALIAS, "forward: loss inside c0");
    rnn_grads ga = g;
    ga.W_hy = (float *)pr.targets;
    CHECK(rnn_plan_train(plan, ws, &in, &o, &ga) == RNN_ERR_ALIAS, "train: dW_hy over targets");
    ga = g;
    ga.h0 = (float *)pr.h0;
    CHECK(rnn_plan_train(plan, ws, &in, &o, &ga) == RNN_ERR_ALIAS, "train: dh0 over h0");
    ga = g;
    ga.x = pr.x;
    CHECK(rnn_plan_train(plan, ws, &in, &o, &ga) == RNN_ERR_ALIAS, "train: dx over x");
    CHECK(same_bits(pr.x, x_copy, pr.s.x), "train: an alias failure wrote into x");
    CHECK(rnn_plan_seq_forward(plan, ws, pr.x, pr.h0, pr.c0, pr.x + 1, NULL, NULL) ==
              RNN_ERR_ALIAS, "seq_forward: output over x");
    CHECK(rnn_plan_seq_forward(plan, ws, pr.x, pr.h0, pr.c0, r.h, pr.h0, NULL) == RNN_ERR_ALIAS,
          "seq_forward: hn over h0");
    CHECK(rnn_plan_seq_forward(plan, ws, NULL, NULL, NULL, r.h, NULL, NULL) == RNN_ERR_NULL,
          "seq_forward: NULL x");
    ga = g;
    ga.x = r.h; /* grad_output below is r.h too */
    CHECK(rnn_plan_seq_backward(plan, ws, pr.x, NULL, NULL, r.h, NULL, NULL, &ga) ==
              RNN_ERR_ALIAS, "seq_backward: dx over grad_output");
    CHECK(rnn_plan_seq_backward(plan, ws, pr.x, NULL, NULL, NULL, NULL, NULL, NULL) ==
              RNN_ERR_NULL, "seq_backward: NULL grads");
    CHECK(rnn_plan_seq_backward(plan, ws, pr.x, NULL, NULL, NULL, NULL, NULL, &g) == RNN_OK,
          "seq_backward: every upstream gradient zero");

    /* A workspace of a different problem is refused. */
    problem p2;
    const shape sh2 = {3, 3, 4, 5, 3, 2};
    problem_make(&p2, RNN_LSTM, RNN_MANY2MANY, &sh2, 98, 0, 1, 0);
    CHECK(rnn_plan_create(&other, &p2.d, &p2.p, NULL) == RNN_OK, "create: second plan");
    CHECK(other && rnn_workspace_create(&ws_other, other) == RNN_OK, "workspace: second");
    if (ws_other)
        CHECK(rnn_plan_forward(plan, ws_other, &in, &o) == RNN_ERR_ARG,
              "forward: workspace of another problem");
    rnn_workspace_destroy(ws_other);
    rnn_plan_destroy(other);
    problem_free(&p2);

    /* A plan without a head: the sequence works, logits and training do not. */
    rnn_params headless = pr.p;
    headless.W_hy = NULL;
    headless.b_y = NULL;
    rnn_plan *hl = NULL;
    rnn_workspace *hlws = NULL;
    CHECK(rnn_plan_create(&hl, &pr.d, &headless, NULL) == RNN_OK, "create: headless");
    CHECK(hl && rnn_workspace_create(&hlws, hl) == RNN_OK, "workspace: headless");
    if (hlws) {
        rnn_outputs states = {r.h, r.c, NULL, NULL};
        CHECK(rnn_plan_forward(hl, hlws, &in, &states) == RNN_OK, "headless forward of states");
        CHECK(rnn_plan_forward(hl, hlws, &in, &o) == RNN_ERR_NULL, "headless forward: logits");
        CHECK(rnn_plan_train(hl, hlws, &in, &o, &g) == RNN_ERR_NULL, "headless train");
        CHECK(rnn_plan_seq_forward(hl, hlws, pr.x, NULL, NULL, r.h, NULL, NULL) == RNN_OK,
              "headless seq_forward");
    }
    rnn_workspace_destroy(hlws);
    rnn_plan_destroy(hl);
    result_free(&r);
    free(x_copy);
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    problem_free(&pr);

    /* Topology: seq_* wants many2many; seq2seq needs a decoder input. */
    problem s2;
    problem_make(&s2, RNN_GRU, RNN_SEQ2SEQ, &sh, 97, 0, 0, 0);
    CHECK(rnn_plan_create(&plan, &s2.d, &s2.p, NULL) == RNN_OK, "create: seq2seq");
    CHECK(plan && rnn_workspace_create(&ws, plan) == RNN_OK, "workspace: seq2seq");
    if (ws) {
        result r2;
        result_alloc(&r2, &s2.s);
        CHECK(rnn_plan_seq_forward(plan, ws, s2.x, NULL, NULL, r2.h, NULL, NULL) ==
                  RNN_ERR_TOPOLOGY, "seq_forward on seq2seq");
        CHECK(rnn_plan_seq_backward(plan, ws, s2.x, NULL, NULL, NULL, NULL, NULL, &g) ==
                  RNN_ERR_TOPOLOGY, "seq_backward on seq2seq");
        rnn_inputs in2 = s2.in;
        in2.x_dec = NULL;
        rnn_outputs o2 = {r2.h, NULL, r2.logits, &r2.loss};
        CHECK(rnn_plan_forward(plan, ws, &in2, &o2) == RNN_ERR_NULL, "seq2seq: no x_dec");
        in2.x_dec_index = s2.x_dec_index;
        s2.x_dec_index[1] = -1;
        CHECK(rnn_plan_forward(plan, ws, &in2, &o2) == RNN_ERR_VALUE, "seq2seq: x_dec_index -1");
        result_free(&r2);
    }
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    problem_free(&s2);
}

/* An instruction set the CPU is told to lack is refused, whatever the CPU. */
static void check_isa_mask(void)
{
    const shape sh = {2, 3, 4, 5, 3, 2};
    problem pr;
    problem_make(&pr, RNN_TANH, RNN_MANY2MANY, &sh, 96, 0, 0, 0);
    rnn_plan *plan = NULL;
    rnn_plan_options opt = {.isa = RNN_ISA_AVX512, .threads = 1};
    setenv("RNNSIMD_CPU_MASK", "avx512", 1);
    rnn_status st = rnn_plan_create(&plan, &pr.d, &pr.p, &opt);
    unsetenv("RNNSIMD_CPU_MASK");
    printf("isa avx512 with RNNSIMD_CPU_MASK=avx512: %s\n", rnn_strerror(st));
    CHECK(st == RNN_ERR_ISA_UNSUPPORTED && plan == NULL, "masked avx512 gave %s",
          rnn_strerror(st));
    rnn_plan_destroy(plan);
    problem_free(&pr);
}

int main(void)
{
    const rnn_kernels *tables[MAX_TABLES];
    int n_tables = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t && n_tables < MAX_TABLES; t++) {
        const char *why = NULL;
        if (rnn_isa_check((*t)->isa, &why) == RNN_OK)
            tables[n_tables++] = *t;
        else
            printf("skip table %s: %s\n", (*t)->name, why ? why : "unsupported");
    }
    table_summary sums[MAX_TABLES];
    memset(sums, 0, sizeof sums);
    int case_no = 0;
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++)
            for (int k = 0; k < N_SHAPES; k++) {
                problem pr;
                int one_hot = (k + c) % 4 == 1, given = (k + t) % 2 == 0;
                int no_bias = (k + c + t) % 7 == 3;
                if (!problem_make(&pr, (rnn_cell)c, (rnn_topology)t, &shapes[k],
                                  1000 + (uint64_t)case_no, one_hot, given, no_bias))
                    continue;
                check_case(&pr, tables, n_tables, sums, case_no);
                problem_free(&pr);
                case_no++;
            }
    for (int t = 0; t < n_tables; t++) {
        printf("table %s: %d cases; worst fraction of tolerance per tensor:\n", tables[t]->name,
               sums[t].cases);
        int col = 0;
        for (int i = 0; i < N_TENSORS; i++) {
            printf("  %-10s %.3f", tensor_names[i], sums[t].worst[i]);
            if (++col % 5 == 0)
                printf("\n");
        }
        if (col % 5)
            printf("\n");
    }
    check_misuse();
    check_isa_mask();
    return check_summary();
}
