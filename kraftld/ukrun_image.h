// What ukrun checks in an image before it starts QEMU. Pure logic, shared
// by ukrun and its unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ukrun_args.h"

namespace ukrun {

/// The physical address just past the highest PT_LOAD segment of an ELF
/// image (ELF32 or ELF64, little-endian), read from its first bytes.
/// Returns nothing when `head` is not an ELF header whose program headers
/// lie within `head`, so that QEMU, not ukrun, reports unusual files.
std::optional<std::uint64_t> elf_load_end(std::span<unsigned char const> head);

/// What a file given as the image turned out to be.
enum class ImageKind {
    /// An ELF for x86 with a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY in a
    /// PT_NOTE segment): what kraftld links, and QEMU boots.
    Pvh,
    /// A file with a Multiboot 1 header (kraftld --uk-format=multiboot).
    Multiboot,
    /// Not an ELF file at all: a text file, a script, an archive.
    NotElf,
    /// An ELF for x86-64 with neither a PVH note nor a Multiboot header: a
    /// program for the host, linked by gcc, or an object file.
    HostElf,
    /// An ELF for another machine (aarch64, i386 without a PVH note, ...).
    OtherArch,
    /// An ELF whose headers or segments run past the end of the file.
    Truncated,
};

/// What inspect_image found: the kind, and for all but Pvh and Multiboot a
/// one-line reason that follows "IMAGE: " in ukrun's message.
struct ImageInfo {
    ImageKind kind;
    std::string problem;
};

/// Looks at a whole image file (its bytes, e.g. mapped) before QEMU does,
/// so that a file QEMU cannot boot gets a message that says why instead of
/// QEMU's ("Error loading uncompressed kernel without PVH ELF Note"). An
/// ELF is checked for truncation first (its header, program headers and
/// the file bytes of its PT_LOAD and PT_NOTE segments must lie in the
/// file); then a Multiboot header, which QEMU looks for before anything
/// else, makes it a Multiboot image; then an x86 ELF with a PVH note is a
/// PVH image.
ImageInfo inspect_image(std::span<unsigned char const> file);

/// The name of an ELF e_machine value ("aarch64", "i386", "riscv"), or
/// "machine N" for one it does not know.
std::string elf_machine_name(unsigned machine);

/// How many leading bytes of an image QEMU searches for a Multiboot header.
inline constexpr std::size_t multiboot_search_bytes = 8192;

/// Whether QEMU boots the image as Multiboot: a Multiboot 1 header (magic,
/// flags and a checksum that sums them to zero), 4-byte aligned, within its
/// first multiboot_search_bytes. QEMU then puts the -kernel path in front
/// of the command line, where ukrun would otherwise put the image name.
bool has_multiboot_header(std::span<unsigned char const> head);

/// Where QEMU loads an initrd of `size` bytes beside a PVH image: page
/// aligned at the top of the RAM below 4 GiB, under the ACPI tables on
/// -M pc (QEMU's x86_load_linux). Nothing when QEMU refuses it as too large.
std::optional<std::uint64_t> pvh_initrd_address(Machine machine, std::uint64_t mem_bytes,
                                                std::uint64_t size);

/// Checks that an image loading up to `load_end` fits in `mem_bytes` with an
/// initrd of `initrd_size` bytes (when there is one): for a PVH image QEMU
/// puts the initrd at pvh_initrd_address and does not check that the image
/// ends below it; for a Multiboot image it puts the module after the image.
/// Returns an empty string, or a message saying what does not fit.
std::string check_fit(std::uint64_t load_end, std::uint64_t mem_bytes, Machine machine,
                      bool multiboot, std::optional<std::uint64_t> initrd_size);

} // namespace ukrun
