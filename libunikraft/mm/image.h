// The image's parts as linker/unikraft.ld lays them out: the kernel's
// segments, the app's, and the symbol table. The page tables map them all
// (arch/x86_64/mmu.cc); the app's address space holds only the app's
// (mm/uvm.cc). Addresses only.
#pragma once

#include <stddef.h>
#include <stdint.h>

extern "C" {
extern char __uk_image_start[], __uk_kernel_rodata_start[], __uk_kernel_data_start[],
    __uk_kernel_end[], __uk_app_start[], __uk_app_rodata_start[], __uk_app_data_start[],
    __uk_app_end[], __uk_image_end[];
}

namespace uk::mm {

/// One segment: [lo, hi), its protection as PROT_* bits, and whose it is.
struct ImageSegment {
    uintptr_t lo, hi;
    uint8_t prot;
    bool app;
};

inline constexpr size_t image_segment_count = 7;

/// The image's segments in address order.
inline void image_segments(ImageSegment (&out)[image_segment_count]) {
    const auto a = [](const char* s) { return reinterpret_cast<uintptr_t>(s); };
    constexpr uint8_t r = 1, w = 2, x = 4;
    out[0] = {a(__uk_image_start), a(__uk_kernel_rodata_start), r | x, false};
    out[1] = {a(__uk_kernel_rodata_start), a(__uk_kernel_data_start), r, false};
    out[2] = {a(__uk_kernel_data_start), a(__uk_kernel_end), r | w, false};
    out[3] = {a(__uk_app_start), a(__uk_app_rodata_start), r | x, true};
    out[4] = {a(__uk_app_rodata_start), a(__uk_app_data_start), r, true};
    out[5] = {a(__uk_app_data_start), a(__uk_app_end), r | w, true};
    out[6] = {a(__uk_app_end), a(__uk_image_end), r, false}; // the symbol table
}

} // namespace uk::mm
