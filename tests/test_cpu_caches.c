/* test_cpu_caches.c — rnn_cpu_caches_get (each level's size that level's:
 * sysconf's, else sysfs's, else the default) and the sysfs parser below it
 * (core/cpu_caches.h), on fixture directories written here: a normal
 * layout, missing files and directories, garbage sizes ("12Q", empty,
 * huge, negative), so bad data gives the defaults, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "cpu_caches.h"

static char root[256];

static void put(const char *index, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, index);
    mkdir(path, 0700);
    if (!name)
        return;
    snprintf(path, sizeof path, "%s/%s/%s", root, index, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* One cache: index, level, type, size, line (NULL: the file is missing). */
static void cache(const char *index, const char *level, const char *type, const char *size,
                  const char *line)
{
    put(index, NULL, NULL);
    if (level)
        put(index, "level", level);
    if (type)
        put(index, "type", type);
    if (size)
        put(index, "size", size);
    if (line)
        put(index, "coherency_line_size", line);
}

static void clear(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/index*", root);
    if (system(cmd) != 0)
        printf("note: could not clear %s\n", root);
}

/* Parsed, then completed as rnn_cpu_caches_get completes what it finds. */
static rnn_cpu_caches parsed(int *filled)
{
    rnn_cpu_caches c, none = {0, 0, 0, 0};
    *filled = rnn_cpu_caches_from_sysfs(root, &c);
    rnn_cpu_caches_fill(&c, &none);
    return c;
}

