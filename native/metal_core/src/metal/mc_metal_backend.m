/* mc_metal_backend.m — the Metal backend's vtable (src/common/backend.h): device selection,
 * the command queue, buffers (zero-copy views of mapped weights), statistics, the per-kernel
 * profile and frame capture. Encoding lives in mc_metal_encoder.m. */
#import "mc_metal_context.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/mc_kernel_args.h"

@implementation MCMetalContext
@end

static MCMetalContext *context_of(void *self) {
    return (__bridge MCMetalContext *)self;
}

/* Apple's private, undocumented queue priority calls, only on request (the context flag) and
 * only where the running macOS has them. The value's meaning is not documented either: 1 is
 * what we pass, to be checked on a Mac under GPU contention (docs/METAL.md). */
static void request_private_priority(id<MTLCommandQueue> queue) {
    NSObject *object = (NSObject *)queue;
    NSString *names[] = {@"setGPUPriority:", @"setBackgroundGPUPriority:"};
    for (int i = 0; i < 2; ++i) {
        SEL selector = NSSelectorFromString(names[i]);
        if (![object respondsToSelector:selector]) {
            mc_log(MC_LOG_INFO, "Metal: the command queue has no private -%s", names[i].UTF8String);
            continue;
        }
        IMP method = [object methodForSelector:selector];
        ((void (*)(id, SEL, NSUInteger))method)(object, selector, 1);
        mc_log(MC_LOG_INFO, "Metal: called the private -%s 1", names[i].UTF8String);
    }
}

static id<MTLDevice> choose_device(int32_t index) {
    if (index == 0) {
        return MTLCreateSystemDefaultDevice();
    }
    NSArray *devices = MTLCopyAllDevices();
    if ((NSUInteger)index >= devices.count) {
        return nil;
    }
    return (id<MTLDevice>)[devices objectAtIndex:(NSUInteger)index];
}

static void make_residency_set(MCMetalContext *ctx) {
    if (@available(macOS 15.0, *)) {
        MTLResidencySetDescriptor *descriptor = [[MTLResidencySetDescriptor alloc] init];
        descriptor.label = @"metal_core buffers";
        descriptor.initialCapacity = 256;
        NSError *error = nil;
        id<MTLResidencySet> set = [ctx->device newResidencySetWithDescriptor:descriptor
                                                                       error:&error];
        if (set == nil) {
            mc_log(MC_LOG_WARNING, "Metal: no residency set: %s",
                   error.localizedDescription.UTF8String);
            return;
        }
        [ctx->queue addResidencySet:set];
        ctx->residency = set;
    }
}

/* Adds (or removes) a buffer's views to the residency set, so the GPU keeps them resident. */
static void set_resident(MCMetalContext *ctx, mc_metal_memory *memory, BOOL resident) {
    if (ctx->residency == nil) {
        return;
    }
    if (@available(macOS 15.0, *)) {
        id<MTLResidencySet> set = ctx->residency;
        for (int32_t i = 0; i < memory->count; ++i) {
            id<MTLBuffer> view = (__bridge id<MTLBuffer>)memory->views[i];
            if (resident) {
                [set addAllocation:view];
            } else {
                [set removeAllocation:view];
            }
        }
        [set commit];
        if (resident) {
            [set requestResidency];
        }
    }
}

static mc_status metal_create(const mc_context_options *options, void **self) {
    @autoreleasepool {
        id<MTLDevice> device = choose_device(options->device_index);
        if (device == nil) {
            return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE, "Metal: no GPU at device index %d",
                                (int)options->device_index);
        }
        /* simdgroup_matrix (prefill) and bfloat need Apple silicon's Apple7 family or later. */
        if (![device supportsFamily:MTLGPUFamilyApple7]) {
            return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                                "Metal: %s is not an Apple7-family GPU (M1 or later); the "
                                "kernels need simdgroup matrices",
                                device.name.UTF8String);
        }
        MCMetalContext *ctx = [[MCMetalContext alloc] init];
        ctx->device = device;
        snprintf(ctx->device_name, sizeof ctx->device_name, "%s", device.name.UTF8String);
        ctx->flags = options->flags;
        ctx->priority = options->priority;
        mc_plan_defaults(&ctx->tunables);
        ctx->pipelines = [[NSMutableDictionary alloc] init];
        ctx->queue = [device newCommandQueue];
        if (ctx->queue == nil) {
            return mc_set_error(MC_ERROR_DEVICE, "Metal: %s gave no command queue",
                                ctx->device_name);
        }
        ctx->queue.label = @"metal_core";
        if (options->flags & MC_CONTEXT_FLAG_PRIVATE_GPU_PRIORITY) {
            request_private_priority(ctx->queue);
        }
        mc_status status = mc_metal_load_library(ctx);
        if (status != MC_OK) {
            return status;
        }
        ctx->status = [device newBufferWithLength:MC_STATUS_WORDS * sizeof(int32_t)
                                          options:MTLResourceStorageModeShared];
        if (ctx->status == nil) {
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "Metal: cannot allocate the status words");
        }
        memset(ctx->status.contents, 0, MC_STATUS_WORDS * sizeof(int32_t));
        make_residency_set(ctx);
        const char *capture = getenv("MC_METAL_CAPTURE_PATH");
        if (capture != NULL && capture[0] != '\0') {
            ctx->capture_next_launch = YES;
            snprintf(ctx->capture_path, sizeof ctx->capture_path, "%s", capture);
        }
        status = mc_metal_start_thread(ctx);
        if (status != MC_OK) {
            return status;
        }
        *self = (void *)CFBridgingRetain(ctx);
        return MC_OK;
    }
}

