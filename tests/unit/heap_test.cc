#include "mm/heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

using uk::Heap;
constexpr size_t page = 4096;

// A page source over one aligned buffer. Pages come bottom-up, so they
// extend the heap's arena, unless a gap is asked for between grants.
struct PageSource {
    explicit PageSource(size_t npages) : m_npages(npages) {
        m_memory = static_cast<uint8_t*>(std::aligned_alloc(page, npages * page));
    }
    ~PageSource() { std::free(m_memory); }
    PageSource(const PageSource&) = delete;
    PageSource& operator=(const PageSource&) = delete;

    static uintptr_t get(size_t npages, void* ctx) {
        auto* self = static_cast<PageSource*>(ctx);
        self->calls += 1;
        size_t skip = self->gap_pages;
        if (self->m_next + skip + npages > self->m_npages || self->calls > self->max_calls) {
            return 0;
        }
        self->m_next += skip;
        uintptr_t addr = reinterpret_cast<uintptr_t>(self->m_memory) + self->m_next * page;
        self->m_next += npages;
        return addr;
    }

    bool contains(const void* p, size_t len) const {
        auto addr = reinterpret_cast<uintptr_t>(p);
        auto lo = reinterpret_cast<uintptr_t>(m_memory);
        return addr >= lo && addr + len <= lo + m_npages * page;
    }

    size_t calls = 0;
    size_t max_calls = SIZE_MAX;
    size_t gap_pages = 0;

  private:
    uint8_t* m_memory;
    size_t m_npages;
    size_t m_next = 0;
};

TEST(Heap, AllocatesAlignedWritableMemory) {
    PageSource src(64);
    Heap heap(&PageSource::get, &src);
    std::vector<void*> ptrs;
    for (size_t size : {1u, 7u, 16u, 24u, 25u, 100u, 500u, 1000u, 4000u, 10000u}) {
        void* p = heap.alloc(size);
        ASSERT_NE(p, nullptr) << size;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
        EXPECT_TRUE(src.contains(p, size));
        EXPECT_GE(heap.usable_size(p), size);
        std::memset(p, 0xab, size);
        ptrs.push_back(p);
        ASSERT_TRUE(heap.check());
    }
    for (void* p : ptrs) {
        EXPECT_TRUE(heap.free(p));
        ASSERT_TRUE(heap.check());
    }
    EXPECT_EQ(heap.used_bytes(), 0u);
    EXPECT_EQ(heap.bad_free_count(), 0u);
}

TEST(Heap, OverheadIsAtMostSixteenBytes) {
    PageSource src(1024);
    Heap heap(&PageSource::get, &src);
    // One large free block to split, so no tail end gets absorbed.
    ASSERT_TRUE(heap.free(heap.alloc(2 << 20)));
    for (size_t size = 1; size < 3000; size += 7) {
        size_t before = heap.used_bytes();
        void* p = heap.alloc(size);
        ASSERT_NE(p, nullptr);
        size_t cost = heap.used_bytes() - before;
        // An 8-byte header plus rounding to 16, and a 32-byte minimum block.
        EXPECT_EQ(cost, std::max<size_t>(32, (size + 8 + 15) & ~size_t{15})) << size;
        EXPECT_EQ(heap.usable_size(p), cost - 8);
        if (size >= 24) {
            EXPECT_LE(cost - size, 8u + 15u) << size;
        }
    }
    EXPECT_TRUE(heap.check());
}

TEST(Heap, ZeroSizeGivesDistinctBlocks) {
    PageSource src(4);
    Heap heap(&PageSource::get, &src);
    void* a = heap.alloc(0);
    void* b = heap.alloc(0);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_NE(a, b);
    EXPECT_TRUE(heap.free(a));
    EXPECT_TRUE(heap.free(b));
    EXPECT_TRUE(heap.check());
}

TEST(Heap, NullFreeIsANoOp) {
    Heap heap;
    EXPECT_TRUE(heap.free(nullptr));
    EXPECT_EQ(heap.bad_free_count(), 0u);
    EXPECT_TRUE(heap.check());
}

