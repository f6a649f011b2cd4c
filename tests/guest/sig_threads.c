/* Signals and threads: a signal aimed at a thread runs its handler on that
 * thread, cancellation reaches threads blocked in the usual cancellation
 * points, abort() works from any thread, and signal masks belong to
 * threads (inherited at creation, changed only by the thread itself, and a
 * process-directed signal goes to a thread that does not block it). */
//! run: --timeout 20 -- raise-thread
//! status: 0
//! expect: raise in thread: handler ran before raise returned
//! expect: raise in thread: handler ran on the raising thread
//! run: --timeout 20 -- pthread-kill
//! status: 0
//! expect: pthread_kill: returned 0
//! expect: pthread_kill: handler ran on the target thread
//! run: --timeout 20 -- cancel-sleep
//! status: 0
//! expect: cancel in sleep: PTHREAD_CANCELED, cleanup ran
//! run: --timeout 20 -- cancel-nanosleep
//! status: 0
//! expect: cancel in nanosleep: PTHREAD_CANCELED, cleanup ran
//! run: --timeout 20 -- cancel-condwait
//! status: 0
//! expect: cancel in pthread_cond_wait: PTHREAD_CANCELED, cleanup ran
//! expect: mutex free after cleanup
//! run: --timeout 20 -- cancel-semwait
//! status: 0
//! expect: cancel in sem_wait: PTHREAD_CANCELED, cleanup ran
//! run: --timeout 20 -- cancel-join
//! status: 0
//! expect: cancel in pthread_join: PTHREAD_CANCELED, cleanup ran
//! expect: joined thread still joinable: 7
//! run: --timeout 20 -- abort-thread
//! status: 134
//! expect: thread calls abort
//! reject: memory corruption
//! reject: abort returned
//! run: --timeout 20 -- mask-kill
//! status: 0
//! expect: kill: handled by the thread that does not block it
//! expect: kill: nothing left pending
//! run: --timeout 20 -- mask-thread
//! status: 0
//! expect: main mask after thread blocked SIGUSR2: SIGUSR2 not blocked
//! expect: raise SIGUSR2 in main: handled on main
//! expect: thread mask: SIGUSR2 blocked
//! run: --timeout 20 -- mask-inherit
//! status: 0
//! expect: new thread: SIGUSR2 blocked (inherited), SIGUSR1 not blocked
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static atomic_int handler_runs, handler_tid;
static sem_t ready, go, never;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&handler_tid, gettid());
	atomic_fetch_add(&handler_runs, 1);
}

/* --- raise-thread --- */

static int raised_before_return;

static void *raiser(void *arg)
{
	(void)arg;
	raise(SIGUSR1);
	raised_before_return = atomic_load(&handler_runs);
	return (void *)(long)gettid();
}

static int run_raise_thread(void)
{
	install(SIGUSR1, on_signal);
	pthread_t t;
	void *r;
	if (pthread_create(&t, NULL, raiser, NULL))
		return 1;
	pthread_join(t, &r);
	printf("raise in thread: handler ran %s raise returned\n", raised_before_return == 1 ? "before" : "NOT before");
	printf("raise in thread: handler ran %s\n",
	       atomic_load(&handler_tid) == (int)(long)r && (int)(long)r != gettid() ? "on the raising thread"
										: "on ANOTHER thread");
	return 0;
}

/* --- pthread-kill --- */

static atomic_int target_tid;

static void *spin_until_handled(void *arg)
{
	(void)arg;
	atomic_store(&target_tid, gettid());
	sem_post(&ready);
	while (!atomic_load(&handler_runs))
		__builtin_ia32_pause();
	return NULL;
}

static int run_pthread_kill(void)
{
	install(SIGUSR1, on_signal);
	pthread_t t;
	if (pthread_create(&t, NULL, spin_until_handled, NULL))
		return 1;
	sem_wait(&ready);
	int r = pthread_kill(t, SIGUSR1);
	printf("pthread_kill: returned %d\n", r);
	pthread_join(t, NULL);
	printf("pthread_kill: handler ran %s\n",
	       atomic_load(&handler_tid) == atomic_load(&target_tid) ? "on the target thread" : "ELSEWHERE");
	return 0;
}

/* --- cancel-* --- */

static atomic_int cleanup_ran;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t join_target;

static void cleanup(void *arg)
{
	atomic_store(&cleanup_ran, 1);
	if (arg)
		pthread_mutex_unlock(arg);
}

static void *cancel_sleep(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&ready);
	sleep(100);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *cancel_nanosleep(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&ready);
	struct timespec ts = {100, 0};
	nanosleep(&ts, NULL);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *cancel_condwait(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	pthread_cleanup_push(cleanup, &mu);
	sem_post(&ready);
	for (;;)
		pthread_cond_wait(&cv, &mu);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *cancel_semwait(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&ready);
	sem_wait(&never);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *wait_for_go(void *arg)
{
	(void)arg;
	sem_wait(&go);
	return (void *)7L;
}

static void *cancel_join(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&ready);
	pthread_join(join_target, NULL);
	pthread_cleanup_pop(0);
	return NULL;
}

