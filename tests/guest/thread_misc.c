/* Per-thread machine state and kernel limits threads run into:
 * - gs: arch_prctl(ARCH_SET_GS) sets the GS base of the calling thread
 *   only; two threads that take turns each read their own value through
 *   %gs, and ARCH_GET_GS reports their own base.
 * - noncanon: a non-canonical base for ARCH_SET_FS or ARCH_SET_GS fails
 *   with EPERM and leaves the base as it was.
 * - longwait-cond, longwait-futex: waits with deadlines centuries away
 *   (up to the largest timespec) do not time out early; the waiter is
 *   woken normally and says so.
 * - guardstack: a raw clone child whose stack pointer is 256 bytes above a
 *   PROT_NONE page spins through many timer interrupts and context
 *   switches: nothing the kernel does may write below its %rsp. */
//! run: --timeout 20 -- gs
//! status: 0
//! expect: gs thread 0: 5 of 5 reads ok, get_gs ok
//! expect: gs thread 1: 5 of 5 reads ok, get_gs ok
//! run: -- noncanon
//! status: 0
//! expect: set_fs 0x8000000000000000: -1 EPERM, fs unchanged
//! expect: set_fs 0xdead000000000000: -1 EPERM, fs unchanged
//! expect: set_gs 0x8000000000000000: -1 EPERM, gs unchanged
//! expect: set_gs 0xdead000000000000: -1 EPERM, gs unchanged
//! run: --timeout 20 -- longwait-cond
//! status: 0
//! expect: cond deadline 4294967296 s: woken
//! expect: cond deadline 4611686018 s: woken
//! expect: cond deadline 9223372036 s: woken
//! expect: cond deadline 4611686018427387903 s: woken
//! expect: cond deadline 9223372036854775807 s: woken
//! run: --timeout 20 -- longwait-futex
//! status: 0
//! expect: futex relative 4294967296 s: woken
//! expect: futex relative 9223372036854775807 s: woken
//! expect: futex_bitset absolute 4611686018 s: woken
//! expect: futex_bitset absolute 9223372036854775807 s: woken
//! run: --timeout 20 -- guardstack
//! status: 0
//! expect: guard stack child ran and exited ok
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

/* --- gs --- */

struct gs_block {
	long value;
	long pad[7];
};
static struct gs_block gs_blocks[2];
static sem_t gs_turn[2];

static void *gs_thread(void *arg)
{
	int me = (int)(long)arg;
	long good = 0, base_ok = 1;
	gs_blocks[me].value = 1000 + me;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&gs_blocks[me]) != 0)
		return (void *)-1L;
	for (int round = 0; round < 5; round++) {
		sem_wait(&gs_turn[me]);
		long v;
		__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
		unsigned long base = 0;
		if (syscall(SYS_arch_prctl, ARCH_GET_GS, &base) != 0 || base != (unsigned long)&gs_blocks[me])
			base_ok = 0;
		if (v == 1000 + me)
			good++;
		sem_post(&gs_turn[!me]);
		sched_yield();
	}
	return (void *)(good | (base_ok << 8));
}

static int run_gs(void)
{
	pthread_t t[2];
	sem_init(&gs_turn[0], 0, 0);
	sem_init(&gs_turn[1], 0, 0);
	for (long i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, gs_thread, (void *)i))
			return 1;
	sem_post(&gs_turn[0]);
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(t[i], &r);
		long v = (long)r;
		if (v < 0)
			printf("gs thread %d: ARCH_SET_GS failed\n", i);
		else
			printf("gs thread %d: %ld of 5 reads ok, get_gs %s\n", i, v & 0xff, v >> 8 ? "ok" : "WRONG");
	}
	return 0;
}

/* --- noncanon --- */

static void try_base(const char *name, int set, int get, unsigned long bad)
{
	unsigned long before = 0, after = 1;
	syscall(SYS_arch_prctl, get, &before);
	errno = 0;
	long r = syscall(SYS_arch_prctl, set, bad);
	int e = errno;
	syscall(SYS_arch_prctl, get, &after);
	printf("set_%s %#lx: %ld %s, %s %s\n", name, bad, r, r ? errname(e) : "-", name,
	       before == after ? "unchanged" : "CHANGED");
}

static int run_noncanon(void)
{
	try_base("fs", ARCH_SET_FS, ARCH_GET_FS, 0x8000000000000000UL);
	try_base("fs", ARCH_SET_FS, ARCH_GET_FS, 0xdead000000000000UL);
	try_base("gs", ARCH_SET_GS, ARCH_GET_GS, 0x8000000000000000UL);
	try_base("gs", ARCH_SET_GS, ARCH_GET_GS, 0xdead000000000000UL);
	return 0;
}

/* --- longwait-cond --- */

static pthread_mutex_t lw_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lw_cv = PTHREAD_COND_INITIALIZER;
static int lw_released, lw_waiting;
static struct timespec lw_deadline;

static void *cond_long_waiter(void *arg)
{
	(void)arg;
	int r = 0;
	pthread_mutex_lock(&lw_mu);
	lw_waiting = 1;
	while (!lw_released && r == 0)
		r = pthread_cond_timedwait(&lw_cv, &lw_mu, &lw_deadline);
	int released = lw_released;
	pthread_mutex_unlock(&lw_mu);
	return (void *)(long)(released ? 0 : r ? r : -1);
}

