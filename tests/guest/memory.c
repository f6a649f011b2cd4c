/* malloc from small to large blocks, calloc's zeroing, realloc growth, and
 * the memory coming back after free. */
//! run: --mem 128M --
//! status: 0
//! expect: small ok
//! expect: large ok
//! expect: calloc ok
//! expect: realloc ok
//! expect: reuse ok
//! expect: oom ok
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	void *p[1000];
	for (int i = 0; i < 1000; i++) {
		p[i] = malloc(1 + i * 7);
		if (!p[i])
			return 1;
		memset(p[i], i, 1 + i * 7);
	}
	for (int i = 0; i < 1000; i++) {
		unsigned char *c = p[i];
		if (c[i * 7] != (unsigned char)i)
			return 2;
		free(p[i]);
	}
	printf("small ok\n");

	size_t big = 48u << 20;
	unsigned char *b = malloc(big);
	if (!b)
		return 3;
	for (size_t i = 0; i < big; i += 4096)
		b[i] = (unsigned char)(i >> 12);
	for (size_t i = 0; i < big; i += 4096)
		if (b[i] != (unsigned char)(i >> 12))
			return 4;
	free(b);
	printf("large ok\n");

	unsigned *z = calloc(1 << 20, sizeof(unsigned));
	if (!z)
		return 5;
	for (size_t i = 0; i < (1 << 20); i++)
		if (z[i])
			return 6;
	free(z);
	printf("calloc ok\n");

	char *r = NULL;
	for (size_t n = 16; n <= (8u << 20); n *= 2) {
		r = realloc(r, n);
		if (!r)
			return 7;
		r[n - 1] = 'x';
		r[n / 2 - 1] = 'y';
	}
	free(r);
	printf("realloc ok\n");

	/* Freed memory must be reusable: allocate and free the large block again. */
	for (int k = 0; k < 4; k++) {
		void *q = malloc(big);
		if (!q)
			return 8;
		free(q);
	}
	printf("reuse ok\n");

	/* Through volatiles, so the compiler cannot assume malloc succeeds.
	 * (errno after malloc is not checked: clang assumes malloc leaves it.) */
	static void *volatile huge;
	static volatile size_t huge_size = (size_t)1 << 40;
	huge = malloc(huge_size);
	void *m = mmap(0, (size_t)1 << 39, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (huge == NULL && m == MAP_FAILED && errno == ENOMEM)
		printf("oom ok\n");
	return 0;
}
