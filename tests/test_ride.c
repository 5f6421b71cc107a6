/* test_ride.c — the fused batch-1 step (kernels.h gemv_ride, driven by
 * core/projection_ride.c) changes the schedule, never the bits.
 *
 * Kernel: for every table with gemv_ride that this CPU runs, the GEMV part
 * must give gemm_packed_nt(1, ...)'s bits (bias and beta 0, or beta 1, in
 * either stream order) and the ride's columns gemm_packed_nt(R rows, ...)'s
 * bits, for rides of 8 and of 16 rows, at depths across the 512-deep K blocks (1 to 1500) and widths with
 * vector tails, whether the ride outlasts the GEMV or not; nothing outside
 * the columns and rows given may change.
 *
 * Driver (when the CPU's best table has gemv_ride): batch-1 forward and
 * train calls on one thread (fused: the test checks that the plan takes
 * that path) must equal the two-thread calls of
 * the same plan (which split hidden units and hoist the projection) bit for
 * bit in h, c, logits, loss and dx, for every cell, in many2one, many2many
 * (and the plain sequence calls) and seq2seq, T 16, 17, 21, 33 and 40
 * (full blocks, partial blocks of one row, five and eight), I 24 and 600,
 * H 64 and 160, in blocks of 8 and of 16 rows (forced; the planner's are
 * one of them; the test checks that 16 rides from T 32 on, and below only
 * in forward calls); and so must one thread with
 * the fused step turned off (rnn_plan_options.no_fused_step, which the
 * test checks keeps the plan off that path). The fused runs ask for the
 * fused step (rnn_plan_options.fused_step_always). */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "drivers.h"

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static float *floats(size_t n, uint64_t stream)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (p)
        rnn_fill_uniform(p, n, 21, stream, -1.0f, 1.0f);
    return p;
}

/* ---- kernel ---- */

static void kernel_case(const rnn_kernels *k, size_t R, size_t N, size_t K, size_t N2,
                        size_t K2, size_t chunk, int beta)
{
    const size_t ldy = N2 + 5;
    float *W = floats(N * K, 1), *W2 = floats(N2 * K2, 2), *bias = floats(N, 3);
    float *bias2 = floats(N2, 4), *a = floats(K, 5), *X = floats(R * K2, 6);
    float *packed = rnn_alloc_floats(k->packed_size(N ? N : 1, K));
    float *packed2 = rnn_alloc_floats(k->packed_size(N2, K2));
    float *xk = malloc(R * K2 * sizeof *xk), *init = floats(N + 1, 7);
    float *want = malloc((N + 1) * sizeof *want), *got = malloc((N + 1) * sizeof *got);
    float *Yw = floats((R + 1) * ldy, 8), *Yg = malloc((R + 1) * ldy * sizeof *Yg);
    if (!W || !W2 || !bias || !bias2 || !a || !X || !packed || !packed2 || !xk || !init || !want ||
        !got || !Yw || !Yg) {
        CHECK(0, "out of memory");
        exit(check_summary());
    }
    k->pack_nt(N, K, W, K, packed);
    k->pack_nt(N2, K2, W2, K2, packed2);
    for (size_t kk = 0; kk < K2; kk++)
        for (size_t i = 0; i < R; i++)
            xk[kk * R + i] = X[i * K2 + kk];
    memcpy(want, init, (N + 1) * sizeof *want);
    memcpy(Yg, Yw, (R + 1) * ldy * sizeof *Yg);
    const float *b = beta ? NULL : bias;
    if (N)
        k->gemm_packed_nt(1, N, K, a, K, packed, b, (float)beta, want, N);
    k->gemm_packed_nt(R, N2, K2, X, K2, packed2, bias2, 0.0f, Yw, ldy);
    /* The driver's split: R steps, each its share of the 16-column vectors. */
    const size_t nv = (N2 + 15) / 16;
    int gemv_ok = 1;
    for (size_t q = 0; q < R; q++) {
        const size_t c1 = (q + 1) * nv / R * 16;
        const rnn_ride r = {R, K2, q * nv / R * 16, c1 < N2 ? c1 : N2, ldy, xk, packed2, bias2, Yg};
        memcpy(got, init, (N + 1) * sizeof *got);
        /* Both panel groups (a schedule choice: the same bits). */
        k->gemv_ride(N, K, a, packed, b, (float)beta, got, chunk, q & 1 ? 2 : 4, &r);
        gemv_ok &= same_bits(got, want, N + 1);
    }
    CHECK(gemv_ok, "%s N %zu K %zu chunk %zu beta %d (ride of %zu rows, N2 %zu K2 %zu): the "
          "GEMV's bits differ from gemm_packed_nt's, or it wrote past column N", k->name, N, K,
          chunk, beta, R, N2, K2);
    CHECK(same_bits(Yg, Yw, (R + 1) * ldy),
          "%s ride of %zu rows, N2 %zu K2 %zu (GEMV N %zu K %zu chunk %zu): Y differs from the "
          "GEMM's bits or was written outside its rows and columns", k->name, R, N2, K2, N, K,
          chunk);
    free(W), free(W2), free(bias), free(bias2), free(a), free(X), free(packed), free(packed2);
    free(xk), free(init), free(want), free(got), free(Yw), free(Yg);
}

