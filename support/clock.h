/* clock.h — the programs' one clock for progress lines, time budgets and
 * the times they report: monotonic (CLOCK_MONOTONIC), so a wall-clock step
 * never makes an interval negative. */
#ifndef RNNSIMD_CLOCK_H
#define RNNSIMD_CLOCK_H

/* Seconds since an arbitrary fixed point; only differences mean anything. */
double rnn_seconds_now(void);

#endif /* RNNSIMD_CLOCK_H */
