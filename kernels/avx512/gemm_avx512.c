/* gemm_avx512.c — GEMM and the packed C = A W^T + bias of the avx512 table.
 *
 * The blocked loop (BLIS's, with the roles named for this library): a
 * KC-deep, MC-row chunk of op(A) is packed once, K-major, in micro-blocks of
 * up to MR rows; an NC-column chunk of the 32-column panels of B (the packed
 * weights, or B packed here on the stack) stays in L2 while each micro-block
 * in turn sweeps it; one micro-block (MR x KC, at most 24 KiB) stays in L1
 * while the chunk's panels stream past it. The micro-kernel holds an MR x 32
 * tile of C in 2*MR zmm accumulators: per k step 2 panel loads and MR
 * broadcasts feed 2*MR FMAs. gemm with trans_a (the weight gradients) puts
 * the rows innermost instead: see run_rows_inner.
 *
 * Why: the other order (one panel, then every micro-block) keeps a 32 KiB
 * panel slice that cannot share L1 with A, and rereads C every 256 k steps.
 * The next chunk of weights is prefetched while one is in use, spread evenly
 * over its micro-kernels, so at batch sizes (every weight loaded from beyond
 * L2 once per product) the stream from L3 is steady rather than a burst per
 * panel. A tile of C only written is fetched for write as a micro-kernel starts.
 *
 * The packed weights (run_packed) take the K blocks innermost instead: A is
 * packed for two K blocks at a time, and each micro-kernel tile of C gets
 * both blocks while it sits in L1. A chunk is then one panel: panel q's
 * slice of a K block lies q*NR*K floats from panel 0's, 128 KiB (one L2 way)
 * at K = 1024, so the slices of a wider chunk and of the next one would all
 * fall in the same half of L2's sets (docs/performance.md, "The packed
 * product at batch sizes", compares the two loops). Below 512 deep and past
 * MC rows, the 128-column chunks stay (each micro-block of A then stays in
 * L1 across four panels).
 *
 * Bits: every output is one FMA chain over k in ascending order from its
 * initial value (docs/design.md §9.2): the micro-kernel starts its
 * accumulators from C and the bias, and a later K block from what the
 * earlier one stored, so blocks and tiles cut a chain, never split it.
 *
 * Tails: micro-blocks of fewer rows are the same kernel with mr a compile-time
 * constant; K, rows and micro-blocks are split evenly (a 600-deep K is two
 * blocks of 300); panels are zero-padded past N (pack_nt, pack_b), so panel
 * loads need no masks and only C's columns are masked. Nothing outside the
 * extents is read or written (prefetches stay inside A and the packed
 * weights); with beta 0, C is not read.
 *
 * Stack (kernels do not allocate and must stay re-entrant): gemm_packed_nt
 * MC x KC floats (192 KiB); gemm at most that plus KC_GEMM x NC_GEMM (256 KiB).
 *
 * bf16_gemm_fma (the weight gradients of a bf16 plan where vdpbf16ps cannot
 * run them: gemm_bf16_grad_avx512.c) is gemm with each operand rounded to
 * bf16 as pack_a / pack_b copy it (a compile-time flag of their
 * inlined bodies, so float32 gemm's copies are unchanged): the same loop at
 * the same speed, and generic's bits (entries.inc).
 *
 * Batch 1 (M = 1) is the GEMV regime, in gemv_avx512.c. The bf16 packed
 * product is gemm_bf16_avx512.c. */
#include <string.h>
#include <immintrin.h>
#include "avx512.h"
#include "panels.h"
#include "blocking_avx512.h"
#include "tile_avx512.h"

#define MR 12
#define MC 96  /* 8 micro-blocks; a batch of up to 96 rows is one chunk */
#define NC_PACKED 128 /* one K block of M > MC rows: KC x NC_PACKED floats of
                       * weights (256 KiB), as much again for the next chunk */
/* gemm: KC_GEMM x NC_GEMM floats of packed B on the stack (256 KiB). With
 * trans_a, a wide chunk means A's columns are packed fewer times; the shallow
 * K block is the faster one there.
 * gemm's other cases pack B in chunks of the same size, KC deep. */
