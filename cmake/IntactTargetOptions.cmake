# Warnings, -Werror and sanitizers, per target: a project that embeds intact with
# add_subdirectory() gets none of them on its own targets.
include_guard(GLOBAL)

set(INTACT_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
# g++ 12 at -O3 warns -Wrestrict inside std::string's operator+ (GCC bug 105651, a false
# positive in the library's own code); it would drown real warnings in Release builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND INTACT_WARNING_FLAGS -Wno-restrict)
endif()
set(INTACT_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=undefined)

function(intact_target_options tgt)
  get_target_property(type ${tgt} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
    return()
  endif()
  target_compile_options(${tgt} PRIVATE ${INTACT_WARNING_FLAGS})
  if(INTACT_WERROR)
    target_compile_options(${tgt} PRIVATE -Werror)
  endif()
  if(INTACT_SANITIZE)
    target_compile_options(${tgt} PRIVATE ${INTACT_SANITIZER_FLAGS})
    if(NOT type STREQUAL "STATIC_LIBRARY" AND NOT type STREQUAL "OBJECT_LIBRARY")
      target_link_options(${tgt} PRIVATE -fsanitize=address,undefined)
    endif()
  endif()
endfunction()

# Every target a directory (tests/, fuzz/, bench/) defined: their CMakeLists stay free of flags.
function(intact_target_options_in_directory dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(tgt IN LISTS targets)
    intact_target_options(${tgt})
  endforeach()
endfunction()
