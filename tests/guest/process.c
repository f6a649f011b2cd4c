/* The process a static Linux program expects: environment from the kernel
 * command line, an auxiliary vector, thread-local storage, program headers
 * for the unwinder, a Linux-like uname, ENOSYS for what is not there. */
//! run: --param env=GREETING=hi --param uk.log_enosys=1 --
//! status: 0
//! expect: env hi
//! expect: home /
//! expect: pagesz 4096
//! expect: random ok
//! expect: tls 42 43
//! expect: phdr load ok eh ok
//! expect: uname Linux x86_64
//! expect: unimplemented system call 400
//! expect: enosys ok
//! expect: pid 1
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

static __thread int tls_var = 42;
static int loads, ehs;

static int cb(struct dl_phdr_info *info, size_t size, void *data)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_LOAD)
			loads++;
		if (info->dlpi_phdr[i].p_type == PT_GNU_EH_FRAME)
			ehs++;
	}
	return 0;
}

int main(void)
{
	const char *g = getenv("GREETING");
	printf("env %s\n", g ? g : "(none)");
	printf("home %s\n", getenv("HOME") ? getenv("HOME") : "(none)");
	printf("pagesz %lu\n", getauxval(AT_PAGESZ));
	printf("random %s\n", getauxval(AT_RANDOM) ? "ok" : "missing");
	int before = tls_var++;
	printf("tls %d %d\n", before, tls_var);
	dl_iterate_phdr(cb, NULL);
	printf("phdr load %s eh %s\n", loads >= 2 ? "ok" : "missing", ehs == 1 ? "ok" : "missing");
	struct utsname u;
	uname(&u);
	printf("uname %s %s\n", u.sysname, u.machine);
	fflush(stdout);
	long r = syscall(400);
	if (r == -1 && errno == ENOSYS)
		printf("enosys ok\n");
	printf("pid %d\n", getpid());
	return 0;
}
