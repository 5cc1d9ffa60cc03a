// mtlemu_scalar.h — MSL's scalar types on the host: the integer aliases, and half and bfloat
// as IEEE binary16 / bfloat16 with round-to-nearest-even, so a kernel's f16/bf16 loads and
// stores produce exactly the bits a GPU would.
#ifndef MTLEMU_SCALAR_H
#define MTLEMU_SCALAR_H

#include <cstdint>
#include <cstring>
#include <type_traits>

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;

namespace mtlemu {

inline uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float bits_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// float -> binary16 bits, round to nearest even, with subnormals, infinities and NaN.
inline uint16_t float_to_half_bits(float f) {
    uint32_t x = float_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mag = x & 0x7fffffffu;
    if (mag >= 0x7f800000u) { // inf or nan
        return (uint16_t)(sign | 0x7c00u | (mag > 0x7f800000u ? 0x200u : 0u));
    }
    if (mag >= 0x477ff000u) { // rounds to >= 65520: overflow to infinity
        return (uint16_t)(sign | 0x7c00u);
    }
    if (mag < 0x38800000u) { // below the smallest normal half: a subnormal or zero
        // Adding 0.5 makes the FPU do the rounding to a multiple of 2^-24.
        float r = bits_float(mag) + 0.5f;
        return (uint16_t)(sign | (float_bits(r) - 0x3f000000u));
    }
    uint32_t odd = (mag >> 13) & 1u;
    mag += 0xc8000fffu + odd; // rebias the exponent (-112 << 23) and round
    return (uint16_t)(sign | (mag >> 13));
}

inline float half_bits_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0) { // zero or subnormal: exact in float
        float v = (float)man * (1.0f / 16777216.0f);
        return bits_float(float_bits(v) | sign);
    }
    if (exp == 31) {
        return bits_float(sign | 0x7f800000u | (man << 13));
    }
    return bits_float(sign | ((exp + 112u) << 23) | (man << 13));
}

inline uint16_t float_to_bfloat_bits(float f) {
    uint32_t x = float_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) {
        return (uint16_t)((x >> 16) | 0x40u); // keep NaN a NaN
    }
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}
inline float bfloat_bits_to_float(uint16_t b) {
    return bits_float((uint32_t)b << 16);
}

// A 16-bit float. Arithmetic between two values of the type rounds the float result back to
// the type: exact IEEE semantics for + - * / since float carries more than 2p+2 bits.
template <class Tag> struct f16_base {
    uint16_t bits;
    f16_base() = default;
    f16_base(float f) : bits(Tag::from(f)) {}
    template <class I, class = std::enable_if_t<std::is_integral<I>::value>>
    f16_base(I i) : bits(Tag::from((float)i)) {}
    operator float() const { return Tag::to(bits); }
    f16_base operator-() const { return f16_base(-(float)*this); }
    f16_base operator+() const { return *this; }
#define MTLEMU_F16_COMPOUND(op)                                                                    \
    f16_base &operator op##=(f16_base o) {                                                         \
        return *this = f16_base((float)*this op(float) o);                                         \
    }
    MTLEMU_F16_COMPOUND(+)
    MTLEMU_F16_COMPOUND(-)
    MTLEMU_F16_COMPOUND(*)
    MTLEMU_F16_COMPOUND(/)
#undef MTLEMU_F16_COMPOUND
};

struct half_tag {
    static uint16_t from(float f) { return float_to_half_bits(f); }
    static float to(uint16_t b) { return half_bits_to_float(b); }
};
struct bfloat_tag {
    static uint16_t from(float f) { return float_to_bfloat_bits(f); }
    static float to(uint16_t b) { return bfloat_bits_to_float(b); }
};

// Same-type arithmetic stays in the type; mixing with float promotes to float (as in MSL).
#define MTLEMU_F16_BINARY(op)                                                                      \
    template <class Tag> f16_base<Tag> operator op(f16_base<Tag> a, f16_base<Tag> b) {             \
        return f16_base<Tag>((float)a op(float) b);                                                \
    }                                                                                              \
    template <class Tag> float operator op(f16_base<Tag> a, float b) {                             \
        return (float)a op b;                                                                      \
    }                                                                                              \
    template <class Tag> float operator op(float a, f16_base<Tag> b) {                             \
        return a op(float) b;                                                                      \
    }
MTLEMU_F16_BINARY(+)
MTLEMU_F16_BINARY(-)
MTLEMU_F16_BINARY(*)
MTLEMU_F16_BINARY(/)
#undef MTLEMU_F16_BINARY
#define MTLEMU_F16_COMPARE(op)                                                                     \
    template <class Tag> bool operator op(f16_base<Tag> a, f16_base<Tag> b) {                      \
        return (float)a op(float) b;                                                               \
    }                                                                                              \
    template <class Tag> bool operator op(f16_base<Tag> a, float b) {                              \
        return (float)a op b;                                                                      \
    }                                                                                              \
    template <class Tag> bool operator op(float a, f16_base<Tag> b) {                              \
        return a op(float) b;                                                                      \
    }
MTLEMU_F16_COMPARE(<)
MTLEMU_F16_COMPARE(>)
MTLEMU_F16_COMPARE(<=)
MTLEMU_F16_COMPARE(>=)
MTLEMU_F16_COMPARE(==)
MTLEMU_F16_COMPARE(!=)
#undef MTLEMU_F16_COMPARE

} // namespace mtlemu

typedef mtlemu::f16_base<mtlemu::half_tag> half;
typedef mtlemu::f16_base<mtlemu::bfloat_tag> bfloat;
static_assert(sizeof(half) == 2 && alignof(half) == 2, "half must be 2 bytes");
static_assert(sizeof(bfloat) == 2 && alignof(bfloat) == 2, "bfloat must be 2 bytes");

#endif // MTLEMU_SCALAR_H
