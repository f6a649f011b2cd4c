#include "mm/page_alloc.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

using uk::PageAllocator;
constexpr size_t page = PageAllocator::page_size;

// An allocator over its own bitmap.
struct Pages {
    explicit Pages(uintptr_t base, size_t npages)
        : bitmap(PageAllocator::bitmap_bytes(npages) / sizeof(uint64_t) + 1, 0xdeadbeef) {
        allocator.init(base, npages, bitmap.data());
    }
    std::vector<uint64_t> bitmap;
    PageAllocator allocator;
};

TEST(PageAlloc, BitmapBytes) {
    EXPECT_EQ(PageAllocator::bitmap_bytes(0), 0u);
    EXPECT_EQ(PageAllocator::bitmap_bytes(1), 8u);
    EXPECT_EQ(PageAllocator::bitmap_bytes(64), 8u);
    EXPECT_EQ(PageAllocator::bitmap_bytes(65), 16u);
    static_assert(PageAllocator::bitmap_bytes(128) == 16);
}

TEST(PageAlloc, StartsReserved) {
    Pages p(0x100000, 100);
    EXPECT_EQ(p.allocator.total_pages(), 100u);
    EXPECT_EQ(p.allocator.free_pages(), 0u);
    EXPECT_EQ(p.allocator.alloc(1), 0u);
    EXPECT_FALSE(p.allocator.is_free(0x100000));
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, InitWritesOnlyItsBitmap) {
    Pages p(0x100000, 100);
    // The vector has one spare word past what bitmap_bytes asked for.
    EXPECT_EQ(p.bitmap.back(), 0xdeadbeefu);
}

TEST(PageAlloc, UninitializedAllocatorIsEmpty) {
    PageAllocator a;
    EXPECT_EQ(a.alloc(1), 0u);
    EXPECT_FALSE(a.free(0x1000, 1));
    EXPECT_FALSE(a.is_free(0x1000));
    a.add_free(0, 1 << 20);
    a.reserve(0, 1 << 20);
    EXPECT_EQ(a.free_pages(), 0u);
    EXPECT_TRUE(a.check());
}

