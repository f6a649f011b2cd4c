/* Address space is not memory: reservations far larger than the machine
 * (--mem 64M) succeed and cost nothing until touched, the way Go's runtime
 * and other allocators use them. A PROT_NONE hint at 0xc000000000 comes
 * back at that address and parts of it are then mapped MAP_FIXED; hundreds
 * of MiB PROT_NONE, untouched read-write memory, a 1 GiB reservation made
 * usable piecewise with mprotect, MAP_NORESERVE beyond the RAM; and
 * MAP_FIXED high in the 47-bit user half. Expectations are Linux's: the
 * output is the same natively. */
//! run: --mem 64M --timeout 20 -- go
//! status: 0
//! expect: hint honoured ok
//! expect: fixed inside reservation ok
//! expect: rest still reserved ok
//! expect: taken hint goes elsewhere ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- big
//! status: 0
//! expect: 512 MiB prot none ok
//! expect: 32 MiB untouched ok
//! expect: 1 GiB reserve, 8 MiB used ok
//! expect: noreserve beyond RAM ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- high
//! status: 0
//! expect: fixed at 0x7e0000000000 ok
//! expect: hint at 0x400000000000 ok
//! reject: FAILED
//! run: --mem 64M --timeout 20 -- all
//! status: 0
//! expect: hint honoured ok
//! expect: 1 GiB reserve, 8 MiB used ok
//! expect: noreserve beyond RAM ok
//! expect: fixed at 0x7e0000000000 ok
//! expect: all reservations held together ok
//! reject: FAILED
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define MIB (1UL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define GO_ARENA ((void *)0xc000000000UL)

/* Writes a value that depends on the page into every page of [p, p + len),
 * then reads them all back. */
static int touch_all(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i += PG)
		p[i] = (unsigned char)(i / PG * 13 + 1);
	for (size_t i = 0; i < len; i += PG)
		if (p[i] != (unsigned char)(i / PG * 13 + 1) || p[i + PG - 1] != 0)
			return 0;
	return 1;
}

