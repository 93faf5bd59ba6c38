/* arch/x86/arch_irqflags.h - the kernel's interrupt flag: EFLAGS.IF (lib/irqflags.h).
 * Kernel builds put arch/x86 on the include path, host programs arch/host. */
#ifndef ARCH_X86_ARCH_IRQFLAGS_H
#define ARCH_X86_ARCH_IRQFLAGS_H

#include "lib/types.h"

#define ARCH_IRQ_ENABLED 0x200UL	/* EFLAGS.IF */

static inline unsigned long arch_local_save_flags(void)
{
	unsigned long flags;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_local_irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void arch_local_irq_enable(void) { __asm__ volatile("sti" : : : "memory"); }

static inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();
	arch_local_irq_disable();
	return flags;
}

/* Only IF is restored: the other flags are the compiler's. */
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
