/* backend.cu — the CUDA backend's vtable: context creation (device, priority stream, cuBLASLt,
 * error flags, staging), destruction, run and synchronize. */
#include "cuda_internal.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

constexpr size_t kStagingBytes = 1 << 20;       /* small reads and the write ring */
constexpr size_t kLtWorkspaceBytes = 32u << 20; /* cuBLASLt workspace: no allocation in capture */

void destroy(void *opaque);

/* The cuBLASLt handle and workspace for prompt processing; without the library, none (matmul.cu
 * then runs every product on the matvec kernels) and a warning, once per process: the reason
 * does not change, and mc_backend_available creates a context too. */
mc_status create_lt(mc_cuda *self) {
    static std::atomic<bool> warned{false};
    const char *why = nullptr;
    self->lt_api = mc_cublaslt(&why);
    if (self->lt_api == nullptr) {
        if (warned.exchange(true)) {
            return MC_OK;
        }
        mc_log(MC_LOG_WARNING,
               "CUDA backend: %s; prompts run on the matvec kernels, several times slower than "
               "with cuBLASLt (install cuBLAS %d, or name its libcublasLt in METALCORE_CUBLASLT)",
               why, CUBLAS_VER_MAJOR);
        return MC_OK;
    }
    cublasStatus_t lt = self->lt_api->create(&self->lt);
    if (lt != CUBLAS_STATUS_SUCCESS) {
        self->lt = nullptr;
        return mc_cuda_fail_lt("cublasLtCreate", lt);
    }
    cudaError_t error = cudaMalloc(&self->lt_workspace, kLtWorkspaceBytes);
    if (error != cudaSuccess) {
        return mc_cuda_fail("cudaMalloc(cuBLASLt workspace)", error);
    }
    self->lt_workspace_size = kLtWorkspaceBytes;
    return MC_OK;
}

/* Never launched: asking for its attributes tells whether the library has code for the GPU. */
__global__ void probe_kernel() {}

mc_status create(const mc_context_options *options, void **out) {
    int count = 0;
    cudaError_t error = cudaGetDeviceCount(&count);
    if (error != cudaSuccess) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                            "CUDA backend: cudaGetDeviceCount: %s (no NVIDIA driver or GPU?)",
                            cudaGetErrorString(error));
    }
    if (count == 0) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE, "CUDA backend: no CUDA device found");
    }
    if (options->device_index < 0 || options->device_index >= count) {
        return mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                            "CUDA backend: device_index %d, but %d CUDA device(s) exist",
                            (int)options->device_index, count);
    }
    mc_cuda *self = static_cast<mc_cuda *>(calloc(1, sizeof(mc_cuda)));
    if (self == nullptr) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "CUDA backend: out of host memory");
    }
    self->device = options->device_index;
    self->flags = options->flags;
    mc_status status = MC_OK;
    do {
        if ((status = mc_cuda_default_tunables(&self->tunables)) != MC_OK)
            break;
        if ((status = mc_cuda_use_device(self)) != MC_OK)
            break;
        cudaDeviceProp prop;
        error = cudaGetDeviceProperties(&prop, self->device);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaGetDeviceProperties", error);
            break;
        }
        snprintf(self->device_name, sizeof self->device_name, "%s", prop.name);
        self->sm_count = prop.multiProcessorCount;
        self->compute_major = prop.major;
        self->max_smem_optin = prop.sharedMemPerBlockOptin;
        /* A kernel image for this GPU must be in the library (CMake's MC_CUDA_ARCHITECTURES). */
        cudaFuncAttributes attributes;
        error = cudaFuncGetAttributes(&attributes, probe_kernel);
        if (error != cudaSuccess) {
            cudaGetLastError();
            status = mc_set_error(MC_ERROR_BACKEND_UNAVAILABLE,
                                  "CUDA backend: %s (compute capability %d.%d) has no kernel image "
                                  "in this library (%s); rebuild with -DMC_CUDA_ARCHITECTURES=%d%d",
                                  prop.name, prop.major, prop.minor, cudaGetErrorString(error),
                                  prop.major, prop.minor);
            break;
        }
        int least = 0, greatest = 0;
        error = cudaDeviceGetStreamPriorityRange(&least, &greatest);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaDeviceGetStreamPriorityRange", error);
            break;
        }
        self->priority = options->priority == MC_PRIORITY_HIGH ? greatest : least;
        error = cudaStreamCreateWithPriority(&self->stream, cudaStreamNonBlocking, self->priority);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaStreamCreateWithPriority", error);
            break;
        }
        void *flags = nullptr;
        error = cudaHostAlloc(&flags, MC_CUDA_FLAG_COUNT * sizeof(int32_t), cudaHostAllocMapped);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaHostAlloc(error flags)", error);
            break;
        }
        self->error_flags = static_cast<volatile int32_t *>(flags);
        memset(flags, 0, MC_CUDA_FLAG_COUNT * sizeof(int32_t));
        error = cudaHostGetDevicePointer(reinterpret_cast<void **>(&self->error_flags_device),
                                         flags, 0);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaHostGetDevicePointer", error);
            break;
        }
        error = cudaMalloc(reinterpret_cast<void **>(&self->counters),
                           2 * MC_CUDA_COUNTERS * sizeof(int32_t));
        if (error == cudaSuccess)
            error = cudaMemset(self->counters, 0, 2 * MC_CUDA_COUNTERS * sizeof(int32_t));
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaMalloc(counters)", error);
            break;
        }
        error = cudaMallocHost(reinterpret_cast<void **>(&self->staging), kStagingBytes);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaMallocHost(staging)", error);
            break;
        }
        self->staging_size = kStagingBytes;
        if ((status = create_lt(self)) != MC_OK)
            break;
        error = cudaEventCreate(&self->batch_start);
        if (error == cudaSuccess)
            error = cudaEventCreate(&self->batch_end);
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaEventCreate", error);
            break;
        }
    } while (0);
    if (status != MC_OK) {
        destroy(self);
        return status;
    }
    *out = self;
    return MC_OK;
}

