UNIT_SRCS += tests/unit/sched_wait_test.cc libunikraft/sched/wait.cc tests/unit/format_test.cc libunikraft/lib/format.cc tests/unit/bootinfo_test.cc libunikraft/boot/bootinfo.cc
