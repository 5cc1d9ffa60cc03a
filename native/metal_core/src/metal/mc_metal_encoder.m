/* mc_metal_encoder.m — turning ops into GPU work.
 *
 * The caller's thread plans ops (mc_metal_plan.c) and queues them; one encode thread per
 * context encodes and commits (seed 004: Metal serialises encoding per process, so one thread
 * does it all; with MC_PRIORITY_HIGH it runs at QOS_CLASS_USER_INTERACTIVE). Eager ops go into
 * one open command buffer that is committed only when the caller needs results (seed 003:
 * committing and waiting per op made a Metal backend slower than the CPU). All dispatches of a
 * command buffer share one compute encoder of MTLDispatchTypeConcurrent, with a memory barrier
 * only where the hazard tracker sees a dispatch touch what an earlier one wrote (or write what
 * it read). A graph (one decode step) is one command buffer; right after committing it, the
 * thread encodes the next launch's command buffer while the GPU runs this one (seed 000:
 * double-buffered encoding), so a launch costs the host one commit. */
#import "mc_metal_context.h"

#include <pthread/qos.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/mc_kernel_args.h"

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* Identities of the context-wide buffers in the hazard tracker. */
static const char scratch_identity = 0;

/* ---- planning, on the caller's thread ------------------------------------------------- */

/* The tensor whose type picks an op's kernel variant (profile names), or -1. */
static int32_t variant_slot(int32_t kind) {
    switch (kind) {
    case MC_OPK_EMBEDDING: return 0;
    case MC_OPK_MATMUL:
    case MC_OPK_MATMUL_QKV:
    case MC_OPK_GATE_UP_SILU:
    case MC_OPK_ATTENTION: return 1;
    case MC_OPK_KV_APPEND: return 2;
    default: return -1;
    }
}

mc_status mc_metal_plan_ops(MCMetalContext *ctx, const mc_op_desc *ops, int32_t count,
                            mc_metal_dispatch **dispatches, int32_t *dispatch_count) {
    mc_metal_dispatch *out = calloc((size_t)count * MC_PLAN_MAX_DISPATCHES, sizeof *out);
    if (out == NULL) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "Metal: out of host memory planning ops");
    }
    int32_t n = 0;
    for (int32_t i = 0; i < count; ++i) {
        const mc_op_desc *op = &ops[i];
        mc_plan_dispatch plan[MC_PLAN_MAX_DISPATCHES];
        int32_t planned = 0;
        uint64_t scratch = 0;
        mc_status status = mc_plan_op(op, &ctx->tunables, plan, &planned, &scratch);
        if (status != MC_OK) {
            free(out);
            return status;
        }
        for (int32_t j = 0; j < planned; ++j) {
            mc_metal_dispatch *d = &out[n++];
            d->plan = plan[j];
            d->scratch_bytes = scratch;
            d->op_index = i;
            int32_t slot = variant_slot(op->kind);
            if (slot >= 0) {
                snprintf(d->profile_name, sizeof d->profile_name, "%s.%s", plan[j].kernel,
                         mc_dtype_name(op->t[slot].dtype));
            } else {
                snprintf(d->profile_name, sizeof d->profile_name, "%s", plan[j].kernel);
            }
            for (int32_t b = 0; b < plan[j].buffer_count; ++b) {
                const mc_plan_binding *p = &plan[j].buffers[b];
                mc_metal_binding *r = &d->bindings[b];
                r->kind = p->kind;
                r->access = p->access;
                r->offset = p->offset;
                r->size = p->size;
                if (p->kind == MC_PLAN_BIND_TENSOR) {
                    const mc_tensor *t = &op->t[p->slot];
                    r->buffer = t->buffer;
                    r->offset = t->offset;
                    /* The last row needs only its row size, not the whole stride. */
                    if (r->size > t->buffer->size - t->offset) {
                        r->size = t->buffer->size - t->offset;
                    }
                }
            }
        }
    }
    *dispatches = out;
    *dispatch_count = n;
    return MC_OK;
}

