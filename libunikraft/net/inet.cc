// AF_INET and AF_INET6 sockets (SOCK_STREAM over lwIP's TCP, SOCK_DGRAM
// over its UDP), through lwIP's raw API. lwIP runs in kernel context
// (net/lwip/sys_arch.cc): every use of it sits inside an lwip::Guard, and
// its callbacks update the socket and notify its wait queue, which is what
// blocking calls, poll, select and epoll wait on.
//
// Received TCP data stays in lwIP's pbufs until the app reads it, and the
// window reopens (tcp_recved) only then, so a socket that is not read stops
// its sender as on Linux. Sends copy the app's bytes through a bounce
// buffer (the app's memory is reached only through IoBuf's checked copies).
#include "lwip/ip.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "boot/exit.h"
#include "lib/errno.h"
#include "mm/kheap.h"
#include "mm/user.h"
#include "net/lwip/stack.h"
#include "net/socket.h"
#include "posix/random.h"
#include "sched/sched.h"
#include "vfs/vfs.h"

namespace uk::net {
namespace {

using vfs::IoBuf;
using vfs::PollTable;

// Socket option levels and names (Linux's).
constexpr int sol_socket = 1, ipproto_ip = 0, ipproto_tcp = 6, ipproto_udp = 17, ipproto_ipv6 = 41;
constexpr int so_debug = 1, so_reuseaddr = 2, so_type = 3, so_error = 4, so_dontroute = 5,
              so_broadcast = 6, so_sndbuf = 7, so_rcvbuf = 8, so_keepalive = 9, so_oobinline = 10,
              so_priority = 12, so_linger = 13, so_reuseport = 15, so_passcred = 16,
              so_rcvlowat = 18, so_sndlowat = 19, so_acceptconn = 30, so_sndbufforce = 32,
              so_rcvbufforce = 33, so_protocol = 38, so_domain = 39;
constexpr int tcp_nodelay = 1, tcp_maxseg = 2, tcp_cork = 3, tcp_keepidle = 4, tcp_keepintvl = 5,
              tcp_keepcnt = 6, tcp_info = 11, tcp_user_timeout = 18, tcp_notsent_lowat = 25;
// struct tcp_info's size and option bits; TCP_MAXSEG's bounds and default.
constexpr size_t tcp_info_size = 280;
constexpr uint8_t tcpi_opt_sack = 2, tcpi_opt_wscale = 4;
constexpr int min_mss = 88, max_window = 32767, default_mss = 536;
constexpr int ip_tos = 1, ip_ttl = 2, ecn_mask = 3, default_ttl = 64;
constexpr int ipv6_unicast_hops = 16, ipv6_v6only = 26, ipv6_tclass = 67;
// Linux's limits of the keepalive options (MAX_TCP_KEEPIDLE, ...).
constexpr int max_keepidle = 32767, max_keepintvl = 32767, max_keepcnt = 127;
// Linux's defaults (net.ipv4.tcp_rmem/tcp_wmem for TCP, net.core.rmem_default
// and wmem_default for UDP), net.core.rmem_max/wmem_max, and the floors.
constexpr uint32_t default_rcvbuf = 131072, default_sndbuf = 16384;
constexpr uint32_t udp_default_buf = 212992, buf_max = 212992;
constexpr uint32_t rcvbuf_min = 2304, sndbuf_min = 4608;

// SOL_SOCKET options lwIP has no use for: kept and reported back.
struct StoredOpt {
    int name;
    bool boolean;
};
constexpr StoredOpt stored_opts[] = {
    {so_debug, true},     {so_dontroute, true}, {so_oobinline, true},
    {so_priority, false}, {so_rcvlowat, false},
};
constexpr size_t n_stored_opts = sizeof(stored_opts) / sizeof(stored_opts[0]);
// ioctl requests: SIOCINQ is FIONREAD, SIOCOUTQ is TIOCOUTQ.
constexpr unsigned long siocinq = 0x541b, siocoutq = 0x5411, siocoutqnsd = 0x894b;
constexpr size_t bounce_size = 16384;
constexpr size_t udp_max_payload = 65507;

constinit uint32_t g_tcp_count = 0;
constinit uint32_t g_udp_count = 0;

uint16_t be16(uint16_t v) {
    return __builtin_bswap16(v);
}

// ---------------------------------------------------------------- addresses

// An app address into lwIP's terms. For an AF_INET6 socket an IPv4-mapped
// address (::ffff:a.b.c.d) becomes the IPv4 address.
long from_sockaddr(int family, const SockAddr& sa, ip_addr_t* ip, uint16_t* port) {
    if (family == af_inet) {
        if (sa.len < 16)
            return -EINVAL;
        if (sa.family() != af_inet)
            return -EAFNOSUPPORT;
        *port = be16(uint16_t(sa.bytes[2] | sa.bytes[3] << 8));
        uint32_t a;
        __builtin_memcpy(&a, sa.bytes + 4, 4);
        ip_addr_set_ip4_u32_val(*ip, a);
        return 0;
    }
    if (sa.len < 24)
        return -EINVAL;
    if (sa.family() != af_inet6)
        return -EAFNOSUPPORT;
    *port = be16(uint16_t(sa.bytes[2] | sa.bytes[3] << 8));
    uint32_t w[4];
    __builtin_memcpy(w, sa.bytes + 8, 16);
    if (w[0] == 0 && w[1] == 0 && w[2] == uint32_t(be16(0xffff)) << 16) {
        ip_addr_set_ip4_u32_val(*ip, w[3]);
        return 0;
    }
    IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
    ip6_addr_clear_zone(ip_2_ip6(ip));
    return 0;
}

// lwIP's address into the app's form for a socket of `family`.
void to_sockaddr(int family, const ip_addr_t* ip, uint16_t port, SockAddr* out) {
    __builtin_memset(out->bytes, 0, 28);
    out->bytes[0] = uint8_t(family);
    out->bytes[1] = 0;
    uint16_t p = be16(port);
    __builtin_memcpy(out->bytes + 2, &p, 2);
    if (family == af_inet) {
        uint32_t a = ip && IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
        __builtin_memcpy(out->bytes + 4, &a, 4);
        out->len = 16;
        return;
    }
    uint32_t w[4] = {0, 0, 0, 0};
    if (ip && IP_IS_V6(ip)) {
        for (int i = 0; i < 4; i++)
            w[i] = ip_2_ip6(ip)->addr[i];
    } else if (ip && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
        w[2] = uint32_t(be16(0xffff)) << 16;
        w[3] = ip4_addr_get_u32(ip_2_ip4(ip));
    }
    __builtin_memcpy(out->bytes + 8, w, 16);
    out->len = 28;
}

long err_to_errno(err_t e) {
    switch (e) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return -ENOMEM;
    case ERR_TIMEOUT:
        return -ETIMEDOUT;
    case ERR_RTE:
        return -ENETUNREACH;
    case ERR_INPROGRESS:
        return -EINPROGRESS;
    case ERR_VAL:
        return -EINVAL;
    case ERR_WOULDBLOCK:
        return -EAGAIN;
    case ERR_USE:
        return -EADDRINUSE;
    case ERR_ALREADY:
        return -EALREADY;
    case ERR_ISCONN:
        return -EISCONN;
    case ERR_CONN:
        return -ENOTCONN;
    case ERR_IF:
        return -ENETUNREACH;
    case ERR_ABRT:
        return -ECONNABORTED;
    case ERR_RST:
        return -ECONNRESET;
    case ERR_CLSD:
        return -ENOTCONN;
    case ERR_ARG:
        return -EINVAL;
    default:
        return -EIO;
    }
}

// The absolute deadline for a wait of `timeo_ns` (0: none).
uint64_t deadline_of(uint64_t timeo_ns) {
    return timeo_ns ? arch::monotonic_ns() + timeo_ns : 0;
}

// A wait's result as the call returns it: a timeout of SO_RCVTIMEO or
// SO_SNDTIMEO is EAGAIN; a signal restarts the call unless a timeout is
// set (Linux answers EINTR then).
long wait_result(long r, uint64_t timeo_ns) {
    if (r == -ETIMEDOUT)
        return -EAGAIN;
    if (r == -EINTR)
        return timeo_ns ? -EINTR : -arch::erestartsys;
    return r;
}

// ---------------------------------------------------------------- the common part

class InetSocket : public Socket {
  public:
    vfs::WaitQueue m_wq;
    bool m_reuseaddr = false;
    bool m_reuseport = false;
    bool m_v6only = false;
    bool m_keepalive = false;
    bool m_broadcast = false;
    uint32_t m_rcvbuf = default_rcvbuf;
    uint32_t m_sndbuf = default_sndbuf;
    bool m_linger_on = false;
    int m_linger_s = 0;
    long m_error = 0; // SO_ERROR: a pending asynchronous error (negative)
    // Options lwIP has no use for, kept to be reported back.
    int m_stored[n_stored_opts] = {};
    int m_tos = 0;
    int m_ttl = -1;   // IP_TTL; -1: the default
    int m_tclass = 0; // IPV6_TCLASS
    int m_hops = -1;  // IPV6_UNICAST_HOPS; -1: the default

    bool nonblocking(int flags) const {
        return (this->flags & vfs::o_nonblock) || (flags & msg_dontwait);
    }

    // lwIP's address type for a new pcb of this socket.
    u8_t ip_type() const {
        if (family == af_inet)
            return IPADDR_TYPE_V4;
        return m_v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
    }

