/* fault.h — planted faults in what the runner judges, for the runner's own
 * tests (tests/cli_programs.sh): each judge must fail when what it judges
 * is wrong, and a judge that never fails cannot be told from one that
 * passes everything. The environment variable RNNSIMD_CONF_FAULT=KIND or
 * KIND@WHERE plants one; unset, nothing changes.
 *
 *   tolerance     both training runs' h, last element + 1 (far past any
 *                 tolerance; the two runs still agree bit for bit)
 *   forward-only  the same in rnn_plan_forward's h only
 *   determinism   the second training run's h: the last element's lowest
 *                 bit flipped
 *   bits          every run's h: the last element's lowest bit flipped
 *                 (within every tolerance: only the bit-for-bit judges see
 *                 it, the modes' agreement, bf16's x86 tables against
 *                 generic, the golden kernels= hash)
 *   onednn        oneDNN's output (dst_layer) in the cross-check, last
 *                 element + 1
 * WHERE limits a table's fault to one table (by its name, rnn_isa_name)
 * or to the mode unfused; onednn's names a compare of the cross-check as
 * its failure names it ("diff_bias (as b_hh)", "dst_iter (l1_reverse)"),
 * whose oneDNN tensor gets the fault instead of dst_layer. A run with a
 * fault never writes the golden file or the ratchet. */
#ifndef RNNSIMD_CONF_FAULT_H
#define RNNSIMD_CONF_FAULT_H

#include <stddef.h>
#include "rnnsimd.h"

typedef enum {
    CONF_FAULT_NONE = 0,
    CONF_FAULT_TOLERANCE,
    CONF_FAULT_FORWARD_ONLY,
    CONF_FAULT_DETERMINISM,
    CONF_FAULT_BITS,
    CONF_FAULT_ONEDNN
} conf_fault_kind;

/* Reads RNNSIMD_CONF_FAULT: 0 (a fault set or none), or -1 with err saying
 * what it names that is not a fault. */
int conf_fault_init(char *err, size_t errlen);

/* The fault planted, CONF_FAULT_NONE when none is. */
conf_fault_kind conf_fault_planted(void);

/* Plants the fault in h (n floats) of run `run` (0 and 1 the training
 * runs, 2 the forward-only run) of a table's plan made with opt. */
void conf_fault_plant_run(const rnn_plan_options *opt, int run, float *h, size_t n);

/* 1 when the planted fault is oneDNN's and names the cross-check's compare
 * `name` (dst_layer without a WHERE): its tensor's last element is then
 * moved by + 1 before the compare. Counts the plants. */
int conf_fault_onednn_hits(const char *name);

/* The compare onednn@WHERE names when the cross-check ran no compare of
 * that name (a fault that planted nothing), else NULL. */
const char *conf_fault_onednn_unplanted(void);

#endif
