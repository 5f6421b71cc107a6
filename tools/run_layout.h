/* run_layout.h — the layout of `rnnsimd run`'s weight files: how many layers
 * and directions the PyTorch-named files in --in make (or --layers and
 * --bidirectional, which the files must then match), and the file name of
 * each cell's weights and biases. Only run_inputs.c uses it. */
#ifndef RNNSIMD_RUN_LAYOUT_H
#define RNNSIMD_RUN_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t L;  /* layers */
    int64_t D;  /* directions: 2 bidirectional, else 1 */
    int legacy; /* one cell named weight_ih.npy, ... (no _l0) */
    int no_bias; /* no bias file at all: a module made with bias=False */
} run_layout;

/* The layers and directions from which weight files exist in directory in
 * (or layers, 0 for "from the files", and bidirectional, which the files
 * must then match), checked before any file is read: no gap in the layers,
 * no file the layout leaves out, none missing (the biases are all there or
 * none are), one naming style, and no LSTM projection (weight_hr). Returns
 * 0 with *lay filled, or EXIT_RUNTIME after a message "rnnsimd run: ...". */
int run_layout_find(const char *in, int64_t layers, int bidirectional, run_layout *lay);

/* File name (no .npy) of tensor j of cell k = l*D + d: j = 0 weight_ih,
 * 1 weight_hh, 2 bias_ih, 3 bias_hh. */
void run_layout_cell_name(const run_layout *lay, int64_t k, int j, char *buf, size_t len);

#endif /* RNNSIMD_RUN_LAYOUT_H */
