# Host unit tests for the kernel's pure logic, compiled from the same sources
# as the kernel.
UNIT_SRCS += tests/unit/page_alloc_test.cc tests/unit/cmdline_test.cc \
	libunikraft/mm/page_alloc.cc libunikraft/boot/cmdline.cc
