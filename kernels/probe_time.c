/* probe_time.c — how every machine probe is timed, for the benchmark's
 * start-up probes (bench/peak.c) and the planner's machine model
 * (core/cpu_model.c) alike: on the thread's CPU clock, so a probe that
 * the OS descheduled does not report a fraction of the core; the count
 * calibrated to runs of about seconds/3, then the best of three runs (the
 * best, since interference only ever slows a probe down).
 *
 * Invariant: a probe ends. The calibration also watches the wall clock and
 * stops growing the count once a run has taken twice its share of wall
 * time, so a thread clock that does not advance (an emulator, a sandbox)
 * gives a rate of 0 (unknown) in a few runs' time instead of 2^40 calls. */
#include <time.h>
#include "kernels.h"

static int clock_seconds(clockid_t id, double *s)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return -1;
    *s = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    return 0;
}

/* The thread's CPU time; where the system has no such clock, monotonic
 * wall time (the same clock on every call of a process, so differences
 * stay meaningful). */
double rnn_probe_thread_seconds(void)
{
    double s;
    if (clock_seconds(CLOCK_THREAD_CPUTIME_ID, &s) == 0 || clock_seconds(CLOCK_MONOTONIC, &s) == 0)
        return s;
    return 0.0;
}

static double wall_seconds(void)
{
    double s;
    return clock_seconds(CLOCK_MONOTONIC, &s) == 0 ? s : 0.0;
}

double rnn_probe_best_rate(double (*f)(long), double seconds)
{
    const double run = seconds / 3.0;
    long n = 256;
    double t = 0, w = 0;
    while (n < (1L << 40)) {
        const double w0 = wall_seconds();
        const double t0 = rnn_probe_thread_seconds();
        if (f(n) <= 0)
            return 0.0;
        t = rnn_probe_thread_seconds() - t0;
        w = wall_seconds() - w0;
        if (t > run / 4.0 || w > 2.0 * run)
            break;
        n *= 4;
    }
    /* Stopped by the wall clock: size the runs by it, so they too end. */
    const double d = t > run / 4.0 ? t : (w > t ? w : t);
    n = (long)((double)n * run / (d > 0 ? d : run)) + 1;
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
