/* out_path.c — see out_path.h. */
#include "out_path.h"
#include "errmsg.h"
#include "file_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The directory path's file goes in ("." for a bare name), malloc'd. */
static char *parent_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path); /* "/x": the root */
    char *dir = malloc(n + 1);
    if (dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

/* The name's own problems: RNN_OK, or RNN_ERR_ARG / RNN_ERR_IO with err. */
static rnn_status check_name(const char *path, char *err, size_t errlen)
{
    if (!path || !*path)
        return rnn_errorf(RNN_ERR_ARG, err, errlen, "'': an empty file name");
    if (path[strlen(path) - 1] == '/')
        return rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: names a directory (it ends in '/'), "
                          "not a file", path);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: is a directory, not a file", path);
        if (!S_ISREG(sb.st_mode))
            return rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: is not a regular file (a device "
                              "or a FIFO: the file is written beside it and renamed over it)",
                              path);
        return RNN_OK;
    }
    /* A new file, or a file where a directory should be: the directory's
     * check says which. */
    if (errno == ENOENT || errno == ENOTDIR)
        return RNN_OK;
    return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: %s", path, strerror(errno));
}

/* The directory: it must exist and be one. */
static rnn_status check_dir(const char *path, char *err, size_t errlen)
{
    char *dir = parent_of(path);
    if (!dir)
        return rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory", path);
    struct stat sb;
    rnn_status st = RNN_OK;
    if (stat(dir, &sb) != 0) {
        const int e = errno;
        if (e == ENOENT)
            st = rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: the directory %s does not exist",
                            path, dir);
        else /* ENOTDIR: a file where one of its directories should be */
            st = rnn_errorf(e == ENOTDIR ? RNN_ERR_ARG : RNN_ERR_IO, err, errlen,
                            "%s: the directory %s: %s", path, dir, strerror(e));
    } else if (!S_ISDIR(sb.st_mode)) {
        st = rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: %s is not a directory", path, dir);
    }
    free(dir);
    return st;
}

rnn_status rnn_output_path_check(const char *path, char *err, size_t errlen)
{
    rnn_status st = check_name(path, err, errlen);
    if (st == RNN_OK)
        st = check_dir(path, err, errlen);
    if (st != RNN_OK)
        return st;
    /* The one test that cannot lie (root, read-only mounts, ACLs): create
     * the temporary file the write will create, then remove it. */
    rnn_atomic_file af;
    st = rnn_atomic_open(&af, path, err, errlen);
    if (st == RNN_OK)
        rnn_atomic_abort(&af);
    return st;
}