#define KC_GEMM 128
#define NC_GEMM 512

size_t rnn_k_packed_size__avx512(size_t N, size_t K)
{
    return panels_size(NR, N, K);
}

void rnn_k_pack_nt__avx512(size_t N, size_t K, const float *W, size_t ldw, float *packed)
{
    panels_pack_nt(NR, N, K, W, ldw, packed);
}

/* What a micro-kernel prefetches while it runs, one line from each stream per
 * k step: pf0 + k*stride for k < n0, pf1 + k*stride for k < n1 (a share of
 * the next chunk's weights, or the rows of A the next micro-block packs). */
typedef struct {
    const float *pf0, *pf1;
    size_t stride, n0, n1;
} prefetch_share;

/* C[mr x 32] (masks m0, m1 for the two halves) = the chains
 * acc = fma(Ap[k*mr + i], Bp[k*NR + :], acc) over k = 0..kc-1, each from its
 * initial value: C + bias, C, bias or +0 (load_c, bias given or not). A K
 * block after the first passes load_c and no bias, so it continues the
 * chain the previous block stored (docs/design.md §9.2). */
static inline __attribute__((always_inline)) void
ukernel(const int mr, size_t kc, const float *Ap, const float *Bp, prefetch_share pf, float *C,
        size_t ldc, int load_c, const float *bias, __mmask16 m0, __mmask16 m1)
{
    __m512 acc0[MR], acc1[MR];
    tile_start(mr, C, ldc, load_c, bias, m0, m1, acc0, acc1);
    for (size_t k = 0; k < kc; k++, Ap += mr, Bp += NR) {
        __m512 b0 = _mm512_loadu_ps(Bp);
        __m512 b1 = _mm512_loadu_ps(Bp + 16);
        if (k < pf.n0)
            _mm_prefetch((const char *)(pf.pf0 + k * pf.stride), _MM_HINT_T0);
        if (k < pf.n1)
            _mm_prefetch((const char *)(pf.pf1 + k * pf.stride), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            __m512 a = _mm512_set1_ps(Ap[i]);
            acc0[i] = _mm512_fmadd_ps(a, b0, acc0[i]);
            acc1[i] = _mm512_fmadd_ps(a, b1, acc1[i]);
        }
    }
    tile_store(mr, C, ldc, m0, m1, acc0, acc1);
}

/* The micro-kernel with mr a compile-time constant. */
static void ukernel_mr(int mr, size_t kc, const float *Ap, const float *Bp, prefetch_share pf,
                       float *C, size_t ldc, int load_c, const float *bias, __mmask16 m0,
                       __mmask16 m1)
{
#define UK(r) ukernel(r, kc, Ap, Bp, pf, C, ldc, load_c, bias, m0, m1); break
    switch (mr) {
        TILE_MR_CASES(UK);
    }
#undef UK
}

/* r[c] = column c of the 16 x 16 matrix whose rows were r[0..15]. Per
 * 128-bit lane: pairs of rows interleaved, then 4 x 4 blocks; then the
 * lanes of each group of four registers transposed. */
static inline __attribute__((always_inline)) void transpose16(__m512 r[16])
{
    __m512 t[16], u[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    /* u[4g + j], lane L: rows 4g..4g+3 of column 4L + j */
#pragma GCC unroll 4
    for (int g = 0; g < 4; g++) {
        u[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
        u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
        u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        __m512 p = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88);
        __m512 q = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        __m512 v = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
        __m512 w = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
        r[j] = _mm512_shuffle_f32x4(p, v, 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(p, v, 0xDD);
        r[4 + j] = _mm512_shuffle_f32x4(q, w, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(q, w, 0xDD);
    }
}

/* bf16(x) as a float (rnn_bf16_round's bits: RNE on the integer bits, the
 * carry running into the exponent, denormals kept, a NaN quieted with the
 * top of its payload), lane by lane; x itself when round is 0. */
static inline __attribute__((always_inline)) __m512 to_bf16(const int round, __m512 x)
{
    if (!round)
        return x;
    const __m512i u = _mm512_castps_si512(x);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(
        _mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
    const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff)));
    r = _mm512_mask_or_epi32(r, nan, u, _mm512_set1_epi32(0x00400000));
    return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32((int)0xffff0000u)));
}

