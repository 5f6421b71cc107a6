/* cmd_run.c — `rnnsimd run`: a recurrent network over a sequence, like
 * PyTorch's nn.RNN / nn.LSTM / nn.GRU (num_layers and bidirectional as the
 * files say, bias=False when no bias file is there, batch_first with
 * --batch-first, an unbatched input by its rank), on .npy files named as
 * PyTorch names the tensors, every output in the shape PyTorch gives it.
 * Forward always; backward when any upstream gradient file is present.
 *
 * Every size comes from the files: T, B, I from input.npy, H from the first
 * weight_hh's columns, the layers and directions from which weight files are
 * present (or --layers, --bidirectional, which the files must then match; a
 * PyTorch-named weight file outside the layout is an error, not ignored:
 * run_layout.c decides the layout); every other file is checked against
 * them, and each mismatch names the file, its shape and the shape expected.
 * The reference (--isa reference) and the plans (every other --isa) are
 * called the same way and write the same files, so the two can be compared
 * file by file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "npy.h"
#include "tools.h"
#include "run_layout.h"
#include "clock.h"

static const char run_usage[] =
    "usage: rnnsimd run --cell CELL --in DIR --out DIR [--isa ISA] [--dtype f32|bf16]\n"
    "                   [--layers L] [--bidirectional] [--batch-first]\n"
    "\n"
    "Runs a recurrent network over a sequence, like PyTorch's nn.RNN(nonlinearity='tanh'),\n"
    "nn.LSTM and nn.GRU (batch_first=False unless --batch-first), on .npy files (float32\n"
    "'<f4', C order) named as PyTorch names the tensors.\n"
    "\n"
    "options:\n"
    "  --cell CELL   rnn_tanh | lstm | lbr_gru (exactly PyTorch's nn.GRU, b_hn inside r*(.))\n"
    "                | gru (Cho et al. 2014, reset before the product:\n"
    "                n = tanh(W_in x + b_in + W_hn (r*h) + b_hn),\n"
    "                h' = (1-z) h + z n)\n"
    "  --in DIR      directory holding the inputs below\n"
    "  --out DIR     directory for the outputs (created if missing; files replaced atomically)\n"
    "  --isa ISA     auto (default: the best this CPU runs, or RNNSIMD_ISA) | reference (the\n"
    "                naive double-precision oracle) | {isas: | }\n"
    "  --dtype T     f32 (default) | bf16: weights rounded to bf16 (nearest even), each\n"
    "                product's other operand too, sums in float32; states, gates and\n"
    "                files stay float32 (docs/design.md §8). Plans: the generic or avx512\n"
    "                table (AVX512-BF16) or neon; the reference computes the same rounding\n"
    "                in double\n"
    "  --layers L    num_layers (default: weight_hh_l0.npy, weight_hh_l1.npy, ... as present)\n"
    "  --bidirectional  two directions (default: when weight_hh_l0_reverse.npy is present)\n"
    "  --batch-first  the module was made with batch_first=True: input.npy, grad_output.npy,\n"
    "                output.npy and grad_input.npy are (B, T, .) instead of (T, B, .); the\n"
    "                states stay (L*D, B, H), as in PyTorch\n"
    "\n"
    "inputs in --in (G = 1 rnn_tanh, 4 lstm (gates i,f,g,o), 3 gru and lbr_gru (r,z,n);\n"
    "D = 2 with two directions, else 1; K = I for layer 0, D*H above):\n"
    "  input.npy              (T, B, I), or (T, I): PyTorch's unbatched input (B = 1, and\n"
    "                         every file below then without its B axis)\n"
    "  weight_ih_l{k}.npy     (G*H, K)      weight_hh_l{k}.npy  (G*H, H)\n"
    "  bias_ih_l{k}.npy       (G*H,)        bias_hh_l{k}.npy    (G*H,)\n"
    "                         all of them, or none (a module made with bias=False)\n"
    "  ... and weight_ih_l{k}_reverse.npy etc. for the reverse direction, k = 0..L-1;\n"
    "  one layer of one direction may also be weight_ih.npy, weight_hh.npy, bias_ih.npy,\n"
    "  bias_hh.npy (not mixed with the _l{k} names). Every file with these names must fit\n"
    "  the layers and directions: a layer k >= L (weight_hh_l2.npy without weight_hh_l1.npy,\n"
    "  or beyond --layers), a _reverse file in one direction, or a missing file is an error,\n"
    "  and so is weight_hr_l{k}.npy (an LSTM projection, proj_size: not supported)\n"
    "  h0.npy                 (L*D, B, H) optional (zeros); (B, H) also for L*D = 1\n"
    "  c0.npy                 likewise, lstm only\n"
    "  grad_output.npy        (T, B, D*H) optional: upstream gradient on every output\n"
    "  grad_hn.npy            (L*D, B, H) optional; grad_cn.npy likewise (lstm only)\n"
    "  Files not named here are ignored. A name above that is there but cannot be opened\n"
    "  (e.g. a dangling symbolic link) is an error, never taken for an absent file.\n"
    "\n"
    "outputs in --out:\n"
    "  output.npy (T, B, D*H): the top layer's h_t, forward direction first;\n"
    "  hn.npy (L*D, B, H), cn.npy for lstm, as PyTorch's h_n and c_n ((1, B, H) for\n"
    "  one layer; (B, H) with the single-layer names weight_ih.npy, ...);\n"
    "  when any of grad_output.npy, grad_hn.npy, grad_cn.npy is present (the missing ones\n"
    "  count as zero), backward runs too and writes grad_input.npy (T, B, I),\n"
    "  grad_h0.npy, grad_c0.npy for lstm (shaped as hn.npy), and grad_<name>.npy for\n"
    "  every weight and bias file read (grad_weight_ih_l0.npy, ...).\n"
    "  Every output has the shape PyTorch gives the tensor it stands for.\n"
    "\n"
    "exit status: 0 success, 1 a bad or missing file or a failed run, 2 a usage error.\n";

typedef struct {
    rnn_npy a;
    int present;
} tensor;

static void path_join(char *buf, size_t len, const char *dir, const char *file)
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
                const char *what, tensor *t)
{
    char path[4096], err[1024];
    path_join(path, sizeof path, dir, file);
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

static const float *data_of(const tensor *t)
{
    return t->present ? t->a.data : NULL;
}

/* Stages dir/file into the set the outputs appear in together. */
static int write_out(rnn_atomic_set *set, const char *dir, const char *file, const float *data,
                     int rank, const int64_t *shape)
{
    char path[4096], err[1024];
    path_join(path, sizeof path, dir, file);
    rnn_atomic_file *af = rnn_atomic_set_add(set, path, err, sizeof err);
    if (!af || rnn_npy_stage(af, path, RNN_NPY_F32, data, rank, shape, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

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

/* Returns -1 to go on, else the exit status (after --help or a message). */
static int parse_run_options(int argc, char **argv, run_opts *o)
{
    *o = (run_opts){.isa_s = "auto", .dtype_s = "f32"};
    opt_spec specs[] = {
        {"cell", OPT_STR, &o->cell_s, 0, 0, 0, NULL, 0},
        {"in", OPT_STR, &o->in, 0, 0, 0, NULL, 0},
        {"out", OPT_STR, &o->out, 0, 0, 0, NULL, 0},
        {"isa", OPT_STR, &o->isa_s, 0, 0, 0, NULL, 0},
        {"dtype", OPT_STR, &o->dtype_s, 0, 0, 0, NULL, 0},
        {"layers", OPT_INT, &o->layers, 1, RNN_MAX_LAYERS, 0, NULL, 0},
        {"bidirectional", OPT_FLAG, &o->bidirectional, 0, 0, 0, NULL, 0},
        {"batch-first", OPT_FLAG, &o->batch_first, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("run", argc, argv, specs, 8, run_usage, NULL, 0, NULL);
    if (r)
        return r < 0 ? 0 : r;
    if (!o->cell_s)
        return opts_missing("run", "cell");
    if (!o->in)
        return opts_missing("run", "in");
    if (!o->out)
        return opts_missing("run", "out");
    if (rnn_cell_parse(o->cell_s, &o->cell) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: unknown --cell '%s'; expected rnn_tanh, lstm, gru or lbr_gru\n",
                o->cell_s);
        return EXIT_USAGE;
    }
    if ((r = parse_isa_option("run", o->isa_s, &o->use_ref, &o->isa)))
        return r;
    if ((r = require_isa("run", o->isa_s, o->use_ref, o->isa)))
        return r;
    if (rnn_dtype_parse(o->dtype_s, &o->dtype) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: unknown --dtype '%s'; expected f32 or bf16\n", o->dtype_s);
        return EXIT_USAGE;
    }
    const char *why = NULL;
    if (!o->use_ref && rnn_dtype_check(o->dtype, o->isa, &why) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: --dtype %s --isa %s: %s\n", o->dtype_s, o->isa_s,
                why ? why : "not supported here");
        return EXIT_RUNTIME;
    }
    struct stat sb;
    if (stat(o->in, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "rnnsimd run: --in %s: not a directory\n", o->in);
        return EXIT_RUNTIME;
    }
    return -1;
}

/* The inputs of --in and the sizes they give. */
typedef struct {
    tensor t[T_COUNT];
    tensor *w;           /* cells x 4: weight_ih, weight_hh, bias_ih, bias_hh of cell l*D + d */
    char (*names)[4][48]; /* their file names without .npy */
    int64_t T, B, I, H, G, GH, DH, L, D, cells;
    int backward;        /* an upstream gradient was given */
    int legacy;          /* one cell named weight_ih.npy, ...: states (B, H) */
    int unbatched;       /* input.npy (T, I): PyTorch's unbatched input, B = 1 */
    int no_bias;         /* no bias files: a module made with bias=False */
    int batch_first;     /* --batch-first on a batched input: files (B, T, .) */
} run_inputs;

/* The shape of a state file (h0, c0, grad_hn, grad_cn, hn, cn, grad_h0,
 * grad_c0): PyTorch's (L*D, B, H), (L*D, H) for an unbatched input; (B, H)
 * with the single-layer names. Returns its rank. */
static int state_shape(const run_inputs *ri, int64_t s[3])
{
    if (ri->legacy || ri->unbatched) {
        s[0] = ri->legacy ? ri->B : ri->cells;
        s[1] = ri->H;
        return 2;
    }
    s[0] = ri->cells, s[1] = ri->B, s[2] = ri->H;
    return 3;
}

/* The shape of a sequence file of width w (input, output and their
 * gradients): (T, B, w), (B, T, w) with --batch-first, or (T, w) for an
 * unbatched input. Returns its rank. */
static int seq_shape(const run_inputs *ri, int64_t w, int64_t s[3])
{
    s[0] = ri->T;
    if (ri->unbatched) {
        s[1] = w;
        return 2;
    }
    s[0] = ri->batch_first ? ri->B : ri->T, s[1] = ri->batch_first ? ri->T : ri->B, s[2] = w;
    return 3;
}

/* A copy of src (n0, n1, w) with its first two axes swapped, (n1, n0, w):
 * between a batch-first file and the library's time-major sequences. NULL
 * when out of memory. */
static float *swap_axes(const float *src, int64_t n0, int64_t n1, int64_t w)
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
static int to_time_major(tensor *t)
{
    if (!t->present)
        return 0;
    float *d = swap_axes(t->a.data, t->a.shape[0], t->a.shape[1], t->a.shape[2]);
    if (!d) {
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    free(t->a.data);
    t->a.data = d;
    return 0;
}

/* Gradient floats of weight file i (4 a cell): a bias absent (bias=False)
 * still gets its G*H, which the library writes and the run does not save. */
static size_t grad_floats(const run_inputs *ri, int64_t i)
{
    return ri->w[i].present ? ri->w[i].a.count : (size_t)ri->GH;
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
    tensor *t = ri->t;
    char what[512];
    int status;
    const int64_t cells = ri->cells, B = ri->B, H = ri->H, T = ri->T, L = ri->L, D = ri->D;
    for (int k = 0; o->cell != RNN_LSTM && k < 2; k++) {
        const char *f = k ? "grad_cn.npy" : "c0.npy";
        char path[4096];
        path_join(path, sizeof path, in, f);
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
    int srank = state_shape(ri, ss);
    const int sqrank = seq_shape(ri, ri->DH, s_seq);
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
    path_join(path, sizeof path, dir, "input.npy");
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
static int load_inputs(const run_opts *o, run_inputs *ri)
{
    const char *in = o->in;
    tensor *t = ri->t;
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

/* The outputs, in one block: the forward's, then the gradients. */
typedef struct {
    float *buf, *output, *hn, *cn;
    rnn_grads g;
    rnn_cell_grads *cg; /* every cell's gradients (g.layers) */
    double t_fwd, t_bwd; /* ms */
    const char *ran_on;
} run_outputs;

/* The floats of the output block: output, hn, cn, and for backward also
 * grad_input, grad_h0, grad_c0 and one gradient per weight file. Each term
 * fits (rnn_desc_check, the files' own sizes); their sum is checked too.
 * Returns 0 when it overflows size_t or its bytes do. */
static int buffer_floats(const rnn_sizes *sz, const run_inputs *ri, size_t *n)
{
    size_t two_ss = 0, sum = 0, bytes = 0; /* zero: GCC -O1 cannot see the && chain set them */
    int ok = !__builtin_mul_overflow(sz->state, (size_t)2, &two_ss) &&
             !__builtin_add_overflow(sz->h, two_ss, &sum);
    if (ri->backward) {
        ok = ok && !__builtin_add_overflow(sum, sz->x, &sum) &&
             !__builtin_add_overflow(sum, two_ss, &sum);
        for (int64_t i = 0; ok && i < 4 * ri->cells; i++)
            ok = !__builtin_add_overflow(sum, grad_floats(ri, i), &sum);
    }
    *n = sum;
    return ok && !__builtin_mul_overflow(sum, sizeof(float), &bytes);
}

/* The forward (and backward) on the reference or a plan. Returns 0 or
 * EXIT_RUNTIME after a message. */
static int compute(const run_opts *o, const run_inputs *ri, run_outputs *ro)
{
    const tensor *t = ri->t;
    const int lstm = o->cell == RNN_LSTM;
    rnn_desc d = {o->cell, RNN_MANY2MANY, ri->T, 0, ri->B, ri->I, ri->H, 1, ri->L, ri->D == 2};
    rnn_sizes sz;
    rnn_status st = rnn_desc_check(&d, &sz);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd run: T=%lld B=%lld I=%lld H=%lld L=%lld D=%lld: %s\n",
                (long long)ri->T, (long long)ri->B, (long long)ri->I, (long long)ri->H,
                (long long)ri->L, (long long)ri->D, rnn_desc_problem(&d));
        return EXIT_RUNTIME;
    }
    const size_t cells = sz.cells, SS = sz.state;
    size_t n_buf;
    if (!buffer_floats(&sz, ri, &n_buf)) {
        fprintf(stderr, "rnnsimd run: the outputs' size overflows this machine's address space\n");
        return EXIT_RUNTIME;
    }
    ro->buf = malloc(n_buf * sizeof *ro->buf);
    ro->cg = calloc(cells, sizeof *ro->cg);
    rnn_cell_weights *w = calloc(cells, sizeof *w);
    if (!ro->buf || !ro->cg || !w) {
        free(w);
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    ro->output = ro->buf, ro->hn = ro->output + sz.h, ro->cn = ro->hn + SS;
    rnn_grads *g = &ro->g;
    g->x = ro->cn + SS;
    g->h0 = g->x + sz.x;
    g->c0 = g->h0 + SS;
    float *next = g->c0 + SS;
    /* bias=False: PyTorch's module adds nothing, which is biases of zero. */
    float *zeros = ri->no_bias ? calloc((size_t)ri->GH, sizeof *zeros) : NULL;
    if (ri->no_bias && !zeros) {
        free(w);
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t k = 0; k < cells; k++) {
        const tensor *c = &ri->w[4 * k];
        w[k] = (rnn_cell_weights){data_of(&c[0]), data_of(&c[1]),
                                  zeros ? zeros : data_of(&c[2]),
                                  zeros ? zeros : data_of(&c[3])};
        float **dst[4] = {&ro->cg[k].weight_ih, &ro->cg[k].weight_hh, &ro->cg[k].bias_ih,
                          &ro->cg[k].bias_hh};
        for (int j = 0; j < 4; j++) {
            *dst[j] = next;
            next += grad_floats(ri, 4 * (int64_t)k + j);
        }
    }
    g->layers = ro->cg;

    const float *x = data_of(&t[T_INPUT]), *h0 = data_of(&t[T_H0]), *c0 = data_of(&t[T_C0]);
    const float *gout = data_of(&t[T_GOUT]), *ghn = data_of(&t[T_GHN]), *gcn = data_of(&t[T_GCN]);
    float *cn = lstm ? ro->cn : NULL;
    ro->ran_on = "reference";
    double t0 = 1e3 * rnn_seconds_now();
    if (o->use_ref) {
        const rnn_reference_options ropt = {.dtype = o->dtype};
        st = rnn_reference_seq_forward_opt(&d, w, x, h0, c0, ro->output, ro->hn, cn, &ropt);
        ro->t_fwd = 1e3 * rnn_seconds_now() - t0;
        if (st == RNN_OK && ri->backward) {
            t0 = 1e3 * rnn_seconds_now();
            st = rnn_reference_seq_backward_opt(&d, w, x, h0, c0, gout, ghn, gcn, g, &ropt);
            ro->t_bwd = 1e3 * rnn_seconds_now() - t0;
        }
    } else {
        rnn_plan *plan = NULL;
        rnn_workspace *ws = NULL;
        rnn_params params = {0};
        params.cell = w[0];
        params.layers = w;
        rnn_plan_options opt = {.isa = o->isa, .threads = 1, .dtype = o->dtype};
        st = rnn_plan_create(&plan, &d, &params, &opt);
        if (st == RNN_OK)
            st = rnn_workspace_create(&ws, plan);
        t0 = 1e3 * rnn_seconds_now();
        if (st == RNN_OK)
            st = rnn_plan_seq_forward(plan, ws, x, h0, c0, ro->output, ro->hn, cn);
        ro->t_fwd = 1e3 * rnn_seconds_now() - t0;
        if (st == RNN_OK && ri->backward) {
            t0 = 1e3 * rnn_seconds_now();
            st = rnn_plan_seq_backward(plan, ws, x, h0, c0, gout, ghn, gcn, g);
            ro->t_bwd = 1e3 * rnn_seconds_now() - t0;
        }
        if (plan)
            ro->ran_on = rnn_isa_name(rnn_plan_isa(plan));
        rnn_workspace_destroy(ws);
        rnn_plan_destroy(plan);
    }
    free(w);
    free(zeros);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s %s failed: %s\n", o->cell_s,
                o->use_ref ? "reference" : ro->ran_on, rnn_strerror(st));
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
    float *d = swap_axes(data, ri->T, ri->B, shape[2]);
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
    const int srank = state_shape(ri, ss), qrank = seq_shape(ri, ri->DH, s_seq);
    seq_shape(ri, ri->I, s_x);
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

/* The outputs appear together or not at all: a run that fails while writing
 * them leaves every file of an earlier run in --out as it was. */
static int write_outputs(const run_opts *o, const run_inputs *ri, const run_outputs *ro)
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

int cmd_run(int argc, char **argv)
{
    run_opts o;
    int status = parse_run_options(argc, argv, &o);
    if (status >= 0)
        return status;
    run_inputs ri = {0};
    run_outputs ro = {0};
    if (!(status = load_inputs(&o, &ri)) && !(status = compute(&o, &ri, &ro)) &&
        !(status = write_outputs(&o, &ri, &ro))) {
        printf("run: %s T=%lld B=%lld I=%lld H=%lld", o.cell_s, (long long)ri.T,
               (long long)ri.B, (long long)ri.I, (long long)ri.H);
        if (ri.cells > 1)
            printf(" L=%lld%s", (long long)ri.L, ri.D == 2 ? " bidirectional" : "");
        printf(" on %s%s: forward %.3f ms%s", ro.ran_on,
               o.dtype == RNN_DTYPE_BF16 ? " (bf16)" : "", ro.t_fwd,
               ri.backward ? ", backward " : "");
        if (ri.backward)
            printf("%.3f ms", ro.t_bwd);
        printf("; wrote %s\n", o.out);
    }
    free(ro.buf);
    free(ro.cg);
    for (int i = 0; i < T_COUNT; i++)
        if (ri.t[i].present)
            rnn_npy_free(&ri.t[i].a);
    for (int64_t i = 0; ri.w && i < 4 * ri.cells; i++)
        if (ri.w[i].present)
            rnn_npy_free(&ri.w[i].a);
    free(ri.w);
    free(ri.names);
    return status;
}
