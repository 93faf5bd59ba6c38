/* kernel/panic.c - panic(): report a broken invariant and stop the machine.
 * Prints "Kernel panic - not syncing: <msg>" at KERN_EMERG and exits QEMU with failure; a panic
 * while panicking (e.g. printk itself panicking) is reported without formatting. */
#include "kernel/arch.h"
#include "lib/kernel.h"

#define PANIC_PREFIX "Kernel panic - not syncing: "

/* Write a constant string straight to the console, bypassing printk. */
static void panic_raw(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	console_write(s, n);
}

/* Format the message, print it (raw if printk printed nothing), exit QEMU with failure. */
void panic(const char *fmt, ...)
{
	static volatile int panicking;
	char msg[256];
	va_list ap;

	__asm__ volatile("cli");
	if (panicking++) {
		panic_raw(PANIC_PREFIX "recursive panic\n");
		qemu_exit(QEMU_EXIT_FAILURE);
	}
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (printk(KERN_EMERG PANIC_PREFIX "%s\n", msg) <= 0) {
		panic_raw(PANIC_PREFIX);
		panic_raw(msg);
		panic_raw("\n");
	}
	qemu_exit(QEMU_EXIT_FAILURE);
}
