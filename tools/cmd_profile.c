/* cmd_profile.c — `rnnsimd profile SPEC`: where the calls of one plan spend
 * their time. A plan of SPEC with synthetic weights and inputs (plan_spec.c)
 * runs two untimed calls, then N calls with its workspace's timing on
 * (rnn_workspace_timing), and the sums come out per call, part by part, with
 * each part's rate where the problem is one cell (one layer, one direction):
 * the GEMMs' GFLOP/s, the batch-1 products' W_hh bytes a second, the gate
 * kernels' ns a hidden unit and batch row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "tools.h"

static const char profile_usage[] =
    "usage: rnnsimd profile SPEC [--mode fwd|train] [--calls N] [--isa ISA]\n"
    "                       [--dtype f32|bf16] [--threads 1|2] [--tune estimate|measure]\n"
    "                       [--alone]\n"
    "\n"
    "Times calls of one problem's plan (synthetic weights and inputs, a fixed seed)\n"
    "with its workspace's timing on (rnn_workspace_timing) and prints what a call\n"
    "spends, on average, in each part: the input projection hoisted out of the time\n"
    "loop, the forward steps' recurrent products and gate kernels, the output head,\n"
    "and in training BPTT's gate kernels and products and the weight gradients;\n"
    "`other` is the rest of the call. Each part is timed around whole kernel calls\n"
    "(about 40 ns of clock reads apiece, which the parts of small batch-1 steps\n"
    "carry). Where SPEC is one cell, each part's rate too. Nothing else should run\n"
    "on the machine meanwhile; the timings are the calling thread's.\n"
    "\n"
    "  SPEC          CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi][:V<n>],\n"
    "                as `rnnsimd info --plan`, e.g. lstm:many2one:T64:B64:I256:H256:V256\n"
    "                (the benchmark's judged rows have V = 256; V defaults to 1)\n"
    "  --mode M      fwd (the default: rnn_plan_forward, logits and loss) or train\n"
    "                (rnn_plan_train: every weight's gradient and x's)\n"
    "  --calls N     timed calls, 1 to 100000 (default: as many as take about a\n"
    "                second, at least 3)\n"
    "  --isa ISA     the plan's table (auto, {isas:, })\n"
    "  --dtype T     the plan's data type: f32 (the default) or bf16\n"
    "  --threads N   the plan's threads (1, the default, or 2)\n"
    "  --tune MODE   estimate (the default) or measure\n"
    "  --alone       then time each part of the forward call by itself at this\n"
    "                problem's shapes on the plan's table and data type: the\n"
    "                input projection (one product of all T*B rows of x), the\n"
    "                T steps' recurrent products (B rows each) and the gate\n"
    "                kernels (warm operands), and print their sum, what a call\n"
    "                of these kernels costs with nothing between them: a peer's\n"
    "                time over it bounds the ratio this build can reach here.\n"
    "                One cell of many2one, many2many or one2one, --mode fwd,\n"
    "                one thread. Not a bound at batch 1: the plan's ride (the\n"
    "                fused step), stream order and weight copies are not in\n"
    "                the parts, and a call can beat their sum\n";

/* Everything one call reads and writes, synthetic and owned here. */
typedef struct {
    rnn_inputs in;
    rnn_outputs out;
    rnn_grads g;
    float *loss;
    void *blocks[64];
    int n_blocks;
} call_data;

static float *fill(call_data *c, size_t n, uint64_t stream, float k)
{
    float *p = n && c->n_blocks < 64 ? malloc(n * sizeof *p) : NULL;
    if (p) {
        rnn_fill_uniform(p, n, 2, stream, -k, k);
        c->blocks[c->n_blocks++] = p;
    }
    return p;
}

static int32_t *classes(call_data *c, size_t n, int64_t V)
{
    int32_t *p = n && c->n_blocks < 64 ? malloc(n * sizeof *p) : NULL;
    if (p) {
        for (size_t i = 0; i < n; i++)
            p[i] = (int32_t)((i * 2654435761u) % (uint64_t)V);
        c->blocks[c->n_blocks++] = p;
    }
    return p;
}

static void data_free(call_data *c)
{
    for (int i = 0; i < c->n_blocks; i++)
        free(c->blocks[i]);
    free(c->g.layers);
    free(c->g.decoder_layers);
}

