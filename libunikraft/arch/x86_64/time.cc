#include "arch/x86_64/time.h"

#include "arch/x86_64/cpu.h"
#include "lib/scale.h"

namespace uk::arch {

constinit ClockData g_clock{};

namespace {

constinit uint64_t& g_tsc_hz = g_clock.tsc_hz;
constinit bool& g_epoch_read = g_clock.epoch_read;
constinit int64_t& g_epoch_ns = g_clock.epoch_ns;
constinit uint64_t g_epoch_tsc = 0;

// KVM's paravirtual clock (kvmclock), where the hypervisor offers it: the
// TSC rate from its scale factors, and the wall clock to the nanosecond.
struct PvclockTime {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};
static_assert(sizeof(PvclockTime) == 32, "fixed by the KVM ABI");
struct PvclockWall {
    uint32_t version;
    uint32_t sec;
    uint32_t nsec;
};

alignas(64) constinit PvclockTime g_pvclock{};
alignas(64) constinit PvclockWall g_pvwall{};

constexpr uint32_t msr_kvm_wall_clock_new = 0x4b564d00, msr_kvm_system_time_new = 0x4b564d01;
constexpr uint32_t kvm_feature_clocksource2 = 1u << 3;

bool have_kvmclock() {
    if (!(cpuid(1).ecx & (1u << 31)))
        return false;
    auto sig = cpuid(0x40000000);
    if (sig.ebx != 0x4b4d564b || sig.ecx != 0x564b4d56 || sig.edx != 0x4d) // "KVMKVMKVM\0\0\0"
        return false;
    return sig.eax >= 0x40000001 && (cpuid(0x40000001).eax & kvm_feature_clocksource2);
}

uint64_t tsc_hz_from_kvmclock() {
    if (!have_kvmclock())
        return 0;
    wrmsr(msr_kvm_system_time_new, reinterpret_cast<uintptr_t>(&g_pvclock) | 1);
    uint32_t mul;
    int8_t shift;
    uint32_t v;
    do {
        v = __atomic_load_n(&g_pvclock.version, __ATOMIC_ACQUIRE);
        mul = g_pvclock.tsc_to_system_mul;
        shift = g_pvclock.tsc_shift;
    } while ((v & 1) || v != __atomic_load_n(&g_pvclock.version, __ATOMIC_ACQUIRE));
    wrmsr(msr_kvm_system_time_new, 0);
    if (!mul)
        return 0;
    // ns = ((tsc << shift) * mul) >> 32, so ticks per second:
    unsigned __int128 hz = ((unsigned __int128)1000000000 << 32) / mul;
    return uint64_t(shift >= 0 ? hz >> shift : hz << -shift);
}

// Wall-clock ns at boot from kvmclock, or -1.
int64_t kvmclock_boot_epoch_ns() {
    if (!have_kvmclock())
        return -1;
    wrmsr(msr_kvm_system_time_new, reinterpret_cast<uintptr_t>(&g_pvclock) | 1);
    wrmsr(msr_kvm_wall_clock_new, reinterpret_cast<uintptr_t>(&g_pvwall));
    uint32_t v;
    uint64_t wall, sys_ns;
    do {
        v = __atomic_load_n(&g_pvwall.version, __ATOMIC_ACQUIRE);
        wall = uint64_t(g_pvwall.sec) * 1000000000 + g_pvwall.nsec;
    } while ((v & 1) || v != __atomic_load_n(&g_pvwall.version, __ATOMIC_ACQUIRE));
    // The wall clock is for the guest's system time 0; now = wall + system
    // time, and boot = now - (time since entry).
    do {
        v = __atomic_load_n(&g_pvclock.version, __ATOMIC_ACQUIRE);
        uint64_t delta = rdtsc() - g_pvclock.tsc_timestamp;
        int8_t shift = g_pvclock.tsc_shift;
        delta = shift >= 0 ? delta << shift : delta >> -shift;
        sys_ns = g_pvclock.system_time +
                 uint64_t((unsigned __int128)delta * g_pvclock.tsc_to_system_mul >> 32);
    } while ((v & 1) || v != __atomic_load_n(&g_pvclock.version, __ATOMIC_ACQUIRE));
    wrmsr(msr_kvm_system_time_new, 0);
    return int64_t(wall + sys_ns) - int64_t(monotonic_ns());
}

uint64_t tsc_hz_from_cpuid() {
    uint32_t max = cpuid(0).eax;
    if (max >= 0x15) {
        auto r = cpuid(0x15);
        if (r.eax && r.ebx && r.ecx)
            return uint64_t(r.ecx) * r.ebx / r.eax;
    }
    if (max >= 0x16) {
        auto r = cpuid(0x16);
        if (r.eax)
            return uint64_t(r.eax) * 1000000;
    }
    // Hypervisors (KVM with invtsc, VMware) publish the TSC rate in kHz.
    if (cpuid(1).ecx & (1u << 31)) {
        uint32_t hv_max = cpuid(0x40000000).eax;
        if (hv_max >= 0x40000010 && hv_max < 0x40010000) {
            uint32_t khz = cpuid(0x40000010).eax;
            if (khz)
                return uint64_t(khz) * 1000;
        }
    }
    return 0;
}

constexpr uint16_t pit_ch0 = 0x40, pit_cmd = 0x43;
constexpr uint32_t pit_hz = 1193182;

uint16_t pit_read() {
    outb(pit_cmd, 0x00); // latch channel 0
    uint8_t lo = inb(pit_ch0);
    uint8_t hi = inb(pit_ch0);
    return uint16_t(lo | (hi << 8));
}

// Counts TSC ticks over ~2 ms of PIT channel 0 counting down from 0xffff.
// Returns 0 if the PIT does not count (absent).
uint64_t tsc_hz_from_pit() {
    constexpr uint32_t window = pit_hz / 500; // 2 ms
    outb(pit_cmd, 0x30);                      // channel 0, lo/hi, mode 0
    outb(pit_ch0, 0xff);
    outb(pit_ch0, 0xff);
    uint16_t start = pit_read();
    uint64_t t0 = rdtsc();
    for (uint32_t spins = 0;; spins++) {
        uint16_t now = pit_read();
        uint32_t elapsed = uint16_t(start - now);
        if (elapsed >= window) {
            uint64_t t1 = rdtsc();
            return (t1 - t0) * pit_hz / elapsed;
        }
        if (spins > 2000000 && elapsed == 0)
            return 0;
    }
}

} // namespace

bool pit_periodic(uint32_t hz) {
    if (hz < 19 || hz > pit_hz)
        return false;
    // 19 Hz and up: the divisor fits the counter's 16 bits.
    uint32_t divisor = (pit_hz + hz / 2) / hz;
    outb(pit_cmd, 0x34); // channel 0, lo/hi, mode 2 (rate generator)
    outb(pit_ch0, uint8_t(divisor));
    outb(pit_ch0, uint8_t(divisor >> 8));
    // A counting PIT reads between 1 and the divisor; a missing one reads
    // all ones, above any divisor from 19 Hz.
    uint16_t v = pit_read();
    return v >= 1 && v <= divisor;
}

namespace {

uint8_t cmos(uint8_t reg) {
    outb(0x70, reg);
    return inb(0x71);
}

int bcd(uint8_t v, bool binary) {
    return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

// Reads the RTC as UTC seconds; -1 when there is no RTC.
int64_t rtc_read() {
    if (cmos(0x0a) == 0xff && cmos(0x0b) == 0xff)
        return -1;
    uint8_t prev[7] = {}, cur[7];
    for (int tries = 0; tries < 1000; tries++) {
        for (int w = 0; w < 100000 && (cmos(0x0a) & 0x80); w++)
            cpu_relax();
        const uint8_t regs[7] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32};
        for (int i = 0; i < 7; i++)
            cur[i] = cmos(regs[i]);
        bool same = tries > 0;
        for (int i = 0; i < 7; i++)
            same = same && cur[i] == prev[i];
        if (same)
            break;
        for (int i = 0; i < 7; i++)
            prev[i] = cur[i];
    }
    uint8_t b = cmos(0x0b);
    bool binary = b & 0x04, h24 = b & 0x02;
    int hour = bcd(cur[2] & 0x7f, binary);
    if (!h24) {
        bool pm = cur[2] & 0x80;
        hour = hour % 12 + (pm ? 12 : 0);
    }
    int century = cur[6] ? bcd(cur[6], binary) : 20;
    if (century < 19 || century > 30)
        century = 20;
    int year = century * 100 + bcd(cur[5], binary);
    return civil_to_epoch(year, bcd(cur[4], binary), bcd(cur[3], binary), hour, bcd(cur[1], binary),
                          bcd(cur[0], binary));
}

uint64_t brand_string_hz() {
    if (cpuid(0x80000000).eax < 0x80000004)
        return 0;
    char s[49];
    for (uint32_t i = 0; i < 3; i++) {
        auto r = cpuid(0x80000002 + i);
        uint32_t w[4] = {r.eax, r.ebx, r.ecx, r.edx};
        for (int j = 0; j < 16; j++)
            s[i * 16 + j] = char(w[j / 4] >> (8 * (j % 4)));
    }
    s[48] = 0;
    // "... @ 2.60GHz"
    for (int i = 0; s[i]; i++) {
        if (s[i] != '@')
            continue;
        int j = i + 1;
        while (s[j] == ' ')
            j++;
        uint64_t whole = 0, frac = 0, scale = 1;
        while (s[j] >= '0' && s[j] <= '9')
            whole = whole * 10 + uint64_t(s[j++] - '0');
        if (s[j] == '.')
            for (j++; s[j] >= '0' && s[j] <= '9'; j++) {
                frac = frac * 10 + uint64_t(s[j] - '0');
                scale *= 10;
            }
        if (s[j] == 'G' && s[j + 1] == 'H' && s[j + 2] == 'z')
            return whole * 1000000000 + frac * 1000000000 / scale;
        return 0;
    }
    return 0;
}

} // namespace

uint64_t boot_tsc() {
    return uk_boot_tsc;
}

namespace {

// Nanoseconds per tick and ticks per nanosecond, set once with the rate.
constinit Scale& g_ns_per_tick = g_clock.ns_per_tick;
constinit Scale g_ticks_per_ns{};

} // namespace

uint64_t tsc_hz() {
    if (!g_tsc_hz) {
        uint64_t hz = tsc_hz_from_cpuid();
        if (!hz)
            hz = tsc_hz_from_kvmclock();
        if (!hz)
            hz = tsc_hz_from_pit();
        if (!hz)
            hz = brand_string_hz();
        if (!hz)
            hz = 1000000000;
        g_ns_per_tick = make_scale(1000000000, hz);
        g_ticks_per_ns = make_scale(hz, 1000000000);
        __atomic_store_n(&g_tsc_hz, hz, __ATOMIC_RELEASE);
    }
    return g_tsc_hz;
}

uint64_t ticks_to_ns(uint64_t ticks) {
    if (!g_tsc_hz) [[unlikely]]
        tsc_hz();
    return g_ns_per_tick.apply(ticks);
}

uint64_t ns_to_ticks(uint64_t ns) {
    if (!g_tsc_hz) [[unlikely]]
        tsc_hz();
    return g_ticks_per_ns.apply(ns);
}

uint64_t monotonic_ns() {
    return ticks_to_ns(rdtsc() - uk_boot_tsc);
}

bool clocks_ready(bool wall) {
    return __atomic_load_n(&g_tsc_hz, __ATOMIC_ACQUIRE) &&
           (!wall || __atomic_load_n(&g_epoch_read, __ATOMIC_ACQUIRE));
}

int64_t boot_epoch_ns() {
    if (!g_epoch_read) {
        int64_t kvm = kvmclock_boot_epoch_ns();
        if (kvm >= 0) {
            g_epoch_ns = kvm;
        } else {
            int64_t s = rtc_read();
            g_epoch_tsc = rdtsc();
            // Referred back to boot so realtime = boot epoch + monotonic.
            g_epoch_ns =
                (s < 0 ? 0 : s * 1000000000) - int64_t(ticks_to_ns(g_epoch_tsc - uk_boot_tsc));
        }
        __atomic_store_n(&g_epoch_read, true, __ATOMIC_RELEASE);
    }
    return g_epoch_ns;
}

int64_t civil_to_epoch(int y, int m, int d, int hh, int mm, int ss) {
    // Days from the civil date in the proleptic Gregorian calendar, counted in
    // 400-year eras that start on March 1st so leap days fall at the end.
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hh * 3600 + mm * 60 + ss;
}

} // namespace uk::arch
