/* gemm.cu — prompt processing: matmul-kind ops with many activation rows as cuBLASLt products.
 *
 * out[M x N] = x[M x K] · W[N x K]ᵀ is, in cuBLASLt's column-major terms, D (N x M) = Wᵀ(K x N,
 * transposed) · x(K x M), so no operand is copied to change its layout. F32 weights multiply the
 * f32 activations in full f32 (CUBLAS_COMPUTE_32F, no TF32: the reference tolerances hold); F16
 * and BF16 weights multiply activations converted to their type on the tensor cores, with f32
 * accumulation and output; quantized weights are dequantized to BF16, a chunk of rows at a time
 * (bounded scratch), and multiplied like BF16. The residual add is cuBLASLt's beta = 1 with
 * C = residual (in place when it aliases out); gate/up products land in scratch and one kernel
 * applies SiLU(gate) * up.
 *
 * Every product's algorithm is chosen before anything is enqueued, so an op either runs
 * entirely here or not at all (MC_ERROR_UNSUPPORTED: the caller falls back to the matvecs). */
#include "device_common.cuh"
#include "gemm.cuh"
#include "quant_formats.cuh"

#include <vector>

namespace {

constexpr size_t kChunkBytes = 64u << 20; /* dequantized weight rows per product, at most */

struct layout {
    cudaDataType type; /* of both operands */
    bool convert_x, dequantize;
    int chunk_rows;
    size_t x_offset, w_offset, gate_offset, up_offset, total;
};

size_t align256(size_t bytes) {
    return (bytes + 255) & ~size_t(255);
}

bool quantized(int32_t dtype) {
    return dtype != MC_DTYPE_F32 && dtype != MC_DTYPE_F16 && dtype != MC_DTYPE_BF16;
}

int weight_count(const mc_op_desc *op) {
    return op->kind == MC_OPK_MATMUL ? 1 : op->kind == MC_OPK_MATMUL_QKV ? 3 : 2;
}

layout layout_of(const mc_op_desc *op) {
    const int32_t dtype = op->t[1].dtype;
    const size_t m = (size_t)op->t[0].rows, k = (size_t)op->t[0].cols;
    layout l = {};
    l.type = dtype == MC_DTYPE_F32 ? CUDA_R_32F : dtype == MC_DTYPE_F16 ? CUDA_R_16F : CUDA_R_16BF;
    l.convert_x = dtype != MC_DTYPE_F32;
    l.dequantize = quantized(dtype);
    int rows = 0;
    for (int i = 0; i < weight_count(op); i++) {
        rows = op->t[1 + i].rows > rows ? op->t[1 + i].rows : rows;
    }
    l.chunk_rows = rows;
    if (l.dequantize) {
        const size_t fit = kChunkBytes / (k * 2);
        l.chunk_rows = fit < (size_t)rows ? (int)(fit > 64 ? fit : 64) : rows;
    }
    size_t at = 0;
    l.x_offset = at;
    at += l.convert_x ? align256(m * k * 2) : 0;
    l.w_offset = at;
    at += l.dequantize ? align256((size_t)l.chunk_rows * k * 2) : 0;
    l.gate_offset = at;
    if (op->kind == MC_OPK_GATE_UP_SILU) {
        const size_t f = (size_t)op->t[1].rows;
        at += align256(m * f * 4);
        l.up_offset = at;
        at += align256(m * f * 4);
    }
    l.total = at;
    return l;
}

/* ---- kernels around the products ------------------------------------------------------- */

/* The element-wise kernels' shape: the next kernel may launch at once (these are short), the
 * inputs are waited for, then each thread takes items i, i + all threads, ... below `total`. */
template <typename Body> __device__ __forceinline__ void for_each_item(int64_t total, Body body) {
    MC_TIMELINE_KERNEL(MC_TL_GEMM_PREP, 0);
    mc_pdl_launch_dependents();
    mc_pdl_wait();
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total;
         i += (int64_t)gridDim.x * blockDim.x) {
        body(i);
    }
}

