/* mc_cuda_bandwidth — the device's copy bandwidth, the denominator of the benchmarks'
 * "fraction of bandwidth": a 1 GiB device-to-device copy, bytes read plus bytes written over the
 * median of 20 timed copies (CUDA events) after 3 warm-ups. Prints one line:
 * "copy_bandwidth_gbps <value>". */
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        cudaError_t e_ = (call);                                                                   \
        if (e_ != cudaSuccess) {                                                                   \
            fprintf(stderr, "%s: %s\n", #call, cudaGetErrorString(e_));                            \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int main() {
    const size_t bytes = size_t(1) << 30;
    void *a = nullptr, *b = nullptr;
    CHECK(cudaMalloc(&a, bytes));
    CHECK(cudaMalloc(&b, bytes));
    CHECK(cudaMemset(a, 1, bytes)); /* not zeros: nothing may run faster on them */
    cudaEvent_t start, end;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&end));
    std::vector<float> times;
    for (int i = 0; i < 23; i++) {
        CHECK(cudaEventRecord(start));
        CHECK(cudaMemcpyAsync(i % 2 ? a : b, i % 2 ? b : a, bytes, cudaMemcpyDeviceToDevice));
        CHECK(cudaEventRecord(end));
        CHECK(cudaEventSynchronize(end));
        float ms = 0;
        CHECK(cudaEventElapsedTime(&ms, start, end));
        if (i >= 3) {
            times.push_back(ms);
        }
    }
    std::sort(times.begin(), times.end());
    const double median = (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2.0;
    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    printf("device %s\n", prop.name);
    printf("copy_bandwidth_gbps %.1f\n", 2.0 * (double)bytes / (median * 1e-3) / 1e9);
    return 0;
}
