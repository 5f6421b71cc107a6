/* modes.c — see modes.h. */
#include <stdio.h>
#include <string.h>
#include "modes.h"

static const char *const names[CONF_MODE_COUNT] = {"threads1", "threads2", "unfused"};

const char *conf_mode_name(conf_mode m)
{
    return (unsigned)m < CONF_MODE_COUNT ? names[m] : "?";
}

const char *conf_mode_what(conf_mode m)
{
    switch (m) {
    case CONF_MODE_THREADS1:
        return "1 thread (the fused batch-1 step wherever it applies: "
               "rnn_plan_options.fused_step_always)";
    case CONF_MODE_THREADS2:
        return "2 threads (rnn_plan_options.threads 2: batch rows split from B = 4, hidden "
               "units below when H is a multiple of the panel width, else one thread; a "
               "stack's forward: a direction per thread, or its layers as a wavefront below "
               "B = 4)";
    case CONF_MODE_UNFUSED:
        return "1 thread, fused batch-1 step off (rnn_plan_options.no_fused_step; tables "
               "that have one)";
    default:
        return "?";
    }
}

int conf_mode_from_name(const char *name)
{
    for (int m = 0; m < CONF_MODE_COUNT; m++)
        if (strcmp(name, names[m]) == 0)
            return m;
    return -1;
}

int conf_mode_applies(conf_mode m, const rnn_kernels *k)
{
    return m != CONF_MODE_UNFUSED || (k && k->gemv_ride);
}

rnn_plan_options conf_mode_options(conf_mode m, rnn_isa isa)
{
    /* threads1 forces the fused step wherever it applies, so its path is
     * checked on every machine, whatever the planner would choose here
     * (docs/design.md §12); unfused forbids it. */
    rnn_plan_options o = {.isa = isa, .threads = m == CONF_MODE_THREADS2 ? 2 : 1,
                          .no_fused_step = m == CONF_MODE_UNFUSED,
                          .fused_step_always = m == CONF_MODE_THREADS1};
    return o;
}

int conf_bf16_usable(const rnn_kernels *k, char *why, size_t whylen)
{
    if (!k || !k->bf16_gemm_packed_nt) {
        snprintf(why, whylen, "no bf16 products in this table");
        return 0;
    }
    if (k->bf16_feature && !rnn_cpu_feature_usable(k->bf16_feature)) {
        snprintf(why, whylen, "this CPU lacks %s (or RNNSIMD_CPU_MASK hides it)",
                 k->bf16_feature);
        return 0;
    }
    return 1;
}

int conf_mode_applies_bf16(conf_mode m, const rnn_kernels *k)
{
    return m != CONF_MODE_UNFUSED || (k && k->bf16_gemv_ride);
}

rnn_plan_options conf_mode_options_bf16(conf_mode m, rnn_isa isa)
{
    rnn_plan_options o = conf_mode_options(m, isa);
    o.dtype = RNN_DTYPE_BF16;
    return o;
}
