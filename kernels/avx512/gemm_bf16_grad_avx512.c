/* gemm_bf16_grad_avx512.c — the avx512 table's bf16 weight gradients
 * (entries.inc's bf16_gemm: dW = bf16(dG)^T bf16(X)) on vdpbf16ps, where that
 * gives the bits the entry states: the fmaf chain over k ascending from +0
 * on the rounded operands, which the FMA loop (rnn_k_bf16_gemm_fma__avx512)
 * computes at float32's rate.
 *
 * Why the instruction can give them: one vdpbf16ps lane is two steps,
 * acc += w_hi * x_hi, then acc += w_lo * x_lo (kernels/bf16.h,
 * rnn_bf16_dot_lane), each rounded once to nearest even as fmaf rounds,
 * since the product of two bf16 is exact in float32. A pair word holds k in
 * its high half, so a chain of lanes over the pairs ascending is the fmaf
 * chain over k ascending. The two differ only where the instruction reads a
 * denormal (an operand or the accumulator) as zero, or flushes a step whose
 * result is tiny, which fmaf keeps.
 *
 * When that cannot happen: a normal bf16 of biased exponent E is a multiple
 * of 2^(E-134) (8 significant bits). If every nonzero element of op(A) has
 * E >= ea and every one of B has E >= eb, with ea + eb >= 142, every product
 * is a multiple of 2^-126, and so is every partial sum from +0: the exact
 * sum is one, and rounding it to float either keeps it (below 2^24 units of
 * 2^-126) or rounds it to a multiple of its ulp, a power of two no smaller
 * than 2^-126. A nonzero multiple of 2^-126 is normal, so no operand is
 * denormal and no step is tiny: both chains give the same bits (a NaN output
 * is a NaN either way, which is all the entry promises of one). ea and eb are
 * read off the floats as they are packed, zeros left out: a float's exponent
 * field is at most its bf16's (nearest-even rounding never leaves a binade
 * downwards), and a denormal float, the only kind that can round to a bf16
 * denormal or to zero, has field 0. Where the condition fails (gradients
 * below about 2^-56 against inputs as small, as a vanishing gradient can
 * be), the call stops at the first micro-block whose operands show it and
 * runs again on FMAs: C is not read, so the second run overwrites the
 * first. tests/test_bf16_products.c checks both sides of
 * the threshold.
 *
 * The loop is gemm_avx512.c's run_rows_inner (trans_a: rows innermost) with
 * a pair of k where that has one k: per K block of KC2_GRAD pairs and chunk
 * of NC_GRAD columns, B is packed once as pair-word panels (rows 2j and
 * 2j+1 of B interleaved: 32 columns, zero past N and past K) and stays in
 * L2; each micro-block of MR rows of op(A) packs its pair words (two rows of
 * A, mr contiguous floats each, per pair) and sweeps the chunk's panels with
 * the micro-kernel of gemm_bf16_ukernel_avx512.h, prefetching the rows of A
 * the next micro-block packs. K blocks cut a chain, never split it: a later
 * block starts from what the earlier one stored. trans_a 0, which no
 * product of the library asks for, runs on FMAs.
 *
 * Stack: KC2_GRAD x NC_GRAD pair words of B (256 KiB) and MR x KC2_GRAD of A
 * (6 KiB), released before the FMA run. */
#include <string.h>
#include "bf16_round_avx512.h"
#include "gemm_bf16_ukernel_avx512.h"

#define KC2_GRAD 128 /* pairs of k per K block */
#define NC_GRAD 512  /* columns of B per packed chunk */
#define EXP_SUM_MIN 142 /* ea + eb from which the chains agree (above) */

/* The smallest exponent field of x's nonzero lanes, folded into emin. */
static inline __m512i exp_min(__m512i emin, __m512 x)
{
    const __m512i mag = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff));
    const __mmask16 nonzero = _mm512_test_epi32_mask(mag, mag);
    return _mm512_mask_min_epu32(emin, nonzero, emin, _mm512_srli_epi32(mag, 23));
}

/* Pair words of two rows' lanes: bf16(even) high, bf16(odd) low. */
static inline __m512i pair_rows(__m512 even, __m512 odd)
{
    return _mm512_or_si512(_mm512_and_si512(round_bits(even), _mm512_set1_epi32((int)0xffff0000)),
                           _mm512_srli_epi32(round_bits(odd), 16));
}

/* B's columns [0, n) (n <= NC_GRAD), rows [0, kn) (row k at B + k*ldb), as
 * panels: pair j of panel q at Bp + q*kc2*NR + j*NR, kc2 = ceil(kn/2); +0
 * past n and past kn. Nothing outside the extents is read. */
static void pack_b_pairs(size_t n, size_t kn, const float *B, size_t ldb, rnn_bf16x2 *Bp,
                         __m512i *emin)
{
    const size_t kc2 = (kn + 1) / 2, np = (n + NR - 1) / NR;
    __m512i e = *emin;
    for (size_t j = 0; j < kc2; j++) {
        const float *even = B + 2 * j * ldb, *odd = even + ldb;
        const int has_odd = 2 * j + 1 < kn;
        for (size_t q = 0; q < np; q++) {
            const size_t c = q * NR;
            const __mmask16 m0 = lanes(n - c), m1 = n - c > 16 ? lanes(n - c - 16) : 0;
            const __m512 e0 = _mm512_maskz_loadu_ps(m0, even + c);
            const __m512 e1 = _mm512_maskz_loadu_ps(m1, even + c + 16);
            const __m512 o0 = _mm512_maskz_loadu_ps(has_odd ? m0 : 0, odd + c);
            const __m512 o1 = _mm512_maskz_loadu_ps(has_odd ? m1 : 0, odd + c + 16);
            e = exp_min(exp_min(exp_min(exp_min(e, e0), e1), o0), o1);
            rnn_bf16x2 *d = Bp + q * kc2 * NR + j * NR;
            _mm512_storeu_si512(d, pair_rows(e0, o0));
            _mm512_storeu_si512(d + 16, pair_rows(e1, o1));
        }
    }
    *emin = e;
}

