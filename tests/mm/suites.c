/* tests/mm/suites.c - the mm/ suites, run both in the kernel and on the host. */
#include "tests/ktest.h"

extern const struct ktest_suite memmap_suite;
extern const struct ktest_suite memblock_suite;
extern const struct ktest_suite buddy_suite;
extern const struct ktest_suite buddy_stress_suite;
extern const struct ktest_suite slab_suite;
extern const struct ktest_suite slab_debug_suite;
extern const struct ktest_suite fault_suite;
extern const struct ktest_suite numa_suite;
extern const struct ktest_suite page_poison_suite;
extern const struct ktest_suite watermark_suite;
extern const struct ktest_suite irq_context_suite;
extern const struct ktest_suite compaction_suite;
extern const struct ktest_suite churn_suite;

const struct ktest_suite *const ktest_mm_suites[] = {
	&memmap_suite,
	&memblock_suite,
	&buddy_suite,
	&buddy_stress_suite,
	&slab_suite,
	&slab_debug_suite,
	&fault_suite,
	&numa_suite,
	&page_poison_suite,
	&watermark_suite,
	&irq_context_suite,
	&compaction_suite,
	&churn_suite,
	NULL
};
