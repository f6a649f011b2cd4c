#include "mm/uvm.h"

#include <new>

#include <uk/console.h>

#include "arch/x86_64/mmu.h"
#include "boot/exit.h"
#include "lib/errno.h"
#include "mm/image.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/user.h"
#include "vfs/vfs.h"

namespace uk::mm::uvm {

namespace {

// Built in place at boot and never destroyed (the kernel has no static
// destructors).
alignas(AddressSpace) constinit unsigned char g_space_storage[sizeof(AddressSpace)]{};
AddressSpace& g_space = *reinterpret_cast<AddressSpace*>(g_space_storage);
constinit StackRange g_stack{};
// Pages demand faults leave to the kernel (page tables, thread structures,
// kernel stacks), so that running out of memory ends in a clear report
// rather than somewhere inside a system call.
constexpr size_t kernel_reserve_pages = 64;

// Zero-copy transfers in flight, and the app pages unmapped meanwhile (an
// array apart from the pages: the device may be writing into them). When
// the array cannot grow, the page is never freed: a lost page is harmless,
// one reused under a device's writes is not.
constinit size_t g_dma_holds = 0;
constinit uint64_t* g_dma_deferred = nullptr;
constinit size_t g_dma_ndeferred = 0;
constinit size_t g_dma_cap = 0;

void defer_page(uint64_t pa) {
    if (g_dma_ndeferred == g_dma_cap) {
        size_t cap = g_dma_cap ? 2 * g_dma_cap : 256;
        auto* grown = static_cast<uint64_t*>(kheap_alloc(cap * sizeof(uint64_t), 8));
        if (!grown)
            return;
        if (g_dma_ndeferred)
            __builtin_memcpy(grown, g_dma_deferred, g_dma_ndeferred * sizeof(uint64_t));
        kheap_free(g_dma_deferred);
        g_dma_deferred = grown;
        g_dma_cap = cap;
    }
    g_dma_deferred[g_dma_ndeferred++] = pa;
}

void release_page(uint64_t pa, void*) {
    if (g_dma_holds)
        defer_page(pa);
    else
        free_phys_page(pa);
}

void ops_unmap(void*, uintptr_t lo, uintptr_t hi) {
    arch::unmap_user(lo, hi, release_page, nullptr);
}

void ops_protect(void*, uintptr_t lo, uintptr_t hi, uint8_t prot) {
    arch::protect_user(lo, hi, prot);
}

bool ops_move(void*, uintptr_t from, uintptr_t to, size_t len) {
    return arch::move_user(from, to, len);
}

// The range array starts in a static block big enough for the ranges of a
// fresh app (the heap is not touched on the boot path, where its code's
// first run costs more than the rest); it moves to the kernel heap when it
// outgrows it.
constexpr size_t boot_ranges = 16;
alignas(Vma) constinit unsigned char g_boot_ranges[boot_ranges * sizeof(Vma)]{};
constinit bool g_boot_ranges_used = false;

// A zeroed page for the app, or no_page when only the kernel's reserve is
// left.
uint64_t zeroed_frame() {
    void* p = free_page_count() > kernel_reserve_pages ? alloc_pages(1) : nullptr;
    return p ? virt_to_phys(p) : arch::no_page;
}

void* vm_alloc(void*, size_t bytes) {
    if (!g_boot_ranges_used && bytes <= sizeof(g_boot_ranges)) {
        g_boot_ranges_used = true;
        return g_boot_ranges;
    }
    return kheap_alloc(bytes, alignof(Vma));
}

void vm_free(void*, void* p, size_t) {
    if (p == g_boot_ranges)
        g_boot_ranges_used = false;
    else
        kheap_free(p);
}

// The files ranges map: each keeps a reference (taken by mmap) until no
// range names it.
struct MappedFile {
    vfs::File* file;
    MappedFile* next;
};
constinit MappedFile* g_files = nullptr;

// A fault in a range of a file whose node maps its pages (ramfs).
Fault file_fault(const Vma* v, uintptr_t addr, bool write) {
    auto* f = reinterpret_cast<vfs::File*>(v->file);
    vfs::Node* n = f->node;
    uintptr_t va = page_round_down(addr);
    uint64_t idx = v->pgoff + (va - v->start) / page_size;
    const bool shared = v->flags & vm_shared;
    if (idx >= (n->size + page_size - 1) / page_size)
        return Fault::sigbus;
    if (arch::user_page(va) != arch::no_page && !(write && !shared && arch::user_page_is_cow(va)))
        return arch::map_user_page(va, v->prot, zeroed_frame) == arch::Mapped::no_memory
                   ? Fault::oom
                   : Fault::resolved;
    uint64_t pa;
    long r = n->map_page(idx, shared, &pa);
    if (r)
        return r == -ENOMEM ? Fault::oom : Fault::sigbus;
    arch::FrameKind kind = shared ? arch::FrameKind::borrowed : arch::FrameKind::copy_on_write;
    if (!shared && write) {
        // A private write: the app's own copy of the page.
        uint64_t copy = zeroed_frame();
        if (copy == arch::no_page)
            return Fault::oom;
        __builtin_memcpy(phys_to_virt(copy), phys_to_virt(pa), page_size);
        pa = copy;
        kind = arch::FrameKind::owned;
    }
    if (arch::map_user_frame(va, v->prot, pa, kind) == arch::Mapped::no_memory) {
        if (kind == arch::FrameKind::owned)
            free_phys_page(pa);
        return Fault::oom;
    }
    return Fault::resolved;
}

} // namespace

bool note_file_mapped(void* file) {
    auto* f = static_cast<vfs::File*>(file);
    for (MappedFile* m = g_files; m; m = m->next)
        if (m->file == f) {
            f->put(); // one reference per file is enough
            return true;
        }
    auto* m = static_cast<MappedFile*>(kheap_alloc(sizeof(MappedFile)));
    if (!m)
        return false;
    *m = MappedFile{f, g_files};
    g_files = m;
    if (f->node)
        f->node->mmaps++;
    return true;
}

void sweep_files() {
    for (MappedFile** link = &g_files; *link;) {
        MappedFile* m = *link;
        bool used = false;
        g_space.for_each(0, user_end, [&](const Vma& v) {
            used = used || v.file == reinterpret_cast<uint64_t>(m->file);
        });
        if (used) {
            link = &m->next;
            continue;
        }
        *link = m->next;
        if (m->file->node)
            m->file->node->mmaps--;
        m->file->put();
        kheap_free(m);
    }
}

bool init(size_t stack_size) {
    stack_size = (stack_size + page_size - 1) & ~(page_size - 1);
    // Linux's layout: the stack at the top, the mmap area from below it and
    // its largest allowed size (at least 128 MiB away), growing down.
    uintptr_t gap = stack_size + AddressSpace::guard_gap;
    if (gap < (uintptr_t(128) << 20))
        gap = uintptr_t(128) << 20;
    new (g_space_storage) AddressSpace();
    g_space.init(PageTableOps{nullptr, ops_unmap, ops_protect, ops_move},
                 VmAllocator{nullptr, vm_alloc, vm_free}, mmap_min, user_end - gap);
    // The app runs as root with every capability: like such a process on
    // Linux, it may place fixed mappings below mmap_min, page 0 included.
    g_space.set_fixed_min(0);
    // The image: the kernel's parts reserved, the app's segments (already
    // in the page tables, mmu_init) as the app's first ranges. A segment may
    // be empty (no symbol table when the link made none).
    ImageSegment segments[image_segment_count];
    image_segments(segments);
    for (const ImageSegment& s : segments) {
        if (s.hi > s.lo &&
            g_space.append(s.lo, s.hi, s.prot, 0, s.app ? VmKind::image : VmKind::kernel))
            return false;
    }
    g_stack = StackRange{user_end - stack_size, user_end};
    return !g_space.append(g_stack.lo, g_stack.top, vm_read | vm_write, vm_growsdown,
                           VmKind::stack);
}

size_t resident_pages(uintptr_t lo, uintptr_t hi) {
    return arch::count_user_pages(lo, hi);
}

AddressSpace& space() {
    return g_space;
}

StackRange main_stack() {
    return g_stack;
}

uintptr_t brk_start() {
    return reinterpret_cast<uintptr_t>(__uk_image_end);
}

Fault fault(uintptr_t addr, bool write, bool exec) {
    const Vma* v = g_space.find(addr);
    if (!v) {
        // Just below a growsdown range: Linux grows it, within the stack
        // limit (the main stack's size: RLIMIT_STACK).
        const Vma* above = g_space.find_next(addr);
        if (!above || !(above->flags & vm_growsdown) || above->kind == VmKind::kernel ||
            !g_space.extend_down(addr, g_stack.top - g_stack.lo))
            return Fault::maperr;
        v = g_space.find(addr);
        if (!v)
            return Fault::maperr;
    }
    if (v->kind == VmKind::kernel)
        return Fault::maperr;
    if (!v->prot || (write && !(v->prot & vm_write)) || (exec && !(v->prot & vm_exec)))
        return Fault::accerr;
    if (v->file)
        return file_fault(v, addr, write);
    return arch::map_user_page(page_round_down(addr), v->prot, zeroed_frame) ==
                   arch::Mapped::no_memory
               ? Fault::oom
               : Fault::resolved;
}

bool populate(uintptr_t lo, uintptr_t hi) {
    for (uintptr_t va = lo; va < hi; va += page_size) {
        if (arch::user_page(va) != arch::no_page)
            continue;
        const Vma* v = g_space.find(va);
        if (!v || !v->prot)
            continue; // PROT_NONE pages are not populated, as on Linux
        if (fault(va, false, false) == Fault::oom)
            return false;
    }
    return true;
}

void unmap(uintptr_t lo, size_t len) {
    (void)g_space.unmap(lo, len);
}

void unmap_pages(uintptr_t lo, uintptr_t hi) {
    arch::unmap_user(lo, hi, release_page, nullptr);
}

uint64_t dma_page(uintptr_t va, bool device_writes) {
    uint64_t pa = arch::user_page_access(va, device_writes);
    if (pa != arch::no_page)
        return pa;
    if (!user_range_ok(va, 1) || fault(va, device_writes, false) != Fault::resolved)
        return arch::no_page;
    return arch::user_page_access(va, device_writes);
}

void dma_hold() {
    g_dma_holds++;
}

void dma_release() {
    if (--g_dma_holds)
        return;
    while (g_dma_ndeferred)
        free_phys_page(g_dma_deferred[--g_dma_ndeferred]);
}

bool in_stack_guard(uintptr_t addr) {
    return addr < g_stack.lo && g_stack.lo - addr <= AddressSpace::guard_gap;
}

void out_of_memory(uintptr_t addr) {
    uk_printk("uk: out of memory: no page for address 0x%lx (%lu of %lu pages free, %lu KiB "
              "mapped by the app)\n",
              addr, free_page_count(), total_page_count(), g_space.mapped_bytes() >> 10);
    boot::leave(boot::ExitKind::normal, 137);
}

} // namespace uk::mm::uvm
