/* lib/printk.c - printk/vprintk: format into a static buffer, strip the KERN_<LEVEL> prefix,
 * filter against console_loglevel and hand the text to console_write().
 * Single static buffer: not reentrant (a single-CPU kernel without printk from interrupts). */
#include "lib/kernel.h"

#define PRINTK_BUF_SIZE 1024

int console_loglevel = 7;

static char printk_buf[PRINTK_BUF_SIZE];

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

/* Replace the tail of a truncated message in printk_buf (len bytes) with "..." (and "\n"). */
static size_t printk_mark_truncated(size_t len, bool newline)
{
	const char *mark = newline ? "...\n" : "...";
	size_t n = newline ? 4 : 3, i;

	for (i = 0; i < n; i++)
		printk_buf[len - n + i] = mark[i];
	return len;
}

/* Format, filter by level and write to the console; returns the bytes written. */
int vprintk(const char *fmt, va_list ap)
{
	int full = kvsnprintf(printk_buf, sizeof(printk_buf), fmt, ap);
	size_t len = full > 0 ? (size_t)full : 0;
	const char *text = printk_buf;
	int level;

	if (len >= sizeof(printk_buf))
		len = printk_mark_truncated(sizeof(printk_buf) - 1, ends_with_newline(fmt));
	level = printk_strip_level(&text);
	if (level >= console_loglevel)
		return 0;
	len -= (size_t)(text - printk_buf);
	if (len)
		console_write(text, len);
	return (int)len;
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
