/* Sleeping is accurate to the timer: each sleep lasts at least what was
 * asked and overshoots by less than the tolerance, and sleeping threads
 * let others run. */
//! run: --
//! status: 0
//! expect: nanosleep ok
//! expect: usleep ok
//! expect: parallel sleeps ok
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TOLERANCE_NS 30000000LL /* emulated CPUs are slow and noisy */

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *sleeper(void *arg)
{
	struct timespec req = {0, 100000000};
	nanosleep(&req, NULL);
	return arg;
}

int main(void)
{
	int ok = 1;
	for (long ms = 1; ms <= 64; ms *= 4) {
		struct timespec req = {0, ms * 1000000};
		long long t0 = now();
		nanosleep(&req, NULL);
		long long d = now() - t0;
		if (d < ms * 1000000 || d > ms * 1000000 + TOLERANCE_NS) {
			printf("nanosleep %ld ms took %lld ns\n", ms, d);
			ok = 0;
		}
	}
	printf("nanosleep %s\n", ok ? "ok" : "FAILED");
	long long t0 = now();
	usleep(20000);
	long long d = now() - t0;
	printf("usleep %s\n", d >= 20000000 && d < 20000000 + TOLERANCE_NS ? "ok" : "FAILED");

	/* Four threads sleeping 100 ms at once take about 100 ms, not 400. */
	pthread_t t[4];
	t0 = now();
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, sleeper, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	d = now() - t0;
	printf("parallel sleeps %s (%lld ms)\n", d >= 100000000 && d < 100000000 + 3 * TOLERANCE_NS ? "ok" : "FAILED",
	       d / 1000000);
	return 0;
}
