/*
 * cuda_internal.h — the CUDA backend's per-context state and the host-side helpers its files
 * share (errors, kernel launches, scratch memory). Included by the .cu files only.
 *
 * One context owns one device, one stream (created with the device's greatest priority for
 * MC_PRIORITY_HIGH), a cuBLASLt handle, a scratch arena for ops that need temporary memory
 * (split attention partials, prefill conversions) and a pinned, device-mapped word of error
 * flags that kernels set when they meet an index they must not follow (a KV position outside
 * the cache, a token outside the vocabulary).
 */
#ifndef METAL_CORE_CUDA_INTERNAL_H
#define METAL_CORE_CUDA_INTERNAL_H

#include "backend.h"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstdint>

/* Programmatic dependent launch (Hopper): a kernel starts while its predecessor drains and
 * waits (griddepcontrol.wait) only before it reads what the predecessor wrote; matvecs stream
 * their weights meanwhile. Stream capture records it as a programmatic graph edge since 12.3. */
#if defined(CUDART_VERSION) && CUDART_VERSION >= 12030
#define MC_CUDA_HAVE_PDL 1
#else
#define MC_CUDA_HAVE_PDL 0
#endif

/* Device error flags (bits of mc_cuda::flags), reported by synchronize. */
enum mc_cuda_flag {
    MC_CUDA_FLAG_KV_POSITION =
        0, /* kv_append: position or sequence outside the cache: row skipped */
    MC_CUDA_FLAG_ATTN_POSITION = 1, /* attention: position or sequence outside the cache: clamped */
    MC_CUDA_FLAG_TOKEN = 2, /* embedding: token outside the vocabulary: zero row (warning) */
    MC_CUDA_FLAG_COUNT = 3
};

/* Atomic counters for the kernels whose last block merges the others' results (split attention,
 * argmax): two areas of this many, zero between launches (each last block resets its own). */
#define MC_CUDA_COUNTERS 65536

/* The deepest ring of the streamed matvec (cuda.mv_stages). */
#define MC_CUDA_MV_MAX_STAGES 4

/* Tunables (mc_context_set_tunable names in tunables.cu). */
struct mc_cuda_tunables {
    int32_t pdl;              /* 1: programmatic dependent launches where supported */
    int32_t fuse;             /* 1: graph capture fuses norm+matmul and q/k norm+rope+kv_append */
    int32_t gemm_min_rows;    /* rows (tokens) from which matmuls use cuBLASLt instead of matvec */
    int32_t attn_chunk;       /* keys per block of the split (flash-decoding) attention */
    int32_t mv_slices;        /* slices of K per row pair in the matvecs (0: automatic) */
    int32_t mv_prefetch;      /* L2 prefetch in the matvecs: 0 none, 1 first item, 2 every item */
    int32_t mv_blocks_per_sm; /* matvec blocks per multiprocessor (0: as fit; streamed: 1) */
    int32_t mv_stages;        /* quantized matvec: 0 registers, 2..4 stages streamed (Hopper) */
};

struct mc_cuda_profile_slot {
    char name[48];
    uint64_t calls;
    double total_us;
};

/* A pair of events around one kernel, resolved at the next synchronize. */
struct mc_cuda_pending_timing {
    int32_t slot;
    cudaEvent_t start, end;
};

struct mc_cuda {
    int device;
    cudaStream_t stream;
    int priority; /* the stream's priority value */
    char device_name[256];
    int sm_count;
    int compute_major;
    size_t max_smem_optin; /* bytes of shared memory a block may opt into */
    uint32_t flags;        /* mc_context_flags */
    mc_cuda_tunables tunables;

    volatile int32_t *error_flags; /* pinned, mapped: MC_CUDA_FLAG_COUNT words */
    int32_t *error_flags_device;   /* the device's view of the same words */

    int32_t *counters; /* 2 * MC_CUDA_COUNTERS, zero-initialized */

    const struct mc_cublaslt_api *lt_api; /* nullptr where cuBLASLt could not be loaded */
    cublasLtHandle_t lt;                  /* nullptr without lt_api */
    void *lt_workspace;
    size_t lt_workspace_size;

    /* Scratch arena. Growing it retires (does not free) the old one: captured graphs still
     * point into it. Retired arenas are freed with the context. */
    void *scratch;
    size_t scratch_size;
    void **retired;
    int32_t retired_count;

