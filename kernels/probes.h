/* probes.h — what the machine probes of every table share (probes_<isa>.c,
 * run by rnnsimd-bench to measure the FMA peak and the read bandwidth): the
 * lists of named accumulators, and the store that keeps a probe's result
 * alive. Named accumulators, not an array: an array would live in memory and
 * each update would wait on a store and a load instead of the FMA unit. */
#ifndef RNNSIMD_PROBES_H
#define RNNSIMD_PROBES_H

#define RNN_ACC8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define RNN_ACC12(X) RNN_ACC8(X) X(8) X(9) X(10) X(11)
#define RNN_ACC16(X) RNN_ACC12(X) X(12) X(13) X(14) X(15)

/* Written with each probe's sum, so no compiler drops the loop. */
static volatile float rnn_probe_sink;

#endif
