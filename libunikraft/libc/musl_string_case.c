// strchr, strcasecmp and strncasecmp for the image's libc.a, built by
// tools/musl.sh in place of musl's own files of those names, with the
// same results.
//
// musl's strchr calls __strchrnul, which first steps to a word boundary a
// byte at a time, and its strcasecmp calls tolower (another object, so
// never inlined) twice for every byte whose case differs. Under emulation
// each call and return costs more than the bytes: parsers such as Redis's
// find a '\r' a few bytes on and compare command names of a few letters,
// several times a request. Here the first bytes are looked at inline, and
// case is folded inline, in ASCII as musl's tolower folds it in every
// locale it has.
#include <string.h>
#include <strings.h>

// Bytes looked at one by one before the word-at-a-time search takes over.
#define strchr_inline_bytes 16

char *strchr(const char *s, int c)
{
	unsigned char want = (unsigned char)c;
	for (int i = 0; i < strchr_inline_bytes; i++, s++) {
		unsigned char b = *(const unsigned char *)s;
		if (b == want)
			return (char *)s;
		if (!b)
			return 0;
	}
	char *r = __strchrnul(s, c);
	return *(unsigned char *)r == want ? r : 0;
}

static inline int fold(int c)
{
	return (unsigned)c - 'A' < 26 ? c | 32 : c;
}

int strcasecmp(const char *_l, const char *_r)
{
	const unsigned char *l = (void *)_l, *r = (void *)_r;
	for (; *l && *r && (*l == *r || fold(*l) == fold(*r)); l++, r++)
		;
	return fold(*l) - fold(*r);
}

int __strcasecmp_l(const char *l, const char *r, locale_t loc)
{
	return strcasecmp(l, r);
}

weak_alias(__strcasecmp_l, strcasecmp_l);

int strncasecmp(const char *_l, const char *_r, size_t n)
{
	const unsigned char *l = (void *)_l, *r = (void *)_r;
	if (!n--)
		return 0;
	for (; *l && *r && n && (*l == *r || fold(*l) == fold(*r)); l++, r++, n--)
		;
	return fold(*l) - fold(*r);
}

int __strncasecmp_l(const char *l, const char *r, size_t n, locale_t loc)
{
	return strncasecmp(l, r, n);
}

weak_alias(__strncasecmp_l, strncasecmp_l);
