# The layers of intact as CMake targets (docs/install.md, "Targets and layers").
#
# Sources keep including "net/connection.hpp", "chat/room.hpp" and so on, but no
# target has src/ on its include path. Each layer gets its own include root in
# the build tree, ${CMAKE_BINARY_DIR}/layers/<layer>, holding one symbolic link,
# <layer> -> src/<layer>; a target sees the roots of the layers it links and no
# others, so a wrong-way include is a compile error ("No such file").
include_guard(GLOBAL)

# Creates layers/<layer>/<layer> -> src/<layer> and returns the root in out_var.
function(intact_layer_include_root layer out_var)
  set(root ${CMAKE_BINARY_DIR}/layers/${layer})
  file(MAKE_DIRECTORY ${root})
  if(NOT IS_SYMLINK ${root}/${layer})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${layer} ${root}/${layer} SYMBOLIC)
  endif()
  set(${out_var} ${root} PARENT_SCOPE)
endfunction()

# intact_add_layer(<layer> [LINK <targets>...]): src/<layer>/*.cpp as the static
# library intact_<layer> (alias intact::<layer>), its headers as "<layer>/x.hpp"
# to itself and to whatever links it. Does nothing when src/<layer> has no sources.
function(intact_add_layer layer)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "LINK")
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${layer}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_library(intact_${layer} STATIC ${sources})
  add_library(intact::${layer} ALIAS intact_${layer})
  intact_layer_include_root(${layer} root)
  target_include_directories(intact_${layer} PUBLIC $<BUILD_INTERFACE:${root}>)
  target_link_libraries(intact_${layer} PUBLIC ${arg_LINK})
  intact_target_options(intact_${layer})
endfunction()
