#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"
#include "mm/mm.h"

extern "C" {
extern uint64_t uk_boot_pml4[512];
extern uint64_t uk_boot_pdpt[512];
extern uint64_t uk_boot_pd[4 * 512];
extern uint32_t uk_boot_nx;
extern uint32_t uk_boot_gbpages;
extern char __uk_image_start[], __uk_text_end[], __uk_rodata_start[], __uk_data_start[],
    __uk_image_end[];
}

namespace uk::arch {

namespace {

alignas(4096) constinit uint64_t g_low_pt[512]{};

constexpr uint64_t pte_present = 1, pte_write = 2, pte_pwt = 8, pte_pcd = 0x10, pte_large = 0x80;
constexpr uint64_t pte_nx = uint64_t(1) << 63;
constexpr uint64_t page = 4096, large = 2 * 1024 * 1024, huge = 1024 * 1024 * 1024;

uintptr_t addr(const char* s) {
    return reinterpret_cast<uintptr_t>(s);
}

} // namespace

bool paging_init() {
    const uint64_t nx = uk_boot_nx ? pte_nx : 0;
    const uintptr_t text_lo = addr(__uk_image_start) & ~(page - 1);
    const uintptr_t text_hi = addr(__uk_rodata_start);
    const uintptr_t ro_hi = addr(__uk_data_start);
    const uintptr_t img_hi = (addr(__uk_image_end) + page - 1) & ~(page - 1);

    // entry.S mapped everything with big pages; the 2 MiB pages holding the
    // image (the first one at least, with page 0) get 4 KiB pages.
    for (uintptr_t big = 0; big < img_hi; big += large) {
        uint64_t& pde = uk_boot_pd[big / large];
        // The first 2 MiB (page 0 and, usually, the whole image) use a
        // static table: no allocation on the boot path.
        auto* pt =
            big == 0 ? g_low_pt : static_cast<uint64_t*>(mm::alloc_pages(1, 1, mm::Fill::any));
        if (!pt)
            return false;
        for (uintptr_t i = 0; i < 512; i++) {
            uintptr_t va = big + i * page;
            uint64_t flags;
            if (va == 0)
                flags = 0;
            else if (va >= text_lo && va < text_hi)
                flags = pte_present;
            else if (va >= text_hi && va < ro_hi)
                flags = pte_present | nx;
            else
                flags = pte_present | pte_write | nx;
            pt[i] = flags ? (va | flags) : 0;
        }
        pde = reinterpret_cast<uintptr_t>(pt) | pte_present | pte_write;
    }
    // The local and I/O APIC registers: uncached (with 1 GiB pages they
    // share the last GiB's page; emulated MMIO does not care).
    if (!uk_boot_gbpages) {
        uk_boot_pd[0xfec00000 / large] |= pte_pcd | pte_pwt;
        uk_boot_pd[0xfee00000 / large] |= pte_pcd | pte_pwt;
    }
    write_cr3(read_cr3());
    return true;
}

bool protect(uintptr_t va, size_t npages, int prot) {
    if ((prot & prot_write) && (prot & prot_exec))
        return false;
    const uint64_t nx = uk_boot_nx ? pte_nx : 0;
    uint64_t flags = 0;
    if (prot != prot_none)
        flags = pte_present | ((prot & prot_write) ? pte_write : 0) | ((prot & prot_exec) ? 0 : nx);
    for (size_t i = 0; i < npages; i++) {
        uintptr_t p = va + i * page;
        if (p >= 4 * 512 * large)
            return false;
        uint64_t& pdpte = uk_boot_pdpt[p / huge];
        if (pdpte & pte_large) {
            // A 1 GiB page: its page directory (reserved in entry.S) gets 2
            // MiB pages with the same attributes.
            uint64_t* pd = &uk_boot_pd[(p / huge) * 512];
            uint64_t keep = pdpte & (pte_present | pte_write | pte_nx | pte_pcd | pte_pwt);
            uintptr_t base = p & ~(huge - 1);
            for (uintptr_t j = 0; j < 512; j++)
                pd[j] = (base + j * large) | keep | pte_large;
            pdpte = reinterpret_cast<uintptr_t>(pd) | pte_present | pte_write;
            write_cr3(read_cr3());
        }
        uint64_t& pde = uk_boot_pd[p / large];
        if (pde & pte_large) {
            constexpr uint64_t mask = pte_present | pte_write | pte_nx;
            if (flags && (pde & mask) == (flags & mask))
                continue; // the 2 MiB page already has this protection
            auto* pt = static_cast<uint64_t*>(mm::alloc_pages(1, 1, mm::Fill::any));
            if (!pt)
                return false;
            uint64_t keep = pde & (pte_present | pte_write | pte_nx | pte_pcd | pte_pwt);
            uintptr_t base = p & ~(large - 1);
            for (uintptr_t j = 0; j < 512; j++)
                pt[j] = (base + j * page) | keep;
            pde = reinterpret_cast<uintptr_t>(pt) | pte_present | pte_write;
            write_cr3(read_cr3());
        }
        auto* pt = reinterpret_cast<uint64_t*>(pde & 0x000ffffffffff000ULL);
        uint64_t& pte = pt[(p / page) % 512];
        uint64_t cache = pte & (pte_pcd | pte_pwt);
        pte = flags ? (p | flags | cache) : 0;
        invlpg(p);
    }
    return true;
}

} // namespace uk::arch
