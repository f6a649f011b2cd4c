// The page tables: one address space, its low half the app's (4 KiB pages
// only, filled on demand by the fault handler), its high half the kernel's
// (the direct map of physical memory and the kernel stacks). This file owns
// page-table entries and the TLB; which pages should exist and with what
// protection is mm/'s business (mm/vmspace.h), never decided here.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

/// Page protections, as mmap's PROT_* bits.
enum : uint8_t { prot_none = 0, prot_read = 1, prot_write = 2, prot_exec = 4 };

/// Replaces the boot identity map of the low half by the final one: only the
/// image, with 4 KiB pages and its segments' protections (kernel and app
/// text read-only and executable, rodata read-only, data writable, nothing
/// else executable); page 0, the page below the boot stack (its guard) and
/// everything else in the low half unmapped.
/// The direct map and the local APIC's uncached page stay. Returns false
/// when page tables cannot be allocated.
bool mmu_init();

/// No physical page (what user_page and a page source return for none).
inline constexpr uint64_t no_page = ~uint64_t(0);

/// What map_user_page did.
enum class Mapped { new_page, kept, no_memory };

/// Gives the app's page `va` protection `prot` (a page with prot_none keeps
/// its frame but is not accessible): its frame if it has one (kept: a fault
/// that a stale TLB entry or a since-widened protection explains), else one
/// from new_frame() (new_page). One walk of the tables, allocating the ones
/// missing; no_memory when a table or new_frame() fails, the entry
/// unchanged.
[[nodiscard]] Mapped map_user_page(uintptr_t va, uint8_t prot, uint64_t (*new_frame)());

/// Whose a frame mapped by map_user_frame is: the app's (freed on unmap),
/// a file's shared page (never freed here), or a file's page shared
/// copy-on-write (never freed, never writable whatever prot says).
enum class FrameKind { owned, borrowed, copy_on_write };

/// Maps the app's page `va` to frame `pa` with protection `prot`,
/// replacing (and, when the app's own, freeing) whatever frame was there.
/// no_memory when a page table cannot be allocated.
[[nodiscard]] Mapped map_user_frame(uintptr_t va, uint8_t prot, uint64_t pa, FrameKind kind);

/// True when the app's page `va` is mapped copy-on-write.
bool user_page_is_cow(uintptr_t va);

/// The physical page behind the app's page `va` (accessible or prot_none),
/// or no_page.
uint64_t user_page(uintptr_t va);

/// The physical page behind the app's page `va` when the app could use it
/// now without a fault: present, not prot_none, and writable when `write`;
/// else no_page. For devices that move the app's data themselves.
uint64_t user_page_access(uintptr_t va, bool write);

/// Drops every translation in [lo, hi) (page aligned, in the low half),
/// handing each physical page to `release`. Costs what is mapped, not the
/// length: absent tables are skipped whole. Page tables that only served the
/// range are freed.
void unmap_user(uintptr_t lo, uintptr_t hi, void (*release)(uint64_t pa, void* ctx), void* ctx);

/// Gives the pages present in [lo, hi) protection `prot`.
void protect_user(uintptr_t lo, uintptr_t hi, uint8_t prot);

/// Moves the translations of [from, from + len) to [to, to + len), which
/// has none. Returns false, having moved nothing, when page tables for the
/// destination cannot be allocated.
[[nodiscard]] bool move_user(uintptr_t from, uintptr_t to, size_t len);

/// The number of the app's pages in [lo, hi) (page aligned, in the low half)
/// that have a physical page (accessible or prot_none). Costs what is
/// mapped, not the length.
size_t count_user_pages(uintptr_t lo, uintptr_t hi);

/// True when `va` is mapped and present, in either half: reading it cannot
/// fault.
bool readable(uintptr_t va);

/// Maps the kernel page `va` (high half) to `pa`, writable, not executable.
[[nodiscard]] bool map_kernel_page(uintptr_t va, uint64_t pa);

} // namespace uk::arch
