/* bf16.h — the bf16 data type's foundation (docs/design.md §8): conversions,
 * a bit-exact emulation of one lane of x86's vdpbf16ps, the pair-interleaved
 * input's pair words, and the batch-1 GEMV on the panels (portable
 * emulation and AVX512-BF16) that the tables' bf16 entries build on; the
 * packed layout itself is kernels.h's (core packs with it).
 *
 * A pair word (rnn_bf16x2) holds two bf16 of consecutive k: element k in
 * the HIGH half, k+1 in the low half. vdpbf16ps adds the high (odd-indexed)
 * product first, so this order makes every output one chain over k
 * ascending: acc = step(acc, w[k] x[k]), k = 0, 1, ..., each step rounded.
 *
 * One vdpbf16ps lane, as measured on AMD Zen 5 (tests/test_bf16.c, design.md
 * §8) and as Intel's SDM writes it: from acc and pair words a (src1) and b
 * (src2),
 *   acc = step(acc, a.hi, b.hi); acc = step(acc, a.lo, b.lo)
 * where step(c, x, y) = c + x*y with the product exact, one rounding to
 * float32 (nearest even), inputs read with DAZ (a denormal bf16 or
 * accumulator is a zero of its sign) and the result flushed to a zero of
 * its sign when it is tiny after rounding (|rounded to 24 bits| < 2^-126).
 * A NaN input wins in the order a.lo, b.lo, a.hi, b.hi, acc and comes out
 * quieted; a NaN the arithmetic makes (inf*0, inf-inf) is 0xffc00000. */
#ifndef RNNSIMD_BF16_H
#define RNNSIMD_BF16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "rnnsimd.h"
#include "kernels.h"

typedef uint16_t rnn_bf16;

