#include "net/config.h"

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/netif.h"

#include <uk/console.h>

#include "arch/x86_64/time.h"
#include "drivers/driver.h"
#include "lib/errno.h"
#include "net/lwip/stack.h"
#include "sched/sched.h"
#include "vfs/path.h"
#include "vfs/vfs.h"

namespace uk::net {

namespace {

struct StaticAddr {
    bool set = false;
    uint32_t ip = 0, mask = 0, gw = 0, dns = 0; // network byte order; 0 when absent
};

constinit StaticAddr g_static{};
constinit bool g_static_used = false;
constinit uint64_t g_dhcp_timeout_ms = 10000;

// Parses a dotted IPv4 address from [p, end) into network byte order.
bool parse_ip(const char* p, const char* end, uint32_t* out) {
    uint32_t v = 0;
    int parts = 0;
    while (p < end) {
        uint32_t part = 0;
        int digits = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
            part = part * 10 + uint32_t(*p - '0');
            if (digits > 2 || part > 255)
                return false;
        }
        if (!digits)
            return false;
        v = v << 8 | part;
        parts++;
        if (p < end) {
            if (*p != '.' || parts == 4)
                return false;
            p++;
            if (p == end)
                return false;
        }
    }
    if (parts != 4)
        return false;
    *out = __builtin_bswap32(v);
    return true;
}

const char* find(const char* p, const char* end, char c) {
    while (p < end && *p != c)
        p++;
    return p;
}

bool parse_static(const char* v, StaticAddr* out) {
    const char* end = v + __builtin_strlen(v);
    const char* colon = find(v, end, ':');
    const char* slash = find(v, colon, '/');
    StaticAddr a;
    if (slash == colon || !parse_ip(v, slash, &a.ip))
        return false;
    uint32_t prefix = 0;
    const char* p = slash + 1;
    if (p == colon || colon - p > 2)
        return false;
    for (; p < colon; p++) {
        if (*p < '0' || *p > '9')
            return false;
        prefix = prefix * 10 + uint32_t(*p - '0');
    }
    if (prefix > 32)
        return false;
    a.mask = prefix ? __builtin_bswap32(~uint32_t(0) << (32 - prefix)) : 0;
    if (colon < end) {
        const char* gw_end = find(colon + 1, end, ':');
        if (gw_end > colon + 1 && !parse_ip(colon + 1, gw_end, &a.gw))
            return false;
        if (gw_end < end && !parse_ip(gw_end + 1, end, &a.dns))
            return false;
    }
    a.set = true;
    *out = a;
    return true;
}

bool parse_seconds(const char* v, uint64_t* ms) {
    if (!v || !*v)
        return false;
    uint64_t n = 0;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || n > 86400)
            return false;
        n = n * 10 + uint64_t(*v - '0');
    }
    if (n > 86400)
        return false;
    *ms = n * 1000;
    return true;
}

// Whether some interface still waits for DHCP's answer.
bool dhcp_pending() {
    lwip::Guard g;
    struct netif* n;
    NETIF_FOREACH(n) {
        if (netif_dhcp_data(n) && !dhcp_supplied_address(n) && netif_is_link_up(n))
            return true;
    }
    return false;
}

// Writes `text` to /etc/NAME unless the root has it (or cannot take it:
// a read-only root keeps what it has).
void write_etc(const char* name, const char* text, size_t len) {
    vfs::Location etc;
    if (vfs::lookup(vfs::at_fdcwd, "/etc", vfs::lk_follow | vfs::lk_directory, &etc) < 0) {
        vfs::Location root;
        if (vfs::lookup(vfs::at_fdcwd, "/", vfs::lk_follow, &root) < 0)
            return;
        long r = root.node->create(vfs::Name{"etc", 3}, vfs::s_ifdir | 0755, 0, &etc.node);
        etc.mount = root.mount;
        root.release();
        if (r < 0)
            return;
    }
    vfs::Name n{name, __builtin_strlen(name)};
    vfs::Node* file = nullptr;
    if (etc.node->lookup(n, &file) == 0) {
        file->put();
        etc.release();
        return;
    }
    if (etc.node->create(n, vfs::s_ifreg | 0644, 0, &file) == 0) {
        vfs::IoBuf buf = vfs::IoBuf::kernel(text, len);
        file->write(buf, 0);
        file->put();
    }
    etc.release();
}

