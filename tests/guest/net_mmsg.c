/* sendmmsg and recvmmsg on UDP and AF_UNIX datagram sockets: several
 * messages per call with each msg_len, MSG_DONTWAIT on an empty queue,
 * MSG_WAITFORONE, a timeout (written back, never larger), MSG_TRUNC in an
 * entry's msg_flags, MSG_PEEK, recv's MSG_TRUNC returning the real size,
 * and vlen 0. The calls go straight to the kernel. */
//! run: --
//! native
//! status: 0
//! expect: done
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sock.h"

#define sendmmsg_k(fd, v, n, f) syscall(SYS_sendmmsg, fd, v, n, f)
#define recvmmsg_k(fd, v, n, f, t) syscall(SYS_recvmmsg, fd, v, n, f, t)

static char rbuf[4][16];
static struct iovec riov[4];
static struct mmsghdr rv[4];

static void reset_recv(void) {
    memset(rbuf, 0, sizeof(rbuf));
    memset(rv, 0, sizeof(rv));
    for (int i = 0; i < 4; i++) {
        riov[i].iov_base = rbuf[i];
        riov[i].iov_len = i == 3 ? 3 : sizeof(rbuf[i]);
        rv[i].msg_hdr.msg_iov = &riov[i];
        rv[i].msg_hdr.msg_iovlen = 1;
    }
}

static void show_recv(const char* what, long n) {
    show(what, n);
    for (long i = 0; i < n; i++)
        printf("  [%ld] len %u flags %#x \"%.*s\"\n", i, rv[i].msg_len, rv[i].msg_hdr.msg_flags,
               (int)(rv[i].msg_len < 16 ? rv[i].msg_len : 16), rbuf[i]);
}

static void run(const char* kind, int a, int b) {
    printf("%s\n", kind);
    const char* words[] = {"one", "two", "three", "fourteen"};
    struct iovec siov[4];
    struct mmsghdr sv[4];
    memset(sv, 0, sizeof(sv));
    for (int i = 0; i < 4; i++) {
        siov[i].iov_base = (void*)words[i];
        siov[i].iov_len = strlen(words[i]);
        sv[i].msg_hdr.msg_iov = &siov[i];
        sv[i].msg_hdr.msg_iovlen = 1;
    }
    show("sendmmsg vlen 0", sendmmsg_k(a, sv, 0, 0));
    show("sendmmsg 4", sendmmsg_k(a, sv, 4, 0));
    for (int i = 0; i < 4; i++)
        printf("  sent [%d] %u\n", i, sv[i].msg_len);
    reset_recv();
    show_recv("recvmmsg 2", recvmmsg_k(b, rv, 2, 0, NULL));
    reset_recv();
    struct timespec ts = {5, 0};
    show_recv("recvmmsg MSG_PEEK 1", recvmmsg_k(b, rv, 1, MSG_PEEK, &ts));
    printf("  timeout kept at most 5 s: %d\n", ts.tv_sec <= 5 && ts.tv_sec >= 0);
    reset_recv();
    /* Two are left: entry 1 gets "fourteen" into 16 bytes; no truncation. */
    show_recv("recvmmsg MSG_WAITFORONE", recvmmsg_k(b, rv, 4, MSG_WAITFORONE, NULL));
    reset_recv();
    show_recv("recvmmsg empty MSG_DONTWAIT", recvmmsg_k(b, rv, 4, MSG_DONTWAIT, NULL));
    sendmmsg_k(a, sv, 4, 0);
    reset_recv();
    show_recv("recvmmsg 4 (the last into 3 bytes)", recvmmsg_k(b, rv, 4, MSG_DONTWAIT, NULL));
    reset_recv();
    struct timespec bad = {0, 1000000000};
    show("recvmmsg bad timeout", recvmmsg_k(b, rv, 4, 0, &bad));
    show("recvmmsg bad vector", recvmmsg_k(b, (void*)1, 4, MSG_DONTWAIT, NULL));
    send(a, "abcdefgh", 8, 0);
    char c[4];
    show("recv MSG_TRUNC", recv(b, c, sizeof(c), MSG_TRUNC));
    send(a, "abcdefgh", 8, 0);
    show("recv MSG_PEEK|MSG_TRUNC", recv(b, c, 2, MSG_PEEK | MSG_TRUNC));
    struct msghdr mh = {0};
    struct iovec io = {c, 4};
    mh.msg_iov = &io;
    mh.msg_iovlen = 1;
    show("recvmsg short", recvmsg(b, &mh, 0));
    printf("  msg_flags has MSG_TRUNC: %d\n", !!(mh.msg_flags & MSG_TRUNC));
    show("sendmmsg bad vector", sendmmsg_k(a, (void*)1, 2, 0));
    siov[1].iov_base = (void*)1;
    show("sendmmsg second bad", sendmmsg_k(a, sv, 2, 0));
    reset_recv();
    show_recv("recvmmsg the first", recvmmsg_k(b, rv, 4, MSG_DONTWAIT, NULL));
}

int main(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(b, (struct sockaddr*)&sa, sizeof(sa));
    socklen_t l = sizeof(sa);
    getsockname(b, (struct sockaddr*)&sa, &l);
    connect(a, (struct sockaddr*)&sa, sizeof(sa));
    run("udp", a, b);
    close(a);
    close(b);
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    run("unix", sv[0], sv[1]);
    printf("done\n");
    return 0;
}
