/* nomem_program.c — allocation failures for a whole program, from its
 * environment: linked (Makefile) into copies of the rnnsimd command, the
 * conformance runner and the benchmark, build/tests/rnnsimd_nomem,
 * conformance_nomem and bench_nomem, with
 * -Wl,--wrap for malloc, calloc, realloc, aligned_alloc, strdup and
 * pthread_create, so every call our objects and static libraries make comes
 * here; libc's and the shared libraries' own allocations do not (fopen's
 * buffer, OpenBLAS's: not our code).
 *
 *   RNNSIMD_NOMEM_FAIL=k    the k-th allocation point (from 0) fails: NULL,
 *                           or EAGAIN for a thread
 *   RNNSIMD_NOMEM_REPORT=F  at exit, "points N failed K" into file F: N
 *                           points were reached, K (0 or 1) failures given
 *   RNNSIMD_NOMEM_TRACE=1   the failing point's call stack on stderr (for a
 *                           person: `addr2line -f -e PROGRAM +OFFSET`)
 *
 * tests/cli_nomem.sh runs a command once to count its points, then once
 * with each point failing, and judges what the program did. Points are
 * counted in program order: the commands it runs are single-threaded. */
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg);

static atomic_long points, failed;
static long fail_at = -1; /* set before main by the constructor */
static atomic_int exiting;

/* Registered before main, so it runs after every exit handler the program
 * registers and before the destructors: what allocates from there on is not
 * the program (libgcov's exit-time dump in a coverage build, which crashes
 * when its allocation fails), so it is neither counted nor failed. */
static void nomem_exiting(void)
{
    atomic_store(&exiting, 1);
}

__attribute__((constructor)) static void nomem_start(void)
{
    atexit(nomem_exiting);
    const char *s = getenv("RNNSIMD_NOMEM_FAIL");
    if (s && *s) {
        char *end;
        const long k = strtol(s, &end, 10);
        fail_at = *end || k < 0 ? -1 : k;
    }
}

__attribute__((destructor)) static void nomem_report(void)
{
    const char *path = getenv("RNNSIMD_NOMEM_REPORT");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "points %ld failed %ld\n", atomic_load(&points), atomic_load(&failed));
        fclose(f);
    }
}

static int fails_here(void)
{
    if (atomic_load(&exiting) || atomic_fetch_add(&points, 1) != fail_at)
        return 0;
    atomic_fetch_add(&failed, 1);
    const char *trace = getenv("RNNSIMD_NOMEM_TRACE");
    if (trace && *trace == '1') {
        void *frames[32];
        fprintf(stderr, "nomem: allocation point %ld fails here:\n", fail_at);
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    return 1;
}

void *__wrap_malloc(size_t n)
{
    return fails_here() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fails_here() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fails_here() ? NULL : __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return fails_here() ? NULL : __real_aligned_alloc(align, n);
}

char *__wrap_strdup(const char *s)
{
    return fails_here() ? NULL : __real_strdup(s);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
    return fails_here() ? EAGAIN : __real_pthread_create(t, a, f, arg);
}
