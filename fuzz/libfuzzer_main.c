/* libfuzzer_main.c — libFuzzer's entry point for one target of targets.h,
 * chosen at compile time (-DFUZZ_TARGET=fuzz_npy, ...; see scripts/fuzz.sh).
 * A broken property becomes an abort, which libFuzzer records as a crash and
 * saves the input of. */
#include <stdio.h>
#include <stdlib.h>
#include "targets.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=<a function of targets.h>"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = FUZZ_TARGET(data, size);
    if (why) {
        fprintf(stderr, "fuzz: property broken: %s\n", why);
        abort();
    }
    return 0;
}
