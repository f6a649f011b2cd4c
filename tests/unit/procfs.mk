# Host unit tests for the text /proc and /sys serve: the growable text
# buffer and /proc/cpuinfo from CPUID, checked against this host's own
# /proc/cpuinfo.
UNIT_SRCS += tests/unit/text_test.cc tests/unit/cpuinfo_test.cc libunikraft/lib/text.cc \
	libunikraft/vfs/cpuinfo.cc
