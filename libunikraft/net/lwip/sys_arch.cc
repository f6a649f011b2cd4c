// lwIP on the kernel's primitives.
//
// Execution model: NO_SYS=1, lwIP driven directly from kernel context, not
// NO_SYS=0 with a tcpip_thread. The kernel runs one vCPU and is not
// preemptible; device interrupts only record work, and their handlers run
// later in kernel context (the way back to app code or the idle loop), as
// timer expiries do. So a system call, a timer expiry and a driver's
// receive handler each run to completion without interleaving, and lwIP's
// raw API never blocks: the "one lock" NO_SYS needs is the kernel's own
// non-preemptibility, and Guard only marks the span. A tcpip_thread would
// add a thread switch and a mailbox to every socket call and every packet
// for nothing. Nothing polls: lwIP's timeouts are one kernel timer, armed
// only while something needs them (a TCP connection that is open or in
// TIME_WAIT, or an ethernet interface), so an idle kernel sleeps in hlt and
// a blocked program is still reported as deadlocked; loopback packets are
// delivered when the outermost Guard ends; received frames enter from the
// driver's deferred interrupt handler (netdev_receive).
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip6.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "net/config.h"
#include "net/lwip/stack.h"
#include "net/netdev.h"
#include "posix/random.h"
#include "sched/sched.h"

#include <uk/console.h>
#include <uk/exit.h>

namespace uk::net::lwip {
namespace {

constinit bool g_started = false;
constinit int g_depth = 0;
constinit bool g_have_netdev = false;
constinit sched::Waiter g_timer{};
constinit uint32_t g_max_tcp = 4096;
constinit uint32_t g_max_udp = 1024;
constinit uint32_t g_exit_timeout_s = 3;
constinit bool g_tw_max_given = false; // net.tcp_tw_pcbs
// The drivers' interfaces, for flush() when a burst ends.
constexpr size_t max_netdevs = 8;
constinit Netdev* g_netdevs[max_netdevs] = {};
constinit size_t g_nnetdevs = 0;

void rearm();

void on_timer(sched::Waiter*) {
    Guard g;
    for (size_t i = 0; i < g_nnetdevs; i++)
        if (g_netdevs[i]->reclaim)
            g_netdevs[i]->reclaim(g_netdevs[i]);
    sys_check_timeouts();
    // Also where no SYN walks the list (IPv6, no new connections).
    uk_lwip_timewait_trim();
}

// Linux's bound on connections in TIME_WAIT (tcp_max_tw_buckets): half the
// slots of its TCP connection hash, which has one per 128 KiB of memory
// rounded up to a power of two, and at least a page of them (512).
unsigned int linux_tw_max() {
    size_t slots = mm::total_page_count() * 4096 / (128 * 1024);
    size_t p = 512;
    while (p < slots && p < (size_t(1) << 19))
        p <<= 1;
    return unsigned(p / 2);
}

// lwIP's own timeouts run only when one of them can matter: the cyclic
// ones (reassembly, neighbour discovery) do nothing while loopback is the
// only interface, and the TCP timer stops itself when no connection needs
// it.
bool timers_needed() {
    return g_have_netdev || tcp_active_pcbs || tcp_tw_pcbs;
}

void rearm() {
    if (!g_started)
        return;
    uint32_t ms = sys_timeouts_sleeptime();
    if (!timers_needed() || ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
        sched::remove_timer(&g_timer);
        g_timer.deadline = 0;
        return;
    }
    uint64_t deadline = arch::monotonic_ns() + uint64_t(ms) * 1000000 + 1;
    if (g_timer.deadline && g_timer.deadline <= deadline)
        return;
    sched::remove_timer(&g_timer);
    g_timer.deadline = deadline;
    sched::add_timer(&g_timer);
}

// Delivers what an interface sent to itself. One whose device completes
// checksums left them empty (net::netdev_linkoutput), so they are not
// checked.
void netif_poll_own(struct netif* n) {
    uint16_t flags = n->chksum_flags;
    if (!(flags & (NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP)))
        NETIF_SET_CHECKSUM_CTRL(
            n, uint16_t(flags & ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP)));
    netif_poll(n);
    NETIF_SET_CHECKSUM_CTRL(n, flags);
}

// Delivers what interfaces sent to themselves (loopback), which may make
// more (acknowledgements, answers), until nothing is queued.
void pump() {
    for (;;) {
        bool any = false;
        struct netif* n;
        NETIF_FOREACH(n) {
            if (n->loop_first) {
                any = true;
                netif_poll_own(n);
            }
        }
        if (!any)
            return;
    }
}

bool parse_count(const char* v, uint32_t* out) {
    if (!v || !*v)
        return false;
    uint64_t n = 0;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || n > 0xffffffu)
            return false;
        n = n * 10 + uint64_t(*v - '0');
    }
    if (n == 0 || n > 0xffffffu)
        return false;
    *out = uint32_t(n);
    return true;
}

