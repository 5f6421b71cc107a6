/* file_io.h — whole files in and out for the programs: a write that is
 * atomic (a temporary file in the same directory, written, fsync'd and
 * renamed over the path, then the directory fsync'd), so a reader never sees
 * half a file where a good one was and an interrupted or failed write leaves
 * the old file; and a bounded read of a whole regular file.
 *
 * Every function returns an rnn_status (RNN_ERR_IO for the file system,
 * RNN_ERR_SIZE for a file above the bound, RNN_ERR_NOMEM) and, when err is
 * not NULL, writes a sentence into err that names the file and what failed
 * ("out/h.npy: write failed: No space left on device"). Nothing here exits. */
#ifndef RNNSIMD_FILE_IO_H
#define RNNSIMD_FILE_IO_H

#include <stddef.h>
#include <stdio.h>
#include "rnnsimd.h"

/* Writes len bytes to path atomically. On failure the temporary file is
 * removed and path is untouched. */
rnn_status rnn_write_file_atomic(const char *path, const void *data, size_t len, char *err,
                                 size_t errlen);

/* The same in pieces, for writers that stream: open, write any number of
 * times, then commit (the rename) or abort (nothing changes). A failed write
 * or commit leaves the file to abort; commit aborts on its own failure. */
typedef struct {
    char *tmp;
    int fd;
    FILE *f; /* rnn_atomic_stream's, else NULL */
} rnn_atomic_file;
/* A path that exists and is not a regular file (a directory, device, FIFO
 * or socket) is refused: the rename would replace it. */
rnn_status rnn_atomic_open(rnn_atomic_file *af, const char *path, char *err, size_t errlen);
/* rnn_atomic_open, then a stdio stream over the temporary file, for writers
 * that print (NULL after a message in err). Commit flushes it and checks
 * that every write reached the file before the rename. */
FILE *rnn_atomic_stream(rnn_atomic_file *af, const char *path, char *err, size_t errlen);
rnn_status rnn_atomic_write(rnn_atomic_file *af, const char *path, const void *data, size_t len,
                            char *err, size_t errlen);
rnn_status rnn_atomic_commit(rnn_atomic_file *af, const char *path, char *err, size_t errlen);
void rnn_atomic_abort(rnn_atomic_file *af);

/* Files that appear together or not at all: each member is opened and
 * written as one rnn_atomic_file (by rnn_npy_stage, say), then
 * rnn_atomic_set_commit renames every one into place, or rnn_atomic_set_abort
 * removes every temporary file, so a run that fails before its commit leaves
 * every old file as it was. Only a rename refused part way through the commit
 * (after every write succeeded) leaves some new files beside old ones; its
 * message says how many were in place. Both free the set. */
typedef struct {
    rnn_atomic_file *af;
    char **path;
    int n, cap;
} rnn_atomic_set;
/* A new member for path (copied), not yet open; NULL when out of memory,
 * after a message in err (the set is then still the caller's to abort). */
rnn_atomic_file *rnn_atomic_set_add(rnn_atomic_set *s, const char *path, char *err, size_t errlen);
rnn_status rnn_atomic_set_commit(rnn_atomic_set *s, char *err, size_t errlen);
void rnn_atomic_set_abort(rnn_atomic_set *s);

/* Opens path for reading (mode "r" or "rb") only if it is a regular file.
 * The open itself does not block: a FIFO opened for reading would wait for
 * a writer forever, so it is opened non-blocking, refused, and closed. On
 * failure *f is NULL, errno is open's (ENOENT for a missing file) or EINVAL
 * for a directory, FIFO, socket or device, and err names the file. */
rnn_status rnn_open_regular(const char *path, const char *mode, FILE **f, char *err,
                            size_t errlen);

/* Reads a whole regular file (malloc'd into *data, *len bytes); a file of
 * more than max_len bytes is RNN_ERR_SIZE. */
rnn_status rnn_read_file(const char *path, size_t max_len, unsigned char **data, size_t *len,
                         char *err, size_t errlen);

#endif /* RNNSIMD_FILE_IO_H */
