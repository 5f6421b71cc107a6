/* tally.h — what the conformance runner counts as cases run: per table and
 * mode the cases, passes, worst tolerance fraction and time; per table the
 * worst fraction of each tensor (for the ratchet) and the negative
 * controls; the bf16 runs apart, with each bf16 case's end-to-end row; and
 * the run's totals. report.c and report_bf16.c print what it holds. */
#ifndef CONF_TALLY_H
#define CONF_TALLY_H

#include <stdio.h>
#include "kernel_check.h"
#include "modes.h"

#define CONF_MAX_TENSOR_NAMES 48

typedef struct {
    int run;              /* the mode ran on this table */
    int cases, passed;
    double worst_frac;
    char worst_case[CONF_CASE_LINE_MAX];
    const char *worst_tensor;
    int same_bits;        /* cases whose outputs had the threads1 run's bits */
    double seconds;
} conf_mode_summary;

typedef struct {
    rnn_isa isa;
    int run;             /* 0: skipped */
    char reason[160];    /* why skipped */
    conf_mode_summary mode[CONF_MODE_COUNT];
    /* Worst fraction per tensor (index into conf_report.tensor) over every
     * case and mode, and over the quick subset's cases; < 0: not measured. */
    double tensor_worst[CONF_MAX_TENSOR_NAMES];
    double tensor_worst_quick[CONF_MAX_TENSOR_NAMES];
    /* Their ratchet budgets, once judged (NAN: none). */
    double budget[CONF_MAX_TENSOR_NAMES], budget_quick[CONF_MAX_TENSOR_NAMES];
    int controls_applied, controls_caught, controls_na;
    double seconds;
    /* bf16 cases (conf_report_bf16_result): their runs against the bf16 reference
     * under the bf16 tolerance, apart from the float32 ones (and from the
     * ratchet); runs not made because the table has no usable bf16, and
     * why; and on x86, runs whose bits were compared with another table's
     * (generic and avx512 agree by contract) and how many agreed. */
    conf_mode_summary bf16[CONF_MODE_COUNT];
    int bf16_skipped;
    char bf16_why[96];
    int bf16_bits_compared, bf16_bits_same;
} conf_isa_summary;

/* One bf16 case's plan against the float32 reference: ||got - ref|| / ||ref||
 * of h, logits, loss and the worst gradient (the data type's cost). */
typedef struct {
    char line[CONF_CASE_LINE_MAX];
    rnn_isa isa;
    double h, logits, loss, grad;
    const char *grad_tensor;
} conf_e2e_row;

typedef struct {
    int nisa;
    conf_isa_summary isa[RNN_ISA_COUNT];
    unsigned modes;      /* the modes selected (bit per conf_mode) */
    int ntensor;
    const char *tensor[CONF_MAX_TENSOR_NAMES];
    int passed, failed;
    int golden_ok, golden_missing, golden_mismatch;
    int kernels_checked, kernels_mismatch; /* runs judged by the kernels= hash, and failed */
    int regimes_ok, regimes_bad;
    int hash_controls, hash_controls_caught;
    int wide_cases, wide_bad; /* head=wide cases, and those whose logits spanned too little */
    double wide_min_span;     /* the narrowest scored row's max - min over those cases */
    /* The ratchet: which selections were judged (or written) and how. */
    int ratchet_full, ratchet_quick;
    int ratchet_checked, ratchet_over, ratchet_under, ratchet_missing;
    double ref_seconds;
    int bf16_cases;
    conf_e2e_row *e2e;   /* one row per bf16 case that ran (conf_report_bf16_e2e) */
    int ne2e, e2e_cap;
    FILE *json;          /* NULL: no JSON */
    int json_cases;      /* cases written so far */
} conf_report;

/* Initialises the per-tensor worst fractions (call once before any case). */
void conf_report_init(conf_report *r);
/* One run of table s in mode ms (float32's or bf16's summary): counts,
 * time, the worst fraction with its case line, the negative controls. */
void conf_report_mode_add(conf_isa_summary *s, conf_mode_summary *ms, const char *line,
                          const conf_isa_result *res);
/* One case on one table in one mode (quick: the case is in the quick subset). */
void conf_report_isa_result(conf_report *r, conf_isa_summary *s, conf_mode m, const char *line,
                            int quick, const conf_isa_result *res);

/* bf16 cases: one on one table in one mode, counted apart from the
 * float32 runs (and from the ratchet). */
void conf_report_bf16_result(conf_report *r, conf_isa_summary *s, conf_mode m, const char *line,
                             const conf_isa_result *res);
/* The case's end-to-end row, from a run that has res->e2e. */
void conf_report_bf16_e2e(conf_report *r, const char *line, rnn_isa isa,
                          const conf_isa_result *res);
/* Frees the end-to-end rows. */
void conf_report_bf16_free(conf_report *r);

#endif
