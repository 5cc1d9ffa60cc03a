# metal-emulation.cmake — the Metal backend verified on Linux (included from CMakeLists.txt
# under MC_BUILD_TESTS when not building for Apple):
#  - every kernel in src/metal/kernels/*.metal compiled as C++ against the metal_stdlib shim of
#    tests/metal and run, with the grids the host plans, on the lock-step emulator against
#    the CPU backend and independent references (metal_kernel.* ctest entries, one per test,
#    plus metal_kernel.coverage);
#  - the plain-C planning code of the host compiled and tested with them;
#  - the Objective-C host code (src/metal/*.m) compiled against GNUstep and a shim of the Metal
#    API (metal_objc.compile.* ctest entries), and built with the shim's implementation on the
#    emulator into libmetal_core_emulated.so (outside the sanitizer tree), a test build of
#    libmetal_core whose Metal backend runs the real host code and kernels on Linux;
#  - the kernels as one source (the host's run-time compile fallback) compiled as one unit.
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

# The emulated kernels and the engine that runs them: shared by the kernel tests and the
# emulated library.
add_library(mtlemu_kernels OBJECT ${MC_METAL_EMULATED_KERNELS} ${MC_METAL_EMU}/emu/mtlemu_engine.cpp)
target_include_directories(mtlemu_kernels PRIVATE ${MC_METAL_EMU}/shim ${MC_METAL_EMU}/emu
  ${MC_METAL_SRC}/kernels)

