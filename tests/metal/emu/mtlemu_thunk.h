// mtlemu_thunk.h — what the generated thunks use to call a kernel function with its bound
// buffers, threadgroup memory and per-thread attribute values.
#ifndef MTLEMU_THUNK_H
#define MTLEMU_THUNK_H

#include "mtlemu_engine.h"
#include "mtlemu_vec.h"

namespace mtlemu {

// An attribute value as the parameter's declared type: a scalar takes .x, a vector the first
// components.
template <class T> T attribute_as(attribute a) {
    const uint32_t *v = thread_attribute(a);
    if constexpr (is_vec<T>::value) {
        T r;
        for (int i = 0; i < T::components; ++i)
            r.v[i] = typename T::element_type(v[i]);
        return r;
    } else {
        return T(v[0]);
    }
}

} // namespace mtlemu

#endif // MTLEMU_THUNK_H
