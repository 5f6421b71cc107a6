/* test_reference_misc.c — everything about the reference that is not a
 * gradient check:
 *  (a) the portable PRNG and fills (reference/prng.c) reproduce pinned values.
 *      A change of any pinned value changes every generated case and so every
 *      golden hash in conformance/golden.txt: change them only together, as an
 *      explicit act;
 *  (b) the reference's portable exp / log (within 1 ulp of libm), expm1, tanh
 *      and sigmoid (within a few ulp of MPFR's correctly rounded values), and
 *      their special values;
 *  (c) API misuse of the reference entry points and of rnn_desc_check gives
 *      the exact status and never crashes;
 *  (d) the sequence API agrees bit for bit with the many2many topology's
 *      hidden states, and one-hot inputs by index with dense one-hot x;
 *  (e) hand-computed one-unit examples per cell, from docs/design.md §3's formulas,
 *      which a swapped gate order or the two GRU conventions confused fail. */
#include <inttypes.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "../reference/reference_internal.h"

/* ---- (a) PRNG and fills ---- */
static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void test_prng(void)
{
    /* Pinned once from reference/prng.c; see the header comment before changing. */
    CHECK(rnn_prng_u64(0, 0, 0) == 0xfd9c70a5802d4584ull, "prng(0,0,0) = %016" PRIx64,
          rnn_prng_u64(0, 0, 0));
    CHECK(rnn_prng_u64(1, 2, 3) == 0x44251d3a604bf361ull, "prng(1,2,3) = %016" PRIx64,
          rnn_prng_u64(1, 2, 3));
    CHECK(rnn_prng_u64(0xdeadbeefull, 7, 1000000) == 0xf346f85c53e32eb9ull,
          "prng(deadbeef,7,1e6) = %016" PRIx64, rnn_prng_u64(0xdeadbeefull, 7, 1000000));
    static const uint32_t pin_u[4] = {0xbf3eb74c, 0x3e991de0, 0x3f3fb3d6, 0xbe4b1fb8};
    static const uint32_t pin_n[4] = {0x3f3e0651, 0xbe846fa8, 0xbe5e0b0c, 0xbfd394fc};
    static const uint32_t pin_q[9] = {0x3f0316d1, 0x3c6e01cd, 0x3f3d6f99,
                                      0xbea94f05, 0xbf4cef81, 0x3e7a6a2e,
                                      0xbf29826a, 0x3ed271db, 0x3ee67803};
    float u[4], nrm[4], q[9];
    rnn_fill_uniform(u, 4, 42, 1, -1.0f, 1.0f);
    rnn_fill_normal(nrm, 4, 42, 2, 1.0f);
    CHECK(rnn_fill_orthogonal(q, 3, 3, 42, 3, 0.9) == RNN_OK, "fill_orthogonal status");
    for (int i = 0; i < 4; i++) {
        CHECK(float_bits(u[i]) == pin_u[i], "uniform[%d] = %08x, pinned %08x", i,
              float_bits(u[i]), pin_u[i]);
        CHECK(float_bits(nrm[i]) == pin_n[i], "normal[%d] = %08x, pinned %08x", i,
              float_bits(nrm[i]), pin_n[i]);
    }
    for (int i = 0; i < 9; i++)
        CHECK(float_bits(q[i]) == pin_q[i], "orthogonal[%d] = %08x, pinned %08x", i,
              float_bits(q[i]), pin_q[i]);

    /* Uniform: in [lo, hi), mean near the middle. */
    const size_t N = 200000;
    float *v = malloc(N * sizeof *v);
    rnn_fill_uniform(v, N, 7, 11, -0.25f, 0.75f);
    double lo = 1e9, hi = -1e9, mean = 0.0;
    for (size_t i = 0; i < N; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
        mean += v[i];
    }
    mean /= (double)N;
    printf("uniform [-0.25, 0.75): min %.6f max %.6f mean %.5f\n", lo, hi, mean);
    CHECK(lo >= -0.25 && hi < 0.75 && lo < -0.249 && hi > 0.749, "uniform range [%g, %g]", lo,
          hi);
    CHECK(fabs(mean - 0.25) < 0.005, "uniform mean %g", mean);

    /* Normal (Irwin-Hall of 12): mean 0, variance sigma^2, |value| <= 6 sigma. */
    rnn_fill_normal(v, N, 7, 12, 2.0f);
    double m = 0.0, m2 = 0.0, mx = 0.0;
    for (size_t i = 0; i < N; i++) {
        m += v[i];
        m2 += (double)v[i] * v[i];
        mx = fabs(v[i]) > mx ? fabs(v[i]) : mx;
    }
    m /= (double)N;
    const double var = m2 / (double)N - m * m;
    printf("normal sigma 2: mean %.5f variance %.4f max |v| %.3f\n", m, var, mx);
    CHECK(fabs(m) < 0.03 && fabs(var - 4.0) < 0.08 && mx <= 12.0, "normal mean %g var %g", m,
          var);
    free(v);

    /* Orthogonal: Q^T Q = rho^2 I, for n below and above the 16 reflections. */
    static const size_t ns[3] = {5, 16, 40};
    for (int t = 0; t < 3; t++) {
        const size_t n = ns[t], ld = n + 3;
        const double rho = 1.25;
        float *Q = calloc(n * ld, sizeof *Q);
        CHECK(rnn_fill_orthogonal(Q, n, ld, 99, (uint64_t)t, rho) == RNN_OK, "orthogonal %zu",
              n);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double dot = 0.0;
                for (size_t k = 0; k < n; k++)
                    dot += (double)Q[k * ld + i] * Q[k * ld + j];
                const double e = fabs(dot - (i == j ? rho * rho : 0.0)) / (rho * rho);
                worst = e > worst ? e : worst;
            }
        printf("orthogonal n=%zu rho=%.2f: max |Q^T Q - rho^2 I| / rho^2 = %.2e\n", n, rho,
               worst);
        CHECK(worst < 1e-6, "orthogonal n=%zu: Q^T Q off by %.3e", n, worst);
        free(Q);
    }
    float q1;
    CHECK(rnn_fill_orthogonal(NULL, 3, 3, 0, 0, 1.0) == RNN_ERR_NULL, "orthogonal NULL");
    CHECK(rnn_fill_orthogonal(&q1, 0, 0, 0, 0, 1.0) == RNN_ERR_SIZE, "orthogonal n=0");
    CHECK(rnn_fill_orthogonal(&q1, 3, 2, 0, 0, 1.0) == RNN_ERR_SIZE, "orthogonal ld<n");
}

