/* tests/ktest.h - a small KUnit-like test framework printing KTAP version 1.
 *
 * A suite is a named, NULL-terminated table of cases; each case is a function taking the test
 * context. The same suites run in the kernel (over serial) and on the host (over stdout).
 * Output follows Documentation/dev-tools/ktap.rst as KUnit prints it:
 *
 *   KTAP version 1
 *   1..2
 *       KTAP version 1
 *       # Subtest: buddy
 *       1..3
 *       ok 1 alloc_every_order
 *       # free_order_mismatch: EXPECTATION FAILED at tests/mm/buddy_test.c:42
 *       #     expected a == b (3 vs 4)
 *       not ok 2 free_order_mismatch
 *       ok 3 ... # SKIP reason
 *   # buddy: pass:2 fail:1 skip:0 total:3
 *   not ok 1 buddy
 */
#ifndef TESTS_KTEST_H
#define TESTS_KTEST_H

#include "lib/types.h"
#include "lib/string.h"

struct ktest {
	const char *suite;	/* suite name */
	const char *name;	/* case name */
	int failed;		/* expectations failed so far in this case */
	bool skipped;
	const char *skip_reason;
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;	/* terminated by an entry with run == NULL */
};

#define KTEST_CASE(fn) { #fn, fn }
#define KTEST_END { NULL, NULL }

/* Record a failed expectation with file:line and a formatted explanation (printed as '#'). */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...) __printf(4, 5);
/* Print a diagnostic line "    # <text>" inside the current suite. */
void ktest_log(struct ktest *t, const char *fmt, ...) __printf(2, 3);
/* Mark the current case skipped. */
void ktest_skip(struct ktest *t, const char *reason);

#define KT_EXPECT(t, cond) do { if (!(cond)) \
	ktest_fail(t, __FILE__, __LINE__, "expected %s", #cond); } while (0)
#define KT_ASSERT(t, cond) do { if (!(cond)) { \
	ktest_fail(t, __FILE__, __LINE__, "assertion %s", #cond); return; } } while (0)
#define KT_EXPECT_EQ(t, a, b) do { unsigned long long _a = (unsigned long long)(a), \
	_b = (unsigned long long)(b); if (_a != _b) ktest_fail(t, __FILE__, __LINE__, \
	"expected %s == %s (%llu vs %llu)", #a, #b, _a, _b); } while (0)
#define KT_ASSERT_EQ(t, a, b) do { unsigned long long _a = (unsigned long long)(a), \
	_b = (unsigned long long)(b); if (_a != _b) { ktest_fail(t, __FILE__, __LINE__, \
	"assertion %s == %s (%llu vs %llu)", #a, #b, _a, _b); return; } } while (0)
#define KT_EXPECT_STREQ(t, a, b) do { const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) ktest_fail(t, __FILE__, __LINE__, \
	"expected %s == %s (\"%s\" vs \"%s\")", #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)


/* Optional leak check run around every case: the runner calls it before and after the case and
 * fails the case (with a diagnostic) when the two values differ. Typically the free-page count. */
void ktest_set_leak_counter(u64 (*count)(void), const char *what);

/* Run every case of every suite in the NULL-terminated lists whose name matches glob (NULL or
 * "" = all). A glob "suite.case" selects single cases, as KUnit's filter_glob does.
 * Prints one KTAP document. Returns the number of failed cases, or -1 when the glob selects no
 * case at all (after a one-line error: a mistyped glob must not pass). */
int ktest_run(const struct ktest_suite *const *const *lists, const char *glob);

/* Portable suites, NULL-terminated: lib/ and kernel helpers (tests/suites.c), mm/ (tests/mm). */
extern const struct ktest_suite *const ktest_common_suites[];
extern const struct ktest_suite *const ktest_mm_suites[];

#endif
