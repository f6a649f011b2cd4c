/* Console throughput, the same program as a unikernel app and as /init of
 * a Linux guest, so bench/console.sh can put them side by side:
 *
 *   unikernel:    gcc -O2 -c console_bench.c && kraftld -o console_bench console_bench.o
 *   Linux /init:  gcc -O2 -static -DCONSOLE_BENCH_LINUX_INIT -o init console_bench.c
 *
 * Arguments: "out N" writes N bytes to stdout, "in N" reads N bytes from
 * stdin (the Linux guest's serial console cannot end its input, so the
 * count says when to stop). The console is put in raw mode first (no echo,
 * no newline translation); "in" then prints "ready" (input sent before that
 * would meet the guest's line discipline in cooked mode) and times from
 * its first bytes; "out" drains its output (tcdrain) before the clock
 * stops. The result is one line, "bench console_<dir> <MB/s> <bytes>",
 * after a newline that ends whatever was written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef CONSOLE_BENCH_LINUX_INIT
#include <sys/reboot.h>
#endif

static char buf[65536];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(const char *dir, size_t total)
{
	struct termios t;
	if (tcgetattr(0, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	}
	size_t done = 0;
	double t0 = now();
	if (!strcmp(dir, "in")) {
		/* Input may be sent once this is out; the clock starts at its
		 * first bytes. */
		if (write(1, "ready\n", 6) != 6)
			return 3;
		tcdrain(1);
		while (done < total) {
			size_t want = total - done < sizeof(buf) ? total - done : sizeof(buf);
			ssize_t n = read(0, buf, want);
			if (n <= 0)
				break;
			if (!done)
				t0 = now();
			done += (size_t)n;
		}
	} else {
		memset(buf, 'x', sizeof(buf));
		while (done < total) {
			size_t want = total - done < sizeof(buf) ? total - done : sizeof(buf);
			ssize_t n = write(1, buf, want);
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		tcdrain(1);
	}
	double secs = now() - t0;
	char line[128];
	int len = snprintf(line, sizeof(line), "\nbench console_%s %.3f %zu\n", dir,
			   done / secs / 1e6, done);
	if (write(1, line, (size_t)len) != len)
		return 3;
	tcdrain(1);
	return done == total ? 0 : 4;
}

int main(int argc, char **argv)
{
	int st = 2;
	if (argc == 3)
		st = run(argv[1], strtoul(argv[2], 0, 0));
#ifdef CONSOLE_BENCH_LINUX_INIT
	/* As init, returning would panic the kernel; powering off ends QEMU. */
	if (getpid() == 1)
		reboot(RB_POWER_OFF);
#endif
	return st;
}
