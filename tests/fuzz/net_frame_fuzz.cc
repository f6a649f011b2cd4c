// libFuzzer target for the network stack's receive path: each input is one
// Ethernet frame handed to lwIP (ethernet_input) on an interface set up as
// the kernel sets up a virtio-net one (10.9.0.2/24, an IPv6 link-local
// address), with the kernel's lwipopts.h and hooks, a TCP listener on port
// 80 that accepts, reads and answers, and a UDP socket on port 7 that echoes.
// lwIP's state carries over from input to input (connections, fragments,
// ARP and neighbour entries), and its clock advances by each input so that
// its timers run. When the input's first byte is odd, the frame's IPv4
// header and TCP/UDP checksums are made right first, so that the fuzzer
// reaches the code behind the checksum checks.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

namespace {

uint32_t g_now_ms = 1;
uint32_t g_rand = 12345;
struct netif g_netif;
size_t g_sent;

err_t discard_output(struct netif*, struct pbuf* p) {
    // Reads every byte as a driver would.
    for (struct pbuf* q = p; q; q = q->next)
        for (u16_t i = 0; i < q->len; i++)
            g_sent += static_cast<const uint8_t*>(q->payload)[i];
    return ERR_OK;
}

err_t netif_init(struct netif* nif) {
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->hwaddr_len = 6;
    memcpy(nif->hwaddr, mac, 6);
    nif->mtu = 1500;
    nif->mtu6 = 1500;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    nif->output = etharp_output;
    nif->output_ip6 = ethip6_output;
    nif->linkoutput = discard_output;
    return ERR_OK;
}

err_t on_recv(void*, struct tcp_pcb* pcb, struct pbuf* p, err_t) {
    if (!p) {
        tcp_arg(pcb, nullptr);
        tcp_recv(pcb, nullptr);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    // Answers each part with its first bytes, so that sends and
    // retransmissions run too.
    char buf[64];
    u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);
    if (n && tcp_sndbuf(pcb) >= n)
        tcp_write(pcb, buf, n, TCP_WRITE_FLAG_COPY);
    pbuf_free(p);
    return ERR_OK;
}

void on_err(void*, err_t) {}

err_t on_accept(void*, struct tcp_pcb* pcb, err_t err) {
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    return ERR_OK;
}

void on_udp(void*, struct udp_pcb* pcb, struct pbuf* p, const ip_addr_t* addr, u16_t port) {
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

void setup() {
    // A TIME_WAIT bound of two connections (net.tcp_tw_pcbs), so that
    // inputs reach the ending of the oldest.
    uk_lwip_tw_max = 2;
    lwip_init();
    ip4_addr_t ip, mask, gw;
    IP4_ADDR(&ip, 10, 9, 0, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 10, 9, 0, 1);
    netif_add(&g_netif, &ip, &mask, &gw, nullptr, netif_init, ethernet_input);
    netif_create_ip6_linklocal_address(&g_netif, 1);
    netif_ip6_addr_set_state(&g_netif, 0, IP6_ADDR_PREFERRED);
    netif_set_default(&g_netif);
    netif_set_link_up(&g_netif);
    netif_set_up(&g_netif);

    struct tcp_pcb* l = tcp_new_ip_type(IPADDR_TYPE_ANY);
    tcp_bind(l, IP_ANY_TYPE, 80);
    l = tcp_listen_with_backlog(l, 8);
    tcp_accept(l, on_accept);
    struct udp_pcb* u = udp_new_ip_type(IPADDR_TYPE_ANY);
    udp_bind(u, IP_ANY_TYPE, 7);
    udp_recv(u, on_udp, nullptr);
}

// Makes the IPv4 header checksum and the TCP/UDP checksum of an IPv4 or
// IPv6 frame right, where the lengths allow.
void fix_checksums(uint8_t* f, size_t len) {
    if (len < 14)
        return;
    uint16_t type = uint16_t(f[12] << 8 | f[13]);
    uint8_t* ip = f + 14;
    size_t iplen = len - 14;
    uint8_t proto;
    uint8_t* l4;
    size_t l4len;
    uint32_t pseudo = 0;
    if (type == 0x0800) {
        if (iplen < 20)
            return;
        size_t hl = size_t(ip[0] & 15) * 4;
        if (hl < 20 || hl > iplen)
            return;
        size_t tot = size_t(ip[2] << 8 | ip[3]);
        if (tot < hl || tot > iplen)
            return;
        ip[10] = ip[11] = 0;
        uint16_t c = inet_chksum(ip, u16_t(hl));
        memcpy(ip + 10, &c, 2);
        if ((ip[6] & 0x3f) || ip[7])
            return; // a fragment: its checksum covers the whole datagram
        proto = ip[9];
        l4 = ip + hl;
        l4len = tot - hl;
        for (int i = 12; i < 20; i += 2)
            pseudo += uint32_t(ip[i] << 8 | ip[i + 1]);
    } else if (type == 0x86dd) {
        if (iplen < 40)
            return;
        l4len = size_t(ip[4] << 8 | ip[5]);
        if (l4len > iplen - 40)
            return;
        proto = ip[6];
        l4 = ip + 40;
        for (int i = 8; i < 40; i += 2)
            pseudo += uint32_t(ip[i] << 8 | ip[i + 1]);
    } else {
        return;
    }
    size_t at;
    if (proto == 6 && l4len >= 20)
        at = 16;
    else if (proto == 17 && l4len >= 8)
        at = 6;
    else if ((proto == 1 || proto == 58) && l4len >= 4)
        at = 2;
    else
        return;
    l4[at] = l4[at + 1] = 0;
    uint32_t sum = proto == 1 ? 0 : pseudo + proto + uint32_t(l4len);
    for (size_t i = 0; i + 1 < l4len; i += 2)
        sum += uint32_t(l4[i] << 8 | l4[i + 1]);
    if (l4len & 1)
        sum += uint32_t(l4[l4len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = uint16_t(~sum);
    if (proto == 17 && c == 0)
        c = 0xffff;
    l4[at] = uint8_t(c >> 8);
    l4[at + 1] = uint8_t(c);
}

// Bounds the state that builds up: a connection count the kernel's limits
// would also stop.
void trim() {
    int n = 0;
    for (struct tcp_pcb* p = tcp_active_pcbs; p; p = p->next)
        n++;
    if (n > 64)
        while (tcp_active_pcbs)
            tcp_abort(tcp_active_pcbs);
}

} // namespace

extern "C" {

// lwIP's IPv4 reassembly keeps its list of fragments in the fragments'
// own IP headers (the packed struct ip_reass_helper), 14 bytes into each
// frame, so those pointers are not 8-byte aligned; LeakSanitizer looks
// only for aligned pointers unless told, and would report every fragment
// still queued behind the first as leaked.
const char* __lsan_default_options(void) {
    return "use_unaligned=1";
}

u32_t sys_now(void) {
    return g_now_ms;
}

void uk_lwip_assert(const char* msg, const char* file, int line) {
    __builtin_printf("lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    abort();
}

uint32_t uk_lwip_rand(void) {
    g_rand = g_rand * 1103515245u + 12345u;
    return g_rand >> 1;
}

void* uk_lwip_malloc(size_t size) {
    return malloc(size);
}

void* uk_lwip_calloc(size_t n, size_t size) {
    return calloc(n, size);
}

void uk_lwip_free(void* p) {
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool ready = (setup(), true);
    (void)ready;
    if (size < 1 || size > 0xffff)
        return 0;
    bool fix = data[0] & 1;
    // The clock moves by 0 to 1.5 s per input, from the second byte.
    g_now_ms += size > 1 ? uint32_t(data[1]) * 6 : 0;
    data++;
    size--;
    struct pbuf* p = pbuf_alloc(PBUF_RAW, u16_t(size), PBUF_POOL);
    if (!p)
        return 0;
    pbuf_take(p, data, u16_t(size));
    if (fix && p->len == p->tot_len)
        fix_checksums(static_cast<uint8_t*>(p->payload), size);
    if (g_netif.input(p, &g_netif) != ERR_OK)
        pbuf_free(p);
    sys_check_timeouts();
    uk_lwip_timewait_trim(); // as the kernel's lwIP timer does
    // What the stack sent to itself (answers to a loopback source) is
    // delivered as the kernel delivers it, when its lwIP guard ends.
    netif_poll_all();
    trim();
    return 0;
}

} // extern "C"
