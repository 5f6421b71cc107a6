/* charlm.h — a character-level language model: what its files share.
 *
 * Characters are bytes: the dictionary is the set of byte values of the
 * training text, in increasing order, V of them; the input size is V (one-hot,
 * given to the plans as x_index, a column gather) and so is the head's. All
 * parameters live in one float vector (theta) so the optimizer and gradient
 * clipping see one array; charlm_layout says where each tensor is. */
#ifndef RNNSIMD_CHARLM_H
#define RNNSIMD_CHARLM_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd_reference.h"

/* The `rnnsimd charlm` subcommand (train | sample). */
int charlm_main(int argc, char **argv);
int charlm_train_main(int argc, char **argv);
int charlm_sample_main(int argc, char **argv);

#define CHARLM_MAX_HIDDEN 8192

/* Offsets (in floats) of each tensor in theta, PyTorch layouts. */
typedef struct {
    size_t weight_ih, weight_hh, bias_ih, bias_hh, W_hy, b_y, total;
} charlm_layout;

typedef struct {
    rnn_cell cell;
    int64_t H, V;
    unsigned char vocab[256];  /* vocab[i]: the byte of class i, increasing */
    uint64_t steps;            /* training steps done */
    float loss;                /* mean loss of the last steps when saved */
    charlm_layout at;
    float *theta;              /* at.total floats */
} charlm_model;

void charlm_layout_of(rnn_cell cell, int64_t H, int64_t V, charlm_layout *at);
/* Allocates theta (zeroed) for the given sizes. */
rnn_status charlm_model_alloc(charlm_model *m, rnn_cell cell, int64_t H, int64_t V);
void charlm_model_free(charlm_model *m);
/* Views of theta as the library's parameter structs. */
rnn_params charlm_params(const charlm_model *m, const float *theta);
rnn_grads charlm_grads(const charlm_model *m, float *g);

/* The model file, little-endian, written atomically:
 *   "RNNSCHLM" magic (8 bytes), u32 format version (1), u32 cell, u32 H, u32 V,
 *   u64 steps, f32 loss, u32 zero, V vocabulary bytes padded with zeros to a
 *   multiple of 4, theta (at.total f32), u64 XXH3-64 of everything before it.
 * Load checks every field, the exact length and the hash. */
#define CHARLM_FORMAT_VERSION 1
rnn_status charlm_model_save(const charlm_model *m, const char *path, char *err, size_t errlen);
rnn_status charlm_model_load(charlm_model *m, const char *path, char *err, size_t errlen);
/* The same checks on a file already in memory (len bytes; path names it in messages). */
rnn_status charlm_model_parse(charlm_model *m, const char *path, const unsigned char *buf,
                              size_t len, char *err, size_t errlen);

/* Initial weights: weight_ih, W_hy U(-1/sqrt(H), 1/sqrt(H)); with orthogonal,
 * each H x H gate block of weight_hh is an orthogonal matrix (QR of a
 * Gaussian PRNG matrix, LAPACKE sgeqrf/sorgqr, signs fixed by R's diagonal)
 * and the biases are zero; with uniform (PyTorch's default), weight_hh and
 * the biases are U(-1/sqrt(H), 1/sqrt(H)) too. */
typedef enum { CHARLM_INIT_ORTHOGONAL = 0, CHARLM_INIT_UNIFORM } charlm_init;
rnn_status charlm_model_init(charlm_model *m, charlm_init init, uint64_t seed, char *err,
                             size_t errlen);

/* Optimizers over theta; the gradient's global L2 norm is clipped to clip
 * first (clip <= 0: no clipping). Returns the norm before clipping. */
typedef enum { CHARLM_ADAM = 0, CHARLM_SGD } charlm_optimizer;
typedef struct {
    charlm_optimizer kind;
    double lr, beta1, beta2, eps, clip;
    uint64_t t;      /* Adam's step count */
    float *m, *v;    /* Adam's moments (n floats each) */
    size_t n;
} charlm_optim;
rnn_status charlm_optim_init(charlm_optim *o, charlm_optimizer kind, double lr, double clip,
                             size_t n);
double charlm_optim_step(charlm_optim *o, float *theta, float *grad);
void charlm_optim_free(charlm_optim *o);

#endif /* RNNSIMD_CHARLM_H */
