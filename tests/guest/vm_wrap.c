/* Size and address arithmetic in the memory calls must not wrap around
 * 2^64. brk to an address near 2^64 returns the current break and leaves
 * every mapping alone; mremap to a new length that rounds up to 2^64 fails
 * with EINVAL and keeps the mapping; and a table of huge, negative and
 * wrapping lengths and addresses gives Linux's errno for every call.
 * System calls go through syscall() so that libc filters nothing. The mlock
 * rows are root's answers (CAP_IPC_LOCK skips RLIMIT_MEMLOCK): the app runs
 * as uid 0 in the guest, and this file is checked natively as root. */
//! run: --mem 64M --timeout 20 -- brk
//! status: 0
//! expect: brk wrap returns the break ok
//! expect: brk wrap keeps mappings ok
//! expect: brk restored ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- mremap
//! status: 0
//! expect: mremap new_len wrap einval ok
//! expect: mremap old_len wrap einval ok
//! expect: mremap wrap keeps mapping ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- table
//! status: 0
//! expect: mmap len -1: ok
//! expect: munmap wrap to 0: ok
//! expect: mprotect len 2^63: ok
//! expect: madvise wrap past 0: ok
//! expect: mremap fixed to near 2^64: ok
//! expect: msync len -4096: ok
//! expect: mlock near 2^64: ok
//! expect: munlock wrap to 0: ok
//! expect: brk 2^63: ok
//! expect: wrap table: 0 mismatches
//! reject: Linux gives
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define HIGH 0xfffffffffffff000UL   /* the last page below 2^64 */
#define LINUX_KTEXT 0xffffffff81000000UL

/* brk beyond anything possible leaves the break where it was, and must not
 * take the app's mappings with it. */
static void brk_case(void)
{
	/* Output first, so that glibc's stdout buffer exists before the break
	 * moves under its malloc (which is not told). */
	printf("brk near 2^64\n");
	fflush(stdout);
	size_t sizes[4] = {8 * PG, 64 * PG, PG, 300 * PG};
	unsigned char *m[4];
	for (int i = 0; i < 4; i++) {
		m[i] = mmap(0, sizes[i], RW, ANON, -1, 0);
		if (m[i] == MAP_FAILED) {
			report("setup", 0, "mmap failed");
			return;
		}
		memset(m[i], 0xa0 + i, sizes[i]);
	}
	unsigned long b0 = syscall(SYS_brk, 0);
	unsigned long b1 = syscall(SYS_brk, b0 + 3 * PG);
	int grew = b1 == b0 + 3 * PG;
	if (grew)
		memset((void *)b0, 0xb5, 3 * PG);
	const unsigned long bad[] = {~0UL, ~0UL - 1, ~0UL - 4094, HIGH, HIGH - PG + 1, 1UL << 63, 1UL << 47,
				     LINUX_KTEXT};
	const int nbad = sizeof bad / sizeof bad[0];
	unsigned long got[sizeof bad / sizeof bad[0]];
	for (int i = 0; i < nbad; i++)
		got[i] = syscall(SYS_brk, bad[i]);
	unsigned long now = syscall(SYS_brk, 0);
	/* A new mapping must not land on any of the old ones. */
	unsigned char *fresh = mmap(0, 512 * PG, RW, ANON, -1, 0);
	if (fresh != MAP_FAILED)
		memset(fresh, 0xee, 512 * PG);
	int kept = 1;
	for (int i = 0; i < 4; i++)
		kept = kept && all_equal(m[i], sizes[i], 0xa0 + i);
	int brk_kept = grew && all_equal((unsigned char *)b0, 3 * PG, 0xb5);
	unsigned long back = syscall(SYS_brk, b0);

	char msg[200];
	int same = 1, first_bad = -1;
	for (int i = 0; i < nbad; i++)
		if (got[i] != b1 && first_bad < 0) {
			same = 0;
			first_bad = i;
		}
	snprintf(msg, sizeof msg, "break %#lx, brk(%#lx) gave %#lx, brk(0) after %#lx", b1,
		 first_bad < 0 ? 0 : bad[first_bad], first_bad < 0 ? 0 : got[first_bad], now);
	report("brk wrap returns the break", grew && same && now == b1, msg);
	snprintf(msg, sizeof msg, "mappings intact %d, break area intact %d", kept, brk_kept);
	report("brk wrap keeps mappings", kept && brk_kept, msg);
	snprintf(msg, sizeof msg, "brk(%#lx) gave %#lx", b0, back);
	report("brk restored", back == b0, msg);
}

