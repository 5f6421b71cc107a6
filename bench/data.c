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

static int cell_fill(bench_cell_data *c, const rnn_sizes *s, uint64_t stream, float k)
{
    c->weight_ih = filled(s->weight_ih, stream + 0, k);
    c->weight_hh = filled(s->weight_hh, stream + 1, k);
    c->bias_ih = filled(s->bias, stream + 2, k);
    c->bias_hh = filled(s->bias, stream + 3, k);
    return c->weight_ih && c->weight_hh && c->bias_ih && c->bias_hh ? 0 : -1;
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
    const rnn_sizes *s = &dt->s;
    float k = 1.0f / sqrtf((float)p->H);
    int ok = (dt->x = filled(s->x, 10, 1.0f)) != NULL;
    ok = ok && cell_fill(&dt->cell, s, 20, k) == 0;
    ok = ok && (dt->W_hy = filled(s->W_hy, 40, k)) && (dt->b_y = filled(s->b_y, 41, k));
    ok = ok && (dt->targets = indices(s->targets, 50, dt->d.V));
    if (ok && p->topology == RNN_SEQ2SEQ && p->variant == BENCH_HEADED) {
        ok = (dt->x_dec = filled(s->x_dec, 11, 1.0f)) != NULL;
        ok = ok && cell_fill(&dt->decoder, s, 30, k) == 0;
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
