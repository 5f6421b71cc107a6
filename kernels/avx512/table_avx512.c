/* table_avx512.c — the avx512 kernel table: every entry is AVX-512 code (no
 * generic fallback), with the fused batch-1 step (gemv_ride, and
 * bf16_gemv_ride on the bf16 products), the overlap
 * probe and the bf16 dot-product probe. Compiled with
 * the avx512 flags; reached only through dispatch, which checks the CPU
 * first. */
#include "avx512.h"

const rnn_kernels rnn_kernels_avx512 = {
    .name = "avx512",
    .isa = RNN_ISA_AVX512,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__avx512,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
    .gemv_ride = rnn_k_gemv_ride__avx512,
    .probe_overlap = rnn_k_probe_overlap__avx512,
    .probe_bf16dot = rnn_k_probe_bf16dot__avx512,
    /* The packed product on vdpbf16ps (gemm_bf16_avx512.c); the weight
     * gradients' GEMM on vdpbf16ps where that gives the fmaf chain's bits,
     * else gemm's on rounded operands (gemm_bf16_grad_avx512.c). */
    .bf16_feature = "avx512bf16",
    .bf16_gemm_packed_nt = rnn_k_bf16_gemm_packed_nt__avx512,
    .bf16_gemm = rnn_k_bf16_gemm__avx512,
    .bf16_gemv_ride = rnn_k_bf16_gemv_ride__avx512,
};
