/* First instructions: the PVH and Multiboot1 entry points (32-bit protected
 * mode, paging off), the identity map of the first 4 GiB with 2 MiB pages,
 * and the switch to long mode. Everything after that is C++ (boot/boot.cc).
 *
 * Register contract on entry: PVH: %ebx = struct hvm_start_info (physical).
 * Multiboot1: %eax = 0x2badb002, %ebx = struct multiboot_info. */

#define BOOT_PVH       1
#define BOOT_MULTIBOOT 2

#define CR0_PE  (1 << 0)
#define CR0_MP  (1 << 1)
#define CR0_EM  (1 << 2)
#define CR0_TS  (1 << 3)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

/* The PVH entry, as a Xen ELF note that loaders look for. */
	.section .note.uk.pvh, "a", @note
	.balign 4
	.long 4                 /* name size */
	.long 4                 /* descriptor size */
	.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.long _uk_pvh_entry

	.section .text.uk.boot32, "ax", @progbits
	.code32

	.globl _uk_pvh_entry
	.type _uk_pvh_entry, @function
_uk_pvh_entry:
	cli
	mov $BOOT_PVH, %esi
	jmp boot32

	.globl _uk_multiboot_entry
	.type _uk_multiboot_entry, @function
_uk_multiboot_entry:
	cli
	cmp $0x2badb002, %eax
	jne 9f
	mov $BOOT_MULTIBOOT, %esi
	jmp boot32
9:	hlt
	jmp 9b

boot32:
	mov %ebx, %ebp
	rdtsc
	mov %eax, uk_boot_tsc
	mov %edx, uk_boot_tsc + 4

	/* .bss is not cleared here: PVH and Multiboot loaders load ELF segments
	 * as ELF prescribes, zero-filling memory past each segment's file
	 * contents, and clearing 120 KiB again costs ~0.2 ms under emulation. */
	cld
	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	mov $uk_boot_pdpt, %eax
	or $3, %eax
	mov %eax, uk_boot_pml4
	mov $uk_boot_pd, %eax
	or $3, %eax
	mov $uk_boot_pdpt, %edi
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	mov $uk_boot_pd, %edi
	mov $0x83, %eax         /* present, writable, 2 MiB page */
	mov $2048, %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b

	mov %cr4, %eax
	or $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov %eax, %cr4
	mov $uk_boot_pml4, %eax
	mov %eax, %cr3

	/* Long mode, and NX where the CPU has it. */
	mov $0x80000001, %eax
	cpuid
	mov $(EFER_LME | EFER_SCE), %ebx
	bt $20, %edx
	jnc 3f
	or $EFER_NXE, %ebx
	movl $1, uk_boot_nx
3:	mov $0xc0000080, %ecx
	rdmsr
	or %ebx, %eax
	wrmsr

	mov %cr0, %eax
	and $~(CR0_EM | CR0_TS), %eax
	or $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0

	lgdt uk_gdt_ptr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	lea uk_boot_stack_top(%rip), %rsp
	fninit
	mov %esi, %edi          /* boot protocol */
	mov %ebp, %esi          /* boot information, zero-extended */
	xor %ebp, %ebp          /* ends frame-pointer backtraces */
	call uk_boot_main
	ud2

	.data
	.balign 8
	.globl uk_boot_tsc
	.hidden uk_boot_tsc
uk_boot_tsc:
	.quad 0
	.globl uk_boot_nx
	.hidden uk_boot_nx
uk_boot_nx:
	.long 0

	.balign 16
	.globl uk_gdt
	.hidden uk_gdt
uk_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0, 0                      /* 0x18: TSS, filled in by cpu_init() */
uk_gdt_end:
	.balign 8
	.globl uk_gdt_ptr
	.hidden uk_gdt_ptr
uk_gdt_ptr:
	.word uk_gdt_end - uk_gdt - 1
	.quad uk_gdt

	.bss
	.balign 4096
	.globl uk_boot_pml4, uk_boot_pdpt, uk_boot_pd
	.hidden uk_boot_pml4, uk_boot_pdpt, uk_boot_pd
uk_boot_pml4:
	.skip 4096
uk_boot_pdpt:
	.skip 4096
uk_boot_pd:
	.skip 4 * 4096
	.balign 16
uk_boot_stack:
	.skip 16384
uk_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
