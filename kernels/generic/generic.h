/* generic.h — the portable C kernel table's functions (no intrinsics). Another
 * table that has nothing better for an entry takes generic's explicitly, in
 * its own header (entries.inc says how), so a fallback is always visible,
 * never silent.
 * Packed layout of this table: W^T, K x N row-major (ld N). */
#ifndef RNNSIMD_GENERIC_H
#define RNNSIMD_GENERIC_H

#include "kernels.h"

/* rnn_k_<entry>__generic for every entry of entries.inc. */
#define RNN_KERNEL(name, ret, params) ret rnn_k_##name##__generic params;
#include "entries.inc"

extern const rnn_kernels rnn_kernels_generic;

#endif
