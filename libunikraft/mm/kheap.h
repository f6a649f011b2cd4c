// The kernel heap: small kernel objects (threads, their FPU areas), grown
// a few pages at a time from the page allocator.
#pragma once

#include <stddef.h>

namespace uk {

/// Allocates `size` bytes aligned to `align` (a power of two up to 4096).
/// Returns nullptr when memory is exhausted.
void* kheap_alloc(size_t size, size_t align = 16);
/// Frees a block from kheap_alloc; nullptr is a no-op.
void kheap_free(void* p);

/// Returns the bytes held by live kernel-heap blocks, headers included.
size_t kheap_used_bytes();

/// Returns the bytes of pages the kernel heap took from the page allocator.
size_t kheap_total_bytes();

/// Returns true while the kernel heap is taking pages for itself (which are
/// not in use until it hands them out).
bool kheap_growing();

} // namespace uk
