// test_matvec.cpp — the projections (mc_op_matmul, _qkv, _gate_up_silu) in both paths: the
// decode matvec kernels (few x rows) and the simdgroup-matrix prefill kernel (many rows), for
// every weight type, against the CPU backend and a double-precision reference on
// ggml-dequantised weights.
#include "harness.h"

#include <cmath>

namespace {

const int32_t weight_types[] = {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16, MC_DTYPE_Q8_0,
                                MC_DTYPE_Q4_0};

bool quantized(int32_t dtype) {
    return dtype == MC_DTYPE_Q8_0 || dtype == MC_DTYPE_Q4_0;
}

// A weight matrix in its own memory, rows padded by 64 bytes (a non-packed stride).
struct weights {
    int32_t dtype, n, k;
    uint64_t stride;
    kt::memory mem;
    weights(int32_t dtype_, int32_t n_, int32_t k_)
        : dtype(dtype_), n(n_), k(k_), stride(kt::row_bytes(dtype_, k_) + 64), mem(stride * n_) {
        kt::fill_weights(mem, dtype, n, k, 0, stride);
    }
    mc_tensor t() { return kt::tensor(mem, dtype, n, k, 0, stride); }
    double dot(const float *x, int32_t row) const {
        double s = 0;
        for (int32_t c = 0; c < k; ++c)
            s += (double)kt::weight_at(mem, dtype, 0, stride, row, c) * x[c];
        return s;
    }
    double abs_dot(const float *x, int32_t row) const {
        double s = 0;
        for (int32_t c = 0; c < k; ++c) {
            s += std::fabs((double)kt::weight_at(mem, dtype, 0, stride, row, c) * x[c]);
        }
        return s;
    }
};

// Activations for weights of `dtype`: uniform in [-1, 1], except that with quantized weights
// each block of 32 lies on an 8-bit grid (d * q, q in [-127, 127], one |q| = 127), so the CPU
// reference's ggml-style 8-bit activation rounding is exact and the two can agree to float
// rounding. The kernels themselves never round the activations.
void fill_x(float *x, int32_t k, int32_t dtype) {
    if (!quantized(dtype)) {
        kt::fill_uniform(x, k);
        return;
    }
    for (int32_t b = 0; b < k; b += 32) {
        float d = kt::uniform(0.5f, 1.0f) / 127.0f;
        for (int32_t i = 0; i < 32; ++i)
            x[b + i] = d * (float)((int)(kt::rng()() % 255) - 127);
        x[b + (int32_t)(kt::rng()() % 32)] = d * (kt::rng()() % 2 ? 127.0f : -127.0f);
    }
}

// Float accumulation error grows with the terms' magnitude: tolerance per output element.
void expect_rows(const float *got, uint64_t got_stride, const std::vector<double> &want,
                 const std::vector<double> &scale, int32_t rows, int32_t n,
                 const std::string &what) {
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t j = 0; j < n; ++j) {
            size_t i = (size_t)r * n + j;
            kt::expect_near(&got[r * got_stride + j], &want[i], 1, 1e-5 * scale[i] + 1e-6, 0,
                            what + " row " + std::to_string(r) + " col " + std::to_string(j));
        }
    }
}

std::string shape(int32_t dtype, int32_t m, int32_t n, int32_t k) {
    return "dtype " + std::to_string(dtype) + " " + std::to_string(m) + "x" + std::to_string(k) +
           " · " + std::to_string(n) + "x" + std::to_string(k) + "ᵀ";
}

void check_matmul(int32_t dtype, int32_t m, int32_t n, int32_t k, bool residual, bool alias,
                  const mc_plan_tunables &tun) {
    weights w(dtype, n, k);
    uint64_t xs = 4ull * (k + 5), os = 4ull * (n + 3);
    kt::memory x(xs * m), out(os * m), res(os * m);
    for (int32_t r = 0; r < m; ++r)
        fill_x(x.as<float>(xs * r), k, dtype);
    for (int32_t r = 0; r < m; ++r)
        kt::fill_uniform(res.as<float>(os * r), n);
    kt::memory &target = alias ? res : out;
    mc_op_desc op{};
    op.kind = MC_OPK_MATMUL;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, m, k, 0, xs);
    op.t[1] = w.t();
    if (residual)
        op.t[2] = kt::tensor(res, MC_DTYPE_F32, m, n, 0, os);
    op.t[3] = kt::tensor(target, MC_DTYPE_F32, m, n, 0, os);
    std::vector<double> want((size_t)m * n), scale((size_t)m * n);
    for (int32_t r = 0; r < m; ++r) {
        for (int32_t j = 0; j < n; ++j) {
            const float *xr = x.as<float>(xs * r);
            double extra = residual ? res.as<float>(os * r)[j] : 0.0;
            want[(size_t)r * n + j] = w.dot(xr, j) + extra;
            scale[(size_t)r * n + j] = w.abs_dot(xr, j) + std::fabs(extra);
        }
    }
    kt::run_op(op, tun);
    expect_rows(target.as<float>(), os / 4, want, scale, m, n,
                "matmul " + shape(dtype, m, n, k) + (residual ? " + residual" : "") +
                    (alias ? " (in place)" : ""));
}

mc_plan_tunables tunables(int32_t rows, int32_t simdgroups) {
    mc_plan_tunables t;
    mc_plan_defaults(&t);
    t.matvec_rows = rows;
    t.matvec_simdgroups = simdgroups;
    return t;
}

// k for a dtype: quantized rows hold whole blocks, float rows need not hold whole chunks.
int32_t k_for(int32_t dtype, int32_t plain_k) {
    return quantized(dtype) ? (plain_k + 31) / 32 * 32 : plain_k;
}

} // namespace

