/* cpu_caches.c — rnn_cpu_caches_get: the data cache sizes of the CPU this
 * runs on, from glibc's sysconf where it knows them (it reads CPUID on x86),
 * else Linux's sysfs cache directory, else the defaults of cpu_caches.h.
 * Computed once (pthread_once); every later call copies the answer. */
#include "cpu_caches.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Sizes above this are garbage, not caches. */
#define MAX_CACHE_BYTES ((size_t)1 << 40)

/* "48K\n", "1024K", "32M", "65536": bytes, or 0 when s is anything else. */
static size_t parse_size(const char *s)
{
    size_t v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (v > MAX_CACHE_BYTES)
            return 0; /* stop before v can overflow */
        v = v * 10 + (size_t)(*s - '0');
    }
    if (!digits)
        return 0;
    size_t unit = 1;
    if (*s == 'K' || *s == 'k')
        unit = (size_t)1 << 10, s++;
    else if (*s == 'M' || *s == 'm')
        unit = (size_t)1 << 20, s++;
    else if (*s == 'G' || *s == 'g')
        unit = (size_t)1 << 30, s++;
    while (*s == '\n' || *s == ' ' || *s == '\r' || *s == '\t')
        s++;
    if (*s || v > MAX_CACHE_BYTES / unit)
        return 0;
    return v * unit;
}

/* The first line of dir/name into buf ("" when it cannot be read). */
static void read_line(const char *dir, const char *name, char *buf, size_t len)
{
    char path[4096];
    buf[0] = '\0';
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    fclose(f);
}

int rnn_cpu_caches_from_sysfs(const char *root, rnn_cpu_caches *c)
{
    if (!c)
        return 0;
    memset(c, 0, sizeof *c);
    DIR *d = root ? opendir(root) : NULL;
    if (!d)
        return 0;
    int filled = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "index", 5) != 0)
            continue;
        char dir[4096], level[32], type[32], size[64], line[32];
        if ((size_t)snprintf(dir, sizeof dir, "%s/%s", root, e->d_name) >= sizeof dir)
            continue;
        read_line(dir, "level", level, sizeof level);
        read_line(dir, "type", type, sizeof type);
        read_line(dir, "size", size, sizeof size);
        read_line(dir, "coherency_line_size", line, sizeof line);
        if (strncmp(type, "Data", 4) != 0 && strncmp(type, "Unified", 7) != 0)
            continue; /* Instruction caches, and unreadable types */
        const size_t lv = parse_size(level), bytes = parse_size(size);
        size_t *slot = lv == 1 ? &c->l1d : lv == 2 ? &c->l2 : lv == 3 ? &c->l3 : NULL;
        if (slot && bytes && !*slot) {
            *slot = bytes;
            filled++;
        }
        const size_t ln = parse_size(line);
        if (slot && bytes && !c->line && ln && ln <= 4096) {
            c->line = (unsigned)ln;
            filled++;
        }
    }
    closedir(d);
    return filled;
}

void rnn_cpu_caches_fill(rnn_cpu_caches *c, const rnn_cpu_caches *from)
{
    if (!c->l1d)
        c->l1d = from && from->l1d ? from->l1d : RNN_CACHE_DEFAULT_L1D;
    if (!c->l2)
        c->l2 = from && from->l2 ? from->l2 : RNN_CACHE_DEFAULT_L2;
    if (!c->l3)
        c->l3 = from && from->l3 ? from->l3 : RNN_CACHE_DEFAULT_L3;
    if (!c->line)
        c->line = from && from->line ? from->line : RNN_CACHE_DEFAULT_LINE;
}

#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && \
    defined(_SC_LEVEL3_CACHE_SIZE) && defined(_SC_LEVEL1_DCACHE_LINESIZE)
#define HAVE_SYSCONF_CACHES 1 /* glibc's */
/* sysconf's answer for name, or 0 where it has none (-1, 0) or a silly one. */
static size_t conf(int name)
{
    const long v = sysconf(name);
    return v > 0 && (unsigned long)v <= MAX_CACHE_BYTES ? (size_t)v : 0;
}
#endif

static rnn_cpu_caches caches; /* written once under pthread_once */
static pthread_once_t caches_once = PTHREAD_ONCE_INIT;

static void detect_caches(void)
{
    rnn_cpu_caches c = {0, 0, 0, 0};
#ifdef HAVE_SYSCONF_CACHES
    c.l1d = conf(_SC_LEVEL1_DCACHE_SIZE);
    c.l2 = conf(_SC_LEVEL2_CACHE_SIZE);
    c.l3 = conf(_SC_LEVEL3_CACHE_SIZE);
    const size_t line = conf(_SC_LEVEL1_DCACHE_LINESIZE);
    c.line = line <= 4096 ? (unsigned)line : 0;
#endif
    rnn_cpu_caches sys;
    if (!c.l1d || !c.l2 || !c.l3 || !c.line)
        rnn_cpu_caches_from_sysfs("/sys/devices/system/cpu/cpu0/cache", &sys);
    else
        memset(&sys, 0, sizeof sys);
    rnn_cpu_caches_fill(&c, &sys);
    caches = c;
}

rnn_status rnn_cpu_caches_get(rnn_cpu_caches *c)
{
    if (!c)
        return RNN_ERR_NULL;
    pthread_once(&caches_once, detect_caches);
    *c = caches;
    return RNN_OK;
}
