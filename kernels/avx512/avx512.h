/* avx512.h — the avx512 table's functions (AVX-512 F/BW/VL/DQ + FMA). Only
 * files compiled with the avx512 flags may call them directly; everyone else
 * reaches them through the table after dispatch has checked the CPU.
 * Packed layout: panels of 32 output columns, K-major (panel p holds columns
 * 32p..32p+31 as K rows of 32 floats, zero-padded past N), so a batch-1
 * product reads the weights as one contiguous stream. */
#ifndef RNNSIMD_AVX512_H
#define RNNSIMD_AVX512_H

#include "kernels.h"

void gemm_avx512(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
                 size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
size_t packed_size_avx512(size_t N, size_t K);
void pack_nt_avx512(size_t N, size_t K, const float *W, size_t ldw, float *packed);
void gemm_packed_nt_avx512(size_t M, size_t N, size_t K, const float *A, size_t lda,
                           const float *packed, const float *bias, float beta, float *C,
                           size_t ldc);
/* C (1 x N) = (load_c ? C : 0) + bias + a W^T: gemm_packed_nt's M = 1 case. */
void gemv_packed_avx512(size_t N, size_t K, const float *a, const float *packed,
                        const float *bias, int load_c, float *C);
void gemv_ride_avx512(size_t N, size_t K, const float *a, const float *packed, const float *bias,
                      float beta, float *C, size_t chunk, const rnn_ride *ride);

void vexp_avx512(size_t n, const float *x, float *y);
void vtanh_avx512(size_t n, const float *x, float *y);
void vsigmoid_avx512(size_t n, const float *x, float *y);

void rnn_tanh_fwd_avx512(size_t B, size_t H, const float *xp, const float *hp, float *h);
void lstm_fwd_avx512(size_t B, size_t H, const float *xp, const float *hp, const float *c_prev,
                     float *gates, float *c, float *h);
void gru_fwd_rz_avx512(size_t B, size_t H, const float *xp, const float *hp, const float *h_prev,
                       float *gates, float *rh);
void gru_fwd_n_avx512(size_t B, size_t H, const float *xp, const float *hp, const float *h_prev,
                      float *gates, float *h);
void lbr_gru_fwd_avx512(size_t B, size_t H, const float *xp, const float *hp,
                        const float *h_prev, float *gates, float *h);

void rnn_tanh_bwd_avx512(size_t B, size_t H, const float *h, const float *dh, float *dg);
void lstm_bwd_avx512(size_t B, size_t H, const float *gates, const float *c_prev, const float *c,
                     const float *dh, float *dc, float *dg);
void gru_bwd_zn_avx512(size_t B, size_t H, const float *gates, const float *h_prev,
                       const float *dh, float *dg, float *dh_prev);
void gru_bwd_r_avx512(size_t B, size_t H, const float *gates, const float *h_prev,
                      const float *drh, float *dg, float *dh_prev);
void lbr_gru_bwd_avx512(size_t B, size_t H, const float *gates, const float *h_prev,
                        const float *dh, float *dgx, float *dgh, float *dh_prev);

double softmax_xent_avx512(size_t rows, size_t V, const float *logits, const int32_t *targets,
                           float scale, float *dlogits);

#endif
