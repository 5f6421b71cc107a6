/* charlm_text.c — the training text as classes: the dictionary of its bytes,
 * each byte's class, and the entropy of the byte frequencies (the loss a
 * model that ignores context cannot beat; in nats, like the loss). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "charlm_text.h"

rnn_status charlm_text_index(const unsigned char *text, size_t n, charlm_text *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return RNN_ERR_SIZE;
    size_t count[256] = {0};
    for (size_t i = 0; i < n; i++)
        count[text[i]]++;
    int cls[256];
    for (int c = 0; c < 256; c++) {
        cls[c] = -1;
        if (count[c]) {
            cls[c] = out->V;
            out->vocab[out->V++] = (unsigned char)c;
        }
    }
    double h = 0.0;
    for (int c = 0; c < 256; c++)
        if (count[c]) {
            double p = (double)count[c] / (double)n;
            h -= p * log(p);
        }
    out->entropy = h;
    out->ids = malloc(n * sizeof *out->ids);
    if (!out->ids)
        return RNN_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        out->ids[i] = cls[text[i]];
    out->n = n;
    return RNN_OK;
}

void charlm_text_free(charlm_text *t)
{
    free(t->ids);
    t->ids = NULL;
}
