#include "sched/sched.h"

#include <new>

#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "lib/panic.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "posix/errno.h"
#include "posix/mem.h"

extern "C" {
void uk_context_switch(uint64_t* save_rsp, uint64_t new_rsp);
void uk_thread_trampoline();
void uk_thread_first_run();
void uk_libc_note_threaded(void);
}

namespace uk::sched {

constinit volatile int g_kernel_depth = 0;
constinit volatile bool g_timer_pending = false;

namespace {

constexpr uint64_t slice_ns = 10 * 1000 * 1000;
constexpr long etimedout = 110;

using RunQueue = IntrusiveList<Thread, &Thread::run_link>;
using ZombieList = IntrusiveList<Thread, &Thread::zombie_link>;
using AllList = IntrusiveList<Thread, &Thread::all_link>;

constinit Thread g_main{};
alignas(64) constinit uint8_t g_main_fpu[4096]{};
constinit Thread* g_current = nullptr;
constinit RunQueue g_runq{};
constinit ZombieList g_zombies{};
constinit AllList g_all{};
constinit TimerQueue g_timers{};
constinit FutexTable g_futexes{};
constinit size_t g_nthreads = 1;
constinit int g_next_tid = 2;
constinit uint64_t g_exited_cpu_ns = 0;
constinit bool g_timer_ready = false;

uint64_t now_ns() {
    return arch::monotonic_ns();
}

uint64_t ns_to_tsc(uint64_t ns) {
    unsigned __int128 t = (unsigned __int128)ns * arch::tsc_hz() / 1000000000u;
    return arch::boot_tsc() + uint64_t(t);
}

void ensure_timer() {
    if (!g_timer_ready) {
        arch::lapic_init();
        g_timer_ready = true;
    }
}

// Programs the next timer interrupt: the earliest sleeper, or the end of
// the running thread's slice when another thread is waiting to run.
void rearm() {
    uint64_t deadline = g_timers.next_deadline();
    if (!g_runq.empty()) {
        uint64_t slice_end = g_current->slice_start + slice_ns;
        if (!deadline || slice_end < deadline)
            deadline = slice_end;
    }
    if (!deadline && !g_timer_ready)
        return;
    ensure_timer();
    arch::lapic_arm(deadline ? ns_to_tsc(deadline) : 0);
}

void make_runnable(Thread* t, long result) {
    t->wake_result = result;
    t->state = ThreadState::runnable;
    g_runq.push_back(t);
}

void expire_timers() {
    g_timer_pending = false;
    uint64_t now = now_ns();
    while (Waiter* w = g_timers.pop_expired(now)) {
        auto* t = static_cast<Thread*>(w->owner);
        w->deadline = 0;
        g_futexes.dequeue(w);
        if (t->state == ThreadState::blocked)
            make_runnable(t, -etimedout);
    }
}

void free_thread(Thread* t) {
    if (t->stack_pages)
        posix::unmap_pages(t->stack_lo, t->stack_pages);
    if (t == &g_main)
        return;
    g_all.remove(t);
    kheap_free(t->fpu);
    kheap_free(t);
}

void reap() {
    for (Thread* z = g_zombies.front(); z;) {
        Thread* next = ZombieList::next(z);
        if (z != g_current) {
            g_zombies.remove(z);
            free_thread(z);
        }
        z = next;
    }
}

void switch_to(Thread* next) {
    Thread* prev = g_current;
    uint64_t now = now_ns();
    prev->cpu_ns += now - prev->slice_start;
    arch::fpu_save(prev->fpu);
    prev->fs_base = arch::get_fs_base();
    g_current = next;
    next->state = ThreadState::running;
    next->slice_start = now;
    // Arm the timer for `next` now: a thread that has never run starts in
    // the trampoline, not after this call.
    rearm();
    uk_context_switch(&prev->saved_rsp, next->saved_rsp);
    // Running as `prev` again, switched back to by some other thread.
    arch::set_fs_base(g_current->fs_base);
    arch::fpu_restore(g_current->fpu);
    reap();
}

// Picks the next thread to run and switches to it; returns when the
// running thread is scheduled again (at once if it stays the best choice).
void schedule() {
    for (;;) {
        expire_timers();
        Thread* next = g_runq.pop_front();
        if (next) {
            if (g_current->state == ThreadState::running) {
                g_current->state = ThreadState::runnable;
                g_runq.push_back(g_current);
            }
            if (next != g_current) {
                switch_to(next);
            } else {
                g_current->state = ThreadState::running;
                rearm();
            }
            return;
        }
        if (g_current->state == ThreadState::running) {
            rearm();
            return;
        }
        // Nothing can run. With no timer pending, no thread can ever wake:
        // say so rather than hang.
        if (!g_timers.next_deadline()) {
            uk_printk("uk: deadlock: all %lu threads are blocked and nothing can wake them\n",
                      g_nthreads);
            panic_status(UK_EXIT_PANIC, "deadlock");
        }
        rearm();
        // Wait for the timer. The interrupt only marks itself pending (the
        // kernel is running) and the loop does the rest. Interrupts go off
        // before the last look at that mark, and `sti; hlt` turns them on
        // only once hlt has started, so one that fires in between wakes the
        // hlt instead of being lost.
        uint64_t flags;
        asm volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
        if (!g_timer_pending)
            asm volatile("sti; hlt; cli" ::: "memory");
        if (flags & 0x200)
            asm volatile("sti" ::: "memory");
    }
}

} // namespace

void init() {
    g_main.tid = 1;
    g_main.state = ThreadState::running;
    g_main.fpu = g_main_fpu;
    g_main.waiter.owner = &g_main;
    g_current = &g_main;
    g_all.push_back(&g_main);
    if (arch::g_cpu.xsave_size > sizeof(g_main_fpu))
        panic_status(UK_EXIT_PANIC, "FPU state larger than 4 KiB");
}

Thread* current() {
    return g_current;
}
FutexTable& futexes() {
    return g_futexes;
}
size_t thread_count() {
    return g_nthreads;
}

Thread* create(const arch::TrapFrame& frame, uint64_t fs_base) {
    auto* t = static_cast<Thread*>(kheap_alloc(sizeof(Thread), alignof(Thread)));
    if (!t)
        return nullptr;
    void* fpu = kheap_alloc(arch::g_cpu.xsave_size, 64);
    if (!fpu) {
        kheap_free(t);
        return nullptr;
    }
    new (t) Thread{};
    t->fpu = fpu;
    t->waiter.owner = t;
    t->tid = g_next_tid++;
    t->fs_base = fs_base;
    // The parent's FPU state as it is now (the kernel does not touch it).
    arch::fpu_save(fpu);

    // Its first stack: the frame below the new %rsp and its red zone, and
    // under it what uk_context_switch pops: six registers, RFLAGS
    // (interrupts off until the frame's own flags are loaded) and a return
    // into the trampoline.
    uintptr_t top = (frame.rsp - 128 - sizeof(arch::TrapFrame)) & ~uintptr_t(15);
    auto* f = reinterpret_cast<arch::TrapFrame*>(top);
    *f = frame;
    auto* sw = reinterpret_cast<uint64_t*>(top) - 8;
    for (int i = 0; i < 6; i++)
        sw[i] = 0;
    sw[6] = 0x2; // RFLAGS: reserved bit only
    sw[7] = reinterpret_cast<uint64_t>(uk_thread_trampoline);
    t->saved_rsp = reinterpret_cast<uint64_t>(sw);

    g_all.push_back(t);
    if (g_nthreads++ == 1)
        uk_libc_note_threaded();
    make_runnable(t, 0);
    ensure_timer();
    rearm();
    return t;
}

void yield() {
    schedule();
}

long block(uint64_t deadline_ns) {
    Thread* t = g_current;
    t->state = ThreadState::blocked;
    t->wake_result = 0;
    if (deadline_ns) {
        t->waiter.deadline = deadline_ns;
        g_timers.add(&t->waiter);
    }
    schedule();
    return t->wake_result;
}

void wake(Thread* t, long result) {
    if (t->state != ThreadState::blocked)
        return;
    g_timers.remove(&t->waiter);
    t->waiter.deadline = 0;
    make_runnable(t, result);
}

void sleep_until(uint64_t deadline_ns) {
    while (now_ns() < deadline_ns)
        block(deadline_ns);
}

void exit_thread(int status) {
    Thread* t = g_current;
    if (t->clear_tid && mm::ram_end() > reinterpret_cast<uintptr_t>(t->clear_tid)) {
        __atomic_store_n(t->clear_tid, 0, __ATOMIC_SEQ_CST);
        g_futexes.wake(
            reinterpret_cast<uintptr_t>(t->clear_tid), 1, FutexTable::bitset_any,
            [](Waiter* w, void*) { wake(static_cast<Thread*>(w->owner), 0); }, nullptr);
    }
    if (--g_nthreads == 0)
        uk_exit(status);
    t->state = ThreadState::exited;
    g_exited_cpu_ns += t->cpu_ns + (now_ns() - t->slice_start);
    g_timers.remove(&t->waiter);
    g_zombies.push_back(t);
    schedule();
    panic_status(UK_EXIT_PANIC, "an exited thread was scheduled");
}

void defer_unmap(uintptr_t lo, size_t npages) {
    g_current->stack_lo = lo;
    g_current->stack_pages = npages;
}

uint64_t thread_cpu_ns() {
    return g_current->cpu_ns + (now_ns() - g_current->slice_start);
}

uint64_t process_cpu_ns() {
    uint64_t sum = g_exited_cpu_ns + (now_ns() - g_current->slice_start);
    for (Thread* t = g_all.front(); t; t = AllList::next(t))
        if (t->state != ThreadState::exited)
            sum += t->cpu_ns;
    return sum;
}

void leave_to_app() {
    // Interrupts are off here: a timer that fired while this thread ran in
    // the kernel (or while it was switched out) is handled before app code
    // runs, or the one-shot timer would never come again.
    while (g_timer_pending)
        on_timer_interrupt();
    g_kernel_depth = 0;
}

void run_deferred_timer() {
    // One may fire again while this runs (interrupts may be on): it then
    // marks itself pending once more, and the loop takes it.
    do {
        g_kernel_depth = 1;
        on_timer_interrupt();
        g_kernel_depth = 0;
    } while (g_timer_pending);
}

void on_timer_interrupt() {
    expire_timers();
    Thread* t = g_current;
    if (t->state == ThreadState::running && !g_runq.empty() &&
        now_ns() - t->slice_start >= slice_ns) {
        schedule();
        return;
    }
    rearm();
}

} // namespace uk::sched

/// First code of a new thread after its first switch-in, before it returns
/// into its registers: load its own FPU state and thread pointer.
extern "C" void uk_thread_first_run() {
    using namespace uk::sched;
    Thread* t = current();
    uk::arch::set_fs_base(t->fs_base);
    uk::arch::fpu_restore(t->fpu);
    leave_to_app(); // it starts in app code
}

/// Interrupts other than CPU exceptions, on the interrupted thread's stack.
extern "C" void uk_irq(uk::arch::TrapFrame* f) {
    using namespace uk::sched;
    if (f->vector == uk::arch::spurious_vector)
        return;
    uk::arch::lapic_eoi();
    if (f->vector != uk::arch::timer_vector)
        return;
    if (g_kernel_depth) {
        g_timer_pending = true;
        return;
    }
    // Interrupted app code: the timer's work may switch threads; this one
    // goes back to its app code when it is switched back in.
    g_kernel_depth = 1;
    on_timer_interrupt();
    leave_to_app();
}
