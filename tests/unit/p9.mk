# The 9P2000.L message encoder and reply decoder, tested on the host from the
# kernel's own source.
UNIT_SRCS += tests/unit/p9_proto_test.cc libunikraft/vfs/p9_proto.cc
