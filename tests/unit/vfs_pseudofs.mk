# The table-driven file systems behind /proc and /sys on the host, over the
# VFS core's stand-in kernel services (tests/unit/vfs.mk's VFS_HOST_SRCS):
# its own binary, run by tests/suites/pseudofs_host.sh.
PSEUDOFS_TEST_SRCS := tests/unit/pseudofs_test.cc libunikraft/vfs/pseudofs.cc \
	libunikraft/lib/text.cc libunikraft/lib/format.cc $(VFS_HOST_SRCS)
$(BUILD)/tests/pseudofs_tests: $(patsubst %,$(BUILD)/host/%.o,$(PSEUDOFS_TEST_SRCS))
	@mkdir -p $(@D)
	$(HOSTCXX) -o $@ $^ -lgtest_main -lgtest -pthread
EXTRA_OUT += $(BUILD)/tests/pseudofs_tests
