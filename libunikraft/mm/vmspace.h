// The app's virtual address space as a sorted array of ranges (Linux's VMAs):
// where mappings are, their protection and flags. Pure logic, shared by the
// kernel and the host unit tests and fuzzers. It never touches page tables or
// hardware: the page tables are a cache of these ranges, filled on faults, and
// this class tells them what to drop, reprotect or move through PageTableOps.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::mm {

/// Protection bits of a range; the values of PROT_READ, PROT_WRITE, PROT_EXEC.
enum : uint8_t { vm_read = 1, vm_write = 2, vm_exec = 4 };

/// Flags of a range. Ranges merge only when their flags are equal.
enum : uint16_t {
    /// A stack: a fault just below it may grow it (extend_down()), and
    /// placement never puts a new range within guard_gap below it.
    vm_growsdown = 1,
    /// MAP_NORESERVE: no memory is committed for it.
    vm_noreserve = 2,
    /// MAP_SHARED.
    vm_shared = 4,
    /// mlock()ed: its pages stay present.
    vm_locked = 8,
};

/// What a range holds. A kernel range is reserved by the kernel and is never
/// the app's: the app can neither map over it nor unmap, protect or move it.
enum class VmKind : uint8_t { anon, image, stack, heap, kernel, file };

/// One range [start, end), both page aligned, start < end.
struct Vma {
    uintptr_t start;
    uintptr_t end;
    uint8_t prot;
    uint16_t flags;
    VmKind kind;
    /// A mapped file (an opaque handle, the caller's), 0 for none; pgoff is
    /// the file page at `start`. Ranges of one file join only where their
    /// pages follow on.
    uint64_t file = 0;
    uint64_t pgoff = 0;
};

/// What the address space asks of the page tables. Every callback is set;
/// none fails except move, and none calls back into the address space.
struct PageTableOps {
    void* ctx;
    /// Drops the translations of [lo, hi) and frees the pages behind them.
    void (*unmap)(void* ctx, uintptr_t lo, uintptr_t hi);
    /// Gives the present pages of [lo, hi) the protection prot.
    void (*protect)(void* ctx, uintptr_t lo, uintptr_t hi, uint8_t prot);
    /// Moves the translations of [from, from + len) to [to, to + len), which
    /// has none. Returns false, having moved nothing, when page-table memory
    /// runs out.
    bool (*move)(void* ctx, uintptr_t from, uintptr_t to, size_t len);
};

/// Memory for the range array (the kernel heap in the kernel, malloc on the
/// host). alloc returns memory aligned for Vma, or nullptr.
struct VmAllocator {
    void* ctx;
    void* (*alloc)(void* ctx, size_t bytes);
    void (*free)(void* ctx, void* ptr, size_t bytes);
};

/// How map() chooses the address.
enum class MapMode : uint8_t {
    /// The hint when the whole range there is free, else a free place.
    anywhere,
    /// Exactly the hint, replacing the app's mappings there (MAP_FIXED).
    fixed,
    /// Exactly the hint, failing if anything is there (MAP_FIXED_NOREPLACE).
    fixed_noreplace,
};

/// remap() flags; the values of MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP.
enum : unsigned { remap_maymove = 1, remap_fixed = 2, remap_dontunmap = 4 };

/// The app's address space: the user half of x86_64, [0, user_end), as a
/// sorted array of non-overlapping ranges, found by binary search. Adjacent
/// ranges with equal prot, flags and kind are always merged, so the array
/// holds as few ranges as the layout allows.
///
/// Operations return 0 or a negative Linux errno, with the same errno as
/// Linux's system call for the same arguments, and change nothing when they
/// fail (except where remap() says otherwise). Each first makes sure the
/// array has room for its worst case, so running out of memory is -ENOMEM
/// with nothing changed. Costs grow with the number of ranges an operation
/// touches (and the binary search), never with the length it is given.
///
/// Pointers to ranges (find(), find_next()) are valid until the next call
/// that changes the space. Not thread-safe: the caller serialises every call.
class AddressSpace {
  public:
    static constexpr uintptr_t page = 4096;
    /// The end of the user half (TASK_SIZE on x86_64).
    static constexpr uintptr_t user_end = 0x7fff'ffff'f000;
    /// The default limit on the number of ranges (vm.max_map_count).
    static constexpr size_t max_map_count = 65530;
    /// The space placement keeps free below a growsdown range (stack_guard_gap).
    static constexpr uintptr_t guard_gap = 256 * page;

