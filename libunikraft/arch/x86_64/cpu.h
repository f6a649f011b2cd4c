// Thin wrappers over the x86_64 instructions the kernel needs. Only arch/
// and drivers/ include this; everything else stays hardware-free.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

inline void outb(uint16_t port, uint8_t v) {
    asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
inline void outw(uint16_t port, uint16_t v) {
    asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
inline void outl(uint16_t port, uint32_t v) {
    asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint16_t inw(uint16_t port) {
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid"
                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                 : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline void write_cr0(uint64_t v) {
    asm volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline void write_cr3(uint64_t v) {
    asm volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}
/// Drops every TLB entry but global ones (a CR3 reload).
inline void flush_tlb() {
    write_cr3(read_cr3());
}
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline void write_cr4(uint64_t v) {
    asm volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}
inline void xsetbv(uint32_t reg, uint64_t v) {
    asm volatile("xsetbv" ::"c"(reg), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}

[[gnu::always_inline]] inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}

/// Returns a hardware random 64-bit value through RDRAND, or false when the
/// instruction is missing or keeps failing.
bool rdrand64(uint64_t* out);

inline void cpu_relax() {
    asm volatile("pause");
}
inline void irq_disable() {
    asm volatile("cli" ::: "memory");
}
inline void irq_enable() {
    asm volatile("sti" ::: "memory");
}
inline void halt() {
    asm volatile("hlt" ::: "memory");
}
inline void invlpg(uintptr_t va) {
    asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}
inline uint64_t read_rbp() {
    uint64_t v;
    asm volatile("mov %%rbp, %0" : "=r"(v));
    return v;
}

inline constexpr uint32_t msr_efer = 0xc0000080;
inline constexpr uint32_t msr_fs_base = 0xc0000100;
inline constexpr uint32_t msr_gs_base = 0xc0000101;

inline constexpr uint64_t cr4_fsgsbase = 1u << 16;
inline constexpr uint64_t cr4_osxsave = 1u << 18;

/// CPU features the kernel looks at once at boot.
struct CpuFeatures {
    bool xsave;
    bool avx;
    bool rdrand;
    bool fsgsbase;
    bool tsc_deadline;
    bool tcg;            // QEMU's TCG emulates the CPU (CPUID 0x40000000)
    uint32_t hwcap;      // CPUID.1:EDX, as Linux reports it in AT_HWCAP.
    uint32_t xsave_size; // bytes of FPU/SIMD state (fxsave's 512 without XSAVE)
    uint64_t xcr0;       // the state components XSAVE covers
    uint32_t mxcsr_mask; // MXCSR bits the CPU accepts
};
extern CpuFeatures g_cpu;

/// Sets up this CPU: GDT with a TSS whose IST stacks serve every vector, the
/// IDT, SSE/AVX state for the app, FS/GS base access. Needs no allocation.
void cpu_init();
// memcpy and memset go through rep movsb/stosb from `bytes` on (~0: never),
// in place of what cpu_init chose for the CPU (uk.string_rep_min).
void set_string_rep_min(uint64_t bytes);

/// Installs the IDT gate of a device vector (arch/x86_64/irq.h), once it has
/// a handler: vectors nobody routes stay absent.
void set_irq_gate(unsigned vector);

/// Saves the app's FPU/SIMD state into `area` (g_cpu.xsave_size bytes,
/// 64-byte aligned). The kernel itself never touches these registers.
void fpu_save(void* area);
/// Loads state saved by fpu_save.
void fpu_restore(const void* area);

/// Loads the state a new process starts with (x87 control word 0x37f, MXCSR
/// 0x1f80, every register zero): what a signal handler starts with.
void fpu_load_init();

/// Makes state that came from the app (a signal frame) safe to load: MXCSR
/// bits the CPU rejects cleared, the XSAVE header reduced to the standard
/// form and to the enabled components. `area` is g_cpu.xsave_size bytes.
void fpu_sanitize(void* area);

/// Sets the FS base (the app's thread pointer).
void set_fs_base(uint64_t v);
uint64_t get_fs_base();
/// Sets the GS base (the kernel never uses GS: it is the app's).
void set_gs_base(uint64_t v);
uint64_t get_gs_base();

/// True when `v` is a canonical 48-bit address (the CPU faults on others).
inline bool canonical(uint64_t v) {
    return uint64_t(int64_t(v << 16) >> 16) == v;
}

} // namespace uk::arch