TEST(PageAlloc, AddFreeKeepsPartialPagesReserved) {
    uintptr_t base = 0x100000;
    Pages p(base, 16);
    p.allocator.add_free(base + 100, 3 * page);
    EXPECT_EQ(p.allocator.free_pages(), 2u);
    EXPECT_FALSE(p.allocator.is_free(base));
    EXPECT_TRUE(p.allocator.is_free(base + page));
    EXPECT_TRUE(p.allocator.is_free(base + 2 * page + 4095));
    EXPECT_FALSE(p.allocator.is_free(base + 3 * page));
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, AddFreeIgnoresWhatLiesOutside) {
    uintptr_t base = 0x100000;
    Pages p(base, 16);
    p.allocator.add_free(0, base + 4 * page);
    EXPECT_EQ(p.allocator.free_pages(), 4u);
    p.allocator.add_free(base + 12 * page, 100 * page);
    EXPECT_EQ(p.allocator.free_pages(), 8u);
    p.allocator.add_free(base + 12 * page, SIZE_MAX);
    EXPECT_EQ(p.allocator.free_pages(), 8u);
    p.allocator.add_free(0, 0);
    p.allocator.add_free(base + 5 * page, 100);
    EXPECT_EQ(p.allocator.free_pages(), 8u);
    // Adding pages that are already free does not count them twice.
    p.allocator.add_free(0, SIZE_MAX);
    EXPECT_EQ(p.allocator.free_pages(), 16u);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, PageZeroIsNeverHandedOut) {
    Pages p(0, 16);
    p.allocator.add_free(0, 16 * page);
    EXPECT_EQ(p.allocator.free_pages(), 15u);
    EXPECT_FALSE(p.allocator.is_free(0));
    for (int i = 0; i < 15; ++i) {
        uintptr_t addr = p.allocator.alloc(1);
        EXPECT_EQ(addr, (i + 1) * page);
    }
    EXPECT_EQ(p.allocator.alloc(1), 0u);
    EXPECT_FALSE(p.allocator.free(0, 1));
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, SinglePagesComeInAscendingOrder) {
    uintptr_t base = 0x200000;
    Pages p(base, 300);
    p.allocator.add_free(base, 300 * page);
    for (size_t i = 0; i < 300; ++i) {
        ASSERT_EQ(p.allocator.alloc(1), base + i * page);
    }
    EXPECT_EQ(p.allocator.alloc(1), 0u);
    EXPECT_EQ(p.allocator.free_pages(), 0u);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, FreedPageIsReusedFirst) {
    uintptr_t base = 0x200000;
    Pages p(base, 200);
    p.allocator.add_free(base, 200 * page);
    for (int i = 0; i < 150; ++i) {
        ASSERT_NE(p.allocator.alloc(1), 0u);
    }
    EXPECT_TRUE(p.allocator.free(base + 7 * page, 1));
    EXPECT_EQ(p.allocator.alloc(1), base + 7 * page);
    EXPECT_EQ(p.allocator.alloc(1), base + 150 * page);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, Exhaustion) {
    uintptr_t base = 0x100000;
    Pages p(base, 10);
    p.allocator.add_free(base, 10 * page);
    EXPECT_EQ(p.allocator.alloc(11), 0u);
    uintptr_t all = p.allocator.alloc(10);
    EXPECT_EQ(all, base);
    EXPECT_EQ(p.allocator.alloc(1), 0u);
    EXPECT_EQ(p.allocator.free_pages(), 0u);
    EXPECT_TRUE(p.allocator.free(all + 3 * page, 2));
    EXPECT_EQ(p.allocator.alloc(3), 0u);
    EXPECT_EQ(p.allocator.alloc(2), all + 3 * page);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, DoubleFreeChangesNothing) {
    uintptr_t base = 0x100000;
    Pages p(base, 64);
    p.allocator.add_free(base, 64 * page);
    uintptr_t a = p.allocator.alloc(4);
    ASSERT_NE(a, 0u);
    EXPECT_TRUE(p.allocator.free(a, 4));
    size_t free_before = p.allocator.free_pages();
    EXPECT_FALSE(p.allocator.free(a, 4));
    EXPECT_EQ(p.allocator.free_pages(), free_before);
    // A run that is only partly used is rejected as a whole.
    uintptr_t b = p.allocator.alloc(2);
    ASSERT_EQ(b, a);
    EXPECT_FALSE(p.allocator.free(b, 3));
    EXPECT_FALSE(p.allocator.is_free(b));
    EXPECT_FALSE(p.allocator.is_free(b + page));
    EXPECT_TRUE(p.allocator.free(b, 2));
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, FreeRejectsBadArguments) {
    uintptr_t base = 0x100000;
    Pages p(base, 64);
    p.allocator.reserve(base, 64 * page);
    EXPECT_FALSE(p.allocator.free(base + 1, 1));
    EXPECT_FALSE(p.allocator.free(base, 0));
    EXPECT_FALSE(p.allocator.free(base - page, 1));
    EXPECT_FALSE(p.allocator.free(base + 63 * page, 2));
    EXPECT_FALSE(p.allocator.free(base + 64 * page, 1));
    EXPECT_FALSE(p.allocator.free(base, SIZE_MAX));
    EXPECT_FALSE(p.allocator.free(UINTPTR_MAX & ~(page - 1), 1));
    EXPECT_EQ(p.allocator.free_pages(), 0u);
    EXPECT_TRUE(p.allocator.free(base + 63 * page, 1));
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, ZeroPagesOrBadAlignmentFails) {
    uintptr_t base = 0x100000;
    Pages p(base, 64);
    p.allocator.add_free(base, 64 * page);
    EXPECT_EQ(p.allocator.alloc(0), 0u);
    EXPECT_EQ(p.allocator.alloc(1, 0), 0u);
    EXPECT_EQ(p.allocator.alloc(1, 3), 0u);
    EXPECT_EQ(p.allocator.alloc(2, 6), 0u);
    EXPECT_EQ(p.allocator.free_pages(), 64u);
}

