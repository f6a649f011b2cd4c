/* The boot floor: the least a PVH kernel can do. QEMU enters it in 32-bit
 * protected mode; it writes one byte to COM1 and leaves through
 * isa-debug-exit at once. A whole QEMU process running it is the baseline
 * every boot time in bench/run.sh is divided by. */

	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 8, 18		/* name size, desc size, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad _start

	.text
	.code32
	.globl _start
_start:
	mov $0x3f8, %dx
	mov $'.', %al
	out %al, %dx
	mov $0xf4, %dx
	xor %eax, %eax
	out %eax, %dx
1:	cli
	hlt
	jmp 1b
