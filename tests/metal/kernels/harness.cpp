// harness.cpp — see harness.h.
#include "harness.h"

#include "mtlemu_engine.h"
#include "mtlemu_scalar.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

extern "C" {
#include "kernels/mc_kernel_args.h"
}

namespace kt {

std::vector<test_case> &tests() {
    static std::vector<test_case> all;
    return all;
}

registrar::registrar(const char *name, std::vector<std::string> kernels,
                     std::function<void()> body) {
    tests().push_back({name, std::move(kernels), std::move(body)});
}

struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
void fail(const std::string &message) {
    throw failure(message);
}

memory::memory(size_t size) : buffer(new mc_buffer()), bytes(size) {
    // NaN bytes: an element a kernel should have written but did not shows up in comparisons.
    std::memset(bytes.data(), 0xff, size);
    buffer->host = bytes.data();
    buffer->size = size;
}

uint64_t row_bytes(int32_t dtype, int32_t cols) {
    switch (dtype) {
    case MC_DTYPE_F16:
    case MC_DTYPE_BF16: return 2ull * cols;
    case MC_DTYPE_Q8_0: return (uint64_t)cols / 32 * 34;
    case MC_DTYPE_Q4_0: return (uint64_t)cols / 32 * 18;
    default: return 4ull * cols; // f32, i32
    }
}

mc_tensor tensor(memory &m, int32_t dtype, int32_t rows, int32_t cols, uint64_t offset,
                 uint64_t row_stride) {
    mc_tensor t{};
    t.buffer = m.buffer.get();
    t.offset = offset;
    t.row_stride = row_stride ? row_stride : row_bytes(dtype, cols);
    t.dtype = dtype;
    t.rows = rows;
    t.cols = cols;
    KT_CHECK(offset + (rows - 1) * t.row_stride + row_bytes(dtype, cols) <= m.bytes.size(),
             "test tensor outside its memory");
    return t;
}

mc_plan_tunables default_tunables() {
    mc_plan_tunables t;
    mc_plan_defaults(&t);
    return t;
}

std::vector<int32_t> run_op(const mc_op_desc &op, cpu_reference reference) {
    return run_op(op, default_tunables(), reference);
}

namespace {

// The CPU backend, created once with one thread (its results do not depend on the count).
void *cpu_backend() {
    static void *self = [] {
        mc_context_options options{};
        options.struct_size = sizeof options;
        options.backend = MC_BACKEND_CPU;
        options.threads = 1;
        void *created = nullptr;
        if (mc_cpu_backend()->create(&options, &created) != MC_OK) {
            fail(std::string("cannot create the CPU backend: ") + mc_last_error());
        }
        return created;
    }();
    return self;
}

// `op` run on the CPU backend over copies of its buffers; returns the copies by original buffer.
std::map<mc_buffer *, std::unique_ptr<memory>> run_on_cpu(const mc_op_desc &op,
                                                          cpu_reference reference) {
    std::map<mc_buffer *, std::unique_ptr<memory>> copies;
    mc_op_desc on_copies = op;
    for (mc_tensor &t : on_copies.t) {
        if (t.buffer == nullptr)
            continue;
        std::unique_ptr<memory> &copy = copies[t.buffer];
        if (!copy) {
            copy.reset(new memory(t.buffer->size));
            std::memcpy(copy->bytes.data(), t.buffer->host, t.buffer->size);
        }
        t.buffer = copy->buffer.get();
    }
    mc_status status = mc_cpu_backend()->run(cpu_backend(), &on_copies, 1);
    if (reference == cpu_reference::agrees && status != MC_OK) {
        fail(std::string("the CPU backend failed the op: ") + mc_last_error());
    }
    if (reference == cpu_reference::rejects && status == MC_OK) {
        fail("the CPU backend accepted an op it should reject");
    }
    return copies;
}

double element(const mc_tensor &t, const void *host, int32_t r, int32_t c) {
    const unsigned char *p = (const unsigned char *)host + t.offset + (uint64_t)r * t.row_stride;
    uint16_t h;
    switch (t.dtype) {
    case MC_DTYPE_F32: {
        float v;
        std::memcpy(&v, p + 4ull * c, 4);
        return v;
    }
    case MC_DTYPE_I32: {
        int32_t v;
        std::memcpy(&v, p + 4ull * c, 4);
        return v;
    }
    case MC_DTYPE_F16: std::memcpy(&h, p + 2ull * c, 2); return f16_to_f32(h);
    case MC_DTYPE_BF16: std::memcpy(&h, p + 2ull * c, 2); return bf16_to_f32(h);
    default: fail("a written tensor of dtype " + std::to_string(t.dtype));
    }
}

// Tensor `slot` as the Metal plan wrote it against the CPU's copy: integers exactly, floats
// within float rounding of the row's magnitude (the two sum in different orders).
void compare_with_cpu(const mc_op_desc &op, int32_t slot, const memory &cpu) {
    const mc_tensor &t = op.t[slot];
    for (int32_t r = 0; r < t.rows; ++r) {
        double magnitude = 0;
        for (int32_t c = 0; c < t.cols; ++c) {
            magnitude = std::max(magnitude, std::fabs(element(t, cpu.bytes.data(), r, c)));
        }
        double tolerance = t.dtype == MC_DTYPE_I32 ? 0 : 2e-4 * magnitude + 1e-6;
        for (int32_t c = 0; c < t.cols; ++c) {
            double want = element(t, cpu.bytes.data(), r, c),
                   got = element(t, t.buffer->host, r, c);
            if (std::isnan(want) && std::isnan(got))
                continue; // memory neither wrote
            if (!(std::fabs(got - want) <= tolerance)) {
                std::ostringstream s;
                s << "op kind " << op.kind << " (dtype of t1 " << op.t[1].dtype << "), tensor "
                  << slot << " row " << r << " col " << c << ": Metal " << got << ", CPU backend "
                  << want << " (tolerance " << tolerance << ")";
                fail(s.str());
            }
        }
    }
}

} // namespace

std::vector<int32_t> run_op(const mc_op_desc &op, const mc_plan_tunables &tunables,
                            cpu_reference reference) {
    std::map<mc_buffer *, std::unique_ptr<memory>> cpu = run_on_cpu(op, reference);
    mc_plan_dispatch plan[MC_PLAN_MAX_DISPATCHES];
    int32_t count = 0;
    uint64_t scratch_bytes = 0;
    mc_status status = mc_plan_op(&op, &tunables, plan, &count, &scratch_bytes);
    KT_CHECK(status == MC_OK, std::string("mc_plan_op failed: ") + mc_last_error());
    std::vector<unsigned char> scratch(scratch_bytes + 16);
    std::memset(scratch.data(), 0xff, scratch.size());
    std::vector<int32_t> status_words(MC_STATUS_WORDS, 0);
    std::set<int32_t> written;
    static uint64_t seed = 1;
    for (int32_t i = 0; i < count; ++i) {
        mc_plan_dispatch &d = plan[i];
        mtlemu::launch launch;
        for (int k = 0; k < 3; ++k) {
            launch.threadgroups[k] = d.threadgroups[k];
            launch.threads[k] = d.threads[k];
        }
        launch.buffers.assign(MC_PLAN_MAX_BUFFERS, nullptr);
        for (int32_t b = 0; b < d.buffer_count; ++b) {
            const mc_plan_binding &bind = d.buffers[b];
            switch (bind.kind) {
            case MC_PLAN_BIND_ARGS: launch.buffers[b] = d.args; break;
            case MC_PLAN_BIND_TENSOR: {
                const mc_tensor &t = op.t[bind.slot];
                launch.buffers[b] = (unsigned char *)t.buffer->host + t.offset;
                if (bind.access & MC_PLAN_WRITE)
                    written.insert(bind.slot);
                break;
            }
            case MC_PLAN_BIND_SCRATCH:
                KT_CHECK(bind.offset + bind.size <= scratch_bytes,
                         "scratch binding past the plan's size");
                launch.buffers[b] = scratch.data() + bind.offset;
                break;
            case MC_PLAN_BIND_STATUS: launch.buffers[b] = status_words.data(); break;
            default: break;
            }
        }
        if (d.threadgroup_memory)
            launch.threadgroup_memory.push_back(d.threadgroup_memory);
        for (int32_t c = 0; c < d.constant_count; ++c) {
            mtlemu::constant_value v{};
            v.type =
                d.constants[c].is_bool ? mtlemu::constant_value::BOOL : mtlemu::constant_value::INT;
            if (d.constants[c].is_bool) {
                v.b = d.constants[c].value != 0;
            } else {
                v.i = d.constants[c].value;
            }
            launch.constants[d.constants[c].index] = v;
        }
        launch.seed = seed++;
        mtlemu::run(d.kernel, launch);
    }
    if (reference == cpu_reference::agrees) {
        for (int32_t slot : written)
            compare_with_cpu(op, slot, *cpu[op.t[slot].buffer]);
    }
    return status_words;
}

std::mt19937 &rng() {
    static std::mt19937 engine(20240611);
    return engine;
}

float uniform(float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(rng());
}

void fill_uniform(float *p, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; ++i)
        p[i] = uniform(lo, hi);
}

