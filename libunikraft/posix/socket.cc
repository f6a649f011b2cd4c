// The socket system calls: every address, message header, iovec array and
// option value is copied through mm/user.h and checked as Linux checks it,
// in Linux's order, before the family (net/socket.h) sees kernel copies.
#include "net/socket.h"

#include "arch/x86_64/time.h"
#include "drivers/driver.h"
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "vfs/anon.h"
#include "vfs/fd.h"

namespace uk::posix {

using net::MsgIo;
using net::OptVal;
using net::SockAddr;
using net::Socket;
using vfs::FileRef;
using vfs::IoBuf;

namespace {

constexpr int sol_socket = 1;
constexpr int so_type = 3, so_rcvtimeo = 20, so_sndtimeo = 21, so_acceptconn = 30, so_peercred = 17,
              so_protocol = 38, so_domain = 39, so_rcvtimeo_new = 66, so_sndtimeo_new = 67;
constexpr int af_max = 46, sock_max = 11, sock_type_mask = 0xf;
constexpr int msg_cmsg_compat = int(0x80000000u), msg_waitforone = 0x10000, msg_batch = 0x40000;
constexpr long uio_maxiov = 1024, somaxconn = 4096;
// Linux caps one transfer at 2 GiB - 4 KiB.
constexpr size_t max_rw = 0x7ffff000;

// The fd as a socket for the length of a call: error() is -EBADF or
// -ENOTSOCK when it is not one.
class SocketArg {
  public:
    explicit SocketArg(long fd) : m_ref(fd) {
        if (!m_ref || (m_ref->flags & vfs::o_path))
            m_error = -EBADF;
        else if (m_ref->kind() != &Socket::tag)
            m_error = -ENOTSOCK;
    }
    long error() const { return m_error; }
    Socket* get() const { return static_cast<Socket*>(m_ref.get()); }
    Socket* operator->() const { return get(); }
    operator Socket*() const { return get(); }

  private:
    FileRef m_ref;
    long m_error = 0;
};

// move_addr_to_kernel: an address of `len` bytes (Linux's int) from the app.
long addr_from_user(uint64_t uaddr, long len_arg, SockAddr* out) {
    int len = int(len_arg);
    if (len < 0 || size_t(len) > net::sockaddr_max)
        return -EINVAL;
    out->len = uint32_t(len);
    if (!len)
        return 0;
    return UserPtr<const uint8_t>(uaddr).read(out->bytes, size_t(len)) ? -EFAULT : 0;
}

// move_addr_to_user: writes at most the app's *ulen bytes of `a` and the
// full length back.
long addr_to_user(const SockAddr& a, uint64_t uaddr, uint64_t ulen) {
    int len;
    if (UserPtr<const int>(ulen).read(&len))
        return -EFAULT;
    if (uint32_t(len) > a.len && len >= 0)
        len = int(a.len);
    if (len < 0)
        return -EINVAL;
    if (len && UserPtr<uint8_t>(uaddr).write(a.bytes, size_t(len)))
        return -EFAULT;
    return UserPtr<int>(ulen).put(int(a.len)) ? -EFAULT : 0;
}

// Sends SIGPIPE for an EPIPE unless the call said MSG_NOSIGNAL.
long sent(long r, int flags) {
    if (r == -EPIPE && !(flags & net::msg_nosignal))
        vfs::send_sigpipe();
    return r;
}

int call_flags(const Socket* s, int flags) {
    return (s->flags & vfs::o_nonblock) ? flags | net::msg_dontwait : flags;
}

// struct user_msghdr and struct mmsghdr on x86_64.
struct UserMsghdr {
    uint64_t name;
    int32_t namelen;
    uint32_t pad0;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    int32_t flags;
    uint32_t pad1;
};
static_assert(sizeof(UserMsghdr) == 56, "struct msghdr on x86_64");
constexpr size_t mmsghdr_size = 64, mmsg_len_off = 56;

// A message header read from the app with its iovec array in kernel memory.
class KernelMsg {
  public:
    KernelMsg() = default;
    KernelMsg(const KernelMsg&) = delete;
    KernelMsg& operator=(const KernelMsg&) = delete;
    ~KernelMsg() {
        if (m_segs != m_small)
            kheap_free(m_segs);
    }

    UserMsghdr hdr{};
    IoBuf buf = IoBuf::kernel(static_cast<void*>(nullptr), 0);

