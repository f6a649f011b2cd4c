// Anonymous memory for the app: mmap hands out pages from the page
// allocator (memory is identity mapped, so a mapping is its pages), and
// mprotect changes their page-table entries. Writable-and-executable is
// refused (W^X); out of memory is ENOMEM.
#include "posix/mem.h"

#include "arch/x86_64/paging.h"
#include "mm/mm.h"
#include "posix/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

extern "C" {
extern char __uk_image_start[];
extern char __uk_image_end[];
}

namespace uk::posix {

namespace {

constexpr uint64_t page = 4096;
constexpr long map_shared = 0x01, map_private = 0x02, map_fixed = 0x10, map_anonymous = 0x20,
               map_fixed_noreplace = 0x100000;
constexpr long mremap_maymove = 1, mremap_fixed = 2;
constexpr long prot_mask = arch::prot_read | arch::prot_write | arch::prot_exec;
constexpr int prot_default = arch::prot_read | arch::prot_write;

uint64_t pages_of(uint64_t len) {
    return (len + page - 1) / page;
}

bool in_image(uintptr_t addr, uint64_t n) {
    uintptr_t lo = reinterpret_cast<uintptr_t>(__uk_image_start);
    uintptr_t hi = reinterpret_cast<uintptr_t>(__uk_image_end);
    return addr >= lo && addr + n * page <= hi;
}

} // namespace

void unmap_pages(uintptr_t addr, size_t npages) {
    for (size_t i = 0; i < npages; i++) {
        uintptr_t p = addr + i * page;
        if (mm::is_mapped(p, 1)) {
            arch::protect(p, 1, prot_default);
            mm::mark_mapped(p, 1, false);
            mm::free_pages(reinterpret_cast<void*>(p), 1);
        }
    }
}

UK_SYSCALL(9, mmap) {
    uint64_t len = uint64_t(a2);
    long prot = a3, flags = a4;
    if (!len || (uint64_t(a6) & (page - 1)))
        return -EINVAL;
    if (len > (uint64_t(1) << 47))
        return -ENOMEM; // more than any address space holds, as on Linux
    if (!(flags & (map_shared | map_private)) || (prot & ~prot_mask))
        return -EINVAL;
    if ((prot & arch::prot_write) && (prot & arch::prot_exec))
        return -EACCES;
    if (!(flags & map_anonymous))
        return -EBADF; // There are no files to map yet.
    uint64_t n = pages_of(len);
    uintptr_t want = uintptr_t(a1);
    if (flags & (map_fixed | map_fixed_noreplace)) {
        if (want & (page - 1))
            return -EINVAL;
        // Memory is identity mapped, so a fixed address means those very
        // pages: free ones are claimed, ones the app already mapped are
        // replaced in place, anything else (the kernel's) is refused.
        if (mm::claim_pages(want, n)) {
            mm::mark_mapped(want, n, true);
        } else if (mm::is_mapped(want, n) && !(flags & map_fixed_noreplace)) {
            arch::protect(want, n, prot_default);
            mm::zero_pages(reinterpret_cast<void*>(want), n);
        } else {
            return (flags & map_fixed_noreplace) ? -EEXIST : -ENOMEM;
        }
        if (prot != prot_default && !arch::protect(want, n, int(prot)))
            return -ENOMEM;
        return long(want);
    }
    // A hint is honoured when those pages are free, as Linux does.
    void* p = nullptr;
    if (want && !(want & (page - 1)) && mm::claim_pages(want, n))
        p = reinterpret_cast<void*>(want);
    else
        p = mm::alloc_pages(n);
    if (!p)
        return -ENOMEM;
    uintptr_t addr = reinterpret_cast<uintptr_t>(p);
    mm::mark_mapped(addr, n, true);
    if (prot != prot_default && !arch::protect(addr, n, int(prot))) {
        unmap_pages(addr, n);
        return -ENOMEM;
    }
    return long(addr);
}

UK_SYSCALL(11, munmap) {
    uintptr_t addr = uintptr_t(a1);
    uint64_t len = uint64_t(a2);
    if ((addr & (page - 1)) || !len || addr + len < addr)
        return -EINVAL;
    uint64_t n = pages_of(len);
    // A detached thread unmaps its own stack and then exits: those pages go
    // back once it no longer runs on them.
    uintptr_t sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (sp >= addr && sp < addr + n * page) {
        sched::defer_unmap(addr, n);
        return 0;
    }
    unmap_pages(addr, n);
    return 0;
}

UK_SYSCALL(25, mremap) {
    uintptr_t old = uintptr_t(a1);
    uint64_t old_len = uint64_t(a2), new_len = uint64_t(a3);
    long flags = a4;
    if ((old & (page - 1)) || !new_len || (flags & ~(mremap_maymove | mremap_fixed)))
        return -EINVAL;
    uint64_t on = pages_of(old_len), nn = pages_of(new_len);
    // As on Linux: a range that is not mapped is EFAULT (musl's
    // pthread_getattr_np probes the stack this way until it sees it).
    if (!on || !mm::is_mapped(old, on))
        return -EFAULT;
    if (nn <= on) {
        unmap_pages(old + nn * page, on - nn);
        return long(old);
    }
    if (!(flags & mremap_maymove))
        return -ENOMEM;
    void* p = mm::alloc_pages(nn);
    if (!p)
        return -ENOMEM;
    __builtin_memcpy(p, reinterpret_cast<void*>(old), on * page);
    mm::mark_mapped(reinterpret_cast<uintptr_t>(p), nn, true);
    unmap_pages(old, on);
    return reinterpret_cast<long>(p);
}

UK_SYSCALL(10, mprotect) {
    uintptr_t addr = uintptr_t(a1);
    uint64_t len = uint64_t(a2);
    long prot = a3;
    if ((addr & (page - 1)) || (prot & ~prot_mask) || addr + len < addr)
        return -EINVAL;
    if ((prot & arch::prot_write) && (prot & arch::prot_exec))
        return -EACCES;
    uint64_t n = pages_of(len);
    if (!n)
        return 0;
    if (!mm::is_mapped(addr, n) && !in_image(addr, n))
        return -ENOMEM;
    return arch::protect(addr, n, int(prot)) ? 0 : -ENOMEM;
}

UK_SYSCALL(28, madvise) {
    constexpr long madv_dontneed = 4;
    uintptr_t addr = uintptr_t(a1);
    if (addr & (page - 1))
        return -EINVAL;
    uint64_t n = pages_of(uint64_t(a2));
    // Private anonymous memory reads back as zeros after MADV_DONTNEED.
    if (a3 == madv_dontneed && n && mm::is_mapped(addr, n))
        mm::zero_pages(reinterpret_cast<void*>(addr), n);
    return 0;
}

namespace {

// The program break lives in the top quarter of RAM (up to 256 MiB), which
// the bottom-up page allocator reaches last; it grows by claiming the pages
// above it and fails, as brk may, when they are taken.
constinit uintptr_t g_brk_base = 0;
constinit uintptr_t g_brk = 0;

} // namespace

UK_SYSCALL(12, brk) {
    if (!g_brk_base) {
        uint64_t end = mm::ram_end() & ~(page - 1);
        uint64_t window = end / 4 < (uint64_t(256) << 20) ? end / 4 : (uint64_t(256) << 20);
        g_brk_base = g_brk = (end - window) & ~(page - 1);
    }
    uintptr_t want = uintptr_t(a1);
    if (want < g_brk_base)
        return long(g_brk);
    uintptr_t cur_top = (g_brk + page - 1) & ~(page - 1);
    uintptr_t new_top = (want + page - 1) & ~(page - 1);
    if (new_top > cur_top) {
        if (!mm::claim_pages(cur_top, (new_top - cur_top) / page))
            return long(g_brk);
        mm::mark_mapped(cur_top, (new_top - cur_top) / page, true);
    } else if (new_top < cur_top) {
        unmap_pages(new_top, (cur_top - new_top) / page);
    }
    g_brk = want;
    return long(g_brk);
}

} // namespace uk::posix
