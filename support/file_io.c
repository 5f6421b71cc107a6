/* file_io.c — the atomic write and the whole-file read of file_io.h. */
#include "file_io.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

rnn_status rnn_atomic_open(rnn_atomic_file *af, const char *path, char *err, size_t errlen)
{
    af->fd = -1;
    af->f = NULL;
    af->tmp = NULL;
    /* A directory at path would fail only at the rename, after the whole
     * write, and with the rename's errno (EBUSY, EISDIR) for a reason. */
    struct stat sb;
    const int exists = stat(path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: is a directory, not a file", path);
    /* The rename would replace a device or a FIFO with a plain file: as
     * root, writing to /dev/null would remove /dev/null. */
    if (exists && !S_ISREG(sb.st_mode))
        return rnn_errorf(RNN_ERR_IO, err, errlen,
                          "%s: not a regular file (a device, FIFO or socket), which the "
                          "write would replace", path);
    const size_t cap = strlen(path) + 40;
    af->tmp = malloc(cap);
    if (!af->tmp)
        return rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory", path);
    /* Same directory as path, so the rename cannot cross file systems. Not
     * mkstemp: its 0600 would ignore the umask, and O_EXCL with 0666 makes
     * a new file as any other program's (0666 less the umask). The name is
     * the process's and a counter's, tried until one is free. */
    static _Atomic unsigned serial;
    int e = EEXIST;
    for (int tries = 0; af->fd < 0 && e == EEXIST && tries < 1000; tries++) {
        snprintf(af->tmp, cap, "%s.tmp-%ld-%u", path, (long)getpid(), serial++);
        af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        e = errno;
    }
    if (af->fd < 0) {
        rnn_status st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot create a temporary file: %s",
                             path, strerror(e));
        free(af->tmp);
        af->tmp = NULL;
        return st;
    }
    /* A file replaced keeps its permissions. */
    if (exists && fchmod(af->fd, sb.st_mode & 07777) != 0) {
        /* Not fatal: the data are still right. */
    }
    return RNN_OK;
}

rnn_status rnn_atomic_write(rnn_atomic_file *af, const char *path, const void *data, size_t len,
                            char *err, size_t errlen)
{
    const unsigned char *p = data;
    while (len) {
        ssize_t w = write(af->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: write failed: %s", path,
                        w < 0 ? strerror(errno) : "no progress");
        p += w;
        len -= (size_t)w;
    }
    return RNN_OK;
}

FILE *rnn_atomic_stream(rnn_atomic_file *af, const char *path, char *err, size_t errlen)
{
    if (rnn_atomic_open(af, path, err, errlen) != RNN_OK)
        return NULL;
    af->f = fdopen(af->fd, "w");
    if (!af->f) {
        rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: cannot open a stream: %s", path, strerror(errno));
        rnn_atomic_abort(af);
    }
    return af->f;
}

void rnn_atomic_abort(rnn_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    else if (af->fd >= 0)
        close(af->fd);
    af->f = NULL;
    if (af->tmp) {
        unlink(af->tmp);
        free(af->tmp);
    }
    af->fd = -1;
    af->tmp = NULL;
}

rnn_status rnn_atomic_commit(rnn_atomic_file *af, const char *path, char *err, size_t errlen)
{
    rnn_status st = RNN_OK;
    if (af->f && (fflush(af->f) != 0 || ferror(af->f)))
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: write failed: %s", path, strerror(errno));
    if (st == RNN_OK && fsync(af->fd) != 0)
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: fsync failed: %s", path, strerror(errno));
    if ((af->f ? fclose(af->f) : close(af->fd)) != 0 && st == RNN_OK)
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: close failed: %s", path, strerror(errno));
    af->f = NULL;
    af->fd = -1;
    if (st == RNN_OK && rename(af->tmp, path) != 0)
        st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot rename the temporary file into place: %s",
                  path, strerror(errno));
    if (st != RNN_OK) {
        rnn_atomic_abort(af);
        return st;
    }
    free(af->tmp);
    af->tmp = NULL;
    /* Make the rename itself durable; some file systems refuse a directory
     * fsync, which loses nothing already written, so its failure is ignored. */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash) {
            *slash = '\0';
            d = slash == dir ? "/" : dir;
        }
        int dfd = open(d, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return RNN_OK;
}

