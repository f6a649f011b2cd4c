/* The app tests/suites/console.sh runs with its standard input piped in
 * (or a terminal), one mode per run:
 *
 *   cat N        copy stdin to stdout with reads of N bytes until end of file
 *   sum          read stdin to its end; print its length and FNV-1a hash
 *   gen N        write N bytes of a fixed pseudo-random stream; print nothing
 *                else (the suite hashes what arrives)
 *   wait         print "ready", then: a non-blocking read (EAGAIN: nothing
 *                has come), poll with no timeout, a blocking read, FIONREAD,
 *                reads to the end of file and one more after it
 *   tty          print "ready" and the terminal size; then each read's
 *                result until the second end of file; on SIGWINCH, the
 *                new size
 *   signal       a read that SIGALRM interrupts: EINTR without SA_RESTART,
 *                then with SA_RESTART the read goes on to the data
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static char buf[1 << 20];

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) {
			perror("write");
			exit(3);
		}
		p += w;
		n -= (size_t)w;
	}
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* xorshift64*: the same stream console.sh computes. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static int mode_cat(size_t chunk)
{
	if (chunk == 0 || chunk > sizeof(buf))
		return 2;
	for (;;) {
		ssize_t n = read(0, buf, chunk);
		if (n < 0) {
			perror("read");
			return 2;
		}
		if (n == 0)
			return 0;
		write_all(1, buf, (size_t)n);
	}
}

static int mode_sum(void)
{
	uint64_t h = 0xcbf29ce484222325ull, total = 0;
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0) {
			perror("read");
			return 2;
		}
		if (n == 0)
			break;
		h = fnv(h, (unsigned char *)buf, (size_t)n);
		total += (uint64_t)n;
	}
	printf("%llu %016llx\n", (unsigned long long)total, (unsigned long long)h);
	return 0;
}

static void fill(uint64_t *s, char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(next(s) >> 56);
}

static int mode_gen(size_t total)
{
	uint64_t s = 88172645463325252ull;
	while (total) {
		size_t n = total < 65536 ? total : 65536;
		fill(&s, buf, n);
		write_all(1, buf, n);
		total -= n;
	}
	return 0;
}

static int mode_wait(void)
{
	puts("ready");
	fflush(stdout);
	int fl = fcntl(0, F_GETFL);
	fcntl(0, F_SETFL, fl | O_NONBLOCK);
	errno = 0;
	ssize_t n = read(0, buf, sizeof(buf));
	printf("nonblock %zd %s\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
	fcntl(0, F_SETFL, fl);
	struct pollfd p = {0, POLLIN, 0};
	int r = poll(&p, 1, 0);
	printf("poll0 %d\n", r);
	r = poll(&p, 1, -1);
	printf("poll %d %s\n", r, (p.revents & POLLIN) ? "POLLIN" : "-");
	/* The suite sends "first\n" then, once it reads "got", the rest. */
	n = read(0, buf, sizeof(buf));
	printf("read %zd %.*s", n, (int)(n > 0 ? n : 0), buf);
	puts("got");
	fflush(stdout);
	n = read(0, buf, 3);
	int avail = -1;
	ioctl(0, FIONREAD, &avail);
	printf("read3 %zd %.3s fionread %d\n", n, buf, avail);
	size_t total = 0;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	printf("rest %zu end %zd\n", total, n);
	n = read(0, buf, sizeof(buf));
	p.revents = 0;
	r = poll(&p, 1, 0);
	printf("after %zd poll %d %s\n", n, r, (p.revents & POLLIN) ? "POLLIN" : "-");
	return 0;
}

static void on_winch(int sig)
{
	(void)sig;
	struct winsize ws = {0};
	char line[64];
	ioctl(1, TIOCGWINSZ, &ws);
	int n = snprintf(line, sizeof(line), "[winch %dx%d]\n", ws.ws_row, ws.ws_col);
	if (write(1, line, (size_t)n) != n)
		_exit(5);
}

static int mode_tty(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, 0);
	struct winsize ws = {0};
	int r = ioctl(1, TIOCGWINSZ, &ws);
	printf("ready isatty %d size %d %dx%d\n", isatty(0), r, ws.ws_row, ws.ws_col);
	fflush(stdout);
	int eofs = 0;
	while (eofs < 2) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n < 0) {
			perror("read");
			return 2;
		}
		if (n == 0)
			eofs++;
		printf("[%zd:%.*s]\n", n, (int)(n > 0 && buf[n - 1] == '\n' ? n - 1 : n), buf);
		fflush(stdout);
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	if (write(1, "alarm\n", 6) != 6)
		_exit(5);
}

static int mode_signal(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, 0);
	alarm(1);
	errno = 0;
	ssize_t n = read(0, buf, sizeof(buf));
	printf("plain %zd %s\n", n, errno == EINTR ? "EINTR" : strerror(errno));
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, 0);
	alarm(1);
	puts("ready");
	fflush(stdout);
	/* The suite sends input once it has seen "alarm" after "ready". */
	n = read(0, buf, sizeof(buf));
	printf("restarted %zd %.*s", n, (int)(n > 0 ? n : 0), buf);
	return 0;
}

int main(int argc, char **argv)
{
	/* The suite reads each line as it comes, through a pipe, where stdio
	 * would otherwise hold it back (fd 1 is no terminal, as on Linux). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	const char *m = argv[1];
	if (!strcmp(m, "cat") && argc == 3)
		return mode_cat(strtoul(argv[2], 0, 0));
	if (!strcmp(m, "sum"))
		return mode_sum();
	if (!strcmp(m, "gen") && argc == 3)
		return mode_gen(strtoul(argv[2], 0, 0));
	if (!strcmp(m, "wait"))
		return mode_wait();
	if (!strcmp(m, "tty"))
		return mode_tty();
	if (!strcmp(m, "signal"))
		return mode_signal();
	return 2;
}
