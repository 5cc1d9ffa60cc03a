// test_norm_argmax.cpp — mc_rms_norm and mc_argmax against straightforward references.
#include "harness.h"

#include <cmath>
#include <limits>

namespace {

void check_rms_norm(int rows, int cols, bool in_place, int threads) {
    // x rows padded by 3 floats: a row stride that is not the row size.
    uint64_t xs = 4ull * (cols + 3);
    kt::memory x(xs * rows), w(4ull * cols), y(4ull * rows * cols);
    mc_op_desc op{};
    op.kind = MC_OPK_RMS_NORM;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, rows, cols, 0, xs);
    op.t[1] = kt::tensor(w, MC_DTYPE_F32, 1, cols);
    op.t[2] = in_place ? op.t[0] : kt::tensor(y, MC_DTYPE_F32, rows, cols);
    op.f[0] = 1e-5f;
    for (int r = 0; r < rows; ++r)
        kt::fill_uniform(x.as<float>(xs * r), cols, -3, 3);
    kt::fill_uniform(w.as<float>(), cols, 0.5f, 1.5f);
    std::vector<double> want((size_t)rows * cols);
    for (int r = 0; r < rows; ++r) {
        const float *xr = x.as<float>(xs * r);
        double ss = 0;
        for (int c = 0; c < cols; ++c)
            ss += (double)xr[c] * xr[c];
        double scale = 1.0 / std::sqrt(ss / cols + 1e-5);
        for (int c = 0; c < cols; ++c)
            want[(size_t)r * cols + c] = xr[c] * scale * w.as<float>()[c];
    }
    mc_plan_tunables t;
    mc_plan_defaults(&t);
    t.rms_norm_threads = threads;
    kt::run_op(op, t);
    for (int r = 0; r < rows; ++r) {
        const float *got = in_place ? x.as<float>(xs * r) : y.as<float>(4ull * r * cols);
        kt::expect_near(got, &want[(size_t)r * cols], cols, 1e-6, 1e-5,
                        "rms_norm " + std::to_string(rows) + "x" + std::to_string(cols) + " row " +
                            std::to_string(r));
    }
}

// x [rows x cols] with planted maxima; returns the expected indices.
void check_argmax(int rows, int cols, int threads) {
    kt::memory x(4ull * rows * cols), out(4ull * rows * 2);
    mc_op_desc op{};
    op.kind = MC_OPK_ARGMAX;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, rows, cols);
    op.t[1] = kt::tensor(out, MC_DTYPE_I32, rows, 1, 0, 8); // every other int
    std::vector<int32_t> want(rows);
    for (int r = 0; r < rows; ++r) {
        float *xr = x.as<float>(4ull * r * cols);
        kt::fill_uniform(xr, cols, -10, 10);
        int a = (int)(kt::rng()() % cols), b = (int)(kt::rng()() % cols);
        switch (r % 4) {
        case 0: // a tie: the smaller index wins
            xr[a] = xr[b] = 20.0f;
            want[r] = std::min(a, b);
            break;
        case 1: // NaNs never win
            xr[a] = 15.0f;
            xr[b] = std::numeric_limits<float>::quiet_NaN();
            want[r] = a == b ? -1 : a;
            break;
        case 2: // all -inf: index 0
            for (int c = 0; c < cols; ++c)
                xr[c] = -INFINITY;
            want[r] = 0;
            break;
        default: { // plain random values
            int best = 0;
            for (int c = 1; c < cols; ++c)
                if (xr[c] > xr[best])
                    best = c;
            want[r] = best;
        }
        }
        if (want[r] < 0) { // the NaN landed on the planted maximum: recompute without it
            int best = -1;
            for (int c = 0; c < cols; ++c)
                if (!std::isnan(xr[c]) && (best < 0 || xr[c] > xr[best]))
                    best = c;
            want[r] = best < 0 ? 0 : best;
        }
    }
    mc_plan_tunables t;
    mc_plan_defaults(&t);
    t.argmax_threads = threads;
    kt::run_op(op, t);
    for (int r = 0; r < rows; ++r) {
        int32_t got = out.as<int32_t>()[2 * r];
        KT_CHECK(got == want[r], "argmax " + std::to_string(rows) + "x" + std::to_string(cols) +
                                     " row " + std::to_string(r) + ": got " + std::to_string(got) +
                                     ", expected " + std::to_string(want[r]));
    }
}

} // namespace

KT_TEST(rms_norm_shapes, "mc_rms_norm") {
    check_rms_norm(1, 64, false, 512);   // stories260K's dim
    check_rms_norm(5, 8, false, 512);    // a per-head norm of head_dim 8
    check_rms_norm(3, 1000, false, 512); // not a multiple of 32
    check_rms_norm(2, 2048, true, 512);  // in place, the whole threadgroup reduces
    check_rms_norm(2, 4096, false, 32);  // the smallest threadgroup still reduces correctly
    check_rms_norm(1, 130, false, 96);   // a partial last simdgroup
}

KT_TEST(rms_norm_uses_the_whole_threadgroup, "mc_rms_norm") {
    // Seed 002: a 2048-wide row must be reduced by 512 threads, not one simdgroup.
    kt::memory x(4 * 2048), w(4 * 2048);
    mc_op_desc op{};
    op.kind = MC_OPK_RMS_NORM;
    op.t[0] = kt::tensor(x, MC_DTYPE_F32, 1, 2048);
    op.t[1] = kt::tensor(w, MC_DTYPE_F32, 1, 2048);
    op.t[2] = op.t[0];
    op.f[0] = 1e-6f;
    mc_plan_tunables t;
    mc_plan_defaults(&t);
    mc_plan_dispatch d[MC_PLAN_MAX_DISPATCHES];
    int32_t n = 0;
    uint64_t scratch = 0;
    KT_CHECK(mc_plan_op(&op, &t, d, &n, &scratch) == MC_OK, mc_last_error());
    KT_CHECK(n == 1 && d[0].threads[0] == 512, "rms_norm should dispatch 512 threads per row");
    kt::fill_uniform(x.as<float>(), 2048);
    kt::fill_uniform(w.as<float>(), 2048);
    kt::run_op(op, t);
}

KT_TEST(argmax_shapes, "mc_argmax") {
    check_argmax(4, 1000, 1024);
    check_argmax(8, 33, 1024);
    check_argmax(4, 32000, 1024); // a vocabulary
    check_argmax(4, 5000, 64);
}
