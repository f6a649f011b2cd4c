/* The `syscall` instruction, as Go's runtime and prebuilt objects issue it,
 * reaches the same handlers: results, errno values, preserved registers,
 * the red zone below %rsp left intact, and a thread made by a raw clone. */
//! run: --
//! status: 0
//! expect: raw write ok
//! expect: raw getpid 1
//! expect: raw enosys ok
//! expect: raw efault ok
//! expect: red zone ok
//! expect: regs ok
//! expect: raw clone ok
//! expect: raw exit_group next
//! run: -- exit
//! status: 77
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Fills the 128 bytes below %rsp, makes a syscall, and counts how many of
 * them changed. */
static long red_zone_clobbered(void)
{
	long bad;
	__asm__ volatile(
		"mov $16, %%ecx\n"
		"1: mov %%rcx, %%rdx\n"
		"imul $0x1234567, %%rdx\n"
		"neg %%rcx\n"
		"mov %%rdx, (%%rsp,%%rcx,8)\n"
		"neg %%rcx\n"
		"loop 1b\n"
		"mov $39, %%eax\n"
		"syscall\n"
		"xor %%eax, %%eax\n"
		"mov $16, %%ecx\n"
		"2: mov %%rcx, %%rdx\n"
		"imul $0x1234567, %%rdx\n"
		"neg %%rcx\n"
		"cmp %%rdx, (%%rsp,%%rcx,8)\n"
		"setne %%dl\n"
		"movzbl %%dl, %%edx\n"
		"add %%rdx, %%rax\n"
		"neg %%rcx\n"
		"loop 2b\n"
		: "=a"(bad)
		:
		: "rcx", "rdx", "r11", "memory");
	return bad;
}

/* Registers other than rax, rcx and r11 survive a syscall. */
static int regs_preserved(void)
{
	long out[6];
	__asm__ volatile(
		"push %%rbx; push %%r12; push %%r13; push %%r14; push %%r15; push %%rbp\n"
		"mov $0x1111, %%rbx; mov $0x2222, %%r12; mov $0x3333, %%r13\n"
		"mov $0x4444, %%r14; mov $0x5555, %%r15; mov $0x6666, %%rbp\n"
		"mov $39, %%eax\n"
		"syscall\n"
		"mov %%rbx, 0(%0); mov %%r12, 8(%0); mov %%r13, 16(%0)\n"
		"mov %%r14, 24(%0); mov %%r15, 32(%0); mov %%rbp, 40(%0)\n"
		"pop %%rbp; pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbx\n"
		:
		: "D"(out)
		: "rax", "rcx", "r11", "memory");
	return out[0] == 0x1111 && out[1] == 0x2222 && out[2] == 0x3333 && out[3] == 0x4444 &&
	       out[4] == 0x5555 && out[5] == 0x6666;
}

static char child_stack[65536] __attribute__((aligned(16)));
static volatile int child_ran;
static void child_body(void)
{
	child_ran = 1;
}

static long raw_clone(void)
{
	long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	long ret;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile(
		"syscall\n"
		"test %%rax, %%rax\n"
		"jnz 1f\n"
		"call *%%rbx\n"
		"mov $60, %%eax\n"
		"xor %%edi, %%edi\n"
		"syscall\n"
		"ud2\n"
		"1:\n"
		: "=a"(ret)
		: "a"(56L), "D"(flags), "S"(child_stack + sizeof(child_stack)), "d"(0L), "r"(r10), "r"(r8),
		  "b"(child_body)
		: "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char *argv[])
{
	if (argc > 1 && !strcmp(argv[1], "exit")) {
		fflush(stdout);
		raw6(231, 77, 0, 0, 0, 0, 0);
		return 1;
	}
	const char msg[] = "raw write ok\n";
	fflush(stdout);
	if (raw6(1, 1, (long)msg, sizeof(msg) - 1, 0, 0, 0) != sizeof(msg) - 1)
		return 1;
	printf("raw getpid %ld\n", raw6(39, 0, 0, 0, 0, 0, 0));
	printf("raw enosys %s\n", raw6(449 + 50, 0, 0, 0, 0, 0, 0) == -38 ? "ok" : "FAILED");
	printf("raw efault %s\n", raw6(228, CLOCK_MONOTONIC, 8, 0, 0, 0, 0) == -14 ? "ok" : "FAILED");
	printf("red zone %s\n", red_zone_clobbered() == 0 ? "ok" : "FAILED");
	printf("regs %s\n", regs_preserved() ? "ok" : "FAILED");
	long tid = raw_clone();
	struct timespec ts = {0, 1000000};
	for (int i = 0; i < 1000 && !child_ran; i++)
		nanosleep(&ts, NULL);
	printf("raw clone %s\n", tid > 1 && child_ran ? "ok" : "FAILED");
	printf("raw exit_group next\n");
	return 0;
}
