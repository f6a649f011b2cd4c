/* The interface queries with a virtio-net device on QEMU user networking
 * (DHCP gives 10.0.2.15/24, QEMU's first MAC is 52:54:00:12:34:56): the
 * device is eth0, index 2, up and running, with its MAC, MTU 1500, IPv4
 * address, netmask and broadcast, and an IPv6 link-local address, through
 * getifaddrs(), if_nametoindex() and the SIOCGIF* ioctls. */
//! run: --net user --
//! status: 0
//! expect: eth0 index 2
//! expect: eth0 flags 0x11043
//! expect: eth0 inet 10.0.2.15 netmask 255.255.255.0 broadcast 10.0.2.255
//! expect: eth0 inet6 fe80::5054:ff:fe12:3456 netmask ffff:ffff:ffff:ffff::
//! expect: SIOCGIFHWADDR eth0: type 1 52:54:00:12:34:56
//! expect: SIOCGIFMTU eth0: 1500
//! expect: SIOCGIFADDR eth0: 10.0.2.15
//! expect: SIOCGIFNETMASK eth0: 255.255.255.0
//! expect: SIOCGIFBRDADDR eth0: 10.0.2.255
//! expect: SIOCGIFNAME 2: eth0
//! expect: SIOCGIFCONF: lo eth0
//! expect: done
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char* text(const struct sockaddr* sa, char* buf) {
    if (!sa)
        return "none";
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in*)sa)->sin_addr, buf, 64);
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6*)sa)->sin6_addr, buf, 64);
    return "other";
}

int main(void) {
    printf("eth0 index %u\n", if_nametoindex("eth0"));
    struct ifaddrs* list;
    if (getifaddrs(&list)) {
        perror("getifaddrs");
        return 1;
    }
    int flags_shown = 0;
    for (struct ifaddrs* i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "eth0"))
            continue;
        char a[64], m[64], b[64];
        if (!flags_shown++)
            printf("eth0 flags %#x\n", i->ifa_flags);
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
            printf("eth0 inet %s netmask %s broadcast %s\n", text(i->ifa_addr, a),
                   text(i->ifa_netmask, m), text(i->ifa_broadaddr, b));
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6)
            printf("eth0 inet6 %s netmask %s\n", text(i->ifa_addr, a), text(i->ifa_netmask, m));
    }
    freeifaddrs(list);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    char buf[64];
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "eth0");
    if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
        unsigned char* m = (unsigned char*)ifr.ifr_hwaddr.sa_data;
        printf("SIOCGIFHWADDR eth0: type %d %02x:%02x:%02x:%02x:%02x:%02x\n",
               ifr.ifr_hwaddr.sa_family, m[0], m[1], m[2], m[3], m[4], m[5]);
    }
    if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
        printf("SIOCGIFMTU eth0: %d\n", ifr.ifr_mtu);
    if (ioctl(s, SIOCGIFADDR, &ifr) == 0)
        printf("SIOCGIFADDR eth0: %s\n", text(&ifr.ifr_addr, buf));
    if (ioctl(s, SIOCGIFNETMASK, &ifr) == 0)
        printf("SIOCGIFNETMASK eth0: %s\n", text(&ifr.ifr_addr, buf));
    if (ioctl(s, SIOCGIFBRDADDR, &ifr) == 0)
        printf("SIOCGIFBRDADDR eth0: %s\n", text(&ifr.ifr_addr, buf));
    ifr.ifr_ifindex = 2;
    if (ioctl(s, SIOCGIFNAME, &ifr) == 0)
        printf("SIOCGIFNAME 2: %s\n", ifr.ifr_name);
    struct ifreq reqs[8];
    struct ifconf ifc = {.ifc_len = sizeof(reqs), .ifc_req = reqs};
    if (ioctl(s, SIOCGIFCONF, &ifc) == 0) {
        printf("SIOCGIFCONF:");
        for (int i = 0; i < ifc.ifc_len / (int)sizeof(reqs[0]); i++)
            printf(" %s", reqs[i].ifr_name);
        printf("\n");
    }
    close(s);
    printf("done\n");
    return 0;
}
