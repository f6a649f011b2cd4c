/* First instructions: the PVH and Multiboot1 entry points (32-bit protected
 * mode, paging off), the identity map of the first 4 GiB with 2 MiB pages,
 * and the switch to long mode. Everything after that is C++ (boot/boot.cc).
 *
 * Register contract on entry: PVH: %ebx = struct hvm_start_info (physical).
 * Multiboot1: %eax = 0x2badb002, %ebx = struct multiboot_info. */

#define BOOT_PVH       1
#define DIRECT_MAP_SLOT 273     /* mm::direct_map_base */
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
	mov $uk_boot_stack_top, %esp
	push %esi                       /* the boot protocol, for later */
	rdtsc
	mov %eax, uk_boot_tsc
	mov %edx, uk_boot_tsc + 4

	/* .bss is not cleared here: PVH and Multiboot loaders load ELF segments
	 * as ELF prescribes, zero-filling memory past each segment's file
	 * contents, and clearing 120 KiB again costs ~0.2 ms under emulation. */
	cld
	/* CPU features that shape the page tables: NX (EDX bit 20) and 1 GiB
	 * pages (EDX bit 26). */
	mov $0x80000001, %eax
	cpuid
	bt $20, %edx
	jnc 1f
	movl $1, uk_boot_nx
1:	bt $26, %edx
	jnc 1f
	movl $1, uk_boot_gbpages
1:
	/* The identity map of the first 4 GiB: PML4[0] -> PDPT. The first GiB
	 * always gets a page directory of 2 MiB pages (paging_init() refines
	 * the ones holding the image); the other three are 1 GiB pages where
	 * the CPU has them, else page directories too. Pages past the image
	 * are not executable. Every entry written here costs time under
	 * emulation, hence the big pages. */
	mov $uk_boot_pdpt, %eax
	or $3, %eax
	mov %eax, uk_boot_pml4
	/* The same tables again at the direct map (mm/layout.h), where the
	 * kernel reaches physical memory once paging_init() gives the low half
	 * to the app; not executable there. */
	mov %eax, uk_boot_pml4 + DIRECT_MAP_SLOT * 8
	cmpl $0, uk_boot_nx
	je 1f
	movl $0x80000000, uk_boot_pml4 + DIRECT_MAP_SLOT * 8 + 4
1:

	xor %edx, %edx                  /* high dword: NX for pages past the image */
	cmpl $0, uk_boot_nx
	je 1f
	mov $0x80000000, %edx
1:	mov $__uk_image_end, %ebx
	mov $uk_boot_pd, %edi
	xor %ecx, %ecx                  /* physical address */
	mov $0x83, %eax                 /* present, writable, 2 MiB page */
	cmpl $0, uk_boot_gbpages
	je 2f
	/* 1 GiB pages for 1-4 GiB, the first GiB's directory filled below. */
	mov $uk_boot_pdpt + 8, %edi
	mov $0x40000000, %ecx
3:	mov %ecx, %eax
	or $0x83, %eax
	mov %eax, (%edi)
	mov %edx, 4(%edi)
	add $8, %edi
	add $0x40000000, %ecx
	jnz 3b
	mov $uk_boot_pd, %eax
	or $3, %eax
	mov %eax, uk_boot_pdpt
	mov $uk_boot_pd, %edi
	mov $512, %esi
	jmp 4f
2:	/* Four page directories. */
	mov $uk_boot_pd, %eax
	or $3, %eax
	mov %eax, uk_boot_pdpt
	add $4096, %eax
	mov %eax, uk_boot_pdpt + 8
	add $4096, %eax
	mov %eax, uk_boot_pdpt + 16
	add $4096, %eax
	mov %eax, uk_boot_pdpt + 24
	mov $2048, %esi
4:	/* %edi: next entry, %ecx: its address, %esi: entries left. */
	xor %ecx, %ecx
5:	mov %ecx, %eax
	or $0x83, %eax
	mov %eax, (%edi)
	cmp %ebx, %ecx
	jb 6f
	mov %edx, 4(%edi)
6:	add $8, %edi
	add $0x200000, %ecx
	dec %esi
	jnz 5b

	mov %cr4, %eax
	or $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov %eax, %cr4
	mov $uk_boot_pml4, %eax
	mov %eax, %cr3

	mov $(EFER_LME | EFER_SCE), %ebx
	cmpl $0, uk_boot_nx
	je 3f
	or $EFER_NXE, %ebx
3:	mov $0xc0000080, %ecx
	rdmsr
	or %ebx, %eax
	wrmsr

	mov %cr0, %eax
	and $~(CR0_EM | CR0_TS), %eax
	or $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0

	pop %esi
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
	.globl uk_boot_gbpages
	.hidden uk_boot_gbpages
uk_boot_gbpages:
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
	/* The boot stack, which becomes the main thread's kernel stack once
	 * the app runs (sched::init), below a page that mmu_init() leaves
	 * unmapped as its guard. */
	.balign 4096
	.globl uk_boot_stack_guard, uk_boot_stack_top
	.hidden uk_boot_stack_guard, uk_boot_stack_top
uk_boot_stack_guard:
	.skip 4096
uk_boot_stack:
	.skip 16384
uk_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