id<MTLBuffer> mc_metal_view(mc_buffer *buffer, uint64_t offset, uint64_t size,
                            uint64_t *view_offset) {
    mc_metal_memory *m = (mc_metal_memory *)buffer->impl;
    uint64_t at = m->prefix + offset;
    int32_t i = 0;
    if (m->count > 1) {
        i = (int32_t)(at / m->stride);
        if (i >= m->count) {
            i = m->count - 1;
        }
        if (at + size > (uint64_t)i * m->stride + m->view_length) {
            return nil; /* longer than the views' overlap */
        }
    }
    *view_offset = at - (uint64_t)i * m->stride;
    return (__bridge id<MTLBuffer>)m->views[i];
}

/* ---- encoding, on the encode thread --------------------------------------------------- */

static void fail_async(MCMetalContext *ctx, mc_status status, const char *message) {
    pthread_mutex_lock(&ctx->lock);
    if (ctx->failure_status == MC_OK) {
        ctx->failure_status = status;
        snprintf(ctx->failure, sizeof ctx->failure, "%s", message);
    }
    pthread_mutex_unlock(&ctx->lock);
}

static BOOL ensure_scratch(MCMetalContext *ctx, uint64_t bytes) {
    if (bytes <= ctx->scratch_size) {
        return YES;
    }
    /* Dispatches already encoded keep the old buffer alive through their command buffer. */
    uint64_t size = bytes + bytes / 2;
    id<MTLBuffer> grown = [ctx->device newBufferWithLength:(NSUInteger)size
                                                   options:MTLResourceStorageModePrivate];
    if (grown == nil) {
        fail_async(ctx, MC_ERROR_OUT_OF_MEMORY, "Metal: cannot allocate the attention scratch");
        return NO;
    }
    ctx->scratch = grown;
    ctx->scratch_size = size;
    return YES;
}

