/* tests/host/console_host.c - console_write() and panic() for host programs (see
 * tests/host/console_host.h): stdout and abort() unless a hook says otherwise. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "lib/kernel.h"
#include "tests/host/console_host.h"

void (*host_console_sink)(const char *s, size_t len);
void (*host_panic_report)(const char *kind, const char *msg);

void console_write(const char *s, size_t len)
{
	if (host_console_sink)
		host_console_sink(s, len);
	else
		fwrite(s, 1, len, stdout);
}

void panic(const char *fmt, ...)
{
	static const char kind[] = "Kernel panic - not syncing";
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (host_panic_report) {
		host_panic_report(kind, buf);
	} else {
		printf("%s: %s\n", kind, buf);
		fflush(stdout);
	}
	abort();
}
