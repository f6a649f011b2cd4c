/* glibc-compat test program: compiled once with the host gcc against glibc
 * headers (-O2 -D_FORTIFY_SOURCE=2), then linked both against the host glibc
 * and against musl + libunikraft's glibc compatibility layer. The two runs
 * must print the same thing and exit with the same status.
 *
 * Usage: c_basic MODE, MODE one of
 *   ctype     classification and case mapping of -128..255 in the C locale
 *   numbers   strtol family, sscanf (__isoc99_*), basename (__xpg_basename)
 *   stdin     scanf/fscanf/getline from standard input
 *   error     error()/error_at_line() formats, counters, exit status 3
 *   names     strerrorname_np, sigabbrev_np, descriptions present or not
 *   misc      arc4random*, gnu_dev_*, __cmsg_nxthdr, CPU_ALLOC, rawmemchr,
 *             wmempcpy, fcntl64, version, on_exit, __libc_single_threaded
 *   dlfo      _dl_find_object for code, data, heap, stack and bogus addresses
 *   fs        getwd, canonicalize_file_name
 *   threads   pthread clock* waits, clockjoin, cleanup handlers (glibc's
 *             C pthread_cleanup_push) on pthread_exit, single-threaded flag,
 *             read-write lock kinds (pthread_rwlockattr_[gs]etkind_np)
 *   assert    assert_perror(ENOENT): message and abort */
#define _GNU_SOURCE
#include <assert.h>
#include <dlfcn.h>
#include <ctype.h>
#include <errno.h>
#include <error.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <resolv.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

static int mode_ctype(void)
{
	for (int c = -128; c <= 255; c++) {
		printf("%4d %d%d%d%d%d%d%d%d%d%d%d%d %d %d\n", c, !!isalnum(c), !!isalpha(c), !!isblank(c),
		       !!iscntrl(c), !!isdigit(c), !!isgraph(c), !!islower(c), !!isprint(c), !!ispunct(c),
		       !!isspace(c), !!isupper(c), !!isxdigit(c), toupper(c), tolower(c));
	}
	printf("EOF %d %d %d\n", !!isalpha(EOF), toupper(EOF), tolower(EOF));
	return 0;
}

static int mode_numbers(void)
{
	static const char *const inputs[] = {"42", "  -17xyz", "0x1f", "077", "0b101", "9223372036854775808",
					     "-9223372036854775809", "18446744073709551616", "+12", ""};
	for (unsigned i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		char *end;
		errno = 0;
		long l = strtol(inputs[i], &end, 0);
		int e1 = errno;
		errno = 0;
		unsigned long long ull = strtoull(inputs[i], NULL, 0);
		int e2 = errno;
		intmax_t im = strtoimax(inputs[i], NULL, 10);
		/* Only ERANGE is compared: musl also reports EINVAL for no digits. */
		printf("[%s] strtol=%ld end=%td erange=%d strtoull=%llu erange=%d strtoimax=%jd atoi=%d\n",
		       inputs[i], l, end - inputs[i], e1 == ERANGE, ull, e2 == ERANGE, im, atoi(inputs[i]));
	}
	int a = 0;
	unsigned x = 0;
	char word[16] = "";
	double d = 0;
	int n = sscanf("12 ff hello 2.5", "%d %x %15s %lf", &a, &x, word, &d);
	printf("sscanf=%d %d %u %s %.2f\n", n, a, x, word, d);
	n = sscanf("0x10 010 10", "%i %i %i", &a, (int *)&x, (int *)&n);
	printf("sscanf %%i=%d %d %u %d\n", n, a, x, n);
	char path1[] = "/usr/lib/", path2[] = "file.c", path3[] = "/";
	printf("basename %s %s %s\n", basename(path1), basename(path2), basename(path3));
	return 0;
}

static int mode_stdin(void)
{
	int a = 0, b = 0;
	char word[16] = "";
	int n = scanf("%d %15s", &a, word);
	int m = fscanf(stdin, "%d", &b);
	printf("scanf=%d %d %s fscanf=%d %d\n", n, a, word, m, b);
	char *line = NULL;
	size_t cap = 0;
	getchar(); /* The newline after the number. */
	ssize_t len = getline(&line, &cap, stdin);
	printf("getline=%zd [%s]\n", len, line ? line : "");
	free(line);
	printf("eof=%d\n", scanf("%d", &a));
	return 0;
}

static void custom_progname(void)
{
	fprintf(stderr, "custom> ");
}

