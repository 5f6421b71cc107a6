/* test_reference_stack.c — the reference's stacks (docs/design.md §7) against
 * the same network composed by hand from one-layer, one-direction runs of
 * the reference's plain sequence: the reverse direction is the one-layer run
 * over the time-reversed input, read backwards; layer l > 0 reads layer
 * l-1's concatenated output (forward direction first); the head reads the
 * top layer; a seq2seq decoder's layer starts from the sum of the encoder's
 * two final states of that layer. The gradient check (test_gradcheck.c)
 * proves the stack's BPTT matches its forward; this proves the forward is
 * the network the design describes.
 *
 * The stack keeps its layers' outputs in double and the composition rounds
 * them to float between layers, so the two agree within a few float ulps,
 * not bit for bit: judged at 1e-5 relative to the tensor's largest entry
 * (a wrong wiring differs by O(1)). With one layer and one direction the
 * stack must be the single cell bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"

#define TOL 1e-5

static float *filled(size_t n, uint64_t seed, uint64_t stream, float lo, float hi)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    rnn_fill_uniform(p, n, seed, stream, lo, hi);
    return p;
}

/* Worst |a - b| over n entries, relative to max |b|. */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double scale = 1e-30, worst = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(b[i]) > scale)
            scale = fabs(b[i]);
    for (size_t i = 0; i < n; i++) {
        const double e = fabs((double)a[i] - (double)b[i]);
        if (!(e <= worst))
            worst = e;
    }
    return worst / scale;
}

/* x (T x B x W) with its steps in reverse order. */
static void reverse_steps(float *dst, const float *x, size_t T, size_t rowlen)
{
    for (size_t t = 0; t < T; t++)
        memcpy(dst + t * rowlen, x + (T - 1 - t) * rowlen, rowlen * sizeof *dst);
}

/* One cell over x (T x B x W), forward or reverse, by the one-layer plain
 * sequence: its output at every time into y's columns [off, off + H) of
 * rows ldy wide, and its final state into hn, cn (may be NULL). */
static void one_cell(rnn_cell cell, size_t T, size_t B, size_t W, size_t H,
                     const rnn_cell_weights *w, const float *x, const float *h0,
                     const float *c0, int reverse, float *y, size_t ldy, size_t off, float *hn,
                     float *cn)
{
    rnn_desc d = {cell, RNN_MANY2MANY, (int64_t)T, 0, (int64_t)B, (int64_t)W, (int64_t)H, 1};
    float *xin = calloc(T * B * W, sizeof *xin), *out = calloc(T * B * H, sizeof *out);
    if (reverse)
        reverse_steps(xin, x, T, B * W);
    else
        memcpy(xin, x, T * B * W * sizeof *xin);
    rnn_status st = rnn_reference_seq_forward(&d, w, xin, h0, c0, out, hn, cn);
    CHECK(st == RNN_OK, "rnn_reference_seq_forward: %s", rnn_strerror(st));
    for (size_t t = 0; t < T; t++) {
        const size_t src = reverse ? T - 1 - t : t;
        for (size_t b = 0; b < B; b++)
            memcpy(y + (t * B + b) * ldy + off, out + (src * B + b) * H, H * sizeof *y);
    }
    free(xin);
    free(out);
}

typedef struct {
    rnn_desc d;
    rnn_sizes s;
    size_t n;                 /* cells: encoder's L*D, then the decoder's L */
    float *(*w)[4];
    rnn_cell_weights *cw;
    float *W_hy, *b_y, *x, *x_dec, *h0, *c0;
} net;

