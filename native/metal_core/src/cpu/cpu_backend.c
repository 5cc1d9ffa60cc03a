/* cpu_backend.c — the CPU backend's vtable: context lifetime, device name, buffers,
 * statistics and the per-kernel profile. Ops run in cpu_run.c. Graphs are left to the common
 * layer, which replays the recorded list through run(): a CPU list is already executed as one
 * pool task, so a backend graph object would add nothing. */
#include "cpu_backend.h"
#include "cpu_features.h"

#include <stdio.h>
#include <stdlib.h>

static const char *op_kind_name(int kind) {
    static const char *const names[MC_OPK_COUNT] = {"embedding",  "rms_norm",     "matmul",
                                                    "matmul_qkv", "gate_up_silu", "rope",
                                                    "kv_append",  "attention",    "argmax"};
    return kind >= 0 && kind < MC_OPK_COUNT ? names[kind] : "op";
}

static void describe_device(mc_cpu_state *backend) {
    const mc_cpu_info *info = mc_cpu_info_get();
    int threads = mc_pool_threads(backend->pool);
    snprintf(backend->device_name, sizeof backend->device_name, "CPU: %s (%d thread%s, %s)",
             info->model, threads, threads == 1 ? "" : "s", backend->kernels->name);
}

static mc_status cpu_create(const mc_context_options *options, void **self) {
    const mc_cpu_info *info = mc_cpu_info_get();
    mc_cpu_state *backend = calloc(1, sizeof *backend);
    if (backend == NULL) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "CPU backend: out of host memory");
    }
    int threads = options->threads > 0 ? options->threads : info->physical_cores;
    backend->pool = mc_pool_create(threads, options->priority == MC_PRIORITY_HIGH);
    if (backend->pool == NULL) {
        free(backend);
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "CPU backend: cannot start %d threads",
                            threads);
    }
    mc_cpu_tunables_default(&backend->tunables, info->best_level);
    mc_pool_set_spin_us(backend->pool, backend->tunables.spin_us);
    backend->kernels = mc_cpu_kernels_for_level(info->best_level);
    backend->profile_ops = (options->flags & MC_CONTEXT_FLAG_PROFILE_OPS) != 0;
    atomic_init(&backend->error_status, MC_OK);
    describe_device(backend);
    *self = backend;
    return MC_OK;
}

static void cpu_destroy(void *self) {
    mc_cpu_state *backend = self;
    mc_pool_destroy(backend->pool);
    free(backend->scratch);
    free(backend->plans);
    free(backend);
}

static const char *cpu_device_name(void *self) {
    mc_cpu_state *backend = self;
    describe_device(backend); /* the simd_level tunable may have changed the kernels */
    return backend->device_name;
}

static mc_status cpu_buffer_create(void *self, mc_buffer *buffer, uint64_t size) {
    (void)self;
    void *memory = NULL;
    /* Rounded up to whole cache lines so vector loops may read the last line in full. */
    size_t rounded = mc_cpu_align64((size_t)size);
    if (size > SIZE_MAX - 64 || posix_memalign(&memory, 64, rounded) != 0) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY,
                            "mc_buffer_create: cannot allocate %llu bytes of host memory",
                            (unsigned long long)size);
    }
    memset(memory, 0, rounded);
    buffer->impl = memory;
    buffer->host = memory;
    return MC_OK;
}

static mc_status cpu_buffer_wrap_host(void *self, mc_buffer *buffer, const void *host,
                                      uint64_t size) {
    (void)self;
    (void)size;
    buffer->impl = NULL; /* not owned */
    buffer->host = (void *)host;
    return MC_OK;
}

static void cpu_buffer_destroy(void *self, mc_buffer *buffer) {
    (void)self;
    free(buffer->impl);
    buffer->impl = NULL;
    buffer->host = NULL;
}

static mc_status cpu_buffer_write(void *self, mc_buffer *buffer, uint64_t offset,
                                  const void *source, uint64_t size) {
    (void)self;
    memcpy((uint8_t *)buffer->host + offset, source, (size_t)size);
    return MC_OK;
}

static mc_status cpu_buffer_read(void *self, mc_buffer *buffer, uint64_t offset, void *destination,
                                 uint64_t size) {
    (void)self;
    memcpy(destination, (const uint8_t *)buffer->host + offset, (size_t)size);
    return MC_OK;
}

static mc_status cpu_synchronize(void *self) {
    (void)self; /* run() returns when its ops are done */
    return MC_OK;
}

static mc_status cpu_stats(void *self, mc_context_stats *stats) {
    mc_cpu_state *backend = self;
    if (stats == NULL) { /* reset */
        backend->dispatches = 0;
        backend->last_run_us = 0.0;
        backend->last_plan_us = 0.0;
        memset(backend->profile, 0, sizeof backend->profile);
        backend->profile_count = 0;
        return MC_OK;
    }
    stats->dispatches = backend->dispatches;
    stats->last_device_time_us = backend->last_run_us;
    stats->last_host_encode_us = backend->last_plan_us;
    return MC_OK;
}

static mc_status cpu_profile(void *self, int32_t index, mc_profile_entry *entry, int32_t *count) {
    mc_cpu_state *backend = self;
    *count = backend->profile_count;
    if (index < 0) {
        return MC_OK;
    }
    int slot = backend->profile_order[index];
    int kind = slot / MC_CPU_PROFILE_DTYPES, dtype = slot % MC_CPU_PROFILE_DTYPES;
    int per_dtype = kind == MC_OPK_EMBEDDING || kind == MC_OPK_MATMUL ||
                    kind == MC_OPK_MATMUL_QKV || kind == MC_OPK_GATE_UP_SILU ||
                    kind == MC_OPK_KV_APPEND || kind == MC_OPK_ATTENTION;
    if (per_dtype) {
        snprintf(entry->name, sizeof entry->name, "%s_%s", op_kind_name(kind),
                 mc_dtype_name(dtype));
    } else {
        snprintf(entry->name, sizeof entry->name, "%s", op_kind_name(kind));
    }
    entry->calls = backend->profile[slot].calls;
    entry->total_us = backend->profile[slot].total_us;
    return MC_OK;
}

static const mc_backend_vtable cpu_vtable = {
    .name = "cpu",
    .create = cpu_create,
    .destroy = cpu_destroy,
    .device_name = cpu_device_name,
    .buffer_create = cpu_buffer_create,
    .buffer_wrap_host = cpu_buffer_wrap_host,
    .buffer_destroy = cpu_buffer_destroy,
    .buffer_write = cpu_buffer_write,
    .buffer_read = cpu_buffer_read,
    .run = mc_cpu_run,
    .synchronize = cpu_synchronize,
    .graph_create = NULL,
    .graph_launch = NULL,
    .graph_destroy = NULL,
    .set_tunable = mc_cpu_set_tunable,
    .stats = cpu_stats,
    .profile = cpu_profile,
    .capture_begin = NULL,
    .capture_end = NULL,
};

const mc_backend_vtable *mc_cpu_backend(void) {
    return &cpu_vtable;
}
