/* The guest side of tests/suites/net.sh.
 *   net_app connect ADDR PORT N  connects to ADDR:PORT, sends N bytes of a
 *                                pattern, reads back N bytes the peer sends
 *                                (the same pattern, offset by one) and checks
 *                                them; prints its own address
 *   net_app serve PORT N         accepts one connection on PORT, reads N
 *                                bytes and checks them, answers N bytes
 *   net_app resolv               prints /etc/resolv.conf and /etc/hosts
 * Exit status 0 when every byte was right. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char pattern(size_t i, int shift) {
    return (unsigned char)((i * 7 + (size_t)shift) % 251);
}

static int send_all(int fd, size_t n, int shift) {
    unsigned char buf[8192];
    for (size_t off = 0; off < n;) {
        size_t chunk = n - off < sizeof(buf) ? n - off : sizeof(buf);
        for (size_t i = 0; i < chunk; i++)
            buf[i] = pattern(off + i, shift);
        ssize_t w = write(fd, buf, chunk);
        if (w <= 0) {
            perror("write");
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

static int recv_check(int fd, size_t n, int shift) {
    unsigned char buf[8192];
    for (size_t off = 0; off < n;) {
        size_t want = n - off < sizeof(buf) ? n - off : sizeof(buf);
        ssize_t r = read(fd, buf, want);
        if (r < 0) {
            perror("read");
            return -1;
        }
        if (r == 0) {
            printf("early end of file after %zu bytes\n", off);
            return -1;
        }
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] != pattern(off + (size_t)i, shift)) {
                printf("byte %zu wrong\n", off + (size_t)i);
                return -1;
            }
        }
        off += (size_t)r;
    }
    return 0;
}

static void print_file(const char* path) {
    FILE* f = fopen(path, "r");
    if (!f) {
        printf("%s: %s\n", path, strerror(errno));
        return;
    }
    char line[256];
    while (fgets(line, sizeof(line), f))
        printf("%s: %s", path, line);
    fclose(f);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "resolv") == 0) {
        print_file("/etc/resolv.conf");
        print_file("/etc/hosts");
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "connect") == 0) {
        size_t n = strtoul(argv[4], NULL, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
        if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1)
            return 2;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof(a)) < 0) {
            perror("connect");
            return 1;
        }
        struct sockaddr_in me;
        socklen_t len = sizeof(me);
        getsockname(fd, (struct sockaddr*)&me, &len);
        char addr[INET_ADDRSTRLEN];
        printf("connected from %s\n", inet_ntop(AF_INET, &me.sin_addr, addr, sizeof(addr)));
        if (send_all(fd, n, 0) || recv_check(fd, n, 1))
            return 1;
        shutdown(fd, SHUT_WR);
        char c;
        if (read(fd, &c, 1) != 0) {
            printf("no end of file from the peer\n");
            return 1;
        }
        close(fd);
        printf("exchanged %zu bytes each way\n", n);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "serve") == 0) {
        size_t n = strtoul(argv[3], NULL, 0);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        if (bind(s, (struct sockaddr*)&a, sizeof(a)) < 0 || listen(s, 4) < 0) {
            perror("bind/listen");
            return 1;
        }
        printf("listening\n");
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            perror("accept");
            return 1;
        }
        if (recv_check(c, n, 0) || send_all(c, n, 1))
            return 1;
        /* The VM ends with the app: wait for the peer's end of file, which
         * it sends once it has every byte, before exiting. */
        shutdown(c, SHUT_WR);
        char ch;
        if (read(c, &ch, 1) != 0) {
            printf("no end of file from the peer\n");
            return 1;
        }
        close(c);
        printf("served %zu bytes each way\n", n);
        return 0;
    }
    fprintf(stderr, "usage: net_app connect ADDR PORT N | serve PORT N | resolv\n");
    return 2;
}
