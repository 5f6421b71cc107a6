/* cpu_model.c — the machine model of the ESTIMATE rules (cpu_model.h).
 *
 * Why a probe and not a table of CPU models: the width is what the FMA
 * units do, which cpuid does not say (Zen 4 and Zen 5 report the same
 * AVX-512 features), and a virtual machine may report any model name. The
 * two tables' probe_fma (entries.inc) run the same 12-16 independent
 * chains, so their peaks differ only by the vector width and the pipes. */
#include "cpu_model.h"
#include "drivers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Full width where the wider table's peak is at least this many times the
 * narrower's: the two classes measure 1.0 and 2.0 (bench/identity.c draws
 * the machine folder's fma512x1 / fma512x2 at the same line). */
#define FULL_RATIO 1.5
/* The probe: PAIRS rounds, each one run of the wide table's probe_fma and
 * one of the narrow's, of about RUN_S of thread CPU time each, and the
 * median of the rounds' ratios. Why paired rounds and a median: on a
 * shared VM the guest's CPU clock also runs while the hypervisor has the
 * vCPU elsewhere, so a single run can lose half its speed; a best-of-3 of
 * each table measured 1.58 and 2.96 for a true 2.0 under load, while a
 * disturbed round only moves the median by a rank. First both probes run
 * for a while unmeasured: a core may bring its wide units up only when
 * code first uses them. 5-13 ms of wall time on the Zen 5 VM under load. */
#define PAIRS 7
#define RUN_S 4e-4

/* probe_fma of table isa, or NULL if it cannot run here. */
static double (*fma_probe(rnn_isa isa))(long)
{
    const rnn_kernels *k = NULL;
    if (rnn_isa_check(isa, NULL) != RNN_OK || rnn_kernels_get(isa, &k, NULL) != RNN_OK)
        return NULL;
    return k->probe_fma;
}

/* Iterations of f for about RUN_S, and one run's flops a second. */
static long calibrate(double (*f)(long))
{
    long n = 64;
    for (;;) {
        const double t0 = rnn_probe_thread_seconds();
        f(n);
        const double t = rnn_probe_thread_seconds() - t0;
        if (t >= RUN_S / 4 || n > (1L << 30))
            return t > 0 ? (long)((double)n * RUN_S / t) + 1 : n;
        n *= 2;
    }
}

static double rate(double (*f)(long), long n)
{
    const double t0 = rnn_probe_thread_seconds();
    const double flops = f(n);
    const double t = rnn_probe_thread_seconds() - t0;
    return t > 0 ? flops / t : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static double ratio512; /* avx512 peak over avx2 peak; 0 unknown */
static rnn_fma_width forced = RNN_FMA_UNKNOWN;

static void probe(void)
{
    double (*const wide)(long) = fma_probe(RNN_ISA_AVX512);
    double (*const narrow)(long) = fma_probe(RNN_ISA_AVX2);
    if (!wide || !narrow)
        return;
    for (int i = 0; i < 3; i++)
        (void)calibrate(wide), (void)calibrate(narrow);
    const long nw = calibrate(wide), nn = calibrate(narrow);
    double r[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        const double a = rate(wide, nw), b = rate(narrow, nn);
        r[i] = b > 0 ? a / b : 0.0;
    }
    qsort(r, PAIRS, sizeof r[0], cmp_double);
    ratio512 = r[PAIRS / 2];
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

/* The read-gain probe's sizes, kept for the process. */
#define GAIN_SIZES 8
#define GAIN_PAIRS 7
#define GAIN_RUN_S 1e-3
static pthread_mutex_t gain_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t gain_bytes[GAIN_SIZES];
static double gain_value[GAIN_SIZES];
static size_t gain_n;
static double gain_forced;

/* Bytes a second of probe_read over buf's n floats, `passes` times. */
static double read_rate(const rnn_kernels *k, const float *buf, size_t n, long passes)
{
    const double t0 = rnn_probe_thread_seconds();
    k->probe_read(buf, n, passes);
    const double t = rnn_probe_thread_seconds() - t0;
    return t > 0 ? (double)n * sizeof(float) * (double)passes / t : 0.0;
}

static double probe_gain(const rnn_kernels *k, size_t bytes)
{
    const size_t n = bytes / sizeof(float);
    float *buf = rnn_alloc_floats(2 * n);
    if (!buf)
        return 0.0;
    for (size_t i = 0; i < 2 * n; i++)
        buf[i] = 1.0f;
    /* Passes for about GAIN_RUN_S of the one-buffer read, half as many of
     * the double one, after a warm-up of both. */
    long passes = 1;
    for (int w = 0; w < 2; w++) {
        (void)read_rate(k, buf, 2 * n, 2);
        const double r = read_rate(k, buf, n, 4);
        if (r > 0)
            passes = (long)(GAIN_RUN_S * r / (double)bytes) + 2;
    }
    double g[GAIN_PAIRS];
    for (int i = 0; i < GAIN_PAIRS; i++) {
        const double one = read_rate(k, buf, n, passes);
        const double two = read_rate(k, buf, 2 * n, (passes + 1) / 2);
        g[i] = one > 0 ? two / one : 0.0;
    }
    free(buf);
    qsort(g, GAIN_PAIRS, sizeof g[0], cmp_double);
    return g[GAIN_PAIRS / 2];
}

double rnn_cpu_read_gain(const rnn_kernels *k, size_t bytes)
{
    if (!k || !k->gemv_ride || !k->probe_read || !bytes)
        return 0.0;
    if (gain_forced > 0)
        return gain_forced;
    bytes = (bytes + 4095) / 4096 * 4096;
    pthread_mutex_lock(&gain_lock);
    double v = 0.0;
    size_t i = 0;
    while (i < gain_n && gain_bytes[i] != bytes)
        i++;
    if (i < gain_n) {
        v = gain_value[i];
    } else if (gain_n < GAIN_SIZES) {
        v = probe_gain(k, bytes);
        gain_bytes[gain_n] = bytes;
        gain_value[gain_n++] = v;
    }
    pthread_mutex_unlock(&gain_lock);
    return v;
}

void rnn_cpu_read_gain_force(double g)
{
    gain_forced = g;
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
