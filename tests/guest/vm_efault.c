/* Every pointer a system call takes, checked the way Linux checks it. A
 * table lists, for each call and pointer argument, the bytes the kernel
 * reads or writes there; each run passes one kind of pointer to every row
 * and compares the result with Linux's (EFAULT unless the row says
 * otherwise):
 *   good      a valid buffer (the control: the call works)
 *   null      NULL
 *   unmapped  a page munmap'd out of the middle of a mapping
 *   protnone  a PROT_NONE page
 *   rdonly    a read-only page (only where the kernel writes)
 *   ktext     kernel text: uk_syscall6 in the guest, Linux's text natively
 *   kdata     the kernel's last .bss page in the guest, Linux's direct map
 *             natively
 *   wrap      2^64 - 4, so that the object's end wraps past 0
 *   straddle  the first half of the object at the end of a page, the rest
 *             in the PROT_NONE page after it
 * One line per row, then a summary. Run natively with stdin from /dev/null
 * and stdout a pipe or a file (as the guest runner runs ukrun): a read from
 * fd 0 is only checked where Linux refuses the pointer before asking the
 * file, and the terminal ioctls give ENOTTY before looking at the pointer
 * when fd 1 is not a terminal (the guest's console is one). To add a call:
 * one wrapper and one row. */
//! run: --mem 64M --timeout 20 -- good
//! status: 0
//! expect: efault good: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- null
//! status: 0
//! expect: efault null: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- unmapped
//! status: 0
//! expect: efault unmapped: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- protnone
//! status: 0
//! expect: efault protnone: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- rdonly
//! status: 0
//! expect: efault rdonly: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- ktext
//! status: 0
//! expect: efault ktext: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- kdata
//! status: 0
//! expect: efault kdata: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- wrap
//! status: 0
//! expect: efault wrap: 0 mismatches
//! reject: Linux gives
//! run: --mem 64M --timeout 20 -- straddle
//! status: 0
//! expect: efault straddle: 0 mismatches
//! reject: Linux gives
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096UL
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

extern char __uk_kernel_start[] __attribute__((weak)), __uk_kernel_end[] __attribute__((weak));
extern long uk_syscall6() __attribute__((weak));

enum kind { GOOD, NUL, UNMAPPED, PROTNONE, RDONLY, KTEXT, KDATA, WRAP, STRADDLE, NKINDS };
static const char *const kind_names[NKINDS] = {"good",  "null",  "unmapped", "protnone", "rdonly",
					       "ktext", "kdata", "wrap",     "straddle"};
#define B(k) (1u << (k))
/* Kinds a read from fd 0 cannot check: Linux hands those pointers to the
 * file, and what it does depends on what fd 0 is (/dev/null returns 0
 * untouched, a terminal waits). */
#define STDIN_DEPENDENT (B(GOOD) | B(NUL) | B(UNMAPPED) | B(PROTNONE) | B(RDONLY) | B(STRADDLE))
/* Kinds Linux's access_ok() passes: only the access itself can fail. */
#define USER_HALF (B(NUL) | B(UNMAPPED) | B(PROTNONE) | B(RDONLY) | B(STRADDLE))

/* A good result that is any non-negative value rather than one value. */
#define ANY_NONNEG 0x7fffffffffffffffL

enum dir { IN, OUT };

struct row {
	const char *name;
	long (*call)(void *p);
	enum dir dir;          /* OUT: the kernel writes through p */
	size_t size;           /* bytes at p the call reads or writes */
	long good;             /* result with a valid p: a value, ANY_NONNEG or -errno */
	unsigned ok_kinds;     /* kinds for which Linux gives the good result */
	unsigned skip;         /* kinds this row cannot check (see STDIN_DEPENDENT) */
	int tty;               /* ENOTTY instead when fd 1 is not a terminal */
	void (*prep)(void *p); /* fills a valid buffer before the good call */
	int partial;           /* straddle: Linux returns the bytes before the fault */
};