/* Packs mr rows of op(A) (row i, column k at A[i*ars + k*aks]), kc deep,
 * K-major and dense: Ap[k*mr + i]; each element rounded to bf16 when round
 * is 1 (bf16_gemm; round is a compile-time constant in each copy). */
static inline __attribute__((always_inline)) void
pack_a_copy(const int round, int trans_a, int mr, size_t kc, const float *A, size_t lda,
            float *Ap)
{
    if (trans_a) {
        /* op(A)'s rows are A's columns: each k is mr contiguous floats. */
        __mmask16 m = lanes((size_t)mr);
        for (size_t k = 0; k < kc; k++)
            _mm512_mask_storeu_ps(Ap + k * (size_t)mr, m,
                                  to_bf16(round, _mm512_maskz_loadu_ps(m, A + k * lda)));
    } else {
        /* 16 k at a time: mr rows (up to 16) loaded as vectors, transposed
         * in registers, each k's mr floats one masked store, instead of a
         * strided scalar store per float. */
        const __mmask16 m = lanes((size_t)mr);
        for (size_t k0 = 0; k0 < kc; k0 += 16) {
            const size_t n = kc - k0 < 16 ? kc - k0 : 16;
            const __mmask16 mk = lanes(n);
            __m512 r[16];
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++)
                r[i] = i < mr ? _mm512_maskz_loadu_ps(mk, A + (size_t)i * lda + k0)
                              : _mm512_setzero_ps();
            transpose16(r);
#pragma GCC unroll 16
            for (size_t j = 0; j < n; j++)
                _mm512_mask_storeu_ps(Ap + (k0 + j) * (size_t)mr, m, to_bf16(round, r[j]));
        }
    }
}

static void pack_a(int round, int trans_a, int mr, size_t kc, const float *A, size_t lda,
                   float *Ap)
{
    if (round)
        pack_a_copy(1, trans_a, mr, kc, A, lda, Ap);
    else
        pack_a_copy(0, trans_a, mr, kc, A, lda, Ap);
}

/* Packs columns [0, w) of op(B) (kc deep) as 32-column panels like pack_nt's,
 * zero-padded to a whole panel: Bp[p*kc*NR + k*NR + c]; each element
 * rounded to bf16 when round is 1 (a compile-time constant in each copy). */
static inline __attribute__((always_inline)) void
pack_b_copy(const int round, int trans_b, size_t w, size_t kc, const float *B, size_t ldb,
            float *Bp)
{
    for (size_t p0 = 0; p0 < w; p0 += NR, Bp += kc * NR) {
        size_t pw = w - p0 < NR ? w - p0 : NR;
        if (!trans_b) {
            __mmask16 m0 = lanes(pw), m1 = pw > 16 ? lanes(pw - 16) : 0;
            for (size_t k = 0; k < kc; k++) {
                const float *b = B + k * ldb + p0;
                _mm512_storeu_ps(Bp + k * NR, to_bf16(round, _mm512_maskz_loadu_ps(m0, b)));
                _mm512_storeu_ps(Bp + k * NR + 16,
                                 to_bf16(round, _mm512_maskz_loadu_ps(m1, b + 16)));
            }
        } else {
            /* op(B)(k, j) = B[j*ldb + k]: a gather, but B^T products are rare. */
            for (size_t k = 0; k < kc; k++)
                for (size_t c = pw; c < NR; c++)
                    Bp[k * NR + c] = 0.0f;
            for (size_t c = 0; c < pw; c++) {
                const float *b = B + (p0 + c) * ldb;
                for (size_t k = 0; k < kc; k++)
                    Bp[k * NR + c] = round ? rnn_bf16_round(b[k]) : b[k];
            }
        }
    }
}

static void pack_b(int round, int trans_b, size_t w, size_t kc, const float *B, size_t ldb,
                   float *Bp)
{
    if (round)
        pack_b_copy(1, trans_b, w, kc, B, ldb, Bp);
    else
        pack_b_copy(0, trans_b, w, kc, B, ldb, Bp);
}

