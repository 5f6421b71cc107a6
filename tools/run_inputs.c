/* run_inputs.c — `rnnsimd run`'s inputs: the .npy files of --in, named as
 * PyTorch names the tensors, loaded and checked. Every size comes from the
 * files (T, B, I from input.npy, H from the first weight_hh's columns, the
 * layers and directions from which weight files are present: run_layout.c),
 * and every other file is checked against them; a mismatch names the file,
 * its shape and the shape expected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "run_io.h"
#include "run_layout.h"

void run_path_join(char *buf, size_t len, const char *dir, const char *file)
{
    size_t n = strlen(dir);
    snprintf(buf, len, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", file);
}

/* Whether path is there: 0 when there is no such directory entry, 1 when
 * there is one that can be followed, else -1 after a message. A dangling
 * symbolic link is an entry that cannot be followed: taking it for absent
 * would run without the file its name promises. */
static int presence(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "rnnsimd run: %s: cannot look it up: %s\n", path, strerror(errno));
        return -1;
    }
    const int link = S_ISLNK(sb.st_mode);
    if (stat(path, &sb) != 0) {
        const int e = errno;
        fprintf(stderr, "rnnsimd run: %s: present but cannot be opened: %s%s\n", path,
                strerror(e), link && e == ENOENT ? " (a symbolic link to a file not there)" : "");
        return -1;
    }
    return 1;
}

/* Loads dir/file and checks it against (rank, shape); a state file may also
 * be (1, B, H), PyTorch's (num_layers, B, H). Returns 0 or EXIT_RUNTIME after
 * a message. An absent optional file leaves t->present 0. */
