# What `cmake --install` puts where, and the Debian package CPack makes of it (docs/install.md).
# tests/install/run.sh installs both into scratch folders and runs what they installed.
include(GNUInstallDirs)

# The man page carries the project's version and is installed gzip'd, as Debian wants it
# (gzip -n: no name or time stamp, so the same page gives the same bytes).
set(SYNCDEPLOY_MAN_PAGE ${CMAKE_BINARY_DIR}/man/syncdeploy.1)
configure_file(${CMAKE_SOURCE_DIR}/man/syncdeploy.1.in ${SYNCDEPLOY_MAN_PAGE} @ONLY)
find_program(GZIP_PROGRAM gzip REQUIRED)
add_custom_command(OUTPUT ${SYNCDEPLOY_MAN_PAGE}.gz
  COMMAND ${GZIP_PROGRAM} -9 -n -f -k ${SYNCDEPLOY_MAN_PAGE}
  DEPENDS ${SYNCDEPLOY_MAN_PAGE}
  COMMENT "Compressing the man page")
add_custom_target(syncdeploy_man ALL DEPENDS ${SYNCDEPLOY_MAN_PAGE}.gz)
# Building the tool alone (ninja syncdeploy) must leave everything `cmake --install` takes.
add_dependencies(syncdeploy syncdeploy_man)

install(TARGETS syncdeploy RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${SYNCDEPLOY_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The schemas for editors and CI (the binary has its own copy of the spec's compiled in). The
# examples go beside them, not under share/doc, so that an example's relative `../schema/...`
# path resolves installed as it does in the source tree.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schema/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/syncdeploy/schema FILES_MATCHING PATTERN "*.json")
# USE_SOURCE_PERMISSIONS: the CI scripts stay executable.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/syncdeploy/examples USE_SOURCE_PERMISSIONS)
# Where bash-completion and Debian's zsh look for completions of their own accord.
install(FILES ${CMAKE_SOURCE_DIR}/completions/syncdeploy.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME syncdeploy)
install(FILES ${CMAKE_SOURCE_DIR}/completions/_syncdeploy
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

# The Debian package: cpack -G DEB in the build folder writes syncdeploy_<version>_<arch>.deb.
set(SYNCDEPLOY_PACKAGE_MAINTAINER "syncdeploy maintainers <syncdeploy@example.invalid>"
  CACHE STRING "Maintainer field of the Debian package (Name <email>)")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME syncdeploy)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SYNCDEPLOY_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "NexJ CRM and Microsoft Exchange synchronization setup as code")
# CPack puts the summary first, as the Description line, and this under it.
set(CPACK_PACKAGE_DESCRIPTION "syncdeploy keeps the setup of NexJ CRM to Microsoft Exchange
synchronization in one YAML spec: the Exchange service account,
impersonation and throttling, the NexJ channels, targets and options,
and every user's folder links. It validates the spec, plans the changes
for review, applies them idempotently and reports drift.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the binary links (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Debian ships stripped binaries; the debug information stays in the build folder.
set(CPACK_STRIP_FILES ON)
include(CPack)
