// mtlemu_vec.h — MSL vector types (float4, half2, uint3, ...): element-wise arithmetic,
// component access (.x .y .z .w), swizzles (.xy, .zyx, .xyzw, ...), the flattening
// constructors (float4(a.xy, b, c)) and explicit element conversion (float4(half4)).
#ifndef MTLEMU_VEC_H
#define MTLEMU_VEC_H

#include "mtlemu_scalar.h"

#include <cstddef>
#include <type_traits>

namespace mtlemu {

template <class T, int N> struct vec;

// A swizzle of components I... of a vec<T, N>; lives in the vec's storage union.
template <class T, int N, int... I> struct swizzle {
    T v[N];
    static constexpr int M = sizeof...(I);
    operator vec<T, M>() const {
        vec<T, M> r;
        int k = 0;
        ((r.v[k++] = v[I]), ...);
        return r;
    }
    swizzle &operator=(const vec<T, M> &o) {
        int k = 0;
        ((v[I] = o.v[k++]), ...);
        return *this;
    }
    swizzle &operator=(const swizzle &o) { return *this = vec<T, M>(o); }
};
// Swizzles naming a component the vector does not have: unusable by construction.
struct no_swizzle {};
template <class T, int N, int... I> struct swizzle_for {
    static constexpr bool ok = ((I < N) && ...);
    typedef std::conditional_t<ok, swizzle<T, N, I...>, no_swizzle> type;
};

// Every 2-, 3- and 4-component swizzle name over x, y, z, w.
#define MTLEMU_SW2(a, i, b, j) typename swizzle_for<T, N, i, j>::type a##b;
#define MTLEMU_SW3(a, i, b, j, c, k) typename swizzle_for<T, N, i, j, k>::type a##b##c;
#define MTLEMU_SW4(a, i, b, j, c, k, d, l) typename swizzle_for<T, N, i, j, k, l>::type a##b##c##d;
#define MTLEMU_SW2_B(a, i)                                                                         \
    MTLEMU_SW2(a, i, x, 0) MTLEMU_SW2(a, i, y, 1) MTLEMU_SW2(a, i, z, 2) MTLEMU_SW2(a, i, w, 3)
#define MTLEMU_SW3_C(a, i, b, j)                                                                   \
    MTLEMU_SW3(a, i, b, j, x, 0)                                                                   \
    MTLEMU_SW3(a, i, b, j, y, 1) MTLEMU_SW3(a, i, b, j, z, 2) MTLEMU_SW3(a, i, b, j, w, 3)
#define MTLEMU_SW3_B(a, i)                                                                         \
    MTLEMU_SW3_C(a, i, x, 0)                                                                       \
    MTLEMU_SW3_C(a, i, y, 1) MTLEMU_SW3_C(a, i, z, 2) MTLEMU_SW3_C(a, i, w, 3)
#define MTLEMU_SW4_D(a, i, b, j, c, k)                                                             \
    MTLEMU_SW4(a, i, b, j, c, k, x, 0)                                                             \
    MTLEMU_SW4(a, i, b, j, c, k, y, 1)                                                             \
    MTLEMU_SW4(a, i, b, j, c, k, z, 2) MTLEMU_SW4(a, i, b, j, c, k, w, 3)
#define MTLEMU_SW4_C(a, i, b, j)                                                                   \
    MTLEMU_SW4_D(a, i, b, j, x, 0)                                                                 \
    MTLEMU_SW4_D(a, i, b, j, y, 1) MTLEMU_SW4_D(a, i, b, j, z, 2) MTLEMU_SW4_D(a, i, b, j, w, 3)
#define MTLEMU_SW4_B(a, i)                                                                         \
    MTLEMU_SW4_C(a, i, x, 0)                                                                       \
    MTLEMU_SW4_C(a, i, y, 1) MTLEMU_SW4_C(a, i, z, 2) MTLEMU_SW4_C(a, i, w, 3)
#define MTLEMU_SWIZZLES(L) L(x, 0) L(y, 1) L(z, 2) L(w, 3)

template <class V> struct is_vec : std::false_type {};
template <class T, int N> struct is_vec<vec<T, N>> : std::true_type {};
template <class T, int N, int... I> struct is_vec<swizzle<T, N, I...>> : std::true_type {};
template <class V> constexpr bool is_vec_v = is_vec<std::decay_t<V>>::value;

// The vector a swizzle or vector stands for.
template <class V> struct vec_of;
template <class T, int N> struct vec_of<vec<T, N>> { typedef vec<T, N> type; };
template <class T, int N, int... I> struct vec_of<swizzle<T, N, I...>> {
    typedef vec<T, sizeof...(I)> type;
};
template <class V> using vec_of_t = typename vec_of<std::decay_t<V>>::type;

// Number of scalar components an argument of a flattening constructor contributes.
template <class A, class = void> struct arg_width : std::integral_constant<int, 1> {};
template <class A>
struct arg_width<A, std::enable_if_t<is_vec_v<A>>>
    : std::integral_constant<int, vec_of_t<A>::components> {};

template <class S>
constexpr bool is_scalar_v =
    std::is_arithmetic<S>::value || std::is_same<S, half>::value || std::is_same<S, bfloat>::value;

// MSL aligns a 3-vector like a 4-vector.
template <class T, int N> constexpr size_t vec_align() {
    return sizeof(T) * (N == 3 ? 4 : N);
}

// The members every vector width shares; the storage union differs per width.
#define MTLEMU_VEC_MEMBERS(N)                                                                      \
    typedef T element_type;                                                                        \
    static constexpr int components = N;                                                           \
    vec() = default;                                                                               \
    vec(const vec &o) {                                                                            \
        copy(o);                                                                                   \
    }                                                                                              \
    vec &operator=(const vec &o) {                                                                 \
        copy(o);                                                                                   \
        return *this;                                                                              \
    }                                                                                              \
    /* A scalar fills every component (float4(0.0f), float4 v = 1.0f). */                          \
    template <class S, class = std::enable_if_t<is_scalar_v<S>>> vec(S s) {                        \
        for (int i = 0; i < N; ++i)                                                                \
            v[i] = T(s);                                                                           \
    }                                                                                              \
    /* Explicit conversion from another element type (float4(h4)). */                              \
    template <class U, class = std::enable_if_t<!std::is_same<U, T>::value>>                       \
    explicit vec(const vec<U, N> &o) {                                                             \
        for (int i = 0; i < N; ++i)                                                                \
            v[i] = T(o.v[i]);                                                                      \
    }                                                                                              \
    /* Flattening: scalars and vectors whose widths add up to N (float4(a.xy, b, c)). */           \
    template <class A, class B, class... R,                                                        \
              class = std::enable_if_t<(arg_width<A>::value + arg_width<B>::value +                \
                                        (0 + ... + arg_width<R>::value)) == N>>                    \
    vec(const A &a, const B &b, const R &...r) {                                                   \
        int k = 0;                                                                                 \
        put(k, a);                                                                                 \
        put(k, b);                                                                                 \
        (put(k, r), ...);                                                                          \
    }                                                                                              \
    T &operator[](int i) {                                                                         \
        return v[i];                                                                               \
    }                                                                                              \
    const T &operator[](int i) const {                                                             \
        return v[i];                                                                               \
    }                                                                                              \
                                                                                                   \
  private:                                                                                         \
    void copy(const vec &o) {                                                                      \
        for (int i = 0; i < N; ++i)                                                                \
            v[i] = o.v[i];                                                                         \
    }                                                                                              \
    template <class A> void put(int &k, const A &a) {                                              \
        if constexpr (is_vec_v<A>) {                                                               \
            vec_of_t<A> flat(a);                                                                   \
            for (int i = 0; i < arg_width<A>::value; ++i)                                          \
                v[k++] = T(flat.v[i]);                                                             \
        } else {                                                                                   \
            v[k++] = T(a);                                                                         \
        }                                                                                          \
    }

#define MTLEMU_VEC_CLASS(W, ...)                                                                   \
    template <class T> struct alignas(vec_align<T, W>()) vec<T, W> {                               \
        static constexpr int N = W;                                                                \
        union {                                                                                    \
            T v[N];                                                                                \
            struct {                                                                               \
                T __VA_ARGS__;                                                                     \
            };                                                                                     \
            MTLEMU_SWIZZLES(MTLEMU_SW2_B)                                                          \
            MTLEMU_SWIZZLES(MTLEMU_SW3_B)                                                          \
            MTLEMU_SWIZZLES(MTLEMU_SW4_B)                                                          \
        };                                                                                         \
        MTLEMU_VEC_MEMBERS(W)                                                                      \
    };
MTLEMU_VEC_CLASS(2, x, y)
MTLEMU_VEC_CLASS(3, x, y, z)
MTLEMU_VEC_CLASS(4, x, y, z, w)
#undef MTLEMU_VEC_CLASS
#undef MTLEMU_VEC_MEMBERS

template <class T, int N, class F>
vec<decltype(std::declval<F>()(T())), N> map(const vec<T, N> &a, F f) {
    vec<decltype(f(T())), N> r;
    for (int i = 0; i < N; ++i)
        r.v[i] = f(a.v[i]);
    return r;
}

// The vector type of a binary operation: the vector operand's (MSL has no mixed-element
// vector arithmetic, so two vector operands must agree).
template <class A, class B, bool = is_vec_v<A>> struct binary_vec { typedef vec_of_t<A> type; };
template <class A, class B> struct binary_vec<A, B, false> { typedef vec_of_t<B> type; };
template <class V, class X> V operand(const X &x) {
    if constexpr (is_vec_v<X>) {
        static_assert(std::is_same<vec_of_t<X>, V>::value, "vector operands of different types");
        return V(x);
    } else {
        return V(typename V::element_type(x));
    }
}

#define MTLEMU_VEC_BINARY(op)                                                                      \
    template <class A, class B, class = std::enable_if_t<is_vec_v<A> || is_vec_v<B>>>              \
    typename binary_vec<A, B>::type operator op(const A &a, const B &b) {                          \
        typedef typename binary_vec<A, B>::type V;                                                 \
        V x = operand<V>(a), y = operand<V>(b), r;                                                 \
        for (int i = 0; i < V::components; ++i)                                                    \
            r.v[i] = x.v[i] op y.v[i];                                                             \
        return r;                                                                                  \
    }                                                                                              \
    template <class T, int N, class B> vec<T, N> &operator op##=(vec<T, N> &a, const B &b) {       \
        return a = a op b;                                                                         \
    }
