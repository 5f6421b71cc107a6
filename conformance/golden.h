/* golden.h — conformance/golden.txt: the pinned hashes of every case.
 *
 * One line per case (blank lines and lines starting with '#' are ignored):
 *
 *     CASE-LINE inputs=<16 hex> forward=<16 hex> gradients=<16 hex> kernels=<16 hex>
 *
 * each an XXH3-64 (see hash.h for the byte order) of, in this tensor order,
 *   inputs:    weight_ih weight_hh bias_ih bias_hh [decoder's four] W_hy b_y
 *              x [x_dec] h0 [c0] targets            (the generator's output)
 *   forward:   h [c] logits loss                    (rnn_reference_train)
 *   gradients: x [x_dec] h0 [c0] weight_ih weight_hh bias_ih bias_hh
 *              [decoder's four] W_hy b_y            (rnn_reference_train)
 *   kernels:   forward then gradients, as above, of the optimized path
 *              (rnn_plan_train): the bits every kernel table gives in every
 *              mode, by the canonical evaluation order (docs/design.md §9.2)
 * ([..]: where the case has it). A bf16 case's line (case.h) has no
 * kernels=: its hashes pin the bf16 reference only, since bf16 products
 * round differently per ISA and are judged by their tolerance
 * (docs/design.md §8). A float32 line without kernels= (the older format)
 * still parses, so `make golden` can rewrite it; the runner fails its runs. The case line must be canonical. Nothing
 * rewrites the file but `--write-golden` (`make golden`). */
#ifndef CONF_GOLDEN_H
#define CONF_GOLDEN_H

#include <stddef.h>
#include <stdint.h>
#include "case.h"

typedef struct {
    char line[CONF_CASE_LINE_MAX];
    uint64_t inputs, forward, gradients, kernels;
    int has_kernels; /* 0: a bf16 case, or a float32 line written before kernels=
                      * existed (the runner fails that one) */
} conf_golden_entry;

typedef struct {
    conf_golden_entry *e;
    size_t n, cap;
} conf_golden;

/* RNN_ERR_IO if the file cannot be opened or read; RNN_ERR_FORMAT with "PATH:LINE:
 * what is wrong" in err for a malformed line or a duplicate case. */
rnn_status conf_golden_load(const char *path, conf_golden *g, char *err, size_t errlen);
/* The same parser over len bytes of text in memory (name is used in messages). */
rnn_status conf_golden_parse(const char *name, const char *text, size_t len, conf_golden *g,
                             char *err, size_t errlen);
const conf_golden_entry *conf_golden_find(const conf_golden *g, const char *line);
/* Adds or replaces the entry of e->line. */
rnn_status conf_golden_put(conf_golden *g, const conf_golden_entry *e);
void conf_golden_remove(conf_golden *g, const char *line);
/* Writes path atomically; on failure err gets "PATH: what failed: strerror". */
rnn_status conf_golden_save(const char *path, const conf_golden *g, char *err, size_t errlen);
void conf_golden_free(conf_golden *g);

/* The lines a rewrite owns: those of these cells and topologies (a bit per
 * rnn_cell, per rnn_topology; all bits: every line, whatever it holds). */
typedef struct {
    unsigned cell_mask, topo_mask;
} conf_golden_scope;

/* Recomputes the lines of cases[0..ncases) from the reference (and the
 * kernels= hash from every kernel table this CPU runs, in every mode: they
 * must agree, or nothing is written) and writes path. With a scope (cases
 * are the matrix's part in it), a line of the scope that the cases no longer
 * hold is dropped; lines outside it, and every line when scope is NULL
 * (cases given by hand), are kept. Prints added / removed / changed lines.
 * Returns 0 on success, 1 on failure (file left unchanged). */
int conf_golden_rewrite(const char *path, const conf_case *cases, size_t ncases,
                        const conf_golden_scope *scope);

#endif
