/* threads.c — the helper thread of a two-thread workspace, fork/join and
 * the in-call barrier (see threads.h).
 *
 * Between calls the helper sleeps on a condition variable, so an idle
 * workspace costs no CPU. Inside a call the threads meet at barriers many
 * times per time step (batch 1), where a futex round trip would cost more
 * than the work between them: there they spin on an atomic generation
 * counter with the CPU's pause hint, and after SPIN_LIMIT rounds give the
 * core away with sched_yield(), so two processes on two cores (or a
 * debugger, or TSan) never livelock waiting for a thread that is not
 * running. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "threads.h"

/* About 50-100 us of pause hints on current x86 cores: longer than any wait
 * of a balanced step, far shorter than a scheduler time slice. */
#define SPIN_LIMIT 4000

struct rnn_team {
    pthread_t helper;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu: the job of generation job_gen, and the stop request */
    unsigned job_gen;
    int quit;
    void (*fn)(void *arg, const rnn_thread *th);
    void *arg;
    atomic_uint done_gen; /* the last generation the helper finished */
    atomic_uint bar_count, bar_gen;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ volatile("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* Spin, then yield, until *v differs from old. */
static void wait_while_equal(atomic_uint *v, unsigned old)
{
    unsigned spins = 0;
    while (atomic_load_explicit(v, memory_order_acquire) == old) {
        if (spins < SPIN_LIMIT) {
            spins++;
            cpu_relax();
        } else {
            sched_yield();
        }
    }
}

static void *helper_main(void *v)
{
    rnn_team *t = v;
    const rnn_thread th = {1, 2, t};
    unsigned seen = 0;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        while (t->job_gen == seen && !t->quit)
            pthread_cond_wait(&t->cv, &t->mu);
        if (t->quit)
            break;
        seen = t->job_gen;
        void (*fn)(void *, const rnn_thread *) = t->fn;
        void *arg = t->arg;
        pthread_mutex_unlock(&t->mu);
        fn(arg, &th);
        atomic_store_explicit(&t->done_gen, seen, memory_order_release);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

rnn_status rnn_team_create(rnn_team **out)
{
    *out = NULL;
    rnn_team *t = calloc(1, sizeof *t);
    if (!t)
        return RNN_ERR_NOMEM;
    atomic_init(&t->done_gen, 0);
    atomic_init(&t->bar_count, 0);
    atomic_init(&t->bar_gen, 0);
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return RNN_ERR_NOMEM;
    }
    if (pthread_cond_init(&t->cv, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        free(t);
        return RNN_ERR_NOMEM;
    }
    /* The helper starts with every signal blocked, so a process's signal
     * handlers keep running on the threads the application made. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->helper, NULL, helper_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return RNN_ERR_NOMEM;
    }
    *out = t;
    return RNN_OK;
}

void rnn_team_destroy(rnn_team *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->quit = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->helper, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void rnn_team_run(rnn_team *t, int n, void (*fn)(void *arg, const rnn_thread *th), void *arg)
{
    if (n < 2 || !t) {
        const rnn_thread solo = {0, 1, NULL};
        fn(arg, &solo);
        return;
    }
    pthread_mutex_lock(&t->mu);
    t->fn = fn;
    t->arg = arg;
    const unsigned gen = ++t->job_gen;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    const rnn_thread self = {0, 2, t};
    fn(arg, &self);
    /* done_gen is gen - 1 until the helper finishes this job. */
    wait_while_equal(&t->done_gen, gen - 1);
}

void rnn_sync(const rnn_thread *th)
{
    if (th->n < 2)
        return;
    rnn_team *t = th->team;
    /* Central barrier: the last to arrive resets the count and opens the
     * next generation; the count's reset is ordered before the release of
     * the new generation, so no thread can re-enter and see a stale count. */
    const unsigned gen = atomic_load_explicit(&t->bar_gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(&t->bar_count, 1, memory_order_acq_rel) + 1 ==
        (unsigned)th->n) {
        atomic_store_explicit(&t->bar_count, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&t->bar_gen, 1, memory_order_release);
    } else {
        wait_while_equal(&t->bar_gen, gen);
    }
}

void rnn_share(size_t count, size_t unit, const rnn_thread *th, size_t *lo, size_t *hi)
{
    if (th->n < 2) {
        *lo = 0;
        *hi = count;
        return;
    }
    if (unit < 1)
        unit = 1;
    const size_t units = (count + unit - 1) / unit, first = (units + 1) / 2 * unit;
    const size_t cut = first < count ? first : count;
    *lo = th->tid == 0 ? 0 : cut;
    *hi = th->tid == 0 ? cut : count;
}
