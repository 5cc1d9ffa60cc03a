/* mtlshim_capture.m — MTLCaptureManager on the emulator. A GPU trace document is a bundle
 * directory on a Mac; here the directory holds dispatches.txt, the kernel names of the captured
 * dispatches in commit order, one a line, so a test can see what a capture held. As on a Mac,
 * GPU trace documents need MTL_CAPTURE_ENABLED=1 and the output path must not exist yet. */
#import "mtlshim_objects.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct capture_descriptor_state {
    id captureObject;
    MTLCaptureDestination destination;
    NSURL *outputURL;
} capture_descriptor_state;

/* State in indexed ivars: GCC's runtime (fragile ABI) cannot add ivars in an implementation. */
@implementation MTLCaptureDescriptor

+ (id)allocWithZone:(NSZone *)zone {
    return NSAllocateObject(self, sizeof(capture_descriptor_state), zone);
}

static capture_descriptor_state *descriptor_state(MTLCaptureDescriptor *descriptor) {
    return (capture_descriptor_state *)object_getIndexedIvars(descriptor);
}

- (void)dealloc {
    [descriptor_state(self)->captureObject release];
    [descriptor_state(self)->outputURL release];
    [super dealloc];
}

- (id)captureObject {
    return descriptor_state(self)->captureObject;
}

- (void)setCaptureObject:(id)captureObject {
    [captureObject retain];
    [descriptor_state(self)->captureObject release];
    descriptor_state(self)->captureObject = captureObject;
}

- (MTLCaptureDestination)destination {
    return descriptor_state(self)->destination;
}

- (void)setDestination:(MTLCaptureDestination)destination {
    descriptor_state(self)->destination = destination;
}

- (NSURL *)outputURL {
    return descriptor_state(self)->outputURL;
}

- (void)setOutputURL:(NSURL *)outputURL {
    NSURL *copy = [outputURL copy];
    [descriptor_state(self)->outputURL release];
    descriptor_state(self)->outputURL = copy;
}

@end

/* The one capture that can run at a time. */
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static id captured_object;       /* the queue (or device) being captured, or nil */
static NSString *capture_path;   /* the trace bundle's directory */
static NSMutableArray *captured; /* kernel names */

void mtlshim_capture_note(id<MTLCommandQueue> queue, NSArray *kernelNames) {
    pthread_mutex_lock(&capture_lock);
    if (captured_object != nil &&
        (captured_object == (id)queue || captured_object == (id)queue.device)) {
        [captured addObjectsFromArray:kernelNames];
    }
    pthread_mutex_unlock(&capture_lock);
}

@implementation MTLCaptureManager

+ (MTLCaptureManager *)sharedCaptureManager {
    static MTLCaptureManager *manager;
    pthread_mutex_lock(&capture_lock);
    if (manager == nil) {
        manager = [[MTLCaptureManager alloc] init];
    }
    pthread_mutex_unlock(&capture_lock);
    return manager;
}

- (BOOL)supportsDestination:(MTLCaptureDestination)destination {
    const char *enabled = getenv("MTL_CAPTURE_ENABLED");
    return destination == MTLCaptureDestinationGPUTraceDocument && enabled != NULL &&
           strcmp(enabled, "1") == 0;
}

static BOOL refuse(NSError **error, NSString *message) {
    if (error != NULL) {
        *error = mtlshim_error(message);
    }
    return NO;
}

- (BOOL)startCaptureWithDescriptor:(MTLCaptureDescriptor *)descriptor
                             error:(__autoreleasing NSError **)error {
    if (![self supportsDestination:descriptor.destination]) {
        return refuse(error, @"capture destination not supported (GPU trace documents need "
                             @"MTL_CAPTURE_ENABLED=1)");
    }
    NSString *path = descriptor.outputURL.path;
    if (path == nil || descriptor.captureObject == nil) {
        return refuse(error, @"a capture needs an outputURL and a captureObject");
    }
    NSFileManager *files = [NSFileManager defaultManager];
    if ([files fileExistsAtPath:path]) {
        return refuse(error, [NSString stringWithFormat:@"%@ already exists", path]);
    }
    if (![files createDirectoryAtPath:path
            withIntermediateDirectories:NO
                             attributes:nil
                                  error:error]) {
        return NO;
    }
    pthread_mutex_lock(&capture_lock);
    BOOL busy = captured_object != nil;
    if (!busy) {
        captured_object = [descriptor.captureObject retain];
        capture_path = [path copy];
        captured = [[NSMutableArray alloc] init];
    }
    pthread_mutex_unlock(&capture_lock);
    return busy ? refuse(error, @"a capture is already running") : YES;
}

- (void)stopCapture {
    pthread_mutex_lock(&capture_lock);
    NSString *path = capture_path;
    NSMutableArray *names = captured;
    [captured_object release];
    captured_object = nil;
    capture_path = nil;
    captured = nil;
    pthread_mutex_unlock(&capture_lock);
    if (path == nil) {
        return;
    }
    NSString *text = [[names componentsJoinedByString:@"\n"] stringByAppendingString:@"\n"];
    [text writeToFile:[path stringByAppendingPathComponent:@"dispatches.txt"]
           atomically:YES
             encoding:NSUTF8StringEncoding
                error:NULL];
    [path release];
    [names release];
}

@end
