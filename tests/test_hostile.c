/* test_hostile.c — hostile and edge inputs, each a check with the expected
 * status or value. Categories, each counted in the output:
 *   sizes      zero, negative, products overflowing size_t or int (plan level;
 *              rnn_desc_check's own cases are in test_reference_misc.c)
 *   nulls      NULL arguments not covered by test_plan.c / test_reference_misc.c
 *   alignment  float buffers starting at any float index, through the plan API
 *              and the kernel entries of every table (exactly sized buffers, so
 *              the sanitizers see any read past the end)
 *   alias      overlaps the API forbids (RNN_ERR_ALIAS, nothing written) and
 *              those it allows (no false alarm)
 *   nan/inf    NaN and +-Inf in inputs and weights: the class of every output
 *              element (NaN, +Inf, -Inf, finite) equals the reference's, in
 *              every table
 *   saturation huge |x|: tanh and sigmoid give exactly +-1, 0, 1 (kernels and
 *              cells)
 *   denormals  subnormal inputs and weights: no NaN, within tolerance, and the
 *              FPU is not left flushing subnormals
 *   npy        malformed .npy files not already in test_npy.c, and devices
 *   model      charlm model files cut at every length, wrong versions, lying
 *              fields behind a valid hash
 *   output     a full disk (RLIMIT_FSIZE) and unwritable paths: a clear error,
 *              the old file intact, no temporary left; a replaced file keeps
 *              its permissions, a new one has 0666 less the umask; a read's
 *              size limit, exact and one byte over
 * An alarm ends the run if anything hangs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "kernels.h"
#include "file_io.h"
#include "npy.h"
#include "rnnsimd_reference.h"
#include "tolerance.h"
/* charlm_model_parse lives outside the library (examples/charlm). */
#include "../examples/charlm/charlm_model.c"

#define MAX_TABLES 8
static const rnn_kernels *tables[MAX_TABLES];
static int n_tables;

static int section_start;
static void section(const char *name)
{
    static const char *current;
    int now = check_passed + check_failed;
    if (current)
        printf("%-11s %4d checks\n", current, now - section_start);
    current = name;
    section_start = now;
}

/* ---- a problem with its buffers, each exactly sized at a float offset ---- */

enum { T_WIH, T_WHH, T_BIH, T_BHH, T_DWIH, T_DWHH, T_DBIH, T_DBHH, N_CELLT };
typedef struct {
    rnn_desc d;
    rnn_sizes s;
    size_t off;
    float *cw[2][N_CELLT]; /* weights, then their gradients, per cell */
    float *W_hy, *b_y, *x, *x_dec, *h0, *c0;
    int32_t *targets;
    float *h, *c, *logits, *loss;
    float *gx, *gxd, *gh0, *gc0, *gWhy, *gby;
    void *raw[40];
    int n_raw;
} prob;

static float *pfloats(prob *p, size_t n)
{
    float *base = malloc((n + p->off) * sizeof(float));
    p->raw[p->n_raw++] = base;
    return base ? base + p->off : NULL;
}

/* Values from the portable PRNG; stream k of seed 7. */
static float *pfill(prob *p, size_t n, uint64_t k, float lo, float hi)
{
    float *f = pfloats(p, n);
    if (f)
        rnn_fill_uniform(f, n, 7, k, lo, hi);
    return f;
}

static void prob_make(prob *p, rnn_desc d, size_t off)
{
    memset(p, 0, sizeof *p);
    p->d = d;
    p->off = off;
    rnn_desc_check(&d, &p->s);
    const rnn_sizes *s = &p->s;
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++) {
            p->cw[k][j] = pfill(p, n[j], (uint64_t)(10 * k + j), -0.6f, 0.6f);
            p->cw[k][4 + j] = pfloats(p, n[j]);
        }
    p->W_hy = pfill(p, s->W_hy, 30, -0.6f, 0.6f);
    p->b_y = pfill(p, s->b_y, 31, -0.3f, 0.3f);
    p->x = pfill(p, s->x, 32, -1, 1);
    p->x_dec = pfill(p, s->x_dec ? s->x_dec : 1, 33, -1, 1);
    p->h0 = pfill(p, s->state, 34, -0.5f, 0.5f);
    p->c0 = pfill(p, s->state, 35, -0.5f, 0.5f);
    p->targets = malloc(s->targets * sizeof *p->targets);
    p->raw[p->n_raw++] = p->targets;
    for (size_t i = 0; i < s->targets; i++)
        p->targets[i] = (int32_t)(rnn_prng_u64(7, 36, i) % (uint64_t)d.V);
    p->h = pfloats(p, s->h), p->c = pfloats(p, s->h), p->logits = pfloats(p, s->logits);
    p->loss = pfloats(p, 1);
    p->gx = pfloats(p, s->x), p->gxd = pfloats(p, s->x_dec ? s->x_dec : 1);
    p->gh0 = pfloats(p, s->state), p->gc0 = pfloats(p, s->state);
    p->gWhy = pfloats(p, s->W_hy), p->gby = pfloats(p, s->b_y);
}

static void prob_free(prob *p)
{
    for (int i = 0; i < p->n_raw; i++)
        free(p->raw[i]);
    p->n_raw = 0;
}

static rnn_params prob_params(const prob *p)
{
    rnn_params r = {{p->cw[0][0], p->cw[0][1], p->cw[0][2], p->cw[0][3]},
                    {p->cw[1][0], p->cw[1][1], p->cw[1][2], p->cw[1][3]}, p->W_hy, p->b_y};
    return r;
}

static rnn_inputs prob_inputs(const prob *p)
{
    rnn_inputs in = {p->x, NULL, p->d.topology == RNN_SEQ2SEQ ? p->x_dec : NULL, NULL, p->h0,
                     p->d.cell == RNN_LSTM ? p->c0 : NULL, p->targets};
    return in;
}

static rnn_outputs prob_outputs(const prob *p)
{
    rnn_outputs o = {p->h, p->d.cell == RNN_LSTM ? p->c : NULL, p->logits, p->loss};
    return o;
}

static rnn_grads prob_grads(const prob *p)
{
    const int s2s = p->d.topology == RNN_SEQ2SEQ;
    rnn_grads g = {p->gx, s2s ? p->gxd : NULL, p->gh0, p->d.cell == RNN_LSTM ? p->gc0 : NULL,
                   {p->cw[0][4], p->cw[0][5], p->cw[0][6], p->cw[0][7]},
                   {s2s ? p->cw[1][4] : NULL, s2s ? p->cw[1][5] : NULL,
                    s2s ? p->cw[1][6] : NULL, s2s ? p->cw[1][7] : NULL},
                   p->gWhy, p->gby};
    return g;
}

/* Every result tensor of a train call, in a fixed order. */
typedef struct {
    const char *name;
    const float *v;
    size_t n;
} tview;

