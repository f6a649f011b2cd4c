#include "arch/x86_64/irq.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "lib/errno.h"
#include "mm/layout.h"

namespace uk::arch {

namespace {

constexpr uint32_t ioapic_reg_version = 0x01, ioapic_reg_table = 0x10;
constexpr uint32_t redir_nmi = 4u << 8, redir_level = 1u << 15, redir_active_low = 1u << 13;

struct Slot {
    IrqHandler handler;
    void* ctx;
    int gsi; // -1: an MSI vector
    bool level;
};

constinit Slot g_slots[device_vector_count]{};
// Vectors recorded by irq_note whose handler has not run, one bit per slot.
// Set with interrupts off; taken whole by one xchg.
constinit volatile uint64_t g_pending = 0;
constinit unsigned g_ioapic_inputs = 0; // 0 until first read

volatile uint32_t* ioapic() {
    return static_cast<volatile uint32_t*>(mm::phys_to_virt(ioapic_phys));
}

uint32_t ioapic_read(uint32_t reg) {
    ioapic()[0] = reg;
    return ioapic()[4];
}

void ioapic_write(uint32_t reg, uint32_t v) {
    ioapic()[0] = reg;
    ioapic()[4] = v;
}

unsigned ioapic_inputs() {
    if (!g_ioapic_inputs)
        g_ioapic_inputs = ((ioapic_read(ioapic_reg_version) >> 16) & 0xff) + 1;
    return g_ioapic_inputs;
}

long alloc_slot(IrqHandler handler, void* ctx, int gsi, bool level) {
    for (unsigned i = 0; i < device_vector_count; i++) {
        if (!g_slots[i].handler) {
            g_slots[i] = Slot{handler, ctx, gsi, level};
            set_irq_gate(device_vector_first + i);
            return long(i);
        }
    }
    return -ENOSPC;
}

} // namespace

long irq_attach_gsi(unsigned gsi, Trigger trigger, Polarity polarity, IrqHandler handler,
                    void* ctx) {
    lapic_enable();
    if (gsi >= ioapic_inputs())
        return -EINVAL;
    for (const Slot& s : g_slots)
        if (s.handler && s.gsi == int(gsi))
            return -EBUSY;
    long slot = alloc_slot(handler, ctx, int(gsi), trigger == Trigger::level);
    if (slot < 0)
        return slot;
    uint32_t lo = uint32_t(device_vector_first + slot);
    if (trigger == Trigger::level)
        lo |= redir_level;
    if (polarity == Polarity::active_low)
        lo |= redir_active_low;
    uint32_t reg = ioapic_reg_table + 2 * gsi;
    ioapic_write(reg + 1, lapic_id() << 24);
    ioapic_write(reg, lo);
    return 0;
}

long irq_route_nmi(unsigned gsi) {
    lapic_enable();
    if (gsi >= ioapic_inputs())
        return -EINVAL;
    uint32_t reg = ioapic_reg_table + 2 * gsi;
    ioapic_write(reg + 1, lapic_id() << 24);
    ioapic_write(reg, redir_nmi);
    return 0;
}

long irq_attach_msi(IrqHandler handler, void* ctx, uint64_t* address, uint32_t* data) {
    lapic_enable();
    long slot = alloc_slot(handler, ctx, -1, false);
    if (slot < 0)
        return slot;
    *address = 0xfee00000u | (uint64_t(lapic_id()) << 12);
    *data = uint32_t(device_vector_first + slot);
    return 0;
}

bool irq_note(uint64_t vector) {
    uint64_t slot = vector - device_vector_first;
    if (slot >= device_vector_count)
        return false;
    const Slot& s = g_slots[slot];
    asm volatile("orq %1, %0" : "+m"(g_pending) : "r"(uint64_t(1) << slot) : "memory");
    // A level-triggered line would fire again as soon as it is
    // acknowledged: its EOI waits until its handler has quieted the
    // device. Till then the I/O APIC holds the line (remote IRR) and the
    // local APIC holds back the vectors of its priority class and below.
    if (!s.level)
        lapic_eoi();
    return true;
}

void irq_run_pending() {
    uint64_t pending = 0;
    asm volatile("xchgq %0, %1" : "+r"(pending), "+m"(g_pending)::"memory");
    while (pending) {
        unsigned slot = unsigned(__builtin_ctzll(pending));
        pending &= pending - 1;
        const Slot& s = g_slots[slot];
        if (s.handler)
            s.handler(s.ctx);
        // The EOI irq_note left owed; the local APIC takes it for the
        // highest vector in service, and only such owed ones are left in
        // service here, so the count is what matters.
        if (s.level)
            lapic_eoi();
    }
}

bool irq_pending() {
    return g_pending != 0;
}

} // namespace uk::arch
