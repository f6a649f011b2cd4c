/* The memory system calls as Linux programs use them: anonymous private
 * mappings, fixed addresses, hints, mprotect with real page protection
 * (guard pages fault, W^X is refused), madvise, mremap, brk. */
//! run: --mem 64M --
//! status: 0
//! expect: mmap zeroed ok
//! expect: fixed ok
//! expect: fixed over own ok
//! expect: noreplace ok
//! expect: mremap grow ok
//! expect: mremap efault ok
//! expect: mprotect ro ok
//! expect: wx refused ok
//! expect: exec mapping ok
//! expect: dontneed ok
//! expect: brk ok
//! expect: munmap ok
//! run: --mem 64M -- guard
//! status: 139
//! expect: page not present, write
//! run: --mem 64M -- readonly
//! status: 139
//! expect: protection violation, write
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096

int main(int argc, char *argv[])
{
	int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	if (argc > 1 && !strcmp(argv[1], "guard")) {
		char *p = mmap(0, 4 * PG, rw, anon, -1, 0);
		mprotect(p, PG, PROT_NONE);
		printf("writing the guard page\n");
		fflush(stdout);
		p[10] = 1;
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "readonly")) {
		char *p = mmap(0, PG, PROT_READ, anon, -1, 0);
		fflush(stdout);
		p[0] = 1;
		return 1;
	}

	unsigned char *p = mmap(0, 3 * PG, rw, anon, -1, 0);
	int zero = p != MAP_FAILED;
	for (int i = 0; zero && i < 3 * PG; i++)
		zero = p[i] == 0;
	printf("mmap zeroed %s\n", zero ? "ok" : "FAILED");
	memset(p, 0xaa, 3 * PG);

	/* A fixed address on free memory: unmap our own block, take it back. */
	munmap(p + PG, PG);
	unsigned char *f = mmap(p + PG, PG, rw, anon | MAP_FIXED, -1, 0);
	printf("fixed %s\n", f == p + PG && f[0] == 0 && p[0] == 0xaa ? "ok" : "FAILED");
	f[0] = 1;
	unsigned char *g = mmap(p, 2 * PG, rw, anon | MAP_FIXED, -1, 0);
	printf("fixed over own %s\n", g == p && p[0] == 0 && p[PG] == 0 && p[2 * PG] == 0xaa ? "ok" : "FAILED");
	void *nr = mmap(p, PG, rw, anon | MAP_FIXED_NOREPLACE, -1, 0);
	printf("noreplace %s\n", nr == MAP_FAILED && errno == EEXIST ? "ok" : "FAILED");

	unsigned char *q = mremap(p, 3 * PG, 64 * PG, MREMAP_MAYMOVE);
	printf("mremap grow %s\n", q != MAP_FAILED && q[2 * PG] == 0xaa ? "ok" : "FAILED");
	errno = 0;
	void *bad = mremap((void *)(uintptr_t)0x7f0000000000, PG, 2 * PG, 0);
	printf("mremap efault %s\n", bad == MAP_FAILED && errno == EFAULT ? "ok" : "FAILED");

	int r1 = mprotect(q, PG, PROT_READ);
	int ro = r1 == 0 && q[0] == 0; /* zeroed by the MAP_FIXED above, readable */
	int r2 = mprotect(q, PG, rw);
	q[0] = 2;
	printf("mprotect ro %s\n", ro && r2 == 0 && q[0] == 2 ? "ok" : "FAILED");
	errno = 0;
	int wx = mprotect(q, PG, PROT_READ | PROT_WRITE | PROT_EXEC);
	int wx_errno = errno;
	void *wxm = mmap(0, PG, PROT_READ | PROT_WRITE | PROT_EXEC, anon, -1, 0);
	printf("wx refused %s\n", wx == -1 && wx_errno == EACCES && wxm == MAP_FAILED ? "ok" : "FAILED");

	/* Write code, then flip the page to read+exec and run it. */
	unsigned char *code = mmap(0, PG, rw, anon, -1, 0);
	unsigned char fn[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov $42, %eax; ret */
	memcpy(code, fn, sizeof(fn));
	int ok = mprotect(code, PG, PROT_READ | PROT_EXEC) == 0 && ((int (*)(void))code)() == 42;
	printf("exec mapping %s\n", ok ? "ok" : "FAILED");

	q[100] = 9;
	madvise(q, PG, MADV_DONTNEED);
	printf("dontneed %s\n", q[100] == 0 ? "ok" : "FAILED");

	/* musl's brk() and sbrk(n) refuse by design; programs and other libcs
	 * reach the system call directly. */
	char *b0 = (char *)syscall(SYS_brk, 0);
	char *b1 = (char *)syscall(SYS_brk, b0 + 3 * PG);
	if (b1 == b0 + 3 * PG)
		memset(b0, 7, 3 * PG);
	char *b2 = (char *)syscall(SYS_brk, b0);
	printf("brk %s\n", b0 && b1 == b0 + 3 * PG && b2 == b0 ? "ok" : "FAILED");

	printf("munmap %s\n", munmap(q, 64 * PG) == 0 && munmap(code, PG) == 0 ? "ok" : "FAILED");
	return 0;
}
