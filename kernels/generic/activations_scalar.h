/* activations_scalar.h — scalar exp, tanh and sigmoid: the one algorithm
 * every ISA uses (range reduction + the same polynomials, the same fmaf
 * sequence), so a SIMD lane gives the same bits as these functions and the
 * special values (inf, NaN, -0, denormals, saturation) agree across tables.
 * The constants live here, once; the SIMD files read them from here.
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
#ifndef RNNSIMD_ACTIVATIONS_SCALAR_H
#define RNNSIMD_ACTIVATIONS_SCALAR_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp: x = n ln2 + r, |r| <= ln2/2; e^r = 1 + r + r^2 q(r), q a degree-4
 * near-minimax fit (relative error 3.8e-9 after rounding to float). The
 * clamp keeps n in [-150, 128]; 2^n is applied as two normal factors so the
 * only rounding of the scaling is the last multiply (denormals come out
 * correctly rounded from p, overflow gives inf). */
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

static inline float rnn_bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* exp: 0.985 ULP measured (bound 1). */
static inline float rnn_exp_scalar(float x)
{
    if (x != x)
        return x + x;
    float xc = x < RNN_EXP_LO ? RNN_EXP_LO : x > RNN_EXP_HI ? RNN_EXP_HI : x;
    float j = fmaf(xc, RNN_LOG2E, RNN_ROUND_MAGIC);
    float n = j - RNN_ROUND_MAGIC;
    float r = fmaf(n, -RNN_LN2_HI, xc);
    r = fmaf(n, -RNN_LN2_LO, r);
    float q = fmaf(RNN_EXP_C6, r, RNN_EXP_C5);
    q = fmaf(q, r, RNN_EXP_C4);
    q = fmaf(q, r, RNN_EXP_C3);
    q = fmaf(q, r, RNN_EXP_C2);
    float p = fmaf(q, r * r, r) + 1.0f;
    int32_t ni = (int32_t)n;
    int32_t n1 = ni >> 1, n2 = ni - n1;
    float s1 = rnn_bits_to_float((uint32_t)(n1 + 127) << 23);
    float s2 = rnn_bits_to_float((uint32_t)(n2 + 127) << 23);
    return (p * s1) * s2;
}

/* tanh: 1.228 ULP measured (bound 2). */
static inline float rnn_tanh_scalar(float x)
{
    if (x != x)
        return x + x;
    /* Computed on |x| and the sign put back last, so tanh(-0) = -0. */
    float a = fabsf(x), y;
    if (a < RNN_TANH_SMALL) {
        float s = a * a;
        float p = fmaf(RNN_TANH_P5, s, RNN_TANH_P4);
        p = fmaf(p, s, RNN_TANH_P3);
        p = fmaf(p, s, RNN_TANH_P2);
        p = fmaf(p, s, RNN_TANH_P1);
        p = fmaf(p, s, RNN_TANH_P0);
        y = fmaf(a * s, p, a);
    } else {
        a = a > RNN_TANH_CLAMP ? RNN_TANH_CLAMP : a;
        float e = rnn_exp_scalar(a + a);
        y = 1.0f - 2.0f / (e + 1.0f);
    }
    return copysignf(y, x);
}

/* sigmoid: e = exp(-|x|) <= 1 never overflows; 1/(1+e) for x >= 0, e/(1+e)
 * for x < 0, so tiny results stay relatively accurate. d = 1 + e is kept as
 * the exact pair d + dl (Fast2Sum, |e| <= 1) and the quotient gets one
 * Newton correction, so only exp's error and the last rounding remain.
 * Every multiply-add is an explicit fmaf: no contraction can change bits.
 * 1.457 ULP measured (bound 2). */
static inline float rnn_sigmoid_scalar(float x)
{
    if (x != x)
        return x + x;
    float e = rnn_exp_scalar(-fabsf(x));
    float d = 1.0f + e;
    float dl = e - (d - 1.0f);
    float num = x < 0.0f ? e : 1.0f;
    float rcp = 1.0f / d;
    float q = num * rcp;
    float res = fmaf(-q, dl, fmaf(-q, d, num));
    return fmaf(res, rcp, q);
}

#endif
