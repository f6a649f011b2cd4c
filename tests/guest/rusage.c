/* getrusage(2) and times(2) as on Linux: CPU time split into user and
 * system time (a loop in the program's own code is user time, copies the
 * kernel makes are system time), a thread's own time apart from the
 * process's, no CPU time at all while the only thread sleeps, context
 * switches counted, the peak memory, RUSAGE_CHILDREN all zero, EINVAL for
 * another `who`; times() in clock ticks that advance with the clock. */
//! run: --
//! status: 0
//! native
//! expect: who: self 0, thread 0, children 0, children all zero, bad EINVAL
//! expect: user loop: user time grew most
//! expect: kernel copies: system time grew most
//! expect: sleep: no CPU time
//! expect: sleep: a voluntary switch
//! expect: thread: its own time, in the process's too
//! expect: maxrss: more than 0
//! expect: times: agrees with getrusage, advances with the clock
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static long long us(struct timeval tv)
{
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

static long long cpu_us(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static struct rusage usage(int who)
{
	struct rusage r;
	memset(&r, 0xa5, sizeof r);
	if (getrusage(who, &r))
		perror("getrusage");
	return r;
}

static volatile unsigned long sink;

/* Runs arithmetic for `ms` of the thread's CPU time. */
static void burn_user(long ms)
{
	long long end = cpu_us(CLOCK_THREAD_CPUTIME_ID) + ms * 1000;
	while (cpu_us(CLOCK_THREAD_CPUTIME_ID) < end)
		for (unsigned long i = 0; i < 200000; i++)
			sink = sink * 31 + i;
}

static void *thread_main(void *arg)
{
	(void)arg;
	burn_user(150);
	struct rusage t = usage(RUSAGE_THREAD);
	long long own = us(t.ru_utime) + us(t.ru_stime);
	return (void *)(long)(own >= 120000 && own < 1000000);
}

int main(void)
{
	struct rusage self, thread, children, bad;
	int rs = getrusage(RUSAGE_SELF, &self), rt = getrusage(RUSAGE_THREAD, &thread);
	memset(&children, 0xa5, sizeof children);
	int rc = getrusage(RUSAGE_CHILDREN, &children);
	struct rusage zero;
	memset(&zero, 0, sizeof zero);
	errno = 0;
	int rb = getrusage(5, &bad);
	printf("who: self %d, thread %d, children %d, children %s, bad %s\n", rs, rt, rc,
	       memcmp(&children, &zero, sizeof zero) ? "not zero" : "all zero",
	       rb == -1 && errno == EINVAL ? "EINVAL" : "accepted");

	struct rusage a = usage(RUSAGE_SELF);
	burn_user(300);
	struct rusage b = usage(RUSAGE_SELF);
	long long du = us(b.ru_utime) - us(a.ru_utime), ds = us(b.ru_stime) - us(a.ru_stime);
	if (du > ds && du + ds >= 250000)
		printf("user loop: user time grew most\n");
	else
		printf("user loop: user %lld us, system %lld us\n", du, ds);

	/* Large reads, the clock looked at seldom: the kernel's copying is
	 * nearly all the time spent, also for Linux's tick sampling. */
	static char buf[1 << 20];
	int z = open("/dev/zero", O_RDONLY);
	long long end = cpu_us(CLOCK_PROCESS_CPUTIME_ID) + 300000;
	a = usage(RUSAGE_SELF);
	while (cpu_us(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (int i = 0; i < 8; i++)
			if (read(z, buf, sizeof buf) != sizeof buf)
				perror("read");
	b = usage(RUSAGE_SELF);
	close(z);
	du = us(b.ru_utime) - us(a.ru_utime);
	ds = us(b.ru_stime) - us(a.ru_stime);
	if (ds > du)
		printf("kernel copies: system time grew most\n");
	else
		printf("kernel copies: user %lld us, system %lld us\n", du, ds);

	a = usage(RUSAGE_SELF);
	long long c0 = cpu_us(CLOCK_PROCESS_CPUTIME_ID);
	clock_t t0 = times(NULL);
	struct timespec nap = {0, 300 * 1000000};
	nanosleep(&nap, NULL);
	clock_t t1 = times(NULL);
	long long dc = cpu_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
	b = usage(RUSAGE_SELF);
	long long dt = us(b.ru_utime) + us(b.ru_stime) - us(a.ru_utime) - us(a.ru_stime);
	if (dt < 50000 && dc < 50000)
		printf("sleep: no CPU time\n");
	else
		printf("sleep: %lld us by getrusage, %lld us by the clock\n", dt, dc);
	if (b.ru_nvcsw > a.ru_nvcsw)
		printf("sleep: a voluntary switch\n");

	struct rusage m0 = usage(RUSAGE_THREAD), p0 = usage(RUSAGE_SELF);
	pthread_t th;
	void *ok = NULL;
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_join(th, &ok);
	struct rusage m1 = usage(RUSAGE_THREAD), p1 = usage(RUSAGE_SELF);
	long long mine = us(m1.ru_utime) + us(m1.ru_stime) - us(m0.ru_utime) - us(m0.ru_stime);
	long long all = us(p1.ru_utime) + us(p1.ru_stime) - us(p0.ru_utime) - us(p0.ru_stime);
	if (ok && mine < 50000 && all >= 120000)
		printf("thread: its own time, in the process's too\n");
	else
		printf("thread: ok %d, main %lld us, process %lld us\n", ok != NULL, mine, all);

	if (p1.ru_maxrss > 0)
		printf("maxrss: more than 0\n");

	struct tms tm;
	clock_t t2 = times(&tm);
	struct rusage r = usage(RUSAGE_SELF);
	long hz = sysconf(_SC_CLK_TCK);
	long long ticks = (us(r.ru_utime) + us(r.ru_stime)) * hz / 1000000;
	long long tms = tm.tms_utime + tm.tms_stime;
	long long slept = (long long)(t1 - t0);
	if (t2 != (clock_t)-1 && t2 >= t1 && tms <= ticks + 2 && tms + 4 >= ticks &&
	    tm.tms_cutime == 0 && tm.tms_cstime == 0 && slept >= 25 && slept < 100)
		printf("times: agrees with getrusage, advances with the clock\n");
	else
		printf("times: %lld ticks against %lld; %lld ticks over 0.3 s\n", tms, ticks, slept);
	return 0;
}
