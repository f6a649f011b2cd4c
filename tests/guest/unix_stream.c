/* AF_UNIX stream sockets, each result as Linux gives it: an echo of many
 * sizes (1 B to 16 MiB) between threads, intact; the send buffer (a
 * non-blocking socketpair takes about 200 KiB, then EAGAIN); MSG_PEEK,
 * MSG_WAITALL, MSG_DONTWAIT, FIONREAD; half-close (EOF after the peer's
 * SHUT_WR, EPIPE after one's own); EPIPE with SIGPIPE, or without under
 * MSG_NOSIGNAL; a close with unread data resets the peer; SO_RCVTIMEO;
 * poll and epoll (level and edge triggered) on sockets. */
//! run: --timeout 120 --
//! status: 0
//! native
//! expect: echo 16777216: ok
//! expect: done
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sock.h"

static int echo_fd;

static void* echo_thread(void* arg) {
    (void)arg;
    static char buf[65536];
    for (;;) {
        ssize_t n = read(echo_fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(echo_fd, buf + off, n - off);
            if (w <= 0)
                return NULL;
            off += w;
        }
    }
    shutdown(echo_fd, SHUT_WR);
    return NULL;
}

struct sender {
    int fd;
    const unsigned char* data;
    size_t len;
};

static void* send_thread(void* arg) {
    struct sender* s = arg;
    for (size_t off = 0; off < s->len;) {
        ssize_t w = write(s->fd, s->data + off, s->len - off);
        if (w <= 0)
            break;
        off += w;
    }
    return NULL;
}