/* ---- (b) the portable elementary functions ---- */
/* Doubles mapped to integers in the order of their values, so ulp distance is
 * a difference; NaN against NaN is 0, NaN against a number is huge. */
static int64_t ordered(double x)
{
    int64_t u;
    memcpy(&u, &x, sizeof u);
    return u < 0 ? INT64_MIN - u : u;
}

static double ulps(double got, double want)
{
    if (got != got || want != want)
        return (got != got) == (want != want) ? 0.0 : 1e300;
    const int64_t a = ordered(got), b = ordered(want);
    return a > b ? (double)(uint64_t)(a - b) : (double)(uint64_t)(b - a);
}

static double x_at(double lo, double hi, size_t i, size_t n)
{
    return lo + (hi - lo) * ((double)i / (double)(n - 1));
}

/* A positive finite double from random bits: covers every binade alike. */
static double random_positive(uint64_t r)
{
    uint64_t u = r % 0x7FEFFFFFFFFFFFFFull + 1;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static double mpfr_ref(int fn, double x)
{
    mpfr_t a;
    mpfr_init2(a, 160);
    mpfr_set_d(a, x, MPFR_RNDN);
    switch (fn) {
    case 0: mpfr_tanh(a, a, MPFR_RNDN); break;
    case 1: /* sigmoid = 1 / (1 + e^-x) */
        mpfr_neg(a, a, MPFR_RNDN);
        mpfr_exp(a, a, MPFR_RNDN);
        mpfr_add_ui(a, a, 1, MPFR_RNDN);
        mpfr_ui_div(a, 1, a, MPFR_RNDN);
        break;
    default: mpfr_expm1(a, a, MPFR_RNDN); break;
    }
    double r = mpfr_get_d(a, MPFR_RNDN);
    mpfr_clear(a);
    return r;
}

static void test_math(void)
{
    double w_exp = 0, w_log = 0, w_tanh = 0, w_sig = 0, w_em1 = 0;
    double at_exp = 0, at_log = 0, at_tanh = 0, at_sig = 0, at_em1 = 0;
#define TRACK(w, at, d, x) do { double d_ = (d); if (d_ > w) { w = d_; at = (x); } } while (0)
    const size_t N = 2000000;
    for (size_t i = 0; i < N; i++) {
        double x = x_at(-745.2, 709.8, i, N);
        TRACK(w_exp, at_exp, ulps(rnn_ref_exp(x), exp(x)), x);
        x = x_at(-2.0, 2.0, i, N) + 1e-9;
        TRACK(w_exp, at_exp, ulps(rnn_ref_exp(x), exp(x)), x);
        x = random_positive(rnn_prng_u64(5, 0, i));
        TRACK(w_log, at_log, ulps(rnn_ref_log(x), log(x)), x);
        x = x_at(0.25, 4.0, i, N);
        TRACK(w_log, at_log, ulps(rnn_ref_log(x), log(x)), x);
    }
    const size_t M = 200000;
    for (size_t i = 0; i < M; i++) {
        double x = x_at(-25.0, 25.0, i, M) + 1e-7;
        TRACK(w_tanh, at_tanh, ulps(rnn_ref_tanh(x), mpfr_ref(0, x)), x);
        x = random_positive(rnn_prng_u64(5, 1, i)) * 0x1p-1023; /* tiny to ~1 */
        if (x < 1.0)
            TRACK(w_tanh, at_tanh, ulps(rnn_ref_tanh(-x), mpfr_ref(0, -x)), x);
        x = x_at(-760.0, 40.0, i, M) + 1e-7;
        TRACK(w_sig, at_sig, ulps(rnn_ref_sigmoid(x), mpfr_ref(1, x)), x);
        x = x_at(-1.2, 1.2, i, M) + 1e-9;
        TRACK(w_em1, at_em1, ulps(rnn_ref_expm1(x), mpfr_ref(2, x)), x);
        /* Every branch of the reduction: k < 0, 0 < k <= 52, k > 52 (from
         * x = 36.7), and the cut to -1 below -40. */
        x = x_at(-45.0, 705.0, i, M) + 1e-7;
        TRACK(w_em1, at_em1, ulps(rnn_ref_expm1(x), mpfr_ref(2, x)), x);
    }
#undef TRACK
    printf("rnn_ref_exp   max %.0f ulp vs libm exp  (at %.17g)\n", w_exp, at_exp);
    printf("rnn_ref_log   max %.0f ulp vs libm log  (at %.17g)\n", w_log, at_log);
    printf("rnn_ref_expm1 max %.0f ulp vs MPFR      (at %.17g)\n", w_em1, at_em1);
    printf("rnn_ref_tanh  max %.0f ulp vs MPFR      (at %.17g)\n", w_tanh, at_tanh);
    printf("rnn_ref_sigmoid max %.0f ulp vs MPFR    (at %.17g)\n", w_sig, at_sig);
    CHECK(w_exp <= 1, "rnn_ref_exp: %g ulp from libm at %.17g", w_exp, at_exp);
    CHECK(w_log <= 1, "rnn_ref_log: %g ulp from libm at %.17g", w_log, at_log);
    CHECK(w_em1 <= 2, "rnn_ref_expm1: %g ulp from MPFR at %.17g", w_em1, at_em1);
    CHECK(w_tanh <= 4, "rnn_ref_tanh: %g ulp from MPFR at %.17g", w_tanh, at_tanh);
    CHECK(w_sig <= 4, "rnn_ref_sigmoid: %g ulp from MPFR at %.17g", w_sig, at_sig);

    /* Special values and thresholds, compared with libm bit for bit (<= 1 ulp
     * where the value is finite and inexact). */
    const double inf = INFINITY;
    static const double ex[] = {0.0, -0.0, 1.0, -1.0, 709.78271289338397, 709.782712893384,
                                710.0, -708.39641853226408, -708.3964185322642,
                                -745.13321910194110, -745.1332191019412, -746.0, 1e-300,
                                -1e-300, 0x1p-1074};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        CHECK(ulps(rnn_ref_exp(ex[i]), exp(ex[i])) <= 1, "rnn_ref_exp(%.17g) = %.17g, libm %.17g",
              ex[i], rnn_ref_exp(ex[i]), exp(ex[i]));
    CHECK(rnn_ref_exp(0.0) == 1.0 && rnn_ref_exp(-0.0) == 1.0, "exp(+-0) = 1");
    CHECK(rnn_ref_exp(inf) == inf && rnn_ref_exp(-inf) == 0.0 && isnan(rnn_ref_exp(NAN)),
          "exp(+inf) %g, exp(-inf) %g, exp(NaN) %g", rnn_ref_exp(inf), rnn_ref_exp(-inf),
          rnn_ref_exp(NAN));
    /* The last finite result and the first infinite one; the last nonzero
     * (2^-1074) and the first zero. */
    CHECK(rnn_ref_exp(0x1.62e42fefa39efp+9) == exp(0x1.62e42fefa39efp+9) &&
              isinf(rnn_ref_exp(0x1.62e42fefa39f0p+9)) && isinf(exp(0x1.62e42fefa39f0p+9)),
          "exp overflow threshold: %.17g", rnn_ref_exp(0x1.62e42fefa39efp+9));
    CHECK(rnn_ref_exp(-0x1.74910d52d3051p+9) == 0x1p-1074 &&
              rnn_ref_exp(-0x1.74910d52d3052p+9) == 0.0 &&
              exp(-0x1.74910d52d3051p+9) == 0x1p-1074 && exp(-0x1.74910d52d3052p+9) == 0.0,
          "exp underflow threshold: %g %g", rnn_ref_exp(-0x1.74910d52d3051p+9),
          rnn_ref_exp(-0x1.74910d52d3052p+9));
    static const double lx[] = {1.0, 2.0, 0.5, 0x1p-1074, 0x1p-1022, 0x1.fffffffffffffp+1023,
                                0.9999999999999999, 1.0000000000000002, 10.0, 1e-300};
    for (size_t i = 0; i < sizeof lx / sizeof lx[0]; i++)
        CHECK(ulps(rnn_ref_log(lx[i]), log(lx[i])) <= 1, "rnn_ref_log(%.17g) = %.17g, libm %.17g",
              lx[i], rnn_ref_log(lx[i]), log(lx[i]));
    CHECK(rnn_ref_log(1.0) == 0.0, "log(1) = %g", rnn_ref_log(1.0));
    CHECK(rnn_ref_log(0.0) == -inf && rnn_ref_log(-0.0) == -inf, "log(+-0) = -inf");
    CHECK(isnan(rnn_ref_log(-1.0)) && isnan(rnn_ref_log(-inf)) && isnan(rnn_ref_log(NAN)),
          "log of negatives and NaN is NaN");
    CHECK(rnn_ref_log(inf) == inf, "log(inf) = %g", rnn_ref_log(inf));
    CHECK(rnn_ref_tanh(0.0) == 0.0 && !signbit(rnn_ref_tanh(0.0)) && signbit(rnn_ref_tanh(-0.0)),
          "tanh(+-0) keeps the sign");
    CHECK(rnn_ref_tanh(inf) == 1.0 && rnn_ref_tanh(-inf) == -1.0 && isnan(rnn_ref_tanh(NAN)),
          "tanh(+-inf), tanh(NaN)");
    CHECK(rnn_ref_tanh(1e-300) == 1e-300 && rnn_ref_tanh(-0x1p-1074) == -0x1p-1074,
          "tanh(tiny) = tiny: %.17g", rnn_ref_tanh(1e-300));
    CHECK(rnn_ref_tanh(30.0) == 1.0 && rnn_ref_tanh(-30.0) == -1.0, "tanh saturates");
    CHECK(rnn_ref_sigmoid(0.0) == 0.5 && rnn_ref_sigmoid(inf) == 1.0 &&
              rnn_ref_sigmoid(-inf) == 0.0 && isnan(rnn_ref_sigmoid(NAN)),
          "sigmoid(0), sigmoid(+-inf), sigmoid(NaN)");
    CHECK(rnn_ref_sigmoid(-800.0) == 0.0 && rnn_ref_sigmoid(-700.0) > 0.0 &&
              rnn_ref_sigmoid(40.0) == 1.0,
          "sigmoid limits: %g %g", rnn_ref_sigmoid(-800.0), rnn_ref_sigmoid(-700.0));
    CHECK(rnn_ref_expm1(0.0) == 0.0 && rnn_ref_expm1(1e-300) == 1e-300 &&
              rnn_ref_expm1(-inf) == -1.0 && rnn_ref_expm1(inf) == inf &&
              isnan(rnn_ref_expm1(NAN)) && isinf(rnn_ref_expm1(710.0)),
          "expm1 specials: expm1(NaN) %g, expm1(710) %g", rnn_ref_expm1(NAN),
          rnn_ref_expm1(710.0));
}

/* ---- a small problem with every buffer, for (c) and (d) ---- */
typedef struct {
    rnn_desc d;
    rnn_sizes s;
    float *w[2][4], *W_hy, *b_y, *x, *x_dec, *h0, *c0;
    int32_t *targets;
    rnn_params p;
    rnn_inputs in;
} small;

static float *filled(size_t n, uint64_t stream, float a)
{
    float *v = calloc(n ? n : 1, sizeof *v);
    rnn_fill_uniform(v, n, 77, stream, -a, a);
    return v;
}

static void small_make(small *m, rnn_desc d)
{
    memset(m, 0, sizeof *m);
    m->d = d;
    CHECK(rnn_ref_check_desc(&d, &m->s) == RNN_OK, "small problem invalid");
    const size_t n[4] = {m->s.weight_ih, m->s.weight_hh, m->s.bias, m->s.bias};
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            m->w[c][k] = filled(n[k], (uint64_t)(c * 4 + k), 0.7f);
    m->W_hy = filled(m->s.W_hy, 10, 1.0f);
    m->b_y = filled(m->s.b_y, 11, 0.5f);
    m->x = filled(m->s.x, 12, 1.0f);
    m->x_dec = filled(m->s.x_dec, 13, 1.0f);
    m->h0 = filled(m->s.state, 14, 0.5f);
    m->c0 = filled(m->s.state, 15, 0.5f);
    m->targets = calloc(m->s.targets + 1, sizeof *m->targets);
    for (size_t i = 0; i < m->s.targets; i++)
        m->targets[i] = (int32_t)(i % (size_t)d.V);
    m->p = (rnn_params){{m->w[0][0], m->w[0][1], m->w[0][2], m->w[0][3]},
                        {m->w[1][0], m->w[1][1], m->w[1][2], m->w[1][3]}, m->W_hy, m->b_y};
    m->in = (rnn_inputs){m->x, NULL, m->x_dec, NULL, m->h0, m->c0, m->targets};
}

static void small_free(small *m)
{
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            free(m->w[c][k]);
    free(m->W_hy);
    free(m->b_y);
    free(m->x);
    free(m->x_dec);
    free(m->h0);
    free(m->c0);
    free(m->targets);
}

/* ---- (c) misuse ---- */
/* Every validator and entry point gives want for d. Entry points are only
 * called for invalid descs: they fail before reading a buffer, so the small
 * problem's buffers (of another shape) are never read past their ends. */
static void expect_desc(rnn_desc d, rnn_status want, const char *what)
{
    rnn_status a = rnn_desc_check(&d, NULL), b = rnn_ref_check_desc(&d, NULL);
    CHECK(a == want && b == want, "%s: rnn_desc_check %d, rnn_ref_check_desc %d, want %d", what,
          (int)a, (int)b, (int)want);
    if (want == RNN_OK)
        return;
    small m;
    small_make(&m, (rnn_desc){RNN_LSTM, RNN_SEQ2SEQ, 2, 2, 2, 3, 2, 3});
    float h[64], loss, go[64];
    rnn_outputs out = {h, NULL, NULL, &loss};
    rnn_grads g = {0};
    g.h0 = go;
    rnn_status c = rnn_reference_forward(&d, &m.p, &m.in, &out);
    rnn_status e = rnn_reference_train(&d, &m.p, &m.in, &out, &g);
    rnn_status f = rnn_reference_seq_forward(&d, &m.p.cell, m.x, NULL, NULL, h, NULL, NULL);
    rnn_status s = rnn_reference_seq_backward(&d, &m.p.cell, m.x, NULL, NULL, NULL, NULL, NULL,
                                              &g);
    CHECK(c == want && e == want, "%s: reference forward %d, train %d, want %d", what, (int)c,
          (int)e, (int)want);
    CHECK(f == want && s == want, "%s: seq forward %d, backward %d, want %d", what, (int)f,
          (int)s, (int)want);
    small_free(&m);
}

static void test_misuse(void)
{
    const rnn_desc ok = {RNN_GRU, RNN_MANY2MANY, 3, 0, 2, 3, 2, 3};
    rnn_desc d;
    CHECK(rnn_desc_check(NULL, NULL) == RNN_ERR_NULL &&
              rnn_ref_check_desc(NULL, NULL) == RNN_ERR_NULL,
          "NULL desc");
    CHECK(rnn_reference_forward(NULL, NULL, NULL, NULL) == RNN_ERR_NULL &&
              rnn_reference_train(NULL, NULL, NULL, NULL, NULL) == RNN_ERR_NULL &&
              rnn_reference_seq_forward(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) ==
                  RNN_ERR_NULL &&
              rnn_reference_seq_backward(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                         NULL) == RNN_ERR_NULL,
          "reference entry points with a NULL desc");
#define DESC_CASE(field, value, want)                                    \
    do {                                                                 \
        d = ok;                                                          \
        d.field = value;                                                 \
        expect_desc(d, want, #field " = " #value);                       \
    } while (0)
    expect_desc(ok, RNN_OK, "valid gru many2many");
    DESC_CASE(cell, (rnn_cell)RNN_CELL_COUNT, RNN_ERR_CELL);
    DESC_CASE(cell, (rnn_cell)-1, RNN_ERR_CELL);
    DESC_CASE(topology, (rnn_topology)RNN_TOPOLOGY_COUNT, RNN_ERR_TOPOLOGY);
    DESC_CASE(topology, (rnn_topology)-3, RNN_ERR_TOPOLOGY);
    DESC_CASE(T, 0, RNN_ERR_SIZE);
    DESC_CASE(T, -5, RNN_ERR_SIZE);
    DESC_CASE(B, 0, RNN_ERR_SIZE);
    DESC_CASE(I, -1, RNN_ERR_SIZE);
    DESC_CASE(H, 0, RNN_ERR_SIZE);
    DESC_CASE(V, 0, RNN_ERR_SIZE);
    DESC_CASE(T_out, 1, RNN_ERR_SIZE);  /* T_out only for seq2seq */
    DESC_CASE(T_out, -1, RNN_ERR_SIZE);
    DESC_CASE(T, INT64_C(1) << 40, RNN_OK); /* T alone is fine ... */
    d = ok;
    d.T = INT64_C(1) << 40;
    d.B = INT64_C(1) << 40;
    expect_desc(d, RNN_ERR_OVERFLOW, "T*B*H beyond size_t"); /* ... T*B*H is not */
    /* The drivers' gate caches of every cell: L*D*S*B rows of up to 4H
     * floats, beyond size_t's floats while S*B*4H and L*D*S*B both fit
     * (the same problem with one cell and a quarter of the steps is valid). */
    d = (rnn_desc){RNN_LSTM, RNN_MANY2ONE, INT64_C(1) << 39, 0, 1, 1, INT64_C(1) << 20, 1, 2, 1};
    expect_desc(d, RNN_ERR_OVERFLOW, "L*D*T*B*4H beyond size_t");
    d.T = INT64_C(1) << 37;
    d.L = 1;
    d.bidirectional = 0;
    expect_desc(d, RNN_OK, "T*B*4H = 2^59 floats in one cell");
    DESC_CASE(H, INT64_C(1) << 62, RNN_ERR_OVERFLOW);
    DESC_CASE(I, INT64_MAX, RNN_ERR_OVERFLOW);
    DESC_CASE(V, INT64_C(1) << 61, RNN_ERR_OVERFLOW);
    d = ok;
    d.topology = RNN_ONE2ONE;
    d.T = 2;
    expect_desc(d, RNN_ERR_SIZE, "one2one with T = 2");
    d.T = 1;
    expect_desc(d, RNN_OK, "one2one with T = 1");
    d = ok;
    d.topology = RNN_SEQ2SEQ;
    expect_desc(d, RNN_ERR_SIZE, "seq2seq with T_out = 0");
    d.T_out = INT64_MAX;
    d.T = INT64_MAX;
    expect_desc(d, RNN_ERR_OVERFLOW, "seq2seq with T + T_out beyond int64");
#undef DESC_CASE

    /* Pointers and values, on a valid seq2seq lstm problem. */
    small m;
    small_make(&m, (rnn_desc){RNN_LSTM, RNN_SEQ2SEQ, 2, 2, 2, 3, 2, 3});
    float h[64], logits[64], loss, gbuf[64];
    rnn_outputs out = {h, NULL, logits, &loss}, none = {0};
    rnn_grads g = {0};
    g.W_hy = gbuf;
    const rnn_desc *D = &m.d;
    CHECK(rnn_reference_forward(D, NULL, &m.in, &out) == RNN_ERR_NULL, "forward NULL params");
    CHECK(rnn_reference_forward(D, &m.p, NULL, &out) == RNN_ERR_NULL, "forward NULL inputs");
    CHECK(rnn_reference_forward(D, &m.p, &m.in, NULL) == RNN_ERR_NULL, "forward NULL outputs");
    CHECK(rnn_reference_forward(D, &m.p, &m.in, &none) == RNN_OK, "forward, nothing wanted");
    CHECK(rnn_reference_forward(D, &m.p, &m.in, &out) == RNN_OK, "forward valid");
    CHECK(rnn_reference_train(D, &m.p, &m.in, NULL, &g) == RNN_OK, "train, out NULL");
    CHECK(rnn_reference_train(D, &m.p, &m.in, &out, NULL) == RNN_ERR_NULL, "train NULL grads");
    {
        rnn_params p = m.p;
        p.cell.weight_hh = NULL;
        CHECK(rnn_reference_forward(D, &p, &m.in, &out) == RNN_ERR_NULL, "NULL weight_hh");
        p = m.p;
        p.decoder.weight_ih = NULL;
        CHECK(rnn_reference_train(D, &p, &m.in, &out, &g) == RNN_ERR_NULL,
              "NULL decoder weight_ih");
        p = m.p;
        p.cell.bias_ih = p.cell.bias_hh = p.b_y = NULL; /* absent biases mean zeros */
        CHECK(rnn_reference_train(D, &p, &m.in, &out, &g) == RNN_OK, "NULL biases are zeros");
        p = m.p;
        p.W_hy = NULL;
        CHECK(rnn_reference_forward(D, &p, &m.in, &out) == RNN_ERR_NULL, "logits without W_hy");
        CHECK(rnn_reference_forward(D, &p, &m.in, &none) == RNN_OK, "no head wanted, no W_hy");
        CHECK(rnn_reference_train(D, &p, &m.in, &none, &g) == RNN_ERR_NULL, "train w/o W_hy");
    }
    {
        rnn_inputs in = m.in;
        in.x = NULL;
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_ERR_NULL, "NULL x");
        in = m.in;
        in.x_dec = NULL;
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_ERR_NULL, "NULL x_dec");
        in = m.in;
        in.targets = NULL;
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_ERR_NULL, "loss w/o targets");
        rnn_outputs no_loss = {h, NULL, logits, NULL};
        CHECK(rnn_reference_forward(D, &m.p, &in, &no_loss) == RNN_OK, "no loss, no targets");
        CHECK(rnn_reference_train(D, &m.p, &in, NULL, &g) == RNN_ERR_NULL, "train w/o targets");
        in = m.in;
        in.h0 = in.c0 = NULL; /* zeros */
        CHECK(rnn_reference_train(D, &m.p, &in, &out, &g) == RNN_OK, "NULL h0, c0 are zeros");

        int32_t bad[8] = {0, 1, 2, 0, 1, 2, 0, 1};
        in = m.in;
        bad[3] = 3; /* == V */
        in.targets = bad;
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_ERR_VALUE, "target = V");
        CHECK(rnn_reference_train(D, &m.p, &in, &out, &g) == RNN_ERR_VALUE, "train target = V");
        bad[3] = -1;
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_ERR_VALUE, "target = -1");
        CHECK(rnn_reference_forward(D, &m.p, &in, &none) == RNN_OK, "targets unused, unchecked");
        int32_t idx[4] = {0, 1, 2, 1};
        in = m.in;
        in.x_index = idx;
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_OK, "x_index valid");
        idx[2] = 3; /* == I */
        CHECK(rnn_reference_forward(D, &m.p, &in, &out) == RNN_ERR_VALUE, "x_index = I");
        idx[2] = 0;
        int32_t didx[4] = {0, -1, 0, 0};
        in.x_dec_index = didx;
        CHECK(rnn_reference_train(D, &m.p, &in, &out, &g) == RNN_ERR_VALUE, "x_dec_index = -1");
    }
    /* The sequence API. */
    {
        rnn_desc sd = {RNN_GRU, RNN_MANY2MANY, 2, 0, 2, 3, 2, 1};
        float y[16], gx[16];
        rnn_grads sg = {0};
        sg.x = gx;
        CHECK(rnn_reference_seq_forward(&sd, NULL, m.x, NULL, NULL, y, NULL, NULL) ==
                  RNN_ERR_NULL, "seq NULL weights");
        CHECK(rnn_reference_seq_forward(&sd, &m.p.cell, NULL, NULL, NULL, y, NULL, NULL) ==
                  RNN_ERR_NULL, "seq NULL x");
        CHECK(rnn_reference_seq_backward(&sd, &m.p.cell, m.x, NULL, NULL, NULL, NULL, NULL,
                                         NULL) == RNN_ERR_NULL, "seq backward NULL grads");
        CHECK(rnn_reference_seq_backward(&sd, &m.p.cell, m.x, NULL, NULL, NULL, NULL, NULL,
                                         &sg) == RNN_OK, "seq backward, no upstream grads");
        sd.topology = RNN_MANY2ONE;
        CHECK(rnn_reference_seq_forward(&sd, &m.p.cell, m.x, NULL, NULL, y, NULL, NULL) ==
                  RNN_ERR_TOPOLOGY, "seq on many2one");
    }
    small_free(&m);

    /* A valid problem too big to hold in memory: every input of it would be
     * 2^60 bytes as doubles, so the first allocation fails. The caller's
     * (tiny) buffers are never read past the allocation that fails. */
    if (sizeof(size_t) == 8) {
        small t;
        small_make(&t, (rnn_desc){RNN_TANH, RNN_MANY2MANY, 1, 0, 1, 1, 1, 1});
        rnn_desc big = {RNN_TANH, RNN_MANY2MANY, INT64_C(1) << 57, 0, 1, 1, 1, 1};
        float y1;
        rnn_outputs o1 = {&y1, NULL, NULL, NULL};
        CHECK(rnn_desc_check(&big, NULL) == RNN_OK, "2^57 steps: a valid desc");
        rnn_status st = rnn_reference_forward(&big, &t.p, &t.in, &o1);
        CHECK(st == RNN_ERR_NOMEM, "2^57 steps forward: status %d, want NOMEM", (int)st);
        st = rnn_reference_seq_forward(&big, &t.p.cell, t.x, NULL, NULL, &y1, NULL, NULL);
        CHECK(st == RNN_ERR_NOMEM, "2^57 steps seq: status %d, want NOMEM", (int)st);
        small_free(&t);
    }
}

