#include "lib/panic.h"

#include <stdarg.h>
#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "boot/exit.h"
#include "lib/format.h"
#include "lib/symtab.h"

extern "C" {
extern const char __uk_symtab_start[];
extern const char __uk_symtab_end[];
}

namespace uk {

constinit uint64_t g_backtrace_limit = 0;

namespace {

constinit int g_panicking = 0;

// Linux signal numbers, for the exit status a shell would show (128 + n).
constexpr int sigill = 4, sigtrap = 5, sigbus = 7, sigfpe = 8, sigsegv = 11;

struct VectorInfo {
    const char* name;
    int signal; // 0: an error of the machine or the kernel, not the app.
};

constexpr VectorInfo vectors[32] = {
    {"divide error (#DE)", sigfpe},
    {"debug (#DB)", sigtrap},
    {"non-maskable interrupt", 0},
    {"breakpoint (#BP)", sigtrap},
    {"overflow (#OF)", sigsegv},
    {"bound range (#BR)", sigsegv},
    {"invalid opcode (#UD)", sigill},
    {"device not available (#NM)", sigsegv},
    {"double fault (#DF)", 0},
    {"coprocessor segment overrun", sigfpe},
    {"invalid TSS (#TS)", sigsegv},
    {"segment not present (#NP)", sigbus},
    {"stack-segment fault (#SS)", sigbus},
    {"general protection (#GP)", sigsegv},
    {"page fault (#PF)", sigsegv},
    {"reserved vector 15", sigsegv},
    {"x87 floating-point error (#MF)", sigfpe},
    {"alignment check (#AC)", sigbus},
    {"machine check (#MC)", 0},
    {"SIMD floating-point error (#XM)", sigfpe},
    {"virtualization exception (#VE)", sigsegv},
    {"control protection (#CP)", sigsegv},
    {"reserved vector 22", sigsegv},
    {"reserved vector 23", sigsegv},
    {"reserved vector 24", sigsegv},
    {"reserved vector 25", sigsegv},
    {"reserved vector 26", sigsegv},
    {"reserved vector 27", sigsegv},
    {"hypervisor injection (#HV)", sigsegv},
    {"VMM communication (#VC)", sigsegv},
    {"security exception (#SX)", sigsegv},
    {"reserved vector 31", sigsegv},
};

bool readable(uint64_t addr) {
    return addr >= 0x1000 && (addr & 7) == 0 && addr + 16 <= g_backtrace_limit;
}

// A fault while already reporting one: say so in the fewest steps and stop.
[[noreturn]] void nested_panic() {
    static const char msg[] = "uk: panic: fault while reporting a fault\n";
    uk_console_write(msg, sizeof(msg) - 1);
    boot::leave(boot::ExitKind::panic, UK_EXIT_PANIC);
}

} // namespace

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
    for (int depth = 1; depth < 32 && readable(rbp); depth++) {
        const uint64_t* frame = reinterpret_cast<const uint64_t*>(rbp);
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

void panic_trap(const arch::TrapFrame& f) {
    if (g_panicking++)
        nested_panic();
    const VectorInfo& info =
        f.vector < 32 ? vectors[f.vector] : VectorInfo{"unexpected interrupt", 0};
    uk_printk("uk: fatal CPU exception: %s, vector %lu, error code 0x%lx\n", info.name, f.vector,
              f.error);
    if (f.vector == 14) {
        uint64_t addr = arch::read_cr2();
        uk_printk("uk: page fault at address 0x%lx (%s, %s)\n", addr,
                  (f.error & 1) ? "protection violation" : "page not present",
                  (f.error & 16)  ? "instruction fetch"
                  : (f.error & 2) ? "write"
                                  : "read");
        if (addr < f.rsp && f.rsp - addr < 65536 && !(f.error & 16))
            uk_printk("uk: the address is just below the stack pointer: a stack overflow?\n");
        else if (addr < 4096)
            uk_printk("uk: a NULL pointer dereference\n");
    }
    uk_printk("rip 0x%016lx rsp 0x%016lx rflags 0x%08lx\n", f.rip, f.rsp, f.rflags);
    uk_printk("rax 0x%016lx rbx 0x%016lx rcx 0x%016lx rdx 0x%016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
    uk_printk("rsi 0x%016lx rdi 0x%016lx rbp 0x%016lx r8  0x%016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
    uk_printk("r9  0x%016lx r10 0x%016lx r11 0x%016lx r12 0x%016lx\n", f.r9, f.r10, f.r11, f.r12);
    uk_printk("r13 0x%016lx r14 0x%016lx r15 0x%016lx\n", f.r13, f.r14, f.r15);
    print_backtrace(f.rip, f.rbp);
    int status = info.signal ? 128 + info.signal : UK_EXIT_PANIC;
    boot::leave(boot::ExitKind::panic, status);
}

void panic_status(int status, const char* msg) {
    if (g_panicking++)
        nested_panic();
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

extern "C" void uk_trap(uk::arch::TrapFrame* f) {
    if (f->vector < 32 && f->vector != 2)
        uk::panic_trap(*f);
    // Nothing else is routed to the CPU yet: ignore stray interrupts.
}
