/* Freed small blocks come back to malloc (the image's libc keeps a cache of
 * them per thread): every size from 0 to past the cached range keeps its
 * bytes and its usable size; calloc zeroes a block that was dirty when
 * freed; realloc and aligned blocks mix with cached ones; blocks freed on
 * another thread than the one that took them are fine; and threads that
 * exit give their cached blocks back, so the heap does not grow with the
 * number of threads that came and went. */
//! run: --mem 128M --
//! status: 0
//! native
//! expect: sizes: contents and usable sizes kept
//! expect: calloc: zeroed after reuse
//! expect: realloc: contents kept
//! expect: aligned: aligned, usable
//! expect: cross-thread frees: ok
//! expect: exited threads: heap flat
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define max_size 1200
#define rounds 6

static int check(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void sizes(void)
{
	static unsigned char *blocks[max_size + 1];
	int bad = 0;
	for (int r = 0; r < rounds; r++) {
		for (size_t n = 0; n <= max_size; n++) {
			blocks[n] = malloc(n);
			if (!blocks[n] || malloc_usable_size(blocks[n]) < n) {
				bad = 1;
				continue;
			}
			memset(blocks[n], (int)(n + r) & 0xff, n);
		}
		for (size_t n = 0; n <= max_size; n++) {
			if (blocks[n] && !check(blocks[n], n, (unsigned char)((n + r) & 0xff)))
				bad = 1;
			/* Every other block goes back at once, the rest after, so
			 * that each round takes blocks in another order. */
			if ((n + r) % 2) {
				free(blocks[n]);
				blocks[n] = 0;
			}
		}
		for (size_t n = 0; n <= max_size; n++)
			free(blocks[n]);
	}
	printf("sizes: %s\n", bad ? "FAILED" : "contents and usable sizes kept");
}

static void zeroed(void)
{
	int bad = 0;
	for (size_t n = 1; n <= max_size; n += 7) {
		unsigned char *p = malloc(n);
		if (!p) {
			bad = 1;
			continue;
		}
		memset(p, 0xa5, n);
		free(p);
		unsigned char *q = calloc(1, n);
		if (!q || !check(q, n, 0))
			bad = 1;
		free(q);
	}
	printf("calloc: %s\n", bad ? "FAILED" : "zeroed after reuse");
}

static void resized(void)
{
	int bad = 0;
	for (size_t n = 1; n <= max_size; n += 13) {
		unsigned char *p = malloc(n);
		if (!p) {
			bad = 1;
			continue;
		}
		memset(p, 0x3c, n);
		unsigned char *q = realloc(p, n * 3);
		if (!q || !check(q, n, 0x3c)) {
			bad = 1;
			free(q ? q : p);
			continue;
		}
		memset(q, 0x5d, n * 3);
		unsigned char *s = realloc(q, n / 2 + 1);
		if (!s || !check(s, n / 2 + 1, 0x5d))
			bad = 1;
		free(s ? s : q);
	}
	printf("realloc: %s\n", bad ? "FAILED" : "contents kept");
}

static void aligned(void)
{
	int bad = 0;
	void *small[64];
	for (int i = 0; i < 64; i++)
		small[i] = malloc(40);
	for (size_t align = 16; align <= 4096; align *= 2) {
		for (size_t n = 1; n <= 600; n += 37) {
			void *p = 0;
			if (posix_memalign(&p, align, n) || ((uintptr_t)p & (align - 1)) ||
			    malloc_usable_size(p) < n) {
				bad = 1;
				continue;
			}
			memset(p, 0x11, n);
			free(p);
			p = aligned_alloc(align, (n + align - 1) / align * align);
			if (!p || ((uintptr_t)p & (align - 1)))
				bad = 1;
			free(p);
		}
	}
	for (int i = 0; i < 64; i++)
		free(small[i]);
	printf("aligned: %s\n", bad ? "FAILED" : "aligned, usable");
}

#define handoff 4096
static unsigned char *passed[handoff];

static void *taker(void *arg)
{
	(void)arg;
	int bad = 0;
	for (int i = 0; i < handoff; i++) {
		if (!check(passed[i], (size_t)(i % 500) + 1, (unsigned char)i))
			bad = 1;
		free(passed[i]);
	}
	return bad ? (void *)1 : 0;
}

static void cross_thread(void)
{
	int bad = 0;
	for (int r = 0; r < 3; r++) {
		for (int i = 0; i < handoff; i++) {
			size_t n = (size_t)(i % 500) + 1;
			passed[i] = malloc(n);
			if (!passed[i])
				abort();
			memset(passed[i], i & 0xff, n);
		}
		pthread_t t;
		void *res;
		if (pthread_create(&t, 0, taker, 0) || pthread_join(t, &res) || res)
			bad = 1;
		/* What the other thread freed is taken again here. */
		for (int i = 0; i < handoff; i++) {
			passed[i] = malloc((size_t)(i % 500) + 1);
			if (!passed[i])
				abort();
		}
		for (int i = 0; i < handoff; i++)
			free(passed[i]);
	}
	printf("cross-thread frees: %s\n", bad ? "FAILED" : "ok");
}

/* Each thread takes and frees blocks of every cached size, so that its
 * cache fills, then exits. */
static void *churn(void *arg)
{
	(void)arg;
	void *p[32 * 16];
	for (int k = 0; k < 32 * 16; k++)
		p[k] = malloc((size_t)(k % 32) * 32 + 1);
	for (int k = 0; k < 32 * 16; k++)
		free(p[k]);
	return 0;
}

static int run_threads(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, 0, churn, 0) || pthread_join(t, 0))
			return 0;
	}
	return 1;
}

static long maxrss_kib(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

/* The peak memory in use moves little from 20 threads to 320: 300 threads
 * that each kept their ~70 KiB of cached blocks would add ~20 MiB. */
static void exited_threads(void)
{
	int ok = run_threads(20);
	long before = maxrss_kib();
	ok = ok && run_threads(300);
	long grew = maxrss_kib() - before;
	ok = ok && before > 0 && grew < 4096;
	printf("exited threads: %s\n", ok ? "heap flat" : "FAILED");
	if (!ok)
		printf("peak memory grew by %ld KiB\n", grew);
}

int main(void)
{
	sizes();
	zeroed();
	resized();
	aligned();
	cross_thread();
	exited_threads();
	return 0;
}
