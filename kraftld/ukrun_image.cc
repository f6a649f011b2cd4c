#include "ukrun_image.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace ukrun {

namespace {

std::uint64_t read_le(std::span<unsigned char const> bytes, std::size_t offset, std::size_t size) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; i++)
        value |= static_cast<std::uint64_t>(bytes[offset + i]) << (8 * i);
    return value;
}

} // namespace

std::optional<std::uint64_t> elf_load_end(std::span<unsigned char const> head) {
    constexpr unsigned char magic[] = {0x7f, 'E', 'L', 'F'};
    if (head.size() < 52 || std::memcmp(head.data(), magic, sizeof magic) != 0 || head[5] != 1)
        return std::nullopt;
    bool is64 = head[4] == 2;
    if (!is64 && head[4] != 1)
        return std::nullopt;
    if (is64 && head.size() < 64)
        return std::nullopt;

    std::uint64_t phoff = is64 ? read_le(head, 32, 8) : read_le(head, 28, 4);
    std::uint64_t phentsize = read_le(head, is64 ? 54 : 42, 2);
    std::uint64_t phnum = read_le(head, is64 ? 56 : 44, 2);
    std::uint64_t min_entsize = is64 ? 56 : 32;
    if (phnum == 0 || phentsize < min_entsize || phoff > head.size() ||
        phnum * phentsize > head.size() - phoff)
        return std::nullopt;

    constexpr std::uint32_t pt_load = 1;
    std::uint64_t end = 0;
    for (std::uint64_t i = 0; i < phnum; i++) {
        std::size_t ph = static_cast<std::size_t>(phoff + i * phentsize);
        if (read_le(head, ph, 4) != pt_load)
            continue;
        std::uint64_t paddr = is64 ? read_le(head, ph + 24, 8) : read_le(head, ph + 12, 4);
        std::uint64_t memsz = is64 ? read_le(head, ph + 40, 8) : read_le(head, ph + 20, 4);
        if (memsz == 0)
            continue;
        if (paddr + memsz < paddr)
            return std::nullopt;
        end = std::max(end, paddr + memsz);
    }
    if (end == 0)
        return std::nullopt;
    return end;
}

bool has_multiboot_header(std::span<unsigned char const> head) {
    constexpr std::uint32_t magic = 0x1BADB002;
    std::size_t limit = std::min(head.size(), multiboot_search_bytes);
    for (std::size_t offset = 0; offset + 12 <= limit; offset += 4) {
        if (read_le(head, offset, 4) != magic)
            continue;
        auto flags = static_cast<std::uint32_t>(read_le(head, offset + 4, 4));
        auto checksum = static_cast<std::uint32_t>(read_le(head, offset + 8, 4));
        if (static_cast<std::uint32_t>(magic + flags + checksum) == 0)
            return true;
    }
    return false;
}

std::string elf_machine_name(unsigned machine) {
    switch (machine) {
    case 2:
        return "sparc";
    case 3:
        return "i386";
    case 8:
        return "mips";
    case 20:
        return "powerpc";
    case 21:
        return "powerpc64";
    case 22:
        return "s390";
    case 40:
        return "arm";
    case 62:
        return "x86-64";
    case 183:
        return "aarch64";
    case 243:
        return "riscv";
    case 258:
        return "loongarch";
    default:
        return "machine " + std::to_string(machine);
    }
}

