FUZZ_TARGETS += bootinfo
bootinfo_FUZZ_SRCS := tests/fuzz/bootinfo_fuzz.cc libunikraft/boot/bootinfo.cc
