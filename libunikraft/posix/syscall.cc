#include "posix/syscall.h"

#include <uk/console.h>
#include <uk/syscall.h>

#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "sched/sched.h"

extern "C" {
extern const uk::posix::SyscallEntry __uk_syscalls_start[];
extern const uk::posix::SyscallEntry __uk_syscalls_end[];
}

namespace uk::posix {

namespace {

constexpr long max_syscall = 512;
constinit SyscallFn g_table[max_syscall]{};
constinit bool g_log_enosys = false;

long dispatch(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    if (static_cast<unsigned long>(nr) < max_syscall) {
        if (SyscallFn fn = g_table[nr]) [[likely]]
            return fn(a1, a2, a3, a4, a5, a6);
    }
    if (g_log_enosys)
        uk_printk("uk: unimplemented system call %ld (%lx, %lx, %lx)\n", nr, a1, a2, a3);
    return -ENOSYS;
}

} // namespace

arch::TrapFrame* current_syscall_frame() {
    return sched::current()->syscall_frame;
}

uint64_t app_stack_pointer() {
    const arch::TrapFrame* f = current_syscall_frame();
    return f ? f->rsp : reinterpret_cast<uint64_t>(__builtin_frame_address(0));
}

void note_restart(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    sched::current()->restart = arch::SyscallRestart{nr, {a1, a2, a3, a4, a5, a6}};
}

void syscall_init(bool log_enosys) {
    g_log_enosys = log_enosys;
    for (const SyscallEntry* e = __uk_syscalls_start; e < __uk_syscalls_end; e++)
        if (e->nr >= 0 && e->nr < max_syscall)
            g_table[e->nr] = e->fn;
}

} // namespace uk::posix

/// uk_syscall6's body (syscall_entry.S brackets it): any call by number.
extern "C" long uk_syscall6_dispatch(long nr, long a1, long a2, long a3, long a4, long a5,
                                     long a6) {
    // The handlers note a call they interrupt (UK_SYSCALL).
    return uk::posix::dispatch(nr, a1, a2, a3, a4, a5, a6);
}

/// Entered from syscall_entry.S with interrupts off, on the kernel stack,
/// with the caller's registers in `f`; the result goes back in f->rax.
extern "C" void uk_syscall_frame(uk::arch::TrapFrame* f) {
    using namespace uk;
    uk_kernel_depth = 1;
    sched::Thread* t = sched::current();
    t->syscall_frame = f;
    f->rax = uint64_t(posix::dispatch(long(f->rax), long(f->rdi), long(f->rsi), long(f->rdx),
                                      long(f->r10), long(f->r8), long(f->r9)));
    t->syscall_frame = nullptr;
    sched::return_to_app(f);
}

/// The direct entries' way out when there was exit work: `f` is the return
/// to their caller, its result in f->rax.
extern "C" void uk_syscall_direct_work(uk::arch::TrapFrame* f) {
    uk::sched::return_to_app(f);
}
