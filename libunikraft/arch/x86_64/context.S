/* Thread switching. A switched-out thread's stack holds its callee-saved
 * registers and the address to resume at; its FPU/SIMD state and FS base are
 * saved by the C++ side (sched.cc). */

	.text
	.code64

/* void uk_context_switch(uint64_t *save_rsp, uint64_t new_rsp) */
	.globl uk_context_switch
	.hidden uk_context_switch
	.type uk_context_switch, @function
uk_context_switch:
	pushfq                  /* each thread keeps its own interrupt flag */
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	popfq
	ret
	.size uk_context_switch, . - uk_context_switch

/* First code a new thread runs: its kernel stack holds a TrapFrame with the
 * registers it starts with. */
	.globl uk_thread_trampoline
	.hidden uk_thread_trampoline
	.type uk_thread_trampoline, @function
uk_thread_trampoline:
	mov %rsp, %rdi
	call uk_thread_first_run
	jmp uk_trap_return
	.size uk_thread_trampoline, . - uk_thread_trampoline

	.section .note.GNU-stack, "", @progbits
