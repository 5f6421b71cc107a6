/* validate.h — the checks every plan call makes before it touches a buffer:
 * required pointers, index and target ranges, and output/input overlap.
 * Private to core/. */
#ifndef RNNSIMD_VALIDATE_H
#define RNNSIMD_VALIDATE_H

#include <stddef.h>
#include "drivers.h"

/* A buffer as a byte range; a NULL pointer is an empty span. */
typedef struct {
    const void *ptr;
    size_t bytes;
} rnn_span;

/* RNN_ERR_ALIAS if any of the outputs overlaps any of the inputs. */
rnn_status rnn_check_alias(const rnn_span *outs, size_t n_out, const rnn_span *ins, size_t n_in);

/* The workspace was made for a plan of the same problem. */
rnn_status rnn_check_workspace(const rnn_plan *p, const rnn_workspace *ws);

/* x (or x_index), x_dec (or x_dec_index) for seq2seq, and, if need_targets,
 * targets are given (RNN_ERR_NULL); indices in [0, I), targets in [0, V)
 * (RNN_ERR_VALUE). */
rnn_status rnn_check_inputs(const rnn_plan *p, const rnn_inputs *in, int need_targets);

/* The byte ranges the call reads from in (targets only if used). Returns the
 * count written to spans (at most 7). */
size_t rnn_input_spans(const rnn_plan *p, const rnn_inputs *in, int use_targets, rnn_span *spans);

#endif
