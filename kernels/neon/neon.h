/* neon.h — the AArch64 Advanced SIMD (NEON) kernel table's functions. Built
 * only for ARCH=aarch64, where Advanced SIMD is part of the base ISA (no -m
 * flag, no run-time check needed beyond being on AArch64).
 * Packed layout of this table (pack_nt): W^T cut into panels of
 * RNN_NEON_NR = 16 columns (output features), each panel K x 16 row-major,
 * the last panel zero-padded; panel p starts at p * 16 * K. */
#ifndef RNNSIMD_NEON_H
#define RNNSIMD_NEON_H

#include "kernels.h"

#define RNN_NEON_NR 16

extern const rnn_kernels rnn_kernels_neon;

void gemm_neon(int trans_a, int trans_b, size_t M, size_t N, size_t K, const float *A,
               size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
size_t packed_size_neon(size_t N, size_t K);
void pack_nt_neon(size_t N, size_t K, const float *W, size_t ldw, float *packed);
void gemm_packed_nt_neon(size_t M, size_t N, size_t K, const float *A, size_t lda,
                         const float *packed, const float *bias, float beta, float *C,
                         size_t ldc);

void vexp_neon(size_t n, const float *x, float *y);
void vtanh_neon(size_t n, const float *x, float *y);
void vsigmoid_neon(size_t n, const float *x, float *y);

void rnn_tanh_fwd_neon(size_t B, size_t H, const float *xp, const float *hp, float *h);
void lstm_fwd_neon(size_t B, size_t H, const float *xp, const float *hp, const float *c_prev,
                   float *gates, float *c, float *h);
void gru_fwd_rz_neon(size_t B, size_t H, const float *xp, const float *hp, const float *h_prev,
                     float *gates, float *rh);
void gru_fwd_n_neon(size_t B, size_t H, const float *xp, const float *hp, const float *h_prev,
                    float *gates, float *h);
void lbr_gru_fwd_neon(size_t B, size_t H, const float *xp, const float *hp,
                      const float *h_prev, float *gates, float *h);

void rnn_tanh_bwd_neon(size_t B, size_t H, const float *h, const float *dh, float *dg);
void lstm_bwd_neon(size_t B, size_t H, const float *gates, const float *c_prev, const float *c,
                   const float *dh, float *dc, float *dg);
void gru_bwd_zn_neon(size_t B, size_t H, const float *gates, const float *h_prev,
                     const float *dh, float *dg, float *dh_prev);
void gru_bwd_r_neon(size_t B, size_t H, const float *gates, const float *h_prev,
                    const float *drh, float *dg, float *dh_prev);
void lbr_gru_bwd_neon(size_t B, size_t H, const float *gates, const float *h_prev,
                      const float *dh, float *dgx, float *dgh, float *dh_prev);

double softmax_xent_neon(size_t rows, size_t V, const float *logits, const int32_t *targets,
                         float scale, float *dlogits);

#endif
