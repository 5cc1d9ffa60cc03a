/*
 * metal_core.h — the C ABI of MetalCore's native library.
 *
 * This header is the only contract between the native library (CPU, Metal and CUDA
 * backends) and the managed (.NET) layer. The C# bindings are generated from it
 * (bindings/), and a test fails when the two drift apart.
 *
 * Conventions
 * - Every function returns an mc_status. On failure, mc_last_error() returns a readable
 *   message for the calling thread (which function, which argument, what was expected).
 *   No exception or abort crosses this boundary; the library prints nothing except through
 *   the optional log callback.
 * - Handles are opaque. A handle is destroyed by its *_destroy function; destroying NULL is
 *   a no-op that returns MC_OK.
 * - One context = one device + one in-order queue (a Metal command queue, a CUDA stream, or
 *   the CPU thread pool). Ops are enqueued on the context's queue in call order; results
 *   are visible to the host after mc_context_synchronize() (mc_buffer_read synchronizes).
 * - Tensors are described by mc_tensor: a 2-D view (rows x cols) of a buffer with a byte
 *   offset and a row stride, so the same memory can be viewed as [tokens x hidden] or as
 *   [tokens*heads x head_dim] without copying.
 * - Dynamic values of a decode step (token ids, positions) are read by the ops from device
 *   buffers, never passed by value, so a recorded step (mc_graph) can be replayed per token
 *   after writing only those buffers.
 * - A context and the objects made from it must be used from one thread at a time.
 */
#ifndef METAL_CORE_H
#define METAL_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MC_API __declspec(dllexport)
#else
#define MC_API __attribute__((visibility("default")))
#endif

/* The ABI version. Bumped on every incompatible change; the managed layer refuses a native
 * library whose mc_abi_version() differs from the value it was generated against. */
#define MC_ABI_VERSION 1

/* ------------------------------------------------------------------------------------------
 * Status codes and errors
 * ---------------------------------------------------------------------------------------- */

typedef enum mc_status {
    MC_OK = 0,
    MC_ERROR_INVALID_ARGUMENT = 1,    /* a NULL handle, a bad shape, an unknown enum value */
    MC_ERROR_OUT_OF_MEMORY = 2,       /* host or device allocation failed */
    MC_ERROR_UNSUPPORTED = 3,         /* the backend does not implement this op / dtype */
    MC_ERROR_BACKEND_UNAVAILABLE = 4, /* the requested backend is not built or has no device */
    MC_ERROR_DEVICE = 5,              /* the device or driver reported an error */
    MC_ERROR_OUT_OF_RANGE = 6,        /* an offset, size or index outside its buffer */
    MC_ERROR_INVALID_STATE = 7,       /* e.g. launching a graph while recording another */
    MC_ERROR_INTERNAL = 8             /* a bug in metal_core: please report it */
} mc_status;

/* The message of the last failing call on the calling thread (UTF-8, never NULL; "" when
 * the last call succeeded). Valid until the next metal_core call on this thread. */
MC_API const char *mc_last_error(void);

/* Severity of a log message passed to the log callback. */
typedef enum mc_log_level {
    MC_LOG_DEBUG = 0,
    MC_LOG_INFO = 1,
    MC_LOG_WARNING = 2,
    MC_LOG_ERROR = 3
} mc_log_level;

/* Receives the library's diagnostic messages (UTF-8). May be called from any thread. */
typedef void (*mc_log_callback)(mc_log_level level, const char *message, void *user_data);

/* Installs (or, with NULL, removes) the process-wide log callback. */
MC_API mc_status mc_set_log_callback(mc_log_callback callback, void *user_data);

/* ------------------------------------------------------------------------------------------
 * Version and backends
 * ---------------------------------------------------------------------------------------- */

/* Returns MC_ABI_VERSION as compiled into the library. */
MC_API uint32_t mc_abi_version(void);

