/* probes_neon.c — the neon table's FMA peak probe (kernels/simd/probes.inc):
 * 16 FMA chains of 4 lanes. Its read probe is generic's, whose 128-bit
 * vectors are NEON's (neon.h says so). */
#include "neon.h"
#include "vec_neon.h"
#include "probes.h"

#define RNN_FMA_CHAINS RNN_ACC16
#include "simd/probes.inc"
