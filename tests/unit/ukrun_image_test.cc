#include "ukrun_image.h"

#include <gtest/gtest.h>

#include <cstring>
#include <elf.h>
#include <vector>

using namespace ukrun;

namespace {

template <typename Ehdr, typename Phdr>
std::vector<unsigned char> make_elf(unsigned char elf_class, std::vector<Phdr> const& phdrs) {
    Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = elf_class;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Phdr);
    eh.e_phnum = static_cast<decltype(eh.e_phnum)>(phdrs.size());
    std::vector<unsigned char> bytes(sizeof eh + phdrs.size() * sizeof(Phdr));
    std::memcpy(bytes.data(), &eh, sizeof eh);
    if (!phdrs.empty())
        std::memcpy(bytes.data() + sizeof eh, phdrs.data(), phdrs.size() * sizeof(Phdr));
    return bytes;
}

Elf64_Phdr ph64(Elf64_Word type, Elf64_Addr paddr, Elf64_Xword memsz) {
    Elf64_Phdr ph{};
    ph.p_type = type;
    ph.p_paddr = paddr;
    ph.p_vaddr = paddr + 0x1000; // Not what counts: the loader places segments by paddr.
    ph.p_memsz = memsz;
    return ph;
}

} // namespace

TEST(UkrunImage, Elf64HighestLoadSegment) {
    auto elf = make_elf<Elf64_Ehdr, Elf64_Phdr>(
        ELFCLASS64, {ph64(PT_LOAD, 0x100000, 0x5000), ph64(PT_NOTE, 0x900000, 0x10),
                     ph64(PT_LOAD, 0x108000, 0x20000), ph64(PT_LOAD, 0x200000, 0)});
    EXPECT_EQ(elf_load_end(elf), 0x128000u);
}

TEST(UkrunImage, Elf32) {
    Elf32_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_paddr = 0x100000;
    ph.p_memsz = 0x4874;
    auto elf = make_elf<Elf32_Ehdr, Elf32_Phdr>(ELFCLASS32, {ph});
    EXPECT_EQ(elf_load_end(elf), 0x104874u);
}

TEST(UkrunImage, NotAnImage) {
    EXPECT_FALSE(elf_load_end({}));
    std::vector<unsigned char> text(200, 'x');
    EXPECT_FALSE(elf_load_end(text));
    // No PT_LOAD at all.
    EXPECT_FALSE(elf_load_end(make_elf<Elf64_Ehdr, Elf64_Phdr>(ELFCLASS64, {ph64(PT_NOTE, 0, 4)})));
    EXPECT_FALSE(elf_load_end(make_elf<Elf64_Ehdr, Elf64_Phdr>(ELFCLASS64, {})));
    // Program headers cut off by the end of what was read.
    auto elf = make_elf<Elf64_Ehdr, Elf64_Phdr>(ELFCLASS64, {ph64(PT_LOAD, 0x100000, 0x1000)});
    elf.resize(elf.size() - 1);
    EXPECT_FALSE(elf_load_end(elf));
    // A segment whose end wraps around.
    EXPECT_FALSE(elf_load_end(
        make_elf<Elf64_Ehdr, Elf64_Phdr>(ELFCLASS64, {ph64(PT_LOAD, ~0ull - 4, 0x10)})));
    // Big-endian.
    auto be = make_elf<Elf64_Ehdr, Elf64_Phdr>(ELFCLASS64, {ph64(PT_LOAD, 0x100000, 0x1000)});
    be[EI_DATA] = ELFDATA2MSB;
    EXPECT_FALSE(elf_load_end(be));
}

namespace {

void put32(std::vector<unsigned char>& bytes, std::size_t offset, std::uint32_t value) {
    for (int i = 0; i < 4; i++)
        bytes[offset + i] = static_cast<unsigned char>(value >> (8 * i));
}

} // namespace

TEST(UkrunImage, MultibootHeader) {
    std::vector<unsigned char> image(16384, 0);
    EXPECT_FALSE(has_multiboot_header(image));

    put32(image, 4096, 0x1BADB002);
    put32(image, 4100, 0x00010003);
    put32(image, 4104, static_cast<std::uint32_t>(-(0x1BADB002 + 0x00010003)));
    EXPECT_TRUE(has_multiboot_header(image));

    // A bad checksum, a misaligned header, or one past 8 KiB does not count.
    auto bad = image;
    put32(bad, 4104, 0);
    EXPECT_FALSE(has_multiboot_header(bad));
    auto moved = [&](std::size_t to) {
        std::vector<unsigned char> v(16384, 0);
        std::copy(image.begin() + 4096, image.begin() + 4108, v.begin() + to);
        return v;
    };
    EXPECT_FALSE(has_multiboot_header(moved(4098)));
    EXPECT_FALSE(has_multiboot_header(moved(8192)));
    EXPECT_TRUE(has_multiboot_header(moved(8180)));
    EXPECT_TRUE(has_multiboot_header(moved(0)));
    // Cut short.
    EXPECT_FALSE(has_multiboot_header(std::span(image).first(4104)));
}
