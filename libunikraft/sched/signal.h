// Signals as state of the threads and the process: the action for each
// signal, what each thread blocks, what is pending for a thread or for the
// whole process; sending (queueing, then choosing and waking the thread that
// will take it) and delivering (on the way back to app code). The frame a
// handler runs on is arch/x86_64/sigframe.h's business; argument checks and
// the app's memory are posix/signal.cc's. Nothing here reads app memory.
#pragma once

#include "lib/signal_abi.h"
#include "sched/sched.h"

namespace uk::sched::signal {

/// The action for signal `sig` (1..64).
SigAction& action(int sig);

/// True when `sig` would be thrown away on arrival: SIG_IGN, or SIG_DFL for
/// a signal whose default is to be ignored.
bool ignored(int sig);

/// Sends `sig` with `info` to thread `target`, or to the process when
/// target is nullptr (a thread that does not block it takes it; the main
/// thread when it can). A blocked target that can take it is woken (its
/// wait returns `interrupted`). Returns 0, or -EAGAIN when a real-time
/// signal cannot be queued (RLIMIT_SIGPENDING or memory).
long send(int sig, const Siginfo& info, Thread* target);

/// Makes `hook` run each time a signal becomes pending (signalfd's readers
/// and pollers wait for that). One hook; nullptr removes it.
void set_pending_hook(void (*hook)());

/// Like send(), for a timer: returns whether the signal was queued (not
/// dropped as ignored, not already pending, memory permitting).
bool send_queued(int sig, const Siginfo& info, Thread* target);

/// Sends a signal the current thread must take now (a CPU fault): blocked
/// or ignored, it is unblocked and reset to its default action first, as
/// Linux does.
void force(int sig, const Siginfo& info);

/// True when `sig` arriving now would run a handler in the current thread.
bool will_handle(int sig);

/// Sets thread t's mask (SIGKILL and SIGSTOP cannot be blocked).
void set_blocked(Thread* t, SigSet mask);

/// Takes the next signal pending for t among `allowed` into `info`:
/// synchronous faults first, then the lowest number, the thread's own before
/// the process's. Returns the signal, or 0 when there is none.
int dequeue(Thread* t, SigSet allowed, Siginfo* info);

/// Signals pending for t or for the process.
SigSet pending(const Thread* t);

/// True when t has a signal it would take now (pending and not blocked, or
/// one it waits for in rt_sigtimedwait).
bool has_deliverable(const Thread* t);

/// Recomputes t's signal-work flag.
void update_work(Thread* t);

/// Drops every pending instance of `sig` (its action became "ignore").
void discard(int sig);

/// Frees what a finished thread still had queued.
void discard_thread(Thread* t);

/// On the way back to app code, with interrupts off: takes the current
/// thread's deliverable signals, running each one's default action or
/// setting up its handler's frame on `frame`.
void deliver(arch::TrapFrame* frame);

} // namespace uk::sched::signal
