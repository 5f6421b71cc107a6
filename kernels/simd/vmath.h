/* vmath.h — exp, tanh and sigmoid on one vector, written once over the
 * vector API (vec_<isa>.h, which the includer includes first). Every table
 * runs this one algorithm, range reduction and the same polynomials in the
 * same order of IEEE operations (the fused multiply-adds explicit, nothing
 * left for a compiler to contract), so every lane of every table has the
 * same bits, special values (inf, NaN, -0, denormals, saturation) included.
 *
 * Measured against MPFR (tests/test_activations.c: a 700k-point grid over
 * [-20, 20], 200k random float bits in it, tiny |x| down to 1e-44, and each
 * function's tails), max error in ULP of the true value, and the bound the
 * test holds every table to:
 *   exp      0.985 ULP (bound 1) on [-103.9, 88.7]; denormal results to the
 *            same bound in units of the denormal spacing 2^-149
 *   tanh     1.228 ULP (bound 2); near 0 an odd polynomial keeps the error
 *            relative; tanh(-0) = -0, tanh(denormal) = the denormal
 *   sigmoid  1.457 ULP (bound 2); tiny results for large negative x stay
 *            relatively accurate: 0.954 ULP over [-103.9, -20], down to the
 *            denormals (where 1 ULP is 2^-149)
 * Limits: exp(-inf) = 0, exp(+inf) = inf, tanh(+-inf) = +-1, sigmoid(-inf) = 0,
 * sigmoid(+inf) = 1, NaN in gives NaN out; huge |x| saturates exactly. */
#ifndef RNNSIMD_VMATH_H
#define RNNSIMD_VMATH_H

/* exp: x = n ln2 + r, |r| <= ln2/2; e^r = 1 + r + r^2 q(r), q a degree-4
 * near-minimax fit (relative error 3.8e-9 after rounding to float). The
 * clamp keeps n in [-150, 128]; vf_scale2 applies 2^n rounding once. */
#define RNN_EXP_LO (-104.0f)
#define RNN_EXP_HI 89.0f
#define RNN_LOG2E 0x1.715476p+0f
#define RNN_ROUND_MAGIC 0x1.8p23f /* adding it rounds to an integer, ties even */
#define RNN_LN2_HI 0x1.62e43p-1f
#define RNN_LN2_LO (-0x1.05c61p-29f)
#define RNN_EXP_C2 0x1.fffffcp-2f
#define RNN_EXP_C3 0x1.555492p-3f
#define RNN_EXP_C4 0x1.5558f2p-5f
#define RNN_EXP_C5 0x1.1239ep-7f
#define RNN_EXP_C6 0x1.6a2436p-10f

/* tanh: |x| < 0.625: x + x^3 P(x^2), P of degree 5 (relative error 2.7e-9);
 * above: 1 - 2/(e^{2|x|} + 1) with the sign put back. |x| is clamped at 10,
 * where 1 - 2/(e^20 + 1) already rounds to 1. */
#define RNN_TANH_SMALL 0.625f
#define RNN_TANH_CLAMP 10.0f
#define RNN_TANH_P0 (-0x1.555554p-2f)
#define RNN_TANH_P1 0x1.111066p-3f
#define RNN_TANH_P2 (-0x1.b9ee9p-5f)
#define RNN_TANH_P3 0x1.638b5ap-6f
#define RNN_TANH_P4 (-0x1.0bf502p-7f)
#define RNN_TANH_P5 0x1.18e1eep-9f

/* NaN lanes of x give x + x (a quiet NaN). */
static inline rnn_vf v_keep_nan(rnn_vf x, rnn_vf y)
{
    return vf_select(vf_isnan(x), vf_add(x, x), y);
}

/* e^x for x not NaN. */
static inline rnn_vf v_exp_core(rnn_vf x)
{
    rnn_vf xc = vf_min(vf_max(x, vf_set1(RNN_EXP_LO)), vf_set1(RNN_EXP_HI));
    rnn_vf magic = vf_set1(RNN_ROUND_MAGIC);
    rnn_vf n = vf_sub(vf_fmadd(xc, vf_set1(RNN_LOG2E), magic), magic);
    rnn_vf r = vf_fmadd(n, vf_set1(-RNN_LN2_HI), xc);
    r = vf_fmadd(n, vf_set1(-RNN_LN2_LO), r);
    rnn_vf q = vf_fmadd(vf_set1(RNN_EXP_C6), r, vf_set1(RNN_EXP_C5));
    q = vf_fmadd(q, r, vf_set1(RNN_EXP_C4));
    q = vf_fmadd(q, r, vf_set1(RNN_EXP_C3));
    q = vf_fmadd(q, r, vf_set1(RNN_EXP_C2));
    rnn_vf p = vf_add(vf_fmadd(q, vf_mul(r, r), r), vf_set1(1.0f));
    return vf_scale2(p, n);
}

/* exp: within 1 ULP (tests/test_activations.c checks it against MPFR). */
static inline rnn_vf v_exp(rnn_vf x)
{
    return v_keep_nan(x, v_exp_core(x));
}

/* tanh: within 2 ULP. Both branches are computed and one is
 * kept per lane; |x| first and its sign put back last, so tanh(-0) = -0. */
