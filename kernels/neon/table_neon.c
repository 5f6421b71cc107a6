/* table_neon.c — the neon kernel table: every entry is NEON code but the read
 * probe, generic's (neon.h); no fused batch-1 step (gemv_ride). Built only
 * for ARCH=aarch64. */
#include "generic/generic.h"
#include "neon.h"

const rnn_kernels rnn_kernels_neon = {
    .name = "neon",
    .isa = RNN_ISA_NEON,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__neon,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
    /* bf16: generic's exact vdpbf16ps emulation for now. */
    .bf16_gemm_packed_nt = rnn_k_bf16_gemm_packed_nt__generic,
    .bf16_gemm = rnn_k_bf16_gemm__generic,
};
