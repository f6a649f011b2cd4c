// Fuzzes the kernel heap with alloc/free sequences, double and interior
// frees, and extra memory ranges; check() must hold after every step, live
// blocks must never overlap (each is filled with its own byte and verified
// when freed) and every rejected free must be counted.

#include "mm/heap.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr size_t page = 4096;
constexpr size_t pool_pages = 1024;
constexpr size_t extra_bytes = 64 * 1024;

alignas(page) uint8_t pool[pool_pages * page];
alignas(page) uint8_t extra[extra_bytes];

// A page source over pool, with an optional gap between grants (so arenas do
// not always merge) and a limit (so out-of-memory paths run).
struct PageSource {
    size_t next = 0;
    size_t gap = 0;
    size_t limit = pool_pages;

    static uintptr_t get(size_t npages, void* ctx) {
        auto* self = static_cast<PageSource*>(ctx);
        if (self->next + self->gap + npages > self->limit) {
            return 0;
        }
        self->next += self->gap;
        uintptr_t addr = reinterpret_cast<uintptr_t>(pool) + self->next * page;
        self->next += npages;
        return addr;
    }
};

struct Live {
    uint8_t* ptr;
    size_t size;
    uint8_t fill;
};

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "heap_fuzz: %s\n", what);
    std::abort();
}

void expect(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

bool in(const void* p, size_t len, const uint8_t* area, size_t area_len) {
    auto a = reinterpret_cast<uintptr_t>(p);
    auto lo = reinterpret_cast<uintptr_t>(area);
    return a >= lo && a + len <= lo + area_len;
}

struct Input {
    const uint8_t* data;
    size_t size;
    size_t pos = 0;
    bool empty() const { return pos >= size; }
    uint8_t byte() { return pos < size ? data[pos++] : 0; }
    uint16_t word() { return static_cast<uint16_t>(byte() | byte() << 8); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input input{data, size};
    PageSource source;
    uint8_t setup = input.byte();
    source.gap = setup & 1;
    source.limit = 8 + (setup >> 1) * 8;
    uk::Heap heap(&PageSource::get, &source);
    std::vector<Live> live;
    std::vector<uint8_t*> freed;
    size_t bad_frees = 0;

    auto is_live = [&](const uint8_t* p) {
        for (const Live& l : live) {
            if (l.ptr == p) {
                return true;
            }
        }
        return false;
    };

    while (!input.empty()) {
        uint8_t op = input.byte();
        switch (op % 12) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4: {
            size_t n = input.word();
            if (op & 0x80) {
                n *= 16;
            }
            size_t align = (op & 0x40) != 0 ? size_t{1} << (input.byte() % 13) : 16;
            auto* p = static_cast<uint8_t*>(heap.alloc(n, align));
            if (p == nullptr) {
                break;
            }
            expect(reinterpret_cast<uintptr_t>(p) % (align < 16 ? 16 : align) == 0, "misaligned");
            expect(in(p, n, pool, sizeof pool) || in(p, n, extra, sizeof extra),
                   "block outside the heap's memory");
            size_t usable = heap.usable_size(p);
            expect(usable >= n, "usable size below the request");
            auto fill = static_cast<uint8_t>(op ^ live.size());
            std::memset(p, fill, usable);
            live.push_back({p, n, fill});
            break;
        }
        case 5:
        case 6:
        case 7: {
            if (live.empty()) {
                break;
            }
            size_t k = input.byte() % live.size();
            Live l = live[k];
            live[k] = live.back();
            live.pop_back();
            size_t usable = heap.usable_size(l.ptr);
            expect(usable >= l.size, "usable size shrank");
            for (size_t i = 0; i < usable; ++i) {
                expect(l.ptr[i] == l.fill, "live block overwritten");
            }
            expect(heap.free(l.ptr), "valid free rejected");
            freed.push_back(l.ptr);
            break;
        }
        case 8: {
            // A pointer freed earlier and not handed out again.
            if (freed.empty()) {
                break;
            }
            uint8_t* p = freed[input.byte() % freed.size()];
            if (is_live(p)) {
                break;
            }
            expect(!heap.free(p), "double free accepted");
            bad_frees += 1;
            break;
        }
        case 9: {
            // An interior pointer of a live block.
            if (live.empty()) {
                break;
            }
            const Live& l = live[input.byte() % live.size()];
            size_t usable = heap.usable_size(l.ptr);
            if (usable < 32) {
                break;
            }
            size_t off = 16 * (1 + input.byte() % ((usable - 16) / 16));
            expect(!heap.free(l.ptr + off), "interior free accepted");
            bad_frees += 1;
            break;
        }
        case 10: {
            // Extra memory, possibly overlapping what was given before.
            size_t off = input.word() % extra_bytes;
            size_t len = input.word() % (extra_bytes - off + 1);
            heap.add_memory(reinterpret_cast<uintptr_t>(extra) + off, len);
            break;
        }
        case 11: {
            // A pointer that was never the heap's.
            alignas(16) uint8_t local[64] = {};
            expect(!heap.free(local + 16 * (input.byte() % 4)), "foreign free accepted");
            bad_frees += 1;
            break;
        }
        }
        expect(heap.check(), "check() failed");
        expect(heap.bad_free_count() == bad_frees, "bad free count differs");
    }
    for (const Live& l : live) {
        expect(heap.free(l.ptr), "final free rejected");
    }
    expect(heap.used_bytes() == 0, "bytes still in use after freeing everything");
    expect(heap.check(), "check() failed at the end");
    return 0;
}
