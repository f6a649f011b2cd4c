#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "lib/symtab.h"

namespace {

std::vector<uint8_t> build(const std::vector<uk::SymtabSymbol>& syms) {
    const size_t size = uk::symtab_build(syms.data(), syms.size(), nullptr, 0);
    EXPECT_NE(size, 0u);
    std::vector<uint8_t> blob(size);
    EXPECT_EQ(uk::symtab_build(syms.data(), syms.size(), blob.data(), blob.size()), size);
    return blob;
}

uk::SymtabSymbol sym(uint64_t addr, uint64_t size, const char* name) {
    return {addr, size, name, std::strlen(name)};
}

std::string lookup(const std::vector<uint8_t>& blob, uint64_t addr, uint64_t* offset = nullptr) {
    const char* name = uk::symtab_lookup(blob.data(), blob.size(), addr, offset);
    return name ? name : "<none>";
}

TEST(Symtab, FindsTheContainingFunction) {
    const std::vector<uint8_t> blob =
        build({sym(0x100100, 0x20, "first"), sym(0x100120, 0x10, "second"),
               sym(0x100200, 0x100, "_ZN2uk5panicEPKc")});
    uint64_t offset = 99;
    EXPECT_EQ(lookup(blob, 0x100100, &offset), "first");
    EXPECT_EQ(offset, 0u);
    EXPECT_EQ(lookup(blob, 0x10011f, &offset), "first");
    EXPECT_EQ(offset, 0x1fu);
    EXPECT_EQ(lookup(blob, 0x100120), "second");
    EXPECT_EQ(lookup(blob, 0x10012f), "second");
    EXPECT_EQ(lookup(blob, 0x100130), "<none>"); // a gap
    EXPECT_EQ(lookup(blob, 0x1002ff, &offset), "_ZN2uk5panicEPKc");
    EXPECT_EQ(offset, 0xffu);
    EXPECT_EQ(lookup(blob, 0x100300), "<none>");
    EXPECT_EQ(lookup(blob, 0x1000ff), "<none>");
    EXPECT_EQ(lookup(blob, 0), "<none>");
    EXPECT_EQ(lookup(blob, UINT64_MAX), "<none>");
}

TEST(Symtab, LayoutIsCompact) {
    const std::vector<uint8_t> blob = build({sym(0x1000, 4, "ab"), sym(0x1004, 4, "c")});
    // Header, two 12-byte entries, "ab\0c\0", padded to 8.
    EXPECT_EQ(blob.size(), 32u + 24u + 8u);
    uk::SymtabHeader header;
    std::memcpy(&header, blob.data(), sizeof(header));
    EXPECT_EQ(header.magic, uk::symtab_magic);
    EXPECT_EQ(std::memcmp(blob.data(), "UKST", 4), 0);
    EXPECT_EQ(header.version, uk::symtab_version);
    EXPECT_EQ(header.count, 2u);
    EXPECT_EQ(header.strtab_offset, 56u);
    EXPECT_EQ(header.strtab_size, 5u);
    EXPECT_EQ(header.base, 0x1000u);
}

TEST(Symtab, EmptyTableFindsNothing) {
    const size_t size = uk::symtab_build(nullptr, 0, nullptr, 0);
    EXPECT_EQ(size, 32u);
    std::vector<uint8_t> blob(size);
    ASSERT_EQ(uk::symtab_build(nullptr, 0, blob.data(), blob.size()), size);
    EXPECT_EQ(uk::symtab_lookup(blob.data(), blob.size(), 0x1000, nullptr), nullptr);
    EXPECT_EQ(uk::symtab_lookup(nullptr, 0, 0x1000, nullptr), nullptr);
}

TEST(Symtab, BuildRejectsBadInput) {
    std::vector<uint8_t> out(4096);
    auto rejects = [&](const std::vector<uk::SymtabSymbol>& syms) {
        return uk::symtab_build(syms.data(), syms.size(), out.data(), out.size()) == 0;
    };
    EXPECT_TRUE(rejects({sym(0x2000, 4, "b"), sym(0x1000, 4, "a")})); // unsorted
    EXPECT_TRUE(rejects({sym(0x1000, 8, "a"), sym(0x1004, 4, "b")})); // overlapping
    EXPECT_TRUE(rejects({sym(0x1000, 0, "a")}));                      // no size
    EXPECT_TRUE(rejects({sym(0x1000, 4, "")}));                       // no name
    EXPECT_TRUE(rejects({{0x1000, 4, "a\0b", 3}}));                   // NUL in name
    EXPECT_TRUE(rejects({sym(0x1000, 4, "a"), sym(0x1000 + (1ull << 32), 4, "far")}));
    EXPECT_TRUE(rejects({sym(UINT64_MAX - 8, 8, "a"), sym(UINT64_MAX - 4, 4, "b")}));
}

TEST(Symtab, SmallBufferWritesNothing) {
    const std::vector<uk::SymtabSymbol> syms = {sym(0x1000, 4, "a")};
    std::vector<uint8_t> out(16, 0xaa);
    EXPECT_EQ(uk::symtab_build(syms.data(), syms.size(), out.data(), out.size()), 48u);
    EXPECT_EQ(out, std::vector<uint8_t>(16, 0xaa));
}

TEST(Symtab, LookupSurvivesMalformedBlobs) {
    std::vector<uint8_t> good = build({sym(0x1000, 16, "f"), sym(0x1010, 16, "g")});
    ASSERT_EQ(lookup(good, 0x1011), "g");

    // Every prefix that cuts into the names is refused (the rest is padding).
    for (size_t len = 0; len < 32 + 2 * 12 + 4; len++)
        EXPECT_EQ(uk::symtab_lookup(good.data(), len, 0x1011, nullptr), nullptr) << len;

    std::vector<uint8_t> bad = good;
    bad[0] ^= 1; // magic
    EXPECT_EQ(lookup(bad, 0x1011), "<none>");

    bad = good;
    bad[8] = 0xff; // count runs into the names
    EXPECT_EQ(lookup(bad, 0x1011), "<none>");

    bad = good;
    const uint32_t strtab_offset = 32 + 2 * 12;
    bad[strtab_offset + 3] = 'x'; // last name not terminated
    EXPECT_EQ(lookup(bad, 0x1011), "<none>");

    bad = good;
    bad[32 + 12 + 8] = 0xff; // name offset out of range
    EXPECT_EQ(lookup(bad, 0x1011), "<none>");
}

TEST(Symtab, UnalignedBlob) {
    const std::vector<uint8_t> blob = build({sym(0x1000, 16, "f"), sym(0x1010, 16, "g")});
    std::vector<uint8_t> shifted(blob.size() + 1);
    std::memcpy(shifted.data() + 1, blob.data(), blob.size());
    EXPECT_STREQ(uk::symtab_lookup(shifted.data() + 1, blob.size(), 0x1015, nullptr), "g");
}

TEST(Symtab, ManyEntries) {
    std::vector<std::string> names;
    for (int i = 0; i < 1000; i++)
        names.push_back("fn" + std::to_string(i));
    std::vector<uk::SymtabSymbol> syms;
    for (int i = 0; i < 1000; i++)
        syms.push_back({0x100000 + uint64_t(i) * 0x40, 0x30, names[i].c_str(), names[i].size()});
    const std::vector<uint8_t> blob = build(syms);
    for (int i = 0; i < 1000; i++) {
        uint64_t offset = 0;
        EXPECT_EQ(lookup(blob, 0x100000 + uint64_t(i) * 0x40 + 7, &offset), names[i]);
        EXPECT_EQ(offset, 7u);
        EXPECT_EQ(lookup(blob, 0x100000 + uint64_t(i) * 0x40 + 0x30), "<none>");
    }
}

} // namespace
