# The VFS core (path lookup, mounts, the fd table, ramfs) on the host over
# stand-in kernel services: its own binary, since it defines the kernel
# functions the VFS calls. tests/suites/vfs_host.sh runs it.
VFS_HOST_SRCS := tests/unit/vfs_host.cc libunikraft/vfs/vfs.cc libunikraft/vfs/path.cc \
	libunikraft/vfs/fd.cc libunikraft/vfs/ramfs.cc libunikraft/boot/cmdline.cc
VFS_TEST_SRCS := tests/unit/vfs_path_test.cc $(VFS_HOST_SRCS)
$(BUILD)/tests/vfs_tests: $(patsubst %,$(BUILD)/host/%.o,$(VFS_TEST_SRCS))
	@mkdir -p $(@D)
	$(HOSTCXX) -o $@ $^ -lgtest_main -lgtest -pthread
EXTRA_OUT += $(BUILD)/tests/vfs_tests
# libFuzzer target: random trees, links and lookups (paths come from apps).
FUZZ_TARGETS += vfs_path
vfs_path_FUZZ_SRCS := tests/fuzz/vfs_path_fuzz.cc $(VFS_HOST_SRCS)
