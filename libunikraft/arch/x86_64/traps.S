/* Interrupt and exception entry. Every vector arrives on an IST stack (see
 * cpu.cc), so whatever the app keeps in its red zone below %rsp is never
 * touched. The stubs push a uniform frame (struct TrapFrame in trap.h).
 *
 * Exceptions (vectors 0-31) are handled where they arrive: uk_trap() reports
 * them and ends the VM. Interrupts (32-255) may switch threads, and the IST
 * stack is reused by the next interrupt, so their frame is first moved onto
 * the interrupted thread's own stack, below its red zone, and handled there
 * by uk_irq(). */

#include "arch/x86_64/frame.inc"

#define FRAME_SIZE (22 * 8)
#define FRAME_RSP  (20 * 8)
#define RED_ZONE   128

	.text
	.code64


trap_common:
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call uk_trap
	jmp uk_trap_return

irq_common:
	PUSH_GPRS
	cld
	/* Destination: below the interrupted %rsp and its red zone. */
	mov FRAME_RSP(%rsp), %rdi
	sub $(RED_ZONE + FRAME_SIZE), %rdi
	and $-16, %rdi
	mov %rsp, %rsi
	mov %rdi, %rax
	mov $22, %ecx
	rep movsq
	mov %rax, %rsp
	mov %rsp, %rdi
	call uk_irq

	/* Also where a new thread starts (sched.cc builds a frame for it). */
	.globl uk_trap_return
	.hidden uk_trap_return
uk_trap_return:
	POP_GPRS
	add $16, %rsp
	iretq

/* 256 stubs, 16 bytes apart (the longest is 12 bytes), so that cpu.cc finds
 * vector v's at uk_trap_stubs + 16 * v. */
	.balign 16
	.globl uk_trap_stubs
	.hidden uk_trap_stubs
uk_trap_stubs:
	.set vec, 0
	.rept 256
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

	.section .note.GNU-stack, "", @progbits
