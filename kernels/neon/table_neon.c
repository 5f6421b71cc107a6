/* table_neon.c — the neon kernel table: every entry is NEON code (no generic
 * fallback). Built only for ARCH=aarch64. */
#include "neon.h"

const rnn_kernels rnn_kernels_neon = {
    .name = "neon",
    .isa = RNN_ISA_NEON,
    .gemm = gemm_neon,
    .packed_size = packed_size_neon,
    .pack_nt = pack_nt_neon,
    .gemm_packed_nt = gemm_packed_nt_neon,
    .vexp = vexp_neon,
    .vtanh = vtanh_neon,
    .vsigmoid = vsigmoid_neon,
    .rnn_tanh_fwd = rnn_tanh_fwd_neon,
    .lstm_fwd = lstm_fwd_neon,
    .gru_fwd_rz = gru_fwd_rz_neon,
    .gru_fwd_n = gru_fwd_n_neon,
    .lbr_gru_fwd = lbr_gru_fwd_neon,
    .rnn_tanh_bwd = rnn_tanh_bwd_neon,
    .lstm_bwd = lstm_bwd_neon,
    .gru_bwd_zn = gru_bwd_zn_neon,
    .gru_bwd_r = gru_bwd_r_neon,
    .lbr_gru_bwd = lbr_gru_bwd_neon,
    .softmax_xent = softmax_xent_neon,
};
