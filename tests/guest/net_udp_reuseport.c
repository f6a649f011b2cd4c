/* UDP SO_REUSEPORT over loopback, as Linux has it: two sockets with the
 * option share a port, a third without it gets EADDRINUSE, and datagrams
 * from many senders (each its own source port) are spread between the two,
 * each sender's always to the same one; every datagram arrives once. */
//! run: --
//! native
//! status: 0
//! expect: third bind EADDRINUSE
//! expect: received 64 of 64, both sockets some yes, each sender to one socket yes
//! expect: done
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { senders = 32 };

static int receiver(struct sockaddr_in* a, int reuse) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &reuse, sizeof(reuse));
    if (bind(s, (struct sockaddr*)a, sizeof(*a)) < 0) {
        int e = errno;
        close(s);
        return -e;
    }
    socklen_t al = sizeof(*a);
    getsockname(s, (struct sockaddr*)a, &al);
    return s;
}

// Reads what waits on `s`; records which socket (1 or 2) each sender's
// datagrams reached. Returns how many.
static int drain(int s, int which, int* seen) {
    char buf[64];
    int n = 0;
    for (;;) {
        ssize_t r = recv(s, buf, sizeof(buf), 0);
        if (r < 0)
            return n;
        int id;
        if (sscanf(buf, "sender %d", &id) == 1 && id >= 0 && id < senders) {
            seen[id] |= which;
            n++;
        }
    }
}

int main(void) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r1 = receiver(&a, 1);
    int r2 = receiver(&a, 1);
    int r3 = receiver(&a, 0);
    if (r1 < 0 || r2 < 0) {
        printf("bind failed %d %d\n", r1, r2);
        return 1;
    }
    printf("third bind %s\n", r3 == -EADDRINUSE ? "EADDRINUSE" : "bound");
    int tx[senders];
    for (int i = 0; i < senders; i++)
        tx[i] = socket(AF_INET, SOCK_DGRAM, 0);
    // Each sender twice, in two rounds.
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < senders; i++) {
            char msg[32];
            int len = snprintf(msg, sizeof(msg), "sender %d", i);
            sendto(tx[i], msg, (size_t)len + 1, 0, (struct sockaddr*)&a, sizeof(a));
        }
    int seen[senders] = {0};
    int n1 = 0, n2 = 0;
    for (int tries = 0; tries < 50 && n1 + n2 < 2 * senders; tries++) {
        struct pollfd p[2] = {{r1, POLLIN, 0}, {r2, POLLIN, 0}};
        poll(p, 2, 100);
        n1 += drain(r1, 1, seen);
        n2 += drain(r2, 2, seen);
    }
    int one = 1;
    for (int i = 0; i < senders; i++)
        if (seen[i] != 1 && seen[i] != 2)
            one = 0;
    printf("received %d of %d, both sockets some %s, each sender to one socket %s\n", n1 + n2,
           2 * senders, n1 && n2 ? "yes" : "no", one ? "yes" : "no");
    for (int i = 0; i < senders; i++)
        close(tx[i]);
    close(r1);
    close(r2);
    printf("done\n");
    return 0;
}
