; boot/header.asm - the multiboot2 header that lets GRUB load the kernel ELF.
; It lives in its own section, which linker.ld places first in the image (the spec requires
; it within the first 32 KiB of the file, 64-bit aligned). Only the mandatory end tag follows.

MB2_HEADER_MAGIC equ 0xe85250d6
MB2_ARCH_I386    equ 0		; 32-bit protected mode entry

section .multiboot_header progbits alloc noexec nowrite align=8
mb2_header_start:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header_start
	; magic + arch + length + checksum must be 0 modulo 2^32
	dd 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

	; end tag: type 0, flags 0, size 8
	align 8
	dw 0
	dw 0
	dd 8
mb2_header_end:

section .note.GNU-stack noalloc noexec nowrite progbits
