/* The app tests/suites/cmdline.sh boots with long command lines: it
 * summarises what it received, so the script can compare every byte with
 * what it passed without printing megabytes on a serial console.
 *
 *   argc=N
 *   argv0=<argv[0]>
 *   args bytes=B sum=H        over argv[1..]: total length, FNV-1a 64
 *   env count=N bytes=B sum=H over the environment entries starting UKT_
 *
 * The hash runs over each string's bytes and its terminating NUL, so that
 * the split into strings counts as well as the bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (;; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
		if (!*s)
			return h;
	}
}

int main(int argc, char **argv)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t bytes = 0;
	for (int i = 1; i < argc; i++) {
		bytes += strlen(argv[i]);
		h = fnv1a(h, argv[i]);
	}
	printf("argc=%d\n", argc);
	printf("argv0=%s\n", argv[0]);
	printf("args bytes=%zu sum=%016llx\n", bytes, (unsigned long long)h);

	h = 0xcbf29ce484222325ULL;
	bytes = 0;
	int count = 0;
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "UKT_", 4) != 0)
			continue;
		count++;
		bytes += strlen(*e);
		h = fnv1a(h, *e);
	}
	printf("env count=%d bytes=%zu sum=%016llx\n", count, bytes, (unsigned long long)h);
	return 0;
}
