#include "ukrun_image.h"

#include <cstring>

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

} // namespace ukrun
