/* avx2.h — the avx2 table's functions (AVX2 + FMA). Only
 * files compiled with the avx2 flags may call them directly; everyone else
 * reaches them through the table after dispatch has checked the CPU.
 * Packed layout: panels of 16 output columns, K-major (panel p holds columns
 * 16p..16p+15 as K rows of 16 floats, zero-padded past N), so a batch-1
 * product reads the weights as one contiguous stream. */
#ifndef RNNSIMD_AVX2_H
#define RNNSIMD_AVX2_H

#include "kernels.h"

/* rnn_k_<entry>__avx2 for every entry of entries.inc. */
#define RNN_KERNEL(name, ret, params) ret rnn_k_##name##__avx2 params;
#include "entries.inc"

#endif