    /* Pinned staging for small reads and writes (decode tokens and positions): a write ring
     * that is reset at every synchronize, and a read area. */
    uint8_t *staging;
    size_t staging_size;
    size_t ring_used;

    /* Statistics: kernels launched, host time spent enqueuing, device time of the last
     * synchronized batch (events around it). */
    uint64_t dispatches;
    double host_encode_us;      /* of the batch being built */
    double last_host_encode_us; /* of the last synchronized batch */
    int batch_open;
    cudaEvent_t batch_start, batch_end;
    int batch_timed; /* batch_end was recorded: time it after the stream sync */
    double last_device_time_us;

    /* Per-kernel profile (MC_CONTEXT_FLAG_PROFILE_OPS). */
    mc_cuda_profile_slot *profile;
    int32_t profile_count, profile_capacity;
    mc_cuda_pending_timing *pending;
    int32_t pending_count, pending_capacity;
    cudaEvent_t *event_pool;
    int32_t event_pool_count, event_pool_capacity;

    /* The decode-step timeline (timeline.cu; a build option): the graph launch to arm (0: not
     * read yet, -1: none), launches so far, the one armed (0: none), its kernels, the log. */
    int32_t timeline_at, timeline_launches, timeline_armed;
    uint64_t timeline_kernels;
    struct mc_timeline_block *timeline_log;

    int serial_launches; /* mc_cuda_serial_launches is alive: no programmatic dependent launch */
    int capturing;       /* inside graph_create's stream capture */
    int nvtx_open;       /* mc_capture_begin pushed an NVTX range */
};

/* The device memory behind an mc_buffer (mc_buffer::impl). */
struct mc_cuda_buffer {
    uint8_t *device;
};

static inline uint8_t *mc_cuda_ptr(const mc_tensor *t) {
    return static_cast<mc_cuda_buffer *>(t->buffer->impl)->device + t->offset;
}

/* The decode-step timeline (timeline.cu): called before every graph launch with its kernel
 * count, and when the context ends. Nothing without -DMC_CUDA_TIMELINE=ON. */
void mc_cuda_timeline_before_launch(mc_cuda *self, uint64_t kernels);
void mc_cuda_timeline_free(mc_cuda *self);

/* Turns a CUDA error into MC_ERROR_DEVICE naming the call (or MC_ERROR_OUT_OF_MEMORY). */
mc_status mc_cuda_fail(const char *call, cudaError_t error);
mc_status mc_cuda_fail_lt(const char *call, cublasStatus_t status);

/* The cuBLASLt entry points the backend calls, from the library cublaslt_library.cu opens. */
struct mc_cublaslt_api {
    decltype(&cublasLtCreate) create;
    decltype(&cublasLtDestroy) destroy;
    decltype(&cublasLtMatmulDescCreate) desc_create;
    decltype(&cublasLtMatmulDescSetAttribute) desc_set_attribute;
    decltype(&cublasLtMatmulDescDestroy) desc_destroy;
    decltype(&cublasLtMatrixLayoutCreate) layout_create;
    decltype(&cublasLtMatrixLayoutDestroy) layout_destroy;
    decltype(&cublasLtMatmulPreferenceCreate) preference_create;
    decltype(&cublasLtMatmulPreferenceSetAttribute) preference_set_attribute;
    decltype(&cublasLtMatmulPreferenceDestroy) preference_destroy;
    decltype(&cublasLtMatmulAlgoGetHeuristic) algo_get_heuristic;
    decltype(&cublasLtMatmul) matmul;
};

/* cuBLASLt's entry points, loaded on the first call; nullptr, with the reason in *why, where the
 * library or one of its functions is missing. */
const mc_cublaslt_api *mc_cublaslt(const char **why);

