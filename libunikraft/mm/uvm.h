// The app's memory: its one address space (mm/vmspace.h) wired to the page
// tables (arch/x86_64/mmu.h) and to physical pages. Owns the layout (image,
// brk heap, mmap area, main stack), demand paging (a page is allocated,
// zeroed, on the first touch of a range that allows it) and running out of
// memory. Argument checks and errno choices for the system calls stay in
// posix/mem.cc.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/vmspace.h"

namespace uk::mm::uvm {

/// The lowest address placement uses (vm.mmap_min_addr); fixed mappings may
/// go lower, as for a privileged process on Linux.
inline constexpr uintptr_t mmap_min = 0x10000;

/// Sets up the app's address space once the page tables hold the image:
/// the image's app segments as ranges, the kernel's parts reserved, the
/// mmap area below the main stack's place. `stack_size` is the main
/// thread's stack (RLIMIT_STACK). Returns false when memory is short.
bool init(size_t stack_size);

/// The app's address space.
AddressSpace& space();

/// The main thread's stack: [lo, top).
struct StackRange {
    uintptr_t lo, top;
};
StackRange main_stack();

/// Where the brk heap starts (the page after the image).
uintptr_t brk_start();

enum class Fault { resolved, maperr, accerr, oom, sigbus };

/// A fault at `addr` in the app's half, by a read, a write or an
/// instruction fetch: maps a zeroed page when the range allows the access
/// (growing a growsdown range first if addr is just below one), or for a
/// file's range the file's page (copied on a private write). maperr: no
/// range; accerr: the range forbids it; oom: no page left; sigbus: a file
/// page past the end of the file.
Fault fault(uintptr_t addr, bool write, bool exec);

/// Keeps `file` (a vfs::File, referenced by the caller for the mapping)
/// while ranges map it: its pages come from its node's map_page on
/// fault. sweep_files() drops the files no range maps any more. Returns
/// false when memory is short (the caller then drops its reference).
bool note_file_mapped(void* file);
void sweep_files();

/// Maps every page of [lo, hi) now (MAP_POPULATE, mlock). Returns false when
/// memory ran out on the way.
bool populate(uintptr_t lo, uintptr_t hi);

/// Unmaps [lo, lo + len) of the app's memory on the kernel's behalf (a
/// finished thread's stack).
void unmap(uintptr_t lo, size_t len);

/// Drops the pages of [lo, hi) and keeps the ranges: the memory reads as
/// zeros at the next touch (MADV_DONTNEED).
void unmap_pages(uintptr_t lo, uintptr_t hi);

/// The number of pages of [lo, hi) that are in memory (the resident set
/// of /proc/<pid>/status and statm).
size_t resident_pages(uintptr_t lo, uintptr_t hi);

/// The physical page behind the app's page `va` for a device that reads it
/// (or writes it when `device_writes`) directly: paged in first as the
/// app's own access would be. no_page (arch/x86_64/mmu.h) when the app
/// could not make that access (the caller reports EFAULT its usual way).
uint64_t dma_page(uintptr_t va, bool device_writes);

/// Brackets a device's direct use of app pages (zero-copy I/O): app pages
/// unmapped meanwhile are not reused until the last hold ends, so a device
/// never writes into memory that has become something else's.
void dma_hold();
void dma_release();

/// True when `addr` lies in the guard gap below the main stack.
bool in_stack_guard(uintptr_t addr);

/// Ends the VM with status 137 after saying that memory ran out, where and
/// how much there was.
[[noreturn]] void out_of_memory(uintptr_t addr);

} // namespace uk::mm::uvm