MTLEMU_VEC_BINARY(+)
MTLEMU_VEC_BINARY(-)
MTLEMU_VEC_BINARY(*)
MTLEMU_VEC_BINARY(/)
MTLEMU_VEC_BINARY(%)
MTLEMU_VEC_BINARY(&)
MTLEMU_VEC_BINARY(|)
MTLEMU_VEC_BINARY(^)
MTLEMU_VEC_BINARY(<<)
MTLEMU_VEC_BINARY(>>)
#undef MTLEMU_VEC_BINARY

template <class T, int N> vec<T, N> operator-(const vec<T, N> &a) {
    return map(a, [](T x) { return T(-x); });
}
template <class T, int N> vec<T, N> operator~(const vec<T, N> &a) {
    return map(a, [](T x) { return T(~x); });
}

#define MTLEMU_VEC_COMPARE(op)                                                                     \
    template <class A, class B, class = std::enable_if_t<is_vec_v<A> || is_vec_v<B>>>              \
    auto operator op(const A &a, const B &b) {                                                     \
        typedef typename binary_vec<A, B>::type V;                                                 \
        V x = operand<V>(a), y = operand<V>(b);                                                    \
        vec<bool, V::components> r;                                                                \
        for (int i = 0; i < V::components; ++i)                                                    \
            r.v[i] = x.v[i] op y.v[i];                                                             \
        return r;                                                                                  \
    }
