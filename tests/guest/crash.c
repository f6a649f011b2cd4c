/* Faults end the VM with the status a shell shows for the signal Linux would
 * send (128 + n), after a report naming the fault and a symbolized
 * backtrace. */
//! run: -- null
//! status: 139
//! expect: page fault
//! expect: page not present
//! expect: backtrace:
//! expect: crash_null
//! run: -- ud2
//! status: 132
//! expect: invalid opcode
//! expect: crash_ud2
//! run: -- div0
//! status: 136
//! expect: divide error
//! run: -- abort
//! status: 134
//! reject: page fault
//! run: -- exec-data
//! status: 139
//! expect: instruction fetch
//! run: -- write-text
//! status: 139
//! expect: protection violation
//! run: -- bad-free
//! status: 139
//! expect: libc detected memory corruption
//! expect: backtrace:
//! run: -- stack-big
//! status: 0
//! expect: big stack ok
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile int zero = 0;
static unsigned char data_code[16] = {0xc3}; /* ret */

__attribute__((noinline)) void crash_null(int *p)
{
	printf("about to fault\n");
	fflush(stdout);
	*p = 1;
}

__attribute__((noinline)) void crash_ud2(void)
{
	__asm__ volatile("ud2");
}

__attribute__((noinline)) int use_stack(int n)
{
	volatile char buf[512 * 1024];
	memset((char *)buf, n, sizeof(buf));
	return buf[n] + buf[sizeof(buf) - 1];
}

int main(int argc, char *argv[])
{
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "null"))
		crash_null((int *)(long)zero);
	else if (!strcmp(what, "ud2"))
		crash_ud2();
	else if (!strcmp(what, "div0"))
		printf("%d\n", 10 / zero);
	else if (!strcmp(what, "abort"))
		abort();
	else if (!strcmp(what, "bad-free")) {
		/* A pointer malloc never returned: musl's checks catch it. */
		char *volatile p = malloc(64);
		free(p + 8);
	} else if (!strcmp(what, "exec-data"))
		((void (*)(void))data_code)();
	else if (!strcmp(what, "write-text"))
		*(volatile unsigned char *)(void *)main = 0x90;
	else if (!strcmp(what, "stack-big")) {
		if (use_stack(3) == 6)
			printf("big stack ok\n");
		return 0;
	}
	return 1;
}
