# metal-source.cmake — writes OUTPUT: every .metal file of KERNEL_DIR with its local
# #include "..." lines replaced by the header's text, as one source that
# -[MTLDevice newLibraryWithSource:options:error:] compiles without include paths (the
# headers' include guards drop the repeats). Run as: cmake -DKERNEL_DIR=... -DOUTPUT=... -P.
function(expand file result)
  file(READ ${file} text)
  string(REGEX MATCHALL "#include \"[^\"]+\"" includes "${text}")
  foreach(include IN LISTS includes)
    string(REGEX REPLACE "#include \"([^\"]+)\"" "\\1" header "${include}")
    expand(${KERNEL_DIR}/${header} included)
    string(REPLACE "${include}" "${included}" text "${text}")
  endforeach()
  set(${result} "${text}" PARENT_SCOPE)
endfunction()

file(GLOB kernels ${KERNEL_DIR}/*.metal)
list(SORT kernels)
set(all "// metal_core.metal — generated from src/metal/kernels by cmake/metal-source.cmake.\n")
foreach(kernel IN LISTS kernels)
  expand(${kernel} text)
  string(APPEND all "${text}")
endforeach()
file(WRITE ${OUTPUT} "${all}")