float f16_to_f32(uint16_t h) {
    return mtlemu::half_bits_to_float(h);
}
uint16_t f32_to_f16(float f) {
    return mtlemu::float_to_half_bits(f);
}
float bf16_to_f32(uint16_t b) {
    return mtlemu::bfloat_bits_to_float(b);
}
uint16_t f32_to_bf16(float f) {
    return mtlemu::float_to_bfloat_bits(f);
}

void fill_weights(memory &m, int32_t dtype, int32_t rows, int32_t cols, uint64_t offset,
                  uint64_t row_stride) {
    uint64_t stride = row_stride ? row_stride : row_bytes(dtype, cols);
    for (int32_t r = 0; r < rows; ++r) {
        unsigned char *row = m.bytes.data() + offset + r * stride;
        for (int32_t c = 0; c < cols; ++c) {
            float v = uniform(-1.0f, 1.0f);
            switch (dtype) {
            case MC_DTYPE_F32: std::memcpy(row + 4 * c, &v, 4); break;
            case MC_DTYPE_F16: {
                uint16_t h = f32_to_f16(v);
                std::memcpy(row + 2 * c, &h, 2);
                break;
            }
            case MC_DTYPE_BF16: {
                uint16_t b = f32_to_bf16(v);
                std::memcpy(row + 2 * c, &b, 2);
                break;
            }
            default: break;
            }
        }
        if (dtype == MC_DTYPE_Q8_0 || dtype == MC_DTYPE_Q4_0) {
            size_t block = dtype == MC_DTYPE_Q8_0 ? 34 : 18;
            for (int32_t b = 0; b < cols / 32; ++b) {
                unsigned char *p = row + b * block;
                uint16_t d = f32_to_f16(uniform(0.001f, 0.05f));
                std::memcpy(p, &d, 2);
                for (size_t i = 2; i < block; ++i)
                    p[i] = (unsigned char)(rng()() & 0xff);
            }
        }
    }
}

