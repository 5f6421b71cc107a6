/* errmsg.h — support/'s one way to fail with a message: format it into the
 * caller's buffer (when there is one) and return the status, so every error
 * path is one line that names its problem. */
#ifndef RNNSIMD_ERRMSG_H
#define RNNSIMD_ERRMSG_H

#include <stddef.h>

#include "rnnsimd.h"

/* Writes fmt's text to err (at most errlen bytes, always terminated) when err
 * and errlen are not zero; returns st. */
rnn_status rnn_errorf(rnn_status st, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
