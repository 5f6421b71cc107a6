/* gradflow_output.c — the table, the TSV and JSON records and the gnuplot
 * plot of `rnnsimd gradflow` (see gradflow_output.h). Files are written to a
 * temporary name and renamed, so a failed run leaves no half-written file. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "gradflow_output.h"
#include "file_io.h"
#include "json.h"

void gf_print_header(FILE *f, const gf_settings *s)
{
    fprintf(f,
            "gradflow: %s, H %lld, I %lld, T %lld, batch 1, seed %llu; loss u.h_T (u a unit "
            "vector), h0 = c0 = 0;\n"
            "  weight_hh blocks rho * orthogonal, inputs U(-%g, %g), carry-gate bias %g\n\n",
            s->backend, (long long)s->H, (long long)s->I, (long long)s->T,
            (unsigned long long)s->seed, s->x_scale, s->x_scale, s->carry_bias);
    fprintf(f, "%-8s  %5s  %11s  %13s  %9s  %7s  %-19s  %8s  %6s  %8s\n", "cell", "rho",
            "sigma(W_hh)", "sigma(mean J)", "rate/step", "factor", "near-linear (steps)",
            "d(<1e-6)", "max|h|", "c factor");
}

void gf_print_row(FILE *f, const gf_run *run)
{
    const gf_result *r = &run->r;
    char lin[48], d6[24], cf[24];
    if (r->n_linear)
        snprintf(lin, sizeof lin, "%.4f (%lld)", exp(r->rate_h_linear), (long long)r->n_linear);
    else
        snprintf(lin, sizeof lin, "- (0)");
    if (r->d_1e6 >= 0)
        snprintf(d6, sizeof d6, "%lld", (long long)r->d_1e6);
    else
        snprintf(d6, sizeof d6, "never");
    if (run->cell == RNN_LSTM)
        snprintf(cf, sizeof cf, "%.4f", exp(r->rate_c));
    else
        snprintf(cf, sizeof cf, "-");
    /* rho as given (%g): from 1e-6, where a fixed 2 decimals would say 0.00. */
    fprintf(f, "%-8s  %5.3g  %11.4f  %13.4f  %9.4f  %7.4f  %-19s  %8s  %6.3f  %8s\n",
            rnn_cell_name(run->cell), run->rho, run->w_sigma_max, r->sigma_mean_jacobian,
            r->rate_h, exp(r->rate_h), lin, d6, r->max_abs_h, cf);
    fflush(f);
}

void gf_print_legend(FILE *f)
{
    fprintf(f,
            "\nsigma(W_hh): largest singular value over weight_hh's gate blocks (LAPACKE dgesvd).\n"
            "sigma(mean J): largest singular value of the step Jacobian d s_t / d s_{t-1} averaged\n"
            "  over t (s = h; s = (h, c) for lstm), each J_t exact from a batched backward.\n"
            "rate/step: least-squares slope of ln ||dL/dh_t|| against d = T - t over d >= 1 (while\n"
            "  the norm is above 1e-30); factor = exp(rate): < 1 vanishes, > 1 grows.\n"
            "near-linear: the mean factor over the steps whose states keep every |h| <= %.2f,\n"
            "  i.e. before saturation. d(<1e-6): first distance at which ||dL/dh_t|| falls below\n"
            "  1e-6 of its start; never = not within T. c factor: the same fit of ||dL/dc_t|| (lstm).\n",
            GF_LINEAR_H);
}

/* ---- files ---- */

/* A file of the set the outputs appear in together (file_io.h): written
 * through a stream now, renamed into place by the set's commit. */
