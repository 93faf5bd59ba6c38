/* tests/suites.c - the portable ktest suites, run both in the kernel and on the host.
 * Add a suite by declaring it here and listing it in ktest_common_suites. */
#include "tests/ktest.h"

extern const struct ktest_suite printf_suite;
extern const struct ktest_suite cmdline_suite;
extern const struct ktest_suite trace_suite;

const struct ktest_suite *const ktest_common_suites[] = {
	&printf_suite,
	&cmdline_suite,
	&trace_suite,
	NULL
};
