// What ukrun checks in an image before it starts QEMU. Pure logic, shared
// by ukrun and its unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace ukrun {

/// The physical address just past the highest PT_LOAD segment of an ELF
/// image (ELF32 or ELF64, little-endian), read from its first bytes.
/// Returns nothing when `head` is not an ELF header whose program headers
/// lie within `head`, so that QEMU, not ukrun, reports unusual files.
std::optional<std::uint64_t> elf_load_end(std::span<unsigned char const> head);

} // namespace ukrun
