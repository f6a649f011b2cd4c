// Per-CPU set-up: TSS with IST stacks, IDT, and the FPU/SIMD state the app
// expects to find enabled.
#include "arch/x86_64/cpu.h"

#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"

extern "C" {
void uk_syscall_trap();
extern uint64_t uk_gdt[];
extern const char uk_trap_stubs[], uk_spurious_stub[], uk_irq_stubs[];
extern uint64_t uk_string_rep_min; // arch/x86_64/string.S
}

namespace uk::arch {

constinit CpuFeatures g_cpu{};

namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104, "the CPU fixes the 64-bit TSS layout");

struct IdtGate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16, "the CPU fixes the 64-bit IDT gate layout");

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint16_t kernel_cs = 0x08;
constexpr uint16_t tss_selector = 0x18;

// Stack sizes: the shared exception stack also runs the panic path
// (formatting, symbol lookup), so it gets the most room.
constexpr size_t ist_small = 4096;
constexpr size_t ist_large = 16384;

alignas(16) constinit uint8_t g_ist_df[ist_small];
alignas(16) constinit uint8_t g_ist_nmi[ist_small];
alignas(16) constinit uint8_t g_ist_mc[ist_small];
alignas(16) constinit uint8_t g_ist_pf[ist_large];
alignas(16) constinit uint8_t g_ist_exc[ist_large];
alignas(16) constinit uint8_t g_ist_irq[ist_large];

constinit Tss g_tss{};
alignas(64) constinit uint8_t g_fpu_init[4096]{};
alignas(16) constinit IdtGate g_idt[256]{};

int ist_for_vector(unsigned v) {
    switch (v) {
    case 2:
        return ist_nmi;
    case 8:
        return ist_double_fault;
    case 14:
        return ist_page_fault;
    case 18:
        return ist_machine_check;
    default:
        return v < 32 ? ist_exception : ist_irq;
    }
}

template <size_t N> uint64_t stack_top(uint8_t (&s)[N]) {
    return reinterpret_cast<uint64_t>(s + N);
}

void load_tss() {
    g_tss.ist[ist_double_fault - 1] = stack_top(g_ist_df);
    g_tss.ist[ist_nmi - 1] = stack_top(g_ist_nmi);
    g_tss.ist[ist_machine_check - 1] = stack_top(g_ist_mc);
    g_tss.ist[ist_page_fault - 1] = stack_top(g_ist_pf);
    g_tss.ist[ist_exception - 1] = stack_top(g_ist_exc);
    g_tss.ist[ist_irq - 1] = stack_top(g_ist_irq);
    g_tss.iomap_base = sizeof(Tss);

    uint64_t base = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    uk_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (uint64_t(0x89) << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    uk_gdt[4] = base >> 32;
    asm volatile("ltr %0" ::"r"(tss_selector));
}

static_assert(timer_vector == 32, "traps.S has stubs for vectors 0 to 32");

void set_gate(unsigned v) {
    const char* stub = v == spurious_vector       ? uk_spurious_stub
                       : v >= device_vector_first ? uk_irq_stubs + 16 * (v - device_vector_first)
                                                  : uk_trap_stubs + 16 * v;
    uint64_t h = reinterpret_cast<uint64_t>(stub);
    g_idt[v] = IdtGate{uint16_t(h),
                       kernel_cs,
                       uint8_t(ist_for_vector(v)),
                       0x8e, // present, ring 0, interrupt gate
                       uint16_t(h >> 16),
                       uint32_t(h >> 32),
                       0};
}

// Gates for the exceptions and the vectors the kernel programs (the
// timer, the APIC's spurious vector). Any other vector would arrive as a
// segment-not-present fault and be reported, not ignored; installing only
// these keeps boot short under emulation.
void load_idt() {
    for (unsigned v = 0; v < 32; v++)
        set_gate(v);
    set_gate(timer_vector);
    set_gate(spurious_vector);
    DescriptorPointer p{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(p));
}

void enable_simd() {
    auto l1 = cpuid(1);
    g_cpu.hwcap = l1.edx;
    g_cpu.xsave = l1.ecx & (1u << 26);
    g_cpu.rdrand = l1.ecx & (1u << 30);
    g_cpu.tsc_deadline = l1.ecx & (1u << 24);
    bool avx = l1.ecx & (1u << 28);
    uint32_t max_leaf = cpuid(0).eax;
    if (max_leaf >= 7)
        g_cpu.fsgsbase = cpuid(7, 0).ebx & 1u;
    // Large copies and fills through rep movsb/stosb where strings are
    // fast (ERMS), but not under QEMU's TCG ("TCGTCGTCGTCG"), which runs
    // them an element at a time (arch/x86_64/string.S).
    bool erms = max_leaf >= 7 && (cpuid(7, 0).ebx & (1u << 9));
    auto hv = cpuid(0x40000000);
    g_cpu.tcg = (l1.ecx & (1u << 31)) && hv.ebx == 0x54474354 && hv.ecx == 0x43544743 &&
                hv.edx == 0x47435447;
    if (erms && !g_cpu.tcg)
        uk_string_rep_min = 1024;

    uint64_t cr4 = read_cr4();
    if (g_cpu.fsgsbase)
        cr4 |= cr4_fsgsbase;
    if (g_cpu.xsave)
        cr4 |= cr4_osxsave;
    write_cr4(cr4);
    if (g_cpu.xsave) {
        // x87 and SSE always; AVX state when the CPU has it.
        uint64_t xcr0 = 3;
        if (avx && (cpuid(0xd, 0).eax & 4)) {
            xcr0 |= 4;
            g_cpu.avx = true;
        }
        xsetbv(0, xcr0);
        g_cpu.xcr0 = xcr0;
        g_cpu.xsave_size = cpuid(0xd, 0).ebx;
    } else {
        g_cpu.xsave_size = 512; // fxsave
    }
    // A clean MXCSR and x87 control word, as Linux gives a new process.
    uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" ::"m"(mxcsr));
    asm volatile("fninit");
    // The image fpu_load_init loads: the same clean state, all registers
    // zero (an XSAVE header of zeros means "initial" for every component).
    asm volatile("fxsave64 %0" : "=m"(g_fpu_init)::"memory");
    uint32_t mask;
    __builtin_memcpy(&mask, g_fpu_init + 28, 4);
    g_cpu.mxcsr_mask = mask ? mask : 0xffbf;
    // The registers (the rest of the area, .bss, is zero already).
    __builtin_memset(g_fpu_init + 32, 0, 512 - 32);
}

// The `syscall` instruction traps to uk_syscall_trap in ring 0 with
// interrupts, single-stepping, DF, AC and NT cleared.
void enable_syscall_trap() {
    constexpr uint32_t msr_star = 0xc0000081, msr_lstar = 0xc0000082, msr_fmask = 0xc0000084;
    wrmsr(msr_star, (uint64_t(kernel_cs) << 48) | (uint64_t(kernel_cs) << 32));
    wrmsr(msr_lstar, reinterpret_cast<uint64_t>(uk_syscall_trap));
    wrmsr(msr_fmask, 0x44700);
}

} // namespace

