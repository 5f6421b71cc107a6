/* kernels.h — the kernel table: the one contract between the ISA-independent
 * drivers (core/) and the code of one instruction set (kernels/<isa>/).
 *
 * Every table implements every entry but one. An ISA that has nothing
 * better for an entry points it at the generic function explicitly (see
 * generic.h), so a fallback is always visible in the table's definition.
 * The exception is gemv_ride, a schedule rather than a function: a table
 * without one leaves it NULL and the drivers hoist the whole projection.
 *
 * Layouts (row-major float32, contiguous unless a leading dimension is given):
 *   xp   B x G*H  input projection of one step, bias_ih included
 *   hp   B x G*H  recurrent product of one step, bias_hh included
 *   h, c B x H    states
 *   gates B x W*H per-step cache for backward, W = rnn_cache_width(cell):
 *        rnn_tanh 0 (h itself is enough), lstm 4 (i f g o, activated),
 *        gru 3 (r z n, activated), lbr_gru 4 (r z n activated, then hn = W_hn h + b_hn)
 * Kernels accept any float alignment, never read or write outside the extents
 * given, and do not allocate. */
#ifndef RNNSIMD_KERNELS_H
#define RNNSIMD_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd.h"

static inline size_t rnn_cache_width(rnn_cell c)
{
    return c == RNN_LSTM ? 4 : c == RNN_GRU ? 3 : c == RNN_LBR_GRU ? 4 : 0;
}

/* The fused batch-1 step's ride (gemv_ride below): columns [c0, c1) of
 * Y (RNN_RIDE_ROWS rows, ldy apart) = X W^T + bias, X given k-major
 * (xk[k*RNN_RIDE_ROWS + i] is row i's k-th input) and W in pack_nt layout
 * (N x K, N >= c1). c0 is a multiple of 16. */
#define RNN_RIDE_ROWS 8
typedef struct rnn_ride {
    size_t K, c0, c1, ldy;
    const float *xk, *packed, *bias;
    float *Y;
} rnn_ride;

