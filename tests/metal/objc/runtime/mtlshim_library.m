/* mtlshim_library.m — kernel libraries, functions specialised by function constants, and
 * compute pipeline states (mtlshim_objects.h).
 *
 * The emulator cannot compile MSL at run time: its kernels are the .metal files compiled as C++
 * into this library at build time. "Compiling" a source therefore finds the kernel functions the
 * source defines and requires the emulator to have each of them; the host's run-time compile
 * fallback (metal_core.metal beside the library) is the path that runs here. */
#import "mtlshim_objects.h"

#include <ctype.h>
#include <string.h>

/* MTLFunctionConstantValues and MTLCompileOptions keep their state in indexed ivars: with GCC's
 * runtime (fragile ABI) an implementation cannot add instance variables to a class its header
 * declared. */
@implementation MTLFunctionConstantValues

+ (id)allocWithZone:(NSZone *)zone {
    return NSAllocateObject(self, sizeof(mtlshim_constant_values), zone);
}

- (void)setConstantValue:(const void *)value type:(MTLDataType)type atIndex:(NSUInteger)index {
    mtlshim_constant_values *state = (mtlshim_constant_values *)object_getIndexedIvars(self);
    mtlshim_constant constant = {(uint32_t)index, MTLSHIM_CONSTANT_INT, 0};
    switch (type) {
    case MTLDataTypeBool:
        constant.type = MTLSHIM_CONSTANT_BOOL;
        constant.bits = *(const bool *)value ? 1 : 0;
        break;
    case MTLDataTypeUInt: constant.type = MTLSHIM_CONSTANT_UINT; break;
    case MTLDataTypeFloat: constant.type = MTLSHIM_CONSTANT_FLOAT; break;
    case MTLDataTypeInt: break;
    default:
        [NSException
             raise:NSInvalidArgumentException
            format:@"setConstantValue: MTLDataType %lu is not emulated", (unsigned long)type];
    }
    if (type != MTLDataTypeBool) {
        memcpy(&constant.bits, value, sizeof constant.bits);
    }
    int at = 0;
    while (at < state->count && state->values[at].index != constant.index) {
        ++at;
    }
    if (at == MTLSHIM_MAX_CONSTANTS) {
        [NSException raise:NSRangeException
                    format:@"more than %d function constants", MTLSHIM_MAX_CONSTANTS];
    }
    state->values[at] = constant;
    if (at == state->count) {
        state->count++;
    }
}

@end

const mtlshim_constant_values *mtlshim_constants_of(MTLFunctionConstantValues *values) {
    return (const mtlshim_constant_values *)object_getIndexedIvars(values);
}

@implementation MTLCompileOptions

+ (id)allocWithZone:(NSZone *)zone {
    return NSAllocateObject(self, sizeof(MTLLanguageVersion), zone);
}

- (MTLLanguageVersion)languageVersion {
    return *(MTLLanguageVersion *)object_getIndexedIvars(self);
}

- (void)setLanguageVersion:(MTLLanguageVersion)languageVersion {
    *(MTLLanguageVersion *)object_getIndexedIvars(self) = languageVersion;
}

@end

@implementation MTLShimFunction

- (void)dealloc {
    [_name release];
    [super dealloc];
}

- (NSString *)name {
    return _name;
}

@end

@implementation MTLShimPipeline

- (void)dealloc {
    [_function release];
    [super dealloc];
}

/* The emulator's limit; a real GPU may report less for a kernel that needs many registers. */
- (NSUInteger)maxTotalThreadsPerThreadgroup {
    return 1024;
}

@end

@interface MTLShimLibrary : NSObject <MTLLibrary> {
  @public
    NSMutableSet *_names;
}
@end

@implementation MTLShimLibrary

- (void)dealloc {
    [_names release];
    [super dealloc];
}

- (id<MTLFunction>)newFunctionWithName:(NSString *)name
                        constantValues:(MTLFunctionConstantValues *)constantValues
                                 error:(__autoreleasing NSError **)error {
    NSString *problem = nil;
    const mtlshim_kernel *kernel = mtlshim_kernel_named(name.UTF8String);
    const mtlshim_constant_values *values = mtlshim_constants_of(constantValues);
    if (![_names containsObject:name]) {
        problem = [NSString stringWithFormat:@"the library has no function named %@", name];
    } else {
        const char *missing = mtlshim_check_constants(kernel, values->values, values->count);
        if (missing != NULL) {
            problem = [NSString stringWithUTF8String:missing];
        }
    }
    if (problem != nil) {
        if (error != NULL) {
            *error = mtlshim_error(problem);
        }
        return nil;
    }
    MTLShimFunction *function = [[MTLShimFunction alloc] init];
    function->_name = [name copy];
    function->_kernel = kernel;
    memcpy(function->_constants, values->values, sizeof values->values);
    function->_constantCount = values->count;
    return function;
}

@end

/* The names of the `kernel void NAME(` functions of an MSL source. */
static NSMutableSet *kernel_names(const char *source) {
    NSMutableSet *names = [NSMutableSet set];
    for (const char *at = strstr(source, "kernel"); at != NULL; at = strstr(at + 1, "kernel")) {
        if (at > source && (isalnum((unsigned char)at[-1]) || at[-1] == '_')) {
            continue;
        }
        const char *p = at + strlen("kernel");
        if (!isspace((unsigned char)*p)) {
            continue;
        }
        while (isspace((unsigned char)*p)) {
            ++p;
        }
        if (strncmp(p, "void", 4) != 0 || !isspace((unsigned char)p[4])) {
            continue;
        }
        p += 4;
        while (isspace((unsigned char)*p)) {
            ++p;
        }
        const char *name = p;
        while (isalnum((unsigned char)*p) || *p == '_') {
            ++p;
        }
        if (p > name) {
            [names addObject:[[[NSString alloc] initWithBytes:name
                                                       length:(NSUInteger)(p - name)
                                                     encoding:NSUTF8StringEncoding] autorelease]];
        }
    }
    return names;
}

id<MTLLibrary> mtlshim_new_library(NSString *source, NSError **error) {
    NSMutableSet *names = kernel_names(source.UTF8String);
    NSString *problem = names.count == 0 ? @"the source defines no kernel functions" : nil;
    for (NSString *name in names) {
        if (mtlshim_kernel_named(name.UTF8String) == NULL) {
            problem = [NSString
                stringWithFormat:@"kernel %@ of the source is not compiled into the emulator "
                                 @"(its .metal file is not one the emulator was built from)",
                                 name];
            break;
        }
    }
    if (problem != nil) {
        if (error != NULL) {
            *error = mtlshim_error(problem);
        }
        return nil;
    }
    MTLShimLibrary *library = [[MTLShimLibrary alloc] init];
    library->_names = [names retain];
    return library;
}
