/* The assembly entries into the system-call table. Each builds a TrapFrame
 * (trap.h) on the running thread's kernel stack, never on the app's: the
 * caller's registers, which calls that need them find there (clone copies
 * them into the new thread, rt_sigreturn replaces them, a handler's frame
 * is built from them), with the call's number in the error slot. The call
 * runs with interrupts off, its result goes in %rax, and the way back to
 * the app goes through uk_trap_return (iretq) after the exit work:
 * timer, signals, restarting an interrupted call.
 *
 * __uk_syscall_entry: the Linux system-call convention reached by `call`
 * instead of `syscall` (%rax = number, %rdi %rsi %rdx %r10 %r8 %r9 =
 * arguments, result in %rax, %rcx and %r11 clobbered, the rest preserved).
 * musl's hand-written assembly (thread start, __set_thread_area,
 * cancellable calls, the signal restorer) is rewritten at build time to
 * call this.
 *
 * uk_syscall_trap: the `syscall` instruction, in ring 0 through LSTAR, for
 * objects that issue raw system calls (Go's runtime, prebuilt archives).
 * It arrives on the caller's stack with the caller's red zone live below
 * %rsp, %rcx = return address and %r11 = RFLAGS (SFMASK cleared IF), and
 * touches nothing there.
 *
 * uk_syscall6 and uk_syscall_nr_<n> (posix/syscall.h) are the direct C
 * entries: plain calls that run on the caller's stack with interrupts on.
 * When they find exit work they leave through uk_syscall_direct_exit,
 * which builds the frame of the return to their caller. */

#include "arch/x86_64/frame.inc"

#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define VECTOR_TRAP -1
#define VECTOR_CALL -2
#define VECTOR_DIRECT -3
#define VECTOR_NONE -4
#define FRAME_VECTOR (15 * 8)

/* Entered by a call: [%rsp] is the return address. Builds the frame of
 * that return (rip = the return address, rsp = past it, the caller's
 * RFLAGS) on the kernel stack, `orig` in the error slot. Clobbers %rcx and
 * %r11, as `syscall` does. */
.macro ENTER_FROM_CALL vector, orig
	pushfq
	cli
	mov %rsp, %r11
	mov uk_kstack_top(%rip), %rsp
	push $KERNEL_SS
	lea 16(%r11), %rcx
	push %rcx
	pushq (%r11)
	push $KERNEL_CS
	pushq 8(%r11)
	push \orig
	push $\vector
	PUSH_GPRS
	cld
.endm

	.text
	.code64

	.globl __uk_syscall_entry
	.type __uk_syscall_entry, @function
__uk_syscall_entry:
	ENTER_FROM_CALL VECTOR_CALL, %rax
	mov %rsp, %rdi
	call uk_syscall_frame
	jmp uk_syscall_return
	.size __uk_syscall_entry, . - __uk_syscall_entry

	.globl uk_syscall_trap
	.hidden uk_syscall_trap
	.type uk_syscall_trap, @function
uk_syscall_trap:
	mov %rsp, uk_syscall_user_rsp(%rip)
	mov uk_kstack_top(%rip), %rsp
	push $KERNEL_SS
	pushq uk_syscall_user_rsp(%rip)
	push %r11                       /* rflags */
	push $KERNEL_CS
	push %rcx                       /* rip */
	push %rax
	push $VECTOR_TRAP
	PUSH_GPRS
	mov %rsp, %rdi
	call uk_syscall_frame
	jmp uk_syscall_return
	.size uk_syscall_trap, . - uk_syscall_trap

/* long uk_syscall6(long nr, long a1, ..., long a6): any system call by
 * number, as a plain call. */
	.globl uk_syscall6
	.type uk_syscall6, @function
uk_syscall6:
	incl uk_kernel_depth(%rip)
	pushq 8(%rsp)                   /* a6, the callee's seventh argument */
	call uk_syscall6_dispatch
	add $8, %rsp
	decl uk_kernel_depth(%rip)
	jnz 1f
	cmpl $0, uk_exit_work(%rip)
	jne uk_syscall_direct_exit
1:	ret
	.size uk_syscall6, . - uk_syscall6

/* The direct entries' way out when there is exit work: %rax holds the
 * result, [%rsp] the caller's return address, and the callee-saved
 * registers are the caller's. */
	.globl uk_syscall_direct_exit
	.hidden uk_syscall_direct_exit
	.type uk_syscall_direct_exit, @function
uk_syscall_direct_exit:
	ENTER_FROM_CALL VECTOR_DIRECT, $-1
	mov %rsp, %rdi
	call uk_syscall_direct_work
	jmp uk_syscall_return
	.size uk_syscall_direct_exit, . - uk_syscall_direct_exit

/* Back to the app from a system call's frame. %rcx and %r11 are the call's
 * to clobber, so unless the frame holds registers that must all come back
 * exactly (it went through rt_sigreturn or became a handler's: vector_none)
 * the return skips iretq, which is slow under emulation: the return address
 * and the app's stack pointer into %rcx and %r11, RFLAGS from the kernel
 * stack, then the two instructions at uk_syscall_return_tail. An interrupt
 * between them finds nothing live on the kernel stack and completes them in
 * its frame (uk_irq), so that it interrupted the app itself. */
	.type uk_syscall_return, @function
uk_syscall_return:
	cmpq $VECTOR_NONE, FRAME_VECTOR(%rsp)
	je uk_trap_return
	POP_GPRS
	add $16, %rsp                   /* vector and error: now at rip */
	mov (%rsp), %rcx
	mov 24(%rsp), %r11
	add $16, %rsp
	popfq                           /* the app's RFLAGS: interrupts on */
	.globl uk_syscall_return_tail
	.hidden uk_syscall_return_tail
uk_syscall_return_tail:
	mov %r11, %rsp
	.globl uk_syscall_return_jump
	.hidden uk_syscall_return_jump
uk_syscall_return_jump:
	jmp *%rcx
	.size uk_syscall_return, . - uk_syscall_return

	.bss
	.balign 8
uk_syscall_user_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
