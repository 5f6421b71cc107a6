/* gemm_bf16_neon.c — the neon table's packed bf16 product (entries.inc's
 * bf16_gemm_packed_nt) on Armv8.6 BFDOT (vbfdotq_laneq_f32).
 *
 * What one BFDOT lane computes (Arm ARM BFDotAdd with FPCR.EBF = 0, the
 * reset value; docs/design.md §8): acc + (w_k x_k + w_k+1 x_k+1), the pair's
 * sum rounded once, then the addition to acc rounded again, both with round
 * to odd, input denormals read as zeros, tiny results flushed, default NaN,
 * FPCR ignored. The pair's sum is symmetric, so which product of a pair word
 * comes first does not matter; the layout only has to put w_k and x_k in the
 * same half (both pair words: k high, k+1 low).
 *
 * Chains: every output lane takes one BFDOT per pair of k, pairs ascending,
 * from gemm_packed_nt's initial value (beta ? (bias ? C + bias : C) :
 * (bias ? bias : +0), added in float32 as generic does); a K block stores
 * the lane and the next block continues from C. Every path (the GEMV at one
 * row, the 4-row tile, row and column tails) runs the same lane sequence, so
 * an output's bits depend neither on M nor on where a caller's rows or
 * panels start. They are not generic's bits: x86's vdpbf16ps rounds to
 * nearest after each product; the contract judges bf16 by tolerance.
 *
 * A: each row's K block is rounded to bf16 (rnn_bf16_from_float's bits,
 * bf16_neon.h) into pair words on the stack, MB rows at a time, then every
 * panel of the block runs over them (kernels do not allocate).
 *
 * Only the functions marked BF16_TARGET contain BF16 instructions; the entry
 * is baseline code. It must be called only where the table's bf16_feature
 * ("bf16") is usable: plans check that before any call (entries.inc). */
#include "bf16.h"
#include "bf16_neon.h"
#include "neon.h"
#include "vec_neon.h"

/* GCC's arm_neon.h declares the BF16 intrinsics for armv8.2-a+bf16: a
 * function using them must name that architecture (any CPU with BF16 is
 * Armv8.6 or later, so the 8.2 additions are there too). No constant bf16
 * vectors here: GCC 12 materialises one with an FP16 fmov (v.8h), which
 * that target lacks (the assembler refuses it). */
#define BF16_TARGET __attribute__((target("arch=armv8.2-a+bf16")))

#define NR RNN_BF16_NR /* 32 columns a panel: 8 q registers of 4 lanes */
#define MR 4           /* rows of the GEMM tile, over half a panel */
#define KB 128         /* pairs of k a block: 128 x 32 x 4 B = 16 KB of a panel */
#define MB 16          /* rows whose pair words are made at once: 16 x 128 x 4 B = 8 KB */

/* Column chunk q (4 lanes) of a row with nr valid columns; zero past nr. */
static inline float32x4_t ld_chunk(const float *p, size_t nr, size_t q)
{
    return nr > 4 * q ? ld_tail_neon(p + 4 * q, nr - 4 * q) : vdupq_n_f32(0.0f);
}

static inline void st_chunk(float *p, float32x4_t v, size_t nr, size_t q)
{
    if (nr > 4 * q)
        st_tail_neon(p + 4 * q, v, nr - 4 * q);
}

/* The initial value of chunk q: load_c ? (bias ? C + bias : C) : (bias ?
 * bias : +0). C itself, not 0 + C, so a stored -0 stays -0. */
static inline float32x4_t init_chunk(const float *c, const float *bias, int load_c, size_t nr,
                                     size_t q)
{
    const float32x4_t b = bias ? ld_chunk(bias, nr, q) : vdupq_n_f32(0.0f);
    if (!load_c)
        return b;
    const float32x4_t v = ld_chunk(c, nr, q);
    return bias ? vaddq_f32(v, b) : v;
}

/* The pair words of n floats of x (the last pair's low half +0 when n is
 * odd), as rnn_bf16_pairs makes them. */
static void make_pairs(size_t n, const float *x, rnn_bf16x2 *x2)
{
    size_t j = 0;
    for (; 2 * j + 8 <= n; j += 4)
        vst1q_u32(x2 + j, bf16_pairs4_neon(x + 2 * j));
    for (; 2 * j < n; j++)
        x2[j] = rnn_bf16_pair(rnn_bf16_from_float(x[2 * j]),
                              2 * j + 1 < n ? rnn_bf16_from_float(x[2 * j + 1]) : 0);
}

#define W(j, q) vreinterpretq_bf16_u32(vld1q_u32(w + (j) * NR + 4 * (q)))

/* One row, one panel: C (1 x nr, nr <= 32) = the chains of its kb pairs of
 * the block, from init_chunk. Eight lanes of four columns, independent. */
