// memcmp, strchr, strcasecmp and strncasecmp for the image's libc.a, built
// by tools/musl.sh in place of musl's own files of those names, with the
// same results (memcmp and the case-blind compares return the difference of
// the first bytes that differ, as musl's do).
//
// musl's memcmp and strcasecmp go a byte at a time, its strchr steps to a
// word boundary a byte at a time before __strchrnul's word loop, and its
// strcasecmp calls tolower (another object, so never inlined) twice for
// every byte whose case differs. Under emulation every pass of a loop and
// every call and return costs more than the bytes: a server such as Redis
// compares keys, finds a '\r' a few bytes on and looks up command names
// several times a request. Here each goes 8 bytes a pass, with no calls.
// Case is folded in ASCII, as musl's tolower folds it in every locale it
// has.
//
// Words are read whole where that cannot fault: memcmp reads only the
// bytes it is given; strchr reads the aligned words that hold the string;
// strcasecmp reads 8 bytes from each string only where neither read
// crosses a page, and a byte at a time across a boundary.
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) unaligned_word;
typedef uint32_t __attribute__((__may_alias__, __aligned__(1))) unaligned_half;
typedef uint64_t __attribute__((__may_alias__)) aligned_word;

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

// The high bit of each byte of w that is 0. Exact for the lowest such byte
// (a borrow can mark a byte above a zero one, never one below).
static inline uint64_t zero_bytes(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

// The difference of the first bytes of a and b (little-endian words) that
// differ, given a != b.
static inline int first_difference(uint64_t a, uint64_t b)
{
	unsigned shift = __builtin_ctzll(a ^ b) & ~7u;
	return (int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff);
}

int memcmp(const void *vl, const void *vr, size_t n)
{
	const unsigned char *l = vl, *r = vr;
	if (n >= 8) {
		for (; n > 8; n -= 8, l += 8, r += 8) {
			uint64_t a = *(const unaligned_word *)l, b = *(const unaligned_word *)r;
			if (a != b)
				return first_difference(a, b);
		}
		// The last 8 bytes, which may overlap bytes already found equal.
		uint64_t a = *(const unaligned_word *)(l + n - 8);
		uint64_t b = *(const unaligned_word *)(r + n - 8);
		return a != b ? first_difference(a, b) : 0;
	}
	if (n >= 4) {
		uint64_t a = *(const unaligned_half *)l | (uint64_t) * (const unaligned_half *)(l + n - 4) << 32;
		uint64_t b = *(const unaligned_half *)r | (uint64_t) * (const unaligned_half *)(r + n - 4) << 32;
		return a != b ? first_difference(a, b) : 0;
	}
	for (; n; n--, l++, r++)
		if (*l != *r)
			return *l - *r;
	return 0;
}

char *strchr(const char *s, int c)
{
	uint64_t want = (unsigned char)c * ONES;
	const aligned_word *w = (const aligned_word *)((uintptr_t)s & ~(uintptr_t)7);
	// The bytes of the first word before s become 0xff in both tests:
	// neither 0 nor, once xor-ed with c, a match.
	uint64_t before = ((uint64_t)1 << ((uintptr_t)s & 7) * 8) - 1;
	uint64_t x = *w;
	uint64_t hits = zero_bytes(x | before) | zero_bytes((x ^ want) | before);
	while (!hits) {
		x = *++w;
		hits = zero_bytes(x) | zero_bytes(x ^ want);
	}
	const char *p = (const char *)w + __builtin_ctzll(hits) / 8;
	return *p == (char)c ? (char *)p : 0;
}

static inline int fold(int c)
{
	return (unsigned)c - 'A' < 26 ? c | 32 : c;
}

// w with each byte from 'A' to 'Z' made lower case. No byte's sum carries
// into the next: the low 7 bits plus at most 0x3f stay below 0x100.
static inline uint64_t fold_word(uint64_t w)
{
	uint64_t low7 = w & ~HIGHS;
	uint64_t from_a = low7 + 0x3f * ONES; // high bit: 'A' (0x41) or above
	uint64_t past_z = low7 + 0x25 * ONES; // high bit: above 'Z' (0x5a)
	uint64_t upper = from_a & ~past_z & ~w & HIGHS;
	return w | upper >> 2;
}

// Whether an 8-byte read at l or at r would reach into the next page: the
// carry out of an address's page offset flips its bit 12.
static inline int either_crosses_page(const unsigned char *l, const unsigned char *r)
{
	uintptr_t a = (uintptr_t)l, b = (uintptr_t)r;
	return ((a ^ (a + 7)) | (b ^ (b + 7))) & 4096;
}

// Compares l and r case-blind up to a NUL or n bytes; inline in each
// caller, so that strcasecmp's loop has no count to keep.
static inline __attribute__((__always_inline__)) int compare_case(const unsigned char *l,
                                                                  const unsigned char *r, size_t n)
{
	while (n) {
		if (n >= 8 && !either_crosses_page(l, r)) {
			uint64_t a = *(const unaligned_word *)l, b = *(const unaligned_word *)r;
			uint64_t differ = fold_word(a) ^ fold_word(b);
			uint64_t end = zero_bytes(a);
			if (!(differ | end)) {
				l += 8, r += 8, n -= 8;
				continue;
			}
			// The first byte that differs or ends l (where r ends and l
			// does not, they differ).
			unsigned at = __builtin_ctzll(differ | end) / 8;
			return fold(l[at]) - fold(r[at]);
		}
		if (!*l || fold(*l) != fold(*r))
			return fold(*l) - fold(*r);
		l++, r++, n--;
	}
	return 0;
}

int strcasecmp(const char *l, const char *r)
{
	return compare_case((const void *)l, (const void *)r, (size_t)-1);
}

int __strcasecmp_l(const char *l, const char *r, locale_t loc)
{
	return strcasecmp(l, r);
}

weak_alias(__strcasecmp_l, strcasecmp_l);

int strncasecmp(const char *l, const char *r, size_t n)
{
	return compare_case((const void *)l, (const void *)r, n);
}

int __strncasecmp_l(const char *l, const char *r, size_t n, locale_t loc)
{
	return strncasecmp(l, r, n);
}

weak_alias(__strncasecmp_l, strncasecmp_l);
