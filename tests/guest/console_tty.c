/* The console as a terminal, with stdin at its end (ukrun's stdin is
 * /dev/null here; tests/suites/console.sh pipes data in): the terminal
 * ioctls isatty and stdio rely on, reads at the end of file (blocking,
 * O_NONBLOCK, poll), errors, and the device numbers that reach it (nodes
 * made with mknod, and devfs's /dev/console and /dev/tty). */
//! run: --param console.tty=0,1,2 --
//! status: 0
//! expect: isatty 1 1 1
//! expect: tcgetattr 0 icanon 1 echo 1 veof 4 vmin 1 speed 1
//! expect: raw 0 icanon 0 restored 1
//! expect: winsz 0 24 80
//! expect: setwinsz 0 seen on fd 1: 50 132
//! expect: fionread 0 0
//! expect: read 0 again 0
//! expect: nonblock read 0
//! expect: poll 1 in 1 out 1
//! expect: lseek -1 ESPIPE
//! expect: bad pointer EFAULT EFAULT
//! expect: unknown ioctl ENOTTY
//! expect: pgrp 1 1 setpgrp 0
//! expect: fstat chr 1 rdev 5:1
//! expect: ttyname /dev/console
//! expect: node c 4:64 open 1 isatty 1
//! expect: through ttyS0
//! expect: node c 5:0 open 1 isatty 1
//! expect: through tty
//! expect: /dev/console isatty 1 rdev 5:1
//! expect: through /dev/console
//! expect: /dev/tty isatty 1 rdev 5:0
//! expect: through /dev/tty
//! expect: done
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static const char *err(int e)
{
	return e == EFAULT ? "EFAULT" : e == ENOTTY ? "ENOTTY" : e == ESPIPE ? "ESPIPE" : strerror(e);
}

static void through(const char *path, unsigned maj, unsigned min, const char *text)
{
	int r = mknod(path, S_IFCHR | 0600, makedev(maj, min));
	int fd = open(path, O_RDWR);
	printf("node c %u:%u open %d isatty %d\n", maj, min, r == 0 && fd >= 0, isatty(fd));
	fflush(stdout);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
			printf("short write\n");
		close(fd);
	}
}

int main(void)
{
	printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));

	struct termios t, raw;
	int r = tcgetattr(0, &t);
	printf("tcgetattr %d icanon %d echo %d veof %d vmin %d speed %d\n", r,
	       !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO), t.c_cc[VEOF], t.c_cc[VMIN],
	       cfgetospeed(&t) == B38400);
	raw = t;
	cfmakeraw(&raw);
	r = tcsetattr(0, TCSANOW, &raw);
	struct termios now;
	tcgetattr(0, &now);
	int raw_icanon = !!(now.c_lflag & ICANON);
	tcsetattr(0, TCSADRAIN, &t);
	tcgetattr(1, &now);
	printf("raw %d icanon %d restored %d\n", r, raw_icanon, !!(now.c_lflag & ICANON));

	struct winsize ws;
	r = ioctl(1, TIOCGWINSZ, &ws);
	printf("winsz %d %d %d\n", r, ws.ws_row, ws.ws_col);
	struct winsize big = {50, 132, 0, 0};
	r = ioctl(0, TIOCSWINSZ, &big);
	ioctl(1, TIOCGWINSZ, &ws);
	printf("setwinsz %d seen on fd 1: %d %d\n", r, ws.ws_row, ws.ws_col);

	int avail = -1;
	r = ioctl(0, FIONREAD, &avail);
	printf("fionread %d %d\n", r, avail);

	/* stdin is ukrun's /dev/null: its end comes, and stays. */
	char buf[16];
	ssize_t a = read(0, buf, sizeof(buf));
	ssize_t b = read(0, buf, sizeof(buf));
	printf("read %zd again %zd\n", a, b);
	int fl = fcntl(0, F_GETFL);
	fcntl(0, F_SETFL, fl | O_NONBLOCK);
	printf("nonblock read %zd\n", read(0, buf, sizeof(buf)));
	fcntl(0, F_SETFL, fl);

	struct pollfd p[2] = {{0, POLLIN, 0}, {1, POLLOUT, 0}};
	r = poll(p, 2, -1);
	printf("poll %d in %d out %d\n", r == 2 ? 1 : r, !!(p[0].revents & POLLIN),
	       !!(p[1].revents & POLLOUT));

	errno = 0;
	off_t o = lseek(0, 0, SEEK_CUR);
	printf("lseek %ld %s\n", (long)o, err(errno));

	errno = 0;
	r = ioctl(0, TCGETS, (void *)16);
	int e1 = errno;
	errno = 0;
	ioctl(1, TIOCGWINSZ, (void *)0);
	printf("bad pointer %s %s\n", err(e1), err(errno));
	errno = 0;
	r = ioctl(0, 0x7f00, 0);
	printf("unknown ioctl %s\n", err(errno));

	pid_t pg = tcgetpgrp(0);
	printf("pgrp %d %d setpgrp %d\n", pg == getpgrp(), tcgetsid(0) == getsid(0),
	       tcsetpgrp(0, getpgrp()));

	struct stat st;
	fstat(0, &st);
	printf("fstat chr %d rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev),
	       minor(st.st_rdev));
	const char *name = ttyname(0);
	printf("ttyname %s\n", name ? name : strerror(errno));
	fflush(stdout);

	through("/tmp/ttyS0", 4, 64, "through ttyS0\n");
	through("/tmp/tty", 5, 0, "through tty\n");
	const char *devs[] = {"/dev/console", "/dev/tty"};
	for (int i = 0; i < 2; i++) {
		int fd = open(devs[i], O_RDWR | O_NOCTTY);
		struct stat ds = {0};
		fstat(fd, &ds);
		printf("%s isatty %d rdev %u:%u\n", devs[i], isatty(fd), major(ds.st_rdev),
		       minor(ds.st_rdev));
		fflush(stdout);
		char line[64];
		int n = snprintf(line, sizeof(line), "through %s\n", devs[i]);
		if (write(fd, line, (size_t)n) != n)
			printf("short write\n");
		close(fd);
	}
	printf("done\n");
	return 0;
}
