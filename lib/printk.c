/* lib/printk.c - printk/vprintk: format into a static buffer, strip the KERN_<LEVEL> prefix,
 * filter against console_loglevel and hand the text to console_write().
 * SMP: printk_lock serializes the buffer and the console, so lines from several CPUs never
 * interleave; it is taken with interrupts off (spin_lock_irqsave), as an interrupt handler may
 * print. A printk nested on the CPU that holds the lock (a fault or panic inside printk)
 * does not wait for itself: it formats into a second buffer and writes at once. The caller
 * must have a per-CPU area (lib/percpu.h): in the kernel, from smp_early_init() on. */
#include "lib/kernel.h"
#include "lib/percpu.h"
#include "lib/spinlock.h"

#define PRINTK_BUF_SIZE 1024

int console_loglevel = 7;

static char printk_buf[PRINTK_BUF_SIZE];
static char printk_nested_buf[PRINTK_BUF_SIZE];
static DEFINE_SPINLOCK(printk_lock);
static int printk_owner = -1;		/* CPU holding printk_lock, -1 when free */

/* Strip leading KERN_SOH+level prefixes from *text; returns the level (KERN_CONT = default). */
static int printk_strip_level(const char **text)
{
	int level = LOGLEVEL_DEFAULT;
	const char *s = *text;

	while (s[0] == KERN_SOH[0] && ((s[1] >= '0' && s[1] <= '7') || s[1] == 'c')) {
		if (s[1] != 'c')
			level = s[1] - '0';
		s += 2;
	}
	*text = s;
	return level;
}

/* Does fmt end with a newline? */
static bool ends_with_newline(const char *fmt)
{
	const char *last = NULL;

	for (; *fmt; fmt++)
		last = fmt;
	return last && *last == '\n';
}

/* Replace the tail of a truncated message in buf (len bytes) with "..." (and "\n"). */
static size_t printk_mark_truncated(char *buf, size_t len, bool newline)
{
	const char *mark = newline ? "...\n" : "...";
	size_t n = newline ? 4 : 3, i;

	for (i = 0; i < n; i++)
		buf[len - n + i] = mark[i];
	return len;
}

/* Format into buf, filter by level and write to the console; returns the bytes written. */
static int vprintk_buf(char *buf, const char *fmt, va_list ap)
{
	int full = kvsnprintf(buf, PRINTK_BUF_SIZE, fmt, ap);
	size_t len = full > 0 ? (size_t)full : 0;
	const char *text = buf;
	int level;

	if (len >= PRINTK_BUF_SIZE)
		len = printk_mark_truncated(buf, PRINTK_BUF_SIZE - 1, ends_with_newline(fmt));
	level = printk_strip_level(&text);
	if (level >= console_loglevel)
		return 0;
	len -= (size_t)(text - buf);
	if (len)
		console_write(text, len);
	return (int)len;
}

int vprintk(const char *fmt, va_list ap)
{
	int cpu = (int)smp_processor_id(), n;
	unsigned long flags;

	if (__atomic_load_n(&printk_owner, __ATOMIC_RELAXED) == cpu)
		return vprintk_buf(printk_nested_buf, fmt, ap);
	spin_lock_irqsave(&printk_lock, flags);	/* interrupt handlers print too */
	__atomic_store_n(&printk_owner, cpu, __ATOMIC_RELAXED);
	n = vprintk_buf(printk_buf, fmt, ap);
	__atomic_store_n(&printk_owner, -1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&printk_lock, flags);
	return n;
}

/* As vprintk, with variadic arguments. */
int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
