# metal.cmake — the Metal backend on Apple platforms (included from CMakeLists.txt when
# MC_ENABLE_METAL is on): the Objective-C host code (ARC) in libmetal_core, and the kernels
# compiled by Xcode's tools into metal_core.metallib beside the library, plus metal_core.metal
# (the kernels as one self-contained source) for the run-time compile fallback.
enable_language(OBJC)

set(MC_METAL_DIR ${CMAKE_CURRENT_SOURCE_DIR}/src/metal)
file(GLOB MC_METAL_OBJC_SOURCES CONFIGURE_DEPENDS ${MC_METAL_DIR}/*.m)
target_sources(metal_core PRIVATE ${MC_METAL_OBJC_SOURCES} ${MC_METAL_DIR}/mc_metal_plan.c
                                  ${MC_METAL_DIR}/mc_metal_hazards.c)
target_include_directories(metal_core PRIVATE ${MC_METAL_DIR})
target_compile_definitions(metal_core PRIVATE MC_HAVE_METAL=1)
set_source_files_properties(${MC_METAL_OBJC_SOURCES} PROPERTIES COMPILE_OPTIONS "-fobjc-arc")
target_link_libraries(metal_core PRIVATE "-framework Metal" "-framework Foundation")

# Kernels: each .metal -> .air (MSL 3.1: bfloat), then one metallib.
file(GLOB MC_METAL_KERNELS CONFIGURE_DEPENDS ${MC_METAL_DIR}/kernels/*.metal)
file(GLOB MC_METAL_KERNEL_HEADERS CONFIGURE_DEPENDS ${MC_METAL_DIR}/kernels/*.h)
set(MC_METAL_AIR "")
foreach(kernel ${MC_METAL_KERNELS})
  get_filename_component(stem ${kernel} NAME_WE)
  set(air ${CMAKE_CURRENT_BINARY_DIR}/metal-air/${stem}.air)
  add_custom_command(
    OUTPUT ${air}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/metal-air
    COMMAND xcrun -sdk macosx metal -std=metal3.1 -O3 -Werror -I ${MC_METAL_DIR}/kernels
            -c ${kernel} -o ${air}
    DEPENDS ${kernel} ${MC_METAL_KERNEL_HEADERS}
    COMMENT "Compiling ${stem}.metal"
    VERBATIM)
  list(APPEND MC_METAL_AIR ${air})
endforeach()

set(MC_METAL_LIB_DIR $<TARGET_FILE_DIR:metal_core>)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metallib
  COMMAND xcrun -sdk macosx metallib ${MC_METAL_AIR} -o ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metallib
  DEPENDS ${MC_METAL_AIR}
  COMMENT "Linking metal_core.metallib"
  VERBATIM)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metal
  COMMAND ${CMAKE_COMMAND} -DKERNEL_DIR=${MC_METAL_DIR}/kernels
          -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/metal_core.metal
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/metal-source.cmake
  DEPENDS ${MC_METAL_KERNELS} ${MC_METAL_KERNEL_HEADERS}
          ${CMAKE_CURRENT_SOURCE_DIR}/cmake/metal-source.cmake
  COMMENT "Writing metal_core.metal"
  VERBATIM)
add_custom_target(metal_core_kernels ALL
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metallib ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metal)
# Both files go where the library is (the runtimes/<rid>/native folder the packages ship).
add_custom_command(TARGET metal_core_kernels POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metallib
          ${CMAKE_CURRENT_BINARY_DIR}/metal_core.metal ${MC_METAL_LIB_DIR}
  VERBATIM)
add_dependencies(metal_core_kernels metal_core)
