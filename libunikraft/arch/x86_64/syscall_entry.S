/* The two assembly entries into the system-call table. Both build a
 * TrapFrame (trap.h) holding the caller's registers, so that calls which
 * need them (clone copies them into the new thread) find them, run the
 * call with interrupts off (the kernel is not preemptible), and put the
 * result in %rax.
 *
 * __uk_syscall_entry: the Linux system-call convention reached by `call`
 * instead of `syscall` (%rax = number, %rdi %rsi %rdx %r10 %r8 %r9 =
 * arguments, result in %rax, %rcx and %r11 clobbered, the rest preserved).
 * musl's hand-written assembly (thread start, __set_thread_area,
 * cancellable calls) is rewritten at build time to call this.
 *
 * uk_syscall_trap: the `syscall` instruction, in ring 0 through LSTAR, for
 * objects that issue raw system calls (Go's runtime, prebuilt archives).
 * It arrives on the caller's stack with the caller's red zone live below
 * %rsp, %rcx = return address and %r11 = RFLAGS (SFMASK cleared IF). It
 * skips the red zone before writing anything, and returns with a jump, not
 * sysret (which would drop to ring 3). */

#include "arch/x86_64/frame.inc"

#define RED_ZONE 128
#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define SYSCALL_VECTOR -1


	.text
	.code64

	.globl __uk_syscall_entry
	.type __uk_syscall_entry, @function
__uk_syscall_entry:
	pushfq
	cli
	push %rax                       /* the number, until the frame has it */
	push $KERNEL_SS
	lea 32(%rsp), %rax              /* the caller's %rsp before its call */
	push %rax
	pushq 24(%rsp)                  /* rflags */
	push $KERNEL_CS
	pushq 48(%rsp)                  /* rip: the return address */
	push $0                         /* error code slot */
	push $SYSCALL_VECTOR
	mov 56(%rsp), %rax
	CALL_WITH_FRAME uk_syscall_frame
	lea 64(%rsp), %rsp              /* past the frame and the saved number */
	popfq
	ret
	.size __uk_syscall_entry, . - __uk_syscall_entry

	.globl uk_syscall_trap
	.hidden uk_syscall_trap
	.type uk_syscall_trap, @function
uk_syscall_trap:
	lea -RED_ZONE(%rsp), %rsp
	push %rax
	push $KERNEL_SS
	lea (16 + RED_ZONE)(%rsp), %rax /* the caller's %rsp */
	push %rax
	push %r11                       /* rflags */
	push $KERNEL_CS
	push %rcx                       /* rip */
	push $0
	push $SYSCALL_VECTOR
	mov 56(%rsp), %rax
	CALL_WITH_FRAME uk_syscall_frame
	/* As after a Linux syscall: %rcx = return address, %r11 = rflags. */
	mov 16(%rsp), %rcx
	mov 32(%rsp), %r11
	add $32, %rsp
	popfq
	pop %rsp
	jmp *%rcx
	.size uk_syscall_trap, . - uk_syscall_trap

	.section .note.GNU-stack, "", @progbits
