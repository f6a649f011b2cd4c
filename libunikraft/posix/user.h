// What the system calls share about the app's memory: the checked pointer
// type from mm/user.h (the only way a call reaches the app's memory) and the
// readers of Linux structures several calls take.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h"
#include "mm/user.h"

namespace uk::posix {

using mm::UserPtr;

/// The kernel's struct timespec.
struct Timespec {
    int64_t sec, nsec;
};

/// Reads the app's timespec at `arg` as nanoseconds, saturating at 2^62
/// (about 146 years) so later additions cannot overflow. Returns 0, -EFAULT
/// for a bad pointer or -EINVAL for a negative or unnormalised value.
inline long read_user_timespec(long arg, int64_t* ns) {
    Timespec ts;
    if (UserPtr<const Timespec>(arg).read(&ts))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    *ns = ts.sec > (int64_t(1) << 32) ? (int64_t(1) << 62) : ts.sec * 1000000000 + ts.nsec;
    return 0;
}

/// Writes `ns` nanoseconds to the app's timespec at `arg`. Returns 0 or
/// -EFAULT.
inline long write_user_timespec(long arg, int64_t ns) {
    Timespec ts{ns / 1000000000, ns % 1000000000};
    return UserPtr<Timespec>(arg).put(ts) ? -EFAULT : 0;
}

} // namespace uk::posix