static void net_make(net *m, rnn_desc d, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->d = d;
    rnn_status st = rnn_desc_check(&d, &m->s);
    CHECK(st == RNN_OK, "rnn_desc_check: %s", rnn_strerror(st));
    const rnn_sizes *s = &m->s;
    const size_t dec = d.topology == RNN_SEQ2SEQ ? s->layers : 0;
    m->n = s->cells + dec;
    m->w = calloc(m->n, sizeof *m->w);
    m->cw = calloc(m->n, sizeof *m->cw);
    for (size_t k = 0; k < m->n; k++) {
        const size_t l = k < s->cells ? k / s->directions : k - s->cells;
        const size_t ih = l == 0 ? s->weight_ih : k < s->cells ? s->weight_ih_upper : s->weight_hh;
        const size_t sz[4] = {ih, s->weight_hh, s->bias, s->bias};
        for (int j = 0; j < 4; j++)
            m->w[k][j] = filled(sz[j], seed, 10 * k + (size_t)j, -0.7f, 0.7f);
        m->cw[k] = (rnn_cell_weights){m->w[k][0], m->w[k][1], m->w[k][2], m->w[k][3]};
    }
    m->W_hy = filled(s->W_hy, seed, 1001, -1.0f, 1.0f);
    m->b_y = filled(s->b_y, seed, 1002, -0.5f, 0.5f);
    m->x = filled(s->x, seed, 1003, -1.0f, 1.0f);
    m->x_dec = filled(s->x_dec, seed, 1004, -1.0f, 1.0f);
    m->h0 = filled(s->state, seed, 1005, -0.5f, 0.5f);
    m->c0 = filled(s->state, seed, 1006, -0.5f, 0.5f);
}

static void net_free(net *m)
{
    for (size_t k = 0; k < m->n; k++)
        for (int j = 0; j < 4; j++)
            free(m->w[k][j]);
    free(m->w);
    free(m->cw);
    free(m->W_hy);
    free(m->b_y);
    free(m->x);
    free(m->x_dec);
    free(m->h0);
    free(m->c0);
}

/* The stack composed by hand: layer outputs y (T x B x D*H) of the top
 * layer, final states hn, cn ((L*D) x B x H) of every cell, from cells
 * cw[0..L*D) over x (T x B x I). */
static void compose_stack(const net *m, const rnn_cell_weights *cw, size_t L, size_t D,
                          size_t T, const float *x, const float *h0, const float *c0, float *y,
                          float *hn, float *cn)
{
    const size_t B = (size_t)m->d.B, I = (size_t)m->d.I, H = (size_t)m->d.H, BH = B * H;
    const size_t DH = D * H;
    float *in = calloc(T * B * (I > DH ? I : DH), sizeof *in);
    memcpy(in, x, T * B * I * sizeof *in);
    for (size_t l = 0; l < L; l++) {
        const size_t W = l ? DH : I;
        for (size_t d = 0; d < D; d++) {
            const size_t k = l * D + d;
            one_cell(m->d.cell, T, B, W, H, &cw[k], in, h0 ? h0 + k * BH : NULL,
                     c0 ? c0 + k * BH : NULL, d == 1, y, DH, d * H, hn + k * BH, cn + k * BH);
        }
        memcpy(in, y, T * B * DH * sizeof *in);
    }
    free(in);
}

/* logits = W_hy y + b_y over rows of y (each W wide). */
static void head(const net *m, const float *y, size_t rows, size_t W, float *logits)
{
    const size_t V = (size_t)m->d.V;
    for (size_t r = 0; r < rows; r++)
        for (size_t v = 0; v < V; v++) {
            double acc = m->b_y[v];
            for (size_t k = 0; k < W; k++)
                acc += (double)m->W_hy[v * W + k] * y[r * W + k];
            logits[r * V + v] = (float)acc;
        }
}

