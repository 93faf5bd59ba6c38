/* mm/fault_inject.h - deterministic allocation failures, in the manner of Linux's
 * fail_page_alloc= and failslab= (Documentation/fault-injection). */
#ifndef MM_FAULT_INJECT_H
#define MM_FAULT_INJECT_H

#include "lib/types.h"

struct fault_attr {
	const char *name;
	unsigned long interval;		/* every interval-th call fails; 0 = never */
	long times;			/* failures still allowed; -1 = no limit */
	unsigned long calls;		/* calls counted while active */
	unsigned long failures;		/* calls made to fail */
};

extern struct fault_attr fail_page_alloc, failslab;

/* Like Linux's task-filter: failures are injected only while this is non-zero, i.e. inside the
 * code that asked for them (the fault-injection test suite); boot and other suites run clean. */
extern int fault_inject_active;

/* Parse "<interval>[,<times>]" into a. Returns 0, or -1 (a unchanged) when malformed. */
int setup_fault_attr(struct fault_attr *a, const char *val);

/* Should this call fail? Counts the call; deterministic. */
bool should_fail_slow(struct fault_attr *a);
static inline bool should_fail(struct fault_attr *a)
{
	return unlikely(fault_inject_active) && should_fail_slow(a);
}

#endif
