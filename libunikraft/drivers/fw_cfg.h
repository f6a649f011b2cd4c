// QEMU's fw_cfg device: named items the host hands the guest (QEMU's
// `-fw_cfg name=NAME,file=FILE`), found by name in a file directory and read
// through I/O ports 0x510 (select) and 0x511 (data), or by DMA through port
// 0x514 where the device offers it (one port write per transfer instead of
// one port read per byte).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::drivers {

/// One entry of the file directory (item 0x19) as the device lays it out:
/// big-endian numbers, a name padded with NULs (not terminated when it
/// fills the field).
struct FwCfgDirEntry {
    uint32_t size_be;
    uint16_t select_be;
    uint16_t reserved;
    char name[56];
};
static_assert(sizeof(FwCfgDirEntry) == 64, "fixed by QEMU's fw_cfg interface");

/// A file in the directory: the item that holds it and its size in bytes.
struct FwCfgFile {
    uint16_t select;
    uint32_t size;
};

/// Returns true, filling *out, when entry e is the file named name (a name
/// of 56 bytes or more never matches: it cannot be in the directory).
inline bool fw_cfg_entry_is(const FwCfgDirEntry& e, const char* name, FwCfgFile* out) {
    size_t i = 0;
    for (; i < sizeof(e.name); i++) {
        if (e.name[i] != name[i])
            return false;
        if (name[i] == '\0')
            break;
    }
    if (i == sizeof(e.name))
        return false;
    out->select = __builtin_bswap16(e.select_be);
    out->size = __builtin_bswap32(e.size_be);
    return true;
}

/// Looks for the device on its I/O ports (its signature, then whether it
/// offers DMA). Returns false when there is none. A few port accesses: call
/// it only when an item is wanted.
bool fw_cfg_init();

/// Finds the file named name in the directory. Returns false when there is
/// no such file (or no device: call fw_cfg_init first).
bool fw_cfg_find(const char* name, FwCfgFile* out);

/// Reads the first len bytes of item select into buf (any kernel memory:
/// DMA goes by physically contiguous runs). Bytes past the end of the item
/// read as zero. Returns false when the device reports an error.
bool fw_cfg_read(uint16_t select, void* buf, size_t len);

} // namespace uk::drivers
