// The virtual address layout: where the app's half ends, where the kernel
// sees physical memory and where kernel stacks live. Constants and address
// arithmetic only; nothing here touches memory.
//
//   [0, user_end)          the app: its image (at 1 MiB, where the loader
//                          put it), brk heap, mmap area, main stack on top.
//                          The kernel's part of the image lies in the same
//                          half but is never the app's (see mm/user.h).
//   direct_map_base + pa   every physical address below 4 GiB, writable,
//                          not executable: page tables, the kernel heap,
//                          the pages behind the app's memory.
//   kstack_base + ...      per-thread kernel stacks, each below a guard.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::mm {

inline constexpr uintptr_t page_size = 4096;
/// One past the highest page the app may map (Linux's TASK_SIZE on x86_64).
inline constexpr uintptr_t user_end = 0x7ffffffff000;
/// Physical address pa is at direct_map_base + pa (PML4 slot 273).
inline constexpr uintptr_t direct_map_base = 0xffff888000000000;
inline constexpr uint64_t direct_map_size = uint64_t(4) << 30;
/// Kernel stacks: slots of kstack_slot bytes, the stack at the top of each
/// and an unmapped guard below it (PML4 slot 402).
inline constexpr uintptr_t kstack_base = 0xffffc90000000000;
inline constexpr size_t kstack_size = 16384;
inline constexpr size_t kstack_slot = 2 * kstack_size;

/// The kernel's address of physical address `pa` (below 4 GiB).
inline void* phys_to_virt(uint64_t pa) {
    return reinterpret_cast<void*>(direct_map_base + pa);
}

/// The physical address behind a kernel pointer into the direct map or the
/// image (which is loaded at its link address), for page tables and for
/// devices that read or write memory themselves (DMA). Not for kernel
/// stacks, which are mapped apart.
inline uint64_t virt_to_phys(const volatile void* p) {
    uintptr_t va = reinterpret_cast<uintptr_t>(p);
    return va >= direct_map_base ? va - direct_map_base : va;
}

inline constexpr uintptr_t page_round_down(uintptr_t v) {
    return v & ~(page_size - 1);
}

} // namespace uk::mm
