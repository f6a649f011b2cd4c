// Fatal errors: the reason, registers and a symbolized backtrace, then exit.
#pragma once

#include <stdint.h>

namespace uk {

/// Prints a backtrace following the frame-pointer chain from `rbp`,
/// starting with `rip` itself. Reads frames without faulting: a broken
/// chain ends the backtrace.
void print_backtrace(uint64_t rip, uint64_t rbp);

/// Prints "  <addr> <function>+<offset>" for `addr`, or the bare address.
void print_symbol(const char* prefix, uint64_t addr);

/// Starts a report that ends the VM; a fault while one is being made ends
/// the VM at once, saying so, instead of reporting in circles.
void begin_fatal_report();

/// Ends the VM with `status` after printing "uk: panic: <msg>" and a
/// backtrace from the caller.
[[noreturn]] void panic_status(int status, const char* msg);

} // namespace uk
