// Hooks lwIP calls in the middle of its own code (lwipopts.h names them).
// They use nothing but lwIP, so that the host fuzz target of the receive
// path (tests/fuzz/net_frame_fuzz.cc) runs them as the kernel does.
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"

namespace {

// Slow start grows the window by every segment an ACK covers, as Linux's
// does (RFC 5681); lwIP counts at most two per ACK (RFC 3465's L=2). The
// peer acknowledges a large frame the device cut (HOST_TSO) with one ACK,
// so lwIP alone would add two segments per frame instead of doubling the
// window each round trip. Runs before lwIP takes the ACK (header fields in
// host order): it adds the part above two segments, lwIP the rest.
void slow_start_by_segments(struct tcp_pcb* pcb, const struct tcp_hdr* hdr) {
    if ((pcb->state != ESTABLISHED && pcb->state != CLOSE_WAIT) || !(TCPH_FLAGS(hdr) & TCP_ACK) ||
        (pcb->flags & (TF_INFR | TF_RTO)) || pcb->cwnd >= pcb->ssthresh)
        return;
    u32_t ackno = hdr->ackno;
    if (!TCP_SEQ_GT(ackno, pcb->lastack) || TCP_SEQ_GT(ackno, pcb->snd_nxt))
        return;
    u32_t acked = ackno - pcb->lastack;
    u32_t lwip_part = 2u * pcb->mss;
    if (acked <= lwip_part)
        return;
    u32_t extra = acked - lwip_part;
    u32_t room = pcb->ssthresh - pcb->cwnd;
    TCP_WND_INC(pcb->cwnd, extra < room ? extra : room);
}

} // namespace

extern "C" signed char uk_lwip_tcp_inpacket(struct tcp_pcb* pcb, const struct tcp_hdr* hdr) {
    if (pcb->state != LISTEN) {
        slow_start_by_segments(pcb, hdr);
        // A closed receive window makes lwIP answer every segment, a bare
        // ACK at rcv_nxt included, as outside the window (its window test
        // is empty at zero; RFC 9293 3.10.7.4 takes a zero-length segment
        // at RCV.NXT). Two ends with closed windows then answer each
        // other's ACKs for ever (seen on loopback, where both ends are in
        // the kernel and neither app gets to read). A window of one byte
        // takes the bare ACK; the announced window stays zero, and
        // tcp_recved() tops the window up to its maximum as usual.
        if (pcb->rcv_wnd == 0 && hdr->seqno == pcb->rcv_nxt &&
            !(TCPH_FLAGS(hdr) & (TCP_SYN | TCP_FIN | TCP_RST)))
            pcb->rcv_wnd = 1;
        return ERR_OK;
    }
    if ((TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return ERR_OK;
    auto* l = reinterpret_cast<struct tcp_pcb_listen*>(pcb);
    if (l->accepts_pending < l->backlog)
        return ERR_OK;
    // New pcbs go to the front of the list: the last one found is the
    // oldest. Connections that completed the handshake (waiting for
    // accept) are the app's backlog and stay.
    struct tcp_pcb* oldest = nullptr;
    for (struct tcp_pcb* p = tcp_active_pcbs; p; p = p->next)
        if (p->state == SYN_RCVD && p->listener == l)
            oldest = p;
    if (oldest)
        tcp_abandon(oldest, 0);
    return ERR_OK;
}

// How many connections may wait in TIME_WAIT at once: net.tcp_tw_pcbs
// (net/lwip/sys_arch.cc sets it at boot). lwIP keeps every one, for 60 s
// here, in a list it walks from end to end for each segment that matches
// no open connection (every SYN) and twice a second: a server that closes
// thousands of connections a second (HTTP with Connection: close) slowed
// down by half within seconds and kept their memory for a minute. Linux
// bounds them the same way (tcp_max_tw_buckets).
extern "C" {
unsigned int uk_lwip_tw_max = 256;
}

namespace {

// Frees a TIME_WAIT pcb taken off the list, as tcp_pcb_remove would.
void free_timewait(struct tcp_pcb* pcb) {
    pcb->next = nullptr;
    tcp_pcb_purge(pcb);
    pcb->state = CLOSED;
    pcb->local_port = 0;
    tcp_free(pcb);
}

// A SYN from src:sport to dst:dport with sequence number `seq`.
struct Syn {
    ip_addr_t src, dst;
    u16_t sport, dport;
    u32_t seq;
};

// Whether `syn` ends the TIME_WAIT of `pcb`: Linux takes a SYN for a
// connection in TIME_WAIT when it starts past what the old connection
// received (tcp_timewait_state_process).
bool syn_reuses(const struct tcp_pcb* pcb, const Syn* syn) {
    return pcb->remote_port == syn->sport && pcb->local_port == syn->dport &&
           ip_addr_cmp(&pcb->remote_ip, &syn->src) && ip_addr_cmp(&pcb->local_ip, &syn->dst) &&
           TCP_SEQ_GT(syn->seq, pcb->rcv_nxt);
}

// Walks the TIME_WAIT list once and frees, of the connections no socket
// holds (a pcb a socket holds is left alone), those past the first
// uk_lwip_tw_max (the oldest: lwIP puts new ones in front) and the one
// `syn`, if given, opens anew.
void walk_timewait(const Syn* syn) {
    struct tcp_pcb** link = &tcp_tw_pcbs;
    unsigned int kept = 0;
    while (struct tcp_pcb* pcb = *link) {
        if (pcb->callback_arg || (kept < uk_lwip_tw_max && !(syn && syn_reuses(pcb, syn)))) {
            kept++;
            link = &pcb->next;
            continue;
        }
        *link = pcb->next;
        free_timewait(pcb);
    }
}

} // namespace

extern "C" void uk_lwip_timewait_trim(void) {
    walk_timewait(nullptr);
}

extern "C" int uk_lwip_ip4_input(struct pbuf* p, struct netif*) {
    if (!tcp_tw_pcbs)
        return 0;
    const auto* d = static_cast<const u8_t*>(p->payload);
    size_t len = p->len;
    if (len < 20 || (d[0] >> 4) != 4 || d[9] != IP_PROTO_TCP)
        return 0;
    size_t ihl = size_t(d[0] & 15) * 4;
    // Only a whole first fragment carries the TCP header.
    if (ihl < 20 || len < ihl + 20 || (d[6] & 0x3f) || d[7])
        return 0;
    const u8_t* t = d + ihl;
    if ((t[13] & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return 0;
    Syn syn;
    IP_ADDR4(&syn.src, d[12], d[13], d[14], d[15]);
    IP_ADDR4(&syn.dst, d[16], d[17], d[18], d[19]);
    syn.sport = u16_t(t[0] << 8 | t[1]);
    syn.dport = u16_t(t[2] << 8 | t[3]);
    syn.seq = u32_t(t[4]) << 24 | u32_t(t[5]) << 16 | u32_t(t[6]) << 8 | t[7];
    // One walk ends the old connection the SYN reuses and keeps the list
    // to its bound, before lwIP walks it again for this SYN.
    walk_timewait(&syn);
    return 0;
}
