/* __uk_syscall_entry: the Linux system-call convention reached by `call`
 * instead of `syscall` (%rax = number, %rdi %rsi %rdx %r10 %r8 %r9 =
 * arguments, result in %rax, %rcx and %r11 clobbered, everything else
 * preserved). musl's hand-written assembly (thread start, __set_thread_area,
 * cancellable calls) is rewritten at build time to call this. */

	.text
	.code64
	.globl __uk_syscall_entry
	.type __uk_syscall_entry, @function
__uk_syscall_entry:
	push %rbp
	mov %rsp, %rbp
	push %rdi
	push %rsi
	push %rdx
	push %r8
	push %r9
	push %r10
	/* Six pushes after %rbp: %rsp is 16-byte aligned when the caller's was
	 * 8 mod 16 after its call; align explicitly all the same. */
	and $-16, %rsp
	sub $8, %rsp
	push %r9                /* a6 on the stack */
	mov %r8, %r9            /* a5 */
	mov %r10, %r8           /* a4 */
	mov %rdx, %rcx          /* a3 */
	mov %rsi, %rdx          /* a2 */
	mov %rdi, %rsi          /* a1 */
	mov %rax, %rdi          /* number */
	call uk_syscall6
	lea -48(%rbp), %rsp
	pop %r10
	pop %r9
	pop %r8
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	ret
	.size __uk_syscall_entry, . - __uk_syscall_entry

	.section .note.GNU-stack, "", @progbits
