// The clock's fixed-point ratio (lib/scale.h) against exact 128-bit
// division.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "lib/scale.h"

namespace {
uint64_t exact(uint64_t v, uint64_t num, uint64_t den) {
    unsigned __int128 q = (unsigned __int128)v * num / den;
    return q > ~uint64_t(0) ? ~uint64_t(0) : uint64_t(q);
}
} // namespace

TEST(Scale, StaysWithinOneUnitBelowTheExactQuotient) {
    std::mt19937_64 rng(1);
    const uint64_t rates[] = {1000000000, 2994382000, 3600000000, 1193182, 25000000, 100000000000};
    for (uint64_t hz : rates) {
        uk::Scale to_ns = uk::make_scale(1000000000, hz), to_ticks = uk::make_scale(hz, 1000000000);
        for (int i = 0; i < 20000; i++) {
            // Values of every magnitude, up to a century of nanoseconds.
            uint64_t v = rng() >> (rng() % 64);
            v %= uint64_t(1) << 62;
            uint64_t want = exact(v, 1000000000, hz), got = to_ns.apply(v);
            EXPECT_LE(got, want) << v << " ticks at " << hz;
            EXPECT_LE(want - got, 1u) << v << " ticks at " << hz;
            want = exact(v, hz, 1000000000);
            got = to_ticks.apply(v);
            EXPECT_LE(got, want) << v << " ns at " << hz;
            EXPECT_LE(want - got, 1u) << v << " ns at " << hz;
        }
    }
}

TEST(Scale, SaturatesInsteadOfWrapping) {
    uk::Scale s = uk::make_scale(3000000000, 1000000000);
    EXPECT_EQ(s.apply(~uint64_t(0)), ~uint64_t(0));
    EXPECT_EQ(s.apply(uint64_t(1) << 63), ~uint64_t(0));
    EXPECT_EQ(s.apply(0), 0u);
    EXPECT_EQ(uk::make_scale(1, 1).apply(12345), 12345u);
}
