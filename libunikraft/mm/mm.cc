#include "mm/mm.h"

#include "mm/page_alloc.h"
#include "mm/report.h"

extern "C" {
extern char __uk_image_start[];
extern char __uk_image_end[];
}

namespace uk::mm {

namespace {

constinit PageAllocator g_pages{};
constexpr size_t page = PageAllocator::page_size;
// Pages in use when init() ends: the image, the bitmap, what the boot loader
// loaded.
constinit size_t g_boot_used = 0;

uintptr_t align_up(uintptr_t v, uintptr_t a) {
    return (v + a - 1) & ~(a - 1);
}

// Zeroes whole pages faster than a byte-wise memset does under emulation.
void zero_pages(void* p, size_t npages) {
    // Plain 64-bit stores, eight per iteration: `rep stos` is emulated one
    // element at a time by QEMU's TCG and is several times slower there.
    auto* w = static_cast<uint64_t*>(p);
    for (size_t i = 0, n = npages * page / 8; i < n; i += 8) {
        w[i] = 0;
        w[i + 1] = 0;
        w[i + 2] = 0;
        w[i + 3] = 0;
        w[i + 4] = 0;
        w[i + 5] = 0;
        w[i + 6] = 0;
        w[i + 7] = 0;
    }
}

} // namespace

bool init(const MemRegion* usable, size_t n, const MemRegion* reserved, size_t nreserved) {
    // Only the first 4 GiB are mapped; RAM above is not used.
    constexpr uint64_t limit = uint64_t(1) << 32;
    uint64_t ram_end = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t end = usable[i].base + usable[i].len;
        if (end > limit)
            end = limit;
        if (end > ram_end)
            ram_end = end;
    }
    size_t npages = ram_end / page;
    size_t bitmap = align_up(PageAllocator::bitmap_bytes(npages), 8);
    size_t need = align_up(bitmap, page);

    // The bitmap goes in the first usable stretch after the image big enough
    // for it that holds nothing the boot loader put there.
    uintptr_t img_lo = reinterpret_cast<uintptr_t>(__uk_image_start);
    uintptr_t img_hi = align_up(reinterpret_cast<uintptr_t>(__uk_image_end), page);
    // Moves lo past whatever [lo, lo + need) overlaps; false when nothing did.
    const auto skip_taken = [&](uintptr_t& lo) {
        if (lo < img_hi && lo + need > img_lo) {
            lo = img_hi;
            return true;
        }
        for (size_t r = 0; r < nreserved; r++) {
            uintptr_t r_lo = reserved[r].base & ~(page - 1),
                      r_hi = align_up(reserved[r].base + reserved[r].len, page);
            if (reserved[r].len && lo < r_hi && lo + need > r_lo) {
                lo = r_hi;
                return true;
            }
        }
        return false;
    };
    uintptr_t where = 0;
    for (size_t i = 0; i < n && !where; i++) {
        uintptr_t lo = align_up(usable[i].base, page),
                  hi = (usable[i].base + usable[i].len) & ~(page - 1);
        if (lo < page)
            lo = page;
        while (lo < hi && skip_taken(lo)) {
        }
        if (hi > lo && hi - lo >= need)
            where = lo;
    }
    if (!where)
        return false;
    auto* bits = static_cast<uint64_t*>(phys_to_virt(where));
    zero_pages(bits, need / page);
    g_pages.init(0, npages, bits);
    for (size_t i = 0; i < n; i++)
        g_pages.add_free(usable[i].base, usable[i].len);
    g_pages.reserve(0, page);
    g_pages.reserve(img_lo, img_hi - img_lo);
    g_pages.reserve(where, need);
    for (size_t r = 0; r < nreserved; r++)
        if (reserved[r].len)
            g_pages.reserve(reserved[r].base, reserved[r].len);
    g_boot_used = g_pages.total_pages() - g_pages.free_pages();
    return true;
}

void* alloc_pages(size_t npages, size_t align_pages, Fill fill) {
    uintptr_t pa = g_pages.alloc(npages, align_pages);
    if (!pa)
        return nullptr;
    void* p = phys_to_virt(pa);
    if (fill == Fill::zero)
        zero_pages(p, npages);
    note_usage();
    return p;
}

void free_pages(void* p, size_t npages) {
    g_pages.free(virt_to_phys(p), npages);
}

void free_phys_page(uint64_t pa) {
    g_pages.free(pa, 1);
}

size_t free_page_count() {
    return g_pages.free_pages();
}
size_t total_page_count() {
    return g_pages.total_pages();
}

size_t boot_used_pages() {
    return g_boot_used;
}

} // namespace uk::mm