    // For an AF_INET6 socket bound to "::" without IPV6_V6ONLY, lwIP's
    // any-type address takes both families.
    void widen_any(ip_addr_t* ip) const {
        if (family == af_inet6 && !m_v6only && IP_IS_V6(ip) && ip_addr_isany(ip))
            *ip = *IP_ANY_TYPE;
    }

    /// Whether the socket has a local port (IPV6_V6ONLY is fixed then).
    virtual bool bound() const = 0;
    /// Copies the options an accepted connection inherits from `from`.
    void inherit(const InetSocket& from);

    long common_setsockopt(int level, int name, const OptVal& val, bool* handled);
    long common_getsockopt(int level, int name, OptVal* val, bool* handled);
    long ip_setsockopt(int level, int name, const OptVal& val);
    long ip_getsockopt(int level, int name, OptVal* val);
};

long opt_int(const OptVal& v, int* out) {
    if (v.len < 4)
        return -EINVAL;
    __builtin_memcpy(out, v.bytes, 4);
    return 0;
}

long put_int(OptVal* v, int x) {
    uint32_t n = v->len < 4 ? v->len : 4;
    __builtin_memcpy(v->bytes, &x, n);
    v->len = n;
    return 0;
}

void InetSocket::inherit(const InetSocket& from) {
    m_reuseaddr = from.m_reuseaddr;
    m_reuseport = from.m_reuseport;
    m_v6only = from.m_v6only;
    m_keepalive = from.m_keepalive;
    m_broadcast = from.m_broadcast;
    m_rcvbuf = from.m_rcvbuf;
    m_sndbuf = from.m_sndbuf;
    m_linger_on = from.m_linger_on;
    m_linger_s = from.m_linger_s;
    __builtin_memcpy(m_stored, from.m_stored, sizeof(m_stored));
    m_tos = from.m_tos;
    m_ttl = from.m_ttl;
    m_tclass = from.m_tclass;
    m_hops = from.m_hops;
}

long InetSocket::common_setsockopt(int level, int name, const OptVal& val, bool* handled) {
    *handled = true;
    if (level != sol_socket) {
        *handled = false;
        return 0;
    }
    // Every SOL_SOCKET option Linux keeps takes an int.
    int x = 0;
    if (long r = opt_int(val, &x))
        return r;
    for (size_t i = 0; i < n_stored_opts; i++) {
        if (stored_opts[i].name == name) {
            m_stored[i] = stored_opts[i].boolean ? x != 0 : x;
            if (name == so_rcvlowat && x < 1)
                m_stored[i] = 1;
            return 0;
        }
    }
    switch (name) {
    case so_reuseaddr:
        m_reuseaddr = x != 0;
        return 0;
    case so_reuseport:
        m_reuseport = x != 0;
        return 0;
    case so_broadcast:
        m_broadcast = x != 0;
        return 0;
    case so_keepalive:
        m_keepalive = x != 0;
        return 0;
    case so_rcvbuf:
    case so_sndbuf:
    case so_rcvbufforce:
    case so_sndbufforce: {
        // Linux caps the plain forms at net.core.[rw]mem_max, doubles the
        // value (for its bookkeeping) and has floors.
        uint32_t u = uint32_t(x);
        if ((name == so_rcvbuf || name == so_sndbuf) && u > buf_max)
            u = buf_max;
        if (int(u) < 0)
            u = 0;
        u = u > 0x7fffffffu / 2 ? 0x7fffffffu : u * 2;
        if (name == so_rcvbuf || name == so_rcvbufforce)
            m_rcvbuf = u < rcvbuf_min ? rcvbuf_min : u;
        else
            m_sndbuf = u < sndbuf_min ? sndbuf_min : u;
        return 0;
    }
    case so_linger: {
        if (val.len < 8)
            return -EINVAL;
        int l[2];
        __builtin_memcpy(l, val.bytes, 8);
        m_linger_on = l[0] != 0;
        m_linger_s = l[1] < 0 ? 0 : l[1];
        return 0;
    }
    case so_sndlowat:
        return -ENOPROTOOPT;
    case so_passcred:
        return -EOPNOTSUPP;
    }
    return -ENOPROTOOPT;
}

long InetSocket::common_getsockopt(int level, int name, OptVal* val, bool* handled) {
    *handled = true;
    if (level == sol_socket) {
        for (size_t i = 0; i < n_stored_opts; i++)
            if (stored_opts[i].name == name)
                return put_int(val, name == so_rcvlowat && !m_stored[i] ? 1 : m_stored[i]);
        switch (name) {
        case so_type:
            return put_int(val, type);
        case so_domain:
            return put_int(val, family);
        case so_protocol:
            return put_int(val, type == sock_stream ? ipproto_tcp : ipproto_udp);
        case so_error: {
            long e = m_error;
            m_error = 0;
            return put_int(val, int(-e));
        }
        case so_reuseaddr:
            return put_int(val, m_reuseaddr);
        case so_reuseport:
            return put_int(val, m_reuseport);
        case so_keepalive:
            return put_int(val, m_keepalive);
        case so_broadcast:
            return put_int(val, m_broadcast);
        case so_rcvbuf:
            return put_int(val, int(m_rcvbuf));
        case so_sndbuf:
            return put_int(val, int(m_sndbuf));
        case so_sndlowat:
            return put_int(val, 1);
        case so_linger: {
            int l[2] = {m_linger_on, m_linger_s};
            uint32_t n = val->len < 8 ? val->len : 8;
            __builtin_memcpy(val->bytes, l, n);
            val->len = n;
            return 0;
        }
        case so_passcred:
            return -EOPNOTSUPP;
        }
        return -ENOPROTOOPT;
    }
    *handled = false;
    return 0;
}

// The IP and IPv6 levels (ip_setsockopt, ipv6_setsockopt): an AF_INET6
// socket takes IPPROTO_IP options too.
long InetSocket::ip_setsockopt(int level, int name, const OptVal& val) {
    if (level == ipproto_ip) {
        // Linux takes these as an int, or as one byte when shorter.
        int x = 0;
        if (val.len >= 4)
            __builtin_memcpy(&x, val.bytes, 4);
        else if (val.len >= 1)
            x = val.bytes[0];
        switch (name) {
        case ip_tos:
            // TCP keeps the ECN bits its own.
            if (type == sock_stream)
                x = (x & ~ecn_mask) | (m_tos & ecn_mask);
            m_tos = x & 0xff;
            return 0;
        case ip_ttl:
            if (val.len < 1)
                return -EINVAL;
            if (x != -1 && (x < 1 || x > 255))
                return -EINVAL;
            m_ttl = x;
            return 0;
        }
        return -ENOPROTOOPT;
    }
    if (level != ipproto_ipv6 || family != af_inet6)
        return -ENOPROTOOPT;
    int x = 0;
    switch (name) {
    case ipv6_v6only:
        if (val.len < 4 || bound())
            return -EINVAL;
        __builtin_memcpy(&x, val.bytes, 4);
        m_v6only = x != 0;
        return 0;
    case ipv6_tclass:
        if (opt_int(val, &x) || x < -1 || x > 0xff)
            return -EINVAL;
        m_tclass = x == -1 ? 0 : x;
        return 0;
    case ipv6_unicast_hops:
        if (opt_int(val, &x) || x < -1 || x > 255)
            return -EINVAL;
        m_hops = x;
        return 0;
    }
    return -ENOPROTOOPT;
}

long InetSocket::ip_getsockopt(int level, int name, OptVal* val) {
    if (level == ipproto_ip) {
        int x;
        switch (name) {
        case ip_tos:
            x = m_tos;
            break;
        case ip_ttl:
            x = m_ttl == -1 ? default_ttl : m_ttl;
            break;
        default:
            return -ENOPROTOOPT;
        }
        // A buffer shorter than an int gets one byte (do_ip_getsockopt).
        if (val->len > 0 && val->len < 4) {
            val->bytes[0] = uint8_t(x);
            val->len = 1;
            return 0;
        }
        return put_int(val, x);
    }
    if (family != af_inet6)
        return -EOPNOTSUPP;
    if (level != ipproto_ipv6)
        return -ENOPROTOOPT;
    switch (name) {
    case ipv6_v6only:
        return put_int(val, m_v6only);
    case ipv6_tclass:
        return put_int(val, m_tclass);
    case ipv6_unicast_hops:
        return put_int(val, m_hops == -1 ? default_ttl : m_hops);
    }
    return -ENOPROTOOPT;
}

// ---------------------------------------------------------------- TCP

class TcpSocket final : public InetSocket {
  public:
    enum class State : uint8_t { fresh, bound, listening, connecting, connected, closed };

    struct tcp_pcb* m_pcb = nullptr;
    State m_state = State::fresh;
    // Received bytes: a chain of pbufs (linked through `next` with our own
    // count, since a chain's tot_len is 16 bits), the first m_rx_off bytes
    // of its head already read.
    struct pbuf* m_rx = nullptr;
    struct pbuf* m_rx_tail = nullptr;
    size_t m_rx_bytes = 0;
    size_t m_rx_off = 0;
    bool m_rx_eof = false; // the peer's FIN
    bool m_shut_rd = false;
    bool m_shut_wr = false;
    bool m_nodelay = false;
    bool m_reset = false;                                   // the connection ended with an error
    bool m_connect_pending = false;                         // connect() said EINPROGRESS
    int m_keepidle = 7200, m_keepintvl = 75, m_keepcnt = 9; // s, s, probes
    int m_maxseg = 0;                                       // TCP_MAXSEG; 0: none set
    bool m_cork = false;
    bool m_cork_timer = false; // cork_expired is due
    int m_user_timeout = 0, m_notsent_lowat = -1;
    // SO_REUSEPORT listeners on one address share one lwIP listener, owned
    // by one of them (whose m_pcb it is): a ring through m_group_next
    // (itself when alone), served in turn by m_group_turn of the owner.
    TcpSocket* m_group_next = this;
    TcpSocket* m_group_turn = nullptr;
    // Listening: connections not yet accepted.
    TcpSocket** m_accq = nullptr;
    uint32_t m_acc_cap = 0, m_acc_head = 0, m_acc_len = 0;
    TcpSocket* m_listener = nullptr; // while on a listener's queue
    char* m_bounce = nullptr;
    // The addresses, kept when lwIP lets go of the pcb.
    ip_addr_t m_local_ip{}, m_remote_ip{};
    uint16_t m_local_port = 0, m_remote_port = 0;

