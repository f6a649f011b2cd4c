#include "sched/sched.h"

#include <new>

#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "lib/panic.h"
#include "mm/kheap.h"
#include "mm/kstack.h"
#include "mm/mm.h"
#include "mm/user.h"
#include "mm/uvm.h"
#include "sched/signal.h"
#include "sched/timers.h"

extern "C" {
void uk_context_switch(uint64_t* save_rsp, uint64_t new_rsp);
void uk_thread_trampoline();
void uk_libc_note_threaded(void);
extern char uk_boot_stack_top[];
}

constinit volatile int uk_kernel_depth = 1; // the boot path is kernel code
constinit volatile uint32_t uk_exit_work = 0;
constinit uint64_t uk_kstack_top = 0;

namespace uk::sched {

constinit Thread* g_current = nullptr;
constinit volatile bool g_halted = false;
constinit uint64_t g_idle_ns = 0;
constinit SysClock g_sys_clock{};

namespace {

constexpr uint64_t slice_ns = 10 * 1000 * 1000;
constexpr long etimedout = 110;

using RunQueue = IntrusiveList<Thread, &Thread::run_link>;
using ZombieList = IntrusiveList<Thread, &Thread::zombie_link>;
using AllList = IntrusiveList<Thread, &Thread::all_link>;

constinit Thread g_main{};
alignas(64) constinit uint8_t g_main_fpu[4096]{};

constinit RunQueue g_runq{};
constinit ZombieList g_zombies{};
constinit AllList g_all{};
constinit TimerQueue g_timers{};
constinit FutexTable g_futexes{};
constinit size_t g_nthreads = 1;
constinit int g_next_tid = 2;
constinit uint64_t g_exited_cpu_ns = 0;
constinit uint64_t g_exited_sys_ticks = 0;
constinit uint64_t g_exited_nvcsw = 0, g_exited_nivcsw = 0;

// The running thread's system time so far, in TSC ticks.
uint64_t current_sys_ticks() {
    return g_current->sys_ticks + (g_sys_clock.since ? arch::rdtsc() - g_sys_clock.since : 0);
}
constinit bool g_timer_ready = false;
// Set once any thread gives itself a GS base: from then on switches carry
// it (a MSR access each, which most programs never need).
constinit bool g_gs_used = false;
// What may still wake a blocked thread besides a timer.
constinit IntrusiveList<WakeSource, &WakeSource::link> g_wake_sources{};
constinit IntrusiveList<IdleHook, &IdleHook::link> g_idle_hooks{};
constinit size_t g_device_waits = 0;

bool device_may_wake() {
    if (g_device_waits)
        return true;
    for (WakeSource* s = g_wake_sources.front(); s; s = decltype(g_wake_sources)::next(s))
        if (s->may_wake(s))
            return true;
    return false;
}

// Runs the device handlers recorded since the last time: they may make
// threads runnable. With interrupts off, as handlers expect (a direct
// system call runs with them on): the I/O APIC's index-then-data registers
// must not be interleaved with an interrupt's own access.
void run_irqs() {
    uint64_t flags;
    asm volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
    exit_work_clear(exit_work_irq);
    arch::irq_run_pending();
    if (flags & 0x200)
        asm volatile("sti" ::: "memory");
}

uint64_t now_ns() {
    return arch::monotonic_ns();
}

// The TSC value at monotonic time `ns`, saturating rather than wrapping for
// far deadlines on a fast clock.
uint64_t ns_to_tsc(uint64_t ns) {
    unsigned __int128 tsc = (unsigned __int128)arch::ns_to_ticks(ns) + arch::boot_tsc();
    return tsc > ~uint64_t(0) ? ~uint64_t(0) : uint64_t(tsc);
}

// The deadline the LAPIC timer holds (0: none, or it has fired). Arming
// costs a VM exit: a later deadline than the one programmed is left to the
// earlier interrupt (whose work re-arms), and none at all leaves the old one
// to fire for nothing once. Only an earlier deadline is programmed.
constinit uint64_t g_programmed = 0;

// QEMU's TCG keeps the TLB in software and resizes it only when the guest
// flushes it whole (a CR3 write): a flush that finds more than 70% of its
// entries filled doubles it, one that finds under 30% filled over 100 ms
// shrinks it. This kernel all but never reloads CR3, so the TLB kept the
// 256 entries it starts with, and an app whose working set spans more
// pages missed on most of its loads (random loads over 16 MiB ran 9x
// slower, CPython's json loop 1.5x). So under TCG the kernel flushes the
// TLB every g_tlb_flush_ns while app code keeps the CPU busy: frequent
// samples let QEMU see the fill the working set reaches. A flush costs a
// refill of what the app uses, so there is none after a period the CPU
// spent mostly idle (a thread answering a request now and then keeps its
// TLB), and the timer stops once a period passes with next to nothing run
// (an idle guest is not woken for it, and a deadlock is still seen).
constinit uint64_t g_tlb_flush_ns = 5'000'000;
constinit bool g_tlb_sizing = false;
constinit Waiter g_tlb_timer{};
constinit uint64_t g_tlb_period_start = 0;
constinit uint64_t g_tlb_period_idle = 0; // g_idle_ns then

// Not during boot and the first moments of the app: a refill costs as much
// there as anywhere, and a short-lived app gains nothing from a larger TLB.
constexpr uint64_t tlb_first_flush_ns = 50'000'000;

void start_tlb_timer(uint64_t delay_ns) {
    g_tlb_period_start = now_ns();
    g_tlb_period_idle = g_idle_ns;
    g_tlb_timer.deadline = g_tlb_period_start + delay_ns;
    add_timer(&g_tlb_timer);
}

void on_tlb_timer(Waiter*) {
    uint64_t span = now_ns() - g_tlb_period_start;
    uint64_t idle = g_idle_ns - g_tlb_period_idle;
    uint64_t busy = idle < span ? span - idle : 0;
    // The kernel's own steps between halts are not idle, but not work.
    if (busy < span / 32)
        return; // schedule() starts the timer again with the next thread
    if (busy >= span / 4 * 3)
        arch::flush_tlb();
    start_tlb_timer(g_tlb_flush_ns);
}

void program(uint64_t tsc) {
    if (tsc && g_programmed && tsc >= g_programmed)
        return;
    if (!tsc)
        return;
    g_programmed = tsc;
    arch::lapic_arm(tsc);
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
    if (!deadline)
        return;
    ensure_timer();
    program(ns_to_tsc(deadline));
}

void make_runnable(Thread* t, long result) {
    t->wake_result = result;
    t->state = ThreadState::runnable;
    bool was_alone = g_runq.empty();
    g_runq.push_back(t);
    // The running thread's slice was not timed while nothing else could
    // run: time it now, or a thread that spins would keep the CPU.
    if (was_alone && g_current && g_current->state == ThreadState::running)
        rearm();
}

void expire_timers() {
    // Taking the interrupt's mark (one instruction, which an interrupt
    // cannot split) says whether the programmed deadline has fired.
    bool fired;
    asm volatile("btrl $0, %0" : "+m"(uk_exit_work), "=@ccc"(fired)::"memory");
    static_assert(exit_work_timer == 1, "btrl $0 takes the timer bit");
    if (fired)
        g_programmed = 0;
    uint64_t now = now_ns();
    while (Waiter* w = g_timers.pop_expired(now)) {
        w->deadline = 0;
        if (w->expire) {
            w->expire(w);
            continue;
        }
        auto* t = static_cast<Thread*>(w->owner);
        g_futexes.dequeue(w);
        if (t->state == ThreadState::blocked)
            make_runnable(t, -etimedout);
    }
}

void free_thread(Thread* t) {
    if (t->unmap_len)
        mm::uvm::unmap(t->unmap_lo, t->unmap_len);
    mm::kstack_free(t->kstack_top);
    signal::discard_thread(t);
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
    uint64_t tsc = arch::rdtsc();
    prev->in_sys = g_sys_clock.since != 0;
    if (prev->in_sys)
        prev->sys_ticks += tsc - g_sys_clock.since;
    g_sys_clock.since = next->in_sys ? tsc : 0;
    if (prev->state == ThreadState::runnable)
        prev->nivcsw++;
    arch::fpu_save(prev->fpu);
    prev->fs_base = arch::get_fs_base();
    if (g_gs_used)
        prev->gs_base = arch::get_gs_base();
    g_current = next;
    next->state = ThreadState::running;
    next->slice_start = now;
    uk_kstack_top = next->kstack_top;
    set_signal_work(next, next->signal_work);
    // Arm the timer for `next` now: a thread that has never run starts in
    // the trampoline, not after this call.
    rearm();
    uk_context_switch(&prev->saved_rsp, next->saved_rsp);
    // Running as `prev` again, switched back to by some other thread.
    arch::set_fs_base(g_current->fs_base);
    if (g_gs_used)
        arch::set_gs_base(g_current->gs_base);
    arch::fpu_restore(g_current->fpu);
    reap();
}

// Halts until an interrupt has marked timer or device work pending, then
// restores the interrupt flag of `flags`. Interrupts go off before the last
// look at that mark, and `sti; hlt` turns them on only once hlt has
// started, so one that fires in between wakes the hlt instead of being lost.
void halt_for_work(uint64_t flags) {
    asm volatile("cli" ::: "memory");
    for (IdleHook* h = g_idle_hooks.front(); h; h = decltype(g_idle_hooks)::next(h))
        h->before_halt(h);
    if (!(uk_exit_work & (exit_work_timer | exit_work_irq))) {
        g_halted = true;
        uint64_t t0 = arch::rdtsc();
        asm volatile("sti; hlt; cli" ::: "memory");
        // The blocked thread's slice, and its system time, leave the halt
        // out.
        uint64_t t1 = arch::rdtsc(), boot = arch::boot_tsc();
        uint64_t idle_ns = arch::ticks_to_ns(t1 - boot) - arch::ticks_to_ns(t0 - boot);
        g_current->slice_start += idle_ns; // as now_ns() counts
        if (g_sys_clock.since)
            g_sys_clock.since += t1 - t0;
        g_idle_ns += idle_ns;
        g_halted = false;
    }
    if (flags & 0x200)
        asm volatile("sti" ::: "memory");
}

// Picks the next thread to run and switches to it; returns when the
// running thread is scheduled again (at once if it stays the best choice).
void schedule() {
    // A blocked thread gives up the CPU once a call (a voluntary switch),
    // to another thread or to the halt.
    bool gave_up = false;
    auto give_up = [&gave_up] {
        if (!gave_up && g_current->state == ThreadState::blocked)
            g_current->nvcsw++;
        gave_up = true;
    };
    for (;;) {
        if (uk_exit_work & exit_work_irq)
            run_irqs();
        expire_timers();
        Thread* next = g_runq.pop_front();
        if (g_tlb_sizing && !g_tlb_timer.deadline &&
            (next || g_current->state == ThreadState::running))
            start_tlb_timer(g_tlb_flush_ns);
        if (next) {
            if (g_current->state == ThreadState::running) {
                g_current->state = ThreadState::runnable;
                g_runq.push_back(g_current);
            }
            if (next != g_current) {
                give_up();
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
        // Nothing can run. With no timer pending and no device that may
        // still answer, no thread can ever wake: say so rather than hang.
        if (!g_timers.next_deadline() && !device_may_wake()) {
            uk_printk("uk: deadlock: all %lu threads are blocked and nothing can wake them\n",
                      g_nthreads);
            panic_status(UK_EXIT_PANIC, "deadlock");
        }
        rearm();
        // Wait for the timer or a device. The interrupt only marks itself
        // pending (the kernel is running) and the loop does the rest.
        uint64_t flags;
        asm volatile("pushfq; pop %0" : "=r"(flags)::"memory");
        give_up();
        halt_for_work(flags);
    }
}

// A new thread's fresh FPU/SIMD area. XSAVE leaves parts of the area's
// header alone that XRSTOR checks, so the area starts zeroed, not with
// whatever the heap held.
void* alloc_fpu_area() {
    void* fpu = kheap_alloc(arch::g_cpu.xsave_size, 64);
    if (fpu)
        __builtin_memset(fpu, 0, arch::g_cpu.xsave_size);
    return fpu;
}

} // namespace

bool init() {
    g_main.tid = 1;
    g_main.state = ThreadState::running;
    g_main.fpu = g_main_fpu;
    g_main.waiter.owner = &g_main;
    // The boot stack, which nothing uses once the app runs, under its own
    // guard page (entry.S): no allocation on the boot path. Once the main
    // thread is gone it serves the next thread like any other.
    static_assert(mm::kstack_size == 16384, "the size of entry.S's boot stack");
    g_main.kstack_top = reinterpret_cast<uintptr_t>(uk_boot_stack_top);
    uk_kstack_top = g_main.kstack_top;
    g_current = &g_main;
    g_all.push_back(&g_main);
    if (arch::g_cpu.xsave_size > sizeof(g_main_fpu))
        panic_status(UK_EXIT_PANIC, "FPU state larger than 4 KiB");
    g_tlb_sizing = arch::g_cpu.tcg && g_tlb_flush_ns;
    g_tlb_timer.expire = on_tlb_timer;
    if (g_tlb_sizing)
        start_tlb_timer(g_tlb_flush_ns > tlb_first_flush_ns ? g_tlb_flush_ns : tlb_first_flush_ns);
    return true;
}

void set_tlb_flush_ms(uint64_t ms) {
    g_tlb_flush_ns = ms * 1000000;
}

Thread* find(int tid) {
    for (Thread* t = g_all.front(); t; t = AllList::next(t))
        if (t->tid == tid && t->state != ThreadState::exited)
            return t;
    return nullptr;
}

Thread* next_thread(Thread* t) {
    t = t ? AllList::next(t) : g_all.front();
    while (t && t->state == ThreadState::exited)
        t = AllList::next(t);
    return t;
}

FutexTable& futexes() {
    return g_futexes;
}
size_t thread_count() {
    return g_nthreads;
}

size_t max_threads() {
    // Linux: one thread per eight 16 KiB kernel stacks' worth of memory.
    size_t n = mm::total_page_count() / 32;
    return n < 20 ? 20 : n;
}

Thread* create(const arch::TrapFrame& frame, uint64_t fs_base) {
    if (g_nthreads >= max_threads())
        return nullptr;
    auto* t = static_cast<Thread*>(kheap_alloc(sizeof(Thread), alignof(Thread)));
    if (!t)
        return nullptr;
    void* fpu = alloc_fpu_area();
    uintptr_t kstack = fpu ? mm::kstack_alloc() : 0;
    if (!kstack) {
        kheap_free(fpu);
        kheap_free(t);
        return nullptr;
    }
    new (t) Thread{};
    t->fpu = fpu;
    t->waiter.owner = t;
    t->tid = g_next_tid++;
    t->fs_base = fs_base;
    t->gs_base = g_gs_used ? arch::get_gs_base() : 0;
    t->kstack_top = kstack;
    t->blocked = g_current->blocked;
    __builtin_memcpy(t->comm, g_current->comm, sizeof(t->comm));
    t->altstack = AltStack{0, ss_disable, 0, 0}; // Linux: clone with CLONE_VM clears it
    // The parent's FPU state as it is now (the kernel does not touch it).
    arch::fpu_save(fpu);

    // Its kernel stack: the frame it returns to app code with, and under it
    // what uk_context_switch pops: six registers, RFLAGS (interrupts off
    // until the frame's own flags are loaded) and a return into the
    // trampoline.
    auto* f = reinterpret_cast<arch::TrapFrame*>(kstack - sizeof(arch::TrapFrame));
    *f = frame;
    f->vector = arch::vector_none;
    auto* sw = reinterpret_cast<uint64_t*>(f) - 8;
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
    return block(deadline_ns, Signals::interrupt);
}

long block(uint64_t deadline_ns, Signals signals) {
    Thread* t = g_current;
    if (signals == Signals::interrupt && signal::has_deliverable(t)) {
        set_signal_work(t, true);
        return interrupted;
    }
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

void add_wake_source(WakeSource* s) {
    g_wake_sources.push_back(s);
}

void add_idle_hook(IdleHook* h) {
    g_idle_hooks.push_back(h);
}

void device_wait_begin() {
    g_device_waits++;
}

void device_wait_end() {
    g_device_waits--;
}

void add_timer(Waiter* w) {
    g_timers.remove(w);
    g_timers.add(w);
    ensure_timer();
    rearm();
}

void remove_timer(Waiter* w) {
    g_timers.remove(w);
    w->deadline = 0;
}

long sleep_until(uint64_t deadline_ns) {
    while (now_ns() < deadline_ns)
        if (block(deadline_ns) == interrupted)
            return interrupted;
    return 0;
}

void run_kernel_until(bool (*done)(), uint64_t deadline_ns) {
    // Device interrupts only record their work while the kernel runs.
    int depth = uk_kernel_depth;
    uk_kernel_depth = depth + 1;
    Waiter stop{};
    stop.expire = [](Waiter*) {};
    stop.deadline = deadline_ns;
    g_timers.add(&stop);
    uint64_t flags;
    asm volatile("pushfq; pop %0" : "=r"(flags)::"memory");
    for (;;) {
        if (uk_exit_work & exit_work_irq)
            run_irqs();
        exit_work_clear(exit_work_timer);
        g_programmed = 0;
        expire_timers();
        if (done() || now_ns() >= deadline_ns)
            break;
        if (uint64_t next = g_timers.next_deadline()) {
            ensure_timer();
            program(ns_to_tsc(next));
        }
        halt_for_work(flags);
    }
    g_timers.remove(&stop);
    uk_kernel_depth = depth;
}

void exit_thread(int status) {
    Thread* t = g_current;
    if (t->clear_tid) {
        // As on Linux, a bad address here is no error: the store is skipped.
        mm::UserPtr<uint32_t> tid(t->clear_tid);
        if (tid.store_atomic(0) == 0)
            g_futexes.wake(
                t->clear_tid, 1, FutexTable::bitset_any,
                [](Waiter* w, void*) { wake(static_cast<Thread*>(w->owner), 0); }, nullptr);
    }
    if (--g_nthreads == 0)
        uk_exit(status);
    timers::thread_exited(t);
    t->state = ThreadState::exited;
    g_exited_cpu_ns += t->cpu_ns + (now_ns() - t->slice_start);
    g_exited_sys_ticks += current_sys_ticks();
    g_exited_nvcsw += t->nvcsw;
    g_exited_nivcsw += t->nivcsw;
    g_timers.remove(&t->waiter);
    g_zombies.push_back(t);
    schedule();
    panic_status(UK_EXIT_PANIC, "an exited thread was scheduled");
}

void defer_unmap(uintptr_t lo, size_t len) {
    g_current->unmap_lo = lo;
    g_current->unmap_len = len;
}

uint64_t thread_cpu_ns() {
    return g_current->cpu_ns + (now_ns() - g_current->slice_start);
}

uint64_t cpu_ns_of(const Thread* t) {
    return t->cpu_ns + (t == g_current ? now_ns() - t->slice_start : 0);
}

uint64_t process_cpu_ns() {
    uint64_t sum = g_exited_cpu_ns + (now_ns() - g_current->slice_start);
    for (Thread* t = g_all.front(); t; t = AllList::next(t))
        if (t->state != ThreadState::exited)
            sum += t->cpu_ns;
    return sum;
}

uint64_t thread_sys_ns() {
    uint64_t ns = arch::ticks_to_ns(current_sys_ticks());
    uint64_t all = thread_cpu_ns();
    return ns < all ? ns : all;
}

uint64_t process_sys_ns() {
    uint64_t ticks = g_exited_sys_ticks + current_sys_ticks();
    for (Thread* t = g_all.front(); t; t = AllList::next(t))
        if (t != g_current && t->state != ThreadState::exited)
            ticks += t->sys_ticks;
    uint64_t ns = arch::ticks_to_ns(ticks);
    uint64_t all = process_cpu_ns();
    return ns < all ? ns : all;
}

void context_switches(bool process, uint64_t* voluntary, uint64_t* involuntary) {
    *voluntary = g_current->nvcsw;
    *involuntary = g_current->nivcsw;
    if (!process)
        return;
    *voluntary += g_exited_nvcsw;
    *involuntary += g_exited_nivcsw;
    for (Thread* t = g_all.front(); t; t = AllList::next(t)) {
        if (t != g_current && t->state != ThreadState::exited) {
            *voluntary += t->nvcsw;
            *involuntary += t->nivcsw;
        }
    }
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

void set_signal_work(Thread* t, bool work) {
    t->signal_work = work;
    if (t == g_current) {
        if (work)
            exit_work_set(exit_work_signal);
        else
            exit_work_clear(exit_work_signal);
    }
}

void note_gs_used() {
    g_gs_used = true;
}

void return_to_app_slow(arch::TrapFrame* frame) {
    // Interrupts are off. A timer that fired while this thread ran in the
    // kernel (or while it was switched out) is handled before app code
    // runs, or the one-shot timer would never come again; then the
    // thread's signals, which may in turn leave more work.
    uk_kernel_depth = 1;
    bool opened = sys_enter();
    while (uint32_t work = uk_exit_work) {
        if (work & exit_work_irq)
            run_irqs();
        else if (work & exit_work_timer)
            on_timer_interrupt();
        else
            signal::deliver(frame);
    }
    sys_leave(opened);
    // A system call a signal interrupted but no handler took is made again.
    if (arch::is_syscall_frame(*frame))
        arch::finish_syscall(*frame, false, false, g_current->restart);
    uk_kernel_depth = 0;
}

} // namespace uk::sched

/// First code of a new thread after its first switch-in, before it returns
/// into its registers (`frame`): its own FPU state and thread pointer.
extern "C" void uk_thread_first_run(uk::arch::TrapFrame* frame) {
    using namespace uk::sched;
    Thread* t = g_current;
    uk::arch::set_fs_base(t->fs_base);
    if (g_gs_used)
        uk::arch::set_gs_base(t->gs_base);
    uk::arch::fpu_restore(t->fpu);
    reap();
    return_to_app(frame);
}
