// What the boot loader tells the kernel: usable memory and the command line.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

namespace uk::boot {

enum class BootProtocol : uint32_t { pvh = 1, multiboot = 2 };

inline constexpr size_t max_regions = 64;
inline constexpr size_t max_cmdline = 4096;

struct BootInfo {
    mm::MemRegion ram[max_regions];
    size_t nram;
    char cmdline[max_cmdline];
    size_t cmdline_len; // strlen(cmdline)
    const char* error;  // nullptr when the information was usable
};

/// Maps a physical range to a pointer the parser may read, or nullptr when
/// the range is not readable. The kernel maps identity; tests map buffers.
using PhysReader = const void* (*)(uint64_t addr, size_t len);

/// Parses the PVH start_info or Multiboot1 information at `info` into `out`:
/// RAM regions (type 1, merged in order, capped at max_regions) and a copy of
/// the command line. Sets out->error to a message for a bad magic number, a
/// missing memory map, unreadable tables or a command line longer than
/// max_cmdline - 1.
void parse_bootinfo(BootProtocol proto, uint64_t info, PhysReader read, BootInfo* out);

} // namespace uk::boot
