/* Interface queries on the loopback interface, which Linux has too:
 * getifaddrs() and if_nameindex() (AF_NETLINK RTM_GETLINK/RTM_GETADDR
 * dumps), if_nametoindex()/if_indextoname(), and the SIOCGIF* ioctls on
 * AF_INET, AF_INET6 and AF_UNIX sockets, with ENODEV for a missing
 * interface; then a netlink socket's own calls (bind, getsockname, an
 * unknown request, an unsupported protocol). */
//! run: --
//! native
//! status: 0
//! expect: done
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

static const char* addr_text(const struct sockaddr* sa, char* buf, size_t n) {
    if (!sa)
        return "none";
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in*)sa)->sin_addr, buf, n);
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6*)sa)->sin6_addr, buf, n);
    snprintf(buf, n, "family %d", sa->sa_family);
    return buf;
}

static void ifr_ioctl(int s, const char* what, unsigned long cmd, const char* name) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    int r = ioctl(s, cmd, &ifr);
    char buf[64];
    if (r < 0) {
        printf("%s %s: -1 %s\n", what, name, sock_errname(errno));
        return;
    }
    switch (cmd) {
    case SIOCGIFFLAGS:
        printf("%s %s: %#x\n", what, name, ifr.ifr_flags & 0xffff);
        break;
    case SIOCGIFMTU:
        printf("%s %s: %d\n", what, name, ifr.ifr_mtu);
        break;
    case SIOCGIFINDEX:
        printf("%s %s: %d\n", what, name, ifr.ifr_ifindex);
        break;
    case SIOCGIFHWADDR: {
        unsigned char* m = (unsigned char*)ifr.ifr_hwaddr.sa_data;
        printf("%s %s: type %d %02x:%02x:%02x:%02x:%02x:%02x\n", what, name,
               ifr.ifr_hwaddr.sa_family, m[0], m[1], m[2], m[3], m[4], m[5]);
        break;
    }
    default:
        printf("%s %s: %s\n", what, name, addr_text(&ifr.ifr_addr, buf, sizeof(buf)));
    }
}

