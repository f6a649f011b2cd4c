/* strchr, strcasecmp and strncasecmp against byte-by-byte
 * references: every start alignment, every position of the byte sought
 * (first bytes and past them, absent, the terminator itself), and every
 * pair of letters, digits and punctuation in both cases at every position
 * and length. Calls go through volatile pointers so the compiler cannot
 * expand them inline. */
//! run: --
//! native
//! status: 0
//! expect: strchr ok
//! expect: strcasecmp ok
//! expect: strncasecmp ok
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	char a[24], b[24];
	size_t k = sizeof alphabet - 1;
	for (size_t len = 0; len < 20; len++) {
		for (size_t i = 0; i < len; i++)
			a[i] = b[i] = (char)('a' + i % 26);
		a[len] = b[len] = 0;
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

int main(void)
{
	printf("strchr %s\n", check_strchr() ? "ok" : "FAILED");
	printf("strcasecmp %s\n", check_case(0) ? "ok" : "FAILED");
	printf("strncasecmp %s\n", check_case(1) ? "ok" : "FAILED");
	return 0;
}
