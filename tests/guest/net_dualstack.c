/* A dual-stack AF_INET6 listener on "::" takes IPv4 peers as ::ffff:a.b.c.d
 * unless IPV6_V6ONLY is set, when an AF_INET socket may bind the same port;
 * the same for UDP; and SO_LINGER with a zero timeout closes with a reset
 * (the peer's recv says ECONNRESET) where a plain close sends EOF. */
//! run: --
//! native
//! status: 0
//! expect: done
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

static int port6(int s) {
    struct sockaddr_in6 a;
    socklen_t l = sizeof(a);
    getsockname(s, (struct sockaddr*)&a, &l);
    return ntohs(a.sin6_port);
}

static void print6(const char* what, const struct sockaddr_in6* a, socklen_t l) {
    char txt[64];
    inet_ntop(AF_INET6, &a->sin6_addr, txt, sizeof(txt));
    printf("%s: family %d %s len %d\n", what, a->sin6_family, txt, (int)l);
}

static int connect4(int port) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    show("connect over IPv4", connect(c, (struct sockaddr*)&a, sizeof(a)));
    return c;
}

int main(void) {
    int on = 1, off = 0;
    /* Dual stack: "::" without IPV6_V6ONLY. */
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
    show("bind ::", bind(l, (struct sockaddr*)&any, sizeof(any)));
    show("listen", listen(l, 4));
    int port = port6(l);
    int c = connect4(port);
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof(peer);
    int s = accept(l, (struct sockaddr*)&peer, &pl);
    print6("peer", &peer, pl);
    pl = sizeof(peer);
    getsockname(s, (struct sockaddr*)&peer, &pl);
    print6("local", &peer, pl);
    char buf[16];
    show("send v4 -> v6", send(c, "ping", 4, 0));
    show("recv", recv(s, buf, sizeof(buf), 0));
    int b4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
    show("AF_INET bind on the dual-stack port", bind(b4, (struct sockaddr*)&a4, sizeof(a4)));
    close(b4);
    close(s);
    close(c);
    close(l);

    /* IPV6_V6ONLY: IPv6 only, and the port is free for IPv4. */
    l = socket(AF_INET6, SOCK_STREAM, 0);
    show("IPV6_V6ONLY", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)));
    show("bind ::", bind(l, (struct sockaddr*)&any, sizeof(any)));
    listen(l, 4);
    port = port6(l);
    c = connect4(port);
    close(c);
    int l4 = socket(AF_INET, SOCK_STREAM, 0);
    a4.sin_port = htons(port);
    show("AF_INET bind on the v6-only port", bind(l4, (struct sockaddr*)&a4, sizeof(a4)));
    listen(l4, 4);
    c = connect4(port);
    struct sockaddr_in p4;
    socklen_t p4l = sizeof(p4);
    s = accept(l4, (struct sockaddr*)&p4, &p4l);
    printf("IPv4 listener got it: %d, family %d\n", s >= 0, p4.sin_family);
    close(s);
    close(c);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 lo6 = {.sin6_family = AF_INET6, .sin6_port = htons(port),
                               .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    show("connect over IPv6", connect(c6, (struct sockaddr*)&lo6, sizeof(lo6)));
    pl = sizeof(peer);
    s = accept(l, (struct sockaddr*)&peer, &pl);
    print6("v6 peer", &peer, pl);
    close(s);
    close(c6);
    close(l4);
    close(l);

    /* IPv4-mapped connect from a dual-stack socket. */
    l4 = socket(AF_INET, SOCK_STREAM, 0);
    a4.sin_port = 0;
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l4, (struct sockaddr*)&a4, sizeof(a4));
    listen(l4, 4);
    p4l = sizeof(p4);
    getsockname(l4, (struct sockaddr*)&p4, &p4l);
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = p4.sin_port};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
    c6 = socket(AF_INET6, SOCK_STREAM, 0);
    show("connect to ::ffff:127.0.0.1", connect(c6, (struct sockaddr*)&mapped, sizeof(mapped)));
    pl = sizeof(peer);
    getpeername(c6, (struct sockaddr*)&peer, &pl);
    print6("its peer", &peer, pl);
    close(accept(l4, NULL, NULL));
    close(c6);
    c6 = socket(AF_INET6, SOCK_STREAM, 0);
    setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    show("v6-only connect to a mapped address", connect(c6, (struct sockaddr*)&mapped, sizeof(mapped)));
    close(c6);

    /* SO_LINGER: a zero timeout resets, a plain close ends with EOF. */
    for (int zero = 0; zero < 2; zero++) {
        c = connect4(ntohs(p4.sin_port));
        s = accept(l4, NULL, NULL);
        if (zero) {
            struct linger lg = {1, 0};
            show("SO_LINGER 0", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
        }
        close(s);
        show(zero ? "recv after an abortive close" : "recv after a close",
             recv(c, buf, sizeof(buf), 0));
        close(c);
    }
    close(l4);

    /* UDP: a dual-stack socket receives IPv4 datagrams. */
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    show("udp bind ::", bind(u6, (struct sockaddr*)&any, sizeof(any)));
    int u4 = socket(AF_INET, SOCK_DGRAM, 0);
    a4.sin_port = htons(port6(u6));
    show("udp sendto over IPv4", sendto(u4, "dgram", 5, 0, (struct sockaddr*)&a4, sizeof(a4)));
    pl = sizeof(peer);
    show("udp recvfrom", recvfrom(u6, buf, sizeof(buf), 0, (struct sockaddr*)&peer, &pl));
    print6("udp from", &peer, pl);
    show("udp reply to the mapped address",
         sendto(u6, "back", 4, 0, (struct sockaddr*)&peer, sizeof(peer)));
    show("udp recv the reply", recv(u4, buf, sizeof(buf), 0));
    close(u4);
    close(u6);
    (void)off;
    printf("done\n");
    return 0;
}
