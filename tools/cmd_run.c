/* cmd_run.c — `rnnsimd run`: one layer over a sequence, like PyTorch's
 * nn.RNN / nn.LSTM / nn.GRU (batch_first=False, one layer), on .npy files
 * named as PyTorch names the tensors. Forward always; backward when any
 * upstream gradient file is present.
 *
 * Every size comes from the files: T, B, I from input.npy, H from
 * weight_hh.npy's columns; every other file is checked against them, and each
 * mismatch names the file, its shape and the shape expected. The reference
 * (--isa reference) and the plans (every other --isa) are called the same way
 * and write the same files, so the two can be compared file by file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "npy.h"
#include "tools.h"
#include "clock.h"

static const char run_usage[] =
    "usage: rnnsimd run --cell CELL --in DIR --out DIR [--isa ISA]\n"
    "\n"
    "Runs one recurrent layer over a sequence, like PyTorch's nn.RNN(nonlinearity='tanh'),\n"
    "nn.LSTM and nn.GRU with batch_first=False and one layer, on .npy files (float32 '<f4',\n"
    "C order) named as PyTorch names the tensors.\n"
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
    "\n"
    "inputs in --in (G = 1 rnn_tanh, 4 lstm (gates i,f,g,o), 3 gru and lbr_gru (r,z,n)):\n"
    "  input.npy        (T, B, I)\n"
    "  weight_ih.npy    (G*H, I)      weight_hh.npy  (G*H, H)\n"
    "  bias_ih.npy      (G*H,)        bias_hh.npy    (G*H,)\n"
    "  h0.npy           (B, H) or (1, B, H), optional (zeros)\n"
    "  c0.npy           (B, H) or (1, B, H), lstm only, optional (zeros)\n"
    "  grad_output.npy  (T, B, H) optional: upstream gradient on every h_t\n"
    "  grad_hn.npy      (B, H) or (1, B, H) optional; grad_cn.npy likewise (lstm only)\n"
    "\n"
    "outputs in --out:\n"
    "  output.npy (T, B, H) every h_t;  hn.npy (B, H);  cn.npy (B, H) for lstm\n"
    "  when any of grad_output.npy, grad_hn.npy, grad_cn.npy is present (the missing ones\n"
    "  count as zero), backward runs too and writes grad_input.npy (T, B, I),\n"
    "  grad_h0.npy (B, H), grad_c0.npy (B, H) for lstm, grad_weight_ih.npy,\n"
    "  grad_weight_hh.npy, grad_bias_ih.npy, grad_bias_hh.npy.\n"
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

/* Loads dir/file and checks it against (rank, shape); a state file may also
 * be (1, B, H), PyTorch's (num_layers, B, H). Returns 0 or EXIT_RUNTIME after
 * a message. An absent optional file leaves t->present 0. */
