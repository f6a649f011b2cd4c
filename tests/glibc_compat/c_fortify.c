/* glibc-compat fortify test: compiled with the host gcc against glibc
 * headers with -O2 -D_FORTIFY_SOURCE=2 (and again with =3), so that the
 * calls below become __*_chk calls; linked against glibc and against musl +
 * libunikraft's compatibility layer, the runs must agree.
 *
 * Usage: c_fortify ok N         every checked call that needs no file system
 *                               or input, within bounds (N = 8)
 *        c_fortify CASE N       one call that writes N bytes (or elements)
 *                               into an 8-element buffer; N > 8 must abort
 *                               with "*** buffer overflow detected ***"
 * Sizes come from the command line so the compiler cannot check them. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <wchar.h>

static const char src[] = "0123456789abcdefghijklmnopqrstuvwxyz";
static const wchar_t wsrc[] = L"0123456789abcdefghijklmnopqrstuvwxyz";
static char text[64]; /* A string of the requested length. */
static wchar_t wtext[64];

/* The v*printf cases format into a local array, whose size the compiler
 * knows, so that the checked variants are called. */
static int vsnprintf_n(size_t len, const char *fmt, ...)
{
	char local[8];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(local, len, fmt, ap);
	va_end(ap);
	return r + local[0];
}

static int vsprintf_8(const char *fmt, ...)
{
	char local[8];
	va_list ap;
	va_start(ap, fmt);
	int r = vsprintf(local, fmt, ap);
	va_end(ap);
	return r + local[0];
}

/* Writes "ab" where the compiler cannot see it, so that strcat stays strcat. */
static __attribute__((noinline)) void put_ab(char *buf)
{
	buf[0] = 'a';
	buf[1] = 'b';
	buf[2] = 0;
}

static volatile long sink;

/* Leaves a jmp_buf that points into a frame deeper than main's, then returns:
 * longjmp to it afterwards targets a frame that no longer exists. */
static jmp_buf stale;
static __attribute__((noinline)) int deep(int depth)
{
	volatile char pad[512];
	pad[0] = (char)depth;
	if (depth > 0)
		return deep(depth - 1) + pad[0];
	return setjmp(stale);
}