/* Encodes one dispatch; with `hazards`, first a barrier if it depends on an earlier one. */
static BOOL encode_dispatch(MCMetalContext *ctx, id<MTLComputeCommandEncoder> encoder,
                            const mc_metal_dispatch *d, mc_hazards *hazards) {
    const mc_plan_dispatch *p = &d->plan;
    char message[512];
    id<MTLComputePipelineState> pipeline = mc_metal_pipeline(ctx, p, message, sizeof message);
    if (pipeline == nil) {
        fail_async(ctx, MC_ERROR_DEVICE, message);
        return NO;
    }
    uint64_t threads = (uint64_t)p->threads[0] * p->threads[1] * p->threads[2];
    if (threads > pipeline.maxTotalThreadsPerThreadgroup) {
        snprintf(message, sizeof message,
                 "Metal: %s allows %lu threads per threadgroup on this device; the plan asks for "
                 "%llu (lower its tunable)",
                 p->kernel, (unsigned long)pipeline.maxTotalThreadsPerThreadgroup,
                 (unsigned long long)threads);
        fail_async(ctx, MC_ERROR_INVALID_ARGUMENT, message);
        return NO;
    }
    if (!ensure_scratch(ctx, d->scratch_bytes)) {
        return NO;
    }
    if (hazards != NULL) {
        /* Status words are only ever set to 1 (relaxed atomics): no ordering needed. */
        mc_hazard_range ranges[MC_PLAN_MAX_BUFFERS];
        int32_t count = 0;
        for (int32_t b = 0; b < p->buffer_count; ++b) {
            const mc_metal_binding *r = &d->bindings[b];
            if (r->access == 0 ||
                (r->kind != MC_PLAN_BIND_TENSOR && r->kind != MC_PLAN_BIND_SCRATCH)) {
                continue;
            }
            const void *identity = r->kind == MC_PLAN_BIND_TENSOR ? (const void *)r->buffer
                                                                  : (const void *)&scratch_identity;
            mc_hazard_range range = {identity, r->offset, r->offset + r->size, r->access};
            ranges[count++] = range;
        }
        if (mc_hazards_conflict(hazards, ranges, count)) {
            [encoder memoryBarrierWithScope:MTLBarrierScopeBuffers];
            mc_hazards_reset(hazards);
        }
        mc_hazards_add(hazards, ranges, count);
    }
    [encoder setComputePipelineState:pipeline];
    for (int32_t b = 0; b < p->buffer_count; ++b) {
        const mc_metal_binding *r = &d->bindings[b];
        switch (r->kind) {
        case MC_PLAN_BIND_ARGS:
            [encoder setBytes:p->args length:p->args_size atIndex:(NSUInteger)b];
            break;
        case MC_PLAN_BIND_TENSOR: {
            uint64_t offset = 0;
            id<MTLBuffer> view = mc_metal_view(r->buffer, r->offset, r->size, &offset);
            if (view == nil) {
                snprintf(message, sizeof message,
                         "Metal: %s: a tensor of %llu bytes crosses the overlap of the weight "
                         "views (larger than half of the device's maxBufferLength)",
                         p->kernel, (unsigned long long)r->size);
                fail_async(ctx, MC_ERROR_UNSUPPORTED, message);
                return NO;
            }
            [encoder setBuffer:view offset:(NSUInteger)offset atIndex:(NSUInteger)b];
            break;
        }
        case MC_PLAN_BIND_SCRATCH:
            [encoder setBuffer:ctx->scratch offset:(NSUInteger)r->offset atIndex:(NSUInteger)b];
            break;
        case MC_PLAN_BIND_STATUS:
            [encoder setBuffer:ctx->status offset:0 atIndex:(NSUInteger)b];
            break;
        default: break;
        }
    }
    if (p->threadgroup_memory != 0) {
        [encoder setThreadgroupMemoryLength:p->threadgroup_memory atIndex:0];
    }
    [encoder dispatchThreadgroups:MTLSizeMake(p->threadgroups[0], p->threadgroups[1],
                                              p->threadgroups[2])
            threadsPerThreadgroup:MTLSizeMake(p->threads[0], p->threads[1], p->threads[2])];
    return YES;
}

static void count_dispatches(MCMetalContext *ctx, int32_t count, double encode_us) {
    pthread_mutex_lock(&ctx->lock);
    ctx->dispatches += (uint64_t)count;
    ctx->last_encode_us = encode_us;
    pthread_mutex_unlock(&ctx->lock);
}

static void set_last_committed(MCMetalContext *ctx, id<MTLCommandBuffer> buffer) {
    pthread_mutex_lock(&ctx->lock);
    ctx->last_committed = buffer;
    pthread_mutex_unlock(&ctx->lock);
}

static void commit_open(MCMetalContext *ctx) {
    if (ctx->encoder != nil) {
        [ctx->encoder endEncoding];
        ctx->encoder = nil;
    }
    if (ctx->open_buffer != nil) {
        [ctx->open_buffer commit];
        set_last_committed(ctx, ctx->open_buffer);
        ctx->open_buffer = nil;
    }
}

/* Profiling: each op alone in a command buffer, timed by the GPU's start and end stamps. */
static void run_profiled(MCMetalContext *ctx, const mc_metal_dispatch *d, int32_t count) {
    for (int32_t i = 0; i < count;) {
        int32_t end = i;
        while (end < count && d[end].op_index == d[i].op_index) {
            ++end;
        }
        id<MTLCommandBuffer> buffer = [ctx->queue commandBuffer];
        id<MTLComputeCommandEncoder> encoder =
            [buffer computeCommandEncoderWithDispatchType:MTLDispatchTypeSerial];
        for (int32_t j = i; j < end; ++j) {
            encode_dispatch(ctx, encoder, &d[j], NULL);
        }
        [encoder endEncoding];
        [buffer commit];
        [buffer waitUntilCompleted];
        set_last_committed(ctx, buffer);
        mc_metal_profile_add(ctx, d[i].profile_name,
                             (buffer.GPUEndTime - buffer.GPUStartTime) * 1e6);
        i = end;
    }
}

