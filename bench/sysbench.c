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
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

/* Demand-zero page faults, one op a page: the first touch of each page of
 * a fresh mapping of up to 4 MiB, unmapped again once touched (its cost
 * spread over its pages, as a program that maps, fills and frees memory
 * pays it). */
#define FAULT_PAGES 1024

static void run_fault(long n)
{
	for (long done = 0; done < n; done += FAULT_PAGES) {
		long pages = n - done < FAULT_PAGES ? n - done : FAULT_PAGES;
		char *p = mmap(NULL, pages * 4096L, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			run_failed = 1;
			return;
		}
		for (long i = 0; i < pages; i++)
			p[i * 4096] = 1;
		munmap(p, pages * 4096L);
	}
}

/* 256 MiB mapped, every page touched, unmapped: one op. */
static void run_mmap256(long n)
{
	const long len = 256L << 20;
	for (long k = 0; k < n; k++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			run_failed = 1;
			return;
		}
		for (long i = 0; i < len; i += 4096)
			p[i] = 1;
		munmap(p, len);
	}
}

/* One load from a random page of 16 MiB of touched memory: what a program
 * whose working set spans thousands of pages pays for an access (under
 * TCG, where QEMU's software TLB holds the translations). */
#define RANDMEM_PAGES 4096
static char *randmem;
static unsigned long long randmem_x = 88172645463325252ULL;

static void run_randmem(long n)
{
	unsigned long long x = randmem_x;
	long sum = 0;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += randmem[(x % RANDMEM_PAGES) * 4096 + (i & 4095)];
	}
	randmem_x = x;
	sink = sum;
}

/* A signal raised and handled: raise() to the handler and back. */
static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void run_signal(long n)
{
	for (long i = 0; i < n; i++)
		raise(SIGUSR1);
	sink = handled;
}

/* pthread_kill to a thread asleep in sigsuspend until its handler has run
 * (it wakes the sender through a futex): the round trip a runtime that
 * signals its threads pays. */
static atomic_int answered;
static atomic_int sleeper_stop;

static void on_sleeper_signal(int sig)
{
	(void)sig;
	atomic_store(&answered, 1);
	syscall(SYS_futex, &answered, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *sleeper(void *arg)
{
	sigset_t none;
	sigemptyset(&none);
	while (!atomic_load(&sleeper_stop))
		sigsuspend(&none);
	return arg;
}

static pthread_t sleeper_thread;

static void run_sigthread(long n)
{
	for (long i = 0; i < n; i++) {
		atomic_store(&answered, 0);
		pthread_kill(sleeper_thread, SIGUSR2);
		while (!atomic_load(&answered))
			syscall(SYS_futex, &answered, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	}
}

/* Times `run` in batches of n ops, n doubled until a batch lasts BATCH_NS,
 * and prints the fastest of BATCHES batches: the fastest is the one least
 * disturbed by the host (TCG shares the host's CPUs with everything else).
 * Each op counts as `per` operations (two switches per ping-pong round). */
static void bench(const char *name, void (*run)(long), int per)
{
	long n = 1;
	run_failed = 0;
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
	/* First, while nothing has flushed the TLB yet (munmap of many pages
	 * does, in both kernels), so the row shows how the TLB is kept. */
	randmem = mmap(NULL, RANDMEM_PAGES * 4096L, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (randmem != MAP_FAILED) {
		for (long i = 0; i < RANDMEM_PAGES * 4096L; i += 64)
			randmem[i] = (char)i;
		bench("randmem", run_randmem, 1);
		munmap(randmem, RANDMEM_PAGES * 4096L);
	} else {
		printf("sysbench: mmap of 16 MiB failed, no randmem row\n");
	}

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
	bench("fault", run_fault, 1);
	bench("mmap256", run_mmap256, 1);

	signal(SIGUSR1, on_signal);
	bench("signal", run_signal, 1);

	/* The sleeper takes SIGUSR2 only inside sigsuspend. */
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sleeper_signal;
	sigaction(SIGUSR2, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	if (pthread_create(&sleeper_thread, NULL, sleeper, NULL) == 0) {
		bench("sigthread", run_sigthread, 1);
		atomic_store(&sleeper_stop, 1);
		pthread_kill(sleeper_thread, SIGUSR2);
		pthread_join(sleeper_thread, NULL);
	} else {
		printf("sysbench: pthread_create failed, no sigthread row\n");
	}
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
