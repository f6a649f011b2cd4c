// Device interrupts: I/O APIC lines and MSI/MSI-X messages, each routed to a
// vector of its own in [device_vector_first, device_vector_first +
// device_vector_count) with one handler.
//
// A handler never runs in the middle of other kernel code. The interrupt
// entry only records the vector (irq_note) and leaves a uk_exit_work bit;
// the recorded handlers run later, in kernel context, from the way back to
// app code and from the scheduler's idle loop (irq_run_pending). A
// level-triggered line's EOI waits until its handler has run, so a device
// that keeps its line up does not storm the CPU meanwhile; masking it at
// the I/O APIC instead would cost four more register accesses each way,
// each a VM exit.
#pragma once

#include <stdint.h>

namespace uk::arch {

/// The vectors device interrupts use.
inline constexpr uint8_t device_vector_first = 0x30;
inline constexpr unsigned device_vector_count = 64;

/// A device's interrupt handler. Runs in kernel context with interrupts
/// off; it may wake threads and notify wait queues but must not block.
using IrqHandler = void (*)(void* ctx);

enum class Trigger : uint8_t { edge, level };
enum class Polarity : uint8_t { active_high, active_low };

/// The I/O APIC's physical address on the machines QEMU emulates.
inline constexpr uint64_t ioapic_phys = 0xfec00000;

/// Routes I/O APIC input `gsi` to `handler`. Returns 0, -EINVAL when the
/// I/O APIC has no such input, -EBUSY when the line already has a handler,
/// -ENOSPC when no vector is free.
long irq_attach_gsi(unsigned gsi, Trigger trigger, Polarity polarity, IrqHandler handler,
                    void* ctx);

/// Routes I/O APIC input `gsi` to this CPU as an NMI (edge triggered, the
/// line's rising edge). Returns 0, or -EINVAL when the I/O APIC has no
/// such input.
long irq_route_nmi(unsigned gsi);

/// Allocates a vector for an MSI or MSI-X message that runs `handler`, and
/// gives the message address and data to program into the device (edge
/// triggered, fixed delivery to this CPU). Returns 0 or -ENOSPC.
long irq_attach_msi(IrqHandler handler, void* ctx, uint64_t* address, uint32_t* data);

/// Called by the interrupt entries: when `vector` is a device vector,
/// records it and, unless its line is level-triggered, acknowledges it at
/// the local APIC. Returns whether it was one (the caller then sets the exit
/// work bit that makes irq_run_pending run).
bool irq_note(uint64_t vector);

/// Runs the handlers of the vectors recorded since the last call, each
/// level-triggered one followed by its EOI. Kernel context only, with
/// interrupts off.
void irq_run_pending();

/// True when some vector is recorded and its handler has not run yet.
bool irq_pending();

} // namespace uk::arch