    long bind(const SockAddr& addr) override;
    long listen(int backlog) override;
    long accept(Socket** out, SockAddr* peer, int flags) override;
    long connect(const SockAddr& addr) override;
    long sendmsg(MsgIo& msg) override;
    long recvmsg(MsgIo& msg) override;
    long shutdown(int how) override;
    long getsockname(SockAddr* out) override;
    long getpeername(SockAddr* out) override;
    long setsockopt(int level, int name, const OptVal& val) override;
    long getsockopt(int level, int name, OptVal* val) override;
    uint32_t poll(PollTable* pt) override;
    long ioctl(unsigned long cmd, uint64_t arg) override;
    void close() override;
    void close_now();
    void linger();

    long ensure_pcb();
    size_t send_room(bool by_ref = false) const;
    void output(bool more);
    void push(bool past_nagle);
    void stop_cork_timer();
    void initial_window();
    static void cork_expired(void* arg);
    void attach(struct tcp_pcb* pcb);
    void detach();
    void rx_consume(size_t n);
    void drop_rx();
    void apply_opts();
    bool bound() const override { return m_state != State::fresh || m_local_port; }
    TcpSocket* reuseport_owner() const;
    void leave_group();
    long get_info(OptVal* val);
    void wake(uint32_t ev) { m_wq.notify(ev); }

    static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
    static err_t on_sent(void* arg, struct tcp_pcb* pcb, u16_t len);
    static void on_err(void* arg, err_t err);
    static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err);
    static err_t on_accept(void* arg, struct tcp_pcb* newpcb, err_t err);
};

TcpSocket* new_tcp(int family) {
    if (g_tcp_count >= lwip::max_tcp_pcbs())
        return nullptr;
    auto* s = vfs::make<TcpSocket>();
    if (!s)
        return nullptr;
    s->family = family;
    s->type = sock_stream;
    s->protocol = ipproto_tcp;
    s->flags = vfs::o_rdwr;
    g_tcp_count++;
    return s;
}

void TcpSocket::attach(struct tcp_pcb* pcb) {
    m_pcb = pcb;
    tcp_arg(pcb, this);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
}

void TcpSocket::detach() {
    if (!m_pcb)
        return;
    ip_addr_copy(m_local_ip, m_pcb->local_ip);
    m_local_port = m_pcb->local_port;
    if (m_pcb->state != LISTEN) {
        ip_addr_copy(m_remote_ip, m_pcb->remote_ip);
        m_remote_port = m_pcb->remote_port;
    }
    stop_cork_timer();
    tcp_arg(m_pcb, nullptr);
    if (m_pcb->state != LISTEN) {
        tcp_recv(m_pcb, nullptr);
        tcp_sent(m_pcb, nullptr);
        tcp_err(m_pcb, nullptr);
    } else {
        tcp_accept(m_pcb, nullptr);
    }
    m_pcb = nullptr;
}

void TcpSocket::apply_opts() {
    if (!m_pcb)
        return;
    // Which binds conflict is decided by tcp_port_taken, as Linux decides
    // it: lwIP's own check (which knows no SO_REUSEPORT) is left out.
    ip_set_option(m_pcb, SOF_REUSEADDR);
    if (m_keepalive)
        ip_set_option(m_pcb, SOF_KEEPALIVE);
    else
        ip_reset_option(m_pcb, SOF_KEEPALIVE);
    m_pcb->tos = u8_t(family == af_inet ? m_tos : m_tclass);
    m_pcb->ttl =
        u8_t((family == af_inet ? m_ttl : m_hops) == -1 ? default_ttl
                                                        : (family == af_inet ? m_ttl : m_hops));
    if (m_pcb->state != LISTEN) {
        // Corked, short segments wait: lwIP's Nagle test holds them while
        // anything is unacknowledged, and output() while nothing is.
        if (m_nodelay && !m_cork)
            tcp_nagle_disable(m_pcb);
        else
            tcp_nagle_enable(m_pcb);
        m_pcb->keep_idle = u32_t(m_keepidle) * 1000;
        m_pcb->keep_intvl = u32_t(m_keepintvl) * 1000;
        m_pcb->keep_cnt = u32_t(m_keepcnt);
    }
}

// Whether two local addresses of one port overlap: equal, or one is an
// any address of a family the other has (a dual-stack "::" has both).
bool addrs_overlap(const ip_addr_t* a, const ip_addr_t* b) {
    bool a_dual = IP_GET_TYPE(a) == IPADDR_TYPE_ANY, b_dual = IP_GET_TYPE(b) == IPADDR_TYPE_ANY;
    if (a_dual || b_dual)
        return true;
    if (IP_IS_V6(a) != IP_IS_V6(b))
        return false;
    return ip_addr_isany(a) || ip_addr_isany(b) || ip_addr_cmp(a, b);
}

// inet_csk_bind_conflict: whether `ip`:`port` is taken for `s` by another
// TCP endpoint, given both sides' SO_REUSEADDR and SO_REUSEPORT. A pcb
// whose socket is gone (closing, TIME_WAIT) counts as without options.
bool tcp_port_taken(const TcpSocket* s, const ip_addr_t* ip, uint16_t port) {
    auto taken = [&](const ip_addr_t* local, uint16_t lport, bool listening, void* arg) {
        if (lport != port || !addrs_overlap(local, ip))
            return false;
        auto* o = static_cast<const TcpSocket*>(arg);
        if (o == s)
            return false;
        if (o && s->m_reuseport && o->m_reuseport)
            return false;
        if (s->m_reuseaddr && !listening && (!o || o->m_reuseaddr))
            return false;
        return true;
    };
    for (struct tcp_pcb_listen* p = tcp_listen_pcbs.listen_pcbs; p; p = p->next)
        if (taken(&p->local_ip, p->local_port, true, p->callback_arg))
            return true;
    struct tcp_pcb* const* lists[] = {&tcp_bound_pcbs, &tcp_active_pcbs, &tcp_tw_pcbs};
    for (struct tcp_pcb* const* list : lists)
        for (struct tcp_pcb* p = *list; p; p = p->next)
            if (p != s->m_pcb && taken(&p->local_ip, p->local_port, false, p->callback_arg))
                return true;
    return false;
}

long TcpSocket::ensure_pcb() {
    if (m_pcb)
        return 0;
    if (m_state != State::fresh)
        return -EINVAL;
    struct tcp_pcb* pcb = tcp_new_ip_type(ip_type());
    if (!pcb)
        return -ENOMEM;
    attach(pcb);
    apply_opts();
    return 0;
}

err_t TcpSocket::on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (!s) {
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        // In TIME_WAIT lwIP frees the pcb later without telling, and from
        // CLOSING (both sides sent a FIN at once) it moves there when our
        // FIN is acknowledged, without a callback either: let go now. What
        // is left to do (resend the FIN) is lwIP's alone.
        if (pcb->state == TIME_WAIT || pcb->state == CLOSING)
            s->detach();
        s->m_rx_eof = true;
        s->wake(vfs::ev_in | vfs::ev_rdhup);
        return ERR_OK;
    }
    if (s->m_shut_rd) {
        // Linux drops what arrives after SHUT_RD and keeps the window open.
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    size_t n = 0;
    struct pbuf* last = p;
    for (struct pbuf* q = p; q; q = q->next) {
        n += q->len;
        last = q;
    }
    if (s->m_rx_tail)
        s->m_rx_tail->next = p;
    else
        s->m_rx = p;
    s->m_rx_tail = last;
    s->m_rx_bytes += n;
    s->wake(vfs::ev_in);
    return ERR_OK;
}

err_t TcpSocket::on_sent(void* arg, struct tcp_pcb*, u16_t) {
    if (auto* s = static_cast<TcpSocket*>(arg))
        s->wake(vfs::ev_out);
    return ERR_OK;
}

// The pcb is gone (lwIP freed it): a reset, or a connection it gave up on.
void TcpSocket::on_err(void* arg, err_t err) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (!s)
        return;
    s->stop_cork_timer();
    s->m_pcb = nullptr;
    long e = err_to_errno(err);
    if (s->m_state == State::connecting)
        e = err == ERR_RST ? -ECONNREFUSED : e == -ECONNABORTED ? -ETIMEDOUT : e;
    if (err != ERR_CLSD) {
        s->m_error = e;
        s->m_reset = true;
    }
    s->m_state = State::closed;
    if (s->m_listener) {
        // Reset before it was accepted: accept() skips it.
        s->m_reset = true;
    }
    s->wake(vfs::ev_in | vfs::ev_out | vfs::ev_err | vfs::ev_hup);
}

err_t TcpSocket::on_connected(void* arg, struct tcp_pcb*, err_t) {
    auto* s = static_cast<TcpSocket*>(arg);
    if (!s)
        return ERR_OK;
    s->m_state = State::connected;
    s->initial_window();
    s->wake(vfs::ev_out);
    return ERR_OK;
}

