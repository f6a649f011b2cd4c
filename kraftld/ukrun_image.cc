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
