/* probes_avx2.c — the avx2 table's machine probes (kernels/simd/probes.inc):
 * 12 FMA chains of 8 lanes, reads summed into 12 vectors. */
#include "avx2.h"
#include "vec_avx2.h"
#include "probes.h"

#define RNN_FMA_CHAINS RNN_ACC12
#define RNN_READ_SUMS RNN_ACC12
#include "simd/probes.inc"
