/* table_avx512.c — the avx512 kernel table: every entry is AVX-512 code (no
 * generic fallback). Compiled with the avx512 flags; reached only through
 * dispatch, which checks the CPU first. */
#include "avx512.h"

const rnn_kernels rnn_kernels_avx512 = {
    .name = "avx512",
    .isa = RNN_ISA_AVX512,
    .gemm = gemm_avx512,
    .packed_size = packed_size_avx512,
    .pack_nt = pack_nt_avx512,
    .gemm_packed_nt = gemm_packed_nt_avx512,
    .gemv_ride = gemv_ride_avx512,
    .vexp = vexp_avx512,
    .vtanh = vtanh_avx512,
    .vsigmoid = vsigmoid_avx512,
    .rnn_tanh_fwd = rnn_tanh_fwd_avx512,
    .lstm_fwd = lstm_fwd_avx512,
    .gru_fwd_rz = gru_fwd_rz_avx512,
    .gru_fwd_n = gru_fwd_n_avx512,
    .lbr_gru_fwd = lbr_gru_fwd_avx512,
    .rnn_tanh_bwd = rnn_tanh_bwd_avx512,
    .lstm_bwd = lstm_bwd_avx512,
    .gru_bwd_zn = gru_bwd_zn_avx512,
    .gru_bwd_r = gru_bwd_r_avx512,
    .lbr_gru_bwd = lbr_gru_bwd_avx512,
    .softmax_xent = softmax_xent_avx512,
};