/* The library's version string, e.g. "0.1.0 (cpu avx512 | cuda)". Static storage. */
MC_API const char *mc_version_string(void);

typedef enum mc_backend {
    MC_BACKEND_AUTO = 0,  /* the best available: see mc_context_create */
    MC_BACKEND_CPU = 1,   /* portable CPU backend, always present; the reference */
    MC_BACKEND_METAL = 2, /* Apple GPUs (macOS) */
    MC_BACKEND_CUDA = 3   /* NVIDIA GPUs */
} mc_backend;

/* Sets *available to 1 when the backend is compiled in and a device for it exists, else 0.
 * When 0, mc_last_error() explains why (not built, no device, driver error). */
MC_API mc_status mc_backend_available(mc_backend backend, int32_t *available);

/* ------------------------------------------------------------------------------------------
 * Data types (values match ggml's type ids, so GGUF tensor types map 1:1)
 * ---------------------------------------------------------------------------------------- */

typedef enum mc_dtype {
    MC_DTYPE_F32 = 0,
    MC_DTYPE_F16 = 1,
    MC_DTYPE_Q4_0 = 2, /* blocks of 32: f16 scale + 16 bytes of 4-bit values, offset 8 */
    MC_DTYPE_Q4_1 = 3, /* blocks of 32: f16 scale, f16 min + 16 bytes of 4-bit values */
    MC_DTYPE_Q5_0 = 6, /* blocks of 32: f16 scale, 4 bytes of high bits, 16 bytes of low nibbles */
    MC_DTYPE_Q5_1 = 7, /* blocks of 32: f16 scale, f16 min, high bits, low nibbles */
    MC_DTYPE_Q8_0 = 8, /* blocks of 32: f16 scale + 32 signed bytes */
    MC_DTYPE_I32 = 26,
    MC_DTYPE_BF16 = 30
} mc_dtype;

/* Bytes of one row of `cols` elements of `dtype` (cols must be a multiple of the block size
 * for quantized types). Returns MC_ERROR_INVALID_ARGUMENT otherwise. */
MC_API mc_status mc_dtype_row_size(mc_dtype dtype, int64_t cols, uint64_t *bytes);

/* ------------------------------------------------------------------------------------------
 * Contexts
 * ---------------------------------------------------------------------------------------- */

typedef struct mc_context mc_context;

/* Scheduling priority of the context's queue. */
typedef enum mc_priority {
    MC_PRIORITY_NORMAL = 0,
    /* CUDA: the stream is created with the greatest priority the device offers.
     * Metal: the encoding thread runs at QOS_CLASS_USER_INTERACTIVE.
     * CPU: worker threads ask the OS for a higher scheduling priority when permitted. */
    MC_PRIORITY_HIGH = 1
} mc_priority;

/* Context flags (bit set). */
typedef enum mc_context_flags {
    MC_CONTEXT_FLAG_NONE = 0,
    /* Metal only, opt-in: also call Apple's private -setGPUPriority: on the command queue
     * when -respondsToSelector: says it exists. Private API: may change with any macOS. */
    MC_CONTEXT_FLAG_PRIVATE_GPU_PRIORITY = 1,
    /* Metal: copy wrapped weights into StorageModePrivate buffers instead of zero-copy
     * views of the mapped file (costs memory, can reduce contention; seed 000). */
    MC_CONTEXT_FLAG_PRIVATE_WEIGHTS = 2,
    /* Record per-op device time (one timed encoder / event pair per op): slower, for
     * profiling. Read the results with mc_context_profile_entry. */
    MC_CONTEXT_FLAG_PROFILE_OPS = 4
} mc_context_flags;

typedef struct mc_context_options {
    uint32_t struct_size; /* sizeof(mc_context_options): lets the struct grow compatibly */
    int32_t backend;      /* mc_backend */
    int32_t threads;      /* CPU worker threads; 0 = one per physical core */
    int32_t priority;     /* mc_priority */
    uint32_t flags;       /* mc_context_flags */
    int32_t device_index; /* GPU ordinal for Metal/CUDA; 0 = the default device */
} mc_context_options;

