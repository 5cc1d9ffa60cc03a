/* graph.cu — a recorded decode step becomes one CUDA graph: graph_create runs the op list once
 * under stream capture and instantiates the result; graph_launch is one cudaGraphLaunch, so the
 * host cost per token does not grow with the number of ops. Ops read their dynamic values
 * (tokens, positions) from device memory, so replays see what the host wrote before them. */
#include "cuda_internal.h"

#include <cstdlib>

namespace {

struct cuda_graph {
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    uint64_t kernels; /* kernel nodes: the dispatches of one launch */
};

mc_status count_kernels(cudaGraph_t graph, uint64_t *kernels) {
    size_t count = 0;
    MC_CUDA_TRY(cudaGraphGetNodes(graph, nullptr, &count));
    cudaGraphNode_t *nodes =
        static_cast<cudaGraphNode_t *>(malloc((count + 1) * sizeof(cudaGraphNode_t)));
    if (nodes == nullptr) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "graph_create: out of host memory");
    }
    cudaError_t error = cudaGraphGetNodes(graph, nodes, &count);
    *kernels = 0;
    for (size_t i = 0; i < count && error == cudaSuccess; i++) {
        cudaGraphNodeType type;
        error = cudaGraphNodeGetType(nodes[i], &type);
        *kernels += type == cudaGraphNodeTypeKernel;
    }
    free(nodes);
    MC_CUDA_TRY(error);
    return MC_OK;
}

mc_status capture(mc_cuda *self, const mc_op_desc *ops, int32_t count, cudaGraph_t *graph) {
    MC_CUDA_TRY(cudaStreamBeginCapture(self->stream, cudaStreamCaptureModeRelaxed));
    self->capturing = 1;
    mc_status status = mc_cuda_run_fused(self, ops, count);
    self->capturing = 0;
    cudaError_t error = cudaStreamEndCapture(self->stream, graph);
    if (status != MC_OK) {
        if (error == cudaSuccess) {
            cudaGraphDestroy(*graph);
        }
        cudaGetLastError();
        return status;
    }
    MC_CUDA_TRY(error);
    return MC_OK;
}

} // namespace

mc_status mc_cuda_graph_create(void *opaque, const mc_op_desc *ops, int32_t count, void **out) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    *out = nullptr;
    if (self->flags & MC_CONTEXT_FLAG_PROFILE_OPS) {
        /* Per-kernel events need eager launches: the common layer replays the op list. */
        return MC_OK;
    }
    MC_TRY(mc_cuda_use_device(self));
    size_t scratch = 0;
    for (int32_t i = 0; i < count; i++) {
        MC_TRY(mc_cuda_check_alignment(&ops[i]));
        size_t need = mc_cuda_op_scratch(self, &ops[i]);
        scratch = need > scratch ? need : scratch;
    }
    void *unused = nullptr;
    if (scratch > 0) {
        MC_TRY(mc_cuda_scratch(self, scratch, &unused));
    }
    /* Capture does not run the work: finish what is queued so errors stay attributable. */
    MC_CUDA_TRY(cudaStreamSynchronize(self->stream));
    cuda_graph *g = static_cast<cuda_graph *>(calloc(1, sizeof(cuda_graph)));
    if (g == nullptr) {
        return mc_set_error(MC_ERROR_OUT_OF_MEMORY, "graph_create: out of host memory");
    }
    mc_status status = capture(self, ops, count, &g->graph);
    if (status == MC_OK) {
        status = count_kernels(g->graph, &g->kernels);
    }
    if (status == MC_OK) {
        cudaError_t error = cudaGraphInstantiateWithFlags(&g->exec, g->graph, 0);
        if (error == cudaSuccess) {
            error = cudaGraphUpload(g->exec, self->stream);
        }
        if (error != cudaSuccess) {
            status = mc_cuda_fail("cudaGraphInstantiateWithFlags", error);
        }
    }
    if (status != MC_OK) {
        mc_cuda_graph_destroy(self, g);
        return status;
    }
    *out = g;
    return MC_OK;
}

mc_status mc_cuda_graph_launch(void *opaque, void *graph) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    cuda_graph *g = static_cast<cuda_graph *>(graph);
    MC_TRY(mc_cuda_use_device(self));
    MC_TRY(mc_cuda_batch_begin(self));
    mc_cuda_timeline_before_launch(self, g->kernels);
    double start = mc_cuda_now_us();
    MC_CUDA_TRY(cudaGraphLaunch(g->exec, self->stream));
    self->host_encode_us += mc_cuda_now_us() - start;
    self->dispatches += g->kernels;
    return MC_OK;
}

void mc_cuda_graph_destroy(void *opaque, void *graph) {
    mc_cuda *self = static_cast<mc_cuda *>(opaque);
    cuda_graph *g = static_cast<cuda_graph *>(graph);
    if (g == nullptr) {
        return;
    }
    cudaSetDevice(self->device);
    if (g->exec != nullptr)
        cudaGraphExecDestroy(g->exec);
    if (g->graph != nullptr)
        cudaGraphDestroy(g->graph);
    cudaGetLastError();
    free(g);
}
