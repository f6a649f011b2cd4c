// File descriptors. Until there is a VFS the only open files are consoles:
// fds 0, 1 and 2 at start, and whatever dup() makes of them.
#include <uk/console.h>

#include "arch/x86_64/time.h"
#include "posix/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

namespace uk::posix {

namespace {

enum class FdKind : uint8_t { none, console };

struct Fd {
    FdKind kind;
    bool cloexec;
    uint32_t flags; // open flags as F_GETFL reports them
};

constexpr int max_fds = 64;
constexpr uint32_t o_rdwr = 2;
constinit Fd g_fds[max_fds] = {{FdKind::console, false, o_rdwr},
                               {FdKind::console, false, o_rdwr},
                               {FdKind::console, false, o_rdwr}};

Fd* lookup(long fd) {
    if (fd < 0 || fd >= max_fds || g_fds[fd].kind == FdKind::none)
        return nullptr;
    return &g_fds[fd];
}

long dup_from(const Fd& f, long lowest, bool cloexec) {
    for (long i = lowest; i < max_fds; i++)
        if (g_fds[i].kind == FdKind::none) {
            g_fds[i] = f;
            g_fds[i].cloexec = cloexec;
            return i;
        }
    return -EMFILE;
}

struct Iovec {
    void* base;
    size_t len;
};

long console_rw(bool write, void* buf, size_t len) {
    if (!len)
        return 0;
    if (!user_ok(buf, len))
        return -EFAULT;
    if (write)
        return long(uk_console_write(static_cast<const char*>(buf), len));
    return long(uk_console_read(static_cast<char*>(buf), len));
}

long rw(long fd, void* buf, size_t len, bool write) {
    Fd* f = lookup(fd);
    if (!f)
        return -EBADF;
    if (long(len) < 0)
        return -EINVAL;
    return console_rw(write, buf, len);
}

long rwv(long fd, long iov_arg, long cnt, bool write) {
    Fd* f = lookup(fd);
    if (!f)
        return -EBADF;
    if (cnt < 0 || cnt > 1024)
        return -EINVAL;
    auto* iov = user_ptr<Iovec>(iov_arg);
    if (cnt && !user_ok(iov, size_t(cnt) * sizeof(Iovec)))
        return -EFAULT;
    long total = 0;
    for (long i = 0; i < cnt; i++) {
        long r = console_rw(write, iov[i].base, iov[i].len);
        if (r < 0)
            return total ? total : r;
        total += r;
        if (size_t(r) < iov[i].len)
            break;
    }
    return total;
}

// The x86_64 kernel struct stat.
struct KStat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    int64_t unused[3];
};
static_assert(sizeof(KStat) == 144, "fixed by the Linux x86_64 ABI");

long stat_fd(long fd, long out) {
    Fd* f = lookup(fd);
    if (!f)
        return -EBADF;
    auto* st = user_ptr<KStat>(out);
    if (!user_ok(st, sizeof(*st)))
        return -EFAULT;
    *st = KStat{};
    st->dev = 5;
    st->ino = uint64_t(fd) + 1;
    st->nlink = 1;
    st->mode = 0020620;       // character device, rw--w----
    st->rdev = (4 << 8) | 64; // ttyS0
    st->blksize = 1024;
    return 0;
}

struct Winsize {
    uint16_t row, col, xpixel, ypixel;
};
struct Termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
static_assert(sizeof(Termios) == 36, "fixed by the Linux ABI");

constexpr long tcgets = 0x5401, tcsets = 0x5402, tcsetsw = 0x5403, tcsetsf = 0x5404,
               tiocgwinsz = 0x5413, tiocswinsz = 0x5414, fionread = 0x541b;

} // namespace

UK_SYSCALL(0, read) {
    return rw(a1, user_ptr<void>(a2), size_t(a3), false);
}
UK_SYSCALL(1, write) {
    return rw(a1, user_ptr<void>(a2), size_t(a3), true);
}
UK_SYSCALL(19, readv) {
    return rwv(a1, a2, a3, false);
}
UK_SYSCALL(20, writev) {
    return rwv(a1, a2, a3, true);
}
UK_SYSCALL(17, pread64) {
    return lookup(a1) ? -ESPIPE : -EBADF;
}
UK_SYSCALL(18, pwrite64) {
    return lookup(a1) ? -ESPIPE : -EBADF;
}
UK_SYSCALL(8, lseek) {
    return lookup(a1) ? -ESPIPE : -EBADF;
}

UK_SYSCALL(3, close) {
    Fd* f = lookup(a1);
    if (!f)
        return -EBADF;
    f->kind = FdKind::none;
    return 0;
}

UK_SYSCALL(5, fstat) {
    return stat_fd(a1, a2);
}

UK_SYSCALL(262, newfstatat) {
    constexpr long at_empty_path = 0x1000;
    const char* path = user_ptr<const char>(a2);
    if ((a4 & at_empty_path) && user_ok(path, 1) && path[0] == '\0')
        return stat_fd(a1, a3);
    return -ENOENT;
}