namespace {

constexpr unsigned em_386 = 3, em_x86_64 = 62;
constexpr std::uint32_t pt_load = 1, pt_note = 4;
// The note QEMU's PVH loader looks for (Xen's PHYS32_ENTRY), by type only.
constexpr std::uint32_t xen_elfnote_phys32_entry = 18;

// Whether a PT_NOTE segment's bytes hold a note of `type`.
bool has_note(std::span<unsigned char const> notes, std::uint64_t align, std::uint32_t type) {
    std::uint64_t a = align == 8 ? 8 : 4;
    auto up = [a](std::uint64_t v) { return (v + a - 1) & ~(a - 1); };
    std::size_t at = 0;
    while (notes.size() - at >= 12) {
        std::uint64_t namesz = read_le(notes, at, 4);
        std::uint64_t descsz = read_le(notes, at + 4, 4);
        if (read_le(notes, at + 8, 4) == type)
            return true;
        std::uint64_t next = at + 12 + up(namesz);
        next = up(next + descsz);
        if (next <= at || next > notes.size())
            return false;
        at = static_cast<std::size_t>(next);
    }
    return false;
}

std::string bytes_text(std::uint64_t n) {
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

ImageInfo truncated(std::string what, std::uint64_t end, std::uint64_t size) {
    return {ImageKind::Truncated, "truncated image: " + what + " ends at byte " +
                                      std::to_string(end) + ", past the end of the file (" +
                                      bytes_text(size) + ")"};
}

} // namespace

ImageInfo inspect_image(std::span<unsigned char const> file) {
    constexpr char const* not_image = "not a libunikraft image (link it with kraftld)";
    constexpr unsigned char magic[] = {0x7f, 'E', 'L', 'F'};
    bool multiboot = has_multiboot_header(file);
    bool elf = file.size() >= 4 && std::memcmp(file.data(), magic, sizeof magic) == 0;
    if (!elf) {
        if (multiboot)
            return {ImageKind::Multiboot, {}};
        std::string what = file.empty() ? "an empty file"
                           : file.size() >= 2 && file[0] == '#' && file[1] == '!'
                               ? "a script"
                               : "not an ELF file";
        return {ImageKind::NotElf, std::string(not_image) + ": " + what};
    }
    if (file.size() < 6)
        return truncated("the ELF header", 52, file.size());
    bool is64 = file[4] == 2;
    if ((file[4] != 1 && !is64) || file[5] != 1)
        return {ImageKind::OtherArch, std::string(not_image) + ": an ELF that is not " +
                                          (file[5] == 2 ? "little-endian" : "32- or 64-bit") +
                                          ", so not for x86-64"};
    std::uint64_t ehsize = is64 ? 64 : 52;
    if (file.size() < ehsize)
        return truncated("the ELF header", ehsize, file.size());

    auto machine = static_cast<unsigned>(read_le(file, 18, 2));
    auto type = static_cast<unsigned>(read_le(file, 16, 2));
    std::uint64_t phoff = is64 ? read_le(file, 32, 8) : read_le(file, 28, 4);
    std::uint64_t phentsize = read_le(file, is64 ? 54 : 42, 2);
    std::uint64_t phnum = read_le(file, is64 ? 56 : 44, 2);
    std::uint64_t min_entsize = is64 ? 56 : 32;
    if (phnum && phentsize < min_entsize)
        return {ImageKind::NotElf,
                std::string(not_image) + ": an ELF with malformed program headers"};
    std::uint64_t ph_end = phoff + phnum * phentsize;
    if (phnum && (ph_end < phoff || ph_end > file.size()))
        return truncated("the program header table", ph_end, file.size());

    bool pvh = false;
    for (std::uint64_t i = 0; i < phnum; i++) {
        auto ph = static_cast<std::size_t>(phoff + i * phentsize);
        auto p_type = static_cast<std::uint32_t>(read_le(file, ph, 4));
        if (p_type != pt_load && p_type != pt_note)
            continue;
        std::uint64_t offset = is64 ? read_le(file, ph + 8, 8) : read_le(file, ph + 4, 4);
        std::uint64_t filesz = is64 ? read_le(file, ph + 32, 8) : read_le(file, ph + 16, 4);
        std::uint64_t align = is64 ? read_le(file, ph + 48, 8) : read_le(file, ph + 28, 4);
        std::uint64_t end = offset + filesz;
        if (filesz && (end < offset || end > file.size()))
            return truncated("segment " + std::to_string(i) + " (" +
                                 (p_type == pt_load ? "PT_LOAD" : "PT_NOTE") + ")",
                             end, file.size());
        if (p_type == pt_note && filesz &&
            has_note(
                file.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(filesz)),
                align, xen_elfnote_phys32_entry))
            pvh = true;
    }

    if (multiboot)
        return {ImageKind::Multiboot, {}};
    if (machine != em_x86_64 && (machine != em_386 || !pvh))
        return {ImageKind::OtherArch, std::string(not_image) + ": an ELF for " +
                                          elf_machine_name(machine) + ", not x86-64"};
    if (pvh)
        return {ImageKind::Pvh, {}};
    constexpr unsigned et_rel = 1, et_dyn = 3;
    std::string what = type == et_rel   ? "an object file (.o), not linked"
                       : type == et_dyn ? "a program or shared library for the host"
                                        : "a program for the host";
    return {ImageKind::HostElf, std::string(not_image) + ": " + what +
                                    " (an x86-64 ELF with no PVH entry note or Multiboot header)"};
}

namespace {

constexpr std::uint64_t page = 4096;

std::uint64_t page_up(std::uint64_t v) {
    return (v + page - 1) & ~(page - 1);
}

std::string kib(std::uint64_t bytes) {
    return std::to_string((bytes + 1023) >> 10) + " KiB";
}

} // namespace

std::optional<std::uint64_t> pvh_initrd_address(Machine machine, std::uint64_t mem_bytes,
                                                std::uint64_t size) {
    // QEMU 7.2: microvm keeps up to 3.5 GiB below 4 GiB; pc (i440fx, with
    // gigabyte alignment) all of it under 3.5 GiB, else 3 GiB. pc reserves
    // its ACPI data (0x28000 bytes) at the top of that.
    std::uint64_t below_4g, acpi;
    if (machine == Machine::Microvm) {
        below_4g = std::min<std::uint64_t>(mem_bytes, 0xe0000000);
        acpi = 0;
    } else {
        below_4g = mem_bytes >= 0xe0000000 ? 0xc0000000 : mem_bytes;
        acpi = 0x28000;
    }
    if (below_4g <= acpi + 1)
        return std::nullopt;
    std::uint64_t initrd_max = below_4g - acpi - 1;
    if (size >= initrd_max)
        return std::nullopt;
    return (initrd_max - size) & ~(page - 1);
}

std::string check_fit(std::uint64_t load_end, std::uint64_t mem_bytes, Machine machine,
                      bool multiboot, std::optional<std::uint64_t> initrd_size) {
    if (load_end > mem_bytes)
        return "the image loads up to " + kib(load_end) + ", more than the " +
               format_size(mem_bytes) + " of --mem";
    if (!initrd_size)
        return {};
    std::uint64_t size = *initrd_size;
    std::string need = "the image (" + kib(load_end) + ") and the initrd (" + kib(size) +
                       ") do not fit in the " + format_size(mem_bytes) + " of --mem";
    if (multiboot) {
        // After the image: the Multiboot information, the command line and
        // the module list (a page or two), then the module itself.
        constexpr std::uint64_t info_room = 64 << 10;
        if (page_up(load_end) + info_room + page_up(size) > mem_bytes)
            return need;
        return {};
    }
    auto at = pvh_initrd_address(machine, mem_bytes, size);
    if (!at || *at < load_end)
        return need + " (QEMU puts the initrd at the top of RAM, where it must miss the image)";
    return {};
}

} // namespace ukrun
