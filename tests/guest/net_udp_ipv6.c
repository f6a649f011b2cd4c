/* UDP over 127.0.0.1 and ::1 (sendto/recvfrom, connected sockets,
 * MSG_PEEK, MSG_TRUNC, non-blocking EAGAIN) and TCP over ::1, with the
 * addresses each end reports and IPV6_V6ONLY. */
//! run: --
//! native
//! status: 0
//! expect: udp4 got 5 hello from loopback 1
//! expect: tcp6 echo ok
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(u, (struct sockaddr*)&a, sizeof(a));
    socklen_t al = sizeof(a);
    getsockname(u, (struct sockaddr*)&a, &al);
    int v = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(v, "hello", 5, 0, (struct sockaddr*)&a, sizeof(a));
    sendto(v, "second message", 14, 0, (struct sockaddr*)&a, sizeof(a));
    char buf[64];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    int n = recvfrom(u, buf, sizeof(buf), MSG_PEEK, (struct sockaddr*)&from, &fl);
    n = recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr*)&from, &fl);
    printf("udp4 got %d %.5s from loopback %d\n", n, buf,
           from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    n = recv(u, buf, 6, MSG_TRUNC);
    printf("udp4 truncated %d %.6s\n", n, buf);
    n = recv(u, buf, sizeof(buf), MSG_DONTWAIT);
    printf("udp4 empty %s\n", n < 0 && errno == EAGAIN ? "EAGAIN" : "data");
    connect(v, (struct sockaddr*)&a, sizeof(a));
    send(v, "conn", 4, 0);
    n = recv(u, buf, sizeof(buf), 0);
    printf("udp4 connected send %d %.4s\n", n, buf);
    close(u);
    close(v);

    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bind(u6, (struct sockaddr*)&b, sizeof(b));
    socklen_t bl = sizeof(b);
    getsockname(u6, (struct sockaddr*)&b, &bl);
    int v6 = socket(AF_INET6, SOCK_DGRAM, 0);
    sendto(v6, "six", 3, 0, (struct sockaddr*)&b, sizeof(b));
    struct sockaddr_in6 f6;
    socklen_t f6l = sizeof(f6);
    n = recvfrom(u6, buf, sizeof(buf), 0, (struct sockaddr*)&f6, &f6l);
    char txt[64];
    inet_ntop(AF_INET6, &f6.sin6_addr, txt, sizeof(txt));
    printf("udp6 got %d %.3s from %s len %d\n", n, buf, txt, (int)f6l);
    close(u6);
    close(v6);

    int l = socket(AF_INET6, SOCK_STREAM, 0);
    int on = 0;
    socklen_t ol = sizeof(on);
    getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &on, &ol);
    printf("v6only default %d\n", on);
    struct sockaddr_in6 la = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bind(l, (struct sockaddr*)&la, sizeof(la));
    listen(l, 4);
    socklen_t lal = sizeof(la);
    getsockname(l, (struct sockaddr*)&la, &lal);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr*)&la, sizeof(la))) {
        perror("connect ::1");
        return 1;
    }
    struct sockaddr_in6 pa;
    socklen_t pal = sizeof(pa);
    int s = accept(l, (struct sockaddr*)&pa, &pal);
    inet_ntop(AF_INET6, &pa.sin6_addr, txt, sizeof(txt));
    printf("tcp6 accepted from %s len %d\n", txt, (int)pal);
    write(c, "over six", 8);
    n = read(s, buf, sizeof(buf));
    write(s, buf, n);
    n = read(c, buf, sizeof(buf));
    printf("tcp6 echo %s\n", n == 8 && memcmp(buf, "over six", 8) == 0 ? "ok" : "FAILED");
    close(c);
    close(s);
    close(l);
    return 0;
}
