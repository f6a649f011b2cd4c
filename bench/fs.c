/* File-system throughput and small-file rates, measured the same way in the
 * unikernel and as /init of a Linux guest, so bench/fs.sh can put them side
 * by side.
 *
 *   unikernel:    gcc -O2 -c fs.c && kraftld -o fs fs.o && ukrun fs [DIR]
 *   Linux /init:  gcc -O2 -static -DFSBENCH_LINUX_INIT -o init fs.c
 *
 * fs [DIR [MIB [FILES]]] (default /tmp 64 10000): a MIB MiB file written
 * and then read sequentially in 4 KiB and in 1 MiB blocks, and FILES small
 * files created (open, one 100-byte write, close), stat'ed and unlinked, all
 * in a fresh directory under DIR. Prints one line per row,
 * "bench <name> <rate> <unit>", the median of RUNS runs, MB being 10^6 bytes;
 * then "fsbench: done". A failed call prints "fsbench: ..." and no row.
 *
 * As Linux's init (pid 1), it mounts a tmpfs on /tmp first (the unikernel
 * has one there from boot) and powers the VM off at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef FSBENCH_LINUX_INIT
#include <sys/mount.h>
#include <sys/reboot.h>
#endif

#define RUNS 5
#define SMALL_BYTES 100

static char dir[4096];
static char big[4200];
static long long big_bytes;
static int nfiles;
static char *buf;
static int failed;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what, const char *path)
{
	printf("fsbench: %s %s: %s\n", what, path, strerror(errno));
	fflush(stdout);
	failed = 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *rates, const char *unit)
{
	if (failed) {
		printf("fsbench: %s failed, no row\n", name);
	} else {
		qsort(rates, RUNS, sizeof(*rates), cmp_double);
		printf("bench %s %.1f %s\n", name, rates[RUNS / 2], unit);
	}
	fflush(stdout);
	failed = 0;
}

/* Writes the big file afresh in blocks of `block` bytes; returns MB/s. */
static double write_big(size_t block)
{
	if (unlink(big) != 0 && errno != ENOENT)
		fail("unlink", big);
	long long t0 = now_ns();
	int fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0) {
		fail("open", big);
		return 0;
	}
	for (long long done = 0; done < big_bytes; done += block) {
		if (write(fd, buf + done % (1 << 20), block) != (ssize_t)block) {
			fail("write", big);
			break;
		}
	}
	close(fd);
	long long t1 = now_ns();
	return big_bytes * 1e3 / (t1 - t0);
}

/* Reads the big file whole in blocks of `block` bytes; returns MB/s. */
static double read_big(size_t block, char *into)
{
	long long t0 = now_ns();
	int fd = open(big, O_RDONLY);
	if (fd < 0) {
		fail("open", big);
		return 0;
	}
	long long done = 0;
	for (;;) {
		ssize_t n = read(fd, into, block);
		if (n < 0) {
			fail("read", big);
			break;
		}
		if (n == 0)
			break;
		done += n;
	}
	close(fd);
	long long t1 = now_ns();
	if (!failed && done != big_bytes) {
		printf("fsbench: read %lld bytes of %lld\n", done, big_bytes);
		failed = 1;
	}
	return big_bytes * 1e3 / (t1 - t0);
}

/* The data must come back as written: a fast file system that loses it
 * would otherwise look good. */
static void check_big(void)
{
	int fd = open(big, O_RDONLY);
	if (fd < 0) {
		fail("open", big);
		return;
	}
	char *chunk = malloc(1 << 20);
	for (long long done = 0; chunk && done < big_bytes; done += 1 << 20) {
		if (read(fd, chunk, 1 << 20) != 1 << 20 || memcmp(chunk, buf, 1 << 20) != 0) {
			printf("fsbench: %s differs from what was written in MiB %lld\n", big, done >> 20);
			failed = 1;
			break;
		}
	}
	free(chunk);
	close(fd);
}