static void check_net(rnn_desc d, uint64_t seed)
{
    net m;
    net_make(&m, d, seed);
    const rnn_sizes *s = &m.s;
    const size_t T = (size_t)d.T, B = (size_t)d.B, I = (size_t)d.I, H = (size_t)d.H;
    const size_t L = s->layers, D = s->directions, BH = B * H, DH = D * H;
    const int seq2seq = d.topology == RNN_SEQ2SEQ, lstm = d.cell == RNN_LSTM;
    char what[64];
    snprintf(what, sizeof what, "%s %s L%zu%s", rnn_cell_name(d.cell),
             rnn_topology_name(d.topology), L, D == 2 ? " bi" : "");

    /* The stack, through the public reference API. */
    float *h = calloc(s->h, sizeof *h), *c = calloc(s->h, sizeof *c),
          *logits = calloc(s->logits, sizeof *logits);
    rnn_params p = {{0}, {0}, m.W_hy, m.b_y, m.cw, seq2seq ? m.cw + s->cells : NULL};
    rnn_inputs in = {m.x, NULL, m.x_dec, NULL, m.h0, m.c0, NULL};
    rnn_outputs out = {h, lstm ? c : NULL, logits, NULL};
    rnn_status st = rnn_reference_forward(&d, &p, &in, &out);
    CHECK(st == RNN_OK, "%s: rnn_reference_forward: %s", what, rnn_strerror(st));

    /* The same by hand. one2many's input is x at step 1, zeros after. */
    float *x_full = calloc(T * B * I, sizeof *x_full);
    memcpy(x_full, m.x, s->x * sizeof *x_full);
    float *y = calloc(T * B * DH, sizeof *y), *hn = calloc(s->state, sizeof *hn),
          *cn = calloc(s->state, sizeof *cn);
    compose_stack(&m, m.cw, L, D, T, x_full, m.h0, lstm ? m.c0 : NULL, y, hn, cn);
    const size_t P = s->scored, V = (size_t)d.V;
    float *want_logits = calloc(s->logits, sizeof *want_logits);
    float *dec_y = NULL;
    if (seq2seq) {
        /* Decoder layer l starts from the encoder's layer l: the forward
         * cell's final state plus the reverse cell's (at t = 0). */
        const size_t T_out = (size_t)d.T_out;
        float *h0d = calloc(L * BH, sizeof *h0d), *c0d = calloc(L * BH, sizeof *c0d),
              *hnd = calloc(L * BH, sizeof *hnd), *cnd = calloc(L * BH, sizeof *cnd);
        for (size_t l = 0; l < L; l++)
            for (size_t i = 0; i < BH; i++) {
                h0d[l * BH + i] = hn[l * D * BH + i] + (D == 2 ? hn[(l * D + 1) * BH + i] : 0.0f);
                c0d[l * BH + i] = cn[l * D * BH + i] + (D == 2 ? cn[(l * D + 1) * BH + i] : 0.0f);
            }
        dec_y = calloc(T_out * BH, sizeof *dec_y);
        compose_stack(&m, m.cw + s->cells, L, 1, T_out, m.x_dec, h0d, lstm ? c0d : NULL,
                      dec_y, hnd, cnd);
        head(&m, dec_y, T_out * B, H, want_logits);
        const double e = rel_diff(h + T * B * DH, dec_y, T_out * BH);
        CHECK(e <= TOL, "%s: decoder output differs from the composition: %.3e", what, e);
        free(h0d);
        free(c0d);
        free(hnd);
        free(cnd);
    } else {
        const size_t first = d.topology == RNN_MANY2ONE ? T - 1 : 0;
        head(&m, y + first * B * DH, P * B, DH, want_logits);
    }
    double e = rel_diff(h, y, T * B * DH);
    CHECK(e <= TOL, "%s: top layer's output differs from the composition: %.3e", what, e);
    e = rel_diff(logits, want_logits, P * B * V);
    CHECK(e <= TOL, "%s: logits differ from the head on the composed top layer: %.3e", what, e);
    printf("%-32s output %.2e  logits %.2e\n", what, rel_diff(h, y, T * B * DH), e);

    free(h);
    free(c);
    free(logits);
    free(x_full);
    free(y);
    free(hn);
    free(cn);
    free(want_logits);
    free(dec_y);
    net_free(&m);
}

/* One layer, one direction given as a layers array of one entry: the same
 * bits as the single cell given as cell. */
