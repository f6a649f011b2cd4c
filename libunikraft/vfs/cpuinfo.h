// /proc/cpuinfo's text from CPUID, in Linux's format: the fields, their
// order and tabs, and the names Linux gives feature bits in "flags". Pure
// logic: CPUID comes in through a function, so the host unit tests can feed
// the host's own CPU and compare with the host's /proc/cpuinfo.
#pragma once

#include <stdint.h>

#include "lib/text.h"

namespace uk::vfs::cpuinfo {

/// One CPUID answer.
struct Regs {
    uint32_t eax, ebx, ecx, edx;
};

/// What the text needs besides CPUID.
struct Facts {
    /// CPUID itself.
    Regs (*cpuid)(uint32_t leaf, uint32_t subleaf);
    /// The TSC's rate (cpu MHz and bogomips); 0 when unknown.
    uint64_t tsc_khz;
    /// The state components the kernel enabled in XCR0: AVX and AVX-512
    /// flags are shown only when their registers are usable, as Linux does.
    uint64_t xcr0;
    /// The number of CPUs (1 here: "siblings", "cpu cores" and Linux's
    /// synthetic "up" flag).
    uint32_t ncpus;
};

/// Appends the block of processor `index` (ending with its blank line).
void write(Text& out, const Facts& facts, uint32_t index);

/// Appends the names of the flags, separated by single spaces (what follows
/// "flags\t\t: ").
void write_flags(Text& out, const Facts& facts);

} // namespace uk::vfs::cpuinfo