static void go_case(void)
{
	char msg[160];
	unsigned char *arena = mmap(GO_ARENA, 64 * MIB, PROT_NONE, ANON, -1, 0);
	snprintf(msg, sizeof msg, "64 MiB PROT_NONE at hint %p came back at %p (errno %d)", GO_ARENA, (void *)arena,
		 arena == MAP_FAILED ? errno : 0);
	report("hint honoured", arena == GO_ARENA, msg);
	if (arena != GO_ARENA)
		return;

	unsigned char *used = mmap(arena + 4 * MIB, 4 * MIB, RW, ANON | MAP_FIXED, -1, 0);
	int touched = used == arena + 4 * MIB && touch_all(used, 4 * MIB);
	snprintf(msg, sizeof msg, "MAP_FIXED at %p gave %p, touched %d", (void *)(arena + 4 * MIB), (void *)used,
		 touched);
	report("fixed inside reservation", touched, msg);

	/* Below and above the used part, the reservation is still there. */
	void *below = mmap(arena, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	int below_errno = errno;
	void *above = mmap(arena + 8 * MIB, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	int above_errno = errno;
	snprintf(msg, sizeof msg, "noreplace below %p errno %d, above %p errno %d", below, below_errno, above,
		 above_errno);
	report("rest still reserved",
	       below == MAP_FAILED && below_errno == EEXIST && above == MAP_FAILED && above_errno == EEXIST, msg);

	/* A hint on taken address space is only a hint. */
	unsigned char *again = mmap(GO_ARENA, 64 * MIB, PROT_NONE, ANON, -1, 0);
	int apart = again != MAP_FAILED && (again + 64 * MIB <= arena || again >= arena + 64 * MIB);
	snprintf(msg, sizeof msg, "second mmap at the taken hint gave %p", (void *)again);
	report("taken hint goes elsewhere", apart, msg);
}

static void big_case(void)
{
	char msg[160];
	void *none = mmap(0, 512 * MIB, PROT_NONE, ANON, -1, 0);
	snprintf(msg, sizeof msg, "errno %d", none == MAP_FAILED ? errno : 0);
	report("512 MiB prot none", none != MAP_FAILED, msg);

	/* Half the machine, read-write, never touched but for one page. */
	unsigned char *rw = mmap(0, 32 * MIB, RW, ANON, -1, 0);
	int ok = rw != MAP_FAILED;
	if (ok) {
		rw[16 * MIB] = 5;
		ok = rw[16 * MIB] == 5 && rw[0] == 0 && rw[32 * MIB - 1] == 0;
	}
	snprintf(msg, sizeof msg, "errno %d", rw == MAP_FAILED ? errno : 0);
	report("32 MiB untouched", ok, msg);

	/* Reserve 1 GiB, make 8 MiB of it usable in two pieces, use them. */
	unsigned char *res = mmap(0, 1024 * MIB, PROT_NONE, ANON, -1, 0);
	int p1 = -1, p2 = -1, t = 0;
	if (res != MAP_FAILED) {
		p1 = mprotect(res + 100 * MIB, 4 * MIB, RW);
		p2 = mprotect(res + 1020 * MIB, 4 * MIB, RW);
		t = p1 == 0 && p2 == 0 && touch_all(res + 100 * MIB, 4 * MIB) && touch_all(res + 1020 * MIB, 4 * MIB);
	}
	snprintf(msg, sizeof msg, "reserve %p, mprotect %d %d, touched %d", (void *)res, p1, p2, t);
	report("1 GiB reserve, 8 MiB used", t, msg);

	/* MAP_NORESERVE skips the overcommit check: twice the RAM maps. */
	struct sysinfo si;
	sysinfo(&si);
	size_t ram = (size_t)si.totalram * si.mem_unit;
	size_t len = 2 * ram + 64 * MIB;
	unsigned char *nr = mmap(0, len, RW, ANON | MAP_NORESERVE, -1, 0);
	ok = nr != MAP_FAILED;
	if (ok) {
		nr[len / 2] = 9;
		ok = nr[len / 2] == 9 && nr[len - 1] == 0;
	}
	snprintf(msg, sizeof msg, "%zu MiB (RAM %zu MiB): errno %d", len / MIB, ram / MIB, nr == MAP_FAILED ? errno : 0);
	report("noreserve beyond RAM", ok, msg);
}

static void high_case(void)
{
	char msg[160];
	/* Far below where Linux places mappings and stack (top-down from just
	 * under 2^47, randomised by at most 1 TiB), so free natively too. */
	unsigned char *want = (unsigned char *)0x7e0000000000UL;
	unsigned char *p = mmap(want, MIB, RW, ANON | MAP_FIXED, -1, 0);
	int ok = p == want && touch_all(p, MIB);
	snprintf(msg, sizeof msg, "gave %p errno %d", (void *)p, p == MAP_FAILED ? errno : 0);
	report("fixed at 0x7e0000000000", ok, msg);

	want = (unsigned char *)0x400000000000UL;
	p = mmap(want, 2 * MIB, RW, ANON, -1, 0);
	ok = p == want && touch_all(p, 2 * MIB);
	snprintf(msg, sizeof msg, "gave %p errno %d", (void *)p, p == MAP_FAILED ? errno : 0);
	report("hint at 0x400000000000", ok, msg);
}

int main(int argc, char *argv[])
{
	const char *c = argc > 1 ? argv[1] : "";
	int all = !strcmp(c, "all");
	if (all || !strcmp(c, "go"))
		go_case();
	if (all || !strcmp(c, "big"))
		big_case();
	if (all || !strcmp(c, "high"))
		high_case();
	if (all)
		report("all reservations held together", failures == 0, "an earlier step failed");
	return failures ? 1 : 0;
}
