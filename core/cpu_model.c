/* cpu_model.c — the machine model of the ESTIMATE rules (cpu_model.h).
 *
 * Why a probe and not a table of CPU models: the width is what the FMA
 * units do, which cpuid does not say (Zen 4 and Zen 5 report the same
 * AVX-512 features), and a virtual machine may report any model name. The
 * two tables' probe_fma (entries.inc) run the same 12-16 independent
 * chains, so their peaks differ only by the vector width and the pipes. */
#include "cpu_model.h"

#include <pthread.h>
#include <stdio.h>

/* Full width where the wider table's peak is at least this many times the
 * narrower's: the two classes measure 1.0 and 2.0 (bench/identity.c draws
 * the machine folder's fma512x1 / fma512x2 at the same line). */
#define FULL_RATIO 1.5
/* What the probe may spend per table: three runs of 0.2 ms after a
 * calibration (thread CPU time). */
#define PROBE_S 6e-4

/* GFLOP/s of table isa's probe_fma; 0 if it cannot run. */
static double peak(rnn_isa isa)
{
    const rnn_kernels *k = NULL;
    if (rnn_isa_check(isa, NULL) != RNN_OK || rnn_kernels_get(isa, &k, NULL) != RNN_OK ||
        !k->probe_fma)
        return 0.0;
    return rnn_probe_best_rate(k->probe_fma, PROBE_S) * 1e-9;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static double ratio512; /* avx512 peak over avx2 peak; 0 unknown */
static rnn_fma_width forced = RNN_FMA_UNKNOWN;

static void probe(void)
{
    const double wide = peak(RNN_ISA_AVX512), narrow = wide > 0 ? peak(RNN_ISA_AVX2) : 0.0;
    ratio512 = narrow > 0 ? wide / narrow : 0.0;
}

double rnn_cpu_fma_ratio(const rnn_kernels *k)
{
    if (!k || k->isa != RNN_ISA_AVX512)
        return 0.0;
    pthread_once(&once, probe);
    return ratio512;
}

rnn_fma_width rnn_cpu_fma_width(const rnn_kernels *k)
{
    if (!k || k->isa != RNN_ISA_AVX512)
        return RNN_FMA_UNKNOWN;
    if (forced != RNN_FMA_UNKNOWN)
        return forced;
    const double r = rnn_cpu_fma_ratio(k);
    return r <= 0 ? RNN_FMA_UNKNOWN : r >= FULL_RATIO ? RNN_FMA_FULL : RNN_FMA_SPLIT;
}

void rnn_cpu_fma_width_force(rnn_fma_width w)
{
    forced = w;
}

const char *rnn_fma_width_name(rnn_fma_width w)
{
    return w == RNN_FMA_FULL ? "full" : w == RNN_FMA_SPLIT ? "split" : "unknown";
}

rnn_status rnn_machine_describe(rnn_isa isa, char *buf, size_t n)
{
    if (!buf)
        return RNN_ERR_NULL;
    if (n)
        buf[0] = '\0';
    const rnn_kernels *k = NULL;
    const rnn_status st = rnn_kernels_get(isa, &k, NULL);
    if (st != RNN_OK)
        return st;
    rnn_cpu_caches c;
    rnn_cpu_caches_get(&c);
    /* Only a table with the fused step asks the model (as tune.c does). */
    const rnn_fma_width w = k->gemv_ride ? rnn_cpu_fma_width(k) : RNN_FMA_UNKNOWN;
    const double r = k->gemv_ride ? rnn_cpu_fma_ratio(k) : 0.0;
    const int len = snprintf(buf, n, "isa=%s l2_bytes=%zu fma=%s fma_ratio=%.2f", k->name, c.l2,
                             rnn_fma_width_name(w), r);
    return len < 0 || (size_t)len >= n ? RNN_ERR_SIZE : RNN_OK;
}
