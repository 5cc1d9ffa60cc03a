// test_elementwise.cpp — mc_rope, mc_kv_append and mc_embedding against references.
#include "harness.h"

#include <cmath>
#include <cstring>

namespace {

void check_rope(int32_t tokens, int32_t heads, int32_t head_dim, int32_t rope_dims, int32_t mode,
                bool freq_factors) {
    uint64_t xs = 4ull * (heads * head_dim + 4);
    kt::memory x(xs * tokens), pos(4ull * tokens), ff(4ull * rope_dims / 2);
    for (int32_t t = 0; t < tokens; ++t) {
        kt::fill_uniform(x.as<float>(xs * t), (size_t)heads * head_dim);
        pos.as<int32_t>()[t] = (int32_t)(kt::rng()() % 600);
    }
    kt::fill_uniform(ff.as<float>(), rope_dims / 2, 1.0f, 8.0f);
    std::vector<float> before(x.bytes.size() / 4);
    std::memcpy(before.data(), x.bytes.data(), x.bytes.size());
    mc_op_desc op{};
    op.kind = MC_OPK_ROPE;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, tokens, heads * head_dim, 0, xs);
    op.t[1] = kt::tensor(pos, MC_DTYPE_I32, tokens, 1);
    if (freq_factors)
        op.t[2] = kt::tensor(ff, MC_DTYPE_F32, 1, rope_dims / 2);
    op.i[0] = heads;
    op.i[1] = head_dim;
    op.i[2] = rope_dims;
    op.i[3] = mode;
    op.f[0] = 10000.0f;
    kt::run_op(op);
    for (int32_t t = 0; t < tokens; ++t) {
        const float *in = before.data() + xs / 4 * t;
        std::vector<double> want(in, in + heads * head_dim);
        for (int32_t h = 0; h < heads; ++h) {
            for (int32_t i = 0; i < rope_dims / 2; ++i) {
                double theta = pos.as<int32_t>()[t] * std::pow(10000.0, -2.0 * i / rope_dims);
                if (freq_factors)
                    theta /= ff.as<float>()[i];
                int32_t a = mode == MC_ROPE_NEOX ? i : 2 * i;
                int32_t b = mode == MC_ROPE_NEOX ? i + rope_dims / 2 : 2 * i + 1;
                double x0 = in[h * head_dim + a], x1 = in[h * head_dim + b];
                want[h * head_dim + a] = x0 * std::cos(theta) - x1 * std::sin(theta);
                want[h * head_dim + b] = x0 * std::sin(theta) + x1 * std::cos(theta);
            }
        }
        // Angles up to 600 rad: float carries ~6e-5 absolute error in them.
        kt::expect_near(x.as<float>(xs * t), want.data(), want.size(), 2e-4, 1e-5,
                        "rope token " + std::to_string(t) + " mode " + std::to_string(mode));
    }
}

} // namespace

KT_TEST(rope_modes, "mc_rope") {
    check_rope(3, 4, 64, 64, MC_ROPE_NORMAL, false);
    check_rope(3, 4, 64, 64, MC_ROPE_NEOX, false);
    check_rope(2, 8, 8, 8, MC_ROPE_NORMAL, false); // stories260K: head_dim 8
    check_rope(5, 3, 128, 32, MC_ROPE_NEOX, true); // partial rotary, Llama 3 freq factors
    check_rope(4, 2, 96, 64, MC_ROPE_NORMAL, true);
}

