/* table_generic.c — the generic kernel table: portable C for every entry,
 * the baseline every build has and the fallback other tables name. */
#include "generic.h"

const rnn_kernels rnn_kernels_generic = {
    .name = "generic",
    .isa = RNN_ISA_GENERIC,
    .gemm = gemm_generic,
    .packed_size = packed_size_generic,
    .pack_nt = pack_nt_generic,
    .gemm_packed_nt = gemm_packed_nt_generic,
    .vexp = vexp_generic,
    .vtanh = vtanh_generic,
    .vsigmoid = vsigmoid_generic,
    .rnn_tanh_fwd = rnn_tanh_fwd_generic,
    .lstm_fwd = lstm_fwd_generic,
    .gru_fwd_rz = gru_fwd_rz_generic,
    .gru_fwd_n = gru_fwd_n_generic,
    .lbr_gru_fwd = lbr_gru_fwd_generic,
    .rnn_tanh_bwd = rnn_tanh_bwd_generic,
    .lstm_bwd = lstm_bwd_generic,
    .gru_bwd_zn = gru_bwd_zn_generic,
    .gru_bwd_r = gru_bwd_r_generic,
    .lbr_gru_bwd = lbr_gru_bwd_generic,
    .softmax_xent = softmax_xent_generic,
};
