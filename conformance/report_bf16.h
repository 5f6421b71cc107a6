/* report_bf16.h — the bf16 sections of the runner's report (report.c
 * prints them in their place). */
#ifndef CONF_REPORT_BF16_H
#define CONF_REPORT_BF16_H

#include <stdio.h>
#include "tally.h"

/* The bf16 sections of the summary (nothing when no bf16 case ran). */
void conf_report_bf16_print(const conf_report *r);
/* A table's bf16 summary as a JSON member (",\"bf16\": {...}"). */
void conf_report_bf16_json(FILE *f, const conf_isa_summary *s);

#endif
