/* gemm_bf16_avx512.c — the avx512 table's packed bf16 product at batch
 * sizes: C (M x N) = beta*C + bf16(A) W^T + bias on AVX512-BF16 (vdpbf16ps),
 * W packed by rnn_bf16_pack (kernels.h: panels of 32 columns, ceil(K/2) rows
 * of pair words, k in the high half). M = 1 (and K = 0) run the GEMV of
 * gemv_bf16_avx512.c.
 *
 * The loop is gemm_avx512.c's run_packed with a pair of k where the float32
 * product has one k (read its header for the why): a pair word is 4 bytes
 * like a float, so a panel row (32 pair words, 128 bytes) and a micro-block
 * of A (MR x KC2 pair words, 24 KiB) have the float32 sizes, and each byte
 * of them carries twice the work. Per row chunk of up to MC rows, A is
 * rounded and packed once (a super block of up to SUPER_KB K blocks deep);
 * then panel by panel (NC_PACKED columns when one K block meets more than
 * MC rows), each micro-block of MR rows runs the panel's K blocks while its
 * tile of C sits in L1, and the next panel is prefetched, spread over the
 * micro-kernel calls. The micro-kernel holds an MR x 32 tile of C in 2*MR
 * zmm accumulators: per pair of k, 2 panel loads (16 pair words each), MR
 * broadcasts of a row's pair word, 2*MR vdpbf16ps (12 rows: 24
 * independent chains against the instruction's latency x 2 pipes).
 *
 * A's pair words: 32 floats of a row (k0..k0+31), the row prefetched
 * A_AHEAD floats further on, are rounded to bf16
 * exactly as rnn_bf16_from_float does (RNE, the carry into the exponent,
 * denormals kept, a NaN quieted with the top of its payload) and made into
 * 16 pair words (bf16_round_avx512.h's pairs32: k in the high half), zeros
 * past K (masked loads: an odd K's last pair has +0 low, as
 * rnn_bf16_pairs); 16 rows' vectors are then transposed in registers so
 * each pair's MR words are one masked store: Ap[j*mr + i], dense.
 *
 * Bits: output (i, n) is one chain acc = lane(acc, W pair j of n, A pair j
 * of i) over j ascending from the initial value gemm_packed_nt states (C +
 * bias, C, bias or +0; with beta 0, C is not read), each step one
 * vdpbf16ps lane with W the instruction's src1 (kernels/bf16.h's
 * rnn_bf16_dot_lane(acc, w, x): its NaN priority depends on the order): the
 * chain generic's product (kernels/generic/gemm_bf16_generic.c) emulates,
 * so both tables give the same bits. K blocks cut a chain, never split it:
 * a later block starts from what the earlier one stored, without bias.
 *
 * Stack (kernels do not allocate): MC x KC2 pair words (192 KiB), as
 * gemm_avx512.c's gemm_packed_nt; the GEMV's 16 KiB is another function's.
 *
 * Only code with the avx512bf16 target attribute may execute vdpbf16ps: the
 * micro-kernel and the entry; plans call the entry only after checking the
 * table's bf16_feature (kernels.h). */
#include <immintrin.h>
#include "avx512.h"
#include "blocking_avx512.h"
#include "bf16_round_avx512.h"
#include "gemm_bf16_ukernel_avx512.h"

_Static_assert(NR == RNN_BF16_NR, "the bf16 panels are as wide as the float32 ones");

#define MC 96         /* rows per chunk: 8 micro-blocks */
#define KC2 512       /* pairs per K block: MR x KC2 words of A, 24 KiB, in L1 */
#define SUPER_KB 2    /* K blocks whose A is packed at once (up to 48 rows) */
#define NC_PACKED 128 /* columns per chunk when one K block meets > MC rows */
/* Packing A prefetches each row this many floats (two blocks of 32) ahead
 * of the block it rounds: a vdpbf16ps consumes a row of A twice as fast as
 * an FMA does, and the input projection's rows of x (M = T*B, each read
 * once) arrive cold. Measured in docs/performance.md §5.32. */
#define A_AHEAD 64

/* r[c] = column c of the 16 x 16 matrix of 32-bit words whose rows were
 * r[0..15]: the off-diagonal blocks of 8, 4, 2 and 1 swapped in turn. */
