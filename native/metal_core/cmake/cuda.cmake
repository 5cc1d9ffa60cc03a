# cuda.cmake — the CUDA backend (src/cuda) and its native tests and benchmark (tests/cuda).
#
# MC_ENABLE_CUDA=AUTO builds it only where a working nvcc is found (check_language), ON
# requires it, OFF (handled by CMakeLists.txt) skips this file. Without nvcc the library is the
# same minus the CUDA backend, and nothing here is registered.
#
# Host compiler: nvcc accepts only the host compilers its release supports (CUDA 11.8: GCC <= 11,
# Clang <= 14). Where the default compiler is newer, pass one it accepts, e.g.
# -DCMAKE_CUDA_HOST_COMPILER=clang++-14 (docs/CUDA.md).

include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  if(MC_ENABLE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MC_ENABLE_CUDA=ON but no working CUDA compiler (nvcc) was found")
  endif()
  message(STATUS "metal_core: CUDA backend not built (no working nvcc; MC_ENABLE_CUDA=${MC_ENABLE_CUDA})")
  return()
endif()

# sm_90 machine code (H100/H200) plus compute_90 PTX that newer GPUs JIT-compile. Other GPUs
# (sm_80 and up: the kernels use cp.async) need their own entry, e.g. -DMC_CUDA_ARCHITECTURES=80;90.
set(MC_CUDA_ARCHITECTURES "90" CACHE STRING "CUDA architectures of the CUDA backend (CMAKE_CUDA_ARCHITECTURES syntax)")
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES ${MC_CUDA_ARCHITECTURES})
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
message(STATUS "metal_core: CUDA backend enabled (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")

# The .cu files live in their own object library: CMakeLists.txt's add_compile_options
# (-Wall -Werror, sanitizers) are gcc/clang flags that nvcc rejects, so this target starts from
# an empty option list and forwards the host-side equivalents through -Xcompiler.
file(GLOB MC_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/*.cu)
add_library(metal_core_cuda OBJECT ${MC_CUDA_SOURCES})
set_target_properties(metal_core_cuda PROPERTIES
  COMPILE_OPTIONS ""
  POSITION_INDEPENDENT_CODE ON
  CUDA_VISIBILITY_PRESET hidden
  CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
target_include_directories(metal_core_cuda PRIVATE include src/common src)
target_compile_options(metal_core_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>
  $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>
  $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>)
if(MC_SANITIZE)
  target_compile_options(metal_core_cuda PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-fsanitize=${MC_SANITIZE},-fno-omit-frame-pointer>)
endif()
target_link_libraries(metal_core_cuda PRIVATE CUDA::cudart CUDA::cublasLt)

target_sources(metal_core PRIVATE $<TARGET_OBJECTS:metal_core_cuda>)
target_compile_definitions(metal_core PRIVATE MC_HAVE_CUDA=1)
target_link_libraries(metal_core PRIVATE CUDA::cudart CUDA::cublasLt ${CMAKE_DL_LIBS})

# --- Native tests and benchmark (tests/cuda) ---------------------------------------------------
# The tests compare every op against the CPU backend through the public ABI; on a machine with
# no GPU they print why and exit 77, which ctest reports as skipped.
if(MC_BUILD_TESTS)
  set(MC_CUDA_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/../../tests/cuda)
  add_executable(mc_cuda_tests
    ${MC_CUDA_TEST_DIR}/test_main.c
    ${MC_CUDA_TEST_DIR}/test_util.c
    ${MC_CUDA_TEST_DIR}/test_ops.c
    ${MC_CUDA_TEST_DIR}/test_attention.c
    ${MC_CUDA_TEST_DIR}/test_graph.c
    ${MC_CUDA_TEST_DIR}/model_step.c)
  target_include_directories(mc_cuda_tests PRIVATE include ${MC_CUDA_TEST_DIR})
  target_link_libraries(mc_cuda_tests PRIVATE metal_core m)
  add_test(NAME cuda_backend COMMAND mc_cuda_tests)
  set_tests_properties(cuda_backend PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1200)

  # The decode benchmark: a program, not a test (docs/CUDA.md says how to run it).
  add_executable(mc_cuda_bench
    ${MC_CUDA_TEST_DIR}/bench_main.c
    ${MC_CUDA_TEST_DIR}/bench_stats.c
    ${MC_CUDA_TEST_DIR}/bench_weights.c
    ${MC_CUDA_TEST_DIR}/bench_load.cu
    ${MC_CUDA_TEST_DIR}/test_util.c
    ${MC_CUDA_TEST_DIR}/model_step.c)
  set_target_properties(mc_cuda_bench PROPERTIES COMPILE_OPTIONS "" CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  target_include_directories(mc_cuda_bench PRIVATE include ${MC_CUDA_TEST_DIR})
  target_link_libraries(mc_cuda_bench PRIVATE metal_core CUDA::cudart Threads::Threads m)
endif()
