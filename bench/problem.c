/* problem.c — benchmark problems: names (and their inverse), sizes, FLOPs. */
#include "problem.h"

#include <errno.h>
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
        .L = p->L > 1 ? p->L : 0,
        .bidirectional = p->bidirectional ? 1 : 0,
    };
    return d;
}

int bench_problem_threads(const bench_problem *p)
{
    return p->threads > 1 ? p->threads : 1;
}

int64_t bench_problem_layers(const bench_problem *p)
{
    return p->L > 1 ? p->L : 1;
}

int bench_problem_dirs(const bench_problem *p)
{
    return p->bidirectional ? 2 : 1;
}

int bench_problem_stacked(const bench_problem *p)
{
    return bench_problem_layers(p) > 1 || bench_problem_dirs(p) > 1;
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
    const double G = rnn_cell_gates(p->cell), H = (double)p->H, B = (double)p->B;
    const double L = (double)bench_problem_layers(p), D = bench_problem_dirs(p);
    const double in = p->variant == BENCH_SEQ_NOPROJ ? 0.0 : (double)p->I;
    /* Input plus recurrent width summed over one step of every cell. */
    const double enc = D * (in + H) + (L - 1.0) * D * (D * H + H);
    double widths = enc * (double)p->T;
    if (p->topology == RNN_SEQ2SEQ && p->variant == BENCH_HEADED) /* the decoder: one direction */
        widths += ((double)p->I + H + (L - 1.0) * (H + H)) * (double)p->T_out;
    return train_factor(p) * 2.0 * B * widths * G * H;
}

double bench_head_flops(const bench_problem *p)
{
    const double width = p->topology == RNN_SEQ2SEQ ? (double)p->H
                                                    : (double)p->H * bench_problem_dirs(p);
    return train_factor(p) * 2.0 * (double)p->B * width * (double)p->V *
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
    char thr[24] = "", lay[32] = "";
    if (bench_problem_threads(p) > 1)
        snprintf(thr, sizeof thr, "threads:%d/", bench_problem_threads(p));
    if (bench_problem_layers(p) > 1)
        snprintf(lay, sizeof lay, "L:%lld/", (long long)bench_problem_layers(p));
    return snprintf(buf, n, "%s/%s/%s/T:%lld/B:%lld/I:%lld/H:%lld/%s%s%s%s%s%s%s",
                    rnn_cell_name(p->cell), rnn_topology_name(p->topology), impl,
                    (long long)p->T, (long long)p->B, (long long)p->I, (long long)p->H, lay,
                    bench_problem_dirs(p) > 1 ? "bi/" : "", thr,
                    p->dtype == RNN_DTYPE_BF16 ? "bf16/" : "", bench_mode_name(p->mode),
                    *var ? "/" : "", var);
}

/* "KEY:123" -> 123; -1 if the segment is not that key with a positive number
 * in canonical form (no sign, no leading zero), so that a parsed name prints
 * back as itself. */
static int64_t keyed(const char *seg, const char *key)
{
    const size_t k = strlen(key);
    if (strncmp(seg, key, k) || seg[k] != ':' || seg[k + 1] < '1' || seg[k + 1] > '9')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(seg + k + 1, &end, 10);
    return *end == '\0' && errno == 0 && v > 0 ? (int64_t)v : -1;
}

int bench_problem_parse(const char *name, bench_problem *p, char *impl, size_t impl_n)
{
    char tmp[256], *seg[14];
    int nseg = 0;
    if (strlen(name) >= sizeof tmp)
        return -1;
    strcpy(tmp, name);
    for (char *s = tmp, *slash; nseg < 14; s = slash + 1) {
        seg[nseg++] = s;
        if (!(slash = strchr(s, '/')))
            break;
        *slash = '\0';
    }
    if (nseg < 8 || nseg > 13)
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
    p->T = keyed(seg[3], "T");
    p->B = keyed(seg[4], "B");
    p->I = keyed(seg[5], "I");
    p->H = keyed(seg[6], "H");
    if (p->T < 0 || p->B < 0 || p->I < 0 || p->H < 0)
        return -1;
    int m = 7;
    p->threads = 1;
    p->L = 1;
    if (!strncmp(seg[m], "L:", 2)) {
        /* L:1 is never written, like threads:1. */
        int64_t L = keyed(seg[m], "L");
        if (L < 2 || L > RNN_MAX_LAYERS)
            return -1;
        p->L = L;
        m++;
    }
    if (nseg > m && !strcmp(seg[m], "bi")) {
        p->bidirectional = 1;
        m++;
    }
    if (nseg > m && !strncmp(seg[m], "threads:", 8)) {
        /* threads:1 is never written: accepting it would give one row two names. */
        int64_t t = keyed(seg[m], "threads");
        if (t < 2 || t > 1024)
            return -1;
        p->threads = (int)t;
        m++;
    }
    if (nseg > m && !strcmp(seg[m], "bf16")) {
        /* float32 is never written (no "f32" segment): one row, one name. */
        p->dtype = RNN_DTYPE_BF16;
        m++;
    }
    if (nseg <= m)
        return -1;
    if (!strcmp(seg[m], "fwd"))
        p->mode = BENCH_FWD;
    else if (!strcmp(seg[m], "train"))
        p->mode = BENCH_TRAIN;
    else
        return -1;
    p->variant = BENCH_HEADED;
    if (nseg == m + 2) {
        if (!strcmp(seg[m + 1], "seq"))
            p->variant = BENCH_SEQ;
        else if (!strcmp(seg[m + 1], "seq_noproj"))
            p->variant = BENCH_SEQ_NOPROJ;
        else
            return -1;
        if (p->topology != RNN_MANY2MANY)
            return -1;
    } else if (nseg != m + 1) {
        return -1;
    }
    p->T_out = p->topology == RNN_SEQ2SEQ ? p->T : 0;
    p->V = BENCH_V;
    return 0;
}

size_t bench_forward_products(const bench_problem *p, bench_product out[3])
{
    const size_t G = (size_t)rnn_cell_gates(p->cell);
    const size_t T = (size_t)p->T, B = (size_t)p->B, I = (size_t)p->I, H = (size_t)p->H;
    size_t n = 0;
    out[n++] = (bench_product){T * B, G * H, I, 1};
    if (p->cell == RNN_GRU) {
        out[n++] = (bench_product){B, 2 * H, H, T - 1};
        out[n++] = (bench_product){B, H, H, T - 1};
    } else {
        out[n++] = (bench_product){B, G * H, H, T - 1};
    }
    return n;
}
