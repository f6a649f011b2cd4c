// Clocks and sleeping.
#include "arch/x86_64/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

namespace uk::posix {

namespace {

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

// Sleeps until `deadline` on `clock`. Returns 0, or the restart code of an
// interrupted sleep with the time left in *left.
long sleep_until(long clock, int64_t deadline, int64_t* left) {
    // Deadlines on the wall clock become monotonic ones: both advance with
    // the TSC here.
    int64_t mono = deadline - (now_ns(clock) - int64_t(arch::monotonic_ns()));
    if (mono <= 0 || sched::sleep_until(uint64_t(mono)) == 0)
        return 0;
    int64_t rest = mono - int64_t(arch::monotonic_ns());
    *left = rest > 0 ? rest : 0;
    return -arch::erestart_restartblock;
}

} // namespace

UK_SYSCALL(228, clock_gettime) {
    int64_t ns = now_ns(a1);
    if (ns < 0)
        return -EINVAL;
    return write_user_timespec(a2, ns);
}

UK_SYSCALL(229, clock_getres) {
    if (now_ns(a1) < 0)
        return -EINVAL;
    return a2 ? write_user_timespec(a2, 1) : 0;
}

UK_SYSCALL(96, gettimeofday) {
    if (a1) {
        int64_t ns = now_ns(clock_realtime);
        if (UserPtr<Timeval>(a1).put(timeval_of(ns)))
            return -EFAULT;
    }
    if (a2) {
        const int32_t tz[2] = {0, 0};
        if (UserPtr<int32_t>(a2).write(tz, 2))
            return -EFAULT;
    }
    return 0;
}

UK_SYSCALL(201, time) {
    int64_t s = now_ns(clock_realtime) / 1000000000;
    if (a1 && UserPtr<int64_t>(a1).put(s))
        return -EFAULT;
    return s;
}

UK_SYSCALL(35, nanosleep) {
    int64_t ns, left;
    if (long r = read_user_timespec(a1, &ns))
        return r;
    long r = sleep_until(clock_monotonic, now_ns(clock_monotonic) + ns, &left);
    if (r && a2 && write_user_timespec(a2, left))
        return -EFAULT;
    return r;
}

UK_SYSCALL(230, clock_nanosleep) {
    constexpr long timer_abstime = 1;
    if (now_ns(a1) < 0 || a1 == clock_thread_cputime || a1 == clock_process_cputime)
        return -EINVAL;
    int64_t ns, left;
    if (long r = read_user_timespec(a3, &ns))
        return r;
    bool absolute = a2 & timer_abstime;
    long r = sleep_until(a1, absolute ? ns : now_ns(a1) + ns, &left);
    // Only a relative sleep reports what is left.
    if (r && !absolute && a4 && write_user_timespec(a4, left))
        return -EFAULT;
    return r;
}

} // namespace uk::posix

// clock_gettime(3) in the image's libc, in place of musl's (Makefile), and
// so also gettimeofday(3) and time(3), which call it: what Linux's vDSO
// does in the app's own context. The clocks that are the TSC and the boot
// epoch (all but the CPU-time clocks) are read without entering the kernel:
// a server reads them several times a request, and under TCG a call costs
// 95 ns so instead of 150 through the system call. As through the vDSO,
// the result is stored as the app's own code would store it; the system
// call (syscall(SYS_clock_gettime), and every clock here until the clocks
// are set up) answers EFAULT for a bad pointer instead.
extern "C" long uk_syscall_nr_228(long, long, long, long, long, long);
extern "C" int* __errno_location();

extern "C" UK_API int __clock_gettime(int clk, uk::posix::Timespec* ts) {
    using namespace uk::posix;
    // The common clocks first, with no call at all: apps read them often
    // (Redis three times a command).
    int64_t ns;
    if (clk == clock_monotonic && uk::arch::read_clock(false, &ns)) {
        *ts = timespec_of(ns);
        return 0;
    }
    if (clk == clock_realtime && uk::arch::read_clock(true, &ns)) {
        *ts = timespec_of(ns);
        return 0;
    }
    bool wall = clk == clock_realtime || clk == clock_realtime_coarse ||
                clk == clock_realtime_alarm || clk == clock_tai;
    if (clk != clock_process_cputime && clk != clock_thread_cputime &&
        uk::arch::clocks_ready(wall)) {
        ns = now_ns(clk);
        if (ns >= 0) {
            *ts = timespec_of(ns);
            return 0;
        }
    }
    long r = uk_syscall_nr_228(clk, reinterpret_cast<long>(ts), 0, 0, 0, 0);
    if (r < 0) {
        *__errno_location() = int(-r);
        return -1;
    }
    return 0;
}

// musl's, which calls clock_gettime, in one step; like it, the time zone
// argument is ignored and a null tv is no error.
extern "C" UK_API int gettimeofday(uk::posix::Timeval* tv, void*) {
    using namespace uk::posix;
    if (!tv)
        return 0;
    int64_t ns;
    if (uk::arch::read_clock(true, &ns)) {
        *tv = timeval_of(ns);
        return 0;
    }
    Timespec ts;
    __clock_gettime(clock_realtime, &ts);
    tv->sec = ts.sec;
    tv->usec = ts.nsec / 1000;
    return 0;
}

extern "C" UK_API int clock_gettime(int clk, uk::posix::Timespec* ts)
    __attribute__((weak, alias("__clock_gettime")));
