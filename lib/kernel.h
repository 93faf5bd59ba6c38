/* lib/kernel.h - logging and panic: the only services mm/ needs from its environment.
 * The kernel implements console_write() over COM1 and panic() by exiting QEMU with failure;
 * the host test runner implements them over stdout and abort(). */
#ifndef LIB_KERNEL_H
#define LIB_KERNEL_H

#include "lib/types.h"

/* Log levels, as in Linux: a message may start with KERN_<LEVEL>. */
#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_CONT    KERN_SOH "c"	/* continues the previous line; filtered as LOGLEVEL_DEFAULT */
#define LOGLEVEL_DEFAULT 4	/* level of a message without a prefix */

/* Messages with a level < console_loglevel are printed (Linux semantics). Default 7. */
extern int console_loglevel;

/* Format into buf (always NUL-terminated when size > 0); returns the length the full output
 * would have had. Supports %d %i %u %x %X %o %c %s %p %% with l, ll, z, h, hh (and j, t) length
 * modifiers, flags '-' '0' '+' ' ' '#', a field width and a precision (number or '*'; precision
 * for %s and integers). %p prints "0x" and 16 hex digits; a NULL %s prints "(null)"; unknown
 * conversions are copied literally. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* printk: format, filter by level, write to the console. Returns bytes written. */
int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

/* Provided by the environment: write raw bytes to the console. */
void console_write(const char *s, size_t len);

/* Report a broken invariant as "Kernel panic - not syncing: <msg>" and stop: never returns. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#define BUG_ON(cond) do { if (unlikely(cond)) \
	panic("%s: BUG_ON(%s) at %s:%d", __func__, #cond, __FILE__, __LINE__); } while (0)

#endif
