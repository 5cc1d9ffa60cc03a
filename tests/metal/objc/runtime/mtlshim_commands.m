/* mtlshim_commands.m — command queues, command buffers, compute and blit encoders, and the
 * emulated GPU (mtlshim_objects.h).
 *
 * Encoders record commands into their command buffer; -commit hands the buffer to the GPU, one
 * thread that runs committed command buffers in commit order, each dispatch to completion on
 * the kernel emulator, then marks the buffer completed (or failed, with the emulator's message
 * as its error) and stamps GPUStartTime / GPUEndTime. So the host's waits, reads after waits,
 * and encoding ahead while the GPU runs happen as on a Mac.
 *
 * The dispatches of a concurrent compute encoder between two memory barriers run last to first:
 * a GPU may run them in any order, and this one makes a missing barrier change the results.
 * Misuse of the API that Metal's validation layer reports (a dispatch without a pipeline, a
 * buffer offset beyond the buffer, committing with an encoder open, ...) stops the process with
 * a message, as that layer does. */
#import "mtlshim_objects.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Apple GPUs: 32 KiB of threadgroup memory per threadgroup; setBytes takes at most 4 KiB. */
#define MTLSHIM_MAX_THREADGROUP_MEMORY 32768
#define MTLSHIM_MAX_SET_BYTES 4096

__attribute__((noreturn, format(printf, 1, 2))) static void misuse(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "Metal API misuse (mtlshim): ");
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    abort();
}

static CFTimeInterval now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (CFTimeInterval)ts.tv_sec + (CFTimeInterval)ts.tv_nsec * 1e-9;
}

typedef enum command_kind { COMMAND_DISPATCH, COMMAND_BARRIER, COMMAND_COPY } command_kind;

typedef struct command {
    command_kind kind;
    BOOL concurrent;           /* DISPATCH: recorded by a concurrent encoder */
    MTLShimPipeline *pipeline; /* DISPATCH (kept alive by the command buffer) */
    mtlshim_dispatch dispatch; /* DISPATCH */
    const char *from;          /* COPY */
    char *to;
    size_t size;
} command;

/* ---- command buffers ------------------------------------------------------------------- */

/* Guards every command buffer's status and the GPU's queue of committed buffers. */
static pthread_mutex_t gpu_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gpu_changed = PTHREAD_COND_INITIALIZER;

@interface MTLShimCommandBuffer : NSObject <MTLCommandBuffer> {
  @public
    id<MTLCommandQueue> _queue;
    command *_commands;
    size_t _count, _capacity;
    NSMutableArray *_resources; /* what the recorded commands use, until they ran */
    BOOL _encoderOpen;
    MTLCommandBufferStatus _status;
    NSError *_error;
    CFTimeInterval _start, _end;
}
@end