    // copy_msghdr_from_user and import_iovec: the header, its address
    // (sendmsg only) and its iovecs.
    long load(uint64_t umsg, bool send, MsgIo* m) {
        if (UserPtr<const UserMsghdr>(umsg).read(&hdr))
            return -EFAULT;
        int namelen = hdr.name ? hdr.namelen : 0;
        if (namelen < 0)
            return -EINVAL;
        if (size_t(namelen) > net::sockaddr_max)
            namelen = int(net::sockaddr_max);
        if (send && hdr.name && namelen) {
            if (long r = addr_from_user(hdr.name, namelen, &m->addr))
                return r;
            m->has_addr = true;
        }
        if (hdr.iovlen > uint64_t(uio_maxiov))
            return -EMSGSIZE;
        size_t n = size_t(hdr.iovlen);
        if (n > sizeof(m_small) / sizeof(m_small[0])) {
            m_segs = static_cast<IoBuf::Seg*>(kheap_alloc(n * sizeof(IoBuf::Seg)));
            if (!m_segs)
                return -ENOMEM;
        }
        if (n && UserPtr<const IoBuf::Seg>(hdr.iov).read(m_segs, n))
            return -EFAULT;
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t len = m_segs[i].len;
            if (int64_t(len) < 0)
                return -EINVAL;
            if (len > max_rw - sum)
                m_segs[i].len = len = max_rw - sum;
            sum += len;
            if (len && !mm::user_range_ok(m_segs[i].base, len))
                return -EFAULT;
        }
        buf = IoBuf::user_vec(m_segs, n);
        m->data = &buf;
        if (send && hdr.controllen > uint64_t(INT32_MAX))
            return -ENOBUFS;
        m->control = hdr.controllen ? hdr.control : 0;
        m->control_len = hdr.control ? size_t(hdr.controllen) : 0;
        return 0;
    }

  private:
    IoBuf::Seg m_small[8];
    IoBuf::Seg* m_segs = m_small;
};

long do_sendmsg(Socket* s, uint64_t umsg, int flags) {
    KernelMsg k;
    MsgIo m;
    if (long r = k.load(umsg, true, &m))
        return r;
    m.flags = call_flags(s, flags);
    return sent(s->sendmsg(m), flags);
}

long do_recvmsg(Socket* s, uint64_t umsg, int flags) {
    KernelMsg k;
    MsgIo m;
    if (long r = k.load(umsg, false, &m))
        return r;
    m.flags = call_flags(s, flags);
    m.out_flags = flags & net::msg_cmsg_cloexec;
    long n = s->recvmsg(m);
    if (n < 0)
        return n;
    if (k.hdr.name) {
        SockAddr none;
        if (long r = addr_to_user(m.has_addr ? m.addr : none, k.hdr.name,
                                  umsg + offsetof(UserMsghdr, namelen)))
            return r;
    }
    if (UserPtr<int32_t>(umsg + offsetof(UserMsghdr, flags)).put(m.out_flags))
        return -EFAULT;
    uint64_t used = m.control_used;
    if (UserPtr<uint64_t>(umsg + offsetof(UserMsghdr, controllen)).put(used))
        return -EFAULT;
    return n;
}

// A socket(2) of `domain`, `type` (with its SOCK_* flags) and `protocol`,
// without an fd.
long make_socket(long domain, long type_arg, long protocol, Socket** out) {
    int type = int(type_arg);
    if ((type & ~sock_type_mask) & ~(net::sock_cloexec | net::sock_nonblock))
        return -EINVAL;
    type &= sock_type_mask;
    if (int(domain) < 0 || int(domain) >= af_max)
        return -EAFNOSUPPORT;
    if (type >= sock_max)
        return -EINVAL;
    const net::SocketFamily* fam = net::find_family(int(domain));
    if (!fam)
        return -EAFNOSUPPORT;
    Socket* s = nullptr;
    if (long r = fam->create(type, int(protocol), &s))
        return r;
    s->flags = vfs::o_rdwr | (type_arg & net::sock_nonblock ? vfs::o_nonblock : 0);
    *out = s;
    return 0;
}

long do_accept(long fd, uint64_t uaddr, uint64_t ulen, long flags) {
    if (flags & ~long(net::sock_cloexec | net::sock_nonblock))
        return -EINVAL;
    SocketArg s(fd);
    if (long r = s.error())
        return r;
    Socket* c = nullptr;
    SockAddr peer;
    int f = int(flags) | ((s->flags & vfs::o_nonblock) ? net::msg_dontwait : 0);
    if (long r = s->accept(&c, uaddr ? &peer : nullptr, f))
        return r;
    c->flags = vfs::o_rdwr | ((flags & net::sock_nonblock) ? vfs::o_nonblock : 0);
    if (uaddr) {
        if (long r = addr_to_user(peer, uaddr, ulen)) {
            c->put();
            return r;
        }
    }
    return vfs::fd_install(c, flags & net::sock_cloexec);
}

// SO_RCVTIMEO / SO_SNDTIMEO from a struct timeval (both forms are 16 bytes
// on x86_64).
long set_timeout(uint64_t* out, const OptVal& v) {
    if (v.len < sizeof(Timeval))
        return -EINVAL;
    Timeval tv;
    __builtin_memcpy(&tv, v.bytes, sizeof(tv));
    if (tv.usec < 0 || tv.usec >= 1000000)
        return -EDOM;
    // A negative time makes the calls non-blocking, as Linux's timeout of
    // zero jiffies does: a deadline already past.
    if (tv.sec < 0)
        *out = 1;
    else
        *out = uint64_t(to_ns(tv));
    return 0;
}

// getsockname/getpeername: the socket's address (`which`) to the app.
long name_to_user(long fd, long (Socket::*which)(SockAddr*), uint64_t uaddr, uint64_t ulen) {
    SocketArg s(fd);
    if (long r = s.error())
        return r;
    SockAddr a;
    if (long r = (s.get()->*which)(&a))
        return r;
    return addr_to_user(a, uaddr, ulen);
}

} // namespace

