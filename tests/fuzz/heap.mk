# libFuzzer target for the kernel heap: alloc/free sequences checked with check().
FUZZ_TARGETS += heap
heap_FUZZ_SRCS := tests/fuzz/heap_fuzz.cc libunikraft/mm/heap.cc
