// The process's resource limits, as getrlimit/setrlimit/prlimit64 see them,
// for the calls that enforce them.
#pragma once

#include <stdint.h>

namespace uk::posix {

inline constexpr int rlimit_data = 2, rlimit_stack = 3, rlimit_nproc = 6, rlimit_nofile = 7,
                     rlimit_memlock = 8, rlimit_as = 9, rlimit_sigpending = 11;
inline constexpr uint64_t rlim_infinity = ~uint64_t(0);

/// The soft limit of resource `res` (RLIM_INFINITY when unlimited).
uint64_t rlimit_cur(int res);
/// The hard limit of resource `res` (RLIM_INFINITY when unlimited).
uint64_t rlimit_max(int res);

/// The number of resources (RLIMIT_NLIMITS).
inline constexpr int rlimit_nlimits = 16;

} // namespace uk::posix
