// Checks on pointers the app passes to system calls. Everything is one
// address space, so a bad pointer would fault inside the kernel; it gets
// EFAULT instead, as on Linux.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"
#include "posix/errno.h"

namespace uk::posix {

/// True when [p, p + len) is non-null memory the app may touch.
inline bool user_ok(const void* p, size_t len) {
    uintptr_t a = reinterpret_cast<uintptr_t>(p);
    if (a < 4096 || a + len < a)
        return false;
    return a + len <= mm::ram_end();
}

template <typename T> T* user_ptr(long v) {
    return reinterpret_cast<T*>(v);
}

/// The kernel's struct timespec.
struct Timespec {
    int64_t sec, nsec;
};

/// Reads the app's timespec at `arg` as nanoseconds, saturating at 2^62
/// (about 146 years) so later additions cannot overflow. Returns 0, -EFAULT
/// for a bad pointer or -EINVAL for a negative or unnormalised value.
inline long read_user_timespec(long arg, int64_t* ns) {
    auto* ts = user_ptr<const Timespec>(arg);
    if (!user_ok(ts, sizeof(*ts)))
        return -EFAULT;
    if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
        return -EINVAL;
    *ns = ts->sec > (int64_t(1) << 32) ? (int64_t(1) << 62) : ts->sec * 1000000000 + ts->nsec;
    return 0;
}

} // namespace uk::posix