bool parse_count_or_zero(const char* v, uint32_t* out) {
    if (v && v[0] == '0' && !v[1]) {
        *out = 0;
        return true;
    }
    return parse_count(v, out);
}

} // namespace

Guard::Guard() {
    g_depth++;
}

Guard::~Guard() {
    if (g_depth == 1 && g_started) {
        pump();
        for (size_t i = 0; i < g_nnetdevs; i++)
            if (g_netdevs[i]->flush)
                g_netdevs[i]->flush(g_netdevs[i]);
        rearm();
    }
    g_depth--;
}

long ensure_started() {
    if (g_started)
        return 0;
    g_timer.expire = on_timer;
    if (!g_tw_max_given)
        uk_lwip_tw_max = linux_tw_max();
    lwip_init();
    g_started = true;
    return 0;
}

const char* set_param(const char* name, const char* value) {
    if (__builtin_strcmp(name, "net.tcp_pcbs") == 0)
        return parse_count(value, &g_max_tcp) ? nullptr : "net.tcp_pcbs needs a count from 1";
    if (__builtin_strcmp(name, "net.tcp_tw_pcbs") == 0) {
        uint32_t n;
        if (!parse_count_or_zero(value, &n))
            return "net.tcp_tw_pcbs needs a count from 0";
        uk_lwip_tw_max = n;
        g_tw_max_given = true;
        return nullptr;
    }
    if (__builtin_strcmp(name, "net.udp_pcbs") == 0)
        return parse_count(value, &g_max_udp) ? nullptr : "net.udp_pcbs needs a count from 1";
    if (__builtin_strcmp(name, "net.exit_timeout") == 0) {
        return parse_count_or_zero(value, &g_exit_timeout_s) && g_exit_timeout_s <= 3600
                   ? nullptr
                   : "net.exit_timeout needs a number of seconds from 0 to 3600";
    }
    return "unknown net.* parameter";
}

uint64_t exit_timeout_ns() {
    return uint64_t(g_exit_timeout_s) * 1000000000;
}

uint32_t max_tcp_pcbs() {
    return g_max_tcp;
}
uint32_t max_udp_pcbs() {
    return g_max_udp;
}

} // namespace uk::net::lwip

// ---------------------------------------------------------------- drivers

