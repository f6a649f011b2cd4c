/* What a guest sees of the host through ukrun (tests/suites/ukrun.sh runs it
 * under ukrun and, where the answer must be Linux's, natively):
 *   env NAME...   each NAME's value (getenv) and how often environ has it;
 *   cwd           argv[0], getcwd, a file read by relative path, one written;
 *   tty           for fds 0-2: isatty and its errno, ttyname, tcgetattr,
 *                 the file type fstat gives, the access mode; then what
 *                 gzip -c does: refuse binary output to a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

static int show_env(int argc, char **argv) {
	for (int i = 2; i < argc; i++) {
		size_t len = strlen(argv[i]);
		int count = 0;
		for (char **e = environ; *e; e++)
			if (strncmp(*e, argv[i], len) == 0 && (*e)[len] == '=')
				count++;
		const char *v = getenv(argv[i]);
		if (v)
			printf("%s=<%s> x%d\n", argv[i], v, count);
		else
			printf("%s unset\n", argv[i]);
	}
	return 0;
}

static int show_cwd(char **argv) {
	char buf[4096];
	printf("argv0=%s\n", argv[0]);
	printf("cwd=%s\n", getcwd(buf, sizeof buf) ? buf : strerror(errno));
	FILE *f = fopen("from-host.txt", "r");
	if (!f || !fgets(buf, sizeof buf, f)) {
		printf("read from-host.txt: %s\n", strerror(errno));
		return 1;
	}
	fclose(f);
	printf("read %s", buf);
	f = fopen("from-guest.txt", "w");
	if (!f || fputs("written by the guest\n", f) < 0 || fclose(f) != 0) {
		printf("write from-guest.txt: %s\n", strerror(errno));
		return 1;
	}
	printf("wrote from-guest.txt\n");
	return 0;
}

static const char *type_name(mode_t mode) {
	switch (mode & S_IFMT) {
	case S_IFCHR: return "chr";
	case S_IFIFO: return "fifo";
	case S_IFREG: return "reg";
	case S_IFSOCK: return "sock";
	default: return "other";
	}
}

/* errno by name, since musl's and glibc's strerror texts differ. */
static const char *err_name(int e) {
	static char other[16];
	if (e == 0) return "-";
	if (e == ENOTTY) return "ENOTTY";
	if (e == EBADF) return "EBADF";
	if (e == ENODEV) return "ENODEV";
	snprintf(other, sizeof other, "errno%d", e);
	return other;
}

static int show_tty(void) {
	/* Everything goes to stderr's buffer-free stream last, in one write,
	 * so the report is whole whatever fd 1 is. */
	char report[1024];
	size_t n = 0;
	for (int fd = 0; fd <= 2; fd++) {
		errno = 0;
		int tty = isatty(fd);
		int tty_errno = errno;
		struct termios t;
		int tc = tcgetattr(fd, &t);
		int tc_errno = tc ? errno : 0;
		char *name = ttyname(fd);
		int name_errno = name ? 0 : errno;
		struct stat st;
		fstat(fd, &st);
		int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
		n += snprintf(report + n, sizeof report - n,
			      "fd %d isatty %d %s tcgetattr %d %s ttyname %s type %s writable %d\n", fd,
			      tty, err_name(tty ? 0 : tty_errno), tc, err_name(tc ? tc_errno : 0),
			      name ? "yes" : err_name(name_errno), type_name(st.st_mode),
			      acc != O_RDONLY);
	}
	/* gzip -c: "compressed data not written to a terminal". */
	if (isatty(1)) {
		n += snprintf(report + n, sizeof report - n,
			      "gzip: compressed data not written to a terminal\n");
		(void)!write(2, report, n);
		return 1;
	}
	(void)!write(2, report, n);
	static const unsigned char binary[] = {0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x0a};
	(void)!write(1, binary, sizeof binary);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "env") == 0)
		return show_env(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "cwd") == 0)
		return show_cwd(argv);
	if (argc >= 2 && strcmp(argv[1], "tty") == 0)
		return show_tty();
	fprintf(stderr, "usage: %s env NAME... | cwd | tty\n", argv[0]);
	return 2;
}
