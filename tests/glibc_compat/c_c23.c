/* The C23 number parsing of glibc 2.38's __isoc23_* names, which glibc 2.36
 * (the host's) lacks, so the expected values are written here. Linked only
 * against musl + the compatibility layer; prints "c23 ok" and exits 0, or
 * names each mismatch and exits 1. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

long __isoc23_strtol(const char *, char **, int);
unsigned long __isoc23_strtoul(const char *, char **, int);
long long __isoc23_strtoll(const char *, char **, int);
unsigned long long __isoc23_strtoull(const char *, char **, int);
intmax_t __isoc23_strtoimax(const char *, char **, int);
long __isoc23_wcstol(const wchar_t *, wchar_t **, int);
unsigned long long __isoc23_wcstoull(const wchar_t *, wchar_t **, int);
int __isoc23_sscanf(const char *, const char *, ...);

static int failures;

static void expect(const char *what, long long got, long long want, long got_end, long want_end, int got_errno,
		   int want_errno)
{
	if (got != want || got_end != want_end || got_errno != want_errno) {
		printf("BAD %s: value %lld (want %lld) end %ld (want %ld) errno %d (want %d)\n", what, got, want,
		       got_end, want_end, got_errno, want_errno);
		failures++;
	}
}

#define CHECK_STRTOL(fn, str, base, want, want_end, want_errno)                                    \
	do {                                                                                       \
		const char *s_ = (str);                                                            \
		char *e_;                                                                          \
		errno = 0;                                                                         \
		long long v_ = (long long)fn(s_, &e_, base);                                      \
		expect(#fn "(" #str ", " #base ")", v_, (long long)(want), e_ - s_, want_end, errno, \
		       want_errno);                                                                \
	} while (0)

int main(void)
{
	CHECK_STRTOL(__isoc23_strtol, "0b101", 0, 5, 5, 0);
	CHECK_STRTOL(__isoc23_strtol, "0B101", 2, 5, 5, 0);
	CHECK_STRTOL(__isoc23_strtol, "101", 2, 5, 3, 0);
	CHECK_STRTOL(__isoc23_strtol, "  -0b11z", 0, -3, 7, 0);
	CHECK_STRTOL(__isoc23_strtol, "0b", 0, 0, 1, 0);
	CHECK_STRTOL(__isoc23_strtol, "0b2", 0, 0, 1, 0);
	CHECK_STRTOL(__isoc23_strtol, "0b1", 10, 0, 1, 0);
	CHECK_STRTOL(__isoc23_strtol, "0x1f", 0, 31, 4, 0);
	CHECK_STRTOL(__isoc23_strtol, "017", 0, 15, 3, 0);
	CHECK_STRTOL(__isoc23_strtol, "0b1111111111111111111111111111111111111111111111111111111111111111", 0,
		     LONG_MAX, 66, ERANGE);
	CHECK_STRTOL(__isoc23_strtol, "-0b1000000000000000000000000000000000000000000000000000000000000000", 0,
		     LONG_MIN, 67, 0);
	CHECK_STRTOL(__isoc23_strtol, "-0b1000000000000000000000000000000000000000000000000000000000000001", 0,
		     LONG_MIN, 67, ERANGE);
	CHECK_STRTOL(__isoc23_strtoul, "-0b1", 0, (long long)ULONG_MAX, 4, 0);
	CHECK_STRTOL(__isoc23_strtoll, "+0b111", 0, 7, 6, 0);
	CHECK_STRTOL(__isoc23_strtoimax, "0b1010", 2, 10, 6, 0);
	CHECK_STRTOL(__isoc23_strtoull,
		     "0b11111111111111111111111111111111111111111111111111111111111111111", 0,
		     (long long)ULLONG_MAX, 67, ERANGE);

	wchar_t *we;
	const wchar_t *ws = L" 0b111";
	errno = 0;
	long wv = __isoc23_wcstol(ws, &we, 0);
	expect("__isoc23_wcstol", wv, 7, we - ws, 6, errno, 0);
	unsigned long long wu = __isoc23_wcstoull(L"0xff", NULL, 0);
	expect("__isoc23_wcstoull", (long long)wu, 255, 0, 0, 0, 0);

	int a = 0;
	char word[8] = "";
	int n = __isoc23_sscanf("12 ab", "%d %7s", &a, word);
	expect("__isoc23_sscanf", n * 1000 + a, 2012, 0, 0, strcmp(word, "ab"), 0);

	if (failures)
		return 1;
	printf("c23 ok\n");
	return 0;
}
