/* TCP over 127.0.0.1 between two threads: an echo server and a client that
 * sends messages of many sizes (1 byte to 16 MiB) from one thread while it
 * reads the echo in another, checking every byte; then the addresses both
 * ends report and end of file after the client's close. */
//! run: --
//! native
//! status: 0
//! expect: size 16777216 ok
//! expect: done
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener;
static int accepted_loopback, accepted_len, saw_eof;

static void* server(void* arg) {
    (void)arg;
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int c = accept(listener, (struct sockaddr*)&peer, &plen);
    if (c < 0) {
        perror("accept");
        exit(1);
    }
    accepted_loopback = peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    accepted_len = (int)plen;
    static char buf[65536];
    for (;;) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n < 0) {
            perror("server read");
            exit(1);
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, n - off);
            if (w <= 0) {
                perror("server write");
                exit(1);
            }
            off += w;
        }
    }
    saw_eof = 1;
    close(c);
    return NULL;
}

struct job {
    int fd;
    const unsigned char* data;
    size_t len;
};

static void* sender(void* arg) {
    struct job* j = arg;
    for (size_t off = 0; off < j->len;) {
        ssize_t w = send(j->fd, j->data + off, j->len - off, 0);
        if (w <= 0) {
            perror("send");
            exit(1);
        }
        off += w;
    }
    return NULL;
}

int main(void) {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr*)&a, sizeof(a)) || listen(listener, 4)) {
        perror("bind/listen");
        return 1;
    }
    socklen_t alen = sizeof(a);
    getsockname(listener, (struct sockaddr*)&a, &alen);
    printf("listening: len %d port nonzero %d\n", (int)alen, a.sin_port != 0);
    pthread_t st;
    pthread_create(&st, NULL, server, NULL);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr*)&a, sizeof(a))) {
        perror("connect");
        return 1;
    }
    struct sockaddr_in me, peer;
    socklen_t ml = sizeof(me), pl = sizeof(peer);
    getsockname(fd, (struct sockaddr*)&me, &ml);
    getpeername(fd, (struct sockaddr*)&peer, &pl);
    printf("client: local loopback %d, peer port matches %d\n",
           me.sin_addr.s_addr == htonl(INADDR_LOOPBACK), peer.sin_port == a.sin_port);

    static const size_t sizes[] = {1, 2, 100, 1460, 1461, 4096, 65535, 65536, 100000, 1 << 20, 16 << 20};
    size_t max = 16 << 20;
    unsigned char* out = malloc(max);
    unsigned char* in = malloc(max);
    for (size_t i = 0; i < max; i++)
        out[i] = (unsigned char)(i * 7 + (i >> 13));
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t len = sizes[k];
        struct job j = {fd, out + k, len};
        pthread_t t;
        pthread_create(&t, NULL, sender, &j);
        size_t got = 0;
        while (got < len) {
            ssize_t n = recv(fd, in + got, len - got, 0);
            if (n <= 0) {
                printf("recv: %zd %s\n", n, strerror(errno));
                return 1;
            }
            got += n;
        }
        pthread_join(t, NULL);
        printf("size %zu %s\n", len, memcmp(in, out + k, len) == 0 ? "ok" : "CORRUPT");
    }
    close(fd);
    pthread_join(st, NULL);
    printf("accepted from 127.0.0.1: %d, peer len %d, end of file %d\n", accepted_loopback,
           accepted_len, saw_eof);
    close(listener);
    printf("done\n");
    return 0;
}