static int kernel_tests(void)
{
    static const size_t Ns[] = {0, 33, 1024};
    static const size_t Ks[] = {1, 7, 256};
    static const size_t N2s[] = {16, 33, 100, 1024};
    static const size_t K2s[] = {1, 5, 256, 513, 1000, 1500};
    int tables = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_kernels *k = *t;
        if (!k->gemv_ride || rnn_isa_check(k->isa, NULL) != RNN_OK)
            continue;
        tables++;
        for (size_t R = RNN_RIDE_ROWS_MIN; R <= RNN_RIDE_ROWS_MAX; R *= 2)
            for (size_t n = 0; n < sizeof Ns / sizeof *Ns; n++)
                for (size_t kk = 0; kk < sizeof Ks / sizeof *Ks; kk++)
                    for (size_t n2 = 0; n2 < sizeof N2s / sizeof *N2s; n2++)
                        for (size_t k2 = 0; k2 < sizeof K2s / sizeof *K2s; k2++)
                            for (int v = 0; v < 4; v++)
                                kernel_case(k, R, Ns[n], Ks[kk], N2s[n2], K2s[k2],
                                            v & 1 ? 2 : 0, v >> 1);
    }
    return tables;
}

/* The bf16 ride (bf16_gemv_ride): the same cases on the bf16 products, the
 * GEMV against bf16_gemm_packed_nt(1, ...) and the ride against
 * bf16_gemm_packed_nt(R rows, ...), xk the rows' pair words. */
