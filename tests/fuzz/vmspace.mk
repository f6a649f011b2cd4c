# libFuzzer target for the address space: map/unmap/protect/remap sequences
# checked against a page-by-page model.
FUZZ_TARGETS += vmspace
vmspace_FUZZ_SRCS := tests/fuzz/vmspace_fuzz.cc libunikraft/mm/vmspace.cc