static int prob_results(const prob *p, tview *t)
{
    const rnn_sizes *s = &p->s;
    const int lstm = p->d.cell == RNN_LSTM, s2s = p->d.topology == RNN_SEQ2SEQ;
    const size_t nw[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    static const char *const wn[2][4] = {
        {"dW_ih", "dW_hh", "db_ih", "db_hh"}, {"dec dW_ih", "dec dW_hh", "dec db_ih", "dec db_hh"}};
    int n = 0;
    t[n++] = (tview){"h", p->h, s->h};
    if (lstm)
        t[n++] = (tview){"c", p->c, s->h};
    t[n++] = (tview){"logits", p->logits, s->logits};
    t[n++] = (tview){"loss", p->loss, 1};
    t[n++] = (tview){"dx", p->gx, s->x};
    if (s2s)
        t[n++] = (tview){"dx_dec", p->gxd, s->x_dec};
    t[n++] = (tview){"dh0", p->gh0, s->state};
    if (lstm)
        t[n++] = (tview){"dc0", p->gc0, s->state};
    for (int k = 0; k < 1 + s2s; k++)
        for (int j = 0; j < 4; j++)
            t[n++] = (tview){wn[k][j], p->cw[k][4 + j], nw[j]};
    t[n++] = (tview){"dW_hy", p->gWhy, s->W_hy};
    t[n++] = (tview){"db_y", p->gby, s->b_y};
    return n;
}

/* Train on table k (NULL: the reference). */
static rnn_status prob_train(prob *p, const rnn_kernels *k)
{
    rnn_params pa = prob_params(p);
    rnn_inputs in = prob_inputs(p);
    rnn_outputs o = prob_outputs(p);
    rnn_grads g = prob_grads(p);
    if (!k)
        return rnn_reference_train(&p->d, &pa, &in, &o, &g);
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    rnn_plan_options opt = {.isa = k->isa, .threads = 1};
    rnn_status st = rnn_plan_create(&plan, &p->d, &pa, &opt);
    if (st == RNN_OK)
        st = rnn_workspace_create(&ws, plan);
    if (st == RNN_OK)
        st = rnn_plan_train(plan, ws, &in, &o, &g);
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    return st;
}

/* Copies every input of a into b (same desc, any offsets). */
static void prob_copy_inputs(const prob *a, prob *b)
{
    const rnn_sizes *s = &a->s;
    const size_t n[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++)
            memcpy(b->cw[k][j], a->cw[k][j], n[j] * 4);
    memcpy(b->W_hy, a->W_hy, s->W_hy * 4), memcpy(b->b_y, a->b_y, s->b_y * 4);
    memcpy(b->x, a->x, s->x * 4), memcpy(b->x_dec, a->x_dec, (s->x_dec ? s->x_dec : 1) * 4);
    memcpy(b->h0, a->h0, s->state * 4), memcpy(b->c0, a->c0, s->state * 4);
    memcpy(b->targets, a->targets, s->targets * 4);
}

/* ---- sizes ---- */

/* This run's own directory (main makes it): no path here is shared with
 * another program or run, and a file a faulty write leaves behind is gone
 * with the directory. */
static char tmpdir[64];

/* tmpdir/name, in buf. */
static const char *in_tmp(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
    return buf;
}

static void test_sizes(void)
{
    section("sizes");
    const rnn_desc ok = {RNN_LSTM, RNN_MANY2MANY, 3, 0, 2, 3, 4, 3};
    struct {
        const char *what;
        rnn_desc d;
        rnn_status want;
    } cases[] = {
        {"T = 0", {RNN_LSTM, RNN_MANY2MANY, 0, 0, 2, 3, 4, 3}, RNN_ERR_SIZE},
        {"T = -1", {RNN_LSTM, RNN_MANY2MANY, -1, 0, 2, 3, 4, 3}, RNN_ERR_SIZE},
        {"B = 0", {RNN_LSTM, RNN_MANY2MANY, 3, 0, 0, 3, 4, 3}, RNN_ERR_SIZE},
        {"B = -7", {RNN_LSTM, RNN_MANY2MANY, 3, 0, -7, 3, 4, 3}, RNN_ERR_SIZE},
        {"I = 0", {RNN_LSTM, RNN_MANY2MANY, 3, 0, 2, 0, 4, 3}, RNN_ERR_SIZE},
        {"H = INT64_MIN", {RNN_LSTM, RNN_MANY2MANY, 3, 0, 2, 3, INT64_MIN, 3}, RNN_ERR_SIZE},
        {"V = -1", {RNN_LSTM, RNN_MANY2MANY, 3, 0, 2, 3, 4, -1}, RNN_ERR_SIZE},
        {"seq2seq T_out = 0", {RNN_GRU, RNN_SEQ2SEQ, 3, 0, 2, 3, 4, 3}, RNN_ERR_SIZE},
        {"seq2seq T_out = -2", {RNN_GRU, RNN_SEQ2SEQ, 3, -2, 2, 3, 4, 3}, RNN_ERR_SIZE},
        {"many2one T_out = 3", {RNN_GRU, RNN_MANY2ONE, 3, 3, 2, 3, 4, 3}, RNN_ERR_SIZE},
        {"one2one T = 2", {RNN_TANH, RNN_ONE2ONE, 2, 0, 2, 3, 4, 3}, RNN_ERR_SIZE},
        {"cell 99", {(rnn_cell)99, RNN_MANY2MANY, 3, 0, 2, 3, 4, 3}, RNN_ERR_CELL},
        {"topology -1", {RNN_LSTM, (rnn_topology)-1, 3, 0, 2, 3, 4, 3}, RNN_ERR_TOPOLOGY},
        /* T*B*H = 2^59 floats fits; T*B*(G*H+I) = 2^62 floats does not. */
        {"T*B*(G*H+I) beyond size_t",
         {RNN_LSTM, RNN_MANY2MANY, INT64_C(1) << 29, 0, INT64_C(1) << 29, 8, 2, 3},
         RNN_ERR_OVERFLOW},
        {"T*B*I beyond size_t",
         {RNN_TANH, RNN_MANY2MANY, INT64_C(1) << 31, 0, INT64_C(1) << 31, INT64_C(1) << 2, 1, 2},
         RNN_ERR_OVERFLOW},
        {"G*H*H beyond size_t", {RNN_LSTM, RNN_MANY2MANY, 1, 0, 1, 1, INT64_C(1) << 31, 2},
         RNN_ERR_OVERFLOW},
        {"V*H beyond size_t", {RNN_TANH, RNN_ONE2ONE, 1, 0, 1, 1, INT64_C(1) << 32, INT64_C(1) << 31},
         RNN_ERR_OVERFLOW},
        {"T_out*B*V beyond size_t",
         {RNN_GRU, RNN_SEQ2SEQ, 1, INT64_C(1) << 40, INT64_C(1) << 20, 1, 1, 8}, RNN_ERR_OVERFLOW},
    };
    rnn_params par = {{(const float *)&ok, (const float *)&ok, NULL, NULL},
                      {(const float *)&ok, (const float *)&ok, NULL, NULL}, NULL, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rnn_plan *plan = (rnn_plan *)&ok; /* must be reset to NULL */
        rnn_status st = rnn_plan_create(&plan, &cases[i].d, &par, NULL);
        CHECK(st == cases[i].want && plan == NULL, "plan_create, %s: %s (expected %s)",
              cases[i].what, rnn_strerror(st), rnn_strerror(cases[i].want));
        rnn_inputs in = {0};
        rnn_outputs out = {0};
        st = rnn_reference_forward(&cases[i].d, &par, &in, &out);
        CHECK(st == cases[i].want, "reference_forward, %s: %s (expected %s)", cases[i].what,
              rnn_strerror(st), rnn_strerror(cases[i].want));
    }
    /* Past INT_MAX but well inside size_t: the sizes are exact, the plan is
     * made (its weights are small), and the workspace is refused cleanly or
     * (with overcommit) granted, never a wrapped size. */
    rnn_desc big = {RNN_LSTM, RNN_MANY2MANY, INT64_C(1) << 16, 0, INT64_C(1) << 8, 64, 64, 4};
    rnn_sizes s;
    CHECK(rnn_desc_check(&big, &s) == RNN_OK && s.x == (size_t)1 << 30 &&
              s.h == (size_t)1 << 30 && s.logits == (size_t)1 << 26,
          "T*B*(I+H)*G = 2^33: sizes x %zu h %zu", s.x, s.h);
    float *w = calloc(4 * 64 * 64, sizeof *w);
    rnn_params bp = {{w, w, NULL, NULL}, {0}, NULL, NULL};
    rnn_plan *plan = NULL;
    rnn_status st = rnn_plan_create(&plan, &big, &bp, NULL);
    CHECK(st == RNN_OK, "plan of a 2^33-element problem: %s", rnn_strerror(st));
    if (st == RNN_OK) {
        rnn_workspace *ws = NULL;
        st = rnn_workspace_create(&ws, plan);
        CHECK(st == RNN_ERR_NOMEM || st == RNN_OK, "workspace of 2^35 floats: %s",
              rnn_strerror(st));
        printf("  workspace of a T*B*(I+H)*G = 2^33 problem: %s\n", rnn_strerror(st));
        rnn_workspace_destroy(ws);
    }
    rnn_plan_destroy(plan);
    free(w);
    /* Options and fills. */
    rnn_desc small = {RNN_TANH, RNN_MANY2MANY, 2, 0, 1, 2, 2, 2};
    float wt[4] = {0};
    rnn_params sp = {{wt, wt, NULL, NULL}, {0}, NULL, NULL};
    rnn_plan_options neg = {.isa = RNN_ISA_AUTO, .threads = -1},
                     bad_isa = {.isa = (rnn_isa)99, .threads = 1};
    plan = NULL;
    CHECK(rnn_plan_create(&plan, &small, &sp, &neg) == RNN_ERR_ARG && !plan, "threads -1");
    CHECK(rnn_plan_create(&plan, &small, &sp, &bad_isa) == RNN_ERR_ISA_UNKNOWN && !plan,
          "isa 99");
    float q[4];
    CHECK(rnn_fill_orthogonal(q, 0, 0, 1, 1, 1.0) == RNN_ERR_SIZE, "orthogonal n = 0");
    CHECK(rnn_fill_orthogonal(q, 2, 1, 1, 1, 1.0) == RNN_ERR_SIZE, "orthogonal ld < n");
    CHECK(rnn_fill_orthogonal(q, (size_t)1 << 20, (size_t)1 << 20, 1, 1, 1.0) ==
              RNN_ERR_OVERFLOW, "orthogonal n = 2^20");
    char err[256], never[96];
    in_tmp(never, sizeof never, "never.npy");
    int64_t negshape[2] = {2, -3};
    CHECK(rnn_npy_write(never, RNN_NPY_F32, q, 2, negshape, err, sizeof err) ==
              RNN_ERR_SIZE, "npy_write negative extent");
    CHECK(rnn_npy_write(never, RNN_NPY_F32, q, -1, negshape, err, sizeof err) ==
              RNN_ERR_ARG, "npy_write rank -1");
    int64_t hugeshape[3] = {INT64_C(1) << 30, INT64_C(1) << 30, 8};
    CHECK(rnn_npy_write(never, RNN_NPY_F32, q, 3, hugeshape, err, sizeof err) ==
              RNN_ERR_SIZE, "npy_write shape beyond size_t");
    CHECK(access(never, F_OK) != 0, "a refused npy_write created a file");
}

/* ---- NULL ---- */

static void test_nulls(void)
{
    section("nulls");
    rnn_cell c;
    rnn_topology t;
    rnn_isa isa;
    CHECK(rnn_cell_parse(NULL, &c) == RNN_ERR_CELL, "cell_parse(NULL name)");
    CHECK(rnn_cell_parse("lstm", NULL) == RNN_ERR_NULL, "cell_parse(NULL out)");
    CHECK(rnn_topology_parse(NULL, &t) == RNN_ERR_TOPOLOGY, "topology_parse(NULL name)");
    CHECK(rnn_topology_parse("seq2seq", NULL) == RNN_ERR_NULL, "topology_parse(NULL out)");
    CHECK(rnn_isa_parse(NULL, &isa) == RNN_ERR_ISA_UNKNOWN, "isa_parse(NULL name)");
    CHECK(rnn_isa_parse("avx2", NULL) == RNN_ERR_NULL, "isa_parse(NULL out)");
    CHECK(rnn_cell_parse("", &c) == RNN_ERR_CELL && rnn_cell_parse("LSTM", &c) == RNN_ERR_CELL &&
              rnn_cell_parse("lstm ", &c) == RNN_ERR_CELL,
          "cell names are exact");
    CHECK(rnn_isa_resolve(RNN_ISA_AUTO, NULL, NULL) == RNN_ERR_NULL, "isa_resolve(NULL out)");
    CHECK(rnn_kernels_get(RNN_ISA_AUTO, NULL, NULL) == RNN_ERR_NULL, "kernels_get(NULL out)");
    CHECK(rnn_isa_check((rnn_isa)77, NULL) == RNN_ERR_ISA_UNKNOWN, "isa_check(77)");
    CHECK(rnn_isa_check(RNN_ISA_AUTO, NULL) == RNN_ERR_ISA_UNKNOWN, "isa_check(auto)");
    CHECK(rnn_strerror((rnn_status)-1) != NULL && rnn_strerror(RNN_STATUS_COUNT) != NULL &&
              rnn_strerror((rnn_status)1000) != NULL,
          "strerror out of range");
    CHECK(rnn_cell_name((rnn_cell)-1) == NULL && rnn_cell_name(RNN_CELL_COUNT) == NULL &&
              rnn_topology_name((rnn_topology)9) == NULL && rnn_isa_name((rnn_isa)9) == NULL,
          "names out of range");
    CHECK(rnn_cell_gates((rnn_cell)-1) == 0 && rnn_cell_gates((rnn_cell)4) == 0, "gates(bad)");
    rnn_plan_destroy(NULL);
    rnn_workspace_destroy(NULL);
    rnn_npy_free(NULL);
    CHECK(rnn_plan_isa(NULL) == RNN_ISA_AUTO && rnn_plan_desc(NULL) == NULL, "plan getters");
    CHECK(rnn_fill_orthogonal(NULL, 2, 2, 1, 1, 1.0) == RNN_ERR_NULL, "fill_orthogonal(NULL)");
    rnn_fill_uniform(NULL, 0, 1, 1, 0, 1);
    rnn_fill_normal(NULL, 0, 1, 1, 1);
    CHECK(rnn_plan_seq_forward(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == RNN_ERR_NULL,
          "plan_seq_forward(NULL...)");
    CHECK(rnn_plan_seq_backward(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) ==
              RNN_ERR_NULL, "plan_seq_backward(NULL...)");
    rnn_desc d = {RNN_GRU, RNN_MANY2MANY, 2, 0, 1, 2, 2, 2};
    float x[8] = {0};
    rnn_cell_weights w = {x, NULL, NULL, NULL};
    CHECK(rnn_reference_seq_forward(&d, &w, x, NULL, NULL, NULL, NULL, NULL) == RNN_ERR_NULL,
          "reference_seq_forward: NULL weight_hh");
    CHECK(rnn_reference_seq_forward(&d, NULL, x, NULL, NULL, NULL, NULL, NULL) == RNN_ERR_NULL,
          "reference_seq_forward: NULL weights");
    w.weight_hh = x;
    CHECK(rnn_reference_seq_forward(&d, &w, NULL, NULL, NULL, NULL, NULL, NULL) == RNN_ERR_NULL,
          "reference_seq_forward: NULL x");
    char err[256] = "", never[96], nbin[96], xnpy[96];
    in_tmp(never, sizeof never, "never.npy");
    in_tmp(nbin, sizeof nbin, "never.bin");
    in_tmp(xnpy, sizeof xnpy, "x.npy");
    rnn_npy a;
    unsigned char *data;
    size_t len;
    CHECK(rnn_npy_parse(NULL, (const unsigned char *)x, 4, &a, err, sizeof err) == RNN_ERR_NULL, "npy_parse(NULL name)");
    CHECK(rnn_npy_parse("n", NULL, 4, &a, err, sizeof err) == RNN_ERR_NULL, "npy_parse(NULL buf)");
    CHECK(rnn_npy_parse("n", NULL, 0, &a, err, sizeof err) == RNN_ERR_FORMAT,
          "npy_parse(NULL, 0): an empty file");
    CHECK(rnn_npy_read(NULL, &a, err, sizeof err) == RNN_ERR_NULL, "npy_read(NULL)");
    CHECK(rnn_npy_read(xnpy, NULL, err, sizeof err) == RNN_ERR_NULL, "npy_read(NULL out)");
    CHECK(rnn_write_file_atomic(NULL, x, 4, err, sizeof err) == RNN_ERR_NULL, "write(NULL path)");
    CHECK(rnn_write_file_atomic(nbin, NULL, 4, NULL, 0) == RNN_ERR_NULL,
          "write(NULL data), no message buffer");
    CHECK(rnn_read_file(NULL, 10, &data, &len, err, sizeof err) == RNN_ERR_NULL, "read(NULL)");
    int64_t shape[1] = {3};
    CHECK(rnn_npy_write(never, RNN_NPY_F32, NULL, 1, shape, err, sizeof err) ==
              RNN_ERR_NULL, "npy_write(NULL data)");
    CHECK(rnn_npy_write(never, RNN_NPY_F32, x, 1, NULL, err, sizeof err) ==
              RNN_ERR_NULL, "npy_write(NULL shape)");
    CHECK(rnn_npy_write(never, (rnn_npy_dtype)7, x, 1, shape, err, sizeof err) ==
              RNN_ERR_ARG, "npy_write(dtype 7)");
    charlm_model m;
    CHECK(charlm_model_parse(&m, "m", NULL, 0, err, sizeof err) == RNN_ERR_FORMAT && !m.theta,
          "model_parse of 0 bytes");
}

/* ---- alignment ---- */

static int close_to(const float *got, const float *want, size_t n, size_t *bitdiff)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&got[i], &want[i], 4) != 0)
            (*bitdiff)++;
        double d = fabs((double)got[i] - want[i]);
        if (!(d <= 1e-5 * (1 + fabs(want[i]))))
            return 0;
    }
    return 1;
}

