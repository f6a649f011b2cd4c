// The kernel's random source (getrandom, /dev/random and /dev/urandom).
#pragma once

#include <stddef.h>

namespace uk::posix {

/// Fills buf[0, n) with random bytes: RDRAND where the CPU has it, else a
/// generator seeded from the TSC. Never blocks, never fails.
void random_fill(void* buf, size_t n);

} // namespace uk::posix
