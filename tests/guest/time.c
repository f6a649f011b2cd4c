/* The wall clock is the host's (argv[1] is the host's time at launch),
 * the monotonic clock moves forward, sleeping waits at least as long as
 * asked (and not absurdly longer). */
//! run: -- HOST_TIME
//! status: 0
//! expect: realtime ok
//! expect: time ok
//! expect: gettimeofday ok
//! expect: monotonic ok
//! expect: sleep ok
//! expect: clock_nanosleep ok
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
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
