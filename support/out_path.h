/* out_path.h — whether a path can take a file the programs write atomically
 * (file_io.h: a temporary file beside it, renamed over it), asked before the
 * work that produces the file, so a long run never learns at its end that it
 * cannot save. Nothing here exits. */
#ifndef RNNSIMD_OUT_PATH_H
#define RNNSIMD_OUT_PATH_H

#include <stddef.h>
#include "rnnsimd.h"

/* RNN_OK when path can be written. RNN_ERR_ARG when the name itself cannot
 * be: empty, ending in '/', a directory or another non-regular file (a
 * device, a FIFO: the rename would replace it), or in a directory that does
 * not exist or is not one; the programs report that as a usage error.
 * RNN_ERR_IO when the directory refuses the temporary file (permissions, a
 * read-only or full file system): the probe creates and removes exactly the
 * file the write will, so nothing is left behind. err (when not NULL) gets
 * "PATH: the reason". */
rnn_status rnn_output_path_check(const char *path, char *err, size_t errlen);

#endif /* RNNSIMD_OUT_PATH_H */