/* ---- (d) agreement between entry points ---- */
static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_agreement(void)
{
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        const int lstm = c == RNN_LSTM;
        small m;
        small_make(&m, (rnn_desc){(rnn_cell)c, RNN_MANY2MANY, 4, 0, 3, 5, 6, 4});
        const size_t nh = m.s.h, BH = m.s.state;
        float *h = calloc(nh, 4), *cs = calloc(nh, 4), *y = calloc(nh, 4), *hn = calloc(BH, 4),
              *cn = calloc(BH, 4);
        rnn_outputs out = {h, cs, NULL, NULL};
        CHECK(rnn_reference_forward(&m.d, &m.p, &m.in, &out) == RNN_OK, "many2many forward");
        CHECK(rnn_reference_seq_forward(&m.d, &m.p.cell, m.x, m.h0, m.c0, y, hn, cn) == RNN_OK,
              "seq forward");
        CHECK(same_bits(h, y, nh) && same_bits(h + nh - BH, hn, BH) &&
                  (!lstm || same_bits(cs + nh - BH, cn, BH)),
              "%s: seq forward differs from many2many's hidden states", rnn_cell_name(c));
        free(h);
        free(cs);
        free(y);
        free(hn);
        free(cn);
        small_free(&m);

        /* One-hot by index == dense one-hot x, for encoder and decoder. */
        small q;
        small_make(&q, (rnn_desc){(rnn_cell)c, RNN_SEQ2SEQ, 3, 2, 2, 4, 3, 5});
        const size_t I = 4, rows = q.s.x / I, drows = q.s.x_dec / I;
        int32_t *xi = calloc(rows, 4), *di = calloc(drows, 4);
        float *xd = calloc(q.s.x, 4), *dd = calloc(q.s.x_dec, 4);
        for (size_t r = 0; r < rows; r++) {
            xi[r] = (int32_t)((r * 3 + 1) % I);
            xd[r * I + (size_t)xi[r]] = 1.0f;
        }
        for (size_t r = 0; r < drows; r++) {
            di[r] = (int32_t)((r * 5 + 2) % I);
            dd[r * I + (size_t)di[r]] = 1.0f;
        }
        float res[2][6][256];
        float sentinel = -12345.0f;
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 6; j++)
                for (int e = 0; e < 256; e++)
                    res[k][j][e] = sentinel;
            rnn_inputs in = q.in;
            if (k) {
                in.x = NULL;
                in.x_index = xi;
                in.x_dec = NULL;
                in.x_dec_index = di;
            } else {
                in.x = xd;
                in.x_dec = dd;
            }
            rnn_outputs o = {res[k][0], NULL, res[k][1], &res[k][2][0]};
            rnn_grads g = {res[k][3], res[k][4], NULL, NULL, {res[k][5], NULL, NULL, NULL},
                           {NULL, NULL, NULL, NULL}, NULL, NULL};
            CHECK(rnn_reference_train(&q.d, &q.p, &in, &o, &g) == RNN_OK, "train one-hot %d", k);
        }
        CHECK(same_bits(res[0][0], res[1][0], q.s.h) &&
                  same_bits(res[0][1], res[1][1], q.s.logits) && res[0][2][0] == res[1][2][0] &&
                  same_bits(res[0][5], res[1][5], q.s.weight_ih),
              "%s: x_index differs from dense one-hot x", rnn_cell_name(c));
        CHECK(res[1][3][0] == sentinel && res[1][4][0] == sentinel,
              "%s: grads.x / x_dec written although inputs came by index", rnn_cell_name(c));
        free(xi);
        free(di);
        free(xd);
        free(dd);
        small_free(&q);
    }
}

