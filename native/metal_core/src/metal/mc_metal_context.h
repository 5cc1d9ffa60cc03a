/*
 * mc_metal_context.h — the Metal backend's state, shared by its Objective-C files:
 *   mc_metal_backend.m   the vtable: device selection, buffers and weight views, statistics,
 *                        profile, capture
 *   mc_metal_library.m   the kernel library (metal_core.metallib or compiled from source) and
 *                        the pipeline cache keyed by kernel name and function constants
 *   mc_metal_encoder.m   the encode thread: command buffers, the concurrent compute encoder,
 *                        barriers from the hazard tracker, graphs encoded ahead
 * Written for ARC on macOS (see docs/METAL.md for how Linux CI compiles it).
 */
#ifndef MC_METAL_CONTEXT_H
#define MC_METAL_CONTEXT_H

#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

#include <pthread.h>

#include "backend.h"
#include "mc_metal_hazards.h"
#include "mc_metal_plan.h"

/* A buffer's device memory: one MTLBuffer, or for a wrapped region longer than the device's
 * maxBufferLength, overlapping views `stride` bytes apart, each `view_length` long, so that
 * every range up to view_length - stride bytes lies wholly inside one view. `prefix` is the
 * distance from the first view's (page-aligned) start to the buffer's first byte. */
typedef struct mc_metal_memory {
    int32_t count;
    uint64_t prefix, stride, view_length;
    void *views[]; /* id<MTLBuffer>, retained (CFBridgingRetain) */
} mc_metal_memory;

/* One binding of a planned dispatch, resolved to memory. */
typedef struct mc_metal_binding {
    int32_t kind;      /* mc_plan_bind */
    int32_t access;    /* MC_PLAN_READ | MC_PLAN_WRITE */
    mc_buffer *buffer; /* MC_PLAN_BIND_TENSOR */
    uint64_t offset;   /* bytes from the start of the buffer (or scratch) */
    uint64_t size;
} mc_metal_binding;

/* A dispatch as the encode thread receives it: the plan plus resolved bindings. */
typedef struct mc_metal_dispatch {
    mc_plan_dispatch plan;
    mc_metal_binding bindings[MC_PLAN_MAX_BUFFERS];
    uint64_t scratch_bytes; /* the scratch the dispatch's op needs */
    int32_t op_index;       /* which op of its list it belongs to (profiling) */
    char profile_name[48];  /* kernel and variant, e.g. "mc_matvec.q8_0" */
} mc_metal_dispatch;

/* A recorded step: its dispatches, planned once. */
typedef struct mc_metal_graph {
    mc_metal_dispatch *dispatches;
    int32_t count;
    void *encoded; /* id<MTLCommandBuffer> encoded ahead for the next launch, or NULL */
} mc_metal_graph;

/* Profile totals per kernel name (MC_CONTEXT_FLAG_PROFILE_OPS). */
#define MC_METAL_PROFILE_SLOTS 64
typedef struct mc_metal_profile {
    char name[48];
    uint64_t calls;
    double total_us;
} mc_metal_profile;

/* Work for the encode thread. */
typedef enum mc_metal_work_kind {
    MC_METAL_WORK_RUN = 0,    /* encode `dispatches` into the open command buffer */
    MC_METAL_WORK_LAUNCH = 1, /* commit `graph`'s command buffer, encode the next one */
    MC_METAL_WORK_FLUSH = 2,  /* commit the open command buffer */
    MC_METAL_WORK_CAPTURE = 3 /* start (path) or stop (NULL) a capture, after a flush */
} mc_metal_work_kind;

typedef struct mc_metal_work {
    int32_t kind;
    mc_metal_dispatch *dispatches; /* RUN: owned by the work item */
    int32_t count;
    mc_metal_graph *graph; /* LAUNCH */
    char *path;            /* CAPTURE: start with this path; NULL: stop */
    uint64_t ticket;       /* FLUSH, CAPTURE: done when completed_ticket reaches it */
} mc_metal_work;

#define MC_METAL_QUEUE_CAPACITY 256

/* The context. Fields written by the caller's thread and the encode thread are guarded by
 * `lock`; everything Metal-side (encoder, pipelines, scratch) belongs to the encode thread. */
@interface MCMetalContext : NSObject {
  @public
    id<MTLDevice> device;
    id<MTLCommandQueue> queue;
    id<MTLLibrary> library;
    NSMutableDictionary *pipelines; /* "name|constants" -> id<MTLComputePipelineState> */
    id residency;                   /* id<MTLResidencySet> on macOS 15+, else nil */
    char device_name[160];
    uint32_t flags;
    int32_t priority;
    mc_plan_tunables tunables;

    /* Encode thread state. */
    id<MTLCommandBuffer> open_buffer; /* being encoded, not yet committed */
    id<MTLComputeCommandEncoder> encoder;
    mc_hazards hazards;
    id<MTLBuffer> scratch; /* split-attention partials, grown on demand */
    uint64_t scratch_size;
    id<MTLBuffer> status; /* MC_STATUS_WORDS int32 flags the kernels raise */
    mc_metal_profile profile[MC_METAL_PROFILE_SLOTS];
    int32_t profile_count;
    BOOL capturing;

    /* Shared with the caller's thread (under `lock`). */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    mc_metal_work work[MC_METAL_QUEUE_CAPACITY];
    int32_t work_head, work_count;
    uint64_t next_ticket, completed_ticket;
    BOOL stopping;
    id<MTLCommandBuffer> last_committed;
    char failure[512]; /* an error the encode thread met; reported by the next call */
    mc_status failure_status;
    uint64_t dispatches;
    double last_encode_us;
    BOOL capture_next_launch; /* MC_METAL_CAPTURE_PATH: capture the first graph launch */
    char capture_path[1024];
}
@end

/* mc_metal_library.m */
mc_status mc_metal_load_library(MCMetalContext *ctx);
/* The pipeline of a planned dispatch (cached); nil with the reason in error_message. Called
 * on the encode thread only. */
id<MTLComputePipelineState> mc_metal_pipeline(MCMetalContext *ctx, const mc_plan_dispatch *d,
                                              char *error_message, size_t error_size);

/* mc_metal_encoder.m */
mc_status mc_metal_start_thread(MCMetalContext *ctx);
void mc_metal_stop_thread(MCMetalContext *ctx);
/* Plans ops into dispatches on the caller's thread (tunables are read here). */
mc_status mc_metal_plan_ops(MCMetalContext *ctx, const mc_op_desc *ops, int32_t count,
                            mc_metal_dispatch **dispatches, int32_t *dispatch_count);
/* Queues work for the encode thread (takes ownership of work->dispatches). */
mc_status mc_metal_post(MCMetalContext *ctx, mc_metal_work *work);
/* Commits everything queued and waits until the GPU finished it; reports kernel flags. */
mc_status mc_metal_wait_idle(MCMetalContext *ctx);
/* Starts a capture of the work queued from now on into `path` (a .gputrace), or stops it
 * (path NULL), after committing what is queued. */
mc_status mc_metal_capture(MCMetalContext *ctx, const char *path);
/* The id<MTLBuffer> and offset where `offset` of `buffer` lies, for `size` bytes from there. */
id<MTLBuffer> mc_metal_view(mc_buffer *buffer, uint64_t offset, uint64_t size,
                            uint64_t *view_offset);
/* Records device time of one profiled kernel. */
void mc_metal_profile_add(MCMetalContext *ctx, const char *name, double us);

#endif /* MC_METAL_CONTEXT_H */
