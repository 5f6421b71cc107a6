/* peak.c — the machine model's measurements: the timing around the probes
 * of each kernel table (entries.inc's probe_fma, probe_bf16dot and
 * probe_read: 12-16 independent FMA or dot-product chains, and reads summed
 * into 8-12 accumulators, so loads, not the adds, bound them), reached
 * through dispatch, which checks the CPU first; and the core clock, from
 * rnn_probe_clock_adds's chain of one-cycle adds on the same thread clock,
 * so FMAs a cycle is a ratio of two measurements, not of a measurement and
 * a nominal frequency. */
#include "peak.h"

#include <stdio.h>
#include <stdlib.h>
#include "kernels.h"

double bench_thread_seconds(void)
{
    return rnn_probe_thread_seconds();
}

/* The table of isa, when this build and CPU run it. */
static const rnn_kernels *table_for(rnn_isa isa)
{
    const rnn_kernels *k = NULL;
    if (rnn_isa_resolve(isa, &isa, NULL) != RNN_OK || rnn_kernels_get(isa, &k, NULL) != RNN_OK)
        return NULL;
    return k;
}

const size_t bench_bw_kib[BENCH_BW_SIZES] = {256, 1024, 4096, 16384, 65536};

void bench_bw_key(char *key, size_t len, size_t kib)
{
    if (kib % 1024)
        snprintf(key, len, "read_bw_GBps_%zuKiB", kib);
    else
        snprintf(key, len, "read_bw_GBps_%zuMiB", kib / 1024);
}

double bench_read_bw_gbs(rnn_isa isa, size_t bytes, double seconds)
{
    const rnn_kernels *k = table_for(isa);
    if (!k)
        return 0.0;
    void (*const f)(const float *, size_t, long) = k->probe_read;
    /* Whole 512-byte blocks, so every probe's loop reads the whole buffer. */
    const size_t n = (bytes / 512 ? bytes / 512 : 1) * 128;
    float *buf = aligned_alloc(64, n * sizeof *buf);
    if (!buf)
        return -1.0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)(i % 7) * 0.25f;
    /* Calibrate passes to the time asked for; the first pass also pulls the
     * buffer into the caches that hold it. */
    long passes = 1;
    double t = 0;
    while (passes < (1L << 30)) {
        double t0 = bench_thread_seconds();
        f(buf, n, passes);
        t = bench_thread_seconds() - t0;
        if (t > 0.005)
            break;
        passes *= 4;
    }
    passes = (long)((double)passes * (seconds / 3.0) / (t > 0 ? t : 1e-3)) + 1;
    double best = 0;
    for (int k = 0; k < 3; k++) {
        double t0 = bench_thread_seconds();
        f(buf, n, passes);
        double g = (double)passes * (double)(n * sizeof *buf) /
                   (bench_thread_seconds() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    free(buf);
    return best;
}

double bench_peak_gflops(rnn_isa isa, double seconds)
{
    const rnn_kernels *k = table_for(isa);
    return k ? rnn_probe_best_rate(k->probe_fma, seconds) * 1e-9 : 0.0;
}

const char *bench_bf16dot_why(rnn_isa isa)
{
    static _Thread_local char why[96];
    const rnn_kernels *k = table_for(isa);
    if (!k || !k->probe_bf16dot) {
        snprintf(why, sizeof why, "the %s table has no bf16 dot-product probe",
                 rnn_isa_name(isa) ? rnn_isa_name(isa) : "?");
        return why;
    }
    if (rnn_cpu_feature_usable(BENCH_BF16DOT_FEATURE))
        return NULL;
    return rnn_cpu_feature_present(BENCH_BF16DOT_FEATURE)
               ? BENCH_BF16DOT_FEATURE " hidden by RNNSIMD_CPU_MASK"
               : "CPU lacks " BENCH_BF16DOT_FEATURE;
}

double bench_peak_bf16dot_gflops(rnn_isa isa, double seconds)
{
    /* The probe itself checks the CPU again and runs nothing without it. */
    return bench_bf16dot_why(isa) ? 0.0 : rnn_probe_best_rate(table_for(isa)->probe_bf16dot, seconds) * 1e-9;
}

double bench_clock_ghz(double seconds)
{
    return rnn_probe_best_rate(rnn_probe_clock_adds, seconds) * 1e-9;
}

unsigned bench_isa_lanes(rnn_isa isa)
{
    switch (isa) {
    case RNN_ISA_AVX2:
        return 8;
    case RNN_ISA_AVX512:
        return 16;
    default: /* generic (the baseline's 128-bit vectors) and neon */
        return 4;
    }
}

double bench_fma_per_cycle(rnn_isa isa, double gflops, double ghz)
{
    return gflops > 0 && ghz > 0 ? gflops / (2.0 * bench_isa_lanes(isa) * ghz) : 0.0;
}

int bench_fma_ports(double per_cycle)
{
    const int p = (int)(per_cycle + 0.5);
    return per_cycle > 0 ? (p < 1 ? 1 : p) : 0;
}
