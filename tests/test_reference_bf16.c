/* test_reference_bf16.c — the reference's bf16 mode (rnnsimd_reference.h
 * rnn_reference_*_opt, docs/design.md §8) rounds exactly what a bf16 plan
 * rounds, and nothing else:
 *  (a) rnn_ref_bf16: round to nearest even through float32, pinned on ties,
 *      the double-rounding witness the chosen order decides, overflow,
 *      denormals, NaN;
 *  (b) options NULL and dtype f32 are the float32 reference bit for bit;
 *      another dtype is RNN_ERR_ARG;
 *  (c) one step whose operands (weights, x, h0) are bf16 values already
 *      gives the float32 mode's bits; weights that are not bf16 values
 *      change the result by about bf16's round-off, not more;
 *  (d) the weights are rounded once: rounding them beforehand changes
 *      nothing in bf16 mode;
 *  (e) one cell's backward from the same forward state: bf16 changes the
 *      weight, input and state gradients but leaves the bias gradients
 *      (sums of the unrounded gate gradients) bit for bit, except gru's r
 *      rows, whose gate gradient is itself read from a product. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "../reference/reference_internal.h"

static float fbits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The test's own bf16 of a float (RNE on the bits): an independent spelling. */
static float bf16_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint32_t lo = u & 0xFFFFu, keep = u & 0xFFFF0000u;
    if (lo > 0x8000u || (lo == 0x8000u && (keep >> 16 & 1u)))
        keep += 0x10000u;
    return fbits(keep);
}

static void test_rounding(void)
{
    CHECK(rnn_ref_bf16(1.0) == 1.0, "1");
    CHECK(rnn_ref_bf16(1.0 + 0x1p-8) == 1.0, "a tie rounds to even (down)");
    CHECK(rnn_ref_bf16(1.0 + 3 * 0x1p-8) == 1.0 + 0x1p-6, "a tie rounds to even (up)");
    CHECK(rnn_ref_bf16(1.0 + 0x1p-8 + 0x1p-20) == 1.0 + 0x1p-7, "above a tie rounds up");
    CHECK(rnn_ref_bf16(-(1.0 + 3 * 0x1p-8)) == -(1.0 + 0x1p-6), "sign kept");
    /* Through float32 first (documented in reference/bf16.c): 1 + 2^-8 +
     * 2^-30 is a float tie once rounded to float, so it goes down to 1;
     * straight from double it would go up. */
    CHECK(rnn_ref_bf16(1.0 + 0x1p-8 + 0x1p-30) == 1.0, "double -> float -> bf16");
    CHECK(isinf(rnn_ref_bf16((double)fbits(0x7F7FFFFFu))), "the largest float rounds to inf");
    CHECK(rnn_ref_bf16((double)fbits(0x7F7F0000u)) == (double)fbits(0x7F7F0000u),
          "the largest bf16 is kept");
    CHECK(rnn_ref_bf16(0x1p-130) == 0x1p-130, "a bf16 denormal is kept");
    CHECK(rnn_ref_bf16(0x1p-140) == 0.0, "below half the least bf16 denormal: zero");
    CHECK(isnan(rnn_ref_bf16(NAN)), "NaN stays NaN");
    /* flip_near_ties: within 8 float32 ulps of a tie the other neighbour,
     * elsewhere (and when off) RNE. 1 + 2^-8 is a tie (RNE: down to 1). */
    rnn_ref_bf16_flip_near_ties(1);
    CHECK(rnn_ref_bf16_operand(1.0 + 0x1p-8) == 1.0 + 0x1p-7, "a tie flips up");
    CHECK(rnn_ref_bf16_operand(1.0 + 0x1p-8 + 8 * 0x1p-23) == 1.0, "8 ulps above: flips down");
    CHECK(rnn_ref_bf16_operand(1.0 + 0x1p-8 + 9 * 0x1p-23) == 1.0 + 0x1p-7, "9 ulps: RNE");
    CHECK(rnn_ref_bf16_operand(-(1.0 + 0x1p-8 - 8 * 0x1p-23)) == -(1.0 + 0x1p-7),
          "8 ulps below, negative: flips away from zero");
    CHECK(rnn_ref_bf16_operand(1.0 + 0x1p-8 - 9 * 0x1p-23) == 1.0,
          "9 ulps below: RNE (the window is 8 ulps on both sides)");
    CHECK(rnn_ref_bf16_operand(1.5) == 1.5, "a bf16 value stays");
    rnn_ref_bf16_flip_near_ties(0);
    CHECK(rnn_ref_bf16_operand(1.0 + 0x1p-8) == 1.0, "off: RNE");
    /* Against the test's own spelling on a sweep of floats. */
    int agree = 1;
    for (uint32_t i = 0; i < 200000 && agree; i++) {
        uint32_t u = i * 2654435761u;
        float f = fbits(u);
        if (isnan(f))
            continue;
        double got = rnn_ref_bf16((double)f), want = (double)bf16_of(f);
        agree = got == want || (isnan(got) && isnan(want));
        if (!agree)
            CHECK(0, "bf16(%a) = %a, want %a", (double)f, got, want);
    }
    CHECK(agree, "rnn_ref_bf16 agrees with an independent RNE on 200000 floats");
}

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *w[4], *W_hy, *b_y, *x, *h0, *c0;
    int32_t *t;
    rnn_params p;
    rnn_inputs in;
} prob;

