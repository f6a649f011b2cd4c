/* Timers that send signals:
 * - alarm: returns the seconds left of the previous alarm; SIGALRM comes.
 * - itimer-oneshot, itimer-periodic: setitimer/getitimer ITIMER_REAL,
 *   one expiry (SIGALRM, SI_KERNEL) or one every 20 ms (five counted),
 *   the interval read back, and disarming.
 * - timer-signal: timer_create on CLOCK_MONOTONIC with SIGEV_SIGNAL, a
 *   periodic timer whose signals carry SI_TIMER and the sigev_value.
 * - timer-overrun: expiries while the signal is still pending are counted
 *   by timer_getoverrun and si_overrun.
 * - timer-gettime: timer_gettime of an armed and a disarmed timer, and
 *   EINVAL once timer_delete has removed it.
 * - timer-thread-id: SIGEV_THREAD_ID sends the signal to the thread named,
 *   not to the process (the main thread has a handler and does not block
 *   the signal, so a process-wide delivery would land there).
 * - timer-sigev-thread: SIGEV_THREAD calls the function on another thread
 *   with the sigev_value. */
//! run: --timeout 20 -- alarm
//! status: 0
//! expect: alarm(30): 0
//! expect: alarm(1): 30
//! expect: SIGALRM arrived
//! expect: alarm(0) after it fired: 0
//! run: --timeout 20 -- itimer-oneshot
//! status: 0
//! expect: setitimer: 0
//! expect: getitimer while armed: 0 < value <= 50 ms, interval 0
//! expect: SIGALRM, SI_KERNEL
//! expect: getitimer after expiry: 0
//! run: --timeout 20 -- itimer-periodic
//! status: 0
//! expect: periodic: 5 expirations counted
//! expect: interval reads back 20000 us
//! expect: disarmed: getitimer reads 0
//! run: --timeout 20 -- timer-signal
//! status: 0
//! expect: timer_create: 0
//! expect: expiry 1: SIGUSR1, SI_TIMER, si_value 99
//! expect: expiry 2: SIGUSR1, SI_TIMER, si_value 99
//! expect: expiry 3: SIGUSR1, SI_TIMER, si_value 99
//! expect: timer_delete: 0
//! run: --timeout 20 -- timer-overrun
//! status: 0
//! expect: one signal for many expiries: SI_TIMER
//! expect: timer_getoverrun > 0, si_overrun > 0
//! run: --timeout 20 -- timer-gettime
//! status: 0
//! expect: armed: 0 < value <= 10 s, interval 0
//! expect: disarmed: value 0
//! expect: timer_delete: 0
//! expect: timer_gettime after delete: -1 EINVAL
//! run: --timeout 20 -- timer-thread-id
//! status: 0
//! expect: SIGEV_THREAD_ID: received by the chosen thread, SI_TIMER, si_value 5
//! expect: main's handler ran 0 times
//! run: --timeout 20 -- timer-sigev-thread
//! status: 0
//! expect: SIGEV_THREAD: notify ran on another thread with the value
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

/* glibc before 2.41 has no name for the Linux field; musl's header calls it
 * sigev_notify_thread_id. The layout is the kernel's either way. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static atomic_int handler_runs;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&handler_runs, 1);
}

static sigset_t just(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return s;
}

/* Waits for `count` handler runs with the signal blocked outside
 * sigsuspend, so none can be missed. */
static void wait_runs(int count)
{
	sigset_t none;
	sigemptyset(&none);
	while (atomic_load(&handler_runs) < count)
		sigsuspend(&none);
}

static int run_alarm(void)
{
	install(SIGALRM, on_signal);
	block(SIGALRM);
	printf("alarm(30): %u\n", alarm(30));
	printf("alarm(1): %u\n", alarm(1));
	wait_runs(1);
	printf("SIGALRM arrived\n");
	printf("alarm(0) after it fired: %u\n", alarm(0));
	return 0;
}

static long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

