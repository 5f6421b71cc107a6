/* run_io.h — what the parts of `rnnsimd run` share: cmd_run.c parses the
 * options and drives; run_inputs.c loads the .npy files of --in and checks
 * them against the sizes they give; run_compute.c runs the reference or a
 * plan on them; run_outputs.c writes --out, every file or none. Only these
 * files use it. Functions return 0 or an exit status (EXIT_RUNTIME) after a
 * message "rnnsimd run: ...". */
#ifndef RNNSIMD_RUN_IO_H
#define RNNSIMD_RUN_IO_H

#include <stddef.h>
#include <stdint.h>
#include "npy.h"
#include "tools.h"

typedef struct {
    rnn_npy a;
    int present;
} run_tensor;

/* The optional and required sequence and state files, by index into run_inputs.t. */
enum { T_INPUT, T_H0, T_C0, T_GOUT, T_GHN, T_GCN, T_COUNT };

typedef struct {
    const char *cell_s, *in, *out, *isa_s, *dtype_s;
    rnn_cell cell;
    rnn_dtype dtype;
    int use_ref;
    rnn_isa isa;
    int64_t layers; /* 0: from the files */
    int bidirectional;
    int batch_first;
} run_opts;

/* The inputs of --in and the sizes they give. */
typedef struct {
    run_tensor t[T_COUNT];
    run_tensor *w;        /* cells x 4: weight_ih, weight_hh, bias_ih, bias_hh of cell l*D + d */
    char (*names)[4][48]; /* their file names without .npy */
    int64_t T, B, I, H, G, GH, DH, L, D, cells;
    int backward;        /* an upstream gradient was given */
    int legacy;          /* one cell named weight_ih.npy, ...: states (B, H) */
    int unbatched;       /* input.npy (T, I): PyTorch's unbatched input, B = 1 */
    int no_bias;         /* no bias files: a module made with bias=False */
    int batch_first;     /* --batch-first on a batched input: files (B, T, .) */
} run_inputs;

/* The outputs, in one block: the forward's, then the gradients. */
typedef struct {
    float *buf, *output, *hn, *cn;
    rnn_grads g;
    rnn_cell_grads *cg; /* every cell's gradients (g.layers) */
    double t_fwd, t_bwd; /* ms */
    const char *ran_on;
} run_outputs;

/* ---- run_inputs.c ---- */
/* dir/file into buf, with one '/' between them. */
void run_path_join(char *buf, size_t len, const char *dir, const char *file);
/* The shape of a state file (h0, c0, grad_hn, grad_cn, hn, cn, grad_h0,
 * grad_c0): PyTorch's (L*D, B, H), (L*D, H) for an unbatched input; (B, H)
 * with the single-layer names. Returns its rank. */
int run_state_shape(const run_inputs *ri, int64_t s[3]);
/* The shape of a sequence file of width w (input, output and their
 * gradients): (T, B, w), (B, T, w) with --batch-first, or (T, w) for an
 * unbatched input. Returns its rank. */
int run_seq_shape(const run_inputs *ri, int64_t w, int64_t s[3]);
/* A copy of src (n0, n1, w) with its first two axes swapped, (n1, n0, w):
 * between a batch-first file and the library's time-major sequences. NULL
 * when out of memory. */
float *run_swap_axes(const float *src, int64_t n0, int64_t n1, int64_t w);
/* Every input of o->in into *ri (zeroed by the caller), each file checked
 * against the sizes the others give. */
int run_load_inputs(const run_opts *o, run_inputs *ri);
/* What run_load_inputs allocated, also after a failure. */
void run_inputs_free(run_inputs *ri);

/* ---- run_compute.c ---- */
/* The forward, and the backward when an upstream gradient was given, into
 * *ro (zeroed by the caller). */
int run_compute(const run_opts *o, const run_inputs *ri, run_outputs *ro);
/* What run_compute allocated, also after a failure. */
void run_outputs_free(run_outputs *ro);

/* ---- run_outputs.c ---- */
/* Every output into o->out (created if missing): all of them appear, or
 * none does and the files of an earlier run stay as they were. */
int run_write_outputs(const run_opts *o, const run_inputs *ri, const run_outputs *ro);

#endif /* RNNSIMD_RUN_IO_H */
