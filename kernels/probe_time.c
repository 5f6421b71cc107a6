/* probe_time.c — how every machine probe is timed, for the benchmark's
 * start-up probes (bench/peak.c) and the planner's machine model
 * (core/cpu_model.c) alike: on the thread's CPU clock, so a probe that
 * the OS descheduled does not report a fraction of the core; the count
 * calibrated to runs of about seconds/3, then the best of three runs (the
 * best, since interference only ever slows a probe down). */
#include <time.h>
#include "kernels.h"

double rnn_probe_thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double rnn_probe_best_rate(double (*f)(long), double seconds)
{
    const double run = seconds / 3.0;
    long n = 256;
    double t = 0;
    while (n < (1L << 40)) {
        const double t0 = rnn_probe_thread_seconds();
        if (f(n) <= 0)
            return 0.0;
        t = rnn_probe_thread_seconds() - t0;
        if (t > run / 4.0)
            break;
        n *= 4;
    }
    n = (long)((double)n * run / (t > 0 ? t : run)) + 1;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        const double t0 = rnn_probe_thread_seconds();
        const double work = f(n);
        const double e = rnn_probe_thread_seconds() - t0;
        if (e > 0 && work / e > best)
            best = work / e;
    }
    return best;
}
