/* run_state.h — what the stages of an rnnsimd-conformance run share
 * (conformance/main.c runs them in order): the options and the selected
 * cases, the report, the tables, the golden file and the ratchet, the JSON
 * text and the progress line; and the stages themselves. */
#ifndef RNNSIMD_CONF_RUN_STATE_H
#define RNNSIMD_CONF_RUN_STATE_H

#include <stdio.h>
#include "golden.h"
#include "kernels.h"
#include "options.h"
#include "ratchet.h"
#include "regime.h"
#include "report.h"

#define PROG CONF_PROG

/* The progress line on stderr: rewritten in place on a terminal, else one
 * line per tenth of the runs. */
typedef struct {
    int tty;
    size_t total, done;
    int last_decile;
} conf_progress;
void conf_progress_show(conf_progress *pr, const char *line, const char *what);
void conf_progress_end(conf_progress *pr);

/* Everything the stages of a run share. */
typedef struct {
    conf_options o;
    conf_case given[CONF_MAX_CASES], cases[CONF_MAX_CASES];
    int case_quick[CONF_MAX_CASES];
    size_t ncases;
    int filtered; /* --cell or --topology narrowed the matrix */
    conf_report rep;
    const rnn_kernels *table_of[RNN_ISA_COUNT];
    conf_golden golden;
    int golden_loaded;
    conf_ratchet ratchet;
    int ratchet_loaded;
    char *json_text;
    size_t json_len;
    conf_regime_cache regimes;
    conf_progress pr;
} conf_run_state;

/* Before the cases (run_setup.c). Each returns 0 to go on, else the exit
 * status after its message (conf_print_plan: the table-mode runs a case
 * gets). */
int conf_check_outputs(const conf_options *o); /* --json, --write-*: writable */
int conf_select_cases(conf_run_state *r);      /* given cases or the matrix */
int conf_check_selection(const conf_run_state *r); /* an empty selection is an error */
int conf_choose_tables(conf_run_state *r);     /* the tables this CPU runs, --isa */
int conf_check_runs(const conf_run_state *r);  /* some table-mode run is selected */
int conf_load_expectations(conf_run_state *r); /* the golden file and the ratchet */
int conf_json_begin(conf_run_state *r);        /* the JSON report, in memory */
int conf_print_plan(const conf_run_state *r);

/* Case ci: the reference and its checks, then every table that runs
 * (run_case.c). */
void conf_run_case(conf_run_state *r, size_t ci);

#endif