void set_irq_gate(unsigned vector) {
    if (vector >= device_vector_first && vector < device_vector_first + device_vector_count)
        set_gate(vector);
}

void set_string_rep_min(uint64_t bytes) {
    uk_string_rep_min = bytes;
}

void cpu_init() {
    // Both 8259s masked before anything runs with interrupts on: a BIOS
    // (SeaBIOS on -M pc) leaves the PIT's IRQ 0 on vector 8, where it would
    // look like a double fault. On machines without them the writes go
    // nowhere.
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    load_tss();
    load_idt();
    enable_simd();
    enable_syscall_trap();
}

namespace {

// The FS or GS base: the instruction where the CPU has it (CR4.FSGSBASE is
// set then), the MSR otherwise.
template <bool gs> void set_base(uint64_t v) {
    if (!g_cpu.fsgsbase)
        wrmsr(gs ? msr_gs_base : msr_fs_base, v);
    else if (gs)
        asm volatile("wrgsbase %0" ::"r"(v));
    else
        asm volatile("wrfsbase %0" ::"r"(v));
}

template <bool gs> uint64_t get_base() {
    if (!g_cpu.fsgsbase)
        return rdmsr(gs ? msr_gs_base : msr_fs_base);
    uint64_t v;
    if (gs)
        asm volatile("rdgsbase %0" : "=r"(v));
    else
        asm volatile("rdfsbase %0" : "=r"(v));
    return v;
}

} // namespace

void set_fs_base(uint64_t v) {
    set_base<false>(v);
}
uint64_t get_fs_base() {
    return get_base<false>();
}
void set_gs_base(uint64_t v) {
    set_base<true>(v);
}
uint64_t get_gs_base() {
    return get_base<true>();
}

void fpu_load_init() {
    fpu_restore(g_fpu_init);
}

void fpu_sanitize(void* area) {
    auto* b = static_cast<uint8_t*>(area);
    uint32_t mxcsr;
    __builtin_memcpy(&mxcsr, b + 24, 4);
    mxcsr &= g_cpu.mxcsr_mask;
    __builtin_memcpy(b + 24, &mxcsr, 4);
    if (g_cpu.xsave) {
        // XSAVE header at 512: XSTATE_BV limited to what is enabled,
        // XCOMP_BV zero (standard form) and the reserved bytes zero, or
        // XRSTOR faults.
        uint64_t bv;
        __builtin_memcpy(&bv, b + 512, 8);
        bv &= g_cpu.xcr0;
        __builtin_memset(b + 512, 0, 64);
        __builtin_memcpy(b + 512, &bv, 8);
    }
}

void fpu_save(void* area) {
    if (g_cpu.xsave)
        asm volatile("xsave64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
    else
        asm volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void* area) {
    if (g_cpu.xsave)
        asm volatile("xrstor64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
    else
        asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

bool rdrand64(uint64_t* out) {
    if (!g_cpu.rdrand)
        return false;
    for (int i = 0; i < 10; i++) {
        unsigned char ok;
        uint64_t v;
        asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
        if (ok) {
            *out = v;
            return true;
        }
    }
    return false;
}

} // namespace uk::arch
