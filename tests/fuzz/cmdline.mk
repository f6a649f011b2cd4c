# libFuzzer target for the kernel command-line parser (outside input).
FUZZ_TARGETS += cmdline
cmdline_FUZZ_SRCS := tests/fuzz/cmdline_fuzz.cc libunikraft/boot/cmdline.cc
