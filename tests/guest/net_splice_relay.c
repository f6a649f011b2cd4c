/* A relay that moves a TCP stream to another TCP connection with splice(2)
 * through a pipe, both sockets non-blocking, as a proxy's copy loop does:
 * socket to pipe, pipe to socket, polling on EAGAIN. The sink reads slowly,
 * so the relay's sends come back short; every byte must still arrive, in
 * order. Then SPLICE_F_NONBLOCK on an empty and a full pipe, and the end of
 * the stream. Over 127.0.0.1. */
//! run: --
//! native
//! status: 0
//! expect: empty pipe to socket: EAGAIN
//! expect: socket to full pipe: EAGAIN
//! expect: relayed 1048576 bytes, in order
//! expect: end of stream: 0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOTAL (1 << 20)

static void die(const char *what) {
    perror(what);
    exit(1);
}

static unsigned char pattern(size_t i) {
    return (unsigned char)(i * 7 + i / 251);
}

/* A connected pair of TCP sockets over loopback: *a connects, *b accepts. */
static void tcp_pair(int *a, int *b) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof sin) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&sin, &len))
        die("listen");
    *a = socket(AF_INET, SOCK_STREAM, 0);
    if (*a < 0 || connect(*a, (struct sockaddr *)&sin, sizeof sin))
        die("connect");
    *b = accept(l, NULL, NULL);
    if (*b < 0)
        die("accept");
    close(l);
}

static void wait_for(int fd, short events) {
    struct pollfd p = {.fd = fd, .events = events};
    if (poll(&p, 1, 10000) != 1)
        die("poll");
}

static void *source(void *arg) {
    int fd = *(int *)arg;
    static unsigned char buf[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        buf[i] = pattern(i);
    for (size_t off = 0; off < TOTAL;) {
        ssize_t n = write(fd, buf + off, TOTAL - off < 10000 ? TOTAL - off : 10000);
        if (n <= 0)
            die("source write");
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

static void *sink(void *arg) {
    int fd = *(int *)arg;
    size_t got = 0;
    unsigned char buf[3000];
    long bad = -1;
    for (int round = 0;; round++) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0)
            die("sink read");
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (bad < 0 && buf[i] != pattern(got + (size_t)i))
                bad = (long)(got + (size_t)i);
        got += (size_t)n;
        if (round % 64 == 0)
            usleep(2000); /* slow enough that the relay's sends come back short */
    }
    if (bad >= 0)
        printf("relayed %zu bytes, first wrong byte at %ld\n", got, bad);
    else
        printf("relayed %zu bytes, in order\n", got);
    return NULL;
}

int main(void) {
    int src_w, src_r, dst_w, dst_r, p[2];
    tcp_pair(&src_w, &src_r);
    tcp_pair(&dst_r, &dst_w);
    if (pipe(p))
        die("pipe");
    fcntl(src_r, F_SETFL, O_NONBLOCK);
    fcntl(dst_w, F_SETFL, O_NONBLOCK);
    int small = 8192;
    setsockopt(dst_w, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);

    ssize_t r = splice(p[0], NULL, dst_w, NULL, 4096, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    printf("empty pipe to socket: %s\n", r < 0 ? strerrorname_np(errno) : "no error");

    /* A full pipe takes nothing from a socket that has data. */
    if (write(src_w, "x", 1) != 1)
        die("write");
    wait_for(src_r, POLLIN);
    int fill = fcntl(p[1], F_GETPIPE_SZ);
    char *junk = calloc(1, (size_t)fill);
    if (write(p[1], junk, (size_t)fill) != fill)
        die("fill");
    r = splice(src_r, NULL, p[1], NULL, 4096, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    printf("socket to full pipe: %s\n", r < 0 ? strerrorname_np(errno) : "no error");
    if (read(p[0], junk, (size_t)fill) != fill)
        die("drain");
    char x;
    if (read(src_r, &x, 1) != 1 || x != 'x')
        die("read back");
    free(junk);
    fflush(stdout);

    pthread_t ts, tk;
    pthread_create(&ts, NULL, source, &src_w);
    pthread_create(&tk, NULL, sink, &dst_r);

    size_t moved = 0;
    for (;;) {
        ssize_t n = splice(src_r, NULL, p[1], NULL, 65536, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n < 0 && errno == EAGAIN) {
            wait_for(src_r, POLLIN);
            continue;
        }
        if (n < 0)
            die("splice in");
        if (n == 0)
            break;
        for (ssize_t left = n; left > 0;) {
            ssize_t m = splice(p[0], NULL, dst_w, NULL, (size_t)left, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (m < 0 && errno == EAGAIN) {
                wait_for(dst_w, POLLOUT);
                continue;
            }
            if (m <= 0)
                die("splice out");
            left -= m;
            moved += (size_t)m;
        }
    }
    shutdown(dst_w, SHUT_WR);
    pthread_join(ts, NULL);
    pthread_join(tk, NULL);
    r = splice(src_r, NULL, p[1], NULL, 4096, SPLICE_F_NONBLOCK);
    printf("end of stream: %zd\n", r);
    if (moved != TOTAL)
        printf("relay moved %zu\n", moved);
    return 0;
}
