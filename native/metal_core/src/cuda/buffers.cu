/* buffers.cu — device buffers: plain cudaMalloc allocations (never managed memory), wrapped host
 * memory copied to the device once, and reads/writes ordered on the context's stream. Small
 * transfers (a decode step's token and position) go through pinned staging memory so that
 * writes stay asynchronous and reads pay one copy. */
#include "cuda_internal.h"

#include <cstdlib>
#include <cstring>

namespace {

/* Allocations are padded so that kernels reading whole aligned words or 16-byte vectors around
 * a tensor's last byte stay inside the allocation. */
constexpr uint64_t kPadding = 16;

mc_status allocate(mc_cuda *self, mc_buffer *buffer, uint64_t size, mc_cuda_buffer **out) {
    mc_cuda_buffer *impl = static_cast<mc_cuda_buffer *>(calloc(1, sizeof(mc_cuda_buffer)));
    if (impl == nullptr) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "mc_buffer_create: out of host memory");
    }
    uint64_t padded = (size + kPadding + 15) & ~uint64_t(15);
    cudaError_t error = cudaMalloc(reinterpret_cast<void **>(&impl->device), padded);
    if (error != cudaSuccess) {
        free(impl);
        cudaGetLastError();
        return mc_set_error(
            error == cudaErrorMemoryAllocation ? MC_ERROR_OUT_OF_MEMORY : MC_ERROR_DEVICE,
            "cudaMalloc(%llu bytes): %s", (unsigned long long)padded, cudaGetErrorString(error));
    }
    buffer->impl = impl;
    buffer->host = nullptr;
    *out = impl;
    return MC_OK;
}

} // namespace

mc_status mc_cuda_buffer_create(void *opaque, mc_buffer *buffer, uint64_t size) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    MC_TRY(mc_cuda_use_device(self));
    mc_cuda_buffer *impl = nullptr;
    MC_TRY(allocate(self, buffer, size, &impl));
    cudaError_t error = cudaMemsetAsync(impl->device, 0, size, self->stream);
    if (error != cudaSuccess) {
        mc_cuda_buffer_destroy(self, buffer);
        return mc_cuda_fail("cudaMemsetAsync", error);
    }
    return MC_OK;
}

mc_status mc_cuda_buffer_wrap_host(void *opaque, mc_buffer *buffer, const void *host,
                                   uint64_t size) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    MC_TRY(mc_cuda_use_device(self));
    mc_cuda_buffer *impl = nullptr;
    MC_TRY(allocate(self, buffer, size, &impl));
    /* Synchronous: the weights are on the device when the call returns, and the caller's
     * mapping is not touched again. */
    cudaError_t error = cudaMemcpy(impl->device, host, size, cudaMemcpyHostToDevice);
    if (error != cudaSuccess) {
        mc_cuda_buffer_destroy(self, buffer);
        return mc_cuda_fail("cudaMemcpy(wrapped host memory to device)", error);
    }
    return MC_OK;
}

void mc_cuda_buffer_destroy(void *opaque, mc_buffer *buffer) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    mc_cuda_buffer *impl = static_cast<mc_cuda_buffer *>(buffer->impl);
    if (impl == nullptr) {
        return;
    }
    cudaSetDevice(self->device);
    /* cudaFree waits for work using the memory; a failure here has no caller to report to. */
    cudaFree(impl->device);
    cudaGetLastError();
    free(impl);
    buffer->impl = nullptr;
}

mc_status mc_cuda_buffer_write(void *opaque, mc_buffer *buffer, uint64_t offset, const void *source,
                               uint64_t size) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    MC_TRY(mc_cuda_use_device(self));
    uint8_t *destination = static_cast<mc_cuda_buffer *>(buffer->impl)->device + offset;
    size_t ring = self->staging_size / 2;
    if (size > ring / 4) {
        /* Large: cudaMemcpyAsync from pageable memory returns once the source is staged. */
        MC_CUDA_TRY(
            cudaMemcpyAsync(destination, source, size, cudaMemcpyHostToDevice, self->stream));
        return MC_OK;
    }
    if (self->ring_used + size > ring) {
        /* The ring is reused only after the copies reading it have run. */
        MC_CUDA_TRY(cudaStreamSynchronize(self->stream));
        self->ring_used = 0;
    }
    uint8_t *slot = self->staging + self->ring_used;
    memcpy(slot, source, size);
    self->ring_used = (self->ring_used + size + 15) & ~size_t(15);
    MC_CUDA_TRY(cudaMemcpyAsync(destination, slot, size, cudaMemcpyHostToDevice, self->stream));
    return MC_OK;
}

mc_status mc_cuda_buffer_read(void *opaque, mc_buffer *buffer, uint64_t offset, void *destination,
                              uint64_t size) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    MC_TRY(mc_cuda_use_device(self));
    const uint8_t *source = static_cast<mc_cuda_buffer *>(buffer->impl)->device + offset;
    size_t area = self->staging_size / 2; /* the second half of the staging memory */
    if (size <= area) {
        uint8_t *staged = self->staging + area;
        MC_CUDA_TRY(cudaMemcpyAsync(staged, source, size, cudaMemcpyDeviceToHost, self->stream));
        mc_status status = mc_cuda_sync_and_check(self);
        memcpy(destination, staged, size);
        return status;
    }
    MC_CUDA_TRY(cudaMemcpyAsync(destination, source, size, cudaMemcpyDeviceToHost, self->stream));
    return mc_cuda_sync_and_check(self);
}
