/* cmd_gradflow.c — `rnnsimd gradflow`: measures the textbook claim that
 * vanilla RNN gradients vanish or explode with the spectral radius of the recurrence
 * while gated cells carry them additively. For each cell and each rho it
 * builds the experiment (gradflow_setup.c), measures ||dL/dh_t|| for every t
 * on the chosen kernel table or the reference (gradflow_measure.c), checks
 * the claimed rho with LAPACKE and the O(T) chain against full-length runs,
 * and prints / writes the results (gradflow_output.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gradflow.h"
#include "gradflow_output.h"
#include "tools.h"

#define MAX_RHO 8 /* values of --rho */
/* The range of a rho. At the bottom: rnn_tanh's gradient shrinks by rho a
 * step and the rate fit stops at 1e-30 (GF_FIT_FLOOR), so at 1e-6 about four
 * steps are left to fit, and below 1e-15 none; far below, rho * Q leaves
 * float32's normal range (weights under 1.2e-38 lose bits, under 1.4e-45
 * are 0) and the weights are no longer rho times an orthogonal matrix. */
#define RHO_RANGE_MIN 1e-6
#define RHO_RANGE_MAX 4.0
/* Float rounding of rho * Q moves singular values by about sqrt(H) 2^-24 rho. */
#define RHO_RTOL 1e-3

static const char gradflow_usage[] =
    "usage: rnnsimd gradflow [--cell all|rnn_tanh|lstm|gru|lbr_gru] [--hidden H] [--T N]\n"
    "                        [--rho LIST] [--seed S] [--out DIR] [--isa ISA]\n"
    "                        [--input I] [--input-scale X] [--carry-bias B]\n"
    "\n"
    "Measures how a gradient flows back through time. For each cell and each rho, a\n"
    "sequence of T steps (batch 1, h0 = c0 = 0) runs with every gate block of weight_hh\n"
    "equal to rho times an orthogonal matrix (the conformance generator's construction,\n"
    "checked with LAPACKE's SVD); a unit gradient u on h_T is backpropagated and\n"
    "||dL/dh_t|| (and ||dL/dc_t|| for lstm) recorded for every t. Reports the decay or\n"
    "growth rate per step (least-squares fit of the log-norm against d = T - t), the same\n"
    "over near-linear steps only, the largest singular values of weight_hh and of the\n"
    "mean step Jacobian, and the distance at which the gradient falls below 1e-6.\n"
    "\n"
    "  --cell C         all (default), rnn_tanh, lstm, gru or lbr_gru\n"
    "  --hidden H       hidden size, 1 to 256 (default 64)\n"
    "  --T N            sequence length, 1 to 2000 (default 200)\n"
    "  --rho LIST       comma-separated spectral radii from 1e-6 to 4, at most 8\n"
    "                   (default 0.5,0.9,1,1.1,1.5); below 1e-6 rnn_tanh's gradient\n"
    "                   falls under 1e-30, where the fit stops, within a few steps\n"
    "  --seed S         seed of every portable fill (default 1)\n"
    "  --out DIR        also write gradflow.tsv (every norm), gradflow_summary.tsv,\n"
    "                   gradflow.json, and the plot gradflow.svg / gradflow.png (by\n"
    "                   gnuplot; skipped with a message if gnuplot is not installed)\n"
    "  --isa ISA        auto (default: the optimized kernels), reference or one of\n"
    "                   {isas:, }\n"
    "  --input I        input size, 1 to 1024 (default 16); weight_ih U(+-1/sqrt(I))\n"
    "  --input-scale X  inputs U(-X, X), 0 to 10 (default 0.01: tanh starts near-linear;\n"
    "                   0 keeps every state at 0, so the gradient sees the linear cell)\n"
    "  --carry-bias B   bias_hh of the gate that keeps the state: lstm f (+B), gru z (-B),\n"
    "                   lbr_gru z (+B); -20 to 20 (default 1, the forget bias of Gers et\n"
    "                   al. and Jozefowicz et al.; other biases are 0)\n"
    "\n"
    "Cost: O(T) one-step backwards for the norms, plus one batched backward and one SVD\n"
    "of the (2H for lstm) step Jacobian per step. Exit status: 0 success, 1 runtime\n"
    "failure (including a failed self-check), 2 usage error.\n";

/* One value of --rho at s; 0 with *end past it, or a usage error after a
 * message naming the value. */