/* Each topology's states against the plain sequence over the inputs
 * docs/design.md §5 says it sees, in the double layer, bit for bit; and the scored
 * logits against many2many's at the same steps. */
static double *dfill(size_t n, uint64_t stream, double a)
{
    double *v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = a * ((double)(rnn_prng_u64(31, stream, i) >> 11) * 0x1p-52 - 1.0);
    return v;
}

static void test_topologies(void)
{
    const size_t T = 4, T_out = 3, B = 2, I = 3, H = 4, V = 5, BH = B * H;
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        const size_t G = rnn_ref_gates((rnn_cell)c), GH = G * H;
        double *wt[2][4];
        for (int e = 0; e < 2; e++) {
            wt[e][0] = dfill(GH * I, (uint64_t)(e * 4), 0.7);
            wt[e][1] = dfill(GH * H, (uint64_t)(e * 4 + 1), 0.7);
            wt[e][2] = dfill(GH, (uint64_t)(e * 4 + 2), 0.7);
            wt[e][3] = dfill(GH, (uint64_t)(e * 4 + 3), 0.7);
        }
        ref_params p = {{wt[0][0], wt[0][1], wt[0][2], wt[0][3]},
                        {wt[1][0], wt[1][1], wt[1][2], wt[1][3]},
                        dfill(V * H, 8, 1.0), dfill(V, 9, 0.5)};
        double *x = dfill(T * B * I, 10, 1.0), *x_dec = dfill(T_out * B * I, 11, 1.0),
               *h0 = dfill(BH, 12, 0.5), *c0 = dfill(BH, 13, 0.5);
        double *x_1m = calloc(T * B * I, sizeof *x_1m); /* one2many's inputs */
        memcpy(x_1m, x, B * I * sizeof *x);
        double *h = calloc((T + T_out) * BH, sizeof *h), *lg = calloc(T * B * V, sizeof *lg),
               *y = calloc((T + T_out) * BH, sizeof *y), *lg_all = calloc(T * B * V, sizeof *lg),
               *hn = calloc(BH, sizeof *hn), *cn = calloc(BH, sizeof *cn);
        int ok = 1;
        for (int t = 0; t < RNN_TOPOLOGY_COUNT; t++) {
            const size_t Tt = t == RNN_ONE2ONE ? 1 : T;
            rnn_desc d = {(rnn_cell)c, (rnn_topology)t, (int64_t)Tt,
                          t == RNN_SEQ2SEQ ? (int64_t)T_out : 0, (int64_t)B, (int64_t)I,
                          (int64_t)H, (int64_t)V};
            ref_inputs in = {x, x_dec, h0, c0, NULL};
            ref_outputs out = {h, NULL, lg, NULL};
            ok &= rnn_ref_model_run(&d, &p, &in, &out, NULL) == RNN_OK;
            /* The plain sequence over what this topology feeds its cell. */
            rnn_desc sd = {(rnn_cell)c, RNN_MANY2MANY, (int64_t)Tt, 0, (int64_t)B, (int64_t)I,
                           (int64_t)H, (int64_t)V};
            ok &= rnn_ref_seq_run(&sd, &p.cell, t == RNN_ONE2MANY ? x_1m : x, h0, c0, y, hn, cn,
                                  NULL, NULL, NULL, NULL) == RNN_OK;
            size_t steps = Tt;
            if (t == RNN_SEQ2SEQ) {
                sd.T = (int64_t)T_out;
                ok &= rnn_ref_seq_run(&sd, &p.decoder, x_dec, hn, cn, y + T * BH, NULL, NULL, NULL,
                                      NULL, NULL, NULL) == RNN_OK;
                steps += T_out;
            }
            const int same = memcmp(h, y, steps * BH * sizeof *h) == 0;
            CHECK(same, "%s %s: hidden states differ from the plain sequence over its inputs",
                  rnn_cell_name(c), rnn_topology_name(t));
            /* Logits: many2many scores every step; the others a subset. */
            if (t == RNN_MANY2MANY)
                memcpy(lg_all, lg, T * B * V * sizeof *lg);
            if (t == RNN_MANY2ONE) {
                rnn_desc md = d;
                md.topology = RNN_MANY2MANY;
                ref_outputs mo = {NULL, NULL, lg_all, NULL};
                ok &= rnn_ref_model_run(&md, &p, &in, &mo, NULL) == RNN_OK;
                CHECK(memcmp(lg, lg_all + (T - 1) * B * V, B * V * sizeof *lg) == 0,
                      "%s many2one: logits are not those of step T", rnn_cell_name(c));
            }
        }
        CHECK(ok, "%s: a topology run failed", rnn_cell_name(c));
        for (int e = 0; e < 2; e++)
            for (int k = 0; k < 4; k++)
                free(wt[e][k]);
        free((void *)p.W_hy);
        free((void *)p.b_y);
        free(x);
        free(x_dec);
        free(h0);
        free(c0);
        free(x_1m);
        free(h);
        free(lg);
        free(y);
        free(lg_all);
        free(hn);
        free(cn);
    }
}

