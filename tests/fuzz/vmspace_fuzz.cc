// Fuzzes the address space with map/unmap/protect/remap/extend_down/
// reserve_kernel sequences, simulated faults and lookups, with allocation and
// page-table move failures on demand, against a page-by-page model: after
// every step the ranges must equal the model's runs of identical pages,
// check() must hold, the callbacks must have covered exactly the pages the
// model expects, and every present page must lie in an app range with that
// range's protection. Addresses live mostly in a few thousand low pages,
// with probes near 0, near user_end and beyond.

#include "mm/vmspace.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using uk::mm::AddressSpace;
using uk::mm::MapMode;
using uk::mm::Vma;
using uk::mm::VmKind;

constexpr uint64_t P = AddressSpace::page;
constexpr uint64_t user_end = AddressSpace::user_end;
constexpr uint64_t end_page = user_end / P;
constexpr uint64_t guard_pages = AddressSpace::guard_gap / P;
constexpr uint64_t min_page = 16;
constexpr uint64_t base_page = 1024;
constexpr uint64_t low_pages = 2048;
// Steps that would add more pages than this to the model are not run.
constexpr uint64_t max_new_pages = 1 << 14;
// A model answer outside every result: the step is too large to model.
constexpr int skip = 1000;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "vmspace_fuzz: %s\n", what);
    std::abort();
}