UK_SYSCALL_NET(41, socket) {
    Socket* s;
    if (long r = make_socket(a1, a2, a3, &s))
        return r;
    return vfs::fd_install(s, a2 & net::sock_cloexec);
}

UK_SYSCALL_NET(53, socketpair) {
    int type = int(a2);
    if ((type & ~sock_type_mask) & ~(net::sock_cloexec | net::sock_nonblock))
        return -EINVAL;
    const UserPtr<int> fds(a4);
    // Linux writes the two fd numbers before it makes the sockets, so a bad
    // pointer is EFAULT before any other error: check it the same way.
    int probe[2];
    if (fds.as<const int>().read(probe, 2) || fds.write(probe, 2))
        return -EFAULT;
    if (int(a1) < 0 || int(a1) >= af_max)
        return -EAFNOSUPPORT;
    if ((type & sock_type_mask) >= sock_max)
        return -EINVAL;
    const net::SocketFamily* fam = net::find_family(int(a1));
    if (!fam)
        return -EAFNOSUPPORT;
    Socket *s1 = nullptr, *s2 = nullptr;
    if (!fam->pair) {
        // Linux makes the first socket before it finds no socketpair.
        if (long r = fam->create(type & sock_type_mask, int(a3), &s1))
            return r;
        s1->put();
        return -EOPNOTSUPP;
    }
    if (long r = fam->pair(type & sock_type_mask, int(a3), &s1, &s2))
        return r;
    const uint32_t fl = vfs::o_rdwr | ((type & net::sock_nonblock) ? vfs::o_nonblock : 0);
    s1->flags = s2->flags = fl;
    const bool cloexec = type & net::sock_cloexec;
    long fd1 = vfs::fd_install(s1, cloexec);
    if (fd1 < 0) {
        s2->put();
        return fd1;
    }
    long fd2 = vfs::fd_install(s2, cloexec);
    if (fd2 < 0) {
        vfs::fd_close(fd1);
        return fd2;
    }
    const int out[2] = {int(fd1), int(fd2)};
    if (fds.write(out, 2)) {
        vfs::fd_close(fd1);
        vfs::fd_close(fd2);
        return -EFAULT;
    }
    return 0;
}

UK_SYSCALL_NET(49, bind) {
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    SockAddr a;
    if (long r = addr_from_user(uint64_t(a2), a3, &a))
        return r;
    return s->bind(a);
}

UK_SYSCALL_NET(50, listen) {
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    uint32_t backlog = uint32_t(a2);
    return s->listen(backlog > somaxconn ? int(somaxconn) : int(backlog));
}