static inline uint32_t rnn_bf16_fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float rnn_bf16_bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* float32 -> bf16, round to nearest even on the bits: the carry of the
 * rounding runs into the exponent, so the largest values round to inf
 * (FLT_MAX does: it lies past bf16's max + half an ulp) and denormals round
 * like any other value (kept, not flushed: vcvtneps2bf16 would flush them,
 * so it is not used). A NaN stays a NaN of its sign, quieted, with the top
 * of its payload. */
static inline rnn_bf16 rnn_bf16_from_float(float f)
{
    uint32_t u = rnn_bf16_fbits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (rnn_bf16)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (rnn_bf16)(u >> 16);
}

static inline float rnn_bf16_to_float(rnn_bf16 h)
{
    return rnn_bf16_bitsf((uint32_t)h << 16);
}

/* The pair word of elements (k, k+1). */
static inline rnn_bf16x2 rnn_bf16_pair(rnn_bf16 k0, rnn_bf16 k1)
{
    return (rnn_bf16x2)k0 << 16 | k1;
}

/* DAZ: a float whose exponent field is 0 reads as a zero of its sign. */
static inline float rnn_bf16_daz(uint32_t u)
{
    return rnn_bf16_bitsf(u & 0x7f800000u ? u : u & 0x80000000u);
}

/* One step c + x*y of the lane (x, y bf16 values, c not denormal), as the
 * instruction rounds it. The product of two bf16 has at most 16
 * significant bits, so it is exact in double (fused or not). The sum is
 * rounded to double, then to float, and that is the sum rounded once to
 * float: when c and the product are within 2^37 of each other the exact
 * sum fits in 53 bits; otherwise the smaller is below 2^-36 of the
 * larger, too far from the float grid's midpoints around the larger (at
 * 2^-25 of it) for the double's rounding to move the float one. A result
 * that is tiny after rounding to 24 bits flushes to a zero of its sign:
 * from T = 2^-126 - 2^-151 up (T is a tie that goes to the even 2^-126)
 * the 24-bit rounding reaches 2^-126, below T it is tiny. The double
 * decides T as the exact sum would: c is a multiple of 2^-149 and T an
 * odd multiple of 2^-151, so an exact sum within 2^-179 of T but not on it
 * would need more bits than a 16-bit product has. */
static inline float rnn_bf16_step(float c, float x, float y)
{
    const double s = (double)c + (double)x * (double)y;
    const float r = (float)s;
    if (s < 0x1p-126 && s > -0x1p-126) {
        const double t = s < 0 ? -s : s;
        const uint32_t sign = rnn_bf16_fbits(r) & 0x80000000u;
        return rnn_bf16_bitsf(sign | (t >= 0x1p-126 - 0x1p-151 ? 0x00800000u : 0u));
    }
    return r; /* also inf and NaN */
}

/* Exactly what one lane of vdpbf16ps computes (see the top of this file),
 * a being its src1 (the weights) and b its src2 (the broadcast input). */
static inline float rnn_bf16_dot_lane(float acc, rnn_bf16x2 a, rnn_bf16x2 b)
{
    const uint32_t in[4] = {a << 16, b << 16, a & 0xffff0000u, b & 0xffff0000u};
    for (int i = 0; i < 4; i++)
        if ((in[i] & 0x7fffffffu) > 0x7f800000u)
            return rnn_bf16_bitsf(in[i] | 0x00400000u);
    const uint32_t c = rnn_bf16_fbits(acc);
    if ((c & 0x7fffffffu) > 0x7f800000u)
        return rnn_bf16_bitsf(c | 0x00400000u);
    float r = rnn_bf16_step(rnn_bf16_daz(c), rnn_bf16_daz(in[2]), rnn_bf16_daz(in[3]));
    r = rnn_bf16_step(r, rnn_bf16_daz(in[0]), rnn_bf16_daz(in[1]));
    return r == r ? r : rnn_bf16_bitsf(0xffc00000u);
}

/* ---- the packed weights and a row's pair words: kernels.h (rnn_bf16_pack,
 * rnn_bf16_pairs) ---- */

/* C (N) = beta*C + W x + bias from the packed W and the pair words of x:
 * initial value beta ? (bias ? C + bias : C) : (bias ? bias : +0), as the
 * float32 gemm_packed_nt; then one vdpbf16ps lane step per pair of k,
 * ascending (the chain the top of this file states). beta is 0 or 1; with
 * 0, C is not read. Both GEMVs give the same bits. */
void rnn_bf16_gemv_generic(size_t N, size_t K, const rnn_bf16x2 *x2, const rnn_bf16x2 *packed,
                           const float *bias, float beta, float *C);

/* The same on AVX512-BF16 (vdpbf16ps). Checks the CPU first, every call:
 * RNN_ERR_ISA_UNSUPPORTED without executing any AVX-512 instruction when
 * this build is not x86-64, the CPU lacks avx512 or avx512bf16, or
 * RNNSIMD_CPU_MASK hides either; RNN_OK when it ran. */
rnn_status rnn_bf16_gemv_avx512(size_t N, size_t K, const rnn_bf16x2 *x2,
                                const rnn_bf16x2 *packed, const float *bias, float beta,
                                float *C);

/* RNN_OK when rnn_bf16_gemv_avx512 runs here; otherwise
 * RNN_ERR_ISA_UNSUPPORTED and, if why is not NULL, a static sentence. */
rnn_status rnn_bf16_avx512_check(const char **why);

#if defined(__x86_64__)
/* kernels/avx512/gemv_bf16_avx512.c, compiled for AVX-512 with its kernel
 * for AVX512-BF16: call it only through rnn_bf16_gemv_avx512, which checks
 * the CPU (executing it on a CPU without the feature is SIGILL). */
void rnn_bf16_gemv_avx512_unchecked(size_t N, size_t K, const rnn_bf16x2 *x2,
                                    const rnn_bf16x2 *packed, const float *bias, int load_c,
                                    float *C);
#endif

#endif /* RNNSIMD_BF16_H */
