// test_attention.cpp — decode attention (mc_attention in one pass, and split into key blocks
// merged by mc_attention_reduce) against a double-precision softmax, for f32/f16/bf16 caches,
// GQA/MQA, several sequences and head sizes that are not multiples of 32.
#include "harness.h"

#include <cmath>
#include <cstring>

namespace {

struct attention_case {
    int32_t dtype, tokens, heads, kv_heads, head_dim, capacity, sequences;
};

// A cache element as stored in `dtype`, written from a float.
void store(unsigned char *p, int32_t dtype, float v) {
    if (dtype == MC_DTYPE_F32) {
        std::memcpy(p, &v, 4);
    } else {
        uint16_t h = dtype == MC_DTYPE_F16 ? kt::f32_to_f16(v) : kt::f32_to_bf16(v);
        std::memcpy(p, &h, 2);
    }
}

double load(const unsigned char *p, int32_t dtype) {
    if (dtype == MC_DTYPE_F32) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
    }
    uint16_t h;
    std::memcpy(&h, p, 2);
    return dtype == MC_DTYPE_F16 ? kt::f16_to_f32(h) : kt::bf16_to_f32(h);
}

void check_attention(const attention_case &c, const mc_plan_tunables &tunables) {
    int32_t kv_dim = c.kv_heads * c.head_dim, q_dim = c.heads * c.head_dim;
    size_t es = c.dtype == MC_DTYPE_F32 ? 4 : 2;
    uint64_t row = es * kv_dim + 16, rows = (uint64_t)c.capacity * c.sequences;
    uint64_t qs = 4ull * (q_dim + 3);
    kt::memory q(qs * c.tokens), kc(row * rows), vc(row * rows), pos(4ull * c.tokens),
        seq(4ull * c.tokens), out(qs * c.tokens);
    for (uint64_t r = 0; r < rows; ++r) {
        for (int32_t i = 0; i < kv_dim; ++i) {
            store(kc.bytes.data() + r * row + i * es, c.dtype, kt::uniform(-1, 1));
            store(vc.bytes.data() + r * row + i * es, c.dtype, kt::uniform(-1, 1));
        }
    }
    for (int32_t t = 0; t < c.tokens; ++t) {
        kt::fill_uniform(q.as<float>(qs * t), q_dim, -2, 2);
        // The last token sees the whole cache; the others a random prefix of their sequence.
        pos.as<int32_t>()[t] =
            t == c.tokens - 1 ? c.capacity - 1 : (int32_t)(kt::rng()() % c.capacity);
        seq.as<int32_t>()[t] = t % c.sequences;
    }
    float scale = 1.0f / std::sqrt((float)c.head_dim);
    mc_op_desc op{};
    op.kind = MC_OPK_ATTENTION;
    op.t[0] = kt::tensor(q, MC_DTYPE_F32, c.tokens, q_dim, 0, qs);
    op.t[1] = kt::tensor(kc, c.dtype, (int32_t)rows, kv_dim, 0, row);
    op.t[2] = kt::tensor(vc, c.dtype, (int32_t)rows, kv_dim, 0, row);
    op.t[3] = kt::tensor(pos, MC_DTYPE_I32, c.tokens, 1);
    if (c.sequences > 1)
        op.t[4] = kt::tensor(seq, MC_DTYPE_I32, c.tokens, 1);
    op.t[5] = kt::tensor(out, MC_DTYPE_F32, c.tokens, q_dim, 0, qs);
    op.i[0] = c.capacity;
    op.i[1] = c.heads;
    op.i[2] = c.kv_heads;
    op.i[3] = c.head_dim;
    op.f[0] = scale;
    kt::run_op(op, tunables);

    for (int32_t t = 0; t < c.tokens; ++t) {
        uint64_t first = (uint64_t)seq.as<int32_t>()[t] * c.capacity;
        int32_t keys = pos.as<int32_t>()[t] + 1;
        std::vector<double> want(q_dim);
        for (int32_t h = 0; h < c.heads; ++h) {
            int32_t kvh = h / (c.heads / c.kv_heads);
            const float *qh = q.as<float>(qs * t) + h * c.head_dim;
            std::vector<double> scores(keys);
            double top = -1e300, total = 0;
            for (int32_t j = 0; j < keys; ++j) {
                const unsigned char *k =
                    kc.bytes.data() + (first + j) * row + kvh * c.head_dim * es;
                double s = 0;
                for (int32_t d = 0; d < c.head_dim; ++d)
                    s += qh[d] * load(k + d * es, c.dtype);
                scores[j] = s * scale;
                top = std::max(top, scores[j]);
            }
            for (double &s : scores)
                total += s = std::exp(s - top);
            for (int32_t d = 0; d < c.head_dim; ++d) {
                double a = 0;
                for (int32_t j = 0; j < keys; ++j) {
                    a += scores[j] *
                         load(vc.bytes.data() + (first + j) * row + (kvh * c.head_dim + d) * es,
                              c.dtype);
                }
                want[h * c.head_dim + d] = a / total;
            }
        }
        kt::expect_near(out.as<float>(qs * t), want.data(), q_dim, 2e-5, 1e-4,
                        "attention dtype " + std::to_string(c.dtype) + " head_dim " +
                            std::to_string(c.head_dim) + " capacity " + std::to_string(c.capacity) +
                            " token " + std::to_string(t));
    }
}

mc_plan_tunables with_block(int32_t block, int32_t simdgroups) {
    mc_plan_tunables t = kt::default_tunables();
    t.attention_block = block;
    t.attention_simdgroups = simdgroups;
    return t;
}

} // namespace

KT_TEST(attention_one_pass, "mc_attention") {
    for (int32_t dtype : {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16}) {
        check_attention({dtype, 3, 8, 4, 8, 16, 2}, kt::default_tunables());   // stories260K GQA
        check_attention({dtype, 2, 4, 1, 100, 37, 1}, kt::default_tunables()); // MQA, odd dim
    }
    check_attention({MC_DTYPE_F16, 1, 2, 2, 256, 20, 1}, with_block(512, 2)); // largest head
    check_attention({MC_DTYPE_BF16, 2, 4, 2, 64, 5, 1}, with_block(512, 8));  // fewer keys than
                                                                              // simdgroups
}

KT_TEST(attention_split_blocks, "mc_attention", "mc_attention_reduce") {
    for (int32_t dtype : {MC_DTYPE_F32, MC_DTYPE_F16, MC_DTYPE_BF16}) {
        // Blocks of 16 keys over 70: a partial last block, and tokens whose keys end before the
        // later blocks (empty partials the reduce must ignore).
        check_attention({dtype, 4, 4, 2, 40, 70, 2}, with_block(16, 4));
    }
    check_attention({MC_DTYPE_F16, 1, 2, 1, 64, 600, 1}, kt::default_tunables()); // default block
    check_attention({MC_DTYPE_F32, 2, 6, 3, 8, 33, 1}, with_block(8, 1));
}