TEST(PageAlloc, AlignmentIsOfThePhysicalAddress) {
    // The base is 3 pages past a 32 KiB boundary.
    uintptr_t base = 0x100000 + 3 * page;
    Pages p(base, 256);
    p.allocator.add_free(base, 256 * page);
    for (size_t align : {2u, 4u, 8u, 16u, 32u}) {
        uintptr_t a = p.allocator.alloc(1, align);
        ASSERT_NE(a, 0u) << align;
        EXPECT_EQ(a % (align * page), 0u) << align;
        uintptr_t b = p.allocator.alloc(3, align);
        ASSERT_NE(b, 0u) << align;
        EXPECT_EQ(b % (align * page), 0u) << align;
    }
    // The pages skipped for alignment stay free for unaligned requests.
    EXPECT_EQ(p.allocator.alloc(1), base);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, AlignmentThatCannotBeMetFails) {
    uintptr_t base = 0x100000 + page;
    Pages p(base, 100);
    p.allocator.add_free(base, 100 * page);
    // No 1 MiB boundary falls inside [base, base + 100 pages) with room after it.
    EXPECT_EQ(p.allocator.alloc(1, 256), 0u);
    EXPECT_EQ(p.allocator.free_pages(), 100u);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, LargeAllocationsForStacksAndMmap) {
    uintptr_t base = 0x1000000;
    size_t npages = 64 << 20 >> 12; // 64 MiB
    Pages p(base, npages);
    p.allocator.add_free(base, npages * page);
    ASSERT_NE(p.allocator.alloc(1), 0u);
    uintptr_t stack = p.allocator.alloc(1024);
    ASSERT_NE(stack, 0u);
    EXPECT_EQ(stack, base + page);
    uintptr_t huge = p.allocator.alloc(512, 512); // 2 MiB, 2 MiB-aligned
    ASSERT_NE(huge, 0u);
    EXPECT_EQ(huge % (2 << 20), 0u);
    for (size_t i = 0; i < 512; ++i) {
        EXPECT_FALSE(p.allocator.is_free(huge + i * page));
    }
    EXPECT_EQ(p.allocator.free_pages(), npages - 1 - 1024 - 512);
    EXPECT_TRUE(p.allocator.free(stack, 1024));
    EXPECT_EQ(p.allocator.alloc(1024), stack);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, FragmentationBlocksRunsButNotPages) {
    uintptr_t base = 0x100000;
    Pages p(base, 256);
    p.allocator.add_free(base, 256 * page);
    for (size_t i = 0; i < 256; ++i) {
        ASSERT_EQ(p.allocator.alloc(1), base + i * page);
    }
    for (size_t i = 0; i < 256; i += 2) {
        ASSERT_TRUE(p.allocator.free(base + i * page, 1));
    }
    EXPECT_EQ(p.allocator.free_pages(), 128u);
    EXPECT_EQ(p.allocator.alloc(2), 0u);
    // Freeing the page between two free ones makes a run of three.
    ASSERT_TRUE(p.allocator.free(base + 101 * page, 1));
    EXPECT_EQ(p.allocator.alloc(3), base + 100 * page);
    EXPECT_EQ(p.allocator.alloc(1), base);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, RunsCrossWordBoundaries) {
    uintptr_t base = 0x100000;
    Pages p(base, 256);
    p.allocator.add_free(base + 60 * page, 140 * page);
    EXPECT_EQ(p.allocator.alloc(130), base + 60 * page);
    EXPECT_EQ(p.allocator.alloc(11), 0u);
    EXPECT_EQ(p.allocator.alloc(10), base + 190 * page);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, ReserveMarksEveryTouchedPage) {
    uintptr_t base = 0x100000;
    Pages p(base, 32);
    p.allocator.add_free(base, 32 * page);
    p.allocator.reserve(base + 4 * page + 10, page);
    EXPECT_EQ(p.allocator.free_pages(), 30u);
    EXPECT_FALSE(p.allocator.is_free(base + 4 * page));
    EXPECT_FALSE(p.allocator.is_free(base + 5 * page));
    EXPECT_TRUE(p.allocator.is_free(base + 6 * page));
    p.allocator.reserve(base + 8 * page, 0);
    EXPECT_EQ(p.allocator.free_pages(), 30u);
    p.allocator.reserve(base + 8 * page, 1);
    EXPECT_EQ(p.allocator.free_pages(), 29u);
    // Reserving what is already used changes no count.
    p.allocator.reserve(base + 4 * page, 2 * page);
    EXPECT_EQ(p.allocator.free_pages(), 29u);
    // Ranges reaching outside are clipped.
    p.allocator.reserve(0, base + page);
    EXPECT_EQ(p.allocator.free_pages(), 28u);
    p.allocator.reserve(base + 31 * page, SIZE_MAX);
    EXPECT_EQ(p.allocator.free_pages(), 27u);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, ReservedPagesAreSkippedAndCanBeHandedOut) {
    uintptr_t base = 0x100000;
    Pages p(base, 64);
    p.allocator.add_free(base, 64 * page);
    p.allocator.reserve(base + 2 * page, 3 * page);
    EXPECT_EQ(p.allocator.alloc(3), base + 5 * page);
    EXPECT_EQ(p.allocator.alloc(2), base);
    // A reserved range (say, the initrd) is released once consumed.
    EXPECT_TRUE(p.allocator.free(base + 2 * page, 3));
    EXPECT_EQ(p.allocator.alloc(3), base + 2 * page);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, UnalignedBaseLosesThePartialPage) {
    Pages p(0x100010, 10);
    EXPECT_EQ(p.allocator.base(), 0x101000u);
    EXPECT_EQ(p.allocator.total_pages(), 9u);
    p.allocator.add_free(0, SIZE_MAX);
    EXPECT_EQ(p.allocator.free_pages(), 9u);
    EXPECT_EQ(p.allocator.alloc(1), 0x101000u);
    EXPECT_TRUE(p.allocator.check());
}