err_t TcpSocket::on_accept(void* arg, struct tcp_pcb* newpcb, err_t err) {
    auto* owner = static_cast<TcpSocket*>(arg);
    if (!owner || err != ERR_OK || !newpcb)
        return ERR_VAL;
    // SO_REUSEPORT listeners take connections in turn; one whose queue
    // is full is passed over.
    TcpSocket* l = owner->m_group_turn ? owner->m_group_turn : owner;
    for (TcpSocket* t = l; t->m_acc_len == t->m_acc_cap;) {
        t = t->m_group_next;
        if (t == l) {
            tcp_abort(newpcb);
            return ERR_ABRT;
        }
        l = t;
    }
    owner->m_group_turn = l->m_group_next;
    TcpSocket* s = new_tcp(l->family);
    if (!s) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    s->attach(newpcb);
    s->m_state = State::connected;
    s->inherit(*l);
    s->m_nodelay = l->m_nodelay;
    s->m_keepidle = l->m_keepidle;
    s->m_keepintvl = l->m_keepintvl;
    s->m_keepcnt = l->m_keepcnt;
    s->m_maxseg = l->m_maxseg;
    s->m_listener = l;
    s->apply_opts();
    tcp_backlog_delayed(newpcb);
    l->m_accq[(l->m_acc_head + l->m_acc_len++) % l->m_acc_cap] = s;
    l->wake(vfs::ev_in);
    return ERR_OK;
}

long TcpSocket::bind(const SockAddr& addr) {
    ip_addr_t ip;
    uint16_t port;
    if (long r = from_sockaddr(family, addr, &ip, &port))
        return r;
    lwip::Guard g;
    if (m_state != State::fresh)
        return -EINVAL;
    if (long r = ensure_pcb())
        return r;
    widen_any(&ip);
    if (IP_IS_V4(&ip) && m_v6only && family == af_inet6)
        return -EADDRNOTAVAIL;
    if (IP_IS_V4(&ip) && family == af_inet6 && IP_GET_TYPE(&m_pcb->local_ip) == IPADDR_TYPE_ANY)
        IP_SET_TYPE_VAL(m_pcb->local_ip, IPADDR_TYPE_V4);
    if (port && tcp_port_taken(this, &ip, port))
        return -EADDRINUSE;
    apply_opts();
    err_t e = tcp_bind(m_pcb, &ip, port);
    if (e == ERR_VAL)
        return -EADDRNOTAVAIL;
    if (e != ERR_OK)
        return err_to_errno(e);
    m_state = State::bound;
    return 0;
}

long TcpSocket::listen(int backlog) {
    lwip::Guard g;
    if (m_state == State::listening) {
        return 0;
    }
    if (m_state != State::fresh && m_state != State::bound)
        return -EINVAL;
    if (long r = ensure_pcb())
        return r;
    if (backlog < 0)
        backlog = 0;
    TcpSocket* group = m_reuseport && m_state == State::bound ? reuseport_owner() : nullptr;
    if (backlog > 4096)
        backlog = 4096;
    // Linux queues up to backlog + 1 connections before it refuses more.
    uint32_t cap = uint32_t(backlog) + 1;
    auto** q = static_cast<TcpSocket**>(kheap_alloc(cap * sizeof(TcpSocket*)));
    if (!q)
        return -ENOMEM;
    if (group) {
        // Another SO_REUSEPORT listener has this address: share its lwIP
        // listener, and let go of this socket's own bound pcb.
        struct tcp_pcb* own = m_pcb;
        detach();
        tcp_close(own);
        m_group_next = group->m_group_next;
        group->m_group_next = this;
        m_accq = q;
        m_acc_cap = cap;
        m_state = State::listening;
        return 0;
    }
    apply_opts();
    err_t e = ERR_OK;
    struct tcp_pcb* lpcb = tcp_listen_with_backlog_and_err(m_pcb, u8_t(cap > 255 ? 255 : cap), &e);
    if (!lpcb) {
        kheap_free(q);
        return err_to_errno(e);
    }
    // tcp_listen freed the old pcb.
    m_pcb = lpcb;
    tcp_arg(lpcb, this);
    tcp_accept(lpcb, on_accept);
    m_accq = q;
    m_acc_cap = cap;
    m_state = State::listening;
    return 0;
}

// The SO_REUSEPORT listener on this socket's address that it may share.
TcpSocket* TcpSocket::reuseport_owner() const {
    for (struct tcp_pcb_listen* p = tcp_listen_pcbs.listen_pcbs; p; p = p->next) {
        auto* o = static_cast<TcpSocket*>(p->callback_arg);
        if (o && o->m_reuseport && p->local_port == m_pcb->local_port &&
            IP_GET_TYPE(&p->local_ip) == IP_GET_TYPE(&m_pcb->local_ip) &&
            ip_addr_cmp(&p->local_ip, &m_pcb->local_ip))
            return o;
    }
    return nullptr;
}

// Takes a listener out of its SO_REUSEPORT group; the lwIP listener goes
// to another member when this one owned it.
void TcpSocket::leave_group() {
    if (m_group_next == this)
        return;
    TcpSocket* prev = m_group_next;
    while (prev->m_group_next != this)
        prev = prev->m_group_next;
    prev->m_group_next = m_group_next;
    TcpSocket* next = m_group_next;
    m_group_next = this;
    if (m_pcb) {
        next->m_pcb = m_pcb;
        tcp_arg(m_pcb, next);
        m_pcb = nullptr;
        next->m_group_turn = nullptr;
        return;
    }
    for (TcpSocket* t = next;; t = t->m_group_next) {
        if (t->m_pcb) {
            if (t->m_group_turn == this)
                t->m_group_turn = nullptr;
            break;
        }
        if (t->m_group_next == next)
            break;
    }
}

long TcpSocket::accept(Socket** out, SockAddr* peer, int flags) {
    if (m_state != State::listening)
        return -EINVAL;
    for (;;) {
        if (m_acc_len) {
            TcpSocket* s = m_accq[m_acc_head];
            m_acc_head = (m_acc_head + 1) % m_acc_cap;
            m_acc_len--;
            s->m_listener = nullptr;
            lwip::Guard g;
            if (s->m_pcb) {
                tcp_backlog_accepted(s->m_pcb);
                s->initial_window();
            }
            if (flags & sock_nonblock)
                s->flags |= vfs::o_nonblock;
            if (peer) {
                if (s->m_pcb)
                    to_sockaddr(family, &s->m_pcb->remote_ip, s->m_pcb->remote_port, peer);
                else
                    to_sockaddr(family, nullptr, 0, peer);
            }
            *out = s;
            return 0;
        }
        if (this->flags & vfs::o_nonblock)
            return -EAGAIN;
        long r = vfs::wait_until(m_wq, deadline_of(rcvtimeo_ns),
                                 [this] { return m_acc_len || m_state != State::listening; });
        if (r)
            return wait_result(r, rcvtimeo_ns);
        if (m_state != State::listening)
            return -EINVAL;
    }
}

long TcpSocket::connect(const SockAddr& addr) {
    ip_addr_t ip;
    uint16_t port;
    if (long r = from_sockaddr(family, addr, &ip, &port))
        return r;
    switch (m_state) {
    case State::connecting:
        return -EALREADY;
    case State::connected:
        // The first connect after EINPROGRESS reports the success.
        if (m_connect_pending) {
            m_connect_pending = false;
            return 0;
        }
        return -EISCONN;
    case State::listening:
        return -EISCONN;
    case State::closed:
        if (m_error) {
            long e = m_error;
            m_error = 0;
            return e;
        }
        return -EISCONN;
    default:
        break;
    }
    {
        lwip::Guard g;
        if (long r = ensure_pcb())
            return r;
        if (IP_IS_V4(&ip) && family == af_inet6) {
            if (m_v6only)
                return -ENETUNREACH;
        }
        if (ip_addr_isany(&ip)) {
            // Linux connects to the any address as to the local host.
            if (IP_IS_V4(&ip))
                ip_addr_set_loopback(0, &ip);
            else
                ip_addr_set_loopback(1, &ip);
        }
        m_state = State::connecting;
        err_t e = tcp_connect(m_pcb, &ip, port, on_connected);
        if (e != ERR_OK) {
            m_state = State::fresh;
            return err_to_errno(e);
        }
    }
    // A non-blocking connect says EINPROGRESS even when, on loopback, the
    // handshake (or the refusal) is already over, as Linux's does; the
    // outcome is SO_ERROR's, or the next connect's.
    if (flags & vfs::o_nonblock) {
        m_connect_pending = m_state == State::connected;
        return -EINPROGRESS;
    }
    if (m_state == State::connected)
        return 0;
    long r = vfs::wait_until(m_wq, deadline_of(sndtimeo_ns),
                             [this] { return m_state != State::connecting; });
    if (r) {
        if (r == -ETIMEDOUT)
            return -EINPROGRESS;
        return r == -EINTR ? -EINTR : r;
    }
    if (m_state == State::connected)
        return 0;
    long e = m_error ? m_error : -ECONNREFUSED;
    m_error = 0;
    return e;
}