static void metal_destroy(void *self) {
    @autoreleasepool {
        MCMetalContext *ctx = (MCMetalContext *)CFBridgingRelease(self);
        mc_metal_wait_idle(ctx);
        mc_metal_stop_thread(ctx);
    }
}

static const char *metal_device_name(void *self) {
    return context_of(self)->device_name;
}

static mc_metal_memory *new_memory(int32_t count) {
    mc_metal_memory *memory = calloc(1, sizeof *memory + (size_t)count * sizeof(void *));
    if (memory != NULL) {
        memory->count = count;
    }
    return memory;
}

static mc_status metal_buffer_create(void *self, mc_buffer *buffer, uint64_t size) {
    @autoreleasepool {
        MCMetalContext *ctx = context_of(self);
        if (size > ctx->device.maxBufferLength) {
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY,
                                "mc_buffer_create: %llu bytes exceed %s's maxBufferLength (%llu)",
                                (unsigned long long)size, ctx->device_name,
                                (unsigned long long)ctx->device.maxBufferLength);
        }
        /* Shared storage: Apple silicon's unified memory, readable and writable by the host. */
        id<MTLBuffer> made = [ctx->device newBufferWithLength:(NSUInteger)size
                                                      options:MTLResourceStorageModeShared];
        mc_metal_memory *memory = new_memory(1);
        if (made == nil || memory == NULL) {
            free(memory);
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY,
                                "mc_buffer_create: %s cannot allocate %llu bytes", ctx->device_name,
                                (unsigned long long)size);
        }
        memset(made.contents, 0, (size_t)size);
        memory->view_length = size;
        memory->views[0] = (void *)CFBridgingRetain(made);
        buffer->impl = memory;
        buffer->host = made.contents;
        set_resident(ctx, memory, YES);
        return MC_OK;
    }
}

/* A private (GPU-only) copy of [host, host + length), through a shared staging view. */
static id<MTLBuffer> private_copy(MCMetalContext *ctx, const void *host, uint64_t length) {
    id<MTLBuffer> copy = [ctx->device
        newBufferWithLength:(NSUInteger)length
                    options:MTLResourceStorageModePrivate | MTLResourceHazardTrackingModeUntracked];
    id<MTLBuffer> staging = [ctx->device newBufferWithBytes:host
                                                     length:(NSUInteger)length
                                                    options:MTLResourceStorageModeShared];
    if (copy == nil || staging == nil) {
        return nil;
    }
    id<MTLCommandBuffer> commands = [ctx->queue commandBuffer];
    id<MTLBlitCommandEncoder> blit = [commands blitCommandEncoder];
    [blit copyFromBuffer:staging
             sourceOffset:0
                 toBuffer:copy
        destinationOffset:0
                     size:(NSUInteger)length];
    [blit endEncoding];
    [commands commit];
    [commands waitUntilCompleted];
    return commands.status == MTLCommandBufferStatusCompleted ? copy : nil;
}

/* One view of weights: zero-copy where Metal accepts the memory, else a copy. */
static id<MTLBuffer> weight_view(MCMetalContext *ctx, const void *start, uint64_t length) {
    if (ctx->flags & MC_CONTEXT_FLAG_PRIVATE_WEIGHTS) {
        return private_copy(ctx, start, length);
    }
    /* Weights are never written by the GPU: untracked, so Metal tracks no hazards on them. */
    MTLResourceOptions options =
        MTLResourceStorageModeShared | MTLResourceHazardTrackingModeUntracked;
    id<MTLBuffer> view = [ctx->device newBufferWithBytesNoCopy:(void *)start
                                                        length:(NSUInteger)length
                                                       options:options
                                                   deallocator:nil];
    if (view == nil) {
        mc_log(MC_LOG_WARNING,
               "Metal: newBufferWithBytesNoCopy refused %llu bytes at %p; copying them",
               (unsigned long long)length, start);
        view = [ctx->device newBufferWithBytes:start length:(NSUInteger)length options:options];
    }
    return view;
}

