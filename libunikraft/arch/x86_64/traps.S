/* Interrupt and exception entry. Every vector arrives on an IST stack (see
 * cpu.cc), so whatever the app keeps in its red zone below %rsp is never
 * touched, and nothing is ever written to the app's stack. The stubs push a
 * uniform frame (struct TrapFrame in trap.h).
 *
 * Exceptions (vectors 0-31) are first handled where they arrive by
 * uk_trap_ist(): a page the app may touch is paged in, a fault in a user
 * copy resumes at its fixup, a kernel bug panics. What needs more (a signal
 * for the app, which may write to its stack and fault again) continues on
 * the thread's kernel stack in uk_trap_app().
 *
 * Interrupts (32-255) that find the kernel running (uk_kernel_depth > 0)
 * only note what they found, on the IST stack. Those that interrupt app
 * code may switch threads: their frame moves to the thread's kernel stack,
 * which is empty while the thread runs app code, and uk_irq() runs there. */

#include "arch/x86_64/frame.inc"

	.text
	.code64

trap_common:
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call uk_trap_ist
	test %eax, %eax
	jnz 1f
	POP_GPRS
	add $16, %rsp
	iretq
1:	MOVE_FRAME_TO_KSTACK
	mov %rsp, %rdi
	call uk_trap_app
	jmp uk_trap_return

irq_common:
	PUSH_GPRS
	cld
	cmpl $0, uk_kernel_depth(%rip)
	jne 1f
	MOVE_FRAME_TO_KSTACK
	mov %rsp, %rdi
	call uk_irq
	jmp uk_trap_return
1:	mov %rsp, %rdi
	call uk_irq_in_kernel
	POP_GPRS
	add $16, %rsp
	iretq

	/* Back to app code (or a new thread's first instruction) from a frame
	 * on the kernel stack. */
	.globl uk_trap_return
	.hidden uk_trap_return
uk_trap_return:
	POP_GPRS
	add $16, %rsp
	iretq

/* Stubs for the vectors cpu.cc installs: the 32 exceptions and the timer
 * (vector 32) 16 bytes apart (the longest is 12 bytes), so that cpu.cc
 * finds vector v's at uk_trap_stubs + 16 * v, and the spurious vector's. */
	.balign 16
	.globl uk_trap_stubs
	.hidden uk_trap_stubs
uk_trap_stubs:
	.set vec, 0
	.rept 33
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	push $0
	.endif
	push $vec
	.if vec < 32
	jmp trap_common
	.else
	jmp irq_common
	.endif
	.set vec, vec + 1
	.endr

/* Device interrupts (arch/x86_64/irq.h): vectors 0x30 to 0x6f, 16 bytes
 * apart from uk_irq_stubs. */
	.balign 16
	.globl uk_irq_stubs
	.hidden uk_irq_stubs
uk_irq_stubs:
	.set vec, 0x30
	.rept 64
	.balign 16
	push $0
	push $vec
	jmp irq_common
	.set vec, vec + 1
	.endr

	.globl uk_spurious_stub
	.hidden uk_spurious_stub
uk_spurious_stub:
	push $0
	push $0xff
	jmp irq_common

	.section .note.GNU-stack, "", @progbits
