// Time sources: the TSC for intervals, the CMOS RTC for the wall clock.
#pragma once

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "lib/scale.h"

extern "C" uint64_t uk_boot_tsc;

namespace uk::arch {

/// TSC at the first instruction of the kernel (entry.S records it).
uint64_t boot_tsc();

/// TSC ticks per second. Found from CPUID (leaf 0x15/0x16 or the hypervisor
/// leaf 0x40000010) or kvmclock when offered, else measured once against the
/// PIT for 2 ms, on first use (never on the boot path).
uint64_t tsc_hz();

/// Converts a count of TSC ticks to nanoseconds (within 1 ns of the exact
/// quotient, saturating at 2^64 - 1).
uint64_t ticks_to_ns(uint64_t ticks);

/// Converts nanoseconds to a count of TSC ticks (within 1 tick of the
/// exact quotient, saturating at 2^64 - 1).
uint64_t ns_to_ticks(uint64_t ns);

/// Nanoseconds since the kernel's entry.
uint64_t monotonic_ns();

/// Makes PIT channel 0 raise its line (ISA IRQ 0, I/O APIC input
/// pit_gsi) `hz` times a second, from 19 to 1193182. Returns false when
/// the rate is out of that range or the machine has no PIT.
bool pit_periodic(uint32_t hz);
inline constexpr unsigned pit_gsi = 2;

/// Wall-clock time at boot in nanoseconds since the epoch, read on first use
/// from kvmclock where KVM offers it, else from the CMOS RTC (seconds
/// resolution); 0 when there is neither.
int64_t boot_epoch_ns();

/// True once monotonic_ns() has the TSC's rate and, with `wall`, once
/// boot_epoch_ns() has the wall time at boot: from then on they only read
/// the TSC and memory, and may run outside the kernel (posix/time.cc).
bool clocks_ready(bool wall);

/// What the clocks read in the app's own context (posix/time.cc's
/// clock_gettime), set once by the kernel: `ns_per_tick` is valid once
/// `tsc_hz` is set, `epoch_ns` once `epoch_read` is, each published with a
/// release store of that flag.
struct ClockData {
    uint64_t tsc_hz;
    Scale ns_per_tick;
    bool epoch_read;
    int64_t epoch_ns;
};
extern ClockData g_clock;

/// monotonic_ns(), and with `wall` boot_epoch_ns() + monotonic_ns(), in
/// the caller's context with no call; false (and *ns untouched) until
/// clocks_ready(wall).
[[gnu::always_inline]] inline bool read_clock(bool wall, int64_t* ns) {
    if (!__atomic_load_n(&g_clock.tsc_hz, __ATOMIC_ACQUIRE))
        return false;
    int64_t v = int64_t(g_clock.ns_per_tick.apply(rdtsc() - uk_boot_tsc));
    if (wall) {
        if (!__atomic_load_n(&g_clock.epoch_read, __ATOMIC_ACQUIRE))
            return false;
        v += g_clock.epoch_ns;
    }
    *ns = v;
    return true;
}

/// Converts a civil UTC date to seconds since 1970-01-01 (pure).
int64_t civil_to_epoch(int year, int month, int day, int hour, int min, int sec);

} // namespace uk::arch