/* Valid buffers the calls take besides the one under test. */
static struct timespec ts_zero = {0, 0}, ts_short = {0, 1};
static struct pollfd poll_out = {1, POLLOUT, 0};
static int futex_word;
static char io_buf[64];

static long c_read0(void *p) { return sys_result(syscall(SYS_read, 0, p, 16)); }
static long c_write(void *p) { return sys_result(syscall(SYS_write, 1, p, 16)); }
static long c_write0(void *p) { return sys_result(syscall(SYS_write, 1, p, 0)); }
static long c_readv_iov(void *p) { return sys_result(syscall(SYS_readv, 0, p, 1)); }
static long c_readv_base(void *p)
{
	struct iovec v = {p, 16};
	return sys_result(syscall(SYS_readv, 0, &v, 1));
}
static long c_writev_iov(void *p) { return sys_result(syscall(SYS_writev, 1, p, 1)); }
static long c_writev_base(void *p)
{
	struct iovec v = {p, 16};
	return sys_result(syscall(SYS_writev, 1, &v, 1));
}
static long c_fstat(void *p) { return sys_result(syscall(SYS_fstat, 1, p)); }
static long c_fstatat_buf(void *p) { return sys_result(syscall(SYS_newfstatat, 1, "", p, AT_EMPTY_PATH)); }
static long c_fstatat_path(void *p)
{
	char st[144];
	return sys_result(syscall(SYS_newfstatat, 1, p, st, AT_EMPTY_PATH));
}
static long c_fionread(void *p) { return sys_result(syscall(SYS_ioctl, 1, FIONREAD, p)); }
static long c_tcgets(void *p) { return sys_result(syscall(SYS_ioctl, 1, TCGETS, p)); }
static long c_tiocgwinsz(void *p) { return sys_result(syscall(SYS_ioctl, 1, TIOCGWINSZ, p)); }
static long c_poll(void *p) { return sys_result(syscall(SYS_poll, p, 1, 0)); }
static long c_ppoll_fds(void *p) { return sys_result(syscall(SYS_ppoll, p, 1, &ts_zero, NULL, 8)); }
static long c_ppoll_ts(void *p) { return sys_result(syscall(SYS_ppoll, &poll_out, 1, p, NULL, 8)); }
static long c_ppoll_mask(void *p) { return sys_result(syscall(SYS_ppoll, &poll_out, 1, &ts_zero, p, 8)); }
static long c_clock_gettime(void *p) { return sys_result(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p)); }
static long c_clock_getres(void *p) { return sys_result(syscall(SYS_clock_getres, CLOCK_MONOTONIC, p)); }
static long c_gettimeofday_tv(void *p) { return sys_result(syscall(SYS_gettimeofday, p, NULL)); }
static long c_getrusage(void *p) { return sys_result(syscall(SYS_getrusage, RUSAGE_SELF, p)); }
static long c_times(void *p) { return sys_result(syscall(SYS_times, p)); }
static long c_gettimeofday_tz(void *p)
{
	struct timespec tv;
	return sys_result(syscall(SYS_gettimeofday, &tv, p));
}
static long c_time(void *p) { return sys_result(syscall(SYS_time, p)); }
static long c_nanosleep_req(void *p) { return sys_result(syscall(SYS_nanosleep, p, NULL)); }
static long c_nanosleep_rem(void *p) { return sys_result(syscall(SYS_nanosleep, &ts_short, p)); }
static long c_clock_nanosleep_req(void *p)
{
	return sys_result(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, NULL));
}
static long c_clock_nanosleep_rem(void *p)
{
	return sys_result(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts_short, p));
}
static long c_sigaction_act(void *p) { return sys_result(syscall(SYS_rt_sigaction, SIGUSR1, p, NULL, 8)); }
static long c_sigaction_old(void *p) { return sys_result(syscall(SYS_rt_sigaction, SIGUSR1, NULL, p, 8)); }
static long c_sigprocmask_set(void *p) { return sys_result(syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8)); }
static long c_sigprocmask_old(void *p) { return sys_result(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8)); }
static long c_sigaltstack_ss(void *p) { return sys_result(syscall(SYS_sigaltstack, p, NULL)); }
static long c_sigaltstack_old(void *p) { return sys_result(syscall(SYS_sigaltstack, NULL, p)); }
static long c_getrlimit(void *p) { return sys_result(syscall(SYS_getrlimit, RLIMIT_NOFILE, p)); }
static long c_setrlimit(void *p) { return sys_result(syscall(SYS_setrlimit, RLIMIT_NOFILE, p)); }
static long c_prlimit_new(void *p) { return sys_result(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, p, NULL)); }
static long c_prlimit_old(void *p) { return sys_result(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, p)); }
static long c_uname(void *p) { return sys_result(syscall(SYS_uname, p)); }
static long c_sysinfo(void *p) { return sys_result(syscall(SYS_sysinfo, p)); }
static long c_set_name(void *p) { return sys_result(syscall(SYS_prctl, PR_SET_NAME, p, 0, 0, 0)); }
static long c_get_name(void *p) { return sys_result(syscall(SYS_prctl, PR_GET_NAME, p, 0, 0, 0)); }
static long c_getaffinity(void *p) { return sys_result(syscall(SYS_sched_getaffinity, 0, 8, p)); }
static long c_getcwd(void *p) { return sys_result(syscall(SYS_getcwd, p, 256)); }
static long c_get_fs(void *p) { return sys_result(syscall(SYS_arch_prctl, ARCH_GET_FS, p)); }
static long c_get_gs(void *p) { return sys_result(syscall(SYS_arch_prctl, ARCH_GET_GS, p)); }
static long c_futex_wait(void *p) { return sys_result(syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0)); }
static long c_futex_wake(void *p) { return sys_result(syscall(SYS_futex, p, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)); }
static long c_futex_wait_timeout(void *p)
{
	return sys_result(syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 1, p, NULL, 0));
}
static long c_getrandom(void *p) { return sys_result(syscall(SYS_getrandom, p, 16, 0)); }