static FILE *open_out(rnn_atomic_set *set, const char *dir, const char *name)
{
    char path[4096], err[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rnn_atomic_file *af = rnn_atomic_set_add(set, path, err, sizeof err);
    FILE *f = af ? rnn_atomic_stream(af, path, err, sizeof err) : NULL;
    if (!f)
        fprintf(stderr, "rnnsimd gradflow: %s\n", err);
    return f;
}

int gf_write_tsv(rnn_atomic_set *set, const char *dir, const gf_run *runs, size_t n)
{
    FILE *f = open_out(set, dir, "gradflow.tsv");
    if (!f)
        return -1;
    fprintf(f, "cell\trho\td\tt\tnorm_dh\tnorm_dc\n");
    for (size_t k = 0; k < n; k++) {
        const gf_result *r = &runs[k].r;
        int64_t T = r->T;
        for (int64_t d = 0; d <= T; d++) {
            fprintf(f, "%s\t%.9g\t%lld\t%lld\t%.6e\t", rnn_cell_name(runs[k].cell), runs[k].rho,
                    (long long)d, (long long)(T - d), r->norm_h[d]);
            if (r->norm_c && d > 0)
                fprintf(f, "%.6e\n", r->norm_c[d]);
            else
                fprintf(f, "nan\n");
        }
    }
    return 0;
}

static void json_array(FILE *f, const double *v, int64_t n)
{
    fputc('[', f);
    for (int64_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        rnn_json_number(f, v[i]);
    }
    fputc(']', f);
}

int gf_write_summary_tsv(rnn_atomic_set *set, const char *dir, const gf_run *runs, size_t n)
{
    FILE *f = open_out(set, dir, "gradflow_summary.tsv");
    if (!f)
        return -1;
    fprintf(f, "cell\trho\tsigma_w_hh_min\tsigma_w_hh_max\tsigma_mean_jacobian\t"
                 "mean_sigma_jacobian\trate\tfactor\tfit_d_max\trate_near_linear\t"
                 "near_linear_steps\td_below_1e-6\tmax_abs_h\trate_c\tcheck_forward\t"
                 "check_backward\tmax_growth\n");
    for (size_t k = 0; k < n; k++) {
        const gf_result *r = &runs[k].r;
        fprintf(f, "%s\t%.9g\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%lld\t%.6f\t%lld\t",
                rnn_cell_name(runs[k].cell), runs[k].rho, runs[k].w_sigma_min,
                runs[k].w_sigma_max, r->sigma_mean_jacobian, r->mean_sigma_jacobian, r->rate_h,
                exp(r->rate_h), (long long)r->fit_end_h, r->rate_h_linear,
                (long long)r->n_linear);
        if (r->d_1e6 >= 0)
            fprintf(f, "%lld", (long long)r->d_1e6);
        else
            fprintf(f, "never");
        fprintf(f, "\t%.4f\t%.6f\t%.3g\t%.3g\t%.4g\n", r->max_abs_h, r->rate_c,
                r->check_forward, r->check_backward, r->max_growth);
    }
    return 0;
}

int gf_write_json(rnn_atomic_set *set, const char *dir, const gf_settings *s, const gf_run *runs,
                  size_t n)
{
    FILE *f = open_out(set, dir, "gradflow.json");
    if (!f)
        return -1;
    fprintf(f, "{\n  \"command\": ");
    rnn_json_string(f, s->command);
    fprintf(f, ",\n  \"backend\": ");
    rnn_json_string(f, s->backend);
    fprintf(f,
            ",\n  \"H\": %lld, \"I\": %lld, \"T\": %lld, \"batch\": 1, \"seed\": %llu,\n"
            "  \"carry_bias\": %.9g, \"input_scale\": %.9g, \"near_linear_max_abs_h\": %g,\n"
            "  \"loss\": \"u . h_T, u a unit vector; h0 = c0 = 0\",\n"
            "  \"distance\": \"d = T - t; norm_dh[d] = ||dL/dh_t||, norm_dc[d] = ||dL/dc_t||\",\n"
            "  \"runs\": [\n",
            (long long)s->H, (long long)s->I, (long long)s->T, (unsigned long long)s->seed,
            s->carry_bias, s->x_scale, GF_LINEAR_H);
    for (size_t k = 0; k < n; k++) {
        const gf_result *r = &runs[k].r;
        fprintf(f, "    {\"cell\": \"%s\", \"rho\": %.9g,\n", rnn_cell_name(runs[k].cell),
                runs[k].rho);
        fprintf(f, "     \"sigma_w_hh_min\": ");
        rnn_json_number(f, runs[k].w_sigma_min);
        fprintf(f, ", \"sigma_w_hh_max\": ");
        rnn_json_number(f, runs[k].w_sigma_max);
        fprintf(f, ", \"sigma_mean_jacobian\": ");
        rnn_json_number(f, r->sigma_mean_jacobian);
        fprintf(f, ", \"mean_sigma_jacobian\": ");
        rnn_json_number(f, r->mean_sigma_jacobian);
        fprintf(f, ",\n     \"rate\": ");
        rnn_json_number(f, r->rate_h);
        fprintf(f, ", \"factor\": ");
        rnn_json_number(f, exp(r->rate_h));
        fprintf(f, ", \"fit_d_max\": %lld, \"rate_near_linear\": ", (long long)r->fit_end_h);
        rnn_json_number(f, r->rate_h_linear);
        fprintf(f, ", \"near_linear_steps\": %lld,\n     \"d_below_1e-6\": ",
                (long long)r->n_linear);
        if (r->d_1e6 >= 0)
            fprintf(f, "%lld", (long long)r->d_1e6);
        else
            fprintf(f, "null");
        fprintf(f, ", \"max_abs_h\": ");
        rnn_json_number(f, r->max_abs_h);
        fprintf(f, ", \"rate_c\": ");
        rnn_json_number(f, r->rate_c);
        fprintf(f, ", \"check_forward\": ");
        rnn_json_number(f, r->check_forward);
        fprintf(f, ", \"check_backward\": ");
        rnn_json_number(f, r->check_backward);
        fprintf(f, ", \"max_growth\": ");
        rnn_json_number(f, r->max_growth);
        fprintf(f, ",\n     \"norm_dh\": ");
        json_array(f, r->norm_h, r->T + 1);
        if (r->norm_c) {
            fprintf(f, ",\n     \"norm_dc\": ");
            json_array(f, r->norm_c, r->T + 1);
        }
        fprintf(f, "}%s\n", k + 1 < n ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    return 0;
}

/* ---- the plot ---- */

static const char *cell_color(rnn_cell c)
{
    switch (c) {
    case RNN_TANH: return "#d62728";
    case RNN_LSTM: return "#1f77b4";
    case RNN_GRU: return "#2ca02c";
    default: return "#9467bd";
    }
}

/* One multiplot, panels of up to three columns: log ||dL/dh|| against d,
 * one line per cell (lstm's ||dL/dc|| dashed), the 1e-6 line dotted. */
static void plot_body(FILE *f, const gf_settings *s, const double *rhos, size_t n_rho,
                      const rnn_cell *cells, size_t n_cell)
{
    size_t cols = n_rho < 3 ? n_rho : 3, rows = (n_rho + cols - 1) / cols;
    fprintf(f, "set multiplot layout %zu,%zu title \"gradient flow: ||dL/dh_t|| for a unit "
               "gradient on h_T (H %lld, T %lld, %s)\"\n",
            rows, cols, (long long)s->H, (long long)s->T, s->backend);
    for (size_t k = 0; k < n_rho; k++) {
        fprintf(f, "set title \"rho = %g\"\n", rhos[k]);
        fprintf(f, "plot ");
        for (size_t c = 0; c < n_cell; c++) {
            const char *name = rnn_cell_name(cells[c]);
            /* Both GRUs nearly coincide here (zero biases): lbr_gru dashed. */
            fprintf(f,
                    "'gradflow.tsv' using 3:((strcol(1) eq \"%s\" && $2 == %.9g && $5 > 0) ? $5 "
                    ": 1/0) with lines lw 2 dt %d lc rgb \"%s\" title \"%s\" noenhanced, ",
                    name, rhos[k], cells[c] == RNN_LBR_GRU ? 4 : 1, cell_color(cells[c]), name);
            if (cells[c] == RNN_LSTM)
                fprintf(f,
                        "'gradflow.tsv' using 3:((strcol(1) eq \"lstm\" && $2 == %.9g && $6 > "
                        "0) ? $6 : 1/0) with lines lw 1.5 dt 2 lc rgb \"%s\" title "
                        "\"lstm ||dL/dc||\" noenhanced, ",
                        rhos[k], cell_color(cells[c]));
        }
        fprintf(f, "1e-6 with lines dt 3 lc rgb \"#777777\" title \"1e-6\"\n");
    }
    fprintf(f, "unset multiplot\n");
}

int gf_write_gp(rnn_atomic_set *set, const char *dir, const gf_settings *s, const double *rhos,
                size_t n_rho, const rnn_cell *cells, size_t n_cell)
{
    FILE *f = open_out(set, dir, "gradflow.gp");
    if (!f)
        return -1;
    size_t cols = n_rho < 3 ? n_rho : 3, rows = (n_rho + cols - 1) / cols;
    unsigned w = (unsigned)(460 * cols), h = (unsigned)(360 * rows + 40);
    fprintf(f, "# gradflow.gp — written by rnnsimd gradflow; run in this directory:\n"
                 "#   gnuplot gradflow.gp   (reads gradflow.tsv, writes gradflow.svg and "
                 "gradflow.png)\n"
                 "set datafile separator \"\\t\"\n"
                 "set datafile missing \"nan\"\n"
                 "set logscale y\n"
                 "set format y \"10^{%%L}\"\n"
                 "set yrange [1e-32:*]\n"
                 "set xrange [0:%lld]\n"
                 "set xlabel \"distance from the end, d = T - t\"\n"
                 "set ylabel \"||dL/dh_t||\"\n"
                 "set grid\n"
                 "set key bottom left font \",9\"\n",
            (long long)s->T);
    /* The outputs' names can be given (gnuplot -e): rnnsimd gradflow has
     * gnuplot write temporary files and renames them into place. */
    fprintf(f, "if (!exists(\"out_svg\")) out_svg = \"gradflow.svg\"\n"
                 "if (!exists(\"out_png\")) out_png = \"gradflow.png\"\n");
    const char *terms[2][2] = {{"svg size %u,%u dynamic font \"sans,11\"", "out_svg"},
                               {"pngcairo size %u,%u font \"sans,10\"", "out_png"}};
    for (int t = 0; t < 2; t++) {
        fprintf(f, "set terminal ");
        fprintf(f, terms[t][0], w, h);
        fprintf(f, "\nset output %s\n", terms[t][1]);
        plot_body(f, s, rhos, n_rho, cells, n_cell);
        fprintf(f, "set output\n");
    }
    return 0;
}

/* Runs gnuplot on DIR/gradflow.gp with DEFS; *status gets its wait status.
 * SIGCHLD is at its default meanwhile: a parent that ignores it passes that on
 * through exec, the kernel then reaps gnuplot itself, and waitpid could only
 * fail with ECHILD, the plot's outcome lost. Returns 0, or -1 with a message. */
static int run_gnuplot(const char *dir, const char *defs, int *status)
{
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, &old);
    int rc = 0;
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rnnsimd gradflow: cannot start gnuplot: %s\n", strerror(errno));
        rc = -1;
    } else if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", "-e", defs, "gradflow.gp", (char *)NULL);
        _exit(errno == ENOENT ? 127 : 126);
    } else {
        while (waitpid(pid, status, 0) < 0)
            if (errno != EINTR) {
                fprintf(stderr, "rnnsimd gradflow: waiting for gnuplot: %s\n", strerror(errno));
                rc = -1;
                break;
            }
    }
    sigaction(SIGCHLD, &old, NULL);
    return rc;
}

