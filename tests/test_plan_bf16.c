/* test_plan_bf16.c — bf16 plans (rnn_plan_options.dtype; docs/design.md §8):
 *   1. the option's refusals: a dtype out of range, a table without bf16
 *      products (avx2), a CPU feature RNNSIMD_CPU_MASK hides;
 *      rnn_dtype_check's sentences; fused_step_always accepted;
 *   2. every cell x topology (and a two-layer bidirectional stack), forward
 *      and train, odd widths, one-hot and dense inputs: the generic table
 *      and every other x86 table with bf16 give the same bits (the bf16
 *      products' contract: x86's vdpbf16ps and generic's exact emulation
 *      of it), two threads the bits of one, RNN_TUNE_MEASURE those of
 *      ESTIMATE, and a second call those of the first;
 *   3. the data type is really used: every result is near the float32
 *      plan's (within 2^-4 of the largest value of all) and some differ.
 * The accuracy of bf16 plans against the reference is conformance's (bf16
 * cases, their own tolerance). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "kernels.h"
#include "rnnsimd_reference.h"

static float *alloc_f(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* One problem's parameters and inputs, every cell's weights in one buffer. */
typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *weights; /* per cell: w_ih (its width), w_hh, b_ih, b_hh */
    rnn_cell_weights cells[8], dec_cells[8];
    float *W_hy, *b_y, *x, *x_dec;
    int32_t *x_index, *targets;
    rnn_params p;
    rnn_inputs in;
    char what[128];
} problem;

static void problem_make(problem *pr, rnn_cell cell, rnn_topology topo, int64_t T, int64_t B,
                         int64_t I, int64_t H, int64_t L, int bidir, int one_hot, uint64_t seed)
{
    memset(pr, 0, sizeof *pr);
    pr->d = (rnn_desc){cell, topo, topo == RNN_ONE2ONE ? 1 : T, topo == RNN_SEQ2SEQ ? 3 : 0,
                       B, I, H, 11, L, bidir};
    if (rnn_desc_check(&pr->d, &pr->s) != RNN_OK) {
        fprintf(stderr, "bad test shape\n");
        exit(2);
    }
    const rnn_sizes *s = &pr->s;
    const size_t cells = s->cells, dec = topo == RNN_SEQ2SEQ ? s->layers : 0;
    const size_t per = s->weight_ih + s->weight_ih_upper + s->weight_hh + 2 * s->bias;
    pr->weights = alloc_f((cells + dec) * per);
    rnn_fill_uniform(pr->weights, (cells + dec) * per, seed, 1, -0.4f, 0.4f);
    float *w = pr->weights;
    for (size_t k = 0; k < cells + dec; k++) {
        const int is_dec = k >= cells;
        const size_t l = is_dec ? k - cells : k / s->directions;
        /* a decoder's upper layers read H-wide inputs: G*H x H, as weight_hh */
        const size_t ih = l == 0 ? s->weight_ih : is_dec ? s->weight_hh : s->weight_ih_upper;
        rnn_cell_weights cw = {w, w + ih, w + ih + s->weight_hh, w + ih + s->weight_hh + s->bias};
        w += ih + s->weight_hh + 2 * s->bias;
        if (is_dec)
            pr->dec_cells[l] = cw;
        else
            pr->cells[k] = cw;
    }
    pr->W_hy = alloc_f(s->W_hy);
    pr->b_y = alloc_f(s->b_y);
    pr->x = alloc_f(s->x);
    pr->x_dec = alloc_f(s->x_dec);
    pr->x_index = calloc(s->x + s->x_dec + 1, sizeof(int32_t));
    pr->targets = calloc(s->targets, sizeof(int32_t));
    rnn_fill_uniform(pr->W_hy, s->W_hy, seed, 2, -0.3f, 0.3f);
    rnn_fill_uniform(pr->b_y, s->b_y, seed, 3, -0.3f, 0.3f);
    rnn_fill_uniform(pr->x, s->x, seed, 4, -1.0f, 1.0f);
    rnn_fill_uniform(pr->x_dec, s->x_dec, seed, 5, -1.0f, 1.0f);
    for (size_t i = 0; i < s->x + s->x_dec; i++)
        pr->x_index[i] = (int32_t)(rnn_prng_u64(seed, 6, i) % (uint64_t)I);
    for (size_t i = 0; i < s->targets; i++)
        pr->targets[i] = (int32_t)(rnn_prng_u64(seed, 7, i) % (uint64_t)pr->d.V);
    if (cells > 1) {
        pr->p.layers = pr->cells;
        if (dec)
            pr->p.decoder_layers = pr->dec_cells;
    } else {
        pr->p.cell = pr->cells[0];
        pr->p.decoder = pr->dec_cells[0];
    }
    pr->p.W_hy = pr->W_hy;
    pr->p.b_y = pr->b_y;
    pr->in.x = one_hot ? NULL : pr->x;
    pr->in.x_index = one_hot ? pr->x_index : NULL;
    if (topo == RNN_SEQ2SEQ) {
        pr->in.x_dec = one_hot ? NULL : pr->x_dec;
        pr->in.x_dec_index = one_hot ? pr->x_index + s->x : NULL;
    }
    pr->in.targets = pr->targets;
    snprintf(pr->what, sizeof pr->what, "%s/%s T%lld B%lld I%lld H%lld L%lld%s%s",
             rnn_cell_name(cell), rnn_topology_name(topo), (long long)pr->d.T, (long long)B,
             (long long)I, (long long)H, (long long)L, bidir ? " bidir" : "",
             one_hot ? " one-hot" : "");
}

