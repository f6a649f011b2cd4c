#include "mm/kheap.h"

#include "mm/heap.h"
#include "mm/mm.h"
#include "mm/report.h"

namespace uk {

namespace {

constinit bool g_growing = false;

uintptr_t heap_pages(size_t npages, void*) {
    g_growing = true;
    void* p = mm::alloc_pages(npages, 1, mm::Fill::any);
    g_growing = false;
    return reinterpret_cast<uintptr_t>(p);
}

constinit Heap g_heap{heap_pages, nullptr};

} // namespace

void* kheap_alloc(size_t size, size_t align) {
    void* p = g_heap.alloc(size, align);
    if (p)
        mm::note_kheap_usage();
    return p;
}

void kheap_free(void* p) {
    g_heap.free(p);
}

size_t kheap_used_bytes() {
    return g_heap.used_bytes();
}

size_t kheap_total_bytes() {
    return g_heap.total_bytes();
}

bool kheap_growing() {
    return g_growing;
}

} // namespace uk