/* Rows [0, mr) of op(A) = A^T (A stored K x M: op(A)'s row i is A's column
 * i, element k at A + k*lda + i) over k in [0, kn), as pair words
 * Ap[j*mr + i]; an odd kn's last pair has +0 low. */
static void pack_at_pairs(int mr, size_t kn, const float *A, size_t lda, rnn_bf16x2 *Ap,
                          __m512i *emin)
{
    const __mmask16 m = lanes((size_t)mr);
    const size_t kc2 = (kn + 1) / 2;
    __m512i e = *emin;
    for (size_t j = 0; j < kc2; j++) {
        const float *even = A + 2 * j * lda;
        const __m512 x0 = _mm512_maskz_loadu_ps(m, even);
        const __m512 x1 = _mm512_maskz_loadu_ps(2 * j + 1 < kn ? m : 0, even + lda);
        e = exp_min(exp_min(e, x0), x1);
        _mm512_mask_storeu_epi32(Ap + j * (size_t)mr, m, pair_rows(x0, x1));
    }
    *emin = e;
}

static unsigned smallest(__m512i e)
{
    return (unsigned)_mm512_reduce_min_epu32(e);
}

/* C = bf16(A)^T bf16(B) on vdpbf16ps (M, N, K > 0). Returns 0 where the
 * operands' exponents do not guarantee the fmaf chain's bits: C then holds
 * other bits and must be computed again. Not inlined, so its buffers are
 * off the stack before that. */
static __attribute__((noinline)) BF16_TARGET int run_pairs(size_t M, size_t N, size_t K,
                                                           const float *A, size_t lda,
                                                           const float *B, size_t ldb, float *C,
                                                           size_t ldc)
{
    rnn_bf16x2 Bbuf[KC2_GRAD * NC_GRAD] __attribute__((aligned(64)));
    rnn_bf16x2 Ap[MR * KC2_GRAD] __attribute__((aligned(64)));
    const size_t K2 = (K + 1) / 2;
    const size_t nkb = parts(K2, KC2_GRAD), njc = parts(N, NC_GRAD), nb = parts(M, MR);
    __m512i ea = _mm512_set1_epi32(255), eb = _mm512_set1_epi32(255);
    for (size_t kb = 0; kb < nkb; kb++) {
        const size_t j0 = kb * K2 / nkb, j1 = (kb + 1) * K2 / nkb, kc2 = j1 - j0;
        const size_t k0 = 2 * j0, kn = (2 * j1 < K ? 2 * j1 : K) - k0;
        const float *Ak = A + k0 * lda;
        for (size_t jc = 0; jc < njc; jc++) {
            const size_t c0 = jc * NC_GRAD, c1 = c0 + NC_GRAD < N ? c0 + NC_GRAD : N;
            const size_t np = (c1 - c0 + NR - 1) / NR;
            pack_b_pairs(c1 - c0, kn, B + k0 * ldb + c0, ldb, Bbuf, &eb);
            for (size_t b = 0; b < nb; b++) {
                const size_t r0 = b * M / nb, r1 = (b + 1) * M / nb;
                const int mr = (int)(r1 - r0);
                pack_at_pairs(mr, kn, Ak + r0, lda, Ap, &ea);
                /* the exponents only fall: once they fail, stop (every B
                 * pack is followed by an A pack, so this sees all of it) */
                if (smallest(ea) + smallest(eb) < EXP_SUM_MIN)
                    return 0;
                /* the rows the next micro-block packs (this chunk's next,
                 * or the next chunk's first): even rows from pf0, odd ones
                 * from pf1, their first columns' lines during the first
                 * panel and their last columns' during the second (spread
                 * over every panel, the prefetches ran slower) */
                const int more = b + 1 < nb || jc + 1 < njc;
                const size_t n0 = b + 1 < nb ? r1 : 0;
                const size_t n1 = b + 1 < nb ? (b + 2) * M / nb : M / nb;
                for (size_t q = 0; q < np; q++) {
                    const size_t p0 = c0 + q * NR;
                    const __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
                    prefetch_share pf = {NULL, NULL, 2 * lda, 0, 0};
                    if (more && q < 2) {
                        const float *col = Ak + (q == 0 ? n0 : n1 - 1);
                        pf.pf0 = (const rnn_bf16x2 *)col;
                        pf.pf1 = (const rnn_bf16x2 *)(col + lda);
                        pf.n0 = kc2, pf.n1 = kn / 2;
                    }
                    ukernel_mr(mr, kc2, Ap, Bbuf + q * kc2 * NR, pf, C + r0 * ldc + p0, ldc,
                               kb > 0, NULL, m0, m1);
                }
            }
        }
    }
    return 1;
}

void rnn_k_bf16_gemm__avx512(int trans_a, size_t M, size_t N, size_t K, const float *A,
                             size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    if (trans_a && M && N && K && run_pairs(M, N, K, A, lda, B, ldb, C, ldc))
        return;
    rnn_k_bf16_gemm_fma__avx512(trans_a, M, N, K, A, lda, B, ldb, C, ldc);
}
