/* pthreads on the preemptive scheduler: a contended mutex and condition
 * variable with a checked total, preemption of threads that never block,
 * timed waits, detached threads, per-thread TLS, thread churn and
 * pthread_getattr_np on the main thread. */
//! run: --
//! status: 0
//! expect: stress total 64000 ok
//! expect: pingpong 2000 ok
//! expect: preempt ok
//! expect: timedwait ok
//! expect: detached 8 ok
//! expect: tls ok
//! expect: churn 200 ok
//! expect: getattr ok
//! expect: cputime ok
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define NT 16
#define ITER 4000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long total;
static int turn;

static void *stress(void *arg)
{
	for (int i = 0; i < ITER; i++) {
		pthread_mutex_lock(&mu);
		long t = total;
		if (i % 97 == 0)
			sched_yield(); /* hold the lock across a switch now and then */
		total = t + 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return arg;
}

static void *pong(void *arg)
{
	int me = (int)(long)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		while (turn != me)
			pthread_cond_wait(&cv, &mu);
		turn = !me;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static atomic_int spin_flag;
static void *spinner(void *arg)
{
	(void)arg;
	atomic_store(&spin_flag, 1); /* runs only if main is preempted */
	return NULL;
}

static sem_t done_sem;
static atomic_int detached_runs;
static void *detached(void *arg)
{
	(void)arg;
	atomic_fetch_add(&detached_runs, 1);
	sem_post(&done_sem);
	return NULL;
}

static __thread long tls_value = 5;
static atomic_int tls_ok = 1;
static void *tls_check(void *arg)
{
	if (tls_value != 5)
		atomic_store(&tls_ok, 0);
	tls_value = (long)arg;
	usleep(2000);
	if (tls_value != (long)arg)
		atomic_store(&tls_ok, 0);
	return NULL;
}

static void *nothing(void *arg) { return arg; }

static long long now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	pthread_t t[NT];
	for (long i = 0; i < NT; i++)
		if (pthread_create(&t[i], NULL, stress, (void *)i))
			return 1;
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	printf("stress total %ld %s\n", total, total == NT * ITER ? "ok" : "WRONG");

	pthread_create(&t[0], NULL, pong, (void *)0L);
	pthread_create(&t[1], NULL, pong, (void *)1L);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("pingpong 2000 ok\n");

	pthread_create(&t[0], NULL, spinner, NULL);
	long long start = now_ns(CLOCK_MONOTONIC);
	while (!atomic_load(&spin_flag) && now_ns(CLOCK_MONOTONIC) - start < 5000000000LL)
		; /* never blocks: the spinner can only run if this thread is preempted */
	int preempted = atomic_load(&spin_flag);
	pthread_join(t[0], NULL);
	printf("preempt %s\n", preempted ? "ok" : "FAILED");

	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 50000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&mu);
	long long t0 = now_ns(CLOCK_MONOTONIC);
	int r = pthread_cond_timedwait(&cv, &mu, &dl);
	long long waited = now_ns(CLOCK_MONOTONIC) - t0;
	pthread_mutex_unlock(&mu);
	printf("timedwait %s\n", r == ETIMEDOUT && waited >= 45000000LL && waited < 1000000000LL ? "ok" : "FAILED");

	sem_init(&done_sem, 0, 0);
	for (int i = 0; i < 8; i++) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_t d;
		pthread_create(&d, &a, detached, NULL);
		pthread_attr_destroy(&a);
	}
	for (int i = 0; i < 8; i++)
		sem_wait(&done_sem);
	printf("detached %d ok\n", atomic_load(&detached_runs));

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, tls_check, (void *)(100 + i));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("tls %s\n", atomic_load(&tls_ok) && tls_value == 5 ? "ok" : "FAILED");

	int churn = 0;
	for (long i = 0; i < 200; i++) {
		void *ret;
		if (pthread_create(&t[0], NULL, nothing, (void *)i) == 0 && pthread_join(t[0], &ret) == 0 &&
		    (long)ret == i)
			churn++;
	}
	printf("churn %d ok\n", churn);

	pthread_attr_t attr;
	void *stk;
	size_t sz;
	if (pthread_getattr_np(pthread_self(), &attr) == 0 && pthread_attr_getstack(&attr, &stk, &sz) == 0 &&
	    (char *)&attr > (char *)stk && (char *)&attr < (char *)stk + sz)
		printf("getattr ok\n");
	else
		printf("getattr FAILED\n");

	long long c0 = now_ns(CLOCK_THREAD_CPUTIME_ID), p0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 2000000; i++)
		x += i;
	long long c1 = now_ns(CLOCK_THREAD_CPUTIME_ID), p1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	printf("cputime %s\n", c1 > c0 && p1 > p0 && p1 >= c1 ? "ok" : "FAILED");
	return 0;
}
