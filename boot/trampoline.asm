; boot/trampoline.asm - where the other CPUs (APs) start, and the interrupt stubs of their
; idle loop.
;
; smp_trampoline_start..end is a blob that kernel/smp.c copies to SMP_TRAMPOLINE_PHYS, a page
; below 1 MiB. A STARTUP IPI with vector V starts the AP in real mode at V000:0000, i.e. at the
; first byte of the page with CS base = the page's physical address. The blob addresses its
; own data by offset from its start (DS = CS in real mode, ESI = page base after that), and
; what it cannot compute itself - far-jump targets, the GDT base, CR3, EFER bits and the 64-bit
; entry - smp.c patches into its parameter block (struct trampoline_params) after the copy.
;
; Path: real mode -> protected mode (flat 32-bit segments of the blob's GDT) -> PAE paging on
; a trampoline PML4 (an identity map of the low 2 MiB, where the page is, plus the kernel's
; upper half) with EFER.LME -> 64-bit code segment -> jump to smp_ap_entry64 in the kernel's
; higher half, which switches to the kernel's own CR3, finds this CPU's stack by its APIC id,
; and calls smp_ap_start(struct percpu *).

CR0_PE            equ 1 << 0
CR0_WP            equ 1 << 16
CR0_PG            equ 1 << 31
CR4_PAE           equ 1 << 5
MSR_EFER          equ 0xc0000080

; selectors of the blob's GDT: 0x08 and 0x10 are the kernel's own (KERNEL_CS/KERNEL_DS)
TR_CODE64         equ 0x08
TR_DATA           equ 0x10
TR_CODE32         equ 0x18

; struct ap_boot_slot (kernel/smp.c): one per started AP, found by APIC id
SMP_MAX_CPUS      equ 64
SLOT_APIC_ID      equ 0
SLOT_STACK_TOP    equ 8
SLOT_PERCPU       equ 16
SLOT_SIZE         equ 32


; offset of a label from the start of the blob (= its offset in the trampoline page)
%define OFF(x) ((x) - smp_trampoline_start)

section .rodata
global smp_trampoline_start, smp_trampoline_end
global smp_trampoline_pm32, smp_trampoline_lm64, smp_trampoline_gdt
global smp_trampoline_params, smp_trampoline_params_end

align 16
bits 16
; smp_trampoline_start: real mode, CS = page >> 4, IP = 0, interrupts off (IF is 0 after INIT).
smp_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor esi, esi
	mov si, ax
	shl esi, 4				; esi = physical address of the page
	lock inc dword [OFF(tp_alive)]		; for the BSP's diagnostics: we got this far
	o32 lgdt [OFF(tp_gdtr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword far [OFF(tp_pm32)]		; 16:32 pointer: TR_CODE32:smp_trampoline_pm32

bits 32
; smp_trampoline_pm32: 32-bit protected mode, flat segments, paging off; esi = page base.
smp_trampoline_pm32:
	mov ax, TR_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [esi + OFF(tp_cr3)]		; trampoline PML4, below 4 GiB
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [esi + OFF(tp_efer)]		; LME, and NXE when the BSP has it
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax				; IA-32e mode, still a 32-bit code segment
	jmp far [esi + OFF(tp_lm64)]		; TR_CODE64:smp_trampoline_lm64

bits 64
; smp_trampoline_lm64: 64-bit mode at the page's identity-mapped address.
smp_trampoline_lm64:
	mov esi, esi				; upper halves are undefined after the switch
	mov rax, [rsi + OFF(tp_entry64)]
	jmp rax					; smp_ap_entry64, in the higher half

; The blob's GDT (accessed bits preset: the CPU never writes it).
align 8
smp_trampoline_gdt:
	dq 0
	dq 0x00209b0000000000			; 0x08 code, 64-bit: P, DPL0, exec/read, L
	dq 0x00cf93000000ffff			; 0x10 data, flat 4 GiB, read/write
	dq 0x00cf9b000000ffff			; 0x18 code, 32-bit, flat 4 GiB, exec/read
smp_trampoline_gdt_end:

; Parameter block, mirrored by struct trampoline_params in kernel/smp.c (48 bytes).
align 8
smp_trampoline_params:
tp_pm32:	dd 0				; +0  far pointer: page + OFF(smp_trampoline_pm32)
		dw TR_CODE32			; +4
		dw 0
tp_lm64:	dd 0				; +8  far pointer: page + OFF(smp_trampoline_lm64)
		dw TR_CODE64			; +12
		dw 0
tp_gdtr:	dw smp_trampoline_gdt_end - smp_trampoline_gdt - 1	; +16 GDT limit
		dd 0				; +18 GDT base: page + OFF(smp_trampoline_gdt)
		dw 0
tp_cr3:		dd 0				; +24 trampoline PML4 (physical, below 4 GiB)
tp_efer:	dd 0				; +28 EFER bits to set
tp_entry64:	dq 0				; +32 smp_ap_entry64 (virtual)
tp_alive:	dd 0				; +40 APs that reached the first instructions
		dd 0				; +44
smp_trampoline_params_end:
smp_trampoline_end:

; Pointer to the same GDT at its kernel (higher-half) address: loaded before the switch to the
; kernel's CR3 takes the identity map of the trampoline page away.
align 8
ap_gdt_ptr:
	dw smp_trampoline_gdt_end - smp_trampoline_gdt - 1
	dq smp_trampoline_gdt

; ---------------------------------------------------------------------------------------------
section .text
bits 64
global smp_ap_entry64
extern smp_ap_start, smp_kernel_cr3, smp_ap_slots

; smp_ap_entry64: higher half, trampoline CR3, no stack. Find this CPU's slot by its initial
; APIC id (so a CPU that arrives late, after the BSP gave up on it, still takes only its own
; stack), then call smp_ap_start(slot->percpu) on slot->stack_top.
smp_ap_entry64:
	lgdt [rel ap_gdt_ptr]
	mov rax, [rel smp_kernel_cr3]
	mov cr3, rax
	mov eax, 1
	cpuid
	shr ebx, 24				; initial APIC id (zero-extended into rbx)
	lea rsi, [rel smp_ap_slots]
	mov ecx, SMP_MAX_CPUS
.find:
	cmp qword [rsi + SLOT_STACK_TOP], 0
	je .next
	cmp [rsi + SLOT_APIC_ID], rbx
	je .found
.next:
	add rsi, SLOT_SIZE
	dec ecx
	jnz .find
.park:						; not a CPU we started: stay out of the way
	cli
	hlt
	jmp .park
.found:
	mov rsp, [rsi + SLOT_STACK_TOP]
	mov rdi, [rsi + SLOT_PERCPU]
	xor ebp, ebp				; end of the frame-pointer chain
	call smp_ap_start			; does not return
	jmp .park

section .note.GNU-stack noalloc noexec nowrite progbits
