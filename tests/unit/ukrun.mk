# ukrun's pure logic: option parsing, kernel command-line quoting, exit
# reports, QEMU command lines, the KVM probe cache format, and that the
# kernel's own command-line parser reads back what ukrun writes.
UNIT_SRCS += tests/unit/ukrun_args_test.cc tests/unit/ukrun_outcome_test.cc \
	tests/unit/ukrun_qemu_test.cc tests/unit/ukrun_kernel_cmdline_test.cc tests/unit/ukrun_image_test.cc \
	kraftld/ukrun_args.cc kraftld/ukrun_outcome.cc kraftld/ukrun_image.cc kraftld/qemu_cmdline.cc \
	kraftld/kvm_probe_cache.cc libunikraft/boot/cmdline.cc
# The console's input framing, ukrun's encoder against the kernel's decoder.
UNIT_SRCS += tests/unit/console_input_test.cc kraftld/console_relay.cc \
	libunikraft/drivers/console_input.cc