static mc_status metal_buffer_wrap_host(void *self, mc_buffer *buffer, const void *host,
                                        uint64_t size) {
    @autoreleasepool {
        MCMetalContext *ctx = context_of(self);
        /* newBufferWithBytesNoCopy needs page-aligned memory and length: views start at the
         * page holding the first byte and end on a page boundary (within the mapping). */
        uint64_t page = (uint64_t)getpagesize();
        uintptr_t first = (uintptr_t)host & ~(uintptr_t)(page - 1);
        uint64_t prefix = (uint64_t)((uintptr_t)host - first);
        uint64_t total = (prefix + size + page - 1) / page * page;
        uint64_t max_view = (uint64_t)ctx->device.maxBufferLength / page * page;
        uint64_t view_length = total <= max_view ? total : max_view;
        /* Views overlap by half: a tensor up to half a view long lies wholly inside one. */
        uint64_t stride = total <= max_view ? total : view_length / 2 / page * page;
        int32_t count =
            total <= max_view ? 1 : (int32_t)((total - view_length + stride - 1) / stride) + 1;
        mc_metal_memory *memory = new_memory(count);
        if (memory == NULL) {
            return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "mc_buffer_wrap_host: out of host memory");
        }
        memory->prefix = prefix;
        memory->stride = stride;
        memory->view_length = view_length;
        for (int32_t i = 0; i < count; ++i) {
            uint64_t begin = (uint64_t)i * stride;
            uint64_t length = total - begin < view_length ? total - begin : view_length;
            id<MTLBuffer> view = weight_view(ctx, (const char *)first + begin, length);
            if (view == nil) {
                for (int32_t j = 0; j < i; ++j) {
                    CFBridgingRelease(memory->views[j]);
                }
                free(memory);
                return mc_set_error(MC_ERROR_OUT_OF_MEMORY,
                                    "mc_buffer_wrap_host: %s cannot map %llu bytes of weights",
                                    ctx->device_name, (unsigned long long)length);
            }
            view.label = @"metal_core weights";
            memory->views[i] = (void *)CFBridgingRetain(view);
        }
        buffer->impl = memory;
        buffer->host = (void *)host;
        set_resident(ctx, memory, YES);
        if (count > 1) {
            mc_log(MC_LOG_INFO, "Metal: %llu bytes of weights as %d overlapping views",
                   (unsigned long long)size, (int)count);
        }
        return MC_OK;
    }
}

static void metal_buffer_destroy(void *self, mc_buffer *buffer) {
    @autoreleasepool {
        MCMetalContext *ctx = context_of(self);
        mc_metal_memory *memory = (mc_metal_memory *)buffer->impl;
        if (memory == NULL) {
            return;
        }
        /* The GPU may still read wrapped memory the caller unmaps after this returns. */
        if (buffer->wrapped) {
            mc_metal_wait_idle(ctx);
        }
        set_resident(ctx, memory, NO);
        for (int32_t i = 0; i < memory->count; ++i) {
            CFBridgingRelease(memory->views[i]);
        }
        free(memory);
        buffer->impl = NULL;
        buffer->host = NULL;
    }
}

/* Host access to shared memory, ordered after the queued GPU work. */
static mc_status metal_buffer_write(void *self, mc_buffer *buffer, uint64_t offset,
                                    const void *source, uint64_t size) {
    @autoreleasepool {
        mc_status status = mc_metal_wait_idle(context_of(self));
        if (status != MC_OK) {
            return status;
        }
        memcpy((char *)buffer->host + offset, source, (size_t)size);
        return MC_OK;
    }
}

static mc_status metal_buffer_read(void *self, mc_buffer *buffer, uint64_t offset,
                                   void *destination, uint64_t size) {
    @autoreleasepool {
        mc_status status = mc_metal_wait_idle(context_of(self));
        if (status != MC_OK) {
            return status;
        }
        memcpy(destination, (const char *)buffer->host + offset, (size_t)size);
        return MC_OK;
    }
}

static mc_status metal_run(void *self, const mc_op_desc *ops, int32_t count) {
    MCMetalContext *ctx = context_of(self);
    mc_metal_work work = {MC_METAL_WORK_RUN, NULL, 0, NULL, NULL, 0};
    mc_status status = mc_metal_plan_ops(ctx, ops, count, &work.dispatches, &work.count);
    return status != MC_OK ? status : mc_metal_post(ctx, &work);
}

static mc_status metal_synchronize(void *self) {
    @autoreleasepool {
        return mc_metal_wait_idle(context_of(self));
    }
}

