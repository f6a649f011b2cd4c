# libFuzzer target for the guest's decoder of ukrun's console framing
# (input from outside the VM).
FUZZ_TARGETS += console_input
console_input_FUZZ_SRCS := tests/fuzz/console_input_fuzz.cc libunikraft/drivers/console_input.cc
