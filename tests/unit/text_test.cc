// The text buffer behind generated files, over a malloc-backed kernel heap.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "lib/text.h"
#include "mm/kheap.h"

namespace uk {
// The unit-test build has no kernel heap: these stand in for it, and can be
// told to fail.
int g_kheap_fail_after = -1;
void* kheap_alloc(size_t size, size_t align) {
    if (g_kheap_fail_after == 0)
        return nullptr;
    if (g_kheap_fail_after > 0)
        g_kheap_fail_after--;
    return std::aligned_alloc(align, (size + align - 1) / align * align);
}
void kheap_free(void* p) {
    std::free(p);
}
} // namespace uk

namespace {

TEST(Text, AppendsFormattedPieces) {
    uk::Text t;
    EXPECT_EQ(t.size(), 0u);
    EXPECT_STREQ(t.data(), "");
    t.printf("%s:\t%d", "Pid", 1);
    t.putc('\n');
    t.puts("Name:");
    t.put("\tapp\n", 5);
    EXPECT_EQ(std::string(t.data(), t.size()), "Pid:\t1\nName:\tapp\n");
    EXPECT_FALSE(t.failed());
}

TEST(Text, GrowsPastItsFirstBlock) {
    uk::Text t;
    std::string want;
    for (int i = 0; i < 2000; i++) {
        t.printf("%d %s\n", i, "abcdefghijklmnopqrstuvwxyz");
        want += std::to_string(i) + " abcdefghijklmnopqrstuvwxyz\n";
    }
    t.printf("%s", std::string(5000, 'x').c_str()); // one piece larger than the room left
    want += std::string(5000, 'x');
    EXPECT_EQ(std::string(t.data(), t.size()), want);
    char* p = t.release();
    EXPECT_EQ(std::string(p), want);
    EXPECT_EQ(t.size(), 0u);
    uk::kheap_free(p);
}

TEST(Text, OctalAndPadding) {
    uk::Text t;
    t.octal(022, 4);
    t.putc(' ');
    t.octal(0100002, 2);
    t.putc(' ');
    t.octal(0, 1);
    t.puts("\nabc");
    t.pad_to(6);
    t.puts("|");
    t.pad_to(2); // already past: nothing
    EXPECT_EQ(std::string(t.data(), t.size()), "0022 100002 0\nabc   |");
}

TEST(Text, StopsGrowingWhenMemoryRunsOut) {
    uk::Text t;
    t.puts("start ");
    uk::g_kheap_fail_after = 0;
    t.printf("%s", std::string(1000, 'y').c_str());
    t.puts("more");
    uk::g_kheap_fail_after = -1;
    EXPECT_TRUE(t.failed());
    EXPECT_EQ(std::string(t.data(), t.size()), "start ");
}

} // namespace