static command *append_command(MTLShimCommandBuffer *buffer, command_kind kind) {
    if (buffer->_status != MTLCommandBufferStatusNotEnqueued) {
        misuse("encoding into a command buffer that was already committed");
    }
    if (buffer->_count == buffer->_capacity) {
        buffer->_capacity = buffer->_capacity == 0 ? 64 : buffer->_capacity * 2;
        buffer->_commands = realloc(buffer->_commands, buffer->_capacity * sizeof(command));
        if (buffer->_commands == NULL) {
            misuse("out of host memory recording commands");
        }
    }
    command *c = &buffer->_commands[buffer->_count++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    return c;
}

/* ---- compute encoder ------------------------------------------------------------------- */

@interface MTLShimComputeEncoder : NSObject <MTLComputeCommandEncoder> {
  @public
    MTLShimCommandBuffer *_buffer;
    BOOL _concurrent, _ended;
    MTLShimPipeline *_pipeline;
    void *_bound[MTLSHIM_MAX_BINDINGS];
    size_t _threadgroupMemory[MTLSHIM_MAX_BINDINGS];
}
@end

static void check_open(MTLShimComputeEncoder *encoder, const char *call) {
    if (encoder->_ended) {
        misuse("%s after endEncoding", call);
    }
}

static void check_index(NSUInteger index, const char *call) {
    if (index >= MTLSHIM_MAX_BINDINGS) {
        misuse("%s: index %lu (at most %d)", call, (unsigned long)index, MTLSHIM_MAX_BINDINGS - 1);
    }
}

@implementation MTLShimComputeEncoder

- (void)setComputePipelineState:(id<MTLComputePipelineState>)state {
    check_open(self, "setComputePipelineState:");
    [_buffer->_resources addObject:state];
    _pipeline = (MTLShimPipeline *)state;
}

- (void)setBytes:(const void *)bytes length:(NSUInteger)length atIndex:(NSUInteger)index {
    check_open(self, "setBytes:length:atIndex:");
    check_index(index, "setBytes:length:atIndex:");
    if (length > MTLSHIM_MAX_SET_BYTES) {
        misuse("setBytes: %lu bytes (at most %d; use a buffer)", (unsigned long)length,
               MTLSHIM_MAX_SET_BYTES);
    }
    NSData *copy = [NSData dataWithBytes:bytes length:length];
    [_buffer->_resources addObject:copy];
    _bound[index] = (void *)copy.bytes;
}

- (void)setBuffer:(id<MTLBuffer>)buffer offset:(NSUInteger)offset atIndex:(NSUInteger)index {
    check_open(self, "setBuffer:offset:atIndex:");
    check_index(index, "setBuffer:offset:atIndex:");
    if (buffer == nil) {
        _bound[index] = NULL;
        return;
    }
    MTLShimBuffer *shim = (MTLShimBuffer *)buffer;
    if (offset >= shim->_length) {
        misuse("setBuffer: offset %lu is not inside the buffer (%lu bytes) at index %lu",
               (unsigned long)offset, (unsigned long)shim->_length, (unsigned long)index);
    }
    [_buffer->_resources addObject:buffer];
    _bound[index] = shim->_storage + offset;
}

- (void)setThreadgroupMemoryLength:(NSUInteger)length atIndex:(NSUInteger)index {
    check_open(self, "setThreadgroupMemoryLength:atIndex:");
    check_index(index, "setThreadgroupMemoryLength:atIndex:");
    _threadgroupMemory[index] = (size_t)length;
}

- (void)dispatchThreadgroups:(MTLSize)threadgroupsPerGrid
       threadsPerThreadgroup:(MTLSize)threadsPerThreadgroup {
    check_open(self, "dispatchThreadgroups:threadsPerThreadgroup:");
    if (_pipeline == nil) {
        misuse("dispatchThreadgroups: no compute pipeline state set");
    }
    size_t memory = 0;
    for (int i = 0; i < MTLSHIM_MAX_BINDINGS; ++i) {
        memory += _threadgroupMemory[i];
    }
    if (memory > MTLSHIM_MAX_THREADGROUP_MEMORY) {
        misuse("%s: %zu bytes of threadgroup memory (at most %d)",
               _pipeline->_function->_name.UTF8String, memory, MTLSHIM_MAX_THREADGROUP_MEMORY);
    }
    command *c = append_command(_buffer, COMMAND_DISPATCH);
    c->concurrent = _concurrent;
    c->pipeline = _pipeline;
    mtlshim_dispatch *d = &c->dispatch;
    d->kernel = _pipeline->_function->_kernel;
    d->constants = _pipeline->_function->_constants;
    d->constant_count = _pipeline->_function->_constantCount;
    NSUInteger groups[3] = {threadgroupsPerGrid.width, threadgroupsPerGrid.height,
                            threadgroupsPerGrid.depth};
    NSUInteger threads[3] = {threadsPerThreadgroup.width, threadsPerThreadgroup.height,
                             threadsPerThreadgroup.depth};
    for (int i = 0; i < 3; ++i) {
        d->threadgroups[i] = (uint32_t)groups[i];
        d->threads[i] = (uint32_t)threads[i];
    }
    memcpy(d->buffers, _bound, sizeof _bound);
    memcpy(d->threadgroup_memory, _threadgroupMemory, sizeof _threadgroupMemory);
}

- (void)memoryBarrierWithScope:(MTLBarrierScope)scope {
    check_open(self, "memoryBarrierWithScope:");
    append_command(_buffer, COMMAND_BARRIER);
}

- (void)endEncoding {
    check_open(self, "endEncoding");
    _ended = YES;
    _buffer->_encoderOpen = NO;
    /* A barrier between encoders: their work runs in order. */
    append_command(_buffer, COMMAND_BARRIER);
}

@end

/* ---- blit encoder ---------------------------------------------------------------------- */

@interface MTLShimBlitEncoder : NSObject <MTLBlitCommandEncoder> {
  @public
    MTLShimCommandBuffer *_buffer;
    BOOL _ended;
}
@end

@implementation MTLShimBlitEncoder

- (void)copyFromBuffer:(id<MTLBuffer>)sourceBuffer
          sourceOffset:(NSUInteger)sourceOffset
              toBuffer:(id<MTLBuffer>)destinationBuffer
     destinationOffset:(NSUInteger)destinationOffset
                  size:(NSUInteger)size {
    if (_ended) {
        misuse("copyFromBuffer: after endEncoding");
    }
    MTLShimBuffer *from = (MTLShimBuffer *)sourceBuffer, *to = (MTLShimBuffer *)destinationBuffer;
    if (sourceOffset + size > from->_length || destinationOffset + size > to->_length) {
        misuse("copyFromBuffer: %lu bytes from offset %lu of %lu to offset %lu of %lu",
               (unsigned long)size, (unsigned long)sourceOffset, (unsigned long)from->_length,
               (unsigned long)destinationOffset, (unsigned long)to->_length);
    }
    [_buffer->_resources addObject:sourceBuffer];
    [_buffer->_resources addObject:destinationBuffer];
    command *c = append_command(_buffer, COMMAND_COPY);
    c->from = from->_storage + sourceOffset;
    c->to = to->_storage + destinationOffset;
    c->size = (size_t)size;
}

- (void)endEncoding {
    if (_ended) {
        misuse("endEncoding twice");
    }
    _ended = YES;
    _buffer->_encoderOpen = NO;
    append_command(_buffer, COMMAND_BARRIER);
}

@end

/* ---- the GPU --------------------------------------------------------------------------- */

static NSMutableArray *gpu_queue; /* committed command buffers, oldest first */

static NSString *run_dispatch(const command *c) {
    static uint64_t dispatches;
    char error[1024];
    if (mtlshim_run(&c->dispatch, ++dispatches, error, sizeof error) != 0) {
        return [NSString stringWithFormat:@"%@: %s", c->pipeline->_function->_name, error];
    }
    return nil;
}

/* Runs a command buffer's commands; returns the first failure, or nil. */
static NSString *run_commands(MTLShimCommandBuffer *buffer) {
    const command *commands = buffer->_commands;
    size_t i = 0;
    while (i < buffer->_count) {
        const command *c = &commands[i];
        NSString *failure = nil;
        if (c->kind == COMMAND_DISPATCH && c->concurrent) {
            size_t end = i;
            while (end < buffer->_count && commands[end].kind == COMMAND_DISPATCH) {
                ++end;
            }
            for (size_t j = end; j-- > i && failure == nil;) {
                failure = run_dispatch(&commands[j]);
            }
            i = end;
        } else {
            if (c->kind == COMMAND_DISPATCH) {
                failure = run_dispatch(c);
            } else if (c->kind == COMMAND_COPY) {
                memmove(c->to, c->from, c->size);
            }
            ++i;
        }
        if (failure != nil) {
            return failure;
        }
    }
    return nil;
}

static void *gpu_main(void *unused) {
    for (;;) {
        pthread_mutex_lock(&gpu_lock);
        while (gpu_queue.count == 0) {
            pthread_cond_wait(&gpu_changed, &gpu_lock);
        }
        MTLShimCommandBuffer *buffer = [[gpu_queue objectAtIndex:0] retain];
        [gpu_queue removeObjectAtIndex:0];
        buffer->_status = MTLCommandBufferStatusScheduled;
        pthread_mutex_unlock(&gpu_lock);

        @autoreleasepool {
            CFTimeInterval start = now_seconds();
            NSString *failure = run_commands(buffer);
            CFTimeInterval end = now_seconds();
            pthread_mutex_lock(&gpu_lock);
            buffer->_start = start;
            buffer->_end = end;
            buffer->_error = failure != nil ? [mtlshim_error(failure) retain] : nil;
            buffer->_status =
                failure != nil ? MTLCommandBufferStatusError : MTLCommandBufferStatusCompleted;
            free(buffer->_commands);
            buffer->_commands = NULL;
            buffer->_count = buffer->_capacity = 0;
            [buffer->_resources release];
            buffer->_resources = nil;
            pthread_cond_broadcast(&gpu_changed);
            pthread_mutex_unlock(&gpu_lock);
        }
        [buffer release];
    }
    return NULL;
}

static void start_gpu(void) {
    gpu_queue = [[NSMutableArray alloc] init];
    pthread_t thread;
    if (pthread_create(&thread, NULL, gpu_main, NULL) != 0) {
        misuse("cannot start the emulated GPU's thread");
    }
    pthread_detach(thread);
}

@implementation MTLShimCommandBuffer

- (MTLCommandBufferStatus)status {
    pthread_mutex_lock(&gpu_lock);
    MTLCommandBufferStatus status = _status;
    pthread_mutex_unlock(&gpu_lock);
    return status;
}

- (NSError *)error {
    pthread_mutex_lock(&gpu_lock);
    NSError *error = _error;
    pthread_mutex_unlock(&gpu_lock);
    return error;
}

- (CFTimeInterval)GPUStartTime {
    pthread_mutex_lock(&gpu_lock);
    CFTimeInterval start = _start;
    pthread_mutex_unlock(&gpu_lock);
    return start;
}

- (CFTimeInterval)GPUEndTime {
    pthread_mutex_lock(&gpu_lock);
    CFTimeInterval end = _end;
    pthread_mutex_unlock(&gpu_lock);
    return end;
}

static void open_encoder(MTLShimCommandBuffer *buffer, const char *call) {
    if (buffer->_encoderOpen) {
        misuse("%s while another encoder of the command buffer is open", call);
    }
    if (buffer->_status != MTLCommandBufferStatusNotEnqueued) {
        misuse("%s on a committed command buffer", call);
    }
    buffer->_encoderOpen = YES;
}

/* Returned retained (mtlshim_objects.h: the host keeps it without retaining). */
- (id<MTLComputeCommandEncoder>)computeCommandEncoderWithDispatchType:
    (MTLDispatchType)dispatchType {
    open_encoder(self, "computeCommandEncoderWithDispatchType:");
    MTLShimComputeEncoder *encoder = [[MTLShimComputeEncoder alloc] init];
    encoder->_buffer = self;
    encoder->_concurrent = dispatchType == MTLDispatchTypeConcurrent;
    return encoder;
}

- (id<MTLBlitCommandEncoder>)blitCommandEncoder {
    open_encoder(self, "blitCommandEncoder");
    MTLShimBlitEncoder *encoder = [[MTLShimBlitEncoder alloc] init];
    encoder->_buffer = self;
    return encoder;
}

- (void)commit {
    if (_encoderOpen) {
        misuse("commit with an encoder that has not ended encoding");
    }
    NSMutableArray *names = [NSMutableArray array];
    for (size_t i = 0; i < _count; ++i) {
        if (_commands[i].kind == COMMAND_DISPATCH) {
            [names addObject:_commands[i].pipeline->_function->_name];
        }
    }
    mtlshim_capture_note(_queue, names);
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, start_gpu);
    pthread_mutex_lock(&gpu_lock);
    if (_status != MTLCommandBufferStatusNotEnqueued) {
        pthread_mutex_unlock(&gpu_lock);
        misuse("commit of a command buffer that was already committed");
    }
    _status = MTLCommandBufferStatusCommitted;
    [gpu_queue addObject:self];
    pthread_cond_broadcast(&gpu_changed);
    pthread_mutex_unlock(&gpu_lock);
}

