# The initrd's newc cpio reader: host unit tests and a libFuzzer target (the
# archive comes from outside the VM).
UNIT_SRCS += tests/unit/cpio_test.cc libunikraft/vfs/cpio.cc
FUZZ_TARGETS += cpio
cpio_FUZZ_SRCS := tests/fuzz/cpio_fuzz.cc libunikraft/vfs/cpio.cc
# vfs::initrd::populate against a file system of the test's own: a binary
# apart from unit_tests, since it defines Node's base operations, which the
# VFS core defines in the kernel. tests/suites/initrd.sh runs it.
INITRD_TEST_SRCS := tests/unit/initrd_populate_test.cc libunikraft/vfs/initrd.cc \
	libunikraft/vfs/cpio.cc
$(BUILD)/tests/initrd_tests: $(patsubst %,$(BUILD)/host/%.o,$(INITRD_TEST_SRCS))
	@mkdir -p $(@D)
	$(HOSTCXX) -o $@ $^ -lgtest_main -lgtest -pthread
EXTRA_OUT += $(BUILD)/tests/initrd_tests
