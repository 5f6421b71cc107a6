/* elementwise_neon.c — the element-wise entries of the neon table: the
 * sources of kernels/simd/, written once over the vector API, instantiated
 * on vec_neon.h: 4 lanes (Advanced SIMD). */
#include "neon.h"
#include "vec_neon.h"
#include "simd/vmath.h"
#include "simd/activations.inc"
#include "simd/gates_fwd.inc"
#include "simd/gates_bwd.inc"
#include "simd/softmax.inc"
