/* table_avx2.c — the avx2 kernel table: every entry is AVX2 + FMA code (no
 * generic fallback). Compiled with the avx2 flags; reached only through
 * dispatch, which checks the CPU first. */
#include "avx2.h"

const rnn_kernels rnn_kernels_avx2 = {
    .name = "avx2",
    .isa = RNN_ISA_AVX2,
    .gemm = gemm_avx2,
    .packed_size = packed_size_avx2,
    .pack_nt = pack_nt_avx2,
    .gemm_packed_nt = gemm_packed_nt_avx2,
    .vexp = vexp_avx2,
    .vtanh = vtanh_avx2,
    .vsigmoid = vsigmoid_avx2,
    .rnn_tanh_fwd = rnn_tanh_fwd_avx2,
    .lstm_fwd = lstm_fwd_avx2,
    .gru_fwd_rz = gru_fwd_rz_avx2,
    .gru_fwd_n = gru_fwd_n_avx2,
    .lbr_gru_fwd = lbr_gru_fwd_avx2,
    .rnn_tanh_bwd = rnn_tanh_bwd_avx2,
    .lstm_bwd = lstm_bwd_avx2,
    .gru_bwd_zn = gru_bwd_zn_avx2,
    .gru_bwd_r = gru_bwd_r_avx2,
    .lbr_gru_bwd = lbr_gru_bwd_avx2,
    .softmax_xent = softmax_xent_avx2,
};
