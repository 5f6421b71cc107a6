/* json.h — the programs' JSON values: a string with the escapes JSON
 * requires and a number that stays valid JSON. Every JSON file the programs
 * write (conformance reports, gradflow records, the benchmark's machine
 * facts) goes through these two, so they escape and round alike. */
#ifndef RNNSIMD_JSON_H
#define RNNSIMD_JSON_H

#include <stdio.h>

/* Writes s as a JSON string: '"' and '\\' escaped, control characters as
 * \u00XX, everything else (UTF-8 included) as is. NULL writes "". */
void rnn_json_string(FILE *f, const char *s);

/* Writes v with 9 significant digits (a float's value survives the round
 * trip); NaN and infinities, which JSON lacks, as null. */
void rnn_json_number(FILE *f, double v);

#endif /* RNNSIMD_JSON_H */