static float *fill(size_t n, uint64_t stream, float a)
{
    float *v = calloc(n ? n : 1, sizeof *v);
    rnn_fill_uniform(v, n, 5, stream, -a, a);
    return v;
}

static void round_all(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = bf16_of(v[i]);
}

static void prob_make(prob *m, rnn_desc d)
{
    memset(m, 0, sizeof *m);
    m->d = d;
    CHECK(rnn_ref_check_desc(&d, &m->s) == RNN_OK, "problem invalid");
    m->w[0] = fill(m->s.weight_ih, 0, 0.6f);
    m->w[1] = fill(m->s.weight_hh, 1, 0.6f);
    m->w[2] = fill(m->s.bias, 2, 0.2f);
    m->w[3] = fill(m->s.bias, 3, 0.2f);
    m->W_hy = fill(m->s.W_hy, 4, 0.8f);
    m->b_y = fill(m->s.b_y, 5, 0.2f);
    m->x = fill(m->s.x, 6, 1.0f);
    m->h0 = fill(m->s.state, 7, 0.5f);
    m->c0 = fill(m->s.state, 8, 0.5f);
    m->t = calloc(m->s.targets + 1, sizeof *m->t);
    for (size_t i = 0; i < m->s.targets; i++)
        m->t[i] = (int32_t)(i * 7 % (size_t)d.V);
    m->p = (rnn_params){{m->w[0], m->w[1], m->w[2], m->w[3]}, {0}, m->W_hy, m->b_y};
    m->in = (rnn_inputs){m->x, NULL, NULL, NULL, m->h0, m->c0, m->t};
}

static void prob_free(prob *m)
{
    for (int k = 0; k < 4; k++)
        free(m->w[k]);
    free(m->W_hy);
    free(m->b_y);
    free(m->x);
    free(m->h0);
    free(m->c0);
    free(m->t);
}

/* Training outputs and gradients, in one buffer per tensor. */
typedef struct {
    float *h, *logits, loss, *gx, *gh0, *gw[4], *gW_hy, *gb_y;
} result;

static rnn_status train(const prob *m, const rnn_reference_options *o, result *r)
{
    r->h = calloc(m->s.h, 4);
    r->logits = calloc(m->s.logits, 4);
    r->gx = calloc(m->s.x, 4);
    r->gh0 = calloc(m->s.state, 4);
    const size_t n[4] = {m->s.weight_ih, m->s.weight_hh, m->s.bias, m->s.bias};
    for (int k = 0; k < 4; k++)
        r->gw[k] = calloc(n[k], 4);
    r->gW_hy = calloc(m->s.W_hy, 4);
    r->gb_y = calloc(m->s.b_y, 4);
    rnn_outputs out = {r->h, NULL, r->logits, &r->loss};
    rnn_grads g = {r->gx, NULL, r->gh0, NULL, {r->gw[0], r->gw[1], r->gw[2], r->gw[3]},
                   {0}, r->gW_hy, r->gb_y};
    return rnn_reference_train_opt(&m->d, &m->p, &m->in, &out, &g, o);
}

