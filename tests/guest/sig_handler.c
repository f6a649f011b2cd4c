/* What a handler sees and what happens around it, as on Linux:
 * - pending: signals that become pending during a handler (its own signal,
 *   one in its sa_mask, both sent with kill) are delivered when it returns,
 *   before the interrupted code goes on.
 * - resethand: SA_RESETHAND runs the handler once; the second delivery
 *   takes the default action (SIGUSR1 terminates: 128 + 10).
 * - nodefer: with SA_NODEFER the signal stays unblocked in its handler, so
 *   raising it there re-enters the handler.
 * - samask: sa_mask and the signal itself are blocked during the handler
 *   and unblocked after it.
 * - siginfo: SA_SIGINFO handlers get si_signo, si_code (SI_USER for kill,
 *   SI_TKILL for raise and pthread_kill, SI_QUEUE with si_value for
 *   sigqueue), si_pid, si_uid and a ucontext.
 * - queue: real-time signals queue (each delivered, in order, with its
 *   value); a standard signal sent three times while blocked arrives once.
 * - ucontext: registers changed in uc_mcontext are what the thread resumes
 *   with (a SIGILL handler skips ud2 and sets %rax).
 * - uc_sigmask: uc_sigmask holds the interrupted code's mask, and the mask
 *   written there is the one restored. */
//! run: -- pending
//! status: 0
//! expect: own signal sent in handler: delivered after it returned, before main went on
//! expect: sa_mask signal sent in handler: delivered after it returned, before main went on
//! run: -- resethand
//! status: 138
//! expect: first delivery handled
//! expect: handler reset to SIG_DFL
//! reject: survived
//! run: -- nodefer
//! status: 0
//! expect: SA_NODEFER: signal not blocked in its handler
//! expect: SA_NODEFER: handler re-entered (depth 2)
//! run: -- samask
//! status: 0
//! expect: in handler: SIGUSR1 blocked, SIGUSR2 blocked, SIGTERM blocked, SIGINT not blocked
//! expect: after handler: SIGUSR1 not blocked, SIGUSR2 not blocked, SIGTERM not blocked
//! run: -- siginfo
//! status: 0
//! expect: kill: si_signo ok, SI_USER, si_pid ok, si_uid ok, ucontext ok
//! expect: raise: si_signo ok, SI_TKILL, si_pid ok, si_uid ok, ucontext ok
//! expect: pthread_kill: si_signo ok, SI_TKILL, si_pid ok, si_uid ok, ucontext ok
//! expect: sigqueue: si_signo ok, SI_QUEUE, si_pid ok, si_uid ok, ucontext ok, si_value 1234
//! run: -- queue
//! status: 0
//! expect: real-time signal queued 3 times: delivered 3 times, values 1 2 3
//! expect: standard signal sent 3 times while blocked: delivered 1 time
//! run: -- ucontext
//! status: 0
//! expect: ud2 skipped, resumed with rax 42
//! run: -- uc_sigmask
//! status: 0
//! expect: uc_sigmask: holds the interrupted mask
//! expect: uc_sigmask: SIGINT added there is blocked after return
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "guest.h"

static void set_handler(int sig, void (*fn)(int), int flags, const int *mask_sigs)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	for (; mask_sigs && *mask_sigs; mask_sigs++)
		sigaddset(&sa.sa_mask, *mask_sigs);
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void set_info_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static const char *yes_no(int b, const char *yes, const char *no)
{
	return b ? yes : no;
}

/* --- pending --- */

static char events[16];
static volatile int nevents;
static volatile int usr1_runs;

static void note(char c)
{
	if (nevents < (int)sizeof(events) - 1)
		events[nevents++] = c;
}

static void pending_usr1(int sig)
{
	(void)sig;
	if (usr1_runs++ == 0) {
		note('A');
		kill(getpid(), SIGUSR1); /* blocked while this handler runs */
		kill(getpid(), SIGUSR2); /* in sa_mask */
		note('a');
	} else {
		note('B');
	}
}