    /// Creates an empty space that cannot grow until init() is called. The
    /// destructor is trivial (no exit-time destructor for a global space):
    /// clear() frees the array.
    constexpr AddressSpace() = default;
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    /// Empties the space (freeing any array it had, without calling ops) and
    /// sets its callbacks and layout: the app maps nothing below mmap_min
    /// (vm.mmap_min_addr, rounded up to a page; see set_fixed_min), and
    /// placement searches down
    /// from mmap_base (rounded down to a page and kept within
    /// [mmap_min, user_end]).
    void init(const PageTableOps& ops, const VmAllocator& allocator, uintptr_t mmap_min,
              uintptr_t mmap_base);

    /// Empties the space and frees its array without calling ops (for
    /// teardown, when the pages go with the page tables); the space stays
    /// usable with the same callbacks and layout.
    void clear();

    /// Lets fixed mappings (map, remap) and stacks growing down reach down to
    /// `min` (page aligned, at most mmap_min), as Linux lets a process with
    /// CAP_SYS_RAWIO map below vm.mmap_min_addr; placement keeps to
    /// mmap_min. mmap_min until called.
    void set_fixed_min(uintptr_t min) {
        m_fixed_min = min < m_mmap_min ? min & ~(page - 1) : m_mmap_min;
    }

    /// Sets the most ranges the space may hold, kernel ranges included
    /// (vm.max_map_count; max_map_count until called). Does not shrink a space
    /// that already holds more.
    void set_map_limit(size_t limit) { m_limit = limit; }

    /// Adds [lo, hi) above every range the space holds, as the kernel lays
    /// out the app's start (the image, the main stack): with prot, flags and
    /// kind (kernel for a reserved range, which takes no prot or flags),
    /// merged with the last range when they match. Much less work than
    /// map() or reserve_kernel() on the boot path. Errors: -EINVAL when lo
    /// or hi is not page aligned, lo >= hi, hi > user_end or lo is below the
    /// last range's end; -ENOMEM when the array cannot grow or would exceed
    /// the map limit.
    int append(uintptr_t lo, uintptr_t hi, uint8_t prot, uint16_t flags, VmKind kind);

    /// Reserves [lo, hi) for the kernel: the app may never map, unmap,
    /// protect or move it, and placement never lands on it. Errors: -EINVAL
    /// when lo or hi is not page aligned, lo >= hi or hi > user_end; -EEXIST
    /// when any range overlaps it; -ENOMEM when the array cannot grow or
    /// would exceed the map limit.
    int reserve_kernel(uintptr_t lo, uintptr_t hi);

    /// Maps len bytes (rounded up to pages) with prot, flags and kind
    /// (anything but kernel), placed as mode says; the address goes to *out.
    /// anywhere: the hint (rounded down to a page; a non-zero hint below
    /// mmap_min becomes mmap_min) when the whole range there is free, inside
    /// [mmap_min, user_end) and outside any stack's guard gap; else the
    /// highest free place below mmap_base, else the lowest above mmap_min.
    /// fixed: replaces the app's ranges overlapping [hint, hint + len),
    /// calling ops.unmap for each. Errors: -EINVAL for a zero len, a kernel
    /// kind, prot bits beyond vm_read|vm_write|vm_exec, or an unaligned fixed
    /// address; -ENOMEM when len exceeds user_end, the fixed range leaves
    /// [0, user_end) or overlaps a kernel range (as an address past the user
    /// half does on Linux, noreplace included), no place is free, the array
    /// cannot grow or the result would exceed the map limit; -EPERM for a
    /// fixed address below the fixed minimum (set_fixed_min); -EEXIST when fixed_noreplace finds an
    /// app range in the way.
    /// A file mapping passes its handle and first page as file and pgoff.
    int map(uintptr_t hint, size_t len, uint8_t prot, uint16_t flags, VmKind kind, MapMode mode,
            uintptr_t* out, uint64_t file = 0, uint64_t pgoff = 0);