file(GLOB MC_METAL_KERNEL_TESTS CONFIGURE_DEPENDS ${MC_METAL_EMU}/kernels/*.cpp)
add_executable(metal_kernel_tests
  $<TARGET_OBJECTS:mtlemu_kernels>
  ${MC_METAL_KERNEL_TESTS}
  ${MC_METAL_SRC}/mc_metal_plan.c
  ${MC_METAL_SRC}/mc_metal_hazards.c
  # The reference every kernel is compared with: the CPU backend, run on the same op, with the
  # common-layer services backend.h promises it (errors, dtype names).
  ${MC_CPU_SOURCES}
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/errors.c
  ${CMAKE_CURRENT_SOURCE_DIR}/src/common/dtypes.c)
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


# The Objective-C host code (src/metal/*.m) compiled on Linux, one ctest entry per file
# (metal_objc.compile.*): clang with GNUstep's Foundation (built for GCC's Objective-C runtime)
# and tests/metal/objc/shim, which declares the Metal API subset with Apple's signatures.
# GCC's runtime has no ARC, so the files compile here without it (docs/METAL.md); on macOS they
# build with -fobjc-arc (cmake/metal.cmake). clang, not GCC: only clang has @available, the
# ARC bridging casts and @autoreleasepool for this runtime.
find_program(MC_OBJC_CLANG NAMES clang-14 clang)
find_path(MC_GNUSTEP_INCLUDE Foundation/Foundation.h PATHS /usr/include/GNUstep
          /usr/local/include/GNUstep)
execute_process(COMMAND gcc -print-file-name=include OUTPUT_VARIABLE MC_GCC_INCLUDE
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT MC_OBJC_CLANG OR NOT MC_GNUSTEP_INCLUDE OR NOT EXISTS "${MC_GCC_INCLUDE}/objc/objc.h")
  message(FATAL_ERROR "Compiling the Metal host code on Linux needs clang, GNUstep's headers and "
          "GCC's Objective-C runtime headers: apt-get install clang-14 gobjc libgnustep-base-dev "
          "gnustep-base-common (as .ci/run does), or configure with -DMC_BUILD_TESTS=OFF")
endif()
# GNUstep's Objective-C dialect for GCC's runtime, the Metal API shim and the host's includes.
set(MC_METAL_OBJC_DIALECT
  -fobjc-runtime=gcc -fblocks -fobjc-exceptions -fconstant-string-class=NSConstantString
  -DGNUSTEP -DGNUSTEP_BASE_LIBRARY=1 -DGNU_RUNTIME=1 -D_GNU_SOURCE
  -I${MC_METAL_EMU}/objc/shim -I${MC_GNUSTEP_INCLUDE} -idirafter ${MC_GCC_INCLUDE})
set(MC_METAL_OBJC_FLAGS ${MC_METAL_OBJC_DIALECT}
  -I${CMAKE_CURRENT_SOURCE_DIR}/include -I${CMAKE_CURRENT_SOURCE_DIR}/src/common
  -I${MC_METAL_SRC} -I${CMAKE_CURRENT_SOURCE_DIR}/src
  -Wall -Wextra -Werror -Wno-unused-parameter)
file(GLOB MC_METAL_OBJC_SOURCES CONFIGURE_DEPENDS ${MC_METAL_SRC}/*.m)
foreach(objc_source ${MC_METAL_OBJC_SOURCES})
  get_filename_component(stem ${objc_source} NAME_WE)
  add_test(NAME metal_objc.compile.${stem}
    COMMAND ${MC_OBJC_CLANG} ${MC_METAL_OBJC_FLAGS} -c ${objc_source}
            -o ${CMAKE_CURRENT_BINARY_DIR}/metal-objc-${stem}.o)
endforeach()

# The run-time compile fallback's single source (cmake/metal-source.cmake, as shipped on macOS)
# must compile as one translation unit: built here through the emulator's generator.
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core.metal
  COMMAND ${CMAKE_COMMAND} -DKERNEL_DIR=${MC_METAL_SRC}/kernels
          -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core.metal
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/metal-source.cmake
  DEPENDS ${MC_METAL_KERNEL_SOURCES} ${MC_METAL_KERNEL_HEADERS}
          ${CMAKE_CURRENT_SOURCE_DIR}/cmake/metal-source.cmake
  VERBATIM)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core_source.cpp
  COMMAND mtlemu_gen ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core.metal
          ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core_source.cpp
  DEPENDS mtlemu_gen ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core.metal
  VERBATIM)
add_library(metal_source_check OBJECT ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core_source.cpp)
target_include_directories(metal_source_check PRIVATE ${MC_METAL_EMU}/shim ${MC_METAL_EMU}/emu)
target_compile_options(metal_source_check PRIVATE -Wno-attributes -Wno-unknown-attributes
  -Wno-unknown-warning-option -Wno-unused-parameter -Wno-unused-variable)


# libmetal_core_emulated.so: libmetal_core with the Metal backend, its Objective-C host code
# running on tests/metal/objc/runtime (the Metal API on the kernel emulator), beside the
# metal_core.metal its run-time compile fallback loads. A test build only: the product library
# is unchanged, and tests/MetalCore.Tests runs the CLI on it (METALCORE_NATIVE_LIBRARY) with
# --backend metal. Not built in the sanitizer tree: the Objective-C files need clang while that
# tree is built with GCC, and the two compilers' sanitizer runtimes cannot share one process
# (the kernels and the engine it runs are checked under the sanitizers by metal_kernel_tests).
# Nor when cross-compiling: GNUstep's libraries here are the build machine's.
if(NOT MC_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
  set(CMAKE_OBJC_COMPILER ${MC_OBJC_CLANG})
  enable_language(OBJC)
  find_library(MC_GNUSTEP_BASE gnustep-base)
  find_library(MC_OBJC_RUNTIME NAMES objc libobjc.so.4)
  if(NOT MC_GNUSTEP_BASE OR NOT MC_OBJC_RUNTIME)
    message(FATAL_ERROR "The emulated Metal library links GNUstep's Foundation and GCC's "
            "Objective-C runtime: apt-get install libgnustep-base-dev gobjc")
  endif()
  set(MC_METAL_EMULATED_DIR ${CMAKE_CURRENT_BINARY_DIR}/metal-emulated)
  file(GLOB MC_METAL_SHIM_SOURCES CONFIGURE_DEPENDS ${MC_METAL_EMU}/objc/runtime/*.m)
  add_library(metal_core_emulated SHARED
    ${MC_COMMON_SOURCES} ${MC_CPU_SOURCES}
    ${MC_METAL_OBJC_SOURCES} ${MC_METAL_SRC}/mc_metal_plan.c ${MC_METAL_SRC}/mc_metal_hazards.c
    ${MC_METAL_SHIM_SOURCES} ${MC_METAL_EMU}/objc/runtime/mtlshim_emulator.cpp
    $<TARGET_OBJECTS:mtlemu_kernels>)
  target_include_directories(metal_core_emulated PRIVATE include src/common src ${MC_METAL_SRC}
    ${MC_METAL_EMU}/emu ${MC_METAL_EMU}/objc/runtime)
  target_compile_definitions(metal_core_emulated PRIVATE MC_HAVE_METAL=1)
  target_compile_options(metal_core_emulated PRIVATE
    $<$<COMPILE_LANGUAGE:OBJC>:${MC_METAL_OBJC_DIALECT}>)
  target_link_libraries(metal_core_emulated PRIVATE ${MC_GNUSTEP_BASE} ${MC_OBJC_RUNTIME}
    Threads::Threads m ${CMAKE_DL_LIBS})
  set_target_properties(metal_core_emulated PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${MC_METAL_EMULATED_DIR})
  add_custom_command(TARGET metal_core_emulated POST_BUILD
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${CMAKE_CURRENT_BINARY_DIR}/mtlemu/metal_core.metal
            ${MC_METAL_EMULATED_DIR}/metal_core.metal
    VERBATIM)
  # The single source must exist before the library's post-build step copies it.
  add_dependencies(metal_core_emulated metal_source_check)

  # The host paths the golden through the CLI does not reach (private weights, profile, status
  # words, capture), through the C ABI of the emulated library.
  get_filename_component(MC_NATIVE_TESTS ${MC_METAL_EMU}/../native ABSOLUTE)
  add_executable(test_metal_host ${MC_METAL_EMU}/objc/test_metal_host.c
                                 ${MC_NATIVE_TESTS}/test_support.c)
  target_include_directories(test_metal_host PRIVATE include ${MC_NATIVE_TESTS})
  target_link_libraries(test_metal_host PRIVATE metal_core_emulated m)
  add_test(NAME metal_host.emulated COMMAND test_metal_host)
endif()
