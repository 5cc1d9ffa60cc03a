/* context.c — version queries, backend selection, context lifetime and context-wide calls. */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#define MC_STRINGIFY2(x) #x
#define MC_STRINGIFY(x) MC_STRINGIFY2(x)

uint32_t mc_abi_version(void) {
    return MC_ABI_VERSION;
}

const char *mc_version_string(void) {
    return "metal_core 0.1.0 (abi " MC_STRINGIFY(MC_ABI_VERSION) "; cpu"
#ifdef MC_HAVE_METAL
                                                                 " | metal"
#endif
#ifdef MC_HAVE_CUDA
                                                                 " | cuda"
#endif
                                                                 ")";
}

/* The backends compiled in. A backend that is not built has no symbol, so the weak-free way
 * is a compile-time switch set by the build (MC_HAVE_METAL / MC_HAVE_CUDA). */
static const mc_backend_vtable *backend_vtable(int32_t backend) {
    switch (backend) {
    case MC_BACKEND_CPU: return mc_cpu_backend();
#ifdef MC_HAVE_METAL
    case MC_BACKEND_METAL: return mc_metal_backend();
#endif
#ifdef MC_HAVE_CUDA
    case MC_BACKEND_CUDA: return mc_cuda_backend();
#endif
    default: return NULL;
    }
}

static const char *backend_name(int32_t backend) {
    switch (backend) {
    case MC_BACKEND_AUTO: return "auto";
    case MC_BACKEND_CPU: return "cpu";
    case MC_BACKEND_METAL: return "metal";
    case MC_BACKEND_CUDA: return "cuda";
    default: return "unknown";
    }
}

static int backend_known(int32_t backend) {
    return backend >= MC_BACKEND_AUTO && backend <= MC_BACKEND_CUDA;
}

/* Creates the backend's state; on failure the backend has set the error message. */
static mc_status create_backend(int32_t backend, const mc_context_options *options, void **self) {
    const mc_backend_vtable *vtable = backend_vtable(backend);
    if (vtable == NULL) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                            "the %s backend is not built into this metal_core library (%s)",
                            backend_name(backend), mc_version_string());
    }
    return vtable->create(options, self);
}

mc_status mc_backend_available(mc_backend backend, int32_t *available) {
    mc_clear_error();
    if (available == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_backend_available: available is NULL");
    }
    if (!backend_known(backend) || backend == MC_BACKEND_AUTO) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "mc_backend_available: backend %d is not CPU (1), METAL (2) or CUDA (3)", (int)backend);
    }
    mc_context_options options;
    mc_context_options_init(&options);
    options.backend = backend;
    options.threads = 1;
    void *self = NULL;
    mc_status status = create_backend(backend, &options, &self);
    *available = status == MC_OK;
    if (status == MC_OK) {
        backend_vtable(backend)->destroy(self);
        mc_clear_error();
    }
    /* The reason it is unavailable stays in mc_last_error(); the query itself succeeded. */
    return MC_OK;
}

mc_status mc_context_options_init(mc_context_options *options) {
    mc_clear_error();
    if (options == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_options_init: options is NULL");
    }
    memset(options, 0, sizeof *options);
    options->struct_size = sizeof *options;
    options->backend = MC_BACKEND_AUTO;
    options->priority = MC_PRIORITY_NORMAL;
    return MC_OK;
}

mc_status mc_context_create(const mc_context_options *options, mc_context **context) {
    mc_clear_error();
    if (options == NULL || context == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_create: %s is NULL",
                            options == NULL ? "options" : "context");
    }
    *context = NULL;
    if (options->struct_size < sizeof(mc_context_options)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_context_create: options.struct_size is %u, expected %zu "
                            "(call mc_context_options_init first)",
                            options->struct_size, sizeof(mc_context_options));
    }
    if (!backend_known(options->backend)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_context_create: options.backend is %d, expected AUTO (0), CPU (1), "
                            "METAL (2) or CUDA (3)",
                            (int)options->backend);
    }
    if (options->threads < 0 || options->threads > 1024) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "mc_context_create: options.threads is %d, expected 0 (automatic) to 1024",
            (int)options->threads);
    }
    if (options->priority != MC_PRIORITY_NORMAL && options->priority != MC_PRIORITY_HIGH) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "mc_context_create: options.priority is %d, expected NORMAL (0) or HIGH (1)",
            (int)options->priority);
    }

    mc_context *created = calloc(1, sizeof *created);
    if (created == NULL) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "mc_context_create: out of host memory");
    }
    mc_status status;
    if (options->backend == MC_BACKEND_AUTO) {
        /* GPU first; a caller that measured the CPU faster for its model picks CPU itself. */
        static const int32_t order[] = {MC_BACKEND_METAL, MC_BACKEND_CUDA, MC_BACKEND_CPU};
        status = MC_ERROR_BACKEND_UNAVAILABLE;
        for (size_t i = 0; i < sizeof order / sizeof order[0] && status != MC_OK; i++) {
            if (backend_vtable(order[i]) == NULL) {
                continue;
            }
            status = create_backend(order[i], options, &created->self);
            created->backend = order[i];
        }
    } else {
        status = create_backend(options->backend, options, &created->self);
        created->backend = options->backend;
    }
    if (status != MC_OK) {
        free(created);
        return status;
    }
    created->vtable = backend_vtable(created->backend);
    *context = created;
    return MC_OK;
}

