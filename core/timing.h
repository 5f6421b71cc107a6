/* timing.h — the parts of a call that rnn_workspace_timing sums
 * (rnnsimd.h). RNN_TIMED(ws, part, call) runs call and, when ws's timing
 * is on and this thread made the call (not the helper of a two-thread
 * call, which runs the same code on its share), adds the wall time call
 * took to the sums' field part. Off, it costs a thread-local load and a
 * branch. Private to core/. */
#ifndef RNNSIMD_TIMING_H
#define RNNSIMD_TIMING_H

#include <time.h>
#include "drivers.h"

/* 1 on the thread inside a public call that rnn_timing_call_begin started
 * with timing on; 0 on every other thread. */
extern _Thread_local int rnn_timing_caller;

static inline double rnn_clock_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define RNN_TIMED(ws, part, call)                                                   \
    do {                                                                            \
        rnn_timing *tm_ = rnn_timing_caller ? (ws)->timing : NULL;                  \
        const double t0_ = tm_ ? rnn_clock_s() : 0.0;                               \
        call;                                                                       \
        if (tm_)                                                                    \
            tm_->part += rnn_clock_s() - t0_;                                       \
    } while (0)

/* A public call's start and end: begin marks this thread the caller when
 * ws's timing is on and returns the clock (0 when off); end adds the call's
 * wall time to total and counts it. */
double rnn_timing_call_begin(rnn_workspace *ws);
void rnn_timing_call_end(rnn_workspace *ws, double t0);

#endif
