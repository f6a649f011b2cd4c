// Physical page-frame allocator: one bit per 4 KiB page over a bitmap the
// caller provides. Pure logic, shared by the kernel and the host unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk {

/// Allocates runs of 4 KiB physical pages inside one contiguous address range.
///
/// A set bit in the bitmap means the page is in use (allocated or reserved).
/// Allocation is first-fit from a hint below which every bitmap word is known
/// to be full, so a run of one-page allocations costs O(1) each and memory is
/// handed out from the bottom up (a guest that touches fewer distinct pages
/// makes its host commit less memory).
///
/// Not thread-safe: the caller serialises every call (the kernel wraps the
/// allocator in a spinlock).
class PageAllocator {
  public:
    static constexpr size_t page_size = 4096;

    /// Returns the number of bytes of bitmap needed to cover npages pages.
    static constexpr size_t bitmap_bytes(size_t npages) {
        return (npages / 64 + (npages % 64 != 0)) * sizeof(uint64_t);
    }

    /// Creates an allocator that covers nothing until init() is called.
    constexpr PageAllocator() = default;

    /// Sets up the allocator over [base, base + npages pages); every page starts
    /// as used (reserved). The bitmap must hold bitmap_bytes(npages) bytes and
    /// stay valid for the allocator's lifetime. A base that is not page-aligned
    /// is rounded up (losing the partial first page); a range that would run
    /// past the top of the address space is cut short.
    void init(uintptr_t base, size_t npages, uint64_t* bitmap);

    /// Marks the whole pages inside [start, start + len) free. Partial pages at
    /// either end stay reserved, parts outside the allocator's range are
    /// ignored, and the page at address 0 is never made free (0 is alloc()'s
    /// failure value).
    void add_free(uintptr_t start, size_t len);

    /// Marks every page touching [start, start + len) used; parts outside the
    /// allocator's range are ignored. Pages that were already used stay used.
    void reserve(uintptr_t start, size_t len);

    /// Allocates npages contiguous pages whose address is a multiple of
    /// align_pages pages (a power of two). Returns the physical address of the
    /// first page, or 0 when no such run is free, npages is 0 or align_pages
    /// is not a power of two.
    [[nodiscard]] uintptr_t alloc(size_t npages, size_t align_pages = 1);

    /// Frees npages pages starting at addr, which were allocated or reserved.
    /// Returns false and changes nothing when addr is not page-aligned, the
    /// run is empty or leaves the range, or any page in it is already free
    /// (a double free).
    bool free(uintptr_t addr, size_t npages);

    /// Returns the number of free pages.
    size_t free_pages() const { return m_free; }

    /// Returns the number of pages the allocator covers, used or free.
    size_t total_pages() const { return m_npages; }

    /// Returns the address of the first page covered (0 before init()).
    uintptr_t base() const { return m_base; }

    /// Returns true if the page containing addr is inside the range and free;
    /// false otherwise.
    bool is_free(uintptr_t addr) const;

    /// Verifies the allocator's invariants (free count, padding bits, hint);
    /// returns false if any is broken. Costs a full bitmap scan: for tests.
    bool check() const;

  private:
    static constexpr size_t npos = ~size_t{0};

    size_t next_free_from(size_t index) const;
    size_t first_used_in(size_t first, size_t last) const;
    void set_range(size_t first, size_t last);
    size_t clear_range(size_t first, size_t last);
    bool page_range(uintptr_t start, size_t len, bool whole_pages_only, size_t* first,
                    size_t* last) const;

    uintptr_t m_base = 0;
    size_t m_npages = 0;
    size_t m_nwords = 0;
    size_t m_free = 0;
    // No bitmap word below m_hint has a free bit.
    size_t m_hint = 0;
    uint64_t* m_bitmap = nullptr;
};

} // namespace uk