/* A cell's gradient buffers; layer l of a stack reads a D*H-wide input
 * (the decoder's upper layers an H-wide one). */
static int cell_grads(call_data *c, const rnn_sizes *s, int upper, size_t wih_upper,
                      rnn_cell_grads *g)
{
    *g = (rnn_cell_grads){fill(c, upper ? wih_upper : s->weight_ih, 10, 0.0f),
                          fill(c, s->weight_hh, 11, 0.0f), fill(c, s->bias, 12, 0.0f),
                          fill(c, s->bias, 13, 0.0f)};
    return g->weight_ih && g->weight_hh && g->bias_ih && g->bias_hh;
}

static int data_make(call_data *c, const rnn_desc *d, const rnn_sizes *s, int train)
{
    memset(c, 0, sizeof *c);
    c->in.x = fill(c, s->x, 3, 1.0f);
    c->in.x_dec = d->topology == RNN_SEQ2SEQ ? fill(c, s->x_dec, 4, 1.0f) : NULL;
    c->in.targets = classes(c, s->targets, d->V);
    c->out.logits = fill(c, s->logits, 5, 0.0f);
    c->loss = fill(c, 1, 6, 0.0f);
    c->out.loss = c->loss;
    int ok = c->in.x && c->in.targets && c->out.logits && c->loss &&
             (d->topology != RNN_SEQ2SEQ || c->in.x_dec);
    if (!ok || !train)
        return ok;
    rnn_grads *g = &c->g;
    g->x = fill(c, s->x, 7, 0.0f);
    g->x_dec = d->topology == RNN_SEQ2SEQ ? fill(c, s->x_dec, 8, 0.0f) : NULL;
    g->W_hy = fill(c, s->W_hy, 9, 0.0f);
    g->b_y = fill(c, s->b_y, 14, 0.0f);
    ok = g->x && g->W_hy && g->b_y && (d->topology != RNN_SEQ2SEQ || g->x_dec);
    const size_t G = (size_t)rnn_cell_gates(d->cell), H = (size_t)d->H;
    if (s->cells == 1) {
        ok = ok && cell_grads(c, s, 0, 0, &g->cell);
        if (d->topology == RNN_SEQ2SEQ)
            ok = ok && cell_grads(c, s, 0, 0, &g->decoder);
        return ok;
    }
    g->layers = calloc(s->cells, sizeof *g->layers);
    ok = ok && g->layers;
    for (size_t k = 0; ok && k < s->cells; k++)
        ok = cell_grads(c, s, k >= s->directions, s->weight_ih_upper, &g->layers[k]);
    if (ok && d->topology == RNN_SEQ2SEQ) {
        g->decoder_layers = calloc(s->layers, sizeof *g->decoder_layers);
        ok = g->decoder_layers != NULL;
        for (size_t l = 0; ok && l < s->layers; l++)
            ok = cell_grads(c, s, l > 0, G * H * H, &g->decoder_layers[l]);
    }
    return ok;
}

static rnn_status one_call(const rnn_plan *p, rnn_workspace *ws, call_data *c, int train)
{
    return train ? rnn_plan_train(p, ws, &c->in, &c->out, &c->g)
                 : rnn_plan_forward(p, ws, &c->in, &c->out);
}

/* One line of the table: the part's mean ms a call, its share of the call,
 * and its rate (rate_text, may be empty). */
static void part_line(const char *name, double sum, const rnn_timing *t, const char *rate_text)
{
    const double per = sum / (double)t->calls;
    printf("  %-13s %10.4f %6.1f%%  %s\n", name, per * 1e3, 100.0 * sum / t->total, rate_text);
}

static void gflops(char *buf, size_t n, double flops, double sum, long calls)
{
    if (flops > 0 && sum > 0)
        snprintf(buf, n, "%.1f GFLOP/s", flops * (double)calls / sum * 1e-9);
    else
        buf[0] = '\0';
}

