; boot/isr.asm - entry stubs for CPU exception vectors 0-31.
; Each stub pushes a dummy error code when the CPU does not push one, then its vector, and
; jumps to a common stub that saves all 15 GPRs (a struct trap_frame, see kernel/traps.c).

bits 64
section .text
extern trap_handler

; Vectors for which the CPU pushes an error code: 8 #DF, 10 #TS, 11 #NP, 12 #SS, 13 #GP,
; 14 #PF, 17 #AC, 21 #CP, 29 #VC, 30 #SX.
; One stub per vector: isr_stub_<v> pushes (dummy) error code and vector, then isr_common.
%assign v 0
%rep 32
align 16
isr_stub_ %+ v:
%if v = 8 || v = 10 || v = 11 || v = 12 || v = 13 || v = 14 || v = 17 || v = 21 || v = 29 || v = 30
	; the CPU pushed an error code
%else
	push 0				; dummy error code
%endif
	push v				; vector number
	jmp isr_common
%assign v v + 1
%endrep

; isr_common: save GPRs (rax pushed first, r15 last = lowest address), call
; trap_handler(struct trap_frame *) with a 16-byte aligned stack, restore and iretq.
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_handler
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq

section .rodata
align 8
global isr_stub_table
; isr_stub_table: address of the stub of each vector 0-31, used by traps_init to fill the IDT.
isr_stub_table:
%assign v 0
%rep 32
	dq isr_stub_ %+ v
	%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
