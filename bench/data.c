/* data.c — deterministic problem tensors for the benchmarks.
 * Weights are uniform in +-1/sqrt(H) (PyTorch's default init) and inputs in
 * +-1, so activations stay in their ordinary range: no denormals, no constant
 * saturation that would flatter a data-dependent libm. */
#include "data.h"
#include "rnnsimd_reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SEED = 20240605 };

static float *filled(size_t n, uint64_t stream, float k)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        rnn_fill_uniform(v, n, SEED, stream, -k, k);
    return v;
}

/* The fill is counter based (value i of a stream does not depend on n), so
 * a stack's cell 0 holds the one-cell problem's weights. */
static int cell_fill(bench_cell_data *c, const bench_cell_counts *n, uint64_t stream, float k)
{
    c->weight_ih = filled(n->weight_ih, stream + 0, k);
    c->weight_hh = filled(n->weight_hh, stream + 1, k);
    c->bias_ih = filled(n->bias, stream + 2, k);
    c->bias_hh = filled(n->bias, stream + 3, k);
    return c->weight_ih && c->weight_hh && c->bias_ih && c->bias_hh ? 0 : -1;
}

int64_t bench_data_cell_input(const bench_data *dt, int decoder, int k)
{
    const int D = decoder ? 1 : dt->D;
    return k < D ? dt->p.I : (int64_t)D * dt->p.H;
}

bench_cell_counts bench_data_offsets(const bench_data *dt, int decoder, int k)
{
    const int D = decoder ? 1 : dt->D;
    const size_t GH = (size_t)dt->G * (size_t)dt->p.H;
    const size_t lower = (size_t)(k < D ? k : D), upper = (size_t)(k < D ? 0 : k - D);
    bench_cell_counts o = {
        .weight_ih = GH * (lower * (size_t)dt->p.I + upper * (size_t)D * (size_t)dt->p.H),
        .weight_hh = GH * (size_t)dt->p.H * (size_t)k,
        .bias = GH * (size_t)k,
    };
    return o;
}

bench_cell_counts bench_data_counts(const bench_data *dt, int decoder)
{
    return bench_data_offsets(dt, decoder, decoder ? (int)dt->L : dt->ncells);
}

rnn_cell_weights bench_data_cell(const bench_data *dt, int decoder, int k)
{
    const bench_cell_data *c = decoder ? &dt->decoder : &dt->cell;
    const bench_cell_counts o = bench_data_offsets(dt, decoder, k);
    rnn_cell_weights w = {c->weight_ih + o.weight_ih, c->weight_hh + o.weight_hh,
                          c->bias_ih + o.bias, c->bias_hh + o.bias};
    return w;
}

static rnn_cell_weights *views(const bench_data *dt, int decoder, int n)
{
    rnn_cell_weights *v = malloc((size_t)n * sizeof *v);
    if (v)
        for (int k = 0; k < n; k++)
            v[k] = bench_data_cell(dt, decoder, k);
    return v;
}

static void cell_free(bench_cell_data *c)
{
    free(c->weight_ih);
    free(c->weight_hh);
    free(c->bias_ih);
    free(c->bias_hh);
}

static int32_t *indices(size_t n, uint64_t stream, int64_t bound)
{
    int32_t *v = malloc((n ? n : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < n; i++)
            v[i] = (int32_t)(rnn_prng_u64(SEED, stream, i) % (uint64_t)bound);
    return v;
}

int bench_data_create(bench_data *dt, const bench_problem *p)
{
    memset(dt, 0, sizeof *dt);
    dt->p = *p;
    dt->d = bench_problem_desc(p);
    if (p->variant != BENCH_HEADED) {
        dt->d.topology = RNN_MANY2MANY;
        dt->d.V = 1; /* headless: a one-class head costs 2*B*H per step, nothing */
    }
    if (rnn_desc_check(&dt->d, &dt->s) != RNN_OK)
        return -1;
    dt->G = rnn_cell_gates(p->cell);
    dt->L = bench_problem_layers(p);
    dt->D = bench_problem_dirs(p);
    dt->ncells = (int)dt->L * dt->D;
    const int stacked = dt->ncells > 1;
    const rnn_sizes *s = &dt->s;
    float k = 1.0f / sqrtf((float)p->H);
    const bench_cell_counts enc = bench_data_counts(dt, 0), dec = bench_data_counts(dt, 1);
    int ok = (dt->x = filled(s->x, 10, 1.0f)) != NULL;
    ok = ok && cell_fill(&dt->cell, &enc, 20, k) == 0;
    ok = ok && (dt->W_hy = filled(s->W_hy, 40, k)) && (dt->b_y = filled(s->b_y, 41, k));
    ok = ok && (dt->targets = indices(s->targets, 50, dt->d.V));
    if (ok && stacked)
        ok = (dt->layers = views(dt, 0, dt->ncells)) != NULL;
    if (ok && p->topology == RNN_SEQ2SEQ && p->variant == BENCH_HEADED) {
        ok = (dt->x_dec = filled(s->x_dec, 11, 1.0f)) != NULL;
        ok = ok && cell_fill(&dt->decoder, &dec, 30, k) == 0;
        if (ok && stacked)
            ok = (dt->decoder_layers = views(dt, 1, (int)dt->L)) != NULL;
    }
    if (ok && p->variant == BENCH_SEQ_NOPROJ)
        ok = (dt->x_index = indices(s->x / (size_t)p->I, 12, p->I)) != NULL;
    if (ok && p->variant != BENCH_HEADED && p->mode == BENCH_TRAIN)
        ok = (dt->grad_output = filled(s->h, 60, 1.0f / (float)s->h)) != NULL;
    if (!ok) {
        bench_data_free(dt);
        return -1;
    }
    return 0;
}

void bench_data_free(bench_data *dt)
{
    free(dt->x);
    free(dt->x_dec);
    free(dt->x_index);
    free(dt->targets);
    cell_free(&dt->cell);
    cell_free(&dt->decoder);
    free(dt->layers);
    free(dt->decoder_layers);
    free(dt->W_hy);
    free(dt->b_y);
    free(dt->grad_output);
    memset(dt, 0, sizeof *dt);
}

rnn_params bench_data_params(const bench_data *dt)
{
    rnn_params p = {
        .cell = {dt->cell.weight_ih, dt->cell.weight_hh, dt->cell.bias_ih, dt->cell.bias_hh},
        .decoder = {dt->decoder.weight_ih, dt->decoder.weight_hh, dt->decoder.bias_ih,
                    dt->decoder.bias_hh},
        .W_hy = dt->W_hy,
        .b_y = dt->b_y,
        .layers = dt->layers,
        .decoder_layers = dt->decoder_layers,
    };
    return p;
}

rnn_inputs bench_data_inputs(const bench_data *dt)
{
    rnn_inputs in = {
        .x = dt->x,
        .x_index = dt->x_index,
        .x_dec = dt->x_dec,
        .targets = dt->targets,
    };
    return in;
}