static void report(const rnn_desc *d, const rnn_sizes *s, const rnn_plan_options *o,
                   const char *tuning, int train, const rnn_timing *t)
{
    /* Rates only for one cell: a stack's layers differ in their input
     * width, and its cells' parts are summed together. */
    const int one = s->layers == 1 && s->directions == 1;
    const double G = rnn_cell_gates(d->cell), H = (double)d->H, I = (double)d->I;
    const double B = (double)d->B, GH = G * H, steps = (double)s->steps;
    const double x_rows = (double)(s->x + s->x_dec) / I;
    const int fused_fwd = strstr(tuning, "fused_fwd=1") != NULL;
    const int fused_dx = strstr(tuning, "fused_dx=1") != NULL;
    const double wbytes = o->dtype == RNN_DTYPE_BF16 ? 2.0 : 4.0;
    char r[160];
    printf("  %-13s %10s %7s  %s\n", "part", "ms a call", "share", "rate");
    gflops(r, sizeof r, one && !fused_fwd ? 2 * x_rows * GH * I : 0, t->projection, t->calls);
    if (one && fused_fwd)
        snprintf(r, sizeof r, "(the first steps' rows; the rest ride the products)");
    part_line("projection", t->projection, t, r);
    r[0] = '\0';
    if (one) {
        const double flops = 2 * steps * B * GH * H;
        const double per_s = (double)t->calls / t->products;
        int k = fused_fwd ? snprintf(r, sizeof r, "(with the ridden projection) ")
                          : snprintf(r, sizeof r, "%.1f GFLOP/s", flops * per_s * 1e-9);
        if (d->B == 1 && t->products > 0)
            snprintf(r + k, sizeof r - (size_t)k, "%sW_hh at %.1f GB/s", fused_fwd ? "" : ", ",
                     steps * GH * H * wbytes * per_s * 1e-9);
    }
    part_line("products", t->products, t, r);
    r[0] = '\0';
    if (one && t->gates > 0)
        snprintf(r, sizeof r, "%.2f ns a hidden unit and row",
                 t->gates / (double)t->calls / (steps * B * H) * 1e9);
    part_line("gates", t->gates, t, r);
    part_line("head", t->head, t, "");
    if (train) {
        r[0] = '\0';
        if (one && t->bwd_gates > 0)
            snprintf(r, sizeof r, "%.2f ns a hidden unit and row",
                     t->bwd_gates / (double)t->calls / (steps * B * H) * 1e9);
        part_line("bwd gates", t->bwd_gates, t, r);
        gflops(r, sizeof r, one && !fused_dx ? 2 * steps * B * GH * H : 0, t->bwd_products,
               t->calls);
        if (one && fused_dx)
            snprintf(r, sizeof r, "(with dx riding)");
        part_line("bwd products", t->bwd_products, t, r);
        /* dW_hh, dW_ih and dx (the part of dx that did not ride) */
        gflops(r, sizeof r, one && !fused_dx ? 2 * steps * B * GH * H + 4 * x_rows * GH * I : 0,
               t->weight_grads, t->calls);
        part_line("weight grads", t->weight_grads, t, r);
    }
    const double named = t->projection + t->products + t->gates + t->head + t->bwd_gates +
                         t->bwd_products + t->weight_grads;
    part_line("other", t->total - named, t, "");
}