long TcpSocket::sendmsg(MsgIo& msg) {
    IoBuf& buf = *msg.data;
    if (m_state == State::connecting) {
        if (nonblocking(msg.flags))
            return -EAGAIN;
        long r = vfs::wait_until(m_wq, deadline_of(sndtimeo_ns),
                                 [this] { return m_state != State::connecting; });
        if (r)
            return wait_result(r, sndtimeo_ns);
    }
    if (m_state != State::connected && m_state != State::closed)
        return -ENOTCONN;
    if (!m_bounce) {
        m_bounce = static_cast<char*>(kheap_alloc(bounce_size));
        if (!m_bounce)
            return -ENOMEM;
    }
    size_t done = 0;
    uint64_t deadline = deadline_of(sndtimeo_ns);
    // Lasting bytes (sendfile from the initrd) are queued by reference:
    // lwIP's segments point at them, and so, through net::frame_hold, do
    // the device's descriptors.
    bool by_ref = buf.is_lasting();
    while (buf.left() || (done == 0 && buf.left() == 0)) {
        if (m_error && m_reset) {
            long e = m_error;
            m_error = 0;
            return done ? long(done) : e;
        }
        if (m_shut_wr || !m_pcb)
            return done ? long(done) : -EPIPE;
        if (buf.left() == 0)
            return 0;
        size_t room;
        {
            lwip::Guard g;
            room = send_room(by_ref);
            size_t n = buf.left() < room ? buf.left() : room;
            if (n > 0xffff) // tcp_write's length
                n = 0xffff;
            if (room) {
                // tcp_write copies what it takes (or, for lasting bytes,
                // refers to them), so kernel memory (sendfile's and splice's
                // buffers) goes to it as it is; the app's only through the
                // checked copy into the bounce buffer.
                const char* src = m_bounce;
                size_t got;
                uint64_t at;
                size_t span;
                if (!buf.is_user() && buf.span(&at, &span)) {
                    src = reinterpret_cast<const char*>(at);
                    got = n < span ? n : span;
                    buf.skip(got);
                } else {
                    got = buf.drain(m_bounce, n < bounce_size ? n : bounce_size);
                }
                if (got == 0)
                    return done ? long(done) : buf.result(0);
                u8_t fl = u8_t((by_ref && src != m_bounce ? 0 : TCP_WRITE_FLAG_COPY) |
                               (buf.left() ? TCP_WRITE_FLAG_MORE : 0));
                err_t e = tcp_write(m_pcb, src, u16_t(got), fl);
                if (e != ERR_OK) {
                    // Not queued: give the bytes back to the next try.
                    if (e == ERR_MEM) {
                        room = 0;
                        tcp_output(m_pcb);
                    } else {
                        return done ? long(done) : err_to_errno(e);
                    }
                } else {
                    done += got;
                    if (!buf.left() || tcp_sndbuf(m_pcb) == 0)
                        output(msg.flags & msg_more);
                    continue;
                }
                // The bytes were drained from the app's buffer but not sent:
                // report what went, and let the caller send the rest.
                if (done)
                    return long(done);
                return -ENOMEM;
            }
        }
        if (nonblocking(msg.flags))
            return done ? long(done) : -EAGAIN;
        long r = vfs::wait_until(m_wq, deadline, [this, by_ref] {
            return !m_pcb || m_shut_wr || m_error || send_room(by_ref);
        });
        if (r) {
            if (done)
                return long(done);
            return wait_result(r, sndtimeo_ns);
        }
    }
    return long(done);
}

// Sends what is queued, as far as Nagle's test lets it; corked (TCP_CORK,
// or MSG_MORE for this send: `more`), only full segments: a short last one
// waits for the cork to be pulled or the next send.
void TcpSocket::output(bool more) {
    struct tcp_seg* u = m_pcb->unsent;
    if ((m_cork || more) && u && !u->next && u->len < m_pcb->mss) {
        // Held at most 200 ms, as Linux holds corked data (tcp(7)).
        if (!m_cork_timer) {
            sys_timeout(200, cork_expired, this);
            m_cork_timer = true;
        }
        return;
    }
    stop_cork_timer();
    tcp_output(m_pcb);
}

// A new connection starts with RFC 6928's initial window, ten segments as
// on Linux, instead of lwIP's RFC 2581 one (three), which lwIP set when the
// connection was established: from connect's completion, or accept.
void TcpSocket::initial_window() {
    struct tcp_pcb* p = m_pcb;
    if (!p || p->unsent || p->unacked || p->snd_nxt != p->lastack || p->state != ESTABLISHED)
        return;
    // min(10 * MSS, max(2 * MSS, 14600 bytes))
    u32_t mss = p->mss;
    u32_t floor = 2 * mss > 14600 ? 2 * mss : 14600;
    u32_t iw = 10 * mss < floor ? 10 * mss : floor;
    if (p->cwnd < iw)
        p->cwnd = tcpwnd_size_t(iw);
}

void TcpSocket::stop_cork_timer() {
    if (m_cork_timer) {
        sys_untimeout(cork_expired, this);
        m_cork_timer = false;
    }
}

// A held short segment's time is up: send it, corked or not.
void TcpSocket::cork_expired(void* arg) {
    auto* s = static_cast<TcpSocket*>(arg);
    s->m_cork_timer = false;
    if (s->m_pcb)
        tcp_output(s->m_pcb);
}

// Linux's tcp_push_pending_frames when TCP_NODELAY is set or TCP_CORK
// pulled: sends all that is queued when `past_nagle`, else as Nagle's test
// in Minshall's form lets it (a short last segment waits only while an
// earlier short one is unacknowledged).
void TcpSocket::push(bool past_nagle) {
    if (!past_nagle) {
        past_nagle = true;
        for (struct tcp_seg* s = m_pcb->unacked; s; s = s->next)
            if (s->len && s->len < m_pcb->mss)
                past_nagle = false;
    }
    if (past_nagle)
        tcp_nagle_disable(m_pcb);
    stop_cork_timer();
    tcp_output(m_pcb);
    apply_opts();
}

// How many bytes one tcp_write may take now: what the send buffer has
// room for, and no more than the segment queue can hold (tcp_write refuses
// what would need more segments than are left, and a send that waits must
// wait for exactly what this says). A write by reference (`by_ref`) takes
// two pbufs a segment, the headers' and the bytes'.
size_t TcpSocket::send_room(bool by_ref) const {
    if (!m_pcb)
        return 0;
    size_t used = tcp_sndqueuelen(m_pcb);
    if (used + 4 >= TCP_SND_QUEUELEN)
        return 0;
    size_t mss = m_pcb->mss ? m_pcb->mss : 536;
    size_t by_queue = (TCP_SND_QUEUELEN - used - 4) / (by_ref ? 2 : 1) * mss;
    size_t by_buf = tcp_sndbuf(m_pcb);
    return by_queue < by_buf ? by_queue : by_buf;
}

// Frees the first n unread bytes and reopens the window by as much.
void TcpSocket::rx_consume(size_t n) {
    m_rx_bytes -= n;
    size_t total = n;
    while (n) {
        size_t in_head = m_rx->len - m_rx_off;
        if (n < in_head) {
            m_rx_off += n;
            break;
        }
        n -= in_head;
        struct pbuf* q = m_rx;
        m_rx = q->next;
        q->next = nullptr;
        pbuf_free(q);
        m_rx_off = 0;
        if (!m_rx)
            m_rx_tail = nullptr;
    }
    lwip::Guard g;
    while (m_pcb && total) {
        u16_t k = total > 0xffff ? 0xffff : u16_t(total);
        tcp_recved(m_pcb, k);
        total -= k;
    }
}

void TcpSocket::drop_rx() {
    while (m_rx) {
        struct pbuf* q = m_rx;
        m_rx = q->next;
        q->next = nullptr;
        pbuf_free(q);
    }
    m_rx_tail = nullptr;
    m_rx_bytes = 0;
    m_rx_off = 0;
}

long TcpSocket::recvmsg(MsgIo& msg) {
    IoBuf& buf = *msg.data;
    if (msg.flags & msg_oob)
        return -EINVAL;
    if (m_state == State::listening || m_state == State::fresh || m_state == State::bound ||
        m_state == State::connecting)
        return -ENOTCONN;
    bool peek = msg.flags & msg_peek;
    bool waitall = (msg.flags & msg_waitall) && !peek;
    size_t done = 0;
    uint64_t deadline = deadline_of(rcvtimeo_ns);
    for (;;) {
        if (m_rx_bytes && buf.left()) {
            size_t off = m_rx_off;
            size_t want = buf.left();
            size_t got = 0;
            for (struct pbuf* q = m_rx; q && got < want; q = q->next) {
                size_t avail = q->len - off;
                size_t k = avail < want - got ? avail : want - got;
                size_t c = buf.fill(static_cast<char*>(q->payload) + off, k);
                got += c;
                if (c < k)
                    break;
                off = 0;
            }
            if (got == 0 && buf.faulted())
                return done ? long(done) : -EFAULT;
            if (!peek)
                rx_consume(got);
            done += got;
            if (buf.faulted() || peek || !waitall || !buf.left())
                return long(done);
        }
        if (buf.left() == 0)
            return long(done);
        if (m_rx_eof || m_shut_rd)
            return long(done);
        if (m_reset && m_error) {
            if (done)
                return long(done);
            long e = m_error;
            m_error = 0;
            return e;
        }
        if (!m_pcb)
            return long(done);
        if (done && !waitall)
            return long(done);
        if (nonblocking(msg.flags))
            return done ? long(done) : -EAGAIN;
        long r = vfs::wait_until(m_wq, deadline, [this] {
            return m_rx_bytes || m_rx_eof || m_shut_rd || !m_pcb || (m_reset && m_error);
        });
        if (r) {
            if (done)
                return long(done);
            return wait_result(r, rcvtimeo_ns);
        }
    }
}

