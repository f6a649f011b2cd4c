// The Socket base (net/socket.h): what every family shares.
#include "net/socket.h"

#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "vfs/anon.h"

extern "C" const uk::net::SocketFamily __uk_socket_families_start[], __uk_socket_families_end[];

namespace uk::net {

namespace {

/// Linux's sockfs device (0:9 on this host's kernels).
constexpr uint64_t sockfs_dev = vfs::make_dev(0, 9);

} // namespace

const char Socket::tag = 0;

long Socket::read(vfs::IoBuf& buf) {
    MsgIo m;
    m.data = &buf;
    return recvmsg(m);
}

long Socket::write(vfs::IoBuf& buf) {
    MsgIo m;
    m.data = &buf;
    long r = sendmsg(m);
    if (r == -EPIPE)
        vfs::send_sigpipe();
    return r;
}

long Socket::ioctl(unsigned long cmd, uint64_t arg) {
    return interface_ioctl(family, cmd, arg);
}

long Socket::stat(vfs::Attr* a) {
    if (!ino)
        ino = vfs::next_ino();
    *a = vfs::Attr{};
    a->dev = sockfs_dev;
    a->ino = ino;
    a->mode = vfs::s_ifsock | 0777;
    a->nlink = 1;
    return 0;
}

uint64_t Socket::deadline(bool send) const {
    uint64_t t = send ? sndtimeo_ns : rcvtimeo_ns;
    return t ? arch::monotonic_ns() + t : 0;
}

long Socket::wait_error(long r, bool send) const {
    if (r == -ETIMEDOUT)
        return -EAGAIN;
    return (send ? sndtimeo_ns : rcvtimeo_ns) ? -EINTR : -arch::erestartsys;
}

const SocketFamily* find_family(int family) {
    // The table is kept only through the root: refer to it.
    asm volatile("" ::"r"(uk_net_root));
    for (const SocketFamily* f = __uk_socket_families_start; f < __uk_socket_families_end; f++)
        if (f->family == family)
            return f;
    return nullptr;
}

} // namespace uk::net
