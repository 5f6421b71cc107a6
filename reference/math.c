/* math.c — the reference's portable exp, expm1, log, tanh and sigmoid in
 * double. Built from IEEE + - * / only, plus exact scaling by powers of two
 * through the exponent bits, so every machine gets the same bits; no libm.
 * Bounds (tests/test_reference_misc.c measures them): exp and log within
 * 1 ulp of libm, tanh and sigmoid within a few ulp of the true value.
 *
 * exp and expm1: x = k ln2 + r, |r| <= ln2/2 (Cody-Waite: ln2 split so that
 * k*LN2_HI is exact). With R(r) = r coth(r/2) = 2 + r^2/6 - r^4/360 + ...
 * (the Bernoulli series, 2 B_2n r^2n / (2n)!), e^r - 1 = 2r / (R - r); writing
 * c = r - (R - 2) gives e^r - 1 = r + r c / (2 - c), whose correction term
 * is small, so the result is accurate to about half an ulp plus a little.
 *
 * log: x = 2^k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2); s = f / (2 + f),
 * log(1 + f) = 2 atanh(s) = 2s + s R', R' = sum 2 s^2n / (2n + 1); and since
 * 2s = f - f^2/2 + s f^2/2, log(1 + f) = f - hfsq + s (hfsq + R'). */
#include <stdint.h>
#include <string.h>
#include "reference_internal.h"

/* ln2 = LN2_HI + LN2_LO: LN2_HI is ln2 with its low 21 bits cleared, so k *
 * LN2_HI is exact for |k| < 2^21. */
static const double LN2_HI = 0x1.62e42feep-1;
static const double LN2_LO = 0x1.a39ef35793c76p-33;
static const double INV_LN2 = 0x1.71547652b82fep+0;

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static double pos_inf(void) { return from_bits(0x7FF0000000000000ull); }
static double quiet_nan(void) { return from_bits(0x7FF8000000000000ull); }

/* 2^k for -1022 <= k <= 1023: a normal number, built from its bits. */
static double pow2(int k)
{
    return from_bits((uint64_t)(k + 1023) << 52);
}

/* y * 2^k with one rounding at most (only when the result is subnormal). */
static double scale2(double y, int k)
{
    if (k > 1023)
        return y * pow2(1023) * pow2(k - 1023);
    if (k < -1022)
        return y * pow2(k + 54) * pow2(-54);
    return y * pow2(k);
}

/* Nearest integer to x / ln2, for |x| < 1000. */
static int reduce_k(double x)
{
    double t = x * INV_LN2;
    return (int)(t < 0 ? t - 0.5 : t + 0.5);
}

/* c = r - r^2 P(r^2), P from R(r) = r coth(r/2) = 2 + sum_n 2 B_2n r^2n / (2n)!.
 * For |r| <= 0.35 the first omitted term is below 1e-19. */
static double coth_c(double r)
{
    const double z = r * r;
    const double p = 1.0 / 6.0 +
                     z * (-1.0 / 360.0 +
                     z * (1.0 / 15120.0 +
                     z * (-1.0 / 604800.0 +
                     z * (1.0 / 23950080.0 +
                     z * (-691.0 / 653837184000.0 +
                     z * (1.0 / 37362124800.0 +
                     z * (-3617.0 / 5335311421440000.0)))))));
    return r - z * p;
}

double rnn_ref_exp(double x)
{
    if (x != x)
        return x + x;
    if (x > 710.0)
        return pos_inf();
    if (x < -746.0)
        return 0.0;
    const int k = reduce_k(x);
    const double hi = x - k * LN2_HI; /* exact: Sterbenz for k != 0 */
    const double lo = k * LN2_LO;
    const double r = hi - lo;
    const double c = coth_c(r);
    const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    return scale2(y, k);
}

