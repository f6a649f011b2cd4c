/* The socket system calls' argument checks, each result as Linux gives it:
 * EBADF, ENOTSOCK (a pipe), EFAULT for bad pointers, EINVAL for bad
 * lengths and flags, EAFNOSUPPORT/EPROTONOSUPPORT/ESOCKTNOSUPPORT for
 * unknown families, types and protocols; the SOL_SOCKET options every
 * socket has (SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR,
 * SO_RCVTIMEO/SO_SNDTIMEO with EDOM and EINVAL, SO_REUSEADDR); fcntl,
 * ioctl(FIONBIO), fstat (S_IFSOCK, one inode each), dup, lseek. */
//! run: --timeout 60 --
//! status: 0
//! native
//! expect: socket bad family: -1 EAFNOSUPPORT
//! expect: done
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

/* musl copies message headers in the library on x86_64 (to clear their
 * padding): these go straight to the kernel, so that bad pointers reach it. */
#define sendmsg(fd, m, f) syscall(SYS_sendmsg, fd, m, f)
#define recvmsg(fd, m, f) syscall(SYS_recvmsg, fd, m, f)
#define sendmmsg(fd, v, n, f) syscall(SYS_sendmmsg, fd, v, n, f)
#define recvmmsg(fd, v, n, f, t) syscall(SYS_recvmmsg, fd, v, n, f, t)

#define BAD ((void*)1)

