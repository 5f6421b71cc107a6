/* elementwise_avx512.c — the element-wise entries of the avx512 table: the
 * sources of kernels/simd/, written once over the vector API, instantiated
 * on vec_avx512.h: 16 lanes (AVX-512). */
#include "avx512.h"
#include "vec_avx512.h"
#include "simd/vmath.h"
#include "simd/activations.inc"
#include "simd/gates_fwd.inc"
#include "simd/gates_bwd.inc"
#include "simd/softmax.inc"
