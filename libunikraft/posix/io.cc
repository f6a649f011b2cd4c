// The calls on file descriptors: transfers, offsets, the fd table (close,
// dup, fcntl), ioctl and syncing. Path-based calls are in posix/fs.cc.
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "posix/limits.h"
#include "posix/signal.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"
#include "vfs/fd.h"
#include "vfs/lock.h"
#include "vfs/path.h"
#include "vfs/pipe.h"

namespace uk::posix {

using vfs::File;
using vfs::FileRef;
using vfs::IoBuf;

namespace {

// Linux caps one transfer at 2 GiB - 4 KiB.
constexpr size_t max_rw = 0x7ffff000;

long do_read(File* f, IoBuf& buf, int64_t off) {
    if (!f->readable())
        return -EBADF;
    if (f->node && vfs::is_dir(f->node->mode))
        return -EISDIR;
    return off < 0 ? f->read(buf) : f->pread(buf, uint64_t(off));
}

long do_write(File* f, IoBuf& buf, int64_t off) {
    if (!f->writable())
        return -EBADF;
    return off < 0 ? f->write(buf) : f->pwrite(buf, uint64_t(off));
}

// read/write/pread64/pwrite64: off < 0 means the file position.
long rw(long fd, uint64_t addr, size_t len, bool write, int64_t off) {
    FileRef f(fd);
    if (!f)
        return -EBADF;
    if (!mm::user_range_ok(addr, len))
        return -EFAULT;
    if (len > max_rw)
        len = max_rw;
    IoBuf buf = IoBuf::user(addr, len);
    return write ? do_write(f.get(), buf, off) : do_read(f.get(), buf, off);
}

constexpr long iov_max = 1024, iovec_inline = 16;

// readv/writev and the p- and 2 forms. The whole vector is read and
// checked before any byte moves, as Linux does.
long rwv(long fd, long iov_arg, long cnt, bool write, int64_t off) {
    FileRef f(fd);
    if (!f)
        return -EBADF;
    if (cnt < 0 || cnt > iov_max)
        return -EINVAL;
    IoBuf::Seg small[iovec_inline];
    IoBuf::Seg* segs = small;
    if (cnt > iovec_inline) {
        segs = static_cast<IoBuf::Seg*>(kheap_alloc(size_t(cnt) * sizeof(IoBuf::Seg)));
        if (!segs)
            return -ENOMEM;
    }
    long r = UserPtr<const IoBuf::Seg>(iov_arg).read(segs, size_t(cnt)) ? -EFAULT : 0;
    uint64_t sum = 0;
    for (long i = 0; !r && i < cnt; i++) {
        uint64_t len = segs[i].len;
        if (int64_t(len) < 0 || len > uint64_t(INT64_MAX) - sum) {
            r = -EINVAL;
            break;
        }
        // Past the 2 GiB cap, the rest of the vector is cut off.
        if (sum + len > max_rw)
            segs[i].len = len = max_rw - sum;
        sum += len;
        if (len && !mm::user_range_ok(segs[i].base, len))
            r = -EFAULT;
    }
    if (!r) {
        IoBuf buf = IoBuf::user_vec(segs, size_t(cnt));
        r = write ? do_write(f.get(), buf, off) : do_read(f.get(), buf, off);
    }
    if (segs != small)
        kheap_free(segs);
    return r;
}

long check_offset(long off) {
    return off < 0 ? -EINVAL : 0;
}

} // namespace

UK_SYSCALL(0, read) {
    return rw(a1, uint64_t(a2), size_t(a3), false, -1);
}
UK_SYSCALL(1, write) {
    return rw(a1, uint64_t(a2), size_t(a3), true, -1);
}
UK_SYSCALL(17, pread64) {
    if (long r = check_offset(a4))
        return FileRef(a1) ? r : -EBADF;
    return rw(a1, uint64_t(a2), size_t(a3), false, a4);
}
UK_SYSCALL(18, pwrite64) {
    if (long r = check_offset(a4))
        return FileRef(a1) ? r : -EBADF;
    return rw(a1, uint64_t(a2), size_t(a3), true, a4);
}
UK_SYSCALL(19, readv) {
    return rwv(a1, a2, a3, false, -1);
}
UK_SYSCALL(20, writev) {
    return rwv(a1, a2, a3, true, -1);
}
UK_SYSCALL(295, preadv) {
    if (long r = check_offset(a4))
        return FileRef(a1) ? r : -EBADF;
    return rwv(a1, a2, a3, false, a4);
}
UK_SYSCALL(296, pwritev) {
    if (long r = check_offset(a4))
        return FileRef(a1) ? r : -EBADF;
    return rwv(a1, a2, a3, true, a4);
}
// preadv2/pwritev2: offset -1 means the file position; the RWF_* flags
// that only hint (HIPRI, DSYNC, SYNC, NOWAIT, APPEND) are accepted.
UK_SYSCALL(327, preadv2) {
    if (uint32_t(a6) & ~0x1fu) // the RWF_ flags are an int
        return -EOPNOTSUPP;
    if (a4 < -1)
        return FileRef(a1) ? -EINVAL : -EBADF;
    return rwv(a1, a2, a3, false, a4);
}
UK_SYSCALL(328, pwritev2) {
    if (uint32_t(a6) & ~0x1fu) // the RWF_ flags are an int
        return -EOPNOTSUPP;
    if (a4 < -1)
        return FileRef(a1) ? -EINVAL : -EBADF;
    return rwv(a1, a2, a3, true, a4);
}

UK_SYSCALL(8, lseek) {
    FileRef f(a1);
    if (!f)
        return -EBADF;
    return f->seek(a2, int(a3));
}

UK_SYSCALL(3, close) {
    return vfs::fd_close(a1);
}

UK_SYSCALL(436, close_range) {
    constexpr unsigned long close_range_unshare = 2, close_range_cloexec = 4;
    unsigned long first = uint32_t(a1), last = uint32_t(a2);
    if ((a3 & ~long(close_range_unshare | close_range_cloexec)) || first > last)
        return -EINVAL;
    long limit = vfs::fd_limit();
    for (unsigned long fd = first; fd <= last && long(fd) < limit; fd++) {
        if (a3 & close_range_cloexec)
            vfs::fd_set_cloexec(long(fd), true);
        else
            vfs::fd_close(long(fd));
    }
    return 0;
}

namespace {

long dup_at_least(long fd, long lowest, bool cloexec) {
    File* f = vfs::fd_get(fd);
    if (!f)
        return -EBADF;
    if (lowest < 0 || uint64_t(lowest) >= rlimit_cur(rlimit_nofile)) {
        f->put();
        return -EINVAL;
    }
    return vfs::fd_install(f, cloexec, lowest);
}

long do_dup3(long oldfd, long newfd, long flags) {
    if (flags & ~long(vfs::o_cloexec))
        return -EINVAL;
    File* f = vfs::fd_get(oldfd);
    if (!f)
        return -EBADF;
    if (oldfd == newfd) {
        f->put();
        return -EINVAL;
    }
    return vfs::fd_install_at(f, newfd, flags & vfs::o_cloexec);
}

} // namespace

UK_SYSCALL(32, dup) {
    return dup_at_least(a1, 0, false);
}

UK_SYSCALL(33, dup2) {
    if (a1 == a2)
        return FileRef(a1) ? a1 : -EBADF;
    return do_dup3(a1, a2, 0);
}

UK_SYSCALL(292, dup3) {
    return do_dup3(a1, a2, a3);
}

UK_SYSCALL(72, fcntl) {
    constexpr long f_dupfd = 0, f_getfd = 1, f_setfd = 2, f_getfl = 3, f_setfl = 4, f_getlk = 5,
                   f_setlk = 6, f_setlkw = 7, f_setown = 8, f_getown = 9, f_setsig = 10,
                   f_getsig = 11, f_ofd_getlk = 36, f_ofd_setlk = 37, f_ofd_setlkw = 38,
                   f_setlease = 1024, f_getlease = 1025, f_notify = 1026, f_dupfd_cloexec = 1030,
                   f_add_seals = 1033, f_get_seals = 1034, fd_cloexec = 1;
    FileRef f(a1);
    if (!f)
        return -EBADF;
    bool path_only = f->flags & vfs::o_path;
    switch (a2) {
    case f_dupfd:
    case f_dupfd_cloexec:
        return dup_at_least(a1, a3, a2 == f_dupfd_cloexec);
    case f_getfd:
        return vfs::fd_cloexec(a1) ? fd_cloexec : 0;
    case f_setfd:
        return vfs::fd_set_cloexec(a1, a3 & fd_cloexec);
    case f_getfl:
        return f->flags;
    case f_setfl:
        if (path_only)
            return -EBADF;
        // O_APPEND cannot be taken off an append-only file; there are none.
        f->flags = (f->flags & ~vfs::o_setfl_mask) | (uint32_t(a3) & vfs::o_setfl_mask);
        return 0;
    case f_getlk:
    case f_setlk:
    case f_setlkw:
    case f_ofd_getlk:
    case f_ofd_setlk:
    case f_ofd_setlkw:
        if (path_only)
            return -EBADF;
        return vfs::fcntl_lock(f.get(), int(a2), uint64_t(a3));
    case f_getown:
    case f_getsig:
    case f_getlease:
        return a2 == f_getlease ? 2 /* F_UNLCK */ : 0;
    case f_setown:
    case f_setsig:
    case f_notify:
        return 0;
    case f_setlease:
        return -EINVAL;
    case f_add_seals:
    case f_get_seals:
        return vfs::memfd_seals(f.get(), a2 == f_add_seals, uint32_t(a3));
    case vfs::f_setpipe_sz:
    case vfs::f_getpipe_sz:
        return vfs::pipe_fcntl(f.get(), int(a2), uint64_t(a3));
    default:
        return -EINVAL;
    }
}

UK_SYSCALL(73, flock) {
    FileRef f(a1);
    if (!f || (f->flags & vfs::o_path))
        return -EBADF;
    return vfs::flock(f.get(), int(a2));
}

UK_SYSCALL(16, ioctl) {
    constexpr unsigned long fionbio = 0x5421, fioclex = 0x5451, fionclex = 0x5450,
                            fioasync = 0x5452;
    FileRef f(a1);
    if (!f || (f->flags & vfs::o_path))
        return -EBADF;
    switch (unsigned(a2)) {
    case fioclex:
    case fionclex:
        return vfs::fd_set_cloexec(a1, unsigned(a2) == fioclex);
    case fionbio:
    case fioasync: {
        int on;
        if (UserPtr<const int>(a3).read(&on))
            return -EFAULT;
        uint32_t bit = unsigned(a2) == fionbio ? vfs::o_nonblock : vfs::o_async;
        // Files read their status flags at each call, as F_SETFL leaves them.
        f->flags = on ? f->flags | bit : f->flags & ~bit;
        return 0;
    }
    default:
        return f->ioctl(unsigned(a2), uint64_t(a3));
    }
}

namespace {

long sync_fd(long fd, bool data_only) {
    FileRef f(fd);
    if (!f || (f->flags & vfs::o_path))
        return -EBADF;
    if (!f->node)
        return -EINVAL;
    return f->node->fsync(data_only);
}

} // namespace

UK_SYSCALL(74, fsync) {
    return sync_fd(a1, false);
}
UK_SYSCALL(75, fdatasync) {
    return sync_fd(a1, true);
}
UK_SYSCALL(277, sync_file_range) {
    if (a4 & ~long(7))
        return -EINVAL;
    if (a2 < 0 || a3 < 0 || (a3 && a2 > INT64_MAX - a3))
        return FileRef(a1) ? -EINVAL : -EBADF;
    return sync_fd(a1, true);
}
UK_SYSCALL(162, sync) {
    for (vfs::Mount* m = vfs::next_mount(nullptr); m; m = vfs::next_mount(m))
        m->fs->sync();
    return 0;
}
UK_SYSCALL(306, syncfs) {
    FileRef f(a1);
    if (!f)
        return -EBADF;
    return f->mount ? f->mount->fs->sync() : 0;
}

UK_SYSCALL(77, ftruncate) {
    FileRef f(a1);
    if (!f || (f->flags & vfs::o_path))
        return -EBADF;
    if (a2 < 0)
        return -EINVAL;
    if (!f->node || !vfs::is_reg(f->node->mode) || !f->writable())
        return -EINVAL;
    if (f->mount && f->mount->fs->readonly)
        return -EROFS;
    vfs::SetAttr sa;
    sa.mask = vfs::SetAttr::size_bit;
    sa.size = uint64_t(a2);
    return vfs::memfd_check_resize(f.get(), uint64_t(a2)) ?: f->node->setattr(sa);
}

UK_SYSCALL(285, fallocate) {
    FileRef f(a1);
    if (!f || (f->flags & vfs::o_path))
        return -EBADF;
    if (a3 < 0 || a4 <= 0)
        return -EINVAL;
    if (!f->writable())
        return -EBADF;
    if (!f->node)
        return -ESPIPE;
    if (vfs::is_dir(f->node->mode))
        return -EISDIR;
    if (!vfs::is_reg(f->node->mode))
        return (f->node->mode & vfs::s_ifmt) == vfs::s_ififo ? -ESPIPE : -ENODEV;
    if (a3 > INT64_MAX - a4)
        return -EFBIG;
    if (f->mount && f->mount->fs->readonly)
        return -EROFS;
    return f->node->fallocate(int(a2), uint64_t(a3), uint64_t(a4));
}

UK_SYSCALL(221, fadvise64) {
    FileRef f(a1);
    if (!f)
        return -EBADF;
    if (a4 < 0 || a4 > 5)
        return -EINVAL;
    if (f->node && (f->node->mode & vfs::s_ifmt) == vfs::s_ififo)
        return -ESPIPE;
    return a3 < 0 ? -EINVAL : 0;
}

UK_SYSCALL(187, readahead) {
    FileRef f(a1);
    if (!f || !f->readable())
        return -EBADF;
    return f->node && vfs::is_reg(f->node->mode) ? 0 : -EINVAL;
}

namespace {

constexpr size_t splice_chunk = 64 * 1024;
// The last splice buffer given back, for the next call: a server calls
// sendfile once a response, and a 64 KiB allocation and its release cost
// more than the call's other work. A call that finds it taken (another
// thread's is blocked in a write) allocates its own.
constinit char* g_splice_spare = nullptr;

// Moves up to `len` bytes from `in` to `out` through a kernel buffer (or
// straight from the file's memory where it stays put: Node::lasting_bytes),
// at the offsets given (nullptr: the file positions).
long splice_files(File* in, int64_t* in_off, File* out, int64_t* out_off, size_t len) {
    constexpr size_t chunk = splice_chunk;
    char* buf = g_splice_spare;
    g_splice_spare = nullptr;
    if (!buf)
        buf = static_cast<char*>(kheap_alloc(chunk));
    if (!buf)
        return -ENOMEM;
    size_t done = 0;
    long err = 0;
    while (done < len) {
        size_t want = len - done < chunk ? len - done : chunk;
        // Bytes that stay in place (the initrd's) go out as they are.
        const char* at = nullptr;
        size_t direct =
            in->node ? in->node->lasting_bytes(in_off ? uint64_t(*in_off) : in->pos, want, &at) : 0;
        if (direct) {
            IoBuf wb = IoBuf::lasting(at, direct);
            long put = out_off ? out->pwrite(wb, uint64_t(*out_off)) : out->write(wb);
            if (put <= 0) {
                err = put;
                break;
            }
            if (in_off)
                *in_off += put;
            else
                in->pos += uint64_t(put);
            if (out_off)
                *out_off += put;
            done += size_t(put);
            if (size_t(put) < direct)
                break;
            continue;
        }
        IoBuf rb = IoBuf::kernel(buf, want);
        long got = in_off ? in->pread(rb, uint64_t(*in_off)) : in->read(rb);
        if (got <= 0) {
            err = got;
            break;
        }
        IoBuf wb = IoBuf::kernel(buf, size_t(got));
        long put = out_off ? out->pwrite(wb, uint64_t(*out_off)) : out->write(wb);
        if (put <= 0) {
            err = put;
            // What was read but not written goes back (a file position).
            if (!in_off)
                in->seek(-got, 1);
            break;
        }
        if (in_off)
            *in_off += put;
        else if (put < got)
            in->seek(put - got, 1);
        if (out_off)
            *out_off += put;
        done += size_t(put);
        if (put < got)
            break;
        // A blocking source gives what it has: do not wait for more.
        if (!in->node || !vfs::is_reg(in->node->mode))
            break;
    }
    if (!g_splice_spare)
        g_splice_spare = buf;
    else
        kheap_free(buf);
    return done ? long(done) : err;
}

// After a move of r bytes, the offsets the caller passed (user addresses,
// 0 for none) get their new values; r, or -EFAULT.
long put_offsets(long r, uint64_t in_ptr, int64_t in_off, uint64_t out_ptr, int64_t out_off) {
    if (in_ptr && UserPtr<int64_t>(in_ptr).put(in_off))
        return -EFAULT;
    if (out_ptr && UserPtr<int64_t>(out_ptr).put(out_off))
        return -EFAULT;
    return r;
}

} // namespace

UK_SYSCALL(40, sendfile) {
    FileRef out(a1), in(a2);
    if (!out || !in || !in->readable() || !out->writable())
        return -EBADF;
    if (out->flags & vfs::o_append)
        return -EINVAL;
    if (!in->node || !vfs::is_reg(in->node->mode))
        return -EINVAL;
    int64_t off = 0;
    if (a3) {
        if (UserPtr<const int64_t>(a3).read(&off))
            return -EFAULT;
        if (off < 0)
            return -EINVAL;
    }
    size_t len = size_t(a4) > max_rw ? max_rw : size_t(a4);
    long r = splice_files(in.get(), a3 ? &off : nullptr, out.get(), nullptr, len);
    if (a3 && UserPtr<int64_t>(a3).put(off))
        return -EFAULT;
    return r;
}

UK_SYSCALL(326, copy_file_range) {
    FileRef in(a1), out(a3);
    if (!in || !out || !in->readable() || !out->writable())
        return -EBADF;
    if (a6)
        return -EINVAL;
    if (!in->node || !out->node)
        return -EINVAL;
    if (vfs::is_dir(in->node->mode) || vfs::is_dir(out->node->mode))
        return -EISDIR;
    if (!vfs::is_reg(in->node->mode) || !vfs::is_reg(out->node->mode))
        return -EINVAL;
    if (out->flags & vfs::o_append)
        return -EBADF;
    int64_t in_off = 0, out_off = 0;
    if (a2 && UserPtr<const int64_t>(a2).read(&in_off))
        return -EFAULT;
    if (a4 && UserPtr<const int64_t>(a4).read(&out_off))
        return -EFAULT;
    if (in_off < 0 || out_off < 0)
        return -EINVAL;
    // Overlapping ranges of the same file are refused, as Linux does.
    size_t len = size_t(a5) > max_rw ? max_rw : size_t(a5);
    if (in->node == out->node) {
        uint64_t ib = a2 ? uint64_t(in_off) : in->pos, ob = a4 ? uint64_t(out_off) : out->pos;
        if (ib < ob + len && ob < ib + len)
            return -EINVAL;
    }
    long r =
        splice_files(in.get(), a2 ? &in_off : nullptr, out.get(), a4 ? &out_off : nullptr, len);
    return r > 0 ? put_offsets(r, a2, in_off, a4, out_off) : r;
}

namespace {

// splice(2)'s move through a kernel buffer, one end or both a pipe. Into
// a pipe, at most the room it has is taken from the source, so nothing
// taken is left over; out of a pipe, the bytes are only looked at and the
// pipe drops just what the destination took (a socket may take part). A
// pipe waits unless `nonblock` (SPLICE_F_NONBLOCK or its own O_NONBLOCK);
// another file waits as its own flags say.
long splice_pipe(File* in, int64_t* in_off, File* out, int64_t* out_off, size_t len,
                 bool nonblock) {
    constexpr size_t chunk = 64 * 1024;
    const bool from_pipe = vfs::is_pipe(in), into_pipe = vfs::is_pipe(out);
    size_t want = len < chunk ? len : chunk;
    if (from_pipe) {
        long n = vfs::pipe_avail(in, nonblock || (in->flags & vfs::o_nonblock));
        if (n <= 0)
            return n;
        want = size_t(n) < want ? size_t(n) : want;
    }
    if (into_pipe) {
        long n = vfs::pipe_room(out, nonblock || (out->flags & vfs::o_nonblock));
        if (n <= 0)
            return n;
        want = size_t(n) < want ? size_t(n) : want;
    }
    char* buf = static_cast<char*>(kheap_alloc(want));
    if (!buf)
        return -ENOMEM;
    long got;
    if (from_pipe) {
        got = long(vfs::pipe_peek(in, buf, want));
    } else {
        IoBuf rb = IoBuf::kernel(buf, want);
        got = in_off ? in->pread(rb, uint64_t(*in_off)) : in->read(rb);
    }
    long put = got;
    if (got > 0) {
        if (into_pipe) {
            put = long(vfs::pipe_put(out, buf, size_t(got)));
            if (!put)
                put = -EPIPE;
        } else {
            IoBuf wb = IoBuf::kernel(buf, size_t(got));
            put = out_off ? out->pwrite(wb, uint64_t(*out_off)) : out->write(wb);
        }
        size_t taken = put > 0 ? size_t(put) : 0;
        if (from_pipe)
            vfs::pipe_consume(in, taken);
        else if (in_off)
            *in_off += long(taken);
        else if (taken < size_t(got))
            in->seek(long(taken) - got, 1); // a file gets back what was not put
        if (out_off && put > 0)
            *out_off += put;
    }
    kheap_free(buf);
    return put;
}

} // namespace

// splice(2): one end must be a pipe, which takes no offset; the other end
// is read or written at *offset when one is given (and that offset is
// updated), else at its file position.
UK_SYSCALL(275, splice) {
    constexpr long splice_f_nonblock = 2, splice_f_all = 0xf;
    if (a5 == 0)
        return 0;
    if (a6 & ~splice_f_all)
        return -EINVAL;
    FileRef in(a1), out(a3);
    if (!in || !out)
        return -EBADF;
    bool in_pipe = vfs::is_pipe(in.get()), out_pipe = vfs::is_pipe(out.get());
    if ((in_pipe && a2) || (out_pipe && a4))
        return -ESPIPE;
    int64_t in_off = 0, out_off = 0;
    if (a4 && UserPtr<const int64_t>(a4).read(&out_off))
        return -EFAULT;
    if (a2 && UserPtr<const int64_t>(a2).read(&in_off))
        return -EFAULT;
    if (!in->readable() || !out->writable())
        return -EBADF;
    if (!in_pipe && !out_pipe)
        return -EINVAL;
    if (vfs::same_pipe(in.get(), out.get()))
        return -EINVAL;
    if (!out_pipe && (out->flags & vfs::o_append))
        return -EINVAL;
    if (in_off < 0 || out_off < 0)
        return -EINVAL;
    size_t len = size_t(a5) > max_rw ? max_rw : size_t(a5);
    long r = splice_pipe(in.get(), a2 ? &in_off : nullptr, out.get(), a4 ? &out_off : nullptr, len,
                         a6 & splice_f_nonblock);
    return r > 0 ? put_offsets(r, a2, in_off, a4, out_off) : r;
}

} // namespace uk::posix
