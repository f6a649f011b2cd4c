// The one path between system calls and the app's memory. A pointer that
// comes from the app is a UserPtr: it cannot be dereferenced, only copied
// from or to, and every copy first checks that the range lies in the app's
// half and outside the kernel's part of the image, then runs a copy routine
// whose faults the page-fault handler turns into -EFAULT (after trying to
// page the memory in, as any app access would). So a NULL, unmapped,
// PROT_NONE, read-only (for writes) or kernel pointer gives EFAULT, never a
// kernel fault. This file never maps memory and never trusts the app's FS
// base or stack.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

#include "lib/errno.h"
#include "mm/layout.h"

extern "C" {
extern char __uk_image_start[], __uk_kernel_end[], __uk_app_end[], __uk_image_end[];
size_t uk_arch_copy(void* dst, const void* src, size_t n);
long uk_arch_strnlen(const char* s, size_t max);
long uk_arch_copy_string(char* dst, const char* src, size_t max);
long uk_arch_load32(const void* src, uint32_t* out);
long uk_arch_store32(void* dst, uint32_t v);
}

namespace uk::mm {

/// True when [addr, addr + len) lies in [0, user_end) without wrapping and
/// outside the kernel's parts of the image (__uk_image_start up to
/// __uk_kernel_end, __uk_app_end up to __uk_image_end: the app's half
/// contains them, but they are not the app's). Whether the range is mapped
/// is for the copy to find out.
inline bool user_range_ok(uintptr_t addr, size_t len) {
    uintptr_t end = addr + len;
    if (end < addr || end > user_end)
        return false;
    const auto k = [](const char* s) { return reinterpret_cast<uintptr_t>(s); };
    return !(addr < k(__uk_kernel_end) && end > k(__uk_image_start)) &&
           !(addr < k(__uk_image_end) && end > k(__uk_app_end));
}

/// Copies `len` bytes from the app's `src` into the kernel's `dst`. Returns
/// 0 or -EFAULT.
[[nodiscard]] long copy_from_user(void* dst, uintptr_t src, size_t len);

/// Copies `len` bytes from the kernel's `src` to the app's `dst`. Returns 0
/// or -EFAULT (bytes before the fault may have been written).
[[nodiscard]] long copy_to_user(uintptr_t dst, const void* src, size_t len);

/// Copies up to `len` bytes between the kernel's `kbuf` and the app's
/// `uaddr` (to the app when `to_user`), stopping at the first byte that
/// faults. Returns how many bytes were copied (a transfer that ends short).
size_t copy_user_partial(bool to_user, uintptr_t uaddr, void* kbuf, size_t len);

/// A pointer into the app's memory, as a system call receives it. It holds
/// an address, never dereferences it; T may be const for what the kernel
/// only reads.
template <typename T> class UserPtr {
    using Plain = std::remove_const_t<T>;
    static_assert(std::is_trivially_copyable_v<Plain>, "copied as bytes");

  public:
    explicit UserPtr(long raw) : m_addr(uintptr_t(raw)) {}
    explicit UserPtr(uintptr_t raw) : m_addr(raw) {}

    bool null() const { return m_addr == 0; }
    uintptr_t addr() const { return m_addr; }

    /// The pointer `n` elements further (address arithmetic only).
    UserPtr operator+(size_t n) const { return UserPtr(m_addr + n * sizeof(T)); }

    /// The same address seen as another type (for byte buffers).
    template <typename U> UserPtr<U> as() const { return UserPtr<U>(m_addr); }

    /// Copies `n` elements in. Returns 0, or -EFAULT for a bad range or a
    /// count whose size would wrap.
    [[nodiscard]] long read(Plain* out, size_t n = 1) const {
        if (n > SIZE_MAX / sizeof(T))
            return -EFAULT;
        return copy_from_user(out, m_addr, n * sizeof(T));
    }

    /// Copies `n` elements out. Returns 0 or -EFAULT.
    [[nodiscard]] long write(const Plain* in, size_t n = 1) const requires(!std::is_const_v<T>) {
        if (n > SIZE_MAX / sizeof(T))
            return -EFAULT;
        return copy_to_user(m_addr, in, n * sizeof(T));
    }

    /// Writes one value. Returns 0 or -EFAULT.
    [[nodiscard]] long put(const Plain& v) const requires(!std::is_const_v<T>) {
        return write(&v, 1);
    }

    /// A 32-bit value read in one atomic load (futex words). Returns 0 or
    /// -EFAULT; the address must be 4-byte aligned.
    [[nodiscard]] long load_atomic(uint32_t* out) const requires(sizeof(T) == 4) {
        if (!user_range_ok(m_addr, 4))
            return -EFAULT;
        return uk_arch_load32(reinterpret_cast<const void*>(m_addr), out);
    }

    /// A 32-bit value written in one atomic store. Returns 0 or -EFAULT.
    [[nodiscard]] long store_atomic(uint32_t v) const
        requires(sizeof(T) == 4 && !std::is_const_v<T>) {
        if (!user_range_ok(m_addr, 4))
            return -EFAULT;
        return uk_arch_store32(reinterpret_cast<void*>(m_addr), v);
    }

  private:
    uintptr_t m_addr;
};

/// Copies a NUL-terminated string of at most `cap - 1` bytes from the app
/// into `buf` (cap > 0). Returns its length, -EFAULT, or -ENAMETOOLONG when
/// no NUL comes within cap - 1 bytes.
[[nodiscard]] long read_user_string(UserPtr<const char> src, char* buf, size_t cap);

/// The length of the app's string at `src`, at most `max`: -EFAULT when it
/// cannot be read up to its NUL (or to max bytes), -ENAMETOOLONG when no
/// NUL comes within max bytes.
[[nodiscard]] long user_strnlen(UserPtr<const char> src, size_t max);

/// Reads a 64-bit word anywhere (kernel or app memory) without faulting:
/// for backtraces. Returns false when the address cannot be read.
bool read_word_nofault(uintptr_t addr, uint64_t* out);

} // namespace uk::mm
