/* memcpy, memmove and memset (the image's own, arch/x86_64/string.S) against
 * byte-by-byte references: every length to 300 and some large ones, every
 * alignment of source and destination, overlaps both ways for memmove, and
 * bytes just outside the range untouched. Calls go through volatile
 * pointers so the compiler cannot expand them inline. Run again with the
 * rep movsb/stosb paths that a CPU with fast strings takes from 1 KiB on
 * (uk.string_rep_min), and with them for every length. */
//! run: --
//! native
//! status: 0
//! expect: memcpy ok
//! expect: memmove ok
//! expect: memset ok
//! run: --param uk.string_rep_min=1024 --
//! status: 0
//! expect: memcpy ok
//! expect: memmove ok
//! expect: memset ok
//! run: --param uk.string_rep_min=0 --
//! status: 0
//! expect: memcpy ok
//! expect: memmove ok
//! expect: memset ok
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *(*volatile do_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile do_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile do_memset)(void *, int, size_t) = memset;

enum { pad = 64, big = 70000 };
static unsigned char buf[big + 4 * pad], ref[big + 4 * pad];
static const size_t big_lens[] = {1023, 1024, 1025, 4096, 4097, 65536 + 7, big};

static void fill(unsigned char *p, size_t n, unsigned seed) {
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 131 + seed * 7 + (i >> 8));
}

static int fail(const char *what, size_t len, size_t a, size_t b) {
	printf("%s wrong: len %zu, offsets %zu %zu\n", what, len, a, b);
	return 1;
}

static int check_memcpy(size_t len, size_t so, size_t dof) {
	static unsigned char src[big + 2 * pad];
	fill(src, sizeof(src), (unsigned)len);
	memset(buf, 0xa5, len + 2 * pad);
	memcpy(ref, buf, len + 2 * pad);
	for (size_t i = 0; i < len; i++)
		ref[pad + dof + i] = src[so + i];
	if (do_memcpy(buf + pad + dof, src + so, len) != buf + pad + dof)
		return fail("memcpy return", len, so, dof);
	return memcmp(buf, ref, len + 2 * pad) ? fail("memcpy", len, so, dof) : 0;
}

/* Moves len bytes from base+from to base+to, both in the same buffer. */
static int check_memmove(size_t len, size_t from, size_t to) {
	size_t span = len + (from > to ? from : to) + pad;
	fill(buf, span, (unsigned)(len + from));
	memcpy(ref, buf, span);
	unsigned char *tmp = malloc(len + 1);
	if (!tmp)
		return fail("malloc", len, from, to);
	for (size_t i = 0; i < len; i++)
		tmp[i] = ref[from + i];
	for (size_t i = 0; i < len; i++)
		ref[to + i] = tmp[i];
	free(tmp);
	if (do_memmove(buf + to, buf + from, len) != buf + to)
		return fail("memmove return", len, from, to);
	return memcmp(buf, ref, span) ? fail("memmove", len, from, to) : 0;
}

static int check_memset(size_t len, size_t off, int c) {
	memset(buf, 0x5a, len + 2 * pad);
	memcpy(ref, buf, len + 2 * pad);
	for (size_t i = 0; i < len; i++)
		ref[pad + off + i] = (unsigned char)c;
	if (do_memset(buf + pad + off, c, len) != buf + pad + off)
		return fail("memset return", len, off, (size_t)c);
	return memcmp(buf, ref, len + 2 * pad) ? fail("memset", len, off, (size_t)c) : 0;
}

int main(void) {
	int bad = 0;
	for (size_t len = 0; len <= 300 && !bad; len++)
		for (size_t so = 0; so < 8 && !bad; so++)
			for (size_t dof = 0; dof < 8 && !bad; dof++)
				bad |= check_memcpy(len, so, dof);
	for (size_t i = 0; i < sizeof(big_lens) / sizeof(big_lens[0]) && !bad; i++)
		for (size_t a = 0; a < 8 && !bad; a += 3)
			bad |= check_memcpy(big_lens[i], a, 7 - a);
	printf("memcpy %s\n", bad ? "FAILED" : "ok");

	int bad_move = 0;
	for (size_t len = 0; len <= 200 && !bad_move; len++)
		for (size_t d = 0; d < 40 && !bad_move; d++) {
			bad_move |= check_memmove(len, d, 0);      /* dst below src */
			bad_move |= check_memmove(len, 0, d);      /* dst above src */
			bad_move |= check_memmove(len, 3, d + 1); /* odd offsets */
		}
	for (size_t i = 0; i < sizeof(big_lens) / sizeof(big_lens[0]) && !bad_move; i++) {
		size_t len = big_lens[i] - 2 * pad;
		bad_move |= check_memmove(len, 5, 5 + 33) | check_memmove(len, 5 + 33, 5);
	}
	printf("memmove %s\n", bad_move ? "FAILED" : "ok");

	int bad_set = 0;
	for (size_t len = 0; len <= 300 && !bad_set; len++)
		for (size_t off = 0; off < 8 && !bad_set; off++)
			bad_set |= check_memset(len, off, (int)(len * 7 + off) | 0x100);
	for (size_t i = 0; i < sizeof(big_lens) / sizeof(big_lens[0]) && !bad_set; i++)
		bad_set |= check_memset(big_lens[i], 3, 0) | check_memset(big_lens[i], 0, 0xff);
	printf("memset %s\n", bad_set ? "FAILED" : "ok");
	return bad || bad_move || bad_set;
}
