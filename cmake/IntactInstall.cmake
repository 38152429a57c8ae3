# What `cmake --install` and `cpack` ship (docs/install.md): the public library intact::core
# with its headers, CMake package and pkg-config files; the `intact` tool with its manual
# page and bash completion; the Wireshark dissector; the systemd unit of the room server.
# The other layers are internal static libraries linked into the tool, never installed.
include(CMakePackageConfigHelpers)

set(INTACT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/intact CACHE STRING
    "Where intact-config.cmake is installed, relative to the prefix")
# Where Debian's Wireshark looks for global Lua plugins (tshark -G folders).
set(INTACT_WIRESHARK_PLUGIN_DIR ${CMAKE_INSTALL_LIBDIR}/wireshark/plugins CACHE STRING
    "Where the Wireshark dissector intact.lua is installed, relative to the prefix")
set(INTACT_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING
    "Where the systemd unit intact-server.service is installed, relative to the prefix")

install(TARGETS intact_core EXPORT intactTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/intact DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${CMAKE_BINARY_DIR}/generated/include/intact/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/intact)

install(EXPORT intactTargets NAMESPACE intact:: FILE intact-targets.cmake
        DESTINATION ${INTACT_CMAKE_DIR})
configure_package_config_file(cmake/intact-config.cmake.in
  ${CMAKE_BINARY_DIR}/intact-config.cmake INSTALL_DESTINATION ${INTACT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/intact-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/intact-config.cmake ${CMAKE_BINARY_DIR}/intact-config-version.cmake
        DESTINATION ${INTACT_CMAKE_DIR})

# pkg-config: paths relative to the .pc file, so `cmake --install --prefix` anywhere works.
file(RELATIVE_PATH INTACT_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" INTACT_PC_TO_PREFIX "${INTACT_PC_TO_PREFIX}")
configure_file(cmake/intact.pc.in ${CMAKE_BINARY_DIR}/intact.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/intact.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS intact RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${INTACT_MANPAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${INTACT_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES contrib/wireshark/intact.lua DESTINATION ${INTACT_WIRESHARK_PLUGIN_DIR})
configure_file(packaging/intact-server.service.in ${CMAKE_BINARY_DIR}/intact-server.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/intact-server.service DESTINATION ${INTACT_SYSTEMD_UNIT_DIR})
install(FILES packaging/README.server DESTINATION ${CMAKE_INSTALL_DOCDIR})

# `make package`: one Debian package, intact, from a build configured with
# CMAKE_INSTALL_PREFIX=/usr (so the library lands in the multiarch directory).
if(PROJECT_IS_TOP_LEVEL)
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGE_NAME intact)
  set(CPACK_PACKAGE_VENDOR "intact")
  set(CPACK_PACKAGE_CONTACT "intact maintainers <intact@example.org>")
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HMAC-authenticated messaging over TCP (chat, netcat, tamper proxy)")
  set(CPACK_PACKAGE_DESCRIPTION
      "Every message carries an HMAC-SHA256 tag under a pre-shared key, so the receiver knows whether it arrived exactly as sent. Speaks the lab's format (message|HMAC) and protocol v1, which also catches replay, reordering, deletion, reflection and truncation. Ships the intact tool, the intact::core library and headers, a Wireshark dissector and a systemd unit for the room server.")
  set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "tshark")
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${PROJECT_HOMEPAGE_URL})
  set(CPACK_STRIP_FILES ON)
  include(CPack)
endif()