void expect(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

struct Attr {
    uint8_t prot;
    uint16_t flags;
    VmKind kind;
    bool operator==(const Attr&) const = default;
};

struct Frame {
    uint8_t prot;
    uint64_t tag;
    bool operator==(const Frame&) const = default;
};

// Page intervals [first, second).
using Intervals = std::vector<std::pair<uint64_t, uint64_t>>;
using Move = std::tuple<uint64_t, uint64_t, uint64_t>;

// Sorts and joins touching intervals; overlapping ones (a page reported
// twice) fail.
Intervals normalize(Intervals in) {
    std::sort(in.begin(), in.end());
    Intervals out;
    for (const auto& i : in) {
        if (!out.empty() && i.first < out.back().second) {
            fail("a callback covered a page twice");
        }
        if (!out.empty() && i.first == out.back().second) {
            out.back().second = i.second;
        } else {
            out.push_back(i);
        }
    }
    return out;
}

// The page tables: present pages, plus what the callbacks asked for in the
// current step.
struct FakePageTables {
    std::map<uint64_t, Frame> present;
    Intervals unmapped;
    Intervals reprotected;
    std::vector<uint8_t> prots;
    std::vector<Move> moves;
    bool fail_move = false;

    void new_step() {
        unmapped.clear();
        reprotected.clear();
        prots.clear();
        moves.clear();
    }

    size_t calls() const { return unmapped.size() + reprotected.size() + moves.size(); }

    static void check_span(uintptr_t lo, uintptr_t hi) {
        expect(lo < hi && lo % P == 0 && hi % P == 0 && hi <= user_end, "bad callback span");
    }

    static void unmap(void* ctx, uintptr_t lo, uintptr_t hi) {
        auto* self = static_cast<FakePageTables*>(ctx);
        check_span(lo, hi);
        self->unmapped.push_back({lo / P, hi / P});
        self->present.erase(self->present.lower_bound(lo / P), self->present.lower_bound(hi / P));
    }

    static void protect(void* ctx, uintptr_t lo, uintptr_t hi, uint8_t prot) {
        auto* self = static_cast<FakePageTables*>(ctx);
        check_span(lo, hi);
        self->reprotected.push_back({lo / P, hi / P});
        self->prots.push_back(prot);
        for (auto it = self->present.lower_bound(lo / P); it != self->present.lower_bound(hi / P);
             ++it) {
            it->second.prot = prot;
        }
    }

    static bool move(void* ctx, uintptr_t from, uintptr_t to, size_t len) {
        auto* self = static_cast<FakePageTables*>(ctx);
        check_span(from, from + len);
        check_span(to, to + len);
        if (self->fail_move) {
            return false;
        }
        self->moves.push_back({from / P, to / P, len / P});
        uint64_t f = from / P;
        uint64_t t = to / P;
        uint64_t n = len / P;
        expect(self->present.lower_bound(t) == self->present.lower_bound(t + n),
               "move target has present pages");
        std::vector<std::pair<uint64_t, Frame>> moved;
        auto first = self->present.lower_bound(f);
        auto last = self->present.lower_bound(f + n);
        for (auto it = first; it != last; ++it) {
            moved.push_back({it->first - f + t, it->second});
        }
        self->present.erase(first, last);
        self->present.insert(moved.begin(), moved.end());
        return true;
    }

    uk::mm::PageTableOps ops() { return {this, &unmap, &protect, &move}; }
};

struct TestAllocator {
    bool fail = false;
    bool refused = false;
    size_t live = 0;

    static void* alloc(void* ctx, size_t bytes) {
        auto* self = static_cast<TestAllocator*>(ctx);
        if (self->fail) {
            self->refused = true;
            return nullptr;
        }
        self->live += 1;
        return std::malloc(bytes);
    }

    static void release(void* ctx, void* ptr, size_t) {
        static_cast<TestAllocator*>(ctx)->live -= 1;
        std::free(ptr);
    }

    uk::mm::VmAllocator allocator() { return {this, &alloc, &release}; }
};

// The address space page by page, the present pages it should leave, and the
// callbacks the current step should make.
struct Model {
    std::map<uint64_t, Attr> pages;
    std::map<uint64_t, Frame> present;
    Intervals unmapped;
    Intervals reprotected;
    std::vector<Move> moves;

    bool any(uint64_t lo, uint64_t hi) const {
        auto it = pages.lower_bound(lo);
        return it != pages.end() && it->first < hi;
    }

    bool any_kernel(uint64_t lo, uint64_t hi) const {
        for (auto it = pages.lower_bound(lo); it != pages.end() && it->first < hi; ++it) {
            if (it->second.kind == VmKind::kernel) {
                return true;
            }
        }
        return false;
    }

    // True when every page of [lo, hi) is mapped and satisfies pred.
    template <class F> bool all(uint64_t lo, uint64_t hi, F pred) const {
        if (hi - lo > pages.size()) {
            return false;
        }
        uint64_t n = 0;
        for (auto it = pages.lower_bound(lo); it != pages.end() && it->first < hi; ++it) {
            if (!pred(it->second)) {
                return false;
            }
            ++n;
        }
        return n == hi - lo;
    }

    void erase(uint64_t lo, uint64_t hi, bool unmap_pages) {
        auto first = pages.lower_bound(lo);
        auto last = pages.lower_bound(hi);
        for (auto it = first; it != last; ++it) {
            if (unmap_pages && it->second.kind != VmKind::kernel) {
                unmapped.push_back({it->first, it->first + 1});
            }
        }
        pages.erase(first, last);
        present.erase(present.lower_bound(lo), present.lower_bound(hi));
    }

    void fill(uint64_t lo, uint64_t hi, Attr a) {
        for (uint64_t p = lo; p < hi; ++p) {
            pages[p] = a;
        }
    }

    std::vector<Vma> ranges() const {
        std::vector<Vma> out;
        for (const auto& [p, a] : pages) {
            if (!out.empty() && out.back().end == p * P && out.back().prot == a.prot &&
                out.back().flags == a.flags && out.back().kind == a.kind) {
                out.back().end += P;
            } else {
                out.push_back({p * P, (p + 1) * P, a.prot, a.flags, a.kind});
            }
        }
        return out;
    }

    size_t runs() const { return ranges().size(); }

    // The end (exclusive) of the run of identical pages holding page p.
    uint64_t run_end(uint64_t p) const {
        Attr a = pages.at(p);
        auto it = pages.find(p);
        uint64_t end = p;
        while (it != pages.end() && it->first == end && it->second == a) {
            ++end;
            ++it;
        }
        return end;
    }

    // Pages no new mapping may take: mapped ones and the guard_pages below
    // the start of every growsdown run.
    Intervals blocked() const {
        Intervals b;
        const Attr* prev = nullptr;
        uint64_t prev_page = 0;
        for (const auto& [p, a] : pages) {
            b.push_back({p, p + 1});
            bool starts_run = prev == nullptr || prev_page + 1 != p || !(*prev == a);
            if (starts_run && (a.flags & uk::mm::vm_growsdown) != 0) {
                b.push_back({p > guard_pages ? p - guard_pages : 0, p});
            }
            prev = &a;
            prev_page = p;
        }
        std::sort(b.begin(), b.end());
        Intervals merged;
        for (const auto& i : b) {
            if (!merged.empty() && i.first <= merged.back().second) {
                merged.back().second = std::max(merged.back().second, i.second);
            } else {
                merged.push_back(i);
            }
        }
        return merged;
    }

    // Free page intervals of [lo, hi), ascending.
    static Intervals free_in(const Intervals& blocked, uint64_t lo, uint64_t hi) {
        Intervals out;
        uint64_t at = lo;
        for (const auto& b : blocked) {
            if (b.second <= at) {
                continue;
            }
            if (b.first >= hi) {
                break;
            }
            if (b.first > at) {
                out.push_back({at, b.first});
            }
            at = b.second;
        }
        if (at < hi) {
            out.push_back({at, hi});
        }
        return out;
    }

    // Placement as specified: the hint, else top-down below base_page, else
    // bottom-up above min_page.
    bool place(uint64_t hint, uint64_t n, uint64_t* out) const {
        Intervals b = blocked();
        uint64_t h = hint & ~(P - 1);
        if (h != 0) {
            h = std::max(h, min_page * P) / P;
            if (h + n <= end_page) {
                Intervals f = free_in(b, h, h + n);
                if (f.size() == 1 && f[0] == std::make_pair(h, h + n)) {
                    *out = h;
                    return true;
                }
            }
        }
        Intervals below = free_in(b, min_page, base_page);
        for (auto it = below.rbegin(); it != below.rend(); ++it) {
            if (it->second - it->first >= n) {
                *out = it->second - n;
                return true;
            }
        }
        for (const auto& f : free_in(b, min_page, end_page)) {
            if (f.second - f.first >= n) {
                *out = f.first;
                return true;
            }
        }
        return false;
    }
};

bool is_app(Attr a) {
    return a.kind != VmKind::kernel;
}

int model_map(Model& m, uint64_t hint, uint64_t len, Attr a, MapMode mode, size_t limit,
              uint64_t* out) {
    if (a.kind == VmKind::kernel || (a.prot & ~7) != 0 || len == 0) {
        return -EINVAL;
    }
    if (len > user_end) {
        return -ENOMEM;
    }
    uint64_t n = (len + P - 1) / P;
    uint64_t first;
    if (mode == MapMode::anywhere) {
        if (!m.place(hint, n, &first)) {
            return -ENOMEM;
        }
    } else {
        if (hint > user_end - n * P) {
            return -ENOMEM;
        }
        if (hint % P != 0) {
            return -EINVAL;
        }
        if (hint < min_page * P) {
            return -EPERM;
        }
        first = hint / P;
        if (mode == MapMode::fixed_noreplace && m.any(first, first + n)) {
            return -EEXIST;
        }
        if (m.any_kernel(first, first + n)) {
            return -ENOMEM;
        }
    }
    if (n > max_new_pages) {
        return skip;
    }
    Model t = m;
    t.erase(first, first + n, true);
    t.fill(first, first + n, a);
    if (t.runs() > limit) {
        return -ENOMEM;
    }
    m = std::move(t);
    *out = first * P;
    return 0;
}

int model_unmap(Model& m, uint64_t addr, uint64_t len, size_t limit) {
    if (addr % P != 0 || addr > user_end || len > user_end - addr) {
        return -EINVAL;
    }
    uint64_t n = (len + P - 1) / P;
    uint64_t first = addr / P;
    if (n == 0 || m.any_kernel(first, first + n)) {
        return -EINVAL;
    }
    Model t = m;
    t.erase(first, first + n, true);
    if (t.runs() > limit) {
        return -ENOMEM;
    }
    m = std::move(t);
    return 0;
}

int model_protect(Model& m, uint64_t addr, uint64_t len, uint8_t prot, size_t limit) {
    if (addr % P != 0) {
        return -EINVAL;
    }
    if (len == 0) {
        return 0;
    }
    if (len > UINT64_MAX - (P - 1)) {
        return -ENOMEM;
    }
    uint64_t n = (len + P - 1) / P;
    if (n * P > UINT64_MAX - addr) {
        return -ENOMEM;
    }
    if ((prot & ~7) != 0) {
        return -EINVAL;
    }
    uint64_t first = addr / P;
    if (addr + n * P > user_end || !m.all(first, first + n, is_app)) {
        return -ENOMEM;
    }
    Model t = m;
    for (uint64_t p = first; p < first + n; ++p) {
        Attr& a = t.pages[p];
        if (a.prot != prot) {
            t.reprotected.push_back({p, p + 1});
            a.prot = prot;
        }
    }
    for (auto it = t.present.lower_bound(first); it != t.present.lower_bound(first + n); ++it) {
        it->second.prot = prot;
    }
    if (t.runs() > limit) {
        return -ENOMEM;
    }
    m = std::move(t);
    return 0;
}

int model_reserve(Model& m, uint64_t lo, uint64_t hi, size_t limit) {
    if (((lo | hi) & (P - 1)) != 0 || lo >= hi || hi > user_end) {
        return -EINVAL;
    }
    if (m.any(lo / P, hi / P)) {
        return -EEXIST;
    }
    if ((hi - lo) / P > max_new_pages) {
        return skip;
    }
    Model t = m;
    t.fill(lo / P, hi / P, {0, 0, VmKind::kernel});
    if (t.runs() > limit) {
        return -ENOMEM;
    }
    m = std::move(t);
    return 0;
}

// Returns 1 when the stack grew, 0 when not, skip when too large to model.
int model_extend_down(Model& m, uint64_t addr, uint64_t limit) {
    uint64_t p = addr / P;
    if (addr >= user_end || m.pages.count(p) != 0) {
        return 0;
    }
    auto above = m.pages.upper_bound(p);
    if (above == m.pages.end()) {
        return 0;
    }
    uint64_t q = above->first;
    Attr stack = above->second;
    if (!is_app(stack) || (stack.flags & uk::mm::vm_growsdown) == 0 || p < min_page) {
        return 0;
    }
    if ((m.run_end(q) - p) * P > limit) {
        return 0;
    }
    auto below = m.pages.lower_bound(p);
    if (below != m.pages.begin()) {
        --below;
        Attr b = below->second;
        bool guards = is_app(b) && ((b.flags & uk::mm::vm_growsdown) != 0 || b.prot == 0);
        if (!guards && p - (below->first + 1) < guard_pages) {
            return 0;
        }
    }
    if (q - p > max_new_pages) {
        return skip;
    }
    m.fill(p, q, stack);
    return 1;
}

uint64_t align_wrapping(uint64_t len) {
    return (len + P - 1) & ~(P - 1);
}

int model_remap(Model& m, uint64_t old, uint64_t old_len, uint64_t new_len, unsigned flags,
                uint64_t new_addr, bool move_fails, size_t limit, uint64_t* out) {
    if ((flags & ~7u) != 0) {
        return -EINVAL;
    }
    bool maymove = flags & uk::mm::remap_maymove;
    bool fixed = flags & uk::mm::remap_fixed;
    bool dontunmap = flags & uk::mm::remap_dontunmap;
    if (fixed && !maymove) {
        return -EINVAL;
    }
    if (dontunmap && (!maymove || old_len != new_len)) {
        return -EINVAL;
    }
    if (old % P != 0) {
        return -EINVAL;
    }
    uint64_t ol = align_wrapping(old_len);
    uint64_t nl = align_wrapping(new_len);
    bool to_new = fixed || dontunmap;
    if (nl == 0 || (to_new && new_addr % P != 0)) {
        return -EINVAL;
    }
    uint64_t op = old / P;
    if (old >= user_end || m.pages.count(op) == 0 || !is_app(m.pages.at(op))) {
        return -EFAULT;
    }
    Attr src = m.pages.at(op);
    if (to_new) {
        if (nl > user_end || new_addr > user_end - nl) {
            return -EINVAL;
        }
        // Byte ranges [old, old + ol) and [new_addr, new_addr + nl).
        bool overlap = new_addr >= old ? new_addr - old < ol : old - new_addr < nl;
        if (overlap) {
            return -EINVAL;
        }
    }
    if (ol > nl) {
        if (nl > user_end - old || ol - nl > user_end - (old + nl)) {
            return -EINVAL;
        }
        uint64_t tail_lo = (old + nl) / P;
        uint64_t tail_hi = (old + ol) / P;
        if (m.any_kernel(tail_lo, tail_hi)) {
            return -EFAULT;
        }
        if (!to_new) {
            Model t = m;
            t.erase(tail_lo, tail_hi, true);
            if (t.runs() > limit) {
                return -ENOMEM;
            }
            m = std::move(t);
            *out = old;
            return 0;
        }
    }
    if (!to_new && ol == nl) {
        *out = old;
        return 0;
    }
    uint64_t len = std::min(ol, nl);
    if (len == 0) {
        return -EINVAL;
    }
    uint64_t n = len / P;
    if (!m.all(op, op + n, [&](Attr a) { return a == src; })) {
        return -EFAULT;
    }
    uint64_t to;
    if (fixed) {
        if (new_addr < min_page * P) {
            return -EPERM;
        }
        if (m.any_kernel(new_addr / P, (new_addr + nl) / P)) {
            return -EFAULT;
        }
        to = new_addr / P;
    } else if (dontunmap) {
        if (!m.place(new_addr, nl / P, &to)) {
            return -ENOMEM;
        }
    } else {
        uint64_t end = m.run_end(op);
        uint64_t delta = (nl - ol) / P;
        if (op + ol / P == end && delta <= end_page - end && !m.any(end, end + delta)) {
            if (delta > max_new_pages) {
                return skip;
            }
            m.fill(end, end + delta, src);
            *out = old;
            return 0;
        }
        if (!maymove || !m.place(0, nl / P, &to)) {
            return -ENOMEM;
        }
    }
    if (nl / P > max_new_pages) {
        return skip;
    }
    if (m.runs() + 4 > limit) {
        return -ENOMEM;
    }
    if (fixed) {
        m.erase(to, to + nl / P, true);
    }
    if (move_fails) {
        return -ENOMEM;
    }
    m.moves.push_back({op, to, n});
    m.erase(op + n, op + ol / P, true);
    std::vector<std::pair<uint64_t, Frame>> frames;
    for (auto it = m.present.lower_bound(op); it != m.present.lower_bound(op + n); ++it) {
        frames.push_back({it->first - op + to, it->second});
    }
    m.present.erase(m.present.lower_bound(op), m.present.lower_bound(op + n));
    if (dontunmap) {
        for (uint64_t p = op; p < op + n; ++p) {
            m.pages[p].flags &= static_cast<uint16_t>(~uk::mm::vm_locked);
        }
    } else {
        m.erase(op, op + n, false);
    }
    m.fill(to, to + nl / P, src);
    m.present.insert(frames.begin(), frames.end());
    *out = to * P;
    return 0;
}

struct Input {
    const uint8_t* data;
    size_t size;
    size_t pos = 0;
    bool empty() const { return pos >= size; }
    uint8_t byte() { return pos < size ? data[pos++] : 0; }
    uint16_t word() { return static_cast<uint16_t>(byte() | byte() << 8); }
    uint64_t u64() {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v |= uint64_t{byte()} << (8 * i);
        }
        return v;
    }

    uint64_t addr() {
        uint8_t how = byte();
        switch (how % 16) {
        case 11:
            return (end_page - 1 - byte() % 64) * P;
        case 12:
            return (word() % low_pages) * P + (byte() | 1);
        case 13:
            return (byte() % 4) * P;
        case 14:
            return u64();
        case 15:
            return user_end + (byte() % 4) * P;
        default:
            return (word() % low_pages) * P;
        }
    }

    uint64_t length() {
        uint8_t how = byte();
        switch (how % 16) {
        case 11:
            return byte();
        case 12:
            return (byte() % 16) * P + byte();
        case 13:
            return UINT64_MAX - byte();
        case 14:
            return user_end - (byte() % 4) * P + (byte() % 2) * (P + 1);
        case 15:
            return u64();
        default:
            return (byte() % 64 + 1) * P;
        }
    }

    Attr attr() {
        uint8_t b = byte();
        static constexpr uint16_t flag_bits[] = {0, uk::mm::vm_growsdown, uk::mm::vm_locked,
                                                 uk::mm::vm_shared};
        static constexpr VmKind kinds[] = {VmKind::anon, VmKind::anon, VmKind::heap, VmKind::stack};
        uint8_t prot = (b & 0x40) != 0 ? 8 : static_cast<uint8_t>(b & 7);
        return {prot, flag_bits[(b >> 3) & 3], kinds[(b >> 5) & 1 ? 2 + ((b >> 7) & 1) : 0]};
    }
};

