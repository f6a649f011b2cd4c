// Memory the app maps, shared with the scheduler (thread stacks).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::posix {

/// Gives back every page of [addr, addr + npages) that mmap handed out,
/// restoring its default protection; other pages are left alone.
void unmap_pages(uintptr_t addr, size_t npages);

} // namespace uk::posix