/* x (f32, strided) -> packed f16 or bf16 rows. */
template <bool BF16>
__global__ __launch_bounds__(256) void convert_rows_kernel(const float *x, int64_t stride, int rows,
                                                           int cols, uint16_t *out) {
    for_each_item((int64_t)rows * cols, [&](int64_t i) {
        const int64_t r = i / cols, c = i % cols;
        const float v = x[r * stride + c];
        out[i] = BF16 ? mc_f32_to_bf16(v) : mc_f32_to_f16(v);
    });
}

/* Weight rows [0, rows) of a quantized matrix -> packed bf16 rows; a thread per block of 32. */
template <int DTYPE>
__global__ __launch_bounds__(256) void dequantize_kernel(const uint8_t *w, int64_t stride, int rows,
                                                         int cols, uint16_t *out) {
    const int per_row = cols / 32;
    for_each_item((int64_t)rows * per_row, [&](int64_t i) {
        const int64_t r = i / per_row;
        const int b = (int)(i % per_row);
        uint16_t *o = out + r * cols + b * 32;
        mc_for_block<DTYPE>(w + r * stride, b, [&](int e, float v) { o[e] = mc_f32_to_bf16(v); });
    });
}

__global__ __launch_bounds__(256) void silu_mul_kernel(const float *gate, const float *up, int rows,
                                                       int cols, float *out, int64_t out_stride) {
    for_each_item((int64_t)rows * cols, [&](int64_t i) {
        const int64_t r = i / cols, c = i % cols;
        const float g = gate[i];
        out[r * out_stride + c] = g / (1.0f + __expf(-g)) * up[i];
    });
}

dim3 grid_for(mc_cuda *self, int64_t items) {
    int64_t blocks = (items + 255) / 256;
    const int64_t cap = (int64_t)self->sm_count * 8;
    return dim3((unsigned)(blocks < cap ? (blocks > 0 ? blocks : 1) : cap));
}

mc_status dequantize(mc_cuda *self, int32_t dtype, const uint8_t *w, int64_t stride, int rows,
                     int cols, uint16_t *out) {
    const dim3 grid = grid_for(self, (int64_t)rows * (cols / 32)), block(256);
    return mc_with_block_format(dtype, "dequantize", [&](auto format) {
        return mc_cuda_launch(self, "dequantize_bf16", dequantize_kernel<decltype(format)::value>,
                              grid, block, 0, w, stride, rows, cols, out);
    });
}

/* ---- cuBLASLt products ------------------------------------------------------------------- */

/* One product D (n_out x m_act, column-major) = op(A) · B (+ C). */
struct product {
    int weight;     /* which weight of the op */
    int row0, rows; /* weight rows [row0, row0 + rows) */
    const void *a;  /* weights (or their dequantized chunk) */
    int64_t lda;    /* elements */
    const float *c; /* residual or nullptr */
    int64_t ldc;
    float *d;
    int64_t ldd;
    cublasLtMatmulAlgo_t algo;
};

/* The largest power of two (<= 256) that divides the address: cuBLASLt assumes 256 unless told. */
uint32_t alignment_of(const void *p) {
    uintptr_t address = reinterpret_cast<uintptr_t>(p);
    uint32_t alignment = 256;
    while (alignment > 1 && address % alignment != 0) {
        alignment /= 2;
    }
    return alignment;
}

struct lt_objects {
    const mc_cublaslt_api *lt;
    explicit lt_objects(const mc_cublaslt_api *api) : lt(api) {}
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr, d = nullptr;
    cublasLtMatmulPreference_t preference = nullptr;
    ~lt_objects() {
        if (preference)
            lt->preference_destroy(preference);
        if (a)
            lt->layout_destroy(a);
        if (b)
            lt->layout_destroy(b);
        if (c)
            lt->layout_destroy(c);
        if (d)
            lt->layout_destroy(d);
        if (desc)
            lt->desc_destroy(desc);
    }
};