namespace uk::net {
namespace {

// Checksums with a device that completes them (offload_tx_csum): lwIP
// leaves the TCP and UDP checksum fields of the interface's packets zero
// (NETIF_CHECKSUM_GEN_* off) and the frame tells the device where the
// checksum goes, with the pseudo-header's sum in the field (virtio 1.2,
// 5.1.6.2). A packet lwIP fragments (UDP larger than the MTU; TCP only
// after an IPv6 Packet Too Big) cannot be left to the device, whose sum
// covers one frame: its fragments are held until the last one, the
// checksum is computed over all of them here, and they go out together.
// Received frames the device vouches for skip lwIP's check, and so do the
// interface's packets to itself (lwIP loops them through the interface,
// with the checksum fields still empty).
constexpr uint16_t csum_offloaded = NETIF_CHECKSUM_GEN_TCP | NETIF_CHECKSUM_GEN_UDP;
constexpr uint16_t csum_checks = NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
constexpr size_t eth_hlen = 14;

bool offloads_csum(const struct netif* nif) {
    return !(nif->chksum_flags & csum_offloaded);
}

// What a frame's headers say (only what checksums need).
struct FrameInfo {
    bool ip = false;       // IPv4 or IPv6 carrying TCP or UDP (maybe fragmented)
    bool fragment = false; // one fragment of a larger packet
    bool first = false;    // the fragment with the transport header
    bool last = false;     // the fragment ending the packet
    uint8_t proto = 0;     // 6 or 17
    size_t l4 = 0;         // where the transport data starts in the frame
    size_t l4_len = 0;     // how many bytes of it this frame has
    uint32_t pseudo = 0;   // the pseudo-header's sum without the length
    bool v6 = false;
    size_t tcp_payload = 0; // a TCP segment the device may gather: where its payload starts
    uint32_t tcp_seq = 0;   // and its sequence number
};

uint32_t sum_words(const uint8_t* b, size_t n, uint32_t acc) {
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += uint32_t(b[i]) << 8 | b[i + 1];
    return acc;
}

FrameInfo parse_frame(const uint8_t* h, size_t n) {
    FrameInfo f;
    if (n < eth_hlen + 20)
        return f;
    uint16_t type = uint16_t(h[12] << 8 | h[13]);
    const uint8_t* ip = h + eth_hlen;
    if (type == ETHTYPE_IP) {
        size_t ihl = size_t(ip[0] & 15) * 4;
        size_t total = size_t(ip[2] << 8 | ip[3]);
        uint16_t frag = uint16_t(ip[6] << 8 | ip[7]);
        if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || eth_hlen + ihl > n)
            return f;
        f.proto = ip[9];
        f.fragment = (frag & 0x3fff) != 0;
        f.first = (frag & 0x1fff) == 0;
        f.last = !(frag & 0x2000);
        f.l4 = eth_hlen + ihl;
        f.l4_len = total - ihl;
        f.pseudo = sum_words(ip + 12, 8, 0);
    } else if (type == ETHTYPE_IPV6) {
        if (n < eth_hlen + 40 || (ip[0] >> 4) != 6)
            return f;
        f.proto = ip[6];
        f.v6 = true;
        f.l4 = eth_hlen + 40;
        f.l4_len = size_t(ip[4] << 8 | ip[5]);
        f.pseudo = sum_words(ip + 8, 32, 0);
        f.first = f.last = true;
        if (f.proto == IP6_NEXTH_FRAGMENT) {
            if (n < eth_hlen + 48 || f.l4_len < 8)
                return f;
            const uint8_t* fh = ip + 40;
            uint16_t off = uint16_t(fh[2] << 8 | fh[3]);
            f.proto = fh[0];
            f.fragment = true;
            f.first = (off & 0xfff8) == 0;
            f.last = !(off & 1);
            f.l4 += 8;
            f.l4_len -= 8;
        }
    } else {
        return f;
    }
    f.ip = f.proto == IP_PROTO_TCP || f.proto == IP_PROTO_UDP;
    // A segment the device may gather (net::TxCsum): no IP options, no
    // fragment, payload, and only ACK and PSH.
    constexpr uint8_t ack = 0x10, psh = 0x08;
    if (f.proto == IP_PROTO_TCP && !f.fragment && f.l4 == eth_hlen + (f.v6 ? 40 : 20) &&
        n >= f.l4 + 20) {
        const uint8_t* t = h + f.l4;
        size_t doff = size_t(t[12] >> 4) * 4;
        if (doff >= 20 && doff < f.l4_len && (t[13] & ack) && !(t[13] & ~(ack | psh))) {
            f.tcp_payload = f.l4 + doff;
            f.tcp_seq = uint32_t(t[4]) << 24 | uint32_t(t[5]) << 16 | uint32_t(t[6]) << 8 | t[7];
        }
    }
    return f;
}

size_t csum_field(uint8_t proto) {
    return proto == IP_PROTO_TCP ? 16 : 6;
}

// The 16-bit one's complement sum of `len` bytes of `p` from `off`, as if
// they started at an even position.
uint64_t sum_pbuf(struct pbuf* p, size_t off, size_t len) {
    uint64_t acc = 0;
    bool odd = false;
    for (struct pbuf* q = p; q && len; q = q->next) {
        if (off >= q->len) {
            off -= q->len;
            continue;
        }
        const uint8_t* b = static_cast<const uint8_t*>(q->payload) + off;
        size_t n = q->len - off < len ? q->len - off : len;
        off = 0;
        len -= n;
        size_t i = 0;
        if (odd && n) {
            acc += b[0];
            i = 1;
            odd = false;
        }
        for (; i + 1 < n; i += 2)
            acc += uint32_t(b[i]) << 8 | b[i + 1];
        if (i < n) {
            acc += uint32_t(b[i]) << 8;
            odd = true;
        }
    }
    return acc;
}

// A fragmented packet's frames held until its last fragment.
constexpr size_t max_held = 64;
struct Held {
    struct netif* nif;
    size_t n;
    bool udp;
    FrameInfo first;
    struct pbuf* frames[max_held];
};
constinit Held g_held{};

void drop_held() {
    for (size_t i = 0; i < g_held.n; i++)
        pbuf_free(g_held.frames[i]);
    g_held.n = 0;
}

err_t send_frame(Netdev* dev, struct pbuf* p, const TxCsum* csum) {
    FrameSeg segs[16];
    size_t n = 0;
    for (struct pbuf* q = p; q; q = q->next) {
        if (n == sizeof(segs) / sizeof(segs[0]))
            return ERR_BUF;
        // Bytes in the pbuf's own memory (PBUF_RAM, PBUF_POOL: the kernel
        // heap) may be held, and a PBUF_ROM's: the kernel makes those only
        // over lasting bytes (TcpSocket::sendmsg). A PBUF_REF's are
        // someone else's, for now only.
        uint8_t src = pbuf_get_allocsrc(q);
        bool own = src == PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL ||
                   (src == PBUF_TYPE_ALLOC_SRC_MASK_STD_HEAP &&
                    (q->type_internal & PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS)) ||
                   q->type_internal == PBUF_ROM;
        segs[n++] = FrameSeg{q->payload, q->len, own ? q : nullptr};
    }
    return dev->transmit(dev, segs, n, csum) == 0 ? ERR_OK : ERR_BUF;
}

// Sends a held packet's fragments with the checksum computed over all.
err_t send_held(Netdev* dev) {
    uint64_t acc = g_held.first.pseudo + g_held.first.proto;
    size_t total = 0;
    for (size_t i = 0; i < g_held.n; i++) {
        uint8_t h[eth_hlen + 48];
        struct pbuf* p = g_held.frames[i];
        FrameInfo f = parse_frame(h, pbuf_copy_partial(p, h, sizeof(h), 0));
        acc += sum_pbuf(p, f.l4, f.l4_len);
        total += f.l4_len;
    }
    acc += total;
    uint16_t v = uint16_t(~csum_fold(acc));
    if (v == 0 && g_held.udp)
        v = 0xffff; // zero would mean "no checksum"
    size_t at = g_held.first.l4 + csum_field(g_held.first.proto);
    pbuf_put_at(g_held.frames[0], u16_t(at), uint8_t(v >> 8));
    pbuf_put_at(g_held.frames[0], u16_t(at + 1), uint8_t(v));
    err_t r = ERR_OK;
    for (size_t i = 0; i < g_held.n; i++)
        if (err_t e = send_frame(dev, g_held.frames[i], nullptr))
            r = e;
    drop_held();
    return r;
}

err_t netdev_linkoutput(struct netif* nif, struct pbuf* p) {
    auto* dev = static_cast<Netdev*>(nif->state);
    if (!offloads_csum(nif))
        return send_frame(dev, p, nullptr);
    uint8_t h[eth_hlen + 60 + 20];
    FrameInfo f = parse_frame(h, pbuf_copy_partial(p, h, sizeof(h), 0));
    if (g_held.n && (g_held.nif != nif || !f.fragment || f.first))
        drop_held(); // a fragmented packet that never ended
    if (!f.ip)
        return send_frame(dev, p, nullptr);
    if (f.fragment) {
        if (f.first) {
            g_held.nif = nif;
            g_held.first = f;
            g_held.udp = f.proto == IP_PROTO_UDP;
        } else if (!g_held.n) {
            return ERR_BUF; // its first fragment was dropped
        }
        if (g_held.n == max_held) {
            drop_held();
            return ERR_BUF;
        }
        pbuf_ref(p);
        g_held.frames[g_held.n++] = p;
        return f.last ? send_held(dev) : err_t(ERR_OK);
    }
    size_t field = f.l4 + csum_field(f.proto);
    if (field + 2 > size_t(p->tot_len) || f.l4 + f.l4_len > size_t(p->tot_len))
        return send_frame(dev, p, nullptr);
    uint16_t sum = csum_fold(uint64_t(f.pseudo) + f.proto + f.l4_len);
    pbuf_put_at(p, u16_t(field), uint8_t(sum >> 8));
    pbuf_put_at(p, u16_t(field + 1), uint8_t(sum));
    TxCsum csum{uint16_t(f.l4), uint16_t(csum_field(f.proto))};
    if (f.tcp_payload && f.l4 + f.l4_len == size_t(p->tot_len)) {
        csum.tcp_payload = uint16_t(f.tcp_payload);
        csum.v6 = f.v6;
        csum.tcp_seq = f.tcp_seq;
    }
    return send_frame(dev, p, &csum);
}

err_t netdev_netif_init(struct netif* nif) {
    auto* dev = static_cast<Netdev*>(nif->state);
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->hwaddr_len = 6;
    __builtin_memcpy(nif->hwaddr, dev->mac, 6);
    nif->mtu = dev->mtu;
    nif->mtu6 = dev->mtu;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = netdev_linkoutput;
    NETIF_SET_CHECKSUM_CTRL(nif, (dev->offloads & offload_tx_csum)
                                     ? uint16_t(NETIF_CHECKSUM_ENABLE_ALL & ~csum_offloaded)
                                     : uint16_t(NETIF_CHECKSUM_ENABLE_ALL));
    return ERR_OK;
}

} // namespace

