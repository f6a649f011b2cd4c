/* Waiting for signals:
 * - sigsuspend, rt_sigsuspend: with the signal pending (blocked and
 *   raised), and with it sent later by another thread, the temporary mask
 *   lets it in, the handler runs, the call returns -1/EINTR and the old
 *   mask is back.
 * - pause: returns -1/EINTR once a handler has run (another thread keeps
 *   sending the signal until it does).
 * - sigtimedwait-timeout: nothing arrives, EAGAIN.
 * - sigtimedwait: a pending signal (queued with a value) and one sent later
 *   by another thread with kill() are returned with their siginfo; their
 *   handlers do not run.
 * - sigwaitinfo: a signal sigqueue()d by another thread.
 * - sigwait: a pending signal, reported by sigpending before and gone
 *   after. */
//! run: --timeout 20 -- sigsuspend
//! status: 0
//! expect: sigsuspend pending: -1 EINTR, handler ran, mask restored
//! expect: sigsuspend later: -1 EINTR, handler ran, mask restored
//! run: --timeout 20 -- rt_sigsuspend
//! status: 0
//! expect: rt_sigsuspend pending: -1 EINTR, handler ran, mask restored
//! expect: rt_sigsuspend later: -1 EINTR, handler ran, mask restored
//! run: --timeout 20 -- pause
//! status: 0
//! expect: pause: -1 EINTR, handler ran
//! run: --timeout 20 -- sigtimedwait-timeout
//! status: 0
//! expect: sigtimedwait with nothing sent: -1 EAGAIN
//! run: --timeout 20 -- sigtimedwait
//! status: 0
//! expect: sigtimedwait pending: SIGUSR1, SI_QUEUE, si_value 55, si_pid ok
//! expect: sigtimedwait later: SIGUSR2, SI_USER, si_pid ok
//! expect: handlers ran 0 times
//! run: --timeout 20 -- sigwaitinfo
//! status: 0
//! expect: sigwaitinfo: SIGUSR2, SI_QUEUE, si_value 77, si_pid ok
//! run: --timeout 20 -- sigwait
//! status: 0
//! expect: sigpending before: SIGUSR1 pending
//! expect: sigwait: 0, SIGUSR1
//! expect: sigpending after: nothing pending
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static atomic_int handler_runs, done;
static pthread_t main_thread;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&handler_runs, 1);
}

/* Sends a signal to the main thread once, a little later. */
static void *send_later(void *arg)
{
	int sig = (int)(long)arg;
	sleep_ms(20);
	pthread_kill(main_thread, sig);
	return NULL;
}

/* Sends a signal to the process once, a little later (from a thread that
 * blocks it, so it waits for the main thread). */
static void *kill_later(void *arg)
{
	int sig = (int)(long)arg;
	sleep_ms(20);
	kill(getpid(), sig);
	return NULL;
}

/* Sends SIGUSR1 to the main thread until it says it has returned. */
static void *send_until_done(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200 && !atomic_load(&done); i++) {
		sleep_ms(20);
		if (!atomic_load(&done))
			pthread_kill(main_thread, SIGUSR1);
	}
	return NULL;
}

static int suspend(int raw)
{
	sigset_t none;
	sigemptyset(&none);
	if (raw)
		return (int)syscall(SYS_rt_sigsuspend, &none, 8);
	return sigsuspend(&none);
}

static int run_sigsuspend(int raw)
{
	const char *name = raw ? "rt_sigsuspend" : "sigsuspend";
	install(SIGUSR1, on_signal);
	block(SIGUSR1);
	raise(SIGUSR1);
	int r = suspend(raw), e = errno;
	printf("%s pending: %d %s, handler %s, mask %s\n", name, r, r ? errname(e) : "-",
	       atomic_load(&handler_runs) == 1 ? "ran" : "did NOT run", blocked(SIGUSR1) ? "restored" : "NOT restored");
	pthread_t t;
	if (pthread_create(&t, NULL, send_later, (void *)(long)SIGUSR1))
		return 1;
	r = suspend(raw);
	e = errno;
	pthread_join(t, NULL);
	printf("%s later: %d %s, handler %s, mask %s\n", name, r, r ? errname(e) : "-",
	       atomic_load(&handler_runs) == 2 ? "ran" : "did NOT run", blocked(SIGUSR1) ? "restored" : "NOT restored");
	return 0;
}