static void test_alignment(void)
{
    section("alignment");
    static const size_t offs[] = {1, 3, 7, 13};
    const rnn_topology topo[] = {RNN_MANY2MANY, RNN_SEQ2SEQ, RNN_ONE2MANY};
    for (int ti = 0; ti < n_tables; ti++) {
        size_t bitdiff = 0, compared = 0;
        for (int c = 0; c < RNN_CELL_COUNT; c++)
            for (int k = 0; k < 3; k++) {
                rnn_desc d = {(rnn_cell)c, topo[k], 5, topo[k] == RNN_SEQ2SEQ ? 3 : 0, 3, 11, 19, 7};
                prob base;
                prob_make(&base, d, 0);
                CHECK(prob_train(&base, tables[ti]) == RNN_OK, "aligned train");
                tview want[32];
                int nt = prob_results(&base, want);
                for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++) {
                    prob p;
                    prob_make(&p, d, offs[o]);
                    prob_copy_inputs(&base, &p);
                    rnn_status st = prob_train(&p, tables[ti]);
                    tview got[32];
                    prob_results(&p, got);
                    int ok = st == RNN_OK;
                    const char *bad = "";
                    for (int i = 0; ok && i < nt; i++) {
                        ok = close_to(got[i].v, want[i].v, want[i].n, &bitdiff);
                        compared += want[i].n;
                        if (!ok)
                            bad = want[i].name;
                    }
                    CHECK(ok, "%s %s %s: buffers at float offset %zu: %s differs (status %s)",
                          tables[ti]->name, rnn_cell_name(d.cell), rnn_topology_name(d.topology),
                          offs[o], bad, rnn_strerror(st));
                    prob_free(&p);
                }
                prob_free(&base);
            }
        printf("  %-8s train at float offsets 1 3 7 13: %zu values, %zu not bit-identical to "
               "offset 0\n", tables[ti]->name, compared, bitdiff);
    }
    /* The kernel entries themselves, at every offset 0..15 and lengths
     * around the vector widths, against the same call at offset 0. */
    for (int ti = 0; ti < n_tables; ti++) {
        const rnn_kernels *k = tables[ti];
        int bad = 0, calls = 0;
        for (size_t n = 1; n <= 41; n += (n < 18 ? 1 : 7))
            for (size_t off = 0; off < 16; off++) {
                float *x0 = malloc(n * 4), *y0 = malloc(n * 4);
                float *xb = malloc((n + off) * 4), *yb = malloc((n + off) * 4);
                float *x = xb + off, *y = yb + off;
                rnn_fill_uniform(x0, n, 3, n, -9, 9);
                memcpy(x, x0, n * 4);
                void (*f[3])(size_t, const float *, float *) = {k->vexp, k->vtanh, k->vsigmoid};
                for (int j = 0; j < 3; j++) {
                    f[j](n, x0, y0);
                    f[j](n, x, y);
                    calls++;
                    size_t dummy = 0;
                    if (!close_to(y, y0, n, &dummy))
                        bad++;
                }
                free(x0), free(y0), free(xb), free(yb);
            }
        /* gemm and the packed product with every operand at an odd offset. */
        for (size_t M = 1; M <= 9; M += 4)
            for (size_t N = 1; N <= 37; N += 9)
                for (size_t K = 1; K <= 21; K += 5) {
                    size_t off = (M + N + K) % 7 + 1;
                    float *Ab = malloc((M * K + off) * 4), *Bb = malloc((K * N + off) * 4);
                    float *Cb = malloc((M * N + off) * 4), *bias = malloc(N * 4);
                    float *A = Ab + off, *Bm = Bb + off, *C = Cb + off;
                    rnn_fill_uniform(A, M * K, 5, 1, -1, 1);
                    rnn_fill_uniform(Bm, K * N, 5, 2, -1, 1);
                    rnn_fill_uniform(bias, N, 5, 3, -1, 1);
                    /* C = A (M x K) * Bm^T, Bm stored N x K. */
                    k->gemm(0, 1, M, N, K, A, K, Bm, K, 0.0f, C, N);
                    int ok = 1;
                    for (size_t i = 0; i < M; i++)
                        for (size_t j = 0; j < N; j++) {
                            double s = 0;
                            for (size_t q = 0; q < K; q++)
                                s += (double)A[i * K + q] * Bm[j * K + q];
                            if (fabs(C[i * N + j] - s) > 1e-5 * (1 + fabs(s)))
                                ok = 0;
                        }
                    size_t ps = k->packed_size(N, K);
                    float *packed = malloc((ps ? ps : 1) * 4);
                    k->pack_nt(N, K, Bm, K, packed);
                    k->gemm_packed_nt(M, N, K, A, K, packed, bias, 0.0f, C, N);
                    for (size_t i = 0; i < M; i++)
                        for (size_t j = 0; j < N; j++) {
                            double s = bias[j];
                            for (size_t q = 0; q < K; q++)
                                s += (double)A[i * K + q] * Bm[j * K + q];
                            if (fabs(C[i * N + j] - s) > 1e-5 * (1 + fabs(s)))
                                ok = 0;
                        }
                    calls += 2;
                    bad += !ok;
                    free(Ab), free(Bb), free(Cb), free(bias), free(packed);
                }
        CHECK(bad == 0, "%s: %d of %d kernel calls at odd float offsets differ", k->name, bad,
              calls);
        printf("  %-8s vexp/vtanh/vsigmoid/gemm/gemm_packed_nt at offsets 0..15: %d calls, %d "
               "off\n", k->name, calls, bad);
    }
}