static int run_cancel(const char *label, void *(*fn)(void *))
{
	if (fn == cancel_join && pthread_create(&join_target, NULL, wait_for_go, NULL))
		return 1;
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL))
		return 1;
	sem_wait(&ready);
	sleep_ms(20); /* most likely blocked by now; if not, it is cancelled on entry */
	pthread_cancel(t);
	void *r;
	pthread_join(t, &r);
	printf("cancel in %s: %s, cleanup %s\n", label, r == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "NOT cancelled",
	       atomic_load(&cleanup_ran) ? "ran" : "did NOT run");
	if (fn == cancel_condwait) {
		int e = pthread_mutex_trylock(&mu);
		printf("mutex %s after cleanup\n", e == 0 ? "free" : "STILL HELD");
	}
	if (fn == cancel_join) {
		sem_post(&go);
		pthread_join(join_target, &r);
		printf("joined thread still joinable: %ld\n", (long)r);
	}
	return 0;
}

/* --- abort-thread --- */

static void *aborter(void *arg)
{
	(void)arg;
	printf("thread calls abort\n");
	abort();
}

static int run_abort_thread(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, aborter, NULL))
		return 1;
	pthread_join(t, NULL);
	printf("abort returned\n");
	return 0;
}

/* --- mask-kill --- */

static void *unblock_and_spin(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	atomic_store(&target_tid, gettid());
	sem_post(&ready);
	while (!atomic_load(&handler_runs))
		__builtin_ia32_pause();
	return NULL;
}

static int run_mask_kill(void)
{
	install(SIGUSR1, on_signal);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_t t;
	if (pthread_create(&t, NULL, unblock_and_spin, NULL))
		return 1;
	sem_wait(&ready);
	kill(getpid(), SIGUSR1);
	pthread_join(t, NULL);
	printf("kill: %s\n", atomic_load(&handler_tid) == atomic_load(&target_tid)
				     ? "handled by the thread that does not block it"
				     : "handled by the WRONG thread");
	sigset_t pend;
	sigpending(&pend);
	printf("kill: %s\n", sigismember(&pend, SIGUSR1) ? "STILL PENDING" : "nothing left pending");
	return 0;
}

/* --- mask-thread --- */

static void *block_usr2_then_wait(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	sem_post(&ready);
	sem_wait(&go);
	return (void *)(long)blocked(SIGUSR2);
}

static int run_mask_thread(void)
{
	install(SIGUSR2, on_signal);
	pthread_t t;
	if (pthread_create(&t, NULL, block_usr2_then_wait, NULL))
		return 1;
	sem_wait(&ready);
	printf("main mask after thread blocked SIGUSR2: SIGUSR2 %s\n", blocked(SIGUSR2) ? "BLOCKED" : "not blocked");
	raise(SIGUSR2);
	printf("raise SIGUSR2 in main: %s\n",
	       atomic_load(&handler_runs) == 1 && atomic_load(&handler_tid) == gettid() ? "handled on main"
											 : "NOT handled on main");
	sem_post(&go);
	void *r;
	pthread_join(t, &r);
	printf("thread mask: SIGUSR2 %s\n", r ? "blocked" : "NOT blocked");
	return 0;
}

/* --- mask-inherit --- */

static void *report_mask(void *arg)
{
	(void)arg;
	sem_post(&ready);
	sem_wait(&go);
	return (void *)(long)(blocked(SIGUSR2) * 2 + blocked(SIGUSR1));
}

static int run_mask_inherit(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_t t;
	if (pthread_create(&t, NULL, report_mask, NULL))
		return 1;
	/* The thread is running (its start-up is done) before the creator
	 * changes its own mask. */
	sem_wait(&ready);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	sem_post(&go);
	void *r;
	pthread_join(t, &r);
	long v = (long)r;
	printf("new thread: SIGUSR2 %s, SIGUSR1 %s\n", v & 2 ? "blocked (inherited)" : "NOT blocked",
	       v & 1 ? "BLOCKED" : "not blocked");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sem_init(&ready, 0, 0);
	sem_init(&go, 0, 0);
	sem_init(&never, 0, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "raise-thread"))
		return run_raise_thread();
	if (!strcmp(what, "pthread-kill"))
		return run_pthread_kill();
	if (!strcmp(what, "cancel-sleep"))
		return run_cancel("sleep", cancel_sleep);
	if (!strcmp(what, "cancel-nanosleep"))
		return run_cancel("nanosleep", cancel_nanosleep);
	if (!strcmp(what, "cancel-condwait"))
		return run_cancel("pthread_cond_wait", cancel_condwait);
	if (!strcmp(what, "cancel-semwait"))
		return run_cancel("sem_wait", cancel_semwait);
	if (!strcmp(what, "cancel-join"))
		return run_cancel("pthread_join", cancel_join);
	if (!strcmp(what, "abort-thread"))
		return run_abort_thread();
	if (!strcmp(what, "mask-kill"))
		return run_mask_kill();
	if (!strcmp(what, "mask-thread"))
		return run_mask_thread();
	if (!strcmp(what, "mask-inherit"))
		return run_mask_inherit();
	printf("unknown case\n");
	return 2;
}
