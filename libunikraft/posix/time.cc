// Clocks and sleeping.
#include "arch/x86_64/time.h"
#include "arch/x86_64/cpu.h"
#include "posix/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

namespace uk::posix {

namespace {

struct Timeval {
    int64_t sec, usec;
};

constexpr long clock_realtime = 0, clock_monotonic = 1, clock_process_cputime = 2,
               clock_thread_cputime = 3, clock_monotonic_raw = 4, clock_realtime_coarse = 5,
               clock_monotonic_coarse = 6, clock_boottime = 7, clock_realtime_alarm = 8,
               clock_boottime_alarm = 9, clock_tai = 11;

// Nanoseconds on `clock`, or -1 for a clock that does not exist.
int64_t now_ns(long clock) {
    switch (clock) {
    case clock_realtime:
    case clock_realtime_coarse:
    case clock_realtime_alarm:
        return arch::boot_epoch_ns() + int64_t(arch::monotonic_ns());
    case clock_tai:
        return arch::boot_epoch_ns() + int64_t(arch::monotonic_ns()) + 37 * 1000000000LL;
    case clock_monotonic:
    case clock_monotonic_raw:
    case clock_monotonic_coarse:
    case clock_boottime:
    case clock_boottime_alarm:
        return int64_t(arch::monotonic_ns());
    case clock_process_cputime:
        return int64_t(sched::process_cpu_ns());
    case clock_thread_cputime:
        return int64_t(sched::thread_cpu_ns());
    default:
        return -1;
    }
}

long sleep_until(long clock, int64_t deadline) {
    // Deadlines on the wall clock become monotonic ones: both advance with
    // the TSC here.
    int64_t mono = deadline - (now_ns(clock) - int64_t(arch::monotonic_ns()));
    if (mono > 0)
        sched::sleep_until(uint64_t(mono));
    return 0;
}

} // namespace

UK_SYSCALL(228, clock_gettime) {
    int64_t ns = now_ns(a1);
    if (ns < 0)
        return -EINVAL;
    auto* ts = user_ptr<Timespec>(a2);
    if (!user_ok(ts, sizeof(*ts)))
        return -EFAULT;
    ts->sec = ns / 1000000000;
    ts->nsec = ns % 1000000000;
    return 0;
}

UK_SYSCALL(229, clock_getres) {
    if (now_ns(a1) < 0)
        return -EINVAL;
    if (a2) {
        auto* ts = user_ptr<Timespec>(a2);
        if (!user_ok(ts, sizeof(*ts)))
            return -EFAULT;
        *ts = Timespec{0, 1};
    }
    return 0;
}

UK_SYSCALL(96, gettimeofday) {
    if (a1) {
        auto* tv = user_ptr<Timeval>(a1);
        if (!user_ok(tv, sizeof(*tv)))
            return -EFAULT;
        int64_t ns = now_ns(clock_realtime);
        tv->sec = ns / 1000000000;
        tv->usec = ns % 1000000000 / 1000;
    }
    if (a2) {
        auto* tz = user_ptr<int32_t>(a2);
        if (!user_ok(tz, 8))
            return -EFAULT;
        tz[0] = tz[1] = 0;
    }
    return 0;
}

UK_SYSCALL(201, time) {
    int64_t s = now_ns(clock_realtime) / 1000000000;
    if (a1) {
        auto* t = user_ptr<int64_t>(a1);
        if (!user_ok(t, sizeof(*t)))
            return -EFAULT;
        *t = s;
    }
    return s;
}

UK_SYSCALL(35, nanosleep) {
    int64_t ns;
    if (long r = read_user_timespec(a1, &ns))
        return r;
    return sleep_until(clock_monotonic, now_ns(clock_monotonic) + ns);
}

UK_SYSCALL(230, clock_nanosleep) {
    constexpr long timer_abstime = 1;
    if (now_ns(a1) < 0 || a1 == clock_thread_cputime || a1 == clock_process_cputime)
        return -EINVAL;
    int64_t ns;
    if (long r = read_user_timespec(a3, &ns))
        return r;
    return sleep_until(a1, (a2 & timer_abstime) ? ns : now_ns(a1) + ns);
}

} // namespace uk::posix
