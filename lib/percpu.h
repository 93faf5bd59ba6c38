/* lib/percpu.h - which CPU am I, for code shared by the kernel and host programs (mm/).
 *
 * Every CPU's GS base points at a block that starts with struct percpu_head: in the kernel the
 * head of its struct percpu (kernel/smp.h), in a host program a block each thread sets up with
 * percpu_host_init() (tests/lib/percpu_host.c, arch_prctl(ARCH_SET_GS)). Reading the id is
 * then one instruction in both, with no #ifdef: mm/ indexes its per-CPU arrays with it.
 * There is no preemption or migration (an interrupt handler returns to the code it
 * interrupted, on the same CPU; a host thread stands for one CPU), so the value stays right for
 * as long as the caller runs.
 *
 * Contexts. Each CPU runs code in two contexts: process context, and hardirq context (an
 * interrupt handler; handlers do not nest). hardirq counts the handlers running on this CPU
 * (in_interrupt()), and ctx_off selects this context's element of an array of 2 * NR_CPUS
 * per-context elements (two cache lines per CPU: process context first, hardirq context next):
 * hardirq_enter() moves it one line on, hardirq_exit() back. The slab allocator keeps its
 * per-CPU freelists in such arrays, so an interrupt never touches the freelist the code it
 * interrupted may be half-way through (mm/slab.c, "Interrupts"). */
#ifndef LIB_PERCPU_H
#define LIB_PERCPU_H

#include "lib/types.h"

struct percpu_head {
	void *self;			/* %gs:0  - the block itself */
	unsigned int cpu;		/* %gs:8  - smp_processor_id(), < NR_CPUS */
	u32 reserved;			/* the kernel keeps its APIC id here */
	unsigned long line_off;		/* %gs:16 - cpu * PERCPU_LINE: this CPU's byte offset in
					 * an array of cache-line-sized per-CPU elements */
	unsigned long ctx_off;		/* %gs:24 - this context's offset in a per-context array:
					 * cpu * 2 * PERCPU_LINE, + PERCPU_LINE in hardirq context */
	unsigned int hardirq;		/* %gs:32 - interrupt handlers running (in_interrupt()) */
	u32 soft_irqs_off;		/* %gs:36 - host programs only: "interrupts disabled"
					 * (arch/host/arch_irqflags.h); the kernel has EFLAGS.IF */
};

#define PERCPU_LINE 64			/* per-CPU array elements are padded to this */
#define PERCPU_OFF_CPU      8
#define PERCPU_OFF_LINE_OFF 16
#define PERCPU_OFF_CTX_OFF  24
#define PERCPU_OFF_HARDIRQ  32
#define PERCPU_OFF_SOFT_IRQS_OFF 36
_Static_assert(__builtin_offsetof(struct percpu_head, cpu) == PERCPU_OFF_CPU, "gs:8");
_Static_assert(__builtin_offsetof(struct percpu_head, line_off) == PERCPU_OFF_LINE_OFF, "gs:16");
_Static_assert(__builtin_offsetof(struct percpu_head, ctx_off) == PERCPU_OFF_CTX_OFF, "gs:24");
_Static_assert(__builtin_offsetof(struct percpu_head, hardirq) == PERCPU_OFF_HARDIRQ, "gs:32");
_Static_assert(__builtin_offsetof(struct percpu_head, soft_irqs_off) == PERCPU_OFF_SOFT_IRQS_OFF,
	       "gs:36");

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

/* Is this CPU running an interrupt handler (hardirq context)? */
static inline bool in_interrupt(void)
{
	unsigned int n;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(n) : "i"(PERCPU_OFF_HARDIRQ));
	return n != 0;
}

/* This context's byte offset in a per-context array (2 * NR_CPUS one-line elements). Not
 * volatile, like smp_processor_id(): for the code running, the value never changes (a handler
 * that interrupts it moves the offset and moves it back), so the compiler may reuse it. The
 * one exception is code around hardirq_enter()/hardirq_exit() themselves: it must not inline
 * this_ctx_elem() (the interrupt entry calls its handlers out of line). */
static inline unsigned long this_ctx_off(void)
{
	unsigned long off;
	__asm__("movq %%gs:%c1, %0" : "=r"(off) : "i"(PERCPU_OFF_CTX_OFF));
	return off;
}

/* &array[2 * cpu + in hardirq context] for an array of 2 * NR_CPUS one-line elements. */
#define this_ctx_elem(array) ((__typeof__(&(array)[0]))((char *)(array) + this_ctx_off()))
#define PERCPU_CTX_LINES 2		/* elements per CPU in a per-context array */

/* The per-context element index of process context on cpu, and of its hardirq context. */
static inline unsigned int ctx_index(unsigned int cpu, bool hardirq)
{
	return cpu * PERCPU_CTX_LINES + (hardirq ? 1 : 0);
}

/* Enter and leave hardirq context: called (interrupts off) by the kernel's interrupt entry
 * around every handler, and by host tests that stand for an interrupt. */
static inline void hardirq_enter(void)
{
	__asm__ volatile("incl %%gs:%c0\n\taddq %1, %%gs:%c2"
			 : : "i"(PERCPU_OFF_HARDIRQ), "i"(PERCPU_LINE), "i"(PERCPU_OFF_CTX_OFF)
			 : "memory", "cc");
}

static inline void hardirq_exit(void)
{
	__asm__ volatile("subq %1, %%gs:%c2\n\tdecl %%gs:%c0"
			 : : "i"(PERCPU_OFF_HARDIRQ), "i"(PERCPU_LINE), "i"(PERCPU_OFF_CTX_OFF)
			 : "memory", "cc");
}

#endif
