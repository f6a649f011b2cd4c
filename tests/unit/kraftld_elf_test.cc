#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "elf_file.h"
#include "lib/symtab.h"

namespace kraftld {
namespace {

constexpr uint8_t stt_notype = 0;
constexpr uint8_t stt_object = 1;
constexpr uint8_t stt_func = 2;
constexpr uint8_t stb_local = 0;
constexpr uint8_t stb_global = 1;
constexpr uint8_t stb_weak = 2;

struct TestSymbol {
    std::string name;
    uint64_t value;
    uint64_t size;
    uint8_t type;
    uint8_t bind;
    uint16_t shndx;
};

// Builds a small ELF64 executable: program headers, sections 1 = .text
// (exec), 2 = .data, then .symtab/.strtab/.shstrtab, and file bytes up to
// `file_size` so that segments can point into them.
std::vector<uint8_t> make_image(const std::vector<ElfSegment>& segments,
                                const std::vector<TestSymbol>& symbols, uint64_t entry = 0x100040,
                                uint64_t file_size = 0x3000) {
    std::vector<uint8_t> out(file_size, 0);
    auto put = [&](uint64_t offset, const void* p, size_t n) {
        if (out.size() < offset + n)
            out.resize(offset + n);
        std::memcpy(out.data() + offset, p, n);
    };
    auto put16 = [&](uint64_t o, uint16_t v) { put(o, &v, 2); };
    auto put32 = [&](uint64_t o, uint32_t v) { put(o, &v, 4); };
    auto put64 = [&](uint64_t o, uint64_t v) { put(o, &v, 8); };

    // Names and symbols live after the loadable bytes.
    std::string strtab(1, '\0');
    std::vector<uint32_t> name_offsets;
    for (const TestSymbol& s : symbols) {
        name_offsets.push_back(static_cast<uint32_t>(strtab.size()));
        strtab += s.name + '\0';
    }
    const std::string shstrtab = std::string("\0.text\0.data\0.symtab\0.strtab\0.shstrtab\0", 39);
    const uint64_t symtab_off = file_size;
    const uint64_t symtab_size = (symbols.size() + 1) * 24;
    for (size_t i = 0; i < symbols.size(); i++) {
        const uint64_t p = symtab_off + (i + 1) * 24;
        put32(p, name_offsets[i]);
        const uint8_t info = static_cast<uint8_t>(symbols[i].bind << 4 | symbols[i].type);
        put(p + 4, &info, 1);
        put16(p + 6, symbols[i].shndx);
        put64(p + 8, symbols[i].value);
        put64(p + 16, symbols[i].size);
    }
    put64(symtab_off, 0);
    const uint64_t strtab_off = symtab_off + symtab_size;
    put(strtab_off, strtab.data(), strtab.size());
    const uint64_t shstrtab_off = strtab_off + strtab.size();
    put(shstrtab_off, shstrtab.data(), shstrtab.size());
    const uint64_t shoff = (shstrtab_off + shstrtab.size() + 7) & ~7ull;

    struct Sh {
        uint32_t name, type;
        uint64_t flags, addr, offset, size;
        uint32_t link;
    };
    const Sh sections[] = {
        {0, 0, 0, 0, 0, 0, 0},
        {1, 1, 6, 0x100000, 0, 0x1000, 0},      // .text: alloc+exec
        {7, 1, 3, 0x101000, 0x1000, 0x1000, 0}, // .data: alloc+write
        {13, 2, 0, 0, symtab_off, symtab_size, 4},
        {21, 3, 0, 0, strtab_off, strtab.size(), 0},
        {29, 3, 0, 0, shstrtab_off, shstrtab.size(), 0},
    };
    for (size_t i = 0; i < std::size(sections); i++) {
        const uint64_t p = shoff + i * 64;
        put32(p, sections[i].name);
        put32(p + 4, sections[i].type);
        put64(p + 8, sections[i].flags);
        put64(p + 16, sections[i].addr);
        put64(p + 24, sections[i].offset);
        put64(p + 32, sections[i].size);
        put32(p + 40, sections[i].link);
        put32(p + 44, sections[i].type == 2 ? 1 : 0);
        put64(p + 48, 8);
        put64(p + 56, sections[i].type == 2 ? 24 : 0);
    }

    const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    put(0, ident, 16);
    put16(16, et_exec);
    put16(18, em_x86_64);
    put32(20, 1);
    put64(24, entry);
    put64(32, 64);
    put64(40, shoff);
    put16(52, 64);
    put16(54, 56);
    put16(56, static_cast<uint16_t>(segments.size()));
    put16(58, 64);
    put16(60, static_cast<uint16_t>(std::size(sections)));
    put16(62, 5);
    for (size_t i = 0; i < segments.size(); i++) {
        const uint64_t p = 64 + i * 56;
        const ElfSegment& s = segments[i];
        put32(p, s.type);
        put32(p + 4, s.flags);
        put64(p + 8, s.offset);
        put64(p + 16, s.vaddr);
        put64(p + 24, s.paddr);
        put64(p + 32, s.filesz);
        put64(p + 40, s.memsz);
        put64(p + 48, s.align);
    }
    return out;
}

const std::vector<ElfSegment> standard_segments = {
    {pt_load, 5, 0, 0x100000, 0x100000, 0x1000, 0x1000, 0x1000},
    {pt_load, 6, 0x1000, 0x101000, 0x101000, 0x800, 0x1000, 0x1000},
    {pt_load, 4, 0x2000, 0x102000, 0x102000, 0x100, 0x100, 0x1000},
    {pt_note, 4, 0x200, 0x100200, 0x100200, 0x14, 0x14, 4},
};

ElfFile parse_ok(const std::vector<uint8_t>& bytes) {
    std::string error;
    std::optional<ElfFile> file = ElfFile::parse(bytes, error);
    EXPECT_TRUE(file.has_value()) << error;
    return file.value_or(ElfFile{});
}

TEST(KraftldElf, ParsesSegmentsSectionsSymbols) {
    const std::vector<uint8_t> bytes =
        make_image(standard_segments, {{"main", 0x100100, 0x20, stt_func, stb_global, 1},
                                       {"counter", 0x101000, 4, stt_object, stb_global, 2}});
    const ElfFile f = parse_ok(bytes);
    EXPECT_EQ(f.type(), et_exec);
    EXPECT_EQ(f.machine(), em_x86_64);
    EXPECT_EQ(f.entry(), 0x100040u);
    EXPECT_EQ(f.segments(), standard_segments);
    ASSERT_NE(f.find_section(".data"), nullptr);
    EXPECT_EQ(f.find_section(".data")->addr, 0x101000u);
    EXPECT_EQ(f.find_section(".nope"), nullptr);
    EXPECT_EQ(f.find_symbol("counter"), 0x101000u);
    EXPECT_EQ(f.find_symbol("missing"), std::nullopt);
}

TEST(KraftldElf, CollectFunctions) {
    const std::vector<uint8_t> bytes = make_image(
        standard_segments, {
                               {"data_object", 0x101000, 4, stt_object, stb_global, 2},
                               {"undefined_fn", 0, 0, stt_func, stb_global, 0},
                               {"b", 0x100200, 0x40, stt_func, stb_local, 1},
                               {"b_alias_weak", 0x100200, 0x40, stt_func, stb_weak, 1},
                               {"b_alias", 0x100200, 0x40, stt_func, stb_global, 1},
                               {"a", 0x100100, 0x10, stt_func, stb_global, 1},
                               {"asm_label_inside_b", 0x100210, 0, stt_notype, stb_global, 1},
                               {"asm_entry", 0x100300, 0, stt_notype, stb_global, 1},
                               {"local_label", 0x100320, 0, stt_notype, stb_local, 1},
                               {".Llocal", 0x100340, 0, stt_notype, stb_local, 1},
                               {"tail", 0x100380, 0, stt_func, stb_global, 1},
                               {"data_label", 0x101010, 0, stt_notype, stb_global, 2},
                               {"abs", 0x100500, 4, stt_func, stb_global, 0xfff1},
                               {"overlong", 0x100f00, 0x400, stt_func, stb_global, 1},
                           });
    const std::vector<FunctionSymbol> fns = collect_functions(parse_ok(bytes));
    const std::vector<FunctionSymbol> expected = {
        {0x100100, 0x10, "a"},         {0x100200, 0x40, "b_alias"},
        {0x100300, 0x80, "asm_entry"}, // reaches the next function
        {0x100380, 0xb80, "tail"},     // reaches the next function
        {0x100f00, 0x100, "overlong"}, // cut at the end of .text
    };
    EXPECT_EQ(fns, expected);
}

TEST(KraftldElf, SymtabBlobRoundTrip) {
    const std::vector<uint8_t> bytes =
        make_image(standard_segments, {{"one", 0x100100, 0x10, stt_func, stb_global, 1},
                                       {"two", 0x100110, 0x30, stt_func, stb_global, 1}});
    const std::vector<uint8_t> blob = build_symtab_blob(collect_functions(parse_ok(bytes)));
    ASSERT_FALSE(blob.empty());
    uint64_t offset = 0;
    EXPECT_STREQ(uk::symtab_lookup(blob.data(), blob.size(), 0x100125, &offset), "two");
    EXPECT_EQ(offset, 0x15u);
}

TEST(KraftldElf, BacktraceNames) {
    using kraftld::backtrace_name;
    EXPECT_EQ(backtrace_name("main"), "main");
    EXPECT_EQ(backtrace_name("uk_syscall6"), "uk_syscall6");
    EXPECT_EQ(backtrace_name("_ZN2uk4arch18setup_signal_frameERNS0_9TrapFrameEi"),
              "uk::arch::setup_signal_frame");
    EXPECT_EQ(backtrace_name("_ZN2uk5posix12_GLOBAL__N_17do_pollElllb.part.0"),
              "uk::posix::(anonymous namespace)::do_poll");
    EXPECT_EQ(
        backtrace_name(
            "_ZN2uk12_GLOBAL__N_113for_each_wordIZNS_13PageAllocator9set_rangeEmmEUlmmE_EEvmmT_"),
        "void uk::(anonymous namespace)::for_each_word<uk::PageAllocator::set_range(unsigned "
        "long, unsigned long)::{lambda(unsigned long, unsigned long)#1}>");
    // Not a valid mangling: kept as it is.
    EXPECT_EQ(backtrace_name("_Zbogus"), "_Zbogus");
}

TEST(KraftldElf, SymtabObject) {
    const std::vector<uint8_t> blob = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::vector<uint8_t> object = make_symtab_object(blob);
    EXPECT_EQ(input_file_problem(object), std::nullopt);
    const ElfFile f = parse_ok(object);
    EXPECT_EQ(f.type(), et_rel);
    EXPECT_EQ(f.machine(), em_x86_64);
    EXPECT_TRUE(f.segments().empty());
    const ElfSection* s = f.find_section(".uk_symtab");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->type, 1u);  // SHT_PROGBITS
    EXPECT_EQ(s->flags, 2u); // SHF_ALLOC only
    ASSERT_EQ(s->size, blob.size());
    EXPECT_EQ(std::memcmp(object.data() + s->offset, blob.data(), blob.size()), 0);
    EXPECT_NE(f.find_section(".note.GNU-stack"), nullptr);
}

std::vector<uint8_t> elf_header(uint8_t elf_class, uint16_t type, uint16_t machine,
                                uint8_t data = 1) {
    std::vector<uint8_t> h(64, 0);
    h[0] = 0x7f;
    h[1] = 'E';
    h[2] = 'L';
    h[3] = 'F';
    h[4] = elf_class;
    h[5] = data;
    std::memcpy(&h[16], &type, 2);
    std::memcpy(&h[18], &machine, 2);
    return h;
}

std::vector<uint8_t>
archive(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members) {
    std::string out = "!<arch>\n";
    for (const auto& [name, body] : members) {
        char header[61];
        std::snprintf(header, sizeof(header), "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name.c_str(), "0",
                      "0", "0", "644", body.size());
        out.append(header, 60);
        out.append(body.begin(), body.end());
        if (body.size() & 1)
            out += '\n';
    }
    return {out.begin(), out.end()};
}

std::string problem(const std::vector<uint8_t>& bytes) {
    return input_file_problem(bytes).value_or("<ok>");
}

TEST(KraftldElf, InputFileProblems) {
    EXPECT_EQ(problem(elf_header(2, et_rel, em_x86_64)), "<ok>");
    EXPECT_NE(problem(elf_header(1, et_rel, 3)).find("32-bit object (ELF32, i386)"),
              std::string::npos);
    EXPECT_NE(problem(elf_header(2, et_rel, 183)).find("AArch64"), std::string::npos);
    EXPECT_NE(problem(elf_header(2, 3, em_x86_64)).find("shared object"), std::string::npos);
    EXPECT_NE(problem(elf_header(2, et_exec, em_x86_64)).find("executable"), std::string::npos);
    EXPECT_NE(problem(elf_header(2, et_rel, 21, 2)).find("big-endian"), std::string::npos);
    EXPECT_NE(problem({0x7f, 'E', 'L', 'F'}).find("truncated"), std::string::npos);
    EXPECT_EQ(problem({}), "is empty");
    const std::string text = "int main() {}";
    EXPECT_NE(problem({text.begin(), text.end()}).find("not an object file or archive"),
              std::string::npos);
    EXPECT_EQ(problem({'B', 'C', 0xc0, 0xde, 0, 0}), "<ok>");
    const std::string thin = "!<thin>\n";
    EXPECT_EQ(problem({thin.begin(), thin.end()}), "<ok>");
}

TEST(KraftldElf, ArchivesAreJudgedByTheirFirstObject) {
    const std::vector<uint8_t> rmeta = {'r', 'u', 's', 't'};
    EXPECT_EQ(problem(archive({{"/", {0, 0, 0, 0}},
                               {"lib.rmeta/", {1, 2, 3}},
                               {"a.o/", elf_header(2, et_rel, em_x86_64)}})),
              "<ok>");
    EXPECT_NE(problem(archive({{"/", {0, 0, 0, 0}}, {"a.o/", elf_header(1, et_rel, 3)}}))
                  .find("holds an object that is a 32-bit object"),
              std::string::npos);
    EXPECT_EQ(problem(archive({})), "<ok>");
    std::vector<uint8_t> damaged = archive({{"a.o/", elf_header(2, et_rel, em_x86_64)}});
    damaged[8 + 58] = 'x';
    EXPECT_NE(problem(damaged).find("damaged"), std::string::npos);
    std::vector<uint8_t> too_long = archive({{"a.o/", rmeta}});
    too_long[8 + 48] = '9';
    EXPECT_NE(problem(too_long).find("damaged"), std::string::npos);
}

TEST(KraftldElf, LayoutDifference) {
    const std::vector<TestSymbol> symbols = {{"f", 0x100100, 0x10, stt_func, stb_global, 1}};
    const std::vector<uint8_t> pass1 = make_image(standard_segments, symbols);

    // Pass 2 adds the symbol table's segment at 0x103000.
    std::vector<ElfSegment> with_symtab = standard_segments;
    with_symtab.insert(with_symtab.begin() + 3,
                       {pt_load, 4, 0x3000, 0x103000, 0x103000, 0x40, 0x40, 0x1000});
    const std::vector<uint8_t> pass2 = make_image(with_symtab, symbols, 0x100040, 0x3040);
    EXPECT_EQ(layout_difference(parse_ok(pass1), parse_ok(pass2), 0x103000), std::nullopt);

    const std::vector<uint8_t> moved_entry = make_image(with_symtab, symbols, 0x100050, 0x3040);
    EXPECT_EQ(layout_difference(parse_ok(pass1), parse_ok(moved_entry), 0x103000),
              "the entry point moved");

    std::vector<ElfSegment> grown = with_symtab;
    grown[1].memsz += 0x10;
    const std::vector<uint8_t> grown_image = make_image(grown, symbols, 0x100040, 0x3040);
    EXPECT_NE(layout_difference(parse_ok(pass1), parse_ok(grown_image), 0x103000), std::nullopt);

    const std::vector<uint8_t> moved_fn =
        make_image(with_symtab, {{"f", 0x100110, 0x10, stt_func, stb_global, 1}}, 0x100040, 0x3040);
    EXPECT_EQ(layout_difference(parse_ok(pass1), parse_ok(moved_fn), 0x103000), "function f moved");
}

TEST(KraftldElf, MultibootImage) {
    const std::vector<uint8_t> elf64 = make_image(standard_segments, {});
    std::string error;
    const auto mb = make_multiboot_image(elf64, 0x100080, error);
    ASSERT_TRUE(mb.has_value()) << error;
    ASSERT_EQ(mb->size(), elf64.size() + multiboot_image_shift);
    EXPECT_EQ(std::memcmp(mb->data() + multiboot_image_shift, elf64.data(), elf64.size()), 0);

    auto u16 = [&](size_t o) {
        uint16_t v;
        std::memcpy(&v, mb->data() + o, 2);
        return v;
    };
    auto u32 = [&](size_t o) {
        uint32_t v;
        std::memcpy(&v, mb->data() + o, 4);
        return v;
    };
    EXPECT_EQ(std::memcmp(mb->data(),
                          "\x7f"
                          "ELF\x01\x01\x01",
                          7),
              0);
    EXPECT_EQ(u16(16), et_exec);
    EXPECT_EQ(u16(18), 3); // EM_386
    EXPECT_EQ(u32(24), 0x100080u);
    EXPECT_EQ(u32(28), 52u);
    EXPECT_EQ(u16(42), 32u);
    ASSERT_EQ(u16(44), 3u); // the three PT_LOADs, not the note
    for (size_t i = 0; i < 3; i++) {
        const size_t p = 52 + i * 32;
        const ElfSegment& s = standard_segments[i];
        EXPECT_EQ(u32(p), pt_load);
        EXPECT_EQ(u32(p + 4), s.offset + multiboot_image_shift);
        EXPECT_EQ(u32(p + 8), s.paddr);
        EXPECT_EQ(u32(p + 12), s.paddr);
        EXPECT_EQ(u32(p + 16), s.filesz);
        EXPECT_EQ(u32(p + 20), s.memsz);
        EXPECT_EQ(u32(p + 24), s.flags);
        EXPECT_EQ(u32(p + 28), 4096u);
    }
    // The Multiboot header: 4-byte aligned, first 8 KiB, checksum sums to 0.
    size_t found = 0;
    for (size_t o = 0; o + 12 <= 8192; o += 4)
        if (u32(o) == 0x1badb002u) {
            found = o;
            break;
        }
    ASSERT_NE(found, 0u);
    EXPECT_EQ(u32(found + 4), 3u);
    EXPECT_EQ(uint32_t(u32(found) + u32(found + 4) + u32(found + 8)), 0u);
}

TEST(KraftldElf, MultibootRefusesHighImages) {
    std::vector<ElfSegment> high = standard_segments;
    high[0].paddr = 0x100000000ull;
    std::string error;
    EXPECT_FALSE(make_multiboot_image(make_image(high, {}), 0x100080, error).has_value());
    EXPECT_NE(error.find("4 GiB"), std::string::npos);
    EXPECT_FALSE(
        make_multiboot_image(make_image(standard_segments, {}), 0x100000000ull, error).has_value());
    EXPECT_FALSE(make_multiboot_image(elf_header(2, et_rel, em_x86_64), 0x1000, error));
}

TEST(KraftldElf, ParseRejectsBrokenFiles) {
    std::string error;
    EXPECT_FALSE(ElfFile::parse({}, error).has_value());
    EXPECT_FALSE(ElfFile::parse(elf_header(1, et_exec, 3), error).has_value());
    std::vector<uint8_t> bad_ph = make_image(standard_segments, {});
    bad_ph[38] = 0x10; // e_phoff far out
    EXPECT_FALSE(ElfFile::parse(bad_ph, error).has_value());
    std::vector<uint8_t> bad_sh = make_image(standard_segments, {});
    bad_sh[47] = 0x10; // e_shoff far out
    EXPECT_FALSE(ElfFile::parse(bad_sh, error).has_value());
}

} // namespace
} // namespace kraftld