#define MC_LT_TRY(call)                                                                            \
    do {                                                                                           \
        cublasStatus_t lt_status_ = (call);                                                        \
        if (lt_status_ != CUBLAS_STATUS_SUCCESS) {                                                 \
            return mc_cuda_fail_lt(#call, lt_status_);                                             \
        }                                                                                          \
    } while (0)

/* Describes a product to cuBLASLt; with `choose`, also picks its algorithm. */
mc_status describe(mc_cuda *self, const layout &l, const void *b, int64_t ldb, int m_act, int k,
                   product &p, lt_objects &o, bool choose) {
    const mc_cublaslt_api *lt = self->lt_api;
    MC_LT_TRY(lt->desc_create(&o.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t transpose = CUBLAS_OP_T;
    MC_LT_TRY(
        lt->desc_set_attribute(o.desc, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof transpose));
    MC_LT_TRY(lt->layout_create(&o.a, l.type, (uint64_t)k, (uint64_t)p.rows, p.lda));
    MC_LT_TRY(lt->layout_create(&o.b, l.type, (uint64_t)k, (uint64_t)m_act, ldb));
    MC_LT_TRY(lt->layout_create(&o.c, CUDA_R_32F, (uint64_t)p.rows, (uint64_t)m_act,
                                p.c != nullptr ? p.ldc : p.ldd));
    MC_LT_TRY(lt->layout_create(&o.d, CUDA_R_32F, (uint64_t)p.rows, (uint64_t)m_act, p.ldd));
    if (!choose) {
        return MC_OK;
    }
    MC_LT_TRY(lt->preference_create(&o.preference));
    const uint64_t workspace = self->lt_workspace_size;
    MC_LT_TRY(lt->preference_set_attribute(o.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                           &workspace, sizeof workspace));
    const uint32_t align_a = alignment_of(p.a), align_b = alignment_of(b);
    const uint32_t align_c = alignment_of(p.c != nullptr ? (const void *)p.c : (const void *)p.d);
    const uint32_t align_d = alignment_of(p.d);
    MC_LT_TRY(lt->preference_set_attribute(o.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                                           &align_a, sizeof align_a));
    MC_LT_TRY(lt->preference_set_attribute(o.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                                           &align_b, sizeof align_b));
    MC_LT_TRY(lt->preference_set_attribute(o.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                                           &align_c, sizeof align_c));
    MC_LT_TRY(lt->preference_set_attribute(o.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
                                           &align_d, sizeof align_d));
    cublasLtMatmulHeuristicResult_t result = {};
    int found = 0;
    cublasStatus_t status = lt->algo_get_heuristic(self->lt, o.desc, o.a, o.b, o.c, o.d,
                                                   o.preference, 1, &result, &found);
    if (status != CUBLAS_STATUS_SUCCESS || found == 0) {
        return mc_set_error(MC_ERROR_UNSUPPORTED,
                            "cuBLASLt has no algorithm for a %d x %d x %d product", p.rows, m_act,
                            k);
    }
    p.algo = result.algo;
    return MC_OK;
}

} // namespace

size_t mc_cuda_gemm_scratch(const mc_op_desc *op) {
    return layout_of(op).total;
}

mc_status mc_cuda_gemm_op(mc_cuda *self, const mc_op_desc *op) {
    const layout l = layout_of(op);
    const mc_tensor *x = &op->t[0];
    const int m_act = x->rows, k = x->cols;
    uint8_t *scratch = nullptr;
    if (l.total > 0) {
        void *memory = nullptr;
        MC_TRY(mc_cuda_scratch(self, l.total, &memory));
        scratch = static_cast<uint8_t *>(memory);
    }
    const int weights = weight_count(op);
    const bool gate_up = op->kind == MC_OPK_GATE_UP_SILU;
    const size_t element = l.type == CUDA_R_32F ? 4 : 2;

    /* The products, each with its algorithm, before anything is enqueued. */
    std::vector<product> products;
    for (int i = 0; i < weights; i++) {
        const mc_tensor *w = &op->t[1 + i];
        const mc_tensor *out = op->kind == MC_OPK_MATMUL_QKV ? &op->t[4 + i] : &op->t[3];
        const mc_tensor *residual =
            op->kind == MC_OPK_MATMUL && op->t[2].buffer != nullptr ? &op->t[2] : nullptr;
        for (int row0 = 0; row0 < w->rows; row0 += l.chunk_rows) {
            product p = {};
            p.weight = i;
            p.row0 = row0;
            p.rows = w->rows - row0 < l.chunk_rows ? w->rows - row0 : l.chunk_rows;
            if (l.dequantize) {
                p.a = scratch + l.w_offset;
                p.lda = k;
            } else {
                p.a = mc_cuda_ptr(w) + (size_t)row0 * w->row_stride;
                p.lda = (int64_t)(w->row_stride / element);
            }
            if (gate_up) {
                p.d = reinterpret_cast<float *>(scratch + (i == 0 ? l.gate_offset : l.up_offset)) +
                      row0;
                p.ldd = w->rows;
            } else {
                p.d = reinterpret_cast<float *>(mc_cuda_ptr(out)) + row0;
                p.ldd = (int64_t)(out->row_stride / 4);
            }
            if (residual != nullptr) {
                p.c = reinterpret_cast<const float *>(mc_cuda_ptr(residual)) + row0;
                p.ldc = (int64_t)(residual->row_stride / 4);
            }
            products.push_back(p);
        }
    }
    const void *b =
        l.convert_x ? (const void *)(scratch + l.x_offset) : (const void *)mc_cuda_ptr(x);
    const int64_t ldb = l.convert_x ? k : (int64_t)(x->row_stride / 4);
    for (product &p : products) {
        lt_objects o(self->lt_api);
        MC_TRY(describe(self, l, b, ldb, m_act, k, p, o, true));
    }

    int32_t token = -1;
    MC_TRY(mc_cuda_profile_begin(self, "gemm_cublaslt", &token));
    if (l.convert_x) {
        const dim3 grid = grid_for(self, (int64_t)m_act * k);
        uint16_t *converted = reinterpret_cast<uint16_t *>(scratch + l.x_offset);
        const float *source = reinterpret_cast<const float *>(mc_cuda_ptr(x));
        const int64_t stride = (int64_t)(x->row_stride / 4);
        if (l.type == CUDA_R_16F) {
            MC_TRY(mc_cuda_launch(self, "convert_f16", convert_rows_kernel<false>, grid, dim3(256),
                                  0, source, stride, m_act, k, converted));
        } else {
            MC_TRY(mc_cuda_launch(self, "convert_bf16", convert_rows_kernel<true>, grid, dim3(256),
                                  0, source, stride, m_act, k, converted));
        }
    }
    const float one = 1.0f, zero = 0.0f;
    for (product &p : products) {
        if (l.dequantize) {
            const mc_tensor *w = &op->t[1 + p.weight];
            MC_TRY(dequantize(self, w->dtype, mc_cuda_ptr(w) + (size_t)p.row0 * w->row_stride,
                              (int64_t)w->row_stride, p.rows, k,
                              reinterpret_cast<uint16_t *>(scratch + l.w_offset)));
        }
        lt_objects o(self->lt_api);
        MC_TRY(describe(self, l, b, ldb, m_act, k, p, o, false));
        const float *c = p.c != nullptr ? p.c : p.d;
        MC_LT_TRY(self->lt_api->matmul(self->lt, o.desc, &one, p.a, o.a, b, o.b,
                                       p.c != nullptr ? &one : &zero, c, o.c, p.d, o.d, &p.algo,
                                       self->lt_workspace, self->lt_workspace_size, self->stream));
        self->dispatches++;
    }
    if (gate_up) {
        const mc_tensor *out = &op->t[3];
        const int f = op->t[1].rows;
        MC_TRY(mc_cuda_launch(
            self, "silu_mul", silu_mul_kernel, grid_for(self, (int64_t)m_act * f), dim3(256), 0,
            reinterpret_cast<const float *>(scratch + l.gate_offset),
            reinterpret_cast<const float *>(scratch + l.up_offset), m_act, f,
            reinterpret_cast<float *>(mc_cuda_ptr(out)), (int64_t)(out->row_stride / 4)));
    }
    return mc_cuda_profile_end(self, token);
}