/* ---- (e) hand-computed one-unit examples ---- */
static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One step, H = I = B = 1, from docs/design.md §3's table. wi, wh, bi, bh are the G
 * rows of weight_ih, weight_hh, bias_ih, bias_hh. Returns h'; *c_next for lstm. */
static double hand_step(rnn_cell cell, const double *wi, const double *wh, const double *bi,
                        const double *bh, double x, double h, double c, double *c_next)
{
    switch (cell) {
    case RNN_TANH:
        return tanh(wi[0] * x + bi[0] + wh[0] * h + bh[0]);
    case RNN_LSTM: {
        const double i = sig(wi[0] * x + bi[0] + wh[0] * h + bh[0]);
        const double f = sig(wi[1] * x + bi[1] + wh[1] * h + bh[1]);
        const double g = tanh(wi[2] * x + bi[2] + wh[2] * h + bh[2]);
        const double o = sig(wi[3] * x + bi[3] + wh[3] * h + bh[3]);
        *c_next = f * c + i * g;
        return o * tanh(*c_next);
    }
    case RNN_GRU: { /* Cho et al. 2014: reset before the product, h' = (1-z) h + z n */
        const double r = sig(wi[0] * x + bi[0] + wh[0] * h + bh[0]);
        const double z = sig(wi[1] * x + bi[1] + wh[1] * h + bh[1]);
        const double n = tanh(wi[2] * x + bi[2] + wh[2] * (r * h) + bh[2]);
        return (1.0 - z) * h + z * n;
    }
    default: { /* lbr_gru, PyTorch's: n = tanh(W_in x + b_in + r (W_hn h + b_hn)) */
        const double r = sig(wi[0] * x + bi[0] + wh[0] * h + bh[0]);
        const double z = sig(wi[1] * x + bi[1] + wh[1] * h + bh[1]);
        const double n = tanh(wi[2] * x + bi[2] + r * (wh[2] * h + bh[2]));
        return (1.0 - z) * n + z * h;
    }
    }
}

