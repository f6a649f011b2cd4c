# ukrun --initrd: option, QEMU argv, fit check and the directory packer,
# whose archives are read back with the kernel's cpio reader.
UNIT_SRCS += tests/unit/ukrun_initrd_test.cc kraftld/ukrun_initrd.cc kraftld/ukrun_args.cc \
	kraftld/ukrun_image.cc kraftld/qemu_cmdline.cc libunikraft/vfs/cpio.cc