static int run_itimer_oneshot(void)
{
	block(SIGALRM);
	struct itimerval it = {.it_interval = {0, 0}, .it_value = {0, 50000}}, cur = {{0, 0}, {0, 0}};
	printf("setitimer: %d\n", setitimer(ITIMER_REAL, &it, NULL));
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer while armed: %s\n", tv_us(cur.it_value) > 0 && tv_us(cur.it_value) <= 50000 &&
							  tv_us(cur.it_interval) == 0
						      ? "0 < value <= 50 ms, interval 0"
						      : "WRONG");
	sigset_t s = just(SIGALRM);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int sig = sigwaitinfo(&s, &si);
	printf("%s, %s\n", sig > 0 ? signame(sig) : "-1", sig > 0 ? codename(si.si_code) : "-");
	int r = getitimer(ITIMER_REAL, &cur);
	printf("getitimer after expiry: %ld\n", r ? -1L : tv_us(cur.it_value) + tv_us(cur.it_interval));
	return 0;
}

static int run_itimer_periodic(void)
{
	install(SIGALRM, on_signal);
	block(SIGALRM);
	struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}}, old = {{0, 0}, {0, 0}}, cur;
	setitimer(ITIMER_REAL, &it, NULL);
	wait_runs(5);
	printf("periodic: %d expirations counted\n", atomic_load(&handler_runs) >= 5 ? 5 : atomic_load(&handler_runs));
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, &old);
	printf("interval reads back %ld us\n", tv_us(old.it_interval));
	int r = getitimer(ITIMER_REAL, &cur);
	printf("disarmed: getitimer reads %ld\n", r ? -1L : tv_us(cur.it_value) + tv_us(cur.it_interval));
	return 0;
}

static int make_timer(int notify, int sig, int value, timer_t *t)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = value;
	return timer_create(CLOCK_MONOTONIC, &sev, t);
}

static int arm(timer_t t, long value_ns, long interval_ns)
{
	struct itimerspec its = {.it_interval = {interval_ns / 1000000000, interval_ns % 1000000000},
				 .it_value = {value_ns / 1000000000, value_ns % 1000000000}};
	return timer_settime(t, 0, &its, NULL);
}

static int run_timer_signal(void)
{
	block(SIGUSR1);
	timer_t t;
	int r = make_timer(SIGEV_SIGNAL, SIGUSR1, 99, &t);
	printf("timer_create: %d\n", r);
	if (r)
		return 0;
	arm(t, 10000000, 10000000);
	sigset_t s = just(SIGUSR1);
	for (int i = 1; i <= 3; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		int sig = sigwaitinfo(&s, &si);
		printf("expiry %d: %s, %s, si_value %d\n", i, sig > 0 ? signame(sig) : "-1", codename(si.si_code),
		       si.si_value.sival_int);
	}
	printf("timer_delete: %d\n", timer_delete(t));
	return 0;
}

