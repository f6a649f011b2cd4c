// eventfd, timerfd and signalfd calls: argument checks, fds and the app's
// memory over vfs/eventfd.h.
#include "vfs/eventfd.h"
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "vfs/fd.h"

namespace uk::posix {

using vfs::FileRef;

namespace {

// EFD_*, TFD_* and SFD_* share O_CLOEXEC and O_NONBLOCK's values.
constexpr uint64_t fd_flags = vfs::o_cloexec | vfs::o_nonblock;
constexpr uint64_t efd_semaphore = 1;
constexpr uint64_t tfd_timer_abstime = 1, tfd_timer_cancel_on_set = 2;

long install(long r, vfs::File* f, long flags) {
    return r ? r : vfs::fd_install(f, flags & vfs::o_cloexec);
}

long do_eventfd2(long count, long flags) {
    if (uint32_t(flags) & ~(fd_flags | efd_semaphore))
        return -EINVAL;
    vfs::File* f = nullptr;
    long r = vfs::eventfd_create(uint32_t(count), flags & efd_semaphore, uint32_t(flags), &f);
    return install(r, f, flags);
}

// struct itimerspec: the interval first.
struct Itimerspec {
    Timespec interval;
    Timespec value;
};

// The fd as the timer and signal calls want it: an open, non-O_PATH file.
vfs::File* usable(FileRef& f) {
    return f && !(f->flags & vfs::o_path) ? f.get() : nullptr;
}

long do_signalfd4(long ufd, long umask, long size, long flags) {
    if (size != sizeof(SigSet))
        return -EINVAL;
    SigSet mask;
    if (UserPtr<const SigSet>(umask).read(&mask))
        return -EFAULT;
    if (uint32_t(flags) & ~fd_flags)
        return -EINVAL;
    if (int(ufd) == -1) {
        vfs::File* f = nullptr;
        long r = vfs::signalfd_create(mask, uint32_t(flags), &f);
        return install(r, f, flags);
    }
    FileRef f(long{int(ufd)});
    if (!usable(f))
        return -EBADF;
    if (!vfs::is_signalfd(f.get()))
        return -EINVAL;
    vfs::signalfd_set_mask(f.get(), mask);
    return int(ufd);
}

} // namespace

UK_SYSCALL(284, eventfd) {
    return do_eventfd2(a1, 0);
}

UK_SYSCALL(290, eventfd2) {
    return do_eventfd2(a1, a2);
}

UK_SYSCALL(283, timerfd_create) {
    constexpr long clock_realtime = 0, clock_monotonic = 1, clock_boottime = 7,
                   clock_realtime_alarm = 8, clock_boottime_alarm = 9;
    const int clock = int(a1);
    if (uint32_t(a2) & ~fd_flags)
        return -EINVAL;
    vfs::TimerClock c;
    switch (clock) {
    case clock_realtime:
    case clock_realtime_alarm:
        c = vfs::TimerClock::realtime;
        break;
    case clock_monotonic:
    case clock_boottime:
    case clock_boottime_alarm:
        c = vfs::TimerClock::monotonic;
        break;
    default:
        return -EINVAL;
    }
    vfs::File* f = nullptr;
    long r = vfs::timerfd_create(c, uint32_t(a2), &f);
    return install(r, f, a2);
}

UK_SYSCALL(286, timerfd_settime) {
    Itimerspec its;
    if (UserPtr<const Itimerspec>(a3).read(&its))
        return -EFAULT;
    if ((uint32_t(a2) & ~(tfd_timer_abstime | tfd_timer_cancel_on_set)) || !valid(its.value) ||
        !valid(its.interval))
        return -EINVAL;
    FileRef f(long{int(a1)});
    if (!usable(f))
        return -EBADF;
    if (!vfs::is_timerfd(f.get()))
        return -EINVAL;
    vfs::TimerSpec old;
    vfs::timerfd_settime(f.get(),
                         vfs::TimerSpec{uint64_t(to_ns(its.value)), uint64_t(to_ns(its.interval))},
                         a2 & tfd_timer_abstime, &old);
    if (a4) {
        Itimerspec o{timespec_of(int64_t(old.interval)), timespec_of(int64_t(old.value))};
        if (UserPtr<Itimerspec>(a4).put(o))
            return -EFAULT;
    }
    return 0;
}

UK_SYSCALL(287, timerfd_gettime) {
    FileRef f(long{int(a1)});
    if (!usable(f))
        return -EBADF;
    if (!vfs::is_timerfd(f.get()))
        return -EINVAL;
    vfs::TimerSpec cur = vfs::timerfd_gettime(f.get());
    Itimerspec o{timespec_of(int64_t(cur.interval)), timespec_of(int64_t(cur.value))};
    return UserPtr<Itimerspec>(a2).put(o) ? -EFAULT : 0;
}

UK_SYSCALL(282, signalfd) {
    return do_signalfd4(a1, a2, a3, 0);
}

UK_SYSCALL(289, signalfd4) {
    return do_signalfd4(a1, a2, a3, a4);
}

} // namespace uk::posix
