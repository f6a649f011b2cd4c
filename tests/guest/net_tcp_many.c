/* Many TCP connections over 127.0.0.1: 1000 opened, used and closed one
 * after the other, then 200 open at once, each answered by the server
 * through epoll in one thread. */
//! run: --
//! native
//! status: 0
//! expect: sequential 1000 ok
//! expect: concurrent 200 ok
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l, (struct sockaddr*)&a, sizeof(a));
    listen(l, 256);
    socklen_t al = sizeof(a);
    getsockname(l, (struct sockaddr*)&a, &al);

    int ok = 0;
    for (int i = 0; i < 1000; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr*)&a, sizeof(a))) {
            printf("connect %d: %s\n", i, strerror(errno));
            return 1;
        }
        int s = accept(l, NULL, NULL);
        unsigned char b = (unsigned char)i, r = 0;
        write(c, &b, 1);
        read(s, &r, 1);
        r++;
        write(s, &r, 1);
        read(c, &b, 1);
        ok += b == (unsigned char)(i + 1);
        close(c);
        close(s);
    }
    printf("sequential %d %s\n", 1000, ok == 1000 ? "ok" : "FAILED");

    enum { N = 200 };
    int cs[N];
    for (int i = 0; i < N; i++) {
        cs[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int r = connect(cs[i], (struct sockaddr*)&a, sizeof(a));
        if (r && errno != EINPROGRESS) {
            printf("connect %d: %s\n", i, strerror(errno));
            return 1;
        }
    }
    fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    for (int i = 0; i < N; i++) {
        ev.events = EPOLLOUT;
        ev.data.fd = cs[i];
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i], &ev);
    }
    int accepted = 0, answered = 0, writable = 0, done = 0;
    struct epoll_event evs[64];
    while (done < N) {
        int n = epoll_wait(ep, evs, 64, 5000);
        if (n <= 0) {
            printf("epoll_wait %d: accepted %d answered %d done %d\n", n, accepted, answered, done);
            return 1;
        }
        for (int k = 0; k < n; k++) {
            int fd = evs[k].data.fd;
            if (fd == l) {
                int s;
                while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    accepted++;
                    struct epoll_event e2 = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = s};
                    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e2);
                }
                continue;
            }
            int is_client = 0;
            for (int i = 0; i < N; i++)
                is_client |= cs[i] == fd;
            char buf[16];
            if (is_client && (evs[k].events & EPOLLOUT)) {
                writable++;
                write(fd, "ping", 4);
                struct epoll_event e2 = {.events = EPOLLIN, .data.fd = fd};
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e2);
            } else if (is_client) {
                ssize_t r = read(fd, buf, sizeof(buf));
                if (r == 4 && memcmp(buf, "pong", 4) == 0)
                    done++;
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            } else {
                ssize_t r = read(fd, buf, sizeof(buf));
                if (r == 4) {
                    answered++;
                    write(fd, "pong", 4);
                } else if (r == 0) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                }
            }
        }
    }
    printf("concurrent %d %s (accepted %d, answered %d, writable %d)\n", N,
           done == N ? "ok" : "FAILED", accepted, answered, writable);
    for (int i = 0; i < N; i++)
        close(cs[i]);
    close(ep);
    close(l);
    return 0;
}
