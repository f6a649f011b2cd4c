/* Corked data that is never uncorked still reaches the peer: Linux holds a
 * short corked segment 200 ms at most (tcp(7)), and a short send with
 * MSG_MORE that no send follows goes out the same way. Over 127.0.0.1. */
//! run: --
//! native
//! status: 0
//! expect: corked: 5 bytes arrived
//! expect: MSG_MORE: 4 bytes arrived
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char* what) {
    perror(what);
    exit(1);
}

/* Waits up to 5 s for the bytes on `fd`; prints how many came. */
static void expect_arrival(const char* what, int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[16];
    int r = poll(&p, 1, 5000);
    if (r < 0)
        die("poll");
    if (r == 0) {
        printf("%s: nothing arrived\n", what);
        return;
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    printf("%s: %zd bytes arrived\n", what, n);
}

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof(a)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr*)&a, &alen))
        die("listen");
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr*)&a, sizeof(a)))
        die("connect");
    int s = accept(l, NULL, NULL);
    if (s < 0)
        die("accept");
    int on = 1;
    if (setsockopt(c, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))
        die("TCP_CORK");
    if (write(c, "hello", 5) != 5)
        die("write");
    expect_arrival("corked", s);
    int off = 0;
    if (setsockopt(c, IPPROTO_TCP, TCP_CORK, &off, sizeof(off)))
        die("TCP_CORK off");
    if (send(c, "more", 4, MSG_MORE) != 4)
        die("send");
    expect_arrival("MSG_MORE", s);
    return 0;
}