/* A new length within a page of 2^64 rounds up to 0: EINVAL on Linux, and
 * the mapping stays as it was. */
static void mremap_case(void)
{
	unsigned char *p = mmap(0, 4 * PG, RW, ANON, -1, 0);
	for (size_t i = 0; i < 4 * PG; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	const unsigned long lens[] = {~0UL, ~0UL - 99, ~0UL - 4094, HIGH + 1};
	char msg[200];
	int ok = 1;
	msg[0] = 0;
	for (int i = 0; i < 4; i++) {
		for (int f = 0; f < 2; f++) {
			long r = sys_result(syscall(SYS_mremap, p, 4 * PG, lens[i], f ? MREMAP_MAYMOVE : 0));
			if (r != -EINVAL && ok) {
				ok = 0;
				snprintf(msg, sizeof msg, "new_len %#lx flags %d gave %ld (Linux: %d)", lens[i], f, r,
					 -EINVAL);
			}
		}
	}
	report("mremap new_len wrap einval", ok, msg);
	ok = 1;
	for (int i = 0; i < 4; i++) {
		long r = sys_result(syscall(SYS_mremap, p, lens[i], 8 * PG, MREMAP_MAYMOVE));
		if (r != -EINVAL && ok) {
			ok = 0;
			snprintf(msg, sizeof msg, "old_len %#lx gave %ld (Linux: %d)", lens[i], r, -EINVAL);
		}
	}
	report("mremap old_len wrap einval", ok, msg);

	/* Still mapped: a new mapping goes elsewhere, mprotect finds it, and
	 * the content is what was written. */
	unsigned char *other = mmap(0, 64 * PG, RW, ANON, -1, 0);
	if (other != MAP_FAILED)
		memset(other, 0x77, 64 * PG);
	int content = 1;
	for (size_t i = 0; i < 4 * PG; i++)
		content = content && p[i] == (unsigned char)(i * 7 + 1);
	int prot = mprotect(p, 4 * PG, PROT_READ) == 0 && mprotect(p, 4 * PG, RW) == 0;
	void *nr = mmap(p, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	int nr_errno = errno;
	snprintf(msg, sizeof msg, "content %d, mprotect %d, noreplace %p errno %d", content, prot, nr, nr_errno);
	report("mremap wrap keeps mapping", content && prot && nr == MAP_FAILED && nr_errno == EEXIST, msg);
}

enum want_kind {
	WANT_ERRNO, /* fails with this errno */
	WANT_ZERO,  /* returns 0 */
	WANT_ELSEWHERE, /* a mapping somewhere in the user half, not at the hint */
	WANT_BREAK, /* the current program break */
};

struct row {
	const char *name;
	enum want_kind kind;
	int err;
	long nr;
	unsigned long a[6];
};

#define E(name, err, nr, ...) {name, WANT_ERRNO, err, nr, {__VA_ARGS__}}
#define OK(name, nr, ...) {name, WANT_ZERO, 0, nr, {__VA_ARGS__}}

static void table_case(void)
{
	/* The scratch mapping is 4 pages with an unmapped gap above it, so
	 * that calls Linux applies up to the first gap (mprotect, mlock of a
	 * huge length) touch nothing but it. */
	unsigned char *s = mmap(0, 8 * PG, RW, ANON, -1, 0);
	munmap(s + 4 * PG, 4 * PG);
	unsigned long a = (unsigned long)s;
	unsigned long w0 = -a;      /* a + w0 == 2^64 == 0 */
	unsigned long w1 = -a + PG; /* a + w1 == PG */
	struct row rows[] = {
		E("mmap len -1", ENOMEM, SYS_mmap, 0, -1UL, RW, ANON, -1UL, 0),
		E("mmap len -4096", ENOMEM, SYS_mmap, 0, -PG, RW, ANON, -1UL, 0),
		E("mmap len 2^63", ENOMEM, SYS_mmap, 0, 1UL << 63, RW, ANON, -1UL, 0),
		E("mmap len 2^47 none", ENOMEM, SYS_mmap, 0, 1UL << 47, PROT_NONE, ANON, -1UL, 0),
		E("mmap len -1 noreserve", ENOMEM, SYS_mmap, 0, -1UL, PROT_NONE, ANON | MAP_NORESERVE, -1UL, 0),
		E("mmap len 0", EINVAL, SYS_mmap, 0, 0, RW, ANON, -1UL, 0),
		E("mmap fixed near 2^64", ENOMEM, SYS_mmap, HIGH, PG, RW, ANON | MAP_FIXED, -1UL, 0),
		E("mmap fixed to 2^64", ENOMEM, SYS_mmap, HIGH - PG, 2 * PG, RW, ANON | MAP_FIXED, -1UL, 0),
		E("mmap fixed across 2^47", ENOMEM, SYS_mmap, (1UL << 47) - PG, 2 * PG, RW, ANON | MAP_FIXED, -1UL, 0),
		E("mmap fixed wrap to 0", ENOMEM, SYS_mmap, a, w0, RW, ANON | MAP_FIXED, -1UL, 0),
		E("mmap fixed wrap past 0", ENOMEM, SYS_mmap, a, w1, RW, ANON | MAP_FIXED, -1UL, 0),
		E("mmap fixed len -4096", ENOMEM, SYS_mmap, a, -PG, RW, ANON | MAP_FIXED, -1UL, 0),
		E("mmap noreplace near 2^64", ENOMEM, SYS_mmap, HIGH, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1UL, 0),
		{"mmap hint near 2^64", WANT_ELSEWHERE, 0, SYS_mmap, {HIGH, PG, RW, ANON, -1UL, 0}},
		E("munmap len -1", EINVAL, SYS_munmap, a, -1UL),
		E("munmap len -4096", EINVAL, SYS_munmap, a, -PG),
		E("munmap len 2^63", EINVAL, SYS_munmap, a, 1UL << 63),
		E("munmap near 2^64", EINVAL, SYS_munmap, HIGH, PG),
		E("munmap near 2^64 2 pages", EINVAL, SYS_munmap, HIGH, 2 * PG),
		E("munmap wrap to 0", EINVAL, SYS_munmap, a, w0),
		E("munmap wrap past 0", EINVAL, SYS_munmap, a, w1),
		E("mprotect len -1", ENOMEM, SYS_mprotect, a, -1UL, PROT_READ),
		E("mprotect len -4096", ENOMEM, SYS_mprotect, a, -PG, PROT_READ),
		E("mprotect len 2^63", ENOMEM, SYS_mprotect, a, 1UL << 63, PROT_READ),
		E("mprotect len 2^47", ENOMEM, SYS_mprotect, a, 1UL << 47, PROT_READ),
		E("mprotect near 2^64", ENOMEM, SYS_mprotect, HIGH, PG, PROT_READ),
		E("mprotect near 2^64 2 pages", ENOMEM, SYS_mprotect, HIGH, 2 * PG, PROT_READ),
		E("mprotect wrap to 0", ENOMEM, SYS_mprotect, a, w0, PROT_READ),
		E("mprotect wrap past 0", ENOMEM, SYS_mprotect, a, w1, PROT_READ),
		E("madvise len -1", EINVAL, SYS_madvise, a, -1UL, MADV_DONTNEED),
		E("madvise len -4096", EINVAL, SYS_madvise, a, -PG, MADV_DONTNEED),
		E("madvise near 2^64", EINVAL, SYS_madvise, HIGH, PG, MADV_DONTNEED),
		E("madvise near 2^64 2 pages", EINVAL, SYS_madvise, HIGH, 2 * PG, MADV_DONTNEED),
		E("madvise wrap to 0", EINVAL, SYS_madvise, a, w0, MADV_DONTNEED),
		E("madvise wrap past 0", EINVAL, SYS_madvise, a, w1, MADV_DONTNEED),
		E("madvise normal len -1", EINVAL, SYS_madvise, a, -1UL, MADV_NORMAL),
		E("mremap new_len -1", EINVAL, SYS_mremap, a, PG, -1UL, 0),
		E("mremap new_len -100 maymove", EINVAL, SYS_mremap, a, PG, -100UL, MREMAP_MAYMOVE),
		E("mremap new_len -4096 maymove", EINVAL, SYS_mremap, a, PG, -PG, MREMAP_MAYMOVE),
		E("mremap new_len 2^63", EINVAL, SYS_mremap, a, PG, 1UL << 63, MREMAP_MAYMOVE),
		E("mremap new_len 2^47", EINVAL, SYS_mremap, a, PG, 1UL << 47, MREMAP_MAYMOVE),
		E("mremap old_len -1", EINVAL, SYS_mremap, a, -1UL, 2 * PG, MREMAP_MAYMOVE),
		E("mremap old_len -4096", EINVAL, SYS_mremap, a, -PG, 2 * PG, MREMAP_MAYMOVE),
		E("mremap old_len wrap to 0", EINVAL, SYS_mremap, a, w0, PG, 0),
		E("mremap old_len wrap past 0", EINVAL, SYS_mremap, a, w1, PG, 0),
		E("mremap new_len wrap to 0", EINVAL, SYS_mremap, a, PG, w0, MREMAP_MAYMOVE),
		E("mremap new_len wrap past 0", EINVAL, SYS_mremap, a, PG, w1, MREMAP_MAYMOVE),
		E("mremap near 2^64", EFAULT, SYS_mremap, HIGH, PG, 2 * PG, MREMAP_MAYMOVE),
		E("mremap fixed to near 2^64", EINVAL, SYS_mremap, a, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, HIGH),
		E("mremap fixed to 2^64", EINVAL, SYS_mremap, a, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		  HIGH - PG),
		OK("msync len -1", SYS_msync, a, -1UL, MS_SYNC),
		E("msync len -4096", ENOMEM, SYS_msync, a, -PG, MS_SYNC),
		E("msync len 2^63", ENOMEM, SYS_msync, a, 1UL << 63, MS_SYNC),
		E("msync near 2^64", ENOMEM, SYS_msync, HIGH, PG, MS_SYNC),
		E("msync near 2^64 2 pages", ENOMEM, SYS_msync, HIGH, 2 * PG, MS_SYNC),
		E("msync wrap to 0", ENOMEM, SYS_msync, a, w0, MS_SYNC),
		E("msync wrap past 0", ENOMEM, SYS_msync, a, w1, MS_SYNC),
		OK("mlock len -1", SYS_mlock, a, -1UL),
		E("mlock len -4096", EINVAL, SYS_mlock, a, -PG),
		E("mlock len 2^63", ENOMEM, SYS_mlock, a, 1UL << 63),
		E("mlock near 2^64", EINVAL, SYS_mlock, HIGH, PG),
		E("mlock near 2^64 2 pages", EINVAL, SYS_mlock, HIGH, 2 * PG),
		E("mlock wrap to 0", EINVAL, SYS_mlock, a, w0),
		E("mlock wrap past 0", EINVAL, SYS_mlock, a, w1),
		OK("munlock len -1", SYS_munlock, a, -1UL),
		E("munlock len -4096", EINVAL, SYS_munlock, a, -PG),
		E("munlock len 2^63", ENOMEM, SYS_munlock, a, 1UL << 63),
		E("munlock near 2^64", EINVAL, SYS_munlock, HIGH, PG),
		E("munlock wrap to 0", EINVAL, SYS_munlock, a, w0),
		E("munlock wrap past 0", EINVAL, SYS_munlock, a, w1),
		{"brk -1", WANT_BREAK, 0, SYS_brk, {-1UL}},
		{"brk -4096", WANT_BREAK, 0, SYS_brk, {-PG}},
		{"brk 2^63", WANT_BREAK, 0, SYS_brk, {1UL << 63}},
		{"brk 2^47", WANT_BREAK, 0, SYS_brk, {1UL << 47}},
	};
	int n = sizeof rows / sizeof rows[0], bad = 0;
	/* Output before the break is read: glibc's first printf moves it. */
	printf("wrap table: %d rows\n", n);
	fflush(stdout);
	unsigned long brk0 = syscall(SYS_brk, 0);
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		errno = 0;
		long ret = syscall(r->nr, r->a[0], r->a[1], r->a[2], r->a[3], r->a[4], r->a[5]);
		int err = ret == -1 ? errno : 0;
		char want[64];
		int ok;
		switch (r->kind) {
		case WANT_ERRNO:
			ok = ret == -1 && err == r->err;
			snprintf(want, sizeof want, "-1 errno %d", r->err);
			break;
		case WANT_ZERO:
			ok = ret == 0;
			snprintf(want, sizeof want, "0");
			break;
		case WANT_ELSEWHERE:
			ok = ret != -1 && (unsigned long)ret != r->a[0] && (unsigned long)ret < (1UL << 47);
			snprintf(want, sizeof want, "an address below 2^47");
			if (ret != -1)
				munmap((void *)ret, r->a[1]);
			break;
		default:
			ok = (unsigned long)ret == brk0;
			snprintf(want, sizeof want, "the break %#lx", brk0);
			break;
		}
		if (ok) {
			printf("%s: ok\n", r->name);
		} else {
			printf("%s: got %ld errno %d, Linux gives %s\n", r->name, ret, err, want);
			bad++;
		}
	}
	printf("wrap table: %d mismatches\n", bad);
	if (bad)
		failures++;
}

int main(int argc, char *argv[])
{
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "brk"))
		brk_case();
	else if (!strcmp(c, "mremap"))
		mremap_case();
	else if (!strcmp(c, "table"))
		table_case();
	else
		return 2;
	return failures ? 1 : 0;
}
