/* What a garbage-collected runtime does at start (Go reserves hundreds of
 * MiB up front): 1 GiB of address space reserved PROT_NONE, 8 MiB of it
 * made read-write and touched. make bench finds the smallest --mem this
 * runs with. Prints "reserve ok". */
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
	const size_t reserve = 1UL << 30, used = 8UL << 20;
	char *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED || mprotect(p, used, PROT_READ | PROT_WRITE) != 0)
		return 1;
	for (size_t i = 0; i < used; i += 4096)
		p[i] = 1;
	printf("reserve ok\n");
	return 0;
}
