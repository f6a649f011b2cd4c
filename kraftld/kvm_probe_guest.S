/* The KVM probe guest: a PVH kernel that ukrun boots under -accel kvm to
 * learn whether a guest really runs there. Some hosts offer a /dev/kvm that
 * starts a guest but cannot run it (a nested software hypervisor that fails
 * on the first SSE instruction), so this executes what an app needs: SSE,
 * and AVX when the CPU reports it. It then writes 'K' to the isa-debugcon
 * port 0xe9 (preceded by 'A' when AVX ran) and leaves through
 * isa-debug-exit with 0x21, so QEMU exits with status 0x43.
 *
 * PVH enters in 32-bit protected mode with paging off. */

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
	/* SSE: CR0.EM off, CR0.MP on, CR4.OSFXSR and CR4.OSXMMEXCPT on. */
	mov %cr0, %eax
	and $~0x4, %eax
	or $0x2, %eax
	mov %eax, %cr0
	mov %cr4, %eax
	or $0x600, %eax
	mov %eax, %cr4
	mov $_start, %esi
	movups (%esi), %xmm0
	addps %xmm0, %xmm0
	pxor %xmm1, %xmm1

	/* AVX only when CPUID.1:ECX reports both XSAVE (26) and AVX (28). */
	mov $1, %eax
	cpuid
	and $0x14000000, %ecx
	cmp $0x14000000, %ecx
	jne 1f
	mov %cr4, %eax
	or $0x40000, %eax	/* CR4.OSXSAVE */
	mov %eax, %cr4
	xor %ecx, %ecx
	xor %edx, %edx
	mov $7, %eax		/* XCR0: x87, SSE and AVX state */
	xsetbv
	vxorps %ymm1, %ymm1, %ymm1
	vaddps %ymm0, %ymm1, %ymm1
	mov $'A', %al
	out %al, $0xe9

1:	mov $'K', %al
	out %al, $0xe9
	mov $0x21, %eax
	out %eax, $0xf4
2:	cli
	hlt
	jmp 2b