/* Fills *options with the defaults (AUTO backend, automatic threads, normal priority). */
MC_API mc_status mc_context_options_init(mc_context_options *options);

/* Creates a context. With MC_BACKEND_AUTO, the library picks the first available backend
 * in the order METAL, CUDA, CPU; callers that know the workload (small models run faster on
 * the CPU, seed 003) should choose explicitly. */
MC_API mc_status mc_context_create(const mc_context_options *options, mc_context **context);

MC_API mc_status mc_context_destroy(mc_context *context);

/* The backend the context actually runs on (never MC_BACKEND_AUTO). */
MC_API mc_status mc_context_backend(mc_context *context, int32_t *backend);

/* A human-readable device name, e.g. "Apple M3 Max", "NVIDIA H100 80GB HBM3", "CPU: AMD EPYC
 * (2 threads, avx512)". Valid while the context lives. */
MC_API mc_status mc_context_device_name(mc_context *context, const char **name);

/* Waits until every op enqueued on the context has finished. */
MC_API mc_status mc_context_synchronize(mc_context *context);

/* Sets a tunable (threadgroup size, rows per simdgroup, variant...) by name. Unknown names
 * are MC_ERROR_INVALID_ARGUMENT; values take effect for ops enqueued afterwards. */
MC_API mc_status mc_context_set_tunable(mc_context *context, const char *name, int32_t value);

/* Counters of the context since creation or the last reset. */
typedef struct mc_context_stats {
    uint64_t ops_enqueued;      /* ops recorded or executed */
    uint64_t dispatches;        /* kernel launches / threadgroup dispatches issued */
    uint64_t graph_launches;    /* mc_graph_launch calls */
    double last_device_time_us; /* device time of the last synchronized batch of work, or
                                   of the last graph launch (GPU start to end); 0 if
                                   unknown */
    double last_host_encode_us; /* host time spent encoding / launching that work */
} mc_context_stats;

MC_API mc_status mc_context_get_stats(mc_context *context, mc_context_stats *stats);
MC_API mc_status mc_context_reset_stats(mc_context *context);

/* One entry of the per-op profile (MC_CONTEXT_FLAG_PROFILE_OPS). */
typedef struct mc_profile_entry {
    char name[48];   /* kernel name, NUL-terminated */
    uint64_t calls;  /* times run since the last reset */
    double total_us; /* device time summed over calls */
} mc_profile_entry;

/* Number of distinct kernels profiled since the last reset. */
MC_API mc_status mc_context_profile_count(mc_context *context, int32_t *count);
MC_API mc_status mc_context_profile_entry(mc_context *context, int32_t index,
                                          mc_profile_entry *entry);

/* Starts a programmatic capture of the work enqueued until mc_capture_end, written to
 * `path` (Metal: a .gputrace through MTLCaptureManager, needs MTL_CAPTURE_ENABLED=1;
 * CUDA: NVTX range + cudaProfilerStart/Stop, the path names the range). CPU:
 * MC_ERROR_UNSUPPORTED. */
MC_API mc_status mc_capture_begin(mc_context *context, const char *path);
MC_API mc_status mc_capture_end(mc_context *context);

/* ------------------------------------------------------------------------------------------
 * Buffers
 * ---------------------------------------------------------------------------------------- */

typedef struct mc_buffer mc_buffer;

/* Allocates `size` bytes of device memory (zero-filled). */
MC_API mc_status mc_buffer_create(mc_context *context, uint64_t size, mc_buffer **buffer);

/* Wraps host memory the caller keeps alive (and unchanged) until the buffer is destroyed,
 * typically a region of a memory-mapped weight file. Zero-copy where the device shares host
 * memory (CPU: the pointer itself; Metal: page-aligned newBufferWithBytesNoCopy views);
 * otherwise copied to the device once (CUDA). Ops must not write to a wrapped buffer. */