static inline __attribute__((always_inline)) void transpose16(__m512i r[16])
{
    const __m512i iota =
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#pragma GCC unroll 4
    for (int b = 8; b >= 1; b /= 2) {
        const __mmask16 high = _mm512_test_epi32_mask(iota, _mm512_set1_epi32(b));
        /* lo: lane L of row i, or (bit b of L set) lane L-b of row i+b;
         * hi: lane L+b of row i, or (bit set) lane L of row i+b */
        const __m512i lo = _mm512_mask_add_epi32(iota, high, iota, _mm512_set1_epi32(16 - b));
        const __m512i hi = _mm512_mask_add_epi32(_mm512_add_epi32(iota, _mm512_set1_epi32(b)),
                                                 high, iota, _mm512_set1_epi32(16));
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++)
            if (!(i & b)) {
                const __m512i x = r[i], y = r[i + b];
                r[i] = _mm512_permutex2var_epi32(x, lo, y);
                r[i + b] = _mm512_permutex2var_epi32(x, hi, y);
            }
    }
}

/* Rounds mr rows (mr <= 16, row i at A + i*lda) of kn floats to bf16 and
 * packs them as ceil(kn/2) pair words per row, pair-major and dense:
 * Ap[j*mr + i]; an odd kn's last pair has +0 low. */
static BF16_TARGET void pack_a_pairs(int mr, size_t kn, const float *A, size_t lda,
                                     rnn_bf16x2 *Ap)
{
    const __mmask16 m = lanes((size_t)mr);
    const size_t n2 = (kn + 1) / 2;
    for (size_t k0 = 0; k0 < kn; k0 += 32) {
        const size_t left = kn - k0;
        const __mmask16 ml = lanes(left), mh = left > 16 ? lanes(left - 16) : 0;
        __m512i r[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) {
            if (i < mr) {
                const float *a = A + (size_t)i * lda + k0;
                if (k0 + A_AHEAD + 16 < kn) {
                    _mm_prefetch((const char *)(a + A_AHEAD), _MM_HINT_T0);
                    _mm_prefetch((const char *)(a + A_AHEAD + 16), _MM_HINT_T0);
                }
                r[i] = pairs32(_mm512_maskz_loadu_ps(ml, a), _mm512_maskz_loadu_ps(mh, a + 16));
            } else {
                r[i] = _mm512_setzero_si512();
            }
        }
        transpose16(r);
        const size_t j0 = k0 / 2, nj = n2 - j0 < 16 ? n2 - j0 : 16;
#pragma GCC unroll 16
        for (size_t j = 0; j < nj; j++)
            _mm512_mask_storeu_epi32(Ap + (j0 + j) * (size_t)mr, m, r[j]);
    }
}

/* Block kb's first pair of K2 pairs split in nkb even blocks. */
static inline size_t j_at(size_t kb, size_t K2, size_t nkb)
{
    return kb * K2 / nkb;
}

