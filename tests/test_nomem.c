/* test_nomem.c — every allocation the library and the reference make can
 * fail, and each failure is handled: the call returns RNN_ERR_NOMEM, or
 * (where the allocation is an optional one: a placement candidate, a wisdom
 * entry) RNN_OK with the very bits of a run where nothing failed; nothing
 * leaks either way, and the next run gives those bits again.
 *
 * The program is linked with -Wl,--wrap for malloc, calloc, realloc,
 * aligned_alloc, free and pthread_create (Makefile), so every call the
 * static libraries make reaches the wrappers below. A scenario (plans,
 * workspaces, calls, their destruction; a wisdom import; the reference) runs
 * once to warm the process's one-time probes, once counting its allocation
 * points (n), then n times with point k failing, for every k < n, and once
 * more with nothing failing (the clean run's bits again: a failure leaves
 * the library usable). The failing runs are in a child process: a crash or
 * a hang fails that point by name, and a new child goes on from the next.
 * A failed pthread_create is a point like the others. Leaks are counted here (live
 * blocks at the end of a scenario must be 0), so `make test` finds them
 * without a sanitizer; `make sanitize` and `make valgrind` run it too.
 * What the warm-up fills once per process (the cache and FMA probes) is
 * not swept: its failure only leaves the probe's answer unknown.
 *
 * The optional allocations, whose failure costs speed, never a result: the
 * candidate copies of a placed W_hh stream (core/placement.c), the second
 * copy of W_hh (core/plan.c, cell_copies), a measuring plan's dx buffer
 * (core/tune_measure.c: that group goes untimed) and its wisdom entry
 * (core/wisdom.c: the next plan measures again). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>
#include "check.h"
#include "kernels.h"
#include "rnnsimd_reference.h"

/* ---- The wrappers ---- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void __real_free(void *p);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg);

/* Counting is on inside a scenario only: the test's own buffers, made and
 * freed outside, are not counted. fail_at is the point that fails (-1:
 * none); taken says whether it was reached. */
static atomic_int counting;
static atomic_long points, live, fail_at = -1;
static atomic_int taken;

/* 1 when this allocation point is the one to fail. */
static int fails_here(void)
{
    if (!atomic_load(&counting))
        return 0;
    const long k = atomic_fetch_add(&points, 1);
    if (k != atomic_load(&fail_at))
        return 0;
    atomic_store(&taken, 1);
    return 1;
}

static void *counted(void *p)
{
    if (p && atomic_load(&counting))
        atomic_fetch_add(&live, 1);
    return p;
}

