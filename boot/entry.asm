; boot/entry.asm - 32-bit multiboot2 entry point: checks the loader magic, builds the early
; page tables (identity + direct map of 0..4 GiB, kernel image at -2 GiB), enters long mode,
; moves to a higher-half stack and calls kmain(u32 magic, u64 mbi_phys).

KERNEL_VMA        equ 0xffffffff80000000
MB2_BOOT_MAGIC    equ 0x36d76289	; what a multiboot2 loader leaves in eax

PTE_P             equ 1 << 0
PTE_W             equ 1 << 1
PTE_PS            equ 1 << 7		; 2 MiB page in a page directory
PAGE_SIZE         equ 4096
LARGE_PAGE        equ 0x200000

CR0_PE            equ 1 << 0
CR0_WP            equ 1 << 16
CR0_PG            equ 1 << 31
CR4_PAE           equ 1 << 5
MSR_EFER          equ 0xc0000080
EFER_LME          equ 1 << 8
EFER_NXE          equ 1 << 11
CPUID_EXT_LM      equ 1 << 29		; CPUID 0x80000001 edx: long mode
CPUID_EXT_NX      equ 1 << 20		; CPUID 0x80000001 edx: no-execute

COM1              equ 0x3f8
COM1_LSR          equ COM1 + 5
LSR_THRE          equ 1 << 5
QEMU_EXIT_PORT    equ 0xf4
QEMU_EXIT_FAILURE equ 0x11

KERNEL_CS         equ 0x08
KERNEL_DS         equ 0x10

; Physical addresses of the early page tables (they are linked in the higher-half .bss).
%define PHYS(sym) ((sym) - KERNEL_VMA)

; ---------------------------------------------------------------------------------------------
; Low, identity-linked part (VMA == LMA): runs before paging is enabled.
section .boot.text progbits alloc exec nowrite align=16
bits 32

global _start
; _start: ELF entry, 32-bit protected mode, paging off; eax = magic, ebx = mbi physical address.
_start:
	cli
	cld
	mov edi, eax			; edi/esi are kmain's arguments: keep them untouched
	mov esi, ebx
	cmp edi, MB2_BOOT_MAGIC
	jne .bad_magic

	; long mode (and NX, optionally) must be available
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, CPUID_EXT_LM
	jz .no_long_mode
	mov ebp, edx			; remember the feature bits for the NX test below

	; PML4[0] (identity) and PML4[273] (direct map) share PDPT_low; PML4[511] -> PDPT_high
	mov eax, PHYS(early_pdpt_low) + (PTE_P | PTE_W)
	mov [PHYS(early_pml4) + 0 * 8], eax
	mov [PHYS(early_pml4) + 273 * 8], eax
	mov dword [PHYS(early_pml4) + 511 * 8], PHYS(early_pdpt_high) + (PTE_P | PTE_W)

	; PDPT_low[0..3] -> the four page directories covering 0..4 GiB
	mov eax, PHYS(early_pd_low) + (PTE_P | PTE_W)
	xor ecx, ecx
.fill_pdpt_low:
	mov [PHYS(early_pdpt_low) + ecx * 8], eax
	add eax, PAGE_SIZE
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt_low

	; 2048 PD entries: 2 MiB pages for physical 0..4 GiB
	mov eax, PTE_P | PTE_W | PTE_PS
	xor ecx, ecx
.fill_pd_low:
	mov [PHYS(early_pd_low) + ecx * 8], eax
	add eax, LARGE_PAGE
	inc ecx
	cmp ecx, 4 * 512
	jb .fill_pd_low

	; PDPT_high[510] (0xffffffff80000000) -> PD_high: 2 MiB pages for physical 0..1 GiB
	mov dword [PHYS(early_pdpt_high) + 510 * 8], PHYS(early_pd_high) + (PTE_P | PTE_W)
	mov eax, PTE_P | PTE_W | PTE_PS
	xor ecx, ecx
.fill_pd_high:
	mov [PHYS(early_pd_high) + ecx * 8], eax
	add eax, LARGE_PAGE
	inc ecx
	cmp ecx, 512
	jb .fill_pd_high

	; PAE, then EFER.LME (+NXE when supported), then paging: we are in compatibility mode
	mov eax, PHYS(early_pml4)
	mov cr3, eax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, CPUID_EXT_NX
	jz .efer_done
	or eax, EFER_NXE
.efer_done:
	wrmsr
	lgdt [boot_gdt_ptr32]
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax
	jmp KERNEL_CS:long_mode_low

.bad_magic:
	mov ebx, msg_bad_magic
	jmp boot_fail
.no_long_mode:
	mov ebx, msg_no_long_mode
	jmp boot_fail

; boot_fail: print the NUL-terminated string at ebx on COM1, exit QEMU with failure, halt.
boot_fail:
	mov cl, [ebx]
	test cl, cl
	jz .exit
	mov dx, COM1_LSR
.wait_thre:
	in al, dx
	test al, LSR_THRE
	jz .wait_thre
	mov dx, COM1
	mov al, cl
	out dx, al
	inc ebx
	jmp boot_fail
.exit:
	mov dx, QEMU_EXIT_PORT
	mov eax, QEMU_EXIT_FAILURE
	out dx, eax
.halt:
	cli
	hlt
	jmp .halt

bits 64
; long_mode_low: first 64-bit instructions, still at the identity-mapped physical address.
long_mode_low:
	mov ax, KERNEL_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, long_mode_high
	jmp rax

section .boot.rodata progbits alloc noexec nowrite align=16
; Boot GDT: null, 64-bit kernel code, kernel data (accessed bits preset: no CPU writes).
align 16
boot_gdt:
	dq 0
	dq 0x00209b0000000000		; code: P, DPL0, S, exec/read, accessed, L
	dq 0x0000930000000000		; data: P, DPL0, S, read/write, accessed
boot_gdt_end:

boot_gdt_ptr32:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

msg_bad_magic:
	db "mmkern: bad multiboot2 magic in eax: not loaded by a multiboot2 loader", 13, 10, 0
msg_no_long_mode:
	db "mmkern: this CPU does not support long mode (x86_64)", 13, 10, 0

; ---------------------------------------------------------------------------------------------
; Higher-half part (linked at KERNEL_VMA + physical).
section .text
bits 64
extern kmain

; long_mode_high: switch to the higher-half GDT pointer and stack, call kmain, halt forever.
long_mode_high:
	lgdt [rel boot_gdt_ptr64]	; the identity map may go away: use the high alias
	mov rsp, boot_stack_top
	xor ebp, ebp			; end of the frame-pointer chain
	mov edi, edi			; magic (upper halves are undefined after the mode switch)
	mov esi, esi			; mbi physical address
	call kmain
.halt:
	cli
	hlt
	jmp .halt

section .rodata
align 16
boot_gdt_ptr64:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt + KERNEL_VMA

section .bss nobits alloc noexec write align=4096
alignb PAGE_SIZE
global early_pml4
early_pml4:	resb PAGE_SIZE
early_pdpt_low:	resb PAGE_SIZE
early_pd_low:	resb 4 * PAGE_SIZE
early_pdpt_high: resb PAGE_SIZE
early_pd_high:	resb PAGE_SIZE

alignb 16
boot_stack:	resb 32 * 1024
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
