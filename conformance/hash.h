/* hash.h — XXH3-64 (libxxhash) of tensors in a machine-independent byte order.
 *
 * The bytes hashed are, for each tensor in the given order, its elements'
 * IEEE-754 binary32 bit patterns (int32 for targets) as 4 little-endian bytes
 * each, concatenated with no separators or lengths (the case line fixes every
 * length). Views (h_T, c_T) are skipped: they repeat bytes already hashed. */
#ifndef CONF_HASH_H
#define CONF_HASH_H

#include <stdint.h>
#include "generate.h"

/* Hash of the tensors of t[0..n) whose part is part (all parts if part < 0). */
uint64_t conf_hash_tensors(const conf_tensor *t, int n, int part);

#endif