static void test_known_values(void)
{
    /* Distinct values per gate, so that a permutation of gates moves h'. */
    static const float wi[4] = {0.9f, -1.3f, 0.6f, 1.7f}, wh[4] = {-0.8f, 1.1f, 1.5f, -0.4f},
                       bi[4] = {0.3f, 0.8f, -0.5f, 0.2f}, bh[4] = {-0.6f, 0.4f, 0.7f, -0.9f};
    double dwi[4], dwh[4], dbi[4], dbh[4];
    for (int k = 0; k < 4; k++) {
        dwi[k] = wi[k];
        dwh[k] = wh[k];
        dbi[k] = bi[k];
        dbh[k] = bh[k];
    }
    const float x[2] = {0.75f, -1.25f}, h0 = 0.6f, c0 = -0.8f;
    double expect_h1[RNN_CELL_COUNT];
    for (int c = 0; c < RNN_CELL_COUNT; c++) {
        /* T = 2 through the sequence API: h1, h2 (and c2). */
        rnn_desc d = {(rnn_cell)c, RNN_MANY2MANY, 2, 0, 1, 1, 1, 2};
        rnn_cell_weights w = {wi, wh, bi, bh};
        float y[2], hn, cn = 0.0f;
        CHECK(rnn_reference_seq_forward(&d, &w, x, &h0, &c0, y, &hn, &cn) == RNN_OK,
              "hand example %s", rnn_cell_name(c));
        double c1 = 0, c2 = 0;
        const double h1 = hand_step((rnn_cell)c, dwi, dwh, dbi, dbh, x[0], h0, c0, &c1);
        const double h2 = hand_step((rnn_cell)c, dwi, dwh, dbi, dbh, x[1], h1, c1, &c2);
        expect_h1[c] = h1;
        printf("%-8s hand: h1 %.9f h2 %.9f%s  reference: %.9f %.9f\n", rnn_cell_name(c), h1, h2,
               c == RNN_LSTM ? " (c2 below)" : "", (double)y[0], (double)y[1]);
        /* The reference rounds its double result to float once: 2^-24 relative. */
#define NEAR(got, want) (fabs((double)(got) - (want)) <= 1e-7 * fabs(want) + 1e-12)
        CHECK(NEAR(y[0], h1) && NEAR(y[1], h2),
              "%s: reference h1 %.9g h2 %.9g, hand %.9g %.9g", rnn_cell_name(c), (double)y[0],
              (double)y[1], h1, h2);
        if (c == RNN_LSTM)
            CHECK(NEAR(cn, c2), "lstm: reference c2 %.9g, hand %.9g",
                  (double)cn, c2);

        /* The example must be able to tell the wrong conventions apart. */
        double dummy, alt = 0.0;
        if (c == RNN_LSTM) { /* i and f swapped */
            double swi[4] = {dwi[1], dwi[0], dwi[2], dwi[3]}, swh[4] = {dwh[1], dwh[0], dwh[2], dwh[3]},
                   sbi[4] = {dbi[1], dbi[0], dbi[2], dbi[3]}, sbh[4] = {dbh[1], dbh[0], dbh[2], dbh[3]};
            alt = hand_step(RNN_LSTM, swi, swh, sbi, sbh, x[0], h0, c0, &dummy);
        } else if (c == RNN_GRU || c == RNN_LBR_GRU) {
            alt = hand_step(c == RNN_GRU ? RNN_LBR_GRU : RNN_GRU, dwi, dwh, dbi, dbh, x[0], h0, c0,
                            &dummy);
        } else {
            alt = tanh(dwi[0] * x[0] + dbi[0]); /* recurrence forgotten */
        }
        CHECK(fabs(alt - h1) > 1e-3, "%s: the hand example cannot tell a wrong convention (%.6f vs %.6f)",
              rnn_cell_name(c), alt, h1);
    }
    /* GRU with z <-> r swapped would also move it. */
    {
        double swi[3] = {dwi[1], dwi[0], dwi[2]}, swh[3] = {dwh[1], dwh[0], dwh[2]},
               sbi[3] = {dbi[1], dbi[0], dbi[2]}, sbh[3] = {dbh[1], dbh[0], dbh[2]}, dummy;
        CHECK(fabs(hand_step(RNN_GRU, swi, swh, sbi, sbh, x[0], h0, c0, &dummy) -
                   expect_h1[RNN_GRU]) > 1e-3,
              "gru example insensitive to r/z order");
    }

    /* The head by hand: one2one rnn_tanh, V = 3, target 2. */
    {
        rnn_desc d = {RNN_TANH, RNN_ONE2ONE, 1, 0, 1, 1, 1, 3};
        const float W_hy[3] = {0.5f, -1.5f, 2.0f}, b_y[3] = {0.1f, 0.2f, -0.3f};
        const int32_t target = 2;
        rnn_params p = {{wi, wh, bi, bh}, {0}, W_hy, b_y};
        rnn_inputs in = {x, NULL, NULL, NULL, &h0, NULL, &target};
        float logits[3], loss, gby[3];
        rnn_outputs out = {NULL, NULL, logits, &loss};
        rnn_grads g = {0};
        g.b_y = gby;
        CHECK(rnn_reference_train(&d, &p, &in, &out, &g) == RNN_OK, "head example");
        const double h1 = expect_h1[RNN_TANH];
        double z[3], se = 0.0;
        for (int v = 0; v < 3; v++) {
            z[v] = (double)W_hy[v] * h1 + (double)b_y[v];
            se += exp(z[v]);
        }
        const double want_loss = log(se) - z[target];
        int ok = NEAR(loss, want_loss);
        for (int v = 0; v < 3; v++) {
            const double dz = exp(z[v]) / se - (v == target);
            ok = ok && NEAR(logits[v], z[v]) && NEAR(gby[v], dz);
        }
        printf("head by hand: loss %.9f, reference %.9f\n", want_loss, (double)loss);
        CHECK(ok, "head: loss %.9g vs hand %.9g", (double)loss, want_loss);
    }
}

#undef NEAR

int main(void)
{
    test_prng();
    test_math();
    test_misuse();
    test_agreement();
    test_topologies();
    test_known_values();
    return check_summary();
}