static void kernel_case_bf16(const rnn_kernels *k, size_t R, size_t N, size_t K, size_t N2,
                             size_t K2, size_t chunk, int beta)
{
    const size_t ldy = N2 + 5, P2 = (K2 + 1) / 2;
    float *W = floats(N * K, 1), *W2 = floats(N2 * K2, 2), *bias = floats(N, 3);
    float *bias2 = floats(N2, 4), *a = floats(K, 5), *X = floats(R * K2, 6);
    rnn_bf16x2 *packed = malloc(rnn_bf16_packed_size(N ? N : 1, K) * sizeof *packed);
    rnn_bf16x2 *packed2 = malloc(rnn_bf16_packed_size(N2, K2) * sizeof *packed2);
    rnn_bf16x2 *xk = malloc(R * P2 * sizeof *xk), *row = malloc(P2 * sizeof *row);
    float *init = floats(N + 1, 7), *want = malloc((N + 1) * sizeof *want);
    float *got = malloc((N + 1) * sizeof *got);
    float *Yw = floats((R + 1) * ldy, 8), *Yg = malloc((R + 1) * ldy * sizeof *Yg);
    if (!W || !W2 || !bias || !bias2 || !a || !X || !packed || !packed2 || !xk || !row ||
        !init || !want || !got || !Yw || !Yg) {
        CHECK(0, "out of memory");
        exit(check_summary());
    }
    rnn_bf16_pack(N, K, W, K, packed);
    rnn_bf16_pack(N2, K2, W2, K2, packed2);
    for (size_t i = 0; i < R; i++) {
        rnn_bf16_pairs(K2, X + i * K2, row);
        for (size_t j = 0; j < P2; j++)
            xk[j * R + i] = row[j];
    }
    memcpy(want, init, (N + 1) * sizeof *want);
    memcpy(Yg, Yw, (R + 1) * ldy * sizeof *Yg);
    const float *b = beta ? NULL : bias;
    if (N)
        k->bf16_gemm_packed_nt(1, N, K, a, K, packed, b, (float)beta, want, N);
    k->bf16_gemm_packed_nt(R, N2, K2, X, K2, packed2, bias2, 0.0f, Yw, ldy);
    const size_t nv = (N2 + 15) / 16;
    int gemv_ok = 1;
    for (size_t q = 0; q < R; q++) {
        const size_t c1 = (q + 1) * nv / R * 16;
        const rnn_ride r = {R, K2, q * nv / R * 16, c1 < N2 ? c1 : N2, ldy,
                            (const float *)(const void *)xk,
                            (const float *)(const void *)packed2, bias2, Yg};
        memcpy(got, init, (N + 1) * sizeof *got);
        k->bf16_gemv_ride(N, K, a, packed, b, (float)beta, got, chunk, &r);
        gemv_ok &= same_bits(got, want, N + 1);
    }
    /* And with nothing riding. */
    memcpy(got, init, (N + 1) * sizeof *got);
    k->bf16_gemv_ride(N, K, a, packed, b, (float)beta, got, chunk, NULL);
    gemv_ok &= same_bits(got, want, N + 1);
    CHECK(gemv_ok, "%s bf16 N %zu K %zu chunk %zu beta %d (ride of %zu rows, N2 %zu K2 %zu): "
          "the GEMV's bits differ from bf16_gemm_packed_nt's, or it wrote past column N",
          k->name, N, K, chunk, beta, R, N2, K2);
    CHECK(same_bits(Yg, Yw, (R + 1) * ldy),
          "%s bf16 ride of %zu rows, N2 %zu K2 %zu (GEMV N %zu K %zu chunk %zu): Y differs from "
          "the GEMM's bits or was written outside its rows and columns", k->name, R, N2, K2, N,
          K, chunk);
    free(W), free(W2), free(bias), free(bias2), free(a), free(X), free(packed), free(packed2);
    free(xk), free(row), free(init), free(want), free(got), free(Yw), free(Yg);
}

static int kernel_tests_bf16(void)
{
    static const size_t Ns[] = {0, 33, 1024};
    static const size_t Ks[] = {1, 7, 256};
    static const size_t N2s[] = {16, 33, 100, 1024};
    static const size_t K2s[] = {1, 5, 256, 513, 1000, 1500};
    int tables = 0;
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        const rnn_kernels *k = *t;
        if (!k->bf16_gemv_ride || rnn_isa_check(k->isa, NULL) != RNN_OK ||
            (k->bf16_feature && !rnn_cpu_feature_usable(k->bf16_feature)))
            continue;
        tables++;
        for (size_t R = RNN_RIDE_ROWS_MIN; R <= RNN_RIDE_ROWS_MAX; R *= 2) {
            for (size_t n = 0; n < sizeof Ns / sizeof *Ns; n++)
                for (size_t kk = 0; kk < sizeof Ks / sizeof *Ks; kk++)
                    for (size_t n2 = 0; n2 < sizeof N2s / sizeof *N2s; n2++)
                        for (size_t k2 = 0; k2 < sizeof K2s / sizeof *K2s; k2++)
                            for (int v = 0; v < 4; v++)
                                kernel_case_bf16(k, R, Ns[n], Ks[kk], N2s[n2], K2s[k2],
                                                 v & 1 ? 2 : 0, v >> 1);
            /* A GEMV deeper than its 4096 pair words on the stack: the
             * chains continue across the blocks, the ride across both. */
            for (int v = 0; v < 4; v++)
                kernel_case_bf16(k, R, 100, 8195, 100, 600, v & 1 ? 3 : 0, v >> 1);
        }
    }
    return tables;
}

/* ---- driver ---- */

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *w, *x, *x_dec;
    int32_t *targets;
    rnn_params prm;
} problem;

