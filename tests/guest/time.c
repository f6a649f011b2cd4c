/* The wall clock is the host's (argv[1] is the host's time at launch),
 * the monotonic clock moves forward, sleeping waits at least as long as
 * asked (and not absurdly longer). libc's clock_gettime (read without a
 * system call where it can be) and the system call tell the same time,
 * and libc's still answers EINVAL for a clock that does not exist. */
//! run: -- HOST_TIME
//! status: 0
//! expect: realtime ok
//! expect: time ok
//! expect: gettimeofday ok
//! expect: monotonic ok
//! expect: libc and syscall agree
//! expect: gettimeofday agrees
//! expect: bad clock EINVAL
//! expect: cputime ok
//! expect: sleep ok
//! expect: clock_nanosleep ok
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long sys_ns(clockid_t c)
{
	struct timespec ts;
	if (syscall(SYS_clock_gettime, c, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* libc's reading and the system call's, in turn, are in order on each
 * clock (the wall clock may only be stepped by a host we do not have). */
static int agree(clockid_t c)
{
	for (int i = 0; i < 1000; i++) {
		long long a = ns(c), b = sys_ns(c), d = ns(c);
		if (!(a <= b && b <= d && d - a < 1000000000LL)) {
			printf("clock %d: libc %lld, syscall %lld, libc %lld\n", (int)c, a, b, d);
			return 0;
		}
	}
	return 1;
}

int main(int argc, char *argv[])
{
	long long host = argc > 1 ? atoll(argv[1]) : 0;
	long long rt = ns(CLOCK_REALTIME) / 1000000000LL;
	if (llabs(rt - host) <= 5)
		printf("realtime ok\n");
	else
		printf("realtime off: guest %lld host %lld\n", rt, host);
	if (llabs((long long)time(NULL) - host) <= 5)
		printf("time ok\n");
	struct timeval tv;
	gettimeofday(&tv, NULL);
	if (llabs((long long)tv.tv_sec - host) <= 5 && tv.tv_usec < 1000000)
		printf("gettimeofday ok\n");
	long long a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
	if (a > 0 && b >= a)
		printf("monotonic ok\n");
	if (agree(CLOCK_MONOTONIC) && agree(CLOCK_REALTIME) && agree(CLOCK_BOOTTIME) &&
	    agree(CLOCK_MONOTONIC_RAW))
		printf("libc and syscall agree\n");
	/* libc's gettimeofday, between clock_gettime and the system call. */
	int in_order = gettimeofday(NULL, NULL) == 0;
	for (int i = 0; i < 1000 && in_order; i++) {
		struct timeval lib, sys;
		long long before = ns(CLOCK_REALTIME) / 1000;
		in_order = gettimeofday(&lib, NULL) == 0 &&
			   syscall(SYS_gettimeofday, &sys, NULL) == 0 &&
			   lib.tv_usec >= 0 && lib.tv_usec < 1000000 &&
			   before <= lib.tv_sec * 1000000LL + lib.tv_usec &&
			   lib.tv_sec * 1000000LL + lib.tv_usec <= sys.tv_sec * 1000000LL + sys.tv_usec;
	}
	if (in_order)
		printf("gettimeofday agrees\n");
	struct timespec bad;
	errno = 0;
	if (clock_gettime((clockid_t)12345, &bad) == -1 && errno == EINVAL)
		printf("bad clock EINVAL\n");
	long long cpu = ns(CLOCK_PROCESS_CPUTIME_ID), tcpu = ns(CLOCK_THREAD_CPUTIME_ID);
	if (cpu > 0 && tcpu > 0 && ns(CLOCK_PROCESS_CPUTIME_ID) >= cpu)
		printf("cputime ok\n");
	struct timespec req = {0, 50 * 1000000};
	long long t0 = ns(CLOCK_MONOTONIC);
	nanosleep(&req, NULL);
	long long slept = ns(CLOCK_MONOTONIC) - t0;
	if (slept >= 50000000LL && slept < 2000000000LL)
		printf("sleep ok\n");
	else
		printf("sleep off: %lld ns\n", slept);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > abs.tv_sec || (now.tv_sec == abs.tv_sec && now.tv_nsec >= abs.tv_nsec))
		printf("clock_nanosleep ok\n");
	return 0;
}
