/* test_metal_host.c — the paths of the Metal host code (src/metal, the .m files) that the
 * stories260K golden through the CLI does not reach, run on libmetal_core_emulated.so through the C
 * ABI and compared with the CPU backend of the same library:
 *  - weights copied into private buffers by a blit (MC_CONTEXT_FLAG_PRIVATE_WEIGHTS) from an
 *    unaligned start, the per-op profile (MC_CONTEXT_FLAG_PROFILE_OPS: a serial encoder and a
 *    command buffer per op, timed by the GPU stamps), the private-priority request on a queue
 *    without those selectors;
 *  - a kernel's status word (a KV position outside the cache) reported at the next synchronize;
 *  - frame capture through the ABI: refused without MTL_CAPTURE_ENABLED=1, and with it a trace
 *    holding the captured dispatches. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mc_context *create(int32_t backend, uint32_t flags) {
    mc_context_options options;
    mc_context_options_init(&options);
    options.backend = backend;
    options.threads = 1;
    options.flags = flags;
    options.priority = MC_PRIORITY_HIGH;
    mc_context *context = NULL;
    TEST_OK(mc_context_create(&options, &context));
    return context;
}

enum { K = 256, N = 77, ROWS = 3 };

/* out = x · wᵀ on `context`, w (f16) wrapped from host memory at `weights`. */
static void matmul(mc_context *context, const uint8_t *weights, const float *x, float *out) {
    mc_buffer *wrapped = NULL;
    TEST_OK(mc_buffer_wrap_host(context, weights, ref_row_bytes(MC_DTYPE_F16, K) * N, &wrapped));
    mc_tensor w = {wrapped, 0, 0, MC_DTYPE_F16, N, K, 0};
    mc_tensor xt = test_tensor(context, x, sizeof(float) * ROWS * K, MC_DTYPE_F32, ROWS, K, 0, 0);
    mc_tensor ot =
        test_tensor(context, NULL, sizeof(float) * ROWS * N, MC_DTYPE_F32, ROWS, N, 0, 0);
    TEST_OK(mc_op_matmul(context, &xt, &w, NULL, &ot));
    test_read(&ot, out, sizeof(float) * ROWS * N);
    test_free(&xt);
    test_free(&ot);
    mc_buffer_destroy(wrapped);
}

static void private_weights_and_profile(void) {
    test_rng rng = {7};
    /* The weights start 100 bytes into a page: the host's views begin at that page. */
    size_t page = (size_t)getpagesize(), bytes = ref_row_bytes(MC_DTYPE_F16, K) * N;
    uint8_t *memory = NULL;
    if (posix_memalign((void **)&memory, page, (100 + bytes + page - 1) / page * page) != 0) {
        test_check(0, "out of memory");
        return;
    }
    uint8_t *weights = memory + 100;
    for (int r = 0; r < N; ++r) {
        ref_random_row(&rng, MC_DTYPE_F16, K, 1.0, weights + ref_row_bytes(MC_DTYPE_F16, K) * r);
    }
    float x[ROWS * K], cpu[ROWS * N], metal[ROWS * N];
    for (int i = 0; i < ROWS * K; ++i) {
        x[i] = (float)rng_uniform(&rng, -1.0, 1.0);
    }
    mc_context *reference = create(MC_BACKEND_CPU, 0);
    mc_context *context =
        create(MC_BACKEND_METAL, MC_CONTEXT_FLAG_PRIVATE_WEIGHTS | MC_CONTEXT_FLAG_PROFILE_OPS |
                                     MC_CONTEXT_FLAG_PRIVATE_GPU_PRIORITY);
    const char *name = NULL;
    TEST_OK(mc_context_device_name(context, &name));
    test_check(name != NULL && strstr(name, "emulator") != NULL, "device: %s", name);
    matmul(reference, weights, x, cpu);
    matmul(context, weights, x, metal);

    /* Both sum K f32 products in some order: |error| <= (K + 32) 2^-24 sum |w x| each. */
    for (int r = 0; r < ROWS; ++r) {
        for (int n = 0; n < N; ++n) {
            const uint8_t *row = weights + ref_row_bytes(MC_DTYPE_F16, K) * n;
            double magnitude = 0.0;
            for (int k = 0; k < K; ++k) {
                magnitude += fabs(ref_value(MC_DTYPE_F16, row, k) * x[r * K + k]);
            }
            double bound = 2.0 * (K + 32) * magnitude / 16777216.0;
            test_check(fabs(metal[r * N + n] - cpu[r * N + n]) <= bound,
                       "private weights: out[%d, %d] = %g, CPU %g", r, n, metal[r * N + n],
                       cpu[r * N + n]);
        }
    }

    int32_t count = 0;
    TEST_OK(mc_context_profile_count(context, &count));
    int matvec = 0;
    for (int32_t i = 0; i < count; ++i) {
        mc_profile_entry entry;
        TEST_OK(mc_context_profile_entry(context, i, &entry));
        if (strncmp(entry.name, "mc_matvec", 9) == 0) {
            matvec = 1;
            test_check(entry.calls == 1 && entry.total_us > 0.0, "profile %s: %llu calls, %g us",
                       entry.name, (unsigned long long)entry.calls, entry.total_us);
        }
    }
    test_check(matvec, "the profile has the matvec (%d entries)", (int)count);
    mc_context_stats stats;
    TEST_OK(mc_context_get_stats(context, &stats));
    test_check(stats.last_device_time_us > 0.0, "device time %g us", stats.last_device_time_us);
    mc_context_destroy(context);
    mc_context_destroy(reference);
    free(memory);
}

