/* test_column_sums.c — the bias gradients' column sums (core/column_sums.c):
 * every column is the sum of its rows, in row order, in double. Checked
 * against a plain scalar loop, bit for bit, at widths around the vector of
 * 4 and the block of 2048 columns and with a row stride wider than the
 * width; and a column whose float running sum would lose everything
 * (1e8, then ones, then -1e8) must come out exact. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rnnsimd_reference.h"
#include "drivers.h"

static void plain(size_t rows, size_t n, const float *a, size_t ld, float *dst)
{
    for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t r = 0; r < rows; r++)
            s += a[r * ld + j];
        dst[j] = (float)s;
    }
}

int main(void)
{
    static const size_t Rs[] = {1, 7, 300}, Ns[] = {1, 3, 4, 5, 17, 2047, 2048, 2049, 4100};
    int shapes = 0;
    for (size_t ri = 0; ri < sizeof Rs / sizeof *Rs; ri++)
        for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++) {
            const size_t rows = Rs[ri], n = Ns[ni], ld = n + 5;
            float *a = malloc(rows * ld * sizeof *a), *got = malloc((n + 1) * sizeof *got);
            float *want = malloc(n * sizeof *want);
            if (!a || !got || !want) {
                CHECK(0, "out of memory");
                return check_summary();
            }
            rnn_fill_uniform(a, rows * ld, 7, rows * 10000 + n, -1.0f, 1.0f);
            got[n] = 12345.0f; /* must stay: nothing past n is written */
            rnn_column_sums(rows, n, a, ld, got);
            plain(rows, n, a, ld, want);
            size_t bad = 0;
            for (size_t j = 0; j < n; j++)
                bad += memcmp(&got[j], &want[j], sizeof got[j]) != 0;
            CHECK(bad == 0, "rows %zu n %zu: %zu columns differ from the plain loop", rows, n,
                  bad);
            CHECK(got[n] == 12345.0f, "rows %zu n %zu: wrote past the last column", rows, n);
            free(a);
            free(got);
            free(want);
            shapes++;
        }
    /* 1e8 + 300 ones - 1e8: a float accumulator gives 0 (1e8 + 1 == 1e8). */
    enum { ROWS = 302, N = 2050 };
    float *a = malloc((size_t)ROWS * N * sizeof *a), s[N];
    if (a) {
        for (size_t r = 0; r < ROWS; r++)
            for (size_t j = 0; j < N; j++)
                a[r * N + j] = r == 0 ? 1e8f : r == ROWS - 1 ? -1e8f : 1.0f;
        rnn_column_sums(ROWS, N, a, N, s);
        size_t bad = 0;
        for (size_t j = 0; j < N; j++)
            bad += s[j] != 300.0f;
        CHECK(bad == 0, "1e8 + 300 ones - 1e8: %zu of %d columns are not 300", bad, N);
        free(a);
    }
    printf("%d shapes equal to the plain double loop bit for bit; cancellation case %s\n",
           shapes, check_failed ? "checked" : "exact");
    return check_summary();
}
