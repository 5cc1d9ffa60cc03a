/* mtlshim_device.m — the emulated device, its buffers and residency sets (mtlshim_objects.h). */
#import "mtlshim_objects.h"

#include <pthread/qos.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

NSError *mtlshim_error(NSString *message) {
    NSDictionary *info = [NSDictionary dictionaryWithObject:message
                                                     forKey:NSLocalizedDescriptionKey];
    return [NSError errorWithDomain:@"MTLShimErrorDomain" code:1 userInfo:info];
}

/* Linux has no quality-of-service classes: the encode thread runs at the default priority. */
int pthread_attr_set_qos_class_np(pthread_attr_t *attr, qos_class_t qos_class,
                                  int relative_priority) {
    (void)attr;
    (void)qos_class;
    (void)relative_priority;
    return 0;
}

@implementation MTLShimBuffer

- (void)dealloc {
    if (_owned) {
        free(_storage);
    }
    [_label release];
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

- (NSUInteger)length {
    return _length;
}

- (id<MTLDevice>)device {
    return [MTLShimDevice sharedDevice];
}

- (MTLStorageMode)storageMode {
    return _mode;
}

- (void *)contents {
    return _mode == MTLStorageModePrivate ? NULL : _storage;
}

@end

/* A residency set only records its allocations: every buffer of the emulator is resident. */
@interface MTLShimResidencySet : NSObject <MTLResidencySet> {
    NSMutableSet *_allocations;
}
@end

@implementation MTLShimResidencySet

- (instancetype)init {
    if ((self = [super init]) != nil) {
        _allocations = [[NSMutableSet alloc] init];
    }
    return self;
}

- (void)dealloc {
    [_allocations release];
    [super dealloc];
}

- (void)addAllocation:(id<MTLAllocation>)allocation {
    [_allocations addObject:allocation];
}

- (void)removeAllocation:(id<MTLAllocation>)allocation {
    [_allocations removeObject:allocation];
}

- (void)commit {
}

- (void)requestResidency {
}

@end

/* MTLResidencySetDescriptor's state, in its indexed ivars (GCC's runtime has the fragile ABI:
 * an implementation cannot add instance variables to a class its header declared). */
typedef struct residency_descriptor_state {
    NSString *label;
    NSUInteger initialCapacity;
} residency_descriptor_state;

@implementation MTLResidencySetDescriptor

+ (id)allocWithZone:(NSZone *)zone {
    return NSAllocateObject(self, sizeof(residency_descriptor_state), zone);
}

static residency_descriptor_state *residency_state(MTLResidencySetDescriptor *descriptor) {
    return (residency_descriptor_state *)object_getIndexedIvars(descriptor);
}

- (void)dealloc {
    [residency_state(self)->label release];
    [super dealloc];
}

- (NSString *)label {
    return residency_state(self)->label;
}

- (void)setLabel:(NSString *)label {
    NSString *copy = [label copy];
    [residency_state(self)->label release];
    residency_state(self)->label = copy;
}

- (NSUInteger)initialCapacity {
    return residency_state(self)->initialCapacity;
}

- (void)setInitialCapacity:(NSUInteger)initialCapacity {
    residency_state(self)->initialCapacity = initialCapacity;
}

@end

/* A buffer over `storage`; with `owned`, freed with the buffer. */
static MTLShimBuffer *new_buffer(char *storage, NSUInteger length, MTLResourceOptions options,
                                 BOOL owned) {
    MTLShimBuffer *buffer = [[MTLShimBuffer alloc] init];
    buffer->_storage = storage;
    buffer->_length = length;
    buffer->_mode = (MTLStorageMode)((options >> MTLResourceStorageModeShift) & 0xf);
    buffer->_owned = owned;
    return buffer;
}

/* Device memory: page-aligned like Metal's, and filled with NaN bytes rather than zeros so that
 * a kernel reading what nobody wrote (an uninitialised scratch buffer) shows in the results. */
static char *allocate(NSUInteger length) {
    void *memory = NULL;
    if (posix_memalign(&memory, (size_t)getpagesize(), length == 0 ? 1 : (size_t)length) != 0) {
        return NULL;
    }
    memset(memory, 0xff, (size_t)length);
    return (char *)memory;
}

static MTLShimDevice *shared_device;

static void make_shared_device(void) {
    shared_device = [[MTLShimDevice alloc] init];
}

@implementation MTLShimDevice

+ (MTLShimDevice *)sharedDevice {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_shared_device);
    return shared_device;
}

