// The system-call table: Linux x86_64 numbers, handlers registered from
// wherever they are implemented through a linker-section table.
#pragma once

#include <stdint.h>
#include <uk/api.h>

#include "sched/sched.h"

namespace uk::arch {
struct TrapFrame;
}

namespace uk::posix {

using SyscallFn = long (*)(long, long, long, long, long, long);

// Entries are placed one after another in .uk_syscalls.* sections: the
// explicit alignment and a size that is a multiple of it keep compilers from
// padding between them (GCC aligns 24-byte objects to 16 on its own).
struct alignas(16) SyscallEntry {
    long nr;
    SyscallFn fn;
};
static_assert(sizeof(SyscallEntry) == 16, "the table walker steps by sizeof");

/// Fills the dispatch array from the registration table. Called once at boot
/// before the app starts.
void syscall_init(bool log_enosys);

/// The caller's registers when the running system call came through one of
/// the assembly entries (a `syscall` instruction or musl's assembly), else
/// nullptr (a direct call from C).
arch::TrapFrame* current_syscall_frame();

/// The app's stack pointer at the running system call: the frame's, or for
/// a direct call from C (which runs on the app's stack) the kernel's own.
uint64_t app_stack_pointer();

/// Records a direct call's number and arguments when it returns a restart
/// code, so that the way out can make it again (sigframe.h).
void note_restart(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

} // namespace uk::posix

#define UK_SYSCALL_CAT2(a, b) a##b
#define UK_SYSCALL_CAT(a, b) UK_SYSCALL_CAT2(a, b)

/// Defines the handler of Linux system call `name` (number `nr`). The body
/// sees the raw arguments a1..a6 and returns a result or a negative errno.
/// It lands in uk_sysimpl_<nr> (the body, counted as system time, and a
/// note of the call when it returns a restart code), which the table entry
/// names for the assembly entries and uk_syscall6, and which
/// uk_syscall_nr_<nr> calls: the entry musl calls directly for a constant
/// system-call number, a small assembly stub that marks the kernel as
/// running, calls it and, when there is exit work (a timer, a signal),
/// leaves through uk_syscall_direct_exit.
#define UK_SYSCALL(nr, name) UK_SYSCALL_IN(".uk_syscalls." #nr, nr, name)

/// Like UK_SYSCALL for a socket call. unikraft.ld keeps every .uk_syscalls.*
/// entry, so a raw system call of any number reaches its handler; the socket
/// calls' entries (in .uk_syscalls_net) and the network stack behind them are
/// linked only into an image that refers to uk_net_root (posix/socket.cc):
/// one whose code calls socket() or socketpair() through libc, or one linked
/// with -u uk_net_root.
#define UK_SYSCALL_NET(nr, name) UK_SYSCALL_IN(".uk_syscalls_net", nr, name)

/// UK_SYSCALL with the table entry in the linker section `sect`.
#define UK_SYSCALL_IN(sect, nr, name)                                                              \
    static long uk_sys_##name(long a1, long a2, long a3, long a4, long a5, long a6);               \
    extern "C" long uk_sysimpl_##nr(long a1, long a2, long a3, long a4, long a5, long a6);         \
    [[gnu::used, gnu::section(sect)]] static const ::uk::posix::SyscallEntry uk_sys_entry_##name{  \
        nr, uk_sysimpl_##nr};                                                                      \
    extern "C"                                                                                     \
        [[gnu::used]] long uk_sysimpl_##nr(long a1, long a2, long a3, long a4, long a5, long a6) { \
        bool opened = ::uk::sched::sys_enter();                                                    \
        long r = uk_sys_##name(a1, a2, a3, a4, a5, a6);                                            \
        ::uk::sched::sys_leave(opened);                                                            \
        if (::uk::arch::is_restart_code(r)) [[unlikely]]                                           \
            ::uk::posix::note_restart(nr, a1, a2, a3, a4, a5, a6);                                 \
        return r;                                                                                  \
    }                                                                                              \
    asm(".pushsection .text.uk_syscall_nr_" #nr ",\"ax\",@progbits\n"                              \
        ".globl uk_syscall_nr_" #nr "\n"                                                           \
        ".type uk_syscall_nr_" #nr ",@function\n"                                                  \
        "uk_syscall_nr_" #nr ":\n"                                                                 \
        "  incl uk_kernel_depth(%rip)\n"                                                           \
        "  sub $8, %rsp\n"                                                                         \
        "  call uk_sysimpl_" #nr "\n"                                                              \
        "  add $8, %rsp\n"                                                                         \
        "  decl uk_kernel_depth(%rip)\n"                                                           \
        "  jnz 1f\n"                                                                               \
        "  cmpl $0, uk_exit_work(%rip)\n"                                                          \
        "  jne uk_syscall_direct_exit\n"                                                           \
        "1: ret\n"                                                                                 \
        ".size uk_syscall_nr_" #nr ", . - uk_syscall_nr_" #nr "\n"                                 \
        ".popsection");                                                                            \
    static long uk_sys_##name([[maybe_unused]] long a1, [[maybe_unused]] long a2,                  \
                              [[maybe_unused]] long a3, [[maybe_unused]] long a4,                  \
                              [[maybe_unused]] long a5, [[maybe_unused]] long a6)

/// Like UK_SYSCALL for a call that only returns a constant of the process
/// (its ids): it touches no kernel state, so being preempted inside it is
/// harmless and the direct entry skips the non-preemption bookkeeping.
#define UK_SYSCALL_CONST(nr, name, value)                                                          \
    static long uk_sys_##name(long, long, long, long, long, long) {                                \
        return value;                                                                              \
    }                                                                                              \
    [[gnu::used, gnu::section(".uk_syscalls." #nr)]] static const ::uk::posix::SyscallEntry        \
        uk_sys_entry_##name{nr, uk_sys_##name};                                                    \
    extern "C" UK_API long uk_syscall_nr_##nr(long, long, long, long, long, long) {                \
        return value;                                                                              \
    }
