// The kernel heap: small, kernel-internal objects. Pure logic, shared by the
// kernel and the host unit tests and fuzzers.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk {

/// A segregated-fit allocator with boundary tags and immediate coalescing.
///
/// Memory comes in arenas, either handed over with add_memory() or fetched
/// page-wise from the page source given to init() when no free block fits;
/// an arena that starts where another ends extends it. Every block carries
/// an 8-byte header (size, flags and a 16-bit check tag derived from the
/// block's address and size), so an allocation costs its size rounded up to
/// 16 plus 8 bytes, at least 32. Free blocks also keep a footer and sit on
/// one of 64 size-class lists; a bitmap of non-empty lists makes the search
/// for a fitting class one instruction.
///
/// free() validates its pointer (inside an arena, a live header with a
/// matching tag, consistent neighbour) and counts and ignores anything else,
/// which catches double frees and foreign pointers without crashing.
///
/// Not thread-safe: the caller serialises every call.
class Heap {
  public:
    /// Returns the address of npages fresh contiguous 4 KiB pages, or 0 when
    /// none are left.
    using GetPagesFn = uintptr_t (*)(size_t npages, void* ctx);

    static constexpr size_t default_align = 16;
    static constexpr size_t max_align = 4096;
    /// The largest request alloc() accepts.
    static constexpr size_t max_size = size_t{1} << 40;
    /// The fewest pages the heap asks its page source for at a time.
    static constexpr size_t min_grow_pages = 4;

    /// Creates a heap with no memory and no page source.
    constexpr Heap() = default;

    /// Creates an empty heap that grows from get_pages (see init()).
    constexpr Heap(GetPagesFn get_pages, void* ctx) : m_get_pages(get_pages), m_ctx(ctx) {}

    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    /// Resets the heap to empty (forgetting any memory it had) and sets the
    /// page source it grows from; get_pages may be null for a heap that only
    /// uses memory given with add_memory().
    void init(GetPagesFn get_pages, void* ctx);

    /// Gives the heap the memory [start, start + len) to allocate from.
    /// Returns false, using none of it, when the range is too small (under
    /// 64 bytes after 16-byte alignment), too large (2^48 bytes or more) or
    /// overlaps memory the heap already has.
    bool add_memory(uintptr_t start, size_t len);

    /// Allocates size bytes aligned to align, a power of two up to max_align
    /// (smaller alignments get 16). A size of 0 yields a unique minimal
    /// block. Returns nullptr when the page source is exhausted, size exceeds
    /// max_size, or align is not a power of two or exceeds max_align.
    [[nodiscard]] void* alloc(size_t size, size_t align = default_align);

    /// Frees a block from alloc(); nullptr is a no-op that returns true.
    /// Returns false, changes nothing and counts a bad free when ptr is not a
    /// live block of this heap (a double free, a foreign or interior pointer,
    /// or a corrupted header).
    bool free(void* ptr);

    /// Returns the number of bytes usable at ptr (at least what was asked
    /// for), or 0 when ptr is not a live block of this heap.
    size_t usable_size(const void* ptr) const;

    /// Walks every arena and free list and verifies the heap's invariants
    /// (headers, tags, footers, flags, coalescing, list links, size classes,
    /// byte counts). Returns false at the first violation; never writes.
    bool check() const;

    /// Returns how many calls to free() were rejected.
    size_t bad_free_count() const { return m_bad_frees; }

    /// Returns the bytes held by live blocks, headers and padding included.
    size_t used_bytes() const { return m_used; }

    /// Returns the bytes of all arenas, free, used and bookkeeping.
    size_t total_bytes() const { return m_total; }

  private:
    static constexpr size_t nbins = 64;

    uintptr_t find_free(size_t size) const;
    uintptr_t place(uintptr_t block, size_t size, size_t align);
    void release(uintptr_t block);
    void insert_free(uintptr_t block, size_t size);
    void remove_free(uintptr_t block, size_t size);
    void write_free_block(uintptr_t block, size_t size);
    bool grow(size_t size);
    uintptr_t arena_of(uintptr_t addr) const;
    uintptr_t live_block(const void* ptr) const;

    GetPagesFn m_get_pages = nullptr;
    void* m_ctx = nullptr;
    // Arenas form a singly linked list through their first word.
    uintptr_t m_arenas = 0;
    size_t m_arena_count = 0;
    // Heads of the free lists by size class; bit i of m_bin_map is set
    // exactly when list i is non-empty.
    uintptr_t m_bins[nbins] = {};
    uint64_t m_bin_map = 0;
    size_t m_used = 0;
    size_t m_total = 0;
    size_t m_bad_frees = 0;
};

} // namespace uk
