// Fatal errors: the reason, registers and a symbolized backtrace, then exit.
#pragma once

#include <stdint.h>

namespace uk::arch {
struct TrapFrame;
}

namespace uk {

/// Prints a backtrace following the frame-pointer chain from `rbp`,
/// starting with `rip` itself.
void print_backtrace(uint64_t rip, uint64_t rbp);

/// Prints "  <addr> <function>+<offset>" for `addr`, or the bare address.
void print_symbol(const char* prefix, uint64_t addr);

/// Ends the VM after a fatal CPU exception described by `frame`.
[[noreturn]] void panic_trap(const arch::TrapFrame& frame);

/// Ends the VM with `status` after printing "uk: panic: <msg>" and a
/// backtrace from the caller.
[[noreturn]] void panic_status(int status, const char* msg);

/// Highest address a backtrace may read (end of RAM); set at boot.
extern uint64_t g_backtrace_limit;

} // namespace uk
