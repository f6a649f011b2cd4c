// How the VM ends: the status travels on isa-debugcon (which carries all of
// 0-255, unlike isa-debug-exit's (n << 1) | 1) before the VM leaves.
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "boot/exit.h"
#include "drivers/console.h"
#include "lib/format.h"
#include "mm/report.h"
#include "sched/prof.h"

namespace uk::boot {

namespace {

constexpr uint16_t debugcon_port = 0xe9;
constexpr uint16_t debug_exit_port = 0xf4;
constexpr uint16_t kbd_ctrl_port = 0x64;

using ExitWork = void (*)();
constinit ExitWork g_exit_work = nullptr;

} // namespace

void set_exit_work(void (*fn)()) {
    g_exit_work = fn;
}

[[noreturn]] void leave(ExitKind kind, int status) {
    arch::irq_disable();
    if (kind == ExitKind::normal) {
        sched::prof_final();
        mm::report_final();
    }
    // QEMU stops at once: what the app wrote must have left first.
    drivers::console_flush();
    char rec[32];
    size_t n = format(rec, sizeof(rec), "%s:%d\n", kind == ExitKind::panic ? "ukpanic" : "ukexit",
                      status & 0xff);
    for (size_t i = 0; i < n && i < sizeof(rec); i++)
        arch::outb(debugcon_port, uint8_t(rec[i]));
    arch::outb(debug_exit_port, uint8_t(status));
    // Not QEMU with isa-debug-exit: a keyboard-controller reset (how
    // Firecracker stops a guest), then a triple fault.
    arch::outb(kbd_ctrl_port, 0xfe);
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } empty{0, 0};
    asm volatile("lidt %0; int3" ::"m"(empty));
    for (;;)
        arch::halt();
}

} // namespace uk::boot

extern "C" UK_API void uk_exit(int status) {
    if (auto* work = uk::boot::g_exit_work) {
        // Once: the work may itself end in an exit.
        uk::boot::g_exit_work = nullptr;
        work();
    }
    uk::boot::leave(uk::boot::ExitKind::normal, status);
}
