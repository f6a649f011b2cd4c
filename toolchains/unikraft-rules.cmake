# Rules override for libunikraft's toolchain file (CMAKE_USER_MAKE_RULES_OVERRIDE):
# read after CMake's platform files and its compiler checks, so what is set
# here is not reset by them.

# An image links static archives only: find_library and find_package never
# return a shared object, which kraftld would refuse.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(CMAKE_FIND_LIBRARY_PREFIXES lib)

# The directories kraftld searches by itself: the image's own, then the
# host's multiarch and standard ones (`ld --verbose | grep SEARCH_DIR`).
# CMake then links a library found there by name or path without adding -L
# or an rpath for it.
foreach(lang C CXX)
  set(CMAKE_${lang}_IMPLICIT_LINK_DIRECTORIES
      "${UNIKRAFT_LIBRARY_DIR}"
      /usr/local/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu
      /usr/local/lib /lib /usr/lib)
endforeach()

if(UNIKRAFT_USER_MAKE_RULES_OVERRIDE)
  include("${UNIKRAFT_USER_MAKE_RULES_OVERRIDE}")
endif()
