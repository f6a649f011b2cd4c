// A small printf for the kernel: no allocation, no floating point.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace uk {

/// Formats like vsnprintf (%d %i %u %x %X %p %s %c %% with the l, ll, z
/// length modifiers, a width, `0` padding and `-` left-justification) into
/// buf[0..cap). Always NUL-terminates when cap > 0. Returns the length the
/// full output would have had; an unknown conversion is copied verbatim.
size_t vformat(char* buf, size_t cap, const char* fmt, va_list ap);

/// Same as vformat with a variable argument list.
[[gnu::format(printf, 3, 4)]] size_t format(char* buf, size_t cap, const char* fmt, ...);

} // namespace uk
