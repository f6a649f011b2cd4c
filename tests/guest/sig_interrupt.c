/* A signal whose handler runs while the thread is blocked in a system call
 * interrupts that call the way signal(7) says: nanosleep, clock_nanosleep,
 * poll, pause and sigsuspend fail with EINTR even under SA_RESTART;
 * FUTEX_WAIT without a timeout and sem_wait are restarted under SA_RESTART
 * and fail with EINTR without it; FUTEX_WAIT with a timeout fails with
 * EINTR either way (Linux's restart block). A helper thread sends SIGUSR1
 * to the main thread with pthread_kill until the main thread's call
 * returns (or, for the restart cases, twice and then wakes it normally);
 * each case also checks that the handler ran on the main thread. */
//! run: --timeout 20 -- nanosleep
//! status: 0
//! expect: nanosleep: -1 EINTR
//! expect: nanosleep: remaining time filled in
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- clock_nanosleep
//! status: 0
//! expect: clock_nanosleep: returned EINTR
//! expect: clock_nanosleep: remaining time filled in
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- nanosleep-sa_restart
//! status: 0
//! expect: nanosleep with SA_RESTART: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- poll-sa_restart
//! status: 0
//! expect: poll with SA_RESTART: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- pause-sa_restart
//! status: 0
//! expect: pause with SA_RESTART: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- sigsuspend-sa_restart
//! status: 0
//! expect: sigsuspend with SA_RESTART: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- futex
//! status: 0
//! expect: futex wait: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- futex-sa_restart
//! status: 0
//! expect: futex wait with SA_RESTART: 0 (restarted, then woken)
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- futex-timed-sa_restart
//! status: 0
//! expect: futex timed wait with SA_RESTART: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- sem_wait
//! status: 0
//! expect: sem_wait: -1 EINTR
//! expect: handler ran on the interrupted thread
//! run: --timeout 20 -- sem_wait-sa_restart
//! status: 0
//! expect: sem_wait with SA_RESTART: 0 (restarted, then woken)
//! expect: handler ran on the interrupted thread
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static atomic_int hits, bad_tid, done, word;
static int main_tid;
static pthread_t main_thread;
static sem_t sem;

static void on_usr1(int sig)
{
	(void)sig;
	if (gettid() != main_tid)
		atomic_store(&bad_tid, 1);
	atomic_fetch_add(&hits, 1);
}

/* Interrupts the main thread until its call has returned. */
static void *poke_until_done(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200 && !atomic_load(&done); i++) {
		sleep_ms(20);
		if (!atomic_load(&done))
			pthread_kill(main_thread, SIGUSR1);
	}
	return NULL;
}

/* Interrupts the main thread twice (the second time surely inside its
 * wait), then wakes it the normal way. */
static void *poke_twice_then_wake(void *arg)
{
	int use_sem = arg != NULL;
	for (int want = 1; want <= 2; want++) {
		for (int i = 0; i < 200 && atomic_load(&hits) < want && !atomic_load(&done); i++) {
			sleep_ms(20);
			pthread_kill(main_thread, SIGUSR1);
		}
	}
	sleep_ms(20);
	if (use_sem) {
		sem_post(&sem);
	} else {
		atomic_store(&word, 1);
		syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static int twice;

static void print_result(const char *what, long r, int e)
{
	if (r == 0)
		printf("%s: 0%s\n", what, twice ? " (restarted, then woken)" : "");
	else if (r == -1)
		printf("%s: -1 %s\n", what, errname(e));
	else
		printf("%s: %ld\n", what, r);
}

static void print_rem(const char *what, const struct timespec *req, const struct timespec *rem)
{
	long long q = req->tv_sec * 1000000000LL + req->tv_nsec;
	long long m = rem->tv_sec * 1000000000LL + rem->tv_nsec;
	printf("%s: remaining time %s\n", what, m > 0 && m < q ? "filled in" : "WRONG");
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	int restart = strstr(what, "sa_restart") != NULL;
	twice = !strcmp(what, "futex-sa_restart") || !strcmp(what, "sem_wait-sa_restart");

	main_tid = gettid();
	main_thread = pthread_self();
	sem_init(&sem, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, NULL);

	pthread_t poker;
	if (pthread_create(&poker, NULL, twice ? poke_twice_then_wake : poke_until_done,
			   !strncmp(what, "sem_wait", 8) ? (void *)1 : NULL))
		return 1;

	long r;
	int e;
	struct timespec req = {10, 0}, rem = {0, 0};
	char label[64];
	const char *base = !strncmp(what, "futex-timed", 11) ? "futex timed wait"
			   : !strncmp(what, "futex", 5)	     ? "futex wait"
							     : what;
	size_t n = strcspn(base, "-");
	snprintf(label, sizeof(label), "%.*s%s", (int)n, base, restart ? " with SA_RESTART" : "");

	if (!strcmp(what, "nanosleep") || !strcmp(what, "nanosleep-sa_restart")) {
		r = nanosleep(&req, &rem);
		e = errno;
		atomic_store(&done, 1);
		print_result(label, r, e);
		if (!restart)
			print_rem(label, &req, &rem);
	} else if (!strcmp(what, "clock_nanosleep")) {
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
		atomic_store(&done, 1);
		printf("%s: returned %s\n", label, r == EINTR ? "EINTR" : r == 0 ? "0" : errname((int)r));
		print_rem(label, &req, &rem);
	} else if (!strcmp(what, "poll-sa_restart")) {
		r = poll(NULL, 0, -1);
		e = errno;
		atomic_store(&done, 1);
		print_result(label, r, e);
	} else if (!strcmp(what, "pause-sa_restart")) {
		r = pause();
		e = errno;
		atomic_store(&done, 1);
		print_result(label, r, e);
	} else if (!strcmp(what, "sigsuspend-sa_restart")) {
		sigset_t none;
		sigemptyset(&none);
		r = sigsuspend(&none);
		e = errno;
		atomic_store(&done, 1);
		print_result(label, r, e);
	} else if (!strcmp(what, "futex") || !strcmp(what, "futex-sa_restart")) {
		do {
			r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, NULL, NULL, 0);
			e = errno;
		} while (r == -1 && e == EAGAIN && !atomic_load(&word));
		atomic_store(&done, 1);
		print_result(label, r, e);
	} else if (!strcmp(what, "futex-timed-sa_restart")) {
		r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, &req, NULL, 0);
		e = errno;
		atomic_store(&done, 1);
		print_result(label, r, e);
	} else if (!strcmp(what, "sem_wait") || !strcmp(what, "sem_wait-sa_restart")) {
		r = sem_wait(&sem);
		e = errno;
		atomic_store(&done, 1);
		print_result(label, r, e);
	} else {
		printf("unknown case\n");
		return 2;
	}
	pthread_join(poker, NULL);
	printf("handler ran %s\n", !atomic_load(&hits)	      ? "NEVER"
				   : atomic_load(&bad_tid) ? "on ANOTHER thread"
							   : "on the interrupted thread");
	return 0;
}
