// The frame the assembly entries build: for every interrupt and exception
// (traps.S) and for system calls entered through `syscall` or a call
// (syscall_entry.S), always on the running thread's kernel stack or an IST
// stack, never on the app's.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    // Pushed by the CPU.
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 22 * 8, "traps.S pushes 22 words");

// TrapFrame::vector for the frames of system calls: the `syscall`
// instruction (2 bytes), a `call __uk_syscall_entry` (5 bytes), and the
// direct C entry's way out (its number and arguments are in the thread's
// SyscallRestart); `error` holds the number for the first two. A frame that
// is none of these (any more) says vector_none. Kept in sync with
// syscall_entry.S.
inline constexpr uint64_t vector_syscall_trap = uint64_t(-1);
inline constexpr uint64_t vector_syscall_call = uint64_t(-2);
inline constexpr uint64_t vector_syscall_direct = uint64_t(-3);
inline constexpr uint64_t vector_none = uint64_t(-4);

inline bool is_syscall_frame(const TrapFrame& f) {
    return f.vector >= vector_syscall_direct;
}

/// Linux's restart codes (-512 to -516): what a system call a signal
/// interrupted returns until the way out decides (sigframe.h).
inline bool is_restart_code(long r) {
    return r <= -512 && r >= -516;
}

/// A system call as the direct entry received it, kept when it returns a
/// restart code so that it can be made again.
struct SyscallRestart {
    long nr = -1;
    long args[6] = {};
};
static_assert(offsetof(TrapFrame, vector) == 15 * 8);
static_assert(offsetof(TrapFrame, rip) == 17 * 8);

// IST slot per kind of vector (1-based as the TSS numbers them). #DF, NMI,
// #MC and #PF each get their own stack, so a fault while handling another
// fault does not overwrite the frame it is still using.
inline constexpr int ist_double_fault = 1;
inline constexpr int ist_nmi = 2;
inline constexpr int ist_machine_check = 3;
inline constexpr int ist_page_fault = 4;
inline constexpr int ist_exception = 5;
inline constexpr int ist_irq = 6;

} // namespace uk::arch