MTLEMU_VEC_COMPARE(<)
MTLEMU_VEC_COMPARE(>)
MTLEMU_VEC_COMPARE(<=)
MTLEMU_VEC_COMPARE(>=)
MTLEMU_VEC_COMPARE(==)
MTLEMU_VEC_COMPARE(!=)
#undef MTLEMU_VEC_COMPARE

} // namespace mtlemu

#define MTLEMU_VEC_TYPES(T)                                                                        \
    typedef mtlemu::vec<T, 2> T##2;                                                                \
    typedef mtlemu::vec<T, 3> T##3;                                                                \
    typedef mtlemu::vec<T, 4> T##4;
MTLEMU_VEC_TYPES(float)
MTLEMU_VEC_TYPES(half)
MTLEMU_VEC_TYPES(bfloat)
MTLEMU_VEC_TYPES(int)
MTLEMU_VEC_TYPES(uint)
MTLEMU_VEC_TYPES(short)
MTLEMU_VEC_TYPES(ushort)
MTLEMU_VEC_TYPES(char)
MTLEMU_VEC_TYPES(uchar)
MTLEMU_VEC_TYPES(bool)
MTLEMU_VEC_TYPES(long)
MTLEMU_VEC_TYPES(ulong)
#undef MTLEMU_VEC_TYPES

#endif // MTLEMU_VEC_H