/* One product's operands. B is either the packed weights (panels of the whole
 * K, `packed`) or a matrix packed chunk by chunk into `Bbuf`. */
typedef struct {
    size_t M, N, K;
    int trans_a;
    const float *A;
    size_t lda;
    const float *packed; /* panels of NR columns, K deep; NULL: pack B */
    int trans_b;
    const float *B;
    size_t ldb;
    int bf16; /* round op(A) and op(B) to bf16 as they are packed (bf16_gemm) */
    const float *bias;
    int load_c0;
    float *C;
    size_t ldc;
} product;

/* K blocks per super block: A for a whole super block (up to 1024 deep)
 * fits the MC x KC buffer at 48 rows. Longer ones leave fewer rows per
 * chunk, and every chunk streams all the weights from memory again. */
#define SUPER_KB 2

/* Block kb's first k of K split in nkb even blocks. */
static inline size_t k_at(size_t kb, size_t K, size_t nkb)
{
    return kb * K / nkb;
}

static void run_packed(const product *pr, float *Ap)
{
    const size_t M = pr->M, N = pr->N, K = pr->K;
    const size_t nkb = parts(K, KC), nsb = parts(nkb, SUPER_KB), np = (N + NR - 1) / NR;
    /* Panels per chunk: one unless a single K block meets more than MC rows;
     * then NC_PACKED columns, so each micro-block of A stays in L1 across
     * several panels. */
    const size_t cp = nkb == 1 && M > MC ? NC_PACKED / NR : 1;
    for (size_t sb = 0; sb < nsb; sb++) {
        const size_t kb0 = sb * nkb / nsb, kb1 = (sb + 1) * nkb / nsb;
        const size_t ks = k_at(kb0, K, nkb), depth = k_at(kb1, K, nkb) - ks;
        const size_t mcmax = MC * KC / depth < MC ? MC * KC / depth : MC;
        const size_t nic = parts(M, mcmax);
        for (size_t ic = 0; ic < nic; ic++) {
            const size_t i0 = ic * M / nic, mc = (ic + 1) * M / nic - i0;
            const size_t nb = parts(mc, MR);
            /* micro-block b's K block kb at Ap + r0*depth + (k0 - ks)*mr */
            for (size_t b = 0; b < nb; b++) {
                const size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                for (size_t kb = kb0; kb < kb1; kb++) {
                    const size_t k0 = k_at(kb, K, nkb), kc = k_at(kb + 1, K, nkb) - k0;
                    pack_a(0, 0, (int)(r1 - r0), kc, pr->A + (i0 + r0) * pr->lda + k0, pr->lda,
                           Ap + r0 * depth + (k0 - ks) * (r1 - r0));
                }
            }
            for (size_t c0 = 0; c0 < np; c0 += cp) {
                const size_t cn = np - c0 < cp ? np - c0 : cp;
                /* The chunk visited next (this super block's slice of its
                 * panels) is prefetched while this one runs, each panel's
                 * lines spread over the micro-kernel calls that run one of
                 * this chunk's panels. */
                size_t nc0 = c0 + cp, nks = ks, ndepth = depth;
                if (nc0 >= np) {
                    nc0 = 0;
                    if (ic + 1 == nic) { /* the next super block's, if any */
                        nks = k_at(kb1, K, nkb);
                        ndepth = sb + 1 < nsb ? k_at((sb + 2) * nkb / nsb, K, nkb) - nks : 0;
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
                        const float *next = q < nn ? pr->packed + (nc0 + q) * NR * K + nks * NR
                                                   : NULL;
                        __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
                        for (size_t kb = kb0; kb < kb1; kb++) {
                            const size_t k0 = k_at(kb, K, nkb), kc = k_at(kb + 1, K, nkb) - k0;
                            const size_t call = b * (kb1 - kb0) + (kb - kb0);
                            prefetch_share pf = {NULL, NULL, 16, 0, 0};
                            const size_t s0 = call * per;
                            if (next && s0 < lines) {
                                const size_t n = s0 + per < lines ? per : lines - s0;
                                pf.pf0 = next + s0 * 16;
                                pf.n0 = n < kc ? n : kc;
                                if (n > kc) {
                                    pf.pf1 = pf.pf0 + kc * 16;
                                    pf.n1 = n - kc < kc ? n - kc : kc;
                                }
                            }
                            ukernel_mr(mr, kc, Ap + r0 * depth + (k0 - ks) * (size_t)mr,
                                       pr->packed + p0 * K + k0 * NR, pf,
                                       pr->C + (i0 + r0) * pr->ldc + p0, pr->ldc,
                                       kb == 0 ? pr->load_c0 : 1,
                                       kb == 0 && pr->bias ? pr->bias + p0 : NULL, m0, m1);
                        }
                    }
                }
            }
        }
    }
}

