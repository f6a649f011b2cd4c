#include "mm/vmspace.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <ostream>
#include <tuple>
#include <type_traits>
#include <vector>

namespace uk::mm {

void PrintTo(const Vma& v, std::ostream* os) {
    *os << std::hex << "[0x" << v.start << ", 0x" << v.end << ") prot " << int(v.prot) << " flags "
        << v.flags << " kind " << int(v.kind);
}

bool operator==(const Vma& a, const Vma& b) {
    return a.start == b.start && a.end == b.end && a.prot == b.prot && a.flags == b.flags &&
           a.kind == b.kind;
}

} // namespace uk::mm

namespace {

using uk::mm::AddressSpace;
using uk::mm::MapMode;
using uk::mm::Vma;
using uk::mm::VmKind;

constexpr uintptr_t P = AddressSpace::page;
constexpr uintptr_t user_end = AddressSpace::user_end;
constexpr uintptr_t guard = AddressSpace::guard_gap;
constexpr uint8_t R = uk::mm::vm_read;
constexpr uint8_t RW = uk::mm::vm_read | uk::mm::vm_write;
constexpr uint8_t RX = uk::mm::vm_read | uk::mm::vm_exec;
constexpr uint16_t growsdown = uk::mm::vm_growsdown;
constexpr uint16_t locked = uk::mm::vm_locked;
constexpr unsigned maymove = uk::mm::remap_maymove;
constexpr unsigned fixed = uk::mm::remap_fixed;
constexpr unsigned dontunmap = uk::mm::remap_dontunmap;

constexpr uintptr_t mmap_min = 0x10000;
constexpr uintptr_t base = 0x4000'0000;

using Span = std::pair<uintptr_t, uintptr_t>;

// Page tables as the set of present pages, each with its protection and a
// tag naming the physical page behind it, plus a log of every callback.
struct FakePageTables {
    struct Page {
        uint8_t prot;
        uint64_t tag;
    };
    std::map<uintptr_t, Page> present;
    std::vector<Span> unmaps;
    std::vector<std::tuple<uintptr_t, uintptr_t, uint8_t>> protects;
    std::vector<std::tuple<uintptr_t, uintptr_t, size_t>> moves;
    bool fail_move = false;
    uint64_t next_tag = 1;

    size_t calls() const { return unmaps.size() + protects.size() + moves.size(); }

    void clear_log() {
        unmaps.clear();
        protects.clear();
        moves.clear();
    }

    static void unmap(void* ctx, uintptr_t lo, uintptr_t hi) {
        auto* self = static_cast<FakePageTables*>(ctx);
        EXPECT_LT(lo, hi);
        self->unmaps.push_back({lo, hi});
        self->present.erase(self->present.lower_bound(lo), self->present.lower_bound(hi));
    }

    static void protect(void* ctx, uintptr_t lo, uintptr_t hi, uint8_t prot) {
        auto* self = static_cast<FakePageTables*>(ctx);
        EXPECT_LT(lo, hi);
        self->protects.push_back({lo, hi, prot});
        for (auto it = self->present.lower_bound(lo); it != self->present.lower_bound(hi); ++it) {
            it->second.prot = prot;
        }
    }

    static bool move(void* ctx, uintptr_t from, uintptr_t to, size_t len) {
        auto* self = static_cast<FakePageTables*>(ctx);
        if (self->fail_move) {
            return false;
        }
        self->moves.push_back({from, to, len});
        EXPECT_EQ(self->present.lower_bound(to), self->present.lower_bound(to + len))
            << "move target has present pages";
        std::map<uintptr_t, Page> moved;
        auto first = self->present.lower_bound(from);
        auto last = self->present.lower_bound(from + len);
        for (auto it = first; it != last; ++it) {
            moved[it->first - from + to] = it->second;
        }
        self->present.erase(first, last);
        self->present.insert(moved.begin(), moved.end());
        return true;
    }

    uk::mm::PageTableOps ops() { return {this, &unmap, &protect, &move}; }
};

// malloc with a switch that makes every allocation fail, and a count of what
// is live so leaks show.
struct TestAllocator {
    bool fail = false;
    size_t allocs = 0;
    size_t live = 0;

    static void* alloc(void* ctx, size_t bytes) {
        auto* self = static_cast<TestAllocator*>(ctx);
        if (self->fail) {
            return nullptr;
        }
        self->allocs += 1;
        self->live += 1;
        return std::malloc(bytes);
    }

    static void release(void* ctx, void* ptr, size_t) {
        static_cast<TestAllocator*>(ctx)->live -= 1;
        std::free(ptr);
    }

    uk::mm::VmAllocator allocator() { return {this, &alloc, &release}; }
};

struct Space {
    FakePageTables pt;
    TestAllocator mem;
    AddressSpace as;

    explicit Space(uintptr_t min = mmap_min, uintptr_t mmap_base = base) {
        as.init(pt.ops(), mem.allocator(), min, mmap_base);
    }

    ~Space() {
        as.clear();
        EXPECT_EQ(mem.live, 0u);
    }

    // Maps at exactly addr, or fails the test.
    void fixed_map(uintptr_t addr, size_t len, uint8_t prot = RW, uint16_t flags = 0,
                   VmKind kind = VmKind::anon) {
        uintptr_t out = 0;
        ASSERT_EQ(as.map(addr, len, prot, flags, kind, MapMode::fixed, &out), 0);
        ASSERT_EQ(out, addr);
    }

    uintptr_t anywhere(uintptr_t hint, size_t len, uint8_t prot = RW, uint16_t flags = 0) {
        uintptr_t out = 0;
        EXPECT_EQ(as.map(hint, len, prot, flags, VmKind::anon, MapMode::anywhere, &out), 0);
        return out;
    }

    // Simulates faults: every page of [lo, hi) becomes present with the
    // protection of its range.
    void touch(uintptr_t lo, uintptr_t hi) {
        for (uintptr_t p = lo; p < hi; p += P) {
            const Vma* v = as.find(p);
            ASSERT_NE(v, nullptr);
            pt.present[p] = {v->prot, pt.next_tag++};
        }
    }

    std::vector<Vma> ranges() const {
        std::vector<Vma> all;
        as.for_each(0, UINTPTR_MAX, [&](const Vma& v) { all.push_back(v); });
        return all;
    }

