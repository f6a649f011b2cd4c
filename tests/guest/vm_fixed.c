/* Placing and moving mappings as Linux does, beyond what mmap.c covers:
 * MAP_FIXED over a range that is partly mapped, partly a hole and partly
 * free, and over read-only content; MAP_FIXED_NOREPLACE on a range that
 * only partly overlaps; mremap with MREMAP_FIXED to an exact address (the
 * old one is then unmapped), growing in place, refusing to grow into a
 * neighbour without MREMAP_MAYMOVE and moving with it, shrinking, growing
 * PROT_NONE reservations; madvise DONTNEED on PROT_NONE and on part of a
 * mapping, MADV_FREE; MAP_POPULATE; MAP_GROWSDOWN growing on a touch below
 * its start (up to RLIMIT_STACK, 8 MiB by default). Faults: a write to a
 * page made read-only after it was written, a read of a PROT_NONE page, a
 * touch of the old address after MREMAP_FIXED, a MAP_GROWSDOWN touch 9 MiB
 * down. Below vm.mmap_min_addr: a fixed mapping there works for root (the
 * app runs as root, with every capability) while a hint there is moved up.
 * Expectations are Linux's: the output is the same natively (as root). */
//! run: --mem 64M --timeout 20 --
//! status: 0
//! expect: fixed over partly mapped ok
//! expect: fixed over read-only content ok
//! expect: noreplace partial overlap ok
//! expect: mremap fixed to free address ok
//! expect: mremap fixed over a mapping ok
//! expect: mremap fixed refused ok
//! expect: mremap grow in place ok
//! expect: mremap grow blocked ok
//! expect: mremap grow moves ok
//! expect: mremap shrink ok
//! expect: mremap prot none grow ok
//! expect: dontneed prot none ok
//! expect: dontneed part ok
//! expect: madv free ok
//! expect: populate ok
//! expect: growsdown ok
//! expect: fixed below mmap_min ok
//! expect: low hint moved up ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- readonly-after-write
//! status: 139
//! expect: writing the read-only page
//! reject: did not fault
//! run: --mem 64M --timeout 20 -- protnone-read
//! status: 139
//! expect: reading the PROT_NONE page
//! reject: did not fault
//! run: --mem 64M --timeout 20 -- mremap-old
//! status: 139
//! expect: touching the old address
//! reject: did not fault
//! run: --mem 64M --timeout 20 -- growsdown-limit
//! status: 139
//! expect: touching 9 MiB below
//! reject: did not fault
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
/* Free address space natively (far from Linux's top-down placement) and
 * in the guest, for mappings that need nothing below them. */
static volatile uintptr_t lonely_addr = 0xd000000000UL;
#define LONELY ((unsigned char *)lonely_addr)

/* Page i of [p, p + n pages) filled with base + i. */
static void fill_pages(unsigned char *p, int n, int base)
{
	for (int i = 0; i < n; i++)
		memset(p + i * PG, base + i, PG);
}

static int pages_are(const unsigned char *p, int n, int base)
{
	for (int i = 0; i < n; i++)
		if (!all_equal(p + i * PG, PG, (unsigned char)(base + i)))
			return 0;
	return 1;
}

/* True when no page of [p, p + len) is mapped: mprotect on Linux fails
 * with ENOMEM for anything unmapped in the range, and a
 * MAP_FIXED_NOREPLACE of it succeeds (and is undone). */