BF16_TARGET static void gemv_panel(size_t kb, const rnn_bf16x2 *x2, const rnn_bf16x2 *w,
                                   size_t nr, float *C, int load_c, const float *bias)
{
    float32x4_t c0 = init_chunk(C, bias, load_c, nr, 0), c1 = init_chunk(C, bias, load_c, nr, 1);
    float32x4_t c2 = init_chunk(C, bias, load_c, nr, 2), c3 = init_chunk(C, bias, load_c, nr, 3);
    float32x4_t c4 = init_chunk(C, bias, load_c, nr, 4), c5 = init_chunk(C, bias, load_c, nr, 5);
    float32x4_t c6 = init_chunk(C, bias, load_c, nr, 6), c7 = init_chunk(C, bias, load_c, nr, 7);
#define STEP(jj, xv, l)                                                                  \
    do {                                                                                 \
        c0 = vbfdotq_laneq_f32(c0, W(jj, 0), xv, l);                                     \
        c1 = vbfdotq_laneq_f32(c1, W(jj, 1), xv, l);                                     \
        c2 = vbfdotq_laneq_f32(c2, W(jj, 2), xv, l);                                     \
        c3 = vbfdotq_laneq_f32(c3, W(jj, 3), xv, l);                                     \
        c4 = vbfdotq_laneq_f32(c4, W(jj, 4), xv, l);                                     \
        c5 = vbfdotq_laneq_f32(c5, W(jj, 5), xv, l);                                     \
        c6 = vbfdotq_laneq_f32(c6, W(jj, 6), xv, l);                                     \
        c7 = vbfdotq_laneq_f32(c7, W(jj, 7), xv, l);                                     \
    } while (0)
    size_t j = 0;
    for (; j + 4 <= kb; j += 4) {
        const bfloat16x8_t xv = vreinterpretq_bf16_u32(vld1q_u32(x2 + j));
        STEP(j, xv, 0);
        STEP(j + 1, xv, 1);
        STEP(j + 2, xv, 2);
        STEP(j + 3, xv, 3);
    }
    for (; j < kb; j++) {
        const bfloat16x8_t xv = vreinterpretq_bf16_u32(vld1q_dup_u32(x2 + j));
        STEP(j, xv, 0);
    }
#undef STEP
    st_chunk(C, c0, nr, 0), st_chunk(C, c1, nr, 1), st_chunk(C, c2, nr, 2);
    st_chunk(C, c3, nr, 3), st_chunk(C, c4, nr, 4), st_chunk(C, c5, nr, 5);
    st_chunk(C, c6, nr, 6), st_chunk(C, c7, nr, 7);
}

/* mr (<= 4) rows x 16 columns (nr valid) of a panel: w points at the
 * half's first column, x2 at the rows' pair words (KB apart); 16 lanes of
 * four columns, four registers of four pair words of A. mr is a constant
 * after inlining. */
