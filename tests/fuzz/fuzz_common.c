/* tests/fuzz/fuzz_common.c - console, panic and failure reports for the fuzz targets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/kernel.h"
#include "tests/fuzz/fuzz_common.h"

#define TAIL 4096

void (*fuzz_console_hook)(const char *s, size_t len);

static char tail[TAIL];
static size_t tail_len;
static int verbose = -1;

void fuzz_console_reset(void)
{
	tail_len = 0;
}

void console_write(const char *s, size_t len)
{
	if (verbose < 0)
		verbose = getenv("MMKERN_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fwrite(s, 1, len, stderr);
	if (fuzz_console_hook)
		fuzz_console_hook(s, len);
	if (len >= TAIL) {
		memcpy(tail, s + len - TAIL, TAIL);
		tail_len = TAIL;
		return;
	}
	if (tail_len + len > TAIL) {
		size_t drop = tail_len + len - TAIL;
		memmove(tail, tail + drop, tail_len - drop);
		tail_len -= drop;
	}
	memcpy(tail + tail_len, s, len);
	tail_len += len;
}

static void __noreturn die(const char *kind, const char *fmt, va_list ap)
{
	char buf[1024];

	kvsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "---- last console output ----\n%.*s\n-----------------------------\n",
		(int)tail_len, tail);
	fprintf(stderr, "fuzz: %s: %s\n", kind, buf);
	fflush(stderr);
	abort();
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	die("FAILURE", fmt, ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	die("Kernel panic - not syncing", fmt, ap);
}
