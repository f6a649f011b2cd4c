#include "mm/page_alloc.h"

#include <bit>

namespace uk {

namespace {

constexpr size_t word_bits = 64;
constexpr uint64_t all_ones = ~uint64_t{0};

// std::popcount becomes a libgcc call without -mpopcnt; this is as fast.
constexpr size_t popcount(uint64_t x) {
    x = x - ((x >> 1) & 0x5555'5555'5555'5555);
    x = (x & 0x3333'3333'3333'3333) + ((x >> 2) & 0x3333'3333'3333'3333);
    x = (x + (x >> 4)) & 0x0f0f'0f0f'0f0f'0f0f;
    return static_cast<size_t>((x * 0x0101'0101'0101'0101) >> 56);
}

constexpr bool is_power_of_two(size_t x) {
    return x != 0 && (x & (x - 1)) == 0;
}

// Returns the mask of bits [lo, hi) of one word, 0 <= lo < hi <= 64.
constexpr uint64_t bit_mask(size_t lo, size_t hi) {
    uint64_t upper = hi == word_bits ? all_ones : (uint64_t{1} << hi) - 1;
    return upper & (all_ones << lo);
}

// Calls fn(word_index, mask) for every word that holds bits of [first, last).
template <typename Fn> void for_each_word(size_t first, size_t last, Fn fn) {
    while (first < last) {
        size_t word = first / word_bits;
        size_t lo = first % word_bits;
        size_t hi = last - word * word_bits < word_bits ? last - word * word_bits : word_bits;
        fn(word, bit_mask(lo, hi));
        first = word * word_bits + hi;
    }
}

} // namespace

void PageAllocator::init(uintptr_t base, size_t npages, uint64_t* bitmap) {
    m_bitmap = bitmap;
    m_free = 0;
    m_hint = 0;
    m_base = 0;
    m_npages = 0;
    m_nwords = 0;
    if (bitmap == nullptr || npages == 0) {
        return;
    }
    if (base % page_size != 0) {
        uintptr_t skip = page_size - base % page_size;
        if (base > UINTPTR_MAX - skip) {
            return;
        }
        base += skip;
        npages -= 1;
    }
    // Keep base + npages * page_size representable so range ends never wrap.
    size_t max_pages = (UINTPTR_MAX - base) / page_size;
    if (npages > max_pages) {
        npages = max_pages;
    }
    m_base = base;
    m_npages = npages;
    m_nwords = bitmap_bytes(npages) / sizeof(uint64_t);
    // Every bit starts set, including the padding bits past the last page,
    // which stay set forever so that word scans never hand them out.
    for (size_t i = 0; i < m_nwords; ++i) {
        m_bitmap[i] = all_ones;
    }
}

bool PageAllocator::page_range(uintptr_t start, size_t len, bool whole_pages_only, size_t* first,
                               size_t* last) const {
    if (len == 0 || m_npages == 0) {
        return false;
    }
    uintptr_t end = len > UINTPTR_MAX - start ? UINTPTR_MAX : start + len;
    // Work in page numbers: they cannot overflow where addresses could.
    uintptr_t first_pn = start / page_size;
    uintptr_t last_pn = end / page_size;
    if (whole_pages_only) {
        first_pn += start % page_size != 0;
    } else {
        last_pn += end % page_size != 0;
    }
    uintptr_t base_pn = m_base / page_size;
    uintptr_t end_pn = base_pn + m_npages;
    if (first_pn < base_pn) {
        first_pn = base_pn;
    }
    if (last_pn > end_pn) {
        last_pn = end_pn;
    }
    if (first_pn >= last_pn) {
        return false;
    }
    *first = first_pn - base_pn;
    *last = last_pn - base_pn;
    return true;
}

void PageAllocator::set_range(size_t first, size_t last) {
    for_each_word(first, last, [this](size_t word, uint64_t mask) {
        m_free -= popcount(~m_bitmap[word] & mask);
        m_bitmap[word] |= mask;
    });
}

size_t PageAllocator::clear_range(size_t first, size_t last) {
    size_t freed = 0;
    for_each_word(first, last, [this, &freed](size_t word, uint64_t mask) {
        freed += popcount(m_bitmap[word] & mask);
        m_bitmap[word] &= ~mask;
    });
    m_free += freed;
    if (first / word_bits < m_hint) {
        m_hint = first / word_bits;
    }
    return freed;
}

void PageAllocator::add_free(uintptr_t start, size_t len) {
    size_t first;
    size_t last;
    if (!page_range(start, len, true, &first, &last)) {
        return;
    }
    // Address 0 is alloc()'s failure value, so page 0 can never be free.
    if (m_base == 0 && first == 0) {
        first = 1;
    }
    if (first < last) {
        clear_range(first, last);
    }
}

void PageAllocator::reserve(uintptr_t start, size_t len) {
    size_t first;
    size_t last;
    if (page_range(start, len, false, &first, &last)) {
        set_range(first, last);
    }
}

size_t PageAllocator::next_free_from(size_t index) const {
    if (index >= m_npages) {
        return npos;
    }
    size_t word = index / word_bits;
    uint64_t bits = m_bitmap[word] | ~(all_ones << (index % word_bits));
    while (bits == all_ones) {
        if (++word >= m_nwords) {
            return npos;
        }
        bits = m_bitmap[word];
    }
    size_t found = word * word_bits + static_cast<size_t>(std::countr_one(bits));
    return found < m_npages ? found : npos;
}

size_t PageAllocator::first_used_in(size_t first, size_t last) const {
    size_t found = npos;
    // A plain loop instead of for_each_word so the scan stops at the first hit.
    while (first < last) {
        size_t word = first / word_bits;
        size_t lo = first % word_bits;
        size_t hi = last - word * word_bits < word_bits ? last - word * word_bits : word_bits;
        uint64_t used = m_bitmap[word] & bit_mask(lo, hi);
        if (used != 0) {
            found = word * word_bits + static_cast<size_t>(std::countr_zero(used));
            break;
        }
        first = word * word_bits + hi;
    }
    return found;
}

uintptr_t PageAllocator::alloc(size_t npages, size_t align_pages) {
    if (npages == 0 || npages > m_free || !is_power_of_two(align_pages)) {
        return 0;
    }
    if (npages == 1 && align_pages == 1) {
        for (size_t word = m_hint; word < m_nwords; ++word) {
            uint64_t bits = m_bitmap[word];
            if (bits != all_ones) {
                m_hint = word;
                m_bitmap[word] = bits | (bits + 1);
                m_free -= 1;
                size_t index = word * word_bits + static_cast<size_t>(std::countr_one(bits));
                return m_base + index * page_size;
            }
        }
        return 0;
    }
    // Page index i is suitably aligned when (base page number + i) is a
    // multiple of align_pages, i.e. i == phase modulo align_pages.
    size_t phase = (align_pages - (m_base / page_size) % align_pages) % align_pages;
    size_t candidate_from = m_hint * word_bits;
    for (;;) {
        size_t index = next_free_from(candidate_from);
        if (index == npos) {
            return 0;
        }
        if (index < phase) {
            index = phase;
        } else if ((index - phase) % align_pages != 0) {
            size_t up = align_pages - (index - phase) % align_pages;
            if (index > m_npages || up > m_npages - index) {
                return 0;
            }
            index += up;
        }
        if (index >= m_npages || npages > m_npages - index) {
            return 0;
        }
        size_t used = first_used_in(index, index + npages);
        if (used == npos) {
            set_range(index, index + npages);
            return m_base + index * page_size;
        }
        candidate_from = used + 1;
    }
}

bool PageAllocator::free(uintptr_t addr, size_t npages) {
    if (npages == 0 || addr == 0 || addr % page_size != 0 || addr < m_base) {
        return false;
    }
    size_t index = (addr - m_base) / page_size;
    if (index >= m_npages || npages > m_npages - index) {
        return false;
    }
    bool all_used = true;
    for_each_word(index, index + npages, [this, &all_used](size_t word, uint64_t mask) {
        all_used = all_used && (m_bitmap[word] & mask) == mask;
    });
    if (!all_used) {
        return false;
    }
    clear_range(index, index + npages);
    return true;
}

bool PageAllocator::is_free(uintptr_t addr) const {
    if (addr < m_base) {
        return false;
    }
    size_t index = (addr - m_base) / page_size;
    if (index >= m_npages) {
        return false;
    }
    return (m_bitmap[index / word_bits] >> (index % word_bits) & 1) == 0;
}

bool PageAllocator::check() const {
    if (m_npages == 0) {
        return m_free == 0;
    }
    size_t free_count = 0;
    for (size_t word = 0; word < m_nwords; ++word) {
        uint64_t bits = m_bitmap[word];
        if (word < m_hint && bits != all_ones) {
            return false;
        }
        free_count += popcount(~bits);
    }
    size_t tail = m_npages % word_bits;
    if (tail != 0 && (m_bitmap[m_nwords - 1] & bit_mask(tail, word_bits)) != bit_mask(tail, 64)) {
        return false;
    }
    if (m_base == 0 && (m_bitmap[0] & 1) == 0) {
        return false;
    }
    return free_count == m_free;
}

} // namespace uk
