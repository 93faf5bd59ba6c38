/* kernel/main.c - C entry point (temporary bring-up stub; replaced by the real boot flow). */
#include "kernel/arch.h"
#include "lib/kernel.h"

void kmain(u32 magic, u64 mbi_phys);

void kmain(u32 magic, u64 mbi_phys)
{
	(void)magic;
	(void)mbi_phys;
	serial_init();
	traps_init();
	console_write("mmkern: hello from long mode\n", 29);
	qemu_exit(QEMU_EXIT_SUCCESS);
}
