// The kernel's one address space: an identity map of the first 4 GiB.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

/// Turns the boot identity map into the final one: page 0 unmapped (a NULL
/// dereference faults), the image mapped with 4 KiB pages by segment (text
/// read-only and executable, rodata read-only, data writable), everything
/// else writable and, where the CPU supports it, not executable. Page-table
/// pages come from the page allocator. Returns false if that fails.
bool paging_init();

/// Page protections, as mmap's PROT_* bits.
enum Prot : int { prot_none = 0, prot_read = 1, prot_write = 2, prot_exec = 4 };

/// Sets the protection of the 4 KiB pages [va, va + npages * 4096), all
/// below 4 GiB, splitting 2 MiB mappings as needed. Writable and executable
/// at once is refused (W^X): returns false then, or when a page table
/// cannot be allocated, having changed nothing in the latter case for the
/// page that failed.
bool protect(uintptr_t va, size_t npages, int prot);

} // namespace uk::arch
