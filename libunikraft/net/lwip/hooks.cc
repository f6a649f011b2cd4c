// Hooks lwIP calls in the middle of its own code (lwipopts.h names them).
// They use nothing but lwIP, so that the host fuzz target of the receive
// path (tests/fuzz/net_frame_fuzz.cc) runs them as the kernel does.
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"

extern "C" signed char uk_lwip_tcp_inpacket(struct tcp_pcb* pcb, const struct tcp_hdr* hdr) {
    if (pcb->state != LISTEN || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
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
