# Native tests of the CPU backend (ctest), and its benchmark (built, not run as a test).
# Included by CMakeLists.txt when MC_BUILD_TESTS is on.
set(MC_NATIVE_TESTS_DIR "${CMAKE_CURRENT_SOURCE_DIR}/../../tests/native")

add_library(mc_test_support STATIC "${MC_NATIVE_TESTS_DIR}/test_support.c")
target_link_libraries(mc_test_support PUBLIC metal_core m)
target_include_directories(mc_test_support PUBLIC "${MC_NATIVE_TESTS_DIR}" include)

foreach(test_name test_cpu_matmul test_cpu_elementwise test_cpu_attention test_cpu_graph)
  add_executable(${test_name} "${MC_NATIVE_TESTS_DIR}/${test_name}.c")
  target_link_libraries(${test_name} PRIVATE mc_test_support)
  add_test(NAME ${test_name} COMMAND ${test_name})
endforeach()

# bench_cpu: tok/s and bandwidth of the CPU backend on synthetic models (see the file).
add_executable(bench_cpu "${MC_NATIVE_TESTS_DIR}/bench_cpu.c")
target_link_libraries(bench_cpu PRIVATE metal_core Threads::Threads m)
