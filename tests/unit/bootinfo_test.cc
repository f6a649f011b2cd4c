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

namespace {

struct PvhModule {
    uint64_t paddr, size, cmdline, reserved;
};

// A PVH start_info with `n` modules listed at 0x10400.
void write_pvh_modules(uint32_t n, uint64_t modlist = 0x10400) {
    write_pvh("app", 3);
    put<uint32_t>(0x10000 + 12, n);
    put<uint64_t>(0x10000 + 16, modlist);
}

} // namespace

TEST(Bootinfo, PvhModules) {
    write_pvh("app", 3);
    BootInfo* b = parse(BootProtocol::pvh, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    EXPECT_EQ(b->nmodules, 0u);

    write_pvh_modules(2);
    put(0x10400, PvhModule{0x23ff000, 0x4000000, 0, 0});
    put(0x10400 + 32, PvhModule{0x1000000, 0, 0, 0});
    b = parse(BootProtocol::pvh, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    ASSERT_EQ(b->nmodules, 2u);
    EXPECT_EQ(b->modules[0].base, 0x23ff000u);
    EXPECT_EQ(b->modules[0].len, 0x4000000u);
    EXPECT_EQ(b->modules[1].base, 0x1000000u);
    EXPECT_EQ(b->modules[1].len, 0u);
    EXPECT_STREQ(b->cmdline, "app");

    // Modules past the cap are dropped, the first ones kept in order.
    write_pvh_modules(max_modules + 3);
    for (uint32_t i = 0; i < max_modules + 3; i++)
        put(0x10400 + i * 32, PvhModule{0x100000 * (i + 1), 4096, 0, 0});
    b = parse(BootProtocol::pvh, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    ASSERT_EQ(b->nmodules, max_modules);
    EXPECT_EQ(b->modules[max_modules - 1].base, 0x100000u * max_modules);
}

TEST(Bootinfo, PvhModuleErrors) {
    write_pvh_modules(1);
    put(0x10400, PvhModule{0xfffff000, 0x2000, 0, 0});
    EXPECT_STREQ(parse(BootProtocol::pvh, 0x10000)->error, "a boot module lies above 4 GiB");
    put(0x10400, PvhModule{~uint64_t(0) - 10, 0x100, 0, 0});
    EXPECT_STREQ(parse(BootProtocol::pvh, 0x10000)->error, "a boot module lies above 4 GiB");
    // Ending exactly at 4 GiB is still reachable.
    put(0x10400, PvhModule{0xfffff000, 0x1000, 0, 0});
    EXPECT_EQ(parse(BootProtocol::pvh, 0x10000)->error, nullptr);

    write_pvh_modules(1, 0x900000);
    EXPECT_STREQ(parse(BootProtocol::pvh, 0x10000)->error,
                 "the PVH module list is not in readable memory");
    write_pvh_modules(100000);
    EXPECT_STREQ(parse(BootProtocol::pvh, 0x10000)->error,
                 "the PVH module list is implausibly long");
    // A list that runs off the end of readable memory.
    write_pvh_modules(3, 0x10000 + g_mem.size() - 64);
    EXPECT_NE(parse(BootProtocol::pvh, 0x10000)->error, nullptr);
}

TEST(Bootinfo, MultibootModules) {
    std::fill(g_mem.begin(), g_mem.end(), 0);
    struct [[gnu::packed]] Mb {
        uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr, syms[4],
            mmap_length, mmap_addr;
    } mb{};
    struct [[gnu::packed]] MbModule {
        uint32_t start, end, string, reserved;
    };
    mb.flags = 1 | (1 << 3);
    mb.mem_lower = 639;
    mb.mem_upper = 65536;
    mb.mods_count = 2;
    mb.mods_addr = 0x10300;
    put(0x10000, mb);
    put(0x10300, MbModule{0x200000, 0x201234, 0, 0});
    put(0x10310, MbModule{0x300000, 0x300000, 0, 0});
    BootInfo* b = parse(BootProtocol::multiboot, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    ASSERT_EQ(b->nmodules, 2u);
    EXPECT_EQ(b->modules[0].base, 0x200000u);
    EXPECT_EQ(b->modules[0].len, 0x1234u);
    EXPECT_EQ(b->modules[1].len, 0u);

    // Without the flag the fields mean nothing.
    mb.flags = 1;
    put(0x10000, mb);
    b = parse(BootProtocol::multiboot, 0x10000);
    ASSERT_EQ(b->error, nullptr);
    EXPECT_EQ(b->nmodules, 0u);

    mb.flags = 1 | (1 << 3);
    put(0x10000, mb);
    put(0x10300, MbModule{0x200000, 0x1000, 0, 0});
    EXPECT_STREQ(parse(BootProtocol::multiboot, 0x10000)->error,
                 "a Multiboot module ends before it starts");
    mb.mods_addr = 0x900000;
    put(0x10000, mb);
    EXPECT_STREQ(parse(BootProtocol::multiboot, 0x10000)->error,
                 "the Multiboot module list is not in readable memory");
}
