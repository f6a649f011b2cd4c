/* A unikernel runs one program: every way of starting another fails with
 * ENOSYS, the errno Linux gives where a kernel cannot make processes, and
 * the kernel says once per call which call it was and where the program
 * made it. system(NULL) reports no shell, as glibc does where there is none.
 * The program goes on afterwards. */
//! run:
//! status: 0
//! expect: uk: fork() cannot start a process in a unikernel (ENOSYS), called from try_fork
//! expect: fork -1 ENOSYS
//! expect: fork again -1 ENOSYS
//! expect: uk: vfork() cannot start a process in a unikernel (ENOSYS)
//! expect: vfork -1 ENOSYS
//! expect: uk: execve() cannot start a process in a unikernel (ENOSYS), called from try_exec
//! expect: execve -1 ENOSYS
//! expect: execvp -1 ENOSYS
//! expect: uk: posix_spawn() cannot start a process in a unikernel (ENOSYS), called from try_spawn
//! expect: posix_spawn ENOSYS
//! expect: posix_spawnp ENOSYS
//! expect: system(NULL) 0
//! expect: uk: system() cannot start a process in a unikernel (ENOSYS), called from main
//! expect: system -1 ENOSYS
//! expect: uk: popen() cannot start a process in a unikernel (ENOSYS), called from main
//! expect: popen NULL ENOSYS
//! expect: clone -1 ENOSYS
//! expect: still running
//! reject: called from again
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static const char *name(int e)
{
	return e == ENOSYS ? "ENOSYS" : e == EAGAIN ? "EAGAIN" : e == 0 ? "0" : strerror(e);
}

__attribute__((noinline)) static void try_fork(const char *what)
{
	errno = 0;
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	printf("%s %d %s\n", what, (int)p, name(errno));
}

__attribute__((noinline)) static void try_exec(void)
{
	char *argv[] = {"sh", "-c", "true", NULL};
	errno = 0;
	int r = execve("/bin/sh", argv, environ);
	printf("execve %d %s\n", r, name(errno));
	errno = 0;
	r = execvp("sh", argv);
	printf("execvp %d %s\n", r, name(errno));
}

__attribute__((noinline)) static void try_spawn(void)
{
	char *argv[] = {"sh", "-c", "true", NULL};
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	printf("posix_spawn %s\n", name(r));
	r = posix_spawnp(&pid, "sh", NULL, NULL, argv, environ);
	printf("posix_spawnp %s\n", name(r));
}

/* A second fork, from elsewhere: the kernel said it once already. */
__attribute__((noinline)) static void again(void)
{
	errno = 0;
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	printf("fork again %d %s\n", (int)p, name(errno));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	try_fork("fork");
	again();

	errno = 0;
	pid_t v = vfork();
	if (v == 0)
		_exit(0);
	printf("vfork %d %s\n", (int)v, name(errno));

	try_exec();
	try_spawn();

	printf("system(NULL) %d\n", system(NULL));
	errno = 0;
	int s = system("true");
	printf("system %d %s\n", s, name(errno));

	errno = 0;
	FILE *f = popen("echo hi", "r");
	printf("popen %s %s\n", f ? "FILE" : "NULL", name(errno));

	errno = 0;
	long c = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	printf("clone %ld %s\n", c, name(errno));

	printf("still running\n");
	return 0;
}