static void sequential(void)
{
	static const struct {
		size_t block;
		const char *write_name, *read_name;
	} sizes[] = {{4096, "write_4k", "read_4k"}, {1 << 20, "write_1m", "read_1m"}};
	char *into = malloc(1 << 20);
	if (into == NULL) {
		printf("fsbench: out of memory\n");
		return;
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		double rates[RUNS];
		for (int r = 0; r < RUNS && !failed; r++)
			rates[r] = write_big(sizes[s].block);
		check_big();
		report(sizes[s].write_name, rates, "MB/s");
		for (int r = 0; r < RUNS && !failed; r++)
			rates[r] = read_big(sizes[s].block, into);
		report(sizes[s].read_name, rates, "MB/s");
	}
	free(into);
	unlink(big);
}

static void small_name(char *out, size_t size, int i)
{
	snprintf(out, size, "%s/small/f%05d", dir, i);
}

static void small_files(void)
{
	char path[4200];
	double create[RUNS], stat_rate[RUNS], unlink_rate[RUNS];
	snprintf(path, sizeof(path), "%s/small", dir);
	if (mkdir(path, 0755) != 0) {
		fail("mkdir", path);
		return;
	}
	for (int r = 0; r < RUNS && !failed; r++) {
		long long t0 = now_ns();
		for (int i = 0; i < nfiles; i++) {
			small_name(path, sizeof(path), i);
			int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
			if (fd < 0 || write(fd, buf, SMALL_BYTES) != SMALL_BYTES) {
				fail("create", path);
				break;
			}
			close(fd);
		}
		long long t1 = now_ns();
		for (int i = 0; i < nfiles && !failed; i++) {
			struct stat st;
			small_name(path, sizeof(path), i);
			if (stat(path, &st) != 0 || st.st_size != SMALL_BYTES) {
				fail("stat", path);
				break;
			}
		}
		long long t2 = now_ns();
		for (int i = 0; i < nfiles && !failed; i++) {
			small_name(path, sizeof(path), i);
			if (unlink(path) != 0) {
				fail("unlink", path);
				break;
			}
		}
		long long t3 = now_ns();
		create[r] = nfiles * 1e9 / (t1 - t0);
		stat_rate[r] = nfiles * 1e9 / (t2 - t1);
		unlink_rate[r] = nfiles * 1e9 / (t3 - t2);
	}
	int was_failed = failed;
	report("create", create, "files/s");
	failed = was_failed;
	report("stat", stat_rate, "files/s");
	failed = was_failed;
	report("unlink", unlink_rate, "files/s");
	snprintf(path, sizeof(path), "%s/small", dir);
	rmdir(path);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	big_bytes = (argc > 2 ? atoll(argv[2]) : 64) << 20;
	nfiles = argc > 3 ? atoi(argv[3]) : 10000;
#ifdef FSBENCH_LINUX_INIT
	if (getpid() == 1) {
		mkdir("/tmp", 01777);
		if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") != 0)
			fail("mount tmpfs on", "/tmp");
	}
#endif
	buf = malloc(1 << 20);
	if (buf == NULL) {
		printf("fsbench: out of memory\n");
		return 1;
	}
	for (int i = 0; i < 1 << 20; i++)
		buf[i] = (char)(i * 7 + (i >> 12));

	snprintf(dir, sizeof(dir), "%s/fsbench.%d", base, (int)getpid());
	if (mkdir(dir, 0755) != 0) {
		fail("mkdir", dir);
	} else {
		snprintf(big, sizeof(big), "%s/big", dir);
		sequential();
		failed = 0;
		small_files();
		rmdir(dir);
	}
	printf("fsbench: done\n");
	fflush(stdout);
#ifdef FSBENCH_LINUX_INIT
	/* As init, returning would panic the kernel; powering off ends QEMU. */
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
#endif
	return 0;
}
