# ctest script (tests/CMakeLists.txt, include.refused.*): proves that the layering is
# enforced by the include paths, not only by convention. With the include directories,
# definitions and standard of two targets, it compiles (syntax only) a file holding one line,
# #include "HEADER":
#   1. with ALLOWED's flags (a target that may use HEADER): must compile, so the
#      header and the command line are sound;
#   2. with REFUSED's flags: must fail, and fail because HEADER is not found.
# If the layering were broken (src/ on every include path, a wrong link), step 2 would compile
# and this test would fail.
# Inputs: -DCXX= -DHEADER= -DWORK_DIR= -DALLOWED_NAME= -DALLOWED_INCLUDES= -DALLOWED_DEFINES=
#         -DREFUSED_NAME= -DREFUSED_INCLUDES= -DREFUSED_DEFINES=   (lists joined with '|')
cmake_minimum_required(VERSION 3.25)

file(MAKE_DIRECTORY ${WORK_DIR})
set(probe ${WORK_DIR}/probe.cpp)
file(WRITE ${probe} "#include \"${HEADER}\"\n")

function(compile_probe name includes defines out_rc out_log)
  string(REPLACE "|" ";" includes "${includes}")
  string(REPLACE "|" ";" defines "${defines}")
  set(flags -std=c++20 -fsyntax-only)
  foreach(dir IN LISTS includes)
    if(dir)
      list(APPEND flags -I${dir})
    endif()
  endforeach()
  foreach(def IN LISTS defines)
    if(def)
      list(APPEND flags -D${def})
    endif()
  endforeach()
  execute_process(COMMAND ${CXX} ${flags} ${probe}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message(STATUS "${name}: ${CXX} ${flags} probe.cpp -> exit ${rc}")
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_log} "${out}" PARENT_SCOPE)
endfunction()

compile_probe(${ALLOWED_NAME} "${ALLOWED_INCLUDES}" "${ALLOWED_DEFINES}" rc log)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "control failed: ${ALLOWED_NAME} may include \"${HEADER}\" but the probe "
                      "did not compile, so this test proves nothing:\n${log}")
endif()

compile_probe(${REFUSED_NAME} "${REFUSED_INCLUDES}" "${REFUSED_DEFINES}" rc log)
if(rc EQUAL 0)
  message(FATAL_ERROR "layering broken: ${REFUSED_NAME} can include \"${HEADER}\"")
endif()
string(FIND "${log}" "${HEADER}: No such file or directory" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${REFUSED_NAME}: the probe failed, but not because \"${HEADER}\" "
                      "is out of reach:\n${log}")
endif()
message(STATUS "ok: ${REFUSED_NAME} cannot include \"${HEADER}\"; ${ALLOWED_NAME} can")
