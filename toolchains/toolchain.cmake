# CMake toolchain file for libunikraft: the host's compilers build the
# objects, kraftld links every executable into a bootable image.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=<prefix>/lib/cmake/unikraft/toolchain.cmake -B b
#   cmake --build b
#   <prefix>/bin/ukrun b/app
#
# The compilers are gcc and g++ unless CC/CXX or -DCMAKE_<LANG>_COMPILER say
# otherwise. Everything else is found relative to this file, so the build
# tree and any installed copy work as they are.

# Images are not host programs: naming the system makes CMake treat the
# build as a cross build (no running of test programs on the host). The
# system is Linux because the app sees a static Linux x86_64 process.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

get_filename_component(UNIKRAFT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(UNIKRAFT_KRAFTLD "${UNIKRAFT_PREFIX}/bin/kraftld")
set(UNIKRAFT_UKRUN "${UNIKRAFT_PREFIX}/bin/ukrun")
if(NOT EXISTS "${UNIKRAFT_KRAFTLD}")
  message(FATAL_ERROR "libunikraft: ${UNIKRAFT_KRAFTLD} is missing; this toolchain file belongs "
                      "in <prefix>/lib/cmake/unikraft/ of a libunikraft build or install")
endif()

if(NOT DEFINED CMAKE_C_COMPILER AND NOT DEFINED ENV{CC})
  set(CMAKE_C_COMPILER gcc)
endif()
if(NOT DEFINED CMAKE_CXX_COMPILER AND NOT DEFINED ENV{CXX})
  set(CMAKE_CXX_COMPILER g++)
endif()

# kraftld takes a compiler driver's link line, ignoring the compile flags in
# it, so it replaces the driver in the link rules. CMake's own compiler
# checks link through these rules too, and so test that kraftld works.
foreach(lang C CXX)
  set(CMAKE_${lang}_LINK_EXECUTABLE
      "\"${UNIKRAFT_KRAFTLD}\" <FLAGS> <CMAKE_${lang}_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
endforeach()

# Libraries follow kraftld's search: the image's own directory first (its
# libm.a, libpthread.a, ... are what find_library(m) must find), then the
# host's Debian multiarch and standard directories, static archives only.
# CMake derives the library architecture from the compiler's link line,
# which kraftld does not give it, so it is named here; with it find_library
# and find_package search /usr/lib/x86_64-linux-gnu (libz.a from zlib1g-dev).
set(CMAKE_LIBRARY_ARCHITECTURE x86_64-linux-gnu)
set(UNIKRAFT_LIBRARY_DIR "${UNIKRAFT_PREFIX}/lib/unikraft")
if(NOT UNIKRAFT_LIBRARY_DIR IN_LIST CMAKE_LIBRARY_PATH)
  list(PREPEND CMAKE_LIBRARY_PATH "${UNIKRAFT_LIBRARY_DIR}")
endif()
# The platform files reset the library suffixes (.so first) and the
# compiler checks the implicit link directories after this file is read;
# the rules-override file runs after both. A project's own override still
# runs, from ours.
if(CMAKE_USER_MAKE_RULES_OVERRIDE AND
   NOT CMAKE_USER_MAKE_RULES_OVERRIDE STREQUAL "${CMAKE_CURRENT_LIST_DIR}/unikraft-rules.cmake")
  set(UNIKRAFT_USER_MAKE_RULES_OVERRIDE "${CMAKE_USER_MAKE_RULES_OVERRIDE}")
endif()
set(CMAKE_USER_MAKE_RULES_OVERRIDE "${CMAKE_CURRENT_LIST_DIR}/unikraft-rules.cmake")

# try_run, add_test and ctest boot the images.
set(CMAKE_CROSSCOMPILING_EMULATOR "${UNIKRAFT_UKRUN}")
