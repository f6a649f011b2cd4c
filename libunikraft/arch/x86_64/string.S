/* memcpy, memmove and memset for the whole image: the kernel's copies (the
 * network stack's buffers, the drivers' rings) and the app's, in place of
 * musl's, which the image's libc.a leaves out (Makefile).
 *
 * Plain 64-bit moves, 32 bytes a round (copy_rounds.inc). QEMU's TCG runs
 * `rep movs` and `rep stos` one element per pass through a translated
 * block, several times the cost of these moves (a byte-wise `rep movsb`
 * copy of each transmitted frame was a third of a busy network server's
 * time). A CPU that is not TCG
 * takes large copies through `rep movsb`/`rep stosb` (ERMS): from
 * uk_string_rep_min bytes on, which boot sets (arch/x86_64/cpu.cc) and
 * which stays "never" under TCG.
 *
 * General registers only, so that kernel code compiled without SIMD may
 * call them; only the SysV call-clobbered registers change. */

#include "arch/x86_64/copy_rounds.inc"

	.data
	.balign 8
	.globl uk_string_rep_min
	.hidden uk_string_rep_min
uk_string_rep_min:
	.quad -1

/* memcpy's last step for W to 2W bytes: the first and the last W bytes
 * through registers A and B, both loaded before either is stored. */
.macro COPY_ENDS a, b, w
	mov (%rsi), \a
	mov -\w(%rsi,%rdx), \b
	mov \a, (%rdi)
	mov \b, -\w(%rdi,%rdx)
	ret
.endm

	.text
	.code64

/* void *memcpy(void *dst, const void *src, size_t n): up to 32 bytes with
 * no loop, a word or two from each end (which may overlap), every load
 * before the first store; then rounds, words and bytes from the start.
 * Either way a copy to a lower, overlapping address is right, which
 * memmove relies on. */
	.globl memcpy
	.type memcpy, @function
memcpy:
	mov %rdi, %rax
	/* Named labels: COPY_ROUNDS has a "5:" of its own. */
	cmp uk_string_rep_min(%rip), %rdx
	jae .Lmemcpy_rep
	cmp $32, %rdx
	jbe .Lmemcpy_small
	mov %rdx, %rcx
	shr $5, %rcx
	jz 2f
	COPY_ROUNDS
	and $31, %edx
2:	mov %edx, %ecx
	shr $3, %ecx
	jz 8f
6:	mov (%rsi), %r8
	mov %r8, (%rdi)
	add $8, %rsi
	add $8, %rdi
	dec %ecx
	jnz 6b
8:	and $7, %edx
	jz 4f
	COPY_BYTES
4:	ret
.Lmemcpy_rep:
	mov %rdx, %rcx
	rep movsb
	ret
.Lmemcpy_small:
	cmp $16, %edx
	jbe 1f
	mov (%rsi), %r8
	mov 8(%rsi), %r9
	mov -16(%rsi,%rdx), %r10
	mov -8(%rsi,%rdx), %r11
	mov %r8, (%rdi)
	mov %r9, 8(%rdi)
	mov %r10, -16(%rdi,%rdx)
	mov %r11, -8(%rdi,%rdx)
	ret
1:	cmp $8, %edx
	jb 1f
	COPY_ENDS %r8, %r9, 8
1:	cmp $4, %edx
	jb 1f
	COPY_ENDS %r8d, %r9d, 4
	/* 1 to 3 bytes: the first, the second and the last. */
1:	test %edx, %edx
	jz 2f
	movzbl (%rsi), %r8d
	movzbl -1(%rsi,%rdx), %r9d
	cmp $2, %edx
	jb 1f
	movzbl 1(%rsi), %r10d
	mov %r10b, 1(%rdi)
1:	mov %r8b, (%rdi)
	mov %r9b, -1(%rdi,%rdx)
2:	ret
	.size memcpy, . - memcpy

/* void *memmove(void *dst, const void *src, size_t n): forward (memcpy)
 * unless dst lies inside [src, src + n), then from the end down, 8 bytes
 * at a time: each word is read before any store reaches it. */
	.globl memmove
	.type memmove, @function
memmove:
	mov %rdi, %rax
	sub %rsi, %rax
	cmp %rdx, %rax
	jae memcpy
	mov %rdi, %rax
1:	cmp $8, %rdx
	jb 2f
	sub $8, %rdx
	mov (%rsi,%rdx), %r8
	mov %r8, (%rdi,%rdx)
	jmp 1b
2:	test %rdx, %rdx
	jz 3f
	dec %rdx
	movb (%rsi,%rdx), %r8b
	movb %r8b, (%rdi,%rdx)
	jmp 2b
3:	ret
	.size memmove, . - memmove

/* void *memset(void *dst, int c, size_t n) */
	.globl memset
	.type memset, @function
memset:
	mov %rdi, %r9
	movzbl %sil, %eax
	cmp uk_string_rep_min(%rip), %rdx
	jae 5f
	movabs $0x0101010101010101, %r8
	imul %r8, %rax
	mov %rdx, %rcx
	shr $5, %rcx
	jz 2f
1:	mov %rax, (%rdi)
	mov %rax, 8(%rdi)
	mov %rax, 16(%rdi)
	mov %rax, 24(%rdi)
	add $32, %rdi
	dec %rcx
	jnz 1b
	and $31, %edx
	/* The rest: from 8 bytes on, a word at its end (which may overlap
	 * the one before) and whole words from its start; else bytes. */
2:	cmp $8, %edx
	jb 3f
	mov %rax, -8(%rdi,%rdx)
	shr $3, %edx
6:	mov %rax, (%rdi)
	add $8, %rdi
	dec %edx
	jnz 6b
	jmp 4f
3:	test %edx, %edx
	jz 4f
7:	movb %al, (%rdi)
	inc %rdi
	dec %edx
	jnz 7b
4:	mov %r9, %rax
	ret
5:	mov %rdx, %rcx
	rep stosb
	mov %r9, %rax
	ret
	.size memset, . - memset

	.section .note.GNU-stack, "", @progbits
