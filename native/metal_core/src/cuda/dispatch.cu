/* dispatch.cu — runs validated op descriptors: checks what the kernels need beyond the common
 * validation (element-aligned offsets and strides), then calls the op's launcher. */
#include "cuda_internal.h"

namespace {

/* Bytes an element (or quantized block) must be aligned to on the device: 4 for f32/i32, 2
 * for f16/bf16 and the quantized blocks (whose first field is an f16 scale). */
uint64_t alignment_of(int32_t dtype) {
    return dtype == MC_DTYPE_F32 || dtype == MC_DTYPE_I32 ? 4 : 2;
}

const char *kind_name(int32_t kind) {
    static const char *names[MC_OPK_COUNT] = {"mc_op_embedding",
                                              "mc_op_rms_norm",
                                              "mc_op_matmul",
                                              "mc_op_matmul_qkv",
                                              "mc_op_matmul_gate_up_silu",
                                              "mc_op_rope",
                                              "mc_op_kv_append",
                                              "mc_op_attention",
                                              "mc_op_argmax"};
    return kind >= 0 && kind < MC_OPK_COUNT ? names[kind] : "op";
}

} // namespace

mc_status mc_cuda_check_alignment(const mc_op_desc *op) {
    for (int i = 0; i < MC_OP_MAX_TENSORS; i++) {
        const mc_tensor *t = &op->t[i];
        if (t->buffer == nullptr) {
            continue;
        }
        uint64_t align = alignment_of(t->dtype);
        if (t->offset % align != 0 || t->row_stride % align != 0) {
            return mc_set_error(
                MC_ERROR_UNSUPPORTED,
                "%s: tensor %d (offset %llu, row stride %llu) is not aligned to %llu "
                "bytes, which the CUDA backend needs for its element type",
                kind_name(op->kind), i, (unsigned long long)t->offset,
                (unsigned long long)t->row_stride, (unsigned long long)align);
        }
    }
    return MC_OK;
}

mc_status mc_cuda_run_ops(mc_cuda *self, const mc_op_desc *ops, int32_t count) {
    for (int32_t i = 0; i < count; i++) {
        const mc_op_desc *op = &ops[i];
        MC_TRY(mc_cuda_check_alignment(op));
        switch (op->kind) {
        case MC_OPK_EMBEDDING: MC_TRY(mc_cuda_op_embedding(self, op)); break;
        case MC_OPK_RMS_NORM: MC_TRY(mc_cuda_op_rms_norm(self, op)); break;
        case MC_OPK_MATMUL:
        case MC_OPK_MATMUL_QKV:
        case MC_OPK_GATE_UP_SILU: MC_TRY(mc_cuda_op_matmul(self, op)); break;
        case MC_OPK_ROPE: MC_TRY(mc_cuda_op_rope(self, op)); break;
        case MC_OPK_KV_APPEND: MC_TRY(mc_cuda_op_kv_append(self, op)); break;
        case MC_OPK_ATTENTION: MC_TRY(mc_cuda_op_attention(self, op)); break;
        case MC_OPK_ARGMAX: MC_TRY(mc_cuda_op_argmax(self, op)); break;
        default:
            return mc_set_error(MC_ERROR_INTERNAL, "CUDA backend: unknown op kind %d",
                                (int)op->kind);
        }
    }
    return MC_OK;
}
