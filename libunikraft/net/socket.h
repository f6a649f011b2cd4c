// Sockets: open files (vfs::File) of one more kind, with the Linux socket
// ABI. posix/socket.cc holds the system calls: it copies every address,
// msghdr, iovec array and option value through mm/user.h, checks what
// Linux checks before the family sees the call (bad fds, ENOTSOCK, lengths,
// flags), and hands the family kernel copies. A family (AF_UNIX in
// net/unix.cc, AF_INET and AF_INET6 over lwIP in net/inet.cc) registers a
// SocketFamily and implements Socket.
//
// Readiness is the files' (vfs/wait.h): Socket::poll reports ev_* and
// registers the wait queues that change them, so poll, select and epoll
// (level and edge triggered) see sockets as they see pipes.
#pragma once

#include <uk/api.h>

#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h"
#include "vfs/vfs.h"
#include "vfs/wait.h"

namespace uk::net {

/// Linux's address families, types and flags (the app's ABI).
inline constexpr int af_unix = 1, af_inet = 2, af_inet6 = 10;
inline constexpr int sock_stream = 1, sock_dgram = 2, sock_raw = 3, sock_seqpacket = 5;
inline constexpr int sock_nonblock = 04000, sock_cloexec = 02000000;
inline constexpr int msg_oob = 1, msg_peek = 2, msg_dontroute = 4, msg_ctrunc = 8, msg_trunc = 0x20,
                     msg_dontwait = 0x40, msg_eor = 0x80, msg_waitall = 0x100,
                     msg_nosignal = 0x4000, msg_more = 0x8000, msg_cmsg_cloexec = 0x40000000;
inline constexpr int shut_rd = 0, shut_wr = 1, shut_rdwr = 2;

/// The largest socket address any family takes (sockaddr_storage).
inline constexpr size_t sockaddr_max = 128;

/// A socket address in kernel memory: `len` bytes of `bytes`, as the app
/// gave it or as the family fills it for the app (which gets at most the
/// length it offered, and the full length back, as Linux does).
struct SockAddr {
    uint8_t bytes[sockaddr_max];
    uint32_t len = 0;

    uint16_t family() const { return len >= 2 ? uint16_t(bytes[0] | bytes[1] << 8) : 0; }
};

/// One sendmsg/recvmsg in kernel terms: the data (an IoBuf over the app's
/// iovecs), the address, ancillary data and flags.
struct MsgIo {
    vfs::IoBuf* data = nullptr;
    /// sendmsg: the destination, when the app gave one (has_addr). recvmsg:
    /// the family fills it with the source, when it has one (has_addr).
    SockAddr addr;
    bool has_addr = false;
    /// The app's control buffer ([control, control + control_len)), for
    /// families that pass ancillary data (SCM_RIGHTS, SCM_CREDENTIALS);
    /// recvmsg sets control_used and may set msg_ctrunc in out_flags.
    uint64_t control = 0;
    size_t control_len = 0;
    size_t control_used = 0;
    /// The MSG_* flags of the call.
    int flags = 0;
    /// recvmsg: the msg_flags the app gets back (MSG_TRUNC, MSG_CTRUNC, ...).
    int out_flags = 0;
};

/// An option value in kernel memory: setsockopt gives `len` bytes of
/// `bytes`; getsockopt offers `len` and the family sets how many it wrote.
/// The largest value is TCP_INFO's struct tcp_info (280 bytes).
struct OptVal {
    uint8_t bytes[280];
    uint32_t len = 0;
};

/// A socket: an open file description whose calls are the socket calls.
/// Every operation returns 0 (or a count) or a negative errno, as Linux
/// would for the same state. Blocking calls honour O_NONBLOCK (File::flags)
/// and MSG_DONTWAIT, wait interruptibly (-EINTR, or -ERESTARTSYS where
/// Linux restarts under SA_RESTART) and time out after SO_RCVTIMEO /
/// SO_SNDTIMEO (-EAGAIN), which the base keeps.
class Socket : public vfs::File {
  public:
    int family = 0;
    int type = 0;
    int protocol = 0;
    /// SO_RCVTIMEO / SO_SNDTIMEO in ns; 0 waits for ever.
    uint64_t rcvtimeo_ns = 0;
    uint64_t sndtimeo_ns = 0;
    /// Its inode number on sockfs (fstat), given when first asked.
    uint64_t ino = 0;