static void problem_free(problem *pr)
{
    free(pr->weights);
    free(pr->W_hy);
    free(pr->b_y);
    free(pr->x);
    free(pr->x_dec);
    free(pr->x_index);
    free(pr->targets);
}

/* Every output and gradient of one train call, flattened; *n its length.
 * NULL (and a message) when a step fails. */
static float *run(const problem *pr, const rnn_plan_options *o, size_t *n)
{
    const rnn_sizes *s = &pr->s;
    const size_t cells = s->cells, dec = pr->d.topology == RNN_SEQ2SEQ ? s->layers : 0;
    const size_t per = s->weight_ih + s->weight_ih_upper + s->weight_hh + 2 * s->bias;
    const size_t total = s->h + s->logits + 1 + s->x + s->x_dec + s->W_hy + s->b_y +
                         (cells + dec) * per;
    float *out = alloc_f(total);
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    rnn_status st = rnn_plan_create(&plan, &pr->d, &pr->p, o);
    if (st == RNN_OK)
        st = rnn_workspace_create(&ws, plan);
    if (st != RNN_OK) {
        CHECK(0, "%s: plan or workspace: %s", pr->what, rnn_strerror(st));
        rnn_plan_destroy(plan);
        free(out);
        return NULL;
    }
    float *f = out;
    rnn_outputs op = {f, NULL, f + s->h, f + s->h + s->logits};
    f += s->h + s->logits + 1;
    rnn_grads g = {0};
    g.x = pr->in.x_index ? NULL : f;
    f += s->x;
    g.x_dec = pr->in.x_dec_index ? NULL : f;
    f += s->x_dec;
    g.W_hy = f;
    f += s->W_hy;
    g.b_y = f;
    f += s->b_y;
    rnn_cell_grads cg[16];
    for (size_t k = 0; k < cells + dec; k++) {
        const int is_dec = k >= cells;
        const size_t l = is_dec ? k - cells : k / s->directions;
        const size_t ih = l == 0 ? s->weight_ih : is_dec ? s->weight_hh : s->weight_ih_upper;
        cg[k] = (rnn_cell_grads){f, f + ih, f + ih + s->weight_hh,
                                 f + ih + s->weight_hh + s->bias};
        f += per;
    }
    if (cells > 1) {
        g.layers = cg;
        if (dec)
            g.decoder_layers = cg + cells;
    } else {
        g.cell = cg[0];
        g.decoder = cg[1];
    }
    st = rnn_plan_train(plan, ws, &pr->in, &op, &g);
    CHECK(st == RNN_OK, "%s: train: %s", pr->what, rnn_strerror(st));
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    *n = total;
    return out;
}

static size_t differing(const float *a, const float *b, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += memcmp(a + i, b + i, sizeof *a) != 0;
    return d;
}

/* Whether this CPU and OS have the feature (RNNSIMD_CPU_MASK not applied). */
static int feature_present(const char *feature)
{
    int present = 0;
    const char *name;
    for (size_t i = 0; (name = rnn_cpu_feature(i, &present)); i++)
        if (strcmp(name, feature) == 0)
            return present;
    return 0;
}

