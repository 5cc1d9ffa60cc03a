/* mc_gpu_load — a competing GPU process for the contention benchmark (seed 000 ran 10 of them
 * beside the engine under test): for the given number of seconds it launches, back to back on a
 * default-priority stream, a kernel that streams a 256 MiB buffer with some arithmetic per
 * element (about a millisecond each), so it competes for both memory bandwidth and the
 * multiprocessors. Usage: mc_gpu_load SECONDS */
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

__global__ void load_kernel(float4 *data, size_t n, int rounds) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float4 v = data[i];
        for (int r = 0; r < rounds; r++) {
            v.x = v.x * 0.999f + 0.001f;
            v.y = v.y * 0.999f + v.x;
            v.z = v.z * 0.999f + v.y;
            v.w = v.w * 0.999f + v.z;
        }
        data[i] = v;
    }
}

int main(int argc, char **argv) {
    const double seconds = argc > 1 ? atof(argv[1]) : 10.0;
    const size_t n = (size_t(256) << 20) / sizeof(float4);
    float4 *data = nullptr;
    if (cudaMalloc(&data, n * sizeof(float4)) != cudaSuccess ||
        cudaMemset(data, 0x3c, n * sizeof(float4)) != cudaSuccess) {
        fprintf(stderr, "mc_gpu_load: %s\n", cudaGetErrorString(cudaGetLastError()));
        return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    long launches = 0;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
           seconds) {
        for (int i = 0; i < 8; i++, launches++) {
            load_kernel<<<1024, 256>>>(data, n, 16);
        }
        if (cudaDeviceSynchronize() != cudaSuccess) {
            fprintf(stderr, "mc_gpu_load: %s\n", cudaGetErrorString(cudaGetLastError()));
            return 1;
        }
    }
    printf("mc_gpu_load: %ld kernels in %.1f s\n", launches, seconds);
    return 0;
}
