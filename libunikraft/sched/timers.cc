#include "sched/timers.h"

#include <new>

#include "arch/x86_64/time.h"
#include "lib/list.h"
#include "mm/kheap.h"
#include "sched/sched.h"
#include "sched/signal.h"

namespace uk::sched::timers {

namespace {

constexpr long eagain = 11, einval = 22;
constexpr size_t max_timers = 1024;

struct Timer {
    Waiter waiter;
    Clock clock = Clock::monotonic;
    Thread* clock_thread = nullptr;
    Notify notify{};
    int id = -1;
    int itimer = -1;       // 0..2 for the interval timers
    bool wall = false;     // absolute times are on the wall clock
    uint64_t deadline = 0; // on its clock, ns; 0 when disarmed
    uint64_t interval = 0;
    int overrun = 0;      // expiries since its signal was queued
    int overrun_last = 0; // what timer_getoverrun reports
    bool pending = false; // its signal is queued and not yet taken
};

constinit Timer* g_timers[max_timers]{};
constinit Timer g_itimers[3]{};

uint64_t clock_now(const Timer* t) {
    switch (t->clock) {
    case Clock::process_cpu:
        return process_cpu_ns();
    case Clock::thread_cpu:
        return t->clock_thread ? cpu_ns_of(t->clock_thread) : 0;
    default:
        return arch::monotonic_ns();
    }
}

Timer* of(Waiter* w) {
    return UK_OWNER_OF(w, Timer, waiter);
}

// Queues the timer on the scheduler for its deadline. On a CPU-time clock
// the wall-clock wait is the CPU time left: at least that long passes
// before the clock gets there; expiry checks again.
void arm(Timer* t) {
    uint64_t now = clock_now(t);
    uint64_t wait = t->deadline > now ? t->deadline - now : 0;
    uint64_t mono = arch::monotonic_ns();
    t->waiter.deadline = mono + (wait ? wait : 1);
    add_timer(&t->waiter);
}

void disarm(Timer* t) {
    remove_timer(&t->waiter);
    t->deadline = 0;
}

void notify(Timer* t) {
    if (t->itimer >= 0) {
        static constexpr int sigs[3] = {sigalrm, sigvtalrm, sigprof};
        Siginfo si{};
        si.signo = sigs[t->itimer];
        si.code = si_kernel;
        (void)signal::send(si.signo, si, nullptr);
        return;
    }
    if (!t->notify.signo)
        return; // SIGEV_NONE
    if (t->pending) {
        t->overrun++;
        return;
    }
    Siginfo si{};
    si.signo = t->notify.signo;
    si.code = si_timer;
    si.timer.tid = t->id;
    si.timer.value = t->notify.value;
    t->overrun = 0;
    t->pending = signal::send_queued(si.signo, si, t->notify.thread);
}

void expire(Waiter* w) {
    Timer* t = of(w);
    if (!t->deadline)
        return;
    uint64_t now = clock_now(t);
    if (now < t->deadline) {
        arm(t); // a CPU-time clock that has not got there yet
        return;
    }
    notify(t);
    if (!t->interval) {
        t->deadline = 0;
        return;
    }
    // Periods missed while the signal waited count as overruns, as on Linux.
    uint64_t missed = (now - t->deadline) / t->interval;
    t->deadline += (missed + 1) * t->interval;
    if (t->itimer < 0 && t->notify.signo)
        t->overrun += int(missed > 0x7fffffff ? 0x7fffffff : missed);
    arm(t);
}

Setting current(const Timer* t) {
    if (!t->deadline)
        return Setting{0, t->interval};
    uint64_t now = clock_now(t);
    // Time left rounds up: an armed timer never reads as zero.
    return Setting{t->deadline > now ? t->deadline - now : 1, t->interval};
}

void set(Timer* t, Setting s, bool absolute) {
    disarm(t);
    t->interval = s.interval;
    if (!s.value)
        return;
    uint64_t now = clock_now(t);
    t->deadline = absolute ? (s.value > now ? s.value : now) : now + s.value;
    if (!t->deadline)
        t->deadline = 1;
    arm(t);
}

Timer* lookup(int id) {
    if (id < 0 || size_t(id) >= max_timers)
        return nullptr;
    return g_timers[id];
}

} // namespace

Setting set_itimer(int which, Setting s) {
    Timer* t = &g_itimers[which];
    if (t->itimer < 0) {
        t->itimer = which;
        t->clock = which == 0 ? Clock::monotonic : Clock::process_cpu;
        t->waiter.expire = expire;
    }
    Setting old = current(t);
    set(t, s, false);
    return old;
}

Setting get_itimer(int which) {
    return g_itimers[which].itimer < 0 ? Setting{0, 0} : current(&g_itimers[which]);
}

long create(Clock clock, Thread* clock_thread, const Notify& n, bool wall, bool value_is_id) {
    size_t id = 0;
    while (id < max_timers && g_timers[id])
        id++;
    if (id == max_timers)
        return -eagain;
    auto* t = static_cast<Timer*>(kheap_alloc(sizeof(Timer), alignof(Timer)));
    if (!t)
        return -eagain;
    new (t) Timer{};
    t->clock = clock;
    t->clock_thread = clock_thread;
    t->notify = n;
    t->id = int(id);
    t->wall = wall;
    if (value_is_id)
        t->notify.value = id;
    t->waiter.expire = expire;
    g_timers[id] = t;
    return long(id);
}

long settime(int id, Setting s, bool absolute, Setting* old) {
    Timer* t = lookup(id);
    if (!t)
        return -einval;
    if (old)
        *old = current(t);
    if (absolute && t->wall && s.value) {
        // The wall clock runs with the TSC here (there is no clock_settime):
        // an absolute time on it is one on the monotonic clock.
        int64_t mono = int64_t(s.value) - arch::boot_epoch_ns();
        s.value = mono > 0 ? uint64_t(mono) : 1;
    }
    set(t, s, absolute);
    return 0;
}

long gettime(int id, Setting* cur) {
    Timer* t = lookup(id);
    if (!t)
        return -einval;
    *cur = current(t);
    return 0;
}

long getoverrun(int id) {
    Timer* t = lookup(id);
    return t ? t->overrun_last : -einval;
}

long remove(int id) {
    Timer* t = lookup(id);
    if (!t)
        return -einval;
    disarm(t);
    g_timers[id] = nullptr;
    kheap_free(t);
    return 0;
}

void signal_taken(Siginfo* info) {
    Timer* t = lookup(info->timer.tid);
    if (!t || !t->pending)
        return;
    info->timer.overrun = t->overrun;
    t->overrun_last = t->overrun;
    t->overrun = 0;
    t->pending = false;
}

void thread_exited(Thread* th) {
    for (Timer* t : g_timers) {
        if (!t)
            continue;
        if (t->notify.thread == th)
            t->notify.thread = nullptr; // its signals go to the process now
        if (t->clock_thread == th) {
            disarm(t);
            t->clock_thread = nullptr;
        }
    }
}

} // namespace uk::sched::timers
