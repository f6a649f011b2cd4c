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

inline constexpr int64_t ns_per_s = 1000000000, ns_per_us = 1000;

/// The kernel's struct timespec and struct timeval (64-bit fields).
struct Timespec {
    int64_t sec, nsec;
};
struct Timeval {
    int64_t sec, usec;
};

/// True when the value is normalised and not negative, as Linux checks.
inline bool valid(const Timespec& ts) {
    return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < ns_per_s;
}
inline bool valid(const Timeval& tv) {
    return tv.sec >= 0 && tv.usec >= 0 && tv.usec < 1000000;
}

/// A valid value in nanoseconds, saturating at 2^62 (about 146 years) so
/// that later additions cannot overflow.
inline int64_t to_ns(const Timespec& ts) {
    return ts.sec > (int64_t(1) << 32) ? (int64_t(1) << 62) : ts.sec * ns_per_s + ts.nsec;
}
inline int64_t to_ns(const Timeval& tv) {
    return to_ns(Timespec{tv.sec, tv.usec * ns_per_us});
}

/// Nanoseconds (not negative) as a timespec or a timeval (truncated).
inline Timespec timespec_of(int64_t ns) {
    return Timespec{ns / ns_per_s, ns % ns_per_s};
}
inline Timeval timeval_of(int64_t ns) {
    return Timeval{ns / ns_per_s, ns % ns_per_s / ns_per_us};
}

/// Reads the app's timespec at `arg` as nanoseconds (to_ns). Returns 0,
/// -EFAULT for a bad pointer or -EINVAL for a negative or unnormalised
/// value.
inline long read_user_timespec(long arg, int64_t* ns) {
    Timespec ts;
    if (UserPtr<const Timespec>(arg).read(&ts))
        return -EFAULT;
    if (!valid(ts))
        return -EINVAL;
    *ns = to_ns(ts);
    return 0;
}

/// Writes `ns` nanoseconds to the app's timespec at `arg`. Returns 0 or
/// -EFAULT.
inline long write_user_timespec(long arg, int64_t ns) {
    return UserPtr<Timespec>(arg).put(timespec_of(ns)) ? -EFAULT : 0;
}

} // namespace uk::posix
