/* The copy loops of memcpy (string.S) and of the app-memory copy
 * (usercopy.S), from %rsi to %rdi. Local labels for an exception table
 * are noted. */

/* %rcx rounds of 32 bytes with plain 64-bit moves, which QEMU's TCG runs
 * several times faster than rep movs (it emulates those an element at a
 * time). Clobbers %r8-%r11. Label 1 is the first load of a round, 5
 * follows its last store. */
.macro COPY_ROUNDS
1:	mov (%rsi), %r8
	mov 8(%rsi), %r9
	mov 16(%rsi), %r10
	mov 24(%rsi), %r11
	mov %r8, (%rdi)
	mov %r9, 8(%rdi)
	mov %r10, 16(%rdi)
	mov %r11, 24(%rdi)
5:	add $32, %rsi
	add $32, %rdi
	dec %rcx
	jnz 1b
.endm

/* %rdx bytes (not 0), one at a time, counting %rdx down to 0. Clobbers
 * %r8. Label 3 is the first load. */
.macro COPY_BYTES
3:	movb (%rsi), %r8b
	movb %r8b, (%rdi)
	inc %rsi
	inc %rdi
	dec %rdx
	jnz 3b
.endm
