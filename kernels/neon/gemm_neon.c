/* gemm_neon.c — the NEON table's matrix products: a register-blocked
 * micro-tile of MR = 4 rows x NR = 16 columns (16 accumulators in q
 * registers, of the 32 AArch64 has) over blocks of KC in depth.
 *
 * Every output is one fused multiply-add chain over k in ascending order
 * from its initial value (docs/design.md §9.2): gemm starts from
 * beta ? C : +0, gemm_packed_nt from beta ? (bias ? C + bias : C)
 * : (bias ? bias : +0); beta is a flag, 0 or 1 (entries.inc). An
 * accumulator register is that chain for four columns of one row: it
 * starts from the initial value, takes one vfmaq_laneq_f32 (rounded once)
 * per k, and is stored at the end of the K block; the next K block starts
 * from the stored value, so blocks cut a chain, never split it into partial
 * sums. Row tails (mr < 4, batch 1 included), column tails and depth tails
 * run the same chain, so an output's bits do not depend on M, on the
 * panel or row block it falls in, or on where a caller's range starts
 * (two threads splitting rows or panels give one thread's bits). Batch 1
 * of gemm_packed_nt runs two panels per pass (row_pair): eight independent
 * chains where one panel has four, to hide the FMA latency.
 *
 * B side: always a K x 16 panel, row stride 16, zero-padded past N — the
 * packed weights of pack_nt (the plan's layout, see neon.h), or a block of
 * op(B) packed on the stack by gemm. A side, unpacked, any stride:
 *   A row-major (the usual A W^T): four consecutive k of each row in one
 *     register, vfmaq_laneq_f32 picks the k;
 *   A transposed (K x M, as dW = dG^T X reads it): four consecutive rows
 *     at one k in one register, the lane picks the row.
 * Tails: columns past N are computed on zero padding and never stored; rows
 * past M and depth past K are never touched; C is read only when beta != 0
 * (and, past the first K block, as the value that block stored). */
#include "bf16.h"
#include "bf16_neon.h"
#include "neon.h"
#include "vec_neon.h"

#define NR RNN_NEON_NR
#define MR 4
/* 256 x 16 floats = 16 KB of B per block: it stays in L1 while every row
 * block of A passes over it. */
#define KC 256

#define DECL_ROW(r) float32x4_t c##r##0 = bb0, c##r##1 = bb1, c##r##2 = bb2, c##r##3 = bb3
#define LOAD_B(k)                                                                        \
    do {                                                                                 \
        b0 = vld1q_f32(b + (k) * NR);                                                    \
        b1 = vld1q_f32(b + (k) * NR + 4);                                                \
        b2 = vld1q_f32(b + (k) * NR + 8);                                                \
        b3 = vld1q_f32(b + (k) * NR + 12);                                               \
    } while (0)
#define FMA_ROW(r, av, l)                                                                \
    do {                                                                                 \
        c##r##0 = vfmaq_laneq_f32(c##r##0, b0, av, l);                                   \
        c##r##1 = vfmaq_laneq_f32(c##r##1, b1, av, l);                                   \
        c##r##2 = vfmaq_laneq_f32(c##r##2, b2, av, l);                                   \
        c##r##3 = vfmaq_laneq_f32(c##r##3, b3, av, l);                                   \
    } while (0)
/* One k of every row from one register whose lane r holds row r's A value. */
#define FMA_ALL_ROWS(av)                                                                 \
    do {                                                                                 \
        FMA_ROW(0, av, 0);                                                               \
        if (mr > 1) FMA_ROW(1, av, 1);                                                   \
        if (mr > 2) FMA_ROW(2, av, 2);                                                   \
        if (mr > 3) FMA_ROW(3, av, 3);                                                   \
    } while (0)
/* Step l of four k: lane l of each row's register of four k. */
#define STEP_K(l)                                                                        \
    do {                                                                                 \
        LOAD_B(k + (l));                                                                 \
        FMA_ROW(0, a0, l);                                                               \
        if (mr > 1) FMA_ROW(1, a1, l);                                                   \
        if (mr > 2) FMA_ROW(2, a2, l);                                                   \
        if (mr > 3) FMA_ROW(3, a3, l);                                                   \
    } while (0)