/* Files the file rows use, made by main(). */
#define FX "/tmp/uk-efault"
static int fx_fd = -1, fx_dir = -1;
static long c_open(void *p)
{
	long r = syscall(SYS_open, p, O_RDONLY);
	if (r >= 0) {
		close((int)r);
		r = 0;
	}
	return sys_result(r);
}
static long c_stat_path(void *p)
{
	char st[144];
	return sys_result(syscall(SYS_stat, p, st));
}
static long c_stat_buf(void *p) { return sys_result(syscall(SYS_stat, FX, p)); }
static long c_lstat_buf(void *p) { return sys_result(syscall(SYS_lstat, FX ".l", p)); }
static long c_statx_buf(void *p) { return sys_result(syscall(SYS_statx, AT_FDCWD, FX, 0, 0x7ff, p)); }
static long c_statfs_buf(void *p) { return sys_result(syscall(SYS_statfs, "/tmp", p)); }
static long c_mkdir(void *p)
{
	long r = syscall(SYS_mkdir, p, 0700);
	if (r == 0)
		rmdir(FX ".new");
	return sys_result(r);
}
static long c_readlink(void *p) { return sys_result(syscall(SYS_readlink, FX ".l", p, 16)); }
static long c_pread(void *p) { return sys_result(syscall(SYS_pread64, fx_fd, p, 16, 0)); }
static long c_pwrite(void *p) { return sys_result(syscall(SYS_pwrite64, fx_fd, p, 16, 0)); }
static long c_utimensat(void *p) { return sys_result(syscall(SYS_utimensat, AT_FDCWD, FX, p, 0)); }
static long c_getdents(void *p)
{
	lseek(fx_dir, 0, SEEK_SET);
	return sys_result(syscall(SYS_getdents64, fx_dir, p, 64));
}
static void prep_path(void *p) { memcpy(p, FX, sizeof FX); }
static void prep_newdir(void *p) { memcpy(p, FX ".new", sizeof FX ".new"); }
static void prep_times(void *p)
{
	struct timespec t[2] = {{1, 0}, {2, 0}};
	memcpy(p, t, sizeof t);
}

