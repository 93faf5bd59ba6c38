/* lib/cpu.h - what code shared by the kernel and host programs (mm/) asks of its environment
 * about the other CPUs and about interrupts.
 *
 * Kernel: kernel/smp.c and kernel/irq.c (IPIs through the local APIC). Host programs:
 * tests/host/percpu_host.c, where a thread stands for a CPU and is never interrupted, so
 * on_each_cpu() runs fn on the calling thread only (the other threads' state is theirs). */
#ifndef LIB_CPU_H
#define LIB_CPU_H

#include "lib/types.h"

typedef void (*smp_call_func_t)(void *info);

#define SMP_CALL_EINVAL		(-1)	/* no such CPU, or not online */
#define SMP_CALL_ETIMEDOUT	(-3)	/* a CPU did not run fn in time (reported) */

/* Run fn(info) on every online CPU, as Linux's on_each_cpu(): the other CPUs run it in hardirq
 * context (an IPI), the caller with interrupts off. wait: return once every CPU has returned
 * from fn (else once every CPU has been sent the IPI; info must then stay valid until fn ran).
 * Call it with interrupts on; fn must be short, must not wait for another CPU and must not call
 * on_each_cpu(). Returns 0 or SMP_CALL_ETIMEDOUT (after a report naming the CPU). */
int on_each_cpu(smp_call_func_t fn, void *info, bool wait);

/* The same on one CPU (the caller: fn runs at once, interrupts off). SMP_CALL_EINVAL when cpu
 * is not online. */
int smp_call_function_single(unsigned int cpu, smp_call_func_t fn, void *info, bool wait);

/* In an interrupt handler: did the interrupt land outside the allocators' code (mm/), so that
 * this CPU's process-context allocator state (its slab freelists) is consistent right now?
 * true outside interrupt handlers. */
bool irq_interrupted_outside_mm(void);

#endif