static void pending_usr2(int sig)
{
	(void)sig;
	note('C');
}

static int run_pending(void)
{
	static const int mask[] = {SIGUSR2, 0};
	set_handler(SIGUSR1, pending_usr1, 0, mask);
	set_handler(SIGUSR2, pending_usr2, 0, NULL);
	/* kill() rather than raise(): no signal mask change around it, so
	 * nothing but the handler's return can deliver what became pending. */
	kill(getpid(), SIGUSR1);
	note('M');
	events[nevents] = 0;
	char *a_end = strchr(events, 'a'), *b = strchr(events, 'B'), *c = strchr(events, 'C'),
	     *m = strchr(events, 'M');
	printf("own signal sent in handler: %s\n",
	       a_end && b && m && b > a_end && b < m ? "delivered after it returned, before main went on"
						     : "NOT delivered in time");
	printf("sa_mask signal sent in handler: %s\n",
	       a_end && c && m && c > a_end && c < m ? "delivered after it returned, before main went on"
						     : "NOT delivered in time");
	printf("events %s\n", events);
	return 0;
}

/* --- resethand --- */

static void resethand_usr1(int sig)
{
	(void)sig;
	static const char msg[] = "first delivery handled\n";
	write(1, msg, sizeof(msg) - 1);
}

static int run_resethand(void)
{
	set_handler(SIGUSR1, resethand_usr1, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	struct sigaction old;
	sigaction(SIGUSR1, NULL, &old);
	printf("handler %s\n", old.sa_handler == SIG_DFL ? "reset to SIG_DFL" : "NOT reset");
	raise(SIGUSR1);
	printf("survived the second SIGUSR1\n");
	return 0;
}

/* --- nodefer --- */

static volatile int depth, max_depth, nodefer_runs, unblocked_inside = 1;

static void nodefer_usr1(int sig)
{
	if (++depth > max_depth)
		max_depth = depth;
	if (blocked(sig))
		unblocked_inside = 0;
	if (nodefer_runs++ == 0)
		raise(sig);
	depth--;
}

static int run_nodefer(void)
{
	set_handler(SIGUSR1, nodefer_usr1, SA_NODEFER, NULL);
	raise(SIGUSR1);
	printf("SA_NODEFER: signal %s in its handler\n", unblocked_inside ? "not blocked" : "BLOCKED");
	printf("SA_NODEFER: handler %s (depth %d)\n", max_depth == 2 ? "re-entered" : "NOT re-entered", max_depth);
	return 0;
}

/* --- samask --- */

static volatile int in_usr1, in_usr2, in_term, in_int;

static void samask_usr1(int sig)
{
	(void)sig;
	in_usr1 = blocked(SIGUSR1);
	in_usr2 = blocked(SIGUSR2);
	in_term = blocked(SIGTERM);
	in_int = blocked(SIGINT);
}

static int run_samask(void)
{
	static const int mask[] = {SIGUSR2, SIGTERM, 0};
	set_handler(SIGUSR1, samask_usr1, 0, mask);
	raise(SIGUSR1);
	printf("in handler: SIGUSR1 %s, SIGUSR2 %s, SIGTERM %s, SIGINT %s\n", yes_no(in_usr1, "blocked", "NOT blocked"),
	       yes_no(in_usr2, "blocked", "NOT blocked"), yes_no(in_term, "blocked", "NOT blocked"),
	       yes_no(in_int, "BLOCKED", "not blocked"));
	printf("after handler: SIGUSR1 %s, SIGUSR2 %s, SIGTERM %s\n", yes_no(blocked(SIGUSR1), "BLOCKED", "not blocked"),
	       yes_no(blocked(SIGUSR2), "BLOCKED", "not blocked"), yes_no(blocked(SIGTERM), "BLOCKED", "not blocked"));
	return 0;
}

/* --- siginfo --- */

static volatile int got_signo, got_code, got_pid, got_uid, got_value, got_ctx, info_runs;

static void info_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	got_signo = si->si_signo;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_uid = (int)si->si_uid;
	got_value = si->si_value.sival_int;
	got_ctx = ctx != NULL;
	info_runs++;
}