int gf_plot(const char *dir)
{
    char defs[192], tmp[2][64];
    snprintf(tmp[0], sizeof tmp[0], "gradflow.svg.tmp-%ld", (long)getpid());
    snprintf(tmp[1], sizeof tmp[1], "gradflow.png.tmp-%ld", (long)getpid());
    snprintf(defs, sizeof defs, "out_svg='%s'; out_png='%s'", tmp[0], tmp[1]);
    fflush(stdout);
    fflush(stderr);
    int status = 0;
    const int waited = run_gnuplot(dir, defs, &status) == 0;
    /* gnuplot's outputs into place, whole, or not at all. */
    const char *final[2] = {"gradflow.svg", "gradflow.png"};
    const int plotted = waited && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    for (int t = 0; t < 2; t++) {
        char from[4200], to[4200];
        snprintf(from, sizeof from, "%s/%s", dir, tmp[t]);
        snprintf(to, sizeof to, "%s/%s", dir, final[t]);
        if (!plotted || rename(from, to) != 0)
            remove(from);
    }
    if (!waited)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fprintf(stderr, "rnnsimd gradflow: gnuplot not found on PATH (Debian: apt-get install "
                        "gnuplot-nox): skipped the plot; %s/gradflow.gp is ready for it\n",
                dir);
        return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "rnnsimd gradflow: gnuplot failed on %s/gradflow.gp (status %d)\n", dir,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}
