#include "vfs/cpuinfo.h"

namespace uk::vfs::cpuinfo {

namespace {

// Where a word of feature bits comes from.
enum class Reg : uint8_t { eax, ebx, ecx, edx };

struct Word {
    uint32_t leaf, subleaf;
    Reg reg;
    const char* names[32]; // nullptr: a bit Linux does not show
};

// The CPUID words Linux names bits of, in the order /proc/cpuinfo prints
// its capability words (the synthetic word 3 goes between the second and
// the third entry; see write_flags).
constexpr Word words[] = {
    // Word 0: CPUID 1, EDX.
    {1, 0, Reg::edx, {"fpu",  "vme",   "de",    "pse",     "tsc",   "msr", "pae",  "mce",
                      "cx8",  "apic",  nullptr, "sep",     "mtrr",  "pge", "mca",  "cmov",
                      "pat",  "pse36", "pn",    "clflush", nullptr, "dts", "acpi", "mmx",
                      "fxsr", "sse",   "sse2",  "ss",      "ht",    "tm",  "ia64", "pbe"}},
    // Word 1: CPUID 0x80000001, EDX (the bits that are not copies of word 0).
    {0x80000001, 0, Reg::edx, {nullptr,    nullptr,    nullptr,   nullptr,  nullptr,  nullptr,
                               nullptr,    nullptr,    nullptr,   nullptr,  nullptr,  "syscall",
                               nullptr,    nullptr,    nullptr,   nullptr,  nullptr,  nullptr,
                               nullptr,    "mp",       "nx",      nullptr,  "mmxext", nullptr,
                               nullptr,    "fxsr_opt", "pdpe1gb", "rdtscp", nullptr,  "lm",
                               "3dnowext", "3dnow"}},
    // Word 4: CPUID 1, ECX (bit 27, OSXSAVE, is not shown).
    {1, 0, Reg::ecx, {"pni",    "pclmulqdq", "dtes64", "monitor", "ds_cpl",
                      "vmx",    "smx",       "est",    "tm2",     "ssse3",
                      "cid",    "sdbg",      "fma",    "cx16",    "xtpr",
                      "pdcm",   nullptr,     "pcid",   "dca",     "sse4_1",
                      "sse4_2", "x2apic",    "movbe",  "popcnt",  "tsc_deadline_timer",
                      "aes",    "xsave",     nullptr,  "avx",     "f16c",
                      "rdrand", "hypervisor"}},
    // Word 6: CPUID 0x80000001, ECX.
    {0x80000001, 0, Reg::ecx, {"lahf_lm",       "cmp_legacy", "svm",     "extapic",
                               "cr8_legacy",    "abm",        "sse4a",   "misalignsse",
                               "3dnowprefetch", "osvw",       "ibs",     "xop",
                               "skinit",        "wdt",        nullptr,   "lwp",
                               "fma4",          "tce",        nullptr,   "nodeid_msr",
                               nullptr,         "tbm",        "topoext", "perfctr_core",
                               "perfctr_nb",    nullptr,      "bpext",   "ptsc",
                               "perfctr_llc",   "mwaitx",     nullptr,   nullptr}},
    // Word 9: CPUID 7.0, EBX.
    {7, 0, Reg::ebx, {"fsgsbase", "tsc_adjust", "sgx",      "bmi1",       "hle",      "avx2",
                      nullptr,    "smep",       "bmi2",     "erms",       "invpcid",  "rtm",
                      "cqm",      nullptr,      "mpx",      "rdt_a",      "avx512f",  "avx512dq",
                      "rdseed",   "adx",        "smap",     "avx512ifma", nullptr,    "clflushopt",
                      "clwb",     "intel_pt",   "avx512pf", "avx512er",   "avx512cd", "sha_ni",
                      "avx512bw", "avx512vl"}},
    // Word 10: CPUID 0xd.1, EAX.
    {0xd, 1, Reg::eax, {"xsaveopt", "xsavec", "xgetbv1", "xsaves", "xfd"}},
    // Word 12: CPUID 7.1, EAX.
    {7, 1, Reg::eax, {nullptr, nullptr,     nullptr, nullptr,    "avx_vnni", "avx512_bf16",
                      nullptr, "cmpccxadd", nullptr, nullptr,    "fzrm",     "fsrs",
                      "fsrc",  nullptr,     nullptr, nullptr,    nullptr,    nullptr,
                      "lkgs",  nullptr,     nullptr, "amx_fp16", nullptr,    "avx_ifma"}},
    // Word 13: CPUID 0x80000008, EBX.
    {0x80000008, 0, Reg::ebx, {"clzero", "irperf",    "xsaveerptr", nullptr,    "rdpru", nullptr,
                               nullptr,  nullptr,     nullptr,      "wbnoinvd", nullptr, nullptr,
                               nullptr,  nullptr,     nullptr,      nullptr,    nullptr, nullptr,
                               nullptr,  nullptr,     nullptr,      nullptr,    nullptr, "amd_ppin",
                               nullptr,  "virt_ssbd", nullptr,      "cppc"}},
    // Word 14: CPUID 6, EAX.
    {6, 0, Reg::eax, {"dtherm",  "ida",         "arat",  nullptr,      "pln",
                      nullptr,   "pts",         "hwp",   "hwp_notify", "hwp_act_window",
                      "hwp_epp", "hwp_pkg_req", nullptr, nullptr,      nullptr,
                      nullptr,   nullptr,       nullptr, nullptr,      "hfi"}},
    // Word 15: CPUID 0x8000000a, EDX (only with SVM).
    {0x8000000a, 0, Reg::edx, {"npt",          "lbrv",       "svm_lock",    "nrip_save",
                               "tsc_scale",    "vmcb_clean", "flushbyasid", "decodeassists",
                               nullptr,        nullptr,      "pausefilter", nullptr,
                               "pfthreshold",  "avic",       nullptr,       "v_vmsave_vmload",
                               "vgif",         nullptr,      "x2avic",      nullptr,
                               "v_spec_ctrl",  nullptr,      nullptr,       nullptr,
                               nullptr,        "vnmi",       nullptr,       nullptr,
                               "svme_addr_chk"}},
    // Word 16: CPUID 7.0, ECX.
    {7,
     0,
     Reg::ecx,
     {nullptr,      "avx512vbmi",   "umip",          "pku",       "ospke",
      "waitpkg",    "avx512_vbmi2", nullptr,         "gfni",      "vaes",
      "vpclmulqdq", "avx512_vnni",  "avx512_bitalg", "tme",       "avx512_vpopcntdq",
      nullptr,      "la57",         nullptr,         nullptr,     nullptr,
      nullptr,      nullptr,        "rdpid",         nullptr,     "bus_lock_detect",
      "cldemote",   nullptr,        "movdiri",       "movdir64b", "enqcmd",
      "sgx_lc",     nullptr}},
    // Word 17: CPUID 0x80000007, EBX.
    {0x80000007, 0, Reg::ebx, {"overflow_recov", "succor", nullptr, "smca"}},
    // Word 18: CPUID 7.0, EDX.
    {7, 0, Reg::edx, {nullptr,         nullptr,     "avx512_4vnniw",
                      "avx512_4fmaps", "fsrm",      nullptr,
                      nullptr,         nullptr,     "avx512_vp2intersect",
                      nullptr,         "md_clear",  nullptr,
                      nullptr,         nullptr,     "serialize",
                      nullptr,         "tsxldtrk",  nullptr,
                      "pconfig",       "arch_lbr",  "ibt",
                      nullptr,         "amx_bf16",  "avx512_fp16",
                      "amx_tile",      "amx_int8",  nullptr,
                      nullptr,         "flush_l1d", "arch_capabilities",
                      nullptr,         nullptr}},
};

// 0x80000007 EDX, "power management".
constexpr const char* power_names[] = {"ts",          "fid",           "vid",      "ttp", "tm",
                                       "stc",         "100mhzsteps",   "hwpstate", "",    "cpb",
                                       "eff_freq_ro", "proc_feedback", "acc_power"};

bool starts_with(const char* s, const char* prefix) {
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

bool same(const char* a, const char* b) {
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

// Features whose registers the kernel has not enabled in XCR0 would fault:
// Linux does not show them.
bool usable(const char* name, uint64_t xcr0) {
    constexpr uint64_t ymm = 0x6, zmm = 0xe0, amx = 0x60000;
    if (starts_with(name, "avx512"))
        return (xcr0 & (ymm | zmm)) == (ymm | zmm);
    if (starts_with(name, "amx_"))
        return (xcr0 & amx) == amx;
    static const char* const needs_ymm[] = {"avx",        "avx2",     "fma",      "f16c", "vaes",
                                            "vpclmulqdq", "avx_vnni", "avx_ifma", "fma4", "xop"};
    for (const char* n : needs_ymm)
        if (same(name, n))
            return (xcr0 & ymm) == ymm;
    return true;
}

uint32_t pick(const Regs& r, Reg reg) {
    switch (reg) {
    case Reg::eax:
        return r.eax;
    case Reg::ebx:
        return r.ebx;
    case Reg::ecx:
        return r.ecx;
    default:
        return r.edx;
    }
}

struct Leaves {
    uint32_t max_basic, max_ext, max_sub7;
};

Leaves leaves(const Facts& f) {
    Leaves l{f.cpuid(0, 0).eax, f.cpuid(0x80000000, 0).eax, 0};
    if (l.max_ext < 0x80000000 || l.max_ext > 0x8000ffff)
        l.max_ext = 0;
    if (l.max_basic >= 7)
        l.max_sub7 = f.cpuid(7, 0).eax;
    return l;
}

bool have(const Leaves& l, uint32_t leaf, uint32_t subleaf) {
    if (leaf >= 0x80000000)
        return l.max_ext >= leaf;
    if (leaf == 7)
        return l.max_basic >= 7 && l.max_sub7 >= subleaf;
    return l.max_basic >= leaf;
}

Regs query(const Facts& f, const Leaves& l, uint32_t leaf, uint32_t subleaf = 0) {
    return have(l, leaf, subleaf) ? f.cpuid(leaf, subleaf) : Regs{0, 0, 0, 0};
}

void vendor(const Facts& f, char out[13]) {
    Regs r = f.cpuid(0, 0);
    __builtin_memcpy(out, &r.ebx, 4);
    __builtin_memcpy(out + 4, &r.edx, 4);
    __builtin_memcpy(out + 8, &r.ecx, 4);
    out[12] = '\0';
}

// The brand string, without the spaces some CPUs pad it with; empty when
// the CPU has none.
void model_name(const Facts& f, const Leaves& l, char out[49]) {
    out[0] = '\0';
    if (l.max_ext < 0x80000004)
        return;
    char raw[49];
    for (uint32_t i = 0; i < 3; i++) {
        Regs r = f.cpuid(0x80000002 + i, 0);
        __builtin_memcpy(raw + 16 * i, &r, 16);
    }
    raw[48] = '\0';
    const char* p = raw;
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (p[n])
        n++;
    while (n && p[n - 1] == ' ')
        n--;
    __builtin_memcpy(out, p, n);
    out[n] = '\0';
}

// Linux's x86_cache_size in KB: the last level cache's size from CPUID 4
// on Intel, the L2's from 0x80000006 elsewhere.
uint32_t cache_kb(const Facts& f, const Leaves& l, bool intel) {
    if (intel && l.max_basic >= 4) {
        uint32_t l2 = 0, l3 = 0, l1 = 0;
        for (uint32_t i = 0; i < 16; i++) {
            Regs r = f.cpuid(4, i);
            uint32_t type = r.eax & 0x1f;
            if (!type)
                break;
            uint32_t level = (r.eax >> 5) & 7;
            uint64_t bytes = uint64_t((r.ebx >> 22) + 1) * (((r.ebx >> 12) & 0x3ff) + 1) *
                             ((r.ebx & 0xfff) + 1) * (uint64_t(r.ecx) + 1);
            uint32_t kb = uint32_t(bytes >> 10);
            if (level == 1)
                l1 += kb;
            else if (level == 2)
                l2 = kb;
            else if (level == 3)
                l3 = kb;
        }
        if (l3 || l2 || l1)
            return l3 ? l3 : l2 ? l2 : l1;
    }
    if (l.max_ext >= 0x80000006)
        return f.cpuid(0x80000006, 0).ecx >> 16;
    if (l.max_ext >= 0x80000005) {
        Regs r = f.cpuid(0x80000005, 0);
        return (r.ecx >> 24) + (r.edx >> 24);
    }
    return 0;
}

void put_flag(Text& out, bool& first, const char* name) {
    if (!first)
        out.putc(' ');
    out.puts(name);
    first = false;
}

} // namespace

void write_flags(Text& out, const Facts& f) {
    const Leaves l = leaves(f);
    char vend[13];
    vendor(f, vend);
    const bool amd = same(vend, "AuthenticAMD") || same(vend, "HygonGenuine");
    const bool svm = query(f, l, 0x80000001).ecx & (1u << 2);
    bool first = true;
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        const Word& word = words[w];
        if (word.leaf == 0x8000000a && !svm)
            continue;
        uint32_t bits = pick(query(f, l, word.leaf, word.subleaf), word.reg);
        for (int b = 0; b < 32; b++)
            if ((bits & (1u << b)) && word.names[b] && usable(word.names[b], f.xcr0))
                put_flag(out, first, word.names[b]);
        if (w == 1) {
            // Word 3, Linux's own: what it derives from CPUID and from
            // running on one CPU.
            const bool invariant_tsc = query(f, l, 0x80000007).edx & (1u << 8);
            if (invariant_tsc)
                put_flag(out, first, "constant_tsc");
            if (f.ncpus == 1)
                put_flag(out, first, "up");
            put_flag(out, first, "nopl");
            if (l.max_basic >= 0xb && query(f, l, 0xb).ebx)
                put_flag(out, first, "xtopology");
            if (invariant_tsc)
                put_flag(out, first, "nonstop_tsc");
            put_flag(out, first, "cpuid");
        }
        if (w == 3 && amd)
            put_flag(out, first, "vmmcall"); // word 8: AMD's hypercall instruction
    }
}

void write(Text& out, const Facts& f, uint32_t index) {
    const Leaves l = leaves(f);
    char vend[13];
    vendor(f, vend);
    const Regs id = f.cpuid(1, 0);
    uint32_t family = (id.eax >> 8) & 0xf;
    uint32_t model = (id.eax >> 4) & 0xf;
    if (family == 0xf)
        family += (id.eax >> 20) & 0xff;
    if (family >= 6)
        model += ((id.eax >> 16) & 0xf) << 4;
    char name[49];
    model_name(f, l, name);

    out.printf("processor\t: %u\n", index);
    out.printf("vendor_id\t: %s\n", vend);
    out.printf("cpu family\t: %u\n", family);
    out.printf("model\t\t: %u\n", model);
    out.printf("model name\t: %s\n", name[0] ? name : "unknown");
    out.printf("stepping\t: %u\n", id.eax & 0xf);
    if (f.tsc_khz)
        out.printf("cpu MHz\t\t: %lu.%03lu\n", (unsigned long)(f.tsc_khz / 1000),
                   (unsigned long)(f.tsc_khz % 1000));
    if (uint32_t kb = cache_kb(f, l, same(vend, "GenuineIntel")))
        out.printf("cache size\t: %u KB\n", kb);
    out.printf("physical id\t: 0\n");
    out.printf("siblings\t: %u\n", f.ncpus);
    out.printf("core id\t\t: %u\n", index);
    out.printf("cpu cores\t: %u\n", f.ncpus);
    out.printf("apicid\t\t: %u\n", id.ebx >> 24);
    out.printf("initial apicid\t: %u\n", id.ebx >> 24);
    out.printf("fpu\t\t: %s\n", (id.edx & 1) ? "yes" : "no");
    out.printf("fpu_exception\t: %s\n", (id.edx & 1) ? "yes" : "no");
    out.printf("cpuid level\t: %u\n", l.max_basic);
    out.printf("wp\t\t: yes\n");
    out.puts("flags\t\t: ");
    write_flags(out, f);
    out.puts("\nbugs\t\t:\n");
    // Linux's bogomips from a TSC-calibrated delay loop: two loops a tick.
    uint64_t bogo = f.tsc_khz * 2 / 10;
    out.printf("bogomips\t: %lu.%02lu\n", (unsigned long)(bogo / 100), (unsigned long)(bogo % 100));
    if (l.max_ext >= 0x80000006) {
        uint32_t ebx = f.cpuid(0x80000006, 0).ebx;
        if (uint32_t tlb = ((ebx >> 16) & 0xfff) + (ebx & 0xfff))
            out.printf("TLB size\t: %u 4K pages\n", tlb);
    }
    uint32_t clflush = ((id.ebx >> 8) & 0xff) * 8;
    out.printf("clflush size\t: %u\n", clflush);
    out.printf("cache_alignment\t: %u\n", clflush);
    if (l.max_ext >= 0x80000008) {
        uint32_t eax = f.cpuid(0x80000008, 0).eax;
        out.printf("address sizes\t: %u bits physical, %u bits virtual\n", eax & 0xff,
                   (eax >> 8) & 0xff);
    }
    out.puts("power management:");
    uint32_t power = query(f, l, 0x80000007).edx;
    for (uint32_t b = 0; b < 32; b++) {
        if (!(power & (1u << b)))
            continue;
        if (b < sizeof(power_names) / sizeof(power_names[0])) {
            if (power_names[b][0])
                out.printf(" %s", power_names[b]);
        } else {
            out.printf(" [%u]", b);
        }
    }
    out.puts("\n\n");
}

} // namespace uk::vfs::cpuinfo