void destroy(void *opaque) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    if (self == nullptr) {
        return;
    }
    cudaSetDevice(self->device);
    if (self->stream != nullptr) {
        cudaStreamSynchronize(self->stream);
    }
    mc_cuda_profile_free(self);
    mc_cuda_timeline_free(self);
    if (self->batch_start != nullptr)
        cudaEventDestroy(self->batch_start);
    if (self->batch_end != nullptr)
        cudaEventDestroy(self->batch_end);
    cudaFree(self->scratch);
    for (int32_t i = 0; i < self->retired_count; i++) {
        cudaFree(self->retired[i]);
    }
    free(self->retired);
    cudaFree(self->counters);
    cudaFree(self->lt_workspace);
    if (self->lt != nullptr)
        self->lt_api->destroy(self->lt);
    if (self->staging != nullptr)
        cudaFreeHost(self->staging);
    if (self->error_flags != nullptr)
        cudaFreeHost(const_cast<int32_t *>(self->error_flags));
    if (self->stream != nullptr)
        cudaStreamDestroy(self->stream);
    cudaGetLastError(); /* nothing sticky is left for the next context */
    free(self);
}

const char *device_name(void *opaque) {
    return static_cast<mc_cuda *>(opaque)->device_name;
}

mc_status run(void *opaque, const mc_op_desc *ops, int32_t count) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    MC_TRY(mc_cuda_use_device(self));
    MC_TRY(mc_cuda_batch_begin(self));
    double start = mc_cuda_now_us();
    mc_status status = mc_cuda_run_ops(self, ops, count);
    self->host_encode_us += mc_cuda_now_us() - start;
    return status;
}

mc_status synchronize(void *opaque) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    MC_TRY(mc_cuda_use_device(self));
    return mc_cuda_sync_and_check(self);
}

const mc_backend_vtable kVtable = {
    "cuda",
    create,
    destroy,
    device_name,
    mc_cuda_buffer_create,
    mc_cuda_buffer_wrap_host,
    mc_cuda_buffer_destroy,
    mc_cuda_buffer_write,
    mc_cuda_buffer_read,
    run,
    synchronize,
    mc_cuda_graph_create,
    mc_cuda_graph_launch,
    mc_cuda_graph_destroy,
    mc_cuda_set_tunable,
    mc_cuda_stats,
    mc_cuda_profile,
    mc_cuda_capture_begin,
    mc_cuda_capture_end,
};

} // namespace

extern "C" const mc_backend_vtable *mc_cuda_backend(void) {
    return &kVtable;
}

mc_status mc_cuda_fail(const char *call, cudaError_t error) {
    cudaGetLastError(); /* clear a non-sticky error so the next call starts clean */
    mc_status status =
        error == cudaErrorMemoryAllocation ? MC_ERROR_OUT_OF_MEMORY : MC_ERROR_DEVICE;
    return mc_set_error(status, "%s: %s", call, cudaGetErrorString(error));
}

mc_status mc_cuda_fail_lt(const char *call, cublasStatus_t status) {
    return mc_set_error(status == CUBLAS_STATUS_ALLOC_FAILED ? MC_ERROR_OUT_OF_MEMORY
                                                             : MC_ERROR_DEVICE,
                        "%s: cuBLASLt status %d", call, (int)status);
}

mc_status mc_cuda_use_device(mc_cuda *self) {
    MC_CUDA_TRY(cudaSetDevice(self->device));
    return MC_OK;
}

double mc_cuda_now_us(void) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e6 + (double)now.tv_nsec * 1e-3;
}

mc_status mc_cuda_sync_and_check(mc_cuda *self) {
    MC_TRY(mc_cuda_batch_end(self));
    MC_CUDA_TRY(cudaStreamSynchronize(self->stream));
    self->ring_used = 0;
    MC_TRY(mc_cuda_profile_collect(self));
    volatile int32_t *flags = self->error_flags;
    if (flags[MC_CUDA_FLAG_TOKEN]) {
        flags[MC_CUDA_FLAG_TOKEN] = 0;
        mc_log(MC_LOG_WARNING, "mc_op_embedding: a token id outside the vocabulary got a zero "
                               "embedding (CUDA)");
    }
    if (flags[MC_CUDA_FLAG_KV_POSITION] || flags[MC_CUDA_FLAG_ATTN_POSITION]) {
        int kv = flags[MC_CUDA_FLAG_KV_POSITION];
        flags[MC_CUDA_FLAG_KV_POSITION] = 0;
        flags[MC_CUDA_FLAG_ATTN_POSITION] = 0;
        return mc_set_error(MC_ERROR_OUT_OF_RANGE,
                            kv ? "mc_op_kv_append: a position or sequence id outside the cache "
                                 "was skipped on the device (CUDA)"
                               : "mc_op_attention: a position or sequence id outside the cache "
                                 "was clamped on the device (CUDA)");
    }
    return MC_OK;
}
