#include "mm/heap.h"

#include <bit>

// Memory layout.
//
// An arena is a 16-byte-aligned range [a, e). Its first 24 bytes hold the
// link to the next arena, the arena's size and a magic word; blocks follow
// from a + 24, and an epilogue header (size 0, used) sits at e - 8. Block
// headers therefore sit at addresses that are 8 modulo 16 and payloads at
// multiples of 16.
//
// A block header is one 64-bit word: bits 0-1 hold the flags, bits 4-47 the
// block size (a multiple of 16, header included), bits 48-63 a tag computed
// from the header's address and the size. A free block keeps its list links
// in its first two payload words and a copy of its header in its last word,
// so the block after it can find its start when coalescing.

namespace uk {

namespace {

constexpr uint64_t used_bit = 1;
constexpr uint64_t prev_used_bit = 2;
constexpr uint64_t reserved_bits = 0xc;
constexpr uint64_t size_mask = 0x0000'ffff'ffff'fff0;
constexpr uint64_t tag_mask = 0xffff'0000'0000'0000;
constexpr size_t min_block = 32;
constexpr size_t arena_head = 24;
constexpr size_t arena_overhead = arena_head + 8;
constexpr size_t page_bytes = 4096;
constexpr uint64_t arena_magic = 0x756b'6865'6170'6172;

uint64_t load(uintptr_t addr) {
    uint64_t value;
    __builtin_memcpy(&value, reinterpret_cast<const void*>(addr), sizeof value);
    return value;
}

void store(uintptr_t addr, uint64_t value) {
    __builtin_memcpy(reinterpret_cast<void*>(addr), &value, sizeof value);
}

uint64_t tag_of(uintptr_t block, uint64_t size) {
    uint64_t mixed = (block ^ (size << 16) ^ 0x5a17'c3e1'd2b4'f697) * 0x9e37'79b9'7f4a'7c15;
    return mixed & tag_mask;
}

uint64_t make_header(uintptr_t block, uint64_t size, uint64_t flags) {
    return tag_of(block, size) | size | flags;
}

bool header_valid(uintptr_t block, uint64_t header) {
    return (header & reserved_bits) == 0 &&
           (header & tag_mask) == tag_of(block, header & size_mask);
}

size_t block_size(uint64_t header) {
    return header & size_mask;
}

size_t align_up(size_t value, size_t align) {
    return (value + align - 1) & ~(align - 1);
}

// Size classes: one per 16 bytes below 512 (classes 2-31 hold exactly one
// size each), then two per power of two up to 16 MiB; class 63 holds
// everything larger.
size_t bin_index(size_t size) {
    if (size < 512) {
        return size / 16;
    }
    size_t log = static_cast<size_t>(std::bit_width(size)) - 1;
    size_t half = (size >> (log - 1)) & 1;
    size_t index = 32 + 2 * (log - 9) + half;
    return index < 63 ? index : 63;
}

void set_prev_used(uintptr_t block, bool used) {
    uint64_t header = load(block);
    store(block, (header & ~prev_used_bit) | (used ? prev_used_bit : 0));
}

} // namespace

void Heap::init(GetPagesFn get_pages, void* ctx) {
    m_get_pages = get_pages;
    m_ctx = ctx;
    m_arenas = 0;
    m_arena_count = 0;
    for (uintptr_t& bin : m_bins) {
        bin = 0;
    }
    m_bin_map = 0;
    m_used = 0;
    m_total = 0;
    m_bad_frees = 0;
}

void Heap::insert_free(uintptr_t block, size_t size) {
    size_t bin = bin_index(size);
    uintptr_t head = m_bins[bin];
    store(block + 8, head);
    store(block + 16, 0);
    if (head != 0) {
        store(head + 16, block);
    }
    m_bins[bin] = block;
    m_bin_map |= uint64_t{1} << bin;
}

void Heap::remove_free(uintptr_t block, size_t size) {
    size_t bin = bin_index(size);
    uintptr_t next = load(block + 8);
    uintptr_t prev = load(block + 16);
    if (prev != 0) {
        store(prev + 8, next);
    } else {
        m_bins[bin] = next;
    }
    if (next != 0) {
        store(next + 16, prev);
    }
    if (m_bins[bin] == 0) {
        m_bin_map &= ~(uint64_t{1} << bin);
    }
}

void Heap::write_free_block(uintptr_t block, size_t size) {
    // The block before a free block is always used: free neighbours merge.
    uint64_t header = make_header(block, size, prev_used_bit);
    store(block, header);
    store(block + size - 8, header);
    insert_free(block, size);
}

uintptr_t Heap::find_free(size_t size) const {
    size_t bin = bin_index(size);
    if (bin >= 32) {
        // Classes from 32 up span a range of sizes: first fit within the class.
        for (uintptr_t block = m_bins[bin]; block != 0; block = load(block + 8)) {
            if (block_size(load(block)) >= size) {
                return block;
            }
        }
    } else if (m_bins[bin] != 0) {
        return m_bins[bin];
    }
    // Every block in a higher class is larger than any size in this one.
    uint64_t higher = bin >= nbins - 1 ? 0 : m_bin_map & (~uint64_t{0} << (bin + 1));
    if (higher == 0) {
        return 0;
    }
    return m_bins[std::countr_zero(higher)];
}

uintptr_t Heap::place(uintptr_t block, size_t size, size_t align) {
    size_t avail = block_size(load(block));
    remove_free(block, avail);
    uint64_t prev_flag = prev_used_bit;
    uintptr_t payload = block + 8;
    if (payload % align != 0) {
        // The gap before an aligned payload must hold a free block of its own.
        size_t lead = align_up(payload + min_block, align) - payload;
        write_free_block(block, lead);
        block += lead;
        avail -= lead;
        prev_flag = 0;
    }
    if (avail - size >= min_block) {
        store(block, make_header(block, size, used_bit | prev_flag));
        // The block after the remainder already has its prev_used bit clear.
        write_free_block(block + size, avail - size);
    } else {
        store(block, make_header(block, avail, used_bit | prev_flag));
        set_prev_used(block + avail, true);
        size = avail;
    }
    m_used += size;
    return block + 8;
}

void Heap::release(uintptr_t block) {
    uint64_t header = load(block);
    size_t size = block_size(header);
    uintptr_t start = block;
    size_t total = size;
    if ((header & prev_used_bit) == 0) {
        size_t prev_size = block_size(load(block - 8));
        start = block - prev_size;
        remove_free(start, prev_size);
        total += prev_size;
        // A header swallowed by a merge is wiped so that a second free of
        // the same pointer fails validation.
        store(block, 0);
    }
    uintptr_t next = block + size;
    uint64_t next_header = load(next);
    if ((next_header & used_bit) == 0) {
        size_t next_size = block_size(next_header);
        remove_free(next, next_size);
        total += next_size;
        store(next, 0);
    }
    write_free_block(start, total);
    set_prev_used(start + total, false);
}

bool Heap::add_memory(uintptr_t start, size_t len) {
    if (len == 0 || start > UINTPTR_MAX - len || start > UINTPTR_MAX - 15) {
        return false;
    }
    uintptr_t begin = align_up(start, 16);
    uintptr_t end = (start + len) & ~uintptr_t{15};
    if (end <= begin || end - begin < arena_overhead + min_block || end - begin > size_mask) {
        return false;
    }
    uintptr_t extend = 0;
    size_t count = 0;
    for (uintptr_t arena = m_arenas; arena != 0 && count < m_arena_count;
         arena = load(arena), ++count) {
        uintptr_t arena_end = arena + load(arena + 8);
        if (begin < arena_end && arena < end) {
            return false;
        }
        if (arena_end == begin) {
            extend = arena;
        }
    }
    size_t added = end - begin;
    if (extend != 0 && load(extend + 8) <= size_mask - added) {
        // The old epilogue becomes the header of a block covering the new
        // range, which is then freed like any block so it merges with a
        // free block before it.
        uintptr_t block = begin - 8;
        uint64_t epilogue = load(block);
        store(block, make_header(block, added, used_bit | (epilogue & prev_used_bit)));
        store(end - 8, make_header(end - 8, 0, used_bit | prev_used_bit));
        store(extend + 8, load(extend + 8) + added);
        m_total += added;
        release(block);
        return true;
    }
    store(begin, m_arenas);
    store(begin + 8, added);
    store(begin + 16, arena_magic ^ begin);
    m_arenas = begin;
    m_arena_count += 1;
    m_total += added;
    store(end - 8, make_header(end - 8, 0, used_bit));
    write_free_block(begin + arena_head, added - arena_overhead);
    return true;
}

bool Heap::grow(size_t size) {
    if (m_get_pages == nullptr) {
        return false;
    }
    // Room for the block plus a new arena's bookkeeping, in case the pages
    // do not extend an existing arena.
    size_t npages = (size + arena_overhead + page_bytes - 1) / page_bytes;
    if (npages < min_grow_pages) {
        npages = min_grow_pages;
    }
    uintptr_t pages = m_get_pages(npages, m_ctx);
    if (pages == 0) {
        return false;
    }
    return add_memory(pages, npages * page_bytes);
}

void* Heap::alloc(size_t size, size_t align) {
    if (align == 0 || (align & (align - 1)) != 0 || align > max_align || size > max_size) {
        return nullptr;
    }
    if (align < default_align) {
        align = default_align;
    }
    size_t need = size + 8 <= min_block ? min_block : align_up(size + 8, 16);
    // A stricter alignment may need a leading free block split off first;
    // asking for the worst case keeps the search a plain size search.
    size_t search = align > default_align ? need + align + min_block : need;
    uintptr_t block = find_free(search);
    if (block == 0) {
        if (!grow(search)) {
            return nullptr;
        }
        block = find_free(search);
        if (block == 0) {
            return nullptr;
        }
    }
    return reinterpret_cast<void*>(place(block, need, align));
}

uintptr_t Heap::arena_of(uintptr_t addr) const {
    size_t count = 0;
    for (uintptr_t arena = m_arenas; arena != 0 && count < m_arena_count;
         arena = load(arena), ++count) {
        if (addr >= arena + arena_head && addr < arena + load(arena + 8) - 8) {
            return arena;
        }
    }
    return 0;
}

uintptr_t Heap::live_block(const void* ptr) const {
    uintptr_t payload = reinterpret_cast<uintptr_t>(ptr);
    if (payload % 16 != 0 || payload < 16) {
        return 0;
    }
    uintptr_t block = payload - 8;
    uintptr_t arena = arena_of(block);
    if (arena == 0) {
        return 0;
    }
    uint64_t header = load(block);
    if (!header_valid(block, header) || (header & used_bit) == 0) {
        return 0;
    }
    size_t size = block_size(header);
    uintptr_t arena_end = arena + load(arena + 8);
    if (size < min_block || size > arena_end - 8 - block) {
        return 0;
    }
    uint64_t next_header = load(block + size);
    if (!header_valid(block + size, next_header) || (next_header & prev_used_bit) == 0) {
        return 0;
    }
    return block;
}

bool Heap::free(void* ptr) {
    if (ptr == nullptr) {
        return true;
    }
    uintptr_t block = live_block(ptr);
    if (block == 0) {
        m_bad_frees += 1;
        return false;
    }
    m_used -= block_size(load(block));
    release(block);
    return true;
}

size_t Heap::usable_size(const void* ptr) const {
    uintptr_t block = live_block(ptr);
    return block == 0 ? 0 : block_size(load(block)) - 8;
}

bool Heap::check() const {
    size_t free_blocks = 0;
    size_t free_bytes = 0;
    size_t used = 0;
    size_t total = 0;
    size_t arenas = 0;
    for (uintptr_t arena = m_arenas; arena != 0; arena = load(arena)) {
        if (++arenas > m_arena_count) {
            return false;
        }
        if (arena % 16 != 0 || load(arena + 16) != (arena_magic ^ arena)) {
            return false;
        }
        size_t size = load(arena + 8);
        if (size < arena_overhead + min_block || size % 16 != 0 || size > UINTPTR_MAX - arena) {
            return false;
        }
        uintptr_t end = arena + size;
        total += size;
        bool prev_used = true;
        for (uintptr_t block = arena + arena_head;;) {
            uint64_t header = load(block);
            if (!header_valid(block, header) || ((header & prev_used_bit) != 0) != prev_used) {
                return false;
            }
            size_t block_bytes = block_size(header);
            if (block_bytes == 0) {
                if (block != end - 8 || (header & used_bit) == 0) {
                    return false;
                }
                break;
            }
            if (block_bytes < min_block || block_bytes > end - 8 - block) {
                return false;
            }
            if ((header & used_bit) != 0) {
                used += block_bytes;
            } else {
                if (!prev_used || load(block + block_bytes - 8) != header) {
                    return false;
                }
                free_blocks += 1;
                free_bytes += block_bytes;
            }
            prev_used = (header & used_bit) != 0;
            block += block_bytes;
        }
    }
    if (arenas != m_arena_count || used != m_used || total != m_total ||
        used + free_bytes + arenas * arena_overhead != total) {
        return false;
    }
    size_t listed = 0;
    for (size_t bin = 0; bin < nbins; ++bin) {
        uintptr_t block = m_bins[bin];
        if (((m_bin_map >> bin) & 1) != (block != 0)) {
            return false;
        }
        uintptr_t prev = 0;
        while (block != 0) {
            if (++listed > free_blocks || block % 16 != 8 || arena_of(block) == 0) {
                return false;
            }
            uint64_t header = load(block);
            if (!header_valid(block, header) || (header & used_bit) != 0 ||
                bin_index(block_size(header)) != bin || load(block + 16) != prev) {
                return false;
            }
            prev = block;
            block = load(block + 8);
        }
    }
    return listed == free_blocks;
}

} // namespace uk