static int load(const char *dir, const char *file, int required, int rank, const int64_t *shape,
                const char *what, tensor *t)
{
    char path[4096], err[1024];
    path_join(path, sizeof path, dir, file);
    t->present = 0;
    if (!required && access(path, F_OK) != 0 && errno == ENOENT)
        return 0;
    if (required && access(path, F_OK) != 0 && errno == ENOENT) {
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

static int write_out(const char *dir, const char *file, const float *data, int rank,
                     const int64_t *shape)
{
    char path[4096], err[1024];
    path_join(path, sizeof path, dir, file);
    if (rnn_npy_write(path, RNN_NPY_F32, data, rank, shape, err, sizeof err) != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s\n", err);
        return EXIT_RUNTIME;
    }
    return 0;
}

enum { T_INPUT, T_WIH, T_WHH, T_BIH, T_BHH, T_H0, T_C0, T_GOUT, T_GHN, T_GCN, T_COUNT };

typedef struct {
    const char *cell_s, *in, *out, *isa_s;
    rnn_cell cell;
    int use_ref;
    rnn_isa isa;
} run_opts;

/* Returns -1 to go on, else the exit status (after --help or a message). */
static int parse_run_options(int argc, char **argv, run_opts *o)
{
    *o = (run_opts){.isa_s = "auto"};
    opt_spec specs[] = {
        {"cell", OPT_STR, &o->cell_s, 0, 0, 0, NULL, 0},
        {"in", OPT_STR, &o->in, 0, 0, 0, NULL, 0},
        {"out", OPT_STR, &o->out, 0, 0, 0, NULL, 0},
        {"isa", OPT_STR, &o->isa_s, 0, 0, 0, NULL, 0},
    };
    int r = opts_parse("run", argc, argv, specs, 4, run_usage, NULL, 0, NULL);
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
    int64_t T, B, I, H, G, GH;
    int backward; /* an upstream gradient was given */
} run_inputs;

/* Loads every input, sizes from input.npy (T, B, I) and weight_hh.npy (H,
 * whose rows are G*H), each file checked against them. Returns 0 or
 * EXIT_RUNTIME after a message. */
static int load_inputs(const run_opts *o, run_inputs *ri)
{
    const char *in = o->in, *cell_s = o->cell_s;
    tensor *t = ri->t;
    char what[512];
    int status;
    const int64_t G = ri->G = rnn_cell_gates(o->cell);
    int64_t any3[3] = {-1, -1, -1};
    if ((status = load(in, "input.npy", 1, 3, any3, "(T, B, I)", &t[T_INPUT])))
        return status;
    const int64_t T = ri->T = t[T_INPUT].a.shape[0], B = ri->B = t[T_INPUT].a.shape[1],
                  I = ri->I = t[T_INPUT].a.shape[2];
    if (T < 1 || B < 1 || I < 1) {
        fprintf(stderr, "rnnsimd run: %s/input.npy: T, B and I must be at least 1\n", in);
        return EXIT_RUNTIME;
    }
    int64_t any2[2] = {-1, -1};
    snprintf(what, sizeof what, "(G*H, H) with G = %lld for %s", (long long)G, cell_s);
    if ((status = load(in, "weight_hh.npy", 1, 2, any2, what, &t[T_WHH])))
        return status;
    const int64_t H = ri->H = t[T_WHH].a.shape[1];
    if (H < 1 || t[T_WHH].a.shape[0] != G * H) {
        fprintf(stderr,
                "rnnsimd run: %s/weight_hh.npy: shape (%lld, %lld) but expected (G*H, H) = "
                "(%lld, %lld): %s has G = %lld gate blocks%s\n",
                in, (long long)t[T_WHH].a.shape[0], (long long)H, (long long)(G * H), (long long)H,
                cell_s, (long long)G,
                G == 4 ? " (i, f, g, o)" : G == 3 ? " (r, z, n)" : "");
        return EXIT_RUNTIME;
    }
    const int64_t GH = ri->GH = G * H;
    int64_t s_wih[2] = {GH, I}, s_b[1] = {GH}, s_state[2] = {B, H}, s_seq[3] = {T, B, H};
    snprintf(what, sizeof what,
             "(G*H, I) with G*H = %lld from weight_hh.npy, I = %lld from input.npy",
             (long long)GH, (long long)I);
    if ((status = load(in, "weight_ih.npy", 1, 2, s_wih, what, &t[T_WIH])))
        return status;
    snprintf(what, sizeof what, "(G*H,) with G*H = %lld from weight_hh.npy", (long long)GH);
    if ((status = load(in, "bias_ih.npy", 1, 1, s_b, what, &t[T_BIH])) ||
        (status = load(in, "bias_hh.npy", 1, 1, s_b, what, &t[T_BHH])))
        return status;
    snprintf(what, sizeof what,
             "(B, H) or (1, B, H) with B = %lld from input.npy, H = %lld from weight_hh.npy",
             (long long)B, (long long)H);
    for (int k = 0; o->cell != RNN_LSTM && k < 2; k++) {
        const char *f = k ? "grad_cn.npy" : "c0.npy";
        char path[4096];
        path_join(path, sizeof path, in, f);
        if (access(path, F_OK) == 0) {
            fprintf(stderr, "rnnsimd run: %s: %s has no cell state; only lstm takes %s\n", path,
                    cell_s, f);
            return EXIT_RUNTIME;
        }
    }
    if ((status = load(in, "h0.npy", 0, 2, s_state, what, &t[T_H0])) ||
        (status = load(in, "c0.npy", 0, 2, s_state, what, &t[T_C0])) ||
        (status = load(in, "grad_hn.npy", 0, 2, s_state, what, &t[T_GHN])) ||
        (status = load(in, "grad_cn.npy", 0, 2, s_state, what, &t[T_GCN])))
        return status;
    snprintf(what, sizeof what,
             "(T, B, H) with T, B = %lld, %lld from input.npy, H = %lld from weight_hh.npy",
             (long long)T, (long long)B, (long long)H);
    if ((status = load(in, "grad_output.npy", 0, 3, s_seq, what, &t[T_GOUT])))
        return status;
    ri->backward = t[T_GOUT].present || t[T_GHN].present || t[T_GCN].present;
    return 0;
}

/* The outputs, in one block: the forward's, then the gradients. */
typedef struct {
    float *buf, *output, *hn, *cn;
    rnn_grads g;
    double t_fwd, t_bwd; /* ms */
    const char *ran_on;
} run_outputs;

/* The forward (and backward) on the reference or a plan. Returns 0 or
 * EXIT_RUNTIME after a message. */
static int compute(const run_opts *o, const run_inputs *ri, run_outputs *ro)
{
    const tensor *t = ri->t;
    const int lstm = o->cell == RNN_LSTM;
    rnn_desc d = {o->cell, RNN_MANY2MANY, ri->T, 0, ri->B, ri->I, ri->H, 1};
    rnn_sizes sz;
    rnn_status st = rnn_desc_check(&d, &sz);
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd run: T=%lld B=%lld I=%lld H=%lld: %s\n", (long long)ri->T,
                (long long)ri->B, (long long)ri->I, (long long)ri->H, rnn_strerror(st));
        return EXIT_RUNTIME;
    }
    const size_t BH = sz.state;
    size_t n_out = sz.h + 2 * BH, n_grad = sz.x + 2 * BH + sz.weight_ih + sz.weight_hh + 2 * sz.bias;
    ro->buf = malloc((n_out + (ri->backward ? n_grad : 0)) * sizeof *ro->buf);
    if (!ro->buf) {
        fprintf(stderr, "rnnsimd run: out of memory\n");
        return EXIT_RUNTIME;
    }
    ro->output = ro->buf, ro->hn = ro->output + sz.h, ro->cn = ro->hn + BH;
    rnn_grads *g = &ro->g;
    g->x = ro->cn + BH;
    g->h0 = g->x + sz.x;
    g->c0 = g->h0 + BH;
    g->cell.weight_ih = g->c0 + BH;
    g->cell.weight_hh = g->cell.weight_ih + sz.weight_ih;
    g->cell.bias_ih = g->cell.weight_hh + sz.weight_hh;
    g->cell.bias_hh = g->cell.bias_ih + sz.bias;

    rnn_cell_weights w = {data_of(&t[T_WIH]), data_of(&t[T_WHH]), data_of(&t[T_BIH]),
                          data_of(&t[T_BHH])};
    const float *x = data_of(&t[T_INPUT]), *h0 = data_of(&t[T_H0]), *c0 = data_of(&t[T_C0]);
    const float *gout = data_of(&t[T_GOUT]), *ghn = data_of(&t[T_GHN]), *gcn = data_of(&t[T_GCN]);
    float *cn = lstm ? ro->cn : NULL;
    ro->ran_on = "reference";
    double t0 = 1e3 * rnn_seconds_now();
    if (o->use_ref) {
        st = rnn_reference_seq_forward(&d, &w, x, h0, c0, ro->output, ro->hn, cn);
        ro->t_fwd = 1e3 * rnn_seconds_now() - t0;
        if (st == RNN_OK && ri->backward) {
            t0 = 1e3 * rnn_seconds_now();
            st = rnn_reference_seq_backward(&d, &w, x, h0, c0, gout, ghn, gcn, g);
            ro->t_bwd = 1e3 * rnn_seconds_now() - t0;
        }
    } else {
        rnn_plan *plan = NULL;
        rnn_workspace *ws = NULL;
        rnn_params params = {0};
        params.cell = w;
        rnn_plan_options opt = {.isa = o->isa, .threads = 1};
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
    if (st != RNN_OK) {
        fprintf(stderr, "rnnsimd run: %s %s failed: %s\n", o->cell_s,
                o->use_ref ? "reference" : ro->ran_on, rnn_strerror(st));
        return EXIT_RUNTIME;
    }
    return 0;
}

/* Every output into --out (created if missing), each file atomically.
 * Returns 0 or EXIT_RUNTIME after a message. */
static int write_outputs(const run_opts *o, const run_inputs *ri, const run_outputs *ro)
{
    const char *out = o->out;
    const int lstm = o->cell == RNN_LSTM;
    const rnn_grads *g = &ro->g;
    int status;
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "rnnsimd run: --out %s: cannot create: %s\n", out, strerror(errno));
        return EXIT_RUNTIME;
    }
    int64_t s_state[2] = {ri->B, ri->H}, s_seq[3] = {ri->T, ri->B, ri->H};
    int64_t s_x[3] = {ri->T, ri->B, ri->I}, s_whh[2] = {ri->GH, ri->H};
    int64_t s_wih[2] = {ri->GH, ri->I}, s_b[1] = {ri->GH};
    if ((status = write_out(out, "output.npy", ro->output, 3, s_seq)) ||
        (status = write_out(out, "hn.npy", ro->hn, 2, s_state)) ||
        (lstm && (status = write_out(out, "cn.npy", ro->cn, 2, s_state))))
        return status;
    if (ri->backward &&
        ((status = write_out(out, "grad_input.npy", g->x, 3, s_x)) ||
         (status = write_out(out, "grad_h0.npy", g->h0, 2, s_state)) ||
         (lstm && (status = write_out(out, "grad_c0.npy", g->c0, 2, s_state))) ||
         (status = write_out(out, "grad_weight_ih.npy", g->cell.weight_ih, 2, s_wih)) ||
         (status = write_out(out, "grad_weight_hh.npy", g->cell.weight_hh, 2, s_whh)) ||
         (status = write_out(out, "grad_bias_ih.npy", g->cell.bias_ih, 1, s_b)) ||
         (status = write_out(out, "grad_bias_hh.npy", g->cell.bias_hh, 1, s_b))))
        return status;
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
        printf("run: %s T=%lld B=%lld I=%lld H=%lld on %s: forward %.3f ms%s", o.cell_s,
               (long long)ri.T, (long long)ri.B, (long long)ri.I, (long long)ri.H, ro.ran_on,
               ro.t_fwd, ri.backward ? ", backward " : "");
        if (ri.backward)
            printf("%.3f ms", ro.t_bwd);
        printf("; wrote %s\n", o.out);
    }
    free(ro.buf);
    for (int i = 0; i < T_COUNT; i++)
        if (ri.t[i].present)
            rnn_npy_free(&ri.t[i].a);
    return status;
}
