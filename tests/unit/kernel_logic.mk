# Host unit tests for the kernel's pure logic: the page allocator, the heap,
# the command-line parser and the fw_cfg directory entries, compiled from the
# same sources as the kernel.
UNIT_SRCS += tests/unit/page_alloc_test.cc tests/unit/heap_test.cc tests/unit/cmdline_test.cc \
	tests/unit/fw_cfg_test.cc \
	libunikraft/mm/page_alloc.cc libunikraft/mm/heap.cc libunikraft/boot/cmdline.cc
# The split virtqueue's ring arithmetic (drivers/virtqueue.h).
UNIT_SRCS += tests/unit/virtqueue_test.cc libunikraft/drivers/virtqueue.cc
# The clock's fixed-point tick and nanosecond conversions (lib/scale.h).
UNIT_SRCS += tests/unit/scale_test.cc