/* gemm without trans_a: B packed chunk by chunk (KC x nc) into Bbuf, every
 * micro-block of an MC-row chunk of A sweeping it. */
static void run_blocked(const product *pr, float *Ap, float *Bbuf, size_t nc)
{
    const size_t M = pr->M, N = pr->N, K = pr->K;
    const size_t nkb = parts(K, KC), nic = parts(M, MC), njc = parts(N, nc);
    for (size_t kb = 0; kb < nkb; kb++) {
        const size_t k0 = kb * K / nkb, kc = (kb + 1) * K / nkb - k0;
        const int first = kb == 0;
        for (size_t ic = 0; ic < nic; ic++) {
            const size_t i0 = ic * M / nic, mc = (ic + 1) * M / nic - i0;
            const size_t nb = parts(mc, MR);
            for (size_t b = 0; b < nb; b++) {
                const size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                pack_a(pr->bf16, 0, (int)(r1 - r0), kc, pr->A + (i0 + r0) * pr->lda + k0,
                       pr->lda, Ap + r0 * kc);
            }
            for (size_t jc = 0; jc < njc; jc++) {
                const size_t j0 = jc * nc, j1 = j0 + nc < N ? j0 + nc : N;
                const size_t np = (j1 - j0 + NR - 1) / NR;
                pack_b(pr->bf16, pr->trans_b, j1 - j0, kc,
                       pr->trans_b ? pr->B + j0 * pr->ldb + k0 : pr->B + k0 * pr->ldb + j0,
                       pr->ldb, Bbuf);
                for (size_t b = 0; b < nb; b++) {
                    const size_t r0 = b * mc / nb, r1 = (b + 1) * mc / nb;
                    for (size_t q = 0; q < np; q++) {
                        const size_t p0 = j0 + q * NR;
                        __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
                        prefetch_share pf = {NULL, NULL, 16, 0, 0};
                        ukernel_mr((int)(r1 - r0), kc, Ap + r0 * kc, Bbuf + q * kc * NR, pf,
                                   pr->C + (i0 + r0) * pr->ldc + p0, pr->ldc,
                                   first ? pr->load_c0 : 1, NULL, m0, m1);
                    }
                }
            }
        }
    }
}

/* gemm with trans_a (the weight gradients dG^T X: K = T*B rows, A is dG
 * stored K x M). B is packed once per KC x NC_GEMM chunk and stays in L2;
 * every micro-block of MR rows sweeps it after packing its own A columns
 * (mr contiguous floats per k, cheap to copy), and while its first panel
 * runs, it prefetches the rows of A the next micro-block packs: they sit
 * lda apart, one or two lines each, a pattern no hardware prefetcher follows. */