typedef struct rnn_kernels {
    const char *name; /* "generic", "avx2", "avx512", "neon" */
    rnn_isa isa;

    /* C (M x N, ldc) = beta*C + op(A) op(B); op(A) is M x K, op(B) is K x N;
     * trans_a: A is stored K x M (lda); trans_b: B is stored N x K (ldb).
     * beta is 0 or 1; with beta 0, C is not read (NaN in C does not leak). */
    void (*gemm)(int trans_a, int trans_b, size_t M, size_t N, size_t K,
                 const float *A, size_t lda, const float *B, size_t ldb,
                 float beta, float *C, size_t ldc);

    /* Weights packed once per plan for C = A W^T, W an N x K PyTorch weight
     * (row stride ldw). packed_size is in floats. */
    size_t (*packed_size)(size_t N, size_t K);
    void (*pack_nt)(size_t N, size_t K, const float *W, size_t ldw, float *packed);
    /* C (M x N, ldc) = beta*C + A (M x K, lda) W^T + bias (N, may be NULL). */
    void (*gemm_packed_nt)(size_t M, size_t N, size_t K, const float *A, size_t lda,
                           const float *packed, const float *bias, float beta,
                           float *C, size_t ldc);

    /* The fused batch-1 step: C (1 x N) = beta*C + a W^T + bias, with the
     * bits of gemm_packed_nt(1, N, K, ...) and the packed panels streamed in chunks
     * of `chunk` panels, the last chunk first (0: front to back), and, in
     * the same loop, ride's columns with the bits gemm_packed_nt gives
     * them in a product over any number of rows. Why: a batch-1 step's
     * stream leaves the FMA unit idle, and the next steps' input projection
     * (a GEMM whose rows are time steps) fills it. NULL in tables without
     * one (the driver then hoists the whole projection). N may be 0. */
    void (*gemv_ride)(size_t N, size_t K, const float *a, const float *packed,
                      const float *bias, float beta, float *C, size_t chunk,
                      const rnn_ride *ride);

    /* y[i] = f(x[i]); y may equal x. Error bounds in ULP are stated by each ISA. */
    void (*vexp)(size_t n, const float *x, float *y);
    void (*vtanh)(size_t n, const float *x, float *y);
    void (*vsigmoid)(size_t n, const float *x, float *y);

    /* ---- fused gate forward, one step, B rows ---- */
    /* h = tanh(xp + hp) */
    void (*rnn_tanh_fwd)(size_t B, size_t H, const float *xp, const float *hp, float *h);
    /* i,f,o = sigma, g = tanh of (xp + hp); c = f*c_prev + i*g; h = o*tanh(c).
     * gates may be NULL (inference). */
    void (*lstm_fwd)(size_t B, size_t H, const float *xp, const float *hp,
                     const float *c_prev, float *gates, float *c, float *h);
    /* Seed GRU, in two halves around the product W_hn (r*h):
     * rz: r,z = sigma(xp + hp) on the first 2H columns; rh = r * h_prev;
     *     writes gates r,z (gates is never NULL here: n needs z).
     * n:  n = tanh(xp_n + hp_n) where hp_n (columns 2H..3H of hp) holds
     *     W_hn (r*h) + b_hn; h = (1-z)*h_prev + z*n; writes gates n. */
    void (*gru_fwd_rz)(size_t B, size_t H, const float *xp, const float *hp,
                       const float *h_prev, float *gates, float *rh);
    void (*gru_fwd_n)(size_t B, size_t H, const float *xp, const float *hp,
                      const float *h_prev, float *gates, float *h);
    /* PyTorch GRU: r,z = sigma(xp + hp); n = tanh(xp_n + r*hp_n);
     * h = (1-z)*n + z*h_prev. gates (r z n hn) may be NULL. */
    void (*lbr_gru_fwd)(size_t B, size_t H, const float *xp, const float *hp,
                        const float *h_prev, float *gates, float *h);

    /* ---- fused gate backward, one step, B rows ----
     * dh: gradient reaching h_t (from above and from step t+1).
     * Outputs are pre-activation gradients: dgx (B x G*H) is what flows into
     * xp (so into W_ih, b_ih, x), dgh what flows into hp (W_hh, b_hh, h_prev);
     * they differ only for lbr_gru. dh_prev gets the part of dL/dh_{t-1} that
     * does not go through W_hh (written, not accumulated). */
    /* dg = dh * (1 - h^2) */
    void (*rnn_tanh_bwd)(size_t B, size_t H, const float *h, const float *dh, float *dg);
    /* dc: in, the gradient reaching c_t from step t+1; out, the one reaching
     * c_{t-1} (= dc_t * f). c is c_t, c_prev is c_{t-1}. */
    void (*lstm_bwd)(size_t B, size_t H, const float *gates, const float *c_prev,
                     const float *c, const float *dh, float *dc, float *dg);
    /* Seed GRU, backward in two halves around W_hn:
     * zn: dg[z], dg[n] (columns H..3H); dh_prev = dh*(1-z).
     * r:  given drh = dg_n W_hn (B x H, computed by the driver),
     *     dg[r] (columns 0..H) = drh * h_prev * r(1-r); dh_prev += drh * r. */
    void (*gru_bwd_zn)(size_t B, size_t H, const float *gates, const float *h_prev,
                       const float *dh, float *dg, float *dh_prev);
    void (*gru_bwd_r)(size_t B, size_t H, const float *gates, const float *h_prev,
                      const float *drh, float *dg, float *dh_prev);
    /* PyTorch GRU: dgx (B x 3H) and dgh (B x 3H, its n part is dgx_n * r);
     * dh_prev = dh * z. */
    void (*lbr_gru_bwd)(size_t B, size_t H, const float *gates, const float *h_prev,
                        const float *dh, float *dgx, float *dgh, float *dh_prev);

    /* ---- output head ----
     * For each of the rows: p = softmax(logits row); loss_sum += -log p[target];
     * if dlogits is not NULL: dlogits = scale * (p - onehot(target)).
     * Returns the sum of the rows' losses (in double). Targets are checked by
     * the driver, not here. */
    double (*softmax_xent)(size_t rows, size_t V, const float *logits,
                           const int32_t *targets, float scale, float *dlogits);
} rnn_kernels;

/* Every table compiled into this build, in the order of isas.inc (least
 * preferred first), NULL-terminated. The one list that dispatch,
 * conformance and benchmarks iterate over. */
const rnn_kernels *const *rnn_kernel_tables(void);

/* The table of isa (RNN_ISA_AUTO: the best the CPU runs, or RNNSIMD_ISA).
 * RNN_ERR_ISA_UNSUPPORTED with a reason when the CPU or build lacks it. */
rnn_status rnn_kernels_get(rnn_isa isa, const rnn_kernels **out, const char **why);

/* The i-th CPU feature isas.inc names for this build's architecture (NULL
 * past the last), and in *present whether this CPU and OS have it
 * (RNNSIMD_CPU_MASK not applied). */
const char *rnn_cpu_feature(size_t i, int *present);

/* rnn_strerror's sentence for RNN_ERR_ISA_UNKNOWN: every name isas.inc has. */
extern const char rnn_isa_unknown_text[];

#endif /* RNNSIMD_KERNELS_H */