MC_API mc_status mc_buffer_wrap_host(mc_context *context, const void *host, uint64_t size,
                                     mc_buffer **buffer);

MC_API mc_status mc_buffer_destroy(mc_buffer *buffer);

MC_API mc_status mc_buffer_size(mc_buffer *buffer, uint64_t *size);

/* Copies host memory into the buffer, ordered after ops already enqueued. */
MC_API mc_status mc_buffer_write(mc_buffer *buffer, uint64_t offset, const void *source,
                                 uint64_t size);

/* Waits for enqueued work, then copies buffer contents to host memory. */
MC_API mc_status mc_buffer_read(mc_buffer *buffer, uint64_t offset, void *destination,
                                uint64_t size);

/* ------------------------------------------------------------------------------------------
 * Tensors and ops
 * ---------------------------------------------------------------------------------------- */

/* A 2-D view of a buffer: `rows` rows of `cols` elements of `dtype`, the first row at byte
 * `offset`, consecutive rows `row_stride` bytes apart (0 = packed: the row size). */
typedef struct mc_tensor {
    mc_buffer *buffer;
    uint64_t offset;
    uint64_t row_stride;
    int32_t dtype; /* mc_dtype */
    int32_t rows;
    int32_t cols;
    int32_t reserved; /* must be 0 */
} mc_tensor;

/* Rotary embedding layouts. */
typedef enum mc_rope_mode {
    MC_ROPE_NORMAL = 0, /* pairs (2i, 2i+1): GGUF llama (llama.cpp permutes q/k on convert) */
    MC_ROPE_NEOX = 2    /* pairs (i, i + d/2): Hugging Face layout, GGUF qwen2/qwen3 */
} mc_rope_mode;

/* out[t, :] = table[tokens[t], :] converted to f32.
 * table: [vocab x dim] any dtype; tokens: [n x 1] i32; out: [n x dim] f32.
 * Token ids outside [0, vocab) produce a zero row and a logged warning. */
MC_API mc_status mc_op_embedding(mc_context *context, const mc_tensor *table,
                                 const mc_tensor *tokens, const mc_tensor *out);

/* out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight[:].
 * x, out: [rows x d] f32 (may alias); weight: [1 x d] f32. Rows are independent, so a
 * [tokens*heads x head_dim] view normalizes per head (Qwen3's q/k norm). */
MC_API mc_status mc_op_rms_norm(mc_context *context, const mc_tensor *x, const mc_tensor *weight,
                                float eps, const mc_tensor *out);

/* out = x · wᵀ (+ residual): out[r, n] = sum_k x[r, k] * w[n, k] (+ residual[r, n]).
 * x: [rows x K] f32; w: [N x K] f32/f16/bf16/q8_0/q4_0/q4_1/q5_0/q5_1; out: [rows x N] f32;
 * residual: NULL or [rows x N] f32, may alias out (the fused residual add). */
MC_API mc_status mc_op_matmul(mc_context *context, const mc_tensor *x, const mc_tensor *w,
                              const mc_tensor *residual, const mc_tensor *out);

/* The fused Q/K/V projection: three matmuls of the same x in one dispatch.
 * wq: [Nq x K], wk/wv: [Nkv x K] (same dtype); q: [rows x Nq], k/v: [rows x Nkv] f32. */
MC_API mc_status mc_op_matmul_qkv(mc_context *context, const mc_tensor *x, const mc_tensor *wq,
                                  const mc_tensor *wk, const mc_tensor *wv, const mc_tensor *q,
                                  const mc_tensor *k, const mc_tensor *v);

/* The fused SwiGLU input: out = silu(x · w_gateᵀ) * (x · w_upᵀ).
 * w_gate, w_up: [F x K] (same dtype); x: [rows x K] f32; out: [rows x F] f32. */