long TcpSocket::shutdown(int how) {
    if (how < shut_rd || how > shut_rdwr)
        return -EINVAL;
    if (m_state != State::connected && m_state != State::connecting && m_state != State::closed) {
        if (m_state == State::listening && how != shut_wr) {
            // Linux wakes accept() and stops listening.
            return -ENOTCONN;
        }
        return -ENOTCONN;
    }
    if (m_state == State::closed && !m_pcb && !m_rx_bytes && !m_rx_eof)
        return -ENOTCONN;
    lwip::Guard g;
    if (how != shut_wr) {
        m_shut_rd = true;
    }
    if (how != shut_rd && !m_shut_wr) {
        m_shut_wr = true;
        if (m_pcb)
            tcp_shutdown(m_pcb, 0, 1);
    }
    wake(vfs::ev_in | vfs::ev_out | vfs::ev_rdhup | vfs::ev_hup);
    return 0;
}

long TcpSocket::getsockname(SockAddr* out) {
    if (m_pcb)
        to_sockaddr(family, &m_pcb->local_ip, m_pcb->local_port, out);
    else
        to_sockaddr(family, &m_local_ip, m_local_port, out);
    return 0;
}

long TcpSocket::getpeername(SockAddr* out) {
    if (m_state != State::connected)
        return -ENOTCONN;
    if (m_pcb)
        to_sockaddr(family, &m_pcb->remote_ip, m_pcb->remote_port, out);
    else
        to_sockaddr(family, &m_remote_ip, m_remote_port, out);
    return 0;
}

long TcpSocket::setsockopt(int level, int name, const OptVal& val) {
    bool handled;
    long r = common_setsockopt(level, name, val, &handled);
    if (handled) {
        if (r == 0) {
            lwip::Guard g;
            apply_opts();
        }
        return r;
    }
    if (level != ipproto_tcp) {
        r = ip_setsockopt(level, name, val);
        if (r == 0) {
            lwip::Guard g;
            apply_opts();
        }
        return r;
    }
    int x = 0;
    if (long e = opt_int(val, &x))
        return e;
    switch (name) {
    case tcp_nodelay:
    case tcp_cork: {
        // Setting TCP_NODELAY sends what is queued, corked or not; pulling
        // the cork sends it as Nagle's test allows (tcp(7)).
        bool pulled = name == tcp_cork && m_cork && !x;
        if (name == tcp_nodelay)
            m_nodelay = x != 0;
        else
            m_cork = x != 0;
        lwip::Guard g;
        apply_opts();
        if (m_pcb && m_pcb->state != LISTEN && ((name == tcp_nodelay && x) || pulled))
            push(m_nodelay);
        return 0;
    }
    case tcp_keepidle:
    case tcp_keepintvl:
    case tcp_keepcnt: {
        int max = name == tcp_keepidle    ? max_keepidle
                  : name == tcp_keepintvl ? max_keepintvl
                                          : max_keepcnt;
        if (x < 1 || x > max)
            return -EINVAL;
        (name == tcp_keepidle ? m_keepidle : name == tcp_keepintvl ? m_keepintvl : m_keepcnt) = x;
        lwip::Guard g;
        apply_opts();
        return 0;
    }
    case tcp_maxseg:
        if (x && (x < min_mss || x > max_window))
            return -EINVAL;
        m_maxseg = x;
        return 0;
    case tcp_user_timeout:
        if (x < 0)
            return -EINVAL;
        m_user_timeout = x;
        return 0;
    case tcp_notsent_lowat:
        m_notsent_lowat = x;
        return 0;
    }
    return -ENOPROTOOPT;
}

// Linux's TCP states (include/net/tcp_states.h) for lwIP's.
uint8_t linux_tcp_state(enum tcp_state s) {
    switch (s) {
    case ESTABLISHED:
        return 1;
    case SYN_SENT:
        return 2;
    case SYN_RCVD:
        return 3;
    case FIN_WAIT_1:
        return 4;
    case FIN_WAIT_2:
        return 5;
    case TIME_WAIT:
        return 6;
    case CLOSED:
        return 7;
    case CLOSE_WAIT:
        return 8;
    case LAST_ACK:
        return 9;
    case LISTEN:
        return 10;
    case CLOSING:
        return 11;
    }
    return 7;
}

// TCP_INFO: struct tcp_info as far as lwIP knows its fields (the state,
// timers in microseconds, segment sizes, window and congestion figures);
// the rest reads 0.
long TcpSocket::get_info(OptVal* val) {
    uint8_t info[tcp_info_size] = {};
    auto put32 = [&info](size_t off, uint32_t v) { __builtin_memcpy(info + off, &v, 4); };
    lwip::Guard g;
    const struct tcp_pcb* p = m_state == State::listening ? nullptr : m_pcb;
    if (m_state == State::listening)
        info[0] = 10;
    else if (p)
        info[0] = linux_tcp_state(p->state);
    else
        info[0] = 7;
    if (p) {
        uint32_t mss = p->mss;
        uint32_t unacked = 0;
        for (struct tcp_seg* q = p->unacked; q; q = q->next)
            unacked++;
        info[5] = tcpi_opt_sack;
#if LWIP_WND_SCALE
        if (p->flags & TF_WND_SCALE) {
            info[5] |= tcpi_opt_wscale;
            info[6] = uint8_t((p->snd_scale & 0xf) | (p->rcv_scale & 0xf) << 4);
        }
#endif
        put32(8, uint32_t(p->rto) * TCP_SLOW_INTERVAL * 1000);
        put32(16, mss);
        put32(20, mss);
        put32(24, unacked);
        put32(68, uint32_t(p->sa >> 3) * TCP_SLOW_INTERVAL * 1000);
        put32(72, uint32_t(p->sv >> 2) * TCP_SLOW_INTERVAL * 1000);
        put32(76, mss ? uint32_t(p->ssthresh) / mss : 0);
        put32(80, mss ? uint32_t(p->cwnd) / mss : 0);
        put32(84, mss);
        put32(96, uint32_t(p->rcv_wnd));
    }
    uint32_t n = val->len < tcp_info_size ? val->len : tcp_info_size;
    __builtin_memcpy(val->bytes, info, n);
    val->len = n;
    return 0;
}

long TcpSocket::getsockopt(int level, int name, OptVal* val) {
    bool handled;
    if (level == sol_socket && name == so_acceptconn)
        return put_int(val, m_state == State::listening);
    long r = common_getsockopt(level, name, val, &handled);
    if (handled)
        return r;
    if (level != ipproto_tcp)
        return ip_getsockopt(level, name, val);
    switch (name) {
    case tcp_nodelay:
        return put_int(val, m_nodelay);
    case tcp_cork:
        return put_int(val, m_cork);
    case tcp_maxseg: {
        lwip::Guard g;
        if (m_maxseg && (m_state == State::fresh || m_state == State::bound ||
                         m_state == State::listening || !m_pcb))
            return put_int(val, m_maxseg);
        return put_int(val, m_pcb && m_pcb->state != LISTEN ? m_pcb->mss : default_mss);
    }
    case tcp_keepidle:
        return put_int(val, m_keepidle);
    case tcp_keepintvl:
        return put_int(val, m_keepintvl);
    case tcp_keepcnt:
        return put_int(val, m_keepcnt);
    case tcp_user_timeout:
        return put_int(val, m_user_timeout);
    case tcp_notsent_lowat:
        return put_int(val, m_notsent_lowat);
    case tcp_info:
        return get_info(val);
    }
    return -ENOPROTOOPT;
}

uint32_t TcpSocket::poll(PollTable* pt) {
    if (pt)
        pt->wait_on(m_wq);
    uint32_t ev = 0;
    switch (m_state) {
    case State::listening:
        return m_acc_len ? vfs::ev_readable : 0;
    case State::fresh:
    case State::bound:
        return vfs::ev_writable | vfs::ev_hup;
    case State::connecting:
        return 0;
    case State::connected:
    case State::closed:
        break;
    }
    if (m_rx_bytes || m_rx_eof || m_shut_rd)
        ev |= vfs::ev_readable;
    if (m_rx_eof || m_shut_rd)
        ev |= vfs::ev_rdhup;
    if (m_error)
        ev |= vfs::ev_err;
    if (m_reset || !m_pcb || (m_shut_wr && (m_rx_eof || m_shut_rd))) {
        ev |= vfs::ev_hup;
        if (m_reset)
            ev |= vfs::ev_readable | vfs::ev_writable;
    }
    if (!m_shut_wr && m_pcb && tcp_sndbuf(m_pcb) >= TCP_SNDLOWAT &&
        tcp_sndqueuelen(m_pcb) < TCP_SNDQUEUELOWAT)
        ev |= vfs::ev_writable;
    if (m_shut_wr)
        ev |= vfs::ev_writable;
    return ev;
}

// Bytes in a queue of segments (SYN and FIN take no room).
size_t seg_bytes(const struct tcp_seg* seg) {
    size_t n = 0;
    for (; seg; seg = seg->next)
        n += seg->len;
    return n;
}

long TcpSocket::ioctl(unsigned long cmd, uint64_t arg) {
    size_t n;
    switch (cmd) {
    case siocinq:
        if (m_state == State::listening)
            return -EINVAL;
        n = m_rx_bytes;
        break;
    case siocoutq:
    case siocoutqnsd:
        if (m_state == State::listening)
            return -EINVAL;
        // Linux counts what was written and not yet acknowledged (or not
        // yet sent), nothing while the handshake runs.
        n = 0;
        if (m_pcb && m_state != State::connecting)
            n = seg_bytes(m_pcb->unsent) + (cmd == siocoutq ? seg_bytes(m_pcb->unacked) : 0);
        break;
    default:
        return InetSocket::ioctl(cmd, arg);
    }
    int v = n > 0x7fffffff ? 0x7fffffff : int(n);
    return mm::UserPtr<int>(arg).put(v) ? -EFAULT : 0;
}

