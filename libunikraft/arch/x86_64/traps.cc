// What the CPU's exceptions and interrupts become (traps.S calls these).
// A page fault the app's memory allows is a page mapped in; a fault in a
// user copy is -EFAULT for its system call (the exception table); any other
// fault in app code is a signal for the app, or, when no handler takes it,
// the end of the VM with a report of the fault and status 128 + signal; a
// fault in the kernel's own code is a panic. Interrupts: the timer and the
// devices' (arch/x86_64/irq.h), noted while the kernel runs and handled on
// the way back to app code or in the scheduler's idle loop.
#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "boot/exit.h"
#include "lib/panic.h"
#include "lib/signal_abi.h"
#include "mm/kstack.h"
#include "mm/layout.h"
#include "mm/uvm.h"
#include "sched/prof.h"
#include "sched/sched.h"
#include "sched/signal.h"

extern "C" {
struct ExtableEntry {
    uint64_t start, end, fixup;
};
extern const ExtableEntry __uk_extable_start[], __uk_extable_end[];
extern const char uk_syscall_return_tail[], uk_syscall_return_jump[];
}

namespace uk::arch {

namespace {

constexpr uint64_t vec_de = 0, vec_db = 1, vec_nmi = 2, vec_bp = 3, vec_ud = 6, vec_pf = 14,
                   vec_mf = 16, vec_ac = 17, vec_xm = 19;
constexpr uint64_t pf_write = 2, pf_fetch = 16;

const char* const vector_names[32] = {
    "divide error (#DE)",
    "debug (#DB)",
    "non-maskable interrupt",
    "breakpoint (#BP)",
    "overflow (#OF)",
    "bound range (#BR)",
    "invalid opcode (#UD)",
    "device not available (#NM)",
    "double fault (#DF)",
    "coprocessor segment overrun",
    "invalid TSS (#TS)",
    "segment not present (#NP)",
    "stack-segment fault (#SS)",
    "general protection (#GP)",
    "page fault (#PF)",
    "reserved vector 15",
    "x87 floating-point error (#MF)",
    "alignment check (#AC)",
    "machine check (#MC)",
    "SIMD floating-point error (#XM)",
    "virtualization exception (#VE)",
    "control protection (#CP)",
    "reserved vector 22",
    "reserved vector 23",
    "reserved vector 24",
    "reserved vector 25",
    "reserved vector 26",
    "reserved vector 27",
    "hypervisor injection (#HV)",
    "VMM communication (#VC)",
    "security exception (#SX)",
    "reserved vector 31",
};

// The address of the last page fault, for the app-side handling that
// follows on the kernel stack (CR2 would do, until the next fault).
constinit uint64_t g_fault_addr = 0;
// What that fault was, as the page-fault handler saw it.
constinit mm::uvm::Fault g_fault_kind = mm::uvm::Fault::maperr;

bool fixup(TrapFrame& f) {
    for (const ExtableEntry* e = __uk_extable_start; e < __uk_extable_end; e++) {
        if (f.rip >= e->start && f.rip < e->end) {
            f.rip = e->fixup;
            return true;
        }
    }
    return false;
}

void print_registers(const TrapFrame& f) {
    uk_printk("rip 0x%016lx rsp 0x%016lx rflags 0x%08lx\n", f.rip, f.rsp, f.rflags);
    uk_printk("rax 0x%016lx rbx 0x%016lx rcx 0x%016lx rdx 0x%016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
    uk_printk("rsi 0x%016lx rdi 0x%016lx rbp 0x%016lx r8  0x%016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
    uk_printk("r9  0x%016lx r10 0x%016lx r11 0x%016lx r12 0x%016lx\n", f.r9, f.r10, f.r11, f.r12);
    uk_printk("r13 0x%016lx r14 0x%016lx r15 0x%016lx\n", f.r13, f.r14, f.r15);
    print_backtrace(f.rip, f.rbp);
}

// Reports a fault and ends the VM with `status`.
[[noreturn]] void report(const TrapFrame& f, uint64_t addr, bool app, int status) {
    begin_fatal_report();
    uk_printk("uk: %s: %s, vector %lu, error code 0x%lx\n",
              app ? "fatal fault in the app" : "fatal CPU exception in the kernel",
              f.vector < 32 ? vector_names[f.vector] : "unexpected interrupt", f.vector, f.error);
    if (f.vector == vec_pf) {
        // Pages appear on first touch: whether the range allows the access
        // says more than the page-table entry does. A PROT_NONE range (a
        // guard) has no page at all.
        const mm::Vma* v = mm::uvm::space().find(addr);
        const bool protection =
            (f.error & 1) || (g_fault_kind == mm::uvm::Fault::accerr && v && v->prot);
        uk_printk("uk: page fault at address 0x%lx (%s, %s)\n", addr,
                  protection ? "protection violation" : "page not present",
                  (f.error & pf_fetch)   ? "instruction fetch"
                  : (f.error & pf_write) ? "write"
                                         : "read");
        if (mm::in_kstack_guard(addr))
            uk_printk("uk: kernel stack overflow\n");
        else if (mm::uvm::in_stack_guard(addr) ||
                 (addr < f.rsp && f.rsp - addr < 65536 && !(f.error & pf_fetch)))
            uk_printk("uk: stack overflow (the address is just below the stack)\n");
        else if (addr < 4096)
            uk_printk("uk: a NULL pointer dereference\n");
    }
    print_registers(f);
    boot::leave(boot::ExitKind::panic, status);
}

// The signal a fault in app code raises, with its siginfo.
Siginfo fault_signal(const TrapFrame& f) {
    Siginfo si{};
    si.code = si_kernel;
    switch (f.vector) {
    case vec_de:
        si.signo = sigfpe;
        si.code = fpe_intdiv;
        si.fault.addr = f.rip;
        break;
    case vec_db:
        si.signo = sigtrap;
        si.code = trap_trace;
        si.fault.addr = f.rip;
        break;
    case vec_bp:
        si.signo = sigtrap; // si_code SI_KERNEL, as Linux gives int3
        break;
    case vec_ud:
        si.signo = sigill;
        si.code = ill_illopn;
        si.fault.addr = f.rip;
        break;
    case vec_pf:
        si.signo = sigsegv;
        si.code = g_fault_kind == mm::uvm::Fault::accerr ? segv_accerr : segv_maperr;
        if (g_fault_kind == mm::uvm::Fault::sigbus) {
            // A mapped file's page past its end.
            si.signo = sigbus;
            si.code = bus_adrerr;
        }
        si.fault.addr = g_fault_addr;
        break;
    case vec_ac:
    case 11: // #NP
    case 12: // #SS
        si.signo = sigbus;
        si.code = f.vector == vec_ac ? bus_adraln : si_kernel;
        break;
    case vec_mf:
    case vec_xm: {
        si.signo = sigfpe;
        si.fault.addr = f.rip;
        uint32_t mxcsr = 0;
        if (f.vector == vec_xm)
            asm volatile("stmxcsr %0" : "=m"(mxcsr));
        // The first unmasked exception flag, in Linux's order.
        uint32_t flags = mxcsr & ~(mxcsr >> 7) & 0x3f;
        si.code = (flags & 1)    ? fpe_fltinv
                  : (flags & 4)  ? fpe_fltdiv
                  : (flags & 8)  ? fpe_fltovf
                  : (flags & 16) ? fpe_fltund
                  : (flags & 32) ? fpe_fltres
                                 : 0;
        break;
    }
    default:
        si.signo = sigsegv; // #GP and the rest: SI_KERNEL, no address
        break;
    }
    return si;
}

} // namespace

} // namespace uk::arch

using namespace uk;

/// An exception, on its IST stack. Returns 0 when it is dealt with (iret at
/// once), 1 when it is the app's and continues in uk_trap_app.
extern "C" int uk_trap_ist(arch::TrapFrame* f) {
    using namespace uk::arch;
    if (f->vector == vec_nmi) {
        sched::prof_nmi(f->rip); // the profiler's PIT is what routes one here
        return 0;
    }
    const bool app = uk_kernel_depth == 0;
    if (f->vector == vec_pf) {
        const uint64_t addr = read_cr2();
        g_fault_addr = addr;
        g_fault_kind = mm::uvm::Fault::maperr;
        if (addr < mm::user_end) {
            g_fault_kind = mm::uvm::fault(addr, f->error & pf_write, f->error & pf_fetch);
            if (g_fault_kind == mm::uvm::Fault::resolved)
                return 0;
            if (g_fault_kind == mm::uvm::Fault::oom)
                mm::uvm::out_of_memory(addr);
        }
    }
    if (app)
        return 1;
    // The kernel's own code: a user copy ends in -EFAULT, anything else is a
    // bug, except an app stack that overflows under a direct system call,
    // which runs on it.
    if (fixup(*f))
        return 0;
    if (f->vector == vec_pf && g_fault_addr < mm::user_end && g_fault_addr < f->rsp &&
        f->rsp - g_fault_addr < 65536 && f->rsp < mm::user_end)
        report(*f, g_fault_addr, true, 128 + sigsegv);
    report(*f, g_fault_addr, false, UK_EXIT_PANIC);
}

/// A fault in app code, continued on the thread's kernel stack: its signal,
/// delivered to a handler on the way back, or the end of the VM.
extern "C" void uk_trap_app(arch::TrapFrame* f) {
    uk_kernel_depth = 1;
    Siginfo si = arch::fault_signal(*f);
    if (!sched::signal::will_handle(si.signo))
        arch::report(*f, arch::g_fault_addr, true, 128 + si.signo);
    sched::signal::force(si.signo, si);
    sched::return_to_app(f);
}

/// An interrupt that came while app code ran, on the thread's kernel stack.
extern "C" void uk_irq(arch::TrapFrame* f) {
    // Between the last two instructions of a system call's way back
    // (syscall_entry.S): finish them here, so that the frame is the app's.
    if (f->rip == reinterpret_cast<uint64_t>(uk_syscall_return_tail)) {
        f->rsp = f->r11;
        f->rip = f->rcx;
    } else if (f->rip == reinterpret_cast<uint64_t>(uk_syscall_return_jump)) {
        f->rip = f->rcx;
    }
    if (arch::irq_note(f->vector)) {
        sched::exit_work_set(sched::exit_work_irq);
    } else if (f->vector != arch::spurious_vector) {
        arch::lapic_eoi();
        if (f->vector == arch::timer_vector) {
            sched::prof_tick(f->rip);
            sched::exit_work_set(sched::exit_work_timer);
        }
    }
    sched::return_to_app(f);
}

/// An interrupt that came while the kernel ran: noted for the way out.
extern "C" void uk_irq_in_kernel(arch::TrapFrame* f) {
    if (f->vector == arch::spurious_vector)
        return;
    if (arch::irq_note(f->vector)) {
        sched::exit_work_set(sched::exit_work_irq);
        return;
    }
    arch::lapic_eoi();
    if (f->vector == arch::timer_vector) {
        sched::prof_tick(f->rip);
        sched::exit_work_set(sched::exit_work_timer);
    }
}