UK_SYSCALL_NET(43, accept) {
    return do_accept(a1, uint64_t(a2), uint64_t(a3), 0);
}

UK_SYSCALL_NET(288, accept4) {
    return do_accept(a1, uint64_t(a2), uint64_t(a3), int(a4));
}

UK_SYSCALL_NET(42, connect) {
    // Linux copies the address before it checks that the file is a socket.
    FileRef ref(a1);
    if (!ref || (ref->flags & vfs::o_path))
        return -EBADF;
    SockAddr a;
    if (long r = addr_from_user(uint64_t(a2), a3, &a))
        return r;
    if (ref->kind() != &Socket::tag)
        return -ENOTSOCK;
    return static_cast<Socket*>(ref.get())->connect(a);
}

UK_SYSCALL_NET(44, sendto) {
    size_t len = size_t(a3) > max_rw ? max_rw : size_t(a3);
    if (!mm::user_range_ok(uint64_t(a2), len))
        return -EFAULT;
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    IoBuf buf = IoBuf::user(uint64_t(a2), len);
    MsgIo m;
    m.data = &buf;
    if (a5) {
        if (long r = addr_from_user(uint64_t(a5), a6, &m.addr))
            return r;
        m.has_addr = true;
    }
    m.flags = call_flags(s, int(a4));
    return sent(s->sendmsg(m), int(a4));
}

UK_SYSCALL_NET(45, recvfrom) {
    size_t len = size_t(a3) > max_rw ? max_rw : size_t(a3);
    if (!mm::user_range_ok(uint64_t(a2), len))
        return -EFAULT;
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    IoBuf buf = IoBuf::user(uint64_t(a2), len);
    MsgIo m;
    m.data = &buf;
    m.flags = call_flags(s, int(a4));
    long n = s->recvmsg(m);
    if (n >= 0 && a5) {
        SockAddr none;
        if (long r = addr_to_user(m.has_addr ? m.addr : none, uint64_t(a5), uint64_t(a6)))
            return r;
    }
    return n;
}

UK_SYSCALL_NET(46, sendmsg) {
    if (int(a3) & msg_cmsg_compat)
        return -EINVAL;
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    return do_sendmsg(s, uint64_t(a2), int(a3));
}

UK_SYSCALL_NET(47, recvmsg) {
    if (int(a3) & msg_cmsg_compat)
        return -EINVAL;
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    return do_recvmsg(s, uint64_t(a2), int(a3));
}

UK_SYSCALL_NET(307, sendmmsg) {
    int flags = int(a4);
    if (flags & msg_cmsg_compat)
        return -EINVAL;
    uint32_t vlen = uint32_t(a3);
    if (vlen > uio_maxiov)
        vlen = uio_maxiov;
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    long err = 0;
    uint32_t done = 0;
    while (done < vlen) {
        uint64_t entry = uint64_t(a2) + done * mmsghdr_size;
        err = do_sendmsg(s, entry, done == vlen - 1 ? flags : flags | msg_batch);
        if (err < 0)
            break;
        if (UserPtr<uint32_t>(entry + mmsg_len_off).put(uint32_t(err))) {
            err = -EFAULT;
            break;
        }
        done++;
    }
    return done ? long(done) : err;
}

UK_SYSCALL_NET(299, recvmmsg) {
    int flags = int(a4);
    if (flags & msg_cmsg_compat)
        return -EINVAL;
    int64_t timeout = -1, end = 0;
    if (a5) {
        Timespec ts;
        if (UserPtr<const Timespec>(a5).read(&ts))
            return -EFAULT;
        if (!valid(ts))
            return -EINVAL;
        timeout = to_ns(ts);
        end = int64_t(arch::monotonic_ns()) + timeout;
    }
    uint32_t vlen = uint32_t(a3);
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    long err = 0;
    uint32_t done = 0;
    while (done < vlen) {
        uint64_t entry = uint64_t(a2) + done * mmsghdr_size;
        err = do_recvmsg(s, entry, flags & ~msg_waitforone);
        if (err < 0)
            break;
        if (UserPtr<uint32_t>(entry + mmsg_len_off).put(uint32_t(err))) {
            err = -EFAULT;
            break;
        }
        err = 0;
        done++;
        if (flags & msg_waitforone)
            flags |= net::msg_dontwait;
        if (a5) {
            int64_t left = end - int64_t(arch::monotonic_ns());
            timeout = left > 0 ? left : 0;
            if (!timeout)
                break;
        }
    }
    if (!done)
        return err;
    if (a5 && write_user_timespec(a5, timeout))
        return -EFAULT;
    return long(done);
}

