/* tests/fuzz/fuzz_common.h - what every libFuzzer target of tests/fuzz needs: the environment
 * mm/ and lib/ expect (console_write, panic) and a way to fail loudly.
 *
 * The console is silent unless MMKERN_FUZZ_VERBOSE is set (then it goes to stderr); its last
 * 4 KiB are kept and printed with any failure, so a crash report shows what the kernel code said
 * just before. A hook sees every console write (the cmdline target counts warning lines). */
#ifndef TESTS_FUZZ_FUZZ_COMMON_H
#define TESTS_FUZZ_FUZZ_COMMON_H

#include "lib/types.h"

/* Print "fuzz: FAILURE: <message>", the console's tail, and abort() (libFuzzer saves the input). */
void fuzz_fail(const char *fmt, ...) __printf(1, 2) __noreturn;

#define FUZZ_CHECK(cond, ...) do { if (!(cond)) fuzz_fail(__VA_ARGS__); } while (0)

/* Called with every console write when set. */
extern void (*fuzz_console_hook)(const char *s, size_t len);

/* Forget the kept console output (at the start of each input). */
void fuzz_console_reset(void);

#endif
