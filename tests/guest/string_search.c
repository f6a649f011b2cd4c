/* memcmp, strchr, strcasecmp and strncasecmp against byte-by-byte
 * references: every start alignment, every position of the byte sought
 * (first bytes and past them, absent, the terminator itself), every pair
 * of letters, digits and punctuation in both cases at every position and
 * length, and strings and buffers that end where the next page is not
 * mapped (no read may reach it). Calls go through volatile pointers so the
 * compiler cannot expand them inline. */
//! run: --
//! native
//! status: 0
//! expect: memcmp ok
//! expect: strchr ok
//! expect: strcasecmp ok
//! expect: strncasecmp ok
//! expect: page ends ok
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

static int (*volatile do_memcmp)(const void *, const void *, size_t) = memcmp;
static char *(*volatile do_strchr)(const char *, int) = strchr;
static int (*volatile do_strcasecmp)(const char *, const char *) = strcasecmp;
static int (*volatile do_strncasecmp)(const char *, const char *, size_t) = strncasecmp;

static char *ref_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static int ref_strncasecmp(const char *a, const char *b, size_t n)
{
	for (; n; a++, b++, n--) {
		int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
		if (x != y || !x)
			return x - y;
	}
	return 0;
}

static int ref_memcmp(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (; n; a++, b++, n--)
		if (*a != *b)
			return *a - *b;
	return 0;
}

/* The sign only: glibc's memcmp may answer 1 or -1 for any difference. */
static int check_memcmp(void)
{
	static unsigned char a[96], b[96];
	static const unsigned char values[] = {0, 1, 0x7f, 0x80, 0xfe, 0xff};
	size_t nv = sizeof values;
	for (size_t len = 0; len < 72; len++) {
		for (size_t ao = 0; ao < 8; ao++) {
			for (size_t bo = 0; bo < 8; bo += (len < 20 ? 1 : 3)) {
				unsigned char *x = a + ao, *y = b + bo;
				for (size_t i = 0; i < len; i++)
					x[i] = y[i] = (unsigned char)(i * 37 + len);
				x[len] = 1, y[len] = 2; /* past the end: never compared */
				if (do_memcmp(x, y, len) != 0)
					return 0;
				for (size_t at = 0; at < len; at++) {
					unsigned char keep = x[at];
					for (size_t v = 0; v < nv; v++) {
						for (size_t w = 0; w < nv; w += (len < 20 ? 1 : 5)) {
							x[at] = values[v];
							y[at] = values[w];
							/* A later difference must not matter. */
							if (at + 1 < len)
								x[len - 1] ^= 0x40;
							if (sign(do_memcmp(x, y, len)) != sign(ref_memcmp(x, y, len)))
								return 0;
							if (at + 1 < len)
								x[len - 1] ^= 0x40;
						}
					}
					x[at] = y[at] = keep;
				}
			}
		}
	}
	return 1;
}

static int check_strchr(void)
{
	static char buf[128];
	for (size_t align = 0; align < 16; align++) {
		for (size_t len = 0; len < 80; len++) {
			char *s = buf + align;
			for (size_t i = 0; i < len; i++)
				s[i] = (char)('a' + i % 23);
			s[len] = 0;
			s[len + 1] = '\r'; /* past the end: never found */
			int wanted[] = {'\r', 0, 'a', 'a' + 22, 0x80, 0x180};
			for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++)
				if (do_strchr(s, wanted[w]) != ref_strchr(s, wanted[w]))
					return 0;
			for (size_t at = 0; at < len; at++) {
				char keep = s[at];
				s[at] = '\r';
				if (do_strchr(s, '\r') != s + at)
					return 0;
				s[at] = (char)0xe9;
				if (do_strchr(s, 0xe9) != s + at || do_strchr(s, -23) != s + at)
					return 0;
				s[at] = keep;
			}
		}
	}
	return 1;
}

static const char alphabet[] = "aAzZmM09@[`{_\xc9\xe9 ";

static int check_case(int bounded)
{
	char abuf[40], bbuf[40];
	size_t k = sizeof alphabet - 1;
	for (size_t len = 0; len < 28; len++) {
		/* Both strings at each alignment in turn, one against the other. */
		char *a = abuf + len % 8, *b = bbuf + (len * 3) % 8;
		for (size_t i = 0; i < len; i++)
			a[i] = b[i] = (char)('a' + i % 26);
		a[len] = b[len] = 0;
		a[len + 1] = 'x', b[len + 1] = 'y'; /* past the end: never compared */
		for (size_t at = 0; at < len; at++) {
			for (size_t x = 0; x < k; x++) {
				for (size_t y = 0; y < k; y++) {
					a[at] = alphabet[x];
					b[at] = alphabet[y];
					for (size_t n = 0; n <= (bounded ? len + 1 : 0); n++) {
						int got = bounded ? do_strncasecmp(a, b, n) : do_strcasecmp(a, b);
						int want = ref_strncasecmp(a, b, bounded ? n : (size_t)-1);
						if (sign(got) != sign(want))
							return 0;
					}
				}
			}
			a[at] = b[at] = (char)('a' + at % 26);
		}
		/* One string a prefix of the other. */
		if (len && sign(do_strcasecmp(a, "")) != 1)
			return 0;
	}
	return 1;
}

/* Strings and buffers that end with the last byte of a page whose next
 * page is not mapped: a read past them would fault. */
static int check_page_ends(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *m = mmap(0, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || munmap(m + page, page) || munmap(m + 3 * page, page))
		return 0;
	unsigned char *a_end = m + page, *b_end = m + 3 * page;
	for (size_t len = 1; len <= 24; len++) {
		unsigned char *a = a_end - len, *b = b_end - len;
		for (size_t i = 0; i < len; i++)
			a[i] = b[i] = (unsigned char)('A' + i);
		if (do_memcmp(a, b, len) != 0)
			return 0;
		b[len - 1] = 'z';
		if (sign(do_memcmp(a, b, len)) != -1)
			return 0;
		/* Strings of len - 1 letters and their NUL. */
		a[len - 1] = b[len - 1] = 0;
		for (size_t i = 0; i + 1 < len; i++)
			b[i] = (unsigned char)('a' + i);
		if (do_strcasecmp((char *)a, (char *)b) != 0 ||
		    do_strncasecmp((char *)a, (char *)b, len + 8) != 0)
			return 0;
		if (sign(do_strcasecmp((char *)a, (char *)b_end - 1)) != (len > 1))
			return 0;
		if (do_strchr((char *)a, '#') != 0 || do_strchr((char *)a, 0) != (char *)a + len - 1)
			return 0;
	}
	munmap(m, page);
	munmap(m + 2 * page, page);
	return 1;
}

int main(void)
{
	printf("memcmp %s\n", check_memcmp() ? "ok" : "FAILED");
	printf("strchr %s\n", check_strchr() ? "ok" : "FAILED");
	printf("strcasecmp %s\n", check_case(0) ? "ok" : "FAILED");
	printf("strncasecmp %s\n", check_case(1) ? "ok" : "FAILED");
	printf("page ends %s\n", check_page_ends() ? "ok" : "FAILED");
	return 0;
}