static int parse_rho(const char *text, const char *s, double *rho, char **end)
{
    *rho = strtod(s, end); /* overflow (inf) and underflow fail the range below */
    const int len = (int)strcspn(s, ",");
    if (*end == s || isnan(*rho) || (**end != ',' && **end != '\0')) {
        fprintf(stderr, "rnnsimd gradflow: --rho '%s': expected comma-separated numbers from "
                        "%g to %g, e.g. 0.5,1,1.5; %s%.*s%s\n",
                text, RHO_RANGE_MIN, RHO_RANGE_MAX, len ? "'" : "a value is empty", len, s,
                len ? "' is not a number" : "");
        return EXIT_USAGE;
    }
    if (!(*rho >= RHO_RANGE_MIN && *rho <= RHO_RANGE_MAX)) {
        fprintf(stderr, "rnnsimd gradflow: --rho '%s': expected comma-separated numbers from "
                        "%g to %g; %.*s is out of that range (see --help)\n",
                text, RHO_RANGE_MIN, RHO_RANGE_MAX, len, s);
        return EXIT_USAGE;
    }
    return 0;
}

static int parse_rho_list(const char *text, double *rho, size_t *n)
{
    *n = 0;
    for (const char *s = text;;) {
        char *end;
        double v;
        int r = parse_rho(text, s, &v, &end);
        if (r)
            return r;
        if (*n == MAX_RHO) {
            fprintf(stderr, "rnnsimd gradflow: --rho '%s': at most %d values\n", text, MAX_RHO);
            return EXIT_USAGE;
        }
        rho[(*n)++] = v;
        if (*end == '\0')
            return 0;
        s = end + 1;
    }
}

static void join_args(int argc, char **argv, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "rnnsimd");
    for (int i = 0; i < argc && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, " %s", argv[i]);
}

/* The self-checks of one run: rho (bit 1), the chain's forward (2) and
 * backward (4); prints what failed and returns the failed bits. */
static int run_checks(const gf_run *run)
{
    const char *cell = rnn_cell_name(run->cell);
    int failed = 0;
    double lo = fabs(run->w_sigma_min - run->rho), hi = fabs(run->w_sigma_max - run->rho);
    double tol = gf_check_tolerance(&run->r);
    if (!(lo <= RHO_RTOL * run->rho && hi <= RHO_RTOL * run->rho)) {
        fprintf(stderr, "rnnsimd gradflow: %s rho %g: weight_hh singular values span [%.6f, "
                        "%.6f], not rho within %g\n", cell, run->rho, run->w_sigma_min,
                run->w_sigma_max, RHO_RTOL);
        failed |= 1;
    }
    if (!(run->r.check_forward <= tol)) {
        fprintf(stderr, "rnnsimd gradflow: %s rho %g: stepped forward differs from the "
                        "full-length forward by %.3g (relative; absolute if every h is 0), "
                        "above %.3g\n", cell, run->rho,
                run->r.check_forward, tol);
        failed |= 2;
    }
    if (!isnan(run->r.check_backward) && !(run->r.check_backward <= tol)) {
        fprintf(stderr, "rnnsimd gradflow: %s rho %g: the chain's dL/dh_0 differs from the "
                        "full-length backward by %.3g (relative), above %.3g\n", cell, run->rho,
                run->r.check_backward, tol);
        failed |= 4;
    }
    return failed;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "rnnsimd gradflow: --out %s: cannot create: %s\n", dir, strerror(errno));
        return EXIT_RUNTIME;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "rnnsimd gradflow: --out %s: not a directory\n", dir);
        return EXIT_RUNTIME;
    }
    return 0;
}

