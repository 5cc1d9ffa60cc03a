// mtlemu_matrix.h — MSL's SIMD-group matrices (simdgroup_float8x8 and friends):
// make_filled_simdgroup_matrix, simdgroup_load / simdgroup_store (with elements_per_row,
// matrix_origin and transpose), simdgroup_multiply(_accumulate).
//
// On the GPU the 64 elements are spread over the 32 lanes. Here every lane loads the whole
// matrix (so a load that races with other lanes' writes sees their absence), and a store
// writes only the two elements the lane owns (so another lane that reads a stored tile before
// a barrier sees the gaps). Ownership is lane l -> elements 2l and 2l+1 in row-major order;
// the real mapping is not documented and kernels must not depend on it.
#ifndef MTLEMU_MATRIX_H
#define MTLEMU_MATRIX_H

#include "mtlemu_engine.h"
#include "mtlemu_math.h"

namespace metal {

template <class T, int Cols, int Rows> struct simdgroup_matrix { T e[Rows][Cols]; };
typedef simdgroup_matrix<float, 8, 8> simdgroup_float8x8;
typedef simdgroup_matrix<half, 8, 8> simdgroup_half8x8;
typedef simdgroup_matrix<bfloat, 8, 8> simdgroup_bfloat8x8;

template <class T, int Cols, int Rows>
simdgroup_matrix<T, Cols, Rows> make_filled_simdgroup_matrix(const T value) {
    simdgroup_matrix<T, Cols, Rows> m;
    for (int r = 0; r < Rows; ++r)
        for (int c = 0; c < Cols; ++c)
            m.e[r][c] = value;
    return m;
}

// matrix_origin is (column, row) of the matrix's first element in the source.
template <class T, int Cols, int Rows>
void simdgroup_load(simdgroup_matrix<T, Cols, Rows> &d, const T *src, ulong elements_per_row = Cols,
                    ulong2 matrix_origin = ulong2(0ul), bool transpose_matrix = false) {
    for (int r = 0; r < Rows; ++r) {
        for (int c = 0; c < Cols; ++c) {
            ulong row = (transpose_matrix ? c : r) + matrix_origin.y;
            ulong col = (transpose_matrix ? r : c) + matrix_origin.x;
            d.e[r][c] = src[row * elements_per_row + col];
        }
    }
}

template <class T, int Cols, int Rows>
void simdgroup_store(const simdgroup_matrix<T, Cols, Rows> &a, T *dst,
                     ulong elements_per_row = Cols, ulong2 matrix_origin = ulong2(0ul),
                     bool transpose_matrix = false) {
    unsigned lane = mtlemu::current_lane();
    for (unsigned k = 2 * lane; k < 2 * lane + 2 && k < (unsigned)(Rows * Cols); ++k) {
        int r = (int)k / Cols, c = (int)k % Cols;
        ulong row = (transpose_matrix ? c : r) + matrix_origin.y;
        ulong col = (transpose_matrix ? r : c) + matrix_origin.x;
        dst[row * elements_per_row + col] = a.e[r][c];
    }
}

// d = a * b + c, accumulated in float.
template <class TD, class TA, class TB, class TC, int M, int N, int K>
void simdgroup_multiply_accumulate(simdgroup_matrix<TD, N, M> &d,
                                   const simdgroup_matrix<TA, K, M> &a,
                                   const simdgroup_matrix<TB, N, K> &b,
                                   const simdgroup_matrix<TC, N, M> &c) {
    simdgroup_matrix<TD, N, M> r;
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j) {
            float s = (float)c.e[i][j];
            for (int k = 0; k < K; ++k)
                s = std::fma((float)a.e[i][k], (float)b.e[k][j], s);
            r.e[i][j] = TD(s);
        }
    }
    d = r;
}

template <class TD, class TA, class TB, int M, int N, int K>
void simdgroup_multiply(simdgroup_matrix<TD, N, M> &d, const simdgroup_matrix<TA, K, M> &a,
                        const simdgroup_matrix<TB, N, K> &b) {
    simdgroup_multiply_accumulate(d, a, b, make_filled_simdgroup_matrix<TD, N, M>(TD(0)));
}

} // namespace metal

#endif // MTLEMU_MATRIX_H