    /// Unmaps [addr, addr + len) (len rounded up to pages), splitting the
    /// ranges it cuts and calling ops.unmap for each removed piece; holes are
    /// fine. Errors: -EINVAL when addr is unaligned, addr > user_end,
    /// len > user_end - addr, len is 0 or a kernel range overlaps; -ENOMEM
    /// when a split needs memory that is not there or the result would
    /// exceed the map limit.
    int unmap(uintptr_t addr, size_t len);

    /// Gives [addr, addr + len) (len rounded up to pages) the protection
    /// prot, splitting and merging ranges and calling ops.protect for each
    /// piece whose protection changes. A zero len succeeds without a look at
    /// the space. Errors: -EINVAL when addr is unaligned or prot has bits
    /// beyond vm_read|vm_write|vm_exec; -ENOMEM when the end wraps, any part
    /// of the range is not mapped by the app (a hole, a kernel range, past
    /// user_end), a split needs memory that is not there or the result would
    /// exceed the map limit.
    int protect(uintptr_t addr, size_t len, uint8_t prot);

    /// Resizes and/or moves the app range at [old, old + old_len) as Linux's
    /// mremap() does, with flags from remap_*; the new address goes to *out.
    /// Without remap_fixed or remap_dontunmap: equal lengths change nothing;
    /// a shrink unmaps the tail (which may cross ranges and holes); a grow
    /// extends in place when [old, old + old_len) ends where its range ends
    /// and the pages after it are free, else with remap_maymove moves it to
    /// a free place (chosen as map() does without a hint). remap_fixed moves
    /// it to new_addr, unmapping the app's ranges there first.
    /// remap_dontunmap (equal lengths only) moves it to new_addr if that is
    /// free, else to a free place, and leaves the old range mapped, empty and
    /// no longer vm_locked. A move calls ops.move for the pages that move and
    /// no ops.unmap for them; the new range keeps the old one's prot, flags
    /// and kind, and a grow by a move adds empty pages after them.
    ///
    /// Errors, in Linux's order:
    /// - -EINVAL: unknown flags; remap_fixed without remap_maymove;
    ///   remap_dontunmap without remap_maymove or with old_len != new_len;
    ///   old unaligned; new_len rounds to 0; new_addr unaligned (with
    ///   remap_fixed or remap_dontunmap).
    /// - -EFAULT: no app range contains old.
    /// - With remap_fixed or remap_dontunmap, -EINVAL: the new range leaves
    ///   the user half or overlaps [old, old + old_len).
    /// - A shrink's tail: -EINVAL past user_end, -EFAULT over a kernel range.
    /// - -EINVAL: old_len is 0 (duplicating a shared mapping is not
    ///   supported either).
    /// - -EFAULT: what would move or grow is not inside old's range.
    /// - With remap_fixed: -EPERM below the fixed minimum, -EINVAL over a kernel range
    ///   (as a new place past the user half is to Linux).
    /// - -ENOMEM: a grow can neither extend in place nor move; no free place;
    ///   the map limit lacks room for four more ranges (the worst case of a
    ///   move, checked up front as Linux does); the array cannot grow;
    ///   ops.move fails. Only the last changes anything: with remap_fixed the
    ///   target is already unmapped, as on Linux.
    int remap(uintptr_t old, size_t old_len, size_t new_len, unsigned flags, uintptr_t new_addr,
              uintptr_t* out);

