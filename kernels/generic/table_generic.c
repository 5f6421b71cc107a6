/* table_generic.c — the generic kernel table: portable C for every entry,
 * the baseline every build has and the fallback other tables name. Its bf16
 * products emulate x86's vdpbf16ps exactly, so every machine can run bf16. */
#include "generic.h"

const rnn_kernels rnn_kernels_generic = {
    .name = "generic",
    .isa = RNN_ISA_GENERIC,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__generic,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
    .bf16_gemm_packed_nt = rnn_k_bf16_gemm_packed_nt__generic,
    .bf16_gemm = rnn_k_bf16_gemm__generic,
};
