/* fds 0-2 where ukrun's own stream is not a terminal (console.tty= lists
 * the ones that are): each is an open of its own that reads and writes the
 * console but answers as the pipe end Linux would have there: isatty() and
 * the terminal ioctls fail with ENOTTY, fstat says S_IFIFO, fd 0 is
 * read-only and 1 and 2 write-only, poll reports one direction, lseek
 * fails with ESPIPE. /dev/console itself stays a terminal. */
//! run: --param console.tty=none --
//! status: 0
//! expect: isatty 0 0 0 ENOTTY ENOTTY ENOTTY
//! expect: tcgetattr ENOTTY winsz ENOTTY
//! expect: fstat fifo fifo fifo mode 600 distinct 1
//! expect: accmode 0 1 1
//! expect: write fd0 EBADF read fd1 EBADF
//! expect: fionread 0 0
//! expect: poll fd0 in 1 out 0 fd1 in 0 out 1
//! expect: read 0
//! expect: lseek ESPIPE
//! expect: stderr through
//! expect: /dev/console isatty 1
//! expect: done
//! run: --param console.tty=0,2 -- mixed
//! status: 0
//! expect: isatty 1 0 1
//! expect: shared 1 fd1 own 1
//! run: --param console.tty=3 --
//! status: 250
//! expect: console.tty needs a list of 0, 1 and 2
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"

static const char *err(int r) {
	return r < 0 ? errname(errno) : "none";
}

static const char *type(int fd) {
	struct stat st;
	if (fstat(fd, &st))
		return "error";
	return S_ISFIFO(st.st_mode) ? "fifo" : S_ISCHR(st.st_mode) ? "chr" : "other";
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "mixed") == 0) {
		printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));
		struct stat s0, s1, s2;
		fstat(0, &s0);
		fstat(1, &s1);
		fstat(2, &s2);
		/* The terminals share one description, as a shell's do. */
		int fl = fcntl(0, F_GETFL);
		fcntl(2, F_SETFL, fl | O_NONBLOCK);
		int shared = (fcntl(0, F_GETFL) & O_NONBLOCK) != 0;
		fcntl(2, F_SETFL, fl);
		printf("shared %d fd1 own %d\n", shared, S_ISFIFO(s1.st_mode) && S_ISCHR(s0.st_mode));
		return 0;
	}
	int e[3];
	int t[3];
	for (int fd = 0; fd < 3; fd++) {
		errno = 0;
		t[fd] = isatty(fd);
		e[fd] = errno;
	}
	printf("isatty %d %d %d %s %s %s\n", t[0], t[1], t[2], errname(e[0]), errname(e[1]),
	       errname(e[2]));
	struct termios tio;
	struct winsize ws;
	int r1 = tcgetattr(1, &tio);
	const char *e1 = err(r1);
	int r2 = ioctl(2, TIOCGWINSZ, &ws);
	printf("tcgetattr %s winsz %s\n", e1, err(r2));

	struct stat st[3];
	for (int fd = 0; fd < 3; fd++)
		fstat(fd, &st[fd]);
	printf("fstat %s %s %s mode %o distinct %d\n", type(0), type(1), type(2),
	       st[1].st_mode & 07777, st[0].st_ino != st[1].st_ino && st[1].st_ino != st[2].st_ino);
	printf("accmode %d %d %d\n", fcntl(0, F_GETFL) & O_ACCMODE, fcntl(1, F_GETFL) & O_ACCMODE,
	       fcntl(2, F_GETFL) & O_ACCMODE);
	char c;
	int w = (int)write(0, "x", 1);
	const char *we = err(w);
	int r = (int)read(1, &c, 1);
	printf("write fd0 %s read fd1 %s\n", we, err(r));
	int n = -1;
	int fr = ioctl(0, FIONREAD, &n);
	printf("fionread %d %d\n", fr, n);
	/* fd 0 waits for the end of ukrun's input (its stdin is /dev/null). */
	struct pollfd p[2] = {{0, POLLIN | POLLOUT, 0}, {1, POLLIN | POLLOUT, 0}};
	poll(&p[0], 1, -1);
	poll(&p[1], 1, 0);
	printf("poll fd0 in %d out %d fd1 in %d out %d\n", !!(p[0].revents & POLLIN),
	       !!(p[0].revents & POLLOUT), !!(p[1].revents & POLLIN), !!(p[1].revents & POLLOUT));
	printf("read %d\n", (int)read(0, &c, 1));
	printf("lseek %s\n", err((int)lseek(1, 0, SEEK_CUR)));
	fprintf(stderr, "stderr through\n");
	int con = open("/dev/console", O_RDWR);
	printf("/dev/console isatty %d\n", isatty(con));
	printf("done\n");
	return 0;
}
