#include "arch/x86_64/mmu.h"

#include "arch/x86_64/cpu.h"
#include "mm/image.h"
#include "mm/layout.h"
#include "mm/mm.h"

extern "C" {
extern uint64_t uk_boot_pml4[512];
extern uint64_t uk_boot_pd[4 * 512];
extern uint32_t uk_boot_nx;
extern uint32_t uk_boot_gbpages;
extern char uk_boot_stack_guard[];
}

namespace uk::arch {

namespace {

constexpr uint64_t pte_present = 1, pte_write = 2, pte_pwt = 8, pte_pcd = 0x10, pte_large = 0x80;
// Ignored by the CPU in an entry that is not present: a prot_none page
// keeps its frame there.
constexpr uint64_t pte_protnone = uint64_t(1) << 9;
// Software bits: the frame is not the app's (a file's page: never freed on
// unmap), and it is shared copy-on-write (never writable).
constexpr uint64_t pte_borrowed = uint64_t(1) << 10, pte_cow = uint64_t(1) << 11;
constexpr uint64_t pte_soft = pte_borrowed | pte_cow;
constexpr uint64_t pte_nx = uint64_t(1) << 63;
constexpr uint64_t frame_mask = 0x000ffffffffff000ULL;
constexpr size_t nentries = 512;
constexpr uintptr_t page = 4096;
// Address bits below each level's index: PT, PD, PDPT, PML4.
constexpr unsigned level_shift[4] = {12, 21, 30, 39};
// Past this many pages one CR3 reload beats an invlpg each.
constexpr size_t max_invlpg = 32;

uint64_t* table_at(uint64_t entry) {
    return static_cast<uint64_t*>(mm::phys_to_virt(entry & frame_mask));
}

size_t index_of(uintptr_t va, int level) {
    return (va >> level_shift[level]) % nentries;
}

bool leaf_used(uint64_t e) {
    return e & (pte_present | pte_protnone);
}

uint64_t leaf_flags(uint8_t prot) {
    if (prot == prot_none)
        return pte_protnone;
    uint64_t f = pte_present;
    if (prot & prot_write)
        f |= pte_write;
    if (!(prot & prot_exec) && uk_boot_nx)
        f |= pte_nx;
    return f;
}

// The PTE for `va` under the PML4 `root`, creating the tables on the way
// when `create`; nullptr when a table is missing (or cannot be allocated).
uint64_t* pte_slot(uint64_t* root, uintptr_t va, bool create) {
    uint64_t* t = root;
    for (int level = 3; level > 0; level--) {
        uint64_t& e = t[index_of(va, level)];
        if (e & pte_large)
            return nullptr;
        if (!(e & pte_present)) {
            if (!create)
                return nullptr;
            void* fresh = mm::alloc_pages(1);
            if (!fresh)
                return nullptr;
            e = mm::virt_to_phys(fresh) | pte_present | pte_write;
        }
        t = table_at(e);
    }
    return &t[index_of(va, 0)];
}

// TLB upkeep for one operation: invlpg for the first few pages, one CR3
// reload at the end past that or when a page table was freed.
struct TlbBatch {
    size_t pages = 0;
    bool reload = false;
    void page_changed(uintptr_t va) {
        if (++pages <= max_invlpg)
            invlpg(va);
        else
            reload = true;
    }
    ~TlbBatch() {
        if (reload)
            flush_tlb();
    }
};

// Calls f(va, pte) for every used leaf in [lo, hi) under table t at
// `level`, skipping absent tables whole.
template <typename F>
void for_each_leaf(uint64_t* t, int level, uintptr_t lo, uintptr_t hi, F&& f) {
    const uintptr_t span = uintptr_t(1) << level_shift[level];
    for (uintptr_t va = lo; va < hi;) {
        uintptr_t end = (va & ~(span - 1)) + span;
        if (end > hi)
            end = hi;
        uint64_t& e = t[index_of(va, level)];
        if (level == 0) {
            if (leaf_used(e))
                f(va, e);
        } else if ((e & pte_present) && !(e & pte_large)) {
            for_each_leaf(table_at(e), level - 1, va, end, f);
        }
        va = end;
    }
}

struct Unmap {
    void (*release)(uint64_t, void*);
    void* ctx;
    TlbBatch tlb;
};

void unmap_level(uint64_t* t, int level, uintptr_t lo, uintptr_t hi, Unmap& u) {
    const uintptr_t span = uintptr_t(1) << level_shift[level];
    for (uintptr_t va = lo; va < hi;) {
        uintptr_t entry_lo = va & ~(span - 1);
        uintptr_t entry_hi = entry_lo + span;
        uintptr_t end = entry_hi < hi ? entry_hi : hi;
        uint64_t& e = t[index_of(va, level)];
        if (level == 0) {
            if (leaf_used(e)) {
                uint64_t frame = e & frame_mask;
                bool present = e & pte_present;
                bool borrowed = e & pte_borrowed;
                e = 0;
                if (present)
                    u.tlb.page_changed(va);
                if (!borrowed)
                    u.release(frame, u.ctx);
            }
        } else if ((e & pte_present) && !(e & pte_large)) {
            unmap_level(table_at(e), level - 1, va, end, u);
            if (va == entry_lo && end == entry_hi) {
                // The table served only this range: give it back.
                mm::free_pages(table_at(e), 1);
                e = 0;
                u.tlb.reload = true;
            }
        }
        va = end;
    }
}

} // namespace

bool mmu_init() {
    // The new low half is built under a PML4 entry of its own, then swapped
    // in whole: the code doing it runs from the image, which both maps hold.
    // The image lies in the first 512 GiB, so a one-entry root will do.
    uint64_t root[1] = {0};
    mm::ImageSegment segments[mm::image_segment_count];
    mm::image_segments(segments);
    for (const mm::ImageSegment& s : segments) {
        for (uintptr_t va = s.lo & ~(page - 1); va < s.hi; va += page) {
            if (va == reinterpret_cast<uintptr_t>(uk_boot_stack_guard))
                continue; // the boot stack's guard
            uint64_t* pte = pte_slot(root, va, true);
            if (!pte)
                return false;
            *pte = va | leaf_flags(s.prot); // the loader put the image at its link address
        }
    }
    uk_boot_pml4[0] = root[0];
    // The local and I/O APIC registers, in the direct map: uncached (with
    // 1 GiB pages they share the last GiB's page; emulated MMIO does not
    // care).
    if (!uk_boot_gbpages) {
        constexpr uintptr_t large = 2 * 1024 * 1024;
        uk_boot_pd[0xfec00000 / large] |= pte_pcd | pte_pwt;
        uk_boot_pd[0xfee00000 / large] |= pte_pcd | pte_pwt;
    }
    flush_tlb();
    return true;
}

Mapped map_user_page(uintptr_t va, uint8_t prot, uint64_t (*new_frame)()) {
    uint64_t* pte = pte_slot(uk_boot_pml4, va, true);
    if (!pte)
        return Mapped::no_memory;
    if (leaf_used(*pte)) {
        bool was_present = *pte & pte_present;
        *pte = (*pte & (frame_mask | pte_soft)) | leaf_flags(prot);
        if (*pte & pte_cow)
            *pte &= ~pte_write;
        if (was_present)
            invlpg(va);
        return Mapped::kept;
    }
    uint64_t pa = new_frame();
    if (pa == no_page)
        return Mapped::no_memory;
    *pte = pa | leaf_flags(prot);
    return Mapped::new_page;
}

Mapped map_user_frame(uintptr_t va, uint8_t prot, uint64_t pa, FrameKind kind) {
    uint64_t* pte = pte_slot(uk_boot_pml4, va, true);
    if (!pte)
        return Mapped::no_memory;
    uint64_t old = *pte;
    uint64_t e = pa | leaf_flags(prot);
    if (kind != FrameKind::owned)
        e |= pte_borrowed;
    if (kind == FrameKind::copy_on_write)
        e = (e | pte_cow) & ~pte_write;
    *pte = e;
    if (old & pte_present)
        invlpg(va);
    if (leaf_used(old) && !(old & pte_borrowed))
        mm::free_phys_page(old & frame_mask);
    return Mapped::new_page;
}

bool user_page_is_cow(uintptr_t va) {
    uint64_t* pte = pte_slot(uk_boot_pml4, va, false);
    return pte && leaf_used(*pte) && (*pte & pte_cow);
}

uint64_t user_page(uintptr_t va) {
    uint64_t* pte = pte_slot(uk_boot_pml4, va, false);
    return pte && leaf_used(*pte) ? *pte & frame_mask : no_page;
}

uint64_t user_page_access(uintptr_t va, bool write) {
    uint64_t* pte = pte_slot(uk_boot_pml4, va, false);
    if (!pte || !(*pte & pte_present) || (write && !(*pte & pte_write)))
        return no_page;
    return *pte & frame_mask;
}

void unmap_user(uintptr_t lo, uintptr_t hi, void (*release)(uint64_t pa, void* ctx), void* ctx) {
    Unmap u{release, ctx, {}};
    unmap_level(uk_boot_pml4, 3, lo, hi, u);
}

size_t count_user_pages(uintptr_t lo, uintptr_t hi) {
    size_t n = 0;
    for_each_leaf(uk_boot_pml4, 3, lo, hi, [&](uintptr_t, uint64_t&) { n++; });
    return n;
}

void protect_user(uintptr_t lo, uintptr_t hi, uint8_t prot) {
    TlbBatch tlb;
    const uint64_t flags = leaf_flags(prot);
    for_each_leaf(uk_boot_pml4, 3, lo, hi, [&](uintptr_t va, uint64_t& e) {
        bool was_present = e & pte_present;
        e = (e & (frame_mask | pte_soft)) | flags;
        if (e & pte_cow)
            e &= ~pte_write;
        if (was_present)
            tlb.page_changed(va);
    });
}

bool move_user(uintptr_t from, uintptr_t to, size_t len) {
    // Every destination table first, so that a failed allocation leaves
    // the source as it was.
    bool ok = true;
    for_each_leaf(uk_boot_pml4, 3, from, from + len, [&](uintptr_t va, uint64_t&) {
        ok = ok && pte_slot(uk_boot_pml4, va - from + to, true) != nullptr;
    });
    if (!ok)
        return false;
    TlbBatch tlb;
    for_each_leaf(uk_boot_pml4, 3, from, from + len, [&](uintptr_t va, uint64_t& e) {
        *pte_slot(uk_boot_pml4, va - from + to, false) = e;
        bool was_present = e & pte_present;
        e = 0;
        if (was_present)
            tlb.page_changed(va);
    });
    return true;
}

bool readable(uintptr_t va) {
    if (!canonical(va))
        return false;
    const uint64_t* t = uk_boot_pml4;
    for (int level = 3; level >= 0; level--) {
        uint64_t e = t[index_of(va, level)];
        if (!(e & pte_present))
            return false;
        if (level == 0 || (e & pte_large))
            return true;
        t = table_at(e);
    }
    return false;
}

bool map_kernel_page(uintptr_t va, uint64_t pa) {
    uint64_t* pte = pte_slot(uk_boot_pml4, va, true);
    if (!pte)
        return false;
    *pte = pa | pte_present | pte_write | (uk_boot_nx ? pte_nx : 0);
    invlpg(va);
    return true;
}

} // namespace uk::arch
