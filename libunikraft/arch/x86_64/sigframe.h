// Signal frames as Linux builds them on x86_64: struct rt_sigframe (return
// address, ucontext, siginfo) with the FPU state above it, on the app's
// stack or its alternate stack; and the way back from one (rt_sigreturn).
// Also what becomes of a system call a signal interrupted: -EINTR, or the
// same call made again. This file decides no policy: which signal, which
// mask, whether to restart are sched/signal.cc's.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/trap.h"
#include "lib/signal_abi.h"

namespace uk::arch {

// Linux's restart codes (is_restart_code in trap.h): a system call that a
// signal interrupted returns one of these, and the way out turns it into
// -EINTR or a new attempt.
inline constexpr long erestartsys = 512, erestartnointr = 513, erestartnohand = 514,
                      erestart_restartblock = 516;

/// Ends the system call whose frame `f` is: a restart code in its result
/// becomes -EINTR or a repeat of the call, as Linux decides from whether a
/// handler runs (`handler`) and its SA_RESTART. `direct` is the call as the
/// direct entry made it. Afterwards f holds no restart code, so finishing
/// it again changes nothing.
void finish_syscall(TrapFrame& f, bool handler, bool sa_restart, const SyscallRestart& direct);

/// True when `sp` lies on the alternate stack `ss`.
bool on_altstack(const AltStack& ss, uint64_t sp);

/// Builds the frame of a handler for `sig` on the app's stack, or on its
/// alternate stack when the action asks for it: siginfo, a ucontext holding
/// f's registers, `restore_mask` and the FPU state in `fpu` (the thread's
/// saved state); then points f at the handler and gives the handler a clean
/// FPU. An SS_AUTODISARM alternate stack is disarmed. Returns false, with f
/// unchanged, when the app's memory cannot take the frame or the action has
/// no restorer.
bool setup_signal_frame(TrapFrame& f, int sig, const Siginfo& info, const SigAction& act,
                        SigSet restore_mask, AltStack& altstack, const void* fpu);

/// rt_sigreturn: reloads f's registers, the FPU state (into `fpu` and the
/// CPU) and *mask and *stack from the frame at f's stack pointer. Returns
/// false, changing nothing, when the frame cannot be read or holds an
/// address the CPU cannot return to.
bool restore_signal_frame(TrapFrame& f, SigSet* mask, AltStack* stack, void* fpu);

} // namespace uk::arch
