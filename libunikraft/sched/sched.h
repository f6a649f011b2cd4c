// Threads and the preemptive scheduler: one vCPU, round robin, a tickless
// LAPIC timer for time slices and deadlines, `hlt` when nothing runs.
//
// The kernel is not preemptible. System calls from C run with interrupts
// on for speed (cli/sti are expensive under emulation), but while any
// kernel code runs (g_kernel_depth > 0) a timer interrupt only records that
// it came, and the way out of the kernel does its work. The other entries
// (the syscall trap, interrupts) run with interrupts off. App code runs with
// interrupts on and is preempted when its slice ends.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "sched/wait.h"

namespace uk::arch {
struct TrapFrame;
}

namespace uk::sched {

enum class ThreadState : uint8_t { running, runnable, blocked, exited };

struct Thread {
    Waiter waiter;
    ListNode<Thread> run_link;
    ListNode<Thread> zombie_link;
    ListNode<Thread> all_link;
    uint64_t saved_rsp = 0;
    uint64_t fs_base = 0;
    void* fpu = nullptr; // FPU/SIMD state while switched out
    int tid = 0;
    ThreadState state = ThreadState::runnable;
    long wake_result = 0;     // what block() returns
    int* clear_tid = nullptr; // CLONE_CHILD_CLEARTID / set_tid_address
    uint64_t cpu_ns = 0;      // run time before the current slice
    uint64_t slice_start = 0; // monotonic ns when it last started running
    uintptr_t stack_lo = 0;   // a stack to give back once the thread is gone
    size_t stack_pages = 0;
};

/// Sets up the boot thread (the app's main thread) as the running thread.
void init();

/// The running thread.
Thread* current();

/// Creates a thread that starts with the registers in `frame` (its rsp and
/// rip included) and the given FS base, sharing everything else. Returns
/// nullptr when memory is short.
Thread* create(const arch::TrapFrame& frame, uint64_t fs_base);

/// Makes the running thread give up the CPU to the next runnable one.
void yield();

/// Blocks the running thread until wake() or, when deadline_ns is non-zero,
/// the monotonic clock reaching it. The caller queues the thread wherever it
/// waits (its waiter) first. Returns the wake_result set by the waker, or
/// -ETIMEDOUT.
long block(uint64_t deadline_ns);

/// Makes a blocked thread runnable with `result` as its block() result,
/// taking it off the timer queue (not off a futex queue: the caller does).
void wake(Thread* t, long result);

/// Ends the running thread (futex-wakes its clear_tid first); ends the VM
/// with `status` when it was the last one.
[[noreturn]] void exit_thread(int status);

/// Gives a range of pages back once the running thread no longer runs on
/// them (a detached thread unmapping its own stack before it exits).
void defer_unmap(uintptr_t lo, size_t npages);

/// Number of live threads.
size_t thread_count();

/// CPU time of the running thread and of the whole process, in ns.
uint64_t thread_cpu_ns();
uint64_t process_cpu_ns();

/// The futex wait queues (posix/futex.cc drives them).
FutexTable& futexes();

/// Timer interrupt: wakes expired sleepers and preempts a thread whose
/// slice is over.
void on_timer_interrupt();

/// Sleeps the running thread until monotonic time `deadline_ns`.
void sleep_until(uint64_t deadline_ns);

/// How deep the running thread is in the kernel, and whether a timer
/// interrupt arrived meanwhile.
extern volatile int g_kernel_depth;
extern volatile bool g_timer_pending;

/// Does the work of timer interrupts that arrived while the kernel ran.
void run_deferred_timer();

/// With interrupts off, on the way from the kernel back to app code that
/// was interrupted (or a new thread): handles a pending timer, then marks
/// the thread as out of the kernel.
void leave_to_app();

/// Brackets kernel work entered from the app. One read-modify-write
/// instruction each (an interrupt cannot split it), since this is on every
/// system call's path.
inline void kernel_enter() {
    asm volatile("incl %0" : "+m"(g_kernel_depth)::"memory");
}
inline void kernel_exit() {
    bool outermost;
    asm volatile("decl %0" : "+m"(g_kernel_depth), "=@ccz"(outermost)::"memory");
    if (outermost && g_timer_pending) [[unlikely]]
        run_deferred_timer();
}

} // namespace uk::sched