int main(void) {
    int p[2];
    pipe(p);
    int sv[2];
    struct sockaddr_un sun = {AF_UNIX, "x"};
    char buf[16] = "hi";
    socklen_t len;
    struct msghdr mh = {0};
    struct iovec iov = {buf, 2};

    show("socket bad family", socket(1000, SOCK_STREAM, 0));
    show("socket AF_MAX-1", socket(45, SOCK_STREAM, 0));
    show("socket negative family", socket(-1, SOCK_STREAM, 0));
    show("socket bad flag", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
    show("socket type 11", socket(AF_UNIX, 11, 0));
    show("socket type 4 (rdm)", socket(AF_UNIX, SOCK_RDM, 0));
    show("socket unix protocol 2", socket(AF_UNIX, SOCK_STREAM, 2));
    int raw = socket(AF_UNIX, SOCK_RAW, 0);
    int t = -1;
    len = sizeof(t);
    getsockopt(raw, SOL_SOCKET, SO_TYPE, &t, &len);
    printf("unix SOCK_RAW is type %d\n", t);
    close(raw);
    show("socketpair bad pointer", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD));
    show("socketpair bad pointer, bad family", syscall(SYS_socketpair, 1000, SOCK_STREAM, 0, BAD));
    show("socketpair bad family", socketpair(1000, SOCK_STREAM, 0, sv));
    show("socketpair bad flag", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | 0x100, 0, BAD));

    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind EBADF", bind(99, (struct sockaddr*)&sun, sizeof(sun)));
    show("bind ENOTSOCK", bind(p[0], (struct sockaddr*)&sun, sizeof(sun)));
    show("bind ENOTSOCK bad addr", bind(p[0], BAD, sizeof(sun)));
    show("bind bad addr", bind(s, BAD, sizeof(sun)));
    show("bind len 129", bind(s, (struct sockaddr*)&sun, 129));
    show("bind len -1", bind(s, (struct sockaddr*)&sun, -1));
    show("bind len 128 bad addr", bind(s, BAD, 128));
    show("bind len 0", bind(s, (struct sockaddr*)&sun, 0));
    show("bind len 1", bind(s, (struct sockaddr*)&sun, 1));
    show("bind len 111", bind(s, (struct sockaddr*)&sun, 111));
    struct sockaddr_un inet_fam = {AF_INET, "x"};
    show("bind wrong family", bind(s, (struct sockaddr*)&inet_fam, sizeof(sun)));
    show("connect EBADF", connect(99, (struct sockaddr*)&sun, sizeof(sun)));
    show("connect ENOTSOCK", connect(p[0], (struct sockaddr*)&sun, sizeof(sun)));
    show("connect ENOTSOCK bad addr", connect(p[0], BAD, sizeof(sun)));
    show("connect ENOTSOCK len 200", connect(p[0], (struct sockaddr*)&sun, 200));
    show("connect bad addr", connect(s, BAD, sizeof(sun)));
    show("connect len -5", connect(s, (struct sockaddr*)&sun, -5));
    show("listen EBADF", listen(99, 1));
    show("listen ENOTSOCK", listen(p[0], 1));
    show("listen unbound", listen(s, 1));
    show("accept EBADF", accept(99, NULL, NULL));
    show("accept ENOTSOCK", accept(p[0], NULL, NULL));
    show("accept not listening", accept(s, NULL, NULL));
    show("accept4 bad flags", accept4(99, NULL, NULL, 0x100));
    show("accept4 bad flags on socket", accept4(s, NULL, NULL, 0x100));
    show("shutdown EBADF", shutdown(99, SHUT_RD));
    show("shutdown ENOTSOCK", shutdown(p[0], SHUT_RD));
    show("shutdown bad how", shutdown(s, 3));
    show("shutdown unconnected", shutdown(s, SHUT_RDWR));
    show("send unconnected", send(s, buf, 1, MSG_NOSIGNAL));
    show("recv unconnected", recv(s, buf, 1, MSG_DONTWAIT));
    show("sendto EBADF", sendto(99, buf, 1, 0, NULL, 0));
    show("sendto ENOTSOCK", sendto(p[1], buf, 1, 0, NULL, 0));
    show("sendto bad buffer first", sendto(99, (void*)-4096L, 100, 0, NULL, 0));
    show("recvfrom EBADF", recvfrom(99, buf, 1, 0, NULL, NULL));
    show("recvfrom ENOTSOCK", recvfrom(p[0], buf, 1, MSG_DONTWAIT, NULL, NULL));
    show("sendmsg EBADF", sendmsg(99, &mh, 0));
    show("sendmsg ENOTSOCK", sendmsg(p[1], &mh, 0));
    show("sendmsg compat flag", sendmsg(99, &mh, (int)0x80000000));
    show("recvmsg EBADF", recvmsg(99, &mh, 0));
    show("recvmsg ENOTSOCK", recvmsg(p[0], &mh, 0));
    show("sendmmsg EBADF", sendmmsg(99, NULL, 1, 0));
    show("recvmmsg EBADF", recvmmsg(99, NULL, 1, 0, NULL));
    show("getsockname EBADF", getsockname(99, (struct sockaddr*)&sun, &len));
    show("getsockname ENOTSOCK", getsockname(p[0], (struct sockaddr*)&sun, &len));
    show("getpeername EBADF", getpeername(99, (struct sockaddr*)&sun, &len));
    show("getpeername unconnected", getpeername(s, (struct sockaddr*)&sun, &len));
    show("getsockname bad len pointer", getsockname(s, (struct sockaddr*)&sun, BAD));
    len = -1;
    show("getsockname len -1", getsockname(s, (struct sockaddr*)&sun, &len));
    len = 0;
    show("getsockname len 0", getsockname(s, (struct sockaddr*)&sun, &len));
    printf("  len now %u\n", len);
    len = sizeof(sun);
    show("getsockname bad addr", getsockname(s, BAD, &len));
    show("setsockopt EBADF", setsockopt(99, SOL_SOCKET, SO_REUSEADDR, buf, 4));
    show("setsockopt ENOTSOCK", setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, buf, 4));
    show("getsockopt EBADF", getsockopt(99, SOL_SOCKET, SO_TYPE, buf, &len));
    show("getsockopt ENOTSOCK", getsockopt(p[0], SOL_SOCKET, SO_TYPE, buf, &len));

    /* Options. */
    int one = 1, v;
    show("setsockopt len -1", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, -1));
    show("setsockopt len 2", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 2));
    show("setsockopt bad value", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, BAD, 4));
    show("setsockopt SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 4));
    show("setsockopt SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &one, 4));
    show("setsockopt unknown option", setsockopt(s, SOL_SOCKET, 9999, &one, 4));
    show("setsockopt level 6 (tcp)", setsockopt(s, 6, 1, &one, 4));
    len = sizeof(v);
    show("getsockopt level 6 (tcp)", getsockopt(s, 6, 1, &v, &len));
    len = sizeof(v);
    show("getsockopt unknown option", getsockopt(s, SOL_SOCKET, 9999, &v, &len));
    static const int opts[] = {SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR, SO_REUSEADDR};
    static const char* const names[] = {"SO_TYPE", "SO_DOMAIN", "SO_PROTOCOL", "SO_ACCEPTCONN", "SO_ERROR", "SO_REUSEADDR"};
    for (int i = 0; i < 6; i++) {
        v = -7;
        len = sizeof(v);
        long r = getsockopt(s, SOL_SOCKET, opts[i], &v, &len);
        printf("getsockopt %s: %ld value %d len %u\n", names[i], r, v, len);
    }
    len = 2;
    v = -1;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
    printf("getsockopt SO_TYPE len 2: value %#x len %u\n", v, len);
    len = 0;
    show("getsockopt len 0", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
    printf("  len now %u\n", len);
    len = -1;
    show("getsockopt len -1", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
    show("getsockopt bad len pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, BAD));
    len = 4;
    show("getsockopt bad value", getsockopt(s, SOL_SOCKET, SO_TYPE, BAD, &len));
    int ps = socket(AF_UNIX, SOCK_DGRAM, AF_UNIX);
    len = sizeof(v);
    getsockopt(ps, SOL_SOCKET, SO_PROTOCOL, &v, &len);
    printf("SO_PROTOCOL of protocol 1: %d\n", v);
    close(ps);

    struct timeval tv = {1, 500000}, got;
    show("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    len = sizeof(got);
    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
    printf("  read back %ld.%06ld len %u\n", (long)got.tv_sec, (long)got.tv_usec, len);
    show("SO_RCVTIMEO len 8", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8));
    tv.tv_usec = 1000000;
    show("SO_RCVTIMEO usec 1000000", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    tv.tv_usec = -1;
    show("SO_SNDTIMEO usec -1", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
    tv.tv_sec = -3;
    tv.tv_usec = 0;
    show("SO_SNDTIMEO sec -3", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
    len = sizeof(got);
    getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &got, &len);
    printf("  read back %ld.%06ld\n", (long)got.tv_sec, (long)got.tv_usec);
    tv.tv_sec = 0;
    show("SO_RCVTIMEO 0", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
    len = sizeof(got);
    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
    printf("  read back %ld.%06ld\n", (long)got.tv_sec, (long)got.tv_usec);

    /* Files. */
    int s2 = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    printf("F_GETFL %#o, FD_CLOEXEC %d\n", fcntl(s2, F_GETFL), fcntl(s2, F_GETFD));
    printf("F_GETFL plain %#o, FD_CLOEXEC %d\n", fcntl(s, F_GETFL), fcntl(s, F_GETFD));
    int off = 0;
    ioctl(s2, FIONBIO, &off);
    printf("FIONBIO 0: F_GETFL %#o\n", fcntl(s2, F_GETFL));
    struct stat a, b;
    fstat(s, &a);
    fstat(s2, &b);
    printf("fstat: S_ISSOCK %d, mode %o, nlink %lu, size %ld, inodes differ %d, same dev %d\n",
           S_ISSOCK(a.st_mode), a.st_mode, (unsigned long)a.st_nlink, (long)a.st_size,
           a.st_ino != b.st_ino, a.st_dev == b.st_dev);
    int d = dup(s);
    fstat(d, &b);
    printf("dup: same inode %d\n", a.st_ino == b.st_ino);
    show("lseek", lseek(s, 0, SEEK_SET));
    show("pread", pread(s, buf, 1, 0));
    show("read unconnected stream", read(s, buf, 1));
    show("write unconnected stream", write(s, buf, 1));
    show("socket after close", (close(d), close(s2), close(s)));
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("sendmsg bad msghdr", sendmsg(sv[0], BAD, 0));
    mh.msg_iov = BAD;
    mh.msg_iovlen = 1;
    show("sendmsg bad iov", sendmsg(sv[0], &mh, 0));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1025;
    show("sendmsg iovlen 1025", sendmsg(sv[0], &mh, 0));
    mh.msg_iovlen = 1;
    iov.iov_len = (size_t)-1;
    show("sendmsg iov_len -1", sendmsg(sv[0], &mh, 0));
    iov.iov_len = 2;
    mh.msg_name = &sun;
    mh.msg_namelen = -1;
    show("sendmsg namelen -1", sendmsg(sv[0], &mh, 0));
    mh.msg_namelen = 300;
    show("sendmsg namelen 300 (stream)", sendmsg(sv[0], &mh, 0));
    mh.msg_name = NULL;
    show("sendmsg namelen 300 without name", sendmsg(sv[0], &mh, 0));
    mh.msg_control = buf;
    mh.msg_controllen = (size_t)1 << 33;
    show("sendmsg controllen 2^33", sendmsg(sv[0], &mh, 0));
    mh.msg_control = NULL;
    mh.msg_controllen = 0;
    show("sendmsg ok", sendmsg(sv[0], &mh, 0));
    show("recvmsg bad msghdr", recvmsg(sv[1], BAD, 0));
    mh.msg_name = &sun;
    mh.msg_namelen = -1;
    show("recvmsg namelen -1", recvmsg(sv[1], &mh, 0));
    mh.msg_name = NULL;
    mh.msg_namelen = 0;
    show("recvmsg ok", recvmsg(sv[1], &mh, 0));
    printf("  msg_flags %d namelen %d\n", mh.msg_flags, mh.msg_namelen);
    show("send bad buffer", send(sv[0], BAD, 10, 0));
    show("send kernel buffer", send(sv[0], (void*)0xffffffff80000000UL, 10, 0));
    write(sv[0], "abc", 3);
    show("recv bad buffer", recv(sv[1], BAD, 10, 0));
    show("FIONREAD after bad recv", (ioctl(sv[1], FIONREAD, &v), v));
    struct timespec bad_ts = {0, 2000000000};
    struct mmsghdr mm = {{0}};
    show("recvmmsg bad timeout", recvmmsg(sv[1], &mm, 1, 0, &bad_ts));
    show("recvmmsg timeout pointer bad", recvmmsg(sv[1], &mm, 1, 0, BAD));
    show("recvmmsg bad vector", recvmmsg(sv[1], BAD, 1, 0, NULL));
    show("sendmmsg bad vector", sendmmsg(sv[0], BAD, 1, 0));
    show("sendmmsg vlen 0", sendmmsg(sv[0], &mm, 0, 0));
    printf("done\n");
    return 0;
}
