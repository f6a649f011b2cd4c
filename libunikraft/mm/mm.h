// Physical memory for the rest of the kernel: whole pages and the mmap
// regions of the app. Memory is identity mapped, so addresses are physical.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::mm {

struct MemRegion {
    uint64_t base;
    uint64_t len;
};

/// Takes the usable RAM regions from the boot loader and hands every page
/// not holding the kernel image (nor page 0) to the page allocator. Returns
/// false when there is not even room for the allocator's own bitmap.
bool init(const MemRegion* usable, size_t n);

enum class Fill { zero, any };

/// Allocates `npages` contiguous pages, zeroed unless `fill` is Fill::any
/// (for memory the caller overwrites or never reads before writing, such as
/// a stack). Returns nullptr when memory is exhausted.
void* alloc_pages(size_t npages, size_t align_pages = 1, Fill fill = Fill::zero);

/// Zeroes whole pages faster than a byte-wise memset does under emulation.
void zero_pages(void* p, size_t npages);
/// Claims the specific pages [addr, addr + npages * 4096) if every one of
/// them is free, zeroing them; returns false (claiming nothing) otherwise.
bool claim_pages(uintptr_t addr, size_t npages);

/// Takes `npages` at the top of RAM, where nothing is allocated at boot, if
/// they are free (not zeroed); returns nullptr otherwise. Cheaper than
/// alloc_pages' search, for the boot path.
void* take_top_pages(size_t npages);

/// Returns pages obtained from alloc_pages.
void free_pages(void* p, size_t npages);

/// Marks pages handed to the app by mmap, so munmap frees only those.
void mark_mapped(uintptr_t addr, size_t npages, bool mapped);
/// True when every page of the range was handed out by mmap.
bool is_mapped(uintptr_t addr, size_t npages);

/// Returns the physical address of the kernel address p, for a device that
/// reads or writes memory itself (DMA). Every such conversion goes through
/// here; today memory is identity mapped, so it is the address itself.
inline uint64_t virt_to_phys(const volatile void* p) {
    return reinterpret_cast<uintptr_t>(p);
}

/// End of the highest usable RAM region.
uint64_t ram_end();
size_t free_page_count();
size_t total_page_count();

} // namespace uk::mm