static int run(const char *name, int n)
{
	char buf[8];
	wchar_t wbuf[8];
	memset(buf, 0, sizeof buf);
	memset(text, 0, sizeof text);
	memcpy(text, src, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
	wmemset(wtext, 0, 64);
	wmemcpy(wtext, wsrc, (size_t)n < 64 ? (size_t)n : 63);
	/* String cases copy n - 1 characters plus the terminator. */
	if (!strcmp(name, "memcpy"))
		memcpy(buf, src, n);
	else if (!strcmp(name, "memmove"))
		memmove(buf, buf + 1, n - 1); /* Overlapping: n - 1 bytes. */
	else if (!strcmp(name, "mempcpy"))
		sink = (char *)mempcpy(buf, src, n) - buf;
	else if (!strcmp(name, "memset"))
		memset(buf, 'x', n);
	else if (!strcmp(name, "explicit_bzero"))
		explicit_bzero(buf, n);
	else if (!strcmp(name, "strcpy"))
		strcpy(buf, text + 1);
	else if (!strcmp(name, "stpcpy"))
		sink = stpcpy(buf, text + 1) - buf;
	else if (!strcmp(name, "strncpy"))
		strncpy(buf, src, n);
	else if (!strcmp(name, "stpncpy"))
		sink = stpncpy(buf, src, n) - buf;
	else if (!strcmp(name, "strcat")) {
		put_ab(buf);
		strcat(buf, text + 3);
	} else if (!strcmp(name, "strncat")) {
		put_ab(buf);
		strncat(buf, src, n - 3);
	} else if (!strcmp(name, "sprintf"))
		sprintf(buf, "%s", text + 1);
	else if (!strcmp(name, "vsprintf"))
		sink = vsprintf_8("%s", text + 1);
	else if (!strcmp(name, "snprintf"))
		snprintf(buf, n, "%s", src);
	else if (!strcmp(name, "vsnprintf"))
		sink = vsnprintf_n(n, "%s", src);
	else if (!strcmp(name, "fgets")) {
		/* Standard input holds a long line; the read itself overflows. */
		if (!fgets(buf, n, stdin))
			return 1;
	} else if (!strcmp(name, "fread"))
		return fread(buf, 1, n, stdin) > 100;
	else if (!strcmp(name, "read"))
		return read(0, buf, n) > 100;
	else if (!strcmp(name, "pread"))
		return pread(0, buf, n, 0) > 100;
	else if (!strcmp(name, "readlink"))
		return readlink("/proc/self/exe", buf, n) > 100;
	else if (!strcmp(name, "getcwd"))
		return getcwd(buf, n) != NULL && n > 100;
	else if (!strcmp(name, "realpath"))
		return realpath("/", buf) == NULL;
	else if (!strcmp(name, "confstr"))
		return confstr(_CS_PATH, buf, n) == 0;
	else if (!strcmp(name, "gethostname"))
		return gethostname(buf, n) > 100;
	else if (!strcmp(name, "wmemcpy"))
		wmemcpy(wbuf, wsrc, n);
	else if (!strcmp(name, "wmemmove"))
		wmemmove(wbuf, wbuf + 1, n - 1); /* Overlapping: n - 1 elements. */
	else if (!strcmp(name, "wmemset"))
		wmemset(wbuf, L'x', n);
	else if (!strcmp(name, "wcscpy"))
		wcscpy(wbuf, wtext + 1);
	else if (!strcmp(name, "wcsncpy"))
		wcsncpy(wbuf, wsrc, n);
	else if (!strcmp(name, "mbstowcs"))
		return mbstowcs(wbuf, src, n) > 100;
	else if (!strcmp(name, "wcstombs"))
		return wcstombs(buf, wsrc, n) > 100;
	else if (!strcmp(name, "poll")) {
		struct pollfd fds[8] = {{.fd = -1}};
		for (int i = 0; i < 8; i++)
			fds[i].fd = -1;
		return poll(fds, n, 0) < 0;
	} else if (!strcmp(name, "fd_set")) {
		/* Descriptor n * 127 is inside FD_SETSIZE (1024) up to n = 8. */
		fd_set set;
		FD_ZERO(&set);
		FD_SET(n * 127, &set);
		return !FD_ISSET(n * 127, &set);
	} else if (!strcmp(name, "open")) {
		/* open() without a mode: n > 8 adds O_CREAT. */
		volatile int flags = n > 8 ? O_WRONLY | O_CREAT : O_RDONLY;
		int fd = open("/dev/null", flags);
		if (fd < 0)
			return 1;
		close(fd);
	} else if (!strcmp(name, "longjmp")) {
		/* n > 8 jumps into a frame that has returned. */
		if (n > 8) {
			sink = deep(8);
			longjmp(stale, 1);
		}
		jmp_buf here;
		if (setjmp(here) == 0)
			longjmp(here, 1);
	} else {
		fprintf(stderr, "unknown case %s\n", name);
		return 2;
	}
	printf("%s(%d) ok\n", name, n);
	return 0;
}

static const char *const cases[] = {
	"memcpy",  "memmove",  "mempcpy",  "memset",	"explicit_bzero", "strcpy",  "stpcpy", "strncpy",
	"stpncpy", "strcat",   "strncat",  "sprintf",	"vsprintf",	  "snprintf", "vsnprintf",
	"wmemcpy", "wmemmove", "wmemset",  "wcscpy",   "wcsncpy",	"poll",		  "fd_set",   "longjmp",
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 3)
		return 2;
	int n = atoi(argv[2]);
	if (strcmp(argv[1], "ok") != 0)
		return run(argv[1], n);
	for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++)
		if (run(cases[i], n) != 0)
			printf("%s failed\n", cases[i]);
	return 0;
}