static int run_timer_overrun(void)
{
	block(SIGUSR2);
	timer_t t;
	if (make_timer(SIGEV_SIGNAL, SIGUSR2, 1, &t)) {
		printf("timer_create failed\n");
		return 0;
	}
	arm(t, 5000000, 5000000);
	struct timespec ts = {0, 60000000}; /* a dozen periods with the signal blocked */
	nanosleep(&ts, NULL);
	sigset_t s = just(SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int sig = sigwaitinfo(&s, &si);
	int over = timer_getoverrun(t);
	arm(t, 0, 0);
	printf("one signal for many expiries: %s\n", sig == SIGUSR2 ? codename(si.si_code) : "NO SIGNAL");
	printf("timer_getoverrun %s 0, si_overrun %s 0\n", over > 0 ? ">" : "NOT >", si.si_overrun > 0 ? ">" : "NOT >");
	timer_delete(t);
	return 0;
}

static int run_timer_gettime(void)
{
	/* SIGEV_SIGNAL with the signal blocked, not SIGEV_NONE: Linux keeps
	 * reporting the old expiry of a disarmed SIGEV_NONE timer. */
	block(SIGUSR1);
	timer_t t;
	if (make_timer(SIGEV_SIGNAL, SIGUSR1, 0, &t)) {
		printf("timer_create failed\n");
		return 0;
	}
	arm(t, 10L * 1000000000L, 0);
	struct itimerspec cur;
	timer_gettime(t, &cur);
	long long v = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
	long long iv = cur.it_interval.tv_sec * 1000000000LL + cur.it_interval.tv_nsec;
	printf("armed: %s\n", v > 0 && v <= 10000000000LL && iv == 0 ? "0 < value <= 10 s, interval 0" : "WRONG");
	arm(t, 0, 0);
	timer_gettime(t, &cur);
	printf("disarmed: value %lld\n", cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec);
	printf("timer_delete: %d\n", timer_delete(t));
	errno = 0;
	int r = timer_gettime(t, &cur);
	printf("timer_gettime after delete: %d %s\n", r, r ? errname(errno) : "-");
	return 0;
}

static sem_t ready;
static atomic_int waiter_tid;

static void *wait_for_timer(void *arg)
{
	(void)arg;
	sigset_t s = just(SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	atomic_store(&waiter_tid, gettid());
	sem_post(&ready);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	struct timespec ts = {5, 0};
	int sig = sigtimedwait(&s, &si, &ts);
	printf("SIGEV_THREAD_ID: %s, %s, si_value %d\n", sig == SIGUSR1 ? "received by the chosen thread" : "NOT received",
	       sig > 0 ? codename(si.si_code) : "-", sig > 0 ? si.si_value.sival_int : -1);
	return NULL;
}

static int run_timer_thread_id(void)
{
	install(SIGUSR1, on_signal);
	sem_init(&ready, 0, 0);
	pthread_t th;
	if (pthread_create(&th, NULL, wait_for_timer, NULL))
		return 1;
	sem_wait(&ready);
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 5;
	sev.sigev_notify_thread_id = atomic_load(&waiter_tid);
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t)) {
		printf("timer_create failed\n");
		pthread_cancel(th);
		pthread_join(th, NULL);
		return 0;
	}
	arm(t, 20000000, 0);
	pthread_join(th, NULL);
	timer_delete(t);
	printf("main's handler ran %d times\n", atomic_load(&handler_runs));
	return 0;
}

static int marker;
static atomic_int notify_tid;
static void *volatile notify_value;

static void notified(union sigval v)
{
	notify_value = v.sival_ptr;
	atomic_store(&notify_tid, gettid());
	sem_post(&ready);
}

static int run_timer_sigev_thread(void)
{
	sem_init(&ready, 0, 0);
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = notified;
	sev.sigev_value.sival_ptr = &marker;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t)) {
		printf("timer_create failed\n");
		return 0;
	}
	arm(t, 20000000, 0);
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	int r = sem_timedwait(&ready, &dl);
	printf("SIGEV_THREAD: %s\n", r != 0					       ? "notify did NOT run"
				     : atomic_load(&notify_tid) == gettid()    ? "notify ran on the MAIN thread"
				     : notify_value != &marker		       ? "notify got the WRONG value"
									       : "notify ran on another thread with the value");
	timer_delete(t);
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "alarm"))
		return run_alarm();
	if (!strcmp(what, "itimer-oneshot"))
		return run_itimer_oneshot();
	if (!strcmp(what, "itimer-periodic"))
		return run_itimer_periodic();
	if (!strcmp(what, "timer-signal"))
		return run_timer_signal();
	if (!strcmp(what, "timer-overrun"))
		return run_timer_overrun();
	if (!strcmp(what, "timer-gettime"))
		return run_timer_gettime();
	if (!strcmp(what, "timer-thread-id"))
		return run_timer_thread_id();
	if (!strcmp(what, "timer-sigev-thread"))
		return run_timer_sigev_thread();
	printf("unknown case\n");
	return 2;
}