size_t append(char* buf, size_t at, size_t cap, const char* s) {
    while (*s && at + 1 < cap)
        buf[at++] = *s++;
    buf[at] = 0;
    return at;
}

} // namespace

const char* netdev_set_param(const char* name, const char* value) {
    if (__builtin_strcmp(name, "netdev.ip") == 0) {
        if (!value || !parse_static(value, &g_static))
            return "netdev.ip needs CIDR[:GW[:DNS]] (IPv4, e.g. 10.0.2.15/24:10.0.2.2:10.0.2.3)";
        return nullptr;
    }
    if (__builtin_strcmp(name, "netdev.dhcp_timeout") == 0)
        return parse_seconds(value, &g_dhcp_timeout_ms)
                   ? nullptr
                   : "netdev.dhcp_timeout needs a number of seconds (at most 86400)";
    return "unknown netdev.* parameter";
}

void netdev_configure(struct netif* nif) {
    if (g_static.set && !g_static_used) {
        g_static_used = true;
        ip4_addr_t ip, mask, gw;
        ip.addr = g_static.ip;
        mask.addr = g_static.mask;
        gw.addr = g_static.gw;
        netif_set_addr(nif, &ip, &mask, &gw);
        if (g_static.dns) {
            ip_addr_t dns = IPADDR4_INIT(g_static.dns);
            dns_setserver(0, &dns);
        }
        return;
    }
    dhcp_start(nif);
}

namespace {

// After the root is mounted, before the app starts: writes /etc/hosts
// (localhost) where the root has none; with an interface, waits (at most
// netdev.dhcp_timeout) for DHCP to give every interface that asked an
// address, then writes /etc/resolv.conf (the DNS server of netdev.ip= or
// DHCP) likewise.
void boot_finish() {
    static const char hosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                "ip6-loopback\n";
    write_etc("hosts", hosts, sizeof(hosts) - 1);
    // No interface: lwIP starts with the first socket, and there is no
    // DNS server to name.
    if (!netif_list)
        return;
    uint64_t deadline = arch::monotonic_ns() + g_dhcp_timeout_ms * 1000000;
    bool waited = false;
    while (dhcp_pending()) {
        uint64_t now = arch::monotonic_ns();
        if (now >= deadline) {
            if (waited)
                uk_printk("uk: no DHCP answer: the app starts without an address\n");
            break;
        }
        waited = true;
        uint64_t step = now + 5000000;
        sched::sleep_until(step < deadline ? step : deadline);
    }
    char resolv[160] = {};
    size_t len = 0;
    {
        lwip::Guard g;
        for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
            const ip_addr_t* s = dns_getserver(i);
            if (!s || ip_addr_isany(s))
                continue;
            char addr[48];
            if (!ipaddr_ntoa_r(s, addr, sizeof(addr)))
                continue;
            len = append(resolv, len, sizeof(resolv), "nameserver ");
            len = append(resolv, len, sizeof(resolv), addr);
            len = append(resolv, len, sizeof(resolv), "\n");
        }
    }
    if (len)
        write_etc("resolv.conf", resolv, len);
}

} // namespace

} // namespace uk::net

namespace uk::drivers {

namespace {

void probe_net() {
    after_mount(net::boot_finish);
}

} // namespace

// Runs with the network drivers, so only in an image with the stack.
UK_DRIVER_NET(net_files, "net", probe_net);

} // namespace uk::drivers