static void result_free(result *r)
{
    free(r->h);
    free(r->logits);
    free(r->gx);
    free(r->gh0);
    for (int k = 0; k < 4; k++)
        free(r->gw[k]);
    free(r->gW_hy);
    free(r->gb_y);
}

static int same(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static int same_result(const prob *m, const result *a, const result *b)
{
    const size_t n[4] = {m->s.weight_ih, m->s.weight_hh, m->s.bias, m->s.bias};
    int ok = same(a->h, b->h, m->s.h) && same(a->logits, b->logits, m->s.logits) &&
             a->loss == b->loss && same(a->gx, b->gx, m->s.x) &&
             same(a->gh0, b->gh0, m->s.state) && same(a->gW_hy, b->gW_hy, m->s.W_hy) &&
             same(a->gb_y, b->gb_y, m->s.b_y);
    for (int k = 0; k < 4; k++)
        ok &= same(a->gw[k], b->gw[k], n[k]);
    return ok;
}

/* ||a - b|| / ||b||. */
static double rel(const float *a, const float *b, size_t n)
{
    double dd = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        dd += d * d;
        bb += (double)b[i] * (double)b[i];
    }
    return bb > 0 ? sqrt(dd / bb) : sqrt(dd);
}

static void test_options(void)
{
    const rnn_reference_options f32 = {RNN_DTYPE_F32}, bf = {RNN_DTYPE_BF16},
                                bad = {(rnn_dtype)RNN_DTYPE_COUNT};
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        prob m;
        prob_make(&m, (rnn_desc){(rnn_cell)c, RNN_MANY2MANY, 5, 0, 2, 6, 9, 4});
        result a, b, q;
        CHECK(train(&m, NULL, &a) == RNN_OK, "train NULL options");
        CHECK(train(&m, &f32, &b) == RNN_OK, "train f32");
        CHECK(same_result(&m, &a, &b), "%s: dtype f32 differs from NULL options",
              rnn_cell_name(c));
        rnn_outputs o = {a.h, NULL, NULL, NULL};
        CHECK(rnn_reference_forward_opt(&m.d, &m.p, &m.in, &o, &bad) == RNN_ERR_ARG,
              "an unknown dtype is RNN_ERR_ARG");
        CHECK(train(&m, &bf, &q) == RNN_OK, "train bf16");
        /* Not bf16 values: the data type's cost is visible, and bounded. */
        double dh = rel(q.h, a.h, m.s.h), dw = rel(q.gw[1], a.gw[1], m.s.weight_hh);
        CHECK(dh > 1e-5 && dh < 3e-2, "%s: bf16 moves h by %.3g relative (expected about "
              "bf16's 2^-9 round-off)", rnn_cell_name(c), dh);
        CHECK(dw > 1e-5 && dw < 5e-2, "%s: bf16 moves grad.weight_hh by %.3g relative",
              rnn_cell_name(c), dw);
        /* (d) The weights are rounded once: rounded beforehand, the same bits. */
        result r2;
        round_all(m.w[0], m.s.weight_ih);
        round_all(m.w[1], m.s.weight_hh);
        round_all(m.W_hy, m.s.W_hy);
        CHECK(train(&m, &bf, &r2) == RNN_OK, "train bf16 on rounded weights");
        CHECK(same_result(&m, &q, &r2), "%s: bf16 mode on bf16 weights differs: the "
              "weights are not rounded as a bf16 plan packs them", rnn_cell_name(c));
        /* And it is not only the weights: f32 on the rounded weights differs
         * (the operands are rounded too). */
        result r3;
        CHECK(train(&m, NULL, &r3) == RNN_OK, "train f32 on rounded weights");
        CHECK(!same(r3.h, r2.h, m.s.h), "%s: only the weights were rounded",
              rnn_cell_name(c));
        /* flip_near_ties: another valid bf16 reference, near the plain one
         * (only near-tie operands round the other way), not the same bits;
         * ignored by float32. The weights are bf16 already here, so it
         * moves operands only. */
        const rnn_reference_options flip = {RNN_DTYPE_BF16, 1}, f32flip = {RNN_DTYPE_F32, 1};
        result r4, r5, r6;
        CHECK(train(&m, &flip, &r4) == RNN_OK && train(&m, &f32flip, &r5) == RNN_OK &&
                  train(&m, &bf, &r6) == RNN_OK,
              "train with flip_near_ties");
        const double df = rel(r4.gw[1], r2.gw[1], m.s.weight_hh);
        CHECK(df < 1e-2, "%s: flipping near ties moves grad.weight_hh by %.3g", rnn_cell_name(c),
              df);
        CHECK(same_result(&m, &r5, &r3), "%s: flip_near_ties changed a float32 run",
              rnn_cell_name(c));
        CHECK(same_result(&m, &r6, &r2), "%s: flip_near_ties left over from the last call",
              rnn_cell_name(c));
        result_free(&r4);
        result_free(&r5);
        result_free(&r6);
        result_free(&a);
        result_free(&b);
        result_free(&q);
        result_free(&r2);
        result_free(&r3);
        prob_free(&m);
    }
}

