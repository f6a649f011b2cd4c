// Kernel stacks: one per thread, each kstack_size bytes at the top of its
// own kstack_slot in the kernel-stack region (mm/layout.h), with the rest of
// the slot left unmapped as a guard, so an overflow faults instead of
// running into another stack. Freed stacks are kept mapped for the next
// thread; nothing here knows about threads.
#pragma once

#include <stdint.h>

namespace uk::mm {

/// Allocates a kernel stack; returns its top (16-byte aligned), or 0 when
/// memory is short.
uintptr_t kstack_alloc();

/// Returns a stack from kstack_alloc, by its top.
void kstack_free(uintptr_t top);

/// True when `addr` lies in the guard below some kernel stack (the boot
/// stack's included).
bool in_kstack_guard(uintptr_t addr);

} // namespace uk::mm