mc_status mc_context_destroy(mc_context *context) {
    mc_clear_error();
    if (context == NULL) {
        return MC_OK;
    }
    context->vtable->destroy(context->self);
    free(context->recorded);
    free(context);
    return MC_OK;
}

#define REQUIRE_CONTEXT(function)                                                                  \
    do {                                                                                           \
        mc_clear_error();                                                                          \
        if (context == NULL) {                                                                     \
            return mc_set_error(MC_ERROR_INVALID_ARGUMENT, function ": context is NULL");          \
        }                                                                                          \
    } while (0)

mc_status mc_context_backend(mc_context *context, int32_t *backend) {
    REQUIRE_CONTEXT("mc_context_backend");
    if (backend == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_backend: backend is NULL");
    }
    *backend = context->backend;
    return MC_OK;
}

mc_status mc_context_device_name(mc_context *context, const char **name) {
    REQUIRE_CONTEXT("mc_context_device_name");
    if (name == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_device_name: name is NULL");
    }
    *name = context->vtable->device_name(context->self);
    return MC_OK;
}

mc_status mc_context_synchronize(mc_context *context) {
    REQUIRE_CONTEXT("mc_context_synchronize");
    return context->vtable->synchronize(context->self);
}

mc_status mc_context_set_tunable(mc_context *context, const char *name, int32_t value) {
    REQUIRE_CONTEXT("mc_context_set_tunable");
    if (name == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_set_tunable: name is NULL");
    }
    if (context->vtable->set_tunable == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT,
                            "mc_context_set_tunable: the %s backend has no tunable named '%s'",
                            context->vtable->name, name);
    }
    return context->vtable->set_tunable(context->self, name, value);
}

mc_status mc_context_get_stats(mc_context *context, mc_context_stats *stats) {
    REQUIRE_CONTEXT("mc_context_get_stats");
    if (stats == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_get_stats: stats is NULL");
    }
    memset(stats, 0, sizeof *stats);
    if (context->vtable->stats != NULL) {
        mc_status status = context->vtable->stats(context->self, stats);
        if (status != MC_OK) {
            return status;
        }
    }
    stats->ops_enqueued = context->ops_enqueued;
    stats->graph_launches = context->graph_launches;
    return MC_OK;
}

mc_status mc_context_reset_stats(mc_context *context) {
    REQUIRE_CONTEXT("mc_context_reset_stats");
    context->ops_enqueued = 0;
    context->graph_launches = 0;
    /* A backend resets its own counters when asked for stats with a NULL output. */
    return context->vtable->stats != NULL ? context->vtable->stats(context->self, NULL) : MC_OK;
}

mc_status mc_context_profile_count(mc_context *context, int32_t *count) {
    REQUIRE_CONTEXT("mc_context_profile_count");
    if (count == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_profile_count: count is NULL");
    }
    *count = 0;
    return context->vtable->profile != NULL
               ? context->vtable->profile(context->self, -1, NULL, count)
               : MC_OK;
}

mc_status mc_context_profile_entry(mc_context *context, int32_t index, mc_profile_entry *entry) {
    REQUIRE_CONTEXT("mc_context_profile_entry");
    int32_t count = 0;
    if (entry == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_context_profile_entry: entry is NULL");
    }
    if (context->vtable->profile != NULL) {
        mc_status status = context->vtable->profile(context->self, -1, NULL, &count);
        if (status != MC_OK) {
            return status;
        }
    }
    if (index < 0 || index >= count) {
        return mc_set_error(MC_ERROR_OUT_OF_RANGE,
                            "mc_context_profile_entry: index %d outside the %d profiled kernels",
                            (int)index, (int)count);
    }
    return context->vtable->profile(context->self, index, entry, &count);
}

mc_status mc_capture_begin(mc_context *context, const char *path) {
    REQUIRE_CONTEXT("mc_capture_begin");
    if (path == NULL || path[0] == '\0') {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_capture_begin: path is empty");
    }
    if (context->vtable->capture_begin == NULL) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "mc_capture_begin: the %s backend has no capture tool; use the Metal "
                            "or CUDA backend",
                            context->vtable->name);
    }
    return context->vtable->capture_begin(context->self, path);
}

mc_status mc_capture_end(mc_context *context) {
    REQUIRE_CONTEXT("mc_capture_end");
    if (context->vtable->capture_end == NULL) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "mc_capture_end: the %s backend has no capture tool",
                            context->vtable->name);
    }
    return context->vtable->capture_end(context->self);
}
