/* charlm_text.h — the training text as class indices (see charlm_text.c). */
#ifndef RNNSIMD_CHARLM_TEXT_H
#define RNNSIMD_CHARLM_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "rnnsimd.h"

typedef struct {
    int V;                     /* distinct bytes */
    unsigned char vocab[256];  /* class -> byte, increasing */
    int32_t *ids;              /* n classes */
    size_t n;
    double entropy;            /* of the byte frequencies, nats per character */
} charlm_text;

rnn_status charlm_text_index(const unsigned char *text, size_t n, charlm_text *out);
void charlm_text_free(charlm_text *t);

#endif
