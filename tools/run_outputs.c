/* run_outputs.c — `rnnsimd run`'s outputs: output.npy, hn.npy, cn.npy and
 * the gradients, each in the shape PyTorch gives the tensor it stands for,
 * staged and renamed into --out together (support/atomic_file). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "run_io.h"

/* Stages dir/file into the set the outputs appear in together. */
static int write_out(rnn_atomic_set *set, const char *dir, const char *file, const float *data,
                     int rank, const int64_t *shape)
{
    char path[4096], err[1024];
    run_path_join(path, sizeof path, dir, file);
    rnn_atomic_file *af = rnn_atomic_set_add(set, path, err, sizeof err);
    if (!af || rnn_npy_stage(af, path, RNN_NPY_F32, data, rank, shape, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

/* A time-major sequence output written as its file's shape: batch first
 * with --batch-first. Returns 0 or EXIT_RUNTIME after a message. */
static int write_seq(rnn_atomic_set *set, const run_inputs *ri, const char *dir, const char *file,
                     const float *data, int rank, const int64_t *shape)
{
    if (!ri->batch_first)
        return write_out(set, dir, file, data, rank, shape);
    float *d = run_swap_axes(data, ri->T, ri->B, shape[2]);
    if (!d) {
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    const int status = write_out(set, dir, file, d, rank, shape);
    free(d);
    return status;
}

/* Every output into --out (created if missing), staged into set. Returns 0
 * or EXIT_RUNTIME after a message. */
static int stage_outputs(rnn_atomic_set *set, const run_opts *o, const run_inputs *ri,
                         const run_outputs *ro)
{
    const char *out = o->out;
    const int lstm = o->cell == RNN_LSTM;
    const rnn_grads *g = &ro->g;
    int status;
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "rnnsimd run: --out %s: cannot create: %s\n", out, strerror(errno));
        return EXIT_RUNTIME;
    }
    /* Shapes as PyTorch's nn.RNN / nn.LSTM / nn.GRU give them: states
     * (L*D, B, H) also for one layer of one direction, (1, B, H); without B
     * for an unbatched input. Only the single-layer names (weight_ih.npy,
     * ...: no module has them) write (B, H). */
    int64_t ss[3], s_seq[3], s_x[3];
    const int srank = run_state_shape(ri, ss), qrank = run_seq_shape(ri, ri->DH, s_seq);
    run_seq_shape(ri, ri->I, s_x);
    if ((status = write_seq(set, ri, out, "output.npy", ro->output, qrank, s_seq)) ||
        (status = write_out(set, out, "hn.npy", ro->hn, srank, ss)) ||
        (lstm && (status = write_out(set, out, "cn.npy", ro->cn, srank, ss))))
        return status;
    if (!ri->backward)
        return 0;
    if ((status = write_seq(set, ri, out, "grad_input.npy", g->x, qrank, s_x)) ||
        (status = write_out(set, out, "grad_h0.npy", g->h0, srank, ss)) ||
        (lstm && (status = write_out(set, out, "grad_c0.npy", g->c0, srank, ss))))
        return status;
    for (int64_t k = 0; k < ri->cells; k++) {
        const float *src[4] = {ro->cg[k].weight_ih, ro->cg[k].weight_hh, ro->cg[k].bias_ih,
                               ro->cg[k].bias_hh};
        for (int j = 0; j < (ri->no_bias ? 2 : 4); j++) {
            const rnn_npy *a = &ri->w[4 * k + j].a;
            char file[80];
            snprintf(file, sizeof file, "grad_%s.npy", ri->names[k][j]);
            if ((status = write_out(set, out, file, src[j], a->rank, a->shape)))
                return status;
        }
    }
    return 0;
}

int run_write_outputs(const run_opts *o, const run_inputs *ri, const run_outputs *ro)
{
    rnn_atomic_set set = {0};
    int status = stage_outputs(&set, o, ri, ro);
    if (status) {
        rnn_atomic_set_abort(&set);
        return status;
    }
    char err[1024];
    if (rnn_atomic_set_commit(&set, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}
