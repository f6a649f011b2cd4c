/* Running out and recovering. Under a soft RLIMIT_AS a little above what
 * the program already uses, mmap and malloc fail with ENOMEM at the limit,
 * and after everything is freed the same amount can be allocated again,
 * round after round; thread creation fails with EAGAIN at the limit and
 * recovers the same way. A single mapping larger than the machine's RAM is
 * refused (Linux's default overcommit heuristic) while one below it, and a
 * PROT_NONE reservation of any size, are not. 200 threads contend on one
 * mutex and one condition variable and the count comes out right. The
 * "oom" case touches memory until the VM has none left: the kernel ends it
 * as Linux's OOM killer would (SIGKILL, 137) and says "out of memory".
 * That case cannot run natively without hurting the host; its logic was
 * checked natively in a memory cgroup limited to 64 MiB (OOM kill, 137).
 * Every other case gives the same output and status natively. */
//! run: --mem 64M --timeout 20 -- rlimit-mmap
//! status: 0
//! expect: mmap to the limit, 4 rounds ok
//! expect: limit lifted ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- rlimit-malloc
//! status: 0
//! expect: malloc to the limit, 4 rounds ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- ram
//! status: 0
//! expect: mmap beyond RAM refused ok
//! expect: mmap below RAM ok
//! expect: reservation beyond RAM ok
//! expect: malloc beyond RAM refused ok
//! expect: small mmap after ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- threads
//! status: 0
//! expect: threads to the limit, 3 rounds ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- contend
//! status: 0
//! expect: 200 threads contended, count ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- oom
//! status: 137
//! expect: touching memory until it runs out
//! expect: out of memory
//! reject: mmap failed
//! reject: never ran out
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define MIB (1UL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
/* Address space allowed above what the program uses. */
#define EXTRA_MIB 96

static void set_soft_as(rlim_t v)
{
	struct rlimit r;
	getrlimit(RLIMIT_AS, &r);
	r.rlim_cur = v;
	setrlimit(RLIMIT_AS, &r);
}

/* The smallest soft RLIMIT_AS, in MiB, under which one more MiB can still
 * be mapped: what the program uses now, plus 1 to 2 MiB. Leaves the limit
 * unlimited. */
static size_t usage_limit_mib(void)
{
	size_t lo = 1, hi = 1UL << 20; /* up to 1 TiB */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		set_soft_as(mid * MIB);
		void *p = mmap(0, MIB, PROT_NONE, ANON, -1, 0);
		if (p != MAP_FAILED) {
			munmap(p, MIB);
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	set_soft_as(RLIM_INFINITY);
	return lo;
}

/* Sets the soft limit to what is in use plus EXTRA_MIB. */
static void limit_to_extra(void)
{
	size_t base = usage_limit_mib();
	set_soft_as((base + EXTRA_MIB) * MIB - 1);
}

static void rlimit_mmap_case(void)
{
	static void *chunks[4096];
	int counts[4], errs[4];
	/* Output before the limit, so that stdio has its buffer. */
	printf("mmap under RLIMIT_AS\n");
	fflush(stdout);
	limit_to_extra();
	for (int round = 0; round < 4; round++) {
		int n = 0;
		errno = 0;
		for (; n < 4096; n++) {
			unsigned char *c = mmap(0, MIB, RW, ANON, -1, 0);
			if (c == MAP_FAILED)
				break;
			c[n % 256 * PG] = (unsigned char)n;
			chunks[n] = c;
		}
		errs[round] = errno;
		counts[round] = n;
		for (int i = 0; i < n; i++)
			munmap(chunks[i], MIB);
	}
	set_soft_as(RLIM_INFINITY);
	char msg[200];
	int ok = 1;
	for (int r = 0; r < 4; r++)
		ok = ok && errs[r] == ENOMEM && counts[r] >= EXTRA_MIB - 1 && counts[r] <= EXTRA_MIB + 2 &&
		     abs(counts[r] - counts[0]) <= 1;
	snprintf(msg, sizeof msg, "MiB chunks per round %d %d %d %d (want %d to %d, each), errnos %d %d %d %d",
		 counts[0], counts[1], counts[2], counts[3], EXTRA_MIB - 1, EXTRA_MIB + 2, errs[0], errs[1], errs[2],
		 errs[3]);
	report("mmap to the limit, 4 rounds", ok, msg);
	void *big = mmap(0, 4 * EXTRA_MIB * MIB, PROT_NONE, ANON, -1, 0);
	report("limit lifted", big != MAP_FAILED, "a large mapping still fails");
}

static void rlimit_malloc_case(void)
{
	enum { CHUNK = 256 * 1024, MAXN = 4096 };
	static void *blocks[MAXN];
	int counts[4];
	printf("malloc under RLIMIT_AS\n");
	fflush(stdout);
	limit_to_extra();
	for (int round = 0; round < 4; round++) {
		int n = 0;
		for (; n < MAXN; n++) {
			unsigned char *b = malloc(CHUNK);
			if (!b)
				break;
			b[0] = b[CHUNK - 1] = (unsigned char)n;
			blocks[n] = b;
		}
		counts[round] = n;
		for (int i = 0; i < n; i++)
			free(blocks[i]);
	}
	set_soft_as(RLIM_INFINITY);
	/* 96 to 98 MiB over what is in use; each block costs its size plus at
	 * most two pages of headers. */
	int most = (int)((EXTRA_MIB + 2) * MIB / CHUNK), least = (int)(EXTRA_MIB * MIB / (CHUNK + 2 * PG)) - 4;
	int ok = 1;
	for (int r = 0; r < 4; r++)
		ok = ok && counts[r] >= least && counts[r] <= most && abs(counts[r] - counts[0]) <= counts[0] / 20;
	char msg[200];
	snprintf(msg, sizeof msg, "256 KiB blocks per round %d %d %d %d (want %d to %d, each within 5%%)", counts[0],
		 counts[1], counts[2], counts[3], least, most);
	report("malloc to the limit, 4 rounds", ok, msg);
}

static void ram_case(void)
{
	char msg[200];
	struct sysinfo si;
	sysinfo(&si);
	size_t ram = (size_t)si.totalram * si.mem_unit, swap = (size_t)si.totalswap * si.mem_unit;
	size_t beyond = ram + swap + 16 * MIB;

	errno = 0;
	void *p = mmap(0, beyond, RW, ANON, -1, 0);
	int e = errno;
	snprintf(msg, sizeof msg, "%zu MiB read-write (RAM %zu MiB, swap %zu MiB) gave %p errno %d", beyond / MIB,
		 ram / MIB, swap / MIB, p, e);
	report("mmap beyond RAM refused", p == MAP_FAILED && e == ENOMEM, msg);

	unsigned char *half = mmap(0, ram / 2, RW, ANON, -1, 0);
	int ok = half != MAP_FAILED;
	if (ok) {
		half[ram / 4] = 1;
		ok = half[ram / 4] == 1;
		munmap(half, ram / 2);
	}
	snprintf(msg, sizeof msg, "%zu MiB untouched", ram / 2 / MIB);
	report("mmap below RAM", ok, msg);

	p = mmap(0, 2 * beyond, PROT_NONE, ANON, -1, 0);
	snprintf(msg, sizeof msg, "%zu MiB PROT_NONE errno %d", 2 * beyond / MIB, p == MAP_FAILED ? errno : 0);
	report("reservation beyond RAM", p != MAP_FAILED, msg);
	if (p != MAP_FAILED)
		munmap(p, 2 * beyond);

	static void *volatile m;
	static volatile size_t msize;
	msize = 2 * beyond;
	m = malloc(msize);
	report("malloc beyond RAM refused", m == NULL, "malloc succeeded");
	free(m);

	unsigned char *s = mmap(0, MIB, RW, ANON, -1, 0);
	ok = s != MAP_FAILED;
	if (ok) {
		memset(s, 0x5c, MIB);
		ok = s[MIB - 1] == 0x5c;
	}
	void *sm = malloc(MIB);
	report("small mmap after", ok && sm, "a small allocation failed");
	free(sm);
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER, done_cv = PTHREAD_COND_INITIALIZER;
static int release, started;

static void *parked(void *arg)
{
	pthread_mutex_lock(&mu);
	started++;
	while (!release)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return arg;
}

static void threads_case(void)
{
	enum { MAXT = 2048, ROUNDS = 3, STACK = 64 * 1024 };
	static pthread_t ts[MAXT];
	int counts[ROUNDS], errs[ROUNDS], joined[ROUNDS];
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, STACK);
	printf("threads under RLIMIT_AS\n");
	fflush(stdout);
	/* The first thread sets up what threads share; count from there. */
	pthread_t first;
	release = 1;
	if (pthread_create(&first, &a, parked, NULL) == 0)
		pthread_join(first, NULL);
	release = 0;
	size_t base = usage_limit_mib();
	set_soft_as((base + 16) * MIB - 1);
	for (int round = 0; round < ROUNDS; round++) {
		int n = 0, e = 0;
		release = 0;
		started = 0;
		for (; n < MAXT; n++) {
			e = pthread_create(&ts[n], &a, parked, (void *)(intptr_t)n);
			if (e)
				break;
		}
		pthread_mutex_lock(&mu);
		release = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		int j = 0;
		for (int i = 0; i < n; i++) {
			void *r;
			if (pthread_join(ts[i], &r) == 0 && r == (void *)(intptr_t)i)
				j++;
		}
		counts[round] = n;
		errs[round] = e;
		joined[round] = j;
	}
	set_soft_as(RLIM_INFINITY);
	/* 16 to 18 MiB over what is in use: at most one thread per 64 KiB
	 * stack, at least one per 128 KiB (stack, guard page, TLS). */
	int most = 18 * MIB / STACK, least = 16 * MIB / (2 * STACK);
	int ok = 1;
	for (int r = 0; r < ROUNDS; r++)
		ok = ok && errs[r] == EAGAIN && joined[r] == counts[r] && counts[r] >= least && counts[r] <= most &&
		     abs(counts[r] - counts[0]) <= 2;
	char msg[200];
	snprintf(msg, sizeof msg, "threads per round %d %d %d (want %d to %d), errors %d %d %d, joined %d %d %d",
		 counts[0], counts[1], counts[2], least, most, errs[0], errs[1], errs[2], joined[0], joined[1],
		 joined[2]);
	report("threads to the limit, 3 rounds", ok, msg);
}

enum { NCONTEND = 200, ITER = 50 };
static long total;
static int go, finished;

static void *contender(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	started++;
	pthread_cond_broadcast(&done_cv);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < ITER; i++) {
		pthread_mutex_lock(&mu);
		long t = total;
		if (i % 7 == 0)
			sched_yield(); /* hold the lock across a switch now and then */
		total = t + 1;
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	finished++;
	pthread_cond_signal(&done_cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void contend_case(void)
{
	static pthread_t ts[NCONTEND];
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	int created = 0;
	for (; created < NCONTEND; created++)
		if (pthread_create(&ts[created], &a, contender, NULL))
			break;
	/* All wait on the condition variable before any starts counting. */
	pthread_mutex_lock(&mu);
	while (started < created)
		pthread_cond_wait(&done_cv, &mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	while (finished < created)
		pthread_cond_wait(&done_cv, &mu);
	pthread_mutex_unlock(&mu);
	int joined = 0;
	for (int i = 0; i < created; i++)
		joined += pthread_join(ts[i], NULL) == 0;
	char msg[200];
	snprintf(msg, sizeof msg, "created %d, joined %d, total %ld (want %d)", created, joined, total,
		 NCONTEND * ITER);
	report("200 threads contended, count", created == NCONTEND && joined == NCONTEND && total == NCONTEND * ITER,
	       msg);
}

/* Guest only (see the top of the file). */
static int oom_case(void)
{
	enum { CHUNK = 8 };
	printf("touching memory until it runs out\n");
	fflush(stdout);
	for (size_t mib = 0; mib < (64UL << 10); mib += CHUNK) {
		unsigned char *c = mmap(0, CHUNK * MIB, RW, ANON, -1, 0);
		if (c == MAP_FAILED) {
			printf("mmap failed with errno %d after %zu MiB\n", errno, mib);
			return 1;
		}
		for (size_t i = 0; i < CHUNK * MIB; i += PG)
			c[i] = 1;
	}
	printf("never ran out\n");
	return 1;
}

int main(int argc, char *argv[])
{
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "rlimit-mmap"))
		rlimit_mmap_case();
	else if (!strcmp(c, "rlimit-malloc"))
		rlimit_malloc_case();
	else if (!strcmp(c, "ram"))
		ram_case();
	else if (!strcmp(c, "threads"))
		threads_case();
	else if (!strcmp(c, "contend"))
		contend_case();
	else if (!strcmp(c, "oom"))
		return oom_case();
	else
		return 2;
	return failures ? 1 : 0;
}
