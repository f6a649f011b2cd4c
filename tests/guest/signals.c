/* Signals within the process: handlers run for raise(), SA_SIGINFO gets
 * its siginfo, ignored signals do nothing, blocked ones wait for the
 * unblock, the default action of a fatal signal ends the VM with 128 + n,
 * and abort() ends it with 134 even when a SIGABRT handler returns. */
//! run: --
//! status: 0
//! expect: handler 10 ran 1
//! expect: siginfo 12 code -6
//! expect: ignored ok
//! expect: pending delivered on unblock
//! expect: sigaltstack ok
//! run: -- term
//! status: 143
//! run: -- abort-handled
//! status: 134
//! expect: abort handler ran
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int hits, info_sig = -1, info_code = -1;

static void on_usr1(int sig)
{
	hits++;
	printf("handler %d ran %d\n", sig, hits);
}

static void on_info(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	info_sig = sig;
	info_code = si->si_code;
}

static void on_abrt(int sig)
{
	(void)sig;
	printf("abort handler ran\n");
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	if (argc > 1 && !strcmp(argv[1], "term"))
		raise(SIGTERM);
	if (argc > 1 && !strcmp(argv[1], "abort-handled")) {
		signal(SIGABRT, on_abrt);
		abort();
	}
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);

	struct sigaction sa = {0};
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	printf("siginfo %d code %d\n", info_sig, info_code);

	signal(SIGTERM, SIG_IGN);
	raise(SIGTERM);
	printf("ignored ok\n");

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	int before = hits;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (before == 1 && hits == 2)
		printf("pending delivered on unblock\n");

	static char alt[SIGSTKSZ];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0}, prev;
	if (sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &prev) == 0 && prev.ss_sp == alt)
		printf("sigaltstack ok\n");
	return 0;
}
