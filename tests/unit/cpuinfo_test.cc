// /proc/cpuinfo from CPUID: fed this host's CPU, the text must agree with
// this host's own /proc/cpuinfo (a Linux kernel's) in field names, order,
// values that come from CPUID, and flag names and order.
#include <gtest/gtest.h>

#include <cpuid.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "vfs/cpuinfo.h"

namespace {

using uk::vfs::cpuinfo::Facts;
using uk::vfs::cpuinfo::Regs;

Regs host_cpuid(uint32_t leaf, uint32_t subleaf) {
    Regs r{};
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
    return r;
}

uint64_t host_xcr0() {
    if (!(host_cpuid(1, 0).ecx & (1u << 27)))
        return 3;
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}

// The host's first processor block as (name, value) pairs in order.
std::vector<std::pair<std::string, std::string>> parse_block(std::istream& in) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string line;
    while (std::getline(in, line) && !line.empty()) {
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string name = line.substr(0, colon);
        while (!name.empty() && (name.back() == '\t' || name.back() == ' '))
            name.pop_back();
        std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        out.emplace_back(name, value);
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> host_block() {
    std::ifstream f("/proc/cpuinfo");
    return parse_block(f);
}

uint32_t host_cpus() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    uint32_t n = 0;
    while (std::getline(f, line))
        n += line.rfind("processor", 0) == 0;
    return n;
}

Facts host_facts() {
    return Facts{host_cpuid, 2000000, host_xcr0(), host_cpus()};
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

TEST(Cpuinfo, FieldsComeInLinuxsOrderWithLinuxsTabs) {
    uk::Text t;
    uk::vfs::cpuinfo::write(t, host_facts(), 0);
    std::string text(t.data(), t.size());
    ASSERT_GE(text.size(), 2u);
    EXPECT_EQ(text.substr(text.size() - 2), "\n\n");
    // Each of our lines must appear among the host's, in the same order,
    // with the same spelling of the name (tabs included).
    std::ifstream f("/proc/cpuinfo");
    std::vector<std::string> host_names;
    for (std::string line; std::getline(f, line) && !line.empty();)
        host_names.push_back(line.substr(0, line.find(':')));
    std::istringstream ours(text);
    size_t at = 0;
    int lines = 0;
    for (std::string line; std::getline(ours, line) && !line.empty(); lines++) {
        std::string name = line.substr(0, line.find(':'));
        while (at < host_names.size() && host_names[at] != name)
            at++;
        EXPECT_LT(at, host_names.size()) << "'" << name << "' missing or out of order";
        if (at == host_names.size())
            break;
        at++;
    }
    EXPECT_GE(lines, 20);
}

// The host kernel read CPUID at its boot; a VM restored from a snapshot on
// another machine answers CPUID differently now. Comparing values needs the
// same CPU: the brand string tells.
bool host_cpu_unchanged() {
    uk::Text t;
    uk::vfs::cpuinfo::write(t, host_facts(), 0);
    std::istringstream ours(std::string(t.data(), t.size()));
    std::string mine, host;
    for (auto& [n, v] : parse_block(ours))
        if (n == "model name")
            mine = v;
    for (auto& [n, v] : host_block())
        if (n == "model name")
            host = v;
    return mine == host;
}

TEST(Cpuinfo, ValuesFromCpuidMatchTheHostKernels) {
    if (!host_cpu_unchanged()) {
        GTEST_SKIP() << "CPUID differs from what the host kernel saw at boot (a migrated VM)";
    }
    uk::Text t;
    uk::vfs::cpuinfo::write(t, host_facts(), 0);
    std::istringstream ours(std::string(t.data(), t.size()));
    std::map<std::string, std::string> mine;
    for (auto& [n, v] : parse_block(ours))
        mine[n] = v;
    std::map<std::string, std::string> host;
    for (auto& [n, v] : host_block())
        host[n] = v;
    for (const char* field :
         {"processor", "vendor_id", "cpu family", "model", "model name", "stepping", "cpuid level",
          "clflush size", "cache_alignment", "address sizes", "cache size", "TLB size", "fpu",
          "siblings", "cpu cores", "wp", "power management"}) {
        if (!host.count(field) && !mine.count(field))
            continue;
        EXPECT_EQ(mine[field], host[field]) << field;
    }
}

TEST(Cpuinfo, FlagsShareTheHostKernelsNamesAndOrder) {
    uk::Text t;
    uk::vfs::cpuinfo::write_flags(t, host_facts());
    std::vector<std::string> mine = words(std::string(t.data(), t.size()));
    std::string host_flags;
    for (auto& [n, v] : host_block())
        if (n == "flags")
            host_flags = v;
    std::vector<std::string> host = words(host_flags);
    ASSERT_FALSE(host.empty());
    std::map<std::string, size_t> host_pos;
    for (size_t i = 0; i < host.size(); i++)
        host_pos[host[i]] = i;
    // The flags both lists hold come in the same order (Linux's word and
    // bit order), and most of them are shared: Linux adds synthetic flags,
    // and a migrated host's CPUID may differ a little from its boot's.
    size_t shared = 0, last = 0;
    for (const std::string& flag : mine) {
        auto it = host_pos.find(flag);
        if (it == host_pos.end())
            continue;
        if (shared) {
            EXPECT_GT(it->second, last) << "'" << flag << "' out of order";
        }
        last = it->second;
        shared++;
    }
    EXPECT_GE(shared, host.size() * 2 / 3) << "ours: " << t.data() << "\nhost: " << host_flags;
    if (host_cpu_unchanged()) {
        EXPECT_GE(shared + 2, mine.size()) << "ours: " << t.data() << "\nhost: " << host_flags;
    }
}

// A made-up CPU: CPUID answers from a table.
std::map<std::pair<uint32_t, uint32_t>, Regs> g_fake;
Regs fake_cpuid(uint32_t leaf, uint32_t subleaf) {
    auto it = g_fake.find({leaf, subleaf});
    return it == g_fake.end() ? Regs{} : it->second;
}

void set_brand(const char* s) {
    char b[48] = {};
    std::memcpy(b, s, std::strlen(s));
    for (uint32_t i = 0; i < 3; i++) {
        Regs r;
        std::memcpy(&r, b + 16 * i, 16);
        g_fake[{0x80000002 + i, 0}] = r;
    }
}

TEST(Cpuinfo, AMadeUpCpuInLinuxsWords) {
    g_fake.clear();
    // "GenuineIntel", leaves up to 7; family 6 model 0x55 stepping 4.
    g_fake[{0, 0}] = Regs{7, 0x756e6547, 0x6c65746e, 0x49656e69};
    // EDX: fpu, tsc, cx8, sse (25), sse2 (26), ss (27). ECX: SSE3 (pni),
    // OSXSAVE (never shown), AVX (needs XCR0), hypervisor. EBX: clflush 8
    // (64 bytes), APIC id 3.
    g_fake[{1, 0}] =
        Regs{0x00050654, (3u << 24) | (8u << 8), 1u | (1u << 27) | (1u << 28) | (1u << 31),
             1u | (1u << 4) | (1u << 8) | (7u << 25)};
    g_fake[{7, 0}] = Regs{0, (1u << 16) | (1u << 3), 0, 1u << 4}; // avx512f, bmi1; fsrm
    g_fake[{0x80000000, 0}] = Regs{0x80000008, 0, 0, 0};
    g_fake[{0x80000001, 0}] = Regs{0, 0, 1, (1u << 11) | (1u << 29)}; // lahf_lm; syscall, lm
    g_fake[{0x80000007, 0}] = Regs{0, 0, 0, 1u << 8};                 // invariant TSC
    g_fake[{0x80000008, 0}] = Regs{0x3028, 0, 0, 0};                  // 40 phys, 48 virt
    set_brand("  Made-Up CPU @ 2.00GHz   ");
    Facts f{fake_cpuid, 2000123, 3, 1};

    uk::Text flags;
    uk::vfs::cpuinfo::write_flags(flags, f);
    const std::string narrow(flags.data(), flags.size());
    EXPECT_EQ(narrow, "fpu tsc cx8 sse sse2 ss syscall lm constant_tsc up nopl nonstop_tsc cpuid "
                      "pni hypervisor lahf_lm bmi1 fsrm");
    f.xcr0 = 0xe7;
    uk::Text wide;
    uk::vfs::cpuinfo::write_flags(wide, f);
    EXPECT_NE(std::string(wide.data(), wide.size()).find("pni avx hypervisor"), std::string::npos);
    EXPECT_NE(std::string(wide.data(), wide.size()).find("bmi1 avx512f fsrm"), std::string::npos);

    f.xcr0 = 3;
    uk::Text t;
    uk::vfs::cpuinfo::write(t, f, 0);
    EXPECT_EQ(std::string(t.data(), t.size()), "processor\t: 0\n"
                                               "vendor_id\t: GenuineIntel\n"
                                               "cpu family\t: 6\n"
                                               "model\t\t: 85\n"
                                               "model name\t: Made-Up CPU @ 2.00GHz\n"
                                               "stepping\t: 4\n"
                                               "cpu MHz\t\t: 2000.123\n"
                                               "physical id\t: 0\n"
                                               "siblings\t: 1\n"
                                               "core id\t\t: 0\n"
                                               "cpu cores\t: 1\n"
                                               "apicid\t\t: 3\n"
                                               "initial apicid\t: 3\n"
                                               "fpu\t\t: yes\n"
                                               "fpu_exception\t: yes\n"
                                               "cpuid level\t: 7\n"
                                               "wp\t\t: yes\n"
                                               "flags\t\t: " +
                                                   narrow +
                                                   "\n"
                                                   "bugs\t\t:\n"
                                                   "bogomips\t: 4000.24\n"
                                                   "clflush size\t: 64\n"
                                                   "cache_alignment\t: 64\n"
                                                   "address sizes\t: 40 bits physical, 48 bits "
                                                   "virtual\n"
                                                   "power management:\n"
                                                   "\n");
}

TEST(Cpuinfo, HidesVectorFlagsTheKernelHasNotEnabled) {
    Facts f = host_facts();
    f.xcr0 = 3; // x87 and SSE only
    uk::Text t;
    uk::vfs::cpuinfo::write_flags(t, f);
    for (const std::string& flag : words(std::string(t.data(), t.size()))) {
        EXPECT_NE(flag, "avx");
        EXPECT_NE(flag, "avx2");
        EXPECT_NE(flag.rfind("avx512", 0), 0u) << flag;
    }
}

} // namespace
