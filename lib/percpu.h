/* lib/percpu.h - which CPU am I, for code shared by the kernel and host programs (mm/).
 *
 * Every CPU's GS base points at a block that starts with struct percpu_head: in the kernel the
 * head of its struct percpu (kernel/smp.h), in a host program a block each thread sets up with
 * percpu_host_init() (tests/lib/percpu_host.c, arch_prctl(ARCH_SET_GS)). Reading the id is
 * then one instruction in both, with no #ifdef: mm/ indexes its per-CPU arrays with it.
 * There is no preemption or migration (the kernel runs with interrupts off; a host thread
 * stands for one CPU), so the value stays right for as long as the caller runs. */
#ifndef LIB_PERCPU_H
#define LIB_PERCPU_H

#include "lib/types.h"

struct percpu_head {
	void *self;			/* %gs:0  - the block itself */
	unsigned int cpu;		/* %gs:8  - smp_processor_id(), < NR_CPUS */
	u32 reserved;			/* the kernel keeps its APIC id here */
	unsigned long line_off;		/* %gs:16 - cpu * PERCPU_LINE: this CPU's byte offset in
					 * an array of cache-line-sized per-CPU elements */
};

#define PERCPU_LINE 64			/* per-CPU array elements are padded to this */
#define PERCPU_OFF_CPU      8
#define PERCPU_OFF_LINE_OFF 16
_Static_assert(__builtin_offsetof(struct percpu_head, cpu) == PERCPU_OFF_CPU, "gs:8");
_Static_assert(__builtin_offsetof(struct percpu_head, line_off) == PERCPU_OFF_LINE_OFF, "gs:16");

/* This CPU's logical id (0 = the boot CPU). */
static inline unsigned int smp_processor_id(void)
{
	unsigned int id;
	__asm__("movl %%gs:%c1, %0" : "=r"(id) : "i"(PERCPU_OFF_CPU));	/* not volatile: */
	return id;		/* the value never changes under the caller, so it may be reused */
}

/* smp_processor_id() * PERCPU_LINE, for indexing per-CPU arrays without a multiplication. */
static inline unsigned long this_cpu_line_off(void)
{
	unsigned long off;
	__asm__("movq %%gs:%c1, %0" : "=r"(off) : "i"(PERCPU_OFF_LINE_OFF));
	return off;
}

/* &array[smp_processor_id()] for an array of elements of exactly `lines` cache lines. */
#define this_cpu_elem(array, lines) \
	((__typeof__(&(array)[0]))((char *)(array) + this_cpu_line_off() * (lines)))

#endif