struct Fuzzer {
    FakePageTables pt;
    TestAllocator mem;
    AddressSpace as;
    Model model;
    size_t limit = AddressSpace::max_map_count;
    uint64_t next_tag = 1;

    void compare() {
        expect(as.check(), "check() failed");
        std::vector<Vma> got;
        as.for_each(0, UINTPTR_MAX, [&](const Vma& v) { got.push_back(v); });
        std::vector<Vma> want = model.ranges();
        expect(got.size() == want.size(), "range count differs from the model");
        for (size_t i = 0; i < got.size(); ++i) {
            const Vma& a = got[i];
            const Vma& b = want[i];
            expect(a.start == b.start && a.end == b.end && a.prot == b.prot && a.flags == b.flags &&
                       a.kind == b.kind,
                   "range differs from the model");
        }
        expect(as.count() == want.size(), "count() differs");
        expect(as.count() <= limit, "more ranges than the limit");
        uint64_t app = 0;
        for (const auto& [p, a] : model.pages) {
            app += is_app(a);
        }
        expect(as.mapped_bytes() == app * P, "mapped_bytes() differs");
        expect(pt.present == model.present, "present pages differ from the model");
        for (const auto& [p, f] : pt.present) {
            const Vma* v = as.find(p * P);
            expect(v != nullptr && v->kind != VmKind::kernel && v->prot == f.prot,
                   "present page outside an app range or with another protection");
        }
        expect(normalize(pt.unmapped) == normalize(model.unmapped), "unmap callbacks differ");
        expect(normalize(pt.reprotected) == normalize(model.reprotected),
               "protect callbacks differ");
        expect(pt.moves == model.moves, "move callbacks differ");
    }

