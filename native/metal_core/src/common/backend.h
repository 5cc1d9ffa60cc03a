/*
 * backend.h — the internal contract between the common layer and each backend.
 *
 * The common layer (src/common) owns everything that is the same for every backend: argument
 * validation of the public ABI, error messages, op recording for graphs, statistics. A backend
 * (src/cpu, src/metal, src/cuda) only allocates memory and executes lists of already
 * validated op descriptors. It is plain C so that the Objective-C (.m), CUDA (.cu) and C++
 * backends can all implement it.
 */
#ifndef METAL_CORE_BACKEND_H
#define METAL_CORE_BACKEND_H

#include "metal_core.h"

/* Evaluates an expression giving an mc_status and returns that status from the enclosing
 * function when it is not MC_OK. */
#define MC_TRY(expression)                                                                         \
    do {                                                                                           \
        mc_status status_ = (expression);                                                          \
        if (status_ != MC_OK) {                                                                    \
            return status_;                                                                        \
        }                                                                                          \
    } while (0)

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of op a descriptor can hold; each maps to one public mc_op_* function. */
typedef enum mc_op_kind {
    MC_OPK_EMBEDDING = 0,
    MC_OPK_RMS_NORM = 1,
    MC_OPK_MATMUL = 2,
    MC_OPK_MATMUL_QKV = 3,
    MC_OPK_GATE_UP_SILU = 4,
    MC_OPK_ROPE = 5,
    MC_OPK_KV_APPEND = 6,
    MC_OPK_ATTENTION = 7,
    MC_OPK_ARGMAX = 8,
    MC_OPK_COUNT = 9
} mc_op_kind;

#define MC_OP_MAX_TENSORS 8

/* One validated op. Tensor slots and parameters per kind (absent tensor: buffer == NULL):
 *  EMBEDDING:     t0 table, t1 tokens, t2 out
 *  RMS_NORM:      t0 x, t1 weight, t2 out; f0 eps
 *  MATMUL:        t0 x, t1 w, t2 residual?, t3 out
 *  MATMUL_QKV:    t0 x, t1 wq, t2 wk, t3 wv, t4 q, t5 k, t6 v
 *  GATE_UP_SILU:  t0 x, t1 w_gate, t2 w_up, t3 out
 *  ROPE:          t0 x, t1 positions, t2 freq_factors?; i0 heads, i1 head_dim, i2 rope_dims,
 *                 i3 mode; f0 base
 *  KV_APPEND:     t0 k, t1 v, t2 k_cache, t3 v_cache, t4 positions, t5 seq_ids?;
 *                 i0 seq_capacity
 *  ATTENTION:     t0 q, t1 k_cache, t2 v_cache, t3 positions, t4 seq_ids?, t5 out;
 *                 i0 seq_capacity, i1 heads, i2 kv_heads, i3 head_dim; f0 scale
 *  ARGMAX:        t0 x, t1 out
 * Every tensor has row_stride resolved (never 0) and lies within its buffer. */
typedef struct mc_op_desc {
    int32_t kind; /* mc_op_kind */
    mc_tensor t[MC_OP_MAX_TENSORS];
    int32_t i[4];
    float f[2];
} mc_op_desc;

/* The common part of a buffer; `impl` belongs to the backend. `host` is the host-visible
 * address where the backend has one (CPU, Metal shared memory), else NULL. */
struct mc_buffer {
    mc_context *context;
    void *impl;
    void *host;
    uint64_t size;
    int32_t wrapped; /* 1 for mc_buffer_wrap_host: read-only for ops */
    /* 1 once an op writing it has been enqueued or recorded (the CUDA backend then launches the
     * kernels that read it before waiting for their predecessors without overlap). */
    int32_t op_written;
};

/* A backend: a table of functions, each returning an mc_status and setting the error
 * message through mc_set_error() on failure. `self` is the backend's per-context state. */
typedef struct mc_backend_vtable {
    const char *name;
    mc_status (*create)(const mc_context_options *options, void **self);
    void (*destroy)(void *self);
    const char *(*device_name)(void *self);

    mc_status (*buffer_create)(void *self, mc_buffer *buffer, uint64_t size);
    mc_status (*buffer_wrap_host)(void *self, mc_buffer *buffer, const void *host, uint64_t size);
    void (*buffer_destroy)(void *self, mc_buffer *buffer);
    mc_status (*buffer_write)(void *self, mc_buffer *buffer, uint64_t offset, const void *source,
                              uint64_t size);
    mc_status (*buffer_read)(void *self, mc_buffer *buffer, uint64_t offset, void *destination,
                             uint64_t size);

    /* Executes (enqueues) ops in order. */
    mc_status (*run)(void *self, const mc_op_desc *ops, int32_t count);
    mc_status (*synchronize)(void *self);

    /* Graphs: turns a recorded op list into a replayable object (may be NULL: the common
     * layer then replays the list through run()). */
    mc_status (*graph_create)(void *self, const mc_op_desc *ops, int32_t count, void **graph);
    mc_status (*graph_launch)(void *self, void *graph);
    void (*graph_destroy)(void *self, void *graph);

    mc_status (*set_tunable)(void *self, const char *name, int32_t value);
    /* Fills the device-side fields (dispatches, times); with stats == NULL, resets them. */
    mc_status (*stats)(void *self, mc_context_stats *stats);
    /* Sets *count to the number of profiled kernels; when index >= 0 (and < *count), also
     * fills *entry with that kernel's totals. */
    mc_status (*profile)(void *self, int32_t index, mc_profile_entry *entry, int32_t *count);
    mc_status (*capture_begin)(void *self, const char *path);
    mc_status (*capture_end)(void *self);
} mc_backend_vtable;

/* The lower-case name of a dtype ("f32", "q8_0", ...; "unknown" for other values), as errors
 * and profile entries spell it. */
const char *mc_dtype_name(int32_t dtype);

/* Sets the calling thread's error message (printf-style) and returns `status`. */
mc_status mc_set_error(mc_status status, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Sends a message to the log callback, if any (printf-style). */
void mc_log(mc_log_level level, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The backends compiled into this library; NULL when not built. Each returns its vtable. */
const mc_backend_vtable *mc_cpu_backend(void);
const mc_backend_vtable *mc_metal_backend(void);
const mc_backend_vtable *mc_cuda_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* METAL_CORE_BACKEND_H */
