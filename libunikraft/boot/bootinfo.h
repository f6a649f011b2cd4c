// What the boot loader tells the kernel: usable memory, the command line and
// the modules it loaded (the initrd).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

namespace uk::boot {

enum class BootProtocol : uint32_t { pvh = 1, multiboot = 2 };

inline constexpr size_t max_regions = 64;
inline constexpr size_t max_cmdline = 4096;
/// Modules kept; a boot loader's further modules are ignored (and not
/// reserved: nothing reads them).
inline constexpr size_t max_modules = 8;

struct BootInfo {
    mm::MemRegion ram[max_regions];
    size_t nram;
    char cmdline[max_cmdline];
    size_t cmdline_len; // strlen(cmdline)
    // Files the boot loader loaded (PVH or Multiboot modules): physical
    // address and size in bytes. The first is the initrd.
    mm::MemRegion modules[max_modules];
    size_t nmodules;
    const char* error; // nullptr when the information was usable
};

/// Maps a physical range to a pointer the parser may read, or nullptr when
/// the range is not readable. The kernel maps identity; tests map buffers.
using PhysReader = const void* (*)(uint64_t addr, size_t len);

/// Parses the PVH start_info or Multiboot1 information at `info` into `out`:
/// RAM regions (type 1, merged in order, capped at max_regions), a copy of
/// the command line and the modules (the first max_modules, in order). Sets
/// out->error to a message for a bad magic number, a missing memory map,
/// unreadable tables, a command line longer than max_cmdline - 1, or a
/// module that wraps around or ends above 4 GiB (the kernel maps no more).
void parse_bootinfo(BootProtocol proto, uint64_t info, PhysReader read, BootInfo* out);

} // namespace uk::boot
