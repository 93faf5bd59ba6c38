/* kernel/smp.h - the other CPUs: per-CPU areas, bring-up, and running code on a given CPU.
 *
 * CPU ids are logical: 0 is the boot CPU (BSP), the application processors (APs) from the
 * MADT get 1, 2, ... in MADT order. Every CPU's GS base (MSR_GS_BASE) points at its struct
 * percpu, so smp_processor_id() is one instruction (movl %gs:8). CPU 0's area is valid from
 * smp_early_init() (right after traps_init(), before any memory set-up); the others' from the
 * moment they are online.
 *
 * Model: CPU 0 runs kmain and drives; the APs sit in an idle loop (hlt, woken by an IPI or a
 * timer tick) and run what smp_call_on()/smp_call_all() hand them. From irq_start() on
 * (kernel/irq.h: right after the APs came up) every CPU works with interrupts ON: CPU 0 in
 * kmain, an AP while it runs a call (interrupts are off only in its idle loop's check, which
 * ends in sti;hlt) and the LAPIC timer ticks on each; on_each_cpu() (lib/cpu.h) reaches any CPU
 * from any CPU by IPI. Handlers run with interrupts off and do not nest, on the stack of the
 * code they interrupted. Stacks: CPU 0 has the 32 KiB boot stack, each AP a 16 KiB one
 * (order-2 pages from the page allocator, no guard page) plus 4 KiB #DF and NMI stacks. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "kernel/arch.h"
#include "lib/types.h"
#include "lib/percpu.h"
#include "kernel/irq.h"
#include "mm/mb2.h"

#define SMP_MAX_CPUS		NR_CPUS	/* per-CPU areas (static); more CPUs are reported, not started */
#define SMP_TRAMPOLINE_PHYS	0x8000	/* real-mode start page below 1 MiB (SIPI vector 0x08),
					 * reserved by kernel/setup.c */
#define SMP_CALL_TIMEOUT_MS	30000	/* default wait of smp_call_on()/smp_call_all() */
#define SMP_AP_STACK_SIZE	(16 * 1024)	/* each AP's kernel stack */

enum cpu_state {
	CPU_ABSENT = 0,		/* no CPU behind this id */
	CPU_STARTING,		/* INIT-SIPI-SIPI sent, not yet arrived */
	CPU_ONLINE,		/* running: CPU 0 in kmain, an AP in its idle loop or a call */
	CPU_FAILED,		/* did not come up in time: given up for good */
};

typedef void (*smp_call_fn)(void *arg);

struct percpu {
	/* the head lib/percpu.h reads (mm/ uses it without knowing the kernel) */
	struct percpu *self;		/* %gs:0 - this_cpu_area() */
	unsigned int cpu;		/* %gs:8 - smp_processor_id() */
	u32 apic_id;			/* local APIC id (xAPIC: 8 bits) */
	unsigned long line_off;		/* %gs:16 - cpu * PERCPU_LINE */
	unsigned long ctx_off;		/* %gs:24 - per-context array offset (lib/percpu.h) */
	unsigned int hardirq;		/* %gs:32 - in_interrupt() */
	u32 soft_irqs_off;		/* %gs:36 - unused in the kernel (EFLAGS.IF) */

	int state;			/* enum cpu_state (atomic) */

	/* smp_call: the caller stores call_fn and call_arg, then call_seq + 1 (release); the
	 * CPU runs fn(arg) and stores call_done = call_seq (release). Idle: done == seq. */
	smp_call_fn call_fn;
	void *call_arg;
	u64 call_seq;
	u64 call_done;
	u64 calls_run;			/* calls this CPU has completed */

	/* interrupts (kernel/irq.c) */
	struct irq_stats irq;		/* counts: written by this CPU only (relaxed atomics) */
	const struct irq_frame *irq_regs;	/* in a handler: the interrupted frame, else NULL */
	u32 in_tick_hook;		/* 1 while the tick handler may call the tick hook */

	/* set-up (APs) */
	uintptr_t stack_top;		/* kernel stack: AP_STACK_ORDER pages below this */
	uintptr_t ist_df_top, ist_nmi_top;
	struct cpu_tables tables;	/* own GDT and TSS (unused on CPU 0: traps.c has its own) */

	/* Per-CPU data of other subsystems goes here (the allocator's, later). */
} __attribute__((aligned(64)));	/* no false sharing between CPUs' areas */

