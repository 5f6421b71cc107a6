/* elementwise_generic.c — the element-wise entries of the generic table: the
 * sources of kernels/simd/, written once over the vector API, instantiated
 * on vec_generic.h: one lane at a time, the baseline ISA. */
#include "generic.h"
#include "vec_generic.h"
#include "simd/vmath.h"
#include "simd/activations.inc"
#include "simd/gates_fwd.inc"
#include "simd/gates_bwd.inc"
#include "simd/softmax.inc"
