/* case.h — one conformance case: a whole problem named by one line of text,
 *
 *     CELL:TOPOLOGY:T<n>[:To<n>]:B<n>:I<n>:H<n>:V<n>:rho<x>:seed<n>
 *     e.g. lstm:many2one:T17:B3:I7:H33:V5:rho1.0:seed5
 *
 * (To, the decoder's steps, appears exactly for seq2seq). The line is the
 * case's identity: the generator derives every tensor from it, the golden
 * file is keyed by it, and a failure prints it so that
 * `build/rnnsimd-conformance --case 'LINE'` reproduces it. Parsing is strict
 * (fields in this order, nothing else) and printing is canonical, so
 * print(parse(line)) == line for every canonical line. */
#ifndef CONF_CASE_H
#define CONF_CASE_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd_reference.h"

/* Longest canonical line, with room to spare. */
#define CONF_CASE_LINE_MAX 192

typedef struct {
    rnn_desc desc;  /* cell, topology, T, T_out, B, I, H, V */
    double rho;     /* every singular value of each gate block of weight_hh */
    uint64_t seed;  /* PRNG seed of every tensor of the case */
} conf_case;

/* Parses line (no surrounding blanks). On failure returns RNN_ERR_FORMAT (or
 * RNN_ERR_SIZE for sizes the topology forbids) and writes a sentence naming
 * the bad field and what was expected into err (errlen bytes). */
rnn_status conf_case_parse(const char *line, conf_case *out, char *err, size_t errlen);

/* Writes the canonical line into buf (CONF_CASE_LINE_MAX bytes is enough). */
void conf_case_print(const conf_case *c, char *buf, size_t len);

#endif
