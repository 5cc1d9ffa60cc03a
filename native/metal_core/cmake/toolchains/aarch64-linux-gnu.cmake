# Cross-compiles the native library and its tests for arm64 Linux, and runs the tests under
# qemu-user, to check the NEON kernels (src/cpu/kernels_neon*.c) on an x86-64 machine. Not part
# of CI (about a minute of emulation); run it after changing the NEON kernels:
#
#   apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user
#   cmake -S native/metal_core -B artifacts/native/arm64 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#   cmake --build artifacts/native/arm64 -j2 && ctest --test-dir artifacts/native/arm64
#
# qemu's default CPU has the dot product extension, so the tests cover simd_level 1 (NEON) and 2
# (NEON + dotprod) as well as the scalar level 0.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