TEST(Heap, EveryPowerOfTwoAlignment) {
    PageSource src(256);
    Heap heap(&PageSource::get, &src);
    std::vector<void*> ptrs;
    for (int round = 0; round < 3; ++round) {
        for (size_t align = 1; align <= Heap::max_align; align *= 2) {
            for (size_t size : {1u, 40u, 300u, 5000u}) {
                void* p = heap.alloc(size, align);
                ASSERT_NE(p, nullptr) << align << " " << size;
                EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % std::max<size_t>(align, 16), 0u);
                std::memset(p, 0x5a, size);
                ptrs.push_back(p);
                ASSERT_TRUE(heap.check()) << align << " " << size;
            }
        }
    }
    // Free in an order that interleaves the leading splits.
    for (size_t i = 0; i < ptrs.size(); i += 2) {
        ASSERT_TRUE(heap.free(ptrs[i]));
        ASSERT_TRUE(heap.check());
    }
    for (size_t i = 1; i < ptrs.size(); i += 2) {
        ASSERT_TRUE(heap.free(ptrs[i]));
        ASSERT_TRUE(heap.check());
    }
    EXPECT_EQ(heap.used_bytes(), 0u);
}

TEST(Heap, BadAlignmentOrSizeFails) {
    PageSource src(16);
    Heap heap(&PageSource::get, &src);
    EXPECT_EQ(heap.alloc(16, 0), nullptr);
    EXPECT_EQ(heap.alloc(16, 3), nullptr);
    EXPECT_EQ(heap.alloc(16, 48), nullptr);
    EXPECT_EQ(heap.alloc(16, 8192), nullptr);
    EXPECT_EQ(heap.alloc(Heap::max_size + 1), nullptr);
    EXPECT_EQ(heap.alloc(SIZE_MAX), nullptr);
    EXPECT_EQ(heap.alloc(SIZE_MAX - 7), nullptr);
    EXPECT_EQ(src.calls, 0u);
    EXPECT_TRUE(heap.check());
}

TEST(Heap, OutOfMemoryReturnsNullAndRecovers) {
    PageSource src(16);
    Heap heap(&PageSource::get, &src);
    std::vector<void*> ptrs;
    for (;;) {
        void* p = heap.alloc(1000);
        if (p == nullptr) {
            break;
        }
        ptrs.push_back(p);
        ASSERT_LT(ptrs.size(), 100u);
    }
    EXPECT_GE(ptrs.size(), 50u);
    EXPECT_TRUE(heap.check());
    EXPECT_EQ(heap.alloc(1 << 20), nullptr);
    EXPECT_TRUE(heap.check());
    ASSERT_TRUE(heap.free(ptrs.back()));
    ptrs.pop_back();
    void* again = heap.alloc(1000);
    EXPECT_NE(again, nullptr);
    ptrs.push_back(again);
    for (void* p : ptrs) {
        ASSERT_TRUE(heap.free(p));
    }
    EXPECT_TRUE(heap.check());
}

TEST(Heap, WithoutPageSourceOnlyUsesGivenMemory) {
    Heap heap;
    EXPECT_EQ(heap.alloc(16), nullptr);
    alignas(16) static uint8_t buffer[4096];
    ASSERT_TRUE(heap.add_memory(reinterpret_cast<uintptr_t>(buffer), sizeof buffer));
    EXPECT_EQ(heap.total_bytes(), sizeof buffer);
    void* p = heap.alloc(4096 - 32 - 8);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(heap.alloc(1), nullptr);
    EXPECT_TRUE(heap.free(p));
    EXPECT_TRUE(heap.check());
}

TEST(Heap, AddMemoryRejectsBadRanges) {
    Heap heap;
    alignas(16) static uint8_t buffer[8192];
    auto base = reinterpret_cast<uintptr_t>(buffer);
    EXPECT_FALSE(heap.add_memory(base, 0));
    EXPECT_FALSE(heap.add_memory(base, 63));
    EXPECT_FALSE(heap.add_memory(base + 1, 64)); // 48 bytes after alignment
    EXPECT_FALSE(heap.add_memory(UINTPTR_MAX - 100, 200));
    ASSERT_TRUE(heap.add_memory(base + 1024, 1024));
    EXPECT_FALSE(heap.add_memory(base + 512, 1024));  // overlaps the start
    EXPECT_FALSE(heap.add_memory(base + 1500, 100));  // inside
    EXPECT_FALSE(heap.add_memory(base + 1536, 4096)); // overlaps the end
    // Adjacent after: extends the arena. Adjacent before: a second arena.
    EXPECT_TRUE(heap.add_memory(base + 2048, 1024));
    EXPECT_TRUE(heap.add_memory(base, 1024));
    EXPECT_EQ(heap.total_bytes(), 3072u);
    EXPECT_TRUE(heap.check());
    // The extended arena is one free block: 2048 bytes minus its bookkeeping.
    void* big = heap.alloc(2048 - 32 - 8);
    EXPECT_NE(big, nullptr);
    EXPECT_TRUE(heap.check());
}