static void check_refusals(void)
{
    rnn_desc d = {RNN_LSTM, RNN_MANY2ONE, 3, 0, 1, 5, 6, 4, 0, 0};
    rnn_sizes s;
    rnn_desc_check(&d, &s);
    float *w = alloc_f(s.weight_ih + s.weight_hh + s.W_hy);
    rnn_params p = {{w, w + s.weight_ih, NULL, NULL}, {0}, w + s.weight_ih + s.weight_hh, NULL,
                    NULL, NULL};
    rnn_plan *plan = NULL;
    rnn_plan_options o = {.isa = RNN_ISA_GENERIC, .dtype = (rnn_dtype)RNN_DTYPE_COUNT};
    CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_ERR_ARG && !plan, "dtype out of range");
    o.dtype = (rnn_dtype)-1;
    CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_ERR_ARG && !plan, "dtype -1");
    /* fused_step_always asks for the fused step where it applies: generic
     * has no bf16_gemv_ride, so the plan hoists (tests/test_ride.c checks
     * the tables that have one). */
    o = (rnn_plan_options){.isa = RNN_ISA_GENERIC, .dtype = RNN_DTYPE_BF16,
                           .fused_step_always = 1};
    char line0[512] = "";
    CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_OK && plan &&
              rnn_plan_describe(plan, line0, sizeof line0) == RNN_OK &&
              strstr(line0, "fused_fwd=0"),
          "generic bf16 with fused_step_always: %s", line0);
    rnn_plan_destroy(plan);
    plan = NULL;
    o.fused_step_always = 0;
    CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_OK && plan, "a generic bf16 plan");
    char line[512] = "";
    CHECK(plan && rnn_plan_describe(plan, line, sizeof line) == RNN_OK &&
              strstr(line, " dtype=bf16 ") && strstr(line, "fused_fwd=0"),
          "describe: %s", line);
    rnn_plan_destroy(plan);
    plan = NULL;

    const char *why = NULL;
    CHECK(rnn_dtype_check(RNN_DTYPE_F32, RNN_ISA_GENERIC, &why) == RNN_OK && !why, "f32");
    CHECK(rnn_dtype_check(RNN_DTYPE_BF16, RNN_ISA_GENERIC, &why) == RNN_OK, "bf16 generic");
    CHECK(rnn_dtype_check(RNN_DTYPE_COUNT, RNN_ISA_GENERIC, &why) == RNN_ERR_ARG, "range");
    rnn_dtype t;
    CHECK(rnn_dtype_parse("bf16", &t) == RNN_OK && t == RNN_DTYPE_BF16 &&
              rnn_dtype_parse("float32", &t) == RNN_OK && t == RNN_DTYPE_F32 &&
              rnn_dtype_parse("f16", &t) == RNN_ERR_ARG && rnn_dtype_parse(NULL, &t) == RNN_ERR_ARG &&
              strcmp(rnn_dtype_name(RNN_DTYPE_F32), "f32") == 0 && !rnn_dtype_name(RNN_DTYPE_COUNT),
          "dtype names");
    if (rnn_isa_check(RNN_ISA_AVX2, NULL) == RNN_OK) {
        o.isa = RNN_ISA_AVX2;
        CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_ERR_ISA_UNSUPPORTED && !plan,
              "avx2 has no bf16 products");
        CHECK(rnn_dtype_check(RNN_DTYPE_BF16, RNN_ISA_AVX2, &why) == RNN_ERR_ISA_UNSUPPORTED &&
                  why && strstr(why, "avx2"),
              "avx2 why: %s", why ? why : "(null)");
    }
    /* A table whose bf16 feature this CPU lacks (an Arm core before
     * Armv8.6, an AVX-512 core without AVX512-BF16, or RNNSIMD_CPU_MASK
     * set for the whole run) refuses bf16 plans, naming the feature, and
     * the mask only where the CPU has the feature; where the feature is
     * usable, hiding it turns it into that refusal. */
    for (const rnn_kernels *const *k = rnn_kernel_tables(); *k; k++) {
        if (!(*k)->bf16_feature || rnn_isa_check((*k)->isa, NULL) != RNN_OK)
            continue;
        o.isa = (*k)->isa;
        if (!rnn_cpu_feature_usable((*k)->bf16_feature)) {
            CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_ERR_ISA_UNSUPPORTED && !plan,
                  "%s without %s", (*k)->name, (*k)->bf16_feature);
            const int hidden = feature_present((*k)->bf16_feature);
            CHECK(rnn_dtype_check(RNN_DTYPE_BF16, (*k)->isa, &why) == RNN_ERR_ISA_UNSUPPORTED &&
                      why && strstr(why, (*k)->bf16_feature) &&
                      !strstr(why, "RNNSIMD_CPU_MASK") == !hidden,
                  "%s lacks: why %s", (*k)->name, why ? why : "(null)");
            printf("%s bf16: %s\n", (*k)->name, why ? why : "");
            continue;
        }
        setenv("RNNSIMD_CPU_MASK", (*k)->bf16_feature, 1);
        CHECK(rnn_plan_create(&plan, &d, &p, &o) == RNN_ERR_ISA_UNSUPPORTED && !plan,
              "%s with %s masked", (*k)->name, (*k)->bf16_feature);
        CHECK(rnn_dtype_check(RNN_DTYPE_BF16, (*k)->isa, &why) == RNN_ERR_ISA_UNSUPPORTED &&
                  why && strstr(why, (*k)->bf16_feature) && strstr(why, "RNNSIMD_CPU_MASK"),
              "%s masked: why %s", (*k)->name, why ? why : "(null)");
        unsetenv("RNNSIMD_CPU_MASK");
        printf("%s bf16 masked: %s\n", (*k)->name, why ? why : "");
    }
    free(w);
}

