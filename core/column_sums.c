/* column_sums.c — bias gradients: the sum over all rows (steps x batch) of
 * a gradient matrix, in double so the sum of T*B terms keeps float accuracy
 * whatever the number of rows. */
#include "plan_internal.h"

void rnn_column_sums(size_t rows, size_t n, const float *a, size_t ld, float *dst)
{
    /* Row by row keeps the reads contiguous; blocks of columns keep the
     * double accumulators in a small stack array. */
    enum { BLOCK = 256 };
    double acc[BLOCK];
    for (size_t j0 = 0; j0 < n; j0 += BLOCK) {
        size_t w = n - j0 < BLOCK ? n - j0 : BLOCK;
        for (size_t j = 0; j < w; j++)
            acc[j] = 0.0;
        for (size_t r = 0; r < rows; r++) {
            const float *row = a + r * ld + j0;
            for (size_t j = 0; j < w; j++)
                acc[j] += row[j];
        }
        for (size_t j = 0; j < w; j++)
            dst[j0 + j] = (float)acc[j];
    }
}