static int problem_make(problem *pb, rnn_cell cell, rnn_topology topo, int64_t T, int64_t I,
                        int64_t H)
{
    memset(pb, 0, sizeof *pb);
    pb->d = (rnn_desc){cell, topo, T, topo == RNN_SEQ2SEQ ? 18 : 0, 1, I, H, 7};
    if (rnn_desc_check(&pb->d, &pb->s) != RNN_OK)
        return -1;
    const rnn_sizes *s = &pb->s;
    const size_t per = s->weight_ih + s->weight_hh + 2 * s->bias;
    pb->w = floats(2 * per + s->W_hy + s->b_y, 31);
    pb->x = floats(s->x, 32);
    pb->x_dec = floats(s->x_dec, 33);
    pb->targets = calloc(s->targets, sizeof *pb->targets);
    if (!pb->w || !pb->x || !pb->x_dec || !pb->targets)
        return -1;
    for (size_t i = 0; i < s->targets; i++)
        pb->targets[i] = (int32_t)(i * 5 % 7);
    /* Small weights: the states stay in tanh's sensitive range. */
    for (size_t i = 0; i < 2 * per + s->W_hy + s->b_y; i++)
        pb->w[i] *= 0.2f;
    float *q = pb->w;
    rnn_cell_weights *cw[2] = {&pb->prm.cell, &pb->prm.decoder};
    for (int c = 0; c < 2; c++) {
        cw[c]->weight_ih = q, q += s->weight_ih;
        cw[c]->weight_hh = q, q += s->weight_hh;
        cw[c]->bias_ih = q, q += s->bias;
        cw[c]->bias_hh = q, q += s->bias;
    }
    pb->prm.W_hy = q, q += s->W_hy;
    pb->prm.b_y = q;
    return 0;
}

static void problem_free(problem *pb)
{
    free(pb->w), free(pb->x), free(pb->x_dec), free(pb->targets);
}

/* What one call writes: h, c, logits, loss, dx, dx_dec. */
enum { O_H, O_C, O_LOGITS, O_LOSS, O_DX, O_DXD, O_COUNT };
static const char *const out_name[O_COUNT] = {"h", "c", "logits", "loss", "dx", "dx_dec"};

typedef struct {
    float *t[O_COUNT];
    size_t n[O_COUNT];
} outs;

static int outs_make(outs *o, const problem *pb)
{
    const rnn_sizes *s = &pb->s;
    const size_t n[O_COUNT] = {s->h, pb->d.cell == RNN_LSTM ? s->h : 0, s->logits, 1, s->x,
                               s->x_dec};
    for (int i = 0; i < O_COUNT; i++) {
        o->n[i] = n[i];
        o->t[i] = calloc(n[i] ? n[i] : 1, sizeof(float));
        if (!o->t[i])
            return -1;
    }
    return 0;
}

static void outs_free(outs *o)
{
    for (int i = 0; i < O_COUNT; i++)
        free(o->t[i]);
}

/* Runs mode 0 forward, 1 train, 2 the plain sequence's backward, with
 * `threads`, and the ride's blocks of `rows` (0: the planner's); 0 on
 * success. *fused: whether the one-thread plan's run is the fused one. */
