/* CPU faults reach installed handlers as the signals Linux sends, with its
 * si_code and si_addr, and the program recovers with siglongjmp and goes
 * on: SIGSEGV/SEGV_MAPERR for an address with nothing mapped (near NULL,
 * far above any mapping, a page just unmapped), SIGSEGV/SEGV_ACCERR for a
 * write to a read-only page and a read of a PROT_NONE page (si_addr the
 * data address),
 * SIGFPE/FPE_INTDIV for an integer division by zero and SIGILL/ILL_ILLOPN
 * for ud2 (si_addr the instruction), SIGTRAP/SI_KERNEL for int3 (the
 * handler returns; execution goes on after the int3). A fault in another
 * thread is handled on that thread. "all" makes each fault but the
 * unmapped page twice in a row. A fault whose signal is blocked kills the
 * process even though a handler is installed. */
//! run: -- segv-null
//! status: 0
//! expect: SIGSEGV SEGV_MAPERR, si_addr is the address
//! expect: recovered
//! run: -- segv-far
//! status: 0
//! expect: SIGSEGV SEGV_MAPERR, si_addr is the address
//! expect: recovered
//! run: -- segv-unmapped
//! status: 0
//! expect: SIGSEGV SEGV_MAPERR, si_addr is the address
//! expect: recovered
//! run: -- segv-readonly
//! status: 0
//! expect: SIGSEGV SEGV_ACCERR, si_addr is the address
//! expect: recovered
//! run: -- segv-protnone
//! status: 0
//! expect: SIGSEGV SEGV_ACCERR, si_addr is the address
//! expect: recovered
//! run: -- fpe
//! status: 0
//! expect: SIGFPE FPE_INTDIV, si_addr is the instruction
//! expect: recovered
//! run: -- ill
//! status: 0
//! expect: SIGILL ILL_ILLOPN, si_addr is the instruction
//! expect: recovered
//! run: -- trap
//! status: 0
//! expect: SIGTRAP SI_KERNEL, resumed after int3
//! run: -- thread
//! status: 0
//! expect: thread: SIGSEGV SEGV_MAPERR, si_addr is the address, on the faulting thread
//! run: -- all
//! status: 0
//! expect: summary: 14 of 14 faults handled as expected
//! run: -- segv-blocked
//! status: 139
//! expect: faulting with SIGSEGV blocked
//! reject: survived
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int f_sig, f_code, f_tid;
static void *volatile f_addr;
static void *volatile insn_addr;
static void *volatile resume_addr;
static volatile long trap_rip;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	f_sig = sig;
	f_code = si->si_code;
	f_addr = si->si_addr;
	f_tid = gettid();
	siglongjmp(env, 1);
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	f_sig = sig;
	f_code = si->si_code;
	trap_rip = uc->uc_mcontext.gregs[REG_RIP];
}

static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGFPE:
		return "SIGFPE";
	case SIGILL:
		return "SIGILL";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGBUS:
		return "SIGBUS";
	default:
		return "other signal";
	}
}

static const char *code_name(int sig, int code)
{
	if (code == SI_KERNEL)
		return "SI_KERNEL";
	if (code == SI_USER)
		return "SI_USER";
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGFPE && code == FPE_INTDIV)
		return "FPE_INTDIV";
	if (sig == SIGILL && code == ILL_ILLOPN)
		return "ILL_ILLOPN";
	if (sig == SIGTRAP && code == TRAP_BRKPT)
		return "TRAP_BRKPT";
	return "other code";
}

static __attribute__((noinline)) void read_at(uintptr_t addr)
{
	(void)*(volatile int *)addr;
}

static __attribute__((noinline)) void write_at(uintptr_t addr)
{
	*(volatile int *)addr = 1;
}

static __attribute__((noinline)) void do_div0(void)
{
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %0\n\t"
			 "xor %%edx, %%edx\n\t"
			 "mov $1, %%eax\n\t"
			 "xor %%esi, %%esi\n\t"
			 "1: divl %%esi\n\t"
			 : "=m"(insn_addr)
			 :
			 : "rax", "rcx", "rdx", "rsi", "memory");
}

static __attribute__((noinline)) void do_ud2(void)
{
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %0\n\t"
			 "1: ud2\n\t"
			 : "=m"(insn_addr)
			 :
			 : "rcx", "memory");
}

static __attribute__((noinline)) void do_int3(void)
{
	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "mov %%rcx, %0\n\t"
			 "int3\n\t"
			 "1:\n\t"
			 : "=m"(resume_addr)
			 :
			 : "rcx", "memory");
}

enum kind { K_NULL, K_FAR, K_UNMAPPED, K_READONLY, K_PROTNONE, K_FPE, K_ILL, K_TRAP };

/* Makes one fault of the given kind and reports it; returns 1 when the
 * signal, code and address are Linux's. */
