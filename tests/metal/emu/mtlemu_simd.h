// mtlemu_simd.h — MSL's synchronisation and SIMD-group functions on the lock-step engine:
// threadgroup_barrier, simdgroup_barrier, simd_sum / max / min / prefix sums / shuffles /
// broadcasts / ballots, and the relaxed device atomics kernels use for flags.
//
// A collective deposits each lane's value in its slot, waits for every active lane, computes
// its result from the slots, and waits again so no lane overwrites a slot still being read.
// Lanes that returned are inactive and take no part, as on the GPU.
#ifndef MTLEMU_SIMD_H
#define MTLEMU_SIMD_H

#include "mtlemu_engine.h"
#include "mtlemu_math.h"

#include <cstring>
#include <type_traits>

namespace metal {

enum class mem_flags : unsigned {
    mem_none = 0,
    mem_device = 1,
    mem_threadgroup = 2,
    mem_texture = 4,
    mem_threadgroup_imageblock = 8
};
inline mem_flags operator|(mem_flags a, mem_flags b) {
    return mem_flags((unsigned)a | (unsigned)b);
}

inline void threadgroup_barrier(mem_flags) {
    mtlemu::threadgroup_sync();
}
inline void simdgroup_barrier(mem_flags) {
    mtlemu::simd_sync();
}

} // namespace metal

namespace mtlemu {

template <class T> T slot_value(unsigned lane) {
    T v;
    std::memcpy(&v, simd_slot(lane), sizeof(T));
    return v;
}

// Runs `combine(lane)` once every active lane has deposited its value.
template <class T, class F> auto collective(const T &value, F combine) {
    static_assert(sizeof(T) <= simd_slot_bytes && std::is_trivially_copyable<T>::value,
                  "SIMD-group collective on an unsupported type");
    std::memcpy(simd_slot(current_lane()), &value, sizeof(T));
    simd_sync();
    auto result = combine(current_lane());
    simd_sync();
    return result;
}

// Folds the active lanes' values in a butterfly order, like a shuffle-based reduction.
template <class T, class Op> T reduce(const T &value, Op op) {
    return collective(value, [&](unsigned) {
        T lanes[simd_width];
        bool active[simd_width];
        for (unsigned l = 0; l < simd_width; ++l) {
            active[l] = lane_active(l);
            if (active[l])
                lanes[l] = slot_value<T>(l);
        }
        for (unsigned step = 1; step < simd_width; step *= 2) {
            for (unsigned l = 0; l + step < simd_width; l += 2 * step) {
                if (active[l] && active[l + step]) {
                    lanes[l] = op(lanes[l], lanes[l + step]);
                } else if (active[l + step]) {
                    lanes[l] = lanes[l + step];
                    active[l] = true;
                }
            }
        }
        return lanes[0];
    });
}

template <class T> T lane_or_own(unsigned source, unsigned self) {
    return slot_value<T>(source < simd_width && lane_active(source) ? source : self);
}

} // namespace mtlemu

namespace metal {

template <class T> T simd_sum(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return T(a + b); });
}
template <class T> T simd_product(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return T(a * b); });
}
template <class T> T simd_max(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return max(a, b); });
}
template <class T> T simd_min(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return min(a, b); });
}
template <class T> T simd_and(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return T(a & b); });
}
template <class T> T simd_or(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return T(a | b); });
}
template <class T> T simd_xor(T x) {
    return mtlemu::reduce(x, [](const T &a, const T &b) { return T(a ^ b); });
}

// Shuffles read another lane's value; an inactive or out-of-range source gives the own value.
template <class T> T simd_shuffle(T x, ushort lane) {
    return mtlemu::collective(x, [&](unsigned self) { return mtlemu::lane_or_own<T>(lane, self); });
}
template <class T> T simd_shuffle_down(T x, ushort delta) {
    return mtlemu::collective(
        x, [&](unsigned self) { return mtlemu::lane_or_own<T>(self + delta, self); });
}
template <class T> T simd_shuffle_up(T x, ushort delta) {
    return mtlemu::collective(x, [&](unsigned self) {
        return mtlemu::lane_or_own<T>(self >= delta ? self - delta : self, self);
    });
}
template <class T> T simd_shuffle_xor(T x, ushort mask) {
    return mtlemu::collective(
        x, [&](unsigned self) { return mtlemu::lane_or_own<T>(self ^ mask, self); });
}
template <class T> T simd_broadcast(T x, ushort lane) {
    return simd_shuffle(x, lane);
}
template <class T> T simd_broadcast_first(T x) {
    return mtlemu::collective(x, [&](unsigned self) {
        for (unsigned l = 0; l < mtlemu::simd_width; ++l) {
            if (mtlemu::lane_active(l))
                return mtlemu::slot_value<T>(l);
        }
        return mtlemu::slot_value<T>(self);
    });
}
template <class T> T simd_prefix_inclusive_sum(T x) {
    return mtlemu::collective(x, [&](unsigned self) {
        T sum = T(0);
        for (unsigned l = 0; l <= self; ++l) {
            if (mtlemu::lane_active(l))
                sum = T(sum + mtlemu::slot_value<T>(l));
        }
        return sum;
    });
}
template <class T> T simd_prefix_exclusive_sum(T x) {
    return mtlemu::collective(x, [&](unsigned self) {
        T sum = T(0);
        for (unsigned l = 0; l < self; ++l) {
            if (mtlemu::lane_active(l))
                sum = T(sum + mtlemu::slot_value<T>(l));
        }
        return sum;
    });
}
inline bool simd_all(bool b) {
    return mtlemu::reduce(b, [](bool a, bool c) { return a && c; });
}
inline bool simd_any(bool b) {
    return mtlemu::reduce(b, [](bool a, bool c) { return a || c; });
}
inline bool simd_is_first() {
    return mtlemu::collective(0, [](unsigned self) {
        for (unsigned l = 0; l < mtlemu::simd_width; ++l) {
            if (mtlemu::lane_active(l))
                return l == self;
        }
        return false;
    });
}

// Device atomics (MSL supports relaxed ordering): the fibers of one dispatch run on one OS
// thread, so plain read-modify-write is atomic here.
enum memory_order { memory_order_relaxed };
template <class T> struct mtlemu_atomic { T value; };
template <class T> using atomic_value = typename std::enable_if<true, T>::type; // not deduced
typedef mtlemu_atomic<int> atomic_int;
typedef mtlemu_atomic<uint> atomic_uint;
template <class T>
void atomic_store_explicit(volatile mtlemu_atomic<T> *a, atomic_value<T> v, memory_order) {
    a->value = v;
}
template <class T> T atomic_load_explicit(volatile mtlemu_atomic<T> *a, memory_order) {
    return a->value;
}
template <class T>
T atomic_fetch_add_explicit(volatile mtlemu_atomic<T> *a, atomic_value<T> v, memory_order) {
    T old = a->value;
    a->value = old + v;
    return old;
}
template <class T>
T atomic_fetch_or_explicit(volatile mtlemu_atomic<T> *a, atomic_value<T> v, memory_order) {
    T old = a->value;
    a->value = old | v;
    return old;
}
template <class T>
T atomic_fetch_max_explicit(volatile mtlemu_atomic<T> *a, atomic_value<T> v, memory_order) {
    T old = a->value;
    a->value = old < v ? v : old;
    return old;
}

} // namespace metal

#endif // MTLEMU_SIMD_H
