# The initrd's newc cpio reader: host unit tests and a libFuzzer target (the
# archive comes from outside the VM).
UNIT_SRCS += tests/unit/cpio_test.cc libunikraft/vfs/cpio.cc
FUZZ_TARGETS += cpio
cpio_FUZZ_SRCS := tests/fuzz/cpio_fuzz.cc libunikraft/vfs/cpio.cc