static int fault_once(enum kind k)
{
	/* Volatile: read again after siglongjmp. */
	volatile uintptr_t addr = 0;
	void *volatile page = NULL;
	int want_sig, want_code;
	f_sig = 0;
	f_code = 0;
	f_addr = NULL;
	insn_addr = NULL;
	if (k == K_UNMAPPED || k == K_READONLY || k == K_PROTNONE) {
		int prot = k == K_READONLY ? PROT_READ : k == K_PROTNONE ? PROT_NONE : PROT_READ | PROT_WRITE;
		page = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED) {
			printf("mmap failed\n");
			return 0;
		}
		addr = (uintptr_t)page + 0x123 * 4;
		if (k == K_UNMAPPED) {
			munmap(page, 4096);
			page = NULL;
		}
	}
	if (k == K_NULL)
		addr = 0x40;
	if (k == K_FAR)
		addr = 0x100000000040UL; /* 16 TiB: above the guest's RAM, below a Linux process's mappings */
	if (k == K_TRAP) {
		do_int3();
		int ok = f_sig == SIGTRAP && f_code == SI_KERNEL && trap_rip == (long)resume_addr;
		printf("%s %s, %s\n", f_sig ? sig_name(f_sig) : "no signal", code_name(f_sig, f_code),
		       trap_rip == (long)resume_addr ? "resumed after int3" : "WRONG rip");
		return ok;
	}
	if (sigsetjmp(env, 1) == 0) {
		switch (k) {
		case K_NULL:
		case K_FAR:
		case K_UNMAPPED:
		case K_PROTNONE:
			read_at(addr);
			break;
		case K_READONLY:
			write_at(addr);
			break;
		case K_FPE:
			do_div0();
			break;
		case K_ILL:
			do_ud2();
			break;
		default:
			break;
		}
		printf("no fault\n");
		if (page)
			munmap(page, 4096);
		return 0;
	}
	if (page)
		munmap(page, 4096);
	switch (k) {
	case K_NULL:
	case K_FAR:
	case K_UNMAPPED:
		want_sig = SIGSEGV, want_code = SEGV_MAPERR;
		break;
	case K_READONLY:
	case K_PROTNONE:
		want_sig = SIGSEGV, want_code = SEGV_ACCERR;
		break;
	case K_FPE:
		want_sig = SIGFPE, want_code = FPE_INTDIV;
		break;
	default:
		want_sig = SIGILL, want_code = ILL_ILLOPN;
		break;
	}
	int data = want_sig == SIGSEGV;
	void *want_addr = data ? (void *)addr : insn_addr;
	printf("%s %s, si_addr %s the %s\n", sig_name(f_sig), code_name(f_sig, f_code), f_addr == want_addr ? "is" : "is NOT",
	       data ? "address" : "instruction");
	printf("recovered\n");
	return f_sig == want_sig && f_code == want_code && f_addr == want_addr;
}

static sigjmp_buf thread_env;

static void on_thread_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	f_sig = sig;
	f_code = si->si_code;
	f_addr = si->si_addr;
	f_tid = gettid();
	siglongjmp(thread_env, 1);
}

static void *faulting_thread(void *arg)
{
	(void)arg;
	if (sigsetjmp(thread_env, 1) == 0) {
		read_at(0x80);
		return (void *)0L;
	}
	return (void *)(long)gettid();
}

static int run_thread(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_thread_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	pthread_t t;
	if (pthread_create(&t, NULL, faulting_thread, NULL))
		return 1;
	void *r;
	pthread_join(t, &r);
	int tid = (int)(long)r;
	printf("thread: %s %s, si_addr %s the address, %s\n", sig_name(f_sig), code_name(f_sig, f_code),
	       f_addr == (void *)0x80 ? "is" : "is NOT",
	       tid && f_tid == tid && tid != gettid() ? "on the faulting thread" : "NOT on the faulting thread");
	return 0;
}

static int run_blocked(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	sigprocmask(SIG_BLOCK, &s, NULL);
	printf("faulting with SIGSEGV blocked\n");
	read_at(0x40);
	printf("survived the fault\n");
	return 0;
}

int main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "";
	static const struct {
		const char *name;
		enum kind k;
	} kinds[] = {
		{"segv-null", K_NULL}, {"segv-far", K_FAR}, {"segv-readonly", K_READONLY},
		{"segv-protnone", K_PROTNONE}, {"fpe", K_FPE}, {"ill", K_ILL},
		{"trap", K_TRAP}, {"segv-unmapped", K_UNMAPPED},
	};
	/* "all" leaves out the unmapped page: whether munmap takes a page out
	 * of the address space is a memory question, not a signal one. */
	const unsigned nall = sizeof(kinds) / sizeof(kinds[0]) - 1;
	install();
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(what, kinds[i].name))
			return fault_once(kinds[i].k) ? 0 : 1;
	if (!strcmp(what, "all")) {
		int good = 0, n = 0;
		for (int round = 0; round < 2; round++)
			for (unsigned i = 0; i < nall; i++, n++)
				good += fault_once(kinds[i].k);
		printf("summary: %d of %d faults handled as expected\n", good, n);
		return 0;
	}
	if (!strcmp(what, "thread"))
		return run_thread();
	if (!strcmp(what, "segv-blocked"))
		return run_blocked();
	printf("unknown case\n");
	return 2;
}
