// The interfaces as an app sees them: AF_NETLINK NETLINK_ROUTE sockets
// answering the RTM_GETLINK and RTM_GETADDR requests (dumps, as musl's
// getifaddrs() and if_nameindex() send them, and a link by index), and the
// SIOCGIF* ioctls every socket takes (if_nametoindex(), if_indextoname(),
// SIOCGIFCONF, ...). The interfaces are lwIP's: the loopback one as "lo"
// (index 1) and each ethernet one as "ethN" (index N + 2), as Linux names
// them in a VM.
#include "lwip/ip_addr.h"
#include "lwip/netif.h"

#include "lib/errno.h"
#include "lib/text.h"
#include "mm/kheap.h"
#include "mm/user.h"
#include "net/lwip/stack.h"
#include "net/socket.h"
#include "vfs/vfs.h"
#include "vfs/wait.h"

namespace uk::net {
namespace {

constexpr int af_netlink = 16;
constexpr int netlink_route = 0;
constexpr size_t ifnamsiz = 16, ifreq_size = 40;

// Interface flags (IFF_*), hardware types (ARPHRD_*) and operational states.
constexpr uint32_t iff_up = 0x1, iff_broadcast = 0x2, iff_loopback = 0x8, iff_running = 0x40,
                   iff_multicast = 0x1000, iff_lower_up = 0x10000;
constexpr uint16_t arphrd_ether = 1, arphrd_loopback = 772;
constexpr uint8_t if_oper_unknown = 0, if_oper_down = 2, if_oper_up = 6;
constexpr uint32_t lo_mtu = 65536, txqlen = 1000;

// Netlink message types, flags and route attributes.
constexpr uint16_t nlmsg_error = 2, nlmsg_done = 3;
constexpr uint16_t rtm_newlink = 16, rtm_getlink = 18, rtm_newaddr = 20, rtm_getaddr = 22;
constexpr uint16_t nlm_f_request = 1, nlm_f_multi = 2, nlm_f_ack = 4, nlm_f_dump = 0x300;
constexpr uint16_t ifla_address = 1, ifla_broadcast = 2, ifla_ifname = 3, ifla_mtu = 4,
                   ifla_stats = 7, ifla_txqlen = 13, ifla_operstate = 16;
constexpr uint16_t ifa_address = 1, ifa_local = 2, ifa_label = 3, ifa_broadcast = 4;
constexpr uint8_t ifa_f_tentative = 0x40, ifa_f_permanent = 0x80;
constexpr uint8_t rt_scope_universe = 0, rt_scope_link = 253, rt_scope_host = 254;
constexpr size_t nlmsghdr_size = 16, link_stats_size = 96;
// A netlink socket's default buffers (net.core.rmem_default), as Linux.
constexpr uint32_t netlink_buf = 212992;

// The SIOCGIF* ioctls.
constexpr unsigned long siocgifname = 0x8910, siocgifconf = 0x8912, siocgifflags = 0x8913,
                        siocgifaddr = 0x8915, siocgifbrdaddr = 0x8919, siocgifnetmask = 0x891b,
                        siocgifmtu = 0x8921, siocgifhwaddr = 0x8927, siocgifindex = 0x8933;

// One interface as the app sees it.
struct Iface {
    struct netif* nif;
    char name[ifnamsiz];
    int index;
    bool loopback;
    uint32_t flags; // with IFF_LOWER_UP, which ioctls do not show
    uint32_t mtu;
};

void describe(struct netif* n, int eth_no, Iface* out) {
    out->nif = n;
    out->index = int(netif_get_index(n));
    out->loopback = n->name[0] == 'l' && n->name[1] == 'o';
    __builtin_memset(out->name, 0, sizeof(out->name));
    if (out->loopback) {
        __builtin_memcpy(out->name, "lo", 2);
    } else {
        __builtin_memcpy(out->name, "eth", 3);
        int k = 3;
        char digits[8];
        int nd = 0;
        do {
            digits[nd++] = char('0' + eth_no % 10);
            eth_no /= 10;
        } while (eth_no && nd < 6);
        while (nd)
            out->name[k++] = digits[--nd];
    }
    uint32_t f = 0;
    if (netif_is_up(n))
        f |= iff_up;
    if (out->loopback) {
        f |= iff_loopback;
        if (netif_is_up(n))
            f |= iff_running | iff_lower_up;
    } else {
        f |= iff_broadcast | iff_multicast;
        if (netif_is_up(n) && netif_is_link_up(n))
            f |= iff_running | iff_lower_up;
    }
    out->flags = f;
    out->mtu = out->loopback ? lo_mtu : n->mtu;
}

// Calls fn(const Iface&) for each interface, in index order; stops when it
// returns true, and returns whether it did.
template <typename Fn> bool each_iface(Fn fn) {
    lwip::Guard g;
    // lwIP's list has the newest interface first: walk the indexes instead.
    int total = 0, seen = 0, eth_no = 0;
    struct netif* n;
    NETIF_FOREACH(n) {
        total++;
    }
    for (u8_t idx = 1; seen < total && idx != 0; idx++) {
        n = netif_get_by_index(idx);
        if (!n)
            continue;
        seen++;
        Iface i;
        describe(n, eth_no, &i);
        if (!i.loopback)
            eth_no++;
        if (fn(static_cast<const Iface&>(i)))
            return true;
    }
    return false;
}

bool find_by_name(const char* name, Iface* out) {
    return each_iface([&](const Iface& i) {
        if (__builtin_strcmp(i.name, name))
            return false;
        *out = i;
        return true;
    });
}

bool find_by_index(int index, Iface* out) {
    return each_iface([&](const Iface& i) {
        if (i.index != index)
            return false;
        *out = i;
        return true;
    });
}

bool has_ip4(const Iface& i) {
    return !ip4_addr_isany_val(*netif_ip4_addr(i.nif));
}

int prefix_len(uint32_t netmask_be) {
    return __builtin_popcount(netmask_be);
}

// ---------------------------------------------------------------- ioctls

// A struct sockaddr_in of `a` (network order) into 16 bytes.
void put_sockaddr_in(uint8_t* out, uint32_t a) {
    __builtin_memset(out, 0, 16);
    out[0] = 2; // AF_INET
    __builtin_memcpy(out + 4, &a, 4);
}

long ifconf(uint64_t arg) {
    struct {
        int32_t len;
        uint32_t pad;
        uint64_t buf;
    } ifc;
    if (mm::UserPtr<const decltype(ifc)>(arg).read(&ifc))
        return -EFAULT;
    long r = 0;
    int32_t used = 0;
    each_iface([&](const Iface& i) {
        if (!has_ip4(i))
            return false;
        if (ifc.buf) {
            if (ifc.len - used < int32_t(ifreq_size))
                return true;
            uint8_t req[ifreq_size] = {};
            __builtin_memcpy(req, i.name, ifnamsiz);
            put_sockaddr_in(req + ifnamsiz, ip4_addr_get_u32(netif_ip4_addr(i.nif)));
            if (mm::UserPtr<uint8_t>(ifc.buf + uint64_t(used)).write(req, ifreq_size)) {
                r = -EFAULT;
                return true;
            }
        }
        used += int32_t(ifreq_size);
        return false;
    });
    if (r)
        return r;
    return mm::UserPtr<int32_t>(arg).put(used) ? -EFAULT : 0;
}

} // namespace

long interface_ioctl(int family, unsigned long cmd, uint64_t arg) {
    switch (cmd) {
    case siocgifname:
    case siocgifconf:
    case siocgifflags:
    case siocgifaddr:
    case siocgifbrdaddr:
    case siocgifnetmask:
    case siocgifmtu:
    case siocgifhwaddr:
    case siocgifindex:
        break;
    default:
        return -ENOTTY;
    }
    // The address ioctls are AF_INET's (devinet_ioctl).
    bool inet_only = cmd == siocgifaddr || cmd == siocgifbrdaddr || cmd == siocgifnetmask;
    if (inet_only && family != af_inet)
        return -ENOTTY;
    if (long r = lwip::ensure_started())
        return r;
    if (cmd == siocgifconf)
        return ifconf(arg);
    uint8_t req[ifreq_size];
    if (mm::UserPtr<const uint8_t>(arg).read(req, ifreq_size))
        return -EFAULT;
    Iface i;
    if (cmd == siocgifname) {
        int index;
        __builtin_memcpy(&index, req + ifnamsiz, 4);
        if (!find_by_index(index, &i))
            return -ENODEV;
        __builtin_memcpy(req, i.name, ifnamsiz);
        return mm::UserPtr<uint8_t>(arg).write(req, ifnamsiz) ? -EFAULT : 0;
    }
    req[ifnamsiz - 1] = 0;
    if (!find_by_name(reinterpret_cast<const char*>(req), &i))
        return -ENODEV;
    uint8_t* u = req + ifnamsiz;
    __builtin_memset(u, 0, ifreq_size - ifnamsiz);
    switch (cmd) {
    case siocgifflags: {
        uint16_t f = uint16_t(i.flags);
        __builtin_memcpy(u, &f, 2);
        break;
    }
    case siocgifmtu:
    case siocgifindex: {
        int v = cmd == siocgifmtu ? int(i.mtu) : i.index;
        __builtin_memcpy(u, &v, 4);
        break;
    }
    case siocgifhwaddr: {
        uint16_t t = i.loopback ? arphrd_loopback : arphrd_ether;
        __builtin_memcpy(u, &t, 2);
        if (!i.loopback)
            __builtin_memcpy(u + 2, i.nif->hwaddr, 6);
        break;
    }
    default: {
        lwip::Guard g;
        if (!has_ip4(i))
            return -EADDRNOTAVAIL;
        uint32_t a = ip4_addr_get_u32(netif_ip4_addr(i.nif));
        uint32_t m = ip4_addr_get_u32(netif_ip4_netmask(i.nif));
        if (cmd == siocgifbrdaddr) {
            if (i.loopback)
                a = 0;
            else
                a = (a & m) | ~m;
        }
        put_sockaddr_in(u, cmd == siocgifnetmask ? m : a);
    }
    }
    return mm::UserPtr<uint8_t>(arg).write(req, ifreq_size) ? -EFAULT : 0;
}

namespace {

// ---------------------------------------------------------------- netlink

// One reply datagram waiting to be read.
struct Reply {
    Reply* next;
    size_t len;
    uint8_t data[];
};

// A reply under construction: each message is built in a fixed buffer
// (the largest, a link's, is about 200 bytes) and then appended to the
// reply's text.
class Builder {
  public:
    bool ok() const { return !m_over && !m_out.failed(); }

