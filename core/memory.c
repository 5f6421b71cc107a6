/* memory.c — the library's one allocator for weights and workspaces.
 *
 * Buffers of 2 MiB or more are aligned and rounded to 2 MiB and advised
 * MADV_HUGEPAGE. At batch 1 every step streams the packed recurrent weights
 * (16 MiB for an LSTM at H = 1024); with 4 KiB pages that stream walks 4096
 * pages per step, and its TLB misses cost a large share of the bandwidth
 * (docs/performance.md has the measurement). Linux ignores the advice when
 * transparent huge pages are off; the buffer is then an ordinary one.
 * Smaller buffers are 64-byte aligned (a cache line, and any vector load). */
#include <stdlib.h>
#include <sys/mman.h>
#include "drivers.h"

#define HUGE_PAGE ((size_t)2 << 20)

float *rnn_alloc_floats(size_t n)
{
    if (n > (SIZE_MAX - HUGE_PAGE) / sizeof(float))
        return NULL;
    size_t bytes = (n ? n : 1) * sizeof(float);
    if (bytes < HUGE_PAGE)
        return aligned_alloc(64, (bytes + 63) / 64 * 64);
    bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    float *p = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
    if (p)
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
    return p;
}
