// mtlemu_engine.cpp — the lock-step fiber scheduler behind mtlemu::run (see mtlemu_engine.h).
#include "mtlemu_engine.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <random>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MTLEMU_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MTLEMU_ASAN 1
#endif
#ifdef MTLEMU_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace mtlemu {

namespace {

#ifdef MTLEMU_ASAN
constexpr size_t stack_bytes = 512 * 1024; // AddressSanitizer's redzones need room
#else
constexpr size_t stack_bytes = 128 * 1024;
#endif

// Switching between fibers. glibc's swapcontext saves and restores the signal mask with a
// system call on every switch, which made that call most of the emulator's time; on x86-64 a
// switch saves only what the calling convention makes the callee keep (rbx, rbp, r12-r15, the
// SSE and x87 control words) and swaps stack pointers. Other machines use ucontext.
#if defined(__x86_64__)
extern "C" void mtlemu_switch_stack(void **save_sp, void *load_sp);
asm(R"(
    .text
    .globl mtlemu_switch_stack
    .hidden mtlemu_switch_stack
    .type mtlemu_switch_stack, @function
mtlemu_switch_stack:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size mtlemu_switch_stack, .-mtlemu_switch_stack
)");

struct machine_context {
    void *sp = nullptr;
};

void switch_context(machine_context &save, machine_context &load) {
    mtlemu_switch_stack(&save.sp, load.sp);
}

// A stack that mtlemu_switch_stack "returns" into `entry` from, as if `entry` had been called:
// control words, six zeroed registers, then the return address, 16-byte aligned at the call.
void make_context(machine_context &c, char *stack, size_t size, void (*entry)()) {
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
#ifdef MTLEMU_ASAN
    // A reused stack still carries the redzones of the frames its last fiber never left.
    __asan_unpoison_memory_region((void *)(top - 80), 80);
#endif
    uint64_t *frame = (uint64_t *)(top - 16);
    frame[0] = (uint64_t)(uintptr_t)entry;
    frame[1] = 0;
    frame -= 7;
    std::memset(frame, 0, 7 * sizeof(uint64_t));
    const uint32_t mxcsr = 0x1f80;       // all exceptions masked, round to nearest
    const uint16_t x87_control = 0x037f; // the same for x87, extended precision
    std::memcpy(frame, &mxcsr, sizeof mxcsr);
    std::memcpy((char *)frame + 4, &x87_control, sizeof x87_control);
    c.sp = frame;
}
#else
struct machine_context {
    ucontext_t context;
};

void switch_context(machine_context &save, machine_context &load) {
    swapcontext(&save.context, &load.context);
}

// getcontext returns twice (like setjmp), so it lives in a frame of its own: no caller's local
// can be clobbered by the second return.
__attribute__((noinline)) void make_context(machine_context &c, char *stack, size_t size,
                                            void (*entry)()) {
    getcontext(&c.context);
    c.context.uc_stack.ss_sp = stack;
    c.context.uc_stack.ss_size = size;
    c.context.uc_link = nullptr;
    makecontext(&c.context, entry, 0);
}
#endif

enum fiber_state { READY, WAIT_SIMD, WAIT_TG, DONE };

struct fiber {
    machine_context context;
    std::unique_ptr<char[]> stack;
    fiber_state state = READY;
    uint64_t simd_syncs = 0; // collectives met so far: lanes must agree (no divergence)
    uint32_t attrs[A_count][3];
};

// The threadgroup being run on this OS thread.
struct group {
    kernel_entry *kernel = nullptr;
    const launch *config = nullptr;
    std::vector<fiber> fibers;
    unsigned count = 0;
    std::vector<unsigned char> simd_slots; // simdgroups x 32 lanes x slot
    std::vector<std::vector<unsigned char>> tg_memory;
    machine_context scheduler;
    fiber *current = nullptr;
    std::exception_ptr failure;
#ifdef MTLEMU_ASAN
    void *fake_stack = nullptr;
    const void *scheduler_bottom = nullptr; // the scheduler's stack, learnt on entering a fiber
    size_t scheduler_size = 0;
#endif
};

thread_local group *active = nullptr;

std::map<std::string, kernel_entry *> &registry() {
    static std::map<std::string, kernel_entry *> kernels;
    return kernels;
}

group &current_group() {
    if (active == nullptr || active->current == nullptr) {
        throw error("a Metal kernel function was called outside mtlemu::run");
    }
    return *active;
}

// Switches between the scheduler and a fiber, telling AddressSanitizer about the stack change.
void switch_to_fiber(group &g, fiber &f) {
#ifdef MTLEMU_ASAN
    __sanitizer_start_switch_fiber(&g.fake_stack, f.stack.get(), stack_bytes);
#endif
    switch_context(g.scheduler, f.context);
#ifdef MTLEMU_ASAN
    __sanitizer_finish_switch_fiber(g.fake_stack, nullptr, nullptr);
#endif
}

void yield_to_scheduler(group &g, fiber &f, bool finished) {
#ifdef MTLEMU_ASAN
    void *fake = nullptr;
    __sanitizer_start_switch_fiber(finished ? nullptr : &fake, g.scheduler_bottom,
                                   g.scheduler_size);
    switch_context(f.context, g.scheduler);
    __sanitizer_finish_switch_fiber(fake, &g.scheduler_bottom, &g.scheduler_size);
#else
    (void)finished;
    switch_context(f.context, g.scheduler);
#endif
}

void fiber_main() {
    group &g = *active;
    fiber &f = *g.current;
#ifdef MTLEMU_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &g.scheduler_bottom, &g.scheduler_size);
#endif
    try {
        g.kernel->thunk();
    } catch (...) {
        if (!g.failure)
            g.failure = std::current_exception();
    }
    f.state = DONE;
    yield_to_scheduler(g, f, true);
}

void wait(fiber_state state) {
    group &g = current_group();
    fiber &f = *g.current;
    f.state = state;
    yield_to_scheduler(g, f, false);
}

std::string where(const group &g) {
    return std::string(" in kernel ") + g.kernel->name;
}

// Releases the threads waiting at a collective once every participant arrived. Returns whether
// any thread was released; throws on divergence or a barrier some threads can never reach.
bool release_waiting(group &g) {
    bool released = false;
    unsigned done = 0, at_tg = 0;
    for (unsigned i = 0; i < g.count; ++i) {
        done += g.fibers[i].state == DONE;
        at_tg += g.fibers[i].state == WAIT_TG;
    }
    if (at_tg > 0 && at_tg + done == g.count) {
        if (done > 0) {
            throw error("threadgroup_barrier reached by " + std::to_string(at_tg) + " of " +
                        std::to_string(g.count) + " threads (the others returned)" + where(g));
        }
        for (unsigned i = 0; i < g.count; ++i)
            g.fibers[i].state = READY;
        return true;
    }
    for (unsigned first = 0; first < g.count; first += simd_width) {
        unsigned last = std::min(g.count, first + simd_width);
        unsigned at_simd = 0, lane_done = 0;
        uint64_t syncs = 0;
        bool agree = true;
        for (unsigned i = first; i < last; ++i) {
            const fiber &f = g.fibers[i];
            lane_done += f.state == DONE;
            if (f.state == WAIT_SIMD) {
                if (at_simd > 0 && f.simd_syncs != syncs)
                    agree = false;
                syncs = f.simd_syncs;
                ++at_simd;
            }
        }
        if (at_simd == 0)
            continue;
        // Every thread has run until it blocked, so lanes not at this collective wait at a
        // threadgroup barrier: the SIMD-group diverged and can never complete.
        if (!agree || at_simd + lane_done != last - first) {
            throw error("divergent SIMD-group: lanes of simdgroup " +
                        std::to_string(first / simd_width) +
                        " wait at different collectives or barriers" + where(g));
        }
        for (unsigned i = first; i < last; ++i) {
            if (g.fibers[i].state == WAIT_SIMD)
                g.fibers[i].state = READY;
        }
        released = true;
    }
    return released;
}

void set_attributes(fiber &f, const launch &c, const uint32_t tg[3], unsigned index) {
    const uint32_t *t = c.threads;
    uint32_t local[3] = {index % t[0], (index / t[0]) % t[1], index / (t[0] * t[1])};
    unsigned tg_threads = t[0] * t[1] * t[2];
    auto set = [&](attribute a, uint32_t x, uint32_t y, uint32_t z) {
        f.attrs[a][0] = x;
        f.attrs[a][1] = y;
        f.attrs[a][2] = z;
    };
    set(A_thread_position_in_threadgroup, local[0], local[1], local[2]);
    set(A_threadgroup_position_in_grid, tg[0], tg[1], tg[2]);
    set(A_thread_position_in_grid, tg[0] * t[0] + local[0], tg[1] * t[1] + local[1],
        tg[2] * t[2] + local[2]);
    set(A_threads_per_threadgroup, t[0], t[1], t[2]);
    set(A_threadgroups_per_grid, c.threadgroups[0], c.threadgroups[1], c.threadgroups[2]);
    set(A_threads_per_grid, c.threadgroups[0] * t[0], c.threadgroups[1] * t[1],
        c.threadgroups[2] * t[2]);
    set(A_thread_index_in_threadgroup, index, 0, 0);
    set(A_thread_index_in_simdgroup, index % simd_width, 0, 0);
    set(A_simdgroup_index_in_threadgroup, index / simd_width, 0, 0);
    set(A_threads_per_simdgroup, simd_width, 0, 0);
    set(A_simdgroups_per_threadgroup, (tg_threads + simd_width - 1) / simd_width, 0, 0);
}

void start_fiber(fiber &f) {
    make_context(f.context, f.stack.get(), stack_bytes, fiber_main);
}

void run_group(group &g, const uint32_t tg[3], uint64_t parity) {
    const launch &c = *g.config;
    for (size_t i = 0; i < g.tg_memory.size(); ++i) {
        std::memset(g.tg_memory[i].data(), 0xff, g.tg_memory[i].size()); // NaN: no stale zeros
    }
    std::memset(g.simd_slots.data(), 0, g.simd_slots.size());
    for (unsigned i = 0; i < g.count; ++i) {
        fiber &f = g.fibers[i];
        f.state = READY;
        f.simd_syncs = 0;
        set_attributes(f, c, tg, i);
        start_fiber(f);
    }
    for (uint64_t round = parity;; ++round) {
        // Alternate the order threads run in so a missing barrier shows in either direction.
        bool forward = round % 2 == 0;
        for (unsigned k = 0; k < g.count; ++k) {
            fiber &f = g.fibers[forward ? k : g.count - 1 - k];
            if (f.state != READY)
                continue;
            g.current = &f;
            switch_to_fiber(g, f);
            g.current = nullptr;
            if (g.failure)
                std::rethrow_exception(g.failure);
        }
        bool all_done = std::all_of(g.fibers.begin(), g.fibers.begin() + g.count,
                                    [](const fiber &f) { return f.state == DONE; });
        if (all_done)
            return;
        if (!release_waiting(g)) {
            throw error("deadlock: threads wait at collectives that can never complete" + where(g));
        }
    }
}

void validate(const kernel_entry &k, const launch &c) {
    uint64_t threads = (uint64_t)c.threads[0] * c.threads[1] * c.threads[2];
    if (threads == 0 || threads > max_threads_per_threadgroup) {
        throw error(std::string(k.name) + ": " + std::to_string(threads) +
                    " threads per threadgroup (1..1024)");
    }
    for (const kernel_param &p : k.params) {
        if (p.kind == kernel_param::BUFFER &&
            ((size_t)p.index >= c.buffers.size() || c.buffers[p.index] == nullptr)) {
            throw error(std::string(k.name) + ": buffer " + std::to_string(p.index) + " (" +
                        p.name + ") is not bound");
        }
        if (p.kind == kernel_param::THREADGROUP) {
            if ((size_t)p.index >= c.threadgroup_memory.size() ||
                c.threadgroup_memory[p.index] == 0) {
                throw error(std::string(k.name) + ": threadgroup memory " +
                            std::to_string(p.index) + " (" + p.name + ") has no length");
            }
            if (c.threadgroup_memory[p.index] % 16 != 0) {
                throw error(std::string(k.name) + ": threadgroup memory length " +
                            std::to_string(c.threadgroup_memory[p.index]) +
                            " is not a multiple of 16 bytes");
            }
        }
    }
}

} // namespace

