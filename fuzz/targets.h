/* targets.h — the fuzz targets: each feeds arbitrary bytes to one of the
 * parsers that read what users hand rnnsimd (.npy files, golden files, case
 * lines, charlm model files) and checks what must hold for any input.
 *
 * A target returns NULL when every property held, else a sentence naming the
 * one that broke. It never aborts: fuzz/libfuzzer_main.c turns a broken
 * property into a crash for libFuzzer, and tests/test_fuzz_replay.c counts it
 * as a failed check, so the committed corpora and regression inputs are
 * replayed by `make test` with any compiler. Memory errors are what the
 * sanitizers (libFuzzer's ASan+UBSan build, `make sanitize`, `make valgrind`)
 * catch on the same calls. */
#ifndef RNNSIMD_FUZZ_TARGETS_H
#define RNNSIMD_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* rnn_npy_parse on the bytes, and rnn_npy_read on the same bytes as a file:
 * both readers must agree on status, message, shape and data; a file they
 * accept has a consistent shape, count and buffer. */
const char *fuzz_npy(const uint8_t *data, size_t size);
/* conf_golden_parse: accepted entries are canonical, distinct case lines,
 * and the file printed back from them parses to the same entries. */
const char *fuzz_golden(const uint8_t *data, size_t size);
/* conf_case_parse: an accepted line describes a valid problem and its
 * canonical print parses back to the same case (print is a fixed point). */
const char *fuzz_case(const uint8_t *data, size_t size);
/* charlm_model_parse on the bytes, and again with the trailing hash made to
 * match (so the fuzzer reaches the fields behind the hash check): an
 * accepted model has sizes in range, finite weights and an increasing
 * vocabulary. */
const char *fuzz_charlm_model(const uint8_t *data, size_t size);

typedef struct {
    const char *name; /* the folder under fuzz/corpus/ and fuzz/regressions/ */
    const char *(*run)(const uint8_t *data, size_t size);
} fuzz_target;

/* Every target, NULL-terminated (name NULL). */
extern const fuzz_target fuzz_targets[];

#endif
