/* column_sums.c — bias gradients: the sum over all rows (steps x batch) of
 * a gradient matrix, in double so the sum of T*B terms keeps float accuracy
 * whatever the number of rows. */
#include <string.h>
#include "drivers.h"

/* Four columns at a time in GCC's generic vectors: the drivers are built for
 * the baseline ISA, and its compiler leaves the scalar float-to-double loop
 * scalar. The sums' order (row by row, per column) is the plain loop's. */
typedef float f4 __attribute__((vector_size(16)));
typedef double d4 __attribute__((vector_size(32)));

void rnn_column_sums(size_t rows, size_t n, const float *a, size_t ld, float *dst)
{
    /* Row by row keeps the reads contiguous (8 KiB of a row at a time, so
     * the prefetchers see long runs); blocks of columns keep the double
     * accumulators in a small stack array. */
    enum { BLOCK = 2048 };
    d4 acc[BLOCK / 4];
    for (size_t j0 = 0; j0 < n; j0 += BLOCK) {
        const size_t w = n - j0 < BLOCK ? n - j0 : BLOCK, w4 = w / 4;
        double tail[3] = {0.0, 0.0, 0.0};
        memset(acc, 0, sizeof acc);
        for (size_t r = 0; r < rows; r++) {
            const float *row = a + r * ld + j0;
            for (size_t q = 0; q < w4; q++) {
                f4 v;
                memcpy(&v, row + 4 * q, sizeof v);
                acc[q] += __builtin_convertvector(v, d4);
            }
            for (size_t j = 4 * w4; j < w; j++)
                tail[j - 4 * w4] += row[j];
        }
        for (size_t q = 0; q < w4; q++)
            for (int l = 0; l < 4; l++)
                dst[j0 + 4 * q + (size_t)l] = (float)acc[q][l];
        for (size_t j = 4 * w4; j < w; j++)
            dst[j0 + j] = (float)tail[j - 4 * w4];
    }
}
