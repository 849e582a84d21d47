# MTC's CMake package, installed by `cmake --install`:
#
#   find_package(MTC REQUIRED)
#   mtc_add_model(<name> <model.mlir> [TARGET <mtc --target>] [INFERENCE_ONLY])
#   target_link_libraries(app PRIVATE <name>)
#
# mtc_add_model compiles the model with the installed mtc at build time
# (--emit=library) into a static library <name>, whose C header <name>.h
# (mtc.h with the model's ABI) is on its include path.

get_filename_component(MTC_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(MTC_EXECUTABLE "${MTC_PREFIX}/bin/mtc")
if(NOT EXISTS "${MTC_EXECUTABLE}")
  set(MTC_FOUND FALSE)
  set(MTC_NOT_FOUND_MESSAGE "no mtc at ${MTC_EXECUTABLE}")
  return()
endif()
include(CMakeFindDependencyMacro)
find_dependency(Threads)
find_dependency(fmt)

function(mtc_add_model name model)
  cmake_parse_arguments(ARG "INFERENCE_ONLY" "TARGET" "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mtc_add_model(${name}): unknown arguments "
      "${ARG_UNPARSED_ARGUMENTS} (expected TARGET <target>, INFERENCE_ONLY)")
  endif()
  get_filename_component(model "${model}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/mtc_${name}")
  set(library "${dir}/${name}.a")
  set(flags)
  if(ARG_TARGET)
    list(APPEND flags "--target=${ARG_TARGET}")
  endif()
  if(ARG_INFERENCE_ONLY)
    list(APPEND flags --inference-only)
  endif()
  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(OUTPUT "${library}" "${dir}/${name}.h"
    COMMAND "${MTC_EXECUTABLE}" "${model}" --emit=library ${flags} -o "${library}"
    DEPENDS "${model}" "${MTC_EXECUTABLE}"
    COMMENT "mtc: compiling ${model}"
    VERBATIM)
  add_custom_target(${name}_mtc DEPENDS "${library}")
  add_library(${name} STATIC IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION "${library}"
    INTERFACE_INCLUDE_DIRECTORIES "${dir}"
    # The library holds C++ (the runtime): C callers link its support too.
    INTERFACE_LINK_LIBRARIES "fmt::fmt;Threads::Threads;${CMAKE_DL_LIBS};stdc++;m")
  add_dependencies(${name} ${name}_mtc)
endfunction()
