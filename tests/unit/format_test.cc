// The kernel's printf.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "lib/format.h"

namespace {
std::string fmt(const char* f, auto... args) {
    char buf[128];
    size_t n = uk::format(buf, sizeof(buf), f, args...);
    EXPECT_EQ(n, std::string(buf).size());
    return buf;
}
} // namespace

TEST(Format, MatchesPrintfForTheSupportedConversions) {
    char want[128];
    std::snprintf(want, sizeof(want), "%d|%5d|%-5d|%05d|%u|%x|%X|%lx|%s|%-4s|%3c|%%", -42, 7, 7, -7,
                  4000000000u, 0xbeefu, 0xbeefu, 0x123456789abcUL, "str", "ab", 'z');
    EXPECT_EQ(fmt("%d|%5d|%-5d|%05d|%u|%x|%X|%lx|%s|%-4s|%3c|%%", -42, 7, 7, -7, 4000000000u,
                  0xbeefu, 0xbeefu, 0x123456789abcUL, "str", "ab", 'z'),
              want);
    EXPECT_EQ(fmt("%ld %lu %zu", -9223372036854775807L - 1, 18446744073709551615UL, size_t(5)),
              "-9223372036854775808 18446744073709551615 5");
    EXPECT_EQ(fmt("%p", reinterpret_cast<void*>(0x1000)), "0x1000");
    EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)");
}

TEST(Format, TruncatesButReportsFullLength) {
    char buf[8];
    size_t n = uk::format(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
    EXPECT_EQ(n, 12u);
    EXPECT_STREQ(buf, "abcdef-");
    EXPECT_EQ(uk::format(nullptr, 0, "%d", 123), 3u);
}

TEST(Format, UnknownConversionIsCopied) {
    EXPECT_EQ(fmt("a%qb"), "a%qb");
    EXPECT_EQ(fmt("end%"), "end%");
}
