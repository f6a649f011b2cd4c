/* prof.hz=N samples where the PIT's NMIs find the CPU and, at exit,
 * prints the functions that held the most samples, busiest first: a loop
 * that runs four times as long as another comes out above it, a sleep is
 * idle time, and kernel code that runs with interrupts off (a raw
 * `syscall`, which enters with them off) is seen where it runs. Under
 * 19 Hz the PIT cannot count slowly enough and a kernel timer samples
 * instead. */
//! run: --param prof.hz=1000 --
//! status: 0
//! expect: sum
//! expect: samples at 1000 Hz by NMI, 0 dropped
//! expect: hot_loop
//! expect: cold_loop
//! run: --param prof.hz=0 --
//! status: 250
//! expect: prof.hz needs a rate from 1 to 10000 samples a second: prof.hz
//! reject: sum
//! run: --param prof.hz=fast --
//! status: 250
//! expect: prof.hz needs a rate from 1 to 10000 samples a second: prof.hz
//! run: --param prof.depth=3 --
//! status: 250
//! expect: unknown prof.* parameter: prof.depth
//! run: --param prof.report=x --param prof.hz=100 --
//! status: 250
//! expect: prof.report needs a number of seconds (0: only at exit): prof.report
//! run: --param prof.hz=100 --param prof.report=1 -- sleep
//! status: 0
//! expect: samples at 100 Hz by NMI, 0 dropped
//! expect: (idle)
//! expect: slept
//! expect: samples at 100 Hz by NMI, 0 dropped
//! run: --param prof.hz=10 -- sleep
//! status: 0
//! expect: slept
//! expect: samples at 10 Hz by the timer, 0 dropped
//! run: --param prof.hz=1000 -- rawsys
//! status: 0
//! expect: raw calls done
//! expect: samples at 1000 Hz by NMI, 0 dropped
//! expect: uk_syscall_
//! run: --
//! status: 0
//! expect: sum
//! reject: uk: prof
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink;

/* Each loop sits within one page: under TCG a loop whose body crosses a
 * page boundary is not chained to itself and runs about ten times slower,
 * which would make time follow the link's layout, not the iteration
 * count. */
#define ONE_PAGE __attribute__((noinline, aligned(512)))

ONE_PAGE static unsigned long hot_loop(unsigned long n)
{
	unsigned long x = 1;
	for (unsigned long i = 0; i < n; i++) {
		x = x * 6364136223846793005UL + i;
		sink = x;
	}
	return x;
}

ONE_PAGE static unsigned long cold_loop(unsigned long n)
{
	unsigned long x = 7;
	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		sink = x + i;
	}
	return x;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
		/* Long enough for one report while the kernel halts. */
		struct timespec ts = {1, 500000000};
		nanosleep(&ts, NULL);
		printf("slept\n");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "rawsys") == 0) {
		long sum = 0;
		for (int i = 0; i < 2000000; i++) {
			long r;
			__asm__ volatile("syscall"
					 : "=a"(r)
					 : "a"(110L) /* getppid */
					 : "rcx", "r11", "memory");
			sum += r;
		}
		printf("raw calls done %ld\n", sum);
		return 0;
	}
	unsigned long a = hot_loop(120000000), b = cold_loop(30000000);
	printf("sum %lx\n", a ^ b);
	return 0;
}
