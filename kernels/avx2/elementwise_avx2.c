/* elementwise_avx2.c — the element-wise entries of the avx2 table: the
 * sources of kernels/simd/, written once over the vector API, instantiated
 * on vec_avx2.h: 8 lanes (AVX2 + FMA). */
#include "avx2.h"
#include "vec_avx2.h"
#include "simd/vmath.h"
#include "simd/activations.inc"
#include "simd/gates_fwd.inc"
#include "simd/gates_bwd.inc"
#include "simd/softmax.inc"
