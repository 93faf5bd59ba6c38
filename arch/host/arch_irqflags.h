/* arch/host/arch_irqflags.h - "interrupts" of a host thread that stands for a CPU
 * (lib/irqflags.h). A thread is never interrupted, but mm/ code and the lock checker see the
 * same state as in the kernel: a per-thread flag in its percpu head (%gs:36), on until code
 * disables it. Host tests stand for an interrupt handler with hardirq_enter()/hardirq_exit(). */
#ifndef ARCH_HOST_ARCH_IRQFLAGS_H
#define ARCH_HOST_ARCH_IRQFLAGS_H

#include "lib/percpu.h"

#define ARCH_IRQ_ENABLED 0x200UL	/* the same value as the kernel's EFLAGS.IF */

static inline unsigned long arch_local_save_flags(void)
{
	u32 off;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(off) : "i"(PERCPU_OFF_SOFT_IRQS_OFF) : "memory");
	return off ? 0 : ARCH_IRQ_ENABLED;
}

static inline void arch_local_irq_disable(void)
{
	__asm__ volatile("movl $1, %%gs:%c0" : : "i"(PERCPU_OFF_SOFT_IRQS_OFF) : "memory");
}

static inline void arch_local_irq_enable(void)
{
	__asm__ volatile("movl $0, %%gs:%c0" : : "i"(PERCPU_OFF_SOFT_IRQS_OFF) : "memory");
}

static inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();
	arch_local_irq_disable();
	return flags;
}

static inline void arch_local_irq_restore(unsigned long flags)
{
	if (flags & ARCH_IRQ_ENABLED)
		arch_local_irq_enable();
}

static inline bool arch_irqs_disabled_flags(unsigned long flags)
{
	return !(flags & ARCH_IRQ_ENABLED);
}

#endif
