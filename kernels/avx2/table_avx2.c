/* table_avx2.c — the avx2 kernel table: every entry is AVX2 + FMA code (no
 * generic fallback); no fused batch-1 step (gemv_ride). Compiled with the
 * avx2 flags; reached only through dispatch, which checks the CPU first. */
#include "avx2.h"

const rnn_kernels rnn_kernels_avx2 = {
    .name = "avx2",
    .isa = RNN_ISA_AVX2,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__avx2,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
};
