// Anonymous memory for the app: mmap hands out zeroed pages from the page
// allocator (memory is identity mapped, so a mapping is its pages).
#include "mm/mm.h"
#include "posix/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"

extern "C" char __uk_image_end[];

namespace uk::posix {

namespace {

constexpr uint64_t page = 4096;
constexpr long map_shared = 0x01, map_private = 0x02, map_fixed = 0x10, map_anonymous = 0x20;
constexpr long mremap_maymove = 1, mremap_fixed = 2;

uint64_t pages_of(uint64_t len) { return (len + page - 1) / page; }

void unmap_range(uintptr_t addr, uint64_t npages) {
    for (uint64_t i = 0; i < npages; i++) {
        uintptr_t p = addr + i * page;
        if (mm::is_mapped(p, 1)) {
            mm::mark_mapped(p, 1, false);
            mm::free_pages(reinterpret_cast<void*>(p), 1);
        }
    }
}

} // namespace

UK_SYSCALL(9, mmap) {
    uint64_t len = uint64_t(a2);
    long flags = a4;
    if (!len || len > (uint64_t(1) << 40) || (uint64_t(a6) & (page - 1)))
        return -EINVAL;
    if (!(flags & (map_shared | map_private)))
        return -EINVAL;
    if (!(flags & map_anonymous))
        return -EBADF; // There are no files to map yet.
    uint64_t n = pages_of(len);
    if (flags & map_fixed) {
        uintptr_t addr = uintptr_t(a1);
        if (addr & (page - 1))
            return -EINVAL;
        // Only a range the app already owns can be mapped over in place.
        if (!mm::is_mapped(addr, n))
            return -ENOMEM;
        __builtin_memset(reinterpret_cast<void*>(addr), 0, n * page);
        return long(addr);
    }
    void* p = mm::alloc_pages(n);
    if (!p)
        return -ENOMEM;
    mm::mark_mapped(reinterpret_cast<uintptr_t>(p), n, true);
    return reinterpret_cast<long>(p);
}

UK_SYSCALL(11, munmap) {
    uintptr_t addr = uintptr_t(a1);
    uint64_t len = uint64_t(a2);
    if ((addr & (page - 1)) || !len || addr + len < addr)
        return -EINVAL;
    unmap_range(addr, pages_of(len));
    return 0;
}

UK_SYSCALL(25, mremap) {
    uintptr_t old = uintptr_t(a1);
    uint64_t old_len = uint64_t(a2), new_len = uint64_t(a3);
    long flags = a4;
    if ((old & (page - 1)) || !new_len || (flags & ~(mremap_maymove | mremap_fixed)))
        return -EINVAL;
    uint64_t on = pages_of(old_len), nn = pages_of(new_len);
    if (!on || !mm::is_mapped(old, on))
        return -EFAULT;
    if (nn <= on) {
        unmap_range(old + nn * page, on - nn);
        return long(old);
    }
    if (!(flags & mremap_maymove))
        return -ENOMEM;
    void* p = mm::alloc_pages(nn);
    if (!p)
        return -ENOMEM;
    __builtin_memcpy(p, reinterpret_cast<void*>(old), on * page);
    mm::mark_mapped(reinterpret_cast<uintptr_t>(p), nn, true);
    unmap_range(old, on);
    return reinterpret_cast<long>(p);
}

UK_SYSCALL(10, mprotect) {
    if (uint64_t(a1) & (page - 1))
        return -EINVAL;
    return 0;
}

UK_SYSCALL(28, madvise) {
    if (uint64_t(a1) & (page - 1))
        return -EINVAL;
    return 0;
}

// The break does not move: libc then takes its heap from mmap.
UK_SYSCALL(12, brk) { return reinterpret_cast<long>(__uk_image_end); }

} // namespace uk::posix
