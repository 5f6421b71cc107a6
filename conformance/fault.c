/* fault.c — see fault.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "fault.h"

static const char *const kind_names[] = {"", "tolerance", "forward-only", "determinism", "bits",
                                         "onednn"};
#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

static conf_fault_kind kind;
static int where_isa = -1; /* a table, or -1 for all */
static int where_unfused;  /* only plans with no_fused_step */
static char where_onednn[64] = "dst_layer"; /* the compare onednn moves */
static int onednn_where_set, onednn_plants;

int conf_fault_init(char *err, size_t errlen)
{
    kind = CONF_FAULT_NONE;
    where_isa = -1;
    where_unfused = 0;
    snprintf(where_onednn, sizeof where_onednn, "dst_layer");
    onednn_where_set = onednn_plants = 0;
    const char *v = getenv("RNNSIMD_CONF_FAULT");
    if (!v || !*v)
        return 0;
    const char *at = strchr(v, '@');
    const size_t klen = at ? (size_t)(at - v) : strlen(v);
    for (size_t k = 1; k < N_KINDS; k++)
        if (strlen(kind_names[k]) == klen && !strncmp(v, kind_names[k], klen))
            kind = (conf_fault_kind)k;
    if (kind == CONF_FAULT_NONE) {
        char kinds[96] = "";
        for (size_t k = 1; k < N_KINDS; k++)
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s", k > 1 ? ", " : "",
                     kind_names[k]);
        snprintf(err, errlen, "RNNSIMD_CONF_FAULT=%s: %.*s is not a fault this runner plants (%s)",
                 v, (int)klen, v, kinds);
        return -1;
    }
    if (!at)
        return 0;
    const char *w = at + 1;
    if (kind == CONF_FAULT_ONEDNN) {
        if (!*w || strlen(w) >= sizeof where_onednn) {
            snprintf(err, errlen, "RNNSIMD_CONF_FAULT=%s: onednn@ wants a compare's name (1 to "
                     "%zu characters, as a failure names it: 'diff_bias (as b_hh)')", v,
                     sizeof where_onednn - 1);
            kind = CONF_FAULT_NONE;
            return -1;
        }
        snprintf(where_onednn, sizeof where_onednn, "%s", w);
        onednn_where_set = 1;
        return 0;
    }
    if (!strcmp(w, "unfused")) {
        where_unfused = 1;
        return 0;
    }
    for (int i = 0; i < RNN_ISA_COUNT; i++)
        if (i != RNN_ISA_AUTO && !strcmp(w, rnn_isa_name((rnn_isa)i)))
            where_isa = i;
    if (where_isa < 0) {
        snprintf(err, errlen, "RNNSIMD_CONF_FAULT=%s: @%s is neither a table (%s) nor unfused", v,
                 w, opt_isa_list(", "));
        kind = CONF_FAULT_NONE;
        return -1;
    }
    return 0;
}

conf_fault_kind conf_fault_planted(void)
{
    return kind;
}

static void flip_low_bit(float *f)
{
    unsigned u;
    memcpy(&u, f, sizeof u);
    u ^= 1u;
    memcpy(f, &u, sizeof u);
}

void conf_fault_plant_run(const rnn_plan_options *opt, int run, float *h, size_t n)
{
    if (kind == CONF_FAULT_NONE || kind == CONF_FAULT_ONEDNN || !n)
        return;
    if ((where_isa >= 0 && (int)opt->isa != where_isa) || (where_unfused && !opt->no_fused_step))
        return;
    float *last = &h[n - 1];
    switch (kind) {
    case CONF_FAULT_TOLERANCE:
        if (run < 2)
            *last += 1.0f;
        break;
    case CONF_FAULT_FORWARD_ONLY:
        if (run == 2)
            *last += 1.0f;
        break;
    case CONF_FAULT_DETERMINISM:
        if (run == 1)
            flip_low_bit(last);
        break;
    case CONF_FAULT_BITS:
        flip_low_bit(last);
        break;
    default:
        break;
    }
}

int conf_fault_onednn_hits(const char *name)
{
    if (kind != CONF_FAULT_ONEDNN || strcmp(name, where_onednn))
        return 0;
    onednn_plants++;
    return 1;
}

const char *conf_fault_onednn_unplanted(void)
{
    return kind == CONF_FAULT_ONEDNN && onednn_where_set && !onednn_plants ? where_onednn : NULL;
}
