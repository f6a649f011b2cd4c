// The image's parts as linker/unikraft.ld lays them out: the kernel's
// segments, the app's, and the symbol table. The page tables map them all
// (arch/x86_64/mmu.cc); the app's address space holds only the app's
// (mm/uvm.cc). Addresses only.
#pragma once

#include <stddef.h>
#include <stdint.h>

extern "C" {
extern char __uk_image_start[], __uk_kernel_text_end[], __uk_kernel_rodata_start[],
    __uk_kernel_rodata_end[], __uk_kernel_data_start[], __uk_kernel_end[], __uk_app_start[],
    __uk_app_text_end[], __uk_app_rodata_start[], __uk_app_rodata_end[], __uk_app_data_start[],
    __uk_app_end[], __uk_image_end[];
}

namespace uk::mm {

/// One segment: its pages [lo, hi) (page aligned; segments never share a
/// page), its protection as PROT_* bits, and whose it is.
struct ImageSegment {
    uintptr_t lo, hi;
    uint8_t prot;
    bool app;
};

inline constexpr size_t image_segment_count = 7;

/// The image's segments in address order.
inline void image_segments(ImageSegment (&out)[image_segment_count]) {
    const auto lo = [](const char* s) { return reinterpret_cast<uintptr_t>(s) & ~uintptr_t(4095); };
    const auto hi = [](const char* s) {
        return (reinterpret_cast<uintptr_t>(s) + 4095) & ~uintptr_t(4095);
    };
    constexpr uint8_t r = 1, w = 2, x = 4;
    out[0] = {lo(__uk_image_start), hi(__uk_kernel_text_end), r | x, false};
    out[1] = {lo(__uk_kernel_rodata_start), hi(__uk_kernel_rodata_end), r, false};
    out[2] = {lo(__uk_kernel_data_start), hi(__uk_kernel_end), r | w, false};
    out[3] = {lo(__uk_app_start), hi(__uk_app_text_end), r | x, true};
    out[4] = {lo(__uk_app_rodata_start), hi(__uk_app_rodata_end), r, true};
    out[5] = {lo(__uk_app_data_start), hi(__uk_app_end), r | w, true};
    out[6] = {hi(__uk_app_end), hi(__uk_image_end), r, false}; // the symbol table
}

} // namespace uk::mm
