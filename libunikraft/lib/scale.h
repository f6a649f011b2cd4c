// Multiplication by a fixed rational num/den without a division per use: an
// integer part and a 64-bit fraction, so that applying it is two
// multiplications (a division is a helper call under emulation). The result
// is within one unit below the exact floor(v * num / den) and saturates at
// 2^64 - 1 rather than wrapping. The clock's tick and nanosecond
// conversions use it.
#pragma once

#include <stdint.h>

namespace uk {

/// v * num / den as whole + frac / 2^64.
struct Scale {
    uint64_t whole = 0;
    uint64_t frac = 0;

    /// Returns v times the ratio.
    uint64_t apply(uint64_t v) const {
        unsigned __int128 r = (unsigned __int128)v * whole + (((unsigned __int128)v * frac) >> 64);
        return r > ~uint64_t(0) ? ~uint64_t(0) : uint64_t(r);
    }
};

/// The ratio num / den; den must not be 0.
inline Scale make_scale(uint64_t num, uint64_t den) {
    return Scale{num / den, uint64_t(((unsigned __int128)(num % den) << 64) / den)};
}

} // namespace uk