    // Starts a message of `type`; its length is fixed by end().
    void begin(uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid) {
        m_len = 0;
        uint32_t hdr[4] = {0, uint32_t(type) | uint32_t(flags) << 16, seq, pid};
        append(hdr, sizeof(hdr));
    }
    void end() {
        uint32_t len = uint32_t(m_len);
        __builtin_memcpy(m_msg, &len, 4);
        m_out.put(reinterpret_cast<const char*>(m_msg), m_len);
    }
    void append(const void* p, size_t n) {
        size_t padded = (n + 3) & ~size_t(3);
        if (padded > sizeof(m_msg) - m_len) {
            m_over = true;
            return;
        }
        __builtin_memcpy(m_msg + m_len, p, n);
        __builtin_memset(m_msg + m_len + n, 0, padded - n);
        m_len += padded;
    }
    void attr(uint16_t type, const void* p, size_t n) {
        uint16_t h[2] = {uint16_t(4 + n), type};
        append(h, 4);
        append(p, n);
    }
    void attr32(uint16_t type, uint32_t v) { attr(type, &v, 4); }

    // The finished datagram (owned by the caller), or nullptr.
    Reply* take() {
        if (!ok() || !m_out.size())
            return nullptr;
        auto* r = static_cast<Reply*>(kheap_alloc(sizeof(Reply) + m_out.size()));
        if (!r)
            return nullptr;
        r->next = nullptr;
        r->len = m_out.size();
        __builtin_memcpy(r->data, m_out.data(), r->len);
        return r;
    }