    /// The absolute monotonic deadline of a blocking receive (or, with
    /// `send`, a send or connect) under SO_RCVTIMEO / SO_SNDTIMEO; 0 for none.
    uint64_t deadline(bool send) const;
    /// What a blocking socket call returns when its wait ended with `r`
    /// (wait_once's -ETIMEDOUT or -EINTR): -EAGAIN on a timeout, -EINTR when
    /// a timeout was set (Linux does not restart those), else -ERESTARTSYS.
    long wait_error(long r, bool send) const;

    virtual long bind(const SockAddr& addr) = 0;
    virtual long listen(int backlog) = 0;
    /// Takes a connection (a new Socket with one reference, flags as
    /// accept4's `flags` ask) and its peer's address (when `peer` is set).
    virtual long accept(Socket** out, SockAddr* peer, int flags) = 0;
    virtual long connect(const SockAddr& addr) = 0;
    virtual long sendmsg(MsgIo& msg) = 0;
    virtual long recvmsg(MsgIo& msg) = 0;
    virtual long shutdown(int how) = 0;
    virtual long getsockname(SockAddr* out) = 0;
    virtual long getpeername(SockAddr* out) = 0;
    /// Options of the family's levels, and SOL_SOCKET ones the base does
    /// not keep itself (SO_ERROR, SO_RCVBUF, SO_REUSEADDR, ...).
    virtual long setsockopt(int level, int name, const OptVal& val) = 0;
    virtual long getsockopt(int level, int name, OptVal* val) = 0;

    // read/write are recvmsg/sendmsg without an address or flags.
    long read(vfs::IoBuf& buf) override;
    long write(vfs::IoBuf& buf) override;
    long pread(vfs::IoBuf&, uint64_t) override { return -ESPIPE; }
    long pwrite(vfs::IoBuf&, uint64_t) override { return -ESPIPE; }
    long seek(int64_t, int) override { return -ESPIPE; }
    /// The interface ioctls (SIOCGIF*, net/netlink.cc) every socket takes;
    /// a family that has its own ioctls hands the others to this one.
    long ioctl(unsigned long cmd, uint64_t arg) override;
    bool can_poll() const override { return true; }
    const void* kind() const override { return &tag; }
    /// st_mode S_IFSOCK on Linux's sockfs device, one inode per socket.
    long stat(vfs::Attr* a) override;

    /// The kind() of every socket.
    static const char tag;

  protected:
    ~Socket() = default;
};

/// What a family provides: makes its sockets.
struct SocketFamily {
    int family;
    /// Makes a socket of `type` (without the SOCK_* flags) and `protocol`
    /// (0 for the default), or returns -EPROTONOSUPPORT, -ESOCKTNOSUPPORT,
    /// -EPROTOTYPE as Linux does.
    long (*create)(int type, int protocol, Socket** out);
    /// socketpair(2), or nullptr where Linux answers -EOPNOTSUPP.
    long (*pair)(int type, int protocol, Socket** a, Socket** b);
};

/// The SIOCGIF* ioctls on a socket of `family` (net/netlink.cc); -ENOTTY
/// for any other command.
long interface_ioctl(int family, unsigned long cmd, uint64_t arg);

/// The registered family `family`, or nullptr. Links the network stack
/// (uk_net_root) into an image that calls it.
const SocketFamily* find_family(int family);

} // namespace uk::net

/// The network stack's root (posix/socket.cc): it refers to the socket calls'
/// table entries, the family table and the network drivers, which unikraft.ld
/// does not keep on their own. Whatever refers to it links the stack in;
/// kraftld's -u uk_net_root does it for code that makes raw socket calls.
extern "C" UK_API const void* const uk_net_root[];

/// Registers a family (placed in the .uk_socket_families linker table, which
/// is kept when uk_net_root is).
// Aligned to 8 by hand: GCC gives a 24-byte static 16, which would leave
// holes between the entries of the table that is walked as an array.
#define UK_SOCKET_FAMILY(name, ...)                                                                \
    extern "C" [[gnu::used, gnu::section(".uk_socket_families"),                                   \
                 gnu::aligned(8)]] const ::uk::net::SocketFamily uk_socket_family_##name =         \
        __VA_ARGS__
