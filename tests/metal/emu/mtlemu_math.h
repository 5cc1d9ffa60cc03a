// mtlemu_math.h — MSL's math and common functions (namespace metal, fast::, precise::) for
// scalars (float, half, bfloat, integers) and vectors, computed in float like the GPU's
// full-precision path.
#ifndef MTLEMU_MATH_H
#define MTLEMU_MATH_H

#include "mtlemu_vec.h"

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>

#define M_PI_F 3.14159265358979323846264338327950288f
#define M_LN2_F 0.693147180559945309417232121458176568f
#define M_LOG2E_F 1.44269504088896340735992468100189214f
#ifndef MAXFLOAT
#define MAXFLOAT FLT_MAX
#endif

namespace mtlemu {

template <class T>
constexpr bool is_float_like =
    std::is_same<T, float>::value || std::is_same<T, half>::value || std::is_same<T, bfloat>::value;

// Applies a float function to a scalar or to each component of a vector, keeping the type.
template <class T, class F> T apply(const T &x, F f) {
    if constexpr (is_vec<T>::value) {
        T r;
        for (int i = 0; i < T::components; ++i)
            r.v[i] = typename T::element_type(f((float)x.v[i]));
        return r;
    } else {
        return T(f((float)x));
    }
}
template <class T, class F> T apply2(const T &a, const T &b, F f) {
    if constexpr (is_vec<T>::value) {
        T r;
        for (int i = 0; i < T::components; ++i) {
            r.v[i] = typename T::element_type(f(a.v[i], b.v[i]));
        }
        return r;
    } else {
        return T(f(a, b));
    }
}
template <class T> struct is_float_vec : std::false_type {};
template <class T, int N> struct is_float_vec<vec<T, N>> : std::bool_constant<is_float_like<T>> {};
template <class T> constexpr bool float_arg = is_float_like<T> || is_float_vec<T>::value;

} // namespace mtlemu

namespace metal {

// Unary float functions; the global ::exp(float) etc. win for plain floats, with the same result.
#define MTLEMU_UNARY(name, expr)                                                                   \
    template <class T, class = std::enable_if_t<mtlemu::float_arg<T>>> T name(const T &x) {        \
        return mtlemu::apply(x, [](float v) { return (float)(expr); });                            \
    }
#define MTLEMU_MATH_SET                                                                            \
    MTLEMU_UNARY(exp, std::exp(v))                                                                 \
    MTLEMU_UNARY(exp2, std::exp2(v))                                                               \
    MTLEMU_UNARY(log, std::log(v))                                                                 \
    MTLEMU_UNARY(log2, std::log2(v))                                                               \
    MTLEMU_UNARY(sqrt, std::sqrt(v))                                                               \
    MTLEMU_UNARY(rsqrt, 1.0f / std::sqrt(v))                                                       \
    MTLEMU_UNARY(sin, std::sin(v))                                                                 \
    MTLEMU_UNARY(cos, std::cos(v))                                                                 \
    MTLEMU_UNARY(tanh, std::tanh(v))                                                               \
    MTLEMU_UNARY(floor, std::floor(v))                                                             \
    MTLEMU_UNARY(ceil, std::ceil(v))                                                               \
    MTLEMU_UNARY(round, std::round(v))                                                             \
    MTLEMU_UNARY(rint, std::nearbyint(v))                                                          \
    MTLEMU_UNARY(trunc, std::trunc(v))                                                             \
    MTLEMU_UNARY(fabs, std::fabs(v))                                                               \
    template <class T, class = std::enable_if_t<mtlemu::float_arg<T>>>                             \
    T pow(const T &a, const T &b) {                                                                \
        return mtlemu::apply2(a, b, [](float x, float y) { return std::pow(x, y); });              \
    }                                                                                              \
    template <class T, class = std::enable_if_t<mtlemu::float_arg<T>>>                             \
    T powr(const T &a, const T &b) {                                                               \
        return mtlemu::apply2(a, b, [](float x, float y) { return std::pow(x, y); });              \
    }                                                                                              \
    inline float sincos(float x, float &c) {                                                       \
        c = std::cos(x);                                                                           \
        return std::sin(x);                                                                        \
    }
MTLEMU_MATH_SET
// fast:: and precise:: differ in accuracy on a GPU; the emulator computes both in full float.
namespace fast {
MTLEMU_MATH_SET
}
namespace precise {
MTLEMU_MATH_SET
}
#undef MTLEMU_MATH_SET
#undef MTLEMU_UNARY

template <class T> T abs(const T &x) {
    if constexpr (mtlemu::is_vec<T>::value) {
        return mtlemu::map(x, [](typename T::element_type v) { return v < 0 ? -v : v; });
    } else {
        return x < T(0) ? T(-x) : x;
    }
}
template <class T> T min(const T &a, const T &b) {
    return mtlemu::apply2(a, b, [](auto x, auto y) { return y < x ? y : x; });
}
template <class T> T max(const T &a, const T &b) {
    return mtlemu::apply2(a, b, [](auto x, auto y) { return x < y ? y : x; });
}
template <class T> T fmin(const T &a, const T &b) {
    return min(a, b);
}
template <class T> T fmax(const T &a, const T &b) {
    return max(a, b);
}
template <class T> T clamp(const T &x, const T &lo, const T &hi) {
    return min(max(x, lo), hi);
}
template <class T> T fma(const T &a, const T &b, const T &c) {
    if constexpr (mtlemu::is_vec<T>::value) {
        T r;
        for (int i = 0; i < T::components; ++i) {
            r.v[i] =
                typename T::element_type(std::fma((float)a.v[i], (float)b.v[i], (float)c.v[i]));
        }
        return r;
    } else {
        return T(std::fma((float)a, (float)b, (float)c));
    }
}
template <class T, class S> T mix(const T &a, const T &b, const S &t) {
    return a + (b - a) * t;
}
template <class T> T select(const T &a, const T &b, bool c) {
    return c ? b : a;
}

template <class T, int N> T dot(const mtlemu::vec<T, N> &a, const mtlemu::vec<T, N> &b) {
    float s = 0.0f;
    for (int i = 0; i < N; ++i)
        s += (float)a.v[i] * (float)b.v[i];
    return T(s);
}
template <int N> bool all(const mtlemu::vec<bool, N> &v) {
    for (int i = 0; i < N; ++i)
        if (!v.v[i])
            return false;
    return true;
}
template <int N> bool any(const mtlemu::vec<bool, N> &v) {
    for (int i = 0; i < N; ++i)
        if (v.v[i])
            return true;
    return false;
}
template <class T, class = std::enable_if_t<mtlemu::is_float_like<T>>> bool isnan(T x) {
    return std::isnan((float)x);
}
template <class T, class = std::enable_if_t<mtlemu::is_float_like<T>>> bool isinf(T x) {
    return std::isinf((float)x);
}

// Reinterprets the bits of a value as another type of the same size.
template <class To, class From> To as_type(const From &x) {
    static_assert(sizeof(To) == sizeof(From), "as_type: sizes differ");
    To r;
    std::memcpy(&r, &x, sizeof(To));
    return r;
}

} // namespace metal

#endif // MTLEMU_MATH_H
