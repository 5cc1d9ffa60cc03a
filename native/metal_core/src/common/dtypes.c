/* dtypes.c — element and block sizes of the tensor types (ggml's block layouts). */
#include "common.h"

int mc_dtype_info(int32_t dtype, mc_dtype_layout *layout) {
    switch (dtype) {
    case MC_DTYPE_F32: *layout = (mc_dtype_layout){"f32", 1, 4}; return 1;
    case MC_DTYPE_F16: *layout = (mc_dtype_layout){"f16", 1, 2}; return 1;
    case MC_DTYPE_BF16: *layout = (mc_dtype_layout){"bf16", 1, 2}; return 1;
    case MC_DTYPE_I32: *layout = (mc_dtype_layout){"i32", 1, 4}; return 1;
    case MC_DTYPE_Q8_0: *layout = (mc_dtype_layout){"q8_0", 32, 2 + 32}; return 1;
    case MC_DTYPE_Q4_0: *layout = (mc_dtype_layout){"q4_0", 32, 2 + 16}; return 1;
    case MC_DTYPE_Q4_1: *layout = (mc_dtype_layout){"q4_1", 32, 2 + 2 + 16}; return 1;
    case MC_DTYPE_Q5_0: *layout = (mc_dtype_layout){"q5_0", 32, 2 + 4 + 16}; return 1;
    case MC_DTYPE_Q5_1: *layout = (mc_dtype_layout){"q5_1", 32, 2 + 2 + 4 + 16}; return 1;
    default: return 0;
    }
}

const char *mc_dtype_name(int32_t dtype) {
    mc_dtype_layout layout;
    return mc_dtype_info(dtype, &layout) ? layout.name : "unknown";
}

mc_status mc_dtype_row_size(mc_dtype dtype, int64_t cols, uint64_t *bytes) {
    mc_clear_error();
    mc_dtype_layout layout;
    if (bytes == NULL) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_dtype_row_size: bytes is NULL");
    }
    if (!mc_dtype_info(dtype, &layout)) {
        return mc_set_error(MC_ERROR_INVALID_ARGUMENT, "mc_dtype_row_size: unknown dtype %d",
                            (int)dtype);
    }
    if (cols <= 0 || cols % layout.block_elements != 0) {
        return mc_set_error(
            MC_ERROR_INVALID_ARGUMENT,
            "mc_dtype_row_size: %lld columns of %s: expected a positive multiple of %d",
            (long long)cols, layout.name, layout.block_elements);
    }
    *bytes = (uint64_t)(cols / layout.block_elements) * layout.block_bytes;
    return MC_OK;
}
