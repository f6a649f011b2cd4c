/* Stacks as Linux gives them: the main thread may use megabytes of its
 * 8 MiB (RLIMIT_STACK's default) without running into the break or mmap'd
 * memory, and dies with SIGSEGV (139) when it runs past the end, as does a thread past its guard page; a thread created with
 * a 4 MiB stack can use it. Each frame holds a 1 KiB array that the result
 * depends on, so no compiler can shrink or remove the recursion. The guest
 * additionally reports the overflow on the console ("stack overflow"). */
//! run: --mem 64M --timeout 20 -- main 1536
//! status: 0
//! expect: main 1536 KiB recursion ok
//! expect: other memory intact
//! run: --mem 64M --timeout 20 -- main 6144
//! status: 0
//! expect: main 6144 KiB recursion ok
//! expect: other memory intact
//! run: --mem 64M --timeout 20 -- thread 1536
//! status: 0
//! expect: thread with 4 MiB stack: 1536 KiB recursion ok
//! run: --mem 64M --timeout 20 -- overflow main
//! status: 139
//! expect: recursing without bound on main
//! expect: stack overflow
//! reject: survived
//! run: --mem 64M --timeout 20 -- overflow thread
//! status: 139
//! expect: recursing without bound on thread
//! reject: survived
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define FRAME 1024
#define OTHER (12UL << 20)

static unsigned long step(unsigned long x)
{
	return x * 6364136223846793005UL + 1442695040888963407UL;
}

/* Recurses `depth` times with a 1 KiB frame each; the result mixes values
 * read back from every frame's array after the deeper calls return. */
__attribute__((noinline)) static unsigned long recurse(unsigned long depth, unsigned long seed)
{
	volatile unsigned char frame[FRAME];
	frame[0] = (unsigned char)seed;
	frame[FRAME - 1] = (unsigned char)(seed >> 8);
	if (depth == 0)
		return seed;
	unsigned long r = recurse(depth - 1, step(seed));
	return r ^ (frame[0] + frame[FRAME - 1] * 3UL + depth);
}

/* The same value as recurse(depth, seed), without the stack. */
static unsigned long expected(unsigned long depth, unsigned long seed)
{
	unsigned long seeds_top = seed;
	unsigned long *seeds = malloc((depth + 1) * sizeof *seeds);
	if (!seeds)
		return 0;
	for (unsigned long d = 0; d <= depth; d++) {
		seeds[d] = seeds_top;
		seeds_top = step(seeds_top);
	}
	/* seeds[d] is the seed of the call with depth - d left. */
	unsigned long r = seeds[depth];
	for (unsigned long d = depth; d-- > 0;) {
		unsigned long s = seeds[d];
		r ^= (unsigned char)s + (unsigned char)(s >> 8) * 3UL + (depth - d);
	}
	free(seeds);
	return r;
}

struct job {
	unsigned long depth;
	unsigned long result;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	j->result = recurse(j->depth, 12345);
	return NULL;
}

static const char *where;

static void *run_unbounded(void *arg)
{
	(void)arg;
	printf("recursing without bound on %s\n", where);
	fflush(stdout);
	/* A depth that cannot be reached, read at run time. */
	volatile unsigned long huge = 1UL << 40;
	unsigned long r = recurse(huge, 1);
	printf("survived: %lu\n", r);
	return NULL;
}

int main(int argc, char *argv[])
{
	if (argc < 3)
		return 2;
	unsigned long kib = strtoul(argv[2], NULL, 10);
	/* One frame is at least FRAME bytes, so this many frames use at least
	 * kib KiB of stack. */
	unsigned long depth = kib * 1024 / FRAME;
	if (!strcmp(argv[1], "main")) {
		/* Other memory, at both ends of what the app has, must be out of
		 * the stack's way: the break grown by 12 MiB, 12 MiB of mmap. */
		printf("main thread\n");
		fflush(stdout);
		unsigned char *b0 = (unsigned char *)syscall(SYS_brk, 0);
		int grew = (unsigned char *)syscall(SYS_brk, b0 + OTHER) == b0 + OTHER;
		unsigned char *m = mmap(0, OTHER, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!grew || m == MAP_FAILED) {
			printf("no memory to check against\n");
			return 1;
		}
		memset(b0, 0x5b, OTHER);
		memset(m, 0x6d, OTHER);
		unsigned long r = recurse(depth, 12345);
		int intact = all_equal(b0, OTHER, 0x5b) && all_equal(m, OTHER, 0x6d);
		syscall(SYS_brk, b0);
		printf("main %lu KiB recursion %s\n", kib, r == expected(depth, 12345) ? "ok" : "WRONG");
		printf("other memory %s\n", intact ? "intact" : "OVERWRITTEN");
		return 0;
	}
	if (!strcmp(argv[1], "thread")) {
		pthread_attr_t a;
		pthread_attr_init(&a);
		int e = pthread_attr_setstacksize(&a, 4 << 20);
		struct job j = {depth, 0};
		pthread_t t;
		if (e || pthread_create(&t, &a, run_job, &j) || pthread_join(t, NULL)) {
			printf("thread with 4 MiB stack: could not run\n");
			return 1;
		}
		printf("thread with 4 MiB stack: %lu KiB recursion %s\n", kib,
		       j.result == expected(depth, 12345) ? "ok" : "WRONG");
		return 0;
	}
	if (!strcmp(argv[1], "overflow")) {
		where = argv[2];
		if (!strcmp(where, "main")) {
			run_unbounded(NULL);
		} else {
			pthread_t t;
			if (pthread_create(&t, NULL, run_unbounded, NULL))
				return 3;
			pthread_join(t, NULL);
		}
		return 1;
	}
	return 2;
}