/* The product for M > 1 and K > 0 (gemm_avx512.c's run_packed, in pairs). */
static BF16_TARGET void run(size_t M, size_t N, size_t K, const float *A, size_t lda,
                            const rnn_bf16x2 *packed, const float *bias, int load_c0, float *C,
                            size_t ldc, rnn_bf16x2 *Ap)
{
    const size_t K2 = (K + 1) / 2;
    const size_t nkb = parts(K2, KC2), nsb = parts(nkb, SUPER_KB), np = (N + NR - 1) / NR;
    const size_t cp = nkb == 1 && M > MC ? NC_PACKED / NR : 1;
    for (size_t sb = 0; sb < nsb; sb++) {
        const size_t kb0 = sb * nkb / nsb, kb1 = (sb + 1) * nkb / nsb;
        const size_t js = j_at(kb0, K2, nkb), depth = j_at(kb1, K2, nkb) - js;
        const size_t mcmax = MC * KC2 / depth < MC ? MC * KC2 / depth : MC;
        const size_t nic = parts(M, mcmax);
        for (size_t ic = 0; ic < nic; ic++) {
            const size_t i0 = ic * M / nic, mc = (ic + 1) * M / nic - i0;
            const size_t nb = parts(mc, MR);
            /* micro-block b's K block kb at Ap + r0*depth + (j0 - js)*mr */
            for (size_t b = 0; b < nb; b++) {
                const size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                for (size_t kb = kb0; kb < kb1; kb++) {
                    const size_t j0 = j_at(kb, K2, nkb), j1 = j_at(kb + 1, K2, nkb);
                    const size_t k1 = 2 * j1 < K ? 2 * j1 : K;
                    pack_a_pairs((int)(r1 - r0), k1 - 2 * j0, A + (i0 + r0) * lda + 2 * j0,
                                 lda, Ap + r0 * depth + (j0 - js) * (r1 - r0));
                }
            }
            for (size_t c0 = 0; c0 < np; c0 += cp) {
                const size_t cn = np - c0 < cp ? np - c0 : cp;
                /* the chunk visited next (this super block's slice of its
                 * panels, or the next super block's first), prefetched
                 * while this one runs, spread over the micro-kernel calls */
                size_t nc0 = c0 + cp, njs = js, ndepth = depth;
                if (nc0 >= np) {
                    nc0 = 0;
                    if (ic + 1 == nic) {
                        njs = j_at(kb1, K2, nkb);
                        ndepth = sb + 1 < nsb ? j_at((sb + 2) * nkb / nsb, K2, nkb) - njs : 0;
                    }
                }
                const size_t nn = !ndepth ? 0 : np - nc0 < cp ? np - nc0 : cp;
                const size_t lines = 2 * ndepth, calls = nb * (kb1 - kb0);
                const size_t per = (lines + calls - 1) / calls;
                for (size_t b = 0; b < nb; b++) {
                    const size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                    const int mr = (int)(r1 - r0);
                    for (size_t q = 0; q < cn; q++) {
                        const size_t p0 = (c0 + q) * NR;
                        const rnn_bf16x2 *next =
                            q < nn ? packed + (nc0 + q) * NR * K2 + njs * NR : NULL;
                        const __mmask16 m0 = lanes(N - p0),
                                        m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
                        for (size_t kb = kb0; kb < kb1; kb++) {
                            const size_t j0 = j_at(kb, K2, nkb), kc2 = j_at(kb + 1, K2, nkb) - j0;
                            const size_t call = b * (kb1 - kb0) + (kb - kb0);
                            prefetch_share pf = {NULL, NULL, 16, 0, 0};
                            const size_t s0 = call * per;
                            if (next && s0 < lines) {
                                const size_t n = s0 + per < lines ? per : lines - s0;
                                pf.pf0 = next + s0 * 16;
                                pf.n0 = n < kc2 ? n : kc2;
                                if (n > kc2) {
                                    pf.pf1 = pf.pf0 + kc2 * 16;
                                    pf.n1 = n - kc2 < kc2 ? n - kc2 : kc2;
                                }
                            }
                            ukernel_mr(mr, kc2, Ap + r0 * depth + (j0 - js) * (size_t)mr,
                                       packed + p0 * K2 + j0 * NR, pf, C + (i0 + r0) * ldc + p0,
                                       ldc, kb == 0 ? load_c0 : 1,
                                       kb == 0 && bias ? bias + p0 : NULL, m0, m1);
                        }
                    }
                }
            }
        }
    }
}

BF16_TARGET void rnn_k_bf16_gemm_packed_nt__avx512(size_t M, size_t N, size_t K,
                                                   const float *A, size_t lda,
                                                   const rnn_bf16x2 *packed, const float *bias,
                                                   float beta, float *C, size_t ldc)
{
    const int load_c0 = beta != 0.0f;
    if (M == 1) {
        rnn_k_bf16_gemv_packed__avx512(N, K, A, packed, bias, load_c0, C);
        return;
    }
    if (K == 0) { /* the initial value only */
        for (size_t i = 0; i < M; i++)
            rnn_k_bf16_gemv_packed__avx512(N, 0, NULL, packed, bias, load_c0, C + i * ldc);
        return;
    }
    rnn_bf16x2 Ap[MC * KC2] __attribute__((aligned(64)));
    run(M, N, K, A, lda, packed, bias, load_c0, C, ldc, Ap);
}