float weight_at(const memory &m, int32_t dtype, uint64_t offset, uint64_t row_stride, int32_t r,
                int32_t c) {
    const unsigned char *row = m.bytes.data() + offset + r * row_stride;
    uint16_t h;
    switch (dtype) {
    case MC_DTYPE_F32: {
        float v;
        std::memcpy(&v, row + 4 * c, 4);
        return v;
    }
    case MC_DTYPE_F16: std::memcpy(&h, row + 2 * c, 2); return f16_to_f32(h);
    case MC_DTYPE_BF16: std::memcpy(&h, row + 2 * c, 2); return bf16_to_f32(h);
    case MC_DTYPE_Q8_0: {
        const unsigned char *b = row + (c / 32) * 34;
        std::memcpy(&h, b, 2);
        return f16_to_f32(h) * (float)(int8_t)b[2 + c % 32];
    }
    case MC_DTYPE_Q4_0: {
        const unsigned char *b = row + (c / 32) * 18;
        std::memcpy(&h, b, 2);
        int j = c % 32;
        int nibble = j < 16 ? (b[2 + j] & 0xf) : (b[2 + j - 16] >> 4);
        return f16_to_f32(h) * (float)(nibble - 8);
    }
    default: fail("weight_at: dtype");
    }
}

void expect_near(const float *got, const double *want, size_t n, double atol, double rtol,
                 const std::string &what) {
    for (size_t i = 0; i < n; ++i) {
        double err = std::fabs((double)got[i] - want[i]);
        if (!(err <= atol + rtol * std::fabs(want[i]))) {
            std::ostringstream s;
            s << what << ": element " << i << " is " << got[i] << ", expected " << want[i]
              << " (|error| " << err << " > " << atol + rtol * std::fabs(want[i]) << ")";
            fail(s.str());
        }
    }
}

} // namespace kt
