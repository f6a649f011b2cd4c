/* The guest side of tests/suites/net_offload.sh: a server the host-side
 * peer (net_offload_peer.py) drives over TCP and UDP, IPv4 and IPv6.
 *   net_offload_app PORT   listens on 0.0.0.0:PORT and [::]:PORT (TCP) and
 *                          echoes UDP datagrams on both; each TCP connection
 *                          carries one command line:
 *     "S N\n"  the guest sends N bytes of its own pattern, then the SHA-256
 *              of those bytes in hex (the peer checks one against the other)
 *     "R N\n"  the guest reads N bytes, sends "A" once it has them all, then
 *              the SHA-256 of what it read in hex
 *     "Q\n"    the guest exits with status 0
 *   (a connection closed before any command is just closed)
 * Any failure ends the program with status 1. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BYTES (16u << 20)

static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char* p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + k256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

/* The SHA-256 of [p, p + n) as 64 hex digits and a NUL. */
static void sha256_hex(const unsigned char* p, size_t n, char out[65]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t full = n / 64 * 64;
    for (size_t i = 0; i < full; i += 64)
        sha256_block(h, p + i);
    unsigned char tail[128] = {0};
    size_t rest = n - full;
    memcpy(tail, p + full, rest);
    tail[rest] = 0x80;
    size_t tlen = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++)
        tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t i = 0; i < tlen; i += 64)
        sha256_block(h, tail + i);
    for (int i = 0; i < 8; i++)
        sprintf(out + 8 * i, "%08x", h[i]);
}

static unsigned char* g_out; /* the guest's pattern */
static unsigned char* g_in;  /* what the guest reads */

static void die(const char* what) {
    perror(what);
    exit(1);
}

static void write_all(int fd, const void* p, size_t n) {
    const unsigned char* b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w <= 0)
            die("write");
        b += w;
        n -= (size_t)w;
    }
}

static void tcp_command(int fd) {
    char line[64];
    size_t len = 0;
    while (len < sizeof(line) - 1) {
        ssize_t r = read(fd, line + len, 1);
        if (r == 0 && len == 0) {
            close(fd); /* a connection that only checks the guest is up */
            return;
        }
        if (r != 1)
            die("read command");
        if (line[len++] == '\n')
            break;
    }
    line[len] = 0;
    char hex[65];
    unsigned long n = 0;
    if (line[0] == 'Q') {
        close(fd);
        printf("quit\n");
        exit(0);
    } else if (line[0] == 'S' && sscanf(line + 1, "%lu", &n) == 1 && n <= MAX_BYTES) {
        sha256_hex(g_out, n, hex);
        write_all(fd, g_out, n);
        write_all(fd, hex, 64);
        printf("sent %lu\n", n);
    } else if (line[0] == 'R' && sscanf(line + 1, "%lu", &n) == 1 && n <= MAX_BYTES) {
        for (size_t off = 0; off < n;) {
            ssize_t r = read(fd, g_in + off, n - off);
            if (r <= 0)
                die("read data");
            off += (size_t)r;
        }
        write_all(fd, "A", 1);
        sha256_hex(g_in, n, hex);
        write_all(fd, hex, 64);
        printf("received %lu\n", n);
    } else {
        fprintf(stderr, "bad command '%s'\n", line);
        exit(1);
    }
    close(fd);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 2)
        return 2;
    int port = atoi(argv[1]);
    g_out = malloc(MAX_BYTES);
    g_in = malloc(MAX_BYTES);
    if (!g_out || !g_in)
        die("malloc");
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < MAX_BYTES; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        g_out[i] = (unsigned char)x;
    }
    int one = 1;
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    int fds[4];
    for (int i = 0; i < 4; i++) {
        int v6 = i & 1, udp = i >> 1;
        fds[i] = socket(v6 ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        if (fds[i] < 0)
            die("socket");
        setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (v6 && setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
            die("IPV6_V6ONLY");
        if (bind(fds[i], v6 ? (struct sockaddr*)&a6 : (struct sockaddr*)&a4,
                 v6 ? sizeof(a6) : sizeof(a4)) < 0)
            die("bind");
        if (!udp && listen(fds[i], 8) < 0)
            die("listen");
    }
    printf("listening on %d\n", port);
    static unsigned char dgram[65536];
    for (;;) {
        struct pollfd p[4];
        for (int i = 0; i < 4; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (poll(p, 4, -1) < 0)
            die("poll");
        for (int i = 0; i < 4; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            if (i < 2) {
                int c = accept(fds[i], NULL, NULL);
                if (c < 0)
                    die("accept");
                tcp_command(c);
                continue;
            }
            struct sockaddr_storage from;
            socklen_t fl = sizeof(from);
            ssize_t r = recvfrom(fds[i], dgram, sizeof(dgram), 0, (struct sockaddr*)&from, &fl);
            if (r < 0)
                die("recvfrom");
            if (sendto(fds[i], dgram, (size_t)r, 0, (struct sockaddr*)&from, fl) != r)
                die("sendto");
        }
    }
}
