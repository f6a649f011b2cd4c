// Threads and the preemptive scheduler: one vCPU, round robin, a tickless
// LAPIC timer for time slices and deadlines, `hlt` when nothing runs.
//
// The kernel is not preemptible. System calls from C run with interrupts
// on for speed (cli/sti are expensive under emulation), but while any
// kernel code runs (uk_kernel_depth > 0) an interrupt only records what
// it found in uk_exit_work, and the way back to app code does that work:
// timer expiry and preemption, then the thread's signals. The other entries
// (the syscall trap, interrupts, faults) run with interrupts off. App code
// runs with interrupts on and is preempted when its slice ends.
//
// Every thread has a kernel stack of its own (mm/kstack.h): interrupts,
// faults and trapped system calls run there, never on the app's stack.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/list.h"
#include "lib/signal_abi.h"
#include "sched/wait.h"

extern "C" {
/// How deep the running thread is in the kernel (0: in app code).
extern volatile int uk_kernel_depth;
/// Work for the way back to app code (uk_exit_work_* bits).
extern volatile uint32_t uk_exit_work;
/// Top of the running thread's kernel stack, for the assembly entries.
extern uint64_t uk_kstack_top;
}

namespace uk::sched {

/// uk_exit_work bits: a timer interrupt came while the kernel ran; the
/// running thread has a signal to take; a device interrupt was recorded and
/// its handler has to run (arch/x86_64/irq.h).
inline constexpr uint32_t exit_work_timer = 1, exit_work_signal = 2, exit_work_irq = 4;

enum class ThreadState : uint8_t { running, runnable, blocked, exited };

/// A signal pending with its information (sched/signal.cc queues these).
struct QueuedSignal {
    ListNode<QueuedSignal> link;
    Siginfo info;
};
using SignalQueue = IntrusiveList<QueuedSignal, &QueuedSignal::link>;

/// Signals pending for a thread or for the process.
struct SigPending {
    SigSet set = 0;
    SignalQueue queue;
};

struct Thread {
    Waiter waiter;
    ListNode<Thread> run_link;
    ListNode<Thread> zombie_link;
    ListNode<Thread> all_link;
    uint64_t saved_rsp = 0;  // while switched out
    uint64_t kstack_top = 0; // its kernel stack (mm/kstack.h)
    uint64_t fs_base = 0;
    uint64_t gs_base = 0;
    void* fpu = nullptr; // FPU/SIMD state while switched out
    int tid = 0;
    ThreadState state = ThreadState::runnable;
    long wake_result = 0;     // what block() returns
    uintptr_t clear_tid = 0;  // the app's address: CLONE_CHILD_CLEARTID / set_tid_address
    uint64_t cpu_ns = 0;      // run time before the current slice
    uint64_t slice_start = 0; // monotonic ns when it last started running
    uint64_t sys_ticks = 0;   // system time (SysClock) in closed periods
    bool in_sys = false;      // switched out inside a period of system time
    uint64_t nvcsw = 0;       // switched out blocked (voluntary)
    uint64_t nivcsw = 0;      // switched out still runnable (preempted)
    uintptr_t unmap_lo = 0;   // its own stack, to unmap once it stops running on it
    size_t unmap_len = 0;
    arch::TrapFrame* syscall_frame =
        nullptr;                  // its registers in a system call from an assembly entry
    arch::SyscallRestart restart; // the direct entry's call, to make it again

    // Signals (sched/signal.h).
    SigSet blocked = 0;
    SigSet saved_blocked = 0; // restored on the way out (rt_sigsuspend)
    bool restore_blocked = false;
    SigSet waiting = 0;       // rt_sigtimedwait's set while it waits
    bool signal_work = false; // a signal it does not block is pending
    SigPending pending;
    AltStack altstack{0, ss_disable, 0, 0};

