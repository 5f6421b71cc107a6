/* case.h — one conformance case: a whole problem named by one line of text,
 *
 *     CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>[:L<n>][:bi]:V<n>:rho<x>:seed<n>
 *         [:state=mixed|h0zero|c0zero|none][:head=wide][:x=sat][:bf16]
 *     e.g. lstm:many2one:T17:B3:I7:H33:V5:rho1.0:seed5
 *          lstm:many2one:T6:B5:I16:H16:V33:rho1.0:seed15:state=mixed:head=wide:x=sat
 *          lstm:many2many:T17:B3:I7:H33:L3:bi:V5:rho1.0:seed5
 *
 * (To, the decoder's steps, appears exactly for seq2seq; L<n>, 2 to
 * CONF_MAX_LAYERS layers, and bi, two directions, make a stack of
 * docs/design.md §7: a line without them is one layer, one direction). The optional
 * fields after seed name the data's kind (generate.h says what each makes);
 * a line without them is the default kind, and keeps the meaning it always
 * had, bit for bit. bf16, last, makes the plans bf16 plans
 * (rnn_plan_options.dtype) and the reference the bf16 reference; the drawn
 * data are the same as without it. The line is the case's identity: the generator derives
 * every tensor from it, the golden file is keyed by it, and a failure prints
 * it so that `build/rnnsimd-conformance --case 'LINE'` reproduces it.
 * Parsing is strict (fields in this order, each at most once, the default
 * kind never spelled out, nothing else) and printing is canonical, so
 * print(parse(line)) == line for every canonical line. */
#ifndef CONF_CASE_H
#define CONF_CASE_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd_reference.h"

/* The most layers a case line may name (the reference is naive). */
#define CONF_MAX_LAYERS 8

/* Longest canonical line, with room to spare. */
#define CONF_CASE_LINE_MAX 192

/* The initial state (field state=): */
typedef enum {
    CONF_STATE_RANDOM = 0, /* (no field) h0 and c0 non-zero in every row */
    CONF_STATE_MIXED,      /* state=mixed: h0 zero in even batch rows, c0 zero in odd ones */
    CONF_STATE_H0_ZERO,    /* state=h0zero: h0 exactly zero, c0 (lstm) non-zero */
    CONF_STATE_C0_ZERO,    /* state=c0zero: c0 exactly zero, h0 non-zero (lstm only) */
    CONF_STATE_NONE,       /* state=none: h0 and c0 not given (NULL: zeros) */
    CONF_STATE_COUNT
} conf_state_kind;

typedef struct {
    rnn_desc desc;  /* cell, topology, T, T_out, B, I, H, V; L (0: one layer), bidirectional */
    double rho;     /* every singular value of each gate block of weight_hh */
    uint64_t seed;  /* PRNG seed of every tensor of the case */
    conf_state_kind state;
    int wide_head;  /* head=wide: logits spanning more than CONF_WIDE_SPAN in every row */
    int x_sat;      /* x=sat: every other (step, batch row) of the inputs saturates the gates */
    int bf16;       /* bf16: the plans' dtype RNN_DTYPE_BF16, and the bf16 reference */
} conf_case;

/* The least max - min of a head=wide case's logits in every scored row
 * (the runner checks it on the reference's logits). */
#define CONF_WIDE_SPAN 40.0

/* Whether two cases are the same case (every field). */
int conf_case_equal(const conf_case *a, const conf_case *b);

/* Parses line (no surrounding blanks). On failure returns RNN_ERR_FORMAT (or
 * RNN_ERR_SIZE for sizes the topology forbids) and writes a sentence naming
 * the bad field and what was expected into err (errlen bytes). */
rnn_status conf_case_parse(const char *line, conf_case *out, char *err, size_t errlen);

/* Writes the canonical line into buf (CONF_CASE_LINE_MAX bytes is enough). */
void conf_case_print(const conf_case *c, char *buf, size_t len);

#endif
