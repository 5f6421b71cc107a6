/* test_probes.c — the machine probes of every kernel table this CPU runs
 * (kernels/table/entries.inc: probe_fma, probe_read, probe_bf16dot,
 * probe_overlap) touch only their buffers and count the work they state.
 *
 * Memory: each buffer is placed flush against an inaccessible page, once
 * ending right before one and once starting right after one, so a read or
 * write one float (or 7 KiB) outside it faults where a sanitizer's red zone
 * might miss it; the fault is caught, counted as a failure naming the call,
 * and the test goes on. The read probe at sizes from one block (128
 * floats) up; the overlap probe (where a table has one) in its three parts
 * and both mixes, at ratios 1, 2 and 4, on streams of 128 floats to 64 KiB
 * with its x (2048 floats) and a (256) each flush on either side.
 *
 * Work: probe_fma(n) and probe_bf16dot(n) return flops in proportion to n
 * (their rates are what the benchmark divides by them); bf16dot returns 0
 * exactly where the table has no usable bf16 dot product.
 *
 * Ending: rnn_probe_best_rate on work that takes wall time but no CPU time
 * (a thread clock that does not advance, as under some emulators) still
 * returns; a run past SIGALRM's minute fails by name. Nothing here judges
 * a time. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "kernels.h"

/* A mapping of `bytes` (a multiple of 64) between two inaccessible pages:
 * the buffer at its start (flush 0) or its end (flush 1). */
typedef struct {
    char *map;
    size_t len;
    float *p;
} guarded;

static int guarded_make(guarded *g, size_t bytes, int flush)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t body = (bytes + page - 1) / page * page;
    g->len = body + 2 * page;
    g->map = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED)
        return -1;
    if (mprotect(g->map, page, PROT_NONE) || mprotect(g->map + page + body, page, PROT_NONE)) {
        munmap(g->map, g->len);
        return -1;
    }
    g->p = (float *)(g->map + page + (flush ? body - bytes : 0));
    for (size_t i = 0; i < bytes / sizeof(float); i++)
        g->p[i] = 1e-4f * (float)(i % 7); /* small: no overflow or denormal */
    return 0;
}

static void guarded_free(guarded *g)
{
    munmap(g->map, g->len);
}

static sigjmp_buf fault_jump;

static void on_fault(int sig)
{
    siglongjmp(fault_jump, sig);
}

/* One probe call: probe_read of buf's n floats, or (buf NULL) the overlap
 * probe with its four buffers mapped flush on side `flush`. */
typedef struct {
    const rnn_kernels *k;
    const float *buf;
    size_t n;
    int parts, ratio, dw, flush;
    int unmapped; /* the overlap probe's buffers could not be mapped */
} probe_call;

static void call_probe(probe_call *c)
{
    if (c->buf) {
        c->k->probe_read(c->buf, c->n, 3);
        return;
    }
    guarded g[4];
    const size_t floats[4] = {c->n, c->n, 2048, 256}; /* w, p, x, a */
    int made = 0;
    while (made < 4 && !guarded_make(&g[made], floats[made] * sizeof(float), c->flush))
        made++;
    if (made == 4)
        c->k->probe_overlap(c->parts, g[0].p, g[1].p, c->n, g[3].p, g[2].p, c->ratio, c->dw);
    else
        c->unmapped = 1;
    while (made--)
        guarded_free(&g[made]);
}

/* Runs c; the signal that stopped it (a fault outside its buffers), or 0.
 * Nothing of this frame lives across the jump but c. */
static int guarded_run(probe_call *c)
{
    const int sig = sigsetjmp(fault_jump, 1);
    if (sig)
        return sig;
    call_probe(c);
    return 0;
}

static void table_tests(const rnn_kernels *k)
{
    /* probe_read: n a multiple of 128 floats. */
    static const size_t reads[] = {128, 256, 1152, 16384};
    for (size_t i = 0; i < sizeof reads / sizeof *reads; i++)
        for (int flush = 0; flush < 2; flush++) {
            guarded b;
            if (guarded_make(&b, reads[i] * sizeof(float), flush)) {
                CHECK(0, "%s: no mapping of %zu floats", k->name, reads[i]);
                continue;
            }
            probe_call c = {k, b.p, reads[i], 0, 0, 0, flush, 0};
            const int sig = guarded_run(&c);
            CHECK(!sig, "%s: probe_read of %zu floats (flush %s) touched memory outside them "
                        "(signal %d)", k->name, reads[i], flush ? "end" : "start", sig);
            guarded_free(&b);
        }
    /* The FMA and bf16 peaks count the work of n iterations. */
    const double f1 = k->probe_fma(1000), f2 = k->probe_fma(2000);
    CHECK(f1 > 0 && f2 == 2 * f1, "%s: probe_fma's flops %g at n 1000, %g at 2000", k->name,
          f1, f2);
    if (k->probe_bf16dot) {
        const int usable = k->bf16_feature ? rnn_cpu_feature_usable(k->bf16_feature) : 1;
        const double b1 = k->probe_bf16dot(1000), b2 = k->probe_bf16dot(2000);
        CHECK(usable ? b1 > 0 && b2 == 2 * b1 : b1 == 0 && b2 == 0,
              "%s: probe_bf16dot's flops %g at n 1000, %g at 2000 (bf16 usable: %d)", k->name,
              b1, b2, usable);
    }
    if (!k->probe_overlap)
        return;
    static const size_t streams[] = {128, 1024, 16384};
    for (size_t s = 0; s < sizeof streams / sizeof *streams; s++)
        for (int parts = 1; parts <= 3; parts++)
            for (int dw = 0; dw < 2; dw++)
                for (int ratio = 1; ratio <= 4; ratio *= 2)
                    for (int flush = 0; flush < 2; flush++) {
                        probe_call c = {k, NULL, streams[s], parts, ratio, dw, flush, 0};
                        const int sig = guarded_run(&c);
                        CHECK(!sig && !c.unmapped,
                              "%s: probe_overlap(parts %d, n %zu, ratio %d, dw %d, flush %s) "
                              "touched memory outside its buffers (signal %d, unmapped %d)",
                              k->name, parts, streams[s], ratio, dw, flush ? "end" : "start",
                              sig, c.unmapped);
                    }
}

/* Work of n microseconds asleep: the wall clock runs, the thread's CPU
 * clock hardly does. */
static double sleeping_work(long n)
{
    struct timespec ts = { n / 1000000, (n % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
    return (double)n;
}

static sigjmp_buf alarm_jump;

static void on_alarm(int sig)
{
    siglongjmp(alarm_jump, sig);
}

static void calibration_ends(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    if (sigsetjmp(alarm_jump, 1) == 0) {
        alarm(60); /* the calibration's wall-clock stop ends this in about 0.1 s */
        rnn_probe_best_rate(sleeping_work, 0.03);
        alarm(0);
        CHECK(1, "probe calibration on sleeping work");
    } else {
        CHECK(0, "rnn_probe_best_rate on work that takes no CPU time (sleeping) "
                 "ran past 60 s: its calibration never stops while the thread clock stands");
    }
    sigaction(SIGALRM, &old, NULL);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    int tables = 0;
    for (int isa = RNN_ISA_AUTO + 1; isa < RNN_ISA_COUNT; isa++) {
        const rnn_kernels *k = NULL;
        if (rnn_kernels_get((rnn_isa)isa, &k, NULL) != RNN_OK)
            continue;
        tables++;
        table_tests(k);
    }
    CHECK(tables >= 1, "no kernel table runs here");
    calibration_ends();
    printf("%d kernel tables' probes\n", tables);
    return check_summary();
}
