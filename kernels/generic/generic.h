/* generic.h — the portable C kernel table's functions (no intrinsics), so that
 * other tables can point an entry at one of them explicitly: a fallback is
 * always visible in the table that uses it, never silent.
 * Packed layout of this table: W^T, K x N row-major (ld N). */
#ifndef RNNSIMD_GENERIC_H
#define RNNSIMD_GENERIC_H

#include "kernels.h"

extern const rnn_kernels rnn_kernels_generic;

void gemm_generic(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
size_t packed_size_generic(size_t N, size_t K);
void pack_nt_generic(size_t N, size_t K, const float *W, size_t ldw, float *packed);
void gemm_packed_nt_generic(size_t M, size_t N, size_t K, const float *A, size_t lda,
                            const float *packed, const float *bias, float beta, float *C,
                            size_t ldc);

void vexp_generic(size_t n, const float *x, float *y);
void vtanh_generic(size_t n, const float *x, float *y);
void vsigmoid_generic(size_t n, const float *x, float *y);

void rnn_tanh_fwd_generic(size_t B, size_t H, const float *xp, const float *hp, float *h);
void lstm_fwd_generic(size_t B, size_t H, const float *xp, const float *hp, const float *c_prev,
                      float *gates, float *c, float *h);
void gru_fwd_rz_generic(size_t B, size_t H, const float *xp, const float *hp,
                        const float *h_prev, float *gates, float *rh);
void gru_fwd_n_generic(size_t B, size_t H, const float *xp, const float *hp,
                       const float *h_prev, float *gates, float *h);
void lbr_gru_fwd_generic(size_t B, size_t H, const float *xp, const float *hp,
                         const float *h_prev, float *gates, float *h);

void rnn_tanh_bwd_generic(size_t B, size_t H, const float *h, const float *dh, float *dg);
void lstm_bwd_generic(size_t B, size_t H, const float *gates, const float *c_prev,
                      const float *c, const float *dh, float *dc, float *dg);
void gru_bwd_zn_generic(size_t B, size_t H, const float *gates, const float *h_prev,
                        const float *dh, float *dg, float *dh_prev);
void gru_bwd_r_generic(size_t B, size_t H, const float *gates, const float *h_prev,
                       const float *drh, float *dg, float *dh_prev);
void lbr_gru_bwd_generic(size_t B, size_t H, const float *gates, const float *h_prev,
                         const float *dh, float *dgx, float *dgh, float *dh_prev);

double softmax_xent_generic(size_t rows, size_t V, const float *logits, const int32_t *targets,
                            float scale, float *dlogits);

#endif