static void kv_position_outside_the_cache(void) {
    enum { DIM = 32, CAPACITY = 8 };
    mc_context *context = create(MC_BACKEND_METAL, 0);
    float k[DIM] = {0}, v[DIM] = {0};
    int32_t position = CAPACITY; /* one past the last row */
    mc_tensor kt = test_tensor(context, k, sizeof k, MC_DTYPE_F32, 1, DIM, 0, 0);
    mc_tensor vt = test_tensor(context, v, sizeof v, MC_DTYPE_F32, 1, DIM, 0, 0);
    mc_tensor pt = test_tensor(context, &position, sizeof position, MC_DTYPE_I32, 1, 1, 0, 0);
    mc_tensor kc = test_tensor(context, NULL, sizeof(float) * DIM * CAPACITY, MC_DTYPE_F32,
                               CAPACITY, DIM, 0, 0);
    mc_tensor vc = test_tensor(context, NULL, sizeof(float) * DIM * CAPACITY, MC_DTYPE_F32,
                               CAPACITY, DIM, 0, 0);
    TEST_OK(mc_op_kv_append(context, &kt, &vt, &kc, &vc, &pt, NULL, CAPACITY));
    mc_status status = mc_context_synchronize(context);
    test_check(status == MC_ERROR_OUT_OF_RANGE && strstr(mc_last_error(), "KV cache") != NULL,
               "kv_append beyond the cache: status %d, '%s'", (int)status, mc_last_error());
    TEST_OK(mc_context_synchronize(context)); /* reported once */
    test_free(&kt);
    test_free(&vt);
    test_free(&pt);
    test_free(&kc);
    test_free(&vc);
    mc_context_destroy(context);
}

static void capture(void) {
    mc_context *context = create(MC_BACKEND_METAL, 0);
    char path[256];
    snprintf(path, sizeof path, "%s/metal-host-%d.gputrace", P_tmpdir, (int)getpid());
    unsetenv("MTL_CAPTURE_ENABLED");
    mc_status status = mc_capture_begin(context, path);
    test_check(status != MC_OK && strstr(mc_last_error(), "MTL_CAPTURE_ENABLED=1") != NULL,
               "capture without MTL_CAPTURE_ENABLED: status %d, '%s'", (int)status,
               mc_last_error());

    setenv("MTL_CAPTURE_ENABLED", "1", 1);
    float x[K];
    int32_t out = -1;
    for (int i = 0; i < K; ++i) {
        x[i] = (float)(i % 7);
    }
    mc_tensor xt = test_tensor(context, x, sizeof x, MC_DTYPE_F32, 1, K, 0, 0);
    mc_tensor ot = test_tensor(context, NULL, sizeof(int32_t), MC_DTYPE_I32, 1, 1, 0, 0);
    TEST_OK(mc_capture_begin(context, path));
    TEST_OK(mc_op_argmax(context, &xt, &ot));
    TEST_OK(mc_capture_end(context));
    test_read(&ot, &out, sizeof out);
    test_check(out == 6, "argmax %d, expected 6 (the first of the largest values)", (int)out);
    char listing[512];
    snprintf(listing, sizeof listing, "%s/dispatches.txt", path);
    FILE *file = fopen(listing, "r");
    char line[64] = "";
    test_check(file != NULL && fgets(line, sizeof line, file) != NULL &&
                   strcmp(line, "mc_argmax\n") == 0,
               "the capture %s holds the argmax dispatch ('%s')", listing, line);
    if (file != NULL) {
        fclose(file);
    }
    remove(listing);
    rmdir(path);
    test_free(&xt);
    test_free(&ot);
    mc_context_destroy(context);
}

int main(void) {
    private_weights_and_profile();
    kv_position_outside_the_cache();
    capture();
    return test_finish("test_metal_host");
}