static void run_eager(MCMetalContext *ctx, const mc_metal_dispatch *d, int32_t count) {
    double start = now_us();
    if (ctx->flags & MC_CONTEXT_FLAG_PROFILE_OPS) {
        run_profiled(ctx, d, count);
    } else {
        if (ctx->open_buffer == nil) {
            ctx->open_buffer = [ctx->queue commandBuffer];
        }
        if (ctx->encoder == nil) {
            ctx->encoder =
                [ctx->open_buffer computeCommandEncoderWithDispatchType:MTLDispatchTypeConcurrent];
            mc_hazards_reset(&ctx->hazards);
        }
        for (int32_t i = 0; i < count; ++i) {
            encode_dispatch(ctx, ctx->encoder, &d[i], &ctx->hazards);
        }
    }
    count_dispatches(ctx, count, now_us() - start);
}

/* One decode step: a command buffer with one concurrent encoder, encoded but not committed. */
static id<MTLCommandBuffer> encode_graph(MCMetalContext *ctx, const mc_metal_graph *graph) {
    id<MTLCommandBuffer> buffer = [ctx->queue commandBuffer];
    id<MTLComputeCommandEncoder> encoder =
        [buffer computeCommandEncoderWithDispatchType:MTLDispatchTypeConcurrent];
    mc_hazards hazards;
    mc_hazards_reset(&hazards);
    for (int32_t i = 0; i < graph->count; ++i) {
        encode_dispatch(ctx, encoder, &graph->dispatches[i], &hazards);
    }
    [encoder endEncoding];
    return buffer;
}

static void start_capture(MCMetalContext *ctx, const char *path) {
    MTLCaptureManager *manager = [MTLCaptureManager sharedCaptureManager];
    if (![manager supportsDestination:MTLCaptureDestinationGPUTraceDocument]) {
        fail_async(ctx, MC_ERROR_UNSUPPORTED,
                   "Metal capture: GPU trace documents are not supported here; run with "
                   "MTL_CAPTURE_ENABLED=1 in the environment");
        return;
    }
    MTLCaptureDescriptor *descriptor = [[MTLCaptureDescriptor alloc] init];
    descriptor.captureObject = ctx->queue;
    descriptor.destination = MTLCaptureDestinationGPUTraceDocument;
    descriptor.outputURL = [NSURL fileURLWithPath:[NSString stringWithUTF8String:path]];
    NSError *error = nil;
    if (![manager startCaptureWithDescriptor:descriptor error:&error]) {
        char message[512];
        snprintf(message, sizeof message,
                 "Metal capture to %s failed: %s (is MTL_CAPTURE_ENABLED=1 set? does the file "
                 "already exist?)",
                 path, error.localizedDescription.UTF8String);
        fail_async(ctx, MC_ERROR_DEVICE, message);
        return;
    }
    ctx->capturing = YES;
}

static void stop_capture(MCMetalContext *ctx) {
    if (ctx->capturing) {
        [[MTLCaptureManager sharedCaptureManager] stopCapture];
        ctx->capturing = NO;
    }
}

static void launch_graph(MCMetalContext *ctx, mc_metal_graph *graph) {
    double start = now_us();
    commit_open(ctx); /* eager work queued before the launch runs before it */
    if (ctx->flags & MC_CONTEXT_FLAG_PROFILE_OPS) {
        run_profiled(ctx, graph->dispatches, graph->count);
        count_dispatches(ctx, graph->count, now_us() - start);
        return;
    }
    BOOL capture = ctx->capture_next_launch && !ctx->capturing;
    if (capture) {
        ctx->capture_next_launch = NO;
        start_capture(ctx, ctx->capture_path);
        if (graph->encoded != NULL) { /* encoded before the capture began: encode anew */
            CFBridgingRelease(graph->encoded);
            graph->encoded = NULL;
        }
    }
    id<MTLCommandBuffer> buffer = graph->encoded != NULL
                                      ? (id<MTLCommandBuffer>)CFBridgingRelease(graph->encoded)
                                      : encode_graph(ctx, graph);
    graph->encoded = NULL;
    [buffer commit];
    set_last_committed(ctx, buffer);
    if (capture) {
        stop_capture(ctx);
    }
    double launched = now_us();
    /* The next step's command buffer, encoded while the GPU runs this one. */
    graph->encoded = (void *)CFBridgingRetain(encode_graph(ctx, graph));
    count_dispatches(ctx, graph->count, launched - start);
}

