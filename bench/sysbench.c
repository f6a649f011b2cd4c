/* System-call and thread costs, measured the same way in the unikernel and
 * as /init of a Linux guest, so bench/sys.sh can put them side by side.
 *
 *   unikernel:    gcc -O2 -c sysbench.c && kraftld -o sysbench sysbench.o
 *   Linux /init:  gcc -O2 -static -DSYSBENCH_LINUX_INIT -o init sysbench.c
 *
 * Prints one line per row, "bench <name> <ns_per_op> <cycles_per_op>":
 * nanoseconds from CLOCK_MONOTONIC, cycles from the TSC (which under TCG
 * ticks at the host's rate, so both guests count the same cycles). */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#ifdef SYSBENCH_LINUX_INIT
#include <sys/reboot.h>
#endif

/* Each row's batch is grown until it lasts this long, then timed this many
 * times; a row thus costs a few hundred milliseconds even under TCG. */
#define BATCH_NS 25000000LL
#define BATCHES 5

static volatile long sink;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Not inlined, and the empty asm keeps the compiler from treating it as a
 * pure function it may fold, so each iteration is a real call and return. */
__attribute__((noinline)) static long plain_call(long x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

static void run_call(long n)
{
	long s = 0;
	for (long i = 0; i < n; i++)
		s = plain_call(s);
	sink = s;
}

static void run_getppid(long n)
{
	long s = 0;
	for (long i = 0; i < n; i++)
		s += getppid();
	sink = s;
}

static void run_trap(long n)
{
	long s = 0;
	for (long i = 0; i < n; i++) {
		long r;
		__asm__ volatile("syscall"
				 : "=a"(r)
				 : "a"((long)SYS_getppid)
				 : "rcx", "r11", "memory");
		s += r;
	}
	sink = s;
}

/* Context switch: the main thread and a partner hand a turn back and forth
 * through a futex on one CPU (the unikernel has one vCPU, the Linux guest is
 * given one). Neither can go on until the other has run, so every round is
 * exactly two switches whatever the scheduler's wake-up policy; the figure
 * per switch therefore includes the futex wake and wait that cause it, as a
 * program that hands work between threads pays. sched_yield would not
 * guarantee a switch. The futex calls go through libc's syscall(), as a
 * program makes them. */
enum { TURN_MAIN, TURN_PARTNER, TURN_STOP };
static atomic_int turn;

static void futex_wait(atomic_int *addr, int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *partner(void *arg)
{
	for (;;) {
		int t;
		while ((t = atomic_load(&turn)) == TURN_MAIN)
			futex_wait(&turn, TURN_MAIN);
		if (t == TURN_STOP)
			return arg;
		atomic_store(&turn, TURN_MAIN);
		futex_wake(&turn);
	}
}

static void run_ctxsw(long n)
{
	for (long i = 0; i < n; i++) {
		atomic_store(&turn, TURN_PARTNER);
		futex_wake(&turn);
		while (atomic_load(&turn) == TURN_PARTNER)
			futex_wait(&turn, TURN_PARTNER);
	}
}

static void *trivial(void *arg)
{
	return arg;
}

static int run_failed;

static void run_thread(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, trivial, NULL) != 0 || pthread_join(t, NULL) != 0) {
			run_failed = 1;
			return;
		}
	}
}

/* Times `run` in batches of n ops, n doubled until a batch lasts BATCH_NS,
 * and prints the fastest of BATCHES batches: the fastest is the one least
 * disturbed by the host (TCG shares the host's CPUs with everything else).
 * Each op counts as `per` operations (two switches per ping-pong round). */
static void bench(const char *name, void (*run)(long), int per)
{
	long n = 1;
	for (;;) {
		long long t0 = now_ns();
		run(n);
		if (now_ns() - t0 >= BATCH_NS || n >= (1L << 40))
			break;
		n *= 2;
	}
	double best_ns = 0, best_cycles = 0;
	for (int b = 0; b < BATCHES; b++) {
		long long t0 = now_ns();
		unsigned long long c0 = __rdtsc();
		run(n);
		unsigned long long c1 = __rdtsc();
		long long t1 = now_ns();
		double ops = (double)n * per;
		if (b == 0 || (t1 - t0) / ops < best_ns) {
			best_ns = (t1 - t0) / ops;
			best_cycles = (c1 - c0) / ops;
		}
	}
	if (run_failed)
		printf("sysbench: %s failed, no row\n", name);
	else
		printf("bench %s %.2f %.1f\n", name, best_ns, best_cycles);
	fflush(stdout);
}

int main(void)
{
	bench("call", run_call, 1);
	bench("getppid", run_getppid, 1);
	bench("syscall", run_trap, 1);

	pthread_t p;
	if (pthread_create(&p, NULL, partner, NULL) == 0) {
		bench("ctxsw", run_ctxsw, 2);
		atomic_store(&turn, TURN_STOP);
		futex_wake(&turn);
		pthread_join(p, NULL);
	} else {
		printf("sysbench: pthread_create failed, no ctxsw row\n");
	}

	bench("thread", run_thread, 1);
	printf("sysbench: done\n");
	fflush(stdout);

#ifdef SYSBENCH_LINUX_INIT
	/* As init, returning would panic the kernel; powering off ends QEMU. */
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
#endif
	return run_failed;
}