static void report_info(const char *what, int with_value)
{
	printf("%s: si_signo %s, %s, si_pid %s, si_uid %s, ucontext %s", what,
	       yes_no(info_runs == 1 && got_signo == SIGUSR1, "ok", "WRONG"), codename(got_code),
	       yes_no(got_pid == getpid(), "ok", "WRONG"), yes_no(got_uid == (int)getuid(), "ok", "WRONG"),
	       yes_no(got_ctx, "ok", "NULL"));
	if (with_value)
		printf(", si_value %d", got_value);
	printf("\n");
	info_runs = 0;
	got_code = 99;
}

static int run_siginfo(void)
{
	set_info_handler(SIGUSR1, info_handler);
	kill(getpid(), SIGUSR1);
	report_info("kill", 0);
	raise(SIGUSR1);
	report_info("raise", 0);
	pthread_kill(pthread_self(), SIGUSR1);
	report_info("pthread_kill", 0);
	union sigval v = {.sival_int = 1234};
	sigqueue(getpid(), SIGUSR1, v);
	report_info("sigqueue", 1);
	return 0;
}

/* --- queue --- */

static volatile int rt_runs, rt_values[8], usr2_runs;

static void rt_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (rt_runs < 8)
		rt_values[rt_runs] = si->si_value.sival_int;
	rt_runs++;
}

static void count_usr2(int sig)
{
	(void)sig;
	usr2_runs++;
}

static int run_queue(void)
{
	int rt = SIGRTMIN + 2;
	set_info_handler(rt, rt_handler);
	set_handler(SIGUSR2, count_usr2, 0, NULL);
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, rt);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, &old);
	for (int i = 1; i <= 3; i++) {
		union sigval v = {.sival_int = i};
		sigqueue(getpid(), rt, v);
		raise(SIGUSR2);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("real-time signal queued 3 times: delivered %d times, values %d %d %d\n", rt_runs, rt_values[0],
	       rt_values[1], rt_values[2]);
	printf("standard signal sent 3 times while blocked: delivered %d time\n", usr2_runs);
	return 0;
}

/* --- ucontext --- */

static void skip_ud2(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	uc->uc_mcontext.gregs[REG_RAX] = 42;
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* ud2 is 0f 0b */
}

static int run_ucontext(void)
{
	set_info_handler(SIGILL, skip_ud2);
	long result;
	__asm__ volatile("xor %%eax, %%eax\n\t"
			 "ud2\n\t"
			 : "=a"(result)
			 :
			 : "memory");
	printf("ud2 skipped, resumed with rax %ld\n", result);
	return 0;
}

/* --- uc_sigmask --- */

static volatile int saw_term, saw_usr1;

static void edit_mask(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	saw_term = sigismember(&uc->uc_sigmask, SIGTERM);
	saw_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
	sigaddset(&uc->uc_sigmask, SIGINT);
}

static int run_uc_sigmask(void)
{
	set_info_handler(SIGUSR1, edit_mask);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR1);
	printf("uc_sigmask: %s\n", saw_term && !saw_usr1 ? "holds the interrupted mask" : "WRONG");
	printf("uc_sigmask: SIGINT added there is %s after return\n", blocked(SIGINT) ? "blocked" : "NOT blocked");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "pending"))
		return run_pending();
	if (!strcmp(what, "resethand"))
		return run_resethand();
	if (!strcmp(what, "nodefer"))
		return run_nodefer();
	if (!strcmp(what, "samask"))
		return run_samask();
	if (!strcmp(what, "siginfo"))
		return run_siginfo();
	if (!strcmp(what, "queue"))
		return run_queue();
	if (!strcmp(what, "ucontext"))
		return run_ucontext();
	if (!strcmp(what, "uc_sigmask"))
		return run_uc_sigmask();
	printf("unknown case\n");
	return 2;
}
