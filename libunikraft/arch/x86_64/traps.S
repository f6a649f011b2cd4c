/* Interrupt and exception entry. Every vector arrives on an IST stack (see
 * cpu.cc), so whatever the app keeps in its red zone below %rsp is never
 * touched. The stubs push a uniform frame (struct TrapFrame in trap.h).
 *
 * Exceptions (vectors 0-31) are handled where they arrive: uk_trap() reports
 * them and ends the VM. Interrupts (32-255) may switch threads, and the IST
 * stack is reused by the next interrupt, so their frame is first moved onto
 * the interrupted thread's own stack, below its red zone, and handled there
 * by uk_irq(). */

#define FRAME_SIZE (22 * 8)
#define FRAME_RSP  (20 * 8)
#define RED_ZONE   128

	.text
	.code64

.macro TRAP_STUB vec
	.balign 16
trap_stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	push $0
	.endif
	push $\vec
	.if \vec < 32
	jmp trap_common
	.else
	jmp irq_common
	.endif
.endm

.macro SAVE_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
.endm

trap_common:
	SAVE_REGS
	mov %rsp, %rdi
	call uk_trap
	jmp uk_trap_return

irq_common:
	SAVE_REGS
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
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

	.altmacro
.macro TRAP_STUBS from, to
	TRAP_STUB \from
	.if \to-\from
	TRAP_STUBS %(\from+1), \to
	.endif
.endm
	TRAP_STUBS 0, 63
	TRAP_STUBS 64, 127
	TRAP_STUBS 128, 191
	TRAP_STUBS 192, 255

.macro TRAP_ADDR vec
	.quad trap_stub_\vec
.endm
.macro TRAP_ADDRS from, to
	TRAP_ADDR \from
	.if \to-\from
	TRAP_ADDRS %(\from+1), \to
	.endif
.endm
	.section .rodata
	.balign 8
	.globl uk_trap_stubs
	.hidden uk_trap_stubs
uk_trap_stubs:
	TRAP_ADDRS 0, 63
	TRAP_ADDRS 64, 127
	TRAP_ADDRS 128, 191
	TRAP_ADDRS 192, 255

	.section .note.GNU-stack, "", @progbits