- (instancetype)init {
    if ((self = [super init]) != nil) {
        /* MTLSHIM_MAX_BUFFER_LENGTH lowers the limit so that tests reach the host's
         * overlapping weight views with a small model. */
        const char *limit = getenv("MTLSHIM_MAX_BUFFER_LENGTH");
        _maxBufferLength = limit != NULL && limit[0] != '\0' ? (NSUInteger)strtoull(limit, NULL, 10)
                                                             : (NSUInteger)1 << 32;
    }
    return self;
}

- (NSString *)name {
    return @"Metal emulator (Apple7 family, lock-step fibers)";
}

- (NSUInteger)maxBufferLength {
    return _maxBufferLength;
}

/* The kernels need Apple7 (simdgroup matrices, bfloat): the emulator is an M1-class GPU. */
- (BOOL)supportsFamily:(MTLGPUFamily)gpuFamily {
    return gpuFamily == MTLGPUFamilyApple7 || gpuFamily == MTLGPUFamilyMac2 ||
           gpuFamily == MTLGPUFamilyMetal3;
}

- (id<MTLCommandQueue>)newCommandQueue {
    return mtlshim_new_queue();
}

- (id<MTLBuffer>)newBufferWithLength:(NSUInteger)length options:(MTLResourceOptions)options {
    char *storage = length <= _maxBufferLength ? allocate(length) : NULL;
    return storage == NULL ? nil : new_buffer(storage, length, options, YES);
}

- (id<MTLBuffer>)newBufferWithBytes:(const void *)pointer
                             length:(NSUInteger)length
                            options:(MTLResourceOptions)options {
    char *storage = length <= _maxBufferLength ? allocate(length) : NULL;
    if (storage == NULL) {
        return nil;
    }
    memcpy(storage, pointer, (size_t)length);
    return new_buffer(storage, length, options, YES);
}

/* Apple: a page-aligned pointer and a length that makes a page-aligned region, shared or
 * managed storage. The host passes no deallocator (a block would need a blocks runtime). */
- (id<MTLBuffer>)newBufferWithBytesNoCopy:(void *)pointer
                                   length:(NSUInteger)length
                                  options:(MTLResourceOptions)options
                              deallocator:(void (^)(void *pointer, NSUInteger length))deallocator {
    NSUInteger page = (NSUInteger)getpagesize();
    MTLStorageMode mode = (MTLStorageMode)((options >> MTLResourceStorageModeShift) & 0xf);
    if ((uintptr_t)pointer % page != 0 || length % page != 0 || length == 0 ||
        length > _maxBufferLength || mode == MTLStorageModePrivate || deallocator != nil) {
        return nil;
    }
    return new_buffer((char *)pointer, length, options, NO);
}

- (id<MTLLibrary>)newLibraryWithURL:(NSURL *)url error:(__autoreleasing NSError **)error {
    if (error != NULL) {
        *error = mtlshim_error([NSString
            stringWithFormat:@"the Metal emulator cannot load compiled libraries (%@)", url]);
    }
    return nil;
}

- (id<MTLLibrary>)newLibraryWithSource:(NSString *)source
                               options:(MTLCompileOptions *)options
                                 error:(__autoreleasing NSError **)error {
    return mtlshim_new_library(source, error);
}

- (id<MTLComputePipelineState>)newComputePipelineStateWithFunction:(id<MTLFunction>)computeFunction
                                                             error:
                                                                 (__autoreleasing NSError **)error {
    MTLShimPipeline *pipeline = [[MTLShimPipeline alloc] init];
    pipeline->_function = [(MTLShimFunction *)computeFunction retain];
    return pipeline;
}

- (id<MTLResidencySet>)newResidencySetWithDescriptor:(MTLResidencySetDescriptor *)desc
                                               error:(NSError **)error {
    return [[MTLShimResidencySet alloc] init];
}

@end

id<MTLDevice> MTLCreateSystemDefaultDevice(void) {
    return [[MTLShimDevice sharedDevice] retain];
}

NSArray *MTLCopyAllDevices(void) {
    return [[NSArray alloc] initWithObjects:[MTLShimDevice sharedDevice], nil];
}
