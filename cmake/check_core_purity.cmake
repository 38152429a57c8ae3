# ctest script (tests/CMakeLists.txt, core.purity): the core is pure. It runs
#   grep -rnE 'getenv|ifstream|fopen|exit' src/core include/intact
# in SOURCE_DIR and fails when that prints anything (or when grep cannot run): reading the
# environment or a file, and knowing an exit status, belong to the front end (src/cli).
# The words are refused in comments too, so that the check needs no exceptions.
# Input: -DSOURCE_DIR=
cmake_minimum_required(VERSION 3.25)

find_program(GREP grep REQUIRED)
execute_process(
  COMMAND ${GREP} -rnE "getenv|ifstream|fopen|exit" src/core include/intact
  WORKING_DIRECTORY ${SOURCE_DIR}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT out STREQUAL "" OR NOT rc EQUAL 1)
  message(FATAL_ERROR "the core is not pure (grep status ${rc}):\n${out}${err}"
                      "src/core and include/intact may not read files or the environment or "
                      "know an exit status: move that to src/cli")
endif()
message(STATUS "src/core and include/intact are pure: grep found nothing")
