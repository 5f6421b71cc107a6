/* problem.c — benchmark problems: names (and their inverse), sizes, FLOPs. */
#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rnn_desc bench_problem_desc(const bench_problem *p)
{
    rnn_desc d = {
        .cell = p->cell,
        .topology = p->topology,
        .T = p->T,
        .T_out = p->topology == RNN_SEQ2SEQ ? p->T_out : 0,
        .B = p->B,
        .I = p->I,
        .H = p->H,
        .V = p->V,
    };
    return d;
}

int64_t bench_problem_steps(const bench_problem *p)
{
    return p->T + (p->topology == RNN_SEQ2SEQ ? p->T_out : 0);
}

int64_t bench_problem_scored(const bench_problem *p)
{
    if (p->variant != BENCH_HEADED)
        return 0;
    switch (p->topology) {
    case RNN_ONE2ONE:
    case RNN_MANY2ONE: return 1;
    case RNN_SEQ2SEQ: return p->T_out;
    default: return p->T;
    }
}

static double train_factor(const bench_problem *p)
{
    return p->mode == BENCH_TRAIN ? 3.0 : 1.0;
}

double bench_cell_flops(const bench_problem *p)
{
    double G = rnn_cell_gates(p->cell), H = (double)p->H, B = (double)p->B;
    double in = p->variant == BENCH_SEQ_NOPROJ ? 0.0 : (double)p->I;
    return train_factor(p) * 2.0 * B * (in + H) * G * H * (double)bench_problem_steps(p);
}

double bench_head_flops(const bench_problem *p)
{
    return train_factor(p) * 2.0 * (double)p->B * (double)p->H * (double)p->V *
           (double)bench_problem_scored(p);
}

double bench_total_flops(const bench_problem *p)
{
    return bench_cell_flops(p) + bench_head_flops(p);
}

const char *bench_mode_name(bench_mode m)
{
    return m == BENCH_TRAIN ? "train" : "fwd";
}

const char *bench_variant_name(bench_variant v)
{
    return v == BENCH_SEQ ? "seq" : v == BENCH_SEQ_NOPROJ ? "seq_noproj" : "";
}

int bench_problem_name(const bench_problem *p, const char *impl, char *buf, size_t n)
{
    const char *var = bench_variant_name(p->variant);
    return snprintf(buf, n, "%s/%s/%s/T:%lld/B:%lld/I:%lld/H:%lld/%s%s%s",
                    rnn_cell_name(p->cell), rnn_topology_name(p->topology), impl,
                    (long long)p->T, (long long)p->B, (long long)p->I, (long long)p->H,
                    bench_mode_name(p->mode), *var ? "/" : "", var);
}

/* "K:123" -> 123; -1 if the segment is not that key with a positive number. */
static int64_t keyed(const char *seg, char key)
{
    if (seg[0] != key || seg[1] != ':' || seg[2] < '0' || seg[2] > '9')
        return -1;
    char *end;
    long long v = strtoll(seg + 2, &end, 10);
    return *end == '\0' && v > 0 ? (int64_t)v : -1;
}

int bench_problem_parse(const char *name, bench_problem *p, char *impl, size_t impl_n)
{
    char tmp[256], *seg[10];
    int nseg = 0;
    if (strlen(name) >= sizeof tmp)
        return -1;
    strcpy(tmp, name);
    for (char *s = tmp, *slash; nseg < 10; s = slash + 1) {
        seg[nseg++] = s;
        if (!(slash = strchr(s, '/')))
            break;
        *slash = '\0';
    }
    if (nseg < 8 || nseg > 9)
        return -1;
    memset(p, 0, sizeof *p);
    if (rnn_cell_parse(seg[0], &p->cell) != RNN_OK ||
        rnn_topology_parse(seg[1], &p->topology) != RNN_OK)
        return -1;
    if (impl) {
        if (strlen(seg[2]) >= impl_n)
            return -1;
        strcpy(impl, seg[2]);
    }
    p->T = keyed(seg[3], 'T');
    p->B = keyed(seg[4], 'B');
    p->I = keyed(seg[5], 'I');
    p->H = keyed(seg[6], 'H');
    if (p->T < 0 || p->B < 0 || p->I < 0 || p->H < 0)
        return -1;
    if (!strcmp(seg[7], "fwd"))
        p->mode = BENCH_FWD;
    else if (!strcmp(seg[7], "train"))
        p->mode = BENCH_TRAIN;
    else
        return -1;
    p->variant = BENCH_HEADED;
    if (nseg == 9) {
        if (!strcmp(seg[8], "seq"))
            p->variant = BENCH_SEQ;
        else if (!strcmp(seg[8], "seq_noproj"))
            p->variant = BENCH_SEQ_NOPROJ;
        else
            return -1;
        if (p->topology != RNN_MANY2MANY)
            return -1;
    }
    p->T_out = p->topology == RNN_SEQ2SEQ ? p->T : 0;
    p->V = BENCH_V;
    return 0;
}