void TcpSocket::close() {
    linger();
    close_now();
}

// SO_LINGER with a timeout, as Linux's close: what is queued goes out at
// once, corked or not, and close waits until the peer has acknowledged all
// of it, for at most the timeout (a signal ends the wait too); then it
// closes as without SO_LINGER, the FIN after anything still queued. Unread
// data means a reset instead, at once.
void TcpSocket::linger() {
    if (!m_linger_on || m_linger_s <= 0 || m_state != State::connected || m_rx_bytes)
        return;
    {
        lwip::Guard g;
        if (!m_pcb)
            return;
        push(true);
    }
    uint64_t deadline = arch::monotonic_ns() + uint64_t(m_linger_s) * 1000000000;
    vfs::wait_until(m_wq, deadline,
                    [this] { return !m_pcb || (!m_pcb->unsent && !m_pcb->unacked); });
}

// Closes without waiting (SO_LINGER or not).
void TcpSocket::close_now() {
    lwip::Guard g;
    stop_cork_timer();
    if (m_state == State::listening) {
        // Connections nobody accepted are reset, as Linux does.
        while (m_acc_len) {
            TcpSocket* s = m_accq[m_acc_head];
            m_acc_head = (m_acc_head + 1) % m_acc_cap;
            m_acc_len--;
            s->m_listener = nullptr;
            if (s->m_pcb) {
                struct tcp_pcb* p = s->m_pcb;
                s->detach();
                tcp_abort(p);
            }
            s->drop_rx();
            s->put();
        }
        kheap_free(m_accq);
        m_accq = nullptr;
        leave_group();
        if (m_pcb) {
            struct tcp_pcb* p = m_pcb;
            detach();
            tcp_close(p);
        }
    } else if (m_pcb) {
        struct tcp_pcb* p = m_pcb;
        // Unread data, or SO_LINGER with a zero timeout: a reset, not a FIN.
        bool abort = m_rx_bytes || (m_linger_on && m_linger_s == 0);
        detach();
        if (abort || p->state == CLOSED) {
            if (p->state == CLOSED)
                tcp_close(p);
            else
                tcp_abort(p);
        } else if (tcp_close(p) != ERR_OK) {
            tcp_abort(p);
        }
    }
    drop_rx();
    kheap_free(m_bounce);
    m_bounce = nullptr;
    m_state = State::closed;
    g_tcp_count--;
    wake(vfs::ev_hup);
}

// ---------------------------------------------------------------- UDP

struct Datagram {
    Datagram* next;
    struct pbuf* p;
    ip_addr_t from;
    uint16_t port;
};

class UdpSocket final : public InetSocket {
  public:
    struct udp_pcb* m_pcb = nullptr;
    Datagram* m_head = nullptr;
    Datagram* m_tail = nullptr;
    size_t m_queued = 0; // bytes
    size_t m_count = 0;
    bool m_bound = false;
    bool m_connected = false;
    bool m_shut_rd = false, m_shut_wr = false;

    long bind(const SockAddr& addr) override;
    long listen(int) override { return -EOPNOTSUPP; }
    long accept(Socket**, SockAddr*, int) override { return -EOPNOTSUPP; }
    long connect(const SockAddr& addr) override;
    long sendmsg(MsgIo& msg) override;
    long recvmsg(MsgIo& msg) override;
    long shutdown(int how) override;
    long getsockname(SockAddr* out) override;
    long getpeername(SockAddr* out) override;
    long setsockopt(int level, int name, const OptVal& val) override;
    long getsockopt(int level, int name, OptVal* val) override;
    uint32_t poll(PollTable* pt) override;
    long ioctl(unsigned long cmd, uint64_t arg) override;
    void close() override;

    long ensure_pcb();
    long autobind();
    void apply_opts();
    bool bound() const override { return m_bound; }
    static void on_recv(void* arg, struct udp_pcb* pcb, struct pbuf* p, const ip_addr_t* addr,
                        u16_t port);
};

long UdpSocket::ensure_pcb() {
    if (m_pcb)
        return 0;
    m_pcb = udp_new_ip_type(ip_type());
    if (!m_pcb)
        return -ENOMEM;
    udp_recv(m_pcb, on_recv, this);
    apply_opts();
    return 0;
}

void UdpSocket::apply_opts() {
    if (!m_pcb)
        return;
    // Which binds conflict is decided by udp_port_taken, as Linux decides it.
    ip_set_option(m_pcb, SOF_REUSEADDR);
    if (m_broadcast)
        ip_set_option(m_pcb, SOF_BROADCAST);
    else
        ip_reset_option(m_pcb, SOF_BROADCAST);
    int ttl = family == af_inet ? m_ttl : m_hops;
    m_pcb->tos = u8_t(family == af_inet ? m_tos : m_tclass);
    m_pcb->ttl = u8_t(ttl == -1 ? default_ttl : ttl);
}

// udp_lib_lport_inuse: whether `ip`:`port` is taken for `s` by another UDP
// socket; both with SO_REUSEADDR, or both with SO_REUSEPORT, may share it.
bool udp_port_taken(const UdpSocket* s, const ip_addr_t* ip, uint16_t port) {
    for (struct udp_pcb* p = udp_pcbs; p; p = p->next) {
        if (p == s->m_pcb || p->local_port != port || !addrs_overlap(&p->local_ip, ip))
            continue;
        auto* o = static_cast<const UdpSocket*>(p->recv_arg);
        if (o && ((s->m_reuseaddr && o->m_reuseaddr) || (s->m_reuseport && o->m_reuseport)))
            continue;
        return true;
    }
    return false;
}

long UdpSocket::autobind() {
    if (m_bound)
        return 0;
    err_t e = udp_bind(m_pcb,
                       ip_type() == IPADDR_TYPE_V4   ? IP4_ADDR_ANY
                       : ip_type() == IPADDR_TYPE_V6 ? IP6_ADDR_ANY
                                                     : IP_ANY_TYPE,
                       0);
    if (e != ERR_OK)
        return err_to_errno(e);
    m_bound = true;
    return 0;
}

// A datagram's socket among the unconnected SO_REUSEPORT sockets bound to
// the address lwIP chose `s` for: one picked by a hash of the source
// address and port, as Linux spreads them (reuseport_select_sock), so that
// each sender keeps to one socket. lwIP gives unicast datagrams to the first
// socket only.
UdpSocket* reuseport_pick(UdpSocket* s, const struct udp_pcb* pcb, const ip_addr_t* from,
                          u16_t port) {
    if (!s->m_reuseport || s->m_connected || ip_addr_ismulticast(ip_current_dest_addr()) ||
        ip_addr_isbroadcast(ip_current_dest_addr(), ip_current_netif()))
        return s;
    static uint32_t secret;
    while (!secret)
        posix::random_fill(&secret, sizeof(secret));
    uint32_t h = secret ^ port;
    if (IP_IS_V4(from))
        h = (h ^ ip_2_ip4(from)->addr) * 0x9e3779b1u;
    else
        for (uint32_t w : ip_2_ip6(from)->addr)
            h = (h ^ w) * 0x9e3779b1u;
    h ^= h >> 15;
    auto member = [pcb](const struct udp_pcb* q) {
        auto* o = static_cast<const UdpSocket*>(q->recv_arg);
        return o && o->m_reuseport && !o->m_connected && q->local_port == pcb->local_port &&
               ip_addr_cmp(&q->local_ip, &pcb->local_ip);
    };
    size_t n = 0;
    for (struct udp_pcb* q = udp_pcbs; q; q = q->next)
        n += member(q);
    if (n < 2)
        return s;
    size_t k = h % n;
    for (struct udp_pcb* q = udp_pcbs; q; q = q->next)
        if (member(q) && k-- == 0)
            return static_cast<UdpSocket*>(q->recv_arg);
    return s;
}

void UdpSocket::on_recv(void* arg, struct udp_pcb* pcb, struct pbuf* p, const ip_addr_t* addr,
                        u16_t port) {
    auto* s = static_cast<UdpSocket*>(arg);
    if (s)
        s = reuseport_pick(s, pcb, addr, port);
    if (!s || s->m_shut_rd || s->m_queued + p->tot_len > s->m_rcvbuf) {
        pbuf_free(p);
        return;
    }
    auto* d = static_cast<Datagram*>(kheap_alloc(sizeof(Datagram)));
    if (!d) {
        pbuf_free(p);
        return;
    }
    d->next = nullptr;
    d->p = p;
    ip_addr_copy(d->from, *addr);
    d->port = port;
    if (s->m_tail)
        s->m_tail->next = d;
    else
        s->m_head = d;
    s->m_tail = d;
    s->m_queued += p->tot_len;
    s->m_count++;
    s->m_wq.notify(vfs::ev_in);
}

long UdpSocket::bind(const SockAddr& addr) {
    ip_addr_t ip;
    uint16_t port;
    if (long r = from_sockaddr(family, addr, &ip, &port))
        return r;
    lwip::Guard g;
    if (m_bound)
        return -EINVAL;
    if (long r = ensure_pcb())
        return r;
    widen_any(&ip);
    if (port && udp_port_taken(this, &ip, port))
        return -EADDRINUSE;
    apply_opts();
    err_t e = udp_bind(m_pcb, &ip, port);
    if (e == ERR_VAL)
        return -EADDRNOTAVAIL;
    if (e != ERR_OK)
        return err_to_errno(e);
    m_bound = true;
    return 0;
}