    /// Grows the growsdown app range just above addr (a fault below a stack)
    /// down to addr's page; returns true when it did. Returns false, changing
    /// nothing, when addr is inside a range, the range above it is not a
    /// growsdown app range, the new start is below the fixed minimum, the range would
    /// exceed limit bytes, or less than guard_gap would remain above the
    /// range below (unless that range is the app's and growsdown or
    /// PROT_NONE, as Linux allows).
    bool extend_down(uintptr_t addr, size_t limit);

    /// Returns the range (app or kernel) containing addr, or nullptr.
    /// O(log n); a repeated lookup in the same range is O(1).
    const Vma* find(uintptr_t addr) const;

    /// Returns the first range that ends above addr (it may contain addr),
    /// or nullptr.
    const Vma* find_next(uintptr_t addr) const;

    /// Returns true when no range, app or kernel, overlaps [lo, hi).
    bool is_free(uintptr_t lo, uintptr_t hi) const;

    /// Calls f(const Vma&) for each range overlapping [lo, hi), in address
    /// order, clipped to [lo, hi).
    template <class F> void for_each(uintptr_t lo, uintptr_t hi, F f) const {
        for (size_t i = lower(lo); i < m_count && m_vmas[i].start < hi; ++i) {
            Vma v = m_vmas[i];
            v.start = v.start < lo ? lo : v.start;
            v.end = v.end > hi ? hi : v.end;
            f(static_cast<const Vma&>(v));
        }
    }

    /// Returns true when app ranges cover [lo, hi) without a hole (true for
    /// an empty [lo, hi)).
    bool covers(uintptr_t lo, uintptr_t hi) const;

    /// Returns the number of ranges, kernel ranges included.
    size_t count() const { return m_count; }

    /// Returns the bytes the app's ranges span (kernel ranges excluded).
    size_t mapped_bytes() const { return m_mapped; }

    /// Verifies the invariants (order, alignment, bounds, no mergeable
    /// neighbours, byte count); returns false at the first violation.
    /// Costs a pass over the array: for tests.
    bool check() const;

  private:
    size_t lower(uintptr_t addr) const;
    bool grow_to(size_t need);
    void insert_at(size_t i, const Vma& v);
    void erase(size_t i, size_t n);
    void split_at(uintptr_t addr);
    void insert_merged(const Vma& v);
    void merge_span(size_t first, size_t last);
    size_t removal_growth(uintptr_t lo, uintptr_t hi) const;
    bool overlaps_kernel(uintptr_t lo, uintptr_t hi) const;
    size_t count_after_remove(uintptr_t lo, uintptr_t hi) const;
    size_t count_after_map(uintptr_t lo, uintptr_t hi, const Vma& v) const;
    void remove(uintptr_t lo, uintptr_t hi, bool unmap_pages);
    int remove_checked(uintptr_t lo, uintptr_t hi);
    bool find_area(uintptr_t hint, size_t len, uintptr_t* out) const;
    bool hint_fits(uintptr_t lo, uintptr_t hi) const;
    bool search(uintptr_t low, uintptr_t high, size_t len, bool top_down, uintptr_t* out) const;
    int move(const Vma& src, uintptr_t old, size_t len, size_t old_len, uintptr_t to,
             size_t new_len, unsigned flags, uintptr_t* out);
    template <class F> size_t splits_for(uintptr_t lo, uintptr_t hi, F change) const;
    template <class F> size_t count_after_change(uintptr_t lo, uintptr_t hi, F change) const;
    template <class F> void apply_change(uintptr_t lo, uintptr_t hi, F change);

    PageTableOps m_ops{};
    VmAllocator m_allocator{};
    uintptr_t m_mmap_min = 0;
    uintptr_t m_fixed_min = 0;
    uintptr_t m_mmap_base = 0;
    size_t m_limit = max_map_count;
    Vma* m_vmas = nullptr;
    size_t m_count = 0;
    size_t m_capacity = 0;
    size_t m_mapped = 0;
    // Index of the range find() returned last; checked before use, so any
    // value is safe.
    mutable size_t m_cache = 0;
};

} // namespace uk::mm
