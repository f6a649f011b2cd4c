// File descriptors. Until there is a VFS the only open files are consoles:
// fds 0, 1 and 2 at start, and whatever dup() makes of them.
#include <uk/console.h>

#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "posix/limits.h"
#include "posix/signal.h"
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
    uint64_t base;
    uint64_t len;
};

// Console I/O through a kernel buffer: the app's memory is reached only by
// copies. A fault after some bytes moved ends the transfer short, as on
// Linux; before any, it is EFAULT.
long console_rw(bool write, uint64_t buf, size_t len) {
    char chunk[256];
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
        size_t moved;
        bool fault = false;
        if (write) {
            size_t got = mm::copy_user_partial(false, buf + done, chunk, n);
            fault = got < n;
            moved = uk_console_write(chunk, got);
        } else {
            size_t got = uk_console_read(chunk, n);
            moved = mm::copy_user_partial(true, buf + done, chunk, got);
            fault = moved < got;
        }
        done += moved;
        if (fault)
            return done ? long(done) : -EFAULT;
        if (moved < n)
            break;
    }
    return long(done);
}

long rw(long fd, uint64_t buf, size_t len, bool write) {
    Fd* f = lookup(fd);
    if (!f)
        return -EBADF;
    // Linux checks the whole buffer first, even for no bytes, then caps a
    // transfer at 2 GiB - 4 KiB.
    if (!mm::user_range_ok(buf, len))
        return -EFAULT;
    if (len > 0x7ffff000)
        len = 0x7ffff000;
    return console_rw(write, buf, len);
}

constexpr long iovec_chunk = 16;

// Calls f(iov) for each of the app's `cnt` iovecs: those in `read` when the
// caller has them all already, else read 16 at a time (the direct entry
// runs on the app's stack: no large buffers). Returns 0, -EFAULT, or the
// first non-zero result of f.
template <typename F> long for_each_iovec(const Iovec* read, long iov_arg, long cnt, F f) {
    if (read) {
        for (long j = 0; j < cnt; j++)
            if (long r = f(read[j]))
                return r;
        return 0;
    }
    Iovec iov[iovec_chunk];
    for (long i = 0; i < cnt; i += iovec_chunk) {
        size_t n = size_t(cnt - i < iovec_chunk ? cnt - i : iovec_chunk);
        if ((UserPtr<const Iovec>(iov_arg) + size_t(i)).read(iov, n))
            return -EFAULT;
        for (size_t j = 0; j < n; j++)
            if (long r = f(iov[j]))
                return r;
    }
    return 0;
}

long rwv(long fd, long iov_arg, long cnt, bool write) {
    Fd* f = lookup(fd);
    if (!f)
        return -EBADF;
    if (cnt < 0 || cnt > 1024)
        return -EINVAL;
    // As Linux: the whole vector is checked before any byte moves. A short
    // one (stdio writes two) is read once.
    Iovec small[iovec_chunk];
    const Iovec* read = nullptr;
    if (cnt <= iovec_chunk) {
        if (UserPtr<const Iovec>(iov_arg).read(small, size_t(cnt)))
            return -EFAULT;
        read = small;
    }
    uint64_t sum = 0;
    long r = for_each_iovec(read, iov_arg, cnt, [&](const Iovec& v) -> long {
        if (int64_t(v.len) < 0 || v.len > uint64_t(INT64_MAX) - sum)
            return -EINVAL;
        sum += v.len;
        return v.len && !mm::user_range_ok(v.base, v.len) ? -EFAULT : 0;
    });
    if (r)
        return r;
    long total = 0;
    r = for_each_iovec(read, iov_arg, cnt, [&](const Iovec& v) -> long {
        if (!v.len)
            return 0;
        long n = console_rw(write, v.base, v.len);
        if (n < 0)
            return n;
        total += n;
        return uint64_t(n) < v.len ? 1 : 0; // a short transfer ends the call
    });
    return r < 0 && !total ? r : total;
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
    KStat st{};
    st.dev = 5;
    st.ino = uint64_t(fd) + 1;
    st.nlink = 1;
    st.mode = 0020620;       // character device, rw--w----
    st.rdev = (4 << 8) | 64; // ttyS0
    st.blksize = 1024;
    return UserPtr<KStat>(out).put(st) ? -EFAULT : 0;
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
    return rw(a1, uint64_t(a2), size_t(a3), false);
}
UK_SYSCALL(1, write) {
    return rw(a1, uint64_t(a2), size_t(a3), true);
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
    constexpr long at_symlink_nofollow = 0x100, at_no_automount = 0x800, at_empty_path = 0x1000,
                   at_statx_sync_type = 0x6000;
    // The path comes first (EFAULT), then the flags; with no files yet only
    // AT_EMPTY_PATH on an open fd can succeed.
    // A NULL path with AT_EMPTY_PATH names the fd itself (Linux 6.11 on).
    constexpr size_t path_max = 4096;
    long n = 0;
    if (a2 || !(a4 & at_empty_path)) {
        n = mm::user_strnlen(UserPtr<const char>(a2), path_max);
        if (n < 0)
            return n;
    }
    if (a4 & ~(at_symlink_nofollow | at_no_automount | at_empty_path | at_statx_sync_type))
        return -EINVAL;
    if (n == 0)
        return (a4 & at_empty_path) ? stat_fd(a1, a3) : -ENOENT;
    return -ENOENT;
}