static int run_pause(void)
{
	install(SIGUSR1, on_signal);
	pthread_t t;
	if (pthread_create(&t, NULL, send_until_done, NULL))
		return 1;
	int r = pause(), e = errno;
	atomic_store(&done, 1);
	pthread_join(t, NULL);
	printf("pause: %d %s, handler %s\n", r, r ? errname(e) : "-", atomic_load(&handler_runs) ? "ran" : "did NOT run");
	return 0;
}

static int run_sigtimedwait_timeout(void)
{
	block(SIGUSR1);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	siginfo_t si;
	struct timespec ts = {0, 30 * 1000 * 1000};
	int r = sigtimedwait(&s, &si, &ts), e = errno;
	printf("sigtimedwait with nothing sent: %d %s\n", r, r < 0 ? errname(e) : "-");
	return 0;
}

static void report_waited(const char *what, int r, const siginfo_t *si, int with_value)
{
	printf("%s: %s, %s", what, signame(r), r > 0 ? codename(si->si_code) : "-");
	if (with_value)
		printf(", si_value %d", r > 0 ? si->si_value.sival_int : -1);
	printf(", si_pid %s\n", r > 0 && si->si_pid == getpid() ? "ok" : "WRONG");
}

static int run_sigtimedwait(void)
{
	install(SIGUSR1, on_signal);
	install(SIGUSR2, on_signal);
	block(SIGUSR1);
	block(SIGUSR2);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	union sigval v = {.sival_int = 55};
	sigqueue(getpid(), SIGUSR1, v);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec ts = {5, 0};
	int r = sigtimedwait(&s, &si, &ts);
	report_waited("sigtimedwait pending", r, &si, 1);

	/* kill(), not pthread_kill(): glibc's sigtimedwait reports SI_TKILL as
	 * SI_USER, musl's does not. */
	pthread_t t;
	if (pthread_create(&t, NULL, kill_later, (void *)(long)SIGUSR2))
		return 1;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	memset(&si, 0, sizeof(si));
	r = sigtimedwait(&s, &si, &ts);
	pthread_join(t, NULL);
	report_waited("sigtimedwait later", r, &si, 0);
	printf("handlers ran %d times\n", atomic_load(&handler_runs));
	return 0;
}

static void *queue_later(void *arg)
{
	(void)arg;
	sleep_ms(20);
	union sigval v = {.sival_int = 77};
	sigqueue(getpid(), SIGUSR2, v);
	return NULL;
}

static int run_sigwaitinfo(void)
{
	/* Blocked before the thread starts, so both threads block it and the
	 * process-directed signal waits for sigwaitinfo. */
	block(SIGUSR2);
	pthread_t t;
	if (pthread_create(&t, NULL, queue_later, NULL))
		return 1;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = sigwaitinfo(&s, &si);
	pthread_join(t, NULL);
	report_waited("sigwaitinfo", r, &si, 1);
	return 0;
}

static int run_sigwait(void)
{
	block(SIGUSR1);
	raise(SIGUSR1);
	sigset_t p;
	sigpending(&p);
	printf("sigpending before: %s\n", sigismember(&p, SIGUSR1) ? "SIGUSR1 pending" : "NOTHING pending");
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	int sig = 0;
	int r = sigwait(&s, &sig);
	printf("sigwait: %d, %s\n", r, signame(sig));
	sigpending(&p);
	printf("sigpending after: %s\n", sigismember(&p, SIGUSR1) ? "STILL pending" : "nothing pending");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	main_thread = pthread_self();
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "sigsuspend"))
		return run_sigsuspend(0);
	if (!strcmp(what, "rt_sigsuspend"))
		return run_sigsuspend(1);
	if (!strcmp(what, "pause"))
		return run_pause();
	if (!strcmp(what, "sigtimedwait-timeout"))
		return run_sigtimedwait_timeout();
	if (!strcmp(what, "sigtimedwait"))
		return run_sigtimedwait();
	if (!strcmp(what, "sigwaitinfo"))
		return run_sigwaitinfo();
	if (!strcmp(what, "sigwait"))
		return run_sigwait();
	printf("unknown case\n");
	return 2;
}