    // Runs one step against the model: predict on a copy, act, then adopt the
    // prediction unless an allocation was refused (which must fail cleanly).
    template <class ModelOp, class Act> void step(ModelOp predict, Act act) {
        Model next = model;
        next.unmapped.clear();
        next.reprotected.clear();
        next.moves.clear();
        uint64_t want_out = 0;
        int want = predict(next, &want_out);
        if (want == skip) {
            return;
        }
        pt.new_step();
        mem.refused = false;
        uintptr_t got_out = 0;
        int got = act(&got_out);
        if (mem.refused) {
            expect(got == -ENOMEM, "refused allocation did not fail with ENOMEM");
            expect(pt.calls() == 0, "callbacks despite a refused allocation");
            model.unmapped.clear();
            model.reprotected.clear();
            model.moves.clear();
        } else {
            if (got != want) {
                std::fprintf(stderr, "vmspace_fuzz: got %d, model %d\n", got, want);
                fail("result differs from the model");
            }
            expect(got != 0 || got_out == want_out, "address differs from the model");
            model = std::move(next);
        }
        compare();
    }

    // Half the addresses are a range's start, an interior page or its end.
    uint64_t addr(Input& in) {
        uint8_t how = in.byte();
        if ((how & 1) == 0 || model.pages.empty()) {
            return in.addr();
        }
        std::vector<Vma> r = model.ranges();
        const Vma& v = r[in.byte() % r.size()];
        switch ((how >> 1) % 3) {
        case 0:
            return v.start;
        case 1:
            return v.start + in.byte() % ((v.end - v.start) / P) * P;
        default:
            return v.end;
        }
    }