UK_SYSCALL(16, ioctl) {
    Fd* f = lookup(a1);
    if (!f)
        return -EBADF;
    switch (a2) {
    case tiocgwinsz: {
        auto* w = user_ptr<Winsize>(a3);
        if (!user_ok(w, sizeof(*w)))
            return -EFAULT;
        *w = Winsize{24, 80, 0, 0};
        return 0;
    }
    case tcgets: {
        auto* t = user_ptr<Termios>(a3);
        if (!user_ok(t, sizeof(*t)))
            return -EFAULT;
        *t = Termios{};
        t->iflag = 0x500;  // ICRNL | IXON
        t->oflag = 0x5;    // OPOST | ONLCR
        t->cflag = 0xbf;   // B38400 | CS8 | CREAD
        t->lflag = 0x8a3b; // ISIG | ICANON | ECHO... as a fresh tty has
        return 0;
    }
    case tcsets:
    case tcsetsw:
    case tcsetsf:
    case tiocswinsz:
        return 0;
    case fionread: {
        auto* n = user_ptr<int>(a3);
        if (!user_ok(n, sizeof(*n)))
            return -EFAULT;
        *n = 0;
        return 0;
    }
    default:
        return -ENOTTY;
    }
}

UK_SYSCALL(72, fcntl) {
    constexpr long f_dupfd = 0, f_getfd = 1, f_setfd = 2, f_getfl = 3, f_setfl = 4,
                   f_dupfd_cloexec = 1030, fd_cloexec = 1;
    Fd* f = lookup(a1);
    if (!f)
        return -EBADF;
    switch (a2) {
    case f_dupfd:
    case f_dupfd_cloexec:
        if (a3 < 0 || a3 >= max_fds)
            return -EINVAL;
        return dup_from(*f, a3, a2 == f_dupfd_cloexec);
    case f_getfd:
        return f->cloexec ? fd_cloexec : 0;
    case f_setfd:
        f->cloexec = a3 & fd_cloexec;
        return 0;
    case f_getfl:
        return f->flags;
    case f_setfl:
        // Only the status flags may change (O_APPEND, O_NONBLOCK, ...).
        f->flags = (f->flags & 3) | (uint32_t(a3) & ~3u);
        return 0;
    default:
        return -EINVAL;
    }
}

UK_SYSCALL(32, dup) {
    Fd* f = lookup(a1);
    return f ? dup_from(*f, 0, false) : -EBADF;
}

static long do_dup3(long oldfd, long newfd, long flags) {
    constexpr long o_cloexec = 02000000;
    Fd* f = lookup(oldfd);
    if (!f)
        return -EBADF;
    if (newfd < 0 || newfd >= max_fds || (flags & ~o_cloexec))
        return -EINVAL;
    g_fds[newfd] = *f;
    g_fds[newfd].cloexec = flags & o_cloexec;
    return newfd;
}

UK_SYSCALL(33, dup2) {
    if (a1 == a2)
        return lookup(a1) ? a1 : -EBADF;
    return do_dup3(a1, a2, 0);
}

UK_SYSCALL(292, dup3) {
    return a1 == a2 ? -EINVAL : do_dup3(a1, a2, a3);
}

namespace {

struct Pollfd {
    int fd;
    short events;
    short revents;
};

constexpr short pollin = 1, pollout = 4, pollnval = 0x20;

long do_poll(Pollfd* fds, long n, int64_t timeout_ns) {
    if (n < 0 || n > max_fds * 16)
        return -EINVAL;
    if (n && !user_ok(fds, size_t(n) * sizeof(Pollfd)))
        return -EFAULT;
    long ready = 0;
    for (long i = 0; i < n; i++) {
        Pollfd& p = fds[i];
        p.revents = 0;
        if (p.fd < 0)
            continue;
        if (!lookup(p.fd)) {
            p.revents = pollnval;
        } else {
            // The console never blocks: reads return what is there or end
            // of file, writes go out at once.
            p.revents = short(p.events & (pollin | pollout));
        }
        if (p.revents)
            ready++;
    }
    // Nothing here can become ready later (consoles always are, bad fds
    // stay bad): a timeout is just a sleep, and no timeout would wait
    // forever, which the scheduler reports as a deadlock when no other
    // thread can run.
    if (!ready && timeout_ns > 0)
        sched::sleep_until(arch::monotonic_ns() + uint64_t(timeout_ns));
    else if (!ready && timeout_ns < 0)
        sched::block(0);
    return ready;
}

} // namespace

UK_SYSCALL(7, poll) {
    int64_t ns = a3 < 0 ? -1 : int64_t(int(a3)) * 1000000;
    return do_poll(user_ptr<Pollfd>(a1), a2, ns);
}

UK_SYSCALL(271, ppoll) {
    int64_t ns = -1;
    if (a3) {
        if (long r = read_user_timespec(a3, &ns))
            return r;
    }
    return do_poll(user_ptr<Pollfd>(a1), a2, ns);
}

} // namespace uk::posix