static void prep_text(void *p) { memcpy(p, "efault good io.\n", 16); }
static void prep_iov(void *p)
{
	prep_text(io_buf);
	struct iovec v = {io_buf, 16};
	memcpy(p, &v, sizeof v);
}
static void prep_pollfd(void *p) { memcpy(p, &poll_out, sizeof poll_out); }
static void prep_ts_short(void *p) { memcpy(p, &ts_short, sizeof ts_short); }
static void prep_altstack(void *p)
{
	stack_t ss = {NULL, SS_DISABLE, 0};
	memcpy(p, &ss, sizeof ss);
}
static void prep_rlimit(void *p) { syscall(SYS_getrlimit, RLIMIT_NOFILE, p); }
static void prep_name(void *p) { memcpy(p, "vm_efault", 10); }

/* The socket rows: a datagram socketpair (made on first use) carries what
 * the transfer rows move, and each row leaves it empty. */
static int sk[2] = {-1, -1};
static int sk_pair(void)
{
	if (sk[0] < 0)
		socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sk);
	return sk[0];
}
static long c_socketpair(void *p) { return sys_result(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p)); }
static long c_bind(void *p)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	long r = sys_result(syscall(SYS_bind, s, p, 2));
	close(s);
	return r;
}
static long c_connect(void *p)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	long r = sys_result(syscall(SYS_connect, s, p, 2));
	close(s);
	return r;
}
static void prep_unix_addr(void *p) { memcpy(p, "\1\0", 2); }
static void prep_unspec_addr(void *p) { memcpy(p, "\0\0", 2); }
static long c_sendto(void *p)
{
	long r = sys_result(syscall(SYS_sendto, sk_pair(), p, 16, 0, NULL, 0));
	recv(sk[1], io_buf, sizeof io_buf, MSG_DONTWAIT);
	return r;
}
static long c_recvfrom(void *p)
{
	send(sk_pair(), "0123456789abcdef", 16, 0);
	long r = sys_result(syscall(SYS_recvfrom, sk[1], p, 16, MSG_DONTWAIT, NULL, NULL));
	recv(sk[1], io_buf, sizeof io_buf, MSG_DONTWAIT);
	return r;
}
static struct msghdr msg_good;
static struct iovec msg_iov = {io_buf, 16};
static void prep_msghdr(void *p)
{
	prep_text(io_buf);
	msg_good.msg_iov = &msg_iov;
	msg_good.msg_iovlen = 1;
	memcpy(p, &msg_good, sizeof msg_good);
}
static long c_sendmsg(void *p)
{
	long r = sys_result(syscall(SYS_sendmsg, sk_pair(), p, 0));
	recv(sk[1], io_buf, sizeof io_buf, MSG_DONTWAIT);
	return r;
}
static long c_recvmsg(void *p)
{
	send(sk_pair(), "0123456789abcdef", 16, 0);
	long r = sys_result(syscall(SYS_recvmsg, sk[1], p, MSG_DONTWAIT));
	recv(sk[1], io_buf, sizeof io_buf, MSG_DONTWAIT);
	return r;
}
static long c_getsockname_addr(void *p)
{
	int len = 2;
	return sys_result(syscall(SYS_getsockname, sk_pair(), p, &len));
}
static long c_getsockname_len(void *p) { return sys_result(syscall(SYS_getsockname, sk_pair(), io_buf, p)); }
static void prep_len16(void *p)
{
	int len = 16;
	memcpy(p, &len, sizeof len);
}
static long c_getsockopt_val(void *p)
{
	int len = 4;
	return sys_result(syscall(SYS_getsockopt, sk_pair(), SOL_SOCKET, SO_TYPE, p, &len));
}
static long c_getsockopt_len(void *p) { return sys_result(syscall(SYS_getsockopt, sk_pair(), SOL_SOCKET, SO_TYPE, io_buf, p)); }
static long c_setsockopt(void *p) { return sys_result(syscall(SYS_setsockopt, sk_pair(), SOL_SOCKET, SO_REUSEADDR, p, 4)); }
static long c_recvmmsg_ts(void *p) { return sys_result(syscall(SYS_recvmmsg, sk_pair(), io_buf, 1, MSG_DONTWAIT, p)); }

