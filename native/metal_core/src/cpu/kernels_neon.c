/* kernels_neon.c — the kernel table for arm64 with Advanced SIMD (every arm64 CPU). The code is
 * kernels_neon_impl.h; this file only sets the variant. */
#include "cpu_kernels.h"

#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))

#include <arm_neon.h>
#include <math.h>

#define MC_NEON_DOTPROD 0
#include "kernels_neon_impl.h"

const mc_cpu_kernels *mc_cpu_kernels_neon(void) {
    return &neon_kernels;
}

#else

const mc_cpu_kernels *mc_cpu_kernels_neon(void) {
    return NULL;
}

#endif
