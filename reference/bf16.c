/* bf16.c — the reference's own rounding to bf16 (docs/design.md §8), shared
 * with nothing in kernels/ (an oracle that reused the rounding it judges
 * would prove nothing).
 *
 * A value of the reference is a double; the kernel it stands for holds the
 * same quantity as a float32 and rounds that to bf16. So the rounding here is
 * double -> float32 (C's conversion: round to nearest even on every IEEE-754
 * machine) -> bf16 (round to nearest even on the float's bits): exactly what
 * a kernel whose float32 value were the correctly rounded reference value
 * would read. Rounding the double straight to bf16 would differ in the rare
 * double-rounding ties, and the reference is meant to isolate the kernel's
 * error, not to be more exact than the data type. Denormal floats are kept
 * (the math's semantics; x86's vdpbf16ps reads them as zero, a difference far
 * below any tolerance), infinities stay, NaN stays NaN (quieted), and the
 * largest floats round to infinity as RNE says. */
#include <stdint.h>
#include <string.h>
#include "reference_internal.h"

double rnn_ref_bf16(double v)
{
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7F800000u) == 0x7F800000u && (u & 0x007FFFFFu) != 0) {
        u |= 0x00400000u; /* NaN: quieted, payload's high bits kept */
    } else {
        /* Round to nearest even on bit 16: add just under half, plus the
         * kept lsb; a carry into the exponent is the correct rounding (up
         * to infinity past the largest bf16). */
        u += 0x7FFFu + ((u >> 16) & 1u);
    }
    u &= 0xFFFF0000u;
    memcpy(&f, &u, sizeof f);
    return (double)f;
}

/* rnn_reference_options.flip_near_ties of the call this thread is in (set
 * by every _opt entry point, so never left over from another call). */
static _Thread_local int flip_near_ties;

void rnn_ref_bf16_flip_near_ties(int on)
{
    flip_near_ties = on;
}

double rnn_ref_bf16_operand(double v)
{
    const double r = rnn_ref_bf16(v);
    if (!flip_near_ties)
        return r;
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    const uint32_t low = u & 0xFFFFu;
    if ((u & 0x7F800000u) == 0x7F800000u || low + 8u < 0x8000u || low > 0x8000u + 8u)
        return r; /* not within 8 ulps of a tie (or inf, NaN) */
    /* The other neighbour: down if it rounded up, up if it rounded down
     * (a carry into the exponent is the right neighbour too). */
    uint32_t w = u & 0xFFFF0000u;
    float g;
    memcpy(&g, &w, sizeof g);
    if ((double)g != r) {
        return (double)g;
    }
    w += 0x10000u;
    memcpy(&g, &w, sizeof g);
    return (double)g;
}