/* The tables besides generic whose bf16 products this CPU runs and whose
 * bits must equal generic's (x86: vdpbf16ps). */
static int bitwise_tables(const rnn_kernels **out)
{
    int n = 0;
    for (const rnn_kernels *const *k = rnn_kernel_tables(); *k; k++)
        if ((*k)->isa != RNN_ISA_GENERIC && (*k)->isa != RNN_ISA_NEON &&
            rnn_dtype_check(RNN_DTYPE_BF16, (*k)->isa, NULL) == RNN_OK)
            out[n++] = *k;
    return n;
}

static void check_problem(const problem *pr, const rnn_kernels **tables, int nt)
{
    size_t n = 0, m = 0;
    const rnn_plan_options gen = {.isa = RNN_ISA_GENERIC, .dtype = RNN_DTYPE_BF16};
    float *ref = run(pr, &gen, &n);
    float *f32 = run(pr, &(rnn_plan_options){.isa = RNN_ISA_GENERIC}, &m);
    if (!ref || !f32 || n != m) {
        free(ref);
        free(f32);
        return;
    }
    /* Near float32, not equal to it. */
    double big = 0, worst = 0;
    for (size_t i = 0; i < n; i++)
        big = fmax(big, fabs((double)f32[i]));
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)ref[i] - (double)f32[i]));
    CHECK(worst <= big / 16 && differing(ref, f32, n) > 0,
          "%s: bf16 vs f32: largest difference %g of %g, %zu of %zu differ", pr->what, worst,
          big, differing(ref, f32, n), n);
    float *again = run(pr, &gen, &m);
    CHECK(again && differing(again, ref, n) == 0, "%s: generic bf16 twice", pr->what);
    free(again);
    for (int t = 0; t < nt; t++) {
        const rnn_plan_options opts[] = {
            {.isa = tables[t]->isa, .dtype = RNN_DTYPE_BF16},
            {.isa = tables[t]->isa, .dtype = RNN_DTYPE_BF16, .threads = 2},
            {.isa = tables[t]->isa, .dtype = RNN_DTYPE_BF16, .tuning = RNN_TUNE_MEASURE},
        };
        static const char *const how[] = {"", " 2 threads", " measured"};
        for (int i = 0; i < 3; i++) {
            float *got = run(pr, &opts[i], &m);
            if (got)
                CHECK(m == n && differing(got, ref, n) == 0, "%s: %s%s: %zu of %zu differ from generic",
                      pr->what, tables[t]->name, how[i], differing(got, ref, n), n);
            free(got);
        }
    }
    free(ref);
    free(f32);
}

int main(void)
{
    check_refusals();
    const rnn_kernels *tables[8];
    const int nt = bitwise_tables(tables);
    int cases = 0;
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++)
            for (int v = 0; v < 4; v++) {
                /* batch 1 (the GEMV), 5 (rows), 4 with one-hot, 2 with H a
                 * multiple of the bf16 panel (two threads split the units) */
                static const int64_t Bs[] = {1, 5, 4, 2}, Hs[] = {37, 20, 64, 64},
                                     Is[] = {7, 33, 9, 15};
                problem pr;
                problem_make(&pr, (rnn_cell)c, (rnn_topology)t, 6, Bs[v], Is[v], Hs[v], 1, 0,
                             v == 2, 1000 + (uint64_t)(c * 31 + t * 7 + v));
                check_problem(&pr, tables, nt);
                problem_free(&pr);
                cases++;
            }
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        problem pr;
        problem_make(&pr, (rnn_cell)c, RNN_MANY2MANY, 5, 4, 9, 24, 2, 1, 0, 77 + (uint64_t)c);
        check_problem(&pr, tables, nt);
        problem_free(&pr);
        problem_make(&pr, (rnn_cell)c, RNN_SEQ2SEQ, 4, 1, 9, 40, 2, 0, 0, 88 + (uint64_t)c);
        check_problem(&pr, tables, nt);
        problem_free(&pr);
        cases += 2;
    }
    printf("%d bf16 problems x generic and %d other table(s)\n", cases, nt);
    return check_summary();
}