static void process(MCMetalContext *ctx, mc_metal_work *work) {
    switch (work->kind) {
    case MC_METAL_WORK_RUN:
        run_eager(ctx, work->dispatches, work->count);
        free(work->dispatches);
        break;
    case MC_METAL_WORK_LAUNCH: launch_graph(ctx, work->graph); break;
    case MC_METAL_WORK_FLUSH: commit_open(ctx); break;
    case MC_METAL_WORK_CAPTURE:
        commit_open(ctx);
        if (work->path != NULL) {
            start_capture(ctx, work->path);
            free(work->path);
        } else {
            stop_capture(ctx);
        }
        break;
    default: break;
    }
}

static void *encode_thread(void *argument) {
    MCMetalContext *ctx = (__bridge MCMetalContext *)argument;
    for (;;) {
        pthread_mutex_lock(&ctx->lock);
        while (ctx->work_count == 0 && !ctx->stopping) {
            pthread_cond_wait(&ctx->changed, &ctx->lock);
        }
        if (ctx->work_count == 0) {
            pthread_mutex_unlock(&ctx->lock);
            break;
        }
        mc_metal_work work = ctx->work[ctx->work_head];
        ctx->work_head = (ctx->work_head + 1) % MC_METAL_QUEUE_CAPACITY;
        ctx->work_count--;
        pthread_cond_broadcast(&ctx->changed);
        pthread_mutex_unlock(&ctx->lock);

        @autoreleasepool { /* a raw pthread has no pool of its own */
            process(ctx, &work);
        }

        if (work.ticket != 0) {
            pthread_mutex_lock(&ctx->lock);
            ctx->completed_ticket = work.ticket;
            pthread_cond_broadcast(&ctx->changed);
            pthread_mutex_unlock(&ctx->lock);
        }
    }
    @autoreleasepool {
        commit_open(ctx);
    }
    return NULL;
}

mc_status mc_metal_start_thread(MCMetalContext *ctx) {
    pthread_mutex_init(&ctx->lock, NULL);
    pthread_cond_init(&ctx->changed, NULL);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    /* The public form of priority on Apple platforms: the thread that encodes and submits
     * the GPU work gets the highest quality of service class. */
    pthread_attr_set_qos_class_np(&attributes,
                                  ctx->priority == MC_PRIORITY_HIGH ? QOS_CLASS_USER_INTERACTIVE
                                                                    : QOS_CLASS_USER_INITIATED,
                                  0);
    int error = pthread_create(&ctx->thread, &attributes, encode_thread, (__bridge void *)ctx);
    pthread_attr_destroy(&attributes);
    if (error != 0) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "Metal: cannot start the encode thread (%d)",
                            error);
    }
    return MC_OK;
}

void mc_metal_stop_thread(MCMetalContext *ctx) {
    pthread_mutex_lock(&ctx->lock);
    ctx->stopping = YES;
    pthread_cond_broadcast(&ctx->changed);
    pthread_mutex_unlock(&ctx->lock);
    pthread_join(ctx->thread, NULL);
    pthread_mutex_destroy(&ctx->lock);
    pthread_cond_destroy(&ctx->changed);
}

