# metal-emulation.cmake — the Metal backend verified on Linux (included from CMakeLists.txt
# under MC_BUILD_TESTS when not building for Apple):
#  - every kernel in src/metal/kernels/*.metal compiled as C++ against the metal_stdlib shim of
#    tests/metal and run, with the grids the host plans, on the lock-step emulator against
#    the CPU backend and independent references (metal_kernel.* ctest entries, one per test,
#    plus metal_kernel.coverage);
#  - the plain-C planning code of the host compiled and tested with them;
set(MC_METAL_SRC ${CMAKE_CURRENT_SOURCE_DIR}/src/metal)
get_filename_component(MC_METAL_EMU ${CMAKE_CURRENT_SOURCE_DIR}/../../tests/metal ABSOLUTE)

# The generator: one .metal file -> a C++ file of thunks and registry entries.
add_executable(mtlemu_gen ${MC_METAL_EMU}/emu/mtlemu_gen.cpp)
# GCC 12 reports a false maybe-uninitialized inside <regex> when built with the sanitizers.
target_compile_options(mtlemu_gen PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)

file(GLOB MC_METAL_KERNEL_SOURCES CONFIGURE_DEPENDS ${MC_METAL_SRC}/kernels/*.metal)
file(GLOB MC_METAL_KERNEL_HEADERS CONFIGURE_DEPENDS ${MC_METAL_SRC}/kernels/*.h)
set(MC_METAL_EMULATED_KERNELS "")
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/mtlemu)
foreach(kernel_source ${MC_METAL_KERNEL_SOURCES})
  get_filename_component(stem ${kernel_source} NAME_WE)
  set(generated ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/${stem}.cpp)
  add_custom_command(
    OUTPUT ${generated}
    COMMAND mtlemu_gen ${kernel_source} ${generated}
    DEPENDS mtlemu_gen ${kernel_source} ${MC_METAL_KERNEL_HEADERS}
    COMMENT "Emulating ${stem}.metal"
    VERBATIM)
  list(APPEND MC_METAL_EMULATED_KERNELS ${generated})
endforeach()
# MSL attributes are unknown to a C++ compiler; kernels may leave parameters unused.
set_source_files_properties(${MC_METAL_EMULATED_KERNELS} PROPERTIES
  COMPILE_OPTIONS "-Wno-attributes;-Wno-unknown-attributes;-Wno-unknown-warning-option;-Wno-unused-parameter;-Wno-unused-variable")

file(GLOB MC_METAL_KERNEL_TESTS CONFIGURE_DEPENDS ${MC_METAL_EMU}/kernels/*.cpp)
add_executable(metal_kernel_tests
  ${MC_METAL_EMULATED_KERNELS}
  ${MC_METAL_EMU}/emu/mtlemu_engine.cpp
  ${MC_METAL_KERNEL_TESTS}
  ${MC_METAL_SRC}/mc_metal_plan.c
  ${MC_METAL_SRC}/mc_metal_hazards.c
  # The reference every kernel is compared with: the CPU backend, run on the same op.
  ${MC_CPU_SOURCES}
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/errors.c)
target_include_directories(metal_kernel_tests PRIVATE
  ${MC_METAL_EMU}/shim ${MC_METAL_EMU}/emu ${MC_METAL_EMU}/kernels
  ${MC_METAL_SRC}/kernels ${MC_METAL_SRC} ${CMAKE_CURRENT_SOURCE_DIR}/src/common
  ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR}/src/cpu)
target_link_libraries(metal_kernel_tests PRIVATE Threads::Threads)
if(NOT APPLE)
  target_link_libraries(metal_kernel_tests PRIVATE m)
endif()

# One ctest entry per test, listed by the test binary itself after each build.
set(MC_METAL_CTEST_FILE ${CMAKE_CURRENT_BINARY_DIR}/metal_kernel_tests.cmake)
add_custom_command(TARGET metal_kernel_tests POST_BUILD
  COMMAND metal_kernel_tests --ctest ${MC_METAL_CTEST_FILE}
  VERBATIM)
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${MC_METAL_CTEST_FILE})

