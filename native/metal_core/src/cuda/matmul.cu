/* matmul.cu — the three matmul kinds (plain with optional residual, fused Q/K/V, fused gate/up +
 * SiLU). Few activation rows (decode) run the matvec kernels; from cuda.gemm_min_rows rows on
 * (prompt processing) the products run on the tensor cores through cuBLASLt (gemm.cu). Where
 * cuBLASLt is not installed or offers no algorithm, the matvec kernels take the rows 8 at a
 * time. */
#include "gemm.cuh"
#include "matvec.cuh"

namespace {

/* The largest shared memory a matvec block asks for: beyond, fewer rows per launch. */
constexpr size_t kMatvecSmemLimit = 96 * 1024;

bool quantized(int32_t dtype) {
    return dtype != MC_DTYPE_F32 && dtype != MC_DTYPE_F16 && dtype != MC_DTYPE_BF16;
}

float *f32_ptr(const mc_tensor *t) {
    return reinterpret_cast<float *>(mc_cuda_ptr(t));
}

/* The matvec arguments of an op, for all its activation rows. */
mc_mv_args matvec_args(const mc_op_desc *op) {
    mc_mv_args a = {};
    const mc_tensor *x = &op->t[0];
    a.x = f32_ptr(x);
    a.x_stride = (int64_t)(x->row_stride / 4);
    a.m = x->rows;
    a.k = x->cols;
    auto segment = [](const mc_tensor *w, const mc_tensor *out) {
        mc_mv_segment s;
        s.w = mc_cuda_ptr(w);
        s.w_stride = (int64_t)w->row_stride;
        s.out = f32_ptr(out);
        s.out_stride = (int64_t)(out->row_stride / 4);
        s.rows = w->rows;
        return s;
    };
    switch (op->kind) {
    case MC_OPK_MATMUL:
        a.seg[0] = segment(&op->t[1], &op->t[3]);
        a.segments = 1;
        a.total_rows = op->t[1].rows;
        if (op->t[2].buffer != nullptr) {
            a.residual = f32_ptr(&op->t[2]);
            a.residual_stride = (int64_t)(op->t[2].row_stride / 4);
        }
        break;
    case MC_OPK_MATMUL_QKV:
        for (int i = 0; i < 3; i++) {
            a.seg[i] = segment(&op->t[1 + i], &op->t[4 + i]);
        }
        a.segments = 3;
        a.total_rows = op->t[1].rows + op->t[2].rows + op->t[3].rows;
        break;
    default: /* GATE_UP_SILU: out is written from the pair in the epilogue */
        a.seg[0] = segment(&op->t[1], &op->t[3]);
        a.seg[1] = segment(&op->t[2], &op->t[3]);
        a.segments = 2;
        a.gate_up = 1;
        a.total_rows = 2 * op->t[1].rows;
        break;
    }
    return a;
}

size_t matvec_smem(int32_t dtype, int mt, int k) {
    return quantized(dtype) ? mc_cuda_matvec_quant_smem(mt, k) : mc_cuda_matvec_dense_smem(mt, k);
}

/* Runs the matvec over all rows of `a`, at most 8 (and what shared memory allows) at a time. */
mc_status run_matvec(mc_cuda *self, int32_t dtype, mc_mv_args a) {
    const int rows = a.m;
    if (a.k > MC_MV_MAX_K) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "matmul: K = %d is longer than the CUDA matvec kernels' %d", a.k,
                            MC_MV_MAX_K);
    }
    a.prefetch = self->tunables.mv_prefetch;
    a.x_vec = mc_aligned16(a.x) && a.x_stride % 4 == 0 && a.k % 4 == 0 &&
              (a.norm_weight == nullptr || mc_aligned16(a.norm_weight)) &&
              (a.norm_out == nullptr || (mc_aligned16(a.norm_out) && a.norm_out_stride % 4 == 0));
    int limit = MC_MATVEC_MAX_ROWS;
    while (limit > 1 && matvec_smem(dtype, limit, a.k) > kMatvecSmemLimit) {
        limit /= 2;
    }
    if (matvec_smem(dtype, 1, a.k) > self->max_smem_optin) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "matmul: K = %d is too long for the CUDA matvec kernels' shared memory",
                            a.k);
    }
    for (int r0 = 0; r0 < rows; r0 += limit) {
        mc_mv_args part = a;
        part.m = rows - r0 < limit ? rows - r0 : limit;
        part.x = a.x + r0 * a.x_stride;
        for (int i = 0; i < a.segments; i++) {
            part.seg[i].out = a.seg[i].out + r0 * a.seg[i].out_stride;
        }
        if (a.residual != nullptr) {
            part.residual = a.residual + r0 * a.residual_stride;
        }
        if (a.norm_out != nullptr) {
            part.norm_out = a.norm_out + r0 * a.norm_out_stride;
        }
        int mt = 1;
        while (mt < part.m) {
            mt *= 2;
        }
        MC_TRY(quantized(dtype) ? mc_cuda_matvec_quant(self, dtype, mt, part)
                                : mc_cuda_matvec_dense(self, dtype, mt, part));
    }
    return MC_OK;
}

