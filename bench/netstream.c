/*
 * TCP stream throughput for bench/net.sh. The same source is the guest side
 * (a libunikraft image, or /init's program in the Linux guest) and the
 * host-side peer in the bench's network namespace:
 *
 *   netstream listen ADDR PORT send|recv MIB READYFILE   (host)
 *   netstream connect ADDR PORT send|recv MIB            (guest)
 *
 * One connection; the sender writes MIB MiB in 64 KiB writes and shuts its
 * side down, the receiver reads to end of file, checks the count and
 * answers one byte. The host times from accept to the end (to end of file
 * when it receives, to the receiver's answer when it sends), so the clock
 * is the host's for both directions, and prints
 *   bench stream MBPS MB/s
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

static char buf[CHUNK];

static void die(const char *what)
{
	fprintf(stderr, "netstream: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void send_all(int fd, long long total)
{
	for (size_t i = 0; i < CHUNK; i++)
		buf[i] = (char)(i * 7);
	while (total > 0) {
		size_t n = total < CHUNK ? (size_t)total : CHUNK;
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		total -= w;
	}
	if (shutdown(fd, SHUT_WR) != 0)
		die("shutdown");
}

static long long recv_all(int fd)
{
	long long got = 0;
	for (;;) {
		ssize_t r = read(fd, buf, CHUNK);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (r == 0)
			return got;
		got += r;
	}
}

/* Sends or receives the stream; the receiver answers one byte at the end. */
static void stream(int fd, int sending, long long total)
{
	char ack = 'k';
	if (sending) {
		send_all(fd, total);
		if (read(fd, &ack, 1) != 1)
			die("the receiver's answer");
	} else {
		long long got = recv_all(fd);
		if (got != total) {
			fprintf(stderr, "netstream: received %lld bytes of %lld\n", got, total);
			exit(1);
		}
		if (write(fd, &ack, 1) != 1)
			die("answer");
	}
}

int main(int argc, char **argv)
{
	if (argc < 6 || (strcmp(argv[4], "send") && strcmp(argv[4], "recv"))) {
		fprintf(stderr, "usage: netstream listen|connect ADDR PORT send|recv MIB [READYFILE]\n");
		return 2;
	}
	int listening = strcmp(argv[1], "listen") == 0;
	int sending = strcmp(argv[4], "send") == 0;
	long long total = atoll(argv[5]) << 20;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
	if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "netstream: bad address %s\n", argv[2]);
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	if (!listening) {
		if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
			die("connect");
		stream(s, sending, total);
		close(s);
		printf("netstream: done\n");
		return 0;
	}
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("bind");
	if (listen(s, 1) != 0)
		die("listen");
	if (argc > 6) {
		FILE *f = fopen(argv[6], "w");
		if (!f)
			die(argv[6]);
		fprintf(f, "ready\n");
		fclose(f);
	}
	int c = accept(s, NULL, NULL);
	if (c < 0)
		die("accept");
	double t0 = now();
	stream(c, sending, total);
	double t = now() - t0;
	close(c);
	printf("bench stream %.1f MB/s\n", total / t / 1e6);
	return 0;
}
