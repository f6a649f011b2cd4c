// Physical memory for the rest of the kernel: whole pages, reached through
// the direct map (mm/layout.h). The app's memory is made of these pages too,
// mapped by mm/uvm.h; this file never maps anything itself.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/layout.h"

namespace uk::mm {

struct MemRegion {
    uint64_t base;
    uint64_t len;
};

/// Takes the usable RAM regions from the boot loader and hands every page
/// not holding the kernel image, page 0 or one of the `nreserved` ranges in
/// `reserved` (what the boot loader loaded there: the initrd) to the page
/// allocator. Returns false when there is not even room for the allocator's
/// own bitmap.
bool init(const MemRegion* usable, size_t n, const MemRegion* reserved = nullptr,
          size_t nreserved = 0);

enum class Fill { zero, any };

/// Allocates `npages` contiguous pages, zeroed unless `fill` is Fill::any
/// (for memory the caller overwrites or never reads before writing, such as
/// a stack). Returns their direct-map address, or nullptr when memory is
/// exhausted.
void* alloc_pages(size_t npages, size_t align_pages = 1, Fill fill = Fill::zero);

/// Returns pages obtained from alloc_pages (by their direct-map address).
void free_pages(void* p, size_t npages);

/// Returns the physical page at `pa` (allocated, or reserved at boot like
/// the app's image) to the allocator.
void free_phys_page(uint64_t pa);

size_t free_page_count();
/// Returns the number of pages that were in use when init() returned (the
/// image, the allocator's bitmap, what the boot loader loaded).
size_t boot_used_pages();
size_t total_page_count();

} // namespace uk::mm