  private:
    Text m_out;
    uint8_t m_msg[512];
    size_t m_len = 0;
    bool m_over = false;
};

void link_msg(Builder& b, const Iface& i, uint16_t flags, uint32_t seq, uint32_t pid) {
    b.begin(rtm_newlink, flags, seq, pid);
    struct {
        uint8_t family, pad;
        uint16_t type;
        int32_t index;
        uint32_t flags, change;
    } ifi = {0, 0, i.loopback ? arphrd_loopback : arphrd_ether, i.index, i.flags, 0};
    b.append(&ifi, sizeof(ifi));
    b.attr(ifla_ifname, i.name, __builtin_strlen(i.name) + 1);
    b.attr32(ifla_txqlen, txqlen);
    uint8_t oper = i.loopback                      ? if_oper_unknown
                   : (i.flags & iff_running) != 0u ? if_oper_up
                                                   : if_oper_down;
    b.attr(ifla_operstate, &oper, 1);
    b.attr32(ifla_mtu, i.mtu);
    uint8_t mac[6] = {}, bcast[6] = {};
    if (!i.loopback) {
        __builtin_memcpy(mac, i.nif->hwaddr, 6);
        __builtin_memset(bcast, 0xff, 6);
    }
    b.attr(ifla_address, mac, 6);
    b.attr(ifla_broadcast, bcast, 6);
    uint8_t stats[link_stats_size] = {};
    b.attr(ifla_stats, stats, sizeof(stats));
    b.end();
}

void addr_msgs(Builder& b, const Iface& i, int family, uint32_t seq, uint32_t pid) {
    struct {
        uint8_t family, prefixlen, flags, scope;
        uint32_t index;
    } ifa;
    if (family == af_inet) {
        if (!has_ip4(i))
            return;
        uint32_t a = ip4_addr_get_u32(netif_ip4_addr(i.nif));
        uint32_t m = ip4_addr_get_u32(netif_ip4_netmask(i.nif));
        ifa = {uint8_t(af_inet), uint8_t(prefix_len(m)), ifa_f_permanent,
               i.loopback ? rt_scope_host : rt_scope_universe, uint32_t(i.index)};
        b.begin(rtm_newaddr, nlm_f_multi, seq, pid);
        b.append(&ifa, sizeof(ifa));
        b.attr32(ifa_address, a);
        b.attr32(ifa_local, a);
        if (!i.loopback)
            b.attr32(ifa_broadcast, (a & m) | ~m);
        b.attr(ifa_label, i.name, __builtin_strlen(i.name) + 1);
        b.end();
        return;
    }
    for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES; k++) {
        // Tentative addresses (duplicate detection still running) are
        // listed too, flagged, as Linux lists them.
        u8_t state = netif_ip6_addr_state(i.nif, k);
        if (ip6_addr_isinvalid(state))
            continue;
        const ip6_addr_t* a = netif_ip6_addr(i.nif, k);
        bool link = ip6_addr_islinklocal(a);
        uint8_t fl = ifa_f_permanent | (ip6_addr_istentative(state) ? ifa_f_tentative : 0);
        ifa = {uint8_t(af_inet6), uint8_t(i.loopback ? 128 : 64), fl,
               i.loopback ? rt_scope_host
               : link     ? rt_scope_link
                          : rt_scope_universe,
               uint32_t(i.index)};
        b.begin(rtm_newaddr, nlm_f_multi, seq, pid);
        b.append(&ifa, sizeof(ifa));
        b.attr(ifa_address, a->addr, 16);
        b.end();
    }
}

class NetlinkSocket final : public Socket {
  public:
    vfs::WaitQueue m_wq;
    Reply* m_head = nullptr;
    Reply* m_tail = nullptr;
    size_t m_queued = 0;
    uint32_t m_pid = 0;
    uint32_t m_groups = 0;
    uint32_t m_rcvbuf = netlink_buf, m_sndbuf = netlink_buf;

