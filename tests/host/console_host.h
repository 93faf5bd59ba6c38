/* tests/host/console_host.h - the kernel environment lib/kernel.h asks for (console_write,
 * panic), for every host program that links lib/ and mm/: ktest-host, mb2dump, the fuzz targets.
 *
 * By default console output goes to stdout and panic() prints "Kernel panic - not syncing: <msg>"
 * on stdout and abort()s. A program changes that through the two hooks below (the fuzz targets
 * keep the console's tail and print it with the panic, on stderr). */
#ifndef TESTS_HOST_CONSOLE_HOST_H
#define TESTS_HOST_CONSOLE_HOST_H

#include "lib/types.h"

/* When set, receives every console write instead of stdout. */
extern void (*host_console_sink)(const char *s, size_t len);

/* When set, reports the formatted panic message (kind: "Kernel panic - not syncing") instead of
 * the stdout line; panic() abort()s after it returns. */
extern void (*host_panic_report)(const char *kind, const char *msg);

#endif
