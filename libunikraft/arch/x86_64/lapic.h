// The local APIC: the timer that drives preemption and sleeping.
#pragma once

#include <stdint.h>

namespace uk::arch {

inline constexpr uint8_t timer_vector = 0x20;
inline constexpr uint8_t spurious_vector = 0xff;

/// Enables the local APIC (and masks the legacy PICs) on first use, not at
/// boot: a program that never sleeps or starts a thread never pays for it.
void lapic_init();

/// Only accepts interrupts (the I/O APIC's and MSIs): no timer, so no
/// calibration, which under emulation costs milliseconds of boot.
void lapic_enable();

/// Arms a one-shot timer interrupt at TSC value `deadline_tsc` (TSC-deadline
/// mode where the CPU has it, else the APIC's one-shot countdown). A
/// deadline in the past fires at once; 0 disarms.
void lapic_arm(uint64_t deadline_tsc);

/// Acknowledges the interrupt being handled.
void lapic_eoi();

/// This CPU's local APIC id (where I/O APIC lines and MSIs are sent).
uint32_t lapic_id();

} // namespace uk::arch
