/* TCP errors and states over loopback, as Linux reports them: a refused
 * connection (blocking and non-blocking), non-blocking connect with
 * EINPROGRESS, poll and SO_ERROR, EADDRINUSE, SO_RCVTIMEO, half-close,
 * a reset from a close with unread data, EPIPE with MSG_NOSIGNAL. */
//! run: --
//! native
//! status: 0
//! expect: refused ECONNREFUSED
//! expect: done
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char* en(int e) {
    switch (e) {
    case 0: return "0";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EINPROGRESS: return "EINPROGRESS";
    case EADDRINUSE: return "EADDRINUSE";
    case EAGAIN: return "EAGAIN";
    case ECONNRESET: return "ECONNRESET";
    case EPIPE: return "EPIPE";
    case ENOTCONN: return "ENOTCONN";
    case EINVAL: return "EINVAL";
    case EISCONN: return "EISCONN";
    default: return strerror(e);
    }
}

static struct sockaddr_in lo(int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int listener(struct sockaddr_in* a) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    *a = lo(0);
    bind(l, (struct sockaddr*)a, sizeof(*a));
    listen(l, 8);
    socklen_t n = sizeof(*a);
    getsockname(l, (struct sockaddr*)a, &n);
    return l;
}

int main(void) {
    struct sockaddr_in a;
    /* A port nothing listens on: bind one and close it. */
    int l = listener(&a);
    close(l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    int r = connect(c, (struct sockaddr*)&a, sizeof(a));
    printf("refused %s\n", r ? en(errno) : "connected");
    close(c);

    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(c, (struct sockaddr*)&a, sizeof(a));
    int e = r ? errno : 0;
    if (e == EINPROGRESS) {
        struct pollfd p = {c, POLLOUT, 0};
        poll(&p, 1, 5000);
        int err = 0;
        socklen_t el = sizeof(err);
        getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
        e = err;
    }
    printf("non-blocking refused %s\n", en(e));
    close(c);

    l = listener(&a);
    int b = socket(AF_INET, SOCK_STREAM, 0);
    r = bind(b, (struct sockaddr*)&a, sizeof(a));
    printf("bind in use %s\n", r ? en(errno) : "0");
    close(b);

    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(c, (struct sockaddr*)&a, sizeof(a));
    e = r ? errno : 0;
    struct pollfd p = {c, POLLOUT, 0};
    int n = poll(&p, 1, 5000);
    int err = -1;
    socklen_t el = sizeof(err);
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("non-blocking connect %s poll %d revents %#x so_error %d\n",
           e == EINPROGRESS || e == 0 ? "ok" : en(e), n, p.revents, err);
    r = connect(c, (struct sockaddr*)&a, sizeof(a));
    printf("connect again %s\n", r ? en(errno) : "0");
    int s = accept(l, NULL, NULL);
    int fl = fcntl(c, F_GETFL);
    fcntl(c, F_SETFL, fl & ~O_NONBLOCK);

    struct timeval tv = {0, 200000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[64];
    r = recv(s, buf, sizeof(buf), 0);
    printf("recv with timeout %s\n", r < 0 ? en(errno) : "data");
    r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
    printf("recv dontwait %s\n", r < 0 ? en(errno) : "data");

    send(c, "abcdef", 6, 0);
    r = recv(s, buf, 3, MSG_PEEK);
    printf("peek %d %.3s\n", r, buf);
    r = recv(s, buf, 6, MSG_WAITALL);
    printf("waitall %d %.6s\n", r, buf);

    /* Half-close: the client stops writing, still reads. */
    shutdown(c, SHUT_WR);
    r = recv(s, buf, sizeof(buf), 0);
    printf("server read after SHUT_WR %d\n", r);
    r = send(s, "reply", 5, 0);
    printf("server send after peer SHUT_WR %d\n", r);
    r = recv(c, buf, sizeof(buf), 0);
    printf("client read %d %.5s\n", r, buf);
    r = send(c, "x", 1, MSG_NOSIGNAL);
    printf("client send after SHUT_WR %s\n", r < 0 ? en(errno) : "sent");
    close(s);
    r = recv(c, buf, sizeof(buf), 0);
    printf("client read after server close %d\n", r);
    close(c);

    /* Close with unread data resets the connection. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr*)&a, sizeof(a));
    s = accept(l, NULL, NULL);
    send(c, "unread", 6, 0);
    usleep(10000);
    close(s);
    usleep(10000);
    r = recv(c, buf, sizeof(buf), 0);
    printf("recv after reset %s\n", r < 0 ? en(errno) : "data");
    r = send(c, "x", 1, MSG_NOSIGNAL);
    printf("send after reset %s\n", r < 0 ? en(errno) : "sent");
    close(c);

    /* Options. */
    c = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1, v = 0;
    socklen_t vl = sizeof(v);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    printf("nodelay %d\n", v != 0);
    setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, &vl);
    printf("keepalive %d\n", v != 0);
    int sz = 65536;
    setsockopt(c, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    getsockopt(c, SOL_SOCKET, SO_RCVBUF, &v, &vl);
    printf("rcvbuf %d\n", v);
    struct linger lg = {1, 0};
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    socklen_t ll = sizeof(lg);
    memset(&lg, 0, sizeof(lg));
    getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &ll);
    printf("linger %d %d\n", lg.l_onoff != 0, lg.l_linger);
    getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl);
    printf("type %d\n", v);
    r = getpeername(c, (struct sockaddr*)&a, &(socklen_t){sizeof(a)});
    printf("getpeername unconnected %s\n", r ? en(errno) : "0");
    close(c);
    close(l);
    printf("done\n");
    return 0;
}
