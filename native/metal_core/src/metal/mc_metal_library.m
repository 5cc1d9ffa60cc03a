/* mc_metal_library.m — the kernel library and the pipeline cache.
 *
 * The build compiles metal_core.metallib beside the dylib (cmake/metal.cmake): its kernels/
 * sources. Not "default.metallib": NuGet copies runtime files into the app's output folder,
 * where the app's own default library (or another package's) would overwrite ours. If
 * metal_core.metallib is missing or fails to load (a development tree, another Xcode), the library
 * is compiled at run time from metal_core.metal, the same kernels concatenated into one
 * self-contained source, also shipped beside the dylib. Kernel variants are function constants
 * (MC_FC_* in kernels/mc_kernel_args.h): one specialised pipeline per (kernel, constant values),
 * created on first use and kept. */
#import "mc_metal_context.h"

#include <dlfcn.h>
#include <libgen.h>
#include <string.h>

/* The folder of this library (libmetal_core.dylib), found through one of its symbols. */
static NSString *library_folder(void) {
    Dl_info info;
    if (dladdr((const void *)&mc_metal_backend, &info) == 0 || info.dli_fname == NULL) {
        return nil;
    }
    char path[4096];
    strncpy(path, info.dli_fname, sizeof path - 1);
    path[sizeof path - 1] = '\0';
    return [NSString stringWithUTF8String:dirname(path)];
}

static mc_status compile_from_source(MCMetalContext *ctx, NSString *folder, NSString *why) {
    NSString *path = [folder stringByAppendingPathComponent:@"metal_core.metal"];
    NSError *error = nil;
    NSString *source = [NSString stringWithContentsOfFile:path
                                                 encoding:NSUTF8StringEncoding
                                                    error:&error];
    if (source == nil) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                            "Metal: no kernel library: %s, and the source %s cannot be read (%s)",
                            why.UTF8String, path.UTF8String, error.localizedDescription.UTF8String);
    }
    MTLCompileOptions *options = [[MTLCompileOptions alloc] init];
    /* bfloat needs MSL 3.1 (macOS 14); the build uses the same -std. */
    options.languageVersion = MTLLanguageVersion3_1;
    ctx->library = [ctx->device newLibraryWithSource:source options:options error:&error];
    if (ctx->library == nil) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE, "Metal: compiling %s failed: %s (and %s)",
                            path.UTF8String, error.localizedDescription.UTF8String, why.UTF8String);
    }
    mc_log(MC_LOG_INFO, "Metal: kernels compiled from %s (%s)", path.UTF8String, why.UTF8String);
    return MC_OK;
}

mc_status mc_metal_load_library(MCMetalContext *ctx) {
    NSString *folder = library_folder();
    if (folder == nil) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                            "Metal: cannot find the folder of libmetal_core (dladdr failed)");
    }
    NSString *path = [folder stringByAppendingPathComponent:@"metal_core.metallib"];
    NSError *error = nil;
    if ([[NSFileManager defaultManager] fileExistsAtPath:path]) {
        ctx->library = [ctx->device newLibraryWithURL:[NSURL fileURLWithPath:path] error:&error];
        if (ctx->library != nil) {
            return MC_OK;
        }
        NSString *why =
            [NSString stringWithFormat:@"%@ failed to load: %@", path, error.localizedDescription];
        return compile_from_source(ctx, folder, why);
    }
    return compile_from_source(ctx, folder, [NSString stringWithFormat:@"%@ does not exist", path]);
}

/* "name|index=value,..." identifies one specialisation. */
static NSString *pipeline_key(const mc_plan_dispatch *d) {
    NSMutableString *key = [NSMutableString stringWithUTF8String:d->kernel];
    for (int32_t i = 0; i < d->constant_count; ++i) {
        [key appendFormat:@"%c%d=%d", i == 0 ? '|' : ',', (int)d->constants[i].index,
                          (int)d->constants[i].value];
    }
    return key;
}

id<MTLComputePipelineState> mc_metal_pipeline(MCMetalContext *ctx, const mc_plan_dispatch *d,
                                              char *error_message, size_t error_size) {
    NSString *key = pipeline_key(d);
    id<MTLComputePipelineState> pipeline = [ctx->pipelines objectForKey:key];
    if (pipeline != nil) {
        return pipeline;
    }
    MTLFunctionConstantValues *values = [[MTLFunctionConstantValues alloc] init];
    for (int32_t i = 0; i < d->constant_count; ++i) {
        const mc_plan_constant *c = &d->constants[i];
        if (c->is_bool) {
            bool flag = c->value != 0;
            [values setConstantValue:&flag type:MTLDataTypeBool atIndex:(NSUInteger)c->index];
        } else {
            int32_t value = c->value;
            [values setConstantValue:&value type:MTLDataTypeInt atIndex:(NSUInteger)c->index];
        }
    }
    NSError *error = nil;
    id<MTLFunction> function =
        [ctx->library newFunctionWithName:[NSString stringWithUTF8String:d->kernel]
                           constantValues:values
                                    error:&error];
    if (function == nil) {
        snprintf(error_message, error_size, "Metal: kernel %s: %s", key.UTF8String,
                 error.localizedDescription.UTF8String);
        return nil;
    }
    pipeline = [ctx->device newComputePipelineStateWithFunction:function error:&error];
    if (pipeline == nil) {
        snprintf(error_message, error_size, "Metal: pipeline %s: %s", key.UTF8String,
                 error.localizedDescription.UTF8String);
        return nil;
    }
    [ctx->pipelines setObject:pipeline forKey:key];
    return pipeline;
}
