/* fds 0-2 are the console: a character device and a terminal (ukrun says
 * so with console.tty=0,1,2 whatever its own streams are), writes go
 * out, reads see end of file, poll reports them ready, close succeeds. */
//! run: --param console.tty=0,1,2 --
//! status: 0
//! expect: isatty 1 1 1
//! expect: chr 1
//! expect: read 0
//! expect: poll 1 4
//! expect: getfl 2
//! expect: dup 3 ok
//! expect: close 0 ebadf 1
//! expect: writev ok
//! expect: stderr line
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));
	struct stat st;
	if (fstat(1, &st))
		return 1;
	printf("chr %d\n", S_ISCHR(st.st_mode));
	char buf[8];
	printf("read %zd\n", read(0, buf, sizeof(buf)));
	struct pollfd pfd = {.fd = 1, .events = POLLOUT};
	int n = poll(&pfd, 1, 0);
	printf("poll %d %d\n", n, pfd.revents);
	printf("getfl %d\n", fcntl(1, F_GETFL) & O_ACCMODE);
	fflush(stdout);
	int d = dup(1);
	if (write(d, "", 0) == 0)
		printf("dup %d ok\n", d);
	fflush(stdout);
	int c = close(d);
	errno = 0;
	int w = write(d, "x", 1);
	printf("close %d %s %d\n", c, errno == EBADF ? "ebadf" : "?", w == -1);
	fflush(stdout);
	struct iovec iov[2] = {{"writev ", 7}, {"ok\n", 3}};
	if (writev(1, iov, 2) != 10)
		return 2;
	fprintf(stderr, "stderr line\n");
	return 0;
}
