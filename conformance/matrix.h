/* matrix.h — the default case matrix: every cell x every topology over a
 * table of shapes (sizes at vector edges, T from 1 to 300, rho 0.5 / 1.0 /
 * 1.5), kind rows (the data kinds of case.h), plus a few realistic sizes.
 * --quick runs the cases marked quick: still every cell x topology (and
 * every ISA and mode), batch-1 sequences of T >= 16 and every data kind. */
#ifndef CONF_MATRIX_H
#define CONF_MATRIX_H

#include <stddef.h>
#include "case.h"

typedef struct {
    conf_case c;
    int quick;
} conf_matrix_case;

/* Writes up to max cases into out; returns how many the matrix has. */
size_t conf_matrix_default(conf_matrix_case *out, size_t max);

#endif