static int run(const problem *pb, rnn_dtype dtype, int threads, int no_fused, size_t rows,
               int mode, outs *o, int *fused)
{
    /* The fused run forces the fused step: the planner's rules may keep the
     * projection hoisted on this machine (docs/design.md §12). */
    const rnn_plan_options opt = {.isa = RNN_ISA_AUTO, .threads = threads,
                                  .no_fused_step = no_fused,
                                  .fused_step_always = !no_fused && threads == 1,
                                  .dtype = dtype};
    rnn_plan *p = NULL;
    rnn_workspace *ws = NULL;
    int rc = -1;
    /* A NaN workspace: what an earlier run left in recycled memory cannot
     * stand in for what this one fails to compute. */
    if (rnn_plan_create(&p, &pb->d, &pb->prm, &opt) != RNN_OK ||
        rnn_workspace_create(&ws, p) != RNN_OK || rnn_workspace_poison(ws) != RNN_OK)
        goto done;
    if (rows) {
        rnn_tunables t = p->tune.v;
        t.ride_rows = rows;
        rnn_tune_set(p, &t);
    }
    const rnn_thread one = {0, 1, NULL};
    *fused = rnn_fused_projection(p, pb->s.x / (size_t)pb->d.I, 1, &one);
    const rnn_sizes *s = &pb->s;
    float *gw = calloc(2 * (s->weight_ih + s->weight_hh + 2 * s->bias) + s->W_hy + s->b_y +
                       2 * s->state, sizeof *gw);
    if (!gw)
        goto done;
    float *q = gw;
    rnn_grads g = {o->t[O_DX], s->x_dec ? o->t[O_DXD] : NULL, NULL, NULL, {0}, {0}, NULL, NULL};
    rnn_cell_grads *cg[2] = {&g.cell, &g.decoder};
    for (int c = 0; c < 2; c++) {
        cg[c]->weight_ih = q, q += s->weight_ih;
        cg[c]->weight_hh = q, q += s->weight_hh;
        cg[c]->bias_ih = q, q += s->bias;
        cg[c]->bias_hh = q, q += s->bias;
    }
    g.W_hy = q, q += s->W_hy;
    g.b_y = q, q += s->b_y;
    g.h0 = q, q += s->state;
    g.c0 = pb->d.cell == RNN_LSTM ? q : NULL;
    const rnn_inputs in = {pb->x, NULL, s->x_dec ? pb->x_dec : NULL, NULL, NULL, NULL,
                           pb->targets};
    rnn_outputs out = {o->t[O_H], o->n[O_C] ? o->t[O_C] : NULL, o->t[O_LOGITS], o->t[O_LOSS]};
    rnn_status st;
    if (mode == 0) {
        st = rnn_plan_forward(p, ws, &in, &out);
    } else if (mode == 1) {
        st = rnn_plan_train(p, ws, &in, &out, &g);
    } else {
        /* Upstream gradient on every output: the logits buffer is big enough. */
        float *dy = floats(s->h, 34);
        st = dy ? rnn_plan_seq_forward(p, ws, pb->x, NULL, NULL, o->t[O_H], NULL, NULL)
                : RNN_ERR_NOMEM;
        if (st == RNN_OK)
            st = rnn_plan_seq_backward(p, ws, pb->x, NULL, NULL, dy, NULL, NULL, &g);
        free(dy);
    }
    free(gw);
    rc = st == RNN_OK ? 0 : -1;
done:
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(p);
    return rc;
}

