/* sigaltstack as Linux has it:
 * - onstack: an SA_ONSTACK handler runs on the alternate stack and
 *   sigaltstack(NULL, &old) there reports SS_ONSTACK; a handler without
 *   SA_ONSTACK stays on the thread's stack; after the handler the flag is
 *   clear again.
 * - overflow: unbounded recursion in a thread runs into its guard page;
 *   the SIGSEGV handler, on the alternate stack, reports and _exit(3)s.
 * - autodisarm: with SS_AUTODISARM the alternate stack is disarmed while
 *   the handler runs on it (sigaltstack reports SS_DISABLE) and armed
 *   again after. */
//! run: -- onstack
//! status: 0
//! expect: SA_ONSTACK handler: on the alternate stack, SS_ONSTACK reported
//! expect: plain handler: on the thread's stack, SS_ONSTACK not reported
//! expect: after handlers: not on the alternate stack
//! run: --timeout 20 -- overflow
//! status: 3
//! expect: stack overflow caught on the alternate stack
//! reject: recursion ended
//! run: -- autodisarm
//! status: 0
//! expect: SS_AUTODISARM handler: on the alternate stack, SS_DISABLE reported
//! expect: after handler: armed again with SS_AUTODISARM
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* linux/signal.h; musl's signal.h has it too */
#endif

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, flags_inside;

static int within_alt(const void *p)
{
	return (const char *)p >= alt && (const char *)p < alt + ALT_SIZE;
}

static void record(int sig)
{
	(void)sig;
	volatile char local = 0;
	stack_t cur;
	on_alt = within_alt((const void *)&local);
	flags_inside = sigaltstack(NULL, &cur) == 0 ? cur.ss_flags : -1;
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static int set_alt(int flags)
{
	alt = malloc(ALT_SIZE);
	stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = flags};
	if (!alt || sigaltstack(&ss, NULL) != 0) {
		printf("sigaltstack failed\n");
		return -1;
	}
	return 0;
}

static int run_onstack(void)
{
	if (set_alt(0))
		return 1;
	set_handler(SIGUSR1, record, SA_ONSTACK);
	set_handler(SIGUSR2, record, 0);
	raise(SIGUSR1);
	printf("SA_ONSTACK handler: %s, SS_ONSTACK %s\n", on_alt ? "on the alternate stack" : "NOT on the alternate stack",
	       flags_inside == SS_ONSTACK ? "reported" : "NOT reported");
	raise(SIGUSR2);
	printf("plain handler: %s, SS_ONSTACK %s\n", on_alt ? "ON THE ALTERNATE STACK" : "on the thread's stack",
	       flags_inside == 0 ? "not reported" : "REPORTED");
	stack_t cur;
	sigaltstack(NULL, &cur);
	printf("after handlers: %s\n", cur.ss_flags == 0 ? "not on the alternate stack" : "STILL ON IT");
	return 0;
}

static void on_overflow(int sig)
{
	(void)sig;
	volatile char local = 0;
	static const char ok[] = "stack overflow caught on the alternate stack\n";
	static const char bad[] = "stack overflow caught, NOT on the alternate stack\n";
	if (within_alt((const void *)&local))
		write(1, ok, sizeof(ok) - 1);
	else
		write(1, bad, sizeof(bad) - 1);
	_exit(3);
}

static volatile int stop_at = -1;

static int recurse(int n)
{
	volatile char buf[1024];
	buf[0] = (char)n;
	if (n == stop_at)
		return 0;
	return recurse(n + 1) + buf[0];
}

static void *overflow_thread(void *arg)
{
	(void)arg;
	if (set_alt(0))
		return NULL;
	set_handler(SIGSEGV, on_overflow, SA_ONSTACK);
	recurse(0);
	return NULL;
}

static int run_overflow(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 * 1024);
	pthread_t t;
	if (pthread_create(&t, &a, overflow_thread, NULL))
		return 1;
	pthread_join(t, NULL);
	printf("recursion ended without a fault\n");
	return 0;
}

static int run_autodisarm(void)
{
	if (set_alt(SS_AUTODISARM))
		return 1;
	set_handler(SIGUSR1, record, SA_ONSTACK);
	raise(SIGUSR1);
	printf("SS_AUTODISARM handler: %s, %s reported\n", on_alt ? "on the alternate stack" : "NOT on the alternate stack",
	       flags_inside == SS_DISABLE ? "SS_DISABLE" : "NOT SS_DISABLE");
	stack_t cur;
	sigaltstack(NULL, &cur);
	printf("after handler: %s\n", cur.ss_flags == (int)SS_AUTODISARM && cur.ss_sp == alt && cur.ss_size == ALT_SIZE
					      ? "armed again with SS_AUTODISARM"
					      : "NOT armed as before");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "onstack"))
		return run_onstack();
	if (!strcmp(what, "overflow"))
		return run_overflow();
	if (!strcmp(what, "autodisarm"))
		return run_autodisarm();
	printf("unknown case\n");
	return 2;
}
