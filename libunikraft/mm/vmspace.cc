// The app's address space as ranges: placement, splits and merges, and the
// Linux argument checks of mmap, munmap, mprotect and mremap. It owns only the
// range array; page tables hear what to do through PageTableOps.
#include "mm/vmspace.h"

#include "lib/errno.h"

namespace uk::mm {

namespace {

constexpr uintptr_t page_mask = AddressSpace::page - 1;
constexpr uint8_t prot_mask = vm_read | vm_write | vm_exec;

constexpr int err(long errno_value) {
    return static_cast<int>(-errno_value);
}

bool is_app(const Vma& v) {
    return v.kind != VmKind::kernel;
}

bool same_attrs(const Vma& a, const Vma& b) {
    return a.prot == b.prot && a.flags == b.flags && a.kind == b.kind && a.file == b.file;
}

// The file page at address `at` of range v.
uint64_t pgoff_at(const Vma& v, uintptr_t at) {
    return v.pgoff + (at - v.start) / AddressSpace::page;
}

// True when a range ending at `a_end` (a piece of a) and one starting there
// (a piece of b, at b_start) would merge: same attributes, and for a file,
// pages that follow on.
bool joins_at(const Vma& a, uintptr_t a_end, const Vma& b, uintptr_t b_start) {
    return same_attrs(a, b) && (!a.file || pgoff_at(a, a_end) == pgoff_at(b, b_start));
}

// True when b starts where a ends and the two would merge.
bool joins(const Vma& a, const Vma& b) {
    return a.end == b.start && joins_at(a, a.end, b, b.start);
}

// Moves v's start to `at` (inside or at its end), keeping its file pages
// where they were.
void set_start(Vma& v, uintptr_t at) {
    if (v.file)
        v.pgoff = pgoff_at(v, at);
    v.start = at;
}

uintptr_t min(uintptr_t a, uintptr_t b) {
    return a < b ? a : b;
}

uintptr_t max(uintptr_t a, uintptr_t b) {
    return a > b ? a : b;
}

// Where the space a range keeps free below it begins: its start, or for a
// growsdown range the start of its guard gap.
uintptr_t guard_start(const Vma& v) {
    if ((v.flags & vm_growsdown) == 0) {
        return v.start;
    }
    return v.start > AddressSpace::guard_gap ? v.start - AddressSpace::guard_gap : 0;
}

// Linux's PAGE_ALIGN, wraparound included: a length within a page of 2^64
// becomes 0, which is what mremap() then sees.
uintptr_t page_align_wrapping(uintptr_t len) {
    return (len + page_mask) & ~page_mask;
}

} // namespace

void AddressSpace::init(const PageTableOps& ops, const VmAllocator& allocator, uintptr_t mmap_min,
                        uintptr_t mmap_base) {
    clear();
    m_ops = ops;
    m_allocator = allocator;
    m_mmap_min = mmap_min > user_end ? user_end : page_align_wrapping(mmap_min);
    m_fixed_min = m_mmap_min;
    m_mmap_base = min(mmap_base & ~page_mask, user_end);
    m_mmap_base = max(m_mmap_base, m_mmap_min);
}

void AddressSpace::clear() {
    if (m_vmas != nullptr) {
        m_allocator.free(m_allocator.ctx, m_vmas, m_capacity * sizeof(Vma));
    }
    m_vmas = nullptr;
    m_count = 0;
    m_capacity = 0;
    m_mapped = 0;
    m_cache = 0;
}

size_t AddressSpace::lower(uintptr_t addr) const {
    size_t lo = 0;
    size_t hi = m_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m_vmas[mid].end > addr) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

bool AddressSpace::grow_to(size_t need) {
    if (need <= m_capacity) {
        return true;
    }
    if (m_allocator.alloc == nullptr) {
        return false;
    }
    size_t capacity = m_capacity != 0 ? m_capacity : 16;
    while (capacity < need) {
        capacity *= 2;
    }
    auto* fresh = static_cast<Vma*>(m_allocator.alloc(m_allocator.ctx, capacity * sizeof(Vma)));
    if (fresh == nullptr) {
        return false;
    }
    if (m_vmas != nullptr) {
        __builtin_memcpy(fresh, m_vmas, m_count * sizeof(Vma));
        m_allocator.free(m_allocator.ctx, m_vmas, m_capacity * sizeof(Vma));
    }
    m_vmas = fresh;
    m_capacity = capacity;
    return true;
}

void AddressSpace::insert_at(size_t i, const Vma& v) {
    __builtin_memmove(m_vmas + i + 1, m_vmas + i, (m_count - i) * sizeof(Vma));
    m_vmas[i] = v;
    m_count += 1;
}

void AddressSpace::erase(size_t i, size_t n) {
    __builtin_memmove(m_vmas + i, m_vmas + i + n, (m_count - i - n) * sizeof(Vma));
    m_count -= n;
}

void AddressSpace::split_at(uintptr_t addr) {
    size_t i = lower(addr);
    if (i < m_count && m_vmas[i].start < addr) {
        Vma upper = m_vmas[i];
        set_start(upper, addr);
        m_vmas[i].end = addr;
        insert_at(i + 1, upper);
    }
}

void AddressSpace::insert_merged(const Vma& v) {
    size_t i = lower(v.start);
    bool left = i > 0 && joins(m_vmas[i - 1], v);
    bool right = i < m_count && joins(v, m_vmas[i]);
    if (left && right) {
        m_vmas[i - 1].end = m_vmas[i].end;
        erase(i, 1);
    } else if (left) {
        m_vmas[i - 1].end = v.end;
    } else if (right) {
        m_vmas[i].start = v.start;
        m_vmas[i].pgoff = v.pgoff;
    } else {
        insert_at(i, v);
    }
    if (is_app(v)) {
        m_mapped += v.end - v.start;
    }
}

void AddressSpace::merge_span(size_t first, size_t last) {
    if (m_count == 0) {
        return;
    }
    last = last < m_count ? last : m_count - 1;
    if (first >= last) {
        return;
    }
    size_t kept = first;
    for (size_t i = first + 1; i <= last; ++i) {
        if (joins(m_vmas[kept], m_vmas[i])) {
            m_vmas[kept].end = m_vmas[i].end;
        } else {
            m_vmas[++kept] = m_vmas[i];
        }
    }
    erase(kept + 1, last - kept);
}

bool AddressSpace::overlaps_kernel(uintptr_t lo, uintptr_t hi) const {
    for (size_t i = lower(lo); i < m_count && m_vmas[i].start < hi; ++i) {
        if (!is_app(m_vmas[i])) {
            return true;
        }
    }
    return false;
}

// Returns 1 when one range strictly contains [lo, hi), so that removing
// [lo, hi) splits it in two, else 0.
size_t AddressSpace::removal_growth(uintptr_t lo, uintptr_t hi) const {
    size_t i = lower(lo);
    return i < m_count && m_vmas[i].start < lo && m_vmas[i].end > hi;
}

size_t AddressSpace::count_after_remove(uintptr_t lo, uintptr_t hi) const {
    size_t inside = 0;
    for (size_t i = lower(lo); i < m_count && m_vmas[i].end <= hi; ++i) {
        inside += m_vmas[i].start >= lo;
    }
    return m_count + removal_growth(lo, hi) - inside;
}

size_t AddressSpace::count_after_map(uintptr_t lo, uintptr_t hi, const Vma& v) const {
    // The ranges that will end at lo and start at hi once [lo, hi) is cleared.
    size_t i = lower(lo);
    const Vma* left = nullptr;
    if (i < m_count && m_vmas[i].start < lo) {
        left = &m_vmas[i];
    } else if (i > 0 && m_vmas[i - 1].end == lo) {
        left = &m_vmas[i - 1];
    }
    size_t j = lower(hi);
    const Vma* right = j < m_count && m_vmas[j].start <= hi ? &m_vmas[j] : nullptr;
    size_t merged = (left != nullptr && joins_at(*left, lo, v, lo)) +
                    (right != nullptr && joins_at(v, hi, *right, hi));
    return count_after_remove(lo, hi) + 1 - merged;
}

// Removes the pieces of [lo, hi) that are mapped, trimming the ranges that
// straddle lo or hi; only a range that straddles both grows the array.
void AddressSpace::remove(uintptr_t lo, uintptr_t hi, bool unmap_pages) {
    auto drop = [&](const Vma& v, uintptr_t from, uintptr_t to) {
        if (is_app(v)) {
            m_mapped -= to - from;
            if (unmap_pages) {
                m_ops.unmap(m_ops.ctx, from, to);
            }
        }
    };
    size_t i = lower(lo);
    if (i == m_count || m_vmas[i].start >= hi) {
        return;
    }
    Vma& first = m_vmas[i];
    if (first.start < lo && first.end > hi) {
        drop(first, lo, hi);
        Vma upper = first;
        set_start(upper, hi);
        first.end = lo;
        insert_at(i + 1, upper);
        return;
    }
    if (first.start < lo) {
        drop(first, lo, first.end);
        first.end = lo;
        ++i;
    }
    size_t j = i;
    for (; j < m_count && m_vmas[j].end <= hi; ++j) {
        drop(m_vmas[j], m_vmas[j].start, m_vmas[j].end);
    }
    if (j < m_count && m_vmas[j].start < hi) {
        drop(m_vmas[j], m_vmas[j].start, hi);
        set_start(m_vmas[j], hi);
    }
    erase(i, j - i);
}

int AddressSpace::remove_checked(uintptr_t lo, uintptr_t hi) {
    if (count_after_remove(lo, hi) > m_limit || !grow_to(m_count + removal_growth(lo, hi))) {
        return err(ENOMEM);
    }
    remove(lo, hi, true);
    return 0;
}

bool AddressSpace::search(uintptr_t low, uintptr_t high, size_t len, bool top_down,
                          uintptr_t* out) const {
    bool found = false;
    // Walking down from the top, ceiling is the lowest address that a range
    // at or above the current gap keeps free space below: its start, or for
    // a growsdown range the start of its guard gap.
    uintptr_t ceiling = user_end;
    for (size_t i = m_count + 1; i-- > 0;) {
        if (i < m_count) {
            ceiling = min(ceiling, guard_start(m_vmas[i]));
        }
        uintptr_t gap_start = i > 0 ? m_vmas[i - 1].end : 0;
        uintptr_t top = min(ceiling, high);
        uintptr_t bottom = max(gap_start, low);
        if (top > bottom && top - bottom >= len) {
            *out = top_down ? top - len : bottom;
            found = true;
            if (top_down) {
                break;
            }
        }
        if (gap_start <= low) {
            break;
        }
    }
    return found;
}

bool AddressSpace::find_area(uintptr_t hint, size_t len, uintptr_t* out) const {
    if (len == 0 || len > user_end) {
        return false;
    }
    hint &= ~page_mask;
    if (hint != 0) {
        hint = max(hint, m_mmap_min);
        if (hint <= user_end - len && hint_fits(hint, hint + len)) {
            *out = hint;
            return true;
        }
    }
    return search(m_mmap_min, m_mmap_base, len, true, out) ||
           search(m_mmap_min, user_end, len, false, out);
}

// True when [lo, hi) is free and outside every guard gap; only ranges that
// start within guard_gap above hi can reach into it.
bool AddressSpace::hint_fits(uintptr_t lo, uintptr_t hi) const {
    for (size_t i = lower(lo); i < m_count && m_vmas[i].start < hi + guard_gap; ++i) {
        if (guard_start(m_vmas[i]) < hi) {
            return false;
        }
    }
    return true;
}

template <class F> size_t AddressSpace::splits_for(uintptr_t lo, uintptr_t hi, F change) const {
    size_t i = lower(lo);
    size_t j = lower(hi);
    bool at_lo = i < m_count && m_vmas[i].start < lo && !same_attrs(change(m_vmas[i]), m_vmas[i]);
    bool at_hi = j < m_count && m_vmas[j].start < hi && !same_attrs(change(m_vmas[j]), m_vmas[j]);
    return at_lo + at_hi;
}

template <class F>
size_t AddressSpace::count_after_change(uintptr_t lo, uintptr_t hi, F change) const {
    size_t i = lower(lo);
    size_t j = i;
    while (j < m_count && m_vmas[j].start < hi) {
        ++j;
    }
    if (i == j) {
        return m_count;
    }
    // Replay the changed ranges and their two neighbours as pieces in address
    // order, counting the ranges they collapse into.
    size_t first = i > 0 ? i - 1 : i;
    size_t last = j < m_count ? j : j - 1;
    size_t runs = 0;
    Vma prev{};
    auto add = [&](const Vma& piece) {
        if (runs == 0 || !joins(prev, piece)) {
            runs += 1;
        }
        prev = piece;
    };
    for (size_t k = first; k <= last; ++k) {
        Vma v = m_vmas[k];
        if (k < i || k >= j) {
            add(v);
            continue;
        }
        if (v.start < lo) {
            Vma below = v;
            below.end = lo;
            add(below);
            set_start(v, lo);
        }
        Vma above = v;
        bool has_above = v.end > hi;
        if (has_above) {
            v.end = hi;
            set_start(above, hi);
        }
        add(change(v));
        if (has_above) {
            add(above);
        }
    }
    return m_count - (last - first + 1) + runs;
}

template <class F> void AddressSpace::apply_change(uintptr_t lo, uintptr_t hi, F change) {
    size_t i = lower(lo);
    if (i < m_count && m_vmas[i].start < lo && !same_attrs(change(m_vmas[i]), m_vmas[i])) {
        split_at(lo);
    }
    size_t j = lower(hi);
    if (j < m_count && m_vmas[j].start < hi && !same_attrs(change(m_vmas[j]), m_vmas[j])) {
        split_at(hi);
    }
    i = lower(lo);
    size_t k = i;
    for (; k < m_count && m_vmas[k].start < hi; ++k) {
        m_vmas[k] = change(m_vmas[k]);
    }
    merge_span(i > 0 ? i - 1 : 0, k);
}

int AddressSpace::append(uintptr_t lo, uintptr_t hi, uint8_t prot, uint16_t flags, VmKind kind) {
    if (((lo | hi) & page_mask) != 0 || lo >= hi || hi > user_end || (prot & ~prot_mask) != 0 ||
        (m_count != 0 && lo < m_vmas[m_count - 1].end)) {
        return err(EINVAL);
    }
    const Vma v = kind == VmKind::kernel ? Vma{lo, hi, 0, 0, kind} : Vma{lo, hi, prot, flags, kind};
    if (m_count != 0 && m_vmas[m_count - 1].end == lo && same_attrs(m_vmas[m_count - 1], v)) {
        m_vmas[m_count - 1].end = hi;
    } else {
        if (m_count + 1 > m_limit || !grow_to(m_count + 1)) {
            return err(ENOMEM);
        }
        m_vmas[m_count++] = v;
    }
    if (is_app(v)) {
        m_mapped += hi - lo;
    }
    return 0;
}

int AddressSpace::reserve_kernel(uintptr_t lo, uintptr_t hi) {
    if (((lo | hi) & page_mask) != 0 || lo >= hi || hi > user_end) {
        return err(EINVAL);
    }
    if (!is_free(lo, hi)) {
        return err(EEXIST);
    }
    Vma v{lo, hi, 0, 0, VmKind::kernel};
    size_t after = count_after_map(lo, hi, v);
    if (after > m_limit || !grow_to(after)) {
        return err(ENOMEM);
    }
    insert_merged(v);
    return 0;
}

int AddressSpace::map(uintptr_t hint, size_t len, uint8_t prot, uint16_t flags, VmKind kind,
                      MapMode mode, uintptr_t* out, uint64_t file, uint64_t pgoff) {
    if (kind == VmKind::kernel || (prot & ~prot_mask) != 0 || len == 0) {
        return err(EINVAL);
    }
    if (len > user_end) {
        return err(ENOMEM);
    }
    len = page_align_wrapping(len);
    uintptr_t addr = hint;
    if (mode == MapMode::anywhere) {
        if (!find_area(hint, len, &addr)) {
            return err(ENOMEM);
        }
    } else {
        if (addr > user_end - len) {
            return err(ENOMEM);
        }
        if ((addr & page_mask) != 0) {
            return err(EINVAL);
        }
        if (addr < m_fixed_min) {
            return err(EPERM);
        }
        // A kernel range is no place for the app at all, as an address
        // past the user half is to Linux: ENOMEM before EEXIST.
        if (overlaps_kernel(addr, addr + len)) {
            return err(ENOMEM);
        }
        if (mode == MapMode::fixed_noreplace && !is_free(addr, addr + len)) {
            return err(EEXIST);
        }
    }
    Vma v{addr, addr + len, prot, flags, kind, file, pgoff};
    // The array peaks after the removal or at the end.
    size_t after = count_after_map(addr, addr + len, v);
    if (after > m_limit || !grow_to(max(after, m_count + removal_growth(addr, addr + len)))) {
        return err(ENOMEM);
    }
    remove(addr, addr + len, true);
    insert_merged(v);
    *out = addr;
    return 0;
}

int AddressSpace::unmap(uintptr_t addr, size_t len) {
    if ((addr & page_mask) != 0 || addr > user_end || len > user_end - addr) {
        return err(EINVAL);
    }
    len = page_align_wrapping(len);
    if (len == 0 || overlaps_kernel(addr, addr + len)) {
        return err(EINVAL);
    }
    return remove_checked(addr, addr + len);
}

int AddressSpace::protect(uintptr_t addr, size_t len, uint8_t prot) {
    if ((addr & page_mask) != 0) {
        return err(EINVAL);
    }
    if (len == 0) {
        return 0;
    }
    len = page_align_wrapping(len);
    if (len == 0 || len > UINTPTR_MAX - addr) {
        return err(ENOMEM);
    }
    if ((prot & ~prot_mask) != 0) {
        return err(EINVAL);
    }
    uintptr_t hi = addr + len;
    if (hi > user_end || !covers(addr, hi)) {
        return err(ENOMEM);
    }
    auto change = [prot](Vma v) {
        v.prot = prot;
        return v;
    };
    if (count_after_change(addr, hi, change) > m_limit ||
        !grow_to(m_count + splits_for(addr, hi, change))) {
        return err(ENOMEM);
    }
    for_each(addr, hi, [this, prot](const Vma& v) {
        if (v.prot != prot) {
            m_ops.protect(m_ops.ctx, v.start, v.end, prot);
        }
    });
    apply_change(addr, hi, change);
    return 0;
}

int AddressSpace::remap(uintptr_t old, size_t old_len, size_t new_len, unsigned flags,
                        uintptr_t new_addr, uintptr_t* out) {
    if ((flags & ~(remap_maymove | remap_fixed | remap_dontunmap)) != 0) {
        return err(EINVAL);
    }
    bool maymove = (flags & remap_maymove) != 0;
    bool fixed = (flags & remap_fixed) != 0;
    bool dontunmap = (flags & remap_dontunmap) != 0;
    if ((fixed && !maymove) || (dontunmap && (!maymove || old_len != new_len))) {
        return err(EINVAL);
    }
    if ((old & page_mask) != 0) {
        return err(EINVAL);
    }
    old_len = page_align_wrapping(old_len);
    new_len = page_align_wrapping(new_len);
    bool to_new = fixed || dontunmap;
    if (new_len == 0 || (to_new && (new_addr & page_mask) != 0)) {
        return err(EINVAL);
    }
    const Vma* found = find(old);
    if (found == nullptr || !is_app(*found)) {
        return err(EFAULT);
    }
    Vma src = *found;
    if (to_new) {
        if (new_len > user_end || new_addr > user_end - new_len) {
            return err(EINVAL);
        }
        bool overlap = new_addr >= old ? new_addr - old < old_len : old - new_addr < new_len;
        if (overlap) {
            return err(EINVAL);
        }
    }
    if (old_len > new_len) {
        // The tail goes as munmap() would take it: checked the same way, but
        // a kernel range there is the app naming memory that is not its own.
        if (new_len > user_end - old || old_len - new_len > user_end - (old + new_len)) {
            return err(EINVAL);
        }
        if (overlaps_kernel(old + new_len, old + old_len)) {
            return err(EFAULT);
        }
        if (!to_new) {
            int error = remove_checked(old + new_len, old + old_len);
            if (error == 0) {
                *out = old;
            }
            return error;
        }
    }
    if (!to_new && old_len == new_len) {
        *out = old;
        return 0;
    }
    size_t len = min(old_len, new_len);
    if (len == 0) {
        return err(EINVAL);
    }
    if (len > src.end - old) {
        return err(EFAULT);
    }
    uintptr_t to = new_addr;
    if (fixed) {
        if (new_addr < m_fixed_min) {
            return err(EPERM);
        }
        // As a new place past the user half is to Linux.
        if (overlaps_kernel(new_addr, new_addr + new_len)) {
            return err(EINVAL);
        }
    } else if (dontunmap) {
        if (!find_area(new_addr, new_len, &to)) {
            return err(ENOMEM);
        }
    } else {
        // A grow in place: the old range must reach the end of its range.
        size_t delta = new_len - old_len;
        if (old + old_len == src.end && delta <= user_end - src.end &&
            is_free(src.end, src.end + delta)) {
            size_t i = lower(old);
            m_vmas[i].end += delta;
            m_mapped += delta;
            merge_span(i, i + 1);
            *out = old;
            return 0;
        }
        if (!maymove || !find_area(0, new_len, &to)) {
            return err(ENOMEM);
        }
    }
    return move(src, old, len, old_len, to, new_len, flags, out);
}

int AddressSpace::move(const Vma& src, uintptr_t old, size_t len, size_t old_len, uintptr_t to,
                       size_t new_len, unsigned flags, uintptr_t* out) {
    // The most ranges a move adds: the target's range split in two, the old
    // range's range split around it (or in three by dontunmap), the tail's
    // last range split, and the new range.
    constexpr size_t worst = 4;
    if (m_count + worst > m_limit || !grow_to(m_count + worst)) {
        return err(ENOMEM);
    }
    if ((flags & remap_fixed) != 0) {
        remove(to, to + new_len, true);
    }
    if (!m_ops.move(m_ops.ctx, old, to, len)) {
        return err(ENOMEM);
    }
    if (old_len > len) {
        remove(old + len, old + old_len, true);
    }
    if ((flags & remap_dontunmap) != 0) {
        apply_change(old, old + len, [](Vma v) {
            v.flags &= static_cast<uint16_t>(~vm_locked);
            return v;
        });
    } else {
        // Its pages moved, so there is nothing left to unmap.
        remove(old, old + len, false);
    }
    Vma moved = src;
    moved.pgoff = src.file ? pgoff_at(src, old) : 0;
    moved.start = to;
    moved.end = to + new_len;
    insert_merged(moved);
    *out = to;
    return 0;
}

bool AddressSpace::extend_down(uintptr_t addr, size_t limit) {
    size_t i = lower(addr);
    if (i == m_count) {
        return false;
    }
    Vma& stack = m_vmas[i];
    if (stack.start <= addr || !is_app(stack) || (stack.flags & vm_growsdown) == 0) {
        return false;
    }
    uintptr_t start = addr & ~page_mask;
    if (start < m_fixed_min || stack.end - start > limit) {
        return false;
    }
    if (i > 0) {
        const Vma& below = m_vmas[i - 1];
        bool guards = is_app(below) && ((below.flags & vm_growsdown) != 0 || below.prot == 0);
        if (!guards && start - below.end < guard_gap) {
            return false;
        }
    }
    m_mapped += stack.start - start;
    stack.start = start;
    if (i > 0) {
        merge_span(i - 1, i);
    }
    return true;
}

const Vma* AddressSpace::find(uintptr_t addr) const {
    if (m_cache < m_count && m_vmas[m_cache].start <= addr && addr < m_vmas[m_cache].end) {
        return &m_vmas[m_cache];
    }
    size_t i = lower(addr);
    if (i < m_count && m_vmas[i].start <= addr) {
        m_cache = i;
        return &m_vmas[i];
    }
    return nullptr;
}

const Vma* AddressSpace::find_next(uintptr_t addr) const {
    size_t i = lower(addr);
    return i < m_count ? &m_vmas[i] : nullptr;
}

bool AddressSpace::is_free(uintptr_t lo, uintptr_t hi) const {
    if (lo >= hi) {
        return true;
    }
    size_t i = lower(lo);
    return i == m_count || m_vmas[i].start >= hi;
}

bool AddressSpace::covers(uintptr_t lo, uintptr_t hi) const {
    uintptr_t at = lo;
    for (size_t i = lower(lo); i < m_count && at < hi; ++i) {
        if (m_vmas[i].start > at || !is_app(m_vmas[i])) {
            return false;
        }
        at = m_vmas[i].end;
    }
    return at >= hi;
}

bool AddressSpace::check() const {
    if (m_count > m_capacity || (m_capacity != 0 && m_vmas == nullptr) ||
        m_mmap_min > m_mmap_base || m_mmap_base > user_end || (m_mmap_min & page_mask) != 0 ||
        (m_mmap_base & page_mask) != 0) {
        return false;
    }
    size_t mapped = 0;
    for (size_t i = 0; i < m_count; ++i) {
        const Vma& v = m_vmas[i];
        if (v.start >= v.end || ((v.start | v.end) & page_mask) != 0 || v.end > user_end) {
            return false;
        }
        if (i > 0 && (m_vmas[i - 1].end > v.start || joins(m_vmas[i - 1], v))) {
            return false;
        }
        if (!is_app(v)) {
            if (v.prot != 0 || v.flags != 0) {
                return false;
            }
            continue;
        }
        if ((v.prot & ~prot_mask) != 0 || v.start < m_fixed_min ||
            static_cast<uint8_t>(v.kind) > static_cast<uint8_t>(VmKind::kernel)) {
            return false;
        }
        mapped += v.end - v.start;
    }
    return mapped == m_mapped;
}

} // namespace uk::mm
