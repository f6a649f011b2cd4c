/* TCP_CORK over 127.0.0.1: while a socket is corked, small writes wait to
 * be sent together, so a header and a body written apart (as a web server
 * writes a response before sendfile) reach the peer as one read once the
 * cork is pulled; twice on one connection, the second after the first was
 * acknowledged. MSG_MORE on the header's send does the same for one
 * send. Then a large corked response read by another thread arrives
 * whole, and TCP_CORK reads back as set. */
//! run: --
//! native
//! status: 0
//! expect: response 2: read 400 bytes, intact
//! expect: MSG_MORE: read 400 bytes, intact
//! expect: large: 100150 bytes, intact
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

static void die(const char* what) {
    perror(what);
    exit(1);
}

static void cork(int fd, int on) {
    if (setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)) != 0)
        die("TCP_CORK");
}

static void write_all(int fd, const char* p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            die("write");
        p += w;
        n -= (size_t)w;
    }
}

/* The byte at offset i of response part `part`. */
static char byte_at(int part, size_t i) { return (char)('a' + (part * 7 + i) % 26); }

static void fill(char* p, int part, size_t n) {
    for (size_t i = 0; i < n; i++)
        p[i] = byte_at(part, i);
}

static int intact(const char* p, int part, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != byte_at(part, i))
            return 0;
    return 1;
}

static int client_fd;
static size_t large_total;
static char large_buf[100150];

static void* read_large(void* arg) {
    (void)arg;
    while (large_total < sizeof(large_buf)) {
        ssize_t n = read(client_fd, large_buf + large_total, sizeof(large_buf) - large_total);
        if (n <= 0)
            die("read large");
        large_total += (size_t)n;
    }
    return NULL;
}

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr*)&a, &alen) != 0)
        die("listen");
    client_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (client_fd < 0 || connect(client_fd, (struct sockaddr*)&a, sizeof(a)) != 0)
        die("connect");
    int s = accept(l, NULL, NULL);
    if (s < 0)
        die("accept");

    int v = -1;
    socklen_t vlen = sizeof(v);
    getsockopt(s, IPPROTO_TCP, TCP_CORK, &v, &vlen);
    printf("TCP_CORK at first: %d\n", v);

    static char head[100], body[300], got[4096];
    fill(head, 0, sizeof(head));
    fill(body, 1, sizeof(body));
    for (int round = 1; round <= 2; round++) {
        cork(s, 1);
        vlen = sizeof(v);
        getsockopt(s, IPPROTO_TCP, TCP_CORK, &v, &vlen);
        printf("response %d: TCP_CORK %d\n", round, v);
        write_all(s, head, sizeof(head));
        write_all(s, body, sizeof(body));
        cork(s, 0);
        ssize_t n = read(client_fd, got, sizeof(got));
        int ok = n == 400 && intact(got, 0, 100) && intact(got + 100, 1, 300);
        printf("response %d: read %zd bytes, %s\n", round, n, ok ? "intact" : "damaged");
        /* The client's next request acknowledges the response. */
        write_all(client_fd, "next", 4);
        n = read(s, got, sizeof(got));
        printf("request %d: %zd bytes\n", round + 1, n);
    }

    if (send(s, head, sizeof(head), MSG_MORE) != (ssize_t)sizeof(head) ||
        send(s, body, sizeof(body), 0) != (ssize_t)sizeof(body))
        die("send");
    ssize_t got_n = read(client_fd, got, sizeof(got));
    int more_ok = got_n == 400 && intact(got, 0, 100) && intact(got + 100, 1, 300);
    printf("MSG_MORE: read %zd bytes, %s\n", got_n, more_ok ? "intact" : "damaged");
    write_all(client_fd, "next", 4);
    printf("request 4: %zd bytes\n", read(s, got, sizeof(got)));

    pthread_t t;
    if (pthread_create(&t, NULL, read_large, NULL) != 0)
        die("pthread_create");
    static char big[100000], tail[50];
    fill(big, 2, sizeof(big));
    fill(tail, 3, sizeof(tail));
    cork(s, 1);
    write_all(s, head, sizeof(head));
    write_all(s, big, sizeof(big));
    write_all(s, tail, sizeof(tail));
    cork(s, 0);
    pthread_join(t, NULL);
    int ok = intact(large_buf, 0, 100) && intact(large_buf + 100, 2, sizeof(big)) &&
             intact(large_buf + 100 + sizeof(big), 3, sizeof(tail));
    printf("large: %zu bytes, %s\n", large_total, ok ? "intact" : "damaged");

    show("close server end", close(s));
    ssize_t n = read(client_fd, got, sizeof(got));
    show("read at end", (long)n);
    close(client_fd);
    close(l);
    return 0;
}