/* (c) One step with bf16 operands: the same bits as float32. gru reads r*h,
 * not a bf16 value, so it starts from h0 = 0 (r*0 = 0 is). */
static void test_exact_step(void)
{
    const rnn_reference_options bf = {RNN_DTYPE_BF16};
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        prob m;
        prob_make(&m, (rnn_desc){(rnn_cell)c, RNN_MANY2MANY, 1, 0, 3, 7, 5, 4});
        round_all(m.w[0], m.s.weight_ih);
        round_all(m.w[1], m.s.weight_hh);
        round_all(m.x, m.s.x);
        round_all(m.h0, m.s.state);
        if (c == RNN_GRU)
            memset(m.h0, 0, m.s.state * sizeof *m.h0);
        float *y[2], *hn[2], *cn[2];
        for (int k = 0; k < 2; k++) {
            y[k] = calloc(m.s.h, 4);
            hn[k] = calloc(m.s.state, 4);
            cn[k] = calloc(m.s.state, 4);
            CHECK(rnn_reference_seq_forward_opt(&m.d, &m.p.cell, m.x, m.h0, m.c0, y[k], hn[k],
                                                cn[k], k ? &bf : NULL) == RNN_OK,
                  "seq forward");
        }
        CHECK(same(y[0], y[1], m.s.h) && same(hn[0], hn[1], m.s.state) &&
                  same(cn[0], cn[1], m.s.state),
              "%s: one step on bf16 operands differs between the modes", rnn_cell_name(c));
        /* x not a bf16 value: it is rounded as read, so the step changes. */
        prob_free(&m);
        prob_make(&m, (rnn_desc){(rnn_cell)c, RNN_MANY2MANY, 1, 0, 3, 7, 5, 4});
        round_all(m.w[0], m.s.weight_ih);
        round_all(m.w[1], m.s.weight_hh);
        round_all(m.h0, m.s.state);
        for (int k = 0; k < 2; k++)
            CHECK(rnn_reference_seq_forward_opt(&m.d, &m.p.cell, m.x, m.h0, m.c0, y[k], NULL,
                                                NULL, k ? &bf : NULL) == RNN_OK,
                  "seq forward");
        CHECK(!same(y[0], y[1], m.s.h), "%s: x was not rounded", rnn_cell_name(c));
        for (int k = 0; k < 2; k++) {
            free(y[k]);
            free(hn[k]);
            free(cn[k]);
        }
        prob_free(&m);
    }
}