#define ROW_C(r, op)                                                                     \
    do {                                                                                 \
        op(C + (r) * ldc, c##r##0, c##r##1, c##r##2, c##r##3);                           \
    } while (0)

/* Column chunk c (4 floats) of a row with nr valid columns; zero past nr. */
static inline float32x4_t ld_chunk(const float *p, size_t nr, size_t c)
{
    return nr > 4 * c ? ld_tail_neon(p + 4 * c, nr - 4 * c) : vdupq_n_f32(0.0f);
}

static inline void st_chunk(float *p, float32x4_t v, size_t nr, size_t c)
{
    if (nr > 4 * c)
        st_tail_neon(p + 4 * c, v, nr - 4 * c);
}

/* C tile (mr x nr) = init + A-block (mr x kc) B-panel (kc x 16), one chain
 * per output from init = load_c ? (bias ? C + bias : C) : (bias ? bias : +0).
 * mr and a_trans are constants after inlining, so each instance keeps only
 * its rows' registers. */
static inline __attribute__((always_inline)) void
tile(const size_t mr, const int a_trans, size_t kc, const float *a, size_t lda, const float *b,
     size_t nr, float *C, size_t ldc, int load_c, const float *bias)
{
    float32x4_t bb0 = vdupq_n_f32(0.0f), bb1 = bb0, bb2 = bb0, bb3 = bb0;
    if (bias) {
        bb0 = ld_chunk(bias, nr, 0), bb1 = ld_chunk(bias, nr, 1);
        bb2 = ld_chunk(bias, nr, 2), bb3 = ld_chunk(bias, nr, 3);
    }
    DECL_ROW(0);
    DECL_ROW(1);
    DECL_ROW(2);
    DECL_ROW(3);
    if (load_c) {
        /* C itself, not 0 + C: a stored -0 stays -0. */
#define LOAD_C(p, x0, x1, x2, x3)                                                        \
        x0 = ld_chunk(p, nr, 0), x1 = ld_chunk(p, nr, 1), x2 = ld_chunk(p, nr, 2),       \
        x3 = ld_chunk(p, nr, 3)
#define ADD_BIAS(p, x0, x1, x2, x3)                                                      \
        x0 = vaddq_f32(x0, bb0), x1 = vaddq_f32(x1, bb1), x2 = vaddq_f32(x2, bb2),       \
        x3 = vaddq_f32(x3, bb3)
        ROW_C(0, LOAD_C);
        if (mr > 1) ROW_C(1, LOAD_C);
        if (mr > 2) ROW_C(2, LOAD_C);
        if (mr > 3) ROW_C(3, LOAD_C);
        if (bias) {
            ROW_C(0, ADD_BIAS);
            if (mr > 1) ROW_C(1, ADD_BIAS);
            if (mr > 2) ROW_C(2, ADD_BIAS);
            if (mr > 3) ROW_C(3, ADD_BIAS);
        }
#undef LOAD_C
#undef ADD_BIAS
    }
    float32x4_t b0, b1, b2, b3;
    size_t k = 0;
    if (a_trans) {
        for (; k < kc; k++) {
            LOAD_B(k);
            float32x4_t av = ld_tail_neon(a + k * lda, mr);
            FMA_ALL_ROWS(av);
        }
    } else {
        for (; k + 4 <= kc; k += 4) {
            float32x4_t a0 = vld1q_f32(a + k), a1 = a0, a2 = a0, a3 = a0;
            if (mr > 1) a1 = vld1q_f32(a + lda + k);
            if (mr > 2) a2 = vld1q_f32(a + 2 * lda + k);
            if (mr > 3) a3 = vld1q_f32(a + 3 * lda + k);
            STEP_K(0);
            STEP_K(1);
            STEP_K(2);
            STEP_K(3);
        }
        for (; k < kc; k++) {
            LOAD_B(k);
            if (mr == 1) {
                FMA_ROW(0, vdupq_n_f32(a[k]), 0);
                continue;
            }
            float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (size_t r = 0; r < mr; r++)
                t[r] = a[r * lda + k];
            float32x4_t av = vld1q_f32(t);
            FMA_ALL_ROWS(av);
        }
    }
#define STORE_C(p, x0, x1, x2, x3)                                                       \
    st_chunk(p, x0, nr, 0), st_chunk(p, x1, nr, 1), st_chunk(p, x2, nr, 2),              \
        st_chunk(p, x3, nr, 3)
    ROW_C(0, STORE_C);
    if (mr > 1) ROW_C(1, STORE_C);
    if (mr > 2) ROW_C(2, STORE_C);
    if (mr > 3) ROW_C(3, STORE_C);
#undef STORE_C
}

#define TILE_ARGS size_t kc, const float *a, size_t lda, const float *b, size_t nr, float *C, \
                  size_t ldc, int load_c, const float *bias
#define TILE_PASS kc, a, lda, b, nr, C, ldc, load_c, bias

static void tile_a_rows(size_t mr, TILE_ARGS)
{
    switch (mr) {
    case 4: tile(4, 0, TILE_PASS); break;
    case 3: tile(3, 0, TILE_PASS); break;
    case 2: tile(2, 0, TILE_PASS); break;
    default: tile(1, 0, TILE_PASS); break;
    }
}

static void tile_a_trans(size_t mr, TILE_ARGS)
{
    switch (mr) {
    case 4: tile(4, 1, TILE_PASS); break;
    case 3: tile(3, 1, TILE_PASS); break;
    case 2: tile(2, 1, TILE_PASS); break;
    default: tile(1, 1, TILE_PASS); break;
    }
}

/* Batch 1 over two panels: C (1 x nr, nr <= 32) from one row a and the
 * panels' blocks b (columns 0-15) and b2 (16-31). The same chains as
 * tile(1, ...) gives each column (init as there, one fmla per k, k
 * ascending), eight of them independent where one panel has four, so the
 * FMA latency is hidden without splitting any chain. */
#define EACH8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
static void row_pair(size_t kc, const float *a, const float *b, const float *b2, size_t nr,
                     float *C, int load_c, const float *bias)
{
#define INIT(q)                                                                          \
    float32x4_t c##q = bias ? ld_chunk(bias, nr, q) : vdupq_n_f32(0.0f);                 \
    if (load_c)                                                                          \
        c##q = bias ? vaddq_f32(ld_chunk(C, nr, q), c##q) : ld_chunk(C, nr, q);
    EACH8(INIT)
#undef INIT
#define STEP(av, l, kk)                                                                  \
    do {                                                                                 \
        const float *p = b + (kk) * NR, *p2 = b2 + (kk) * NR;                             \
        c0 = vfmaq_laneq_f32(c0, vld1q_f32(p), av, l);                                   \
        c1 = vfmaq_laneq_f32(c1, vld1q_f32(p + 4), av, l);                               \
        c2 = vfmaq_laneq_f32(c2, vld1q_f32(p + 8), av, l);                               \
        c3 = vfmaq_laneq_f32(c3, vld1q_f32(p + 12), av, l);                              \
        c4 = vfmaq_laneq_f32(c4, vld1q_f32(p2), av, l);                                  \
        c5 = vfmaq_laneq_f32(c5, vld1q_f32(p2 + 4), av, l);                              \
        c6 = vfmaq_laneq_f32(c6, vld1q_f32(p2 + 8), av, l);                              \
        c7 = vfmaq_laneq_f32(c7, vld1q_f32(p2 + 12), av, l);                             \
    } while (0)
    size_t k = 0;
    for (; k + 4 <= kc; k += 4) {
        float32x4_t av = vld1q_f32(a + k);
        STEP(av, 0, k);
        STEP(av, 1, k + 1);
        STEP(av, 2, k + 2);
        STEP(av, 3, k + 3);
    }
    for (; k < kc; k++) {
        float32x4_t av = vdupq_n_f32(a[k]);
        STEP(av, 0, k);
    }
#undef STEP
#define STORE(q) st_chunk(C, c##q, nr, q);
    EACH8(STORE)
#undef STORE
}
#undef EACH8

/* dst (kc x 16) = columns n of src^T, src an nr x kc block of rows (stride
 * lds): dst[k][j] = src[j][k], zero for j >= nr. */
static void pack_panel_nt(size_t nr, size_t kc, const float *src, size_t lds, float *dst)
{
    for (size_t j = 0; j < NR; j++) {
        if (j < nr) {
            const float *s = src + j * lds;
            for (size_t k = 0; k < kc; k++)
                dst[k * NR + j] = s[k];
        } else {
            for (size_t k = 0; k < kc; k++)
                dst[k * NR + j] = 0.0f;
        }
    }
}

/* dst (kc x 16) = a kc x nr block of row-major src (stride lds), zero-padded. */
static void pack_panel_nn(size_t nr, size_t kc, const float *src, size_t lds, float *dst)
{
    for (size_t k = 0; k < kc; k++)
        for (size_t c = 0; c < NR / 4; c++)
            vst1q_f32(dst + k * NR + 4 * c, ld_chunk(src + k * lds, nr, c));
}

size_t rnn_k_packed_size__neon(size_t N, size_t K)
{
    return (N + NR - 1) / NR * NR * K;
}

void rnn_k_pack_nt__neon(size_t N, size_t K, const float *W, size_t ldw, float *packed)
{
    for (size_t n0 = 0; n0 < N; n0 += NR) {
        size_t nr = N - n0 < NR ? N - n0 : NR;
        pack_panel_nt(nr, K, W + n0 * ldw, ldw, packed + n0 * K);
    }
}

static size_t k_blocks(size_t K)
{
    return K ? (K + KC - 1) / KC : 1; /* K = 0 still writes bias / beta*C */
}

void rnn_k_gemm_packed_nt__neon(size_t M, size_t N, size_t K, const float *A, size_t lda,
                                const float *packed, const float *bias, float beta, float *C,
                                size_t ldc)
{
    for (size_t kb = 0; kb < k_blocks(K); kb++) {
        size_t k0 = kb * KC, kc = K - k0 < KC ? K - k0 : KC;
        int first = kb == 0;
        const int load_c = first ? beta != 0.0f : 1;
        for (size_t n0 = 0; n0 < N;) {
            const float *b = packed + n0 * K + k0 * NR, *bs = first && bias ? bias + n0 : NULL;
            if (M == 1 && N - n0 > NR) {
                size_t nr = N - n0 < 2 * NR ? N - n0 : 2 * NR;
                row_pair(kc, A + k0, b, b + NR * K, nr, C + n0, load_c, bs);
                n0 += 2 * NR;
                continue;
            }
            size_t nr = N - n0 < NR ? N - n0 : NR;
            for (size_t m0 = 0; m0 < M; m0 += MR) {
                size_t mr = M - m0 < MR ? M - m0 : MR;
                tile_a_rows(mr, kc, A + m0 * lda + k0, lda, b, nr, C + m0 * ldc + n0, ldc,
                            load_c, bs);
            }
            n0 += NR;
        }
    }
}

void rnn_k_gemm__neon(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    float bbuf[KC * NR];
    for (size_t n0 = 0; n0 < N; n0 += NR) {
        size_t nr = N - n0 < NR ? N - n0 : NR;
        for (size_t kb = 0; kb < k_blocks(K); kb++) {
            size_t k0 = kb * KC, kc = K - k0 < KC ? K - k0 : KC;
            int first = kb == 0;
            if (trans_b)
                pack_panel_nt(nr, kc, B + n0 * ldb + k0, ldb, bbuf);
            else
                pack_panel_nn(nr, kc, B + k0 * ldb + n0, ldb, bbuf);
            for (size_t m0 = 0; m0 < M; m0 += MR) {
                size_t mr = M - m0 < MR ? M - m0 : MR;
                float *c = C + m0 * ldc + n0;
                int load_c = first ? beta != 0.0f : 1;
                if (trans_a)
                    tile_a_trans(mr, kc, A + k0 * lda + m0, lda, bbuf, nr, c, ldc, load_c, NULL);
                else
                    tile_a_rows(mr, kc, A + m0 * lda + k0, lda, bbuf, nr, c, ldc, load_c, NULL);
            }
        }
    }
}

/* The weight gradients of a bf16 plan (entries.inc's bf16_gemm): gemm's
 * tiles at beta 0 on operands rounded to bf16 (bf16_neon.h: the bits of
 * rnn_bf16_round) as they are copied to the stack: B's panel as gemm packs
 * it, A's block of mr rows (or, transposed, kc x mr) beside it. The products
 * of two bf16 are exact in float32, and each output is the same fmla chain
 * over k ascending from +0 that generic's fmaf loop runs, so the bits are
 * generic's. (Only a NaN's payload can differ, when both operands of one
 * product are NaN: fmla takes B's, generic's fmaf A's; both are NaN.) */
static void round_block(size_t n, float *x)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(x + i, bf16_round_neon(vld1q_f32(x + i)));
    for (; i < n; i++)
        x[i] = rnn_bf16_round(x[i]);
}

