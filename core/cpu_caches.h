/* cpu_caches.h — below rnn_cpu_caches_get (rnnsimd.h): the parts it is made
 * of, each testable on its own (tests/test_cpu_caches.c). */
#ifndef RNNSIMD_CPU_CACHES_H
#define RNNSIMD_CPU_CACHES_H

#include "rnnsimd.h"

/* What rnn_cpu_caches_get reports for a level no source knows
 * (docs/design.md §12, "The machine model"): a common core's L1d and L2
 * and its line; L3 stays 0 (unknown), since a wrong L3 misleads a planner
 * more than none. */
#define RNN_CACHE_DEFAULT_L1D ((size_t)32 << 10)
#define RNN_CACHE_DEFAULT_L2 ((size_t)1 << 20)
#define RNN_CACHE_DEFAULT_L3 ((size_t)0)
#define RNN_CACHE_DEFAULT_LINE 64u

/* Reads a Linux cache directory laid out as
 * /sys/devices/system/cpu/cpu0/cache: root/index<N>/{level,type,size,
 * coherency_line_size}. Fills the fields it finds (level 1 of type Data or
 * Unified: l1d; level 2 and 3 of type Data or Unified: l2, l3; the line size
 * of the first of those whose size it read) and leaves the others 0. A missing directory or file,
 * or a value that is not a plain size ("48K", "1024K", "32M", "65536";
 * anything else, or above 1 TiB, is ignored), never fails: c is then all 0
 * or partly filled. Returns how many fields it filled. */
int rnn_cpu_caches_from_sysfs(const char *root, rnn_cpu_caches *c);

/* Completes c: each field that is 0 takes it from `from` if that is not 0,
 * else (l1d, l2, line only) the default above. */
void rnn_cpu_caches_fill(rnn_cpu_caches *c, const rnn_cpu_caches *from);

#endif