TEST(PageAlloc, RangeAtTheTopOfTheAddressSpaceIsCut) {
    uintptr_t base = UINTPTR_MAX - 8 * page + 1;
    Pages p(base, 100);
    EXPECT_LE(p.allocator.total_pages(), 8u);
    p.allocator.add_free(base, SIZE_MAX);
    EXPECT_EQ(p.allocator.free_pages(), p.allocator.total_pages());
    uintptr_t a = p.allocator.alloc(p.allocator.total_pages());
    EXPECT_EQ(a, base);
    EXPECT_TRUE(p.allocator.check());
}

// Random operations checked against a model that is one bool per page. The
// allocator is first-fit, so every result must be the lowest fitting run.
TEST(PageAlloc, RandomAgainstModel) {
    for (uint32_t seed = 1; seed <= 8; ++seed) {
        std::mt19937 rng(seed);
        uintptr_t base = (seed % 2 == 0 ? 0 : 0x100000 + seed * page);
        size_t npages = 64 + rng() % 700;
        Pages p(base, npages);
        std::vector<bool> used(npages, true);
        auto add_free = [&](size_t first, size_t count) {
            p.allocator.add_free(base + first * page, count * page);
            for (size_t i = first; i < first + count && i < npages; ++i) {
                used[i] = base + i * page == 0;
            }
        };
        add_free(0, npages);
        std::vector<std::pair<uintptr_t, size_t>> live;
        for (int step = 0; step < 4000; ++step) {
            unsigned op = rng() % 10;
            if (op < 5) {
                size_t n = rng() % 4 == 0 ? 1 + rng() % 100 : 1 + rng() % 4;
                size_t align = size_t{1} << (rng() % 4 == 0 ? rng() % 7 : 0);
                size_t expect = SIZE_MAX;
                for (size_t i = 0; i + n <= npages; ++i) {
                    if ((base / page + i) % align != 0) {
                        continue;
                    }
                    bool fits = true;
                    for (size_t j = i; j < i + n && fits; ++j) {
                        fits = !used[j];
                    }
                    if (fits) {
                        expect = i;
                        break;
                    }
                }
                uintptr_t got = p.allocator.alloc(n, align);
                if (expect == SIZE_MAX) {
                    ASSERT_EQ(got, 0u) << "seed " << seed << " step " << step;
                } else {
                    ASSERT_EQ(got, base + expect * page) << "seed " << seed << " step " << step;
                    for (size_t j = expect; j < expect + n; ++j) {
                        used[j] = true;
                    }
                    live.push_back({got, n});
                }
            } else if (op < 8 && !live.empty()) {
                size_t k = rng() % live.size();
                auto [addr, n] = live[k];
                live.erase(live.begin() + static_cast<ptrdiff_t>(k));
                // Sometimes free only part of the run, keeping the rest live.
                if (n > 1 && rng() % 3 == 0) {
                    size_t part = 1 + rng() % (n - 1);
                    live.push_back({addr + part * page, n - part});
                    n = part;
                }
                ASSERT_TRUE(p.allocator.free(addr, n));
                for (size_t j = 0; j < n; ++j) {
                    used[(addr - base) / page + j] = false;
                }
                if (rng() % 4 == 0) {
                    ASSERT_FALSE(p.allocator.free(addr, n)) << "double free accepted";
                }
            } else if (op == 8) {
                size_t first = rng() % npages;
                size_t count = 1 + rng() % 20;
                size_t head = rng() % page;
                size_t tail = rng() % page;
                p.allocator.reserve(base + first * page + head, count * page - tail);
                // The range ends inside page first + count when head > tail.
                size_t last = first + count + (head > tail ? 1 : 0);
                for (size_t i = first; i < last && i < npages; ++i) {
                    used[i] = true;
                }
            } else {
                // Re-free a random range that holds no live run.
                size_t first = rng() % npages;
                size_t count = 1 + rng() % 20;
                bool clash = false;
                for (auto& [addr, n] : live) {
                    size_t a = (addr - base) / page;
                    clash = clash || (a < first + count && first < a + n);
                }
                if (!clash) {
                    add_free(first, count);
                }
            }
            ASSERT_TRUE(p.allocator.check()) << "seed " << seed << " step " << step;
            size_t model_free = 0;
            for (size_t i = 0; i < npages; ++i) {
                model_free += !used[i];
                ASSERT_EQ(p.allocator.is_free(base + i * page), !used[i]) << i;
            }
            ASSERT_EQ(p.allocator.free_pages(), model_free);
        }
    }
}

} // namespace
