#include "mm/kstack.h"

#include "arch/x86_64/mmu.h"
#include "mm/layout.h"
#include "mm/mm.h"

extern "C" char uk_boot_stack_guard[];

namespace uk::mm {

namespace {

// Free stacks, linked through their lowest word.
constinit uintptr_t g_free = 0;
constinit size_t g_slots = 0;
// The region's 512 GiB (one PML4 slot) hold this many slots.
constexpr size_t max_slots = (uintptr_t(1) << 39) / kstack_slot;

} // namespace

uintptr_t kstack_alloc() {
    if (g_free) {
        uintptr_t lo = g_free;
        g_free = *reinterpret_cast<uintptr_t*>(lo);
        return lo + kstack_size;
    }
    if (g_slots == max_slots)
        return 0;
    uintptr_t lo = kstack_base + g_slots * kstack_slot + (kstack_slot - kstack_size);
    constexpr size_t npages = kstack_size / page_size;
    void* p = alloc_pages(npages, 1, Fill::any);
    if (!p)
        return 0;
    // A stack never crosses a 2 MiB boundary (slots are aligned to their
    // size), so only the first page may need page tables: once it is
    // mapped the others cannot fail.
    for (size_t i = 0; i < npages; i++) {
        if (!arch::map_kernel_page(lo + i * page_size, virt_to_phys(p) + i * page_size)) {
            free_pages(p, npages);
            return 0;
        }
    }
    g_slots++;
    return lo + kstack_size;
}

void kstack_free(uintptr_t top) {
    uintptr_t lo = top - kstack_size;
    *reinterpret_cast<uintptr_t*>(lo) = g_free;
    g_free = lo;
}

bool in_kstack_guard(uintptr_t addr) {
    const uintptr_t boot_guard = reinterpret_cast<uintptr_t>(uk_boot_stack_guard);
    if (addr >= boot_guard && addr - boot_guard < page_size)
        return true;
    if (addr < kstack_base || addr >= kstack_base + max_slots * kstack_slot)
        return false;
    return (addr - kstack_base) % kstack_slot < kstack_slot - kstack_size;
}

} // namespace uk::mm
