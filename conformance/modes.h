/* modes.h — the ways the runner drives each kernel table: every table at one
 * thread and at two threads, and a table with a fused batch-1 step (the
 * kernel table's gemv_ride) also with that step turned off, so each path a
 * plan can take is compared with the reference. Every mode runs by default. */
#ifndef CONF_MODES_H
#define CONF_MODES_H

#include "kernels.h"

typedef enum {
    CONF_MODE_THREADS1 = 0, /* threads 1, fused_step_always 1 (the fused step wherever it applies) */
    CONF_MODE_THREADS2,     /* threads 2: batch rows split from B = 4, hidden units below */
    CONF_MODE_UNFUSED,      /* threads 1 and no_fused_step 1 (tables with gemv_ride only) */
    CONF_MODE_COUNT
} conf_mode;

/* "threads1", "threads2", "unfused". */
const char *conf_mode_name(conf_mode m);
/* One line for the report: what the mode sets. */
const char *conf_mode_what(conf_mode m);
/* The mode named name ("threads1", ...), or -1. */
int conf_mode_from_name(const char *name);
/* Whether mode m means anything on table k (unfused: only with a fused step). */
int conf_mode_applies(conf_mode m, const rnn_kernels *k);
/* The plan options of mode m on table isa. */
rnn_plan_options conf_mode_options(conf_mode m, rnn_isa isa);

/* ---- bf16 cases (case.h's bf16 field) ----
 * Whether table k can run a bf16 plan here: it has bf16 products
 * (bf16_gemm_packed_nt) and their CPU feature (bf16_feature) is usable.
 * When not, why says so (a skip, counted, never a failure). */
int conf_bf16_usable(const rnn_kernels *k, char *why, size_t whylen);
/* Whether mode m means anything for a bf16 case on table k (unfused: only
 * with bf16_gemv_ride, the bf16 plans' fused step). */
int conf_mode_applies_bf16(conf_mode m, const rnn_kernels *k);
/* The plan options of mode m for a bf16 case: m's, with dtype bf16. */
rnn_plan_options conf_mode_options_bf16(conf_mode m, rnn_isa isa);

#endif
