// A per-thread cache of small chunks in front of musl's oldmalloc, built
// into the image's libc.a by tools/musl.sh (it takes the place of musl's
// src/malloc/free.c and is compiled with oldmalloc's own header).
//
// oldmalloc takes a lock, searches its bins and splits or merges chunks on
// every call: a malloc and free pair of a small object costs several locked
// instructions and a dozen calls, which under emulation cost far more than
// the object's use (Redis spends a tenth of its time there on SET). Here a
// freed chunk of up to cache_max_chunk bytes stays with the thread, still
// in use as far as oldmalloc knows, on a list per chunk size; the thread's
// next malloc of that size takes it back with no lock and no search. A list
// holds at most cache_depth chunks, so a thread keeps at most a bounded
// amount of memory from the others; past that, and for every other chunk,
// malloc and free are oldmalloc's. realloc, calloc, aligned_alloc and
// malloc_usable_size work on the chunks as before: a cached chunk is an
// ordinary in-use chunk of oldmalloc's.
//
// A thread that exits gives its chunks back (a thread-specific key's
// destructor). A chunk freed twice while the first free still holds it is
// found (the cache's key in its second word, then a walk of that one list)
// and crashes the program, as oldmalloc does for the double frees it sees.
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "atomic.h"
#include "libc.h"
#include "malloc_impl.h"

// Chunk sizes SIZE_ALIGN, 2*SIZE_ALIGN, ... 512: the objects programs make
// and drop by the thousand. Larger ones go to oldmalloc, whose merging of
// free neighbours lets a growing realloc stay in place (CPython, which
// keeps objects up to 512 bytes in its own pools, asks malloc for little
// else: caching its larger blocks made its json loop up to 1.5x slower).
#define cache_classes 16
#define cache_max_chunk (cache_classes * SIZE_ALIGN)
#define cache_depth 16

struct cache {
	void *head[cache_classes];
	unsigned char count[cache_classes];
	unsigned char keyed; // the exit destructor is set up for this thread
	unsigned char dead;  // the destructor ran: no more caching
};

static __thread struct cache tcache;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

// What a cached chunk holds in its second word, so that a second free of
// it is seen without walking every list on every free.
static uintptr_t chunk_key(struct cache *c)
{
	return (uintptr_t)c ^ (uintptr_t)0x5bd1e9955bd1e995ull;
}

static void drain(void *arg)
{
	struct cache *c = arg;
	c->dead = 1;
	for (int i = 0; i < cache_classes; i++) {
		void *p = c->head[i];
		while (p) {
			void *next = *(void **)p;
			__libc_free(p);
			p = next;
		}
		c->head[i] = 0;
		c->count[i] = 0;
	}
}

static void make_key(void)
{
	if (pthread_key_create(&cache_key, drain))
		cache_key = (pthread_key_t)-1;
}

// The thread's first cached chunk: its exit must give the chunks back.
static int keyed(struct cache *c)
{
	pthread_once(&cache_key_once, make_key);
	if (cache_key == (pthread_key_t)-1 || pthread_setspecific(cache_key, c))
		return 0;
	c->keyed = 1;
	return 1;
}

void *malloc(size_t n)
{
	if (n <= cache_max_chunk - OVERHEAD) {
		size_t size = (n + OVERHEAD + SIZE_ALIGN - 1) & SIZE_MASK;
		size_t i = size / SIZE_ALIGN - 1;
		struct cache *c = &tcache;
		void *p = c->head[i];
		if (p) {
			c->head[i] = *(void **)p;
			c->count[i]--;
			((uintptr_t *)p)[1] = 0;
			return p;
		}
	}
	return __libc_malloc_impl(n);
}

void free(void *p)
{
	if (!p)
		return;
	struct chunk *self = MEM_TO_CHUNK(p);
	size_t csize = self->csize;
	size_t size = csize & -2;
	struct cache *c = &tcache;
	// Only chunks of the heap (mmapped ones have C_INUSE clear), small,
	// with their neighbour's footer intact.
	if (!(csize & C_INUSE) || size - SIZE_ALIGN > cache_max_chunk - SIZE_ALIGN || c->dead)
		return __libc_free(p);
	if (NEXT_CHUNK(self)->psize != csize)
		a_crash();
	size_t i = size / SIZE_ALIGN - 1;
	uintptr_t key = chunk_key(c);
	if (((uintptr_t *)p)[1] == key) {
		for (void *q = c->head[i]; q; q = *(void **)q)
			if (q == p)
				a_crash();
	}
	if (c->count[i] >= cache_depth || (!c->keyed && !keyed(c)))
		return __libc_free(p);
	*(void **)p = c->head[i];
	((uintptr_t *)p)[1] = key;
	c->head[i] = p;
	c->count[i]++;
}