    /// Its name (prctl PR_SET_NAME, /proc/<pid>/task/<tid>/comm): at most
    /// 15 bytes and a NUL, inherited from the thread that created it.
    char comm[16] = {};
};

/// What block() returns when a signal interrupted the wait.
inline constexpr long interrupted = -4; // -EINTR

/// Sets up the boot thread (the app's main thread) as the running thread.
/// Returns false when its kernel stack cannot be allocated.
bool init();

/// uk.tlb_flush_ms: under QEMU's TCG, how often the kernel flushes the TLB
/// while app code keeps the CPU busy, so that QEMU sizes its software TLB
/// to the app's working set (sched.cc). 0: never. Before init().
void set_tlb_flush_ms(uint64_t ms);

/// The running thread.
extern Thread* g_current;

/// True while the scheduler halts the CPU because nothing can run.
extern volatile bool g_halted;
/// Nanoseconds the CPU has spent halted since boot.
extern uint64_t g_idle_ns;

inline Thread* current() {
    return g_current;
}

/// Finds a live thread by id; nullptr when there is none.
Thread* find(int tid);

/// Iterates over the live threads: next_thread(nullptr) is the first, then
/// nullptr after the last.
Thread* next_thread(Thread* t);

/// Creates a thread that starts in app code with the registers in `frame`
/// (its rsp and rip included) and the given FS base, sharing everything
/// else; it inherits the running thread's signal mask. Returns nullptr when
/// memory is short or the thread limit is reached.
Thread* create(const arch::TrapFrame& frame, uint64_t fs_base);

/// The most threads there may be at once (RLIMIT_NPROC's answer), from the
/// size of memory as Linux computes threads-max.
size_t max_threads();

/// Makes the running thread give up the CPU to the next runnable one.
void yield();

/// Blocks the running thread until wake() or, when deadline_ns is non-zero,
/// the monotonic clock reaching it. The caller queues the thread wherever it
/// waits (its waiter) first. Returns the wake_result set by the waker,
/// -ETIMEDOUT, or `interrupted` (at once if a signal is already pending).
long block(uint64_t deadline_ns);

/// Whether a signal ends a wait (block()'s result is then `interrupted`).
/// A wait on a device that owns the caller's memory until it answers cannot
/// be abandoned: it takes signals only once it is over.
enum class Signals : uint8_t { interrupt, defer };

/// block() for a wait that a signal must not end.
long block(uint64_t deadline_ns, Signals signals);

/// Something outside the CPU that may still wake a blocked thread: a device
/// with a reader waiting for its input. While one answers true, "every
/// thread is blocked and no timer is pending" is not a deadlock: the idle
/// loop waits for the device's interrupt instead of reporting one.
struct WakeSource {
    ListNode<WakeSource> link;
    bool (*may_wake)(WakeSource* self);
};

/// Registers a wake source for the life of the kernel.
void add_wake_source(WakeSource* s);

/// Work a driver leaves for when the CPU has nothing to run: called, with
/// interrupts off, each time before it halts.
struct IdleHook {
    ListNode<IdleHook> link;
    void (*before_halt)(IdleHook* self);
};

/// Registers an idle hook for the life of the kernel.
void add_idle_hook(IdleHook* h);

/// Counts a thread waiting for a device's answer (a request in flight)
/// between begin and end, as a wake source that is always busy.
void device_wait_begin();
void device_wait_end();

/// Makes a blocked thread runnable with `result` as its block() result,
/// taking it off the timer queue (not off a futex queue: the caller does).
void wake(Thread* t, long result);

/// Ends the running thread (clears and futex-wakes its clear_tid first);
/// ends the VM with `status` when it was the last one.
[[noreturn]] void exit_thread(int status);

/// Asks for [lo, lo + len) (the running thread's own stack) to be unmapped
/// once the thread no longer runs on it.
void defer_unmap(uintptr_t lo, size_t len);

/// Number of live threads.
size_t thread_count();

/// CPU time of the running thread, of thread t and of the whole process,
/// in ns. Time halted with nothing to run is nobody's.
uint64_t thread_cpu_ns();
uint64_t cpu_ns_of(const Thread* t);
uint64_t process_cpu_ns();

/// System time (getrusage's ru_stime): the running thread's time in system
/// calls and in the kernel's work on its way back to app code, in TSC
/// ticks (Thread::sys_ticks). `since` is the TSC at the start of the open
/// period, 0 when none is open; switch_to closes it for the thread it
/// leaves and opens it again for one that was switched out inside one.
struct SysClock {
    uint64_t since;
};
extern SysClock g_sys_clock;

/// Opens a period of system time unless one is open; says whether it did.
[[gnu::always_inline]] inline bool sys_enter() {
    if (g_sys_clock.since)
        return false;
    g_sys_clock.since = arch::rdtsc();
    return true;
}

/// Closes the period sys_enter opened (`opened`).
[[gnu::always_inline]] inline void sys_leave(bool opened) {
    if (opened) {
        g_current->sys_ticks += arch::rdtsc() - g_sys_clock.since;
        g_sys_clock.since = 0;
    }
}

/// The part of thread_cpu_ns() and process_cpu_ns() that was system time,
/// in ns (never more than those).
uint64_t thread_sys_ns();
uint64_t process_sys_ns();

/// Context switches away from the running thread, or with `process` from
/// every thread the process had: while blocked (voluntary) and preempted.
void context_switches(bool process, uint64_t* voluntary, uint64_t* involuntary);

/// The futex wait queues (posix/thread.cc drives them).
FutexTable& futexes();

/// Queues a timer (a Waiter with `expire` set) for its deadline; removes it.
void add_timer(Waiter* w);
void remove_timer(Waiter* w);

/// Sleeps the running thread until monotonic time `deadline_ns`. Returns 0,
/// or `interrupted` when a signal came first.
long sleep_until(uint64_t deadline_ns);

/// Runs only the kernel's own work (device interrupts, expiring timers),
/// halting in between, until done() returns true or the monotonic clock
/// reaches deadline_ns; no thread runs meanwhile. For work the kernel
/// finishes after the app has exited (sending what sockets still hold).
void run_kernel_until(bool (*done)(), uint64_t deadline_ns);

/// Interrupts, outside the kernel: the timer's work (expiry, preemption).
void on_timer_interrupt();

/// From the first ARCH_SET_GS on, thread switches carry the GS base.
void note_gs_used();

/// Sets thread t's signal-work flag (and the exit-work bit when it runs).
void set_signal_work(Thread* t, bool work);

/// return_to_app's work when there is some.
void return_to_app_slow(arch::TrapFrame* frame);

/// On the way from the kernel back to app code, with interrupts off: does
/// the pending exit work (timer, signals onto `frame`, restarting a system
/// call a signal interrupted) and marks the thread as out of the kernel.
/// Inline: on a system call's way out there is usually nothing to do.
inline void return_to_app(arch::TrapFrame* frame) {
    if (uk_exit_work || arch::is_restart_code(long(frame->rax))) [[unlikely]]
        return_to_app_slow(frame);
    else
        uk_kernel_depth = 0;
}

/// Sets and clears uk_exit_work bits: one read-modify-write instruction
/// each, which an interrupt cannot split.
inline void exit_work_set(uint32_t bits) {
    asm volatile("orl %1, %0" : "+m"(uk_exit_work) : "ir"(bits) : "memory");
}
inline void exit_work_clear(uint32_t bits) {
    asm volatile("andl %1, %0" : "+m"(uk_exit_work) : "ir"(~bits) : "memory");
}

} // namespace uk::sched