static int unmapped(void *p, size_t len)
{
	errno = 0;
	for (size_t i = 0; i < len; i += PG)
		if (mprotect((char *)p + i, PG, PROT_READ) == 0 || errno != ENOMEM)
			return 0;
	void *q = mmap(p, len, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (q != p)
		return 0;
	munmap(q, len);
	return 1;
}

/* A fresh area of n pages that is free address space afterwards. */
static unsigned char *free_area(int n)
{
	unsigned char *p = mmap(0, n * PG, PROT_NONE, ANON, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, n * PG);
	return p;
}

static void fixed_cases(void)
{
	char msg[200];
	/* Pages 0-7 mapped with content, then 4-5 unmapped and 8-11 free:
	 * MAP_FIXED over pages 2-9 covers mapped, hole, mapped and free. */
	unsigned char *p = mmap(0, 12 * PG, RW, ANON, -1, 0);
	fill_pages(p, 12, 1);
	munmap(p + 4 * PG, 2 * PG);
	munmap(p + 8 * PG, 4 * PG);
	unsigned char *q = mmap(p + 2 * PG, 8 * PG, RW, ANON | MAP_FIXED, -1, 0);
	int ok = q == p + 2 * PG && all_equal(q, 8 * PG, 0) && pages_are(p, 2, 1);
	if (ok) {
		fill_pages(q, 8, 50);
		ok = pages_are(q, 8, 50);
	}
	snprintf(msg, sizeof msg, "MAP_FIXED at %p gave %p", (void *)(p + 2 * PG), (void *)q);
	report("fixed over partly mapped", ok, msg);
	munmap(p, 12 * PG);

	/* Content behind PROT_READ: MAP_FIXED read-write replaces it with
	 * zeros that can be written. */
	p = mmap(0, 3 * PG, RW, ANON, -1, 0);
	fill_pages(p, 3, 7);
	mprotect(p, 3 * PG, PROT_READ);
	q = mmap(p + PG, PG, RW, ANON | MAP_FIXED, -1, 0);
	ok = q == p + PG && all_equal(q, PG, 0);
	if (ok) {
		q[5] = 1;
		ok = q[5] == 1 && pages_are(p, 1, 7) && all_equal(p + 2 * PG, PG, 9);
	}
	snprintf(msg, sizeof msg, "MAP_FIXED at %p gave %p", (void *)(p + PG), (void *)q);
	report("fixed over read-only content", ok, msg);
	munmap(p, 3 * PG);

	/* NOREPLACE over [free page, mapped page] is EEXIST and maps nothing:
	 * the free page alone can be taken after. */
	p = free_area(4);
	unsigned char *m = mmap(p + 2 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != p + 2 * PG) {
		report("noreplace partial overlap", 0, "no room to start");
		return;
	}
	m[0] = 4;
	q = mmap(p + PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	int q_errno = errno;
	unsigned char *alone = mmap(p + PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(msg, sizeof msg, "overlap %p errno %d, free page alone %p (want %p)", (void *)q, q_errno,
		 (void *)alone, (void *)(p + PG));
	report("noreplace partial overlap",
	       m == p + 2 * PG && q == MAP_FAILED && q_errno == EEXIST && alone == p + PG && m[0] == 4, msg);
	munmap(p, 4 * PG);
}

static void mremap_cases(void)
{
	char msg[200];
	/* To a free address: exactly there, content moved, old range gone. */
	unsigned char *src = mmap(0, 4 * PG, RW, ANON, -1, 0);
	fill_pages(src, 4, 20);
	unsigned char *dst = free_area(16);
	unsigned char *r = mremap(src, 4 * PG, 6 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	int ok = r == dst && pages_are(dst, 4, 20) && all_equal(dst + 4 * PG, 2 * PG, 0) && unmapped(src, 4 * PG);
	snprintf(msg, sizeof msg, "to %p gave %p", (void *)dst, (void *)r);
	report("mremap fixed to free address", ok, msg);
	munmap(dst, 6 * PG);

	/* Onto a mapping: what was at [dst, dst + len) is replaced, the rest
	 * of that mapping stays. */
	src = mmap(0, 2 * PG, RW, ANON, -1, 0);
	fill_pages(src, 2, 30);
	dst = mmap(0, 4 * PG, RW, ANON, -1, 0);
	fill_pages(dst, 4, 40);
	r = mremap(src, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG);
	ok = r == dst + PG && pages_are(dst + PG, 2, 30) && pages_are(dst, 1, 40) && all_equal(dst + 3 * PG, PG, 43) &&
	     unmapped(src, 2 * PG);
	snprintf(msg, sizeof msg, "to %p gave %p", (void *)(dst + PG), (void *)r);
	report("mremap fixed over a mapping", ok, msg);
	munmap(dst, 4 * PG);

	/* EINVAL: MREMAP_FIXED without MREMAP_MAYMOVE, an unaligned target,
	 * a target overlapping the source. The source stays. */
	src = mmap(0, 4 * PG, RW, ANON, -1, 0);
	fill_pages(src, 4, 60);
	dst = free_area(4);
	errno = 0;
	long e1 = syscall(SYS_mremap, src, 4 * PG, 4 * PG, MREMAP_FIXED, dst) == -1 ? errno : 0;
	long e2 = syscall(SYS_mremap, src, 4 * PG, 4 * PG, MREMAP_FIXED | MREMAP_MAYMOVE, dst + 1) == -1 ? errno : 0;
	long e3 = syscall(SYS_mremap, src, 4 * PG, 4 * PG, MREMAP_FIXED | MREMAP_MAYMOVE, src + 2 * PG) == -1 ? errno
													     : 0;
	snprintf(msg, sizeof msg, "errnos %ld %ld %ld (Linux: %d)", e1, e2, e3, EINVAL);
	report("mremap fixed refused", e1 == EINVAL && e2 == EINVAL && e3 == EINVAL && pages_are(src, 4, 60), msg);
	munmap(src, 4 * PG);

	/* Grow in place into free space. */
	unsigned char *area = free_area(32);
	unsigned char *p = mmap(area, 4 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != area) {
		report("mremap grow in place", 0, "no room to start");
		return;
	}
	fill_pages(p, 4, 70);
	r = mremap(p, 4 * PG, 8 * PG, 0);
	ok = r == p && pages_are(p, 4, 70) && all_equal(p + 4 * PG, 4 * PG, 0);
	if (ok) {
		fill_pages(p + 4 * PG, 4, 74);
		ok = pages_are(p, 8, 70);
	}
	snprintf(msg, sizeof msg, "gave %p at %p", (void *)r, (void *)p);
	report("mremap grow in place", ok, msg);

	/* A neighbour right above: without MREMAP_MAYMOVE, ENOMEM and nothing
	 * changes; with it, the content moves and the neighbour stays. */
	unsigned char *next = mmap(p + 8 * PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (next == p + 8 * PG)
		memset(next, 0x99, PG);
	errno = 0;
	r = mremap(p, 8 * PG, 16 * PG, 0);
	int r_errno = errno;
	snprintf(msg, sizeof msg, "neighbour %p, mremap gave %p errno %d (Linux: %d)", (void *)next, (void *)r, r_errno,
		 ENOMEM);
	report("mremap grow blocked",
	       next == p + 8 * PG && r == MAP_FAILED && r_errno == ENOMEM && pages_are(p, 8, 70), msg);
	r = mremap(p, 8 * PG, 16 * PG, MREMAP_MAYMOVE);
	ok = r != MAP_FAILED && r != p && pages_are(r, 8, 70) && all_equal(r + 8 * PG, 8 * PG, 0) &&
	     next == p + 8 * PG && all_equal(next, PG, 0x99) && unmapped(p, 8 * PG);
	snprintf(msg, sizeof msg, "gave %p from %p", (void *)r, (void *)p);
	report("mremap grow moves", ok, msg);
	munmap(next, PG);

	/* Shrink: the same address, the tail unmapped. */
	p = r != MAP_FAILED ? r : mmap(0, 16 * PG, RW, ANON, -1, 0);
	fill_pages(p, 2, 70);
	r = mremap(p, 16 * PG, 2 * PG, 0);
	ok = r == p && pages_are(p, 2, 70) && unmapped(p + 2 * PG, 14 * PG);
	snprintf(msg, sizeof msg, "gave %p at %p", (void *)r, (void *)p);
	report("mremap shrink", ok, msg);
	munmap(p, 2 * PG);

	/* PROT_NONE reservations grow too, in place and moving, and stay
	 * PROT_NONE until mprotect. */
	p = mmap(0, 32 * PG, PROT_NONE, ANON, -1, 0);
	munmap(p + 16 * PG, 16 * PG);
	unsigned char *in_place = mremap(p, 16 * PG, 32 * PG, 0);
	unsigned char *moved = mremap(p, 32 * PG, 1024 * PG, MREMAP_MAYMOVE);
	int prot = moved != MAP_FAILED && mprotect(moved, 1024 * PG, RW) == 0;
	ok = in_place == p && prot && all_equal(moved, 1024 * PG, 0);
	snprintf(msg, sizeof msg, "in place %p at %p, moved %p, mprotect %d", (void *)in_place, (void *)p, (void *)moved,
		 prot);
	report("mremap prot none grow", ok, msg);
	if (moved != MAP_FAILED)
		munmap(moved, 1024 * PG);
}

static void madvise_cases(void)
{
	char msg[200];
	unsigned char *n = mmap(0, 64 * PG, PROT_NONE, ANON, -1, 0);
	long r = madvise(n, 64 * PG, MADV_DONTNEED) ? -errno : 0;
	snprintf(msg, sizeof msg, "madvise gave %ld", r);
	report("dontneed prot none", r == 0, msg);
	munmap(n, 64 * PG);

	unsigned char *p = mmap(0, 8 * PG, RW, ANON, -1, 0);
	fill_pages(p, 8, 1);
	r = madvise(p + 2 * PG, 3 * PG, MADV_DONTNEED) ? -errno : 0;
	int ok = r == 0 && pages_are(p, 2, 1) && all_equal(p + 2 * PG, 3 * PG, 0) && pages_are(p + 5 * PG, 3, 6);
	snprintf(msg, sizeof msg, "madvise gave %ld", r);
	report("dontneed part", ok, msg);

	/* After MADV_FREE a page reads as its old content or as zeros
	 * (Linux may have reclaimed it); a write makes it content again. */
	r = madvise(p, 8 * PG, MADV_FREE) ? -errno : 0;
	int either = (all_equal(p, PG, 1) || all_equal(p, PG, 0));
	memset(p, 0x42, 8 * PG);
	ok = r == 0 && either && all_equal(p, 8 * PG, 0x42);
	snprintf(msg, sizeof msg, "madvise gave %ld", r);
	report("madv free", ok, msg);
	munmap(p, 8 * PG);
}

static void populate_growsdown_cases(void)
{
	char msg[200];
	unsigned char *p = mmap(0, 256 * PG, RW, ANON | MAP_POPULATE, -1, 0);
	int ok = p != MAP_FAILED && all_equal(p, 256 * PG, 0);
	if (ok) {
		fill_pages(p, 256, 3);
		ok = pages_are(p, 256, 3);
	}
	void *none = mmap(0, 16 * PG, PROT_NONE, ANON | MAP_POPULATE, -1, 0);
	snprintf(msg, sizeof msg, "read-write %p, PROT_NONE %p", (void *)p, none);
	report("populate", ok && none != MAP_FAILED, msg);

	/* A stack-like mapping with nothing below it: a touch just below its
	 * start, and one 64 KiB below, extend it. */
	unsigned char *g = mmap(LONELY, 4 * PG, RW, ANON | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	ok = g == LONELY;
	if (ok) {
		volatile unsigned char *v = g;
		v[-1] = 0x31;
		v[-65536] = 0x32;
		ok = v[-1] == 0x31 && v[-65536] == 0x32 && v[-32768] == 0 && v[0] == 0;
	}
	snprintf(msg, sizeof msg, "MAP_GROWSDOWN at %p gave %p", (void *)LONELY, (void *)g);
	report("growsdown", ok, msg);
}

static int die(const char *mode)
{
	if (!strcmp(mode, "readonly-after-write")) {
		unsigned char *p = mmap(0, 2 * PG, RW, ANON, -1, 0);
		memset(p, 1, 2 * PG);
		if (mprotect(p + PG, PG, PROT_READ) || p[PG] != 1)
			return 2;
		printf("writing the read-only page\n");
		fflush(stdout);
		((volatile unsigned char *)p)[PG + 8] = 2;
		printf("read-only write did not fault\n");
		return 1;
	}
	if (!strcmp(mode, "protnone-read")) {
		unsigned char *p = mmap(0, 2 * PG, PROT_NONE, ANON, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		printf("reading the PROT_NONE page\n");
		fflush(stdout);
		unsigned char v = ((volatile unsigned char *)p)[PG + 8];
		printf("PROT_NONE read did not fault (read %d)\n", v);
		return 1;
	}
	if (!strcmp(mode, "mremap-old")) {
		unsigned char *src = mmap(0, 2 * PG, RW, ANON, -1, 0);
		memset(src, 5, 2 * PG);
		unsigned char *dst = free_area(4);
		if (mremap(src, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst || dst[PG] != 5)
			return 2;
		printf("touching the old address\n");
		fflush(stdout);
		((volatile unsigned char *)src)[PG] = 6;
		printf("old address did not fault\n");
		return 1;
	}
	if (!strcmp(mode, "growsdown-limit")) {
		unsigned char *g = mmap(LONELY, 4 * PG, RW, ANON | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
		if (g != LONELY)
			return 2;
		printf("touching 9 MiB below\n");
		fflush(stdout);
		((volatile unsigned char *)g)[-(9L << 20)] = 1;
		printf("growth past the stack limit did not fault\n");
		return 1;
	}
	return 2;
}

/* The pages below 64 KiB: MAP_FIXED there works for a process with
 * CAP_SYS_RAWIO (page 0 too, but a C program cannot touch that one); a hint
 * there is moved to vm.mmap_min_addr or above. */
static void low_cases(void)
{
	int ok = 1;
	for (unsigned long a = 0x1000; a < 0x10000 && ok; a += 0x7000) {
		unsigned char *p = mmap((void *)a, PG, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, -1, 0);
		ok = p == (void *)a && p[PG - 1] == 0;
		if (ok) {
			p[PG - 1] = 7;
			ok = p[PG - 1] == 7 && munmap(p, PG) == 0;
		}
	}
	report("fixed below mmap_min", ok, "MAP_FIXED under 64 KiB refused");
	void *h = mmap((void *)0x2000, PG, PROT_READ | PROT_WRITE, ANON, -1, 0);
	report("low hint moved up", h != MAP_FAILED && (unsigned long)h >= 0x10000, "hint kept");
	if (h != MAP_FAILED)
		munmap(h, PG);
}

int main(int argc, char *argv[])
{
	if (argc > 1)
		return die(argv[1]);
	fixed_cases();
	mremap_cases();
	madvise_cases();
	populate_growsdown_cases();
	low_cases();
	return failures ? 1 : 0;
}
