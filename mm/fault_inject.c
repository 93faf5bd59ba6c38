/* mm/fault_inject.c - every interval-th allocation fails, up to times failures, while fault
 * injection is active. Counting is per attribute and deterministic, so a failure reproduces
 * exactly from the same command line. */
#include "mm/fault_inject.h"
#include "lib/cmdline.h"
#include "lib/string.h"

struct fault_attr fail_page_alloc = { "fail_page_alloc", 0, -1, 0, 0 };
struct fault_attr failslab = { "failslab", 0, -1, 0, 0 };
int fault_inject_active;

int setup_fault_attr(struct fault_attr *a, const char *val)
{
	char buf[48];
	u64 interval, times = 0;

	if (!val || strnlen(val, sizeof(buf)) == sizeof(buf))
		return -1;
	memcpy(buf, val, strnlen(val, sizeof(buf)) + 1);
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = '\0';
	if (!kstrtou64(buf, 0, &interval) || interval == 0 ||
	    (comma && !kstrtou64(comma + 1, 0, &times)))
		return -1;
	a->interval = (unsigned long)interval;
	a->times = comma ? (long)times : -1;
	a->calls = 0;
	a->failures = 0;
	return 0;
}

bool should_fail_slow(struct fault_attr *a)
{
	if (!a->interval || a->times == 0)
		return false;
	if (++a->calls % a->interval)
		return false;
	if (a->times > 0)
		a->times--;
	a->failures++;
	return true;
}
