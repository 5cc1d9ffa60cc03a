/* capture.cu — the capture hook (mc_capture_begin/end): an NVTX range named by the path plus
 * cudaProfilerStart/Stop, so `nsys profile --capture-range=cudaProfilerApi` or
 * `ncu --profile-from-start off` record exactly the bracketed work. */
#include "cuda_internal.h"

#include <cuda_profiler_api.h>
#include <nvtx3/nvToolsExt.h>

mc_status mc_cuda_capture_begin(void *opaque, const char *path) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    if (self->nvtx_open) {
        return mc_set_error(MC_ERROR_INVALID_STATE, "mc_capture_begin: a capture is already open");
    }
    MC_TRY(mc_cuda_use_device(self));
    MC_CUDA_TRY(cudaStreamSynchronize(self->stream)); /* earlier work stays out of the range */
    MC_CUDA_TRY(cudaProfilerStart());
    nvtxRangePushA(path);
    self->nvtx_open = 1;
    return MC_OK;
}

mc_status mc_cuda_capture_end(void *opaque) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    if (!self->nvtx_open) {
        return mc_set_error(MC_ERROR_INVALID_STATE,
                            "mc_capture_end: mc_capture_begin was not called");
    }
    MC_TRY(mc_cuda_use_device(self));
    MC_CUDA_TRY(cudaStreamSynchronize(self->stream)); /* the bracketed work ends inside the range */
    nvtxRangePop();
    self->nvtx_open = 0;
    MC_CUDA_TRY(cudaProfilerStop());
    return MC_OK;
}