MC_API mc_status mc_op_matmul_gate_up_silu(mc_context *context, const mc_tensor *x,
                                           const mc_tensor *w_gate, const mc_tensor *w_up,
                                           const mc_tensor *out);

/* Rotary position embedding, in place on x: [tokens x heads*head_dim] f32.
 * positions: [tokens x 1] i32. The first rope_dims of each head rotate by
 * angle = pos * base^(-2i/rope_dims) / freq_factors[i] (freq_factors: NULL, or [1 x rope_dims/2]
 * f32, e.g. Llama 3 scaling as in GGUF's rope_freqs.weight); the rest pass through. */
MC_API mc_status mc_op_rope(mc_context *context, const mc_tensor *x, const mc_tensor *positions,
                            int32_t heads, int32_t head_dim, int32_t rope_dims, float base,
                            const mc_tensor *freq_factors, int32_t mode);

/* Writes k and v ([tokens x kv_dim] f32) into the caches at rows given by positions
 * ([tokens x 1] i32): cache row = seq_ids[t] * seq_capacity + positions[t]
 * (seq_ids: NULL = sequence 0). k_cache, v_cache: [n_seq*seq_capacity x kv_dim], f32, f16 or
 * bf16. A position outside [0, seq_capacity) is MC_ERROR_OUT_OF_RANGE (CPU) or a skipped row
 * plus a device error flag read at the next synchronize (GPU). */
MC_API mc_status mc_op_kv_append(mc_context *context, const mc_tensor *k, const mc_tensor *v,
                                 const mc_tensor *k_cache, const mc_tensor *v_cache,
                                 const mc_tensor *positions, const mc_tensor *seq_ids,
                                 int32_t seq_capacity);

/* Causal attention of each query token over its sequence's cache rows 0..positions[t]:
 * q: [tokens x heads*head_dim] f32; caches as in mc_op_kv_append (kv_heads*head_dim wide;
 * heads must be a multiple of kv_heads: GQA/MQA); out: [tokens x heads*head_dim] f32.
 * softmax(q·kᵀ * scale) · v, computed with an online softmax. */
MC_API mc_status mc_op_attention(mc_context *context, const mc_tensor *q, const mc_tensor *k_cache,
                                 const mc_tensor *v_cache, const mc_tensor *positions,
                                 const mc_tensor *seq_ids, int32_t seq_capacity, int32_t heads,
                                 int32_t kv_heads, int32_t head_dim, float scale,
                                 const mc_tensor *out);

/* out[r] = the smallest index of the maximum of x[r, :]. x: [rows x n] f32; out: [rows x 1] i32.
 * Greedy decoding reads back only these 4 bytes per token. */
MC_API mc_status mc_op_argmax(mc_context *context, const mc_tensor *x, const mc_tensor *out);

/* ------------------------------------------------------------------------------------------
 * Graphs: record a decode step once, replay it per token
 * ---------------------------------------------------------------------------------------- */

typedef struct mc_graph mc_graph;

/* Starts recording: ops enqueued until mc_graph_end are captured, not executed. */
MC_API mc_status mc_graph_begin(mc_context *context);

/* Ends recording and returns the graph (CUDA: an instantiated CUDA graph; Metal: an encoded
 * op list replayed into one command buffer per launch; CPU: an op list run by the pool). */
MC_API mc_status mc_graph_end(mc_context *context, mc_graph **graph);

/* Enqueues one replay. The host writes the dynamic inputs (token, positions) to their
 * buffers with mc_buffer_write before launching; the cost on the host does not grow with the
 * number of ops. */
MC_API mc_status mc_graph_launch(mc_graph *graph);

MC_API mc_status mc_graph_destroy(mc_graph *graph);

#ifdef __cplusplus
}
#endif

#endif /* METAL_CORE_H */
