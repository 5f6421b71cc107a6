/* elementwise.h — the element-wise probe: what one step's fused gate kernel
 * costs a hidden unit on a kernel table, so the batched ceilings of
 * bench/targets.py can count the work that is not a product. */
#ifndef RNNSIMD_BENCH_ELEMENTWISE_H
#define RNNSIMD_BENCH_ELEMENTWISE_H

#include "rnnsimd.h"

/* Nanoseconds a hidden unit of one batch row takes in the forward gate
 * kernels of isa's table for cell, as an inference step runs them
 * (lstm_fwd and lbr_gru_fwd without the saved gates, gru_fwd_rz then
 * gru_fwd_n, rnn_tanh_fwd), its operands warm in cache: the smaller of the
 * shapes B 64 x H 256 and B 16 x H 1024 (the same units; short rows and
 * long ones), best of 3 runs of about seconds/6 each on the thread's CPU
 * clock. A step of a batched row pays at least B x H times this between
 * its products, whose operands come from further away. 0 when the table
 * cannot run here, -1 when memory runs out. */
double bench_elementwise_ns(rnn_isa isa, rnn_cell cell, double seconds);
/* The same at one shape, B rows of H units (0 for B or H 0; -1 when memory
 * runs out). */
double bench_elementwise_ns_at(rnn_isa isa, rnn_cell cell, size_t B, size_t H, double seconds);

#endif /* RNNSIMD_BENCH_ELEMENTWISE_H */