registrar::registrar(kernel_entry *entry) {
    registry()[entry->name] = entry;
}

const kernel_entry *find_kernel(const std::string &name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second;
}

std::vector<const kernel_entry *> all_kernels() {
    std::vector<const kernel_entry *> out;
    for (auto &kv : registry())
        out.push_back(kv.second);
    return out;
}

void run(const std::string &kernel_name, const launch &config) {
    auto it = registry().find(kernel_name);
    if (it == registry().end())
        throw error("no kernel function named " + kernel_name);
    run(*it->second, config);
}

void run(kernel_entry &kernel, const launch &config) {
    if (active != nullptr)
        throw error("mtlemu::run called from inside a kernel");
    validate(kernel, config);
    kernel.set_constants(config.constants);

    group g;
    g.kernel = &kernel;
    g.config = &config;
    g.count = config.threads[0] * config.threads[1] * config.threads[2];
    g.fibers.resize(g.count);
    for (fiber &f : g.fibers)
        f.stack.reset(new char[stack_bytes]);
    unsigned simdgroups = (g.count + simd_width - 1) / simd_width;
    g.simd_slots.resize((size_t)simdgroups * simd_width * simd_slot_bytes);
    g.tg_memory.resize(config.threadgroup_memory.size());
    for (size_t i = 0; i < config.threadgroup_memory.size(); ++i) {
        g.tg_memory[i].resize(config.threadgroup_memory[i]);
    }

    // Threadgroups run one at a time, in a shuffled order: results must not depend on it.
    const uint32_t *n = config.threadgroups;
    uint64_t total = (uint64_t)n[0] * n[1] * n[2];
    std::vector<uint64_t> order(total);
    for (uint64_t i = 0; i < total; ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(config.seed));

    active = &g;
    try {
        for (uint64_t i : order) {
            uint32_t tg[3] = {(uint32_t)(i % n[0]), (uint32_t)((i / n[0]) % n[1]),
                              (uint32_t)(i / ((uint64_t)n[0] * n[1]))};
            run_group(g, tg, i);
        }
    } catch (...) {
        active = nullptr;
        throw;
    }
    active = nullptr;
    ++kernel.launches;
}

void *bound_buffer(int index) {
    return current_group().config->buffers[index];
}

void *bound_threadgroup_memory(int index) {
    return current_group().tg_memory[index].data();
}

const uint32_t *thread_attribute(attribute a) {
    return current_group().current->attrs[a];
}

unsigned current_lane() {
    return current_group().current->attrs[A_thread_index_in_simdgroup][0];
}

unsigned current_simdgroup() {
    return current_group().current->attrs[A_simdgroup_index_in_threadgroup][0];
}

void simd_sync() {
    ++current_group().current->simd_syncs;
    wait(WAIT_SIMD);
}

void threadgroup_sync() {
    wait(WAIT_TG);
}

unsigned char *simd_slot(unsigned lane) {
    group &g = current_group();
    size_t sg = current_simdgroup();
    return g.simd_slots.data() + (sg * simd_width + lane) * simd_slot_bytes;
}

bool lane_active(unsigned lane) {
    group &g = current_group();
    size_t index = (size_t)current_simdgroup() * simd_width + lane;
    return index < g.count && g.fibers[index].state != DONE;
}

} // namespace mtlemu
