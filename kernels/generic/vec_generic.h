/* vec_generic.h — the vector API of kernels/simd/ in portable C: one float
 * lane, so the code written over it runs element by element on the baseline
 * ISA. Every operation is one IEEE operation (fmaf rounds once; -std=c11
 * contracts nothing), so the generic table has the bits kernels/simd/
 * states. For the generic kernel files only. */
#ifndef RNNSIMD_VEC_GENERIC_H
#define RNNSIMD_VEC_GENERIC_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RNN_VLEN 1
#define RNN_K(entry) rnn_k_##entry##__generic

typedef float rnn_vf;
typedef int rnn_vb;
typedef int rnn_vt; /* one lane: a chunk is always whole */

static inline rnn_vt vt_all(void) { return 1; }
static inline rnn_vt vt_first(size_t n) { return (int)n; }

static inline rnn_vf vf_load(rnn_vt t, const float *p) { return (void)t, *p; }
static inline rnn_vf vf_load_or(rnn_vt t, const float *p, rnn_vf fill) { return (void)t, (void)fill, *p; }
static inline void vf_store(rnn_vt t, float *p, rnn_vf v) { (void)t, *p = v; }
/* No hint: one lane a chunk would ask for each line 16 times. */
static inline void vf_prefetch(const float *p) { (void)p; }
static inline rnn_vf vf_keep(rnn_vt t, rnn_vf v) { return (void)t, v; }

static inline rnn_vf vf_set1(float x) { return x; }
static inline rnn_vf vf_add(rnn_vf a, rnn_vf b) { return a + b; }
static inline rnn_vf vf_sub(rnn_vf a, rnn_vf b) { return a - b; }
static inline rnn_vf vf_mul(rnn_vf a, rnn_vf b) { return a * b; }
static inline rnn_vf vf_div(rnn_vf a, rnn_vf b) { return a / b; }
/* a < b ? a : b (a > b ? a : b), and b where either is NaN, as x86's. */
static inline rnn_vf vf_min(rnn_vf a, rnn_vf b) { return a < b ? a : b; }
static inline rnn_vf vf_max(rnn_vf a, rnn_vf b) { return a > b ? a : b; }
/* a*b + c and c - a*b, rounded once. */
static inline rnn_vf vf_fmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return fmaf(a, b, c); }
static inline rnn_vf vf_fnmadd(rnn_vf a, rnn_vf b, rnn_vf c) { return fmaf(-a, b, c); }

static inline rnn_vf vf_abs(rnn_vf x) { return fabsf(x); }
static inline rnn_vf vf_neg_abs(rnn_vf x) { return -fabsf(x); }
/* y (>= +0) with the sign of x. */
static inline rnn_vf vf_sign_of(rnn_vf y, rnn_vf x) { return copysignf(y, x); }

static inline rnn_vb vf_lt(rnn_vf a, rnn_vf b) { return a < b; }
static inline rnn_vb vf_isnan(rnn_vf x) { return x != x; }
static inline rnn_vf vf_select(rnn_vb m, rnn_vf if_true, rnn_vf if_false)
{
    return m ? if_true : if_false;
}

/* p * 2^n, n integral in [-150, 128]: two normal factors 2^(n>>1) and
 * 2^(n - (n>>1)), so only the second multiply rounds (denormal results
 * included) and n = 128 gives inf. */
static inline rnn_vf vf_scale2(rnn_vf p, rnn_vf n)
{
    const int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;
    const uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return (p * s1) * s2;
}

static inline float vf_hmax(rnn_vf v) { return v; }

/* Sixteen partial sums in double, float k of a 16-float chunk into sum k. */
typedef struct {
    double s[16];
} rnn_vsum16;

static inline rnn_vsum16 vsum16_zero(void)
{
    rnn_vsum16 z;
    memset(&z, 0, sizeof z);
    return z;
}

/* Adds v, the chunk's q-th float, to its sum. */
static inline void vsum16_add(rnn_vsum16 *a, size_t q, rnn_vf v) { a->s[q] += v; }

static inline void vsum16_lanes(const rnn_vsum16 *a, double out[16])
{
    memcpy(out, a->s, sizeof a->s);
}

#endif
