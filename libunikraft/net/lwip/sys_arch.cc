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
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "mm/kheap.h"
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
// The drivers' interfaces, for flush() when a burst ends.
constexpr size_t max_netdevs = 8;
constinit Netdev* g_netdevs[max_netdevs] = {};
constinit size_t g_nnetdevs = 0;

void rearm();

void on_timer(sched::Waiter*) {
    Guard g;
    sys_check_timeouts();
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

// Delivers what interfaces sent to themselves (loopback), which may make
// more (acknowledgements, answers), until nothing is queued.
void pump() {
    for (;;) {
        bool any = false;
        struct netif* n;
        NETIF_FOREACH(n) {
            if (n->loop_first) {
                any = true;
                netif_poll(n);
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
    lwip_init();
    g_started = true;
    return 0;
}

const char* set_param(const char* name, const char* value) {
    if (__builtin_strcmp(name, "net.tcp_pcbs") == 0)
        return parse_count(value, &g_max_tcp) ? nullptr : "net.tcp_pcbs needs a count from 1";
    if (__builtin_strcmp(name, "net.udp_pcbs") == 0)
        return parse_count(value, &g_max_udp) ? nullptr : "net.udp_pcbs needs a count from 1";
    if (__builtin_strcmp(name, "net.exit_timeout") == 0) {
        if (value && value[0] == '0' && !value[1]) {
            g_exit_timeout_s = 0;
            return nullptr;
        }
        return parse_count(value, &g_exit_timeout_s) && g_exit_timeout_s <= 3600
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

err_t netdev_linkoutput(struct netif* nif, struct pbuf* p) {
    auto* dev = static_cast<Netdev*>(nif->state);
    FrameSeg segs[16];
    size_t n = 0;
    for (struct pbuf* q = p; q; q = q->next) {
        if (n == sizeof(segs) / sizeof(segs[0]))
            return ERR_BUF;
        segs[n++] = FrameSeg{q->payload, q->len};
    }
    return dev->transmit(dev, segs, n) == 0 ? ERR_OK : ERR_BUF;
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
    return ERR_OK;
}

} // namespace

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

long netdev_receive(Netdev* dev, const void* frame, size_t len) {
    auto* nif = static_cast<struct netif*>(dev->stack);
    if (!nif || len > 0xffff)
        return -ENOMEM;
    struct pbuf* p = pbuf_alloc(PBUF_RAW, u16_t(len), PBUF_POOL);
    if (!p)
        return -ENOMEM;
    pbuf_take(p, frame, u16_t(len));
    lwip::Guard g;
    if (nif->input(p, nif) != ERR_OK)
        pbuf_free(p);
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