/* clang-format off */
static const struct row rows[] = {
	/* name                    call                   dir  size good  ok_kinds  skip  tty  prep  partial */
	{"read fd 0",              c_read0,               OUT, 16, 0, 0, STDIN_DEPENDENT, 0, 0, 0},
	{"write",                  c_write,               IN,  16, 16, 0, B(STRADDLE), 0, prep_text, 0},
	{"write 0 bytes",          c_write0,              IN,  0, 0, USER_HALF, 0, 0, 0, 0},
	{"readv iovec",            c_readv_iov,           IN,  16, 0, 0, B(GOOD), 0, prep_iov, 0},
	{"readv base",             c_readv_base,          OUT, 16, 0, 0, STDIN_DEPENDENT, 0, 0, 0},
	{"writev iovec",           c_writev_iov,          IN,  16, 16, 0, 0, 0, prep_iov, 0},
	{"writev base",            c_writev_base,         IN,  16, 16, 0, B(STRADDLE), 0, prep_text, 0},
	{"fstat",                  c_fstat,               OUT, 144, 0, 0, 0, 0, 0, 0},
	{"newfstatat buf",         c_fstatat_buf,         OUT, 144, 0, 0, 0, 0, 0, 0},
	/* Linux 6.11 and later treat a NULL path with AT_EMPTY_PATH as "". */
	{"newfstatat path",        c_fstatat_path,        IN,  1, 0, B(NUL), 0, 0, 0, 0},
	{"ioctl FIONREAD",         c_fionread,            OUT, 4, 0, 0, 0, 0, 0, 0},
	{"ioctl TCGETS",           c_tcgets,              OUT, 36, 0, 0, 0, 1, 0, 0},
	{"ioctl TIOCGWINSZ",       c_tiocgwinsz,          OUT, 8, 0, 0, 0, 1, 0, 0},
	{"poll fds",               c_poll,                OUT, 8, 1, 0, 0, 0, prep_pollfd, 0},
	{"ppoll fds",              c_ppoll_fds,           OUT, 8, 1, 0, 0, 0, prep_pollfd, 0},
	{"ppoll timeout",          c_ppoll_ts,            IN,  16, 1, B(NUL), 0, 0, 0, 0},
	{"ppoll sigmask",          c_ppoll_mask,          IN,  8, 1, B(NUL), 0, 0, 0, 0},
	{"clock_gettime",          c_clock_gettime,       OUT, 16, 0, 0, 0, 0, 0, 0},
	{"clock_getres",           c_clock_getres,        OUT, 16, 0, B(NUL), 0, 0, 0, 0},
	{"gettimeofday tv",        c_gettimeofday_tv,     OUT, 16, 0, B(NUL), 0, 0, 0, 0},
	{"gettimeofday tz",        c_gettimeofday_tz,     OUT, 8, 0, B(NUL), 0, 0, 0, 0},
	{"time",                   c_time,                OUT, 8, ANY_NONNEG, B(NUL), 0, 0, 0, 0},
	{"getrusage",              c_getrusage,           OUT, 144, 0, 0, 0, 0, 0, 0},
	{"times",                  c_times,               OUT, 32, ANY_NONNEG, B(NUL), 0, 0, 0, 0},
	{"nanosleep req",          c_nanosleep_req,       IN,  16, 0, 0, 0, 0, prep_ts_short, 0},
	/* The remaining time is only written when a signal interrupts. */
	{"nanosleep rem",          c_nanosleep_rem,       OUT, 16, 0, ~0u, 0, 0, 0, 0},
	{"clock_nanosleep req",    c_clock_nanosleep_req, IN,  16, 0, 0, 0, 0, prep_ts_short, 0},
	{"clock_nanosleep rem",    c_clock_nanosleep_rem, OUT, 16, 0, ~0u, 0, 0, 0, 0},
	{"rt_sigaction act",       c_sigaction_act,       IN,  32, 0, B(NUL), 0, 0, 0, 0},
	{"rt_sigaction oldact",    c_sigaction_old,       OUT, 32, 0, B(NUL), 0, 0, 0, 0},
	{"rt_sigprocmask set",     c_sigprocmask_set,     IN,  8, 0, B(NUL), 0, 0, 0, 0},
	{"rt_sigprocmask oldset",  c_sigprocmask_old,     OUT, 8, 0, B(NUL), 0, 0, 0, 0},
	{"sigaltstack ss",         c_sigaltstack_ss,      IN,  24, 0, B(NUL), 0, 0, prep_altstack, 0},
	{"sigaltstack old",        c_sigaltstack_old,     OUT, 24, 0, B(NUL), 0, 0, 0, 0},
	{"getrlimit",              c_getrlimit,           OUT, 16, 0, 0, 0, 0, 0, 0},
	{"setrlimit",              c_setrlimit,           IN,  16, 0, 0, 0, 0, prep_rlimit, 0},
	{"prlimit64 new",          c_prlimit_new,         IN,  16, 0, B(NUL), 0, 0, prep_rlimit, 0},
	{"prlimit64 old",          c_prlimit_old,         OUT, 16, 0, B(NUL), 0, 0, 0, 0},
	{"uname",                  c_uname,               OUT, 390, 0, 0, 0, 0, 0, 0},
	{"sysinfo",                c_sysinfo,             OUT, 112, 0, 0, 0, 0, 0, 0},
	{"prctl PR_SET_NAME",      c_set_name,            IN,  16, 0, 0, 0, 0, prep_name, 0},
	{"prctl PR_GET_NAME",      c_get_name,            OUT, 16, 0, 0, 0, 0, 0, 0},
	{"sched_getaffinity",      c_getaffinity,         OUT, 8, 8, 0, 0, 0, 0, 0},
	/* Writes the path only, at least "/" and its NUL. */
	{"getcwd",                 c_getcwd,              OUT, 2, ANY_NONNEG, 0, 0, 0, 0, 0},
	{"arch_prctl ARCH_GET_FS", c_get_fs,              OUT, 8, 0, 0, 0, 0, 0, 0},
	{"arch_prctl ARCH_GET_GS", c_get_gs,              OUT, 8, 0, 0, 0, 0, 0, 0},
	/* The word holds 0, the call expects 1. A 4-byte word cannot straddle. */
	{"futex wait",             c_futex_wait,          IN,  4, -EAGAIN, 0, B(STRADDLE), 0, 0, 0},
	/* A private wake only hashes the address: any user address works. */
	{"futex wake",             c_futex_wake,          IN,  4, 0, USER_HALF, B(STRADDLE), 0, 0, 0},
	{"futex wait timeout",     c_futex_wait_timeout,  IN,  16, -EAGAIN, B(NUL), 0, 0, prep_ts_short, 0},
	/* Fills what it can: straddling, the bytes before the fault. */
	{"getrandom",              c_getrandom,           OUT, 16, 16, 0, 0, 0, 0, 1},
	{"open path",              c_open,                IN,  sizeof FX, 0, 0, 0, 0, prep_path, 0},
	{"stat path",              c_stat_path,           IN,  sizeof FX, 0, 0, 0, 0, prep_path, 0},
	{"stat buf",               c_stat_buf,            OUT, 144, 0, 0, 0, 0, 0, 0},
	{"lstat buf",              c_lstat_buf,           OUT, 144, 0, 0, 0, 0, 0, 0},
	{"statx buf",              c_statx_buf,           OUT, 256, 0, 0, 0, 0, 0, 0},
	{"statfs buf",             c_statfs_buf,          OUT, 120, 0, 0, 0, 0, 0, 0},
	{"mkdir path",             c_mkdir,               IN,  sizeof FX ".new", 0, 0, 0, 0, prep_newdir, 0},
	{"readlink buf",           c_readlink,            OUT, 16, 16, 0, 0, 0, 0, 0},
	{"pread buf",              c_pread,               OUT, 16, 16, 0, 0, 0, 0, 1},
	{"pwrite buf",             c_pwrite,              IN,  16, 16, 0, 0, 0, prep_text, 1},
	/* NULL times means now. */
	{"utimensat times",        c_utimensat,           IN,  32, 0, B(NUL), 0, 0, prep_times, 0},
	/* "." and ".." (24 bytes each); straddling, the entries before the fault. */
	{"getdents64 buf",         c_getdents,            OUT, 64, 48, 0, B(STRADDLE), 0, 0, 0},
	{"socketpair fds",         c_socketpair,          OUT, 8, 0, 0, 0, 0, 0, 0},
	{"bind addr",              c_bind,                IN,  2, 0, 0, 0, 0, prep_unix_addr, 0},
	{"connect addr",           c_connect,             IN,  2, 0, 0, 0, 0, prep_unspec_addr, 0},
	{"sendto buf",             c_sendto,              IN,  16, 16, 0, 0, 0, prep_text, 0},
	{"recvfrom buf",           c_recvfrom,            OUT, 16, 16, 0, 0, 0, 0, 0},
	{"sendmsg msghdr",         c_sendmsg,             IN,  56, 16, 0, 0, 0, prep_msghdr, 0},
	/* The read-only page holds 0xa5 bytes: a negative length, so Linux
	 * answers EINVAL before it writes there. */
	{"recvmsg msghdr",         c_recvmsg,             OUT, 56, 16, 0, B(RDONLY), 0, prep_msghdr, 0},
	{"getsockname addr",       c_getsockname_addr,    OUT, 2, 0, 0, 0, 0, 0, 0},
	{"getsockname len",        c_getsockname_len,     OUT, 4, 0, 0, B(RDONLY), 0, prep_len16, 0},
	{"getsockopt val",         c_getsockopt_val,      OUT, 4, 0, 0, 0, 0, 0, 0},
	{"getsockopt len",         c_getsockopt_len,      OUT, 4, 0, 0, B(RDONLY), 0, prep_len16, 0},
	{"setsockopt val",         c_setsockopt,          IN,  4, 0, 0, 0, 0, prep_len16, 0},
	{"recvmmsg timeout",       c_recvmmsg_ts,         IN,  16, -EAGAIN, B(NUL), 0, 0, prep_ts_short, 0},
};
/* clang-format on */