int cmd_gradflow(int argc, char **argv)
{
    const char *cell_s = "all", *rho_s = "0.5,0.9,1,1.1,1.5", *out = NULL, *isa_s = "auto";
    int64_t H = 64, T = 200, I = 16, seed = 1;
    double x_scale = 0.01, carry_bias = 1.0;
    opt_spec specs[] = {
        {"cell", OPT_STR, &cell_s, 0, 0, 0, NULL, 0},
        {"hidden", OPT_INT, &H, 1, 256, 0, NULL, 0},
        {"T", OPT_INT, &T, 1, 2000, 0, NULL, 0},
        {"rho", OPT_STR, &rho_s, 0, 0, 0, NULL, 0},
        {"seed", OPT_INT, &seed, 0, 9.2e18, 0, NULL, 0},
        {"out", OPT_STR, &out, 0, 0, 0, NULL, 0},
        {"isa", OPT_STR, &isa_s, 0, 0, 0, NULL, 0},
        {"input", OPT_INT, &I, 1, 1024, 0, NULL, 0},
        {"input-scale", OPT_F64, &x_scale, 0, 10, 0, NULL, 0},
        {"carry-bias", OPT_F64, &carry_bias, -20, 20, 0, NULL, 0},
    };
    int r = opts_parse("gradflow", argc, argv, specs, sizeof specs / sizeof specs[0],
                       gradflow_usage, NULL, 0, NULL);
    if (r)
        return r < 0 ? 0 : r;

    rnn_cell cells[RNN_CELL_COUNT];
    size_t n_cell = 0;
    if (strcmp(cell_s, "all") == 0) {
        for (int c = 0; c < RNN_CELL_COUNT; c++)
            cells[n_cell++] = (rnn_cell)c;
    } else if (rnn_cell_parse(cell_s, &cells[0]) == RNN_OK) {
        n_cell = 1;
    } else {
        fprintf(stderr, "rnnsimd gradflow: unknown --cell '%s'; expected all, rnn_tanh, lstm, "
                        "gru or lbr_gru\n", cell_s);
        return EXIT_USAGE;
    }
    double rhos[MAX_RHO];
    size_t n_rho;
    if ((r = parse_rho_list(rho_s, rhos, &n_rho)) != 0)
        return r;
    int reference;
    rnn_isa isa;
    if ((r = parse_isa_option("gradflow", isa_s, &reference, &isa)) != 0 ||
        (r = require_isa("gradflow", isa_s, reference, isa)) != 0)
        return r;
    if (out && (r = make_dir(out)) != 0)
        return r;

    rnn_isa resolved = isa;
    if (!reference)
        rnn_isa_resolve(isa, &resolved, NULL);
    char command[2048];
    join_args(argc, argv, command, sizeof command);
    gf_settings set = {reference ? "reference" : rnn_isa_name(resolved), H, I, T,
                       (uint64_t)seed, carry_bias, x_scale, command};
    gf_backend be = {reference, isa};

    gf_run *runs = calloc(n_rho * n_cell, sizeof *runs);
    if (!runs) {
        fprintf(stderr, "rnnsimd gradflow: out of memory\n");
        return EXIT_RUNTIME;
    }
    size_t n_run = 0;
    int status = 0, failed = 0;
    gf_print_header(stdout, &set);
    for (size_t k = 0; k < n_rho && !status; k++) {
        for (size_t c = 0; c < n_cell && !status; c++) {
            gf_setup s = {cells[c], H, I, T, rhos[k], carry_bias, x_scale, (uint64_t)seed};
            gf_tensors t;
            gf_problem p;
            gf_run *run = &runs[n_run];
            run->cell = cells[c];
            run->rho = rhos[k];
            rnn_status st = gf_build(&s, &t, &p);
            if (st == RNN_OK)
                st = gf_weight_hh_sigmas(&p, &run->w_sigma_min, &run->w_sigma_max);
            if (st == RNN_OK)
                st = gf_measure(&p, be, &run->r);
            gf_tensors_free(&t);
            if (st != RNN_OK) {
                fprintf(stderr, "rnnsimd gradflow: %s rho %g: %s\n", rnn_cell_name(cells[c]),
                        rhos[k], rnn_strerror(st));
                status = EXIT_RUNTIME;
                break;
            }
            n_run++;
            gf_print_row(stdout, run);
            failed |= run_checks(run);
        }
    }
    if (!status) {
        gf_print_legend(stdout);
        /* Each check's largest error as a fraction of its run's tolerance. */
        double fwd = 0, bwd = 0;
        int bwd_n = 0;
        for (size_t k = 0; k < n_run; k++) {
            double tol = gf_check_tolerance(&runs[k].r);
            fwd = fmax(fwd, runs[k].r.check_forward / tol);
            if (!isnan(runs[k].r.check_backward)) {
                bwd = fmax(bwd, runs[k].r.check_backward / tol);
                bwd_n++;
            }
        }
        printf("checks: weight_hh singular values = rho within %g: %s; stepped vs full-length "
               "forward: %s (worst %.2g of its tolerance); chain dL/dh_0 vs full-length "
               "backward: %s (worst %.2g of its tolerance; %d of %zu runs, the rest "
               "underflowed). Tolerance: 1e-5 x the curve's largest growth.\n",
               RHO_RTOL, failed & 1 ? "NO" : "yes", failed & 2 ? "FAILED" : "ok", fwd,
               failed & 4 ? "FAILED" : "ok", bwd, bwd_n, n_run);
        if (failed)
            status = EXIT_RUNTIME;
    }
    if (!status && out) {
        /* The four files appear together or not at all; the images after. */
        rnn_atomic_set files = {0};
        char err[4400];
        if (gf_write_tsv(&files, out, runs, n_run) ||
            gf_write_summary_tsv(&files, out, runs, n_run) ||
            gf_write_json(&files, out, &set, runs, n_run) ||
            gf_write_gp(&files, out, &set, rhos, n_rho, cells, n_cell)) {
            rnn_atomic_set_abort(&files);
            status = EXIT_RUNTIME;
        } else if (rnn_atomic_set_commit(&files, err, sizeof err) != RNN_OK) {
            fprintf(stderr, "rnnsimd gradflow: %s\n", err);
            status = EXIT_RUNTIME;
        } else {
            int pr = gf_plot(out);
            if (pr < 0)
                status = EXIT_RUNTIME;
            printf("wrote %s/gradflow.tsv, gradflow_summary.tsv, gradflow.json, gradflow.gp%s\n",
                   out, pr == 0 ? ", gradflow.svg, gradflow.png" : " (no plot)");
        }
    }
    for (size_t k = 0; k < n_run; k++)
        gf_result_free(&runs[k].r);
    free(runs);
    return status;
}
