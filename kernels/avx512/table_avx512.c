/* table_avx512.c — the avx512 kernel table (bootstrap: every entry still the
 * generic one, explicitly, until the avx512 kernels land). */
#include "generic/generic.h"

const rnn_kernels rnn_kernels_avx512 = {
    .name = "avx512",
    .isa = RNN_ISA_AVX512,
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