static int sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    sigpipes++;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int sv[2];

    /* Echo through a thread: the sender is a second thread so that neither
     * side's buffer fills up for good. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    echo_fd = sv[1];
    pthread_t echo;
    pthread_create(&echo, NULL, echo_thread, NULL);
    static const size_t sizes[] = {1, 2, 100, 4095, 4096, 65537, 212992, 1000000, 16777216};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t len = sizes[i];
        unsigned char* out = malloc(len);
        unsigned char* in = malloc(len);
        for (size_t k = 0; k < len; k++)
            out[k] = (unsigned char)(k * 7 + len + (k >> 12));
        struct sender s = {sv[0], out, len};
        pthread_t t;
        pthread_create(&t, NULL, send_thread, &s);
        size_t got = 0;
        while (got < len) {
            ssize_t n = read(sv[0], in + got, len - got);
            if (n <= 0)
                break;
            got += n;
        }
        pthread_join(t, NULL);
        printf("echo %zu: %s\n", len, got == len && !memcmp(in, out, len) ? "ok" : "FAILED");
        free(out);
        free(in);
    }
    shutdown(sv[0], SHUT_WR);
    char c;
    show("after shutdown, the echo ends: read", read(sv[0], &c, 1));
    pthread_join(echo, NULL);
    close(sv[0]);
    close(sv[1]);

    /* The send buffer of a socketpair. */
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    static char big[1 << 20];
    ssize_t n = write(sv[0], big, sizeof(big));
    printf("non-blocking 1 MiB write takes 200..300 KiB: %d\n", n > 200 * 1024 && n < 300 * 1024);
    show("then", write(sv[0], big, 1));
    struct pollfd pf = {sv[0], POLLOUT, 0};
    show("poll POLLOUT on a full socket", poll(&pf, 1, 0));
    int v;
    ioctl(sv[1], FIONREAD, &v);
    printf("FIONREAD equals the write: %d\n", v == n);
    size_t drained = 0;
    while ((n = read(sv[1], big, sizeof(big))) > 0)
        drained += n;
    printf("drained %s\n", drained == (size_t)v ? "all" : "FAILED");
    show("poll POLLOUT after draining", poll(&pf, 1, 0));
    printf("  revents %#x\n", pf.revents);
    close(sv[0]);
    close(sv[1]);

    /* MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "abc", 3);
    write(sv[0], "def", 3);
    char buf[16] = {0};
    show("MSG_PEEK across writes", recv(sv[1], buf, 5, MSG_PEEK));
    printf("  %.5s\n", buf);
    show("recv 4", recv(sv[1], buf, 4, 0));
    show("MSG_DONTWAIT", recv(sv[1], buf, 10, MSG_DONTWAIT));
    show("MSG_DONTWAIT empty", recv(sv[1], buf, 10, MSG_DONTWAIT));
    struct sender s = {sv[0], (const unsigned char*)"0123456789", 10};
    pthread_t t;
    pthread_create(&t, NULL, send_thread, &s);
    show("MSG_WAITALL 10", recv(sv[1], buf, 10, MSG_WAITALL));
    pthread_join(t, NULL);
    write(sv[0], "xy", 2);
    shutdown(sv[0], SHUT_WR);
    show("MSG_WAITALL cut by EOF", recv(sv[1], buf, 10, MSG_WAITALL));
    show("EOF", recv(sv[1], buf, 10, 0));
    pf.fd = sv[1];
    pf.events = POLLIN | POLLOUT | POLLRDHUP;
    poll(&pf, 1, 0);
    printf("poll after peer's SHUT_WR: %#x\n", pf.revents);
    show("write back after the peer's SHUT_WR", write(sv[1], "z", 1));
    show("write after own SHUT_WR", send(sv[0], "z", 1, MSG_NOSIGNAL));
    shutdown(sv[1], SHUT_RD);
    pf.fd = sv[0];
    poll(&pf, 1, 0);
    printf("poll after both directions shut: %#x\n", pf.revents);
    close(sv[0]);
    close(sv[1]);

    /* EPIPE and SIGPIPE. */
    signal(SIGPIPE, on_sigpipe);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    show("write to a closed peer", write(sv[0], "a", 1));
    printf("  SIGPIPE %d\n", sigpipes);
    show("send MSG_NOSIGNAL", send(sv[0], "a", 1, MSG_NOSIGNAL));
    printf("  SIGPIPE %d\n", sigpipes);
    show("read from a closed peer", read(sv[0], buf, 1));
    close(sv[0]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "unread", 6);
    close(sv[1]);
    show("close with unread data resets", read(sv[0], buf, 1));
    show("then", read(sv[0], buf, 1));
    close(sv[0]);

    /* SO_RCVTIMEO. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {0, 100000};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    show("recv with SO_RCVTIMEO", read(sv[0], buf, 1));
    tv.tv_sec = -1;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    show("recv with a negative SO_RCVTIMEO", read(sv[0], buf, 1));

    /* poll and epoll. */
    pf.fd = sv[0];
    pf.events = POLLIN | POLLOUT;
    poll(&pf, 1, 0);
    printf("poll idle: %#x\n", pf.revents);
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN | EPOLLET, {.u32 = 7}}, got[4];
    show("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
    show("epoll_wait idle", epoll_wait(ep, got, 4, 0));
    write(sv[1], "1", 1);
    show("epoll_wait after a write", epoll_wait(ep, got, 4, 0));
    printf("  events %#x data %u\n", got[0].events, got[0].data.u32);
    show("epoll_wait again (edge)", epoll_wait(ep, got, 4, 0));
    write(sv[1], "2", 1);
    show("epoll_wait after another write", epoll_wait(ep, got, 4, 0));
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev);
    show("level triggered", epoll_wait(ep, got, 4, 0));
    show("level triggered again", epoll_wait(ep, got, 4, 0));
    read(sv[0], buf, 2);
    show("after reading", epoll_wait(ep, got, 4, 0));
    close(sv[1]);
    show("after the peer closed", epoll_wait(ep, got, 4, 0));
    printf("  events %#x\n", got[0].events);
    close(ep);
    close(sv[0]);
    printf("done\n");
    return 0;
}
