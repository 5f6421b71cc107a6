/* gradflow_output.h — what `rnnsimd gradflow` writes: the terminal table,
 * gradflow.tsv (every norm), gradflow_summary.tsv (the table), gradflow.json
 * (both), and the plot (gradflow.gp run by gnuplot into .svg and .png). */
#ifndef RNNSIMD_GRADFLOW_OUTPUT_H
#define RNNSIMD_GRADFLOW_OUTPUT_H

#include <stdio.h>
#include "file_io.h"
#include "gradflow.h"

/* The subcommand itself (cmd_gradflow.c), for main.c's table. */
int cmd_gradflow(int argc, char **argv);

/* One (cell, rho) measurement. */
typedef struct {
    rnn_cell cell;
    double rho;
    double w_sigma_min, w_sigma_max; /* over every gate block of weight_hh */
    gf_result r;
} gf_run;

/* The run's settings, as printed and recorded. */
typedef struct {
    const char *backend; /* "reference" or the kernel table's name */
    int64_t H, I, T;
    uint64_t seed;
    double carry_bias, x_scale;
    const char *command; /* the command line, for the records */
} gf_settings;

void gf_print_header(FILE *f, const gf_settings *s);
void gf_print_row(FILE *f, const gf_run *run);
void gf_print_legend(FILE *f);

/* Each stages its file into set (file_io.h: the files appear together when
 * the caller commits the set) and returns 0, or -1 after a message naming
 * the file (errno kept). gf_write_gp writes the gnuplot script. */
int gf_write_tsv(rnn_atomic_set *set, const char *dir, const gf_run *runs, size_t n);
int gf_write_summary_tsv(rnn_atomic_set *set, const char *dir, const gf_run *runs, size_t n);
int gf_write_json(rnn_atomic_set *set, const char *dir, const gf_settings *s, const gf_run *runs,
                  size_t n);
int gf_write_gp(rnn_atomic_set *set, const char *dir, const gf_settings *s, const double *rhos,
                size_t n_rho, const rnn_cell *cells, size_t n_cell);

/* Runs gnuplot on dir/gradflow.gp (committed). Returns 0 when both images
 * were written, 1 when gnuplot is not installed (message printed, plot
 * skipped), -1 on another failure. */
int gf_plot(const char *dir);

#endif /* RNNSIMD_GRADFLOW_OUTPUT_H */
