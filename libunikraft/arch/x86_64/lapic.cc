#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "mm/layout.h"

namespace uk::arch {

namespace {

constexpr uint32_t msr_apic_base = 0x1b, msr_tsc_deadline = 0x6e0;
constexpr uintptr_t apic_mmio = mm::direct_map_base + 0xfee00000; // through the direct map
constexpr uint32_t reg_id = 0x20, reg_eoi = 0xb0, reg_svr = 0xf0, reg_lvt_timer = 0x320,
                   reg_initial = 0x380, reg_current = 0x390, reg_divide = 0x3e0;
constexpr uint32_t lvt_masked = 1u << 16, lvt_tsc_deadline = 2u << 17;

constinit bool g_ready = false;
constinit bool g_enabled = false;
constinit bool g_deadline_mode = false;
constinit uint64_t g_apic_per_tsc_q32 = 0; // APIC timer ticks per TSC tick, 32.32 fixed point

volatile uint32_t& reg(uint32_t off) {
    return *reinterpret_cast<volatile uint32_t*>(apic_mmio + off);
}

// The APIC timer's rate against the TSC, over ~1 ms.
void calibrate() {
    reg(reg_divide) = 0xb; // divide by 1
    reg(reg_lvt_timer) = lvt_masked | timer_vector;
    reg(reg_initial) = 0xffffffff;
    uint64_t t0 = rdtsc();
    uint64_t wait = tsc_hz() / 1000;
    while (rdtsc() - t0 < wait)
        cpu_relax();
    uint32_t left = reg(reg_current);
    uint64_t t1 = rdtsc();
    reg(reg_initial) = 0;
    uint64_t ticks = 0xffffffffu - left;
    g_apic_per_tsc_q32 = (ticks << 32) / (t1 - t0);
    if (!g_apic_per_tsc_q32)
        g_apic_per_tsc_q32 = 1;
}

} // namespace

void lapic_enable() {
    if (g_enabled)
        return;
    wrmsr(msr_apic_base, rdmsr(msr_apic_base) | (1u << 11)); // global enable, xAPIC mode
    reg(reg_svr) = 0x100 | spurious_vector;
    g_enabled = true;
}

void lapic_init() {
    if (g_ready)
        return;
    lapic_enable();
    if (g_cpu.tsc_deadline) {
        g_deadline_mode = true;
        reg(reg_lvt_timer) = lvt_tsc_deadline | timer_vector;
    } else {
        if (g_cpu.tcg) {
            // QEMU's own APIC counts its timer down at 1 GHz (divided by
            // 1), in its virtual clock's nanoseconds: no need to spend 1 ms
            // measuring it.
            reg(reg_divide) = 0xb;
            g_apic_per_tsc_q32 = (uint64_t(1000000000) << 32) / tsc_hz();
        } else {
            calibrate();
        }
        reg(reg_lvt_timer) = timer_vector; // one-shot
    }
    g_ready = true;
}

void lapic_arm(uint64_t deadline_tsc) {
    if (g_deadline_mode) {
        wrmsr(msr_tsc_deadline, deadline_tsc);
        return;
    }
    if (!deadline_tsc) {
        reg(reg_initial) = 0;
        return;
    }
    uint64_t now = rdtsc();
    uint64_t delta = deadline_tsc > now ? deadline_tsc - now : 1;
    unsigned __int128 ticks = (unsigned __int128)delta * g_apic_per_tsc_q32 >> 32;
    reg(reg_initial) = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : uint32_t(ticks);
}

void lapic_eoi() {
    reg(reg_eoi) = 0;
}

uint32_t lapic_id() {
    return reg(reg_id) >> 24;
}

} // namespace uk::arch
