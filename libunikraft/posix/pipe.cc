// pipe and pipe2 (the pipes themselves are vfs/pipe.cc's).
#include "vfs/pipe.h"
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "vfs/fd.h"

namespace uk::posix {

namespace {

// O_NOTIFICATION_PIPE (O_EXCL) asks for a watch queue, which there is not.
constexpr uint32_t pipe2_flags = vfs::o_cloexec | vfs::o_nonblock | vfs::o_direct;

long do_pipe2(long ufds, long flags) {
    if (uint32_t(flags) & ~uint64_t(pipe2_flags))
        return -EINVAL;
    vfs::File *rd, *wr;
    if (long r = vfs::pipe_create(uint32_t(flags), &rd, &wr))
        return r;
    const bool cloexec = flags & vfs::o_cloexec;
    long fd0 = vfs::fd_install(rd, cloexec);
    if (fd0 < 0) {
        wr->put();
        return fd0;
    }
    long fd1 = vfs::fd_install(wr, cloexec);
    if (fd1 < 0) {
        vfs::fd_close(fd0);
        return fd1;
    }
    const int fds[2] = {int(fd0), int(fd1)};
    if (UserPtr<int>(ufds).write(fds, 2)) {
        vfs::fd_close(fd0);
        vfs::fd_close(fd1);
        return -EFAULT;
    }
    return 0;
}

} // namespace

UK_SYSCALL(22, pipe) {
    return do_pipe2(a1, 0);
}

UK_SYSCALL(293, pipe2) {
    return do_pipe2(a1, a2);
}

} // namespace uk::posix