/* ---- aliasing ---- */

static int untouched(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&v[i], &(float){-12345.0f}, 4) != 0)
            return 0;
    return 1;
}

static void test_alias(void)
{
    section("alias");
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        rnn_desc d = {(rnn_cell)c, RNN_SEQ2SEQ, 3, 2, 2, 3, 5, 4};
        prob p;
        prob_make(&p, d, 0);
        rnn_params pa = prob_params(&p);
        rnn_plan *plan = NULL;
        rnn_workspace *ws = NULL;
        CHECK(rnn_plan_create(&plan, &d, &pa, NULL) == RNN_OK &&
                  rnn_workspace_create(&ws, plan) == RNN_OK, "alias: plan");
        if (!ws) {
            rnn_plan_destroy(plan);
            prob_free(&p);
            continue;
        }
        const rnn_sizes *s = &p.s;
        /* One arena: x, then h right after it (adjacent is not overlap). */
        float *arena = malloc((s->x + s->h + s->x_dec + 64) * 4);
        float *x = arena, *h = arena + s->x;
        memcpy(x, p.x, s->x * 4);
        for (size_t i = 0; i < s->h; i++)
            h[i] = -12345.0f;
        rnn_inputs in = prob_inputs(&p);
        in.x = x;
        rnn_outputs o = {h, NULL, NULL, NULL};
        CHECK(rnn_plan_forward(plan, ws, &in, &o) == RNN_OK && !untouched(h, s->h),
              "%s: h right after x is no alias", rnn_cell_name(d.cell));
        for (size_t i = 0; i < s->h; i++)
            h[i] = -12345.0f;
        /* The decoder's weight gradient over x_dec; then over the caller's
         * own weights, which the plan copied (allowed). */
        rnn_grads g = prob_grads(&p);
        float *sentinel = p.gWhy;
        for (size_t i = 0; i < s->W_hy; i++)
            sentinel[i] = -12345.0f;
        rnn_grads ga = g;
        ga.decoder.bias_hh = (float *)p.x_dec + 1;
        rnn_outputs full = prob_outputs(&p);
        full.h = h;
        CHECK(rnn_plan_train(plan, ws, &in, &full, &ga) == RNN_ERR_ALIAS,
              "%s: decoder db_hh over x_dec", rnn_cell_name(d.cell));
        CHECK(untouched(sentinel, s->W_hy) && untouched(h, s->h),
              "%s: an alias failure wrote an output", rnn_cell_name(d.cell));
        /* dx_dec over x_dec (from its third float): the decoder's input
         * gradient is checked against the inputs like dx. */
        ga = g;
        ga.x_dec = (float *)p.x_dec + 2;
        CHECK(rnn_plan_train(plan, ws, &in, &full, &ga) == RNN_ERR_ALIAS,
              "%s: dx_dec over x_dec", rnn_cell_name(d.cell));
        CHECK(untouched(sentinel, s->W_hy) && untouched(h, s->h),
              "%s: an alias failure wrote an output", rnn_cell_name(d.cell));
        ga = g;
        /* With x_dec_index, dx_dec is not produced: over the indices is no alias. */
        int32_t *idx = malloc(s->x_dec / (size_t)d.I * 4);
        for (size_t i = 0; i < s->x_dec / (size_t)d.I; i++)
            idx[i] = (int32_t)(i % (size_t)d.I);
        in.x_dec_index = idx;
        ga.x_dec = (float *)idx;
        CHECK(rnn_plan_train(plan, ws, &in, &full, &ga) == RNN_OK,
              "%s: dx_dec over x_dec_index is fine (dx_dec is not produced)", rnn_cell_name(d.cell));
        CHECK(idx[0] == 0 && idx[1] == 1 % d.I, "%s: x_dec_index was written",
              rnn_cell_name(d.cell));
        in.x_dec_index = NULL;
        free(idx);
        /* Gradients written over the caller's weights: allowed, and the
         * result equals the one from separate buffers. */
        rnn_grads gw = g;
        CHECK(rnn_plan_train(plan, ws, &in, &full, &g) == RNN_OK, "train");
        float *dWhh = malloc(s->weight_hh * 4);
        memcpy(dWhh, g.cell.weight_hh, s->weight_hh * 4);
        gw.cell.weight_hh = (float *)p.cw[0][1];
        CHECK(rnn_plan_train(plan, ws, &in, &full, &gw) == RNN_OK &&
                  memcmp(p.cw[0][1], dWhh, s->weight_hh * 4) == 0,
              "%s: dW_hh written over weight_hh (the plan's copy is used)", rnn_cell_name(d.cell));
        free(dWhh);
        /* loss inside targets. */
        rnn_outputs lo = {NULL, NULL, NULL, (float *)p.targets};
        CHECK(rnn_plan_forward(plan, ws, &in, &lo) == RNN_ERR_ALIAS, "loss over targets");
        free(arena);
        rnn_workspace_destroy(ws);
        rnn_plan_destroy(plan);
        prob_free(&p);

        /* The plain sequence API. */
        rnn_desc sd = {(rnn_cell)c, RNN_MANY2MANY, 3, 0, 2, 3, 5, 4};
        prob q;
        prob_make(&q, sd, 0);
        rnn_params qa = prob_params(&q);
        qa.W_hy = NULL;
        plan = NULL;
        ws = NULL;
        if (rnn_plan_create(&plan, &sd, &qa, NULL) == RNN_OK &&
            rnn_workspace_create(&ws, plan) == RNN_OK) {
            const rnn_sizes *qs = &q.s;
            float *gout = malloc(qs->h * 4);
            rnn_fill_uniform(gout, qs->h, 1, 1, -1, 1);
            rnn_grads qg = prob_grads(&q);
            rnn_grads bad = qg;
            bad.x = gout + 2;
            CHECK(rnn_plan_seq_backward(plan, ws, q.x, q.h0, q.c0, gout, NULL, NULL, &bad) ==
                      RNN_ERR_ALIAS, "seq_backward: dx over grad_output");
            bad = qg;
            bad.cell.bias_ih = gout + qs->h - 1;
            CHECK(rnn_plan_seq_backward(plan, ws, q.x, q.h0, q.c0, gout, NULL, NULL, &bad) ==
                      RNN_ERR_ALIAS, "seq_backward: db_ih over grad_output's last float");
            bad = qg;
            bad.h0 = q.h0;
            CHECK(rnn_plan_seq_backward(plan, ws, q.x, q.h0, q.c0, gout, NULL, NULL, &bad) ==
                      RNN_ERR_ALIAS, "seq_backward: dh0 over h0");
            /* c0 is read by lstm only: for the others an output over it is fine. */
            float *obuf = malloc(qs->h * 4);
            rnn_status st = rnn_plan_seq_forward(plan, ws, q.x, q.h0, obuf + 1, obuf, NULL, NULL);
            free(obuf);
            if (sd.cell == RNN_LSTM)
                CHECK(st == RNN_ERR_ALIAS, "lstm seq_forward: output over c0");
            else
                CHECK(st == RNN_OK, "%s seq_forward: output over the unused c0: %s",
                      rnn_cell_name(sd.cell), rnn_strerror(st));
            free(gout);
        } else {
            CHECK(0, "seq plan");
        }
        rnn_workspace_destroy(ws);
        rnn_plan_destroy(plan);
        prob_free(&q);
    }
}

