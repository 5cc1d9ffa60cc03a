# cuda.cmake — the CUDA backend (src/cuda), its native test and two small device tools
# (tests/cuda). Included by CMakeLists.txt unless MC_ENABLE_CUDA is OFF.
#
# MC_ENABLE_CUDA=AUTO builds the backend only where a usable nvcc is found: one that works with
# the host compiler (CMake's check_language) and is CUDA 12.0 or newer (sm_90 code with Hopper's
# bulk prefetch and programmatic dependent launches). Anything less is skipped with a message
# saying why, and the library is the same minus the CUDA backend. MC_ENABLE_CUDA=ON turns the
# same findings into errors.

function(mc_cuda_skip reason)
  if(MC_ENABLE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MC_ENABLE_CUDA=ON, but ${reason}")
  endif()
  message(STATUS "metal_core: CUDA backend not built: ${reason} (MC_ENABLE_CUDA=${MC_ENABLE_CUDA})")
endfunction()

include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  mc_cuda_skip("no nvcc that works with this host compiler was found")
  return()
endif()

# The version before enable_language(), which cannot be undone: parse `nvcc --version`.
execute_process(COMMAND "${CMAKE_CUDA_COMPILER}" --version OUTPUT_VARIABLE MC_NVCC_VERSION_TEXT
                ERROR_QUIET RESULT_VARIABLE MC_NVCC_RESULT)
string(REGEX MATCH "release ([0-9]+)\\.([0-9]+)" MC_NVCC_RELEASE "${MC_NVCC_VERSION_TEXT}")
set(MC_NVCC_VERSION "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
if(NOT MC_NVCC_RESULT EQUAL 0 OR NOT MC_NVCC_RELEASE)
  mc_cuda_skip("${CMAKE_CUDA_COMPILER} --version did not report a release")
  return()
endif()
if(MC_NVCC_VERSION VERSION_LESS 12.0)
  mc_cuda_skip("${CMAKE_CUDA_COMPILER} is CUDA ${MC_NVCC_VERSION}; the backend needs CUDA 12.0 or newer")
  return()
endif()

# sm_90 machine code (H100/H200) plus compute_90 PTX that newer GPUs compile when loading. Other
# GPUs (sm_80 and up: the kernels use dp4a, __reduce_add_sync) need their own entry, e.g.
# -DMC_CUDA_ARCHITECTURES="80-real;90".
set(MC_CUDA_ARCHITECTURES "90" CACHE STRING "CUDA architectures of the CUDA backend (CMAKE_CUDA_ARCHITECTURES syntax)")
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES ${MC_CUDA_ARCHITECTURES})
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
message(STATUS "metal_core: CUDA backend enabled (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")

# CUDA targets start from an empty option list: CMakeLists.txt's add_compile_options (-Wall
# -Werror, sanitizers) are gcc/clang flags nvcc rejects; the host-side equivalents go through
# -Xcompiler.
function(mc_cuda_target target)
  set_target_properties(${target} PROPERTIES
    COMPILE_OPTIONS ""
    LINK_OPTIONS ""
    CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-unused-parameter>
    $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>)
endfunction()

file(GLOB MC_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/cuda/*.cu)
add_library(metal_core_cuda OBJECT ${MC_CUDA_SOURCES})
mc_cuda_target(metal_core_cuda)
set_target_properties(metal_core_cuda PROPERTIES
  POSITION_INDEPENDENT_CODE ON
  CUDA_VISIBILITY_PRESET hidden)
target_include_directories(metal_core_cuda PRIVATE include src/common src)
if(MC_SANITIZE)
  target_compile_options(metal_core_cuda PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-fsanitize=${MC_SANITIZE},-fno-omit-frame-pointer>)
endif()
# No CUDA library is linked dynamically, so a library built with this backend still loads (and
# runs the CPU backend) where CUDA is missing: the runtime is linked statically (it opens the
# driver itself), and cuBLASLt is opened at run time (src/cuda/cublaslt_library.cu; only its
# headers are used here, and the toolkit's library folder is where it is looked for last).
target_include_directories(metal_core_cuda PRIVATE
  $<TARGET_PROPERTY:CUDA::cublasLt,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(metal_core_cuda PRIVATE
  MC_CUDA_TOOLKIT_LIBRARY_DIR="${CUDAToolkit_LIBRARY_DIR}")
target_link_libraries(metal_core_cuda PRIVATE CUDA::cudart_static)
# A diagnostic build: every kernel records when its blocks start, wait, are released and end, and
# MC_CUDA_TIMELINE=N prints the Nth graph launch's timeline (src/cuda/timeline.cuh, docs/CUDA.md).
option(MC_CUDA_TIMELINE "CUDA: kernels record a timeline of graph launches (diagnostics)" OFF)
if(MC_CUDA_TIMELINE)
  target_compile_definitions(metal_core_cuda PRIVATE MC_CUDA_TIMELINE=1)
endif()

target_sources(metal_core PRIVATE $<TARGET_OBJECTS:metal_core_cuda>)
# metal_core was created before CUDA was enabled: it now links CUDA objects, so it needs the
# property too (policy CMP0104).
set_target_properties(metal_core PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
target_compile_definitions(metal_core PRIVATE MC_HAVE_CUDA=1)
set_target_properties(metal_core PROPERTIES CUDA_RUNTIME_LIBRARY Static)
target_link_libraries(metal_core PRIVATE CUDA::cudart_static ${CMAKE_DL_LIBS})

# --- Native test and device tools (tests/cuda) -----------------------------------------------
# The test compares every op with the CPU backend through the public ABI; on a machine with no
# GPU it prints why and exits 77, which ctest reports as skipped.
if(MC_BUILD_TESTS)
  set(MC_CUDA_TEST_DIR ${CMAKE_CURRENT_SOURCE_DIR}/../../tests/cuda)
  add_executable(mc_cuda_tests ${MC_CUDA_TEST_DIR}/test_cuda_backend.c)
  target_link_libraries(mc_cuda_tests PRIVATE mc_test_support m)
  add_test(NAME cuda_backend COMMAND mc_cuda_tests)
  set_tests_properties(cuda_backend PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
  # The library must not need a CUDA library to load (see the link comment above).
  add_test(NAME cuda_library_links_no_cuda_library
    COMMAND sh -c "readelf -d \"$1\" | grep NEEDED; ! readelf -d \"$1\" | grep -E 'NEEDED.*(cuda|cublas|nvrtc)'"
            sh $<TARGET_FILE:metal_core>)
  # In a timeline build: the graph steps' second launches print a timeline that holds every kernel.
  if(MC_CUDA_TIMELINE)
    add_test(NAME cuda_timeline COMMAND mc_cuda_tests)
    set_tests_properties(cuda_timeline PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
      ENVIRONMENT "MC_CUDA_TIMELINE=2"
      PASS_REGULAR_EXPRESSION "every kernel recorded"
      FAIL_REGULAR_EXPRESSION "FAIL: |not recorded|slot clash")
  endif()
  # The same with cuBLASLt missing: a warning, and the prompt-sized products on the matvec kernels.
  add_test(NAME cuda_backend_without_cublaslt COMMAND mc_cuda_tests)
  set_tests_properties(cuda_backend_without_cublaslt PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
    ENVIRONMENT "METALCORE_CUBLASLT=${CMAKE_CURRENT_BINARY_DIR}/missing/libcublasLt.so")

  # Benchmark helpers (programs, not tests; docs/BENCHMARKS.md says how they are used): the
  # decode matmuls timed inside graphs, the device's copy bandwidth, and a process that keeps the
  # GPU busy for the contention runs.
  add_executable(mc_matvec_bench ${MC_CUDA_TEST_DIR}/mc_matvec_bench.c)
  target_link_libraries(mc_matvec_bench PRIVATE metal_core)
  foreach(tool mc_cuda_bandwidth mc_gpu_load)
    add_executable(${tool} ${MC_CUDA_TEST_DIR}/${tool}.cu)
    mc_cuda_target(${tool})
    target_link_libraries(${tool} PRIVATE CUDA::cudart)
  endforeach()
endif()
