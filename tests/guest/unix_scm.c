/* Ancillary data over AF_UNIX: SCM_RIGHTS passes open files (a pipe's
 * ends, a socket) over stream and datagram sockets, the received fds work
 * and share the file offset/state; a control buffer too small for every fd
 * gives MSG_CTRUNC and the fds that fit; MSG_PEEK installs copies; a read
 * stops after the message that carried files; bad fds are EBADF and bad
 * control messages EINVAL; SO_PASSCRED adds SCM_CREDENTIALS (this process's
 * ids), also sent explicitly; MSG_CMSG_CLOEXEC. */
//! run: --
//! native
//! status: 0
//! expect: done
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

static long send_fds(int s, const char* data, const int* fds, int n) {
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {(void*)data, strlen(data)};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (n) {
        mh.msg_control = ctl;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    return sendmsg(s, &mh, 0);
}

/* Receives into `buf` with a control buffer of `ctl_len`; prints what came. */
static int recv_fds(const char* what, int s, char* buf, size_t len, size_t ctl_len, int flags,
                    int* fds) {
    char ctl[256] __attribute__((aligned(8)));
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {buf, len};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl_len ? ctl : NULL;
    mh.msg_controllen = ctl_len;
    long n = recvmsg(s, &mh, flags);
    int nf = 0;
    if (n < 0) {
        printf("%s: -1 %s\n", what, sock_errname(errno));
        return 0;
    }
    printf("%s: %ld \"%.*s\" ctrunc %d controllen %zu\n", what, n, (int)n, buf,
           !!(mh.msg_flags & MSG_CTRUNC), (size_t)mh.msg_controllen);
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            printf("  SCM_RIGHTS %d fds\n", k);
            memcpy(fds + nf, CMSG_DATA(c), k * sizeof(int));
            nf += k;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof(u));
            printf("  SCM_CREDENTIALS pid is mine %d uid %d gid %d\n", u.pid == getpid(),
                   (int)u.uid, (int)u.gid);
        } else {
            printf("  level %d type %d\n", c->cmsg_level, c->cmsg_type);
        }
    }
    return nf;
}

int main(void) {
    int sv[2], p[2], got[16];
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    show("send a pipe's ends", send_fds(sv[0], "files", p, 2));
    int n = recv_fds("recv", sv[1], buf, sizeof(buf), 64, 0, got);
    if (n == 2) {
        write(got[1], "through", 7);
        show("read the original end", read(p[0], buf, sizeof(buf)));
        write(p[1], "back", 4);
        show("read the passed end", read(got[0], buf, sizeof(buf)));
        printf("new fds: %d\n", got[0] != p[0] && got[1] != p[1]);
        close(got[0]);
        close(got[1]);
    }

    /* Too small a buffer: one fd fits. */
    int three[3] = {p[0], p[1], sv[0]};
    send_fds(sv[0], "three", three, 3);
    n = recv_fds("recv with room for one", sv[1], buf, sizeof(buf), CMSG_SPACE(sizeof(int)), 0,
                 got);
    for (int i = 0; i < n; i++)
        close(got[i]);
    send_fds(sv[0], "none", three, 1);
    n = recv_fds("recv without a control buffer", sv[1], buf, sizeof(buf), 0, 0, got);

    /* A read stops after the message with files; the next read goes on. */
    write(sv[0], "ab", 2);
    send_fds(sv[0], "cd", p, 1);
    write(sv[0], "ef", 2);
    n = recv_fds("recv across", sv[1], buf, sizeof(buf), 64, 0, got);
    for (int i = 0; i < n; i++)
        close(got[i]);
    n = recv_fds("recv the rest", sv[1], buf, sizeof(buf), 64, 0, got);

    /* MSG_PEEK installs copies and leaves the files. */
    send_fds(sv[0], "peek", p, 1);
    n = recv_fds("peek", sv[1], buf, sizeof(buf), 64, MSG_PEEK, got);
    for (int i = 0; i < n; i++)
        close(got[i]);
    n = recv_fds("recv after the peek", sv[1], buf, sizeof(buf), 64, MSG_CMSG_CLOEXEC, got);
    if (n)
        printf("FD_CLOEXEC %d\n", fcntl(got[0], F_GETFD));
    for (int i = 0; i < n; i++)
        close(got[i]);

    /* Bad control data. */
    int bad[1] = {999};
    show("send a bad fd", send_fds(sv[0], "x", bad, 1));
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {"x", 1};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof(ctl);
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = 99;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    show("send an unknown type", sendmsg(sv[0], &mh, 0));
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = 8;
    show("send a short cmsg_len", sendmsg(sv[0], &mh, 0));
    c->cmsg_len = 200;
    show("send a long cmsg_len", sendmsg(sv[0], &mh, 0));
    c->cmsg_level = 1000;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    show("send another level", sendmsg(sv[0], &mh, 0));
    n = recv_fds("recv it", sv[1], buf, sizeof(buf), 64, 0, got);
    close(sv[0]);
    close(sv[1]);

    /* Datagrams, and SO_PASSCRED. */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send_fds(sv[0], "dgram", p, 2);
    n = recv_fds("dgram recv", sv[1], buf, sizeof(buf), 64, 0, got);
    for (int i = 0; i < n; i++)
        close(got[i]);
    int on = 1;
    show("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
    send_fds(sv[0], "creds", p, 1);
    n = recv_fds("dgram with creds", sv[1], buf, sizeof(buf), 128, 0, got);
    for (int i = 0; i < n; i++)
        close(got[i]);
    struct ucred u = {getpid(), 0, 0};
    char cc[CMSG_SPACE(sizeof(u))];
    memset(cc, 0, sizeof(cc));
    mh.msg_control = cc;
    mh.msg_controllen = sizeof(cc);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(u));
    memcpy(CMSG_DATA(c), &u, sizeof(u));
    show("send SCM_CREDENTIALS", sendmsg(sv[0], &mh, 0));
    n = recv_fds("recv them", sv[1], buf, sizeof(buf), 128, 0, got);
    c->cmsg_len = CMSG_LEN(sizeof(u) - 4);
    show("send short SCM_CREDENTIALS", sendmsg(sv[0], &mh, 0));
    show("SO_REUSEPORT on AF_UNIX", setsockopt(sv[0], SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)));
    close(sv[0]);
    close(sv[1]);
    printf("done\n");
    return 0;
}
