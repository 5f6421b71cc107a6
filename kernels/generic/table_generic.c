/* table_generic.c — the generic kernel table: portable C for every entry,
 * the baseline every build has and the fallback other tables name. */
#include "generic.h"

const rnn_kernels rnn_kernels_generic = {
    .name = "generic",
    .isa = RNN_ISA_GENERIC,
#define RNN_KERNEL(name, ret, params) .name = rnn_k_##name##__generic,
#define RNN_KERNEL_OPTIONAL(name, ret, params)
#include "entries.inc"
};
