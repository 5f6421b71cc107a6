/* peak.c — FMA peak and read-bandwidth measurements: the timing around the
 * probes of each kernel table (entries.inc's probe_fma and probe_read: 12-16
 * independent FMA chains, and reads summed into 8-12 accumulators, so loads,
 * not the adds, bound them), reached through dispatch, which checks the CPU
 * first. */
#include "peak.h"

#include <stdlib.h>
#include <time.h>
#include "kernels.h"

double bench_thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The table of isa, when this build and CPU run it. */
static const rnn_kernels *table_for(rnn_isa isa)
{
    const rnn_kernels *k = NULL;
    if (rnn_isa_resolve(isa, &isa, NULL) != RNN_OK || rnn_kernels_get(isa, &k, NULL) != RNN_OK)
        return NULL;
    return k;
}

double bench_read_bw_gbs(rnn_isa isa, size_t bytes, double seconds)
{
    const rnn_kernels *k = table_for(isa);
    if (!k)
        return 0.0;
    void (*const f)(const float *, size_t) = k->probe_read;
    /* Whole 512-byte blocks, so every probe's loop reads the whole buffer. */
    const size_t n = (bytes / 512 ? bytes / 512 : 1) * 128;
    float *buf = aligned_alloc(64, n * sizeof *buf);
    if (!buf)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)(i % 7) * 0.25f;
    /* Calibrate passes to the time asked for; the first pass also pulls the
     * buffer into the caches that hold it. */
    long passes = 1;
    double t = 0;
    while (passes < (1L << 30)) {
        double t0 = bench_thread_seconds();
        for (long r = 0; r < passes; r++)
            f(buf, n);
        t = bench_thread_seconds() - t0;
        if (t > 0.005)
            break;
        passes *= 4;
    }
    passes = (long)((double)passes * (seconds / 3.0) / (t > 0 ? t : 1e-3)) + 1;
    double best = 0;
    for (int k = 0; k < 3; k++) {
        double t0 = bench_thread_seconds();
        for (long r = 0; r < passes; r++)
            f(buf, n);
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
    if (!k)
        return 0.0;
    double (*const f)(long) = k->probe_fma;
    /* Calibrate the count to the time asked for, then keep the best run. */
    long n = 1000;
    double t = 0;
    while (n < (1L << 40)) {
        double t0 = bench_thread_seconds();
        f(n);
        t = bench_thread_seconds() - t0;
        if (t > 0.01)
            break;
        n *= 4;
    }
    n = (long)((double)n * (seconds / 3.0) / (t > 0 ? t : 1e-3)) + 1;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = bench_thread_seconds();
        double flops = f(n);
        double g = flops / (bench_thread_seconds() - t0) * 1e-9;
        best = g > best ? g : best;
    }
    return best;
}
