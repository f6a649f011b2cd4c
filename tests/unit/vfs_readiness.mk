# Pipes, epoll and eventfd on the host, over the VFS host stand-ins
# (vfs.mk) and stand-ins for the scheduler (readiness_host.cc): the pipe ring
# checked against a plain byte queue on random operations, and epoll's
# triggers. Its own binary; tests/suites/readiness_host.sh runs it.
READINESS_TEST_SRCS := tests/unit/readiness_test.cc tests/unit/readiness_host.cc \
	libunikraft/vfs/pipe.cc libunikraft/vfs/epoll.cc libunikraft/vfs/eventfd.cc \
	libunikraft/vfs/anon.cc libunikraft/vfs/wait.cc $(VFS_HOST_SRCS)
$(BUILD)/tests/readiness_tests: $(patsubst %,$(BUILD)/host/%.o,$(READINESS_TEST_SRCS))
	@mkdir -p $(@D)
	$(HOSTCXX) -o $@ $^ -lgtest_main -lgtest -pthread
EXTRA_OUT += $(BUILD)/tests/readiness_tests
