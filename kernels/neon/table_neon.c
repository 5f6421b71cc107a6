/* table_neon.c — the neon kernel table: every entry is NEON code (no generic
 * fallback); no fused batch-1 step (gemv_ride). Built only for
 * ARCH=aarch64. */
#include "neon.h"

const rnn_kernels rnn_kernels_neon = {
    .name = "neon",
    .isa = RNN_ISA_NEON,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__neon,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
};
