/* The kernel's memory is not the app's to change: mprotect, munmap,
 * madvise, mmap with MAP_FIXED, mremap, msync, mlock and munlock of kernel
 * text, of kernel .bss, of every kernel page one by one and of the whole
 * kernel at once are refused with the errno Linux gives for a kernel
 * address, a hint there is not honoured, brk there leaves the break, and
 * the kernel still works afterwards (time, output, memory, a thread).
 * In the guest the kernel is the part of the image between
 * __uk_kernel_start and __uk_kernel_end (its last page is .bss) and
 * uk_syscall6 is in its text; natively (where those are 0) Linux's text at
 * 0xffffffff81000000 and its direct map at 0xffff888000000000 stand in,
 * so the output is the same as on Linux. */
//! run: --mem 64M --timeout 20 -- mprotect
//! status: 0
//! expect: mprotect read text: ok
//! expect: mprotect none bss: ok
//! expect: mprotect read-write every page: ok
//! expect: mprotect read-exec whole kernel: ok
//! expect: kernel still works ok
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- munmap
//! status: 0
//! expect: munmap text: ok
//! expect: munmap every page: ok
//! expect: kernel still works ok
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- madvise
//! status: 0
//! expect: madvise dontneed text: ok
//! expect: madvise free bss: ok
//! expect: madvise willneed whole kernel: ok
//! expect: kernel still works ok
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- mmap
//! status: 0
//! expect: mmap fixed text: ok
//! expect: mmap fixed noreplace bss: ok
//! expect: mmap fixed none every page: ok
//! expect: mmap hint text: ok
//! expect: kernel still works ok
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- mremap
//! status: 0
//! expect: mremap from text: ok
//! expect: mremap fixed to bss: ok
//! expect: kernel still works ok
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- other
//! status: 0
//! expect: msync every page: ok
//! expect: mlock text: ok
//! expect: munlock whole kernel: ok
//! expect: brk bss: ok
//! expect: kernel still works ok
//! reject: Linux gives
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

extern char __uk_kernel_start[] __attribute__((weak)), __uk_kernel_end[] __attribute__((weak));
extern long uk_syscall6() __attribute__((weak));

/* The user mapping mremap is asked to move onto the kernel. */
static unsigned char *user_page;

static long o_mprotect_r(uintptr_t a, size_t n) { return sys_result(syscall(SYS_mprotect, a, n, PROT_READ)); }
static long o_mprotect_none(uintptr_t a, size_t n) { return sys_result(syscall(SYS_mprotect, a, n, PROT_NONE)); }
static long o_mprotect_rw(uintptr_t a, size_t n) { return sys_result(syscall(SYS_mprotect, a, n, RW)); }
static long o_mprotect_rx(uintptr_t a, size_t n)
{
	return sys_result(syscall(SYS_mprotect, a, n, PROT_READ | PROT_EXEC));
}
static long o_munmap(uintptr_t a, size_t n) { return sys_result(syscall(SYS_munmap, a, n)); }
static long o_dontneed(uintptr_t a, size_t n) { return sys_result(syscall(SYS_madvise, a, n, MADV_DONTNEED)); }
static long o_free(uintptr_t a, size_t n) { return sys_result(syscall(SYS_madvise, a, n, MADV_FREE)); }
static long o_willneed(uintptr_t a, size_t n) { return sys_result(syscall(SYS_madvise, a, n, MADV_WILLNEED)); }
static long o_fixed(uintptr_t a, size_t n) { return sys_result(syscall(SYS_mmap, a, n, RW, ANON | MAP_FIXED, -1, 0)); }
static long o_noreplace(uintptr_t a, size_t n)
{
	return sys_result(syscall(SYS_mmap, a, n, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0));
}
static long o_fixed_none(uintptr_t a, size_t n)
{
	return sys_result(syscall(SYS_mmap, a, n, PROT_NONE, ANON | MAP_FIXED, -1, 0));
}
static long o_mremap_from(uintptr_t a, size_t n)
{
	return sys_result(syscall(SYS_mremap, a, n, 2 * n, MREMAP_MAYMOVE));
}
static long o_mremap_to(uintptr_t a, size_t n)
{
	(void)n;
	return sys_result(syscall(SYS_mremap, user_page, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, a));
}
static long o_msync(uintptr_t a, size_t n) { return sys_result(syscall(SYS_msync, a, n, MS_SYNC)); }
static long o_mlock(uintptr_t a, size_t n) { return sys_result(syscall(SYS_mlock, a, n)); }
static long o_munlock(uintptr_t a, size_t n) { return sys_result(syscall(SYS_munlock, a, n)); }

/* A hint is only a hint: the mapping comes back elsewhere, outside the
 * kernel. Returns 0 for that, else what came back. */
static uintptr_t k_lo, k_hi;
static long o_hint(uintptr_t a, size_t n)
{
	long r = sys_result(syscall(SYS_mmap, a, n, RW, ANON, -1, 0));
	if (r < 0)
		return r;
	uintptr_t m = (uintptr_t)r;
	int outside = m + n <= k_lo || m >= k_hi;
	if (outside) {
		((volatile unsigned char *)m)[0] = 1;
		munmap((void *)m, n);
	}
	return outside && m != a ? 0 : r;
}
/* brk there leaves the break where it was: 0 for that. */
static long o_brk(uintptr_t a, size_t n)
{
	(void)n;
	long before = syscall(SYS_brk, 0);
	long r = syscall(SYS_brk, a);
	return r == before ? 0 : r;
}

