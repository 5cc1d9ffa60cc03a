/* mtlshim_objects.h — the classes behind the Metal protocols of the shim (shim/Metal/Metal.h)
 * on Linux, shared by the files that implement them:
 *   mtlshim_device.m    MTLCreateSystemDefaultDevice, the device, buffers, residency sets
 *   mtlshim_library.m   libraries "compiled" from source, functions with their constants,
 *                       compute pipeline states
 *   mtlshim_commands.m  command queues, command buffers, compute and blit encoders, and the
 *                       emulated GPU: one thread that runs committed command buffers in order,
 *                       each dispatch on the kernel emulator (mtlshim_emulator.h)
 *   mtlshim_capture.m   MTLCaptureManager
 *
 * Memory management: Debian's GNUstep runs on GCC's Objective-C runtime, which has no ARC, so the
 * host code (written for ARC) runs here without it: it never releases what ARC would release
 * for it, and it keeps the objects that Metal returns autoreleased (command buffers, encoders)
 * in instance variables without retaining them. The shim therefore hands those out retained
 * and lets the host leak them; what a command buffer holds for its execution (recorded
 * dispatches, bound buffers, setBytes copies) is dropped as soon as it completed. Under ARC on
 * macOS none of this applies: ARC is checked by the macOS build (docs/METAL.md). */
#ifndef MTLSHIM_OBJECTS_H
#define MTLSHIM_OBJECTS_H

#import <Metal/Metal.h>

#include "mtlshim_emulator.h"

/* The one emulated GPU: an Apple7-family device (M1 class, simdgroup matrices and bfloat). */
@interface MTLShimDevice : NSObject <MTLDevice> {
    NSUInteger _maxBufferLength;
}
+ (MTLShimDevice *)sharedDevice;
@end

@interface MTLShimBuffer : NSObject <MTLBuffer> {
  @public
    char *_storage; /* what the GPU reads and writes */
    NSUInteger _length;
    MTLStorageMode _mode; /* private: contents is NULL, as on a Mac */
    BOOL _owned;          /* allocated here (freed on dealloc) or the caller's memory */
    NSString *_label;
}
@end

/* The largest number of function constants a function can carry here (indices 0..63). */
#define MTLSHIM_MAX_CONSTANTS 64

/* A kernel function specialised with function constants; also what a pipeline runs. */
@interface MTLShimFunction : NSObject <MTLFunction> {
  @public
    NSString *_name;
    const mtlshim_kernel *_kernel;
    mtlshim_constant _constants[MTLSHIM_MAX_CONSTANTS];
    int _constantCount;
}
@end

@interface MTLShimPipeline : NSObject <MTLComputePipelineState> {
  @public
    MTLShimFunction *_function;
}
@end

/* mtlshim_library.m: a library of the kernel functions `source` defines (nil with the reason in
 * *error when the emulator lacks one of them). */
id<MTLLibrary> mtlshim_new_library(NSString *source, NSError **error);

/* mtlshim_commands.m */
id<MTLCommandQueue> mtlshim_new_queue(void);

/* Function constant values as MTLFunctionConstantValues holds them (its indexed ivars). */
typedef struct mtlshim_constant_values {
    mtlshim_constant values[MTLSHIM_MAX_CONSTANTS];
    int count;
} mtlshim_constant_values;
const mtlshim_constant_values *mtlshim_constants_of(MTLFunctionConstantValues *values);

/* An NSError in the shim's domain with `message` as its localized description. */
NSError *mtlshim_error(NSString *message);

/* mtlshim_capture.m: while a capture of `queue` runs, the kernel names of its committed command
 * buffers go into the capture (one line per dispatch). */
void mtlshim_capture_note(id<MTLCommandQueue> queue, NSArray *kernelNames);

#endif /* MTLSHIM_OBJECTS_H */
