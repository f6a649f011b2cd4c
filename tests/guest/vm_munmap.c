/* munmap really unmaps: a later write or read faults (SIGSEGV, 139), the
 * range is free again (mapped anew it reads as zeros), unmapping part of a
 * mapping leaves the rest with its content and leaves a hole that the
 * memory calls see as unmapped, and unmapped memory goes back to the
 * machine. Every expectation is Linux's: the program gives the same output
 * and status when compiled natively. */
//! run: --mem 64M --
//! status: 0
//! expect: remap zero ok
//! expect: fresh zero ok
//! expect: partial keeps rest ok
//! expect: hole mprotect ok
//! expect: hole madvise ok
//! expect: hole msync ok
//! expect: hole mremap ok
//! expect: hole free ok
//! expect: unmapped again ok
//! expect: bad args ok
//! expect: prot none part ok
//! expect: memory returns ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- write
//! status: 139
//! expect: writing after munmap
//! reject: did not fault
//! run: --mem 64M --timeout 20 -- read
//! status: 139
//! expect: reading after munmap
//! reject: did not fault
//! run: --mem 64M --timeout 20 -- hole
//! status: 139
//! expect: writing into the hole
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

static int die_after_munmap(const char *mode)
{
	unsigned char *p = mmap(0, 2 * PG, RW, ANON, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	memset(p, 0x11, 2 * PG);
	if (!strcmp(mode, "hole")) {
		unsigned char *q = mmap(0, 6 * PG, RW, ANON, -1, 0);
		if (q == MAP_FAILED || munmap(q + 2 * PG, 2 * PG))
			return 3;
		q[0] = q[5 * PG] = 1;
		printf("writing into the hole\n");
		fflush(stdout);
		((volatile unsigned char *)q)[2 * PG + 100] = 2;
		printf("hole write did not fault\n");
		return 1;
	}
	if (munmap(p, 2 * PG))
		return 3;
	if (!strcmp(mode, "write")) {
		printf("writing after munmap\n");
		fflush(stdout);
		((volatile unsigned char *)p)[PG + 10] = 2;
		printf("write after munmap did not fault\n");
	} else {
		printf("reading after munmap\n");
		fflush(stdout);
		unsigned char v = ((volatile unsigned char *)p)[10];
		printf("read after munmap did not fault (read %d)\n", v);
	}
	return 1;
}

int main(int argc, char *argv[])
{
	if (argc > 1)
		return die_after_munmap(argv[1]);
	char msg[160];

	/* Unmapped memory is free address space again: taken back at the same
	 * address (MAP_FIXED_NOREPLACE fails on anything still mapped), it
	 * reads as zeros, not as the old content. */
	unsigned char *p = mmap(0, 16 * PG, RW, ANON, -1, 0);
	memset(p, 0x5a, 16 * PG);
	int u = munmap(p, 16 * PG);
	unsigned char *q = mmap(p, 16 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(msg, sizeof msg, "munmap %d, remap at %p gave %p", u, (void *)p, (void *)q);
	report("remap zero", u == 0 && q == p && all_equal(q, 16 * PG, 0), msg);
	memset(q, 0x6b, 16 * PG);
	munmap(q, 16 * PG);
	q = mmap(0, 16 * PG, RW, ANON, -1, 0);
	report("fresh zero", q != MAP_FAILED && all_equal(q, 16 * PG, 0), "a new mapping is not zero");
	munmap(q, 16 * PG);

	/* Eight pages, page i filled with i + 1; unmap the first, the last and
	 * pages 2-3. */
	p = mmap(0, 8 * PG, RW, ANON, -1, 0);
	for (int i = 0; i < 8; i++)
		memset(p + i * PG, i + 1, PG);
	int r1 = munmap(p + 2 * PG, 2 * PG), r2 = munmap(p + 7 * PG, PG), r3 = munmap(p, PG);
	int kept = all_equal(p + PG, PG, 2) && all_equal(p + 4 * PG, PG, 5) && all_equal(p + 5 * PG, PG, 6) &&
		   all_equal(p + 6 * PG, PG, 7);
	snprintf(msg, sizeof msg, "munmap %d %d %d, remaining pages intact %d", r1, r2, r3, kept);
	report("partial keeps rest", r1 == 0 && r2 == 0 && r3 == 0 && kept, msg);

	/* The hole is unmapped for every memory call, as on Linux: ENOMEM for
	 * mprotect, madvise and msync, EFAULT for mremap. */
	errno = 0;
	long r = sys_result(syscall(SYS_mprotect, p + 2 * PG, 2 * PG, PROT_READ));
	long r_across = sys_result(syscall(SYS_mprotect, p + PG, 4 * PG, RW));
	snprintf(msg, sizeof msg, "mprotect of the hole %ld, across it %ld (Linux: %d, %d)", r, r_across, -ENOMEM,
		 -ENOMEM);
	report("hole mprotect", r == -ENOMEM && r_across == -ENOMEM, msg);
	r = sys_result(syscall(SYS_madvise, p + 2 * PG, 2 * PG, MADV_DONTNEED));
	snprintf(msg, sizeof msg, "madvise of the hole %ld (Linux: %d)", r, -ENOMEM);
	report("hole madvise", r == -ENOMEM && all_equal(p + PG, PG, 2), msg);
	r = sys_result(syscall(SYS_msync, p + 2 * PG, 2 * PG, MS_SYNC));
	snprintf(msg, sizeof msg, "msync of the hole %ld (Linux: %d)", r, -ENOMEM);
	report("hole msync", r == -ENOMEM, msg);
	r = sys_result(syscall(SYS_mremap, p + 2 * PG, PG, 2 * PG, MREMAP_MAYMOVE));
	snprintf(msg, sizeof msg, "mremap of the hole %ld (Linux: %d)", r, -EFAULT);
	report("hole mremap", r == -EFAULT, msg);
	q = mmap(p + 2 * PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(msg, sizeof msg, "mmap noreplace into the hole at %p gave %p", (void *)(p + 2 * PG), (void *)q);
	report("hole free", q == p + 2 * PG && all_equal(q, 2 * PG, 0) && all_equal(p + PG, PG, 2) &&
				    all_equal(p + 4 * PG, PG, 5),
	       msg);

	/* munmap of what is not mapped succeeds, and a range that is partly
	 * mapped loses its mapped part. */
	r1 = munmap(p, PG);
	r2 = munmap(p, 8 * PG);
	r = sys_result(syscall(SYS_mprotect, p + 4 * PG, PG, PROT_READ));
	q = mmap(p, 8 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(msg, sizeof msg, "munmap %d %d, mprotect after %ld, noreplace %p at %p", r1, r2, r, (void *)q,
		 (void *)p);
	report("unmapped again", r1 == 0 && r2 == 0 && r == -ENOMEM && q == p && all_equal(q, 8 * PG, 0), msg);
	munmap(q, 8 * PG);

	/* Arguments munmap refuses, each with EINVAL. */
	q = mmap(0, 2 * PG, RW, ANON, -1, 0);
	q[0] = 3;
	long b1 = sys_result(syscall(SYS_munmap, q + 1, PG));
	long b2 = sys_result(syscall(SYS_munmap, q, 0));
	snprintf(msg, sizeof msg, "unaligned %ld, zero length %ld (Linux: %d, %d)", b1, b2, -EINVAL, -EINVAL);
	report("bad args", b1 == -EINVAL && b2 == -EINVAL && q[0] == 3, msg);
	munmap(q, 2 * PG);

	/* Part of a PROT_NONE reservation: the rest stays reserved. */
	q = mmap(0, 64 * PG, PROT_NONE, ANON, -1, 0);
	r1 = munmap(q + 16 * PG, 16 * PG);
	r2 = mprotect(q, 16 * PG, RW);
	if (r2 == 0)
		memset(q, 4, 16 * PG);
	unsigned char *h = mmap(q + 16 * PG, 16 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	void *tail = mmap(q + 32 * PG, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	int tail_errno = errno;
	snprintf(msg, sizeof msg, "munmap %d, mprotect %d, hole %p (want %p), tail %p errno %d", r1, r2, (void *)h,
		 (void *)(q + 16 * PG), tail, tail_errno);
	report("prot none part", r1 == 0 && r2 == 0 && h == q + 16 * PG && tail == MAP_FAILED && tail_errno == EEXIST &&
					 all_equal(q, 16 * PG, 4),
	       msg);
	munmap(q, 64 * PG);

	/* Twice the machine's memory (with --mem 64M) mapped, touched and
	 * unmapped a MiB at a time: only possible if munmap gives it back. */
	int rounds = 0;
	for (; rounds < 128; rounds++) {
		unsigned char *m = mmap(0, 256 * PG, RW, ANON, -1, 0);
		if (m == MAP_FAILED)
			break;
		for (size_t i = 0; i < 256 * PG; i += PG)
			m[i] = (unsigned char)(rounds + 1);
		int same = m[255 * PG] == (unsigned char)(rounds + 1);
		if (munmap(m, 256 * PG) || !same)
			break;
	}
	snprintf(msg, sizeof msg, "stopped after %d of 128 rounds", rounds);
	report("memory returns", rounds == 128, msg);
	return failures ? 1 : 0;
}
