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

namespace {

// An ELF64 for `machine` with one PT_LOAD over the whole file and, when
// `pvh`, a PT_NOTE holding a Xen PHYS32_ENTRY note, as kraftld writes.
std::vector<unsigned char> image64(Elf64_Half machine, bool pvh, Elf64_Half type = ET_EXEC) {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = type;
    eh.e_machine = machine;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    std::size_t notes = sizeof eh + 2 * sizeof(Elf64_Phdr);
    // An unrelated note first (GNU build id), then Xen's.
    std::vector<unsigned char> note_bytes = {4, 0, 0,   0,   4,   0, 0, 0, 3, 0,
                                             0, 0, 'G', 'N', 'U', 0, 1, 2, 3, 4};
    if (pvh) {
        unsigned char xen[] = {4, 0, 0, 0, 4, 0, 0, 0, 18, 0, 0, 0, 'X', 'e', 'n', 0, 0, 0, 16, 0};
        note_bytes.insert(note_bytes.end(), std::begin(xen), std::end(xen));
    }
    Elf64_Phdr ph[2]{};
    ph[0] = ph64(PT_NOTE, 0, note_bytes.size());
    ph[0].p_offset = notes;
    ph[0].p_filesz = note_bytes.size();
    ph[0].p_align = 4;
    ph[1] = ph64(PT_LOAD, 0x100000, 0x2000);
    ph[1].p_offset = 0;
    ph[1].p_filesz = notes + note_bytes.size();
    std::vector<unsigned char> bytes(notes + note_bytes.size());
    std::memcpy(bytes.data(), &eh, sizeof eh);
    std::memcpy(bytes.data() + sizeof eh, ph, sizeof ph);
    std::memcpy(bytes.data() + notes, note_bytes.data(), note_bytes.size());
    return bytes;
}

} // namespace

TEST(UkrunImageInspect, PvhImage) {
    auto info = inspect_image(image64(EM_X86_64, true));
    EXPECT_EQ(info.kind, ImageKind::Pvh);
    EXPECT_EQ(info.problem, "");
    // A 32-bit x86 image with the note boots too (QEMU's PVH loader takes it).
    auto i386 = image64(EM_386, true);
    EXPECT_EQ(inspect_image(i386).kind, ImageKind::Pvh);
}

TEST(UkrunImageInspect, HostProgramIsNotAnImage) {
    auto info = inspect_image(image64(EM_X86_64, false));
    EXPECT_EQ(info.kind, ImageKind::HostElf);
    EXPECT_EQ(info.problem.rfind("not a libunikraft image (link it with kraftld): a program "
                                 "for the host",
                                 0),
              0u)
        << info.problem;
    EXPECT_NE(inspect_image(image64(EM_X86_64, false, ET_REL)).problem.find("object file"),
              std::string::npos);
}

TEST(UkrunImageInspect, NotElf) {
    std::string text = "hello, world\n";
    auto info =
        inspect_image(std::span(reinterpret_cast<unsigned char const*>(text.data()), text.size()));
    EXPECT_EQ(info.kind, ImageKind::NotElf);
    EXPECT_EQ(info.problem, "not a libunikraft image (link it with kraftld): not an ELF file");
    EXPECT_EQ(inspect_image({}).problem,
              "not a libunikraft image (link it with kraftld): an empty file");
    std::string script = "#!/bin/sh\necho hi\n";
    EXPECT_EQ(inspect_image(
                  std::span(reinterpret_cast<unsigned char const*>(script.data()), script.size()))
                  .problem,
              "not a libunikraft image (link it with kraftld): a script");
}

TEST(UkrunImageInspect, OtherArchitecture) {
    auto info = inspect_image(image64(EM_AARCH64, true));
    EXPECT_EQ(info.kind, ImageKind::OtherArch);
    EXPECT_EQ(info.problem,
              "not a libunikraft image (link it with kraftld): an ELF for aarch64, not x86-64");
    auto i386 = inspect_image(image64(EM_386, false));
    EXPECT_EQ(i386.kind, ImageKind::OtherArch);
    EXPECT_NE(i386.problem.find("an ELF for i386, not x86-64"), std::string::npos);
    auto be = image64(EM_X86_64, true);
    be[EI_DATA] = ELFDATA2MSB;
    EXPECT_EQ(inspect_image(be).kind, ImageKind::OtherArch);
    EXPECT_EQ(elf_machine_name(9999), "machine 9999");
}

TEST(UkrunImageInspect, Truncated) {
    auto whole = image64(EM_X86_64, true);
    // Cut inside the notes (the PT_LOAD's and PT_NOTE's file bytes).
    auto info = inspect_image(std::span(whole).first(whole.size() - 3));
    EXPECT_EQ(info.kind, ImageKind::Truncated);
    EXPECT_EQ(info.problem, "truncated image: segment 0 (PT_NOTE) ends at byte " +
                                std::to_string(whole.size()) + ", past the end of the file (" +
                                std::to_string(whole.size() - 3) + " bytes)");
    // Cut inside the program headers, and inside the ELF header.
    EXPECT_NE(inspect_image(std::span(whole).first(sizeof(Elf64_Ehdr) + 10))
                  .problem.find("the program header table ends at byte 176"),
              std::string::npos);
    EXPECT_EQ(inspect_image(std::span(whole).first(40)).kind, ImageKind::Truncated);
    EXPECT_EQ(inspect_image(std::span(whole).first(5)).kind, ImageKind::Truncated);
}

TEST(UkrunImageInspect, MultibootComesFirst) {
    // A Multiboot header makes any file an image, ELF or not (QEMU's
    // Multiboot loader looks before its PVH loader does).
    std::vector<unsigned char> image(4096, 0);
    put32(image, 64, 0x1BADB002);
    put32(image, 68, 0x00010003);
    put32(image, 72, static_cast<std::uint32_t>(-(0x1BADB002 + 0x00010003)));
    EXPECT_EQ(inspect_image(image).kind, ImageKind::Multiboot);
    auto elf = image64(EM_X86_64, false);
    elf.resize(4096);
    auto* ph = reinterpret_cast<Elf64_Phdr*>(elf.data() + sizeof(Elf64_Ehdr));
    ph[1].p_filesz = 4096;
    put32(elf, 512, 0x1BADB002);
    put32(elf, 516, 0x00010003);
    put32(elf, 520, static_cast<std::uint32_t>(-(0x1BADB002 + 0x00010003)));
    EXPECT_EQ(inspect_image(elf).kind, ImageKind::Multiboot);
}