static void check_single_is_cell(void)
{
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, 4, 0, 2, 3, 5, 3};
        net m;
        net_make(&m, d, 77);
        const rnn_sizes *s = &m.s;
        float *h1 = calloc(s->h, sizeof *h1), *h2 = calloc(s->h, sizeof *h2);
        rnn_params p1 = {m.cw[0], {0}, m.W_hy, m.b_y};
        rnn_params p2 = {{0}, {0}, m.W_hy, m.b_y, m.cw, NULL};
        rnn_inputs in = {m.x, NULL, NULL, NULL, m.h0, m.c0, NULL};
        rnn_outputs o1 = {h1, NULL, NULL, NULL}, o2 = {h2, NULL, NULL, NULL};
        CHECK(rnn_reference_forward(&d, &p1, &in, &o1) == RNN_OK &&
                  rnn_reference_forward(&d, &p2, &in, &o2) == RNN_OK &&
                  memcmp(h1, h2, s->h * sizeof *h1) == 0,
              "%s: layers[0] and cell give different outputs", rnn_cell_name(d.cell));
        free(h1);
        free(h2);
        net_free(&m);
    }
}

/* rnn_desc_check and rnn_desc_problem on the stack fields. */
static void check_desc(void)
{
    rnn_desc d = {RNN_LSTM, RNN_MANY2MANY, 3, 0, 2, 3, 4, 3};
    rnn_sizes s;
    CHECK(rnn_desc_check(&d, &s) == RNN_OK && s.layers == 1 && s.directions == 1 &&
              s.state == 2 * 4 && rnn_desc_problem(&d) == NULL,
          "L = 0 must read as one layer");
    d.L = 3;
    d.bidirectional = 1;
    CHECK(rnn_desc_check(&d, &s) == RNN_OK && s.cells == 6 && s.state == 6 * 2 * 4 &&
              s.weight_ih == 4 * 4 * 3 && s.weight_ih_upper == 4 * 4 * 8 &&
              s.h == 3 * 2 * 8 && s.W_hy == 3 * 8 && s.head_in == 8,
          "sizes of a 3-layer bidirectional lstm");
    d.topology = RNN_SEQ2SEQ;
    d.T_out = 2;
    CHECK(rnn_desc_check(&d, &s) == RNN_OK && s.h == 3 * 2 * 8 + 2 * 2 * 4 && s.W_hy == 3 * 4,
          "seq2seq: the decoder's rows are H wide, and so is the head");
    d.L = -1;
    const char *why = rnn_desc_problem(&d);
    CHECK(rnn_desc_check(&d, NULL) == RNN_ERR_SIZE && why && strstr(why, "L is -1"),
          "L = -1: %s", why ? why : "(accepted)");
    d.L = RNN_MAX_LAYERS + 1;
    CHECK(rnn_desc_check(&d, NULL) == RNN_ERR_SIZE, "L above RNN_MAX_LAYERS accepted");
    d.L = 2;
    d.bidirectional = 2;
    why = rnn_desc_problem(&d);
    CHECK(rnn_desc_check(&d, NULL) == RNN_ERR_ARG && why && strstr(why, "bidirectional is 2"),
          "bidirectional = 2: %s", why ? why : "(accepted)");
    printf("rnn_desc_problem: \"%s\"\n", why ? why : "");
    /* Each field the check refuses, named by rnn_desc_problem. */
    const struct {
        rnn_desc d;
        const char *says;
    } bad[] = {
        {{(rnn_cell)RNN_CELL_COUNT, RNN_MANY2ONE, 3, 0, 2, 3, 4, 3}, "cell is 4; expected 0 to 3 (rnn_tanh"},
        {{RNN_GRU, (rnn_topology)RNN_TOPOLOGY_COUNT, 3, 0, 2, 3, 4, 3}, "topology is 5; expected 0 to 4"},
        {{RNN_GRU, RNN_MANY2ONE, 0, 0, 2, 3, 4, 3}, "T is 0; expected at least 1"},
        {{RNN_GRU, RNN_MANY2ONE, 3, 0, -2, 3, 4, 3}, "B is -2; expected at least 1"},
        {{RNN_GRU, RNN_MANY2ONE, 3, 0, 2, 0, 4, 3}, "I is 0; expected at least 1"},
        {{RNN_GRU, RNN_MANY2ONE, 3, 0, 2, 3, 0, 3}, "H is 0; expected at least 1"},
        {{RNN_GRU, RNN_MANY2ONE, 3, 0, 2, 3, 4, 0}, "V is 0; expected at least 1"},
        {{RNN_TANH, RNN_ONE2ONE, 2, 0, 2, 3, 4, 3}, "T is 2; one2one expects 1"},
        {{RNN_LSTM, RNN_SEQ2SEQ, 3, 0, 2, 3, 4, 3}, "T_out is 0; seq2seq expects at least 1"},
        {{RNN_LSTM, RNN_MANY2MANY, 3, 2, 2, 3, 4, 3}, "T_out is 2; many2many expects 0"},
        {{RNN_LSTM, RNN_MANY2MANY, INT64_C(1) << 40, 0, INT64_C(1) << 30, 4, 4, 2},
         "the tensors' sizes overflow size_t"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = rnn_desc_problem(&bad[i].d);
        CHECK(rnn_desc_check(&bad[i].d, NULL) != RNN_OK && why && strstr(why, bad[i].says),
              "desc %zu: rnn_desc_problem says \"%s\", expected \"%s\"", i, why ? why : "(none)",
              bad[i].says);
    }
    /* And the other side of each limit: every field at its smallest (or
     * largest) valid value is accepted, and rnn_desc_problem says nothing. */
    const rnn_desc edge[] = {
        {RNN_LSTM, RNN_SEQ2SEQ, 1, 1, 1, 1, 1, 1},
        {RNN_GRU, RNN_ONE2ONE, 1, 0, 1, 1, 1, 1},
        {RNN_TANH, RNN_MANY2MANY, 1, 0, 1, 1, 1, 1, RNN_MAX_LAYERS, 1},
        {RNN_LBR_GRU, RNN_SEQ2SEQ, 2, 1, 1, 1, 1, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        why = rnn_desc_problem(&edge[i]);
        CHECK(rnn_desc_check(&edge[i], NULL) == RNN_OK && !why,
              "valid desc %zu refused: rnn_desc_check %d, rnn_desc_problem \"%s\"", i,
              (int)rnn_desc_check(&edge[i], NULL), why ? why : "(none)");
    }
    CHECK(rnn_desc_problem(NULL) && strstr(rnn_desc_problem(NULL), "NULL"), "NULL desc");
    /* Every cell's buffers count: 256 layers of two directions overflow
     * where one cell would not. */
    rnn_desc big = {RNN_LSTM, RNN_MANY2MANY, INT64_C(1) << 30, 0, INT64_C(1) << 12, 4,
                    INT64_C(1) << 12, 2, RNN_MAX_LAYERS, 1};
    CHECK(rnn_desc_check(&big, NULL) == RNN_ERR_OVERFLOW, "256 bidirectional layers of 2^54 "
          "states each: %s", rnn_strerror(rnn_desc_check(&big, NULL)));
    big.L = 0;
    big.bidirectional = 0;
    CHECK(rnn_desc_check(&big, NULL) == RNN_OK, "one cell of the same size: %s",
          rnn_strerror(rnn_desc_check(&big, NULL)));
    big.L = RNN_MAX_LAYERS;
    big.bidirectional = 1;
    rnn_params none = {{0}, {0}, NULL, NULL};
    rnn_inputs nin = {0};
    rnn_outputs nout = {0};
    CHECK(rnn_reference_forward(&big, &none, &nin, &nout) == RNN_ERR_OVERFLOW,
          "the reference's own check of the same: %s",
          rnn_strerror(rnn_reference_forward(&big, &none, &nin, &nout)));
}

int main(void)
{
    check_desc();
    check_single_is_cell();
    for (int c = 0; c < RNN_CELL_COUNT; c++)
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++) {
            const int64_t T = t == RNN_ONE2ONE ? 1 : 5, T_out = t == RNN_SEQ2SEQ ? 3 : 0;
            rnn_desc d = {(rnn_cell)c, (rnn_topology)t, T, T_out, 2, 3, 4, 3, 2, 1};
            check_net(d, 900 + (uint64_t)(10 * c + t));
            d.L = 3;
            d.bidirectional = 0;
            check_net(d, 950 + (uint64_t)(10 * c + t));
        }
    return check_summary();
}
