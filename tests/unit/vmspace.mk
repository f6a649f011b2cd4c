# Host unit tests for the app's address space (mm/vmspace), compiled from the
# same source as the kernel.
UNIT_SRCS += tests/unit/vmspace_test.cc libunikraft/mm/vmspace.cc