/* The k-th tensor a train call writes (outputs, then gradients) of o and g,
 * its name and floats; NULL past the last or where the problem has none. */
static float **written_slot(const prob *p, rnn_outputs *o, rnn_grads *g, int k, const char **name,
                            size_t *n)
{
    static const char *const names[] = {
        "h",     "c",     "logits", "loss",  "dx",  "dx_dec",
        "dh0",   "dc0",   "dW_ih",  "dW_hh", "db_ih", "db_hh",
        "decoder dW_ih", "decoder dW_hh", "decoder db_ih", "decoder db_hh", "dW_hy", "db_y"};
    const rnn_sizes *s = &p->s;
    const int lstm = p->d.cell == RNN_LSTM, s2s = p->d.topology == RNN_SEQ2SEQ;
    if (k < 0 || k >= (int)(sizeof names / sizeof *names))
        return NULL;
    *name = names[k];
    const size_t nw[4] = {s->weight_ih, s->weight_hh, s->bias, s->bias};
    if (k >= 8 && k < 16) {
        rnn_cell_grads *cg = k < 12 ? &g->cell : &g->decoder;
        float **w[4] = {&cg->weight_ih, &cg->weight_hh, &cg->bias_ih, &cg->bias_hh};
        *n = nw[(k - 8) % 4];
        return k < 12 || s2s ? w[(k - 8) % 4] : NULL;
    }
    switch (k) {
    case 0: *n = s->h; return &o->h;
    case 1: *n = s->h; return lstm ? &o->c : NULL;
    case 2: *n = s->logits; return &o->logits;
    case 3: *n = 1; return &o->loss;
    case 4: *n = s->x; return &g->x;
    case 5: *n = s->x_dec; return s2s ? &g->x_dec : NULL;
    case 6: *n = s->state; return &g->h0;
    case 7: *n = s->state; return lstm ? &g->c0 : NULL;
    case 16: *n = s->W_hy; return &g->W_hy;
    default: *n = s->b_y; return &g->b_y;
    }
}

/* Every tensor a train call writes, placed so that only its last float is
 * x's first: RNN_ERR_ALIAS and x untouched. So the overlap check covers
 * each output and gradient to its end, whatever its size. */
static void test_alias_ends(void)
{
    section("alias at a tensor's last float");
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int s2s = 0; s2s < 2; s2s++) {
            rnn_desc d = {(rnn_cell)c, s2s ? RNN_SEQ2SEQ : RNN_MANY2ONE, 3, s2s ? 2 : 0, 2, 3, 5, 4};
            prob p;
            prob_make(&p, d, 0);
            rnn_params pa = prob_params(&p);
            rnn_plan *plan = NULL;
            rnn_workspace *ws = NULL;
            if (rnn_plan_create(&plan, &d, &pa, NULL) != RNN_OK ||
                rnn_workspace_create(&ws, plan) != RNN_OK) {
                CHECK(0, "alias ends: plan");
            } else {
                int tried = 0;
                for (int k = 0; k < 18; k++) {
                    rnn_outputs o = prob_outputs(&p);
                    rnn_grads g = prob_grads(&p);
                    const char *name;
                    size_t n;
                    float **slot = written_slot(&p, &o, &g, k, &name, &n);
                    if (!slot || !n)
                        continue;
                    /* The tensor, then x from its last float on. */
                    float *arena = malloc((n - 1 + p.s.x) * sizeof(float));
                    if (!arena) {
                        CHECK(0, "alias ends: out of memory");
                        continue;
                    }
                    float *x = arena + n - 1;
                    memcpy(x, p.x, p.s.x * sizeof(float));
                    *slot = arena;
                    rnn_inputs in = prob_inputs(&p);
                    in.x = x;
                    tried++;
                    const rnn_status st = rnn_plan_train(plan, ws, &in, &o, &g);
                    CHECK(st == RNN_ERR_ALIAS, "%s %s: %s (%zu floats) with its last float over x's first: %s",
                          rnn_cell_name(d.cell), rnn_topology_name(d.topology), name, n,
                          rnn_strerror(st));
                    CHECK(memcmp(x, p.x, p.s.x * sizeof(float)) == 0,
                          "%s %s: %s over x: x was written", rnn_cell_name(d.cell),
                          rnn_topology_name(d.topology), name);
                    free(arena);
                }
                CHECK(tried >= (s2s ? 14 : 10) + (d.cell == RNN_LSTM) * 2,
                      "alias ends: %d tensors tried", tried);
            }
            rnn_workspace_destroy(ws);
            rnn_plan_destroy(plan);
            prob_free(&p);
        }
}

/* ---- NaN and Inf ---- */

static char fclass(float v)
{
    return isnan(v) ? 'N' : isinf(v) ? (v > 0 ? '+' : '-') : 'f';
}

typedef struct {
    const char *what;
    int tensor; /* 0 x, 1 weight_hh, 2 bias_ih, 3 h0, 4 W_hy, 5 x (all), 6 weight_ih,
                 * 7 weight_hh with h0 all zeros (the forward skips a product
                 * with a zero state only when weight_hh is finite) */
    size_t at;
    float value;
} injection;

static float *inject_target(prob *p, int tensor)
{
    switch (tensor) {
    case 0: case 5: return p->x;
    case 1: case 7: return p->cw[0][1];
    case 2: return p->cw[0][2];
    case 3: return p->h0;
    case 4: return p->W_hy;
    default: return p->cw[0][0];
    }
}