/* This CPU's area: valid on CPU 0 after smp_early_init(), on an AP once it runs C code. */
static inline struct percpu *this_cpu_area(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

_Static_assert(__builtin_offsetof(struct percpu, cpu) == PERCPU_OFF_CPU, "lib/percpu.h");
_Static_assert(__builtin_offsetof(struct percpu, line_off) == PERCPU_OFF_LINE_OFF, "lib/percpu.h");
_Static_assert(__builtin_offsetof(struct percpu, ctx_off) == PERCPU_OFF_CTX_OFF, "lib/percpu.h");
_Static_assert(__builtin_offsetof(struct percpu, hardirq) == PERCPU_OFF_HARDIRQ, "lib/percpu.h");

/* smp_processor_id() (lib/percpu.h): this CPU's logical id, one %gs load. */
#define this_cpu_id() smp_processor_id()

/* Set by kernel/setup.c, which reserves SMP_TRAMPOLINE_PHYS: that page is usable RAM. */
extern bool smp_trampoline_ram;

/* CPU 0's per-CPU area and GS base. Call right after traps_init() (which zeroes GS). */
void smp_early_init(void);

/* Start every enabled processor of the MADT (acpi_init() first; the page allocator must be
 * up: stacks come from it). Prints "smp: <n> CPUs online" and one line per CPU that did not
 * come up; never hangs. mb2/mbi_phys: the boot information, which the trampoline page must
 * not overlap. Returns the number of CPUs online. */
unsigned int smp_init(const struct mb2_info *mb2, u64 mbi_phys);

/* CPUs online, and the bound of CPU ids: every id of an online CPU is < nr_cpu_ids(). */
unsigned int num_online_cpus(void);
unsigned int nr_cpu_ids(void);
bool cpu_online(unsigned int cpu);
/* The per-CPU area of cpu, or NULL when cpu >= nr_cpu_ids(). */
struct percpu *per_cpu_area(unsigned int cpu);

#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < nr_cpu_ids(); (cpu)++) if (cpu_online(cpu))

/* TSC ticks per millisecond, for bounded waits and the LAPIC timer's calibration: calibrated
 * against the PIT by smp_init() (the TSC runs at the same rate on every CPU); an assumed 1 GHz
 * when that fails. */
u64 smp_tsc_per_ms(void);

/* The local APIC (xAPIC, mapped by smp_init() on every machine that has one: also with one
 * CPU), for kernel/irq.c. smp_lapic_ok(): mapped and enabled; the others need it. */
bool smp_lapic_ok(void);
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 v);
void apic_eoi(void);
/* Send a fixed IPI with vector to cpu (interrupts are saved and restored around the ICR
 * writes, so it may be called from any context). False (reported) when it could not leave. */
bool smp_send_ipi(unsigned int cpu, unsigned int vector);

/* smp_call_* results. */
#define SMP_EINVAL	(-1)	/* no such CPU, or not online */
#define SMP_EBUSY	(-2)	/* the CPU is still running an earlier call (that timed out) */
#define SMP_ETIMEDOUT	(-3)	/* not finished in time: the CPU may still run fn(arg) later,
				 * so arg must stay valid; smp_call_wait() waits for it */
#define SMP_EPERM	(-4)	/* only CPU 0 hands out calls */

/* Run fn(arg) on cpu and wait until it returned (in process context there, with interrupts
 * on once irq_start() has run; the caller waits with its interrupts as they are). On the
 * calling CPU itself, fn is just called. Only CPU 0 may call these; fn must not call them (it
 * may call on_each_cpu()). */
int smp_call_on(unsigned int cpu, smp_call_fn fn, void *arg);
int smp_call_on_timeout(unsigned int cpu, smp_call_fn fn, void *arg, unsigned int timeout_ms);

/* Run fn(arg) on every online CPU at the same time, the caller included, and wait until all
 * returned (timeout counted from the call). Returns 0, or the first error. */
int smp_call_all(smp_call_fn fn, void *arg);
int smp_call_all_timeout(smp_call_fn fn, void *arg, unsigned int timeout_ms);

/* Wait until cpu has finished its current call (after SMP_ETIMEDOUT): 0 or SMP_ETIMEDOUT. */
int smp_call_wait(unsigned int cpu, unsigned int timeout_ms);

#endif