    // Some lengths reach from addr to the end of its range, a page more or less.
    uint64_t length(Input& in, uint64_t addr) {
        uint8_t how = in.byte();
        auto it = model.pages.find(addr / P);
        if ((how & 3) != 0 || addr % P != 0 || it == model.pages.end()) {
            return in.length();
        }
        uint64_t len = (model.run_end(addr / P) - addr / P) * P;
        return (how & 4) != 0 ? len + P : (how & 8) != 0 && len > P ? len - P : len;
    }

    void lookups(Input& in) {
        std::vector<Vma> want = model.ranges();
        uint64_t a = addr(in);
        uint64_t b = a + in.length() % (64 * P);
        const Vma* found = as.find(a);
        const Vma* next = as.find_next(a);
        const Vma* want_found = nullptr;
        const Vma* want_next = nullptr;
        for (const Vma& v : want) {
            if (v.end > a) {
                want_next = want_next == nullptr ? &v : want_next;
                if (v.start <= a) {
                    want_found = &v;
                }
            }
        }
        auto same = [](const Vma* x, const Vma* y) {
            return x == y || (x != nullptr && y != nullptr && x->start == y->start &&
                              x->end == y->end && x->prot == y->prot);
        };
        expect(same(found, want_found), "find() differs");
        expect(same(next, want_next), "find_next() differs");
        if (b <= a) {
            expect(as.is_free(a, b) && as.covers(a, b), "an empty window is not free and covered");
            return;
        }
        bool free = true;
        bool covered = true;
        uint64_t at = a;
        std::vector<Vma> clipped;
        for (const Vma& v : want) {
            if (v.start < b && v.end > a) {
                free = false;
                clipped.push_back({std::max<uint64_t>(v.start, a), std::min<uint64_t>(v.end, b),
                                   v.prot, v.flags, v.kind});
                if (v.start > at || v.kind == VmKind::kernel) {
                    covered = false;
                }
                at = v.end;
            }
        }
        covered = covered && at >= b;
        expect(as.is_free(a, b) == free, "is_free() differs");
        expect(as.covers(a, b) == covered, "covers() differs");
        std::vector<Vma> walked;
        as.for_each(a, b, [&](const Vma& v) { walked.push_back(v); });
        expect(walked.size() == clipped.size(), "for_each() count differs");
        for (size_t i = 0; i < walked.size(); ++i) {
            expect(walked[i].start == clipped[i].start && walked[i].end == clipped[i].end,
                   "for_each() clipping differs");
        }
    }

