// virtio-net (virtio 1.2, section 5.1) as an ethernet interface of the
// stack (net/netdev.h), on either transport.
//
// Receive: the receive queue is kept full of buffers, each large enough
// for one frame and its header (mergeable buffers, when negotiated, may
// still spread a frame over several: the stack copies the pieces into one
// of its buffers). With mergeable buffers the driver also takes large
// segments (GUEST_TSO4/6: up to 64 KiB of one TCP connection in one frame,
// which lwIP accepts as any in-window segment, whatever its MSS).
// The queue's interrupt handler (deferred kernel context) hands at most
// rx_budget frames to the stack per run and gives each buffer straight
// back; when frames remain it asks for another run through a timer due at
// once, so a flood cannot hold the CPU away from the app for long.
//
// Transmit: each frame is copied with its header into a buffer of a pool
// (the stack's pieces are valid only during the call, unless held: see
// large segments below), added to the transmit queue and published; the
// device hears of them when the stack ends its burst (Netdev::flush), so a
// burst costs one notification, and none while the device still sends
// frames published before (Virtqueue::notify_when_idle): it finds the new
// ones itself, where a notification would wait for QEMU's lock while it
// sends. Used transmit buffers are taken back as the next frames go out,
// at each burst's end and before each receive run.
//
// Checksums: with VIRTIO_NET_F_GUEST_CSUM the device marks frames whose
// TCP/UDP checksum it validated (DATA_VALID) or left partial because they
// come from the host's own stack (NEEDS_CSUM): the stack does not check
// those. With VIRTIO_NET_F_CSUM the stack leaves transmit checksums to the
// device (net/netdev.h, TxCsum).
//
// Large transmit segments (HOST_TSO4/6, with CSUM): lwIP makes TCP segments
// no larger than the peer's MSS, so the driver gathers the consecutive
// segments of one connection that a burst sends into one large frame, which
// the device (the host's stack, for a tap) cuts again into segments of the
// first one's size: one frame through the device instead of dozens. Each
// segment after the first adds only its payload to the frame's descriptor
// chain: where the stack keeps it, held until the device is done with it
// (net::frame_hold), or else copied into a buffer of its own. The first
// keeps its headers, which take the latest segment's acknowledgement,
// window and flags, and the lengths of the whole. The stack marks the
// segments that may be gathered (net::TxCsum: payload, only ACK and PSH),
// so the driver parses no headers. Gathering ends at a segment of another
// connection or not in sequence, one the stack did not mark, one shorter
// than the first (nothing may follow it), or the end of the burst
// (Netdev::flush).
#include <new>

#include <uk/console.h>

#include "arch/x86_64/time.h"
#include "drivers/driver.h"
#include "drivers/virtio.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "net/netdev.h"
#include "posix/random.h"
#include "sched/sched.h"