void rnn_k_bf16_gemm__neon(int trans_a, size_t M, size_t N, size_t K, const float *A,
                           size_t lda, const float *B, size_t ldb, float *C, size_t ldc)
{
    float bbuf[KC * NR];
    float abuf[MR * KC];
    for (size_t n0 = 0; n0 < N; n0 += NR) {
        size_t nr = N - n0 < NR ? N - n0 : NR;
        for (size_t kb = 0; kb < k_blocks(K); kb++) {
            size_t k0 = kb * KC, kc = K - k0 < KC ? K - k0 : KC;
            const int load_c = kb != 0;
            pack_panel_nn(nr, kc, B + k0 * ldb + n0, ldb, bbuf);
            round_block(kc * NR, bbuf);
            for (size_t m0 = 0; m0 < M; m0 += MR) {
                size_t mr = M - m0 < MR ? M - m0 : MR;
                float *c = C + m0 * ldc + n0;
                if (trans_a) {
                    /* kc x 4, lanes past mr zero: tile_a_trans reads mr of them. */
                    for (size_t k = 0; k < kc; k++)
                        vst1q_f32(abuf + k * MR,
                                  bf16_round_neon(ld_tail_neon(A + (k0 + k) * lda + m0, mr)));
                    tile_a_trans(mr, kc, abuf, MR, bbuf, nr, c, ldc, load_c, NULL);
                } else {
                    for (size_t r = 0; r < mr; r++) {
                        memcpy(abuf + r * KC, A + (m0 + r) * lda + k0, kc * sizeof(float));
                        round_block(kc, abuf + r * KC);
                    }
                    tile_a_rows(mr, kc, abuf, KC, bbuf, nr, c, ldc, load_c, NULL);
                }
            }
        }
    }
}
