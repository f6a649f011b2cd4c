/* ioctl on AF_INET sockets as Linux answers: FIONREAD (SIOCINQ) counts the
 * unread bytes of a TCP socket and the next datagram of a UDP socket,
 * SIOCOUTQ the bytes not yet acknowledged, both refused on a listener;
 * a bad pointer is EFAULT and an unknown request ENOTTY. */
//! run: --
//! native
//! status: 0
//! expect: tcp listen FIONREAD -1 EINVAL
//! expect: tcp listen SIOCOUTQ -1 EINVAL
//! expect: tcp fresh FIONREAD 0 n=0
//! expect: tcp server FIONREAD 0 n=1000
//! expect: tcp server FIONREAD after peek 0 n=1000
//! expect: tcp server FIONREAD after 600 0 n=400
//! expect: tcp client SIOCOUTQ 0 n=0
//! expect: tcp server FIONREAD with eof 0 n=400
//! expect: tcp bad pointer -1 EFAULT
//! expect: tcp TCGETS -1 ENOTTY
//! expect: udp empty FIONREAD 0 n=0
//! expect: udp FIONREAD 0 n=100
//! expect: udp FIONREAD next 0 n=200
//! expect: udp SIOCOUTQ 0 n=0
//! expect: done
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"

static void show(const char* what, int fd, unsigned long req) {
    int n = -7;
    int r = ioctl(fd, req, &n);
    if (r < 0)
        printf("%s %d %s\n", what, r, errname(errno));
    else
        printf("%s %d n=%d\n", what, r, n);
}

static void wait_in(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, 10000);
}

int main(void) {
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;

    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(l, (struct sockaddr*)&a, sizeof a) || listen(l, 4) ||
        getsockname(l, (struct sockaddr*)&a, &alen)) {
        perror("listen");
        return 1;
    }
    show("tcp listen FIONREAD", l, FIONREAD);
    show("tcp listen SIOCOUTQ", l, SIOCOUTQ);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    show("tcp fresh FIONREAD", c, FIONREAD);
    if (connect(c, (struct sockaddr*)&a, sizeof a)) {
        perror("connect");
        return 1;
    }
    int s = accept(l, NULL, NULL);
    char buf[1000];
    memset(buf, 'x', sizeof buf);
    if (write(c, buf, sizeof buf) != (ssize_t)sizeof buf)
        return 1;
    /* Wait until all of it is there (it may come in more than one part). */
    for (int i = 0; i < 1000; i++) {
        int n = 0;
        wait_in(s);
        if (ioctl(s, FIONREAD, &n) == 0 && n == 1000)
            break;
        sleep_ms(1);
    }
    show("tcp server FIONREAD", s, FIONREAD);
    recv(s, buf, 10, MSG_PEEK);
    show("tcp server FIONREAD after peek", s, FIONREAD);
    if (read(s, buf, 600) != 600)
        return 1;
    show("tcp server FIONREAD after 600", s, FIONREAD);
    /* A reply acknowledges the client's bytes. */
    if (write(s, "!", 1) != 1 || read(c, buf, 1) != 1)
        return 1;
    show("tcp client SIOCOUTQ", c, SIOCOUTQ);
    shutdown(c, SHUT_WR);
    for (int i = 0; i < 1000; i++) {
        struct pollfd p = {.fd = s, .events = POLLRDHUP};
        if (poll(&p, 1, 10000) == 1 && (p.revents & POLLRDHUP))
            break;
    }
    show("tcp server FIONREAD with eof", s, FIONREAD);
    int r = ioctl(s, FIONREAD, (int*)8);
    printf("tcp bad pointer %d %s\n", r, errname(errno));
    struct termios t;
    r = ioctl(s, TCGETS, &t);
    printf("tcp TCGETS %d %s\n", r, errname(errno));
    close(s);
    close(c);
    close(l);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = {.sin_family = AF_INET};
    ua.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    alen = sizeof ua;
    if (bind(u, (struct sockaddr*)&ua, sizeof ua) || getsockname(u, (struct sockaddr*)&ua, &alen))
        return 1;
    show("udp empty FIONREAD", u, FIONREAD);
    int v = socket(AF_INET, SOCK_DGRAM, 0);
    sendto(v, buf, 100, 0, (struct sockaddr*)&ua, sizeof ua);
    sendto(v, buf, 200, 0, (struct sockaddr*)&ua, sizeof ua);
    wait_in(u);
    show("udp FIONREAD", u, FIONREAD);
    recv(u, buf, sizeof buf, 0);
    wait_in(u);
    show("udp FIONREAD next", u, FIONREAD);
    show("udp SIOCOUTQ", v, SIOCOUTQ);
    close(u);
    close(v);
    printf("done\n");
    return 0;
}
