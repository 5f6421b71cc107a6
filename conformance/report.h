/* report.h — what the runner tells from its tally (tally.h): the per-table
 * and per-mode table (cases, passed, worst tolerance fraction), which modes ran and whether they agree
 * bit for bit, the worst fraction per table and tensor against the ratchet's
 * budgets, the measured regimes and wide heads, the negative controls, the
 * oneDNN cross-check, the JSON report, and the closing `N passed, N failed`. */
#ifndef CONF_REPORT_H
#define CONF_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "tally.h"
#include "onednn_check.h"
#include "ratchet.h"
#include "regime.h"
#include "json.h"

/* Judges the worst fractions against rt's budgets for the selections
 * r->ratchet_full / r->ratchet_quick ask for: every table that ran must have
 * a budget for every tensor it measured; a fraction above its budget or a
 * missing budget is a failure, printed with what to do. */
void conf_report_ratchet(conf_report *r, const conf_ratchet *rt, const char *path);
/* Replaces rt's entries of the tables that ran (for those selections) by
 * this run's worst fractions; prints what changed. */
void conf_report_update_ratchet(const conf_report *r, conf_ratchet *rt);

/* Prints everything after the cases, and ends the JSON (r->json stays open). */
void conf_report_finish(conf_report *r, const conf_regime_cache *regimes,
                        const conf_onednn_result *dn, int ndn, double seconds);

#endif
