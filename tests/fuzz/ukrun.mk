# ukrun reads its command line and the image file from outside.
FUZZ_TARGETS += ukrun_args ukrun_image
ukrun_args_FUZZ_SRCS := tests/fuzz/ukrun_args_fuzz.cc kraftld/ukrun_args.cc kraftld/ukrun_share.cc kraftld/ukrun_net.cc \
	libunikraft/boot/cmdline.cc
ukrun_image_FUZZ_SRCS := tests/fuzz/ukrun_image_fuzz.cc kraftld/ukrun_image.cc kraftld/ukrun_args.cc \
	kraftld/ukrun_share.cc kraftld/ukrun_net.cc libunikraft/boot/cmdline.cc