    long bind(const SockAddr& addr) override;
    long listen(int) override { return -EOPNOTSUPP; }
    long accept(Socket**, SockAddr*, int) override { return -EOPNOTSUPP; }
    long connect(const SockAddr& addr) override;
    long sendmsg(MsgIo& msg) override;
    long recvmsg(MsgIo& msg) override;
    long shutdown(int) override { return -EOPNOTSUPP; }
    long getsockname(SockAddr* out) override;
    long getpeername(SockAddr* out) override;
    long setsockopt(int level, int name, const OptVal& val) override;
    long getsockopt(int level, int name, OptVal* val) override;
    uint32_t poll(vfs::PollTable* pt) override;
    void close() override;

    void autobind();
    void queue(Reply* r);
    void request(const uint8_t* msg, uint32_t len);
    void error(const uint8_t* msg, uint32_t len, int err);
};

constinit uint32_t g_next_pid = 0;

void name_of(uint32_t pid, uint32_t groups, SockAddr* out) {
    __builtin_memset(out->bytes, 0, 12);
    out->bytes[0] = uint8_t(af_netlink);
    __builtin_memcpy(out->bytes + 4, &pid, 4);
    __builtin_memcpy(out->bytes + 8, &groups, 4);
    out->len = 12;
}

// Linux gives the first socket the process's id (1 here), later ones
// distinct negative numbers.
void NetlinkSocket::autobind() {
    if (m_pid)
        return;
    m_pid = g_next_pid++ ? uint32_t(-int32_t(4096 + g_next_pid)) : 1;
}

long NetlinkSocket::bind(const SockAddr& addr) {
    if (addr.len < 12)
        return -EINVAL;
    if (addr.family() != af_netlink)
        return -EINVAL;
    uint32_t pid, groups;
    __builtin_memcpy(&pid, addr.bytes + 4, 4);
    __builtin_memcpy(&groups, addr.bytes + 8, 4);
    if (m_pid && pid && pid != m_pid)
        return -EINVAL;
    if (!m_pid) {
        if (pid)
            m_pid = pid;
        else
            autobind();
    }
    m_groups = groups;
    return 0;
}

long NetlinkSocket::connect(const SockAddr& addr) {
    if (addr.len >= 2 && addr.family() == 0)
        return 0;
    if (addr.len < 12)
        return -EINVAL;
    if (addr.family() != af_netlink)
        return -EINVAL;
    autobind();
    return 0;
}

long NetlinkSocket::getsockname(SockAddr* out) {
    name_of(m_pid, m_groups, out);
    return 0;
}

long NetlinkSocket::getpeername(SockAddr* out) {
    name_of(0, 0, out);
    return 0;
}

void NetlinkSocket::queue(Reply* r) {
    if (!r)
        return;
    if (m_tail)
        m_tail->next = r;
    else
        m_head = r;
    m_tail = r;
    m_queued += r->len;
    m_wq.notify(vfs::ev_in);
}

// netlink_ack: an NLMSG_ERROR carrying `err` and, for an error, the request.
void NetlinkSocket::error(const uint8_t* msg, uint32_t len, int err) {
    Builder b;
    uint32_t seq;
    __builtin_memcpy(&seq, msg + 8, 4);
    b.begin(nlmsg_error, 0, seq, m_pid);
    b.append(&err, 4);
    b.append(msg, err ? len : nlmsghdr_size);
    b.end();
    queue(b.take());
}

void NetlinkSocket::request(const uint8_t* msg, uint32_t len) {
    uint16_t type, flags;
    uint32_t seq;
    __builtin_memcpy(&type, msg + 4, 2);
    __builtin_memcpy(&flags, msg + 6, 2);
    __builtin_memcpy(&seq, msg + 8, 4);
    if (!(flags & nlm_f_request))
        return;
    if (type != rtm_getlink && type != rtm_getaddr) {
        error(msg, len, -EOPNOTSUPP);
        return;
    }
    int family = len > nlmsghdr_size ? msg[nlmsghdr_size] : 0;
    Builder b;
    if ((flags & nlm_f_dump) == nlm_f_dump) {
        if (type == rtm_getlink) {
            each_iface([&](const Iface& i) {
                link_msg(b, i, nlm_f_multi, seq, m_pid);
                return false;
            });
        } else {
            // AF_UNSPEC dumps each family in turn, IPv4 first.
            const int families[] = {af_inet, af_inet6};
            for (int f : families)
                if (family == 0 || family == f)
                    each_iface([&](const Iface& i) {
                        addr_msgs(b, i, f, seq, m_pid);
                        return false;
                    });
        }
        b.begin(nlmsg_done, nlm_f_multi, seq, m_pid);
        int zero = 0;
        b.append(&zero, 4);
        b.end();
        if (!b.ok()) {
            error(msg, len, -ENOBUFS);
            return;
        }
        queue(b.take());
        return;
    }
    // One link, by the index of its struct ifinfomsg.
    int32_t index = 0;
    if (type != rtm_getlink || len < nlmsghdr_size + 16) {
        error(msg, len, -EINVAL);
        return;
    }
    __builtin_memcpy(&index, msg + nlmsghdr_size + 4, 4);
    Iface i;
    if (!find_by_index(index, &i)) {
        error(msg, len, -ENODEV);
        return;
    }
    link_msg(b, i, 0, seq, m_pid);
    queue(b.take());
    if (flags & nlm_f_ack)
        error(msg, len, 0);
}

long NetlinkSocket::sendmsg(MsgIo& msg) {
    if (msg.flags & msg_oob)
        return -EOPNOTSUPP;
    if (msg.has_addr && msg.addr.len) {
        if (msg.addr.len < 12 || msg.addr.family() != af_netlink)
            return -EINVAL;
    }
    size_t len = msg.data->left();
    if (len > m_sndbuf - 32)
        return -EMSGSIZE;
    auto* buf = static_cast<uint8_t*>(kheap_alloc(len ? len : 1));
    if (!buf)
        return -ENOBUFS;
    if (msg.data->drain(buf, len) < len) {
        kheap_free(buf);
        return -EFAULT;
    }
    autobind();
    // netlink_rcv_skb: each whole message in turn.
    size_t off = 0;
    while (len - off >= nlmsghdr_size) {
        uint32_t mlen;
        __builtin_memcpy(&mlen, buf + off, 4);
        if (mlen < nlmsghdr_size || mlen > len - off)
            break;
        request(buf + off, mlen);
        size_t step = (size_t(mlen) + 3) & ~size_t(3);
        if (step > len - off)
            break;
        off += step;
    }
    kheap_free(buf);
    return long(len);
}

long NetlinkSocket::recvmsg(MsgIo& msg) {
    if (msg.flags & msg_oob)
        return -EOPNOTSUPP;
    const uint64_t deadline = this->deadline(false);
    while (!m_head) {
        if ((msg.flags & msg_dontwait) || (flags & vfs::o_nonblock))
            return -EAGAIN;
        if (long r = vfs::wait_once(m_wq, deadline))
            return wait_error(r, false);
    }
    Reply* r = m_head;
    size_t n = r->len < msg.data->left() ? r->len : msg.data->left();
    // As on Linux, the reply is taken off the queue even when the copy
    // faults.
    size_t got = msg.data->fill(r->data, n);
    if (r->len > n)
        msg.out_flags |= msg_trunc;
    name_of(0, 0, &msg.addr);
    msg.has_addr = true;
    long full = long(r->len);
    if (!(msg.flags & msg_peek)) {
        m_head = r->next;
        if (!m_head)
            m_tail = nullptr;
        m_queued -= r->len;
        kheap_free(r);
    }
    if (got < n)
        return -EFAULT;
    return (msg.flags & msg_trunc) ? full : long(n);
}

constexpr int sol_socket = 1, so_sndbuf = 7, so_rcvbuf = 8, so_error = 4;

long NetlinkSocket::setsockopt(int level, int name, const OptVal& val) {
    int x;
    if (val.len < 4)
        return -EINVAL;
    __builtin_memcpy(&x, val.bytes, 4);
    if (level == sol_socket && (name == so_sndbuf || name == so_rcvbuf)) {
        uint32_t u = uint32_t(x) > netlink_buf ? netlink_buf : uint32_t(x);
        u = u * 2 < 2304 ? 2304 : u * 2;
        (name == so_sndbuf ? m_sndbuf : m_rcvbuf) = u;
        return 0;
    }
    return -ENOPROTOOPT;
}

long NetlinkSocket::getsockopt(int level, int name, OptVal* val) {
    int x;
    if (level == sol_socket && name == so_sndbuf)
        x = int(m_sndbuf);
    else if (level == sol_socket && name == so_rcvbuf)
        x = int(m_rcvbuf);
    else if (level == sol_socket && name == so_error)
        x = 0;
    else
        return -ENOPROTOOPT;
    uint32_t n = val->len < 4 ? val->len : 4;
    __builtin_memcpy(val->bytes, &x, n);
    val->len = n;
    return 0;
}

uint32_t NetlinkSocket::poll(vfs::PollTable* pt) {
    if (pt)
        pt->wait_on(m_wq);
    return vfs::ev_writable | (m_head ? vfs::ev_readable : 0);
}

void NetlinkSocket::close() {
    while (Reply* r = m_head) {
        m_head = r->next;
        kheap_free(r);
    }
    m_tail = nullptr;
}

long netlink_create(int type, int protocol, Socket** out) {
    if (type != sock_raw && type != sock_dgram)
        return -ESOCKTNOSUPPORT;
    if (protocol != netlink_route)
        return -EPROTONOSUPPORT;
    if (long r = lwip::ensure_started())
        return r;
    auto* s = vfs::make<NetlinkSocket>();
    if (!s)
        return -ENOMEM;
    s->family = af_netlink;
    s->type = type;
    s->protocol = protocol;
    s->flags = vfs::o_rdwr;
    *out = s;
    return 0;
}

} // namespace
} // namespace uk::net

UK_SOCKET_FAMILY(netlink, {16, ::uk::net::netlink_create, nullptr});