static int load(const char *dir, const char *file, int required, int rank, const int64_t *shape,
                const char *what, run_tensor *t)
{
    char path[4096], err[1024];
    run_path_join(path, sizeof path, dir, file);
    t->present = 0;
    const int there = presence(path);
    if (there < 0)
        return EXIT_RUNTIME;
    if (!there && !required)
        return 0;
    if (!there) {
        fprintf(stderr, "rnnsimd run: %s: missing; expected %s\n", path, what);
        return EXIT_RUNTIME;
    }
    if (rnn_npy_read(path, &t->a, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (rank == 2 && t->a.rank == 3 && t->a.shape[0] == 1) {
        /* PyTorch's states carry a leading num_layers axis of 1. */
        t->a.rank = 2;
        t->a.shape[0] = t->a.shape[1];
        t->a.shape[1] = t->a.shape[2];
    }
    if (rnn_npy_expect(&t->a, path, RNN_NPY_F32, rank, shape, what, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        rnn_npy_free(&t->a);
        return EXIT_RUNTIME;
    }
    t->present = 1;
    return 0;
}

int run_state_shape(const run_inputs *ri, int64_t s[3])
{
    if (ri->legacy || ri->unbatched) {
        s[0] = ri->legacy ? ri->B : ri->cells;
        s[1] = ri->H;
        return 2;
    }
    s[0] = ri->cells, s[1] = ri->B, s[2] = ri->H;
    return 3;
}

int run_seq_shape(const run_inputs *ri, int64_t w, int64_t s[3])
{
    s[0] = ri->T;
    if (ri->unbatched) {
        s[1] = w;
        return 2;
    }
    s[0] = ri->batch_first ? ri->B : ri->T, s[1] = ri->batch_first ? ri->T : ri->B, s[2] = w;
    return 3;
}

float *run_swap_axes(const float *src, int64_t n0, int64_t n1, int64_t w)
{
    float *dst = malloc((size_t)(n0 * n1 * w) * sizeof *dst);
    if (dst)
        for (int64_t i = 0; i < n0; i++)
            for (int64_t j = 0; j < n1; j++)
                memcpy(dst + (j * n0 + i) * w, src + (i * n1 + j) * w, (size_t)w * sizeof *dst);
    return dst;
}

/* A loaded batch-first sequence file made time-major in place. Returns 0 or
 * EXIT_RUNTIME after a message. */
static int to_time_major(run_tensor *t)
{
    if (!t->present)
        return 0;
    float *d = run_swap_axes(t->a.data, t->a.shape[0], t->a.shape[1], t->a.shape[2]);
    if (!d) {
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    free(t->a.data);
    t->a.data = d;
    return 0;
}

/* a*b into *r; 0 when the product overflows int64_t. The factors are
 * extents read from file headers, which may be anything up to 2^63 - 1, and a
 * wrapped product could pass a shape check. */
static int mul_ok(int64_t a, int64_t b, int64_t *r)
{
    return !__builtin_mul_overflow(a, b, r);
}

/* H from the first weight_hh (G*H, H), already loaded into ri->w[1]; G*H
 * and D*H checked for overflow. Returns 0 or EXIT_RUNTIME after a message. */
static int size_hidden(const run_opts *o, run_inputs *ri, const char *file)
{
    const int64_t G = ri->G, rows = ri->w[1].a.shape[0], H = ri->w[1].a.shape[1];
    const char *blocks = G == 4 ? " (i, f, g, o)" : G == 3 ? " (r, z, n)" : "";
    int64_t GH = 0, DH = 0;
    char over[64] = "";
    if (!mul_ok(G, H, &GH))
        snprintf(over, sizeof over, "G*H overflow (G = %lld for %s)", (long long)G, o->cell_s);
    else if (!mul_ok(ri->D, H, &DH))
        snprintf(over, sizeof over, "D*H overflow (D = %lld directions)", (long long)ri->D);
    if (over[0]) {
        fprintf(stderr, "rnnsimd run: %s/%s: shape (%lld, %lld): H = %lld (its columns) makes "
                        "%s; expected (G*H, H)\n",
                o->in, file, (long long)rows, (long long)H, (long long)H, over);
        return EXIT_RUNTIME;
    }
    if (H < 1 || rows != GH) {
        fprintf(stderr,
                "rnnsimd run: %s/%s: shape (%lld, %lld) but expected (G*H, H) = "
                "(%lld, %lld): %s has G = %lld gate blocks%s\n",
                o->in, file, (long long)rows, (long long)H, (long long)GH, (long long)H,
                o->cell_s, (long long)G, blocks);
        return EXIT_RUNTIME;
    }
    ri->H = H;
    ri->GH = GH;
    ri->DH = DH;
    return 0;
}

/* The weights and biases of every cell, each checked against G*H, H and its
 * K (I for layer 0, D*H above). Returns 0 or EXIT_RUNTIME after a message. */
static int load_weights(const run_opts *o, run_inputs *ri)
{
    char what[512], file[64];
    int status;
    const int64_t D = ri->D, GH = ri->GH, H = ri->H;
    for (int64_t k = 0; k < ri->cells; k++) {
        const int64_t K = k / D ? ri->DH : ri->I;
        int64_t s_wih[2] = {GH, K}, s_whh[2] = {GH, H}, s_b[1] = {GH};
        const int64_t *shape[4] = {s_wih, s_whh, s_b, s_b};
        const int rank[4] = {2, 2, 1, 1};
        for (int j = 0; j < 4; j++) {
            if ((k == 0 && j == 1) || (j >= 2 && ri->no_bias))
                continue; /* loaded first, for H; or a module without biases */
            if (j == 0)
                snprintf(what, sizeof what, "(G*H, %s) = (%lld, %lld)",
                         k / D ? "D*H, the layer below's output" : "I from input.npy",
                         (long long)GH, (long long)K);
            else
                snprintf(what, sizeof what, "%s with G*H = %lld, H = %lld",
                         j == 1 ? "(G*H, H)" : "(G*H,)", (long long)GH, (long long)H);
            snprintf(file, sizeof file, "%s.npy", ri->names[k][j]);
            if ((status = load(o->in, file, 1, rank[j], shape[j], what, &ri->w[4 * k + j])))
                return status;
        }
    }
    return 0;
}

/* The optional states and upstream gradients. Returns 0 or EXIT_RUNTIME. */
static int load_states(const run_opts *o, run_inputs *ri)
{
    const char *in = o->in;
    run_tensor *t = ri->t;
    char what[512];
    int status;
    const int64_t cells = ri->cells, B = ri->B, H = ri->H, T = ri->T, L = ri->L, D = ri->D;
    for (int k = 0; o->cell != RNN_LSTM && k < 2; k++) {
        const char *f = k ? "grad_cn.npy" : "c0.npy";
        char path[4096];
        run_path_join(path, sizeof path, in, f);
        const int there = presence(path);
        if (there < 0)
            return EXIT_RUNTIME;
        if (there) {
            fprintf(stderr, "rnnsimd run: %s: %s has no cell state; only lstm takes %s\n", path,
                    o->cell_s, f);
            return EXIT_RUNTIME;
        }
    }
    /* States: (L*D, B, H), or (L*D, H) unbatched; a batched one cell also
     * (B, H) (load() folds a leading 1). */
    int64_t ss[3], s_seq[3];
    int srank = run_state_shape(ri, ss);
    const int sqrank = run_seq_shape(ri, ri->DH, s_seq);
    if (cells == 1 && !ri->unbatched) {
        srank = 2, ss[0] = B, ss[1] = H;
        snprintf(what, sizeof what,
                 "(B, H) or (1, B, H) with B = %lld from input.npy, H = %lld from %s.npy",
                 (long long)B, (long long)H, ri->names[0][1]);
    } else if (ri->unbatched)
        snprintf(what, sizeof what, "%s for the unbatched input (T, I)",
                 ri->legacy ? "(B, H), B = 1," : "(L*D, H)");
    else
        snprintf(what, sizeof what, "(L*D, B, H) for %lld layer%s of %lld direction%s",
                 (long long)L, L > 1 ? "s" : "", (long long)D, D > 1 ? "s" : "");
    if ((status = load(in, "h0.npy", 0, srank, ss, what, &t[T_H0])) ||
        (status = load(in, "c0.npy", 0, srank, ss, what, &t[T_C0])) ||
        (status = load(in, "grad_hn.npy", 0, srank, ss, what, &t[T_GHN])) ||
        (status = load(in, "grad_cn.npy", 0, srank, ss, what, &t[T_GCN])))
        return status;
    if (ri->unbatched)
        snprintf(what, sizeof what, "(T, D*H) with T = %lld from input.npy, D*H = %lld",
                 (long long)T, (long long)ri->DH);
    else
        snprintf(what, sizeof what, "%s with T, B = %lld, %lld from input.npy, D*H = %lld",
                 ri->batch_first ? "(B, T, D*H) (--batch-first)" : "(T, B, D*H)", (long long)T,
                 (long long)B, (long long)ri->DH);
    if ((status = load(in, "grad_output.npy", 0, sqrank, s_seq, what, &t[T_GOUT])) ||
        (ri->batch_first && (status = to_time_major(&t[T_GOUT]))))
        return status;
    ri->backward = t[T_GOUT].present || t[T_GHN].present || t[T_GCN].present;
    return 0;
}

/* The rank of dir/input.npy when it is 2 (PyTorch's unbatched (T, I)), else
 * 3 (what load then checks, with its message for any other); -1 after a
 * message when the file cannot be read. */
static int input_rank(const char *dir)
{
    char path[4096], err[1024];
    run_path_join(path, sizeof path, dir, "input.npy");
    if (presence(path) <= 0)
        return 3; /* load names it missing, or the error */
    rnn_npy a;
    if (rnn_npy_read(path, &a, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        return -1;
    }
    const int rank = a.rank == 2 ? 2 : 3;
    rnn_npy_free(&a);
    return rank;
}

/* Loads every input: first which weight files exist (the layout, before any
 * file is read, so a missing or stray file is named as such rather than
 * blamed on a shape), then sizes from input.npy (T, B, I) and the first
 * weight_hh (H, whose rows are G*H), each file checked against them. Returns
 * 0 or EXIT_RUNTIME after a message. */
int run_load_inputs(const run_opts *o, run_inputs *ri)
{
    const char *in = o->in;
    run_tensor *t = ri->t;
    char what[512], file[64];
    int status;
    ri->G = rnn_cell_gates(o->cell);
    run_layout lay;
    if ((status = run_layout_find(in, o->layers, o->bidirectional, &lay)))
        return status;
    ri->L = lay.L, ri->D = lay.D, ri->legacy = lay.legacy, ri->no_bias = lay.no_bias;
    int64_t any3[3] = {-1, -1, -1};
    /* (T, B, I), or PyTorch's unbatched (T, I): its rank decides. */
    const int rank = input_rank(in);
    if (rank < 0)
        return EXIT_RUNTIME;
    if ((status = load(in, "input.npy", 1, rank, any3,
                       rank == 2                  ? "(T, I)"
                       : o->batch_first ? "(B, T, I) (--batch-first), or (T, I) unbatched"
                                        : "(T, B, I), or (T, I) unbatched",
                       &t[T_INPUT])))
        return status;
    ri->unbatched = rank == 2;
    /* PyTorch ignores batch_first for an unbatched input. */
    ri->batch_first = o->batch_first && !ri->unbatched;
    ri->T = t[T_INPUT].a.shape[ri->batch_first];
    ri->B = ri->unbatched ? 1 : t[T_INPUT].a.shape[!ri->batch_first];
    ri->I = t[T_INPUT].a.shape[rank - 1];
    if (ri->batch_first && (status = to_time_major(&t[T_INPUT])))
        return status;
    if (ri->T < 1 || ri->B < 1 || ri->I < 1) {
        fprintf(stderr, "rnnsimd run: %s/input.npy: T, B and I must be at least 1\n", in);
        return EXIT_RUNTIME;
    }
    /* L <= RNN_MAX_LAYERS and D <= 2: L*D cannot overflow. */
    const int64_t cells = ri->cells = ri->L * ri->D;
    ri->w = calloc((size_t)cells, sizeof *ri->w * 4);
    ri->names = calloc((size_t)cells, sizeof *ri->names);
    if (!ri->w || !ri->names) {
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (int64_t k = 0; k < cells; k++)
        for (int j = 0; j < 4; j++)
            run_layout_cell_name(&lay, k, j, ri->names[k][j], sizeof ri->names[k][j]);
    int64_t any2[2] = {-1, -1};
    snprintf(what, sizeof what, "(G*H, H) with G = %lld for %s", (long long)ri->G, o->cell_s);
    snprintf(file, sizeof file, "%s.npy", ri->names[0][1]);
    if ((status = load(in, file, 1, 2, any2, what, &ri->w[1])) ||
        (status = size_hidden(o, ri, file)) || (status = load_weights(o, ri)))
        return status;
    return load_states(o, ri);
}

void run_inputs_free(run_inputs *ri)
{
    for (int i = 0; i < T_COUNT; i++)
        if (ri->t[i].present)
            rnn_npy_free(&ri->t[i].a);
    for (int64_t i = 0; ri->w && i < 4 * ri->cells; i++)
        if (ri->w[i].present)
            rnn_npy_free(&ri->w[i].a);
    free(ri->w);
    free(ri->names);
}