namespace {

float cache_value(const kt::memory &m, int32_t dtype, uint64_t offset) {
    if (dtype == MC_DTYPE_F32) {
        float v;
        std::memcpy(&v, m.bytes.data() + offset, 4);
        return v;
    }
    uint16_t h;
    std::memcpy(&h, m.bytes.data() + offset, 2);
    return dtype == MC_DTYPE_F16 ? kt::f16_to_f32(h) : kt::bf16_to_f32(h);
}

float rounded(float v, int32_t dtype) {
    if (dtype == MC_DTYPE_F16)
        return kt::f16_to_f32(kt::f32_to_f16(v));
    if (dtype == MC_DTYPE_BF16)
        return kt::bf16_to_f32(kt::f32_to_bf16(v));
    return v;
}

void check_kv_append(int32_t dtype, int32_t tokens, int32_t kv_dim, int32_t capacity,
                     int32_t sequences, bool with_seq_ids, bool out_of_range) {
    uint64_t row = kt::row_bytes(dtype, kv_dim) + 8, rows = (uint64_t)capacity * sequences;
    kt::memory k(4ull * tokens * kv_dim), v(4ull * tokens * kv_dim), kc(row * rows), vc(row * rows),
        pos(4ull * tokens), seq(4ull * tokens);
    std::memset(kc.bytes.data(), 0, kc.bytes.size());
    std::memset(vc.bytes.data(), 0, vc.bytes.size());
    kt::fill_uniform(k.as<float>(), (size_t)tokens * kv_dim);
    kt::fill_uniform(v.as<float>(), (size_t)tokens * kv_dim);
    for (int32_t t = 0; t < tokens; ++t) {
        pos.as<int32_t>()[t] = (t * 7 + 3) % capacity; // distinct rows for distinct tokens
        seq.as<int32_t>()[t] = with_seq_ids ? t % sequences : 0;
    }
    if (out_of_range)
        pos.as<int32_t>()[tokens - 1] = capacity; // one past the sequence
    mc_op_desc op{};
    op.kind = MC_OPK_KV_APPEND;
    op.t[0] = kt::tensor(k, MC_DTYPE_F32, tokens, kv_dim);
    op.t[1] = kt::tensor(v, MC_DTYPE_F32, tokens, kv_dim);
    op.t[2] = kt::tensor(kc, dtype, (int32_t)rows, kv_dim, 0, row);
    op.t[3] = kt::tensor(vc, dtype, (int32_t)rows, kv_dim, 0, row);
    op.t[4] = kt::tensor(pos, MC_DTYPE_I32, tokens, 1);
    if (with_seq_ids)
        op.t[5] = kt::tensor(seq, MC_DTYPE_I32, tokens, 1);
    op.i[0] = capacity;
    std::vector<int32_t> status =
        kt::run_op(op, out_of_range ? kt::cpu_reference::rejects : kt::cpu_reference::agrees);
    KT_CHECK(status[0] == (out_of_range ? 1 : 0), "kv_append status flag");
    std::vector<int> written(rows, 0);
    for (int32_t t = 0; t < tokens; ++t) {
        if (out_of_range && t == tokens - 1)
            continue;
        uint64_t r = (uint64_t)seq.as<int32_t>()[t] * capacity + pos.as<int32_t>()[t];
        written[r] = 1;
        size_t es = dtype == MC_DTYPE_F32 ? 4 : 2;
        for (int32_t i = 0; i < kv_dim; ++i) {
            float wk = rounded(k.as<float>()[t * kv_dim + i], dtype);
            float wv = rounded(v.as<float>()[t * kv_dim + i], dtype);
            KT_CHECK(cache_value(kc, dtype, r * row + i * es) == wk &&
                         cache_value(vc, dtype, r * row + i * es) == wv,
                     "kv_append dtype " + std::to_string(dtype) + " token " + std::to_string(t) +
                         " element " + std::to_string(i));
        }
    }
    for (uint64_t r = 0; r < rows; ++r) { // untouched rows stay zero
        if (written[r])
            continue;
        for (uint64_t b = 0; b < row; ++b) {
            KT_CHECK(kc.bytes[r * row + b] == 0 && vc.bytes[r * row + b] == 0,
                     "kv_append wrote cache row " + std::to_string(r) + ", which no token owns");
        }
    }
}

} // namespace

KT_TEST(kv_append_types, "mc_kv_append") {
    for (int32_t dtype : {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16}) {
        check_kv_append(dtype, 1, 32, 16, 1, false, false);
        check_kv_append(dtype, 5, 100, 13, 3, true, false);
        check_kv_append(dtype, 4, 33, 8, 2, true, true); // out of range: skipped and flagged
    }
}

namespace {

void check_embedding(int32_t dtype, int32_t vocab, int32_t dim, int32_t tokens, bool bad_token) {
    uint64_t stride = kt::row_bytes(dtype, dim) + 4;
    kt::memory table(stride * vocab), ids(8ull * tokens), out(4ull * tokens * (dim + 1));
    kt::fill_weights(table, dtype, vocab, dim, 0, stride);
    for (int32_t t = 0; t < tokens; ++t)
        ids.as<int32_t>()[2 * t] = (int32_t)(kt::rng()() % vocab);
    if (bad_token)
        ids.as<int32_t>()[0] = vocab + 5;
    mc_op_desc op{};
    op.kind = MC_OPK_EMBEDDING;
    op.t[0] = kt::tensor(table, dtype, vocab, dim, 0, stride);
    op.t[1] = kt::tensor(ids, MC_DTYPE_I32, tokens, 1, 0, 8);
    op.t[2] = kt::tensor(out, MC_DTYPE_F32, tokens, dim, 0, 4ull * (dim + 1));
    std::vector<int32_t> status = kt::run_op(op);
    KT_CHECK(status[1] == (bad_token ? 1 : 0), "embedding status flag");
    for (int32_t t = 0; t < tokens; ++t) {
        int32_t id = ids.as<int32_t>()[2 * t];
        std::vector<double> want(dim, 0.0);
        if (id < vocab) {
            for (int32_t c = 0; c < dim; ++c)
                want[c] = kt::weight_at(table, dtype, 0, stride, id, c);
        }
        kt::expect_near(out.as<float>(4ull * t * (dim + 1)), want.data(), dim, 0, 0,
                        "embedding dtype " + std::to_string(dtype) + " token " + std::to_string(t));
    }
}

} // namespace

KT_TEST(embedding_types, "mc_embedding") {
    for (int32_t dtype :
         {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16, MC_DTYPE_Q8_0, MC_DTYPE_Q4_0}) {
        bool q = dtype == MC_DTYPE_Q8_0 || dtype == MC_DTYPE_Q4_0;
        check_embedding(dtype, 512, q ? 64 : 70, 3, false);
        check_embedding(dtype, 100, q ? 96 : 33, 4, true);
    }
}
