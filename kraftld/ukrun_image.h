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

/// How many leading bytes of an image QEMU searches for a Multiboot header.
inline constexpr std::size_t multiboot_search_bytes = 8192;

/// Whether QEMU boots the image as Multiboot: a Multiboot 1 header (magic,
/// flags and a checksum that sums them to zero), 4-byte aligned, within its
/// first multiboot_search_bytes. QEMU then puts the -kernel path in front
/// of the command line, where ukrun would otherwise put the image name.
bool has_multiboot_header(std::span<unsigned char const> head);

} // namespace ukrun
