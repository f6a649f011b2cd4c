#include "lib/panic.h"

#include <stdarg.h>
#include <uk/console.h>
#include <uk/exit.h>

#include "boot/exit.h"
#include "lib/format.h"
#include "lib/symtab.h"
#include "mm/user.h"

extern "C" {
extern const char __uk_symtab_start[];
extern const char __uk_symtab_end[];
}

namespace uk {

namespace {

constinit int g_panicking = 0;

// A fault while already reporting one: say so in the fewest steps and stop.
[[noreturn]] void nested_panic() {
    static const char msg[] = "uk: panic: fault while reporting a fault\n";
    uk_console_write(msg, sizeof(msg) - 1);
    boot::leave(boot::ExitKind::panic, UK_EXIT_PANIC);
}

} // namespace

void begin_fatal_report() {
    if (g_panicking++)
        nested_panic();
}

void print_symbol(const char* prefix, uint64_t addr) {
    uint64_t off = 0;
    const char* name =
        symtab_lookup(__uk_symtab_start, size_t(__uk_symtab_end - __uk_symtab_start), addr, &off);
    if (name)
        uk_printk("%s0x%lx %s+0x%lx\n", prefix, addr, name, off);
    else
        uk_printk("%s0x%lx\n", prefix, addr);
}

void print_backtrace(uint64_t rip, uint64_t rbp) {
    uk_printk("backtrace:\n");
    print_symbol("  #0  ", rip);
    for (int depth = 1; depth < 32 && rbp >= 0x1000 && !(rbp & 7); depth++) {
        uint64_t frame[2];
        if (!mm::read_word_nofault(rbp, &frame[0]) || !mm::read_word_nofault(rbp + 8, &frame[1]))
            break;
        uint64_t ret = frame[1];
        if (ret < 0x1000)
            break;
        char prefix[16];
        format(prefix, sizeof(prefix), "  #%-2d ", depth);
        // A return address points after the call; look up the call itself.
        print_symbol(prefix, ret - 1);
        if (frame[0] <= rbp)
            break;
        rbp = frame[0];
    }
}

void panic_status(int status, const char* msg) {
    begin_fatal_report();
    uk_printk("uk: panic: %s\n", msg);
    // Start at the caller: its return address and its saved frame pointer.
    const auto* frame = static_cast<const uint64_t*>(__builtin_frame_address(0));
    print_backtrace(frame[1] - 1, frame[0]);
    boot::leave(boot::ExitKind::panic, status);
}

} // namespace uk

extern "C" UK_API void uk_panic(const char* fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    uk::vformat(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    uk::panic_status(UK_EXIT_PANIC, msg);
}

/// musl's a_crash: it found its heap corrupted. On Linux the `hlt` it
/// executes faults and the process dies of SIGSEGV; here it panics with the
/// same status.
extern "C" UK_API void __uk_libc_crash(void) {
    uk::panic_status(128 + 11, "libc detected memory corruption (a_crash)");
}

/// A pure virtual function called: a kernel bug.
extern "C" void __cxa_pure_virtual() {
    uk::panic_status(UK_EXIT_PANIC, "pure virtual function called");
}