/* Whether some op writes the buffer of one of this op's weights (the matvecs read them before
 * waiting for the previous kernel: mc_cuda_serial_launches). */
bool weights_op_written(const mc_op_desc *op) {
    const int weights = op->kind == MC_OPK_MATMUL_QKV ? 3 : op->kind == MC_OPK_GATE_UP_SILU ? 2 : 1;
    for (int i = 1; i <= weights; i++) {
        if (mc_cuda_op_written(&op->t[i])) {
            return true;
        }
    }
    return false;
}

/* Whether an op runs as cuBLASLt products: enough activation rows, and the library loaded. */
bool uses_gemm(const mc_cuda *self, const mc_op_desc *op) {
    return op->t[0].rows >= self->tunables.gemm_min_rows && self->lt != nullptr;
}

} // namespace

int mc_cuda_matvec_resident_blocks(mc_cuda *self, const void *kernel, size_t smem) {
    int per_sm = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, MC_MV_THREADS, smem) !=
            cudaSuccess ||
        per_sm < 1) {
        cudaGetLastError();
        per_sm = 1;
    }
    const int asked = self->tunables.mv_blocks_per_sm;
    return (asked > 0 && asked < per_sm ? asked : per_sm) * self->sm_count;
}

mc_status mc_cuda_op_matmul_fused_norm(mc_cuda *self, const mc_op_desc *norm, const mc_op_desc *op,
                                       bool next_streams) {
    mc_mv_args a = matvec_args(op);
    a.dependents_at_start = !next_streams;
    const mc_tensor *x = &norm->t[0];
    a.x = f32_ptr(x);
    a.x_stride = (int64_t)(x->row_stride / 4);
    a.norm_weight = f32_ptr(&norm->t[1]);
    a.norm_eps = norm->f[0];
    a.norm_out = f32_ptr(&norm->t[2]);
    a.norm_out_stride = (int64_t)(norm->t[2].row_stride / 4);
    const mc_cuda_serial_launches serial(self,
                                         weights_op_written(op) || mc_cuda_op_written(&norm->t[1]));
    return run_matvec(self, op->t[1].dtype, a);
}

mc_status mc_cuda_op_matmul(mc_cuda *self, const mc_op_desc *op) {
    const int32_t dtype = op->t[1].dtype;
    if (uses_gemm(self, op)) {
        mc_status status = mc_cuda_gemm_op(self, op);
        if (status != MC_ERROR_UNSUPPORTED) {
            return status;
        }
        /* No cuBLASLt algorithm for this layout: the matvec path computes the same product. */
    }
    const mc_cuda_serial_launches serial(self, weights_op_written(op));
    return run_matvec(self, dtype, matvec_args(op));
}

bool mc_cuda_matmul_streams(const mc_cuda *self, const mc_op_desc *op) {
    return op->t[0].rows == 1 && quantized(op->t[1].dtype) &&
           mc_cuda_matvec_stream_fits(self, op->t[1].dtype, 1, matvec_args(op));
}

size_t mc_cuda_matmul_scratch(const mc_cuda *self, const mc_op_desc *op) {
    return uses_gemm(self, op) ? mc_cuda_gemm_scratch(op) : 0;
}