static void test_nan_inf(void)
{
    section("nan/inf");
    const injection inj[] = {
        {"NaN in x[1]", 0, 1, NAN},
        {"+Inf in x[4]", 0, 4, INFINITY},
        {"-Inf in x[0]", 0, 0, -INFINITY},
        {"NaN in weight_hh[3]", 1, 3, NAN},
        {"+Inf in bias_ih[2]", 2, 2, INFINITY},
        {"-Inf in h0[1]", 3, 1, -INFINITY},
        {"NaN in W_hy[5]", 4, 5, NAN},
        {"+Inf in weight_ih[0]", 6, 0, INFINITY},
        {"every x +Inf", 5, (size_t)-1, INFINITY},
        {"NaN in weight_hh[3], h0 zero", 7, 3, NAN},
        {"+Inf in weight_hh[0], h0 zero", 7, 0, INFINITY},
    };
    const rnn_topology topo[] = {RNN_MANY2MANY, RNN_SEQ2SEQ};
    int scenarios = 0;
    for (size_t j = 0; j < sizeof inj / sizeof inj[0]; j++)
        for (int c = 0; c < RNN_CELL_COUNT; c++)
            for (int k = 0; k < 2; k++) {
                rnn_desc d = {(rnn_cell)c, topo[k], 4, topo[k] == RNN_SEQ2SEQ ? 2 : 0, 2, 5, 9, 4};
                prob ref;
                prob_make(&ref, d, 0);
                float *t = inject_target(&ref, inj[j].tensor);
                if (inj[j].tensor == 7)
                    memset(ref.h0, 0, ref.s.state * sizeof *ref.h0);
                if (inj[j].at == (size_t)-1)
                    for (size_t i = 0; i < ref.s.x; i++)
                        t[i] = inj[j].value;
                else
                    t[inj[j].at] = inj[j].value;
                CHECK(prob_train(&ref, NULL) == RNN_OK, "reference train");
                tview want[32];
                int nt = prob_results(&ref, want);
                for (int ti = 0; ti < n_tables; ti++) {
                    prob p;
                    prob_make(&p, d, 0);
                    prob_copy_inputs(&ref, &p);
                    rnn_status st = prob_train(&p, tables[ti]);
                    tview got[32];
                    prob_results(&p, got);
                    char where[160] = "";
                    for (int i = 0; st == RNN_OK && i < nt && !where[0]; i++)
                        for (size_t e = 0; e < want[i].n; e++)
                            if (fclass(got[i].v[e]) != fclass(want[i].v[e])) {
                                snprintf(where, sizeof where, "%s[%zu] is %g, the reference's %g",
                                         want[i].name, e, got[i].v[e], want[i].v[e]);
                                break;
                            }
                    CHECK(st == RNN_OK && !where[0], "%s, %s %s on %s: %s%s", inj[j].what,
                          rnn_cell_name(d.cell), rnn_topology_name(d.topology), tables[ti]->name,
                          where, st == RNN_OK ? "" : rnn_strerror(st));
                    prob_free(&p);
                }
                scenarios++;
                prob_free(&ref);
            }
    printf("  %d injections x cells x topologies, every output and gradient element's class "
           "(NaN/+Inf/-Inf/finite) vs the reference on %d tables\n", scenarios, n_tables);
    /* Kernel entries on the special values themselves. */
    const float sp[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MAX, -FLT_MAX, 1e30f, -1e30f};
    const size_t ns = sizeof sp / sizeof sp[0];
    for (int ti = 0; ti < n_tables; ti++) {
        const rnn_kernels *k = tables[ti];
        float in[40], ex[40], th[40], sg[40];
        for (size_t i = 0; i < 40; i++)
            in[i] = sp[i % ns];
        k->vexp(40, in, ex), k->vtanh(40, in, th), k->vsigmoid(40, in, sg);
        int ok = 1;
        for (size_t i = 0; i < 40; i++) {
            float v = in[i];
            if (isnan(v))
                ok &= isnan(ex[i]) && isnan(th[i]) && isnan(sg[i]);
            else if (v == 0)
                ok &= ex[i] == 1.0f && th[i] == 0.0f && sg[i] == 0.5f;
            else if (v > 0)
                ok &= isinf(ex[i]) && ex[i] > 0 && th[i] == 1.0f && sg[i] == 1.0f;
            else
                ok &= ex[i] == 0.0f && th[i] == -1.0f && sg[i] == 0.0f;
            if (!ok) {
                printf("  %s: at %g: exp %g tanh %g sigmoid %g\n", k->name, v, ex[i], th[i], sg[i]);
                break;
            }
        }
        CHECK(ok, "%s: vexp/vtanh/vsigmoid on NaN, +-Inf, +-0, +-FLT_MAX, +-1e30", k->name);
    }
}

/* ---- saturation through the cells ---- */

static void test_saturation(void)
{
    section("saturation");
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, 4, 0, 3, 6, 10, 3};
        prob ref;
        prob_make(&ref, d, 0);
        for (size_t i = 0; i < ref.s.x; i++)
            ref.x[i] = (i % 3 == 1 ? -1e30f : 1e30f) * (1 + (float)(i % 5));
        memset(ref.h0, 0, ref.s.state * 4);
        memset(ref.c0, 0, ref.s.state * 4);
        CHECK(prob_train(&ref, NULL) == RNN_OK, "reference");
        /* Every gate is saturated: tanh and sigmoid give exactly +-1, 0, 1,
         * so rnn_tanh's and both GRUs' h, and lstm's c, are exact. */
        int exact_ok = 1;
        const float *exact = d.cell == RNN_LSTM ? ref.c : ref.h;
        for (size_t i = 0; i < ref.s.h; i++)
            if (exact[i] != roundf(exact[i]))
                exact_ok = 0;
        CHECK(exact_ok, "%s: the reference's saturated %s is not integral",
              rnn_cell_name(d.cell), d.cell == RNN_LSTM ? "c" : "h");
        for (int ti = 0; ti < n_tables; ti++) {
            prob p;
            prob_make(&p, d, 0);
            prob_copy_inputs(&ref, &p);
            rnn_status st = prob_train(&p, tables[ti]);
            const float *got = d.cell == RNN_LSTM ? p.c : p.h;
            CHECK(st == RNN_OK && memcmp(got, exact, ref.s.h * 4) == 0,
                  "%s on %s: saturated %s differs from the reference's exact values",
                  rnn_cell_name(d.cell), tables[ti]->name, d.cell == RNN_LSTM ? "c" : "h");
            int finite = 1;
            tview t[32];
            int nt = prob_results(&p, t);
            for (int i = 0; i < nt; i++)
                for (size_t e = 0; e < t[i].n; e++)
                    finite &= isfinite(t[i].v[e]);
            CHECK(finite, "%s on %s: a saturated train produced a non-finite value",
                  rnn_cell_name(d.cell), tables[ti]->name);
            prob_free(&p);
        }
        prob_free(&ref);
    }
    for (int ti = 0; ti < n_tables; ti++) {
        const rnn_kernels *k = tables[ti];
        float in[24], th[24], sg[24];
        for (int i = 0; i < 24; i++)
            in[i] = (i % 2 ? -1 : 1) * (i < 8 ? 50.0f : i < 16 ? 1e6f : 3e38f);
        k->vtanh(24, in, th);
        k->vsigmoid(24, in, sg);
        int ok = 1;
        for (int i = 0; i < 24; i++) {
            ok &= th[i] == (in[i] > 0 ? 1.0f : -1.0f);
            /* sigmoid(-50) = 2e-22 is a normal float: exact 0 only from -1e6 on. */
            ok &= in[i] > 0 ? sg[i] == 1.0f : (in[i] < -100 ? sg[i] == 0.0f : sg[i] < 1e-21f);
        }
        CHECK(ok, "%s: tanh(+-50, +-1e6, +-3e38) not exactly +-1, or sigmoid not 1 / 0", k->name);
    }
}

/* ---- denormals ---- */

static void test_denormals(void)
{
    section("denormals");
    const float dn[] = {1e-40f, -1e-40f, 1.4e-45f, -1.4e-45f, FLT_MIN / 2, 1e-39f};
    for (int ti = 0; ti < n_tables; ti++) {
        const rnn_kernels *k = tables[ti];
        float in[36], ex[36], th[36], sg[36];
        for (int i = 0; i < 36; i++)
            in[i] = dn[i % 6];
        k->vexp(36, in, ex), k->vtanh(36, in, th), k->vsigmoid(36, in, sg);
        int ok = 1;
        for (int i = 0; i < 36; i++)
            ok &= ex[i] == 1.0f && sg[i] == 0.5f && fabsf(th[i] - in[i]) <= FLT_MIN;
        CHECK(ok, "%s: exp, sigmoid, tanh of subnormals not 1, 0.5, x (or 0)", k->name);
    }
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int which = 0; which < 2; which++) {
            rnn_desc d = {(rnn_cell)c, RNN_MANY2ONE, 5, 0, 2, 4, 7, 3};
            prob ref;
            prob_make(&ref, d, 0);
            /* which 0: subnormal inputs and state; 1: subnormal recurrent weights. */
            if (which == 0) {
                for (size_t i = 0; i < ref.s.x; i++)
                    ref.x[i] *= 1e-39f;
                for (size_t i = 0; i < ref.s.state; i++)
                    ref.h0[i] *= 1e-39f, ref.c0[i] *= 1e-39f;
            } else {
                for (size_t i = 0; i < ref.s.weight_hh; i++)
                    ref.cw[0][1][i] *= 1e-39f;
            }
            CHECK(prob_train(&ref, NULL) == RNN_OK, "reference");
            tview want[32];
            int nt = prob_results(&ref, want);
            const double K = (double)(d.I + d.H), S = (double)d.T;
            for (int ti = 0; ti < n_tables; ti++) {
                prob p;
                prob_make(&p, d, 0);
                prob_copy_inputs(&ref, &p);
                rnn_status st = prob_train(&p, tables[ti]);
                tview got[32];
                prob_results(&p, got);
                const char *bad = NULL;
                double worst = 0;
                for (int i = 0; st == RNN_OK && i < nt; i++) {
                    int grad = i >= (d.cell == RNN_LSTM ? 4 : 3);
                    double tol = rnn_tolerance(grad ? RNN_TOL_GRADIENT : RNN_TOL_FORWARD,
                                               K + (grad ? (double)d.V : 0), S);
                    rnn_compare_result r = rnn_compare(got[i].v, want[i].v, want[i].n, tol);
                    /* A tensor that is all zeros or subnormal in the reference
                     * has no scale: then only an absolute bound applies. */
                    double mx = 0, md = 0;
                    for (size_t e = 0; e < want[i].n; e++) {
                        mx = fmax(mx, fabs(want[i].v[e]));
                        md = fmax(md, fabs((double)got[i].v[e] - want[i].v[e]));
                    }
                    int ok = mx < 1e-30 ? md <= 1e-30 : r.frac < 1;
                    if (isfinite(r.frac) && mx >= 1e-30)
                        worst = fmax(worst, r.frac);
                    if (!ok && !bad)
                        bad = want[i].name;
                }
                CHECK(st == RNN_OK && !bad, "%s on %s, subnormal %s: %s outside tolerance",
                      rnn_cell_name(d.cell), tables[ti]->name, which ? "weight_hh" : "inputs",
                      bad ? bad : rnn_strerror(st));
                prob_free(&p);
            }
            prob_free(&ref);
        }
    /* Nothing left the FPU flushing subnormals to zero (FTZ/DAZ). */
    volatile float a = 1e-39f, half = 0.5f;
    volatile float b = a * half;
    CHECK(b != 0.0f && b < a, "subnormal arithmetic flushed after the kernels ran: %g", b);
}