static int run_longwait_cond(void)
{
	static const time_t secs[] = {4294967296L, 4611686018L, 9223372036L, LONG_MAX / 2, LONG_MAX};
	for (unsigned i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		lw_released = 0;
		lw_waiting = 0;
		lw_deadline.tv_sec = secs[i];
		lw_deadline.tv_nsec = 0;
		pthread_t t;
		if (pthread_create(&t, NULL, cond_long_waiter, NULL))
			return 1;
		/* The waiter holds the mutex until it waits; then a while later
		 * wake it. */
		for (;;) {
			pthread_mutex_lock(&lw_mu);
			int w = lw_waiting;
			pthread_mutex_unlock(&lw_mu);
			if (w)
				break;
			sleep_ms(1);
		}
		sleep_ms(30);
		pthread_mutex_lock(&lw_mu);
		lw_released = 1;
		pthread_cond_signal(&lw_cv);
		pthread_mutex_unlock(&lw_mu);
		void *r;
		pthread_join(t, &r);
		long v = (long)r;
		printf("cond deadline %ld s: %s\n", (long)secs[i],
		       v == 0 ? "woken" : v == ETIMEDOUT ? "TIMED OUT" : errname((int)v));
	}
	return 0;
}

/* --- longwait-futex --- */

static atomic_int fx_word, fx_waiting;

struct fx_case {
	int op;
	int absolute;
	time_t sec;
};

static void *futex_long_waiter(void *arg)
{
	struct fx_case *c = arg;
	struct timespec ts = {c->sec, 0};
	atomic_store(&fx_waiting, 1);
	while (atomic_load(&fx_word) == 0) {
		long r = c->op == FUTEX_WAIT ? syscall(SYS_futex, &fx_word, FUTEX_WAIT, 0, &ts, NULL, 0)
					     : syscall(SYS_futex, &fx_word, FUTEX_WAIT_BITSET, 0, &ts, NULL,
						       FUTEX_BITSET_MATCH_ANY);
		if (r != 0 && errno != EAGAIN && errno != EINTR)
			return (void *)(long)errno;
	}
	return NULL;
}

static int run_longwait_futex(void)
{
	static const struct fx_case cases[] = {
		{FUTEX_WAIT, 0, 4294967296L},
		{FUTEX_WAIT, 0, LONG_MAX},
		{FUTEX_WAIT_BITSET, 1, 4611686018L},
		{FUTEX_WAIT_BITSET, 1, LONG_MAX},
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		atomic_store(&fx_word, 0);
		atomic_store(&fx_waiting, 0);
		pthread_t t;
		if (pthread_create(&t, NULL, futex_long_waiter, (void *)&cases[i]))
			return 1;
		while (!atomic_load(&fx_waiting))
			sleep_ms(1);
		sleep_ms(30);
		atomic_store(&fx_word, 1);
		syscall(SYS_futex, &fx_word, FUTEX_WAKE, 1, NULL, NULL, 0);
		void *r;
		pthread_join(t, &r);
		long v = (long)r;
		printf("%s %s %ld s: %s\n", cases[i].op == FUTEX_WAIT ? "futex" : "futex_bitset",
		       cases[i].absolute ? "absolute" : "relative", (long)cases[i].sec,
		       v == 0 ? "woken" : v == ETIMEDOUT ? "TIMED OUT" : errname((int)v));
	}
	return 0;
}

/* --- guardstack --- */

static volatile int guard_stop;
static volatile long guard_spins;

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int run_guardstack(void)
{
	char *mem = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mprotect(mem, 4096, PROT_NONE))
		return 1;
	char *stack_top = mem + 4096 + 256;
	static int ctid;
	ctid = -1;
	long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	long tid;
	register long r10 __asm__("r10") = (long)&ctid;
	register long r8 __asm__("r8") = 0;
	register volatile long *r12 __asm__("r12") = &guard_spins;
	/* The child touches no stack: it counts spins in memory until told to
	 * stop, then exits. */
	__asm__ volatile("syscall\n"
			 "test %%rax, %%rax\n"
			 "jnz 1f\n"
			 "2: pause\n"
			 "lock incq (%%r12)\n"
			 "cmpl $0, (%%rbx)\n"
			 "je 2b\n"
			 "mov $60, %%eax\n"
			 "xor %%edi, %%edi\n"
			 "syscall\n"
			 "ud2\n"
			 "1:\n"
			 : "=a"(tid)
			 : "a"((long)SYS_clone), "D"(flags), "S"(stack_top), "d"(&ctid), "r"(r10), "r"(r8),
			   "b"(&guard_stop), "r"(r12)
			 : "rcx", "r11", "memory");
	if (tid <= 0) {
		printf("clone failed: %ld\n", tid);
		return 1;
	}
	while (guard_spins == 0)
		sched_yield();
	/* Compete for the CPU for a while (many slices), and sleep a few
	 * times so that the child also runs alone through timer interrupts. */
	for (int i = 0; i < 3; i++) {
		long end = now_ns() + 40 * 1000000L;
		while (now_ns() < end)
			;
		sleep_ms(10);
	}
	long seen = guard_spins;
	sleep_ms(10);
	int progressed = guard_spins != seen;
	guard_stop = 1;
	int v;
	while ((v = __atomic_load_n(&ctid, __ATOMIC_SEQ_CST)) != 0)
		syscall(SYS_futex, &ctid, FUTEX_WAIT, v, NULL, NULL, 0);
	printf("guard stack child ran and exited %s\n", progressed ? "ok" : "(but did not progress while main slept)");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "gs"))
		return run_gs();
	if (!strcmp(what, "noncanon"))
		return run_noncanon();
	if (!strcmp(what, "longwait-cond"))
		return run_longwait_cond();
	if (!strcmp(what, "longwait-futex"))
		return run_longwait_futex();
	if (!strcmp(what, "guardstack"))
		return run_guardstack();
	printf("unknown case\n");
	return 2;
}