static mc_status metal_graph_create(void *self, const mc_op_desc *ops, int32_t count,
                                    void **graph) {
    mc_metal_graph *created = calloc(1, sizeof *created);
    if (created == NULL) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "mc_graph_end: out of host memory");
    }
    mc_status status =
        mc_metal_plan_ops(context_of(self), ops, count, &created->dispatches, &created->count);
    if (status != MC_OK) {
        free(created);
        return status;
    }
    *graph = created;
    return MC_OK;
}

static mc_status metal_graph_launch(void *self, void *graph) {
    mc_metal_work work = {MC_METAL_WORK_LAUNCH, NULL, 0, (mc_metal_graph *)graph, NULL, 0};
    return mc_metal_post(context_of(self), &work);
}

static void metal_graph_destroy(void *self, void *graph) {
    @autoreleasepool {
        mc_metal_graph *g = (mc_metal_graph *)graph;
        mc_metal_wait_idle(context_of(self)); /* the encode thread is done with it */
        if (g->encoded != NULL) {
            CFBridgingRelease(g->encoded);
        }
        free(g->dispatches);
        free(g);
    }
}

static mc_status metal_set_tunable(void *self, const char *name, int32_t value) {
    return mc_plan_set_tunable(&context_of(self)->tunables, name, value);
}

static mc_status metal_stats(void *self, mc_context_stats *stats) {
    @autoreleasepool {
        MCMetalContext *ctx = context_of(self);
        pthread_mutex_lock(&ctx->lock);
        if (stats == NULL) {
            ctx->dispatches = 0;
            ctx->last_encode_us = 0.0;
            ctx->profile_count = 0;
        } else {
            stats->dispatches = ctx->dispatches;
            stats->last_host_encode_us = ctx->last_encode_us;
            id<MTLCommandBuffer> last = ctx->last_committed;
            if (last != nil && last.status == MTLCommandBufferStatusCompleted) {
                stats->last_device_time_us = (last.GPUEndTime - last.GPUStartTime) * 1e6;
            }
        }
        pthread_mutex_unlock(&ctx->lock);
        return MC_OK;
    }
}

void mc_metal_profile_add(MCMetalContext *ctx, const char *name, double us) {
    pthread_mutex_lock(&ctx->lock);
    int32_t i = 0;
    while (i < ctx->profile_count && strcmp(ctx->profile[i].name, name) != 0) {
        ++i;
    }
    if (i == ctx->profile_count && i < MC_METAL_PROFILE_SLOTS) {
        snprintf(ctx->profile[i].name, sizeof ctx->profile[i].name, "%s", name);
        ctx->profile[i].calls = 0;
        ctx->profile[i].total_us = 0.0;
        ctx->profile_count++;
    }
    if (i < ctx->profile_count) {
        ctx->profile[i].calls++;
        ctx->profile[i].total_us += us;
    }
    pthread_mutex_unlock(&ctx->lock);
}

static mc_status metal_profile(void *self, int32_t index, mc_profile_entry *entry, int32_t *count) {
    MCMetalContext *ctx = context_of(self);
    pthread_mutex_lock(&ctx->lock);
    *count = ctx->profile_count;
    if (index >= 0 && index < ctx->profile_count) {
        snprintf(entry->name, sizeof entry->name, "%s", ctx->profile[index].name);
        entry->calls = ctx->profile[index].calls;
        entry->total_us = ctx->profile[index].total_us;
    }
    pthread_mutex_unlock(&ctx->lock);
    return MC_OK;
}

static mc_status metal_capture_begin(void *self, const char *path) {
    @autoreleasepool {
        return mc_metal_capture(context_of(self), path);
    }
}

static mc_status metal_capture_end(void *self) {
    @autoreleasepool {
        return mc_metal_capture(context_of(self), NULL);
    }
}

static const mc_backend_vtable metal_vtable = {
    .name = "metal",
    .create = metal_create,
    .destroy = metal_destroy,
    .device_name = metal_device_name,
    .buffer_create = metal_buffer_create,
    .buffer_wrap_host = metal_buffer_wrap_host,
    .buffer_destroy = metal_buffer_destroy,
    .buffer_write = metal_buffer_write,
    .buffer_read = metal_buffer_read,
    .run = metal_run,
    .synchronize = metal_synchronize,
    .graph_create = metal_graph_create,
    .graph_launch = metal_graph_launch,
    .graph_destroy = metal_graph_destroy,
    .set_tunable = metal_set_tunable,
    .stats = metal_stats,
    .profile = metal_profile,
    .capture_begin = metal_capture_begin,
    .capture_end = metal_capture_end,
};

const mc_backend_vtable *mc_metal_backend(void) {
    return &metal_vtable;
}
