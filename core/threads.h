/* threads.h — the second thread of a two-thread workspace: a helper that
 * sleeps on a condition variable between calls, a fork/join that runs one
 * function on the caller and the helper, and the in-call barrier. Private to
 * core/.
 *
 * A function run by rnn_team_run gets an rnn_thread: its id and how many
 * threads run it (1 or 2). Every driver takes one and does its share; with
 * n == 1 the share is everything and rnn_sync does nothing, so one code path
 * serves both. Both threads must reach the same rnn_sync calls in the same
 * order (the barrier counts arrivals, it does not name them). */
#ifndef RNNSIMD_THREADS_H
#define RNNSIMD_THREADS_H

#include <stddef.h>
#include "rnnsimd.h"

typedef struct rnn_team rnn_team;

typedef struct {
    int tid;        /* 0 is the calling thread */
    int n;          /* 1 or 2 */
    rnn_team *team; /* NULL when n == 1 */
} rnn_thread;

/* Starts the helper thread. RNN_ERR_NOMEM if it cannot be allocated or
 * started; nothing is left behind then. */
rnn_status rnn_team_create(rnn_team **team);
/* Wakes the helper, tells it to stop and joins it. NULL is fine. */
void rnn_team_destroy(rnn_team *team);

/* fn(arg, th) on n threads (n == 2 needs a team), returning when both have
 * returned; with n == 1 (or no team) the caller runs it alone. */
void rnn_team_run(rnn_team *team, int n, void (*fn)(void *arg, const rnn_thread *th), void *arg);

/* Both threads wait here until both have arrived; writes before it are seen
 * after it. Nothing with n == 1. */
void rnn_sync(const rnn_thread *th);

/* This thread's share [*lo, *hi) of count units, the first thread taking the
 * larger half; with unit > 1 the shares are whole multiples of unit (the last
 * share ends at count). */
void rnn_share(size_t count, size_t unit, const rnn_thread *th, size_t *lo, size_t *hi);

#endif
