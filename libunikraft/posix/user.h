// Checks on pointers the app passes to system calls. Everything is one
// address space, so a bad pointer would fault inside the kernel; it gets
// EFAULT instead, as on Linux.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

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

} // namespace uk::posix
