/* table_neon.c — the neon kernel table: every entry is NEON code but the read
 * probe, generic's (neon.h); no fused batch-1 step (gemv_ride). The bf16
 * packed product runs BFDOT, so it needs the bf16 feature (Armv8.6
 * FEAT_BF16), which plans check; the bf16 GEMM is baseline NEON. Built only
 * for ARCH=aarch64. */
#include "neon.h"

const rnn_kernels rnn_kernels_neon = {
    .name = "neon",
    .isa = RNN_ISA_NEON,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__neon,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
    .bf16_feature = "bf16",
    .bf16_gemm_packed_nt = rnn_k_bf16_gemm_packed_nt__neon,
    .bf16_gemm = rnn_k_bf16_gemm__neon,
};
