/* Host-only stand-in for the kernel entry points the patched musl calls, so
 * that test programs linked against build/musl/root/lib/libc.a run as
 * ordinary Linux processes:
 *   uk_syscall6         musl's C system calls: the real `syscall` instruction.
 *   __uk_syscall_entry  musl's assembly system calls (`call` in place of
 *                       `syscall`, Linux register convention).
 *   __uk_libc_crash     musl's a_crash: print and trap.
 *   __uk_symtab_start/end  an empty symbol table (the image's is made by
 *                       kraftld): backtrace_symbols() names no function.
 * Never part of libunikraft. */

long uk_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* rt_sigreturn must see the signal frame at rsp, so the return address the
 * `call` pushed is dropped first. A clone child starts on its new stack
 * without our saved registers: it continues at the caller's return address
 * (kept in r12, which the child does not need) with rsp at the new stack,
 * which is what musl's clone.s expects after the system call. Before a
 * clone, it clears __libc_single_threaded as the kernel will (through
 * uk_libc_note_threaded). */
__asm__(".text\n"
	".globl __uk_syscall_entry\n"
	".type __uk_syscall_entry,@function\n"
	"__uk_syscall_entry:\n"
	"	cmp $56, %rax\n"
	"	jne 0f\n"
	"	movb $0, __libc_single_threaded(%rip)\n"
	"0:	cmp $15, %rax\n"
	"	jne 1f\n"
	"	add $8, %rsp\n"
	"	syscall\n"
	"1:	push %r12\n"
	"	push %r13\n"
	"	mov 16(%rsp), %r12\n"
	"	mov %rsp, %r13\n"
	"	syscall\n"
	"	cmp %rsp, %r13\n"
	"	jne 2f\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	ret\n"
	"2:	jmp *%r12\n"
	".size __uk_syscall_entry, .-__uk_syscall_entry\n");

_Noreturn void __uk_libc_crash(void)
{
	static const char msg[] = "host shim: musl a_crash\n";
	uk_syscall6(1, 2, (long)msg, sizeof msg - 1, 0, 0, 0);
	__builtin_trap();
}

/* musl calls the kernel's entry for each constant system-call number,
 * uk_syscall_nr_<n> (see tools/gen-syscall-arch.sh): here each of 0-499
 * forwards to uk_syscall6. */
#define UK_NR(n)                                                                      \
	long uk_syscall_nr_##n(long a1, long a2, long a3, long a4, long a5, long a6) \
	{                                                                             \
		return uk_syscall6(n, a1, a2, a3, a4, a5, a6);                        \
	}
#define UK_NR10(d)                                                                     \
	UK_NR(d##0) UK_NR(d##1) UK_NR(d##2) UK_NR(d##3) UK_NR(d##4) UK_NR(d##5)        \
	UK_NR(d##6) UK_NR(d##7) UK_NR(d##8) UK_NR(d##9)
#define UK_NR100(d)                                                                    \
	UK_NR10(d##0) UK_NR10(d##1) UK_NR10(d##2) UK_NR10(d##3) UK_NR10(d##4)          \
	UK_NR10(d##5) UK_NR10(d##6) UK_NR10(d##7) UK_NR10(d##8) UK_NR10(d##9)
UK_NR(0) UK_NR(1) UK_NR(2) UK_NR(3) UK_NR(4) UK_NR(5) UK_NR(6) UK_NR(7) UK_NR(8) UK_NR(9)
UK_NR10(1) UK_NR10(2) UK_NR10(3) UK_NR10(4) UK_NR10(5) UK_NR10(6) UK_NR10(7) UK_NR10(8)
UK_NR10(9)
UK_NR100(1) UK_NR100(2) UK_NR100(3) UK_NR100(4)

const char __uk_symtab_start[1] = {0};
__asm__(".globl __uk_symtab_end\n.set __uk_symtab_end, __uk_symtab_start");