long UdpSocket::connect(const SockAddr& addr) {
    lwip::Guard g;
    if (long r = ensure_pcb())
        return r;
    if (addr.len >= 2 && addr.family() == 0) {
        udp_disconnect(m_pcb);
        m_connected = false;
        return 0;
    }
    ip_addr_t ip;
    uint16_t port;
    if (long r = from_sockaddr(family, addr, &ip, &port))
        return r;
    if (long r = autobind())
        return r;
    if (ip_addr_isany(&ip))
        ip_addr_set_loopback(IP_IS_V6(&ip), &ip);
    err_t e = udp_connect(m_pcb, &ip, port);
    if (e != ERR_OK)
        return err_to_errno(e);
    m_connected = true;
    return 0;
}

long UdpSocket::sendmsg(MsgIo& msg) {
    IoBuf& buf = *msg.data;
    if (m_shut_wr)
        return -EPIPE;
    ip_addr_t ip;
    uint16_t port = 0;
    if (msg.has_addr) {
        if (long r = from_sockaddr(family, msg.addr, &ip, &port))
            return r;
        if (port == 0)
            return -EINVAL;
        if (ip_addr_isany(&ip))
            ip_addr_set_loopback(IP_IS_V6(&ip), &ip);
    } else if (!m_connected) {
        return -EDESTADDRREQ;
    }
    size_t len = buf.left();
    if (len > udp_max_payload)
        return -EMSGSIZE;
    lwip::Guard g;
    if (long r = ensure_pcb())
        return r;
    if (long r = autobind())
        return r;
    struct pbuf* p = pbuf_alloc(PBUF_TRANSPORT, u16_t(len), PBUF_RAM);
    if (!p)
        return -ENOMEM;
    if (len && buf.drain(p->payload, len) != len) {
        pbuf_free(p);
        return -EFAULT;
    }
    err_t e = msg.has_addr ? udp_sendto(m_pcb, p, &ip, port) : udp_send(m_pcb, p);
    pbuf_free(p);
    if (e != ERR_OK)
        return err_to_errno(e);
    return long(len);
}

long UdpSocket::recvmsg(MsgIo& msg) {
    IoBuf& buf = *msg.data;
    if (msg.flags & msg_oob)
        return -EOPNOTSUPP;
    uint64_t deadline = deadline_of(rcvtimeo_ns);
    while (!m_head) {
        if (m_shut_rd)
            return 0;
        if (m_error) {
            long e = m_error;
            m_error = 0;
            return e;
        }
        if (nonblocking(msg.flags))
            return -EAGAIN;
        long r = vfs::wait_until(m_wq, deadline, [this] { return m_head || m_shut_rd; });
        if (r)
            return wait_result(r, rcvtimeo_ns);
    }
    Datagram* d = m_head;
    size_t len = d->p->tot_len;
    size_t want = buf.left() < len ? buf.left() : len;
    size_t got = 0;
    for (struct pbuf* q = d->p; q && got < want; q = q->next) {
        size_t k = q->len < want - got ? q->len : want - got;
        size_t c = buf.fill(q->payload, k);
        got += c;
        if (c < k)
            break;
    }
    if (got < want && buf.faulted())
        return -EFAULT;
    if (len > want)
        msg.out_flags |= msg_trunc;
    msg.has_addr = true;
    to_sockaddr(family, &d->from, d->port, &msg.addr);
    if (!(msg.flags & msg_peek)) {
        m_head = d->next;
        if (!m_head)
            m_tail = nullptr;
        m_queued -= len;
        m_count--;
        pbuf_free(d->p);
        kheap_free(d);
    }
    return long((msg.flags & msg_trunc) ? len : got);
}

long UdpSocket::shutdown(int how) {
    if (how < shut_rd || how > shut_rdwr)
        return -EINVAL;
    if (!m_connected)
        return -ENOTCONN;
    if (how != shut_wr)
        m_shut_rd = true;
    if (how != shut_rd)
        m_shut_wr = true;
    m_wq.notify(vfs::ev_in | vfs::ev_out);
    return 0;
}

long UdpSocket::getsockname(SockAddr* out) {
    if (m_pcb && m_bound)
        to_sockaddr(family, &m_pcb->local_ip, m_pcb->local_port, out);
    else
        to_sockaddr(family, nullptr, 0, out);
    return 0;
}

long UdpSocket::getpeername(SockAddr* out) {
    if (!m_connected || !m_pcb)
        return -ENOTCONN;
    to_sockaddr(family, &m_pcb->remote_ip, m_pcb->remote_port, out);
    return 0;
}

long UdpSocket::setsockopt(int level, int name, const OptVal& val) {
    bool handled;
    long r = common_setsockopt(level, name, val, &handled);
    if (!handled)
        r = level == ipproto_udp ? -ENOPROTOOPT : ip_setsockopt(level, name, val);
    if (r == 0) {
        lwip::Guard g;
        apply_opts();
    }
    return r;
}

long UdpSocket::getsockopt(int level, int name, OptVal* val) {
    bool handled;
    if (level == sol_socket && name == so_acceptconn)
        return put_int(val, 0);
    long r = common_getsockopt(level, name, val, &handled);
    if (handled)
        return r;
    if (level == ipproto_udp)
        return -ENOPROTOOPT;
    return ip_getsockopt(level, name, val);
}

uint32_t UdpSocket::poll(PollTable* pt) {
    if (pt)
        pt->wait_on(m_wq);
    uint32_t ev = vfs::ev_writable;
    if (m_head || m_shut_rd)
        ev |= vfs::ev_readable;
    if (m_error)
        ev |= vfs::ev_err;
    if (m_shut_rd && m_shut_wr)
        ev |= vfs::ev_hup;
    if (m_shut_rd)
        ev |= vfs::ev_rdhup;
    return ev;
}

long UdpSocket::ioctl(unsigned long cmd, uint64_t arg) {
    int v;
    switch (cmd) {
    case siocinq:
        // The size of the next datagram, as Linux answers.
        v = m_head ? int(m_head->p->tot_len) : 0;
        break;
    case siocoutq:
        // Sends leave at once: nothing waits in the send queue.
        v = 0;
        break;
    default:
        return InetSocket::ioctl(cmd, arg);
    }
    return mm::UserPtr<int>(arg).put(v) ? -EFAULT : 0;
}

void UdpSocket::close() {
    lwip::Guard g;
    if (m_pcb)
        udp_remove(m_pcb);
    m_pcb = nullptr;
    while (Datagram* d = m_head) {
        m_head = d->next;
        pbuf_free(d->p);
        kheap_free(d);
    }
    m_tail = nullptr;
    g_udp_count--;
}

// ---------------------------------------------------------------- exit

// A connection to this machine itself: its data needs no wait at exit.
bool is_local(const struct tcp_pcb* pcb) {
    return ip_addr_isloopback(&pcb->remote_ip) || ip_addr_cmp(&pcb->remote_ip, &pcb->local_ip);
}

bool nothing_in_flight() {
    for (struct tcp_pcb* pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
        if (!is_local(pcb) && (pcb->unsent || pcb->unacked))
            return false;
    return true;
}

// The app exited: as Linux does when a process ends, its connections are
// closed (a FIN after what is queued, a reset when received data was left
// unread) and the kernel keeps sending what they hold, here for at most
// net.exit_timeout seconds, since the VM ends with the app.
void drain_on_exit() {
    {
        lwip::Guard g;
        struct tcp_pcb* next;
        for (struct tcp_pcb* pcb = tcp_active_pcbs; pcb; pcb = next) {
            next = pcb->next;
            if (auto* s = static_cast<TcpSocket*>(pcb->callback_arg))
                s->close_now();
        }
    }
    uint64_t timeout = lwip::exit_timeout_ns();
    if (timeout && !nothing_in_flight())
        sched::run_kernel_until(nothing_in_flight, arch::monotonic_ns() + timeout);
}

// ---------------------------------------------------------------- the family

long create(int family, int type, int protocol, Socket** out) {
    if (long r = lwip::ensure_started())
        return r;
    boot::set_exit_work(drain_on_exit);
    if (type == sock_stream) {
        if (protocol != 0 && protocol != ipproto_tcp)
            return -EPROTONOSUPPORT;
        TcpSocket* s = new_tcp(family);
        if (!s)
            return g_tcp_count >= lwip::max_tcp_pcbs() ? -ENOBUFS : -ENOMEM;
        *out = s;
        return 0;
    }
    if (type == sock_dgram) {
        if (protocol != 0 && protocol != ipproto_udp)
            return -EPROTONOSUPPORT;
        if (g_udp_count >= lwip::max_udp_pcbs())
            return -ENOBUFS;
        auto* s = vfs::make<UdpSocket>();
        if (!s)
            return -ENOMEM;
        s->family = family;
        s->type = sock_dgram;
        s->protocol = ipproto_udp;
        s->m_rcvbuf = s->m_sndbuf = udp_default_buf;
        s->flags = vfs::o_rdwr;
        g_udp_count++;
        *out = s;
        return 0;
    }
    return -ESOCKTNOSUPPORT;
}

long create_inet(int type, int protocol, Socket** out) {
    return create(af_inet, type, protocol, out);
}

long create_inet6(int type, int protocol, Socket** out) {
    return create(af_inet6, type, protocol, out);
}

} // namespace
} // namespace uk::net

UK_SOCKET_FAMILY(inet, {uk::net::af_inet, uk::net::create_inet, nullptr});
UK_SOCKET_FAMILY(inet6, {uk::net::af_inet6, uk::net::create_inet6, nullptr});