int main(void)
{
    snprintf(root, sizeof root, "%s/rnnsimd_caches.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root)) {
        printf("cannot make a temporary directory\n0 passed, 1 failed\n");
        return 1;
    }
    int n;

    /* The public function: never fails, sizes plausible, NULL refused. */
    rnn_cpu_caches c;
    CHECK(rnn_cpu_caches_get(&c) == RNN_OK, "rnn_cpu_caches_get succeeds");
    CHECK(c.l1d > 0 && c.l2 > 0 && c.line > 0, "l1d, l2 and line are known or defaulted");
    printf("this machine: l1d %zu, l2 %zu, l3 %zu, line %u\n", c.l1d, c.l2, c.l3, c.line);
    rnn_cpu_caches again;
    CHECK(rnn_cpu_caches_get(&again) == RNN_OK && !memcmp(&c, &again, sizeof c),
          "a second call gives the same answer");
    CHECK(rnn_cpu_caches_get(NULL) == RNN_ERR_NULL, "NULL is RNN_ERR_NULL");

    /* Each level's size is that level's: sysconf's where glibc knows it,
     * else the sysfs parse of cpu0's, else the default. Plausibility alone
     * would pass a size read off the next level (an L3 taken for L2 is
     * still a cache size), and the ESTIMATE rules would then hold W_hh
     * "in L2" that is not. */
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && \
    defined(_SC_LEVEL3_CACHE_SIZE)
    {
        rnn_cpu_caches sys;
        rnn_cpu_caches_from_sysfs("/sys/devices/system/cpu/cpu0/cache", &sys);
        const char *const name[3] = {"l1d", "l2", "l3"};
        const long conf[3] = {sysconf(_SC_LEVEL1_DCACHE_SIZE), sysconf(_SC_LEVEL2_CACHE_SIZE),
                              sysconf(_SC_LEVEL3_CACHE_SIZE)};
        const size_t got[3] = {c.l1d, c.l2, c.l3}, from_sysfs[3] = {sys.l1d, sys.l2, sys.l3},
                     dflt[3] = {RNN_CACHE_DEFAULT_L1D, RNN_CACHE_DEFAULT_L2,
                                RNN_CACHE_DEFAULT_L3};
        for (int i = 0; i < 3; i++) {
            const size_t want = conf[i] > 0 && conf[i] <= (1L << 40) ? (size_t)conf[i]
                                : from_sysfs[i]                       ? from_sysfs[i]
                                                                      : dflt[i];
            CHECK(got[i] == want, "this machine's %s: %zu, but sysconf says %ld and sysfs %zu",
                  name[i], got[i], conf[i], from_sysfs[i]);
        }
    }
#endif

    /* A normal layout (a Zen 4 core's), in sysfs's order. */
    cache("index0", "1\n", "Data\n", "32K\n", "64\n");
    cache("index1", "1\n", "Instruction\n", "32K\n", "64\n");
    cache("index2", "2\n", "Unified\n", "1024K\n", "64\n");
    cache("index3", "3\n", "Unified\n", "32768K\n", "64\n");
    c = parsed(&n);
    CHECK(c.l1d == 32768 && c.l2 == 1048576 && c.l3 == 33554432 && c.line == 64 && n == 4,
          "normal: l1d %zu l2 %zu l3 %zu line %u (filled %d)", c.l1d, c.l2, c.l3, c.line, n);
    clear();

    /* Sizes in M and in bytes, and an instruction cache listed first. */
    cache("index0", "1", "Instruction", "64K", "64");
    cache("index1", "1", "Data", "49152", "128");
    cache("index2", "2", "Unified", "2M", "128");
    c = parsed(&n);
    CHECK(c.l1d == 49152 && c.l2 == 2097152 && c.l3 == RNN_CACHE_DEFAULT_L3 && c.line == 128,
          "M and bytes: l1d %zu l2 %zu l3 %zu line %u", c.l1d, c.l2, c.l3, c.line);
    clear();

    /* Missing files: no size, no type, no level; an empty index directory. */
    cache("index0", "1", "Data", NULL, "64");
    cache("index1", NULL, "Unified", "1024K", "64");
    cache("index2", "2", NULL, "1024K", "64");
    cache("index3", NULL, NULL, NULL, NULL);
    c = parsed(&n);
    CHECK(n == 0 && c.l1d == RNN_CACHE_DEFAULT_L1D && c.l2 == RNN_CACHE_DEFAULT_L2 &&
              c.l3 == RNN_CACHE_DEFAULT_L3 && c.line == RNN_CACHE_DEFAULT_LINE,
          "missing files: the defaults (filled %d: l1d %zu l2 %zu l3 %zu line %u)", n, c.l1d,
          c.l2, c.l3, c.line);
    clear();

    /* Garbage sizes and levels. */
    cache("index0", "1", "Data", "12Q", "64x");
    cache("index1", "2", "Unified", "", "");
    cache("index2", "3", "Unified", "99999999999999999999999999K", "-64");
    cache("index3", "x", "Data", "32K", "64");
    cache("index4", "1", "Data", "-32K", "0");
    cache("index5", "2", "Unified", "4096G", "99999999999");
    cache("index6", "3", "Unified", "K", "64");
    c = parsed(&n);
    CHECK(n == 0 && c.l1d == RNN_CACHE_DEFAULT_L1D && c.l2 == RNN_CACHE_DEFAULT_L2 &&
              c.l3 == RNN_CACHE_DEFAULT_L3 && c.line == RNN_CACHE_DEFAULT_LINE,
          "garbage: the defaults (filled %d: l1d %zu l2 %zu l3 %zu line %u)", n, c.l1d, c.l2,
          c.l3, c.line);
    clear();

    /* A long line with no newline, a level of 4, a file that is a directory. */
    char longline[3000];
    memset(longline, '7', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    cache("index0", "1", "Data", longline, "64");
    cache("index1", "4", "Unified", "256M", "64");
    cache("index2", "2", "Unified", NULL, "64");
    put("index2", NULL, NULL);
    {
        char path[512];
        snprintf(path, sizeof path, "%s/index2/size", root);
        mkdir(path, 0700);
    }
    c = parsed(&n);
    CHECK(n == 0 && c.l1d == RNN_CACHE_DEFAULT_L1D && c.l2 == RNN_CACHE_DEFAULT_L2 &&
              c.l3 == RNN_CACHE_DEFAULT_L3,
          "long line, level 4, a directory for a file: the defaults (filled %d)", n);
    clear();

    /* No directory at all, and NULLs. */
    CHECK(rnn_cpu_caches_from_sysfs("/nonexistent/rnnsimd/cache", &c) == 0 && c.l1d == 0 &&
              c.l2 == 0 && c.l3 == 0 && c.line == 0,
          "a missing directory fills nothing");
    CHECK(rnn_cpu_caches_from_sysfs(NULL, &c) == 0, "a NULL root fills nothing");
    CHECK(rnn_cpu_caches_from_sysfs(root, NULL) == 0, "a NULL result is ignored");

    /* fill: sysconf's answers win, the fallback fills only the gaps. */
    rnn_cpu_caches have = {49152, 0, 0, 0}, from = {1, 2097152, 3, 128};
    rnn_cpu_caches_fill(&have, &from);
    CHECK(have.l1d == 49152 && have.l2 == 2097152 && have.l3 == 3 && have.line == 128,
          "fill keeps what is known and takes the gaps from the fallback");

    rmdir(root);
    return check_summary();
}
