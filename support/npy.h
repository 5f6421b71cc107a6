/* npy.h — NumPy .npy files: a reader (format versions 1.0, 2.0 and 3.0;
 * dtypes '<f4' and '<i4'; C order) and a writer (version 1.0, '<f4' or '<i4',
 * header padded to 64 bytes as numpy pads it, written atomically through
 * file_io.h, so a reader never sees half a file where a good one was).
 *
 * The format (numpy.lib.format): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (little-endian uint16 for 1.0, uint32 for
 * 2.0 and 3.0), then the header: a Python dict literal with exactly the keys
 * 'descr', 'fortran_order' and 'shape', padded with spaces and ended by '\n';
 * then the data, exactly prod(shape) elements.
 *
 * Every function returns an rnn_status (RNN_ERR_IO for the file system,
 * RNN_ERR_FORMAT for a malformed or unsupported file, RNN_ERR_SIZE for a
 * shape other than the one expected) and, when err is not NULL, writes a
 * sentence into err that names the file, what it found and what was expected.
 * Nothing here exits. */
#ifndef RNNSIMD_NPY_H
#define RNNSIMD_NPY_H

#include <stddef.h>
#include <stdint.h>
#include "file_io.h"
#include "rnnsimd.h"

/* numpy's own limits: at most 32 axes (NPY_MAXDIMS before numpy 2), and a
 * header of at most 10000 bytes (np.load's default max_header_size). */
#define RNN_NPY_MAX_RANK 32
#define RNN_NPY_MAX_HEADER 10000

typedef enum { RNN_NPY_F32 = 0, RNN_NPY_I32 } rnn_npy_dtype;

typedef struct {
    rnn_npy_dtype dtype;
    int rank;                          /* 0 for a scalar */
    int64_t shape[RNN_NPY_MAX_RANK];
    size_t count;                      /* prod(shape); 1 for a scalar */
    void *data;                        /* count floats or int32s, host order; owned */
} rnn_npy;

/* Reads a whole file into *out (host byte order). On failure *out holds no
 * memory. */
rnn_status rnn_npy_read(const char *path, rnn_npy *out, char *err, size_t errlen);

/* Parses a file already in memory (len bytes); name is only used in messages. */
rnn_status rnn_npy_parse(const char *name, const unsigned char *buf, size_t len, rnn_npy *out,
                         char *err, size_t errlen);

void rnn_npy_free(rnn_npy *a);

/* Checks dtype, rank and shape; an expected extent < 0 matches any extent.
 * The message names the file, e.g. "weight_hh.npy: shape (12, 3) but
 * expected (12, 4) (G*H, H)"; what, if not NULL, names the axes. */
rnn_status rnn_npy_expect(const rnn_npy *a, const char *name, rnn_npy_dtype dtype, int rank,
                          const int64_t *shape, const char *what, char *err, size_t errlen);

/* Writes count = prod(shape) elements of dtype from data (host order) as a
 * version 1.0 little-endian C-order file, atomically. */
rnn_status rnn_npy_write(const char *path, rnn_npy_dtype dtype, const void *data, int rank,
                         const int64_t *shape, char *err, size_t errlen);

/* rnn_npy_write up to the rename: af is opened and written, for the caller
 * to commit (rnn_atomic_commit, rnn_atomic_set_commit); on failure af is
 * already aborted. */
rnn_status rnn_npy_stage(rnn_atomic_file *af, const char *path, rnn_npy_dtype dtype,
                         const void *data, int rank, const int64_t *shape, char *err,
                         size_t errlen);

/* Formats a shape as numpy prints it: "()", "(3,)", "(2, 3)". */
void rnn_npy_shape_str(int rank, const int64_t *shape, char *buf, size_t len);

#endif /* RNNSIMD_NPY_H */