struct op {
	const char *group, *name;
	long (*call)(uintptr_t a, size_t n);
	long want;
};

static const struct op ops[] = {
	{"mprotect", "mprotect read", o_mprotect_r, -ENOMEM},
	{"mprotect", "mprotect none", o_mprotect_none, -ENOMEM},
	{"mprotect", "mprotect read-write", o_mprotect_rw, -ENOMEM},
	{"mprotect", "mprotect read-exec", o_mprotect_rx, -ENOMEM},
	{"munmap", "munmap", o_munmap, -EINVAL},
	{"madvise", "madvise dontneed", o_dontneed, -ENOMEM},
	{"madvise", "madvise free", o_free, -ENOMEM},
	{"madvise", "madvise willneed", o_willneed, -ENOMEM},
	{"mmap", "mmap fixed", o_fixed, -ENOMEM},
	{"mmap", "mmap fixed noreplace", o_noreplace, -ENOMEM},
	{"mmap", "mmap fixed none", o_fixed_none, -ENOMEM},
	{"mmap", "mmap hint", o_hint, 0},
	{"mremap", "mremap from", o_mremap_from, -EFAULT},
	{"mremap", "mremap fixed to", o_mremap_to, -EINVAL},
	{"other", "msync", o_msync, -ENOMEM},
	{"other", "mlock", o_mlock, -ENOMEM},
	{"other", "munlock", o_munlock, -ENOMEM},
	{"other", "brk", o_brk, 0},
};

static void *thread_fn(void *arg) { return (char *)arg + 1; }

/* Time, output, memory and threads: the kernel's own code and data are
 * intact. */
static int kernel_works(void)
{
	struct timespec t0, t1, nap = {0, 1000000};
	if (clock_gettime(CLOCK_MONOTONIC, &t0) || nanosleep(&nap, NULL) || clock_gettime(CLOCK_MONOTONIC, &t1))
		return 0;
	if (t1.tv_sec * 1000000000L + t1.tv_nsec < t0.tv_sec * 1000000000L + t0.tv_nsec + 1000000)
		return 0;
	unsigned char *m = mmap(0, 256 * PG, RW, ANON, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	for (size_t i = 0; i < 256 * PG; i += PG)
		m[i] = (unsigned char)(i >> 12);
	for (size_t i = 0; i < 256 * PG; i += PG)
		if (m[i] != (unsigned char)(i >> 12))
			return 0;
	munmap(m, 256 * PG);
	pthread_t t;
	void *res;
	char x;
	if (pthread_create(&t, NULL, thread_fn, &x) || pthread_join(t, &res) || res != &x + 1)
		return 0;
	return syscall(SYS_getpid) > 0;
}

int main(int argc, char *argv[])
{
	if (argc < 2)
		return 2;
	uintptr_t text = uk_syscall6 ? (uintptr_t)uk_syscall6 & ~(PG - 1) : 0xffffffff81000000UL;
	uintptr_t bss = __uk_kernel_end ? (((uintptr_t)__uk_kernel_end - 1) & ~(PG - 1)) : 0xffff888000000000UL;
	k_lo = __uk_kernel_start ? (uintptr_t)__uk_kernel_start & ~(PG - 1) : 0xffffffff81000000UL;
	k_hi = __uk_kernel_end ? ((uintptr_t)__uk_kernel_end + PG - 1) & ~(PG - 1) : k_lo + 64 * PG;
	struct {
		const char *name;
		uintptr_t addr;
		size_t len;
		int each_page;
	} regions[] = {
		{"text", text, PG, 0},
		{"bss", bss, PG, 0},
		{"every page", k_lo, k_hi - k_lo, 1},
		{"whole kernel", k_lo, k_hi - k_lo, 0},
	};
	user_page = mmap(0, PG, RW, ANON, -1, 0);
	user_page[0] = 0x3c;
	printf("kernel %s\n", argv[1]);
	fflush(stdout);

	int bad = 0;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		const struct op *o = &ops[i];
		if (strcmp(o->group, argv[1]))
			continue;
		for (size_t j = 0; j < sizeof regions / sizeof regions[0]; j++) {
			uintptr_t first = 0;
			long got = o->want;
			size_t step = regions[j].each_page ? PG : regions[j].len;
			for (size_t off = 0; off < regions[j].len && got == o->want; off += step) {
				got = o->call(regions[j].addr + off, step);
				first = regions[j].addr + off;
			}
			if (got == o->want) {
				printf("%s %s: ok\n", o->name, regions[j].name);
			} else {
				printf("%s %s: at %#lx got %ld, Linux gives %ld\n", o->name, regions[j].name,
				       (unsigned long)first, got, o->want);
				bad++;
			}
			fflush(stdout);
		}
	}
	int works = kernel_works() && user_page[0] == 0x3c;
	printf("kernel still works %s\n", works ? "ok" : "FAILED");
	return bad || !works ? 1 : 0;
}