void frame_hold(void* owner) {
    pbuf_ref(static_cast<struct pbuf*>(owner));
}

void frame_release(void* owner) {
    pbuf_free(static_cast<struct pbuf*>(owner));
}

long netdev_register(Netdev* dev) {
    if (long r = lwip::ensure_started())
        return r;
    auto* nif = static_cast<struct netif*>(kheap_alloc(sizeof(struct netif)));
    if (!nif)
        return -ENOMEM;
    __builtin_memset(nif, 0, sizeof(*nif));
    lwip::Guard g;
    if (!netif_add_noaddr(nif, dev, netdev_netif_init, ethernet_input)) {
        kheap_free(nif);
        return -ENOMEM;
    }
    dev->stack = nif;
    lwip::g_have_netdev = true;
    if (lwip::g_nnetdevs < lwip::max_netdevs)
        lwip::g_netdevs[lwip::g_nnetdevs++] = dev;
    netif_create_ip6_linklocal_address(nif, 1);
    // Addresses from router advertisements, as Linux takes them.
    netif_set_ip6_autoconfig_enabled(nif, 1);
    netif_set_link_up(nif);
    netif_set_up(nif);
    if (!netif_default)
        netif_set_default(nif);
    netdev_configure(nif);
    return 0;
}

void netdev_set_link(Netdev* dev, bool up) {
    auto* nif = static_cast<struct netif*>(dev->stack);
    if (!nif)
        return;
    lwip::Guard g;
    if (up)
        netif_set_link_up(nif);
    else
        netif_set_link_down(nif);
}