TEST(Heap, FreeNeighboursCoalesce) {
    PageSource src(16);
    src.max_calls = 1;
    Heap heap(&PageSource::get, &src);
    void* a = heap.alloc(100);
    void* b = heap.alloc(200);
    void* c = heap.alloc(300);
    void* d = heap.alloc(400);
    ASSERT_TRUE(a && b && c && d);
    EXPECT_TRUE(heap.free(a));
    EXPECT_TRUE(heap.free(c));
    ASSERT_TRUE(heap.check());
    EXPECT_TRUE(heap.free(b)); // merges with both a and c
    ASSERT_TRUE(heap.check());
    void* abc = heap.alloc(100 + 200 + 300 + 16);
    EXPECT_EQ(abc, a);
    EXPECT_TRUE(heap.free(abc));
    EXPECT_TRUE(heap.free(d));
    ASSERT_TRUE(heap.check());
    // Everything merged back into one block covering the whole arena.
    void* all = heap.alloc(heap.total_bytes() - 32 - 8);
    EXPECT_EQ(all, a);
    EXPECT_EQ(src.calls, 1u);
    EXPECT_TRUE(heap.free(all));
}

TEST(Heap, DoubleFreeIsDetected) {
    PageSource src(16);
    Heap heap(&PageSource::get, &src);
    void* a = heap.alloc(64);
    void* b = heap.alloc(64);
    void* c = heap.alloc(64);
    ASSERT_TRUE(a && b && c);
    EXPECT_TRUE(heap.free(b));
    size_t used = heap.used_bytes();
    EXPECT_FALSE(heap.free(b));
    EXPECT_EQ(heap.bad_free_count(), 1u);
    EXPECT_EQ(heap.used_bytes(), used);
    EXPECT_TRUE(heap.check());
    // c merges into b's free block, wiping its header: still detected.
    EXPECT_TRUE(heap.free(c));
    EXPECT_FALSE(heap.free(c));
    EXPECT_FALSE(heap.free(b));
    EXPECT_EQ(heap.bad_free_count(), 3u);
    EXPECT_TRUE(heap.check());
    EXPECT_TRUE(heap.free(a));
    EXPECT_FALSE(heap.free(a));
    EXPECT_TRUE(heap.check());
}

TEST(Heap, ForeignPointersAreRejected) {
    PageSource src(16);
    Heap heap(&PageSource::get, &src);
    auto* a = static_cast<uint8_t*>(heap.alloc(256));
    ASSERT_NE(a, nullptr);
    std::memset(a, 0, 256);
    alignas(16) uint8_t local[64] = {};
    EXPECT_FALSE(heap.free(local));
    EXPECT_FALSE(heap.free(a + 1));
    EXPECT_FALSE(heap.free(a + 16));
    EXPECT_FALSE(heap.free(a + 128));
    EXPECT_FALSE(heap.free(reinterpret_cast<void*>(16)));
    EXPECT_FALSE(heap.free(reinterpret_cast<void*>(UINTPTR_MAX & ~uintptr_t{15})));
    EXPECT_EQ(heap.bad_free_count(), 6u);
    EXPECT_EQ(heap.usable_size(a + 16), 0u);
    EXPECT_EQ(heap.usable_size(local), 0u);
    EXPECT_TRUE(heap.check());
    EXPECT_TRUE(heap.free(a));
    EXPECT_TRUE(heap.check());
}

TEST(Heap, CheckNoticesCorruption) {
    PageSource src(16);
    Heap heap(&PageSource::get, &src);
    auto* a = static_cast<uint8_t*>(heap.alloc(32));
    void* b = heap.alloc(32);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(heap.check());
    // An overrun of a into b's header.
    uint8_t saved[8];
    std::memcpy(saved, a + 40, 8);
    std::memset(a + 40, 0x41, 8);
    EXPECT_FALSE(heap.check());
    EXPECT_FALSE(heap.free(b));
    std::memcpy(a + 40, saved, 8);
    EXPECT_TRUE(heap.check());
    EXPECT_TRUE(heap.free(b));
    EXPECT_TRUE(heap.free(a));
}

