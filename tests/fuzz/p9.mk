# libFuzzer target for the 9P reply decoder: replies come from the host's
# 9P server, outside the VM.
FUZZ_TARGETS += p9_reply
p9_reply_FUZZ_SRCS := tests/fuzz/p9_reply_fuzz.cc libunikraft/vfs/p9_proto.cc
