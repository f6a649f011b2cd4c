// The epoll calls: argument checks, fds and the app's memory over
// vfs/epoll.h.
#include "vfs/epoll.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "posix/signal.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "vfs/fd.h"

namespace uk::posix {

using vfs::FileRef;

namespace {

long create(long flags) {
    if (uint32_t(flags) & ~uint64_t(vfs::o_cloexec))
        return -EINVAL;
    vfs::File* f;
    if (long r = vfs::epoll_create(&f))
        return r;
    return vfs::fd_install(f, flags & vfs::o_cloexec);
}

// An fd epoll may use: O_PATH descriptors count as closed, as on Linux.
vfs::File* usable(FileRef& f) {
    return f && !(f->flags & vfs::o_path) ? f.get() : nullptr;
}

// epoll_wait's common part. `timeout_ns` < 0 waits without limit.
long wait(long epfd, long uevents, long max, int64_t timeout_ns) {
    if (max <= 0 || max > vfs::epoll_max_events)
        return -EINVAL;
    if (!mm::user_range_ok(uintptr_t(uevents), size_t(max) * sizeof(vfs::EpollEvent)))
        return -EFAULT;
    FileRef ep(epfd);
    if (!usable(ep))
        return -EBADF;
    if (!vfs::is_epoll(ep.get()))
        return -EINVAL;
    uint64_t deadline = timeout_ns > 0 ? arch::monotonic_ns() + uint64_t(timeout_ns) : 0;
    return vfs::epoll_wait(ep.get(), uintptr_t(uevents), int(max), deadline, timeout_ns == 0);
}

int64_t ms_to_ns(long ms) {
    return int(ms) < 0 ? -1 : int64_t(int(ms)) * 1000000;
}

} // namespace

UK_SYSCALL(213, epoll_create) {
    if (int(a1) <= 0)
        return -EINVAL;
    return create(0);
}

UK_SYSCALL(291, epoll_create1) {
    return create(a1);
}

UK_SYSCALL(233, epoll_ctl) {
    const int op = int(a2);
    vfs::EpollEvent ev{0, 0};
    if (op != vfs::epoll_ctl_del && UserPtr<const vfs::EpollEvent>(a4).read(&ev))
        return -EFAULT;
    FileRef ep(a1);
    if (!usable(ep))
        return -EBADF;
    FileRef target(long{int(a3)});
    if (!usable(target))
        return -EBADF;
    return vfs::epoll_ctl(ep.get(), op, int(a3), target.get(), ev);
}

UK_SYSCALL(232, epoll_wait) {
    return wait(a1, a2, int(a3), ms_to_ns(a4));
}

UK_SYSCALL(281, epoll_pwait) {
    if (a5)
        if (long r = set_temporary_mask(a5, a6))
            return r;
    return wait(a1, a2, int(a3), ms_to_ns(a4));
}

UK_SYSCALL(441, epoll_pwait2) {
    int64_t ns = -1;
    if (a4)
        if (long r = read_user_timespec(a4, &ns))
            return r;
    if (a5)
        if (long r = set_temporary_mask(a5, a6))
            return r;
    return wait(a1, a2, int(a3), ns);
}

} // namespace uk::posix
