/* tests/fuzz/fuzz_common.c - the fuzz targets' console and failure reports, hooked into the
 * host programs' console_write() and panic() (tests/host/console_host.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/kernel.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/host/console_host.h"

#define TAIL 4096

void (*fuzz_console_hook)(const char *s, size_t len);

static char tail[TAIL];
static size_t tail_len;
static int verbose = -1;

void fuzz_console_reset(void)
{
	tail_len = 0;
}

/* Keep the last TAIL bytes of console output in tail[]. */
static void keep_tail(const char *s, size_t len)
{
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

static void fuzz_console(const char *s, size_t len)
{
	if (verbose < 0)
		verbose = getenv("MMKERN_FUZZ_VERBOSE") != NULL;
	if (verbose)
		fwrite(s, 1, len, stderr);
	if (fuzz_console_hook)
		fuzz_console_hook(s, len);
	keep_tail(s, len);
}

/* The console's tail, then "fuzz: <kind>: <msg>", on stderr (the caller abort()s). */
static void fuzz_report(const char *kind, const char *msg)
{
	fprintf(stderr, "---- last console output ----\n%.*s\n-----------------------------\n",
		(int)tail_len, tail);
	fprintf(stderr, "fuzz: %s: %s\n", kind, msg);
	fflush(stderr);
}

void fuzz_fail(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fuzz_report("FAILURE", buf);
	abort();
}

/* Before any target code runs (libFuzzer's main() included). */
__attribute__((constructor)) static void fuzz_console_init(void)
{
	host_console_sink = fuzz_console;
	host_panic_report = fuzz_report;
}