static void run_rows_inner(const product *pr, float *Ap, float *Bbuf)
{
    const size_t M = pr->M, N = pr->N, K = pr->K, lda = pr->lda;
    const size_t nkb = parts(K, KC_GEMM), njc = parts(N, NC_GEMM), nb = parts(M, MR);
    for (size_t kb = 0; kb < nkb; kb++) {
        const size_t k0 = kb * K / nkb, kc = (kb + 1) * K / nkb - k0;
        const int first = kb == 0;
        const float *Ak = pr->A + k0 * lda;
        for (size_t jc = 0; jc < njc; jc++) {
            const size_t j0 = jc * NC_GEMM, j1 = j0 + NC_GEMM < N ? j0 + NC_GEMM : N;
            const size_t np = (j1 - j0 + NR - 1) / NR;
            pack_b(pr->bf16, pr->trans_b, j1 - j0, kc,
                   pr->trans_b ? pr->B + j0 * pr->ldb + k0 : pr->B + k0 * pr->ldb + j0, pr->ldb,
                   Bbuf);
            for (size_t b = 0; b < nb; b++) {
                const size_t r0 = b * M / nb, r1 = (b + 1) * M / nb;
                const int mr = (int)(r1 - r0);
                pack_a(pr->bf16, 1, mr, kc, Ak + r0, lda, Ap);
                /* the next micro-block's rows: in this chunk, or the first
                 * of the next column chunk (same k rows) */
                prefetch_share pf = {NULL, NULL, lda, 0, 0};
                if (b + 1 < nb || jc + 1 < njc) {
                    size_t n0 = b + 1 < nb ? r1 : 0, n1 = b + 1 < nb ? (b + 2) * M / nb : M / nb;
                    pf.pf0 = Ak + n0, pf.pf1 = Ak + n1 - 1, pf.n0 = pf.n1 = kc;
                }
                for (size_t q = 0; q < np; q++) {
                    const size_t p0 = j0 + q * NR;
                    __mmask16 m0 = lanes(N - p0), m1 = N - p0 > 16 ? lanes(N - p0 - 16) : 0;
                    ukernel_mr(mr, kc, Ap, Bbuf + q * kc * NR, pf, pr->C + r0 * pr->ldc + p0,
                               pr->ldc, first ? pr->load_c0 : 1, NULL, m0, m1);
                    pf.n0 = pf.n1 = 0;
                }
            }
        }
    }
}

void rnn_k_gemm_packed_nt__avx512(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                  const float *packed, const float *bias, float beta, float *C,
                                  size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (M == 1) {
        rnn_k_gemv_packed__avx512(N, K, A, packed, bias, load_c0, C);
        return;
    }
    if (K == 0) {
        for (size_t i = 0; i < M; i++)
            rnn_k_gemv_packed__avx512(N, 0, NULL, packed, bias, load_c0, C + i * ldc);
        return;
    }
    float Ap[MC * KC] __attribute__((aligned(64)));
    product pr = {M, N, K, 0, A, lda, packed, 0, NULL, 0, 0, bias, load_c0, C, ldc};
    run_packed(&pr, Ap);
}

/* gemm, or (bf16) bf16_gemm: the operands rounded as they are packed. */
static void gemm(int bf16, int trans_a, int trans_b, size_t M, size_t N, size_t K,
                 const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                 size_t ldc)
{
    int load_c0 = beta != 0.0f;
    if (K == 0) {
        if (!load_c0)
            for (size_t i = 0; i < M; i++)
                memset(C + i * ldc, 0, N * sizeof *C);
        return;
    }
    float Bbuf[KC_GEMM * NC_GEMM] __attribute__((aligned(64)));
    product pr = {M, N, K, trans_a, A, lda, NULL, trans_b, B, ldb, bf16, NULL, load_c0, C, ldc};
    if (trans_a) {
        float Ap[MR * KC_GEMM] __attribute__((aligned(64)));
        run_rows_inner(&pr, Ap, Bbuf);
    } else {
        float Ap[MC * KC] __attribute__((aligned(64)));
        run_blocked(&pr, Ap, Bbuf, KC_GEMM * NC_GEMM / KC / NR * NR);
    }
}

void rnn_k_gemm__avx512(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                        size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    gemm(0, trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

/* The weight gradients' bf16 GEMM (entries.inc) on FMAs: gemm's loop and
 * micro-kernel on operands rounded to bf16 as they are packed. A product of
 * two bf16 is exact in float32 and every output is gemm's FMA chain over k
 * ascending from +0, so the bits are generic's fmaf chain on the rounded
 * values. Plain AVX-512; rnn_k_bf16_gemm__avx512 (gemm_bf16_grad_avx512.c)
 * runs it where vdpbf16ps could give other bits. */
void rnn_k_bf16_gemm_fma__avx512(int trans_a, size_t M, size_t N, size_t K, const float *A,
                             size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    gemm(1, trans_a, 0, M, N, K, A, lda, B, ldb, 0.0f, C, ldc);
}
