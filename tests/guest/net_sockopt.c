/* Socket options of AF_INET and AF_INET6 sockets as Linux reports them:
 * SO_REUSEADDR, SO_REUSEPORT (several listeners on one port), SO_KEEPALIVE
 * with TCP_KEEPIDLE/KEEPINTVL/KEEPCNT, TCP_NODELAY, SO_RCVBUF/SO_SNDBUF
 * (doubled, with floors), SO_LINGER, IP_TOS, IPV6_TCLASS, IPV6_V6ONLY,
 * SO_ERROR after a non-blocking connect, TCP_INFO's state and initial
 * congestion window (ten segments, both ends), unknown options
 * (ENOPROTOOPT), and a TCP socket through ioctl(FIONBIO), fcntl, dup, read
 * and write. */
//! run: --
//! native
//! status: 0
//! expect: snd_cwnd connected 10
//! expect: snd_cwnd accepted 10
//! expect: done
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

static int geti(int s, int level, int name) {
    int v = -12345;
    socklen_t l = sizeof(v);
    if (getsockopt(s, level, name, &v, &l) < 0)
        return -1000 - errno;
    return l == sizeof(v) ? v : -999;
}

static void seti(const char* what, int s, int level, int name, int v) {
    show(what, setsockopt(s, level, name, &v, sizeof(v)));
}

static void get_show(const char* what, int s, int level, int name) {
    int v = geti(s, level, name);
    if (v <= -1000)
        printf("%s: -1 %s\n", what, sock_errname(-(v + 1000)));
    else
        printf("%s: %d\n", what, v);
}

