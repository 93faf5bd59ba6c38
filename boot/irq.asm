; boot/irq.asm - entry stubs of the interrupt vectors (device and IPI vectors, kernel/irq.h).
; Each stub pushes a zero error code and its vector, then jumps to irq_common, which saves the
; 15 GPRs (a struct irq_frame: the same layout as kernel/traps.c's trap frame), calls
; irq_dispatch(struct irq_frame *) on a 16-byte aligned stack, restores and returns with iretq.
; The gates are interrupt gates: IF is 0 from the first instruction of a stub to its iretq.

bits 64
section .text
extern irq_dispatch
global irq_entry_timer, irq_entry_wakeup, irq_entry_call_single, irq_entry_call
global irq_entry_spurious

%macro IRQ_STUB 2
align 16
%1:
	push 0				; no error code
	push %2				; vector
	jmp irq_common
%endmacro

IRQ_STUB irq_entry_timer, 0xec
IRQ_STUB irq_entry_wakeup, 0xf0
IRQ_STUB irq_entry_call_single, 0xfb
IRQ_STUB irq_entry_call, 0xfc
IRQ_STUB irq_entry_spurious, 0xff

; The CPU aligned RSP to 16 before its 5-word frame; 2 + 15 pushes make it 16-aligned again.
irq_common:
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
	call irq_dispatch
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

section .note.GNU-stack noalloc noexec nowrite progbits