/* Pages the pointers point into: [guard PROT_NONE][hole][guard][rw
 * good][PROT_NONE][read-only]. */
static unsigned char *good_page, *hole_page, *none_page, *ro_page;

/* Bytes of the object in the good page for the straddle kind. */
static size_t straddle_head(const struct row *r)
{
	return r->size > 1 ? r->size / 2 : 1;
}

static void *pointer_for(enum kind k, const struct row *r)
{
	uintptr_t ktext = uk_syscall6 ? (uintptr_t)uk_syscall6 & ~15UL
				      : __uk_kernel_start ? (uintptr_t)__uk_kernel_start : 0xffffffff81000000UL;
	uintptr_t kdata = __uk_kernel_end ? (((uintptr_t)__uk_kernel_end - 1) & ~(PG - 1)) : 0xffff888000000000UL;
	switch (k) {
	case GOOD:
		memset(good_page, 0, PG);
		if (r->prep)
			r->prep(good_page);
		return good_page;
	case NUL:
		return NULL;
	case UNMAPPED:
		return hole_page;
	case PROTNONE:
		return none_page;
	case RDONLY:
		return ro_page;
	case KTEXT:
		return (void *)ktext;
	case KDATA:
		return (void *)kdata;
	case WRAP:
		return (void *)(uintptr_t)-4;
	default:
		/* The good page is followed by the PROT_NONE one. Non-zero bytes,
		 * so that a string does not end before the fault. */
		memset(good_page + PG - straddle_head(r), 'x', straddle_head(r));
		return good_page + PG - straddle_head(r);
	}
}

