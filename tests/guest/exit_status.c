/* Every exit status 0-255 reaches ukrun intact, whether main returns it or
 * exit() is called deep in the program; atexit handlers and stdio buffers
 * run first. */
//! run: -- ret 0
//! status: 0
//! run: -- ret 1
//! status: 1
//! run: -- ret 42
//! status: 42
//! run: -- ret 127
//! status: 127
//! run: -- ret 134
//! status: 134
//! run: -- exit 200
//! status: 200
//! expect: buffered line flushed
//! expect: atexit handler ran
//! run: -- exit 255
//! status: 255
//! run: -- exit 256
//! status: 0
//! run: -- exit -1
//! status: 255
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bye(void)
{
	printf("atexit handler ran\n");
}

__attribute__((noinline)) static void leave(int n)
{
	exit(n);
}

int main(int argc, char *argv[])
{
	if (argc != 3)
		return 99;
	int n = atoi(argv[2]);
	if (!strcmp(argv[1], "ret"))
		return n;
	/* Fully buffered: nothing reaches the console unless exit flushes it. */
	setvbuf(stdout, NULL, _IOFBF, 4096);
	fputs("buffered line flushed\n", stdout);
	atexit(bye);
	leave(n);
	return 98;
}