static inline rnn_vf v_tanh(rnn_vf x)
{
    rnn_vf a = vf_abs(x);
    rnn_vb small = vf_lt(a, vf_set1(RNN_TANH_SMALL));
    rnn_vf s = vf_mul(a, a);
    rnn_vf p = vf_fmadd(vf_set1(RNN_TANH_P5), s, vf_set1(RNN_TANH_P4));
    p = vf_fmadd(p, s, vf_set1(RNN_TANH_P3));
    p = vf_fmadd(p, s, vf_set1(RNN_TANH_P2));
    p = vf_fmadd(p, s, vf_set1(RNN_TANH_P1));
    p = vf_fmadd(p, s, vf_set1(RNN_TANH_P0));
    rnn_vf y_small = vf_fmadd(vf_mul(a, s), p, a);
    rnn_vf ac = vf_min(a, vf_set1(RNN_TANH_CLAMP));
    rnn_vf e = v_exp_core(vf_add(ac, ac));
    rnn_vf one = vf_set1(1.0f);
    rnn_vf y_large = vf_sub(one, vf_div(vf_set1(2.0f), vf_add(e, one)));
    return v_keep_nan(x, vf_sign_of(vf_select(small, y_small, y_large), x));
}

/* sigmoid: e = exp(-|x|) <= 1 never overflows; 1/(1+e) for x >= 0, e/(1+e)
 * for x < 0, so tiny results stay relatively accurate. d = 1 + e is kept as
 * the exact pair d + dl (Fast2Sum, |e| <= 1) and the quotient gets one
 * Newton correction, so only exp's error and the last rounding remain.
 * Within 2 ULP. */
static inline rnn_vf v_sigmoid(rnn_vf x)
{
    rnn_vf e = v_exp_core(vf_neg_abs(x));
    rnn_vf one = vf_set1(1.0f);
    rnn_vf d = vf_add(one, e);
    rnn_vf dl = vf_sub(e, vf_sub(d, one));
    rnn_vf num = vf_select(vf_lt(x, vf_set1(0.0f)), e, one);
    rnn_vf rcp = vf_div(one, d);
    rnn_vf q = vf_mul(num, rcp);
    rnn_vf res = vf_fnmadd(q, dl, vf_fnmadd(q, d, num));
    return v_keep_nan(x, vf_fmadd(res, rcp, q));
}

/* s (1 - s) and 1 - t^2, rounded once: the derivatives of a sigmoid and of
 * tanh from their values. */
static inline rnn_vf v_dsigmoid(rnn_vf s)
{
    return vf_fnmadd(s, s, s);
}

static inline rnn_vf v_dtanh(rnn_vf t)
{
    return vf_fnmadd(t, t, vf_set1(1.0f));
}

/* Runs chunk(t, j, ...) over [0, n): RNN_VLEN lanes at a time, then the
 * last partial vector through t; chunk is inlined into both. */
#define RNN_CHUNKS(n, chunk, ...)                                   \
    do {                                                            \
        size_t j_ = 0;                                              \
        for (; j_ + RNN_VLEN <= (n); j_ += RNN_VLEN)                \
            chunk(vt_all(), j_, __VA_ARGS__);                       \
        if (j_ < (n))                                               \
            chunk(vt_first((n) - j_), j_, __VA_ARGS__);             \
    } while (0)

/* Runs chunk(u, t, j, ...) over [0, n), a chunk covering u vectors of
 * RNN_VLEN lanes from j: while wide (a condition), RNN_GATE_U vectors at a
 * time; then single vectors; then the last partial vector through t. Why
 * several vectors a chunk: each activation is one long chain of dependent
 * operations, and the core overlaps too few of them for a kernel of one
 * chain a vector to fill its pipes; u chains side by side (a chunk loads
 * every vector's inputs first, computes, then stores) do. At batch 1 the
 * gate kernels sit on the step's critical path with a few vectors to do,
 * and one at a time was measured faster there (docs/performance.md §5.34). */
#define RNN_CHUNKS_BY(wide, n, chunk, ...)                          \
    do {                                                            \
        const size_t w_ = RNN_GATE_U * RNN_VLEN;                    \
        size_t j_ = 0;                                              \
        if (wide)                                                   \
            for (; j_ + w_ <= (n); j_ += w_)                        \
                chunk(RNN_GATE_U, vt_all(), j_, __VA_ARGS__);       \
        for (; j_ + RNN_VLEN <= (n); j_ += RNN_VLEN)                \
            chunk(1, vt_all(), j_, __VA_ARGS__);                    \
        if (j_ < (n))                                               \
            chunk(1, vt_first((n) - j_), j_, __VA_ARGS__);          \
    } while (0)

/* for (v = 0; v < u; v++), unrolled: u is a constant where it is used. */
#define RNN_EACH(v, u) _Pragma("GCC unroll 8") for (int v = 0; v < (u); v++)

#ifndef RNN_GATE_U
#define RNN_GATE_U 4 /* vectors a gate chunk (RNN_CHUNKS_BY) */
#endif

#define RNN_INLINE static inline __attribute__((always_inline))

#endif
