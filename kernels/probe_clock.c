/* probe_clock.c — rnn_probe_clock_adds (kernels.h): a chain of dependent
 * integer adds, written in assembly because a compiler folds any chain of
 * adds it can see into one multiply. The add takes its increment from a
 * register, not an immediate: some renamers (Intel Golden Cove) fold
 * chains of add-immediate, which would run faster than one a cycle. The
 * loop's own counter and branch run beside the chain on other ports. */
#include "kernels.h"

#define CHAIN 100 /* adds an iteration: the loop overhead hides under them */
#define STR(x) #x
#define XSTR(x) STR(x)

double rnn_probe_clock_adds(long n)
{
    unsigned long x = 0, one = 1;
    for (long i = 0; i < n; i++) {
#if defined(__x86_64__)
        __asm__ volatile(".rept " XSTR(CHAIN) "\n\tadd %1, %0\n\t.endr" : "+r"(x) : "r"(one));
#elif defined(__aarch64__)
        __asm__ volatile(".rept " XSTR(CHAIN) "\n\tadd %0, %0, %1\n\t.endr" : "+r"(x) : "r"(one));
#else
#error "rnn_probe_clock_adds: no add chain for this architecture"
#endif
    }
    return x == (unsigned long)CHAIN * (unsigned long)n ? (double)x : 0.0;
}