void netdev_tx_ready(Netdev* dev) {
    if (!dev->stack)
        return;
    lwip::Guard g;
    // The connections whose segments a full device refused (lwIP marks
    // them TF_NAGLEMEMERR and keeps the segments unsent).
    tcp_txnow();
}

long netdev_receive(Netdev* dev, const void* frame, size_t len) {
    FrameSeg seg{frame, len};
    return netdev_receive(dev, &seg, 1, false);
}

long netdev_receive(Netdev* dev, const FrameSeg* segs, size_t n, bool csum_valid) {
    auto* nif = static_cast<struct netif*>(dev->stack);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += segs[i].len;
    if (!nif || len > 0xffff)
        return -ENOMEM;
    // One block per frame: the stack's own buffers, not a chain of
    // fixed-size ones, so a large segment (GUEST_TSO) costs one allocation.
    struct pbuf* p = pbuf_alloc(PBUF_RAW, u16_t(len), PBUF_RAM);
    if (!p)
        return -ENOMEM;
    auto* d = static_cast<uint8_t*>(p->payload);
    for (size_t i = 0; i < n; i++) {
        __builtin_memcpy(d, segs[i].data, segs[i].len);
        d += segs[i].len;
    }
    lwip::Guard g;
    // A fragment's checksum covers the whole packet, which the device has
    // not seen: only whole packets skip the check.
    uint16_t flags = nif->chksum_flags;
    if (csum_valid && !parse_frame(static_cast<const uint8_t*>(p->payload), len).fragment)
        NETIF_SET_CHECKSUM_CTRL(nif, uint16_t(flags & ~csum_checks));
    if (nif->input(p, nif) != ERR_OK)
        pbuf_free(p);
    NETIF_SET_CHECKSUM_CTRL(nif, flags);
    return 0;
}

} // namespace uk::net

// ---------------------------------------------------------------- lwIP's C side

extern "C" {

u32_t sys_now(void) {
    return u32_t(uk::arch::monotonic_ns() / 1000000);
}

void uk_lwip_assert(const char* msg, const char* file, int line) {
    uk_printk("uk: lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    uk::panic_status(UK_EXIT_PANIC, "lwIP assertion");
}

uint32_t uk_lwip_rand(void) {
    uint32_t v;
    uk::posix::random_fill(&v, sizeof(v));
    return v;
}

void* uk_lwip_malloc(size_t size) {
    return uk::kheap_alloc(size, 16);
}

void* uk_lwip_calloc(size_t n, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        return nullptr;
    void* p = uk::kheap_alloc(total, 16);
    if (p)
        __builtin_memset(p, 0, total);
    return p;
}

void uk_lwip_free(void* p) {
    uk::kheap_free(p);
}
} // extern "C"