static void describe(char *out, size_t n, long v)
{
	if (v == ANY_NONNEG)
		snprintf(out, n, "a value >= 0");
	else if (v < 0)
		snprintf(out, n, "%s (%ld)", strerrorname_np((int)-v) ? strerrorname_np((int)-v) : "?", v);
	else
		snprintf(out, n, "%ld", v);
}

int main(int argc, char *argv[])
{
	int k = -1;
	for (int i = 0; argc > 1 && i < NKINDS; i++)
		if (!strcmp(argv[1], kind_names[i]))
			k = i;
	if (k < 0)
		return 2;
	unsigned char *area = mmap(0, 6 * PG, RW, ANON, -1, 0);
	if (area == MAP_FAILED)
		return 3;
	mprotect(area, PG, PROT_NONE);
	hole_page = area + PG;
	munmap(hole_page, PG);
	mprotect(area + 2 * PG, PG, PROT_NONE);
	good_page = area + 3 * PG;
	none_page = area + 4 * PG;
	mprotect(none_page, PG, PROT_NONE);
	ro_page = area + 5 * PG;
	memset(ro_page, 0xa5, PG);
	mprotect(ro_page, PG, PROT_READ);

	/* The file rows' files. */
	rmdir(FX ".new");
	unlink(FX ".l");
	rmdir(FX ".dir");
	fx_fd = open(FX, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fx_fd < 0 || write(fx_fd, "0123456789abcdef0123456789abcdef", 32) != 32 ||
	    symlink("0123456789abcdef", FX ".l") || mkdir(FX ".dir", 0700))
		return 4;
	fx_dir = open(FX ".dir", O_RDONLY | O_DIRECTORY);

	/* Whether fd 1 is a terminal decides the tty rows' answer. */
	struct termios_probe {
		unsigned char bytes[64];
	} tp;
	int fd1_tty = syscall(SYS_ioctl, 1, TCGETS, &tp) == 0;

	int n = sizeof rows / sizeof rows[0], checked = 0, bad = 0;
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if ((r->skip & B(k)) || (k == RDONLY && r->dir != OUT))
			continue;
		long want = (k == GOOD || (r->ok_kinds & B(k))) ? r->good : -EFAULT;
		if (k == STRADDLE && r->partial)
			want = (long)straddle_head(r);
		if (r->tty && !fd1_tty)
			want = -ENOTTY;
		void *p = pointer_for(k, r);
		fflush(stdout);
		long got = r->call(p);
		int ok = want == ANY_NONNEG ? got >= 0 : got == want;
		if (k == RDONLY) {
			for (size_t j = 0; j < PG; j++)
				if (ro_page[j] != 0xa5)
					ok = 0;
		}
		checked++;
		if (ok) {
			printf("%s [%s]: ok\n", r->name, kind_names[k]);
		} else {
			char g[48], w[48];
			describe(g, sizeof g, got);
			describe(w, sizeof w, want);
			printf("%s [%s]: got %s, Linux gives %s\n", r->name, kind_names[k], g, w);
			bad++;
		}
	}
	printf("efault %s: %d mismatches in %d rows\n", kind_names[k], bad, checked);
	return bad ? 1 : 0;
}
