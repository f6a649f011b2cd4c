/* AF_UNIX addresses and connections, each result as Linux gives it: bind
 * to a path (a socket node; EADDRINUSE when the path exists, EINVAL when
 * already bound), to an abstract name and with an empty address
 * (autobind); connect (ENOENT, ECONNREFUSED, EPROTOTYPE, EISCONN), listen
 * and accept, the backlog (a non-blocking connect gets EAGAIN once it is
 * full, a blocking one waits for accept), non-blocking accept;
 * getsockname/getpeername with Linux's lengths; SO_PEERCRED,
 * SO_ACCEPTCONN; datagrams (boundaries, MSG_TRUNC both ways, sender
 * addresses, EMSGSIZE, connect and EPERM) and seqpacket. */
//! run: --timeout 60 --
//! status: 0
//! native
//! expect: done
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

static socklen_t path_addr(struct sockaddr_un* a, const char* path) {
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void show_name(const char* what, int fd, int peer) {
    struct sockaddr_un a;
    memset(&a, 0x55, sizeof(a));
    socklen_t len = sizeof(a);
    int r = peer ? getpeername(fd, (struct sockaddr*)&a, &len) : getsockname(fd, (struct sockaddr*)&a, &len);
    if (r)
        printf("%s: -1 %s\n", what, sock_errname(errno));
    else if (len > 2 && a.sun_path[0] == 0)
        printf("%s: len %u abstract \"%.*s\"\n", what, len, (int)len - 3, a.sun_path + 1);
    else
        printf("%s: len %u family %d path \"%.*s\"\n", what, len, a.sun_family,
               len > 2 ? (int)len - 2 : 0, a.sun_path);
}

static struct sockaddr_un srv_addr;
static socklen_t srv_len;

static void* late_accept(void* arg) {
    int l = *(int*)arg;
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    int c = accept(l, NULL, NULL);
    close(c);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[] = "/tmp/unix_addr.XXXXXX";
    mkdtemp(dir);
    chdir(dir);
    struct sockaddr_un a;
    socklen_t len;
    char buf[64];

    /* Path names. */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    show_name("unbound name", l, 0);
    srv_len = path_addr(&srv_addr, "srv.sock");
    show("bind to a path", bind(l, (struct sockaddr*)&srv_addr, srv_len));
    struct stat st;
    show("stat of the node", stat("srv.sock", &st));
    printf("  S_ISSOCK %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 07777);
    show_name("bound name", l, 0);
    show("bind again", bind(l, (struct sockaddr*)&srv_addr, srv_len));
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind to the same path", bind(l2, (struct sockaddr*)&srv_addr, srv_len));
    len = path_addr(&a, "no/such/dir/x");
    show("bind under a missing directory", bind(l2, (struct sockaddr*)&a, len));
    len = path_addr(&a, "srv2.sock");
    show("bind with the length past the NUL", bind(l2, (struct sockaddr*)&a, sizeof(a)));
    show_name("  its name", l2, 0);
    close(l2);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect before listen", connect(c, (struct sockaddr*)&srv_addr, srv_len));
    show("listen", listen(l, 1));
    int v = 0;
    len = sizeof(v);
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
    printf("SO_ACCEPTCONN %d\n", v);
    len = path_addr(&a, "missing.sock");
    show("connect to a missing path", connect(c, (struct sockaddr*)&a, len));
    int f = open("plain", O_CREAT | O_WRONLY, 0600);
    close(f);
    len = path_addr(&a, "plain");
    show("connect to a regular file", connect(c, (struct sockaddr*)&a, len));
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("connect a datagram socket to a stream listener", connect(dg, (struct sockaddr*)&srv_addr, srv_len));
    show("connect", connect(c, (struct sockaddr*)&srv_addr, srv_len));
    show("connect again", connect(c, (struct sockaddr*)&srv_addr, srv_len));
    show_name("client name", c, 0);
    show_name("client peer", c, 1);
    write(c, "hello", 5);
    memset(&a, 0x55, sizeof(a));
    len = sizeof(a);
    int s = accept(l, (struct sockaddr*)&a, &len);
    printf("accept: %d, peer len %u family %d\n", s >= 0, len, a.sun_family);
    show_name("accepted name", s, 0);
    show_name("accepted peer", s, 1);
    show("read what came before accept", read(s, buf, sizeof(buf)));
    struct ucred cr;
    len = sizeof(cr);
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len);
    printf("SO_PEERCRED: len %u, pid is mine %d, uid is mine %d, gid is mine %d\n", len,
           cr.pid == getpid(), cr.uid == getuid(), cr.gid == getgid());
    len = sizeof(cr);
    getsockopt(dg, SOL_SOCKET, SO_PEERCRED, &cr, &len);
    printf("SO_PEERCRED unconnected: pid %d uid %d gid %d\n", cr.pid, (int)cr.uid, (int)cr.gid);
    close(s);
    close(c);

    /* The backlog: listen(1) takes two connections. */
    int cs[4];
    for (int i = 0; i < 4; i++) {
        cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        snprintf(buf, sizeof(buf), "non-blocking connect %d", i);
        show(buf, connect(cs[i], (struct sockaddr*)&srv_addr, srv_len));
    }
    struct pollfd pf = {l, POLLIN, 0};
    show("poll on the listener", poll(&pf, 1, 0));
    int blocking = socket(AF_UNIX, SOCK_STREAM, 0);
    pthread_t t;
    pthread_create(&t, NULL, late_accept, &l);
    show("blocking connect waits for accept", connect(blocking, (struct sockaddr*)&srv_addr, srv_len));
    pthread_join(t, NULL);
    for (int i = 0; i < 4; i++)
        close(cs[i]);
    s = accept(l, NULL, NULL);
    show("accept a connection whose client closed", s >= 0);
    show("  read from it", read(s, buf, 1));
    close(s);
    s = accept(l, NULL, NULL);
    close(s);
    fcntl(l, F_SETFL, O_NONBLOCK);
    show("non-blocking accept, nothing pending", accept(l, NULL, NULL));
    close(blocking);
    close(l);
    show("connect after the listener closed", connect(dg, (struct sockaddr*)&srv_addr, srv_len));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect after the listener closed (stream)", connect(c, (struct sockaddr*)&srv_addr, srv_len));
    close(c);
    unlink("srv.sock");

    /* Abstract names and autobind. */
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, "\0abstract-test", 14);
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 14;
    show("bind abstract", bind(l, (struct sockaddr*)&a, alen));
    show_name("abstract name", l, 0);
    l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind the same abstract name", bind(l2, (struct sockaddr*)&a, alen));
    listen(l, 5);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect abstract", connect(c, (struct sockaddr*)&a, alen));
    show("connect abstract, one byte more", connect(l2, (struct sockaddr*)&a, alen + 1));
    s = accept(l, NULL, NULL);
    close(s);
    close(c);
    close(l);
    show("bind the abstract name once it is free", bind(l2, (struct sockaddr*)&a, alen));
    close(l2);
    l = socket(AF_UNIX, SOCK_DGRAM, 0);
    a.sun_family = AF_UNIX;
    show("bind an empty address (autobind)", bind(l, (struct sockaddr*)&a, sizeof(sa_family_t)));
    len = sizeof(a);
    getsockname(l, (struct sockaddr*)&a, &len);
    printf("  len %u, abstract %d\n", len, a.sun_path[0] == 0);
    close(l);

    /* Datagrams. */
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a1, a2;
    socklen_t l1 = path_addr(&a1, "d1"), lb2 = path_addr(&a2, "d2");
    bind(d1, (struct sockaddr*)&a1, l1);
    bind(d2, (struct sockaddr*)&a2, lb2);
    show("sendto", sendto(d1, "first", 5, 0, (struct sockaddr*)&a2, lb2));
    show("sendto empty", sendto(d1, "", 0, 0, (struct sockaddr*)&a2, lb2));
    show("sendto third", sendto(d1, "third message", 13, 0, (struct sockaddr*)&a2, lb2));
    show("send unconnected", send(d1, "x", 1, 0));
    ioctl(d2, FIONREAD, &v);
    printf("FIONREAD: %d\n", v);
    memset(&a, 0, sizeof(a));
    len = sizeof(a);
    show("recvfrom", recvfrom(d2, buf, sizeof(buf), 0, (struct sockaddr*)&a, &len));
    printf("  from len %u path %s\n", len, a.sun_path);
    show("recv the empty one", recv(d2, buf, sizeof(buf), 0));
    show("recv 5 of 13 with MSG_PEEK|MSG_TRUNC", recv(d2, buf, 5, MSG_PEEK | MSG_TRUNC));
    struct iovec iov = {buf, 5};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    show("recvmsg 5 of 13", recvmsg(d2, &mh, 0));
    printf("  MSG_TRUNC %d, %.5s\n", !!(mh.msg_flags & MSG_TRUNC), buf);
    show("nothing left", recv(d2, buf, sizeof(buf), MSG_DONTWAIT));
    static char huge[300000];
    show("a datagram larger than the buffer", sendto(d1, huge, sizeof(huge), 0, (struct sockaddr*)&a2, lb2));
    int d3 = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("connect d2 to d1", connect(d2, (struct sockaddr*)&a1, l1));
    show_name("d2 peer", d2, 1);
    show("d3 sends to connected d2", sendto(d3, "x", 1, 0, (struct sockaddr*)&a2, lb2));
    show("d1 sends to d2", sendto(d1, "y", 1, 0, (struct sockaddr*)&a2, lb2));
    show("d2 sends without an address", send(d2, "z", 1, 0));
    memset(&a, 0, sizeof(a));
    len = sizeof(a);
    show("d1 receives", recvfrom(d1, buf, sizeof(buf), 0, (struct sockaddr*)&a, &len));
    printf("  from len %u path %s\n", len, a.sun_path);
    struct sockaddr unspec = {AF_UNSPEC};
    show("disconnect with AF_UNSPEC", connect(d2, &unspec, sizeof(unspec)));
    show_name("d2 peer after", d2, 1);
    len = sizeof(a);
    show("unnamed sender", sendto(d3, "w", 1, 0, (struct sockaddr*)&a2, lb2));
    /* The disconnect dropped d1's "y": what comes is d3's. */
    show("recvfrom of an unnamed sender", recvfrom(d2, buf, sizeof(buf), 0, (struct sockaddr*)&a, &len));
    printf("  from len %u\n", len);
    show("sendto a missing path", sendto(d3, "x", 1, 0, (struct sockaddr*)&a, path_addr(&a, "none")));
    close(d1);
    show("sendto a closed socket's path", sendto(d3, "x", 1, 0, (struct sockaddr*)&a1, l1));
    close(d2);
    close(d3);

    /* Datagram socketpair: connected both ways. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send(sv[0], "ab", 2, 0);
    send(sv[0], "cde", 3, 0);
    show("dgram pair recv", recv(sv[1], buf, sizeof(buf), 0));
    show("dgram pair recv", recv(sv[1], buf, sizeof(buf), 0));
    close(sv[1]);
    show("send to a closed pair", send(sv[0], "x", 1, 0));
    show("send again", send(sv[0], "x", 1, 0));
    close(sv[0]);

    /* Seqpacket: connection and boundaries. */
    l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    len = path_addr(&a, "seq");
    bind(l, (struct sockaddr*)&a, len);
    listen(l, 2);
    c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show("seqpacket send unconnected", send(c, "x", 1, 0));
    show("seqpacket connect", connect(c, (struct sockaddr*)&a, len));
    s = accept(l, NULL, NULL);
    send(c, "one", 3, 0);
    send(c, "second", 6, 0);
    show("seqpacket recv", recv(s, buf, sizeof(buf), 0));
    mh.msg_flags = 0;
    iov.iov_len = 2;
    show("seqpacket recvmsg 2 of 6", recvmsg(s, &mh, 0));
    printf("  MSG_TRUNC %d\n", !!(mh.msg_flags & MSG_TRUNC));
    close(c);
    show("seqpacket recv after the peer closed", recv(s, buf, sizeof(buf), 0));
    close(s);
    close(l);
    unlink("seq");
    unlink("d1");
    unlink("d2");
    unlink("srv2.sock");
    unlink("plain");
    chdir("/");
    show("rmdir", rmdir(dir));
    printf("done\n");
    return 0;
}