namespace uk::drivers {

namespace {

using namespace virtio;

// Device feature bits (virtio 1.2, 5.1.3).
constexpr uint64_t f_csum = 1ull << 0, f_guest_csum = 1ull << 1, f_mtu = 1ull << 3,
                   f_mac = 1ull << 5, f_guest_tso4 = 1ull << 7, f_guest_tso6 = 1ull << 8,
                   f_host_tso4 = 1ull << 11, f_host_tso6 = 1ull << 12, f_mrg_rxbuf = 1ull << 15,
                   f_status = 1ull << 16;

// Configuration layout.
constexpr size_t cfg_mac = 0, cfg_status = 6, cfg_mtu = 10;
constexpr uint16_t status_link_up = 1;

// The header in front of every frame.
struct NetHdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers; // only with VERSION_1 or MRG_RXBUF
};
static_assert(sizeof(NetHdr) == 12, "virtio fixes the header layout");
constexpr uint8_t hdr_f_needs_csum = 1, hdr_f_data_valid = 2;
constexpr uint8_t gso_tcpv4 = 1, gso_tcpv6 = 4;

constexpr uint16_t q_rx = 0, q_tx = 1;
constexpr size_t ring_entries = 256;
// The fewest receive or transmit buffers a device runs with.
constexpr size_t min_buffers = 16;
constexpr size_t rx_budget = 64;
// The longest a held-back transmit notification waits for the device to
// find the frames on its own (which it nearly always does within the
// sending of one frame) while the CPU stays busy.
constexpr uint64_t owed_wait_ns = 1000000;
constexpr size_t max_frame = 65535;
// The most buffers one frame may take (a largest frame in 2 KiB buffers).
constexpr size_t max_frame_bufs = 64;
// Receive buffers the device may hold and still take any frame: then it
// need not be told of more (rx_run).
constexpr uint16_t rx_plenty = max_frame_bufs;
// The most segments one large transmitted frame gathers, and the most
// payload: its IP length field must hold it with the largest headers.
constexpr size_t gso_max_segs = 44;
constexpr size_t gso_max_payload = 65535 - 40 - 60;
constexpr uint16_t no_buf = 0xffff;
// The least payload a gathered segment leaves where the stack has it
// rather than copy (holding it costs a reference taken and dropped).
constexpr size_t tx_hold_min = 512;
constexpr size_t eth_hlen = 14;
// The headers a gathered segment may have: ethernet, IPv6, TCP with options.
constexpr size_t tcp_frame_max_hlen = eth_hlen + 40 + 60;

// A TCP segment a large frame may gather.
struct TxTcp {
    size_t l4 = 0;      // where its TCP header starts
    size_t hlen = 0;    // where its payload starts
    size_t payload = 0; // bytes of payload
    uint32_t seq = 0;
    bool v6 = false;
};

// The large frame being gathered: buffers of the transmit pool, the first
// holding the virtio header and the first segment whole, the others a
// payload each.
struct TxGather {
    size_t n = 0; // segments so far; 0 when none is open
    uint16_t bufs[gso_max_segs] = {};
    uint32_t lens[gso_max_segs] = {};
    TxTcp first{};
    uint8_t last_tcp[60] = {}; // the latest segment's TCP header
    uint32_t next_seq = 0;
    size_t payload = 0;
    bool ended = false; // a short segment came: nothing may follow it
};

struct VirtioNet {
    net::Netdev netdev;
    Device* dev = nullptr;
    Queue* rx = nullptr;
    Queue* tx = nullptr;
    size_t hdr_len = 0; // 10 or 12
    size_t buf_size = 0;
    size_t rx_count = 0;
    size_t tx_count = 0;
    uint8_t* rx_buf = nullptr;
    uint8_t* tx_buf = nullptr;
    uint16_t* tx_free = nullptr;
    size_t ntx_free = 0;
    uint16_t* tx_next = nullptr; // per buffer, the next of its chain, or no_buf
    // Per buffer: the stack's holder (net::frame_hold) of the bytes its
    // descriptor points at instead of the buffer (tx_addr), or nullptr.
    void** tx_owner = nullptr;
    uint64_t* tx_addr = nullptr;
    bool tx_pending = false;
    bool tx_starved = false;         // transmit() refused a frame for want of buffers
    bool tso4 = false, tso6 = false; // the device takes large TCP segments
    TxGather gather{};
    bool link_up = true;
    sched::Waiter again{}; // another receive run, when the budget ran out
    // The transmit queue's held-back notification (Virtqueue::
    // notify_when_idle), given before the CPU halts or after owed_wait_ns.
    sched::Waiter owed{};
    sched::IdleHook idle{}; // also takes frames whose interrupt was lost
};

// Cookies are buffer numbers plus one (a cookie must not be null).
void* cookie_of(size_t i) {
    return reinterpret_cast<void*>(i + 1);
}
size_t index_of(void* cookie) {
    return reinterpret_cast<size_t>(cookie) - 1;
}

void post_rx(VirtioNet* vn, size_t i) {
    Seg s{dma_addr(vn->rx_buf + i * vn->buf_size), uint32_t(vn->buf_size), true};
    vn->rx->submit(&s, 1, cookie_of(i));
}

// Takes one used buffer's frame to the stack, with the buffers that
// follow it when the frame was merged. Returns false when the queue had
// nothing.
bool receive_one(VirtioNet* vn) {
    uint32_t len;
    void* cookie = vn->rx->take(&len);
    if (!cookie)
        return false;
    size_t i = index_of(cookie);
    uint8_t* buf = vn->rx_buf + i * vn->buf_size;
    if (len > vn->buf_size)
        len = uint32_t(vn->buf_size);
    NetHdr h{};
    __builtin_memcpy(&h, buf, vn->hdr_len < len ? vn->hdr_len : len);
    uint64_t features = vn->dev->features();
    uint16_t nbufs = vn->hdr_len == sizeof(NetHdr) && (features & f_mrg_rxbuf) ? h.num_buffers : 1;
    net::FrameSeg segs[max_frame_bufs];
    size_t bufs[max_frame_bufs];
    size_t n = 0, flen = 0;
    bool fits = true;
    if (len > vn->hdr_len) {
        segs[n] = {buf + vn->hdr_len, len - vn->hdr_len};
        flen += len - vn->hdr_len;
        bufs[n++] = i;
    } else {
        post_rx(vn, i);
    }
    // The rest of a merged frame is in the next used buffers, in order;
    // they stay the driver's until the stack has copied them.
    for (uint16_t k = 1; k < nbufs; k++) {
        uint32_t more;
        void* c = vn->rx->take(&more);
        if (!c)
            break;
        size_t j = index_of(c);
        if (more > vn->buf_size)
            more = uint32_t(vn->buf_size);
        if (n < max_frame_bufs) {
            segs[n] = {vn->rx_buf + j * vn->buf_size, more};
            bufs[n++] = j;
        } else {
            fits = false;
            post_rx(vn, j);
        }
        flen += more;
    }
    if (fits && flen && flen <= max_frame) {
        bool valid = (features & f_guest_csum) && (h.flags & (hdr_f_needs_csum | hdr_f_data_valid));
        net::netdev_receive(&vn->netdev, segs, n, valid);
    }
    for (size_t k = 0; k < n; k++)
        post_rx(vn, bufs[k]);
    return true;
}

void reclaim_tx(VirtioNet* vn);
void kick_tx(VirtioNet* vn);

void rx_run(VirtioNet* vn) {
    // What was sent before goes back to the stack before it reads the
    // acknowledgements: it resends no segment a driver still holds.
    reclaim_tx(vn);
    size_t n = 0;
    bool more = false;
    for (;;) {
        while (n < rx_budget && receive_one(vn))
            n++;
        // Ask for an interrupt, unless frames came meanwhile. This holds also
        // when the budget ran out just as the ring ran dry: a run from the
        // timer starts with interrupts off, and nothing else turns them on.
        if (vn->rx->enable_interrupts())
            break;
        if (n == rx_budget) {
            more = true;
            break;
        }
    }
    // The device needs to hear of the buffers given back only when it may
    // have run short of them since the last publish: it holds fewest just
    // before this one. With event indexes QEMU asks to hear of every
    // publish (it cannot ask for none), and each notification costs the
    // vCPU a trip into the device model and the host a wakeup of its I/O
    // thread, once per interrupt, for nothing.
    if (uint16_t(vn->rx->device_holds() - vn->rx->unpublished()) >= rx_plenty)
        vn->rx->publish();
    else
        vn->rx->kick();
    if (more) {
        vn->rx->disable_interrupts();
        sched::remove_timer(&vn->again);
        vn->again.deadline = arch::monotonic_ns() + 1;
        sched::add_timer(&vn->again);
    }
}

void rx_interrupt(Queue*, void* ctx) {
    rx_run(static_cast<VirtioNet*>(ctx));
}

void rx_again(sched::Waiter* w) {
    auto* vn = UK_OWNER_OF(w, VirtioNet, again);
    rx_run(vn);
}

// Gives a transmit buffer back to the pool, and the bytes it held back to
// the stack.
void free_tx_buffer(VirtioNet* vn, size_t i) {
    if (void* owner = vn->tx_owner[i]) {
        vn->tx_owner[i] = nullptr;
        net::frame_release(owner);
    }
    vn->tx_free[vn->ntx_free++] = uint16_t(i);
}

void reclaim_tx(VirtioNet* vn) {
    uint32_t len;
    while (void* cookie = vn->tx->take(&len)) {
        for (size_t i = index_of(cookie); i < vn->tx_count; i = vn->tx_next[i])
            free_tx_buffer(vn, i);
    }
}

// The device used transmit buffers; interrupts are on only after the pool
// ran dry (take_tx_buffer).
void tx_interrupt(Queue*, void* ctx) {
    auto* vn = static_cast<VirtioNet*>(ctx);
    reclaim_tx(vn);
    if (vn->tx_starved && vn->ntx_free) {
        vn->tx_starved = false;
        vn->tx->disable_interrupts();
        net::netdev_tx_ready(&vn->netdev);
    }
}

uint8_t* tx_buffer(VirtioNet* vn, size_t i) {
    return vn->tx_buf + i * vn->buf_size;
}

uint16_t be16(const uint8_t* p) {
    return uint16_t(p[0] << 8 | p[1]);
}

void put_be16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

// Copies the bytes of a frame in pieces from `skip` on to `dst`, at most
// `max`; returns how many.
size_t copy_out(uint8_t* dst, size_t max, const net::FrameSeg* segs, size_t n, size_t skip) {
    size_t got = 0;
    for (size_t k = 0; k < n && got < max; k++) {
        size_t len = segs[k].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        size_t take = len - skip < max - got ? len - skip : max - got;
        __builtin_memcpy(dst + got, static_cast<const uint8_t*>(segs[k].data) + skip, take);
        got += take;
        skip = 0;
    }
    return got;
}

// The payload bytes from `skip` on, `len` of them, when one held piece has
// them all (net::FrameSeg::owner): then the device may read them there.
const uint8_t* held_payload(const net::FrameSeg* segs, size_t n, size_t skip, size_t len,
                            void** owner) {
    for (size_t k = 0; k < n; k++) {
        if (skip >= segs[k].len) {
            skip -= segs[k].len;
            continue;
        }
        if (!segs[k].owner || segs[k].len - skip < len)
            return nullptr;
        *owner = segs[k].owner;
        return static_cast<const uint8_t*>(segs[k].data) + skip;
    }
    return nullptr;
}

// Whether the segment `t` with headers `h` continues the open large frame.
bool continues(const VirtioNet* vn, const uint8_t* h, const TxTcp& t) {
    const TxGather& g = vn->gather;
    if (!g.n || g.ended || g.n == gso_max_segs || t.v6 != g.first.v6 || t.hlen != g.first.hlen ||
        t.seq != g.next_seq || t.payload > g.first.payload ||
        g.payload + t.payload > gso_max_payload)
        return false;
    const uint8_t* f = tx_buffer(const_cast<VirtioNet*>(vn), g.bufs[0]) + vn->hdr_len;
    // The same addresses, link and network, and the same ports.
    size_t addrs = t.v6 ? eth_hlen + 8 : eth_hlen + 12;
    return !__builtin_memcmp(f, h, 12) && !__builtin_memcmp(f + addrs, h + addrs, t.l4 - addrs) &&
           !__builtin_memcmp(f + t.l4, h + t.l4, 4);
}

// Makes a chain of pool buffers available to the device.
void submit_chain(VirtioNet* vn, const uint16_t* bufs, const uint32_t* lens, size_t n) {
    if (!n || n > gso_max_segs)
        return;
    Seg segs[gso_max_segs];
    for (size_t k = 0; k < n; k++) {
        uint16_t b = bufs[k];
        segs[k] =
            Seg{vn->tx_owner[b] ? vn->tx_addr[b] : dma_addr(tx_buffer(vn, b)), lens[k], false};
        vn->tx_next[b] = k + 1 < n ? bufs[k + 1] : no_buf;
    }
    // The pool has no more buffers than the ring has entries: never full.
    if (vn->tx->submit(segs, n, cookie_of(bufs[0])) < 0) {
        for (size_t k = 0; k < n; k++)
            free_tx_buffer(vn, bufs[k]);
        return;
    }
    vn->tx_pending = true;
}

// Sends the open large frame: the first segment's headers describe the
// whole, the virtio header how to cut it.
void end_gather(VirtioNet* vn) {
    TxGather& g = vn->gather;
    if (!g.n)
        return;
    if (g.n > 1) {
        const TxTcp& t = g.first;
        uint8_t* b = tx_buffer(vn, g.bufs[0]);
        uint8_t* f = b + vn->hdr_len;
        size_t thl = t.hlen - t.l4;
        size_t tcp_len = thl + g.payload;
        // The latest acknowledgement, flags, window and options; the
        // sequence number stays the first's.
        __builtin_memcpy(f + t.l4 + 8, g.last_tcp + 8, 8);
        __builtin_memcpy(f + t.l4 + 18, g.last_tcp + 18, thl - 18);
        if (t.v6) {
            put_be16(f + eth_hlen + 4, uint16_t(tcp_len));
        } else {
            uint8_t* ip = f + eth_hlen;
            put_be16(ip + 2, uint16_t(20 + tcp_len));
            put_be16(ip + 10, 0);
            uint32_t sum = 0;
            for (size_t i = 0; i < 20; i += 2)
                sum += be16(ip + i);
            put_be16(ip + 10, uint16_t(~net::csum_fold(sum)));
        }
        // The checksum field holds the sum of the pseudo-header, whose
        // length grew.
        uint16_t partial = be16(f + t.l4 + 16);
        put_be16(f + t.l4 + 16,
                 net::csum_fold(uint32_t(partial) + uint32_t(tcp_len - thl - t.payload)));
        NetHdr h{};
        h.flags = hdr_f_needs_csum;
        h.gso_type = t.v6 ? gso_tcpv6 : gso_tcpv4;
        h.hdr_len = uint16_t(t.hlen);
        h.gso_size = uint16_t(t.payload);
        h.csum_start = uint16_t(t.l4);
        h.csum_offset = 16;
        __builtin_memcpy(b, &h, vn->hdr_len);
    }
    submit_chain(vn, g.bufs, g.lens, g.n);
    g.n = 0;
}

// A buffer of the pool, or -1 when all are in flight.
long take_tx_buffer(VirtioNet* vn) {
    if (!vn->ntx_free)
        reclaim_tx(vn);
    if (!vn->ntx_free) {
        // Everything is in flight: let the device see what waits, so that
        // buffers come back.
        end_gather(vn);
        kick_tx(vn);
        vn->tx_pending = false;
        reclaim_tx(vn);
    }
    if (!vn->ntx_free) {
        // Still none: the frame is refused, and the device's interrupt
        // tells when buffers come back (tx_interrupt).
        vn->tx_starved = true;
        while (!vn->tx->enable_interrupts())
            reclaim_tx(vn);
        if (!vn->ntx_free)
            return -1;
    }
    return vn->tx_free[--vn->ntx_free];
}

long transmit(net::Netdev* nd, const net::FrameSeg* segs, size_t n, const net::TxCsum* csum) {
    auto* vn = static_cast<VirtioNet*>(nd->driver);
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += segs[k].len;
    if (total + vn->hdr_len > vn->buf_size)
        return -ENOBUFS;
    // A segment the stack says may be gathered (net::TxCsum).
    bool tcp = csum && csum->tcp_payload && (csum->v6 ? vn->tso6 : vn->tso4) &&
               csum->tcp_payload <= tcp_frame_max_hlen && csum->tcp_payload < total;
    uint8_t h[tcp_frame_max_hlen];
    TxTcp t;
    if (tcp) {
        t.l4 = csum->start;
        t.hlen = csum->tcp_payload;
        t.payload = total - t.hlen;
        t.seq = csum->tcp_seq;
        t.v6 = csum->v6;
        copy_out(h, t.hlen, segs, n, 0);
    }
    TxGather& g = vn->gather;
    if (tcp && continues(vn, h, t)) {
        if (!vn->ntx_free)
            reclaim_tx(vn);
        if (vn->ntx_free) {
            size_t i = vn->tx_free[--vn->ntx_free];
            // A full segment's payload stays where the stack has it (one
            // copy less of every byte a large send moves); the buffer only
            // stands for it in the chain.
            void* owner = nullptr;
            const uint8_t* at = t.payload >= tx_hold_min
                                    ? held_payload(segs, n, t.hlen, t.payload, &owner)
                                    : nullptr;
            if (at) {
                net::frame_hold(owner);
                vn->tx_owner[i] = owner;
                vn->tx_addr[i] = dma_addr(at);
            } else {
                copy_out(tx_buffer(vn, i), t.payload, segs, n, t.hlen);
            }
            g.bufs[g.n] = uint16_t(i);
            g.lens[g.n++] = uint32_t(t.payload);
            __builtin_memcpy(g.last_tcp, h + t.l4, t.hlen - t.l4);
            g.next_seq = t.seq + uint32_t(t.payload);
            g.payload += t.payload;
            g.ended = t.payload < g.first.payload;
            return 0;
        }
    }
    end_gather(vn);
    long got = take_tx_buffer(vn);
    if (got < 0)
        return -ENOBUFS;
    size_t i = size_t(got);
    uint8_t* buf = tx_buffer(vn, i);
    __builtin_memset(buf, 0, vn->hdr_len);
    if (csum) {
        NetHdr hdr{};
        hdr.flags = hdr_f_needs_csum;
        hdr.csum_start = csum->start;
        hdr.csum_offset = csum->offset;
        __builtin_memcpy(buf, &hdr, vn->hdr_len);
    }
    copy_out(buf + vn->hdr_len, total, segs, n, 0);
    uint16_t b = uint16_t(i);
    uint32_t len = uint32_t(vn->hdr_len + total);
    if (!tcp) {
        submit_chain(vn, &b, &len, 1);
        return 0;
    }
    // It may start a large frame.
    g.n = 1;
    g.bufs[0] = b;
    g.lens[0] = len;
    g.first = t;
    g.next_seq = t.seq + uint32_t(t.payload);
    g.payload = t.payload;
    g.ended = false;
    return 0;
}

void reclaim(net::Netdev* nd) {
    reclaim_tx(static_cast<VirtioNet*>(nd->driver));
}

// Kicks the transmit queue; a notification it holds back is given at the
// latest owed_wait_ns later.
void kick_tx(VirtioNet* vn) {
    vn->tx->kick();
    if (vn->tx->owed() && !vn->owed.deadline) {
        vn->owed.deadline = arch::monotonic_ns() + owed_wait_ns;
        sched::add_timer(&vn->owed);
    }
}

void owed_expired(sched::Waiter* w) {
    auto* vn = UK_OWNER_OF(w, VirtioNet, owed);
    vn->tx->kick_owed();
}

void before_halt(sched::IdleHook* h) {
    auto* vn = UK_OWNER_OF(h, VirtioNet, idle);
    vn->tx->kick_owed();
    // Frames the device filled with no interrupt seen: under QEMU's TCG
    // with one vCPU the device can miss rx_run's request for one (the
    // guest's fences are not the host's), and then none would come for
    // these or any later frame. Taken now, they may wake a thread: no
    // halt this time.
    if (vn->rx->has_used()) {
        rx_run(vn);
        sched::exit_work_set(sched::exit_work_irq);
    }
}

void flush(net::Netdev* nd) {
    auto* vn = static_cast<VirtioNet*>(nd->driver);
    reclaim_tx(vn);
    end_gather(vn);
    if (!vn->tx_pending)
        return;
    vn->tx_pending = false;
    kick_tx(vn);
}

void config_changed(Device* d, void* ctx) {
    auto* vn = static_cast<VirtioNet*>(ctx);
    if (!(d->features() & f_status))
        return;
    bool up = d->config<uint16_t>(cfg_status) & status_link_up;
    if (up != vn->link_up) {
        vn->link_up = up;
        net::netdev_set_link(&vn->netdev, up);
    }
}

// Sets up one device; returns false (the device is then failed) when
// memory or the device refuses.
bool setup(VirtioNet* vn, Device* d) {
    uint64_t features;
    uint64_t wanted = f_mac | f_mtu | f_status | f_mrg_rxbuf | f_csum | f_guest_csum |
                      f_guest_tso4 | f_guest_tso6 | f_host_tso4 | f_host_tso6 | f_any_layout;
    if (d->negotiate(wanted, &features) < 0)
        return false;
    // Large segments only into mergeable buffers (else every buffer would
    // need 64 KiB).
    if ((features & (f_guest_tso4 | f_guest_tso6)) && !(features & f_mrg_rxbuf) &&
        d->negotiate(wanted & ~(f_guest_tso4 | f_guest_tso6), &features) < 0)
        return false;
    vn->dev = d;
    vn->hdr_len = (features & (f_version_1 | f_mrg_rxbuf)) ? 12 : 10;
    if (features & f_mac) {
        d->read_config(cfg_mac, vn->netdev.mac, 6);
    } else {
        posix::random_fill(vn->netdev.mac, 6);
        vn->netdev.mac[0] = uint8_t((vn->netdev.mac[0] & 0xfe) | 0x02); // local, unicast
    }
    if (features & f_mtu) {
        uint16_t mtu = d->config<uint16_t>(cfg_mtu);
        if (mtu >= 68)
            vn->netdev.mtu = mtu;
    }
    if (features & f_status)
        vn->link_up = d->config<uint16_t>(cfg_status) & status_link_up;
    // A frame (ethernet header, a VLAN tag, the MTU) and the virtio header
    // fit one buffer; a power of two keeps buffers from straddling pages.
    size_t need = vn->hdr_len + 18 + vn->netdev.mtu;
    vn->buf_size = 2048;
    while (vn->buf_size < need)
        vn->buf_size *= 2;
    if (d->setup_queue(q_rx, ring_entries, rx_interrupt, vn, &vn->rx) < 0 ||
        d->setup_queue(q_tx, ring_entries, tx_interrupt, vn, &vn->tx) < 0)
        return false;
    // A buffer per ring entry; in a small memory, fewer (each ring then
    // holds only as many chains as it has buffers), down to min_buffers.
    auto pages = [](size_t bytes) { return (bytes + mm::page_size - 1) / mm::page_size; };
    auto buffers = [&](size_t count) {
        return static_cast<uint8_t*>(
            mm::alloc_pages(pages(count * vn->buf_size), 1, mm::Fill::any));
    };
    vn->rx_count = vn->rx->size();
    vn->tx_count = vn->tx->size();
    for (;;) {
        vn->rx_buf = buffers(vn->rx_count);
        vn->tx_buf = vn->rx_buf ? buffers(vn->tx_count) : nullptr;
        if (vn->tx_buf)
            break;
        if (vn->rx_buf)
            mm::free_pages(vn->rx_buf, pages(vn->rx_count * vn->buf_size));
        if (vn->rx_count / 2 < min_buffers && vn->tx_count / 2 < min_buffers)
            return false;
        vn->rx_count = vn->rx_count / 2 < min_buffers ? vn->rx_count : vn->rx_count / 2;
        vn->tx_count = vn->tx_count / 2 < min_buffers ? vn->tx_count : vn->tx_count / 2;
    }
    vn->tx_free = static_cast<uint16_t*>(kheap_alloc(vn->tx_count * sizeof(uint16_t)));
    vn->tx_next = static_cast<uint16_t*>(kheap_alloc(vn->tx_count * sizeof(uint16_t)));
    vn->tx_owner = static_cast<void**>(kheap_alloc(vn->tx_count * sizeof(void*)));
    vn->tx_addr = static_cast<uint64_t*>(kheap_alloc(vn->tx_count * sizeof(uint64_t)));
    if (!vn->tx_free || !vn->tx_next || !vn->tx_owner || !vn->tx_addr)
        return false;
    for (size_t i = 0; i < vn->tx_count; i++) {
        vn->tx_free[vn->ntx_free++] = uint16_t(vn->tx_count - 1 - i);
        vn->tx_next[i] = no_buf;
        vn->tx_owner[i] = nullptr;
    }
    for (size_t i = 0; i < vn->rx_count; i++)
        post_rx(vn, i);
    // Transmit completions are collected as frames go out, not by
    // interrupt, unless the pool runs dry.
    vn->tx->disable_interrupts();
    vn->tx->notify_when_idle();
    vn->owed.expire = owed_expired;
    vn->idle.before_halt = before_halt;
    sched::add_idle_hook(&vn->idle);
    vn->again.expire = rx_again;
    vn->netdev.offloads = (features & f_csum) ? net::offload_tx_csum : 0;
    vn->tso4 = (features & f_csum) && (features & f_host_tso4);
    vn->tso6 = (features & f_csum) && (features & f_host_tso6);
    vn->netdev.transmit = transmit;
    vn->netdev.flush = flush;
    vn->netdev.reclaim = reclaim;
    vn->netdev.driver = vn;
    d->on_config_change(config_changed, vn);
    return true;
}

void probe() {
    for (Device* d = find(id_net); d; d = find(id_net, d)) {
        if (!d->claim("virtio-net"))
            continue;
        auto* vn = static_cast<VirtioNet*>(kheap_alloc(sizeof(VirtioNet), alignof(VirtioNet)));
        if (!vn) {
            uk_printk("uk: %s: no memory for the network device\n", d->name());
            d->fail();
            continue;
        }
        new (vn) VirtioNet();
        if (!setup(vn, d)) {
            uk_printk("uk: %s: cannot set up the network device\n", d->name());
            d->fail();
            continue;
        }
        d->ready();
        vn->rx->kick();
        if (long r = net::netdev_register(&vn->netdev)) {
            uk_printk("uk: %s: cannot add the interface (%ld)\n", d->name(), r);
            continue;
        }
        if (!vn->link_up)
            net::netdev_set_link(&vn->netdev, false);
    }
}

} // namespace

UK_DRIVER_NET(virtio_net, "virtio-net", probe);

} // namespace uk::drivers