static int mode_error(void)
{
	printf("stdout before error\n");
	error(0, 0, "plain %d", 1);
	error(0, ENOENT, "with errno %s", "x");
	error_at_line(0, EINVAL, "file.c", 12, "at line %d", 12);
	error_one_per_line = 1;
	error_at_line(0, 0, "file.c", 13, "first");
	error_at_line(0, 0, "file.c", 13, "repeat, not printed");
	error_at_line(0, 0, "other.c", 13, "other file");
	error_one_per_line = 0;
	error_at_line(0, 0, NULL, 0, "no file");
	error_print_progname = custom_progname;
	error(0, 0, "custom");
	error_print_progname = NULL;
	printf("count=%u\n", error_message_count);
	error(3, EACCES, "fatal");
	printf("not reached\n");
	return 0;
}

static int mode_names(void)
{
	for (int i = -1; i < 140; i++) {
		const char *n = strerrorname_np(i);
		const char *d = strerrordesc_np(i);
		printf("errno %d %s %s\n", i, n ? n : "-", d ? "desc" : "-");
	}
	for (int i = -1; i < 70; i++) {
		const char *n = sigabbrev_np(i);
		const char *d = sigdescr_np(i);
		printf("signal %d %s %s\n", i, n ? n : "-", d ? "desc" : "-");
	}
	return 0;
}

static void at_exit_handler(int status, void *arg)
{
	printf("on_exit status=%d arg=%s\n", status, (const char *)arg);
}

/* Called through pointers so that the out-of-line definitions are used even
 * where glibc's headers would inline them. */
static unsigned int (*volatile p_major)(dev_t) = gnu_dev_major;
static unsigned int (*volatile p_minor)(dev_t) = gnu_dev_minor;
static dev_t (*volatile p_makedev)(unsigned int, unsigned int) = gnu_dev_makedev;
static struct cmsghdr *(*volatile p_cmsg_nxthdr)(struct msghdr *, struct cmsghdr *) = __cmsg_nxthdr;

static int mode_misc(void)
{
	printf("single_threaded=%d\n", __libc_single_threaded);
	printf("version=%s release=%s\n", gnu_get_libc_version(), gnu_get_libc_release());

	static const uint32_t bounds[] = {0, 1, 2, 3, 7, 1000, 0x80000001u, 0xffffffffu};
	for (unsigned i = 0; i < sizeof bounds / sizeof *bounds; i++) {
		uint32_t bound = bounds[i];
		int ok = 1;
		unsigned seen = 0;
		for (int k = 0; k < 20000; k++) {
			uint32_t r = arc4random_uniform(bound);
			if (bound < 2 ? r != 0 : r >= bound)
				ok = 0;
			if (bound == 7)
				seen |= 1u << r;
		}
		printf("arc4random_uniform(%u) in range: %d%s\n", bound, ok,
		       bound == 7 ? (seen == 0x7f ? ", all 7 values seen" : ", values missing") : "");
	}
	unsigned char buf[64];
	memset(buf, 0, sizeof buf);
	arc4random_buf(buf, sizeof buf);
	int nonzero = 0;
	for (unsigned i = 0; i < sizeof buf; i++)
		nonzero += buf[i] != 0;
	uint32_t a = arc4random(), b = arc4random(), c = arc4random();
	printf("arc4random_buf nonzero bytes > 32: %d, three draws differ: %d\n", nonzero > 32,
	       !(a == b && b == c));

	dev_t dev = p_makedev(0x12345, 0x6789a);
	printf("dev %#llx major %#x minor %#x\n", (unsigned long long)dev, p_major(dev), p_minor(dev));
	dev = p_makedev(8, 1);
	printf("dev %#llx major %u minor %u\n", (unsigned long long)dev, p_major(dev), p_minor(dev));

	union {
		struct cmsghdr align;
		char buf[3 * CMSG_SPACE(sizeof(int))];
	} control;
	memset(&control, 0, sizeof control);
	struct msghdr msg = {.msg_control = control.buf, .msg_controllen = sizeof control.buf};
	int count = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = p_cmsg_nxthdr(&msg, cm)) {
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		count++;
	}
	printf("cmsg headers: %d\n", count);

	cpu_set_t *set = CPU_ALLOC(200);
	size_t size = CPU_ALLOC_SIZE(200);
	CPU_ZERO_S(size, set);
	CPU_SET_S(3, size, set);
	CPU_SET_S(150, size, set);
	printf("cpu set size %zu count %d has150 %d\n", size, CPU_COUNT_S(size, set), !!CPU_ISSET_S(150, size, set));
	CPU_FREE(set);

	const char text[] = "abcdef";
	printf("rawmemchr %td %td\n", (const char *)rawmemchr(text, 'd') - text,
	       (const char *)rawmemchr(text, 0) - text);
	wchar_t wdst[8];
	wchar_t *wend = wmempcpy(wdst, L"xyz", 3);
	printf("wmempcpy %td\n", wend - wdst);
	printf("fcntl64 F_GETFD=%d\n", fcntl64(1, F_GETFD));
	printf("mempcpy %td\n", (char *)mempcpy(buf, text, 4) - (char *)buf);

	extern int __register_atfork(void (*)(void), void (*)(void), void (*)(void), void *);
	printf("__register_atfork=%d res_init=%d\n", __register_atfork(NULL, NULL, NULL, NULL), res_init());
	on_exit(at_exit_handler, "bye");
	return 0;
}