void *__wrap_malloc(size_t n)
{
    return fails_here() ? NULL : counted(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fails_here() ? NULL : counted(__real_calloc(n, size));
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return fails_here() ? NULL : counted(__real_aligned_alloc(align, n));
}

void *__wrap_realloc(void *p, size_t n)
{
    if (fails_here())
        return NULL; /* p stays valid, as realloc leaves it */
    void *q = __real_realloc(p, n);
    return p ? q : counted(q);
}

void __wrap_free(void *p)
{
    if (p && atomic_load(&counting))
        atomic_fetch_sub(&live, 1);
    __real_free(p);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
    return fails_here() ? EAGAIN : __real_pthread_create(t, a, f, arg);
}

/* ---- Problems ---- */
enum { MAX_CELLS = 8 };

/* One problem, its inputs and every output and gradient a call may write. */
typedef struct {
    rnn_desc d;
    rnn_sizes s;
    rnn_plan_options opt;
    int seq;     /* 1: the plain sequence calls, else forward and train */
    int one_hot; /* x given by index */
    rnn_cell_weights enc[MAX_CELLS], dec[MAX_CELLS];
    rnn_cell_grads genc[MAX_CELLS], gdec[MAX_CELLS];
    rnn_params p;
    rnn_inputs in;
    rnn_outputs out;
    rnn_grads g;
    float *seq_out, *hn, *cn, *grad_out;
    float *blocks[256]; /* everything above, for the digest and the free */
    size_t sizes[256];
    int n_blocks, n_outputs; /* blocks[0, n_outputs) are the written ones */
} problem;

static float *block(problem *pr, size_t n, uint64_t stream, float lo, float hi)
{
    float *f = malloc((n ? n : 1) * sizeof *f);
    if (!f || pr->n_blocks == 256) {
        fprintf(stderr, "test_nomem: out of memory making a problem\n");
        exit(2);
    }
    rnn_fill_uniform(f, n, 3, stream, lo, hi);
    pr->blocks[pr->n_blocks] = f;
    pr->sizes[pr->n_blocks++] = n;
    return f;
}

static int32_t *classes(problem *pr, size_t n, uint64_t stream, int64_t limit)
{
    int32_t *v = (int32_t *)block(pr, n, stream, 0, 1);
    for (size_t i = 0; i < n; i++)
        v[i] = (int32_t)(rnn_prng_u64(3, stream, i) % (uint64_t)limit);
    return v;
}

static void cell_weights(problem *pr, rnn_cell_weights *w, rnn_cell_grads *g, size_t n_ih,
                         uint64_t stream, int grads)
{
    const size_t n[4] = {n_ih, pr->s.weight_hh, pr->s.bias, pr->s.bias};
    float *f[4];
    for (int j = 0; j < 4; j++)
        f[j] = grads ? block(pr, n[j], 0, 0, 0) : block(pr, n[j], stream + (uint64_t)j, -0.4f,
                                                          0.4f);
    if (grads)
        *g = (rnn_cell_grads){f[0], f[1], f[2], f[3]};
    else
        *w = (rnn_cell_weights){f[0], f[1], f[2], f[3]};
}

/* Outputs and gradients first (blocks[0, n_outputs)), then the inputs. */
static void problem_make(problem *pr, rnn_desc d, int seq, int one_hot, rnn_plan_options opt)
{
    memset(pr, 0, sizeof *pr);
    pr->d = d;
    pr->opt = opt;
    pr->seq = seq;
    pr->one_hot = one_hot;
    if (rnn_desc_check(&d, &pr->s) != RNN_OK || pr->s.cells > MAX_CELLS) {
        fprintf(stderr, "test_nomem: bad problem: %s\n", rnn_desc_problem(&d));
        exit(2);
    }
    const rnn_sizes *s = &pr->s;
    const size_t C = s->cells, L = s->layers, lstm = d.cell == RNN_LSTM;
    const int s2s = d.topology == RNN_SEQ2SEQ;
    for (int grads = 1; grads >= 0; grads--) {
        for (size_t c = 0; c < C; c++)
            cell_weights(pr, &pr->enc[c], &pr->genc[c], c < s->directions ? s->weight_ih
                                                                          : s->weight_ih_upper,
                         10 * c, grads);
        for (size_t l = 0; s2s && l < L; l++)
            cell_weights(pr, &pr->dec[l], &pr->gdec[l], l ? s->weight_hh : s->weight_ih,
                         100 + 10 * l, grads); /* the decoder's upper layers read H wide */
        if (grads) {
            if (seq) {
                pr->seq_out = block(pr, s->h, 0, 0, 0);
                pr->hn = block(pr, s->state, 0, 0, 0);
                pr->cn = lstm ? block(pr, s->state, 0, 0, 0) : NULL;
            } else {
                pr->out = (rnn_outputs){block(pr, s->h, 0, 0, 0),
                                        lstm ? block(pr, s->h, 0, 0, 0) : NULL,
                                        block(pr, s->logits, 0, 0, 0), block(pr, 1, 0, 0, 0)};
                pr->g.W_hy = block(pr, s->W_hy, 0, 0, 0);
                pr->g.b_y = block(pr, s->b_y, 0, 0, 0);
                pr->g.x_dec = s2s ? block(pr, s->x_dec, 0, 0, 0) : NULL;
            }
            pr->g.x = one_hot ? NULL : block(pr, s->x, 0, 0, 0);
            pr->g.h0 = block(pr, s->state, 0, 0, 0);
            pr->g.c0 = lstm ? block(pr, s->state, 0, 0, 0) : NULL;
            pr->n_outputs = pr->n_blocks;
        }
    }
    if (C == 1) {
        pr->p.cell = pr->enc[0], pr->p.decoder = pr->dec[0];
        pr->g.cell = pr->genc[0], pr->g.decoder = pr->gdec[0];
    } else {
        pr->p.layers = pr->enc, pr->p.decoder_layers = s2s ? pr->dec : NULL;
        pr->g.layers = pr->genc, pr->g.decoder_layers = s2s ? pr->gdec : NULL;
    }
    pr->p.W_hy = block(pr, s->W_hy, 50, -0.3f, 0.3f);
    pr->p.b_y = block(pr, s->b_y, 51, -0.3f, 0.3f);
    pr->in.x = block(pr, s->x, 52, -1, 1);
    pr->in.x_index = one_hot ? classes(pr, s->x / (size_t)d.I, 53, d.I) : NULL;
    pr->in.x_dec = s2s ? block(pr, s->x_dec, 54, -1, 1) : NULL;
    pr->in.h0 = block(pr, s->state, 55, -0.5f, 0.5f);
    pr->in.c0 = lstm ? block(pr, s->state, 56, -0.5f, 0.5f) : NULL;
    pr->in.targets = seq ? NULL : classes(pr, s->targets, 57, d.V);
    pr->grad_out = seq ? block(pr, s->h, 58, -1, 1) : NULL;
}

static void problem_free(problem *pr)
{
    for (int i = 0; i < pr->n_blocks; i++)
        free(pr->blocks[i]);
}

/* The written blocks set to a pattern before a run, hashed after it. */
static void outputs_clear(problem *pr)
{
    for (int i = 0; i < pr->n_outputs; i++)
        memset(pr->blocks[i], 0x5a, pr->sizes[i] * sizeof(float));
}

static uint64_t outputs_digest(const problem *pr)
{
    XXH3_state_t *st = XXH3_createState(); /* xxhash's own malloc: not wrapped */
    XXH3_64bits_reset(st);
    for (int i = 0; i < pr->n_outputs; i++)
        XXH3_64bits_update(st, pr->blocks[i], pr->sizes[i] * sizeof(float));
    const uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/* ---- Scenarios: each makes, runs and destroys everything it uses ---- */
typedef rnn_status (*scenario_fn)(problem *pr);

/* Plan, workspace, forward, then train (or the plain sequence forward and
 * backward). The first failure is the result; everything made is destroyed. */
static rnn_status plan_calls(problem *pr)
{
    rnn_plan *plan = NULL;
    rnn_workspace *ws = NULL;
    rnn_status st = rnn_plan_create(&plan, &pr->d, &pr->p, &pr->opt);
    if (st == RNN_OK)
        st = rnn_workspace_create(&ws, plan);
    if (st == RNN_OK && pr->seq) {
        st = rnn_plan_seq_forward(plan, ws, pr->in.x, pr->in.h0, pr->in.c0, pr->seq_out, pr->hn,
                                  pr->cn);
        if (st == RNN_OK)
            st = rnn_plan_seq_backward(plan, ws, pr->in.x, pr->in.h0, pr->in.c0, pr->grad_out,
                                       NULL, NULL, &pr->g);
    } else if (st == RNN_OK) {
        st = rnn_plan_forward(plan, ws, &pr->in, &pr->out);
        if (st == RNN_OK)
            st = rnn_plan_train(plan, ws, &pr->in, &pr->out, &pr->g);
    }
    rnn_workspace_destroy(ws);
    rnn_plan_destroy(plan);
    return st;
}

/* A measuring plan from empty wisdom (so it measures every time), which
 * then holds its choice; emptied again at the end. */
static rnn_status measured_plan(problem *pr)
{
    rnn_wisdom_forget();
    const rnn_status st = plan_calls(pr);
    rnn_wisdom_forget();
    return st;
}

static rnn_status reference_calls(problem *pr)
{
    rnn_reference_options ro = {pr->opt.dtype, pr->opt.dtype == RNN_DTYPE_BF16};
    if (pr->seq) {
        rnn_status st = rnn_reference_seq_forward_opt(&pr->d, pr->s.cells > 1 ? pr->enc : &pr->p.cell,
                                                      pr->in.x, pr->in.h0, pr->in.c0, pr->seq_out,
                                                      pr->hn, pr->cn, &ro);
        if (st == RNN_OK)
            st = rnn_reference_seq_backward_opt(&pr->d, pr->s.cells > 1 ? pr->enc : &pr->p.cell,
                                                pr->in.x, pr->in.h0, pr->in.c0, pr->grad_out, NULL,
                                                NULL, &pr->g, &ro);
        return st;
    }
    rnn_status st = rnn_reference_forward_opt(&pr->d, &pr->p, &pr->in, &pr->out, &ro);
    if (st == RNN_OK)
        st = rnn_reference_train_opt(&pr->d, &pr->p, &pr->in, &pr->out, &pr->g, &ro);
    return st;
}

static const char *wisdom_text;

/* Imports the wisdom text, reads it back, and empties it. A failed import
 * must have imported nothing. */
static rnn_status wisdom_round_trip(problem *pr)
{
    size_t len = 0;
    rnn_status st = rnn_wisdom_import(wisdom_text);
    if (st == RNN_OK) {
        st = rnn_wisdom_export((char *)pr->blocks[0], pr->sizes[0] * sizeof(float), &len);
    } else {
        char empty[128];
        (void)rnn_wisdom_export(empty, sizeof empty, NULL);
        CHECK(strchr(empty, '\n') == strrchr(empty, '\n'),
              "a failed wisdom import (%s) left entries: \"%s\"", rnn_strerror(st), empty);
    }
    rnn_wisdom_forget();
    return st;
}

static rnn_status orthogonal_fill(problem *pr)
{
    return rnn_fill_orthogonal(pr->blocks[0], 24, 24, 5, 6, 1.25);
}

/* ---- The sweep ---- */
/* The watchdog of one point's run, re-armed before each: the run takes
 * milliseconds (tens under valgrind or qemu), so only a run that never
 * ends reaches it, however busy the machine. */
#define HANG_S 60

static long points_swept, faults_refused, faults_tolerated;

static rnn_status run_counted(scenario_fn f, problem *pr, long fail, long *n_points, long *left,
                              int *hit)
{
    outputs_clear(pr);
    atomic_store(&points, 0);
    atomic_store(&live, 0);
    atomic_store(&taken, 0);
    atomic_store(&fail_at, fail);
    atomic_store(&counting, 1);
    const rnn_status st = f(pr);
    atomic_store(&counting, 0);
    *n_points = atomic_load(&points);
    *left = atomic_load(&live);
    *hit = atomic_load(&taken);
    return st;
}

/* Points from..n-1 of a sweep, in this process: each run with its point
 * failing must return RNN_ERR_NOMEM, or RNN_OK with the clean run's bits;
 * nothing may leak. Before each point its number goes to fd, so that a
 * crash or a hang names it. */
typedef struct {
    long k; /* the point about to run; -1: the sweep's end */
    long refused, tolerated; /* the counts so far */
    int passed, failed;
} progress;

static void sweep_points(const char *label, scenario_fn f, problem *pr, long from, long n,
                         uint64_t want, int fd)
{
    const int passed0 = check_passed, failed0 = check_failed;
    progress m = {0};
    for (long k = from; k < n; k++) {
        m.k = k;
        m.passed = check_passed - passed0;
        m.failed = check_failed - failed0;
        fflush(stdout);
        if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
            _exit(3);
        long points_seen = 0, left = 0;
        int hit = 0;
        alarm(HANG_S);
        const rnn_status st = run_counted(f, pr, k, &points_seen, &left, &hit);
        CHECK(left == 0, "%s: point %ld of %ld failing: %ld blocks leaked (%s)", label, k, n, left,
              rnn_strerror(st));
        if (st == RNN_ERR_NOMEM && hit) {
            m.refused++;
            continue;
        }
        /* Not refused: then it must be as if nothing had failed. */
        CHECK(st == RNN_OK, "%s: point %ld of %ld failing: %s, not RNN_ERR_NOMEM%s", label, k, n,
              rnn_strerror(st), hit ? "" : " (and the point was never reached)");
        CHECK(st != RNN_OK || outputs_digest(pr) == want,
              "%s: point %ld of %ld failing: RNN_OK but other outputs than the clean run's",
              label, k, n);
        m.tolerated += hit;
    }
    /* A failure leaves the library usable: the next run gives the clean bits. */
    long points_seen = 0, left = 0;
    int hit = 0;
    alarm(HANG_S);
    const rnn_status st = run_counted(f, pr, -1, &points_seen, &left, &hit);
    alarm(0);
    CHECK(st == RNN_OK && outputs_digest(pr) == want && left == 0,
          "%s: the run after points %ld-%ld failed: %s, %s bits, %ld blocks left", label, from,
          n - 1, rnn_strerror(st), outputs_digest(pr) == want ? "the same" : "other", left);
    m.k = -1;
    m.passed = check_passed - passed0;
    m.failed = check_failed - failed0;
    fflush(stdout);
    _exit(write(fd, &m, sizeof m) == (ssize_t)sizeof m ? 0 : 3);
}

/* The sweep's points in a child process; where the child dies (a crash, or
 * SIGALRM: one point's run never ended), that point fails by name and a new child
 * goes on from the next. */
static void sweep(const char *label, scenario_fn f, problem *pr)
{
    long n = 0, left = 0;
    int hit = 0;
    outputs_clear(pr);
    rnn_status st = f(pr); /* the warm-up: one-time probes */
    CHECK(st == RNN_OK, "%s: warm-up: %s", label, rnn_strerror(st));
    st = run_counted(f, pr, -1, &n, &left, &hit);
    const uint64_t want = outputs_digest(pr);
    CHECK(st == RNN_OK && left == 0, "%s: clean run: %s, %ld blocks left", label,
          rnn_strerror(st), left);
    CHECK(n > 0, "%s: no allocation point counted (are the wrappers linked?)", label);
    long refused = 0, tolerated = 0;
    for (long from = 0; from < n;) {
        int fd[2];
        fflush(stdout);
        const pid_t pid = pipe(fd) == 0 ? fork() : -1;
        if (pid < 0) {
            CHECK(0, "%s: no child process: %s", label, strerror(errno));
            return;
        }
        if (pid == 0) {
            close(fd[0]);
            sweep_points(label, f, pr, from, n, want, fd[1]);
        }
        close(fd[1]);
        progress m = {.k = from}, got;
        while (read(fd[0], &got, sizeof got) == (ssize_t)sizeof got)
            m = got;
        close(fd[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        check_passed += m.passed;
        check_failed += m.failed;
        refused += m.refused;
        tolerated += m.tolerated;
        if (m.k < 0) {
            /* Under valgrind, an error it found in the child shows here. */
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: the points' process ended with status %d", label, status);
            break;
        }
        char why[64];
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            snprintf(why, sizeof why, "hung (no end in %d s)", HANG_S);
        else if (WIFSIGNALED(status))
            snprintf(why, sizeof why, "crashed (signal %d)", WTERMSIG(status));
        else
            snprintf(why, sizeof why, "ended early (exit status %d)", WEXITSTATUS(status));
        CHECK(0, "%s: point %ld of %ld failing: the run %s", label, m.k, n, why);
        from = m.k + 1;
    }
    printf("%-52s %4ld points: %4ld RNN_ERR_NOMEM, %ld tolerated\n", label, n, refused, tolerated);
    points_swept += n;
    faults_refused += refused;
    faults_tolerated += tolerated;
}

static void sweep_problem(const char *label, scenario_fn f, rnn_desc d, int seq, int one_hot,
                          rnn_plan_options opt)
{
    problem pr;
    problem_make(&pr, d, seq, one_hot, opt);
    sweep(label, f, &pr);
    problem_free(&pr);
}

int main(void)
{
    const rnn_desc m2o = {.cell = RNN_LSTM, .topology = RNN_MANY2ONE, .T = 4, .B = 2, .I = 5,
                          .H = 8, .V = 3};
    char label[128];
    for (const rnn_kernels *const *t = rnn_kernel_tables(); *t; t++) {
        if (rnn_isa_check((*t)->isa, NULL) != RNN_OK)
            continue;
        for (int c = 0; c < RNN_CELL_COUNT; c++) {
            rnn_desc d = m2o;
            d.cell = (rnn_cell)c;
            snprintf(label, sizeof label, "%s %s many2one train", (*t)->name, rnn_cell_name(d.cell));
            sweep_problem(label, plan_calls, d, 0, c == RNN_LSTM, (rnn_plan_options){.isa = (*t)->isa});
        }
    }
    /* A stack with a seq2seq decoder at batch 1 (the fused step), on two threads. */
    const rnn_desc s2s = {.cell = RNN_LSTM, .topology = RNN_SEQ2SEQ, .T = 3, .T_out = 2, .B = 1,
                          .I = 4, .H = 32, .V = 5, .L = 2, .bidirectional = 1};
    sweep_problem("lstm seq2seq L2 bidirectional B1 threads 2", plan_calls, s2s, 0, 0,
                  (rnn_plan_options){.threads = 2});
    /* One direction, three layers, two threads (at batch 1, H a multiple of
     * two panels splits the units): the wavefront. */
    const rnn_desc wave = {.cell = RNN_GRU, .topology = RNN_MANY2ONE, .T = 9, .B = 1, .I = 4,
                           .H = 32, .V = 3, .L = 3};
    sweep_problem("gru many2one L3 B1 threads 2 (wavefront)", plan_calls, wave, 0, 0,
                  (rnn_plan_options){.threads = 2});
    sweep_problem("gru many2one L3 B1 threads 2 measured", measured_plan, wave, 0, 0,
                  (rnn_plan_options){.threads = 2, .tuning = RNN_TUNE_MEASURE});
    /* One cell on two threads: its workspace starts the helper. */
    rnn_desc two = m2o;
    two.B = 4;
    two.H = 32;
    sweep_problem("lstm many2one B4 threads 2", plan_calls, two, 0, 0,
                  (rnn_plan_options){.threads = 2});
    /* W_hh between half and 7/8 of L2: the plan places its stream (candidate
     * copies, each allocation of which may fail). */
    rnn_cpu_caches caches;
    if (rnn_cpu_caches_get(&caches) == RNN_OK && caches.l2 >= 65536) {
        rnn_desc placed = {.cell = RNN_GRU, .topology = RNN_MANY2ONE, .T = 2, .B = 1, .I = 4,
                           .V = 3};
        placed.H = (int64_t)sqrt(0.7 * (double)caches.l2 / 12.0) / 16 * 16;
        snprintf(label, sizeof label, "gru many2one B1 H%lld (stream placed)", (long long)placed.H);
        sweep_problem(label, plan_calls, placed, 0, 0, (rnn_plan_options){0});
    }
    const rnn_desc seq = {.cell = RNN_GRU, .topology = RNN_MANY2MANY, .T = 3, .B = 3, .I = 4,
                          .H = 8, .V = 1, .L = 2, .bidirectional = 1};
    sweep_problem("gru sequence L2 bidirectional threads 2", plan_calls, seq, 1, 0,
                  (rnn_plan_options){.threads = 2});
    /* one2many: the plan's bias-only projection of the steps after the first. */
    const rnn_desc o2m = {.cell = RNN_TANH, .topology = RNN_ONE2MANY, .T = 3, .B = 2, .I = 3,
                          .H = 8, .V = 4};
    sweep_problem("rnn_tanh one2many", plan_calls, o2m, 0, 0, (rnn_plan_options){0});
    const rnn_desc b1 = {.cell = RNN_LBR_GRU, .topology = RNN_MANY2ONE, .T = 16, .B = 1, .I = 8,
                         .H = 32, .V = 4};
    if (rnn_dtype_check(RNN_DTYPE_BF16, RNN_ISA_AUTO, NULL) == RNN_OK)
        sweep_problem("lbr_gru many2one B1 bf16", plan_calls, b1, 0, 0,
                      (rnn_plan_options){.dtype = RNN_DTYPE_BF16});
    sweep_problem("lbr_gru many2one B1 measured", measured_plan, b1, 0, 0,
                  (rnn_plan_options){.tuning = RNN_TUNE_MEASURE});

    /* The wisdom of a few measured plans, imported under failures. */
    rnn_wisdom_forget();
    for (int64_t H = 8; H <= 32; H += 8) {
        rnn_desc d = b1;
        d.H = H;
        problem pr;
        problem_make(&pr, d, 0, 0, (rnn_plan_options){.tuning = RNN_TUNE_MEASURE});
        CHECK(plan_calls(&pr) == RNN_OK, "measured plan H %lld", (long long)H);
        problem_free(&pr);
    }
    static char text[4096];
    size_t len = 0;
    CHECK(rnn_wisdom_export(text, sizeof text, &len) == RNN_OK && len > 0, "wisdom export");
    rnn_wisdom_forget();
    wisdom_text = text;
    rnn_desc big = b1;
    big.H = 300; /* blocks[0] holds the exported text */
    sweep_problem("wisdom import", wisdom_round_trip, big, 0, 0, (rnn_plan_options){0});

    /* The reference: a stack with a decoder, bf16 with flips; the plain sequence. */
    sweep_problem("reference lstm seq2seq L2 bidirectional", reference_calls, s2s, 0, 0,
                  (rnn_plan_options){0});
    sweep_problem("reference lbr_gru bf16 flip_near_ties", reference_calls, b1, 0, 1,
                  (rnn_plan_options){.dtype = RNN_DTYPE_BF16});
    sweep_problem("reference rnn_tanh one2many", reference_calls, o2m, 0, 0, (rnn_plan_options){0});
    sweep_problem("reference gru sequence L2 bidirectional", reference_calls, seq, 1, 0,
                  (rnn_plan_options){0});
    sweep_problem("rnn_fill_orthogonal", orthogonal_fill, big, 0, 0, (rnn_plan_options){0});

    printf("%ld allocation points failed one at a time: %ld RNN_ERR_NOMEM, %ld tolerated "
           "with the same bits\n", points_swept, faults_refused, faults_tolerated);
    return check_summary();
}
