// The kernel's one address space: an identity map of the first 4 GiB.
#pragma once

#include <stdint.h>

namespace uk::arch {

/// Turns the boot identity map into the final one: page 0 unmapped (a NULL
/// dereference faults), the image mapped with 4 KiB pages by segment (text
/// read-only and executable, rodata read-only, data writable), everything
/// else writable and, where the CPU supports it, not executable. Page-table
/// pages come from the page allocator. Returns false if that fails.
bool paging_init();

} // namespace uk::arch