    std::vector<uintptr_t> present_pages() const {
        std::vector<uintptr_t> pages;
        for (const auto& [addr, page] : pt.present) {
            pages.push_back(addr);
        }
        return pages;
    }
};

Vma anon(uintptr_t start, uintptr_t end, uint8_t prot = RW, uint16_t flags = 0) {
    return {start, end, prot, flags, VmKind::anon};
}

std::vector<uintptr_t> pages(uintptr_t lo, uintptr_t hi) {
    std::vector<uintptr_t> all;
    for (uintptr_t p = lo; p < hi; p += P) {
        all.push_back(p);
    }
    return all;
}

std::vector<uintptr_t> operator+(std::vector<uintptr_t> a, const std::vector<uintptr_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

TEST(AddressSpace, StartsEmpty) {
    Space s;
    EXPECT_EQ(s.as.count(), 0u);
    EXPECT_EQ(s.as.mapped_bytes(), 0u);
    EXPECT_EQ(s.as.find(mmap_min), nullptr);
    EXPECT_EQ(s.as.find_next(0), nullptr);
    EXPECT_TRUE(s.as.is_free(0, user_end));
    EXPECT_FALSE(s.as.covers(mmap_min, mmap_min + P));
    EXPECT_TRUE(s.as.covers(mmap_min, mmap_min));
    EXPECT_TRUE(s.as.check());
    EXPECT_EQ(s.mem.allocs, 0u);
}

TEST(AddressSpace, ClearAndInitFreeTheArray) {
    TestAllocator mem;
    FakePageTables pt;
    AddressSpace as;
    static_assert(std::is_trivially_destructible_v<AddressSpace>);
    as.init(pt.ops(), mem.allocator(), mmap_min, base);
    uintptr_t out;
    ASSERT_EQ(as.map(0, P, RW, 0, VmKind::anon, MapMode::anywhere, &out), 0);
    EXPECT_EQ(mem.live, 1u);
    as.init(pt.ops(), mem.allocator(), mmap_min, base);
    EXPECT_EQ(mem.live, 0u);
    EXPECT_EQ(as.count(), 0u);
    EXPECT_EQ(as.mapped_bytes(), 0u);
    ASSERT_EQ(as.map(0, P, RW, 0, VmKind::anon, MapMode::anywhere, &out), 0);
    EXPECT_EQ(out, base - P);
    as.clear();
    EXPECT_EQ(mem.live, 0u);
    EXPECT_EQ(as.find(base - P), nullptr);
    // Still usable, with the same callbacks and layout.
    ASSERT_EQ(as.map(0, P, RW, 0, VmKind::anon, MapMode::anywhere, &out), 0);
    EXPECT_EQ(out, base - P);
    EXPECT_TRUE(as.check());
    as.clear();
    EXPECT_EQ(mem.live, 0u);
    EXPECT_TRUE(pt.unmaps.empty());
}

TEST(AddressSpace, FixedMinimumLetsFixedMappingsGoLower) {
    Space s;
    uintptr_t out;
    EXPECT_EQ(s.as.map(0, P, RW, 0, VmKind::anon, MapMode::fixed, &out), -EPERM);
    s.as.set_fixed_min(0);
    ASSERT_EQ(s.as.map(0, P, RW, 0, VmKind::anon, MapMode::fixed, &out), 0);
    EXPECT_EQ(out, 0u);
    // Placement still keeps to mmap_min: a low hint is moved up.
    EXPECT_EQ(s.anywhere(2 * P, P), mmap_min);
    EXPECT_TRUE(s.as.check());
    // It never rises above mmap_min.
    Space t;
    t.as.set_fixed_min(mmap_min + 16 * P);
    EXPECT_EQ(t.as.map(mmap_min, P, RW, 0, VmKind::anon, MapMode::fixed, &out), 0);
}

TEST(AddressSpace, AppendLaysOutTheStartInOrder) {
    Space s;
    const uintptr_t img = 0x100000;
    // The kernel's parts merge into one reservation; the app's segments stay
    // apart where their protections differ, and merge where they match.
    ASSERT_EQ(s.as.append(img, img + 2 * P, RX, 0, VmKind::kernel), 0);
    ASSERT_EQ(s.as.append(img + 2 * P, img + 4 * P, RW, 0, VmKind::kernel), 0);
    ASSERT_EQ(s.as.append(img + 4 * P, img + 5 * P, RX, 0, VmKind::image), 0);
    ASSERT_EQ(s.as.append(img + 6 * P, img + 7 * P, RW, 0, VmKind::image), 0);
    ASSERT_EQ(s.as.append(img + 7 * P, img + 8 * P, RW, 0, VmKind::image), 0);
    ASSERT_EQ(s.as.append(user_end - 4 * P, user_end, RW, uk::mm::vm_growsdown, VmKind::stack), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{
                              {img, img + 4 * P, 0, 0, VmKind::kernel},
                              {img + 4 * P, img + 5 * P, RX, 0, VmKind::image},
                              {img + 6 * P, img + 8 * P, RW, 0, VmKind::image},
                              {user_end - 4 * P, user_end, RW, uk::mm::vm_growsdown, VmKind::stack},
                          }));
    EXPECT_EQ(s.as.mapped_bytes(), 7 * P);
    EXPECT_TRUE(s.as.check());
    // What it refuses: out of order, unaligned, empty, past the user half.
    EXPECT_EQ(s.as.append(img, img + P, RW, 0, VmKind::anon), -EINVAL);
    EXPECT_EQ(s.as.append(user_end, user_end + P, RW, 0, VmKind::anon), -EINVAL);
    Space t;
    EXPECT_EQ(t.as.append(img + 1, img + P, RW, 0, VmKind::anon), -EINVAL);
    EXPECT_EQ(t.as.append(img, img, RW, 0, VmKind::anon), -EINVAL);
    EXPECT_EQ(t.as.count(), 0u);
    // The kernel's part stays refused to the operations that touch ranges.
    EXPECT_EQ(s.as.unmap(img, P), -EINVAL);
    EXPECT_EQ(s.as.protect(img, P, R), -ENOMEM);
}

TEST(AddressSpace, AnywhereGoesDownFromMmapBaseAndMerges) {
    Space s;
    EXPECT_EQ(s.anywhere(0, 2 * P), base - 2 * P);
    EXPECT_EQ(s.anywhere(0, 1), base - 3 * P);
    EXPECT_EQ(s.as.count(), 1u);
    EXPECT_EQ(s.anywhere(0, P, R), base - 4 * P);
    EXPECT_EQ(s.ranges(),
              (std::vector<Vma>{anon(base - 4 * P, base - 3 * P, R), anon(base - 3 * P, base)}));
    EXPECT_EQ(s.as.mapped_bytes(), 4 * P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, OnlyIdenticalNeighboursMerge) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, P, RW);
    s.fixed_map(x + P, P, RW, uk::mm::vm_noreserve);
    s.fixed_map(x + 2 * P, P, RW, 0, VmKind::heap);
    s.fixed_map(x + 3 * P, P, R);
    s.fixed_map(x + 4 * P, P, R);
    EXPECT_EQ(s.as.count(), 4u);
    ASSERT_EQ(s.as.reserve_kernel(x + 5 * P, x + 6 * P), 0);
    EXPECT_EQ(s.as.count(), 5u);
    ASSERT_EQ(s.as.reserve_kernel(x + 6 * P, x + 7 * P), 0);
    EXPECT_EQ(s.as.count(), 5u);
    EXPECT_EQ(s.as.mapped_bytes(), 5 * P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, HintIsUsedWhenTheWholeRangeIsFree) {
    Space s;
    EXPECT_EQ(s.anywhere(0x500000, 2 * P), 0x500000u);
    // Unaligned hints round down.
    EXPECT_EQ(s.anywhere(0x700123, P), 0x700000u);
    // A hint below mmap_min becomes mmap_min; below one page it is no hint.
    EXPECT_EQ(s.anywhere(0x2000, P), mmap_min);
    EXPECT_EQ(s.anywhere(0x123, P), base - P);
    // A hint past mmap_base is fine.
    EXPECT_EQ(s.anywhere(0x7000'0000'0000, P), 0x7000'0000'0000u);
    EXPECT_EQ(s.anywhere(user_end - P, P), user_end - P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, HintIsRefusedWhenAnythingIsInTheWay) {
    Space s;
    s.fixed_map(0x500000, 2 * P);
    // Overlapping the start, the end, or the whole of the range.
    EXPECT_EQ(s.anywhere(0x500000 - P, 2 * P, R), base - 2 * P);
    EXPECT_EQ(s.anywhere(0x500000 + P, 2 * P, RX), base - 4 * P);
    EXPECT_EQ(s.anywhere(0x500000 - P, 4 * P, R), base - 8 * P);
    // Running past user_end.
    EXPECT_EQ(s.anywhere(user_end - P, 2 * P, RX), base - 10 * P);
    // Inside a stack's guard gap.
    uintptr_t stack = 0x6000'0000;
    s.fixed_map(stack, 8 * P, RW, growsdown);
    EXPECT_EQ(s.anywhere(stack - 2 * P, P, R), base - 11 * P);
    EXPECT_EQ(s.anywhere(stack - guard - P, P, RX), stack - guard - P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, TopDownTakesTheHighestGapThatFits) {
    Space s;
    s.fixed_map(base - 2 * P, P, R);
    s.fixed_map(base - 5 * P, P, R);
    // [base - P, base) is one page, [base - 4P, base - 2P) two.
    EXPECT_EQ(s.anywhere(0, 3 * P), base - 8 * P);
    EXPECT_EQ(s.anywhere(0, 2 * P, RX), base - 4 * P);
    EXPECT_EQ(s.anywhere(0, P, RX), base - P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, TopDownKeepsClearOfGuardGaps) {
    Space s;
    uintptr_t stack = base - 8 * P;
    s.fixed_map(stack, 8 * P, RW, growsdown);
    EXPECT_EQ(s.anywhere(0, P), stack - guard - P);
    // A stack above mmap_base still reserves its gap below mmap_base.
    Space t;
    t.fixed_map(base + 10 * P, 4 * P, RW, growsdown);
    EXPECT_EQ(t.anywhere(0, 2 * P), base + 10 * P - guard - 2 * P);
    // A fixed mapping may go into a guard gap; placement still keeps out.
    t.fixed_map(base - 10 * P, P, R);
    EXPECT_EQ(t.anywhere(0, P, RX), base + 10 * P - guard - 3 * P);
    EXPECT_EQ(t.anywhere(base - 100 * P, P, RX), base + 10 * P - guard - 4 * P);
    EXPECT_TRUE(s.as.check());
    EXPECT_TRUE(t.as.check());
}

TEST(AddressSpace, SearchFallsBackToBottomUpAboveMmapMin) {
    Space s(mmap_min, mmap_min + 4 * P);
    EXPECT_EQ(s.anywhere(0, 4 * P), mmap_min);
    EXPECT_EQ(s.anywhere(0, 2 * P, R), mmap_min + 4 * P);
    s.fixed_map(mmap_min + 7 * P, P, RX);
    EXPECT_EQ(s.anywhere(0, 2 * P, RX), mmap_min + 8 * P);
    EXPECT_EQ(s.anywhere(0, P, RX), mmap_min + 6 * P);
    uintptr_t out = 0;
    EXPECT_EQ(s.as.map(0, user_end - mmap_min, R, 0, VmKind::anon, MapMode::anywhere, &out),
              -ENOMEM);
    EXPECT_EQ(
        s.as.map(0, user_end - mmap_min - 10 * P, R, 0, VmKind::anon, MapMode::anywhere, &out), 0);
    EXPECT_EQ(out, mmap_min + 10 * P);
    EXPECT_EQ(s.as.map(0, P, R, 0, VmKind::anon, MapMode::anywhere, &out), -ENOMEM);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, MapArgumentErrors) {
    Space s;
    uintptr_t out = 0;
    auto map = [&](uintptr_t addr, size_t len, MapMode mode, uint8_t prot = RW,
                   VmKind kind = VmKind::anon) {
        return s.as.map(addr, len, prot, 0, kind, mode, &out);
    };
    EXPECT_EQ(map(0, 0, MapMode::anywhere), -EINVAL);
    EXPECT_EQ(map(0x100000, 0, MapMode::fixed), -EINVAL);
    EXPECT_EQ(map(0, P, MapMode::anywhere, 8), -EINVAL);
    EXPECT_EQ(map(0, P, MapMode::anywhere, RW, VmKind::kernel), -EINVAL);
    EXPECT_EQ(map(0, SIZE_MAX, MapMode::anywhere), -ENOMEM);
    EXPECT_EQ(map(0, SIZE_MAX - P, MapMode::anywhere), -ENOMEM);
    EXPECT_EQ(map(0, user_end + 1, MapMode::anywhere), -ENOMEM);
    EXPECT_EQ(map(0x100000, SIZE_MAX, MapMode::fixed), -ENOMEM);
    EXPECT_EQ(map(0x100001, P, MapMode::fixed), -EINVAL);
    EXPECT_EQ(map(0x100001, P, MapMode::fixed_noreplace), -EINVAL);
    EXPECT_EQ(map(user_end - P, 2 * P, MapMode::fixed), -ENOMEM);
    EXPECT_EQ(map(user_end, P, MapMode::fixed), -ENOMEM);
    EXPECT_EQ(map(UINTPTR_MAX - P + 1, P, MapMode::fixed), -ENOMEM);
    // Past the end is checked before alignment, as on Linux.
    EXPECT_EQ(map(user_end + 1, P, MapMode::fixed), -ENOMEM);
    EXPECT_EQ(map(0, P, MapMode::fixed), -EPERM);
    EXPECT_EQ(map(mmap_min - P, P, MapMode::fixed), -EPERM);
    EXPECT_EQ(map(mmap_min - P, P, MapMode::fixed_noreplace), -EPERM);
    EXPECT_EQ(s.as.count(), 0u);
    EXPECT_EQ(s.mem.allocs, 0u);
    EXPECT_EQ(map(user_end - P, P, MapMode::fixed), 0);
    EXPECT_EQ(map(mmap_min, P, MapMode::fixed_noreplace), 0);
    EXPECT_EQ(s.ranges(),
              (std::vector<Vma>{anon(mmap_min, mmap_min + P), anon(user_end - P, user_end)}));
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, FixedReplacesWhatItOverlapsAndNothingElse) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 4 * P, RW);
    s.fixed_map(x + 6 * P, 4 * P, R);
    s.touch(x, x + 4 * P);
    s.touch(x + 6 * P, x + 10 * P);
    s.fixed_map(x + 2 * P, 6 * P, RX, 0, VmKind::image);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + 2 * P, x + 4 * P}, {x + 6 * P, x + 8 * P}}));
    EXPECT_TRUE(s.pt.protects.empty());
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P, RW),
                                            {x + 2 * P, x + 8 * P, RX, 0, VmKind::image},
                                            anon(x + 8 * P, x + 10 * P, R)}));
    EXPECT_EQ(s.present_pages(), pages(x, x + 2 * P) + pages(x + 8 * P, x + 10 * P));
    EXPECT_EQ(s.as.mapped_bytes(), 10 * P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, FixedMergesWithItsNeighbours) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 3 * P, 2 * P);
    EXPECT_EQ(s.as.count(), 2u);
    s.fixed_map(x + 2 * P, P);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 5 * P)}));
    // Replacing the middle of an identical range leaves one range, with the
    // middle's pages dropped.
    s.touch(x, x + 5 * P);
    s.fixed_map(x + P, 3 * P);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 5 * P)}));
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + P, x + 4 * P}}));
    EXPECT_EQ(s.present_pages(), (std::vector<uintptr_t>{x, x + 4 * P}));
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, NoReplaceRefusesAnyOverlap) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 2 * P);
    auto noreplace = [&](uintptr_t addr, size_t len) {
        return s.as.map(addr, len, RW, 0, VmKind::anon, MapMode::fixed_noreplace, &out);
    };
    EXPECT_EQ(noreplace(x + P, P), -EEXIST);
    EXPECT_EQ(noreplace(x - P, 2 * P), -EEXIST);
    EXPECT_EQ(noreplace(x - P, 4 * P), -EEXIST);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P)}));
    EXPECT_EQ(noreplace(x + 2 * P, P), 0);
    EXPECT_EQ(out, x + 2 * P);
    EXPECT_EQ(noreplace(x - P, P), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x - P, x + 3 * P)}));
    EXPECT_TRUE(s.pt.unmaps.empty());
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, UnmapSplitsBothEnds) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 10 * P);
    s.touch(x, x + 10 * P);
    ASSERT_EQ(s.as.unmap(x + 3 * P, 2 * P), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 3 * P), anon(x + 5 * P, x + 10 * P)}));
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + 3 * P, x + 5 * P}}));
    EXPECT_EQ(s.present_pages(), pages(x, x + 3 * P) + pages(x + 5 * P, x + 10 * P));
    // Across a hole and into both ranges; holes are not reported.
    s.pt.clear_log();
    ASSERT_EQ(s.as.unmap(x + P, 7 * P), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + P), anon(x + 8 * P, x + 10 * P)}));
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + P, x + 3 * P}, {x + 5 * P, x + 8 * P}}));
    EXPECT_EQ(s.present_pages(), pages(x, x + P) + pages(x + 8 * P, x + 10 * P));
    // A pure hole is fine; a length rounds up to whole pages.
    s.pt.clear_log();
    EXPECT_EQ(s.as.unmap(x + 2 * P, 4 * P), 0);
    EXPECT_TRUE(s.pt.unmaps.empty());
    EXPECT_EQ(s.as.unmap(x + 8 * P, 1), 0);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + 8 * P, x + 9 * P}}));
    EXPECT_EQ(s.as.mapped_bytes(), 2 * P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, UnmapArgumentErrors) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 2 * P);
    EXPECT_EQ(s.as.unmap(x + 1, P), -EINVAL);
    EXPECT_EQ(s.as.unmap(x, 0), -EINVAL);
    EXPECT_EQ(s.as.unmap(user_end, 0), -EINVAL);
    EXPECT_EQ(s.as.unmap(user_end, P), -EINVAL);
    EXPECT_EQ(s.as.unmap(user_end + P, P), -EINVAL);
    EXPECT_EQ(s.as.unmap(user_end - P, P + 1), -EINVAL);
    EXPECT_EQ(s.as.unmap(x, SIZE_MAX), -EINVAL);
    EXPECT_EQ(s.as.unmap(x, user_end - x + 1), -EINVAL);
    EXPECT_EQ(s.as.unmap(UINTPTR_MAX - P + 1, P), -EINVAL);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P)}));
    EXPECT_EQ(s.as.unmap(user_end - P, P), 0);
    EXPECT_EQ(s.as.unmap(x, user_end - x), 0);
    EXPECT_EQ(s.as.count(), 0u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, HugeUnmapOfSparseSpaceTouchesOnlyItsRanges) {
    Space s;
    s.fixed_map(mmap_min, P);
    s.fixed_map(0x3000'0000'0000, 3 * P);
    s.fixed_map(user_end - 2 * P, 2 * P);
    s.touch(0x3000'0000'0000, 0x3000'0000'0000 + P);
    size_t allocs = s.mem.allocs;
    ASSERT_EQ(s.as.unmap(0, user_end), 0);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{mmap_min, mmap_min + P},
                                              {0x3000'0000'0000, 0x3000'0000'0000 + 3 * P},
                                              {user_end - 2 * P, user_end}}));
    EXPECT_EQ(s.pt.calls(), 3u);
    EXPECT_EQ(s.mem.allocs, allocs);
    EXPECT_EQ(s.as.count(), 0u);
    EXPECT_TRUE(s.pt.present.empty());
    s.pt.clear_log();
    ASSERT_EQ(s.as.unmap(0, user_end), 0);
    EXPECT_EQ(s.pt.calls(), 0u);
    EXPECT_EQ(s.as.protect(0, user_end, R), -ENOMEM);
    EXPECT_EQ(s.pt.calls(), 0u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, ProtectSplitsAndMergesBack) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 8 * P);
    s.touch(x, x + 8 * P);
    ASSERT_EQ(s.as.protect(x + 2 * P, 2 * P, R), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P), anon(x + 2 * P, x + 4 * P, R),
                                            anon(x + 4 * P, x + 8 * P)}));
    using Protect = std::tuple<uintptr_t, uintptr_t, uint8_t>;
    EXPECT_EQ(s.pt.protects, (std::vector<Protect>{{x + 2 * P, x + 4 * P, R}}));
    for (const auto& [addr, page] : s.pt.present) {
        EXPECT_EQ(page.prot, addr >= x + 2 * P && addr < x + 4 * P ? R : RW) << addr;
    }
    ASSERT_EQ(s.as.protect(x + 2 * P, 2 * P, RW), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 8 * P)}));
    size_t allocs = s.mem.allocs;
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(s.as.protect(x + (i % 7) * P, P, R), 0);
        ASSERT_EQ(s.as.protect(x + (i % 7) * P, P, RW), 0);
        ASSERT_EQ(s.as.count(), 1u);
    }
    EXPECT_EQ(s.mem.allocs, allocs);
    // An unchanged protection asks nothing of the page tables.
    s.pt.clear_log();
    ASSERT_EQ(s.as.protect(x, 8 * P, RW), 0);
    EXPECT_TRUE(s.pt.protects.empty());
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, ProtectAcrossRangesReportsOnlyWhatChanges) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 2 * P, R);
    s.fixed_map(x + 2 * P, 2 * P, RW);
    s.fixed_map(x + 4 * P, 2 * P, RX);
    ASSERT_EQ(s.as.protect(x + P, 2 * P, RW), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + P, R), anon(x + P, x + 4 * P, RW),
                                            anon(x + 4 * P, x + 6 * P, RX)}));
    using Protect = std::tuple<uintptr_t, uintptr_t, uint8_t>;
    EXPECT_EQ(s.pt.protects, (std::vector<Protect>{{x + P, x + 2 * P, RW}}));
    s.pt.clear_log();
    ASSERT_EQ(s.as.protect(x, 6 * P, 0), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 6 * P, 0)}));
    EXPECT_EQ(s.pt.protects.size(), 3u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, ProtectNeedsTheWholeRangeMapped) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 3 * P, 2 * P);
    auto before = s.ranges();
    EXPECT_EQ(s.as.protect(x, 5 * P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(x - P, 2 * P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(x + 4 * P, 2 * P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(x + 1, P, R), -EINVAL);
    EXPECT_EQ(s.as.protect(x, SIZE_MAX, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(x, SIZE_MAX - 2 * P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(x, P, 8), -EINVAL);
    // A wrapping end is found before a bad protection, as on Linux.
    EXPECT_EQ(s.as.protect(x, SIZE_MAX, 8), -ENOMEM);
    EXPECT_EQ(s.as.protect(user_end, P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(user_end - P, 2 * P, R), -ENOMEM);
    EXPECT_EQ(s.ranges(), before);
    EXPECT_EQ(s.pt.calls(), 0u);
    // A zero length succeeds anywhere, even unmapped.
    EXPECT_EQ(s.as.protect(x + 2 * P, 0, R), 0);
    EXPECT_EQ(s.as.protect(user_end + P, 0, R), 0);
    EXPECT_EQ(s.as.protect(x + 1, 0, R), -EINVAL);
    EXPECT_EQ(s.as.protect(x, 1, R), 0);
    EXPECT_EQ(s.as.count(), 3u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapShrinksInPlace) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 4 * P);
    s.touch(x, x + 4 * P);
    ASSERT_EQ(s.as.remap(x, 4 * P, 2 * P, 0, 0, &out), 0);
    EXPECT_EQ(out, x);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + 2 * P, x + 4 * P}}));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P)}));
    // Equal lengths change nothing; the tail of a shrink may cross ranges
    // and holes.
    ASSERT_EQ(s.as.remap(x, 2 * P, 2 * P - 5, 0, 0, &out), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P)}));
    s.fixed_map(x + 3 * P, 2 * P, R);
    s.pt.clear_log();
    ASSERT_EQ(s.as.remap(x, 4 * P, P, maymove, 0, &out), 0);
    EXPECT_EQ(out, x);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + P, x + 2 * P}, {x + 3 * P, x + 4 * P}}));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + P), anon(x + 4 * P, x + 5 * P, R)}));
    EXPECT_TRUE(s.pt.moves.empty());
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapGrowsInPlaceWhenThePagesAfterAreFree) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 6 * P, 2 * P);
    ASSERT_EQ(s.as.remap(x, 2 * P, 4 * P, 0, 0, &out), 0);
    EXPECT_EQ(out, x);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 4 * P), anon(x + 6 * P, x + 8 * P)}));
    // Growing up to an identical range merges with it.
    ASSERT_EQ(s.as.remap(x, 4 * P, 6 * P, 0, 0, &out), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 8 * P)}));
    EXPECT_EQ(s.pt.calls(), 0u);
    EXPECT_EQ(s.as.mapped_bytes(), 8 * P);
    // The part named must end where its range ends to grow in place.
    EXPECT_EQ(s.as.remap(x, 2 * P, 3 * P, 0, 0, &out), -ENOMEM);
    s.fixed_map(x + 9 * P, P, R);
    EXPECT_EQ(s.as.remap(x, 8 * P, 10 * P, 0, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(user_end - P, P, 2 * P, 0, 0, &out), -EFAULT);
    s.fixed_map(user_end - P, P, R);
    EXPECT_EQ(s.as.remap(user_end - P, P, 2 * P, 0, 0, &out), -ENOMEM);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 8 * P), anon(x + 9 * P, x + 10 * P, R),
                                            anon(user_end - P, user_end, R)}));
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapMovesWhenItCannotGrow) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 2 * P, P, R);
    s.touch(x, x + 2 * P);
    uint64_t tag0 = s.pt.present[x].tag;
    uint64_t tag1 = s.pt.present[x + P].tag;
    ASSERT_EQ(s.as.remap(x, 2 * P, 4 * P, maymove, 0, &out), 0);
    EXPECT_EQ(out, base - 4 * P);
    using Move = std::tuple<uintptr_t, uintptr_t, size_t>;
    EXPECT_EQ(s.pt.moves, (std::vector<Move>{{x, base - 4 * P, 2 * P}}));
    EXPECT_TRUE(s.pt.unmaps.empty());
    EXPECT_EQ(s.ranges(),
              (std::vector<Vma>{anon(x + 2 * P, x + 3 * P, R), anon(base - 4 * P, base)}));
    EXPECT_EQ(s.present_pages(), (std::vector<uintptr_t>{base - 4 * P, base - 3 * P}));
    EXPECT_EQ(s.pt.present[base - 4 * P].tag, tag0);
    EXPECT_EQ(s.pt.present[base - 3 * P].tag, tag1);
    EXPECT_EQ(s.as.mapped_bytes(), 5 * P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapMoveFailureChangesNothing) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 2 * P, P, R);
    s.touch(x, x + 2 * P);
    auto before = s.ranges();
    auto present = s.present_pages();
    s.pt.fail_move = true;
    EXPECT_EQ(s.as.remap(x, 2 * P, 4 * P, maymove, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(x, 2 * P, 2 * P, maymove | dontunmap, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(x, 2 * P, P, maymove | fixed, 0x200000, &out), -ENOMEM);
    EXPECT_EQ(s.ranges(), before);
    EXPECT_EQ(s.present_pages(), present);
    EXPECT_EQ(s.pt.calls(), 0u);
    // With remap_fixed the target is gone already, as on Linux.
    s.fixed_map(0x200000, 4 * P, RX);
    s.touch(0x200000, 0x200000 + 4 * P);
    EXPECT_EQ(s.as.remap(x, 2 * P, 2 * P, maymove | fixed, 0x200000 + P, &out), -ENOMEM);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{0x200000 + P, 0x200000 + 3 * P}}));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 2 * P), anon(x + 2 * P, x + 3 * P, R),
                                            anon(0x200000, 0x200000 + P, RX),
                                            anon(0x200000 + 3 * P, 0x200000 + 4 * P, RX)}));
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapFixedReplacesTheTarget) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t y = 0x200000;
    uintptr_t out = 0;
    s.fixed_map(x, 2 * P, RW, 0, VmKind::heap);
    s.fixed_map(y, 4 * P, R);
    s.touch(x, x + 2 * P);
    s.touch(y, y + 4 * P);
    uint64_t tag = s.pt.present[x + P].tag;
    ASSERT_EQ(s.as.remap(x, 2 * P, 2 * P, maymove | fixed, y + P, &out), 0);
    EXPECT_EQ(out, y + P);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{y + P, y + 3 * P}}));
    using Move = std::tuple<uintptr_t, uintptr_t, size_t>;
    EXPECT_EQ(s.pt.moves, (std::vector<Move>{{x, y + P, 2 * P}}));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(y, y + P, R),
                                            {y + P, y + 3 * P, RW, 0, VmKind::heap},
                                            anon(y + 3 * P, y + 4 * P, R)}));
    EXPECT_EQ(s.present_pages(), pages(y, y + 4 * P));
    EXPECT_EQ(s.pt.present[y + 2 * P].tag, tag);
    EXPECT_EQ(s.as.mapped_bytes(), 4 * P);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapFixedShrinksAndGrows) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    // The tail of a shrinking move may cross ranges.
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 2 * P, 2 * P, R);
    ASSERT_EQ(s.as.remap(x, 4 * P, P, maymove | fixed, 0x300000, &out), 0);
    EXPECT_EQ(out, 0x300000u);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{x + P, x + 2 * P}, {x + 2 * P, x + 4 * P}}));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(0x300000, 0x300000 + P)}));
    // The part that moves must lie in one range.
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 2 * P, 2 * P, R);
    EXPECT_EQ(s.as.remap(x, 4 * P, 3 * P, maymove | fixed, 0x400000, &out), -EFAULT);
    EXPECT_EQ(s.as.remap(x, 4 * P, 4 * P, maymove | fixed, 0x400000, &out), -EFAULT);
    // Growing while moving: the new range is longer than what moved.
    s.pt.clear_log();
    ASSERT_EQ(s.as.remap(x, 2 * P, 5 * P, maymove | fixed, 0x400000, &out), 0);
    using Move = std::tuple<uintptr_t, uintptr_t, size_t>;
    EXPECT_EQ(s.pt.moves, (std::vector<Move>{{x, 0x400000, 2 * P}}));
    EXPECT_EQ(s.ranges(),
              (std::vector<Vma>{anon(x + 2 * P, x + 4 * P, R), anon(0x300000, 0x300000 + P),
                                anon(0x400000, 0x400000 + 5 * P)}));
    // A move within its own range.
    s.fixed_map(0x500000, 16 * P);
    ASSERT_EQ(s.as.remap(0x500000 + 2 * P, 2 * P, 2 * P, maymove | fixed, 0x500000 + 8 * P, &out),
              0);
    EXPECT_EQ(s.as.find(0x500000 + 4 * P)->start, 0x500000 + 4 * P);
    EXPECT_EQ(s.as.find(0x500000 + 4 * P)->end, 0x500000 + 16 * P);
    EXPECT_EQ(s.as.find(0x500000 + 2 * P), nullptr);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapDontUnmapLeavesTheOldRangeMappedAndEmpty) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t y = 0x200000;
    uintptr_t out = 0;
    s.fixed_map(x, 4 * P, RW, locked);
    s.touch(x, x + 4 * P);
    ASSERT_EQ(s.as.remap(x + P, 2 * P, 2 * P, maymove | dontunmap, y, &out), 0);
    EXPECT_EQ(out, y);
    EXPECT_TRUE(s.pt.unmaps.empty());
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + P, RW, locked), anon(x + P, x + 3 * P, RW),
                                            anon(x + 3 * P, x + 4 * P, RW, locked),
                                            anon(y, y + 2 * P, RW, locked)}));
    EXPECT_EQ(s.present_pages(), (std::vector<uintptr_t>{x, x + 3 * P, y, y + P}));
    EXPECT_EQ(s.as.mapped_bytes(), 6 * P);
    // An occupied hint is placed elsewhere; with remap_fixed it is replaced.
    ASSERT_EQ(s.as.remap(x, P, P, maymove | dontunmap, y, &out), 0);
    EXPECT_EQ(out, base - P);
    s.pt.clear_log();
    ASSERT_EQ(s.as.remap(x + 3 * P, P, P, maymove | dontunmap | fixed, y, &out), 0);
    EXPECT_EQ(out, y);
    EXPECT_EQ(s.pt.unmaps, (std::vector<Span>{{y, y + P}}));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 4 * P, RW), anon(y, y + 2 * P, RW, locked),
                                            anon(base - P, base, RW, locked)}));
    // With no free place at all.
    s.fixed_map(base, user_end - base, R);
    s.fixed_map(mmap_min, x - mmap_min, R);
    s.fixed_map(x + 4 * P, y - x - 4 * P, R);
    s.fixed_map(y + 2 * P, base - P - y - 2 * P, R);
    EXPECT_TRUE(s.as.is_free(0, mmap_min));
    EXPECT_EQ(s.as.remap(x, P, P, maymove | dontunmap, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(x, P, 2 * P, maymove, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.count(), 7u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, RemapArgumentErrorsInLinuxOrder) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 4 * P);
    s.fixed_map(x + 4 * P, 2 * P, R);
    auto before = s.ranges();
    auto remap = [&](uintptr_t old, size_t old_len, size_t new_len, unsigned flags,
                     uintptr_t new_addr = 0) {
        return s.as.remap(old, old_len, new_len, flags, new_addr, &out);
    };
    EXPECT_EQ(remap(x, P, P, 8), -EINVAL);
    EXPECT_EQ(remap(x, P, P, fixed, 0x300000), -EINVAL);
    EXPECT_EQ(remap(x, P, 2 * P, maymove | dontunmap), -EINVAL);
    EXPECT_EQ(remap(x, P, P, dontunmap), -EINVAL);
    // Lengths are compared as given: these round to the same pages.
    EXPECT_EQ(remap(x, P, P - 1, maymove | dontunmap), -EINVAL);
    EXPECT_EQ(remap(x + 1, P, P, 0), -EINVAL);
    EXPECT_EQ(remap(x, P, 0, 0), -EINVAL);
    EXPECT_EQ(remap(x, P, SIZE_MAX, maymove), -EINVAL);
    EXPECT_EQ(remap(0x300000, P, P, 0), -EFAULT);
    // An unaligned new address is found before the missing old range.
    EXPECT_EQ(remap(0x300000, P, P, maymove | fixed, 0x400001), -EINVAL);
    EXPECT_EQ(remap(x, P, P, maymove | fixed, 0x400001), -EINVAL);
    // Duplicating (old_len 0) and lengths that wrap to 0.
    EXPECT_EQ(remap(x, 0, P, maymove), -EINVAL);
    EXPECT_EQ(remap(x, 0, P, maymove | fixed, 0x400000), -EINVAL);
    EXPECT_EQ(remap(x, SIZE_MAX, 10 * P, maymove), -EINVAL);
    // A huge old length that does not wrap: its tail leaves the user half.
    EXPECT_EQ(remap(x, SIZE_MAX - P + 1, P, 0), -EINVAL);
    // Growing across the end of the old range.
    EXPECT_EQ(remap(x, 5 * P, 6 * P, maymove), -EFAULT);
    EXPECT_EQ(remap(x + 3 * P, 2 * P, 3 * P, maymove), -EFAULT);
    // New addresses that leave the user half or overlap the old range.
    EXPECT_EQ(remap(x, P, P, maymove | fixed, user_end), -EINVAL);
    EXPECT_EQ(remap(x, P, 2 * P, maymove | fixed, user_end - P), -EINVAL);
    EXPECT_EQ(remap(x, P, user_end + P, maymove | fixed, 0), -EINVAL);
    EXPECT_EQ(remap(x, P, P, maymove | fixed, x), -EINVAL);
    EXPECT_EQ(remap(x, 2 * P, P, maymove | fixed, x + P), -EINVAL);
    EXPECT_EQ(remap(x + 2 * P, P, 3 * P, maymove | fixed, x), -EINVAL);
    EXPECT_EQ(remap(x, P, P, maymove | fixed, mmap_min - P), -EPERM);
    // No room to grow or to move to.
    EXPECT_EQ(remap(x + 4 * P, 2 * P, user_end, maymove), -ENOMEM);
    EXPECT_EQ(s.ranges(), before);
    EXPECT_EQ(s.pt.calls(), 0u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, ExtendDownGrowsAStackWhileTheGuardGapHolds) {
    Space s;
    uintptr_t stack = 0x1000'0000;
    uintptr_t below = stack - 300 * P;
    s.fixed_map(below - P, P, R);
    s.fixed_map(stack, 8 * P, RW, growsdown);
    EXPECT_TRUE(s.as.extend_down(stack - 1, 64 * P));
    EXPECT_EQ(s.as.find(stack - P)->start, stack - P);
    EXPECT_TRUE(s.as.extend_down(stack - 20 * P - 5, 64 * P));
    EXPECT_EQ(s.as.find(stack)->start, stack - 21 * P);
    EXPECT_EQ(s.as.mapped_bytes(), 30 * P);
    // The size limit.
    EXPECT_FALSE(s.as.extend_down(stack - 40 * P, 47 * P));
    EXPECT_TRUE(s.as.extend_down(stack - 40 * P, 48 * P));
    // Exactly guard_gap must remain above the range below.
    EXPECT_FALSE(s.as.extend_down(below + guard - 1, SIZE_MAX));
    EXPECT_TRUE(s.as.extend_down(below + guard, SIZE_MAX));
    EXPECT_EQ(s.as.find(stack)->start, below + guard);
    // Inside a range, below a range that is not a stack, above nothing.
    EXPECT_FALSE(s.as.extend_down(stack, SIZE_MAX));
    EXPECT_FALSE(s.as.extend_down(below - 2 * P, SIZE_MAX));
    EXPECT_FALSE(s.as.extend_down(stack + 8 * P, SIZE_MAX));
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(below - P, below, R),
                                            anon(below + guard, stack + 8 * P, RW, growsdown)}));
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, ExtendDownMayMeetAProtNoneRangeButNotAKernelOne) {
    Space s;
    uintptr_t stack = 0x1000'0000;
    s.fixed_map(stack - 2 * P, P, 0);
    s.fixed_map(stack, 4 * P, RW, growsdown);
    EXPECT_TRUE(s.as.extend_down(stack - P, SIZE_MAX));
    ASSERT_EQ(s.as.reserve_kernel(0x2000'0000 - 2 * P, 0x2000'0000 - P), 0);
    s.fixed_map(0x2000'0000, 4 * P, RW, growsdown);
    EXPECT_FALSE(s.as.extend_down(0x2000'0000 - 1, SIZE_MAX));
    // Nor below mmap_min.
    Space t;
    t.fixed_map(mmap_min, 4 * P, RW, growsdown);
    EXPECT_FALSE(t.as.extend_down(mmap_min - 1, SIZE_MAX));
    EXPECT_TRUE(s.as.check());
    EXPECT_TRUE(t.as.check());
}

TEST(AddressSpace, KernelRangesAreNeverTheApps) {
    Space s;
    uintptr_t k = 0x100000;
    uintptr_t out = 0;
    ASSERT_EQ(s.as.reserve_kernel(k, k + 16 * P), 0);
    EXPECT_EQ(s.as.reserve_kernel(k + 1, k + 2 * P), -EINVAL);
    EXPECT_EQ(s.as.reserve_kernel(k + 32 * P, k + 32 * P), -EINVAL);
    EXPECT_EQ(s.as.reserve_kernel(user_end - P, user_end + P), -EINVAL);
    EXPECT_EQ(s.as.reserve_kernel(k + 15 * P, k + 17 * P), -EEXIST);
    const Vma* v = s.as.find(k + 3 * P);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->kind, VmKind::kernel);
    EXPECT_EQ(s.as.mapped_bytes(), 0u);
    EXPECT_FALSE(s.as.is_free(k, k + P));
    EXPECT_FALSE(s.as.covers(k, k + P));
    s.fixed_map(k + 16 * P, 4 * P);
    s.touch(k + 16 * P, k + 20 * P);
    auto before = s.ranges();

    auto map = [&](uintptr_t addr, size_t len, MapMode mode) {
        return s.as.map(addr, len, RW, 0, VmKind::anon, mode, &out);
    };
    EXPECT_EQ(map(k + 15 * P, 2 * P, MapMode::fixed), -ENOMEM);
    EXPECT_EQ(map(k + 15 * P, 2 * P, MapMode::fixed_noreplace), -ENOMEM);
    EXPECT_EQ(s.as.unmap(k + 15 * P, 2 * P), -EINVAL);
    EXPECT_EQ(s.as.unmap(0, user_end), -EINVAL);
    EXPECT_EQ(s.as.protect(k, P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(k + 15 * P, 2 * P, R), -ENOMEM);
    EXPECT_EQ(s.as.remap(k, P, P, 0, 0, &out), -EFAULT);
    EXPECT_EQ(s.as.remap(k, P, 2 * P, maymove | fixed, 0x300000, &out), -EFAULT);
    EXPECT_EQ(s.as.remap(k + 16 * P, P, P, maymove | fixed, k, &out), -EINVAL);
    EXPECT_EQ(s.as.extend_down(k - 1, SIZE_MAX), false);
    EXPECT_EQ(s.ranges(), before);
    EXPECT_EQ(s.pt.calls(), 0u);

    // Placement steps around it, and a grow cannot swallow it.
    EXPECT_NE(s.anywhere(k, P), k);
    Space t(mmap_min, k + 16 * P);
    ASSERT_EQ(t.as.reserve_kernel(k, k + 16 * P), 0);
    EXPECT_EQ(t.anywhere(0, P), k - P);
    EXPECT_EQ(t.as.remap(k - P, P, 2 * P, 0, 0, &out), -ENOMEM);
    t.fixed_map(k - 2 * P, P);
    EXPECT_EQ(t.as.remap(k - 2 * P, 2 * P, P, 0, 0, &out), 0);
    EXPECT_EQ(t.as.remap(k - P, 2 * P, P, 0, 0, &out), -EFAULT);
    EXPECT_TRUE(s.as.check());
    EXPECT_TRUE(t.as.check());
}

TEST(AddressSpace, MapCountLimitCountsTheResult) {
    Space s;
    // Ranges of three pages with one-page holes, up to the limit.
    auto at = [](size_t i) { return mmap_min + i * 4 * P; };
    for (size_t i = 0; i < AddressSpace::max_map_count; ++i) {
        uintptr_t out = 0;
        ASSERT_EQ(s.as.map(at(i), 3 * P, RW, 0, VmKind::anon, MapMode::fixed, &out), 0);
    }
    ASSERT_EQ(s.as.count(), AddressSpace::max_map_count);
    uintptr_t out = 0;
    size_t n = AddressSpace::max_map_count;
    EXPECT_EQ(s.as.map(at(n), P, RW, 0, VmKind::anon, MapMode::fixed, &out), -ENOMEM);
    EXPECT_EQ(s.as.map(0, P, RW, 0, VmKind::anon, MapMode::anywhere, &out), -ENOMEM);
    EXPECT_EQ(s.as.unmap(at(5) + P, P), -ENOMEM);
    EXPECT_EQ(s.as.protect(at(5) + P, P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(at(5), P, R), -ENOMEM);
    EXPECT_EQ(s.as.reserve_kernel(at(n), at(n) + P), -ENOMEM);
    EXPECT_EQ(s.as.remap(at(5), 3 * P, 3 * P, maymove | fixed, at(n), &out), -ENOMEM);
    EXPECT_EQ(s.as.count(), n);
    // What adds no range still works: a whole range's protection, trimming
    // an end, filling a hole between identical ranges.
    EXPECT_EQ(s.as.protect(at(5), 3 * P, R), 0);
    EXPECT_EQ(s.as.unmap(at(6), P), 0);
    EXPECT_EQ(s.as.map(at(7) + 3 * P, P, RW, 0, VmKind::anon, MapMode::fixed, &out), 0);
    EXPECT_EQ(s.as.count(), n - 1);
    EXPECT_EQ(s.as.map(at(n), P, RW, 0, VmKind::anon, MapMode::fixed, &out), 0);
    EXPECT_EQ(s.as.count(), n);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, MapLimitCanBeLowered) {
    Space s;
    s.as.set_map_limit(5);
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.fixed_map(x, 4 * P);
    // A move needs room for four more ranges.
    ASSERT_EQ(s.as.remap(x, P, P, maymove | fixed, 0x200000, &out), 0);
    EXPECT_EQ(s.as.count(), 2u);
    EXPECT_EQ(s.as.remap(x + P, P, P, maymove | fixed, 0x300000, &out), -ENOMEM);
    ASSERT_EQ(s.as.protect(x + 2 * P, P, R), 0);
    ASSERT_EQ(s.as.map(0x400000, P, R, 0, VmKind::anon, MapMode::fixed, &out), 0);
    EXPECT_EQ(s.as.count(), 5u);
    EXPECT_EQ(s.as.map(0x500000, P, R, 0, VmKind::anon, MapMode::fixed, &out), -ENOMEM);
    EXPECT_EQ(s.as.count(), 5u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, AllocationFailureChangesNothing) {
    Space s;
    uintptr_t x = 0x100000;
    uintptr_t out = 0;
    s.mem.fail = true;
    EXPECT_EQ(s.as.map(0, P, RW, 0, VmKind::anon, MapMode::anywhere, &out), -ENOMEM);
    EXPECT_EQ(s.as.reserve_kernel(x, x + P), -ENOMEM);
    EXPECT_EQ(s.as.count(), 0u);
    s.mem.fail = false;
    // Fill the first array (16 ranges) exactly.
    for (size_t i = 0; i < 16; ++i) {
        s.fixed_map(x + i * 4 * P, 3 * P);
    }
    s.touch(x, x + 3 * P);
    ASSERT_EQ(s.mem.allocs, 1u);
    auto before = s.ranges();
    auto present = s.present_pages();
    s.mem.fail = true;
    EXPECT_EQ(s.as.map(x + 64 * P, P, RW, 0, VmKind::anon, MapMode::fixed, &out), -ENOMEM);
    EXPECT_EQ(s.as.map(x + P, P, R, 0, VmKind::anon, MapMode::fixed, &out), -ENOMEM);
    EXPECT_EQ(s.as.unmap(x + P, P), -ENOMEM);
    EXPECT_EQ(s.as.protect(x + P, P, R), -ENOMEM);
    EXPECT_EQ(s.as.protect(x, P, R), -ENOMEM);
    EXPECT_EQ(s.as.remap(x, 3 * P, 3 * P, maymove | fixed, x + 64 * P, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(x, 3 * P, 8 * P, maymove, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(x + P, P, P, maymove | dontunmap, 0, &out), -ENOMEM);
    EXPECT_EQ(s.as.remap(x, 3 * P, P, 0, 0, &out), 0);
    EXPECT_EQ(s.as.count(), 16u);
    EXPECT_EQ(s.ranges()[0], anon(x, x + P));
    before[0].end = x + P;
    present.resize(1);
    EXPECT_EQ(s.ranges(), before);
    EXPECT_EQ(s.present_pages(), present);
    EXPECT_EQ(s.pt.moves.size(), 0u);
    EXPECT_EQ(s.pt.protects.size(), 0u);
    // What needs no room still works: whole ranges, merges, in-place grows.
    EXPECT_EQ(s.as.protect(x + 4 * P, 3 * P, R), 0);
    EXPECT_EQ(s.as.unmap(x + 8 * P, 3 * P), 0);
    EXPECT_EQ(s.as.map(x + 15 * P, P, RW, 0, VmKind::anon, MapMode::fixed, &out), 0);
    EXPECT_EQ(s.as.remap(x, P, 2 * P, 0, 0, &out), 0);
    EXPECT_EQ(s.as.count(), 14u);
    EXPECT_EQ(s.mem.allocs, 1u);
    // Splits fill the array up to its capacity, then need memory.
    EXPECT_EQ(s.as.unmap(x + 13 * P, P), 0);
    EXPECT_EQ(s.as.unmap(x + 17 * P, P), 0);
    EXPECT_EQ(s.as.count(), 16u);
    EXPECT_EQ(s.as.unmap(x + 15 * P, P), -ENOMEM);
    s.mem.fail = false;
    EXPECT_EQ(s.as.unmap(x + 15 * P, P), 0);
    EXPECT_EQ(s.as.count(), 17u);
    EXPECT_EQ(s.mem.allocs, 2u);
    EXPECT_EQ(s.mem.live, 1u);
    EXPECT_TRUE(s.as.check());
}

TEST(AddressSpace, LookupsAndWalks) {
    Space s;
    uintptr_t x = 0x100000;
    s.fixed_map(x, 2 * P);
    s.fixed_map(x + 3 * P, 2 * P, R);
    ASSERT_EQ(s.as.reserve_kernel(x + 5 * P, x + 6 * P), 0);
    EXPECT_EQ(s.as.find(x - 1), nullptr);
    EXPECT_EQ(s.as.find(x)->start, x);
    EXPECT_EQ(s.as.find(x + 2 * P - 1)->start, x);
    EXPECT_EQ(s.as.find(x + 2 * P), nullptr);
    EXPECT_EQ(s.as.find(x + 4 * P)->prot, R);
    EXPECT_EQ(s.as.find(x + 4 * P)->prot, R);
    EXPECT_EQ(s.as.find(x)->prot, RW);
    EXPECT_EQ(s.as.find(x + 5 * P)->kind, VmKind::kernel);
    EXPECT_EQ(s.as.find(x + 6 * P), nullptr);
    EXPECT_EQ(s.as.find_next(0)->start, x);
    EXPECT_EQ(s.as.find_next(x + P)->start, x);
    EXPECT_EQ(s.as.find_next(x + 2 * P)->start, x + 3 * P);
    EXPECT_EQ(s.as.find_next(x + 6 * P), nullptr);
    std::vector<Vma> seen;
    s.as.for_each(x + P, x + 4 * P, [&](const Vma& v) { seen.push_back(v); });
    EXPECT_EQ(seen, (std::vector<Vma>{anon(x + P, x + 2 * P), anon(x + 3 * P, x + 4 * P, R)}));
    EXPECT_TRUE(s.as.covers(x, x + 2 * P));
    EXPECT_FALSE(s.as.covers(x, x + 4 * P));
    EXPECT_FALSE(s.as.covers(x + 3 * P, x + 6 * P));
    EXPECT_TRUE(s.as.is_free(x + 2 * P, x + 3 * P));
    EXPECT_FALSE(s.as.is_free(x + 2 * P, x + 3 * P + 1));
    EXPECT_FALSE(s.as.is_free(x + 5 * P, x + 6 * P));
    // Protecting A merges it with B when they become identical and adjacent.
    s.fixed_map(x + 2 * P, P, R);
    ASSERT_EQ(s.as.protect(x, 2 * P, R), 0);
    EXPECT_EQ(s.ranges(), (std::vector<Vma>{anon(x, x + 5 * P, R),
                                            {x + 5 * P, x + 6 * P, 0, 0, VmKind::kernel}}));
    EXPECT_TRUE(s.as.check());
}

} // namespace