int cmd_profile(int argc, char **argv)
{
    const char *mode = NULL, *isa_s = NULL, *dtype_s = NULL, *tune = NULL, *spec = NULL;
    int64_t calls = 0, threads = 1;
    int alone = 0;
    opt_spec specs[] = {
        {"mode", OPT_STR, &mode, 0, 0, 0, NULL, 0},
        {"calls", OPT_INT, &calls, 1, 100000, 0, NULL, 0},
        {"isa", OPT_STR, &isa_s, 0, 0, 0, NULL, 0},
        {"dtype", OPT_STR, &dtype_s, 0, 0, 0, NULL, 0},
        {"threads", OPT_INT, &threads, 1, 2, 0, NULL, 0},
        {"tune", OPT_STR, &tune, 0, 0, 0, NULL, 0},
        {"alone", OPT_FLAG, &alone, 0, 0, 0, NULL, 0},
    };
    int n_pos = 0;
    int r = opts_parse("profile", argc, argv, specs, sizeof specs / sizeof specs[0],
                       profile_usage, &spec, 1, &n_pos);
    if (r)
        return r < 0 ? 0 : r;
    if (!spec) {
        fprintf(stderr, "rnnsimd profile: SPEC is required: a problem such as "
                        "lstm:many2one:T64:B1:I256:H256:V256 (see rnnsimd profile --help)\n");
        return EXIT_USAGE;
    }
    rnn_desc d;
    rnn_plan_options o;
    if ((r = plan_spec_options("profile", "SPEC", spec, tune, threads, isa_s, dtype_s, &d, &o)))
        return r;
    const int train = mode && strcmp(mode, "train") == 0;
    if (mode && !train && strcmp(mode, "fwd") != 0) {
        fprintf(stderr, "rnnsimd profile: --mode '%s': expected fwd or train\n", mode);
        return EXIT_USAGE;
    }
    if (isa_s && (r = require_isa("profile", isa_s, 0, o.isa)) != 0)
        return r;
    rnn_sizes s;
    rnn_desc_check(&d, &s); /* plan_spec_parse checked it */
    if (alone && (train || threads != 1 || s.cells != 1 ||
                  (d.topology != RNN_MANY2ONE && d.topology != RNN_MANY2MANY &&
                   d.topology != RNN_ONE2ONE))) {
        fprintf(stderr, "rnnsimd profile: --alone times the forward parts of one cell of a "
                        "many2one, many2many or one2one problem, --mode fwd, one thread; "
                        "not %s%s%s\n",
                spec, train ? " --mode train" : "", threads != 1 ? " --threads 2" : "");
        return EXIT_USAGE;
    }
    rnn_plan *p = NULL;
    rnn_workspace *ws = NULL;
    rnn_status st = plan_spec_create(&p, &d, &o, 1);
    if (st != RNN_OK) {
        const char *why = NULL;
        if (rnn_dtype_check(o.dtype, o.isa, &why) == RNN_OK)
            why = rnn_strerror(st);
        fprintf(stderr, "rnnsimd profile: %s: %s\n", spec, why ? why : rnn_strerror(st));
        return EXIT_RUNTIME;
    }
    call_data c;
    memset(&c, 0, sizeof c);
    int status = 0;
    if ((st = rnn_workspace_create(&ws, p)) != RNN_OK || !data_make(&c, &d, &s, train)) {
        fprintf(stderr, "rnnsimd profile: %s: %s\n", spec,
                st != RNN_OK ? rnn_strerror(st) : "out of memory for the inputs and outputs");
        status = EXIT_RUNTIME;
    }
    /* Two untimed calls (the first touches every page), then one more
     * sizes --calls' default. */
    double t1 = 0.0;
    for (int i = 0; !status && i < 3; i++) {
        const double t0 = rnn_seconds_now();
        if ((st = one_call(p, ws, &c, train)) != RNN_OK) {
            fprintf(stderr, "rnnsimd profile: %s: the call failed: %s\n", spec, rnn_strerror(st));
            status = EXIT_RUNTIME;
        }
        t1 = rnn_seconds_now() - t0;
    }
    if (!status && !calls) {
        calls = (int64_t)(1.0 / (t1 > 1e-6 ? t1 : 1e-6));
        calls = calls < 3 ? 3 : calls > 100000 ? 100000 : calls;
    }
    rnn_timing t = {0};
    if (!status) {
        rnn_workspace_timing(ws, 1);
        for (int64_t i = 0; i < calls && st == RNN_OK; i++)
            st = one_call(p, ws, &c, train);
        rnn_workspace_timing_read(ws, &t);
        rnn_workspace_timing(ws, 0);
        if (st != RNN_OK || t.calls < 1 || !(t.total > 0)) {
            fprintf(stderr, "rnnsimd profile: %s: the timed calls failed: %s\n", spec,
                    rnn_strerror(st));
            status = EXIT_RUNTIME;
        }
    }
    if (!status) {
        char line[512];
        rnn_plan_describe(p, line, sizeof line);
        printf("profile:  %s, %s, %s, %s, %lld thread%s, %ld calls\n", spec,
               rnn_isa_name(rnn_plan_isa(p)), rnn_dtype_name(o.dtype), train ? "train" : "fwd",
               (long long)threads, threads == 2 ? "s" : "", t.calls);
        printf("tuning:   %s\n", line);
        printf("a call:   %.4f ms (the mean of the timed calls)\n",
               t.total / (double)t.calls * 1e3);
        report(&d, &s, &o, line, train, &t);
        if (alone)
            status = profile_alone(&d, rnn_plan_isa(p), o.dtype, t.total / (double)t.calls);
    }
    data_free(&c);
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(p);
    return status;
}
