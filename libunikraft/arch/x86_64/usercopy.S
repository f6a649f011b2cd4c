/* Copies that may fault: the only code that touches the app's memory on
 * behalf of a system call. Each routine lists its faulting instructions in
 * the exception table (.uk_extable: start, end, fixup); a fault inside one
 * that the page-fault handler cannot resolve resumes at the fixup, which
 * returns -EFAULT. They check no ranges: mm/user.h does, before calling. */

#include "arch/x86_64/copy_rounds.inc"

#define EFAULT 14

.macro EXTABLE start, end, fixup
	.pushsection .uk_extable, "a"
	.balign 8
	.quad \start, \end, \fixup
	.popsection
.endm

	.text
	.code64

/* size_t uk_arch_copy(void *dst, const void *src, size_t n): the number of
 * bytes not copied, 0 when all were; the bytes before a fault are copied. */
	.globl uk_arch_copy
	.hidden uk_arch_copy
	.type uk_arch_copy, @function
uk_arch_copy:
	mov %rdx, %rcx
	shr $5, %rcx
	jz 2f
	COPY_ROUNDS
	and $31, %edx
	jmp 2f
	/* A fault in a round: this round and the rest byte by byte, so that
	 * exactly the bytes before the fault are copied. */
8:	shl $5, %rcx
	and $31, %edx
	add %rcx, %rdx
	jmp 7f
	/* Then 8 bytes at a time (a system call's structures are mostly
	 * smaller than a round); a fault in a word goes byte by byte too. */
2:	cmp $8, %rdx
	jb 7f
6:	mov (%rsi), %r8
	mov %r8, (%rdi)
9:	add $8, %rsi
	add $8, %rdi
	sub $8, %rdx
	cmp $8, %rdx
	jae 6b
7:	test %rdx, %rdx
	jz 4f
	COPY_BYTES
4:	mov %rdx, %rax
	ret
	EXTABLE 1b, 5b, 8b
	EXTABLE 6b, 9b, 7b
	EXTABLE 3b, 4b, 4b
	.size uk_arch_copy, . - uk_arch_copy

/* long uk_arch_strnlen(const char *s, size_t max): the length of the string
 * at s, max when no NUL comes within max bytes, or -EFAULT. */
	.globl uk_arch_strnlen
	.hidden uk_arch_strnlen
	.type uk_arch_strnlen, @function
uk_arch_strnlen:
	xor %eax, %eax
	test %rsi, %rsi
	jz 3f
1:	cmpb $0, (%rdi,%rax)
	je 3f
	inc %rax
	cmp %rsi, %rax
	jb 1b
3:	ret
9:	mov $-EFAULT, %rax
	ret
	EXTABLE 1b, 3b, 9b
	.size uk_arch_strnlen, . - uk_arch_strnlen

/* long uk_arch_copy_string(char *dst, const char *src, size_t max): copies
 * up to and including the terminating NUL; returns the string's length, max
 * when no NUL came within max bytes, or -EFAULT. */
	.globl uk_arch_copy_string
	.hidden uk_arch_copy_string
	.type uk_arch_copy_string, @function
uk_arch_copy_string:
	xor %eax, %eax
	test %rdx, %rdx
	jz 3f
1:	movb (%rsi,%rax), %cl
	movb %cl, (%rdi,%rax)
	test %cl, %cl
	jz 3f
	inc %rax
	cmp %rdx, %rax
	jb 1b
3:	ret
9:	mov $-EFAULT, %rax
	ret
	EXTABLE 1b, 3b, 9b
	.size uk_arch_copy_string, . - uk_arch_copy_string

/* long uk_arch_load32(const uint32_t *src, uint32_t *out): one atomic load
 * (src is 4-byte aligned); 0 or -EFAULT. */
	.globl uk_arch_load32
	.hidden uk_arch_load32
	.type uk_arch_load32, @function
uk_arch_load32:
1:	mov (%rdi), %eax
2:	mov %eax, (%rsi)
	xor %eax, %eax
	ret
9:	mov $-EFAULT, %rax
	ret
	EXTABLE 1b, 2b, 9b
	.size uk_arch_load32, . - uk_arch_load32

/* long uk_arch_store32(uint32_t *dst, uint32_t v): one atomic store; 0 or
 * -EFAULT. */
	.globl uk_arch_store32
	.hidden uk_arch_store32
	.type uk_arch_store32, @function
uk_arch_store32:
1:	mov %esi, (%rdi)
2:	xor %eax, %eax
	ret
9:	mov $-EFAULT, %rax
	ret
	EXTABLE 1b, 2b, 9b
	.size uk_arch_store32, . - uk_arch_store32

	.section .note.GNU-stack, "", @progbits
