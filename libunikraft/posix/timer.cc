// Timer system calls: alarm, setitimer/getitimer and the POSIX timers,
// checking arguments and copying the app's structures; the timers
// themselves are sched/timers.h's.
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"
#include "sched/timers.h"

namespace uk::posix {

namespace {

namespace timers = sched::timers;

constexpr long clock_realtime = 0, clock_monotonic = 1, clock_process_cputime = 2,
               clock_thread_cputime = 3, clock_boottime = 7, clock_realtime_alarm = 8,
               clock_boottime_alarm = 9, clock_tai = 11;
constexpr int sigev_signal = 0, sigev_none = 1, sigev_thread = 2, sigev_thread_id = 4;

struct Itimerval {
    Timeval interval, value;
};
struct Itimerspec {
    Timespec interval, value;
};
struct Sigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    int32_t tid; // sigev_notify_thread_id
    int32_t pad[11];
};
static_assert(sizeof(Sigevent) == 64, "fixed by the Linux ABI");

Itimerval to_itimerval(timers::Setting s) {
    // A timer with less than a microsecond left still reads as armed.
    Timeval v = timeval_of(int64_t(s.value));
    if (s.value && !v.sec && !v.usec)
        v.usec = 1;
    return Itimerval{timeval_of(int64_t(s.interval)), v};
}

} // namespace

UK_SYSCALL(36, getitimer) {
    if (a1 < 0 || a1 > 2)
        return -EINVAL;
    return UserPtr<Itimerval>(a2).put(to_itimerval(timers::get_itimer(int(a1)))) ? -EFAULT : 0;
}

UK_SYSCALL(38, setitimer) {
    Itimerval nv{};
    // A NULL new value disarms, as Linux still allows.
    if (a2 && UserPtr<const Itimerval>(a2).read(&nv))
        return -EFAULT;
    if (a1 < 0 || a1 > 2)
        return -EINVAL;
    if (!valid(nv.value) || !valid(nv.interval))
        return -EINVAL;
    timers::Setting old = timers::set_itimer(
        int(a1), timers::Setting{uint64_t(to_ns(nv.value)), uint64_t(to_ns(nv.interval))});
    if (a3 && UserPtr<Itimerval>(a3).put(to_itimerval(old)))
        return -EFAULT;
    return 0;
}

UK_SYSCALL(37, alarm) {
    timers::Setting old =
        timers::set_itimer(0, timers::Setting{uint64_t(uint32_t(a1)) * ns_per_s, 0});
    Timeval left = to_itimerval(old).value;
    // Linux rounds to the nearest second, and never reports 0 for an alarm
    // that was still pending.
    if ((!left.sec && left.usec) || left.usec >= 500000)
        left.sec++;
    return left.sec;
}

UK_SYSCALL(222, timer_create) {
    Sigevent ev{};
    if (a2 && UserPtr<const Sigevent>(a2).read(&ev))
        return -EFAULT;
    timers::Clock clock;
    switch (a1) {
    case clock_realtime:
    case clock_monotonic:
    case clock_boottime:
    case clock_realtime_alarm:
    case clock_boottime_alarm:
    case clock_tai:
        clock = timers::Clock::monotonic;
        break;
    case clock_process_cputime:
        clock = timers::Clock::process_cpu;
        break;
    case clock_thread_cputime:
        clock = timers::Clock::thread_cpu;
        break;
    default:
        return a1 >= 0 && a1 < 16 ? -EOPNOTSUPP : -EINVAL;
    }
    timers::Notify n{sigalrm, 0, nullptr};
    if (a2) {
        n.signo = ev.signo;
        n.value = ev.value;
        switch (ev.notify) {
        case sigev_thread_id:
            n.thread = sched::find(ev.tid);
            if (!n.thread)
                return -EINVAL;
            [[fallthrough]];
        case sigev_signal:
        case sigev_thread:
            if (ev.signo <= 0 || ev.signo > nsig)
                return -EINVAL;
            break;
        case sigev_none:
            n.signo = 0;
            break;
        default:
            return -EINVAL;
        }
    }
    // Without a sigevent: SIGALRM with the timer's id as its value.
    const bool wall = a1 == clock_realtime || a1 == clock_realtime_alarm || a1 == clock_tai;
    long id = timers::create(clock, sched::current(), n, wall, !a2);
    if (id < 0)
        return id;
    if (UserPtr<int32_t>(a3).put(int32_t(id))) {
        timers::remove(int(id));
        return -EFAULT;
    }
    return 0;
}

UK_SYSCALL(223, timer_settime) {
    constexpr long timer_abstime = 1;
    Itimerspec nv;
    if (UserPtr<const Itimerspec>(a3).read(&nv))
        return -EFAULT;
    if (!valid(nv.value) || !valid(nv.interval))
        return -EINVAL;
    timers::Setting old;
    if (long r = timers::settime(
            int(a1), timers::Setting{uint64_t(to_ns(nv.value)), uint64_t(to_ns(nv.interval))},
            a2 & timer_abstime, &old))
        return r;
    if (a4 && UserPtr<Itimerspec>(a4).put(
                  Itimerspec{timespec_of(int64_t(old.interval)), timespec_of(int64_t(old.value))}))
        return -EFAULT;
    return 0;
}

UK_SYSCALL(224, timer_gettime) {
    timers::Setting cur;
    if (long r = timers::gettime(int(a1), &cur))
        return r;
    return UserPtr<Itimerspec>(a2).put(
               Itimerspec{timespec_of(int64_t(cur.interval)), timespec_of(int64_t(cur.value))})
               ? -EFAULT
               : 0;
}

UK_SYSCALL(225, timer_getoverrun) {
    return timers::getoverrun(int(a1));
}

UK_SYSCALL(226, timer_delete) {
    return timers::remove(int(a1));
}

} // namespace uk::posix