BF16_TARGET static inline __attribute__((always_inline)) void
tile(const size_t mr, size_t kb, const rnn_bf16x2 *x2, const rnn_bf16x2 *w, size_t nr, float *C,
     size_t ldc, int load_c, const float *bias)
{
#define DECL_ROW(r)                                                                      \
    float32x4_t c##r##0 = vdupq_n_f32(0.0f), c##r##1 = c##r##0, c##r##2 = c##r##0,       \
                c##r##3 = c##r##0;                                                       \
    if (mr > r) {                                                                        \
        c##r##0 = init_chunk(C + r * ldc, bias, load_c, nr, 0);                          \
        c##r##1 = init_chunk(C + r * ldc, bias, load_c, nr, 1);                          \
        c##r##2 = init_chunk(C + r * ldc, bias, load_c, nr, 2);                          \
        c##r##3 = init_chunk(C + r * ldc, bias, load_c, nr, 3);                          \
    }
    DECL_ROW(0)
    DECL_ROW(1)
    DECL_ROW(2)
    DECL_ROW(3)
#undef DECL_ROW
#define ROW(r, av, l)                                                                    \
    do {                                                                                 \
        if (mr > r) {                                                                    \
            c##r##0 = vbfdotq_laneq_f32(c##r##0, w0, av, l);                             \
            c##r##1 = vbfdotq_laneq_f32(c##r##1, w1, av, l);                             \
            c##r##2 = vbfdotq_laneq_f32(c##r##2, w2, av, l);                             \
            c##r##3 = vbfdotq_laneq_f32(c##r##3, w3, av, l);                             \
        }                                                                                \
    } while (0)
#define STEP(jj, l)                                                                      \
    do {                                                                                 \
        const bfloat16x8_t w0 = W(jj, 0), w1 = W(jj, 1), w2 = W(jj, 2), w3 = W(jj, 3);   \
        ROW(0, a0, l);                                                                   \
        ROW(1, a1, l);                                                                   \
        ROW(2, a2, l);                                                                   \
        ROW(3, a3, l);                                                                   \
    } while (0)
    size_t j = 0;
    for (; j + 4 <= kb; j += 4) {
        const bfloat16x8_t a0 = vreinterpretq_bf16_u32(vld1q_u32(x2 + j));
        bfloat16x8_t a1 = a0, a2 = a0, a3 = a0;
        if (mr > 1) a1 = vreinterpretq_bf16_u32(vld1q_u32(x2 + KB + j));
        if (mr > 2) a2 = vreinterpretq_bf16_u32(vld1q_u32(x2 + 2 * KB + j));
        if (mr > 3) a3 = vreinterpretq_bf16_u32(vld1q_u32(x2 + 3 * KB + j));
        STEP(j, 0);
        STEP(j + 1, 1);
        STEP(j + 2, 2);
        STEP(j + 3, 3);
    }
    for (; j < kb; j++) {
        const bfloat16x8_t a0 = vreinterpretq_bf16_u32(vld1q_dup_u32(x2 + j));
        bfloat16x8_t a1 = a0, a2 = a0, a3 = a0;
        if (mr > 1) a1 = vreinterpretq_bf16_u32(vld1q_dup_u32(x2 + KB + j));
        if (mr > 2) a2 = vreinterpretq_bf16_u32(vld1q_dup_u32(x2 + 2 * KB + j));
        if (mr > 3) a3 = vreinterpretq_bf16_u32(vld1q_dup_u32(x2 + 3 * KB + j));
        STEP(j, 0);
    }
#undef STEP
#undef ROW
#define STORE_ROW(r)                                                                     \
    if (mr > r) {                                                                        \
        st_chunk(C + r * ldc, c##r##0, nr, 0), st_chunk(C + r * ldc, c##r##1, nr, 1);    \
        st_chunk(C + r * ldc, c##r##2, nr, 2), st_chunk(C + r * ldc, c##r##3, nr, 3);    \
    }
    STORE_ROW(0)
    STORE_ROW(1)
    STORE_ROW(2)
    STORE_ROW(3)
#undef STORE_ROW
}
#undef W

/* Rows [0, mb) (mb >= 2) of the chunk over one panel (nr <= 32 valid
 * columns): tiles of MR rows, each over the panel's one or two halves. */
BF16_TARGET static void gemm_panel(size_t mb, size_t kb, const rnn_bf16x2 *x2,
                                   const rnn_bf16x2 *w, size_t nr, float *C, size_t ldc,
                                   int load_c, const float *bias)
{
    for (size_t r0 = 0; r0 < mb; r0 += MR) {
        const size_t mr = mb - r0 < MR ? mb - r0 : MR;
        for (size_t h = 0; h < nr; h += NR / 2) {
            const size_t hr = nr - h < NR / 2 ? nr - h : NR / 2;
            const rnn_bf16x2 *xr = x2 + r0 * KB, *wh = w + h;
            float *c = C + r0 * ldc + h;
            const float *b = bias ? bias + h : NULL;
            switch (mr) {
            case 4: tile(4, kb, xr, wh, hr, c, ldc, load_c, b); break;
            case 3: tile(3, kb, xr, wh, hr, c, ldc, load_c, b); break;
            case 2: tile(2, kb, xr, wh, hr, c, ldc, load_c, b); break;
            default: tile(1, kb, xr, wh, hr, c, ldc, load_c, b); break;
            }
        }
    }
}

void rnn_k_bf16_gemm_packed_nt__neon(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                     const rnn_bf16x2 *packed, const float *bias, float beta,
                                     float *C, size_t ldc)
{
    const size_t K2 = (K + 1) / 2;
    const size_t blocks = K2 ? (K2 + KB - 1) / KB : 1; /* K = 0 still writes the init */
    rnn_bf16x2 x2[MB * KB];
    for (size_t blk = 0; blk < blocks; blk++) {
        const size_t j0 = blk * KB, kb = K2 - j0 < KB ? K2 - j0 : KB;
        const size_t n_el = 2 * kb < K - 2 * j0 ? 2 * kb : K - 2 * j0; /* floats of A a row */
        const int first = blk == 0;
        const int load_c = first ? beta != 0.0f : 1;
        for (size_t m0 = 0; m0 < M; m0 += MB) {
            const size_t mb = M - m0 < MB ? M - m0 : MB;
            for (size_t r = 0; r < mb; r++)
                make_pairs(n_el, A + (m0 + r) * lda + 2 * j0, x2 + r * KB);
            for (size_t n0 = 0; n0 < N; n0 += NR) {
                const size_t nr = N - n0 < NR ? N - n0 : NR;
                const rnn_bf16x2 *w = packed + n0 * K2 + j0 * NR;
                const float *b = first && bias ? bias + n0 : NULL;
                float *c = C + m0 * ldc + n0;
                if (mb == 1)
                    gemv_panel(kb, x2, w, nr, c, load_c, b);
                else
                    gemm_panel(mb, kb, x2, w, nr, c, ldc, load_c, b);
            }
        }
    }
}