static struct sockaddr_in lo4(int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int port_of(int s) {
    struct sockaddr_in a;
    socklen_t l = sizeof(a);
    getsockname(s, (struct sockaddr*)&a, &l);
    return ntohs(a.sin_port);
}

int main(void) {
    int t = socket(AF_INET, SOCK_STREAM, 0);
    get_show("tcp SO_REUSEADDR", t, SOL_SOCKET, SO_REUSEADDR);
    get_show("tcp SO_REUSEPORT", t, SOL_SOCKET, SO_REUSEPORT);
    get_show("tcp SO_KEEPALIVE", t, SOL_SOCKET, SO_KEEPALIVE);
    get_show("tcp TCP_NODELAY", t, IPPROTO_TCP, TCP_NODELAY);
    get_show("tcp TCP_KEEPIDLE", t, IPPROTO_TCP, TCP_KEEPIDLE);
    get_show("tcp TCP_KEEPINTVL", t, IPPROTO_TCP, TCP_KEEPINTVL);
    get_show("tcp TCP_KEEPCNT", t, IPPROTO_TCP, TCP_KEEPCNT);
    get_show("tcp IP_TOS", t, IPPROTO_IP, IP_TOS);
    get_show("tcp SO_ERROR", t, SOL_SOCKET, SO_ERROR);
    seti("set SO_REUSEPORT", t, SOL_SOCKET, SO_REUSEPORT, 1);
    get_show("tcp SO_REUSEPORT", t, SOL_SOCKET, SO_REUSEPORT);
    seti("set SO_KEEPALIVE", t, SOL_SOCKET, SO_KEEPALIVE, 5);
    get_show("tcp SO_KEEPALIVE", t, SOL_SOCKET, SO_KEEPALIVE);
    seti("set TCP_NODELAY", t, IPPROTO_TCP, TCP_NODELAY, 1);
    get_show("tcp TCP_NODELAY", t, IPPROTO_TCP, TCP_NODELAY);
    seti("set TCP_KEEPIDLE 30", t, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    seti("set TCP_KEEPIDLE 0", t, IPPROTO_TCP, TCP_KEEPIDLE, 0);
    seti("set TCP_KEEPIDLE 40000", t, IPPROTO_TCP, TCP_KEEPIDLE, 40000);
    seti("set TCP_KEEPINTVL 7", t, IPPROTO_TCP, TCP_KEEPINTVL, 7);
    seti("set TCP_KEEPINTVL 40000", t, IPPROTO_TCP, TCP_KEEPINTVL, 40000);
    seti("set TCP_KEEPCNT 3", t, IPPROTO_TCP, TCP_KEEPCNT, 3);
    seti("set TCP_KEEPCNT 200", t, IPPROTO_TCP, TCP_KEEPCNT, 200);
    get_show("tcp TCP_KEEPIDLE", t, IPPROTO_TCP, TCP_KEEPIDLE);
    get_show("tcp TCP_KEEPINTVL", t, IPPROTO_TCP, TCP_KEEPINTVL);
    get_show("tcp TCP_KEEPCNT", t, IPPROTO_TCP, TCP_KEEPCNT);
    seti("set SO_RCVBUF 10000", t, SOL_SOCKET, SO_RCVBUF, 10000);
    get_show("tcp SO_RCVBUF", t, SOL_SOCKET, SO_RCVBUF);
    seti("set SO_SNDBUF 10000", t, SOL_SOCKET, SO_SNDBUF, 10000);
    get_show("tcp SO_SNDBUF", t, SOL_SOCKET, SO_SNDBUF);
    seti("set SO_RCVBUF 1", t, SOL_SOCKET, SO_RCVBUF, 1);
    get_show("tcp SO_RCVBUF min", t, SOL_SOCKET, SO_RCVBUF);
    seti("set SO_SNDBUF 1", t, SOL_SOCKET, SO_SNDBUF, 1);
    get_show("tcp SO_SNDBUF min", t, SOL_SOCKET, SO_SNDBUF);
    seti("set IP_TOS 0x10", t, IPPROTO_IP, IP_TOS, 0x10);
    get_show("tcp IP_TOS", t, IPPROTO_IP, IP_TOS);
    seti("set IP_TOS 0x13", t, IPPROTO_IP, IP_TOS, 0x13);
    get_show("tcp IP_TOS ecn bits", t, IPPROTO_IP, IP_TOS);
    seti("set IP_TTL 33", t, IPPROTO_IP, IP_TTL, 33);
    get_show("tcp IP_TTL", t, IPPROTO_IP, IP_TTL);
    seti("set IP_TTL 0", t, IPPROTO_IP, IP_TTL, 0);
    seti("set IPV6_V6ONLY on AF_INET", t, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    get_show("AF_INET IPV6_V6ONLY", t, IPPROTO_IPV6, IPV6_V6ONLY);
    seti("set SOL_SOCKET 999", t, SOL_SOCKET, 999, 1);
    get_show("get SOL_SOCKET 999", t, SOL_SOCKET, 999);
    seti("set IPPROTO_TCP 999", t, IPPROTO_TCP, 999, 1);
    get_show("get IPPROTO_TCP 999", t, IPPROTO_TCP, 999);
    seti("set IPPROTO_IP 999", t, IPPROTO_IP, 999, 1);
    seti("set level 999", t, 999, 1, 1);
    get_show("get level 999", t, 999, 1);
    seti("set IPPROTO_UDP on tcp", t, IPPROTO_UDP, 1, 1);
    short sh = 1;
    show("set TCP_NODELAY short", setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &sh, sizeof(sh)));
    get_show("tcp SO_SNDBUF still", t, SOL_SOCKET, SO_SNDBUF);
    seti("set SO_SNDLOWAT", t, SOL_SOCKET, SO_SNDLOWAT, 3);
    get_show("tcp SO_SNDLOWAT", t, SOL_SOCKET, SO_SNDLOWAT);
    seti("set SO_RCVLOWAT 0", t, SOL_SOCKET, SO_RCVLOWAT, 0);
    get_show("tcp SO_RCVLOWAT", t, SOL_SOCKET, SO_RCVLOWAT);
    seti("set SO_PRIORITY", t, SOL_SOCKET, SO_PRIORITY, 3);
    get_show("tcp SO_PRIORITY", t, SOL_SOCKET, SO_PRIORITY);
    seti("set SO_OOBINLINE", t, SOL_SOCKET, SO_OOBINLINE, 3);
    get_show("tcp SO_OOBINLINE", t, SOL_SOCKET, SO_OOBINLINE);
    seti("set SO_PASSCRED", t, SOL_SOCKET, SO_PASSCRED, 1);
    get_show("tcp SO_PASSCRED", t, SOL_SOCKET, SO_PASSCRED);
    seti("set TCP_MAXSEG 3", t, IPPROTO_TCP, TCP_MAXSEG, 3);
    seti("set TCP_MAXSEG 40000", t, IPPROTO_TCP, TCP_MAXSEG, 40000);
    seti("set TCP_MAXSEG 1000", t, IPPROTO_TCP, TCP_MAXSEG, 1000);
    get_show("tcp TCP_MAXSEG", t, IPPROTO_TCP, TCP_MAXSEG);
    seti("set TCP_CORK", t, IPPROTO_TCP, TCP_CORK, 2);
    get_show("tcp TCP_CORK", t, IPPROTO_TCP, TCP_CORK);
    seti("set TCP_USER_TIMEOUT -1", t, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
    seti("set TCP_USER_TIMEOUT", t, IPPROTO_TCP, TCP_USER_TIMEOUT, 1000);
    get_show("tcp TCP_USER_TIMEOUT", t, IPPROTO_TCP, TCP_USER_TIMEOUT);
    unsigned char tos = 0xff;
    socklen_t tl = 1;
    show("get IP_TOS one byte", getsockopt(t, IPPROTO_IP, IP_TOS, &tos, &tl));
    printf("tos %#x len %d\n", tos, (int)tl);
    struct linger lg = {1, 5};
    show("set SO_LINGER", setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
    lg.l_onoff = lg.l_linger = -1;
    socklen_t ll = sizeof(lg);
    show("get SO_LINGER", getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &ll));
    printf("linger %d %d len %d\n", lg.l_onoff, lg.l_linger, (int)ll);
    show("set SO_LINGER short", setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, 4));
    close(t);

    /* SO_REUSEADDR and SO_REUSEPORT: who may share a port. */
    int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = lo4(0);
    bind(a, (struct sockaddr*)&sa, sizeof(sa));
    sa = lo4(port_of(a));
    show("plain second bind", bind(b, (struct sockaddr*)&sa, sizeof(sa)));
    close(a);
    close(b);
    a = socket(AF_INET, SOCK_STREAM, 0);
    b = socket(AF_INET, SOCK_STREAM, 0);
    seti("a SO_REUSEADDR", a, SOL_SOCKET, SO_REUSEADDR, 1);
    seti("b SO_REUSEADDR", b, SOL_SOCKET, SO_REUSEADDR, 1);
    sa = lo4(0);
    bind(a, (struct sockaddr*)&sa, sizeof(sa));
    show("a listen", listen(a, 5));
    sa = lo4(port_of(a));
    show("reuseaddr bind on a listener", bind(b, (struct sockaddr*)&sa, sizeof(sa)));
    close(a);
    close(b);

    int ls[3];
    int port = 0;
    for (int i = 0; i < 3; i++) {
        ls[i] = socket(AF_INET, SOCK_STREAM, 0);
        seti("SO_REUSEPORT", ls[i], SOL_SOCKET, SO_REUSEPORT, 1);
        sa = lo4(port);
        show("reuseport bind", bind(ls[i], (struct sockaddr*)&sa, sizeof(sa)));
        if (!port)
            port = port_of(ls[i]);
        show("reuseport listen", listen(ls[i], 16));
    }
    int nb = socket(AF_INET, SOCK_STREAM, 0);
    sa = lo4(port);
    show("bind without SO_REUSEPORT", bind(nb, (struct sockaddr*)&sa, sizeof(sa)));
    close(nb);
    int cs[12];
    for (int i = 0; i < 12; i++) {
        cs[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cs[i], (struct sockaddr*)&sa, sizeof(sa)) < 0)
            printf("connect %d: %s\n", i, sock_errname(errno));
    }
    int accepted = 0;
    for (int i = 0; i < 3; i++) {
        fcntl(ls[i], F_SETFL, O_NONBLOCK);
        int c;
        while ((c = accept(ls[i], NULL, NULL)) >= 0) {
            accepted++;
            close(c);
        }
    }
    printf("accepted through the group: %d\n", accepted);
    /* The group outlives its first member. */
    close(ls[0]);
    int late = socket(AF_INET, SOCK_STREAM, 0);
    show("connect after the first closed", connect(late, (struct sockaddr*)&sa, sizeof(sa)));
    struct pollfd pf[2] = {{ls[1], POLLIN, 0}, {ls[2], POLLIN, 0}};
    printf("poll: %d\n", poll(pf, 2, 5000));
    close(late);
    for (int i = 0; i < 12; i++)
        close(cs[i]);
    close(ls[1]);
    close(ls[2]);

    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    seti("udp SO_REUSEPORT", u1, SOL_SOCKET, SO_REUSEPORT, 1);
    seti("udp SO_REUSEPORT", u2, SOL_SOCKET, SO_REUSEPORT, 1);
    sa = lo4(0);
    bind(u1, (struct sockaddr*)&sa, sizeof(sa));
    sa = lo4(port_of(u1));
    show("udp reuseport bind", bind(u2, (struct sockaddr*)&sa, sizeof(sa)));
    get_show("udp SO_BROADCAST", u1, SOL_SOCKET, SO_BROADCAST);
    seti("udp set SO_BROADCAST", u1, SOL_SOCKET, SO_BROADCAST, 1);
    get_show("udp SO_BROADCAST", u1, SOL_SOCKET, SO_BROADCAST);
    seti("udp TCP_NODELAY", u1, IPPROTO_TCP, TCP_NODELAY, 1);
    get_show("udp get TCP_NODELAY", u1, IPPROTO_TCP, TCP_NODELAY);
    get_show("udp get IPPROTO_UDP 999", u1, IPPROTO_UDP, 999);
    get_show("udp SO_SNDBUF default", u1, SOL_SOCKET, SO_SNDBUF);
    seti("udp set IP_TOS", u1, IPPROTO_IP, IP_TOS, 0x13);
    get_show("udp IP_TOS", u1, IPPROTO_IP, IP_TOS);
    close(u1);
    close(u2);

    /* AF_INET6: IPV6_V6ONLY and IPV6_TCLASS. */
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    get_show("tcp6 IPV6_V6ONLY", s6, IPPROTO_IPV6, IPV6_V6ONLY);
    seti("set IPV6_V6ONLY", s6, IPPROTO_IPV6, IPV6_V6ONLY, 7);
    get_show("tcp6 IPV6_V6ONLY", s6, IPPROTO_IPV6, IPV6_V6ONLY);
    get_show("tcp6 IPV6_TCLASS", s6, IPPROTO_IPV6, IPV6_TCLASS);
    seti("set IPV6_TCLASS 0x20", s6, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
    get_show("tcp6 IPV6_TCLASS", s6, IPPROTO_IPV6, IPV6_TCLASS);
    seti("set IPV6_TCLASS 256", s6, IPPROTO_IPV6, IPV6_TCLASS, 256);
    seti("set IPV6_TCLASS -1", s6, IPPROTO_IPV6, IPV6_TCLASS, -1);
    get_show("tcp6 IPV6_TCLASS", s6, IPPROTO_IPV6, IPV6_TCLASS);
    seti("set IPV6_UNICAST_HOPS 9", s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
    get_show("tcp6 IPV6_UNICAST_HOPS", s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    seti("tcp6 set IPPROTO_IPV6 999", s6, IPPROTO_IPV6, 999, 1);
    get_show("tcp6 get level 999", s6, 999, 1);
    seti("tcp6 set IP_TOS", s6, IPPROTO_IP, IP_TOS, 0x20);
    get_show("tcp6 IP_TOS", s6, IPPROTO_IP, IP_TOS);
    get_show("tcp6 IP_TTL", s6, IPPROTO_IP, IP_TTL);
    show("set IPV6_V6ONLY short", setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &sh, sizeof(sh)));
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    get_show("udp6 get IPPROTO_TCP", u6, IPPROTO_TCP, TCP_NODELAY);
    get_show("udp6 SO_RCVBUF default", u6, SOL_SOCKET, SO_RCVBUF);
    get_show("udp6 IPV6_V6ONLY", u6, IPPROTO_IPV6, IPV6_V6ONLY);
    close(u6);
    struct sockaddr_in6 b6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bind(s6, (struct sockaddr*)&b6, sizeof(b6));
    seti("set IPV6_V6ONLY after bind", s6, IPPROTO_IPV6, IPV6_V6ONLY, 0);
    close(s6);

    /* SO_ERROR after a non-blocking connect, refused and accepted. */
    int l = socket(AF_INET, SOCK_STREAM, 0);
    sa = lo4(0);
    bind(l, (struct sockaddr*)&sa, sizeof(sa));
    int closed_port = port_of(l);
    close(l);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa = lo4(closed_port);
    show("nonblocking connect to a closed port", connect(c, (struct sockaddr*)&sa, sizeof(sa)));
    struct pollfd p = {c, POLLOUT, 0};
    poll(&p, 1, 5000);
    printf("poll revents %#x\n", p.revents);
    get_show("SO_ERROR", c, SOL_SOCKET, SO_ERROR);
    get_show("SO_ERROR again", c, SOL_SOCKET, SO_ERROR);
    close(c);
    l = socket(AF_INET, SOCK_STREAM, 0);
    sa = lo4(0);
    bind(l, (struct sockaddr*)&sa, sizeof(sa));
    listen(l, 4);
    get_show("listener TCP_INFO-less SO_ACCEPTCONN", l, SOL_SOCKET, SO_ACCEPTCONN);
    struct tcp_info ti;
    socklen_t til = sizeof(ti);
    memset(&ti, 0xff, sizeof(ti));
    show("TCP_INFO listener", getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &til));
    printf("state %d\n", ti.tcpi_state);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sa = lo4(port_of(l));
    show("nonblocking connect", connect(c, (struct sockaddr*)&sa, sizeof(sa)));
    p.fd = c;
    p.events = POLLOUT;
    poll(&p, 1, 5000);
    printf("poll revents %#x\n", p.revents);
    get_show("SO_ERROR", c, SOL_SOCKET, SO_ERROR);
    til = sizeof(ti);
    show("TCP_INFO connected", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &til));
    printf("state %d\n", ti.tcpi_state);
    /* RFC 6928's initial window, ten segments, from the start. */
    printf("snd_cwnd connected %u\n", ti.tcpi_snd_cwnd);
    til = 1;
    show("TCP_INFO len 1", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &til));
    printf("len %d\n", (int)til);

    /* A TCP socket is a file: FIONBIO, fcntl, dup, read, write. */
    int sv = accept(l, NULL, NULL);
    til = sizeof(ti);
    getsockopt(sv, IPPROTO_TCP, TCP_INFO, &ti, &til);
    printf("snd_cwnd accepted %u\n", ti.tcpi_snd_cwnd);
    int on = 1, off = 0;
    show("FIONBIO on", ioctl(sv, FIONBIO, &on));
    char buf[32];
    show("read EAGAIN", read(sv, buf, sizeof(buf)));
    show("FIONBIO off", ioctl(sv, FIONBIO, &off));
    printf("F_GETFL %#o\n", fcntl(sv, F_GETFL) & O_NONBLOCK);
    int d = dup(sv);
    show("write through the client", write(c, "hello", 5));
    show("read through the dup", read(d, buf, sizeof(buf)));
    close(sv);
    show("write through the dup", write(d, "back", 4));
    p.fd = c;
    p.events = POLLIN;
    poll(&p, 1, 5000);
    show("read back", read(c, buf, sizeof(buf)));
    fcntl(c, F_SETFL, 0);
    show("blocking after F_SETFL 0", fcntl(c, F_GETFL) & O_NONBLOCK);
    close(d);
    show("read EOF", read(c, buf, sizeof(buf)));
    close(c);
    close(l);
    printf("done\n");
    return 0;
}