rnn_status rnn_write_file_atomic(const char *path, const void *data, size_t len, char *err,
                                 size_t errlen)
{
    if (!path || (!data && len))
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "write: a required pointer is NULL");
    rnn_atomic_file af;
    rnn_status st = rnn_atomic_open(&af, path, err, errlen);
    if (st != RNN_OK)
        return st;
    st = rnn_atomic_write(&af, path, data, len, err, errlen);
    if (st != RNN_OK) {
        rnn_atomic_abort(&af);
        return st;
    }
    return rnn_atomic_commit(&af, path, err, errlen);
}

rnn_atomic_file *rnn_atomic_set_add(rnn_atomic_set *s, const char *path, char *err, size_t errlen)
{
    if (s->n == s->cap) {
        const int cap = s->cap ? 2 * s->cap : 16;
        rnn_atomic_file *af = realloc(s->af, (size_t)cap * sizeof *af);
        if (af)
            s->af = af;
        char **p = af ? realloc(s->path, (size_t)cap * sizeof *p) : NULL;
        if (p)
            s->path = p;
        if (!af || !p) {
            rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory", path);
            return NULL;
        }
        s->cap = cap;
    }
    if (!(s->path[s->n] = strdup(path))) {
        rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory", path);
        return NULL;
    }
    rnn_atomic_file *af = &s->af[s->n++];
    *af = (rnn_atomic_file){NULL, -1, NULL};
    return af;
}

static void atomic_set_free(rnn_atomic_set *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->path[i]);
    free(s->af);
    free(s->path);
    *s = (rnn_atomic_set){0};
}

void rnn_atomic_set_abort(rnn_atomic_set *s)
{
    for (int i = 0; i < s->n; i++)
        rnn_atomic_abort(&s->af[i]);
    atomic_set_free(s);
}

rnn_status rnn_atomic_set_commit(rnn_atomic_set *s, char *err, size_t errlen)
{
    rnn_status st = RNN_OK;
    int i = 0;
    for (; i < s->n && st == RNN_OK; i++) {
        if (!s->af[i].tmp)
            st = rnn_errorf(RNN_ERR_ARG, err, errlen, "%s: committed without being written",
                            s->path[i]);
        else
            st = rnn_atomic_commit(&s->af[i], s->path[i], err, errlen);
    }
    if (st != RNN_OK && i > 1) {
        const size_t used = strlen(err ? err : "");
        if (err && used < errlen)
            snprintf(err + used, errlen - used, " (%d of the %d files already in place)", i - 1,
                     s->n);
    }
    for (; i < s->n; i++)
        rnn_atomic_abort(&s->af[i]);
    atomic_set_free(s);
    return st;
}

rnn_status rnn_open_regular(const char *path, const char *mode, FILE **f, char *err,
                            size_t errlen)
{
    if (!path || !mode || !f)
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "open: a required pointer is NULL");
    *f = NULL;
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        rnn_status st = rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot open: %s", path, strerror(e));
        errno = e;
        return st;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        const int isdir = fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode);
        close(fd);
        errno = EINVAL;
        return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: %s", path,
                          isdir ? "is a directory, not a file"
                                : "not a regular file (a FIFO, socket or device)");
    }
    /* reads of a regular file never block; the flag only mattered for open */
    const int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || !(*f = fdopen(fd, mode))) {
        const int e = errno;
        close(fd);
        errno = e;
        return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot open: %s", path, strerror(e));
    }
    return RNN_OK;
}

rnn_status rnn_read_file(const char *path, size_t max_len, unsigned char **data, size_t *len,
                         char *err, size_t errlen)
{
    if (!path || !data || !len)
        return rnn_errorf(RNN_ERR_NULL, err, errlen, "read: a required pointer is NULL");
    *data = NULL;
    *len = 0;
    FILE *f;
    rnn_status st = rnn_open_regular(path, "rb", &f, err, errlen);
    if (st != RNN_OK)
        return st;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        fclose(f);
        return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot read: %s", path, strerror(errno));
    }
    if ((uint64_t)sb.st_size > max_len) {
        fclose(f);
        return rnn_errorf(RNN_ERR_SIZE, err, errlen, "%s: %lld bytes, more than the %zu allowed", path,
                    (long long)sb.st_size, max_len);
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return rnn_errorf(RNN_ERR_NOMEM, err, errlen, "%s: out of memory for %zu bytes", path, n);
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        return rnn_errorf(RNN_ERR_IO, err, errlen, "%s: cannot read: %s", path,
                    bad ? strerror(errno) : "the file shrank while being read");
    }
    *data = buf;
    *len = n;
    return RNN_OK;
}

