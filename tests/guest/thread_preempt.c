/* A thread woken by another one gets the CPU even when the waker then
 * spins without making a system call: the waker's time slice ends and the
 * woken thread runs. The waker wakes it through a semaphore, a condition
 * variable, a contended mutex, or the woken thread's own sleep ending, then
 * spins on a flag only the woken thread sets. On one CPU that spin ends
 * only by preemption. */
//! run: --timeout 20 -- sem
//! status: 0
//! expect: sem_post: woken thread ran
//! run: --timeout 20 -- cond
//! status: 0
//! expect: cond_signal: woken thread ran
//! run: --timeout 20 -- mutex
//! status: 0
//! expect: mutex_unlock: woken thread ran
//! run: --timeout 20 -- sleep
//! status: 0
//! expect: sleep end: woken thread ran
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static sem_t ready, go;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int released;
static atomic_int flag;

static void spin_until_flag(void)
{
	while (!atomic_load_explicit(&flag, memory_order_acquire))
		__builtin_ia32_pause();
}

static void short_sleep(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static void *sem_waiter(void *arg)
{
	(void)arg;
	sem_post(&ready);
	sem_wait(&go);
	atomic_store(&flag, 1);
	return NULL;
}

static void *cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	sem_post(&ready);
	while (!released)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	atomic_store(&flag, 1);
	return NULL;
}

static void *mutex_waiter(void *arg)
{
	(void)arg;
	sem_post(&ready);
	pthread_mutex_lock(&mu);
	pthread_mutex_unlock(&mu);
	atomic_store(&flag, 1);
	return NULL;
}

static void *sleep_waiter(void *arg)
{
	(void)arg;
	sem_post(&ready);
	short_sleep();
	atomic_store(&flag, 1);
	return NULL;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	const char *label;
	void *(*fn)(void *);
	if (!strcmp(what, "sem")) {
		fn = sem_waiter;
		label = "sem_post";
	} else if (!strcmp(what, "cond")) {
		fn = cond_waiter;
		label = "cond_signal";
	} else if (!strcmp(what, "mutex")) {
		fn = mutex_waiter;
		label = "mutex_unlock";
		pthread_mutex_lock(&mu); /* held so that the waiter blocks */
	} else if (!strcmp(what, "sleep")) {
		fn = sleep_waiter;
		label = "sleep end";
	} else {
		printf("unknown case\n");
		return 2;
	}
	sem_init(&ready, 0, 0);
	sem_init(&go, 0, 0);
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL))
		return 1;
	sem_wait(&ready);
	if (fn == sleep_waiter) {
		spin_until_flag();
	} else {
		/* Let the waiter block first, so that the wake below is what makes
		 * it runnable. */
		short_sleep();
		if (fn == sem_waiter) {
			sem_post(&go);
		} else if (fn == cond_waiter) {
			pthread_mutex_lock(&mu);
			released = 1;
			pthread_cond_signal(&cv);
			pthread_mutex_unlock(&mu);
		} else {
			pthread_mutex_unlock(&mu);
		}
		spin_until_flag();
	}
	pthread_join(t, NULL);
	printf("%s: woken thread ran\n", label);
	return 0;
}