/* (e) One cell's backward from one forward state in both modes. */
static void test_bias_grads(void)
{
    const size_t I = 5, H = 6;
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        const size_t G = rnn_ref_gates((rnn_cell)c), GH = G * H;
        double *wih = calloc(GH * I, 8), *whh = calloc(GH * H, 8), *bih = calloc(GH, 8),
               *bhh = calloc(GH, 8), *x = calloc(I, 8), *h = calloc(H, 8), *cs = calloc(H, 8),
               *gates = calloc(GH, 8), *aux = calloc(H, 8), *hn = calloc(H, 8),
               *cn = calloc(H, 8), *dhn = calloc(H, 8), *dcn = calloc(H, 8),
               *scratch = calloc(rnn_ref_cell_scratch(G, H), 8);
        double *dh[2], *dc[2], *dx[2], *dwih[2], *dwhh[2], *dbih[2], *dbhh[2];
        float tmp[64];
        rnn_fill_uniform(tmp, 64, 9, 1, -0.7f, 0.7f);
        for (size_t i = 0; i < GH * I; i++)
            wih[i] = bf16_of(tmp[i % 64] * (float)(1 + i % 3));
        for (size_t i = 0; i < GH * H; i++)
            whh[i] = bf16_of(tmp[(i * 5 + 1) % 64]);
        for (size_t i = 0; i < GH; i++)
            bih[i] = tmp[(i * 3 + 2) % 64] * 0.3, bhh[i] = tmp[(i * 7 + 3) % 64] * 0.3;
        for (size_t i = 0; i < I; i++)
            x[i] = tmp[(i * 11 + 4) % 64];
        for (size_t i = 0; i < H; i++) {
            h[i] = tmp[(i * 13 + 5) % 64];
            cs[i] = tmp[(i * 17 + 6) % 64];
            dhn[i] = tmp[(i * 19 + 7) % 64];
            dcn[i] = tmp[(i * 23 + 8) % 64];
        }
        ref_weights w = {wih, whh, bih, bhh, 0};
        /* The forward state of the float32 mode, shared by both backwards. */
        rnn_ref_cell_forward((rnn_cell)c, &w, I, H, x, h, cs, gates, aux, hn, cn, scratch);
        for (int k = 0; k < 2; k++) {
            dh[k] = calloc(H, 8);
            dc[k] = calloc(H, 8);
            dx[k] = calloc(I, 8);
            dwih[k] = calloc(GH * I, 8);
            dwhh[k] = calloc(GH * H, 8);
            dbih[k] = calloc(GH, 8);
            dbhh[k] = calloc(GH, 8);
            w.bf16 = k;
            ref_cell_grads dw = {dwih[k], dwhh[k], dbih[k], dbhh[k]};
            rnn_ref_cell_backward((rnn_cell)c, &w, I, H, x, h, cs, gates, aux, dhn, dcn, dh[k],
                                  dc[k], dx[k], &dw, scratch);
        }
        /* gru's r rows are the exception that proves the rule: their gate
         * gradient reads W_hn^T da_n, a product, so it moves; the z and n
         * rows' do not. */
        const size_t from = c == RNN_GRU ? H : 0;
        CHECK(!memcmp(dbih[0] + from, dbih[1] + from, (GH - from) * 8) &&
                  !memcmp(dbhh[0] + from, dbhh[1] + from, (GH - from) * 8),
              "%s: bf16 changed the bias gradients", rnn_cell_name(c));
        if (c == RNN_GRU)
            CHECK(memcmp(dbih[0], dbih[1], H * 8), "gru: r's gate gradient ignored the "
                  "rounding of W_hn^T da_n");
        CHECK(memcmp(dwih[0], dwih[1], GH * I * 8) && memcmp(dwhh[0], dwhh[1], GH * H * 8),
              "%s: bf16 left a weight gradient unrounded", rnn_cell_name(c));
        CHECK(memcmp(dx[0], dx[1], I * 8) && memcmp(dh[0], dh[1], H * 8),
              "%s: bf16 left dx or dh unrounded", rnn_cell_name(c));
        /* Every weight gradient is a product of two bf16 values: exact in
         * double, and so on a 16-bit significand. */
        int exact = 1;
        for (size_t i = 0; i < GH * I; i++) {
            float f = (float)dwih[1][i];
            exact &= (double)f == dwih[1][i];
        }
        CHECK(exact, "%s: a one-step weight gradient of bf16 operands is not a float",
              rnn_cell_name(c));
        for (int k = 0; k < 2; k++) {
            free(dh[k]);
            free(dc[k]);
            free(dx[k]);
            free(dwih[k]);
            free(dwhh[k]);
            free(dbih[k]);
            free(dbhh[k]);
        }
        free(wih), free(whh), free(bih), free(bhh), free(x), free(h), free(cs);
        free(gates), free(aux), free(hn), free(cn), free(dhn), free(dcn), free(scratch);
    }
}

int main(void)
{
    test_rounding();
    test_options();
    test_exact_step();
    test_bias_grads();
    return check_summary();
}