static void ioctls(const char* kind, int s) {
    printf("%s socket\n", kind);
    ifr_ioctl(s, "SIOCGIFFLAGS", SIOCGIFFLAGS, "lo");
    ifr_ioctl(s, "SIOCGIFMTU", SIOCGIFMTU, "lo");
    ifr_ioctl(s, "SIOCGIFINDEX", SIOCGIFINDEX, "lo");
    ifr_ioctl(s, "SIOCGIFHWADDR", SIOCGIFHWADDR, "lo");
    ifr_ioctl(s, "SIOCGIFADDR", SIOCGIFADDR, "lo");
    ifr_ioctl(s, "SIOCGIFNETMASK", SIOCGIFNETMASK, "lo");
    ifr_ioctl(s, "SIOCGIFFLAGS", SIOCGIFFLAGS, "nosuch0");
    ifr_ioctl(s, "SIOCGIFADDR", SIOCGIFADDR, "nosuch0");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_ifindex = 1;
    int r = ioctl(s, SIOCGIFNAME, &ifr);
    printf("SIOCGIFNAME 1: %d %s\n", r, r == 0 ? ifr.ifr_name : sock_errname(errno));
    ifr.ifr_ifindex = 9999;
    show("SIOCGIFNAME 9999", ioctl(s, SIOCGIFNAME, &ifr));
    show("SIOCGIFFLAGS bad pointer", ioctl(s, SIOCGIFFLAGS, (void*)1));
    /* SIOCGIFCONF: the length needed, then the entries; lo's is found. */
    struct ifconf ifc = {0};
    show("SIOCGIFCONF length", ioctl(s, SIOCGIFCONF, &ifc));
    printf("room for whole entries: %d\n", ifc.ifc_len > 0 && ifc.ifc_len % sizeof(ifr) == 0);
    struct ifreq reqs[16];
    ifc.ifc_len = sizeof(reqs);
    ifc.ifc_req = reqs;
    show("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc));
    for (int i = 0; i < ifc.ifc_len / (int)sizeof(ifr); i++) {
        char buf[64];
        if (!strcmp(reqs[i].ifr_name, "lo"))
            printf("ifconf lo: %s\n", addr_text(&reqs[i].ifr_addr, buf, sizeof(buf)));
    }
    ifc.ifc_len = sizeof(ifr) - 1;
    show("SIOCGIFCONF too small", ioctl(s, SIOCGIFCONF, &ifc));
    printf("ifc_len %d\n", ifc.ifc_len);
    show("unknown ioctl", ioctl(s, 0x5401, &ifr));
    show("SIOCGIFCONF bad pointer", ioctl(s, SIOCGIFCONF, (void*)1));
    ifc.ifc_len = sizeof(reqs);
    ifc.ifc_req = (void*)1;
    show("SIOCGIFCONF bad buffer", ioctl(s, SIOCGIFCONF, &ifc));
}

int main(void) {
    struct ifaddrs* list;
    show("getifaddrs", getifaddrs(&list));
    for (struct ifaddrs* i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo"))
            continue;
        char a[64], m[64];
        int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;
        printf("lo: flags %#x family %d addr %s netmask %s\n", i->ifa_flags, fam,
               fam == AF_PACKET ? "link" : addr_text(i->ifa_addr, a, sizeof(a)),
               fam == AF_PACKET ? "-" : addr_text(i->ifa_netmask, m, sizeof(m)));
    }
    freeifaddrs(list);
    printf("if_nametoindex lo: %u\n", if_nametoindex("lo"));
    unsigned none = if_nametoindex("nosuch0");
    printf("if_nametoindex nosuch0: %u %s\n", none, sock_errname(errno));
    char name[IF_NAMESIZE];
    printf("if_indextoname 1: %s\n", if_indextoname(1, name) ? name : "null");
    struct if_nameindex* ni = if_nameindex();
    int found = 0;
    for (struct if_nameindex* p = ni; p && p->if_index; p++)
        if (p->if_index == 1 && !strcmp(p->if_name, "lo"))
            found = 1;
    printf("if_nameindex has lo at 1: %d\n", found);
    if_freenameindex(ni);

    int s4 = socket(AF_INET, SOCK_DGRAM, 0);
    ioctls("AF_INET", s4);
    close(s4);
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    ioctls("AF_INET6", s6);
    close(s6);
    int su = socket(AF_UNIX, SOCK_DGRAM, 0);
    ioctls("AF_UNIX", su);
    close(su);

    /* The netlink socket itself. */
    show("netlink NETLINK_ROUTE", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) >= 0);
    show("netlink protocol 31", socket(AF_NETLINK, SOCK_RAW, 31));
    show("netlink SOCK_STREAM", socket(AF_NETLINK, SOCK_STREAM, 0));
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl sn = {.nl_family = AF_NETLINK};
    show("bind", bind(nl, (struct sockaddr*)&sn, sizeof(sn)));
    socklen_t sl = sizeof(sn);
    show("getsockname", getsockname(nl, (struct sockaddr*)&sn, &sl));
    printf("family %d len %d pid set %d\n", sn.nl_family, (int)sl, sn.nl_pid != 0);
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
    } req = {{sizeof(req), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 7, 0}, {AF_UNSPEC}};
    show("send RTM_GETLINK dump", send(nl, &req, sizeof(req), 0));
    char buf[8192];
    int links = 0, done = 0;
    for (int k = 0; k < 8 && !done; k++) {
        int n = recv(nl, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0)
            break;
        for (struct nlmsghdr* h = (void*)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE)
                done = 1;
            else if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_seq == 7 &&
                     (h->nlmsg_flags & NLM_F_MULTI))
                links++;
        }
    }
    printf("links seen: %d, done %d\n", links > 0, done);
    req.h.nlmsg_type = 0x7f;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    show("send an unknown request", send(nl, &req, sizeof(req), 0));
    int n = recv(nl, buf, sizeof(buf), MSG_DONTWAIT);
    struct nlmsghdr* h = (void*)buf;
    struct nlmsgerr* e = NLMSG_DATA(h);
    printf("reply %d: type %d error %s seq %u\n", n > 0, h->nlmsg_type, sock_errname(-e->error),
           h->nlmsg_seq);
    show("nothing more", recv(nl, buf, sizeof(buf), MSG_DONTWAIT));
    show("send from a bad pointer", send(nl, (void*)1, 20, 0));
    req.h.nlmsg_type = RTM_GETADDR;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.g.rtgen_family = AF_INET;
    send(nl, &req, sizeof(req), 0);
    n = recv(nl, buf, 4, MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK);
    printf("recv MSG_TRUNC gives the whole reply: %d\n", n > 4);
    show("recv into a bad pointer", recv(nl, (void*)1, 100, MSG_DONTWAIT));
    close(nl);
    printf("done\n");
    return 0;
}