static int driver_tests(rnn_dtype dtype)
{
    static const rnn_topology topos[] = {RNN_MANY2ONE, RNN_MANY2MANY, RNN_SEQ2SEQ};
    static const int64_t Ts[] = {16, 17, 21, 33, 40}, Is[] = {24, 600}, Hs[] = {64, 160, 37};
    /* The planner's rows are one of these (fused_step_always: 16 from T 32
     * on where the FMAs are full width, else 8). */
    static const size_t rows_of[] = {RNN_RIDE_ROWS_MIN, RNN_RIDE_ROWS_MAX};
    int fused_runs = 0, fused16 = 0;
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (size_t tp = 0; tp < sizeof topos / sizeof *topos; tp++)
            for (size_t ti = 0; ti < sizeof Ts / sizeof *Ts; ti++)
                for (size_t ii = 0; ii < 2; ii++)
                    for (size_t hi = 0; hi < sizeof Hs / sizeof *Hs; hi++) {
                        /* The largest shapes once per cell and topology; H 37
                         * once too: G*H is then never a multiple of 16, so the
                         * ride's last vector of columns is partial. */
                        if (Hs[hi] == 160 && (ti != 2 || ii != 1))
                            continue;
                        if (Hs[hi] == 37 && (ti != 3 || ii != 0))
                            continue;
                        problem pb;
                        if (problem_make(&pb, (rnn_cell)c, topos[tp], Ts[ti], Is[ii], Hs[hi])) {
                            CHECK(0, "problem setup");
                            problem_free(&pb);
                            continue;
                        }
                        const int modes = topos[tp] == RNN_MANY2MANY ? 3 : 2;
                        for (int mode = 0; mode < modes; mode++) {
                            outs o2, o3;
                            int f2 = 0, f3 = 0;
                            const int ok = !outs_make(&o2, &pb) && !outs_make(&o3, &pb) &&
                                           !run(&pb, dtype, 2, 0, 0, mode, &o2, &f2) &&
                                           !run(&pb, dtype, 1, 1, 0, mode, &o3, &f3);
                            char label[160];
                            snprintf(label, sizeof label, "%s %s %s T%lld I%lld H%lld mode %d",
                                     rnn_dtype_name(dtype), rnn_cell_name(pb.d.cell),
                                     rnn_topology_name(pb.d.topology), (long long)pb.d.T,
                                     (long long)pb.d.I, (long long)pb.d.H, mode);
                            CHECK(ok, "%s: a call failed", label);
                            CHECK(!ok || !f3, "%s: no_fused_step 1 still fused", label);
                            for (size_t r = 0; ok && r < sizeof rows_of / sizeof *rows_of; r++) {
                                /* Below T 32, 16 rows cannot ride: the forward
                                 * alone checks that they do not. */
                                if (rows_of[r] == RNN_RIDE_ROWS_MAX && pb.d.T < 32 && mode)
                                    continue;
                                outs o1;
                                int f1 = 0;
                                const int ok1 = !outs_make(&o1, &pb) &&
                                                !run(&pb, dtype, 1, 0, rows_of[r], mode, &o1,
                                                     &f1);
                                CHECK(ok1, "%s rows %zu: a call failed", label, rows_of[r]);
                                /* Two blocks of 16 rows from T 32 on (one2many
                                 * projects B rows: never ridden). */
                                if (ok1 && rows_of[r] == RNN_RIDE_ROWS_MAX)
                                    CHECK(f1 == (pb.d.T >= 32 && pb.d.topology != RNN_ONE2MANY),
                                          "%s: fused %d with 16-row blocks", label, f1);
                                fused_runs += ok1 && f1;
                                fused16 += ok1 && f1 && rows_of[r] == RNN_RIDE_ROWS_MAX;
                                for (int i = 0; ok1 && i < O_COUNT; i++) {
                                    /* Forward writes no gradients; the plain
                                     * sequence no logits. */
                                    if ((mode == 0 && i >= O_DX) ||
                                        (mode == 2 && i == O_LOGITS) ||
                                        (mode == 2 && i == O_LOSS) || !o1.n[i])
                                        continue;
                                    CHECK(same_bits(o1.t[i], o2.t[i], o1.n[i]),
                                          "%s rows %zu: %s differs between the fused "
                                          "one-thread run and the two-thread run",
                                          label, rows_of[r], out_name[i]);
                                    CHECK(same_bits(o1.t[i], o3.t[i], o1.n[i]),
                                          "%s rows %zu: %s differs between the fused "
                                          "one-thread run and the one with no_fused_step",
                                          label, rows_of[r], out_name[i]);
                                }
                                outs_free(&o1);
                            }
                            outs_free(&o2);
                            outs_free(&o3);
                        }
                        problem_free(&pb);
                    }
    CHECK(fused16 > 0, "no run rode in blocks of 16 rows");
    return fused_runs;
}

int main(void)
{
    const int tables = kernel_tests();
    printf("%d tables with gemv_ride\n", tables);
    printf("%d tables with bf16_gemv_ride usable here\n", kernel_tests_bf16());
    /* The plans use the best table: the driver must fuse when it has
     * gemv_ride. Without one there is nothing to compare (and other tables'
     * two-thread runs need not match one thread bit for bit: neon's do not). */
    const rnn_kernels *best = NULL;
    if (rnn_kernels_get(RNN_ISA_AUTO, &best, NULL) == RNN_OK && best->gemv_ride) {
        const int fused = driver_tests(RNN_DTYPE_F32);
        printf("%d fused runs\n", fused);
        CHECK(fused > 0, "the %s table has gemv_ride but no run was fused", best->name);
    } else {
        printf("driver tests skipped: the %s table has no gemv_ride\n", best ? best->name : "?");
    }
    /* bf16 plans on the same table, where it has bf16_gemv_ride and the CPU
     * its feature (BPTT's dx never rides there: only the forward's). */
    if (best && best->bf16_gemv_ride &&
        rnn_dtype_check(RNN_DTYPE_BF16, best->isa, NULL) == RNN_OK) {
        const int fused = driver_tests(RNN_DTYPE_BF16);
        printf("%d fused bf16 runs\n", fused);
        CHECK(fused > 0, "the %s table has bf16_gemv_ride but no bf16 run was fused",
              best->name);
    } else {
        printf("bf16 driver tests skipped: the %s table has no usable bf16_gemv_ride\n",
               best ? best->name : "?");
    }
    return check_summary();
}