UK_SYSCALL_NET(48, shutdown) {
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    return s->shutdown(int(a2));
}

UK_SYSCALL_NET(51, getsockname) {
    return name_to_user(a1, &Socket::getsockname, uint64_t(a2), uint64_t(a3));
}

UK_SYSCALL_NET(52, getpeername) {
    return name_to_user(a1, &Socket::getpeername, uint64_t(a2), uint64_t(a3));
}

UK_SYSCALL_NET(54, setsockopt) {
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    int level = int(a2), name = int(a3), len = int(a5);
    if (len < 0)
        return -EINVAL;
    OptVal v;
    // Linux reads only what the option takes: copy less when the app's
    // buffer is longer than its readable memory.
    v.len = uint32_t(size_t(len) < sizeof(v.bytes) ? size_t(len) : sizeof(v.bytes));
    while (v.len && UserPtr<const uint8_t>(a4).read(v.bytes, v.len)) {
        if (v.len <= sizeof(int))
            return -EFAULT;
        v.len = v.len > sizeof(Timeval) ? uint32_t(sizeof(Timeval)) : uint32_t(sizeof(int));
    }
    if (level == sol_socket) {
        switch (name) {
        case so_rcvtimeo:
        case so_rcvtimeo_new:
        case so_sndtimeo:
        case so_sndtimeo_new:
            if (v.len < sizeof(int))
                return -EINVAL;
            return set_timeout(name == so_rcvtimeo || name == so_rcvtimeo_new ? &s->rcvtimeo_ns
                                                                              : &s->sndtimeo_ns,
                               v);
        case so_type:
        case so_protocol:
        case so_domain:
        case so_acceptconn:
        case so_peercred:
            return -ENOPROTOOPT;
        default:
            break;
        }
    }
    return s->setsockopt(level, name, v);
}

UK_SYSCALL_NET(55, getsockopt) {
    SocketArg s(a1);
    if (long r = s.error())
        return r;
    int level = int(a2), name = int(a3), len;
    if (UserPtr<const int>(a5).read(&len))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    OptVal v;
    v.len = uint32_t(size_t(len) < sizeof(v.bytes) ? size_t(len) : sizeof(v.bytes));
    auto put_int = [&v](int x) {
        __builtin_memcpy(v.bytes, &x, sizeof(x));
        v.len = sizeof(x);
    };
    long r = 0;
    if (level == sol_socket && (name == so_type || name == so_domain || name == so_protocol)) {
        put_int(name == so_type ? s->type : name == so_domain ? s->family : s->protocol);
    } else if (level == sol_socket && (name == so_rcvtimeo || name == so_rcvtimeo_new ||
                                       name == so_sndtimeo || name == so_sndtimeo_new)) {
        uint64_t ns =
            name == so_rcvtimeo || name == so_rcvtimeo_new ? s->rcvtimeo_ns : s->sndtimeo_ns;
        Timeval tv = timeval_of(int64_t(ns));
        __builtin_memcpy(v.bytes, &tv, sizeof(tv));
        v.len = sizeof(tv);
    } else {
        r = s->getsockopt(level, name, &v);
        if (r < 0)
            return r;
    }
    uint32_t n = uint32_t(len) < v.len ? uint32_t(len) : v.len;
    if (n && UserPtr<uint8_t>(a4).write(v.bytes, n))
        return -EFAULT;
    return UserPtr<int>(a5).put(int(n)) ? -EFAULT : 0;
}

} // namespace uk::posix

extern "C" const uk::net::SocketFamily uk_socket_family_unix;
extern "C" const uk::drivers::Driver uk_driver_net_files;

// The table entries of this file (one section, .uk_syscalls_net), the family
// table (one section once the kernel is one object) and the network
// drivers' table (likewise): one entry of each keeps all of it.
extern "C" UK_API const void* const uk_net_root[] = {
    &uk::posix::uk_sys_entry_socket,
    &uk_socket_family_unix,
    &uk_driver_net_files,
};
