/*
 * Prints the host's TSC rate in kHz, measured against CLOCK_MONOTONIC over
 * 200 ms. Under TCG the guest's TSC is the host's, and the Linux guest on
 * -M microvm has no PIT gate to calibrate its TSC against, so bench/net.sh
 * gives it this figure as tsc_early_khz=.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	double t0 = now();
	unsigned long long c0 = __rdtsc();
	struct timespec pause = {0, 200000000};
	nanosleep(&pause, NULL);
	double t1 = now();
	unsigned long long c1 = __rdtsc();
	printf("%.0f\n", (c1 - c0) / (t1 - t0) / 1000);
	return 0;
}
