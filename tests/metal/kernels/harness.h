// harness.h — the kernel tests' small framework: test registration with the kernels each test
// covers, host-memory tensors, running an op through the Metal backend's own plan
// (mc_plan_op) on the emulator, and tolerant comparison.
#ifndef MTLEMU_HARNESS_H
#define MTLEMU_HARNESS_H

extern "C" {
#include "backend.h"
#include "mc_metal_plan.h"
}

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace kt {

// A test and the kernel functions it must have launched by its end.
struct test_case {
    const char *name;
    std::vector<std::string> kernels;
    std::function<void()> body;
};
std::vector<test_case> &tests();
struct registrar {
    registrar(const char *name, std::vector<std::string> kernels, std::function<void()> body);
};
#define KT_CAT2(a, b) a##b
#define KT_CAT(a, b) KT_CAT2(a, b)
#define KT_TEST(name, ...)                                                                         \
    static void KT_CAT(test_, name)();                                                             \
    static kt::registrar KT_CAT(reg_, name)(#name, {__VA_ARGS__}, KT_CAT(test_, name));            \
    static void KT_CAT(test_, name)()

// Fails the running test with a message.
[[noreturn]] void fail(const std::string &message);
#define KT_CHECK(cond, msg)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            kt::fail(std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " + (msg));         \
    } while (0)

// Host memory standing in for an mc_buffer (the plan only reads buffer->host and size).
struct memory {
    std::unique_ptr<mc_buffer> buffer;
    std::vector<unsigned char> bytes;
    explicit memory(size_t size);
    template <class T> T *as(size_t byte_offset = 0) { return (T *)(bytes.data() + byte_offset); }
};

// A packed tensor over `m` at byte offset `offset` (row_stride 0 = packed).
mc_tensor tensor(memory &m, int32_t dtype, int32_t rows, int32_t cols, uint64_t offset = 0,
                 uint64_t row_stride = 0);
uint64_t row_bytes(int32_t dtype, int32_t cols);

// What the CPU backend (the reference implementation) must do with an op.
enum class cpu_reference {
    agrees,  // succeed, and every tensor the Metal plan writes must match its result
    rejects, // fail (e.g. a KV position out of range, which the GPU skips and flags instead)
};

// Runs `op` twice: on the CPU backend over copies of its buffers, then as the Metal plan
// (mc_plan_op with `tunables`) on the emulator over the buffers themselves. Every tensor the
// plan writes must then match the CPU's result within float rounding; tests add their own
// independent checks. Returns the Metal status words.
std::vector<int32_t> run_op(const mc_op_desc &op, const mc_plan_tunables &tunables,
                            cpu_reference reference = cpu_reference::agrees);
std::vector<int32_t> run_op(const mc_op_desc &op, cpu_reference reference = cpu_reference::agrees);
mc_plan_tunables default_tunables();

std::mt19937 &rng();
float uniform(float lo, float hi);
void fill_uniform(float *p, size_t n, float lo = -1.0f, float hi = 1.0f);
// Random weights of `dtype` (quantized types: random scales and quants), `rows` x `cols`.
void fill_weights(memory &m, int32_t dtype, int32_t rows, int32_t cols, uint64_t offset = 0,
                  uint64_t row_stride = 0);
// Element c of row r of a weight matrix as the reference dequantises it (ggml layouts).
float weight_at(const memory &m, int32_t dtype, uint64_t offset, uint64_t row_stride, int32_t r,
                int32_t c);
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_bf16(float f);

// |got - want| <= atol + rtol * |want| for every element.
void expect_near(const float *got, const double *want, size_t n, double atol, double rtol,
                 const std::string &what);

} // namespace kt

#endif // MTLEMU_HARNESS_H
