/* SO_LINGER with a timeout on a connected TCP socket, as Linux has it:
 * close() waits until the peer has taken what was sent. The peer's
 * receive buffer is full and the sender's has more behind it, so close
 * returns only after the peer starts reading (it sleeps first); with a
 * timeout of one second and a peer that does not read, close returns after
 * that second, and the data still arrives afterwards; without SO_LINGER,
 * close returns at once. Over loopback. */
//! run: --
//! native
//! status: 0
//! expect: linger 10: close returned after the reader started yes, data intact yes
//! expect: linger 1: close waited about 1 s yes, data intact yes
//! expect: no linger: close returned before the reader started yes, data intact yes
//! expect: done
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double g_close_end;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct reader {
    int fd;
    double delay;    // seconds before the first read
    double started;  // when it started reading
    size_t got;
    unsigned sum;
};

static void* read_all(void* arg) {
    struct reader* r = arg;
    usleep((useconds_t)(r->delay * 1e6));
    r->started = now();
    char buf[16384];
    for (;;) {
        ssize_t n = read(r->fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            r->sum = r->sum * 31 + (unsigned char)buf[i];
        r->got += (size_t)n;
    }
    return NULL;
}

static int listener(struct sockaddr_in* a) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    // Inherited by the accepted socket: a small window that fills.
    setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr*)a, sizeof(*a)) || listen(l, 4)) {
        perror("listen");
        exit(1);
    }
    socklen_t al = sizeof(*a);
    getsockname(l, (struct sockaddr*)a, &al);
    return l;
}

// One case: connect, fill the connection until the sender's buffer is
// full too, start a reader that waits `delay` seconds, close with `linger`
// (-1: no SO_LINGER). Returns how long close took.
static double one(int l, const struct sockaddr_in* a, int linger, double delay,
                  struct reader* r) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    if (connect(c, (const struct sockaddr*)a, sizeof(*a))) {
        perror("connect");
        exit(1);
    }
    int s = accept(l, NULL, NULL);
    if (s < 0) {
        perror("accept");
        exit(1);
    }
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    static char buf[65536];
    size_t sent = 0;
    unsigned sum = 0;
    // Until the sender's buffer stays full (its data waits for the window).
    for (int tries = 0; tries < 3;) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (char)((sent + i) * 7 + 3);
        ssize_t n = write(c, buf, sizeof(buf));
        if (n < 0 && errno == EAGAIN) {
            tries++;
            usleep(50000);
            continue;
        }
        if (n <= 0) {
            perror("write");
            exit(1);
        }
        for (ssize_t i = 0; i < n; i++)
            sum = sum * 31 + (unsigned char)buf[i];
        sent += (size_t)n;
    }
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
    memset(r, 0, sizeof(*r));
    r->fd = s;
    r->delay = delay;
    pthread_t t;
    pthread_create(&t, NULL, read_all, r);
    if (linger >= 0) {
        struct linger lg = {1, linger};
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    double t0 = now();
    close(c);
    g_close_end = now();
    double took = g_close_end - t0;
    pthread_join(t, NULL);
    close(s);
    if (r->got != sent || r->sum != sum)
        r->got = 0;
    return took;
}

int main(void) {
    struct sockaddr_in a;
    int l = listener(&a);
    struct reader r;

    one(l, &a, 10, 0.5, &r);
    printf("linger 10: close returned after the reader started %s, data intact %s\n",
           g_close_end >= r.started ? "yes" : "no", r.got ? "yes" : "no");

    // The reader starts after two seconds: close gives up after one.
    double took = one(l, &a, 1, 2.0, &r);
    bool ok = took >= 0.9 && g_close_end < r.started;
    printf("linger 1: close waited about 1 s %s, data intact %s\n", ok ? "yes" : "no",
           r.got ? "yes" : "no");
    if (!ok)
        printf("  (close took %.3f s)\n", took);

    one(l, &a, -1, 0.5, &r);
    printf("no linger: close returned before the reader started %s, data intact %s\n",
           g_close_end < r.started ? "yes" : "no", r.got ? "yes" : "no");
    close(l);
    printf("done\n");
    return 0;
}
