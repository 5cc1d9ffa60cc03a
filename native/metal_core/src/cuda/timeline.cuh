/* timeline.cuh — the device side of the decode-step timeline, a diagnostic build option
 * (cmake -DMC_CUDA_TIMELINE=ON; off by default, when all of this compiles to nothing).
 *
 * Why: with programmatic dependent launch the kernels of a captured step overlap, so neither
 * per-kernel events (`metalcore profile` runs the ops eagerly) nor a kernel's own duration says
 * where a step's time goes. Here every kernel's blocks record, from the GPU's global timer, when
 * they start, when their griddepcontrol.wait is issued and when it returns, and when each of
 * their warps ends; timeline.cu arms one graph replay and prints the table (docs/CUDA.md).
 *
 * A launch's records go to the slot of its %gridid (grids are numbered in launch order, so the
 * kernels of one step never share a slot; the host checks). Only the first thread of a block
 * writes, except the end time, which every warp's first lane raises with an atomic maximum. */
#ifndef METAL_CORE_CUDA_TIMELINE_CUH
#define METAL_CORE_CUDA_TIMELINE_CUH

#include <cuda_runtime.h>

#include <cstdint>

/* The instrumented kernels, for the printed table (names in timeline.cu). */
enum mc_timeline_kind {
    MC_TL_MATVEC_STREAM = 1,
    MC_TL_MATVEC_QUANT,
    MC_TL_MATVEC_DENSE,
    MC_TL_ATTENTION,
    MC_TL_QK_PREPARE,
    MC_TL_EMBEDDING,
    MC_TL_RMS_NORM,
    MC_TL_ROPE,
    MC_TL_KV_APPEND,
    MC_TL_ARGMAX,
    MC_TL_GEMM_PREP, /* gemm.cu's conversions before and after cuBLASLt */
    MC_TL_KIND_COUNT
};

#define MC_TL_SLOTS 512  /* launches a replay may hold (a step has ~10 per layer) */
#define MC_TL_BLOCKS 512 /* blocks per launch recorded (the rest are not) */

struct mc_timeline_block {
    unsigned long long grid; /* %gridid; 0: nothing recorded */
    unsigned long long start, wait_issued, released, end;
    uint32_t kind, info, blocks, sm;
};

/* griddepcontrol.wait itself (sm_90; nothing before), timed below in timeline builds. */
__device__ __forceinline__ void mc_griddep_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

#if MC_CUDA_TIMELINE

/* Each translation unit has its own copy of the log's address (the library is built without
 * relocatable device code); a static initializer registers this unit's setter with timeline.cu,
 * which sets every copy to arm a replay and back to nullptr after it. */
static __device__ mc_timeline_block *mc_timeline_log;
typedef void (*mc_timeline_setter)(mc_timeline_block *log, cudaStream_t stream);
int mc_timeline_register(mc_timeline_setter setter);
static void mc_timeline_set_here(mc_timeline_block *log, cudaStream_t stream) {
    cudaMemcpyToSymbolAsync(mc_timeline_log, &log, sizeof log, 0, cudaMemcpyHostToDevice, stream);
}
[[maybe_unused]] static const int mc_timeline_registered =
    mc_timeline_register(mc_timeline_set_here);

__device__ __forceinline__ unsigned long long mc_timeline_now() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

/* This block's record in the armed log, or nullptr. */
__device__ __forceinline__ mc_timeline_block *mc_timeline_mine(mc_timeline_block *log) {
    unsigned long long grid;
    asm("mov.u64 %0, %%gridid;" : "=l"(grid));
    const unsigned b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    return log != nullptr && b < MC_TL_BLOCKS ? &log[(grid % MC_TL_SLOTS) * MC_TL_BLOCKS + b]
                                              : nullptr;
}

__device__ __forceinline__ bool mc_timeline_leader() {
    return threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0;
}

/* Records the start when constructed (first statement of a kernel) and each warp's end when
 * destroyed (every return path). */
struct mc_timeline_scope {
    mc_timeline_block *log;
    __device__ __forceinline__ mc_timeline_scope(uint32_t kind, uint32_t info) {
        const unsigned long long now = mc_timeline_now();
        log = *(mc_timeline_block *volatile *)&mc_timeline_log;
        mc_timeline_block *b = mc_timeline_leader() ? mc_timeline_mine(log) : nullptr;
        if (b != nullptr) {
            unsigned long long grid;
            asm("mov.u64 %0, %%gridid;" : "=l"(grid));
            unsigned sm;
            asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
            b->grid = grid;
            b->start = now;
            b->kind = kind;
            b->info = info;
            b->blocks = gridDim.x * gridDim.y * gridDim.z;
            b->sm = sm;
        }
    }
    __device__ __forceinline__ ~mc_timeline_scope() {
        mc_timeline_block *b = (threadIdx.x % 32) == 0 ? mc_timeline_mine(log) : nullptr;
        if (b != nullptr) {
            atomicMax(&b->end, mc_timeline_now());
        }
    }
};

#define MC_TIMELINE_KERNEL(kind, info) const mc_timeline_scope mc_timeline_scope_((kind), (info))

/* griddepcontrol.wait with the times it was issued and returned. */
__device__ __forceinline__ void mc_timeline_wait() {
    mc_timeline_block *const log = *(mc_timeline_block *volatile *)&mc_timeline_log;
    const unsigned long long issued = mc_timeline_now();
    mc_griddep_wait();
    const unsigned long long released = mc_timeline_now();
    mc_timeline_block *b = mc_timeline_leader() ? mc_timeline_mine(log) : nullptr;
    if (b != nullptr) {
        b->wait_issued = issued;
        b->released = released;
    }
}

#else

#define MC_TIMELINE_KERNEL(kind, info) ((void)0)

__device__ __forceinline__ void mc_timeline_wait() {
    mc_griddep_wait();
}

#endif

#endif