double rnn_ref_expm1(double x)
{
    if (x != x)
        return x + x;
    if (x > 700.0)
        return rnn_ref_exp(x);
    if (x < -40.0) /* e^x < 2^-57: rounds to -1 */
        return -1.0;
    const int k = reduce_k(x);
    const double hi = x - k * LN2_HI;
    const double lo = k * LN2_LO;
    const double r = hi - lo;
    const double c = coth_c(r);
    /* m = e^r - 1, keeping hi and lo apart for its last bits. */
    const double m = hi - (lo - (r * c) / (2.0 - c));
    if (k == 0)
        return m;
    /* e^x - 1 = 2^k (1 + m) - 1. */
    if (k < 0)
        return scale2(m, k) - (1.0 - pow2(k)); /* 1 - 2^k exact for k >= -53 */
    if (k <= 52)
        return scale2(m + (1.0 - pow2(-k)), k);
    return scale2(m + 1.0, k) - 1.0;
}

/* 2 atanh(s) / s - 2 = sum_{n>=1} 2 z^n / (2n + 1), z = s^2 <= 0.0295: eleven
 * terms leave less than 1e-18 relative. */
static double atanh_tail(double z)
{
    return z * (2.0 / 3.0 +
           z * (2.0 / 5.0 +
           z * (2.0 / 7.0 +
           z * (2.0 / 9.0 +
           z * (2.0 / 11.0 +
           z * (2.0 / 13.0 +
           z * (2.0 / 15.0 +
           z * (2.0 / 17.0 +
           z * (2.0 / 19.0 +
           z * (2.0 / 21.0 +
           z * (2.0 / 23.0 +
           z * (2.0 / 25.0))))))))))));
}

double rnn_ref_log(double x)
{
    if (x != x)
        return x + x;
    if (x < 0.0)
        return quiet_nan();
    if (x == 0.0)
        return -pos_inf();
    if (x == pos_inf())
        return x;
    int k = 0;
    if (x < 0x1p-1022) { /* subnormal: make it normal, exactly */
        x *= 0x1p54;
        k = -54;
    }
    uint64_t u = bits_of(x);
    k += (int)(u >> 52) - 1023;
    double m = from_bits((u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull); /* [1, 2) */
    if (m > 0x1.6a09e667f3bcdp+0) { /* > sqrt(2): use m/2 in [sqrt(2)/2, 1) */
        m *= 0.5;
        k += 1;
    }
    const double f = m - 1.0; /* exact (Sterbenz) */
    const double s = f / (2.0 + f);
    const double R = atanh_tail(s * s);
    const double hfsq = 0.5 * f * f;
    const double dk = (double)k;
    return dk * LN2_HI + (f - (hfsq - (s * (hfsq + R) + dk * LN2_LO)));
}

double rnn_ref_tanh(double x)
{
    if (x != x)
        return x + x;
    const uint64_t sign = bits_of(x) & 0x8000000000000000ull;
    const double a = from_bits(bits_of(x) ^ sign); /* |x| */
    double t;
    if (a > 22.0) {
        t = 1.0; /* 1 - tanh(22) < 2^-63 */
    } else if (a >= 0.55) {
        /* tanh >= 0.5 here, so 1 - 2/(e^2a + 1) does not cancel badly. */
        t = 1.0 - 2.0 / (rnn_ref_exp(2.0 * a) + 1.0);
    } else {
        /* Small |x|: tanh(a) = -e / (e + 2), e = expm1(-2a), exact near 0. */
        const double e = rnn_ref_expm1(-2.0 * a);
        t = -e / (e + 2.0);
    }
    return from_bits(bits_of(t) | sign);
}

double rnn_ref_sigmoid(double x)
{
    if (x != x)
        return x + x;
    /* Always exp of a non-positive number: no overflow, and e^x/(1+e^x)
     * keeps the tiny results for very negative x. */
    if (x >= 0.0)
        return 1.0 / (1.0 + rnn_ref_exp(-x));
    const double e = rnn_ref_exp(x);
    return e / (1.0 + e);
}
