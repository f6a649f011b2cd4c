/* Assembler macros that push and pop the general registers of a TrapFrame
 * (trap.h) in its order: included by traps.S and syscall_entry.S. */
#pragma once

.macro PUSH_GPRS
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
.endm

.macro POP_GPRS
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
.endm

/* Completes the frame whose iret part and vector/error slots are already
 * pushed, calls `fn(frame)` on a 16-byte aligned stack, and reloads the
 * general registers from the frame (which `fn` may have changed). */
.macro CALL_WITH_FRAME fn
	PUSH_GPRS
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call \fn
	mov %rbx, %rsp
	POP_GPRS
.endm
