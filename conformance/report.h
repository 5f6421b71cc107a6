/* report.h — what the runner tells: the per-ISA table (cases, passed, worst
 * tolerance fraction), the worst fraction per ISA and tensor, the measured
 * regimes, the negative controls, the oneDNN cross-check, the JSON report,
 * and the closing `N passed, N failed`. */
#ifndef CONF_REPORT_H
#define CONF_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "kernel_check.h"
#include "onednn_check.h"
#include "regime.h"

#define CONF_MAX_TENSOR_NAMES 48

typedef struct {
    rnn_isa isa;
    int run;             /* 0: skipped */
    char reason[160];    /* why skipped */
    int cases, passed;
    double worst_frac;
    char worst_case[CONF_CASE_LINE_MAX];
    const char *worst_tensor;
    double tensor_worst[CONF_MAX_TENSOR_NAMES];
    int controls_applied, controls_caught, controls_na;
    double seconds;
} conf_isa_summary;

typedef struct {
    int nisa;
    conf_isa_summary isa[RNN_ISA_COUNT];
    int ntensor;
    const char *tensor[CONF_MAX_TENSOR_NAMES];
    int passed, failed;
    int golden_ok, golden_missing, golden_mismatch;
    int regimes_ok, regimes_bad;
    int hash_controls, hash_controls_caught;
    double ref_seconds;
    FILE *json;          /* NULL: no JSON */
    int json_cases;      /* cases written so far */
} conf_report;

void conf_report_isa_result(conf_report *r, conf_isa_summary *s, const char *line,
                            const conf_isa_result *res);
/* Prints everything after the cases, and closes the JSON. */
void conf_report_finish(conf_report *r, const conf_regime_cache *regimes,
                        const conf_onednn_result *dn, int ndn, double seconds);

/* JSON helpers for the runner's per-case records. */
void conf_json_string(FILE *f, const char *s);
void conf_json_number(FILE *f, double v);

#endif
