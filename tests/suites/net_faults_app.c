/* The guest side of tests/suites/net_faults.sh: a poll() server that must
 * outlive bad traffic. TCP port 80 takes lines: "ECHO text" answers
 * "text", "BIG n" answers n bytes of a pattern, "QUIT" answers "bye" and
 * ends the program with status 0 once every connection is gone; a line
 * not yet ended gets no answer (so a client that vanishes leaves a
 * half-open connection). UDP port 7 echoes datagrams.
 * With the arguments "send N", it instead accepts one connection on port
 * 80, writes N bytes of the pattern and exits at once: the kernel has to
 * send what is still queued after the app is gone. "sendfile PATH" does
 * the same with sendfile(2) from the file PATH (the pattern, in the
 * initrd). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONNS 1500
#define LINE_MAX_LEN 512

struct conn {
    char in[LINE_MAX_LEN];
    size_t in_len;
    char out[LINE_MAX_LEN];
    size_t out_len, out_off;
    unsigned long big_left, big_pos;
};

static struct pollfd fds[MAX_CONNS + 2];
static struct conn* conns[MAX_CONNS + 2];
static int nfds;
static int quitting;

static void drop(int i) {
    close(fds[i].fd);
    free(conns[i]);
    nfds--;
    fds[i] = fds[nfds];
    conns[i] = conns[nfds];
}

static char pattern(unsigned long i) {
    return (char)('a' + (i * 7 + i / 997) % 26);
}

/* Takes complete lines from c->in; returns -1 to close. */
static int handle_lines(struct conn* c) {
    char* nl;
    while (c->out_len == 0 && c->big_left == 0 && (nl = memchr(c->in, '\n', c->in_len))) {
        *nl = 0;
        size_t used = (size_t)(nl - c->in) + 1;
        if (strncmp(c->in, "ECHO ", 5) == 0) {
            c->out_len = (size_t)snprintf(c->out, sizeof c->out, "%s\n", c->in + 5);
        } else if (strncmp(c->in, "BIG ", 4) == 0) {
            c->big_left = strtoul(c->in + 4, NULL, 10);
            c->big_pos = 0;
        } else if (strcmp(c->in, "QUIT") == 0) {
            quitting = 1;
            c->out_len = (size_t)snprintf(c->out, sizeof c->out, "bye\n");
        } else {
            return -1;
        }
        c->out_off = 0;
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
    }
    return 0;
}

static int do_write(int fd, struct conn* c) {
    char buf[16384];
    while (c->out_len || c->big_left) {
        const char* p;
        size_t n;
        if (c->out_len) {
            p = c->out + c->out_off;
            n = c->out_len - c->out_off;
        } else {
            n = c->big_left < sizeof buf ? c->big_left : sizeof buf;
            for (size_t i = 0; i < n; i++)
                buf[i] = pattern(c->big_pos + i);
            p = buf;
        }
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0)
            return errno == EAGAIN ? 0 : -1;
        if (c->out_len) {
            c->out_off += (size_t)k;
            if (c->out_off == c->out_len)
                c->out_len = c->out_off = 0;
        } else {
            c->big_left -= (unsigned long)k;
            c->big_pos += (unsigned long)k;
        }
    }
    return handle_lines(c);
}

/* The one connection the send modes write to. */
static int accept_one(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
    if (bind(l, (struct sockaddr*)&a, sizeof a) || listen(l, 1)) {
        perror("tcp");
        return -1;
    }
    printf("serving\n");
    fflush(stdout);
    return accept(l, NULL, NULL);
}

/* Sends n bytes of the pattern on one accepted connection and returns:
 * from the file f with sendfile(2), or with f < 0 written from a buffer. */
static int send_and_exit(int f, unsigned long n) {
    int c = accept_one();
    if (c < 0)
        return 1;
    char buf[16384];
    unsigned long off = 0;
    while (off < n) {
        size_t k = n - off < sizeof buf ? n - off : sizeof buf;
        ssize_t w;
        if (f >= 0) {
            w = sendfile(c, f, NULL, n - off);
        } else {
            for (size_t i = 0; i < k; i++)
                buf[i] = pattern(off + i);
            w = write(c, buf, k);
        }
        if (w <= 0) {
            perror(f >= 0 ? "sendfile" : "write");
            return 1;
        }
        off += (unsigned long)w;
    }
    printf("wrote %lu bytes\n", off);
    return 0;
}

/* sendfile mode: the whole file at path. */
static int sendfile_and_exit(const char* path) {
    int f = open(path, O_RDONLY);
    struct stat st;
    if (f < 0 || fstat(f, &st)) {
        perror(path);
        return 1;
    }
    return send_and_exit(f, (unsigned long)st.st_size);
}

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "send") == 0)
        return send_and_exit(-1, strtoul(argv[2], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "sendfile") == 0)
        return sendfile_and_exit(argv[2]);
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
    if (bind(l, (struct sockaddr*)&a, sizeof a) || listen(l, 128)) {
        perror("tcp");
        return 1;
    }
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    a.sin_port = htons(7);
    if (bind(u, (struct sockaddr*)&a, sizeof a)) {
        perror("udp");
        return 1;
    }
    fds[0] = (struct pollfd){.fd = l, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = u, .events = POLLIN};
    nfds = 2;
    printf("serving\n");
    fflush(stdout);
    unsigned long accepted = 0, resets = 0;
    for (;;) {
        if (quitting && nfds == 2)
            break;
        for (int i = 2; i < nfds; i++)
            fds[i].events = POLLIN | (conns[i]->out_len || conns[i]->big_left ? POLLOUT : 0);
        if (poll(fds, (nfds_t)nfds, -1) < 0) {
            perror("poll");
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            int c;
            while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                accepted++;
                struct conn* st = calloc(1, sizeof *st);
                if (nfds == MAX_CONNS + 2 || !st) {
                    free(st);
                    close(c);
                    continue;
                }
                fds[nfds] = (struct pollfd){.fd = c, .events = POLLIN};
                conns[nfds++] = st;
            }
            if (errno != EAGAIN && errno != ECONNABORTED) {
                perror("accept");
                return 1;
            }
        }
        if (fds[1].revents & POLLIN) {
            char d[2048];
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t k;
            while ((k = recvfrom(u, d, sizeof d, 0, (struct sockaddr*)&from, &fl)) >= 0) {
                sendto(u, d, (size_t)k, 0, (struct sockaddr*)&from, fl);
                fl = sizeof from;
            }
        }
        for (int i = nfds - 1; i >= 2; i--) {
            struct conn* c = conns[i];
            short re = fds[i].revents;
            if (!re)
                continue;
            int bad = 0;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                size_t room = sizeof c->in - c->in_len;
                if (room == 0) {
                    bad = 1;
                } else {
                    ssize_t k = read(fds[i].fd, c->in + c->in_len, room);
                    if (k == 0)
                        bad = 1;
                    else if (k < 0 && errno != EAGAIN)
                        bad = 1, resets += errno == ECONNRESET;
                    else if (k > 0)
                        c->in_len += (size_t)k;
                }
                if (!bad && handle_lines(c) < 0)
                    bad = 1;
            }
            if (!bad && (c->out_len || c->big_left) && do_write(fds[i].fd, c) < 0)
                bad = 1;
            if (bad)
                drop(i);
        }
        if (quitting) {
            /* Only the connection that asked is served to the end. */
            for (int i = nfds - 1; i >= 2; i--)
                if (!conns[i]->out_len && !conns[i]->big_left)
                    drop(i);
        }
    }
    printf("accepted %lu connections\n", accepted);
    return 0;
}