TEST(Heap, LargeAllocationsGrowTheHeap) {
    PageSource src(1024);
    Heap heap(&PageSource::get, &src);
    void* small = heap.alloc(64);
    void* big = heap.alloc(1 << 20);
    ASSERT_NE(small, nullptr);
    ASSERT_NE(big, nullptr);
    std::memset(big, 1, 1 << 20);
    EXPECT_TRUE(heap.check());
    void* big2 = heap.alloc(2 << 20);
    ASSERT_NE(big2, nullptr);
    EXPECT_TRUE(heap.check());
    EXPECT_TRUE(heap.free(big));
    EXPECT_TRUE(heap.free(big2));
    EXPECT_TRUE(heap.free(small));
    EXPECT_TRUE(heap.check());
    EXPECT_EQ(heap.used_bytes(), 0u);
    // Contiguous grants extend one arena, so it all merged into one block.
    size_t calls = src.calls;
    void* all = heap.alloc(heap.total_bytes() - 32 - 8);
    EXPECT_NE(all, nullptr);
    EXPECT_EQ(src.calls, calls);
}

TEST(Heap, ScatteredPageGrantsMakeSeparateArenas) {
    PageSource src(1024);
    src.gap_pages = 1;
    Heap heap(&PageSource::get, &src);
    std::vector<void*> ptrs;
    for (int i = 0; i < 40; ++i) {
        void* p = heap.alloc(6000);
        ASSERT_NE(p, nullptr);
        ptrs.push_back(p);
        ASSERT_TRUE(heap.check());
    }
    EXPECT_GT(src.calls, 10u);
    for (void* p : ptrs) {
        ASSERT_TRUE(heap.free(p));
        ASSERT_TRUE(heap.check());
    }
    EXPECT_EQ(heap.bad_free_count(), 0u);
}

TEST(Heap, InitForgetsEverything) {
    PageSource src(16);
    Heap heap(&PageSource::get, &src);
    ASSERT_NE(heap.alloc(100), nullptr);
    heap.init(nullptr, nullptr);
    EXPECT_EQ(heap.total_bytes(), 0u);
    EXPECT_EQ(heap.alloc(100), nullptr);
    EXPECT_TRUE(heap.check());
}

// Random allocations and frees; every block is filled with its own byte and
// checked when freed, which catches overlapping blocks and metadata written
// into live payloads.
TEST(Heap, RandomAgainstModel) {
    for (uint32_t seed = 1; seed <= 6; ++seed) {
        std::mt19937 rng(seed);
        PageSource src(2048);
        src.gap_pages = seed % 3 == 0 ? 1 : 0;
        Heap heap(&PageSource::get, &src);
        struct Live {
            uint8_t* ptr;
            size_t size;
            uint8_t fill;
        };
        std::vector<Live> live;
        size_t model_used = 0;
        for (int step = 0; step < 6000; ++step) {
            if (rng() % 100 < 55 || live.empty()) {
                size_t size = rng() % 8 == 0 ? rng() % 20000 : rng() % 300;
                size_t align = rng() % 6 == 0 ? size_t{1} << (rng() % 13) : 16;
                auto* p = static_cast<uint8_t*>(heap.alloc(size, align));
                if (p == nullptr) {
                    ASSERT_TRUE(heap.check());
                    continue;
                }
                ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % std::max<size_t>(align, 16), 0u);
                ASSERT_TRUE(src.contains(p, size));
                ASSERT_GE(heap.usable_size(p), size);
                auto fill = static_cast<uint8_t>(rng());
                std::memset(p, fill, heap.usable_size(p));
                model_used += heap.usable_size(p) + 8;
                live.push_back({p, size, fill});
            } else {
                size_t k = rng() % live.size();
                Live block = live[k];
                live[k] = live.back();
                live.pop_back();
                size_t usable = heap.usable_size(block.ptr);
                ASSERT_GE(usable, block.size);
                for (size_t i = 0; i < usable; ++i) {
                    ASSERT_EQ(block.ptr[i], block.fill) << "seed " << seed << " step " << step;
                }
                ASSERT_TRUE(heap.free(block.ptr));
                model_used -= usable + 8;
                if (rng() % 10 == 0) {
                    ASSERT_FALSE(heap.free(block.ptr));
                }
            }
            ASSERT_EQ(heap.used_bytes(), model_used);
            ASSERT_TRUE(heap.check()) << "seed " << seed << " step " << step;
        }
        for (const Live& block : live) {
            ASSERT_TRUE(heap.free(block.ptr));
        }
        EXPECT_EQ(heap.used_bytes(), 0u);
        EXPECT_TRUE(heap.check());
    }
}

} // namespace