#define MC_CUDA_TRY(call)                                                                          \
    do {                                                                                           \
        cudaError_t error_ = (call);                                                               \
        if (error_ != cudaSuccess) {                                                               \
            return mc_cuda_fail(#call, error_);                                                    \
        }                                                                                          \
    } while (0)

/* Makes the context's device current for the calling thread. */
mc_status mc_cuda_use_device(mc_cuda *self);

/* Returns scratch memory of at least `bytes` (256-byte aligned), growing the arena. Must not
 * be called during capture with a size the arena lacks: graph_create sizes it first. */
mc_status mc_cuda_scratch(mc_cuda *self, size_t bytes, void **memory);

/* Profiling around each kernel (no-ops unless MC_CONTEXT_FLAG_PROFILE_OPS). */
mc_status mc_cuda_profile_begin(mc_cuda *self, const char *kernel, int32_t *token);
mc_status mc_cuda_profile_end(mc_cuda *self, int32_t token);
/* After a stream synchronize: folds the completed kernel timings into the profile and times
 * the batch that just finished. */
mc_status mc_cuda_profile_collect(mc_cuda *self);
void mc_cuda_profile_free(mc_cuda *self);

/* Batch accounting for the stats: called before enqueuing work and at synchronize. */
mc_status mc_cuda_batch_begin(mc_cuda *self);
mc_status mc_cuda_batch_end(mc_cuda *self);

/* Waits for the stream, then reports device error flags (and clears them). */
mc_status mc_cuda_sync_and_check(mc_cuda *self);

/* Whether an op writing the tensor's buffer has been enqueued or recorded. */
static inline bool mc_cuda_op_written(const mc_tensor *t) {
    return t->buffer != nullptr && t->buffer->op_written;
}

/* Kernels read some inputs before waiting for the previous kernel: the matvecs their weights and
 * fused norm weights, the attention the positions and its q/k norm weights and frequency factors
 * — what the model loop never computes on the device — so that with programmatic dependent
 * launch those reads overlap the kernels before. A kernel early in such a chain may still be
 * writing memory when a later one starts (every kernel lets its successor launch before it
 * waits itself). So where one of those inputs lives in a buffer an op writes (a weight computed
 * on the device, say), the op's launches go without programmatic dependent launch while this
 * guard lives: each starts once everything before it has ended. */
class mc_cuda_serial_launches {
  public:
    mc_cuda_serial_launches(mc_cuda *self, bool serial)
        : self_(self), saved_(self->serial_launches) {
        if (serial) {
            self->serial_launches = 1;
        }
    }
    ~mc_cuda_serial_launches() { self_->serial_launches = saved_; }
    mc_cuda_serial_launches(const mc_cuda_serial_launches &) = delete;
    mc_cuda_serial_launches &operator=(const mc_cuda_serial_launches &) = delete;

  private:
    mc_cuda *self_;
    int saved_;
};

/* Launches `kernel` on the context's stream, with a programmatic-dependent-launch attribute when
 * enabled (and no mc_cuda_serial_launches is alive), counting and (optionally) timing it under
 * `name`. */
template <typename... Params, typename... Args>
mc_status mc_cuda_launch(mc_cuda *self, const char *name, void (*kernel)(Params...), dim3 grid,
                         dim3 block, size_t smem, Args... args) {
    int32_t token = -1;
    MC_TRY(mc_cuda_profile_begin(self, name, &token));
    cudaLaunchConfig_t config = {};
    config.gridDim = grid;
    config.blockDim = block;
    config.dynamicSmemBytes = smem;
    config.stream = self->stream;
#if MC_CUDA_HAVE_PDL
    cudaLaunchAttribute attribute[1];
    if (self->tunables.pdl && !self->serial_launches && self->compute_major >= 9) {
        attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
        attribute[0].val.programmaticStreamSerializationAllowed = 1;
        config.attrs = attribute;
        config.numAttrs = 1;
    }
#endif
    cudaError_t error = cudaLaunchKernelEx(&config, kernel, static_cast<Params>(args)...);
    if (error != cudaSuccess) {
        return mc_cuda_fail(name, error);
    }
    self->dispatches++;
    return mc_cuda_profile_end(self, token);
}

/* Ops (one file each), called by run() with a validated descriptor. */
mc_status mc_cuda_op_embedding(mc_cuda *self, const mc_op_desc *op);
mc_status mc_cuda_op_rms_norm(mc_cuda *self, const mc_op_desc *op);
mc_status mc_cuda_op_matmul(mc_cuda *self, const mc_op_desc *op); /* all three matmul kinds */
mc_status mc_cuda_op_rope(mc_cuda *self, const mc_op_desc *op);
mc_status mc_cuda_op_kv_append(mc_cuda *self, const mc_op_desc *op);
mc_status mc_cuda_op_attention(mc_cuda *self, const mc_op_desc *op);
mc_status mc_cuda_op_argmax(mc_cuda *self, const mc_op_desc *op);

/* The q/k preparation of a decode step (per-head RMS norms, rope, the append of k and v) done
 * inside the attention kernel (fusion.cu). */
struct mc_cuda_qk_prepare {
    float *k;                     /* the token's k row (roped in place) */
    const float *v;               /* its v row */
    const float *q_norm, *k_norm; /* per-head norm weights, or nullptr */
    float q_eps, k_eps;
    int rope_dims, neox;
    float base;
    const float *freq_factors;    /* or nullptr */
    bool early_inputs_op_written; /* the norm weights or factors: mc_cuda_serial_launches */
    bool dependents_after_wait;   /* the next kernel may launch once the attention is past its
                                     wait: it is not the streamed matvec (attention.cu) */
};
mc_status mc_cuda_op_attention_prepared(mc_cuda *self, const mc_op_desc *op,
                                        const mc_cuda_qk_prepare *prepare);

/* Whether a matmul-kind op (of any of the three kinds) runs on the streamed matvec
 * (matvec_stream.cu): one activation row, quantized weights the kernel takes. */
bool mc_cuda_matmul_streams(const mc_cuda *self, const mc_op_desc *op);

/* Scratch bytes an op needs (0 for most), so graph_create can size the arena before capture. */
size_t mc_cuda_op_scratch(const mc_cuda *self, const mc_op_desc *op);
size_t mc_cuda_matmul_scratch(const mc_cuda *self, const mc_op_desc *op);
size_t mc_cuda_attention_scratch(const mc_cuda *self, const mc_op_desc *op);
size_t mc_cuda_argmax_scratch(const mc_cuda *self, const mc_op_desc *op);

/* Checks the alignment the kernels need (element-aligned offsets and strides). */
mc_status mc_cuda_check_alignment(const mc_op_desc *op);

/* Runs `count` ops on the stream one by one (the vtable's run). */
mc_status mc_cuda_run_ops(mc_cuda *self, const mc_op_desc *ops, int32_t count);
/* Runs them with the decode-step fusions of fusion.cu (graph capture). */
mc_status mc_cuda_run_fused(mc_cuda *self, const mc_op_desc *ops, int32_t count);
/* rms_norm `norm` fused into the one-token matmul-kind op `op` that reads its output;
 * `next_streams`: the kernel after it is the streamed matvec, which this one lets launch late. */
mc_status mc_cuda_op_matmul_fused_norm(mc_cuda *self, const mc_op_desc *norm, const mc_op_desc *op,
                                       bool next_streams);

/* Vtable entries implemented in separate files. */
mc_status mc_cuda_buffer_create(void *self, mc_buffer *buffer, uint64_t size);
mc_status mc_cuda_buffer_wrap_host(void *self, mc_buffer *buffer, const void *host, uint64_t size);
void mc_cuda_buffer_destroy(void *self, mc_buffer *buffer);
mc_status mc_cuda_buffer_write(void *self, mc_buffer *buffer, uint64_t offset, const void *source,
                               uint64_t size);
mc_status mc_cuda_buffer_read(void *self, mc_buffer *buffer, uint64_t offset, void *destination,
                              uint64_t size);
mc_status mc_cuda_graph_create(void *self, const mc_op_desc *ops, int32_t count, void **graph);
mc_status mc_cuda_graph_launch(void *self, void *graph);
void mc_cuda_graph_destroy(void *self, void *graph);
mc_status mc_cuda_set_tunable(void *self, const char *name, int32_t value);
/* Fills the defaults, then applies MC_CUDA_TUNABLES; fails on a malformed override. */
mc_status mc_cuda_default_tunables(mc_cuda_tunables *tunables);
mc_status mc_cuda_stats(void *self, mc_context_stats *stats);
mc_status mc_cuda_profile(void *self, int32_t index, mc_profile_entry *entry, int32_t *count);
mc_status mc_cuda_capture_begin(void *self, const char *path);
mc_status mc_cuda_capture_end(void *self);

/* Host clock in microseconds (monotonic). */
double mc_cuda_now_us(void);

#endif /* METAL_CORE_CUDA_INTERNAL_H */
