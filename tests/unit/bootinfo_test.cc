// Boot information parsing: PVH start_info and Multiboot1, from buffers that
// stand in for guest-physical memory.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "boot/bootinfo.h"

using namespace uk::boot;

namespace {

// A fake physical memory of 64 KiB at physical address 0x10000.
constexpr uint64_t phys_base = 0x10000;
std::vector<unsigned char> g_mem(65536);

const void* reader(uint64_t addr, size_t len) {
    if (addr < phys_base || addr + len > phys_base + g_mem.size() || addr + len < addr)
        return nullptr;
    return g_mem.data() + (addr - phys_base);
}

template <typename T> void put(uint64_t addr, const T& v) {
    std::memcpy(g_mem.data() + (addr - phys_base), &v, sizeof(v));
}

struct PvhInfo {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist, cmdline, rsdp, memmap;
    uint32_t memmap_entries, reserved;
};
struct PvhEntry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

BootInfo* parse(BootProtocol p, uint64_t info) {
    static BootInfo out;
    parse_bootinfo(p, info, reader, &out);
    return &out;
}

void write_pvh(const char* cmdline, uint32_t entries) {
    std::fill(g_mem.begin(), g_mem.end(), 0);
    PvhInfo si{0x336ec578, 1, 0, 0, 0, cmdline ? 0x10100u : 0u, 0, 0x10200, entries, 0};
    put(0x10000, si);
    if (cmdline)
        std::memcpy(g_mem.data() + 0x100, cmdline, std::strlen(cmdline) + 1);
    PvhEntry e[3] = {{0, 0x9fc00, 1, 0}, {0x9fc00, 0x400, 2, 0}, {0x100000, 0x3f00000, 1, 0}};
    for (uint32_t i = 0; i < 3 && i < entries; i++)
        put(0x10200 + i * sizeof(PvhEntry), e[i]);
}

} // namespace

TEST(Bootinfo, PvhMemoryMapAndCommandLine) {
    write_pvh("app uk.timestamps=1 -- x", 3);
    BootInfo* b = parse(BootProtocol::pvh, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    ASSERT_EQ(b->nram, 2u);
    EXPECT_EQ(b->ram[0].base, 0u);
    EXPECT_EQ(b->ram[0].len, 0x9fc00u);
    EXPECT_EQ(b->ram[1].base, 0x100000u);
    EXPECT_STREQ(b->cmdline, "app uk.timestamps=1 -- x");
    EXPECT_EQ(b->cmdline_len, std::strlen("app uk.timestamps=1 -- x"));
}

TEST(Bootinfo, PvhErrorsAreReported) {
    write_pvh(nullptr, 3);
    put<uint32_t>(0x10000, 0x12345678);
    EXPECT_STREQ(parse(BootProtocol::pvh, 0x10000)->error, "no PVH start_info (bad magic)");
    write_pvh(nullptr, 0);
    EXPECT_STREQ(parse(BootProtocol::pvh, 0x10000)->error, "the PVH start_info has no memory map");
    write_pvh(nullptr, 3000);
    EXPECT_NE(parse(BootProtocol::pvh, 0x10000)->error, nullptr);
    EXPECT_NE(parse(BootProtocol::pvh, 0x900000)->error, nullptr);
    write_pvh(nullptr, 3);
    put<uint64_t>(0x10000 + 16 + 8, 0x10f00); // cmdline at the very end, unterminated
    std::memset(g_mem.data() + 0xf00, 'a', g_mem.size() - 0xf00);
    BootInfo* b = parse(BootProtocol::pvh, 0x10000);
    EXPECT_STREQ(b->error, "the command line is longer than 4095 bytes");
    EXPECT_EQ(b->cmdline_len, 0u);
}

TEST(Bootinfo, MultibootMemoryMapAndFallback) {
    std::fill(g_mem.begin(), g_mem.end(), 0);
    struct [[gnu::packed]] Mb {
        uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr, syms[4],
            mmap_length, mmap_addr;
    } mb{};
    struct [[gnu::packed]] MbEntry {
        uint32_t size;
        uint64_t addr, len;
        uint32_t type;
    };
    mb.flags = (1 << 6) | (1 << 2);
    mb.cmdline = 0x10100;
    mb.mmap_addr = 0x10200;
    mb.mmap_length = 3 * sizeof(MbEntry);
    put(0x10000, mb);
    std::strcpy(reinterpret_cast<char*>(g_mem.data() + 0x100), "/boot/app -- a");
    put(0x10200, MbEntry{20, 0, 0x9f000, 1});
    put(0x10200 + 24, MbEntry{20, 0xf0000, 0x10000, 2});
    put(0x10200 + 48, MbEntry{20, 0x100000, 0x7f00000, 1});
    BootInfo* b = parse(BootProtocol::multiboot, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    ASSERT_EQ(b->nram, 2u);
    EXPECT_EQ(b->ram[1].len, 0x7f00000u);
    EXPECT_STREQ(b->cmdline, "/boot/app -- a");
    EXPECT_EQ(b->cmdline_len, 14u);

    mb.flags = 1; // only mem_lower/mem_upper
    mb.mem_lower = 639;
    mb.mem_upper = 1024;
    put(0x10000, mb);
    b = parse(BootProtocol::multiboot, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    ASSERT_EQ(b->nram, 2u);
    EXPECT_EQ(b->ram[1].base, 0x100000u);
    EXPECT_EQ(b->ram[1].len, 1024u * 1024);
    EXPECT_STREQ(b->cmdline, "");
    EXPECT_EQ(b->cmdline_len, 0u);

    mb.flags = 0;
    put(0x10000, mb);
    EXPECT_STREQ(parse(BootProtocol::multiboot, 0x10000)->error,
                 "the Multiboot information has no memory map");
}