- (void)waitUntilCompleted {
    pthread_mutex_lock(&gpu_lock);
    if (_status == MTLCommandBufferStatusNotEnqueued) {
        pthread_mutex_unlock(&gpu_lock);
        misuse("waitUntilCompleted on a command buffer that was never committed");
    }
    while (_status != MTLCommandBufferStatusCompleted && _status != MTLCommandBufferStatusError) {
        pthread_cond_wait(&gpu_changed, &gpu_lock);
    }
    pthread_mutex_unlock(&gpu_lock);
}

@end

/* ---- command queue --------------------------------------------------------------------- */

@interface MTLShimCommandQueue : NSObject <MTLCommandQueue> {
    NSString *_label;
    NSMutableArray *_residencySets;
}
@end

@implementation MTLShimCommandQueue

- (instancetype)init {
    if ((self = [super init]) != nil) {
        _residencySets = [[NSMutableArray alloc] init];
    }
    return self;
}

- (void)dealloc {
    [_label release];
    [_residencySets release];
    [super dealloc];
}

- (NSString *)label {
    return _label;
}

- (void)setLabel:(NSString *)label {
    NSString *copy = [label copy];
    [_label release];
    _label = copy;
}

- (id<MTLDevice>)device {
    return [MTLShimDevice sharedDevice];
}

/* Returned retained (mtlshim_objects.h: the host keeps it without retaining). */
- (id<MTLCommandBuffer>)commandBuffer {
    MTLShimCommandBuffer *buffer = [[MTLShimCommandBuffer alloc] init];
    buffer->_queue = self;
    buffer->_resources = [[NSMutableArray alloc] init];
    return buffer;
}

- (void)addResidencySet:(id<MTLResidencySet>)residencySet {
    [_residencySets addObject:residencySet];
}

@end

id<MTLCommandQueue> mtlshim_new_queue(void) {
    return [[MTLShimCommandQueue alloc] init];
}