/* ---- .npy files test_npy.c does not cover ---- */

static size_t npy_bytes(unsigned char *buf, int major, const char *hdr, size_t data)
{
    size_t hl = strlen(hdr), pre = major == 1 ? 10 : 12;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major, buf[7] = 0;
    buf[8] = (unsigned char)hl, buf[9] = (unsigned char)(hl >> 8);
    if (major != 1)
        buf[10] = 0, buf[11] = 0;
    memcpy(buf + pre, hdr, hl);
    memset(buf + pre + hl, 0, data);
    return pre + hl + data;
}

static void expect_npy(const char *what, const unsigned char *b, size_t n, const char *needle)
{
    char path[128], err[600] = "", err2[600] = "";
    snprintf(path, sizeof path, "%s/h.npy", tmpdir);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    rnn_npy a;
    rnn_status s1 = rnn_npy_parse(path, b, n, &a, err, sizeof err);
    rnn_status s2 = rnn_npy_read(path, &a, err2, sizeof err2);
    CHECK(s1 == RNN_ERR_FORMAT && s2 == RNN_ERR_FORMAT && strstr(err, needle) &&
              strcmp(err, err2) == 0,
          "npy %s: %s / %s (wanted '%s')", what, err, err2, needle);
    printf("  %-28s %s\n", what, err + strlen(tmpdir) + 1);
}

