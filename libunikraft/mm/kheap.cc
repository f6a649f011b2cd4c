#include "mm/kheap.h"

#include "mm/heap.h"
#include "mm/mm.h"

namespace uk {

namespace {

uintptr_t heap_pages(size_t npages, void*) {
    return reinterpret_cast<uintptr_t>(mm::alloc_pages(npages, 1, mm::Fill::any));
}

constinit Heap g_heap{heap_pages, nullptr};

} // namespace

void* kheap_alloc(size_t size, size_t align) {
    return g_heap.alloc(size, align);
}

void kheap_free(void* p) {
    g_heap.free(p);
}

} // namespace uk
