/* kernel/console.c - the kernel console: a polled 16550 UART on COM1 (0x3f8), 115200 8N1.
 * console_write() is the raw byte sink behind printk; it turns "\n" into "\r\n" and works
 * even before serial_init() under QEMU. */
#include "kernel/arch.h"
#include "lib/kernel.h"

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding register (DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define UART_DLM	1	/* divisor latch high (DLAB=1) */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define FCR_ENABLE_CLEAR 0xc7	/* enable + clear both FIFOs, 14-byte trigger */
#define MCR_DTR_RTS	0x03
#define LSR_THRE	0x20	/* transmit holding register empty */
#define BAUD_DIVISOR	1	/* 115200 / 115200 */
#define THRE_SPIN_LIMIT	1000000	/* give up waiting on a dead UART rather than hang */

/* Program COM1 for 115200 8N1 with FIFOs, interrupts off (we poll). */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

/* Send one byte, waiting (boundedly) for the transmitter to have room. */
static void serial_putc(char c)
{
	for (unsigned int spins = 0; spins < THRE_SPIN_LIMIT; spins++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1 + UART_THR, (u8)c);
}

/* Write len raw bytes to the serial console, "\n" as "\r\n". */
void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
