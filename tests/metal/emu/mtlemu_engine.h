// mtlemu_engine.h — runs an MSL kernel compiled as C++ the way a GPU runs a dispatch: every
// thread of a threadgroup is a fiber, and the fibers advance in lock-step, each yielding at
// threadgroup barriers and at SIMD-group collectives until every participant has arrived.
//
// What it checks on the way (each is an error a Mac would turn into wrong results or a hang):
// a threadgroup barrier that not every thread reaches, lanes of one SIMD-group meeting
// different collectives (divergence), unbound buffers, missing function constants, threadgroup
// memory lengths that are not multiples of 16 bytes, more than 1024 threads per threadgroup.
// To expose missing barriers and cross-threadgroup races, threads run in alternating order,
// threadgroups in a shuffled order, and threadgroup memory starts filled with NaN bytes.
#ifndef MTLEMU_ENGINE_H
#define MTLEMU_ENGINE_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mtlemu {

// The kernel-parameter attributes MSL defines for compute functions.
enum attribute {
    A_thread_position_in_grid,
    A_thread_position_in_threadgroup,
    A_threadgroup_position_in_grid,
    A_threads_per_threadgroup,
    A_threadgroups_per_grid,
    A_threads_per_grid,
    A_thread_index_in_threadgroup,
    A_thread_index_in_simdgroup,
    A_simdgroup_index_in_threadgroup,
    A_threads_per_simdgroup,
    A_simdgroups_per_threadgroup,
    A_count
};

constexpr unsigned simd_width = 32;
constexpr unsigned max_threads_per_threadgroup = 1024;
constexpr size_t simd_slot_bytes = 64;

struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A function-constant value as the host set it (MTLFunctionConstantValues).
struct constant_value {
    enum kind { INT, UINT, BOOL, FLOAT } type;
    union {
        int32_t i;
        uint32_t u;
        bool b;
        float f;
    };
};
typedef std::map<int, constant_value> constant_values;

// One kernel function found in a .metal file (the generator writes these).
struct kernel_param {
    enum kind { BUFFER, THREADGROUP, ATTRIBUTE } kind;
    int index; // buffer / threadgroup index, or the attribute
    const char *name;
};
struct kernel_constant {
    int index;
    const char *name;
};
struct kernel_entry {
    const char *name;
    const char *file;
    void (*thunk)();
    void (*set_constants)(const constant_values &);
    std::vector<kernel_param> params;
    std::vector<kernel_constant> constants;
    uint64_t launches = 0; // dispatches run, for the coverage test
};

// Registers a kernel at static-initialisation time (from generated code).
struct registrar {
    explicit registrar(kernel_entry *entry);
};
const kernel_entry *find_kernel(const std::string &name);
std::vector<const kernel_entry *> all_kernels();

// Reads a function constant for a generated set_constants(); throws when the host did not set it.
template <class T> T constant_as(const constant_values &values, int index, const char *name) {
    auto it = values.find(index);
    if (it == values.end()) {
        throw error(std::string("function constant ") + std::to_string(index) + " (" + name +
                    ") was not set");
    }
    switch (it->second.type) {
    case constant_value::INT: return (T)it->second.i;
    case constant_value::UINT: return (T)it->second.u;
    case constant_value::BOOL: return (T)it->second.b;
    default: return (T)it->second.f;
    }
}

// Everything a dispatch needs: dispatchThreadgroups:threadsPerThreadgroup: plus the bindings.
struct launch {
    uint32_t threadgroups[3] = {1, 1, 1};
    uint32_t threads[3] = {1, 1, 1};
    std::vector<void *> buffers;            // by [[buffer(i)]] index; NULL = unbound
    std::vector<size_t> threadgroup_memory; // lengths by [[threadgroup(i)]] index
    constant_values constants;
    uint64_t seed = 1; // order of threadgroups
};

// Runs one dispatch of `kernel` to completion; throws mtlemu::error on a violation.
void run(kernel_entry &kernel, const launch &config);
void run(const std::string &kernel_name, const launch &config);

// --- For the metal_stdlib shim and the generated thunks (valid inside a running kernel) ----
void *bound_buffer(int index);
void *bound_threadgroup_memory(int index);
const uint32_t *thread_attribute(attribute a); // three components
unsigned current_lane();
unsigned current_simdgroup();
// Waits until every active lane of the current SIMD-group arrives (a collective point).
void simd_sync();
// Waits until every thread of the threadgroup arrives (threadgroup_barrier).
void threadgroup_sync();
// This lane's exchange slot, and lane l's, in the current SIMD-group.
unsigned char *simd_slot(unsigned lane);
// Whether lane l of the current SIMD-group still runs (has not returned).
bool lane_active(unsigned lane);

} // namespace mtlemu

#endif // MTLEMU_ENGINE_H
