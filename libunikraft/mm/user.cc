#include "mm/user.h"

#include "arch/x86_64/mmu.h"

namespace uk::mm {

namespace {

// How many bytes from `a` up are the app's without interruption: up to the
// end of its half or the next kernel range, whichever comes first (0 when
// `a` itself is not the app's).
size_t room_from(uintptr_t a) {
    if (!user_range_ok(a, 1))
        return 0;
    size_t room = user_end - a;
    const auto k = [](const char* s) { return reinterpret_cast<uintptr_t>(s); };
    const uintptr_t kernel_starts[] = {k(__uk_image_start), k(__uk_app_end)};
    for (uintptr_t lo : kernel_starts)
        if (lo > a && lo - a < room)
            room = lo - a;
    return room;
}

} // namespace

long copy_from_user(void* dst, uintptr_t src, size_t len) {
    if (!user_range_ok(src, len))
        return -EFAULT;
    return len && uk_arch_copy(dst, reinterpret_cast<const void*>(src), len) ? -EFAULT : 0;
}

long copy_to_user(uintptr_t dst, const void* src, size_t len) {
    if (!user_range_ok(dst, len))
        return -EFAULT;
    return len && uk_arch_copy(reinterpret_cast<void*>(dst), src, len) ? -EFAULT : 0;
}

size_t copy_user_partial(bool to_user, uintptr_t uaddr, void* kbuf, size_t len) {
    size_t room = room_from(uaddr);
    size_t n = len < room ? len : room;
    if (!n)
        return 0;
    size_t left = to_user ? uk_arch_copy(reinterpret_cast<void*>(uaddr), kbuf, n)
                          : uk_arch_copy(kbuf, reinterpret_cast<const void*>(uaddr), n);
    return n - left;
}

long user_strnlen(UserPtr<const char> src, size_t max) {
    size_t room = room_from(src.addr());
    if (!room)
        return -EFAULT;
    size_t lim = max < room ? max : room;
    long n = uk_arch_strnlen(reinterpret_cast<const char*>(src.addr()), lim);
    if (n < 0)
        return n;
    if (size_t(n) == lim)
        return lim < max ? -EFAULT : -ENAMETOOLONG;
    return n;
}

long read_user_string(UserPtr<const char> src, char* buf, size_t cap) {
    uintptr_t a = src.addr();
    size_t room = room_from(a);
    if (!room)
        return -EFAULT;
    size_t max = cap - 1 < room ? cap - 1 : room;
    long n = uk_arch_copy_string(buf, reinterpret_cast<const char*>(a), max);
    if (n < 0)
        return n;
    if (size_t(n) == max) {
        // No NUL within reach: too long, unless the string ran into memory
        // that is not the app's.
        if (max < cap - 1)
            return -EFAULT;
        buf[max] = 0;
        return -ENAMETOOLONG;
    }
    return n;
}

bool read_word_nofault(uintptr_t addr, uint64_t* out) {
    // Checked in the page tables first: a fault here could come while a
    // fault is being reported, on the same IST stack.
    if (!arch::readable(addr) || !arch::readable(addr + 7))
        return false;
    __builtin_memcpy(out, reinterpret_cast<const void*>(addr), 8);
    return true;
}

} // namespace uk::mm