KT_TEST(matvec_all_types, "mc_matvec") {
    for (int32_t dtype : weight_types) {
        check_matmul(dtype, 1, 32, k_for(dtype, 64), false, false, tunables(4, 2));
        check_matmul(dtype, 1, 77, k_for(dtype, 100), false, false, tunables(4, 2));
        check_matmul(dtype, 3, 50, k_for(dtype, 300), true, false, tunables(3, 4));
        check_matmul(dtype, 2, 100, k_for(dtype, 1000), true, true, tunables(8, 1));
        check_matmul(dtype, 1, 9, k_for(dtype, 2049), false, false, tunables(1, 32));
    }
}

KT_TEST(matmul_prefill_all_types, "mc_matmul") {
    mc_plan_tunables t = tunables(4, 2);
    for (int32_t dtype : weight_types) {
        check_matmul(dtype, 8, 32, k_for(dtype, 32), false, false, t); // one exact tile
        check_matmul(dtype, 33, 70, k_for(dtype, 100), false, false, t);
        check_matmul(dtype, 40, 45, k_for(dtype, 96), true, false, t);
        check_matmul(dtype, 17, 64, k_for(dtype, 65), true, true, t);
    }
}

namespace {

void check_qkv(int32_t dtype, int32_t m, int32_t nq, int32_t nkv, int32_t k) {
    weights wq(dtype, nq, k), wk(dtype, nkv, k), wv(dtype, nkv, k);
    kt::memory x(4ull * m * k), q(4ull * m * nq), kk(4ull * m * nkv), v(4ull * m * nkv);
    for (int32_t r = 0; r < m; ++r)
        fill_x(x.as<float>(4ull * r * k), k, dtype);
    mc_op_desc op{};
    op.kind = MC_OPK_MATMUL_QKV;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, m, k);
    op.t[1] = wq.t();
    op.t[2] = wk.t();
    op.t[3] = wv.t();
    op.t[4] = kt::tensor(q, MC_DTYPE_F32, m, nq);
    op.t[5] = kt::tensor(kk, MC_DTYPE_F32, m, nkv);
    op.t[6] = kt::tensor(v, MC_DTYPE_F32, m, nkv);
    kt::run_op(op, tunables(4, 2));
    weights *ws[3] = {&wq, &wk, &wv};
    kt::memory *outs[3] = {&q, &kk, &v};
    for (int which = 0; which < 3; ++which) {
        int32_t n = ws[which]->n;
        std::vector<double> want((size_t)m * n), scale((size_t)m * n);
        for (int32_t r = 0; r < m; ++r) {
            for (int32_t j = 0; j < n; ++j) {
                want[(size_t)r * n + j] = ws[which]->dot(x.as<float>(4ull * r * k), j);
                scale[(size_t)r * n + j] = ws[which]->abs_dot(x.as<float>(4ull * r * k), j);
            }
        }
        expect_rows(outs[which]->as<float>(), n, want, scale, m, n,
                    std::string("qkv ") + "qkv"[which] + " " + shape(dtype, m, n, k));
    }
}

void check_gate_up(int32_t dtype, int32_t m, int32_t n, int32_t k) {
    weights gate(dtype, n, k), up(dtype, n, k);
    kt::memory x(4ull * m * k), out(4ull * m * n);
    for (int32_t r = 0; r < m; ++r)
        fill_x(x.as<float>(4ull * r * k), k, dtype);
    mc_op_desc op{};
    op.kind = MC_OPK_GATE_UP_SILU;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, m, k);
    op.t[1] = gate.t();
    op.t[2] = up.t();
    op.t[3] = kt::tensor(out, MC_DTYPE_F32, m, n);
    kt::run_op(op, tunables(2, 4));
    std::vector<double> want((size_t)m * n), scale((size_t)m * n);
    for (int32_t r = 0; r < m; ++r) {
        const float *xr = x.as<float>(4ull * r * k);
        for (int32_t j = 0; j < n; ++j) {
            double g = gate.dot(xr, j), u = up.dot(xr, j);
            double silu = g / (1.0 + std::exp(-g));
            want[(size_t)r * n + j] = silu * u;
            // d(silu(g)*u) ~ |u| dg + |silu| du, with dg, du ~ the abs dots
            scale[(size_t)r * n + j] =
                std::fabs(u) * gate.abs_dot(xr, j) * 1.2 + std::fabs(silu) * up.abs_dot(xr, j);
        }
    }
    expect_rows(out.as<float>(), n, want, scale, m, n, "gate_up " + shape(dtype, m, n, k));
}

} // namespace

KT_TEST(matvec_qkv_fused, "mc_matvec_qkv") {
    for (int32_t dtype : weight_types) {
        check_qkv(dtype, 1, 64, 32, k_for(dtype, 64));  // GQA: k/v narrower than q
        check_qkv(dtype, 2, 40, 24, k_for(dtype, 130)); // odd tile counts
    }
}

KT_TEST(matmul_qkv_prefill, "mc_matmul") {
    for (int32_t dtype : {MC_DTYPE_F16, MC_DTYPE_Q8_0})
        check_qkv(dtype, 9, 40, 24, 64);
}

KT_TEST(matvec_gate_up_fused, "mc_matvec_gate_up") {
    for (int32_t dtype : weight_types) {
        check_gate_up(dtype, 1, 172, k_for(dtype, 64)); // stories260K's hidden 172
        check_gate_up(dtype, 3, 33, k_for(dtype, 200));
    }
}

KT_TEST(matmul_gate_up_prefill, "mc_matmul") {
    for (int32_t dtype : weight_types)
        check_gate_up(dtype, 12, 50, k_for(dtype, 70));
}
