/* tests/kernel/suites.c - suites that only make sense inside the kernel (real boot state). */
#include "tests/ktest.h"

extern const struct ktest_suite boot_suite;
extern const struct ktest_suite replay_suite;
extern const struct ktest_suite acpi_suite;
extern const struct ktest_suite smp_suite;
extern const struct ktest_suite smp_stress_suite;
extern const struct ktest_suite irq_suite;
extern const struct ktest_suite mm_ipi_suite;

const struct ktest_suite *const ktest_kernel_suites[] = {
	&boot_suite,
	&replay_suite,
	&acpi_suite,
	&smp_suite,
	&irq_suite,
	&mm_ipi_suite,
	&smp_stress_suite,
	NULL
};