static int image_data = 1;

static void report_dlfo(const char *what, void *addr)
{
	struct dl_find_object dlfo;
	memset(&dlfo, 0, sizeof dlfo);
	int r = _dl_find_object(addr, &dlfo);
	printf("%s: %d", what, r);
	if (r == 0)
		printf(" in map %d eh_frame %d", (char *)dlfo.dlfo_map_start <= (char *)addr &&
						    (char *)addr < (char *)dlfo.dlfo_map_end,
		       dlfo.dlfo_eh_frame != NULL);
	printf("\n");
}

static int mode_dlfo(void)
{
	report_dlfo("code", (void *)report_dlfo);
	report_dlfo("data", &image_data);
	void *heap = malloc(1 << 20); /* Large enough to come from mmap. */
	report_dlfo("heap", heap);
	free(heap);
	int local;
	report_dlfo("stack", &local);
	report_dlfo("bogus", (void *)16);
	return 0;
}

static int mode_fs(void)
{
	char buf[PATH_MAX];
	char cwd[PATH_MAX];
	printf("getwd matches getcwd: %d\n", getwd(buf) && getcwd(cwd, sizeof cwd) && !strcmp(buf, cwd));
	char *canon = canonicalize_file_name("/.//");
	printf("canonicalize_file_name(\"/.//\") = %s\n", canon ? canon : "(null)");
	free(canon);
	errno = 0;
	canon = canonicalize_file_name("/nonexistent/x");
	printf("missing: %s errno=%s\n", canon ? canon : "(null)", strerrorname_np(errno));
	return 0;
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static sem_t started;
static sem_t release;

static void *hold_mutex(void *arg)
{
	pthread_mutex_lock(&held);
	sem_post(&started);
	sem_wait(&release);
	pthread_mutex_unlock(&held);
	return arg;
}

static void cleanup(void *arg)
{
	printf("cleanup %s\n", (const char *)arg);
}

static void *exit_with_cleanup(void *arg)
{
	pthread_cleanup_push(cleanup, "outer");
	pthread_cleanup_push(cleanup, "inner");
	if (arg)
		pthread_exit(arg);
	pthread_cleanup_pop(0);
	pthread_cleanup_pop(1);
	return NULL;
}

static pthread_mutex_t far_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t far_cond = PTHREAD_COND_INITIALIZER;
static int far_flag;

static void *signal_far(void *arg)
{
	struct timespec d = {0, 20 * 1000000L};
	nanosleep(&d, NULL);
	pthread_mutex_lock(&far_lock);
	far_flag = 1;
	pthread_cond_signal(&far_cond);
	pthread_mutex_unlock(&far_lock);
	return arg;
}

static long long ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000LL + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static struct timespec in_ms(clockid_t clock, int ms)
{
	struct timespec t;
	clock_gettime(clock, &t);
	t.tv_nsec += ms * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static int mode_threads(void)
{
	printf("single_threaded before=%d\n", __libc_single_threaded);
	sem_init(&started, 0, 0);
	sem_init(&release, 0, 0);
	pthread_t t;
	pthread_create(&t, NULL, hold_mutex, "joined");
	sem_wait(&started);
	printf("single_threaded after=%d\n", __libc_single_threaded);

	struct timespec t0, when;
	static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
	for (int i = 0; i < 2; i++) {
		clockid_t clock = clocks[i];
		const char *name = clock == CLOCK_MONOTONIC ? "monotonic" : "realtime";
		clock_gettime(CLOCK_MONOTONIC, &t0);
		when = in_ms(clock, 30);
		int r = pthread_mutex_clocklock(&held, clock, &when);
		printf("%s mutex_clocklock=%s waited>=25ms=%d\n", name, strerrorname_np(r), ms_since(&t0) >= 25);

		pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
		pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
		pthread_mutex_lock(&m);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		when = in_ms(clock, 30);
		r = pthread_cond_clockwait(&cv, &m, clock, &when);
		printf("%s cond_clockwait=%s waited>=25ms=%d\n", name, strerrorname_np(r), ms_since(&t0) >= 25);
		pthread_mutex_unlock(&m);

		pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
		when = in_ms(clock, 10);
		printf("%s rwlock_clockrdlock=%d", name, pthread_rwlock_clockrdlock(&rw, clock, &when));
		pthread_rwlock_unlock(&rw);
		printf(" clockwrlock=%d\n", pthread_rwlock_clockwrlock(&rw, clock, &when));
		pthread_rwlock_unlock(&rw);

		sem_t sem;
		sem_init(&sem, 0, 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		when = in_ms(clock, 30);
		r = sem_clockwait(&sem, clock, &when);
		printf("%s sem_clockwait=%d errno=%s waited>=25ms=%d\n", name, r, strerrorname_np(errno),
		       ms_since(&t0) >= 25);
	}
	/* A deadline too far ahead to convert between clocks in nanoseconds
	 * must still wait (until signalled), not time out at once. */
	pthread_t signaller;
	pthread_mutex_lock(&far_lock);
	pthread_create(&signaller, NULL, signal_far, NULL);
	clock_gettime(CLOCK_MONOTONIC, &when);
	when.tv_sec += 1000000000000LL;
	while (!far_flag) {
		int r = pthread_cond_clockwait(&far_cond, &far_lock, CLOCK_MONOTONIC, &when);
		if (r != 0) {
			printf("far-future cond_clockwait=%s\n", strerrorname_np(r));
			break;
		}
	}
	pthread_mutex_unlock(&far_lock);
	pthread_join(signaller, NULL);
	printf("far-future cond_clockwait woken by signal: %d\n", far_flag);

	when = in_ms(CLOCK_MONOTONIC, 10);
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	printf("bad clock: %s\n", strerrorname_np(pthread_mutex_clocklock(&m, CLOCK_PROCESS_CPUTIME_ID, &when)));

	when = in_ms(CLOCK_MONOTONIC, 20);
	void *ret = NULL;
	printf("clockjoin while running=%s\n", strerrorname_np(pthread_clockjoin_np(t, &ret, CLOCK_MONOTONIC, &when)));
	sem_post(&release);
	when = in_ms(CLOCK_MONOTONIC, 5000);
	int r = pthread_clockjoin_np(t, &ret, CLOCK_MONOTONIC, &when);
	printf("clockjoin=%d ret=%s\n", r, (const char *)ret);

	pthread_create(&t, NULL, exit_with_cleanup, "exit value");
	pthread_join(t, &ret);
	printf("joined after pthread_exit: %s\n", (const char *)ret);
	pthread_create(&t, NULL, exit_with_cleanup, NULL);
	pthread_join(t, &ret);
	printf("joined after return: %s\n", ret ? "value" : "null");

	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	int kind = -1;
	pthread_rwlockattr_getkind_np(&ra, &kind);
	printf("rwlock kind default=%d\n", kind);
	r = pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlockattr_getkind_np(&ra, &kind);
	printf("setkind writer-nonrecursive=%d kind=%d\n", r, kind);
	printf("setkind 3=%s setkind -1=%s\n", strerrorname_np(pthread_rwlockattr_setkind_np(&ra, 3)),
	       strerrorname_np(pthread_rwlockattr_setkind_np(&ra, -1)));
	pthread_rwlockattr_getkind_np(&ra, &kind);
	pthread_rwlock_t rw;
	int ri = pthread_rwlock_init(&rw, &ra);
	int rw1 = pthread_rwlock_wrlock(&rw);
	int ru1 = pthread_rwlock_unlock(&rw);
	int rr = pthread_rwlock_rdlock(&rw);
	int ru2 = pthread_rwlock_unlock(&rw);
	printf("kind after EINVAL=%d init=%d wrlock=%d unlock=%d rdlock=%d unlock=%d\n", kind, ri, rw1, ru1,
	       rr, ru2);
	pthread_rwlock_destroy(&rw);
	pthread_rwlockattr_destroy(&ra);
	return 0;
}

static int mode_assert(void)
{
	printf("before assert_perror\n");
	assert_perror(ENOENT);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	/* The checker replaces this name wherever it appears in the output. */
	printf("argv0=%s\n", argv[0]);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "ctype"))
		return mode_ctype();
	if (!strcmp(mode, "numbers"))
		return mode_numbers();
	if (!strcmp(mode, "stdin"))
		return mode_stdin();
	if (!strcmp(mode, "error"))
		return mode_error();
	if (!strcmp(mode, "names"))
		return mode_names();
	if (!strcmp(mode, "misc"))
		return mode_misc();
	if (!strcmp(mode, "dlfo"))
		return mode_dlfo();
	if (!strcmp(mode, "fs"))
		return mode_fs();
	if (!strcmp(mode, "threads"))
		return mode_threads();
	if (!strcmp(mode, "assert"))
		return mode_assert();
	fprintf(stderr, "unknown mode %s\n", mode);
	return 2;
}