    void touch(Input& in) {
        uint64_t p = addr(in) / P;
        for (int i = in.byte() % 8; i >= 0; --i, ++p) {
            auto it = model.pages.find(p);
            if (it == model.pages.end() || !is_app(it->second) || it->second.prot == 0) {
                continue;
            }
            Frame f{it->second.prot, next_tag++};
            model.present[p] = f;
            pt.present[p] = f;
        }
    }

    void run(Input& in) {
        uint8_t setup = in.byte();
        limit = setup < 200 ? 3 + setup % 40 : AddressSpace::max_map_count;
        as.init(pt.ops(), mem.allocator(), min_page * P, base_page * P);
        as.set_map_limit(limit);
        // Up to 63 two-page ranges with one-page holes, so that the array
        // grows and the limit is reached early.
        uint8_t prefill = in.byte();
        for (uint64_t k = 0, n = prefill >= 128 ? prefill % 64 : 0; k < n; ++k) {
            uint64_t at = (min_page + 3 * k) * P;
            Attr a{static_cast<uint8_t>(1 + k % 3), 0, VmKind::anon};
            step(
                [&](Model& next, uint64_t* out) {
                    return model_map(next, at, 2 * P, a, MapMode::fixed, limit, out);
                },
                [&](uintptr_t* out) {
                    return as.map(at, 2 * P, a.prot, 0, a.kind, MapMode::fixed, out);
                });
        }
        while (!in.empty()) {
            uint8_t op = in.byte();
            mem.fail = (op & 0xe0) == 0xe0;
            bool move_fails = (op & 0xe0) == 0x60;
            pt.fail_move = move_fails;
            switch (op % 16) {
            case 0:
            case 1:
            case 2:
            case 3: {
                uint64_t hint = addr(in);
                uint64_t len = length(in, hint);
                Attr a = in.attr();
                uint8_t m = in.byte();
                auto mode = m % 3 == 0 ? MapMode::anywhere
                                       : (m % 3 == 1 ? MapMode::fixed : MapMode::fixed_noreplace);
                if ((m & 0xf0) == 0xf0) {
                    a.kind = VmKind::kernel;
                }
                step([&](Model& next,
                         uint64_t* out) { return model_map(next, hint, len, a, mode, limit, out); },
                     [&](uintptr_t* out) {
                         return as.map(hint, len, a.prot, a.flags, a.kind, mode, out);
                     });
                break;
            }
            case 4:
            case 5: {
                uint64_t addr = this->addr(in);
                uint64_t len = length(in, addr);
                step([&](Model& next, uint64_t*) { return model_unmap(next, addr, len, limit); },
                     [&](uintptr_t*) { return as.unmap(addr, len); });
                break;
            }
            case 6:
            case 7: {
                uint64_t addr = this->addr(in);
                uint64_t len = length(in, addr);
                uint8_t prot = in.attr().prot;
                step([&](Model& next,
                         uint64_t*) { return model_protect(next, addr, len, prot, limit); },
                     [&](uintptr_t*) {
                         int r = as.protect(addr, len, prot);
                         for (uint8_t p : pt.prots) {
                             expect(p == prot, "protect callback with another protection");
                         }
                         return r;
                     });
                break;
            }
            case 8:
            case 9:
            case 10: {
                uint64_t old = addr(in);
                uint64_t old_len = length(in, old);
                uint8_t how = in.byte();
                uint64_t new_len = (how & 0x10) != 0 ? old_len : in.length();
                unsigned flags = how & 7;
                if ((how & 0x08) != 0 && (how & 0x20) != 0) {
                    flags |= 8;
                }
                uint64_t new_addr = addr(in);
                step(
                    [&](Model& next, uint64_t* out) {
                        return model_remap(next, old, old_len, new_len, flags, new_addr, move_fails,
                                           limit, out);
                    },
                    [&](uintptr_t* out) {
                        return as.remap(old, old_len, new_len, flags, new_addr, out);
                    });
                break;
            }
            case 11: {
                uint64_t addr = this->addr(in);
                addr = (in.byte() & 1) != 0 && addr >= P ? addr - (in.byte() % 4 + 1) * P : addr;
                uint64_t lim = (in.byte() & 1) != 0 ? UINT64_MAX : in.length();
                step([&](Model& next, uint64_t*) { return model_extend_down(next, addr, lim); },
                     [&](uintptr_t*) { return as.extend_down(addr, lim) ? 1 : 0; });
                break;
            }
            case 12: {
                uint64_t lo = addr(in);
                uint64_t hi = lo + (in.byte() % 8) * P;
                step([&](Model& next, uint64_t*) { return model_reserve(next, lo, hi, limit); },
                     [&](uintptr_t*) { return as.reserve_kernel(lo, hi); });
                break;
            }
            case 13:
                lookups(in);
                break;
            default:
                touch(in);
                compare();
                break;
            }
        }
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in{data, size};
    Fuzzer f;
    f.run(in);
    expect(f.mem.live <= 1, "more than one range array alive");
    f.as.clear();
    expect(f.mem.live == 0, "clear() left the array allocated");
    return 0;
}
