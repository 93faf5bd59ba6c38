/* kernel/qemu.c - leave QEMU with a status code through the isa-debug-exit device.
 * QEMU exits with (code << 1) | 1; scripts/qemu-run.sh maps 33 (QEMU_EXIT_SUCCESS) to
 * success. Without the device (real hardware) the CPU just halts forever. */
#include "kernel/arch.h"

#define QEMU_EXIT_PORT 0xf4

/* Exit QEMU with code; if that does not stop us, halt with interrupts off forever. */
void qemu_exit(u32 code)
{
	outl(QEMU_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
