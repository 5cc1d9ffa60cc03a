// mtlshim_emulator.cpp — see mtlshim_emulator.h.
#include "mtlshim_emulator.h"

#include "mtlemu_engine.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

// The registry hands out const entries; mtlemu::run counts launches in them.
mtlemu::kernel_entry &entry_of(const mtlshim_kernel *kernel) {
    return *const_cast<mtlemu::kernel_entry *>(
        reinterpret_cast<const mtlemu::kernel_entry *>(kernel));
}

mtlemu::constant_values values_of(const mtlshim_constant *constants, int count) {
    mtlemu::constant_values values;
    for (int i = 0; i < count; ++i) {
        mtlemu::constant_value v{};
        switch (constants[i].type) {
        case MTLSHIM_CONSTANT_INT:
            v.type = mtlemu::constant_value::INT;
            std::memcpy(&v.i, &constants[i].bits, sizeof v.i);
            break;
        case MTLSHIM_CONSTANT_UINT:
            v.type = mtlemu::constant_value::UINT;
            v.u = constants[i].bits;
            break;
        case MTLSHIM_CONSTANT_BOOL:
            v.type = mtlemu::constant_value::BOOL;
            v.b = constants[i].bits != 0;
            break;
        case MTLSHIM_CONSTANT_FLOAT:
            v.type = mtlemu::constant_value::FLOAT;
            std::memcpy(&v.f, &constants[i].bits, sizeof v.f);
            break;
        }
        values[(int)constants[i].index] = v;
    }
    return values;
}

} // namespace

extern "C" const mtlshim_kernel *mtlshim_kernel_named(const char *name) {
    return reinterpret_cast<const mtlshim_kernel *>(mtlemu::find_kernel(name));
}

extern "C" const char *mtlshim_check_constants(const mtlshim_kernel *kernel,
                                               const mtlshim_constant *constants, int count) {
    static thread_local std::string message;
    const mtlemu::kernel_entry &entry = entry_of(kernel);
    mtlemu::constant_values values = values_of(constants, count);
    for (const mtlemu::kernel_constant &c : entry.constants) {
        if (values.find(c.index) == values.end()) {
            message = "function constant " + std::string(c.name) + " (index " +
                      std::to_string(c.index) + ") of " + entry.name + " has no value";
            return message.c_str();
        }
    }
    return nullptr;
}

extern "C" int mtlshim_run(const mtlshim_dispatch *dispatch, uint64_t seed, char *error,
                           size_t error_size) {
    mtlemu::launch config;
    for (int i = 0; i < 3; ++i) {
        config.threadgroups[i] = dispatch->threadgroups[i];
        config.threads[i] = dispatch->threads[i];
    }
    config.buffers.assign(dispatch->buffers, dispatch->buffers + MTLSHIM_MAX_BINDINGS);
    config.threadgroup_memory.assign(dispatch->threadgroup_memory,
                                     dispatch->threadgroup_memory + MTLSHIM_MAX_BINDINGS);
    config.constants = values_of(dispatch->constants, dispatch->constant_count);
    config.seed = seed;
    try {
        mtlemu::run(entry_of(dispatch->kernel), config);
        return 0;
    } catch (const std::exception &e) {
        std::snprintf(error, error_size, "%s", e.what());
        return -1;
    }
}