UK_SYSCALL(16, ioctl) {
    Fd* f = lookup(a1);
    if (!f)
        return -EBADF;
    switch (a2) {
    case tiocgwinsz:
        return UserPtr<Winsize>(a3).put(Winsize{24, 80, 0, 0}) ? -EFAULT : 0;
    case tcgets: {
        Termios t{};
        t.iflag = 0x500;  // ICRNL | IXON
        t.oflag = 0x5;    // OPOST | ONLCR
        t.cflag = 0xbf;   // B38400 | CS8 | CREAD
        t.lflag = 0x8a3b; // ISIG | ICANON | ECHO... as a fresh tty has
        return UserPtr<Termios>(a3).put(t) ? -EFAULT : 0;
    }
    case tcsets:
    case tcsetsw:
    case tcsetsf: {
        Termios t;
        return UserPtr<const Termios>(a3).read(&t) ? -EFAULT : 0;
    }
    case tiocswinsz: {
        Winsize w;
        return UserPtr<const Winsize>(a3).read(&w) ? -EFAULT : 0;
    }
    case fionread:
        return UserPtr<int>(a3).put(0) ? -EFAULT : 0;
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

long do_poll(long fds, long n, int64_t timeout_ns, bool timed_poll) {
    if (n < 0 || uint64_t(n) > rlimit_cur(rlimit_nofile))
        return -EINVAL;
    // Read and answer 32 entries at a time (the direct entry runs on the
    // app's stack). Linux reads the whole array before it looks at any fd:
    // a longer one is read through once first.
    Pollfd chunk[32];
    for (long i = 0; n > 32 && i < n; i += 32) {
        size_t k = size_t(n - i < 32 ? n - i : 32);
        if ((UserPtr<const Pollfd>(fds) + size_t(i)).read(chunk, k))
            return -EFAULT;
    }
    long ready = 0;
    for (long i = 0; i < n; i += 32) {
        size_t k = size_t(n - i < 32 ? n - i : 32);
        if ((UserPtr<const Pollfd>(fds) + size_t(i)).read(chunk, k))
            return -EFAULT;
        for (size_t j = 0; j < k; j++) {
            Pollfd& p = chunk[j];
            p.revents = 0;
            if (p.fd < 0)
                continue;
            if (!lookup(p.fd)) {
                p.revents = pollnval;
            } else {
                // The console never blocks: reads return what is there or
                // end of file, writes go out at once.
                p.revents = short(p.events & (pollin | pollout));
            }
            if (p.revents)
                ready++;
        }
        if ((UserPtr<Pollfd>(fds) + size_t(i)).write(chunk, k))
            return -EFAULT;
    }
    if (ready || !timeout_ns)
        return ready;
    // Nothing here can become ready later (consoles always are, bad fds
    // stay bad): a timeout is just a sleep, and no timeout waits for a
    // signal (or forever, which the scheduler reports as a deadlock when no
    // other thread can run).
    long r = timeout_ns > 0 ? sched::sleep_until(arch::monotonic_ns() + uint64_t(timeout_ns))
                            : sched::block(0);
    if (r == sched::interrupted)
        return timed_poll ? -arch::erestart_restartblock : -arch::erestartnohand;
    return 0;
}

} // namespace

UK_SYSCALL(7, poll) {
    int64_t ns = a3 < 0 ? -1 : int64_t(int(a3)) * 1000000;
    return do_poll(a1, a2, ns, a3 > 0);
}

UK_SYSCALL(271, ppoll) {
    int64_t ns = -1;
    if (a3) {
        if (long r = read_user_timespec(a3, &ns))
            return r;
    }
    if (a4) {
        if (long r = set_temporary_mask(a4, a5))
            return r;
    }
    return do_poll(a1, a2, ns, false);
}

} // namespace uk::posix
