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
 * file by file.
 *
 * This file holds the options and the driver; run_io.h says which file
 * holds each part. */
#include <stdio.h>
#include <sys/stat.h>
#include "run_io.h"

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
    "                | gru (Cho et al. 2014, reset before the product):\n"
    "                  n = tanh(W_in x + b_in + W_hn (r*h) + b_hn)\n"
    "                  h' = (1-z)*h + z*n\n"
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

int cmd_run(int argc, char **argv)
{
    run_opts o;
    int status = parse_run_options(argc, argv, &o);
    if (status >= 0)
        return status;
    run_inputs ri = {0};
    run_outputs ro = {0};
    if (!(status = run_load_inputs(&o, &ri)) && !(status = run_compute(&o, &ri, &ro)) &&
        !(status = run_write_outputs(&o, &ri, &ro))) {
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
    run_outputs_free(&ro);
    run_inputs_free(&ri);
    return status;
}
