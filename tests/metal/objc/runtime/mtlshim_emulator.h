/* mtlshim_emulator.h — the C face of the kernel emulator (tests/metal/emu) for the Objective-C
 * implementation of the Metal API shim: look up a kernel function, check its function constants,
 * run one recorded dispatch. The Objective-C files compile as C-based Objective-C (GCC's runtime
 * has no Objective-C++), so they reach the C++ emulator only through these functions. */
#ifndef MTLSHIM_EMULATOR_H
#define MTLSHIM_EMULATOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A kernel function compiled into the emulator (an mtlemu::kernel_entry). */
typedef struct mtlshim_kernel mtlshim_kernel;

/* The kernel function `name`, or NULL if the emulator has none of that name. */
const mtlshim_kernel *mtlshim_kernel_named(const char *name);

/* A function constant's value as the host set it (MTLFunctionConstantValues). */
typedef enum mtlshim_constant_type {
    MTLSHIM_CONSTANT_INT,
    MTLSHIM_CONSTANT_UINT,
    MTLSHIM_CONSTANT_BOOL,
    MTLSHIM_CONSTANT_FLOAT
} mtlshim_constant_type;

typedef struct mtlshim_constant {
    uint32_t index;
    mtlshim_constant_type type;
    uint32_t bits; /* the int32 / uint32 / float bits; a bool as 0 or 1 */
} mtlshim_constant;

/* NULL when `constants` give every function constant the kernel's source declares a value;
 * else a message naming the first one missing (valid until the next call on this thread). */
const char *mtlshim_check_constants(const mtlshim_kernel *kernel, const mtlshim_constant *constants,
                                    int count);

#define MTLSHIM_MAX_BINDINGS 31 /* buffer and threadgroup-memory indices of a compute encoder */

/* One dispatchThreadgroups:threadsPerThreadgroup: with the encoder state it captured. */
typedef struct mtlshim_dispatch {
    const mtlshim_kernel *kernel;
    const mtlshim_constant *constants;
    int constant_count;
    uint32_t threadgroups[3];
    uint32_t threads[3];
    void *buffers[MTLSHIM_MAX_BINDINGS];             /* NULL = unbound */
    size_t threadgroup_memory[MTLSHIM_MAX_BINDINGS]; /* 0 = no length set */
} mtlshim_dispatch;

/* Runs the dispatch to completion on the lock-step emulator (threadgroups in an order drawn from
 * `seed`). Returns 0, or -1 with the emulator's message in `error` (a barrier not every thread
 * reaches, a divergent SIMD-group, an unbound buffer, ...). */
int mtlshim_run(const mtlshim_dispatch *dispatch, uint64_t seed, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* MTLSHIM_EMULATOR_H */