/* Takes the failure the encode thread recorded, if any (caller holds no lock). */
static mc_status take_failure(MCMetalContext *ctx) {
    pthread_mutex_lock(&ctx->lock);
    mc_status status = ctx->failure_status;
    char message[sizeof ctx->failure];
    memcpy(message, ctx->failure, sizeof message);
    ctx->failure_status = MC_OK;
    pthread_mutex_unlock(&ctx->lock);
    return status == MC_OK ? MC_OK : mc_set_error(status, "%s", message);
}

mc_status mc_metal_post(MCMetalContext *ctx, mc_metal_work *work) {
    mc_status failed = take_failure(ctx);
    if (failed != MC_OK) {
        free(work->dispatches);
        return failed;
    }
    pthread_mutex_lock(&ctx->lock);
    while (ctx->work_count == MC_METAL_QUEUE_CAPACITY) {
        pthread_cond_wait(&ctx->changed, &ctx->lock);
    }
    if (work->kind == MC_METAL_WORK_FLUSH || work->kind == MC_METAL_WORK_CAPTURE) {
        work->ticket = ++ctx->next_ticket;
    }
    ctx->work[(ctx->work_head + ctx->work_count) % MC_METAL_QUEUE_CAPACITY] = *work;
    ctx->work_count++;
    pthread_cond_broadcast(&ctx->changed);
    pthread_mutex_unlock(&ctx->lock);
    return MC_OK;
}

/* Waits until the encode thread has processed the item with `ticket`. */
static void wait_ticket(MCMetalContext *ctx, uint64_t ticket) {
    pthread_mutex_lock(&ctx->lock);
    while (ctx->completed_ticket < ticket) {
        pthread_cond_wait(&ctx->changed, &ctx->lock);
    }
    pthread_mutex_unlock(&ctx->lock);
}

/* The flags kernels raised since the last check, reset to 0. */
static mc_status check_status_words(MCMetalContext *ctx) {
    int32_t *words = (int32_t *)ctx->status.contents;
    mc_status status = MC_OK;
    if (words[MC_STATUS_TOKEN_OUT_OF_RANGE] != 0) {
        mc_log(MC_LOG_WARNING, "mc_op_embedding: a token id outside the table gave a zero row");
    }
    if (words[MC_STATUS_KV_OUT_OF_RANGE] != 0) {
        status = mc_set_error(MC_ERROR_OUT_OF_RANGE,
                              "mc_op_kv_append: a position or sequence id lay outside the KV "
                              "cache; the GPU skipped those rows");
    }
    memset(words, 0, MC_STATUS_WORDS * sizeof(int32_t));
    return status;
}

mc_status mc_metal_wait_idle(MCMetalContext *ctx) {
    mc_metal_work flush = {MC_METAL_WORK_FLUSH, NULL, 0, NULL, NULL, 0};
    mc_status status = mc_metal_post(ctx, &flush);
    if (status != MC_OK) {
        return status;
    }
    wait_ticket(ctx, flush.ticket);
    pthread_mutex_lock(&ctx->lock);
    id<MTLCommandBuffer> last = ctx->last_committed;
    pthread_mutex_unlock(&ctx->lock);
    if (last != nil) {
        /* A queue runs its command buffers in order: the last one done means all are. */
        [last waitUntilCompleted];
        if (last.status == MTLCommandBufferStatusError) {
            return mc_set_error(MC_ERROR_DEVICE, "Metal: the GPU failed a command buffer: %s",
                                last.error.localizedDescription.UTF8String);
        }
    }
    status = take_failure(ctx);
    if (status != MC_OK) {
        return status;
    }
    return check_status_words(ctx);
}

mc_status mc_metal_capture(MCMetalContext *ctx, const char *path) {
    mc_metal_work work = {MC_METAL_WORK_CAPTURE, NULL, 0, NULL, NULL, 0};
    if (path != NULL) {
        work.path = strdup(path);
        if (work.path == NULL) {
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "mc_capture_begin: out of host memory");
        }
    }
    mc_status status = mc_metal_post(ctx, &work);
    if (status != MC_OK) {
        free(work.path);
        return status;
    }
    wait_ticket(ctx, work.ticket);
    return take_failure(ctx);
}