static void test_npy_more(void)
{
    section("npy");
    unsigned char *b = calloc(1, 20000);
    char hdr[400];
    strcpy(hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < 33; i++)
        strcat(hdr, "1, ");
    strcat(hdr, "), }");
    expect_npy("33 axes", b, npy_bytes(b, 1, hdr, 4), "more than 32 axes");
    expect_npy("extent 2^70", b,
               npy_bytes(b, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': "
                               "(1180591620717411303424,), }", 0), "too large");
    size_t n = npy_bytes(b, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
    b[8] = b[9] = b[10] = b[11] = 0xff;
    expect_npy("v2 header length 2^32-1", b, n, "larger than the 10000 bytes");
    n = npy_bytes(b, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
    b[10 + 20] = '\0'; /* a NUL inside the key 'fortran_order' */
    expect_npy("NUL in the header", b, n, "unexpected key");
    expect_npy("trailing text (fuzz find)", b,
               npy_bytes(b, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\xa0", 4),
               "unexpected text after the header's dict");
    expect_npy("unterminated string", b,
               npy_bytes(b, 1, "{'descr': '<f4, 'fortran_order': False, 'shape': (), }", 4),
               "malformed");
    expect_npy("shape (3) is not a tuple", b,
               npy_bytes(b, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", 12),
               "not a tuple");
    expect_npy("header length 0", b, npy_bytes(b, 1, "", 0), "not a Python dict");
    expect_npy("empty dict", b, npy_bytes(b, 1, "{}", 0), "lacks 'descr'");
    free(b);
    /* Devices and directories are not regular files: refused, never read
     * forever (/dev/zero) or mistaken for empty (/dev/null). */
    const char *dev[] = {"/dev/zero", "/dev/null", "/", "/proc/self/status"};
    for (int i = 0; i < 4; i++) {
        rnn_npy a;
        char err[300] = "";
        rnn_status st = rnn_npy_read(dev[i], &a, err, sizeof err);
        CHECK(st != RNN_OK && strstr(err, dev[i]) && a.data == NULL, "npy_read %s: %s", dev[i],
              err);
        printf("  %-28s %s\n", dev[i], err);
    }
    /* A FIFO: opening it for reading would wait for a writer forever, so
     * every reader refuses it without blocking (the alarm catches a hang). */
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/fifo.npy", tmpdir);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
    rnn_npy a;
    char err[700] = "";
    rnn_status st = rnn_npy_read(fifo, &a, err, sizeof err);
    CHECK(st == RNN_ERR_IO && strstr(err, "FIFO") && a.data == NULL, "npy_read FIFO: %s", err);
    printf("  %-28s %s\n", "a FIFO", err + strlen(tmpdir) + 1);
    unsigned char *data = NULL;
    size_t len = 0;
    st = rnn_read_file(fifo, 100, &data, &len, err, sizeof err);
    CHECK(st == RNN_ERR_IO && strstr(err, "FIFO") && !data, "read_file FIFO: %s", err);
    FILE *f = NULL;
    st = rnn_open_regular(tmpdir, "r", &f, err, sizeof err);
    CHECK(st == RNN_ERR_IO && strstr(err, "is a directory") && !f, "open_regular dir: %s", err);
    st = rnn_open_regular(fifo, "r", &f, err, sizeof err);
    CHECK(st == RNN_ERR_IO && errno == EINVAL && !f, "open_regular FIFO: %s", err);
    snprintf(fifo, sizeof fifo, "%s/absent", tmpdir);
    st = rnn_open_regular(fifo, "r", &f, err, sizeof err);
    CHECK(st == RNN_ERR_IO && errno == ENOENT && !f, "open_regular absent: %s", err);
}

/* ---- charlm model files ---- */

static void fix_hash(unsigned char *b, size_t n)
{
    uint64_t h = XXH3_64bits(b, n - 8);
    for (int i = 0; i < 8; i++)
        b[n - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void expect_model(const char *what, const unsigned char *b, size_t n, const char *needle)
{
    charlm_model m;
    char err[400] = "";
    rnn_status st = charlm_model_parse(&m, "m.model", b, n, err, sizeof err);
    CHECK(st == RNN_ERR_FORMAT && strstr(err, needle) && !m.theta, "model %s: %s (wanted '%s')",
          what, err, needle);
    if (st == RNN_OK)
        charlm_model_free(&m);
}

static void test_model(void)
{
    section("model");
    charlm_model m;
    CHECK(charlm_model_alloc(&m, RNN_GRU, 3, 4) == RNN_OK, "alloc");
    for (int i = 0; i < 4; i++)
        m.vocab[i] = (unsigned char)('a' + i);
    rnn_fill_uniform(m.theta, m.at.total, 1, 1, -1, 1);
    m.steps = 0x123456789ull; /* above 2^32: both halves of the field */
    m.loss = 1.375f;
    char path[128], err[400];
    snprintf(path, sizeof path, "%s/good.model", tmpdir);
    CHECK(charlm_model_save(&m, path, err, sizeof err) == RNN_OK, "save: %s", err);
    unsigned char *good;
    size_t n;
    CHECK(rnn_read_file(path, 1 << 20, &good, &n, err, sizeof err) == RNN_OK, "read back");
    charlm_model back;
    CHECK(charlm_model_parse(&back, "m.model", good, n, err, sizeof err) == RNN_OK &&
              memcmp(back.theta, m.theta, m.at.total * 4) == 0,
          "a good model parses to the same weights: %s", err);
    CHECK(back.cell == m.cell && back.H == m.H && back.V == m.V &&
              memcmp(back.vocab, m.vocab, 4) == 0 && back.steps == m.steps &&
              back.loss == m.loss,
          "a good model parses to the same header: %s H %lld V %lld, %llu steps, loss %g",
          rnn_cell_name(back.cell), (long long)back.H, (long long)back.V,
          (unsigned long long)back.steps, back.loss);
    charlm_model_free(&back);
    /* Cut short at every length; a cut called shorter than the header is. */
    int cut_ok = 1;
    size_t header_said = 0, header_wrong = 0;
    for (size_t len = 0; len < n; len++) {
        rnn_status st = charlm_model_parse(&back, "m.model", good, len, err, sizeof err);
        if (st != RNN_ERR_FORMAT || back.theta ||
            !(strstr(err, "truncated") || strstr(err, "not an rnnsimd")))
            cut_ok = 0;
        const char *h = strstr(err, "shorter than the ");
        size_t header = 0;
        if (h && sscanf(h, "shorter than the %zu-byte header", &header) == 1 && len >= header)
            header_wrong = len;
        if (header)
            header_said = header;
    }
    CHECK(cut_ok, "a model cut short was not refused as truncated (%zu lengths)", n);
    CHECK(header_said && !header_wrong,
          "a model cut at %zu bytes was called shorter than the header (header said: %zu bytes)",
          header_wrong, header_said);
    unsigned char *b = malloc(n + 1);
    struct {
        const char *what;
        size_t at;
        uint32_t value;
        int hash;
        const char *needle;
    } lies[] = {
        {"version 0", 8, 0, 1, "model format version 0; this build reads version 1"},
        {"version 2", 8, 2, 1, "model format version 2"},
        {"version 2^32-1", 8, 0xffffffffu, 1, "model format version 4294967295"},
        {"cell 4", 12, 4, 1, "bad header: cell 4"},
        {"H 0", 16, 0, 1, "bad header"},
        {"H 8193", 16, 8193, 1, "bad header"},
        {"V 0", 20, 0, 1, "bad header"},
        {"V 257", 20, 257, 1, "bad header"},
        {"H 4 (the sizes lie)", 16, 4, 1, "truncated"},
        {"reserved field", 36, 1, 1, "reserved field"},
        {"vocabulary not increasing", 40, 0x61626261u, 1, "bad vocabulary"},
        {"vocabulary repeats a byte", 40, 0x63626161u, 1, "bad vocabulary"},
        {"NaN weight", 44 + 4 * 7, 0x7fc00000u, 1, "not finite"},
        {"+Inf weight", 44, 0x7f800000u, 1, "not finite"},
        {"a flipped byte", 60, 0x12345678u, 0, "damaged"},
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        memcpy(b, good, n);
        for (int k = 0; k < 4; k++)
            b[lies[i].at + (size_t)k] = (unsigned char)(lies[i].value >> (8 * k));
        if (lies[i].hash)
            fix_hash(b, n);
        expect_model(lies[i].what, b, n, lies[i].needle);
    }
    memcpy(b, good, n);
    b[n] = 0;
    expect_model("a trailing byte", b, n + 1, "trailing bytes");
    free(b);
    free(good);
    charlm_model_free(&m);
}

/* ---- a full disk and unwritable places ---- */

static int entries(const char *d)
{
    DIR *dp = opendir(d);
    int k = 0;
    struct dirent *e;
    while (dp && (e = readdir(dp)))
        k += e->d_name[0] != '.';
    if (dp)
        closedir(dp);
    return k;
}

static void test_output(void)
{
    section("output");
    char path[128], err[400];
    float small[4] = {1, 2, 3, 4};
    int64_t s4[1] = {4};
    snprintf(path, sizeof path, "%s/out/keep.npy", tmpdir);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/out", tmpdir);
    mkdir(dir, 0755);
    CHECK(rnn_npy_write(path, RNN_NPY_F32, small, 1, s4, err, sizeof err) == RNN_OK, "%s", err);
    /* A file is read whole up to the limit its caller gives, one byte more
     * is refused by name. */
    unsigned char *data;
    size_t len, size = 0;
    struct stat st_keep;
    if (stat(path, &st_keep) == 0)
        size = (size_t)st_keep.st_size;
    CHECK(size > 0 && rnn_read_file(path, size, &data, &len, err, sizeof err) == RNN_OK &&
              len == size,
          "a file of exactly the allowed %zu bytes: %s", size, err);
    if (len == size)
        free(data);
    rnn_status rst = rnn_read_file(path, size - 1, &data, &len, err, sizeof err);
    CHECK(rst == RNN_ERR_SIZE && strstr(err, path) && strstr(err, "more than the"),
          "a file one byte over the limit: %s %s", rnn_strerror(rst), err);
    /* Replacing a file keeps its permissions; a new file has 0666 less the
     * umask, as any program's. */
    chmod(path, 0640);
    CHECK(rnn_npy_write(path, RNN_NPY_F32, small, 1, s4, err, sizeof err) == RNN_OK &&
              stat(path, &st_keep) == 0 && (st_keep.st_mode & 07777) == 0640,
          "a replaced file's mode is %o, not the 0640 it had", (unsigned)(st_keep.st_mode & 07777));
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/out/fresh.npy", tmpdir);
    const mode_t mask = umask(027);
    CHECK(rnn_npy_write(fresh, RNN_NPY_F32, small, 1, s4, err, sizeof err) == RNN_OK &&
              stat(fresh, &st_keep) == 0 && (st_keep.st_mode & 07777) == 0640,
          "a new file's mode is %o under umask 027, not 0640",
          (unsigned)(st_keep.st_mode & 07777));
    unlink(fresh);
    umask(0);
    CHECK(rnn_npy_write(fresh, RNN_NPY_F32, small, 1, s4, err, sizeof err) == RNN_OK &&
              stat(fresh, &st_keep) == 0 && (st_keep.st_mode & 07777) == 0666,
          "a new file's mode is %o under umask 0, not 0666", (unsigned)(st_keep.st_mode & 07777));
    unlink(fresh);
    umask(mask);
    int before = entries(dir);
    /* A full disk: the file size limit makes write() fail (EFBIG) as ENOSPC
     * would, without root or a small file system. */
    size_t big_n = 1 << 16;
    float *big = calloc(big_n, 4);
    int64_t sb[1] = {(int64_t)big_n};
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 8192;
    signal(SIGXFSZ, SIG_IGN);
    fflush(stdout); /* stdout may be a file: print nothing while the limit holds */
    char msg_npy[400] = "", msg_model[400] = "";
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        rnn_status st = rnn_npy_write(path, RNN_NPY_F32, big, 1, sb, err, sizeof err);
        CHECK(st == RNN_ERR_IO && strstr(err, path) && strstr(err, "write failed"),
              "npy_write on a full disk: %s %s", rnn_strerror(st), err);
        snprintf(msg_npy, sizeof msg_npy, "%s", err);
        st = rnn_write_file_atomic(path, big, big_n * 4, err, sizeof err);
        CHECK(st == RNN_ERR_IO, "write_file_atomic on a full disk: %s", rnn_strerror(st));
        charlm_model m;
        charlm_model_alloc(&m, RNN_LSTM, 40, 64);
        for (int i = 0; i < 64; i++)
            m.vocab[i] = (unsigned char)i;
        snprintf(path, sizeof path, "%s/out/keep.model", tmpdir);
        st = charlm_model_save(&m, path, err, sizeof err);
        CHECK(st == RNN_ERR_IO && access(path, F_OK) != 0, "model save on a full disk: %s", err);
        snprintf(msg_model, sizeof msg_model, "%s", err);
        charlm_model_free(&m);
        setrlimit(RLIMIT_FSIZE, &old);
        printf("  full disk (npy):        %s\n  full disk (model):      %s\n", msg_npy, msg_model);
        snprintf(path, sizeof path, "%s/out/keep.npy", tmpdir);
        rnn_npy a;
        st = rnn_npy_read(path, &a, err, sizeof err);
        CHECK(st == RNN_OK && a.count == 4 && memcmp(a.data, small, 16) == 0,
              "the good file was damaged by the failed writes: %s", err);
        if (st == RNN_OK)
            rnn_npy_free(&a);
        CHECK(entries(dir) == before, "a failed write left %d files (expected %d)", entries(dir),
              before);
    } else {
        printf("  note: setrlimit(RLIMIT_FSIZE) refused; full-disk case not run\n");
    }
    free(big);
    /* Places nothing can be created, even as root. */
    char notdir[160];
    snprintf(notdir, sizeof notdir, "%s/out/keep.npy/x.npy", tmpdir);
    const char *bad[] = {notdir, "/proc/self/rnnsimd.npy", "/nonexistent-dir/x.npy"};
    for (int i = 0; i < 3; i++) {
        rnn_status st = rnn_npy_write(bad[i], RNN_NPY_F32, small, 1, s4, err, sizeof err);
        CHECK(st == RNN_ERR_IO && strstr(err, bad[i]) && strstr(err, "cannot create"),
              "write to %s: %s", bad[i], err);
        printf("  unwritable:             %s\n", err);
    }
    /* A FIFO (as a device would be) where the file goes: the rename would
     * replace it with a plain file, so every atomic writer refuses it and
     * leaves it a FIFO. */
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/out/fifo.npy", tmpdir);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
    rnn_status fst = rnn_npy_write(fifo, RNN_NPY_F32, small, 1, s4, err, sizeof err);
    CHECK(fst == RNN_ERR_IO && strstr(err, "not a regular file"), "npy_write over a FIFO: %s",
          err);
    printf("  over a FIFO:            %s\n", err + strlen(tmpdir) + 1);
    fst = rnn_write_file_atomic(fifo, small, sizeof small, err, sizeof err);
    struct stat fsb;
    CHECK(fst == RNN_ERR_IO && stat(fifo, &fsb) == 0 && S_ISFIFO(fsb.st_mode),
          "write_file_atomic over a FIFO: %s", err);
    unlink(fifo);
    if (geteuid() != 0) {
        chmod(dir, 0555);
        rnn_status st = rnn_npy_write(path, RNN_NPY_F32, small, 1, s4, err, sizeof err);
        CHECK(st == RNN_ERR_IO, "write into a read-only directory: %s", err);
        chmod(dir, 0755);
    }
}

int main(void)
{
    alarm(600); /* a hang fails the run instead of stalling it */
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t && n_tables < MAX_TABLES; t++) {
        const char *why = NULL;
        if (rnn_isa_check((*t)->isa, &why) == RNN_OK)
            tables[n_tables++] = *t;
        else
            printf("skip table %s: %s\n", (*t)->name, why ? why : "unsupported");
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rnnsimd_hostile_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_sizes();
    test_nulls();
    test_alignment();
    test_alias();
    test_alias_ends();
    test_nan_inf();
    test_saturation();
    test_denormals();
    test_npy_more();
    test_model();
    test_output();
    section(NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", tmpdir);
    return check_summary();
}
