/* neon.h — the AArch64 Advanced SIMD (NEON) kernel table's functions. Built
 * only for ARCH=aarch64, where Advanced SIMD is part of the base ISA (no -m
 * flag, no run-time check needed beyond being on AArch64).
 * Packed layout of this table (pack_nt): W^T cut into panels of
 * RNN_NEON_NR = 16 columns (output features), each panel K x 16 row-major,
 * the last panel zero-padded; panel p starts at p * 16 * K. */
#ifndef RNNSIMD_NEON_H
#define RNNSIMD_NEON_H

#include "kernels.h"

/* From generic: its read probe's 128-bit vectors are NEON's here. */
#define rnn_k_probe_read__neon rnn_k_probe_read__generic

/* rnn_k_<entry>__neon for every entry of entries.inc. */
#define RNN_KERNEL(name, ret, params) ret rnn_k_##name##__neon params;
#include "entries.inc"

#define RNN_NEON_NR 16

extern const rnn_kernels rnn_kernels_neon;

#endif
