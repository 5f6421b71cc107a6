/* avx512.h — the avx512 table's functions (AVX-512 F/BW/VL/DQ + FMA). Only
 * files compiled with the avx512 flags may call them directly; everyone else
 * reaches them through the table after dispatch has checked the CPU.
 * Packed layout: panels of 32 output columns, K-major (panel p holds columns
 * 32p..32p+31 as K rows of 32 floats, zero-padded past N), so a batch-1
 * product reads the weights as one contiguous stream. */
#ifndef RNNSIMD_AVX512_H
#define RNNSIMD_AVX512_H

#include "kernels.h"

/* rnn_k_<entry>__avx512 for every entry of entries.inc. */
#define RNN_KERNEL(name, ret, params) ret rnn_k_##name##__avx512 params;
#include "entries.inc"

/* C (1 x N) = (load_c ? C : 0) + bias + a W^T: gemm_packed_nt's M = 1 case. */
void rnn_k_gemv_packed__avx512(size_t N, size_t K, const float *a, const float *packed,
                               const float *bias, int load_c, float *C);

/* C (1 x N) = (load_c ? C : 0) + bias + bf16(a) W^T, W packed by
 * rnn_bf16_pack: bf16_gemm_packed_nt's M = 1 case (and each row at K = 0).
 * AVX512-BF16 code: call it only where the CPU has the feature. */
void rnn_k_bf16_gemv_packed__avx512(size_t N, size_t K, const float *a,
                                    const rnn_bf16x2 *packed, const float *bias, int load_c,
                                    float *C);

/* bf16_gemm (entries.inc) on FMAs: the fmaf chains of the rounded operands,
 * every case (plain AVX-512). bf16_gemm itself runs vdpbf16ps where that
 * gives the same bits (gemm_bf16_grad_avx512.c). */
void rnn_k_bf16_gemm_fma__avx512(int trans_a, size_t M, size_t N, size_t K, const float *A,
                                 size_t lda, const float *B, size_t ldb, float *C, size_t ldc);

#endif
